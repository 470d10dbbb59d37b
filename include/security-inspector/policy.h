/* SPDX-License-Identifier: Apache-2.0 */
/* The policy file: default mode, item severities, allowed capabilities,
 * namespace rules and the whitelist; and the embedded default policy. */
#ifndef SI_POLICY_H
#define SI_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "security-inspector/checks.h"
#include "security-inspector/error.h"
#include "security-inspector/workload.h"

enum si_mode {
	SI_MODE_OFF,
	SI_MODE_AUDIT,
	SI_MODE_WARN,
	SI_MODE_ENFORCE,
};

struct si_strings {
	char **items;
	size_t n;
};

/* True when `list` is empty ("any") or one of its globs matches `text`. */
bool si_strings_match(const struct si_strings *list, const char *text);

/* A namespace rule; the first rule whose `names` match a namespace wins. */
struct si_ns_rule {
	struct si_strings names;            /* globs */
	bool has_mode;
	enum si_mode mode;
	bool has_severity[SI_ITEM_COUNT];
	enum si_severity severity[SI_ITEM_COUNT];
	int line;
};

/* A whitelist entry. An empty list means "any". `containers` only narrows
 * container results: pod-level and binding results ignore it. An entry with
 * identity fields (`users`, `groups`, `service_accounts`) also needs the
 * requester of an admission request to match one of them: it never matches
 * where there is no requester (the audit CLI, scans). */
struct si_whitelist_entry {
	struct si_strings namespaces, kinds, names, containers;  /* globs */
	struct si_strings users, groups;    /* globs on userInfo */
	/* "namespace/name" globs, split at the '/': sa_namespaces.items[i]
	 * and sa_names.items[i] belong together. */
	struct si_strings sa_namespaces, sa_names;
	bool checks[SI_ITEM_COUNT];
	bool any_check;                     /* `checks` omitted */
	char *reason;                       /* "" when none was given */
	int line;
};

struct si_policy {
	enum si_mode mode;
	enum si_severity severity[SI_ITEM_COUNT];
	struct si_strings allowed_caps;     /* normalized: upper case, no CAP_ */
	bool allow_annotation_exemptions;
	struct si_ns_rule *rules;
	size_t n_rules;
	struct si_whitelist_entry *whitelist;
	size_t n_whitelist;
};

/* The policy applied when no file is given, as YAML (NUL-terminated). */
extern const char si_policy_default_yaml[];

/* Parses policy YAML of `len` bytes named `path` (for messages). Keys left
 * out take their defaults: mode warn, the table's severities,
 * allowedCapabilities [NET_BIND_SERVICE], no exemptions, no rules, empty
 * whitelist. An unknown key, item ID, mode or severity, or a wrong type, is
 * SI_ERR_POLICY with file, line and key in `err`. Caller frees `*out` with
 * si_policy_free(). */
si_rc si_policy_parse(const char *path, const char *data, size_t len,
			  struct si_policy **out, struct si_error *err);

/* Reads and parses the file at `path`. */
si_rc si_policy_load(const char *path, struct si_policy **out,
			 struct si_error *err);

/* Parses the embedded default policy. */
si_rc si_policy_default(struct si_policy **out, struct si_error *err);

/* Accepts NULL. */
void si_policy_free(struct si_policy *p);

/* The first namespace rule matching `ns`, or NULL. */
const struct si_ns_rule *si_policy_rule(const struct si_policy *p, const char *ns);

/* Severity of `item` in namespace `ns`: the rule's override, else the
 * policy's. */
enum si_severity si_policy_severity(const struct si_policy *p, const char *ns,
				    enum si_item_id item);

/* Who sends an admission request, as the API server authenticated it
 * (request.userInfo). Borrowed strings. */
struct si_requester {
	const char *username;
	const char *const *groups;
	size_t n_groups;
};

/* True when `e` names identities (users, groups or service accounts). */
bool si_whitelist_by_identity(const struct si_whitelist_entry *e);

/* Describes in `buf` which identity field of `e` the requester `r` matches,
 * as "user alice", "group ops" or "serviceAccount argocd/argocd-server"; false
 * (and "" in `buf`) when `r` is NULL or matches none. `buf` may be NULL
 * when `size` is 0. */
bool si_whitelist_identity(const struct si_whitelist_entry *e, const struct si_requester *r,
			   char *buf, size_t size);

/* The whitelist entry covering `item` for `container` (NULL for pod-level and
 * binding results) of `w`, or NULL. An entry naming a workload also covers
 * the objects it owns (see struct si_workload.owners). An entry with identity
 * fields covers `w` only when `w->requester` (set by the webhook alone)
 * matches one of them. */
const struct si_whitelist_entry *
si_policy_whitelisted(const struct si_policy *p, const struct si_workload *w,
		      const char *container, enum si_item_id item);

/* Item IDs exempted by the `security-inspector.io/exempt` annotation of `w`
 * (object or pod template); all false unless the policy allows exemptions. */
void si_policy_exemptions(const struct si_policy *p, const struct si_workload *w,
			  bool exempt[SI_ITEM_COUNT]);

/* The mode for namespace `ns`: the first matching namespace rule's mode, else
 * `*path_mode` (the mode named in the webhook's request path) when not NULL,
 * else the policy's default. */
enum si_mode si_policy_mode(const struct si_policy *p, const char *ns,
			    const enum si_mode *path_mode);

const char *si_mode_name(enum si_mode mode);
/* Parses "enforce", "warn", "audit" or "off"; false when unknown. */
bool si_mode_parse(const char *text, enum si_mode *out);

#define SI_EXEMPT_ANNOTATION "security-inspector.io/exempt"
/* The namespace label that chooses a namespace's mode (when no namespace
 * rule of the policy does). */
#define SI_MODE_LABEL "security-inspector.io/mode"

#endif
