// SPDX-License-Identifier: Apache-2.0
// Inputs: files, folders and stdin -> parsed documents -> Kubernetes objects,
// with List kinds unpacked and each object's source line kept.
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "document_internal.h"
#include "security-inspector/file.h"
#include "security-inspector/utf8.h"

const struct si_limits si_limits_default = {
	.max_input_bytes = 64u << 20,
	.max_documents = 10000,
	.max_depth = 100,
	.max_nodes = 1000000,
	/* Aliases in real manifests repeat labels, env lists or resource blocks:
	 * kilobytes a file. 16 MiB of copies is thousands of times that, yet a
	 * 1 MiB scalar aliased 4000 times (4 GiB) stops at its 17th copy. The
	 * budget is for a whole input, not per document, so that memory stays
	 * the input's size plus at most this, whatever the number of documents. */
	.max_alias_bytes = 16u << 20,
};

#define MAX_PATHS 100000
#define MAX_FOLDER_DEPTH 32

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

bool si_list_kind(const char *kind)
{
	return ends_with(kind, "List");
}

static bool is_list(const cJSON *obj)
{
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(obj, "kind");
	return cJSON_IsString(kind) && si_list_kind(kind->valuestring) &&
	       cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(obj, "items"));
}

/* Items of a typed List (PodList, as the API server returns them) may leave
 * out their kind: it is the List's without "List". */
si_rc si_list_item_kind(cJSON *item, const char *list_kind, struct si_linemap *lines,
			int line)
{
	size_t n = list_kind ? strlen(list_kind) : 0;
	size_t kind_len = n > 4 ? n - 4 : 0;
	if (kind_len > 0 && cJSON_IsObject(item) &&
	    !cJSON_GetObjectItemCaseSensitive(item, "kind")) {
		char kind[128];
		snprintf(kind, sizeof(kind), "%.*s", (int)kind_len, list_kind);
		const cJSON *added = cJSON_AddStringToObject(item, "kind", kind);
		if (!added || !si_linemap_put(lines, added, line))
			return SI_ERR_NOMEM;
	}
	return SI_OK;
}

static si_rc walk_list(const char *path, cJSON *parent, cJSON *obj, int line,
		       unsigned depth, struct si_linemap *lines, si_object_fn fn,
		       void *ctx, struct si_error *err)
{
	if (!is_list(obj) || depth > 4)
		return fn(parent, obj, line, ctx, err);
	const char *list_kind = cJSON_GetObjectItemCaseSensitive(obj, "kind")->valuestring;
	cJSON *items = cJSON_GetObjectItemCaseSensitive(obj, "items");
	for (cJSON *item = items->child, *next; item; item = next) {
		next = item->next;      /* `fn` may take the item out */
		int item_line = si_linemap_get(lines, item);
		if (!item_line)
			item_line = line;
		si_rc rc = si_list_item_kind(item, list_kind, lines, item_line);
		if (rc)
			return si_error_set(err, rc, path, line, "out of memory");
		if ((rc = walk_list(path, items, item, item_line, depth + 1, lines, fn, ctx,
				    err)))
			return rc;
	}
	return SI_OK;
}

si_rc si_list_walk(const char *path, cJSON *obj, int line, unsigned depth,
		   struct si_linemap *lines, si_object_fn fn, void *ctx,
		   struct si_error *err)
{
	return walk_list(path, NULL, obj, line, depth, lines, fn, ctx, err);
}

bool si_source_ok(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t cp;

	if (len == 0 || len > SI_SOURCE_MAX)
		return false;
	for (size_t i = 0, n; i < len; i += n)
		if (!(n = si_utf8_next(u + i, len - i, &cp)) || cp < 0x20 ||
		    (cp >= 0x7f && cp <= 0x9f))
			return false;
	return true;
}

/* kustomize's origin annotation is YAML of its own ("path: x.yaml\nrepo: ..."):
 * a mapping of a few strings, bounded as such. */
#define ORIGIN_MAX (4 * SI_SOURCE_MAX)
static const struct si_limits origin_limits = {
	.max_input_bytes = ORIGIN_MAX,
	.max_documents = 1,
	.max_depth = 4,
	.max_nodes = 64,
	.max_alias_bytes = ORIGIN_MAX,
};

/* The `path` of an origin annotation's `text` into `*out` (caller frees),
 * or NULL when it has none that si_source_ok() takes. */
static si_rc origin_path(const char *text, char **out)
{
	struct si_linemap *lines = si_linemap_new();
	struct si_doc_place *places = NULL;
	cJSON **docs = NULL;
	size_t n = 0;
	si_rc rc = SI_OK;

	if (!lines)
		return SI_ERR_NOMEM;
	if (si_yaml_parse_stream("annotation", text, strlen(text), &origin_limits, lines, &docs,
				 &places, &n, NULL) == SI_ERR_NOMEM)
		rc = SI_ERR_NOMEM;
	const cJSON *path = n == 1 && cJSON_IsObject(docs[0])
		? cJSON_GetObjectItemCaseSensitive(docs[0], "path") : NULL;
	if (cJSON_IsString(path) && si_source_ok(path->valuestring, strlen(path->valuestring)) &&
	    !(*out = strdup(path->valuestring)))
		rc = SI_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		cJSON_Delete(docs[i]);
		free(places[i].source);
	}
	free(docs);
	free(places);
	si_linemap_free(lines);
	return rc;
}

/* Annotations that hold a file name as such: kpt's, then the older one of
 * the configuration functions' specification. */
static const char *const path_annotations[] = {
	"internal.config.kubernetes.io/path", "config.kubernetes.io/path", NULL,
};

/* The file `obj`'s annotations say it was read from, into `*out` (caller
 * frees), or NULL. */
static si_rc annotated_path(const cJSON *obj, char **out)
{
	const cJSON *meta = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, "metadata")
		: NULL;
	const cJSON *ann = cJSON_IsObject(meta)
		? cJSON_GetObjectItemCaseSensitive(meta, "annotations") : NULL;
	si_rc rc;

	*out = NULL;
	if (!cJSON_IsObject(ann))
		return SI_OK;
	const cJSON *origin = cJSON_GetObjectItemCaseSensitive(ann, "config.kubernetes.io/origin");
	if (cJSON_IsString(origin) && ((rc = origin_path(origin->valuestring, out)) || *out))
		return rc;
	for (const char *const *key = path_annotations; *key; key++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(ann, *key);
		if (cJSON_IsString(v) && si_source_ok(v->valuestring, strlen(v->valuestring)))
			return (*out = strdup(v->valuestring)) ? SI_OK : SI_ERR_NOMEM;
	}
	return SI_OK;
}

si_rc si_object_place(struct si_object *o, const char *doc_source, int doc_line)
{
	char *path;
	si_rc rc = annotated_path(o->json, &path);

	if (rc || path) {
		o->source = path;
		o->source_base = -1;
		return rc;
	}
	if (doc_source && !(o->source = strdup(doc_source)))
		return SI_ERR_NOMEM;
	o->source_base = doc_source ? doc_line : 0;
	return SI_OK;
}

struct adding {
	struct si_input *in;
	size_t cap;
	const struct si_limits *lim;
	bool text;                  /* read from text: objects get their source */
	const char *source;         /* the document's "# Source: " path, or NULL */
	int source_line;
};

static si_rc add_object(cJSON *parent, cJSON *obj, int line, void *ctx,
			struct si_error *err)
{
	struct adding *a = ctx;
	struct si_input *in = a->in;
	if (in->n_objects == a->lim->max_documents)
		return si_error_set(err, SI_ERR_LIMIT, in->path, line,
				    "more than %zu objects", a->lim->max_documents);
	if (in->n_objects == a->cap) {
		size_t c = a->cap ? a->cap * 2 : 8;
		struct si_object *o = realloc(in->objects, c * sizeof(*o));
		if (!o)
			return si_error_set(err, SI_ERR_NOMEM, in->path, line, "out of memory");
		in->objects = o;
		a->cap = c;
	}
	struct si_object *o = &in->objects[in->n_objects];
	*o = (struct si_object){ obj, line, NULL, 0 };
	if (a->text && si_object_place(o, a->source, a->source_line))
		return si_error_set(err, SI_ERR_NOMEM, in->path, line, "out of memory");
	in->n_objects++;
	return SI_OK;
}

/* Adds `obj`, or the items of a List, recursively. */
static si_rc add_tree(struct adding *a, cJSON *obj, int line, unsigned depth,
		      struct si_error *err)
{
	return si_list_walk(a->in->path, obj, line, depth, a->in->lines, add_object, a, err);
}

/* Frees what parsing left in `in`, keeping its path. */
static void clear_input(struct si_input *in)
{
	for (size_t i = 0; i < in->n_roots; i++)
		cJSON_Delete(in->roots[i]);
	for (size_t i = 0; i < in->n_objects; i++)
		free(in->objects[i].source);
	free(in->roots);
	free(in->objects);
	si_linemap_free(in->lines);
	in->roots = NULL;
	in->n_roots = 0;
	in->objects = NULL;
	in->n_objects = 0;
	in->lines = NULL;
}

bool si_json_name(const char *path)
{
	return ends_with(path, ".json");
}

enum si_format si_input_format(const char *path, const char *data, size_t len)
{
	if (si_json_name(path))
		return SI_FORMAT_JSON;
	for (size_t i = 0; i < len; i++) {
		char c = data[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		return c == '{' || c == '[' ? SI_FORMAT_JSON : SI_FORMAT_YAML;
	}
	return SI_FORMAT_BLANK;
}

static si_rc parse_json_input(struct adding *a, const char *data, size_t len,
				  struct si_error *err)
{
	struct si_input *in = a->in;
	cJSON *root;
	si_rc rc;

	if (!(in->lines = si_linemap_new()))
		return si_error_set(err, SI_ERR_NOMEM, in->path, 0, "out of memory");
	if ((rc = si_json_parse_lines(data, len, a->lim, &root, in->lines, 1, err))) {
		if (err)
			snprintf(err->file, sizeof(err->file), "%s", in->path);
		return rc;
	}
	in->roots = malloc(sizeof(*in->roots));
	if (!in->roots) {
		cJSON_Delete(root);
		return si_error_set(err, SI_ERR_NOMEM, in->path, 0, "out of memory");
	}
	in->roots[0] = root;
	in->n_roots = 1;
	int line = si_input_line(in, root, 1);
	if (!cJSON_IsArray(root))
		return add_tree(a, root, line, 0, err);
	/* A bare array of objects, as some tools write. */
	for (cJSON *item = root->child; item; item = item->next)
		if ((rc = add_tree(a, item, si_input_line(in, item, line), 1, err)))
			return rc;
	return SI_OK;
}

static si_rc parse_yaml_input(struct adding *a, const char *data, size_t len,
				  struct si_error *err)
{
	struct si_input *in = a->in;
	struct si_doc_place *places = NULL;
	in->lines = si_linemap_new();
	if (!in->lines)
		return si_error_set(err, SI_ERR_NOMEM, in->path, 0, "out of memory");
	si_rc rc = si_yaml_parse_stream(in->path, data, len, a->lim, in->lines,
					    &in->roots, &places, &in->n_roots, err);
	for (size_t i = 0; rc == SI_OK && i < in->n_roots; i++) {
		a->source = places[i].source;
		a->source_line = places[i].source_line;
		rc = add_tree(a, in->roots[i], places[i].line, 0, err);
	}
	for (size_t i = 0; i < in->n_roots; i++)
		free(places[i].source);
	free(places);
	a->source = NULL;
	return rc;
}

si_rc si_input_parse(const char *path, const char *data, size_t len,
			 const struct si_limits *lim, struct si_input **out,
			 struct si_error *err)
{
	si_rc rc;
	struct si_input *in = calloc(1, sizeof(*in));
	struct adding a = { in, 0, lim, true, NULL, 0 };

	*out = NULL;
	if (!in || !(in->path = strdup(path))) {
		free(in);
		return si_error_set(err, SI_ERR_NOMEM, path, 0, "out of memory");
	}
	if (len > lim->max_input_bytes) {
		rc = si_error_set(err, SI_ERR_LIMIT, path, 0,
				  "input of %zu bytes is over the %zu-byte limit",
				  len, lim->max_input_bytes);
		goto fail;
	}
	if (si_input_format(path, data, len) != SI_FORMAT_JSON) {
		rc = parse_yaml_input(&a, data, len, err);
	} else if ((rc = parse_json_input(&a, data, len, err)) == SI_ERR_SYNTAX &&
		   !si_json_name(path)) {
		/* Flow-style YAML ("{kind: Pod, ...}") starts as JSON does. When
		 * YAML cannot read it either, the JSON error is the one to show;
		 * running out of memory says nothing of the text and stands. */
		struct si_error json_err = err ? *err : (struct si_error){ 0 };
		clear_input(in);
		a.cap = 0;
		if ((rc = parse_yaml_input(&a, data, len, err)) &&
		    rc != SI_ERR_NOMEM && err)
			*err = json_err;
	}
	if (rc)
		goto fail;
	*out = in;
	return SI_OK;
fail:
	si_input_free(in);
	return rc;
}

si_rc si_input_from_json(const char *path, cJSON *root, struct si_input **out,
			 struct si_error *err)
{
	si_rc rc;
	struct si_input *in = calloc(1, sizeof(*in));
	struct adding a = { in, 0, &si_limits_default, false, NULL, 0 };

	*out = NULL;
	if (!in || !(in->path = strdup(path)) || !(in->roots = malloc(sizeof(*in->roots)))) {
		if (in)
			free(in->path);
		free(in);
		cJSON_Delete(root);
		return si_error_set(err, SI_ERR_NOMEM, path, 0, "out of memory");
	}
	in->roots[0] = root;
	in->n_roots = 1;
	if ((rc = add_tree(&a, root, 0, 0, err))) {
		si_input_free(in);
		return rc;
	}
	*out = in;
	return SI_OK;
}

si_rc si_input_read(const char *path, const struct si_limits *lim,
			struct si_input **out, struct si_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	si_rc rc;

	*out = NULL;
	if ((rc = si_read_file(path, lim->max_input_bytes, &buf, &len, err)) == SI_OK)
		rc = si_input_parse(strcmp(path, "-") == 0 ? "<stdin>" : path, buf, len, lim,
				    out, err);
	free(buf);
	return rc;
}

void si_input_free(struct si_input *in)
{
	if (!in)
		return;
	clear_input(in);
	free(in->path);
	free(in);
}

int si_input_line(const struct si_input *in, const cJSON *node, int fallback)
{
	int line = in ? si_linemap_get(in->lines, node) : 0;
	return line ? line : fallback;
}

const char *si_object_path(const struct si_input *in, const struct si_object *o)
{
	return o->source ? o->source : in->path;
}

int si_object_line(const struct si_input *in, const struct si_object *o, const cJSON *node)
{
	if (o->source_base < 0)
		return 0;
	int line = node ? si_input_line(in, node, 0) : 0;
	if (line <= o->source_base)     /* not known, or not of the object */
		line = o->line;
	return line > o->source_base ? line - o->source_base : 0;
}

struct path_list {
	char **items;
	size_t n, cap;
};

static si_rc push_path(struct path_list *l, const char *p, struct si_error *err)
{
	if (l->n == MAX_PATHS)
		return si_error_set(err, SI_ERR_LIMIT, p, 0, "more than %d files", MAX_PATHS);
	if (l->n == l->cap) {
		size_t c = l->cap ? l->cap * 2 : 16;
		char **items = realloc(l->items, c * sizeof(*items));
		if (!items)
			return si_error_set(err, SI_ERR_NOMEM, p, 0, "out of memory");
		l->items = items;
		l->cap = c;
	}
	if (!(l->items[l->n] = strdup(p)))
		return si_error_set(err, SI_ERR_NOMEM, p, 0, "out of memory");
	l->n++;
	return SI_OK;
}

static bool manifest_name(const char *name)
{
	return ends_with(name, ".yaml") || ends_with(name, ".yml") || ends_with(name, ".json");
}

static si_rc walk(const char *dir, unsigned depth, struct path_list *l,
		      struct si_error *err)
{
	if (depth > MAX_FOLDER_DEPTH)
		return si_error_set(err, SI_ERR_LIMIT, dir, 0,
				    "folders nested deeper than %d", MAX_FOLDER_DEPTH);
	DIR *d = opendir(dir);
	if (!d)
		return si_error_set(err, SI_ERR_IO, dir, 0, "cannot open folder: %s",
				    strerror(errno));
	si_rc rc = SI_OK;
	struct dirent *e;
	char *child = NULL;
	while (rc == SI_OK && (e = readdir(d))) {
		if (e->d_name[0] == '.')    /* ".", "..", and hidden files */
			continue;
		size_t n = strlen(dir) + strlen(e->d_name) + 2;
		free(child);
		if (!(child = malloc(n))) {
			rc = si_error_set(err, SI_ERR_NOMEM, dir, 0, "out of memory");
			break;
		}
		snprintf(child, n, "%s%s%s", dir, ends_with(dir, "/") ? "" : "/", e->d_name);
		struct stat st;
		if (lstat(child, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			rc = walk(child, depth + 1, l, err);
		else if (manifest_name(e->d_name) &&
			 (S_ISREG(st.st_mode) || (S_ISLNK(st.st_mode) &&
			  stat(child, &st) == 0 && S_ISREG(st.st_mode))))
			rc = push_path(l, child, err);
	}
	free(child);
	closedir(d);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

si_rc si_paths_collect(const char *path, char ***paths, size_t *count,
			   struct si_error *err)
{
	struct path_list l = { 0 };
	struct stat st;
	si_rc rc;

	*paths = NULL;
	*count = 0;
	if (strcmp(path, "-") == 0 || (stat(path, &st) == 0 && !S_ISDIR(st.st_mode))) {
		rc = push_path(&l, path, err);
	} else if (stat(path, &st) != 0) {
		rc = si_error_set(err, SI_ERR_IO, path, 0, "cannot read: %s", strerror(errno));
	} else {
		size_t first = l.n;
		rc = walk(path, 0, &l, err);
		if (rc == SI_OK && l.n > first)
			qsort(l.items + first, l.n - first, sizeof(*l.items), cmp_str);
	}
	if (rc) {
		si_paths_free(l.items, l.n);
		return rc;
	}
	*paths = l.items;
	*count = l.n;
	return SI_OK;
}

void si_paths_free(char **paths, size_t count)
{
	if (!paths)
		return;
	for (size_t i = 0; i < count; i++)
		free(paths[i]);
	free(paths);
}
