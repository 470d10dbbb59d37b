# SPDX-License-Identifier: Apache-2.0
# The `certs` command: the CA and serving certificate it makes, as the
# openssl command line sees them, the caBundle line, and `certs --check`.

. "$(dirname "$0")/lib.sh"
tap_setup "$@"

UNIT_DATA="$(cd "$(dirname "$0")/../unit/data" && pwd)"

if ! command -v openssl >/dev/null 2>&1; then
	echo "1..0 # SKIP the openssl command line tool is not installed"
	exit 0
fi

workdir certs

# valid_in FILE SECONDS : the certificate is still valid SECONDS from now.
valid_in() {
	openssl x509 -in "$1" -noout -checkend "$2" >/dev/null
}

# files_in DIR : the names in DIR, dot files included, sorted, space-separated.
files_in() {
	find "$1" -mindepth 1 -printf '%f\n' | sort | tr '\n' ' '
}

# --- making ----------------------------------------------------------------------

si certs --service web --namespace prod --out out
exits_with 0 "certs: exit 0"
is "$(wc -l <"$SCRATCH/last.out" | tr -d ' ')" "1" "certs: stdout is exactly one line"
like "$OUT" '^[A-Za-z0-9+/]+=*$' "certs: stdout is base64 without line breaks"
if base64 -d <"$SCRATCH/last.out" 2>/dev/null | cmp -s - out/ca.crt; then
	pass "certs: stdout decodes to the bytes of ca.crt"
else
	fail "certs: stdout decodes to the bytes of ca.crt"
fi
for f in ca.crt ca.key tls.crt tls.key; do
	contains "$ERR" "out/$f" "certs: stderr names $f"
	ok "certs: wrote $f" test -s "out/$f"
done
is "$(stat -c %a out/ca.key) $(stat -c %a out/tls.key)" "600 600" "certs: keys have mode 0600"
is "$(files_in out)" "ca.crt ca.key tls.crt tls.key " "certs: no temporary files are left"

# --- the certificates, as openssl sees them ----------------------------------------

is "$(openssl verify -CAfile out/ca.crt out/tls.crt 2>&1)" "out/tls.crt: OK" \
	"openssl verify -CAfile ca.crt tls.crt passes"
is "$(openssl verify -x509_strict -purpose sslserver -CAfile out/ca.crt out/tls.crt 2>&1)" \
	"out/tls.crt: OK" "tls.crt verifies strictly for the sslserver purpose"

san=$(openssl x509 -in out/tls.crt -noout -ext subjectAltName 2>&1)
# The trailing commas keep DNS:web from matching DNS:web.prod.
for name in "DNS:web," "DNS:web.prod," "DNS:web.prod.svc," "DNS:web.prod.svc.cluster.local," \
	"DNS:localhost," "IP Address:127.0.0.1" "IP Address:0:0:0:0:0:0:0:1"; do
	contains "$san" "$name" "tls.crt SANs list ${name%,}"
done

subject=$(openssl x509 -in out/tls.crt -noout -subject -issuer -nameopt RFC2253)
contains "$subject" "subject=CN=web.prod.svc" "tls.crt: CN is web.prod.svc"
contains "$subject" "issuer=CN=security-inspector-ca" "tls.crt: issued by security-inspector-ca"
contains "$(openssl x509 -in out/ca.crt -noout -subject -nameopt RFC2253)" \
	"subject=CN=security-inspector-ca" "ca.crt: CN is security-inspector-ca"

ext=$(openssl x509 -in out/tls.crt -noout -ext basicConstraints,keyUsage,extendedKeyUsage)
contains "$ext" "CA:FALSE" "tls.crt: basicConstraints CA:FALSE"
contains "$ext" "Digital Signature" "tls.crt: keyUsage digitalSignature"
contains "$ext" "TLS Web Server Authentication" "tls.crt: extendedKeyUsage serverAuth"
ext=$(openssl x509 -in out/ca.crt -noout -ext basicConstraints,keyUsage)
contains "$ext" "Basic Constraints: critical" "ca.crt: basicConstraints is critical"
contains "$ext" "CA:TRUE" "ca.crt: basicConstraints CA:TRUE"
contains "$ext" "Certificate Sign, CRL Sign" "ca.crt: keyUsage keyCertSign and cRLSign"

for k in tls.key ca.key; do
	like "$(openssl pkey -in "out/$k" -noout -text 2>&1)" "prime256v1|P-256" \
		"$k is an ECDSA P-256 key"
done

serial=$(openssl x509 -in out/tls.crt -noout -serial)
serial=${serial#serial=}
if [ "${#serial}" -ge 24 ] && [ "${#serial}" -le 34 ]; then
	pass "tls.crt: the serial is a 128-bit random number"
else
	fail "tls.crt: the serial is a 128-bit random number" "serial: $serial"
fi

start=$(openssl x509 -in out/tls.crt -noout -startdate)
age=$(($(date +%s) - $(date -d "${start#notBefore=}" +%s)))
if [ "$age" -ge 240 ] && [ "$age" -le 420 ]; then
	pass "tls.crt: notBefore is 5 minutes back"
else
	fail "tls.crt: notBefore is 5 minutes back" "notBefore $age seconds ago"
fi
ok "certs: 365 days by default (valid in 364 days)" valid_in out/tls.crt $((364 * 86400))

si certs --out short --days 10
exits_with 0 "certs --days 10: exit 0"
ok "certs --days 10: still valid in 9 days" valid_in short/tls.crt $((9 * 86400))
if valid_in short/tls.crt $((11 * 86400)); then
	fail "certs --days 10: expired in 11 days"
else
	pass "certs --days 10: expired in 11 days"
fi
contains "$(openssl x509 -in short/tls.crt -noout -subject -nameopt RFC2253)" \
	"CN=security-inspector.security-inspector.svc" \
	"certs: --service and --namespace default to security-inspector"

before=$(cat out/ca.crt)
si certs --service web --namespace prod --out out
exits_with 0 "certs over an existing folder: exit 0"
if [ "$(cat out/ca.crt)" != "$before" ]; then
	pass "certs over an existing folder: a new CA replaces the old"
else
	fail "certs over an existing folder: a new CA replaces the old"
fi
is "$(stat -c %a out/ca.key) $(stat -c %a out/tls.key)" "600 600" \
	"certs over an existing folder: keys still have mode 0600"
is "$(files_in out)" "ca.crt ca.key tls.crt tls.key " \
	"certs over an existing folder: no temporary files are left"

si certs --out nested/deeper/certs
exits_with 0 "certs --out with missing parents: exit 0"
ok "certs --out with missing parents: folders created" test -s nested/deeper/certs/tls.crt

# --- check ------------------------------------------------------------------------

si certs --check --tls-cert out/tls.crt --tls-key out/tls.key
exits_with 0 "certs --check of the made pair: exit 0"
like "$OUT" "^certificate OK: CN=web\\.prod\\.svc, DNS=web,web\\.prod,web\\.prod\\.svc,web\\.prod\\.svc\\.cluster\\.local,localhost, expires 20[0-9]{2}-[0-9]{2}-[0-9]{2} " \
	"certs --check: prints CN, DNS names and expiry"

si certs --check --tls-cert out/tls.crt --tls-key out/ca.key
exits_with 2 "certs --check with the CA's key: exit 2"
is "$ERR" "security-inspector: out/ca.key: the private key does not match the certificate" \
	"certs --check with the CA's key: says the key does not match"
is "$OUT" "" "certs --check with the CA's key: nothing on stdout"

printf 'not a certificate\n' >garbage.crt
si certs --check --tls-cert garbage.crt --tls-key out/tls.key
exits_with 2 "certs --check of garbage: exit 2"
is "$ERR" "security-inspector: garbage.crt: not a PEM certificate" \
	"certs --check of garbage: names the file"

si certs --check --tls-cert out/tls.crt --tls-key garbage.crt
exits_with 2 "certs --check with a garbage key: exit 2"
contains "$ERR" "garbage.crt: not a PEM private key" "certs --check with a garbage key: names the key file"

si certs --check --tls-cert "$UNIT_DATA/cert-expired.crt" --tls-key "$UNIT_DATA/cert-expired.key"
exits_with 2 "certs --check of an expired certificate: exit 2"
contains "$ERR" "cert-expired.crt: the certificate expired on 2020-01-02 03:04:05 UTC" \
	"certs --check of an expired certificate: says when it expired"

si certs --check --tls-cert missing.crt --tls-key out/tls.key
exits_with 2 "certs --check of a missing file: exit 2"
contains "$ERR" "missing.crt" "certs --check of a missing file: names it"

head -c $((1024 * 1024 + 1)) /dev/zero >huge.crt
si certs --check --tls-cert huge.crt --tls-key out/tls.key
exits_with 2 "certs --check of a file over 1 MiB: exit 2"
contains "$ERR" "huge.crt" "certs --check of a file over 1 MiB: names it"

# --- usage errors ------------------------------------------------------------------

si certs
exits_with 2 "certs without --out: exit 2"
contains "$ERR" "--out" "certs without --out: says --out is needed"

si certs --out bad --service Web_Hook
exits_with 2 "certs --service Web_Hook: exit 2"
contains "$ERR" "service" "certs --service Web_Hook: names the service"
ok "certs --service Web_Hook: writes nothing" test ! -e bad

si certs --out bad --namespace -prod
exits_with 2 "certs --namespace -prod: exit 2"
contains "$ERR" "namespace" "certs --namespace -prod: names the namespace"

for d in 0 3651 ten; do
	si certs --out bad --days "$d"
	exits_with 2 "certs --days $d: exit 2"
done

si certs --check --tls-cert out/tls.crt
exits_with 2 "certs --check without --tls-key: exit 2"
si certs --out out --tls-cert out/tls.crt --tls-key out/tls.key
exits_with 2 "certs --tls-cert without --check: exit 2"
si certs --out out --no-such-option
exits_with 2 "certs with an unknown option: exit 2"
si certs --out out extra
exits_with 2 "certs with an extra argument: exit 2"

si certs --help
exits_with 0 "certs --help: exit 0"
contains "$OUT" "--out DIR" "certs --help: describes --out"

si --help
contains "$OUT" "certs --service NAME --namespace NS --out DIR" "the command list shows certs"

tap_finish
