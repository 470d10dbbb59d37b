# SPDX-License-Identifier: Apache-2.0
# shellcheck disable=SC2317  # some functions only run through wait_until and ok
# Exemptions by identity over real HTTPS: whitelist entries naming users,
# groups and service accounts match request.userInfo in admission only; the
# exempted request is admitted with a warning, an audit annotation and a
# decision log field; other requesters are denied; the audit CLI and
# `review` give the same verdicts.

. "$(dirname "$0")/lib.sh"
tap_setup "$@"

make_certs "$SCRATCH/certs" || { echo "Bail out! certs failed: $(cat "$SCRATCH/.certs.err")"; exit 1; }
CA="$SCRATCH/certs/ca.crt"
POLICY="$DATA/policies/identity.yaml"
start_server identity --tls-cert "$SCRATCH/certs/tls.crt" --tls-key "$SCRATCH/certs/tls.key" \
	--config "$POLICY" || { echo "Bail out! serve did not start"; exit 1; }
LOG=$SERVER_OUT

# ROOT: only runAsRootAllowed fails (danger), in containers app and db.
ROOT=(pod-clean --del spec.securityContext)
ARGO=system:serviceaccount:argocd:argocd-server

# --- users ----------------------------------------------------------------------

admit /validate pod-bad --uid admin-bad
is "$(resp_summary)" "200 allowed=false warnings=7 status=403" "an ordinary user is denied in enforce"
is "$(jv 'r.get("auditAnnotations", {}).get("exempted-by", "none")')" "none" "... with no exempted-by annotation"

admit /validate pod-bad --uid glass-bad --user break-glass-alice
is "$(resp_summary)" "200 allowed=true warnings=1 status=-" \
	"a break-glass user (users glob) is admitted in enforce, with one warning"
like "$(jv 'r["warnings"][0]')" '^security-inspector: checks exempted for user break-glass-alice \(whitelist entry at line 5\): .*runAsRootAllowed' \
	"... the warning names the identity, the entry and the items"
like "$(jv 'r["auditAnnotations"]["exempted-by"]')" '^user break-glass-alice \(whitelist entry at line 5\): [a-zA-Z,]*privilegeEscalationAllowed' \
	"... and so does the exempted-by audit annotation"
is "$(jv 'sorted(r["auditAnnotations"])')" '["exempted-by", "whitelisted-checks"]' \
	"... next to whitelisted-checks, and nothing failed"

admit /validate pod-bad --uid glass-bad-dry --user break-glass-alice --dry-run
is "$(resp_summary)" "200 allowed=true warnings=1 status=-" "a dry run gets the same answer"

admit /validate pod-bad --uid not-glass --user glass-alice
is "$(resp_summary)" "200 allowed=false warnings=7 status=403" "a user the glob does not match is denied"

# The group of an object-side annotation or label never counts: only userInfo.
admit /validate pod-bad --uid label-glass --merge '{"metadata":{"labels":{"user":"break-glass-alice"},"annotations":{"groups":"platform-admins"}}}'
is "$(resp_summary)" "200 allowed=false warnings=7 status=403" \
	"identities written into the object's labels or annotations exempt nothing"

# --- groups ---------------------------------------------------------------------

admit /validate pod-bad --uid group-bad --user carol --groups system:authenticated,platform-admins
is "$(resp_summary)" "200 allowed=true warnings=1 status=-" "a member of a whitelisted group is admitted"
like "$(jv 'r["auditAnnotations"]["exempted-by"]')" '^group platform-admins \(whitelist entry at line 11\)' \
	"... the annotation names the group"

admit /validate pod-bad --uid nogroup-bad --user carol --groups system:authenticated
is "$(resp_summary)" "200 allowed=false warnings=7 status=403" "the same user without the group is denied"

# --- service accounts --------------------------------------------------------------

admit /validate "${ROOT[@]}" --ns apps-web --uid argo-root --user "$ARGO"
is "$(resp_summary)" "200 allowed=true warnings=1 status=-" \
	"the GitOps service account (namespace/name glob) is admitted for its item in its namespaces"
is "$(jv 'r["auditAnnotations"]["exempted-by"]')" \
	"serviceAccount argocd/argocd-server (whitelist entry at line 7): runAsRootAllowed" \
	"... the annotation names the service account and the item"

admit /validate pod-bad --ns apps-web --uid argo-bad --user "$ARGO"
is "$(resp_summary)" "200 allowed=false warnings=8 status=403" \
	"... but its entry's checks bound the exemption: other danger items are denied"
contains "$(jv 'r["status"]["message"]')" "privilegeEscalationAllowed" "... naming them"
lacks "$(jv 'r["status"]["message"]')" "runAsRootAllowed" "... and not the exempted one"

admit /validate "${ROOT[@]}" --ns default --uid argo-default --user "$ARGO"
is "$(resp_summary)" "200 allowed=false warnings=0 status=403" "... outside the entry's namespaces it is denied"

admit /validate "${ROOT[@]}" --ns apps-web --uid argo-other --user system:serviceaccount:argocd:repo-server
is "$(resp_summary)" "200 allowed=false warnings=0 status=403" "another service account of the namespace is denied"

admit /validate "${ROOT[@]}" --ns apps-web --uid argo-kube --user system:serviceaccount:kube-system:argocd-server
is "$(resp_summary)" "200 allowed=false warnings=0 status=403" "the same name in another namespace is denied"

# --- modes --------------------------------------------------------------------------

admit /validate/warn pod-bad --uid glass-warn --user break-glass-alice
is "$(resp_summary)" "200 allowed=true warnings=1 status=-" \
	"warn mode: the exempted requester gets the one exemption warning and no item warnings"
like "$(jv 'r["warnings"][0]')" '^security-inspector: checks exempted for user break-glass-alice' \
	"... the exemption warning"

admit /validate/audit pod-bad --uid glass-audit --user break-glass-alice
is "$(resp_summary)" "200 allowed=true warnings=0 status=-" "audit mode: no warning (audit speaks to no one)"
like "$(jv 'r["auditAnnotations"]["exempted-by"]')" '^user break-glass-alice' "... but the annotation is written"

admit /validate/warn pod-bad --uid admin-warn
is "$(jv 'r.get("auditAnnotations", {}).get("exempted-by", "none")')" "none" \
	"warn mode, ordinary user: no exemption"

# --- no requester: the audit CLI ---------------------------------------------------------

python3 "$DATA/review.py" pod-bad --emit-object >"$SCRATCH/pod-bad.json"
"$SI" audit --config "$POLICY" --format json "$SCRATCH/pod-bad.json" >"$SCRATCH/audit.json" 2>"$SCRATCH/audit.err"
is "$?" 1 "audit CLI: identity entries never match a file (exit 1: danger failures)"
is "$(jv 'doc["summary"]["whitelisted"]' "$SCRATCH/audit.json")" 0 "... nothing is whitelisted in its report"

# --- review: reads userInfo from the AdmissionReview file ---------------------------------

review "$SCRATCH/glass.json" pod-bad --user break-glass-alice
"$SI" review --config "$POLICY" "$SCRATCH/glass.json" >"$SCRATCH/glass-answer.json" 2>&1
is "$?" 0 "review: the break-glass request is allowed (exit 0)"
like "$(jv 'r["auditAnnotations"]["exempted-by"]' "$SCRATCH/glass-answer.json")" '^user break-glass-alice' \
	"... with the annotation, as the webhook answers"
review "$SCRATCH/admin.json" pod-bad
"$SI" review --config "$POLICY" "$SCRATCH/admin.json" >/dev/null 2>&1
is "$?" 1 "review: the same request from another user is denied (exit 1)"

# --- decision log -------------------------------------------------------------------------

py_tap "$LOG" <<'PY'
recs = {}
for l in open(sys.argv[1], encoding="utf-8").read().splitlines():
    x = json.loads(l)
    recs[x.get("uid")] = x
g = recs.get("glass-bad", {})
eq(g.get("exemptedBy", {}).get("identity"), "user break-glass-alice", "log: exemptedBy names the identity")
ok("runAsRootAllowed" in g.get("exemptedBy", {}).get("checks", []), "log: ... and the items it exempted", g)
eq(g.get("failed"), [], "log: nothing failed for the exempted request")
a = recs.get("argo-bad", {})
eq(a.get("exemptedBy", {}).get("checks"), ["runAsRootAllowed"], "log: a bounded exemption lists its item only")
ok("exemptedBy" not in recs.get("admin-bad", {}), "log: no exemptedBy when none applied")
PY

ok "the server is still running" server_alive "$SERVER_PID"
tap_finish
