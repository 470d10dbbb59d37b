// SPDX-License-Identifier: Apache-2.0
// Results -> SARIF 2.1.0: one rule per item, one result per failure (and per
// whitelisted finding, as a suppressed result) at the manifest's file and line.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"
#include "security-inspector/utf8.h"

#ifndef SI_VERSION
#define SI_VERSION "0.1.0"
#endif

/* Allocation failures are remembered here rather than checked at every
 * call: the tree is built whole, then thrown away if anything went missing. */
struct tree {
	bool nomem;
};

/* Adds `v` (taking ownership) to `parent` under `key`, or appends it when
 * `key` is NULL. Returns `v`, or NULL (with t->nomem set) when `v` or
 * `parent` is NULL or the addition fails. */
static cJSON *put(struct tree *t, cJSON *parent, const char *key, cJSON *v)
{
	bool ok = v && parent &&
		  (key ? cJSON_AddItemToObject(parent, key, v) : cJSON_AddItemToArray(parent, v));
	if (ok)
		return v;
	cJSON_Delete(v);
	t->nomem = true;
	return NULL;
}

static cJSON *string(const char *s)
{
	return si_report_json_string(s);
}

/* A SARIF message object: {"text": s}. */
static cJSON *message(struct tree *t, const char *s)
{
	cJSON *m = cJSON_CreateObject();
	put(t, m, "text", string(s));
	return m;
}

/* `prefix` then `s` with the characters that Markdown could read as markup
 * inside a line backslash-escaped. Caller frees. */
static char *markdown(const char *prefix, const char *s)
{
	size_t len = strlen(prefix) + 2 * strlen(s) + 1;
	char *buf = malloc(len), *o = buf;
	if (!buf)
		return NULL;
	o += snprintf(buf, len, "%s", prefix);
	for (; *s; s++) {
		if (strchr("\\`*_[]<>&~", *s))
			*o++ = '\\';
		*o++ = *s;
	}
	*o = '\0';
	return buf;
}

static const char *level(enum si_severity s)
{
	return s == SI_SEVERITY_DANGER ? "error" : "warning";
}

static cJSON *rule(struct tree *t, const struct si_item *it)
{
	cJSON *r = cJSON_CreateObject();
	char text[512];
	put(t, r, "id", string(it->name));
	put(t, r, "name", string(it->name));
	put(t, r, "shortDescription", message(t, it->title));
	put(t, r, "fullDescription", message(t, it->risk));
	cJSON *help = put(t, r, "help", cJSON_CreateObject());
	snprintf(text, sizeof(text), "Fix: %s", it->fix);
	put(t, help, "text", string(text));
	char *risk = markdown("**Risk:** ", it->risk), *fix = markdown("**Fix:** ", it->fix);
	if (risk && fix) {
		snprintf(text, sizeof(text), "%s\n\n%s", risk, fix);
		put(t, help, "markdown", string(text));
	} else {
		t->nomem = true;
	}
	free(risk);
	free(fix);
	cJSON *conf = put(t, r, "defaultConfiguration", cJSON_CreateObject());
	put(t, conf, "level", string(level(it->severity)));
	cJSON *props = put(t, r, "properties", cJSON_CreateObject());
	const char *cat = si_category_name(it->category);
	put(t, props, "category", string(cat));
	put(t, put(t, props, "tags", cJSON_CreateArray()), NULL, string(cat));
	return r;
}

/* `path` as a URI reference: "<stdin>" is "stdin", an absolute path a file:
 * URI, and every byte outside RFC 3986's path characters is percent-encoded
 * (spaces, '%', '#', '?', non-ASCII). A relative path whose first segment
 * holds a ':' gets "./" so that it does not read as a scheme. Caller frees. */
static char *path_uri(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *keep = "-._~!$&'()*+,;=:@/";
	if (strcmp(path, "<stdin>") == 0)
		path = "stdin";
	size_t len = strlen(path);
	char *uri = malloc(3 * len + sizeof("file://./")), *o = uri;
	if (!uri)
		return NULL;
	size_t seg = strcspn(path, "/");
	if (path[0] == '/')
		o += snprintf(o, 8, "file://");
	else if (memchr(path, ':', seg))
		o += snprintf(o, 3, "./");
	for (const unsigned char *c = (const unsigned char *)path; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || strchr(keep, *c)) {
			*o++ = (char)*c;
		} else {
			*o++ = '%';
			*o++ = hex[*c >> 4];
			*o++ = hex[*c & 15];
		}
	}
	*o = '\0';
	return uri;
}

/* A location: the artifact `path` and, when known (line > 0), the line. */
static cJSON *location(struct tree *t, const char *path, int line)
{
	cJSON *loc = cJSON_CreateObject();
	cJSON *phys = put(t, loc, "physicalLocation", cJSON_CreateObject());
	char *uri = path_uri(path);
	if (!uri)
		t->nomem = true;
	put(t, put(t, phys, "artifactLocation", cJSON_CreateObject()), "uri", string(uri));
	free(uri);
	if (line > 0)
		put(t, put(t, phys, "region", cJSON_CreateObject()), "startLine",
		    cJSON_CreateNumber(line));
	return loc;
}

/* "Kind/namespace/name[/container]"; cluster-scoped objects have no
 * namespace part. Caller frees. */
static char *qualified_name(const struct si_workload *w, const struct si_container *ct)
{
	size_t size = strlen(w->kind) + strlen(w->namespace) + strlen(w->name) +
		      (ct ? strlen(ct->name) : 0) + 4;
	char *buf = malloc(size);
	if (buf)
		snprintf(buf, size, "%s%s%s/%s%s%s", w->kind, w->namespace[0] ? "/" : "",
			 w->namespace, w->name, ct ? "/" : "", ct ? ct->name : "");
	return buf;
}

static cJSON *result(struct tree *t, const struct si_audit_entry *e, const struct si_result *r)
{
	const struct si_workload *w = &e->workload;
	cJSON *res = cJSON_CreateObject();
	char *fqn = qualified_name(w, r->container);

	put(t, res, "ruleId", string(r->item->name));
	put(t, res, "ruleIndex", cJSON_CreateNumber(r->item->id));
	put(t, res, "level", string(level(r->severity)));
	put(t, res, "message", message(t, r->message ? r->message : r->item->title));
	int line = r->container ? si_audit_entry_line(e, r->container->spec) : e->line;
	cJSON *loc = put(t, put(t, res, "locations", cJSON_CreateArray()), NULL,
			 location(t, e->path, line));
	cJSON *logical = put(t, put(t, loc, "logicalLocations", cJSON_CreateArray()), NULL,
			     cJSON_CreateObject());
	if (!fqn)
		t->nomem = true;
	put(t, logical, "fullyQualifiedName", string(fqn));
	free(fqn);
	put(t, logical, "kind", string("object"));
	if (r->status == SI_RESULT_WHITELISTED) {
		cJSON *s = put(t, put(t, res, "suppressions", cJSON_CreateArray()), NULL,
			       cJSON_CreateObject());
		put(t, s, "kind", string("external"));
		put(t, s, "justification", string(r->reason));
	}
	cJSON *props = put(t, res, "properties", cJSON_CreateObject());
	put(t, props, "kind", string(w->kind));
	put(t, props, "namespace", string(w->namespace));
	put(t, props, "name", string(w->name));
	put(t, props, "container", r->container ? string(r->container->name) : cJSON_CreateNull());
	return res;
}

/* An input error as a tool execution notification. */
static cJSON *notification(struct tree *t, const struct si_error *err)
{
	cJSON *n = cJSON_CreateObject();
	put(t, n, "level", string("error"));
	put(t, n, "message", message(t, err->message));
	if (err->file[0])
		put(t, put(t, n, "locations", cJSON_CreateArray()), NULL,
		    location(t, err->file, err->line));
	return n;
}

/* The log is written as it goes: the tool and its rules, each result as
 * its workload comes, then the invocation with the input errors. */
static si_rc sarif_begin(struct si_report *r, struct si_error *err)
{
	struct tree t = { false };
	cJSON *tool = cJSON_CreateObject();
	cJSON *driver = put(&t, tool, "driver", cJSON_CreateObject());
	put(&t, driver, "name", string("security-inspector"));
	put(&t, driver, "informationUri",
	    string("https://github.com/security-inspector/security-inspector"));
	put(&t, driver, "version", string(SI_VERSION));
	cJSON *rules = put(&t, driver, "rules", cJSON_CreateArray());
	for (size_t i = 0; i < SI_ITEM_COUNT; i++)
		put(&t, rules, NULL, rule(&t, &si_items[i]));
	if (t.nomem || !tool) {
		cJSON_Delete(tool);
		return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	}
	fputs("{\n\t\"$schema\":\t\"https://json.schemastore.org/sarif-2.1.0.json\",\n"
	      "\t\"version\":\t\"2.1.0\",\n\t\"runs\":\t[{\n", r->out);
	si_rc rc = si_report_put_json(r->out, "tool", tool, 2);
	if (rc)
		return si_error_set(err, rc, NULL, 0, "out of memory");
	fputs(",\n\t\t\"results\":\t[", r->out);
	return SI_OK;
}

struct sarif_report {
	struct si_report base;
	size_t written;
};

static si_rc sarif_entry(struct si_report *r, const struct si_audit_entry *e,
			 struct si_error *err)
{
	struct sarif_report *sr = (struct sarif_report *)r;
	for (size_t j = 0; j < e->eval.n_results; j++) {
		const struct si_result *res = &e->eval.results[j];
		if (res->status != SI_RESULT_FAILED &&
		    (res->status != SI_RESULT_WHITELISTED || r->opt.failed_only))
			continue;
		struct tree t = { false };
		cJSON *v = result(&t, e, res);
		if (t.nomem || !v) {
			cJSON_Delete(v);
			return si_error_set(err, SI_ERR_NOMEM, e->path, e->line, "out of memory");
		}
		fputs(sr->written++ ? ",\n" : "\n", r->out);
		si_rc rc = si_report_put_json(r->out, NULL, v, 3);
		if (rc)
			return si_error_set(err, rc, e->path, e->line, "out of memory");
	}
	return SI_OK;
}

static si_rc sarif_finish(struct si_report *r, const struct si_audit *a, struct si_error *err)
{
	struct sarif_report *sr = (struct sarif_report *)r;
	struct tree t = { false };
	/* Input errors do not stop the run: the tool completed, and says what
	 * it could not read. */
	cJSON *inv = cJSON_CreateArray();
	cJSON *i0 = put(&t, inv, NULL, cJSON_CreateObject());
	put(&t, i0, "executionSuccessful", cJSON_CreateTrue());
	if (a->n_errors) {
		cJSON *notes = put(&t, i0, "toolExecutionNotifications", cJSON_CreateArray());
		for (size_t i = 0; i < a->n_errors_listed; i++)
			put(&t, notes, NULL, notification(&t, &a->errors[i]));
	}
	if (t.nomem || !inv) {
		cJSON_Delete(inv);
		return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	}
	fputs(sr->written ? "\n\t\t],\n" : "],\n", r->out);
	si_rc rc = si_report_put_json(r->out, "invocations", inv, 2);
	if (rc)
		return si_error_set(err, rc, NULL, 0, "out of memory");
	fputs("\n\t}]\n}\n", r->out);
	return SI_OK;
}

const struct si_report_ops si_report_sarif_ops = {
	.size = sizeof(struct sarif_report),
	.begin = sarif_begin,
	.entry = sarif_entry,
	.finish = sarif_finish,
};
