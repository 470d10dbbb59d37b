#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Leader election end to end: two `serve --leader-elect` replicas on loopback
# share a Lease on the cluster KUBECONFIG points to (skipped without one).
# One leads; only it scans and posts Events, one set per interval; the other
# forwards report requests to it (the leader checks the token); killed, the
# leader is replaced within the Lease's duration; stopped, it releases the
# Lease and is replaced within seconds. Prints TAP.
#   tests/e2e/leader.sh /path/to/security-inspector
set -uo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
TAP_N=0 TAP_FAILED=0
. "$here/../tap.sh"   # pass, fail
. "$here/../kube.sh"   # require_cluster, delete_namespaces, stop_all
require_cluster

run=$(date +%s)-$$
ns=si-le-$run
lease=si-le-$run
reader_role=si-le-reader-$run
inspect_role=si-le-inspect-$run
work=$(mktemp -d)
declare -A pid=()
cleanup() {
	local p
	for p in "${pid[@]}"; do kill -9 "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	kubectl delete clusterrolebinding "$reader_role" --ignore-not-found >/dev/null 2>&1
	kubectl delete clusterrole "$reader_role" --ignore-not-found >/dev/null 2>&1
	kubectl delete clusterrolebinding "$inspect_role" --ignore-not-found >/dev/null 2>&1
	kubectl delete clusterrole "$inspect_role" --ignore-not-found >/dev/null 2>&1
	kubectl delete lease --all -n "$ns" >/dev/null 2>&1
	delete_namespaces "$ns"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM   # so that a timeout still runs the clean-up

interval=5
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
declare -A port=([a]=$(free_port) [b]=$(free_port) [c]=$(free_port))

# --- the namespace, a Deployment for the Events, a report reader -------------------
out=$( { kubectl create ns "$ns" &&
	kubectl -n "$ns" create deployment web --image=nginx &&
	kubectl -n "$ns" create serviceaccount reader; } 2>&1)
check "the test namespace, its Deployment and a ServiceAccount are created" test $? -eq 0
role_doc() {   # NAME: that ClusterRole's document of the shipped rbac.yaml
	python3 - "$repo/manifests/rbac.yaml" "$1" <<'PY'
import sys
docs = open(sys.argv[1]).read().split("\n---\n")
print(next(d for d in docs if "name: %s\n" % sys.argv[2] in d + "\n"))
PY
}
reader_yaml=$(role_doc security-inspector-report-reader)
inspect_yaml=$(role_doc security-inspector-inspect-now)
out=$( { sed -e "s/^  name: security-inspector-report-reader$/  name: $reader_role/" <<<"$reader_yaml" |
		kubectl create -f - &&
	kubectl create clusterrolebinding "$reader_role" --clusterrole="$reader_role" \
		--serviceaccount="$ns:reader" &&
	sed -e "s/^  name: security-inspector-inspect-now$/  name: $inspect_role/" <<<"$inspect_yaml" |
		kubectl create -f - &&
	kubectl create clusterrolebinding "$inspect_role" --clusterrole="$inspect_role" \
		--serviceaccount="$ns:reader"; } 2>&1)
check "the manifests' security-inspector-report-reader and -inspect-now are bound to the ServiceAccount" test $? -eq 0
token=$(kubectl -n "$ns" create token reader --duration=10m 2>"$work/token.err")
out=$(cat "$work/token.err")
check "kubectl create token gives a token" test -n "$token"

"$bin" certs --out "$work/certs" >/dev/null 2>&1
# start NAME [LEASE] : a replica on its own port.
start() {
	"$bin" serve --listen "127.0.0.1:${port[$1]}" --tls-cert "$work/certs/tls.crt" \
		--tls-key "$work/certs/tls.key" --leader-elect --lease-name "${2:-$lease}" \
		--lease-namespace "$ns" --inspect-interval "${interval}s" --events-namespace "$ns" \
		--events-deployment web >>"$work/$1.out" 2>>"$work/$1.err" &
	pid[$1]=$!
}
metric() {   # metric NAME METRIC
	curl -s --max-time 5 --cacert "$work/certs/ca.crt" "https://127.0.0.1:${port[$1]}/metrics" |
		awk -v m="$2" '$1 == m { print $2 }'
}
leads() { [ "$(metric "$1" security_inspector_leader)" = 1 ]; }
scans() { metric "$1" 'security_inspector_scans_total{result="complete"}'; }
identity() {   # the identity of the last start of NAME
	python3 -c 'import json,sys
ids = [json.loads(l).get("identity") for l in open(sys.argv[1]) if l.startswith("{") and "\"serving\"" in l]
print(ids[-1] if ids else "")' "$work/$1.err"
}
# fetch NAME PATH FILE [HEADER...] : the status code; headers to FILE.h
fetch() {
	local name=$1 path=$2 file=$3
	shift 3
	curl -s --max-time 15 --cacert "$work/certs/ca.crt" -D "$work/$file.h" -o "$work/$file" \
		-w '%{http_code}' "$@" "https://127.0.0.1:${port[$name]}$path"
}
# The scan Events: one line per Start event: "SECONDS INSTANCE".
starts() {
	kubectl -n "$ns" get events -o json 2>/dev/null | python3 -c '
import json, sys, datetime
for e in json.load(sys.stdin)["items"]:
    if e["reason"] == "SecurityInspectorConfigAuditStart":
        t = datetime.datetime.strptime(e["firstTimestamp"], "%Y-%m-%dT%H:%M:%SZ")
        print(int(t.replace(tzinfo=datetime.timezone.utc).timestamp()), e.get("reportingInstance", ""))' |
		sort -n
}

# --- two replicas: one leads ------------------------------------------------------
start a
start b
for _ in $(seq 50); do
	{ leads a || leads b; } && break
	sleep 0.2
done
sleep 1
la=$(metric a security_inspector_leader) lb=$(metric b security_inspector_leader)
out="leader gauges: a=$la b=$lb"
check "two replicas: exactly one leads (security_inspector_leader 1 and 0)" \
	test "$((la + lb))" -eq 1 -a -n "$la" -a -n "$lb"
if [ "$la" = 1 ]; then leader=a follower=b; else leader=b follower=a; fi
id_leader=$(identity $leader) id_follower=$(identity $follower)
holder=$(kubectl -n "$ns" get lease "$lease" -o jsonpath='{.spec.holderIdentity}')
url=$(kubectl -n "$ns" get lease "$lease" -o jsonpath='{.metadata.annotations.security-inspector\.io/report-url}')
out="holder $holder, url $url, leader $id_leader"
check "the Lease names the leader and its report address" \
	test "$holder" = "$id_leader" -a "$url" = "https://127.0.0.1:${port[$leader]}"

# --- one set of Events per interval, from the leader only ---------------------------
sleep $((3 * interval + 2))
# A scan may finish while the Events are read: count scans on both sides.
scans_before=$(scans $leader)
starts >"$work/starts"
finished=$(kubectl -n "$ns" get events --field-selector reason=SecurityInspectorConfigAuditFinished \
	--no-headers 2>/dev/null | grep -c .)
scans_after=$(scans $leader)
out=$(cat "$work/starts"; echo "scans: leader $scans_before..$scans_after, other $(scans $follower)")
check "the leader scanned at least 3 times in 3 intervals, the other never" \
	test "$(scans $leader)" -ge 3 -a "$(scans $follower)" = 0
check "every scan Event comes from the leader" \
	test "$(awk '{ print $2 }' "$work/starts" | sort -u)" = "$id_leader"
n_starts=$(grep -c . "$work/starts")
check "one Start Event per scan, each with its Finished Event" \
	test "$n_starts" -ge "$scans_before" -a "$n_starts" -le $((scans_after + 1)) \
		-a "$finished" -ge "$scans_before" -a "$finished" -le "$scans_after"
# After the first scan (at once), scans fall on the multiples of the
# interval: never two in one interval.
check "never two scans within one interval" \
	awk -v i="$interval" 'NR > 2 && $1 - prev < i - 1 { exit 1 } { prev = $1 }' "$work/starts"

# --- report requests to the replica that does not lead -------------------------------
code=$(fetch $follower /report.json fwd.json -H "Authorization: Bearer $token")
out="$code $(head -c 300 "$work/fwd.json")"
check "GET /report.json on the other replica with the reader's token: 200, the leader's report" \
	bash -c "[ $code = 200 ] && python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(r[\"kind\"] != \"AuditReport\")' $work/fwd.json"
code=$(fetch $follower '/report?status=failed&size=10' fwd.html -H "Authorization: Bearer $token")
check "GET /report (with a query) on the other replica: 200, the leader's page" \
	bash -c "[ $code = 200 ] && grep -qi '<!DOCTYPE html>' $work/fwd.html && grep -qi '^content-type: text/html' $work/fwd.html.h"
check "... with the leader's Content-Security-Policy" \
	grep -qi "^content-security-policy: default-src 'none'; style-src 'sha256-" "$work/fwd.html.h"
code=$(fetch $follower '/report/workload?id=0' fwd-w.html -H "Authorization: Bearer $token")
check "GET /report/workload?id=0 on the other replica: 200, the leader's page" \
	bash -c "[ $code = 200 ] && grep -q 'All workloads' $work/fwd-w.html"
code=$(fetch $follower '/report?colour=red' fwd-bad.json -H "Authorization: Bearer $token")
check "... a bad parameter: 400 from the leader" test "$code" = 400
code=$(fetch $follower /report.json anon.json)
out="$code $(cat "$work/anon.json.h" "$work/anon.json")"
check "... without a token: 401 from the leader, with its WWW-Authenticate" \
	bash -c "[ $code = 401 ] && grep -qi '^www-authenticate: Bearer' $work/anon.json.h"
code=$(fetch $follower /report.json forged.json -H "Authorization: Bearer $token-x")
check "... with a forged token: 401" test "$code" = 401
code=$(fetch $follower /report.json loop.json -H "X-Security-Inspector-Forwarded: 1" \
	-H "Authorization: Bearer $token")
out="$code $(cat "$work/loop.json.h" "$work/loop.json")"
check "a request already forwarded, reaching a replica that does not lead: 503 with Retry-After" \
	bash -c "[ $code = 503 ] && grep -qi '^retry-after:' $work/loop.json.h"
code=$(fetch $leader /report.json direct.json -H "Authorization: Bearer $token")
check "the leader serves its own report" test "$code" = 200
# Inspect now, asked of the replica that does not lead: forwarded.
code=$(fetch $follower /report/inspect inspect.json -X POST -H "Authorization: Bearer $token")
out="$code $(cat "$work/inspect.json")"
check "POST /report/inspect on the other replica: the leader starts a scan (202) or says one runs (409)" \
	bash -c "[ $code = 202 -o $code = 409 ] && grep -q '\"scan\"' $work/inspect.json"
code=$(fetch $follower /report/inspect inspect-anon.json -X POST)
check "... without a token: 401" test "$code" = 401

# A replica of a Lease held (for an hour) by a holder that gave no address:
# no leader to forward to.
cat <<YAML | kubectl create -f - >/dev/null 2>&1
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: $lease-held, namespace: $ns}
spec: {holderIdentity: elsewhere, leaseDurationSeconds: 3600, leaseTransitions: 0}
YAML
start c "$lease-held"
for _ in $(seq 50); do
	[ "$(metric c security_inspector_leader)" = 0 ] && grep -q '"holder":"elsewhere"' "$work/c.err" && break
	sleep 0.2
done
code=$(fetch c /report.json none.json -H "Authorization: Bearer $token")
out="$code $(cat "$work/none.json.h" "$work/none.json")"
check "no known leader: 503, Retry-After: 2 and a message saying so" \
	bash -c "[ $code = 503 ] && grep -qi '^retry-after: 2' $work/none.json.h && grep -q 'no replica leads' $work/none.json"
kill "${pid[c]}" 2>/dev/null && wait "${pid[c]}" 2>/dev/null
unset 'pid[c]'

# --- kill -9 the leader: the other takes over within the Lease's duration ----------
kill -9 "${pid[$leader]}" && wait "${pid[$leader]}" 2>/dev/null
unset "pid[$leader]"
t0=$(date +%s.%N)
for _ in $(seq 150); do leads $follower && break; sleep 0.2; done
took=$(python3 -c "import time; print(round(time.time() - $t0, 1))")
out="took $took s"
# As client-go: the candidate sees the last renewal up to one retry after it
# was written, waits the 15 s of the Lease from then, and tries again at its
# next retry: 15 s and two retries of 2 s spread by up to 120% (23.8 s), and
# the polling here.
within() { python3 -c 'import sys; sys.exit(not float(sys.argv[1]) <= float(sys.argv[2]))' "$@"; }
leads $follower
rc=$?
check "leader killed (SIGKILL): the other leads within the lease duration and two retries ($took s <= 25)" \
	test $rc -eq 0 -a "$(within "$took" 25; echo $?)" = 0
for _ in $(seq 50); do [ "$(scans $follower)" -ge 1 ] 2>/dev/null && break; sleep 0.2; done
sleep 1
starts >"$work/starts2"
out=$(tail -3 "$work/starts2")
check "... and it scans at once (it had no report) and posts the Events" \
	test "$(scans $follower)" -ge 1 -a "$(awk -v id="$id_follower" '$2 == id' "$work/starts2" | grep -c .)" -ge 1
holder=$(kubectl -n "$ns" get lease "$lease" -o jsonpath='{.spec.holderIdentity} {.spec.leaseTransitions}')
out="$holder"
check "the Lease names the new leader, one transition" test "$holder" = "$id_follower 1"

# --- SIGTERM the leader: it releases the Lease, the other takes over in seconds -------
old=$leader
leader=$follower follower=$old
start $follower
for _ in $(seq 50); do [ -n "$(metric $follower security_inspector_leader)" ] && break; sleep 0.2; done
sleep 1
kill -TERM "${pid[$leader]}"
t0=$(date +%s.%N)
for _ in $(seq 100); do leads $follower && break; sleep 0.1; done
took=$(python3 -c "import time; print(round(time.time() - $t0, 1))")
wait "${pid[$leader]}"
rc=$?
unset "pid[$leader]"
out=$(tail -5 "$work/$leader.err")
check "leader stopped (SIGTERM): it exits 0" test "$rc" -eq 0
check "... having released the Lease" grep -q 'the Lease is released"' "$work/$leader.err"
out="took $took s"
leads $follower
rc=$?
check "... and the other leads within seconds ($took s <= 6)" \
	test $rc -eq 0 -a "$(within "$took" 6; echo $?)" = 0
id_new=$(identity $follower)
holder=$(kubectl -n "$ns" get lease "$lease" -o jsonpath='{.spec.holderIdentity}')
check "the Lease names it" test "$holder" = "$id_new"
tap_end
