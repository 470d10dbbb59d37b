// SPDX-License-Identifier: Apache-2.0
// Objects fit to print in a report: env values and the last-applied
// annotation masked.
#include <string.h>

#include "security-inspector/report.h"

#define MASK_MAX_DEPTH 1000
#define LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"

static bool key_is(const cJSON *member, const char *key)
{
	return member->string && strcmp(member->string, key) == 0;
}

/* Puts the mask in the place of `member` of `obj`; the mask, or NULL when out
 * of memory. */
static cJSON *mask_member(cJSON *obj, cJSON *member)
{
	cJSON *mask = cJSON_CreateString(SI_REPORT_MASK);
	if (!mask)
		return NULL;
	mask->string = member->string;   /* the key moves over, it is not copied */
	mask->type |= member->type & cJSON_StringIsConst;
	member->string = NULL;
	cJSON_ReplaceItemViaPointer(obj, member, mask);
	return mask;
}

/* Masks every member of `obj` named `key` (duplicates included, as a reader
 * of the text may take the last); false when out of memory. */
static bool mask_members(cJSON *obj, const char *key)
{
	for (cJSON *m = obj->child; m; m = m->next)
		if (key_is(m, key) && !(m = mask_member(obj, m)))
			return false;
	return true;
}

/* The env values of the containers in `list`, an array member named as a
 * container list. */
static bool mask_env(cJSON *list)
{
	for (cJSON *ct = list->child; ct; ct = ct->next) {
		for (cJSON *env = cJSON_IsObject(ct) ? ct->child : NULL; env; env = env->next) {
			if (!key_is(env, "env") || !cJSON_IsArray(env))
				continue;
			for (cJSON *e = env->child; e; e = e->next)
				if (cJSON_IsObject(e) && !mask_members(e, "value"))
					return false;
		}
	}
	return true;
}

/* Masks the subtree `v`. Every object is looked at, not only where the
 * workload view finds the pod spec: a kind read later, or a pod spec nested
 * elsewhere, is masked all the same. */
static si_rc mask_tree(cJSON *v, unsigned depth)
{
	if (depth > MASK_MAX_DEPTH)
		return SI_ERR_LIMIT;
	for (cJSON *m = cJSON_IsObject(v) ? v->child : NULL; m; m = m->next) {
		if (cJSON_IsArray(m) && (key_is(m, "containers") || key_is(m, "initContainers") ||
					 key_is(m, "ephemeralContainers")) && !mask_env(m))
			return SI_ERR_NOMEM;
		for (cJSON *a = cJSON_IsObject(m) && key_is(m, "metadata") ? m->child : NULL; a;
		     a = a->next)
			if (cJSON_IsObject(a) && key_is(a, "annotations") &&
			    !mask_members(a, LAST_APPLIED))
				return SI_ERR_NOMEM;
	}
	for (cJSON *c = v->child; c; c = c->next) {
		si_rc rc = mask_tree(c, depth + 1);
		if (rc)
			return rc;
	}
	return SI_OK;
}

si_rc si_report_mask(const cJSON *obj, cJSON **out, struct si_error *err)
{
	cJSON *copy = cJSON_Duplicate(obj, true);
	si_rc rc = copy ? mask_tree(copy, 0) : SI_ERR_NOMEM;

	*out = NULL;
	if (rc) {
		cJSON_Delete(copy);
		return rc == SI_ERR_NOMEM
			? si_error_set(err, rc, NULL, 0, "out of memory")
			: si_error_set(err, rc, NULL, 0, "an object nests deeper than %d levels",
				       MASK_MAX_DEPTH);
	}
	*out = copy;
	return SI_OK;
}
