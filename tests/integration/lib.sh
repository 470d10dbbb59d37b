# SPDX-License-Identifier: Apache-2.0
# TAP helpers and a webhook harness shared by the integration scripts:
# source this file, call `tap_setup "$@"`, start servers with
# `start_server`, make assertions, end with `tap_finish`.
#
# Each assertion prints one `ok N - description` or `not ok N - description`
# line (with `# ` diagnostics on failure); the plan `1..N` comes last.
# Every server started here is stopped on exit, also after a failure.

# shellcheck disable=SC2034  # DATA, CODE, RESP, ... are read by the sourcing scripts
set -u

# The shared assertions.
. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"
export LC_ALL=C

TAP_N=0
TAP_FAILED=0
SI=""
SCRATCH=""
DATA="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/data"

# PIDs of every process started by start_server (or track_pid).
SERVER_PIDS=()
# Servers by PID: name and stderr file; and the PIDs stopped on purpose.
declare -A PID_NAME=() PID_ERR=() PID_DONE=()
# The server most recently started: its PID, port and log files.
SERVER_PID=""
PORT=""
SERVER_OUT=""
SERVER_ERR=""
# The CA bundle curl verifies the server with.
CA=""

# Seconds any one HTTP request may take before it counts as hung.
HTTP_TIMEOUT=${HTTP_TIMEOUT:-10}
# Seconds a server may take to answer /healthz after its start.
START_TIMEOUT=${START_TIMEOUT:-10}

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
	local tool
	for tool in curl python3 openssl; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			echo "Bail out! $tool is needed"
			exit 2
		fi
	done
	# The interpreter itself, not a wrapper script that finds it: the
	# checks start python many times.
	PYTHON=$(command python3 -c 'import sys; print(sys.executable)') && [ -x "$PYTHON" ] ||
		PYTHON=$(command -v python3)
	SCRATCH=$(mktemp -d) || { echo "Bail out! mktemp -d failed"; exit 2; }
	trap cleanup EXIT
	trap 'exit 130' INT TERM
}

PYTHON=python3
python3() { command "$PYTHON" "$@"; }

# Stops every server this script started (by PID), then removes the scratch
# directory.
cleanup() {
	local pid
	for pid in "${SERVER_PIDS[@]}"; do
		stop_pid "$pid"
	done
	[ -n "$SCRATCH" ] && rm -rf -- "$SCRATCH"
}

# stop_pid PID : SIGTERM, up to 5 s of grace, then SIGKILL; reaps it.
stop_pid() {
	local pid=$1 i
	PID_DONE[$pid]=1
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

tap_finish() {
	local pid rc
	# A server that died on its own is a failure, whatever else passed.
	for pid in "${!PID_NAME[@]}"; do
		[ -n "${PID_DONE[$pid]:-}" ] && continue
		kill -0 "$pid" 2>/dev/null && continue
		wait "$pid" 2>/dev/null
		rc=$?
		PID_DONE[$pid]=1
		fail "server ${PID_NAME[$pid]} kept running until the end" "it exited with status $rc;" \
			"the end of its stderr:" "$(tail -n 5 "${PID_ERR[$pid]}" 2>/dev/null)"
	done
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
	exit $?
}

# isnt GOT UNEXPECTED DESC
isnt() {
	if [ "$1" != "$2" ]; then
		pass "$3"
	else
		fail "$3" "did not expect: $2"
	fi
}


# --- certificates and servers ------------------------------------------------

# make_certs DIR : a CA and a serving certificate for si.default.svc (and
# 127.0.0.1) in DIR.
make_certs() {
	timeout 30 "$SI" certs --out "$1" --service si --namespace default \
		>"$SCRATCH/.certs.out" 2>"$SCRATCH/.certs.err"
}

# serving_certs : a CA and a serving certificate in $SCRATCH/certs; sets CA
# and TLS (the serve options that use them). Bails out when certs fails.
serving_certs() {
	make_certs "$SCRATCH/certs" ||
		{ echo "Bail out! certs failed: $(cat "$SCRATCH/.certs.err")"; exit 1; }
	CA="$SCRATCH/certs/ca.crt"
	TLS=(--tls-cert "$SCRATCH/certs/tls.crt" --tls-key "$SCRATCH/certs/tls.key")
}

# two_certs : two CAs with their serving certificates, in $SCRATCH/a and
# $SCRATCH/b (for certificate swaps); sets CA to the first CA and writes
# both CAs to $SCRATCH/both-ca.crt. Bails out when certs fails.
two_certs() {
	local c
	for c in a b; do
		make_certs "$SCRATCH/$c" ||
			{ echo "Bail out! certs failed: $(cat "$SCRATCH/.certs.err")"; exit 1; }
	done
	CA="$SCRATCH/a/ca.crt"
	cat "$SCRATCH/a/ca.crt" "$SCRATCH/b/ca.crt" >"$SCRATCH/both-ca.crt"
}

# free_port : prints a loopback TCP port that was free a moment ago.
free_port() {
	python3 -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# track_pid PID : stop PID at exit.
track_pid() {
	SERVER_PIDS+=("$1")
}

# healthy [PORT] : /healthz answers 200 now.
healthy() {
	local code
	code=$(curl -s --max-time 2 --cacert "$CA" -o /dev/null -w '%{http_code}' \
		"https://127.0.0.1:${1:-$PORT}/healthz" 2>/dev/null)
	[ "$code" = 200 ]
}

# start_server NAME SERVE-ARGS... : starts `serve` on a free loopback port
# with SERVE-ARGS (which must include --tls-cert and --tls-key) and waits
# for /healthz. Sets SERVER_PID, PORT, SERVER_OUT and SERVER_ERR (stdout
# and stderr of the server). Retries on another port when the start fails
# because the port was taken meanwhile. Returns 1 when it never became
# healthy (the process is then stopped).
start_server() {
	local name=$1 attempt i
	shift
	SERVER_OUT="$SCRATCH/$name.out"
	SERVER_ERR="$SCRATCH/$name.err"
	for ((attempt = 0; attempt < 5; attempt++)); do
		PORT=$(free_port) || return 1
		"$SI" serve --listen "127.0.0.1:$PORT" "$@" >"$SERVER_OUT" 2>"$SERVER_ERR" &
		SERVER_PID=$!
		track_pid "$SERVER_PID"
		PID_NAME[$SERVER_PID]=$name
		PID_ERR[$SERVER_PID]=$SERVER_ERR
		for ((i = 0; i < START_TIMEOUT * 20; i++)); do
			if healthy "$PORT"; then
				return 0
			fi
			kill -0 "$SERVER_PID" 2>/dev/null || break
			sleep 0.05
		done
		stop_pid "$SERVER_PID"
		# Only a port taken in the meantime is worth another try.
		grep -q 'cannot listen' "$SERVER_ERR" || break
	done
	diag "server $name did not become healthy; its stderr:" "$(cat "$SERVER_ERR" 2>/dev/null)"
	return 1
}

# server_alive [PID] : the server process is still running.
server_alive() {
	kill -0 "${1:-$SERVER_PID}" 2>/dev/null
}

# wait_exit PID SECONDS : waits (bounded) for PID to end; sets EXIT_RC
# (124 when it was still running and got killed).
wait_exit() {
	local pid=$1 limit=$2 i
	PID_DONE[$pid]=1
	for ((i = 0; i < limit * 20; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		EXIT_RC=124
		return 1
	fi
	wait "$pid" 2>/dev/null
	EXIT_RC=$?
	return 0
}

# run_serve SECONDS SERVE-ARGS... : runs `serve` in the foreground (for
# start-up refusals) on a free port; sets RC, OUT and ERR. RC 124: it was
# still running after SECONDS, i.e. it did not refuse.
run_serve() {
	local limit=$1 port
	shift
	port=$(free_port)
	timeout "$limit" "$SI" serve --listen "127.0.0.1:$port" "$@" \
		>"$SCRATCH/.serve.out" 2>"$SCRATCH/.serve.err"
	RC=$?
	OUT=$(cat "$SCRATCH/.serve.out")
	ERR=$(cat "$SCRATCH/.serve.err")
}

# kubeconfig FILE PORT [USER] : a kubeconfig for http://127.0.0.1:PORT (a
# stand-in API server) with the credentials USER (YAML flow mapping;
# default a bearer token).
kubeconfig() {
	local user=${3:-'{token: t}'}
	cat >"$1" <<KC
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "http://127.0.0.1:$2"}}]
users: [{name: u, user: $user}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
KC
}

# start_stub NAME [VAR=VALUE...] : starts tests/stub_apiserver.py with the
# environment VAR=VALUE (STUB_WORKLOADS, STUB_SLOW_LIST), its requests
# logged to $SCRATCH/NAME.log, and waits for its port; writes the
# kubeconfig $SCRATCH/NAME.kubeconfig for it. Bails out when it does not
# start.
start_stub() {
	local name=$1
	shift
	env "$@" "$PYTHON" "$DATA/../../stub_apiserver.py" "$SCRATCH/$name.port" \
		"$SCRATCH/$name.log" >/dev/null 2>&1 &
	track_pid $!
	wait_until 10 test -s "$SCRATCH/$name.port" ||
		{ echo "Bail out! the stub API server $name did not start"; exit 1; }
	kubeconfig "$SCRATCH/$name.kubeconfig" "$(cat "$SCRATCH/$name.port")"
}

# access_reviews LOG : the SubjectAccessReviews in the log of a stub API
# server, one "user verb path" line each, sorted.
access_reviews() {
	python3 - "$1" <<'PY'
import json, sys
reqs = [json.loads(line) for line in open(sys.argv[1])]
specs = [r["body"]["spec"] for r in reqs
         if r["path"] == "/apis/authorization.k8s.io/v1/subjectaccessreviews"]
for s in sorted((s["user"], s["nonResourceAttributes"]["verb"], s["nonResourceAttributes"]["path"])
                for s in specs):
    print(" ".join(s))
PY
}

# --- requests ------------------------------------------------------------------

RESP=""
CODE=""
HEADERS=""

# review OUT-FILE REVIEW-ARGS... : writes an AdmissionReview made by
# data/review.py (see there for the arguments).
review() {
	local out=$1
	shift
	python3 "$DATA/review.py" "$@" >"$out"
}

# post PATH FILE [CURL-ARGS...] : POSTs FILE as application/json (unless
# CURL-ARGS set another Content-Type) to the current server; sets CODE,
# leaves the body in the file $RESP and the response headers in $HEADERS.
post() {
	local path=$1 file=$2 arg type=(-H 'Content-Type: application/json')
	shift 2
	for arg in "$@"; do
		case $arg in [Cc]ontent-[Tt]ype:*) type=() ;; esac
	done
	RESP="$SCRATCH/.resp"
	HEADERS="$SCRATCH/.headers"
	CODE=$(curl -sS --max-time "$HTTP_TIMEOUT" --cacert "$CA" -o "$RESP" -D "$HEADERS" \
		-w '%{http_code}' "${type[@]}" "$@" \
		--data-binary "@$file" "https://127.0.0.1:$PORT$path" 2>"$SCRATCH/.curlerr")
}

# get PATH [CURL-ARGS...] : GET on the current server; sets CODE and RESP.
get() {
	local path=$1
	shift
	RESP="$SCRATCH/.resp"
	HEADERS="$SCRATCH/.headers"
	CODE=$(curl -sS --max-time "$HTTP_TIMEOUT" --cacert "$CA" -o "$RESP" -D "$HEADERS" \
		-w '%{http_code}' "$@" "https://127.0.0.1:$PORT$path" 2>"$SCRATCH/.curlerr")
}

# admit PATH REVIEW-ARGS... : makes a review and POSTs it to PATH.
admit() {
	local path=$1
	shift
	review "$SCRATCH/.review" "$@" || { CODE="review.py failed"; : >"$SCRATCH/.resp"; return 1; }
	post "$path" "$SCRATCH/.review"
}

# jv EXPR [FILE] : evaluates a python expression on the JSON in FILE (the
# last response by default) with `doc` the whole document and `r` its
# "response" member; prints strings as they are, other values as JSON
# (true, false, null, [...]), and <missing> when a key is absent.
jv() {
	python3 - "$1" "${2:-$RESP}" <<'PY'
import json, sys
expr, path = sys.argv[1], sys.argv[2]
try:
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
except Exception as e:
    print("<not JSON: %s>" % e)
    sys.exit(0)
r = doc.get("response", {}) if isinstance(doc, dict) else {}
if not isinstance(r, dict):
    r = {}
try:
    v = eval(expr, {"doc": doc, "r": r, "json": json, "len": len, "sorted": sorted,
                    "any": any, "all": all})
except (KeyError, IndexError, TypeError):
    print("<missing>")
    sys.exit(0)
print(v if isinstance(v, str) else json.dumps(v, sort_keys=True))
PY
}

# resp_summary : "CODE allowed=BOOL warnings=N status=CODE|-" of the last
# answer, for compact assertions.
resp_summary() {
	local s
	s=$(jv '"allowed=%s warnings=%d status=%s" % (json.dumps(r.get("allowed")), len(r.get("warnings", [])), r.get("status", {}).get("code", "-"))')
	echo "$CODE $s"
}

# metric NAME-WITH-LABELS : the value of one sample in /metrics of the
# current server, or "absent".
metric() {
	local text
	text=$(curl -s --max-time "$HTTP_TIMEOUT" --cacert "$CA" "https://127.0.0.1:$PORT/metrics")
	awk -v want="$1" '$1 == want { print $2; found = 1; exit } END { if (!found) print "absent" }' \
		<<<"$text"
}

# wait_until SECONDS COMMAND... : polls COMMAND every 50 ms until it
# succeeds or SECONDS pass; sets WAITED_MS. Returns COMMAND's last status.
wait_until() {
	local limit=$1 t0 rc
	shift
	t0=$(date +%s%N)
	while :; do
		"$@"
		rc=$?
		WAITED_MS=$((($(date +%s%N) - t0) / 1000000))
		[ $rc -eq 0 ] && return 0
		[ "$WAITED_MS" -ge $((limit * 1000)) ] && return $rc
		sleep 0.05
	done
}
