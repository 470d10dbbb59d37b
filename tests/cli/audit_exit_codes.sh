# SPDX-License-Identifier: Apache-2.0
# audit exit codes: 0 when nothing at or above --fail-on failed, 1 when
# something did, 2 for usage and input errors (with file and line).

. "$(dirname "$0")/lib.sh"
tap_setup "$@"

workdir exit
cp "$DATA"/exit/*.yaml .

# --- clean input -----------------------------------------------------------

si audit hardened.yaml
exits_with 0 "hardened workload: exit 0"
contains "$OUT" "Health: healthy" "hardened workload: text report says healthy"

si audit --format json hardened.yaml
exits_with 0 "hardened workload, JSON: exit 0"
py_tap "$SCRATCH/last.out" <<'PY'
doc = load(sys.argv[1]) or {}
ids = item_ids()
results = [r for w in doc.get("workloads", []) for r in w.get("results", [])]
seen = {r.get("check") for r in results}
eq(sorted(seen), sorted(ids), "hardened workload: every item was evaluated")
bad = [(r.get("check"), r.get("container"), r.get("status")) for r in results
       if r.get("status") != "passed"]
eq(bad, [], "hardened workload: every result passed")
s = doc.get("summary", {})
eq((s.get("failed"), s.get("score"), s.get("health")), (0, 100, "healthy"),
   "hardened workload: summary failed 0, score 100, health healthy")
PY

# --- danger and warning failures ---------------------------------------------

si audit danger-pod.yaml
exits_with 1 "danger failure: exit 1 (default --fail-on danger)"
contains "$OUT" "hostNetworkSet" "danger failure: the report names the failed item"

si audit hardened.yaml danger-pod.yaml
exits_with 1 "one danger failure among clean files: exit 1"

si audit warning-only.yaml
exits_with 0 "warning-only failure, default --fail-on: exit 0"
contains "$OUT" "notReadOnlyRootFileSystem" "warning-only failure: the report still lists the warning"

si audit --fail-on warning warning-only.yaml
exits_with 1 "--fail-on warning with a warning-only failure: exit 1"

si audit --fail-on danger warning-only.yaml
exits_with 0 "--fail-on danger with a warning-only failure: exit 0"

si audit --fail-on warning danger-pod.yaml
exits_with 1 "--fail-on warning with a danger failure: exit 1"

si audit --fail-on warning hardened.yaml
exits_with 0 "--fail-on warning with a clean workload: exit 0"

si audit --fail-on never danger-pod.yaml warning-only.yaml
exits_with 0 "--fail-on never with danger and warning failures: exit 0"
contains "$OUT" "hostNetworkSet" "--fail-on never still reports the failures"

si audit --format json --fail-on warning warning-only.yaml
exits_with 1 "--fail-on applies to the JSON format too"

# --- usage errors --------------------------------------------------------------

si audit
exits_with 2 "no PATH: exit 2"
nonempty "$ERR" "no PATH: a message on stderr"

si audit --no-such-option hardened.yaml
exits_with 2 "unknown option: exit 2"
contains "$ERR" "--no-such-option" "unknown option: stderr names it"

si audit --format yaml hardened.yaml
exits_with 2 "bad --format value: exit 2"
contains "$ERR" "yaml" "bad --format value: stderr names the value"

si audit --format
exits_with 2 "--format without a value: exit 2"

si audit --fail-on sometimes hardened.yaml
exits_with 2 "bad --fail-on value: exit 2"
contains "$ERR" "sometimes" "bad --fail-on value: stderr names the value"

si audit --color rainbow hardened.yaml
exits_with 2 "bad --color value: exit 2"

si audit does-not-exist.yaml
exits_with 2 "missing file: exit 2"
contains "$ERR" "does-not-exist.yaml" "missing file: stderr names the file"

si audit hardened.yaml does-not-exist.yaml
exits_with 2 "missing file next to a good one: exit 2"

si audit --config does-not-exist-policy.yaml hardened.yaml
exits_with 2 "missing --config file: exit 2"
contains "$ERR" "does-not-exist-policy.yaml" "missing --config file: stderr names it"

si no-such-command
exits_with 2 "unknown command: exit 2"

# --- a malformed file among good ones --------------------------------------------

si audit hardened.yaml malformed.yaml danger-pod.yaml
exits_with 2 "malformed file among good ones: exit 2 (input error wins over failures)"
contains "$ERR" "malformed.yaml:6" "malformed file: stderr names file:line of the syntax error"
contains "$OUT" "root-pod" "malformed file: the other files are still inspected (text)"

si audit --format json --fail-on never hardened.yaml malformed.yaml danger-pod.yaml
exits_with 2 "malformed file with --fail-on never: still exit 2"
contains "$ERR" "malformed.yaml:6" "malformed file, JSON: stderr names file:line"
py_tap "$SCRATCH/last.out" <<'PY'
doc = load(sys.argv[1]) or {}
names = sorted((w.get("kind"), w.get("name")) for w in doc.get("workloads", []))
eq(names, [("Deployment", "hardened"), ("Pod", "root-pod"), ("RoleBinding", "hardened-reader")],
   "malformed file, JSON: the workloads of the other files are reported")
errs = doc.get("errors", [])
ok(any(str(e.get("source", "")).startswith("malformed.yaml:6") for e in errs),
   "malformed file, JSON: errors[] holds malformed.yaml:6", errs)
PY

# --- policies -------------------------------------------------------------------

si audit --config policy-invalid.yaml hardened.yaml
exits_with 2 "invalid policy (unknown item ID): exit 2"
contains "$ERR" "policy-invalid.yaml:5" "invalid policy: stderr names file:line"
contains "$ERR" "noSuchItem" "invalid policy: stderr names the key"
unlike "$OUT" "Summary" "invalid policy: no report is written"

si audit --config policy-bad-mode.yaml hardened.yaml
exits_with 2 "invalid policy (unknown mode): exit 2"
contains "$ERR" "policy-bad-mode.yaml:4" "unknown mode: stderr names file:line"
contains "$ERR" "strict" "unknown mode: stderr names the mode"

si audit --config policy-bad-key.yaml hardened.yaml
exits_with 2 "invalid policy (unknown key): exit 2"
contains "$ERR" "policy-bad-key.yaml:6" "unknown key: stderr names file:line"
contains "$ERR" "reasons" "unknown key: stderr names the key"

si audit --fail-on warning warning-only.yaml
exits_with 1 "without a policy the warning-only workload fails --fail-on warning"
si audit --config policy-ignore-readonly.yaml --fail-on warning warning-only.yaml
exits_with 0 "policy setting notReadOnlyRootFileSystem to ignore: exit 0"
like "$OUT" ' 0 failed \(0 danger, 0 warning\)' "ignored item: the summary counts no failure"

si audit --config policy-whitelist-root-pod.yaml danger-pod.yaml
exits_with 0 "policy whitelisting every danger item of the pod: exit 0"
like "$OUT" '[1-9][0-9]* whitelisted' "whitelisting policy: the summary counts whitelisted results"

tap_finish
