// SPDX-License-Identifier: Apache-2.0
// Workload x policy -> results. The only place verdicts are made: the audit
// and the webhook both call si_evaluate().
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "security-inspector/evaluate.h"

static si_rc add_result(struct si_evaluation *ev, size_t *cap, const struct si_item *item,
			    const char *fix, const struct si_container *ct, enum si_severity sev,
			    enum si_result_status status, const char *message, const char *detail,
			    const char *reason, const struct si_whitelist_entry *entry,
			    struct si_error *err)
{
	if (ev->n_results == *cap) {
		size_t c = *cap ? *cap * 2 : 32;
		struct si_result *r = realloc(ev->results, c * sizeof(*r));
		if (!r)
			return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
		ev->results = r;
		*cap = c;
	}
	char *msg = message ? strdup(message) : NULL, *det = message ? strdup(detail) : NULL;
	if (message && (!msg || !det)) {
		free(msg);
		free(det);
		return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	}
	ev->results[ev->n_results++] = (struct si_result){
		item, ct, status, sev, msg, det, reason, entry, fix,
	};
	switch (status) {
	case SI_RESULT_PASSED:
		ev->passed++;
		break;
	case SI_RESULT_WHITELISTED:
		ev->whitelisted++;
		break;
	case SI_RESULT_FAILED:
		ev->failed++;
		if (sev == SI_SEVERITY_DANGER)
			ev->danger_failed++;
		else
			ev->warning_failed++;
		break;
	}
	return SI_OK;
}

/* Runs `item` on one subject (container or not) and records the result. */
static si_rc run_one(const struct si_workload *w, const struct si_policy *p,
		     const struct si_item *item, const struct si_container *ct,
		     enum si_severity sev, const bool exempt[SI_ITEM_COUNT], unsigned flags,
		     struct si_evaluation *ev, size_t *cap, struct si_error *err)
{
	struct si_check_ctx ctx = {
		w, ct, (const char *const *)p->allowed_caps.items, p->allowed_caps.n,
	};
	char detail[384], buf[640], subject[160];
	bool with_messages = flags & SI_EVAL_MESSAGES;
	char *message = with_messages ? buf : NULL;
	detail[0] = '\0';
	bool failed = item->fn(&ctx, detail, with_messages ? sizeof(detail) : 0);
	const char *fix = si_item_fix(item, w);

	if (with_messages) {
		if (ct)
			snprintf(subject, sizeof(subject), "%s \"%s\"",
				 si_container_role_name(ct->role), ct->name);
		else
			snprintf(subject, sizeof(subject), "%s",
				 w->class == SI_CLASS_BINDING ? w->kind : "pod spec:");
		if (failed)
			snprintf(buf, sizeof(buf), "%s %s; fix: %s", subject, detail, fix);
		else
			snprintf(buf, sizeof(buf), "%s %s", subject, detail);
	}
	if (!failed)
		return add_result(ev, cap, item, fix, ct, sev, SI_RESULT_PASSED, message, detail,
				  NULL, NULL, err);
	const struct si_whitelist_entry *e =
		si_policy_whitelisted(p, w, ct ? ct->name : NULL, item->id);
	if (e)
		return add_result(ev, cap, item, fix, ct, sev, SI_RESULT_WHITELISTED, message, detail,
				  e->reason[0] ? e->reason : "whitelisted by policy", e, err);
	if (exempt[item->id])
		return add_result(ev, cap, item, fix, ct, sev, SI_RESULT_WHITELISTED, message, detail,
				  "exempted by annotation " SI_EXEMPT_ANNOTATION, NULL, err);
	return add_result(ev, cap, item, fix, ct, sev, SI_RESULT_FAILED, message, detail, NULL,
			  NULL, err);
}

si_rc si_evaluate(const struct si_workload *w, const struct si_policy *p, unsigned flags,
		  struct si_evaluation *ev, struct si_error *err)
{
	bool exempt[SI_ITEM_COUNT];
	size_t cap = 0;
	si_rc rc = SI_OK;

	memset(ev, 0, sizeof(*ev));
	si_policy_exemptions(p, w, exempt);
	for (size_t i = 0; i < SI_ITEM_COUNT && rc == SI_OK; i++) {
		const struct si_item *item = &si_items[i];
		enum si_severity sev = si_policy_severity(p, w->namespace, item->id);
		if (sev == SI_SEVERITY_IGNORE)
			continue;
		if (item->scope == SI_SCOPE_POD || item->scope == SI_SCOPE_BINDING) {
			if (si_item_applies(item, w, SI_ROLE_CONTAINER))
				rc = run_one(w, p, item, NULL, sev, exempt, flags, ev, &cap, err);
			continue;
		}
		for (size_t c = 0; c < w->n_containers && rc == SI_OK; c++)
			if (si_item_applies(item, w, w->containers[c].role))
				rc = run_one(w, p, item, &w->containers[c], sev, exempt, flags,
					     ev, &cap, err);
	}
	return rc;
}

void si_evaluation_clear(struct si_evaluation *ev)
{
	if (!ev)
		return;
	for (size_t i = 0; i < ev->n_results; i++)
		free(ev->results[i].message), free(ev->results[i].detail);
	free(ev->results);
	memset(ev, 0, sizeof(*ev));
}

void si_decide(const struct si_evaluation *ev, enum si_mode mode, bool spec_unchanged,
	       struct si_decision *out)
{
	if (mode == SI_MODE_ENFORCE && spec_unchanged)
		mode = SI_MODE_WARN;
	out->mode = mode;
	out->deny_dangers = mode == SI_MODE_ENFORCE && ev->danger_failed > 0;
	out->allowed = !out->deny_dangers;
	out->warn = (mode == SI_MODE_ENFORCE || mode == SI_MODE_WARN) && ev->failed > 0;
}

int si_score(size_t passed, size_t warning_failed, size_t danger_failed)
{
	double s = (double)passed, w = (double)warning_failed, d = (double)danger_failed;
	if (s + w + d == 0)
		return 100;
	return (int)lround(100.0 * 2 * s / (2 * s + w + 2 * d));
}

enum si_health si_health_of(size_t warning_failed, size_t danger_failed)
{
	if (danger_failed)
		return SI_HEALTH_DANGER;
	return warning_failed ? SI_HEALTH_WARNING : SI_HEALTH_HEALTHY;
}

const char *si_health_name(enum si_health h)
{
	switch (h) {
	case SI_HEALTH_HEALTHY: return "healthy";
	case SI_HEALTH_WARNING: return "warning";
	case SI_HEALTH_DANGER: return "danger";
	}
	return "unknown";
}

const char *si_result_status_name(enum si_result_status s)
{
	switch (s) {
	case SI_RESULT_PASSED: return "passed";
	case SI_RESULT_FAILED: return "failed";
	case SI_RESULT_WHITELISTED: return "whitelisted";
	}
	return "unknown";
}
