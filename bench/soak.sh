#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Soak: the webhook under wrk keep-alive load at 64 connections for a long
# run (server on core 0 with one thread, wrk on core 1, as bench/webhook.sh),
# its resident memory sampled every 10 s. Reports the requests, the errors,
# VmRSS at the start, after 60 s and at the end, and the slope of VmRSS
# over the run after the first 60 s (warm-up).
#   bench/soak.sh [OUTDIR]   (after `ninja -C build`; needs ../shared/bench
#   for the request and the wrk script, wrk, curl, taskset)
# Env: DURATION seconds (600), PORT (18643), INTERVAL seconds between
# samples (10).
# Writes OUTDIR/rss.tsv (one line per sample), wrk.txt, serve.err,
# metrics-end.txt and summary.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${SHARED_BENCH:-../shared/bench}
out=${1:-bench/results/soak-$(date +%Y%m%d)}
bin=$PWD/build/src/cli/security-inspector
duration=${DURATION:-600}
interval=${INTERVAL:-10}
port=${PORT:-18643}
body="$shared/fixtures/admission-request.json"
url="https://127.0.0.1:$port/validate"
mkdir -p "$out"
tmp=$(mktemp -d)
pid='' wrk_pid=''
cleanup() {
	[ -n "$wrk_pid" ] && kill "$wrk_pid" 2>/dev/null
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

"$bin" certs --out "$tmp/certs" >/dev/null 2>&1
taskset -c 0 "$bin" serve --listen "127.0.0.1:$port" --threads 1 \
	--tls-cert "$tmp/certs/tls.crt" --tls-key "$tmp/certs/tls.key" \
	>/dev/null 2>"$out/serve.err" &
pid=$!
for _ in $(seq 50); do
	curl -sf --cacert "$tmp/certs/ca.crt" "https://127.0.0.1:$port/healthz" >/dev/null && break
	sleep 0.1
done
# The request must get the webhook's real answer, not an error.
curl -sf --cacert "$tmp/certs/ca.crt" -H 'Content-Type: application/json' \
	--data-binary @"$body" "$url" | grep -q '"allowed":true'

# sample SECONDS PHASE : one TSV line: elapsed seconds, the phase (start,
# load, after: once wrk has closed its connections), VmRSS and VmHWM (kB),
# open file descriptors, threads, requests answered so far (/metrics).
sample() {
	local rss hwm fds thr reqs
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
	hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
	thr=$(awk '/^Threads:/ { print $2 }' "/proc/$pid/status")
	fds=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
	reqs=$(curl -s --max-time 5 --cacert "$tmp/certs/ca.crt" "https://127.0.0.1:$port/metrics" |
		awk '/^security_inspector_admission_requests_total/ { n += $2 } END { printf "%d", n }')
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$rss" "$hwm" "$fds" "$thr" "$reqs"
}

printf 'elapsed_s\tphase\tvmrss_kb\tvmhwm_kb\tfds\tthreads\trequests\n' >"$out/rss.tsv"
sample 0 start >>"$out/rss.tsv"
echo "== ${duration} s of keep-alive load at 64 connections, VmRSS every ${interval} s"
WRK_BODY_FILE="$body" taskset -c 1 wrk -t1 -c64 -d"${duration}s" --timeout 10s \
	-s "$shared/admission.lua" "$url" >"$out/wrk.txt" 2>&1 &
wrk_pid=$!
t0=$(date +%s)
next=$interval
while kill -0 "$wrk_pid" 2>/dev/null; do
	now=$(($(date +%s) - t0))
	if [ "$now" -ge "$next" ]; then
		sample "$now" load >>"$out/rss.tsv"
		next=$((next + interval))
	fi
	# Bounded: wrk stops by itself after DURATION; never wait much longer.
	if [ "$now" -gt $((duration + 60)) ]; then
		kill "$wrk_pid" 2>/dev/null
		break
	fi
	sleep 1
done
wait "$wrk_pid" || true
wrk_pid=
sleep 1
sample "$(($(date +%s) - t0))" after >>"$out/rss.tsv"
curl -s --cacert "$tmp/certs/ca.crt" "https://127.0.0.1:$port/metrics" >"$out/metrics-end.txt"
kill -0 "$pid" || { echo "the server died; see $out/serve.err" >&2; exit 1; }

python3 - "$out/rss.tsv" "$out/wrk.txt" <<'PY' | tee "$out/summary.txt"
import re, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])][1:]
load = [r for r in rows if r[1] == "load"]
t = [float(r[0]) for r in load]
rss = [int(r[2]) for r in load]
fds = [int(r[4]) for r in load]
start, after = rows[0], rows[-1]
wrk = open(sys.argv[2]).read()
m = re.search(r"^RESULT (.*)$", wrk, re.M)
res = dict(kv.split("=") for kv in m.group(1).split()) if m else {}
errors = sum(int(res.get(k, 0)) for k in
             ("err_connect", "err_read", "err_write", "err_status", "err_timeout"))

# VmRSS under load: the first sample at or after 60 s (the end of warm-up)
# and the least-squares slope from there on, in kB per minute.
warm = [(x, r) for x, r in zip(t, rss) if x >= 60] or list(zip(t, rss))[-1:]
mx = sum(x for x, _ in warm) / len(warm)
my = sum(r for _, r in warm) / len(warm)
sxx = sum((x - mx) ** 2 for x, _ in warm)
slope = sum((x - mx) * (r - my) for x, r in warm) / sxx * 60 if sxx else 0.0
span_min = (warm[-1][0] - warm[0][0]) / 60
growth = rss[-1] - warm[0][1]
flat = abs(slope * span_min) < 1024 and growth < 1024
print("requests\t%s" % res.get("requests", "?"))
print("rps\t%s" % res.get("rps", "?"))
print("p99_ms\t%.2f" % (int(res.get("p99_us", 0)) / 1000))
print("errors\t%d\t(connect %s, read %s, write %s, status %s, timeout %s)" % (
    errors, res.get("err_connect"), res.get("err_read"), res.get("err_write"),
    res.get("err_status"), res.get("err_timeout")))
print("samples_under_load\t%d\t(%s s to %s s)" % (len(load), load[0][0], load[-1][0]))
print("rss_idle_start_kb\t%s" % start[2])
print("rss_first_kb\t%d\t(first sample under load, %s s)" % (rss[0], load[0][0]))
print("rss_60s_kb\t%d\t(%d s)" % (warm[0][1], warm[0][0]))
print("rss_last_kb\t%d\t(last sample under load, %d s)" % (rss[-1], t[-1]))
print("rss_min_kb\t%d" % min(rss))
print("rss_max_kb\t%d" % max(rss))
print("rss_after_load_kb\t%s\t(connections closed)" % after[2])
print("vmhwm_kb\t%s" % after[3])
print("slope_kb_per_min\t%.3f\t(from %d s, least squares)" % (slope, warm[0][0]))
print("growth_after_60s_kb\t%d" % growth)
print("fds_first_last\t%d\t%d" % (fds[0], fds[-1]))
print("memory_flat\t%s\t(growth after the warm-up under 1 MiB)" % ("yes" if flat else "no"))
PY
