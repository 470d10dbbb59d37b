// SPDX-License-Identifier: Apache-2.0
// The failures per namespace of a scan (src/scan/namespace_tally.c): counts
// by severity, the cap with its "(other)" row, ties by name, the cluster
// scope, and names that cannot be kept.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "namespace_tally.h"

struct top {
	struct si_namespace_failures *rows;
	size_t n, failing;
};

static struct top top_of(struct si_namespace_tally *t, size_t max)
{
	struct top x;
	struct si_error err = { 0 };
	assert_int_equal(si_namespace_tally_top(t, max, &x.rows, &x.n, &x.failing, &err), SI_OK);
	return x;
}

static void add(struct si_namespace_tally *t, const char *ns, size_t danger, size_t warning)
{
	for (size_t i = 0; i < danger; i++)
		si_namespace_tally_add(t, ns, SI_SEVERITY_DANGER);
	for (size_t i = 0; i < warning; i++)
		si_namespace_tally_add(t, ns, SI_SEVERITY_WARNING);
}

static void assert_row(const struct si_namespace_failures *r, const char *ns, size_t danger,
		       size_t warning)
{
	assert_string_equal(r->namespace, ns);
	assert_int_equal(r->failures[SI_SEVERITY_DANGER], danger);
	assert_int_equal(r->failures[SI_SEVERITY_WARNING], warning);
}

static void counts_each_namespace_by_severity_most_failures_first(void **state)
{
	(void)state;
	struct si_namespace_tally *t = si_namespace_tally_new();
	add(t, "team-a", 1, 2);
	add(t, "", 1, 0);             /* a ClusterRoleBinding */
	add(t, "team-b", 3, 4);
	add(t, "team-a", 0, 1);
	struct top x = top_of(t, 1000);
	assert_int_equal(x.n, 3);
	assert_row(&x.rows[0], "team-b", 3, 4);
	assert_row(&x.rows[1], "team-a", 1, 3);
	assert_row(&x.rows[2], "", 1, 0);
	assert_int_equal(x.failing, 2);   /* the cluster scope is no namespace */
	free(x.rows);
	si_namespace_tally_free(t);
}

static void past_the_cap_the_rest_is_one_other_row_and_ties_go_by_name(void **state)
{
	(void)state;
	struct si_namespace_tally *t = si_namespace_tally_new();
	add(t, "zeta", 2, 0);
	add(t, "alpha", 0, 2);
	add(t, "mid", 1, 0);
	add(t, "big", 5, 5);
	struct top x = top_of(t, 2);
	assert_int_equal(x.n, 3);
	assert_row(&x.rows[0], "big", 5, 5);
	assert_row(&x.rows[1], "alpha", 0, 2);     /* 2 failures, as zeta: by name */
	assert_row(&x.rows[2], SI_METRICS_OTHER_NAMESPACES, 3, 0);
	assert_int_equal(x.failing, 4);
	free(x.rows);
	si_namespace_tally_free(t);
}

static void a_cap_of_zero_gives_no_row(void **state)
{
	(void)state;
	struct si_namespace_tally *t = si_namespace_tally_new();
	add(t, "a", 1, 1);
	struct top x = top_of(t, 0);
	assert_int_equal(x.n, 0);
	assert_null(x.rows);
	assert_int_equal(x.failing, 1);
	si_namespace_tally_free(t);
}

static void an_empty_scan_gives_no_row(void **state)
{
	(void)state;
	struct si_namespace_tally *t = si_namespace_tally_new();
	struct top x = top_of(t, 10);
	assert_int_equal(x.n, 0);
	assert_null(x.rows);
	assert_int_equal(x.failing, 0);
	si_namespace_tally_free(t);
}

static void thousands_of_namespaces_grow_the_table_and_keep_every_count(void **state)
{
	(void)state;
	struct si_namespace_tally *t = si_namespace_tally_new();
	char ns[32];
	/* ns-i has i % 7 + 1 danger failures, added in two rounds. */
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 5000; i++) {
			snprintf(ns, sizeof(ns), "ns-%04d", i);
			add(t, ns, round ? (size_t)(i % 7) : 1, 0);
		}
	struct top x = top_of(t, 5000);
	assert_int_equal(x.n, 5000);
	assert_int_equal(x.failing, 5000);
	size_t sum = 0;
	for (size_t i = 0; i < x.n; i++) {
		long k = strtol(x.rows[i].namespace + 3, NULL, 10);
		assert_int_equal(x.rows[i].failures[SI_SEVERITY_DANGER], (size_t)(k % 7 + 1));
		sum += x.rows[i].failures[SI_SEVERITY_DANGER];
		if (i)
			assert_true(x.rows[i - 1].failures[SI_SEVERITY_DANGER] >=
				    x.rows[i].failures[SI_SEVERITY_DANGER]);
	}
	assert_int_equal(x.rows[0].failures[SI_SEVERITY_DANGER], 7);
	assert_string_equal(x.rows[0].namespace, "ns-0006");
	free(x.rows);
	si_namespace_tally_free(t);
	size_t want = 0;
	for (int i = 0; i < 5000; i++)
		want += (size_t)(i % 7 + 1);
	assert_int_equal(sum, want);
}

static void a_name_longer_than_a_namespace_counts_under_other(void **state)
{
	(void)state;
	struct si_namespace_tally *t = si_namespace_tally_new();
	char longer[100];
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	add(t, longer, 1, 2);
	add(t, "web", 0, 1);
	struct top x = top_of(t, 10);
	assert_int_equal(x.n, 2);
	assert_row(&x.rows[0], "web", 0, 1);
	assert_row(&x.rows[1], SI_METRICS_OTHER_NAMESPACES, 1, 2);
	free(x.rows);
	si_namespace_tally_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counts_each_namespace_by_severity_most_failures_first),
		cmocka_unit_test(past_the_cap_the_rest_is_one_other_row_and_ties_go_by_name),
		cmocka_unit_test(a_cap_of_zero_gives_no_row),
		cmocka_unit_test(an_empty_scan_gives_no_row),
		cmocka_unit_test(thousands_of_namespaces_grow_the_table_and_keep_every_count),
		cmocka_unit_test(a_name_longer_than_a_namespace_counts_under_other),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
