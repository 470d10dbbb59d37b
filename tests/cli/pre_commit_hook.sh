# SPDX-License-Identifier: Apache-2.0
# The pre-commit hook of .pre-commit-hooks.yaml, run as its users run it:
# `pre-commit try-repo` of this checkout (committed or not) in a git
# repository of manifests, offline, with the built binary on PATH. A
# failing manifest fails the hook and is named; a clean one and YAML or
# JSON that is not Kubernetes pass.

. "$(dirname "$0")/lib.sh"
tap_setup "$@"

if ! command -v pre-commit >/dev/null; then
	echo "1..0 # SKIP pre-commit is not installed (scripts/deps.sh installs it)"
	exit 0
fi
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
if ! git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
	echo "1..0 # SKIP $SRC is not a git checkout, which pre-commit try-repo needs"
	exit 0
fi

# A repository of manifests; pre-commit keeps its clones in the scratch dir.
workdir repo
git init -q . && git config user.email test@example.invalid && git config user.name test
cp "$DATA"/pre-commit/* "$DATA"/exit/hardened.yaml .
printf 'what the hook must not read: {{ .Values.x }}\n' >notes.md
git add .
PRE_COMMIT_HOME="$SCRATCH/pre-commit-home"
PATH="$(dirname "$SI"):$PATH"
NO_COLOR=1
export PRE_COMMIT_HOME PATH NO_COLOR

# hook FILE... : runs the hook of this checkout on FILE...; sets RC and OUT.
hook() {
	OUT=$(timeout 120 pre-commit try-repo "$SRC" security-inspector --color never \
		--files "$@" 2>&1)
	RC=$?
}

is "$(command -v security-inspector)" "$SI" "the built binary is the security-inspector on PATH"

hook privileged.yaml
is "$RC" 1 "a privileged Deployment fails the hook"
like "$OUT" "security-inspector audit\.+Failed" "pre-commit reports the hook as failed"
contains "$OUT" "Deployment ops/node-agent  (privileged.yaml:1)" "the output names the workload and its file"
contains "$OUT" "runAsPrivileged" "the output names the failed item"

hook hardened.yaml
is "$RC" 0 "a hardened Deployment passes the hook"
like "$OUT" "security-inspector audit\.+Passed" "pre-commit reports the hook as passed"

hook compose.yaml package.json
is "$RC" 0 "YAML and JSON that hold no Kubernetes object pass the hook"

hook notes.md hardened.yaml
is "$RC" 0 "files that are not YAML or JSON are not given to the hook"

hook hardened.yaml compose.yaml privileged.yaml
is "$RC" 1 "among several files, the failing one fails the hook"
contains "$OUT" "node-agent" "... and is named"

tap_finish
