/* SPDX-License-Identifier: Apache-2.0 */
/* Counters of the webhook, rendered in the Prometheus text format. Every
 * function is safe to call from any thread. */
#ifndef SI_METRICS_H
#define SI_METRICS_H

#include <stdbool.h>
#include <time.h>
#include <stddef.h>

#include "admission.h"

struct si_metrics;

/* NULL when out of memory. Free with si_metrics_free() (accepts NULL). */
struct si_metrics *si_metrics_new(void);
void si_metrics_free(struct si_metrics *m);

/* Counts one answered AdmissionReview and its latency. */
void si_metrics_admission(struct si_metrics *m, const struct si_admission_answer *a,
			  double seconds);
/* Counts an HTTP answer other than 200 (400, 404, 405, 413, 415, 500, 502,
 * 503, 504). */
void si_metrics_http_error(struct si_metrics *m, int status);
/* Counts a connection closed as soon as accepted (the server is full). */
void si_metrics_connection_refused(struct si_metrics *m);
/* Counts a request cut because its body took over --request-timeout. */
void si_metrics_request_timeout(struct si_metrics *m);
/* Counts a connection closed before its TLS handshake completed. */
void si_metrics_handshake_failed(struct si_metrics *m);

enum si_reload_what { SI_RELOAD_POLICY, SI_RELOAD_CERTIFICATE };
void si_metrics_reload(struct si_metrics *m, enum si_reload_what what, bool ok);

/* The end of the validity of the serving certificate in use (Unix time). */
void si_metrics_certificate(struct si_metrics *m, time_t not_after);
/* Counts a look at the certificate Secret (--manage-certs): `rotated` when a
 * new serving certificate was put in use, `ok` false when the look failed
 * (API server, a refused write, a Secret that does not parse). */
void si_metrics_cert_check(struct si_metrics *m, bool rotated, bool ok);

/* Counts one write of the webhook configuration by the reconciler. */
void si_metrics_webhook_config(struct si_metrics *m, bool ok);
/* How the namespaces resolve now: by mode, how many carry a mode label that
 * is not a mode, and how many cannot be selected by name. */
void si_metrics_namespaces(struct si_metrics *m, const size_t by_mode[4], size_t unknown_label,
			   size_t no_name_label);

/* Leader election: whether this replica leads now. The first call shows
 * the gauge (absent without an election); each change is counted. */
void si_metrics_leader(struct si_metrics *m, bool leading);

/* What one scheduled scan of the cluster found. */
struct si_scan_figures {
	double finished_at;          /* Unix time */
	double duration;             /* seconds */
	bool complete;
	size_t workloads;
	size_t failures[SI_ITEM_COUNT][SI_SEVERITY_DANGER + 1];   /* [item][severity] */
};

/* Records a finished scan: counted, and its figures replace the last. */
void si_metrics_scan(struct si_metrics *m, const struct si_scan_figures *f);

/* The namespace of the failures summed past the cap of the series (no
 * namespace can be named so: names are DNS labels). */
#define SI_METRICS_OTHER_NAMESPACES "(other)"

/* Failed (not whitelisted) results of one namespace in a scan. */
struct si_namespace_failures {
	char namespace[64];     /* "" for cluster-scoped objects (RBAC bindings), */
				/* SI_METRICS_OTHER_NAMESPACES for the rest */
	size_t failures[SI_SEVERITY_DANGER + 1];   /* [severity]: warning, danger */
};

/* Records the failures per namespace of the last complete scan: `rows`
 * (the metrics take ownership and free them with free(); NULL when `n` is
 * 0) become the series of /metrics/namespaces, in their order; `failing`
 * namespaces (the cluster scope not counted) had a failure. Replaces the
 * previous rows. */
void si_metrics_scan_namespaces(struct si_metrics *m, struct si_namespace_failures *rows,
				size_t n, size_t failing);

enum si_metrics_write { SI_METRICS_WRITE_CREATE, SI_METRICS_WRITE_UPDATE, SI_METRICS_WRITE_DELETE };
/* Counts one write of a PolicyReport or ClusterPolicyReport by the scan;
 * `ok` false when the API server refused it or could not be reached. */
void si_metrics_policyreport_write(struct si_metrics *m, enum si_metrics_write op, bool ok);

/* What the server reads off itself when the metrics are asked for. */
struct si_metrics_gauges {
	long in_flight;       /* requests being handled */
	long connections;     /* connections open */
};

/* The exposition text (caller frees); NULL when out of memory. */
char *si_metrics_render(struct si_metrics *m, const struct si_metrics_gauges *g, size_t *len);

/* The exposition text of the failures per namespace of the last complete
 * scan (GET /metrics/namespaces, guarded: it names namespaces), with its
 * HELP and TYPE lines and no sample before such a scan (caller frees);
 * NULL when out of memory. */
char *si_metrics_render_namespaces(struct si_metrics *m, size_t *len);

#endif
