// SPDX-License-Identifier: Apache-2.0
// Whitelist matching (globs, items, owner coverage) and annotation
// exemptions: si_policy_whitelisted() and si_policy_exemptions().
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"
#include "security-inspector/document.h"
#include "security-inspector/policy.h"
#include "security-inspector/workload.h"

/* ---- helpers ---------------------------------------------------------- */

/* A workload view and the document it borrows from. */
#define POD(ns, name, container) \
	"{\"apiVersion\": \"v1\", \"kind\": \"Pod\"," \
	" \"metadata\": {\"name\": \"" name "\", \"namespace\": \"" ns "\"}," \
	" \"spec\": {\"containers\": [{\"name\": \"" container "\", \"image\": \"app:1\"}]}}"

#define DAEMONSET(ns, name) \
	"{\"apiVersion\": \"apps/v1\", \"kind\": \"DaemonSet\"," \
	" \"metadata\": {\"name\": \"" name "\", \"namespace\": \"" ns "\"}," \
	" \"spec\": {\"template\": {\"spec\": {\"hostNetwork\": true, \"containers\": [" \
	"{\"name\": \"exporter\", \"image\": \"exporter:1\"}," \
	" {\"name\": \"proxy\", \"image\": \"proxy:1\"}]}}}}"

/* ---- matching ----------------------------------------------------------- */

static void test_entry_matches_namespace_by_glob(void **state)
{
	struct si_policy *p = policy_of("whitelist:\n"
					"  - namespaces: [\"monitoring-*\", ops]\n"
					"    reason: observability\n");
	struct wl a, b, c;
	wl_load(&a, POD("monitoring-eu", "web", "app"));
	wl_load(&b, POD("ops", "web", "app"));
	wl_load(&c, POD("monitoring", "web", "app"));
	const struct si_whitelist_entry *e = si_policy_whitelisted(p, &a.w, "app",
								    SI_RUN_AS_ROOT_ALLOWED);
	assert_ptr_equal(e, &p->whitelist[0]);
	assert_string_equal(e->reason, "observability");
	assert_non_null(si_policy_whitelisted(p, &b.w, "app", SI_RUN_AS_ROOT_ALLOWED));
	assert_null(si_policy_whitelisted(p, &c.w, "app", SI_RUN_AS_ROOT_ALLOWED));
	wl_free(&a);
	wl_free(&b);
	wl_free(&c);
	si_policy_free(p);
}

static void test_entry_matches_kind_by_glob(void **state)
{
	struct si_policy *p = policy_of("whitelist:\n  - kinds: [\"Daemon*\"]\n");
	struct wl ds, pod;
	wl_load(&ds, DAEMONSET("monitoring", "node-exporter"));
	wl_load(&pod, POD("monitoring", "node-exporter", "exporter"));
	assert_non_null(si_policy_whitelisted(p, &ds.w, NULL, SI_HOST_NETWORK_SET));
	assert_null(si_policy_whitelisted(p, &pod.w, NULL, SI_HOST_NETWORK_SET));
	wl_free(&ds);
	wl_free(&pod);
	si_policy_free(p);
}

static void test_entry_matches_name_by_glob(void **state)
{
	struct si_policy *p = policy_of("whitelist:\n  - names: [\"legacy-?\", \"batch-*\"]\n");
	struct wl a, b, c, d;
	wl_load(&a, POD("default", "legacy-1", "app"));
	wl_load(&b, POD("default", "batch-nightly", "app"));
	wl_load(&c, POD("default", "legacy-10", "app"));
	wl_load(&d, POD("default", "web", "app"));
	assert_non_null(si_policy_whitelisted(p, &a.w, "app", SI_TAG_NOT_SPECIFIED));
	assert_non_null(si_policy_whitelisted(p, &b.w, "app", SI_TAG_NOT_SPECIFIED));
	assert_null(si_policy_whitelisted(p, &c.w, "app", SI_TAG_NOT_SPECIFIED));
	assert_null(si_policy_whitelisted(p, &d.w, "app", SI_TAG_NOT_SPECIFIED));
	wl_free(&a);
	wl_free(&b);
	wl_free(&c);
	wl_free(&d);
	si_policy_free(p);
}

static void test_entry_matches_container_by_glob(void **state)
{
	struct si_policy *p = policy_of("whitelist:\n"
					"  - names: [node-exporter]\n"
					"    containers: [\"export*\"]\n");
	struct wl ds;
	wl_load(&ds, DAEMONSET("monitoring", "node-exporter"));
	assert_non_null(si_policy_whitelisted(p, &ds.w, "exporter", SI_RUN_AS_ROOT_ALLOWED));
	assert_null(si_policy_whitelisted(p, &ds.w, "proxy", SI_RUN_AS_ROOT_ALLOWED));
	wl_free(&ds);
	si_policy_free(p);
}

static void test_omitted_fields_mean_any(void **state)
{
	struct si_policy *p = policy_of("whitelist:\n  - reason: everything\n");
	struct wl a, ds;
	wl_load(&a, POD("team-a", "web", "app"));
	wl_load(&ds, DAEMONSET("monitoring", "node-exporter"));
	for (size_t i = 0; i < SI_ITEM_COUNT; i++) {
		assert_non_null(si_policy_whitelisted(p, &a.w, "app", (enum si_item_id)i));
		assert_non_null(si_policy_whitelisted(p, &a.w, NULL, (enum si_item_id)i));
		assert_non_null(si_policy_whitelisted(p, &ds.w, "proxy", (enum si_item_id)i));
	}
	wl_free(&a);
	wl_free(&ds);
	si_policy_free(p);
}

static void test_every_given_field_must_match(void **state)
{
	struct si_policy *p = policy_of("whitelist:\n"
					"  - namespaces: [monitoring]\n"
					"    kinds: [DaemonSet]\n"
					"    names: [node-exporter]\n"
					"    containers: [exporter]\n"
					"    checks: [runAsRootAllowed]\n");
	struct wl ok, other_ns, other_name, other_kind;
	wl_load(&ok, DAEMONSET("monitoring", "node-exporter"));
	wl_load(&other_ns, DAEMONSET("default", "node-exporter"));
	wl_load(&other_name, DAEMONSET("monitoring", "node-exporter-2"));
	wl_load(&other_kind, POD("monitoring", "node-exporter", "exporter"));
	assert_non_null(si_policy_whitelisted(p, &ok.w, "exporter", SI_RUN_AS_ROOT_ALLOWED));
	assert_null(si_policy_whitelisted(p, &ok.w, "proxy", SI_RUN_AS_ROOT_ALLOWED));
	assert_null(si_policy_whitelisted(p, &ok.w, "exporter", SI_RUN_AS_PRIVILEGED));
	assert_null(si_policy_whitelisted(p, &other_ns.w, "exporter", SI_RUN_AS_ROOT_ALLOWED));
	assert_null(si_policy_whitelisted(p, &other_name.w, "exporter", SI_RUN_AS_ROOT_ALLOWED));
	assert_null(si_policy_whitelisted(p, &other_kind.w, "exporter", SI_RUN_AS_ROOT_ALLOWED));
	wl_free(&ok);
	wl_free(&other_ns);
	wl_free(&other_name);
	wl_free(&other_kind);
	si_policy_free(p);
}

static void test_checks_restrict_the_items_covered(void **state)
{
	struct si_policy *p = policy_of("whitelist:\n"
					"  - names: [node-exporter]\n"
					"    checks: [hostNetworkSet, hostPIDSet, hostPortSet]\n");
	struct wl ds;
	wl_load(&ds, DAEMONSET("monitoring", "node-exporter"));
	for (size_t i = 0; i < SI_ITEM_COUNT; i++) {
		bool want = i == SI_HOST_NETWORK_SET || i == SI_HOST_PID_SET || i == SI_HOST_PORT_SET;
		const char *ct = si_items[i].scope == SI_SCOPE_POD ? NULL : "exporter";
		const struct si_whitelist_entry *e =
			si_policy_whitelisted(p, &ds.w, ct, (enum si_item_id)i);
		if ((e != NULL) != want)
			fail_msg("%s: whitelisted %d, expected %d", si_items[i].name, e != NULL, want);
	}
	wl_free(&ds);
	si_policy_free(p);
}

static void test_workload_without_namespace_is_in_default(void **state)
{
	struct si_policy *p = policy_of("whitelist:\n  - namespaces: [default]\n");
	struct wl a;
	wl_load(&a, "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"x\"},"
		    " \"spec\": {\"containers\": [{\"name\": \"app\"}]}}");
	assert_non_null(si_policy_whitelisted(p, &a.w, "app", SI_RUN_AS_ROOT_ALLOWED));
	wl_free(&a);
	si_policy_free(p);
}

/* ---- owner coverage ----------------------------------------------------- */

static const char *const deployment_entry =
	"whitelist:\n"
	"  - namespaces: [shop]\n"
	"    kinds: [Deployment]\n"
	"    names: [web]\n"
	"    checks: [runAsRootAllowed, hostNetworkSet]\n"
	"    reason: legacy image\n";

static void test_deployment_entry_covers_the_deployment(void **state)
{
	struct si_policy *p = policy_of(deployment_entry);
	struct wl d;
	wl_load(&d, "{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\","
		    " \"metadata\": {\"name\": \"web\", \"namespace\": \"shop\"},"
		    " \"spec\": {\"template\": {\"spec\": {\"containers\": [{\"name\": \"app\"}]}}}}");
	const struct si_whitelist_entry *e =
		si_policy_whitelisted(p, &d.w, "app", SI_RUN_AS_ROOT_ALLOWED);
	assert_non_null(e);
	assert_string_equal(e->reason, "legacy image");
	wl_free(&d);
	si_policy_free(p);
}

static void test_deployment_entry_covers_its_replicaset(void **state)
{
	struct si_policy *p = policy_of(deployment_entry);
	struct wl rs;
	wl_load(&rs, "{\"apiVersion\": \"apps/v1\", \"kind\": \"ReplicaSet\","
		     " \"metadata\": {\"name\": \"web-5d4f8c7b9\", \"namespace\": \"shop\","
		     "   \"labels\": {\"app\": \"web\", \"pod-template-hash\": \"5d4f8c7b9\"},"
		     "   \"ownerReferences\": [{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\","
		     "     \"name\": \"web\", \"uid\": \"1\", \"controller\": true}]},"
		     " \"spec\": {\"template\": {\"spec\": {\"containers\": [{\"name\": \"app\"}]}}}}");
	assert_non_null(si_policy_whitelisted(p, &rs.w, "app", SI_RUN_AS_ROOT_ALLOWED));
	assert_non_null(si_policy_whitelisted(p, &rs.w, NULL, SI_HOST_NETWORK_SET));
	assert_null(si_policy_whitelisted(p, &rs.w, "app", SI_RUN_AS_PRIVILEGED));
	wl_free(&rs);
	si_policy_free(p);
}

#define RS_POD(rs_name, hash) \
	"{\"apiVersion\": \"v1\", \"kind\": \"Pod\"," \
	" \"metadata\": {\"name\": \"" rs_name "-x7k2p\", \"namespace\": \"shop\"," \
	"   \"labels\": {\"app\": \"web\", \"pod-template-hash\": \"" hash "\"}," \
	"   \"ownerReferences\": [{\"apiVersion\": \"apps/v1\", \"kind\": \"ReplicaSet\"," \
	"     \"name\": \"" rs_name "\", \"uid\": \"2\", \"controller\": true}]}," \
	" \"spec\": {\"containers\": [{\"name\": \"app\", \"image\": \"web:1\"}]}}"

static void test_deployment_entry_covers_its_pod_through_the_replicaset(void **state)
{
	struct si_policy *p = policy_of(deployment_entry);
	struct wl pod;
	wl_load(&pod, RS_POD("web-5d4f8c7b9", "5d4f8c7b9"));
	const struct si_whitelist_entry *e =
		si_policy_whitelisted(p, &pod.w, "app", SI_RUN_AS_ROOT_ALLOWED);
	assert_non_null(e);
	assert_string_equal(e->reason, "legacy image");
	assert_non_null(si_policy_whitelisted(p, &pod.w, NULL, SI_HOST_NETWORK_SET));
	assert_null(si_policy_whitelisted(p, &pod.w, "app", SI_TAG_NOT_SPECIFIED));
	wl_free(&pod);
	si_policy_free(p);
}

static void test_pod_whose_replicaset_name_lacks_the_hash_is_not_covered(void **state)
{
	struct si_policy *p = policy_of(deployment_entry);
	struct wl a, b;
	/* The ReplicaSet is not named <deployment>-<pod-template-hash>. */
	wl_load(&a, RS_POD("web-abcdef123", "5d4f8c7b9"));
	assert_null(si_policy_whitelisted(p, &a.w, "app", SI_RUN_AS_ROOT_ALLOWED));
	/* The hash is the whole name: no Deployment name is left. */
	wl_load(&b, RS_POD("5d4f8c7b9", "5d4f8c7b9"));
	assert_null(si_policy_whitelisted(p, &b.w, "app", SI_RUN_AS_ROOT_ALLOWED));
	wl_free(&a);
	wl_free(&b);
	si_policy_free(p);
}

static void test_pod_without_hash_label_is_not_covered_by_the_deployment(void **state)
{
	struct si_policy *p = policy_of(deployment_entry);
	struct wl pod;
	wl_load(&pod, "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"web-5d4f8c7b9-x7k2p\","
		      " \"namespace\": \"shop\", \"ownerReferences\": [{\"kind\": \"ReplicaSet\","
		      " \"name\": \"web-5d4f8c7b9\"}]},"
		      " \"spec\": {\"containers\": [{\"name\": \"app\"}]}}");
	assert_null(si_policy_whitelisted(p, &pod.w, "app", SI_RUN_AS_ROOT_ALLOWED));
	wl_free(&pod);
	si_policy_free(p);
}

static void test_deployment_entry_does_not_cover_another_deployments_pod(void **state)
{
	struct si_policy *p = policy_of(deployment_entry);
	struct wl pod;
	wl_load(&pod, RS_POD("webshop-5d4f8c7b9", "5d4f8c7b9"));
	assert_null(si_policy_whitelisted(p, &pod.w, "app", SI_RUN_AS_ROOT_ALLOWED));
	wl_free(&pod);
	si_policy_free(p);
}

static const char *const cronjob_entry =
	"whitelist:\n"
	"  - kinds: [CronJob]\n"
	"    names: [backup]\n"
	"    checks: [runAsRootAllowed]\n"
	"    reason: backup tool needs root\n";

static void test_cronjob_entry_covers_its_job(void **state)
{
	struct si_policy *p = policy_of(cronjob_entry);
	struct wl job;
	wl_load(&job, "{\"apiVersion\": \"batch/v1\", \"kind\": \"Job\","
		      " \"metadata\": {\"name\": \"backup-28391230\", \"namespace\": \"ops\","
		      "   \"ownerReferences\": [{\"apiVersion\": \"batch/v1\", \"kind\": \"CronJob\","
		      "     \"name\": \"backup\", \"controller\": true}]},"
		      " \"spec\": {\"template\": {\"spec\": {\"restartPolicy\": \"OnFailure\","
		      "   \"containers\": [{\"name\": \"dump\", \"image\": \"pg:16\"}]}}}}");
	const struct si_whitelist_entry *e =
		si_policy_whitelisted(p, &job.w, "dump", SI_RUN_AS_ROOT_ALLOWED);
	assert_non_null(e);
	assert_string_equal(e->reason, "backup tool needs root");
	assert_null(si_policy_whitelisted(p, &job.w, "dump", SI_RUN_AS_PRIVILEGED));
	wl_free(&job);
	si_policy_free(p);
}

static void test_cronjob_entry_covers_the_pod_of_its_job(void **state)
{
	struct si_policy *p = policy_of(cronjob_entry);
	struct wl pod, other;
	wl_load(&pod, "{\"apiVersion\": \"v1\", \"kind\": \"Pod\","
		      " \"metadata\": {\"name\": \"backup-28391230-q8z4n\", \"namespace\": \"ops\","
		      "   \"labels\": {\"job-name\": \"backup-28391230\"},"
		      "   \"ownerReferences\": [{\"apiVersion\": \"batch/v1\", \"kind\": \"Job\","
		      "     \"name\": \"backup-28391230\", \"controller\": true}]},"
		      " \"spec\": {\"containers\": [{\"name\": \"dump\", \"image\": \"pg:16\"}]}}");
	assert_non_null(si_policy_whitelisted(p, &pod.w, "dump", SI_RUN_AS_ROOT_ALLOWED));
	/* The Job of another CronJob. */
	wl_load(&other, "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"restore-28391230-abcde\","
			"   \"ownerReferences\": [{\"kind\": \"Job\", \"name\": \"restore-28391230\"}]},"
			" \"spec\": {\"containers\": [{\"name\": \"dump\"}]}}");
	assert_null(si_policy_whitelisted(p, &other.w, "dump", SI_RUN_AS_ROOT_ALLOWED));
	wl_free(&pod);
	wl_free(&other);
	si_policy_free(p);
}

static void test_entry_naming_a_daemonset_covers_its_pods(void **state)
{
	struct si_policy *p = policy_of("whitelist:\n"
					"  - kinds: [DaemonSet]\n"
					"    names: [node-exporter]\n"
					"    checks: [hostNetworkSet]\n");
	struct wl pod;
	wl_load(&pod, "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"node-exporter-4kq9z\","
		      " \"namespace\": \"monitoring\", \"ownerReferences\": [{\"kind\": \"DaemonSet\","
		      " \"name\": \"node-exporter\"}]},"
		      " \"spec\": {\"hostNetwork\": true, \"containers\": [{\"name\": \"exporter\"}]}}");
	assert_non_null(si_policy_whitelisted(p, &pod.w, NULL, SI_HOST_NETWORK_SET));
	wl_free(&pod);
	si_policy_free(p);
}

/* ---- containers and pod-level results ----------------------------------- */

static void test_containers_field_does_not_restrict_pod_level_results(void **state)
{
	struct si_policy *p = policy_of("whitelist:\n"
					"  - names: [node-exporter]\n"
					"    containers: [sidecar-only]\n"
					"    checks: [hostNetworkSet, runAsRootAllowed]\n");
	struct wl ds;
	wl_load(&ds, DAEMONSET("monitoring", "node-exporter"));
	assert_non_null(si_policy_whitelisted(p, &ds.w, NULL, SI_HOST_NETWORK_SET));
	assert_null(si_policy_whitelisted(p, &ds.w, "exporter", SI_RUN_AS_ROOT_ALLOWED));
	assert_non_null(si_policy_whitelisted(p, &ds.w, "sidecar-only", SI_RUN_AS_ROOT_ALLOWED));
	wl_free(&ds);
	si_policy_free(p);
}

static void test_binding_results_ignore_the_containers_field(void **state)
{
	struct si_policy *p = policy_of("whitelist:\n"
					"  - kinds: [ClusterRoleBinding]\n"
					"    names: [\"system:*\"]\n"
					"    containers: [none]\n"
					"    checks: [anonymousUserRBACBinding]\n");
	struct wl crb;
	wl_load(&crb, "{\"kind\": \"ClusterRoleBinding\", \"metadata\": {\"name\": \"system:basic\"},"
		      " \"subjects\": [{\"kind\": \"Group\", \"name\": \"system:unauthenticated\"}]}");
	assert_non_null(si_policy_whitelisted(p, &crb.w, NULL, SI_ANONYMOUS_USER_RBAC_BINDING));
	wl_free(&crb);
	si_policy_free(p);
}

/* A binding that names a whitelisted binding as its owner is not covered:
 * bindings never inherit coverage (the default policy's entry for the
 * built-in system:public-info-viewer must not cover anyone's binding). */
static void test_bindings_never_inherit_coverage_from_owners(void **state)
{
	struct si_policy *p = NULL;
	struct si_error err = { 0 };
	assert_int_equal(si_policy_default(&p, &err), SI_OK);
	struct wl own, rb, crb;
	wl_load(&own, "{\"kind\": \"ClusterRoleBinding\", \"metadata\": {\"name\": "
		      "\"system:public-info-viewer\"}, \"subjects\": [{\"kind\": \"Group\", "
		      "\"name\": \"system:unauthenticated\"}]}");
	wl_load(&rb, "{\"kind\": \"RoleBinding\", \"metadata\": {\"name\": \"open\", "
		     "\"namespace\": \"shop\", \"ownerReferences\": [{\"kind\": "
		     "\"ClusterRoleBinding\", \"name\": \"system:public-info-viewer\"}]}, "
		     "\"subjects\": [{\"kind\": \"Group\", \"name\": \"system:unauthenticated\"}]}");
	wl_load(&crb, "{\"kind\": \"ClusterRoleBinding\", \"metadata\": {\"name\": \"open\", "
		      "\"ownerReferences\": [{\"kind\": \"ClusterRoleBinding\", \"name\": "
		      "\"system:public-info-viewer\"}]}, \"subjects\": [{\"kind\": \"User\", "
		      "\"name\": \"system:anonymous\"}]}");
	assert_non_null(si_policy_whitelisted(p, &own.w, NULL, SI_ANONYMOUS_USER_RBAC_BINDING));
	assert_int_equal(rb.w.n_owners, 1);
	assert_null(si_policy_whitelisted(p, &rb.w, NULL, SI_ANONYMOUS_USER_RBAC_BINDING));
	assert_null(si_policy_whitelisted(p, &crb.w, NULL, SI_ANONYMOUS_USER_RBAC_BINDING));
	wl_free(&own);
	wl_free(&rb);
	wl_free(&crb);
	si_policy_free(p);
}

/* ---- annotation exemptions ---------------------------------------------- */

#define EXEMPT_POD \
	"{\"kind\": \"Pod\", \"metadata\": {\"name\": \"x\", \"annotations\": {" \
	"\"security-inspector.io/exempt\": \"hostNetworkSet, runAsRootAllowed\"}}," \
	" \"spec\": {\"containers\": [{\"name\": \"app\"}]}}"

static void assert_exempt_exactly(const bool exempt[SI_ITEM_COUNT], enum si_item_id a,
				  enum si_item_id b)
{
	for (size_t i = 0; i < SI_ITEM_COUNT; i++)
		if (exempt[i] != (i == a || i == b))
			fail_msg("%s: exempt %d", si_items[i].name, exempt[i]);
}

static void test_exemption_annotation_is_ignored_unless_allowed(void **state)
{
	struct si_policy *p = policy_of("allowAnnotationExemptions: false\n");
	struct wl pod;
	bool exempt[SI_ITEM_COUNT];
	wl_load(&pod, EXEMPT_POD);
	memset(exempt, 1, sizeof(exempt));
	si_policy_exemptions(p, &pod.w, exempt);
	for (size_t i = 0; i < SI_ITEM_COUNT; i++)
		assert_false(exempt[i]);
	si_policy_free(p);

	p = policy_of("");   /* the default is false too */
	memset(exempt, 1, sizeof(exempt));
	si_policy_exemptions(p, &pod.w, exempt);
	for (size_t i = 0; i < SI_ITEM_COUNT; i++)
		assert_false(exempt[i]);
	wl_free(&pod);
	si_policy_free(p);
}

static void test_exemption_annotation_is_honoured_when_allowed(void **state)
{
	struct si_policy *p = policy_of("allowAnnotationExemptions: true\n");
	struct wl pod;
	bool exempt[SI_ITEM_COUNT];
	wl_load(&pod, EXEMPT_POD);
	si_policy_exemptions(p, &pod.w, exempt);
	assert_exempt_exactly(exempt, SI_HOST_NETWORK_SET, SI_RUN_AS_ROOT_ALLOWED);
	/* An exemption is not a whitelist entry. */
	assert_null(si_policy_whitelisted(p, &pod.w, NULL, SI_HOST_NETWORK_SET));
	wl_free(&pod);
	si_policy_free(p);
}

static void test_exemption_on_pod_template_annotations_is_honoured(void **state)
{
	struct si_policy *p = policy_of("allowAnnotationExemptions: true\n");
	struct wl d;
	bool exempt[SI_ITEM_COUNT];
	wl_load(&d, "{\"kind\": \"Deployment\", \"metadata\": {\"name\": \"web\"},"
		    " \"spec\": {\"template\": {"
		    "   \"metadata\": {\"annotations\": {"
		    "     \"security-inspector.io/exempt\": \"hostNetworkSet,runAsRootAllowed\"}},"
		    "   \"spec\": {\"containers\": [{\"name\": \"app\"}]}}}}");
	si_policy_exemptions(p, &d.w, exempt);
	assert_exempt_exactly(exempt, SI_HOST_NETWORK_SET, SI_RUN_AS_ROOT_ALLOWED);
	wl_free(&d);
	si_policy_free(p);

	p = policy_of("allowAnnotationExemptions: false\n");
	wl_load(&d, "{\"kind\": \"CronJob\", \"metadata\": {\"name\": \"c\"},"
		    " \"spec\": {\"jobTemplate\": {\"spec\": {\"template\": {"
		    "   \"metadata\": {\"annotations\": {"
		    "     \"security-inspector.io/exempt\": \"hostPIDSet\"}},"
		    "   \"spec\": {\"containers\": [{\"name\": \"app\"}]}}}}}}");
	si_policy_exemptions(p, &d.w, exempt);
	for (size_t i = 0; i < SI_ITEM_COUNT; i++)
		assert_false(exempt[i]);
	si_policy_free(p);

	p = policy_of("allowAnnotationExemptions: true\n");
	si_policy_exemptions(p, &d.w, exempt);
	for (size_t i = 0; i < SI_ITEM_COUNT; i++)
		assert_int_equal(exempt[i], i == SI_HOST_PID_SET);
	wl_free(&d);
	si_policy_free(p);
}

static void test_exemption_names_must_be_whole_item_ids(void **state)
{
	struct si_policy *p = policy_of("allowAnnotationExemptions: true\n");
	struct wl pod;
	bool exempt[SI_ITEM_COUNT];
	wl_load(&pod, "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"x\", \"annotations\": {"
		      "\"security-inspector.io/exempt\": \"hostNetwork,unknownItem,,HOSTPIDSET\"}},"
		      " \"spec\": {\"containers\": [{\"name\": \"app\"}]}}");
	si_policy_exemptions(p, &pod.w, exempt);
	for (size_t i = 0; i < SI_ITEM_COUNT; i++)
		assert_false(exempt[i]);
	wl_free(&pod);
	si_policy_free(p);
}

/* ---- requester identities ------------------------------------------------ */

static const char *const ops_groups[] = { "system:authenticated", "ops-oncall" };

static void test_identity_entry_matches_user_by_glob(void **state)
{
	struct si_policy *p = policy_of("whitelist:\n  - users: [\"break-glass-*\"]\n");
	struct si_requester alice = { "break-glass-alice", NULL, 0 }, bob = { "bob", NULL, 0 };
	struct wl a;
	char who[64];
	wl_load(&a, POD("prod", "web", "app"));
	a.w.requester = &alice;
	assert_non_null(si_policy_whitelisted(p, &a.w, "app", SI_RUN_AS_ROOT_ALLOWED));
	assert_true(si_whitelist_identity(&p->whitelist[0], &alice, who, sizeof(who)));
	assert_string_equal(who, "user break-glass-alice");
	a.w.requester = &bob;
	assert_null(si_policy_whitelisted(p, &a.w, "app", SI_RUN_AS_ROOT_ALLOWED));
	assert_false(si_whitelist_identity(&p->whitelist[0], &bob, who, sizeof(who)));
	assert_string_equal(who, "");
	wl_free(&a);
	si_policy_free(p);
}

static void test_identity_entry_matches_any_group_of_the_requester(void **state)
{
	struct si_policy *p = policy_of("whitelist:\n  - groups: [\"ops-*\"]\n"
					"    checks: [hostNetworkSet]\n");
	struct si_requester carol = { "carol", ops_groups, 2 }, dave = { "dave", ops_groups, 1 };
	struct wl ds;
	char who[64];
	wl_load(&ds, DAEMONSET("monitoring", "node-exporter"));
	ds.w.requester = &carol;
	assert_non_null(si_policy_whitelisted(p, &ds.w, NULL, SI_HOST_NETWORK_SET));
	assert_null(si_policy_whitelisted(p, &ds.w, "exporter", SI_RUN_AS_ROOT_ALLOWED));
	assert_true(si_whitelist_identity(&p->whitelist[0], &carol, who, sizeof(who)));
	assert_string_equal(who, "group ops-oncall");
	ds.w.requester = &dave;
	assert_null(si_policy_whitelisted(p, &ds.w, NULL, SI_HOST_NETWORK_SET));
	wl_free(&ds);
	si_policy_free(p);
}

static void test_identity_entry_matches_service_account_user(void **state)
{
	struct si_policy *p = policy_of("whitelist:\n  - serviceAccounts: [\"argo*/*-server\"]\n");
	static const struct {
		const char *user;
		bool match;
	} cases[] = {
		{ "system:serviceaccount:argocd:argocd-server", true },
		{ "system:serviceaccount:argo-eu:app-server", true },
		{ "system:serviceaccount:argocd:argocd-repo", false },
		{ "system:serviceaccount:kube-system:argocd-server", false },
		/* a '*' never reaches over the namespace/name separator */
		{ "system:serviceaccount:argocd:x:y-server", false },
		{ "argocd/argocd-server", false },
		{ "system:serviceaccounts:argocd:argocd-server", false },
	};
	struct wl a;
	char who[128];
	wl_load(&a, POD("prod", "web", "app"));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct si_requester r = { cases[i].user, NULL, 0 };
		a.w.requester = &r;
		if (cases[i].match != (si_policy_whitelisted(p, &a.w, "app",
							     SI_TAG_NOT_SPECIFIED) != NULL))
			fail_msg("%s: expected %s", cases[i].user, cases[i].match ? "match" : "none");
	}
	struct si_requester r = { cases[0].user, NULL, 0 };
	assert_true(si_whitelist_identity(&p->whitelist[0], &r, who, sizeof(who)));
	assert_string_equal(who, "serviceAccount argocd/argocd-server");
	wl_free(&a);
	si_policy_free(p);
}

static void test_identity_entry_never_matches_without_a_requester(void **state)
{
	struct si_policy *p = policy_of("whitelist:\n  - users: [\"*\"]\n"
					"  - groups: [\"*\"]\n  - serviceAccounts: [\"*/*\"]\n");
	struct si_requester nobody = { NULL, NULL, 0 };
	struct wl a;
	wl_load(&a, POD("prod", "web", "app"));
	assert_null(a.w.requester);
	assert_null(si_policy_whitelisted(p, &a.w, "app", SI_RUN_AS_ROOT_ALLOWED));
	a.w.requester = &nobody;
	assert_null(si_policy_whitelisted(p, &a.w, "app", SI_RUN_AS_ROOT_ALLOWED));
	wl_free(&a);
	si_policy_free(p);
}

static void test_identity_and_object_fields_must_all_match(void **state)
{
	struct si_policy *p = policy_of("whitelist:\n  - users: [deployer]\n"
					"    namespaces: [staging]\n");
	struct si_requester deployer = { "deployer", NULL, 0 };
	struct wl a, b;
	wl_load(&a, POD("staging", "web", "app"));
	wl_load(&b, POD("prod", "web", "app"));
	a.w.requester = b.w.requester = &deployer;
	assert_non_null(si_policy_whitelisted(p, &a.w, "app", SI_RUN_AS_ROOT_ALLOWED));
	assert_null(si_policy_whitelisted(p, &b.w, "app", SI_RUN_AS_ROOT_ALLOWED));
	wl_free(&a);
	wl_free(&b);
	si_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_matches_namespace_by_glob),
		cmocka_unit_test(test_entry_matches_kind_by_glob),
		cmocka_unit_test(test_entry_matches_name_by_glob),
		cmocka_unit_test(test_entry_matches_container_by_glob),
		cmocka_unit_test(test_omitted_fields_mean_any),
		cmocka_unit_test(test_every_given_field_must_match),
		cmocka_unit_test(test_checks_restrict_the_items_covered),
		cmocka_unit_test(test_workload_without_namespace_is_in_default),
		cmocka_unit_test(test_deployment_entry_covers_the_deployment),
		cmocka_unit_test(test_deployment_entry_covers_its_replicaset),
		cmocka_unit_test(test_deployment_entry_covers_its_pod_through_the_replicaset),
		cmocka_unit_test(test_pod_whose_replicaset_name_lacks_the_hash_is_not_covered),
		cmocka_unit_test(test_pod_without_hash_label_is_not_covered_by_the_deployment),
		cmocka_unit_test(test_deployment_entry_does_not_cover_another_deployments_pod),
		cmocka_unit_test(test_cronjob_entry_covers_its_job),
		cmocka_unit_test(test_cronjob_entry_covers_the_pod_of_its_job),
		cmocka_unit_test(test_entry_naming_a_daemonset_covers_its_pods),
		cmocka_unit_test(test_containers_field_does_not_restrict_pod_level_results),
		cmocka_unit_test(test_binding_results_ignore_the_containers_field),
		cmocka_unit_test(test_exemption_annotation_is_ignored_unless_allowed),
		cmocka_unit_test(test_bindings_never_inherit_coverage_from_owners),
		cmocka_unit_test(test_exemption_annotation_is_honoured_when_allowed),
		cmocka_unit_test(test_exemption_on_pod_template_annotations_is_honoured),
		cmocka_unit_test(test_exemption_names_must_be_whole_item_ids),
		cmocka_unit_test(test_identity_entry_matches_user_by_glob),
		cmocka_unit_test(test_identity_entry_matches_any_group_of_the_requester),
		cmocka_unit_test(test_identity_entry_matches_service_account_user),
		cmocka_unit_test(test_identity_entry_never_matches_without_a_requester),
		cmocka_unit_test(test_identity_and_object_fields_must_all_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
