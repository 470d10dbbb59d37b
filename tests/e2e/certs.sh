#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End to end: `serve --manage-certs` against the cluster KUBECONFIG points to
# (skipped without one). Two servers on loopback share one Secret with short
# lifetimes; a client that re-reads the Secret's ca.crt every 2 s, the way
# the API server follows a webhook configuration's caBundle, calls both with
# a new TLS handshake each time through serving-certificate renewals and a
# CA rotation, and must never fail. Prints TAP.
#   tests/e2e/certs.sh /path/to/security-inspector
set -uo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tap.sh"
TAP_N=0 TAP_FAILED=0
. "$here/../kube.sh"   # require_cluster, delete_namespaces, stop_all
require_cluster

ns=si-e2e-certs-$(date +%s)-$$
secret=si-tls
work=$(mktemp -d)
pids=()
cleanup() {
	stop_all "${pids[@]}"
	delete_namespaces "$ns"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM   # so that a timeout still runs the clean-up

kubectl create ns "$ns" >/dev/null
# Shipped empty, as the manifests ship it.
kubectl -n "$ns" create secret generic "$secret" --type=kubernetes.io/tls \
	--from-literal=tls.crt= --from-literal=tls.key= >/dev/null

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
field() {   # KEY: the Secret's data[KEY], decoded
	kubectl -n "$ns" get secret "$secret" -o json |
		python3 -c 'import base64,json,sys; print(base64.b64decode(json.load(sys.stdin)["data"].get(sys.argv[1],"")).decode(),end="")' "$1"
}
served() {   # PORT: the PEM certificate the server on PORT presents
	openssl s_client -connect "127.0.0.1:$1" -servername localhost </dev/null 2>/dev/null |
		openssl x509 2>/dev/null
}
launch() {   # NAME PORT: a server with the short lifetimes; its pid in pid_NAME
	"$bin" serve --listen "127.0.0.1:$2" --manage-certs "$secret" --cert-namespace "$ns" \
		--ca-lifetime 60s --cert-lifetime 24s --ca-overlap 4s --cert-check-interval 1s \
		>>"$work/$1.out" 2>>"$work/$1.log" &
	pids+=($!)
	printf -v "pid_$1" %s $!
}
ready() {   # PORT
	for _ in $(seq 100); do
		curl -sf -k "https://127.0.0.1:$1/readyz" >/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# --- the flags ------------------------------------------------------------
out=$("$bin" serve --manage-certs "$secret" --tls-cert x --tls-key y 2>&1)
is "$?" 2 "--manage-certs with --tls-cert is a usage error"
contains "$out" "without --tls-cert" "... which says why"
out=$("$bin" serve --tls-cert x --tls-key y --ca-overlap 4s 2>&1)
contains "$out" "need --manage-certs" "the certificate options need --manage-certs"
out=$("$bin" serve --manage-certs "$secret" --cert-namespace "$ns" --cert-lifetime 24s \
	--ca-lifetime 60s --ca-overlap 10s --cert-check-interval 1s 2>&1)
contains "$out" "third of --cert-lifetime" "an overlap that does not fit the renewal window is refused"
out=$(timeout 20 "$bin" serve --listen "127.0.0.1:$(free_port)" --manage-certs no-such-secret \
	--cert-namespace "$ns" 2>&1)
contains "$out" "no-such-secret" "a missing Secret fails at once, naming it"
contains "$out" "404" "... with the API server's answer"

# --- two replicas start at once on an empty Secret --------------------------
port_a=$(free_port) port_b=$(free_port)
launch a "$port_a"
launch b "$port_b"
ready "$port_a"; ra=$?
ready "$port_b"; rb=$?
ok "both servers start on the empty Secret" test "$ra$rb" = 00
tls=$(field tls.crt)
like "$tls" "BEGIN CERTIFICATE" "the Secret now holds a serving certificate"
is "$(served "$port_a")" "$tls" "server a serves the Secret's certificate"
is "$(served "$port_b")" "$tls" "server b serves the same certificate"
is "$(field ca.crt | grep -c 'BEGIN CERTIFICATE')" 1 "ca.crt holds one CA"
updates=$(cat "$work/a.log" "$work/b.log" | grep -c '"certificate Secret updated"')
is "$updates" 1 "one replica wrote the Secret, the other used its certificate"

# --- a restart reuses the Secret's certificate -----------------------------
kill "$pid_a"; wait "$pid_a" 2>/dev/null
: >"$work/a.log"
launch a "$port_a"
ready "$port_a"
is "$(served "$port_a")" "$tls" "a restarted server serves the certificate already in the Secret"
lacks "$(cat "$work/a.log")" "certificate Secret updated" "... without writing a new one"

# --- 75 s of requests through renewals and a CA rotation --------------------
python3 - "$ns" "$secret" "$port_a" "$port_b" "$work" >"$work/client.txt" <<'PY'
import base64, hashlib, json, socket, ssl, subprocess, sys, time
ns, secret, ports, work = sys.argv[1], sys.argv[2], sys.argv[3:5], sys.argv[5]
def bundle():
    d = json.loads(subprocess.check_output(
        ["kubectl", "-n", ns, "get", "secret", secret, "-o", "json"]))["data"]
    return base64.b64decode(d["ca.crt"]).decode()
def call(port, ctx):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            der = s.getpeercert(binary_form=True)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := s.recv(4096):
                answer += chunk
            if not answer.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(answer[:40])
            return der
requests = failures = 0
seen, sizes, firsts, errors = {}, set(), set(), []
end = time.time() + 75
read_at = 0
while time.time() < end:
    if time.time() - read_at >= 2:   # the bundle reaches the client late
        pem = bundle()
        read_at = time.time()
        ctx = ssl.create_default_context(cadata=pem)
        certs = pem.count("BEGIN CERTIFICATE")
        sizes.add(certs)
        firsts.add(hashlib.sha256(pem.split("-----END CERTIFICATE-----")[0].encode()).hexdigest())
    for port in ports:
        requests += 1
        try:
            der = call(int(port), ctx)
            seen.setdefault(hashlib.sha256(der).hexdigest(), der)
        except Exception as e:
            failures += 1
            errors.append("%s: %s" % (port, e))
    time.sleep(0.05)
for i, der in enumerate(seen.values()):
    open("%s/served-%d.der" % (work, i), "wb").write(der)
print(json.dumps({"requests": requests, "failures": failures, "served": len(seen),
                  "bundle_sizes": sorted(sizes), "cas_first": len(firsts),
                  "errors": errors[:5]}))
PY
summary=$(cat "$work/client.txt")
diag "client: $summary"
get() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$summary" "$1"; }
ok "the client made over 500 requests" test "$(get requests)" -gt 500
is "$(get failures)" 0 "no request failed its TLS handshake or its answer"
ok "at least three serving certificates were served (renewals)" test "$(get served)" -ge 3
ok "a new CA came first in ca.crt (a CA rotation)" test "$(get cas_first)" -ge 2
contains "$(get bundle_sizes)" "2" "the old CA stayed in ca.crt next to the new one for a while"
issuers=$(for f in "$work"/served-*.der; do
	openssl x509 -inform DER -in "$f" -noout -ext authorityKeyIdentifier 2>/dev/null | tail -1
done | sort -u | wc -l)
ok "served certificates were signed by two CAs" test "$issuers" -ge 2

# --- the expiry metric is the served certificate's notAfter ----------------
for _ in 1 2 3; do
	field ca.crt >"$work/ca.pem"
	not_after=$(served "$port_a" | openssl x509 -noout -enddate | cut -d= -f2)
	want=$(date -u -d "$not_after" +%s)
	got=$(curl -s --cacert "$work/ca.pem" "https://127.0.0.1:$port_a/metrics" |
		awk '$1 == "security_inspector_certificate_expiry_timestamp_seconds" { print $2 }')
	[ "$got" = "$want" ] && break
	sleep 1   # a rotation between the two reads
done
is "$got" "$want" "the expiry metric is the served certificate's notAfter"
rotations=$(curl -s --cacert "$work/ca.pem" "https://127.0.0.1:$port_a/metrics" |
	awk '$1 == "security_inspector_certificate_rotations_total" { print $2 }')
ok "rotations are counted" test "${rotations:-0}" -ge 2
failures=$(curl -s --cacert "$work/ca.pem" "https://127.0.0.1:$port_b/metrics" |
	awk '$1 == "security_inspector_certificate_check_failures_total" { print $2 }')
is "$failures" 0 "no look at the Secret failed"
tap_end
