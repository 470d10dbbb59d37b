// SPDX-License-Identifier: Apache-2.0
// The data-driven item suite: every tests/fixtures/<itemID>/{pass,fail}-*.yaml
// is one test case. Header comments make the expectation exact:
//   # failed: a,b      the containers (or "-" for pod/binding level) failing
//   # results: N       how many results the item gives for the whole file
//   # whitelisted: N   how many of them are whitelisted
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "security-inspector/audit.h"

struct fixture {
	char path[512];
	char name[300];
	const struct si_item *item;
	bool expect_fail;
};

static struct si_policy *policy;

struct header {
	char failed[512];
	bool has_failed;
	long results, whitelisted;    /* -1: not given */
};

static void read_header(const char *path, struct header *h)
{
	char line[600];
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	h->has_failed = false;
	h->results = h->whitelisted = -1;
	while (fgets(line, sizeof(line), f) && line[0] == '#') {
		line[strcspn(line, "\r\n")] = '\0';
		if (strncmp(line, "# failed:", 9) == 0) {
			const char *v = line + 9;
			while (*v == ' ')
				v++;
			snprintf(h->failed, sizeof(h->failed), ",%s,", v);
			h->has_failed = true;
		} else if (strncmp(line, "# results:", 10) == 0) {
			h->results = strtol(line + 10, NULL, 10);
		} else if (strncmp(line, "# whitelisted:", 14) == 0) {
			h->whitelisted = strtol(line + 14, NULL, 10);
		}
	}
	fclose(f);
}

/* Whether `name` is in the ",a,b," list (after removing spaces). */
static bool listed(const char *list, const char *name)
{
	char needle[300], clean[512];
	size_t n = 0;
	for (const char *c = list; *c && n + 1 < sizeof(clean); c++)
		if (*c != ' ')
			clean[n++] = *c;
	clean[n] = '\0';
	snprintf(needle, sizeof(needle), ",%s,", name);
	return strstr(clean, needle) != NULL;
}

static size_t list_count(const char *list)
{
	size_t n = 0;
	for (const char *c = list + 1; *c; c++)
		if (*c == ',')
			n++;
	return n;
}

/* The results of the fixture's item, counted as the audit hands over
 * each workload. */
struct tally {
	const struct fixture *fx;
	const struct header *h;
	size_t results, failed, whitelisted, failed_named;
};

static si_rc tally_entry(const struct si_audit_entry *e, void *ctx, struct si_error *err)
{
	struct tally *t = ctx;
	const struct si_evaluation *ev = &e->eval;
	for (size_t r = 0; r < ev->n_results; r++) {
		const struct si_result *res = &ev->results[r];
		if (res->item != t->fx->item)
			continue;
		t->results++;
		if (res->status == SI_RESULT_WHITELISTED)
			t->whitelisted++;
		if (res->status != SI_RESULT_FAILED)
			continue;
		t->failed++;
		const char *who = res->container ? res->container->name : "-";
		if (t->h->has_failed && !listed(t->h->failed, who))
			fail_msg("%s: %s failed for \"%s\", not listed in # failed: (%s)",
				 t->fx->name, t->fx->item->name, who, res->message);
		t->failed_named++;
	}
	return SI_OK;
}

static void run_fixture(void **state)
{
	const struct fixture *fx = *state;
	struct header h;
	struct si_input *in = NULL;
	struct si_error err = { 0 };
	struct si_audit a;
	char buf[1024];

	read_header(fx->path, &h);
	si_rc rc = si_input_read(fx->path, &si_limits_default, &in, &err);
	if (rc)
		fail_msg("%s", si_error_format(&err, buf, sizeof(buf)));
	struct tally t = { .fx = fx, .h = &h };
	si_audit_init(&a, policy, NULL);
	a.on_entry = tally_entry;
	a.ctx = &t;
	assert_int_equal(si_audit_inspect(&a, in, &err), SI_OK);
	si_input_free(in);
	if (a.n_errors)
		fail_msg("%s", si_error_format(&a.errors[0], buf, sizeof(buf)));
	assert_int_equal(si_audit_finish(&a), SI_OK);
	size_t results = t.results, failed = t.failed, whitelisted = t.whitelisted;
	size_t failed_named = t.failed_named;
	if (fx->expect_fail && failed == 0)
		fail_msg("%s: expected %s to fail, but it did not", fx->name, fx->item->name);
	if (!fx->expect_fail && failed)
		fail_msg("%s: expected %s to pass, but %zu result(s) failed", fx->name,
			 fx->item->name, failed);
	if (h.has_failed && failed_named != list_count(h.failed))
		fail_msg("%s: %zu failed result(s), # failed: lists %zu", fx->name,
			 failed_named, list_count(h.failed));
	if (h.results >= 0 && results != (size_t)h.results)
		fail_msg("%s: %zu result(s) of %s, expected %ld", fx->name, results,
			 fx->item->name, h.results);
	if (h.whitelisted >= 0 && whitelisted != (size_t)h.whitelisted)
		fail_msg("%s: %zu whitelisted result(s), expected %ld", fx->name, whitelisted,
			 h.whitelisted);
	si_audit_free(&a);
}

static int cmp_fixture(const void *a, const void *b)
{
	return strcmp(((const struct fixture *)a)->path, ((const struct fixture *)b)->path);
}

int main(int argc, char **argv)
{
	const char *root = argc > 1 ? argv[1] : "tests/fixtures";
	struct fixture *fx = NULL;
	size_t n = 0, cap = 0;
	struct si_error err = { 0 };

	if (si_policy_default(&policy, &err))
		return 1;
	for (size_t i = 0; i < SI_ITEM_COUNT; i++) {
		char dir[512];
		snprintf(dir, sizeof(dir), "%s/%s", root, si_items[i].name);
		DIR *d = opendir(dir);
		if (!d) {
			fprintf(stderr, "no fixtures for %s in %s\n", si_items[i].name, dir);
			return 1;
		}
		struct dirent *e;
		while ((e = readdir(d))) {
			bool pass = strncmp(e->d_name, "pass-", 5) == 0;
			bool fail = strncmp(e->d_name, "fail-", 5) == 0;
			if (!pass && !fail)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				fx = realloc(fx, cap * sizeof(*fx));
				if (!fx)
					return 1;
			}
			snprintf(fx[n].path, sizeof(fx[n].path), "%s/%s", dir, e->d_name);
			snprintf(fx[n].name, sizeof(fx[n].name), "%s/%s", si_items[i].name, e->d_name);
			fx[n].item = &si_items[i];
			fx[n].expect_fail = fail;
			n++;
		}
		closedir(d);
	}
	qsort(fx, n, sizeof(*fx), cmp_fixture);
	struct CMUnitTest *tests = calloc(n, sizeof(*tests));
	if (!tests)
		return 1;
	for (size_t i = 0; i < n; i++)
		tests[i] = (struct CMUnitTest){ .name = fx[i].name, .test_func = run_fixture,
						.initial_state = &fx[i] };
	int failed = _cmocka_run_group_tests("fixtures", tests, n, NULL, NULL);
	free(tests);
	free(fx);
	si_policy_free(policy);
	return failed ? 1 : 0;
}
