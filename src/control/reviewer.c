// SPDX-License-Identifier: Apache-2.0
// The guard's reviews through the Kubernetes client (si_kube_review_access).
#include <stdio.h>
#include <stdlib.h>

#include "reviewer.h"
#include "security-inspector/kube.h"

/* Seconds one check may wait for the API server. */
#define REVIEW_TIMEOUT 5

struct si_reviewer {
	struct si_kube kube;
};

si_rc si_reviewer_new(const char *kubeconfig, const char *context, struct si_reviewer **out,
		      struct si_error *err)
{
	struct si_reviewer *r = calloc(1, sizeof(*r));
	si_rc rc;

	*out = NULL;
	if (!r)
		return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	if ((rc = si_kube_global_init(err)) ||
	    (rc = si_kube_connect(kubeconfig, context, &r->kube, err))) {
		free(r);
		return rc;
	}
	r->kube.timeout = REVIEW_TIMEOUT;
	r->kube.connect_timeout = REVIEW_TIMEOUT;
	*out = r;
	return SI_OK;
}

si_rc si_reviewer_review(void *ctx, const char *token, const char *verb, const char *path,
			 const atomic_bool *cancel, struct si_guard_review *out,
			 struct si_error *err)
{
	struct si_reviewer *r = ctx;
	struct si_access_review a;

	r->kube.cancel = cancel;
	si_rc rc = si_kube_review_access(&r->kube, token, verb, path, &a, err);
	if (rc)
		return rc;
	out->verdict = a.access == SI_ACCESS_ALLOWED ? SI_GUARD_ALLOW
		       : a.access == SI_ACCESS_FORBIDDEN ? SI_GUARD_FORBIDDEN
		       : SI_GUARD_UNAUTHENTICATED;
	snprintf(out->user, sizeof(out->user), "%s", a.user);
	snprintf(out->reason, sizeof(out->reason), "%s", a.reason);
	return SI_OK;
}

void si_reviewer_free(struct si_reviewer *r)
{
	if (!r)
		return;
	si_kube_free(&r->kube);
	free(r);
}
