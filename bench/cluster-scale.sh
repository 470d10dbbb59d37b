#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Memory and time against the size of the cluster: a stand-in API server
# (stub-cluster.py) holding N generated Deployments, for each N given, then
#  - `audit --cluster --format json` as a whole process (wall, peak RSS);
#  - `serve --inspect-interval` until its first scan is written: peak RSS;
#  - the served report's pages, five times each: size and the median time.
#   bench/cluster-scale.sh [N...]   (after `ninja -C build`; default 2000 20000;
#                                    SI_BIN=path for another build)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${SI_BIN:-$PWD/build/src/cli/security-inspector}
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
"$bin" certs --out "$tmp/certs" >/dev/null 2>&1
pages=()
echo "| workloads | audit --cluster wall | audit --cluster peak RSS | serve, first scan | serve peak RSS |"
echo "|---|---|---|---|---|"
for n in "${@:-2000 20000}"; do
	rm -f "$tmp/port"
	python3 bench/stub-cluster.py "$n" "$tmp/port" & pids+=($!)
	for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
	cat >"$tmp/kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters: [{name: stub, cluster: {server: "http://127.0.0.1:$(cat "$tmp/port")"}}]
users: [{name: stub, user: {token: bench}}]
contexts: [{name: stub, context: {cluster: stub, user: stub}}]
current-context: stub
YAML
	/usr/bin/time -f "%e %M" -o "$tmp/time" "$bin" audit --cluster --kubeconfig "$tmp/kubeconfig" \
		--format json -o /dev/null 2>/dev/null || true
	read -r wall rss < <(tail -n 1 "$tmp/time")
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	mkdir -p "$tmp/reports-$n"
	t0=$(date +%s.%N)
	/usr/bin/time -f "%e %M" -o "$tmp/serve-time" "$bin" serve --listen "127.0.0.1:$port" \
		--tls-cert "$tmp/certs/tls.crt" --tls-key "$tmp/certs/tls.key" --inspect-interval 1h \
		--kubeconfig "$tmp/kubeconfig" --no-events --report-dir "$tmp/reports-$n" \
		>/dev/null 2>"$tmp/serve.log" &
	tpid=$!
	for _ in $(seq 60000); do
		grep -q '"msg":"scan finished"' "$tmp/serve.log" 2>/dev/null && break
		kill -0 "$tpid" 2>/dev/null || { cat "$tmp/serve.log" >&2; exit 1; }
		sleep 0.1
	done
	took=$(python3 -c "import time; print(round(time.time() - $t0, 1))")
	# The pages: the first, 500 workloads, a filter, the last, one workload.
	last=$(( (n + 49) / 50 ))
	for q in '/report' '/report?size=500' '/report?status=failed&text=123' \
		"/report?page=$last" "/report/workload?id=$((n / 2))"; do
		times=()
		for _ in 1 2 3 4 5; do
			times+=("$(curl -s -o "$tmp/page" -w '%{time_total}' --cacert "$tmp/certs/ca.crt" \
				-H 'Authorization: Bearer bench' "https://127.0.0.1:$port$q")")
		done
		ms=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p | awk '{ printf "%.1f", $1 * 1000 }')
		pages+=("| $n | \`$q\` | $(($(stat -c %s "$tmp/page") / 1024)) KiB | $ms ms |")
	done
	# /usr/bin/time stops when its child, the server, does.
	kill -TERM "$(pgrep -P "$tpid")" 2>/dev/null || true
	wait "$tpid" 2>/dev/null || true
	read -r _ srss < <(tail -n 1 "$tmp/serve-time")
	printf '| %d | %s s | %d MiB | %s s | %d MiB |\n' "$n" "$wall" $((rss / 1024)) "$took" $((srss / 1024))
	kill "${pids[-1]}" 2>/dev/null || true
done
echo
echo "| workloads | page | size | median of 5 |"
echo "|---|---|---|---|"
printf '%s\n' "${pages[@]}"
