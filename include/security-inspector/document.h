/* SPDX-License-Identifier: Apache-2.0 */
/* Bytes -> documents: bounded JSON and YAML parsing into cJSON trees, with
 * the source line of each Kubernetes object (and, for YAML, of every node). */
#ifndef SI_DOCUMENT_H
#define SI_DOCUMENT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "security-inspector/error.h"

/* Bounds applied before and while parsing. Every field must be non-zero. */
struct si_limits {
	size_t max_input_bytes;     /* one file or stdin */
	size_t max_documents;       /* YAML documents in one stream, List items */
	unsigned max_depth;         /* nesting of mappings and sequences */
	size_t max_nodes;           /* per document, alias expansions included;
				     * and the values all aliases of one input copy */
	size_t max_alias_bytes;     /* bytes all aliases of one input copy: the
				     * lengths of the scalars and keys they repeat */
};

/* 64 MiB input, 10000 documents, depth 100, 1000000 nodes, 16 MiB of
 * alias copies. */
extern const struct si_limits si_limits_default;

/* node -> 1-based source line; owned by an si_input. */
struct si_linemap;

/* Source line of `node`, 0 when the map (which may be NULL) does not know it. */
int si_linemap_get(const struct si_linemap *map, const cJSON *node);

/* Parses one JSON text of `len` bytes into `*out` (caller frees with
 * cJSON_Delete). Rejects depth over the limit, more values than the limit and
 * duplicate keys; an error names the line. Depth and values are counted on
 * the text, before any value is allocated, in one pass: a refused text costs
 * no more than reading it. */
si_rc si_json_parse(const char *data, size_t len, const struct si_limits *lim,
			cJSON **out, struct si_error *err);

/* Request-scoped memory for cJSON. After si_json_arena_init() (once, before
 * any thread starts), the cJSON values a thread makes between
 * si_json_arena_begin() and si_json_arena_end() come from a region of that
 * thread, released at once by the end: a webhook request then costs no
 * malloc/free per JSON value. Every such value must be deleted, and every
 * string cJSON printed there copied out, before the end. Outside a
 * begin/end pair, or without init, cJSON uses malloc and free. */
void si_json_arena_init(void);
void si_json_arena_begin(void);
void si_json_arena_end(void);
/* The chunks of memory the calling thread's arena holds now. Each is at
 * least twice the one before, so a request that made n bytes of values
 * holds O(log n) of them, and a free in the arena looks at no more; one or
 * none are kept between requests. For tests. */
size_t si_json_arena_chunks(void);

/* "a mapping", "a list", "a string", "a number", "a boolean" or "null":
 * for messages about a value of the wrong type. */
const char *si_json_type_name(const cJSON *v);

/* Writes `v` (borrowed) as one block-style YAML document: on success `*out`
 * holds `*len` bytes plus a terminating NUL, and the caller frees *out with
 * free(). Strings that would load as another type ("true", "off", "null",
 * "~", "1.0", "010", "") are double-quoted, so that si_input_parse() reads
 * the text back as `v`. On failure `*out` is NULL: SI_ERR_INVALID when a
 * string is not UTF-8, SI_ERR_LIMIT when `v` nests over 1000 levels,
 * SI_ERR_NOMEM. */
si_rc si_yaml_emit(const cJSON *v, char **out, size_t *len, struct si_error *err);

/* The longest file name an input may give for its objects, in bytes. */
#define SI_SOURCE_MAX 4096

/* One Kubernetes object found in an input; `json` borrows from the input. */
struct si_object {
	const cJSON *json;
	int line;                   /* where the object starts in the input, 1-based */
	/* The file the object was written in, when the text of the input says
	 * so: helm's "# Source: chart/templates/x.yaml" comment at column 0
	 * before the first node of the object's YAML document (the last one
	 * there), or a file named by kustomize's or kpt's annotations
	 * (config.kubernetes.io/origin's `path`, which wins, then
	 * internal.config.kubernetes.io/path, then config.kubernetes.io/path).
	 * A name over SI_SOURCE_MAX bytes, not UTF-8, or with a control
	 * character is not taken. NULL: the input itself. Owned by the input. */
	char *source;
	/* The input's line before the source's line 1 (the comment's line): a
	 * node on line L of the input is on line L - source_base of `source`.
	 * -1 when no line of `source` is known (an annotation names a file). */
	int source_base;
};

/* Everything read from one file or stdin. Objects of `List` kinds are
 * unpacked into their items. */
struct si_input {
	char *path;                 /* as given by the user; "<stdin>" for "-" */
	cJSON **roots;              /* owned documents */
	size_t n_roots;
	struct si_object *objects;
	size_t n_objects;
	struct si_linemap *lines;   /* the line of every node */
};

/* Parses `len` bytes named `path` (only used in messages). JSON is chosen
 * when the name ends in ".json" or the first non-blank byte is '{' or '['
 * (falling back to YAML for flow-style YAML unless the name ends in
 * ".json"); YAML (multi-document) otherwise. Each object keeps the file the
 * text says it was written in (si_object.source). On success `*out` is set
 * and the caller frees it with si_input_free(). On failure `*out` is NULL
 * and `err` names the file and line. */
si_rc si_input_parse(const char *path, const char *data, size_t len,
			 const struct si_limits *lim, struct si_input **out,
			 struct si_error *err);

/* Wraps an already parsed document `root` as an input named `path` (only
 * used in messages and reports), e.g. an object read from the API server.
 * Takes ownership of `root`, also on failure. Lists are unpacked as by
 * si_input_parse(); no line is known, and no source is taken from the
 * annotations: an object of a cluster is named where the cluster has it.
 * On success the caller frees `*out` with si_input_free(). */
si_rc si_input_from_json(const char *path, cJSON *root, struct si_input **out,
			 struct si_error *err);

/* Reads a file (or stdin when `path` is "-") within lim->max_input_bytes,
 * then behaves as si_input_parse(). */
si_rc si_input_read(const char *path, const struct si_limits *lim,
			struct si_input **out, struct si_error *err);

/* The largest object a stream accepts, as text: the API server stores
 * objects of at most 1.5 MiB as JSON; YAML and indentation make the same
 * object longer. */
#define SI_STREAM_MAX_OBJECT_BYTES (8u << 20)

/* A file or stdin read as a stream of Kubernetes objects, one at a time:
 * memory is bounded by the largest object, not by the input. YAML streams
 * are read document by document; a `List` (JSON as `kubectl get -o json`
 * writes it, or YAML), i.e. a top-level mapping with an `items` list, is
 * read item by item without holding the List. Each object is checked
 * against `lim` (depth, nodes, alias copies) and SI_STREAM_MAX_OBJECT_BYTES;
 * lim->max_input_bytes and lim->max_documents do not apply to a stream.
 * YAML is measured in characters, as libyaml counts; one YAML scalar or
 * comment longer than an object may be cannot be skipped, and ends the
 * stream with SI_ERR_LIMIT. An alias in a List item cannot name an anchor
 * of an earlier item: those items are gone. Text that starts as JSON and
 * fails before its first object is read as flow-style YAML, as by
 * si_input_parse(). */
struct si_stream;

/* Opens `path` ("-": stdin) with the format chosen as by si_input_parse()
 * (by name, else by the first non-blank byte). On success the caller closes
 * `*out` with si_stream_close(). */
si_rc si_stream_open(const char *path, const struct si_limits *lim, struct si_stream **out,
		     struct si_error *err);

/* The next object as an input of exactly one object (path as given, lines
 * of the whole file, its source as si_input_parse() finds it), which the
 * caller frees with si_input_free(); `*out`
 * is NULL at the end of the stream. An object over a limit is refused with
 * SI_ERR_LIMIT naming its line, and the stream goes on after it (the next
 * call returns the object that follows). A syntax error (SI_ERR_SYNTAX,
 * naming the line) ends the stream: later calls return the end. */
si_rc si_stream_next(struct si_stream *s, struct si_input **out, struct si_error *err);

/* Accepts NULL. */
void si_stream_close(struct si_stream *s);

/* Frees `in` and everything it owns. Accepts NULL. */
void si_input_free(struct si_input *in);

/* Line of `node` inside `in`, or `fallback` when unknown. */
int si_input_line(const struct si_input *in, const cJSON *node, int fallback);

/* Where `o`, an object of `in`, was written: o->source, else in->path. */
const char *si_object_path(const struct si_input *in, const struct si_object *o);

/* Line of `node` (NULL: the object itself), a node of `o`, in
 * si_object_path(): the object's line when the node's is not known, and 0
 * when neither is. */
int si_object_line(const struct si_input *in, const struct si_object *o, const cJSON *node);

/* The manifest files under `path`: `path` itself when it is a file (or "-"),
 * or every *.yaml, *.yml and *.json below a folder, recursively, in sorted
 * order, symbolic links to folders not followed. On success `*paths` (caller
 * frees with si_paths_free()) holds `*count` strings. */
si_rc si_paths_collect(const char *path, char ***paths, size_t *count,
			   struct si_error *err);
void si_paths_free(char **paths, size_t count);

#endif
