# SPDX-License-Identifier: Apache-2.0
# shellcheck disable=SC2317  # some functions only run through wait_until and ok
# SIGTERM over real HTTPS: stop accepting, finish the requests in flight
# (/readyz answers 503 meanwhile), exit 0 within a bounded time.

. "$(dirname "$0")/lib.sh"
tap_setup "$@"

make_certs "$SCRATCH/certs" || { echo "Bail out! certs failed: $(cat "$SCRATCH/.certs.err")"; exit 1; }
CA="$SCRATCH/certs/ca.crt"
TLS=(--tls-cert "$SCRATCH/certs/tls.crt" --tls-key "$SCRATCH/certs/tls.key")
review "$SCRATCH/inflight.json" pod-clean --del spec.securityContext --uid in-flight-1

# connect_code : curl's exit code for a new connection to the server.
connect_code() {
	curl -s --max-time 3 --cacert "$CA" -o /dev/null "https://127.0.0.1:$PORT/healthz" 2>/dev/null
	echo $?
}
refusing() { [ "$(connect_code)" != 0 ]; }
in_flight_is() { [ "$(metric security_inspector_requests_in_flight)" = "$1" ]; }

# --- a slow request in flight during SIGTERM ---------------------------------------

start_server drain "${TLS[@]}" || { echo "Bail out! serve did not start"; exit 1; }
PID=$SERVER_PID
"$PYTHON" "$DATA/slow_client.py" --port "$PORT" --ca "$CA" --body "$SCRATCH/inflight.json" \
	--path /validate/enforce --probe /readyz --ready "$SCRATCH/ready" --go "$SCRATCH/go" --timeout 20 \
	>"$SCRATCH/client.out" 2>&1 &
CLIENT=$!
track_pid "$CLIENT"
wait_until 10 test -e "$SCRATCH/ready"
ok "headers and half the body of a request sent" test -e "$SCRATCH/ready"
wait_until 5 in_flight_is 1
ok "the server counts it in flight (requests_in_flight 1)" in_flight_is 1

kill -TERM "$PID"
t0=$(date +%s%N)
wait_until 3 refusing
code=$(connect_code)
is "$code" 7 "after SIGTERM new connections are refused (curl exit 7: connection refused)"
ok "the server keeps running while the request is in flight" server_alive "$PID"
sleep 0.5
ok "... also half a second later" server_alive "$PID"

touch "$SCRATCH/go"
wait_exit "$CLIENT" 20
wait_exit "$PID" 10
ms=$((($(date +%s%N) - t0) / 1000000))
py_tap "$SCRATCH/client.out" <<'PY'
try:
    o = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
except Exception as e:
    o = {"error": "no output: %r" % e}
eq(o.get("probe_before"), 200, "a keep-alive connection was served before SIGTERM")
eq([o.get("probe_after"), o.get("probe_error")], [[503], None],
   "during the drain /readyz answers 503 on a connection opened before")
eq([o.get("status"), o.get("error")], [200, None], "the request in flight gets its answer: HTTP 200")
try:
    r = json.loads(o.get("body") or "{}").get("response", {})
except ValueError:
    r = {}
eq([r.get("uid"), r.get("allowed")], ["in-flight-1", False], "... the full AdmissionReview answer (uid, denied)")
PY
is "$EXIT_RC" 0 "the server exits 0 once the request is answered"
ok "... within 5 s of SIGTERM (${ms} ms, including the client's pause)" test "$ms" -lt 5000
contains "$(cat "$SERVER_ERR")" '"msg":"draining"' "stderr logs the drain"
contains "$(cat "$SERVER_ERR")" '"msg":"stopped"' "stderr logs the stop"
contains "$(cat "$SERVER_OUT")" '"uid":"in-flight-1"' "the decision log has the request answered during the drain"

# --- nothing in flight -------------------------------------------------------------------

start_server idle "${TLS[@]}" || { echo "Bail out! serve did not start"; exit 1; }
post /validate "$SCRATCH/inflight.json"
is "$CODE" 200 "idle server: answered a request"
t0=$(date +%s%N)
kill -TERM "$SERVER_PID"
wait_exit "$SERVER_PID" 10
ms=$((($(date +%s%N) - t0) / 1000000))
is "$EXIT_RC" 0 "SIGTERM with nothing in flight: exit 0"
ok "... within 2 s (${ms} ms)" test "$ms" -lt 2000

start_server int "${TLS[@]}" || { echo "Bail out! serve did not start"; exit 1; }
kill -INT "$SERVER_PID"
wait_exit "$SERVER_PID" 10
is "$EXIT_RC" 0 "SIGINT: exit 0"

tap_finish
