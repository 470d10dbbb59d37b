#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The stream of objects (si_stream_*, without the audit) against the floors
# under it, on a generated YAML stream and a kubectl-style JSON List of about
# MIB MiB each: stream-read.c reads through the library, parse-floor.c with
# the bare parsers. Wall seconds of the reading (the best and the median of
# RUNS runs: the machines are shared) and peak resident memory of the
# process (median). With WHOLE=1, also si_input_read() of the same files
# (all of it in memory at once).
# Usage: bench/stream.sh [MIB] [RUNS]   (after `ninja -C build`)
set -euo pipefail
cd "$(dirname "$0")/.."
mib=${1:-200}
runs=${2:-5}
lib=build/src/lib/libsecurity-inspector.a
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck disable=SC2046
cc -O2 -Iinclude -o "$tmp/stream-read" bench/stream-read.c "$lib" \
	$(pkg-config --cflags --libs libcjson yaml-0.1) -lm -lpthread
# shellcheck disable=SC2046
cc -O2 -o "$tmp/parse-floor" bench/parse-floor.c $(pkg-config --cflags --libs libcjson yaml-0.1)

# A generated Deployment is about 5.0 KB of YAML and 14.1 KB of JSON.
n_yaml=$(( mib * 1048576 / 5000 ))
n_json=$(( mib * 1048576 / 14100 ))
python3 bench/gen-manifests.py "$n_yaml" "$tmp" yaml
python3 bench/gen-manifests.py "$n_json" "$tmp" json
yaml="$tmp/deployments-$n_yaml.yaml" json="$tmp/deployments-$n_json.json"

measure() {   # label, then the command; it prints its seconds last
	local label=$1; shift
	local times=() mems=()
	for _ in $(seq "$runs"); do
		/usr/bin/time -f "%M" -o "$tmp/time" "$@" >"$tmp/out" 2>/dev/null
		times+=("$(tail -n 1 "$tmp/out")"); mems+=("$(tail -n 1 "$tmp/time")")
	done
	median() { printf '%s\n' "$@" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"; }
	best() { printf '%s\n' "$@" | sort -n | head -n 1; }
	printf '| %-40s | %7s s | %7s s | %8.1f MiB |\n' "$label" "$(best "${times[@]}")" \
		"$(median "${times[@]}")" "$(echo "$(median "${mems[@]}") / 1024" | bc -l)"
}

echo "# $(( $(stat -c %s "$yaml") / 1048576 )) MiB of YAML ($n_yaml Deployments)," \
     "$(( $(stat -c %s "$json") / 1048576 )) MiB of JSON ($n_json); $(cc --version | head -1)"
echo "| read | best of $runs | median | peak RSS |"
echo "|---|---|---|---|"
measure "YAML: libyaml events (floor)" "$tmp/parse-floor" yaml "$yaml"
measure "YAML: stream of objects" "$tmp/stream-read" stream "$yaml"
[ "${WHOLE:-0}" = 1 ] && measure "YAML: si_input_read, whole" "$tmp/stream-read" whole "$yaml"
measure "JSON List: cJSON parse, whole (floor)" "$tmp/parse-floor" json "$json"
measure "JSON List: cJSON parse, item by item" "$tmp/parse-floor" json-items "$json"
measure "JSON List: stream of objects" "$tmp/stream-read" stream "$json"
[ "${WHOLE:-0}" = 1 ] && measure "JSON List: si_input_read, whole" "$tmp/stream-read" whole "$json"
true
