// SPDX-License-Identifier: Apache-2.0
// Failed results per namespace: an open-addressing hash table (linear
// probing, at most half full) of namespace -> failures by severity, and
// its top rows for the metrics.
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "namespace_tally.h"

#define FIRST_SLOTS 64

struct slot {
	bool used;
	struct si_namespace_failures f;
};

struct si_namespace_tally {
	struct slot *slots;          /* a power of two of them */
	size_t n_slots, used;
	/* What could not be kept: names longer than a namespace's, and
	 * namespaces met when the table could not grow. */
	struct si_namespace_failures other;
};

struct si_namespace_tally *si_namespace_tally_new(void)
{
	struct si_namespace_tally *t = calloc(1, sizeof(*t));
	if (t && !(t->slots = calloc(FIRST_SLOTS, sizeof(*t->slots)))) {
		free(t);
		return NULL;
	}
	if (t)
		t->n_slots = FIRST_SLOTS;
	return t;
}

void si_namespace_tally_free(struct si_namespace_tally *t)
{
	if (!t)
		return;
	free(t->slots);
	free(t);
}

/* FNV-1a: the names come from the API server, which only the cluster's
 * administrators let anyone add to. */
static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3u;
	return h;
}

/* The slot of `name` in `slots`, or the free one where it goes. */
static struct slot *find(struct slot *slots, size_t n_slots, const char *name)
{
	size_t i = (size_t)name_hash(name) & (n_slots - 1);
	while (slots[i].used && strcmp(slots[i].f.namespace, name) != 0)
		i = (i + 1) & (n_slots - 1);
	return &slots[i];
}

/* Twice as many slots; false when out of memory (the table is unchanged). */
static bool grow(struct si_namespace_tally *t)
{
	size_t n = t->n_slots * 2;
	struct slot *slots = n > t->n_slots ? calloc(n, sizeof(*slots)) : NULL;
	if (!slots)
		return false;
	for (size_t i = 0; i < t->n_slots; i++)
		if (t->slots[i].used)
			*find(slots, n, t->slots[i].f.namespace) = t->slots[i];
	free(t->slots);
	t->slots = slots;
	t->n_slots = n;
	return true;
}

void si_namespace_tally_add(struct si_namespace_tally *t, const char *ns, enum si_severity sev)
{
	struct si_namespace_failures *f = &t->other;
	if (strlen(ns) < sizeof(f->namespace)) {
		struct slot *s = find(t->slots, t->n_slots, ns);
		if (!s->used && (t->used + 1) * 2 > t->n_slots && grow(t))
			s = find(t->slots, t->n_slots, ns);
		if (s->used || (t->used + 1) * 2 <= t->n_slots) {
			if (!s->used) {
				s->used = true;
				memcpy(s->f.namespace, ns, strlen(ns) + 1);
				t->used++;
			}
			f = &s->f;
		}
	}
	f->failures[sev]++;
}

static size_t total(const struct si_namespace_failures *f)
{
	return f->failures[SI_SEVERITY_WARNING] + f->failures[SI_SEVERITY_DANGER];
}

/* Most failures first, then by name. */
static int by_failures(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;
	size_t tx = total(&x->f), ty = total(&y->f);
	if (tx != ty)
		return tx > ty ? -1 : 1;
	return strcmp(x->f.namespace, y->f.namespace);
}

si_rc si_namespace_tally_top(struct si_namespace_tally *t, size_t max,
			     struct si_namespace_failures **rows, size_t *n, size_t *failing,
			     struct si_error *err)
{
	size_t k = 0;

	*rows = NULL;
	*n = 0;
	*failing = 0;
	/* The used slots to the front, in order of failures. */
	for (size_t i = 0; i < t->n_slots; i++)
		if (t->slots[i].used) {
			t->slots[k++] = t->slots[i];
			if (t->slots[k - 1].f.namespace[0])
				(*failing)++;
		}
	if (k)   /* qsort() takes no NULL array, even empty */
		qsort(t->slots, k, sizeof(*t->slots), by_failures);
	if (max == 0)
		return SI_OK;
	size_t named = k < max ? k : max;
	struct si_namespace_failures other = t->other;
	for (size_t i = named; i < k; i++)
		for (int sev = SI_SEVERITY_WARNING; sev <= SI_SEVERITY_DANGER; sev++)
			other.failures[sev] += t->slots[i].f.failures[sev];
	bool has_other = total(&other) > 0;
	if (named + has_other == 0)
		return SI_OK;
	struct si_namespace_failures *r = calloc(named + has_other, sizeof(*r));
	if (!r)
		return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	for (size_t i = 0; i < named; i++)
		r[i] = t->slots[i].f;
	if (has_other) {
		r[named] = other;
		memcpy(r[named].namespace, SI_METRICS_OTHER_NAMESPACES,
		       sizeof(SI_METRICS_OTHER_NAMESPACES));
	}
	*rows = r;
	*n = named + has_other;
	return SI_OK;
}
