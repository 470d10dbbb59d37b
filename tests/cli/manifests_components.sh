#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The optional kustomize components of manifests/ render on top of the base
# (examples/overlays/*): manifests/components/policyreport adds the
# wgpolicyk8s.io/v1alpha2 PolicyReport and ClusterPolicyReport CRDs (with
# structural schemas: every field typed), the RBAC to write the reports and
# --policy-reports on the server, and leaves the base's own objects as they
# are; the rendered whole passes the project's own audit.
# Needs kubectl (`kubectl kustomize`, no cluster) and python3 with PyYAML;
# skipped without them. KUBECTL names another kubectl binary.
# Usage: manifests_components.sh /path/to/security-inspector (TAP)
set -u
. "$(dirname "$0")/lib.sh"
tap_setup "$@"
repo=$(cd "$(dirname "$0")/../.." && pwd)

kubectl=${KUBECTL:-kubectl}
if ! command -v "$kubectl" >/dev/null 2>&1; then
	echo "1..0 # SKIP kubectl not found (set KUBECTL)"
	exit 0
fi
if ! python3 -c 'import yaml' 2>/dev/null; then
	echo "1..0 # SKIP python3 has no yaml module (PyYAML)"
	exit 0
fi

rendered=$SCRATCH/policyreport.yaml
"$kubectl" kustomize "$repo/examples/overlays/policyreport" >"$rendered" 2>"$SCRATCH/kustomize.err"
is "$?" "0" "kubectl kustomize examples/overlays/policyreport renders"
# The base alone, to compare with.
"$kubectl" kustomize "$repo/manifests" >"$SCRATCH/base.yaml" 2>>"$SCRATCH/kustomize.err"
is "$?" "0" "kubectl kustomize manifests renders"
[ -s "$SCRATCH/kustomize.err" ] && diag "$(cat "$SCRATCH/kustomize.err")"

py_tap "$rendered" "$SCRATCH/base.yaml" <<'PY'
import yaml

def docs(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d]

objs, base = docs(sys.argv[1]), docs(sys.argv[2])
def key(d):
    m = d.get("metadata", {})
    return (d.get("apiVersion"), d.get("kind"), m.get("namespace"), m.get("name"))
by_key = {key(d): d for d in objs}

# The two CRDs: group, version, scope, names.
crds = {d["metadata"]["name"]: d for d in objs if d.get("kind") == "CustomResourceDefinition"}
eq(sorted(crds), ["clusterpolicyreports.wgpolicyk8s.io", "policyreports.wgpolicyk8s.io"],
   "the component adds the two CRDs, and only them")
want = {"policyreports.wgpolicyk8s.io": ("PolicyReport", "polr", "Namespaced"),
        "clusterpolicyreports.wgpolicyk8s.io": ("ClusterPolicyReport", "cpolr", "Cluster")}
for name, (kind, short, scope) in want.items():
    c = crds.get(name, {})
    spec = c.get("spec", {})
    eq(c.get("apiVersion"), "apiextensions.k8s.io/v1", name + ": apiextensions.k8s.io/v1")
    eq(spec.get("group"), "wgpolicyk8s.io", name + ": group wgpolicyk8s.io")
    eq(spec.get("scope"), scope, name + ": scope " + scope)
    names = spec.get("names", {})
    eq((names.get("kind"), names.get("shortNames")), (kind, [short]), name + ": kind %s, short name %s" % (kind, short))
    vers = spec.get("versions", [])
    eq([(v.get("name"), v.get("served"), v.get("storage")) for v in vers], [("v1alpha2", True, True)],
       name + ": v1alpha2, served and stored, the only version")
    eq(c.get("metadata", {}).get("labels", {}).get("app.kubernetes.io/name"), "security-inspector",
       name + ": labelled app.kubernetes.io/name=security-inspector")
    v = vers[0] if vers else {}
    eq([p.get("name") for p in v.get("additionalPrinterColumns", [])],
       ["Kind", "Name", "Pass", "Fail", "Warn", "Error", "Skip", "Age"], name + ": the printer columns")

    # Structural: every schema (each field, array item, map value) has a
    # type, and no field keeps unknown fields (the WG's schema has none).
    untyped, loose = [], []
    def walk(s, path):
        if "type" not in s:
            untyped.append(path or "/")
        if "x-kubernetes-preserve-unknown-fields" in s:
            loose.append(path or "/")
        for f, sub in (s.get("properties") or {}).items():
            walk(sub, path + "." + f)
        if isinstance(s.get("items"), dict):
            walk(s["items"], path + "[]")
        if isinstance(s.get("additionalProperties"), dict):
            walk(s["additionalProperties"], path + "{}")
    root = v.get("schema", {}).get("openAPIV3Schema", {})
    walk(root, "")
    eq(untyped, [], name + ": every schema node has a type (structural)")
    eq(loose, [], name + ": no x-kubernetes-preserve-unknown-fields")

    props = root.get("properties", {})
    eq(sorted(props), ["apiVersion", "kind", "metadata", "results", "scope", "scopeSelector", "summary"],
       name + ": the top-level fields")
    eq(sorted(props.get("summary", {}).get("properties", {})), ["error", "fail", "pass", "skip", "warn"],
       name + ": summary counts")
    ref = ["apiVersion", "fieldPath", "kind", "name", "namespace", "resourceVersion", "uid"]
    eq(sorted(props.get("scope", {}).get("properties", {})), ref, name + ": scope is an ObjectReference")
    sel = props.get("scopeSelector", {}).get("properties", {})
    eq((sorted(sel), sel.get("matchExpressions", {}).get("items", {}).get("required")),
       (["matchExpressions", "matchLabels"], ["key", "operator"]), name + ": scopeSelector is a LabelSelector")
    item = props.get("results", {}).get("items", {})
    rp = item.get("properties", {})
    eq(sorted(rp), sorted(["source", "policy", "rule", "category", "severity", "timestamp", "result",
                           "scored", "message", "resources", "resourceSelector", "properties"]),
       name + ": the fields of a result")
    eq(item.get("required"), ["policy"], name + ": a result requires policy, only")
    eq(rp.get("severity", {}).get("enum"), ["critical", "high", "low", "medium", "info"], name + ": severity enum")
    eq(rp.get("result", {}).get("enum"), ["pass", "fail", "warn", "error", "skip"], name + ": result enum")
    ts = rp.get("timestamp", {})
    eq((sorted(ts.get("properties", {})), [ts.get("properties", {}).get(f, {}).get("format") for f in ("seconds", "nanos")]),
       (["nanos", "seconds"], ["int64", "int32"]), name + ": timestamp {seconds int64, nanos int32}")
    eq(sorted(rp.get("resources", {}).get("items", {}).get("properties", {})), ref,
       name + ": resources[] are ObjectReferences")
    eq(rp.get("properties", {}).get("additionalProperties", {}).get("type"), "string",
       name + ": properties map string to string")

# Both CRDs carry the same fields (descriptions aside).
def shape(s):
    if isinstance(s, dict):
        return {k: shape(v) for k, v in s.items() if k != "description"}
    if isinstance(s, list):
        return [shape(x) for x in s]
    return s
schemas = [shape(c["spec"]["versions"][0]["schema"]) for c in crds.values() if c.get("spec", {}).get("versions")]
ok(len(schemas) == 2 and schemas[0] == schemas[1], "PolicyReport and ClusterPolicyReport share one schema")

# The RBAC.
rbac = "rbac.authorization.k8s.io/v1"
role = by_key.get((rbac, "ClusterRole", None, "security-inspector-policyreports"), {})
eq(role.get("rules"), [{"apiGroups": ["wgpolicyk8s.io"], "resources": ["policyreports", "clusterpolicyreports"],
                        "verbs": ["list", "create", "update", "delete"]}],
   "ClusterRole security-inspector-policyreports: list, create, update, delete on the reports, nothing else")
crb = by_key.get((rbac, "ClusterRoleBinding", None, "security-inspector-policyreports"), {})
eq((crb.get("roleRef"), crb.get("subjects")),
   ({"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "security-inspector-policyreports"},
    [{"kind": "ServiceAccount", "name": "security-inspector", "namespace": "security-inspector"}]),
   "ClusterRoleBinding security-inspector-policyreports: the role to the server's ServiceAccount")
for d in (role, crb):
    eq(d.get("metadata", {}).get("labels", {}).get("app.kubernetes.io/name"), "security-inspector",
       "%s %s: labelled" % (d.get("kind"), d.get("metadata", {}).get("name")))

# The Deployment: the base's args, then --policy-reports.
def args(ds):
    for d in ds:
        if key(d) == ("apps/v1", "Deployment", "security-inspector", "security-inspector"):
            return d["spec"]["template"]["spec"]["containers"][0].get("args", [])
    return None
got, was = args(objs), args(base)
ok(got is not None and "--policy-reports" not in (was or []), "the base's Deployment has no --policy-reports")
eq(got, (was or []) + ["--policy-reports"], "the Deployment's args: the base's, then --policy-reports")

# The base's own objects are all there, unchanged but for that Deployment.
eq([key(d) for d in base if key(d) not in by_key], [], "every object of the base is in the overlay")
eq([key(d) for d in base if key(d) in by_key and by_key[key(d)] != d and d.get("kind") != "Deployment"], [],
   "the base's other objects are unchanged")
eq(len(objs), len(base) + 4, "the component adds four objects (two CRDs, the role, its binding)")
PY

# The rendered whole passes the project's own audit, as manifests/ does.
si audit --format json --fail-on warning "$rendered"
exits_with 0 "audit of the rendered overlay, --fail-on warning: exit 0"
py_tap "$SCRATCH/last.out" <<'PY'
d = load(sys.argv[1]) or {}
s = d.get("summary", {})
eq((s.get("failed"), s.get("score")), (0, 100), "the overlay's workloads: no failed item, score 100")
eq(s.get("byKind"), {"Deployment": 1, "ClusterRoleBinding": 3, "RoleBinding": 1},
   "the Deployment and the four role bindings (one of the component) are inspected")
eq(d.get("errors"), [], "every rendered object reads without error")
PY
tap_finish
