#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The HTML report against the number of workloads: for each N given,
# gen-manifests.py's N Deployments (three containers and an init container)
# audited to HTML (whole process: wall, peak RSS), the page's size and bytes
# per workload, then the page in headless Chromium (html-load.mjs): the time
# from the request to a built table (median of RUNS), that every workload is
# reachable (the table lists N; failed + passed and the namespaces add up to
# N; scrolling draws all N), the most rows in the DOM, and the time to open
# the last workload.
#   bench/html-report.sh [N...]   (after `ninja -C build`; default 2000 20000;
#                                  RUNS=3; KEEP=DIR keeps the reports there)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$PWD/build/src/cli/security-inspector
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ ! -e tests/html/node_modules/playwright-core/index.mjs ]; then
	npm ci --prefix tests/html --no-audit --no-fund >/dev/null
fi

echo "| workloads | audit to HTML | peak RSS | page | per workload | table ready (median of ${RUNS:-3}) | reachable | rows in DOM | open last |"
echo "|---|---|---|---|---|---|---|---|---|"
for n in "${@:-2000 20000}"; do
	python3 bench/gen-manifests.py "$n" "$tmp" yaml
	# In files of 2 000 (one of 20 000, 100 MB, is over the input limit
	# while files are read whole).
	in="$tmp/in-$n"
	mkdir -p "$in"
	python3 - "$tmp/deployments-$n.yaml" "$in" <<'PY'
import sys
docs = open(sys.argv[1]).read().split("\n---\n")
for k in range(0, len(docs), 2000):
    with open("%s/part-%05d.yaml" % (sys.argv[2], k), "w") as f:
        f.write("\n---\n".join(docs[k:k + 2000]).rstrip("\n") + "\n")
PY
	rm "$tmp/deployments-$n.yaml"
	out="$tmp/report-$n.html"
	/usr/bin/time -f "%e %M" -o "$tmp/time" "$bin" audit --format html --fail-on never \
		-o "$out" "$in" 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
	read -r wall rss < <(tail -n 1 "$tmp/time")
	size=$(stat -c %s "$out")
	load=$(node bench/html-load.mjs "$out" "${RUNS:-3}")
	python3 - "$n" "$wall" "$rss" "$size" "$load" <<'PY'
import json, sys
n, wall, rss, size = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
r = json.loads(sys.argv[5])
every = (r["listed"] == n and r["failed"] + r["passed"] == n and r["nsSum"] == n
         and r["scrolled"] == n and not r["errors"])
print("| %d | %s s | %d MiB | %.2f MiB | %d B | %.2f s (%s) | %s | %d | %d ms |" % (
    n, wall, rss // 1024, size / 1048576, round(size / n), r["readyMs"] / 1000,
    ", ".join("%.2f" % (t / 1000) for t in r["runs"]),
    "all %d" % n if every else "NO: %s" % json.dumps(r), r["mostRows"], r["openLastMs"]))
PY
	if [ -n "${KEEP:-}" ]; then
		mkdir -p "$KEEP"
		cp "$out" "$KEEP/"
	fi
	rm -rf "$in"
done
