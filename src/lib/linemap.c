// SPDX-License-Identifier: Apache-2.0
// Node -> source line: an open-addressing hash keyed by node address.
#include <stdint.h>
#include <stdlib.h>

#include "document_internal.h"

struct slot {
	const cJSON *node;
	int line;
};

struct si_linemap {
	struct slot *slots;
	size_t cap;      /* a power of two, or 0 before the first node */
	size_t used;
};

#define FIRST_CAP 256

static size_t hash_ptr(const void *p, size_t cap)
{
	/* The full 64-bit finalizer of MurmurHash3: aligned addresses differ
	 * only in their middle bits, and every output bit must depend on them. */
	uint64_t x = (uint64_t)(uintptr_t)p;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return (size_t)x & (cap - 1);
}

struct si_linemap *si_linemap_new(void)
{
	/* The table comes with the first node, or with a reservation: one
	 * allocation of the right size. */
	return calloc(1, sizeof(struct si_linemap));
}

static void insert(struct slot *slots, size_t cap, const cJSON *node, int line,
		   size_t *used)
{
	size_t i = hash_ptr(node, cap);
	while (slots[i].node && slots[i].node != node)
		i = (i + 1) & (cap - 1);
	if (!slots[i].node)
		(*used)++;
	slots[i].node = node;
	slots[i].line = line;
}

/* Makes room for `more` nodes: the table stays at most three quarters
 * full, where linear probing still finds a node in about two probes. */
static bool grow(struct si_linemap *m, size_t more)
{
	size_t cap = m->cap ? m->cap : FIRST_CAP, used = 0;
	while ((m->used + more) * 4 > cap * 3) {
		if (cap > SIZE_MAX / 2 / sizeof(struct slot))
			return false;
		cap *= 2;
	}
	if (cap == m->cap && m->slots)
		return true;
	struct slot *slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return false;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].node)
			insert(slots, cap, m->slots[i].node, m->slots[i].line, &used);
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
	m->used = used;
	return true;
}

bool si_linemap_reserve(struct si_linemap *m, size_t more)
{
	return !m || grow(m, more);
}

bool si_linemap_put(struct si_linemap *m, const cJSON *node, int line)
{
	if (!m || !node)
		return true;
	if (!grow(m, 1))
		return false;
	insert(m->slots, m->cap, node, line, &m->used);
	return true;
}

bool si_linemap_put_tree(struct si_linemap *dst, const struct si_linemap *src,
			 const cJSON *node)
{
	int line = si_linemap_get(src, node);
	if (line && !si_linemap_put(dst, node, line))
		return false;
	for (const cJSON *c = node->child; c; c = c->next)
		if (!si_linemap_put_tree(dst, src, c))
			return false;
	return true;
}

int si_linemap_get(const struct si_linemap *m, const cJSON *node)
{
	if (!m || !node || !m->cap)
		return 0;
	size_t i = hash_ptr(node, m->cap);
	while (m->slots[i].node) {
		if (m->slots[i].node == node)
			return m->slots[i].line;
		i = (i + 1) & (m->cap - 1);
	}
	return 0;
}

void si_linemap_free(struct si_linemap *m)
{
	if (!m)
		return;
	free(m->slots);
	free(m);
}
