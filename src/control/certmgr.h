/* SPDX-License-Identifier: Apache-2.0 */
/* Serving certificates kept by the server itself in one Secret of its
 * namespace: made at start-up when missing, renewed before they expire, and
 * the CA rotated with an overlap, so that a client that trusts the published
 * bundle (ca.crt) always trusts the certificate it is served. */
#ifndef SI_CERTMGR_H
#define SI_CERTMGR_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "metrics.h"
#include "security-inspector/certs.h"
#include "security-inspector/error.h"

/* Keys of the Secret (type kubernetes.io/tls). */
#define SI_CERTMGR_TLS_CRT "tls.crt"        /* the serving certificate */
#define SI_CERTMGR_TLS_KEY "tls.key"
#define SI_CERTMGR_CA_CRT "ca.crt"          /* the bundle clients trust, newest CA first */
#define SI_CERTMGR_CA_KEY "ca.key"          /* the key of the newest CA */
#define SI_CERTMGR_SIGNER_CRT "ca-signing.crt"   /* the newest CA alone */
/* Annotations of the Secret, RFC 3339 UTC times. */
#define SI_CERTMGR_PUBLISHED "security-inspector.io/ca-published-at"
#define SI_CERTMGR_SWITCHED "security-inspector.io/serving-switched-at"

struct si_certmgr_config {
	const char *secret;          /* the Secret's name */
	const char *namespace;       /* the Secret's and the Service's namespace */
	const char *service;         /* the Service whose DNS names are the SANs */
	long long ca_lifetime;       /* seconds a new CA is valid */
	long long cert_lifetime;     /* seconds a new serving certificate is valid */
	long long overlap;           /* seconds a new CA is published before it signs, */
				     /* and an old one kept after the switch */
	unsigned check_interval;     /* seconds between looks at the Secret */
	unsigned start_timeout;      /* seconds start-up retries an unreachable API server */
	bool (*may_write)(void *ctx);   /* NULL: always; false: only follow the Secret */
	void *may_write_ctx;
};

/* Checks that the durations fit each other: a renewal window (a third of a
 * lifetime) must hold the overlaps and a look at the Secret, so that a
 * certificate is replaced everywhere before it expires. SI_ERR_USAGE with a
 * message naming the options otherwise. */
si_rc si_certmgr_config_check(const struct si_certmgr_config *cfg, struct si_error *err);

/* What the Secret holds, as the rotation rules see it. */
struct si_cert_state {
	bool signer_ok;              /* ca-signing.crt and ca.key match, valid now, in ca.crt */
	time_t signer_not_after;
	time_t published_at;         /* when the newest CA entered ca.crt; 0: unknown */
	time_t switched_at;          /* when the serving certificate last moved to */
				     /* another CA; 0: unknown */
	bool serving_ok;             /* tls.crt and tls.key match, valid now, name the */
				     /* Service and were signed by a CA of ca.crt */
	bool serving_by_signer;      /* ... by the newest CA */
	time_t serving_not_after;
	size_t n_bundle;             /* certificates of ca.crt, in order */
	struct {
		time_t not_after;
		bool is_signer;      /* the newest CA */
		bool signed_serving; /* signed tls.crt */
	} bundle[SI_CERTS_MAX_BUNDLE];
};

/* What to change in the Secret. */
struct si_cert_plan {
	bool new_ca;                 /* make a CA; it goes first in ca.crt and signs from now */
	bool issue;                  /* make a serving certificate signed by the newest CA */
	bool keep[SI_CERTS_MAX_BUNDLE];  /* which certificates of ca.crt stay */
	time_t published_at, switched_at;   /* the annotations to write */
	bool write;                  /* whether anything changes */
};

/* The rotation rules, given the Secret's state `s` at `now`; no I/O.
 * A CA is made when there is no usable one or less than a third of its
 * lifetime is left; the serving certificate moves to a new CA only once
 * that CA has been in ca.crt for the overlap; a serving certificate is
 * renewed under an unchanged CA, ca.crt untouched, when less than a third
 * of its lifetime is left; one that is missing or unusable is replaced at
 * once. A CA leaves ca.crt when it expired, or when it neither is the
 * newest nor signed the serving certificate in use and the last switch is
 * an overlap old. */
void si_certmgr_plan(const struct si_certmgr_config *cfg, const struct si_cert_state *s,
		     time_t now, struct si_cert_plan *p);

struct si_certmgr;

/* Reads the Secret `cfg->namespace`/`cfg->secret` through the API server of
 * `kubeconfig` and `context` (as si_kube_connect()), writing it first when
 * it holds no usable serving certificate (any replica may then write: a
 * conditional update that loses re-reads the winner's) or, when
 * cfg->may_write allows, when the rotation rules say so. Blocks until a
 * serving certificate is known: an unreachable API server (or a 409 or 5xx
 * answer) is retried with a growing pause for cfg->start_timeout seconds;
 * other answers (401, 403, 404) fail at once. Then looks at the Secret again
 * every cfg->check_interval seconds in a thread of its own. `cfg` is
 * copied, its strings and `metrics` are borrowed and must outlive it. */
si_rc si_certmgr_start(const struct si_certmgr_config *cfg, const char *kubeconfig,
		       const char *context, struct si_metrics *metrics,
		       struct si_certmgr **out, struct si_error *err);

/* Copies of the serving certificate and key in use (NUL-terminated; caller
 * frees both with free()). SI_ERR_NOMEM, with nothing to free, otherwise. */
si_rc si_certmgr_serving(struct si_certmgr *cm, char **cert_pem, size_t *cert_len,
			 char **key_pem, size_t *key_len);

/* From now on, hands each new serving certificate to `use` (with `ctx`,
 * borrowed: detach with NULL before stopping what it feeds), starting with
 * the one in use. A new certificate that `use` refuses is not taken. */
void si_certmgr_attach(struct si_certmgr *cm, si_certs_use_fn use, void *ctx);

/* A copy of the CA bundle clients must trust (ca.crt): PEM, not base64,
 * NUL-terminated; caller frees. NULL when out of memory. */
char *si_certmgr_ca_bundle(struct si_certmgr *cm);

/* Changes whenever the CA bundle changes. */
unsigned long si_certmgr_generation(struct si_certmgr *cm);

/* Stops the thread and frees everything. Accepts NULL. */
void si_certmgr_stop(struct si_certmgr *cm);

#endif
