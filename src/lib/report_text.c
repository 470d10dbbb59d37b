// SPDX-License-Identifier: Apache-2.0
// Results -> a report for terminals: one block per failing workload, its
// failures grouped by container with the fix, then a summary. Also the
// source of a result, which every report writer shares.
#include <stdio.h>
#include <string.h>

#include "report_internal.h"

struct style {
	const char *bold, *red, *yellow, *green, *dim, *off;
};

static const struct style plain = { "", "", "", "", "", "" };
static const struct style ansi = { "\033[1m", "\033[31m", "\033[33m", "\033[32m", "\033[2m",
				   "\033[0m" };

static const char *sev_color(const struct style *st, enum si_severity s)
{
	return s == SI_SEVERITY_DANGER ? st->red : st->yellow;
}

/* Prints the results of one subject (a container, or NULL for the pod or
 * binding) that `want` selects. */
static void subject_results(FILE *out, const struct style *st, const struct si_evaluation *ev,
			    const struct si_container *ct, enum si_result_status want)
{
	bool header = false;
	for (size_t i = 0; i < ev->n_results; i++) {
		const struct si_result *r = &ev->results[i];
		if (r->container != ct || r->status != want)
			continue;
		if (!header) {
			if (ct)
				fprintf(out, "  %s%s %s%s\n", st->bold,
					si_container_role_name(ct->role), ct->name, st->off);
			else
				fprintf(out, "  %s%s%s\n", st->bold,
					r->item->scope == SI_SCOPE_BINDING ? "binding" : "pod", st->off);
			header = true;
		}
		if (want == SI_RESULT_FAILED)
			fprintf(out, "    %s%-7s%s %s: %s\n            %sfix:%s %s\n",
				sev_color(st, r->severity), si_severity_name(r->severity), st->off,
				r->item->name, r->detail, st->dim, st->off, r->fix);
		else
			fprintf(out, "    %swhitelisted%s %s: %s\n", st->dim, st->off,
				r->item->name, r->reason);
	}
}

void si_report_source(char *buf, size_t size, const char *path, int line)
{
	if (line > 0)
		snprintf(buf, size, "%s:%d", path, line);
	else
		snprintf(buf, size, "%s", path);
}

static void workload_block(FILE *out, const struct style *st, const struct si_audit_entry *e,
			   bool failed_only)
{
	const struct si_workload *w = &e->workload;
	const struct si_evaluation *ev = &e->eval;
	char src[1100];
	si_report_source(src, sizeof(src), e->path, e->line);
	fprintf(out, "%s%s %s%s%s%s  %s(%s)%s  %s%zu danger%s, %s%zu warning%s\n",
		st->bold, w->kind, w->namespace, w->namespace[0] ? "/" : "", w->name, st->off,
		st->dim, src, st->off,
		st->red, ev->danger_failed, st->off, st->yellow, ev->warning_failed, st->off);
	subject_results(out, st, ev, NULL, SI_RESULT_FAILED);
	for (size_t c = 0; c < w->n_containers; c++)
		subject_results(out, st, ev, &w->containers[c], SI_RESULT_FAILED);
	if (!failed_only) {
		subject_results(out, st, ev, NULL, SI_RESULT_WHITELISTED);
		for (size_t c = 0; c < w->n_containers; c++)
			subject_results(out, st, ev, &w->containers[c], SI_RESULT_WHITELISTED);
	}
	fputc('\n', out);
}

static const struct style *style_of(const struct si_report *r)
{
	return r->opt.color ? &ansi : &plain;
}

static si_rc text_entry(struct si_report *r, const struct si_audit_entry *e,
			struct si_error *err)
{
	if (e->eval.failed)
		workload_block(r->out, style_of(r), e, r->opt.failed_only);
	return SI_OK;
}

static si_rc text_finish(struct si_report *r, const struct si_audit *a, struct si_error *err)
{
	const struct style *st = style_of(r);
	const struct si_audit_summary *s = &a->summary;
	FILE *out = r->out;

	if (!r->opt.failed_only && a->n_skipped) {
		fprintf(out, "%sSkipped %zu object%s not inspected:%s\n", st->dim, a->n_skipped,
			a->n_skipped == 1 ? "" : "s", st->off);
		for (size_t i = 0; i < a->n_skipped_listed; i++) {
			const struct si_audit_skipped *k = &a->skipped[i];
			char src[1100];
			si_report_source(src, sizeof(src), k->path, k->line);
			fprintf(out, "  %s %s%s%s (%s): %s\n", k->kind[0] ? k->kind : "-",
				k->namespace, k->namespace[0] ? "/" : "", k->name, src, k->reason);
		}
		if (a->n_skipped > a->n_skipped_listed)
			fprintf(out, "  ... and %zu more\n", a->n_skipped - a->n_skipped_listed);
		fputc('\n', out);
	}
	if (a->n_errors)   /* each one was reported on stderr as it was met */
		fprintf(out, "%s%zu input error%s: the objects they name were not inspected%s\n\n",
			st->red, a->n_errors, a->n_errors == 1 ? "" : "s", st->off);

	const char *hc = s->health == SI_HEALTH_DANGER ? st->red
		       : s->health == SI_HEALTH_WARNING ? st->yellow : st->green;
	fprintf(out, "%sSummary%s: %zu workload%s (%zu passed, %zu failed); "
		"%zu results: %zu passed, %zu failed (%zu danger, %zu warning), %zu whitelisted\n",
		st->bold, st->off, s->workloads, s->workloads == 1 ? "" : "s",
		s->passed_workloads, s->failed_workloads, s->items, s->passed, s->failed,
		s->danger_failed, s->warning_failed, s->whitelisted);
	for (int c = 0; c < SI_CAT_COUNT; c++)
		fprintf(out, "  %-22s %zu passed, %zu failed\n",
			si_category_name((enum si_category)c), s->by_category[c].passed,
			s->by_category[c].failed);
	fprintf(out, "%sScore%s: %d/100  %sHealth%s: %s%s%s\n", st->bold, st->off, s->score,
		st->bold, st->off, hc, si_health_name(s->health), st->off);
	return SI_OK;
}

const struct si_report_ops si_report_text_ops = {
	.size = sizeof(struct si_report),
	.entry = text_entry,
	.finish = text_finish,
};

si_rc si_report_checks_text(FILE *out, bool color)
{
	const struct style *st = color ? &ansi : &plain;
	for (size_t i = 0; i < SI_ITEM_COUNT; i++) {
		const struct si_item *it = &si_items[i];
		fprintf(out, "%s%-27s%s %-22s %s%-7s%s %s\n    risk: %s\n    fix:  %s\n",
			st->bold, it->name, st->off, si_category_name(it->category),
			sev_color(st, it->severity), si_severity_name(it->severity), st->off,
			it->title, it->risk, it->fix);
	}
	return ferror(out) ? SI_ERR_IO : SI_OK;
}
