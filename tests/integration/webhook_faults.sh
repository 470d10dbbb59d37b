# SPDX-License-Identifier: Apache-2.0
# shellcheck disable=SC2317  # some functions only run through wait_until and ok
# Faults and load over real HTTPS: slow and half-open clients do not hold
# up the others; a connection flood beyond --max-connections; a body that
# trickles past --request-timeout; policy and certificate reloads under
# load lose no request; SIGTERM under load answers every request the
# server took and exits 0.
#
# The load comes from python clients (written to the scratch directory
# below) that give every request its own uid and record each outcome, so
# that requests and answers can be counted one by one. The counts are
# printed as TAP comments: "# requests sent: N, lost: M".

. "$(dirname "$0")/lib.sh"
tap_setup "$@"

two_certs
TLS=(--tls-cert "$SCRATCH/a/tls.crt" --tls-key "$SCRATCH/a/tls.key")
# A pod running as root: denied in enforce, allowed with warnings in warn.
review "$SCRATCH/root.json" pod-clean --del spec.securityContext --uid root
CLIENT="$SCRATCH/clients.py"

# Requests sent under faults, and those lost, over the whole script.
SENT_TOTAL=0
LOST_TOTAL=0
FAULTS=0

cat >"$CLIENT" <<'PY'
"""Test clients; each subcommand prints one JSON line.

load     N threads POST reviews (each its own uid) and record every outcome
hold     slow and half-open connections, kept until --stop
flood    many idle TLS connections at once
trickle  one request whose body comes a few bytes at a time
"""
import argparse
import json
import os
import select
import socket
import ssl
import statistics
import threading
import time


def context(ca):
    ctx = ssl.create_default_context(cafile=ca)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def tls_connect(port, ctx, timeout):
    raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    # Else the request waits for the ACK of the handshake's last message
    # (Nagle's algorithm and delayed ACKs: 40 ms).
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        return ctx.wrap_socket(raw, server_hostname="127.0.0.1")
    except BaseException:
        raw.close()
        raise


def head_bytes(path, length):
    return ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Content-Length: %d\r\n\r\n" % (path, length)).encode()


class Closed(Exception):
    """The connection ended; .got: response bytes read before that."""

    def __init__(self, got, why):
        super().__init__(why)
        self.got = got


def recv(sock, got):
    try:
        data = sock.recv(65536)
    except socket.timeout:
        raise
    except (OSError, ssl.SSLError) as e:
        raise Closed(got, "%s: %s" % (type(e).__name__, e))
    if not data:
        raise Closed(got, "EOF")
    return data


def read_response(sock):
    """One HTTP/1.1 response: (status, headers, body)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += recv(sock, len(buf))
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        rest += recv(sock, len(buf) + len(rest))
    return status, headers, rest[:length]


def is_closed(sock):
    """The peer has closed `sock` (it reads EOF or an error)."""
    try:
        if not select.select([sock], [], [], 0)[0]:
            return False
        sock.setblocking(False)
        try:
            return not sock.recv(1)
        finally:
            sock.setblocking(True)
    except (ssl.SSLWantReadError, BlockingIOError):
        return False
    except (OSError, ssl.SSLError):
        return True


def cmd_load(a):
    """Outcomes: ok (200 with the request's uid), http-CODE, wrong-uid;
    refused (no connection or no TLS session: nothing sent); unsent (the
    connection failed while the request was written); closed (written, then
    the connection ended without an answer), partial (part of an answer,
    then closed), timeout (no answer within --timeout)."""
    template = json.loads(open(a.body, "rb").read())
    ctx = context(a.ca)
    lock = threading.Lock()
    outcomes, latencies, serials = {}, [], set()
    allowed = {"true": 0, "false": 0}
    log = open(a.log, "w") if a.log else None
    seq = [0]
    end = time.monotonic() + a.duration

    def next_uid(t):
        with lock:
            if a.max_requests and seq[0] >= a.max_requests:
                return None
            seq[0] += 1
            return "%s-%d-%d" % (a.prefix, t, seq[0])

    def record(uid, outcome, ms=None, detail=""):
        with lock:
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            if outcome == "ok":
                latencies.append(ms)
            if log:
                log.write("%s\t%s\t%s\n" % (uid, outcome, detail))

    def worker(t):
        per_conn = 1 if a.mixed and t % 2 else a.per_conn
        sock, used = None, 0
        while time.monotonic() < end and not (a.stop and os.path.exists(a.stop)):
            uid = next_uid(t)
            if uid is None:
                break
            body = json.dumps(dict(template, request=dict(template["request"], uid=uid))).encode()
            t0 = time.monotonic()
            if sock is None:
                try:
                    sock = tls_connect(a.port, ctx, a.timeout)
                    sock.settimeout(a.timeout)
                    used = 0
                    with lock:
                        serials.add(sock.getpeercert().get("serialNumber"))
                except (OSError, ssl.SSLError) as e:
                    record(uid, "refused", detail="%s: %s" % (type(e).__name__, e))
                    sock = None
                    if a.until_refused:
                        break
                    time.sleep(0.01)
                    continue
            reused = ", reused" if used else ""
            try:
                sock.sendall(head_bytes(a.path, len(body)) + body)
                status, headers, answer = read_response(sock)
            except socket.timeout:
                record(uid, "timeout")
                status = None
            except Closed as e:
                record(uid, "partial" if e.got else "closed", detail="%s%s" % (e, reused))
                status = None
            except (OSError, ssl.SSLError) as e:
                record(uid, "unsent", detail="%s: %s%s" % (type(e).__name__, e, reused))
                status = None
            if status is None:
                sock.close()
                sock = None
                continue
            ms = (time.monotonic() - t0) * 1000
            used += 1
            try:
                r = json.loads(answer)["response"] if status == 200 else {}
            except (ValueError, KeyError, TypeError):
                r = {}
            if status != 200:
                record(uid, "http-%d" % status, ms)
            elif r.get("uid") != uid:
                record(uid, "wrong-uid", ms)
            else:
                record(uid, "ok", ms)
                with lock:
                    allowed["true" if r.get("allowed") else "false"] += 1
            if headers.get("connection", "").lower() == "close" or (per_conn and used >= per_conn):
                sock.close()
                sock = None
        if sock is not None:
            sock.close()

    threads = [threading.Thread(target=worker, args=(t,), daemon=True) for t in range(a.conns)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(max(0.1, end - time.monotonic()) + 2 * a.timeout + 5)
    if log:
        log.close()
    lat = sorted(latencies)
    lost = sum(n for k, n in outcomes.items() if k not in ("ok", "refused", "unsent"))
    print(json.dumps({
        "sent": sum(n for k, n in outcomes.items() if k not in ("refused", "unsent")),
        "attempts": sum(outcomes.values()), "ok": outcomes.get("ok", 0), "lost": lost,
        "errors": sum(n for k, n in outcomes.items() if k != "ok"),
        "outcomes": outcomes, "serials": len(serials - {None}), "allowed": allowed,
        "p50_ms": round(statistics.median(lat), 2) if lat else None,
        "max_ms": round(lat[-1], 2) if lat else None}, sort_keys=True))


def cmd_hold(a):
    """--tcp connections that never send a ClientHello, --tls ones that
    send no request after the handshake, --headers ones that send their
    request one byte every --every s, --bodies ones that send the headers
    and then the body 16 bytes at a time. --ready once all are open; at
    --stop, the slow ones send the rest and read their answers."""
    ctx = context(a.ca)
    body = open(a.body, "rb").read()
    data = head_bytes("/validate", len(body)) + body
    deadline = time.monotonic() + a.timeout
    res = {"opened": {}, "still_open": {}, "answered": {}, "errors": []}
    lock = threading.Lock()
    opened = threading.Semaphore(0)

    def stopped():
        return os.path.exists(a.stop) or time.monotonic() > deadline

    def note(table, kind):
        with lock:
            res[table][kind] = res[table].get(kind, 0) + 1

    def run(kind):
        s = None
        try:
            try:
                if kind == "tcp":
                    s = socket.create_connection(("127.0.0.1", a.port), timeout=a.timeout)
                else:
                    s = tls_connect(a.port, ctx, a.timeout)
                pos = {"tcp": 0, "tls": 0, "headers": 1,
                       "bodies": len(data) - len(body) + 1}[kind]
                s.sendall(data[:pos])
                note("opened", kind)
            finally:
                opened.release()
            step = 1 if kind == "headers" else 16
            while not stopped():
                time.sleep(a.every)
                if pos and pos + step < len(data):
                    s.sendall(data[pos:pos + step])
                    pos += step
            if not is_closed(s):
                note("still_open", kind)
            if pos:
                s.sendall(data[pos:])
                status, _, answer = read_response(s)
                if status == 200 and b'"uid"' in answer:
                    note("answered", kind)
                else:
                    raise ValueError("HTTP %d" % status)
        except (OSError, ssl.SSLError, Closed, ValueError) as e:
            with lock:
                res["errors"].append("%s: %s: %s" % (kind, type(e).__name__, e))
        finally:
            if s is not None:
                s.close()

    threads = [threading.Thread(target=run, args=(k,), daemon=True)
               for k, n in (("tcp", a.tcp), ("tls", a.tls), ("headers", a.headers),
                            ("bodies", a.bodies)) for _ in range(n)]
    for th in threads:
        th.start()
    for _ in threads:
        opened.acquire(timeout=a.timeout)
    open(a.ready, "w").close()
    for th in threads:
        th.join(max(0.1, deadline - time.monotonic()) + a.timeout)
    print(json.dumps(res, sort_keys=True))


def cmd_flood(a):
    """--conns TLS connections at once, left idle: how many got a TLS
    session, and how many were refused, closed, or left unanswered (no end
    to the handshake within --handshake s). Each one kept then answers a
    GET /healthz. Writes the counts to --ready, holds until --stop."""
    ctx = context(a.ca)
    lock = threading.Lock()
    socks, failed = [], {"refused": 0, "closed": 0, "unanswered": 0}

    def one():
        try:
            s = tls_connect(a.port, ctx, a.handshake)
        except (socket.timeout, TimeoutError):
            kind = "unanswered"
        except ConnectionRefusedError:
            kind = "refused"
        except (OSError, ssl.SSLError):
            kind = "closed"
        else:
            with lock:
                socks.append(s)
            return
        with lock:
            failed[kind] += 1

    threads = [threading.Thread(target=one, daemon=True) for _ in range(a.conns)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(a.handshake + 5)
    time.sleep(0.3)
    alive = [s for s in socks if not is_closed(s)]
    served = 0
    for s in alive:
        try:
            s.settimeout(5)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            served += read_response(s)[0] == 200
        except (OSError, ssl.SSLError, Closed):
            pass
    out = dict(failed, tried=a.conns, sessions=len(socks), alive=len(alive), served=served)
    out["closed"] += len(socks) - len(alive)
    with open(a.ready + ".tmp", "w") as f:
        f.write(json.dumps(out, sort_keys=True))
    os.rename(a.ready + ".tmp", a.ready)
    end = time.monotonic() + a.timeout
    while not os.path.exists(a.stop) and time.monotonic() < end:
        time.sleep(0.05)
    for s in socks:
        s.close()
    print(json.dumps(out, sort_keys=True))


def cmd_trickle(a):
    """Headers at once, then the body --chunk bytes every --every s (none
    after --stall-after bytes): the answer's status, or after how many
    seconds the server closed."""
    ctx = context(a.ca)
    body = open(a.body, "rb").read()
    out = {"status": None, "closed_after_s": None, "body_sent": 0, "error": None}
    try:
        s = tls_connect(a.port, ctx, 5)
        s.settimeout(5)
        s.sendall(head_bytes("/validate", len(body)))
        t0 = time.monotonic()
        pos = 0
        while time.monotonic() - t0 < a.timeout:
            if pos < len(body) and (a.stall_after is None or pos < a.stall_after):
                try:
                    s.sendall(body[pos:pos + a.chunk])
                    pos = min(len(body), pos + a.chunk)
                except (OSError, ssl.SSLError):
                    out["closed_after_s"] = round(time.monotonic() - t0, 2)
                    break
            if pos >= len(body):
                try:
                    out["status"] = read_response(s)[0]
                except (Closed, OSError) as e:
                    out["closed_after_s"] = round(time.monotonic() - t0, 2)
                    out["error"] = str(e)
                break
            time.sleep(a.every)
            if is_closed(s):
                out["closed_after_s"] = round(time.monotonic() - t0, 2)
                break
        out["body_sent"] = pos
        s.close()
    except (OSError, ssl.SSLError) as e:
        out["error"] = "%s: %s" % (type(e).__name__, e)
    print(json.dumps(out, sort_keys=True))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("load", "hold", "flood", "trickle"):
        p = sub.add_parser(name)
        p.add_argument("--port", type=int, required=True)
        p.add_argument("--ca", required=True)
        p.add_argument("--timeout", type=float, default=10, help="bound on every wait")
        p.add_argument("--ready")
        p.add_argument("--stop")
        if name != "flood":
            p.add_argument("--body", required=True)
    p = sub.choices["load"]
    p.add_argument("--path", default="/validate")
    p.add_argument("--conns", type=int, default=4)
    p.add_argument("--per-conn", type=int, default=0, help="requests per connection (0: any)")
    p.add_argument("--mixed", action="store_true", help="odd threads: one request per connection")
    p.add_argument("--duration", type=float, default=3)
    p.add_argument("--max-requests", type=int, default=0)
    p.add_argument("--log")
    p.add_argument("--prefix", default="load")
    p.add_argument("--until-refused", action="store_true")
    p = sub.choices["hold"]
    for k in ("tcp", "tls", "headers", "bodies"):
        p.add_argument("--" + k, type=int, default=0)
    p.add_argument("--every", type=float, default=0.1)
    p = sub.choices["flood"]
    p.add_argument("--conns", type=int, default=64)
    p.add_argument("--handshake", type=float, default=2)
    p = sub.choices["trickle"]
    p.add_argument("--chunk", type=int, default=64)
    p.add_argument("--every", type=float, default=0.25)
    p.add_argument("--stall-after", type=int, default=None)
    a = ap.parse_args()
    {"load": cmd_load, "hold": cmd_hold, "flood": cmd_flood, "trickle": cmd_trickle}[a.cmd](a)


main()
PY

# jget FILE KEY[.KEY...] : one value of the JSON line in FILE (JSON text
# for lists, objects, true, false and null; "?" when it is missing).
jget() {
	python3 - "$@" <<'PY'
import json, sys
try:
    v = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
    for k in sys.argv[2].split("."):
        v = v[k]
except Exception:
    v = "?"
print(v if isinstance(v, str) else json.dumps(v, sort_keys=True))
PY
}

# client SECONDS OUT SUBCOMMAND ARGS... : runs a client in the foreground
# against the current server (bounded by SECONDS), its JSON line in OUT.
client() {
	local limit=$1 out=$2
	shift 2
	timeout -k 2 "$limit" "$PYTHON" "$CLIENT" "$@" --port "$PORT" >"$out" 2>"$out.err"
}

# bg_client OUT SUBCOMMAND ARGS... : the same in the background; sets BG.
bg_client() {
	local out=$1
	shift
	"$PYTHON" "$CLIENT" "$@" --port "$PORT" >"$out" 2>"$out.err" &
	BG=$!
	track_pid "$BG"
}

# all_ok FILE DESC : a load run in FILE answered every request 200 with its uid.
all_ok() {
	local sent ok
	sent=$(jget "$1" attempts) ok=$(jget "$1" ok)
	if [ "$sent" != "?" ] && [ "$sent" -gt 0 ] && [ "$ok" = "$sent" ]; then
		pass "$2 ($ok of $sent answered 200)"
	else
		fail "$2" "outcomes: $(jget "$1" outcomes)" "$(head -c 2000 "$1.err" 2>/dev/null)"
	fi
}

# count FILE DESC : adds a load run's requests to the totals and prints them.
count() {
	local sent lost
	sent=$(jget "$1" sent) lost=$(jget "$1" lost)
	[ "$sent" = "?" ] && sent=0
	[ "$lost" = "?" ] && lost=0
	SENT_TOTAL=$((SENT_TOTAL + sent))
	LOST_TOTAL=$((LOST_TOTAL + lost))
	diag "$2: requests sent: $sent, lost: $lost"
}

in_flight_is() { [ "$(metric security_inspector_requests_in_flight)" = "$1" ]; }
reloads() { metric "security_inspector_reloads_total{what=\"$1\",result=\"$2\"}"; }

# --- slow and half-open clients -----------------------------------------------------

# 50 connections that hold a slot without finishing anything: TCP only (no
# ClientHello), TLS only (no request), headers one byte at a time, a body a
# few bytes at a time. Meanwhile 100 requests on new connections are timed
# against 100 made before. (The request timeout is raised so that the slow
# bodies keep their connections through the whole phase.)
FAULTS=$((FAULTS + 1))
start_server slow "${TLS[@]}" --request-timeout 120 || { echo "Bail out! serve did not start"; exit 1; }
client 60 "$SCRATCH/base.json" load --ca "$CA" --body "$SCRATCH/root.json" --conns 1 --per-conn 1 \
	--max-requests 100 --duration 50 --prefix base
all_ok "$SCRATCH/base.json" "before the slow clients: 100 requests on new connections"

rm -f "$SCRATCH/hold.ready" "$SCRATCH/hold.stop"
bg_client "$SCRATCH/hold.json" hold --ca "$CA" --body "$SCRATCH/root.json" --tcp 10 --tls 10 \
	--headers 15 --bodies 15 --every 0.1 --ready "$SCRATCH/hold.ready" --stop "$SCRATCH/hold.stop" \
	--timeout 40
HOLD=$BG
wait_until 20 test -e "$SCRATCH/hold.ready"
ok "50 slow and half-open connections open (${WAITED_MS} ms)" test -e "$SCRATCH/hold.ready"
wait_until 5 in_flight_is 15
ok "the 15 slow bodies are requests in flight" in_flight_is 15

client 60 "$SCRATCH/under.json" load --ca "$CA" --body "$SCRATCH/root.json" --conns 1 --per-conn 1 \
	--max-requests 100 --duration 50 --prefix under
all_ok "$SCRATCH/under.json" "with 50 slow clients open: 100 requests on new connections"
base_p50=$(jget "$SCRATCH/base.json" p50_ms) p50=$(jget "$SCRATCH/under.json" p50_ms)
max=$(jget "$SCRATCH/under.json" max_ms)
diag "latency on a new connection: median ${base_p50} ms before, ${p50} ms with the slow clients (max ${max} ms)"
ok "... none of them waits for a slow client (slowest ${max} ms, under 1 s)" \
	python3 -c "import sys; sys.exit(not float('$max') < 1000)"
ok "... median latency normal (${p50} ms, before: ${base_p50} ms)" \
	python3 -c "import sys; sys.exit(not float('$p50') <= 3 * float('$base_p50') + 20)"
client 30 "$SCRATCH/under-ka.json" load --ca "$CA" --body "$SCRATCH/root.json" --conns 4 \
	--max-requests 400 --duration 20 --prefix under-ka
all_ok "$SCRATCH/under-ka.json" "... and 400 more on 4 keep-alive connections"

touch "$SCRATCH/hold.stop"
wait_exit "$HOLD" 30
py_tap "$SCRATCH/hold.json" <<'PY'
try:
    o = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
except Exception as e:
    o = {"errors": ["no output: %r" % e]}
want = {"tcp": 10, "tls": 10, "headers": 15, "bodies": 15}
eq(o.get("opened"), want, "the slow clients all connected")
eq(o.get("still_open"), want, "... and all were still open at the end (none dropped early)")
eq(o.get("answered"), {"headers": 15, "bodies": 15},
   "the 30 slow requests, finished at last, are answered 200")
eq(o.get("errors"), [], "... without a client error")
PY
ok "server still running after the slow clients" server_alive
failures_at_least() { [ "$(metric security_inspector_tls_handshake_failures_total)" -ge "$1" ]; }
wait_until 5 failures_at_least 10
ok "the 10 connections closed without a TLS handshake are counted" failures_at_least 10
is "$(grep -c '"msg":"TLS handshakes failed' "$SCRATCH/slow.err")" 1 \
	"... and logged in one line, not one each"
count "$SCRATCH/under.json" "new connections beside the slow clients"
count "$SCRATCH/under-ka.json" "keep-alive beside the slow clients"
SENT_TOTAL=$((SENT_TOTAL + 30))
slow_answered=$(jget "$SCRATCH/hold.json" answered.headers)+$(jget "$SCRATCH/hold.json" answered.bodies)
[[ $slow_answered == *"?"* ]] && slow_answered=0
LOST_TOTAL=$((LOST_TOTAL + 30 - (slow_answered)))

# --- more connections than --max-connections ---------------------------------------------

# 64 idle TLS connections against --max-connections 32: 32 are served, 16
# more go to the reserve kept for health checks (closed after 2 silent
# seconds, 503 for reviews), the others are closed as soon as accepted.
FAULTS=$((FAULTS + 1))
start_server flood "${TLS[@]}" --max-connections 32 || { echo "Bail out! serve did not start"; exit 1; }
rm -f "$SCRATCH/flood.ready" "$SCRATCH/flood.stop"
bg_client "$SCRATCH/flood.json" flood --ca "$CA" --conns 64 --handshake 2 \
	--ready "$SCRATCH/flood.ready" --stop "$SCRATCH/flood.stop" --timeout 30
FLOOD=$BG
wait_until 20 test -e "$SCRATCH/flood.ready"
ok "64 idle TLS connections tried at once" test -e "$SCRATCH/flood.ready"
sessions=$(jget "$SCRATCH/flood.ready" sessions)
diag "flood: $(cat "$SCRATCH/flood.ready")"
ok "32 get a TLS session, and at most the 16 of the reserve more ($sessions)" \
	test "$sessions" -ge 32 -a "$sessions" -le 48
is "$(jget "$SCRATCH/flood.ready" served)" "$sessions" "each connection kept is served (GET /healthz on it)"
refused=$(($(jget "$SCRATCH/flood.ready" refused) + $(jget "$SCRATCH/flood.ready" closed) + \
	$(jget "$SCRATCH/flood.ready" unanswered)))
is "$refused" $((64 - sessions)) "the $((64 - sessions)) others are refused at once"
is "$(jget "$SCRATCH/flood.ready" unanswered)" 0 "... none is left waiting for a handshake"
wait_until 10 healthy
ok "while the flood holds its 32 connections, health checks answer (${WAITED_MS} ms)" healthy
post /validate "$SCRATCH/root.json"
is "$CODE" 503 "... and a review gets 503 (the server is full)"
grep -qi '^Retry-After: 1' "$HEADERS"
ok "... with Retry-After" test $? = 0
ok "... and says why" grep -q 'connection limit' "$RESP"
refused_metric=$(metric security_inspector_connections_refused_total)
ok "refused connections are counted ($refused_metric)" test "$refused_metric" -ge $((64 - sessions))
conns_at_most() { [ "$(metric security_inspector_connections)" -le "$1" ]; }
wait_until 6 conns_at_most 33
ok "reserve connections are closed after 2 silent seconds; the 32 under the limit stay" \
	conns_at_most 33
ok "... all 32 of them" test "$(metric security_inspector_connections)" -ge 33
touch "$SCRATCH/flood.stop"
wait_exit "$FLOOD" 10
wait_until 10 healthy
ok "once the flood goes away health checks answer ($WAITED_MS ms)" healthy
post /validate "$SCRATCH/root.json"
is "$CODE" 200 "... and reviews too"
ok "server still running after the flood" server_alive
SENT_TOTAL=$((SENT_TOTAL + sessions + 1))
LOST_TOTAL=$((LOST_TOTAL + sessions - $(jget "$SCRATCH/flood.ready" served)))
[ "$CODE" = 200 ] || LOST_TOTAL=$((LOST_TOTAL + 1))

# --- a body slower than --request-timeout -----------------------------------------------

FAULTS=$((FAULTS + 1))
start_server trickle "${TLS[@]}" --request-timeout 2 || { echo "Bail out! serve did not start"; exit 1; }
client 20 "$SCRATCH/trickle.json" trickle --ca "$CA" --body "$SCRATCH/root.json" --chunk 64 \
	--every 0.25 --timeout 10
after=$(jget "$SCRATCH/trickle.json" closed_after_s)
diag "trickle: $(cat "$SCRATCH/trickle.json")"
is "$(jget "$SCRATCH/trickle.json" status)" null "a body trickling past --request-timeout 2 gets no answer"
ok "... its connection is closed after 2 s and before 5 s (${after} s)" \
	python3 -c "import sys; sys.exit(not 2 <= float('$after') < 5)"
client 20 "$SCRATCH/trickle-fast.json" trickle --ca "$CA" --body "$SCRATCH/root.json" --chunk 400 \
	--every 0.2 --timeout 10
is "$(jget "$SCRATCH/trickle-fast.json" status)" 200 "a body sent slowly within the timeout (about 1 s) is answered"
client 20 "$SCRATCH/stall.json" trickle --ca "$CA" --body "$SCRATCH/root.json" --chunk 64 \
	--every 0.25 --stall-after 256 --timeout 10
after=$(jget "$SCRATCH/stall.json" closed_after_s)
diag "stall: $(cat "$SCRATCH/stall.json")"
is "$(jget "$SCRATCH/stall.json" status)" null "a body that stops after 256 bytes gets no answer"
ok "... its connection is closed after 2 s and before 4 s, not by the 30 s idle timeout (${after} s)" \
	python3 -c "import sys; sys.exit(not 2 <= float('$after') < 4)"
is "$(metric security_inspector_request_timeouts_total)" 2 "both cut bodies are counted in request_timeouts_total"
grep -q '"msg":"request body not received within --request-timeout' "$SCRATCH/trickle.err"
ok "... and logged" test $? = 0
wait_until 5 in_flight_is 0
ok "no request left in flight" in_flight_is 0
ok "server still running after the slow bodies" server_alive
SENT_TOTAL=$((SENT_TOTAL + 1))
[ "$(jget "$SCRATCH/trickle-fast.json" status)" = 200 ] || LOST_TOTAL=$((LOST_TOTAL + 1))

# --- policy reloads under load ----------------------------------------------------------

# write_policy FILE MODE : replaces FILE atomically (rename).
write_policy() {
	printf 'mode: "%s"\n' "$2" >"$1.tmp" && mv -f "$1.tmp" "$1"
}

# 8 clients (4 keep-alive, 4 with a new connection per request) for 5 s; the
# policy file alternates between enforce and warn every 200 ms: replaced
# for the first half (seen by the 1 s file check), with a SIGHUP after each
# replacement for the second half.
FAULTS=$((FAULTS + 2))
POL="$SCRATCH/policy.yaml"
write_policy "$POL" warn
start_server policy "${TLS[@]}" --config "$POL" --reload-interval 1 ||
	{ echo "Bail out! serve did not start"; exit 1; }
bg_client "$SCRATCH/policy-load.json" load --ca "$CA" --body "$SCRATCH/root.json" --conns 8 --mixed \
	--per-conn 50 --duration 5 --prefix policy
LOAD=$BG
sleep 0.2
for ((i = 0; i < 24; i++)); do
	if ((i % 2)); then write_policy "$POL" warn; else write_policy "$POL" enforce; fi
	((i >= 12)) && kill -HUP "$SERVER_PID"
	sleep 0.2
done
wait_exit "$LOAD" 30
all_ok "$SCRATCH/policy-load.json" "policy reloads every 200 ms under load: no error, no answer but 200"
allowed=$(jget "$SCRATCH/policy-load.json" allowed)
like "$allowed" '"false": [1-9].*"true": [1-9]' "... both policies answered during the load (allowed: $allowed)"
ok "... reloads counted ($(reloads policy success) successful)" test "$(reloads policy success)" -ge 12
is "$(reloads policy failure)" 0 "... and none failed"
ok "server still running after the policy reloads" server_alive
count "$SCRATCH/policy-load.json" "policy reloads"

# --- certificate reloads under load -----------------------------------------------------

# The certificate and key sit in a Secret-like volume (files behind the
# "..data" symlink), swapped between A and B every 200 ms; a SIGHUP after
# each swap in the second half. The clients trust both CAs.
FAULTS=$((FAULTS + 2))
SECRET="$SCRATCH/secret"
mkdir -p "$SECRET/..v0"
cp "$SCRATCH/a/tls.crt" "$SCRATCH/a/tls.key" "$SECRET/..v0/"
ln -s ..v0 "$SECRET/..data"
ln -s ..data/tls.crt "$SECRET/tls.crt"
ln -s ..data/tls.key "$SECRET/tls.key"
CA="$SCRATCH/both-ca.crt"
start_server certs --tls-cert "$SECRET/tls.crt" --tls-key "$SECRET/tls.key" --reload-interval 1 ||
	{ echo "Bail out! serve did not start"; exit 1; }
bg_client "$SCRATCH/cert-load.json" load --ca "$CA" --body "$SCRATCH/root.json" --conns 8 --mixed \
	--per-conn 10 --duration 5 --prefix cert
LOAD=$BG
sleep 0.2
for ((i = 1; i <= 24; i++)); do
	c=a
	((i % 2)) && c=b
	mkdir -p "$SECRET/..v$i"
	cp "$SCRATCH/$c/tls.crt" "$SCRATCH/$c/tls.key" "$SECRET/..v$i/"
	ln -s "..v$i" "$SECRET/..data_tmp" && mv -T "$SECRET/..data_tmp" "$SECRET/..data"
	((i > 12)) && kill -HUP "$SERVER_PID"
	sleep 0.2
done
wait_exit "$LOAD" 30
all_ok "$SCRATCH/cert-load.json" "certificate reloads every 200 ms under load: no error, no answer but 200"
is "$(jget "$SCRATCH/cert-load.json" serials)" 2 "... new connections got both certificates during the load"
ok "... reloads counted ($(reloads certificate success) successful)" test "$(reloads certificate success)" -ge 12
is "$(reloads certificate failure)" 0 "... and none failed"
ok "server still running after the certificate reloads" server_alive
count "$SCRATCH/cert-load.json" "certificate reloads"
CA="$SCRATCH/a/ca.crt"

# --- SIGTERM under load -----------------------------------------------------------------

# Requests the server took (a decision on its stdout) must all be answered.
# DRAIN_TODO, when set, marks these checks TODO with its reason (it was set
# while the drain could cut keep-alive requests; the drain now answers with
# Connection: close and closes its gate only once connections are gone).
DRAIN_TODO=""

# todo_ok COND DESC DIAG... : passes when COND is "yes"; else a failure
# marked TODO while DRAIN_TODO says why (a known bug, kept visible).
todo_ok() {
	local cond=$1 desc=$2
	shift 2
	if [ "$cond" = yes ]; then
		pass "$desc"
	elif [ -n "$DRAIN_TODO" ]; then
		TAP_N=$((TAP_N + 1))
		echo "not ok $TAP_N - $desc # TODO $DRAIN_TODO"
		diag "$@"
	else
		fail "$desc" "$@"
	fi
}

for round in 1 2; do
	FAULTS=$((FAULTS + 1))
	start_server "term$round" "${TLS[@]}" || { echo "Bail out! serve did not start"; exit 1; }
	PID=$SERVER_PID
	bg_client "$SCRATCH/term$round.json" load --ca "$CA" --body "$SCRATCH/root.json" --conns 8 --mixed \
		--per-conn 0 --duration 15 --until-refused --log "$SCRATCH/term$round.log" --prefix "term$round"
	LOAD=$BG
	sleep 1.5
	kill -TERM "$PID"
	t0=$(date +%s%N)
	wait_exit "$PID" 40
	ms=$((($(date +%s%N) - t0) / 1000000))
	is "$EXIT_RC" 0 "SIGTERM under load ($round): the server exits 0 (${ms} ms)"
	wait_exit "$LOAD" 30
	python3 - "$SCRATCH/term$round.log" "$SERVER_OUT" >"$SCRATCH/term$round.sum" <<'PY'
import json, sys
taken = set()
for line in open(sys.argv[2], errors="replace"):
    try:
        taken.add(json.loads(line)["uid"])
    except (ValueError, KeyError, TypeError):
        pass
out = {}
for line in open(sys.argv[1]):
    uid, outcome, detail = (line.rstrip("\n").split("\t") + ["", ""])[:3]
    out[uid] = (outcome, detail)
answered = {u for u, (o, _) in out.items() if o == "ok"}
not_sent = {u for u, (o, _) in out.items() if o in ("refused", "unsent")}
lost = set(out) - answered - not_sent
taken_lost = taken & lost
print("%d %d %d %d %d %d" % (
    len(out) - len(not_sent), len(answered), len(not_sent), len(lost), len(taken_lost),
    len(answered - taken)))
for u in sorted(lost)[:8]:
    print("lost %s: %s %s%s" % (u, out[u][0], out[u][1], " (taken by the server)" if u in taken_lost else ""))
PY
	sent=0 answered=0 refused=0 lost=x taken_lost=x stray=x
	read -r sent answered refused lost taken_lost stray <"$SCRATCH/term$round.sum"
	diag "SIGTERM ($round): $(jget "$SCRATCH/term$round.json" outcomes)" "$(tail -n +2 "$SCRATCH/term$round.sum")"
	ok "... after it, new connections are refused ($refused times)" test "$refused" -gt 0
	is "$stray" 0 "... every answer is for a request the server logged a decision for"
	todo_ok "$([ "$taken_lost" = 0 ] && echo yes)" \
		"... every request the server took (decision logged) got its answer ($taken_lost not)" \
		"requests whose decision is logged but whose client saw the connection close: $taken_lost"
	todo_ok "$([ "$lost" = 0 ] && echo yes)" \
		"... every request sent on an accepted connection got its answer ($lost of $sent not)" \
		"requests sent on a TLS session the server had accepted, closed without an answer: $lost"
	SENT_TOTAL=$((SENT_TOTAL + sent))
	[ "$lost" = x ] || LOST_TOTAL=$((LOST_TOTAL + lost))
	diag "SIGTERM ($round): requests sent: $sent, answered: $answered, lost: $lost" \
		"(taken by the server: $taken_lost); not sent (connection refused or closed first): $refused"
done

diag "faults tried: $FAULTS (slow/half-open clients, connection flood, slow body, policy reloads" \
	"by file and SIGHUP, certificate reloads by file and SIGHUP, SIGTERM twice)"
diag "requests sent: $SENT_TOTAL, lost: $LOST_TOTAL"
tap_finish
