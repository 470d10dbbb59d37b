#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The loader against ~260 real-world files: every valid object is reported
# (inspected or skipped) and every broken file is named with its line.
# Usage: check.sh BINARY   (run from tests/corpus); prints TAP.
set -uo pipefail
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$bin" audit --format json -o "$tmp/report.json" kubernetes-examples 2>"$tmp/stderr"
rc=$?
python3 - "$rc" "$tmp/report.json" "$tmp/stderr" expected-errors.txt <<'PY'
import json, re, sys
rc, report, stderr, expected = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
cases = []
def check(ok, what):
    cases.append((bool(ok), what))

check(rc == 2, f"exit code 2 for a tree holding broken files (got {rc})")
d = json.load(open(report))
want = sorted(l.strip() for l in open(expected) if l.strip())
got = sorted(e["source"] for e in d["errors"])
check(got == want, "exactly the broken files are named, each with its line")
err_lines = [l for l in open(stderr).read().splitlines() if l]
check(len(err_lines) == len(want) and
      all(re.match(r"security-inspector: \S+:\d+: .+", l) for l in err_lines),
      "stderr has one 'file:line: message' per broken file")
seen = d["workloads"] + d["skipped"]
check(len(seen) == 280, f"all 280 objects of the valid files are reported (got {len(seen)})")
check(d["summary"]["workloads"] == 132, "132 workloads inspected")
check(all(re.match(r".+:\d+$", o["source"]) for o in seen), "every object has a source line")
kinds = {o["kind"] for o in d["skipped"]}
check({"Service", "PersistentVolumeClaim", "StorageClass"} <= kinds,
      "unknown kinds are listed as skipped")
check(not any(w["kind"] in ("Service", "ConfigMap") for w in d["workloads"]),
      "unknown kinds are not inspected")
bad_line = []
for o in seen:
    path, line = o["source"].rsplit(":", 1)
    text = open(path, encoding="utf-8").read().split("\n")[int(line) - 1].strip()
    if not text or text.startswith("#") or text.startswith("---"):
        bad_line.append(o["source"])
check(not bad_line, "each object's line is where its content starts " + ",".join(bad_line[:3]))
print(f"1..{len(cases)}")
for i, (ok, what) in enumerate(cases, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {what}")
sys.exit(0 if all(ok for ok, _ in cases) else 1)
PY
