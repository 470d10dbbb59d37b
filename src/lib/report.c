// SPDX-License-Identifier: Apache-2.0
// Streaming reports: one state per report, the format's operations behind it.
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"
#include "security-inspector/utf8.h"

static const struct {
	const char *name;
	const struct si_report_ops *ops;
} formats[SI_REPORT_FORMAT_COUNT] = {
	[SI_REPORT_TEXT] = { "text", &si_report_text_ops },
	[SI_REPORT_JSON] = { "json", &si_report_json_ops },
	[SI_REPORT_HTML] = { "html", &si_report_html_ops },
	[SI_REPORT_SARIF] = { "sarif", &si_report_sarif_ops },
	[SI_REPORT_JUNIT] = { "junit", &si_report_junit_ops },
	[SI_REPORT_POLICYREPORT] = { "policyreport", &si_report_policyreport_ops },
};

bool si_report_format_parse(const char *name, enum si_report_format *f)
{
	for (int i = 0; i < SI_REPORT_FORMAT_COUNT; i++)
		if (strcmp(name, formats[i].name) == 0) {
			*f = (enum si_report_format)i;
			return true;
		}
	return false;
}

const char *si_report_format_name(enum si_report_format f)
{
	return (unsigned)f < SI_REPORT_FORMAT_COUNT ? formats[f].name : "?";
}

static si_rc write_failed(struct si_report *r, si_rc rc, struct si_error *err)
{
	if (!rc && ferror(r->out))
		return si_error_set(err, SI_ERR_IO, NULL, 0, "cannot write the report");
	return rc;
}

si_rc si_report_open(enum si_report_format f, const struct si_report_options *o, FILE *out,
		     struct si_report **r, struct si_error *err)
{
	*r = NULL;
	if ((unsigned)f >= SI_REPORT_FORMAT_COUNT)
		return si_error_set(err, SI_ERR_USAGE, NULL, 0, "unknown report format");
	const struct si_report_ops *ops = formats[f].ops;
	struct si_report *rep = calloc(1, ops->size);
	if (!rep)
		return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	rep->ops = ops;
	rep->opt = *o;
	rep->out = out;
	si_rc rc = ops->begin ? write_failed(rep, ops->begin(rep, err), err) : SI_OK;
	if (rc) {
		si_report_free(rep);
		return rc;
	}
	*r = rep;
	return SI_OK;
}

si_rc si_report_entry(struct si_report *r, const struct si_audit_entry *e,
		      struct si_error *err)
{
	si_rc rc = write_failed(r, r->ops->entry(r, e, err), err);
	r->entries++;
	return rc;
}

si_rc si_report_entry_fn(const struct si_audit_entry *e, void *ctx, struct si_error *err)
{
	return si_report_entry(ctx, e, err);
}

si_rc si_report_finish(struct si_report *r, const struct si_audit *a, struct si_error *err)
{
	si_rc rc = r->ops->finish(r, a, err);
	if (!rc && fflush(r->out) != 0)
		return si_error_set(err, SI_ERR_IO, NULL, 0, "cannot write the report");
	return write_failed(r, rc, err);
}

void si_report_free(struct si_report *r)
{
	if (!r)
		return;
	if (r->ops->free)
		r->ops->free(r);
	free(r);
}

si_rc si_report_put_json(FILE *out, const char *key, cJSON *v, int tabs)
{
	static const char indent[] = "\t\t\t\t\t\t\t\t";
	char *text = v ? cJSON_Print(v) : NULL;
	cJSON_Delete(v);
	if (!text)
		return SI_ERR_NOMEM;
	size_t n = tabs < 0 ? 0 : (size_t)tabs < sizeof(indent) - 1 ? (size_t)tabs
								   : sizeof(indent) - 1;
	fwrite(indent, 1, n, out);
	if (key)
		fprintf(out, "\"%s\":\t", key);
	/* Line by line, each continued line indented as the structure it is in. */
	for (const char *c = text, *nl; *c; c = nl + 1) {
		if (!(nl = strchr(c, '\n'))) {
			fputs(c, out);
			break;
		}
		fwrite(c, 1, (size_t)(nl - c) + 1, out);
		fwrite(indent, 1, n, out);
	}
	cJSON_free(text);
	return SI_OK;
}

cJSON *si_report_json_string(const char *s)
{
	const unsigned char *u = (const unsigned char *)(s ? s : "");
	size_t bad = 0, len = strlen((const char *)u);
	for (size_t i = 0, n; i < len; i += n ? n : 1)
		if ((n = si_utf8_next(u + i, len - i, NULL)) == 0)
			bad++;
	if (!bad)
		return cJSON_CreateString((const char *)u);
	char *clean = malloc(len + 2 * bad + 1), *o = clean;
	if (!clean)
		return NULL;
	for (size_t i = 0, n; i < len; i += n ? n : 1) {
		if ((n = si_utf8_next(u + i, len - i, NULL)) == 0) {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
		} else {
			memcpy(o, u + i, n);
			o += n;
		}
	}
	*o = '\0';
	cJSON *v = cJSON_CreateString(clean);
	free(clean);
	return v;
}
