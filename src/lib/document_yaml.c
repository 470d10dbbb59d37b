// SPDX-License-Identifier: Apache-2.0
// Bytes -> cJSON with source lines: the only libyaml user. Scalars resolve as
// Kubernetes' YAML reader (YAML 1.1) does; aliases are copied within budgets
// of values and bytes so that "billion laughs" and big-scalar bombs end in an
// error, not in memory exhaustion.
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <yaml.h>

#include "document_internal.h"
#include "strhash.h"
#include "security-inspector/utf8.h"

struct anchor {
	char *name;
	const cJSON *node;
	size_t nodes;               /* size of the anchored subtree */
	size_t bytes;               /* its scalars' and keys' bytes */
	unsigned height;            /* its nesting: 0 for a scalar */
	uint64_t hash;              /* of the name */
	size_t next;                /* older anchor in the same bucket, + 1; 0: none */
};

struct frame {
	cJSON *node;                /* object or array being built */
	char *key;                  /* mapping: pending key, owned */
	int key_line;
	bool key_is_merge;          /* the pending key is a plain "<<" */
	cJSON *merges;              /* values of "<<" keys, applied at the end */
	char *anchor;               /* anchor of this collection, owned */
	size_t nodes_at_start;
	size_t bytes_at_start;
	unsigned height;            /* 1 + the highest child's height */
	int line;
};

struct builder {
	bool too_deep;              /* the depth limit was crossed: stop */
	const char *path;
	const struct si_limits *lim;
	struct si_linemap *lines;
	struct si_error *err;
	struct frame *stack;
	size_t depth;
	cJSON *root;
	int root_line;
	size_t nodes;
	size_t bytes;               /* scalars and keys in the document, copies included */
	/* The object being built: a document, or a List item from `depth_from`
	 * on. Its nodes are b->nodes - nodes_from, its nesting b->depth -
	 * depth_from. */
	size_t nodes_from;
	size_t depth_from;
	cJSON *item;                /* a List item just finished, owned */
	int item_line;
	/* What aliases copied in the whole input, documents summed: a stream of
	 * small documents cannot multiply a per-document budget. */
	size_t alias_nodes, alias_bytes;
	struct anchor *anchors;
	size_t n_anchors, cap_anchors;
	size_t *buckets;            /* hash -> latest anchor of that bucket, + 1 */
	size_t n_buckets;           /* a power of two, or 0 */
	uint64_t seed;              /* of the hash, per parse */
};

#define fail(b, code, line, ...) si_error_set((b)->err, code, (b)->path, line, __VA_ARGS__)

static bool in_list(const char *s, const char *const *list)
{
	if (!strchr("~nNtTfFyYoO", s[0]))   /* every word starts so ("" too) */
		return false;
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

static const char *const null_words[] = { "", "~", "null", "Null", "NULL", NULL };
static const char *const true_words[] = { "true", "True", "TRUE", "yes", "Yes", "YES",
	"on", "On", "ON", "y", "Y", NULL };
static const char *const false_words[] = { "false", "False", "FALSE", "no", "No", "NO",
	"off", "Off", "OFF", "n", "N", NULL };

/* Copies `s` without its '_' digit separators; false when it does not fit. */
static bool without_underscores(const char *s, char *buf, size_t size)
{
	size_t n = 0;
	for (; *s; s++) {
		if (*s == '_')
			continue;
		if (n + 1 >= size)
			return false;
		buf[n++] = *s;
	}
	buf[n] = '\0';
	return true;
}

/* Parses a YAML 1.1 integer (decimal, 0x hex, 0b binary, leading-0 octal,
 * '_' separators). */
static bool parse_int(const char *s, double *out)
{
	char buf[80];
	if (!without_underscores(s, buf, sizeof(buf)))
		return false;
	const char *digits = buf;
	bool neg = false;
	if (*digits == '+' || *digits == '-')
		neg = *digits++ == '-';
	if (!*digits)
		return false;
	int base = 10;
	if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
		base = 16, digits += 2;
	else if (digits[0] == '0' && (digits[1] == 'b' || digits[1] == 'B'))
		base = 2, digits += 2;
	else if (digits[0] == '0' && digits[1] == 'o')
		base = 8, digits += 2;
	else if (digits[0] == '0' && digits[1])
		base = 8, digits += 1;
	if (!*digits)
		return false;
	for (const char *c = digits; *c; c++) {
		int v = (*c >= '0' && *c <= '9') ? *c - '0'
		      : (*c >= 'a' && *c <= 'f') ? *c - 'a' + 10
		      : (*c >= 'A' && *c <= 'F') ? *c - 'A' + 10 : 99;
		if (v >= base)
			return false;
	}
	errno = 0;
	unsigned long long v = strtoull(digits, NULL, base);
	if (errno == ERANGE)
		return false;
	*out = neg ? -(double)v : (double)v;
	return true;
}

/* [-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?, .inf, .nan */
static bool parse_float(const char *s, double *out)
{
	const char *c = s;
	if (*c == '+' || *c == '-')
		c++;
	if (strcmp(c, ".inf") == 0 || strcmp(c, ".Inf") == 0 || strcmp(c, ".INF") == 0) {
		*out = s[0] == '-' ? -INFINITY : INFINITY;
		return true;
	}
	if (c == s && (strcmp(c, ".nan") == 0 || strcmp(c, ".NaN") == 0 ||
		       strcmp(c, ".NAN") == 0)) {
		*out = NAN;
		return true;
	}
	char buf[80];
	bool digits = false, dot = false;
	if (!without_underscores(s, buf, sizeof(buf)))
		return false;
	c = buf;
	if (*c == '+' || *c == '-')
		c++;
	for (; *c >= '0' && *c <= '9'; c++)
		digits = true;
	if (*c == '.') {
		dot = true;
		for (c++; *c >= '0' && *c <= '9'; c++)
			digits = true;
	}
	if (!digits)
		return false;
	if (*c == 'e' || *c == 'E') {
		c++;
		if (*c == '+' || *c == '-')
			c++;
		if (!(*c >= '0' && *c <= '9'))
			return false;
		while (*c >= '0' && *c <= '9')
			c++;
	} else if (!dot) {
		return false;   /* a plain integer is parse_int's */
	}
	if (*c)
		return false;
	*out = strtod(buf, NULL);
	return true;
}

static bool tag_is(const yaml_char_t *tag, const char *name)
{
	return tag && strcmp((const char *)tag, name) == 0;
}

/* Builds the cJSON value of a scalar event. */
static si_rc scalar_value(struct builder *b, const yaml_event_t *ev, cJSON **out)
{
	const char *text = (const char *)ev->data.scalar.value;
	const yaml_char_t *tag = ev->data.scalar.tag;
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	int line = (int)ev->start_mark.line + 1;
	double num;

	if (strlen(text) != ev->data.scalar.length)
		return fail(b, SI_ERR_SYNTAX, line, "%s", "NUL character in a scalar");
	if (tag_is(tag, YAML_STR_TAG) || tag_is(tag, "!") || tag_is(tag, "tag:yaml.org,2002:binary")) {
		*out = cJSON_CreateString(text);
	} else if (tag_is(tag, YAML_NULL_TAG)) {
		*out = cJSON_CreateNull();
	} else if (tag_is(tag, YAML_BOOL_TAG)) {
		if (!in_list(text, true_words) && !in_list(text, false_words))
			return fail(b, SI_ERR_SYNTAX, line, "\"%s\" is not a boolean", text);
		*out = cJSON_CreateBool(in_list(text, true_words));
	} else if (tag_is(tag, YAML_INT_TAG) || tag_is(tag, YAML_FLOAT_TAG)) {
		if (!parse_int(text, &num) && !parse_float(text, &num))
			return fail(b, SI_ERR_SYNTAX, line, "\"%s\" is not a number", text);
		*out = cJSON_CreateNumber(num);
	} else if (!plain) {
		*out = cJSON_CreateString(text);
	} else if (in_list(text, null_words)) {
		*out = cJSON_CreateNull();
	} else if (in_list(text, true_words)) {
		*out = cJSON_CreateTrue();
	} else if (in_list(text, false_words)) {
		*out = cJSON_CreateFalse();
	} else if (parse_int(text, &num) || parse_float(text, &num)) {
		*out = cJSON_CreateNumber(num);
	} else {
		*out = cJSON_CreateString(text);
	}
	return *out ? SI_OK : fail(b, SI_ERR_NOMEM, line, "%s", "out of memory");
}

static si_rc count_nodes(struct builder *b, size_t n, int line)
{
	b->nodes += n;
	if (b->nodes - b->nodes_from > b->lim->max_nodes)
		return si_error_set(b->err, SI_ERR_LIMIT, b->path, line,
				    "document expands to more than %zu values "
				    "(aliases included)", b->lim->max_nodes);
	return SI_OK;
}

/* Anchor names are found through a hash table so that each alias costs the
 * same whatever the number of anchors before it, keyed per parse
 * (strhash.h). */
static void bucket_insert(struct builder *b, size_t i)
{
	size_t *head = &b->buckets[b->anchors[i].hash & (b->n_buckets - 1)];
	b->anchors[i].next = *head;
	*head = i + 1;
}

static si_rc remember_anchor(struct builder *b, char *name, const cJSON *node,
				 size_t nodes, size_t bytes, unsigned height, int line)
{
	if (b->n_anchors == b->cap_anchors) {
		size_t cap = b->cap_anchors ? b->cap_anchors * 2 : 16;
		struct anchor *a = realloc(b->anchors, cap * sizeof(*a));
		if (!a) {
			free(name);
			return fail(b, SI_ERR_NOMEM, line, "%s", "out of memory");
		}
		b->anchors = a;
		b->cap_anchors = cap;
	}
	if (b->n_anchors == b->n_buckets) {   /* at most one anchor per bucket on average */
		size_t n = b->n_buckets ? b->n_buckets * 2 : 64;
		size_t *buckets = calloc(n, sizeof(*buckets));
		if (!buckets) {
			free(name);
			return fail(b, SI_ERR_NOMEM, line, "%s", "out of memory");
		}
		free(b->buckets);
		b->buckets = buckets;
		b->n_buckets = n;
		for (size_t i = 0; i < b->n_anchors; i++)   /* in order: the latest first */
			bucket_insert(b, i);
	}
	b->anchors[b->n_anchors] = (struct anchor){ name, node, nodes, bytes, height,
						    si_strhash(b->seed, name), 0 };
	bucket_insert(b, b->n_anchors++);
	return SI_OK;
}

/* Copies the lines of `from` onto its copy `to`, node by node. */
static bool copy_lines(struct si_linemap *m, const cJSON *from, const cJSON *to,
		       int fallback)
{
	int line = si_linemap_get(m, from);
	if (!si_linemap_put(m, to, line ? line : fallback))
		return false;
	for (from = from->child, to = to->child; from && to; from = from->next, to = to->next)
		if (!copy_lines(m, from, to, fallback))
			return false;
	return true;
}

/* Adds a finished node `v` (owned) of `height` to the open collection or as
 * the root. */
static si_rc attach(struct builder *b, cJSON *v, int line, unsigned height)
{
	if (b->depth == 0) {
		b->root = v;
		b->root_line = line;
		return si_linemap_put(b->lines, v, line) ? SI_OK
			: fail(b, SI_ERR_NOMEM, line, "%s", "out of memory");
	}
	if (b->depth_from && b->depth == b->depth_from) {   /* a List item: handed out */
		b->item = v;
		b->item_line = line;
		return si_linemap_put(b->lines, v, line) ? SI_OK
			: fail(b, SI_ERR_NOMEM, line, "%s", "out of memory");
	}
	struct frame *f = &b->stack[b->depth - 1];
	if (f->height < height + 1)
		f->height = height + 1;
	if (cJSON_IsArray(f->node)) {
		cJSON_AddItemToArray(f->node, v);
		return si_linemap_put(b->lines, v, line) ? SI_OK
			: fail(b, SI_ERR_NOMEM, line, "%s", "out of memory");
	}
	if (!f->key) {
		cJSON_Delete(v);
		return fail(b, SI_ERR_SYNTAX, line, "%s",
			    "mapping key is not a scalar (a template placeholder such "
			    "as {{ value }} needs quotes)");
	}
	if (f->key_is_merge) {
		if (!f->merges && !(f->merges = cJSON_CreateArray())) {
			cJSON_Delete(v);
			return fail(b, SI_ERR_NOMEM, line, "%s", "out of memory");
		}
		cJSON_AddItemToArray(f->merges, v);
	} else if (!cJSON_AddItemToObject(f->node, f->key, v)) {   /* copies the key */
		cJSON_Delete(v);
		return fail(b, SI_ERR_NOMEM, line, "%s", "out of memory");
	}
	bool ok = si_linemap_put(b->lines, v, f->key_line);
	free(f->key);
	f->key = NULL;
	f->key_is_merge = false;
	return ok ? SI_OK : fail(b, SI_ERR_NOMEM, line, "%s", "out of memory");
}

static bool expecting_key(const struct builder *b)
{
	if (b->depth == 0)
		return false;
	const struct frame *f = &b->stack[b->depth - 1];
	return cJSON_IsObject(f->node) && !f->key;
}

static si_rc set_key(struct builder *b, const char *text, bool merge, int line)
{
	struct frame *f = &b->stack[b->depth - 1];
	f->key = strdup(text);
	if (!f->key)
		return fail(b, SI_ERR_NOMEM, line, "%s", "out of memory");
	f->key_line = line;
	f->key_is_merge = merge;
	return SI_OK;
}

static si_rc on_scalar(struct builder *b, const yaml_event_t *ev)
{
	int line = (int)ev->start_mark.line + 1;
	si_rc rc = count_nodes(b, 1, line);
	if (rc)
		return rc;
	b->bytes += ev->data.scalar.length;
	if (expecting_key(b)) {
		const char *text = (const char *)ev->data.scalar.value;
		bool merge = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
			     !ev->data.scalar.tag && strcmp(text, "<<") == 0;
		return set_key(b, text, merge, line);
	}
	cJSON *v;
	if ((rc = scalar_value(b, ev, &v)))
		return rc;
	if (ev->data.scalar.anchor) {
		char *name = strdup((const char *)ev->data.scalar.anchor);
		if (!name) {
			cJSON_Delete(v);
			return fail(b, SI_ERR_NOMEM, line, "%s", "out of memory");
		}
		if ((rc = remember_anchor(b, name, v, 1, ev->data.scalar.length, 0, line))) {
			cJSON_Delete(v);
			return rc;
		}
	}
	return attach(b, v, line, 0);
}

static const struct anchor *find_anchor(const struct builder *b, const char *name)
{
	if (!b->n_buckets)
		return NULL;
	uint64_t h = si_strhash(b->seed, name);
	/* A bucket lists the latest anchor first: a redefined anchor, the latest wins. */
	for (size_t i = b->buckets[h & (b->n_buckets - 1)]; i; i = b->anchors[i - 1].next)
		if (b->anchors[i - 1].hash == h && strcmp(b->anchors[i - 1].name, name) == 0)
			return &b->anchors[i - 1];
	return NULL;
}

/* Charges the copy that alias *`name` makes of `a` to the budgets of the
 * whole input, before anything is copied: its values (all aliases of the
 * input together within max_nodes, however many documents share it) and
 * the bytes of its scalars and keys, so that one big scalar repeated is
 * bounded as surely as a deep tree of small ones. */
static si_rc charge_alias(struct builder *b, const struct anchor *a, const char *name,
			  int line)
{
	if (a->nodes > b->lim->max_nodes - b->alias_nodes)
		return si_error_set(b->err, SI_ERR_LIMIT, b->path, line,
				    "alias *%s: the aliases of this input would copy more "
				    "than %zu values", name, b->lim->max_nodes);
	if (a->bytes > b->lim->max_alias_bytes - b->alias_bytes)
		return si_error_set(b->err, SI_ERR_LIMIT, b->path, line,
				    "alias *%s: the aliases of this input would copy more "
				    "than %zu bytes (this one copies %zu)", name,
				    b->lim->max_alias_bytes, a->bytes);
	b->alias_nodes += a->nodes;
	b->alias_bytes += a->bytes;
	b->bytes += a->bytes;
	return SI_OK;
}

static si_rc on_alias(struct builder *b, const yaml_event_t *ev)
{
	int line = (int)ev->start_mark.line + 1;
	const char *name = (const char *)ev->data.alias.anchor;
	const struct anchor *a = find_anchor(b, name);
	if (!a)
		return fail(b, SI_ERR_SYNTAX, line,
			    "alias *%s names no complete anchor before it%s", name,
			    b->depth_from ? " (the anchors of earlier List items are not "
			    "kept)" : "");
	si_rc rc = count_nodes(b, a->nodes, line);
	if (rc)
		return rc;
	if ((rc = charge_alias(b, a, name, line)))
		return rc;
	/* A copy nests as deep as its anchor did: bound the sum, or chained
	 * aliases could build a tree too deep to free recursively. */
	if (b->depth - b->depth_from + a->height > b->lim->max_depth)
		return si_error_set(b->err, SI_ERR_LIMIT, b->path, line,
				    "alias *%s nests deeper than %u levels", name,
				    b->lim->max_depth);
	if (expecting_key(b)) {
		if (!cJSON_IsString(a->node))
			return fail(b, SI_ERR_SYNTAX, line,
				    "alias *%s used as a key is not a string", name);
		return set_key(b, a->node->valuestring, false, line);
	}
	cJSON *copy = cJSON_Duplicate(a->node, true);
	if (!copy || !copy_lines(b->lines, a->node, copy, line)) {
		cJSON_Delete(copy);
		return fail(b, SI_ERR_NOMEM, line, "%s", "out of memory");
	}
	return attach(b, copy, line, a->height);
}

static si_rc on_start(struct builder *b, const yaml_event_t *ev, bool mapping)
{
	int line = (int)ev->start_mark.line + 1;
	if (expecting_key(b))
		return fail(b, SI_ERR_SYNTAX, line, "%s",
			    "mapping key is not a scalar (a template placeholder such "
			    "as {{ value }} needs quotes)");
	if (b->depth - b->depth_from >= b->lim->max_depth) {
		/* Not skipped: libyaml's time grows with the square of the
		 * nesting, and "[[[[..." costs two bytes a level. */
		b->too_deep = true;
		return si_error_set(b->err, SI_ERR_LIMIT, b->path, line,
				    "nesting deeper than %u levels; the rest of the input "
				    "is not read", b->lim->max_depth);
	}
	si_rc rc = count_nodes(b, 1, line);
	if (rc)
		return rc;
	const yaml_char_t *anchor = mapping ? ev->data.mapping_start.anchor
					    : ev->data.sequence_start.anchor;
	struct frame f = { .line = line, .nodes_at_start = b->nodes - 1,
			   .bytes_at_start = b->bytes, .height = 1 };
	f.node = mapping ? cJSON_CreateObject() : cJSON_CreateArray();
	if (anchor)
		f.anchor = strdup((const char *)anchor);
	if (!f.node || (anchor && !f.anchor)) {
		cJSON_Delete(f.node);
		free(f.anchor);
		return fail(b, SI_ERR_NOMEM, line, "%s", "out of memory");
	}
	b->stack[b->depth++] = f;
	return SI_OK;
}

static int by_order(const void *x, const void *y)
{
	const struct si_keyref *a = x, *b = y;
	return (a->order > b->order) - (a->order < b->order);
}

/* The keys of a mapping with merge keys: its own (node NULL), then its
 * merge sources' (node: the member to copy), numbered in the order they take
 * precedence. */
struct merge_keys {
	struct si_keyref *keys;     /* NULL: only count */
	size_t n;
};

/* Appends the keys of the mappings that the "<<" values of `f` name, in
 * order, to `l`; an error when one is not a mapping. */
static si_rc merge_source_keys(struct builder *b, const struct frame *f,
			       struct merge_keys *l)
{
	for (const cJSON *s = f->merges->child; s; s = s->next) {
		const cJSON *list = cJSON_IsArray(s) ? s->child : s;
		for (const cJSON *m = list; m; m = cJSON_IsArray(s) ? m->next : NULL) {
			if (!cJSON_IsObject(m))
				return fail(b, SI_ERR_SYNTAX, f->line, "%s",
					    "merge key << needs a mapping or a list of mappings");
			for (const cJSON *kv = m->child; kv; kv = kv->next, l->n++)
				if (l->keys)
					l->keys[l->n] = (struct si_keyref){
						kv->string ? kv->string : "", kv, l->n };
		}
	}
	return SI_OK;
}

/* Adds the keys of merge sources that the mapping does not set itself, an
 * earlier source's before a later one's. Sorted, the keys cost n log n
 * compares, not one per pair: a big mapping merged into a big mapping stays
 * cheap. */
static si_rc apply_merges(struct builder *b, struct frame *f)
{
	struct merge_keys l = { 0 };
	si_rc rc;

	if (!f->merges)
		return SI_OK;
	for (const cJSON *kv = f->node->child; kv; kv = kv->next)
		l.n++;
	if ((rc = merge_source_keys(b, f, &l)))
		return rc;
	if (!(l.keys = malloc((l.n ? l.n : 1) * sizeof(*l.keys))))
		return fail(b, SI_ERR_NOMEM, f->line, "%s", "out of memory");
	l.n = 0;
	for (const cJSON *kv = f->node->child; kv; kv = kv->next, l.n++)
		l.keys[l.n] = (struct si_keyref){ kv->string ? kv->string : "", NULL, l.n };
	merge_source_keys(b, f, &l);   /* checked by the count above */
	qsort(l.keys, l.n, sizeof(*l.keys), si_keyref_cmp);
	/* The first of each key wins; keep the sources' winners. */
	size_t n = 0;
	const char *prev = NULL;
	for (size_t i = 0; i < l.n; i++) {
		bool first = !prev || strcmp(prev, l.keys[i].key) != 0;
		prev = l.keys[i].key;
		if (first && l.keys[i].node)
			l.keys[n++] = l.keys[i];
	}
	qsort(l.keys, n, sizeof(*l.keys), by_order);
	for (size_t i = 0; i < n; i++) {
		const cJSON *kv = l.keys[i].node;
		cJSON *copy = cJSON_Duplicate(kv, true);
		if (!copy || !copy_lines(b->lines, kv, copy, f->line) ||
		    !cJSON_AddItemToObject(f->node, kv->string, copy)) {
			cJSON_Delete(copy);
			rc = fail(b, SI_ERR_NOMEM, f->line, "%s", "out of memory");
			break;
		}
	}
	free(l.keys);
	return rc;
}

static si_rc on_end(struct builder *b)
{
	struct frame f = b->stack[--b->depth];
	si_rc rc = SI_OK;

	if (cJSON_IsObject(f.node)) {
		const cJSON *dup;
		if (si_json_duplicate_key(f.node, &dup)) {
			rc = fail(b, SI_ERR_NOMEM, f.line, "%s", "out of memory");
			goto out;
		}
		if (dup) {
			const cJSON *first = cJSON_GetObjectItemCaseSensitive(f.node, dup->string);
			rc = si_error_set(b->err, SI_ERR_SYNTAX, b->path,
					  si_linemap_get(b->lines, dup),
					  "duplicate key \"%s\" (first set at line %d)",
					  dup->string, si_linemap_get(b->lines, first));
			if (b->err)
				snprintf(b->err->key, sizeof(b->err->key), "%s", dup->string);
			goto out;
		}
		if ((rc = apply_merges(b, &f)))
			goto out;
	}
	if (f.anchor) {
		rc = remember_anchor(b, f.anchor, f.node, b->nodes - f.nodes_at_start,
				     b->bytes - f.bytes_at_start, f.height, f.line);
		f.anchor = NULL;
		if (rc)
			goto out;
	}
	rc = attach(b, f.node, f.line, f.height);
	f.node = NULL;
out:
	cJSON_Delete(f.node);
	cJSON_Delete(f.merges);
	free(f.key);
	free(f.anchor);
	return rc;
}

/* Frees the open collections from `depth` up. */
static void drop_frames(struct builder *b, size_t depth)
{
	while (b->depth > depth) {
		struct frame *f = &b->stack[--b->depth];
		cJSON_Delete(f->node);
		cJSON_Delete(f->merges);
		free(f->key);
		free(f->anchor);
	}
}

/* Forgets the anchors from the `from`th on. The latest anchor is the first
 * of its bucket: taken latest first, each is. */
static void drop_anchors(struct builder *b, size_t from)
{
	while (b->n_anchors > from) {
		struct anchor *a = &b->anchors[--b->n_anchors];
		b->buckets[a->hash & (b->n_buckets - 1)] = a->next;
		free(a->name);
	}
}

static void reset_document(struct builder *b)
{
	drop_frames(b, 0);
	drop_anchors(b, 0);         /* anchors end with their document */
	b->nodes = 0;
	b->bytes = 0;
	b->nodes_from = 0;
	b->depth_from = 0;
	cJSON_Delete(b->root);
	b->root = NULL;
	cJSON_Delete(b->item);
	b->item = NULL;
}

static si_rc parser_error(struct builder *b, const yaml_parser_t *p)
{
	const yaml_mark_t *mark = p->problem ? &p->problem_mark : &p->context_mark;
	char msg[256];
	if (p->error == YAML_MEMORY_ERROR)
		return fail(b, SI_ERR_NOMEM, 0, "%s", "out of memory");
	snprintf(msg, sizeof(msg), "invalid YAML: %s%s%s",
		 p->problem ? p->problem : "unknown problem",
		 p->context ? " " : "", p->context ? p->context : "");
	return si_error_set(b->err, SI_ERR_SYNTAX, b->path, (int)mark->line + 1,
			    "%s", msg);
}

/* "# Source: " comments. libyaml drops comments, yet helm opens the
 * document of each template it renders with one naming the template. The
 * reader looks at the text on its way to libyaml, with lines counted as
 * libyaml counts them, and keeps the comments it finds until the parser is
 * past them. libyaml reads ahead of the events it gives, by no more than it
 * is handed at a time: READ_AHEAD bytes, where templates of a few lines
 * hold a few dozen comments. Past MAX_PENDING kept, which takes text of
 * little else than such comments, the oldest is forgotten: a document then
 * reads as having none, and is never given another's. */

#define SOURCE_PREFIX "# Source: "
#define SOURCE_PREFIX_LEN (sizeof(SOURCE_PREFIX) - 1)
#define READ_AHEAD 1024
#define MAX_PENDING 64

struct source_comment {
	int line;                   /* 0-based, as libyaml's marks */
	char *path;
};

struct source_scan {
	bool off;                   /* UTF-16 text, which libyaml decodes: no
				     * comment is looked for */
	size_t seen;                /* bytes, up to 2 */
	int line;                   /* of the next byte */
	unsigned char prev[2];      /* the two bytes before it, the latest last */
	bool at_start;              /* it starts a line */
	bool keep;                  /* the line so far may be a Source comment */
	size_t len;
	char text[SOURCE_PREFIX_LEN + SI_SOURCE_MAX + 2];   /* and a break's lead bytes */
	struct source_comment pending[MAX_PENDING];         /* by line */
	size_t n_pending;
};

struct si_yaml_reader {
	yaml_parser_t parser;
	struct builder b;
	bool split;                 /* Lists handed out item by item */
	size_t max_object;          /* characters of one object; 0: no bound */
	/* Where the text comes from: data[at, len), or `read`. */
	const char *data;
	size_t len, at;
	si_yaml_read_fn read;
	void *read_ctx;
	bool nomem;                 /* a comment could not be kept */
	struct source_scan scan;
	/* The document being read: where its start ends (-1: the stream's
	 * start), and its source (owned) with the comment's 1-based line. */
	int doc_from;
	int last_end;               /* the line where the last document ended */
	char *doc_source;
	int doc_source_line;
	bool done;
	size_t last_index;          /* where the last event ended */
	int last_line;
	/* The object being read: where it starts. */
	size_t obj_start;
	int obj_line;
	/* The document being read as a List (`split` only). */
	bool list;
	char *list_kind;            /* its kind, when set before its items */
	size_t bytes_from;          /* b->bytes and b->n_anchors when the item began */
	size_t anchors_from;
	/* An object over a limit is skipped: to the end of its document, or
	 * until `skip_open` more collections have ended. */
	bool skip_doc;
	size_t skip_open;
};

/* Keeps the comment on `line` naming `path` (`len` bytes). */
static bool keep_source(struct source_scan *s, int line, const char *path, size_t len)
{
	char *copy = malloc(len + 1);
	if (!copy)
		return false;
	memcpy(copy, path, len);
	copy[len] = '\0';
	if (s->n_pending == MAX_PENDING) {
		free(s->pending[0].path);
		memmove(s->pending, s->pending + 1, (MAX_PENDING - 1) * sizeof(s->pending[0]));
		s->n_pending--;
	}
	s->pending[s->n_pending++] = (struct source_comment){ line, copy };
	return true;
}

/* A line ends, its break's first `lead` bytes (of NEL, LS or PS) already in
 * the text: a "# Source: " comment is kept. False when out of memory. */
static bool end_line(struct source_scan *s, size_t lead)
{
	bool keep = s->keep && s->len >= SOURCE_PREFIX_LEN + lead;
	s->keep = false;
	if (!keep)
		return true;
	size_t n = s->len - lead;
	while (n > SOURCE_PREFIX_LEN && (s->text[n - 1] == ' ' || s->text[n - 1] == '\t'))
		n--;
	const char *path = s->text + SOURCE_PREFIX_LEN;
	size_t len = n - SOURCE_PREFIX_LEN;
	return !si_source_ok(path, len) || keep_source(s, s->line, path, len);
}

/* The byte `back` (1 or 2) bytes before p[i]: of these bytes, or of those
 * scanned before them. */
static unsigned char byte_before(const struct source_scan *s, const unsigned char *p,
				 size_t i, size_t back)
{
	return i >= back ? p[i - back] : s->prev[2 + i - back];
}

/* Follows the `n` bytes at `p`, as libyaml will read them, line by line:
 * libyaml's line breaks are CR LF, CR, LF, NEL, LS and PS. False when out
 * of memory. */
static bool scan_text(struct source_scan *s, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n && !s->off; i++) {
		unsigned char c = p[i];
		if (s->seen < 2 && ++s->seen == 2) {   /* a byte order mark */
			unsigned char first = byte_before(s, p, i, 1);
			s->off = (first == 0xff && c == 0xfe) || (first == 0xfe && c == 0xff);
		}
		if (c < 0x80 && c != '\n' && c != '\r' && !s->keep && !s->at_start)
			continue;           /* most bytes: within a line of no interest */
		unsigned char p1 = byte_before(s, p, i, 1), p0 = byte_before(s, p, i, 2);
		if (c == '\n' && p1 == '\r')
			continue;           /* the second half of CR LF */
		size_t lead = c == '\r' || c == '\n' ? 0
			    : c == 0x85 && p1 == 0xc2 ? 1
			    : (c == 0xa8 || c == 0xa9) && p1 == 0x80 && p0 == 0xe2 ? 2 : SIZE_MAX;
		if (lead != SIZE_MAX) {
			if (!end_line(s, lead))
				return false;
			s->line++;
			s->at_start = true;
			continue;
		}
		if (s->at_start) {
			s->at_start = false;
			s->keep = c == '#';
			s->len = 0;
		}
		if (!s->keep)
			continue;
		if (s->len == sizeof(s->text) ||
		    (s->len < SOURCE_PREFIX_LEN && c != (unsigned char)SOURCE_PREFIX[s->len])) {
			s->keep = false;    /* too long for a path, or another comment */
			continue;
		}
		s->text[s->len++] = (char)c;
	}
	if (n > 0) {
		s->prev[0] = n > 1 ? p[n - 2] : s->prev[1];
		s->prev[1] = p[n - 1];
	}
	return true;
}

/* libyaml's read handler: the caller's bytes, READ_AHEAD at most at a
 * time, looked at on their way. */
static int reader_read(void *ctx, unsigned char *buf, size_t size, size_t *got)
{
	struct si_yaml_reader *r = ctx;

	if (size > READ_AHEAD)
		size = READ_AHEAD;
	if (r->read) {
		if (!r->read(r->read_ctx, buf, size, got))
			return 0;
	} else {
		*got = r->len - r->at < size ? r->len - r->at : size;
		memcpy(buf, r->data + r->at, *got);
		r->at += *got;
	}
	if (!scan_text(&r->scan, buf, *got)) {
		r->nomem = true;
		return 0;
	}
	return 1;
}

/* Forgets the comments kept before `line`. */
static void drop_sources(struct source_scan *s, int line)
{
	size_t n = 0;
	while (n < s->n_pending && s->pending[n].line < line)
		free(s->pending[n++].path);
	memmove(s->pending, s->pending + n, (s->n_pending - n) * sizeof(s->pending[0]));
	s->n_pending -= n;
}

/* A document starts (`ev`) or ends. Comments before its start are no
 * document's. */
static void document_bounds(struct si_yaml_reader *r, const yaml_event_t *ev)
{
	int line = (int)ev->end_mark.line;
	if (ev->type == YAML_DOCUMENT_END_EVENT) {
		r->last_end = line;
		return;
	}
	/* An explicit start ends with its "---" line; an implicit one starts
	 * the stream, or follows an explicit end. */
	r->doc_from = ev->data.document_start.implicit ? r->last_end : line;
	drop_sources(&r->scan, r->doc_from + 1);
}

/* The first node of a document starts on `line` (0-based): the document's
 * source is the last comment kept since its start. */
static void take_source(struct si_yaml_reader *r, int line)
{
	struct source_scan *s = &r->scan;
	free(r->doc_source);
	r->doc_source = NULL;
	for (size_t i = 0; i < s->n_pending && s->pending[i].line < line; i++) {
		if (s->pending[i].line <= r->doc_from)
			continue;
		free(r->doc_source);
		r->doc_source = s->pending[i].path;
		r->doc_source_line = s->pending[i].line + 1;
		s->pending[i].path = NULL;
	}
	drop_sources(s, line);
}

static bool starts_node(const yaml_event_t *ev)
{
	return ev->type == YAML_SCALAR_EVENT || ev->type == YAML_ALIAS_EVENT ||
	       ev->type == YAML_MAPPING_START_EVENT || ev->type == YAML_SEQUENCE_START_EVENT;
}

static bool ends_node(const yaml_event_t *ev)
{
	return ev->type == YAML_MAPPING_END_EVENT || ev->type == YAML_SEQUENCE_END_EVENT;
}

/* Whether the sequence `ev` starts is the items of a List: the value of the
 * key "items" of a document's top-level mapping, unless a kind set before
 * it is not a List kind (kubectl writes the items before the kind). */
static bool items_start(const struct si_yaml_reader *r, const yaml_event_t *ev)
{
	const struct builder *b = &r->b;
	if (!r->split || r->list || ev->type != YAML_SEQUENCE_START_EVENT || b->depth != 1)
		return false;
	const struct frame *f = &b->stack[0];
	if (!cJSON_IsObject(f->node) || !f->key || f->key_is_merge ||
	    strcmp(f->key, "items") != 0)
		return false;
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(f->node, "kind");
	return !kind || (cJSON_IsString(kind) && si_list_kind(kind->valuestring));
}

/* The items sequence has just been opened. */
static si_rc begin_items(struct si_yaml_reader *r, int line)
{
	struct builder *b = &r->b;
	struct frame *f = &b->stack[b->depth - 1];
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(b->stack[0].node, "kind");
	r->list = true;
	b->depth_from = b->depth;
	/* The items are not kept: an alias could not copy them. */
	free(f->anchor);
	f->anchor = NULL;
	if (kind && !(r->list_kind = strdup(kind->valuestring)))
		return fail(b, SI_ERR_NOMEM, line, "%s", "out of memory");
	return SI_OK;
}

/* `ev` starts an object: a document's root, or a List item. */
static void begin_object(struct si_yaml_reader *r, const yaml_event_t *ev)
{
	struct builder *b = &r->b;
	if (b->depth == 0)
		take_source(r, (int)ev->start_mark.line);
	r->obj_start = ev->start_mark.index;
	r->obj_line = (int)ev->start_mark.line + 1;
	b->nodes_from = b->nodes;
	r->bytes_from = b->bytes;
	r->anchors_from = b->n_anchors;
}

/* A List item is handed out or skipped: what it counted and its anchors go
 * with it. */
static void end_item(struct si_yaml_reader *r)
{
	struct builder *b = &r->b;
	b->nodes = b->nodes_from;
	b->bytes = r->bytes_from;
	drop_anchors(b, r->anchors_from);
}

static void end_document(struct si_yaml_reader *r)
{
	reset_document(&r->b);
	r->list = false;
	free(r->list_kind);
	r->list_kind = NULL;
	r->skip_doc = false;
	r->skip_open = 0;
}

static si_rc on_event(struct si_yaml_reader *r, const yaml_event_t *ev,
		      struct si_yaml_object *obj)
{
	struct builder *b = &r->b;
	bool at_items = b->depth_from && b->depth == b->depth_from;
	bool list;
	si_rc rc;

	if (starts_node(ev) && (b->depth == 0 || at_items))
		begin_object(r, ev);
	if (at_items && ends_node(ev)) {
		/* The end of the items; the List's other keys follow. */
		b->depth_from = 0;
		r->obj_start = ev->end_mark.index;
		r->obj_line = b->stack[0].line;
	} else if ((starts_node(ev) || ends_node(ev)) && r->max_object &&
		   ev->end_mark.index - r->obj_start > r->max_object) {
		return si_error_set(b->err, SI_ERR_LIMIT, b->path, r->obj_line,
				    "object of more than %zu characters", r->max_object);
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		rc = on_scalar(b, ev);
		break;
	case YAML_ALIAS_EVENT:
		rc = on_alias(b, ev);
		break;
	case YAML_MAPPING_START_EVENT:
		rc = on_start(b, ev, true);
		break;
	case YAML_SEQUENCE_START_EVENT:
		list = items_start(r, ev);
		if ((rc = on_start(b, ev, false)) == SI_OK && list)
			rc = begin_items(r, (int)ev->start_mark.line + 1);
		break;
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		rc = on_end(b);
		break;
	case YAML_DOCUMENT_END_EVENT:
		if (!r->list && b->root && !cJSON_IsNull(b->root)) {
			*obj = (struct si_yaml_object){ b->root, b->root_line, 0, NULL,
							r->doc_source, r->doc_source_line };
			b->root = NULL;
		}
		end_document(r);
		return SI_OK;
	case YAML_STREAM_END_EVENT:
		r->done = true;
		return SI_OK;
	default:
		return SI_OK;
	}
	if (rc == SI_OK && b->item) {
		*obj = (struct si_yaml_object){ b->item, b->item_line, 1, r->list_kind,
						r->doc_source, r->doc_source_line };
		b->item = NULL;
		end_item(r);
	}
	return rc;
}

/* `ev` made the object being read go over a limit: what it built goes, and
 * the events up to its end will be skipped. */
static void skip_object(struct si_yaml_reader *r, const yaml_event_t *ev)
{
	struct builder *b = &r->b;
	if (!b->depth_from) {       /* a document, or a List's own keys */
		reset_document(b);
		r->skip_doc = true;
		return;
	}
	size_t open = b->depth - b->depth_from;
	drop_frames(b, b->depth_from);
	if (ev->type == YAML_MAPPING_START_EVENT || ev->type == YAML_SEQUENCE_START_EVENT)
		open++;                 /* refused before it was opened */
	else if (ends_node(ev))
		open--;                 /* refused instead of closing one */
	r->skip_open = open;
	if (!open)
		end_item(r);
}

static void skip_event(struct si_yaml_reader *r, const yaml_event_t *ev)
{
	if (ev->type == YAML_STREAM_END_EVENT) {
		r->done = true;
	} else if (r->skip_doc) {
		if (ev->type == YAML_DOCUMENT_END_EVENT)
			end_document(r);
	} else if (ev->type == YAML_MAPPING_START_EVENT ||
		   ev->type == YAML_SEQUENCE_START_EVENT) {
		r->skip_open++;
	} else if (ends_node(ev) && --r->skip_open == 0) {
		end_item(r);
	}
}

si_rc si_yaml_reader_new(const char *path, const struct si_limits *lim, bool split,
			 size_t max_object, const char *data, size_t len,
			 si_yaml_read_fn read, void *ctx, struct si_yaml_reader **out,
			 struct si_error *err)
{
	struct si_yaml_reader *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r)
		return si_error_set(err, SI_ERR_NOMEM, path, 0, "out of memory");
	r->b = (struct builder){ .path = path, .lim = lim, .seed = si_strhash_seed() };
	r->split = split;
	r->max_object = max_object;
	r->data = data;
	r->len = len;
	r->read = read;
	r->read_ctx = ctx;
	r->scan.at_start = true;
	r->doc_from = r->last_end = -1;
	/* A List's items nest two levels below its root. */
	r->b.stack = calloc(lim->max_depth + 2, sizeof(*r->b.stack));
	if (!r->b.stack || !yaml_parser_initialize(&r->parser)) {
		free(r->b.stack);
		free(r);
		return si_error_set(err, SI_ERR_NOMEM, path, 0, "out of memory");
	}
	yaml_parser_set_input(&r->parser, reader_read, r);
	*out = r;
	return SI_OK;
}

si_rc si_yaml_reader_next(struct si_yaml_reader *r, struct si_linemap *lines,
			  struct si_yaml_object *obj, struct si_error *err)
{
	struct builder *b = &r->b;
	yaml_event_t ev;
	si_rc rc = SI_OK;

	*obj = (struct si_yaml_object){ 0 };
	b->lines = lines;
	b->err = err;
	while (rc == SI_OK && !r->done && !obj->root) {
		if (!yaml_parser_parse(&r->parser, &ev)) {
			r->done = true;
			return r->nomem ? fail(b, SI_ERR_NOMEM, r->last_line, "%s", "out of memory")
				: parser_error(b, &r->parser);
		}
		r->last_index = ev.end_mark.index;
		r->last_line = (int)ev.end_mark.line + 1;
		if (ev.type == YAML_DOCUMENT_START_EVENT || ev.type == YAML_DOCUMENT_END_EVENT)
			document_bounds(r, &ev);
		if (r->skip_doc || r->skip_open)
			skip_event(r, &ev);
		else
			rc = on_event(r, &ev, obj);
		if (rc == SI_ERR_LIMIT && !b->too_deep) {
			obj->line = r->obj_line;
			skip_object(r, &ev);
		} else if (rc) {
			obj->line = r->obj_line;
			r->done = true;
		}
		yaml_event_delete(&ev);
	}
	return rc;
}

size_t si_yaml_reader_gap(const struct si_yaml_reader *r, int *line)
{
	*line = r->last_line;
	return r->parser.mark.index > r->last_index ? r->parser.mark.index - r->last_index : 0;
}

void si_yaml_reader_free(struct si_yaml_reader *r)
{
	if (!r)
		return;
	end_document(r);
	drop_sources(&r->scan, INT_MAX);
	free(r->doc_source);
	free(r->b.anchors);
	free(r->b.buckets);
	free(r->b.stack);
	yaml_parser_delete(&r->parser);
	free(r);
}

static si_rc push_document(const char *path, const struct si_limits *lim,
			   struct si_yaml_object *obj, cJSON ***docs, struct si_doc_place **places,
			   size_t *n, size_t *cap, struct si_error *err)
{
	char *source = NULL;

	if (*n == lim->max_documents) {
		cJSON_Delete(obj->root);
		return si_error_set(err, SI_ERR_LIMIT, path, obj->line,
				    "more than %zu documents", lim->max_documents);
	}
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 8;
		cJSON **d = realloc(*docs, c * sizeof(*d));
		struct si_doc_place *p = d ? realloc(*places, c * sizeof(*p)) : NULL;
		if (d)
			*docs = d;
		if (p)
			*places = p;
		if (!p)
			goto nomem;
		*cap = c;
	}
	if (obj->source && !(source = strdup(obj->source)))
		goto nomem;
	(*docs)[*n] = obj->root;
	(*places)[*n] = (struct si_doc_place){ obj->line, source, obj->source_line };
	(*n)++;
	return SI_OK;
nomem:
	cJSON_Delete(obj->root);
	return si_error_set(err, SI_ERR_NOMEM, path, obj->line, "out of memory");
}

si_rc si_yaml_utf8_error(const char *path, int line, size_t column, unsigned char byte,
			 struct si_error *err)
{
	return si_error_set(err, SI_ERR_SYNTAX, path, line,
			    "invalid YAML: not valid UTF-8 (byte 0x%02X at column %zu)", byte,
			    column);
}

/* Refuses text that is not UTF-8 by the one rule of utf8.h, naming the line
 * and column: libyaml's own reader names neither. Text that starts with a
 * UTF-16 byte order mark is left to libyaml, which decodes it. */
static si_rc check_utf8(const char *path, const char *data, size_t len,
			struct si_error *err)
{
	const unsigned char *u = (const unsigned char *)data;
	if (len >= 2 && ((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff)))
		return SI_OK;
	size_t off = si_utf8_prefix(data, len);
	if (off == len)
		return SI_OK;
	size_t col = off;
	while (col > 0 && data[col - 1] != '\n')
		col--;
	return si_yaml_utf8_error(path, si_line_at(data, off), off - col + 1, u[off], err);
}

si_rc si_yaml_parse_stream(const char *path, const char *data, size_t len,
			       const struct si_limits *lim, struct si_linemap *lines,
			       cJSON ***docs, struct si_doc_place **places, size_t *n_docs,
			       struct si_error *err)
{
	struct si_yaml_reader *r;
	struct si_yaml_object obj;
	size_t cap = 0;
	si_rc rc;

	*docs = NULL;
	*places = NULL;
	*n_docs = 0;
	if (len > lim->max_input_bytes)
		return si_error_set(err, SI_ERR_LIMIT, path, 0,
				    "input of %zu bytes is over the %zu-byte limit",
				    len, lim->max_input_bytes);
	if ((rc = check_utf8(path, data, len, err)) ||
	    (rc = si_yaml_reader_new(path, lim, false, 0, data, len, NULL, NULL, &r, err)))
		return rc;
	while ((rc = si_yaml_reader_next(r, lines, &obj, err)) == SI_OK && obj.root &&
	       (rc = push_document(path, lim, &obj, docs, places, n_docs, &cap, err)) == SI_OK)
		;
	si_yaml_reader_free(r);
	if (rc) {
		for (size_t i = 0; i < *n_docs; i++) {
			cJSON_Delete((*docs)[i]);
			free((*places)[i].source);
		}
		free(*docs);
		free(*places);
		*docs = NULL;
		*places = NULL;
		*n_docs = 0;
	}
	return rc;
}

/* cJSON -> YAML text, for reports that show a workload's manifest. libyaml
 * picks each scalar's style; the flags below only forbid the plain style
 * where the loader above would read the text back as another type. */

#define EMIT_MAX_DEPTH 1000

struct emit_buf {
	char *data;
	size_t len, cap;
	bool nomem;
};

static int emit_write(void *data, unsigned char *bytes, size_t size)
{
	struct emit_buf *b = data;
	if (size >= b->cap - b->len) {   /* keep one byte for the NUL */
		size_t cap = b->cap ? b->cap : 4096;
		while (size >= cap - b->len) {
			if (cap > SIZE_MAX / 2) {
				b->nomem = true;
				return 0;
			}
			cap *= 2;
		}
		char *d = realloc(b->data, cap);
		if (!d) {
			b->nomem = true;
			return 0;
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, bytes, size);
	b->len += size;
	return 1;
}

/* Whether the plain scalar `s` would load as a string (scalar_value()'s
 * rules); "<<" is a merge key. */
static bool plain_is_string(const char *s)
{
	double num;
	return !in_list(s, null_words) && !in_list(s, true_words) &&
	       !in_list(s, false_words) && !parse_int(s, &num) && !parse_float(s, &num) &&
	       strcmp(s, "<<") != 0;
}

/* Number text that scalar_value() reads back as the same double. */
static void number_text(double d, char *buf, size_t size)
{
	if (isnan(d))
		snprintf(buf, size, ".nan");
	else if (isinf(d))
		snprintf(buf, size, d < 0 ? "-.inf" : ".inf");
	else if (d == trunc(d) && fabs(d) < 1e15)
		snprintf(buf, size, "%.0f", d);
	else {
		snprintf(buf, size, "%.15g", d);
		if (strtod(buf, NULL) != d)
			snprintf(buf, size, "%.17g", d);
	}
}

/* The error of a failed emitter call. */
static si_rc emitter_error(const yaml_emitter_t *y, const struct emit_buf *b,
			   struct si_error *err)
{
	if (b->nomem || y->error == YAML_MEMORY_ERROR)
		return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	return si_error_set(err, SI_ERR_INVALID, NULL, 0, "cannot write YAML: %s",
			    y->problem ? y->problem : "emitter error");
}

/* Emits `ev` when `made` says its initialization succeeded. */
static si_rc emit_event(yaml_emitter_t *y, int made, yaml_event_t *ev, struct emit_buf *b,
			struct si_error *err)
{
	if (!made)
		return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	/* The emitter takes the event, even when it fails. */
	return yaml_emitter_emit(y, ev) ? SI_OK : emitter_error(y, b, err);
}

/* A string scalar: double-quoted when plain it would load as another type,
 * a literal block when it spans lines, else as libyaml sees fit. */
static si_rc emit_string(yaml_emitter_t *y, const char *s, struct emit_buf *b,
			 struct si_error *err)
{
	yaml_event_t ev;
	size_t len = strlen(s);
	bool plain = plain_is_string(s);
	yaml_scalar_style_t style = !plain ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
				  : strchr(s, '\n') ? YAML_LITERAL_SCALAR_STYLE
				  : YAML_ANY_SCALAR_STYLE;
	/* libyaml's writer lets surrogates through, which its reader refuses. */
	if (!si_utf8_valid(s, len))
		return si_error_set(err, SI_ERR_INVALID, NULL, 0, "a string is not valid UTF-8");
	if (len > INT_MAX)
		return si_error_set(err, SI_ERR_LIMIT, NULL, 0, "a string is over %d bytes",
				    INT_MAX);
	return emit_event(y, yaml_scalar_event_initialize(&ev, NULL, NULL,
			  (const yaml_char_t *)s, (int)len, plain, 1, style), &ev, b, err);
}

/* A scalar written as is: a number, a boolean or null. */
static si_rc emit_plain(yaml_emitter_t *y, const char *s, struct emit_buf *b,
			struct si_error *err)
{
	yaml_event_t ev;
	return emit_event(y, yaml_scalar_event_initialize(&ev, NULL, NULL,
			  (const yaml_char_t *)s, (int)strlen(s), 1, 1, YAML_PLAIN_SCALAR_STYLE),
			  &ev, b, err);
}

static si_rc emit_value(yaml_emitter_t *y, const cJSON *v, unsigned depth,
			struct emit_buf *b, struct si_error *err)
{
	yaml_event_t ev;
	si_rc rc;
	char num[64];

	if (cJSON_IsString(v) || cJSON_IsRaw(v))
		return emit_string(y, v->valuestring ? v->valuestring : "", b, err);
	if (cJSON_IsNumber(v)) {
		number_text(v->valuedouble, num, sizeof(num));
		return emit_plain(y, num, b, err);
	}
	if (cJSON_IsBool(v))
		return emit_plain(y, cJSON_IsTrue(v) ? "true" : "false", b, err);
	if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
		return emit_plain(y, "null", b, err);
	if (depth >= EMIT_MAX_DEPTH)
		return si_error_set(err, SI_ERR_LIMIT, NULL, 0,
				    "nesting deeper than %d levels", EMIT_MAX_DEPTH);

	bool map = cJSON_IsObject(v);
	if ((rc = emit_event(y, map ? yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
							YAML_BLOCK_MAPPING_STYLE)
				    : yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
							YAML_BLOCK_SEQUENCE_STYLE), &ev, b, err)))
		return rc;
	for (const cJSON *c = v->child; c; c = c->next) {
		if (map && (rc = emit_string(y, c->string ? c->string : "", b, err)))
			return rc;
		if ((rc = emit_value(y, c, depth + 1, b, err)))
			return rc;
	}
	return emit_event(y, map ? yaml_mapping_end_event_initialize(&ev)
				 : yaml_sequence_end_event_initialize(&ev), &ev, b, err);
}

si_rc si_yaml_emit(const cJSON *v, char **out, size_t *len, struct si_error *err)
{
	struct emit_buf b = { 0 };
	yaml_emitter_t y;
	yaml_event_t ev;
	si_rc rc;

	*out = NULL;
	*len = 0;
	if (!yaml_emitter_initialize(&y))
		return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	yaml_emitter_set_output(&y, emit_write, &b);
	yaml_emitter_set_unicode(&y, 1);
	yaml_emitter_set_width(&y, -1);   /* never fold long strings */
	yaml_emitter_set_indent(&y, 2);

	if ((rc = emit_event(&y, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING),
			     &ev, &b, err)) ||
	    (rc = emit_event(&y, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1),
			     &ev, &b, err)) ||
	    (rc = emit_value(&y, v, 0, &b, err)) ||
	    (rc = emit_event(&y, yaml_document_end_event_initialize(&ev, 1), &ev, &b, err)) ||
	    (rc = emit_event(&y, yaml_stream_end_event_initialize(&ev), &ev, &b, err)))
		goto out;
	if (!yaml_emitter_flush(&y)) {
		rc = emitter_error(&y, &b, err);
		goto out;
	}
	if (!b.data && !emit_write(&b, (unsigned char *)"", 0)) {
		rc = si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
		goto out;
	}
	b.data[b.len] = '\0';
	*out = b.data;
	*len = b.len;
	b.data = NULL;
out:
	yaml_emitter_delete(&y);
	free(b.data);
	return rc;
}
