#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The stream of objects (si_stream_*) against the floors under it, on a
# generated YAML stream and a kubectl-style JSON List of about MIB MiB each:
# the CPU seconds the reading itself took (the best and the median of RUNS
# runs: the machines are shared), the wall seconds and peak resident memory
# of the whole process (medians). With WHOLE=1, also
# si_input_read() of the same files (all of it in memory at once).
# Usage: bench/stream.sh [MIB] [RUNS]   (after `ninja -C build`)
set -euo pipefail
cd "$(dirname "$0")/.."
mib=${1:-200}
runs=${2:-5}
lib=build/src/lib/libsecurity-inspector.a
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cc -O2 -Iinclude -o "$tmp/stream-read" bench/stream-read.c "$lib" \
	$(pkg-config --cflags --libs libcjson yaml-0.1) -lm -lpthread

# A generated Deployment is about 5.0 KB of YAML and 14.1 KB of JSON.
n_yaml=$(( mib * 1048576 / 5000 ))
n_json=$(( mib * 1048576 / 14100 ))
python3 bench/gen-manifests.py "$n_yaml" "$tmp" --only yaml
python3 bench/gen-manifests.py "$n_json" "$tmp" --only json
yaml="$tmp/deployments-$n_yaml.yaml" json="$tmp/deployments-$n_json.json"

measure() {   # label, then the mode and file
	local label=$1; shift
	local times=() mems=() reads=()
	for _ in $(seq "$runs"); do
		/usr/bin/time -f "%e %M" -o "$tmp/time" "$tmp/stream-read" "$@" >"$tmp/out"
		read -r t m < <(tail -n 1 "$tmp/time")
		times+=("$t"); mems+=("$m"); reads+=("$(awk '{print $(NF-1)}' "$tmp/out")")
	done
	median() { printf '%s\n' "$@" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"; }
	best() { printf '%s\n' "$@" | sort -n | head -n 1; }
	printf '| %-40s | %7s s | %7s s | %7s s | %8.1f MiB |\n' "$label" \
		"$(best "${reads[@]}")" "$(median "${reads[@]}")" "$(median "${times[@]}")" \
		"$(echo "$(median "${mems[@]}") / 1024" | bc -l)"
}

echo "# $(( $(stat -c %s "$yaml") / 1048576 )) MiB of YAML ($n_yaml Deployments)," \
     "$(( $(stat -c %s "$json") / 1048576 )) MiB of JSON ($n_json); $(cc --version | head -1)"
echo "| read | reading, CPU: best of $runs | median | process, wall | peak RSS |"
echo "|---|---|---|---|---|"
measure "YAML: libyaml events (floor)" yaml-events "$yaml"
measure "YAML: stream of objects" stream "$yaml"
[ "${WHOLE:-0}" = 1 ] && measure "YAML: si_input_read, whole" whole "$yaml"
measure "JSON List: cJSON parse, whole (floor)" cjson-parse "$json"
measure "JSON List: cJSON parse, item by item" cjson-items "$json"
measure "JSON List: stream of objects" stream "$json"
[ "${WHOLE:-0}" = 1 ] && measure "JSON List: si_input_read, whole" whole "$json"
true
