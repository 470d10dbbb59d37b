/* SPDX-License-Identifier: Apache-2.0 */
/* AdmissionReview <-> decision: the only module that knows the
 * AdmissionReview JSON (admission.k8s.io v1 and v1beta1). */
#ifndef SI_ADMISSION_H
#define SI_ADMISSION_H

#include <stdbool.h>
#include <stdio.h>

#include "security-inspector/checks.h"
#include "security-inspector/document.h"
#include "security-inspector/policy.h"

/* Apiserver limits on what a webhook may return as warnings. */
#define SI_WARNING_MAX 256

/* The largest AdmissionReview the API server sends: an UPDATE carries the
 * object and the old object, each at most 1.5 MiB (etcd's request limit),
 * with some room for the rest: 3.5 MiB. */
#define SI_ADMISSION_MAX_BODY (7u << 19)

/* Values (JSON nodes) in one review, at most, counted before any is
 * allocated: real objects take 7 bytes or more per value, so two objects of
 * 1.5 MiB fit, and the worst accepted body costs some 45 MiB of parse tree
 * (bench/README.md, "Oversized bodies"). */
#define SI_ADMISSION_MAX_VALUES 500000
#define SI_WARNINGS_TOTAL_MAX 4096

/* The answer to one request, with what the decision log and the metrics
 * need. */
struct si_admission_answer {
	int http_status;            /* 200, or 400 for a request we cannot read */
	char *body;                 /* owned: the response body (JSON) */
	size_t body_len;
	/* From the request; empty when absent. */
	char uid[128], kind[64], namespace[254], name[254], operation[16];
	bool dry_run;
	bool inspected;             /* the checks ran */
	enum si_mode mode;
	bool allowed;
	bool failed[SI_ITEM_COUNT]; /* items that failed (not whitelisted) */
};

/* Answers the AdmissionReview in `body` (`len` bytes, read within `lim`)
 * under `policy` (borrowed). `path_mode` is the mode named in the request
 * path, or NULL. A body that is not an AdmissionReview gets http_status 400
 * and a JSON body {"error": "..."}. Returns SI_ERR_NOMEM (and no body) only
 * when memory runs out. Free with si_admission_answer_clear(). */
si_rc si_admission_handle(const char *body, size_t len, const struct si_policy *policy,
			      const enum si_mode *path_mode, const struct si_limits *lim,
			      struct si_admission_answer *out);

/* Accepts NULL. */
void si_admission_answer_clear(struct si_admission_answer *a);

/* Writes the decision log line for `a` (one JSON object and a newline). */
void si_admission_log(const struct si_admission_answer *a, double latency_ms, FILE *out);

#endif
