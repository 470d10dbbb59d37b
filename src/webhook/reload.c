// SPDX-License-Identifier: Apache-2.0
// The policy slot (reference-counted swaps) and the file watcher. Files are
// compared by what stat() sees through symlinks, so that Kubernetes'
// atomic "..data" symlink swap of ConfigMap and Secret volumes is noticed.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"
#include "reload.h"
#include "security-inspector/file.h"

struct si_policy_hold {
	struct si_policy *policy;
	long refs;                  /* guarded by the slot's mutex */
	pthread_mutex_t *mu;
};

struct si_policy_slot {
	pthread_mutex_t mu;
	struct si_policy_hold *current;
	unsigned long generation;   /* guarded by mu: +1 per swap */
};

static struct si_policy_hold *hold_new(struct si_policy *p, pthread_mutex_t *mu)
{
	struct si_policy_hold *h = calloc(1, sizeof(*h));
	if (h) {
		h->policy = p;
		h->refs = 1;            /* the slot's own reference */
		h->mu = mu;
	}
	return h;
}

struct si_policy_slot *si_policy_slot_new(struct si_policy *initial)
{
	struct si_policy_slot *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	pthread_mutex_init(&s->mu, NULL);
	if (!(s->current = hold_new(initial, &s->mu))) {
		pthread_mutex_destroy(&s->mu);
		free(s);
		return NULL;
	}
	return s;
}

void si_policy_slot_free(struct si_policy_slot *s)
{
	if (!s)
		return;
	si_policy_free(s->current->policy);
	free(s->current);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

const struct si_policy *si_policy_slot_acquire(struct si_policy_slot *s,
					       struct si_policy_hold **hold)
{
	pthread_mutex_lock(&s->mu);
	*hold = s->current;
	s->current->refs++;
	pthread_mutex_unlock(&s->mu);
	return (*hold)->policy;
}

/* Drops one reference; the last one frees the policy. */
static void hold_put(struct si_policy_hold *h)
{
	pthread_mutex_lock(h->mu);
	bool last = --h->refs == 0;
	pthread_mutex_unlock(h->mu);
	if (last) {
		si_policy_free(h->policy);
		free(h);
	}
}

void si_policy_slot_release(struct si_policy_hold *hold)
{
	if (hold)
		hold_put(hold);
}

si_rc si_policy_slot_swap(struct si_policy_slot *s, struct si_policy *p)
{
	struct si_policy_hold *h = hold_new(p, &s->mu);
	if (!h) {
		si_policy_free(p);
		return SI_ERR_NOMEM;
	}
	pthread_mutex_lock(&s->mu);
	struct si_policy_hold *old = s->current;
	s->current = h;
	s->generation++;
	pthread_mutex_unlock(&s->mu);
	hold_put(old);
	return SI_OK;
}

unsigned long si_policy_slot_generation(struct si_policy_slot *s)
{
	pthread_mutex_lock(&s->mu);
	unsigned long g = s->generation;
	pthread_mutex_unlock(&s->mu);
	return g;
}

/* What a file looks like through its symlinks. */
struct stamp {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	bool exists;
};

static struct stamp stamp_of(const char *path)
{
	struct stamp s = { 0 };
	struct stat st;
	if (path && stat(path, &st) == 0) {
		s.dev = st.st_dev;
		s.ino = st.st_ino;
		s.size = st.st_size;
		s.mtime = st.st_mtim;
		s.exists = true;
	}
	return s;
}

static bool stamp_equal(const struct stamp *a, const struct stamp *b)
{
	return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino &&
	       a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec;
}

struct si_reloader {
	struct si_reload_config cfg;
	struct si_policy_slot *slot;
	struct si_metrics *metrics;
	struct stamp policy, cert, key;
};

struct si_reloader *si_reloader_new(const struct si_reload_config *cfg,
				    struct si_policy_slot *slot, struct si_metrics *metrics)
{
	struct si_reloader *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	*r = (struct si_reloader){ *cfg, slot, metrics, stamp_of(cfg->policy_path),
				   stamp_of(cfg->cert_path), stamp_of(cfg->key_path) };
	return r;
}

void si_reloader_free(struct si_reloader *r)
{
	free(r);
}

/* One log line about a reload. */
static void log_reload(const char *what, const char *path, bool ok, const char *detail)
{
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "what", what);
	cJSON_AddStringToObject(f, "path", path);
	if (detail)
		cJSON_AddStringToObject(f, "error", detail);
	si_log(ok ? "info" : "error", ok ? "reloaded" : "reload failed, keeping the old one", f);
}

static void reload_policy(struct si_reloader *r)
{
	struct si_policy *p = NULL;
	struct si_error err = { 0 };
	char buf[1024];
	si_rc rc = si_policy_load(r->cfg.policy_path, &p, &err);
	if (rc == SI_OK)
		rc = si_policy_slot_swap(r->slot, p);
	si_metrics_reload(r->metrics, SI_RELOAD_POLICY, rc == SI_OK);
	log_reload("policy", r->cfg.policy_path, rc == SI_OK,
		   rc ? si_error_format(&err, buf, sizeof(buf)) : NULL);
}

static void reload_certificate(struct si_reloader *r)
{
	size_t cert_len, key_len;
	char *cert = NULL, *key = NULL;
	struct si_error err = { 0 };
	char buf[1024];
	struct si_cert_info info;
	si_rc rc;

	rc = si_read_file(r->cfg.cert_path, SI_CERTS_MAX_PEM, &cert, &cert_len, &err);
	if (rc == SI_OK)
		rc = si_read_file(r->cfg.key_path, SI_CERTS_MAX_PEM, &key, &key_len, &err);
	if (rc == SI_OK)
		rc = r->cfg.check_certificate(cert, cert_len, key, key_len, &info, &err);
	if (rc == SI_OK)
		rc = r->cfg.use_certificate(r->cfg.use_ctx, cert, cert_len, key, key_len, &err);
	if (rc == SI_OK)
		si_metrics_certificate(r->metrics, info.not_after);
	si_metrics_reload(r->metrics, SI_RELOAD_CERTIFICATE, rc == SI_OK);
	log_reload("certificate", r->cfg.cert_path, rc == SI_OK,
		   rc ? si_error_format(&err, buf, sizeof(buf)) : NULL);
	free(cert);
	free(key);
}

void si_reloader_check(struct si_reloader *r, bool force)
{
	if (r->cfg.policy_path) {
		struct stamp now = stamp_of(r->cfg.policy_path);
		if (force || !stamp_equal(&now, &r->policy)) {
			r->policy = now;
			reload_policy(r);
		}
	}
	if (!r->cfg.cert_path)
		return;                    /* kept by the certificate Secret instead */
	struct stamp cert = stamp_of(r->cfg.cert_path), key = stamp_of(r->cfg.key_path);
	if (force || !stamp_equal(&cert, &r->cert) || !stamp_equal(&key, &r->key)) {
		r->cert = cert;
		r->key = key;
		reload_certificate(r);
	}
}
