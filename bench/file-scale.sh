#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Memory and time against the size of the input: generated Deployments as a
# YAML stream and as a kubectl-style JSON List of about each size given (MB),
# audited from the file and from stdin (whole process: wall, peak RSS), beside
# the floors of the same files: libyaml's event parse and cJSON's parse
# (parse-floor.c, built here).
#   bench/file-scale.sh [MB...]   (after `ninja -C build`; default 20 200 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$PWD/build/src/cli/security-inspector
tmp=${TMPDIR:-/tmp}/si-file-scale
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2046
cc -O2 -o "$tmp/parse-floor" bench/parse-floor.c $(pkg-config --cflags --libs libcjson yaml-0.1)

run() {   # prints "wall rss_mib" of the command
	/usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" || true
	read -r t m < <(tail -n 1 "$tmp/time")
	echo "$t $((m / 1024))"
}

echo "| input | size | floor | audit FILE (text) | audit FILE (json) | audit - (json) |"
echo "|---|---|---|---|---|---|"
for mb in "${@:-20 200 1000}"; do
	for fmt in yaml json; do
		# ~5.2 KB of YAML and ~14.5 KB of JSON per Deployment.
		per=$([ "$fmt" = yaml ] && echo 5300 || echo 14800)
		n=$(( mb * 1000000 / per ))
		python3 bench/gen-manifests.py "$n" "$tmp" "$fmt"
		f="$tmp/deployments-$n.$fmt"
		size=$(( $(stat -c %s "$f") / 1000000 ))
		floor=$("$tmp/parse-floor" "$fmt" "$f")
		read -r tt mt < <(run "$bin" audit -o /dev/null "$f")
		read -r tj mj < <(run "$bin" audit --format json -o /dev/null "$f")
		read -r ts ms < <(run sh -c "exec '$bin' audit --format json -o /dev/null - < '$f'")
		printf '| %s Deployments, %s | %s MB | %s s | %s s, %s MiB | %s s, %s MiB | %s s, %s MiB |\n' \
			"$n" "$fmt" "$size" "$floor" "$tt" "$mt" "$tj" "$mj" "$ts" "$ms"
		rm -f "$f"
	done
done
