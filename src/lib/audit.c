// SPDX-License-Identifier: Apache-2.0
// An audit run: every object of every input -> workload view -> evaluation,
// then one summary for all reports.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "security-inspector/audit.h"
#include "security-inspector/glob.h"

/* Grows `*arr` (of `*n` elements of `size` bytes) by one zeroed element. */
static void *grow(void **arr, size_t *n, size_t size)
{
	char *a = realloc(*arr, (*n + 1) * size);
	if (!a)
		return NULL;
	*arr = a;
	memset(a + *n * size, 0, size);
	return a + (*n)++ * size;
}

void si_audit_init(struct si_audit *a, const struct si_policy *policy,
		   const struct si_audit_filter *filter)
{
	memset(a, 0, sizeof(*a));
	a->policy = policy;
	if (filter)
		a->filter = *filter;
}

si_rc si_audit_add_error(struct si_audit *a, const struct si_error *err)
{
	struct si_error *e = grow((void **)&a->errors, &a->n_errors, sizeof(*e));
	if (!e)
		return SI_ERR_NOMEM;
	*e = *err;
	return SI_OK;
}

static const char *meta_string(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(obj, "metadata"), key);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static bool selected(const struct si_audit *a, const struct si_workload *w)
{
	if (a->filter.kind && strcasecmp(a->filter.kind, w->kind) != 0)
		return false;
	return !a->filter.namespace || si_glob_match(a->filter.namespace, w->namespace);
}

static si_rc add_object(struct si_audit *a, const struct si_input *in,
			    const struct si_object *o)
{
	struct si_workload w;
	struct si_error err = { 0 };
	const cJSON *where = NULL;
	si_rc rc = si_workload_from_json(o->json, &w, &where, &err);

	if (rc == SI_ERR_INVALID) {
		/* Skipped objects are listed only when the filter selects them. */
		const char *ns = meta_string(o->json, "namespace");
		bool pick = (!a->filter.kind || strcasecmp(a->filter.kind, w.kind) == 0) &&
			    (!a->filter.namespace ||
			     si_glob_match(a->filter.namespace, ns[0] ? ns : "default"));
		si_workload_clear(&w);
		if (!pick)
			return SI_OK;
		struct si_audit_skipped *s = grow((void **)&a->skipped, &a->n_skipped,
						  sizeof(*s));
		if (!s)
			return SI_ERR_NOMEM;
		const cJSON *kind = cJSON_GetObjectItemCaseSensitive(o->json, "kind");
		*s = (struct si_audit_skipped){
			.kind = cJSON_IsString(kind) ? kind->valuestring : "",
			.namespace = meta_string(o->json, "namespace"),
			.name = meta_string(o->json, "name"),
			.path = in->path,
			.line = o->line,
		};
		snprintf(s->reason, sizeof(s->reason), "%s", err.message);
		return SI_OK;
	}
	if (rc) {
		si_workload_clear(&w);
		if (rc == SI_ERR_NOMEM)
			return rc;
		/* Wrong field types: an input error that names the object. */
		char msg[sizeof(err.message)];
		snprintf(msg, sizeof(msg), "%s %s: %s", w.kind, w.name, err.message);
		si_error_set(&err, rc, in->path, si_input_line(in, where, o->line), "%s", msg);
		return si_audit_add_error(a, &err);
	}
	if (!selected(a, &w)) {
		si_workload_clear(&w);
		return SI_OK;
	}
	struct si_audit_entry *e = grow((void **)&a->entries, &a->n_entries, sizeof(*e));
	if (!e) {
		si_workload_clear(&w);
		return SI_ERR_NOMEM;
	}
	e->workload = w;
	e->input = in;
	e->object = o->json;
	e->line = o->line;
	return si_evaluate(&e->workload, a->policy, SI_EVAL_MESSAGES, &e->eval, &err);
}

si_rc si_audit_add_input(struct si_audit *a, struct si_input *in)
{
	struct si_input **slot = grow((void **)&a->inputs, &a->n_inputs, sizeof(*slot));
	if (!slot) {
		si_input_free(in);
		return SI_ERR_NOMEM;
	}
	*slot = in;
	for (size_t i = 0; i < in->n_objects; i++) {
		si_rc rc = add_object(a, in, &in->objects[i]);
		if (rc)
			return rc;
	}
	return SI_OK;
}

si_rc si_audit_finish(struct si_audit *a)
{
	struct si_audit_summary *s = &a->summary;
	free(s->by_kind);
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < a->n_entries; i++) {
		const struct si_audit_entry *e = &a->entries[i];
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
			struct si_category_count *c = &s->by_category[ev->results[r].item->category];
			switch (ev->results[r].status) {
			case SI_RESULT_PASSED: c->passed++; break;
			case SI_RESULT_FAILED: c->failed++; break;
			case SI_RESULT_WHITELISTED: c->whitelisted++; break;
			}
		}
		size_t k = 0;
		while (k < s->n_kinds && strcmp(s->by_kind[k].kind, e->workload.kind) != 0)
			k++;
		if (k == s->n_kinds) {
			struct si_kind_count *kc = grow((void **)&s->by_kind, &s->n_kinds,
							sizeof(*kc));
			if (!kc)
				return SI_ERR_NOMEM;
			kc->kind = e->workload.kind;
		}
		s->by_kind[k].count++;
	}
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
	for (size_t i = 0; i < a->n_entries; i++) {
		si_evaluation_clear(&a->entries[i].eval);
		si_workload_clear(&a->entries[i].workload);
	}
	free(a->entries);
	for (size_t i = 0; i < a->n_inputs; i++)
		si_input_free(a->inputs[i]);
	free(a->inputs);
	free(a->skipped);
	free(a->errors);
	free(a->summary.by_kind);
	memset(a, 0, sizeof(*a));
}
