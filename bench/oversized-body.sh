#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The cost of one AdmissionReview body by kind and size: a normal review,
# then bodies of 1, 3.5, 6 and 8 MiB made to be expensive (numbers, small
# objects, long strings, many keys, an UPDATE whose pod spec has many keys,
# a pod with many containers, and the most values the server accepts padded
# with one long string). Each body is answered by a fresh
# `security-inspector serve --threads 1` (cJSON in the request arena, as in a
# cluster): server CPU per request (from /proc/PID/task/*/schedstat, in ns)
# and the server's peak resident memory over its idle size (VmHWM - VmRSS
# before the first request); then by `security-inspector review FILE`
# (the same admission path without the arena): its CPU and peak RSS
# (`/usr/bin/time`).
#   bench/oversized-body.sh [BINARY] [OUTDIR]
#     BINARY: default build/src/cli/security-inspector
# Env: SIZES (MiB, "1 3.5 6 8"), KINDS (all), RUNS (3 requests per big body),
# NORMAL_RUNS (2000 requests of the normal review), MAX_BODY (9 MiB: every
# size is accepted, so that the library's cost is what is measured), REVIEW
# (1: also run `review`), TIMEOUT (per request, 300 s), MAX_NODES (the
# server's value limit, 1000000, for the `worst` kind: the most values the
# server accepts, padded to the size with one long string).
# update-keys costs minutes a request from 3.5 MiB on (bench/README.md ran it
# with SIZES="1 3.5" RUNS=1 TIMEOUT=200).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-build/src/cli/security-inspector}")
out=${2:-bench/results/oversized-body-$(date +%Y%m%d-%H%M)}
SIZES=${SIZES:-"1 3.5 6 8"}
KINDS=${KINDS:-"numbers objects strings keys update-keys containers worst"}
RUNS=${RUNS:-3}
NORMAL_RUNS=${NORMAL_RUNS:-2000}
MAX_BODY=${MAX_BODY:-9437184}
REVIEW=${REVIEW:-1}
TIMEOUT=${TIMEOUT:-300}
export MAX_NODES=${MAX_NODES:-1000000}
normal=${NORMAL_BODY:-../shared/bench/fixtures/admission-request.json}
[ -f "$normal" ] || normal=tests/fixtures/admission/warn-by-default-policy/request.json

mkdir -p "$out"
tmp=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# --- bodies ---------------------------------------------------------------
gen() {   # gen KIND BYTES FILE
	python3 - "$1" "$2" "$3" <<'EOF'
import os, sys
kind, size, path = sys.argv[1], int(float(sys.argv[2])), sys.argv[3]

def fill(head, unit, tail, sep=","):
    # head + unit(0) + sep + unit(1) ... + tail, at most `size` bytes.
    parts, n, i = [head], len(head) + len(tail), 0
    while True:
        u = (sep if i else "") + unit(i)
        if n + len(u) > size:
            break
        parts.append(u)
        n += len(u)
        i += 1
    parts.append(tail)
    return "".join(parts)

def review(op, obj_head, unit, obj_tail, old=False):
    # An AdmissionReview of a Pod; with `old`, oldObject is the same Pod, and
    # each object gets half the room.
    head = ('{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":'
            '{"uid":"bench","kind":{"group":"","version":"v1","kind":"Pod"},'
            '"resource":{"group":"","version":"v1","resource":"pods"},'
            '"namespace":"shop","name":"big","operation":"%s",' % op)
    global size
    whole = size
    size = (whole - len(head) - 40) // (2 if old else 1)
    obj = fill(obj_head, unit, obj_tail)
    text = head + '"object":' + obj
    if old:
        text += ',"oldObject":' + obj
    size = whole
    return text + "}}"

pod = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"big","namespace":"shop"},"spec":'
if kind == "numbers":        # the finding: {"a":[0,0,...]}
    text = fill('{"a":[', lambda i: "0", "]}")
elif kind == "objects":      # nested small objects
    text = fill('{"a":[', lambda i: '{"b":{"c":0}}', "]}")
elif kind == "strings":      # long strings, 64 KiB each
    s = '"' + "x" * 65536 + '"'
    text = fill('{"a":[', lambda i: s, "]}")
elif kind == "keys":         # many keys in one object
    text = fill("{", lambda i: '"k%07d":0' % i, "}")
elif kind == "update-keys":  # UPDATE, unchanged pod spec with many keys
    text = review("UPDATE", pod + '{"containers":[{"name":"a","image":"a:1"}],"nodeSelector":{',
                  lambda i: '"k%07d":"v"' % i, "}}}", old=True)
elif kind == "containers":   # CREATE of a pod with many containers
    text = review("CREATE", pod + '{"containers":[',
                  lambda i: '{"name":"c%07d","image":"a"}' % i, "]}}")
elif kind == "worst":        # as many values as accepted, then a long string
    n = int(os.environ["MAX_NODES"]) - 3       # the root, "a" and "s"
    head = '{"a":[' + ",".join(["0"] * n) + '],"s":"'
    text = head + "x" * max(0, size - len(head) - 2) + '"}'
else:
    sys.exit("unknown kind " + kind)
open(path, "w").write(text)
EOF
}

# --- the server -------------------------------------------------------------
"$bin" certs --out "$tmp/certs" >/dev/null 2>&1
ca=$tmp/certs/ca.crt

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_server() {
	port=$(free_port)
	"$bin" serve --listen "127.0.0.1:$port" --threads 1 --max-body "$MAX_BODY" \
		--tls-cert "$tmp/certs/tls.crt" --tls-key "$tmp/certs/tls.key" \
		>/dev/null 2>"$tmp/serve.err" &
	pid=$!
	for _ in $(seq 100); do
		curl -sf --cacert "$ca" "https://127.0.0.1:$port/healthz" >/dev/null && return 0
		sleep 0.05
	done
	echo "server did not start: $(cat "$tmp/serve.err")" >&2
	exit 1
}

# SIGTERM lets a request in flight finish: after a client timeout that may
# be long, so the server gets 5 s, then SIGKILL.
stop_server() {
	kill "$pid" 2>/dev/null || true
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	pid=
}

cpu_ns() {   # CPU time of every thread of the server, in ns
	local t sum=0 v
	for t in /proc/"$pid"/task/*/schedstat; do
		read -r v _ <"$t" || continue
		sum=$((sum + v))
	done
	echo "$sum"
}

kib() { awk -v k="$1" '$1 == k ":" { print $2 }' /proc/"$pid"/status; }

# serve_body FILE N : N requests of FILE on one keep-alive connection to a
# fresh server; prints "ns-per-request extra-KiB http-codes".
serve_body() {
	local file=$1 n=$2 urls=() i
	start_server
	for ((i = 0; i < n; i++)); do urls+=(-o /dev/null "https://127.0.0.1:$port/validate"); done
	local rss0 c0 c1 hwm codes
	rss0=$(kib VmRSS)
	c0=$(cpu_ns)
	codes=$(curl -s --max-time "$TIMEOUT" --cacert "$ca" -H 'Content-Type: application/json' \
		--data-binary @"$file" -w '%{http_code}\n' "${urls[@]}" |
		sort | uniq -c | awk '{ printf "%s%s", (NR > 1 ? "," : ""), $2 }')
	c1=$(cpu_ns)
	hwm=$(kib VmHWM)
	stop_server
	echo "$(((c1 - c0) / n)) $((hwm - rss0)) ${codes:-none}"
}

# review_body FILE : prints "cpu-seconds peak-KiB exit-code" of `review FILE`.
review_body() {
	local rc=0
	/usr/bin/time -f '%U %S %M' -o "$tmp/time" timeout "$TIMEOUT" "$bin" review "$1" \
		>/dev/null 2>&1 || rc=$?
	# The last line: time writes "Command exited with non-zero status" first.
	awk -v rc="$rc" 'END { printf "%.3f %d %d\n", $1 + $2, $3, rc }' "$tmp/time"
}

# --- the runs ---------------------------------------------------------------
tsv=$out/results.tsv
printf 'kind\tMiB\tbytes\tserver_us_per_req\tserver_extra_KiB\thttp\treview_cpu_s\treview_peak_KiB\n' >"$tsv"
run() {   # run KIND MIB FILE N
	local bytes s r=("-" "-" "-")
	bytes=$(stat -c %s "$3")
	read -r -a s <<<"$(serve_body "$3" "$4")"
	[ "$REVIEW" = 1 ] && read -r -a r <<<"$(review_body "$3")"
	printf '%s\t%s\t%s\t%.1f\t%s\t%s\t%s\t%s\n' "$1" "$2" "$bytes" \
		"$(echo "${s[0]} / 1000" | bc -l)" "${s[1]}" "${s[2]}" "${r[0]}" "${r[1]}" |
		tee -a "$tsv"
}

echo "== $bin"
run normal "$(awk -v b="$(stat -c %s "$normal")" 'BEGIN { printf "%.4f", b / 1048576 }')" \
	"$normal" "$NORMAL_RUNS"
for kind in $KINDS; do
	for mib in $SIZES; do
		gen "$kind" "$(echo "$mib * 1048576" | bc)" "$tmp/body.json"
		run "$kind" "$mib" "$tmp/body.json" "$RUNS"
	done
done

# --- the table --------------------------------------------------------------
awk -F'\t' '
NR == 1 { next }
$1 == "normal" { per = $4 / $3 }
{
	size = $3 < 1048576 ? sprintf("%.1f KiB", $3 / 1024) : sprintf("%.1f MiB", $3 / 1048576)
	printf "| %s | %s | %s | %.0f µs | %.1f | %.1f MiB | %s s | %.1f MiB |\n",
		$1, size, $6, $4, ($4 / $3) / per, $5 / 1024, $7, $8 / 1024
}' "$tsv" | tee "$out/table.md"
