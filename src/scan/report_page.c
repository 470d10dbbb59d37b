// SPDX-License-Identifier: Apache-2.0
// The served report pages: the query, the overview and a page of the
// workloads from the index, one workload from its slice of report.json,
// and the whitelist entries that accept its failures.
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "page_assets.h"
#include "report_page.h"
#include "security-inspector/checks.h"
#include "security-inspector/document.h"
#include "security-inspector/utf8.h"

/* --- text out ------------------------------------------------------------------------ */

/* `s` as HTML text or attribute value: the five markup characters as
 * entities, and a byte that is not well-formed UTF-8 as U+FFFD. */
static void esc(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);
	while (len) {
		size_t n = si_utf8_next(p, len, NULL);
		if (n == 0) {
			fputs("\xEF\xBF\xBD", out);
			p++, len--;
			continue;
		}
		switch (*p) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fwrite(p, 1, n, out);
		}
		p += n, len -= n;
	}
}

/* `s` as a value in a URL's query: every byte but the unreserved ones
 * percent-encoded, which leaves nothing to escape in an attribute. */
static void url_value(FILE *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == '_' || *p == '~')
			fputc(*p, out);
		else
			fprintf(out, "%%%02X", *p);
	}
}

/* `s` as a YAML double-quoted scalar: quote and backslash escaped, and
 * every character a YAML reader would not keep as it is (controls, the
 * Unicode line and paragraph separators, NEL, the BOM) written as \uXXXX;
 * with `html`, as the text of an element too. */
static void yaml_string(FILE *out, bool html, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);
	fputc('"', out);
	while (len) {
		uint32_t cp;
		size_t n = si_utf8_next(p, len, &cp);
		if (n == 0) {
			fputs("\\uFFFD", out);
			p++, len--;
			continue;
		}
		if (cp == '"' || cp == '\\')
			fprintf(out, "\\%c", (char)cp);
		else if (html && (cp == '&' || cp == '<' || cp == '>'))
			fputs(cp == '&' ? "&amp;" : cp == '<' ? "&lt;" : "&gt;", out);
		else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
			 cp == 0xFEFF)
			fprintf(out, "\\u%04X", (unsigned)cp);
		else
			fwrite(p, 1, n, out);
		p += n, len -= n;
	}
	fputc('"', out);
}

/* --- the query ----------------------------------------------------------------------- */

/* A decimal number from `min` to `max`, digits only. */
static bool parse_number(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (!*s || strlen(s) > 19)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool is_list(const char *path)
{
	return strcmp(path, "/report") == 0;
}

si_rc si_page_query_parse(const char *path, const char *const *query, struct si_page_query *q,
			  struct si_error *err)
{
	static const char *const list_names[] = { "namespace", "kind", "status", "text", "page",
						  "size" };
	bool list = is_list(path);
	const char *const *names = list ? list_names : (const char *const[]){ "id" };
	size_t n_names = list ? sizeof(list_names) / sizeof(list_names[0]) : 1;
	bool seen[sizeof(list_names) / sizeof(list_names[0])] = { false };
	bool has_id = false;
	uint64_t v;

	memset(q, 0, sizeof(*q));
	q->failed = -1;
	q->page = 1;
	q->size = SI_PAGE_DEFAULT_SIZE;
	for (size_t i = 0; query && query[i] && query[i + 1]; i += 2) {
		const char *name = query[i], *value = query[i + 1];
		size_t k = 0;
		while (k < n_names && strcmp(names[k], name) != 0)
			k++;
		if (k == n_names)
			return si_error_set(err, SI_ERR_USAGE, NULL, 0,
					    list ? "unknown query parameter \"%.64s\": %s takes namespace, "
						   "kind, status, text, page and size"
						 : "unknown query parameter \"%.64s\": %s takes id",
					    name, path);
		if (seen[k])
			return si_error_set(err, SI_ERR_USAGE, NULL, 0,
					    "the query parameter %s is given twice", name);
		seen[k] = true;
		if (strlen(value) > SI_PAGE_MAX_VALUE || !si_utf8_valid(value, strlen(value)))
			return si_error_set(err, SI_ERR_USAGE, NULL, 0,
					    "%s: expected UTF-8 text of at most %d bytes", name,
					    SI_PAGE_MAX_VALUE);
		if (!list) {
			if (!parse_number(value, 0, UINT64_MAX / 2, &q->id))
				return si_error_set(err, SI_ERR_USAGE, NULL, 0,
						    "id: expected a workload number (0, 1, ...)");
			has_id = true;
		} else if (strcmp(name, "namespace") == 0) {
			snprintf(q->namespace, sizeof(q->namespace), "%s", value);
		} else if (strcmp(name, "kind") == 0) {
			snprintf(q->kind, sizeof(q->kind), "%s", value);
		} else if (strcmp(name, "text") == 0) {
			snprintf(q->text, sizeof(q->text), "%s", value);
		} else if (strcmp(name, "status") == 0) {
			if (strcmp(value, "failed") == 0)
				q->failed = 1;
			else if (strcmp(value, "passed") == 0)
				q->failed = 0;
			else if (value[0])
				return si_error_set(err, SI_ERR_USAGE, NULL, 0,
						    "status: expected passed or failed");
		} else if (strcmp(name, "page") == 0) {
			if (!parse_number(value, 1, UINT64_MAX / 2, &q->page))
				return si_error_set(err, SI_ERR_USAGE, NULL, 0,
						    "page: expected a page number from 1");
		} else {
			if (!parse_number(value, 1, SI_PAGE_MAX_SIZE, &v))
				return si_error_set(err, SI_ERR_USAGE, NULL, 0,
						    "size: expected a number of workloads from 1 to %d",
						    SI_PAGE_MAX_SIZE);
			q->size = (unsigned)v;
		}
	}
	if (!list && !has_id)
		return si_error_set(err, SI_ERR_USAGE, NULL, 0,
				    "%s needs id, the number of a workload", path);
	return SI_OK;
}

/* --- the frame of a page ------------------------------------------------------------- */

static char csp[512];
static pthread_once_t csp_once = PTHREAD_ONCE_INIT;

static void make_csp(void)
{
	snprintf(csp, sizeof(csp),
		 "default-src 'none'; style-src 'sha256-%s'; script-src 'sha256-%s'; "
		 "img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
		 si_page_css_sha256, si_page_js_sha256);
}

const char *si_page_csp(void)
{
	pthread_once(&csp_once, make_csp);
	return csp;
}

static const char *health_name(const struct si_index_header *h)
{
	return si_health_name(h->summary.health);
}

/* The page up to its main content. `title` is escaped. */
static void page_start(FILE *out, const struct si_index_header *h, const char *home,
		       const char *title)
{
	char when[64] = "";
	time_t t = (time_t)h->finished_at;
	struct tm tm;

	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"referrer\" content=\"no-referrer\">\n<title>", out);
	esc(out, title);
	fputs(" - security-inspector</title>\n<style>", out);
	fwrite(si_page_css, 1, si_page_css_len, out);
	fprintf(out, "</style>\n</head>\n<body>\n<header class=\"top\"><div class=\"wrap\">"
		"<a href=\"%s\">Security report</a><span class=\"sub\">scan of %s, %.1f s%s</span>"
		"<span class=\"health h-%s\">%s</span></div></header>\n<main class=\"wrap\">\n",
		home, when, (double)h->duration_ms / 1000, h->complete ? "" : ", incomplete",
		health_name(h), health_name(h));
}

/* The end of a page; `script`: with the copy buttons' script. */
static void page_end(FILE *out, const char *up, bool script)
{
	fprintf(out, "</main>\n<footer class=\"wrap\">The whole report: <a href=\"%sreport.json\">"
		"report.json</a> &middot; <a href=\"%sreport.html\">report.html</a>, a page to "
		"keep (offline).</footer>\n", up, up);
	if (script) {
		fputs("<script>", out);
		fwrite(si_page_js, 1, si_page_js_len, out);
		fputs("</script>\n", out);
	}
	fputs("</body>\n</html>\n", out);
}

static si_rc finished(FILE *out, struct si_error *err)
{
	if (fflush(out) != 0 || ferror(out))
		return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	return SI_OK;
}

/* --- GET /report --------------------------------------------------------------------- */

static void overview(FILE *out, const struct si_index_header *h)
{
	const struct si_audit_summary *s = &h->summary;
	fprintf(out, "<section id=\"overview\"><h2>Overview</h2>\n<div class=\"cards\">"
		"<div class=\"card\"><div class=\"n\">%zu</div><div class=\"l\">workloads: "
		"%zu passed, %zu failed</div></div>"
		"<div class=\"card\"><div class=\"n\">%zu</div><div class=\"l\">results: "
		"%zu passed, %zu failed, %zu whitelisted</div></div>"
		"<div class=\"card\"><div class=\"n\">%zu</div><div class=\"l\">danger failures"
		"</div></div>"
		"<div class=\"card\"><div class=\"n\">%zu</div><div class=\"l\">warning failures"
		"</div></div>"
		"<div class=\"card\"><div class=\"n\">%d</div><div class=\"l\">score (of 100)"
		"</div></div></div>\n",
		s->workloads, s->passed_workloads, s->failed_workloads, s->items, s->passed,
		s->failed, s->whitelisted, s->danger_failed, s->warning_failed, s->score);
	if (!h->complete) {
		fprintf(out, "<p class=\"errors\">The scan is incomplete: it met %llu error%s. The "
			"first: ", (unsigned long long)h->errors, h->errors == 1 ? "" : "s");
		esc(out, h->first_error);
		fputs("</p>\n", out);
	}
	if (h->skipped)
		fprintf(out, "<p class=\"note\">%llu object%s of other kinds not inspected.</p>\n",
			(unsigned long long)h->skipped, h->skipped == 1 ? "" : "s");
	fputs("<h2>Workloads by kind</h2>\n<table><tr><th>Kind</th><th class=\"num\">Workloads"
	      "</th><th class=\"num\">Share</th></tr>\n", out);
	for (size_t i = 0; i < s->n_kinds && i < sizeof(s->by_kind) / sizeof(s->by_kind[0]); i++) {
		fputs("<tr><td>", out);
		esc(out, s->by_kind[i].kind);
		fprintf(out, "</td><td class=\"num\">%zu</td><td class=\"num\">%.1f %%</td></tr>\n",
			s->by_kind[i].count,
			s->workloads ? 100.0 * (double)s->by_kind[i].count / (double)s->workloads : 0);
	}
	fputs("</table>\n<h2>Results by category</h2>\n<table><tr><th>Category</th>"
	      "<th class=\"num\">Passed</th><th class=\"num\">Failed</th>"
	      "<th class=\"num\">Whitelisted</th></tr>\n", out);
	for (int c = 0; c < SI_CAT_COUNT; c++)
		fprintf(out, "<tr><td>%s</td><td class=\"num\">%zu</td><td class=\"num\">%zu</td>"
			"<td class=\"num\">%zu</td></tr>\n", si_category_name((enum si_category)c),
			s->by_category[c].passed, s->by_category[c].failed,
			s->by_category[c].whitelisted);
	fputs("</table>\n</section>\n", out);
}

/* `name=value&amp;` of a link, when `value` is not empty. */
static void link_param(FILE *out, const char *name, const char *value)
{
	if (!value[0])
		return;
	fprintf(out, "%s=", name);
	url_value(out, value);
	fputs("&amp;", out);
}

/* The link to page `page` of /report with the filters of `q`
 * (attribute-safe). */
static void list_link(FILE *out, const struct si_page_query *q, uint64_t page)
{
	fputs("report?", out);
	link_param(out, "namespace", q->namespace);
	link_param(out, "kind", q->kind);
	link_param(out, "status", q->failed < 0 ? "" : q->failed ? "failed" : "passed");
	link_param(out, "text", q->text);
	fprintf(out, "size=%u&amp;page=%llu", q->size, (unsigned long long)page);
}

static void option(FILE *out, const char *value, const char *label, bool selected)
{
	fputs("<option value=\"", out);
	esc(out, value);
	fprintf(out, "\"%s>", selected ? " selected" : "");
	esc(out, label);
	fputs("</option>", out);
}

static void filter_form(FILE *out, const struct si_index_header *h, const struct si_page_query *q)
{
	static const unsigned sizes[] = { 10, 25, 50, 100, 200, 500 };
	const struct si_audit_summary *s = &h->summary;
	bool known = !q->kind[0];
	char buf[16];

	fputs("<h2>Workloads</h2>\n<form class=\"filters\" method=\"get\" action=\"report\">"
	      "<label>Namespace<input name=\"namespace\" placeholder=\"prod or prod-*\" value=\"", out);
	esc(out, q->namespace);
	fputs("\"></label><label>Kind<select name=\"kind\">", out);
	option(out, "", "any", !q->kind[0]);
	for (size_t i = 0; i < s->n_kinds && i < sizeof(s->by_kind) / sizeof(s->by_kind[0]); i++) {
		bool sel = q->kind[0] && strcasecmp(q->kind, s->by_kind[i].kind) == 0;
		known = known || sel;
		option(out, s->by_kind[i].kind, s->by_kind[i].kind, sel);
	}
	if (!known)
		option(out, q->kind, q->kind, true);
	fputs("</select></label><label>Status<select name=\"status\">", out);
	option(out, "", "any", q->failed < 0);
	option(out, "failed", "failed", q->failed == 1);
	option(out, "passed", "passed", q->failed == 0);
	fputs("</select></label><label>Name contains<input name=\"text\" value=\"", out);
	esc(out, q->text);
	fputs("\"></label><label>Per page<select name=\"size\">", out);
	known = false;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(buf, sizeof(buf), "%u", sizes[i]);
		known = known || sizes[i] == q->size;
		option(out, buf, buf, sizes[i] == q->size);
	}
	if (!known) {
		snprintf(buf, sizeof(buf), "%u", q->size);
		option(out, buf, buf, true);
	}
	fputs("</select></label><button type=\"submit\">Show</button> "
	      "<a href=\"report\">Clear</a></form>\n", out);
}

/* What a walk of the index gathers for one page. */
struct gather {
	uint64_t matches, skip;
	unsigned size, n;
	struct si_index_record *rows;
	uint64_t *ids;
};

static si_rc gather_one(const struct si_index_record *r, uint64_t id, void *ctx)
{
	struct gather *g = ctx;
	if (g->matches++ >= g->skip && g->n < g->size) {
		g->rows[g->n] = *r;
		g->ids[g->n++] = id;
	}
	return SI_OK;
}

static void workload_rows(FILE *out, const struct gather *g)
{
	fputs("<table class=\"workloads\"><tr><th>Status</th><th>Kind</th><th>Namespace</th>"
	      "<th>Name</th><th class=\"num\">Danger</th><th class=\"num\">Warning</th>"
	      "<th class=\"num\">Whitelisted</th><th class=\"num\">Passed</th></tr>\n", out);
	for (unsigned i = 0; i < g->n; i++) {
		const struct si_index_record *r = &g->rows[i];
		fprintf(out, "<tr><td><span class=\"st st-%s\">%s</span></td><td>",
			r->failed ? "failed" : "passed", r->failed ? "failed" : "passed");
		esc(out, r->kind);
		fputs("</td><td>", out);
		esc(out, r->namespace);
		fprintf(out, "</td><td class=\"name\"><a href=\"report/workload?id=%llu\">",
			(unsigned long long)g->ids[i]);
		esc(out, r->name[0] ? r->name : "(no name)");
		fprintf(out, "</a></td><td class=\"num\">%u</td><td class=\"num\">%u</td>"
			"<td class=\"num\">%u</td><td class=\"num\">%u</td></tr>\n", r->danger,
			r->warning, r->whitelisted, r->passed);
	}
	fputs("</table>\n", out);
}

static void pager(FILE *out, const struct si_page_query *q, uint64_t last)
{
	uint64_t cur = q->page, from = cur > 3 ? cur - 3 : 1, to = cur + 3 < last ? cur + 3 : last;
	if (last <= 1)
		return;
	fputs("<nav class=\"pages\" aria-label=\"Pages\">", out);
	if (cur > 1) {
		fputs("<a href=\"", out);
		list_link(out, q, 1);
		fputs("\">&laquo; first</a><a rel=\"prev\" href=\"", out);
		list_link(out, q, cur - 1);
		fputs("\">&lsaquo; previous</a>", out);
	}
	for (uint64_t p = from; p <= to; p++) {
		if (p == cur) {
			fprintf(out, "<span class=\"cur\" aria-current=\"page\">%llu</span>",
				(unsigned long long)p);
			continue;
		}
		fputs("<a href=\"", out);
		list_link(out, q, p);
		fprintf(out, "\">%llu</a>", (unsigned long long)p);
	}
	if (cur < last) {
		fputs("<a rel=\"next\" href=\"", out);
		list_link(out, q, cur + 1);
		fputs("\">next &rsaquo;</a><a href=\"", out);
		list_link(out, q, last);
		fputs("\">last &raquo;</a>", out);
	}
	fputs("</nav>\n", out);
}

si_rc si_page_list(const struct si_report_files *f, const struct si_page_query *q, FILE *out,
		   struct si_error *err)
{
	const struct si_index_header *h = &f->header;
	struct si_index_filter filter = { q->namespace, q->kind, q->failed, q->text };
	struct gather g = { .size = q->size };
	si_rc rc;

	if (q->size == 0 || q->page - 1 > UINT64_MAX / 2 / q->size)
		return si_error_set(err, SI_ERR_INVALID, NULL, 0, "page %llu is past the last page",
				    (unsigned long long)q->page);
	g.skip = (q->page - 1) * q->size;
	g.rows = malloc(q->size * sizeof(*g.rows));
	g.ids = malloc(q->size * sizeof(*g.ids));
	if (!g.rows || !g.ids) {
		rc = si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
		goto out;
	}
	if ((rc = si_index_walk(f->index_fd, h->records, &filter, gather_one, &g, err)))
		goto out;
	uint64_t last = g.matches ? (g.matches + q->size - 1) / q->size : 1;
	if (q->page > last) {
		rc = si_error_set(err, SI_ERR_INVALID, NULL, 0,
				  "page %llu is past the last page, %llu (%llu workloads match)",
				  (unsigned long long)q->page, (unsigned long long)last,
				  (unsigned long long)g.matches);
		goto out;
	}
	page_start(out, h, "report", "Security report");
	overview(out, h);
	filter_form(out, h, q);
	if (g.matches)
		fprintf(out, "<p class=\"count\">Workloads %llu to %llu of %llu matching (%llu in "
			"all), page %llu of %llu.</p>\n", (unsigned long long)g.skip + 1,
			(unsigned long long)(g.skip + g.n), (unsigned long long)g.matches,
			(unsigned long long)h->records, (unsigned long long)q->page,
			(unsigned long long)last);
	else
		fprintf(out, "<p class=\"count\">No workload matches (%llu in all).</p>\n",
			(unsigned long long)h->records);
	if (g.n)
		workload_rows(out, &g);
	pager(out, q, last);
	page_end(out, "", false);
	rc = finished(out, err);
out:
	free(g.rows);
	free(g.ids);
	return rc;
}

/* --- GET /report/workload ------------------------------------------------------------ */

/* An item ID as YAML: plain when it is a name, as every ID is. */
static void yaml_check(FILE *out, bool html, const char *check)
{
	bool plain = check[0] != '\0';
	for (const char *c = check; *c && plain; c++)
		plain = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9');
	if (plain)
		fputs(check, out);
	else
		yaml_string(out, html, check);
}

/* The whitelist entry (see si_page_whitelist_yaml()); with `html`, as the
 * text of an element. */
static void yaml_entry(FILE *out, bool html, const char *kind, const char *namespace,
		       const char *name, const char *owner_kind, const char *owner_name,
		       const char *container, const char *const *checks, size_t n_checks)
{
	bool binding = strcmp(kind, "RoleBinding") == 0 || strcmp(kind, "ClusterRoleBinding") == 0;
	bool owned = !binding && owner_kind && owner_name;
	const char *lead = "- ";
	/* A cluster-scoped object has no namespace: the entry names none. */
	if (namespace[0]) {
		fputs("- namespaces: [", out);
		yaml_string(out, html, namespace);
		fputs("]\n", out);
		lead = "  ";
	}
	fprintf(out, "%skinds: [", lead);
	yaml_string(out, html, owned ? owner_kind : kind);
	fputs("]\n  names: [", out);
	yaml_string(out, html, owned ? owner_name : name);
	fputs("]\n", out);
	if (container) {
		fputs("  containers: [", out);
		yaml_string(out, html, container);
		fputs("]\n", out);
	}
	fputs("  checks: [", out);
	for (size_t i = 0; i < n_checks; i++) {
		if (i)
			fputs(", ", out);
		yaml_check(out, html, checks[i]);
	}
	fputs("]\n  reason: \"\"   # say why this is accepted\n", out);
}

void si_page_whitelist_yaml(FILE *out, const char *kind, const char *namespace,
			    const char *name, const char *owner_kind, const char *owner_name,
			    const char *container, const char *const *checks, size_t n_checks)
{
	yaml_entry(out, false, kind, namespace, name, owner_kind, owner_name, container, checks,
		   n_checks);
}

/* A string member of `o`, or `dflt`. */
static const char *member(const cJSON *o, const char *key, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : dflt;
}

static double number(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* The container of a result: NULL for a pod-level or binding result. */
static const char *container_of(const cJSON *r)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, "container");
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool same_container(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Reads the workload `r` from report.json into `*out`. */
static si_rc read_workload(const struct si_report_files *f, const struct si_index_record *r,
			   cJSON **out, struct si_error *err)
{
	struct si_limits lim = si_limits_default;
	char *buf = NULL;
	size_t got = 0;
	si_rc rc;

	*out = NULL;
	if (r->length == 0 || r->length > SI_INDEX_MAX_OBJECT)
		return si_error_set(err, SI_ERR_IO, NULL, 0, "the workload is not in report.json");
	if (!(buf = malloc(r->length)))
		return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	while (got < r->length) {
		ssize_t n = pread(f->json_fd, buf + got, r->length - got, (off_t)(r->offset + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	/* The writer put the separator of the list before the object. */
	size_t skip = 0;
	while (skip < got && (buf[skip] == ',' || buf[skip] == '\n' || buf[skip] == '\t' ||
			      buf[skip] == ' ' || buf[skip] == '\r'))
		skip++;
	lim.max_input_bytes = SI_INDEX_MAX_OBJECT;
	if (got < r->length)
		rc = si_error_set(err, SI_ERR_IO, NULL, 0, "cannot read report.json");
	else if ((rc = si_json_parse(buf + skip, got - skip, &lim, out, err)) == SI_OK &&
		 !cJSON_IsObject(*out))
		rc = si_error_set(err, SI_ERR_SYNTAX, NULL, 0, "report.json holds no workload there");
	free(buf);
	if (rc) {
		cJSON_Delete(*out);
		*out = NULL;
	}
	return rc;
}

/* One row of the results table. */
static void result_row(FILE *out, const cJSON *res)
{
	const char *status = member(res, "status", "");
	const char *container = container_of(res);
	fputs("<tr><td>", out);
	esc(out, container ? container : "(pod)");
	fputs("</td><td>", out);
	esc(out, member(res, "check", ""));
	fputs("</td><td>", out);
	esc(out, member(res, "category", ""));
	fputs("</td><td>", out);
	esc(out, member(res, "severity", ""));
	fputs("</td><td><span class=\"st st-", out);
	esc(out, status);
	fputs("\">", out);
	esc(out, status);
	fputs("</span></td><td>", out);
	esc(out, member(res, "message", ""));
	if (strcmp(status, "whitelisted") == 0) {
		fputs("<br>Whitelisted: ", out);
		esc(out, member(res, "reason", "")[0] ? member(res, "reason", "") : "(no reason given)");
	}
	fputs("</td><td>", out);
	esc(out, member(res, "fix", ""));
	fputs("</td></tr>\n", out);
}

/* The containers of a workload's results in the order they first appear;
 * NULL stands for its pod-level (or binding) results. */
struct containers {
	const char **list;
	size_t n;
};

static bool containers_of(const cJSON *results, struct containers *c)
{
	const cJSON *r;
	c->n = 0;
	if (!(c->list = malloc(((size_t)cJSON_GetArraySize(results) + 1) * sizeof(*c->list))))
		return false;
	cJSON_ArrayForEach(r, results) {
		const char *name = container_of(r);
		size_t i = 0;
		while (i < c->n && !same_container(c->list[i], name))
			i++;
		if (i == c->n)
			c->list[c->n++] = name;
	}
	return true;
}

/* The results, grouped by container (pod-level results as the container
 * "(pod)"). */
static void results_table(FILE *out, const cJSON *results, const struct containers *c)
{
	fputs("<table class=\"results\"><tr><th>Container</th><th>Check</th><th>Category</th>"
	      "<th>Severity</th><th>Status</th><th>Message</th><th>Fix</th></tr>\n", out);
	for (size_t i = 0; i < c->n; i++) {
		const cJSON *r;
		cJSON_ArrayForEach(r, results)
			if (same_container(container_of(r), c->list[i]))
				result_row(out, r);
	}
	fputs("</table>\n", out);
}

static bool is_failed(const cJSON *r)
{
	return strcmp(member(r, "status", ""), "failed") == 0;
}

/* What the entries of one workload name. */
struct names {
	const char *kind, *ns, *name, *owner_kind, *owner_name;
};

/* One entry for the failures of container `c`, every failed item listed;
 * nothing when it has none. */
static void container_entry(FILE *out, const struct names *n, const cJSON *results,
			    const char *c)
{
	const char *checks[SI_ITEM_COUNT];
	size_t k = 0;
	const cJSON *r;
	cJSON_ArrayForEach(r, results)
		if (k < SI_ITEM_COUNT && is_failed(r) && same_container(container_of(r), c))
			checks[k++] = member(r, "check", "");
	if (k)
		yaml_entry(out, true, n->kind, n->ns, n->name, n->owner_kind, n->owner_name, c,
			   checks, k);
}

/* A block of YAML with its copy button; the caller writes the text
 * between start and end. */
static void copy_block_start(FILE *out, const char *id)
{
	fprintf(out, "<div class=\"wl\"><pre id=\"wl-%s\"><code>", id);
}

static void copy_block_end(FILE *out, const char *id)
{
	fprintf(out, "</code></pre><button type=\"button\" data-copy=\"wl-%s\">Copy</button>"
		"</div>\n", id);
}

/* The whitelist entries of the failures of `w`: first one per container
 * for all of them at once when there are several, then one per failure,
 * each with a copy button. */
static void whitelist_entries(FILE *out, const cJSON *w, const cJSON *results,
			      const struct containers *c)
{
	const cJSON *owners = cJSON_GetObjectItemCaseSensitive(w, "owners");
	const cJSON *top = cJSON_IsArray(owners) ? cJSON_GetArrayItem(owners,
					cJSON_GetArraySize(owners) - 1) : NULL;
	struct names n = { member(w, "kind", ""), member(w, "namespace", ""), member(w, "name", ""),
			   top ? member(top, "kind", NULL) : NULL,
			   top ? member(top, "name", NULL) : NULL };
	bool binding = strcmp(n.kind, "RoleBinding") == 0 || strcmp(n.kind, "ClusterRoleBinding") == 0;
	size_t failed = 0;
	char id[32];
	const cJSON *r;

	cJSON_ArrayForEach(r, results)
		failed += is_failed(r);
	if (!failed)
		return;
	fputs("<section id=\"whitelist\"><h2>Whitelist entries</h2>\n<p>To accept a failure, add "
	      "its entry to the list <code>whitelist</code> of the policy and say why in its "
	      "<code>reason</code>.", out);
	if (n.owner_kind && n.owner_name && !binding) {
		fputs(" The entries name ", out);
		esc(out, n.owner_kind);
		fputc(' ', out);
		esc(out, n.owner_name);
		fputs(", the controller at the top of this workload's owners: an entry naming it "
		      "covers what it runs.", out);
	}
	fputs("</p>\n", out);
	if (failed > 1) {
		fprintf(out, "<h3>All %zu failures</h3>\n", failed);
		copy_block_start(out, "all");
		for (size_t i = 0; i < c->n; i++)
			container_entry(out, &n, results, c->list[i]);
		copy_block_end(out, "all");
	}
	size_t i = 0;
	cJSON_ArrayForEach(r, results) {
		if (!is_failed(r))
			continue;
		const char *in = container_of(r), *check = member(r, "check", "");
		fputs("<h3>", out);
		esc(out, check);
		if (in) {
			fputs(" (", out);
			esc(out, in);
			fputc(')', out);
		}
		fputs("</h3>\n", out);
		snprintf(id, sizeof(id), "%zu", i++);
		copy_block_start(out, id);
		yaml_entry(out, true, n.kind, n.ns, n.name, n.owner_kind, n.owner_name, in, &check, 1);
		copy_block_end(out, id);
	}
	fputs("</section>\n", out);
}

si_rc si_page_workload(const struct si_report_files *f, uint64_t id, FILE *out,
		       struct si_error *err)
{
	struct si_index_record rec;
	cJSON *w = NULL;
	char title[512];
	si_rc rc;

	if (id >= f->header.records)
		return si_error_set(err, SI_ERR_INVALID, NULL, 0,
				    "no workload %llu: the scan has %llu (0 to %llu)",
				    (unsigned long long)id, (unsigned long long)f->header.records,
				    (unsigned long long)f->header.records - 1);
	if ((rc = si_index_read_record(f->index_fd, id, &rec, err)) ||
	    (rc = read_workload(f, &rec, &w, err)))
		return rc;
	const char *kind = member(w, "kind", ""), *ns = member(w, "namespace", "");
	const char *name = member(w, "name", "");
	const cJSON *results = cJSON_GetObjectItemCaseSensitive(w, "results");
	const cJSON *owners = cJSON_GetObjectItemCaseSensitive(w, "owners");
	bool failed = number(w, "failed") > 0;
	struct containers c;

	if (!cJSON_IsArray(results))
		results = NULL;
	if (!containers_of(results, &c)) {
		cJSON_Delete(w);
		return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	}

	snprintf(title, sizeof(title), "%s %s%s%s", kind, ns, ns[0] ? "/" : "", name);
	page_start(out, &f->header, "../report", title);
	fprintf(out, "<p><a href=\"../report\">&larr; All workloads</a></p>\n<h1><span class=\"st "
		"st-%s\">%s</span> ", failed ? "failed" : "passed", failed ? "failed" : "passed");
	esc(out, title);
	fputs("</h1>\n<p class=\"note\">Source: ", out);
	esc(out, member(w, "source", ""));
	if (cJSON_GetArraySize(owners) > 0) {
		const cJSON *o;
		const char *sep = ". Owned by ";
		cJSON_ArrayForEach(o, owners) {
			fputs(sep, out);
			esc(out, member(o, "kind", ""));
			fputc(' ', out);
			esc(out, member(o, "name", ""));
			sep = ", ";
		}
	}
	fprintf(out, ".</p>\n<div class=\"cards\"><div class=\"card\"><div class=\"n\">%.0f</div>"
		"<div class=\"l\">passed</div></div><div class=\"card\"><div class=\"n\">%.0f</div>"
		"<div class=\"l\">failed</div></div><div class=\"card\"><div class=\"n\">%.0f</div>"
		"<div class=\"l\">whitelisted</div></div></div>\n<h2>Results</h2>\n",
		number(w, "passed"), number(w, "failed"), number(w, "whitelisted"));
	if (cJSON_GetArraySize(results) > 0)
		results_table(out, results, &c);
	else
		fputs("<p class=\"note\">No result: the policy ignores every item.</p>\n", out);
	whitelist_entries(out, w, results, &c);
	page_end(out, "../", true);
	free(c.list);
	cJSON_Delete(w);
	return finished(out, err);
}
