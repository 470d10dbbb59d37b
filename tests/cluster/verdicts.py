#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Prints the verdicts of a JSON audit report, one sorted line per workload
# and result ("Kind namespace/name check container status"), so that two
# reports can be compared with diff whatever their sources and order.
#   verdicts.py REPORT.json [NAME_PREFIX]   (only names starting with it)
import json, sys

report = json.load(open(sys.argv[1]))
prefix = sys.argv[2] if len(sys.argv) > 2 else ""
lines = []
for w in report["workloads"]:
    if not w["name"].startswith(prefix):
        continue
    who = "%s %s/%s" % (w["kind"], w["namespace"], w["name"])
    lines.append(who)
    for r in w["results"]:
        lines.append("%s %s %s %s" % (who, r["check"], r.get("container") or "-", r["status"]))
print("\n".join(sorted(lines)))
