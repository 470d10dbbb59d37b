// SPDX-License-Identifier: Apache-2.0
// PolicyReports of an audit: results spooled per namespace in any order,
// rendered part by part within the size limit, with the CRD's summary.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"
#include "security-inspector/audit.h"
#include "security-inspector/policyreport.h"

/* A Deployment NAME in NS, insecure when `bad`, with uid "uid-NAME". */
static void deployment(char *buf, size_t size, const char *ns, const char *name, bool bad)
{
	snprintf(buf, size,
		 "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: \"%s\"\n"
		 "  namespace: %s\n  uid: uid-%s\nspec:\n  template:\n    spec:\n"
		 "      hostNetwork: %s\n      containers:\n      - name: app\n"
		 "        image: nginx:1.25\n",
		 name, ns, name, bad ? "true" : "false");
}

static const char binding[] =
	"---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\n"
	"metadata: {name: open}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: "
	"ClusterRole, name: view}\nsubjects:\n- {kind: Group, name: system:unauthenticated, "
	"apiGroup: rbac.authorization.k8s.io}\n";

struct run {
	struct si_policy *policy;
	struct si_audit audit;
	struct si_policyreports *reports;
	size_t results;                       /* handed over */
	size_t by_status[3];                  /* passed, failed, whitelisted */
};

static si_rc add(const struct si_audit_entry *e, void *ctx, struct si_error *err)
{
	struct run *r = ctx;
	r->results += e->eval.n_results;
	r->by_status[0] += e->eval.passed;
	r->by_status[1] += e->eval.failed;
	r->by_status[2] += e->eval.whitelisted;
	return si_policyreports_add(r->reports, e, err);
}

static void run_open(struct run *r, size_t max_bytes, const char *policy)
{
	struct si_error err = { 0 };
	memset(r, 0, sizeof(*r));
	r->policy = policy_of(policy);
	si_audit_init(&r->audit, r->policy, NULL);
	r->audit.on_entry = add;
	r->audit.ctx = r;
	assert_int_equal(si_policyreports_open(max_bytes, NULL, &r->reports, &err), SI_OK);
}

static void run_text(struct run *r, const char *text)
{
	struct si_error err = { 0 };
	struct si_input *in = NULL;
	assert_int_equal(si_input_parse("t.yaml", text, strlen(text), &si_limits_default, &in,
					&err), SI_OK);
	assert_int_equal(si_audit_inspect(&r->audit, in, &err), SI_OK);
	si_input_free(in);
}

static void run_free(struct run *r)
{
	si_policyreports_free(r->reports);
	si_audit_free(&r->audit);
	si_policy_free(r->policy);
}

/* Every part, rendered. */
struct part {
	char namespace[64], kind[32], name[64];
	size_t summary[SI_POLR_RESULT_COUNT];
	cJSON *object;         /* the whole object */
	cJSON *content;        /* the content alone */
	size_t len;
};

struct parts {
	struct run *run;
	struct part p[256];
	size_t n;
	const cJSON *metadata;
};

static si_rc collect(const struct si_policyreport_part *part, void *ctx, struct si_error *err)
{
	struct parts *ps = ctx;
	char *text;
	size_t len;
	assert_true(ps->n < 256);
	struct part *p = &ps->p[ps->n++];
	snprintf(p->namespace, sizeof(p->namespace), "%s", part->namespace);
	snprintf(p->kind, sizeof(p->kind), "%s", part->kind);
	snprintf(p->name, sizeof(p->name), "%s", part->name);
	memcpy(p->summary, part->summary, sizeof(p->summary));
	assert_int_equal(si_policyreports_render(ps->run->reports, part, ps->metadata, 1700000000,
						 false, &text, &len, err), SI_OK);
	p->len = len;
	assert_non_null(p->object = cJSON_ParseWithLength(text, len));
	free(text);
	assert_int_equal(si_policyreports_render(ps->run->reports, part, NULL, 0, true, &text, &len,
						 err), SI_OK);
	assert_non_null(p->content = cJSON_ParseWithLength(text, len));
	free(text);
	return SI_OK;
}

static void parts_free(struct parts *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		cJSON_Delete(ps->p[i].object);
		cJSON_Delete(ps->p[i].content);
	}
}

static const char *str(const cJSON *o, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);
	if (b)
		v = cJSON_GetObjectItemCaseSensitive(v, b);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int num(const cJSON *o, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, a), b);
	assert_true(cJSON_IsNumber(v));
	return v->valueint;
}

static void test_namespaces_in_any_order_make_one_report_each(void **state)
{
	struct run r;
	struct parts ps = { .run = &r };
	struct si_error err = { 0 };
	char a1[512], b1[512], a2[512], text[2048];
	(void)state;
	run_open(&r, 0, "");
	deployment(a1, sizeof(a1), "team-a", "one", true);
	deployment(b1, sizeof(b1), "team-b", "two", false);
	deployment(a2, sizeof(a2), "team-a", "three", false);
	snprintf(text, sizeof(text), "%s%s%s%s", a1, b1, binding, a2);
	run_text(&r, text);
	assert_int_equal(si_policyreports_each(r.reports, collect, &ps, &err), SI_OK);
	assert_int_equal(si_policyreports_namespaces(r.reports), 3);

	/* The cluster's report first, then the namespaces by name. */
	assert_int_equal(ps.n, 3);
	assert_string_equal(ps.p[0].kind, "ClusterPolicyReport");
	assert_string_equal(ps.p[0].namespace, "");
	assert_string_equal(ps.p[1].namespace, "team-a");
	assert_string_equal(ps.p[2].namespace, "team-b");
	size_t total = 0, pass = 0, fail = 0, skip = 0;
	for (size_t i = 0; i < ps.n; i++) {
		const cJSON *o = ps.p[i].object;
		assert_string_equal(str(o, "apiVersion", NULL), "wgpolicyk8s.io/v1alpha2");
		assert_string_equal(str(o, "kind", NULL), ps.p[i].kind);
		assert_string_equal(str(o, "metadata", "name"), "security-inspector");
		if (i)
			assert_string_equal(str(o, "metadata", "namespace"), ps.p[i].namespace);
		else
			assert_null(str(o, "metadata", "namespace"));
		const cJSON *results = cJSON_GetObjectItemCaseSensitive(o, "results");
		size_t n = (size_t)cJSON_GetArraySize(results);
		assert_int_equal(num(o, "summary", "pass") + num(o, "summary", "fail") +
					 num(o, "summary", "skip"), n);
		total += n;
		pass += (size_t)num(o, "summary", "pass");
		fail += (size_t)num(o, "summary", "fail");
		skip += (size_t)num(o, "summary", "skip");
		const cJSON *res;
		cJSON_ArrayForEach(res, results) {
			const cJSON *ref = cJSON_GetArrayItem(
				cJSON_GetObjectItemCaseSensitive(res, "resources"), 0);
			assert_string_equal(str(res, "source", NULL), "security-inspector");
			assert_non_null(str(res, "policy", NULL));
			assert_non_null(str(res, "rule", NULL));
			assert_non_null(str(res, "category", NULL));
			assert_int_equal(num(res, "timestamp", "seconds"), 1700000000);
			const char *sev = str(res, "severity", NULL);
			assert_true(strcmp(sev, "high") == 0 || strcmp(sev, "medium") == 0);
			if (i) {
				assert_string_equal(str(ref, "namespace", NULL), ps.p[i].namespace);
				assert_string_equal(str(ref, "kind", NULL), "Deployment");
				assert_string_equal(str(ref, "apiVersion", NULL), "apps/v1");
				const char *c = str(res, "properties", "container");
				assert_string_equal(c ? c : "app", "app");   /* pod level: none */
			} else {
				assert_string_equal(str(ref, "kind", NULL), "ClusterRoleBinding");
				assert_null(str(ref, "namespace", NULL));
			}
			if (strcmp(str(res, "result", NULL), "fail") == 0)
				assert_non_null(strstr(str(res, "message", NULL), "; fix: "));
		}
	}
	assert_int_equal(total, r.results);
	assert_int_equal(pass, r.by_status[0]);
	assert_int_equal(fail, r.by_status[1]);
	assert_int_equal(skip, r.by_status[2]);
	/* team-a: "one" then "three", in the order they came, with their uids. */
	const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(ps.p[1].object,
										  "results"), 0);
	const cJSON *last = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(ps.p[1].object,
										 "results"), -1 +
		cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(ps.p[1].object, "results")));
	assert_string_equal(str(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(first,
		"resources"), 0), "uid", NULL), "uid-one");
	assert_string_equal(str(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(last,
		"resources"), 0), "uid", NULL), "uid-three");
	parts_free(&ps);
	run_free(&r);
}

static void test_a_report_over_the_limit_is_split_into_parts(void **state)
{
	struct run r;
	struct parts ps = { .run = &r };
	struct si_error err = { 0 };
	size_t size = 60 * 600, at = 0;
	char *text = malloc(size), one[600], name[32];
	(void)state;
	assert_non_null(text);
	run_open(&r, SI_POLICYREPORT_MIN_BYTES, "");
	for (int i = 0; i < 60; i++) {
		snprintf(name, sizeof(name), "app-%03d", i);
		deployment(one, sizeof(one), "big", name, i % 2);
		at += (size_t)snprintf(text + at, size - at, "%s", one);
	}
	run_text(&r, text);
	free(text);
	assert_int_equal(si_policyreports_each(r.reports, collect, &ps, &err), SI_OK);
	assert_true(ps.n > 5);
	size_t total = 0, fail = 0;
	for (size_t i = 0; i < ps.n; i++) {
		char want[64];
		snprintf(want, sizeof(want), i ? "security-inspector-%zu" : "security-inspector",
			 i + 1);
		assert_string_equal(ps.p[i].name, want);
		assert_string_equal(str(ps.p[i].object, "metadata", "name"), want);
		assert_true(ps.p[i].len <= SI_POLICYREPORT_MIN_BYTES);
		total += (size_t)cJSON_GetArraySize(
			cJSON_GetObjectItemCaseSensitive(ps.p[i].object, "results"));
		fail += ps.p[i].summary[SI_POLR_FAIL];
		assert_int_equal(num(ps.p[i].object, "summary", "fail"), ps.p[i].summary[SI_POLR_FAIL]);
	}
	/* Every result once, across parts and spool buffers. */
	assert_int_equal(total, r.results);
	assert_int_equal(fail, r.by_status[1]);
	parts_free(&ps);
	run_free(&r);
}

static void test_content_leaves_out_timestamps_and_metadata(void **state)
{
	struct run r;
	struct parts ps = { .run = &r };
	struct si_error err = { 0 };
	char one[600];
	cJSON *meta = json_of("{\"name\": \"ignored\", \"labels\": {\"team\": \"x\", "
			      "\"app.kubernetes.io/managed-by\": \"someone\"}, "
			      "\"annotations\": {\"a\": \"b\"}}");
	(void)state;
	run_open(&r, 0, "");
	deployment(one, sizeof(one), "ns", "web", true);
	run_text(&r, one);
	ps.metadata = meta;
	assert_int_equal(si_policyreports_each(r.reports, collect, &ps, &err), SI_OK);
	assert_int_equal(ps.n, 1);
	const cJSON *o = ps.p[0].object, *c = ps.p[0].content;
	assert_string_equal(str(o, "metadata", "name"), "security-inspector");
	assert_string_equal(str(o, "metadata", "namespace"), "ns");
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(o, "metadata"), "labels");
	assert_string_equal(str(labels, "team", NULL), "x");
	assert_string_equal(str(labels, SI_POLICYREPORT_LABEL, NULL), "security-inspector");
	assert_string_equal(str(cJSON_GetObjectItemCaseSensitive(o, "metadata"), "annotations", "a"),
			    "b");
	assert_null(cJSON_GetObjectItemCaseSensitive(c, "metadata"));
	assert_null(cJSON_GetObjectItemCaseSensitive(c, "apiVersion"));
	assert_true(cJSON_Compare(cJSON_GetObjectItemCaseSensitive(c, "summary"),
				  cJSON_GetObjectItemCaseSensitive(o, "summary"), true));
	const cJSON *res = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(c, "results"), 0);
	assert_null(cJSON_GetObjectItemCaseSensitive(res, "timestamp"));
	assert_non_null(str(res, "policy", NULL));
	cJSON_Delete(meta);
	parts_free(&ps);
	run_free(&r);
}

static void test_whitelisted_results_are_skipped_with_the_reason(void **state)
{
	struct run r;
	struct parts ps = { .run = &r };
	struct si_error err = { 0 };
	char one[600];
	(void)state;
	run_open(&r, 0, "whitelist:\n  - names: [web]\n    checks: [hostNetworkSet]\n"
			"    reason: the node agent\n");
	deployment(one, sizeof(one), "ns", "web", true);
	run_text(&r, one);
	assert_int_equal(si_policyreports_each(r.reports, collect, &ps, &err), SI_OK);
	const cJSON *res, *found = NULL;
	cJSON_ArrayForEach(res, cJSON_GetObjectItemCaseSensitive(ps.p[0].object, "results"))
		if (strcmp(str(res, "policy", NULL), "hostNetworkSet") == 0)
			found = res;
	assert_non_null(found);
	assert_string_equal(str(found, "result", NULL), "skip");
	assert_string_equal(str(found, "properties", "whitelistReason"), "the node agent");
	assert_int_equal(ps.p[0].summary[SI_POLR_SKIP], 1);
	parts_free(&ps);
	run_free(&r);
}

static void test_bytes_that_are_not_utf8_stay_valid_json(void **state)
{
	struct run r;
	struct parts ps = { .run = &r };
	struct si_error err = { 0 };
	const char *obj = "{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": "
			  "{\"name\": \"we\xff\xfe" "b\", \"namespace\": \"ns\"}, \"spec\": "
			  "{\"template\": {\"spec\": {\"containers\": [{\"name\": \"a\xc3\", "
			  "\"image\": \"x\"}]}}}}";
	(void)state;
	run_open(&r, 0, "");
	run_text(&r, obj);
	assert_int_equal(si_policyreports_each(r.reports, collect, &ps, &err), SI_OK);
	assert_int_equal(ps.n, 1);
	const cJSON *res = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(ps.p[0].object,
										"results"), 0);
	const cJSON *ref = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(res, "resources"), 0);
	assert_string_equal(str(ref, "name", NULL), "we\xef\xbf\xbd\xef\xbf\xbd" "b");
	parts_free(&ps);
	run_free(&r);
}

static void test_the_result_names(void **state)
{
	(void)state;
	assert_string_equal(si_policyreport_result_name(SI_POLR_PASS), "pass");
	assert_string_equal(si_policyreport_result_name(SI_POLR_SKIP), "skip");
	assert_string_equal(si_policyreport_result_name(SI_POLR_RESULT_COUNT), "error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_namespaces_in_any_order_make_one_report_each),
		cmocka_unit_test(test_a_report_over_the_limit_is_split_into_parts),
		cmocka_unit_test(test_content_leaves_out_timestamps_and_metadata),
		cmocka_unit_test(test_whitelisted_results_are_skipped_with_the_reason),
		cmocka_unit_test(test_bytes_that_are_not_utf8_stay_valid_json),
		cmocka_unit_test(test_the_result_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
