#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `audit --cluster` against a real kube-apiserver: seeds namespaces with every
# kind in compliant, non-compliant and whitelisted variants plus the objects
# their controllers own (600+ objects), and checks that the cluster audit,
# paginated in small pages, judges exactly as `audit` does on the same
# manifests; then the errors: a user without list rights, an unreachable
# server, an expired continue token and a server that goes away mid-scan.
# Uses the cluster KUBECONFIG points to (skipped without one). Prints TAP.
#   tests/cluster/cluster_audit.sh /path/to/security-inspector
set -uo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
bad() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; printf '# %s\n' "$@"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what" "${out:-}"; fi; }

if [ -z "${KUBECONFIG:-}" ] || ! kubectl get ns default >/dev/null 2>&1; then
	echo "1..0 # SKIP no cluster: point KUBECONFIG at a test cluster"
	exit 0
fi

run=$(date +%s)-$$
prefix=si-cl-$run
namespaces=("$prefix-a" "$prefix-b" "$prefix-c")
crbs=()
work=$(mktemp -d)
stub= server= clusterrole= reader_role=
. "$here/../kube.sh"   # delete_namespaces
cleanup() {
	local ns
	[ -n "$stub" ] && kill "$stub" 2>/dev/null && wait "$stub" 2>/dev/null
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
	[ ${#crbs[@]} -gt 0 ] && kubectl delete clusterrolebinding "${crbs[@]}" --ignore-not-found >/dev/null 2>&1
	[ -n "$clusterrole" ] && kubectl delete clusterrole "$clusterrole" ${reader_role:+"$reader_role"} \
		--ignore-not-found >/dev/null 2>&1
	delete_namespaces "${namespaces[@]}"
	rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/policy.yaml" <<'POLICY'
mode: warn
whitelist:
  - names: ["trusted-*", "db-trusted-*", "agent-trusted-*", "legacy-trusted-*",
            "nightly-trusted-*", "bare-trusted-*", "solo-trusted-*", "once-trusted-*",
            "bind-trusted-*", "si-cl-trusted-*"]
    containers: ["*"]
    checks: [hostNetworkSet, runAsPrivileged, tagNotSpecified, anonymousUserRBACBinding]
    reason: the cluster test's whitelisted variant
POLICY

# --- seed ------------------------------------------------------------------
python3 "$here/gen_workloads.py" "$work" 4 "${namespaces[@]}"
for v in compliant open trusted; do
	crbs+=("si-cl-$v-$run")
	if [ $v = compliant ]; then subject='{"kind":"Group","name":"system:authenticated","apiGroup":"rbac.authorization.k8s.io"}'
	else subject='{"kind":"User","name":"system:anonymous","apiGroup":"rbac.authorization.k8s.io"}'; fi
	printf -- '---\n{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"si-cl-%s-%s"},"subjects":[%s],"roleRef":{"kind":"ClusterRole","name":"view","apiGroup":"rbac.authorization.k8s.io"}}\n' \
		"$v" "$run" "$subject" >>"$work/crb.yaml"
done
seeded=0 seed_err=
for ns in "${namespaces[@]}"; do
	kubectl create ns "$ns" >/dev/null || seed_err="create ns $ns"
	out=$(kubectl create -f "$work/$ns.all.yaml" 2>&1) || seed_err="$out"
	seeded=$((seeded + $(grep -c '^---' "$work/$ns.all.yaml")))
done
out=$(kubectl create -f "$work/crb.yaml" 2>&1) || seed_err="$out"
stored=$(kubectl get deploy,rs,sts,ds,jobs,cronjobs.v1beta1.batch,rc,pods,rolebindings -A --no-headers 2>/dev/null |
	grep -c "^$prefix-")
check "seeded $seeded namespaced objects in 3 namespaces (stored: $stored)" \
	test -z "$seed_err" -a "$stored" -eq "$seeded" -a "$seeded" -ge 500

# --- the same verdicts as the manifests ------------------------------------
"$bin" audit --cluster --page-size 50 --namespace "$prefix-*" --config "$work/policy.yaml" \
	--format json -o "$work/cluster.json" 2>"$work/cluster.err"
rc=$?
out=$(cat "$work/cluster.err")
check "audit --cluster --page-size 50 exits 1 (findings), without errors" \
	test $rc -eq 1 -a ! -s "$work/cluster.err"
"$bin" audit --namespace "$prefix-*" --config "$work/policy.yaml" --format json \
	-o "$work/files.json" "$work"/*.reported.yaml 2>"$work/files.err"
python3 "$here/verdicts.py" "$work/cluster.json" >"$work/cluster.v"
python3 "$here/verdicts.py" "$work/files.json" >"$work/files.v"
out=$(diff "$work/files.v" "$work/cluster.v" | head -20)
check "cluster verdicts equal the file verdicts ($(awk 'NF == 2' "$work/files.v" | wc -l) workloads, $(wc -l <"$work/cluster.v") lines)" \
	test -s "$work/files.v" -a -z "$out"

counts=$(python3 - "$work/cluster.json" <<'PY'
import collections, json, sys
r = json.load(open(sys.argv[1]))
keys = [(w["kind"], w["namespace"], w["name"]) for w in r["workloads"]]
owned = [k for k in keys if k[0] == "Pod" and not k[2].startswith("bare-")
         or k[0] == "ReplicaSet" and not k[2].startswith("solo-")
         or k[0] == "Job" and not k[2].startswith("once-")]
dups = [k for k, c in collections.Counter(keys).items() if c > 1]
print(len(keys), len(owned), len(dups), r["summary"]["whitelisted"], len(r["errors"]))
PY
)
read -r total owned dups whitelisted errors <<<"$counts"
out="workloads=$total owned=$owned duplicates=$dups"
check "every kind reported once, owned ReplicaSets/Jobs/Pods left out (324 workloads)" \
	test "$total" -eq 324 -a "$owned" -eq 0 -a "$dups" -eq 0
check "whitelisted findings are whitelisted ($whitelisted), no errors" \
	test "$whitelisted" -gt 0 -a "$errors" -eq 0

"$bin" audit --cluster --kind ClusterRoleBinding --config "$work/policy.yaml" --format json \
	-o "$work/crb-cluster.json" 2>/dev/null
"$bin" audit --config "$work/policy.yaml" --format json -o "$work/crb-files.json" "$work/crb.yaml" 2>/dev/null
out=$(diff <(python3 "$here/verdicts.py" "$work/crb-files.json" si-cl-) \
	<(python3 "$here/verdicts.py" "$work/crb-cluster.json" si-cl- | grep -- "-$run") | head)
check "ClusterRoleBindings: the same verdicts as the manifests" \
	test -z "$out" -a "$(python3 "$here/verdicts.py" "$work/crb-cluster.json" si-cl- | grep -- "-$run" | awk 'NF == 2' | wc -l)" -eq 3

ns=${namespaces[1]}
"$bin" audit --cluster --namespace "$ns" --page-size 7 --config "$work/policy.yaml" --format json \
	-o "$work/ns.json" 2>/dev/null
"$bin" audit --config "$work/policy.yaml" --format json -o "$work/ns-files.json" "$work/$ns.reported.yaml"
out=$(diff <(python3 "$here/verdicts.py" "$work/ns-files.json") <(python3 "$here/verdicts.py" "$work/ns.json") | head)
check "--namespace $ns lists only that namespace, same verdicts (page size 7)" \
	test -z "$out" -a "$(python3 "$here/verdicts.py" "$work/ns.json" | awk 'NF == 2' | wc -l)" -eq 108

for f in text html sarif junit; do
	"$bin" audit --cluster --namespace "$ns" --config "$work/policy.yaml" --format "$f" \
		-o "$work/report.$f" 2>"$work/report.err"
	rc=$?
	out=$(head -c 300 "$work/report.$f")
	check "--format $f with --cluster writes a report (exit 1)" test $rc -eq 1 -a -s "$work/report.$f"
done
named=$(grep -c "(cluster/$ns/[A-Za-z]*/[a-z0-9-]*)" "$work/report.text")
out="named: $named; with ':0': $(grep -c ':0)' "$work/report.text")"
check "the text report names each object cluster/NAMESPACE/KIND/NAME, no line number ($named)" \
	test "$named" -ge 12 -a "$(grep -c ':0)' "$work/report.text")" -eq 0

# --- permissions -----------------------------------------------------------
pki=${KUBE_E2E_STATE:-/var/cache/kube-e2e/state}/pki
server=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')
kubectl config view --minify --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' |
	base64 -d >"$work/ca.crt"
user=si-cl-nobody-$run
if [ -r "$pki/ca.key" ]; then
	openssl req -new -newkey rsa:2048 -nodes -keyout "$work/nobody.key" -subj "/CN=$user" \
		-out "$work/nobody.csr" 2>/dev/null
	openssl x509 -req -in "$work/nobody.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
		-CAcreateserial -CAserial "$work/ca.srl" -days 1 -out "$work/nobody.crt" 2>/dev/null
	# Relative paths: taken from the kubeconfig's folder.
	cat >"$work/nobody.kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "$server", certificate-authority: ca.crt}
users:
- name: nobody
  user: {client-certificate: nobody.crt, client-key: nobody.key}
contexts:
- name: nobody
  context: {cluster: c, user: nobody}
current-context: nobody
KC
	"$bin" audit --cluster --kubeconfig "$work/nobody.kubeconfig" --format json \
		-o "$work/nobody.json" 2>"$work/nobody.err"
	rc=$?
	out=$(cat "$work/nobody.err")
	check "a user without list rights: exit 2, the forbidden resource named" \
		test $rc -eq 2 -a "$(grep -c 'forbidden (HTTP 403): missing permission "list" on "deployments.apps"' "$work/nobody.err")" -eq 1
	check "... and the API server's reason, with the user" grep -q "User \"$user\" cannot list resource \"pods\"" "$work/nobody.err"
	check "... and the JSON report lists the errors (incomplete)" \
		python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(not (len(r["errors"]) >= 9 and r["summary"]["workloads"] == 0))' "$work/nobody.json"

	# Rights to list Deployments in one namespace only: a partial report.
	kubectl -n "$ns" create role si-list-deploy --verb=list --resource=deployments.apps >/dev/null
	kubectl -n "$ns" create rolebinding si-list-deploy --role=si-list-deploy --user="$user" >/dev/null
	for _ in $(seq 20); do
		kubectl --kubeconfig "$work/nobody.kubeconfig" -n "$ns" get deploy >/dev/null 2>&1 && break
		sleep 0.2
	done
	"$bin" audit --cluster --kubeconfig "$work/nobody.kubeconfig" --namespace "$ns" --format json \
		-o "$work/partial.json" 2>"$work/partial.err"
	rc=$?
	out=$(cat "$work/partial.err")
	check "rights to Deployments only: exit 2, Deployments reported, the rest named as missing" \
		python3 -c 'import json,sys
r = json.load(open(sys.argv[1])); kinds = {w["kind"] for w in r["workloads"]}
msgs = " ".join(e["message"] for e in r["errors"])
sys.exit(not (sys.argv[2] == "2" and kinds == {"Deployment"} and len(r["workloads"]) == 12
              and "\"statefulsets.apps\"" in msgs and "\"rolebindings.rbac.authorization.k8s.io\"" in msgs))' \
		"$work/partial.json" "$rc"
	# --- scheduled scans, with exactly the rights of manifests/rbac.yaml ---
	# Its ClusterRole (renamed for the run) bound to the user, its events Role
	# put in the namespace of the Deployment the Events are about.
	clusterrole=si-cl-inspector-$run
	crbs+=("$clusterrole")
	doc_of() {   # doc_of FILE KIND : the YAML document of that kind
		python3 - "$@" <<'PY'
import re, sys
docs = open(sys.argv[1]).read().split("\n---\n")
print(next(d for d in docs if re.search(r"^kind: %s$" % sys.argv[2], d, re.M)))
PY
	}
	cluster_role_yaml=$(doc_of "$here/../../manifests/rbac.yaml" ClusterRole)
	role_yaml=$(doc_of "$here/../../manifests/rbac.yaml" Role)
	# The report readers' ClusterRole, and the role the manifests bind for
	# the token checks (system:auth-delegator).
	reader_role=si-cl-reader-$run
	reader_yaml=$(python3 - "$here/../../manifests/rbac.yaml" <<'PY'
import sys
docs = open(sys.argv[1]).read().split("\n---\n")
print(next(d for d in docs if "name: security-inspector-report-reader" in d))
PY
)
	delegator=$(python3 - "$here/../../manifests/rbac.yaml" <<'PY'
import re, sys
docs = open(sys.argv[1]).read().split("\n---\n")
d = next(d for d in docs if "name: security-inspector-auth-delegator" in d)
print(re.search(r"^roleRef:\n(?:  .*\n)*?  name: (\S+)", d, re.M).group(1))
PY
)
	crbs+=("si-cl-delegator-$run" "$reader_role")
	out=$( { sed -e "s/^  name: security-inspector$/  name: $clusterrole/" <<<"$cluster_role_yaml" | kubectl create -f - &&
		sed -e "s/^  namespace: security-inspector$/  namespace: $ns/" <<<"$role_yaml" | kubectl create -f - &&
		sed -e "s/^  name: security-inspector-report-reader$/  name: $reader_role/" <<<"$reader_yaml" | kubectl create -f - &&
		kubectl create clusterrolebinding "$clusterrole" --clusterrole="$clusterrole" --user="$user" &&
		kubectl create clusterrolebinding "si-cl-delegator-$run" --clusterrole="$delegator" --user="$user" &&
		kubectl -n "$ns" create rolebinding si-cl-events --role=security-inspector --user="$user"; } 2>&1)
	check "the manifests' ClusterRole, events Role and $delegator bound to $user" test $? -eq 0
	# Who reads the report: a ServiceAccount bound to the manifests' reader
	# ClusterRole, with a token from kubectl create token (as the README
	# says); and one without that binding.
	out=$( { kubectl -n "$ns" create serviceaccount si-report-reader &&
		kubectl -n "$ns" create serviceaccount si-report-nobody &&
		kubectl create clusterrolebinding "$reader_role" --clusterrole="$reader_role" \
			--serviceaccount="$ns:si-report-reader"; } 2>&1)
	check "a report reader: ServiceAccount bound to the manifests' security-inspector-report-reader" test $? -eq 0
	reader_token=$(kubectl -n "$ns" create token si-report-reader --duration=10m 2>"$work/token.err")
	nobody_token=$(kubectl -n "$ns" create token si-report-nobody --duration=10m 2>>"$work/token.err")
	out=$(cat "$work/token.err")
	check "kubectl create token gives both a token" test -n "$reader_token" -a -n "$nobody_token"
	for _ in $(seq 25); do
		kubectl --kubeconfig "$work/nobody.kubeconfig" get pods -A >/dev/null 2>&1 && break
		sleep 0.2
	done
	"$bin" audit --cluster --kubeconfig "$work/nobody.kubeconfig" --namespace "$prefix-*" --page-size 50 \
		--config "$work/policy.yaml" --format json -o "$work/rbac-scan.json" 2>"$work/rbac-scan.err"
	rc=$?
	# Leaving out the bindings this test made to grant the rights.
	own_bindings="^RoleBinding [^ ]+/(si-list-deploy|si-cl-events)( |$)"
	python3 "$here/verdicts.py" "$work/rbac-scan.json" | grep -Ev "$own_bindings" >"$work/rbac-scan.v"
	out=$(diff "$work/files.v" "$work/rbac-scan.v" | head -5; cat "$work/rbac-scan.err")
	check "with those rights audit --cluster is complete (exit 1, no error) and judges as from files" \
		test $rc -eq 1 -a ! -s "$work/rbac-scan.err" -a -z "$(diff "$work/files.v" "$work/rbac-scan.v" | head -3)"

	"$bin" certs --service si --namespace "$ns" --out "$work/certs" >/dev/null 2>&1
	sport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	dep=$(kubectl -n "$ns" get deploy -o jsonpath='{.items[0].metadata.name}')
	dep_uid=$(kubectl -n "$ns" get deploy "$dep" -o jsonpath='{.metadata.uid}')
	t0=$(date +%s)
	"$bin" serve --listen "127.0.0.1:$sport" --tls-cert "$work/certs/tls.crt" --tls-key "$work/certs/tls.key" \
		--config "$work/policy.yaml" --inspect-interval 2s --kubeconfig "$work/nobody.kubeconfig" \
		--events-namespace "$ns" --events-deployment "$dep" >"$work/serve.out" 2>"$work/serve.err" &
	server=$!
	# fetch PATH FILE [TOKEN]
	fetch() { curl -s --max-time 10 --cacert "$work/certs/ca.crt" -o "$work/$2" -w '%{http_code}' \
		${3:+-H "Authorization: Bearer $3"} "https://127.0.0.1:$sport$1"; }
	scans() { curl -s --max-time 5 --cacert "$work/certs/ca.crt" "https://127.0.0.1:$sport/metrics" |
		awk '$1 == "security_inspector_scans_total{result=\"complete\"}" { print $2 }'; }
	for _ in $(seq 300); do [ "$(scans)" -ge 2 ] 2>/dev/null && break; sleep 0.2; done
	out=$(cat "$work/serve.err")
	check "serve --inspect-interval 2s: two complete scans within a minute" test "$(scans)" -ge 2
	code=$(fetch /report.json anon.json)
	check "GET /report.json without a token: 401" test "$code" = 401
	code=$(fetch /report.json nobody.json "$nobody_token")
	out=$(cat "$work/nobody.json")
	check "... with the token of a ServiceAccount that may not get it (TokenReview, SubjectAccessReview): 403" \
		test "$code" = 403
	code=$(fetch /report.json forged.json "$reader_token-x")
	check "... with a forged token: 401" test "$code" = 401
	code=$(fetch /report.json report.json "$reader_token")
	python3 "$here/verdicts.py" "$work/report.json" | grep -E "^[A-Za-z]+ $prefix-" |
		grep -Ev "$own_bindings" >"$work/report.v"
	out=$(diff "$work/files.v" "$work/report.v" | head -20)
	check "GET /report.json with the reader's token: the verdicts of the manifests for the seeded namespaces" \
		test "$code" = 200 -a -s "$work/report.v" -a -z "$out"
	code=$(fetch /report report.html "$reader_token")
	check "GET /report: the HTML report" test "$code" = 200 -a "$(grep -c 'AuditReport\|<!DOCTYPE html>' "$work/report.html")" -ge 1
	curl -s --cacert "$work/certs/ca.crt" "https://127.0.0.1:$sport/metrics" >"$work/metrics.txt"
	out=$(python3 - "$work/report.json" "$work/metrics.txt" "$t0" 2>&1 <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["summary"]["dangerFailed"] = sum(1 for w in r["workloads"] for x in w["results"]
                                   if x["status"] == "failed" and x["severity"] == "danger")
m = {}
for line in open(sys.argv[2]):
    if line and not line.startswith("#"):
        k, v = line.rsplit(" ", 1)
        m[k] = float(v)
fails = {k: v for k, v in m.items() if k.startswith("security_inspector_scan_failures{")}
danger = sum(v for k, v in fails.items() if 'severity="danger"' in k)
problems = []
if m.get("security_inspector_scan_workloads") != r["summary"]["workloads"]:
    problems.append("scan_workloads %s != %s" % (m.get("security_inspector_scan_workloads"), r["summary"]["workloads"]))
if sum(fails.values()) != r["summary"]["failed"]:
    problems.append("sum of scan_failures %s != failed %s" % (sum(fails.values()), r["summary"]["failed"]))
if danger != r["summary"]["dangerFailed"]:
    problems.append("danger scan_failures %s != dangerFailed %s" % (danger, r["summary"]["dangerFailed"]))
if m.get("security_inspector_scan_complete") != 1:
    problems.append("scan_complete is not 1")
if not float(sys.argv[3]) <= m.get("security_inspector_scan_last_timestamp_seconds", 0):
    problems.append("scan_last_timestamp_seconds before the start")
if not 0 < m.get("security_inspector_scan_duration_seconds", 0) < 60:
    problems.append("scan_duration_seconds out of range")
print("; ".join(problems))
PY
)
	check "the scan metrics agree with the report (workloads, failures per item and severity, time)" test -z "$out"
	kubectl -n "$ns" get events -o json >"$work/events.json"
	out=$(python3 - "$work/events.json" "$dep" "$dep_uid" "$work/report.json" 2>&1 <<'PY'
import json, re, sys
ev = json.load(open(sys.argv[1]))["items"]
dep, uid = sys.argv[2], sys.argv[3]
danger = sum(1 for w in json.load(open(sys.argv[4]))["workloads"] for x in w["results"]
             if x["status"] == "failed" and x["severity"] == "danger")
mine = [e for e in ev if e["involvedObject"].get("name") == dep and e.get("source", {}).get("component") == "security-inspector"]
by = {}
for e in mine:
    by.setdefault(e["reason"], []).append(e)
problems = []
want = {"SecurityInspectorConfigAuditStart": ("Normal", "Start to running config audit"),
        "SecurityInspectorConfigAuditFinished": ("Normal", "Finished running once config audit"),
        "SecurityInspectorConfigAuditHighRiskFound": ("Warning", "%d high risks have been found after running config audit" % danger)}
for reason, (typ, msg) in want.items():
    es = by.get(reason, [])
    if len(es) < 2:
        problems.append("%s: %d events" % (reason, len(es)))
        continue
    e = es[-1]
    if (e["type"], e["message"]) != (typ, msg):
        problems.append("%s: %s %r" % (reason, e["type"], e["message"]))
    inv = e["involvedObject"]
    if (inv.get("kind"), inv.get("apiVersion"), inv.get("uid")) != ("Deployment", "apps/v1", uid):
        problems.append("%s: involvedObject %r" % (reason, inv))
print("; ".join(problems))
PY
)
	check "Events on the Deployment $dep (kubectl get events): Start, Finished and HighRiskFound, with the right texts and uid" test -z "$out"
	out=$(kubectl -n "$ns" describe deploy "$dep" | grep -c 'SecurityInspectorConfigAudit')
	check "... and kubectl describe shows them" test "$out" -ge 3
	kill -TERM "$server"
	for _ in $(seq 100); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
	wait "$server"
	rc=$?
	server=
	out=$(tail -5 "$work/serve.err")
	check "serve stops on SIGTERM: exit 0" test $rc -eq 0
else
	ok "# SKIP no access to the test bed's CA key ($pki): no user without rights"
fi

# A bearer token the API server does not know.
sed -e '/^users:/,$d' "$work/nobody.kubeconfig" 2>/dev/null >"$work/token.kubeconfig" || true
cat >>"$work/token.kubeconfig" <<KC
users:
- name: nobody
  user: {token: not-a-valid-token}
contexts:
- name: nobody
  context: {cluster: c, user: nobody}
current-context: nobody
KC
"$bin" audit --cluster --kubeconfig "$work/token.kubeconfig" --kind Pod 2>"$work/token.err" >/dev/null
rc=$?
out=$(cat "$work/token.err")
check "an unknown bearer token: exit 2, unauthorized (HTTP 401)" \
	test $rc -eq 2 -a "$(grep -c 'unauthorized (HTTP 401)' "$work/token.err")" -eq 1

# --- an unreachable server, an expired list, a server that goes away -------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed -e "s#server: \"[^\"]*\"#server: \"https://127.0.0.1:$port\"#" "$work/token.kubeconfig" >"$work/gone.kubeconfig"
"$bin" audit --cluster --kubeconfig "$work/gone.kubeconfig" --format json -o "$work/gone.json" \
	2>"$work/gone.err"
rc=$?
out=$(cat "$work/gone.err")
check "an unreachable server: exit 2, 'cannot reach the API server', scan stopped" \
	test $rc -eq 2 -a "$(grep -c 'cannot reach the API server' "$work/gone.err")" -eq 1 \
	-a "$(grep -c 'scan stopped, not inspected: statefulsets' "$work/gone.err")" -eq 1

python3 "$here/../stub_apiserver.py" "$work/stub.port" --flaky &
stub=$!
for _ in $(seq 50); do [ -s "$work/stub.port" ] && break; sleep 0.1; done
cat >"$work/flaky.kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters: [{name: f, cluster: {server: "http://127.0.0.1:$(cat "$work/stub.port")"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: f, context: {cluster: f, user: u}}]
current-context: f
KC
"$bin" audit --cluster --kubeconfig "$work/flaky.kubeconfig" --page-size 2 --format json \
	-o "$work/flaky.json" 2>"$work/flaky.err"
rc=$?
out=$(cat "$work/flaky.err")
check "an expired continue token (410): the list restarts, each Deployment once" \
	python3 -c 'import json,sys
r = json.load(open(sys.argv[1]))
sys.exit(sorted(w["name"] for w in r["workloads"]) != ["d1", "d2", "d3", "d4"])' "$work/flaky.json"
check "... and says so" grep -q '1 list expired (HTTP 410) and was started again' "$work/flaky.err"
check "the server going away mid-scan: exit 2, a report marked incomplete" \
	python3 -c 'import json,sys
r = json.load(open(sys.argv[1])); msgs = " ".join(e["message"] for e in r["errors"])
sys.exit(not (sys.argv[2] == "2" and "went away" in msgs and "not inspected: daemonsets" in msgs))' \
	"$work/flaky.json" "$rc"

echo "1..$n"
exit $((failed > 0))
