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

struct adding {
	struct si_input *in;
	size_t cap;
	const struct si_limits *lim;
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
	in->objects[in->n_objects++] = (struct si_object){ obj, line };
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
	int *lines = NULL;
	in->lines = si_linemap_new();
	if (!in->lines)
		return si_error_set(err, SI_ERR_NOMEM, in->path, 0, "out of memory");
	si_rc rc = si_yaml_parse_stream(in->path, data, len, a->lim, in->lines,
					    &in->roots, &lines, &in->n_roots, err);
	for (size_t i = 0; rc == SI_OK && i < in->n_roots; i++)
		rc = add_tree(a, in->roots[i], lines[i], 0, err);
	free(lines);
	return rc;
}

si_rc si_input_parse(const char *path, const char *data, size_t len,
			 const struct si_limits *lim, struct si_input **out,
			 struct si_error *err)
{
	si_rc rc;
	struct si_input *in = calloc(1, sizeof(*in));
	struct adding a = { in, 0, lim };

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
	struct adding a = { in, 0, &si_limits_default };

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
