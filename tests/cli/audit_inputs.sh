# SPDX-License-Identifier: Apache-2.0
# audit inputs: stdin (YAML and JSON), folders, multi-document streams, List
# kinds, kubectl output, skipped kinds, and input errors named by file and line.

. "$(dirname "$0")/lib.sh"
tap_setup "$@"

workdir inputs
cp -R "$DATA"/inputs/. .
cp "$DATA"/exit/hardened.yaml .
mkdir examples && cp -R "$DATA"/kubernetes-examples/. examples/

# names FILE : "Kind/namespace/name@source" of each workload, one a line.
names() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for w in d.get("workloads", []):
    print("%s/%s/%s@%s" % (w.get("kind"), w.get("namespace"), w.get("name"), w.get("source")))
' "$1" 2>&1
}

# stdin_names FILE : like names, with the name given to stdin (whatever it
# is: "<stdin>", "-", ...) written as STDIN.
stdin_names() {
	names "$1" | sed -E 's/@(-|[^@/]*stdin[^@/]*):([0-9]+)$/@STDIN:\2/'
}

# --- stdin ------------------------------------------------------------------

si --stdin hardened.yaml audit --format json -
exits_with 0 "stdin YAML: exit 0 for the hardened workload"
is "$(stdin_names "$SCRATCH/last.out")" "Deployment/shop/hardened@STDIN:3
RoleBinding/shop/hardened-reader@STDIN:50" \
	"stdin YAML: both documents reported, each with its own stdin line"

si --stdin pod.json audit --format json -
exits_with 1 "stdin JSON: exit 1 (the pod may run as root)"
is "$(stdin_names "$SCRATCH/last.out")" "Pod/tools/json-pod@STDIN:1" "stdin JSON: the pod is reported"

si --stdin pod.json audit --format json hardened.yaml -
is "$(stdin_names "$SCRATCH/last.out" | sort)" "Deployment/shop/hardened@hardened.yaml:3
Pod/tools/json-pod@STDIN:1
RoleBinding/shop/hardened-reader@hardened.yaml:50" "a file and stdin together: all objects reported"

si --stdin /dev/null audit --format json -
exits_with 0 "empty stdin: exit 0"
is "$(names "$SCRATCH/last.out")" "" "empty stdin: no workloads"

# --- folders -------------------------------------------------------------------

si audit --format json tree
exits_with 1 "folder: exit 1 (its workloads run as root)"
is "$(names "$SCRATCH/last.out" | sort)" "DaemonSet/tree/tree-json@tree/sub/deeper/c.json:1
Deployment/tree/tree-yaml@tree/a.yaml:1
StatefulSet/tree/tree-yml@tree/sub/b.yml:1" \
	"folder walked recursively: *.yaml, *.yml and *.json found at every depth"
lacks "$ERR" "notes.txt" "folder: the .txt file is not read"
lacks "$ERR" "manifest.yaml.orig" "folder: a *.yaml.orig backup is not read"
py_tap "$SCRATCH/last.out" <<'PY'
d = load(sys.argv[1]) or {}
eq(d.get("errors"), [], "folder: no input errors (files of other extensions ignored)")
PY

si audit --format json tree/
is "$(names "$SCRATCH/last.out" | wc -l | tr -d ' ')" "3" "folder given with a trailing slash: same three workloads"

mkdir -p looped/sub && cp tree/a.yaml looped/sub/a.yaml && ln -s .. looped/sub/up
si audit --format json looped
no_crash "folder with a symlink loop: the walk ends"
is "$(names "$SCRATCH/last.out")" "Deployment/tree/tree-yaml@looped/sub/a.yaml:1" \
	"folder with a symlink loop: each file reported once"

# --- multi-document YAML with a List and skipped kinds --------------------------

si audit --format json multi-document.yaml
exits_with 1 "multi-document YAML: exit 1"
is "$(names "$SCRATCH/last.out")" "Pod/tools/list-pod@multi-document.yaml:25
Job/default/list-job@multi-document.yaml:34
StatefulSet/data/db@multi-document.yaml:46" \
	"multi-document YAML: List items unpacked, each with its own line; namespace defaults to default"
py_tap "$SCRATCH/last.out" <<'PY'
d = load(sys.argv[1]) or {}
skipped = sorted((s.get("kind"), s.get("name"), s.get("source")) for s in d.get("skipped", []))
eq(skipped, [("ConfigMap", "web-config", "multi-document.yaml:14"),
             ("Service", "web", "multi-document.yaml:3")],
   "multi-document YAML: Service and ConfigMap are listed in skipped with their lines")
kinds = {w.get("kind") for w in d.get("workloads", [])}
ok(not kinds & {"Service", "ConfigMap", "List"},
   "multi-document YAML: Service, ConfigMap and List are not workloads", kinds)
eq(d.get("errors"), [], "multi-document YAML: no errors (comments and a trailing --- are fine)")
eq(d.get("summary", {}).get("byKind"), {"Pod": 1, "Job": 1, "StatefulSet": 1},
   "multi-document YAML: byKind counts the inspected workloads only")
job = [w for w in d.get("workloads", []) if w.get("kind") == "Job"]
probes = [r for w in job for r in w.get("results", [])
          if r.get("check") in ("readinessProbeMissing", "livenessProbeMissing")]
eq(probes, [], "multi-document YAML: probe items are skipped for a Job")
PY

si audit --format json deployment-list.json
exits_with 1 "DeploymentList: exit 1"
is "$(names "$SCRATCH/last.out")" "Deployment/shop/frontend@deployment-list.json:5
Deployment/shop/backend@deployment-list.json:35" "*List kind (DeploymentList) is unpacked"

# --- kubectl get ... -o json output on stdin -------------------------------------

si --stdin kubectl-list.json audit --format json -
exits_with 1 "kubectl List on stdin: exit 1"
# Line span of each item of the pretty-printed List: "start end" per line.
awk '/^        \{/ { s = NR } /^        \}/ { print s, NR }' kubectl-list.json >spans.txt
py_tap "$SCRATCH/last.out" spans.txt <<'PY'
d = load(sys.argv[1]) or {}
spans = [tuple(map(int, l.split())) for l in open(sys.argv[2])]
ws = d.get("workloads", [])
expected = [("Deployment", "shop", "web"), ("DaemonSet", "monitoring", "node-exporter"),
            ("StatefulSet", "data", "postgres"), ("CronJob", "batch", "nightly-report"),
            ("Pod", "shop", "web-5d4f8c7b9-x7k2p"), ("Pod", "batch", "nightly-report-28950000-q4z9n")]
eq(sorted((w.get("kind"), w.get("namespace"), w.get("name")) for w in ws), sorted(expected),
   "kubectl List: six items of five kinds in four namespaces reported")
eq(d.get("errors"), [], "kubectl List: status, ownerReferences and managedFields cause no error")
eq(d.get("skipped"), [], "kubectl List: nothing skipped")
lines = {}
for w in ws:
    m = re.fullmatch(r".+:(\d+)", str(w.get("source")))
    lines[w.get("name")] = int(m.group(1)) if m else None
eq(len(set(lines.values())), len(ws), "kubectl List: every item has its own source line")
for i, (kind, ns, name) in enumerate(expected):
    line = lines.get(name)
    lo, hi = spans[i] if i < len(spans) else (0, 0)
    ok(line is not None and lo <= line <= hi,
       "kubectl List: %s %s source line lies inside the item (lines %d-%d)" % (kind, name, lo, hi),
       "source line: %r" % (line,))
by = {w.get("name"): w for w in ws}
def failed(name):
    return sorted({r.get("check") for r in by.get(name, {}).get("results", [])
                   if r.get("status") == "failed"})
eq(failed("web"), [], "kubectl List: the hardened Deployment passes")
eq(failed("web-5d4f8c7b9-x7k2p"), [], "kubectl List: its running Pod passes")
ok({"hostNetworkSet", "hostPIDSet", "hostPortSet"} <= set(failed("node-exporter")),
   "kubectl List: the DaemonSet fails hostNetworkSet, hostPIDSet and hostPortSet", failed("node-exporter"))
eq(failed("nightly-report"), ["tagNotSpecified"], "kubectl List: the CronJob fails only tagNotSpecified (:latest)")
for name in ("nightly-report", "nightly-report-28950000-q4z9n"):
    probes = [r for r in by.get(name, {}).get("results", [])
              if r.get("check") in ("readinessProbeMissing", "livenessProbeMissing")]
    eq(probes, [], "kubectl List: no probe results for %s (CronJob / Pod owned by a Job)" % name)
PY

# --- real manifests from the Kubernetes examples --------------------------------

si audit --format json examples/guestbook-all-in-one.yaml examples/phabricator-controller.json
exits_with 1 "real manifests: exit 1 (unpinned image, root containers)"
py_tap "$SCRATCH/last.out" <<'PY'
d = load(sys.argv[1]) or {}
eq(sorted((w.get("kind"), w.get("name"), w.get("namespace")) for w in d.get("workloads", [])),
   [("Deployment", "frontend", "default"), ("Deployment", "redis-master", "default"),
    ("Deployment", "redis-replica", "default"), ("ReplicationController", "phabricator-controller", "default")],
   "real manifests: three Deployments and a ReplicationController (JSON) reported")
eq(sorted((s.get("kind"), s.get("name")) for s in d.get("skipped", [])),
   [("Service", "frontend"), ("Service", "redis-master"), ("Service", "redis-replica")],
   "real manifests: the three Services are skipped")
eq(d.get("errors"), [], "real manifests: no input errors (comments after values, odd indentation)")
PY

si audit --format json examples/broken
exits_with 2 "real broken manifests: exit 2"
contains "$ERR" "examples/broken/etcd-controller.yaml:12" "real duplicate key: stderr names file:line"
contains "$ERR" "selector" "real duplicate key: stderr names the key"
contains "$ERR" "examples/broken/secret.json:1" "real empty JSON file: stderr names file:line"
contains "$ERR" "examples/broken/etcd-controller-template.yaml:6" "real template placeholders: stderr names the first one's line"

# --- input errors -----------------------------------------------------------------

si audit broken/template.yaml
exits_with 2 "template placeholder {{ x }}: exit 2"
contains "$ERR" "broken/template.yaml:6" "template placeholder: stderr names file:line"

si audit broken/duplicate-key.yaml
exits_with 2 "duplicate key: exit 2"
contains "$ERR" "broken/duplicate-key.yaml:10" "duplicate key: stderr names file and the line of the second key"
contains "$ERR" "image" "duplicate key: stderr names the key"

si audit broken/bad-indentation.yaml
exits_with 2 "bad indentation: exit 2"
contains "$ERR" "broken/bad-indentation.yaml:9" "bad indentation: stderr names file:line"

si audit broken/empty.json
exits_with 2 "empty .json file: exit 2"
contains "$ERR" "broken/empty.json:1" "empty .json file: stderr names file:line"

si audit --format json broken tree/a.yaml
exits_with 2 "four broken files and a good one: exit 2"
for f in template.yaml:6 duplicate-key.yaml:10 bad-indentation.yaml:9 empty.json:1; do
	contains "$ERR" "broken/$f" "broken folder: stderr names broken/$f"
done
is "$(names "$SCRATCH/last.out")" "Deployment/tree/tree-yaml@tree/a.yaml:1" \
	"broken folder: the good file is still inspected"
py_tap "$SCRATCH/last.out" <<'PY'
d = load(sys.argv[1]) or {}
eq(sorted(e.get("source") for e in d.get("errors", [])),
   ["broken/bad-indentation.yaml:9", "broken/duplicate-key.yaml:10",
    "broken/empty.json:1", "broken/template.yaml:6"],
   "broken folder: errors[] has one entry per broken file, with file:line")
ok(all(e.get("message") for e in d.get("errors", [])), "broken folder: every error has a message")
PY

si audit utf8/surrogate.yaml
exits_with 2 "YAML string holding a surrogate (CESU-8 ED A0 80): exit 2"
contains "$ERR" "utf8/surrogate.yaml:6" "surrogate: stderr names file:line"
contains "$ERR" "not valid UTF-8" "surrogate: stderr says the text is not UTF-8"

si audit utf8/above-u10ffff.yaml
exits_with 2 "YAML string holding a code point above U+10FFFF: exit 2"
contains "$ERR" "utf8/above-u10ffff.yaml:9" "above U+10FFFF: stderr names file:line"
contains "$ERR" "not valid UTF-8" "above U+10FFFF: stderr says the text is not UTF-8"

si --stdin utf8/surrogate.yaml audit -
exits_with 2 "surrogate on stdin: exit 2"
contains "$ERR" "stdin" "surrogate on stdin: stderr names stdin"
contains "$ERR" ":6:" "surrogate on stdin: stderr names the line"

si audit billion-laughs.yaml
exits_with 2 "YAML billion laughs: exit 2"
if [ "$ELAPSED_MS" -lt 5000 ]; then
	pass "YAML billion laughs: rejected quickly (${ELAPSED_MS} ms)"
else
	fail "YAML billion laughs: rejected quickly" "took ${ELAPSED_MS} ms"
fi
contains "$ERR" "billion-laughs.yaml:" "YAML billion laughs: stderr names the file and line"

python3 -c 'print("[" * 100000 + "]" * 100000)' >deep.json
si audit deep.json
exits_with 2 "JSON nested 100000 deep: exit 2, no stack overflow"
contains "$ERR" "deep.json:1" "deep JSON: stderr names file:line"

python3 -c 'print("a: " + "[" * 100000 + "]" * 100000)' >deep.yaml
si audit deep.yaml
exits_with 2 "YAML nested 100000 deep: exit 2, no stack overflow"
contains "$ERR" "deep.yaml:1" "deep YAML: stderr names file:line"

si audit type-privileged.yaml
exits_with 2 'privileged: "yes" (a string): exit 2'
contains "$ERR" "type-privileged.yaml:11" 'privileged: "yes": stderr names file:line'
contains "$ERR" "spec.containers[0].securityContext.privileged" 'privileged: "yes": stderr names the field path'

si audit --format json type-runasuser.yaml
exits_with 2 'runAsUser: "1000" (a string): exit 2'
contains "$ERR" "type-runasuser.yaml:19" 'runAsUser: "1000": stderr names file:line'
contains "$ERR" "spec.template.spec.containers[1].securityContext.runAsUser" \
	'runAsUser: "1000": stderr names the field path'
py_tap "$SCRATCH/last.out" <<'PY'
d = load(sys.argv[1]) or {}
errs = d.get("errors", [])
ok(any(e.get("source") == "type-runasuser.yaml:19" and "securityContext.runAsUser" in e.get("message", "")
       for e in errs), 'runAsUser: "1000": errors[] holds file:line and the field path', errs)
eq(d.get("workloads"), [], 'runAsUser: "1000": the ill-typed workload is not reported as inspected')
PY

si audit --format json type-in-list.json
exits_with 2 "wrong type in one List item: exit 2"
contains "$ERR" "type-in-list.json:" "wrong type in one List item: stderr names the file"
contains "$ERR" "securityContext.runAsUser" "wrong type in one List item: stderr names the field path"
is "$(names "$SCRATCH/last.out" | cut -d@ -f1)" "Pod/shop/good-before
Pod/shop/good-after" "wrong type in one List item: the other items are still inspected"

# --- files as people save them ---------------------------------------------------------

sed 's/$/\r/' tree/a.yaml >crlf.yaml
si audit --format json crlf.yaml
is "$(names "$SCRATCH/last.out")" "Deployment/tree/tree-yaml@crlf.yaml:1" "CRLF line endings: the file is read"

{ printf '\357\273\277'; cat pod.json; } >bom.json
si audit --format json bom.json
is "$(names "$SCRATCH/last.out")" "Pod/tools/json-pod@bom.json:1" "JSON with a UTF-8 byte order mark: the file is read"

printf '# nothing here yet\n---\n# still nothing\n' >comments-only.yaml
si audit --format json comments-only.yaml
exits_with 0 "a YAML file of comments only: exit 0"
is "$(names "$SCRATCH/last.out")" "" "a YAML file of comments only: no workloads"

# --- streaming: what the audit keeps is bounded --------------------------------

# 1 005 objects of a kind that is not inspected: reports list the first 1 000
# and count the rest, so that a stream of a million costs no more.
python3 -c '
for i in range(1005):
    print("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\ndata:\n  k: v" % i)
' >many-configmaps.yaml
{ echo ---; cat hardened.yaml; } >>many-configmaps.yaml
si audit many-configmaps.yaml
exits_with 0 "1 005 skipped objects: exit 0"
contains "$OUT" "Skipped 1005 objects not inspected:" "text: every skipped object counted"
contains "$OUT" "cm-999 (many-configmaps.yaml:" "text: the 1 000th is listed"
lacks "$OUT" "cm-1000 " "text: the 1 001st is not"
contains "$OUT" "... and 5 more" "text: the rest are counted"
si audit --format json many-configmaps.yaml
py_tap "$SCRATCH/last.out" <<'PY'
d = load(sys.argv[1]) or {}
eq(len(d.get("skipped", [])), 1000, "JSON: skipped lists the first 1 000")
eq(d.get("skippedNotListed"), 5, "JSON: skippedNotListed counts the rest")
eq([w.get("name") for w in d.get("workloads", [])], ["hardened", "hardened-reader"],
   "JSON: the workloads after them are inspected")
eq(list(d.keys())[:4], ["apiVersion", "kind", "workloads", "summary"],
   "JSON: streamed, workloads come before the summary")
PY

tap_finish
