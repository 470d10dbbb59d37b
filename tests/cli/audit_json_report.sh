# SPDX-License-Identifier: Apache-2.0
# The JSON audit report, field by field, for a small input whose every
# expected value is worked out by hand from the contract: summary counts,
# score, health, per-category counts, workloads, results, whitelisting with
# owner coverage and per-namespace severity overrides.

. "$(dirname "$0")/lib.sh"
tap_setup "$@"

workdir report
cp "$DATA"/report/*.yaml .
cp "$DATA"/exit/danger-pod.yaml "$DATA"/exit/warning-only.yaml .

# The item table of the contract, shared by the snippets below.
PY_ITEMS='
ITEMS = {  # id: (category, default severity, scope)
    "hostNetworkSet": ("host-isolation", "danger", "pod"),
    "hostIPCSet": ("host-isolation", "danger", "pod"),
    "hostPIDSet": ("host-isolation", "danger", "pod"),
    "hostPortSet": ("host-isolation", "warning", "security"),
    "runAsRootAllowed": ("privilege-control", "danger", "security"),
    "runAsPrivileged": ("privilege-control", "danger", "security"),
    "privilegeEscalationAllowed": ("privilege-control", "danger", "security"),
    "capabilitiesAdded": ("privilege-control", "danger", "security"),
    "notReadOnlyRootFileSystem": ("privilege-control", "warning", "security"),
    "cpuRequestsMissing": ("resource-governance", "warning", "resource"),
    "cpuLimitsMissing": ("resource-governance", "warning", "resource"),
    "memoryRequestsMissing": ("resource-governance", "warning", "resource"),
    "memoryLimitsMissing": ("resource-governance", "warning", "resource"),
    "readinessProbeMissing": ("image-and-reliability", "warning", "probe"),
    "livenessProbeMissing": ("image-and-reliability", "warning", "probe"),
    "tagNotSpecified": ("image-and-reliability", "danger", "security"),
    "anonymousUserRBACBinding": ("image-and-reliability", "danger", "rbac"),
}
CATEGORIES = ["host-isolation", "privilege-control", "resource-governance", "image-and-reliability"]

def expected_results(containers, probes=True, rbac=False, overrides=None, special=None):
    """(check, container) -> (severity, status) for one workload.
    containers: [(name, role)] with role "container", "init" or "sidecar"."""
    overrides = overrides or {}
    special = special or {}
    out = {}
    for cid, (cat, sev, scope) in ITEMS.items():
        targets = []
        if rbac:
            if scope == "rbac":
                targets = [None]
        elif scope == "pod":
            targets = [None]
        elif scope == "security":
            targets = [c for c, role in containers]
        elif scope == "resource":
            targets = [c for c, role in containers if role != "init"]
        elif scope == "probe" and probes:
            targets = [c for c, role in containers if role != "init"]
        for t in targets:
            out[(cid, t)] = (overrides.get(cid, sev), special.get((cid, t), "passed"))
    return out

def score(s, w, d):
    return 100 if s + w + d == 0 else int(100.0 * 2 * s / (2 * s + w + 2 * d) + 0.5)
'

si audit --format json --config policy.yaml workloads.yaml
exits_with 1 "report input: exit 1 (danger failures)"
cp "$SCRATCH/last.out" report.json

py_tap report.json <<PY
$PY_ITEMS
REASON = "the proxy image is pinned by digest at release time"
prod = {"cpuLimitsMissing": "danger"}   # the policy's rule for prod-*
WORKLOADS = [
    # kind, namespace, name, source, expected results
    ("Deployment", "prod-eu", "web", "workloads.yaml:1",
     expected_results([("app", "container"), ("proxy", "container"), ("migrate", "init")],
                      overrides=prod,
                      special={("cpuLimitsMissing", "app"): "failed",
                               ("privilegeEscalationAllowed", "proxy"): "failed",
                               ("notReadOnlyRootFileSystem", "migrate"): "failed",
                               ("tagNotSpecified", "proxy"): "whitelisted"})),
    ("ClusterRoleBinding", "", "anonymous-view", "workloads.yaml:47",
     expected_results([], rbac=True, special={("anonymousUserRBACBinding", None): "failed"})),
    # owned by ReplicaSet web-5d4f8c7b9 of Deployment web: the whitelist covers it
    ("Pod", "prod-eu", "web-5d4f8c7b9-x7k2p", "workloads.yaml:63",
     expected_results([("app", "container"), ("proxy", "container")], overrides=prod,
                      special={("tagNotSpecified", "proxy"): "whitelisted"})),
    # owned by ReplicaSet web-api-6b7c8d9f0 of Deployment web-api: not covered
    ("Pod", "prod-eu", "web-api-6b7c8d9f0-q2w3e", "workloads.yaml:107",
     expected_results([("proxy", "container")], overrides=prod,
                      special={("tagNotSpecified", "proxy"): "failed"})),
    # no namespace: default, where cpuLimitsMissing keeps its warning severity
    ("CronJob", "default", "nightly-report", "workloads.yaml:138",
     expected_results([("report", "container")], probes=False,
                      special={("cpuLimitsMissing", "report"): "failed"})),
]

d = load(sys.argv[1]) or {}
eq(d.get("apiVersion"), "security-inspector.io/v1", "apiVersion is security-inspector.io/v1")
eq(d.get("kind"), "AuditReport", "kind is AuditReport")

# --- summary, with every value worked out by hand -------------------------------
s = d.get("summary", {})
eq(s.get("workloads"), 5, "summary.workloads = 5")
eq(s.get("passedWorkloads"), 1, "summary.passedWorkloads = 1 (a Pod whose only failure is whitelisted)")
eq(s.get("failedWorkloads"), 4, "summary.failedWorkloads = 4")
eq(s.get("items"), 96, "summary.items = 96 results (36 + 1 + 29 + 16 + 14)")
eq(s.get("passed"), 88, "summary.passed = 88")
eq(s.get("failed"), 6, "summary.failed = 6 (whitelisted results not counted)")
eq(s.get("whitelisted"), 2, "summary.whitelisted = 2 (Deployment web and its Pod)")
# S = 88, W = 2 (readOnly migrate, CronJob cpu limit), D = 4: 100*176/186 = 94.6
eq(s.get("score"), 95, "summary.score = 95 = round(100*2S/(2S+W+2D)) with S=88, W=2, D=4")
eq(s.get("health"), "danger", "summary.health = danger")
eq(s.get("byKind"), {"Deployment": 1, "ClusterRoleBinding": 1, "Pod": 2, "CronJob": 1},
   "summary.byKind counts workloads per kind")
want_cat = {"host-isolation": (19, 0, 0), "privilege-control": (33, 2, 0),
            "resource-governance": (22, 2, 0), "image-and-reliability": (14, 2, 2)}
bc = s.get("byCategory", {})
eq(sorted(bc), sorted(CATEGORIES), "summary.byCategory has the four categories")
for cat, (p, f, wl) in want_cat.items():
    got = bc.get(cat, {})
    eq((got.get("passed"), got.get("failed")), (p, f),
       "summary.byCategory.%s passed %d, failed %d" % (cat, p, f))
    if "whitelisted" in got:
        eq(got.get("whitelisted"), wl, "summary.byCategory.%s whitelisted %d" % (cat, wl))

# --- workloads ------------------------------------------------------------------
ws = d.get("workloads", [])
eq(sorted((w.get("kind"), w.get("name")) for w in ws),
   sorted((k, n) for k, _, n, _, _ in WORKLOADS), "workloads: the five objects are listed")
all_results = []
for kind, ns, name, source, want in WORKLOADS:
    w = next((x for x in ws if x.get("kind") == kind and x.get("name") == name), {})
    tag = "%s %s" % (kind, name)
    eq(w.get("namespace"), ns, "%s: namespace %r" % (tag, ns))
    eq(w.get("source"), source, "%s: source %s" % (tag, source))
    res = w.get("results", [])
    all_results += res
    n = lambda st: sum(1 for r in res if r.get("status") == st)
    npass = sum(1 for v in want.values() if v[1] == "passed")
    nfail = sum(1 for v in want.values() if v[1] == "failed")
    nwl = sum(1 for v in want.values() if v[1] == "whitelisted")
    eq((w.get("passed"), w.get("failed")), (npass, nfail), "%s: passed %d, failed %d" % (tag, npass, nfail))
    if "whitelisted" in w:
        eq(w.get("whitelisted"), nwl, "%s: whitelisted %d" % (tag, nwl))
    eq((n("passed"), n("failed"), n("whitelisted")), (npass, nfail, nwl),
       "%s: result statuses add up to the counters" % tag)
    got = {}
    dups = []
    for r in res:
        key = (r.get("check"), r.get("container"))
        if key in got:
            dups.append(key)
        got[key] = (r.get("severity"), r.get("status"))
    eq(dups, [], "%s: one result per item and container" % tag)
    eq(sorted(got, key=repr), sorted(want, key=repr),
       "%s: exactly the expected (item, container) results" % tag)
    diffs = [(k, got[k], want[k]) for k in want if k in got and got[k] != want[k]]
    eq(diffs, [], "%s: every result has the expected severity and status" % tag)

# --- every result, field by field -------------------------------------------------
FIELDS = ["check", "category", "severity", "container", "status", "message", "fix"]
missing = [(r.get("check"), f) for r in all_results for f in FIELDS if f not in r]
eq(missing, [], "every result has check, category, severity, container, status, message, fix")
badcat = [(r.get("check"), r.get("category")) for r in all_results
          if ITEMS.get(r.get("check"), ("?",))[0] != r.get("category")]
eq(badcat, [], "every result's category matches the item table")
badsev = [r for r in all_results if r.get("severity") not in ("danger", "warning")]
eq(badsev, [], "every severity is danger or warning")
badst = [r for r in all_results if r.get("status") not in ("passed", "failed", "whitelisted")]
eq(badst, [], "every status is passed, failed or whitelisted")
podlevel = [r for r in all_results if ITEMS.get(r.get("check"), ("", "", ""))[2] in ("pod", "rbac")]
eq(sorted({repr(r.get("container")) for r in podlevel}), ["None"],
   "container is null for pod-level and RBAC results")
ctr = [r for r in all_results if ITEMS.get(r.get("check"), ("", "", ""))[2] not in ("pod", "rbac")]
ok(ctr and all(isinstance(r.get("container"), str) and r.get("container") for r in ctr),
   "container is a name for container results")
noname = [(r.get("check"), r.get("container"), r.get("message")) for r in ctr
          if r.get("container") not in str(r.get("message"))]
eq(noname, [], "every container result's message names its container")
empty = [(r.get("check"), f) for r in all_results for f in ("message", "fix")
         if not isinstance(r.get(f), str) or not r.get(f).strip()]
eq(empty, [], "every message and fix is a non-empty string")
# A failure message says what to change: it names the setting of the fix.
FIX_WORD = {"cpuLimitsMissing": "resources.limits.cpu", "privilegeEscalationAllowed": "allowPrivilegeEscalation",
            "notReadOnlyRootFileSystem": "readOnlyRootFilesystem", "tagNotSpecified": "latest",
            "anonymousUserRBACBinding": "system:anonymous"}
vague = [(r.get("check"), r.get("message")) for r in all_results if r.get("status") != "passed"
         and FIX_WORD.get(r.get("check"), "") not in str(r.get("message"))]
eq(vague, [], "every failure message names the setting to change")
anon = [r for r in all_results if r.get("check") == "anonymousUserRBACBinding"]
ok(anon and "system:anonymous" in anon[0].get("message", ""),
   "the RBAC failure message names the subject system:anonymous", anon)
wl = [r for r in all_results if r.get("status") == "whitelisted"]
eq([r.get("reason") for r in wl], [REASON, REASON], "whitelisted results carry the policy's reason")
ok(all(r.get("reason") in (None, "") for r in all_results if r.get("status") != "whitelisted"),
   "results that are not whitelisted carry no reason")

# --- the summary agrees with the results ----------------------------------------------
S = sum(1 for r in all_results if r.get("status") == "passed")
W = sum(1 for r in all_results if r.get("status") == "failed" and r.get("severity") == "warning")
D = sum(1 for r in all_results if r.get("status") == "failed" and r.get("severity") == "danger")
eq((S, W, D), (88, 2, 4), "results hold S=88 passed, W=2 warning and D=4 danger failures")
eq(s.get("score"), score(S, W, D), "summary.score follows the formula on the listed results")
eq(s.get("items"), len(all_results), "summary.items equals the number of listed results")
PY

# --- the same input without the policy ------------------------------------------------

si audit --format json workloads.yaml
exits_with 1 "report input, default policy: exit 1"
py_tap "$SCRATCH/last.out" <<'PY'
d = load(sys.argv[1]) or {}
rs = {(w.get("name"), r.get("check"), r.get("container")): r
      for w in d.get("workloads", []) for r in w.get("results", [])}
r = rs.get(("web", "cpuLimitsMissing", "app"), {})
eq((r.get("severity"), r.get("status")), ("warning", "failed"),
   "default policy: cpuLimitsMissing keeps its default severity warning in prod-eu")
r = rs.get(("web", "tagNotSpecified", "proxy"), {})
eq(r.get("status"), "failed", "default policy: nothing whitelists the proxy image of Deployment web")
r = rs.get(("web-5d4f8c7b9-x7k2p", "tagNotSpecified", "proxy"), {})
eq(r.get("status"), "failed", "default policy: nor the one of its Pod")
eq(d.get("summary", {}).get("whitelisted"), 0, "default policy: summary.whitelisted = 0")
PY

si audit --format json public-info-viewer.yaml
exits_with 0 "system:public-info-viewer binding, default policy: exit 0"
py_tap "$SCRATCH/last.out" <<'PY'
d = load(sys.argv[1]) or {}
rs = [r for w in d.get("workloads", []) for r in w.get("results", [])]
eq([(r.get("check"), r.get("status"), r.get("container")) for r in rs],
   [("anonymousUserRBACBinding", "whitelisted", None)],
   "system:public-info-viewer: whitelisted by the default policy, visibly")
ok(rs and rs[0].get("reason"), "system:public-info-viewer: the whitelisted result carries a reason", rs)
w = (d.get("workloads") or [{}])[0]
eq((w.get("namespace"), w.get("source")), ("", "public-info-viewer.yaml:3"),
   "system:public-info-viewer: namespace \"\" (cluster-scoped) and source at its first line")
PY

# --- score and health on other inputs --------------------------------------------------

si audit --format json warning-only.yaml
py_tap "$SCRATCH/last.out" <<PY
$PY_ITEMS
s = (load(sys.argv[1]) or {}).get("summary", {})
# 29 items, one per pod or container: 27 passed, 1 warning failed (the
# anonymousUserRBACBinding item gives no result for a Deployment).
eq((s.get("passed"), s.get("failed")), (27, 1), "warning only: 27 passed, 1 failed")
eq(s.get("score"), score(27, 1, 0), "warning only: score = round(100*54/55) = 98")
eq(s.get("health"), "warning", "warning only: health = warning")
PY

si audit --format json danger-pod.yaml
py_tap "$SCRATCH/last.out" <<PY
$PY_ITEMS
s = (load(sys.argv[1]) or {}).get("summary", {})
# The 17 items give 5 passed, 7 warning and 4 danger failures; the Pod
# Security Standards items add 10 passed and 2 warning failures (seccomp
# profile, capabilities not dropped).
eq((s.get("passed"), s.get("failed")), (15, 13), "danger pod: 15 passed, 13 failed")
eq(s.get("score"), score(15, 9, 4), "danger pod: score = 100*30/(30+9+8) = 64")
eq(s.get("health"), "danger", "danger pod: health = danger")
eq((s.get("passedWorkloads"), s.get("failedWorkloads")), (0, 1), "danger pod: 0 passed, 1 failed workload")
w = ((load(sys.argv[1]) or {}).get("workloads") or [{}])[0]
eq(w.get("namespace"), "shop", "danger pod: namespace from the manifest")
PY

si --stdin /dev/null audit --format json -
py_tap "$SCRATCH/last.out" <<'PY'
d = load(sys.argv[1]) or {}
s = d.get("summary", {})
eq((s.get("workloads"), s.get("items"), s.get("score"), s.get("health")), (0, 0, 100, "healthy"),
   "no input: 0 workloads, 0 items, score 100, health healthy")
eq(d.get("workloads"), [], "no input: workloads is an empty list")
PY

tap_finish
