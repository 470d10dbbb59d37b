// SPDX-License-Identifier: Apache-2.0
// The exposition text of src/webhook/metrics.c: the PolicyReport write
// counters from start, the scans' count of failing namespaces, and the
// guarded series of failures per namespace.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metrics.h"

/* The value of the sample `series` (name and labels, as written) in
 * `text`, or -1 when it is absent. */
static long sample(const char *text, const char *series)
{
	size_t n = strlen(series);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, series, n) == 0 && p[n] == ' ')
			return strtol(p + n + 1, NULL, 10);
	return -1;
}

static char *render(struct si_metrics *m)
{
	struct si_metrics_gauges g = { 0, 0 };
	size_t len = 0;
	char *text = si_metrics_render(m, &g, &len);
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	return text;
}

static char *render_namespaces(struct si_metrics *m)
{
	size_t len = 0;
	char *text = si_metrics_render_namespaces(m, &len);
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	return text;
}

#define WRITES "security_inspector_policyreport_writes_total"
#define WRITE_FAILURES "security_inspector_policyreport_write_failures_total"

static void policyreport_writes_are_zero_from_start_for_every_operation(void **state)
{
	(void)state;
	struct si_metrics *m = si_metrics_new();
	char *t = render(m);
	static const char *const ops[] = { "create", "update", "delete" };
	char series[128];
	for (size_t i = 0; i < 3; i++) {
		snprintf(series, sizeof(series), WRITES "{operation=\"%s\"}", ops[i]);
		assert_int_equal(sample(t, series), 0);
		snprintf(series, sizeof(series), WRITE_FAILURES "{operation=\"%s\"}", ops[i]);
		assert_int_equal(sample(t, series), 0);
	}
	assert_non_null(strstr(t, "# TYPE " WRITES " counter\n"));
	assert_non_null(strstr(t, "# HELP " WRITE_FAILURES " "));
	assert_non_null(strstr(t, "# TYPE " WRITE_FAILURES " counter\n"));
	free(t);
	si_metrics_free(m);
}

static void policyreport_writes_count_every_write_and_failures_apart(void **state)
{
	(void)state;
	struct si_metrics *m = si_metrics_new();
	si_metrics_policyreport_write(m, SI_METRICS_WRITE_CREATE, true);
	si_metrics_policyreport_write(m, SI_METRICS_WRITE_CREATE, true);
	si_metrics_policyreport_write(m, SI_METRICS_WRITE_CREATE, false);
	si_metrics_policyreport_write(m, SI_METRICS_WRITE_UPDATE, true);
	si_metrics_policyreport_write(m, SI_METRICS_WRITE_DELETE, false);
	char *t = render(m);
	assert_int_equal(sample(t, WRITES "{operation=\"create\"}"), 3);
	assert_int_equal(sample(t, WRITE_FAILURES "{operation=\"create\"}"), 1);
	assert_int_equal(sample(t, WRITES "{operation=\"update\"}"), 1);
	assert_int_equal(sample(t, WRITE_FAILURES "{operation=\"update\"}"), 0);
	assert_int_equal(sample(t, WRITES "{operation=\"delete\"}"), 1);
	assert_int_equal(sample(t, WRITE_FAILURES "{operation=\"delete\"}"), 1);
	free(t);
	si_metrics_free(m);
}

/* Rows as a scan hands them over (allocated: the metrics take them). */
static struct si_namespace_failures *rows_of(size_t n, const char *const *names,
					     const size_t (*failures)[2])
{
	struct si_namespace_failures *r = calloc(n, sizeof(*r));
	assert_non_null(r);
	for (size_t i = 0; i < n; i++) {
		snprintf(r[i].namespace, sizeof(r[i].namespace), "%s", names[i]);
		r[i].failures[SI_SEVERITY_DANGER] = failures[i][0];
		r[i].failures[SI_SEVERITY_WARNING] = failures[i][1];
	}
	return r;
}

#define NS_FAILURES "security_inspector_scan_namespace_failures"
#define FAILING "security_inspector_scan_namespaces_failing"

static void namespace_series_come_after_a_complete_scan_only(void **state)
{
	(void)state;
	struct si_metrics *m = si_metrics_new();
	char *t = render_namespaces(m);
	assert_non_null(strstr(t, "# TYPE " NS_FAILURES " gauge\n"));
	assert_null(strstr(t, NS_FAILURES "{"));
	free(t);
	t = render(m);
	assert_int_equal(sample(t, FAILING), -1);
	free(t);

	struct si_scan_figures f = { .complete = true, .workloads = 3 };
	si_metrics_scan(m, &f);
	static const char *const names[] = { "shop", "", SI_METRICS_OTHER_NAMESPACES };
	static const size_t counts[][2] = { { 4, 9 }, { 1, 0 }, { 2, 2 } };
	si_metrics_scan_namespaces(m, rows_of(3, names, counts), 3, 7);
	t = render_namespaces(m);
	assert_int_equal(sample(t, NS_FAILURES "{namespace=\"shop\",severity=\"danger\"}"), 4);
	assert_int_equal(sample(t, NS_FAILURES "{namespace=\"shop\",severity=\"warning\"}"), 9);
	assert_int_equal(sample(t, NS_FAILURES "{namespace=\"\",severity=\"danger\"}"), 1);
	assert_int_equal(sample(t, NS_FAILURES "{namespace=\"\",severity=\"warning\"}"), 0);
	assert_int_equal(sample(t, NS_FAILURES "{namespace=\"(other)\",severity=\"warning\"}"), 2);
	/* In the order given: the most failures first. */
	assert_true(strstr(t, "namespace=\"shop\"") < strstr(t, "namespace=\"(other)\""));
	free(t);
	t = render(m);
	assert_int_equal(sample(t, FAILING), 7);
	assert_null(strstr(t, NS_FAILURES));
	assert_null(strstr(t, "shop"));
	free(t);

	/* A newer scan replaces the rows. */
	static const char *const later[] = { "web" };
	static const size_t later_counts[][2] = { { 0, 1 } };
	si_metrics_scan_namespaces(m, rows_of(1, later, later_counts), 1, 1);
	t = render_namespaces(m);
	assert_null(strstr(t, "shop"));
	assert_int_equal(sample(t, NS_FAILURES "{namespace=\"web\",severity=\"warning\"}"), 1);
	free(t);
	si_metrics_scan_namespaces(m, NULL, 0, 0);
	t = render_namespaces(m);
	assert_null(strstr(t, NS_FAILURES "{"));
	free(t);
	si_metrics_free(m);
}

static void namespace_label_values_are_escaped(void **state)
{
	(void)state;
	struct si_metrics *m = si_metrics_new();
	static const char *const names[] = { "a\"b\\c\nd" };
	static const size_t counts[][2] = { { 1, 1 } };
	si_metrics_scan_namespaces(m, rows_of(1, names, counts), 1, 1);
	char *t = render_namespaces(m);
	assert_int_equal(sample(t, NS_FAILURES "{namespace=\"a\\\"b\\\\c\\nd\",severity=\"danger\"}"),
			 1);
	free(t);
	si_metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(policyreport_writes_are_zero_from_start_for_every_operation),
		cmocka_unit_test(policyreport_writes_count_every_write_and_failures_apart),
		cmocka_unit_test(namespace_series_come_after_a_complete_scan_only),
		cmocka_unit_test(namespace_label_values_are_escaped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
