/* SPDX-License-Identifier: Apache-2.0 */
/* Certificates for the webhook: make a CA and a serving certificate for a
 * Service, and check a certificate and key pair before serving it. */
#ifndef SI_CERTS_H
#define SI_CERTS_H

#include <stddef.h>
#include <time.h>

#include "security-inspector/error.h"

#define SI_CERTS_DEFAULT_DAYS 365
#define SI_CERTS_MAX_DAYS 3650
/* Largest PEM input si_certs_check() accepts, per input. */
#define SI_CERTS_MAX_PEM (1024 * 1024)

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

/* Frees what `r` holds and empties it. Accepts NULL. */
void si_certs_result_clear(struct si_certs_result *r);

#endif
