# SPDX-License-Identifier: Apache-2.0
# TAP helpers shared by the CLI test scripts: source this file, call
# `tap_setup "$@"`, make assertions, end with `tap_finish`.
#
# Each assertion prints one `ok N - description` or `not ok N - description`
# line (with `# ` diagnostics on failure); the plan `1..N` comes last.

# shellcheck disable=SC2034  # DATA, ELAPSED_MS, ... are read by the sourcing scripts
set -u

# The shared assertions.
. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"
export LC_ALL=C

TAP_N=0
TAP_FAILED=0
SI=""
SCRATCH=""
DATA="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/data"

# Seconds any one run of the binary may take before it counts as hung.
SI_TIMEOUT=${SI_TIMEOUT:-30}

tap_setup() {
	SI=${1:-}
	if [ -z "$SI" ]; then
		echo "Bail out! usage: $0 /path/to/security-inspector"
		exit 2
	fi
	case $SI in /*) ;; *) SI="$PWD/$SI" ;; esac
	export SI_BIN="$SI"     # for item_ids() in the python checks
	if [ ! -x "$SI" ]; then
		echo "Bail out! $SI is not an executable"
		exit 2
	fi
	SCRATCH=$(mktemp -d) || { echo "Bail out! mktemp -d failed"; exit 2; }
	trap 'rm -rf -- "$SCRATCH"' EXIT
	trap 'exit 130' INT TERM
}

tap_finish() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
	exit $?
}

# nonempty VALUE DESC
nonempty() {
	if [ -n "$1" ]; then pass "$2"; else fail "$2" "expected a non-empty value"; fi
}

# si [--stdin FILE] ARGS... : runs the binary in the current directory;
# sets RC, OUT (stdout), ERR (stderr) and ELAPSED_MS.  RC 124 means it hung.
si() {
	local in=/dev/null t0 t1
	if [ "${1:-}" = "--stdin" ]; then
		in=$2
		shift 2
	fi
	t0=$(date +%s%N)
	timeout "$SI_TIMEOUT" "$SI" "$@" <"$in" >"$SCRATCH/.out" 2>"$SCRATCH/.err"
	RC=$?
	t1=$(date +%s%N)
	ELAPSED_MS=$(((t1 - t0) / 1000000))
	OUT=$(cat "$SCRATCH/.out")
	ERR=$(cat "$SCRATCH/.err")
	# The report itself, byte for byte, for the JSON checks.
	cp "$SCRATCH/.out" "$SCRATCH/last.out"
}

# exits_with CODE DESC : checks RC of the last `si` run.
exits_with() {
	if [ "$RC" = "$1" ]; then
		pass "$2"
	else
		fail "$2" "expected exit code $1, got $RC" "stderr: $ERR" "stdout (first lines):" \
			"$(printf '%s\n' "$OUT" | head -n 15)"
	fi
}

# no_crash DESC : the last run neither hung nor died on a signal.
no_crash() {
	if [ "$RC" -ge 124 ]; then
		fail "$1" "exit code $RC (hang or signal)" "stderr: $ERR"
	else
		pass "$1"
	fi
}


# workdir NAME : a fresh directory under the scratch dir, made current.
workdir() {
	mkdir -p "$SCRATCH/$1" && cd "$SCRATCH/$1" || exit 2
}

# The SARIF 2.1.0 schema reports are validated against.
SCHEMA="$(cd "$(dirname "${BASH_SOURCE[0]}")/../schemas" && pwd)/sarif-schema-2.1.0.json"
PYJS=""

# sarif_schema_setup : finds a python3 that has jsonschema (Debian's
# python3-jsonschema, installed by scripts/deps.sh, serves /usr/bin/python3)
# for valid_sarif, and says so in one assertion.
sarif_schema_setup() {
	local py
	for py in python3 /usr/bin/python3; do
		if command -v "$py" >/dev/null && "$py" -c 'import jsonschema' 2>/dev/null; then
			PYJS=$(command -v "$py")
			break
		fi
	done
	mkdir -p "$SCRATCH/pyjs"
	if [ -n "$PYJS" ]; then
		ln -sf "$PYJS" "$SCRATCH/pyjs/python3"
		pass "a python3 with jsonschema is available ($PYJS)"
	else
		fail "a python3 with jsonschema is available" "install python3-jsonschema (scripts/deps.sh)"
	fi
}

# valid_sarif FILE DESC : FILE is valid against the SARIF 2.1.0 schema.
valid_sarif() {
	[ -n "$PYJS" ] || { fail "$2" "no jsonschema"; return; }
	PATH="$SCRATCH/pyjs:$PATH" py_tap "$1" "$SCHEMA" "$2" <<'PY'
import jsonschema
log = load(sys.argv[1])
schema = load(sys.argv[2])
v = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
errors = sorted(v.iter_errors(log), key=lambda e: list(e.absolute_path)) if log is not None else ["no log"]
ok(not errors, sys.argv[3],
   *["%s: %s" % ("/".join(map(str, getattr(e, "absolute_path", []))), getattr(e, "message", e))
     for e in errors[:5]])
PY
}
