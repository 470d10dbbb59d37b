// SPDX-License-Identifier: Apache-2.0
// Bytes -> cJSON, bounded: the only place that calls cJSON's parser.
#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "document_internal.h"

const char *si_json_type_name(const cJSON *v)
{
	if (cJSON_IsObject(v)) return "a mapping";
	if (cJSON_IsArray(v)) return "a list";
	if (cJSON_IsString(v)) return "a string";
	if (cJSON_IsNumber(v)) return "a number";
	if (cJSON_IsBool(v)) return "a boolean";
	return "null";
}

int si_line_at(const char *data, size_t off)
{
	int line = 1;
	for (size_t i = 0; i < off; i++)
		if (data[i] == '\n')
			line++;
	return line;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

struct keyref {
	const char *key;
	const cJSON *node;
	size_t order;
};

static int cmp_keyref(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

si_rc si_json_duplicate_key(const cJSON *obj, const cJSON **dup)
{
	size_t n = 0;
	*dup = NULL;
	for (const cJSON *c = obj->child; c; c = c->next)
		n++;
	if (n < 2)
		return SI_OK;
	if (n <= 16) {   /* most objects: pairwise, without allocating */
		for (const cJSON *a = obj->child; a && !*dup; a = a->next)
			for (const cJSON *b = a->next; b; b = b->next)
				if (strcmp(a->string ? a->string : "", b->string ? b->string : "") == 0) {
					*dup = b;
					break;
				}
		return SI_OK;
	}
	/* Sorting keeps an object with many keys from costing n^2 compares. */
	struct keyref *keys = malloc(n * sizeof(*keys));
	if (!keys)
		return SI_ERR_NOMEM;
	size_t i = 0;
	for (const cJSON *c = obj->child; c; c = c->next, i++)
		keys[i] = (struct keyref){ c->string ? c->string : "", c, i };
	qsort(keys, n, sizeof(*keys), cmp_keyref);
	for (i = 1; i < n && !*dup; i++)
		if (strcmp(keys[i - 1].key, keys[i].key) == 0)
			*dup = keys[i].node;
	free(keys);
	return SI_OK;
}

/* Checks the node budget and duplicate keys; on failure `*bad` is the
 * offending node, for its line. */
static si_rc check_tree(const cJSON *node, unsigned depth, const struct si_limits *lim,
			size_t *nodes, const cJSON **bad, struct si_error *err)
{
	*bad = node;
	if (depth > lim->max_depth && (cJSON_IsArray(node) || cJSON_IsObject(node)))
		return si_error_set(err, SI_ERR_LIMIT, NULL, 0, "nesting deeper than %u levels",
				    lim->max_depth);
	if (++*nodes > lim->max_nodes)
		return si_error_set(err, SI_ERR_LIMIT, NULL, 0,
				    "more than %zu values in one document", lim->max_nodes);
	if (cJSON_IsObject(node)) {
		const cJSON *dup;
		if (si_json_duplicate_key(node, &dup))
			return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
		if (dup) {
			*bad = dup;
			si_error_set(err, SI_ERR_SYNTAX, NULL, 0, "duplicate key \"%s\"",
				     dup->string);
			if (err)
				snprintf(err->key, sizeof(err->key), "%s", dup->string);
			return SI_ERR_SYNTAX;
		}
	}
	for (const cJSON *c = node->child; c; c = c->next) {
		si_rc rc = check_tree(c, depth + 1, lim, nodes, bad, err);
		if (rc)
			return rc;
	}
	return SI_OK;
}

/* Skips a JSON string starting at the opening quote; returns the offset after
 * the closing quote. */
static size_t skip_string(const char *d, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (d[i] == '\\')
			i++;
		else if (d[i] == '"')
			return i + 1;
	}
	return len;
}

/* Offset of the first bracket nested deeper than `max`, or `len`. Checked
 * before parsing so that the parser's recursion stays bounded. */
static size_t too_deep(const char *d, size_t len, unsigned max)
{
	unsigned depth = 0;
	for (size_t i = 0; i < len; i++) {
		if (d[i] == '"') {
			i = skip_string(d, len, i) - 1;
		} else if (d[i] == '{' || d[i] == '[') {
			if (++depth > max)
				return i;
		} else if ((d[i] == '}' || d[i] == ']') && depth > 0) {
			depth--;
		}
	}
	return len;
}

/* Walks the text of an already parsed value beside its tree, giving every
 * node its line: a member the line of its key, as the YAML loader does. */
struct scan {
	const char *d;
	size_t len, i;
	int line;
	struct si_linemap *map;
};

static void skip_blank(struct scan *s)
{
	/* cJSON takes every byte up to ' ' as white space. */
	for (; s->i < s->len && (unsigned char)s->d[s->i] <= ' '; s->i++)
		if (s->d[s->i] == '\n')
			s->line++;
}

static void skip_token(struct scan *s)
{
	if (s->i < s->len && s->d[s->i] == '"') {
		size_t end = skip_string(s->d, s->len, s->i);
		for (; s->i < end; s->i++)
			if (s->d[s->i] == '\n')
				s->line++;
		return;
	}
	while (s->i < s->len && !strchr(",:}] \t\r\n", s->d[s->i]))
		s->i++;
}

static bool map_value(struct scan *s, const cJSON *node, int line)
{
	skip_blank(s);
	if (!si_linemap_put(s->map, node, line ? line : s->line))
		return false;
	if (s->i >= s->len || (s->d[s->i] != '{' && s->d[s->i] != '[')) {
		skip_token(s);
		return true;
	}
	bool object = s->d[s->i++] == '{';
	for (const cJSON *c = node->child; c; c = c->next) {
		int key_line = 0;
		skip_blank(s);
		if (object) {
			key_line = s->line;
			skip_token(s);      /* the key */
			skip_blank(s);
			s->i++;             /* ':' */
		}
		if (!map_value(s, c, key_line))
			return false;
		skip_blank(s);
		if (s->i < s->len && s->d[s->i] == ',')
			s->i++;
	}
	skip_blank(s);
	s->i++;                         /* '}' or ']' */
	return true;
}

si_rc si_json_parse_lines(const char *data, size_t len, const struct si_limits *lim,
			      cJSON **out, struct si_linemap *lines, struct si_error *err)
{
	*out = NULL;
	if (len > lim->max_input_bytes)
		return si_error_set(err, SI_ERR_LIMIT, NULL, 0,
				    "document of %zu bytes is over the %zu-byte limit",
				    len, lim->max_input_bytes);
	size_t start = 0;
	while (start < len && is_blank(data[start]))
		start++;
	if (start == len)
		return si_error_set(err, SI_ERR_SYNTAX, NULL, si_line_at(data, len),
				    "empty JSON document");

	/* cJSON bounds its own recursion (CJSON_NESTING_LIMIT); the depth limit
	 * is checked on the tree, and on a failure a scan tells whether depth
	 * was the cause, for a clearer message. */
	const char *end = NULL;
	errno = 0;
	cJSON *root = cJSON_ParseWithLengthOpts(data, len, &end, false);
	if (!root) {
		/* cJSON fails the same way when an allocation fails; the
		 * allocator (malloc, or the hooks given to cJSON) says so in
		 * errno. */
		if (errno == ENOMEM)
			return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
		size_t deep = too_deep(data, len, lim->max_depth);
		if (deep < len)
			return si_error_set(err, SI_ERR_LIMIT, NULL, si_line_at(data, deep),
					    "nesting deeper than %u levels", lim->max_depth);
		size_t off = end && end >= data && end <= data + len ? (size_t)(end - data) : 0;
		return si_error_set(err, SI_ERR_SYNTAX, NULL, si_line_at(data, off),
				    "invalid JSON near byte %zu", off + 1);
	}
	size_t off = (size_t)(end - data);
	while (off < len && is_blank(data[off]))
		off++;
	if (off < len) {
		cJSON_Delete(root);
		return si_error_set(err, SI_ERR_SYNTAX, NULL, si_line_at(data, off),
				    "unexpected content after the JSON value");
	}

	si_rc rc = SI_OK;
	struct si_linemap *own = NULL;
	struct scan s = { data, len, 0, 1, lines };
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		s.i = 3;
	if (lines && !map_value(&s, root, 0)) {
		rc = si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
		goto fail;
	}
	size_t nodes = 0;
	const cJSON *bad = NULL;
	if ((rc = check_tree(root, 1, lim, &nodes, &bad, err))) {
		/* Without a map of our caller's, make one to name the line. */
		if (!lines && rc != SI_ERR_NOMEM && (own = si_linemap_new()) &&
		    (s.map = own) && map_value(&s, root, 0))
			lines = own;
		if (err)
			err->line = si_linemap_get(lines, bad);
		goto fail;
	}
	*out = root;
	return SI_OK;
fail:
	si_linemap_free(own);
	cJSON_Delete(root);
	return rc;
}

si_rc si_json_parse(const char *data, size_t len, const struct si_limits *lim,
			cJSON **out, struct si_error *err)
{
	return si_json_parse_lines(data, len, lim, out, NULL, err);
}

/* The arena: a list of chunks per thread, bump-allocated. The first chunk
 * is kept between requests. */
#define ARENA_CHUNK (64u * 1024)
#define ARENA_KEEP (1u << 20)

struct chunk {
	struct chunk *next;
	size_t size, used;
	alignas(max_align_t) unsigned char data[];
};

static _Thread_local struct chunk *arena_head;
static _Thread_local bool arena_on;
static bool arena_hooks;
/* Its value is the thread's kept chunk, freed when the thread exits. */
static pthread_key_t arena_key;

static bool in_arena(const void *p)
{
	for (const struct chunk *c = arena_head; c; c = c->next)
		if ((const unsigned char *)p >= c->data && (const unsigned char *)p < c->data + c->size)
			return true;
	return false;
}

static void *arena_malloc(size_t size)
{
	if (!arena_on)
		return malloc(size);
	size = (size + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);
	struct chunk *c = arena_head;
	if (!c || c->size - c->used < size) {
		size_t want = size > ARENA_CHUNK ? size : ARENA_CHUNK;
		if (!(c = malloc(sizeof(*c) + want)))
			return NULL;
		c->size = want;
		c->used = 0;
		c->next = arena_head;
		arena_head = c;
	}
	void *p = c->data + c->used;
	c->used += size;
	return p;
}

static void arena_free(void *p)
{
	if (p && !(arena_on && in_arena(p)))
		free(p);
}

void si_json_arena_init(void)
{
	cJSON_Hooks hooks = { arena_malloc, arena_free };
	if (arena_hooks || pthread_key_create(&arena_key, free) != 0)
		return;
	cJSON_InitHooks(&hooks);
	arena_hooks = true;
}

void si_json_arena_begin(void)
{
	arena_on = arena_hooks;
}

void si_json_arena_end(void)
{
	arena_on = false;
	/* Keep the oldest chunk for the next request, unless it grew large. */
	struct chunk *keep = NULL;
	while (arena_head) {
		struct chunk *c = arena_head;
		arena_head = c->next;
		if (!arena_head && c->size <= ARENA_KEEP) {
			c->used = 0;
			c->next = NULL;
			keep = c;
		} else {
			free(c);
		}
	}
	arena_head = keep;
	if (arena_hooks)
		pthread_setspecific(arena_key, keep);
}
