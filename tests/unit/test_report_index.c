// SPDX-License-Identifier: Apache-2.0
// The report's index (src/scan/report_index.c): fixed-size records in the
// report's order, the header with the summary, filters, walks over many
// batches, names cut at a whole character, and files that are not an
// index refused.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "report_index.h"

/* An index written to a temporary file: one record per {kind, namespace,
 * name, danger failures} of `w`, at offsets 100 apart. */
struct w {
	const char *kind, *namespace, *name;
	size_t danger, warning, whitelisted, passed;
};

static FILE *index_of(const struct w *w, size_t n, size_t errors)
{
	FILE *f = tmpfile();
	struct si_audit a;
	struct si_error err = { 0 };

	assert_non_null(f);
	memset(&a, 0, sizeof(a));
	a.summary.workloads = n;
	a.n_errors = errors;
	assert_int_equal(si_index_begin(f, &err), SI_OK);
	for (size_t i = 0; i < n; i++) {
		struct si_audit_entry e;
		memset(&e, 0, sizeof(e));
		e.workload.kind = w[i].kind;
		e.workload.namespace = w[i].namespace;
		e.workload.name = w[i].name;
		e.eval.danger_failed = w[i].danger;
		e.eval.warning_failed = w[i].warning;
		e.eval.failed = w[i].danger + w[i].warning;
		e.eval.whitelisted = w[i].whitelisted;
		e.eval.passed = w[i].passed;
		assert_int_equal(si_index_add(f, &e, 100 * i, 90, &err), SI_OK);
	}
	assert_int_equal(si_index_finish(f, n, &a, 1700000000, 1500, &err), SI_OK);
	return f;
}

static const struct w cluster[] = {
	{ "Deployment", "team-a", "web", 2, 3, 0, 10 },
	{ "Deployment", "team-b", "Web-API", 0, 0, 1, 16 },
	{ "ReplicaSet", "team-a", "canary-7c9d", 1, 0, 0, 12 },
	{ "Pod", "prod", "web-5d4f9c-x2x9z", 0, 4, 0, 9 },
	{ "ClusterRoleBinding", "", "anon-view", 1, 0, 0, 0 },
};
#define N_CLUSTER (sizeof(cluster) / sizeof(cluster[0]))

static void test_records_hold_each_workload_in_order(void **state)
{
	(void)state;
	FILE *f = index_of(cluster, N_CLUSTER, 0);
	struct si_index_header h;
	struct si_index_record r;
	struct si_error err = { 0 };

	assert_int_equal(sizeof(r), 384);
	assert_int_equal(si_index_read_header(fileno(f), &h, &err), SI_OK);
	assert_int_equal(h.records, N_CLUSTER);
	assert_int_equal(h.finished_at, 1700000000);
	assert_int_equal(h.duration_ms, 1500);
	assert_int_equal(h.complete, 1);
	assert_int_equal(h.summary.workloads, N_CLUSTER);
	assert_int_equal(si_index_read_record(fileno(f), 3, &r, &err), SI_OK);
	assert_string_equal(r.kind, "Pod");
	assert_string_equal(r.namespace, "prod");
	assert_string_equal(r.name, "web-5d4f9c-x2x9z");
	assert_int_equal(r.offset, 300);
	assert_int_equal(r.length, 90);
	assert_int_equal(r.danger, 0);
	assert_int_equal(r.warning, 4);
	assert_int_equal(r.passed, 9);
	assert_int_equal(r.failed, 1);
	assert_int_equal(si_index_read_record(fileno(f), 1, &r, &err), SI_OK);
	assert_int_equal(r.failed, 0);
	assert_int_equal(r.whitelisted, 1);
	fclose(f);
}

static void test_an_incomplete_scan_is_said_in_the_header(void **state)
{
	(void)state;
	FILE *f = index_of(cluster, 1, 2);
	struct si_index_header h;
	struct si_error err = { 0 };
	assert_int_equal(si_index_read_header(fileno(f), &h, &err), SI_OK);
	assert_int_equal(h.complete, 0);
	assert_int_equal(h.errors, 2);
	fclose(f);
}

/* The ids a walk with `filter` hands over, as "0 2 3". */
struct ids {
	char text[256];
};

static si_rc collect(const struct si_index_record *r, uint64_t id, void *ctx)
{
	struct ids *ids = ctx;
	size_t n = strlen(ids->text);
	(void)r;
	snprintf(ids->text + n, sizeof(ids->text) - n, "%s%llu", n ? " " : "",
		 (unsigned long long)id);
	return SI_OK;
}

static const char *walk(FILE *f, uint64_t records, const struct si_index_filter *filter,
			struct ids *ids)
{
	struct si_error err = { 0 };
	ids->text[0] = '\0';
	assert_int_equal(si_index_walk(fileno(f), records, filter, collect, ids, &err), SI_OK);
	return ids->text;
}

static void test_filters_select_by_namespace_kind_status_and_name(void **state)
{
	(void)state;
	FILE *f = index_of(cluster, N_CLUSTER, 0);
	struct ids ids;
	struct si_index_filter all = { NULL, NULL, -1, NULL }, empty = { "", "", -1, "" };
	struct si_index_filter exact = { "team-a", NULL, -1, NULL };
	struct si_index_filter glob = { "team-*", NULL, -1, NULL };
	struct si_index_filter one = { "team-?", "deployment", -1, NULL };
	struct si_index_filter failed = { NULL, NULL, 1, NULL }, passed = { NULL, NULL, 0, NULL };
	struct si_index_filter text = { NULL, NULL, -1, "WEB" };
	struct si_index_filter none = { "team", NULL, -1, NULL };
	struct si_index_filter together = { "team-*", NULL, 1, "web" };

	assert_string_equal(walk(f, N_CLUSTER, &all, &ids), "0 1 2 3 4");
	assert_string_equal(walk(f, N_CLUSTER, &empty, &ids), "0 1 2 3 4");
	assert_string_equal(walk(f, N_CLUSTER, &exact, &ids), "0 2");
	assert_string_equal(walk(f, N_CLUSTER, &glob, &ids), "0 1 2");
	assert_string_equal(walk(f, N_CLUSTER, &one, &ids), "0 1");
	assert_string_equal(walk(f, N_CLUSTER, &failed, &ids), "0 2 3 4");
	assert_string_equal(walk(f, N_CLUSTER, &passed, &ids), "1");
	assert_string_equal(walk(f, N_CLUSTER, &text, &ids), "0 1 3");
	assert_string_equal(walk(f, N_CLUSTER, &none, &ids), "");
	assert_string_equal(walk(f, N_CLUSTER, &together, &ids), "0");
	fclose(f);
}

static si_rc count(const struct si_index_record *r, uint64_t id, void *ctx)
{
	uint64_t *n = ctx;
	char want[32];
	snprintf(want, sizeof(want), "w-%llu", (unsigned long long)id);
	if (strcmp(r->name, want) != 0)
		return SI_ERR_INVALID;
	(*n)++;
	return SI_OK;
}

static void test_a_walk_reads_every_batch(void **state)
{
	(void)state;
	enum { N = 700 };   /* over two batches of 256, and a part */
	static struct w many[N];
	static char names[N][16];
	struct si_index_filter all = { NULL, NULL, -1, NULL };
	struct si_error err = { 0 };
	uint64_t n = 0;

	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "w-%d", i);
		many[i] = (struct w){ "Deployment", "ns", names[i], 0, 0, 0, 1 };
	}
	FILE *f = index_of(many, N, 0);
	assert_int_equal(si_index_walk(fileno(f), N, &all, count, &n, &err), SI_OK);
	assert_int_equal(n, N);
	fclose(f);
}

static void test_long_names_are_cut_at_a_whole_character(void **state)
{
	(void)state;
	char name[400];
	struct si_index_record r;
	struct si_error err = { 0 };

	/* 254 ASCII bytes, then "é" (2 bytes): the cut at 255 falls inside it. */
	memset(name, 'a', 254);
	strcpy(name + 254, "\xC3\xA9" "bbbb");
	struct w one = { "Deployment", "ns", name, 0, 0, 0, 0 };
	FILE *f = index_of(&one, 1, 0);
	assert_int_equal(si_index_read_record(fileno(f), 0, &r, &err), SI_OK);
	assert_int_equal(strlen(r.name), 254);
	assert_memory_equal(r.name, name, 254);
	fclose(f);
}

static void test_a_file_that_is_not_an_index_is_refused(void **state)
{
	(void)state;
	struct si_index_header h;
	struct si_error err = { 0 };
	FILE *f = index_of(cluster, N_CLUSTER, 0);

	/* One record short of what the header announces. */
	assert_int_equal(ftruncate(fileno(f), (off_t)(sizeof(h) + 4 * sizeof(struct si_index_record))),
			 0);
	assert_int_equal(si_index_read_header(fileno(f), &h, &err), SI_ERR_SYNTAX);
	fclose(f);

	f = tmpfile();
	assert_non_null(f);
	assert_int_equal(si_index_read_header(fileno(f), &h, &err), SI_ERR_IO);
	for (size_t i = 0; i < sizeof(h); i++)
		fputc('x', f);
	fflush(f);
	assert_int_equal(si_index_read_header(fileno(f), &h, &err), SI_ERR_SYNTAX);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records_hold_each_workload_in_order),
		cmocka_unit_test(test_an_incomplete_scan_is_said_in_the_header),
		cmocka_unit_test(test_filters_select_by_namespace_kind_status_and_name),
		cmocka_unit_test(test_a_walk_reads_every_batch),
		cmocka_unit_test(test_long_names_are_cut_at_a_whole_character),
		cmocka_unit_test(test_a_file_that_is_not_an_index_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
