# SPDX-License-Identifier: Apache-2.0
# Shell helpers for the suites and benchmarks that use a real cluster
# (KUBECONFIG); sourced, not run.

# require_cluster: ends the script with a TAP skip unless KUBECONFIG points
# to a cluster that answers.
require_cluster() {
	if [ -z "${KUBECONFIG:-}" ] || ! kubectl get ns default >/dev/null 2>&1; then
		echo "1..0 # SKIP no cluster: point KUBECONFIG at a test cluster"
		exit 0
	fi
}

# delete_namespaces NS... : deletes the namespaces, with what they hold.
# Without a namespace controller (a bare kube-apiserver, as in the project's
# test bed) nothing would finish the deletion: their objects are deleted
# first, and after 5 s the finalizer is dropped by hand.
delete_namespaces() {
	local ns
	for ns in "$@"; do
		kubectl delete deploy,rs,sts,ds,jobs,cronjobs,rc,pods,rolebindings,roles,secrets,configmaps,services,serviceaccounts \
			--all -n "$ns" --wait=false >/dev/null 2>&1
		kubectl delete ns "$ns" --wait=false >/dev/null 2>&1
	done
	# Not `kubectl get | grep -q`: under pipefail, kubectl killed by
	# SIGPIPE would read as "all gone", and the finalizers would stay.
	for _ in $(seq 25); do
		[ -n "$(kubectl get ns "$@" --no-headers 2>/dev/null)" ] || return 0
		sleep 0.2
	done
	for ns in "$@"; do
		kubectl get ns "$ns" -o json 2>/dev/null |
			python3 -c 'import json,sys; d=json.load(sys.stdin); d["spec"]["finalizers"]=[]; print(json.dumps(d))' |
			kubectl replace --raw "/api/v1/namespaces/$ns/finalize" -f - >/dev/null 2>&1
	done
	return 0
}

# stop_all PID... : stops the processes and waits for each.
stop_all() {
	local p
	for p in "$@"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	return 0
}

# scoped_webhooks SRC DST NAME BASE-URL CA-BUNDLE RUN : writes to DST (JSON)
# the ValidatingWebhookConfiguration SRC as shipped, renamed NAME, each
# webhook's service reference turned into BASE-URL plus its path with
# CA-BUNDLE, and scoped to what is labelled si-e2e-run=RUN (namespaces by
# their labels, cluster-scoped objects by their own).
scoped_webhooks() {
	python3 - "$@" <<'PY'
import json, sys, yaml
src, dst, name, base, bundle, run = sys.argv[1:7]
vwc = yaml.safe_load(open(src))
vwc["metadata"]["name"] = name
scope = {"key": "si-e2e-run", "operator": "In", "values": [run]}
for w in vwc["webhooks"]:
    w["clientConfig"] = {"url": base + w["clientConfig"]["service"]["path"], "caBundle": bundle}
    if "namespaceSelector" in w:
        w["namespaceSelector"]["matchExpressions"].append(scope)
    else:   # cluster-scoped objects: this run's, by their label
        w["objectSelector"] = {"matchExpressions": [scope]}
json.dump(vwc, open(dst, "w"), indent=1)
PY
}
