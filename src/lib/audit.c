// SPDX-License-Identifier: Apache-2.0
// An audit run, streamed: every object of every input -> workload view ->
// evaluation -> the entry handler and the counts; nothing per workload kept.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "security-inspector/audit.h"
#include "security-inspector/glob.h"

void si_audit_init(struct si_audit *a, const struct si_policy *policy,
		   const struct si_audit_filter *filter)
{
	memset(a, 0, sizeof(*a));
	a->policy = policy;
	if (filter)
		a->filter = *filter;
}

/* Slot `n` of a list of at most SI_AUDIT_MAX_LISTED records of `size`
 * bytes, allocated whole on first use; NULL when the list is full or
 * memory is short (`*nomem` then set). */
static void *listed_slot(void **arr, size_t n, size_t size, bool *nomem)
{
	if (n >= SI_AUDIT_MAX_LISTED)
		return NULL;
	if (!*arr && !(*arr = calloc(SI_AUDIT_MAX_LISTED, size))) {
		*nomem = true;
		return NULL;
	}
	return (char *)*arr + n * size;
}

si_rc si_audit_add_error(struct si_audit *a, const struct si_error *err)
{
	bool nomem = false;
	struct si_error *e = listed_slot((void **)&a->errors, a->n_errors_listed,
					 sizeof(*e), &nomem);
	if (nomem)
		return SI_ERR_NOMEM;
	if (e) {
		*e = *err;
		a->n_errors_listed++;
	}
	a->n_errors++;
	if (a->on_error)
		a->on_error(err, a->ctx);
	return SI_OK;
}

static const char *meta_string(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(obj, "metadata"), key);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static bool selected(const struct si_audit *a, const char *kind, const char *ns)
{
	if (a->filter.kind && strcasecmp(a->filter.kind, kind) != 0)
		return false;
	return !a->filter.namespace || si_glob_match(a->filter.namespace, ns);
}

static si_rc add_skipped(struct si_audit *a, const struct si_input *in,
			 const struct si_object *o, const char *reason)
{
	bool nomem = false;
	struct si_audit_skipped *s = listed_slot((void **)&a->skipped, a->n_skipped_listed,
						 sizeof(*s), &nomem);
	if (nomem)
		return SI_ERR_NOMEM;
	a->n_skipped++;
	if (!s)
		return SI_OK;
	a->n_skipped_listed++;
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(o->json, "kind");
	snprintf(s->kind, sizeof(s->kind), "%s", cJSON_IsString(kind) ? kind->valuestring : "");
	snprintf(s->namespace, sizeof(s->namespace), "%s", meta_string(o->json, "namespace"));
	snprintf(s->name, sizeof(s->name), "%s", meta_string(o->json, "name"));
	snprintf(s->path, sizeof(s->path), "%s", si_object_path(in, o));
	s->line = si_object_line(in, o, NULL);
	snprintf(s->reason, sizeof(s->reason), "%s", reason);
	return SI_OK;
}

static void count_kind(struct si_audit_summary *s, const char *kind)
{
	size_t k = 0;
	size_t max = sizeof(s->by_kind) / sizeof(s->by_kind[0]);
	while (k < s->n_kinds && strcmp(s->by_kind[k].kind, kind) != 0)
		k++;
	if (k == s->n_kinds) {
		if (k == max)   /* inspected kinds are fewer: never met */
			return;
		snprintf(s->by_kind[k].kind, sizeof(s->by_kind[k].kind), "%s", kind);
		s->n_kinds++;
	}
	s->by_kind[k].count++;
}

static void count(struct si_audit_summary *s, const struct si_audit_entry *e)
{
	const struct si_evaluation *ev = &e->eval;
	s->workloads++;
	if (ev->failed)
		s->failed_workloads++;
	else
		s->passed_workloads++;
	s->items += ev->n_results;
	s->passed += ev->passed;
	s->failed += ev->failed;
	s->whitelisted += ev->whitelisted;
	s->danger_failed += ev->danger_failed;
	s->warning_failed += ev->warning_failed;
	for (size_t r = 0; r < ev->n_results; r++) {
		const struct si_result *res = &ev->results[r];
		struct si_category_count *c = &s->by_category[res->item->category];
		struct si_category_count *it = &s->by_item[res->item->id];
		switch (res->status) {
		case SI_RESULT_PASSED: c->passed++; it->passed++; break;
		case SI_RESULT_FAILED: c->failed++; it->failed++; break;
		case SI_RESULT_WHITELISTED: c->whitelisted++; it->whitelisted++; break;
		}
	}
	count_kind(s, e->workload.kind);
}

static si_rc inspect_object(struct si_audit *a, const struct si_input *in,
			    const struct si_object *o, struct si_error *err)
{
	struct si_audit_entry e = { .path = si_object_path(in, o), .object = o->json,
				    .input = in, .origin = o, .line = si_object_line(in, o, NULL) };
	struct si_error werr = { 0 };
	const cJSON *where = NULL;
	si_rc rc = si_workload_from_json(o->json, &e.workload, &where, &werr);

	if (rc == SI_ERR_INVALID) {
		/* Skipped objects are listed only when the filter selects them. */
		const char *ns = meta_string(o->json, "namespace");
		if (selected(a, e.workload.kind, ns[0] ? ns : "default"))
			rc = add_skipped(a, in, o, werr.message);
		else
			rc = SI_OK;
		goto out;
	}
	if (rc) {
		if (rc == SI_ERR_NOMEM)
			goto out;
		/* Wrong field types: an input error that names the object. */
		char msg[sizeof(werr.message)];
		snprintf(msg, sizeof(msg), "%s %s: %s", e.workload.kind, e.workload.name,
			 werr.message);
		si_error_set(&werr, rc, e.path, si_object_line(in, o, where), "%s", msg);
		rc = si_audit_add_error(a, &werr);
		goto out;
	}
	if (!selected(a, e.workload.kind, e.workload.namespace))
		goto out;
	if ((rc = si_evaluate(&e.workload, a->policy, SI_EVAL_MESSAGES, &e.eval, err)))
		goto out;
	e.index = a->summary.workloads;
	count(&a->summary, &e);
	if (a->on_entry)
		rc = a->on_entry(&e, a->ctx, err);
out:
	si_evaluation_clear(&e.eval);
	si_workload_clear(&e.workload);
	if (rc == SI_ERR_NOMEM && err && !err->code)
		si_error_set(err, rc, e.path, e.line, "out of memory");
	return rc;
}

int si_audit_entry_line(const struct si_audit_entry *e, const cJSON *node)
{
	return e->origin ? si_object_line(e->input, e->origin, node) : e->line;
}

si_rc si_audit_inspect(struct si_audit *a, const struct si_input *in, struct si_error *err)
{
	for (size_t i = 0; i < in->n_objects; i++) {
		si_rc rc = inspect_object(a, in, &in->objects[i], err);
		if (rc)
			return rc;
	}
	return SI_OK;
}

si_rc si_audit_finish(struct si_audit *a)
{
	struct si_audit_summary *s = &a->summary;
	s->score = si_score(s->passed, s->warning_failed, s->danger_failed);
	s->health = si_health_of(s->warning_failed, s->danger_failed);
	return SI_OK;
}

bool si_audit_failed_at(const struct si_audit *a, enum si_severity min)
{
	if (min == SI_SEVERITY_IGNORE)
		return false;
	if (min == SI_SEVERITY_DANGER)
		return a->summary.danger_failed > 0;
	return a->summary.failed > 0;
}

void si_audit_free(struct si_audit *a)
{
	if (!a)
		return;
	free(a->skipped);
	free(a->errors);
	memset(a, 0, sizeof(*a));
}
