#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The webhook under the shared load matrix, in the same run as the
# nginx-over-TLS baseline (a canned answer: all the HTTP/TLS work, none of
# the webhook's), both pinned to core 0 with the load generator on core 1.
# Then 60 s of keep-alive load at 64 connections, and the webhook's resident
# memory after it.
#   bench/webhook.sh [OUTDIR]   (after `ninja -C build`; needs ../shared/bench,
#   nginx, libnginx-mod-http-echo, wrk and hey; about 10 minutes)
# Env: REPS (2), DURATION (10), TARGETS for the baseline (ecdsa).
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${SHARED_BENCH:-../shared/bench}
out=${1:-bench/results/$(date +%Y%m%d-%H%M)}
bin=$PWD/build/src/cli/security-inspector
# Port 443 (run as root): hey puts the URL's host:port in its TLS SNI, a
# malformed name that GnuTLS refuses (RFC 6066); on the default port it sends
# the bare address. kube-apiserver's Go client sends no SNI for an address.
port=${PORT:-443}
export REPS=${REPS:-2} DURATION=${DURATION:-10}
url="https://127.0.0.1:$port/validate"
[ "$port" = 443 ] && url="https://127.0.0.1/validate"
mkdir -p "$out"
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

echo "== baseline: nginx over TLS (ECDSA), canned answer"
TARGETS=${TARGETS:-ecdsa} "$shared/limit-nginx.sh" "$out/nginx" >"$out/nginx.log" 2>&1

echo "== security-inspector serve, one thread on core 0"
"$bin" certs --out "$tmp/certs" >/dev/null 2>&1
taskset -c 0 "$bin" serve --listen "127.0.0.1:$port" --threads 1 \
	--tls-cert "$tmp/certs/tls.crt" --tls-key "$tmp/certs/tls.key" \
	>/dev/null 2>"$out/serve.err" &
pid=$!
for _ in $(seq 50); do
	curl -sf --cacert "$tmp/certs/ca.crt" "https://127.0.0.1:$port/healthz" >/dev/null && break
	sleep 0.1
done
# The fixture's answer must be the webhook's real one, not an error.
curl -sf --cacert "$tmp/certs/ca.crt" -H 'Content-Type: application/json' \
	--data-binary @"$shared/fixtures/admission-request.json" \
	"https://127.0.0.1:$port/validate" | grep -q '"allowed":true'
SERVER_PIDS=$pid LABEL=si-ecdsa "$shared/wrk-matrix.sh" "$url" \
	"$out/si" >"$out/si.log" 2>&1

echo "== 60 s keep-alive load at 64 connections, then resident memory"
WRK_BODY_FILE="$shared/fixtures/admission-request.json" taskset -c 1 wrk -t1 -c64 -d60s \
	-s "$shared/admission.lua" "https://127.0.0.1:$port/validate" >"$out/soak.txt" 2>&1
grep -E 'VmRSS|VmHWM' "/proc/$pid/status" | tee "$out/memory.txt"
curl -s --cacert "$tmp/certs/ca.crt" "https://127.0.0.1:$port/metrics" >"$out/metrics.txt"

echo "== medians"
MAX_OTHER=20 "$shared/medians.sh" "$out/nginx/nginx-ecdsa-runs.tsv" | tee "$out/nginx-medians.md"
MAX_OTHER=20 "$shared/medians.sh" "$out/si/si-ecdsa-runs.tsv" | tee "$out/si-medians.md"
