#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Times `security-inspector audit` as a whole process on generated
# Deployments (YAML stream and kubectl-style JSON List) and on the real-world
# corpus: wall seconds and peak resident memory, median of RUNS runs.
# Usage: bench/audit.sh [N_DEPLOYMENTS] [RUNS]   (after `ninja -C build`)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-4000}
runs=${2:-5}
bin=build/src/cli/security-inspector
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 bench/gen-manifests.py "$n" "$tmp"

measure() {   # label, then the command
	local label=$1; shift
	local times=() mems=()
	for _ in $(seq "$runs"); do
		/usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >/dev/null 2>&1 || true
		read -r t m < <(tail -n 1 "$tmp/time")
		times+=("$t"); mems+=("$m")
	done
	local mt mm
	mt=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
	mm=$(printf '%s\n' "${mems[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
	printf '| %-44s | %8s s | %8d MiB |\n' "$label" "$mt" "$((mm / 1024))"
}

yaml="$tmp/deployments-$n.yaml" json="$tmp/deployments-$n.json"
echo "| input | wall (median of $runs) | peak RSS |"
echo "|---|---|---|"
measure "$n Deployments, YAML ($(( $(stat -c %s "$yaml") / 1048576 )) MiB), text report" "$bin" audit -o /dev/null "$yaml"
measure "$n Deployments, YAML, JSON report" "$bin" audit --format json -o /dev/null "$yaml"
measure "$n Deployments, JSON List ($(( $(stat -c %s "$json") / 1048576 )) MiB), JSON report" "$bin" audit --format json -o /dev/null "$json"
measure "$n Deployments, JSON List from stdin" sh -c "exec $bin audit --format json -o /dev/null - < $json"
measure "real-world corpus (264 files), JSON report" "$bin" audit --format json -o /dev/null tests/corpus/kubernetes-examples
