// SPDX-License-Identifier: Apache-2.0
// Policy file -> policy: strict parsing (every error names file, line and
// key) and the lookups the evaluator needs: severities and namespace rules.
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "security-inspector/document.h"
#include "security-inspector/file.h"
#include "security-inspector/glob.h"
#include "security-inspector/policy.h"

#define MAX_POLICY_BYTES (4u << 20)

struct parser {
	const char *path;
	const struct si_input *in;
	struct si_error *err;
};

__attribute__((format(printf, 4, 5)))
static si_rc bad(struct parser *p, const cJSON *node, const char *key,
		     const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	si_error_set(p->err, SI_ERR_POLICY, p->path, si_input_line(p->in, node, 0),
		     "%s: %s", key, msg);
	if (p->err)
		snprintf(p->err->key, sizeof(p->err->key), "%s", key);
	return SI_ERR_POLICY;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64];
	if (lb >= 64 || la >= 64)
		return 64;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best) best = up + 1;
			if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* Looks up an item ID; on failure reports it with the nearest ID. */
static si_rc item_id(struct parser *p, const cJSON *node, const char *key,
			 const char *name, enum si_item_id *out)
{
	const struct si_item *item = si_item_find(name);
	if (item) {
		*out = item->id;
		return SI_OK;
	}
	const char *near = NULL;
	size_t best = 4;
	for (size_t i = 0; i < SI_ITEM_COUNT; i++) {
		size_t d = edit_distance(name, si_items[i].name);
		if (d < best) {
			best = d;
			near = si_items[i].name;
		}
	}
	if (near)
		return bad(p, node, key, "unknown item ID \"%s\" (did you mean %s?)", name, near);
	return bad(p, node, key, "unknown item ID \"%s\" (see `security-inspector checks`)", name);
}

static si_rc severity(struct parser *p, const cJSON *v, const char *key,
			  enum si_severity *out)
{
	if (cJSON_IsString(v)) {
		if (strcmp(v->valuestring, "danger") == 0) { *out = SI_SEVERITY_DANGER; return SI_OK; }
		if (strcmp(v->valuestring, "warning") == 0) { *out = SI_SEVERITY_WARNING; return SI_OK; }
		if (strcmp(v->valuestring, "ignore") == 0) { *out = SI_SEVERITY_IGNORE; return SI_OK; }
		return bad(p, v, key, "unknown severity \"%s\" (use danger, warning or ignore)",
			   v->valuestring);
	}
	return bad(p, v, key, "expected danger, warning or ignore, got %s", si_json_type_name(v));
}

const char *si_mode_name(enum si_mode mode)
{
	switch (mode) {
	case SI_MODE_OFF: return "off";
	case SI_MODE_AUDIT: return "audit";
	case SI_MODE_WARN: return "warn";
	case SI_MODE_ENFORCE: return "enforce";
	}
	return "unknown";
}

bool si_mode_parse(const char *text, enum si_mode *out)
{
	static const enum si_mode all[] = { SI_MODE_OFF, SI_MODE_AUDIT, SI_MODE_WARN, SI_MODE_ENFORCE };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(text, si_mode_name(all[i])) == 0) {
			*out = all[i];
			return true;
		}
	return false;
}

/* A mode; unquoted `off` (and `no`) reads as false in YAML 1.1 and is taken
 * to mean the mode off. */
static si_rc mode(struct parser *p, const cJSON *v, const char *key, enum si_mode *out)
{
	if (cJSON_IsFalse(v)) {
		*out = SI_MODE_OFF;
		return SI_OK;
	}
	if (cJSON_IsString(v) && si_mode_parse(v->valuestring, out))
		return SI_OK;
	if (cJSON_IsString(v))
		return bad(p, v, key, "unknown mode \"%s\" (use enforce, warn, audit or off)",
			   v->valuestring);
	return bad(p, v, key, "expected enforce, warn, audit or off, got %s", si_json_type_name(v));
}

static si_rc string_list(struct parser *p, const cJSON *v, const char *key,
			     struct si_strings *out, bool caps)
{
	if (!cJSON_IsArray(v))
		return bad(p, v, key, "expected a list of strings, got %s", si_json_type_name(v));
	size_t n = (size_t)cJSON_GetArraySize(v), i = 0;
	out->items = calloc(n ? n : 1, sizeof(char *));
	if (!out->items)
		return si_error_set(p->err, SI_ERR_NOMEM, p->path, 0, "out of memory");
	for (const cJSON *s = v->child; s; s = s->next, i++) {
		if (!cJSON_IsString(s)) {
			char k[160];
			snprintf(k, sizeof(k), "%s[%zu]", key, i);
			return bad(p, s, k, "expected a string, got %s", si_json_type_name(s));
		}
		size_t len = strlen(s->valuestring) + 1;
		if (!(out->items[i] = malloc(len)))
			return si_error_set(p->err, SI_ERR_NOMEM, p->path, 0, "out of memory");
		if (caps)
			si_capability_normalize(s->valuestring, out->items[i], len);
		else
			memcpy(out->items[i], s->valuestring, len);
		out->n = i + 1;
	}
	return SI_OK;
}

static void strings_free(struct si_strings *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->items[i]);
	free(s->items);
	s->items = NULL;
	s->n = 0;
}

static si_rc checks_map(struct parser *p, const cJSON *v, const char *key,
			    bool has[SI_ITEM_COUNT], enum si_severity sev[SI_ITEM_COUNT])
{
	if (!cJSON_IsObject(v))
		return bad(p, v, key, "expected a mapping of item ID to severity, got %s",
			   si_json_type_name(v));
	for (const cJSON *c = v->child; c; c = c->next) {
		char k[192];
		enum si_item_id id = SI_ITEM_COUNT;
		snprintf(k, sizeof(k), "%s.%s", key, c->string);
		si_rc rc = item_id(p, c, k, c->string, &id);
		if (rc || (rc = severity(p, c, k, &sev[id])))
			return rc;
		if (has)
			has[id] = true;
	}
	return SI_OK;
}

/* A Pod Security Standards level: baseline or restricted. */
static si_rc pss_level(struct parser *p, const cJSON *v, const char *key,
		       enum si_psa_level *out)
{
	if (cJSON_IsString(v) && strcmp(v->valuestring, "baseline") == 0)
		*out = SI_PSA_BASELINE;
	else if (cJSON_IsString(v) && strcmp(v->valuestring, "restricted") == 0)
		*out = SI_PSA_RESTRICTED;
	else if (cJSON_IsString(v))
		return bad(p, v, key, "unknown Pod Security Standards level \"%s\" (use baseline "
			   "or restricted)", v->valuestring);
	else
		return bad(p, v, key, "expected baseline or restricted, got %s",
			   si_json_type_name(v));
	return SI_OK;
}

/* podSecurity: the items of the level and below become danger, those of a
 * higher level ignore; items without a PSS control keep their severity.
 * Items in `explicit` (named under checks:, in any order) keep theirs, and
 * every item this sets is marked there. */
static void apply_pss_level(enum si_psa_level level, bool explicit[SI_ITEM_COUNT],
			    enum si_severity sev[SI_ITEM_COUNT])
{
	for (size_t i = 0; i < SI_ITEM_COUNT; i++) {
		if (si_items[i].psa == SI_PSA_NONE || explicit[i])
			continue;
		sev[i] = si_items[i].psa <= level ? SI_SEVERITY_DANGER : SI_SEVERITY_IGNORE;
		explicit[i] = true;
	}
}

static si_rc ns_rule(struct parser *p, const cJSON *v, const char *key,
			 struct si_ns_rule *r)
{
	if (!cJSON_IsObject(v))
		return bad(p, v, key, "expected a mapping with names, mode and checks, got %s",
			   si_json_type_name(v));
	r->line = si_input_line(p->in, v, 0);
	bool named = false;
	enum si_psa_level level = SI_PSA_NONE;
	for (const cJSON *c = v->child; c; c = c->next) {
		char k[192];
		si_rc rc;
		snprintf(k, sizeof(k), "%s.%s", key, c->string);
		if (strcmp(c->string, "names") == 0) {
			rc = string_list(p, c, k, &r->names, false);
			named = true;
		} else if (strcmp(c->string, "mode") == 0) {
			rc = mode(p, c, k, &r->mode);
			r->has_mode = true;
		} else if (strcmp(c->string, "checks") == 0) {
			rc = checks_map(p, c, k, r->has_severity, r->severity);
		} else if (strcmp(c->string, "podSecurity") == 0) {
			rc = pss_level(p, c, k, &level);
		} else {
			rc = bad(p, c, k, "unknown key (a namespace rule has names, mode, checks "
				 "and podSecurity)");
		}
		if (rc)
			return rc;
	}
	if (level != SI_PSA_NONE)
		apply_pss_level(level, r->has_severity, r->severity);
	if (!named || r->names.n == 0)
		return bad(p, v, key, "a namespace rule needs a non-empty names list");
	return SI_OK;
}

/* A whitelist list: an empty one is refused, as it would read as "none" to
 * some and "any" to others; leaving the key out means any. */
static si_rc wl_list(struct parser *p, const cJSON *v, const char *key,
			 struct si_strings *out)
{
	si_rc rc = string_list(p, v, key, out, false);
	if (rc == SI_OK && out->n == 0)
		return bad(p, v, key, "an empty list; leave the key out to mean any");
	return rc;
}

/* serviceAccounts: "namespace/name" globs, kept as two lists so that a '*'
 * on one side never reaches over the '/'. */
static si_rc wl_service_accounts(struct parser *p, const cJSON *v, const char *key,
				     struct si_whitelist_entry *e)
{
	si_rc rc = wl_list(p, v, key, &e->sa_names);
	if (rc)
		return rc;
	e->sa_namespaces.items = calloc(e->sa_names.n, sizeof(char *));
	if (!e->sa_namespaces.items)
		return si_error_set(p->err, SI_ERR_NOMEM, p->path, 0, "out of memory");
	const cJSON *s = v->child;
	for (size_t i = 0; i < e->sa_names.n; i++, s = s->next) {
		char *full = e->sa_names.items[i], *slash = strchr(full, '/');
		if (!slash || slash == full || !slash[1] || strchr(slash + 1, '/')) {
			char k[192];
			snprintf(k, sizeof(k), "%s[%zu]", key, i);
			return bad(p, s, k, "\"%s\" is not namespace/name (e.g. argocd/argocd-server)",
				   full);
		}
		*slash = '\0';
		if (!(e->sa_namespaces.items[i] = strdup(full)))
			return si_error_set(p->err, SI_ERR_NOMEM, p->path, 0, "out of memory");
		e->sa_namespaces.n = i + 1;
		memmove(full, slash + 1, strlen(slash + 1) + 1);
	}
	return SI_OK;
}

static si_rc wl_entry(struct parser *p, const cJSON *v, const char *key,
			  struct si_whitelist_entry *e)
{
	if (!cJSON_IsObject(v))
		return bad(p, v, key, "expected a mapping, got %s", si_json_type_name(v));
	e->line = si_input_line(p->in, v, 0);
	e->any_check = true;
	for (const cJSON *c = v->child; c; c = c->next) {
		char k[192];
		si_rc rc = SI_OK;
		snprintf(k, sizeof(k), "%s.%s", key, c->string);
		if (strcmp(c->string, "namespaces") == 0) {
			rc = wl_list(p, c, k, &e->namespaces);
		} else if (strcmp(c->string, "kinds") == 0) {
			rc = wl_list(p, c, k, &e->kinds);
		} else if (strcmp(c->string, "names") == 0) {
			rc = wl_list(p, c, k, &e->names);
		} else if (strcmp(c->string, "containers") == 0) {
			rc = wl_list(p, c, k, &e->containers);
		} else if (strcmp(c->string, "users") == 0) {
			rc = wl_list(p, c, k, &e->users);
		} else if (strcmp(c->string, "groups") == 0) {
			rc = wl_list(p, c, k, &e->groups);
		} else if (strcmp(c->string, "serviceAccounts") == 0) {
			rc = wl_service_accounts(p, c, k, e);
		} else if (strcmp(c->string, "checks") == 0) {
			struct si_strings ids = { 0 };
			rc = wl_list(p, c, k, &ids);
			const cJSON *s = c->child;
			for (size_t i = 0; rc == SI_OK && i < ids.n; i++, s = s->next) {
				enum si_item_id id = SI_ITEM_COUNT;
				if (!(rc = item_id(p, s, k, ids.items[i], &id)))
					e->checks[id] = true;
			}
			strings_free(&ids);
			e->any_check = false;
		} else if (strcmp(c->string, "reason") == 0) {
			if (!cJSON_IsString(c)) {
				rc = bad(p, c, k, "expected a string, got %s", si_json_type_name(c));
			} else {
				free(e->reason);
				if (!(e->reason = strdup(c->valuestring)))
					rc = si_error_set(p->err, SI_ERR_NOMEM, p->path, 0,
							  "out of memory");
			}
		} else {
			rc = bad(p, c, k, "unknown key (a whitelist entry has namespaces, kinds, "
				 "names, containers, users, groups, serviceAccounts, checks "
				 "and reason)");
		}
		if (rc)
			return rc;
	}
	if (!e->reason)
		e->reason = strdup("");
	if (!e->reason)
		return si_error_set(p->err, SI_ERR_NOMEM, p->path, 0, "out of memory");
	return SI_OK;
}

/* Parses a list member whose items are filled by `fn`. */
static si_rc parse_list(struct parser *p, const cJSON *v, const char *key,
			    void **items, size_t *n, size_t size,
			    si_rc (*fn)(struct parser *, const cJSON *, const char *, void *))
{
	if (!cJSON_IsArray(v))
		return bad(p, v, key, "expected a list, got %s", si_json_type_name(v));
	size_t count = (size_t)cJSON_GetArraySize(v), i = 0;
	char *arr = calloc(count ? count : 1, size);
	if (!arr)
		return si_error_set(p->err, SI_ERR_NOMEM, p->path, 0, "out of memory");
	*items = arr;
	for (const cJSON *c = v->child; c; c = c->next, i++) {
		char k[64];
		snprintf(k, sizeof(k), "%s[%zu]", key, i);
		*n = i + 1;
		si_rc rc = fn(p, c, k, arr + i * size);
		if (rc)
			return rc;
	}
	return SI_OK;
}

static si_rc ns_rule_cb(struct parser *p, const cJSON *v, const char *k, void *out)
{
	return ns_rule(p, v, k, out);
}

static si_rc wl_entry_cb(struct parser *p, const cJSON *v, const char *k, void *out)
{
	return wl_entry(p, v, k, out);
}

static si_rc policy_body(struct parser *p, const cJSON *root, struct si_policy *pol)
{
	si_rc rc = SI_OK;
	bool explicit[SI_ITEM_COUNT] = { false };
	enum si_psa_level level = SI_PSA_NONE;
	if (!root)
		return SI_OK;
	if (!cJSON_IsObject(root))
		return bad(p, root, "(top level)", "expected a mapping, got %s", si_json_type_name(root));
	for (const cJSON *c = root->child; c && !rc; c = c->next) {
		const char *k = c->string;
		if (strcmp(k, "mode") == 0) {
			rc = mode(p, c, k, &pol->mode);
		} else if (strcmp(k, "checks") == 0) {
			rc = checks_map(p, c, k, explicit, pol->severity);
		} else if (strcmp(k, "podSecurity") == 0) {
			rc = pss_level(p, c, k, &level);
		} else if (strcmp(k, "allowedCapabilities") == 0) {
			strings_free(&pol->allowed_caps);
			rc = string_list(p, c, k, &pol->allowed_caps, true);
		} else if (strcmp(k, "allowAnnotationExemptions") == 0) {
			if (!cJSON_IsBool(c))
				rc = bad(p, c, k, "expected true or false, got %s", si_json_type_name(c));
			pol->allow_annotation_exemptions = cJSON_IsTrue(c);
		} else if (strcmp(k, "namespaces") == 0) {
			rc = parse_list(p, c, k, (void **)&pol->rules, &pol->n_rules,
					sizeof(*pol->rules), ns_rule_cb);
		} else if (strcmp(k, "whitelist") == 0) {
			rc = parse_list(p, c, k, (void **)&pol->whitelist, &pol->n_whitelist,
					sizeof(*pol->whitelist), wl_entry_cb);
		} else {
			rc = bad(p, c, k, "unknown key (the policy has mode, checks, podSecurity, "
				 "allowedCapabilities, allowAnnotationExemptions, namespaces "
				 "and whitelist)");
		}
	}
	if (rc == SI_OK && level != SI_PSA_NONE)
		apply_pss_level(level, explicit, pol->severity);
	return rc;
}

si_rc si_policy_parse(const char *path, const char *data, size_t len,
			  struct si_policy **out, struct si_error *err)
{
	struct si_limits lim = si_limits_default;
	struct si_input *in = NULL;
	struct si_policy *pol = calloc(1, sizeof(*pol));
	si_rc rc;

	*out = NULL;
	lim.max_input_bytes = MAX_POLICY_BYTES;
	if (!pol)
		return si_error_set(err, SI_ERR_NOMEM, path, 0, "out of memory");
	pol->mode = SI_MODE_WARN;
	for (size_t i = 0; i < SI_ITEM_COUNT; i++)
		pol->severity[i] = si_items[i].severity;
	pol->allowed_caps.items = calloc(1, sizeof(char *));
	if (!pol->allowed_caps.items || !(pol->allowed_caps.items[0] = strdup("NET_BIND_SERVICE"))) {
		rc = si_error_set(err, SI_ERR_NOMEM, path, 0, "out of memory");
		goto fail;
	}
	pol->allowed_caps.n = 1;

	if ((rc = si_input_parse(path, data, len, &lim, &in, err))) {
		if (err && rc == SI_ERR_SYNTAX)
			err->code = rc = SI_ERR_POLICY;
		goto fail;
	}
	struct parser p = { path, in, err };
	if (in->n_roots > 1) {
		rc = bad(&p, in->roots[1], "(document 2)",
			 "a policy file holds one YAML document");
		goto fail;
	}
	if ((rc = policy_body(&p, in->n_roots ? in->roots[0] : NULL, pol)))
		goto fail;
	si_input_free(in);
	*out = pol;
	return SI_OK;
fail:
	si_input_free(in);
	si_policy_free(pol);
	return rc;
}

si_rc si_policy_load(const char *path, struct si_policy **out, struct si_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	si_rc rc;

	*out = NULL;
	if ((rc = si_read_file(path, MAX_POLICY_BYTES, &buf, &len, err)) == SI_OK)
		rc = si_policy_parse(path, buf, len, out, err);
	free(buf);
	return rc;
}

si_rc si_policy_default(struct si_policy **out, struct si_error *err)
{
	return si_policy_parse("(default policy)", si_policy_default_yaml,
			       strlen(si_policy_default_yaml), out, err);
}

void si_policy_free(struct si_policy *p)
{
	if (!p)
		return;
	strings_free(&p->allowed_caps);
	for (size_t i = 0; i < p->n_rules; i++)
		strings_free(&p->rules[i].names);
	free(p->rules);
	for (size_t i = 0; i < p->n_whitelist; i++) {
		struct si_whitelist_entry *e = &p->whitelist[i];
		strings_free(&e->namespaces);
		strings_free(&e->kinds);
		strings_free(&e->names);
		strings_free(&e->containers);
		strings_free(&e->users);
		strings_free(&e->groups);
		strings_free(&e->sa_namespaces);
		strings_free(&e->sa_names);
		free(e->reason);
	}
	free(p->whitelist);
	free(p);
}

bool si_strings_match(const struct si_strings *globs, const char *text)
{
	if (globs->n == 0)
		return true;
	for (size_t i = 0; i < globs->n; i++)
		if (si_glob_match(globs->items[i], text))
			return true;
	return false;
}

const struct si_ns_rule *si_policy_rule(const struct si_policy *p, const char *ns)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (si_strings_match(&p->rules[i].names, ns))
			return &p->rules[i];
	return NULL;
}

enum si_severity si_policy_severity(const struct si_policy *p, const char *ns,
				    enum si_item_id item)
{
	const struct si_ns_rule *r = si_policy_rule(p, ns);
	return r && r->has_severity[item] ? r->severity[item] : p->severity[item];
}

enum si_mode si_policy_mode(const struct si_policy *p, const char *ns,
			    const enum si_mode *path_mode)
{
	const struct si_ns_rule *r = si_policy_rule(p, ns);
	if (r && r->has_mode)
		return r->mode;
	return path_mode ? *path_mode : p->mode;
}
