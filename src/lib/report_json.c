// SPDX-License-Identifier: Apache-2.0
// Results -> the versioned JSON report (security-inspector.io/v1 AuditReport)
// and the item table as JSON.
#include <stdio.h>
#include <stdlib.h>

#include "report_internal.h"

/* Returns `o`, or deletes it and returns NULL when a member could not be
 * added: a report with a member missing is out of memory, not shorter. */
static cJSON *built(cJSON *o, bool ok)
{
	if (ok)
		return o;
	cJSON_Delete(o);
	return NULL;
}

static cJSON *summary_json(const struct si_audit_summary *s)
{
	cJSON *o = cJSON_CreateObject(), *kinds = NULL, *cats = NULL;
	bool ok = o && cJSON_AddNumberToObject(o, "workloads", (double)s->workloads) &&
		  cJSON_AddNumberToObject(o, "passedWorkloads", (double)s->passed_workloads) &&
		  cJSON_AddNumberToObject(o, "failedWorkloads", (double)s->failed_workloads) &&
		  cJSON_AddNumberToObject(o, "items", (double)s->items) &&
		  cJSON_AddNumberToObject(o, "passed", (double)s->passed) &&
		  cJSON_AddNumberToObject(o, "failed", (double)s->failed) &&
		  cJSON_AddNumberToObject(o, "whitelisted", (double)s->whitelisted) &&
		  cJSON_AddNumberToObject(o, "score", s->score) &&
		  cJSON_AddStringToObject(o, "health", si_health_name(s->health)) &&
		  (kinds = cJSON_AddObjectToObject(o, "byKind")) != NULL;
	for (size_t i = 0; ok && i < s->n_kinds; i++)
		ok = cJSON_AddNumberToObject(kinds, s->by_kind[i].kind,
					     (double)s->by_kind[i].count) != NULL;
	ok = ok && (cats = cJSON_AddObjectToObject(o, "byCategory")) != NULL;
	for (int c = 0; ok && c < SI_CAT_COUNT; c++) {
		cJSON *cat = cJSON_AddObjectToObject(cats, si_category_name((enum si_category)c));
		ok = cat && cJSON_AddNumberToObject(cat, "passed", (double)s->by_category[c].passed) &&
		     cJSON_AddNumberToObject(cat, "failed", (double)s->by_category[c].failed) &&
		     cJSON_AddNumberToObject(cat, "whitelisted",
					     (double)s->by_category[c].whitelisted);
	}
	return built(o, ok);
}

static cJSON *result_json(const struct si_result *r)
{
	cJSON *o = cJSON_CreateObject();
	bool ok = o && cJSON_AddStringToObject(o, "check", r->item->name) &&
		  cJSON_AddStringToObject(o, "category", si_category_name(r->item->category)) &&
		  cJSON_AddStringToObject(o, "severity", si_severity_name(r->severity)) &&
		  (r->container ? cJSON_AddStringToObject(o, "container", r->container->name) != NULL
				: cJSON_AddNullToObject(o, "container") != NULL) &&
		  cJSON_AddStringToObject(o, "status", si_result_status_name(r->status)) &&
		  cJSON_AddStringToObject(o, "message", r->message) &&
		  cJSON_AddStringToObject(o, "fix", r->fix) &&
		  (r->status != SI_RESULT_WHITELISTED ||
		   cJSON_AddStringToObject(o, "reason", r->reason) != NULL);
	return built(o, ok);
}

static cJSON *workload_json(const struct si_audit_entry *e, bool failed_only)
{
	const struct si_workload *w = &e->workload;
	char src[300];
	cJSON *o = cJSON_CreateObject(), *results = NULL;
	si_report_source(src, sizeof(src), e->path, e->line);
	bool ok = o && cJSON_AddStringToObject(o, "kind", w->kind) &&
		  cJSON_AddStringToObject(o, "namespace", w->namespace) &&
		  cJSON_AddStringToObject(o, "name", w->name) &&
		  cJSON_AddStringToObject(o, "source", src) &&
		  cJSON_AddNumberToObject(o, "passed", (double)e->eval.passed) &&
		  cJSON_AddNumberToObject(o, "failed", (double)e->eval.failed) &&
		  cJSON_AddNumberToObject(o, "whitelisted", (double)e->eval.whitelisted) &&
		  (results = cJSON_AddArrayToObject(o, "results")) != NULL;
	/* The controllers whose whitelist entries cover this workload. */
	cJSON *owners = NULL;
	if (ok && w->n_owners)
		ok = (owners = cJSON_AddArrayToObject(o, "owners")) != NULL;
	for (size_t i = 0; ok && i < w->n_owners; i++) {
		cJSON *ow = cJSON_CreateObject();
		ok = cJSON_AddItemToArray(owners, built(ow, ow &&
			cJSON_AddStringToObject(ow, "kind", w->owners[i].kind) &&
			cJSON_AddStringToObject(ow, "name", w->owners[i].name)));
	}
	for (size_t i = 0; ok && i < e->eval.n_results; i++)
		if (!failed_only || e->eval.results[i].status == SI_RESULT_FAILED)
			ok = cJSON_AddItemToArray(results, result_json(&e->eval.results[i]));
	return built(o, ok);
}

static si_rc print_json(cJSON *root, FILE *out, struct si_error *err)
{
	char *text = root ? cJSON_Print(root) : NULL;
	cJSON_Delete(root);
	if (!text)
		return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	int ok = fputs(text, out) >= 0 && fputc('\n', out) != EOF;
	cJSON_free(text);
	return ok ? SI_OK : si_error_set(err, SI_ERR_IO, NULL, 0, "cannot write the report");
}

static si_rc put_nested(FILE *out, const char *key, cJSON *v, int tabs, bool last)
{
	si_rc rc = si_report_put_json(out, key, v, tabs);
	fputs(last ? "\n" : ",\n", out);
	return rc;
}

static cJSON *skipped_json(const struct si_audit_skipped *s)
{
	char src[300];
	cJSON *o = cJSON_CreateObject();
	si_report_source(src, sizeof(src), s->path, s->line);
	return built(o, o && cJSON_AddStringToObject(o, "kind", s->kind) &&
			cJSON_AddStringToObject(o, "namespace", s->namespace) &&
			cJSON_AddStringToObject(o, "name", s->name) &&
			cJSON_AddStringToObject(o, "source", src) &&
			cJSON_AddStringToObject(o, "reason", s->reason));
}

static cJSON *error_json(const struct si_error *e)
{
	char src[300];
	cJSON *o = cJSON_CreateObject();
	si_report_source(src, sizeof(src), e->file, e->line);
	return built(o, o && cJSON_AddStringToObject(o, "source", src) &&
			cJSON_AddStringToObject(o, "message", e->message));
}

/* Writes the elements of a list of `n` records of `size` bytes as the
 * member `key`, with `more` of them not listed noted in `key`NotListed. */
static si_rc put_list(FILE *out, const char *key, const void *arr, size_t n, size_t size,
		      size_t more, cJSON *(*to_json)(const void *), bool last)
{
	si_rc rc = SI_OK;
	fprintf(out, n ? "\t\"%s\":\t[\n" : "\t\"%s\":\t[", key);
	for (size_t i = 0; !rc && i < n; i++)
		rc = put_nested(out, NULL, to_json((const char *)arr + i * size), 2, i + 1 == n);
	fputs(n ? "\t]" : "]", out);
	if (more)
		fprintf(out, ",\n\t\"%sNotListed\":\t%zu", key, more);
	fputs(last ? "\n" : ",\n", out);
	return rc;
}

static cJSON *skipped_elem(const void *p)
{
	return skipped_json(p);
}

static cJSON *error_elem(const void *p)
{
	return error_json(p);
}

static si_rc json_begin(struct si_report *r, struct si_error *err)
{
	fputs("{\n\t\"apiVersion\":\t\"security-inspector.io/v1\",\n"
	      "\t\"kind\":\t\"AuditReport\",\n\t\"workloads\":\t[", r->out);
	return SI_OK;
}

/* Workloads are written as they come: the separator goes before each. */
struct json_report {
	struct si_report base;
	size_t written;
};

static si_rc json_entry(struct si_report *r, const struct si_audit_entry *e,
			struct si_error *err)
{
	struct json_report *j = (struct json_report *)r;
	if (r->opt.failed_only && !e->eval.failed)
		return SI_OK;
	fputs(j->written++ ? ",\n" : "\n", r->out);
	if (si_report_put_json(r->out, NULL, workload_json(e, r->opt.failed_only), 2))
		return si_error_set(err, SI_ERR_NOMEM, e->path, e->line, "out of memory");
	return SI_OK;
}

static si_rc json_finish(struct si_report *r, const struct si_audit *a, struct si_error *err)
{
	struct json_report *j = (struct json_report *)r;
	FILE *out = r->out;
	si_rc rc;

	fputs(j->written ? "\n\t],\n" : "],\n", out);
	if ((rc = put_nested(out, "summary", summary_json(&a->summary), 1, false)) ||
	    (rc = put_list(out, "skipped", a->skipped, a->n_skipped_listed, sizeof(*a->skipped),
			   a->n_skipped - a->n_skipped_listed, skipped_elem, false)) ||
	    (rc = put_list(out, "errors", a->errors, a->n_errors_listed, sizeof(*a->errors),
			   a->n_errors - a->n_errors_listed, error_elem, true)))
		return si_error_set(err, rc, NULL, 0, "out of memory");
	fputs("}\n", out);
	return SI_OK;
}

const struct si_report_ops si_report_json_ops = {
	.size = sizeof(struct json_report),
	.begin = json_begin,
	.entry = json_entry,
	.finish = json_finish,
};

static const char *scope_name(enum si_scope s)
{
	switch (s) {
	case SI_SCOPE_POD: return "pod";
	case SI_SCOPE_SECURITY: return "container";
	case SI_SCOPE_RUNTIME: return "container";
	case SI_SCOPE_PROBE: return "container";
	case SI_SCOPE_BINDING: return "binding";
	}
	return "container";
}

/* Adds "psa": {"level", "control"} for an item that maps to a Pod Security
 * Standards control, else "psa": null. */
static bool psa_json(cJSON *o, const struct si_item *it)
{
	if (it->psa == SI_PSA_NONE)
		return cJSON_AddNullToObject(o, "psa") != NULL;
	cJSON *p = cJSON_AddObjectToObject(o, "psa");
	return p && cJSON_AddStringToObject(p, "level", si_psa_level_name(it->psa)) &&
	       cJSON_AddStringToObject(p, "control", it->control);
}

si_rc si_report_checks_json(FILE *out, struct si_error *err)
{
	cJSON *root = cJSON_CreateArray();
	bool ok = root != NULL;
	for (size_t i = 0; ok && i < SI_ITEM_COUNT; i++) {
		const struct si_item *it = &si_items[i];
		cJSON *o = cJSON_CreateObject();
		ok = cJSON_AddItemToArray(root, built(o, o &&
			cJSON_AddStringToObject(o, "id", it->name) &&
			cJSON_AddStringToObject(o, "category", si_category_name(it->category)) &&
			cJSON_AddStringToObject(o, "severity", si_severity_name(it->severity)) &&
			cJSON_AddStringToObject(o, "scope", scope_name(it->scope)) &&
			cJSON_AddStringToObject(o, "title", it->title) &&
			cJSON_AddStringToObject(o, "risk", it->risk) &&
			cJSON_AddStringToObject(o, "fix", it->fix) &&
			psa_json(o, it)));
	}
	return print_json(built(root, ok), out, err);
}
