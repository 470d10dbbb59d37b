# SPDX-License-Identifier: Apache-2.0
# shellcheck disable=SC2317  # some functions only run through wait_until and ok
# Webhook modes and policy features over real HTTPS: enforce, warn, audit and
# off; mode resolution (namespace rule > path > default); the embedded
# policy; whitelist with owner coverage; annotation exemptions; per-namespace
# severities; the decision log on stdout.

. "$(dirname "$0")/lib.sh"
tap_setup "$@"

make_certs "$SCRATCH/certs" || { echo "Bail out! certs failed: $(cat "$SCRATCH/.certs.err")"; exit 1; }
CA="$SCRATCH/certs/ca.crt"
TLS=(--tls-cert "$SCRATCH/certs/tls.crt" --tls-key "$SCRATCH/certs/tls.key")

start_server embedded "${TLS[@]}" || { echo "Bail out! serve (embedded policy) did not start"; exit 1; }
P_EMBEDDED=$PORT LOG_EMBEDDED=$SERVER_OUT
start_server modes "${TLS[@]}" --config "$DATA/policies/modes.yaml" ||
	{ echo "Bail out! serve (modes.yaml) did not start"; exit 1; }
P_MODES=$PORT
start_server features "${TLS[@]}" --config "$DATA/policies/features.yaml" ||
	{ echo "Bail out! serve (features.yaml) did not start"; exit 1; }
P_FEATURES=$PORT

# Objects used throughout (arguments of data/review.py):
#  ROOT: only runAsRootAllowed fails (danger), in containers app and db;
#  APP_ROOT: only runAsRootAllowed fails, in container app;
#  NO_CPU_LIMIT: only cpuLimitsMissing fails (warning), in container app.
ROOT=(pod-clean --del spec.securityContext)
APP_ROOT=(pod-clean --del spec.securityContext --set 'spec.containers.1.securityContext.runAsNonRoot=true')
NO_CPU_LIMIT=(pod-clean --del spec.containers.0.resources.limits.cpu)

# --- the four modes (embedded policy, mode named in the path) ------------------

PORT=$P_EMBEDDED
UID_ENFORCE="705ab4f5-6393-11e8-b7cc-42010a800002"
admit /validate/enforce pod-bad --uid "$UID_ENFORCE"
is "$CODE" 200 "enforce, failing pod: HTTP 200"
like "$(grep -i '^content-type:' "$HEADERS")" 'application/json' "enforce: the answer is application/json"
cp "$RESP" "$SCRATCH/enforce-bad.json"
py_tap "$SCRATCH/enforce-bad.json" "$UID_ENFORCE" <<'PY'
doc = load(sys.argv[1]) or {}
r = doc.get("response", {})
eq(sorted(doc), ["apiVersion", "kind", "response"], "enforce: body has apiVersion, kind and response")
eq(doc.get("apiVersion"), "admission.k8s.io/v1", "enforce: apiVersion echoed (v1)")
eq(doc.get("kind"), "AdmissionReview", "enforce: kind AdmissionReview")
eq(r.get("uid"), sys.argv[2], "enforce: uid echoed")
eq(r.get("allowed"), False, "enforce: a danger failure is denied")
st = r.get("status", {})
eq((st.get("code"), st.get("reason")), (403, "Forbidden"), "enforce: status 403 Forbidden")
msg = st.get("message", "")
for part in ["runAsRootAllowed (app, db): set securityContext.runAsNonRoot: true",
             "privilegeEscalationAllowed (app, db): set securityContext.allowPrivilegeEscalation: false",
             "tagNotSpecified (app): pin a version tag"]:
    ok(part in msg, "enforce: the message lists %s with its containers and fix" % part.split(":")[0],
       "message: " + msg)
ok("\n" not in msg, "enforce: the message is one line")
for w in ["notReadOnlyRootFileSystem", "cpuRequestsMissing", "readinessProbeMissing"]:
    ok(w not in msg, "enforce: warning item %s is not in the denial message" % w, msg)
warnings = r.get("warnings", [])
eq(sorted(w.split(" ")[1] for w in warnings),
   sorted(["notReadOnlyRootFileSystem", "cpuRequestsMissing", "cpuLimitsMissing",
           "memoryRequestsMissing", "memoryLimitsMissing", "readinessProbeMissing",
           "livenessProbeMissing"]),
   "enforce: each warning-severity failure comes back as one warning")
ok(all(w.startswith("[warning] ") for w in warnings),
   "enforce: the warnings are the warning-severity items only", warnings)
ok("[warning] cpuRequestsMissing (app, db): set resources.requests.cpu" in warnings,
   "enforce: a warning names the containers and the fix", warnings)
PY

admit /validate/enforce pod-clean --uid enforce-clean
is "$(jv 'sorted(r.items())')" '[["allowed", true], ["uid", "enforce-clean"]]' \
	"enforce: a clean pod is allowed with no warnings, status or annotations"

admit /validate/enforce "${NO_CPU_LIMIT[@]}" --uid enforce-warning-only
is "$(resp_summary)" "200 allowed=true warnings=1 status=-" "enforce: warning-severity failures only: allowed"
is "$(jv 'r["warnings"][0]')" "[warning] cpuLimitsMissing (app): set resources.limits.cpu" \
	"enforce: ... and the warning names item, container and fix"

admit /validate/warn pod-bad --uid warn-bad
is "$(resp_summary)" "200 allowed=true warnings=10 status=-" "warn: failing pod allowed, one warning per failed item (10)"
py_tap "$RESP" <<'PY'
r = (load(sys.argv[1]) or {}).get("response", {})
w = r.get("warnings", [])
ok("[danger] runAsRootAllowed (app, db): set securityContext.runAsNonRoot: true (pod or container)"
   " and a non-zero runAsUser" in w, "warn: '[danger] runAsRootAllowed (app, db): set ...'", w)
ok("[danger] tagNotSpecified (app): pin a version tag other than latest, or a @sha256: digest" in w,
   "warn: danger items come back as warnings too", w)
ok("[warning] livenessProbeMissing (app, db): add a livenessProbe" in w,
   "warn: warning items are marked [warning]", w)
eq(len(set(x.split(" ")[1] for x in w)), len(w), "warn: no item is repeated")
ok("status" not in r, "warn: no status")
PY

admit /validate/warn "${ROOT[@]}" --uid warn-root
is "$(jv 'r["warnings"]')" '["[danger] runAsRootAllowed (app, db): set securityContext.runAsNonRoot: true (pod or container) and a non-zero runAsUser"]' \
	"warn: a pod running as root gets exactly one warning, naming app and db"

admit /validate/audit pod-bad --uid audit-bad
is "$(resp_summary)" "200 allowed=true warnings=0 status=-" "audit: failing pod allowed, no warnings, no status"
is "$(jv '",".join(sorted(r["auditAnnotations"]["failed-checks"].split(",")))')" \
	"cpuLimitsMissing,cpuRequestsMissing,livenessProbeMissing,memoryLimitsMissing,memoryRequestsMissing,notReadOnlyRootFileSystem,privilegeEscalationAllowed,readinessProbeMissing,runAsRootAllowed,tagNotSpecified" \
	"audit: auditAnnotations failed-checks lists every failed item"
is "$(jv 'sorted(r["auditAnnotations"])')" '["failed-checks"]' "audit: failed-checks is the only annotation"

admit /validate/audit "${ROOT[@]}" --uid audit-root
is "$(jv 'r["auditAnnotations"]["failed-checks"]')" "runAsRootAllowed" "audit: failed-checks holds the item IDs"

admit /validate/off pod-bad --uid off-bad
is "$(jv 'sorted(r.items())')" '[["allowed", true], ["uid", "off-bad"]]' "off: failing pod allowed with nothing else"

admit /validate/audit pod-clean --uid audit-clean
is "$(jv 'sorted(r.items())')" '[["allowed", true], ["uid", "audit-clean"]]' "audit: a clean pod gets no annotations"

admit /validate/warn pod-clean --uid warn-clean
is "$(jv 'sorted(r.items())')" '[["allowed", true], ["uid", "warn-clean"]]' "warn: a clean pod gets no warnings"

# --- the embedded default policy ---------------------------------------------------

admit /validate "${ROOT[@]}" --uid default-mode
is "$(resp_summary)" "200 allowed=true warnings=1 status=-" "embedded policy: default mode is warn"

admit /validate/enforce pod-bad --ns kube-system --uid kube-system
is "$(jv 'sorted(r.items())')" '[["allowed", true], ["uid", "kube-system"]]' \
	"embedded policy: kube-system is off, even under /validate/enforce"
admit /validate/enforce pod-bad --ns kube-node-lease --uid kube-node-lease
is "$(jv 'sorted(r.items())')" '[["allowed", true], ["uid", "kube-node-lease"]]' \
	"embedded policy: kube-node-lease is off"

admit /validate/enforce clusterrolebinding-unauthenticated --uid public-info \
	--set 'metadata.name="system:public-info-viewer"'
is "$(resp_summary)" "200 allowed=true warnings=0 status=-" \
	"embedded policy: system:public-info-viewer binding is whitelisted in enforce"
admit /validate/enforce clusterrolebinding-unauthenticated --uid other-crb
is "$(resp_summary)" "200 allowed=false warnings=0 status=403" \
	"embedded policy: another ClusterRoleBinding to system:unauthenticated is denied"

# --- mode resolution (modes.yaml: default audit) ---------------------------------

PORT=$P_MODES
admit /validate "${ROOT[@]}" --ns other --uid m-default
is "$(resp_summary)" "200 allowed=true warnings=0 status=-" "resolution: no rule, no path mode: the policy's mode (audit)"
is "$(jv 'r["auditAnnotations"]["failed-checks"]')" "runAsRootAllowed" "resolution: ... with audit annotations"

admit /validate/enforce "${ROOT[@]}" --ns other --uid m-path
is "$(resp_summary)" "200 allowed=false warnings=0 status=403" "resolution: the path mode wins over the policy's mode"

admit /validate/warn "${ROOT[@]}" --ns other --uid m-path-warn
is "$(resp_summary)" "200 allowed=true warnings=1 status=-" "resolution: /validate/warn gives warn"

admit /validate/warn "${ROOT[@]}" --ns locked --uid m-rule
is "$(resp_summary)" "200 allowed=false warnings=0 status=403" "resolution: a namespace rule (enforce) wins over the path (warn)"

admit /validate/enforce "${ROOT[@]}" --ns quiet-1 --uid m-rule-off
is "$(jv 'sorted(r.items())')" '[["allowed", true], ["uid", "m-rule-off"]]' \
	"resolution: a glob rule with mode off wins over /validate/enforce"

admit /validate/audit "${ROOT[@]}" --ns relaxed --uid m-rule-warn
is "$(resp_summary)" "200 allowed=true warnings=1 status=-" "resolution: a rule with mode warn wins over /validate/audit"

admit '/validate?timeout=10s' "${ROOT[@]}" --ns other --uid m-query
is "$(resp_summary)" "200 allowed=true warnings=0 status=-" "resolution: /validate?timeout=10s is /validate (audit)"

admit '/validate/enforce?timeout=10s' "${ROOT[@]}" --ns other --uid m-query-enforce
is "$(resp_summary)" "200 allowed=false warnings=0 status=403" "resolution: /validate/enforce?timeout=10s is enforce"

admit /validate/enforce "${NO_CPU_LIMIT[@]}" --ns tuned --uid m-rule-nomode
is "$(resp_summary)" "200 allowed=false warnings=0 status=403" \
	"resolution: a rule without a mode keeps the path mode (and its severity override applies)"
admit /validate "${NO_CPU_LIMIT[@]}" --ns tuned --uid m-rule-nomode-default
is "$(resp_summary)" "200 allowed=true warnings=0 status=-" "resolution: ... and without a path mode the policy's mode"

admit /validate/bogus "${ROOT[@]}" --ns other --uid m-bogus
is "$CODE" 404 "resolution: an unknown mode in the path is 404"
like "$(jv 'doc["error"]')" 'mode' "resolution: ... with a JSON error naming the mode"

# --- whitelist (features.yaml: enforce) --------------------------------------------

PORT=$P_FEATURES
HOSTNET=(pod-clean --set 'spec.hostNetwork=true' --set 'spec.hostPID=true'
	--set 'metadata.name="node-exporter"' --set 'metadata.namespace="monitoring"')
admit /validate "${HOSTNET[@]}" --wrap DaemonSet --uid wl-ds
is "$(jv 'sorted(r.items())')" '[["allowed", true], ["auditAnnotations", {"whitelisted-checks": "hostNetworkSet,hostPIDSet"}], ["uid", "wl-ds"]]' \
	"whitelist: DaemonSet monitoring/node-exporter with hostNetwork+hostPID allowed, no warning; the exceptions in the audit annotations"
admit /validate "${HOSTNET[@]}" --wrap DaemonSet --ns default --set 'metadata.namespace="default"' --uid wl-ds-ns
is "$(resp_summary)" "200 allowed=false warnings=0 status=403" "whitelist: the same DaemonSet in another namespace is denied"
contains "$(jv 'r["status"]["message"]')" "hostNetworkSet" "whitelist: ... naming hostNetworkSet"
admit /validate "${HOSTNET[@]}" --set 'metadata.name="other-exporter"' --wrap DaemonSet --uid wl-ds-name
is "$(resp_summary)" "200 allowed=false warnings=0 status=403" "whitelist: another DaemonSet name is denied"
admit /validate "${HOSTNET[@]}" --wrap Deployment --uid wl-ds-kind
is "$(resp_summary)" "200 allowed=false warnings=0 status=403" "whitelist: a Deployment of that name is denied (kind)"
admit /validate "${HOSTNET[@]}" --set 'spec.containers.0.securityContext.privileged=true' --wrap DaemonSet --uid wl-ds-more
is "$(resp_summary)" "200 allowed=false warnings=0 status=403" "whitelist: a failure not in the entry's checks still denies"
is "$(jv '[i for i in ("hostNetworkSet", "hostPIDSet", "runAsPrivileged") if i in r["status"]["message"]]')" \
	'["runAsPrivileged"]' "whitelist: ... and only that item is reported"

admit /validate "${APP_ROOT[@]}" --wrap Deployment --uid wl-dep-app
is "$(resp_summary)" "200 allowed=true warnings=0 status=-" "whitelist: Deployment web, container app whitelisted for runAsRootAllowed"
admit /validate "${ROOT[@]}" --wrap Deployment --uid wl-dep-both
is "$(resp_summary)" "200 allowed=false warnings=0 status=403" "whitelist: container db is not covered: denied"
contains "$(jv 'r["status"]["message"]')" "runAsRootAllowed (db)" "whitelist: ... the message names db only"
is "$(jv 'r["auditAnnotations"]["failed-checks"]')" "runAsRootAllowed" "whitelist: ... failed-checks still lists the item for db"

# Owner coverage: Deployment web -> ReplicaSet web-5d4f8c7b9 -> Pod, when
# the controller that owns such objects sends them (userInfo is the API
# server's word); the same ownerReferences from anyone else cover nothing.
RS_OWNER='{"metadata":{"name":"web-5d4f8c7b9-x7k2p","ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-5d4f8c7b9","uid":"1","controller":true}]}}'
admit /validate "${APP_ROOT[@]}" --merge "$RS_OWNER" --user replicaset-controller \
	--merge '{"metadata":{"labels":{"pod-template-hash":"5d4f8c7b9"}}}' --uid wl-owned-pod
is "$(resp_summary)" "200 allowed=true warnings=0 status=-" \
	"owners: a Pod of ReplicaSet web-5d4f8c7b9 (pod-template-hash 5d4f8c7b9) from the replicaset-controller is covered by the Deployment entry"
is "$(jv 'r["auditAnnotations"]["whitelisted-checks"]')" "runAsRootAllowed" \
	"owners: ... and the exception is visible in the audit annotations"
admit /validate "${APP_ROOT[@]}" --merge "$RS_OWNER" \
	--merge '{"metadata":{"labels":{"pod-template-hash":"5d4f8c7b9"}}}' --uid wl-forged-pod
is "$(resp_summary)" "200 allowed=false warnings=0 status=403" \
	"owners: the same Pod sent by a user (ownerReferences written by the requester) is not covered: denied"
admit /validate "${APP_ROOT[@]}" --merge "$RS_OWNER" --user job-controller \
	--merge '{"metadata":{"labels":{"pod-template-hash":"5d4f8c7b9"}}}' --uid wl-wrong-controller
is "$(resp_summary)" "200 allowed=false warnings=0 status=403" \
	"owners: the same Pod from a controller that does not own ReplicaSets' Pods is not covered"
admit /validate "${APP_ROOT[@]}" --merge "$RS_OWNER" --user system:kube-controller-manager \
	--merge '{"metadata":{"labels":{"pod-template-hash":"5d4f8c7b9"}}}' --uid wl-kcm-pod
is "$(resp_summary)" "200 allowed=true warnings=0 status=-" \
	"owners: ... from kube-controller-manager's own user (no per-controller accounts) it is covered"
admit /validate "${APP_ROOT[@]}" --merge "$RS_OWNER" --user replicaset-controller --uid wl-owned-pod-nohash
is "$(resp_summary)" "200 allowed=false warnings=0 status=403" \
	"owners: without the pod-template-hash label the Pod is not covered"
admit /validate "${APP_ROOT[@]}" --merge "$RS_OWNER" --user replicaset-controller \
	--merge '{"metadata":{"labels":{"pod-template-hash":"6c8b9d7f5"}}}' --uid wl-owned-pod-otherhash
is "$(resp_summary)" "200 allowed=false warnings=0 status=403" \
	"owners: a pod-template-hash that is not the ReplicaSet's suffix does not cover"
admit /validate "${APP_ROOT[@]}" --set 'metadata.name="web-5d4f8c7b9"' --wrap ReplicaSet \
	--wrap-merge '{"metadata":{"ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"web","uid":"2","controller":true}]}}' \
	--user deployment-controller --uid wl-owned-rs
is "$(resp_summary)" "200 allowed=true warnings=0 status=-" "owners: ReplicaSet owned by Deployment web is covered"
admit /validate "${APP_ROOT[@]}" --uid wl-bare-pod
is "$(resp_summary)" "200 allowed=false warnings=0 status=403" "owners: a bare Pod named web is not covered by a Deployment entry"

# CronJob backup -> Job backup-28437120 -> Pod.
admit /validate "${ROOT[@]}" --set 'metadata.name="backup"' --wrap CronJob --uid wl-cronjob
is "$(resp_summary)" "200 allowed=true warnings=0 status=-" "owners: CronJob backup whitelisted"
admit /validate "${ROOT[@]}" --set 'metadata.name="backup-28437120"' --wrap Job \
	--wrap-merge '{"metadata":{"ownerReferences":[{"apiVersion":"batch/v1","kind":"CronJob","name":"backup","uid":"3","controller":true}]}}' \
	--user cronjob-controller --uid wl-cron-job
is "$(resp_summary)" "200 allowed=true warnings=0 status=-" "owners: a Job owned by CronJob backup is covered"
admit /validate "${ROOT[@]}" --merge '{"metadata":{"name":"backup-28437120-q2x9z","ownerReferences":[{"apiVersion":"batch/v1","kind":"Job","name":"backup-28437120","uid":"4","controller":true}]}}' \
	--user job-controller --uid wl-cron-pod
is "$(resp_summary)" "200 allowed=true warnings=0 status=-" "owners: a Pod of Job backup-28437120 is covered by the CronJob entry"
admit /validate "${ROOT[@]}" --set 'metadata.name="nightly-28437120"' --wrap Job \
	--wrap-merge '{"metadata":{"ownerReferences":[{"apiVersion":"batch/v1","kind":"CronJob","name":"nightly","uid":"5","controller":true}]}}' \
	--user cronjob-controller --uid wl-other-cron-job
is "$(resp_summary)" "200 allowed=false warnings=0 status=403" "owners: a Job of another CronJob is denied"

# --- annotation exemptions -------------------------------------------------------

EXEMPT='{"metadata":{"name":"exempt-me","annotations":{"security-inspector.io/exempt":"runAsRootAllowed"}}}'
admit /validate "${ROOT[@]}" --merge "$EXEMPT" --uid ex-pod
is "$(resp_summary)" "200 allowed=true warnings=0 status=-" "exemptions: allowed with allowAnnotationExemptions: true"
admit /validate "${ROOT[@]}" --merge '{"metadata":{"name":"exempt-me","annotations":{"security-inspector.io/exempt":"tagNotSpecified, runAsRootAllowed"}}}' --uid ex-list
is "$(resp_summary)" "200 allowed=true warnings=0 status=-" "exemptions: a list of IDs with spaces"
admit /validate "${ROOT[@]}" --merge '{"metadata":{"name":"exempt-me","annotations":{"security-inspector.io/exempt":"hostNetworkSet"}}}' --uid ex-other
is "$(resp_summary)" "200 allowed=false warnings=0 status=403" "exemptions: exempting another item does not help"
admit /validate "${ROOT[@]}" --merge "$EXEMPT" --wrap StatefulSet --uid ex-template
is "$(resp_summary)" "200 allowed=true warnings=0 status=-" "exemptions: the pod template's annotation counts"
PORT=$P_EMBEDDED
admit /validate/enforce "${ROOT[@]}" --merge "$EXEMPT" --uid ex-not-allowed
is "$(resp_summary)" "200 allowed=false warnings=0 status=403" \
	"exemptions: ignored when the policy does not allow them (embedded policy, enforce)"
PORT=$P_FEATURES

# --- per-namespace severities ------------------------------------------------------

admit /validate "${NO_CPU_LIMIT[@]}" --ns prod-eu --uid sev-prod
is "$(resp_summary)" "200 allowed=false warnings=0 status=403" "severity: cpuLimitsMissing is danger in prod-*: denied"
contains "$(jv 'r["status"]["message"]')" "cpuLimitsMissing (app): set resources.limits.cpu" "severity: ... the message names it"
admit /validate "${NO_CPU_LIMIT[@]}" --ns dev --uid sev-dev
is "$(resp_summary)" "200 allowed=true warnings=1 status=-" "severity: the same pod elsewhere is allowed with a warning"
admit /validate "${ROOT[@]}" --ns lax --uid sev-lax
is "$(resp_summary)" "200 allowed=true warnings=1 status=-" "severity: runAsRootAllowed lowered to warning in lax: allowed"
like "$(jv 'r["warnings"][0]')" '^\[warning\] runAsRootAllowed \(app, db\): ' "severity: ... and warned as [warning]"
admit /validate "${ROOT[@]}" --ns dev --uid sev-root-dev
is "$(resp_summary)" "200 allowed=false warnings=0 status=403" "severity: runAsRootAllowed stays danger elsewhere"
admit /validate pod-clean --del spec.containers.0.livenessProbe --ns dev --uid sev-ignore
is "$(jv 'sorted(r.items())')" '[["allowed", true], ["uid", "sev-ignore"]]' "severity: an ignored item is neither warned nor annotated"

# --- what the modes record in /metrics ---------------------------------------------------

is "$(metric 'security_inspector_check_failures_total{check="hostNetworkSet",category="host-isolation"}')" 3 \
	"metrics: whitelisted failures are not counted (hostNetworkSet failed in 3 of 5 DaemonSet reviews)"
PORT=$P_EMBEDDED
TAG='security_inspector_check_failures_total{check="tagNotSpecified",category="image-and-reliability"}'
before=$(metric "$TAG")
admit /validate/off pod-bad --uid metrics-off
is "$(metric "$TAG")" "$before" "metrics: off records no failure"
is "$(metric 'security_inspector_admission_inspected_total{mode="off"}')" 0 "metrics: off inspects nothing"
admit /validate/audit pod-bad --uid metrics-audit
is "$(metric "$TAG")" "$((before + 1))" "metrics: audit records the failures"
ok "metrics: requests counted by mode, decision and kind" \
	test "$(metric 'security_inspector_admission_requests_total{mode="enforce",decision="denied",kind="Pod"}')" -ge 1

# --- decision log ---------------------------------------------------------------------

py_tap "$LOG_EMBEDDED" "$UID_ENFORCE" <<'PY'
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
recs = []
bad = []
for l in lines:
    try:
        recs.append(json.loads(l))
    except ValueError:
        bad.append(l)
eq(bad, [], "log: every stdout line is one JSON object")
ok(len(recs) >= 16, "log: one line per decision (%d lines)" % len(recs))
by = {}
for x in recs:
    by.setdefault(x.get("uid"), []).append(x)
eq(sorted(u for u, v in by.items() if len(v) != 1), [], "log: exactly one line per request uid")
keys = ["time", "uid", "namespace", "kind", "name", "operation", "mode", "allowed", "failed", "latencyMs"]
missing = [(x.get("uid"), k) for x in recs for k in keys if k not in x]
eq(missing, [], "log: every line has time, uid, namespace, kind, name, operation, mode, allowed, failed, latencyMs")
e = (by.get(sys.argv[2]) or [{}])[0]
eq([e.get(k) for k in ["namespace", "kind", "name", "operation", "mode", "allowed"]],
   ["default", "Pod", "bad", "CREATE", "enforce", False], "log: the enforce denial's fields")
eq(sorted(e.get("failed", [])),
   sorted(["runAsRootAllowed", "privilegeEscalationAllowed", "notReadOnlyRootFileSystem",
           "cpuRequestsMissing", "cpuLimitsMissing", "memoryRequestsMissing", "memoryLimitsMissing",
           "readinessProbeMissing", "livenessProbeMissing", "tagNotSpecified"]),
   "log: failed holds the failed item IDs")
ok(isinstance(e.get("latencyMs"), (int, float)) and 0 <= e.get("latencyMs") < 10000,
   "log: latencyMs is a number of milliseconds", e.get("latencyMs"))
ok(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", str(e.get("time"))),
   "log: time is an RFC 3339 UTC timestamp", e.get("time"))
w = (by.get("warn-root") or [{}])[0]
eq([w.get("mode"), w.get("allowed"), w.get("failed")], ["warn", True, ["runAsRootAllowed"]],
   "log: a warn decision")
o = (by.get("kube-system") or [{}])[0]
eq([o.get("mode"), o.get("allowed"), o.get("failed"), o.get("namespace")],
   ["off", True, [], "kube-system"], "log: an off decision records no failures")
c = (by.get("enforce-clean") or [{}])[0]
eq([c.get("mode"), c.get("allowed"), c.get("failed"), c.get("name")], ["enforce", True, [], "web"],
   "log: a clean decision")
PY

ok "all servers still running" server_alive "$SERVER_PID"
tap_finish
