/* SPDX-License-Identifier: Apache-2.0 */
/* Between the document modules: the line map, the YAML stream parser and
 * the JSON List item scanner. Not part of the public headers. */
#ifndef SI_DOCUMENT_INTERNAL_H
#define SI_DOCUMENT_INTERNAL_H

#include "security-inspector/document.h"

/* Creates an empty map; NULL when out of memory. */
struct si_linemap *si_linemap_new(void);
/* Records `line` for `node`; false when out of memory. */
bool si_linemap_put(struct si_linemap *map, const cJSON *node, int line);
void si_linemap_free(struct si_linemap *map);

/* Parses a YAML stream into documents. `*docs` (caller frees each with
 * cJSON_Delete and the array with free) gets `*n_docs` trees; empty
 * documents are left out. Every node's line goes into `lines`, and
 * `doc_lines` (caller frees) gets each document's first line. */
si_rc si_yaml_parse_stream(const char *path, const char *data, size_t len,
			       const struct si_limits *lim, struct si_linemap *lines,
			       cJSON ***docs, int **doc_lines, size_t *n_docs,
			       struct si_error *err);

/* As si_json_parse(), and when `lines` is not NULL records there the line of
 * every node (a member's is the line of its key). */
si_rc si_json_parse_lines(const char *data, size_t len, const struct si_limits *lim,
			      cJSON **out, struct si_linemap *lines, struct si_error *err);

/* A mapping key with its place, for sorting keys by name and then by
 * order (si_keyref_cmp, for qsort). */
struct si_keyref {
	const char *key;
	const cJSON *node;
	size_t order;
};
int si_keyref_cmp(const void *a, const void *b);

/* Sets `*dup` to the later member of the first pair of `obj`'s members that
 * share a key, or NULL. SI_ERR_NOMEM when out of memory. */
si_rc si_json_duplicate_key(const cJSON *obj, const cJSON **dup);

/* 1-based line of byte offset `off` in `data`. */
int si_line_at(const char *data, size_t off);

#endif
