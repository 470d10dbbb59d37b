# SPDX-License-Identifier: Apache-2.0
# The SARIF and JUnit reports, checked against the JSON report of the same
# input: SARIF valid against the SARIF 2.1.0 schema, one rule per item, one
# result per failure at its file and line; JUnit well-formed, one suite per
# workload and one case per result; hostile text escaped; --failed-only and
# input errors in both.

. "$(dirname "$0")/lib.sh"
tap_setup "$@"

workdir reports
cp "$DATA"/reports/*.yaml .

# Lines of workloads.yaml the reports must point at.
#   4 Deployment web/shop   21 its container app   33 its container cache
#  46 ClusterRoleBinding anonymous-view            58 Pod web/tidy

# Helpers shared by the snippets below; each snippet starts by loading them
# from the path in sys.argv[1].
cat >"$SCRATCH/lib.py" <<'PY'
import xml.etree.ElementTree as ET

def clean(s):
    """What XML 1.0 keeps of s: no C0 controls but tab, newline and CR, no
    DEL or C1 controls, no U+FFFE or U+FFFF."""
    return "".join(ch for ch in s
                   if not ((ord(ch) < 0x20 and ch not in "\t\n\r")
                           or 0x7f <= ord(ch) <= 0x9f or ch in "\ufffe\uffff"))

def json_results(d):
    """(kind, namespace, name, check, container) -> result of the JSON report."""
    out = {}
    for w in d.get("workloads", []):
        for r in w.get("results", []):
            out[(w["kind"], w["namespace"], w["name"], r["check"], r["container"])] = r
    return out

def sarif_run(d):
    runs = d.get("runs") or [{}]
    return runs[0]

def sarif_key(r):
    p = r.get("properties", {})
    return (p.get("kind"), p.get("namespace"), p.get("name"), r.get("ruleId"), p.get("container"))

def sarif_loc(r):
    phys = ((r.get("locations") or [{}])[0]).get("physicalLocation", {})
    return (phys.get("artifactLocation", {}).get("uri"), phys.get("region", {}).get("startLine"))

def sarif_find(run, name, rule, container=None):
    for r in run.get("results", []):
        p = r.get("properties", {})
        if (p.get("name"), r.get("ruleId"), p.get("container")) == (name, rule, container):
            return r
    return {}

def junit(path):
    try:
        return ET.parse(path).getroot()
    except Exception as e:
        ok(False, "report %s is well-formed XML" % path, repr(e))
        return ET.Element("none")

def suite_name(w):
    ns = w["namespace"]
    return "%s %s%s%s" % (w["kind"], ns, "/" if ns else "", w["name"])

def class_name(w):
    ns = w["namespace"]
    return "%s/%s%s%s" % (w["kind"], ns, "/" if ns else "", w["name"])

def case_name(r):
    return r["check"] + ("" if r["container"] is None else " " + r["container"])
PY

sarif_schema_setup

ok "the SARIF 2.1.0 schema is in tests/schemas" test -s "$SCHEMA"
py_tap "$SCHEMA" <<'PY'
s = load(sys.argv[1]) or {}
ok("SARIF" in s.get("title", "") and "2.1.0" in s.get("title", ""),
   "tests/schemas/sarif-schema-2.1.0.json is the SARIF 2.1.0 schema", s.get("title"))
eq(s.get("properties", {}).get("version", {}).get("enum"), ["2.1.0"],
   "the schema accepts version 2.1.0 only")
PY

# --- the reference: the JSON report of the same input ----------------------------

si audit --format json --config policy.yaml workloads.yaml
exits_with 1 "JSON report of workloads.yaml: exit 1"
cp "$SCRATCH/last.out" report.json
si checks --format json
cp "$SCRATCH/last.out" checks.json
si version
VERSION=${OUT##* }

# --- SARIF ----------------------------------------------------------------------------

si audit --format sarif --config policy.yaml workloads.yaml
exits_with 1 "SARIF: exit 1 as for the other formats (danger failures)"
cp "$SCRATCH/last.out" report.sarif
valid_sarif report.sarif "SARIF of a multi-document file is valid against the SARIF 2.1.0 schema"

py_tap "$SCRATCH/lib.py" report.sarif report.json checks.json "$VERSION" <<'PY'
exec(open(sys.argv[1]).read())
d = load(sys.argv[2]) or {}
rep = load(sys.argv[3]) or {}
items = load(sys.argv[4]) or []
version = sys.argv[5]

eq(d.get("$schema"), "https://json.schemastore.org/sarif-2.1.0.json", "SARIF: $schema")
eq(d.get("version"), "2.1.0", "SARIF: version 2.1.0")
eq(len(d.get("runs", [])), 1, "SARIF: one run")
run = sarif_run(d)
drv = run.get("tool", {}).get("driver", {})
eq((drv.get("name"), drv.get("informationUri")),
   ("security-inspector", "https://github.com/security-inspector/security-inspector"),
   "SARIF: tool.driver name and informationUri")
eq(drv.get("version"), version, "SARIF: tool.driver.version is the program's version")

# --- rules: the item table, in table order
rules = drv.get("rules", [])
eq(len(rules), len(items), "SARIF: one rule per item")
eq([r.get("id") for r in rules], [i["id"] for i in items], "SARIF: rule ids are the item IDs in table order")
bad = []
for r, i in zip(rules, items):
    want = {"id": i["id"], "name": i["id"], "short": i["title"], "full": i["risk"],
            "help": "Fix: " + i["fix"],
            "level": "error" if i["severity"] == "danger" else "warning",
            "category": i["category"], "tags": [i["category"]]}
    got = {"id": r.get("id"), "name": r.get("name"),
           "short": r.get("shortDescription", {}).get("text"),
           "full": r.get("fullDescription", {}).get("text"),
           "help": r.get("help", {}).get("text"),
           "level": r.get("defaultConfiguration", {}).get("level"),
           "category": r.get("properties", {}).get("category"),
           "tags": r.get("properties", {}).get("tags")}
    if got != want:
        bad.append((i["id"], got, want))
eq(bad, [], "SARIF: each rule has name, title, risk, fix, default level and category of its item")
nomd = [r.get("id") for r in rules if "Fix:" not in r.get("help", {}).get("markdown", "")]
eq(nomd, [], "SARIF: each rule has Markdown help naming the fix")

# --- results: one per failure, suppressed ones for whitelisted findings
res = run.get("results", [])
js = json_results(rep)
s = rep.get("summary", {})
open_res = [r for r in res if not r.get("suppressions")]
supp = [r for r in res if r.get("suppressions")]
eq(len(open_res), s.get("failed"), "SARIF: results without suppression = failed count of the JSON report (%s)" % s.get("failed"))
eq(len(supp), s.get("whitelisted"), "SARIF: suppressed results = whitelisted count of the JSON report")
eq(sorted(map(sarif_key, open_res), key=repr),
   sorted((k for k, r in js.items() if r["status"] == "failed"), key=repr),
   "SARIF: the unsuppressed results are exactly the failed results of the JSON report")
eq(sorted(map(sarif_key, supp), key=repr),
   sorted((k for k, r in js.items() if r["status"] == "whitelisted"), key=repr),
   "SARIF: the suppressed results are exactly the whitelisted ones")
badrule = [r.get("ruleId") for r in res
           if not isinstance(r.get("ruleIndex"), int) or r["ruleIndex"] >= len(rules)
           or rules[r["ruleIndex"]].get("id") != r.get("ruleId")]
eq(badrule, [], "SARIF: every ruleIndex points at the rule of its ruleId")
LEVEL = {"danger": "error", "warning": "warning"}
badlevel = [(sarif_key(r), r.get("level")) for r in res
            if r.get("level") != LEVEL.get(js.get(sarif_key(r), {}).get("severity"))]
eq(badlevel, [], "SARIF: each level follows the result's severity (danger: error, warning: warning)")
eq(sorted({r.get("level") for r in res}), ["error", "warning"], "SARIF: both levels occur in this input")
badmsg = [sarif_key(r) for r in res
          if r.get("message", {}).get("text") != js.get(sarif_key(r), {}).get("message")]
eq(badmsg, [], "SARIF: each message is the result's message")

# --- locations: file and line
eq({sarif_loc(r)[0] for r in res}, {"workloads.yaml"}, "SARIF: every uri is the input path as given")
r = sarif_find(run, "shop", "hostNetworkSet")
eq(sarif_loc(r), ("workloads.yaml", 4), "SARIF: pod-level failure at the Deployment's line (4, second document)")
r = sarif_find(run, "shop", "livenessProbeMissing", "app")
eq(sarif_loc(r), ("workloads.yaml", 21), "SARIF: container failure at the line of container app (21)")
eq(r.get("level"), "warning", "SARIF: livenessProbeMissing is a warning")
r = sarif_find(run, "shop", "tagNotSpecified", "cache")
eq(sarif_loc(r), ("workloads.yaml", 33), "SARIF: whitelisted finding at the line of container cache (33)")
eq(r.get("suppressions"), [{"kind": "external",
                            "justification": 'the cache image is mirrored & pinned by the "registry" proxy'}],
   "SARIF: the whitelisted finding is suppressed externally with the policy's reason")
r = sarif_find(run, "anonymous-view", "anonymousUserRBACBinding")
eq(sarif_loc(r), ("workloads.yaml", 46), "SARIF: RBAC failure at the binding's line (46, third document)")
eq(r.get("level"), "error", "SARIF: anonymousUserRBACBinding is an error")
lls = {sarif_key(r): ((r.get("locations") or [{}])[0].get("logicalLocations") or [{}])[0] for r in res}
eq(lls.get(("Deployment", "web", "shop", "livenessProbeMissing", "app")),
   {"fullyQualifiedName": "Deployment/web/shop/app", "kind": "object"},
   "SARIF: logical location Kind/namespace/name/container for a container result")
eq(lls.get(("Deployment", "web", "shop", "hostNetworkSet", None)),
   {"fullyQualifiedName": "Deployment/web/shop", "kind": "object"},
   "SARIF: logical location Kind/namespace/name for a pod-level result")
eq(lls.get(("ClusterRoleBinding", "", "anonymous-view", "anonymousUserRBACBinding", None)),
   {"fullyQualifiedName": "ClusterRoleBinding/anonymous-view", "kind": "object"},
   "SARIF: logical location Kind/name for a cluster-scoped object")
eq(run.get("invocations"), [{"executionSuccessful": True}],
   "SARIF: one invocation, successful, without notifications when every input was read")
PY

si audit --format sarif --failed-only --config policy.yaml workloads.yaml
exits_with 1 "SARIF --failed-only: exit 1"
cp "$SCRATCH/last.out" failed.sarif
valid_sarif failed.sarif "SARIF --failed-only is valid against the schema"
py_tap "$SCRATCH/lib.py" failed.sarif report.json <<'PY'
exec(open(sys.argv[1]).read())
res = sarif_run(load(sys.argv[2]) or {}).get("results", [])
js = json_results(load(sys.argv[3]) or {})
eq([sarif_key(r) for r in res if r.get("suppressions")], [], "SARIF --failed-only: no suppressed results")
eq(sorted(map(sarif_key, res), key=repr),
   sorted((k for k, r in js.items() if r["status"] == "failed"), key=repr),
   "SARIF --failed-only: exactly the failed results")
PY

# stdin, an absolute path, and a path with characters a URI must encode.
si --stdin workloads.yaml audit --format sarif --config policy.yaml -
cp "$SCRATCH/last.out" stdin.sarif
mkdir -p "odd dir"
cp workloads.yaml "odd dir/a&b <c>#1.yaml"
si audit --format sarif --config policy.yaml "odd dir/a&b <c>#1.yaml" "$PWD/workloads.yaml"
cp "$SCRATCH/last.out" paths.sarif
valid_sarif paths.sarif "SARIF with encoded and absolute paths is valid against the schema"
py_tap "$SCRATCH/lib.py" stdin.sarif paths.sarif "$PWD" <<'PY'
exec(open(sys.argv[1]).read())
from urllib.parse import quote
run = sarif_run(load(sys.argv[2]) or {})
r = sarif_find(run, "shop", "livenessProbeMissing", "app")
eq(sarif_loc(r), ("stdin", 21), "SARIF from stdin: uri \"stdin\", lines as in the file")
res = sarif_run(load(sys.argv[3]) or {}).get("results", [])
uris = sorted({sarif_loc(r)[0] for r in res})
absolute = "file://" + quote(sys.argv[4] + "/workloads.yaml", safe="/-._~!$&'()*+,;=:@")
eq(uris, sorted(["odd%20dir/a&b%20%3Cc%3E%231.yaml", absolute]),
   "SARIF: spaces, <, > and # in a path are percent-encoded; an absolute path is a file: URI")
PY

# --- JUnit ----------------------------------------------------------------------------

si audit --format junit --config policy.yaml workloads.yaml
exits_with 1 "JUnit: exit 1 as for the other formats (danger failures)"
cp "$SCRATCH/last.out" report.xml
like "$(head -n 1 report.xml)" '^<\?xml version="1\.0" encoding="UTF-8"\?>$' "JUnit: XML declaration with UTF-8"
py_tap "$SCRATCH/lib.py" report.xml report.json checks.json <<'PY'
exec(open(sys.argv[1]).read())
root = junit(sys.argv[2])
rep = load(sys.argv[3]) or {}
fixes = {i["id"]: i["fix"] for i in (load(sys.argv[4]) or [])}
s = rep.get("summary", {})
ws = rep.get("workloads", [])

eq(root.tag, "testsuites", "JUnit: root element testsuites")
eq(root.get("name"), "security-inspector", "JUnit: testsuites name")
eq((root.get("tests"), root.get("failures"), root.get("skipped"), root.get("errors")),
   (str(s.get("items")), str(s.get("failed")), str(s.get("whitelisted")), "0"),
   "JUnit: testsuites tests/failures/skipped = items/failed/whitelisted of the JSON report, no errors")
suites = root.findall("testsuite")
eq([x.get("name") for x in suites], [suite_name(w) for w in ws],
   "JUnit: one suite per workload, named \"Kind namespace/name\", in report order")
for w, su in zip(ws, suites):
    tag = suite_name(w)
    cases = su.findall("testcase")
    eq((su.get("tests"), su.get("failures"), su.get("skipped"), len(cases)),
       (str(len(w["results"])), str(w["failed"]), str(w["whitelisted"]), len(w["results"])),
       "JUnit %s: tests = items, failures = failed, skipped = whitelisted" % tag)
    eq(su.get("file"), "workloads.yaml", "JUnit %s: file attribute" % tag)
    eq([c.get("name") for c in cases], [case_name(r) for r in w["results"]],
       "JUnit %s: one case per result, named \"itemID[ container]\"" % tag)
    eq({c.get("classname") for c in cases}, {class_name(w)}, "JUnit %s: classname Kind/namespace/name" % tag)
    bad = []
    for c, r in zip(cases, w["results"]):
        kids = [k.tag for k in c]
        if r["status"] == "passed" and kids:
            bad.append((case_name(r), kids))
        elif r["status"] == "failed":
            f = c.find("failure")
            if (kids != ["failure"] or f.get("type") != r["severity"] or f.get("message") != r["message"]
                    or "Fix: " + fixes.get(r["check"], "?") not in (f.text or "")):
                bad.append((case_name(r), kids, f is not None and f.attrib, f is not None and f.text))
        elif r["status"] == "whitelisted":
            k = c.find("skipped")
            if kids != ["skipped"] or k.get("message") != "whitelisted: " + r.get("reason", ""):
                bad.append((case_name(r), kids, k is not None and k.attrib))
    eq(bad, [], "JUnit %s: passed cases empty, failures typed by severity with message and fix, whitelisted skipped with reason" % tag)

def case(suite, name):
    for su in suites:
        if su.get("name") == suite:
            for c in su.findall("testcase"):
                if c.get("name") == name:
                    return c
    return ET.Element("none")
eq((case("Deployment web/shop", "livenessProbeMissing app").get("line"),
    case("Deployment web/shop", "tagNotSpecified cache").get("line"),
    case("Deployment web/shop", "hostNetworkSet").get("line"),
    case("ClusterRoleBinding anonymous-view", "anonymousUserRBACBinding").get("line")),
   ("21", "33", "4", "46"), "JUnit: case lines are the container's, else the workload's")
eq(case("Deployment web/shop", "tagNotSpecified cache").find("skipped").get("message"),
   'whitelisted: the cache image is mirrored & pinned by the "registry" proxy',
   "JUnit: the whitelist reason with & and quotes survives escaping")
PY

si audit --format junit --failed-only --config policy.yaml workloads.yaml
exits_with 1 "JUnit --failed-only: exit 1"
cp "$SCRATCH/last.out" failed.xml
py_tap "$SCRATCH/lib.py" failed.xml report.json <<'PY'
exec(open(sys.argv[1]).read())
root = junit(sys.argv[2])
rep = load(sys.argv[3]) or {}
failing = [w for w in rep.get("workloads", []) if w["failed"]]
suites = root.findall("testsuite")
eq([x.get("name") for x in suites], [suite_name(w) for w in failing],
   "JUnit --failed-only: only the failing workloads (Pod web/tidy left out)")
for w, su in zip(failing, suites):
    want = [case_name(r) for r in w["results"] if r["status"] == "failed"]
    eq(([c.get("name") for c in su.findall("testcase")], su.get("tests"), su.get("failures"), su.get("skipped")),
       (want, str(len(want)), str(len(want)), "0"),
       "JUnit --failed-only %s: only its failed cases, counted" % suite_name(w))
eq(len(root.findall(".//skipped")), 0, "JUnit --failed-only: no skipped cases")
eq((root.get("tests"), root.get("failures"), root.get("skipped")),
   (str(rep["summary"]["failed"]),) * 2 + ("0",), "JUnit --failed-only: totals count the failed cases")
PY

# --- input errors ----------------------------------------------------------------------

si audit --format json workloads.yaml errors.yaml syntax.yaml
exits_with 2 "input errors: exit 2"
cp "$SCRATCH/last.out" errors.json
si audit --format sarif workloads.yaml errors.yaml syntax.yaml
exits_with 2 "SARIF with input errors: exit 2"
cp "$SCRATCH/last.out" errors.sarif
valid_sarif errors.sarif "SARIF with input errors is valid against the schema"
si audit --format junit workloads.yaml errors.yaml syntax.yaml
exits_with 2 "JUnit with input errors: exit 2"
cp "$SCRATCH/last.out" errors.xml
si audit --format junit --failed-only workloads.yaml errors.yaml syntax.yaml
cp "$SCRATCH/last.out" errors-failed.xml
py_tap "$SCRATCH/lib.py" errors.sarif errors.xml errors-failed.xml errors.json <<'PY'
exec(open(sys.argv[1]).read())
rep = load(sys.argv[5]) or {}
errs = rep.get("errors", [])
eq(len(errs), 2, "input errors: the JSON report lists the type error and the syntax error")
want = [(e["message"], e["source"]) for e in errs]

run = sarif_run(load(sys.argv[2]) or {})
inv = (run.get("invocations") or [{}])[0]
eq(inv.get("executionSuccessful"), True, "SARIF: the run completed despite input errors")
notes = inv.get("toolExecutionNotifications", [])
got = []
for n in notes:
    uri, line = sarif_loc(n)
    got.append((n.get("message", {}).get("text"), "%s:%s" % (uri, line)))
eq(got, want, "SARIF: one error notification per input error, with its message, file and line")
eq({n.get("level") for n in notes}, {"error"}, "SARIF: notifications have level error")
eq(len([r for r in run.get("results", []) if not r.get("suppressions")]), rep["summary"]["failed"],
   "SARIF: the objects that could be read are still reported")

for path, tag in ((sys.argv[3], "JUnit"), (sys.argv[4], "JUnit --failed-only")):
    root = junit(path)
    suites = [x for x in root.findall("testsuite") if x.get("name") == "input errors"]
    eq(len(suites), 1, "%s: one \"input errors\" suite" % tag)
    su = suites[0] if suites else ET.Element("none")
    cases = su.findall("testcase")
    eq([(c.find("error").get("message") if c.find("error") is not None else None,
         "%s:%s" % (c.get("file"), c.get("line"))) for c in cases], want,
       "%s: one case in error per input error, with message, file and line" % tag)
    eq((su.get("tests"), su.get("errors"), root.get("errors")), ("2", "2", "2"),
       "%s: the errors are counted in the suite and in the total" % tag)
PY

# --- hostile text -------------------------------------------------------------------------

si audit --format json hostile.yaml
exits_with 1 "hostile manifest, JSON: exit 1"
cp "$SCRATCH/last.out" hostile.json
si audit --format sarif hostile.yaml
exits_with 1 "hostile manifest, SARIF: exit 1"
cp "$SCRATCH/last.out" hostile.sarif
valid_sarif hostile.sarif "hostile manifest: SARIF is valid against the schema"
si audit --format junit hostile.yaml
exits_with 1 "hostile manifest, JUnit: exit 1"
cp "$SCRATCH/last.out" hostile.xml

# The same manifest in a file whose name needs escaping too.
cp hostile.yaml "h&<'\">.yaml"
si audit --format junit "h&<'\">.yaml"
cp "$SCRATCH/last.out" hostile-name.xml

py_tap "$SCRATCH/lib.py" hostile.json hostile.sarif hostile.xml hostile-name.xml <<'PY'
exec(open(sys.argv[1]).read())
rep = load(sys.argv[2]) or {}
w = (rep.get("workloads") or [{}])[0]
name, ns = w.get("name", ""), w.get("namespace", "")
containers = sorted({r["container"] for r in w.get("results", []) if r["container"] is not None})
ok("<script>alert(1)</script>" in name and "&amp;" in name and '"' in name and "'" in name
   and "\x01" in name and "\x1b" in name and "\x7f" in name and "\x9b" in name and "\t" in name,
   "hostile: the JSON report keeps markup, entities, quotes and control characters of the name", repr(name))
eq(ns, "ns<&>\"'", "hostile: the JSON report keeps the namespace as written")
ok(len(containers) == 2, "hostile: the JSON report names both containers", containers)

log = load(sys.argv[3]) or {}
run = sarif_run(log)
props = [r.get("properties", {}) for r in run.get("results", [])]
eq({(p.get("name"), p.get("namespace")) for p in props}, {(name, ns)},
   "hostile: SARIF carries the exact name and namespace (JSON escapes, nothing dropped)")
eq(sorted({p.get("container") for p in props if p.get("container") is not None}), containers,
   "hostile: SARIF carries the exact container names")

raw = open(sys.argv[4], "rb").read()
root = junit(sys.argv[4])
ctl = sorted({b for b in raw if b < 0x20 and b not in (0x09, 0x0a)})
eq(ctl, [], "hostile: the JUnit file holds no control bytes but tab and newline")
ok(b"<script>" not in raw and b"&lt;script&gt;alert(1)&lt;/script&gt;" in raw,
   "hostile: markup from the manifest is escaped in the JUnit file")
suites = root.findall("testsuite")
eq([x.get("name") for x in suites], ["Deployment %s/%s" % (clean(ns), clean(name))],
   "hostile: the suite name is the escaped text, control characters dropped, nothing else lost")
cases = [c for su in suites for c in su.findall("testcase")]
eq({c.get("classname") for c in cases}, {"Deployment/%s/%s" % (clean(ns), clean(name))},
   "hostile: the classname likewise")
got = sorted({c.get("name").split(" ", 1)[1] for c in cases if " " in c.get("name")})
eq(got, sorted(clean(c) for c in containers),
   "hostile: container names in case names keep <, &, quotes, newline, CR and non-ASCII")
msgs = [c.find("failure").get("message") for c in cases if c.find("failure") is not None]
ok(msgs and all(any(clean(c) in m for c in containers) for m in msgs if m.startswith("container")),
   "hostile: failure messages keep the escaped container names")
ok(any("日本" in (c.get("name") or "") for c in cases), "hostile: non-ASCII UTF-8 is kept")

root2 = junit(sys.argv[5])
eq({x.get("file") for x in root2.iter() if x.get("file") is not None}, {"h&<'\">.yaml"},
   "hostile: a file name with &, <, > and quotes is escaped in file attributes")
PY

# Bytes that are not UTF-8 in a JSON manifest (which the JSON parser passes
# through): SARIF stays UTF-8 with U+FFFD, JUnit drops them.
printf '%s\n' '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bad@@name", "namespace": "web"},' \
	'"spec": {"containers": [{"name": "c@@", "image": "busybox:1"}]}}' |
	sed "s/@@/$(printf '\377\300\257')/g" >not-utf8.json
si audit --format sarif not-utf8.json
exits_with 1 "bytes that are not UTF-8, SARIF: exit 1"
cp "$SCRATCH/last.out" not-utf8.sarif
valid_sarif not-utf8.sarif "bytes that are not UTF-8: SARIF is valid against the schema"
si audit --format junit not-utf8.json
cp "$SCRATCH/last.out" not-utf8.xml
py_tap "$SCRATCH/lib.py" not-utf8.sarif not-utf8.xml <<'PY'
exec(open(sys.argv[1]).read())
run = sarif_run(load(sys.argv[2]) or {})
eq({(r.get("properties", {}).get("name"), r.get("properties", {}).get("container")) for r in run.get("results", [])
    if r.get("properties", {}).get("container")},
   {("bad\ufffd\ufffd\ufffdname", "c\ufffd\ufffd\ufffd")},
   "bytes that are not UTF-8: SARIF writes U+FFFD for each")
root = junit(sys.argv[3])
eq([x.get("name") for x in root.findall("testsuite")], ["Pod web/badname"],
   "bytes that are not UTF-8: JUnit drops them and stays well-formed")
PY

# Names far beyond Kubernetes' limits are written whole, not cut.
LONG=$(printf 'n%.0s' $(seq 1 700))
printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: "%s"\n  namespace: "%s"\nspec:\n  containers:\n    - name: "<%s>"\n      image: busybox:1\n' \
	"$LONG" "$LONG" "$LONG" >long.yaml
si audit --format sarif long.yaml
cp "$SCRATCH/last.out" long.sarif
si audit --format junit long.yaml
cp "$SCRATCH/last.out" long.xml
py_tap "$SCRATCH/lib.py" long.sarif long.xml <<'PY'
exec(open(sys.argv[1]).read())
n = "n" * 700
run = sarif_run(load(sys.argv[2]) or {})
fqns = {((r.get("locations") or [{}])[0].get("logicalLocations") or [{}])[0].get("fullyQualifiedName")
        for r in run.get("results", []) if r.get("properties", {}).get("container")}
eq(fqns, {"Pod/%s/%s/<%s>" % (n, n, n)}, "long names: SARIF fullyQualifiedName is not cut")
root = junit(sys.argv[3])
su = root.find("testsuite")
su = su if su is not None else ET.Element("none")
eq(su.get("name"), "Pod %s/%s" % (n, n), "long names: JUnit suite name is not cut")
eq({c.get("name") for c in su.findall("testcase") if c.get("name").startswith("runAsRootAllowed")},
   {"runAsRootAllowed <%s>" % n}, "long names: JUnit case name is not cut")
PY

# --- no input ----------------------------------------------------------------------------

si --stdin /dev/null audit --format sarif -
exits_with 0 "no input, SARIF: exit 0"
cp "$SCRATCH/last.out" empty.sarif
valid_sarif empty.sarif "no input: SARIF is valid against the schema"
si --stdin /dev/null audit --format junit -
exits_with 0 "no input, JUnit: exit 0"
cp "$SCRATCH/last.out" empty.xml
py_tap "$SCRATCH/lib.py" empty.sarif empty.xml <<'PY'
exec(open(sys.argv[1]).read())
run = sarif_run(load(sys.argv[2]) or {})
eq((len(run.get("tool", {}).get("driver", {}).get("rules", [])), run.get("results")), (len(item_ids()), []),
   "no input: SARIF still lists one rule per item, and no results")
root = junit(sys.argv[3])
eq((root.get("tests"), root.get("failures"), len(root)), ("0", "0", 0), "no input: JUnit has no suites")
PY

tap_finish
