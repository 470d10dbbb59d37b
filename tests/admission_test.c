// SPDX-License-Identifier: Apache-2.0
// The data-driven admission suite: every tests/fixtures/admission/<case>/
// holds request.json and the exact expected.json answer ({status, body}),
// with an optional path-mode and policy.yaml. Adding a case is adding a folder.
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "admission.h"

struct adm_case {
	char dir[512];
	char name[256];
};

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(1 << 20);
	*len = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	if (buf)
		buf[*len] = '\0';
	fclose(f);
	return buf;
}

static void run_case(void **state)
{
	const struct adm_case *c = *state;
	char path[600], buf[1024];
	size_t len;
	struct si_policy *policy = NULL;
	struct si_error err = { 0 };
	enum si_mode mode;
	bool has_mode = false;

	snprintf(path, sizeof(path), "%s/policy.yaml", c->dir);
	FILE *pf = fopen(path, "r");
	if (pf) {
		fclose(pf);
		if (si_policy_load(path, &policy, &err))
			fail_msg("%s", si_error_format(&err, buf, sizeof(buf)));
	} else if (si_policy_default(&policy, &err)) {
		fail_msg("default policy: %s", err.message);
	}
	snprintf(path, sizeof(path), "%s/path-mode", c->dir);
	char *m = slurp(path, &len);
	if (m) {
		m[strcspn(m, "\r\n")] = '\0';
		assert_true(si_mode_parse(m, &mode));
		has_mode = true;
		free(m);
	}
	snprintf(path, sizeof(path), "%s/request.json", c->dir);
	char *request = slurp(path, &len);
	assert_non_null(request);
	struct si_admission_answer a;
	struct si_limits lim = si_limits_default;
	lim.max_input_bytes = 8u << 20;
	assert_int_equal(si_admission_handle(request, len, policy, has_mode ? &mode : NULL, &lim, &a),
			 SI_OK);

	snprintf(path, sizeof(path), "%s/expected.json", c->dir);
	char *expected_text = slurp(path, &len);
	assert_non_null(expected_text);
	cJSON *expected = cJSON_Parse(expected_text);
	cJSON *got = cJSON_Parse(a.body);
	assert_non_null(expected);
	assert_non_null(got);
	const cJSON *status = cJSON_GetObjectItemCaseSensitive(expected, "status");
	assert_int_equal(a.http_status, status->valueint);
	if (!cJSON_Compare(cJSON_GetObjectItemCaseSensitive(expected, "body"), got, true)) {
		char *want = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(expected, "body"));
		fail_msg("%s: answer differs\n got: %s\nwant: %s", c->name, a.body, want);
	}
	cJSON_Delete(expected);
	cJSON_Delete(got);
	free(expected_text);
	free(request);
	si_admission_answer_clear(&a);
	si_policy_free(policy);
}

static int cmp_case(const void *a, const void *b)
{
	return strcmp(((const struct adm_case *)a)->name, ((const struct adm_case *)b)->name);
}

int main(int argc, char **argv)
{
	const char *root = argc > 1 ? argv[1] : "tests/fixtures/admission";
	struct adm_case *cases = NULL;
	size_t n = 0;
	DIR *d = opendir(root);
	struct dirent *e;

	si_json_arena_init();   /* as the server runs it */
	if (!d) {
		fprintf(stderr, "no admission cases in %s\n", root);
		return 1;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || strchr(e->d_name, '.'))
			continue;
		struct adm_case *grown = realloc(cases, (n + 1) * sizeof(*cases));
		if (!grown)
			return 1;
		cases = grown;
		snprintf(cases[n].dir, sizeof(cases[n].dir), "%s/%s", root, e->d_name);
		snprintf(cases[n].name, sizeof(cases[n].name), "%s", e->d_name);
		n++;
	}
	closedir(d);
	qsort(cases, n, sizeof(*cases), cmp_case);
	struct CMUnitTest *tests = calloc(n ? n : 1, sizeof(*tests));
	if (!tests)
		return 1;
	for (size_t i = 0; i < n; i++)
		tests[i] = (struct CMUnitTest){ .name = cases[i].name, .test_func = run_case,
						.initial_state = &cases[i] };
	int failed = _cmocka_run_group_tests("admission", tests, n, NULL, NULL);
	free(tests);
	free(cases);
	return failed ? 1 : 0;
}
