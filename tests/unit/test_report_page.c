// SPDX-License-Identifier: Apache-2.0
// The served report pages (src/scan/report_page.c) on a report written as a
// scan writes it (src/scan/report_store.c): the query, the whitelist
// entries as YAML, a page of workloads and one workload's page, with
// markup from the cluster escaped.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "helpers.h"
#include "report_page.h"
#include "report_store.h"
#include "security-inspector/audit.h"

/* --- the query ----------------------------------------------------------------------- */

static si_rc parse(const char *path, const char *const *query, struct si_page_query *q,
		   struct si_error *err)
{
	memset(err, 0, sizeof(*err));
	return si_page_query_parse(path, query, q, err);
}

static void test_a_query_gives_the_filters_and_the_page(void **state)
{
	(void)state;
	struct si_page_query q;
	struct si_error err;

	assert_int_equal(parse("/report", NULL, &q, &err), SI_OK);
	assert_int_equal(q.page, 1);
	assert_int_equal(q.size, SI_PAGE_DEFAULT_SIZE);
	assert_int_equal(q.failed, -1);
	assert_string_equal(q.namespace, "");

	const char *all[] = { "namespace", "team-*", "kind", "Pod", "status", "failed", "text",
			      "web", "page", "3", "size", "500", NULL };
	assert_int_equal(parse("/report", all, &q, &err), SI_OK);
	assert_string_equal(q.namespace, "team-*");
	assert_string_equal(q.kind, "Pod");
	assert_string_equal(q.text, "web");
	assert_int_equal(q.failed, 1);
	assert_int_equal(q.page, 3);
	assert_int_equal(q.size, 500);

	/* As a form sends them: every field, some empty. */
	const char *form[] = { "namespace", "", "kind", "", "status", "", "text", "", "size", "10",
			       NULL };
	assert_int_equal(parse("/report", form, &q, &err), SI_OK);
	assert_int_equal(q.failed, -1);
	assert_int_equal(q.size, 10);

	const char *id[] = { "id", "42", NULL };
	assert_int_equal(parse("/report/workload", id, &q, &err), SI_OK);
	assert_int_equal(q.id, 42);
}

static void test_bad_parameters_are_refused_with_a_reason(void **state)
{
	(void)state;
	static const struct {
		const char *path, *name, *value, *says;
	} cases[] = {
		{ "/report", "colour", "red", "unknown query parameter \"colour\"" },
		{ "/report", "id", "1", "unknown query parameter \"id\"" },
		{ "/report", "status", "ok", "status: expected passed or failed" },
		{ "/report", "page", "0", "page: expected a page number from 1" },
		{ "/report", "page", "", "page: expected a page number from 1" },
		{ "/report", "page", "+2", "page: expected a page number from 1" },
		{ "/report", "page", "99999999999999999999", "page: expected a page number from 1" },
		{ "/report", "size", "501", "size: expected a number of workloads from 1 to 500" },
		{ "/report", "size", "0", "size: expected a number of workloads from 1 to 500" },
		{ "/report", "kind", "\xff", "kind: expected UTF-8 text of at most 253 bytes" },
		{ "/report/workload", "id", "-1", "id: expected a workload number" },
		{ "/report/workload", "page", "1", "unknown query parameter \"page\": "
						   "/report/workload takes id" },
	};
	struct si_page_query q;
	struct si_error err;
	char long_value[300];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *query[] = { cases[i].name, cases[i].value, NULL };
		assert_int_equal(parse(cases[i].path, query, &q, &err), SI_ERR_USAGE);
		if (!strstr(err.message, cases[i].says))
			fail_msg("%s?%s=%s: \"%s\" does not say \"%s\"", cases[i].path,
				 cases[i].name, cases[i].value, err.message, cases[i].says);
	}
	memset(long_value, 'a', sizeof(long_value) - 1);
	long_value[sizeof(long_value) - 1] = '\0';
	const char *longer[] = { "text", long_value, NULL };
	assert_int_equal(parse("/report", longer, &q, &err), SI_ERR_USAGE);
	const char *twice[] = { "page", "1", "page", "2", NULL };
	assert_int_equal(parse("/report", twice, &q, &err), SI_ERR_USAGE);
	assert_string_equal(err.message, "the query parameter page is given twice");
	assert_int_equal(parse("/report/workload", NULL, &q, &err), SI_ERR_USAGE);
	assert_string_equal(err.message, "/report/workload needs id, the number of a workload");
}

/* --- whitelist entries --------------------------------------------------------------- */

/* What si_page_whitelist_yaml() writes (caller frees). */
static char *yaml(const char *kind, const char *ns, const char *name, const char *ok,
		  const char *on, const char *container, const char *const *checks, size_t n)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_non_null(out);
	si_page_whitelist_yaml(out, kind, ns, name, ok, on, container, checks, n);
	fclose(out);
	return text;
}

static void test_a_whitelist_entry_names_the_workload_its_container_and_item(void **state)
{
	(void)state;
	const char *one[] = { "runAsRootAllowed" }, *two[] = { "hostNetworkSet", "hostPIDSet" };
	char *y = yaml("Deployment", "shop", "web", NULL, NULL, "app", one, 1);
	assert_string_equal(y, "- namespaces: [\"shop\"]\n  kinds: [\"Deployment\"]\n"
			       "  names: [\"web\"]\n  containers: [\"app\"]\n"
			       "  checks: [runAsRootAllowed]\n"
			       "  reason: \"\"   # say why this is accepted\n");
	free(y);
	/* Pod-level items name no container. */
	y = yaml("DaemonSet", "monitoring", "node-exporter", NULL, NULL, NULL, two, 2);
	assert_string_equal(y, "- namespaces: [\"monitoring\"]\n  kinds: [\"DaemonSet\"]\n"
			       "  names: [\"node-exporter\"]\n  checks: [hostNetworkSet, hostPIDSet]\n"
			       "  reason: \"\"   # say why this is accepted\n");
	free(y);
}

static void test_an_owned_workload_is_named_through_its_top_owner(void **state)
{
	(void)state;
	const char *one[] = { "tagNotSpecified" }, *anon[] = { "anonymousUserRBACBinding" };
	char *y = yaml("Pod", "shop", "web-5d4f9c-x2x9z", "Deployment", "web", "web", one, 1);
	assert_string_equal(y, "- namespaces: [\"shop\"]\n  kinds: [\"Deployment\"]\n"
			       "  names: [\"web\"]\n  containers: [\"web\"]\n"
			       "  checks: [tagNotSpecified]\n"
			       "  reason: \"\"   # say why this is accepted\n");
	free(y);
	/* Bindings never inherit an owner's coverage; a cluster-scoped one has
	 * no namespace. */
	y = yaml("ClusterRoleBinding", "", "anon-view", "Operator", "x", NULL, anon, 1);
	assert_string_equal(y, "- kinds: [\"ClusterRoleBinding\"]\n  names: [\"anon-view\"]\n"
			       "  checks: [anonymousUserRBACBinding]\n"
			       "  reason: \"\"   # say why this is accepted\n");
	free(y);
	y = yaml("RoleBinding", "shop", "rb", "Operator", "x", NULL, anon, 1);
	assert_non_null(strstr(y, "  kinds: [\"RoleBinding\"]\n  names: [\"rb\"]\n"));
	free(y);
}

static void test_names_are_quoted_for_yaml(void **state)
{
	(void)state;
	const char *one[] = { "runAsPrivileged" };
	char *y = yaml("Deployment", "a", "q\"b\\c\nd\xE2\x80\xA8" "e<&>", NULL, NULL, "c", one, 1);
	assert_non_null(strstr(y, "  names: [\"q\\\"b\\\\c\\u000Ad\\u2028e<&>\"]\n"));
	free(y);
}

/* --- the pages ----------------------------------------------------------------------- */

/* A report written as a scan writes it, and the files the pages read. */
struct fixture {
	char dir[64];
	struct si_report_store *st;
	const struct si_report_files *files;
};

static si_rc add(const struct si_audit_entry *e, void *ctx, struct si_error *err)
{
	return si_report_writer_entry(ctx, e, err);
}

static const char cluster[] =
	"{\"kind\": \"List\", \"items\": ["
	"{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\","
	" \"metadata\": {\"name\": \"web\", \"namespace\": \"shop\"},"
	" \"spec\": {\"template\": {\"spec\": {\"containers\": [{\"name\": \"app\","
	"  \"image\": \"nginx\", \"securityContext\": {\"privileged\": true}}]}}}},"
	"{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\","
	" \"metadata\": {\"name\": \"<i>x</i>\\\"'&\", \"namespace\": \"shop\"},"
	" \"spec\": {\"template\": {\"spec\": {\"containers\": [{\"name\": \"<c>\","
	"  \"image\": \"nginx:1.25\"}]}}}},"
	"{\"apiVersion\": \"v1\", \"kind\": \"Pod\","
	" \"metadata\": {\"name\": \"web-5d4f9c-x2x9z\", \"namespace\": \"shop\","
	"  \"labels\": {\"pod-template-hash\": \"5d4f9c\"},"
	"  \"ownerReferences\": [{\"kind\": \"ReplicaSet\", \"name\": \"web-5d4f9c\"}]},"
	" \"spec\": {\"containers\": [{\"name\": \"web\", \"image\": \"nginx:1.25\"}]}}"
	"]}";

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct si_report_writer *w = NULL;
	struct si_policy *p = NULL;
	struct si_input *in = NULL;
	struct si_audit a;
	struct si_error err = { 0 };

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/si-page-test-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	assert_int_equal(si_report_store_open(fx->dir, &fx->st, &err), SI_OK);
	assert_int_equal(si_report_writer_open(fx->st, &w, &err), SI_OK);
	assert_int_equal(si_policy_default(&p, &err), SI_OK);
	si_audit_init(&a, p, NULL);
	a.on_entry = add;
	a.ctx = w;
	assert_int_equal(si_input_from_json("cluster", json_of(cluster), &in, &err), SI_OK);
	assert_int_equal(si_audit_inspect(&a, in, &err), SI_OK);
	assert_int_equal(si_audit_finish(&a), SI_OK);
	assert_int_equal(si_report_writer_commit(w, &a, 1700000000, 2500, &err), SI_OK);
	si_report_writer_free(w);
	si_input_free(in);
	si_audit_free(&a);
	si_policy_free(p);
	assert_non_null(fx->files = si_report_store_acquire(fx->st));
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	static const char *const names[] = { "report.json", "report.html", "report.idx" };
	si_report_store_release(fx->st, fx->files);
	si_report_store_free(fx->st);
	for (size_t i = 0; i < 3; i++) {
		char path[128];
		snprintf(path, sizeof(path), "%s/%s", fx->dir, names[i]);
		unlink(path);
	}
	rmdir(fx->dir);
	free(fx);
	return 0;
}

/* A page as text (caller frees), or NULL with `*rc` set. */
static char *render(const struct fixture *fx, const char *path, const char *const *query,
		    si_rc *rc, struct si_error *err)
{
	struct si_page_query q;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	memset(err, 0, sizeof(*err));
	assert_non_null(out);
	*rc = si_page_query_parse(path, query, &q, err);
	if (!*rc)
		*rc = strcmp(path, "/report") == 0 ? si_page_list(fx->files, &q, out, err)
						   : si_page_workload(fx->files, q.id, out, err);
	fclose(out);
	if (*rc) {
		free(text);
		return NULL;
	}
	return text;
}

static void assert_has(const char *text, const char *part)
{
	if (!strstr(text, part))
		fail_msg("the page lacks: %s", part);
}

static void test_the_list_shows_a_page_of_the_workloads_with_the_overview(void **state)
{
	const struct fixture *fx = *state;
	struct si_error err;
	si_rc rc;

	assert_int_equal(fx->files->header.records, 3);
	char *page = render(fx, "/report", NULL, &rc, &err);
	assert_non_null(page);
	assert_has(page, "<div class=\"n\">3</div><div class=\"l\">workloads: 0 passed, 3 failed");
	assert_has(page, "<tr><td>Deployment</td><td class=\"num\">2</td><td class=\"num\">66.7 %");
	assert_has(page, "Workloads 1 to 3 of 3 matching (3 in all), page 1 of 1.");
	assert_has(page, "<a href=\"report/workload?id=2\">web-5d4f9c-x2x9z</a>");
	assert_has(page, "scan of 2023-11-14 22:13:20 UTC, 2.5 s");
	assert_null(strstr(page, "<nav class=\"pages\""));
	free(page);

	const char *second[] = { "size", "1", "page", "2", "kind", "deployment", NULL };
	page = render(fx, "/report", second, &rc, &err);
	assert_non_null(page);
	assert_has(page, "Workloads 2 to 2 of 2 matching (3 in all), page 2 of 2.");
	assert_has(page, "<a rel=\"prev\" href=\"report?kind=deployment&amp;size=1&amp;page=1\">");
	assert_null(strstr(page, "rel=\"next\""));
	free(page);

	const char *none[] = { "namespace", "elsewhere", NULL };
	page = render(fx, "/report", none, &rc, &err);
	assert_has(page, "No workload matches (3 in all).");
	free(page);

	const char *past[] = { "size", "1", "page", "4", NULL };
	assert_null(render(fx, "/report", past, &rc, &err));
	assert_int_equal(rc, SI_ERR_INVALID);
	assert_string_equal(err.message, "page 4 is past the last page, 3 (3 workloads match)");
}

static void test_markup_from_the_cluster_is_escaped(void **state)
{
	const struct fixture *fx = *state;
	struct si_error err;
	si_rc rc;

	const char *hostile[] = { "text", "<i>", NULL };
	char *page = render(fx, "/report", hostile, &rc, &err);
	assert_non_null(page);
	assert_has(page, "&lt;i&gt;x&lt;/i&gt;&quot;&#39;&amp;</a>");
	assert_has(page, "name=\"text\" value=\"&lt;i&gt;\"");
	assert_null(strstr(page, "<i>"));
	free(page);

	const char *id[] = { "id", "1", NULL };
	page = render(fx, "/report/workload", id, &rc, &err);
	assert_non_null(page);
	assert_has(page, "<title>Deployment shop/&lt;i&gt;x&lt;/i&gt;&quot;&#39;&amp; - ");
	assert_has(page, "<td>&lt;c&gt;</td>");
	assert_has(page, "  names: [\"&lt;i&gt;x&lt;/i&gt;\\\"'&amp;\"]\n"
			 "  containers: [\"&lt;c&gt;\"]\n");
	assert_null(strstr(page, "<i>"));
	assert_null(strstr(page, "<c>"));
	free(page);
}

static void test_a_workload_page_gives_its_results_and_entries(void **state)
{
	const struct fixture *fx = *state;
	struct si_error err;
	si_rc rc;

	const char *first[] = { "id", "0", NULL };
	char *page = render(fx, "/report/workload", first, &rc, &err);
	assert_non_null(page);
	assert_has(page, "<h1><span class=\"st st-failed\">failed</span> Deployment shop/web</h1>");
	assert_has(page, "<td>app</td><td>runAsPrivileged</td><td>privilege-control</td>"
			 "<td>danger</td><td><span class=\"st st-failed\">failed</span></td>");
	assert_has(page, "<pre id=\"wl-all\"><code>- namespaces: [\"shop\"]\n"
			 "  kinds: [\"Deployment\"]\n  names: [\"web\"]\n  containers: [\"app\"]\n"
			 "  checks: [runAsRootAllowed, runAsPrivileged,");
	assert_has(page, "<button type=\"button\" data-copy=\"wl-0\">Copy</button>");
	assert_has(page, "<script>");
	free(page);

	const char *pod[] = { "id", "2", NULL };
	page = render(fx, "/report/workload", pod, &rc, &err);
	assert_non_null(page);
	assert_has(page, "Owned by ReplicaSet web-5d4f9c, Deployment web.");
	assert_has(page, "- namespaces: [\"shop\"]\n  kinds: [\"Deployment\"]\n  names: [\"web\"]\n"
			 "  containers: [\"web\"]\n");
	free(page);

	const char *past[] = { "id", "3", NULL };
	assert_null(render(fx, "/report/workload", past, &rc, &err));
	assert_int_equal(rc, SI_ERR_INVALID);
	assert_string_equal(err.message, "no workload 3: the scan has 3 (0 to 2)");
}

static void test_the_policy_names_only_the_pages_own_style_and_script(void **state)
{
	(void)state;
	const char *csp = si_page_csp();
	assert_non_null(strstr(csp, "default-src 'none'; style-src 'sha256-"));
	assert_non_null(strstr(csp, "; script-src 'sha256-"));
	assert_null(strstr(csp, "unsafe"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_query_gives_the_filters_and_the_page),
		cmocka_unit_test(test_bad_parameters_are_refused_with_a_reason),
		cmocka_unit_test(test_a_whitelist_entry_names_the_workload_its_container_and_item),
		cmocka_unit_test(test_an_owned_workload_is_named_through_its_top_owner),
		cmocka_unit_test(test_names_are_quoted_for_yaml),
		cmocka_unit_test_setup_teardown(test_the_list_shows_a_page_of_the_workloads_with_the_overview,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_markup_from_the_cluster_is_escaped, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_workload_page_gives_its_results_and_entries,
						setup, teardown),
		cmocka_unit_test(test_the_policy_names_only_the_pages_own_style_and_script),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
