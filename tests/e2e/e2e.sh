#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End to end: kubectl -> kube-apiserver -> security-inspector -> the terminal.
# Uses the cluster KUBECONFIG points to (skipped without one). The webhook
# runs here, on loopback, registered with the shipped
# manifests/validatingwebhookconfiguration.yaml: its webhooks, rules, paths,
# failure policies and mode selectors as users apply them, with only the
# service reference turned into a loopback clientConfig.url and a scope
# added so that the run sees only its own objects (namespaces and
# ClusterRoleBindings labelled si-e2e-run). Prints TAP.
#   tests/e2e/e2e.sh /path/to/security-inspector
set -uo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
bad() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; printf '# %s\n' "$@"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what" "${out:-}"; fi; }
finish() { echo "1..$n"; exit $((failed > 0)); }

if [ -z "${KUBECONFIG:-}" ] || ! kubectl get ns default >/dev/null 2>&1; then
	echo "1..0 # SKIP no cluster: point KUBECONFIG at a test cluster"
	exit 0
fi

run=$(date +%s)-$$
work=$(mktemp -d)
pid=
vwc=si-e2e-$run
. "$here/../kube.sh"   # delete_namespaces, scoped_webhooks
cleanup() {
	kubectl delete validatingwebhookconfiguration "$vwc" --ignore-not-found >/dev/null 2>&1
	[ ${#namespaces[@]} -gt 0 ] && delete_namespaces "${namespaces[@]}"
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
namespaces=()
trap cleanup EXIT
trap 'exit 130' INT TERM   # so that a timeout still runs the clean-up

# --- the webhook, on a free loopback port --------------------------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" certs --out "$work/certs" >/dev/null 2>&1
cat >"$work/policy.yaml" <<POLICY
mode: warn
namespaces:
  - names: ["si-e2e-prod-*"]
    mode: enforce
whitelist:
  - kinds: [Deployment]
    names: [trusted-agent]
    checks: [hostNetworkSet, runAsRootAllowed, privilegeEscalationAllowed, tagNotSpecified]
    reason: the e2e whitelist entry
POLICY
# Kubernetes 1.21 and later label every namespace kubernetes.io/metadata.name=
# its name, which the webhook configuration selects by; on an older API
# server the test sets it as those versions would.
minor=$(kubectl version -o json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["minor"].rstrip("+"))')
name_label() { [ "$minor" -ge 21 ] || echo "kubernetes.io/metadata.name=$1"; }
mkns() {   # name mode
	namespaces+=("$1")
	kubectl create ns "$1" >/dev/null
	kubectl label ns "$1" si-e2e-run="$run" security-inspector.io/mode="$2" $(name_label "$1") >/dev/null
}
warn_ns=si-e2e-warn-$run enforce_ns=si-e2e-enforce-$run off_ns=si-e2e-off-$run
typo_ns=si-e2e-typo-$run prod_ns=si-e2e-prod-$run
mkns "$warn_ns" warn
mkns "$enforce_ns" enforce
mkns "$off_ns" off
mkns "$typo_ns" Enforce      # not a mode: the policy's default (warn)
mkns "$prod_ns" off          # the policy's rule prod-* (enforce) wins

bundle=$(base64 -w0 "$work/certs/ca.crt")
scoped_webhooks "$repo/manifests/validatingwebhookconfiguration.yaml" "$work/vwc.json" "$vwc" \
	"https://127.0.0.1:$port" "$bundle" "$run"
out=$(kubectl apply -f "$work/vwc.json" 2>&1)
check "the shipped ValidatingWebhookConfiguration (7 webhooks) is accepted" test $? -eq 0

# The server keeps that configuration in step with the policy and the
# namespaces (--manage-webhook), pointing it at its loopback address.
"$bin" serve --listen "127.0.0.1:$port" --tls-cert "$work/certs/tls.crt" \
	--tls-key "$work/certs/tls.key" --config "$work/policy.yaml" \
	--manage-webhook "$vwc" --webhook-url "https://127.0.0.1:$port" --kubeconfig "$KUBECONFIG" \
	>"$work/decisions.log" 2>"$work/serve.log" &
pid=$!
for _ in $(seq 50); do
	curl -sf --cacert "$work/certs/ca.crt" "https://127.0.0.1:$port/readyz" >/dev/null && break
	sleep 0.1
done
vwc_json() { kubectl get validatingwebhookconfiguration "$vwc" -o json; }
# names NAME: the namespaces the webhook NAME selects by name ("In") or
# leaves out ("NotIn"), one per line, after the operator.
names() {
	vwc_json | python3 -c '
import json, sys
for w in json.load(sys.stdin)["webhooks"]:
    if w["name"] == sys.argv[1] + ".security-inspector.io":
        print(w["failurePolicy"])
        for e in w.get("namespaceSelector", {}).get("matchExpressions", []):
            if e["key"] == "kubernetes.io/metadata.name":
                print(e["operator"]); print("\n".join(e["values"]))' "$1"
}
for _ in $(seq 100); do
	names enforce | grep -qx "$enforce_ns" && break
	sleep 0.1
done
out=$(names enforce)
check "the server rewrote its configuration: enforce selects the namespace labelled enforce, Fail" \
	bash -c "head -1 <<<\"\$0\" | grep -qx Fail && grep -qx '$enforce_ns' <<<\"\$0\"" "$out"
check "... and the namespace the policy enforces although it is labelled off (fails closed too)" \
	grep -qx "$prod_ns" <<<"$out"
out=$(names default)
check "the default webhook (Ignore) leaves out the namespaces of other modes" \
	bash -c "head -1 <<<\"\$0\" | grep -qx Ignore && grep -qx '$off_ns' <<<\"\$0\" && grep -qx '$enforce_ns' <<<\"\$0\" && ! grep -qx '$typo_ns' <<<\"\$0\"" "$out"
out=$(vwc_json | python3 -c 'import json,sys; print(" ".join(w["name"].split(".")[0] for w in json.load(sys.stdin)["webhooks"]))')
check "no webhook for off, one for ClusterRoleBindings and one for Namespace writes" \
	test "$out" = "enforce default cluster namespaces"

deployment() {   # name namespace [hostNetwork]
	cat <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: $1, namespace: $2}
spec:
  replicas: 1
  selector: {matchLabels: {app: $1}}
  template:
    metadata: {labels: {app: $1}}
    spec:
      hostNetwork: ${3:-false}
      containers:
      - name: app
        image: nginx
YAML
}

# The apiserver learns of a new webhook configuration through an informer:
# wait until the webhook answers (a server-side dry run prints its warning).
deployment probe "$warn_ns" >"$work/probe.yaml"
for _ in $(seq 60); do
	out=$(kubectl apply --dry-run=server -f "$work/probe.yaml" 2>&1)
	[[ $out == *"Warning:"* ]] && break
	sleep 0.5
done

# --- warn ------------------------------------------------------------------------
deployment web "$warn_ns" >"$work/warn.yaml"
out=$(kubectl apply -f "$work/warn.yaml" 2>&1); rc=$?
check "warn: the insecure Deployment is admitted" test $rc -eq 0
check "warn: kubectl prints Warning: lines naming the items" \
	grep -q '^Warning: \[danger\] runAsRootAllowed (app): set securityContext.runAsNonRoot' <<<"$out"
check "warn: the image without a tag is named" grep -q 'Warning: \[danger\] tagNotSpecified (app)' <<<"$out"
check "warn: the warnings are single lines under 256 characters" \
	awk '/^Warning:/ && length($0) > 265 { exit 1 }' <<<"$out"

# --- enforce ---------------------------------------------------------------------
deployment web "$enforce_ns" true >"$work/enforce.yaml"
out=$(kubectl apply -f "$work/enforce.yaml" 2>&1); rc=$?
check "enforce: the insecure Deployment is refused" test $rc -ne 0
check "enforce: the denial names the webhook and the items with their fix" \
	grep -q 'denied the request: security-inspector denied Deployment web: .*runAsRootAllowed (app): set securityContext.runAsNonRoot' <<<"$out"
check "enforce: hostNetwork is named with its fix" grep -q 'hostNetworkSet: remove hostNetwork' <<<"$out"
check "enforce: warning-severity items still come back as warnings" \
	grep -q '^Warning: \[warning\] cpuLimitsMissing (app)' <<<"$out"
check "enforce: nothing was stored" bash -c "! kubectl get deploy web -n $enforce_ns >/dev/null 2>&1"
out=$(kubectl apply --dry-run=server -f "$work/enforce.yaml" 2>&1); rc=$?
check "enforce: --dry-run=server gives the same denial" \
	bash -c "[ $rc -ne 0 ] && grep -q 'security-inspector denied Deployment web' <<<\"\$0\"" "$out"

# A whitelisted workload (the e2e policy's entry) is admitted in enforce.
sed 's/name: web/name: trusted-agent/; s/app: web/app: trusted-agent/g' "$work/enforce.yaml" \
	>"$work/trusted.yaml"
out=$(kubectl apply -f "$work/trusted.yaml" 2>&1)
check "enforce: a whitelisted Deployment is admitted" \
	bash -c "kubectl get deploy trusted-agent -n $enforce_ns >/dev/null 2>&1"

# An anonymous RoleBinding is refused in enforce.
cat >"$work/rb.yaml" <<YAML
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: open-to-all, namespace: $enforce_ns}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: Group, name: "system:unauthenticated", apiGroup: rbac.authorization.k8s.io}
YAML
out=$(kubectl apply -f "$work/rb.yaml" 2>&1); rc=$?
check "enforce: a RoleBinding to system:unauthenticated is refused" \
	bash -c "[ $rc -ne 0 ] && grep -q 'anonymousUserRBACBinding' <<<\"\$0\"" "$out"

# --- off -------------------------------------------------------------------------
deployment web "$off_ns" true >"$work/off.yaml"
out=$(kubectl apply -f "$work/off.yaml" 2>&1); rc=$?
check "off: the namespace labelled off is untouched (admitted, no warning)" \
	bash -c "[ $rc -eq 0 ] && ! grep -q Warning <<<\"\$0\"" "$out"

# --- the policy wins over the label; an unknown label value is the default ------
deployment web "$prod_ns" true >"$work/prod.yaml"
out=$(kubectl apply -f "$work/prod.yaml" 2>&1); rc=$?
check "a namespace labelled off that the policy enforces (prod-*): the insecure Deployment is refused" \
	bash -c "[ $rc -ne 0 ] && grep -q 'security-inspector denied Deployment web' <<<\"\$0\"" "$out"
deployment web "$typo_ns" >"$work/typo.yaml"
out=$(kubectl apply -f "$work/typo.yaml" 2>&1); rc=$?
check "a namespace labelled Enforce (not a mode) gets the policy's default, warn: admitted with warnings" \
	bash -c "[ $rc -eq 0 ] && grep -q '^Warning: \[danger\] runAsRootAllowed (app)' <<<\"\$0\"" "$out"

# --- a ClusterRoleBinding is reviewed once ----------------------------------------
cat >"$work/crb.yaml" <<YAML
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: si-e2e-anon-$run, labels: {si-e2e-run: "$run"}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: User, name: "system:anonymous", apiGroup: rbac.authorization.k8s.io}
YAML
out=$(kubectl apply --dry-run=server -f "$work/crb.yaml" 2>&1); rc=$?
check "a ClusterRoleBinding to system:anonymous: the policy's default mode (warn), one warning" \
	bash -c "[ $rc -eq 0 ] && [ \$(grep -c 'Warning: \[danger\] anonymousUserRBACBinding' <<<\"\$0\") -eq 1 ]" "$out"
check "... and one decision logged for it: reviewed once, not by every mode's webhook" \
	test "$(grep -c "\"name\":\"si-e2e-anon-$run\"" "$work/decisions.log")" -eq 1

# --- existing non-compliant objects stay manageable --------------------------------
# Admitted under warn, then the namespace switches to enforce.
kubectl label ns "$warn_ns" security-inspector.io/mode=enforce --overwrite >/dev/null
for _ in $(seq 20); do   # the namespace label reaches the webhook selector
	out=$(kubectl apply --dry-run=server -f "$work/warn.yaml" 2>&1)
	[[ $out == *"security-inspector denied"* ]] && break
	sleep 0.5
done
out=$(kubectl label deploy web -n "$warn_ns" owner=team-a 2>&1); rc=$?
check "enforce: a metadata-only update of a non-compliant Deployment works" test $rc -eq 0
out=$(kubectl annotate deploy web -n "$warn_ns" note=kept 2>&1); rc=$?
check "enforce: an annotation on it works too" test $rc -eq 0
out=$(kubectl delete deploy web -n "$warn_ns" 2>&1); rc=$?
check "enforce: the non-compliant Deployment can be deleted" test $rc -eq 0

# --- namespaces created and relabelled while the server runs ---------------------------
# seconds_until CMD...: how long until CMD succeeds (polled every 0.2 s, 20 s at most).
seconds_until() {
	local t0=$(date +%s%N)
	for _ in $(seq 100); do
		"$@" && { echo $((($(date +%s%N) - t0) / 1000000)) ms; return 0; }
		sleep 0.2
	done
	return 1
}
denied() { ! kubectl apply --dry-run=server -f "$1" >/dev/null 2>&1; }
quiet() { out=$(kubectl apply --dry-run=server -f "$1" 2>&1) && ! grep -q Warning <<<"$out"; }
late_ns=si-e2e-late-$run
mkns "$late_ns" enforce
deployment web "$late_ns" true >"$work/late.yaml"
took=$(seconds_until denied "$work/late.yaml")
check "a namespace created and labelled enforce while the server runs is enforced within seconds ($took)" \
	test -n "$took"
kubectl label ns "$late_ns" security-inspector.io/mode=off --overwrite >/dev/null
took=$(seconds_until quiet "$work/late.yaml")
check "relabelled off, it is left alone within seconds ($took)" test -n "$took"
prod_late=si-e2e-prod-late-$run
namespaces+=("$prod_late")
kubectl create ns "$prod_late" >/dev/null
kubectl label ns "$prod_late" si-e2e-run="$run" $(name_label "$prod_late") >/dev/null
deployment web "$prod_late" true >"$work/prod-late.yaml"
in_enforce() { names enforce | grep -qx "$1"; }
took=$(seconds_until in_enforce "$prod_late")
check "a new namespace that a policy rule enforces joins the Fail webhook within seconds ($took)" \
	test -n "$took"
out=$(kubectl label ns "$typo_ns" security-inspector.io/mode=Audit --overwrite 2>&1)
check "labelling a namespace with a value that is not a mode warns whoever does it" \
	grep -q "^Warning: security-inspector.io/mode=Audit is not a mode (enforce, warn, audit or off): namespace $typo_ns gets mode warn" <<<"$out"
out=$(kubectl label ns "$prod_ns" security-inspector.io/mode=warn --overwrite --dry-run=server 2>&1)
check "... and a label that the policy overrides says so (also with --dry-run=server)" \
	grep -q "^Warning: security-inspector.io/mode=warn has no effect: the policy's namespace rule (line 3) puts namespace $prod_ns in mode enforce" <<<"$out"
out=$(curl -sf --cacert "$work/certs/ca.crt" "https://127.0.0.1:$port/metrics")
check "metrics: namespaces with a label that is not a mode are counted" \
	bash -c "grep -Eq '^security_inspector_namespaces_unknown_mode_label [1-9]' <<<\"\$0\" && grep -Eq '^security_inspector_webhook_configuration_writes_total\{result=\"success\"\} [1-9]' <<<\"\$0\"" "$out"
check "the server logged the namespace with the unknown label once" \
	test "$(grep -c "\"namespace\":\"$typo_ns\",\"label\":\"Enforce\"" "$work/serve.log")" -eq 1

# --- the webhook down ----------------------------------------------------------------
names enforce | grep -qx "$late_ns" && sleep 1   # the last relabel reached the configuration
kill "$pid" && wait "$pid" 2>/dev/null
pid=
# fails_closed|keeps_working WHAT FILE
fails_closed() {
	out=$(kubectl apply -f "$2" 2>&1); rc=$?
	check "webhook down: $1 fails closed (nothing admitted)" \
		bash -c "[ $rc -ne 0 ] && grep -q 'failed calling webhook' <<<\"\$0\"" "$out"
}
keeps_working() {
	out=$(kubectl apply -f "$2" 2>&1); rc=$?
	check "webhook down: $1 keeps working" test $rc -eq 0
}
deployment down "$enforce_ns" >"$work/down-enforce.yaml"
fails_closed "a namespace labelled enforce" "$work/down-enforce.yaml"
deployment down "$off_ns" >"$work/down-off.yaml"
keeps_working "a namespace labelled off" "$work/down-off.yaml"
deployment down "$typo_ns" >"$work/down-default.yaml"
keeps_working "a namespace in the default mode" "$work/down-default.yaml"
fails_closed "a namespace enforced by a policy rule (not by its label)" "$work/prod-late.yaml"
deployment down "$late_ns" >"$work/down-late.yaml"
keeps_working "the namespace relabelled from enforce to off" "$work/down-late.yaml"
sed "s/si-e2e-anon-$run/si-e2e-down-$run/" "$work/crb.yaml" >"$work/down-crb.yaml"
out=$(kubectl apply --dry-run=server -f "$work/down-crb.yaml" 2>&1); rc=$?
check "webhook down: ClusterRoleBindings can still be written" test $rc -eq 0

# --- the decision log -----------------------------------------------------------------
check "the webhook logged its decisions as JSON lines" \
	python3 -c 'import json,sys; l=[json.loads(x) for x in open(sys.argv[1])]; sys.exit(not any(d["allowed"] is False and d["mode"]=="enforce" for d in l))' \
	"$work/decisions.log"

# --- the project's own manifests --------------------------------------------------------
out=$(kubectl kustomize "$repo/manifests" 2>&1 >"$work/rendered.yaml"); rc=$?
check "the kustomize manifests render" test $rc -eq 0
# Kubernetes before 1.21 has no policy/v1: the PodDisruptionBudget is left out
# of the server-side dry run there (and only there).
# The run's own namespace stands in for security-inspector, so that a real
# installation on the cluster is never touched; it is created for real (the
# dry run of namespaced objects needs it), the Namespace object left out.
deploy_ns=si-e2e-deploy-$run
python3 - "$work/rendered.yaml" "$work/apply.yaml" "$minor" "$deploy_ns" <<'PY'
import re, sys
docs = open(sys.argv[1]).read().split("\n---\n")
keep = [re.sub(r"namespace: security-inspector\b", "namespace: " + sys.argv[4], d) for d in docs
        if not (int(sys.argv[3]) < 21 and "kind: PodDisruptionBudget" in d)
        and not d.lstrip().startswith("apiVersion: v1\nkind: Namespace")]
open(sys.argv[2], "w").write("\n---\n".join(keep))
PY
[ "$minor" -lt 21 ] && echo "# Kubernetes 1.$minor has no policy/v1: PodDisruptionBudget left out of the dry run"
namespaces+=("$deploy_ns")
kubectl create ns "$deploy_ns" >/dev/null 2>&1
out=$(kubectl apply --dry-run=server -f "$work/apply.yaml" 2>&1); rc=$?
check "the manifests apply with --dry-run=server" test $rc -eq 0

# --- certs/make-secret.sh: the Secret and every webhook's caBundle ------------------
if kubectl get validatingwebhookconfiguration security-inspector >/dev/null 2>&1; then
	echo "# a security-inspector webhook configuration exists here: make-secret.sh not tried"
else
	python3 - "$work/apply.yaml" "$work/vwc-real.yaml" <<'PY'
import sys
docs = open(sys.argv[1]).read().split("\n---\n")
open(sys.argv[2], "w").write([d for d in docs if "kind: ValidatingWebhookConfiguration" in d][0])
PY
	kubectl apply -f "$work/vwc-real.yaml" >/dev/null 2>&1
	out=$(SECURITY_INSPECTOR=$bin "$repo/certs/make-secret.sh" --namespace "$deploy_ns" 2>&1); rc=$?
	kubectl get secret security-inspector-tls -n "$deploy_ns" -o jsonpath='{.data.tls\.crt}' |
		base64 -d >"$work/served.crt" 2>/dev/null
	kubectl get validatingwebhookconfiguration security-inspector \
		-o jsonpath='{range .webhooks[*]}{.clientConfig.caBundle}{"\n"}{end}' >"$work/bundles"
	kubectl delete validatingwebhookconfiguration security-inspector >/dev/null 2>&1
	check "make-secret.sh: runs" test $rc -eq 0
	check "make-secret.sh: every webhook got the same, non-empty caBundle" \
		bash -c "[ \$(sort -u $work/bundles | grep -c .) -eq 1 ] && [ \$(grep -c . $work/bundles) -eq 7 ]"
	head -1 "$work/bundles" | base64 -d >"$work/bundle-ca.crt" 2>/dev/null
	check "make-secret.sh: the Secret's certificate verifies against the caBundle" \
		bash -c "openssl verify -CAfile $work/bundle-ca.crt $work/served.crt >/dev/null 2>&1"
fi
finish
