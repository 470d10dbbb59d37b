/* SPDX-License-Identifier: Apache-2.0 */
/* Certificates for the webhook: make a CA and a serving certificate for a
 * Service, and check a certificate and key pair before serving it. */
#ifndef SI_CERTS_H
#define SI_CERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "security-inspector/error.h"

#define SI_CERTS_DEFAULT_DAYS 365
#define SI_CERTS_MAX_DAYS 3650
/* Largest PEM input si_certs_check() and si_certs_parse_bundle() accept,
 * per input. */
#define SI_CERTS_MAX_PEM (1024 * 1024)
/* Longest validity si_certs_new_ca() and si_certs_new_serving() give. */
#define SI_CERTS_MAX_SECONDS (SI_CERTS_MAX_DAYS * 86400LL)
/* Most certificates si_certs_parse_bundle() reads from one bundle. */
#define SI_CERTS_MAX_BUNDLE 8

struct si_certs_request {
	const char *service;     /* a DNS-1123 label, e.g. "security-inspector" */
	const char *namespace;   /* a DNS-1123 label */
	const char *out_dir;     /* created (mode 0755) when missing */
	int days;                /* validity of both certificates; 0 means 365 */
};

struct si_certs_result {
	char *ca_bundle;         /* base64 of ca.crt's PEM bytes, one line, NUL-terminated */
	size_t ca_bundle_len;    /* strlen(ca_bundle) */
};

struct si_cert_info {
	time_t not_after;
	char subject_cn[256];    /* "" when the subject has no CN */
	char dns_names[1024];    /* the DNS SANs joined with ','; "" when none */
};

/* Makes an ECDSA P-256 CA ("security-inspector-ca") and an ECDSA P-256
 * serving certificate it signs for `service.namespace.svc` (SANs: the
 * Service's short and long DNS names, localhost, 127.0.0.1 and ::1; the CN
 * falls back to `service` when that name is over a CN's 64 characters), and
 * writes ca.crt, ca.key, tls.crt and tls.key into req->out_dir, each by
 * renaming a temporary file of the same folder (keys get mode 0600). On
 * success `out` receives the CA bundle that a webhook configuration's
 * caBundle wants; caller frees it with si_certs_result_clear(). A service or
 * namespace that is not a DNS-1123 label, or days outside 0..3650, is
 * SI_ERR_USAGE; a folder or file that cannot be written is SI_ERR_IO with
 * err->file set to its path. On failure `out` is left empty, though files
 * already renamed into place stay. */
si_rc si_certs_make(const struct si_certs_request *req, struct si_certs_result *out,
		    struct si_error *err);

/* Checks that `cert_pem` (its first certificate, `cert_len` bytes) and
 * `key_pem` (PKCS#8, SEC1 EC or RSA; not encrypted) parse, belong together
 * and that the certificate is valid now. Borrows both buffers. Input that
 * does not parse is SI_ERR_SYNTAX, input over SI_CERTS_MAX_PEM is
 * SI_ERR_LIMIT, a key that does not match or a certificate outside its
 * validity period is SI_ERR_INVALID. err->file is left empty for the caller
 * to name the files; err->key says which input is at fault: "certificate"
 * or "key". `info` may be NULL; it is filled as soon as the certificate
 * parses, even when a later check fails. */
si_rc si_certs_check(const char *cert_pem, size_t cert_len, const char *key_pem,
		     size_t key_len, struct si_cert_info *info, struct si_error *err);

/* Puts a certificate chain and key (PEM, borrowed for the call) in use:
 * what the server's certificate files or its certificate Secret hold now.
 * Returns SI_OK, or why they are not in use (`err`). */
typedef si_rc (*si_certs_use_fn)(void *ctx, const char *cert_pem, size_t cert_len,
				 const char *key_pem, size_t key_len, struct si_error *err);

/* Frees what `r` holds and empties it. Accepts NULL. */
void si_certs_result_clear(struct si_certs_result *r);

/* A certificate and its private key (PKCS#8), both PEM, NUL-terminated,
 * owned by the struct: free with si_cert_pair_clear(). */
struct si_cert_pair {
	char *cert, *key;
	size_t cert_len, key_len;  /* strlen of each */
};

/* Frees what `p` holds (wiping the key) and empties it. Accepts NULL. */
void si_cert_pair_clear(struct si_cert_pair *p);

/* Makes in memory an ECDSA P-256 CA "security-inspector-ca" valid from 5
 * minutes ago (for clocks that run behind) until `seconds` from now. A
 * validity outside 1..SI_CERTS_MAX_SECONDS is SI_ERR_USAGE. On failure
 * `out` is left empty. */
si_rc si_certs_new_ca(long long seconds, struct si_cert_pair *out, struct si_error *err);

/* Makes in memory an ECDSA P-256 serving certificate for the Service
 * `service` of `namespace` (the names and SANs of si_certs_make), signed by
 * `ca` (borrowed; its key must match its certificate: else SI_ERR_INVALID),
 * valid from 5 minutes ago until `seconds` from now but never beyond the
 * CA's notAfter. A service or namespace that is not a DNS-1123 label, or a
 * validity outside 1..SI_CERTS_MAX_SECONDS, is SI_ERR_USAGE; a CA that does
 * not parse is SI_ERR_SYNTAX with err->key "certificate" or "key". On
 * failure `out` is left empty. */
si_rc si_certs_new_serving(const char *service, const char *namespace, long long seconds,
			   const struct si_cert_pair *ca, struct si_cert_pair *out,
			   struct si_error *err);

/* One certificate of a PEM bundle. */
struct si_cert_entry {
	size_t offset, length;     /* its PEM block, BEGIN to END line, in the bundle */
	time_t not_before, not_after;
	bool is_ca;                /* basicConstraints CA:TRUE */
	bool issued_by;            /* names the given issuer and carries its signature */
	char fingerprint[65];      /* SHA-256 of the DER form, lowercase hex */
	char serial[65];           /* lowercase hex */
	char subject_cn[64];       /* "" without a CN; cut when longer */
};

/* Reads each "CERTIFICATE" PEM block of `pem` (`len` bytes, borrowed; text
 * between blocks is skipped, as PEM allows) into `out[0..*n)`, which has
 * room for SI_CERTS_MAX_BUNDLE entries. When `issuer_pem` is not NULL, each
 * entry's issued_by says whether the first certificate of `issuer_pem`
 * (`issuer_len` bytes) signed it. No block at all gives *n = 0 and SI_OK.
 * Input over SI_CERTS_MAX_PEM, or more than SI_CERTS_MAX_BUNDLE blocks, is
 * SI_ERR_LIMIT; a block that does not parse is SI_ERR_SYNTAX (err->key
 * "bundle"), an issuer that does not parse SI_ERR_SYNTAX (err->key
 * "certificate"). On failure *n is 0. */
si_rc si_certs_parse_bundle(const char *pem, size_t len, const char *issuer_pem,
			    size_t issuer_len, struct si_cert_entry *out, size_t *n,
			    struct si_error *err);

#endif
