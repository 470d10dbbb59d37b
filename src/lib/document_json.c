// SPDX-License-Identifier: Apache-2.0
// Bytes -> cJSON, bounded: the only place that calls cJSON's parser.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "document_internal.h"

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

si_status si_json_duplicate_key(const cJSON *obj, const cJSON **dup)
{
	size_t n = 0;
	*dup = NULL;
	for (const cJSON *c = obj->child; c; c = c->next)
		n++;
	if (n < 2)
		return SI_OK;
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

static si_status check_tree(const char *path, const cJSON *node, unsigned depth,
			    const struct si_limits *lim, size_t *nodes,
			    struct si_error *err)
{
	if (depth > lim->max_depth)
		return si_error_set(err, SI_ERR_LIMIT, path, 0,
				    "nesting deeper than %u levels", lim->max_depth);
	if (++*nodes > lim->max_nodes)
		return si_error_set(err, SI_ERR_LIMIT, path, 0,
				    "more than %zu values in one document", lim->max_nodes);
	if (cJSON_IsObject(node)) {
		const cJSON *dup;
		if (si_json_duplicate_key(node, &dup))
			return si_error_set(err, SI_ERR_NOMEM, path, 0, "out of memory");
		if (dup) {
			si_error_set(err, SI_ERR_SYNTAX, path, 0, "duplicate key \"%s\"",
				     dup->string);
			if (err)
				snprintf(err->key, sizeof(err->key), "%s", dup->string);
			return SI_ERR_SYNTAX;
		}
	}
	for (const cJSON *c = node->child; c; c = c->next) {
		si_status rc = check_tree(path, c, depth + 1, lim, nodes, err);
		if (rc)
			return rc;
	}
	return SI_OK;
}

si_status si_json_parse(const char *data, size_t len, const struct si_limits *lim,
			cJSON **out, struct si_error *err)
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

	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(data, len, &end, false);
	if (!root) {
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
	size_t nodes = 0;
	si_status rc = check_tree(NULL, root, 1, lim, &nodes, err);
	if (rc) {
		cJSON_Delete(root);
		return rc;
	}
	*out = root;
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

size_t si_json_item_lines(const char *d, size_t len, int *lines, size_t max)
{
	size_t found = 0, i = 0;
	int depth = 0, line = 1, items_depth = -1;
	bool expect_items = false;   /* just saw the key "items" at depth 1 */

	while (i < len && found < max) {
		char c = d[i];
		if (c == '\n') {
			line++;
		} else if (c == '"') {
			size_t end = skip_string(d, len, i);
			if (depth == 1 && end - i == 7 && memcmp(d + i, "\"items\"", 7) == 0)
				expect_items = true;
			for (size_t k = i; k < end; k++)
				if (d[k] == '\n')
					line++;
			i = end;
			continue;
		} else if (c == '{' || c == '[') {
			if (items_depth >= 0 && depth == items_depth + 1)
				lines[found++] = line;
			depth++;
			if (c == '[' && expect_items && depth == 2)
				items_depth = 1;
			expect_items = false;
		} else if (c == '}' || c == ']') {
			depth--;
			if (depth <= items_depth)
				items_depth = -1;
		} else if (c == ',' && depth == 1) {
			expect_items = false;
		}
		i++;
	}
	return found;
}
