/* SPDX-License-Identifier: Apache-2.0 */
/* AdmissionReview <-> decision: the only module that knows the
 * AdmissionReview JSON (admission.k8s.io v1 and v1beta1). */
#ifndef SI_ADMISSION_H
#define SI_ADMISSION_H

#include <stdbool.h>
#include <stdio.h>

#include "security-inspector/audit.h"
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
	/* Failures the requester's identity exempted (whitelist entries with
	 * users, groups or serviceAccounts): the identity that matched
	 * ("user alice", "" when none) and the items. */
	char exempted_by[192];
	bool exempted[SI_ITEM_COUNT];
};

/* Lists the workloads of namespace `ns` as a scan does (stored objects: no
 * requester), evaluates each under `policy` and hands it to `fn` (see
 * si_audit_entry_fn). SI_OK when every kind was listed; else an error with
 * `err` saying what could not be listed (API error, time budget spent). It
 * must give up within a few seconds: an admission request waits for it. */
typedef si_rc (*si_admission_list_fn)(void *ctx, const char *ns, const struct si_policy *policy,
				      si_audit_entry_fn fn, void *fn_ctx, struct si_error *err);

/* Reading access to the cluster, for the preview of a Namespace write that
 * turns enforce on; `list` NULL: no access, no preview. */
struct si_admission_lister {
	si_admission_list_fn list;
	void *ctx;
};

/* Of the workloads of a namespace turned to enforce, the warnings name at
 * most so many (the warnings' 4096-character bound usually comes first). */
#define SI_PREVIEW_MAX_LINES 64

/* Answers the AdmissionReview in `body` (`len` bytes, read within `lim`)
 * under `policy` (borrowed). `path_mode` is the mode named in the request
 * path, or NULL. A body that is not an AdmissionReview gets http_status 400
 * and a JSON body {"error": "..."}. Returns SI_ERR_NOMEM (and no body) only
 * when memory runs out. Free with si_admission_answer_clear(). */
si_rc si_admission_handle(const char *body, size_t len, const struct si_policy *policy,
			      const enum si_mode *path_mode, const struct si_limits *lim,
			      struct si_admission_answer *out);

/* As si_admission_handle(); with `lister` (borrowed, may be NULL) an UPDATE
 * or CREATE of a Namespace that sets the mode label to enforce (from
 * another value or none), where enforce is the mode the namespace then
 * gets, is answered (always allowed) with warnings naming the namespace's
 * workloads that enforce would deny and their danger items, within the
 * warnings' bounds; when they cannot be listed, one warning says so. */
si_rc si_admission_handle_with(const char *body, size_t len, const struct si_policy *policy,
				   const enum si_mode *path_mode, const struct si_limits *lim,
				   const struct si_admission_lister *lister,
				   struct si_admission_answer *out);

/* Accepts NULL. */
void si_admission_answer_clear(struct si_admission_answer *a);

/* Writes the decision log line for `a` (one JSON object and a newline). */
void si_admission_log(const struct si_admission_answer *a, double latency_ms, FILE *out);

#endif
