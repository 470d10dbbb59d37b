#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End to end, as shipped: two replicas with the Deployment's own options
# (--manage-certs, --manage-webhook, --leader-elect) behind one address (a
# loopback balancer standing in for the Service), the shipped Secret, Lease
# and ValidatingWebhookConfiguration, and kubectl requests through the real
# kube-apiserver the whole time: while serving certificates are renewed, the
# CA is rotated and the leader is stopped, every request gets the webhook's
# answer; none fails. Skipped without a cluster. Prints TAP.
#   tests/e2e/ha.sh /path/to/security-inspector
set -uo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$here/../tap.sh"
TAP_N=0 TAP_FAILED=0
. "$here/../kube.sh"   # require_cluster, delete_namespaces, stop_all
require_cluster

run=$(date +%s)-$$
ns=si-e2e-ha-$run           # the server's own namespace: Secret, Lease
app=si-e2e-ha-app-$run      # a namespace labelled enforce
vwc=si-e2e-ha-$run
work=$(mktemp -d)
pids=()
cleanup() {
	stop_all "${pids[@]}"
	kubectl delete validatingwebhookconfiguration "$vwc" --ignore-not-found >/dev/null 2>&1
	delete_namespaces "$ns" "$app"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
minor=$(kubectl version -o json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["minor"].rstrip("+"))')
name_label() { [ "$minor" -ge 21 ] || echo "kubernetes.io/metadata.name=$1"; }

# --- what ships: the Secret and Lease in the server's namespace, the webhooks
kubectl create ns "$ns" >/dev/null
kubectl create ns "$app" >/dev/null
kubectl label ns "$app" si-e2e-run="$run" security-inspector.io/mode=enforce $(name_label "$app") >/dev/null
for f in secret lease; do
	sed "s/namespace: security-inspector$/namespace: $ns/" "$repo/manifests/$f.yaml" | kubectl apply -f - >/dev/null
done
python3 - "$repo/manifests/validatingwebhookconfiguration.yaml" "$vwc" "$run" >"$work/vwc.json" <<'PY'
import json, sys, yaml
vwc = yaml.safe_load(open(sys.argv[1]))
vwc["metadata"]["name"] = sys.argv[2]
scope = {"key": "si-e2e-run", "operator": "In", "values": [sys.argv[3]]}
for w in vwc["webhooks"]:
    if "namespaceSelector" in w:
        w["namespaceSelector"]["matchExpressions"].append(scope)
    else:
        w["objectSelector"] = {"matchExpressions": [scope]}
print(json.dumps(vwc))
PY
out=$(kubectl apply -f "$work/vwc.json" 2>&1)
ok "the shipped Secret, Lease and webhook configuration are applied" test $? -eq 0

# --- the balancer: one address for both replicas, as a Service gives ----------
lb=$(free_port) port_a=$(free_port) port_b=$(free_port)
python3 - "$lb" "$port_a" "$port_b" <<'PY' &
import itertools, socket, sys, threading
lb, backends = int(sys.argv[1]), [int(p) for p in sys.argv[2:]]
turn = itertools.cycle(range(len(backends)))
def pipe(a, b):
    try:
        while (d := a.recv(65536)):
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try: s.shutdown(socket.SHUT_RDWR)
        except OSError: pass
def serve(c):
    first = next(turn)
    for i in range(len(backends)):   # a replica that is down: the next one
        try:
            u = socket.create_connection(("127.0.0.1", backends[(first + i) % len(backends)]), 2)
            break
        except OSError:
            u = None
    if not u:
        c.close(); return
    threading.Thread(target=pipe, args=(c, u), daemon=True).start()
    pipe(u, c)
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", lb)); s.listen(128)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
pids+=($!)

cat >"$work/policy.yaml" <<'YAML'
mode: warn
YAML
launch() {   # NAME PORT
	POD_NAMESPACE=$ns POD_NAME=replica-$1 "$bin" serve --listen "127.0.0.1:$2" \
		--config "$work/policy.yaml" --kubeconfig "$KUBECONFIG" \
		--manage-certs security-inspector-certs --service security-inspector \
		--ca-lifetime 60s --cert-lifetime 24s --ca-overlap 6s --cert-check-interval 1s \
		--manage-webhook "$vwc" --webhook-url "https://127.0.0.1:$lb" \
		--leader-elect --report-url "https://127.0.0.1:$2" \
		>"$work/$1.out" 2>"$work/$1.log" &
	pids+=($!)
	printf -v "pid_$1" %s $!
}
launch a "$port_a"
launch b "$port_b"
metric() {   # PORT NAME
	curl -sk --max-time 5 "https://127.0.0.1:$1/metrics" | awk -v n="$2" '$1 == n { print $2 }'
}
bundle() {   # the caBundle of the enforce webhook, decoded
	kubectl get validatingwebhookconfiguration "$vwc" -o json | python3 -c '
import base64, json, sys
for w in json.load(sys.stdin)["webhooks"]:
    if w["name"] == "enforce.security-inspector.io":
        print(base64.b64decode(w["clientConfig"].get("caBundle", "")).decode(), end="")'
}
cat >"$work/priv.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: $app}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      hostNetwork: true
      containers: [{name: app, image: nginx}]
YAML
denied() { out=$(kubectl apply --dry-run=server -f "$work/priv.yaml" 2>&1); [[ $out == *"security-inspector denied Deployment web"* ]]; }
for _ in $(seq 150); do denied && break; sleep 0.2; done
ok "the leader wrote the webhook configuration with its CA bundle: the enforce namespace is enforced" denied
la=$(metric "$port_a" security_inspector_leader) lb_=$(metric "$port_b" security_inspector_leader)
is "$((la + lb_))" 1 "one replica leads"
[ "$((la + lb_))" = 1 ] || diag "$(tail -5 "$work/a.log" "$work/b.log")"
if [ "$la" = 1 ]; then leader=a follower=b; else leader=b follower=a; fi

# --- kubectl through renewals, a CA rotation and a leader stepping down --------
# Each request is a new call of the API server to the webhook through the
# balancer, alternating between the replicas.
t0=$(date +%s) n=0 bad=0 cas=() serials=() took=
: >"$work/failures"
stopped=
while [ $(($(date +%s) - t0)) -lt 80 ]; do
	if denied; then n=$((n + 1)); else bad=$((bad + 1)); printf '%s\n' "$out" >>"$work/failures"; fi
	if [ $((n % 10)) = 0 ]; then
		cas+=("$(bundle | openssl x509 -noout -fingerprint 2>/dev/null)")
		serials+=("$(openssl s_client -connect "127.0.0.1:$lb" </dev/null 2>/dev/null | openssl x509 -noout -serial 2>/dev/null)")
	fi
	# After 45 s the leader steps down (a rolling update): SIGTERM.
	if [ -z "$stopped" ] && [ $(($(date +%s) - t0)) -ge 45 ]; then
		pid=pid_$leader
		kill "${!pid}"
		stopped=$(date +%s%N)
	fi
	port=port_$follower
	if [ -n "$stopped" ] && [ -z "${took:-}" ] &&
		[ "$(metric "${!port}" security_inspector_leader)" = 1 ]; then
		took=$((($(date +%s%N) - stopped) / 1000000))
	fi
done
is "$bad" 0 "$n kubectl requests in 80 s, through renewals, a CA rotation and a leader stepping down: none failed"
[ "$bad" = 0 ] || diag "$(head -5 "$work/failures")"
ok "... at least 100 of them" test "$n" -ge 100
distinct_serials=$(printf '%s\n' "${serials[@]}" | sort -u | grep -c .)
ok "the serving certificate was renewed during the run ($distinct_serials seen)" test "$distinct_serials" -ge 3
distinct_cas=$(printf '%s\n' "${cas[@]}" | sort -u | grep -c .)
ok "the CA was rotated during the run: the webhooks' first CA changed ($distinct_cas seen)" test "$distinct_cas" -ge 2
ok "the other replica took over after the leader stepped down (within ${took:-?} ms)" test -n "$took"
pid=pid_$leader
wait "${!pid}"
is "$?" 0 "the stepped-down leader exited 0"
port=port_$follower
enforced=$(metric "${!port}" 'security_inspector_namespaces{mode="enforce"}')
ok "the new leader keeps the webhook configuration (it counts ${enforced:-no} enforced namespaces)" \
	test "${enforced:-0}" -ge 1
ok "... which still enforces" denied
tap_end
