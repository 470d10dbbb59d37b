// SPDX-License-Identifier: Apache-2.0
// Document -> workload view. Every field an item reads is type-checked here,
// so the item functions can trust what they get.
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "security-inspector/document.h"
#include "security-inspector/workload.h"

enum {
	T_OBJECT = 1, T_ARRAY = 2, T_STRING = 4, T_NUMBER = 8, T_BOOL = 16,
};

struct ctx {
	const cJSON **where;
	struct si_error *err;
};

static const char *types_text(int types)
{
	switch (types) {
	case T_OBJECT: return "a mapping";
	case T_ARRAY: return "a list";
	case T_STRING: return "a string";
	case T_NUMBER: return "an integer";
	case T_BOOL: return "a boolean (true or false)";
	case T_STRING | T_NUMBER: return "a quantity (string or number)";
	}
	return "another type";
}

static bool has_type(const cJSON *v, int types)
{
	return ((types & T_OBJECT) && cJSON_IsObject(v)) ||
	       ((types & T_ARRAY) && cJSON_IsArray(v)) ||
	       ((types & T_STRING) && cJSON_IsString(v)) ||
	       ((types & T_NUMBER) && cJSON_IsNumber(v)) ||
	       ((types & T_BOOL) && cJSON_IsBool(v));
}

/* `v` when it has one of `types`; NULL when absent or null. Another type
 * sets *rc to SI_ERR_TYPE naming "<path>.<key>" (or `path` alone when `key`
 * is NULL); the name is only built then. Once *rc is set, later calls do
 * nothing, so a run of reads needs one check at its end. */
static const cJSON *check_named(struct ctx *c, si_rc *rc, const cJSON *v, const char *path,
				const char *key, int types)
{
	if (*rc || !v || cJSON_IsNull(v))
		return NULL;
	double d = v->valuedouble;
	bool whole = !cJSON_IsNumber(v) || (isfinite(d) && floor(d) == d && fabs(d) < 9e18);
	if (has_type(v, types) && (types != T_NUMBER || whole))
		return v;
	char full[256];
	snprintf(full, sizeof(full), "%s%s%s", path, key && *path ? "." : "", key ? key : "");
	*rc = si_error_set(c->err, SI_ERR_TYPE, NULL, 0, "%s: expected %s, got %s",
			   full, types_text(types),
			   whole ? si_json_type_name(v) : "a number that is not an integer");
	if (c->err)
		snprintf(c->err->key, sizeof(c->err->key), "%s", full);
	if (c->where)
		*c->where = v;
	return NULL;
}

static const cJSON *check(struct ctx *c, si_rc *rc, const cJSON *v, const char *path,
			  int types)
{
	return check_named(c, rc, v, path, NULL, types);
}

/* The member `key` of `parent` (if an object), checked as above. */
static const cJSON *field(struct ctx *c, si_rc *rc, const cJSON *parent,
			  const char *path, const char *key, int types)
{
	if (*rc || !cJSON_IsObject(parent))
		return NULL;
	return check_named(c, rc, cJSON_GetObjectItemCaseSensitive(parent, key), path, key,
			   types);
}

static const char *const supported[] = {
	"Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob",
	"ReplicationController", "RoleBinding", "ClusterRoleBinding", NULL,
};

bool si_workload_kind_supported(const char *kind)
{
	for (const char *const *k = supported; *k; k++)
		if (strcmp(*k, kind) == 0)
			return true;
	return false;
}

const char *si_container_role_name(enum si_container_role role)
{
	switch (role) {
	case SI_ROLE_CONTAINER: return "container";
	case SI_ROLE_INIT: return "initContainer";
	case SI_ROLE_SIDECAR: return "sidecar";
	case SI_ROLE_EPHEMERAL: return "ephemeralContainer";
	}
	return "container";
}

static void add_owner(struct si_workload *w, const char *kind, const char *name, size_t len)
{
	if (w->n_owners == SI_MAX_OWNERS)
		return;
	struct si_owner *o = &w->owners[w->n_owners++];
	snprintf(o->kind, sizeof(o->kind), "%s", kind);
	snprintf(o->name, sizeof(o->name), "%.*s", (int)len, name);
}

/* The controllers above the direct owners: the Deployment of a ReplicaSet
 * ("<deployment>-<pod-template-hash>") and the CronJob of a Job
 * ("<cronjob>-<scheduled minute>"). */
static void derive_owners(struct si_workload *w)
{
	const cJSON *hash = cJSON_GetObjectItemCaseSensitive(w->labels, "pod-template-hash");
	size_t direct = w->n_owners;
	for (size_t i = 0; i < direct; i++) {
		const char *name = w->owners[i].name;
		size_t n = strlen(name);
		if (strcmp(w->owners[i].kind, "ReplicaSet") == 0 && cJSON_IsString(hash)) {
			size_t h = strlen(hash->valuestring);
			if (h > 0 && n > h + 1 && name[n - h - 1] == '-' &&
			    strcmp(name + n - h, hash->valuestring) == 0)
				add_owner(w, "Deployment", name, n - h - 1);
		} else if (strcmp(w->owners[i].kind, "Job") == 0) {
			size_t d = n;
			while (d > 0 && isdigit((unsigned char)name[d - 1]))
				d--;
			if (d < n && d > 1 && name[d - 1] == '-')
				add_owner(w, "CronJob", name, d - 1);
		}
	}
}

static si_rc read_metadata(struct ctx *c, const cJSON *obj, struct si_workload *w)
{
	si_rc rc = SI_OK;
	const cJSON *meta = field(c, &rc, obj, "", "metadata", T_OBJECT);
	const cJSON *name = field(c, &rc, meta, "metadata", "name", T_STRING);
	const cJSON *gen = field(c, &rc, meta, "metadata", "generateName", T_STRING);
	const cJSON *ns = field(c, &rc, meta, "metadata", "namespace", T_STRING);
	w->labels = field(c, &rc, meta, "metadata", "labels", T_OBJECT);
	w->annotations = field(c, &rc, meta, "metadata", "annotations", T_OBJECT);
	const cJSON *owners = field(c, &rc, meta, "metadata", "ownerReferences", T_ARRAY);
	if (rc)
		return rc;
	w->name = name ? name->valuestring : gen ? gen->valuestring : "";
	if (strcmp(w->kind, "ClusterRoleBinding") == 0)
		w->namespace = "";
	else
		w->namespace = ns && ns->valuestring[0] ? ns->valuestring : "default";

	int i = 0;
	for (const cJSON *o = owners ? owners->child : NULL; o; o = o->next, i++) {
		char path[64];
		snprintf(path, sizeof(path), "metadata.ownerReferences[%d]", i);
		check(c, &rc, o, path, T_OBJECT);
		const cJSON *k = field(c, &rc, o, path, "kind", T_STRING);
		const cJSON *n = field(c, &rc, o, path, "name", T_STRING);
		if (rc)
			return rc;
		if (k && n) {
			add_owner(w, k->valuestring, n->valuestring, strlen(n->valuestring));
			if (strcmp(k->valuestring, "Job") == 0)
				w->job_like = true;
		}
	}
	derive_owners(w);
	return SI_OK;
}

/* Type-checks the securityContext fields that pods and containers share
 * (`path` names `sc`). */
static void check_security_context(struct ctx *c, si_rc *rc, const cJSON *sc, const char *path)
{
	char p[224];
	field(c, rc, sc, path, "runAsNonRoot", T_BOOL);
	field(c, rc, sc, path, "runAsUser", T_NUMBER);
	static const char *const typed[] = { "seccompProfile", "appArmorProfile", NULL };
	for (const char *const *k = typed; *k; k++) {
		const cJSON *o = field(c, rc, sc, path, *k, T_OBJECT);
		snprintf(p, sizeof(p), "%s.%s", path, *k);
		field(c, rc, o, p, "type", T_STRING);
	}
	const cJSON *se = field(c, rc, sc, path, "seLinuxOptions", T_OBJECT);
	snprintf(p, sizeof(p), "%s.seLinuxOptions", path);
	field(c, rc, se, p, "user", T_STRING);
	field(c, rc, se, p, "role", T_STRING);
	field(c, rc, se, p, "type", T_STRING);
	const cJSON *win = field(c, rc, sc, path, "windowsOptions", T_OBJECT);
	snprintf(p, sizeof(p), "%s.windowsOptions", path);
	field(c, rc, win, p, "hostProcess", T_BOOL);
}

/* Type-checks the pod-level fields the PSS items read: volumes, sysctls, os. */
static void check_pod_fields(struct ctx *c, si_rc *rc, const cJSON *spec, const char *path,
			     const cJSON *sc)
{
	char p[224];
	field(c, rc, spec, path, "hostUsers", T_BOOL);
	const cJSON *os = field(c, rc, spec, path, "os", T_OBJECT);
	snprintf(p, sizeof(p), "%s.os", path);
	field(c, rc, os, p, "name", T_STRING);
	const cJSON *vols = field(c, rc, spec, path, "volumes", T_ARRAY);
	int i = 0;
	for (const cJSON *v = vols ? vols->child : NULL; v; v = v->next, i++) {
		snprintf(p, sizeof(p), "%s.volumes[%d]", path, i);
		check(c, rc, v, p, T_OBJECT);
		field(c, rc, v, p, "name", T_STRING);
		const cJSON *hp = field(c, rc, v, p, "hostPath", T_OBJECT);
		snprintf(p, sizeof(p), "%s.volumes[%d].hostPath", path, i);
		field(c, rc, hp, p, "path", T_STRING);
	}
	snprintf(p, sizeof(p), "%s.securityContext", path);
	const cJSON *sysctls = field(c, rc, sc, p, "sysctls", T_ARRAY);
	i = 0;
	for (const cJSON *s = sysctls ? sysctls->child : NULL; s; s = s->next, i++) {
		snprintf(p, sizeof(p), "%s.securityContext.sysctls[%d]", path, i);
		check(c, rc, s, p, T_OBJECT);
		field(c, rc, s, p, "name", T_STRING);
	}
}

/* Type-checks the fields of one container that the items read. */
static si_rc check_container(struct ctx *c, const cJSON *ct, const char *path)
{
	si_rc rc = SI_OK;
	char p[192];

	field(c, &rc, ct, path, "name", T_STRING);
	field(c, &rc, ct, path, "image", T_STRING);
	field(c, &rc, ct, path, "restartPolicy", T_STRING);
	field(c, &rc, ct, path, "readinessProbe", T_OBJECT);
	field(c, &rc, ct, path, "livenessProbe", T_OBJECT);
	const cJSON *sc = field(c, &rc, ct, path, "securityContext", T_OBJECT);
	snprintf(p, sizeof(p), "%s.securityContext", path);
	check_security_context(c, &rc, sc, p);
	field(c, &rc, sc, p, "procMount", T_STRING);
	field(c, &rc, sc, p, "privileged", T_BOOL);
	field(c, &rc, sc, p, "allowPrivilegeEscalation", T_BOOL);
	field(c, &rc, sc, p, "readOnlyRootFilesystem", T_BOOL);
	const cJSON *caps = field(c, &rc, sc, p, "capabilities", T_OBJECT);
	snprintf(p, sizeof(p), "%s.securityContext.capabilities", path);
	const cJSON *add = field(c, &rc, caps, p, "add", T_ARRAY);
	int i = 0;
	for (const cJSON *a = add ? add->child : NULL; a; a = a->next, i++) {
		snprintf(p, sizeof(p), "%s.securityContext.capabilities.add[%d]", path, i);
		check(c, &rc, a, p, T_STRING);
	}
	snprintf(p, sizeof(p), "%s.securityContext.capabilities", path);
	const cJSON *drop = field(c, &rc, caps, p, "drop", T_ARRAY);
	i = 0;
	for (const cJSON *a = drop ? drop->child : NULL; a; a = a->next, i++) {
		snprintf(p, sizeof(p), "%s.securityContext.capabilities.drop[%d]", path, i);
		check(c, &rc, a, p, T_STRING);
	}
	const cJSON *res = field(c, &rc, ct, path, "resources", T_OBJECT);
	snprintf(p, sizeof(p), "%s.resources", path);
	const cJSON *req = field(c, &rc, res, p, "requests", T_OBJECT);
	const cJSON *lim = field(c, &rc, res, p, "limits", T_OBJECT);
	snprintf(p, sizeof(p), "%s.resources.requests", path);
	field(c, &rc, req, p, "cpu", T_STRING | T_NUMBER);
	field(c, &rc, req, p, "memory", T_STRING | T_NUMBER);
	snprintf(p, sizeof(p), "%s.resources.limits", path);
	field(c, &rc, lim, p, "cpu", T_STRING | T_NUMBER);
	field(c, &rc, lim, p, "memory", T_STRING | T_NUMBER);
	const cJSON *ports = field(c, &rc, ct, path, "ports", T_ARRAY);
	i = 0;
	for (const cJSON *port = ports ? ports->child : NULL; port; port = port->next, i++) {
		snprintf(p, sizeof(p), "%s.ports[%d]", path, i);
		check(c, &rc, port, p, T_OBJECT);
		field(c, &rc, port, p, "hostPort", T_NUMBER);
	}
	return rc;
}

static si_rc add_containers(struct ctx *c, struct si_workload *w, const char *spec_path,
				const char *key, enum si_container_role role, size_t *cap)
{
	si_rc rc = SI_OK;
	const cJSON *list = field(c, &rc, w->pod_spec, spec_path, key, T_ARRAY);
	int i = 0;
	for (const cJSON *ct = list ? list->child : NULL; ct && !rc; ct = ct->next, i++) {
		char path[160];
		snprintf(path, sizeof(path), "%s.%s[%d]", spec_path, key, i);
		if (!check(c, &rc, ct, path, T_OBJECT) || (rc = check_container(c, ct, path)))
			break;
		if (w->n_containers == SI_MAX_CONTAINERS) {
			rc = si_error_set(c->err, SI_ERR_LIMIT, NULL, 0,
					  "%s: more than %d containers in one pod", path,
					  SI_MAX_CONTAINERS);
			if (c->err)
				snprintf(c->err->key, sizeof(c->err->key), "%s", path);
			if (c->where)
				*c->where = ct;
			return rc;
		}
		if (w->n_containers == *cap) {
			size_t n = *cap ? *cap * 2 : 4;
			struct si_container *a = realloc(w->containers, n * sizeof(*a));
			if (!a)
				return si_error_set(c->err, SI_ERR_NOMEM, NULL, 0, "out of memory");
			w->containers = a;
			*cap = n;
		}
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(ct, "name");
		const cJSON *restart = cJSON_GetObjectItemCaseSensitive(ct, "restartPolicy");
		enum si_container_role r = role;
		if (role == SI_ROLE_INIT && cJSON_IsString(restart) &&
		    strcmp(restart->valuestring, "Always") == 0)
			r = SI_ROLE_SIDECAR;
		w->containers[w->n_containers++] = (struct si_container){
			cJSON_IsString(name) ? name->valuestring : "", r, ct,
		};
	}
	return rc;
}

/* Finds the pod spec of `kind` and its path. NULL (with rc SI_OK) when the
 * object has none, as a partial manifest or a patch may. */
static const cJSON *find_pod_spec(struct ctx *c, si_rc *rc, const cJSON *obj,
				  struct si_workload *w, const char **path)
{
	const cJSON *spec = field(c, rc, obj, "", "spec", T_OBJECT);
	if (strcmp(w->kind, "Pod") == 0) {
		*path = "spec";
		return spec;
	}
	if (strcmp(w->kind, "CronJob") == 0) {
		const cJSON *jt = field(c, rc, spec, "spec", "jobTemplate", T_OBJECT);
		spec = field(c, rc, jt, "spec.jobTemplate", "spec", T_OBJECT);
		const cJSON *tpl = field(c, rc, spec, "spec.jobTemplate.spec", "template", T_OBJECT);
		const cJSON *meta = field(c, rc, tpl, "spec.jobTemplate.spec.template", "metadata", T_OBJECT);
		w->template_annotations = field(c, rc, meta, "spec.jobTemplate.spec.template.metadata",
						"annotations", T_OBJECT);
		*path = "spec.jobTemplate.spec.template.spec";
		return field(c, rc, tpl, "spec.jobTemplate.spec.template", "spec", T_OBJECT);
	}
	const cJSON *tpl = field(c, rc, spec, "spec", "template", T_OBJECT);
	const cJSON *meta = field(c, rc, tpl, "spec.template", "metadata", T_OBJECT);
	w->template_annotations = field(c, rc, meta, "spec.template.metadata", "annotations", T_OBJECT);
	*path = "spec.template.spec";
	return field(c, rc, tpl, "spec.template", "spec", T_OBJECT);
}

static si_rc read_pod(struct ctx *c, const cJSON *obj, struct si_workload *w)
{
	si_rc rc = SI_OK;
	const char *path = "spec";
	size_t cap = 0;

	w->pod_spec = find_pod_spec(c, &rc, obj, w, &path);
	if (rc)
		return rc;
	if (!w->pod_spec)
		return si_error_set(c->err, SI_ERR_INVALID, NULL, 0, "%s has no %s",
				    w->kind, path);
	field(c, &rc, w->pod_spec, path, "hostNetwork", T_BOOL);
	field(c, &rc, w->pod_spec, path, "hostIPC", T_BOOL);
	field(c, &rc, w->pod_spec, path, "hostPID", T_BOOL);
	const cJSON *sc = field(c, &rc, w->pod_spec, path, "securityContext", T_OBJECT);
	char p[96];
	snprintf(p, sizeof(p), "%s.securityContext", path);
	check_security_context(c, &rc, sc, p);
	check_pod_fields(c, &rc, w->pod_spec, path, sc);
	if (rc)
		return rc;
	const cJSON *os = cJSON_GetObjectItemCaseSensitive(w->pod_spec, "os");
	const cJSON *os_name = cJSON_GetObjectItemCaseSensitive(os, "name");
	w->windows = cJSON_IsString(os_name) && strcmp(os_name->valuestring, "windows") == 0;
	if ((rc = add_containers(c, w, path, "containers", SI_ROLE_CONTAINER, &cap)) ||
	    (rc = add_containers(c, w, path, "initContainers", SI_ROLE_INIT, &cap)) ||
	    (rc = add_containers(c, w, path, "ephemeralContainers", SI_ROLE_EPHEMERAL, &cap)))
		return rc;
	if (strcmp(w->kind, "Job") == 0 || strcmp(w->kind, "CronJob") == 0)
		w->job_like = true;
	return SI_OK;
}

static si_rc read_binding(struct ctx *c, const cJSON *obj, struct si_workload *w)
{
	si_rc rc = SI_OK;
	w->subjects = field(c, &rc, obj, "", "subjects", T_ARRAY);
	int i = 0;
	for (const cJSON *s = w->subjects ? w->subjects->child : NULL; s; s = s->next, i++) {
		char p[48];
		snprintf(p, sizeof(p), "subjects[%d]", i);
		check(c, &rc, s, p, T_OBJECT);
		field(c, &rc, s, p, "kind", T_STRING);
		field(c, &rc, s, p, "name", T_STRING);
	}
	return rc;
}

si_rc si_workload_from_json(const cJSON *obj, struct si_workload *out,
				const cJSON **where, struct si_error *err)
{
	struct ctx c = { where, err };
	si_rc rc = SI_OK;

	memset(out, 0, sizeof(*out));
	out->name = out->namespace = out->kind = "";
	if (where)
		*where = NULL;
	if (!cJSON_IsObject(obj))
		return si_error_set(err, SI_ERR_INVALID, NULL, 0, "not a mapping but %s",
				    si_json_type_name(obj));
	const cJSON *kind = field(&c, &rc, obj, "", "kind", T_STRING);
	if (rc)
		return rc;
	if (!kind || !kind->valuestring[0])
		return si_error_set(err, SI_ERR_INVALID, NULL, 0,
				    "not a Kubernetes object: no kind");
	out->kind = kind->valuestring;
	if ((rc = read_metadata(&c, obj, out)))
		return rc;
	if (!si_workload_kind_supported(out->kind))
		return si_error_set(err, SI_ERR_INVALID, NULL, 0, "kind %s is not inspected",
				    out->kind);
	if (strcmp(out->kind, "RoleBinding") == 0 || strcmp(out->kind, "ClusterRoleBinding") == 0) {
		out->class = SI_CLASS_BINDING;
		return read_binding(&c, obj, out);
	}
	out->class = SI_CLASS_POD;
	return read_pod(&c, obj, out);
}

void si_workload_clear(struct si_workload *w)
{
	if (!w)
		return;
	free(w->containers);
	w->containers = NULL;
	w->n_containers = 0;
}
