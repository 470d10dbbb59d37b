#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Pod Security Admission's own v1.37 fixtures (tests/psa/v1.37, see SOURCE)
# driven through the items: a pod PSA denies for a control must fail the
# item(s) mapped to it; a pod PSA allows at a level must fail none of the
# items of that level or below. TAP output, one case per fixture.
import json
import os
import subprocess
import sys

# PSA control (fixture file prefix) -> items, any of which must fail.
CONTROLS = {
    "apparmorprofile": ["appArmorUnconfined"],
    "hostpathvolumes": ["hostPathVolumeSet"],
    "procmount": ["procMountUnmasked"],
    "seccompprofile_baseline": ["seccompUnconfined"],
    "selinuxoptions": ["seLinuxOptionsSet"],
    "sysctls": ["unsafeSysctlsSet"],
    "windowshostprocess": ["hostProcessSet"],
    "hostprobesandhostlifecycle": ["hostProbeSet"],
    "restrictedvolumes": ["volumeTypeRestricted"],
    "seccompprofile_restricted": ["seccompProfileMissing"],
    # Adding a capability other than NET_BIND_SERVICE is capabilitiesAdded's
    # (default allowedCapabilities); not dropping ALL is capabilitiesNotDropped's.
    "capabilities_restricted": ["capabilitiesNotDropped", "capabilitiesAdded"],
    "runasuser": ["runAsUserRoot"],
    "hostnamespaces": ["hostNetworkSet", "hostIPCSet", "hostPIDSet"],
    "hostports": ["hostPortSet"],
    "privileged": ["runAsPrivileged"],
    "allowprivilegeescalation": ["privilegeEscalationAllowed"],
    "runasnonroot": ["runAsRootAllowed"],
}
# Deliberate differences (README, "Pod Security Standards"):
# - procmount_restricted: restricted forbids Unmasked even in a user
#   namespace; procMountUnmasked follows baseline, which allows it there.
# - capabilities_baseline: capabilitiesAdded keeps the seed's rule (only the
#   policy's allowedCapabilities, default NET_BIND_SERVICE), stricter than
#   baseline's list; its pass fixtures are not checked against it.
UNMAPPED = {"procmount_restricted", "capabilities_baseline"}
PSA_ITEMS = {}   # item -> level, from `checks --format json`


def control_of(name):
    stem = name[:-5].rstrip("0123456789")
    return stem


def failed_items(binary, path):
    out = subprocess.run([binary, "audit", "--format", "json", "--fail-on", "never", path],
                         capture_output=True, text=True, check=True).stdout
    report = json.loads(out)
    return {r["check"] for w in report["workloads"] for r in w["results"]
            if r["status"] == "failed"}


def main():
    binary, root = sys.argv[1], sys.argv[2]
    checks = json.loads(subprocess.run([binary, "checks", "--format", "json"],
                                       capture_output=True, text=True, check=True).stdout)
    for c in checks:
        if c["psa"]:
            PSA_ITEMS[c["id"]] = c["psa"]["level"]
    cases = []
    for level in ("baseline", "restricted"):
        for verdict in ("pass", "fail"):
            d = os.path.join(root, level, verdict)
            for name in sorted(os.listdir(d)):
                cases.append((level, verdict, name, os.path.join(d, name)))
    print("1..%d" % len(cases))
    bad = 0
    for i, (level, verdict, name, path) in enumerate(cases, 1):
        failed = failed_items(binary, path)
        control = control_of(name)
        what = "%s/%s/%s" % (level, verdict, name)
        problem = None
        if verdict == "fail":
            items = CONTROLS.get(control)
            if control in UNMAPPED or items is None:
                print("ok %d - %s # SKIP deliberate difference or unmapped" % (i, what))
                continue
            if not failed & set(items):
                problem = "none of %s failed" % ", ".join(items)
        else:
            allowed = ("baseline",) if level == "baseline" else ("baseline", "restricted")
            wrong = sorted(x for x in failed if PSA_ITEMS.get(x) in allowed
                           and not (x == "capabilitiesAdded" and level == "baseline"))
            if wrong:
                problem = "failed %s" % ", ".join(wrong)
        if problem:
            bad += 1
            print("not ok %d - %s: %s" % (i, what, problem))
        else:
            print("ok %d - %s" % (i, what))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
