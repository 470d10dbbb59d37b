// SPDX-License-Identifier: Apache-2.0
// The webhook configuration the server writes: which namespaces each webhook
// selects by name, failure policies by resolved mode, what is kept from the
// live object, and that the shipped manifest's rules are the ones written.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"
#include "reconciler.h"
#include "security-inspector/document.h"

#define SHIPPED "../../manifests/validatingwebhookconfiguration.yaml"

static const char *const excluded[] = { "kube-system", "security-inspector" };

static struct si_ns_summary ns(const char *name, const char *label)
{
	struct si_ns_summary s = { .name_label = true };
	snprintf(s.name, sizeof(s.name), "%s", name);
	if (label) {
		s.labelled = true;
		snprintf(s.label, sizeof(s.label), "%s", label);
	}
	return s;
}

static const cJSON *hook(const cJSON *hooks, const char *short_name)
{
	char full[128];
	const cJSON *w;
	snprintf(full, sizeof(full), "%s.security-inspector.io", short_name);
	cJSON_ArrayForEach(w, hooks)
		if (strcmp(cJSON_GetObjectItem(w, "name")->valuestring, full) == 0)
			return w;
	return NULL;
}

static const char *failure(const cJSON *w)
{
	return cJSON_GetObjectItem(w, "failurePolicy")->valuestring;
}

/* The names webhook `w` selects with `op` ("In", "NotIn"), joined by ','. */
static const char *names(const cJSON *w, const char *op)
{
	static char buf[1024];
	const cJSON *e;
	buf[0] = '\0';
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(cJSON_GetObjectItem(w, "namespaceSelector"),
						  "matchExpressions")) {
		if (strcmp(cJSON_GetObjectItem(e, "key")->valuestring, "kubernetes.io/metadata.name") ||
		    strcmp(cJSON_GetObjectItem(e, "operator")->valuestring, op))
			continue;
		const cJSON *v;
		cJSON_ArrayForEach(v, cJSON_GetObjectItem(e, "values")) {
			strcat(buf, buf[0] ? "," : "");
			strcat(buf, v->valuestring);
		}
	}
	return buf;
}

static const char *path_of(const cJSON *w)
{
	const cJSON *cc = cJSON_GetObjectItem(w, "clientConfig");
	const cJSON *svc = cJSON_GetObjectItem(cc, "service");
	return svc ? cJSON_GetObjectItem(svc, "path")->valuestring
		   : cJSON_GetObjectItem(cc, "url")->valuestring;
}

static cJSON *build(const char *policy_yaml, const cJSON *live, const struct si_ns_summary *list,
		    size_t n, const struct si_vwc_spec *given, struct si_ns_counts *c)
{
	struct si_policy *p = policy_of(policy_yaml);
	struct si_vwc_spec spec = { NULL, NULL, excluded, 2 };
	cJSON *hooks = si_vwc_webhooks(live, p, list, n, given ? given : &spec, c);
	si_policy_free(p);
	assert_non_null(hooks);
	return hooks;
}

static void resolves_policy_then_label_then_default(void **state)
{
	(void)state;
	const struct si_ns_summary list[] = {
		ns("team-a", "enforce"), ns("team-b", "off"), ns("typo", "Enforce"),
		ns("plain", NULL), ns("prod-x", "off"), ns("kube-system", "enforce"),
		ns("quiet", "audit"), ns("loud", "warn"),
	};
	struct si_ns_counts c;
	cJSON *live = json_of("{}");
	cJSON *hooks = build("mode: warn\nnamespaces:\n  - names: [\"prod-*\"]\n    mode: enforce\n",
			     live, list, 8, NULL, &c);
	const cJSON *enforce = hook(hooks, "enforce");
	assert_non_null(enforce);
	assert_string_equal(failure(enforce), "Fail");
	assert_string_equal(names(enforce, "In"), "team-a,prod-x");
	assert_string_equal(path_of(enforce), "/validate/enforce");
	const cJSON *audit = hook(hooks, "audit");
	assert_string_equal(failure(audit), "Ignore");
	assert_string_equal(names(audit, "In"), "quiet");
	assert_null(hook(hooks, "warn"));    /* the default's namespaces go to default */
	assert_null(hook(hooks, "off"));
	const cJSON *def = hook(hooks, "default");
	assert_string_equal(failure(def), "Ignore");
	assert_string_equal(names(def, "NotIn"),
			    "kube-system,security-inspector,team-a,team-b,prod-x,quiet");
	assert_string_equal(path_of(def), "/validate");
	const cJSON *cluster = hook(hooks, "cluster");
	assert_string_equal(failure(cluster), "Ignore");
	assert_string_equal(names(cluster, "In"), "");
	const cJSON *nss = hook(hooks, "namespaces");
	assert_string_equal(failure(nss), "Ignore");
	assert_int_equal(c.by_mode[SI_MODE_ENFORCE], 2);
	assert_int_equal(c.by_mode[SI_MODE_WARN], 3);   /* typo, plain, loud */
	assert_int_equal(c.by_mode[SI_MODE_OFF], 1);
	assert_int_equal(c.by_mode[SI_MODE_AUDIT], 1);
	assert_int_equal(c.unknown_label, 1);
	assert_int_equal(c.no_name_label, 0);
	cJSON_Delete(hooks);
	cJSON_Delete(live);
}

static void enforce_default_fails_closed(void **state)
{
	(void)state;
	const struct si_ns_summary list[] = { ns("dev", "warn"), ns("lab", "off"), ns("x", NULL) };
	cJSON *live = json_of("{}");
	cJSON *hooks = build("mode: enforce\n", live, list, 3, NULL, NULL);
	assert_null(hook(hooks, "enforce"));
	assert_string_equal(failure(hook(hooks, "warn")), "Ignore");
	assert_string_equal(names(hook(hooks, "warn"), "In"), "dev");
	const cJSON *def = hook(hooks, "default");
	assert_string_equal(failure(def), "Fail");
	assert_string_equal(names(def, "NotIn"), "kube-system,security-inspector,dev,lab");
	/* Cluster-scoped objects take the default too: enforced, Fail. */
	assert_string_equal(failure(hook(hooks, "cluster")), "Fail");
	cJSON_Delete(hooks);
	cJSON_Delete(live);
}

static void off_everywhere_sends_nothing(void **state)
{
	(void)state;
	const struct si_ns_summary list[] = { ns("a", "enforce"), ns("b", NULL) };
	cJSON *live = json_of("{}");
	cJSON *hooks = build("mode: \"off\"\n", live, list, 2, NULL, NULL);
	assert_string_equal(names(hook(hooks, "enforce"), "In"), "a");
	assert_null(hook(hooks, "default"));
	assert_null(hook(hooks, "cluster"));
	assert_non_null(hook(hooks, "namespaces"));
	cJSON_Delete(hooks);
	/* A rule that may enforce keeps the default webhook for namespaces
	 * created before the configuration catches up. */
	hooks = build("mode: \"off\"\nnamespaces:\n  - names: [\"prod-*\"]\n    mode: enforce\n",
		      live, list, 2, NULL, NULL);
	assert_non_null(hook(hooks, "default"));
	assert_string_equal(failure(hook(hooks, "default")), "Ignore");
	cJSON_Delete(hooks);
	cJSON_Delete(live);
}

static void keeps_service_bundle_and_extra_selectors(void **state)
{
	(void)state;
	const struct si_ns_summary list[] = { ns("a", "enforce") };
	cJSON *live = json_of(
		"{\"webhooks\": [{\"name\": \"default.security-inspector.io\","
		" \"clientConfig\": {\"service\": {\"name\": \"si\", \"namespace\": \"sec\","
		" \"path\": \"/validate\", \"port\": 8443}, \"caBundle\": \"Q0E=\"},"
		" \"namespaceSelector\": {\"matchLabels\": {\"team\": \"x\"}, \"matchExpressions\": ["
		"  {\"key\": \"security-inspector.io/mode\", \"operator\": \"NotIn\", \"values\": [\"off\"]},"
		"  {\"key\": \"kubernetes.io/metadata.name\", \"operator\": \"NotIn\", \"values\": [\"q\"]},"
		"  {\"key\": \"tier\", \"operator\": \"Exists\"}]}},"
		" {\"name\": \"cluster.security-inspector.io\","
		"  \"objectSelector\": {\"matchLabels\": {\"scope\": \"me\"}}}]}");
	cJSON *hooks = build("mode: warn\n", live, list, 1, NULL, NULL);
	const cJSON *enforce = hook(hooks, "enforce");
	const cJSON *svc = cJSON_GetObjectItem(cJSON_GetObjectItem(enforce, "clientConfig"), "service");
	assert_string_equal(cJSON_GetObjectItem(svc, "name")->valuestring, "si");
	assert_string_equal(cJSON_GetObjectItem(svc, "namespace")->valuestring, "sec");
	assert_string_equal(cJSON_GetObjectItem(svc, "path")->valuestring, "/validate/enforce");
	assert_int_equal(cJSON_GetObjectItem(svc, "port")->valueint, 8443);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(enforce, "clientConfig"),
						"caBundle")->valuestring, "Q0E=");
	char *sel = cJSON_PrintUnformatted(cJSON_GetObjectItem(enforce, "namespaceSelector"));
	assert_string_equal(sel, "{\"matchLabels\":{\"team\":\"x\"},\"matchExpressions\":["
			    "{\"key\":\"tier\",\"operator\":\"Exists\"},"
			    "{\"key\":\"kubernetes.io/metadata.name\",\"operator\":\"In\","
			    "\"values\":[\"a\"]}]}");
	cJSON_free(sel);
	char *obj = cJSON_PrintUnformatted(cJSON_GetObjectItem(hook(hooks, "cluster"),
								"objectSelector"));
	assert_string_equal(obj, "{\"matchLabels\":{\"scope\":\"me\"}}");
	cJSON_free(obj);
	cJSON_Delete(hooks);
	/* A URL and a managed bundle replace both. */
	struct si_vwc_spec spec = { "https://10.0.0.1:9443/", "TkVX", excluded, 2 };
	hooks = build("mode: warn\n", live, list, 1, &spec, NULL);
	const cJSON *cc = cJSON_GetObjectItem(hook(hooks, "enforce"), "clientConfig");
	assert_null(cJSON_GetObjectItem(cc, "service"));
	assert_string_equal(cJSON_GetObjectItem(cc, "url")->valuestring,
			    "https://10.0.0.1:9443/validate/enforce");
	assert_string_equal(cJSON_GetObjectItem(cc, "caBundle")->valuestring, "TkVX");
	cJSON_Delete(hooks);
	cJSON_Delete(live);
}

static void namespaces_without_name_label_are_counted(void **state)
{
	(void)state;
	struct si_ns_summary list[] = { ns("old", "enforce"), ns("new", "enforce") };
	list[0].name_label = false;
	struct si_ns_counts c;
	cJSON *live = json_of("{}");
	cJSON *hooks = build("mode: warn\n", live, list, 2, NULL, &c);
	assert_int_equal(c.no_name_label, 1);
	cJSON_Delete(hooks);
	cJSON_Delete(live);
}

/* The shipped configuration (what is applied before the server first
 * writes) intercepts exactly what the server's own configuration does. */
static void shipped_manifest_has_the_same_rules(void **state)
{
	(void)state;
	struct si_input *in = NULL;
	struct si_error err = { 0 };
	char buf[600];
	if (si_input_read(SHIPPED, &si_limits_default, &in, &err))
		fail_msg("%s", si_error_format(&err, buf, sizeof(buf)));
	const cJSON *shipped = in->roots[0];
	const struct si_ns_summary list[] = { ns("a", "enforce"), ns("b", "audit") };
	cJSON *hooks = build("mode: warn\n", shipped, list, 2, NULL, NULL);
	static const char *const pairs[][2] = {
		{ "enforce", "enforce" }, { "audit", "audit" }, { "warn", "default" },
		{ "default", "default" }, { "cluster", "cluster" }, { "namespaces", "namespaces" },
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		const cJSON *s = hook(cJSON_GetObjectItem(shipped, "webhooks"), pairs[i][0]);
		const cJSON *g = hook(hooks, pairs[i][1]);
		assert_non_null(s);
		assert_non_null(g);
		if (!cJSON_Compare(cJSON_GetObjectItem(s, "rules"), cJSON_GetObjectItem(g, "rules"), 1))
			fail_msg("%s: the shipped rules differ from the server's", pairs[i][0]);
		assert_int_equal(cJSON_GetObjectItem(s, "timeoutSeconds")->valueint,
				 cJSON_GetObjectItem(g, "timeoutSeconds")->valueint);
	}
	/* The service reference is kept. */
	const cJSON *svc = cJSON_GetObjectItem(cJSON_GetObjectItem(hook(hooks, "enforce"),
								   "clientConfig"), "service");
	assert_string_equal(cJSON_GetObjectItem(svc, "namespace")->valuestring, "security-inspector");
	assert_int_equal(cJSON_GetObjectItem(svc, "port")->valueint, 443);
	cJSON_Delete(hooks);
	si_input_free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(resolves_policy_then_label_then_default),
		cmocka_unit_test(enforce_default_fails_closed),
		cmocka_unit_test(off_everywhere_sends_nothing),
		cmocka_unit_test(keeps_service_bundle_and_extra_selectors),
		cmocka_unit_test(namespaces_without_name_label_are_counted),
		cmocka_unit_test(shipped_manifest_has_the_same_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
