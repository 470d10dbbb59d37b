// SPDX-License-Identifier: Apache-2.0
// Forwarded report requests: one short-lived thread each, bounded in number
// and time, the answer in an unlinked temporary file; and the leader's
// state for the server.
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "proxy.h"
#include "security-inspector/kube.h"

/* Requests forwarded at once; past that a request gets 503 at once. */
#define MAX_RUNNING 8

struct si_proxy {
	struct si_leader *leader;
	long connect_timeout, timeout;
	atomic_bool cancel;
	pthread_mutex_t mu;
	pthread_cond_t idle;          /* signalled when `running` drops to 0 */
	unsigned running;             /* under mu */
	bool closed;                  /* under mu */
};

struct job {
	struct si_proxy *p;
	struct si_peer_request req;   /* its strings owned by the job */
	char **query, **headers;
	si_http_relay_fn done;
	void *ctx;
};

static void free_list(char **list)
{
	for (size_t i = 0; list && list[i]; i++) {
		/* Headers carry the caller's token: not left in freed memory. */
		explicit_bzero(list[i], strlen(list[i]));
		free(list[i]);
	}
	free(list);
}

/* A copy of the NULL-terminated `src` (NULL stays NULL); false when out of
 * memory. */
static bool copy_list(const char *const *src, char ***dst)
{
	size_t n = 0;
	*dst = NULL;
	if (!src)
		return true;
	while (src[n])
		n++;
	if (!(*dst = calloc(n + 1, sizeof(char *))))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((*dst)[i] = strdup(src[i])))
			return false;
	return true;
}

static void job_free(struct job *j)
{
	if (!j)
		return;
	free((char *)j->req.base);
	free((char *)j->req.path);
	free((char *)j->req.pinned_keys);
	free_list(j->query);
	free_list(j->headers);
	free(j);
}

/* An unlinked file of our own, under TMPDIR (or /tmp). */
static int temporary_file(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/.security-inspector-forward-XXXXXX",
		 dir && dir[0] ? dir : "/tmp");
	int fd = mkstemp(path);
	if (fd >= 0) {
		unlink(path);
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	return fd;
}

static void forward(struct job *j, struct si_http_relayed *a)
{
	struct si_error err = { 0 };
	struct si_peer_answer peer = { 0 };
	char buf[1024];

	a->fd = temporary_file();
	if (a->fd < 0) {
		a->error_status = 503;
		snprintf(a->error, sizeof(a->error),
			 "cannot keep the leader's answer: %s (TMPDIR)", strerror(errno));
		return;
	}
	si_rc rc = si_kube_peer_get(&j->req, a->fd, &peer, &err);
	if (!rc && lseek(a->fd, 0, SEEK_SET) == 0) {
		a->size = peer.body_len;
		a->status = peer.status;
		snprintf(a->content_type, sizeof(a->content_type), "%s", peer.content_type);
		snprintf(a->www_authenticate, sizeof(a->www_authenticate), "%s",
			 peer.www_authenticate);
		snprintf(a->retry_after, sizeof(a->retry_after), "%s", peer.retry_after);
		snprintf(a->content_security_policy, sizeof(a->content_security_policy), "%s",
			 peer.content_security_policy);
		return;
	}
	close(a->fd);
	a->fd = -1;
	si_error_format(&err, buf, sizeof(buf));
	if (peer.timed_out) {
		a->error_status = 504;
		snprintf(a->error, sizeof(a->error),
			 "the leader did not answer within --request-timeout: retry");
	} else if (rc == SI_ERR_LIMIT) {
		a->error_status = 502;
		snprintf(a->error, sizeof(a->error), "the leader's report is over %zu bytes",
			 SI_PROXY_MAX_BODY);
	} else {
		a->error_status = 502;
		snprintf(a->error, sizeof(a->error), "cannot forward the request to the leader: %s",
			 rc ? buf : "cannot read its answer back");
	}
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "leader", j->req.base);
	cJSON_AddStringToObject(f, "path", j->req.path);
	cJSON_AddStringToObject(f, "error", rc ? buf : "cannot read the answer back");
	si_log("warn", "report request: cannot forward it to the leader", f);
}

static void *run(void *arg)
{
	struct job *j = arg;
	struct si_proxy *p = j->p;
	struct si_http_relayed a = { .fd = -1 };

	forward(j, &a);
	j->done(j->ctx, &a);
	job_free(j);
	pthread_mutex_lock(&p->mu);
	if (--p->running == 0)
		pthread_cond_broadcast(&p->idle);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

si_rc si_proxy_new(struct si_leader *leader, long connect_timeout, long timeout,
		   struct si_proxy **out, struct si_error *err)
{
	struct si_proxy *p = calloc(1, sizeof(*p));
	*out = NULL;
	if (!p)
		return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	si_rc rc = si_kube_global_init(err);
	if (rc) {
		free(p);
		return rc;
	}
	p->leader = leader;
	p->connect_timeout = connect_timeout;
	p->timeout = timeout;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->idle, NULL);
	*out = p;
	return SI_OK;
}

bool si_proxy_submit(struct si_proxy *p, const struct si_http_forward *req,
		     si_http_relay_fn done, void *ctx)
{
	struct job *j = calloc(1, sizeof(*j));
	pthread_attr_t attr;
	pthread_t t;

	if (!j)
		return false;
	j->p = p;
	j->done = done;
	j->ctx = ctx;
	j->req = (struct si_peer_request){ .head = req->head, .post = req->post };
	j->req.base = strdup(req->base);
	j->req.path = strdup(req->path);
	j->req.pinned_keys = strdup(req->pinned_keys);
	bool ok = j->req.base && j->req.path && j->req.pinned_keys &&
		  copy_list(req->query, &j->query) && copy_list(req->headers, &j->headers);
	j->req.query = (const char *const *)j->query;
	j->req.headers = (const char *const *)j->headers;
	j->req.connect_timeout = p->connect_timeout;
	j->req.timeout = p->timeout;
	j->req.max_body = SI_PROXY_MAX_BODY;
	j->req.cancel = &p->cancel;
	if (!ok) {
		job_free(j);
		return false;
	}
	pthread_mutex_lock(&p->mu);
	ok = !p->closed && p->running < MAX_RUNNING && pthread_attr_init(&attr) == 0;
	if (ok) {
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		ok = pthread_create(&t, &attr, run, j) == 0;
		pthread_attr_destroy(&attr);
	}
	if (ok)
		p->running++;
	pthread_mutex_unlock(&p->mu);
	if (!ok)
		job_free(j);
	return ok;
}

void si_proxy_close(struct si_proxy *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->closed = true;
	pthread_mutex_unlock(&p->mu);
	atomic_store(&p->cancel, true);
}

void si_proxy_free(struct si_proxy *p)
{
	if (!p)
		return;
	si_proxy_close(p);
	pthread_mutex_lock(&p->mu);
	while (p->running > 0)
		pthread_cond_wait(&p->idle, &p->mu);
	pthread_mutex_unlock(&p->mu);
	pthread_cond_destroy(&p->idle);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

static bool leads(void *ctx)
{
	struct si_proxy *p = ctx;
	return si_leader_is_leader(p->leader);
}

static bool leader_url(void *ctx, char *buf, size_t size)
{
	struct si_proxy *p = ctx;
	return si_leader_report_url(p->leader, buf, size);
}

static bool submit(void *ctx, const struct si_http_forward *req, si_http_relay_fn done,
		   void *done_ctx)
{
	return si_proxy_submit(ctx, req, done, done_ctx);
}

static void close_proxy(void *ctx)
{
	si_proxy_close(ctx);
}

void si_proxy_http_leader(struct si_proxy *p, struct si_http_leader *out)
{
	*out = (struct si_http_leader){ leads, leader_url, submit, close_proxy, p };
}
