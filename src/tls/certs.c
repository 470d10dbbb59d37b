// SPDX-License-Identifier: Apache-2.0
// Makes the webhook's CA and serving certificate and checks a certificate and
// key pair; the only file that talks to OpenSSL.
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "security-inspector/certs.h"

#define CA_CN "security-inspector-ca"
#define DNS_LABEL_MAX 63
#define CN_MAX 64                    /* ub-common-name of RFC 5280 */
/* Lets a freshly made certificate work on a host whose clock runs behind. */
#define BACKDATE_SECONDS (5 * 60)
#define SERIAL_BITS 128
#define PATH_BYTES 4096

struct ext {
	int nid;
	const char *value;
};

static bool is_dns_label(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > DNS_LABEL_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (!alnum && (c != '-' || i == 0 || i == n - 1))
			return false;
	}
	return true;
}

/* Reports `what` with the reason of OpenSSL's last error, and empties
 * OpenSSL's error queue so that no stale error leaks into a later call. */
static si_rc ssl_fail(struct si_error *err, si_rc code, const char *file,
		      const char *what)
{
	const char *reason = NULL;
	unsigned long e = ERR_peek_last_error();

	if (e)
		reason = ERR_reason_error_string(e);
	if (reason)
		si_error_set(err, code, file, 0, "%s: %s", what, reason);
	else
		si_error_set(err, code, file, 0, "%s", what);
	ERR_clear_error();
	return code;
}

/* Names the input at fault in err->key (si_error_set clears it). */
static si_rc blame(struct si_error *err, const char *input, si_rc code)
{
	if (err)
		snprintf(err->key, sizeof(err->key), "%s", input);
	return code;
}

/* Never prompts on the terminal for the pass phrase of an encrypted key. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
	return -1;
}

static bool add_ext(X509 *cert, X509 *issuer, const struct ext *e)
{
	X509V3_CTX ctx;
	X509_EXTENSION *x;
	bool ok;

	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	x = X509V3_EXT_nconf_nid(NULL, &ctx, e->nid, e->value);
	ok = x && X509_add_ext(cert, x, -1) == 1;
	X509_EXTENSION_free(x);
	return ok;
}

static bool set_random_serial(X509 *cert)
{
	BIGNUM *bn = BN_new();
	bool ok = bn && BN_rand(bn, SERIAL_BITS, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1;

	/* A zero serial is not allowed; with 128 random bits it is theory only. */
	if (ok && BN_is_zero(bn))
		ok = BN_one(bn) == 1;
	ok = ok && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL;
	BN_free(bn);
	return ok;
}

/* A certificate for `key` named `cn`, signed by `issuer_key` of `issuer`
 * (NULL: self-signed), valid from 5 minutes ago for `seconds` seconds but
 * never beyond `issuer`'s notAfter. NULL on failure, with the reason in
 * OpenSSL's error queue. */
static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
		       long seconds, const struct ext *exts, size_t n_exts)
{
	X509 *cert = X509_new();
	X509_NAME *name;

	if (!cert)
		goto fail;
	name = X509_get_subject_name(cert);
	if (X509_set_version(cert, X509_VERSION_3) != 1 || !set_random_serial(cert) ||
	    !X509_gmtime_adj(X509_getm_notBefore(cert), -BACKDATE_SECONDS) ||
	    !X509_gmtime_adj(X509_getm_notAfter(cert), seconds) ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn,
				       -1, -1, 0) != 1 ||
	    X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name) != 1 ||
	    X509_set_pubkey(cert, key) != 1)
		goto fail;
	if (issuer && ASN1_TIME_compare(X509_get0_notAfter(cert), X509_get0_notAfter(issuer)) > 0 &&
	    X509_set1_notAfter(cert, X509_get0_notAfter(issuer)) != 1)
		goto fail;
	for (size_t i = 0; i < n_exts; i++)
		if (!add_ext(cert, issuer ? issuer : cert, &exts[i]))
			goto fail;
	if (X509_sign(cert, issuer_key, EVP_sha256()) <= 0)
		goto fail;
	return cert;
fail:
	X509_free(cert);
	return NULL;
}

/* The PEM form of `cert` or `key` (exactly one non-NULL) as a new
 * NUL-terminated string in `*out` (caller frees with free()). */
static si_rc to_pem(X509 *cert, EVP_PKEY *key, char **out, size_t *len, struct si_error *err)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data = NULL;
	long n;
	si_rc rc = SI_OK;

	if (!bio || (cert ? PEM_write_bio_X509(bio, cert) != 1
			  : PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) != 1)) {
		rc = ssl_fail(err, SI_ERR_NOMEM, NULL, "cannot encode PEM");
		goto out;
	}
	n = BIO_get_mem_data(bio, &data);
	if (n <= 0 || !(*out = malloc((size_t)n + 1))) {
		rc = si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
		goto out;
	}
	memcpy(*out, data, (size_t)n);
	(*out)[n] = '\0';
	*len = (size_t)n;
out:
	BIO_free(bio);
	return rc;
}

/* Encodes `cert` and `key` into `out`, which is left empty on failure. */
static si_rc pair_to_pem(X509 *cert, EVP_PKEY *key, struct si_cert_pair *out,
			 struct si_error *err)
{
	si_rc rc = to_pem(cert, NULL, &out->cert, &out->cert_len, err);
	if (!rc)
		rc = to_pem(NULL, key, &out->key, &out->key_len, err);
	if (rc)
		si_cert_pair_clear(out);
	return rc;
}

/* Makes a new ECDSA P-256 key and a certificate for it named `cn` (see
 * make_cert; `issuer` NULL: self-signed), both PEM in `out`, which is left
 * empty on failure. `what` names the certificate in messages. */
static si_rc issue(const char *cn, X509 *issuer, EVP_PKEY *issuer_key, long long seconds,
		   const struct ext *exts, size_t n_exts, const char *what,
		   struct si_cert_pair *out, struct si_error *err)
{
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	si_rc rc;

	*out = (struct si_cert_pair){ 0 };
	if (seconds < 1 || seconds > SI_CERTS_MAX_SECONDS) {
		rc = si_error_set(err, SI_ERR_USAGE, NULL, 0,
				  "a validity of 1 to %lld seconds is needed, got %lld",
				  SI_CERTS_MAX_SECONDS, seconds);
		goto out;
	}
	if (!(key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"))) {
		rc = ssl_fail(err, SI_ERR_NOMEM, NULL, "cannot make an ECDSA P-256 key");
		goto out;
	}
	if (!(cert = make_cert(key, cn, issuer, issuer ? issuer_key : key, (long)seconds, exts,
			       n_exts))) {
		rc = ssl_fail(err, SI_ERR_NOMEM, NULL, what);
		goto out;
	}
	rc = pair_to_pem(cert, key, out, err);
out:
	X509_free(cert);
	EVP_PKEY_free(key);
	ERR_clear_error();
	return rc;
}

si_rc si_certs_new_ca(long long seconds, struct si_cert_pair *out, struct si_error *err)
{
	static const struct ext ca_exts[] = {
		{ NID_basic_constraints, "critical,CA:TRUE" },
		{ NID_key_usage, "critical,keyCertSign,cRLSign" },
		{ NID_subject_key_identifier, "hash" },
	};
	return issue(CA_CN, NULL, NULL, seconds, ca_exts, sizeof(ca_exts) / sizeof(ca_exts[0]),
		     "cannot make the CA certificate", out, err);
}

static si_rc check_label(const char *what, const char *value, struct si_error *err)
{
	if (is_dns_label(value))
		return SI_OK;
	return si_error_set(err, SI_ERR_USAGE, NULL, 0,
			    "%s \"%.64s\" is not a DNS-1123 label (lowercase letters, "
			    "digits and '-', starting and ending with a letter or digit, "
			    "at most 63 characters)", what, value ? value : "");
}

/* Reads the first certificate of `pem` (`len` bytes) into `*cert`; on
 * failure SI_ERR_SYNTAX (SI_ERR_LIMIT over SI_CERTS_MAX_PEM) with err->key
 * "certificate". */
static si_rc read_cert(const char *pem, size_t len, X509 **cert, struct si_error *err)
{
	BIO *bio = NULL;

	*cert = NULL;
	if (len > SI_CERTS_MAX_PEM)
		return blame(err, "certificate",
			     si_error_set(err, SI_ERR_LIMIT, NULL, 0, "over the %d-byte limit",
					  SI_CERTS_MAX_PEM));
	if (pem && len && (bio = BIO_new_mem_buf(pem, (int)len)))
		*cert = PEM_read_bio_X509(bio, NULL, no_password, NULL);
	BIO_free(bio);
	if (!*cert)
		return blame(err, "certificate",
			     si_error_set(err, SI_ERR_SYNTAX, NULL, 0, "not a PEM certificate"));
	return SI_OK;
}

/* Reads the private key of `pem` (`len` bytes) into `*key`; on failure
 * SI_ERR_SYNTAX (SI_ERR_LIMIT over SI_CERTS_MAX_PEM) with err->key "key". */
static si_rc read_key(const char *pem, size_t len, EVP_PKEY **key, struct si_error *err)
{
	BIO *bio = NULL;

	*key = NULL;
	if (len > SI_CERTS_MAX_PEM)
		return blame(err, "key", si_error_set(err, SI_ERR_LIMIT, NULL, 0,
						      "over the %d-byte limit", SI_CERTS_MAX_PEM));
	if (pem && len && (bio = BIO_new_mem_buf(pem, (int)len)))
		*key = PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL);
	BIO_free(bio);
	if (!*key)
		return blame(err, "key",
			     si_error_set(err, SI_ERR_SYNTAX, NULL, 0,
					  "not a PEM private key (PKCS#8, EC or RSA, unencrypted)"));
	return SI_OK;
}

si_rc si_certs_new_serving(const char *service, const char *namespace, long long seconds,
			   const struct si_cert_pair *ca, struct si_cert_pair *out,
			   struct si_error *err)
{
	EVP_PKEY *ca_key = NULL;
	X509 *ca_cert = NULL;
	char cn[CN_MAX + 1], san[1024];
	si_rc rc;

	*out = (struct si_cert_pair){ 0 };
	if ((rc = check_label("service", service, err)) ||
	    (rc = check_label("namespace", namespace, err)) ||
	    (rc = read_cert(ca->cert, ca->cert_len, &ca_cert, err)) ||
	    (rc = read_key(ca->key, ca->key_len, &ca_key, err)))
		goto out;
	if (EVP_PKEY_eq(X509_get0_pubkey(ca_cert), ca_key) != 1) {
		rc = blame(err, "key", si_error_set(err, SI_ERR_INVALID, NULL, 0,
						    "the CA's key does not match its certificate"));
		goto out;
	}
	/* A CN holds at most 64 characters; clients match the SANs anyway. */
	if ((size_t)snprintf(cn, sizeof(cn), "%s.%s.svc", service, namespace) >= sizeof(cn))
		snprintf(cn, sizeof(cn), "%s", service);
	snprintf(san, sizeof(san),
		 "DNS:%s,DNS:%s.%s,DNS:%s.%s.svc,DNS:%s.%s.svc.cluster.local,"
		 "DNS:localhost,IP:127.0.0.1,IP:::1",
		 service, service, namespace, service, namespace, service, namespace);
	const struct ext tls_exts[] = {
		{ NID_basic_constraints, "critical,CA:FALSE" },
		{ NID_key_usage, "critical,digitalSignature" },
		{ NID_ext_key_usage, "serverAuth" },
		{ NID_subject_key_identifier, "hash" },
		{ NID_authority_key_identifier, "keyid:always" },
		{ NID_subject_alt_name, san },
	};
	rc = issue(cn, ca_cert, ca_key, seconds, tls_exts, sizeof(tls_exts) / sizeof(tls_exts[0]),
		   "cannot make the serving certificate", out, err);
out:
	X509_free(ca_cert);
	EVP_PKEY_free(ca_key);
	ERR_clear_error();
	return rc;
}

void si_cert_pair_clear(struct si_cert_pair *p)
{
	if (!p)
		return;
	free(p->cert);
	if (p->key)
		OPENSSL_cleanse(p->key, p->key_len);
	free(p->key);
	*p = (struct si_cert_pair){ 0 };
}

/* Creates `path` and its missing parents with mode 0755 (before umask). */
static si_rc make_dir(const char *path, struct si_error *err)
{
	char buf[PATH_BYTES];
	size_t n = strlen(path);
	struct stat st;

	if (n >= sizeof(buf))
		return si_error_set(err, SI_ERR_LIMIT, path, 0, "the folder name is too long");
	memcpy(buf, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return si_error_set(err, SI_ERR_IO, buf, 0, "cannot create the folder: %s",
					    strerror(errno));
		buf[i] = path[i];
	}
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return si_error_set(err, SI_ERR_IO, path, 0, "not a folder");
	return SI_OK;
}

/* Gives `fd` its mode, writes `len` bytes and flushes them to the disk;
 * false with errno set on failure. */
static bool write_fd(int fd, const char *data, size_t len, mode_t mode)
{
	if (fchmod(fd, mode) != 0)
		return false;
	for (size_t done = 0; done < len;) {
		ssize_t w = write(fd, data + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		done += (size_t)w;
	}
	return fsync(fd) == 0;
}

/* Writes `len` bytes to dir/name with `mode` through a temporary file in
 * `dir` and rename(), so that a reader (or a crash) never sees half a file. */
static si_rc write_atomic(const char *dir, const char *name, const char *data, size_t len,
			  mode_t mode, struct si_error *err)
{
	char tmp[PATH_BYTES], path[PATH_BYTES];
	si_rc rc = SI_OK;
	bool created = false;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name) >= sizeof(tmp)) {
		rc = si_error_set(err, SI_ERR_LIMIT, dir, 0, "the folder name is too long");
		goto out;
	}
	/* mkstemp() creates the file with mode 0600: a key is never readable by
	 * others, not even for a moment. */
	if ((fd = mkstemp(tmp)) < 0) {
		rc = si_error_set(err, SI_ERR_IO, path, 0, "cannot create a temporary file: %s",
				  strerror(errno));
		goto out;
	}
	created = true;
	if (!write_fd(fd, data, len, mode)) {
		int e = errno;
		close(fd);
		rc = si_error_set(err, SI_ERR_IO, path, 0, "cannot write: %s", strerror(e));
		goto out;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		rc = si_error_set(err, SI_ERR_IO, path, 0, "cannot write: %s", strerror(errno));
		goto out;
	}
	created = false;
out:
	if (created)
		unlink(tmp);
	return rc;
}

static si_rc base64_bundle(const char *pem, size_t len, struct si_certs_result *out,
			   struct si_error *err)
{
	size_t cap;
	int n;

	/* A PEM certificate is a few hundred bytes; far below INT_MAX. */
	if (len == 0 || len > SI_CERTS_MAX_PEM)
		return si_error_set(err, SI_ERR_INVALID, NULL, 0, "the CA certificate has no PEM form");
	cap = 4 * ((len + 2) / 3) + 1;
	if (!(out->ca_bundle = malloc(cap)))
		return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	n = EVP_EncodeBlock((unsigned char *)out->ca_bundle, (const unsigned char *)pem, (int)len);
	out->ca_bundle_len = n > 0 ? (size_t)n : 0;
	out->ca_bundle[out->ca_bundle_len] = '\0';
	return SI_OK;
}

si_rc si_certs_make(const struct si_certs_request *req, struct si_certs_result *out,
		    struct si_error *err)
{
	struct si_cert_pair ca = { 0 }, tls = { 0 };
	si_rc rc;
	int days;

	if (out)
		*out = (struct si_certs_result){ 0 };
	if (!req || !req->out_dir || !req->out_dir[0]) {
		rc = si_error_set(err, SI_ERR_USAGE, NULL, 0, "no output folder given");
		goto out;
	}
	if ((rc = check_label("service", req->service, err)) ||
	    (rc = check_label("namespace", req->namespace, err)))
		goto out;
	days = req->days ? req->days : SI_CERTS_DEFAULT_DAYS;
	if (days < 1 || days > SI_CERTS_MAX_DAYS) {
		rc = si_error_set(err, SI_ERR_USAGE, NULL, 0, "days must be 1 to %d, got %d",
				  SI_CERTS_MAX_DAYS, req->days);
		goto out;
	}
	if ((rc = si_certs_new_ca(days * 86400LL, &ca, err)) ||
	    (rc = si_certs_new_serving(req->service, req->namespace, days * 86400LL, &ca, &tls,
				       err)))
		goto out;
	if ((rc = make_dir(req->out_dir, err)) ||
	    (rc = write_atomic(req->out_dir, "ca.key", ca.key, ca.key_len, 0600, err)) ||
	    (rc = write_atomic(req->out_dir, "ca.crt", ca.cert, ca.cert_len, 0644, err)) ||
	    (rc = write_atomic(req->out_dir, "tls.key", tls.key, tls.key_len, 0600, err)) ||
	    (rc = write_atomic(req->out_dir, "tls.crt", tls.cert, tls.cert_len, 0644, err)))
		goto out;
	if (out && (rc = base64_bundle(ca.cert, ca.cert_len, out, err)))
		goto out;
	rc = SI_OK;
out:
	si_cert_pair_clear(&tls);
	si_cert_pair_clear(&ca);
	return rc;
}

void si_certs_result_clear(struct si_certs_result *r)
{
	if (!r)
		return;
	free(r->ca_bundle);
	*r = (struct si_certs_result){ 0 };
}

/* ---- checking a pair ------------------------------------------------- */

/* Seconds since the epoch of a UTC calendar time, without the process's
 * time zone (days_from_civil of the proleptic Gregorian calendar). */
static time_t utc_seconds(const struct tm *tm)
{
	long long m = tm->tm_mon + 1;
	long long y = tm->tm_year + 1900LL - (m <= 2);
	long long era = (y >= 0 ? y : y - 399) / 400;
	long long yoe = y - era * 400;
	long long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + tm->tm_mday - 1;
	long long days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;

	return (time_t)(days * 86400 + tm->tm_hour * 3600 + tm->tm_min * 60 + tm->tm_sec);
}

static void format_time(const ASN1_TIME *t, char *buf, size_t size)
{
	struct tm tm;

	if (!ASN1_TIME_to_tm(t, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, size, "(unreadable date)");
}

/* Appends `len` bytes of `s` to the NUL-terminated `buf`, control
 * characters shown as '?'; false (and `buf` unchanged) when it does not fit. */
static bool append_text(char *buf, size_t size, const char *sep, const unsigned char *s,
			size_t len)
{
	size_t used = strlen(buf), seplen = used ? strlen(sep) : 0;

	if (used + seplen + len >= size)
		return false;
	memcpy(buf + used, sep, seplen);
	used += seplen;
	for (size_t i = 0; i < len; i++)
		buf[used++] = (s[i] < 0x20 || s[i] == 0x7f) ? '?' : (char)s[i];
	buf[used] = '\0';
	return true;
}

static void fill_info(X509 *cert, struct si_cert_info *info)
{
	X509_NAME *name = X509_get_subject_name(cert);
	int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	GENERAL_NAMES *sans;
	struct tm tm;

	if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm))
		info->not_after = utc_seconds(&tm);
	if (i >= 0) {
		unsigned char *utf8 = NULL;
		int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
		if (n > 0 && (size_t)n >= sizeof(info->subject_cn))
			n = (int)sizeof(info->subject_cn) - 1;
		if (n > 0)
			append_text(info->subject_cn, sizeof(info->subject_cn), "", utf8, (size_t)n);
		OPENSSL_free(utf8);
	}
	sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (int k = 0; sans && k < sk_GENERAL_NAME_num(sans); k++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(sans, k);
		if (gn->type != GEN_DNS)
			continue;
		/* Whole names only: a list cut short reads better than a cut name. */
		if (!append_text(info->dns_names, sizeof(info->dns_names), ",",
				 ASN1_STRING_get0_data(gn->d.dNSName),
				 (size_t)ASN1_STRING_length(gn->d.dNSName)))
			break;
	}
	GENERAL_NAMES_free(sans);
}

si_rc si_certs_check(const char *cert_pem, size_t cert_len, const char *key_pem,
		     size_t key_len, struct si_cert_info *info, struct si_error *err)
{
	X509 *cert = NULL;
	EVP_PKEY *key = NULL;
	EVP_PKEY *pub;
	char when[64];
	si_rc rc = SI_OK;
	int cmp;

	if (info)
		*info = (struct si_cert_info){ 0 };
	if (cert_len > SI_CERTS_MAX_PEM || key_len > SI_CERTS_MAX_PEM) {
		rc = blame(err, cert_len > SI_CERTS_MAX_PEM ? "certificate" : "key",
			   si_error_set(err, SI_ERR_LIMIT, NULL, 0, "over the %d-byte limit",
					SI_CERTS_MAX_PEM));
		goto out;
	}
	if ((rc = read_cert(cert_pem, cert_len, &cert, err)))
		goto out;
	if (info)
		fill_info(cert, info);
	if ((rc = read_key(key_pem, key_len, &key, err)))
		goto out;
	pub = X509_get0_pubkey(cert);
	if (!pub || EVP_PKEY_eq(pub, key) != 1) {
		rc = blame(err, "key",
			   si_error_set(err, SI_ERR_INVALID, NULL, 0,
					"the private key does not match the certificate"));
		goto out;
	}
	cmp = X509_cmp_current_time(X509_get0_notAfter(cert));
	if (cmp <= 0) {
		format_time(X509_get0_notAfter(cert), when, sizeof(when));
		rc = blame(err, "certificate",
			   cmp == 0 ? si_error_set(err, SI_ERR_SYNTAX, NULL, 0,
						   "the certificate has a malformed expiry date")
				    : si_error_set(err, SI_ERR_INVALID, NULL, 0,
						   "the certificate expired on %s", when));
		goto out;
	}
	cmp = X509_cmp_current_time(X509_get0_notBefore(cert));
	if (cmp >= 0) {
		format_time(X509_get0_notBefore(cert), when, sizeof(when));
		rc = blame(err, "certificate",
			   cmp == 0 ? si_error_set(err, SI_ERR_SYNTAX, NULL, 0,
						   "the certificate has a malformed start date")
				    : si_error_set(err, SI_ERR_INVALID, NULL, 0,
						   "the certificate is not valid before %s", when));
		goto out;
	}
out:
	EVP_PKEY_free(key);
	X509_free(cert);
	ERR_clear_error();
	return rc;
}

/* ---- reading a bundle ------------------------------------------------ */

static time_t seconds_of(const ASN1_TIME *t)
{
	struct tm tm;
	return ASN1_TIME_to_tm(t, &tm) ? utc_seconds(&tm) : 0;
}

static void hex(const unsigned char *in, size_t n, char *out, size_t size)
{
	static const char digits[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < n && o + 2 < size; i++) {
		out[o++] = digits[in[i] >> 4];
		out[o++] = digits[in[i] & 15];
	}
	out[o] = '\0';
}

/* Fills `e` from `cert`; `issuer` (may be NULL) is the CA to test it against. */
static bool fill_entry(X509 *cert, X509 *issuer, struct si_cert_entry *e)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	const ASN1_INTEGER *serial = X509_get0_serialNumber(cert);
	struct si_cert_info info;

	if (X509_digest(cert, EVP_sha256(), md, &md_len) != 1)
		return false;
	hex(md, md_len, e->fingerprint, sizeof(e->fingerprint));
	hex(serial->data, (size_t)serial->length, e->serial, sizeof(e->serial));
	e->not_before = seconds_of(X509_get0_notBefore(cert));
	e->not_after = seconds_of(X509_get0_notAfter(cert));
	e->is_ca = X509_check_ca(cert) == 1;
	e->issued_by = issuer && X509_check_issued(issuer, cert) == X509_V_OK &&
		       X509_verify(cert, X509_get0_pubkey(issuer)) == 1;
	fill_info(cert, &info);
	snprintf(e->subject_cn, sizeof(e->subject_cn), "%s", info.subject_cn);
	return true;
}

/* The first occurrence of `needle` in the `len` bytes at `s`, or NULL. */
static const char *find(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; n <= len && i <= len - n; i++)
		if (memcmp(s + i, needle, n) == 0)
			return s + i;
	return NULL;
}

si_rc si_certs_parse_bundle(const char *pem, size_t len, const char *issuer_pem,
			    size_t issuer_len, struct si_cert_entry *out, size_t *n,
			    struct si_error *err)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	static const char end[] = "-----END CERTIFICATE-----";
	X509 *issuer = NULL, *cert = NULL;
	size_t at = 0;
	si_rc rc = SI_OK;

	*n = 0;
	if (len > SI_CERTS_MAX_PEM) {
		rc = blame(err, "bundle", si_error_set(err, SI_ERR_LIMIT, NULL, 0,
						       "over the %d-byte limit", SI_CERTS_MAX_PEM));
		goto out;
	}
	if (issuer_pem && (rc = read_cert(issuer_pem, issuer_len, &issuer, err)))
		goto out;
	while (pem && at < len) {
		const char *b = find(pem + at, len - at, begin), *e;
		if (!b)
			break;
		e = find(b, len - (size_t)(b - pem), end);
		if (!e) {
			rc = blame(err, "bundle", si_error_set(err, SI_ERR_SYNTAX, NULL, 0,
							       "certificate %zu has no END line",
							       *n + 1));
			goto out;
		}
		if (*n == SI_CERTS_MAX_BUNDLE) {
			rc = blame(err, "bundle", si_error_set(err, SI_ERR_LIMIT, NULL, 0,
							       "over %d certificates",
							       SI_CERTS_MAX_BUNDLE));
			goto out;
		}
		size_t span = (size_t)(e - b) + sizeof(end) - 1;
		if ((rc = read_cert(b, span, &cert, err))) {
			si_error_set(err, SI_ERR_SYNTAX, NULL, 0, "certificate %zu does not parse",
				     *n + 1);
			rc = blame(err, "bundle", SI_ERR_SYNTAX);
			goto out;
		}
		struct si_cert_entry *entry = &out[*n];
		*entry = (struct si_cert_entry){ .offset = (size_t)(b - pem), .length = span };
		if (!fill_entry(cert, issuer, entry)) {
			rc = ssl_fail(err, SI_ERR_NOMEM, NULL, "cannot read a certificate");
			goto out;
		}
		X509_free(cert);
		cert = NULL;
		(*n)++;
		at = entry->offset + span;
	}
out:
	if (rc)
		*n = 0;
	X509_free(cert);
	X509_free(issuer);
	ERR_clear_error();
	return rc;
}
