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
stub=
# Without a namespace controller (a bare kube-apiserver) nothing would finish
# a namespace's deletion: its objects are deleted first, then the finalizer
# is dropped by hand.
cleanup() {
	local ns
	[ -n "$stub" ] && kill "$stub" 2>/dev/null && wait "$stub" 2>/dev/null
	[ ${#crbs[@]} -gt 0 ] && kubectl delete clusterrolebinding "${crbs[@]}" --ignore-not-found >/dev/null 2>&1
	for ns in "${namespaces[@]}"; do
		kubectl delete deploy,rs,sts,ds,jobs,cronjobs.v1beta1.batch,rc,pods,rolebindings,roles \
			--all -n "$ns" --wait=false >/dev/null 2>&1
		kubectl delete ns "$ns" --wait=false >/dev/null 2>&1
	done
	for _ in $(seq 25); do
		kubectl get ns "${namespaces[@]}" 2>/dev/null | grep -q . || break
		sleep 0.2
	done
	for ns in "${namespaces[@]}"; do
		kubectl get ns "$ns" -o json 2>/dev/null |
			python3 -c 'import json,sys; d=json.load(sys.stdin); d["spec"]["finalizers"]=[]; print(json.dumps(d))' |
			kubectl replace --raw "/api/v1/namespaces/$ns/finalize" -f - >/dev/null 2>&1
	done
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

python3 "$here/flaky_apiserver.py" "$work/stub.port" &
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
check "... and says so" grep -q 'the list of deployments expired (HTTP 410)' "$work/flaky.err"
check "the server going away mid-scan: exit 2, a report marked incomplete" \
	python3 -c 'import json,sys
r = json.load(open(sys.argv[1])); msgs = " ".join(e["message"] for e in r["errors"])
sys.exit(not (sys.argv[2] == "2" and "went away" in msgs and "not inspected: daemonsets" in msgs))' \
	"$work/flaky.json" "$rc"

echo "1..$n"
exit $((failed > 0))
