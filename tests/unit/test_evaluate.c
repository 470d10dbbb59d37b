// SPDX-License-Identifier: Apache-2.0
// Workload view and verdicts: si_workload_from_json (kinds, names, roles,
// type errors), si_evaluate (results, granularity, severities, whitelist),
// si_score and si_health_of.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"
#include "security-inspector/document.h"
#include "security-inspector/evaluate.h"
#include "security-inspector/policy.h"
#include "security-inspector/workload.h"

/* ---- helpers ---------------------------------------------------------- */

static void evaluate(const struct wl *x, const struct si_policy *p, struct si_evaluation *ev)
{
	struct si_error err = { 0 };
	assert_int_equal(si_evaluate(&x->w, p, SI_EVAL_MESSAGES, ev, &err), SI_OK);
}

/* Results of `item` in `ev`; `container` NULL selects pod/binding level
 * results, "*" any container. */
static size_t count_results(const struct si_evaluation *ev, enum si_item_id item,
			    const char *container)
{
	size_t n = 0;
	for (size_t i = 0; i < ev->n_results; i++) {
		const struct si_result *r = &ev->results[i];
		if (r->item->id != item)
			continue;
		if (!container ? !r->container
		    : strcmp(container, "*") == 0 ? r->container != NULL
		    : r->container && strcmp(r->container->name, container) == 0)
			n++;
	}
	return n;
}

/* The one result of `item` for `container` (NULL: pod or binding level). */
static const struct si_result *result_of(const struct si_evaluation *ev, enum si_item_id item,
					 const char *container)
{
	const struct si_result *found = NULL;
	for (size_t i = 0; i < ev->n_results; i++) {
		const struct si_result *r = &ev->results[i];
		if (r->item->id != item)
			continue;
		if (container ? r->container && strcmp(r->container->name, container) == 0
			      : !r->container) {
			if (found)
				fail_msg("two results of %s for %s", si_items[item].name,
					 container ? container : "(pod)");
			found = r;
		}
	}
	if (!found)
		fail_msg("no result of %s for %s", si_items[item].name,
			 container ? container : "(pod)");
	return found;
}

static void counts_add_up(const struct si_evaluation *ev)
{
	size_t passed = 0, failed = 0, whitelisted = 0, danger = 0, warning = 0;
	for (size_t i = 0; i < ev->n_results; i++) {
		const struct si_result *r = &ev->results[i];
		assert_ptr_equal(r->item, &si_items[r->item->id]);
		assert_non_null(r->message);
		assert_non_null(r->detail);
		switch (r->status) {
		case SI_RESULT_PASSED: passed++; break;
		case SI_RESULT_WHITELISTED: whitelisted++; break;
		case SI_RESULT_FAILED:
			failed++;
			if (r->severity == SI_SEVERITY_DANGER)
				danger++;
			else
				warning++;
			break;
		}
		assert_int_not_equal(r->severity, SI_SEVERITY_IGNORE);
	}
	assert_int_equal(ev->passed, passed);
	assert_int_equal(ev->failed, failed);
	assert_int_equal(ev->whitelisted, whitelisted);
	assert_int_equal(ev->danger_failed, danger);
	assert_int_equal(ev->warning_failed, warning);
	assert_int_equal(passed + failed + whitelisted, ev->n_results);
}

#define HARDENED_CONTAINER(name) \
	"{\"name\": \"" name "\", \"image\": \"nginx:1.25.3\"," \
	" \"securityContext\": {\"allowPrivilegeEscalation\": false," \
	"   \"readOnlyRootFilesystem\": true, \"capabilities\": {\"drop\": [\"ALL\"]}}," \
	" \"resources\": {\"requests\": {\"cpu\": \"100m\", \"memory\": \"64Mi\"}," \
	"   \"limits\": {\"cpu\": \"200m\", \"memory\": \"128Mi\"}}," \
	" \"readinessProbe\": {\"httpGet\": {\"path\": \"/\", \"port\": 80}}," \
	" \"livenessProbe\": {\"httpGet\": {\"path\": \"/\", \"port\": 80}}}"

#define HARDENED_POD \
	"{\"apiVersion\": \"v1\", \"kind\": \"Pod\"," \
	" \"metadata\": {\"name\": \"good\", \"namespace\": \"team\"}," \
	" \"spec\": {\"securityContext\": {\"runAsNonRoot\": true," \
	"   \"seccompProfile\": {\"type\": \"RuntimeDefault\"}}," \
	"   \"containers\": [" HARDENED_CONTAINER("app") "]}}"

#define BARE_POD(ns) \
	"{\"apiVersion\": \"v1\", \"kind\": \"Pod\"," \
	" \"metadata\": {\"name\": \"web\", \"namespace\": \"" ns "\"}," \
	" \"spec\": {\"containers\": [{\"name\": \"app\", \"image\": \"nginx\"}]}}"

/* How many items of `scope` the table has: the counts below follow the
 * table rather than repeat it. */
static size_t scope_items(enum si_scope scope)
{
	size_t n = 0;
	for (size_t i = 0; i < SI_ITEM_COUNT; i++)
		n += si_items[i].scope == scope;
	return n;
}

/* Items a (Linux) pod spec with one container gives. */
#define POD_ITEMS scope_items(SI_SCOPE_POD)
#define SECURITY_ITEMS scope_items(SI_SCOPE_SECURITY)
#define RUNTIME_ITEMS scope_items(SI_SCOPE_RUNTIME)
#define PROBE_ITEMS scope_items(SI_SCOPE_PROBE)
#define RESULTS_ONE_CONTAINER (POD_ITEMS + SECURITY_ITEMS + RUNTIME_ITEMS + PROBE_ITEMS)

/* ---- score and health --------------------------------------------------- */

static void test_score_is_100_with_nothing_to_score(void **state)
{
	assert_int_equal(si_score(0, 0, 0), 100);
}

static void test_score_weighs_passes_and_danger_failures_twice(void **state)
{
	/* 100 * 2S / (2S + W + 2D), rounded. */
	const struct { size_t s, w, d; int score; } cases[] = {
		{ 1, 0, 0, 100 }, { 10, 0, 0, 100 }, { 0, 1, 0, 0 }, { 0, 0, 1, 0 },
		{ 0, 3, 2, 0 },
		{ 3, 1, 1, 67 },   /* 600 / 9 = 66.7 */
		{ 1, 2, 0, 50 },   /* 200 / 4 */
		{ 1, 0, 1, 50 },   /* 200 / 4 */
		{ 2, 1, 0, 80 },   /* 400 / 5 */
		{ 1, 1, 0, 67 },   /* 200 / 3 = 66.7 */
		{ 1, 2, 1, 33 },   /* 200 / 6 = 33.3 */
		{ 6, 4, 0, 75 },   /* 1200 / 16 */
		{ 3, 0, 1, 75 },   /* 600 / 8 */
		{ 99, 1, 0, 99 },  /* 19800 / 199 = 99.5 */
		{ 1, 0, 99, 1 },   /* 200 / 200 = 1 */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = si_score(cases[i].s, cases[i].w, cases[i].d);
		if (got != cases[i].score)
			fail_msg("S=%zu W=%zu D=%zu: score %d, expected %d", cases[i].s, cases[i].w,
				 cases[i].d, got, cases[i].score);
	}
}

static void test_health_is_the_worst_failure(void **state)
{
	assert_int_equal(si_health_of(0, 0), SI_HEALTH_HEALTHY);
	assert_int_equal(si_health_of(1, 0), SI_HEALTH_WARNING);
	assert_int_equal(si_health_of(7, 0), SI_HEALTH_WARNING);
	assert_int_equal(si_health_of(0, 1), SI_HEALTH_DANGER);
	assert_int_equal(si_health_of(5, 1), SI_HEALTH_DANGER);
	assert_string_equal(si_health_name(SI_HEALTH_HEALTHY), "healthy");
	assert_string_equal(si_health_name(SI_HEALTH_WARNING), "warning");
	assert_string_equal(si_health_name(SI_HEALTH_DANGER), "danger");
	assert_string_equal(si_result_status_name(SI_RESULT_PASSED), "passed");
	assert_string_equal(si_result_status_name(SI_RESULT_FAILED), "failed");
	assert_string_equal(si_result_status_name(SI_RESULT_WHITELISTED), "whitelisted");
}

/* ---- results ------------------------------------------------------------ */

static void test_hardened_pod_passes_every_item(void **state)
{
	struct si_policy *p = policy_of("");
	struct wl x;
	struct si_evaluation ev;
	wl_load(&x, HARDENED_POD);
	evaluate(&x, p, &ev);
	assert_int_equal(ev.n_results, RESULTS_ONE_CONTAINER);
	assert_int_equal(ev.passed, RESULTS_ONE_CONTAINER);
	assert_int_equal(ev.failed, 0);
	assert_int_equal(ev.whitelisted, 0);
	assert_int_equal(ev.danger_failed, 0);
	assert_int_equal(ev.warning_failed, 0);
	counts_add_up(&ev);
	for (size_t i = 0; i < ev.n_results; i++) {
		if (ev.results[i].status != SI_RESULT_PASSED)
			fail_msg("%s: %s", ev.results[i].item->name, ev.results[i].message);
		assert_null(ev.results[i].reason);
	}
	assert_int_equal(count_results(&ev, SI_ANONYMOUS_USER_RBAC_BINDING, NULL), 0);
	si_evaluation_clear(&ev);
	wl_free(&x);
	si_policy_free(p);
}

static void test_bare_pod_fails_the_expected_items(void **state)
{
	const enum si_item_id failing[] = {
		SI_RUN_AS_ROOT_ALLOWED, SI_PRIVILEGE_ESCALATION_ALLOWED, SI_NOT_READ_ONLY_ROOT_FS,
		SI_CPU_REQUESTS_MISSING, SI_CPU_LIMITS_MISSING, SI_MEMORY_REQUESTS_MISSING,
		SI_MEMORY_LIMITS_MISSING, SI_READINESS_PROBE_MISSING, SI_LIVENESS_PROBE_MISSING,
		SI_TAG_NOT_SPECIFIED, SI_SECCOMP_PROFILE_MISSING, SI_CAPABILITIES_NOT_DROPPED,
	};
	struct si_policy *p = policy_of("");
	struct wl x;
	struct si_evaluation ev;
	wl_load(&x, BARE_POD("default"));
	evaluate(&x, p, &ev);
	assert_int_equal(ev.n_results, RESULTS_ONE_CONTAINER);
	assert_int_equal(ev.failed, 12);
	assert_int_equal(ev.passed, RESULTS_ONE_CONTAINER - 12);
	assert_int_equal(ev.danger_failed, 3);
	assert_int_equal(ev.warning_failed, 9);
	assert_int_equal(ev.whitelisted, 0);
	counts_add_up(&ev);
	for (size_t i = 0; i < ev.n_results; i++) {
		const struct si_result *r = &ev.results[i];
		bool should_fail = false;
		for (size_t j = 0; j < sizeof(failing) / sizeof(failing[0]); j++)
			should_fail |= failing[j] == r->item->id;
		if ((r->status == SI_RESULT_FAILED) != should_fail)
			fail_msg("%s: status %s", r->item->name, si_result_status_name(r->status));
		assert_int_equal(r->severity, r->item->severity);
	}
	si_evaluation_clear(&ev);
	wl_free(&x);
	si_policy_free(p);
}

static void test_results_come_in_table_order(void **state)
{
	struct si_policy *p = policy_of("");
	struct wl x;
	struct si_evaluation ev;
	wl_load(&x, "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"two\"}, \"spec\": {"
		    "\"containers\": [{\"name\": \"a\", \"image\": \"x:1\"},"
		    " {\"name\": \"b\", \"image\": \"y:1\"}]}}");
	evaluate(&x, p, &ev);
	assert_int_equal(ev.n_results, POD_ITEMS + 2 * (SECURITY_ITEMS + RUNTIME_ITEMS + PROBE_ITEMS));
	for (size_t i = 1; i < ev.n_results; i++)
		assert_true(ev.results[i - 1].item->id <= ev.results[i].item->id);
	si_evaluation_clear(&ev);
	wl_free(&x);
	si_policy_free(p);
}

static void test_pod_level_items_give_one_result_without_container(void **state)
{
	struct si_policy *p = policy_of("");
	struct wl x;
	struct si_evaluation ev;
	wl_load(&x, "{\"kind\": \"Deployment\", \"metadata\": {\"name\": \"d\"},"
		    " \"spec\": {\"template\": {\"spec\": {\"hostNetwork\": true, \"hostPID\": true,"
		    "   \"containers\": [{\"name\": \"a\"}, {\"name\": \"b\"}, {\"name\": \"c\"}]}}}}");
	evaluate(&x, p, &ev);
	const enum si_item_id pod_items[] = { SI_HOST_NETWORK_SET, SI_HOST_IPC_SET, SI_HOST_PID_SET };
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(count_results(&ev, pod_items[i], NULL), 1);
		assert_int_equal(count_results(&ev, pod_items[i], "*"), 0);
	}
	assert_int_equal(result_of(&ev, SI_HOST_NETWORK_SET, NULL)->status, SI_RESULT_FAILED);
	assert_int_equal(result_of(&ev, SI_HOST_PID_SET, NULL)->status, SI_RESULT_FAILED);
	assert_int_equal(result_of(&ev, SI_HOST_IPC_SET, NULL)->status, SI_RESULT_PASSED);
	assert_null(result_of(&ev, SI_HOST_NETWORK_SET, NULL)->container);
	si_evaluation_clear(&ev);
	wl_free(&x);
	si_policy_free(p);
}

static void test_container_items_give_one_result_per_container_by_role(void **state)
{
	struct si_policy *p = policy_of("");
	struct wl x;
	struct si_evaluation ev;
	wl_load(&x, "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"roles\"}, \"spec\": {"
		    " \"containers\": [{\"name\": \"main\", \"image\": \"a:1\"},"
		    "   {\"name\": \"helper\", \"image\": \"b:1\"}],"
		    " \"initContainers\": [{\"name\": \"setup\", \"image\": \"c:1\"},"
		    "   {\"name\": \"proxy\", \"image\": \"d:1\", \"restartPolicy\": \"Always\"}],"
		    " \"ephemeralContainers\": [{\"name\": \"debug\", \"image\": \"busybox:1\"}]}}");
	evaluate(&x, p, &ev);
	/* Security items: all five containers; resource and probe items: the two
	 * containers and the native sidecar. */
	assert_int_equal(ev.n_results, POD_ITEMS + 5 * SECURITY_ITEMS +
					       3 * (RUNTIME_ITEMS + PROBE_ITEMS));
	counts_add_up(&ev);
	const char *all[] = { "main", "helper", "setup", "proxy", "debug" };
	for (size_t c = 0; c < 5; c++) {
		bool runtime = c == 0 || c == 1 || c == 3;
		for (size_t i = 0; i < SI_ITEM_COUNT; i++) {
			size_t want;
			switch (si_items[i].scope) {
			case SI_SCOPE_SECURITY: want = 1; break;
			case SI_SCOPE_RUNTIME:
			case SI_SCOPE_PROBE: want = runtime; break;
			default: want = 0; break;
			}
			size_t got = count_results(&ev, (enum si_item_id)i, all[c]);
			if (got != want)
				fail_msg("%s for %s: %zu results, expected %zu", si_items[i].name,
					 all[c], got, want);
		}
	}
	si_evaluation_clear(&ev);
	wl_free(&x);
	si_policy_free(p);
}

static void test_job_like_workloads_skip_probe_items(void **state)
{
	const char *docs[] = {
		"{\"kind\": \"Job\", \"metadata\": {\"name\": \"j\"}, \"spec\": {\"template\": {"
		"\"spec\": {\"containers\": [{\"name\": \"run\", \"image\": \"a:1\"}]}}}}",
		"{\"kind\": \"CronJob\", \"metadata\": {\"name\": \"c\"}, \"spec\": {\"jobTemplate\":"
		" {\"spec\": {\"template\": {\"spec\": {\"containers\": [{\"name\": \"run\","
		" \"image\": \"a:1\"}]}}}}}}",
		"{\"kind\": \"Pod\", \"metadata\": {\"name\": \"j-abcde\", \"ownerReferences\":"
		" [{\"kind\": \"Job\", \"name\": \"j\"}]},"
		" \"spec\": {\"containers\": [{\"name\": \"run\", \"image\": \"a:1\"}]}}",
	};
	struct si_policy *p = policy_of("");
	for (size_t d = 0; d < 3; d++) {
		struct wl x;
		struct si_evaluation ev;
		wl_load(&x, docs[d]);
		assert_true(x.w.job_like);
		evaluate(&x, p, &ev);
		assert_int_equal(ev.n_results, POD_ITEMS + SECURITY_ITEMS + RUNTIME_ITEMS);
		assert_int_equal(count_results(&ev, SI_READINESS_PROBE_MISSING, "*"), 0);
		assert_int_equal(count_results(&ev, SI_LIVENESS_PROBE_MISSING, "*"), 0);
		assert_int_equal(count_results(&ev, SI_CPU_LIMITS_MISSING, "run"), 1);
		si_evaluation_clear(&ev);
		wl_free(&x);
	}
	si_policy_free(p);
}

static void test_binding_gives_one_result_without_container(void **state)
{
	struct si_policy *p = policy_of("");
	struct wl x;
	struct si_evaluation ev;
	wl_load(&x, "{\"kind\": \"RoleBinding\", \"metadata\": {\"name\": \"rb\", \"namespace\": \"t\"},"
		    " \"subjects\": [{\"kind\": \"User\", \"name\": \"system:anonymous\"},"
		    "  {\"kind\": \"Group\", \"name\": \"system:unauthenticated\"}]}");
	evaluate(&x, p, &ev);
	assert_int_equal(ev.n_results, 1);
	const struct si_result *r = &ev.results[0];
	assert_int_equal(r->item->id, SI_ANONYMOUS_USER_RBAC_BINDING);
	assert_null(r->container);
	assert_int_equal(r->status, SI_RESULT_FAILED);
	assert_int_equal(r->severity, SI_SEVERITY_DANGER);
	assert_int_equal(ev.danger_failed, 1);
	assert_non_null(strstr(r->message, r->item->fix));
	si_evaluation_clear(&ev);
	wl_free(&x);
	si_policy_free(p);
}

/* ---- policy effects ----------------------------------------------------- */

static void test_ignored_item_gives_no_results(void **state)
{
	struct si_policy *p = policy_of("checks:\n"
					"  livenessProbeMissing: ignore\n"
					"  hostNetworkSet: ignore\n");
	struct wl x;
	struct si_evaluation ev;
	wl_load(&x, BARE_POD("default"));
	evaluate(&x, p, &ev);
	assert_int_equal(ev.n_results, RESULTS_ONE_CONTAINER - 2);
	assert_int_equal(count_results(&ev, SI_LIVENESS_PROBE_MISSING, "*"), 0);
	assert_int_equal(count_results(&ev, SI_HOST_NETWORK_SET, NULL), 0);
	assert_int_equal(ev.failed, 11);
	counts_add_up(&ev);
	si_evaluation_clear(&ev);
	wl_free(&x);
	si_policy_free(p);
}

static void test_namespace_rule_severity_override_changes_result_severity(void **state)
{
	struct si_policy *p = policy_of("namespaces:\n"
					"  - names: [\"prod-*\"]\n"
					"    checks:\n"
					"      cpuLimitsMissing: danger\n"
					"      tagNotSpecified: warning\n"
					"      readinessProbeMissing: ignore\n");
	struct wl prod, dev;
	struct si_evaluation ev;
	wl_load(&prod, BARE_POD("prod-eu"));
	evaluate(&prod, p, &ev);
	assert_int_equal(result_of(&ev, SI_CPU_LIMITS_MISSING, "app")->severity, SI_SEVERITY_DANGER);
	assert_int_equal(result_of(&ev, SI_TAG_NOT_SPECIFIED, "app")->severity, SI_SEVERITY_WARNING);
	assert_int_equal(count_results(&ev, SI_READINESS_PROBE_MISSING, "*"), 0);
	assert_int_equal(result_of(&ev, SI_CPU_REQUESTS_MISSING, "app")->severity,
			 SI_SEVERITY_WARNING);
	assert_int_equal(ev.danger_failed, 3);    /* root, escalation, cpu limits */
	assert_int_equal(ev.warning_failed, 8);
	counts_add_up(&ev);
	si_evaluation_clear(&ev);

	wl_load(&dev, BARE_POD("dev"));
	evaluate(&dev, p, &ev);
	assert_int_equal(result_of(&ev, SI_CPU_LIMITS_MISSING, "app")->severity,
			 SI_SEVERITY_WARNING);
	assert_int_equal(result_of(&ev, SI_TAG_NOT_SPECIFIED, "app")->severity, SI_SEVERITY_DANGER);
	assert_int_equal(count_results(&ev, SI_READINESS_PROBE_MISSING, "app"), 1);
	si_evaluation_clear(&ev);
	wl_free(&prod);
	wl_free(&dev);
	si_policy_free(p);
}

static void test_whitelisted_failure_carries_the_entry_reason(void **state)
{
	struct si_policy *p = policy_of("whitelist:\n"
					"  - names: [web]\n"
					"    checks: [runAsRootAllowed, tagNotSpecified]\n"
					"    reason: legacy image runs as root\n");
	struct wl x;
	struct si_evaluation ev;
	wl_load(&x, BARE_POD("default"));
	evaluate(&x, p, &ev);
	const struct si_result *r = result_of(&ev, SI_RUN_AS_ROOT_ALLOWED, "app");
	assert_int_equal(r->status, SI_RESULT_WHITELISTED);
	assert_non_null(r->reason);
	assert_string_equal(r->reason, "legacy image runs as root");
	assert_int_equal(result_of(&ev, SI_TAG_NOT_SPECIFIED, "app")->status, SI_RESULT_WHITELISTED);
	assert_int_equal(result_of(&ev, SI_PRIVILEGE_ESCALATION_ALLOWED, "app")->status,
			 SI_RESULT_FAILED);
	assert_int_equal(ev.whitelisted, 2);
	assert_int_equal(ev.failed, 10);
	assert_int_equal(ev.danger_failed, 1);
	assert_int_equal(ev.passed, RESULTS_ONE_CONTAINER - 12);
	counts_add_up(&ev);
	si_evaluation_clear(&ev);
	wl_free(&x);
	si_policy_free(p);
}

static void test_whitelisted_failure_without_reason_still_has_one(void **state)
{
	struct si_policy *p = policy_of("whitelist:\n  - checks: [runAsRootAllowed]\n");
	struct wl x;
	struct si_evaluation ev;
	wl_load(&x, BARE_POD("default"));
	evaluate(&x, p, &ev);
	const struct si_result *r = result_of(&ev, SI_RUN_AS_ROOT_ALLOWED, "app");
	assert_int_equal(r->status, SI_RESULT_WHITELISTED);
	assert_non_null(r->reason);
	assert_true(r->reason[0] != '\0');
	si_evaluation_clear(&ev);
	wl_free(&x);
	si_policy_free(p);
}

static void test_whitelist_does_not_change_passing_results(void **state)
{
	struct si_policy *p = policy_of("whitelist:\n  - reason: everything\n");
	struct wl x;
	struct si_evaluation ev;
	wl_load(&x, BARE_POD("default"));
	evaluate(&x, p, &ev);
	assert_int_equal(ev.passed, RESULTS_ONE_CONTAINER - 12);
	assert_int_equal(ev.whitelisted, 12);
	assert_int_equal(ev.failed, 0);
	assert_int_equal(result_of(&ev, SI_HOST_NETWORK_SET, NULL)->status, SI_RESULT_PASSED);
	assert_null(result_of(&ev, SI_HOST_NETWORK_SET, NULL)->reason);
	counts_add_up(&ev);
	si_evaluation_clear(&ev);
	wl_free(&x);
	si_policy_free(p);
}

static void test_annotation_exemption_applies_only_when_allowed(void **state)
{
	const char *pod =
		"{\"kind\": \"Pod\", \"metadata\": {\"name\": \"x\", \"annotations\": {"
		"\"security-inspector.io/exempt\": \"runAsRootAllowed\"}},"
		" \"spec\": {\"containers\": [{\"name\": \"app\", \"image\": \"a:1\"}]}}";
	struct wl x;
	struct si_evaluation ev;
	wl_load(&x, pod);

	struct si_policy *p = policy_of("allowAnnotationExemptions: false\n");
	evaluate(&x, p, &ev);
	assert_int_equal(result_of(&ev, SI_RUN_AS_ROOT_ALLOWED, "app")->status, SI_RESULT_FAILED);
	assert_int_equal(ev.whitelisted, 0);
	si_evaluation_clear(&ev);
	si_policy_free(p);

	p = policy_of("allowAnnotationExemptions: true\n");
	evaluate(&x, p, &ev);
	const struct si_result *r = result_of(&ev, SI_RUN_AS_ROOT_ALLOWED, "app");
	assert_int_equal(r->status, SI_RESULT_WHITELISTED);
	assert_non_null(r->reason);
	assert_true(r->reason[0] != '\0');
	assert_int_equal(ev.whitelisted, 1);
	counts_add_up(&ev);
	si_evaluation_clear(&ev);
	si_policy_free(p);
	wl_free(&x);
}

static void test_allowed_capabilities_come_from_the_policy(void **state)
{
	const char *pod =
		"{\"kind\": \"Pod\", \"metadata\": {\"name\": \"caps\"}, \"spec\": {\"containers\": ["
		"{\"name\": \"clock\", \"image\": \"a:1\", \"securityContext\": {\"capabilities\":"
		" {\"add\": [\"cap_sys_time\"]}}}]}}";
	struct wl x;
	struct si_evaluation ev;
	wl_load(&x, pod);
	struct si_policy *p = policy_of("");
	evaluate(&x, p, &ev);
	assert_int_equal(result_of(&ev, SI_CAPABILITIES_ADDED, "clock")->status, SI_RESULT_FAILED);
	si_evaluation_clear(&ev);
	si_policy_free(p);

	p = policy_of("allowedCapabilities: [CAP_SYS_TIME]\n");
	evaluate(&x, p, &ev);
	assert_int_equal(result_of(&ev, SI_CAPABILITIES_ADDED, "clock")->status, SI_RESULT_PASSED);
	si_evaluation_clear(&ev);
	si_policy_free(p);
	wl_free(&x);
}

static void test_quantity_zero_counts_as_set_and_empty_as_missing(void **state)
{
	struct si_policy *p = policy_of("");
	struct wl x;
	struct si_evaluation ev;
	wl_load(&x, "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"q\"}, \"spec\": {"
		    "\"containers\": [{\"name\": \"app\", \"image\": \"a:1\", \"resources\": {"
		    "\"requests\": {\"cpu\": \"0\", \"memory\": \"\"},"
		    " \"limits\": {\"cpu\": 0, \"memory\": null}}}]}}");
	evaluate(&x, p, &ev);
	assert_int_equal(result_of(&ev, SI_CPU_REQUESTS_MISSING, "app")->status, SI_RESULT_PASSED);
	assert_int_equal(result_of(&ev, SI_CPU_LIMITS_MISSING, "app")->status, SI_RESULT_PASSED);
	assert_int_equal(result_of(&ev, SI_MEMORY_REQUESTS_MISSING, "app")->status,
			 SI_RESULT_FAILED);
	assert_int_equal(result_of(&ev, SI_MEMORY_LIMITS_MISSING, "app")->status, SI_RESULT_FAILED);
	si_evaluation_clear(&ev);
	wl_free(&x);
	si_policy_free(p);
}

/* ---- messages ----------------------------------------------------------- */

static void test_failure_messages_name_the_container_and_the_fix(void **state)
{
	struct si_policy *p = policy_of("");
	struct wl x;
	struct si_evaluation ev;
	wl_load(&x, "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"m\"}, \"spec\": {"
		    "\"hostNetwork\": true, \"containers\": [{\"name\": \"frontend-app\","
		    " \"image\": \"nginx:latest\", \"securityContext\": {\"privileged\": true,"
		    " \"capabilities\": {\"add\": [\"SYS_ADMIN\"]}},"
		    " \"ports\": [{\"containerPort\": 80, \"hostPort\": 8080}]}],"
		    " \"initContainers\": [{\"name\": \"init-db\", \"image\": \"busybox\"}]}}");
	evaluate(&x, p, &ev);
	size_t checked = 0;
	for (size_t i = 0; i < ev.n_results; i++) {
		const struct si_result *r = &ev.results[i];
		if (r->status != SI_RESULT_FAILED)
			continue;
		checked++;
		if (!strstr(r->message, r->item->fix))
			fail_msg("%s: message lacks the fix: %s", r->item->name, r->message);
		assert_true(r->detail[0] != '\0');
		assert_non_null(strstr(r->message, r->detail));
		if (r->container && !strstr(r->message, r->container->name))
			fail_msg("%s: message does not name %s: %s", r->item->name,
				 r->container->name, r->message);
	}
	assert_true(checked >= 15);
	const struct si_result *caps = result_of(&ev, SI_CAPABILITIES_ADDED, "frontend-app");
	assert_int_equal(caps->status, SI_RESULT_FAILED);
	assert_non_null(strstr(caps->message, "SYS_ADMIN"));
	assert_non_null(strstr(caps->message, "dangerous"));
	assert_int_equal(result_of(&ev, SI_HOST_PORT_SET, "frontend-app")->status, SI_RESULT_FAILED);
	assert_int_equal(result_of(&ev, SI_RUN_AS_PRIVILEGED, "frontend-app")->status,
			 SI_RESULT_FAILED);
	assert_int_equal(result_of(&ev, SI_TAG_NOT_SPECIFIED, "init-db")->status, SI_RESULT_FAILED);
	si_evaluation_clear(&ev);
	wl_free(&x);
	si_policy_free(p);
}

static void test_evaluation_clear_accepts_null_and_resets(void **state)
{
	si_evaluation_clear(NULL);
	struct si_policy *p = policy_of("");
	struct wl x;
	struct si_evaluation ev;
	wl_load(&x, BARE_POD("default"));
	evaluate(&x, p, &ev);
	si_evaluation_clear(&ev);
	assert_int_equal(ev.n_results, 0);
	assert_int_equal(ev.failed, 0);
	si_evaluation_clear(&ev);   /* twice is harmless */
	wl_free(&x);
	si_policy_free(p);
}

/* ---- the workload view -------------------------------------------------- */

static void test_wrong_field_type_is_a_type_error_naming_the_path(void **state)
{
	const struct { const char *json, *key; } cases[] = {
		{ "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"}, \"spec\": {\"containers\":"
		  " [{\"name\": \"app\", \"securityContext\": {\"privileged\": \"true\"}}]}}",
		  "spec.containers[0].securityContext.privileged" },
		{ "{\"kind\": \"Deployment\", \"metadata\": {\"name\": \"d\"}, \"spec\": {\"template\":"
		  " {\"spec\": {\"containers\": [{\"name\": \"a\"}, {\"name\": \"b\", \"resources\":"
		  " {\"limits\": {\"cpu\": [1]}}}]}}}}",
		  "spec.template.spec.containers[1].resources.limits.cpu" },
		{ "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"}, \"spec\": {\"hostNetwork\":"
		  " \"yes\", \"containers\": []}}",
		  "spec.hostNetwork" },
		{ "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"}, \"spec\": {\"containers\":"
		  " {\"name\": \"app\"}}}",
		  "spec.containers" },
		{ "{\"kind\": \"Pod\", \"metadata\": {\"name\": 5}, \"spec\": {\"containers\": []}}",
		  "metadata.name" },
		{ "{\"kind\": \"CronJob\", \"metadata\": {\"name\": \"c\"}, \"spec\": {\"jobTemplate\":"
		  " {\"spec\": {\"template\": {\"spec\": {\"initContainers\": [{\"name\": \"i\","
		  " \"securityContext\": {\"runAsUser\": \"0\"}}]}}}}}}",
		  "spec.jobTemplate.spec.template.spec.initContainers[0].securityContext.runAsUser" },
		{ "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"}, \"spec\": {\"containers\":"
		  " [{\"name\": \"app\", \"securityContext\": {\"runAsUser\": 1.5}}]}}",
		  "spec.containers[0].securityContext.runAsUser" },
		{ "{\"kind\": \"ClusterRoleBinding\", \"metadata\": {\"name\": \"b\"},"
		  " \"subjects\": {\"kind\": \"User\"}}",
		  "subjects" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *doc = json_of(cases[i].json);
		struct si_workload w;
		struct si_error err = { 0 };
		const cJSON *where = NULL;
		si_rc rc = si_workload_from_json(doc, &w, &where, &err);
		if (rc != SI_ERR_TYPE)
			fail_msg("case %zu: status %d, expected SI_ERR_TYPE (%s)", i, rc, err.message);
		assert_int_equal(err.code, SI_ERR_TYPE);
		assert_string_equal(err.key, cases[i].key);
		assert_non_null(where);
		assert_true(err.message[0] != '\0');
		si_workload_clear(&w);
		cJSON_Delete(doc);
	}
}

static void test_type_error_points_at_the_offending_node(void **state)
{
	cJSON *doc = json_of("{\"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"}, \"spec\":"
			     " {\"containers\": [{\"name\": \"app\", \"securityContext\":"
			     " {\"privileged\": \"true\"}}]}}");
	const cJSON *priv = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(
			cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
				cJSON_GetObjectItemCaseSensitive(doc, "spec"), "containers"), 0),
			"securityContext"),
		"privileged");
	struct si_workload w;
	struct si_error err = { 0 };
	const cJSON *where = NULL;
	assert_int_equal(si_workload_from_json(doc, &w, &where, &err), SI_ERR_TYPE);
	assert_ptr_equal(where, priv);
	si_workload_clear(&w);
	/* `where` may be NULL. */
	assert_int_equal(si_workload_from_json(doc, &w, NULL, &err), SI_ERR_TYPE);
	si_workload_clear(&w);
	cJSON_Delete(doc);
}

static void test_unknown_or_missing_kind_is_invalid(void **state)
{
	const char *docs[] = {
		"{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"c\"}}",
		"{\"apiVersion\": \"v1\", \"metadata\": {\"name\": \"nokind\"}}",
		"{\"kind\": \"\", \"metadata\": {\"name\": \"empty\"}}",
		"{\"kind\": \"pod\", \"metadata\": {\"name\": \"lower\"}, \"spec\": {}}",
		"[1, 2]",
	};
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		cJSON *doc = json_of(docs[i]);
		struct si_workload w;
		struct si_error err = { 0 };
		si_rc rc = si_workload_from_json(doc, &w, NULL, &err);
		if (rc != SI_ERR_INVALID)
			fail_msg("case %zu: status %d, expected SI_ERR_INVALID", i, rc);
		assert_int_equal(err.code, SI_ERR_INVALID);
		assert_true(err.message[0] != '\0');
		si_workload_clear(&w);
		cJSON_Delete(doc);
	}
}

static void test_supported_kinds_are_the_designed_ten(void **state)
{
	const char *yes[] = { "Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job",
			      "CronJob", "ReplicationController", "RoleBinding",
			      "ClusterRoleBinding" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(si_workload_kind_supported(yes[i]));
	const char *no[] = { "ConfigMap", "Service", "pod", "List", "ClusterRole", "" };
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(si_workload_kind_supported(no[i]));
}

static void test_every_supported_controller_reads_its_pod_template(void **state)
{
	const char *kinds[] = { "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job",
				"ReplicationController" };
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		char json[512];
		snprintf(json, sizeof(json),
			 "{\"kind\": \"%s\", \"metadata\": {\"name\": \"w\"}, \"spec\": {\"template\":"
			 " {\"spec\": {\"containers\": [{\"name\": \"c1\"}, {\"name\": \"c2\"}]}}}}",
			 kinds[i]);
		struct wl x;
		wl_load(&x, json);
		assert_int_equal(x.w.class, SI_CLASS_POD);
		assert_string_equal(x.w.kind, kinds[i]);
		assert_non_null(x.w.pod_spec);
		assert_int_equal(x.w.n_containers, 2);
		assert_string_equal(x.w.containers[0].name, "c1");
		assert_string_equal(x.w.containers[1].name, "c2");
		wl_free(&x);
	}
}

static void test_namespace_defaults_to_default_and_is_empty_for_cluster_bindings(void **state)
{
	struct wl a, b, c, d, e;
	wl_load(&a, "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"}, \"spec\": {}}");
	assert_string_equal(a.w.namespace, "default");
	wl_load(&b, "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"p\", \"namespace\": \"shop\"},"
		    " \"spec\": {}}");
	assert_string_equal(b.w.namespace, "shop");
	wl_load(&c, "{\"kind\": \"ClusterRoleBinding\", \"metadata\": {\"name\": \"crb\"},"
		    " \"subjects\": []}");
	assert_string_equal(c.w.namespace, "");
	assert_int_equal(c.w.class, SI_CLASS_BINDING);
	wl_load(&d, "{\"kind\": \"RoleBinding\", \"metadata\": {\"name\": \"rb\"},"
		    " \"subjects\": [{\"kind\": \"User\", \"name\": \"u\"}]}");
	assert_string_equal(d.w.namespace, "default");
	assert_int_equal(d.w.class, SI_CLASS_BINDING);
	assert_true(cJSON_IsArray(d.w.subjects));
	wl_load(&e, "{\"kind\": \"Pod\", \"metadata\": {\"generateName\": \"web-\"}, \"spec\": {}}");
	assert_string_equal(e.w.name, "web-");
	wl_free(&a);
	wl_free(&b);
	wl_free(&c);
	wl_free(&d);
	wl_free(&e);
}

static void test_container_roles(void **state)
{
	struct wl x;
	wl_load(&x, "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"roles\"}, \"spec\": {"
		    " \"containers\": [{\"name\": \"main\"}],"
		    " \"initContainers\": [{\"name\": \"setup\"},"
		    "   {\"name\": \"proxy\", \"restartPolicy\": \"Always\"},"
		    "   {\"name\": \"other\", \"restartPolicy\": \"OnFailure\"}],"
		    " \"ephemeralContainers\": [{\"name\": \"debug\"}]}}");
	assert_int_equal(x.w.n_containers, 5);
	const struct { const char *name; enum si_container_role role; } want[] = {
		{ "main", SI_ROLE_CONTAINER }, { "setup", SI_ROLE_INIT },
		{ "proxy", SI_ROLE_SIDECAR }, { "other", SI_ROLE_INIT },
		{ "debug", SI_ROLE_EPHEMERAL },
	};
	for (size_t i = 0; i < 5; i++) {
		const struct si_container *found = NULL;
		for (size_t c = 0; c < x.w.n_containers; c++)
			if (strcmp(x.w.containers[c].name, want[i].name) == 0)
				found = &x.w.containers[c];
		assert_non_null(found);
		assert_int_equal(found->role, want[i].role);
		assert_true(cJSON_IsObject(found->spec));
	}
	assert_string_equal(si_container_role_name(SI_ROLE_CONTAINER), "container");
	assert_string_equal(si_container_role_name(SI_ROLE_INIT), "initContainer");
	assert_string_equal(si_container_role_name(SI_ROLE_SIDECAR), "sidecar");
	assert_string_equal(si_container_role_name(SI_ROLE_EPHEMERAL), "ephemeralContainer");
	wl_free(&x);
}

static void test_unnamed_container_has_an_empty_name(void **state)
{
	struct wl x;
	wl_load(&x, "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"},"
		    " \"spec\": {\"containers\": [{\"image\": \"a:1\"}]}}");
	assert_int_equal(x.w.n_containers, 1);
	assert_string_equal(x.w.containers[0].name, "");
	wl_free(&x);
}

static void test_job_like_for_jobs_cronjobs_and_pods_owned_by_jobs(void **state)
{
	const struct { const char *json; bool job_like; } cases[] = {
		{ "{\"kind\": \"Job\", \"metadata\": {\"name\": \"j\"}, \"spec\": {\"template\":"
		  " {\"spec\": {\"containers\": []}}}}", true },
		{ "{\"kind\": \"CronJob\", \"metadata\": {\"name\": \"c\"}, \"spec\": {\"jobTemplate\":"
		  " {\"spec\": {\"template\": {\"spec\": {\"containers\": []}}}}}}", true },
		{ "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"p\", \"ownerReferences\":"
		  " [{\"kind\": \"Job\", \"name\": \"j\"}]}, \"spec\": {}}", true },
		{ "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"p\", \"ownerReferences\":"
		  " [{\"kind\": \"ReplicaSet\", \"name\": \"r-1\"}]}, \"spec\": {}}", false },
		{ "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"}, \"spec\": {}}", false },
		{ "{\"kind\": \"Deployment\", \"metadata\": {\"name\": \"d\"}, \"spec\": {\"template\":"
		  " {\"spec\": {\"containers\": []}}}}", false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct wl x;
		wl_load(&x, cases[i].json);
		if (x.w.job_like != cases[i].job_like)
			fail_msg("case %zu (%s): job_like %d", i, x.w.kind, x.w.job_like);
		wl_free(&x);
	}
}

static void test_workload_clear_accepts_null(void **state)
{
	si_workload_clear(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_score_is_100_with_nothing_to_score),
		cmocka_unit_test(test_score_weighs_passes_and_danger_failures_twice),
		cmocka_unit_test(test_health_is_the_worst_failure),
		cmocka_unit_test(test_hardened_pod_passes_every_item),
		cmocka_unit_test(test_bare_pod_fails_the_expected_items),
		cmocka_unit_test(test_results_come_in_table_order),
		cmocka_unit_test(test_pod_level_items_give_one_result_without_container),
		cmocka_unit_test(test_container_items_give_one_result_per_container_by_role),
		cmocka_unit_test(test_job_like_workloads_skip_probe_items),
		cmocka_unit_test(test_binding_gives_one_result_without_container),
		cmocka_unit_test(test_ignored_item_gives_no_results),
		cmocka_unit_test(test_namespace_rule_severity_override_changes_result_severity),
		cmocka_unit_test(test_whitelisted_failure_carries_the_entry_reason),
		cmocka_unit_test(test_whitelisted_failure_without_reason_still_has_one),
		cmocka_unit_test(test_whitelist_does_not_change_passing_results),
		cmocka_unit_test(test_annotation_exemption_applies_only_when_allowed),
		cmocka_unit_test(test_allowed_capabilities_come_from_the_policy),
		cmocka_unit_test(test_quantity_zero_counts_as_set_and_empty_as_missing),
		cmocka_unit_test(test_failure_messages_name_the_container_and_the_fix),
		cmocka_unit_test(test_evaluation_clear_accepts_null_and_resets),
		cmocka_unit_test(test_wrong_field_type_is_a_type_error_naming_the_path),
		cmocka_unit_test(test_type_error_points_at_the_offending_node),
		cmocka_unit_test(test_unknown_or_missing_kind_is_invalid),
		cmocka_unit_test(test_supported_kinds_are_the_designed_ten),
		cmocka_unit_test(test_every_supported_controller_reads_its_pod_template),
		cmocka_unit_test(test_namespace_defaults_to_default_and_is_empty_for_cluster_bindings),
		cmocka_unit_test(test_container_roles),
		cmocka_unit_test(test_unnamed_container_has_an_empty_name),
		cmocka_unit_test(test_job_like_for_jobs_cronjobs_and_pods_owned_by_jobs),
		cmocka_unit_test(test_workload_clear_accepts_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
