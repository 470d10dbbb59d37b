// SPDX-License-Identifier: Apache-2.0
// The Kubernetes client configuration: si_kube_from_kubeconfig (contexts,
// server, file and inline credentials, tokens, basic authentication and
// every error, leaving the struct empty), si_kube_in_cluster (environment
// and service-account folder) and si_kube_default_kubeconfig (KUBECONFIG,
// in-cluster, ~/.kube/config). Kubeconfigs are the files in data/kube/.
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "security-inspector/kube.h"

#define DATA "data/kube/"
#define FULL DATA "kubeconfig-full.yaml"
#define INLINE DATA "kubeconfig-inline.yaml"
#define EXEC DATA "kubeconfig-exec.yaml"
#define BAD_B64 DATA "kubeconfig-bad-base64.yaml"
#define MALFORMED DATA "kubeconfig-malformed.yaml"
#define NO_CURRENT DATA "kubeconfig-no-current.yaml"
#define NOT_MAPPING DATA "kubeconfig-list.yaml"

/* What the *-data fields of kubeconfig-inline.yaml decode to. */
#define INLINE_CA "-----BEGIN CERTIFICATE-----\ninline CA\n-----END CERTIFICATE-----\n"
#define INLINE_CERT "-----BEGIN CERTIFICATE-----\ninline client\n-----END CERTIFICATE-----\n"
static const unsigned char inline_key[] =
	"\x00\x01\xfe\xff-----BEGIN EC PRIVATE KEY-----\n\x80\x7f\n";

/* ---- helpers ---------------------------------------------------------- */

static void assert_contains(const char *s, const char *word)
{
	if (!strstr(s, word))
		fail_msg("expected \"%s\" in: %s", word, s);
}

/* Every field zero but the timeouts, which keep their defaults. */
static void assert_empty(const struct si_kube *k)
{
	assert_null(k->server);
	assert_null(k->source);
	assert_null(k->ca_file);
	assert_null(k->ca_data);
	assert_int_equal(k->ca_len, 0);
	assert_null(k->cert_file);
	assert_null(k->key_file);
	assert_null(k->cert_data);
	assert_null(k->key_data);
	assert_int_equal(k->cert_len, 0);
	assert_int_equal(k->key_len, 0);
	assert_null(k->token);
	assert_null(k->token_file);
	assert_int_equal(k->token_mtime.tv_sec, 0);
	assert_int_equal(k->token_mtime.tv_nsec, 0);
	assert_null(k->username);
	assert_null(k->password);
	assert_false(k->insecure);
	assert_null(k->cancel);
}

/* Frees `k` and checks that every byte of it is zero again. */
static void free_zeroed(struct si_kube *k)
{
	static const struct si_kube zero;
	si_kube_free(k);
	assert_memory_equal(k, &zero, sizeof(*k));
}

/* Loads `context` of `path` into `*k` (filled with junk first), failing the
 * test on an error. */
static void load_ok(const char *path, const char *context, struct si_kube *k)
{
	struct si_error err = { 0 };
	char buf[900];
	memset(k, 0x5a, sizeof(*k));
	if (si_kube_from_kubeconfig(path, context, k, &err) != SI_OK)
		fail_msg("unexpected error: %s", si_error_format(&err, buf, sizeof(buf)));
	assert_int_equal(k->connect_timeout, 10);
	assert_int_equal(k->timeout, 60);
	assert_null(k->cancel);
	assert_int_equal(k->token_mtime.tv_sec, 0);
}

/* Loads `context` of `path` expecting `code`: err names the file, its
 * message holds `word` and `word2` (unless NULL), and the struct (filled
 * with junk first) is left empty. */
static void load_fails(const char *path, const char *context, si_rc code, const char *word,
		       const char *word2, struct si_error *err)
{
	struct si_kube k;
	char buf[900];
	memset(&k, 0x5a, sizeof(k));
	memset(err, 0, sizeof(*err));
	si_rc rc = si_kube_from_kubeconfig(path, context, &k, err);
	if (rc == SI_OK) {
		si_kube_free(&k);
		fail_msg("%s, context %s: expected error %d, got success", path,
			 context ? context : "(current)", code);
	}
	assert_int_equal(rc, code);
	assert_int_equal(err->code, code);
	assert_string_equal(err->file, path);
	assert_contains(si_error_format(err, buf, sizeof(buf)), path);
	assert_contains(err->message, word);
	if (word2)
		assert_contains(err->message, word2);
	assert_empty(&k);
	si_kube_free(&k);
}

/* The environment the functions read, saved around each test, and a
 * scratch folder from mkdtemp. */
static const char *const env_vars[] = {
	"KUBECONFIG", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT", "HOME",
};
#define N_VARS (sizeof(env_vars) / sizeof(env_vars[0]))

/* Files a test may make in the scratch folder, removed in this order. */
static const char *const scratch_names[] = {
	"token", "ca.crt", "kubeconfig", "other", ".kube/config", ".kube", "sub",
};

struct scratch {
	char dir[64];
	char *saved[N_VARS];       /* NULL: the variable was not set */
};

static int scratch_setup(void **state)
{
	struct scratch *s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	snprintf(s->dir, sizeof(s->dir), "/tmp/si-kube-XXXXXX");
	if (!mkdtemp(s->dir)) {
		free(s);
		return -1;
	}
	for (size_t i = 0; i < N_VARS; i++) {
		const char *v = getenv(env_vars[i]);
		if (v && !(s->saved[i] = strdup(v)))
			return -1;
	}
	unsetenv("KUBECONFIG");
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
	*state = s;
	return 0;
}

static int scratch_teardown(void **state)
{
	struct scratch *s = *state;
	char path[128];
	for (size_t i = 0; i < sizeof(scratch_names) / sizeof(scratch_names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", s->dir, scratch_names[i]);
		if (unlink(path) != 0)
			rmdir(path);
	}
	rmdir(s->dir);
	for (size_t i = 0; i < N_VARS; i++) {
		if (s->saved[i])
			setenv(env_vars[i], s->saved[i], 1);
		else
			unsetenv(env_vars[i]);
		free(s->saved[i]);
	}
	free(s);
	return 0;
}

/* `name` inside the scratch folder. */
static const char *scratch_path(const struct scratch *s, const char *name, char *buf,
				size_t size)
{
	snprintf(buf, size, "%s/%s", s->dir, name);
	return buf;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		fail_msg("cannot create %s", path);
	fputs(text, f);
	fclose(f);
}

/* ---- si_kube_from_kubeconfig: what is read ---------------------------- */

static void test_current_context_is_used_when_none_is_given(void **state)
{
	struct si_kube k;
	load_ok(FULL, NULL, &k);
	assert_string_equal(k.server, "https://dev.example:6443");
	assert_string_equal(k.source, "kubeconfig " FULL ", context dev");
	assert_string_equal(k.ca_file, DATA "ca.crt");
	assert_null(k.ca_data);
	assert_int_equal(k.ca_len, 0);
	assert_string_equal(k.cert_file, DATA "client.crt");
	assert_string_equal(k.key_file, DATA "keys/client.key");
	assert_null(k.cert_data);
	assert_null(k.key_data);
	assert_null(k.token);
	assert_null(k.token_file);
	assert_null(k.username);
	assert_null(k.password);
	assert_false(k.insecure);
	/* The resolved paths are the fixture files. */
	assert_int_equal(access(k.ca_file, R_OK), 0);
	assert_int_equal(access(k.cert_file, R_OK), 0);
	assert_int_equal(access(k.key_file, R_OK), 0);
	free_zeroed(&k);
}

static void test_explicit_context_wins_over_current_context(void **state)
{
	struct si_kube k;
	load_ok(FULL, "prod", &k);
	assert_string_equal(k.server, "https://10.0.0.1:443");
	assert_string_equal(k.source, "kubeconfig " FULL ", context prod");
	assert_null(k.ca_file);
	assert_int_equal(k.ca_len, 7);
	assert_memory_equal(k.ca_data, "prod CA", 7);
	assert_string_equal(k.token, "abc.def-123");
	assert_null(k.token_file);
	assert_null(k.cert_file);
	assert_null(k.key_file);
	assert_null(k.cert_data);
	assert_null(k.key_data);
	assert_null(k.username);
	assert_false(k.insecure);
	free_zeroed(&k);
}

static void test_trailing_slashes_are_removed_from_the_server(void **state)
{
	struct si_kube k;
	load_ok(FULL, "basic", &k);
	assert_string_equal(k.server, "https://insecure.example");
	free_zeroed(&k);
	/* A path without a trailing slash is kept as it is. */
	load_ok(FULL, "abs", &k);
	assert_string_equal(k.server, "https://abs.example/prefix");
	free_zeroed(&k);
}

static void test_absolute_paths_are_kept(void **state)
{
	struct si_kube k;
	load_ok(FULL, "abs", &k);
	assert_string_equal(k.ca_file, "/etc/si-test/ca.crt");
	assert_string_equal(k.cert_file, "/etc/si-test/client.crt");
	assert_string_equal(k.key_file, "/etc/si-test/client.key");
	assert_null(k.ca_data);
	assert_null(k.cert_data);
	assert_null(k.key_data);
	free_zeroed(&k);
}

static void test_kubeconfig_in_the_current_folder_keeps_relative_paths(void **state)
{
	struct si_kube k;
	struct si_error err = { 0 };
	char cwd[PATH_MAX];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(DATA), 0);
	si_rc rc = si_kube_from_kubeconfig("kubeconfig-full.yaml", NULL, &k, &err);
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(rc, SI_OK);
	assert_string_equal(k.ca_file, "ca.crt");
	assert_string_equal(k.cert_file, "client.crt");
	assert_string_equal(k.key_file, "keys/client.key");
	assert_string_equal(k.source, "kubeconfig kubeconfig-full.yaml, context dev");
	free_zeroed(&k);
}

static void test_inline_data_is_base64_decoded_exactly(void **state)
{
	struct si_kube k;
	load_ok(INLINE, NULL, &k);
	assert_string_equal(k.server, "https://inline.example:8443");
	assert_string_equal(k.source, "kubeconfig " INLINE ", context inline");
	assert_int_equal(k.ca_len, strlen(INLINE_CA));
	assert_memory_equal(k.ca_data, INLINE_CA, k.ca_len);
	assert_int_equal(k.cert_len, strlen(INLINE_CERT));
	assert_memory_equal(k.cert_data, INLINE_CERT, k.cert_len);
	/* Binary bytes, '+' and '/' in the text, split over two lines. */
	assert_int_equal(k.key_len, sizeof(inline_key) - 1);
	assert_memory_equal(k.key_data, inline_key, k.key_len);
	/* The data fields win: their file neighbours are not set. */
	assert_null(k.ca_file);
	assert_null(k.cert_file);
	assert_null(k.key_file);
	assert_null(k.token);
	free_zeroed(&k);
}

static void test_token_file_is_resolved_and_not_read(void **state)
{
	struct si_kube k;
	load_ok(FULL, "token-file", &k);
	assert_string_equal(k.token_file, DATA "token.txt");
	assert_null(k.token);
	assert_string_equal(k.ca_file, DATA "ca.crt");
	assert_null(k.cert_file);
	assert_null(k.key_file);
	free_zeroed(&k);
}

/* As client-go: the file is read before each request and wins. */
static void test_token_file_wins_over_inline_token(void **state)
{
	struct si_kube k;
	load_ok(FULL, "both-tokens", &k);
	assert_string_equal(k.token, "inline-wins");
	assert_non_null(k.token_file);
	assert_contains(k.token_file, "token.txt");
	free_zeroed(&k);
}

static void test_username_password_and_insecure_skip_tls_verify(void **state)
{
	struct si_kube k;
	load_ok(FULL, "basic", &k);
	assert_string_equal(k.username, "admin");
	assert_string_equal(k.password, "s3cret");
	assert_true(k.insecure);
	assert_null(k.token);
	assert_null(k.ca_file);
	assert_null(k.ca_data);
	free_zeroed(&k);
}

static void test_context_without_user_has_no_credentials(void **state)
{
	struct si_kube k;
	load_ok(FULL, "no-user", &k);
	assert_string_equal(k.server, "https://10.0.0.1:443");
	assert_string_equal(k.source, "kubeconfig " FULL ", context no-user");
	assert_int_equal(k.ca_len, 7);
	assert_null(k.cert_file);
	assert_null(k.cert_data);
	assert_null(k.token);
	assert_null(k.token_file);
	assert_null(k.username);
	free_zeroed(&k);
}

static void test_context_is_needed_without_current_context(void **state)
{
	struct si_error err;
	struct si_kube k;
	load_fails(NO_CURRENT, NULL, SI_ERR_INVALID, "no current-context", "--context", &err);
	load_ok(NO_CURRENT, "only", &k);
	assert_string_equal(k.server, "https://c.example");
	free_zeroed(&k);
}

static void test_free_accepts_null_and_an_empty_struct(void **state)
{
	struct si_kube k = { 0 };
	si_kube_free(NULL);
	free_zeroed(&k);
	free_zeroed(&k);
}

/* ---- si_kube_from_kubeconfig: errors ---------------------------------- */

static void test_missing_file_is_an_io_error(void **state)
{
	struct si_error err;
	load_fails(DATA "no-such-kubeconfig.yaml", NULL, SI_ERR_IO, "cannot open", NULL, &err);
	assert_int_equal(err.line, 0);
}

static void test_malformed_yaml_is_a_syntax_error_with_its_line(void **state)
{
	struct si_error err;
	/* The flow mapping opened on line 5 meets "users:" on line 6. */
	load_fails(MALFORMED, NULL, SI_ERR_SYNTAX, "invalid YAML", NULL, &err);
	assert_int_equal(err.line, 6);
}

static void test_document_that_is_not_a_mapping_is_invalid(void **state)
{
	struct si_error err;
	load_fails(NOT_MAPPING, NULL, SI_ERR_INVALID, "not a kubeconfig", NULL, &err);
}

static void test_unknown_context_is_invalid(void **state)
{
	struct si_error err;
	load_fails(FULL, "staging", SI_ERR_INVALID, "context \"staging\" not found", NULL, &err);
}

static void test_context_naming_a_missing_cluster_is_invalid(void **state)
{
	struct si_error err;
	load_fails(FULL, "ghost-cluster", SI_ERR_INVALID, "context \"ghost-cluster\"",
		   "cluster \"nowhere\" not found", &err);
}

static void test_context_naming_a_missing_user_is_invalid(void **state)
{
	struct si_error err;
	load_fails(FULL, "ghost-user", SI_ERR_INVALID, "context \"ghost-user\"",
		   "user \"nobody\" not found", &err);
}

static void test_cluster_without_server_is_invalid(void **state)
{
	struct si_error err;
	load_fails(FULL, "no-server", SI_ERR_INVALID, "cluster \"empty-cluster\"",
		   "has no server", &err);
}

static void test_certificate_without_its_key_is_invalid(void **state)
{
	struct si_error err;
	load_fails(FULL, "cert-only", SI_ERR_INVALID, "user \"cert-only\"", "needs its key",
		   &err);
}

static void test_bad_base64_is_invalid_naming_the_field(void **state)
{
	struct si_error err;
	load_fails(BAD_B64, NULL, SI_ERR_INVALID, "certificate-authority-data", "not base64",
		   &err);
	load_fails(BAD_B64, "bad-cert", SI_ERR_INVALID, "client-certificate-data",
		   "not base64", &err);
	/* Text after the padding. */
	load_fails(BAD_B64, "bad-key", SI_ERR_INVALID, "client-key-data", "not base64", &err);
}

/* "QUJDR": a valid "QUJD" and one character more (4n+1 is never base64);
 * padding where there is nothing to pad, and none where it is needed, are
 * refused as kubectl (Go's StdEncoding) refuses them. */
static void test_base64_of_a_wrong_length_or_padding_is_invalid(void **state)
{
	static const char *const contexts[] = { "dangling", "needless-padding", "unpadded",
						"too-much-padding" };
	struct si_error err = { 0 };
	for (size_t i = 0; i < sizeof(contexts) / sizeof(contexts[0]); i++)
		load_fails(BAD_B64, contexts[i], SI_ERR_INVALID, "certificate-authority-data",
			   "not base64", &err);
}

static void test_exec_plugin_is_not_supported(void **state)
{
	struct si_error err;
	load_fails(EXEC, NULL, SI_ERR_INVALID, "user \"exec-user\"", "not supported", &err);
	assert_contains(err.message, "exec");
}

static void test_auth_provider_is_not_supported(void **state)
{
	struct si_error err;
	load_fails(EXEC, "auth-provider", SI_ERR_INVALID, "user \"gcp-user\"", "not supported",
		   &err);
	assert_contains(err.message, "auth-provider");
}

/* ---- si_kube_in_cluster ----------------------------------------------- */

/* A service-account folder with a token and ca.crt in the scratch folder. */
static void make_service_account(const struct scratch *s)
{
	char path[128];
	write_file(scratch_path(s, "token", path, sizeof(path)), "eyJhbGciOi.token\n");
	write_file(scratch_path(s, "ca.crt", path, sizeof(path)),
		   "-----BEGIN CERTIFICATE-----\nnot a real CA\n-----END CERTIFICATE-----\n");
}

static void in_cluster_ok(const struct scratch *s, const char *host, const char *port,
			  const char *server)
{
	struct si_kube k;
	struct si_error err = { 0 };
	char path[128], buf[900];
	setenv("KUBERNETES_SERVICE_HOST", host, 1);
	setenv("KUBERNETES_SERVICE_PORT", port, 1);
	memset(&k, 0x5a, sizeof(k));
	if (si_kube_in_cluster(s->dir, &k, &err) != SI_OK)
		fail_msg("unexpected error: %s", si_error_format(&err, buf, sizeof(buf)));
	assert_string_equal(k.server, server);
	assert_string_equal(k.token_file, scratch_path(s, "token", path, sizeof(path)));
	assert_string_equal(k.ca_file, scratch_path(s, "ca.crt", path, sizeof(path)));
	assert_string_equal(k.source, "in-cluster");
	assert_null(k.ca_data);
	assert_null(k.cert_file);
	assert_null(k.cert_data);
	assert_null(k.key_file);
	assert_null(k.username);
	assert_null(k.password);
	assert_false(k.insecure);
	assert_null(k.cancel);
	assert_int_equal(k.connect_timeout, 10);
	assert_int_equal(k.timeout, 60);
	free_zeroed(&k);
}

static void test_in_cluster_ipv4_host(void **state)
{
	struct scratch *s = *state;
	make_service_account(s);
	in_cluster_ok(s, "10.96.0.1", "443", "https://10.96.0.1:443");
}

static void test_in_cluster_ipv6_host_is_bracketed(void **state)
{
	struct scratch *s = *state;
	make_service_account(s);
	in_cluster_ok(s, "fd00:10:96::1", "6443", "https://[fd00:10:96::1]:6443");
}

/* si_kube_in_cluster on the scratch folder expecting `code`, `file` in
 * err.file and `word` in the message; the struct is left empty. */
static void in_cluster_fails(const struct scratch *s, si_rc code, const char *file,
			     const char *word)
{
	struct si_kube k;
	struct si_error err = { 0 };
	memset(&k, 0x5a, sizeof(k));
	si_rc rc = si_kube_in_cluster(s->dir, &k, &err);
	if (rc == SI_OK) {
		si_kube_free(&k);
		fail_msg("expected error %d, got success", code);
	}
	assert_int_equal(rc, code);
	assert_int_equal(err.code, code);
	assert_string_equal(err.file, file);
	assert_contains(err.message, word);
	assert_empty(&k);
	si_kube_free(&k);
}

static void test_in_cluster_without_environment_is_invalid(void **state)
{
	struct scratch *s = *state;
	make_service_account(s);
	in_cluster_fails(s, SI_ERR_INVALID, "in-cluster", "KUBERNETES_SERVICE_HOST");
	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	in_cluster_fails(s, SI_ERR_INVALID, "in-cluster", "KUBERNETES_SERVICE_PORT");
	unsetenv("KUBERNETES_SERVICE_HOST");
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	in_cluster_fails(s, SI_ERR_INVALID, "in-cluster", "not running in a pod");
	setenv("KUBERNETES_SERVICE_HOST", "", 1);
	in_cluster_fails(s, SI_ERR_INVALID, "in-cluster", "not set");
}

static void test_in_cluster_malformed_port_is_invalid(void **state)
{
	struct scratch *s = *state;
	make_service_account(s);
	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443x", 1);
	in_cluster_fails(s, SI_ERR_INVALID, "in-cluster", "malformed");
	setenv("KUBERNETES_SERVICE_PORT", "123456", 1);
	in_cluster_fails(s, SI_ERR_INVALID, "in-cluster", "malformed");
	setenv("KUBERNETES_SERVICE_PORT", "99999", 1);
	in_cluster_fails(s, SI_ERR_INVALID, "in-cluster", "malformed");
	setenv("KUBERNETES_SERVICE_PORT", "0", 1);
	in_cluster_fails(s, SI_ERR_INVALID, "in-cluster", "malformed");
}

static void test_in_cluster_without_token_is_an_io_error_naming_it(void **state)
{
	struct scratch *s = *state;
	char path[128];
	write_file(scratch_path(s, "ca.crt", path, sizeof(path)), "ca\n");
	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	in_cluster_fails(s, SI_ERR_IO, scratch_path(s, "token", path, sizeof(path)),
			 "no service-account token");
	/* A folder named token is no token either. */
	assert_int_equal(mkdir(scratch_path(s, "token", path, sizeof(path)), 0700), 0);
	in_cluster_fails(s, SI_ERR_IO, path, "no service-account token");
}

static void test_in_cluster_default_folder_is_the_standard_one(void **state)
{
	const char *token = "/var/run/secrets/kubernetes.io/serviceaccount/token";
	struct si_kube k;
	struct si_error err = { 0 };
	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	si_rc rc = si_kube_in_cluster(NULL, &k, &err);
	if (access(token, F_OK) == 0) {
		/* Running in a pod. */
		assert_int_equal(rc, SI_OK);
		assert_string_equal(k.token_file, token);
		assert_string_equal(k.ca_file,
				    "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt");
		free_zeroed(&k);
	} else {
		assert_int_equal(rc, SI_ERR_IO);
		assert_string_equal(err.file, token);
		assert_empty(&k);
	}
}

/* ---- si_kube_default_kubeconfig --------------------------------------- */

static void expect_default(const char *expected)
{
	char *p = si_kube_default_kubeconfig();
	if (!expected) {
		if (p) {
			char copy[256];
			snprintf(copy, sizeof(copy), "%s", p);
			free(p);
			fail_msg("expected NULL, got %s", copy);
		}
		return;
	}
	if (!p)
		fail_msg("expected %s, got NULL", expected);
	bool same = strcmp(p, expected) == 0;
	if (!same) {
		char copy[256];
		snprintf(copy, sizeof(copy), "%s", p);
		free(p);
		fail_msg("expected %s, got %s", expected, copy);
	}
	free(p);
}

static void test_default_is_the_first_existing_file_of_kubeconfig(void **state)
{
	struct scratch *s = *state;
	char existing[128], missing[128], other[128], sub[128], list[700];
	scratch_path(s, "kubeconfig", existing, sizeof(existing));
	scratch_path(s, "missing", missing, sizeof(missing));
	scratch_path(s, "other", other, sizeof(other));
	write_file(existing, "apiVersion: v1\n");
	write_file(other, "apiVersion: v1\n");
	snprintf(list, sizeof(list), "%s:%s", missing, existing);
	setenv("KUBECONFIG", list, 1);
	expect_default(existing);
	/* Empty entries and folders are skipped; later files do not matter. */
	assert_int_equal(mkdir(scratch_path(s, "sub", sub, sizeof(sub)), 0700), 0);
	snprintf(list, sizeof(list), "::%s:%s::%s:%s", sub, missing, other, existing);
	setenv("KUBECONFIG", list, 1);
	expect_default(other);
	/* A single file. */
	setenv("KUBECONFIG", existing, 1);
	expect_default(existing);
}

static void test_default_kubeconfig_wins_over_in_cluster(void **state)
{
	struct scratch *s = *state;
	char existing[128];
	write_file(scratch_path(s, "kubeconfig", existing, sizeof(existing)), "kind: Config\n");
	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	setenv("KUBECONFIG", existing, 1);
	expect_default(existing);
}

static void test_default_is_null_when_no_file_of_kubeconfig_exists(void **state)
{
	struct scratch *s = *state;
	char missing[128], kube[128], config[128];
	/* Even with a ~/.kube/config: KUBECONFIG is not merged with it. */
	setenv("HOME", s->dir, 1);
	assert_int_equal(mkdir(scratch_path(s, ".kube", kube, sizeof(kube)), 0700), 0);
	write_file(scratch_path(s, ".kube/config", config, sizeof(config)), "kind: Config\n");
	setenv("KUBECONFIG", scratch_path(s, "missing", missing, sizeof(missing)), 1);
	expect_default(NULL);
}

static void test_default_is_null_in_cluster(void **state)
{
	struct scratch *s = *state;
	setenv("HOME", s->dir, 1);
	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	expect_default(NULL);
	/* An empty KUBECONFIG counts as unset. */
	setenv("KUBECONFIG", "", 1);
	expect_default(NULL);
}

static void test_default_is_home_kube_config(void **state)
{
	struct scratch *s = *state;
	char config[128];
	setenv("HOME", s->dir, 1);
	scratch_path(s, ".kube/config", config, sizeof(config));
	expect_default(config);
	setenv("KUBECONFIG", "", 1);
	expect_default(config);
	/* No HOME, no default. */
	unsetenv("HOME");
	expect_default(NULL);
}

/* ---- Secret data ------------------------------------------------------ */

static void test_secret_data_round_trips_through_base64(void **state)
{
	static const char pem[] = "-----BEGIN CERTIFICATE-----\nAB\n-----END CERTIFICATE-----\n";
	cJSON *secret = cJSON_Parse("{\"data\":{\"tls.key\":\"\"}}");
	struct si_error err = { 0 };
	char *out = NULL;
	size_t len = 9;

	assert_non_null(secret);
	for (size_t n = 0; n <= 5; n++) {   /* every padding: none, "=" and "==" */
		assert_int_equal(si_kube_secret_set_data(secret, "tls.crt", pem, n, &err), SI_OK);
		assert_int_equal(si_kube_secret_data(secret, "tls.crt", 64, &out, &len, &err), SI_OK);
		assert_int_equal(len, n);
		assert_memory_equal(out, pem, n);
		assert_int_equal(out[n], '\0');
		free(out);
	}
	assert_int_equal(si_kube_secret_set_data(secret, "tls.crt", pem, strlen(pem), &err), SI_OK);
	assert_int_equal(si_kube_secret_data(secret, "tls.crt", 64, &out, &len, &err), SI_OK);
	assert_string_equal(out, pem);
	free(out);
	assert_int_equal(si_kube_secret_data(secret, "tls.crt", 8, &out, &len, &err), SI_ERR_LIMIT);
	assert_int_equal(si_kube_secret_data(secret, "tls.key", 8, &out, &len, &err), SI_OK);
	assert_int_equal(len, 0);
	free(out);
	assert_int_equal(si_kube_secret_data(secret, "ca.crt", 8, &out, &len, &err), SI_OK);
	assert_null(out);
	cJSON_Delete(secret);
}

static void test_secret_data_that_is_not_base64_is_a_syntax_error(void **state)
{
	cJSON *secret = cJSON_Parse("{\"data\":{\"a\":\"a$==\",\"b\":3}}");
	struct si_error err = { 0 };
	char *out = NULL;
	size_t len;

	assert_int_equal(si_kube_secret_data(secret, "a", 64, &out, &len, &err), SI_ERR_SYNTAX);
	assert_non_null(strstr(err.message, "data.a"));
	assert_int_equal(si_kube_secret_data(secret, "b", 64, &out, &len, &err), SI_ERR_TYPE);
	assert_null(out);
	cJSON_Delete(secret);
}

int main(void)
{
#define T(f) cmocka_unit_test(f)
#define E(f) cmocka_unit_test_setup_teardown(f, scratch_setup, scratch_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secret_data_round_trips_through_base64),
		cmocka_unit_test(test_secret_data_that_is_not_base64_is_a_syntax_error),
		T(test_current_context_is_used_when_none_is_given),
		T(test_explicit_context_wins_over_current_context),
		T(test_trailing_slashes_are_removed_from_the_server),
		T(test_absolute_paths_are_kept),
		T(test_kubeconfig_in_the_current_folder_keeps_relative_paths),
		T(test_inline_data_is_base64_decoded_exactly),
		T(test_token_file_is_resolved_and_not_read),
		T(test_token_file_wins_over_inline_token),
		T(test_username_password_and_insecure_skip_tls_verify),
		T(test_context_without_user_has_no_credentials),
		T(test_context_is_needed_without_current_context),
		T(test_free_accepts_null_and_an_empty_struct),
		T(test_missing_file_is_an_io_error),
		T(test_malformed_yaml_is_a_syntax_error_with_its_line),
		T(test_document_that_is_not_a_mapping_is_invalid),
		T(test_unknown_context_is_invalid),
		T(test_context_naming_a_missing_cluster_is_invalid),
		T(test_context_naming_a_missing_user_is_invalid),
		T(test_cluster_without_server_is_invalid),
		T(test_certificate_without_its_key_is_invalid),
		T(test_bad_base64_is_invalid_naming_the_field),
		T(test_base64_of_a_wrong_length_or_padding_is_invalid),
		T(test_exec_plugin_is_not_supported),
		T(test_auth_provider_is_not_supported),
		E(test_in_cluster_ipv4_host),
		E(test_in_cluster_ipv6_host_is_bracketed),
		E(test_in_cluster_without_environment_is_invalid),
		E(test_in_cluster_malformed_port_is_invalid),
		E(test_in_cluster_without_token_is_an_io_error_naming_it),
		E(test_in_cluster_default_folder_is_the_standard_one),
		E(test_default_is_the_first_existing_file_of_kubeconfig),
		E(test_default_kubeconfig_wins_over_in_cluster),
		E(test_default_is_null_when_no_file_of_kubeconfig_exists),
		E(test_default_is_null_in_cluster),
		E(test_default_is_home_kube_config),
	};
#undef T
#undef E
	return cmocka_run_group_tests(tests, NULL, NULL);
}
