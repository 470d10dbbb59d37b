# SPDX-License-Identifier: Apache-2.0
# shellcheck disable=SC2317  # some functions only run through wait_until and ok
# Reloads over real HTTPS: the policy on SIGHUP and on file change; a bad
# new policy or certificate keeps the old one (logged and counted);
# Kubernetes' atomic "..data" symlink swap of ConfigMap and Secret volumes,
# without dropping connections; and the start-up refusals (mismatched key,
# expired certificate, invalid policy).

. "$(dirname "$0")/lib.sh"
tap_setup "$@"

two_certs
review "$SCRATCH/root.json" pod-clean --del spec.securityContext --uid root
review "$SCRATCH/good.json" pod-clean --uid good

# decision : how the current server treats a pod running as root:
# denied (enforce), warned (warn), audited (audit), silent (off) or error.
decision() {
	post /validate "$SCRATCH/root.json"
	if [ "$CODE" != 200 ]; then
		echo "error $CODE"
		return
	fi
	jv '"denied" if r.get("allowed") is False else "warned" if r.get("warnings") else "audited" if r.get("auditAnnotations") else "silent" if r.get("allowed") is True else "error"'
}
decision_is() { [ "$(decision)" = "$1" ]; }

# write_policy FILE MODE [EXTRA-LINE] : replaces FILE atomically (rename).
write_policy() {
	printf 'mode: "%s"\n%s' "$2" "${3:-}" >"$1.tmp" && mv -f "$1.tmp" "$1"
}
BROKEN=$'bogusKey: 1\n'   # after `mode: "off"` on line 1: an error on line 2

reloads() { metric "security_inspector_reloads_total{what=\"$1\",result=\"$2\"}"; }
metric_above() { local v; v=$(metric "$1"); [ "$v" != absent ] && [ "${v%.*}" -gt "$2" ]; }

# log_line FILE WHAT LEVEL NEEDLE DESC : FILE (stderr of a server) has a JSON
# line about reloading WHAT at LEVEL whose text contains NEEDLE.
log_line() {
	py_tap "$1" "$2" "$3" "$4" "$5" <<'PY'
what, level, needle, desc = sys.argv[2:6]
found = []
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    try:
        o = json.loads(line)
    except ValueError:
        continue
    if isinstance(o, dict) and o.get("what") == what and o.get("level") == level and needle in line:
        found.append(o)
ok(found, desc, "stderr:", open(sys.argv[1], encoding="utf-8", errors="replace").read())
PY
}

# --- policy reload on SIGHUP ---------------------------------------------------------

POL="$SCRATCH/hup-policy.yaml"
write_policy "$POL" warn
start_server hup --tls-cert "$SCRATCH/a/tls.crt" --tls-key "$SCRATCH/a/tls.key" --config "$POL" \
	--reload-interval 3600 || { echo "Bail out! serve did not start"; exit 1; }
PID_HUP=$SERVER_PID ERR_HUP=$SERVER_ERR
is "$(decision)" warned "SIGHUP: the policy at start is in force (warn)"
write_policy "$POL" enforce
sleep 0.3
is "$(decision)" warned "SIGHUP: a changed file is not read before the signal (interval 3600 s)"
kill -HUP "$PID_HUP"
wait_until 2 decision_is denied
ok "SIGHUP: the new policy (enforce) is in force at once (${WAITED_MS} ms)" decision_is denied
is "$(reloads policy success)" 1 "SIGHUP: reloads_total{what=\"policy\",result=\"success\"} is 1"
log_line "$ERR_HUP" policy info reloaded "SIGHUP: stderr has a JSON line for the reload"

write_policy "$POL" off "$BROKEN"
kill -HUP "$PID_HUP"
wait_until 3 metric_above 'security_inspector_reloads_total{what="policy",result="failure"}' 0
is "$(reloads policy failure)" 1 "broken policy: reloads_total{what=\"policy\",result=\"failure\"} is 1"
is "$(decision)" denied "broken policy: the old policy (enforce) stays in force"
log_line "$ERR_HUP" policy error "hup-policy.yaml:2" "broken policy: stderr has a JSON error line naming file:line"
log_line "$ERR_HUP" policy error "bogusKey" "broken policy: ... and the key"

write_policy "$POL" audit
kill -HUP "$PID_HUP"
wait_until 2 decision_is audited
ok "a repaired policy is taken on the next SIGHUP (audit)" decision_is audited
rm -f "$POL"
kill -HUP "$PID_HUP"
wait_until 3 metric_above 'security_inspector_reloads_total{what="policy",result="failure"}' 1
is "$(reloads policy failure)" 2 "missing policy file: counted as a failure"
is "$(decision)" audited "missing policy file: the old policy stays in force"
ok "SIGHUP server still running" server_alive "$PID_HUP"

# --- policy reload on file change -----------------------------------------------------

POL="$SCRATCH/watched-policy.yaml"
write_policy "$POL" warn
start_server watch --tls-cert "$SCRATCH/a/tls.crt" --tls-key "$SCRATCH/a/tls.key" --config "$POL" \
	--reload-interval 1 || { echo "Bail out! serve did not start"; exit 1; }
ERR_WATCH=$SERVER_ERR
is "$(decision)" warned "file change: the policy at start is in force (warn)"
write_policy "$POL" enforce
wait_until 5 decision_is denied
ok "file replaced (rename): new policy in force within the interval (${WAITED_MS} ms)" \
	test "$(decision)" = denied -a "$WAITED_MS" -lt 3000
sleep 0.05
printf 'mode: audit\n' >"$POL"   # in place: same inode, new size and time
wait_until 5 decision_is audited
ok "file rewritten in place: new policy in force within the interval (${WAITED_MS} ms)" \
	test "$(decision)" = audited -a "$WAITED_MS" -lt 3000
ok "file change: successful reloads counted" metric_above 'security_inspector_reloads_total{what="policy",result="success"}' 1
write_policy "$POL" off "$BROKEN"
wait_until 5 metric_above 'security_inspector_reloads_total{what="policy",result="failure"}' 0
is "$(reloads policy failure)" 1 "file change to a broken policy: failure counted"
is "$(decision)" audited "file change to a broken policy: the old one stays"
log_line "$ERR_WATCH" policy error "watched-policy.yaml:2" "file change to a broken policy: JSON error line with file:line"
sleep 1.5
is "$(reloads policy failure)" 1 "a broken file is tried once, not at every interval"

# --- Kubernetes "..data" symlink swaps (ConfigMap and Secret volumes) ------------------------

# volume_dir DIR FILES... : DIR/..2026_a holds FILES, DIR/..data -> ..2026_a,
# and DIR/<file> -> ..data/<file> for each.
volume_dir() {
	local dir=$1 f
	shift
	mkdir -p "$dir/..2026_a"
	for f in "$@"; do
		cp "$f" "$dir/..2026_a/"
		ln -s "..data/$(basename "$f")" "$dir/$(basename "$f")"
	done
	ln -s ..2026_a "$dir/..data"
}
# volume_swap DIR NAME FILE... : DIR/NAME gets FILEs, then ..data is switched
# to it atomically, the way the kubelet does.
volume_swap() {
	local dir=$1 name=$2
	shift 2
	mkdir -p "$dir/$name"
	cp "$@" "$dir/$name/"
	ln -s "$name" "$dir/..data_tmp" && mv -T "$dir/..data_tmp" "$dir/..data"
}

SECRET="$SCRATCH/secret" CM="$SCRATCH/configmap"
volume_dir "$SECRET" "$SCRATCH/a/tls.crt" "$SCRATCH/a/tls.key"
write_policy "$SCRATCH/policy.yaml" warn
volume_dir "$CM" "$SCRATCH/policy.yaml"
start_server volumes --tls-cert "$SECRET/tls.crt" --tls-key "$SECRET/tls.key" --config "$CM/policy.yaml" \
	--reload-interval 1 || { echo "Bail out! serve (volumes) did not start"; exit 1; }
P_VOL=$PORT PID_VOL=$SERVER_PID ERR_VOL=$SERVER_ERR
CA="$SCRATCH/both-ca.crt"   # for the requests that do not test the certificate

# verifies_with CA-FILE : a new connection verifies the server with CA-FILE.
verifies_with() {
	[ "$(curl -s --max-time 5 --cacert "$1" -o /dev/null -w '%{http_code}' \
		"https://127.0.0.1:$P_VOL/healthz" 2>/dev/null)" = 200 ]
}

is "$(decision)" warned "ConfigMap volume: the policy at start is in force"
write_policy "$SCRATCH/policy.yaml" enforce
volume_swap "$CM" ..2026_b "$SCRATCH/policy.yaml"
wait_until 5 decision_is denied
ok "ConfigMap ..data swap: new policy in force within the interval (${WAITED_MS} ms)" decision_is denied

ok "Secret volume: certificate A verifies with CA A" verifies_with "$SCRATCH/a/ca.crt"
if verifies_with "$SCRATCH/b/ca.crt"; then fail "Secret volume: CA B does not verify certificate A"; else pass "Secret volume: CA B does not verify certificate A"; fi

# Watch /readyz on fresh connections (trusting both CAs) through the swap.
rm -f "$SCRATCH/poll.stop" "$SCRATCH/poll.log"
(
	for ((i = 0; i < 400; i++)); do
		[ -e "$SCRATCH/poll.stop" ] && break
		curl -s --max-time 3 --cacert "$SCRATCH/both-ca.crt" -o /dev/null -w '%{http_code}\n' \
			"https://127.0.0.1:$P_VOL/readyz" >>"$SCRATCH/poll.log" 2>/dev/null || echo "curl-failed" >>"$SCRATCH/poll.log"
		sleep 0.05
	done
) &
POLL_PID=$!
track_pid "$POLL_PID"
# Connections opened before the swap (trusting CA A only): a keep-alive one
# used again after it, and a request whose body is finished after it.
"$PYTHON" "$DATA/slow_client.py" --port "$P_VOL" --ca "$SCRATCH/a/ca.crt" --body "$SCRATCH/good.json" \
	--probe POST,/readyz --ready "$SCRATCH/slow.ready" --go "$SCRATCH/slow.go" --timeout 20 \
	>"$SCRATCH/slow.out" 2>&1 &
SLOW_PID=$!
track_pid "$SLOW_PID"
wait_until 10 test -e "$SCRATCH/slow.ready"
ok "a connection is open and a request half sent before the swap" test -e "$SCRATCH/slow.ready"

volume_swap "$SECRET" ..2026_b "$SCRATCH/b/tls.crt" "$SCRATCH/b/tls.key"
wait_until 5 verifies_with "$SCRATCH/b/ca.crt"
ok "Secret ..data swap: a new connection verifies with the NEW CA (${WAITED_MS} ms)" verifies_with "$SCRATCH/b/ca.crt"
if verifies_with "$SCRATCH/a/ca.crt"; then
	fail "Secret ..data swap: a new connection no longer verifies with the old CA"
else
	pass "Secret ..data swap: a new connection no longer verifies with the old CA"
fi
touch "$SCRATCH/slow.go"
wait_exit "$SLOW_PID" 20
py_tap "$SCRATCH/slow.out" <<'PY'
try:
    o = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
except Exception as e:
    o = {"error": "no output: %r" % e}
eq(o.get("probe_before"), 200, "keep-alive connection: a review answered before the swap")
eq([o.get("probe_after"), o.get("probe_error")], [[200, 200], None],
   "keep-alive connection opened before the swap: not dropped (review and /readyz answered after it)")
eq([o.get("status"), o.get("error")], [200, None],
   "a request begun before the swap and finished after it: answered 200")
ok('"uid":"good"' in (o.get("body") or "").replace(" ", ""), "... with its AdmissionReview answer", o.get("body"))
PY
touch "$SCRATCH/poll.stop"
wait_exit "$POLL_PID" 10
polls=$(wc -l <"$SCRATCH/poll.log" 2>/dev/null || echo 0)
not200=$(grep -vc '^200$' "$SCRATCH/poll.log" 2>/dev/null)
ok "/readyz polled through the swap ($polls requests)" test "$polls" -ge 5
is "${not200:-0}" 0 "/readyz stayed 200 and no request failed during the swap"
ok "certificate reload counted as a success" metric_above 'security_inspector_reloads_total{what="certificate",result="success"}' 0
log_line "$ERR_VOL" certificate info reloaded "certificate reload: stderr has a JSON line"

# A swap to a key that does not match the certificate is refused.
fail_before=$(reloads certificate failure)
volume_swap "$SECRET" ..2026_c "$SCRATCH/a/tls.crt" "$SCRATCH/b/tls.key"
wait_until 5 metric_above 'security_inspector_reloads_total{what="certificate",result="failure"}' "$fail_before"
is "$(reloads certificate failure)" $((fail_before + 1)) "swap to a mismatched key: failure counted"
ok "swap to a mismatched key: the previous certificate (CA B) is still served" verifies_with "$SCRATCH/b/ca.crt"
if verifies_with "$SCRATCH/a/ca.crt"; then
	fail "swap to a mismatched key: certificate A (whose key is missing) is not served"
else
	pass "swap to a mismatched key: certificate A (whose key is missing) is not served"
fi
log_line "$ERR_VOL" certificate error "does not match" "swap to a mismatched key: JSON error line on stderr"

# An expired certificate (signed by CA A, valid only in 2020) is refused too.
EXP="$SCRATCH/expired"
mkdir -p "$EXP/newcerts"
: >"$EXP/index.txt"
echo 01 >"$EXP/serial"
cat >"$EXP/ca.cnf" <<EOF
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = $EXP
database = $EXP/index.txt
new_certs_dir = $EXP/newcerts
serial = $EXP/serial
default_md = sha256
policy = policy_any
copy_extensions = copy
unique_subject = no
[ policy_any ]
commonName = supplied
EOF
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$EXP/tls.key" \
	-out "$EXP/tls.csr" -subj /CN=si.default.svc -addext 'subjectAltName=DNS:si.default.svc,IP:127.0.0.1' \
	>/dev/null 2>&1
openssl ca -batch -config "$EXP/ca.cnf" -cert "$SCRATCH/a/ca.crt" -keyfile "$SCRATCH/a/ca.key" \
	-in "$EXP/tls.csr" -out "$EXP/tls.crt" -startdate 20200101000000Z -enddate 20200102000000Z -notext \
	>/dev/null 2>&1
like "$(openssl x509 -in "$EXP/tls.crt" -noout -enddate 2>&1)" '2020 GMT' "an expired certificate made with openssl ca"

fail_before=$(reloads certificate failure)
volume_swap "$SECRET" ..2026_d "$EXP/tls.crt" "$EXP/tls.key"
wait_until 5 metric_above 'security_inspector_reloads_total{what="certificate",result="failure"}' "$fail_before"
is "$(reloads certificate failure)" $((fail_before + 1)) "swap to an expired certificate: failure counted"
ok "swap to an expired certificate: the previous certificate (CA B) is still served" verifies_with "$SCRATCH/b/ca.crt"
log_line "$ERR_VOL" certificate error "expired" "swap to an expired certificate: JSON error line on stderr"
ok "volume server still running" server_alive "$PID_VOL"
is "$(decision)" denied "the policy from the ConfigMap swap is still in force"

# --- start-up refusals ------------------------------------------------------------------------

# refused DESC NEEDLE SERVE-ARGS... : serve exits non-zero at once and its
# stderr contains NEEDLE.
refused() {
	local desc=$1 needle=$2
	shift 2
	run_serve 10 "$@"
	if [ "$RC" -ne 0 ] && [ "$RC" -ne 124 ]; then
		pass "$desc: exits non-zero ($RC)"
	else
		fail "$desc: exits non-zero" "exit code $RC (124: still running)" "stderr: $ERR"
	fi
	contains "$ERR" "$needle" "$desc: stderr says \"$needle\""
}

# --- the serving certificate's expiry, as a metric ------------------------------------

# not_after CERT : its notAfter in Unix time.
not_after() { date -d "$(openssl x509 -noout -enddate -in "$1" | cut -d= -f2)" +%s; }
for d in 10 20; do
	timeout 30 "$SI" certs --out "$SCRATCH/days$d" --service si --namespace default --days "$d" \
		>/dev/null 2>&1 || { echo "Bail out! certs --days $d failed"; exit 1; }
done
mkdir -p "$SCRATCH/expiry"
cp "$SCRATCH/days10/tls.crt" "$SCRATCH/days10/tls.key" "$SCRATCH/expiry/"
CA_KEEP=$CA
CA="$SCRATCH/days10/ca.crt"
start_server expiry --tls-cert "$SCRATCH/expiry/tls.crt" --tls-key "$SCRATCH/expiry/tls.key" ||
	{ echo "Bail out! serve did not start"; exit 1; }
is "$(metric security_inspector_certificate_expiry_timestamp_seconds)" "$(not_after "$SCRATCH/days10/tls.crt")" \
	"certificate_expiry_timestamp_seconds: the notAfter of the certificate served (10 days)"
cp "$SCRATCH/days20/tls.crt" "$SCRATCH/days20/tls.key" "$SCRATCH/expiry/"
kill -HUP "$SERVER_PID"
CA="$SCRATCH/days20/ca.crt"
expiry_is() { [ "$(metric security_inspector_certificate_expiry_timestamp_seconds)" = "$1" ]; }
wait_until 5 expiry_is "$(not_after "$SCRATCH/days20/tls.crt")"
is "$(metric security_inspector_certificate_expiry_timestamp_seconds)" "$(not_after "$SCRATCH/days20/tls.crt")" \
	"... and after a reload, the new certificate's (20 days)"
cp "$SCRATCH/days10/tls.crt" "$SCRATCH/expiry/"
kill -HUP "$SERVER_PID"
sleep 1
is "$(metric security_inspector_certificate_expiry_timestamp_seconds)" "$(not_after "$SCRATCH/days20/tls.crt")" \
	"... a refused reload (key of another certificate) leaves it as it was"
stop_pid "$SERVER_PID"
CA=$CA_KEEP

refused "mismatched key" "does not match" --tls-cert "$SCRATCH/a/tls.crt" --tls-key "$SCRATCH/b/tls.key"
refused "expired certificate" "expired" --tls-cert "$EXP/tls.crt" --tls-key "$EXP/tls.key"
printf 'mode: enforce\nchecks:\n  notAnItem: danger\n' >"$SCRATCH/invalid.yaml"
refused "invalid policy file" "invalid.yaml:3" --tls-cert "$SCRATCH/a/tls.crt" --tls-key "$SCRATCH/a/tls.key" \
	--config "$SCRATCH/invalid.yaml"
contains "$ERR" "notAnItem" "invalid policy file: stderr names the key"
refused "missing policy file" "missing.yaml" --tls-cert "$SCRATCH/a/tls.crt" --tls-key "$SCRATCH/a/tls.key" \
	--config "$SCRATCH/missing.yaml"
refused "certificate that is not PEM" "certificate" --tls-cert "$SCRATCH/invalid.yaml" --tls-key "$SCRATCH/a/tls.key"

tap_finish
