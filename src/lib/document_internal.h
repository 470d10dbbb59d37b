/* SPDX-License-Identifier: Apache-2.0 */
/* Between the document modules: the line map, the YAML reader, the JSON
 * parser with lines and the List rules. Not part of the public headers. */
#ifndef SI_DOCUMENT_INTERNAL_H
#define SI_DOCUMENT_INTERNAL_H

#include "security-inspector/document.h"

/* Creates an empty map; NULL when out of memory. */
struct si_linemap *si_linemap_new(void);
/* Records `line` for `node`; false when out of memory. */
bool si_linemap_put(struct si_linemap *map, const cJSON *node, int line);
/* Makes room for `more` nodes at once (no growing on the way); false when
 * out of memory. */
bool si_linemap_reserve(struct si_linemap *map, size_t more);
/* Records in `dst` the lines `src` knows of `node` and every node below it;
 * false when out of memory. */
bool si_linemap_put_tree(struct si_linemap *dst, const struct si_linemap *src,
			 const cJSON *node);
void si_linemap_free(struct si_linemap *map);

/* Where a document of a YAML stream starts, and the file it says it comes
 * from. */
struct si_doc_place {
	int line;                   /* its first line */
	char *source;               /* its "# Source: " path, or NULL */
	int source_line;            /* the line of that comment */
};

/* Parses a YAML stream into documents. `*docs` (caller frees each with
 * cJSON_Delete and the array with free) gets `*n_docs` trees; empty
 * documents are left out. Every node's line goes into `lines`, and
 * `*places` gets each document's place (caller frees each source and the
 * array with free). */
si_rc si_yaml_parse_stream(const char *path, const char *data, size_t len,
			       const struct si_limits *lim, struct si_linemap *lines,
			       cJSON ***docs, struct si_doc_place **places, size_t *n_docs,
			       struct si_error *err);

/* A YAML stream read one object at a time: si_yaml_parse_stream() reads
 * whole documents with it, a stream (document_stream.c) the items of Lists
 * too. */
struct si_yaml_reader;

/* Where the reader gets its bytes: libyaml's read handler. It sets *got to
 * what it wrote into `buf` (at most `size` bytes, 0 at the end of the input)
 * and returns 1, or 0 on an error, which ends the reader. */
typedef int (*si_yaml_read_fn)(void *ctx, unsigned char *buf, size_t size, size_t *got);

/* One object handed out by si_yaml_reader_next(). */
struct si_yaml_object {
	cJSON *root;                /* owned by the caller; NULL at the end */
	int line;                   /* where it starts */
	unsigned depth;             /* 0 for a document, 1 for a List item */
	const char *list_kind;      /* an item's List kind, when known; borrowed
				     * until the next call */
	const char *source;         /* the path of its document's "# Source: "
				     * comment (si_object.source), or NULL;
				     * borrowed until the next call */
	int source_line;            /* the line of that comment */
};

/* Makes a reader of the `len` bytes at `data` (borrowed while it is read),
 * or when `data` is NULL of what `read` gives, which it asks for a little at
 * a time: libyaml drops comments, and the reader looks at the text on its
 * way for the "# Source: " comments that open documents. With `split`, a document
 * whose top-level mapping has an `items` sequence (unless a `kind` before
 * it does not end in "List") is a List: its items are handed out one by
 * one and the rest of it is not. `max_object`, when not 0, bounds each
 * object's characters (libyaml counts characters, not bytes). The caller
 * frees `*out` with si_yaml_reader_free(). */
si_rc si_yaml_reader_new(const char *path, const struct si_limits *lim, bool split,
			 size_t max_object, const char *data, size_t len,
			 si_yaml_read_fn read, void *ctx, struct si_yaml_reader **out,
			 struct si_error *err);

/* The next object into `*obj`, its nodes' lines into `lines` (borrowed for
 * the call); obj->root is NULL at the end. An object over a limit gives
 * SI_ERR_LIMIT with obj->line set to where it starts, and the next call
 * goes on after it. Any other error ends the reader. */
si_rc si_yaml_reader_next(struct si_yaml_reader *r, struct si_linemap *lines,
			  struct si_yaml_object *obj, struct si_error *err);

/* Characters libyaml has scanned since the last event, and the line where
 * they start: what one scalar or comment being read holds up. */
size_t si_yaml_reader_gap(const struct si_yaml_reader *r, int *line);

/* Accepts NULL. */
void si_yaml_reader_free(struct si_yaml_reader *r);

/* The error for text that is not UTF-8 at `line`, `column` (1-based). */
si_rc si_yaml_utf8_error(const char *path, int line, size_t column, unsigned char byte,
			 struct si_error *err);

/* As si_json_parse(), and when `lines` is not NULL records there the line of
 * every node (a member's is the line of its key). The text starts on line
 * `first_line`, for the lines recorded and those of errors. */
si_rc si_json_parse_lines(const char *data, size_t len, const struct si_limits *lim,
			      cJSON **out, struct si_linemap *lines, int first_line,
			      struct si_error *err);

/* A JSON value scanned as its bytes come, to bound it before it is parsed:
 * its end, its nesting and how many values cJSON will make of it. Only
 * strings and brackets are looked at; the parser checks the rest. */
struct si_json_scan {
	size_t values;
	unsigned depth;
	bool started, scalar, in_string, escape;
	bool opened;                /* a mapping or list was just opened */
};

enum si_json_scan_end {
	SI_SCAN_MORE,               /* the value goes on past the bytes given */
	SI_SCAN_END,                /* *at is just after the value */
	SI_SCAN_TOO_DEEP,           /* *at is just after the bracket past
				     * lim->max_depth */
	SI_SCAN_TOO_MANY,           /* *at is where the value past lim->max_nodes
				     * starts */
};

/* Goes on scanning `sc` (zeroed at first: before the value, or blanks
 * before it) from d[*at] to d[len]. `lim` may be NULL: no bound. After a
 * limit, scanning can go on from *at, without it. A number or a word
 * reaching `len` gives SI_SCAN_MORE; at the end of the input, it ends
 * there. */
enum si_json_scan_end si_json_scan(struct si_json_scan *sc, const char *d, size_t len,
				   size_t *at, const struct si_limits *lim);

/* As si_json_parse_lines() for a text that si_json_scan() found within the
 * limits, holding `values` values. */
si_rc si_json_parse_scanned(const char *data, size_t len, size_t values, cJSON **out,
			    struct si_linemap *lines, int first_line, struct si_error *err);

/* Moves `*at`, inside a JSON string of `d` (after its opening quote), past
 * its closing quote and returns true; or when the string goes on past the
 * `len` bytes, to `len` and returns false. `*escape` says whether the byte
 * at `*at` is escaped, before and after. */
bool si_json_string_end(const char *d, size_t len, size_t *at, bool *escape);

/* The offset of the first byte from `i` on that is not a space: JSON as
 * kubectl writes it is mostly runs of spaces, skipped eight bytes at a time. */
size_t si_json_after_spaces(const char *d, size_t len, size_t i);

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

/* Whether the `len` bytes at `s` may name the file an object was written
 * in: 1 to SI_SOURCE_MAX bytes of UTF-8 without a control character (C0,
 * DEL or C1), which could forge lines of a report. */
bool si_source_ok(const char *s, size_t len);

/* Sets o->source and o->source_base of an object read from text, whose
 * document had the "# Source: " path `doc_source` (NULL: none) on line
 * `doc_line`: the file kustomize's or kpt's annotations name wins, with no
 * line; else the document's source. SI_ERR_NOMEM when out of memory. */
si_rc si_object_place(struct si_object *o, const char *doc_source, int doc_line);

/* 1-based line of byte offset `off` in `data`. */
int si_line_at(const char *data, size_t off);

/* How an input is read. */
enum si_format {
	SI_FORMAT_BLANK,            /* only blanks so far: YAML, when that is all */
	SI_FORMAT_YAML,
	SI_FORMAT_JSON,
};

/* The format of an input named `path` that starts with the `len` bytes at
 * `data`: JSON when the name ends in ".json" or the first non-blank byte is
 * '{' or '[', YAML for another byte. */
enum si_format si_input_format(const char *path, const char *data, size_t len);

/* Whether `path` names a JSON file: no flow-style YAML is looked for in it. */
bool si_json_name(const char *path);

/* Whether `kind` names a List kind ("List", "PodList", ...). */
bool si_list_kind(const char *kind);

/* Gives `item` of a List of kind `list_kind` (which may be NULL) the kind
 * its items have when it has none: a PodList's items are Pods. The kind
 * added is at `line` in `lines` (which may be NULL). SI_ERR_NOMEM when out
 * of memory. */
si_rc si_list_item_kind(cJSON *item, const char *list_kind, struct si_linemap *lines,
			int line);

/* Called by si_list_walk() for each object, with the node that holds it
 * (NULL for the walk's `obj`). */
typedef si_rc (*si_object_fn)(cJSON *parent, cJSON *obj, int line, void *ctx,
			      struct si_error *err);

/* Calls `fn` for `obj`, at nesting `depth` of Lists (0 for a document), or
 * when it is a List, for its items in turn, recursively down to depth 4,
 * each with its line in `lines` (`line` when unknown) and given a kind by
 * si_list_item_kind(). `path` names the input in errors. */
si_rc si_list_walk(const char *path, cJSON *obj, int line, unsigned depth,
		   struct si_linemap *lines, si_object_fn fn, void *ctx,
		   struct si_error *err);

/* For tests: a stream that reads `chunk` bytes at a time and refuses
 * objects over `max_object` bytes; si_stream_open() is this with 64 KiB and
 * SI_STREAM_MAX_OBJECT_BYTES. */
si_rc si_stream_open_sized(const char *path, const struct si_limits *lim, size_t chunk,
			   size_t max_object, struct si_stream **out, struct si_error *err);

#endif
