#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# PolicyReports end to end: the shipped CRDs (manifests/components/
# policyreport) on the cluster KUBECONFIG points to, a server scanning with
# exactly the shipped RBAC (manifests/rbac.yaml's ClusterRole security-
# inspector and the component's security-inspector-policyreports, bound to
# a ServiceAccount whose token it uses), every result compared with the
# JSON report of the same namespace, and the reports following the
# workloads: fixed, exempted, deleted, a namespace emptied, a report split
# over the size limit. Skipped without a cluster. Prints TAP.
#   tests/e2e/policyreport.sh /path/to/security-inspector
set -uo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
TAP_N=0 TAP_FAILED=0
. "$here/../tap.sh"    # pass, fail, check, tap_end
. "$here/../kube.sh"   # require_cluster, delete_namespaces, stop_all
require_cluster

run=$(date +%s)-$$
ns=si-polr-$run ns2=si-polr-b-$run
scan_role=si-polr-scan-$run write_role=si-polr-write-$run
work=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && stop_all "$pid"
	kubectl delete clusterrolebinding "$scan_role" "$write_role" --ignore-not-found >/dev/null 2>&1
	kubectl delete clusterrole "$scan_role" "$write_role" --ignore-not-found >/dev/null 2>&1
	kubectl delete polr --all -n "$ns" >/dev/null 2>&1
	kubectl delete polr --all -n "$ns2" >/dev/null 2>&1
	delete_namespaces "$ns" "$ns2"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# until_true 'SHELL CODE': evaluates it every 0.5 s until it succeeds, for
# 40 s at most.
until_true() {
	for _ in $(seq 80); do eval "$1" && return 0; sleep 0.5; done
	return 1
}

# --- the CRDs as shipped ----------------------------------------------------------
crds=("$repo"/manifests/components/policyreport/crd-*.yaml)
had_crd=0
kubectl get crd policyreports.wgpolicyk8s.io >/dev/null 2>&1 && had_crd=1

# --- the scanner's identity: the shipped ClusterRoles, renamed for the run ------------
doc() {   # FILE KIND NAME: that document of FILE, renamed NEW
	python3 - "$@" <<'PY'
import sys, yaml
path, kind, name, new = sys.argv[1:5]
for d in yaml.safe_load_all(open(path)):
    if d and d["kind"] == kind and d["metadata"]["name"] == name:
        d["metadata"]["name"] = new
        print(yaml.safe_dump(d))
PY
}
out=$( { kubectl create ns "$ns" && kubectl create ns "$ns2" &&
	kubectl -n "$ns" create serviceaccount scanner &&
	doc "$repo/manifests/rbac.yaml" ClusterRole security-inspector "$scan_role" | kubectl create -f - &&
	doc "$repo/manifests/components/policyreport/rbac.yaml" ClusterRole \
		security-inspector-policyreports "$write_role" | kubectl create -f - &&
	kubectl create clusterrolebinding "$scan_role" --clusterrole="$scan_role" \
		--serviceaccount="$ns:scanner" &&
	kubectl create clusterrolebinding "$write_role" --clusterrole="$write_role" \
		--serviceaccount="$ns:scanner"; } 2>&1)
check "the shipped ClusterRoles are bound to the scanner's ServiceAccount" test $? -eq 0
token=$(kubectl -n "$ns" create token scanner --duration=30m 2>"$work/token.err")
out=$(cat "$work/token.err")
check "a token for the ServiceAccount" test -n "$token"
kubectl config view --raw --minify -o json | python3 -c '
import json, sys
c = json.load(sys.stdin)
cl = c["clusters"][0]["cluster"]
print(json.dumps({"apiVersion": "v1", "kind": "Config", "current-context": "scanner",
  "clusters": [{"name": "c", "cluster": cl}],
  "users": [{"name": "scanner", "user": {"token": sys.argv[1]}}],
  "contexts": [{"name": "scanner", "context": {"cluster": "c", "user": "scanner"}}]}))' \
	"$token" >"$work/scanner.kubeconfig"

# --- workloads ------------------------------------------------------------------------
deployment() {   # name namespace hostNetwork [annotations]
	local ann=""
	[ -n "${4:-}" ] && ann=", annotations: {$4}"
	cat <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: $1, namespace: $2$ann}
spec:
  replicas: 1
  selector: {matchLabels: {app: $1}}
  template:
    metadata: {labels: {app: $1}}
    spec:
      hostNetwork: $3
      containers:
      - name: app
        image: nginx
YAML
}
hardened() {   # name namespace
	cat <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: $1, namespace: $2}
spec:
  replicas: 2
  selector: {matchLabels: {app: $1}}
  template:
    metadata: {labels: {app: $1}}
    spec:
      automountServiceAccountToken: false
      securityContext: {runAsNonRoot: true, runAsUser: 10001}
      containers:
      - name: app
        image: registry.example/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
        securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true,
                          capabilities: {drop: [ALL]}}
        resources:
          requests: {cpu: 10m, memory: 16Mi}
          limits: {cpu: 100m, memory: 64Mi}
        livenessProbe: {httpGet: {path: /, port: 8080}}
        readinessProbe: {httpGet: {path: /, port: 8080}}
YAML
}
out=$( { deployment web "$ns" true; echo ---; deployment agent "$ns" true; echo ---;
	hardened api "$ns"; echo ---; deployment other "$ns2" false; echo ---
	cat <<YAML
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: open, namespace: $ns}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: Group, name: "system:unauthenticated", apiGroup: rbac.authorization.k8s.io}
YAML
} | kubectl apply -f - 2>&1)
check "the workloads are created" test $? -eq 0

cat >"$work/policy.yaml" <<POLICY
allowAnnotationExemptions: true
whitelist:
  - namespaces: ["$ns"]
    kinds: [Deployment]
    names: [agent]
    checks: [hostNetworkSet]
    reason: the node agent needs the host network
POLICY

# --- the server -------------------------------------------------------------------------
"$bin" certs --out "$work/certs" >/dev/null 2>&1
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start() {   # extra options...
	"$bin" serve --listen "127.0.0.1:$port" --tls-cert "$work/certs/tls.crt" \
		--tls-key "$work/certs/tls.key" --config "$work/policy.yaml" \
		--kubeconfig "$work/scanner.kubeconfig" --inspect-interval 2s --no-events \
		--policy-reports --policy-report-owner "$ns" "$@" >/dev/null 2>>"$work/serve.log" &
	pid=$!
}
scans_finished() { grep -c '"scan finished"' "$work/serve.log"; }

if [ "$had_crd" = 0 ]; then
	start
	until_true 'test "$(scans_finished)" -ge 3'
	out=$(grep -c 'no PolicyReport CRD' "$work/serve.log")
	check "without the CRD: said once over three scans, and the scans go on" test "$out" = 1
else
	pass "# SKIP the cluster has the CRD already: the run without it is not made"
fi
out=$(kubectl apply -f "${crds[0]}" -f "${crds[1]}" 2>&1 &&
	kubectl wait --for condition=established --timeout=30s \
		crd/policyreports.wgpolicyk8s.io crd/clusterpolicyreports.wgpolicyk8s.io 2>&1)
check "the shipped CRDs are accepted" test $? -eq 0
out=$(KUBECONFIG=$work/scanner.kubeconfig kubectl auth can-i create policyreports.wgpolicyk8s.io -n "$ns2" 2>&1)
check "the ServiceAccount may create PolicyReports, as the component grants" test "$out" = yes
out=$(KUBECONFIG=$work/scanner.kubeconfig kubectl auth can-i get policyreports.wgpolicyk8s.io -n "$ns2" 2>&1)
check "... and nothing it does not use (get)" test "$out" = no
[ -z "$pid" ] && start

polr_json() { kubectl get polr -n "$1" -o json 2>/dev/null; }
has_report() { [ "$(kubectl get polr -n "$1" --no-headers 2>/dev/null | wc -l)" -ge 1 ]; }
until_true 'has_report "$ns"'
check "a PolicyReport appears in the namespace" has_report "$ns"

# compare NS: every result of the namespace's reports against the JSON
# report of the same namespace (the audit CLI, the same policy, the
# cluster as it is now); prints what differs.
compare() {
	polr_json "$1" >"$work/polr.json"
	"$bin" audit --cluster --namespace "$1" --config "$work/policy.yaml" -f json \
		-o "$work/audit.json" >/dev/null 2>&1
	python3 - "$work/polr.json" "$work/audit.json" "$1" <<'PY'
import collections, json, sys
polr = json.load(open(sys.argv[1]))["items"]
audit = json.load(open(sys.argv[2]))
ns = sys.argv[3]
status = {"passed": "pass", "failed": "fail", "whitelisted": "skip"}
severity = {"danger": "high", "warning": "medium"}
want = collections.Counter()
for w in audit["workloads"]:
    for r in w["results"]:
        want[(w["kind"], w["name"], r["check"], r["container"] or "", status[r["status"]],
              severity[r["severity"]], r["category"])] += 1
got = collections.Counter()
summary = collections.Counter()
problems = []
for rep in polr:
    if rep["metadata"].get("labels", {}).get("app.kubernetes.io/managed-by") != "security-inspector":
        continue
    part = collections.Counter()
    for r in rep.get("results", []):
        ref = r["resources"][0]
        if ref.get("namespace") != ns or not ref.get("uid"):
            problems.append("resource %r" % ref)
        got[(ref["kind"], ref["name"], r["policy"], r.get("properties", {}).get("container", ""),
             r["result"], r["severity"], r["category"])] += 1
        part[r["result"]] += 1
        if r["result"] != "pass" and "; fix: " not in r["message"]:
            problems.append("no fix in %r" % r["message"])
        if r["result"] == "skip" and not r.get("properties", {}).get("whitelistReason"):
            problems.append("no reason for %s" % r["policy"])
    for k in ("pass", "fail", "skip"):
        if rep["summary"][k] != part[k]:
            problems.append("%s: summary %s %d, results %d" % (rep["metadata"]["name"], k, rep["summary"][k], part[k]))
        summary[k] += rep["summary"][k]
s = audit["summary"]
if (summary["pass"], summary["fail"], summary["skip"]) != (s["passed"], s["failed"], s["whitelisted"]):
    problems.append("summary %r, JSON report %r" % (dict(summary), (s["passed"], s["failed"], s["whitelisted"])))
for k in (want - got): problems.append("missing %r" % (k,))
for k in (got - want): problems.append("extra %r" % (k,))
print("\n".join(problems[:20]))
PY
}
# same NS: the reports agree with the JSON report (polled: a scan may be
# under way).
same() { out=$(compare "$1"); [ -z "$out" ]; }
until_true 'same "$ns"'
check "every result of $ns (workloads and the RoleBinding) is the JSON report's, summary included" same "$ns"
until_true 'same "$ns2"'
check "... and of the second namespace" same "$ns2"
out=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
r = [x for x in d["items"] if x["metadata"]["name"] == "security-inspector"][0]
print(r["metadata"]["ownerReferences"][0]["uid"], r["metadata"]["annotations"]["security-inspector.io/digest"][:7],
      sorted({x["result"] for x in r["results"]}))' <(polr_json "$ns") 2>&1)
uid=$(kubectl get ns "$ns" -o jsonpath='{.metadata.uid}')
check "owned by the namespace given, with the content's digest; pass, fail and skip results" \
	test "$out" = "$uid $(cut -d' ' -f2 <<<"$out") ['fail', 'pass', 'skip']"
out=$(kubectl get cpolr security-inspector -o json 2>&1 | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["kind"], all(r["resources"][0]["kind"] == "ClusterRoleBinding" for r in d["results"]))' 2>&1)
check "a ClusterPolicyReport holds the ClusterRoleBindings" test "$out" = "ClusterPolicyReport True"

# --- unchanged reports are not written again ---------------------------------------------
rv() { kubectl get polr -n "$ns2" security-inspector -o jsonpath='{.metadata.resourceVersion}'; }
before=$(rv) scans=$(scans_finished)
until_true 'test "$(scans_finished)" -ge $((scans + 2))'
out="$before -> $(rv)"
check "two more scans leave an unchanged report as it was (resourceVersion)" test "$(rv)" = "$before"

# --- the reports follow the workloads ---------------------------------------------------------
result_of() {   # NS NAME ITEM: that result of the workload
	polr_json "$1" | python3 -c '
import json, sys
for rep in json.load(sys.stdin)["items"]:
    for r in rep["results"]:
        if r["resources"][0]["name"] == sys.argv[1] and r["policy"] == sys.argv[2]:
            print(r["result"])' "$2" "$3"
}
deployment web "$ns" false | kubectl apply -f - >/dev/null
until_true 'test "$(result_of "$ns" web hostNetworkSet)" = pass'
check "a fixed workload: its result turns to pass" same "$ns"
deployment web "$ns" true '"security-inspector.io/exempt": "hostNetworkSet"' | kubectl apply -f - >/dev/null
until_true 'test "$(result_of "$ns" web hostNetworkSet)" = skip'
check "annotated with an exemption: skip" same "$ns"
kubectl -n "$ns" delete deployment agent >/dev/null
until_true 'test -z "$(result_of "$ns" agent hostNetworkSet)"'
check "a deleted workload leaves the report" same "$ns"
kubectl -n "$ns2" delete deployment other >/dev/null
until_true 'test -z "$(kubectl get polr -n "$ns2" --no-headers 2>/dev/null)"'
out=$(kubectl get polr -n "$ns2" --no-headers 2>/dev/null)
check "a namespace emptied loses its report" test -z "$out"

# --- split over the size limit -----------------------------------------------------------------
stop_all "$pid"
pid=
for i in $(seq 12); do deployment "many-$i" "$ns" true; echo ---; done | kubectl apply -f - >/dev/null
start --policy-report-max-bytes 16384
parts() { kubectl get polr -n "$ns" --no-headers 2>/dev/null | wc -l; }
until_true 'test "$(parts)" -ge 3'
until_true 'same "$ns"'
check "over 16 KiB, the namespace's report is split into $(parts) parts that agree with the JSON report" same "$ns"
out=$(polr_json "$ns" | python3 -c '
import json, sys
names = sorted(r["metadata"]["name"] for r in json.load(sys.stdin)["items"])
print(names[0], names[1])')
check "... named security-inspector, security-inspector-2, ..." test "$out" = "security-inspector security-inspector-10" -o "$out" = "security-inspector security-inspector-2"
out=$(polr_json "$ns" | python3 -c '
import json, sys
print(max(len(json.dumps(r)) for r in json.load(sys.stdin)["items"]) <= 16384 + 2048)')
check "... each within the limit (with what the API server adds)" test "$out" = True
before=$(parts)
kubectl -n "$ns" delete deployment $(for i in $(seq 12); do echo "many-$i"; done) >/dev/null
until_true 'test "$(parts)" -lt "$before" && same "$ns"'
# contiguous NS: the names are security-inspector, -2, ..., -N, none missing
contiguous() {
	polr_json "$1" | python3 -c '
import json, sys
names = {r["metadata"]["name"] for r in json.load(sys.stdin)["items"]}
want = {"security-inspector"} | {"security-inspector-%d" % i for i in range(2, len(names) + 1)}
sys.exit(names != want)'
}
out="$before parts, then $(parts)"
check "fewer results: the parts no longer needed are deleted, the rest agree" \
	bash -c 'test "$0" -lt "$1"' "$(parts)" "$before"
check "... and are named without a gap" contiguous "$ns"
out=$(grep -c '"policy reports written".*"failed":[1-9]' "$work/serve.log")
check "no write failed" test "$out" = 0
metric() { curl -s --max-time 5 --cacert "$work/certs/ca.crt" "https://127.0.0.1:$port/metrics" |
	awk -v m="$1" '$1 == m { print $2 }'; }
out="$(metric 'security_inspector_policyreport_writes_total{operation="create"}') created, $(metric 'security_inspector_policyreport_writes_total{operation="delete"}') deleted, $(metric 'security_inspector_policyreport_write_failures_total{operation="update"}') update failures"
check "the writes are counted in the metrics ($out)" \
	bash -c '[[ "$0" =~ ^[1-9][0-9]*\ created,\ [1-9][0-9]*\ deleted,\ 0\ update ]]' "$out"
tap_end
