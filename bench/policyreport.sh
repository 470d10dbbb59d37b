#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# audit --format policyreport against the size of the input: N generated
# Deployments in 23 namespaces (bench/gen-manifests.py), beside the JSON
# report of the same input (whole process: wall, peak RSS), and how many
# report objects of at most 1 MiB they make.
#   bench/policyreport.sh [N...]   (after `ninja -C build`; default 2000 20000)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$PWD/build/src/cli/security-inspector
tmp=${TMPDIR:-/tmp}/si-policyreport-bench
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

run() {   # prints "wall rss_mib" of the command
	/usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" || true
	read -r t m < <(tail -n 1 "$tmp/time")
	echo "$t $((m / 1024))"
}

echo "| input | audit --format json | audit --format policyreport | objects | YAML |"
echo "|---|---|---|---|---|"
for n in "${@:-2000 20000}"; do
	python3 bench/gen-manifests.py "$n" "$tmp" yaml
	f="$tmp/deployments-$n.yaml"
	read -r tj mj < <(run "$bin" audit --format json -o /dev/null "$f")
	read -r tp mp < <(run "$bin" audit --format policyreport -o "$tmp/out.yaml" "$f")
	objects=$(grep -c '^kind: \(Cluster\)\?PolicyReport$' "$tmp/out.yaml")
	printf '| %s Deployments (%s MB) | %s s, %s MiB | %s s, %s MiB | %s | %s MB |\n' \
		"$n" "$(( $(stat -c %s "$f") / 1000000 ))" "$tj" "$mj" "$tp" "$mp" "$objects" \
		"$(( $(stat -c %s "$tmp/out.yaml") / 1000000 ))"
	rm -f "$f" "$tmp/out.yaml"
done
