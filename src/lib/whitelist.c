// SPDX-License-Identifier: Apache-2.0
// Whitelist matching with owner coverage, and annotation exemptions.
#include <ctype.h>
#include <string.h>

#include "security-inspector/policy.h"

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
