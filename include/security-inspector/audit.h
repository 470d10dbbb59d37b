/* SPDX-License-Identifier: Apache-2.0 */
/* An audit run: inputs -> workload views -> evaluations, with the objects
 * skipped, the input errors met and the summary the reports print. */
#ifndef SI_AUDIT_H
#define SI_AUDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "security-inspector/document.h"
#include "security-inspector/evaluate.h"
#include "security-inspector/policy.h"
#include "security-inspector/workload.h"

struct si_audit_entry {
	struct si_workload workload;
	struct si_evaluation eval;
	const struct si_input *input;   /* borrowed from the audit */
	const cJSON *object;
	int line;
};

/* An object that is not inspected: unknown kind, or not an object. */
struct si_audit_skipped {
	const char *kind, *namespace, *name;   /* borrowed; "" when absent */
	const char *path;
	int line;
	char reason[128];
};

struct si_category_count {
	size_t passed, failed, whitelisted;
};

struct si_kind_count {
	const char *kind;
	size_t count;
};

struct si_audit_summary {
	size_t workloads, passed_workloads, failed_workloads;
	size_t items, passed, failed, whitelisted;
	size_t danger_failed, warning_failed;
	int score;
	enum si_health health;
	struct si_kind_count *by_kind;   /* in order of first appearance */
	size_t n_kinds;
	struct si_category_count by_category[SI_CAT_COUNT];
};

/* Which objects are inspected; NULL fields select everything. */
struct si_audit_filter {
	const char *namespace;   /* glob */
	const char *kind;        /* case-insensitive */
};

struct si_audit {
	const struct si_policy *policy;    /* borrowed */
	struct si_audit_filter filter;
	struct si_input **inputs;          /* owned */
	size_t n_inputs;
	struct si_audit_entry *entries;
	size_t n_entries;
	struct si_audit_skipped *skipped;
	size_t n_skipped;
	struct si_error *errors;           /* input errors, in order met */
	size_t n_errors;
	struct si_audit_summary summary;   /* valid after si_audit_finish() */
};

/* Starts an empty audit with `policy` (borrowed, must outlive it). */
void si_audit_init(struct si_audit *a, const struct si_policy *policy,
		   const struct si_audit_filter *filter);

/* Inspects every object of `in`, taking ownership of it. Objects that fail
 * to convert (wrong field types) are recorded as errors. Returns SI_OK or
 * SI_ERR_NOMEM. */
si_rc si_audit_add_input(struct si_audit *a, struct si_input *in);

/* Records an input error (copied). */
si_rc si_audit_add_error(struct si_audit *a, const struct si_error *err);

/* Computes the summary. */
si_rc si_audit_finish(struct si_audit *a);

/* Whether a failure at or above `min` (SI_SEVERITY_WARNING or
 * SI_SEVERITY_DANGER) was found. */
bool si_audit_failed_at(const struct si_audit *a, enum si_severity min);

/* Frees everything the audit owns. Accepts NULL. */
void si_audit_free(struct si_audit *a);

#endif
