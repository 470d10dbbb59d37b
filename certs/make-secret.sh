#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Self-managed certificates: makes a CA and a serving certificate with
# `security-inspector certs`, stores them as the Secret the Deployment mounts,
# and puts the CA into every webhook's caBundle. Run it again to rotate: the
# webhook picks the new Secret up within seconds, without a restart.
#   certs/make-secret.sh [--namespace NS] [--service NAME] [--days N] [--dry-run]
# Needs kubectl pointed at the cluster and security-inspector on PATH (or
# SECURITY_INSPECTOR=path). Nothing is written to the repository: the files
# live in a temporary folder that is removed at the end.
set -euo pipefail

ns=security-inspector
svc=security-inspector
days=365
dry=()
while [ $# -gt 0 ]; do
	case $1 in
	--namespace) ns=$2; shift 2 ;;
	--service) svc=$2; shift 2 ;;
	--days) days=$2; shift 2 ;;
	--dry-run) dry=(--dry-run=server); shift ;;
	*) echo "usage: $0 [--namespace NS] [--service NAME] [--days N] [--dry-run]" >&2; exit 2 ;;
	esac
done
si=${SECURITY_INSPECTOR:-security-inspector}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

bundle=$("$si" certs --service "$svc" --namespace "$ns" --days "$days" --out "$tmp")
kubectl -n "$ns" create secret tls security-inspector-tls \
	--cert "$tmp/tls.crt" --key "$tmp/tls.key" --dry-run=client -o yaml |
	kubectl apply "${dry[@]}" -f -

# One JSON patch per webhook of the configuration.
count=$(kubectl get validatingwebhookconfiguration security-inspector \
	-o jsonpath='{range .webhooks[*]}x{end}' | tr -d '\n' | wc -c)
patch="["
for i in $(seq 0 $((count - 1))); do
	[ "$i" -gt 0 ] && patch+=","
	patch+="{\"op\":\"replace\",\"path\":\"/webhooks/$i/clientConfig/caBundle\",\"value\":\"$bundle\"}"
done
patch+="]"
kubectl patch validatingwebhookconfiguration security-inspector --type=json -p "$patch" "${dry[@]}"
echo "Secret $ns/security-inspector-tls and the caBundle of $count webhooks updated."
