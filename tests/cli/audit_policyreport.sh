# SPDX-License-Identifier: Apache-2.0
# audit --format policyreport: the objects the scheduled scan writes, as a
# YAML stream. Every object is valid against the shipped CRD schema
# (manifests/components/policyreport), one report a namespace and one for
# the cluster, and the results and summaries are those of the JSON report of
# the same input.

. "$(dirname "$0")/lib.sh"
tap_setup "$@"

workdir policyreport
cp "$DATA"/report/*.yaml .
ROOT=$(cd "$DATA/../../.." && pwd)
cp -r "$ROOT/examples/manifests" examples
CRDS="$ROOT/manifests/components/policyreport"

for input in . examples; do
	si audit -f policyreport -o "polr-$input.yaml" "$input"
	is "$RC" 1 "$input: failures found: exit code 1, as for every format"
	si audit -f json -o "audit-$input.json" "$input"
	out=$(python3 - "polr-$input.yaml" "audit-$input.json" "$CRDS" <<'PY' 2>&1
import collections, glob, json, sys, yaml, jsonschema
polr = list(yaml.safe_load_all(open(sys.argv[1])))
audit = json.load(open(sys.argv[2]))
schemas = {}
for f in glob.glob(sys.argv[3] + "/crd-*.yaml"):
    crd = yaml.safe_load(open(f))
    v = crd["spec"]["versions"][0]
    schemas[crd["spec"]["names"]["kind"]] = v["schema"]["openAPIV3Schema"]
problems = []
status = {"passed": "pass", "failed": "fail", "whitelisted": "skip"}
want = collections.Counter()
for w in audit["workloads"]:
    for r in w["results"]:
        want[(w["kind"], w["namespace"] if w["kind"] != "ClusterRoleBinding" else "", w["name"],
              r["check"], r["container"] or "", status[r["status"]])] += 1
got = collections.Counter()
total = collections.Counter()
namespaces = []
for d in polr:
    jsonschema.validate(d, schemas[d["kind"]])
    ns = d["metadata"].get("namespace", "")
    namespaces.append(ns)
    if (d["kind"] == "ClusterPolicyReport") != (ns == ""):
        problems.append("kind %s in %r" % (d["kind"], ns))
    if d["metadata"]["labels"]["app.kubernetes.io/managed-by"] != "security-inspector":
        problems.append("label")
    for r in d["results"]:
        ref = r["resources"][0]
        if ref.get("namespace", "") != ns:
            problems.append("%r in the report of %r" % (ref, ns))
        got[(ref["kind"], ns, ref["name"], r["policy"], r.get("properties", {}).get("container", ""),
             r["result"])] += 1
    for k in ("pass", "fail", "warn", "error", "skip"):
        total[k] += d["summary"][k]
if namespaces != sorted(namespaces) or len(set(namespaces)) != len(namespaces):
    problems.append("namespaces %r: one report each, in order" % namespaces)
s = audit["summary"]
if (total["pass"], total["fail"], total["skip"], total["warn"], total["error"]) != \
   (s["passed"], s["failed"], s["whitelisted"], 0, 0):
    problems.append("summaries %r, JSON report %r" % (dict(total), s))
problems += ["missing %r" % (k,) for k in want - got] + ["extra %r" % (k,) for k in got - want]
print("\n".join(problems[:10]) or "same")
PY
)
	is "$out" same "$input: valid against the CRDs; the JSON report's results and summary, one report a namespace"
done

# A namespace over the default limit is split: 400 workloads in one namespace.
python3 - <<'PY'
with open("many.yaml", "w") as f:
    for i in range(400):
        f.write("---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app-%d, namespace: big}\n"
                "spec:\n  template:\n    spec:\n      containers: [{name: app, image: nginx}]\n" % i)
PY
si audit -f policyreport many.yaml
out=$(python3 -c '
import sys, yaml, json
docs = list(yaml.safe_load_all(sys.stdin))
print(len(docs) > 1, [d["metadata"]["name"] for d in docs][:2],
      max(len(json.dumps(d, separators=(",", ":"))) for d in docs) <= 1 << 20,
      sum(len(d["results"]) for d in docs))' <<<"$OUT")
# Every item but the RBAC one gives one result for a one-container Deployment.
si checks --format json
per=$(printf '%s' "$OUT" | python3 -c 'import json, sys; print(sum(r["scope"] != "binding" for r in json.load(sys.stdin)))')
is "$out" "True ['security-inspector', 'security-inspector-2'] True $((400 * per))" \
	"400 workloads of one namespace: parts of at most 1 MiB, named -2, -3..., every result once"

# SOURCE_DATE_EPOCH: the same manifests make the same file (no diff in Git).
export SOURCE_DATE_EPOCH=1700000000
si audit -f policyreport examples
first=$OUT
si audit -f policyreport examples
is "$(grep -c 'seconds: 1700000000' <<<"$OUT") $([ "$OUT" = "$first" ] && echo same)" \
	"$(grep -c 'timestamp:' <<<"$OUT") same" \
	"SOURCE_DATE_EPOCH sets every timestamp: two runs give the same bytes"
unset SOURCE_DATE_EPOCH

si audit -f nonsense many.yaml
contains "$ERR" "policyreport" "--format names policyreport among the formats"
tap_finish
