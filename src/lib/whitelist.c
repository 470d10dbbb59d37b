// SPDX-License-Identifier: Apache-2.0
// Whitelist matching with owner coverage and requester identities, and
// annotation exemptions.
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "security-inspector/glob.h"
#include "security-inspector/policy.h"

#define SA_PREFIX "system:serviceaccount:"

bool si_whitelist_by_identity(const struct si_whitelist_entry *e)
{
	return e->users.n || e->groups.n || e->sa_names.n;
}

/* True when one of the globs (none is "none" here, unlike
 * si_strings_match()) matches `text`. */
static bool any_glob(const struct si_strings *globs, const char *text)
{
	for (size_t i = 0; i < globs->n; i++)
		if (si_glob_match(globs->items[i], text))
			return true;
	return false;
}

/* The API server names a service account's requests
 * system:serviceaccount:NAMESPACE:NAME; namespaces and names hold no ':'. */
static bool service_account_of(const char *user, char *ns, size_t size, const char **name)
{
	if (strncmp(user, SA_PREFIX, strlen(SA_PREFIX)) != 0)
		return false;
	const char *s = user + strlen(SA_PREFIX), *colon = strchr(s, ':');
	if (!colon || colon == s || !colon[1] || strchr(colon + 1, ':') ||
	    (size_t)(colon - s) >= size)
		return false;
	snprintf(ns, size, "%.*s", (int)(colon - s), s);
	*name = colon + 1;
	return true;
}

bool si_whitelist_identity(const struct si_whitelist_entry *e, const struct si_requester *r,
			   char *buf, size_t size)
{
	char ns[256];
	const char *sa_name;
	if (size)
		buf[0] = '\0';
	if (!r || !r->username)
		return false;
	if (any_glob(&e->users, r->username)) {
		snprintf(buf, size, "user %s", r->username);
		return true;
	}
	if (e->sa_names.n && service_account_of(r->username, ns, sizeof(ns), &sa_name))
		for (size_t i = 0; i < e->sa_names.n; i++)
			if (si_glob_match(e->sa_namespaces.items[i], ns) &&
			    si_glob_match(e->sa_names.items[i], sa_name)) {
				snprintf(buf, size, "serviceAccount %s/%s", ns, sa_name);
				return true;
			}
	for (size_t g = 0; g < r->n_groups; g++)
		if (r->groups[g] && any_glob(&e->groups, r->groups[g])) {
			snprintf(buf, size, "group %s", r->groups[g]);
			return true;
		}
	return false;
}

/* The entry names `w` itself or one of its owners. RBAC bindings never
 * inherit an owner's coverage: nothing controls them as a Deployment
 * controls its Pods, and a reference to a whitelisted binding is easy to
 * write. */
static bool covers(const struct si_whitelist_entry *e, const struct si_workload *w)
{
	if (si_strings_match(&e->kinds, w->kind) && si_strings_match(&e->names, w->name))
		return true;
	if (w->class == SI_CLASS_BINDING)
		return false;
	for (size_t i = 0; i < w->n_owners; i++)
		if (si_strings_match(&e->kinds, w->owners[i].kind) &&
		    si_strings_match(&e->names, w->owners[i].name))
			return true;
	return false;
}

const struct si_whitelist_entry *
si_policy_whitelisted(const struct si_policy *p, const struct si_workload *w,
		      const char *container, enum si_item_id item)
{
	for (size_t i = 0; i < p->n_whitelist; i++) {
		const struct si_whitelist_entry *e = &p->whitelist[i];
		if (!e->any_check && !e->checks[item])
			continue;
		if (!si_strings_match(&e->namespaces, w->namespace))
			continue;
		if (container && !si_strings_match(&e->containers, container))
			continue;
		if (si_whitelist_by_identity(e) &&
		    !si_whitelist_identity(e, w->requester, NULL, 0))
			continue;
		if (covers(e, w))
			return e;
	}
	return NULL;
}

static void exempt_from(const cJSON *annotations, bool exempt[SI_ITEM_COUNT])
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(annotations, SI_EXEMPT_ANNOTATION);
	if (!cJSON_IsString(v))
		return;
	for (const char *s = v->valuestring; *s;) {
		while (*s == ',' || isspace((unsigned char)*s))
			s++;
		size_t n = 0;
		while (s[n] && s[n] != ',' && !isspace((unsigned char)s[n]))
			n++;
		for (size_t i = 0; n && i < SI_ITEM_COUNT; i++)
			if (strlen(si_items[i].name) == n && strncmp(si_items[i].name, s, n) == 0)
				exempt[i] = true;
		s += n;
	}
}

void si_policy_exemptions(const struct si_policy *p, const struct si_workload *w,
			  bool exempt[SI_ITEM_COUNT])
{
	memset(exempt, 0, SI_ITEM_COUNT * sizeof(bool));
	if (!p->allow_annotation_exemptions)
		return;
	exempt_from(w->annotations, exempt);
	exempt_from(w->template_annotations, exempt);
}
