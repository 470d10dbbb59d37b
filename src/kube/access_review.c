// SPDX-License-Identifier: Apache-2.0
// Who is calling and may they: a bearer token checked with a TokenReview,
// then its user's right checked with a SubjectAccessReview.
#include <stdio.h>
#include <string.h>

#include "security-inspector/kube.h"

#define TOKEN_REVIEWS "/apis/authentication.k8s.io/v1/tokenreviews"
#define ACCESS_REVIEWS "/apis/authorization.k8s.io/v1/subjectaccessreviews"

static cJSON *new_review(const char *group, const char *kind, cJSON **spec)
{
	cJSON *o = cJSON_CreateObject();
	if (!o || !cJSON_AddStringToObject(o, "apiVersion", group) ||
	    !cJSON_AddStringToObject(o, "kind", kind) ||
	    !(*spec = cJSON_AddObjectToObject(o, "spec"))) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static const cJSON *member(const cJSON *o, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(o, name);
}

static void copy_reason(char *buf, size_t size, const cJSON *status, const char *name)
{
	const cJSON *v = member(status, name);
	if (cJSON_IsString(v))
		snprintf(buf, size, "%s", v->valuestring);
}

/* The user's groups, uid and extra, copied from the TokenReview's status
 * into the SubjectAccessReview's spec. */
static bool copy_user(cJSON *spec, const cJSON *user)
{
	static const char *const fields[] = { "groups", "uid", "extra" };
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const cJSON *v = member(user, fields[i]);
		if (!v)
			continue;
		cJSON *copy = cJSON_Duplicate(v, true);
		if (!copy || !cJSON_AddItemToObject(spec, fields[i], copy)) {
			cJSON_Delete(copy);
			return false;
		}
	}
	return true;
}

si_rc si_kube_review_access(struct si_kube *k, const char *token, const char *verb,
			    const char *path, struct si_access_review *out, struct si_error *err)
{
	cJSON *tr = NULL, *tr_answer = NULL, *sar = NULL, *sar_answer = NULL, *spec, *attrs;
	si_rc rc;

	memset(out, 0, sizeof(*out));
	out->access = SI_ACCESS_UNAUTHENTICATED;
	if (!(tr = new_review("authentication.k8s.io/v1", "TokenReview", &spec)) ||
	    !cJSON_AddStringToObject(spec, "token", token)) {
		rc = si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
		goto out;
	}
	if ((rc = si_kube_create(k, TOKEN_REVIEWS, tr, &tr_answer, NULL, err)))
		goto out;
	const cJSON *status = member(tr_answer, "status");
	const cJSON *user = member(status, "user");
	const cJSON *name = member(user, "username");
	if (!cJSON_IsTrue(member(status, "authenticated")) || !cJSON_IsString(name) ||
	    !name->valuestring[0]) {
		copy_reason(out->reason, sizeof(out->reason), status, "error");
		goto out;
	}
	snprintf(out->user, sizeof(out->user), "%s", name->valuestring);

	if (!(sar = new_review("authorization.k8s.io/v1", "SubjectAccessReview", &spec)) ||
	    !cJSON_AddStringToObject(spec, "user", name->valuestring) || !copy_user(spec, user) ||
	    !(attrs = cJSON_AddObjectToObject(spec, "nonResourceAttributes")) ||
	    !cJSON_AddStringToObject(attrs, "path", path) ||
	    !cJSON_AddStringToObject(attrs, "verb", verb)) {
		rc = si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
		goto out;
	}
	if ((rc = si_kube_create(k, ACCESS_REVIEWS, sar, &sar_answer, NULL, err)))
		goto out;
	status = member(sar_answer, "status");
	out->access = cJSON_IsTrue(member(status, "allowed")) &&
		      !cJSON_IsTrue(member(status, "denied"))
		      ? SI_ACCESS_ALLOWED : SI_ACCESS_FORBIDDEN;
	copy_reason(out->reason, sizeof(out->reason), status, "reason");
out:
	cJSON_Delete(tr);
	cJSON_Delete(tr_answer);
	cJSON_Delete(sar);
	cJSON_Delete(sar_answer);
	return rc;
}
