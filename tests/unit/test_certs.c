// SPDX-License-Identifier: Apache-2.0
// si_certs_make and si_certs_check: the files, their modes, the CA bundle,
// and the answers for mismatched, garbled, expired and not-yet-valid pairs;
// the CA and serving certificate made in memory, and reading PEM bundles.
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "security-inspector/certs.h"

/*
 * The fixed pairs in data/ were made once with the openssl command line and
 * a minimal `openssl ca` configuration (database, new_certs_dir, serial,
 * policy commonName = supplied):
 *
 *   openssl ecparam -name prime256v1 -genkey -noout -out cert-expired.key
 *   openssl req -new -key cert-expired.key -subj /CN=expired.example -out e.csr
 *   openssl ca -batch -selfsign -keyfile cert-expired.key -in e.csr -notext \
 *       -startdate 20200101000000Z -enddate 20200102030405Z -out cert-expired.crt
 *
 *   openssl genrsa -traditional -out cert-future.key 2048
 *   openssl req -new -key cert-future.key -subj /CN=future.example -out f.csr
 *   openssl ca -batch -selfsign -keyfile cert-future.key -in f.csr -notext \
 *       -startdate 20990101000000Z -enddate 20991231000000Z -out cert-future.crt
 *
 * so the expired key is SEC1 ("EC PRIVATE KEY"), the future one a PKCS#1
 * RSA key, and the keys si_certs_make writes are PKCS#8: all three forms.
 */
#define EXPIRED_CRT "data/cert-expired.crt"
#define EXPIRED_KEY "data/cert-expired.key"
#define FUTURE_CRT "data/cert-future.crt"
#define FUTURE_KEY "data/cert-future.key"
#define EXPIRED_NOT_AFTER ((time_t)1577934245)   /* 2020-01-02 03:04:05 UTC */
#define FUTURE_NOT_AFTER ((time_t)4102358400)    /* 2099-12-31 00:00:00 UTC */
#define DAY 86400

/* ---- helpers ---------------------------------------------------------- */

struct scratch {
	char dir[64];      /* from mkdtemp */
	char out[96];      /* dir/out: not made yet, si_certs_make creates it */
	char ca_crt[128], ca_key[128], tls_crt[128], tls_key[128];
};

static int scratch_setup(void **state)
{
	struct scratch *s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	snprintf(s->dir, sizeof(s->dir), "/tmp/si-certs-XXXXXX");
	if (!mkdtemp(s->dir)) {
		free(s);
		return -1;
	}
	snprintf(s->out, sizeof(s->out), "%s/out", s->dir);
	snprintf(s->ca_crt, sizeof(s->ca_crt), "%s/ca.crt", s->out);
	snprintf(s->ca_key, sizeof(s->ca_key), "%s/ca.key", s->out);
	snprintf(s->tls_crt, sizeof(s->tls_crt), "%s/tls.crt", s->out);
	snprintf(s->tls_key, sizeof(s->tls_key), "%s/tls.key", s->out);
	/* Modes are checked exactly: the usual umask, whatever the caller's. */
	umask(022);
	*state = s;
	return 0;
}

static int scratch_teardown(void **state)
{
	struct scratch *s = *state;
	unlink(s->ca_crt);
	unlink(s->ca_key);
	unlink(s->tls_crt);
	unlink(s->tls_key);
	rmdir(s->out);
	rmdir(s->dir);
	free(s);
	return 0;
}

/* How many entries `dir` holds besides "." and "..". */
static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;
	if (!d)
		fail_msg("cannot list %s", dir);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* The whole file, NUL-terminated; caller frees. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n = 0;
	if (!f)
		fail_msg("cannot open %s", path);
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    !(buf = malloc((size_t)n + 1)) || fread(buf, 1, (size_t)n, f) != (size_t)n)
		fail_msg("cannot read %s", path);
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

static void make_ok(const struct scratch *s, const char *service, const char *ns, int days,
		    struct si_certs_result *res)
{
	struct si_certs_request req = { service, ns, s->out, days };
	struct si_error err = { 0 };
	si_rc rc = si_certs_make(&req, res, &err);
	if (rc != SI_OK)
		fail_msg("si_certs_make: %d %s: %s", rc, err.file, err.message);
}

/* si_certs_check on two files. */
static si_rc check_files(const char *crt, const char *key, struct si_cert_info *info,
			 struct si_error *err)
{
	size_t crt_len, key_len;
	char *c = slurp(crt, &crt_len), *k = slurp(key, &key_len);
	memset(err, 0, sizeof(*err));
	si_rc rc = si_certs_check(c, crt_len, k, key_len, info, err);
	free(c);
	free(k);
	return rc;
}

static int b64_value(char c)
{
	const char *alphabet =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(alphabet, c) : NULL;
	return p ? (int)(p - alphabet) : -1;
}

/* Strict decoder: length a multiple of 4, '=' only as padding at the end,
 * nothing else (no newlines). Returns the byte count, or -1. */
static long b64_decode(const char *in, unsigned char *out, size_t cap)
{
	size_t n = strlen(in), o = 0;
	if (n % 4)
		return -1;
	for (size_t i = 0; i < n; i += 4) {
		int v[4], pad = 0;
		for (int j = 0; j < 4; j++) {
			if (in[i + j] == '=' && i + 4 == n && j >= 2) {
				v[j] = 0;
				pad++;
			} else if (pad || (v[j] = b64_value(in[i + j])) < 0) {
				return -1;
			}
		}
		unsigned long w = (unsigned long)v[0] << 18 | (unsigned long)v[1] << 12 |
				  (unsigned long)v[2] << 6 | (unsigned long)v[3];
		if (o + 3 - (size_t)pad > cap)
			return -1;
		out[o++] = (unsigned char)(w >> 16);
		if (pad < 2)
			out[o++] = (unsigned char)(w >> 8);
		if (pad < 1)
			out[o++] = (unsigned char)w;
	}
	return (long)o;
}

static mode_t mode_of(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		fail_msg("%s does not exist", path);
	return st.st_mode & 07777;
}

/* ---- making ----------------------------------------------------------- */

static void test_make_creates_the_folder_and_four_pem_files(void **state)
{
	struct scratch *s = *state;
	struct si_certs_result res = { 0 };
	make_ok(s, "web", "prod", 30, &res);
	assert_int_equal(mode_of(s->out), 0755);
	const char *paths[] = { s->ca_crt, s->ca_key, s->tls_crt, s->tls_key };
	const char *heads[] = { "-----BEGIN CERTIFICATE-----", "-----BEGIN PRIVATE KEY-----",
				"-----BEGIN CERTIFICATE-----", "-----BEGIN PRIVATE KEY-----" };
	for (size_t i = 0; i < 4; i++) {
		size_t len;
		char *pem = slurp(paths[i], &len);
		if (strncmp(pem, heads[i], strlen(heads[i])) != 0)
			fail_msg("%s does not start with %s", paths[i], heads[i]);
		free(pem);
	}
	si_certs_result_clear(&res);
}

static void test_private_keys_are_mode_0600_and_certificates_0644(void **state)
{
	struct scratch *s = *state;
	struct si_certs_result res = { 0 };
	make_ok(s, "web", "prod", 30, &res);
	assert_int_equal(mode_of(s->ca_key), 0600);
	assert_int_equal(mode_of(s->tls_key), 0600);
	assert_int_equal(mode_of(s->ca_crt), 0644);
	assert_int_equal(mode_of(s->tls_crt), 0644);
	si_certs_result_clear(&res);
}

static void test_make_leaves_no_temporary_files_behind(void **state)
{
	struct scratch *s = *state;
	struct si_certs_result res = { 0 };
	make_ok(s, "web", "prod", 30, &res);
	si_certs_result_clear(&res);
	/* Again over the existing files: rename() replaces them. */
	make_ok(s, "web", "prod", 30, &res);
	si_certs_result_clear(&res);
	assert_int_equal(count_entries(s->out), 4);
	assert_int_equal(mode_of(s->ca_key), 0600);
	assert_int_equal(mode_of(s->tls_key), 0600);
}

static void test_ca_bundle_is_one_base64_line_of_ca_crt(void **state)
{
	struct scratch *s = *state;
	struct si_certs_result res = { 0 };
	make_ok(s, "web", "prod", 30, &res);
	assert_non_null(res.ca_bundle);
	assert_int_equal(strlen(res.ca_bundle), res.ca_bundle_len);
	assert_null(strchr(res.ca_bundle, '\n'));
	size_t len;
	char *pem = slurp(s->ca_crt, &len);
	unsigned char *raw = malloc(res.ca_bundle_len);
	assert_non_null(raw);
	long n = b64_decode(res.ca_bundle, raw, res.ca_bundle_len);
	assert_int_equal(n, (long)len);
	assert_memory_equal(raw, pem, len);
	free(raw);
	free(pem);
	si_certs_result_clear(&res);
	assert_null(res.ca_bundle);
	assert_int_equal(res.ca_bundle_len, 0);
}

static void test_each_make_draws_a_new_ca(void **state)
{
	struct scratch *s = *state;
	struct si_certs_result a = { 0 }, b = { 0 };
	make_ok(s, "web", "prod", 30, &a);
	make_ok(s, "web", "prod", 30, &b);
	assert_string_not_equal(a.ca_bundle, b.ca_bundle);
	si_certs_result_clear(&a);
	si_certs_result_clear(&b);
}

static void test_serving_pair_passes_the_check_with_cn_and_dns_names(void **state)
{
	struct scratch *s = *state;
	struct si_certs_result res = { 0 };
	struct si_cert_info info;
	struct si_error err;
	make_ok(s, "web", "prod", 30, &res);
	time_t now = time(NULL);
	si_rc rc = check_files(s->tls_crt, s->tls_key, &info, &err);
	if (rc != SI_OK)
		fail_msg("check: %d %s", rc, err.message);
	assert_string_equal(info.subject_cn, "web.prod.svc");
	assert_string_equal(info.dns_names,
			    "web,web.prod,web.prod.svc,web.prod.svc.cluster.local,localhost");
	assert_in_range(info.not_after, now + 30 * DAY - 60, now + 30 * DAY + 60);
	si_certs_result_clear(&res);
}

static void test_ca_pair_passes_the_check_as_security_inspector_ca(void **state)
{
	struct scratch *s = *state;
	struct si_certs_result res = { 0 };
	struct si_cert_info info;
	struct si_error err;
	make_ok(s, "web", "prod", 30, &res);
	assert_int_equal(check_files(s->ca_crt, s->ca_key, &info, &err), SI_OK);
	assert_string_equal(info.subject_cn, "security-inspector-ca");
	assert_string_equal(info.dns_names, "");
	si_certs_result_clear(&res);
}

static void test_days_zero_means_365(void **state)
{
	struct scratch *s = *state;
	struct si_certs_result res = { 0 };
	struct si_cert_info info;
	struct si_error err;
	make_ok(s, "security-inspector", "security-inspector", 0, &res);
	time_t now = time(NULL);
	assert_int_equal(check_files(s->tls_crt, s->tls_key, &info, &err), SI_OK);
	assert_in_range(info.not_after, now + 365 * DAY - 60, now + 365 * DAY + 60);
	assert_string_equal(info.subject_cn, "security-inspector.security-inspector.svc");
	si_certs_result_clear(&res);
}

static void test_longest_labels_are_accepted_with_a_short_cn(void **state)
{
	struct scratch *s = *state;
	struct si_certs_result res = { 0 };
	struct si_cert_info info;
	struct si_error err;
	char label[64];
	memset(label, 'a', 63);
	label[62] = '9';
	label[63] = '\0';
	make_ok(s, label, label, 1, &res);
	assert_int_equal(check_files(s->tls_crt, s->tls_key, &info, &err), SI_OK);
	/* label.label.svc is over the 64 characters a CN may hold. */
	assert_string_equal(info.subject_cn, label);
	assert_non_null(strstr(info.dns_names, ".svc.cluster.local,localhost"));
	si_certs_result_clear(&res);
}

static void assert_make_usage_error(const struct scratch *s, const char *service,
				    const char *ns, int days, const char *word)
{
	struct si_certs_request req = { service, ns, s->out, days };
	struct si_certs_result res = { (char *)&res, 1 };
	struct si_error err = { 0 };
	assert_int_equal(si_certs_make(&req, &res, &err), SI_ERR_USAGE);
	assert_int_equal(err.code, SI_ERR_USAGE);
	if (!strstr(err.message, word))
		fail_msg("expected \"%s\" in: %s", word, err.message);
	assert_null(res.ca_bundle);
	/* Nothing is written for a refused request. */
	assert_int_not_equal(access(s->out, F_OK), 0);
}

static void test_service_that_is_not_a_dns_label_is_a_usage_error(void **state)
{
	struct scratch *s = *state;
	char long_label[65];
	memset(long_label, 'a', 64);
	long_label[64] = '\0';
	const char *bad[] = { "", "Web", "web_hook", "-web", "web-", "web.hook", "wéb", long_label };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_make_usage_error(s, bad[i], "prod", 0, "service");
	assert_make_usage_error(s, NULL, "prod", 0, "service");
}

static void test_namespace_that_is_not_a_dns_label_is_a_usage_error(void **state)
{
	struct scratch *s = *state;
	const char *bad[] = { "", "Prod", "prod_1", "-prod", "prod-", "kube.system" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_make_usage_error(s, "web", bad[i], 0, "namespace");
}

static void test_days_out_of_range_is_a_usage_error(void **state)
{
	struct scratch *s = *state;
	assert_make_usage_error(s, "web", "prod", -1, "days");
	assert_make_usage_error(s, "web", "prod", SI_CERTS_MAX_DAYS + 1, "days");
}

static void test_out_dir_that_is_a_file_is_an_io_error_naming_it(void **state)
{
	struct scratch *s = *state;
	FILE *f = fopen(s->out, "w");
	assert_non_null(f);
	fclose(f);
	struct si_certs_request req = { "web", "prod", s->out, 0 };
	struct si_certs_result res = { 0 };
	struct si_error err = { 0 };
	assert_int_equal(si_certs_make(&req, &res, &err), SI_ERR_IO);
	assert_string_equal(err.file, s->out);
	assert_null(res.ca_bundle);
	unlink(s->out);
}

static void test_result_clear_accepts_null_and_an_empty_result(void **state)
{
	struct si_certs_result res = { 0 };
	si_certs_result_clear(NULL);
	si_certs_result_clear(&res);
	si_certs_result_clear(&res);
	assert_null(res.ca_bundle);
}

/* ---- checking --------------------------------------------------------- */

static void test_key_of_another_certificate_does_not_match(void **state)
{
	struct scratch *s = *state;
	struct si_certs_result res = { 0 };
	struct si_error err;
	make_ok(s, "web", "prod", 30, &res);
	assert_int_equal(check_files(s->tls_crt, s->ca_key, NULL, &err), SI_ERR_INVALID);
	assert_string_equal(err.message, "the private key does not match the certificate");
	assert_string_equal(err.key, "key");
	assert_string_equal(err.file, "");
	/* A key of the same type from elsewhere is no match either. */
	assert_int_equal(check_files(s->tls_crt, EXPIRED_KEY, NULL, &err), SI_ERR_INVALID);
	assert_non_null(strstr(err.message, "does not match"));
	si_certs_result_clear(&res);
}

static void test_first_certificate_of_a_chain_is_checked(void **state)
{
	struct scratch *s = *state;
	struct si_certs_result res = { 0 };
	struct si_cert_info info;
	struct si_error err = { 0 };
	size_t tls_len, ca_len, key_len;
	make_ok(s, "web", "prod", 30, &res);
	char *tls = slurp(s->tls_crt, &tls_len);
	char *ca = slurp(s->ca_crt, &ca_len);
	char *key = slurp(s->tls_key, &key_len);
	char *chain = malloc(tls_len + ca_len);
	assert_non_null(chain);
	memcpy(chain, tls, tls_len);
	memcpy(chain + tls_len, ca, ca_len);
	assert_int_equal(si_certs_check(chain, tls_len + ca_len, key, key_len, &info, &err), SI_OK);
	assert_string_equal(info.subject_cn, "web.prod.svc");
	free(chain);
	free(key);
	free(ca);
	free(tls);
	si_certs_result_clear(&res);
}

static void test_garbage_certificate_is_a_syntax_error(void **state)
{
	struct scratch *s = *state;
	struct si_certs_result res = { 0 };
	struct si_error err = { 0 };
	size_t key_len;
	make_ok(s, "web", "prod", 30, &res);
	char *key = slurp(s->tls_key, &key_len);
	const char *bad[] = {
		"not a certificate at all\n",
		"-----BEGIN CERTIFICATE-----\nbm90IGRlcg==\n-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\nMIIB\n",
		"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(si_certs_check(bad[i], strlen(bad[i]), key, key_len, NULL, &err),
				 SI_ERR_SYNTAX);
		assert_string_equal(err.message, "not a PEM certificate");
		assert_string_equal(err.key, "certificate");
		assert_string_equal(err.file, "");
	}
	/* The key alone is no certificate. */
	assert_int_equal(si_certs_check(key, key_len, key, key_len, NULL, &err), SI_ERR_SYNTAX);
	assert_int_equal(si_certs_check(NULL, 0, key, key_len, NULL, &err), SI_ERR_SYNTAX);
	free(key);
	si_certs_result_clear(&res);
}

static void test_garbage_key_is_a_syntax_error_about_the_key(void **state)
{
	struct scratch *s = *state;
	struct si_certs_result res = { 0 };
	struct si_cert_info info;
	struct si_error err = { 0 };
	size_t crt_len;
	make_ok(s, "web", "prod", 30, &res);
	char *crt = slurp(s->tls_crt, &crt_len);
	const char *bad = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
	assert_int_equal(si_certs_check(crt, crt_len, bad, strlen(bad), &info, &err), SI_ERR_SYNTAX);
	assert_string_equal(err.key, "key");
	assert_non_null(strstr(err.message, "private key"));
	/* The certificate parsed, so its details are there for the message. */
	assert_string_equal(info.subject_cn, "web.prod.svc");
	assert_int_equal(si_certs_check(crt, crt_len, crt, crt_len, NULL, &err), SI_ERR_SYNTAX);
	assert_string_equal(err.key, "key");
	free(crt);
	si_certs_result_clear(&res);
}

static void test_input_over_the_limit_is_refused_unread(void **state)
{
	struct si_error err = { 0 };
	char *big = calloc(1, SI_CERTS_MAX_PEM + 1);
	assert_non_null(big);
	assert_int_equal(si_certs_check(big, SI_CERTS_MAX_PEM + 1, "k", 1, NULL, &err),
			 SI_ERR_LIMIT);
	assert_string_equal(err.key, "certificate");
	assert_int_equal(si_certs_check("c", 1, big, SI_CERTS_MAX_PEM + 1, NULL, &err),
			 SI_ERR_LIMIT);
	assert_string_equal(err.key, "key");
	free(big);
}

static void test_expired_certificate_is_invalid_with_its_date(void **state)
{
	struct si_cert_info info;
	struct si_error err;
	assert_int_equal(check_files(EXPIRED_CRT, EXPIRED_KEY, &info, &err), SI_ERR_INVALID);
	assert_string_equal(err.message, "the certificate expired on 2020-01-02 03:04:05 UTC");
	assert_string_equal(err.key, "certificate");
	assert_string_equal(err.file, "");
	assert_int_equal(info.not_after, EXPIRED_NOT_AFTER);
	assert_string_equal(info.subject_cn, "expired.example");
}

static void test_certificate_not_yet_valid_is_invalid_with_its_date(void **state)
{
	struct si_cert_info info;
	struct si_error err;
	assert_int_equal(check_files(FUTURE_CRT, FUTURE_KEY, &info, &err), SI_ERR_INVALID);
	assert_string_equal(err.message,
			    "the certificate is not valid before 2099-01-01 00:00:00 UTC");
	assert_string_equal(err.key, "certificate");
	assert_int_equal(info.not_after, FUTURE_NOT_AFTER);
	assert_string_equal(info.subject_cn, "future.example");
}

static void test_mismatch_is_reported_before_expiry(void **state)
{
	struct si_error err;
	assert_int_equal(check_files(EXPIRED_CRT, FUTURE_KEY, NULL, &err), SI_ERR_INVALID);
	assert_non_null(strstr(err.message, "does not match"));
}

/* ---- in memory: CA, serving certificate, bundles ----------------------- */

static void new_ca_ok(long long seconds, struct si_cert_pair *ca)
{
	struct si_error err = { 0 };
	if (si_certs_new_ca(seconds, ca, &err) != SI_OK)
		fail_msg("si_certs_new_ca: %s", err.message);
}

static void new_serving_ok(const struct si_cert_pair *ca, long long seconds,
			   struct si_cert_pair *tls)
{
	struct si_error err = { 0 };
	if (si_certs_new_serving("web", "prod", seconds, ca, tls, &err) != SI_OK)
		fail_msg("si_certs_new_serving: %s", err.message);
}

/* The one entry of `pem`, checked against `issuer` (may be NULL). */
static struct si_cert_entry only_entry(const char *pem, const struct si_cert_pair *issuer)
{
	struct si_cert_entry e[SI_CERTS_MAX_BUNDLE];
	struct si_error err = { 0 };
	size_t n = 0;
	assert_int_equal(si_certs_parse_bundle(pem, strlen(pem), issuer ? issuer->cert : NULL,
					       issuer ? issuer->cert_len : 0, e, &n, &err), SI_OK);
	assert_int_equal(n, 1);
	return e[0];
}

static void test_new_ca_is_a_ca_valid_for_the_seconds_asked(void **state)
{
	struct si_cert_pair ca;
	struct si_cert_info info;
	struct si_error err = { 0 };
	time_t now = time(NULL);

	new_ca_ok(3600, &ca);
	assert_int_equal(si_certs_check(ca.cert, ca.cert_len, ca.key, ca.key_len, &info, &err), SI_OK);
	assert_string_equal(info.subject_cn, "security-inspector-ca");
	struct si_cert_entry e = only_entry(ca.cert, &ca);
	assert_true(e.is_ca);
	assert_true(e.issued_by);   /* self-signed */
	assert_in_range(e.not_after, now + 3600 - 2, now + 3600 + 2);
	assert_in_range(e.not_before, now - 300 - 2, now - 300 + 2);
	assert_non_null(strstr(ca.key, "-----BEGIN PRIVATE KEY-----"));
	assert_int_equal(strlen(ca.cert), ca.cert_len);
	assert_int_equal(strlen(ca.key), ca.key_len);
	si_cert_pair_clear(&ca);
}

static void test_one_second_ca_expires_after_a_second(void **state)
{
	struct si_cert_pair ca;
	struct si_error err = { 0 };

	new_ca_ok(1, &ca);
	assert_int_equal(si_certs_check(ca.cert, ca.cert_len, ca.key, ca.key_len, NULL, &err), SI_OK);
	sleep(2);
	assert_int_equal(si_certs_check(ca.cert, ca.cert_len, ca.key, ca.key_len, NULL, &err),
			 SI_ERR_INVALID);
	assert_non_null(strstr(err.message, "expired"));
	si_cert_pair_clear(&ca);
}

static void test_serving_is_issued_by_its_ca_with_the_service_names(void **state)
{
	struct si_cert_pair ca, other, tls;
	struct si_cert_info info;
	struct si_error err = { 0 };
	time_t now = time(NULL);

	new_ca_ok(3600, &ca);
	new_ca_ok(3600, &other);
	new_serving_ok(&ca, 24, &tls);
	assert_int_equal(si_certs_check(tls.cert, tls.cert_len, tls.key, tls.key_len, &info, &err),
			 SI_OK);
	assert_string_equal(info.subject_cn, "web.prod.svc");
	assert_string_equal(info.dns_names,
			    "web,web.prod,web.prod.svc,web.prod.svc.cluster.local,localhost");
	struct si_cert_entry e = only_entry(tls.cert, &ca);
	assert_true(e.issued_by);
	assert_false(e.is_ca);
	assert_in_range(e.not_after, now + 24 - 2, now + 24 + 2);
	assert_false(only_entry(tls.cert, &other).issued_by);
	si_cert_pair_clear(&tls);
	si_cert_pair_clear(&other);
	si_cert_pair_clear(&ca);
}

static void test_serving_never_outlives_its_ca(void **state)
{
	struct si_cert_pair ca, tls;

	new_ca_ok(10, &ca);
	new_serving_ok(&ca, 90 * DAY, &tls);
	assert_int_equal(only_entry(tls.cert, NULL).not_after, only_entry(ca.cert, NULL).not_after);
	si_cert_pair_clear(&tls);
	si_cert_pair_clear(&ca);
}

static void test_serving_with_a_key_of_another_ca_is_invalid(void **state)
{
	struct si_cert_pair a, b, tls;
	struct si_error err = { 0 };

	new_ca_ok(60, &a);
	new_ca_ok(60, &b);
	struct si_cert_pair mixed = { a.cert, b.key, a.cert_len, b.key_len };
	assert_int_equal(si_certs_new_serving("web", "prod", 60, &mixed, &tls, &err), SI_ERR_INVALID);
	assert_null(tls.cert);
	assert_null(tls.key);
	assert_string_equal(err.key, "key");
	si_cert_pair_clear(&b);
	si_cert_pair_clear(&a);
}

static void test_serving_bad_names_and_validities_are_usage_errors(void **state)
{
	struct si_cert_pair ca, tls;
	struct si_error err = { 0 };

	new_ca_ok(60, &ca);
	assert_int_equal(si_certs_new_serving("Web", "prod", 60, &ca, &tls, &err), SI_ERR_USAGE);
	assert_int_equal(si_certs_new_serving("web", "a.b", 60, &ca, &tls, &err), SI_ERR_USAGE);
	assert_int_equal(si_certs_new_serving("web", "prod", 0, &ca, &tls, &err), SI_ERR_USAGE);
	assert_int_equal(si_certs_new_serving("web", "prod", SI_CERTS_MAX_SECONDS + 1, &ca, &tls,
					      &err), SI_ERR_USAGE);
	assert_int_equal(si_certs_new_ca(0, &tls, &err), SI_ERR_USAGE);
	assert_int_equal(si_certs_new_ca(-5, &tls, &err), SI_ERR_USAGE);
	struct si_cert_pair garbled = { "not pem", ca.key, 7, ca.key_len };
	assert_int_equal(si_certs_new_serving("web", "prod", 60, &garbled, &tls, &err),
			 SI_ERR_SYNTAX);
	assert_string_equal(err.key, "certificate");
	si_cert_pair_clear(&ca);
	si_cert_pair_clear(NULL);
}

static void test_bundle_entries_keep_their_order_and_pem_spans(void **state)
{
	struct si_cert_pair a, b;
	struct si_cert_entry e[SI_CERTS_MAX_BUNDLE];
	struct si_error err = { 0 };
	char bundle[8192];
	size_t n = 0;

	new_ca_ok(120, &a);
	new_ca_ok(60, &b);
	snprintf(bundle, sizeof(bundle), "# newest first\n%sbetween\n%s", b.cert, a.cert);
	assert_int_equal(si_certs_parse_bundle(bundle, strlen(bundle), a.cert, a.cert_len, e, &n,
					       &err), SI_OK);
	assert_int_equal(n, 2);
	assert_false(e[0].issued_by);
	assert_true(e[1].issued_by);
	assert_true(e[0].not_after < e[1].not_after);
	assert_string_not_equal(e[0].fingerprint, e[1].fingerprint);
	assert_int_equal(strlen(e[0].fingerprint), 64);
	assert_int_equal(e[0].length, b.cert_len - 1);   /* without the final newline */
	assert_memory_equal(bundle + e[0].offset, b.cert, e[0].length);
	assert_memory_equal(bundle + e[1].offset, a.cert, e[1].length);
	si_cert_pair_clear(&b);
	si_cert_pair_clear(&a);
}

static void test_bundle_without_blocks_is_empty(void **state)
{
	struct si_cert_entry e[SI_CERTS_MAX_BUNDLE];
	struct si_error err = { 0 };
	size_t n = 7;
	assert_int_equal(si_certs_parse_bundle("", 0, NULL, 0, e, &n, &err), SI_OK);
	assert_int_equal(n, 0);
	assert_int_equal(si_certs_parse_bundle(NULL, 0, NULL, 0, e, &n, &err), SI_OK);
	assert_int_equal(n, 0);
}

static void test_bundle_over_eight_certificates_is_refused(void **state)
{
	struct si_cert_pair ca;
	struct si_cert_entry e[SI_CERTS_MAX_BUNDLE];
	struct si_error err = { 0 };
	size_t n = 0, used = 0;
	char *bundle;

	new_ca_ok(60, &ca);
	bundle = malloc((SI_CERTS_MAX_BUNDLE + 1) * ca.cert_len + 1);
	assert_non_null(bundle);
	for (int i = 0; i < SI_CERTS_MAX_BUNDLE; i++, used += ca.cert_len)
		memcpy(bundle + used, ca.cert, ca.cert_len);
	assert_int_equal(si_certs_parse_bundle(bundle, used, NULL, 0, e, &n, &err), SI_OK);
	assert_int_equal(n, SI_CERTS_MAX_BUNDLE);
	memcpy(bundle + used, ca.cert, ca.cert_len);
	used += ca.cert_len;
	assert_int_equal(si_certs_parse_bundle(bundle, used, NULL, 0, e, &n, &err), SI_ERR_LIMIT);
	assert_int_equal(n, 0);
	assert_int_equal(si_certs_parse_bundle(bundle, SI_CERTS_MAX_PEM + 1, NULL, 0, e, &n, &err),
			 SI_ERR_LIMIT);
	free(bundle);
	si_cert_pair_clear(&ca);
}

static void test_bundle_with_a_garbled_or_unended_block_is_a_syntax_error(void **state)
{
	static const char garbled[] =
		"-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n";
	static const char unended[] = "-----BEGIN CERTIFICATE-----\nMIIB\n";
	struct si_cert_entry e[SI_CERTS_MAX_BUNDLE];
	struct si_error err = { 0 };
	size_t n = 0;

	assert_int_equal(si_certs_parse_bundle(garbled, strlen(garbled), NULL, 0, e, &n, &err),
			 SI_ERR_SYNTAX);
	assert_string_equal(err.key, "bundle");
	assert_int_equal(si_certs_parse_bundle(unended, strlen(unended), NULL, 0, e, &n, &err),
			 SI_ERR_SYNTAX);
	assert_non_null(strstr(err.message, "END"));
	assert_int_equal(si_certs_parse_bundle(unended, strlen(unended), "x", 1, e, &n, &err),
			 SI_ERR_SYNTAX);
	assert_string_equal(err.key, "certificate");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, scratch_setup, scratch_teardown)
	const struct CMUnitTest tests[] = {
		T(test_make_creates_the_folder_and_four_pem_files),
		T(test_private_keys_are_mode_0600_and_certificates_0644),
		T(test_make_leaves_no_temporary_files_behind),
		T(test_ca_bundle_is_one_base64_line_of_ca_crt),
		T(test_each_make_draws_a_new_ca),
		T(test_serving_pair_passes_the_check_with_cn_and_dns_names),
		T(test_ca_pair_passes_the_check_as_security_inspector_ca),
		T(test_days_zero_means_365),
		T(test_longest_labels_are_accepted_with_a_short_cn),
		T(test_service_that_is_not_a_dns_label_is_a_usage_error),
		T(test_namespace_that_is_not_a_dns_label_is_a_usage_error),
		T(test_days_out_of_range_is_a_usage_error),
		T(test_out_dir_that_is_a_file_is_an_io_error_naming_it),
		T(test_result_clear_accepts_null_and_an_empty_result),
		T(test_key_of_another_certificate_does_not_match),
		T(test_first_certificate_of_a_chain_is_checked),
		T(test_garbage_certificate_is_a_syntax_error),
		T(test_garbage_key_is_a_syntax_error_about_the_key),
		T(test_input_over_the_limit_is_refused_unread),
		T(test_expired_certificate_is_invalid_with_its_date),
		T(test_certificate_not_yet_valid_is_invalid_with_its_date),
		T(test_mismatch_is_reported_before_expiry),
		cmocka_unit_test(test_new_ca_is_a_ca_valid_for_the_seconds_asked),
		cmocka_unit_test(test_one_second_ca_expires_after_a_second),
		cmocka_unit_test(test_serving_is_issued_by_its_ca_with_the_service_names),
		cmocka_unit_test(test_serving_never_outlives_its_ca),
		cmocka_unit_test(test_serving_with_a_key_of_another_ca_is_invalid),
		cmocka_unit_test(test_serving_bad_names_and_validities_are_usage_errors),
		cmocka_unit_test(test_bundle_entries_keep_their_order_and_pem_spans),
		cmocka_unit_test(test_bundle_without_blocks_is_empty),
		cmocka_unit_test(test_bundle_over_eight_certificates_is_refused),
		cmocka_unit_test(test_bundle_with_a_garbled_or_unended_block_is_a_syntax_error),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
