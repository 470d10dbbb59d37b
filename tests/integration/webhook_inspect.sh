# SPDX-License-Identifier: Apache-2.0
# shellcheck disable=SC2317  # some functions only run through wait_until and ok
# Scheduled inspection without a cluster: the options, /report and
# /report.json before and without a scan, a scan against an API server that
# cannot be reached (an incomplete report, its metrics), one that never
# answers (admission unaffected, SIGTERM cancels the scan). The scans of a
# real cluster, with Events, are in tests/cluster.

. "$(dirname "$0")/lib.sh"
tap_setup "$@"

make_certs "$SCRATCH/certs" || { echo "Bail out! certs failed: $(cat "$SCRATCH/.certs.err")"; exit 1; }
CA="$SCRATCH/certs/ca.crt"
TLS=(--tls-cert "$SCRATCH/certs/tls.crt" --tls-key "$SCRATCH/certs/tls.key")
review "$SCRATCH/root.json" pod-clean --del spec.securityContext --uid root

# --- options ---------------------------------------------------------------------------

for bad in 0s abc 1x 31d -5 1h- s ''; do
	run_serve 10 "${TLS[@]}" --inspect-interval "$bad"
	is "$RC" 2 "--inspect-interval '$bad' is refused: exit 2"
	contains "$ERR" "--inspect-interval: expected a duration" "... saying what is expected"
done
run_serve 10 "${TLS[@]}" --kubeconfig "$SCRATCH/none"
is "$RC" 2 "--kubeconfig without --inspect-interval: exit 2"
contains "$ERR" "need --inspect-interval, --inspect-schedule" "... saying what it needs"
run_serve 10 "${TLS[@]}" --report-dir "$SCRATCH"
is "$RC" 2 "--report-dir without a schedule: exit 2"
contains "$ERR" "need --inspect-interval or --inspect-schedule" "... saying either will do"
while IFS='|' read -r bad says; do
	run_serve 10 "${TLS[@]}" --inspect-schedule "$bad"
	is "$RC" 2 "--inspect-schedule '$bad' is refused: exit 2"
	contains "$ERR" "--inspect-schedule: $says" "... saying: $says"
done <<'CASES'
0 2 * *|the day-of-week field is missing
61 2 * * *|the minute field: "61" is out of range 0-59
0 2 * * MON-XYZ|the day-of-week field: "MON-XYZ" is not
0 0 30 2 *|the schedule never fires
CRON_TZ=Mars/Olympus 0 2 * * *|the time zone "Mars/Olympus" is not in the tz database
TZ=../../etc/passwd 0 2 * * *|the time zone "../../etc/passwd" is not a name
|the minute field is missing
CASES
run_serve 10 "${TLS[@]}" --inspect-interval 1h --inspect-schedule '0 2 * * *'
is "$RC" 2 "--inspect-interval and --inspect-schedule together: exit 2"
contains "$ERR" "exclude each other" "... saying they exclude each other"

# --- without scheduled scans -----------------------------------------------------------

start_server plain "${TLS[@]}" || { echo "Bail out! serve did not start"; exit 1; }
for path in /report /report.json /report.html '/report/workload?id=0'; do
	get "$path"
	is "$CODE" 404 "GET $path without --inspect-interval: 404"
	contains "$(cat "$RESP")" "start serve with --inspect-interval" "... saying how to get one"
done
post /report "$SCRATCH/root.json"
is "$CODE" 405 "POST /report: 405"
get /report/inspect -X POST -H 'Authorization: Bearer reader-token'
is "$CODE" 404 "POST /report/inspect without scheduled scans: 404"
is "$(metric 'security_inspector_scans_total{result="complete"}')" 0 "no scan counted"
is "$(metric security_inspector_scan_last_timestamp_seconds)" absent "... and no last-scan figures"
stop_pid "$SERVER_PID"

# --- an API server that cannot be reached ----------------------------------------------

gone=$(free_port)
kubeconfig "$SCRATCH/gone.kubeconfig" "$gone"
t0=$(date +%s)
mkdir -p "$SCRATCH/reports"
start_server gone "${TLS[@]}" --inspect-interval 1h --kubeconfig "$SCRATCH/gone.kubeconfig" \
	--report-dir "$SCRATCH/reports" ||
	{ echo "Bail out! serve did not start"; exit 1; }
wait_until 20 test -s "$SCRATCH/reports/report.html"
ok "the first scan ends at once: its reports are in --report-dir (${WAITED_MS} ms)" \
	test -s "$SCRATCH/reports/report.json"
get /report.json
is "$CODE" 401 "GET /report.json without a token: 401"
ok "... with WWW-Authenticate: Bearer" grep -qi '^WWW-Authenticate: Bearer' "$HEADERS"
contains "$(cat "$RESP")" "a valid bearer token is needed" "... saying what is needed"
get /report.json -H 'Authorization: Bearer reader-token'
is "$CODE" 503 "GET /report.json with a token the unreachable API server cannot check: 503"
ok "... with Retry-After" grep -qi '^Retry-After: 5' "$HEADERS"
contains "$(cat "$RESP")" "could not check the bearer token" "... saying why"
ok "... and logs it" grep -q '"msg":"cannot check a bearer token with the API server' "$SERVER_ERR"
py_tap "$SCRATCH/reports/report.json" <<'PY'
r = json.load(open(sys.argv[1]))
eq(r.get("kind"), "AuditReport", "the report is an AuditReport")
eq(r["summary"]["workloads"], 0, "... with no workload")
msgs = " ".join(e["message"] for e in r.get("errors", []))
ok("cannot reach the API server" in msgs, "... and the error that makes it incomplete", msgs)
ok("scan stopped, not inspected" in msgs, "... naming what was not inspected", msgs)
PY
get /report
is "$CODE" 401 "GET /report without a token: 401"
is "$(ls -A "$SCRATCH/reports" | tr '\n' ' ')" "report.html report.idx report.json " \
	"nothing else is left in --report-dir than the reports and report.json's index"
contains "$(head -c 300 "$SCRATCH/reports/report.html")" "<!DOCTYPE html>" "report.html is a page"
is "$(metric 'security_inspector_scans_total{result="incomplete"}')" 1 "one incomplete scan counted"
is "$(metric security_inspector_scan_complete)" 0 "scan_complete 0"
last=$(metric security_inspector_scan_last_timestamp_seconds)
ok "scan_last_timestamp_seconds is the time of the scan ($last)" \
	python3 -c "import sys, time; sys.exit(not $t0 - 1 <= float('$last') <= time.time() + 1)"
is "$(metric 'security_inspector_scan_failures{check="runAsPrivileged",category="privilege-control",severity="danger"}')" 0 \
	"scan_failures per item, category and severity"
wait_until 5 grep -q '"msg":"scan finished"' "$SERVER_ERR"
ok "the scan is logged" grep -q '"msg":"scan finished".*"complete":false' "$SERVER_ERR"
ok "... and so is the Event that could not be posted" grep -q '"msg":"events: ' "$SERVER_ERR"
post /validate "$SCRATCH/root.json"
is "$CODE" 200 "admission answers as ever"
stop_pid "$SERVER_PID"

# --- Events, and a bearer token rotated between scans -----------------------------------

"$PYTHON" "$DATA/../../stub_apiserver.py" "$SCRATCH/stub.port" "$SCRATCH/stub.log" >/dev/null 2>&1 &
track_pid $!
wait_until 10 test -s "$SCRATCH/stub.port"
printf 'token-one\n' >"$SCRATCH/token"
kubeconfig "$SCRATCH/stub.kubeconfig" "$(cat "$SCRATCH/stub.port")" "{tokenFile: token}"
# Links planted in the report folder by someone else who can write there:
# the server must neither write through them nor serve what they point to.
mkdir -p "$SCRATCH/stub-reports"
printf 'the secret\n' >"$SCRATCH/secret.txt"
ln -s "$SCRATCH/secret.txt" "$SCRATCH/stub-reports/report.json"
ln -s "$SCRATCH/secret.txt" "$SCRATCH/stub-reports/report.json.new"
start_server stub "${TLS[@]}" --inspect-interval 1s --kubeconfig "$SCRATCH/stub.kubeconfig" \
	--report-dir "$SCRATCH/stub-reports" ||
	{ echo "Bail out! serve did not start"; exit 1; }
saw() { grep -q "\"auth\": \"Bearer $1\"" "$SCRATCH/stub.log" 2>/dev/null; }
wait_until 10 saw token-one
ok "the scans present the token of the kubeconfig's tokenFile" saw token-one
# Rotated in place, as kubelet does with projected tokens.
printf 'token-two\n' >"$SCRATCH/token.new" && mv -f "$SCRATCH/token.new" "$SCRATCH/token"
wait_until 10 saw token-two
ok "after the file changes, the next scan presents the new token (${WAITED_MS} ms)" saw token-two
# The first scan's Events are all posted by now, unless it is still running.
wait_until 20 grep -q 'SecurityInspectorConfigAuditHighRiskFound' "$SCRATCH/stub.log"
py_tap "$SCRATCH/stub.log" <<'PY'
reqs = [json.loads(l) for l in open(sys.argv[1])]
first_two = next(i for i, r in enumerate(reqs) if r["auth"] == "Bearer token-two")
eq([r["auth"] for r in reqs[first_two:] if r["auth"] != "Bearer token-two"], [],
   "... and the old one never again")
events = [r["body"] for r in reqs if r["method"] == "POST"]
ok(all(r["path"] == "/api/v1/namespaces/default/events" for r in reqs if r["method"] == "POST"),
   "outside a cluster the Events go to the namespace default")
reasons = [e["reason"] for e in events]
ok(reasons[:3] == ["SecurityInspectorConfigAuditStart", "SecurityInspectorConfigAuditFinished",
                   "SecurityInspectorConfigAuditHighRiskFound"], "Start, Finished, HighRiskFound, in order", reasons[:3])
e = {x["reason"]: x for x in events}
eq(e["SecurityInspectorConfigAuditStart"]["message"], "Start to running config audit", "Start: its message")
eq(e["SecurityInspectorConfigAuditFinished"]["message"], "Finished running once config audit", "Finished: its message")
eq([e["SecurityInspectorConfigAuditStart"]["type"], e["SecurityInspectorConfigAuditHighRiskFound"]["type"]],
   ["Normal", "Warning"], "Start is Normal, HighRiskFound a Warning")
hr = e["SecurityInspectorConfigAuditHighRiskFound"]["message"]
ok(hr.endswith(" high risks have been found after running config audit") and int(hr.split()[0]) >= 1,
   "HighRiskFound: 'N high risks have been found after running config audit'", hr)
inv = e["SecurityInspectorConfigAuditStart"]["involvedObject"]
eq([inv.get("kind"), inv.get("name"), inv.get("apiVersion")], ["Namespace", "default", "v1"],
   "... about the Namespace default (no uid: the stub does not know it)")
ok(all(x["source"]["component"] == "security-inspector" and x["count"] == 1 and x["firstTimestamp"]
       for x in events), "each Event has its source, count and time")
eq(len({x["metadata"]["name"] for x in events}), len(events), "each Event has a name of its own")
PY
# --- who may read the reports ---
READER=(-H 'Authorization: Bearer reader-token')
get /report.json "${READER[@]}"
is "$CODE" 200 "GET /report.json with the token of a user who may get /report.json: 200"
is "$(grep -i '^Content-Type:' "$HEADERS" | tr -d '\r')" "Content-Type: application/json" "... as JSON"
is "$(grep -i '^Cache-Control:' "$HEADERS" | tr -d '\r')" "Cache-Control: no-store" "... never cached"
ok "... that does not print env values (the stub's Deployment has one)" \
	test "$(grep -c 'stub-plaintext-secret' "$RESP")" = 0
get /report.html "${READER[@]}"
is "$CODE" 200 "GET /report.html (the page to keep) with that token: 200"
# The page carries its manifests gzipped and base64-encoded: read them
# unpacked, as the page does.
HTML_DATA=$(python3 "$(dirname "$0")/../html/html_data.py" "$RESP" 2>&1)
ok "... that shows the variable's name and masks its value" \
	test "$(grep -c 'stub-plaintext-secret' "$RESP")" = 0 -a \
	"$(grep -c 'stub-plaintext-secret' <<<"$HTML_DATA")" = 0 -a \
	"$(grep -c 'DB_PASSWORD' <<<"$HTML_DATA")" -ge 1
is "$(grep -i '^Content-Type:' "$HEADERS" | tr -d '\r')" "Content-Type: text/html; charset=utf-8" "... as HTML"
contains "$(head -c 300 "$RESP")" "<!DOCTYPE html>" "... a page"
code=$(curl -s -I --max-time 10 --cacert "$CA" "${READER[@]}" -o /dev/null -w '%{http_code}' \
	"https://127.0.0.1:$PORT/report.json")
is "$code" 200 "HEAD /report.json with that token: 200"
get /report.json -H 'Authorization: Bearer nobody-token'
is "$CODE" 403 "a valid token whose user may not get /report.json: 403"
contains "$(cat "$RESP")" "security-inspector-report-reader" "... naming the ClusterRole to bind"
ok "... and logs the user refused" grep -q '"msg":"report request refused: the user may not get it".*"user":"nobody"' "$SERVER_ERR"
get /report.json -H 'Authorization: Bearer forged-token'
is "$CODE" 401 "a token the API server does not know: 401"
for h in 'Authorization: Basic cmVhZGVyOnB3' 'Authorization: Bearer' 'Authorization: Bearer a b' \
	 'Authorization: reader-token'; do
	get /report.json -H "$h"
	is "$CODE" 401 "'$h': 401"
done
get /report.json -H "Authorization: Bearer $(head -c 9000 /dev/zero | tr '\0' a)"
is "$CODE" 401 "a 9000-byte token: 401, not sent to the API server"
py_tap "$SCRATCH/stub.log" <<'PY'
reqs = [json.loads(l) for l in open(sys.argv[1])]
trs = [r for r in reqs if r["path"] == "/apis/authentication.k8s.io/v1/tokenreviews"]
sars = [r for r in reqs if r["path"] == "/apis/authorization.k8s.io/v1/subjectaccessreviews"]
eq(sorted({r["body"]["spec"]["token"] for r in trs}), ["forged-token", "nobody-token", "reader-token"],
   "each token is checked with a TokenReview")
ok(all(r["body"]["apiVersion"] == "authentication.k8s.io/v1" and r["body"]["kind"] == "TokenReview"
       for r in trs), "... authentication.k8s.io/v1 TokenReview")
reader = [r["body"]["spec"] for r in sars if r["body"]["spec"]["user"] == "reader"]
eq(sorted(s["nonResourceAttributes"]["path"] for s in reader), ["/report.html", "/report.json"],
   "one SubjectAccessReview per path for the reader (HEAD and the second GET from the cache)")
eq(reader[0]["nonResourceAttributes"]["verb"], "get", "... for the verb get")
eq([reader[0].get("groups"), reader[0].get("uid"), reader[0].get("extra")],
   [["readers", "system:authenticated"], "u-1", {"team": ["a"]}],
   "... with the user's groups, uid and extra from the TokenReview")
eq(len([r for r in trs if r["body"]["spec"]["token"] == "reader-token"]), 2,
   "the reader's token: one TokenReview per path, then answered from the cache")
eq([r["body"]["spec"]["user"] for r in sars if r["body"]["spec"]["user"] != "reader"], ["nobody"],
   "no SubjectAccessReview for an invalid token")
ok(not any("Bearer reader-token" == r["auth"] for r in reqs),
   "the caller's token is never used as the server's own credentials")
PY
is "$(cat "$SCRATCH/secret.txt")" "the secret" "a link planted as report.json or report.json.new is not written through"
ok "... report.json is now a file of the server's own" test -f "$SCRATCH/stub-reports/report.json" -a ! -L "$SCRATCH/stub-reports/report.json"
# (The next scan, within a second, puts a real report back: what is
# checked is that the planted file's content is never served.)
ln -sf "$SCRATCH/secret.txt" "$SCRATCH/stub-reports/report.html"
get /report.html "${READER[@]}"
ok "a link put in place of report.html: what it points to is not served ($CODE)" \
	test "$(grep -c 'the secret' "$RESP")" = 0
rm -f "$SCRATCH/stub-reports/report.html"
ln "$SCRATCH/secret.txt" "$SCRATCH/stub-reports/report.html"
get /report.html "${READER[@]}"
ok "a hard link put in place of report.html is not served ($CODE)" test "$(grep -c 'the secret' "$RESP")" = 0
rm -f "$SCRATCH/stub-reports/report.html"
mkfifo "$SCRATCH/stub-reports/report.html"
get /report.html "${READER[@]}"
isnt "$CODE" 000 "a FIFO put in place of report.html does not hang the request ($CODE)"
rm -f "$SCRATCH/stub-reports/report.html"
stub_trs() { grep -c 'tokenreviews' "$SCRATCH/stub.log"; }
before=$(stub_trs)
for i in 1 2 3; do get /report.json -H 'Authorization: Bearer forged-token'; done
is "$(stub_trs)" "$before" "an invalid token asked for again within 10 s: answered from the cache"
ok "no token is ever logged" test "$(grep -c 'reader-token\|nobody-token\|forged-token' "$SERVER_ERR")" = 0

get /report.json "${READER[@]}"
high=$(jv 'sum(1 for w in doc["workloads"] for x in w["results"] if x["status"] == "failed" and x["severity"] == "danger")')

ok "HighRiskFound counts the report's failed danger results ($high)" \
	grep -q "\"message\": \"$high high risks have been found" "$SCRATCH/stub.log"
stop_pid "$SERVER_PID"

# Events about another Namespace (a cluster-scoped object) still go to the
# namespace default, where the API server accepts them.
: >"$SCRATCH/stub.log"
start_server stub "${TLS[@]}" --inspect-interval 1s --kubeconfig "$SCRATCH/stub.kubeconfig" \
	--events-namespace team-x ||
	{ echo "Bail out! serve did not start"; exit 1; }
wait_until 20 grep -q 'SecurityInspectorConfigAuditStart' "$SCRATCH/stub.log"
py_tap "$SCRATCH/stub.log" <<'PY'
posts = [json.loads(l) for l in open(sys.argv[1])]
posts = [r for r in posts if r["method"] == "POST" and r["path"].endswith("/events")]
ok(posts and all(r["path"] == "/api/v1/namespaces/default/events" for r in posts),
   "Events about the Namespace team-x are posted in the namespace default", [r["path"] for r in posts])
inv = posts[0]["body"]["involvedObject"] if posts else {}
eq([inv.get("kind"), inv.get("name"), inv.get("namespace")], ["Namespace", "team-x", None],
   "... about the Namespace team-x")
PY
stop_pid "$SERVER_PID"

# --- an API server that never answers --------------------------------------------------

cat >"$SCRATCH/mute.py" <<'PY'
import socket, sys, threading, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(16)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
held = []
while True:
    c, _ = s.accept()
    held.append(c)      # read nothing, answer nothing
PY
"$PYTHON" "$SCRATCH/mute.py" "$SCRATCH/mute.port" >/dev/null 2>&1 &
track_pid $!
wait_until 10 test -s "$SCRATCH/mute.port"
kubeconfig "$SCRATCH/mute.kubeconfig" "$(cat "$SCRATCH/mute.port")"
mkdir -p "$SCRATCH/tmp"
TMPDIR="$SCRATCH/tmp" start_server mute "${TLS[@]}" --inspect-interval 1h \
	--kubeconfig "$SCRATCH/mute.kubeconfig" --no-events || { echo "Bail out! serve did not start"; exit 1; }
is "$(ls "$SCRATCH/tmp" | grep -c '^security-inspector-')" 1 \
	"without --report-dir, the reports go to a folder of their own under TMPDIR"
wait_until 5 grep -q '"msg":"scan started"' "$SERVER_ERR"
ok "a scan is running" grep -q '"msg":"scan started"' "$SERVER_ERR"
mute_curls=()
# Token checks wait on the mute API server too, in the guard's thread:
# two of them at once, while the reviews go on.
for i in 1 2; do
	curl -s --max-time 20 --cacert "$CA" -H "Authorization: Bearer t$i" -o "$SCRATCH/mute-$i.out" \
		-w '%{http_code} %{time_total}' \
		"https://127.0.0.1:$PORT/report.json" >"$SCRATCH/mute-$i.code" &
	mute_curls+=($!)
done
slow=0
for i in $(seq 20); do
	t=$(curl -s -o /dev/null -w '%{time_total}' --cacert "$CA" -H 'Content-Type: application/json' \
		--data-binary "@$SCRATCH/root.json" "https://127.0.0.1:$PORT/validate")
	python3 -c "import sys; sys.exit(not float('$t') < 0.5)" || slow=$((slow + 1))
done
is "$slow" 0 "20 reviews during the hanging scan and two hanging token checks, each answered within 0.5 s"
get /healthz
is "$CODE" 200 "... and /healthz"
wait "${mute_curls[@]}"
read -r code took <"$SCRATCH/mute-1.code"
is "$code" 503 "a token check on a mute API server ends in 503"
ok "... within the check's bound of 5 s per review ($took s)" python3 -c "import sys; sys.exit(not float('$took') < 11)"
contains "$(cat "$SCRATCH/mute-1.out")" "could not check the bearer token" "... saying why"
read -r code took <"$SCRATCH/mute-2.code"
is "$code" 503 "... and so does the second, after the first"
# One more waits for the guard when SIGTERM comes: answered, not dropped.
curl -s --max-time 20 --cacert "$CA" -H "Authorization: Bearer t3" -o /dev/null \
	-w '%{http_code}' "https://127.0.0.1:$PORT/report.json" >"$SCRATCH/mute-3.code" &
mute_curl=$!
sleep 0.5
PID=$SERVER_PID
kill -TERM "$PID"
t0=$(date +%s%N)
wait_exit "$PID" 10
ms=$((($(date +%s%N) - t0) / 1000000))
is "$EXIT_RC" 0 "SIGTERM during the scan: exit 0"
ok "... within 3 s: the scan and the token check are cancelled, not waited for (${ms} ms)" test "$ms" -lt 3000
wait "$mute_curl"
is "$(cat "$SCRATCH/mute-3.code")" 503 "the report request waiting on the token check is answered 503"
ok "... and says so" grep -q '"msg":"scan cancelled' "$SERVER_ERR"
is "$(ls "$SCRATCH/tmp" | grep -c '^security-inspector-')" 0 "... and removes the folder of its reports"

# --- a cron schedule, and inspect now ---------------------------------------------------

: >"$SCRATCH/stub.log"
STUB_SLOW_LIST=2 "$PYTHON" "$DATA/../../stub_apiserver.py" "$SCRATCH/slow.port" \
	"$SCRATCH/stub.log" >/dev/null 2>&1 &
track_pid $!
wait_until 10 test -s "$SCRATCH/slow.port"
kubeconfig "$SCRATCH/slow.kubeconfig" "$(cat "$SCRATCH/slow.port")"
# Once a year, at a time that is not now: the scans here are the first one
# and those asked for.
start_server cron "${TLS[@]}" --inspect-schedule 'CRON_TZ=Europe/Paris 0 0 1 JAN *' \
	--kubeconfig "$SCRATCH/slow.kubeconfig" --no-events --report-dir "$SCRATCH/reports" ||
	{ echo "Bail out! serve did not start"; exit 1; }
ok "the start-up line gives the schedule, its zone and the next scheduled scan" \
	grep -q '"inspectSchedule":"CRON_TZ=Europe/Paris 0 0 1 JAN \*","inspectTimeZone":"Europe/Paris","nextScheduledScan":"[0-9-]*-12-31T23:00:00Z"' "$SERVER_ERR"
get /report/inspect -X POST
is "$CODE" 401 "POST /report/inspect without a token: 401"
ok "... with WWW-Authenticate: Bearer" grep -qi '^WWW-Authenticate: Bearer' "$HEADERS"
get /report/inspect -X POST -H 'Authorization: Bearer nobody-token'
is "$CODE" 403 "POST /report/inspect by a user who may not create it: 403"
contains "$(cat "$RESP")" "security-inspector-inspect-now" "... naming the ClusterRole to bind"
ok "... and logs the user refused" \
	grep -q '"msg":"report request refused: the user may not create it".*"user":"nobody"' "$SERVER_ERR"
get /report/inspect -X POST -H 'Authorization: Bearer reader-token' -d 'x'
is "$CODE" 400 "POST /report/inspect with a body: 400"
get /report/inspect -H 'Authorization: Bearer reader-token'
is "$CODE" 405 "GET /report/inspect: 405"
ok "... with Allow: POST" grep -qi '^Allow: POST' "$HEADERS"
complete() { metric 'security_inspector_scans_total{result="complete"}'; }
wait_until 20 test "$(complete)" = 1
is "$(complete)" 1 "the first scan (at start-up, a slow one) finishes"
get /report/inspect -X POST -H 'Authorization: Bearer reader-token'
is "$CODE" 202 "POST /report/inspect by a user who may: 202"
is "$(cat "$RESP")" '{"scan":"started"}' "... saying the scan started"
get /report/inspect -X POST -H 'Authorization: Bearer reader-token' -H 'Content-Length: 0'
is "$CODE" 409 "a second POST while that scan runs: 409"
contains "$(cat "$RESP")" '"scan":"running","since":"20' "... saying a scan runs and since when"
wait_until 20 test "$(complete)" = 2
is "$(complete)" 2 "the scan asked for is counted in /metrics"
ok "... and logged as asked for" grep -q '"msg":"scan started","reason":"requested"' "$SERVER_ERR"
get /report/inspect -X POST -H 'Authorization: Bearer reader-token'
is "$CODE" 202 "once it has finished, another POST starts another: 202"
wait_until 20 test "$(complete)" = 3
is "$(complete)" 3 "... counted too"
is "$(access_reviews "$SCRATCH/stub.log")" \
	"$(printf '%s create /report/inspect\n' nobody reader)" \
	"one SubjectAccessReview per user, for create on /report/inspect (then the cache)"
stop_pid "$SERVER_PID"

tap_finish
