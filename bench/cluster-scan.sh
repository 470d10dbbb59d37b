#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Scans of a live cluster: N generated Deployments (gen-manifests.py) created
# in a namespace of the cluster KUBECONFIG points to, then
#  - `audit --cluster` as a whole process (wall, peak RSS) with pages of 500
#    and of 50 objects;
#  - `serve --inspect-interval 1s`: how long a scan takes (its metric) and the
#    server's peak resident memory; with 1h, its resident memory after a scan;
#  - admission under keep-alive load (wrk, 16 connections, DURATION s) with
#    scans running back to back, and without any scan: is admission held up?
#   bench/cluster-scan.sh [N] [OUTDIR]   (after `ninja -C build`; needs a test
#   cluster, kubectl, wrk and ../shared/bench for the request fixture)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
out=${2:-bench/results/cluster-scan-$(date +%Y%m%d-%H%M)}
shared=${SHARED_BENCH:-../shared/bench}
bin=$PWD/build/src/cli/security-inspector
duration=${DURATION:-20}
ns=si-bench-$(date +%s)
tmp=$(mktemp -d)
pid=
mkdir -p "$out"
. tests/kube.sh   # delete_namespaces
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	wait 2>/dev/null || true
	delete_namespaces "$ns" || true   # (errexit is off inside it then)
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "== seeding $n Deployments in $ns"
python3 bench/gen-manifests.py "$n" "$tmp" >/dev/null
kubectl create ns "$ns" >/dev/null
t0=$(date +%s)
sed -E "/^  namespace: /d" "$tmp/deployments-$n.yaml" | kubectl create -n "$ns" -f - >/dev/null
echo "seeded in $(($(date +%s) - t0)) s; $(kubectl get deploy -n "$ns" --no-headers | wc -l) stored" |
	tee "$out/seed.txt"

echo "== audit --cluster (whole process, median of 3)"
for page in 500 50; do
	for _ in 1 2 3; do
		/usr/bin/time -f "%e %M" -o "$tmp/time" "$bin" audit --cluster --namespace "$ns" \
			--page-size "$page" --format json -o /dev/null 2>/dev/null || true
		tail -n 1 "$tmp/time"
	done | sort -n | sed -n 2p | awk -v p="$page" -v n="$n" \
		'{ printf "| audit --cluster, %d Deployments, pages of %d | %s s | %d MiB |\n", n, p, $1, $2 / 1024 }' |
		tee -a "$out/audit.md"
done

certs=$tmp/certs
"$bin" certs --out "$certs" >/dev/null 2>&1
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
metric() {
	curl -s --cacert "$certs/ca.crt" "https://127.0.0.1:$port/metrics" | awk -v k="$1" '$1 == k { print $2 }'
}
load() {   # label
	WRK_BODY_FILE="$shared/fixtures/admission-request.json" wrk -t1 -c16 -d"${duration}s" --latency \
		-s "$shared/admission.lua" "https://127.0.0.1:$port/validate" >"$out/wrk-$1.txt" 2>&1
	awk -v l="$1" '/Requests\/sec/ { rps = $2 } / 50%/ { p50 = $2 } / 99%/ { p99 = $2 }
		END { printf "| %s | %s | %s | %s |\n", l, rps, p50, p99 }' "$out/wrk-$1.txt" | tee -a "$out/load.md"
}
first_scan() {   # waits (up to a minute) for a scan to finish
	for _ in $(seq 300); do
		[ "$(metric 'security_inspector_scans_total{result="complete"}')" -ge 1 ] 2>/dev/null &&
			return
		sleep 0.2
	done
}
serve() {   # extra args
	"$bin" serve --listen "127.0.0.1:$port" --threads 1 --tls-cert "$certs/tls.crt" \
		--tls-key "$certs/tls.key" "$@" >/dev/null 2>>"$out/serve.err" &
	pid=$!
	for _ in $(seq 50); do
		curl -sf --cacert "$certs/ca.crt" "https://127.0.0.1:$port/healthz" >/dev/null && break
		sleep 0.1
	done
}

echo "== serve without scans, under load"
serve
load "no scan"
kill "$pid"; wait "$pid" || true; pid=

echo "== serve --inspect-interval 1s (scans of the whole cluster back to back), under load"
serve --inspect-interval 1s --no-events
first_scan
before=$(metric 'security_inspector_scans_total{result="complete"}')
load "scans running"
after=$(metric 'security_inspector_scans_total{result="complete"}')
{
	echo "scans during the load: $((after - before)) in ${duration} s"
	echo "last scan: $(metric security_inspector_scan_duration_seconds) s," \
		"$(metric security_inspector_scan_workloads) workloads"
	grep -E 'VmRSS|VmHWM' "/proc/$pid/status" | tr -s ' \t' ' '
	curl -s --cacert "$certs/ca.crt" "https://127.0.0.1:$port/report.json" -o "$tmp/r.json" \
		-w 'report.json: %{size_download} bytes\n'
	curl -s --cacert "$certs/ca.crt" "https://127.0.0.1:$port/report" -o /dev/null \
		-w 'report (HTML): %{size_download} bytes\n'
} | tee "$out/scan.txt"
kill "$pid"; wait "$pid" || true; pid=

echo "== serve --inspect-interval 1h: resident memory after one scan"
serve --inspect-interval 1h --no-events
first_scan
sleep 2
grep -E 'VmRSS|VmHWM' "/proc/$pid/status" | tr -s ' \t' ' ' | sed 's/^/after the scan: /' |
	tee "$out/idle.txt"
