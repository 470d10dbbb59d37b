/* SPDX-License-Identifier: Apache-2.0 */
/* The guard's verdicts asked of the API server: a client of its own that
 * sends a TokenReview, then a SubjectAccessReview, for each bearer token
 * the guard checks. */
#ifndef SI_REVIEWER_H
#define SI_REVIEWER_H

#include "guard.h"
#include "security-inspector/error.h"

struct si_reviewer;

/* A client for the API server found from `kubeconfig` and `context` (as
 * si_kube_connect()). Free it with si_reviewer_free() once the guard that
 * uses it is freed. */
si_rc si_reviewer_new(const char *kubeconfig, const char *context, struct si_reviewer **out,
		      struct si_error *err);

/* A si_guard_review_fn: `ctx` is a struct si_reviewer. Each review waits 5 s
 * at most for the API server. */
si_rc si_reviewer_review(void *ctx, const char *token, const char *verb, const char *path,
			 const atomic_bool *cancel, struct si_guard_review *out,
			 struct si_error *err);

/* Accepts NULL. */
void si_reviewer_free(struct si_reviewer *r);

#endif
