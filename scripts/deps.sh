#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian packages security-inspector builds, runs and tests with.
set -euo pipefail

packages=(meson ninja-build gcc pkg-config libcjson-dev libyaml-dev zlib1g-dev libcmocka-dev chromium nodejs
          libmicrohttpd-dev libssl-dev libcurl4-openssl-dev openssl curl python3 python3-jsonschema ca-certificates
          clang libclang-rt-14-dev git
          # promtool checks the monitoring component's rules and dashboard queries
          # (the package's server is never started by the tests); python3-yaml reads them;
          # pre-commit runs the hook of .pre-commit-hooks.yaml.
          prometheus python3-yaml pre-commit)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	echo "installing: ${missing[*]}"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
