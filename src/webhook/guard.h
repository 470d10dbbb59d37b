/* SPDX-License-Identifier: Apache-2.0 */
/* The guard of the routes that show the cluster (the reports): a bearer
 * token is checked by whoever vouches for tokens (the API server: a
 * TokenReview, then a SubjectAccessReview for a verb, `get` or `create`, on
 * the route's path, through the review function given) in a thread of the
 * guard's own, so that no server thread ever waits on the API server, and
 * verdicts are kept a short while. */
#ifndef SI_GUARD_H
#define SI_GUARD_H

#include <stdatomic.h>
#include <stdbool.h>

#include "security-inspector/error.h"

enum si_guard_verdict {
	SI_GUARD_ALLOW,
	SI_GUARD_UNAUTHENTICATED,    /* 401 */
	SI_GUARD_FORBIDDEN,          /* 403 */
	SI_GUARD_UNAVAILABLE,        /* 503: no verdict could be had */
};

/* Longest bearer token looked at; longer ones are unauthenticated. */
#define SI_GUARD_MAX_TOKEN 8192

/* What the API server says of a token and of a request made with it. */
struct si_guard_review {
	enum si_guard_verdict verdict;   /* ALLOW, UNAUTHENTICATED or FORBIDDEN */
	char user[256];                  /* the token's user, when authenticated */
	char reason[256];                /* the API server's words, possibly empty */
};

/* Asks whether `token`'s user may `verb` the non-resource URL `path`.
 * SI_OK with `out` filled, or an error (`err` says why) when no verdict
 * could be had. Called from the guard's thread only; it must give up soon
 * (seconds) and at once when `*cancel` turns true. */
typedef si_rc (*si_guard_review_fn)(void *ctx, const char *token, const char *verb,
				    const char *path, const atomic_bool *cancel,
				    struct si_guard_review *out, struct si_error *err);

struct si_guard;

/* Called once per submitted check, from the guard's thread (or from
 * si_guard_close()). */
typedef void (*si_guard_done_fn)(void *ctx, enum si_guard_verdict v);

/* Starts the guard's thread, which asks `review` (with `review_ctx`,
 * borrowed: it must outlive the guard) for the verdicts. */
si_rc si_guard_start(si_guard_review_fn review, void *review_ctx, struct si_guard **out,
		     struct si_error *err);

/* A verdict for (`token`, `verb`, `path`) already known: true with `*v`
 * set. */
bool si_guard_cached(struct si_guard *g, const char *token, const char *verb, const char *path,
		     enum si_guard_verdict *v);

/* Queues a check of whether `token`'s user may `verb` (a string constant,
 * borrowed: "get", or "create" for a POST) the non-resource URL `path`
 * (copied); `done` gets the verdict. False when the queue is full or the
 * guard is closed: `done` is then never called. */
bool si_guard_submit(struct si_guard *g, const char *token, const char *verb, const char *path,
		     si_guard_done_fn done, void *ctx);

/* Takes no more checks and answers those queued or under way with
 * SI_GUARD_UNAVAILABLE (the one under way is cut short). Accepts NULL. */
void si_guard_close(struct si_guard *g);

/* Closes the guard, waits for its thread and frees it. Accepts NULL. */
void si_guard_free(struct si_guard *g);

#endif
