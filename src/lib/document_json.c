// SPDX-License-Identifier: Apache-2.0
// Bytes -> cJSON, bounded: the only place that calls cJSON's parser.
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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

int si_keyref_cmp(const void *a, const void *b)
{
	const struct si_keyref *x = a, *y = b;
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
	struct si_keyref *keys = malloc(n * sizeof(*keys));
	if (!keys)
		return SI_ERR_NOMEM;
	size_t i = 0;
	for (const cJSON *c = obj->child; c; c = c->next, i++)
		keys[i] = (struct si_keyref){ c->string ? c->string : "", c, i };
	qsort(keys, n, sizeof(*keys), si_keyref_cmp);
	for (i = 1; i < n && !*dup; i++)
		if (strcmp(keys[i - 1].key, keys[i].key) == 0)
			*dup = keys[i].node;
	free(keys);
	return SI_OK;
}

/* Checks every object for duplicate keys; on failure `*bad` is the later
 * member. Depth and the number of values were bounded on the text. */
static si_rc check_keys(const cJSON *node, const cJSON **bad, struct si_error *err)
{
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
		si_rc rc = check_keys(c, bad, err);
		if (rc)
			return rc;
	}
	return SI_OK;
}

/* Eight bytes at a time: the bytes of `w` that are zero have their high bit
 * set in the result (and bytes after a zero byte may too), so the result
 * is zero exactly when no byte is, and its first marked byte is zero. */
#define ONES UINT64_C(0x0101010101010101)

static uint64_t zero_bytes(uint64_t w)
{
	return (w - ONES) & ~w & (ONES << 7);
}

/* How many bytes of a word read from memory precede the first byte that
 * `marks` (non-zero) marks; 0 (look at each byte) where that is not known
 * cheaply. */
static size_t before_mark(uint64_t marks)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (size_t)__builtin_ctzll(marks) / 8;
#else
	(void)marks;
	return 0;
#endif
}

/* Words without a quote or a backslash are skipped whole. */
bool si_json_string_end(const char *d, size_t len, size_t *at, bool *escape)
{
	size_t i = *at;
	if (*escape && i < len) {
		*escape = false;
		i++;
	}
	for (; i < len; i++) {
		uint64_t w;
		while (len - i >= sizeof(w)) {
			memcpy(&w, d + i, sizeof(w));
			uint64_t marks = zero_bytes(w ^ (ONES * '"')) | zero_bytes(w ^ (ONES * '\\'));
			if (marks) {
				i += before_mark(marks);
				break;
			}
			i += sizeof(w);
		}
		if (i >= len)
			break;
		if (d[i] == '\\') {
			if (++i == len)
				*escape = true;
		} else if (d[i] == '"') {
			*at = i + 1;
			return true;
		}
	}
	*at = len;
	return false;
}

/* Skips a JSON string starting at the opening quote; returns the offset after
 * the closing quote (`len` when there is none). */
static size_t skip_string(const char *d, size_t len, size_t i)
{
	bool escape = false;
	i++;
	si_json_string_end(d, len, &i, &escape);
	return i;
}

size_t si_json_after_spaces(const char *d, size_t len, size_t i)
{
	uint64_t w;
	while (len - i >= sizeof(w)) {
		memcpy(&w, d + i, sizeof(w));
		if (w != ONES * ' ')
			break;
		i += sizeof(w);
	}
	while (i < len && d[i] == ' ')
		i++;
	return i;
}

/* The offset of the first byte from `i` on that is not white space. */
static size_t after_blanks(const char *d, size_t len, size_t i)
{
	/* cJSON takes every byte up to ' ' as white space. */
	while (i < len && (unsigned char)d[i] <= ' ')
		i++;
	return i;
}

/* The bytes the scanner stops at inside a mapping or a list; runs of
 * spaces are skipped whole. */
static const bool structural[256] = {
	['"'] = true, ['{'] = true, ['['] = true, ['}'] = true, [']'] = true, [','] = true,
	[' '] = true,
};

/* Counts one more value; false past the limit. */
static bool count_value(struct si_json_scan *sc, const struct si_limits *lim)
{
	return ++sc->values <= (lim ? lim->max_nodes : SIZE_MAX);
}

/* After an opening bracket: an empty mapping or list holds no value and is
 * closed at once; else its first value starts. */
static enum si_json_scan_end after_open(struct si_json_scan *sc, const char *d, size_t len,
					size_t *at, const struct si_limits *lim)
{
	size_t i = after_blanks(d, len, *at);
	*at = i;
	if (i == len)
		return SI_SCAN_MORE;
	sc->opened = false;
	if (d[i] == '}' || d[i] == ']') {
		*at = i + 1;
		return --sc->depth == 0 ? SI_SCAN_END : SI_SCAN_MORE;
	}
	return count_value(sc, lim) ? SI_SCAN_MORE : SI_SCAN_TOO_MANY;
}

enum si_json_scan_end si_json_scan(struct si_json_scan *sc, const char *d, size_t len,
				   size_t *at, const struct si_limits *lim)
{
	enum si_json_scan_end end;
	size_t i = *at;

	if (!sc->started) {
		if ((i = after_blanks(d, len, i)) == len) {
			*at = i;
			return SI_SCAN_MORE;
		}
		sc->started = true;
		sc->values = 1;
		sc->in_string = d[i] == '"';
		sc->scalar = !strchr("\"{[", d[i]);
		if (sc->in_string)
			i++;
	}
	if (sc->scalar) {               /* a number or a word, to the byte that ends it */
		while (i < len && (unsigned char)d[i] > ' ' && !strchr(",:]}[{\"", d[i]))
			i++;
		*at = i;
		return i < len ? SI_SCAN_END : SI_SCAN_MORE;
	}
	for (;;) {
		if (sc->in_string) {
			if (!si_json_string_end(d, len, &i, &sc->escape))
				break;
			sc->in_string = false;
			if (sc->depth == 0) {
				*at = i;
				return SI_SCAN_END;
			}
		}
		if (sc->opened && (end = after_open(sc, d, len, &i, lim)) != SI_SCAN_MORE) {
			*at = i;
			return end;
		}
		if (sc->opened)
			break;
		while (i < len && !structural[(unsigned char)d[i]])
			i++;
		if (i == len)
			break;
		switch (d[i++]) {
		case ' ':
			i = si_json_after_spaces(d, len, i);
			break;
		case '"':
			sc->in_string = true;
			break;
		case '{':
		case '[':
			sc->opened = true;
			if (++sc->depth > (lim ? lim->max_depth : UINT_MAX)) {
				*at = i;
				return SI_SCAN_TOO_DEEP;
			}
			break;
		case ',':
			if (!count_value(sc, lim)) {
				*at = after_blanks(d, len, i);
				return SI_SCAN_TOO_MANY;
			}
			break;
		default:                /* '}' or ']' */
			if (sc->depth > 0 && --sc->depth == 0) {
				*at = i;
				return SI_SCAN_END;
			}
		}
	}
	*at = len;
	return SI_SCAN_MORE;
}

/* Bounds the depth and the number of values on the text, before the parser
 * allocates anything: the parser's recursion, and the memory of a request,
 * stay proportional to the limits whatever the text holds. cJSON reads the
 * first value of a text, and refuses the text when anything but blanks
 * follows it. */
static si_rc check_text(const char *d, size_t len, const struct si_limits *lim,
			int first_line, size_t *n_values, struct si_error *err)
{
	struct si_json_scan sc = { 0 };
	size_t i = len >= 3 && memcmp(d, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;   /* as cJSON */
	switch (si_json_scan(&sc, d, len, &i, lim)) {
	case SI_SCAN_TOO_DEEP:
		return si_error_set(err, SI_ERR_LIMIT, NULL, si_line_at(d, i - 1) + first_line - 1,
				    "nesting deeper than %u levels", lim->max_depth);
	case SI_SCAN_TOO_MANY:
		return si_error_set(err, SI_ERR_LIMIT, NULL, si_line_at(d, i) + first_line - 1,
				    "more than %zu values in one document", lim->max_nodes);
	default:
		*n_values = sc.values;
		return SI_OK;
	}
}

/* Walks the text of an already parsed value beside its tree, giving every
 * node its line: a member the line of its key, as the YAML loader does.
 * With a `target`, stops at that node and sets `found` to its line. */
struct scan {
	const char *d;
	size_t len, i;
	int line;
	struct si_linemap *map;     /* may be NULL */
	const cJSON *target;        /* may be NULL */
	int found;
};

static void skip_blank(struct scan *s)
{
	/* cJSON takes every byte up to ' ' as white space. */
	for (; s->i < s->len && (unsigned char)s->d[s->i] <= ' '; s->i++) {
		if (s->d[s->i] == '\n') {      /* and the indentation after it */
			s->line++;
			s->i = si_json_after_spaces(s->d, s->len, s->i + 1) - 1;
		}
	}
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

/* False when out of memory or when the target is found. */
static bool map_value(struct scan *s, const cJSON *node, int line)
{
	skip_blank(s);
	if (!line)
		line = s->line;
	if (node == s->target) {
		s->found = line;
		return false;
	}
	if (s->map && !si_linemap_put(s->map, node, line))
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
			      cJSON **out, struct si_linemap *lines, int first_line,
			      struct si_error *err)
{
	const int before = first_line - 1;     /* lines before the text */

	*out = NULL;
	if (len > lim->max_input_bytes)
		return si_error_set(err, SI_ERR_LIMIT, NULL, 0,
				    "document of %zu bytes is over the %zu-byte limit",
				    len, lim->max_input_bytes);
	size_t start = 0;
	while (start < len && is_blank(data[start]))
		start++;
	if (start == len)
		return si_error_set(err, SI_ERR_SYNTAX, NULL, si_line_at(data, len) + before,
				    "empty JSON document");
	size_t values = 0;
	si_rc rc = check_text(data, len, lim, first_line, &values, err);
	if (rc)
		return rc;
	return si_json_parse_scanned(data, len, values, out, lines, first_line, err);
}

si_rc si_json_parse_scanned(const char *data, size_t len, size_t values, cJSON **out,
			    struct si_linemap *lines, int first_line, struct si_error *err)
{
	const int before = first_line - 1;
	si_rc rc;

	*out = NULL;
	/* cJSON bounds its own recursion too (CJSON_NESTING_LIMIT, 1000). */
	const char *end = NULL;
	errno = 0;
	cJSON *root = cJSON_ParseWithLengthOpts(data, len, &end, false);
	if (!root) {
		/* cJSON fails the same way when an allocation fails; the
		 * allocator (malloc, or the hooks given to cJSON) says so in
		 * errno. */
		if (errno == ENOMEM)
			return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
		size_t off = end && end >= data && end <= data + len ? (size_t)(end - data) : 0;
		return si_error_set(err, SI_ERR_SYNTAX, NULL, si_line_at(data, off) + before,
				    "invalid JSON near byte %zu", off + 1);
	}
	size_t off = (size_t)(end - data);
	while (off < len && is_blank(data[off]))
		off++;
	if (off < len) {
		cJSON_Delete(root);
		return si_error_set(err, SI_ERR_SYNTAX, NULL, si_line_at(data, off) + before,
				    "unexpected content after the JSON value");
	}

	size_t bom = len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	struct scan s = { data, len, bom, first_line, lines, NULL, 0 };
	if (lines && (!si_linemap_reserve(lines, values) || !map_value(&s, root, 0))) {
		rc = si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
		goto fail;
	}
	const cJSON *bad = NULL;
	if ((rc = check_keys(root, &bad, err))) {
		if (rc == SI_ERR_SYNTAX && err && lines) {
			err->line = si_linemap_get(lines, bad);
		} else if (rc == SI_ERR_SYNTAX && err) {
			/* Without a map of our caller's, walk to the node. */
			s = (struct scan){ data, len, bom, first_line, NULL, bad, 0 };
			map_value(&s, root, 0);
			err->line = s.found;
		}
		goto fail;
	}
	*out = root;
	return SI_OK;
fail:
	cJSON_Delete(root);
	return rc;
}

si_rc si_json_parse(const char *data, size_t len, const struct si_limits *lim,
			cJSON **out, struct si_error *err)
{
	return si_json_parse_lines(data, len, lim, out, NULL, 1, err);
}

/* The arena: a list of chunks per thread, bump-allocated, newest first.
 * Each new chunk is at least twice the size of the one before, so a
 * request that made n bytes of values holds O(log n) chunks, and telling
 * the arena's memory from malloc's (which cJSON may free meanwhile, e.g. a
 * value made before the begin) walks that few. Memory freed in the arena
 * comes back at the end only. The first chunk is kept between requests.
 *
 * Chunks of a MiB and more are mapped, not malloc'd, so that the end gives
 * their memory back to the system at once (malloc would keep what it had
 * lent a big request for the next ones: glibc raises its mmap threshold
 * when a mapped block is freed); and they ask for transparent huge pages:
 * with 4 KiB pages, filling 32 MiB with values costs 8 000 page faults,
 * which took more than half the time of such a request. */
#define ARENA_CHUNK (64u * 1024)
#define ARENA_MAP (1u << 20)

struct chunk {
	struct chunk *next;
	size_t size, used;
	bool mapped;
	alignas(max_align_t) unsigned char data[];
};

static _Thread_local struct chunk *arena_head;
static _Thread_local bool arena_on;
static bool arena_hooks;
/* Its value is the thread's kept chunk, freed when the thread exits. */
static pthread_key_t arena_key;

static bool in_arena(const void *p)
{
	/* Compared as integers: comparing pointers into different objects
	 * is undefined. */
	uintptr_t a = (uintptr_t)p;
	for (const struct chunk *c = arena_head; c; c = c->next)
		if (a >= (uintptr_t)c->data && a - (uintptr_t)c->data < c->size)
			return true;
	return false;
}

/* A chunk of `size` bytes of data; NULL (errno ENOMEM) when out of memory. */
static struct chunk *chunk_new(size_t size)
{
	struct chunk *c;
	if (size < ARENA_MAP) {
		if (!(c = malloc(sizeof(*c) + size)))
			return NULL;
		c->mapped = false;
	} else {
		void *p = mmap(NULL, sizeof(*c) + size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			errno = ENOMEM;
			return NULL;
		}
		c = p;
		c->mapped = true;
#ifdef MADV_HUGEPAGE
		/* Advice only: where huge pages are off, nothing changes. */
		const uintptr_t huge = (uintptr_t)2 << 20;
		uintptr_t from = ((uintptr_t)c->data + huge - 1) & ~(huge - 1);
		uintptr_t to = ((uintptr_t)c->data + size) & ~(huge - 1);
		if (to > from)
			madvise((void *)from, to - from, MADV_HUGEPAGE);
#endif
	}
	c->size = size;
	c->used = 0;
	return c;
}

static void chunk_free(struct chunk *c)
{
	if (c && c->mapped)
		munmap(c, sizeof(*c) + c->size);
	else
		free(c);
}

static void *arena_malloc(size_t size)
{
	if (!arena_on)
		return malloc(size);
	if (size > SIZE_MAX / 4) {
		errno = ENOMEM;
		return NULL;
	}
	size = (size + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);
	struct chunk *c = arena_head;
	if (!c || c->size - c->used < size) {
		size_t want = c && c->size <= SIZE_MAX / 4 ? 2 * c->size : ARENA_CHUNK;
		if (!(c = chunk_new(want < size ? size : want)))
			return NULL;
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
	/* Keep the oldest chunk for the next request, unless it is mapped. */
	struct chunk *keep = NULL;
	while (arena_head) {
		struct chunk *c = arena_head;
		arena_head = c->next;
		if (!arena_head && !c->mapped) {
			c->used = 0;
			c->next = NULL;
			keep = c;
		} else {
			chunk_free(c);
		}
	}
	arena_head = keep;
	if (arena_hooks)
		pthread_setspecific(arena_key, keep);
}

size_t si_json_arena_chunks(void)
{
	size_t n = 0;
	for (const struct chunk *c = arena_head; c; c = c->next)
		n++;
	return n;
}
