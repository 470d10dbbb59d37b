# SPDX-License-Identifier: Apache-2.0
# audit filters and output options: --namespace, --kind, --failed-only,
# --output, --format and --color.

. "$(dirname "$0")/lib.sh"
tap_setup "$@"

workdir filters
cp "$DATA"/filters/namespaces.yaml .

# names FILE : "Kind/namespace/name" of each workload, sorted, one a line.
names() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for w in d.get("workloads", []):
    print("%s/%s/%s" % (w.get("kind"), w.get("namespace"), w.get("name")))
' "$1" 2>&1 | sort
}

ESC=$(printf '\033')

# --- --namespace ----------------------------------------------------------------

si audit --format json --namespace prod namespaces.yaml
is "$(names "$SCRATCH/last.out")" "DaemonSet/prod/agent" "--namespace prod: exact match, prod-eu and prod-us excluded"

si audit --format json -n 'prod-*' namespaces.yaml
is "$(names "$SCRATCH/last.out")" "Deployment/prod-eu/web
Deployment/prod-us/api" "-n 'prod-*': glob matches prod-eu and prod-us, not prod"

si audit --format json -n '*-us' namespaces.yaml
is "$(names "$SCRATCH/last.out")" "Deployment/prod-us/api" "-n '*-us': leading glob"

si audit --format json --namespace default namespaces.yaml
is "$(names "$SCRATCH/last.out")" "StatefulSet/default/db" "--namespace default: matches a manifest without namespace"

si audit --format json --namespace nowhere namespaces.yaml
exits_with 0 "--namespace matching nothing: exit 0"
is "$(names "$SCRATCH/last.out")" "" "--namespace matching nothing: no workloads"

si audit --namespace secure namespaces.yaml
exits_with 0 "--namespace selecting only the hardened workload: exit 0 (others not counted)"
si audit namespaces.yaml
exits_with 1 "the same file without filter: exit 1"

si audit --format json -n 'prod*' namespaces.yaml
py_tap "$SCRATCH/last.out" <<'PY'
d = load(sys.argv[1]) or {}
s = d.get("summary", {})
eq(s.get("workloads"), 3, "--namespace: summary.workloads counts the selected workloads only")
eq(s.get("byKind"), {"Deployment": 2, "DaemonSet": 1}, "--namespace: byKind counts the selected workloads only")
PY

si audit --format json -n 'prod-*' namespaces.yaml
py_tap "$SCRATCH/last.out" <<'PY'
d = load(sys.argv[1]) or {}
eq(sorted(x["kind"] + "/" + x["name"] for x in d.get("skipped", [])), ["Service/api", "Service/web"],
   "--namespace: only the skipped objects of the selected namespaces are listed")
PY

# --- --kind -----------------------------------------------------------------------

for k in Deployment deployment DEPLOYMENT dePloyMent; do
	si audit --format json --kind "$k" namespaces.yaml
	is "$(names "$SCRATCH/last.out")" "Deployment/prod-eu/web
Deployment/prod-us/api
Deployment/secure/hardened" "--kind $k: case-insensitive, the three Deployments"
done

si audit --format json -k statefulset namespaces.yaml
is "$(names "$SCRATCH/last.out")" "StatefulSet/default/db" "-k statefulset: the StatefulSet only"

si audit --format json -k pod namespaces.yaml
is "$(names "$SCRATCH/last.out")" "Pod/staging/debug" "-k pod: the Pod only (not the pod templates of controllers)"

si audit --format json --kind Deployment --namespace 'prod-*' namespaces.yaml
is "$(names "$SCRATCH/last.out")" "Deployment/prod-eu/web
Deployment/prod-us/api" "--kind and --namespace combine (both must match)"

si audit --format json --kind daemonset --namespace 'prod-*' namespaces.yaml
is "$(names "$SCRATCH/last.out")" "" "--kind and --namespace with no common match: no workloads"

si audit --kind Deployment --namespace secure namespaces.yaml
exits_with 0 "--kind + --namespace selecting the hardened workload: exit 0"

# --- --failed-only -------------------------------------------------------------------

si audit --format json namespaces.yaml
cp "$SCRATCH/last.out" full.json
si audit --format json --failed-only namespaces.yaml
exits_with 1 "--failed-only: exit code unchanged (1)"
cp "$SCRATCH/last.out" failed-only.json
py_tap full.json failed-only.json <<'PY'
full = load(sys.argv[1]) or {}
fo = load(sys.argv[2]) or {}
eq(fo.get("summary"), full.get("summary"), "--failed-only: summary identical to the full report")
failing = sorted(w.get("name") for w in full.get("workloads", []) if w.get("failed", 0) > 0)
eq(sorted(w.get("name") for w in fo.get("workloads", [])), failing,
   "--failed-only: exactly the failing workloads are listed")
ok("hardened" not in [w.get("name") for w in fo.get("workloads", [])],
   "--failed-only: the passing workload is left out")
statuses = sorted({r.get("status") for w in fo.get("workloads", []) for r in w.get("results", [])})
eq(statuses, ["failed"], "--failed-only: only failed results are listed")
for w in fo.get("workloads", []):
    full_w = [x for x in full.get("workloads", []) if x.get("name") == w.get("name") and x.get("kind") == w.get("kind")]
    want = [r for x in full_w for r in x.get("results", []) if r.get("status") == "failed"]
    eq(w.get("results"), want, "--failed-only: %s %s keeps all of its failed results" % (w.get("kind"), w.get("name")))
PY

si audit --failed-only namespaces.yaml
lacks "$OUT" "hardened" "--failed-only text: the passing workload is not listed"
contains "$OUT" "Pod staging/debug" "--failed-only text: a failing workload is listed"

# --- --output -------------------------------------------------------------------------

si audit --format json --output report.json namespaces.yaml
exits_with 1 "--output: exit code unchanged (1)"
is "$OUT" "" "--output: nothing on stdout"
py_tap report.json full.json <<'PY'
a = load(sys.argv[1]) or {}
b = load(sys.argv[2]) or {}
eq(a, b, "--output FILE: the file holds the same JSON report as stdout would")
PY

si audit -o report.txt namespaces.yaml
is "$OUT" "" "-o FILE (text): nothing on stdout"
if [ -f report.txt ]; then
	contains "$(cat report.txt)" "Score:" "-o FILE (text): the file holds the text report"
	unlike "$(cat report.txt)" "$ESC" "-o FILE (text): no ANSI escapes in a file"
else
	fail "-o FILE (text): the file holds the text report" "report.txt was not written"
	fail "-o FILE (text): no ANSI escapes in a file" "report.txt was not written"
fi

echo "old content that must go" >report.txt
si audit -o report.txt --namespace nowhere namespaces.yaml
lacks "$(cat report.txt)" "old content" "-o FILE: an existing file is replaced"

si audit --output "$SCRATCH/no-such-dir/report.json" namespaces.yaml
exits_with 2 "--output into a missing folder: exit 2"
contains "$ERR" "no-such-dir/report.json" "--output into a missing folder: stderr names the path"

# --- --format -------------------------------------------------------------------------

si audit namespaces.yaml
text_out=$OUT
contains "$text_out" "Summary:" "default format is text: has a summary line"
like "$text_out" "Pod.*staging.*debug" "text: names each failing workload by kind, namespace and name"
contains "$text_out" "namespaces.yaml:" "text: names the source file and line"
if printf '%s' "$text_out" | python3 -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null; then
	fail "text output is not JSON"
else
	pass "text output is not JSON"
fi

si audit --format text namespaces.yaml
is "$OUT" "$text_out" "--format text equals the default output"

si audit --format json namespaces.yaml
py_tap "$SCRATCH/last.out" <<'PY'
d = load(sys.argv[1]) or {}
eq((d.get("apiVersion"), d.get("kind")), ("security-inspector.io/v1", "AuditReport"),
   "--format json: a versioned AuditReport")
PY

si audit -f json namespaces.yaml
py_tap "$SCRATCH/last.out" full.json <<'PY'
eq(load(sys.argv[1]), load(sys.argv[2]), "-f json equals --format json")
PY

# --- --color ---------------------------------------------------------------------------

si audit namespaces.yaml
unlike "$OUT" "$ESC" "text on a pipe (--color auto): no ANSI escapes"
si audit --color auto namespaces.yaml
unlike "$OUT" "$ESC" "--color auto on a pipe: no ANSI escapes"
si audit --color never namespaces.yaml
unlike "$OUT" "$ESC" "--color never: no ANSI escapes"
si audit --color always namespaces.yaml
like "$OUT" "$ESC\\[[0-9;]*m" "--color always: ANSI colour escapes in the text"
exits_with 1 "--color always: exit code unchanged"
plain=$(printf '%s' "$OUT" | sed "s/$ESC\\[[0-9;]*m//g")
is "$plain" "$text_out" "--color always: same text once the escapes are removed"
si audit --color always --format json namespaces.yaml
py_tap "$SCRATCH/last.out" full.json <<'PY'
eq(load(sys.argv[1]), load(sys.argv[2]), "--color always does not touch the JSON report")
PY

tap_finish
