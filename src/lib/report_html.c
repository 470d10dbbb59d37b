// SPDX-License-Identifier: Apache-2.0
// Results -> one self-contained HTML page: overview, a chart per category, a
// filterable workload table and per-workload details with the manifest YAML,
// styled and scripted by report.css and report.js (report_assets.h). Every
// string from a manifest or a policy goes through put_esc().
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"
#include "report_assets.h"

/* Charts share one width in SVG units; the page scales them. */
#define CHART_W 560

/* The one escaper: element text and double-quoted attribute values alike. */
static void put_esc(FILE *out, const char *s)
{
	for (;;) {
		size_t n = strcspn(s, "&<>\"'");
		fwrite(s, 1, n, out);
		s += n;
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: return;   /* the terminating NUL */
		}
		s++;
	}
}

/* before, escaped `text`, after. */
static void put_text(FILE *out, const char *before, const char *text, const char *after)
{
	fputs(before, out);
	put_esc(out, text);
	fputs(after, out);
}

/* ` name="value"`, escaped. */
static void put_attr(FILE *out, const char *name, const char *value)
{
	fprintf(out, " %s=\"", name);
	put_esc(out, value);
	fputc('"', out);
}

static double percent(size_t part, size_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* "host-isolation" -> "Host isolation". */
static void category_title(enum si_category c, char *buf, size_t size)
{
	snprintf(buf, size, "%s", si_category_name(c));
	for (char *p = buf; *p; p++)
		if (*p == '-')
			*p = ' ';
	if (buf[0] >= 'a' && buf[0] <= 'z')
		buf[0] = (char)(buf[0] - 'a' + 'A');
}

static bool shown(const struct si_audit_entry *e, const struct si_report_options *o)
{
	return !o->failed_only || e->eval.failed > 0;
}

static bool result_shown(const struct si_result *r, const struct si_report_options *o)
{
	return !o->failed_only || r->status == SI_RESULT_FAILED;
}

static void page_head(FILE *out)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"referrer\" content=\"no-referrer\">\n"
	      "<title>Security audit report</title>\n<style>\n", out);
	fwrite(si_report_css, 1, si_report_css_len, out);
	fputs("</style>\n</head>\n<body>\n", out);
}

static void page_header(FILE *out, const struct si_audit *a)
{
	const struct si_audit_summary *s = &a->summary;
	const char *h = si_health_name(s->health);
	fprintf(out, "<header class=\"top\"><div class=\"wrap\"><div>"
		"<h1>Security audit report</h1>"
		"<div class=\"sub\">security-inspector &middot; %zu workload%s from %zu file%s</div>"
		"</div><span class=\"health h-%s\">%s</span></div></header>\n",
		s->workloads, s->workloads == 1 ? "" : "s", a->n_inputs,
		a->n_inputs == 1 ? "" : "s", h, h);
	fputs("<nav aria-label=\"Sections\"><div class=\"wrap\">"
	      "<a href=\"#overview\">Overview</a><a href=\"#categories\">Categories</a>"
	      "<a href=\"#workloads\">Workloads</a><a href=\"#details\">Details</a>"
	      "<a href=\"#items\">Items</a></div></nav>\n<main class=\"wrap\">\n", out);
}

static void kpi(FILE *out, const char *cls, const char *id, const char *label, size_t value,
		const char *note)
{
	fprintf(out, "<div class=\"card kpi %s\"><div class=\"label\">%s</div>"
		"<div class=\"value\" id=\"%s\">%zu</div><div class=\"note\">%s</div></div>\n",
		cls, label, id, value, note);
}

/* One horizontal bar per kind, with its count and share of the workloads. */
static void kind_chart(FILE *out, const struct si_audit_summary *s)
{
	const double x0 = 150, bar_w = 300;
	size_t max = 0;
	for (size_t i = 0; i < s->n_kinds; i++)
		if (s->by_kind[i].count > max)
			max = s->by_kind[i].count;
	fputs("<div class=\"card\"><h3>Workloads by kind</h3>", out);
	fprintf(out, "<div class=\"sub\">%zu kind%s</div>\n", s->n_kinds,
		s->n_kinds == 1 ? "" : "s");
	if (!s->n_kinds) {
		fputs("<p class=\"sub\">No workload was inspected.</p></div>\n", out);
		return;
	}
	fprintf(out, "<svg class=\"chart\" id=\"kind-chart\" viewBox=\"0 0 %d %zu\" role=\"img\" "
		"aria-label=\"Workloads by kind\">\n", CHART_W, s->n_kinds * 30);
	for (size_t i = 0; i < s->n_kinds; i++) {
		const struct si_kind_count *k = &s->by_kind[i];
		double w = max ? bar_w * (double)k->count / (double)max : 0;
		fputs("<g class=\"kind-row\"", out);
		put_attr(out, "data-kind", k->kind);
		fprintf(out, " data-count=\"%zu\" transform=\"translate(0 %zu)\">", k->count, i * 30);
		put_text(out, "<title>", k->kind, "</title>");
		put_text(out, "<text x=\"0\" y=\"17\">", k->kind, "</text>");
		fprintf(out, "<rect class=\"track\" x=\"%.0f\" y=\"6\" width=\"%.0f\" height=\"14\" "
			"rx=\"3\"/><rect class=\"c-kind\" x=\"%.0f\" y=\"6\" width=\"%.1f\" "
			"height=\"14\" rx=\"3\"/>", x0, bar_w, x0, w);
		fprintf(out, "<text class=\"val\" x=\"%d\" y=\"17\" text-anchor=\"end\">%zu "
			"&middot; %.1f%%</text></g>\n", CHART_W, k->count,
			percent(k->count, s->workloads));
	}
	fputs("</svg></div>\n", out);
}

/* A donut of all results: passed, danger and warning failures, whitelisted. */
static void results_donut(FILE *out, const struct si_audit_summary *s)
{
	const struct {
		const char *key, *label;
		size_t n;
	} parts[] = {
		{ "pass", "Passed", s->passed },
		{ "fail", "Failed, danger", s->danger_failed },
		{ "warn", "Failed, warning", s->warning_failed },
		{ "wl", "Whitelisted", s->whitelisted },
	};
	double at = 0;

	fprintf(out, "<div class=\"card\"><h3>Results</h3><div class=\"sub\">%zu item result%s "
		"across all workloads</div>\n<div class=\"donut\">", s->items,
		s->items == 1 ? "" : "s");
	fputs("<svg viewBox=\"0 0 140 140\" width=\"150\" height=\"150\" role=\"img\" "
	      "aria-label=\"Results by status\"><g transform=\"rotate(-90 70 70)\">"
	      "<circle class=\"track\" cx=\"70\" cy=\"70\" r=\"52\"/>", out);
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		double p = percent(parts[i].n, s->items);
		if (p > 0)
			fprintf(out, "<circle cx=\"70\" cy=\"70\" r=\"52\" pathLength=\"100\" "
				"class=\"d-%s\" stroke-dasharray=\"%.3f %.3f\" "
				"stroke-dashoffset=\"%.3f\"/>", parts[i].key, p, 100 - p, -at);
		at += p;
	}
	fprintf(out, "</g><text class=\"total\" x=\"70\" y=\"68\" text-anchor=\"middle\">%zu"
		"</text><text class=\"unit\" x=\"70\" y=\"86\" text-anchor=\"middle\">results"
		"</text></svg>\n<ul class=\"legend\">",
		s->items);
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		fprintf(out, "<li><span class=\"sw c-%s\"></span>%s<span class=\"n\">%zu "
			"&middot; %.1f%%</span></li>", parts[i].key, parts[i].label, parts[i].n,
			percent(parts[i].n, s->items));
	fputs("</ul></div></div>\n", out);
}

static void overview(FILE *out, const struct si_audit *a, const struct si_report_options *o)
{
	const struct si_audit_summary *s = &a->summary;
	const char *h = si_health_name(s->health);
	char note[128];

	fputs("<section id=\"overview\" aria-labelledby=\"h-overview\">"
	      "<h2 id=\"h-overview\">Overview</h2>\n", out);
	if (o->failed_only)
		fputs("<p class=\"notice\">Only failing workloads and their failed items are "
		      "listed; the overview and charts count every result.</p>\n", out);
	fputs("<div class=\"kpis\">\n", out);
	fprintf(out, "<div class=\"card kpi score\"><svg class=\"ring\" viewBox=\"0 0 120 120\" "
		"width=\"92\" height=\"92\" role=\"img\" aria-label=\"Score %d of 100\">"
		"<circle class=\"track\" cx=\"60\" cy=\"60\" r=\"50\"/>", s->score);
	if (s->score > 0)
		fprintf(out, "<circle class=\"arc s-%s\" cx=\"60\" cy=\"60\" r=\"50\" "
			"pathLength=\"100\" stroke-dasharray=\"%d 100\" "
			"transform=\"rotate(-90 60 60)\"/>", h, s->score);
	fprintf(out, "<text x=\"60\" y=\"71\" text-anchor=\"middle\">%d</text></svg>"
		"<div><div class=\"label\">Score</div><div class=\"value\"><span id=\"sum-score\">"
		"%d</span><span class=\"note\"> / 100</span></div>"
		"<span class=\"health h-%s\" id=\"sum-health\">%s</span></div></div>\n",
		s->score, s->score, h, h);
	snprintf(note, sizeof(note), "%zu passed &middot; %zu failed", s->passed_workloads,
		 s->failed_workloads);
	kpi(out, "workloads", "sum-workloads", "Workloads", s->workloads, note);
	kpi(out, "items", "sum-items", "Items inspected", s->items, "item &times; pod or container");
	snprintf(note, sizeof(note), "%.1f%% of the items", percent(s->passed, s->items));
	kpi(out, "passed", "sum-passed", "Passed", s->passed, note);
	snprintf(note, sizeof(note), "%zu danger &middot; %zu warning", s->danger_failed,
		 s->warning_failed);
	kpi(out, s->failed ? "failed" : "none", "sum-failed", "Failed", s->failed, note);
	kpi(out, "whitelisted", "sum-whitelisted", "Whitelisted", s->whitelisted,
	    "accepted by the policy");
	fputs("</div>\n<div class=\"grid2\">\n", out);
	kind_chart(out, s);
	results_donut(out, s);
	fputs("</div>\n</section>\n", out);
}

/* One chart per category: a bar per item, passed / failed / whitelisted,
 * scaled to the item with the most results. */
static void categories(FILE *out, const struct si_audit *a)
{
	const struct si_category_count *items = a->summary.by_item;
	char title[64], counts[160];

	fputs("<section id=\"categories\" aria-labelledby=\"h-categories\">"
	      "<h2 id=\"h-categories\">Categories</h2>\n<div class=\"grid2\">\n", out);
	for (int cat = 0; cat < SI_CAT_COUNT; cat++) {
		const struct si_category_count *cc = &a->summary.by_category[cat];
		size_t n = 0, max = 0;
		for (size_t i = 0; i < SI_ITEM_COUNT; i++) {
			const struct si_category_count *c = &items[i];
			if (si_items[i].category != (enum si_category)cat)
				continue;
			n++;
			if (c->passed + c->failed + c->whitelisted > max)
				max = c->passed + c->failed + c->whitelisted;
		}
		category_title((enum si_category)cat, title, sizeof(title));
		fprintf(out, "<div class=\"card category\" data-category=\"%s\"><h3>%s</h3>"
			"<div class=\"sub\">%zu passed &middot; %zu failed &middot; %zu whitelisted"
			"</div>\n", si_category_name((enum si_category)cat), title, cc->passed,
			cc->failed, cc->whitelisted);
		fprintf(out, "<svg class=\"chart\" viewBox=\"0 0 %d %zu\" role=\"img\" "
			"aria-label=\"%s: results per item\">\n", CHART_W, n * 40, title);
		size_t row = 0;
		for (size_t i = 0; i < SI_ITEM_COUNT; i++) {
			const struct si_item *it = &si_items[i];
			const struct si_category_count *c = &items[i];
			size_t total = c->passed + c->failed + c->whitelisted;
			if (it->category != (enum si_category)cat)
				continue;
			fprintf(out, "<g class=\"item-row\" data-item=\"%s\" data-passed=\"%zu\" "
				"data-failed=\"%zu\" data-whitelisted=\"%zu\" "
				"transform=\"translate(0 %zu)\">", it->name, c->passed, c->failed,
				c->whitelisted, row++ * 40);
			put_text(out, "<title>", it->title, "");
			put_text(out, " (", it->name, ")</title>");
			put_text(out, "<text x=\"0\" y=\"13\">", it->title, "</text>");
			if (!total)
				snprintf(counts, sizeof(counts), "not evaluated");
			else if (c->whitelisted)
				snprintf(counts, sizeof(counts), "%zu passed &middot; %zu failed "
					 "&middot; %zu whitelisted", c->passed, c->failed,
					 c->whitelisted);
			else
				snprintf(counts, sizeof(counts), "%zu passed &middot; %zu failed",
					 c->passed, c->failed);
			fprintf(out, "<text class=\"val\" x=\"%d\" y=\"13\" text-anchor=\"end\">%s"
				"</text>", CHART_W, counts);
			fprintf(out, "<rect class=\"track\" x=\"0\" y=\"19\" width=\"%d\" height=\"12\" "
				"rx=\"3\"/>", CHART_W);
			double x = 0;
			const size_t parts[] = { c->passed, c->failed, c->whitelisted };
			const char *cls[] = { "c-pass", "c-fail", "c-wl" };
			for (int p = 0; p < 3; p++) {
				double w = max ? (double)CHART_W * (double)parts[p] / (double)max : 0;
				if (w > 0)
					fprintf(out, "<rect class=\"%s\" x=\"%.1f\" y=\"19\" width=\"%.1f\" "
						"height=\"12\"/>", cls[p], x, w);
				x += w;
			}
			fputs("</g>\n", out);
		}
		fputs("</svg>\n<div class=\"legend inline\"><span><span class=\"sw c-pass\"></span> "
		      "passed</span><span><span class=\"sw c-fail\"></span> failed</span>"
		      "<span><span class=\"sw c-wl\"></span> whitelisted</span></div></div>\n", out);
	}
	fputs("</div>\n</section>\n", out);
}


/* The options of a select: the distinct values of one field of the shown
 * workloads, sorted. */
static void subject_rows(FILE *out, const struct si_audit_entry *e, const struct si_container *ct,
			 const struct si_report_options *o)
{
	const struct si_evaluation *ev = &e->eval;
	bool header = false;

	for (size_t i = 0; i < ev->n_results; i++) {
		const struct si_result *r = &ev->results[i];
		const char *st = si_result_status_name(r->status);
		if (r->container != ct || !result_shown(r, o))
			continue;
		if (!header) {
			fputs("<tr class=\"grp\"><th colspan=\"5\">", out);
			if (ct) {
				fprintf(out, "<span class=\"role\">%s</span>",
					si_container_role_name(ct->role));
				put_esc(out, ct->name[0] ? ct->name : "(unnamed)");
			} else {
				fputs(e->workload.class == SI_CLASS_BINDING ? "Binding" : "Pod", out);
			}
			fputs("</th></tr>\n", out);
			header = true;
		}
		fprintf(out, "<tr data-item=\"%s\" data-status=\"%s\"><td><span class=\"pill p-%s\">"
			"%s</span></td><td><b>", r->item->name, st, st, st);
		put_esc(out, r->item->title);
		fprintf(out, "</b> <code>%s</code>", r->item->name);
		if (r->detail && r->detail[0])
			put_text(out, "<div class=\"finding\">", r->detail, "</div>");
		if (r->status == SI_RESULT_WHITELISTED)
			put_text(out, "<div class=\"reason\">Whitelisted: ",
				 r->reason ? r->reason : "", "</div>");
		fprintf(out, "</td><td class=\"sev-%s\">%s</td><td class=\"rk\"></td>"
			"<td class=\"fx\"></td></tr>\n",
			si_severity_name(r->severity), si_severity_name(r->severity));
	}
}

/* The manifest as YAML; as JSON (also YAML) when it cannot be written so.
 * Env values are masked unless the options say to show them. */
static si_rc manifest(FILE *out, const cJSON *obj, const struct si_report_options *o,
		      struct si_error *err)
{
	struct si_error yerr = { 0 };
	cJSON *masked = NULL;
	char *text = NULL;
	size_t len;
	si_rc rc;

	if (!o->show_env_values) {
		if ((rc = si_report_mask(obj, &masked, &yerr)) == SI_ERR_NOMEM)
			return si_error_set(err, rc, NULL, 0, "out of memory");
		if (rc) {   /* too deep to mask: not shown rather than shown unmasked */
			put_text(out, "<p class=\"hint\">Manifest not shown: ", yerr.message,
				 ".</p>\n");
			return SI_OK;
		}
		obj = masked;
	}
	rc = si_yaml_emit(obj, &text, &len, &yerr);
	if (rc == SI_ERR_NOMEM) {
		cJSON_Delete(masked);
		return si_error_set(err, rc, NULL, 0, "out of memory");
	}
	if (rc && !(text = cJSON_Print(obj))) {
		cJSON_Delete(masked);
		return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	}
	fprintf(out, "<details class=\"yaml\"><summary>Manifest (%s%s)</summary><pre>",
		rc ? "JSON" : "YAML", masked ? ", env values masked" : "");
	put_esc(out, text);
	fputs("</pre></details>\n", out);
	if (rc)
		cJSON_free(text);
	else
		free(text);
	cJSON_Delete(masked);
	return SI_OK;
}

static si_rc workload_detail(FILE *out, const struct si_audit_entry *e,
			     const struct si_report_options *o, struct si_error *err)
{
	char src[300];
	si_rc rc;
	const struct si_workload *w = &e->workload;
	const char *st = e->eval.failed ? "failed" : "passed";
	size_t i = e->index;
	if (!shown(e, o))
		return SI_OK;
	si_report_source(src, sizeof(src), e->path, e->line);
	fprintf(out, "<details class=\"wl\" id=\"w-%zu\" data-i=\"%zu\"><summary>"
		"<span class=\"pill p-%s\">%s</span>", i, i, st, st);
	put_text(out, "<span class=\"kind\">", w->kind, "</span><span>");
	if (w->namespace[0])
		put_text(out, "", w->namespace, " / ");
	put_text(out, "<b>", w->name[0] ? w->name : "(unnamed)", "</b></span>");
	fprintf(out, "<span class=\"counts\">%zu passed &middot; %zu failed",
		e->eval.passed, e->eval.failed);
	if (e->eval.whitelisted)
		fprintf(out, " &middot; %zu whitelisted", e->eval.whitelisted);
	put_text(out, "</span><span class=\"src\">", src, "</span></summary>\n");
	fputs("<div class=\"wl-body\">\n", out);
	if (e->eval.n_results) {
		fputs("<table class=\"res\"><thead><tr><th>Status</th><th>Item</th>"
		      "<th>Severity</th><th>Risk</th><th>Fix</th></tr></thead><tbody>\n", out);
		subject_rows(out, e, NULL, o);
		for (size_t c = 0; c < w->n_containers; c++)
			subject_rows(out, e, &w->containers[c], o);
		fputs("</tbody></table>\n", out);
	} else {
		fputs("<p class=\"hint\">No item applies to this workload under the policy."
		      "</p>\n", out);
	}
	if ((rc = manifest(out, e->object, o, err)))
		return rc;
	fputs("</div></details>\n", out);
	return SI_OK;
}

/* Objects the audit did not inspect, and input errors. */
static void not_inspected(FILE *out, const struct si_audit *a)
{
	char src[300];
	if (!a->n_skipped && !a->n_errors)
		return;
	fputs("<h3 class=\"skipped\">Not inspected</h3>\n<div class=\"table-wrap\">"
	      "<table><thead><tr><th>Object</th><th>Source</th><th>Reason</th></tr></thead>"
	      "<tbody>\n", out);
	for (size_t i = 0; i < a->n_skipped_listed; i++) {
		const struct si_audit_skipped *k = &a->skipped[i];
		si_report_source(src, sizeof(src), k->path, k->line);
		put_text(out, "<tr><td>", k->kind[0] ? k->kind : "(no kind)", " ");
		if (k->namespace[0])
			put_text(out, "", k->namespace, " / ");
		put_text(out, "<b>", k->name, "</b></td>");
		put_text(out, "<td class=\"src\">", src, "</td>");
		put_text(out, "<td>", k->reason, "</td></tr>\n");
	}
	for (size_t i = 0; i < a->n_errors_listed; i++) {
		const struct si_error *e = &a->errors[i];
		si_report_source(src, sizeof(src), e->file, e->line);
		put_text(out, "<tr><td>input error</td><td class=\"src\">", src, "</td>");
		put_text(out, "<td>", e->message, "</td></tr>\n");
	}
	fputs("</tbody></table></div>\n", out);
}

/* The item table: the one copy of each item's risk and fix. */
static void item_reference(FILE *out)
{
	fputs("<section id=\"items\" aria-labelledby=\"h-items\">"
	      "<h2 id=\"h-items\">Items</h2>\n<div class=\"table-wrap static\">"
	      "<table class=\"items\"><thead><tr><th>Item</th>"
	      "<th>Category</th><th>Default severity</th><th>Risk</th><th>Fix</th></tr></thead>"
	      "<tbody>\n", out);
	for (size_t i = 0; i < SI_ITEM_COUNT; i++) {
		const struct si_item *it = &si_items[i];
		fprintf(out, "<tr id=\"item-%s\" data-item=\"%s\"><td><b>", it->name, it->name);
		put_esc(out, it->title);
		fprintf(out, "</b><br><code>%s</code></td><td>%s</td>"
			"<td><span class=\"pill p-%s\">%s</span></td>", it->name,
			si_category_name(it->category), si_severity_name(it->severity),
			si_severity_name(it->severity));
		put_text(out, "<td class=\"rk\">", it->risk, "</td>");
		put_text(out, "<td class=\"fx\">", it->fix, "</td></tr>\n");
	}
	fputs("</tbody></table></div>\n</section>\n", out);
}

static si_rc html_begin(struct si_report *r, struct si_error *err)
{
	page_head(r->out);
	fputs("<section id=\"details\" aria-labelledby=\"h-details\">"
	      "<h2 id=\"h-details\">Details</h2>\n<div id=\"wl-details\">\n", r->out);
	return SI_OK;
}

static si_rc html_entry(struct si_report *r, const struct si_audit_entry *e,
			struct si_error *err)
{
	return workload_detail(r->out, e, &r->opt, err);
}

static si_rc html_finish(struct si_report *r, const struct si_audit *a, struct si_error *err)
{
	FILE *out = r->out;
	fputs("</div>\n", out);
	page_header(out, a);
	overview(out, a, &r->opt);
	categories(out, a);
	if (!r->opt.failed_only)
		not_inspected(out, a);
	fputs("</section>\n", out);
	item_reference(out);
	fputs("</main>\n<footer class=\"wrap\">Audit report of security-inspector "
	      "(security-inspector.io/v1).</footer>\n<script>\n", out);
	fwrite(si_report_js, 1, si_report_js_len, out);
	fputs("</script>\n</body>\n</html>\n", out);
	return SI_OK;
}

const struct si_report_ops si_report_html_ops = {
	.size = sizeof(struct si_report),
	.begin = html_begin,
	.entry = html_entry,
	.finish = html_finish,
};
