// SPDX-License-Identifier: Apache-2.0
// Results -> one self-contained HTML page, written as the audit runs. The
// workloads go in blocks: a gzip stream of their records, written as base64
// inside a data block, then the index of the block as JSON. The page's
// script (report.js) builds a windowed table from the indexes and unpacks a
// block only when one of its workloads is opened. What needs the whole run
// (overview, charts, objects not inspected) is written last and placed at
// the top by the script. Every string from a manifest or a policy goes
// through put_esc() into the page, or buf_str() into the data.
//
// For each block of up to BLOCK_RECORDS workloads, in order:
//   <script type="application/octet-stream" class="si-block" data-block="B">
//   base64 lines of one gzip stream of records, each a JSON line and the
//   manifest's bytes:
//     [[[container, role], ...],
//      [[item, container, status, severity, finding, reason], ...],
//      [ownerKind, ownerName] | null,
//      [manifestFormat, manifestBytes, note]]\n<manifestBytes bytes>
//   </script>
//   <script type="application/json" class="si-index" data-block="B">
//   [[kind, namespace, name, source, passed, failed, whitelisted], ...]
//   </script>
// item, role, status, severity and manifestFormat are indexes into the
// tables of the summary block (id "si-summary"); container is an index into
// the record's containers, -1 for the pod or the binding; finding and reason
// are left out when empty, note when there is none. The owner is the
// controller that a whitelist entry names to accept the workload's results
// (see top_owner()).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gzip_base64.h"
#include "report_assets.h"
#include "report_internal.h"

/* Charts share one width in SVG units; the page scales them. */
#define CHART_W 560

/* Compression level of the data: zlib's default. */
#define DATA_LEVEL 6

/* Workloads per block: opening one unpacks its block, some 2 MiB of
 * manifests for 256 Deployments of three containers; a block's first
 * manifest, compressed without the ones before it, costs a few hundred
 * bytes more. */
#define BLOCK_RECORDS 256

/* The largest record head or block index: far above SI_MAX_CONTAINERS
 * containers with a result per item, or BLOCK_RECORDS index lines. */
#define BUF_MAX (64u << 20)

/* How a record's manifest is written: manifestFormat. */
enum manifest_format {
	MANIFEST_NONE,   /* not shown: the note says why */
	MANIFEST_YAML,
	MANIFEST_JSON,   /* when it cannot be written as YAML */
};

static const char *const manifest_formats[] = { "none", "yaml", "json" };

/* A growing byte buffer for one record or one block's index. Errors are
 * sticky: after one, nothing more is added. */
struct buf {
	char *p;
	size_t n, cap;
	si_rc rc;
};

struct html {
	struct si_report r;       /* first: the writer is handed this */
	struct si_gz64 *block;    /* the open block's records, or NULL */
	size_t in_block;          /* records in the open block */
	size_t blocks;            /* blocks closed */
	struct buf head;          /* the record being written */
	struct buf index;         /* the open block's index lines */
	size_t records;           /* written, in all blocks */
};

/* ---- the page ---- */

/* The one escaper of the page: element text and double-quoted attribute
 * values alike. */
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

/* From the doctype to the table's empty body: all that does not depend on
 * the results. The header's counts, the overview and the charts come last
 * and are moved into the slots by the script. */
static void page_start(FILE *out)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"referrer\" content=\"no-referrer\">\n"
	      "<title>Security audit report</title>\n<style>\n", out);
	fwrite(si_report_css, 1, si_report_css_len, out);
	fputs("</style>\n</head>\n<body>\n", out);
	fputs("<header class=\"top\"><div class=\"wrap\"><div>"
	      "<h1>Security audit report</h1>"
	      "<div class=\"sub\" id=\"slot-sub\">security-inspector</div>"
	      "</div><span id=\"slot-health\"></span></div></header>\n"
	      "<nav aria-label=\"Sections\"><div class=\"wrap\">"
	      "<a href=\"#overview\">Overview</a><a href=\"#categories\">Categories</a>"
	      "<a href=\"#workloads\">Workloads</a><a href=\"#details\">Details</a>"
	      "<a href=\"#items\">Items</a></div></nav>\n<main class=\"wrap\">\n"
	      "<div id=\"slot-overview\"></div>\n", out);
	fputs("<section id=\"workloads\" aria-labelledby=\"h-workloads\">"
	      "<h2 id=\"h-workloads\">Workloads</h2>\n"
	      "<noscript><p class=\"notice\">The workload table and the details need "
	      "JavaScript.</p></noscript>\n"
	      "<p class=\"notice\" id=\"wl-status\" role=\"status\">Loading the workloads&hellip;"
	      "</p>\n"
	      "<div class=\"filters\" role=\"search\">\n"
	      "<label>Status<select id=\"f-status\"><option value=\"\">All</option>"
	      "<option value=\"failed\">Failed</option><option value=\"passed\">Passed</option>"
	      "</select></label>\n<label>Namespace<select id=\"f-ns\">"
	      "<option value=\"\">All namespaces</option></select></label>\n"
	      "<label>Kind<select id=\"f-kind\"><option value=\"\">All kinds</option>"
	      "</select></label>\n<label class=\"grow\">Search<input id=\"f-text\" "
	      "type=\"search\" placeholder=\"Name, namespace, kind or file\" autocomplete=\"off\">"
	      "</label>\n<span id=\"f-count\" aria-live=\"polite\"></span>\n</div>\n", out);
	fputs("<div class=\"table-wrap\" id=\"wl-scroll\"><table id=\"wl-table\">\n"
	      "<colgroup><col class=\"c-status\"><col class=\"c-kind\"><col class=\"c-ns\">"
	      "<col class=\"c-name\"><col class=\"c-src\"><col class=\"c-num\">"
	      "<col class=\"c-num\"></colgroup>\n<thead><tr>"
	      "<th data-key=\"status\" aria-sort=\"none\"><button type=\"button\">Status</button></th>"
	      "<th data-key=\"kind\" aria-sort=\"none\"><button type=\"button\">Kind</button></th>"
	      "<th data-key=\"ns\" aria-sort=\"none\"><button type=\"button\">Namespace</button></th>"
	      "<th data-key=\"name\" aria-sort=\"none\"><button type=\"button\">Name</button></th>"
	      "<th data-key=\"source\" aria-sort=\"none\"><button type=\"button\">Source</button></th>"
	      "<th data-key=\"passed\" class=\"num\" aria-sort=\"none\"><button type=\"button\">"
	      "Passed</button></th>"
	      "<th data-key=\"failed\" class=\"num\" aria-sort=\"none\"><button type=\"button\">"
	      "Failed</button></th>"
	      "</tr></thead>\n<tbody id=\"wl-body\"></tbody></table>\n"
	      "<div id=\"wl-empty\" hidden></div></div>\n</section>\n", out);
	fputs("<section id=\"details\" aria-labelledby=\"h-details\">"
	      "<h2 id=\"h-details\">Details</h2>\n<p class=\"hint\">Open a workload by its name in "
	      "the table: every item per pod and container, with its risk and fix, the whitelist "
	      "entry that would accept each failure, and the workload's manifest.</p>\n"
	      "<div id=\"wl-details\"></div>\n</section>\n", out);
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

/* The header's counts and health, then the overview, each in an element
 * that the script moves into its slot (data-slot) at the top. */
static void overview(FILE *out, const struct si_audit *a, const struct si_report_options *o)
{
	const struct si_audit_summary *s = &a->summary;
	const char *h = si_health_name(s->health);
	char note[128];

	fprintf(out, "<div class=\"sub\" data-slot=\"slot-sub\">security-inspector &middot; %zu "
		"workload%s from %zu input%s</div>\n", s->workloads, s->workloads == 1 ? "" : "s",
		a->n_inputs, a->n_inputs == 1 ? "" : "s");
	fprintf(out, "<span class=\"health h-%s\" data-slot=\"slot-health\">%s</span>\n", h, h);
	fputs("<div data-slot=\"slot-overview\">\n<section id=\"overview\" "
	      "aria-labelledby=\"h-overview\"><h2 id=\"h-overview\">Overview</h2>\n", out);
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
static void categories(FILE *out, const struct si_audit_summary *s)
{
	char title[64], counts[160];

	fputs("<section id=\"categories\" aria-labelledby=\"h-categories\">"
	      "<h2 id=\"h-categories\">Categories</h2>\n<div class=\"grid2\">\n", out);
	for (int cat = 0; cat < SI_CAT_COUNT; cat++) {
		const struct si_category_count *cc = &s->by_category[cat];
		size_t n = 0, max = 0;
		for (size_t i = 0; i < SI_ITEM_COUNT; i++) {
			const struct si_category_count *c = &s->by_item[i];
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
			const struct si_category_count *c = &s->by_item[i];
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
	fputs("</div>\n</section>\n</div>\n", out);
}

/* "and N more" under a list cut at SI_AUDIT_MAX_LISTED. */
static void more_row(FILE *out, size_t listed, size_t total, const char *what)
{
	if (total > listed)
		fprintf(out, "<tr class=\"more\"><td colspan=\"3\">and %zu more %s%s, not listed"
			"</td></tr>\n", total - listed, what, total - listed == 1 ? "" : "s");
}

/* Objects the audit did not inspect, and input errors. */
static void not_inspected(FILE *out, const struct si_audit *a)
{
	char src[600];
	if (!a->n_skipped && !a->n_errors)
		return;
	fprintf(out, "<section id=\"not-inspected\" aria-labelledby=\"h-skipped\">"
		"<h2 id=\"h-skipped\">Not inspected</h2>\n<p class=\"hint\">%zu object%s skipped, "
		"%zu input error%s.</p>\n<div class=\"table-wrap static\">"
		"<table><thead><tr><th>Object</th><th>Source</th><th>Reason</th></tr></thead>"
		"<tbody>\n", a->n_skipped, a->n_skipped == 1 ? "" : "s", a->n_errors,
		a->n_errors == 1 ? "" : "s");
	for (size_t i = 0; i < a->n_skipped_listed; i++) {
		const struct si_audit_skipped *k = &a->skipped[i];
		si_report_source(src, sizeof(src), k->path, k->line);
		put_text(out, "<tr data-skipped><td>", k->kind[0] ? k->kind : "(no kind)", " ");
		if (k->namespace[0])
			put_text(out, "", k->namespace, " / ");
		put_text(out, "<b>", k->name, "</b></td>");
		put_text(out, "<td class=\"src\">", src, "</td>");
		put_text(out, "<td>", k->reason, "</td></tr>\n");
	}
	more_row(out, a->n_skipped_listed, a->n_skipped, "skipped object");
	for (size_t i = 0; i < a->n_errors_listed; i++) {
		const struct si_error *e = &a->errors[i];
		si_report_source(src, sizeof(src), e->file, e->line);
		put_text(out, "<tr data-error><td>input error</td><td class=\"src\">", src, "</td>");
		put_text(out, "<td>", e->message, "</td></tr>\n");
	}
	more_row(out, a->n_errors_listed, a->n_errors, "input error");
	fputs("</tbody></table></div>\n</section>\n", out);
}

/* The item table: the one copy of each item's title, risk and fix, which
 * the script copies into a workload's details. */
static void item_reference(FILE *out)
{
	fputs("<section id=\"items\" aria-labelledby=\"h-items\">"
	      "<h2 id=\"h-items\">Items</h2>\n<div class=\"table-wrap static\">"
	      "<table class=\"items\"><thead><tr><th>Item</th>"
	      "<th>Category</th><th>Default severity</th><th>Risk</th><th>Fix</th></tr></thead>"
	      "<tbody>\n", out);
	for (size_t i = 0; i < SI_ITEM_COUNT; i++) {
		const struct si_item *it = &si_items[i];
		fprintf(out, "<tr id=\"item-%s\" data-item=\"%s\"><td><b class=\"tt\">", it->name,
			it->name);
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

/* `names[n]` as a JSON array of strings (names of the code: no escaping). */
static void name_table(FILE *out, const char *key, const char *(*name)(int), int n)
{
	fprintf(out, "\"%s\": [", key);
	for (int i = 0; i < n; i++)
		fprintf(out, "%s\"%s\"", i ? ", " : "", name(i));
	fputs("]", out);
}

static const char *item_name(int i) { return si_items[i].name; }
static const char *status_name(int i) { return si_result_status_name((enum si_result_status)i); }
static const char *severity_name(int i) { return si_severity_name((enum si_severity)i); }
static const char *role_name(int i) { return si_container_role_name((enum si_container_role)i); }
static const char *format_name(int i) { return manifest_formats[i]; }

/* What the script needs to read the records: the tables their indexes
 * point into, and how many there are. No string in it comes from a
 * manifest. */
static void summary_block(FILE *out, const struct html *h)
{
	fprintf(out, "<script type=\"application/json\" id=\"si-summary\">\n"
		"{\"records\": %zu, \"failedOnly\": %s, \"masked\": %s,\n", h->records,
		h->r.opt.failed_only ? "true" : "false",
		h->r.opt.show_env_values ? "false" : "true");
	name_table(out, "items", item_name, SI_ITEM_COUNT);
	fputs(",\n", out);
	name_table(out, "statuses", status_name, SI_RESULT_WHITELISTED + 1);
	fputs(",\n", out);
	name_table(out, "severities", severity_name, SI_SEVERITY_DANGER + 1);
	fputs(",\n", out);
	name_table(out, "roles", role_name, SI_ROLE_EPHEMERAL + 1);
	fputs(",\n", out);
	name_table(out, "manifestFormats", format_name, MANIFEST_JSON + 1);
	fputs("}\n</script>\n", out);
}

/* ---- the records ---- */

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->rc)
		return;
	if (n > BUF_MAX - b->n) {
		b->rc = SI_ERR_LIMIT;
		return;
	}
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->rc = SI_ERR_NOMEM;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void buf_num(struct buf *b, const char *before, long long n)
{
	char text[48];
	snprintf(text, sizeof(text), "%s%lld", before, n);
	buf_puts(b, text);
}

/* `before`, then `s` as a JSON string that can stand inside a script
 * element ('<' escaped). Bytes that are not UTF-8 pass as they are: the
 * page's decoder reads them as U+FFFD. */
static void buf_str(struct buf *b, const char *before, const char *s)
{
	buf_puts(b, before);
	buf_add(b, "\"", 1);
	for (;;) {
		size_t n = 0;
		while ((unsigned char)s[n] >= 0x20 && s[n] != '"' && s[n] != '\\' && s[n] != '<')
			n++;
		buf_add(b, s, n);
		s += n;
		if (!*s)
			break;
		char esc[8];
		if (*s == '"' || *s == '\\')
			snprintf(esc, sizeof(esc), "\\%c", *s);
		else
			snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)(unsigned char)*s);
		buf_puts(b, esc);
		s++;
	}
	buf_add(b, "\"", 1);
}

static bool result_shown(const struct si_result *r, const struct si_report_options *o)
{
	return !o->failed_only || r->status == SI_RESULT_FAILED;
}

/* The controller that a whitelist entry names to accept `w`'s results: the
 * last of its owners, since workload.c lists the direct owners first and
 * then the controller above each (a ReplicaSet's Deployment, a Job's
 * CronJob); NULL for a workload without owners and for RBAC bindings, which
 * never inherit an owner's coverage (whitelist.c). */
static const struct si_owner *top_owner(const struct si_workload *w)
{
	if (w->class == SI_CLASS_BINDING || w->n_owners == 0)
		return NULL;
	return &w->owners[w->n_owners - 1];
}

/* The manifest as YAML; as JSON (also YAML) when it cannot be written so.
 * Env values are masked unless the options say to show them. `*text` is
 * NULL with a note in `note` when it is not shown; the caller frees *text
 * with free(). */
static si_rc manifest_text(const cJSON *obj, const struct si_report_options *o, char **text,
			   size_t *len, enum manifest_format *format, char *note, size_t size,
			   struct si_error *err)
{
	struct si_error yerr = { 0 };
	cJSON *masked = NULL;
	si_rc rc = SI_OK;

	*text = NULL;
	*len = 0;
	*format = MANIFEST_NONE;
	if (!o->show_env_values) {
		if ((rc = si_report_mask(obj, &masked, &yerr)) == SI_ERR_NOMEM)
			goto out;
		if (rc) {   /* too deep to mask: not shown rather than shown unmasked */
			snprintf(note, size, "%s", yerr.message);
			rc = SI_OK;
			goto out;
		}
		obj = masked;
	}
	rc = si_yaml_emit(obj, text, len, &yerr);
	if (rc == SI_OK) {
		*format = MANIFEST_YAML;
	} else if (rc != SI_ERR_NOMEM) {
		char *json = cJSON_Print(obj);
		rc = json && (*text = strdup(json)) ? SI_OK : SI_ERR_NOMEM;
		cJSON_free(json);
		*len = *text ? strlen(*text) : 0;
		*format = MANIFEST_JSON;
	}
out:
	cJSON_Delete(masked);
	if (rc == SI_ERR_NOMEM)
		return si_error_set(err, rc, NULL, 0, "out of memory");
	return SI_OK;
}

/* The record's line of the index: what the table shows. */
static void index_line(struct buf *b, const struct si_audit_entry *e, const char *src)
{
	const struct si_workload *w = &e->workload;
	buf_str(b, b->n ? ",\n[" : "[", w->kind);
	buf_str(b, ",", w->namespace);
	buf_str(b, ",", w->name);
	buf_str(b, ",", src);
	buf_num(b, ",", (long long)e->eval.passed);
	buf_num(b, ",", (long long)e->eval.failed);
	buf_num(b, ",", (long long)e->eval.whitelisted);
	buf_puts(b, "]");
}

/* The record's head in the block: containers, results, owner, manifest. */
static void record_head(struct buf *b, const struct si_audit_entry *e,
			const struct si_report_options *o, enum manifest_format format,
			size_t len, const char *note)
{
	const struct si_workload *w = &e->workload;
	const struct si_evaluation *ev = &e->eval;
	const struct si_owner *owner = top_owner(w);
	const char *sep = "[";

	buf_puts(b, "[[");
	for (size_t c = 0; c < w->n_containers; c++) {
		buf_str(b, c ? ",[" : "[", w->containers[c].name);
		buf_num(b, ",", w->containers[c].role);
		buf_puts(b, "]");
	}
	buf_puts(b, "],[");
	for (size_t i = 0; i < ev->n_results; i++) {
		const struct si_result *r = &ev->results[i];
		const char *finding = r->detail ? r->detail : "";
		if (!result_shown(r, o))
			continue;
		buf_num(b, sep, r->item->id);
		buf_num(b, ",", r->container ? (long long)(r->container - w->containers) : -1);
		buf_num(b, ",", r->status);
		buf_num(b, ",", r->severity);
		if (finding[0] || r->status == SI_RESULT_WHITELISTED)
			buf_str(b, ",", finding);
		if (r->status == SI_RESULT_WHITELISTED)
			buf_str(b, ",", r->reason ? r->reason : "");
		buf_puts(b, "]");
		sep = ",[";
	}
	buf_puts(b, "],");
	if (owner) {
		buf_str(b, "[", owner->kind);
		buf_str(b, ",", owner->name);
		buf_puts(b, "]");
	} else {
		buf_puts(b, "null");
	}
	buf_num(b, ",[", format);
	buf_num(b, ",", (long long)len);
	if (note[0])
		buf_str(b, ",", note);
	buf_puts(b, "]]\n");
}

/* ---- the writer ---- */

static si_rc write_error(struct si_error *err, si_rc rc)
{
	switch (rc) {
	case SI_ERR_NOMEM: return si_error_set(err, rc, NULL, 0, "out of memory");
	case SI_ERR_LIMIT: return si_error_set(err, rc, NULL, 0, "a workload's record is "
					       "over %u bytes", (unsigned)BUF_MAX);
	default: return si_error_set(err, rc, NULL, 0, "cannot write the report");
	}
}

/* Ends the open block: its gzip stream, then its index. */
static si_rc close_block(struct html *h, struct si_error *err)
{
	FILE *out = h->r.out;
	si_rc rc;

	if (!h->block)
		return SI_OK;
	rc = si_gz64_close(h->block, err);
	si_gz64_free(h->block);
	h->block = NULL;
	if (rc)
		return rc;
	fprintf(out, "</script>\n<script type=\"application/json\" class=\"si-index\" "
		"data-block=\"%zu\">[", h->blocks);
	fwrite(h->index.p, 1, h->index.n, out);
	fputs("]</script>\n", out);
	h->index.n = 0;
	h->blocks++;
	return SI_OK;
}

static si_rc open_block(struct html *h, struct si_error *err)
{
	fprintf(h->r.out, "<script type=\"application/octet-stream\" class=\"si-block\" "
		"data-block=\"%zu\">\n", h->blocks);
	h->in_block = 0;
	return si_gz64_open(h->r.out, DATA_LEVEL, &h->block, err);
}

/* The FILE's errors are checked by report.c after each call. */
static si_rc html_begin(struct si_report *r, struct si_error *err)
{
	page_start(r->out);
	return SI_OK;
}

static si_rc html_entry(struct si_report *r, const struct si_audit_entry *e,
			struct si_error *err)
{
	struct html *h = (struct html *)r;
	enum manifest_format format;
	char src[600], note[512] = "", *text = NULL;
	size_t len;
	si_rc rc;

	if (r->opt.failed_only && e->eval.failed == 0)
		return SI_OK;
	if ((rc = manifest_text(e->object, &r->opt, &text, &len, &format, note, sizeof(note), err)))
		return rc;
	if (!h->block && (rc = open_block(h, err)))
		goto out;
	si_report_source(src, sizeof(src), e->path, e->line);
	h->head.n = 0;
	record_head(&h->head, e, &r->opt, format, len, note);
	index_line(&h->index, e, src);
	if ((rc = h->head.rc ? h->head.rc : h->index.rc)) {
		rc = write_error(err, rc);
		goto out;
	}
	si_gz64_write(h->block, h->head.p, h->head.n);
	if ((rc = si_gz64_write(h->block, text, len))) {
		rc = write_error(err, rc);
		goto out;
	}
	h->records++;
	if (++h->in_block == BLOCK_RECORDS)
		rc = close_block(h, err);
out:
	free(text);
	return rc;
}

static si_rc html_finish(struct si_report *r, const struct si_audit *a, struct si_error *err)
{
	struct html *h = (struct html *)r;
	FILE *out = r->out;
	si_rc rc;

	if ((rc = close_block(h, err)))
		return rc;
	summary_block(out, h);
	fputs("<div id=\"late\">\n", out);
	overview(out, a, &r->opt);
	categories(out, &a->summary);
	fputs("</div>\n", out);
	if (!r->opt.failed_only)
		not_inspected(out, a);
	item_reference(out);
	fputs("</main>\n<footer class=\"wrap\">Audit report of security-inspector "
	      "(security-inspector.io/v1).</footer>\n<script>\n", out);
	fwrite(si_report_js, 1, si_report_js_len, out);
	fputs("</script>\n</body>\n</html>\n", out);
	return SI_OK;
}

static void html_free(struct si_report *r)
{
	struct html *h = (struct html *)r;
	si_gz64_free(h->block);
	free(h->head.p);
	free(h->index.p);
}

const struct si_report_ops si_report_html_ops = {
	.size = sizeof(struct html),
	.begin = html_begin,
	.entry = html_entry,
	.finish = html_finish,
	.free = html_free,
};
