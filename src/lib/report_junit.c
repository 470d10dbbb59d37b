// SPDX-License-Identifier: Apache-2.0
// Results -> JUnit XML for CI test views: one test suite per workload, one
// test case per item and container, and a suite for the input errors.
#include <stdio.h>
#include <string.h>

#include "report_internal.h"
#include "security-inspector/utf8.h"

/* Writes `s` (from a manifest, a policy or an error, so anything) as XML 1.0
 * character data: in an attribute value (`attr`, double-quoted) or element
 * text. Markup characters become entities; tab, newline and CR become
 * character references where a parser would otherwise normalize them away.
 * What XML 1.0 cannot carry, or discourages, is dropped: control characters
 * other than tab, newline and CR (C0, DEL and C1), U+FFFE, U+FFFF and bytes
 * that are not UTF-8. The rest of the text is kept as it is. */
static void xml(FILE *out, const char *s, bool attr)
{
	const unsigned char *u = (const unsigned char *)(s ? s : "");
	size_t len = strlen((const char *)u);
	for (size_t i = 0, n; i < len; i += n ? n : 1) {
		uint32_t c = 0;
		n = si_utf8_next(u + i, len - i, &c);
		if (n == 0)
			continue;
		switch (c) {
		case '&': fputs("&amp;", out); continue;
		case '<': fputs("&lt;", out); continue;
		case '>': fputs("&gt;", out); continue;
		case '"': fputs("&quot;", out); continue;
		case '\'': fputs("&apos;", out); continue;
		case '\t': fputs(attr ? "&#9;" : "\t", out); continue;
		case '\n': fputs(attr ? "&#10;" : "\n", out); continue;
		case '\r': fputs("&#13;", out); continue;
		}
		if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0xfffe || c == 0xffff)
			continue;
		fwrite(u + i, 1, n, out);
	}
}

/* ` name="value"`, the value escaped. */
static void attr(FILE *out, const char *name, const char *value)
{
	fprintf(out, " %s=\"", name);
	xml(out, value, true);
	fputc('"', out);
}

/* ` name="Kind<sep>namespace/name"` of `w`; cluster-scoped objects have no
 * namespace part. Written piece by piece: names are never cut. */
static void attr_workload(FILE *out, const char *name, const struct si_workload *w, char sep)
{
	fprintf(out, " %s=\"", name);
	xml(out, w->kind, true);
	fputc(sep, out);
	if (w->namespace[0]) {
		xml(out, w->namespace, true);
		fputc('/', out);
	}
	xml(out, w->name, true);
	fputc('"', out);
}

static void attr_count(FILE *out, const char *name, size_t n)
{
	fprintf(out, " %s=\"%zu\"", name, n);
}

struct counts {
	size_t tests, failures, skipped;
};

static bool listed(const struct si_result *r, bool failed_only)
{
	return !failed_only || r->status == SI_RESULT_FAILED;
}

static struct counts entry_counts(const struct si_audit_entry *e, bool failed_only)
{
	struct counts c = { 0, 0, 0 };
	for (size_t i = 0; i < e->eval.n_results; i++) {
		const struct si_result *r = &e->eval.results[i];
		if (!listed(r, failed_only))
			continue;
		c.tests++;
		c.failures += r->status == SI_RESULT_FAILED;
		c.skipped += r->status == SI_RESULT_WHITELISTED;
	}
	return c;
}

static void test_case(FILE *out, const struct si_audit_entry *e, const struct si_result *r)
{
	int line = r->container ? si_audit_entry_line(e, r->container->spec) : e->line;

	fputs("    <testcase", out);
	attr_workload(out, "classname", &e->workload, '/');
	fprintf(out, " name=\"%s", r->item->name);
	if (r->container) {
		fputc(' ', out);
		xml(out, r->container->name, true);
	}
	fputc('"', out);
	attr(out, "file", e->path);
	if (line > 0)
		fprintf(out, " line=\"%d\"", line);
	switch (r->status) {
	case SI_RESULT_PASSED:
		fputs("/>\n", out);
		return;
	case SI_RESULT_FAILED:
		fputs(">\n      <failure", out);
		attr(out, "type", si_severity_name(r->severity));
		attr(out, "message", r->message ? r->message : r->item->title);
		fputc('>', out);
		xml(out, r->detail ? r->detail : r->item->title, false);
		fputs("\nFix: ", out);
		xml(out, r->item->fix, false);
		fputs("</failure>\n    </testcase>\n", out);
		return;
	case SI_RESULT_WHITELISTED:
		fputs(">\n      <skipped message=\"whitelisted: ", out);
		xml(out, r->reason, true);
		fputs("\"/>\n    </testcase>\n", out);
		return;
	}
}

static void test_suite(FILE *out, const struct si_audit_entry *e, bool failed_only)
{
	struct counts c = entry_counts(e, failed_only);

	fputs("  <testsuite", out);
	attr_workload(out, "name", &e->workload, ' ');
	attr_count(out, "tests", c.tests);
	attr_count(out, "failures", c.failures);
	attr_count(out, "errors", 0);
	attr_count(out, "skipped", c.skipped);
	attr(out, "file", e->path);
	if (!c.tests) {
		fputs("/>\n", out);
		return;
	}
	fputs(">\n", out);
	for (size_t i = 0; i < e->eval.n_results; i++)
		if (listed(&e->eval.results[i], failed_only))
			test_case(out, e, &e->eval.results[i]);
	fputs("  </testsuite>\n", out);
}

/* Each input error is a test case in error: the objects it names were not
 * inspected. */
static void input_errors(FILE *out, const struct si_audit *a)
{
	fputs("  <testsuite name=\"input errors\"", out);
	attr_count(out, "tests", a->n_errors_listed);
	attr_count(out, "failures", 0);
	attr_count(out, "errors", a->n_errors_listed);
	attr_count(out, "skipped", 0);
	fputs(">\n", out);
	for (size_t i = 0; i < a->n_errors_listed; i++) {
		const struct si_error *e = &a->errors[i];
		char where[1024];
		if (e->file[0] && e->line > 0)
			snprintf(where, sizeof(where), "%s:%d", e->file, e->line);
		else
			snprintf(where, sizeof(where), "%s", e->file[0] ? e->file : "input");
		fputs("    <testcase classname=\"input errors\"", out);
		attr(out, "name", where);
		if (e->file[0])
			attr(out, "file", e->file);
		if (e->line > 0)
			fprintf(out, " line=\"%d\"", e->line);
		fputs(">\n      <error", out);
		attr(out, "type", si_rc_name(e->code));
		attr(out, "message", e->message);
		fputc('>', out);
		xml(out, si_error_format(e, where, sizeof(where)), false);
		fputs("</error>\n    </testcase>\n", out);
	}
	fputs("  </testsuite>\n", out);
}

/* The totals of the root element are known at the end only: the root is
 * written with room for them, filled in when the output can seek (a file),
 * left without them otherwise (a pipe); consumers add up the suites. */
#define TOTALS_ROOM 100

struct junit_report {
	struct si_report base;
	struct counts total;
	long totals_at;    /* offset of the room; -1: cannot seek */
};

static si_rc junit_begin(struct si_report *r, struct si_error *err)
{
	struct junit_report *j = (struct junit_report *)r;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"security-inspector\"",
	      r->out);
	j->totals_at = ftell(r->out);
	fprintf(r->out, "%*s>\n", TOTALS_ROOM, "");
	return SI_OK;
}

static si_rc junit_entry(struct si_report *r, const struct si_audit_entry *e,
			 struct si_error *err)
{
	struct junit_report *j = (struct junit_report *)r;
	struct counts c = entry_counts(e, r->opt.failed_only);
	j->total.tests += c.tests;
	j->total.failures += c.failures;
	j->total.skipped += c.skipped;
	if (!r->opt.failed_only || e->eval.failed)
		test_suite(r->out, e, r->opt.failed_only);
	return SI_OK;
}

static si_rc junit_finish(struct si_report *r, const struct si_audit *a, struct si_error *err)
{
	struct junit_report *j = (struct junit_report *)r;
	FILE *out = r->out;
	if (a->n_errors)
		input_errors(out, a);
	fputs("</testsuites>\n", out);
	long end = ftell(out);
	if (j->totals_at >= 0 && end > j->totals_at && fflush(out) == 0 &&
	    fseek(out, j->totals_at, SEEK_SET) == 0) {
		attr_count(out, "tests", j->total.tests + a->n_errors_listed);
		attr_count(out, "failures", j->total.failures);
		attr_count(out, "errors", a->n_errors_listed);
		attr_count(out, "skipped", j->total.skipped);
		fseek(out, end, SEEK_SET);
	}
	return SI_OK;
}

const struct si_report_ops si_report_junit_ops = {
	.size = sizeof(struct junit_report),
	.begin = junit_begin,
	.entry = junit_entry,
	.finish = junit_finish,
};
