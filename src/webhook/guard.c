// SPDX-License-Identifier: Apache-2.0
// Bearer tokens checked by the API server (through the review function),
// one at a time in a thread of their own, with a small cache of verdicts.
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/crypto.h>

#include "guard.h"
#include "log.h"

/* Checks waiting at most; past that a request gets 503 at once. */
#define QUEUE_MAX 64
/* Verdicts kept, and for how long: a right for a minute (as the API
 * server's own webhook authorizer keeps allowed verdicts for minutes), a
 * refusal for 10 seconds. No verdict is never kept. */
#define CACHE_SIZE 256
#define TTL_ALLOWED 60
#define TTL_REFUSED 10

struct job {
	struct job *next;
	char *token;
	const char *verb;            /* a string constant */
	char *path;
	si_guard_done_fn done;
	void *ctx;
};

struct entry {
	unsigned char key[32];       /* SHA-256 of path, NUL and token */
	enum si_guard_verdict v;
	time_t until;                /* CLOCK_MONOTONIC seconds; 0: empty */
};

struct si_guard {
	si_guard_review_fn review;
	void *review_ctx;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t wake;
	struct job *head, **tail;    /* under mu */
	unsigned queued;             /* under mu */
	bool closed;                 /* under mu */
	atomic_bool cancel;          /* cuts the check under way short */
	struct entry cache[CACHE_SIZE];   /* under mu */
};

static time_t now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec;
}

static bool make_key(const char *token, const char *verb, const char *path,
		     unsigned char key[32])
{
	size_t vl = strlen(verb), pl = strlen(path), tl = strlen(token);
	char *buf = malloc(vl + 1 + pl + 1 + tl);
	if (!buf)
		return false;
	memcpy(buf, verb, vl + 1);
	memcpy(buf + vl + 1, path, pl + 1);
	memcpy(buf + vl + 1 + pl + 1, token, tl);
	bool ok = gnutls_hash_fast(GNUTLS_DIG_SHA256, buf, vl + 1 + pl + 1 + tl, key) == 0;
	explicit_bzero(buf, vl + 1 + pl + 1 + tl);
	free(buf);
	return ok;
}

bool si_guard_cached(struct si_guard *g, const char *token, const char *verb, const char *path,
		     enum si_guard_verdict *v)
{
	unsigned char key[32];
	if (!make_key(token, verb, path, key))
		return false;
	bool found = false;
	time_t now = now_s();
	pthread_mutex_lock(&g->mu);
	for (size_t i = 0; i < CACHE_SIZE && !found; i++) {
		const struct entry *e = &g->cache[i];
		if (e->until > now && memcmp(e->key, key, sizeof(key)) == 0) {
			*v = e->v;
			found = true;
		}
	}
	pthread_mutex_unlock(&g->mu);
	return found;
}

/* Keeps a verdict, in place of the one that expires first. */
static void remember(struct si_guard *g, const char *token, const char *verb,
		     const char *path, enum si_guard_verdict v)
{
	unsigned char key[32];
	if (v == SI_GUARD_UNAVAILABLE || !make_key(token, verb, path, key))
		return;
	time_t now = now_s();
	pthread_mutex_lock(&g->mu);
	struct entry *slot = &g->cache[0];
	for (size_t i = 0; i < CACHE_SIZE; i++) {
		struct entry *e = &g->cache[i];
		if (memcmp(e->key, key, sizeof(key)) == 0) {
			slot = e;
			break;
		}
		if (e->until < slot->until)
			slot = e;
	}
	memcpy(slot->key, key, sizeof(key));
	slot->v = v;
	slot->until = now + (v == SI_GUARD_ALLOW ? TTL_ALLOWED : TTL_REFUSED);
	pthread_mutex_unlock(&g->mu);
}

static void job_free(struct job *j)
{
	if (!j)
		return;
	/* The token is a secret: not left in freed memory. */
	if (j->token)
		explicit_bzero(j->token, strlen(j->token));
	free(j->token);
	free(j->path);
	free(j);
}

static enum si_guard_verdict check(struct si_guard *g, const struct job *j)
{
	struct si_guard_review r = { .verdict = SI_GUARD_UNAVAILABLE };
	struct si_error err = { 0 };
	char buf[1024];

	if (g->review(g->review_ctx, j->token, j->verb, j->path, &g->cancel, &r, &err) ||
	    r.verdict == SI_GUARD_UNAVAILABLE) {
		cJSON *f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "path", j->path);
		cJSON_AddStringToObject(f, "error", si_error_format(&err, buf, sizeof(buf)));
		si_log("warn", "cannot check a bearer token with the API server: answered 503", f);
		return SI_GUARD_UNAVAILABLE;
	}
	if (r.verdict == SI_GUARD_ALLOW)
		return SI_GUARD_ALLOW;
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "verb", j->verb);
	cJSON_AddStringToObject(f, "path", j->path);
	if (r.user[0])
		cJSON_AddStringToObject(f, "user", r.user);
	if (r.reason[0])
		cJSON_AddStringToObject(f, "reason", r.reason);
	bool get = strcmp(j->verb, "get") == 0;
	si_log("info", r.verdict == SI_GUARD_FORBIDDEN
		       ? get ? "report request refused: the user may not get it"
			     : "report request refused: the user may not create it"
		       : "report request refused: the bearer token is not valid", f);
	return r.verdict == SI_GUARD_FORBIDDEN ? SI_GUARD_FORBIDDEN : SI_GUARD_UNAUTHENTICATED;
}

static void *run(void *arg)
{
	struct si_guard *g = arg;
	pthread_mutex_lock(&g->mu);
	for (;;) {
		while (!g->head && !g->closed)
			pthread_cond_wait(&g->wake, &g->mu);
		struct job *j = g->head;
		if (!j)
			break;                  /* closed, and nothing left */
		g->head = j->next;
		if (!g->head)
			g->tail = &g->head;
		g->queued--;
		bool closed = g->closed;
		pthread_mutex_unlock(&g->mu);
		enum si_guard_verdict v = closed ? SI_GUARD_UNAVAILABLE : check(g, j);
		remember(g, j->token, j->verb, j->path, v);
		j->done(j->ctx, v);
		job_free(j);
		pthread_mutex_lock(&g->mu);
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

si_rc si_guard_start(si_guard_review_fn review, void *review_ctx, struct si_guard **out,
		     struct si_error *err)
{
	struct si_guard *g = calloc(1, sizeof(*g));

	*out = NULL;
	if (!g)
		return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	g->review = review;
	g->review_ctx = review_ctx;
	g->tail = &g->head;
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->wake, NULL);
	if (pthread_create(&g->thread, NULL, run, g) != 0) {
		pthread_cond_destroy(&g->wake);
		pthread_mutex_destroy(&g->mu);
		free(g);
		return si_error_set(err, SI_ERR_IO, NULL, 0, "cannot start a thread");
	}
	*out = g;
	return SI_OK;
}

bool si_guard_submit(struct si_guard *g, const char *token, const char *verb, const char *path,
		     si_guard_done_fn done, void *ctx)
{
	struct job *j = calloc(1, sizeof(*j));
	if (!j || !(j->token = strdup(token)) || !(j->path = strdup(path))) {
		job_free(j);
		return false;
	}
	j->verb = verb;
	j->done = done;
	j->ctx = ctx;
	pthread_mutex_lock(&g->mu);
	bool ok = !g->closed && g->queued < QUEUE_MAX;
	if (ok) {
		*g->tail = j;
		g->tail = &j->next;
		g->queued++;
		pthread_cond_signal(&g->wake);
	}
	pthread_mutex_unlock(&g->mu);
	if (!ok)
		job_free(j);
	return ok;
}

void si_guard_close(struct si_guard *g)
{
	if (!g)
		return;
	atomic_store(&g->cancel, true);
	pthread_mutex_lock(&g->mu);
	g->closed = true;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->mu);
}

void si_guard_free(struct si_guard *g)
{
	if (!g)
		return;
	si_guard_close(g);
	pthread_join(g->thread, NULL);
	pthread_cond_destroy(&g->wake);
	pthread_mutex_destroy(&g->mu);
	explicit_bzero(g->cache, sizeof(g->cache));
	free(g);
}
