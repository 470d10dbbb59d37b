# SPDX-License-Identifier: Apache-2.0
# shellcheck disable=SC2317  # some functions only run through wait_until and ok
# A Namespace write that turns enforce on, over real HTTPS with a stub API
# server (tests/stub_apiserver.py, STUB_NS_WORKLOADS): allowed, with warnings
# naming the namespace's workloads that enforce would deny and their danger
# items, within the warnings' bounds; one warning when the API server is
# down or too slow; nothing without API access or when enforce was already
# on.

. "$(dirname "$0")/lib.sh"
tap_setup "$@"

make_certs "$SCRATCH/certs" || { echo "Bail out! certs failed: $(cat "$SCRATCH/.certs.err")"; exit 1; }
CA="$SCRATCH/certs/ca.crt"
TLS=(--tls-cert "$SCRATCH/certs/tls.crt" --tls-key "$SCRATCH/certs/tls.key")
SCAN=(--inspect-interval 1h --no-events)

start_stub few STUB_NS_WORKLOADS=8
start_stub many STUB_NS_WORKLOADS=400
start_stub slow STUB_NS_WORKLOADS=8 STUB_SLOW_NS=6
kubeconfig "$SCRATCH/down.kubeconfig" "$(free_port)"

start_server few "${TLS[@]}" "${SCAN[@]}" --kubeconfig "$SCRATCH/few.kubeconfig" ||
	{ echo "Bail out! serve (few) did not start"; exit 1; }
P_FEW=$PORT LOG_FEW=$SERVER_OUT
start_server many "${TLS[@]}" "${SCAN[@]}" --kubeconfig "$SCRATCH/many.kubeconfig" ||
	{ echo "Bail out! serve (many) did not start"; exit 1; }
P_MANY=$PORT
start_server slow "${TLS[@]}" "${SCAN[@]}" --kubeconfig "$SCRATCH/slow.kubeconfig" ||
	{ echo "Bail out! serve (slow) did not start"; exit 1; }
P_SLOW=$PORT
start_server down "${TLS[@]}" "${SCAN[@]}" --kubeconfig "$SCRATCH/down.kubeconfig" ||
	{ echo "Bail out! serve (down) did not start"; exit 1; }
P_DOWN=$PORT
start_server no-api "${TLS[@]}" || { echo "Bail out! serve (no API access) did not start"; exit 1; }
P_NOAPI=$PORT

# Namespace NAME [LABEL-VALUE] : a Namespace object file; the mode label
# only when a value is given.
namespace() {
	local labels='{"kubernetes.io/metadata.name": "'$1'"}'
	[ -n "${2:-}" ] && labels='{"kubernetes.io/metadata.name": "'$1'", "security-inspector.io/mode": "'$2'"}'
	printf '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "%s", "labels": %s}}\n' \
		"$1" "$labels" >"$SCRATCH/ns-$1-${2:-none}.json"
	echo "$SCRATCH/ns-$1-${2:-none}.json"
}
# label NAME OLD NEW [REVIEW-ARGS...] : an UPDATE of Namespace NAME whose mode
# label goes from OLD to NEW ("" for none), posted to /validate.
label() {
	local name=$1 old=$2 new=$3
	shift 3
	admit /validate "$(namespace "$name" "$new")" --ns "" --op UPDATE \
		--old "$(namespace "$name" "$old")" "$@"
}

# --- the workloads enforce would deny ----------------------------------------------

PORT=$P_FEW
label legacy "" enforce --uid to-enforce
is "$(resp_summary)" "200 allowed=true warnings=8 status=-" \
	"turning enforce on: allowed, a heading and one warning per workload that enforce would deny"
cp "$RESP" "$SCRATCH/few.json"
py_tap "$SCRATCH/few.json" <<'PY'
w = load(sys.argv[1])["response"]["warnings"]
eq(w[0], "security-inspector: in mode enforce, 7 existing workloads of namespace legacy would be denied:",
   "the heading counts the workloads")
names = sorted(x.split(":")[0] for x in w[1:])
eq(names, ["Deployment legacy-000", "Deployment legacy-001", "Deployment legacy-002",
           "Deployment legacy-004", "Deployment legacy-005", "Deployment legacy-006", "Pod debug"],
   "the privileged Deployments and the bare Pod are named; hardened ones and controlled Pods are not")
d0 = [x for x in w if x.startswith("Deployment legacy-000:")][0]
eq(d0, "Deployment legacy-000: runAsRootAllowed (app), runAsPrivileged (app), privilegeEscalationAllowed (app)",
   "a line names the danger items that fail, with their containers")
pod = [x for x in w if x.startswith("Pod debug:")][0]
ok("tagNotSpecified (shell)" in pod, "the bare Pod's line names tagNotSpecified", pod)
ok(all("Warning" not in x and "cpu" not in x for x in w), "warning-severity items are not named", w)
ok(all(len(x) <= 256 and "\n" not in x for x in w), "each warning is one line of at most 256 characters")
PY

label legacy warn enforce --uid warn-to-enforce --dry-run
is "$(resp_summary)" "200 allowed=true warnings=8 status=-" \
	"from warn to enforce, in a dry run (kubectl label --dry-run=server): the same warnings"

admit /validate "$(namespace legacy enforce)" --ns "" --op CREATE --uid create-enforce
is "$(resp_summary)" "200 allowed=true warnings=8 status=-" "a CREATE with the label set to enforce: the same"

label legacy enforce enforce --uid stays-enforce --change-merge '{"metadata":{"annotations":{"a":"b"}}}'
is "$(resp_summary)" "200 allowed=true warnings=0 status=-" "a write that leaves enforce on: no preview"

label legacy "" warn --uid to-warn
is "$(resp_summary)" "200 allowed=true warnings=0 status=-" "turning warn on: no preview"

label empty "" enforce --uid empty-to-enforce
is "$(resp_summary)" "200 allowed=true warnings=0 status=-" \
	"turning enforce on in a namespace where nothing would be denied: no warnings"

label kube-system "" enforce --uid policy-overrides
is "$(jv 'len(r["warnings"])')" 1 "a namespace whose mode the policy sets: only the 'no effect' warning"
contains "$(jv 'r["warnings"][0]')" "has no effect" "... which says so"

requests=$(grep -c '/namespaces/legacy/' "$SCRATCH/few.log")
ok "the lists asked only for the namespace's objects ($requests requests), a page at a time" \
	grep -q '/namespaces/legacy/deployments?limit=100' "$SCRATCH/few.log"

# --- bounded output ---------------------------------------------------------------------

PORT=$P_MANY
label legacy "" enforce --uid many
cp "$RESP" "$SCRATCH/many.json"
py_tap "$SCRATCH/many.json" <<'PY'
r = load(sys.argv[1])["response"]
w = r["warnings"]
eq(r["allowed"], True, "many workloads: allowed")
eq(w[0], "security-inspector: in mode enforce, 301 existing workloads of namespace legacy would be denied:",
   "the heading counts all of them")
ok(sum(len(x) for x in w) <= 4096, "at most 4096 characters in all (%d)" % sum(len(x) for x in w))
ok(all(len(x) <= 256 for x in w), "each at most 256 characters")
m = re.match(r"^\.\.\. and (\d+) more workloads not shown: ", w[-1])
ok(m, "the last warning counts the rest", w[-1])
eq(len(w) - 2 + int(m.group(1)) if m else None, 301, "shown and counted make all 301")
PY

# --- API down or too slow: one warning, allowed -------------------------------------------

PORT=$P_DOWN
label legacy "" enforce --uid down
is "$(resp_summary)" "200 allowed=true warnings=1 status=-" "API server down: allowed, with one warning"
like "$(jv 'r["warnings"][0]')" '^security-inspector could not check the workloads of namespace legacy against enforce: ' \
	"... saying the check could not be made"

PORT=$P_SLOW
t0=$(date +%s.%N)
label legacy "" enforce --uid slow
t1=$(date +%s.%N)
is "$(resp_summary)" "200 allowed=true warnings=1 status=-" "API server slower than the budget: allowed, one warning"
like "$(jv 'r["warnings"][0]')" 'could not check the workloads of namespace legacy' "... saying so"
ok "... answered within the budget of a few seconds ($(echo "$t1 - $t0" | bc) s)" \
	test "$(echo "$t1 - $t0 < 4.5" | bc)" = 1

# --- no API access: no preview ----------------------------------------------------------

PORT=$P_NOAPI
label legacy "" enforce --uid no-api
is "$(resp_summary)" "200 allowed=true warnings=0 status=-" "a server without API access answers as before"

py_tap "$LOG_FEW" <<'PY'
recs = {}
for l in open(sys.argv[1], encoding="utf-8").read().splitlines():
    x = json.loads(l)
    recs[x.get("uid")] = x
x = recs.get("to-enforce", {})
eq([x.get("kind"), x.get("operation"), x.get("allowed")], ["Namespace", "UPDATE", True],
   "log: the Namespace write is logged as allowed")
PY

ok "the servers are still running" server_alive "$SERVER_PID"
tap_finish
