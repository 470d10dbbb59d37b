/* SPDX-License-Identifier: Apache-2.0 */
/* Counters of the webhook, rendered in the Prometheus text format. Every
 * function is safe to call from any thread. */
#ifndef SI_METRICS_H
#define SI_METRICS_H

#include <stddef.h>

#include "admission.h"

struct si_metrics;

/* NULL when out of memory. Free with si_metrics_free() (accepts NULL). */
struct si_metrics *si_metrics_new(void);
void si_metrics_free(struct si_metrics *m);

/* Counts one answered AdmissionReview and its latency. */
void si_metrics_admission(struct si_metrics *m, const struct si_admission_answer *a,
			  double seconds);
/* Counts an HTTP answer other than 200 (400, 404, 405, 413, 415, 500, 503). */
void si_metrics_http_error(struct si_metrics *m, int status);

enum si_reload_what { SI_RELOAD_POLICY, SI_RELOAD_CERTIFICATE };
void si_metrics_reload(struct si_metrics *m, enum si_reload_what what, bool ok);

/* The exposition text (caller frees), with `in_flight` as the gauge of
 * requests being handled; NULL when out of memory. */
char *si_metrics_render(struct si_metrics *m, long in_flight, size_t *len);

#endif
