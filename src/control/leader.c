// SPDX-License-Identifier: Apache-2.0
// Leader election through a coordination.k8s.io/v1 Lease, in a thread of
// its own: the record's rules (pure functions, tested alone), then the
// attempts against the API server and the state the other threads read.
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "leader.h"
#include "log.h"
#include "security-inspector/kube.h"

#define MAX_WATCHERS 4
/* client-go waits retry_period * (1 + rand * 1.2) between a candidate's
 * attempts, so that replicas started together spread out. */
#define JITTER 1.2
/* An unreachable API server is logged at most this often, in seconds. */
#define LOG_EVERY 30

static bool copy_string(const cJSON *o, const char *key, char *buf, size_t size,
			struct si_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	buf[0] = '\0';
	if (!v || cJSON_IsNull(v))
		return true;
	if (!cJSON_IsString(v)) {
		si_error_set(err, SI_ERR_TYPE, NULL, 0, "Lease: %s is not a string", key);
		return false;
	}
	if (strlen(v->valuestring) >= size) {
		si_error_set(err, SI_ERR_LIMIT, NULL, 0, "Lease: %s over %zu bytes", key, size - 1);
		return false;
	}
	memcpy(buf, v->valuestring, strlen(v->valuestring) + 1);
	return true;
}

static bool copy_number(const cJSON *o, const char *key, long *out, struct si_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	*out = 0;
	if (!v || cJSON_IsNull(v))
		return true;
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 2147483647.0) {
		si_error_set(err, SI_ERR_TYPE, NULL, 0,
			     "Lease: %s is not a number from 0 to 2^31-1", key);
		return false;
	}
	*out = (long)v->valuedouble;
	return true;
}

si_rc si_lease_record_read(const cJSON *lease, struct si_lease_record *out,
			   struct si_error *err)
{
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(lease, "spec");
	const cJSON *ann = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(lease, "metadata"), "annotations");

	memset(out, 0, sizeof(*out));
	if (!copy_string(spec, "holderIdentity", out->holder, sizeof(out->holder), err) ||
	    !copy_number(spec, "leaseDurationSeconds", &out->duration, err) ||
	    !copy_string(spec, "acquireTime", out->acquire_time, sizeof(out->acquire_time), err) ||
	    !copy_string(spec, "renewTime", out->renew_time, sizeof(out->renew_time), err) ||
	    !copy_number(spec, "leaseTransitions", &out->transitions, err) ||
	    !copy_string(ann, SI_LEADER_URL_ANNOTATION, out->report_url, sizeof(out->report_url),
			 err)) {
		si_rc rc = err ? err->code : SI_ERR_TYPE;
		memset(out, 0, sizeof(*out));
		return rc;
	}
	return SI_OK;
}

bool si_lease_record_equal(const struct si_lease_record *a, const struct si_lease_record *b)
{
	return strcmp(a->holder, b->holder) == 0 && a->duration == b->duration &&
	       strcmp(a->acquire_time, b->acquire_time) == 0 &&
	       strcmp(a->renew_time, b->renew_time) == 0 && a->transitions == b->transitions &&
	       strcmp(a->report_url, b->report_url) == 0;
}

bool si_lease_may_acquire(const struct si_lease_record *rec, const char *me, double observed,
			  double now)
{
	if (!rec->holder[0] || strcmp(rec->holder, me) == 0)
		return true;
	return observed + (double)rec->duration <= now;
}

void si_lease_record_next(const struct si_lease_record *old, const char *me,
			  unsigned duration, const char *now_micro, const char *url,
			  struct si_lease_record *out)
{
	bool renewal = old->holder[0] && strcmp(old->holder, me) == 0;
	struct si_lease_record r = { 0 };
	snprintf(r.holder, sizeof(r.holder), "%s", me);
	r.duration = (long)duration;
	snprintf(r.acquire_time, sizeof(r.acquire_time), "%s",
		 renewal && old->acquire_time[0] ? old->acquire_time : now_micro);
	snprintf(r.renew_time, sizeof(r.renew_time), "%s", now_micro);
	r.transitions = renewal ? old->transitions : old->transitions + 1;
	snprintf(r.report_url, sizeof(r.report_url), "%s", url ? url : "");
	*out = r;
}

void si_leader_default_identity(char *buf, size_t size)
{
	const char *pod = getenv("POD_NAME");
	char host[256] = "security-inspector";
	uint32_t suffix = 0;
	if (pod && pod[0] && strlen(pod) < sizeof(host))
		snprintf(host, sizeof(host), "%s", pod);
	else if (gethostname(host, sizeof(host) - 1) != 0 || !host[0])
		snprintf(host, sizeof(host), "security-inspector");
	host[sizeof(host) - 1] = '\0';
	if (getrandom(&suffix, sizeof(suffix), GRND_NONBLOCK) != (ssize_t)sizeof(suffix))
		suffix = (uint32_t)getpid() ^ (uint32_t)time(NULL);
	snprintf(buf, size, "%s_%08x", host, (unsigned)suffix);
}

struct watcher {
	si_leader_fn fn;
	void *ctx;
};

struct si_leader {
	char namespace[64], name[254];
	char identity[SI_LEADER_MAX_IDENTITY];
	char url[SI_LEADER_MAX_URL];
	char path[512];               /* the Lease */
	char collection[512];         /* where it is created */
	unsigned lease_duration, renew_deadline, retry_period;
	struct si_kube kube;          /* the election thread's */
	struct si_metrics *metrics;
	uint64_t rng;                 /* the election thread's */
	double logged_at;             /* the election thread's: last failure logged */
	pthread_t thread;
	bool joined;
	atomic_bool cancel;           /* cuts a request short at stop */
	pthread_mutex_t mu;
	pthread_cond_t wake;
	/* Under mu. */
	bool stop;
	bool leading;
	unsigned long term;
	double valid_until;           /* while leading: monotonic seconds */
	struct si_lease_record observed;
	double observed_at;           /* when `observed` was last seen changing */
	struct watcher watchers[MAX_WATCHERS];
	size_t n_watchers;
};

static double mono_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static struct timespec mono_at(double seconds)
{
	struct timespec t;
	t.tv_sec = (time_t)seconds;
	t.tv_nsec = (long)((seconds - (double)t.tv_sec) * 1e9);
	if (t.tv_nsec >= 1000000000L)
		t.tv_nsec = 999999999L;
	return t;
}

/* The time now as Kubernetes' MicroTime: "2006-01-02T15:04:05.000000Z". */
static void micro_now(char *buf, size_t size)
{
	struct timespec t;
	struct tm tm;
	char day[32];
	clock_gettime(CLOCK_REALTIME, &t);
	gmtime_r(&t.tv_sec, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%06ldZ", day, t.tv_nsec / 1000);
}

/* xorshift64: the spread of the retries only, nothing secret. */
static double next_random(struct si_leader *l)
{
	l->rng ^= l->rng << 13;
	l->rng ^= l->rng >> 7;
	l->rng ^= l->rng << 17;
	return (double)(l->rng >> 11) / (double)(1ull << 53);
}

static void log_lease(struct si_leader *l, const char *level, const char *msg, cJSON *f)
{
	char lease[320];
	if (!f)
		f = cJSON_CreateObject();
	snprintf(lease, sizeof(lease), "%s/%s", l->namespace, l->name);
	cJSON_AddStringToObject(f, "lease", lease);
	cJSON_AddStringToObject(f, "identity", l->identity);
	si_log(level, msg, f);
}

/* Logs a failed attempt; at most once per LOG_EVERY seconds. */
static void log_failure(struct si_leader *l, const char *msg, const struct si_error *err)
{
	double now = mono_now();
	char buf[1024];
	if (l->logged_at && now - l->logged_at < LOG_EVERY)
		return;
	l->logged_at = now;
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "error", si_error_format(err, buf, sizeof(buf)));
	log_lease(l, "warn", msg, f);
}

/* Sets `key` of `o` to `item` (taken), replacing what was there. */
static bool put_item(cJSON *o, const char *key, cJSON *item)
{
	if (!item)
		return false;
	cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	if (!cJSON_AddItemToObject(o, key, item)) {
		cJSON_Delete(item);
		return false;
	}
	return true;
}

/* The object of `o` at `key`, made when missing. */
static cJSON *object_at(cJSON *o, const char *key)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (cJSON_IsObject(v))
		return v;
	return put_item(o, key, cJSON_CreateObject()) ? cJSON_GetObjectItemCaseSensitive(o, key)
						       : NULL;
}

/* Writes `r` into the Lease object `lease`. False when out of memory. */
static bool write_record(cJSON *lease, const struct si_lease_record *r)
{
	cJSON *meta = object_at(lease, "metadata"), *spec = object_at(lease, "spec");
	cJSON *ann = meta ? object_at(meta, "annotations") : NULL;
	if (!spec || !ann ||
	    !put_item(spec, "holderIdentity", cJSON_CreateString(r->holder)) ||
	    !put_item(spec, "leaseDurationSeconds", cJSON_CreateNumber((double)r->duration)) ||
	    !put_item(spec, "acquireTime", cJSON_CreateString(r->acquire_time)) ||
	    !put_item(spec, "renewTime", cJSON_CreateString(r->renew_time)) ||
	    !put_item(spec, "leaseTransitions", cJSON_CreateNumber((double)r->transitions)))
		return false;
	if (!r->report_url[0]) {
		cJSON_DeleteItemFromObjectCaseSensitive(ann, SI_LEADER_URL_ANNOTATION);
		return true;
	}
	return put_item(ann, SI_LEADER_URL_ANNOTATION, cJSON_CreateString(r->report_url));
}

/* Notes the record read or written at `when`. */
static void observe(struct si_leader *l, const struct si_lease_record *r, double when)
{
	pthread_mutex_lock(&l->mu);
	bool changed = !si_lease_record_equal(r, &l->observed);
	bool new_holder = strcmp(r->holder, l->observed.holder) != 0;
	if (changed) {
		l->observed = *r;
		l->observed_at = when;
	}
	pthread_mutex_unlock(&l->mu);
	if (new_holder && strcmp(r->holder, l->identity) != 0) {
		cJSON *f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "holder", r->holder);
		if (r->report_url[0])
			cJSON_AddStringToObject(f, "reportUrl", r->report_url);
		log_lease(l, "info", r->holder[0] ? "leader elected: another replica leads"
						  : "leader election: the Lease is free", f);
	}
}

enum outcome {
	HOLD,        /* this replica holds the Lease now */
	HELD,        /* another replica holds it, valid */
	FAILED,      /* no answer, a conflict (409) or a malformed Lease */
};

/* Creates the Lease, held by this replica. */
static enum outcome create(struct si_leader *l)
{
	struct si_lease_record none = { 0 }, r;
	struct si_error err = { 0 };
	char now[40];
	long status = 0;
	enum outcome o = FAILED;

	micro_now(now, sizeof(now));
	si_lease_record_next(&none, l->identity, l->lease_duration, now, l->url, &r);
	r.transitions = 0;   /* as client-go: a new Lease has had no transition */
	cJSON *lease = cJSON_CreateObject();
	cJSON *meta = lease ? object_at(lease, "metadata") : NULL;
	if (!meta || !cJSON_AddStringToObject(lease, "apiVersion", "coordination.k8s.io/v1") ||
	    !cJSON_AddStringToObject(lease, "kind", "Lease") ||
	    !cJSON_AddStringToObject(meta, "name", l->name) ||
	    !cJSON_AddStringToObject(meta, "namespace", l->namespace) || !write_record(lease, &r)) {
		si_error_set(&err, SI_ERR_NOMEM, l->collection, 0, "out of memory");
		log_failure(l, "leader election: cannot create the Lease", &err);
		goto out;
	}
	if (si_kube_create(&l->kube, l->collection, lease, NULL, &status, &err) == SI_OK) {
		observe(l, &r, mono_now());
		o = HOLD;
	} else if (status != 409) {   /* 409: another replica created it first */
		log_failure(l, "leader election: cannot create the Lease", &err);
	}
out:
	cJSON_Delete(lease);
	return o;
}

/* One attempt to take or renew the Lease (client-go's tryAcquireOrRenew). */
static enum outcome attempt(struct si_leader *l)
{
	struct si_lease_record old, next;
	struct si_error err = { 0 };
	cJSON *lease = NULL;
	char now[40];
	long status = 0;
	enum outcome o = FAILED;

	if (si_kube_get(&l->kube, l->path, &lease, &status, &err)) {
		if (status == 404)
			return create(l);
		log_failure(l, "leader election: cannot read the Lease", &err);
		return FAILED;
	}
	if (si_lease_record_read(lease, &old, &err)) {
		log_failure(l, "leader election: the Lease is malformed", &err);
		goto out;
	}
	double seen = mono_now();
	observe(l, &old, seen);
	pthread_mutex_lock(&l->mu);
	bool may = si_lease_may_acquire(&old, l->identity, l->observed_at, seen);
	pthread_mutex_unlock(&l->mu);
	if (!may) {
		o = HELD;
		goto out;
	}
	micro_now(now, sizeof(now));
	si_lease_record_next(&old, l->identity, l->lease_duration, now, l->url, &next);
	if (!write_record(lease, &next)) {
		si_error_set(&err, SI_ERR_NOMEM, l->path, 0, "out of memory");
		log_failure(l, "leader election: cannot update the Lease", &err);
		goto out;
	}
	/* Conditional on the resourceVersion read: 409 when another replica
	 * wrote in between, and it won. */
	if (si_kube_update(&l->kube, l->path, lease, NULL, &status, &err) == SI_OK) {
		observe(l, &next, mono_now());
		o = HOLD;
	} else if (status != 409) {
		log_failure(l, "leader election: cannot update the Lease", &err);
	}
out:
	cJSON_Delete(lease);
	return o;
}

/* Gives the Lease up when this replica holds it (client-go's
 * ReleaseOnCancel): no holder, a duration of 1 s. */
static void release(struct si_leader *l)
{
	struct si_lease_record old, r;
	struct si_error err = { 0 };
	cJSON *lease = NULL;
	long status = 0;

	if (si_kube_get(&l->kube, l->path, &lease, &status, &err) ||
	    si_lease_record_read(lease, &old, &err)) {
		log_failure(l, "leader election: cannot release the Lease", &err);
		goto out;
	}
	if (strcmp(old.holder, l->identity) != 0)
		goto out;
	r = old;
	r.holder[0] = '\0';
	r.duration = 1;
	r.report_url[0] = '\0';
	micro_now(r.renew_time, sizeof(r.renew_time));
	memcpy(r.acquire_time, r.renew_time, sizeof(r.acquire_time));
	if (!write_record(lease, &r)) {
		si_error_set(&err, SI_ERR_NOMEM, l->path, 0, "out of memory");
		log_failure(l, "leader election: cannot release the Lease", &err);
		goto out;
	}
	if (si_kube_update(&l->kube, l->path, lease, NULL, &status, &err)) {
		log_failure(l, "leader election: cannot release the Lease", &err);
		goto out;
	}
	log_lease(l, "info", "leader election: the Lease is released", NULL);
out:
	cJSON_Delete(lease);
}

/* Turns leadership on or off (the caller holds mu, which is released
 * while the watchers are told). */
static void change(struct si_leader *l, bool leading, const char *why)
{
	struct watcher w[MAX_WATCHERS];
	l->leading = leading;
	if (leading)
		l->term++;
	unsigned long term = l->term;
	size_t n = l->n_watchers;
	memcpy(w, l->watchers, sizeof(w));
	pthread_mutex_unlock(&l->mu);
	if (l->metrics)
		si_metrics_leader(l->metrics, leading);
	cJSON *f = cJSON_CreateObject();
	cJSON_AddNumberToObject(f, "term", (double)term);
	if (why)
		cJSON_AddStringToObject(f, "reason", why);
	log_lease(l, "info", leading ? "leader election: this replica leads"
				     : "leader election: this replica stopped leading", f);
	for (size_t i = 0; i < n; i++)
		w[i].fn(w[i].ctx, leading, term);
	pthread_mutex_lock(&l->mu);
}

static void *run(void *arg)
{
	struct si_leader *l = arg;
	double next = 0;

	pthread_mutex_lock(&l->mu);
	while (!l->stop) {
		double now = mono_now();
		if (l->leading && now >= l->valid_until) {
			change(l, false, "the Lease was not renewed within the renew deadline");
			continue;
		}
		if (now < next) {
			double until = l->leading && l->valid_until < next ? l->valid_until : next;
			struct timespec t = mono_at(until);
			pthread_cond_timedwait(&l->wake, &l->mu, &t);
			continue;
		}
		pthread_mutex_unlock(&l->mu);
		enum outcome o = attempt(l);
		pthread_mutex_lock(&l->mu);
		if (o == HOLD) {
			/* From the start of the attempt: the others count the
			 * Lease's duration from when they see the write, later. */
			l->valid_until = now + l->renew_deadline;
			if (!l->leading && !l->stop)
				change(l, true, NULL);
		} else if (o == HELD && l->leading) {
			change(l, false, "another replica holds the Lease");
		}
		next = now + (l->leading ? l->retry_period
					 : l->retry_period * (1 + JITTER * next_random(l)));
	}
	/* Stopping: stop acting first, then give the Lease up. */
	if (l->leading)
		change(l, false, "stopping");
	bool held = strcmp(l->observed.holder, l->identity) == 0;
	atomic_store(&l->cancel, false);
	pthread_mutex_unlock(&l->mu);
	if (held)
		release(l);
	return NULL;
}

si_rc si_leader_start(const struct si_leader_config *cfg, const char *kubeconfig,
		      const char *context, struct si_metrics *metrics, struct si_leader **out,
		      struct si_error *err)
{
	struct si_leader *l;
	si_rc rc;

	*out = NULL;
	if (!cfg->retry_period || cfg->retry_period >= cfg->renew_deadline ||
	    cfg->renew_deadline >= cfg->lease_duration)
		return si_error_set(err, SI_ERR_USAGE, NULL, 0,
				    "leader election: the retry period (%us) must be under the "
				    "renew deadline (%us), and that under the lease duration (%us)",
				    cfg->retry_period, cfg->renew_deadline, cfg->lease_duration);
	if (!cfg->namespace || !cfg->name || !cfg->identity ||
	    strlen(cfg->namespace) >= sizeof(l->namespace) || strlen(cfg->name) >= sizeof(l->name) ||
	    strlen(cfg->identity) >= sizeof(l->identity) || !cfg->identity[0] ||
	    (cfg->report_url && strlen(cfg->report_url) >= sizeof(l->url)))
		return si_error_set(err, SI_ERR_LIMIT, NULL, 0,
				    "leader election: a Lease namespace, name, identity or report "
				    "address missing or too long");
	if (!(l = calloc(1, sizeof(*l))))
		return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	snprintf(l->namespace, sizeof(l->namespace), "%s", cfg->namespace);
	snprintf(l->name, sizeof(l->name), "%s", cfg->name);
	snprintf(l->identity, sizeof(l->identity), "%s", cfg->identity);
	snprintf(l->url, sizeof(l->url), "%s", cfg->report_url ? cfg->report_url : "");
	snprintf(l->collection, sizeof(l->collection),
		 "/apis/coordination.k8s.io/v1/namespaces/%s/leases", l->namespace);
	snprintf(l->path, sizeof(l->path), "%s/%s", l->collection, l->name);
	l->lease_duration = cfg->lease_duration;
	l->renew_deadline = cfg->renew_deadline;
	l->retry_period = cfg->retry_period;
	l->metrics = metrics;
	if (getrandom(&l->rng, sizeof(l->rng), GRND_NONBLOCK) != (ssize_t)sizeof(l->rng) || !l->rng)
		l->rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ull;
	if ((rc = si_kube_global_init(err)) ||
	    (rc = si_kube_connect(kubeconfig, context, &l->kube, err))) {
		free(l);
		return rc;
	}
	/* A request that hangs ends well before the renew deadline, so that
	 * the thread sees a lost leadership soon after si_leader_is_leader()
	 * does. */
	l->kube.timeout = l->kube.connect_timeout =
		cfg->renew_deadline / 2 > 0 ? (long)(cfg->renew_deadline / 2) : 1;
	l->kube.cancel = &l->cancel;
	pthread_mutex_init(&l->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (metrics)
		si_metrics_leader(metrics, false);
	if (pthread_create(&l->thread, NULL, run, l) != 0) {
		pthread_cond_destroy(&l->wake);
		pthread_mutex_destroy(&l->mu);
		si_kube_free(&l->kube);
		free(l);
		return si_error_set(err, SI_ERR_IO, NULL, 0, "cannot start a thread");
	}
	*out = l;
	return SI_OK;
}

bool si_leader_watch(struct si_leader *l, si_leader_fn fn, void *ctx)
{
	pthread_mutex_lock(&l->mu);
	bool ok = l->n_watchers < MAX_WATCHERS;
	if (ok)
		l->watchers[l->n_watchers++] = (struct watcher){ fn, ctx };
	pthread_mutex_unlock(&l->mu);
	return ok;
}

bool si_leader_is_leader(struct si_leader *l)
{
	if (!l)
		return true;
	pthread_mutex_lock(&l->mu);
	bool leading = l->leading && mono_now() < l->valid_until;
	pthread_mutex_unlock(&l->mu);
	return leading;
}

unsigned long si_leader_term(struct si_leader *l)
{
	if (!l)
		return 0;
	pthread_mutex_lock(&l->mu);
	unsigned long term = l->term;
	pthread_mutex_unlock(&l->mu);
	return term;
}

bool si_leader_in_term(struct si_leader *l, unsigned long term)
{
	if (!l)
		return true;
	pthread_mutex_lock(&l->mu);
	bool yes = l->leading && l->term == term && mono_now() < l->valid_until;
	pthread_mutex_unlock(&l->mu);
	return yes;
}

const char *si_leader_identity(const struct si_leader *l)
{
	return l->identity;
}

bool si_leader_report_url(struct si_leader *l, char *buf, size_t size)
{
	pthread_mutex_lock(&l->mu);
	const struct si_lease_record *r = &l->observed;
	bool known = !l->leading && r->holder[0] && strcmp(r->holder, l->identity) != 0 &&
		     r->report_url[0] && l->observed_at + (double)r->duration > mono_now() &&
		     strlen(r->report_url) < size;
	if (known)
		memcpy(buf, r->report_url, strlen(r->report_url) + 1);
	pthread_mutex_unlock(&l->mu);
	return known;
}

void si_leader_stop(struct si_leader *l)
{
	if (!l)
		return;
	pthread_mutex_lock(&l->mu);
	bool joined = l->joined;
	l->stop = true;
	l->joined = true;
	/* Under mu: the thread clears it, under mu, once it has seen `stop`. */
	atomic_store(&l->cancel, true);
	pthread_cond_signal(&l->wake);
	pthread_mutex_unlock(&l->mu);
	if (!joined)
		pthread_join(l->thread, NULL);
}

void si_leader_free(struct si_leader *l)
{
	if (!l)
		return;
	si_leader_stop(l);
	pthread_cond_destroy(&l->wake);
	pthread_mutex_destroy(&l->mu);
	si_kube_free(&l->kube);
	free(l);
}
