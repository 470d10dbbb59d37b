#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The project's own deployment passes its own audit with no failure at all,
# and the runtime stage of the Dockerfile (the binary and the shared
# libraries ldd names, nothing else: no shell) is enough to run it.
# Usage: own_manifests.sh /path/to/security-inspector (TAP)
set -u
. "$(dirname "$0")/lib.sh"
tap_setup "$@"
repo=$(cd "$(dirname "$0")/../.." && pwd)

si audit --format json --fail-on warning "$repo/manifests"
exits_with 0 "audit manifests/ --fail-on warning: exit 0"
py_tap "$SCRATCH/last.out" <<'PY'
d = load(sys.argv[1]) or {}
s = d.get("summary", {})
eq(s.get("failed"), 0, "the project's own workloads: no failed item")
eq(s.get("whitelisted"), 0, "the project's own workloads: nothing whitelisted")
# The audit reads manifests/ recursively: the optional components
# (manifests/components/*) are inspected with the base.
eq(s.get("byKind"), {"Deployment": 1, "ClusterRoleBinding": 4, "RoleBinding": 2},
   "the webhook's Deployment, its three role bindings, components/policyreport's one and "
   "components/monitoring's two are inspected")
eq(s.get("score"), 100, "score 100")
eq(d.get("errors"), [], "every manifest reads without error")
PY

# The Dockerfile's runtime stage, rebuilt from the same steps in a folder.
if ldd "$SI" | grep -q libasan; then
	pass "# SKIP the runtime image check: a sanitizer build needs /proc, which the image has not"
elif [ "$(id -u)" -eq 0 ] && command -v chroot >/dev/null; then
	root=$SCRATCH/image
	mkdir -p "$root/usr/bin" "$root/tmp"
	chmod 1777 "$root/tmp"      # as the Dockerfile makes it
	cp "$SI" "$root/usr/bin/security-inspector"
	ldd "$SI" | awk '/=>/ { print $3 } /ld-linux/ { print $1 }' |
		xargs -I{} cp --parents -L {} "$root"
	cp "$repo/examples/manifests/hardened-deployment.yaml" "$root/tmp/"
	out=$(chroot --userspec=65532:65532 "$root" /usr/bin/security-inspector version 2>&1)
	is "$(echo "$out" | cut -d' ' -f1)" "security-inspector" "the runtime image runs the binary as 65532 without a shell"
	[ ! -e "$root/bin/sh" ] && pass "the runtime image has no shell" || fail "the runtime image has a shell"
	chroot --userspec=65532:65532 "$root" /usr/bin/security-inspector audit /tmp/hardened-deployment.yaml \
		>"$SCRATCH/chroot.out" 2>&1
	is "$?" "0" "the runtime image audits a manifest"
	chroot --userspec=65532:65532 "$root" /usr/bin/security-inspector certs --out /tmp/c \
		>"$SCRATCH/chroot-certs.out" 2>&1
	is "$?" "0" "the runtime image makes certificates (OpenSSL works without its files)"
else
	pass "# SKIP the runtime image check needs root and chroot"
fi
tap_finish
