# SPDX-License-Identifier: Apache-2.0
# The `checks` and `policy` commands: the item table (the 17 items of the
# contract first, then the Pod Security Standards controls), the embedded
# default policy, and policy validation errors.

. "$(dirname "$0")/lib.sh"
tap_setup "$@"

workdir checks
cp "$DATA"/checks/*.yaml .
cp "$DATA"/exit/danger-pod.yaml "$DATA"/exit/hardened.yaml .

si checks --format json
IDS=$(printf '%s' "$OUT" | python3 -c 'import json, sys; print(" ".join(r["id"] for r in json.load(sys.stdin)))')
nonempty "$IDS" "checks --format json gives the item IDs"

# --- checks (text) ------------------------------------------------------------

si checks
exits_with 0 "checks: exit 0"
missing=""
for id in $IDS; do
	printf '%s\n' "$OUT" | grep -Eq "(^|[^A-Za-z])$id([^A-Za-z]|\$)" || missing="$missing $id"
done
is "$missing" "" "checks: the text lists every item ID"
text_out=$OUT

si checks --format text
is "$OUT" "$text_out" "checks --format text equals the default"

# --- checks --format json -------------------------------------------------------

si checks --format json
exits_with 0 "checks --format json: exit 0"
cp "$SCRATCH/last.out" checks.json
printf '%s' "$text_out" >checks.txt
py_tap checks.json checks.txt <<'PY'
TABLE = [  # id, category, default severity, as in the contract
    ("hostNetworkSet", "host-isolation", "danger"),
    ("hostIPCSet", "host-isolation", "danger"),
    ("hostPIDSet", "host-isolation", "danger"),
    ("hostPortSet", "host-isolation", "warning"),
    ("runAsRootAllowed", "privilege-control", "danger"),
    ("runAsPrivileged", "privilege-control", "danger"),
    ("privilegeEscalationAllowed", "privilege-control", "danger"),
    ("capabilitiesAdded", "privilege-control", "danger"),
    ("notReadOnlyRootFileSystem", "privilege-control", "warning"),
    ("cpuRequestsMissing", "resource-governance", "warning"),
    ("cpuLimitsMissing", "resource-governance", "warning"),
    ("memoryRequestsMissing", "resource-governance", "warning"),
    ("memoryLimitsMissing", "resource-governance", "warning"),
    ("readinessProbeMissing", "image-and-reliability", "warning"),
    ("livenessProbeMissing", "image-and-reliability", "warning"),
    ("tagNotSpecified", "image-and-reliability", "danger"),
    ("anonymousUserRBACBinding", "image-and-reliability", "danger"),
]
# Facts each risk and fix text must convey (any one word of each group,
# case-insensitive).
FACTS = {
    "hostNetworkSet": (["network"], ["hostNetwork"]),
    "hostIPCSet": (["IPC", "shared memory"], ["hostIPC"]),
    "hostPIDSet": (["process"], ["hostPID"]),
    "hostPortSet": (["port", "traffic"], ["hostPort"]),
    "runAsRootAllowed": (["root"], ["runAsNonRoot"]),
    "runAsPrivileged": (["device", "breakout"], ["privileged"]),
    "privilegeEscalationAllowed": (["privilege", "setuid"], ["allowPrivilegeEscalation"]),
    "capabilitiesAdded": (["capabilit"], ["drop"]),
    "notReadOnlyRootFileSystem": (["binaries", "change"], ["readOnlyRootFilesystem"]),
    "cpuRequestsMissing": (["CPU"], ["resources.requests.cpu"]),
    "cpuLimitsMissing": (["CPU"], ["resources.limits.cpu"]),
    "memoryRequestsMissing": (["memory", "OOM"], ["resources.requests.memory"]),
    "memoryLimitsMissing": (["memory"], ["resources.limits.memory"]),
    "readinessProbeMissing": (["traffic"], ["readinessProbe"]),
    "livenessProbeMissing": (["restart", "hung"], ["livenessProbe"]),
    "tagNotSpecified": (["image"], ["latest"]),
    "anonymousUserRBACBinding": (["unauthenticated", "anyone"], ["system:anonymous"]),
}
rows = load(sys.argv[1])
text = open(sys.argv[2]).read()
ok(isinstance(rows, list), "checks --format json: a JSON array", type(rows))
rows = rows if isinstance(rows, list) else []
eq([r.get("id") for r in rows[:len(TABLE)]], [t[0] for t in TABLE],
   "checks --format json: the 17 items of the contract come first, in their order")
ids = [r.get("id") for r in rows]
eq(len(ids), len(set(ids)), "checks --format json: IDs are unique")
# The Pod Security Standards mapping: level and control, or null.
PSA = {
    "hostNetworkSet": ("baseline", "Host Namespaces"), "hostIPCSet": ("baseline", "Host Namespaces"),
    "hostPIDSet": ("baseline", "Host Namespaces"), "hostPortSet": ("baseline", "Host Ports"),
    "runAsPrivileged": ("baseline", "Privileged Containers"),
    "capabilitiesAdded": ("baseline", "Capabilities"),
    "privilegeEscalationAllowed": ("restricted", "Privilege Escalation"),
    "runAsRootAllowed": ("restricted", "Running as Non-root"),
    "hostProcessSet": ("baseline", "HostProcess"), "hostPathVolumeSet": ("baseline", "HostPath Volumes"),
    "appArmorUnconfined": ("baseline", "AppArmor"), "seLinuxOptionsSet": ("baseline", "SELinux"),
    "procMountUnmasked": ("baseline", "/proc Mount Type"), "seccompUnconfined": ("baseline", "Seccomp"),
    "unsafeSysctlsSet": ("baseline", "Sysctls"),
    "hostProbeSet": ("baseline", "Host Probes / Lifecycle Hooks"),
    "volumeTypeRestricted": ("restricted", "Volume Types"),
    "seccompProfileMissing": ("restricted", "Seccomp"),
    "capabilitiesNotDropped": ("restricted", "Capabilities"),
    "runAsUserRoot": ("restricted", "Running as Non-root user"),
}
got = {r.get("id"): (r["psa"]["level"], r["psa"]["control"]) for r in rows if r.get("psa")}
eq(got, PSA, "checks --format json: psa gives the Pod Security Standards level and control")
eq(sorted(r.get("id") for r in rows if "psa" in r and r["psa"] is None),
   sorted(i for i in ids if i not in PSA), "checks --format json: psa is null for the other items")
eq(sorted(r.get("id") for r in rows[len(TABLE):] if r.get("severity") == "danger"),
   sorted(i for i, (lvl, _) in PSA.items() if lvl == "baseline" and i not in [t[0] for t in TABLE]),
   "new items: baseline controls default to danger, restricted ones to warning")
by = {r.get("id"): r for r in rows}
fields = ["id", "category", "severity", "scope", "title", "risk", "fix"]
eq([(r.get("id"), f) for r in rows for f in fields if not isinstance(r.get(f), str) or not r.get(f)], [],
   "checks --format json: every row has non-empty id, category, severity, scope, title, risk, fix")
for cid, cat, sev in TABLE:
    r = by.get(cid, {})
    eq((r.get("category"), r.get("severity")), (cat, sev), "%s: category %s, default severity %s" % (cid, cat, sev))
pod = sorted(r.get("id") for r in rows if r.get("scope") == "pod")
eq(pod, ["hostIPCSet", "hostNetworkSet", "hostPIDSet", "hostPathVolumeSet", "unsafeSysctlsSet",
          "volumeTypeRestricted"], "scope pod: the host namespaces, hostPath, sysctls and volume types")
ctr = sorted(r.get("id") for r in rows if r.get("scope") == "container")
eq(sorted(ctr + pod + ["anonymousUserRBACBinding"]), sorted(ids), "scope container: every other item")
rb = by.get("anonymousUserRBACBinding", {}).get("scope")
ok(rb not in (None, "", "pod", "container"), "anonymousUserRBACBinding has a scope of its own (per binding)", rb)
for cid, (risk_words, fix_words) in FACTS.items():
    r = by.get(cid, {})
    risk, fix = str(r.get("risk", "")), str(r.get("fix", ""))
    ok(any(w.lower() in risk.lower() for w in risk_words),
       "%s: the risk says what can go wrong (%s)" % (cid, " / ".join(risk_words)), risk)
    ok(any(w.lower() in fix.lower() for w in fix_words),
       "%s: the fix names what to change (%s)" % (cid, " / ".join(fix_words)), fix)
ok("digest" in by.get("tagNotSpecified", {}).get("fix", ""), "tagNotSpecified: the fix offers a digest")
ok("system:unauthenticated" in by.get("anonymousUserRBACBinding", {}).get("fix", ""),
   "anonymousUserRBACBinding: the fix names system:unauthenticated too")
ok("Service" in by.get("hostPortSet", {}).get("fix", ""), "hostPortSet: the fix says to expose through a Service")
absent = [(r.get("id"), f) for r in rows for f in ("title", "risk", "fix") if r.get(f) and r.get(f) not in text]
eq(absent, [], "checks text shows each item's title, risk and fix")
PY

si checks --format yaml
exits_with 2 "checks --format yaml: exit 2"
si checks --no-such-option
exits_with 2 "checks with an unknown option: exit 2"

# The fix in audit results is the fix of the item table.
si audit --format json --fail-on never danger-pod.yaml hardened.yaml
py_tap "$SCRATCH/last.out" checks.json <<'PY'
d = load(sys.argv[1]) or {}
table = {r.get("id"): r for r in (load(sys.argv[2]) or [])}
rs = [r for w in d.get("workloads", []) for r in w.get("results", [])]
bad = sorted({r.get("check") for r in rs if r.get("fix") != table.get(r.get("check"), {}).get("fix")})
eq(bad, [], "audit results carry the fix text of the item table")
bad = sorted({r.get("check") for r in rs if r.get("category") != table.get(r.get("check"), {}).get("category")})
eq(bad, [], "audit results carry the category of the item table")
PY

# --- policy ----------------------------------------------------------------------

si policy
exits_with 0 "policy: exit 0"
printf '%s\n' "$OUT" >default-policy.yaml
nonempty "$OUT" "policy: prints the embedded default policy"
py_tap default-policy.yaml <<'PY'
text = open(sys.argv[1]).read()
DEFAULTS = {"hostNetworkSet": "danger", "hostIPCSet": "danger", "hostPIDSet": "danger",
            "hostPortSet": "warning", "runAsRootAllowed": "danger", "runAsPrivileged": "danger",
            "privilegeEscalationAllowed": "danger", "capabilitiesAdded": "danger",
            "notReadOnlyRootFileSystem": "warning", "cpuRequestsMissing": "warning",
            "cpuLimitsMissing": "warning", "memoryRequestsMissing": "warning",
            "memoryLimitsMissing": "warning", "readinessProbeMissing": "warning",
            "livenessProbeMissing": "warning", "tagNotSpecified": "danger",
            "anonymousUserRBACBinding": "danger"}
DEFAULTS.update({r["id"]: r["severity"] for r in items()})
# Entries "  <id>: <severity>" of the top-level checks: mapping.
sev, inside = {}, False
for line in text.splitlines():
    if re.match(r"^checks:\s*(#.*)?$", line):
        inside = True
        continue
    if inside:
        m = re.match(r"^\s+([A-Za-z]+):\s*([A-Za-z]+)\s*(#.*)?$", line)
        if m:
            sev[m.group(1)] = m.group(2)
        elif line.strip() and not line.startswith((" ", "#")):
            inside = False
eq(sev, DEFAULTS, "default policy: checks: gives every item its default severity")
m = re.search(r"^allowedCapabilities:\s*(.*)$", text, re.M)
ok(m and "NET_BIND_SERVICE" in m.group(1), "default policy: allowedCapabilities holds NET_BIND_SERVICE",
   m.group(0) if m else "no allowedCapabilities line")
ok(re.search(r"^allowAnnotationExemptions:\s*false\b", text, re.M),
   "default policy: annotation exemptions are off")
ok(re.search(r"^whitelist:", text, re.M) and "system:public-info-viewer" in text
   and re.search(r"checks:\s*\[\s*anonymousUserRBACBinding\s*\]", text)
   and re.search(r"^\s+reason:\s*\S", text, re.M),
   "default policy: system:public-info-viewer is an ordinary, visible whitelist entry with a reason")
PY

si policy --config default-policy.yaml
exits_with 0 "policy --config accepts the printed default policy"
nonempty "$OUT$ERR" "policy --config of a valid file says so"

si audit --format json --fail-on never danger-pod.yaml hardened.yaml
cp "$SCRATCH/last.out" without.json
si audit --format json --fail-on never --config default-policy.yaml danger-pod.yaml hardened.yaml
py_tap without.json "$SCRATCH/last.out" <<'PY'
eq(load(sys.argv[2]), load(sys.argv[1]), "audit with the printed default policy equals audit without --config")
PY

for f in design-example.yaml design-example-unquoted-off.yaml; do
	si policy --config "$f"
	exits_with 0 "policy --config accepts $f"
done

# The contract's example whitelist covers the node-exporter DaemonSet.
si audit --format json --config design-example.yaml "$DATA/inputs/kubectl-list.json"
py_tap "$SCRATCH/last.out" <<'PY'
d = load(sys.argv[1]) or {}
w = next((x for x in d.get("workloads", []) if x.get("name") == "node-exporter"), {})
st = {r.get("check"): (r.get("status"), r.get("reason")) for r in w.get("results", [])
      if r.get("check") in ("hostNetworkSet", "hostPIDSet", "hostPortSet")}
eq(st, {k: ("whitelisted", "node metrics need the host network")
        for k in ("hostNetworkSet", "hostPIDSet", "hostPortSet")},
   "the contract's example whitelist covers node-exporter's host items, with its reason")
others = sorted(r.get("check") for r in w.get("results", []) if r.get("status") == "failed")
ok("runAsRootAllowed" in others, "the whitelist leaves node-exporter's other failures failed", others)
PY

# --- policy errors -----------------------------------------------------------------

check_bad_policy() { # FILE LINE KEY WHAT
	si policy --config "$1"
	exits_with 2 "policy --config $1 ($4): exit 2"
	contains "$ERR" "$1:$2" "policy --config $1: stderr names file:line ($1:$2)"
	contains "$ERR" "$3" "policy --config $1: stderr names the key $3"
}
check_bad_policy bad-item.yaml 5 noSuchItem "unknown item ID"
check_bad_policy bad-severity.yaml 3 cpuLimitsMissing "unknown severity"
check_bad_policy bad-top-key.yaml 3 allowAnnotationExemption "unknown top-level key"
check_bad_policy bad-namespace-item.yaml 7 cpuLimitMissing "unknown item ID in a namespace rule"
check_bad_policy bad-whitelist-item.yaml 5 hostPIDs "unknown item ID in a whitelist entry"
check_bad_policy bad-mode.yaml 1 permissive "unknown mode"

si policy --config bad-syntax.yaml
exits_with 2 "policy --config bad-syntax.yaml (invalid YAML): exit 2"
like "$ERR" "bad-syntax\\.yaml:[0-9]+" "policy --config bad-syntax.yaml: stderr names file:line"

si policy --config no-such-policy.yaml
exits_with 2 "policy --config of a missing file: exit 2"
contains "$ERR" "no-such-policy.yaml" "policy --config of a missing file: stderr names it"

si policy --no-such-option
exits_with 2 "policy with an unknown option: exit 2"

si version
exits_with 0 "version: exit 0"
like "$OUT" "[0-9]+\\.[0-9]+" "version: prints a version number"

tap_finish
