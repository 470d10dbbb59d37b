// SPDX-License-Identifier: Apache-2.0
// A scan of a live cluster: list each workload kind from the API server,
// leave out what a listed controller owns, and feed the rest to the audit
// one object at a time.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "security-inspector/audit.h"
#include "security-inspector/kube.h"

/* Which owned objects are left out: their controller is listed itself. */
enum owned_rule {
	KEEP_ALL,
	SKIP_OWNED_BY_DEPLOYMENT,   /* ReplicaSets of a Deployment */
	SKIP_OWNED_BY_CRONJOB,      /* Jobs of a CronJob */
	SKIP_CONTROLLED,            /* Pods with a controller owner */
};

static const struct kind {
	const char *kind;
	const char *group_version;  /* "/api/v1", "/apis/apps/v1" */
	const char *fallback;       /* served instead by older API servers */
	const char *resource;
	bool namespaced;
	enum owned_rule owned;
} kinds[] = {
	{ "Deployment", "/apis/apps/v1", NULL, "deployments", true, KEEP_ALL },
	{ "StatefulSet", "/apis/apps/v1", NULL, "statefulsets", true, KEEP_ALL },
	{ "DaemonSet", "/apis/apps/v1", NULL, "daemonsets", true, KEEP_ALL },
	{ "ReplicaSet", "/apis/apps/v1", NULL, "replicasets", true, SKIP_OWNED_BY_DEPLOYMENT },
	{ "Job", "/apis/batch/v1", NULL, "jobs", true, SKIP_OWNED_BY_CRONJOB },
	{ "CronJob", "/apis/batch/v1", "/apis/batch/v1beta1", "cronjobs", true, KEEP_ALL },
	{ "ReplicationController", "/api/v1", NULL, "replicationcontrollers", true, KEEP_ALL },
	{ "Pod", "/api/v1", NULL, "pods", true, SKIP_CONTROLLED },
	{ "RoleBinding", "/apis/rbac.authorization.k8s.io/v1", NULL, "rolebindings", true,
	  KEEP_ALL },
	{ "ClusterRoleBinding", "/apis/rbac.authorization.k8s.io/v1", NULL,
	  "clusterrolebindings", false, KEEP_ALL },
};
#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

struct scan {
	struct si_audit *a;
	const struct kind *kind;
	size_t kept, owned;
	struct si_error *stop;    /* why the run stopped */
};

/* Records `err` in the audit, so that every report says it is incomplete,
 * and tells the caller. */
static si_rc report_error(struct scan *s, const struct si_error *err)
{
	return si_audit_add_error(s->a, err);
}

static bool is_owned(const cJSON *item, enum owned_rule rule)
{
	const cJSON *refs = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(item, "metadata"), "ownerReferences");
	const cJSON *ref;
	cJSON_ArrayForEach(ref, refs) {
		const cJSON *kind = cJSON_GetObjectItemCaseSensitive(ref, "kind");
		const char *k = cJSON_IsString(kind) ? kind->valuestring : "";
		switch (rule) {
		case KEEP_ALL:
			return false;
		case SKIP_OWNED_BY_DEPLOYMENT:
			if (strcmp(k, "Deployment") == 0)
				return true;
			break;
		case SKIP_OWNED_BY_CRONJOB:
			if (strcmp(k, "CronJob") == 0)
				return true;
			break;
		case SKIP_CONTROLLED:
			if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ref, "controller")))
				return true;
			break;
		}
	}
	return false;
}

/* Drops what no check reads and that can be as big as the object itself,
 * so that reports do not copy it. */
static void trim(cJSON *item)
{
	cJSON *meta = cJSON_GetObjectItemCaseSensitive(item, "metadata");
	cJSON_DeleteItemFromObjectCaseSensitive(meta, "managedFields");
	cJSON_DeleteItemFromObjectCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(meta, "annotations"),
		"kubectl.kubernetes.io/last-applied-configuration");
	cJSON_DeleteItemFromObjectCaseSensitive(item, "status");
}

static const char *meta_string(const cJSON *item, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(item, "metadata"), key);
	return cJSON_IsString(v) ? v->valuestring : "";
}

/* One listed object: left out when owned, else one input of the audit. */
static si_rc on_item(cJSON *item, void *ctx, struct si_error *err)
{
	struct scan *s = ctx;
	if (is_owned(item, s->kind->owned)) {
		s->owned++;
		cJSON_Delete(item);
		return SI_OK;
	}
	trim(item);
	/* Reports name the object where they would name a file and line. */
	char path[512];
	const char *ns = meta_string(item, "namespace");
	if (ns[0])
		snprintf(path, sizeof(path), "cluster/%s/%s/%s", ns, s->kind->kind,
			 meta_string(item, "name"));
	else
		snprintf(path, sizeof(path), "cluster/%s/%s", s->kind->kind,
			 meta_string(item, "name"));
	struct si_input *in = NULL;
	si_rc rc = si_input_from_json(path, item, &in, err);
	if (rc)
		return rc;
	rc = si_audit_inspect(s->a, in, err);
	si_input_free(in);
	if (rc) {
		*s->stop = *err;
		return rc;
	}
	s->kept++;
	return SI_OK;
}

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* Lists one kind from `group_version`. */
static si_rc list_kind(struct si_kube *k, const struct si_cluster_options *o,
		       struct scan *s, const char *group_version,
		       struct si_kube_list_stats *st, struct si_error *err)
{
	char path[512];
	const struct kind *kd = s->kind;
	if (kd->namespaced && o->namespace && !has_glob(o->namespace))
		snprintf(path, sizeof(path), "%s/namespaces/%s/%s", group_version, o->namespace,
			 kd->resource);
	else
		snprintf(path, sizeof(path), "%s/%s", group_version, kd->resource);
	return si_kube_list(k, path, o->page_size, on_item, s, st, err);
}

/* The resources of the kinds from `kinds[from]` on that `o` selects, as
 * "pods, rolebindings"; false when there are none. */
static bool kinds_from(const struct si_cluster_options *o, size_t from, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t j = from; j < N_KINDS; j++)
		if ((!o->kind || strcasecmp(o->kind, kinds[j].kind) == 0) &&
		    (kinds[j].namespaced || !o->namespace) && len < size)
			len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? ", " : "",
						kinds[j].resource);
	return buf[0] != '\0';
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

si_rc si_kube_connect(const char *kubeconfig, const char *context, struct si_kube *k,
		      struct si_error *err)
{
	if (kubeconfig)
		return si_kube_from_kubeconfig(kubeconfig, context, k, err);
	char *path = si_kube_default_kubeconfig();
	if (!path) {
		memset(k, 0, sizeof(*k));
		if (getenv("KUBECONFIG") && getenv("KUBECONFIG")[0])
			return si_error_set(err, SI_ERR_IO, getenv("KUBECONFIG"), 0,
					    "no file of KUBECONFIG exists");
		return si_kube_in_cluster(NULL, k, err);
	}
	si_rc rc = si_kube_from_kubeconfig(path, context, k, err);
	free(path);
	return rc;
}

si_rc si_cluster_scan(struct si_audit *a, const struct si_cluster_options *o,
		      struct si_cluster_stats *stats, struct si_error *stop)
{
	struct si_kube k;
	struct si_error err = { 0 }, stop_dummy = { 0 };
	struct si_cluster_stats dummy;
	struct scan base = { .a = a, .stop = stop ? stop : &stop_dummy };
	si_rc rc = SI_OK;

	stats = stats ? stats : &dummy;
	memset(stats, 0, sizeof(*stats));
	if (si_kube_connect(o->kubeconfig, o->context, &k, &err))
		return err.code == SI_ERR_NOMEM ? si_error_set(base.stop, SI_ERR_NOMEM, NULL, 0,
							       "out of memory")
						: report_error(&base, &err);
	k.cancel = o->cancel;
	stats->complete = true;
	double deadline = now_seconds() + o->budget_seconds;
	for (size_t i = 0; i < N_KINDS; i++) {
		const struct kind *kd = &kinds[i];
		struct scan s = base;
		struct si_kube_list_stats st;

		s.kind = kd;
		if (o->kind && strcasecmp(o->kind, kd->kind) != 0)
			continue;
		/* A namespace filter never selects cluster-scoped objects. */
		if (!kd->namespaced && o->namespace)
			continue;
		if (o->budget_seconds) {
			/* Each request may take what is left of the budget. */
			double left = deadline - now_seconds();
			char rest[512];
			if (left < 0.5) {
				stats->complete = false;
				kinds_from(o, i, rest, sizeof(rest));
				si_error_set(&err, SI_ERR_IO, k.server, 0,
					     "not listed within %u s: %s", o->budget_seconds, rest);
				rc = report_error(&s, &err);
				break;
			}
			k.timeout = left < 1 ? 1 : (long)left;
			if (k.connect_timeout <= 0 || k.connect_timeout > k.timeout)
				k.connect_timeout = k.timeout;
		}
		rc = list_kind(&k, o, &s, kd->group_version, &st, &err);
		if (rc == SI_ERR_IO && kd->fallback && st.http_status == 404 && st.items == 0)
			rc = list_kind(&k, o, &s, kd->fallback, &st, &err);
		stats->listed += st.items;
		stats->inspected += s.kept;
		stats->owned += s.owned;
		stats->restarts += st.restarts;
		if (!rc)
			continue;
		if (rc == SI_ERR_NOMEM || base.stop->code)
			break;
		stats->complete = false;
		if ((rc = report_error(&s, &err)))
			break;
		if (s.kept) {
			si_error_set(&err, SI_ERR_IO, k.server, 0,
				     "%s: incomplete, %zu inspected before the error",
				     kd->resource, s.kept);
			if ((rc = report_error(&s, &err)))
				break;
		}
		if (st.transport_error) {
			/* Without an answer, the next kinds would only wait the same
			 * timeout: say what is missing and stop. */
			char rest[512];
			if (kinds_from(o, i + 1, rest, sizeof(rest))) {
				si_error_set(&err, SI_ERR_IO, k.server, 0,
					     "scan stopped, not inspected: %s", rest);
				rc = report_error(&s, &err);
			}
			break;
		}
	}
	si_kube_free(&k);
	if (base.stop->code)
		return base.stop->code;
	if (rc == SI_ERR_NOMEM)
		return si_error_set(base.stop, rc, NULL, 0, "out of memory");
	return SI_OK;
}
