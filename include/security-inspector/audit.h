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

/* Skipped objects and input errors listed by reports, at most: the rest are
 * counted. A stream of a million ConfigMaps costs no more than a thousand. */
#define SI_AUDIT_MAX_LISTED 1000

/* One inspected workload, handed to the entry handler while its object is
 * alive; nothing of it is kept by the audit after the call. */
struct si_audit_entry {
	struct si_workload workload;
	struct si_evaluation eval;
	const char *path;       /* where the object was written: the input's name
				 * ("<stdin>", "cluster/ns/Kind/name"), or the file
				 * the input names for it (si_object_path()) */
	const cJSON *object;    /* the object as read */
	const struct si_input *input;   /* the object's input */
	const struct si_object *origin; /* the object in `input`, for its lines */
	int line;               /* where the object starts in `path`; 0 when unknown */
	size_t index;           /* 0-based, in the order the workloads were met */
};

/* Line of `node`, a node of e->object, in e->path; e->line when the node's
 * own is not known, or the entry has no `origin`. */
int si_audit_entry_line(const struct si_audit_entry *e, const cJSON *node);

/* An object that is not inspected: unknown kind, or not an object. */
struct si_audit_skipped {
	char kind[64], namespace[64], name[254];   /* "" when absent */
	char path[512];
	int line;
	char reason[128];
};

struct si_category_count {
	size_t passed, failed, whitelisted;
};

struct si_kind_count {
	char kind[32];
	size_t count;
};

/* Counts over every workload inspected so far; complete after
 * si_audit_finish(). */
struct si_audit_summary {
	size_t workloads, passed_workloads, failed_workloads;
	size_t items, passed, failed, whitelisted;
	size_t danger_failed, warning_failed;
	int score;
	enum si_health health;
	struct si_kind_count by_kind[16];   /* in order of first appearance */
	size_t n_kinds;
	struct si_category_count by_category[SI_CAT_COUNT];
	struct si_category_count by_item[SI_ITEM_COUNT];
};

/* Which objects are inspected; NULL fields select everything. */
struct si_audit_filter {
	const char *namespace;   /* glob */
	const char *kind;        /* case-insensitive */
};

/* Called for every inspected workload, in order. A non-zero return stops
 * the input being read and is returned by si_audit_inspect(). */
typedef si_rc (*si_audit_entry_fn)(const struct si_audit_entry *e, void *ctx,
				   struct si_error *err);
/* Called for every input error as it is recorded. */
typedef void (*si_audit_error_fn)(const struct si_error *e, void *ctx);

/* A streaming audit run: objects are inspected one at a time, handed to
 * `on_entry` and forgotten; the audit keeps only counts, the first
 * SI_AUDIT_MAX_LISTED skipped objects and input errors, and their totals. */
struct si_audit {
	const struct si_policy *policy;    /* borrowed */
	struct si_audit_filter filter;
	si_audit_entry_fn on_entry;        /* may be NULL */
	si_audit_error_fn on_error;        /* may be NULL */
	void *ctx;                         /* for both */
	size_t n_inputs;                   /* files, stdin or clusters read */
	struct si_audit_skipped *skipped;  /* the first SI_AUDIT_MAX_LISTED */
	size_t n_skipped_listed, n_skipped;
	struct si_error *errors;           /* the first SI_AUDIT_MAX_LISTED */
	size_t n_errors_listed, n_errors;
	struct si_audit_summary summary;
};

/* Starts an empty audit with `policy` (borrowed, must outlive it). */
void si_audit_init(struct si_audit *a, const struct si_policy *policy,
		   const struct si_audit_filter *filter);

/* Inspects every object of `in` (borrowed; the caller frees it after the
 * call): each workload the filter selects is evaluated, counted and handed
 * to on_entry; other kinds are recorded as skipped; objects that fail to
 * convert (wrong field types) as input errors. Returns SI_OK, SI_ERR_NOMEM,
 * or what on_entry returned (with `err` set). */
si_rc si_audit_inspect(struct si_audit *a, const struct si_input *in, struct si_error *err);

/* Records an input error (copied) and tells on_error. */
si_rc si_audit_add_error(struct si_audit *a, const struct si_error *err);

/* Computes score and health. */
si_rc si_audit_finish(struct si_audit *a);

/* Whether a failure at or above `min` (SI_SEVERITY_WARNING or
 * SI_SEVERITY_DANGER) was found. */
bool si_audit_failed_at(const struct si_audit *a, enum si_severity min);

/* Frees everything the audit owns. Accepts NULL. */
void si_audit_free(struct si_audit *a);

#endif
