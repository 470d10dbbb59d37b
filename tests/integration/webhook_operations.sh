# SPDX-License-Identifier: Apache-2.0
# shellcheck disable=SC2317  # some functions only run through wait_until and ok
# Webhook operations over real HTTPS: CREATE and UPDATE inspected (an UPDATE
# that leaves the pod spec alone is never denied), DELETE, CONNECT and
# subresources untouched, dryRun, v1beta1, RBAC bindings, every workload
# kind, unknown kinds, and objects that leave kind or namespace to the
# request.

. "$(dirname "$0")/lib.sh"
tap_setup "$@"

make_certs "$SCRATCH/certs" || { echo "Bail out! certs failed: $(cat "$SCRATCH/.certs.err")"; exit 1; }
CA="$SCRATCH/certs/ca.crt"
start_server ops --tls-cert "$SCRATCH/certs/tls.crt" --tls-key "$SCRATCH/certs/tls.key" \
	--config "$DATA/policies/operations.yaml" || { echo "Bail out! serve did not start"; exit 1; }
OBJ="$SCRATCH/objects"
mkdir -p "$OBJ"

ROOT=(pod-clean --del spec.securityContext)
# untouched : the response holds nothing but uid and allowed.
untouched() { jv 'sorted(r.items())'; }

# --- UPDATE ---------------------------------------------------------------------

admit /validate pod-bad --op UPDATE --old-base \
	--change-merge '{"metadata":{"labels":{"team":"blue"},"annotations":{"note":"relabelled"}}}' --uid up-meta
is "$(resp_summary)" "200 allowed=true warnings=10 status=-" \
	"UPDATE changing only labels/annotations of a failing pod: allowed in enforce, with warnings"
contains "$(jv 'r["warnings"]')" "[danger] runAsRootAllowed (app, db)" "... the danger failures come back as warnings"

python3 "$DATA/review.py" pod-bad --merge '{"metadata":{"finalizers":["example.com/cleanup"]}}' \
	--emit-object >"$OBJ/bad-with-finalizer.json"
admit /validate pod-bad --op UPDATE --old "$OBJ/bad-with-finalizer.json" --uid up-finalizer
is "$(jv 'r["allowed"]')" true "UPDATE removing a finalizer of a failing pod: allowed"

admit /validate "${ROOT[@]}" --wrap Deployment --op UPDATE --old-base \
	--change-merge '{"spec":{"replicas":5},"metadata":{"labels":{"release":"2"}}}' --uid up-dep-scale
is "$(resp_summary)" "200 allowed=true warnings=1 status=-" \
	"UPDATE of a failing Deployment's replicas and labels (template unchanged): allowed, warned"

python3 "$DATA/review.py" pod-clean --emit-object >"$OBJ/clean.json"
admit /validate pod-clean --set 'spec.containers.0.securityContext.privileged=true' \
	--op UPDATE --old "$OBJ/clean.json" --uid up-spec
is "$(resp_summary)" "200 allowed=false warnings=0 status=403" "UPDATE making the spec fail: denied"
contains "$(jv 'r["status"]["message"]')" "runAsPrivileged (app)" "... naming the new failure"

admit /validate pod-bad --change-set 'spec.containers.1.image="postgres:17.0"' --op UPDATE --old-base --uid up-spec-still-bad
is "$(resp_summary)" "200 allowed=false warnings=7 status=403" "UPDATE changing the spec of a failing pod: denied"

admit /validate "${ROOT[@]}" --wrap Deployment --change-set 'spec.template.spec.containers.0.image="nginx:1.28"' --op UPDATE --old-base \
	--uid up-dep-template
is "$(resp_summary)" "200 allowed=false warnings=0 status=403" "UPDATE changing a Deployment's pod template: denied"

admit /validate "${ROOT[@]}" --op UPDATE --uid up-no-old
is "$(jv 'r["allowed"]')" false "UPDATE without oldObject is inspected like a CREATE"

# RBAC: unchanged subjects are never denied; new anonymous subjects are.
admit /validate rolebinding-anonymous --op UPDATE --old-base \
	--change-merge '{"metadata":{"labels":{"audit":"done"}}}' --uid up-rb-meta
is "$(resp_summary)" "200 allowed=true warnings=1 status=-" "UPDATE of an anonymous RoleBinding's labels only: allowed, warned"
python3 "$DATA/review.py" rolebinding-ok --emit-object >"$OBJ/rb-ok.json"
admit /validate rolebinding-ok --set 'subjects.0.name="system:anonymous"' --op UPDATE --old "$OBJ/rb-ok.json" \
	--uid up-rb-subjects
is "$(resp_summary)" "200 allowed=false warnings=0 status=403" "UPDATE adding system:anonymous to a RoleBinding: denied"

# --- operations and subresources left alone ---------------------------------------------

admit /validate pod-bad --op DELETE --uid del
is "$(untouched)" '[["allowed", true], ["uid", "del"]]' "DELETE of a failing pod: allowed, untouched"
admit /validate "${ROOT[@]}" --wrap Deployment --op DELETE --uid del-dep
is "$(untouched)" '[["allowed", true], ["uid", "del-dep"]]' "DELETE of a failing Deployment: allowed, untouched"

admit /validate pod-bad --op CONNECT --sub exec --kind PodExecOptions --uid connect-exec \
	--no-object
is "$(untouched)" '[["allowed", true], ["uid", "connect-exec"]]' "CONNECT pods/exec: allowed, untouched"
admit /validate pod-bad --op CONNECT --uid connect-pod
is "$(untouched)" '[["allowed", true], ["uid", "connect-pod"]]' "CONNECT with a failing Pod object: allowed, untouched"

admit /validate pod-bad --op UPDATE --sub status --old-base --change-set 'status={"phase":"Running"}' --uid sub-status
is "$(untouched)" '[["allowed", true], ["uid", "sub-status"]]' "UPDATE pods/status of a failing pod: allowed, untouched"
admit /validate pod-bad --op CREATE --sub status --uid sub-status-create
is "$(untouched)" '[["allowed", true], ["uid", "sub-status-create"]]' "a status subresource request: allowed, untouched"
admit /validate "${ROOT[@]}" --wrap Deployment --op UPDATE --sub scale --uid sub-scale
is "$(untouched)" '[["allowed", true], ["uid", "sub-scale"]]' "UPDATE deployments/scale of a failing Deployment: allowed, untouched"

# pods/ephemeralcontainers (kubectl debug) is judged like the pod it
# changes: the ephemeral containers like any container.
DEBUG_PRIV='{"spec":{"ephemeralContainers":[{"name":"debugger","image":"busybox:1.36","targetContainerName":"app","securityContext":{"privileged":true,"capabilities":{"drop":["ALL"]}}}]}}'
admit /validate pod-clean --op UPDATE --sub ephemeralcontainers --old-base --change-merge "$DEBUG_PRIV" \
	--uid eph-priv
is "$(resp_summary)" "200 allowed=false warnings=1 status=403" \
	"UPDATE pods/ephemeralcontainers adding a privileged debug container to a clean pod: denied in enforce"
contains "$(jv 'r["warnings"]')" "notReadOnlyRootFileSystem (debugger)" "... with its warning-severity failure as a warning"
contains "$(jv 'r["status"]["message"]')" "runAsPrivileged (debugger)" "... naming the ephemeral container"
DEBUG_OK='{"spec":{"ephemeralContainers":[{"name":"debugger","image":"busybox:1.36","targetContainerName":"app","securityContext":{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"capabilities":{"drop":["ALL"]}}}]}}'
admit /validate pod-clean --op UPDATE --sub ephemeralcontainers --old-base --change-merge "$DEBUG_OK" \
	--uid eph-ok
is "$(resp_summary)" "200 allowed=true warnings=0 status=-" \
	"... a debug container that passes every security item: allowed (resources and probes do not apply to it)"
admit /validate pod-clean --op UPDATE --sub ephemeralcontainers --old-base \
	--change-merge '{"spec":{"ephemeralContainers":[{"name":"debugger","image":"busybox","targetContainerName":"app","securityContext":{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"runAsUser":0,"capabilities":{"drop":["ALL"]}}}]}}' \
	--uid eph-root
is "$(resp_summary)" "200 allowed=false warnings=1 status=403" "... one that runs as root with an untagged image: denied"
is "$(jv 'r["auditAnnotations"]["failed-checks"]')" "runAsRootAllowed,tagNotSpecified,runAsUserRoot" \
	"... for runAsRootAllowed and tagNotSpecified (and the warning runAsUserRoot)"
admit /validate pod-clean --op UPDATE --sub ephemeralcontainers --old-base --change-merge "$DEBUG_PRIV" \
	--kind EphemeralContainers --uid eph-other-kind
is "$(untouched)" '[["allowed", true], ["uid", "eph-other-kind"]]' \
	"... the same subresource with another kind than Pod (not a pod spec): allowed, untouched"

# --- dryRun and v1beta1 -------------------------------------------------------------------

admit /validate pod-bad --uid same-uid
cp "$RESP" "$SCRATCH/real.json"
admit /validate pod-bad --uid same-uid --dry-run
cp "$RESP" "$SCRATCH/dry.json"
is "$(jv 'json.dumps(doc, sort_keys=True)' "$SCRATCH/dry.json")" "$(jv 'json.dumps(doc, sort_keys=True)' "$SCRATCH/real.json")" \
	"dryRun: true gets the same answer as a real request (enforce, denied)"
is "$(jv 'r["allowed"]' "$SCRATCH/dry.json")" false "dryRun: ... which is a denial"
admit /validate/warn pod-bad --uid same-uid-warn
cp "$RESP" "$SCRATCH/real-warn.json"
admit /validate/warn pod-bad --uid same-uid-warn --dry-run
is "$(jv 'json.dumps(doc, sort_keys=True)')" "$(jv 'json.dumps(doc, sort_keys=True)' "$SCRATCH/real-warn.json")" \
	"dryRun: the same warnings in warn mode"

admit /validate pod-bad --api v1beta1 --uid beta-1
is "$(jv 'doc["apiVersion"]')" "admission.k8s.io/v1beta1" "v1beta1: answered with apiVersion admission.k8s.io/v1beta1"
is "$(jv '[doc["kind"], r["uid"], r["allowed"], r["status"]["code"]]')" '["AdmissionReview", "beta-1", false, 403]' \
	"v1beta1: kind, uid echoed, denied with 403"
admit /validate pod-clean --api v1beta1 --uid beta-2
is "$(jv '[doc["apiVersion"], r["allowed"]]')" '["admission.k8s.io/v1beta1", true]' "v1beta1: a clean pod is allowed"
admit /validate pod-clean --uid v1-again
is "$(jv 'doc["apiVersion"]')" "admission.k8s.io/v1" "v1 after v1beta1: answered with v1"

# --- RBAC bindings ------------------------------------------------------------------------

admit /validate rolebinding-anonymous --uid rb-anon
is "$(resp_summary)" "200 allowed=false warnings=0 status=403" "RoleBinding to system:anonymous: denied in enforce"
contains "$(jv 'r["status"]["message"]')" "anonymousUserRBACBinding" "... the message names anonymousUserRBACBinding"
admit /validate clusterrolebinding-unauthenticated --uid crb-unauth
is "$(resp_summary)" "200 allowed=false warnings=0 status=403" "ClusterRoleBinding to system:unauthenticated: denied in enforce"
admit /validate clusterrolebinding-unauthenticated --set 'subjects.0.name="system:anonymous"' \
	--set 'subjects.0.kind="User"' --uid crb-anon
is "$(jv 'r["allowed"]')" false "ClusterRoleBinding to system:anonymous: denied"
admit /validate rolebinding-ok --uid rb-ok
is "$(untouched)" '[["allowed", true], ["uid", "rb-ok"]]' "RoleBinding to an ordinary user: allowed"

# --- every workload kind ------------------------------------------------------------------

for kind in Pod Deployment ReplicaSet StatefulSet DaemonSet Job CronJob ReplicationController; do
	wrap=(--wrap "$kind")
	[ "$kind" = Pod ] && wrap=()
	admit /validate "${ROOT[@]}" "${wrap[@]}" --uid "kind-$kind"
	is "$(resp_summary)" "200 allowed=false warnings=0 status=403" "$kind running as root: inspected and denied"
	contains "$(jv 'r["status"]["message"]')" "denied $kind web: " "$kind: the denial names kind and name"
	admit /validate pod-clean "${wrap[@]}" --uid "kind-$kind-clean"
	is "$(untouched)" "[[\"allowed\", true], [\"uid\", \"kind-$kind-clean\"]]" "$kind, clean: allowed"
done
admit /validate/warn pod-bad --wrap CronJob --uid kind-cronjob-probes
lacks "$(jv 'r["warnings"]')" "ProbeMissing" "CronJob: probe items are skipped"
admit /validate/warn pod-bad --wrap Deployment --uid kind-deployment-probes
contains "$(jv 'r["warnings"]')" "readinessProbeMissing" "Deployment: probe items apply"

# --- kinds that are not inspected ---------------------------------------------------------

admit /validate configmap --uid cm
is "$(untouched)" '[["allowed", true], ["uid", "cm"]]' "ConfigMap: allowed silently"
admit /validate/enforce pod-bad --kind Widget --set 'kind="Widget"' --uid crd
is "$(untouched)" '[["allowed", true], ["uid", "crd"]]' "an unknown kind with a pod-like spec: allowed silently"
admit /validate/enforce configmap --op UPDATE --old-base --change-set 'data.x="y"' --uid cm-update
is "$(untouched)" '[["allowed", true], ["uid", "cm-update"]]' "ConfigMap UPDATE: allowed silently"

# --- what the object leaves to the request -------------------------------------------------

# operations.yaml whitelists runAsRootAllowed in namespace team-a only.
admit /validate "${ROOT[@]}" --del metadata.namespace --ns team-a --uid ns-from-request
is "$(resp_summary)" "200 allowed=true warnings=0 status=-" \
	"an object without metadata.namespace takes request.namespace (team-a whitelist applies)"
admit /validate "${ROOT[@]}" --del metadata.namespace --ns team-b --uid ns-from-request-b
is "$(resp_summary)" "200 allowed=false warnings=0 status=403" "... and in another namespace it is denied"
admit /validate "${ROOT[@]}" --del metadata.namespace --ns team-a --wrap Deployment --uid ns-from-request-dep
is "$(jv 'r["allowed"]')" true "... also for a Deployment"
admit /validate "${ROOT[@]}" --del kind --uid kind-from-request
is "$(resp_summary)" "200 allowed=false warnings=0 status=403" "an object without kind takes request.kind"
admit /validate "${ROOT[@]}" --del metadata.name --set 'metadata.generateName="web-"' --name "" --uid generated
is "$(jv 'r["allowed"]')" false "a pod with only generateName is inspected"

py_tap "$SERVER_OUT" <<'PY'
recs = {}
for l in open(sys.argv[1], encoding="utf-8"):
    try:
        x = json.loads(l)
    except ValueError:
        continue
    recs[x.get("uid")] = x
e = recs.get("ns-from-request", {})
eq([e.get("namespace"), e.get("allowed")], ["team-a", True], "log: the request's namespace is logged")
d = recs.get("del", {})
eq([d.get("operation"), d.get("allowed"), d.get("failed")], ["DELETE", True, []], "log: DELETE logged as allowed, nothing failed")
dr = recs.get("same-uid-warn", {})
ok("dryRun" not in dr or isinstance(dr["dryRun"], bool), "log: dryRun is a boolean when present")
PY

ok "server still running" server_alive
tap_finish
