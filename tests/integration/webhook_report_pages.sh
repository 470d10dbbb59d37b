# SPDX-License-Identifier: Apache-2.0
# shellcheck disable=SC2317  # some functions only run through wait_until and ok
# The report's pages over real HTTPS, against a stand-in API server of 125
# workloads (tests/stub_apiserver.py with STUB_WORKLOADS=120): who may read
# them, pagination, each filter (checked against report.json), bad
# parameters, one workload's page and its whitelist entries (checked by
# auditing the same object with them in the policy), markup in a name, the
# headers and the Content-Security-Policy of the pages.

. "$(dirname "$0")/lib.sh"
tap_setup "$@"

serving_certs
READER=(-H 'Authorization: Bearer reader-token')
PAGES="$SCRATCH/pages"
mkdir -p "$PAGES" "$SCRATCH/reports"

# --- before the first scan has finished ------------------------------------------------

start_stub slow STUB_SLOW_LIST=4
start_server slow "${TLS[@]}" --inspect-interval 1h --kubeconfig "$SCRATCH/slow.kubeconfig" \
	--no-events || { echo "Bail out! serve did not start"; exit 1; }
get /report "${READER[@]}"
is "$CODE" 503 "GET /report while the first scan runs: 503"
ok "... with Retry-After" grep -qi '^Retry-After: 5' "$HEADERS"
contains "$(cat "$RESP")" "the first scan of the cluster has not finished yet" "... saying why"
get '/report/workload?id=0' "${READER[@]}"
is "$CODE" 503 "GET /report/workload?id=0 then too: 503"
get '/report?colour=red' "${READER[@]}"
is "$CODE" 400 "a bad parameter is refused before: 400"
stop_pid "$SERVER_PID"

# --- a cluster of 125 workloads --------------------------------------------------------

start_stub stub STUB_WORKLOADS=120
STUB="http://127.0.0.1:$(cat "$SCRATCH/stub.port")"
start_server pages "${TLS[@]}" --inspect-interval 1h --kubeconfig "$SCRATCH/stub.kubeconfig" \
	--no-events --report-dir "$SCRATCH/reports" || { echo "Bail out! serve did not start"; exit 1; }
wait_until 20 test -s "$SCRATCH/reports/report.idx"
ok "the scan writes report.json's index beside it (${WAITED_MS} ms)" test -s "$SCRATCH/reports/report.idx"
is "$(ls -A "$SCRATCH/reports" | tr '\n' ' ')" "report.html report.idx report.json " \
	"... and leaves nothing else in --report-dir"

# --- who may read the pages ------------------------------------------------------------

for path in /report '/report/workload?id=0' /report.html '/report?page=x'; do
	get "$path"
	is "$CODE" 401 "GET $path without a token: 401"
	get "$path" -H 'Authorization: Bearer nobody-token'
	is "$CODE" 403 "... with the token of a user who may not get it: 403"
	contains "$(cat "$RESP")" "security-inspector-report-reader" "... naming the ClusterRole to bind"
done
# A GET with a body is answered before the guard would look at it: never
# with the report.
get /report.json -H 'Content-Length: 0'
is "$CODE" 400 "GET /report.json with an empty body and no token: 400"
lacks "$(cat "$RESP")" "AuditReport" "... without the report"
get /report -X GET --data-binary x -H 'Authorization: Bearer nobody-token'
is "$CODE" 400 "GET /report with a body, by a user who may not get it: 400"
lacks "$(cat "$RESP")" "<html" "... without the page"
is "$(access_reviews "$SCRATCH/stub.log" | uniq)" \
	"$(printf 'nobody get %s\n' /report /report.html /report/workload)" \
	"a SubjectAccessReview for get on each page's path, without its query"

# --- the files and the pages' headers --------------------------------------------------

get /report.json "${READER[@]}"
is "$CODE" 200 "GET /report.json: 200"
cp "$RESP" "$SCRATCH/report.json"
is "$(jv 'len(doc["workloads"])' "$SCRATCH/report.json")" 125 "... the whole report: 125 workloads"
get /report.html "${READER[@]}"
is "$CODE" 200 "GET /report.html: 200, the page to keep"
is "$(grep -i '^Content-Type:' "$HEADERS" | tr -d '\r')" "Content-Type: text/html; charset=utf-8" "... as HTML"
contains "$(head -c 300 "$RESP")" "<!DOCTYPE html>" "... a page"
ok "... that masks env values" test "$(grep -c 'stub-plaintext-secret' "$RESP")" = 0

# page NAME QUERY : GET /report?QUERY (or the path in QUERY when it starts
# with /) into $PAGES/NAME.html, its status in NAME.code and its headers in
# NAME.h.
page() {
	local path=$2
	case $path in /*) ;; *) path="/report?$path" ;; esac
	curl -sS --max-time "$HTTP_TIMEOUT" --cacert "$CA" "${READER[@]}" -o "$PAGES/$1.html" \
		-D "$PAGES/$1.h" -w '%{http_code}' "https://127.0.0.1:$PORT$path" >"$PAGES/$1.code"
}

page default ''
is "$(cat "$PAGES/default.code")" 200 "GET /report: 200"
headers=$(tr -d '\r' <"$PAGES/default.h")
contains "$headers" "Content-Type: text/html; charset=utf-8" "... as HTML"
contains "$headers" "Cache-Control: no-store" "... never cached"
contains "$headers" "X-Content-Type-Options: nosniff" "... never sniffed"
contains "$headers" "Referrer-Policy: no-referrer" "... no referrer"
code=$(curl -s -I --max-time 10 --cacert "$CA" "${READER[@]}" -o /dev/null -w '%{http_code}' \
	"https://127.0.0.1:$PORT/report")
is "$code" 200 "HEAD /report: 200"

# --- pagination and filters, against report.json ---------------------------------------

while IFS='|' read -r name query; do
	page "$name" "$query"
done <<'CASES'
s10p2|size=10&page=2
s10last|size=10&page=13
s10past|size=10&page=14
s500|size=500
form|namespace=&kind=&status=&text=&size=50
ns|namespace=team-a&size=500
glob|namespace=team-*&size=500
q|namespace=t?am-b&size=500
none|namespace=nowhere
kind|kind=deployment&size=500
rs|kind=ReplicaSet
crb|kind=ClusterRoleBinding
passed|status=passed&size=500
failed|status=failed&size=500
text|text=APP-01&size=500
combo|namespace=team-b&status=passed&text=app&size=5&page=2
CASES
py_tap "$SCRATCH/report.json" "$PAGES" <<'PY'
import fnmatch, html, os
report = load(sys.argv[1]) or {"workloads": []}
pages = sys.argv[2]
W = report["workloads"]

def read(name):
    code = open(os.path.join(pages, name + ".code")).read().strip()
    return code, open(os.path.join(pages, name + ".html"), encoding="utf-8").read()

row_re = re.compile(r'<tr><td><span class="st st-(passed|failed)">[a-z]+</span></td><td>(.*?)</td>'
                    r'<td>(.*?)</td><td class="name"><a href="report/workload\?id=(\d+)">(.*?)</a></td>'
                    r'<td class="num">(\d+)</td><td class="num">(\d+)</td><td class="num">(\d+)</td>'
                    r'<td class="num">(\d+)</td></tr>')

def rows(text):
    return [(html.unescape(k), html.unescape(ns), html.unescape(n), int(i), st,
             (int(d), int(w), int(wl), int(p)))
            for st, k, ns, i, n, d, w, wl, p in row_re.findall(text)]

def expected_row(i):
    w = W[i]
    res = w["results"]
    counts = (sum(r["status"] == "failed" and r["severity"] == "danger" for r in res),
              sum(r["status"] == "failed" and r["severity"] == "warning" for r in res),
              sum(r["status"] == "whitelisted" for r in res),
              sum(r["status"] == "passed" for r in res))
    return (w["kind"], w["namespace"], w["name"], i, "failed" if w["failed"] else "passed", counts)

def select(ns="", kind="", status="", text=""):
    out = []
    for i, w in enumerate(W):
        if ns and not fnmatch.fnmatchcase(w["namespace"], ns):
            continue
        if kind and w["kind"].lower() != kind.lower():
            continue
        if status and (w["failed"] > 0) != (status == "failed"):
            continue
        if text and text.lower() not in w["name"].lower():
            continue
        out.append(expected_row(i))
    return out

everything = select()
code, text = read("default")
eq(rows(text), everything[:50], "the first page: the first 50 workloads of report.json, in its order, "
   "with status and counts")
ok("Workloads 1 to 50 of 125 matching (125 in all), page 1 of 3." in text,
   "... and says so: 'Workloads 1 to 50 of 125 matching (125 in all), page 1 of 3.'")
ok(all(W[r[3]]["name"] == r[2] for r in rows(text)),
   "... links each workload to its page by its number in report.json")
code, text = read("s10p2")
eq([code, rows(text)], ["200", everything[10:20]], "size=10&page=2: workloads 11 to 20")
for rel, page in (("prev", 1), ("next", 3)):
    ok('<a rel="%s" href="report?size=10&amp;page=%d">' % (rel, page) in text,
       "... with a %s link to page %d" % (rel, page))
code, text = read("s10last")
eq([code, rows(text)], ["200", everything[120:125]], "size=10&page=13, the last page: the last 5")
ok('rel="next"' not in text and 'rel="prev"' in text, "... with no next link, and a previous one")
code, text = read("s10past")
eq(code, "404", "size=10&page=14, past the last page: 404")
ok("page 14 is past the last page, 13 (125 workloads match)" in text, "... saying which is the last", text)
code, text = read("s500")
eq([code, rows(text)], ["200", everything], "size=500: every workload on one page")
ok('<nav class="pages"' not in text, "... and no page links")
code, text = read("form")
eq([code, rows(text)], ["200", everything[:50]], "empty filters, as the form sends them: the first page")
cases = [("ns", dict(ns="team-a"), "namespace=team-a (exact)"),
         ("glob", dict(ns="team-*"), "namespace=team-* (a glob)"),
         ("q", dict(ns="t?am-b"), "namespace=t?am-b (a glob with ?)"),
         ("none", dict(ns="nowhere"), "namespace=nowhere: no workload"),
         ("kind", dict(kind="Deployment"), "kind=deployment (letter case ignored)"),
         ("rs", dict(kind="ReplicaSet"), "kind=ReplicaSet"),
         ("crb", dict(kind="ClusterRoleBinding"), "kind=ClusterRoleBinding"),
         ("passed", dict(status="passed"), "status=passed"),
         ("failed", dict(status="failed"), "status=failed"),
         ("text", dict(text="app-01"), "text=APP-01 (a part of the name, letter case ignored)")]
for name, f, desc in cases:
    code, text = read(name)
    exp = select(**f)
    eq([code, rows(text)], ["200", exp[:500]], "%s: the %d matching workloads" % (desc, len(exp)))
ok("No workload matches (125 in all)." in read("none")[1], "... no workload matching says so")
ok('<option value="ReplicaSet" selected>ReplicaSet</option>' in read("rs")[1] and
   '<option value="Pod">Pod</option>' in read("rs")[1],
   "the kinds of the form are the report's, the one asked for selected")
code, text = read("combo")
exp = select(ns="team-b", status="passed", text="app")
eq([code, rows(text)], ["200", exp[5:10]],
   "namespace=team-b&status=passed&text=app&size=5&page=2: the filters together, page 2")
ok('<a rel="next" href="report?namespace=team-b&amp;status=passed&amp;text=app&amp;size=5&amp;page=3">'
   in text, "... its page links keep the filters", re.findall(r'<a rel="next"[^>]*>', text))
ok('name="namespace" placeholder="prod or prod-*" value="team-b"' in text and
   '<option value="passed" selected>passed</option>' in text and 'name="text" value="app"' in text,
   "... and so does the form")
s = report["summary"]
code, text = read("default")
ok(('<div class="n">%d</div><div class="l">workloads: %d passed, %d failed</div>'
    % (s["workloads"], s["passedWorkloads"], s["failedWorkloads"])) in text and
   ('<div class="n">%d</div><div class="l">score (of 100)</div>' % s["score"]) in text and
   ('<span class="health h-%s">' % s["health"]) in text,
   "the overview gives the summary of report.json")
ok(all("<tr><td>%s</td><td class=\"num\">%d</td>" % (k, n) in text for k, n in s["byKind"].items()),
   "... and the workloads by kind")
PY

# --- bad parameters --------------------------------------------------------------------

many=$(python3 -c 'print("&".join("p%d=1" % i for i in range(40)))')
long=$(head -c 300 /dev/zero | tr '\0' a)
while IFS='|' read -r query says; do
	get "$query" "${READER[@]}"
	is "$CODE" 400 "GET $query: 400"
	contains "$(jv 'doc["error"]')" "$says" "... saying: $says"
done <<CASES
/report?colour=red|unknown query parameter "colour": /report takes namespace, kind, status, text, page and size
/report?page=1&page=2|the query parameter page is given twice
/report?status=broken|status: expected passed or failed
/report?page=0|page: expected a page number from 1
/report?page=-1|page: expected a page number from 1
/report?page=1e3|page: expected a page number from 1
/report?size=0|size: expected a number of workloads from 1 to 500
/report?size=501|size: expected a number of workloads from 1 to 500
/report?text=$long|text: expected UTF-8 text of at most 253 bytes
/report?namespace=%ff|namespace: expected UTF-8 text of at most 253 bytes
/report?$many|over 32 query parameters
/report/workload|/report/workload needs id, the number of a workload
/report/workload?id=x|id: expected a workload number (0, 1, ...)
/report/workload?id=1&page=2|unknown query parameter "page": /report/workload takes id
CASES
get '/report/workload?id=125' "${READER[@]}"
is "$CODE" 404 "GET /report/workload?id=125, past the last workload: 404"
contains "$(jv 'doc["error"]')" "no workload 125: the scan has 125 (0 to 124)" "... saying how many there are"

# --- one workload's page and its whitelist entries -------------------------------------

# object KIND NAME OUT : the stub's object KIND NAME as a manifest, to audit.
object() {
	local resource
	case $1 in
	Deployment) resource=apis/apps/v1/deployments ;;
	ReplicaSet) resource=apis/apps/v1/replicasets ;;
	Pod) resource=api/v1/pods ;;
	ClusterRoleBinding) resource=apis/rbac.authorization.k8s.io/v1/clusterrolebindings ;;
	esac
	curl -s "$STUB/$resource" | python3 -c '
import json, sys
lst = json.load(sys.stdin)
item = next(i for i in lst["items"] if i["metadata"]["name"] == sys.argv[2])
item["kind"] = sys.argv[1]
item["apiVersion"] = lst["apiVersion"]
json.dump(item, open(sys.argv[3], "w"))' "$1" "$2" "$3"
}

# id_of NAME : the number of the workload NAME in report.json.
id_of() {
	python3 -c 'import json, sys
print([w["name"] for w in json.load(open(sys.argv[1]))["workloads"]].index(sys.argv[2]))' \
		"$SCRATCH/report.json" "$1"
}

deploy=$(id_of app-001)
page deploy "/report/workload?id=$deploy"
is "$(cat "$PAGES/deploy.code")" 200 "GET /report/workload?id=$deploy (the Deployment team-a/app-001): 200"
headers=$(tr -d '\r' <"$PAGES/deploy.h")
contains "$headers" "Cache-Control: no-store" "... never cached"
for w in pod:web-5d4f9c-x2x9z rs:canary-7c9d crb:anon-view hostile:"<b>x</b>&\"'<script>alert(1)</script>"; do
	page "${w%%:*}" "/report/workload?id=$(id_of "${w#*:}")"
done
object Deployment app-001 "$SCRATCH/deploy.json"
object Pod web-5d4f9c-x2x9z "$SCRATCH/pod.json"
object ReplicaSet canary-7c9d "$SCRATCH/rs.json"
object ClusterRoleBinding anon-view "$SCRATCH/crb.json"
object Deployment "<b>x</b>&\"'<script>alert(1)</script>" "$SCRATCH/hostile.json"

py_tap "$SCRATCH/report.json" "$PAGES" "$deploy" <<'PY'
import base64, hashlib, html, os
report = load(sys.argv[1]) or {"workloads": []}
pages, deploy = sys.argv[2], int(sys.argv[3])
text = open(os.path.join(pages, "deploy.html"), encoding="utf-8").read()
w = report["workloads"][deploy]
cells = [[html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", row)]
         for row in re.findall(r"<tr><td>.*?</tr>", text.split('<table class="results">')[1].split("</table>")[0])]
got = sorted((c[0], c[1], c[2], c[3], re.sub(r"<.*?>", "", c[4]), c[5], c[6]) for c in cells)
exp = sorted((r["container"] or "(pod)", r["check"], r["category"], r["severity"], r["status"],
              r["message"], r["fix"]) for r in w["results"])
eq(got, exp, "every result of the workload, with container, severity, status, message and fix")
ok([c[0] for c in cells] == sorted((c[0] for c in cells), key=lambda c: c != "(pod)"),
   "... grouped by container: pod-level results first, then the container app")
blocks = {i: html.unescape(b) for i, b in re.findall(r'<pre id="wl-([a-z0-9]+)"><code>(.*?)</code></pre>', text, re.S)}
failed = [r for r in w["results"] if r["status"] == "failed"]
eq(len([k for k in blocks if k != "all"]), len(failed), "one whitelist entry per failed result (%d)" % len(failed))
eq(blocks.get("0"), '- namespaces: ["team-a"]\n  kinds: ["Deployment"]\n  names: ["app-001"]\n'
   '  containers: ["app"]\n  checks: [%s]\n  reason: ""   # say why this is accepted\n' % failed[0]["check"],
   "the entry of the first failure, exactly")
ok(all('<button type="button" data-copy="wl-%s">Copy</button>' % k in text for k in blocks),
   "... with a copy button for each entry")
csp = re.search(r"^Content-Security-Policy: (.*)$", open(os.path.join(pages, "deploy.h")).read().replace("\r", ""), re.M)
csp = csp.group(1) if csp else ""
def sha(s):
    return "'sha256-%s'" % base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()
script = re.search(r"<script>(.*?)</script>", text, re.S).group(1)
style = re.search(r"<style>(.*?)</style>", text, re.S).group(1)
eq(csp, "default-src 'none'; style-src %s; script-src %s; img-src data:; form-action 'self'; "
   "base-uri 'none'; frame-ancestors 'none'" % (sha(style), sha(script)),
   "the Content-Security-Policy allows the page's own style and script by hash, nothing else")
eq(len(re.findall(r"<script", text)), 1, "... and the page has no other script")
ok(not re.search(r"\son[a-z]+=|\sstyle=", text), "... nor an inline event handler or style attribute")
PY

# audit_with NAME ENTRY-ID MANIFEST : audits MANIFEST with a policy whose
# whitelist is the page NAME's entry ENTRY-ID (its reason filled in); the
# results by status into $SCRATCH/NAME.audit.
audit_with() {
	python3 - "$PAGES/$1.html" "$2" "$SCRATCH/$1.policy.yaml" <<'PY'
import html, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
block = re.search(r'<pre id="wl-%s"><code>(.*?)</code></pre>' % sys.argv[2], text, re.S)
yaml = html.unescape(block.group(1)) if block else ""
open(sys.argv[3], "w").write("whitelist:\n" + yaml.replace('reason: ""', 'reason: "accepted by the test"'))
PY
	"$SI" audit --config "$SCRATCH/$1.policy.yaml" --format json -o "$SCRATCH/$1.audit.json" "$3" \
		2>"$SCRATCH/$1.audit.err"
	jv '" ".join(sorted("%s:%s" % (r["check"], r["status"]) for r in doc["workloads"][0]["results"] if r["status"] != "passed"))' \
		"$SCRATCH/$1.audit.json" >"$SCRATCH/$1.audit"
}

# failures NAME STATUS : the failed checks of the workload NAME in
# report.json, as audit_with writes them, each with STATUS.
failures() {
	python3 -c 'import json, sys
w = next(w for w in json.load(open(sys.argv[1]))["workloads"] if w["name"] == sys.argv[2])
print(" ".join(sorted("%s:%s" % (r["check"], sys.argv[3]) for r in w["results"] if r["status"] == "failed")))' \
		"$SCRATCH/report.json" "$1" "$2"
}

audit_with deploy all "$SCRATCH/deploy.json"
is "$(cat "$SCRATCH/deploy.audit")" "$(failures app-001 whitelisted)" \
	"the Deployment's entries for all its failures, pasted into a policy: each failure is whitelisted"
audit_with deploy 0 "$SCRATCH/deploy.json"
first=$(python3 -c 'import json, sys
w = json.load(open(sys.argv[1]))["workloads"][int(sys.argv[2])]
print(next(r["check"] for r in w["results"] if r["status"] == "failed"))' "$SCRATCH/report.json" "$deploy")
contains "$(cat "$SCRATCH/deploy.audit")" "$first:whitelisted" \
	"... the entry of its first failure alone whitelists that failure"
is "$(grep -o ':whitelisted' "$SCRATCH/deploy.audit" | wc -l)" 1 "... and no other"

contains "$(cat "$PAGES/pod.html")" "Owned by ReplicaSet web-5d4f9c, Deployment web." \
	"the owned Pod's page names its owners"
py_tap "$PAGES/pod.html" <<'PY'
import html
text = open(sys.argv[1], encoding="utf-8").read()
blocks = dict(re.findall(r'<pre id="wl-([a-z0-9]+)"><code>(.*?)</code></pre>', text, re.S))
eq(html.unescape(blocks.get("all", "")),
   '- namespaces: ["team-a"]\n  kinds: ["Deployment"]\n  names: ["web"]\n  containers: ["web"]\n'
   '  checks: [runAsRootAllowed, privilegeEscalationAllowed, notReadOnlyRootFileSystem, cpuRequestsMissing, '
   'cpuLimitsMissing, memoryRequestsMissing, memoryLimitsMissing, readinessProbeMissing, livenessProbeMissing, '
   'tagNotSpecified, seccompProfileMissing, capabilitiesNotDropped]\n  reason: ""   # say why this is accepted\n'
   '- namespaces: ["team-a"]\n  kinds: ["Deployment"]\n  names: ["web"]\n  containers: ["sidecar"]\n'
   '  checks: [runAsRootAllowed, privilegeEscalationAllowed, notReadOnlyRootFileSystem, cpuRequestsMissing, '
   'cpuLimitsMissing, memoryRequestsMissing, memoryLimitsMissing, readinessProbeMissing, livenessProbeMissing, '
   'seccompProfileMissing, capabilitiesNotDropped]\n'
   '  reason: ""   # say why this is accepted\n',
   "the owned Pod's entries name the Deployment at the top of its owners, one per container, exactly")
PY
audit_with pod all "$SCRATCH/pod.json"
is "$(cat "$SCRATCH/pod.audit")" "$(failures web-5d4f9c-x2x9z whitelisted)" \
	"... pasted into a policy, they whitelist each failure of the Pod (owner coverage)"
contains "$(cat "$PAGES/rs.html")" 'kinds: ["Rollout"]' \
	"the ReplicaSet owned by a Rollout: its entries name the Rollout"
audit_with rs all "$SCRATCH/rs.json"
is "$(cat "$SCRATCH/rs.audit")" "$(failures canary-7c9d whitelisted)" "... and whitelist each of its failures"
py_tap "$PAGES/crb.html" <<'PY'
import html
text = open(sys.argv[1], encoding="utf-8").read()
blocks = dict(re.findall(r'<pre id="wl-([a-z0-9]+)"><code>(.*?)</code></pre>', text, re.S))
eq(html.unescape(blocks.get("0", "")),
   '- kinds: ["ClusterRoleBinding"]\n  names: ["anon-view"]\n  checks: [anonymousUserRBACBinding]\n'
   '  reason: ""   # say why this is accepted\n',
   "the ClusterRoleBinding's entry names no namespace nor container, exactly")
PY
audit_with crb 0 "$SCRATCH/crb.json"
is "$(cat "$SCRATCH/crb.audit")" "anonymousUserRBACBinding:whitelisted" "... and whitelists its failure"

# --- markup in a name ------------------------------------------------------------------

py_tap "$PAGES/s500.html" "$PAGES/hostile.html" <<'PY'
import html
listing = open(sys.argv[1], encoding="utf-8").read()
page = open(sys.argv[2], encoding="utf-8").read()
name = "<b>x</b>&\"'<script>alert(1)</script>"
escaped = "&lt;b&gt;x&lt;/b&gt;&amp;&quot;&#39;&lt;script&gt;alert(1)&lt;/script&gt;"
ok(escaped in listing and "<b>x</b>" not in listing, "the list shows a name of markup escaped")
ok(escaped in page and "<b>x</b>" not in page and "<script>alert" not in page,
   "... and so does the workload's page")
blocks = dict(re.findall(r'<pre id="wl-([a-z0-9]+)"><code>(.*?)</code></pre>', page, re.S))
ok('names: ["&lt;b&gt;x&lt;/b&gt;&amp;\\"\'&lt;script&gt;alert(1)&lt;/script&gt;"]' in blocks.get("0", ""),
   "... whose entries quote it for YAML, escaped for HTML", blocks.get("0", ""))
PY
audit_with hostile all "$SCRATCH/hostile.json"
is "$(cat "$SCRATCH/hostile.audit")" "$(failures "<b>x</b>&\"'<script>alert(1)</script>" whitelisted)" \
	"... and pasted into a policy, they whitelist its failures"

tap_finish
