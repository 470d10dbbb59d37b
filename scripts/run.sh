#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs what is needed, builds security-inspector and runs it: an audit of
# the example manifests with the embedded default policy, then with the
# example policy.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build
bin=build/src/cli/security-inspector

echo "== security-inspector audit examples/manifests/ (embedded default policy)"
"$bin" audit --fail-on never examples/manifests/
echo
echo "== security-inspector audit --config examples/policy.yaml examples/manifests/"
"$bin" audit --fail-on never --config examples/policy.yaml examples/manifests/
