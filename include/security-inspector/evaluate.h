/* SPDX-License-Identifier: Apache-2.0 */
/* Workload x policy -> results: the one place where verdicts are made. */
#ifndef SI_EVALUATE_H
#define SI_EVALUATE_H

#include <stdbool.h>
#include <stddef.h>

#include "security-inspector/checks.h"
#include "security-inspector/error.h"
#include "security-inspector/policy.h"
#include "security-inspector/workload.h"

enum si_result_status {
	SI_RESULT_PASSED,
	SI_RESULT_FAILED,
	SI_RESULT_WHITELISTED,
};

struct si_result {
	const struct si_item *item;
	const struct si_container *container;   /* NULL: pod or binding level */
	enum si_result_status status;
	enum si_severity severity;              /* as the policy sets it */
	char *message;    /* owned: subject, finding, fix (SI_EVAL_MESSAGES) */
	char *detail;     /* owned: the finding alone (SI_EVAL_MESSAGES) */
	const char *reason;                     /* whitelisted: borrowed */
	/* whitelisted by this policy entry (borrowed); NULL otherwise and
	 * for annotation exemptions */
	const struct si_whitelist_entry *entry;
	const char *fix;  /* borrowed: the item's fix for this workload (si_item_fix) */
};

/* The results of one workload, with counts. */
struct si_evaluation {
	struct si_result *results;
	size_t n_results;
	size_t passed, failed, whitelisted;
	size_t danger_failed, warning_failed;
};

/* si_evaluate() flag: write `message` and `detail` of every result. Without
 * it they are NULL, which spares the webhook two allocations per result. */
#define SI_EVAL_MESSAGES 1u

/* Runs every item the policy does not ignore on `w`, in table order, then
 * applies whitelist and exemptions. `eval` borrows from `w` and `p`, which
 * must outlive it. Caller frees with si_evaluation_clear(), also after a
 * failure. */
si_rc si_evaluate(const struct si_workload *w, const struct si_policy *p, unsigned flags,
		  struct si_evaluation *eval, struct si_error *err);

/* Accepts NULL. */
void si_evaluation_clear(struct si_evaluation *eval);

/* What the webhook answers, decided from an evaluation. */
struct si_decision {
	enum si_mode mode;        /* the mode applied */
	bool allowed;
	bool warn;                /* failures come back as warnings */
	bool deny_dangers;        /* allowed is false because of danger failures */
};

/* Decides per mode: enforce denies when a danger item failed (warning
 * failures come back as warnings); warn allows and warns of every failure;
 * audit allows silently; off allows and records nothing. With
 * `spec_unchanged` (an UPDATE that leaves the pod spec or RBAC subjects as
 * they were) enforce acts as warn: metadata edits on old workloads are never
 * denied. */
void si_decide(const struct si_evaluation *eval, enum si_mode mode, bool spec_unchanged,
	       struct si_decision *out);

enum si_health {
	SI_HEALTH_HEALTHY,
	SI_HEALTH_WARNING,
	SI_HEALTH_DANGER,
};

/* 100 * 2S / (2S + W + 2D) rounded to the nearest integer; 100 when there
 * is nothing to score. */
int si_score(size_t passed, size_t warning_failed, size_t danger_failed);

/* danger if any danger failure, else warning if any failure, else healthy. */
enum si_health si_health_of(size_t warning_failed, size_t danger_failed);
const char *si_health_name(enum si_health h);
const char *si_result_status_name(enum si_result_status s);

#endif
