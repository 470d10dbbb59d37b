# SPDX-License-Identifier: Apache-2.0
# shellcheck disable=SC2317  # some functions only run through wait_until
# What Prometheus scrapes, against a stand-in API server of several
# namespaces (tests/stub_apiserver.py with STUB_WORKLOADS=12) and two
# replicas with leader election: the failures per namespace of the last
# complete scan at GET /metrics/namespaces (who may read them, their values
# against report.json, the cap of --metrics-max-namespaces, a replica that
# does not lead serving its own, none; 404 without scans), what /metrics
# says of them without naming a namespace, the PolicyReport write counters
# from start; then every query of the Grafana dashboard and of the
# PrometheusRule of manifests/components/monitoring against the live
# scrape, the rules and the dashboard's queries with promtool, and the
# component built with kubectl kustomize.

. "$(dirname "$0")/lib.sh"
tap_setup "$@"

serving_certs
READER=(-H 'Authorization: Bearer reader-token')
REPO=$(cd "$DATA/../../.." && pwd)
MONITORING="$REPO/manifests/components/monitoring"
python3 -c 'import yaml' 2>/dev/null || { echo "Bail out! python3's yaml module is needed"; exit 1; }

start_stub stub STUB_WORKLOADS=12
SCAN=(--inspect-interval 1h --kubeconfig "$SCRATCH/stub.kubeconfig" --no-events)

# scanned : the current server has finished a complete scan.
scanned() {
	[ "$(metric 'security_inspector_scans_total{result="complete"}')" = 1 ]
}

# scrape NAME [CURL-ARGS...] : GET /metrics/namespaces of the current
# server into $SCRATCH/NAME.prom; sets CODE and HEADERS.
scrape() {
	local name=$1
	shift
	get /metrics/namespaces "$@"
	cp "$RESP" "$SCRATCH/$name.prom"
}

# --- the leader: the failures per namespace of its last complete scan -----------------

start_server leader "${TLS[@]}" "${SCAN[@]}" --leader-elect --lease-namespace default ||
	{ echo "Bail out! serve did not start"; exit 1; }
LEADER_PORT=$PORT
wait_until 20 scanned
ok "the leader scans (${WAITED_MS} ms)" scanned
is "$(metric security_inspector_leader)" 1 "... and says it leads"

get /metrics/namespaces
is "$CODE" 401 "GET /metrics/namespaces without a token: 401"
ok "... with WWW-Authenticate: Bearer" grep -qi '^WWW-Authenticate: Bearer' "$HEADERS"
lacks "$(cat "$RESP")" "team-a" "... naming no namespace"
get /metrics/namespaces -H 'Authorization: Bearer nobody-token'
is "$CODE" 403 "... with the token of a user who may not get it: 403"
contains "$(cat "$RESP")" "security-inspector-metrics-reader" "... naming the ClusterRole to bind"
get /metrics/namespaces -H 'Authorization: Bearer forged'
is "$CODE" 401 "... with a token the API server does not know: 401"
get /metrics/namespaces -H 'Content-Length: 0'
is "$CODE" 400 "... with a body, before any guard: 400"
lacks "$(cat "$RESP")" "team-a" "... naming no namespace"
get /metrics/namespaces -X POST "${READER[@]}"
is "$CODE" 405 "POST /metrics/namespaces: 405"

scrape leader "${READER[@]}"
is "$CODE" 200 "GET /metrics/namespaces by a reader: 200"
is "$(grep -i '^Content-Type:' "$HEADERS" | tr -d '\r')" \
	"Content-Type: text/plain; version=0.0.4; charset=utf-8" "... in the Prometheus text format"
is "$(access_reviews "$SCRATCH/stub.log")" \
	"$(printf '%s get /metrics/namespaces\n' nobody reader)" \
	"one SubjectAccessReview per user, for get on /metrics/namespaces (then the cache)"

# Reviews, for the admission series the dashboard reads: one denied, one
# allowed.
admit /validate/enforce pod-bad --uid monitoring-denied
is "$(jv 'r["allowed"]')" false "a review in enforce mode is denied"
admit /validate/warn pod-bad --uid monitoring-allowed
is "$(jv 'r["allowed"]')" true "a review in warn mode is allowed"

get /report.json "${READER[@]}"
cp "$RESP" "$SCRATCH/report.json"
get /metrics
cp "$RESP" "$SCRATCH/leader-metrics.prom"

# The failures of report.json per namespace and severity, and the series.
cat >"$SCRATCH/series.py" <<'PY'
def expected(report):
    """namespace -> [danger, warning] failures, from report.json."""
    out = {}
    for w in report["workloads"]:
        for r in w["results"]:
            if r["status"] == "failed":
                row = out.setdefault(w["namespace"], [0, 0])
                row[0 if r["severity"] == "danger" else 1] += 1
    return out

def series(path, name="security_inspector_scan_namespace_failures"):
    """namespace -> [danger, warning] of the series in a scrape, and their order."""
    out, order = {}, []
    pat = re.compile(r'^%s\{namespace="((?:[^"\\]|\\.)*)",severity="(danger|warning)"\} (\d+)$' % name)
    for line in open(path):
        m = pat.match(line.rstrip("\n"))
        if m:
            if m.group(1) not in out:
                order.append(m.group(1))
            out.setdefault(m.group(1), [0, 0])[0 if m.group(2) == "danger" else 1] = int(m.group(3))
    return out, order

def ranked(exp):
    """The namespaces by failures, most first, ties by name."""
    return sorted(exp, key=lambda ns: (-sum(exp[ns]), ns))
PY

py_tap "$SCRATCH/series.py" "$SCRATCH/report.json" "$SCRATCH/leader.prom" \
	"$SCRATCH/leader-metrics.prom" <<'PY'
exec(open(sys.argv[1]).read())
exp = expected(load(sys.argv[2]))
got, order = series(sys.argv[3])
eq(sorted(exp), ["", "stub", "team-a", "team-b"],
   "report.json: failures in team-a, team-b, stub and the cluster scope")
eq(got, exp, "one series per namespace and severity, equal to report.json's failures")
eq(exp[""], [1, 0], "the cluster scope (namespace \"\"): the anonymous ClusterRoleBinding, one danger")
eq(order, ranked(exp), "the namespaces with most failures first, ties by name")
text = open(sys.argv[3]).read()
ok("# TYPE security_inspector_scan_namespace_failures gauge\n" in text, "... a gauge with HELP and TYPE")
metrics = open(sys.argv[4]).read()
m = re.search(r"^security_inspector_scan_namespaces_failing (\d+)$", metrics, re.M)
eq(m and int(m.group(1)), 3, "/metrics: security_inspector_scan_namespaces_failing 3 (the cluster scope is none)")
for ns in ("team-a", "team-b", "\"stub\""):
    ok(ns not in metrics, "/metrics names no namespace (%s)" % ns)
for op in ("create", "update", "delete"):
    for name in ("writes_total", "write_failures_total"):
        s = 'security_inspector_policyreport_%s{operation="%s"} 0' % (name, op)
        ok(s + "\n" in metrics, "/metrics: %s from start" % s)
PY

# --- a replica that does not lead serves its own figures: none ------------------------

start_server follower "${TLS[@]}" "${SCAN[@]}" --leader-elect --lease-namespace default ||
	{ echo "Bail out! serve did not start"; exit 1; }
is "$(metric security_inspector_leader)" 0 "a second replica does not lead"
scrape follower "${READER[@]}"
is "$CODE" 200 "... GET /metrics/namespaces there by a reader: 200"
is "$(grep -c '^security_inspector_scan_namespace_failures{' "$SCRATCH/follower.prom")" 0 \
	"... with no series: it has never scanned (not the leader's, which Prometheus scrapes apart)"
is "$(metric security_inspector_scan_namespaces_failing)" absent \
	"... and no security_inspector_scan_namespaces_failing"
get /metrics/namespaces -H 'Authorization: Bearer nobody-token'
is "$CODE" 403 "... guarded there too: 403 for a user who may not get it"
stop_pid "$SERVER_PID"

# --- the cap -----------------------------------------------------------------------------

# capped N : a server with --metrics-max-namespaces N, after its first
# scan: its /metrics/namespaces in $SCRATCH/capped-N.prom.
capped() {
	start_server "capped-$1" "${TLS[@]}" "${SCAN[@]}" --metrics-max-namespaces "$1" ||
		{ echo "Bail out! serve did not start"; exit 1; }
	wait_until 20 scanned
	scrape "capped-$1" "${READER[@]}"
}

capped 1
py_tap "$SCRATCH/series.py" "$SCRATCH/report.json" "$SCRATCH/capped-1.prom" <<'PY'
exec(open(sys.argv[1]).read())
exp = expected(load(sys.argv[2]))
got, order = series(sys.argv[3])
top = ranked(exp)[0]
rest = [sum(exp[ns][i] for ns in ranked(exp)[1:]) for i in (0, 1)]
eq(order, [top, "(other)"], "--metrics-max-namespaces 1: the namespace with most failures, then (other)")
eq(got.get(top), exp[top], "... its own series as they were")
eq(got.get("(other)"), rest, "... and (other) the sum of all the others, per severity")
PY
is "$(metric security_inspector_scan_namespaces_failing)" 3 "... /metrics still counts every failing namespace"
stop_pid "$SERVER_PID"

capped 0
is "$CODE" 200 "--metrics-max-namespaces 0: GET /metrics/namespaces is 200"
is "$(grep -c '^security_inspector_scan_namespace_failures{' "$SCRATCH/capped-0.prom")" 0 "... with no series"
is "$(metric security_inspector_scan_namespaces_failing)" 3 "... and /metrics counts the failing namespaces"
stop_pid "$SERVER_PID"

start_server plain "${TLS[@]}" || { echo "Bail out! serve did not start"; exit 1; }
get /metrics/namespaces "${READER[@]}"
is "$CODE" 404 "without scans GET /metrics/namespaces is 404"
stop_pid "$SERVER_PID"

run_serve 5 "${TLS[@]}" --metrics-max-namespaces 10
is "$RC" 2 "--metrics-max-namespaces without scans is refused"
contains "$ERR" "--metrics-max-namespaces" "... naming it"
for bad in -1 100001 ten; do
	run_serve 5 "${TLS[@]}" "${SCAN[@]}" --metrics-max-namespaces "$bad"
	is "$RC" 2 "--metrics-max-namespaces $bad is refused"
done

# --- the dashboard and the alerts against the live scrape --------------------------------

PORT=$LEADER_PORT
py_tap "$DATA/promql_check.py" "$MONITORING/grafana-dashboard.json" \
	"$MONITORING/prometheusrule.yaml" "$SCRATCH/dashboard-rules.yaml" \
	"$SCRATCH/leader-metrics.prom" "$SCRATCH/leader.prom" <<'PY'
path = sys.argv.pop(1)
exec(compile(open(path).read(), path, "exec"))
PY
py_tap "$MONITORING/grafana-dashboard.json" <<'PY'
d = load(sys.argv[1]) or {}
inputs = d.get("__inputs", [])
ok(any(i.get("type") == "datasource" and i.get("pluginId") == "prometheus" for i in inputs),
   "the dashboard has a Prometheus datasource input (__inputs) to import it")
ok(d.get("schemaVersion", 0) >= 36, "... schemaVersion %s (36 or later)" % d.get("schemaVersion"))
names = {v["name"]: v for v in d.get("templating", {}).get("list", [])}
eq(names.get("datasource", {}).get("type"), "datasource", "... a datasource variable")
eq(names.get("namespace", {}).get("type"), "query", "... a namespace variable")
ds = [p.get("datasource") for p in d.get("panels", []) if p.get("type") != "row"]
ok(ds and all(x == {"type": "prometheus", "uid": "${datasource}"} for x in ds),
   "... every panel reads the datasource variable")
ok(len({p["id"] for p in d["panels"]}) == len(d["panels"]), "... panel ids are unique")
PY

if command -v promtool >/dev/null 2>&1; then
	python3 -c '
import sys, yaml
rule = yaml.safe_load(open(sys.argv[1]))
yaml.safe_dump(rule["spec"], open(sys.argv[2], "w"))' "$MONITORING/prometheusrule.yaml" "$SCRATCH/alerts.yaml"
	for what in alerts:"the PrometheusRule's alerts" \
		dashboard-rules:"every query of the dashboard, as a recording rule"; do
		if out=$(promtool check rules "$SCRATCH/${what%%:*}.yaml" 2>&1); then
			pass "promtool check rules: ${what#*:}"
		else
			fail "promtool check rules: ${what#*:}" "$out"
		fi
	done
	# The alerts on made-up series (data/alerts_test.yaml), without their
	# annotations: what fires when, and with which labels.
	mkdir -p "$SCRATCH/alerts-test"
	python3 -c '
import sys, yaml
spec = yaml.safe_load(open(sys.argv[1]))["spec"]
for group in spec["groups"]:
    for rule in group["rules"]:
        rule.pop("annotations", None)
yaml.safe_dump(spec, open(sys.argv[2], "w"))' "$MONITORING/prometheusrule.yaml" "$SCRATCH/alerts-test/alerts.yaml"
	cp "$DATA/alerts_test.yaml" "$SCRATCH/alerts-test/"
	if out=$(cd "$SCRATCH/alerts-test" && promtool test rules alerts_test.yaml 2>&1); then
		pass "promtool test rules: the alerts fire as data/alerts_test.yaml says (an old leader's figures ignored)"
	else
		fail "promtool test rules: the alerts fire as data/alerts_test.yaml says (an old leader's figures ignored)" "$out"
	fi
else
	pass "# SKIP promtool is not installed (scripts/deps.sh installs Debian's prometheus)"
fi

# --- the component builds with the manifests ---------------------------------------------

KUBECTL=$(command -v kubectl || echo /var/cache/kube-e2e/bin/kubectl)
if [ -x "$KUBECTL" ] && "$KUBECTL" kustomize "$REPO/examples/monitoring" >"$SCRATCH/kustomized.yaml" \
	2>"$SCRATCH/kustomize.err"; then
	pass "kubectl kustomize examples/monitoring: the manifests with the component build"
	py_tap "$SCRATCH/kustomized.yaml" "$MONITORING/grafana-dashboard.json" <<'PY'
import yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
by = {(d["kind"], d["metadata"]["name"]): d for d in docs}
sm = by.get(("ServiceMonitor", "security-inspector"))
ok(sm is not None and sm["apiVersion"] == "monitoring.coreos.com/v1", "a ServiceMonitor")
eps = {e["path"]: e for e in (sm or {}).get("spec", {}).get("endpoints", [])}
eq(sorted(eps), ["/metrics", "/metrics/namespaces"], "... scraping /metrics and /metrics/namespaces")
svc = by[("Service", "security-inspector")]
for path, e in eps.items():
    eq(e.get("port"), svc["spec"]["ports"][0]["name"], "... %s on the Service's port" % path)
    eq((e.get("scheme"), e.get("tlsConfig", {}).get("serverName")),
       ("https", "security-inspector.security-inspector.svc"),
       "... %s over HTTPS for the Service's name" % path)
    eq(e.get("tlsConfig", {}).get("ca"), {"secret": {"name": "security-inspector-certs", "key": "ca.crt"}},
       "... %s checked against the CA bundle of the server's Secret" % path)
ok("bearerTokenFile" in eps.get("/metrics/namespaces", {}) and
   "bearerTokenFile" not in eps.get("/metrics", {}),
   "... a bearer token for /metrics/namespaces only")
eq(sm["spec"]["selector"]["matchLabels"], svc["metadata"]["labels"], "... selecting the Service")
role = by.get(("ClusterRole", "security-inspector-metrics-reader"), {})
eq(role.get("rules"), [{"nonResourceURLs": ["/metrics/namespaces"], "verbs": ["get"]}],
   "ClusterRole security-inspector-metrics-reader: get on /metrics/namespaces")
crb = by.get(("ClusterRoleBinding", "security-inspector-metrics-reader"), {})
eq(crb.get("subjects"), [{"kind": "ServiceAccount", "name": "prometheus-k8s", "namespace": "monitoring"}],
   "... bound to monitoring/prometheus-k8s")
ok(("PrometheusRule", "security-inspector") in by, "a PrometheusRule")
cm = by.get(("ConfigMap", "security-inspector-dashboard"), {})
eq(cm.get("metadata", {}).get("labels", {}).get("grafana_dashboard"), "1",
   "the dashboard's ConfigMap, labelled for Grafana's sidecar")
eq(json.loads(cm.get("data", {}).get("security-inspector.json", "null")), load(sys.argv[2]),
   "... holding the dashboard")
PY
elif [ -x "$KUBECTL" ]; then
	fail "kubectl kustomize examples/monitoring: the manifests with the component build" \
		"$(cat "$SCRATCH/kustomize.err")"
else
	pass "# SKIP kubectl is not installed: the component is not built"
fi

tap_finish
