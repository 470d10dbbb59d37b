#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs integration scripts with every security-inspector process they start
# (serve, certs) under valgrind's memcheck, then reports the errors and the
# leaks each process had. Slow (a minute or more per script); not part of
# `meson test`.
#
#   tests/integration/valgrind.sh [-o OUTDIR] BINARY [SCRIPT.sh|NAME ...]
#
# BINARY is the real executable (build/src/cli/security-inspector); SCRIPTs
# default to every webhook_*.sh here. The scripts are given a small wrapper
# in BINARY's place that execs valgrind on it: the PID a script starts is
# then valgrind's, which runs the program in that same process and passes
# it every signal (SIGHUP, SIGTERM, SIGINT), so the scripts' signals and
# exit codes work as with the bare binary.
#
# Each process writes OUTDIR/logs/<script>.<pid>.log; OUTDIR/<script>.tap
# keeps the script's TAP output. Exit 0 when no process had a memcheck error
# or a definite or indirect leak (TAP failures caused by valgrind's slowness
# are listed, not counted). Env: VG_SCRIPT_TIMEOUT (seconds per script,
# 1200), VG_ARGS (extra valgrind options, e.g. --suppressions=FILE).
set -u
export LC_ALL=C
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

out=""
if [ "${1:-}" = -o ]; then
	out=$2
	shift 2
fi
bin=${1:-}
if [ -z "$bin" ] || [ ! -x "$bin" ] || ! head -c 4 "$bin" | grep -q ELF; then
	echo "usage: $0 [-o OUTDIR] path/to/security-inspector (the ELF) [SCRIPT ...]" >&2
	exit 2
fi
case $bin in /*) ;; *) bin="$PWD/$bin" ;; esac
shift
command -v valgrind >/dev/null || { echo "valgrind is needed" >&2; exit 2; }

scripts=()
if [ $# -eq 0 ]; then
	for s in "$here"/webhook_*.sh; do scripts+=("$s"); done
else
	for s in "$@"; do
		case $s in */*) ;; *) s="$here/${s%.sh}.sh" ;; esac
		[ -f "$s" ] || { echo "no such script: $s" >&2; exit 2; }
		scripts+=("$s")
	done
fi

[ -n "$out" ] || out=$(mktemp -d "${TMPDIR:-/tmp}/si-valgrind.XXXXXX")
mkdir -p "$out/logs"
out=$(cd "$out" && pwd)

# The wrapper: valgrind in the binary's place. --error-exitcode makes a
# process with errors or definite/indirect leaks exit 99, which the
# scripts' exit-code checks see too.
wrapper="$out/security-inspector"
cat >"$wrapper" <<EOF
#!/bin/sh
exec valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect \\
	--errors-for-leak-kinds=definite,indirect --error-exitcode=99 --track-origins=yes \\
	--num-callers=30 --log-file="$out/logs/\${VG_SCRIPT:-run}.%p.log" ${VG_ARGS:-} \\
	"$bin" "\$@"
EOF
chmod +x "$wrapper"

limit=${VG_SCRIPT_TIMEOUT:-1200}
status=0
# "failed" leaves out the TODO failures (known bugs the scripts mark).
printf '%-26s %6s %6s %7s\n' script tests failed seconds
for s in "${scripts[@]}"; do
	name=$(basename "$s" .sh)
	t0=$(date +%s)
	# Generous bounds: every process runs 20 to 50 times slower.
	(cd "$here" && VG_SCRIPT=$name START_TIMEOUT=90 HTTP_TIMEOUT=60 \
		timeout -k 10 "$limit" bash "$s" "$wrapper") >"$out/$name.tap" 2>"$out/$name.stderr"
	rc=$?
	n=$(grep -cE '^(not )?ok [0-9]' "$out/$name.tap")
	f=$(grep -E '^not ok [0-9]' "$out/$name.tap" | grep -vc '# TODO')
	printf '%-26s %6s %6s %7s%s\n' "$name" "$n" "$f" $(($(date +%s) - t0)) \
		"$([ $rc -eq 124 ] && echo '  (timed out)')"
done

# One line per process: its command, memcheck errors, definitely,
# indirectly and possibly lost bytes; "incomplete" when the log has no
# summary (the process was killed).
echo
if ! python3 - "$out/logs" >"$out/summary.txt" <<'PY'; then status=1; fi
import os, re, sys
d = sys.argv[1]
num = lambda s: int(s.replace(",", ""))
rows, bad, incomplete = [], 0, 0
for f in sorted(os.listdir(d)):
    text = open(os.path.join(d, f), errors="replace").read()
    cmd = re.search(r"^==\d+== Command: \S+ (\S+)", text, re.M)
    errs = re.search(r"ERROR SUMMARY: ([\d,]+) errors", text)
    lost = {k: num(m.group(1)) if (m := re.search(k + r" lost: ([\d,]+) bytes", text)) else 0
            for k in ("definitely", "indirectly", "possibly")}
    done = errs is not None
    incomplete += not done
    e = num(errs.group(1)) if done else 0
    if e or lost["definitely"] or lost["indirectly"]:
        bad += 1
    rows.append((f, cmd.group(1) if cmd else "?", e if done else "-", lost, done))
for f, cmd, e, lost, done in rows:
    print("%-40s %-6s errors %-3s definitely %d B, indirectly %d B, possibly %d B%s" % (
        f, cmd, e, lost["definitely"], lost["indirectly"], lost["possibly"],
        "" if done else "  (incomplete: killed before its summary)"))
tot = lambda k: sum(r[3][k] for r in rows)
print("processes: %d, with errors or leaks: %d, incomplete logs: %d" % (len(rows), bad, incomplete))
print("errors: %d, definitely lost: %d bytes, indirectly lost: %d bytes, possibly lost: %d bytes" % (
    sum(r[2] for r in rows if r[4]), tot("definitely"), tot("indirectly"), tot("possibly")))
sys.exit(1 if bad or not rows else 0)
PY
cat "$out/summary.txt"
echo "logs and TAP output: $out"
exit $status
