#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Dry run before enforcing a namespace, end to end: on the cluster
# KUBECONFIG points to, with the shipped webhook configuration (scoped to
# this run's namespace, pointed at the server on loopback), `kubectl label
# ns X security-inspector.io/mode=enforce --dry-run=server` prints warnings
# naming the workloads already there that enforce would deny, changes
# nothing, and the real label does the same once; relabelling enforce
# says nothing more. Skipped without a cluster. Prints TAP.
#   tests/e2e/namespace_preview.sh /path/to/security-inspector
set -uo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
TAP_N=0 TAP_FAILED=0
. "$here/../tap.sh"    # pass, fail, check, tap_end
. "$here/../kube.sh"   # require_cluster, delete_namespaces, stop_all, scoped_webhooks
require_cluster

run=$(date +%s)-$$
ns=si-preview-$run
vwc=si-preview-$run
work=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && stop_all "$pid"
	kubectl delete validatingwebhookconfiguration "$vwc" --ignore-not-found >/dev/null 2>&1
	delete_namespaces "$ns"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the namespace, in warn, with one workload enforce would deny and one it would not
kubectl create ns "$ns" >/dev/null
kubectl label ns "$ns" si-e2e-run="$run" security-inspector.io/mode=warn >/dev/null
kubectl apply -n "$ns" -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: legacy-priv}
spec:
  replicas: 0
  selector: {matchLabels: {app: legacy-priv}}
  template:
    metadata: {labels: {app: legacy-priv}}
    spec:
      containers:
        - name: app
          image: nginx:1.25
          securityContext: {privileged: true}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: hardened}
spec:
  replicas: 0
  selector: {matchLabels: {app: hardened}}
  template:
    metadata: {labels: {app: hardened}}
    spec:
      securityContext: {runAsNonRoot: true, runAsUser: 1000}
      containers:
        - name: app
          image: nginx:1.25
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {drop: [ALL]}
          resources:
            requests: {cpu: 10m, memory: 16Mi}
            limits: {cpu: 50m, memory: 32Mi}
          readinessProbe: {tcpSocket: {port: 80}}
          livenessProbe: {tcpSocket: {port: 80}}
YAML

# --- the server, inspecting the cluster (its read rights give the preview) -----------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" certs --out "$work/certs" >/dev/null 2>&1
printf 'mode: warn\n' >"$work/policy.yaml"
"$bin" serve --listen "127.0.0.1:$port" --tls-cert "$work/certs/tls.crt" \
	--tls-key "$work/certs/tls.key" --config "$work/policy.yaml" \
	--kubeconfig "$KUBECONFIG" --inspect-interval 1h --no-events \
	>"$work/decisions.log" 2>"$work/serve.log" &
pid=$!
for _ in $(seq 50); do
	curl -sf --cacert "$work/certs/ca.crt" "https://127.0.0.1:$port/readyz" >/dev/null && break
	sleep 0.1
done

# The shipped configuration, scoped to this run and pointed at the loopback
# server.
bundle=$(base64 -w0 "$work/certs/ca.crt")
scoped_webhooks "$repo/manifests/validatingwebhookconfiguration.yaml" "$work/vwc.json" "$vwc" \
	"https://127.0.0.1:$port" "$bundle" "$run"
out=$(kubectl apply -f "$work/vwc.json" 2>&1)
check "the shipped ValidatingWebhookConfiguration is accepted" test $? -eq 0
sleep 2   # the API server picks up webhook configurations within a second or so

# --- kubectl label --dry-run=server --------------------------------------------------
out=$(kubectl label ns "$ns" security-inspector.io/mode=enforce --overwrite --dry-run=server 2>&1)
check "a server dry run of the label succeeds" grep -q 'labeled (server dry run)' <<<"$out"
check "... and warns of the workloads enforce would deny" \
	grep -q "Warning: security-inspector: in mode enforce, 1 existing workload of namespace $ns would be denied" <<<"$out"
check "... naming the Deployment and its danger items" \
	grep -q 'Warning: Deployment legacy-priv: .*runAsPrivileged (app)' <<<"$out"
check "... and not the hardened one" bash -c '! grep -q hardened <<<"$0"' "$out"
out=$(kubectl get ns "$ns" -o jsonpath='{.metadata.labels.security-inspector\.io/mode}')
check "the dry run changed nothing (the label is still warn)" test "$out" = warn

# --- the real label, then once more ----------------------------------------------------
out=$(kubectl label ns "$ns" security-inspector.io/mode=enforce --overwrite 2>&1)
check "the real label is applied with the same warnings" \
	grep -q 'Warning: Deployment legacy-priv: .*runAsPrivileged (app)' <<<"$out"
out=$(kubectl label ns "$ns" security-inspector.io/mode=enforce --overwrite 2>&1)
check "labelling a namespace already in enforce warns of nothing" \
	bash -c '! grep -q "would be denied" <<<"$0"' "$out"

tap_end
