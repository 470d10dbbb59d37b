// SPDX-License-Identifier: Apache-2.0
// The policy file: defaults, the embedded default policy, modes, severities,
// namespace rules, capabilities, and every error with its file, line and key.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "security-inspector/document.h"
#include "security-inspector/policy.h"
#include "security-inspector/workload.h"

#define PATH "policy.yaml"

/* ---- helpers ---------------------------------------------------------- */

static struct si_policy *policy_ok(const char *yaml)
{
	struct si_policy *p = NULL;
	struct si_error err = { 0 };
	char buf[900];
	if (si_policy_parse(PATH, yaml, strlen(yaml), &p, &err) != SI_OK)
		fail_msg("unexpected error: %s", si_error_format(&err, buf, sizeof(buf)));
	assert_non_null(p);
	return p;
}

/* Parses `yaml` expecting SI_ERR_POLICY at `line`; `key` is the exact key
 * expected in err.key, or NULL when any non-empty key will do. */
static void policy_fails(const char *yaml, int line, const char *key, struct si_error *err)
{
	struct si_policy *p = (struct si_policy *)&p;
	memset(err, 0, sizeof(*err));
	si_rc rc = si_policy_parse(PATH, yaml, strlen(yaml), &p, err);
	if (rc != SI_ERR_POLICY)
		fail_msg("expected SI_ERR_POLICY, got %d (%s)", rc, err->message);
	assert_null(p);
	assert_int_equal(err->code, SI_ERR_POLICY);
	assert_string_equal(err->file, PATH);
	if (err->line != line)
		fail_msg("line %d, expected %d (%s)", err->line, line, err->message);
	if (key)
		assert_string_equal(err->key, key);
	else
		assert_true(err->key[0] != '\0');
	assert_true(err->message[0] != '\0');
}

static bool caps_are(const struct si_strings *s, const char *const *want, size_t n)
{
	if (s->n != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(s->items[i], want[i]) != 0)
			return false;
	return true;
}

static void assert_table_severities(const struct si_policy *p)
{
	for (size_t i = 0; i < SI_ITEM_COUNT; i++)
		if (p->severity[i] != si_items[i].severity)
			fail_msg("%s: severity %d, table says %d", si_items[i].name,
				 p->severity[i], si_items[i].severity);
}

/* ---- defaults ----------------------------------------------------------- */

static void test_empty_policy_takes_every_default(void **state)
{
	const char *texts[] = { "", "# nothing but a comment\n", "---\n" };
	for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
		struct si_policy *p = policy_ok(texts[t]);
		assert_int_equal(p->mode, SI_MODE_WARN);
		assert_table_severities(p);
		const char *caps[] = { "NET_BIND_SERVICE" };
		assert_true(caps_are(&p->allowed_caps, caps, 1));
		assert_false(p->allow_annotation_exemptions);
		assert_int_equal(p->n_rules, 0);
		assert_int_equal(p->n_whitelist, 0);
		si_policy_free(p);
	}
}

static void test_table_default_severities_follow_the_design(void **state)
{
	const enum si_item_id danger[] = {
		SI_HOST_NETWORK_SET, SI_HOST_IPC_SET, SI_HOST_PID_SET, SI_RUN_AS_ROOT_ALLOWED,
		SI_RUN_AS_PRIVILEGED, SI_PRIVILEGE_ESCALATION_ALLOWED, SI_CAPABILITIES_ADDED,
		SI_TAG_NOT_SPECIFIED, SI_ANONYMOUS_USER_RBAC_BINDING,
		/* the Pod Security Standards baseline controls */
		SI_HOST_PROCESS_SET, SI_HOST_PATH_VOLUME_SET, SI_APPARMOR_UNCONFINED,
		SI_SELINUX_OPTIONS_SET, SI_PROC_MOUNT_UNMASKED, SI_SECCOMP_UNCONFINED,
		SI_UNSAFE_SYSCTLS_SET, SI_HOST_PROBE_SET,
	};
	struct si_policy *p = policy_ok("");
	size_t n_danger = 0;
	for (size_t i = 0; i < SI_ITEM_COUNT; i++) {
		bool is_danger = false;
		for (size_t j = 0; j < sizeof(danger) / sizeof(danger[0]); j++)
			is_danger |= danger[j] == (enum si_item_id)i;
		n_danger += is_danger;
		assert_int_equal(p->severity[i],
				 is_danger ? SI_SEVERITY_DANGER : SI_SEVERITY_WARNING);
	}
	assert_int_equal(n_danger, 17);
	si_policy_free(p);
}

static void test_embedded_default_policy_parses_with_table_defaults(void **state)
{
	struct si_policy *p = NULL;
	struct si_error err = { 0 };
	assert_int_equal(si_policy_default(&p, &err), SI_OK);
	assert_non_null(p);
	assert_int_equal(p->mode, SI_MODE_WARN);
	assert_table_severities(p);
	const char *caps[] = { "NET_BIND_SERVICE" };
	assert_true(caps_are(&p->allowed_caps, caps, 1));
	assert_false(p->allow_annotation_exemptions);
	/* System namespaces are off. */
	const char *sys[] = { "kube-system", "kube-public", "kube-node-lease" };
	for (size_t i = 0; i < 3; i++) {
		const struct si_ns_rule *r = si_policy_rule(p, sys[i]);
		assert_non_null(r);
		assert_true(r->has_mode);
		assert_int_equal(r->mode, SI_MODE_OFF);
	}
	assert_null(si_policy_rule(p, "default"));
	assert_null(si_policy_rule(p, "kube-systemd"));
	si_policy_free(p);
}

#define CRB_JSON \
	"{\"apiVersion\": \"rbac.authorization.k8s.io/v1\", \"kind\": \"ClusterRoleBinding\"," \
	" \"metadata\": {\"name\": \"%s\"}," \
	" \"roleRef\": {\"kind\": \"ClusterRole\", \"name\": \"system:public-info-viewer\"}," \
	" \"subjects\": [{\"kind\": \"Group\", \"name\": \"system:unauthenticated\"}]}"

static void test_embedded_default_policy_whitelists_public_info_viewer(void **state)
{
	struct si_policy *p = NULL;
	struct si_error err = { 0 };
	assert_int_equal(si_policy_default(&p, &err), SI_OK);

	const char *names[] = { "system:public-info-viewer", "anonymous-admin" };
	for (size_t i = 0; i < 2; i++) {
		char json[600];
		snprintf(json, sizeof(json), CRB_JSON, names[i]);
		cJSON *doc = NULL;
		struct si_workload w;
		assert_int_equal(si_json_parse(json, strlen(json), &si_limits_default, &doc, &err),
				 SI_OK);
		assert_int_equal(si_workload_from_json(doc, &w, NULL, &err), SI_OK);
		const struct si_whitelist_entry *e =
			si_policy_whitelisted(p, &w, NULL, SI_ANONYMOUS_USER_RBAC_BINDING);
		if (i == 0) {
			assert_non_null(e);
			assert_true(e->reason[0] != '\0');
			/* Only that item. */
			assert_null(si_policy_whitelisted(p, &w, NULL, SI_HOST_NETWORK_SET));
		} else {
			assert_null(e);
		}
		si_workload_clear(&w);
		cJSON_Delete(doc);
	}
	/* It is an ordinary, visible entry. */
	assert_int_equal(p->n_whitelist, 1);
	assert_false(p->whitelist[0].any_check);
	assert_true(p->whitelist[0].checks[SI_ANONYMOUS_USER_RBAC_BINDING]);
	assert_non_null(strstr(si_policy_default_yaml, "system:public-info-viewer"));
	si_policy_free(p);
}

/* ---- modes -------------------------------------------------------------- */

static void test_mode_off_unquoted_and_quoted_both_mean_off(void **state)
{
	const char *texts[] = { "mode: off\n", "mode: \"off\"\n", "mode: 'off'\n", "mode: Off\n" };
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct si_policy *p = policy_ok(texts[i]);
		assert_int_equal(p->mode, SI_MODE_OFF);
		si_policy_free(p);
	}
	struct si_policy *p = policy_ok("namespaces:\n"
					"  - names: [a]\n    mode: off\n"
					"  - names: [b]\n    mode: \"off\"\n");
	assert_int_equal(p->n_rules, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_true(p->rules[i].has_mode);
		assert_int_equal(p->rules[i].mode, SI_MODE_OFF);
	}
	si_policy_free(p);
}

static void test_every_mode_name_is_accepted(void **state)
{
	const struct { const char *text; enum si_mode mode; } cases[] = {
		{ "mode: enforce\n", SI_MODE_ENFORCE },
		{ "mode: warn\n", SI_MODE_WARN },
		{ "mode: audit\n", SI_MODE_AUDIT },
		{ "mode: \"enforce\"\n", SI_MODE_ENFORCE },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct si_policy *p = policy_ok(cases[i].text);
		assert_int_equal(p->mode, cases[i].mode);
		si_policy_free(p);
	}
}

static void test_mode_names_round_trip(void **state)
{
	const enum si_mode all[] = { SI_MODE_OFF, SI_MODE_AUDIT, SI_MODE_WARN, SI_MODE_ENFORCE };
	const char *names[] = { "off", "audit", "warn", "enforce" };
	for (size_t i = 0; i < 4; i++) {
		enum si_mode m = SI_MODE_WARN;
		assert_string_equal(si_mode_name(all[i]), names[i]);
		assert_true(si_mode_parse(names[i], &m));
		assert_int_equal(m, all[i]);
	}
	enum si_mode m = SI_MODE_AUDIT;
	assert_false(si_mode_parse("Enforce", &m));
	assert_false(si_mode_parse("", &m));
	assert_false(si_mode_parse("deny", &m));
	assert_int_equal(m, SI_MODE_AUDIT);
}

/* ---- severities and namespace rules --------------------------------------- */

static void test_per_item_severities_including_ignore(void **state)
{
	struct si_policy *p = policy_ok("checks:\n"
					"  cpuLimitsMissing: danger\n"
					"  hostNetworkSet: warning\n"
					"  livenessProbeMissing: ignore\n");
	assert_int_equal(p->severity[SI_CPU_LIMITS_MISSING], SI_SEVERITY_DANGER);
	assert_int_equal(p->severity[SI_HOST_NETWORK_SET], SI_SEVERITY_WARNING);
	assert_int_equal(p->severity[SI_LIVENESS_PROBE_MISSING], SI_SEVERITY_IGNORE);
	/* Items left out keep the table's severity. */
	assert_int_equal(p->severity[SI_HOST_PID_SET], SI_SEVERITY_DANGER);
	assert_int_equal(p->severity[SI_CPU_REQUESTS_MISSING], SI_SEVERITY_WARNING);
	assert_int_equal(si_policy_severity(p, "anything", SI_LIVENESS_PROBE_MISSING),
			 SI_SEVERITY_IGNORE);
	si_policy_free(p);
}

/* ---- podSecurity ---------------------------------------------------------- */

static void test_pod_security_baseline_makes_baseline_items_danger_and_restricted_ignored(void **state)
{
	struct si_policy *p = policy_ok("podSecurity: baseline\n");
	for (size_t i = 0; i < SI_ITEM_COUNT; i++) {
		enum si_severity want = si_items[i].severity;
		if (si_items[i].psa == SI_PSA_BASELINE)
			want = SI_SEVERITY_DANGER;
		else if (si_items[i].psa == SI_PSA_RESTRICTED)
			want = SI_SEVERITY_IGNORE;
		if (p->severity[i] != want)
			fail_msg("%s: severity %d, expected %d", si_items[i].name, p->severity[i], want);
	}
	/* hostPortSet is baseline "Host Ports": warning by default, danger here. */
	assert_int_equal(p->severity[SI_HOST_PORT_SET], SI_SEVERITY_DANGER);
	assert_int_equal(p->severity[SI_SECCOMP_PROFILE_MISSING], SI_SEVERITY_IGNORE);
	/* Items without a PSS control keep the table's severity. */
	assert_int_equal(p->severity[SI_CPU_LIMITS_MISSING], SI_SEVERITY_WARNING);
	assert_int_equal(p->severity[SI_TAG_NOT_SPECIFIED], SI_SEVERITY_DANGER);
	si_policy_free(p);
}

static void test_pod_security_restricted_makes_every_pss_item_danger(void **state)
{
	struct si_policy *p = policy_ok("podSecurity: restricted\n");
	for (size_t i = 0; i < SI_ITEM_COUNT; i++)
		if (si_items[i].psa != SI_PSA_NONE && p->severity[i] != SI_SEVERITY_DANGER)
			fail_msg("%s: not danger under restricted", si_items[i].name);
	assert_int_equal(p->severity[SI_NOT_READ_ONLY_ROOT_FS], SI_SEVERITY_WARNING);
	si_policy_free(p);
}

static void test_pod_security_explicit_checks_win_in_any_order(void **state)
{
	const char *texts[] = {
		"podSecurity: restricted\nchecks:\n  seccompProfileMissing: warning\n  hostPortSet: ignore\n",
		"checks:\n  seccompProfileMissing: warning\n  hostPortSet: ignore\npodSecurity: restricted\n",
	};
	for (size_t t = 0; t < 2; t++) {
		struct si_policy *p = policy_ok(texts[t]);
		assert_int_equal(p->severity[SI_SECCOMP_PROFILE_MISSING], SI_SEVERITY_WARNING);
		assert_int_equal(p->severity[SI_HOST_PORT_SET], SI_SEVERITY_IGNORE);
		assert_int_equal(p->severity[SI_CAPABILITIES_NOT_DROPPED], SI_SEVERITY_DANGER);
		si_policy_free(p);
	}
}

static void test_pod_security_in_a_namespace_rule(void **state)
{
	struct si_policy *p = policy_ok("namespaces:\n"
					"  - names: [\"prod-*\"]\n"
					"    podSecurity: restricted\n"
					"    checks: {runAsUserRoot: warning}\n");
	assert_int_equal(si_policy_severity(p, "prod-eu", SI_SECCOMP_PROFILE_MISSING),
			 SI_SEVERITY_DANGER);
	assert_int_equal(si_policy_severity(p, "prod-eu", SI_RUN_AS_USER_ROOT), SI_SEVERITY_WARNING);
	assert_int_equal(si_policy_severity(p, "prod-eu", SI_CPU_LIMITS_MISSING), SI_SEVERITY_WARNING);
	/* Other namespaces keep the defaults. */
	assert_int_equal(si_policy_severity(p, "dev", SI_SECCOMP_PROFILE_MISSING), SI_SEVERITY_WARNING);
	si_policy_free(p);
}

static void test_pod_security_unknown_level_names_file_line_and_key(void **state)
{
	struct si_error err;
	policy_fails("mode: warn\npodSecurity: privileged\n", 2, "podSecurity", &err);
	assert_non_null(strstr(err.message, "privileged"));
	policy_fails("podSecurity: [baseline]\n", 1, "podSecurity", &err);
	policy_fails("namespaces:\n  - names: [a]\n    podSecurity: Baseline\n", 3,
		     "namespaces[0].podSecurity", &err);
}

static void test_namespace_rules_first_match_wins(void **state)
{
	struct si_policy *p = policy_ok("mode: warn\n"
					"namespaces:\n"
					"  - names: [prod-db]\n"               /* 3 */
					"    mode: audit\n"
					"  - names: [\"prod-*\", live]\n"      /* 5 */
					"    mode: enforce\n"
					"  - names: [\"*\"]\n"                 /* 7 */
					"    mode: off\n");
	assert_int_equal(p->n_rules, 3);
	assert_int_equal(p->rules[0].line, 3);
	assert_int_equal(p->rules[1].line, 5);
	assert_int_equal(p->rules[2].line, 7);
	assert_ptr_equal(si_policy_rule(p, "prod-db"), &p->rules[0]);
	assert_ptr_equal(si_policy_rule(p, "prod-web"), &p->rules[1]);
	assert_ptr_equal(si_policy_rule(p, "live"), &p->rules[1]);
	assert_ptr_equal(si_policy_rule(p, "staging"), &p->rules[2]);
	assert_ptr_equal(si_policy_rule(p, ""), &p->rules[2]);
	assert_int_equal(si_policy_rule(p, "prod-db")->mode, SI_MODE_AUDIT);
	assert_int_equal(si_policy_rule(p, "prod-web")->mode, SI_MODE_ENFORCE);
	assert_int_equal(si_policy_rule(p, "dev")->mode, SI_MODE_OFF);
	assert_int_equal(p->rules[1].names.n, 2);
	assert_string_equal(p->rules[1].names.items[0], "prod-*");
	assert_string_equal(p->rules[1].names.items[1], "live");
	si_policy_free(p);
}

static void test_namespace_without_matching_rule_has_none(void **state)
{
	struct si_policy *p = policy_ok("namespaces:\n  - names: [\"team-?\"]\n");
	assert_non_null(si_policy_rule(p, "team-a"));
	assert_null(si_policy_rule(p, "team-ab"));
	assert_false(p->rules[0].has_mode);
	si_policy_free(p);
}

static void test_namespace_rule_overrides_severity(void **state)
{
	struct si_policy *p = policy_ok("checks:\n"
					"  readinessProbeMissing: ignore\n"
					"namespaces:\n"
					"  - names: [\"prod-*\"]\n"
					"    mode: enforce\n"
					"    checks:\n"
					"      cpuLimitsMissing: danger\n"
					"      readinessProbeMissing: warning\n"
					"      hostPortSet: ignore\n"
					"  - names: [\"*\"]\n"
					"    checks: {cpuLimitsMissing: ignore}\n");
	const struct si_ns_rule *r = si_policy_rule(p, "prod-eu");
	assert_non_null(r);
	assert_true(r->has_severity[SI_CPU_LIMITS_MISSING]);
	assert_false(r->has_severity[SI_HOST_NETWORK_SET]);
	assert_int_equal(si_policy_severity(p, "prod-eu", SI_CPU_LIMITS_MISSING), SI_SEVERITY_DANGER);
	assert_int_equal(si_policy_severity(p, "prod-eu", SI_READINESS_PROBE_MISSING),
			 SI_SEVERITY_WARNING);
	assert_int_equal(si_policy_severity(p, "prod-eu", SI_HOST_PORT_SET), SI_SEVERITY_IGNORE);
	/* Not overridden by the rule: the policy's severity. */
	assert_int_equal(si_policy_severity(p, "prod-eu", SI_HOST_NETWORK_SET), SI_SEVERITY_DANGER);
	assert_int_equal(si_policy_severity(p, "prod-eu", SI_MEMORY_LIMITS_MISSING),
			 SI_SEVERITY_WARNING);
	/* The second rule applies elsewhere; the first one does not. */
	assert_int_equal(si_policy_severity(p, "dev", SI_CPU_LIMITS_MISSING), SI_SEVERITY_IGNORE);
	assert_int_equal(si_policy_severity(p, "dev", SI_READINESS_PROBE_MISSING),
			 SI_SEVERITY_IGNORE);
	assert_int_equal(si_policy_severity(p, "dev", SI_HOST_PORT_SET), SI_SEVERITY_WARNING);
	/* The policy-wide values are unchanged by the rules. */
	assert_int_equal(p->severity[SI_CPU_LIMITS_MISSING], SI_SEVERITY_WARNING);
	si_policy_free(p);
}

/* ---- capabilities, exemptions and whitelist fields ----------------------- */

static void test_allowed_capabilities_are_normalized(void **state)
{
	struct si_policy *p = policy_ok("allowedCapabilities: [cap_sys_time, Net_Raw, CAP_CHOWN,"
					" NET_BIND_SERVICE]\n");
	const char *want[] = { "SYS_TIME", "NET_RAW", "CHOWN", "NET_BIND_SERVICE" };
	assert_true(caps_are(&p->allowed_caps, want, 4));
	si_policy_free(p);
}

static void test_allowed_capabilities_replace_the_default(void **state)
{
	struct si_policy *p = policy_ok("allowedCapabilities: [SYS_TIME]\n");
	const char *want[] = { "SYS_TIME" };
	assert_true(caps_are(&p->allowed_caps, want, 1));
	si_policy_free(p);

	p = policy_ok("allowedCapabilities: []\n");
	assert_int_equal(p->allowed_caps.n, 0);
	si_policy_free(p);
}

static void test_allow_annotation_exemptions_is_read(void **state)
{
	struct si_policy *p = policy_ok("allowAnnotationExemptions: true\n");
	assert_true(p->allow_annotation_exemptions);
	si_policy_free(p);
	p = policy_ok("allowAnnotationExemptions: false\n");
	assert_false(p->allow_annotation_exemptions);
	si_policy_free(p);
}

static void test_whitelist_entries_are_read_with_their_fields(void **state)
{
	struct si_policy *p = policy_ok("whitelist:\n"
					"  - namespaces: [monitoring]\n"          /* 2 */
					"    kinds: [DaemonSet]\n"
					"    names: [node-exporter]\n"
					"    containers: [\"*\"]\n"
					"    checks: [hostNetworkSet, hostPIDSet]\n"
					"    reason: node metrics need the host network\n"
					"  - names: [\"legacy-*\"]\n");            /* 8 */
	assert_int_equal(p->n_whitelist, 2);
	const struct si_whitelist_entry *e = &p->whitelist[0];
	assert_int_equal(e->line, 2);
	assert_int_equal(e->namespaces.n, 1);
	assert_string_equal(e->namespaces.items[0], "monitoring");
	assert_string_equal(e->kinds.items[0], "DaemonSet");
	assert_string_equal(e->names.items[0], "node-exporter");
	assert_string_equal(e->containers.items[0], "*");
	assert_false(e->any_check);
	for (size_t i = 0; i < SI_ITEM_COUNT; i++)
		assert_int_equal(e->checks[i], i == SI_HOST_NETWORK_SET || i == SI_HOST_PID_SET);
	assert_string_equal(e->reason, "node metrics need the host network");

	e = &p->whitelist[1];
	assert_int_equal(e->line, 8);
	assert_true(e->any_check);
	assert_int_equal(e->namespaces.n, 0);
	assert_int_equal(e->kinds.n, 0);
	assert_int_equal(e->containers.n, 0);
	assert_non_null(e->reason);
	assert_string_equal(e->reason, "");
	si_policy_free(p);
}

static void test_strings_match_empty_list_means_any(void **state)
{
	struct si_strings none = { NULL, 0 };
	assert_true(si_strings_match(&none, "anything"));
	char *globs[] = { "a-*", "b" };
	struct si_strings two = { globs, 2 };
	assert_true(si_strings_match(&two, "a-1"));
	assert_true(si_strings_match(&two, "b"));
	assert_false(si_strings_match(&two, "c"));
}

/* ---- files -------------------------------------------------------------- */

static void test_policy_load_reads_a_file(void **state)
{
	struct si_policy *p = NULL;
	struct si_error err = { 0 };
	char buf[900];
	if (si_policy_load("data/policy-full.yaml", &p, &err) != SI_OK)
		fail_msg("%s", si_error_format(&err, buf, sizeof(buf)));
	assert_int_equal(p->mode, SI_MODE_ENFORCE);
	assert_int_equal(p->severity[SI_CPU_LIMITS_MISSING], SI_SEVERITY_DANGER);
	assert_int_equal(p->severity[SI_LIVENESS_PROBE_MISSING], SI_SEVERITY_IGNORE);
	const char *caps[] = { "NET_RAW", "NET_BIND_SERVICE" };
	assert_true(caps_are(&p->allowed_caps, caps, 2));
	assert_true(p->allow_annotation_exemptions);
	assert_int_equal(p->n_rules, 3);
	assert_int_equal(si_policy_rule(p, "kube-public")->mode, SI_MODE_OFF);
	assert_int_equal(si_policy_rule(p, "prod-1")->mode, SI_MODE_ENFORCE);
	assert_int_equal(si_policy_rule(p, "dev")->mode, SI_MODE_AUDIT);
	assert_int_equal(si_policy_severity(p, "prod-1", SI_CPU_LIMITS_MISSING),
			 SI_SEVERITY_WARNING);
	assert_int_equal(si_policy_severity(p, "prod-1", SI_READINESS_PROBE_MISSING),
			 SI_SEVERITY_DANGER);
	assert_int_equal(si_policy_severity(p, "dev", SI_CPU_LIMITS_MISSING), SI_SEVERITY_DANGER);
	assert_int_equal(p->n_whitelist, 1);
	assert_int_equal(p->whitelist[0].line, 17);
	si_policy_free(p);
}

static void test_policy_load_error_names_the_file_line_and_key(void **state)
{
	struct si_policy *p = (struct si_policy *)&p;
	struct si_error err = { 0 };
	assert_int_equal(si_policy_load("data/policy-bad-severity.yaml", &p, &err), SI_ERR_POLICY);
	assert_null(p);
	assert_int_equal(err.code, SI_ERR_POLICY);
	assert_string_equal(err.file, "data/policy-bad-severity.yaml");
	assert_int_equal(err.line, 5);
	assert_string_equal(err.key, "checks.hostPIDSet");
	assert_non_null(strstr(err.message, "critical"));
}

static void test_policy_load_missing_file_is_io_error(void **state)
{
	struct si_policy *p = (struct si_policy *)&p;
	struct si_error err = { 0 };
	assert_int_equal(si_policy_load("data/no-such-policy.yaml", &p, &err), SI_ERR_IO);
	assert_null(p);
	assert_int_equal(err.code, SI_ERR_IO);
	assert_string_equal(err.file, "data/no-such-policy.yaml");
}

static void test_flow_style_yaml_policy_is_accepted(void **state)
{
	/* A policy is YAML; a flow mapping with plain scalars is YAML too. */
	struct si_policy *p = policy_ok("{mode: enforce, checks: {cpuLimitsMissing: danger}}\n");
	assert_int_equal(p->mode, SI_MODE_ENFORCE);
	assert_int_equal(p->severity[SI_CPU_LIMITS_MISSING], SI_SEVERITY_DANGER);
	si_policy_free(p);
}

static void test_json_syntax_policy_error_names_the_line(void **state)
{
	/* JSON is YAML too; an error in it still names its line. */
	struct si_error err;
	policy_fails("{\n  \"mode\": \"warn\",\n  \"bogus\": 1\n}\n", 3, "bogus", &err);
}

/* ---- errors: top level -------------------------------------------------- */

static void test_unknown_top_level_key_is_an_error(void **state)
{
	struct si_error err;
	policy_fails("mode: warn\nchecks: {}\nnamespace: []\n", 3, "namespace", &err);
	assert_non_null(strstr(err.message, "namespace"));
}

static void test_unknown_item_in_checks_is_an_error_with_a_suggestion(void **state)
{
	struct si_error err;
	policy_fails("mode: warn\nchecks:\n  hostIPCSet: danger\n  cpuLimitMissing: danger\n", 4,
		     "checks.cpuLimitMissing", &err);
	assert_non_null(strstr(err.message, "cpuLimitMissing"));
	assert_non_null(strstr(err.message, "did you mean"));
	assert_non_null(strstr(err.message, "cpuLimitsMissing"));
}

static void test_unknown_item_far_from_any_id_gets_no_suggestion(void **state)
{
	struct si_error err;
	policy_fails("checks:\n  somethingElse: danger\n", 2, "checks.somethingElse", &err);
	assert_non_null(strstr(err.message, "somethingElse"));
	assert_null(strstr(err.message, "did you mean"));
}

static void test_item_ids_are_case_sensitive(void **state)
{
	struct si_error err;
	policy_fails("checks:\n  HostNetworkSet: danger\n", 2, "checks.HostNetworkSet", &err);
	assert_non_null(strstr(err.message, "hostNetworkSet"));
}

static void test_bad_severity_value_is_an_error(void **state)
{
	struct si_error err;
	policy_fails("checks:\n  hostPIDSet: critical\n", 2, "checks.hostPIDSet", &err);
	assert_non_null(strstr(err.message, "critical"));
	policy_fails("checks:\n  hostPIDSet: Danger\n", 2, "checks.hostPIDSet", &err);
	policy_fails("\nchecks:\n  hostPIDSet: 3\n", 3, "checks.hostPIDSet", &err);
	policy_fails("checks:\n  hostPIDSet:\n", 2, "checks.hostPIDSet", &err);
}

static void test_bad_mode_string_is_an_error(void **state)
{
	struct si_error err;
	policy_fails("# policy\nmode: block\n", 2, "mode", &err);
	assert_non_null(strstr(err.message, "block"));
	policy_fails("mode: Enforce\n", 1, "mode", &err);
}

static void test_mode_given_a_number_is_an_error(void **state)
{
	struct si_error err;
	policy_fails("checks: {}\n\nmode: 3\n", 3, "mode", &err);
}

static void test_mode_given_true_is_an_error(void **state)
{
	struct si_error err;
	/* `on` reads as true in YAML 1.1: it names no mode. */
	policy_fails("mode: on\n", 1, "mode", &err);
	policy_fails("mode: true\n", 1, "mode", &err);
}

static void test_checks_not_a_mapping_is_an_error(void **state)
{
	struct si_error err;
	policy_fails("mode: warn\nchecks: [hostPIDSet]\n", 2, "checks", &err);
	policy_fails("mode: warn\nchecks: danger\n", 2, "checks", &err);
}

static void test_allowed_capabilities_not_a_list_is_an_error(void **state)
{
	struct si_error err;
	policy_fails("allowedCapabilities: NET_ADMIN\n", 1, "allowedCapabilities", &err);
	policy_fails("mode: warn\nallowedCapabilities: {NET_ADMIN: true}\n", 2,
		     "allowedCapabilities", &err);
}

static void test_allowed_capabilities_non_string_element_is_an_error(void **state)
{
	struct si_error err;
	policy_fails("allowedCapabilities:\n  - NET_ADMIN\n  - 5\n", 3, "allowedCapabilities[1]",
		     &err);
	policy_fails("allowedCapabilities:\n  - [SYS_TIME]\n", 2, "allowedCapabilities[0]", &err);
}

static void test_allow_annotation_exemptions_not_a_boolean_is_an_error(void **state)
{
	struct si_error err;
	policy_fails("mode: warn\nallowAnnotationExemptions: \"true\"\n", 2,
		     "allowAnnotationExemptions", &err);
	policy_fails("allowAnnotationExemptions: 1\n", 1, "allowAnnotationExemptions", &err);
}

static void test_duplicate_key_in_policy_is_an_error(void **state)
{
	struct si_error err;
	policy_fails("mode: warn\nchecks: {}\nmode: enforce\n", 3, "mode", &err);
}

/* ---- errors: namespace rules -------------------------------------------- */

static void test_namespaces_not_a_list_is_an_error(void **state)
{
	struct si_error err;
	policy_fails("mode: warn\nnamespaces:\n  names: [a]\n", 2, "namespaces", &err);
	policy_fails("namespaces: prod\n", 1, "namespaces", &err);
}

static void test_namespace_rule_not_a_mapping_is_an_error(void **state)
{
	struct si_error err;
	policy_fails("namespaces:\n  - names: [a]\n  - prod\n", 3, "namespaces[1]", &err);
}

static void test_namespace_rule_without_names_is_an_error(void **state)
{
	struct si_error err;
	policy_fails("namespaces:\n  - names: [a]\n  - mode: enforce\n", 3, "namespaces[1]", &err);
	policy_fails("namespaces:\n  - names: []\n    mode: enforce\n", 2, "namespaces[0]", &err);
}

static void test_namespace_rule_names_not_a_list_is_an_error(void **state)
{
	struct si_error err;
	policy_fails("namespaces:\n  - names: prod\n", 2, "namespaces[0].names", &err);
	policy_fails("namespaces:\n  - names:\n      - prod\n      - 7\n", 4,
		     "namespaces[0].names[1]", &err);
}

static void test_unknown_key_in_namespace_rule_is_an_error(void **state)
{
	struct si_error err;
	policy_fails("namespaces:\n  - names: [a]\n    severity: {}\n", 3,
		     "namespaces[0].severity", &err);
}

static void test_bad_mode_in_namespace_rule_is_an_error(void **state)
{
	struct si_error err;
	policy_fails("namespaces:\n  - names: [a]\n    mode: enforce\n"
		     "  - names: [b]\n    mode: strict\n", 5, "namespaces[1].mode", &err);
	assert_non_null(strstr(err.message, "strict"));
	policy_fails("namespaces:\n  - names: [a]\n    mode: 1\n", 3, "namespaces[0].mode", &err);
}

static void test_unknown_item_in_namespace_rule_is_an_error(void **state)
{
	struct si_error err;
	policy_fails("namespaces:\n"
		     "  - names: [a]\n"
		     "    checks:\n"
		     "      hostNetwork: danger\n", 4, "namespaces[0].checks.hostNetwork", &err);
	assert_non_null(strstr(err.message, "hostNetworkSet"));
}

static void test_bad_severity_in_namespace_rule_is_an_error(void **state)
{
	struct si_error err;
	policy_fails("namespaces:\n"
		     "  - names: [a]\n"
		     "    checks:\n"
		     "      hostNetworkSet: high\n", 4, "namespaces[0].checks.hostNetworkSet", &err);
	policy_fails("namespaces:\n  - names: [a]\n    checks: [hostNetworkSet]\n", 3,
		     "namespaces[0].checks", &err);
}

/* ---- errors: whitelist -------------------------------------------------- */

static void test_whitelist_not_a_list_is_an_error(void **state)
{
	struct si_error err;
	policy_fails("mode: warn\nwhitelist:\n  names: [x]\n", 2, "whitelist", &err);
}

static void test_whitelist_entry_not_a_mapping_is_an_error(void **state)
{
	struct si_error err;
	policy_fails("whitelist:\n  - names: [x]\n  - node-exporter\n", 3, "whitelist[1]", &err);
}

static void test_unknown_key_in_whitelist_entry_is_an_error(void **state)
{
	struct si_error err;
	policy_fails("whitelist:\n  - kinds: [Pod]\n    kind: Pod\n", 3, "whitelist[0].kind", &err);
}

static void test_whitelist_entry_field_not_a_list_is_an_error(void **state)
{
	struct si_error err;
	policy_fails("whitelist:\n  - namespaces: monitoring\n", 2, "whitelist[0].namespaces", &err);
	policy_fails("whitelist:\n  - names: {a: b}\n", 2, "whitelist[0].names", &err);
	policy_fails("whitelist:\n  - containers: app\n", 2, "whitelist[0].containers", &err);
	policy_fails("whitelist:\n  - kinds: 3\n", 2, "whitelist[0].kinds", &err);
	policy_fails("whitelist:\n  - checks: hostNetworkSet\n", 2, "whitelist[0].checks", &err);
}

static void test_unknown_item_in_whitelist_checks_is_an_error(void **state)
{
	struct si_error err;
	policy_fails("whitelist:\n"
		     "  - names: [x]\n"
		     "    checks:\n"
		     "      - hostNetworkSet\n"
		     "      - runAsRootAlowed\n", 5, NULL, &err);
	assert_int_equal(strncmp(err.key, "whitelist[0].checks", strlen("whitelist[0].checks")), 0);
	assert_non_null(strstr(err.message, "runAsRootAlowed"));
	assert_non_null(strstr(err.message, "did you mean"));
	assert_non_null(strstr(err.message, "runAsRootAllowed"));
}

static void test_whitelist_reason_not_a_string_is_an_error(void **state)
{
	struct si_error err;
	policy_fails("whitelist:\n  - names: [x]\n    reason: [a, b]\n", 3, "whitelist[0].reason",
		     &err);
	policy_fails("whitelist:\n  - names: [x]\n  - names: [z]\n    reason: 42\n", 4,
		     "whitelist[1].reason", &err);
}

static void test_whitelist_identity_fields_are_checked(void **state)
{
	struct si_error err;
	policy_fails("whitelist:\n  - users: alice\n", 2, "whitelist[0].users", &err);
	policy_fails("whitelist:\n  - groups: []\n", 2, "whitelist[0].groups", &err);
	policy_fails("whitelist:\n  - users: [alice]\n    groups: [ops, 7]\n", 3,
		     "whitelist[0].groups[1]", &err);
	policy_fails("whitelist:\n  - serviceAccounts: {argocd: argocd-server}\n", 2,
		     "whitelist[0].serviceAccounts", &err);
	policy_fails("whitelist:\n  - user: [alice]\n", 2, "whitelist[0].user", &err);
	assert_non_null(strstr(err.message, "serviceAccounts"));
}

static void test_whitelist_service_account_must_be_namespace_slash_name(void **state)
{
	static const char *const bad[] = { "argocd", "/argocd-server", "argocd/", "a/b/c",
					   "system:serviceaccount:argocd:argocd-server" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char yaml[256];
		struct si_error err;
		snprintf(yaml, sizeof(yaml),
			 "whitelist:\n  - serviceAccounts:\n      - ok/fine\n      - \"%s\"\n",
			 bad[i]);
		policy_fails(yaml, 4, "whitelist[0].serviceAccounts[1]", &err);
		assert_non_null(strstr(err.message, "namespace/name"));
	}
}

static void test_whitelist_identity_entry_without_checks_covers_every_item(void **state)
{
	struct si_policy *p = policy_ok("whitelist:\n  - serviceAccounts: [\"argo*/*\"]\n"
					"    groups: [break-glass]\n");
	const struct si_whitelist_entry *e = &p->whitelist[0];
	assert_true(e->any_check);
	assert_true(si_whitelist_by_identity(e));
	assert_int_equal(e->sa_names.n, 1);
	assert_string_equal(e->sa_namespaces.items[0], "argo*");
	assert_string_equal(e->sa_names.items[0], "*");
	si_policy_free(p);
	p = policy_ok("whitelist:\n  - names: [x]\n");
	assert_false(si_whitelist_by_identity(&p->whitelist[0]));
	si_policy_free(p);
}

/* ---- errors: document shape --------------------------------------------- */

static void test_malformed_policy_yaml_is_a_policy_error_with_line(void **state)
{
	struct si_error err;
	struct si_policy *p = (struct si_policy *)&p;
	const char *text = "mode: warn\nchecks:\n  hostPIDSet: danger\n hostIPCSet: danger\n";
	assert_int_equal(si_policy_parse(PATH, text, strlen(text), &p, &err), SI_ERR_POLICY);
	assert_null(p);
	assert_int_equal(err.code, SI_ERR_POLICY);
	assert_string_equal(err.file, PATH);
	assert_int_equal(err.line, 4);

	text = "mode: warn\nchecks: {{items}}\n";
	assert_int_equal(si_policy_parse(PATH, text, strlen(text), &p, &err), SI_ERR_POLICY);
	assert_string_equal(err.file, PATH);
	assert_int_equal(err.line, 2);
}

static void test_two_yaml_documents_are_an_error(void **state)
{
	struct si_error err;
	policy_fails("mode: warn\n---\nmode: enforce\n", 3, NULL, &err);
}

static void test_policy_that_is_a_list_is_an_error(void **state)
{
	struct si_error err;
	policy_fails("- mode: warn\n- checks: {}\n", 1, NULL, &err);
}

static void test_policy_that_is_a_scalar_is_an_error(void **state)
{
	struct si_error err;
	policy_fails("# comment\nenforce\n", 2, NULL, &err);
}

static void test_whitelist_empty_list_is_refused_naming_its_key(void **state)
{
	struct si_error err;
	policy_fails("whitelist:\n  - names: [web]\n    checks: []\n", 3,
		     "whitelist[0].checks", &err);
	policy_fails("whitelist:\n  - kinds: []\n", 2, "whitelist[0].kinds", &err);
	assert_non_null(strstr(err.message, "leave the key out"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whitelist_empty_list_is_refused_naming_its_key),
		cmocka_unit_test(test_empty_policy_takes_every_default),
		cmocka_unit_test(test_table_default_severities_follow_the_design),
		cmocka_unit_test(test_embedded_default_policy_parses_with_table_defaults),
		cmocka_unit_test(test_embedded_default_policy_whitelists_public_info_viewer),
		cmocka_unit_test(test_mode_off_unquoted_and_quoted_both_mean_off),
		cmocka_unit_test(test_every_mode_name_is_accepted),
		cmocka_unit_test(test_mode_names_round_trip),
		cmocka_unit_test(test_per_item_severities_including_ignore),
		cmocka_unit_test(test_pod_security_baseline_makes_baseline_items_danger_and_restricted_ignored),
		cmocka_unit_test(test_pod_security_restricted_makes_every_pss_item_danger),
		cmocka_unit_test(test_pod_security_explicit_checks_win_in_any_order),
		cmocka_unit_test(test_pod_security_in_a_namespace_rule),
		cmocka_unit_test(test_pod_security_unknown_level_names_file_line_and_key),
		cmocka_unit_test(test_namespace_rules_first_match_wins),
		cmocka_unit_test(test_namespace_without_matching_rule_has_none),
		cmocka_unit_test(test_namespace_rule_overrides_severity),
		cmocka_unit_test(test_allowed_capabilities_are_normalized),
		cmocka_unit_test(test_allowed_capabilities_replace_the_default),
		cmocka_unit_test(test_allow_annotation_exemptions_is_read),
		cmocka_unit_test(test_whitelist_entries_are_read_with_their_fields),
		cmocka_unit_test(test_strings_match_empty_list_means_any),
		cmocka_unit_test(test_policy_load_reads_a_file),
		cmocka_unit_test(test_policy_load_error_names_the_file_line_and_key),
		cmocka_unit_test(test_policy_load_missing_file_is_io_error),
		cmocka_unit_test(test_flow_style_yaml_policy_is_accepted),
		cmocka_unit_test(test_json_syntax_policy_error_names_the_line),
		cmocka_unit_test(test_unknown_top_level_key_is_an_error),
		cmocka_unit_test(test_unknown_item_in_checks_is_an_error_with_a_suggestion),
		cmocka_unit_test(test_unknown_item_far_from_any_id_gets_no_suggestion),
		cmocka_unit_test(test_item_ids_are_case_sensitive),
		cmocka_unit_test(test_bad_severity_value_is_an_error),
		cmocka_unit_test(test_bad_mode_string_is_an_error),
		cmocka_unit_test(test_mode_given_a_number_is_an_error),
		cmocka_unit_test(test_mode_given_true_is_an_error),
		cmocka_unit_test(test_checks_not_a_mapping_is_an_error),
		cmocka_unit_test(test_allowed_capabilities_not_a_list_is_an_error),
		cmocka_unit_test(test_allowed_capabilities_non_string_element_is_an_error),
		cmocka_unit_test(test_allow_annotation_exemptions_not_a_boolean_is_an_error),
		cmocka_unit_test(test_duplicate_key_in_policy_is_an_error),
		cmocka_unit_test(test_namespaces_not_a_list_is_an_error),
		cmocka_unit_test(test_namespace_rule_not_a_mapping_is_an_error),
		cmocka_unit_test(test_namespace_rule_without_names_is_an_error),
		cmocka_unit_test(test_namespace_rule_names_not_a_list_is_an_error),
		cmocka_unit_test(test_unknown_key_in_namespace_rule_is_an_error),
		cmocka_unit_test(test_bad_mode_in_namespace_rule_is_an_error),
		cmocka_unit_test(test_unknown_item_in_namespace_rule_is_an_error),
		cmocka_unit_test(test_bad_severity_in_namespace_rule_is_an_error),
		cmocka_unit_test(test_whitelist_not_a_list_is_an_error),
		cmocka_unit_test(test_whitelist_entry_not_a_mapping_is_an_error),
		cmocka_unit_test(test_unknown_key_in_whitelist_entry_is_an_error),
		cmocka_unit_test(test_whitelist_entry_field_not_a_list_is_an_error),
		cmocka_unit_test(test_unknown_item_in_whitelist_checks_is_an_error),
		cmocka_unit_test(test_whitelist_reason_not_a_string_is_an_error),
		cmocka_unit_test(test_whitelist_identity_fields_are_checked),
		cmocka_unit_test(test_whitelist_service_account_must_be_namespace_slash_name),
		cmocka_unit_test(test_whitelist_identity_entry_without_checks_covers_every_item),
		cmocka_unit_test(test_malformed_policy_yaml_is_a_policy_error_with_line),
		cmocka_unit_test(test_two_yaml_documents_are_an_error),
		cmocka_unit_test(test_policy_that_is_a_list_is_an_error),
		cmocka_unit_test(test_policy_that_is_a_scalar_is_an_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
