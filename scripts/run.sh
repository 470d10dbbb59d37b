#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs what is needed, builds security-inspector, makes a CA and a serving
# certificate (once, in certs/local/), and runs the admission webhook on
# loopback with the embedded default policy. LISTEN=ADDR:PORT changes the
# address (default 127.0.0.1:8443). Ctrl-C (SIGINT) or SIGTERM stops it.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build
bin=build/src/cli/security-inspector
listen=${LISTEN:-127.0.0.1:8443}

if [ ! -f certs/local/tls.crt ] || ! "$bin" certs --check --tls-cert certs/local/tls.crt \
		--tls-key certs/local/tls.key >/dev/null 2>&1; then
	"$bin" certs --service security-inspector --namespace security-inspector \
		--out certs/local >/dev/null
fi
cat <<MSG
security-inspector webhook on https://$listen (CA: certs/local/ca.crt)
try:  curl --cacert certs/local/ca.crt https://$listen/healthz
      curl --cacert certs/local/ca.crt -H 'Content-Type: application/json' \\
           --data-binary @tests/fixtures/admission/warn-by-default-policy/request.json \\
           https://$listen/validate
MSG
exec "$bin" serve --listen "$listen" --tls-cert certs/local/tls.crt --tls-key certs/local/tls.key
