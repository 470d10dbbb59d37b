#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds security-inspector twice (release with -Werror, and with
# AddressSanitizer + UndefinedBehaviorSanitizer), runs every test suite in
# both, and ends with one line "N passed, N failed" counting each test case.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh || { echo "0 passed, 1 failed"; exit 1; }

builds=(build build-sanitize)
setup() {
	local dir=$1; shift
	if [ -d "$dir" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
}

status=0
setup build -Dwerror=true || status=1
setup build-sanitize -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false \
	-Dbuildtype=debug || status=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for b in "${builds[@]}"; do
	echo "=== $b"
	ninja -C "$b" || { status=1; continue; }
	meson test -C "$b" --print-errorlogs --no-rebuild || status=1
done

# Count every TAP case of every suite in both builds.
python3 - "${builds[@]}" <<'PY'
import json, re, sys
passed = failed = 0
for b in sys.argv[1:]:
    try:
        lines = open(f"{b}/meson-logs/testlog.json").read().splitlines()
    except OSError:
        failed += 1
        continue
    for line in lines:
        t = json.loads(line)
        out = t.get("stdout") or ""
        cases = re.findall(r"^(not ok|ok)\b", out, re.M)
        if not cases:                       # a test that printed no TAP
            cases = ["ok" if t.get("result") == "OK" else "not ok"]
        elif t.get("result") not in ("OK", "EXPECTEDFAIL") and "not ok" not in cases:
            cases.append("not ok")          # crashed after its last case
        passed += cases.count("ok")
        failed += cases.count("not ok")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
tally=$?
[ $status -eq 0 ] && [ $tally -eq 0 ]
