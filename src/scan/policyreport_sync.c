// SPDX-License-Identifier: Apache-2.0
// PolicyReports made true in the cluster: list ours (metadata), write what
// changed, delete what is no longer made.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "policyreport_sync.h"
#include "security-inspector/digest.h"

#define GROUP "/apis/wgpolicyk8s.io/v1alpha2"
/* A format string: "%%" is one "%". */
#define SELECTOR "?labelSelector=" SI_POLICYREPORT_LABEL "%%3Dsecurity-inspector"

/* A report found in the cluster. */
struct found {
	char *namespace, *name;        /* namespace "" for a ClusterPolicyReport */
	char resource_version[64];
	char digest[SI_SHA256_HEX_LEN + 1];
	bool kept;                     /* made by this scan too */
};

struct sync {
	const struct si_policyreport_sync *o;
	struct si_policyreport_sync_stats *st;
	struct si_policyreports *p;
	struct found *found;
	size_t n_found, cap_found;
	cJSON *owner;                  /* an ownerReferences array, or NULL */
	struct timespec last_write;
};

static int by_key(const struct found *a, const char *ns, const char *name)
{
	int c = strcmp(a->namespace, ns);
	return c ? c : strcmp(a->name, name);
}

static int found_order(const void *a, const void *b)
{
	const struct found *y = b;
	return by_key(a, y->namespace, y->name);
}

static struct found *lookup(struct sync *s, const char *ns, const char *name)
{
	size_t lo = 0, hi = s->n_found;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = by_key(&s->found[mid], ns, name);
		if (!c)
			return &s->found[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const char *string_at(const cJSON *o, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, a), b);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* One report of ours found by the list. */
static si_rc on_found(cJSON *item, void *ctx, struct si_error *err)
{
	struct sync *s = ctx;
	const char *ns = string_at(item, "metadata", "namespace");
	const char *name = string_at(item, "metadata", "name");
	const char *rv = string_at(item, "metadata", "resourceVersion");
	const cJSON *ann = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(item, "metadata"), "annotations");
	const cJSON *digest = cJSON_GetObjectItemCaseSensitive(ann, SI_POLICYREPORT_DIGEST);
	si_rc rc = SI_OK;

	if (!name)
		goto out;
	if (s->n_found == s->cap_found) {
		size_t cap = s->cap_found ? 2 * s->cap_found : 64;
		struct found *f = realloc(s->found, cap * sizeof(*f));
		if (!f) {
			rc = si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
			goto out;
		}
		s->found = f;
		s->cap_found = cap;
	}
	struct found *f = &s->found[s->n_found];
	*f = (struct found){ .namespace = strdup(ns ? ns : ""), .name = strdup(name) };
	if (!f->namespace || !f->name) {
		free(f->namespace), free(f->name);
		rc = si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
		goto out;
	}
	snprintf(f->resource_version, sizeof(f->resource_version), "%s", rv ? rv : "");
	if (cJSON_IsString(digest))
		snprintf(f->digest, sizeof(f->digest), "%s", digest->valuestring);
	s->n_found++;
	s->st->found++;
out:
	cJSON_Delete(item);
	return rc;
}

/* Lists the reports of ours of `resource`: false with `*rc` SI_OK when the
 * API server does not know the resource. */
static bool list_found(struct sync *s, const char *resource, si_rc *rc, struct si_error *err)
{
	char path[256];
	struct si_kube_list_stats ls;
	snprintf(path, sizeof(path), GROUP "/%s" SELECTOR, resource);
	*rc = si_kube_list_metadata(s->o->kube, path, 500, on_found, s, &ls, err);
	if (*rc && ls.http_status == 404) {
		*rc = SI_OK;
		return false;
	}
	return *rc == SI_OK;
}

/* Keeps the uid of the first item listed. */
static si_rc owner_uid(cJSON *item, void *ctx, struct si_error *err)
{
	char **uid = ctx;
	const char *u = string_at(item, "metadata", "uid");
	(void)err;
	if (u && !*uid)
		*uid = strdup(u);
	cJSON_Delete(item);
	return SI_OK;
}

/* [{"apiVersion": "v1", "kind": "Namespace", "name": NS, "uid": UID}] of the
 * owner, or NULL when it cannot be read (logged). */
static cJSON *owner_references(struct sync *s)
{
	char path[512], *uid = NULL;
	struct si_error err = { 0 };
	snprintf(path, sizeof(path), "/api/v1/namespaces?fieldSelector=metadata.name%%3D%s",
		 s->o->owner_namespace);
	if (si_kube_list(s->o->kube, path, 1, owner_uid, &uid, NULL, &err) || !uid) {
		cJSON *f = cJSON_CreateObject();
		char buf[1024];
		cJSON_AddStringToObject(f, "namespace", s->o->owner_namespace);
		if (err.code)
			cJSON_AddStringToObject(f, "error", si_error_format(&err, buf, sizeof(buf)));
		si_log("warn", "policy reports: cannot read the owner namespace; reports go "
			       "without an owner", f);
		free(uid);
		return NULL;
	}
	cJSON *ref = cJSON_CreateObject(), *refs = NULL;
	bool ok = ref && cJSON_AddStringToObject(ref, "apiVersion", "v1") &&
		  cJSON_AddStringToObject(ref, "kind", "Namespace") &&
		  cJSON_AddStringToObject(ref, "name", s->o->owner_namespace) &&
		  cJSON_AddStringToObject(ref, "uid", uid) && (refs = cJSON_CreateArray()) &&
		  cJSON_AddItemToArray(refs, ref);
	free(uid);
	if (ok)
		return refs;
	cJSON_Delete(ref);
	cJSON_Delete(refs);
	return NULL;
}

/* Paces writes: at most qps a second, each waiting for its turn. */
static void pace(struct sync *s)
{
	unsigned qps = s->o->qps ? s->o->qps : 10;
	long gap = 1000000000L / (long)qps;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long since = (long long)(now.tv_sec - s->last_write.tv_sec) * 1000000000LL +
			  (now.tv_nsec - s->last_write.tv_nsec);
	if (s->last_write.tv_sec && since >= 0 && since < gap) {
		long long wait = gap - since;
		struct timespec t = { (time_t)(wait / 1000000000LL), (long)(wait % 1000000000LL) };
		while (nanosleep(&t, &t) && errno == EINTR)
			;
		clock_gettime(CLOCK_MONOTONIC, &now);
	}
	s->last_write = now;
}

static bool cancelled(const struct sync *s)
{
	return s->o->cancel && atomic_load(s->o->cancel);
}

static void write_failed(const char *what, const char *ns, const char *name,
			 const struct si_error *err)
{
	cJSON *f = cJSON_CreateObject();
	char buf[1024];
	cJSON_AddStringToObject(f, "namespace", ns);
	cJSON_AddStringToObject(f, "name", name);
	cJSON_AddStringToObject(f, "error", si_error_format(err, buf, sizeof(buf)));
	si_log("warn", what, f);
}

/* The path of a report: its collection (`name` NULL) or itself. */
static void report_path(char *buf, size_t size, const char *ns, const char *name)
{
	if (ns[0])
		snprintf(buf, size, GROUP "/namespaces/%s/policyreports%s%s", ns, name ? "/" : "",
			 name ? name : "");
	else
		snprintf(buf, size, GROUP "/clusterpolicyreports%s%s", name ? "/" : "",
			 name ? name : "");
}

static void count(struct sync *s, enum si_metrics_write op, bool ok)
{
	if (s->o->metrics)
		si_metrics_policyreport_write(s->o->metrics, op, ok);
	if (!ok)
		s->st->failed++;
	else if (op == SI_METRICS_WRITE_CREATE)
		s->st->created++;
	else if (op == SI_METRICS_WRITE_UPDATE)
		s->st->updated++;
	else
		s->st->deleted++;
}

/* Writes one part when it changed. */
static si_rc sync_part(const struct si_policyreport_part *part, void *ctx, struct si_error *err)
{
	struct sync *s = ctx;
	char digest[SI_SHA256_HEX_LEN + 1], path[512];
	char *text = NULL;
	size_t len;
	cJSON *meta = NULL, *obj = NULL;
	si_rc rc;

	if (cancelled(s))
		return SI_OK;
	if ((rc = si_policyreports_render(s->p, part, NULL, 0, true, &text, &len, err)))
		return rc;
	bool ok = si_sha256_hex(text, len, digest);
	free(text);
	text = NULL;
	if (!ok)
		return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");

	struct found *f = lookup(s, part->namespace, part->name);
	if (f) {
		f->kept = true;
		if (strcmp(f->digest, digest) == 0) {
			s->st->unchanged++;
			return SI_OK;
		}
	}
	cJSON *ann, *owner = s->owner ? cJSON_Duplicate(s->owner, true) : NULL;
	meta = cJSON_CreateObject();
	ok = meta && (ann = cJSON_AddObjectToObject(meta, "annotations")) != NULL &&
	     cJSON_AddStringToObject(ann, SI_POLICYREPORT_DIGEST, digest) &&
	     (!f || cJSON_AddStringToObject(meta, "resourceVersion", f->resource_version)) &&
	     (!s->owner || (owner && cJSON_AddItemToObject(meta, "ownerReferences", owner)));
	if (owner && !ok && !cJSON_GetObjectItemCaseSensitive(meta, "ownerReferences"))
		cJSON_Delete(owner);
	if (!ok || (rc = si_policyreports_render(s->p, part, meta, s->o->when, false, &text, &len,
						 err)) ||
	    !(obj = cJSON_ParseWithLength(text, len))) {
		rc = rc ? rc : si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
		goto out;
	}
	struct si_error werr = { 0 };
	long status = 0;
	pace(s);
	report_path(path, sizeof(path), part->namespace, f ? part->name : NULL);
	si_rc wrc = f ? si_kube_update(s->o->kube, path, obj, NULL, &status, &werr)
		      : si_kube_create(s->o->kube, path, obj, NULL, &status, &werr);
	if (wrc == SI_ERR_NOMEM) {
		rc = si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
		goto out;
	}
	count(s, f ? SI_METRICS_WRITE_UPDATE : SI_METRICS_WRITE_CREATE, wrc == SI_OK);
	if (wrc)
		write_failed(f ? "policy reports: cannot update a report"
			       : "policy reports: cannot create a report",
			     part->namespace, part->name, &werr);
out:
	free(text);
	cJSON_Delete(meta);
	cJSON_Delete(obj);
	return rc;
}

si_rc si_policyreport_sync(struct si_policyreports *p, const struct si_policyreport_sync *o,
			   struct si_policyreport_sync_stats *stats, struct si_error *err)
{
	struct sync s = { .o = o, .st = stats, .p = p };
	si_rc rc = SI_OK;

	memset(stats, 0, sizeof(*stats));
	if (!list_found(&s, "policyreports", &rc, err) ||
	    !list_found(&s, "clusterpolicyreports", &rc, err)) {
		stats->no_crd = rc == SI_OK;
		goto out;
	}
	if (s.n_found)   /* qsort() takes no NULL array, even empty */
		qsort(s.found, s.n_found, sizeof(*s.found), found_order);
	if (o->owner_namespace)
		s.owner = owner_references(&s);
	if ((rc = si_policyreports_each(p, sync_part, &s, err)))
		goto out;
	for (size_t i = 0; o->delete_stale && i < s.n_found && !cancelled(&s); i++) {
		struct found *f = &s.found[i];
		char path[512];
		struct si_error werr = { 0 };
		long status = 0;
		if (f->kept)
			continue;
		pace(&s);
		report_path(path, sizeof(path), f->namespace, f->name);
		si_rc wrc = si_kube_delete(o->kube, path, &status, &werr);
		bool ok = wrc == SI_OK || status == 404;
		count(&s, SI_METRICS_WRITE_DELETE, ok);
		if (!ok)
			write_failed("policy reports: cannot delete a report", f->namespace, f->name,
				     &werr);
	}
out:
	for (size_t i = 0; i < s.n_found; i++)
		free(s.found[i].namespace), free(s.found[i].name);
	free(s.found);
	cJSON_Delete(s.owner);
	return rc;
}
