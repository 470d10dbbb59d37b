// SPDX-License-Identifier: Apache-2.0
// The HTML report's data: the gzip-and-base64 stream (gzip_base64.c) gives
// back every byte in whole lines, and the writer puts the workloads in
// blocks of records and index lines that unpack as the page unpacks them,
// with the owner a whitelist entry names and nothing of a manifest in the
// page's markup. zlib's inflate stands for the browser's
// DecompressionStream('gzip').
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "gzip_base64.h"
#include "helpers.h"
#include "security-inspector/audit.h"
#include "security-inspector/report.h"

/* ---- decoding, as the page does ---- */

static int b64_value(char c)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(alphabet, c) : NULL;
	return p ? (int)(p - alphabet) : -1;
}

/* Base64 text with newlines -> bytes (caller frees). */
static unsigned char *b64_decode(const char *text, size_t len, size_t *out_len)
{
	unsigned char *out = malloc(len / 4 * 3 + 3);
	unsigned bits = 0;
	int nbits = 0;
	size_t n = 0;
	assert_non_null(out);
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n' || text[i] == '=')
			continue;
		int v = b64_value(text[i]);
		if (v < 0)
			fail_msg("not base64: byte %zu is 0x%02x", i, (unsigned char)text[i]);
		bits = (bits << 6) | (unsigned)v;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			out[n++] = (unsigned char)(bits >> nbits);
			bits &= (1u << nbits) - 1;
		}
	}
	*out_len = n;
	return out;
}

/* A whole gzip stream -> bytes (caller frees; NUL-terminated). */
static unsigned char *gunzip(const unsigned char *in, size_t len, size_t *out_len)
{
	z_stream z = { 0 };
	size_t cap = 1 << 16, n = 0;
	unsigned char *out = malloc(cap + 1);
	assert_non_null(out);
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)len;
	int rc;
	do {
		if (n == cap) {
			cap *= 2;
			out = realloc(out, cap + 1);
			assert_non_null(out);
		}
		z.next_out = out + n;
		z.avail_out = (uInt)(cap - n);
		rc = inflate(&z, Z_NO_FLUSH);
		n = cap - z.avail_out;
	} while (rc == Z_OK);
	assert_int_equal(rc, Z_STREAM_END);
	assert_int_equal(z.avail_in, 0);   /* nothing after the gzip trailer */
	inflateEnd(&z);
	out[n] = '\0';
	*out_len = n;
	return out;
}

/* ---- the stream ---- */

/* `n` bytes that do not compress (xorshift32); caller frees. */
static unsigned char *noise(size_t n)
{
	unsigned char *out = malloc(n ? n : 1);
	uint32_t x = 2463534242u;
	assert_non_null(out);
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		out[i] = (unsigned char)x;
	}
	return out;
}

/* Writes `len` bytes of `data` through a stream in pieces of `step` bytes
 * and checks the lines and what they decode to. */
static void round_trip(const unsigned char *data, size_t len, size_t step)
{
	char *text = NULL;
	size_t text_len = 0, got_len = 0, zlen = 0;
	struct si_error err = { 0 };
	struct si_gz64 *g = NULL;
	FILE *f = open_memstream(&text, &text_len);

	assert_non_null(f);
	assert_int_equal(si_gz64_open(f, 6, &g, &err), SI_OK);
	for (size_t at = 0; at < len; at += step)
		assert_int_equal(si_gz64_write(g, data + at, len - at < step ? len - at : step), SI_OK);
	assert_int_equal(si_gz64_close(g, &err), SI_OK);
	assert_int_equal(si_gz64_bytes_in(g), len);
	unsigned long long chars = si_gz64_chars_out(g);
	si_gz64_free(g);
	fclose(f);

	/* Whole lines of SI_GZ64_LINE characters, the last one shorter. */
	size_t lines = 0, counted = 0;
	for (const char *line = text; *line; lines++) {
		const char *nl = strchr(line, '\n');
		assert_non_null(nl);
		size_t n = (size_t)(nl - line);
		counted += n;
		if (nl[1])
			assert_int_equal(n, SI_GZ64_LINE);
		assert_true(n > 0 && n <= SI_GZ64_LINE && n % 4 == 0);
		line = nl + 1;
	}
	assert_int_equal(counted, chars);
	assert_true(lines >= 1);

	unsigned char *z = b64_decode(text, text_len, &zlen);
	unsigned char *got = gunzip(z, zlen, &got_len);
	assert_int_equal(got_len, len);
	assert_memory_equal(got, data, len);
	free(got);
	free(z);
	free(text);
}

static void test_every_length_comes_back_whole(void **state)
{
	const size_t lengths[] = { 0, 1, 2, 3, 4, 5, 56, 57, 58, 65535, 65536, 65537, 300001 };
	unsigned char *bytes = noise(300001), *text = malloc(300001);
	assert_non_null(text);
	for (size_t i = 0; i < 300001; i++)
		text[i] = (unsigned char)"apiVersion: apps/v1\nkind: Deployment\n"[i % 37];
	for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		round_trip(bytes, lengths[i], 1 + lengths[i] / 7);
		round_trip(text, lengths[i], 4096);
		round_trip(text, lengths[i], 1);
	}
	free(bytes);
	free(text);
}

static void test_a_level_out_of_range_is_refused(void **state)
{
	struct si_error err = { 0 };
	struct si_gz64 *g = (struct si_gz64 *)&g;
	assert_int_equal(si_gz64_open(stdout, 0, &g, &err), SI_ERR_INVALID);
	assert_null(g);
	assert_int_equal(si_gz64_open(stdout, 10, &g, &err), SI_ERR_INVALID);
	assert_non_null(strstr(err.message, "level"));
}

static void test_a_write_error_is_kept_and_returned(void **state)
{
	struct si_error err = { 0 };
	struct si_gz64 *g = NULL;
	FILE *f = fopen("/dev/full", "w");
	if (!f)
		skip();
	setvbuf(f, NULL, _IONBF, 0);
	unsigned char *bytes = noise(1 << 20);   /* more than the buffers hold */
	assert_int_equal(si_gz64_open(f, 1, &g, &err), SI_OK);
	si_rc first = si_gz64_write(g, bytes, 1 << 20);
	assert_int_equal(first, SI_ERR_IO);
	assert_int_equal(si_gz64_write(g, "x", 1), SI_ERR_IO);
	assert_int_equal(si_gz64_close(g, &err), SI_ERR_IO);
	assert_non_null(strstr(err.message, "write"));
	si_gz64_free(g);
	fclose(f);
	free(bytes);
}

/* ---- the page ---- */

/* The text of element `n` of `class` in `page` (caller frees), or NULL. */
static char *element(const char *page, const char *cls, size_t n, size_t *len)
{
	char open[64];
	snprintf(open, sizeof(open), "class=\"%s\" data-block=\"%zu\">", cls, n);
	const char *at = strstr(page, open);
	if (!at)
		return NULL;
	at += strlen(open);
	const char *end = strstr(at, "</script>");
	assert_non_null(end);
	*len = (size_t)(end - at);
	return strndup(at, *len);
}

/* The records of block `n`, unpacked (caller frees; NUL-terminated). */
static char *block(const char *page, size_t n, size_t *len)
{
	size_t tlen = 0, zlen = 0;
	char *text = element(page, "si-block", n, &tlen);
	if (!text)
		return NULL;
	unsigned char *z = b64_decode(text, tlen, &zlen);
	char *out = (char *)gunzip(z, zlen, len);
	free(z);
	free(text);
	return out;
}

/* A Deployment `name` of two containers, the second running as root. */
static void deployment(char *buf, size_t size, const char *name)
{
	snprintf(buf, size,
		 "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: \"%s\", namespace: shop}\n"
		 "spec:\n  template:\n    spec:\n      containers:\n"
		 "      - {name: app, image: app:1.0, securityContext: {runAsNonRoot: true}}\n"
		 "      - name: side\n        image: side:2.0\n"
		 "        env: [{name: TOKEN, value: PLANTED-token}]\n---\n", name);
}

/* Audits `yaml` into an HTML report (caller frees the page). */
static char *report_of(const char *yaml, const struct si_report_options *o)
{
	struct si_error err = { 0 };
	struct si_input *in = NULL;
	struct si_report *r = NULL;
	struct si_audit a;
	struct si_policy *p = NULL;
	char *page = NULL;
	size_t page_len = 0;
	FILE *f = open_memstream(&page, &page_len);

	assert_non_null(f);
	assert_int_equal(si_policy_default(&p, &err), SI_OK);
	assert_int_equal(si_input_parse("w.yaml", yaml, strlen(yaml), &si_limits_default, &in,
					&err), SI_OK);
	assert_int_equal(si_report_open(SI_REPORT_HTML, o, f, &r, &err), SI_OK);
	si_audit_init(&a, p, NULL);
	a.on_entry = si_report_entry_fn;
	a.ctx = r;
	a.n_inputs = 1;
	assert_int_equal(si_audit_inspect(&a, in, &err), SI_OK);
	assert_int_equal(si_audit_finish(&a), SI_OK);
	assert_int_equal(si_report_finish(r, &a, &err), SI_OK);
	si_report_free(r);
	si_audit_free(&a);
	si_input_free(in);
	si_policy_free(p);
	fclose(f);
	return page;
}

static size_t count(const char *text, const char *what)
{
	size_t n = 0;
	for (const char *at = text; (at = strstr(at, what)); at += strlen(what))
		n++;
	return n;
}

static void test_workloads_go_in_blocks_of_records_with_an_index(void **state)
{
	const size_t n = 300;
	size_t size = n * 400, used = 0, len = 0;
	char *yaml = malloc(size), name[32];
	struct si_report_options o = { 0 };

	assert_non_null(yaml);
	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "app-%zu", i);
		deployment(yaml + used, size - used, name);
		used += strlen(yaml + used);
	}
	char *page = report_of(yaml, &o);
	assert_int_equal(count(page, "class=\"si-block\""), 2);
	assert_int_equal(count(page, "class=\"si-index\""), 2);
	assert_non_null(strstr(page, "{\"records\": 300,"));

	/* The second block holds the 44 after the first 256, in order. */
	char *index = element(page, "si-index", 1, &len);
	cJSON *lines = cJSON_Parse(index);
	assert_int_equal(cJSON_GetArraySize(lines), 44);
	cJSON *first = cJSON_GetArrayItem(lines, 0);
	assert_string_equal(cJSON_GetArrayItem(first, 0)->valuestring, "Deployment");
	assert_string_equal(cJSON_GetArrayItem(first, 1)->valuestring, "shop");
	assert_string_equal(cJSON_GetArrayItem(first, 2)->valuestring, "app-256");
	/* Each document is 12 lines long. */
	assert_string_equal(cJSON_GetArrayItem(first, 3)->valuestring, "w.yaml:3073");

	char *data = block(page, 1, &len), *at = data;
	for (size_t k = 0; k < 44; k++) {
		char *nl = strchr(at, '\n');
		assert_non_null(nl);
		*nl = '\0';
		cJSON *head = cJSON_Parse(at);
		assert_non_null(head);
		cJSON *ctrs = cJSON_GetArrayItem(head, 0), *results = cJSON_GetArrayItem(head, 1);
		assert_int_equal(cJSON_GetArraySize(ctrs), 2);
		assert_string_equal(cJSON_GetArrayItem(cJSON_GetArrayItem(ctrs, 1), 0)->valuestring,
				    "side");
		assert_true(cJSON_IsNull(cJSON_GetArrayItem(head, 2)));   /* no owner */
		/* runAsRootAllowed failed for the second container (index 1). */
		bool root_failed = false;
		cJSON *res;
		cJSON_ArrayForEach(res, results)
			if (cJSON_GetArrayItem(res, 0)->valueint == SI_RUN_AS_ROOT_ALLOWED &&
			    cJSON_GetArrayItem(res, 1)->valueint == 1)
				root_failed = cJSON_GetArrayItem(res, 2)->valueint == SI_RESULT_FAILED;
		assert_true(root_failed);
		cJSON *manifest = cJSON_GetArrayItem(head, 3);
		assert_int_equal(cJSON_GetArrayItem(manifest, 0)->valueint, 1);   /* YAML */
		size_t mlen = (size_t)cJSON_GetArrayItem(manifest, 1)->valuedouble;
		char want[64];
		snprintf(want, sizeof(want), "  name: app-%zu\n", 256 + k);
		char *yaml_text = strndup(nl + 1, mlen);
		assert_non_null(strstr(yaml_text, want));
		assert_non_null(strstr(yaml_text, "value: <masked>"));
		assert_null(strstr(yaml_text, "PLANTED"));
		free(yaml_text);
		cJSON_Delete(head);
		at = nl + 1 + mlen;
	}
	assert_int_equal((size_t)(at - data), len);   /* nothing after the last record */
	assert_null(strstr(page, "PLANTED"));
	free(data);
	cJSON_Delete(lines);
	free(index);
	free(page);
	free(yaml);
}

static void test_an_owned_pod_names_its_deployment_and_markup_stays_data(void **state)
{
	const char *yaml =
		"apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-7d9f-x2x\n  namespace: shop\n"
		"  labels: {pod-template-hash: 7d9f}\n"
		"  ownerReferences: [{kind: ReplicaSet, name: web-7d9f, uid: u, apiVersion: apps/v1}]\n"
		"spec: {containers: [{name: \"</script><b>x\", image: nginx}]}\n";
	struct si_report_options o = { 0 };
	size_t len = 0;
	char *page = report_of(yaml, &o);
	char *data = block(page, 0, &len);
	char *nl = strchr(data, '\n');
	assert_non_null(nl);
	*nl = '\0';
	cJSON *head = cJSON_Parse(data);
	cJSON *owner = cJSON_GetArrayItem(head, 2);
	assert_string_equal(cJSON_GetArrayItem(owner, 0)->valuestring, "Deployment");
	assert_string_equal(cJSON_GetArrayItem(owner, 1)->valuestring, "web");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetArrayItem(cJSON_GetArrayItem(head, 0), 0),
					       0)->valuestring, "</script><b>x");
	assert_null(strstr(page, "<b>x"));
	assert_int_equal(count(page, "</script>"), count(page, "<script"));
	cJSON_Delete(head);
	free(data);
	free(page);
}

static void test_failed_only_leaves_out_passing_workloads_and_results(void **state)
{
	char yaml[2048];
	const char *good =
		"apiVersion: v1\nkind: Pod\nmetadata: {name: good}\nspec:\n"
		"  securityContext: {runAsNonRoot: true, runAsUser: 1000,"
		" seccompProfile: {type: RuntimeDefault}}\n"
		"  containers:\n  - name: c\n    image: c:1.0\n"
		"    securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true,"
		" capabilities: {drop: [ALL]}}\n"
		"    resources: {requests: {cpu: 1m, memory: 1Mi}, limits: {cpu: 1m, memory: 1Mi}}\n"
		"    readinessProbe: {exec: {command: [\"true\"]}}\n"
		"    livenessProbe: {exec: {command: [\"true\"]}}\n---\n";
	struct si_report_options o = { .failed_only = true };
	size_t len = 0;

	snprintf(yaml, sizeof(yaml), "%s", good);
	deployment(yaml + strlen(yaml), sizeof(yaml) - strlen(yaml), "bad");
	char *page = report_of(yaml, &o);
	char *index = element(page, "si-index", 0, &len);
	assert_non_null(strstr(index, "\"bad\""));
	assert_null(strstr(index, "\"good\""));
	char *data = block(page, 0, &len);
	*strchr(data, '\n') = '\0';
	cJSON *head = cJSON_Parse(data), *res;
	assert_true(cJSON_GetArraySize(cJSON_GetArrayItem(head, 1)) > 0);
	cJSON_ArrayForEach(res, cJSON_GetArrayItem(head, 1))
		assert_int_equal(cJSON_GetArrayItem(res, 2)->valueint, SI_RESULT_FAILED);
	assert_non_null(strstr(page, "\"failedOnly\": true"));
	cJSON_Delete(head);
	free(data);
	free(index);
	free(page);
}

static void test_no_workload_makes_no_block_and_skipped_objects_are_counted(void **state)
{
	const char *doc = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n";
	const size_t n = SI_AUDIT_MAX_LISTED + 2;
	const size_t len = strlen(doc);
	char *yaml = malloc(n * len + 1);
	struct si_report_options o = { 0 };
	assert_non_null(yaml);
	for (size_t i = 0; i < n; i++)
		memcpy(yaml + i * len, doc, len);
	yaml[n * len] = '\0';
	char *page = report_of(yaml, &o);
	assert_int_equal(count(page, "class=\"si-block\""), 0);
	assert_non_null(strstr(page, "{\"records\": 0,"));
	assert_non_null(strstr(page, "1002 objects skipped, 0 input errors."));
	assert_int_equal(count(page, "<tr data-skipped>"), SI_AUDIT_MAX_LISTED);
	assert_non_null(strstr(page, "and 2 more skipped objects, not listed"));
	assert_non_null(strstr(page, "</html>\n"));
	free(page);
	free(yaml);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_length_comes_back_whole),
		cmocka_unit_test(test_a_level_out_of_range_is_refused),
		cmocka_unit_test(test_a_write_error_is_kept_and_returned),
		cmocka_unit_test(test_workloads_go_in_blocks_of_records_with_an_index),
		cmocka_unit_test(test_an_owned_pod_names_its_deployment_and_markup_stays_data),
		cmocka_unit_test(test_failed_only_leaves_out_passing_workloads_and_results),
		cmocka_unit_test(test_no_workload_makes_no_block_and_skipped_objects_are_counted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
