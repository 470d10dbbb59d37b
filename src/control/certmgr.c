// SPDX-License-Identifier: Apache-2.0
// The serving certificate kept in a Secret: the rotation rules, reading and
// conditionally writing the Secret, and the thread that follows it.
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "certmgr.h"
#include "log.h"
#include "security-inspector/kube.h"

#define MAX_BACKOFF 8            /* seconds between start-up attempts, at most */
#define REQUEST_TIMEOUT 15       /* seconds per request to the API server */

/* ---- the rules -------------------------------------------------------- */

si_rc si_certmgr_config_check(const struct si_certmgr_config *c, struct si_error *err)
{
	if (c->ca_lifetime < 1 || c->ca_lifetime > SI_CERTS_MAX_SECONDS ||
	    c->cert_lifetime < 1 || c->cert_lifetime > c->ca_lifetime)
		return si_error_set(err, SI_ERR_USAGE, NULL, 0,
				    "--cert-lifetime (%llds) must be at most --ca-lifetime (%llds), "
				    "itself at most %d days", c->cert_lifetime, c->ca_lifetime,
				    SI_CERTS_MAX_DAYS);
	if (c->check_interval < 1 || c->overlap <= c->check_interval)
		return si_error_set(err, SI_ERR_USAGE, NULL, 0,
				    "--ca-overlap (%llds) must be longer than --cert-check-interval "
				    "(%us): every replica must see a new CA before it signs",
				    c->overlap, c->check_interval);
	/* A serving certificate due while a new CA waits for its overlap waits
	 * that long, then must reach every replica before it expires. */
	if (c->overlap + c->check_interval >= c->cert_lifetime / 3)
		return si_error_set(err, SI_ERR_USAGE, NULL, 0,
				    "--ca-overlap plus --cert-check-interval (%llds) must be under a "
				    "third of --cert-lifetime (%llds)",
				    c->overlap + c->check_interval, c->cert_lifetime / 3);
	/* The old CA must outlive the switch and the overlap after it. */
	if (2 * c->overlap + c->check_interval >= c->ca_lifetime / 3)
		return si_error_set(err, SI_ERR_USAGE, NULL, 0,
				    "twice --ca-overlap plus --cert-check-interval (%llds) must be "
				    "under a third of --ca-lifetime (%llds)",
				    2 * c->overlap + c->check_interval, c->ca_lifetime / 3);
	return SI_OK;
}

void si_certmgr_plan(const struct si_certmgr_config *cfg, const struct si_cert_state *s,
		     time_t now, struct si_cert_plan *p)
{
	*p = (struct si_cert_plan){ .published_at = s->published_at,
				    .switched_at = s->switched_at };

	if (!s->signer_ok || s->signer_not_after - now < cfg->ca_lifetime / 3) {
		p->new_ca = true;
		p->published_at = now;
	}
	if (!s->serving_ok) {
		/* Nothing to protect: whoever trusts the bundle is failing now. */
		p->issue = true;
	} else if (p->new_ca || !s->serving_by_signer) {
		if (!p->published_at)
			p->published_at = now;     /* unknown: count from now */
		p->issue = now - p->published_at >= cfg->overlap;
	} else {
		p->issue = s->serving_not_after - now < cfg->cert_lifetime / 3;
	}
	if (p->issue && (p->new_ca || !s->serving_ok || !s->serving_by_signer))
		p->switched_at = now;
	for (size_t i = 0; i < s->n_bundle; i++) {
		bool in_use = s->bundle[i].is_signer || (s->serving_ok && s->bundle[i].signed_serving);
		if (!in_use && !p->switched_at)
			p->switched_at = now;      /* unknown: count from now */
		p->keep[i] = s->bundle[i].not_after > now &&
			     (in_use || now - p->switched_at < cfg->overlap);
		p->write |= !p->keep[i];
	}
	p->write |= p->new_ca || p->issue || p->published_at != s->published_at ||
		    p->switched_at != s->switched_at;
}

/* ---- the Secret ------------------------------------------------------- */

enum field { TLS_CRT, TLS_KEY, CA_CRT, CA_KEY, SIGNER_CRT, N_FIELDS };
static const char *const field_keys[N_FIELDS] = {
	SI_CERTMGR_TLS_CRT, SI_CERTMGR_TLS_KEY, SI_CERTMGR_CA_CRT, SI_CERTMGR_CA_KEY,
	SI_CERTMGR_SIGNER_CRT,
};

/* The Secret as read, its fields decoded. */
struct secret {
	cJSON *obj;
	char *data[N_FIELDS];        /* NULL when missing or unreadable */
	size_t len[N_FIELDS];
	struct si_cert_entry bundle[SI_CERTS_MAX_BUNDLE];
	struct si_cert_info serving;
	struct si_cert_state st;
};

static void secret_clear(struct secret *s)
{
	cJSON_Delete(s->obj);
	for (int f = 0; f < N_FIELDS; f++)
		free(s->data[f]);
	*s = (struct secret){ 0 };
}

struct si_certmgr {
	struct si_certmgr_config cfg;
	char path[512];              /* of the Secret */
	struct si_kube kube;
	struct si_metrics *metrics;
	pthread_t thread;
	bool started;
	atomic_bool cancel;
	pthread_mutex_t mu;
	pthread_cond_t wake;
	/* Under mu: */
	bool stop;
	struct si_cert_pair serving; /* in use */
	char *bundle;                /* ca.crt */
	unsigned long generation;
	si_certs_use_fn use;         /* under mu: who serves the certificate */
	void *use_ctx;
};

/* The number of `n` digits at `s`, or -1. */
static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* The time of annotation `key` ("2026-11-29T10:00:00Z"); 0 when missing or
 * in another form. */
static time_t annotation_time(const cJSON *obj, const char *key)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(obj, "metadata"), "annotations");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(a, key);
	const char *t = cJSON_IsString(v) ? v->valuestring : "";

	if (strlen(t) != 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' ||
	    t[16] != ':' || t[19] != 'Z')
		return 0;
	struct tm tm = { .tm_year = digits(t, 4) - 1900, .tm_mon = digits(t + 5, 2) - 1,
			 .tm_mday = digits(t + 8, 2), .tm_hour = digits(t + 11, 2),
			 .tm_min = digits(t + 14, 2), .tm_sec = digits(t + 17, 2) };
	if (tm.tm_year < 70 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 ||
	    tm.tm_min > 59 || tm.tm_sec < 0 || tm.tm_sec > 60)
		return 0;
	return timegm(&tm);
}

/* `name` (NUL-terminated) is one of the comma-separated names of `list`. */
static bool has_name(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == n && memcmp(p, name, n) == 0)
			return true;
		p += len + (comma != NULL);
	}
	return false;
}

/* Whether the CA of `entry` (a span of ca.crt) signed the serving certificate. */
static bool signed_serving(const struct secret *s, const struct si_cert_entry *entry)
{
	struct si_cert_entry e[SI_CERTS_MAX_BUNDLE];
	size_t n = 0;
	return si_certs_parse_bundle(s->data[TLS_CRT], s->len[TLS_CRT],
				     s->data[CA_CRT] + entry->offset, entry->length, e, &n,
				     NULL) == SI_OK && n >= 1 && e[0].issued_by;
}

/* Fills s->st from what the Secret `s->obj` holds. A field that cannot be
 * read counts as missing: a writer replaces it. */
static void read_state(const struct si_certmgr *cm, struct secret *s)
{
	struct si_cert_state *st = &s->st;
	struct si_cert_entry signer[SI_CERTS_MAX_BUNDLE];
	size_t n_signer = 0;
	char name[300];

	for (int f = 0; f < N_FIELDS; f++)
		if (si_kube_secret_data(s->obj, field_keys[f], SI_CERTS_MAX_PEM, &s->data[f],
					&s->len[f], NULL))
			s->data[f] = NULL;
	st->published_at = annotation_time(s->obj, SI_CERTMGR_PUBLISHED);
	st->switched_at = annotation_time(s->obj, SI_CERTMGR_SWITCHED);
	if (si_certs_parse_bundle(s->data[CA_CRT], s->len[CA_CRT], NULL, 0, s->bundle,
				  &st->n_bundle, NULL))
		st->n_bundle = 0;
	if (si_certs_parse_bundle(s->data[SIGNER_CRT], s->len[SIGNER_CRT], NULL, 0, signer,
				  &n_signer, NULL) || n_signer != 1)
		n_signer = 0;
	bool serving = si_certs_check(s->data[TLS_CRT], s->len[TLS_CRT], s->data[TLS_KEY],
				      s->len[TLS_KEY], &s->serving, NULL) == SI_OK;
	snprintf(name, sizeof(name), "%s.%s.svc", cm->cfg.service, cm->cfg.namespace);
	serving = serving && has_name(s->serving.dns_names, name);
	for (size_t i = 0; i < st->n_bundle; i++) {
		st->bundle[i].not_after = s->bundle[i].not_after;
		st->bundle[i].is_signer =
			n_signer && strcmp(s->bundle[i].fingerprint, signer[0].fingerprint) == 0;
		st->bundle[i].signed_serving = serving && signed_serving(s, &s->bundle[i]);
		st->signer_ok |= st->bundle[i].is_signer;
		st->serving_ok |= st->bundle[i].signed_serving;
		st->serving_by_signer |= st->bundle[i].is_signer && st->bundle[i].signed_serving;
	}
	st->signer_ok = st->signer_ok && si_certs_check(s->data[SIGNER_CRT], s->len[SIGNER_CRT],
							s->data[CA_KEY], s->len[CA_KEY], NULL,
							NULL) == SI_OK;
	st->signer_not_after = n_signer ? signer[0].not_after : 0;
	st->serving_not_after = s->serving.not_after;
}

static si_rc read_secret(struct si_certmgr *cm, struct secret *s, long *status,
			 struct si_error *err)
{
	*s = (struct secret){ 0 };
	si_rc rc = si_kube_get(&cm->kube, cm->path, &s->obj, status, err);
	if (!rc)
		read_state(cm, s);
	return rc;
}

static si_rc set_annotation(cJSON *obj, const char *key, time_t when, struct si_error *err)
{
	char text[32];
	struct tm tm;

	gmtime_r(&when, &tm);
	strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return si_kube_set_annotation(obj, key, text, err);
}

/* ca.crt after `p`: the new CA (when made), then what stays, in order. */
static char *new_bundle(const struct secret *s, const struct si_cert_plan *p,
			const struct si_cert_pair *ca, size_t *len)
{
	size_t cap = (ca ? ca->cert_len : 0) + s->len[CA_CRT] + SI_CERTS_MAX_BUNDLE + 1;
	char *b = malloc(cap);

	*len = 0;
	if (!b)
		return NULL;
	if (ca) {
		memcpy(b, ca->cert, ca->cert_len);
		*len = ca->cert_len;
	}
	for (size_t i = 0; i < s->st.n_bundle; i++) {
		if (!p->keep[i])
			continue;
		memcpy(b + *len, s->data[CA_CRT] + s->bundle[i].offset, s->bundle[i].length);
		*len += s->bundle[i].length;
		b[(*len)++] = '\n';
	}
	b[*len] = '\0';
	return b;
}

/* Makes what `p` asks for and writes it into `s->obj`. */
static si_rc apply_plan(struct si_certmgr *cm, struct secret *s, const struct si_cert_plan *p,
			struct si_error *err)
{
	const struct si_certmgr_config *c = &cm->cfg;
	struct si_cert_pair ca = { 0 }, tls = { 0 };
	struct si_cert_pair signer = { s->data[SIGNER_CRT], s->data[CA_KEY], s->len[SIGNER_CRT],
				       s->len[CA_KEY] };
	char *bundle = NULL;
	size_t bundle_len;
	bool dropped = false;
	si_rc rc;

	for (size_t i = 0; i < s->st.n_bundle; i++)
		dropped |= !p->keep[i];
	if (p->new_ca) {
		if ((rc = si_certs_new_ca(c->ca_lifetime, &ca, err)) ||
		    (rc = si_kube_secret_set_data(s->obj, SI_CERTMGR_CA_KEY, ca.key, ca.key_len,
						  err)) ||
		    (rc = si_kube_secret_set_data(s->obj, SI_CERTMGR_SIGNER_CRT, ca.cert,
						  ca.cert_len, err)))
			goto out;
		signer = ca;
	}
	if (p->issue &&
	    ((rc = si_certs_new_serving(c->service, c->namespace, c->cert_lifetime, &signer, &tls,
					err)) ||
	     (rc = si_kube_secret_set_data(s->obj, SI_CERTMGR_TLS_CRT, tls.cert, tls.cert_len,
					   err)) ||
	     (rc = si_kube_secret_set_data(s->obj, SI_CERTMGR_TLS_KEY, tls.key, tls.key_len, err))))
		goto out;
	/* A renewal under the same CA leaves ca.crt byte for byte. */
	if (p->new_ca || dropped) {
		if (!(bundle = new_bundle(s, p, p->new_ca ? &ca : NULL, &bundle_len))) {
			rc = si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
			goto out;
		}
		if ((rc = si_kube_secret_set_data(s->obj, SI_CERTMGR_CA_CRT, bundle, bundle_len,
						  err)))
			goto out;
	}
	if ((p->published_at && (rc = set_annotation(s->obj, SI_CERTMGR_PUBLISHED,
						      p->published_at, err))) ||
	    (p->switched_at && (rc = set_annotation(s->obj, SI_CERTMGR_SWITCHED, p->switched_at,
						     err))))
		goto out;
	rc = SI_OK;
out:
	free(bundle);
	si_cert_pair_clear(&tls);
	si_cert_pair_clear(&ca);
	return rc;
}

static void log_plan(const struct si_cert_plan *p, const struct secret *s)
{
	cJSON *f = cJSON_CreateObject();
	size_t dropped = 0;
	for (size_t i = 0; i < s->st.n_bundle; i++)
		dropped += !p->keep[i];
	cJSON_AddBoolToObject(f, "newCA", p->new_ca);
	cJSON_AddBoolToObject(f, "newServingCertificate", p->issue);
	cJSON_AddNumberToObject(f, "casDropped", (double)dropped);
	si_log("info", "certificate Secret updated", f);
}

/* Writes what `p` asks for (conditional on the resourceVersion read);
 * on success `s` holds the Secret written. */
static si_rc write_secret(struct si_certmgr *cm, struct secret *s, const struct si_cert_plan *p,
			  long *status, struct si_error *err)
{
	cJSON *answer = NULL;
	si_rc rc;

	if ((rc = apply_plan(cm, s, p, err)) ||
	    (rc = si_kube_update(&cm->kube, cm->path, s->obj, &answer, status, err)))
		return rc;
	log_plan(p, s);
	secret_clear(s);
	s->obj = answer;
	read_state(cm, s);
	return SI_OK;
}

static char *copy(const char *data, size_t len)
{
	char *c = malloc(len + 1);
	if (c) {
		memcpy(c, data, len);
		c[len] = '\0';
	}
	return c;
}

/* Puts the Secret's serving certificate and bundle in use when they changed.
 * `*rotated` tells whether a new certificate replaced one in use. */
static si_rc adopt(struct si_certmgr *cm, const struct secret *s, bool *rotated,
		   struct si_error *err)
{
	struct si_cert_pair next = { 0 };
	char *bundle = NULL;
	si_rc rc = SI_OK;

	*rotated = false;
	if (!s->st.serving_ok)
		return si_error_set(err, SI_ERR_INVALID, NULL, 0,
				    "the Secret holds no usable serving certificate for %s.%s.svc "
				    "signed by a CA of its %s", cm->cfg.service, cm->cfg.namespace,
				    SI_CERTMGR_CA_CRT);
	pthread_mutex_lock(&cm->mu);
	bool same_cert = cm->serving.cert && cm->serving.cert_len == s->len[TLS_CRT] &&
			 memcmp(cm->serving.cert, s->data[TLS_CRT], s->len[TLS_CRT]) == 0;
	bool same_bundle = cm->bundle && strcmp(cm->bundle, s->data[CA_CRT]) == 0;
	pthread_mutex_unlock(&cm->mu);
	if (same_cert && same_bundle)
		return SI_OK;
	if (!same_bundle && !(bundle = copy(s->data[CA_CRT], s->len[CA_CRT])))
		goto nomem;
	if (!same_cert) {
		next = (struct si_cert_pair){ copy(s->data[TLS_CRT], s->len[TLS_CRT]),
					      copy(s->data[TLS_KEY], s->len[TLS_KEY]),
					      s->len[TLS_CRT], s->len[TLS_KEY] };
		if (!next.cert || !next.key)
			goto nomem;
	}
	pthread_mutex_lock(&cm->mu);
	if (!same_cert && cm->use)
		rc = cm->use(cm->use_ctx, next.cert, next.cert_len, next.key, next.key_len, err);
	if (!rc && !same_cert) {
		*rotated = cm->serving.cert != NULL;
		si_cert_pair_clear(&cm->serving);
		cm->serving = next;
		next = (struct si_cert_pair){ 0 };
		si_metrics_certificate(cm->metrics, s->serving.not_after);
	}
	if (!rc && bundle) {
		free(cm->bundle);
		cm->bundle = bundle;
		bundle = NULL;
		cm->generation++;
	}
	pthread_mutex_unlock(&cm->mu);
	if (!rc && !same_cert) {
		cJSON *f = cJSON_CreateObject();
		cJSON_AddNumberToObject(f, "notAfter", (double)s->serving.not_after);
		cJSON_AddNumberToObject(f, "cas", (double)s->st.n_bundle);
		si_log("info", "serving certificate in use", f);
	}
	goto out;
nomem:
	rc = si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
out:
	free(bundle);
	si_cert_pair_clear(&next);
	return rc;
}

/* One look at the Secret: read it, write it when the rules say so and this
 * replica may (or, `starting`, has nothing to serve), put what it holds in
 * use. A write that loses to another (409) is read again once. */
static si_rc look(struct si_certmgr *cm, bool starting, bool *rotated, long *status,
		  struct si_error *err)
{
	struct secret s = { 0 };
	struct si_cert_plan plan;
	si_rc rc;

	*rotated = false;
	for (int attempt = 0;; attempt++) {
		if ((rc = read_secret(cm, &s, status, err)))
			goto out;
		bool writer = !cm->cfg.may_write || cm->cfg.may_write(cm->cfg.may_write_ctx) ||
			      (starting && !s.st.serving_ok);
		si_certmgr_plan(&cm->cfg, &s.st, time(NULL), &plan);
		if (!writer || !plan.write)
			break;
		rc = write_secret(cm, &s, &plan, status, err);
		if (rc == SI_OK)
			break;
		if (*status != 409 || attempt == 1)
			goto out;
		secret_clear(&s);
	}
	rc = adopt(cm, &s, rotated, err);
out:
	secret_clear(&s);
	return rc;
}

static void log_error(const char *msg, const struct si_error *err)
{
	char buf[1024];
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "error", si_error_format(err, buf, sizeof(buf)));
	si_log("warn", msg, f);
}

static void *run(void *arg)
{
	struct si_certmgr *cm = arg;
	struct timespec until;

	pthread_mutex_lock(&cm->mu);
	while (!cm->stop) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += cm->cfg.check_interval;
		while (!cm->stop && pthread_cond_timedwait(&cm->wake, &cm->mu, &until) == 0)
			;
		if (cm->stop)
			break;
		pthread_mutex_unlock(&cm->mu);
		struct si_error err = { 0 };
		bool rotated;
		long status;
		si_rc rc = look(cm, false, &rotated, &status, &err);
		if (rc && !atomic_load(&cm->cancel))
			log_error("certificate Secret: keeping the certificate in use", &err);
		si_metrics_cert_check(cm->metrics, rotated, rc == SI_OK);
		pthread_mutex_lock(&cm->mu);
	}
	pthread_mutex_unlock(&cm->mu);
	return NULL;
}

/* Whether a failed start-up attempt is worth another: no answer, a write
 * that lost twice, an API server busy or failing. */
static bool transient(long status)
{
	return status == 0 || status == 409 || status == 429 || status >= 500;
}

/* Reads (and if need be writes) the Secret until a serving certificate is
 * known, for cfg.start_timeout seconds at most. */
static si_rc bootstrap(struct si_certmgr *cm, struct si_error *err)
{
	struct timespec start, now;
	unsigned pause = 1;
	long status = 0;
	bool rotated;
	si_rc rc;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (!(rc = look(cm, true, &rotated, &status, err)))
			return SI_OK;
		if (rc == SI_ERR_NOMEM || !transient(status))
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec + pause > cm->cfg.start_timeout)
			break;
		log_error("certificate Secret: trying again", err);
		nanosleep(&(struct timespec){ pause, 0 }, NULL);
		pause = pause * 2 > MAX_BACKOFF ? MAX_BACKOFF : pause * 2;
	}
	char msg[sizeof(err->message)];
	snprintf(msg, sizeof(msg), "%s", err->message);
	si_error_set(err, rc, err->file, 0, "certificate Secret %s/%s%s: %s", cm->cfg.namespace,
		     cm->cfg.secret, transient(status) ? " (gave up retrying)" : "", msg);
	return rc;
}

static void free_certmgr(struct si_certmgr *cm)
{
	si_kube_free(&cm->kube);
	si_cert_pair_clear(&cm->serving);
	free(cm->bundle);
	pthread_cond_destroy(&cm->wake);
	pthread_mutex_destroy(&cm->mu);
	free(cm);
}

si_rc si_certmgr_start(const struct si_certmgr_config *cfg, const char *kubeconfig,
		       const char *context, struct si_metrics *metrics,
		       struct si_certmgr **out, struct si_error *err)
{
	struct si_certmgr *cm = calloc(1, sizeof(*cm));
	pthread_condattr_t ca;
	si_rc rc;

	*out = NULL;
	if (!cm)
		return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	cm->cfg = *cfg;
	cm->metrics = metrics;
	pthread_mutex_init(&cm->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&cm->wake, &ca);
	pthread_condattr_destroy(&ca);
	if ((rc = si_certmgr_config_check(cfg, err)))
		goto fail;
	if ((size_t)snprintf(cm->path, sizeof(cm->path), "/api/v1/namespaces/%s/secrets/%s",
			     cfg->namespace, cfg->secret) >= sizeof(cm->path)) {
		rc = si_error_set(err, SI_ERR_LIMIT, NULL, 0, "the Secret's name is too long");
		goto fail;
	}
	if ((rc = si_kube_global_init(err)) ||
	    (rc = si_kube_connect(kubeconfig, context, &cm->kube, err)))
		goto fail;
	cm->kube.cancel = &cm->cancel;
	cm->kube.timeout = REQUEST_TIMEOUT;
	if ((rc = bootstrap(cm, err)))
		goto fail;
	if (pthread_create(&cm->thread, NULL, run, cm) != 0) {
		rc = si_error_set(err, SI_ERR_IO, NULL, 0, "cannot start the certificate thread");
		goto fail;
	}
	cm->started = true;
	*out = cm;
	return SI_OK;
fail:
	free_certmgr(cm);
	return rc;
}

si_rc si_certmgr_serving(struct si_certmgr *cm, char **cert_pem, size_t *cert_len,
			 char **key_pem, size_t *key_len)
{
	pthread_mutex_lock(&cm->mu);
	*cert_pem = copy(cm->serving.cert, cm->serving.cert_len);
	*key_pem = copy(cm->serving.key, cm->serving.key_len);
	*cert_len = cm->serving.cert_len;
	*key_len = cm->serving.key_len;
	pthread_mutex_unlock(&cm->mu);
	if (*cert_pem && *key_pem)
		return SI_OK;
	free(*cert_pem);
	free(*key_pem);
	*cert_pem = *key_pem = NULL;
	return SI_ERR_NOMEM;
}

void si_certmgr_attach(struct si_certmgr *cm, si_certs_use_fn use, void *ctx)
{
	struct si_error err = { 0 };

	pthread_mutex_lock(&cm->mu);
	cm->use = use;
	cm->use_ctx = ctx;
	si_rc rc = use ? use(ctx, cm->serving.cert, cm->serving.cert_len, cm->serving.key,
			     cm->serving.key_len, &err)
		       : SI_OK;
	pthread_mutex_unlock(&cm->mu);
	if (rc)
		log_error("certificate Secret: cannot serve its certificate", &err);
}

char *si_certmgr_ca_bundle(struct si_certmgr *cm)
{
	pthread_mutex_lock(&cm->mu);
	char *b = copy(cm->bundle, strlen(cm->bundle));
	pthread_mutex_unlock(&cm->mu);
	return b;
}

unsigned long si_certmgr_generation(struct si_certmgr *cm)
{
	pthread_mutex_lock(&cm->mu);
	unsigned long g = cm->generation;
	pthread_mutex_unlock(&cm->mu);
	return g;
}

void si_certmgr_stop(struct si_certmgr *cm)
{
	if (!cm)
		return;
	atomic_store(&cm->cancel, true);
	pthread_mutex_lock(&cm->mu);
	cm->stop = true;
	pthread_cond_signal(&cm->wake);
	pthread_mutex_unlock(&cm->mu);
	if (cm->started)
		pthread_join(cm->thread, NULL);
	free_certmgr(cm);
}
