#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A client that sends its TLS handshake or its request headers a byte at a
# time restarts libmicrohttpd's idle timeout with every byte: without a
# bound of their own it would keep a connection (and a slot of
# --max-connections) for as long as it likes. They must arrive within
# --request-timeout of their first byte. Also: a GET that comes with a
# body is answered.

. "$(dirname "$0")/lib.sh"
tap_setup "$@"

two_certs
TLS=(--tls-cert "$SCRATCH/a/tls.crt" --tls-key "$SCRATCH/a/tls.key")

# trickle OUT WHAT : runs the slow client against the current server.
trickle() {
	timeout 40 "$PYTHON" "$DATA/trickle_client.py" --port "$PORT" --ca "$CA" --what "$2" \
		--every 0.2 --timeout 20 >"$1" 2>&1
}
jget() { python3 -c "import json,sys; print(json.dumps(json.load(open(sys.argv[1])).get(sys.argv[2])))" "$1" "$2"; }

# --idle-timeout 2 and --request-timeout 3: every byte comes within the idle
# timeout, so only the header bound can close these connections.
start_server slow "${TLS[@]}" --idle-timeout 2 --request-timeout 3 ||
	{ echo "Bail out! serve did not start"; exit 1; }

pids=()
for what in headers handshake keepalive; do
	trickle "$SCRATCH/$what.json" "$what" &
	pids+=($!)
done
wait "${pids[@]}"
for what in headers handshake keepalive; do
	diag "$what: $(cat "$SCRATCH/$what.json")"
	is "$(jget "$SCRATCH/$what.json" error)" null "$what: the slow client ran"
done
# libmicrohttpd gives a handshake no more than the idle timeout; headers
# are ours to bound.
after=$(jget "$SCRATCH/handshake.json" closed_after_s)
ok "handshake trickled a byte every 0.2 s: closed within 6 s ($after s)" \
	python3 -c "import sys; sys.exit(not 0 < float('$after') < 6)"
for what in headers keepalive; do
	after=$(jget "$SCRATCH/$what.json" closed_after_s)
	ok "$what trickled a byte every 0.2 s: closed after 3 s and before 6 s of --request-timeout 3 ($after s)" \
		python3 -c "import sys; sys.exit(not 3 <= float('$after') < 6)"
done
is "$(jget "$SCRATCH/keepalive.json" status)" 200 "keepalive: the first request on the connection was answered"
is "$(metric security_inspector_request_timeouts_total)" 2 "both connections with slow headers are counted in request_timeouts_total"
grep -q '"msg":"request headers not received within --request-timeout' "$SERVER_ERR"
ok "a kept-alive connection's slow headers are logged" test $? = 0
grep -q '"msg":"TLS handshake and request headers not received within --request-timeout' "$SERVER_ERR"
ok "a new connection's slow headers are logged" test $? = 0

# A connection that sends nothing is the idle timeout's, and a kept-alive
# connection that sends its next request at once is not cut.
w='%{http_code} %{num_connects} '
code=$(curl -s --max-time 10 --cacert "$CA" -o /dev/null -w "$w" "https://127.0.0.1:$PORT/healthz" \
	--next --cacert "$CA" -o /dev/null -w "$w" "https://127.0.0.1:$PORT/healthz" \
	--next --cacert "$CA" -o /dev/null -w "$w" "https://127.0.0.1:$PORT/readyz")
is "$code" "200 1 200 0 200 0 " "three requests on one kept-alive connection are answered"

# --- GET with a body ---------------------------------------------------------------------

get /healthz -X GET --data-binary 'a body'
is "$CODE $(cat "$RESP")" "200 ok" "GET /healthz with a body: answered 200 ok"
get /metrics -X GET -H 'Content-Type: text/plain' --data-binary @"$DATA/trickle_client.py"
is "$CODE" 200 "GET /metrics with a 4 KiB body: answered 200"
get /nothing -X GET --data-binary 'a body'
is "$CODE" 404 "GET of an unknown path with a body: 404"
get /healthz -X GET -H 'Transfer-Encoding: chunked' --data-binary 'a body'
is "$CODE $(cat "$RESP")" "200 ok" "GET /healthz with a chunked body: answered 200 ok"
ok "no internal error was logged" test "$(grep -c 'internal error' "$SERVER_ERR")" = 0
ok "server still running" server_alive
tap_finish
