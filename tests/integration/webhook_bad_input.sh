# SPDX-License-Identifier: Apache-2.0
# shellcheck disable=SC2317  # some functions only run through wait_until and ok
# Bad input over real HTTPS gets a clear answer and never a crash: 400 for
# what is not an AdmissionReview, 404, 405, 413 (declared or chunked), 415;
# --max-body; slow bodies; TLS versions; and /metrics counting it all.

. "$(dirname "$0")/lib.sh"
tap_setup "$@"

make_certs "$SCRATCH/certs" || { echo "Bail out! certs failed: $(cat "$SCRATCH/.certs.err")"; exit 1; }
CA="$SCRATCH/certs/ca.crt"
TLS=(--tls-cert "$SCRATCH/certs/tls.crt" --tls-key "$SCRATCH/certs/tls.key")
start_server bad "${TLS[@]}" || { echo "Bail out! serve did not start"; exit 1; }
P_MAIN=$PORT PID_MAIN=$SERVER_PID
BODY="$SCRATCH/body.json"

# error_answer CODE DESC : the last answer has status CODE and a JSON body
# {"error": "<non-empty reason>"}.
error_answer() {
	is "$CODE" "$1" "$2: HTTP $1"
	is "$(jv 'sorted(doc) == ["error"] and isinstance(doc["error"], str) and len(doc["error"]) > 5')" true \
		"$2: body is {\"error\": reason}"
}

# send_json DESC JSON-TEXT CODE : POST JSON-TEXT to /validate, expect CODE
# with a JSON error.
send_json() {
	printf '%s' "$2" >"$BODY"
	post /validate "$BODY"
	error_answer "$3" "$1"
}

http_errors() { metric "security_inspector_http_errors_total{code=\"$1\"}"; }
E413_BEFORE=$(http_errors 413)
E400_BEFORE=$(http_errors 400)

# --- not JSON, not an AdmissionReview ---------------------------------------------

send_json "malformed JSON" '{"apiVersion": "admission.k8s.io/v1", "kind": ' 400
contains "$(jv 'doc["error"]')" "JSON" "malformed JSON: the reason says the body is not JSON"
send_json "empty body" '' 400
send_json "not UTF-8 / binary" $'\xff\xfe\x01' 400
send_json "a JSON array" '[1, 2, 3]' 400
send_json "a JSON string" '"AdmissionReview"' 400
send_json "wrong kind (a Pod)" '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}}' 400
contains "$(jv 'doc["error"]')" "AdmissionReview" "wrong kind: the reason names AdmissionReview"
send_json "missing request" '{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"}' 400
send_json "request without uid" '{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"operation": "CREATE"}}' 400
contains "$(jv 'doc["error"]')" "uid" "missing uid: the reason names the uid"
send_json "empty uid" '{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"uid": ""}}' 400
send_json "uid not a string" '{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"uid": 42}}' 400
send_json "request not an object" '{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": []}' 400
send_json "unknown apiVersion" '{"apiVersion": "admission.k8s.io/v2", "kind": "AdmissionReview", "request": {"uid": "x", "operation": "CREATE"}}' 400
send_json "CREATE without an object" '{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"uid": "x", "kind": {"kind": "Pod"}, "operation": "CREATE"}}' 400

# An object whose fields have the wrong types: a clear answer, not a crash.
admit /validate/enforce pod-clean --set 'spec.containers="not a list"' --uid wrong-types
like "$CODE" '^(200|400)$' "object with wrong field types: answered (HTTP $CODE)"
isnt "$(jv 'doc')" "<not JSON" "object with wrong field types: the answer is JSON"
admit /validate/enforce pod-clean --set 'spec.containers.0.securityContext.runAsUser="0"' --uid wrong-types-2
like "$CODE" '^(200|400)$' "runAsUser as a string: answered (HTTP $CODE)"

# --- deep nesting --------------------------------------------------------------------

python3 -c 'import sys; sys.stdout.write("[" * 100000)' >"$BODY"
t0=$(date +%s%N)
post /validate "$BODY"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
error_answer 400 "100000 nested ["
ok "100000 nested [: answered within 2 s (${ms} ms)" test "$ms" -lt 2000
python3 -c '
import sys
sys.stdout.write("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"d\",\"operation\":\"CREATE\",\"kind\":{\"kind\":\"Pod\"},\"object\":" + "{\"a\":" * 50000 + "1" + "}" * 50000 + "}}")' >"$BODY"
post /validate "$BODY"
error_answer 400 "an object nested 50000 deep inside a review"

# --- methods and paths ----------------------------------------------------------------

review "$SCRATCH/good.json" pod-clean --uid good
get /validate
is "$CODE" 405 "GET /validate: 405"
like "$(grep -i '^allow:' "$HEADERS")" 'POST' "GET /validate: Allow: POST"
is "$(jv 'sorted(doc) == ["error"]')" true "GET /validate: body is {\"error\": reason} (valid JSON)"
get /validate -X PUT -H 'Content-Type: application/json' --data-binary "@$SCRATCH/good.json"
is "$CODE" 405 "PUT /validate: 405"
for path in /healthz /readyz /metrics; do
	post "$path" "$SCRATCH/good.json"
	is "$CODE" 405 "POST $path: 405"
done
get /nope
is "$CODE" 404 "GET /nope: 404"
post /validatex "$SCRATCH/good.json"
is "$CODE" 404 "POST /validatex: 404"
post /nope "$SCRATCH/good.json"
error_answer 404 "POST /nope"

# --- body size ---------------------------------------------------------------------------

# The default limit is 3.5 MiB: an UPDATE of two objects of at most 1.5 MiB.
head -c $((7 * 1024 * 512 + 1)) /dev/zero | tr '\0' ' ' >"$SCRATCH/over.json"
post /validate "$SCRATCH/over.json"
error_answer 413 "3.5 MiB + 1 byte body with Content-Length"
head -c $((9 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$SCRATCH/9mib.json"
post /validate "$SCRATCH/9mib.json"
error_answer 413 "9 MiB body with Content-Length"
# Sent without waiting for "100 Continue": the server answers from the
# headers and may close the connection while the body is still coming, so
# the client sees either the 413 or a reset.
post /validate "$SCRATCH/9mib.json" -H 'Expect:'
like "$CODE" '^(413|000)$' "9 MiB body with Content-Length, sent without waiting for 100-continue: 413 or closed"
[ "$CODE" = 000 ] && diag "this time the connection was reset: $(cat "$SCRATCH/.curlerr")"
post /validate "$SCRATCH/9mib.json" -H 'Transfer-Encoding: chunked'
is "$CODE" 413 "9 MiB chunked body (no Content-Length): 413"
post /validate "$SCRATCH/9mib.json" -H 'Transfer-Encoding: chunked' -H 'Expect:'
error_answer 413 "9 MiB chunked body sent at once"
# Just under the limit: a real review padded to 3.5 MiB - 1 KiB is read and answered.
python3 - "$SCRATCH/good.json" "$SCRATCH/almost-limit.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
text = json.dumps(doc)
doc["request"]["object"]["metadata"]["annotations"] = {"pad": "x" * (7 * 1024 * 512 - 1024 - len(text) - 40)}
json.dump(doc, open(sys.argv[2], "w"))
PY
post /validate "$SCRATCH/almost-limit.json"
is "$(jv 'r["allowed"]' 2>/dev/null) $CODE" "true 200" "a review of almost 3.5 MiB is answered (200, allowed)"

# Within the body limit, a review may hold at most 500 000 values, counted
# on the text before any is allocated (each would cost a 64-byte node), and
# a pod at most 1 000 containers.
python3 - "$SCRATCH/good.json" "$SCRATCH/values.json" 600000 <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["request"]["object"]["metadata"]["annotations"] = {"x": "y"}
text = json.dumps(doc)
# 600 000 numbers in a list nobody reads: about 1.2 MB, under the body limit.
pad = '"pad": [' + ",".join(["0"] * int(sys.argv[3])) + "], "
open(sys.argv[2], "w").write(text.replace('"request": {', '"request": {' + pad, 1))
PY
post /validate "$SCRATCH/values.json"
error_answer 400 "600 000 numbers in a $(wc -c <"$SCRATCH/values.json")-byte review"
contains "$(jv 'doc["error"]')" "more than 500000 values in one document" "... saying which limit"
review "$SCRATCH/containers.json" pod-clean --containers 1001 --uid many-containers
post /validate "$SCRATCH/containers.json"
error_answer 400 "a Pod with 1 001 containers"
contains "$(jv 'doc["error"]')" "more than 1000 containers in one pod" "... saying which limit"
review "$SCRATCH/containers.json" pod-clean --containers 1000 --uid most-containers
post /validate "$SCRATCH/containers.json"
is "$CODE $(jv 'r["uid"]')" "200 most-containers" "a Pod with 1 000 containers is answered"

# --- Content-Type --------------------------------------------------------------------------

post /validate "$SCRATCH/good.json" -H 'Content-Type: text/plain'
error_answer 415 "Content-Type text/plain"
post /validate "$SCRATCH/good.json" -H 'Content-Type:'
is "$CODE" 415 "no Content-Type: 415"
post /validate "$SCRATCH/good.json" -H 'Content-Type: application/jsonx'
is "$CODE" 415 "Content-Type application/jsonx: 415"
post /validate "$SCRATCH/good.json" -H 'Content-Type: application/json; charset=utf-8'
is "$CODE $(jv 'r["allowed"]')" "200 true" "Content-Type application/json; charset=utf-8: accepted"

# --- still healthy ---------------------------------------------------------------------------

ok "server process still running after all of the above" server_alive "$PID_MAIN"
get /healthz
is "$CODE $(cat "$RESP")" "200 ok" "/healthz: 200 ok"
get /readyz
is "$CODE" 200 "/readyz: 200"
post /validate "$SCRATCH/good.json"
is "$CODE $(jv 'r["uid"]')" "200 good" "a good review is still answered"

# --- TLS versions ------------------------------------------------------------------------------

# Control: this curl can speak TLS 1.1 when the server allows it.
CTRL_PORT=$(free_port)
openssl s_server -accept "127.0.0.1:$CTRL_PORT" -cert "$SCRATCH/certs/tls.crt" \
	-key "$SCRATCH/certs/tls.key" -tls1_1 -cipher 'DEFAULT@SECLEVEL=0' -www -naccept 1 \
	>/dev/null 2>&1 </dev/null &
CTRL_PID=$!
track_pid "$CTRL_PID"
ctrl=""
for ((i = 0; i < 40; i++)); do
	ctrl=$(curl -s --max-time 3 --cacert "$CA" --tls-max 1.1 --ciphers 'DEFAULT@SECLEVEL=0' \
		-o /dev/null -w '%{http_code}' "https://127.0.0.1:$CTRL_PORT/" 2>/dev/null)
	[ "$ctrl" = 200 ] && break
	kill -0 "$CTRL_PID" 2>/dev/null || break
	sleep 0.05
done
stop_pid "$CTRL_PID"
if [ "$ctrl" = 200 ]; then
	pass "control: curl --tls-max 1.1 works against a server that allows TLS 1.1"
else
	pass "control: curl --tls-max 1.1 against openssl s_server # SKIP this openssl cannot serve TLS 1.1"
fi
curl -s --max-time 5 --cacert "$CA" --tls-max 1.1 --ciphers 'DEFAULT@SECLEVEL=0' -o /dev/null \
	"https://127.0.0.1:$P_MAIN/healthz"
isnt "$?" 0 "TLS 1.1 is refused"
get /healthz --tlsv1.2 --tls-max 1.2
is "$CODE" 200 "TLS 1.2 is accepted"
get /healthz --tlsv1.3
is "$CODE" 200 "TLS 1.3 is accepted"

# --- TLS cipher suites: AEAD only --------------------------------------------------------------

# tls_suite VERSION-FLAG CIPHER-FLAG NAME : the suite openssl s_client agreed, or "refused".
tls_suite() {
	local got
	got=$(echo | timeout 10 openssl s_client -connect "127.0.0.1:$P_MAIN" "$1" "$2" "$3" \
		-CAfile "$CA" 2>/dev/null | sed -n 's/.*, Cipher is //p' | head -n 1)
	case $got in ""|"0000"|"(NONE)") echo refused ;; *) echo "$got" ;; esac
}
for suite in ECDHE-ECDSA-AES128-SHA ECDHE-ECDSA-AES256-SHA ECDHE-ECDSA-AES128-SHA256 \
	     ECDHE-ECDSA-AES256-SHA384 ECDHE-ECDSA-AES128-CCM AES128-GCM-SHA256; do
	is "$(tls_suite -tls1_2 -cipher "$suite")" refused "TLS 1.2 $suite (not AEAD with ECDHE) is refused"
done
for suite in ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-ECDSA-AES256-GCM-SHA384 \
	     ECDHE-ECDSA-CHACHA20-POLY1305; do
	is "$(tls_suite -tls1_2 -cipher "$suite")" "$suite" "TLS 1.2 $suite is accepted"
done
is "$(tls_suite -tls1_3 -ciphersuites TLS_AES_128_CCM_SHA256)" refused "TLS 1.3 TLS_AES_128_CCM_SHA256 is refused"
for suite in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
	is "$(tls_suite -tls1_3 -ciphersuites "$suite")" "$suite" "TLS 1.3 $suite is accepted"
done
code=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P_MAIN/healthz")
isnt "$code" 200 "plain HTTP on the TLS port gets no answer"
ok "server still running after the TLS probes" server_alive "$PID_MAIN"

# --- metrics -------------------------------------------------------------------------------------

get /metrics
is "$CODE" 200 "/metrics: 200"
like "$(grep -i '^content-type:' "$HEADERS")" 'text/plain' "/metrics: text/plain (Prometheus text format)"
cp "$RESP" "$SCRATCH/metrics.txt"
E413_AFTER=$(http_errors 413)
E400_AFTER=$(http_errors 400)
is "$((E413_AFTER - E413_BEFORE))" 5 "metrics: http_errors_total{code=\"413\"} went up by the five 413 answers"
ok "metrics: http_errors_total{code=\"400\"} went up ($E400_BEFORE -> $E400_AFTER)" test "$E400_AFTER" -gt "$E400_BEFORE"
py_tap "$SCRATCH/metrics.txt" <<'PY'
text = open(sys.argv[1], encoding="utf-8").read()
samples = {}
bad = []
for line in text.splitlines():
    if not line or line.startswith("#"):
        continue
    m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$', line)
    if not m:
        bad.append(line)
        continue
    samples[m.group(1) + (m.group(2) or "")] = float(m.group(3))
eq(bad, [], "metrics: every sample line is 'name{labels} value'")
def having(prefix):
    return {k: v for k, v in samples.items() if k.startswith(prefix)}
req = having("security_inspector_admission_requests_total")
ok(req and sum(req.values()) >= 3, "metrics: security_inspector_admission_requests_total counts answers", req)
ok(any('kind="Pod"' in k and 'decision="allowed"' in k for k in req),
   "metrics: admission_requests_total has mode, decision and kind labels", list(req))
fail = having("security_inspector_check_failures_total")
eq(len(fail), len(item_ids()), "metrics: check_failures_total has one series per item")
ok(all('category="' in k for k in fail), "metrics: check_failures_total has a category label")
b = [(k, v) for k, v in samples.items() if k.startswith("security_inspector_admission_duration_seconds_bucket")]
ok(len(b) >= 5 and b[-1][0].endswith('le="+Inf"}'), "metrics: latency histogram buckets end with +Inf", b)
vals = [v for _, v in b]
eq(vals, sorted(vals), "metrics: histogram buckets are cumulative")
count = samples.get("security_inspector_admission_duration_seconds_count")
eq(count, vals[-1] if vals else None, "metrics: histogram _count equals the +Inf bucket")
ok("security_inspector_admission_duration_seconds_sum" in samples, "metrics: histogram _sum present")
eq(count, sum(req.values()), "metrics: one latency observation per answered review")
ok("# TYPE security_inspector_admission_duration_seconds histogram" in text, "metrics: TYPE histogram")
for code in ["400", "404", "405", "413", "415"]:
    ok(samples.get('security_inspector_http_errors_total{code="%s"}' % code, 0) >= 1,
       "metrics: http_errors_total{code=\"%s\"} counted" % code)
eq(samples.get("security_inspector_requests_in_flight"), 0.0, "metrics: requests_in_flight is 0 at rest")
ok("# TYPE security_inspector_requests_in_flight gauge" in text, "metrics: requests_in_flight is a gauge")
ok(samples.get("security_inspector_connections", 0) >= 1,
   "metrics: connections counts the one asking (at least 1)")
ok("# TYPE security_inspector_connections gauge" in text, "metrics: connections is a gauge")
for name in ["connections_refused_total", "request_timeouts_total", "tls_handshake_failures_total"]:
    ok("# TYPE security_inspector_%s counter" % name in text and
       "security_inspector_%s" % name in samples, "metrics: %s is a counter" % name)
PY

# --- a lower --max-body, and a slow body ----------------------------------------------------------

run_serve 10 "${TLS[@]}" --max-body 10
is "$RC" 2 "--max-body 10 (below 1024) is refused: exit 2"
contains "$ERR" "--max-body" "... naming the option"
start_server small "${TLS[@]}" --max-body 4096 --request-timeout 1 ||
	{ echo "Bail out! serve --max-body 4096 did not start"; exit 1; }
post /validate "$SCRATCH/good.json"
is "$CODE" 200 "--max-body 4096: a $(wc -c <"$SCRATCH/good.json")-byte review is answered"
review "$BODY" pod-clean --merge "{\"metadata\":{\"annotations\":{\"pad\":\"$(head -c 4200 /dev/zero | tr '\0' x)\"}}}"
post /validate "$BODY"
error_answer 413 "--max-body 4096: a $(wc -c <"$BODY")-byte review"
post /validate "$BODY" -H 'Transfer-Encoding: chunked'
is "$CODE" 413 "--max-body 4096: the same review chunked: 413"
out=$(timeout 20 "$PYTHON" "$DATA/slow_client.py" --port "$PORT" --ca "$CA" --body "$SCRATCH/good.json" --pause 2.5)
is "$(jv 'doc["status"] is None and doc["error"] is not None' <(echo "$out"))" true \
	"--request-timeout 1: a body still coming after 2.5 s loses its connection"
get /healthz
is "$CODE" 200 "... and the server stays healthy"

tap_finish
