# SPDX-License-Identifier: Apache-2.0
# TAP assertions shared by the shell test suites (tests/cli, tests/integration):
# each prints one "ok N - desc" or "not ok N - desc" line, with "# "
# diagnostics on failure. The sourcing library keeps TAP_N, TAP_FAILED,
# and SCRATCH.

# diag LINE... : diagnostics, each line prefixed with "# ".
diag() {
	local line
	printf '%s\n' "$@" | while IFS= read -r line; do printf '# %s\n' "$line"; done
}

# pass DESC / fail DESC [DIAG...]
pass() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1"
}

fail() {
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $1"
	shift
	[ $# -gt 0 ] && diag "$@"
	return 0
}

# ok DESC COMMAND... : passes when COMMAND exits 0.
ok() {
	local desc=$1
	shift
	if "$@"; then pass "$desc"; else fail "$desc" "command failed: $*"; fi
}

# is GOT EXPECTED DESC
is() {
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		fail "$3" "expected: $2" "     got: $1"
	fi
}

# contains HAYSTACK NEEDLE DESC : fixed-string containment.
contains() {
	case $1 in
	*"$2"*) pass "$3" ;;
	*) fail "$3" "expected to find: $2" "in:" "$1" ;;
	esac
}

# lacks HAYSTACK NEEDLE DESC
lacks() {
	case $1 in
	*"$2"*) fail "$3" "did not expect: $2" "in:" "$1" ;;
	*) pass "$3" ;;
	esac
}

# like HAYSTACK ERE DESC / unlike HAYSTACK ERE DESC
like() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		pass "$3"
	else
		fail "$3" "expected to match: $2" "in:" "$1"
	fi
}

unlike() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		fail "$3" "did not expect to match: $2" "in:" "$1"
	else
		pass "$3"
	fi
}

# py_tap ARGS... <<'PY' ... PY : runs a python snippet (with the prelude)
# and turns its results into numbered TAP lines.  A snippet that dies
# counts as one failure.
py_tap() {
	local code line rc
	code=$(cat)
	python3 -c "$PY_PRELUDE$code" "$@" >"$SCRATCH/.py" 2>"$SCRATCH/.pyerr"
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok - "*) pass "${line#ok - }" ;;
		"not ok - "*)
			TAP_N=$((TAP_N + 1))
			TAP_FAILED=$((TAP_FAILED + 1))
			echo "not ok $TAP_N - ${line#not ok - }"
			;;
		*) echo "# ${line#\# }" ;;
		esac
	done <"$SCRATCH/.py"
	if [ $rc -ne 0 ]; then
		fail "python checks ran to the end" "$(cat "$SCRATCH/.pyerr")"
	fi
}

# Python prelude for JSON checks.  The snippet prints "ok - desc",
# "not ok - desc" and "# diag" lines; py_tap numbers them.
PY_PRELUDE='
import json, sys, re

def ok(cond, desc, *diag):
    print(("ok - " if cond else "not ok - ") + desc)
    if not cond:
        for d in diag:
            for line in str(d).splitlines() or [""]:
                print("# " + line)
    return bool(cond)

def eq(got, exp, desc):
    return ok(got == exp, desc, "expected: %r" % (exp,), "     got: %r" % (got,))

def items():
    """The item table as the binary gives it (`checks --format json`)."""
    import os, subprocess
    out = subprocess.run([os.environ["SI_BIN"], "checks", "--format", "json"],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)

def item_ids():
    return [i["id"] for i in items()]

def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except Exception as e:
        ok(False, "%s is valid JSON" % path, repr(e))
        return None
'

# check DESC COMMAND... : as ok, with $out as the diagnostics of
# a failure.
check() {
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what" "${out:-}"; fi
}

# tap_end: the plan, and the exit status of the run.
tap_end() {
	echo "1..$TAP_N"
	exit $((TAP_FAILED > 0))
}
