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

# The end-to-end suite needs a cluster: the one KUBECONFIG points to, or the
# loopback kube-apiserver of ../shared/kube-e2e where the developers' and CI
# machines have it (E2E=0 skips starting it). Without either it is skipped.
kube_e2e=$(cd .. && pwd)/shared/kube-e2e
started_cluster=0
if [ -z "${KUBECONFIG:-}" ] && [ "${E2E:-1}" != 0 ] && [ -x "$kube_e2e/setup.sh" ]; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	echo "=== starting the loopback kube-apiserver ($kube_e2e)"
	if $sudo "$kube_e2e/setup.sh" >/tmp/si-kube-e2e-setup.log 2>&1 &&
	   "$kube_e2e/start.sh" /tmp/si-kube-e2e.kubeconfig >/tmp/si-kube-e2e-start.log 2>&1; then
		export KUBECONFIG=/tmp/si-kube-e2e.kubeconfig
		started_cluster=1
	else
		echo "could not start it (see /tmp/si-kube-e2e-*.log): the e2e suite is skipped"
	fi
fi
stop_cluster() {
	[ "$started_cluster" = 1 ] && "$kube_e2e/stop.sh" >/dev/null 2>&1
	return 0
}
trap stop_cluster EXIT

status=0
setup build -Dwerror=true || status=1
setup build-sanitize -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false \
	-Dbuildtype=debug || status=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for b in "${builds[@]}"; do
	echo "=== $b"
	ninja -C "$b" || { status=1; continue; }
	# The end-to-end suite runs once, against the release build.
	suites=()
	[ "$b" = build-sanitize ] && suites=(--no-suite e2e)
	meson test -C "$b" --print-errorlogs --no-rebuild "${suites[@]}" || status=1
done

# The builds users run, compiled as they run them: the Dockerfile's own meson
# line (read from the Dockerfile, so the two cannot drift apart) and a
# distribution's (buildtype plain, the flags Debian's packaging passes), each
# with -Werror so that a warning any of them would show fails here.
shipped_builds() {
	local n=0 bad=0 opts
	opts=$(sed -n 's|^RUN meson setup /build \(.*\) \\$|\1|p' Dockerfile)
	n=$((n + 1))
	if [ -z "$opts" ]; then
		bad=1; echo "not ok $n - Dockerfile build: no 'RUN meson setup /build' line found"
	elif setup build-docker $opts && ninja -C build-docker >build-docker/build.log 2>&1; then
		echo "ok $n - Dockerfile build ($opts)"
	else
		bad=1; echo "not ok $n - Dockerfile build ($opts): see build-docker/build.log"
		grep -E 'error|warning' build-docker/build.log | head -n 20 | sed 's/^/# /'
	fi
	n=$((n + 1))
	if CFLAGS="-g -O3 -D_FORTIFY_SOURCE=2 -fstack-protector-strong -Wformat -Werror=format-security" \
	   LDFLAGS="-Wl,-z,relro -Wl,-z,now" setup build-distro -Dbuildtype=plain -Dwerror=true -Dtests=false &&
	   ninja -C build-distro >build-distro/build.log 2>&1; then
		echo "ok $n - distribution build (buildtype plain, -O3 -D_FORTIFY_SOURCE=2)"
	else
		bad=1; echo "not ok $n - distribution build: see build-distro/build.log"
		grep -E 'error|warning' build-distro/build.log | head -n 20 | sed 's/^/# /'
	fi
	echo "1..$n"
	return $bad
}
echo "=== shipped builds"
shipped_builds | tee build-shipped.tap || status=1

# A fuzzing smoke run: each libFuzzer target for FUZZ_SECONDS (30) with
# clang, from its seeds, as a TAP test of its own (build-fuzz/fuzz.tap).
fuzz_smoke() {
	local secs=${FUZZ_SECONDS:-30} n=0 bad=0 t
	CC=clang setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debugoptimized -Dwerror=true || return 1
	ninja -C build-fuzz tests/fuzz/fuzz_manifest tests/fuzz/fuzz_policy \
		tests/fuzz/fuzz_admission tests/fuzz/fuzz_image_ref \
		tests/fuzz/fuzz_stream >/dev/null || return 1
	for t in manifest policy admission image_ref stream; do
		n=$((n + 1))
		mkdir -p "build-fuzz/corpus/$t"
		if UBSAN_OPTIONS=halt_on_error=1 timeout $((secs + 60)) \
			"build-fuzz/tests/fuzz/fuzz_$t" -max_total_time="$secs" -max_len=16384 \
			-rss_limit_mb=2048 -timeout=10 -dict=tests/fuzz/kubernetes.dict \
			-artifact_prefix="build-fuzz/crash-$t-" "build-fuzz/corpus/$t" \
			"tests/fuzz/seeds/$t" >"build-fuzz/fuzz-$t.log" 2>&1; then
			echo "ok $n - fuzz_$t: $(grep -o 'Done [0-9]* runs' "build-fuzz/fuzz-$t.log")"
		else
			bad=1
			echo "not ok $n - fuzz_$t: see build-fuzz/fuzz-$t.log"
			tail -n 30 "build-fuzz/fuzz-$t.log" | sed 's/^/# /'
		fi
	done
	echo "1..$n"
	return $bad
}
rm -f build-fuzz.tap
if command -v clang >/dev/null && [ "${FUZZ:-1}" != 0 ]; then
	echo "=== fuzzing smoke run"
	fuzz_smoke | tee build-fuzz.tap || status=1
fi

# Count every TAP case of every suite in both builds, and the fuzzing run.
python3 - "${builds[@]}" <<'PY'
import json, re, sys
passed = failed = skipped = 0
for b in sys.argv[1:]:
    try:
        lines = open(f"{b}/meson-logs/testlog.json").read().splitlines()
    except OSError:
        failed += 1
        continue
    for line in lines:
        t = json.loads(line)
        out = t.get("stdout") or ""
        if t.get("result") == "SKIP":       # e.g. the e2e suite without a cluster
            skipped += 1
            continue
        cases = re.findall(r"^(not ok|ok)\b", out, re.M)
        if not cases:                       # a test that printed no TAP
            cases = ["ok" if t.get("result") == "OK" else "not ok"]
        elif t.get("result") not in ("OK", "EXPECTEDFAIL") and "not ok" not in cases:
            cases.append("not ok")          # crashed after its last case
        passed += cases.count("ok")
        failed += cases.count("not ok")
for tap in ("build-shipped.tap", "build-fuzz.tap"):
    try:
        text = open(tap).read()
    except OSError:
        continue
    passed += len(re.findall(r"^ok ", text, re.M))
    failed += len(re.findall(r"^not ok ", text, re.M))
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
sys.exit(1 if failed else 0)
PY
tally=$?
[ $status -eq 0 ] && [ $tally -eq 0 ]
