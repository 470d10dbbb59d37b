// SPDX-License-Identifier: Apache-2.0
// The stream of objects: the same objects and lines as the whole-input
// parser, one at a time, whatever the chunk size; Lists item by item;
// objects over a limit refused and the stream going on; errors that end it.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "document_internal.h"
#include "security-inspector/report.h"

#define FIXTURES "data/stream"
#define CORPUS "../corpus/kubernetes-examples"
#define BIG SI_STREAM_MAX_OBJECT_BYTES

/* ---- helpers ---------------------------------------------------------- */

/* What a stream gave, call by call: an object or an error. */
struct step {
	si_rc rc;
	struct si_input *in;        /* NULL for an error */
	struct si_error err;
};

struct run {
	struct step steps[64];
	size_t n;
};

/* Reads `path` to its end through a stream of `chunk`-byte reads and
 * objects of at most `max_object` bytes. */
static void stream_run(const char *path, const struct si_limits *lim, size_t chunk,
		       size_t max_object, struct run *r)
{
	struct si_stream *s = NULL;
	struct si_error err = { 0 };
	char buf[900];

	memset(r, 0, sizeof(*r));
	if (si_stream_open_sized(path, lim ? lim : &si_limits_default, chunk, max_object, &s,
				 &err) != SI_OK)
		fail_msg("cannot open %s: %s", path, si_error_format(&err, buf, sizeof(buf)));
	for (;;) {
		struct step *st = &r->steps[r->n];
		assert_true(r->n < sizeof(r->steps) / sizeof(r->steps[0]));
		st->rc = si_stream_next(s, &st->in, &st->err);
		if (st->rc == SI_OK && !st->in)
			break;
		if (st->rc == SI_OK) {
			assert_int_equal(st->in->n_objects, 1);
			assert_int_equal(st->in->n_roots, 1);
		} else {
			assert_null(st->in);
			assert_int_equal(st->err.code, st->rc);
		}
		r->n++;
	}
	/* The end stays the end. */
	struct si_input *in = (struct si_input *)&in;
	assert_int_equal(si_stream_next(s, &in, &err), SI_OK);
	assert_null(in);
	si_stream_close(s);
}

static void run_free(struct run *r)
{
	for (size_t i = 0; i < r->n; i++)
		si_input_free(r->steps[i].in);
}

static char tmpdir[] = "/tmp/si-stream-XXXXXX";

/* `name` in the test's folder; the path lasts until the next call. */
static const char *temp_path(const char *name)
{
	static char path[128];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static const cJSON *object(const struct step *st)
{
	if (st->rc != SI_OK)
		fail_msg("expected an object, got: %s", st->err.message);
	return st->in->objects[0].json;
}

static const char *name_of(const struct step *st)
{
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(object(st), "metadata");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(meta, "name");
	assert_true(cJSON_IsString(name));
	return name->valuestring;
}

static const char *kind_of(const struct step *st)
{
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(object(st), "kind");
	assert_true(cJSON_IsString(kind));
	return kind->valuestring;
}

/* The run gave objects named `names` (NULL-terminated), starting on `lines`. */
static void expect_objects(const struct run *r, const char *const *names, const int *lines)
{
	size_t n = 0;
	for (; names[n]; n++) {
		assert_true(n < r->n);
		assert_string_equal(name_of(&r->steps[n]), names[n]);
		assert_int_equal(r->steps[n].in->objects[0].line, lines[n]);
	}
	assert_int_equal(r->n, n);
}

/* Streams `text` from a file named `name`. */
static void stream_text(const char *name, const char *text, const struct si_limits *lim,
			size_t chunk, size_t max_object, struct run *r)
{
	char path[128];
	snprintf(path, sizeof(path), "%s", temp_path(name));
	write_file(path, text, strlen(text));
	stream_run(path, lim, chunk, max_object, r);
	assert_int_equal(unlink(path), 0);
}

/* Step `i` of the run is error `rc` on `line`, its message saying `what`. */
static void expect_refused(const struct run *r, size_t i, si_rc rc, int line, const char *what)
{
	assert_true(i < r->n);
	assert_int_equal(r->steps[i].rc, rc);
	assert_int_equal(r->steps[i].err.line, line);
	if (!strstr(r->steps[i].err.message, what))
		fail_msg("\"%s\" does not say \"%s\"", r->steps[i].err.message, what);
}

/* The line of the node at `path` (keys, or "#N" for the Nth item) below the
 * step's object. */
static int line_of(const struct step *st, const char *const *path)
{
	const cJSON *node = object(st);
	for (; *path; path++) {
		node = (*path)[0] == '#' ? cJSON_GetArrayItem(node, atoi(*path + 1))
				       : cJSON_GetObjectItemCaseSensitive(node, *path);
		if (!node)
			fail_msg("no node \"%s\"", *path);
	}
	return si_input_line(st->in, node, 0);
}

/* Every node of `a` (read whole into `ia`) and of `b` (streamed into `ib`)
 * is on the same line. */
static void same_lines(const struct si_input *ia, const cJSON *a, const struct si_input *ib,
		       const cJSON *b, const char *path)
{
	int la = si_input_line(ia, a, 0), lb = si_input_line(ib, b, 0);
	if (la != lb)
		fail_msg("%s: node \"%s\" is on line %d read whole, %d streamed", path,
			 a->string ? a->string : "(item)", la, lb);
	for (a = a->child, b = b->child; a && b; a = a->next, b = b->next)
		same_lines(ia, a, ib, b, path);
}

/* The stream of `path` gives what si_input_read() does: the same objects on
 * the same lines, every node on its line; or, for a file it refuses, ends
 * with the same error on the same line. */
static void streams_as_read(const char *path, size_t chunk)
{
	struct si_input *whole = NULL;
	struct si_error werr = { 0 };
	struct run r;
	char buf[900];

	si_rc wrc = si_input_read(path, &si_limits_default, &whole, &werr);
	stream_run(path, NULL, chunk, BIG, &r);
	size_t objects = 0;
	for (size_t i = 0; i < r.n; i++) {
		const struct step *st = &r.steps[i];
		if (st->rc != SI_OK) {
			if (wrc == SI_OK || st->rc != wrc || st->err.line != werr.line)
				fail_msg("%s (chunk %zu): streamed \"%s\", read whole \"%s\"", path,
					 chunk, si_error_format(&st->err, buf, sizeof(buf)),
					 wrc ? werr.message : "no error");
			assert_int_equal(i, r.n - 1);
			break;
		}
		assert_string_equal(st->in->path, path);
		if (wrc != SI_OK)
			continue;
		if (objects == whole->n_objects)
			fail_msg("%s (chunk %zu): more objects streamed than read whole", path, chunk);
		const struct si_object *o = &whole->objects[objects++];
		if (!cJSON_Compare(o->json, object(st), true))
			fail_msg("%s (chunk %zu): object %zu differs", path, chunk, objects);
		if (o->line != st->in->objects[0].line)
			fail_msg("%s (chunk %zu): object %zu on line %d read whole, %d streamed",
				 path, chunk, objects, o->line, st->in->objects[0].line);
		const struct si_object *so = &st->in->objects[0];
		if (strcmp(si_object_path(whole, o), si_object_path(st->in, so)) != 0 ||
		    o->source_base != so->source_base)
			fail_msg("%s (chunk %zu): object %zu written in %s (line %d on) read whole, "
				 "%s (line %d on) streamed", path, chunk, objects,
				 si_object_path(whole, o), o->source_base,
				 si_object_path(st->in, so), so->source_base);
		same_lines(whole, o->json, st->in, object(st), path);
	}
	if (wrc == SI_OK && objects != whole->n_objects)
		fail_msg("%s (chunk %zu): %zu objects streamed, %zu read whole", path, chunk,
			 objects, whole->n_objects);
	if (wrc != SI_OK && (r.n == 0 || r.steps[r.n - 1].rc == SI_OK))
		fail_msg("%s (chunk %zu): read whole fails (%s), streamed does not", path, chunk,
			 werr.message);
	run_free(&r);
	si_input_free(whole);
}

static void each_file_streams_as_read(const char *dir, const size_t *chunks, size_t n_chunks)
{
	char **paths = NULL;
	size_t n = 0;
	struct si_error err = { 0 };
	assert_int_equal(si_paths_collect(dir, &paths, &n, &err), SI_OK);
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++)
		for (size_t c = 0; c < n_chunks; c++)
			streams_as_read(paths[i], chunks[c]);
	si_paths_free(paths, n);
}

/* ---- the same as the whole-input parser ------------------------------- */

static void test_every_fixture_streams_as_read_whole_at_any_chunk_size(void **state)
{
	/* Small chunks put every boundary inside strings, escapes, multibyte
	 * characters, keys and line breaks. */
	static const size_t chunks[] = { 1, 2, 3, 4, 5, 7, 11, 16, 64, 65536 };
	each_file_streams_as_read(FIXTURES, chunks, sizeof(chunks) / sizeof(chunks[0]));
}

static void test_every_corpus_file_streams_as_read_whole(void **state)
{
	static const size_t chunks[] = { 7, 65536 };
	each_file_streams_as_read(CORPUS, chunks, sizeof(chunks) / sizeof(chunks[0]));
}

/* ---- objects and their lines ------------------------------------------ */

static void test_yaml_documents_come_one_by_one_with_absolute_lines(void **state)
{
	struct run r;
	stream_run(FIXTURES "/multi-document.yaml", NULL, 5, BIG, &r);
	expect_objects(&r, (const char *[]){ "first", "second", "third", NULL },
		       (const int[]){ 2, 17, 40 });
	const char *image[] = { "spec", "template", "spec", "containers", "#0", "image", NULL };
	const char *greeting[] = { "spec", "template", "spec", "containers", "#0", "env", "#0",
				   "value", NULL };
	const char *port[] = { "spec", "ports", "#0", "targetPort", NULL };
	assert_int_equal(line_of(&r.steps[1], image), 31);
	assert_int_equal(line_of(&r.steps[1], greeting), 35);
	assert_int_equal(line_of(&r.steps[2], port), 46);
	assert_string_equal(r.steps[0].in->path, FIXTURES "/multi-document.yaml");
	run_free(&r);
}

static void test_yaml_list_with_items_before_kind_gives_each_item(void **state)
{
	/* As `kubectl get -o yaml` writes it: apiVersion, items, kind. */
	struct run r;
	stream_run(FIXTURES "/list-items-first.yaml", NULL, 65536, BIG, &r);
	expect_objects(&r, (const char *[]){ "pod-a", "deploy-b", "settings", "after-the-list",
					     NULL }, (const int[]){ 3, 12, 25, 35 });
	const char *privileged[] = { "spec", "template", "spec", "containers", "#0",
				     "securityContext", "privileged", NULL };
	assert_int_equal(line_of(&r.steps[1], privileged), 24);
	/* An item's own "items" is data. */
	const char *items[] = { "data", "items", NULL };
	assert_int_equal(line_of(&r.steps[2], items), 30);
	run_free(&r);
}

static void test_kubectl_json_list_gives_each_item_with_absolute_lines(void **state)
{
	struct run r;
	stream_run(FIXTURES "/list-kubectl.json", NULL, 65536, BIG, &r);
	expect_objects(&r, (const char *[]){ "web", "web-svc", "third", NULL },
		       (const int[]){ 4, 36, 46 });
	const char *note[] = { "metadata", "annotations", "note", NULL };
	const char *port[] = { "spec", "template", "spec", "containers", "#0", "ports", "#0",
			       "containerPort", NULL };
	assert_int_equal(line_of(&r.steps[0], note), 9);
	assert_int_equal(line_of(&r.steps[0], port), 26);
	const cJSON *ann = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(object(&r.steps[0]), "metadata"), "annotations");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(ann, "note")->valuestring,
			    "braces { [ and \"items\": [ in a string, a backslash \\");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(ann, "unicode")->valuestring,
			    "h\xc3\xa9llo \xe2\x80\x93 \xe4\xb8\x96\xe7\x95\x8c \xf0\x9f\x98\x80");
	run_free(&r);
}

static void test_compact_json_list_gives_each_item(void **state)
{
	struct run r;
	stream_run(FIXTURES "/list-compact.json", NULL, 3, BIG, &r);
	expect_objects(&r, (const char *[]){ "c1", "c2", "c3", NULL }, (const int[]){ 1, 1, 1 });
	run_free(&r);
}

static void test_items_below_the_top_level_or_after_a_kind_are_not_unpacked(void **state)
{
	struct run r;
	stream_run(FIXTURES "/nested-items.yaml", NULL, 65536, BIG, &r);
	assert_int_equal(r.n, 2);
	assert_string_equal(kind_of(&r.steps[0]), "ConfigMap");
	assert_string_equal(kind_of(&r.steps[1]), "Deployment");
	assert_int_equal(r.steps[1].in->objects[0].line, 13);
	run_free(&r);

	stream_run(FIXTURES "/nested-items.json", NULL, 65536, BIG, &r);
	assert_int_equal(r.n, 1);
	assert_string_equal(name_of(&r.steps[0]), "deployment-with-items");
	assert_true(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(object(&r.steps[0]), "items")));
	run_free(&r);
}

static void test_typed_list_items_get_the_list_kind(void **state)
{
	/* As the API server writes a PodList: kind first, items without kind. */
	struct run r;
	stream_run(FIXTURES "/typed-list.json", NULL, 65536, BIG, &r);
	expect_objects(&r, (const char *[]){ "p1", "p2", "p3", NULL }, (const int[]){ 2, 3, 4 });
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(kind_of(&r.steps[i]), "Pod");
	run_free(&r);
}

static void test_a_list_in_a_list_item_gives_its_items_each_with_its_lines(void **state)
{
	struct run r;
	stream_run(FIXTURES "/list-in-list.yaml", NULL, 65536, BIG, &r);
	expect_objects(&r, (const char *[]){ "inner-1", "inner-2", "outer", NULL },
		       (const int[]){ 5, 7, 9 });
	assert_string_equal(kind_of(&r.steps[0]), "Pod");
	const char *name[] = { "metadata", "name", NULL };
	assert_int_equal(line_of(&r.steps[0], name), 6);
	assert_int_equal(line_of(&r.steps[1], name), 8);
	run_free(&r);
}

static void test_bare_json_array_gives_each_value(void **state)
{
	struct run r;
	stream_run(FIXTURES "/bare-array.json", NULL, 65536, BIG, &r);
	assert_int_equal(r.n, 4);
	assert_string_equal(name_of(&r.steps[1]), "two");
	assert_int_equal(r.steps[1].in->objects[0].line, 4);
	assert_true(cJSON_IsString(object(&r.steps[2])));
	assert_true(cJSON_IsNumber(object(&r.steps[3])));
	run_free(&r);
}

static void test_flow_style_yaml_that_starts_like_json_is_read_as_yaml(void **state)
{
	struct run r;
	stream_run(FIXTURES "/flow-style.yaml", NULL, 4, BIG, &r);
	expect_objects(&r, (const char *[]){ "flow", NULL }, (const int[]){ 1 });
	run_free(&r);

	/* A .json name says JSON, and JSON it must be. */
	stream_text("flow.json", "{kind: Pod}\n", NULL, 4, BIG, &r);
	assert_int_equal(r.n, 1);
	expect_refused(&r, 0, SI_ERR_SYNTAX, 1, "a key expected");
	run_free(&r);
}

/* ---- where objects were written ---------------------------------------- */

/* An object both readers must give: its name, the file it was written in
 * (NULL: the input) and its line there, and the line there of the node at
 * `node` below it (keys, or "#N"), when given. */
struct placed {
	const char *name;
	const char *path;
	int line;
	const char *const *node;
	int node_line;
};

static const cJSON *node_at(const cJSON *obj, const char *const *path)
{
	for (; *path; path++) {
		obj = (*path)[0] == '#' ? cJSON_GetArrayItem(obj, atoi(*path + 1))
				       : cJSON_GetObjectItemCaseSensitive(obj, *path);
		if (!obj)
			fail_msg("no node \"%s\"", *path);
	}
	return obj;
}

static void expect_place(const struct si_input *in, const struct si_object *o,
			 const struct placed *want, const char *file, const char *how)
{
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(o->json, "metadata");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(meta, "name");
	const char *path = want->path ? want->path : file;
	if (!cJSON_IsString(name) || strcmp(name->valuestring, want->name) != 0)
		fail_msg("%s: expected object %s", how, want->name);
	if (strcmp(si_object_path(in, o), path) != 0 || si_object_line(in, o, NULL) != want->line)
		fail_msg("%s: %s at %s:%d, expected %s:%d", how, want->name, si_object_path(in, o),
			 si_object_line(in, o, NULL), path, want->line);
	if (want->node && si_object_line(in, o, node_at(o->json, want->node)) != want->node_line)
		fail_msg("%s: a node of %s on line %d, expected %d", how, want->name,
			 si_object_line(in, o, node_at(o->json, want->node)), want->node_line);
}

/* `file` read whole, and streamed in reads of a few sizes, gives the
 * objects of `want` (ended by a NULL name), each at its place. */
static void expect_places(const char *file, const struct placed *want)
{
	static const size_t chunks[] = { 1, 2, 3, 7, 65536 };
	struct si_input *whole = NULL;
	struct si_error err = { 0 };
	struct run r;
	size_t n = 0;

	assert_int_equal(si_input_read(file, &si_limits_default, &whole, &err), SI_OK);
	for (; want[n].name; n++) {
		assert_true(n < whole->n_objects);
		expect_place(whole, &whole->objects[n], &want[n], file, "read whole");
	}
	assert_int_equal(whole->n_objects, n);
	for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		stream_run(file, NULL, chunks[c], BIG, &r);
		assert_int_equal(r.n, n);
		for (size_t i = 0; i < n; i++) {
			object(&r.steps[i]);
			expect_place(r.steps[i].in, &r.steps[i].in->objects[0], &want[i], file,
				     "streamed");
		}
		run_free(&r);
	}
	si_input_free(whole);
}

static const char *const first_container[] = { "spec", "template", "spec", "containers", "#0",
					       NULL };
static const char *const pod_container[] = { "spec", "containers", "#0", NULL };

static void test_helm_source_comments_name_each_template_and_count_lines_from_it(void **state)
{
	/* The object's line 1 is the one after the comment. A document without
	 * a comment, or with one elsewhere than at column 0 before its first
	 * node, is the input's; the last of two comments wins. */
	static const struct placed want[] = {
		{ "shop", "shop/templates/serviceaccount.yaml", 1, NULL, 0 },
		{ "web", "shop/templates/deployment.yaml", 2, first_container, 11 },
		{ "no-source", NULL, 26, NULL, 0 },
		{ "indented", NULL, 32, NULL, 0 },
		{ "listed", "shop/templates/pods.yaml", 4, pod_container, 10 },
		{ NULL, NULL, 0, NULL, 0 },
	};
	expect_places(FIXTURES "/helm-rendered.yaml", want);
}

static void test_helm_source_comments_with_crlf_and_other_line_breaks(void **state)
{
	/* libyaml counts CR LF, CR, NEL and LS as one line each, and so do the
	 * lines of the templates. */
	static const struct placed want[] = {
		{ "notes", "shop/templates/configmap.yaml", 1, NULL, 0 },
		{ "crlf", "shop/templates/pod.yaml", 1, pod_container, 7 },
		{ NULL, NULL, 0, NULL, 0 },
	};
	expect_places(FIXTURES "/helm-crlf.yaml", want);
}

static void test_source_names_too_long_or_with_control_characters_are_not_taken(void **state)
{
	/* YAML allows no other control character than a tab in a comment:
	 * those of annotations are in kustomize-origin.yaml. */
	static const char pod[] = "kind: Pod\nmetadata: {name: %s}\n";
	char *text = malloc(3 * SI_SOURCE_MAX), *at = text, *end = text + 3 * SI_SOURCE_MAX;
	char longest[SI_SOURCE_MAX + 2];
	struct run r;

	assert_non_null(text);
	memset(longest, 'a', sizeof(longest) - 1);
	longest[SI_SOURCE_MAX] = '\0';                     /* the bound: taken */
	at += snprintf(at, (size_t)(end - at), "---\n# Source: %s\n", longest);
	at += snprintf(at, (size_t)(end - at), pod, "longest");
	longest[SI_SOURCE_MAX] = 'a';                      /* one byte more */
	longest[SI_SOURCE_MAX + 1] = '\0';
	at += snprintf(at, (size_t)(end - at), "---\n# Source: %s\n", longest);
	at += snprintf(at, (size_t)(end - at), pod, "too-long");
	at += snprintf(at, (size_t)(end - at), "---\n# Source: a\tb.yaml\n");
	at += snprintf(at, (size_t)(end - at), pod, "tab");
	at += snprintf(at, (size_t)(end - at), "---\n# Source: \n");
	at += snprintf(at, (size_t)(end - at), pod, "empty");
	snprintf(at, (size_t)(end - at), "---\n# Source: caf\xc3\xa9/templates/x.yaml  \n");
	at += strlen(at);
	snprintf(at, (size_t)(end - at), pod, "trailing-blanks");
	stream_text("names.yaml", text, NULL, 7, BIG, &r);
	assert_int_equal(r.n, 5);
	longest[SI_SOURCE_MAX] = '\0';
	assert_string_equal(r.steps[0].in->objects[0].source, longest);
	for (size_t i = 1; i < 4; i++)
		if (r.steps[i].in->objects[0].source)
			fail_msg("%s: source %s taken", name_of(&r.steps[i]),
				 r.steps[i].in->objects[0].source);
	assert_string_equal(r.steps[4].in->objects[0].source, "caf\xc3\xa9/templates/x.yaml");
	assert_int_equal(si_object_line(r.steps[4].in, &r.steps[4].in->objects[0], NULL), 1);
	run_free(&r);
	free(text);
}

/* Object `i` of the tiny templates came from its own comment, or from none
 * when an empty document came between. */
static void expect_tiny(int i, const struct si_object *o, const char *how)
{
	char want[32];
	snprintf(want, sizeof(want), "t/%d.yaml", i);
	if (i % 3 ? !o->source || strcmp(o->source, want) != 0 : o->source != NULL)
		fail_msg("%s: object %d from %s", how, i, o->source ? o->source : "the input");
}

static void test_tiny_templates_each_keep_their_own_source(void **state)
{
	/* libyaml reads ahead of its events: the comments of the documents
	 * after the one being read are kept for them, never given to it. */
	enum { N = 400 };
	size_t size = N * 64, len = 0;
	char *text = malloc(size);
	const char *path = temp_path("tiny.yaml");
	struct si_input *in = NULL;
	struct si_stream *st = NULL;
	struct si_error err = { 0 };

	assert_non_null(text);
	for (int i = 0; i < N; i++)
		len += (size_t)snprintf(text + len, size - len,
					"---\n# Source: t/%d.yaml\n%s{kind: Pod, metadata: {name: p%d}}\n",
					i, i % 3 ? "" : "---\n", i);
	write_file(path, text, len);
	assert_int_equal(si_input_read(path, &si_limits_default, &in, &err), SI_OK);
	assert_int_equal(in->n_objects, N);
	for (int i = 0; i < N; i++)
		expect_tiny(i, &in->objects[i], "read whole");
	si_input_free(in);
	for (size_t chunk = 1; chunk <= 65536; chunk *= 256) {
		int n = 0;
		assert_int_equal(si_stream_open_sized(path, &si_limits_default, chunk, BIG, &st, &err),
				 SI_OK);
		while (si_stream_next(st, &in, &err) == SI_OK && in) {
			assert_true(n < N);
			expect_tiny(n++, &in->objects[0], "streamed");
			si_input_free(in);
		}
		assert_int_equal(n, N);
		si_stream_close(st);
	}
	assert_int_equal(unlink(path), 0);
	free(text);
}

static void test_kustomize_and_kpt_annotations_name_the_file_without_a_line(void **state)
{
	/* kustomize's buildMetadata [originAnnotations]: YAML in a string; its
	 * path wins over kpt's and over a helm comment. An origin without a
	 * path (a generated object) leaves the object where it is. */
	static const struct placed want[] = {
		{ "origin", "base/deployment.yaml", 0, first_container, 0 },
		{ "quoted", "base/with: colon.yaml", 0, NULL, 0 },
		{ "kpt", "pkg/pod.yaml", 0, NULL, 0 },
		{ "legacy", "old/pod.yaml", 0, NULL, 0 },
		{ "generated", NULL, 44, NULL, 0 },
		{ "bad-path", NULL, 55, NULL, 0 },
		{ NULL, NULL, 0, NULL, 0 },
	};
	expect_places(FIXTURES "/kustomize-origin.yaml", want);
}

/* The report in `format` of the workloads of `file`, read whole or
 * streamed; the caller frees it. */
static char *report_of(const char *file, enum si_report_format format, bool streamed)
{
	struct si_policy *policy = NULL;
	struct si_report *rep = NULL;
	struct si_report_options opt = { 0 };
	struct si_audit a;
	struct si_input *in = NULL;
	struct si_stream *st = NULL;
	struct si_error err = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	assert_int_equal(si_policy_default(&policy, &err), SI_OK);
	assert_int_equal(si_report_open(format, &opt, out, &rep, &err), SI_OK);
	si_audit_init(&a, policy, NULL);
	a.on_entry = si_report_entry_fn;
	a.ctx = rep;
	a.n_inputs = 1;
	if (streamed) {
		assert_int_equal(si_stream_open_sized(file, &si_limits_default, 5, BIG, &st, &err),
				 SI_OK);
		while (si_stream_next(st, &in, &err) == SI_OK && in) {
			assert_int_equal(si_audit_inspect(&a, in, &err), SI_OK);
			si_input_free(in);
		}
		si_stream_close(st);
	} else {
		assert_int_equal(si_input_read(file, &si_limits_default, &in, &err), SI_OK);
		assert_int_equal(si_audit_inspect(&a, in, &err), SI_OK);
		si_input_free(in);
	}
	assert_int_equal(si_audit_finish(&a), SI_OK);
	assert_int_equal(si_report_finish(rep, &a, &err), SI_OK);
	si_report_free(rep);
	si_audit_free(&a);
	si_policy_free(policy);
	assert_int_equal(fclose(out), 0);
	return text;
}

/* The JSON report's `source` of the workload or skipped object `name`. */
static const char *source_in_report(const cJSON *report, const char *list, const char *name)
{
	const cJSON *w;
	cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(report, list)) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(w, "name");
		if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
			return cJSON_GetObjectItemCaseSensitive(w, "source")->valuestring;
	}
	fail_msg("no %s in the report's %s", name, list);
	return NULL;
}

static void test_reports_name_the_templates_read_whole_or_streamed(void **state)
{
	const char *file = FIXTURES "/helm-rendered.yaml";
	for (int f = 0; f < SI_REPORT_FORMAT_COUNT; f++) {
		char *whole = report_of(file, (enum si_report_format)f, false);
		char *streamed = report_of(file, (enum si_report_format)f, true);
		assert_string_equal(whole, streamed);
		if (f == SI_REPORT_TEXT)
			assert_non_null(strstr(whole, "(shop/templates/deployment.yaml:2)"));
		if (f == SI_REPORT_JUNIT)
			assert_non_null(strstr(whole, "file=\"shop/templates/deployment.yaml\" "
						      "line=\"11\""));
		if (f == SI_REPORT_HTML)
			assert_non_null(strstr(whole, "shop/templates/pods.yaml:4"));
		free(whole);
		free(streamed);
	}

	char *text = report_of(file, SI_REPORT_JSON, false);
	cJSON *json = cJSON_Parse(text);
	assert_non_null(json);
	assert_string_equal(source_in_report(json, "workloads", "web"),
			    "shop/templates/deployment.yaml:2");
	assert_string_equal(source_in_report(json, "workloads", "listed"),
			    "shop/templates/pods.yaml:4");
	assert_string_equal(source_in_report(json, "skipped", "shop"),
			    "shop/templates/serviceaccount.yaml:1");
	assert_string_equal(source_in_report(json, "skipped", "no-source"), FIXTURES
			    "/helm-rendered.yaml:26");
	cJSON_Delete(json);
	free(text);

	/* SARIF: each result at the template and the line of its container. */
	text = report_of(file, SI_REPORT_SARIF, false);
	json = cJSON_Parse(text);
	assert_non_null(json);
	const cJSON *result;
	size_t web = 0, listed = 0;
	cJSON_ArrayForEach(result, cJSON_GetObjectItemCaseSensitive(
		cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(json, "runs"), 0), "results")) {
		const cJSON *phys = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(
			cJSON_GetObjectItemCaseSensitive(result, "locations"), 0), "physicalLocation");
		const char *uri = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
			phys, "artifactLocation"), "uri")->valuestring;
		int line = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
			phys, "region"), "startLine")->valueint;
		if (strcmp(uri, "shop/templates/deployment.yaml") == 0 && line == 11)
			web++;
		else if (strcmp(uri, "shop/templates/pods.yaml") == 0 && line == 10)
			listed++;
		else
			fail_msg("a result at %s:%d", uri, line);
	}
	assert_true(web > 0 && listed > 0);
	cJSON_Delete(json);
	free(text);
}

/* ---- limits ------------------------------------------------------------- */

static void test_object_over_the_size_limit_is_refused_with_its_line_and_the_next_follows(
	void **state)
{
	/* 150 characters in small values (one value past the limit would
	 * end the stream: see the next test). */
	const char *many = "{k0: 0, k1: 1, k2: 2, k3: 3, k4: 4, k5: 5, k6: 6, k7: 7, k8: 8, "
			   "k9: 9, k10: 10, k11: 11, k12: 12, k13: 13, k14: 14, k15: 15}";
	char big[600], text[2000];
	struct run r;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(text, sizeof(text),
		 "kind: Pod\nmetadata: {name: small}\n"
		 "---\n"
		 "kind: Pod\nmetadata:\n  annotations: %s\n"                /* 4 */
		 "---\n"
		 "kind: List\nitems:\n- kind: Pod\n  metadata: {name: a}\n"  /* 10 */
		 "- kind: Pod\n  metadata:\n    annotations: %s\n"         /* 12 */
		 "- kind: Pod\n  metadata: {name: b}\n", many, many);       /* 15 */
	/* Past 100 characters, in reads of 16 bytes: the window never holds
	 * an object refused. */
	stream_text("sizes.yaml", text, NULL, 16, 100, &r);
	assert_int_equal(r.n, 5);
	assert_string_equal(name_of(&r.steps[0]), "small");
	expect_refused(&r, 1, SI_ERR_LIMIT, 4, "object of more than 100 characters");
	assert_string_equal(r.steps[1].err.file, temp_path("sizes.yaml"));
	assert_string_equal(name_of(&r.steps[2]), "a");
	expect_refused(&r, 3, SI_ERR_LIMIT, 12, "skipped");
	assert_string_equal(name_of(&r.steps[4]), "b");
	assert_int_equal(r.steps[4].in->objects[0].line, 15);
	run_free(&r);

	snprintf(text, sizeof(text),
		 "{\"kind\": \"List\", \"items\": [\n"
		 "  {\"kind\": \"Pod\", \"metadata\": {\"name\": \"a\"}},\n"
		 "  {\"kind\": \"Pod\", \"metadata\": {\"name\": \"%s\"}},\n"   /* 3 */
		 "  {\"kind\": \"Pod\", \"metadata\": {\"name\": \"b\"}}\n"
		 "]}\n", big);
	stream_text("sizes.json", text, NULL, 16, 100, &r);
	assert_int_equal(r.n, 3);
	assert_string_equal(name_of(&r.steps[0]), "a");
	expect_refused(&r, 1, SI_ERR_LIMIT, 3, "object of more than 100 bytes");
	assert_string_equal(name_of(&r.steps[2]), "b");
	run_free(&r);

	/* A top-level object over the limit: refused, and the input ends. */
	snprintf(text, sizeof(text), "\n{\"kind\": \"Pod\", \"metadata\": {\"name\": \"%s\"}}\n",
		 big);
	stream_text("sizes.json", text, NULL, 16, 100, &r);
	assert_int_equal(r.n, 1);
	expect_refused(&r, 0, SI_ERR_LIMIT, 2, "skipped");
	run_free(&r);
}

static void test_object_over_max_depth_or_max_nodes_is_refused_and_the_next_follows(
	void **state)
{
	const struct si_limits lim = {
		.max_input_bytes = 1, .max_documents = 1,   /* not for streams */
		.max_depth = 4, .max_nodes = 12, .max_alias_bytes = 1000,
	};
	struct run r;
	/* Too many values: the object is skipped, the stream goes on. */
	stream_text("limits.yaml",
		    "kind: List\n"
		    "items:\n"
		    "- kind: Pod\n"                     /* 3: depth 4, the limit */
		    "  a: {b: {c: [1]}}\n"
		    "- kind: Pod\n"                     /* 5: 13 values */
		    "  a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n"
		    "- kind: Pod\n"
		    "  metadata: {name: last}\n", &lim, 65536, BIG, &r);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.steps[0].rc, SI_OK);
	expect_refused(&r, 1, SI_ERR_LIMIT, 6, "more than 12 values");
	assert_string_equal(name_of(&r.steps[2]), "last");
	run_free(&r);

	/* Too deep: libyaml's time grows with the square of the nesting, so
	 * the YAML stream ends there. */
	stream_text("deep.yaml",
		    "kind: List\n"
		    "items:\n"
		    "- kind: Pod\n"
		    "  a: {b: {c: [1]}}\n"
		    "- kind: Pod\n"                     /* 5: depth 5 */
		    "  a: {b: {c: {d: [1]}}}\n"
		    "- kind: Pod\n"
		    "  metadata: {name: last}\n", &lim, 65536, BIG, &r);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.steps[0].rc, SI_OK);
	expect_refused(&r, 1, SI_ERR_LIMIT, 6,
		       "nesting deeper than 4 levels; the rest of the input is not read");
	run_free(&r);

	stream_text("limits.json",
		    "{\"items\": [\n"
		    "  {\"kind\": \"Pod\", \"a\": {\"b\": {\"c\": [1]}}},\n"
		    "  {\"kind\": \"Pod\",\n   \"a\": {\"b\": {\"c\": {\"d\": [1]}}}},\n"   /* 3 */
		    "  {\"kind\": \"Pod\", \"a\": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]},\n"  /* 5 */
		    "  {\"kind\": \"Pod\", \"metadata\": {\"name\": \"last\"}}\n"
		    "], \"kind\": \"List\"}\n", &lim, 65536, BIG, &r);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.steps[0].rc, SI_OK);
	expect_refused(&r, 1, SI_ERR_LIMIT, 4, "nesting deeper than 4 levels; the object at line 3 is skipped");
	expect_refused(&r, 2, SI_ERR_LIMIT, 5, "more than 12 values");
	assert_string_equal(name_of(&r.steps[3]), "last");
	run_free(&r);
}

static void test_alias_bomb_is_refused_and_the_stream_goes_on(void **state)
{
	struct run r;
	stream_text("bomb.yaml",
		    "kind: Pod\n"
		    "metadata: {name: before}\n"
		    "---\n"
		    "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
		    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
		    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
		    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
		    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
		    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
		    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
		    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
		    "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
		    "---\n"
		    "kind: Pod\n"
		    "metadata: {name: after}\n", NULL, 64, BIG, &r);
	assert_int_equal(r.n, 3);
	assert_string_equal(name_of(&r.steps[0]), "before");
	expect_refused(&r, 1, SI_ERR_LIMIT, 10, "aliases");
	assert_string_equal(name_of(&r.steps[2]), "after");
	run_free(&r);
}

static void test_a_value_longer_than_an_object_ends_the_stream(void **state)
{
	/* libyaml holds a scalar whole: one past the limit cannot be skipped. */
	char text[4000];
	int n = snprintf(text, sizeof(text), "kind: Pod\nmetadata: {name: one}\n---\n"
			 "kind: Pod\ndata: \"");
	memset(text + n, 'y', 3000);
	snprintf(text + n + 3000, sizeof(text) - (size_t)n - 3000,
		 "\"\n---\nkind: Pod\nmetadata: {name: never}\n");
	struct run r;
	stream_text("scalar.yaml", text, NULL, 64, 1000, &r);
	assert_int_equal(r.n, 2);
	assert_string_equal(name_of(&r.steps[0]), "one");
	expect_refused(&r, 1, SI_ERR_LIMIT, 5, "the rest of the input is not read");
	run_free(&r);
}

/* ---- errors ------------------------------------------------------------- */

static void test_syntax_error_ends_the_stream_with_its_line(void **state)
{
	struct run r;
	stream_run(FIXTURES "/bad-syntax-in-third.yaml", NULL, 65536, BIG, &r);
	assert_int_equal(r.n, 3);
	assert_string_equal(name_of(&r.steps[1]), "two");
	expect_refused(&r, 2, SI_ERR_SYNTAX, 10, "invalid YAML");
	assert_string_equal(r.steps[2].err.file, FIXTURES "/bad-syntax-in-third.yaml");
	run_free(&r);

	stream_run(FIXTURES "/bad-item.json", NULL, 8, BIG, &r);
	assert_int_equal(r.n, 2);
	assert_string_equal(name_of(&r.steps[0]), "ok");
	expect_refused(&r, 1, SI_ERR_SYNTAX, 6, "invalid JSON");
	assert_string_equal(r.steps[1].err.file, FIXTURES "/bad-item.json");
	run_free(&r);

	stream_run(FIXTURES "/bad-duplicate-list-key.json", NULL, 8, BIG, &r);
	assert_int_equal(r.n, 2);
	expect_refused(&r, 1, SI_ERR_SYNTAX, 5, "duplicate key");
	assert_string_equal(r.steps[1].err.key, "kind");
	run_free(&r);
}

static void test_not_utf8_ends_the_stream_naming_line_and_column(void **state)
{
	struct run r;
	stream_run(FIXTURES "/bad-utf8.yaml", NULL, 3, BIG, &r);
	assert_int_equal(r.n, 2);
	assert_string_equal(name_of(&r.steps[0]), "one");
	expect_refused(&r, 1, SI_ERR_SYNTAX, 6, "byte 0xE9 at column 13");
	run_free(&r);
}

static void test_anchors_of_earlier_list_items_are_not_kept(void **state)
{
	/* A List's items are forgotten as they go, and their anchors with them. */
	struct run r;
	stream_text("anchor.yaml",
		    "kind: List\n"
		    "items:\n"
		    "- &first {kind: Pod, metadata: {name: a}}\n"
		    "- *first\n", NULL, 65536, BIG, &r);
	assert_int_equal(r.n, 2);
	assert_string_equal(name_of(&r.steps[0]), "a");
	expect_refused(&r, 1, SI_ERR_SYNTAX, 4, "earlier List items");
	run_free(&r);
}

static void test_empty_inputs(void **state)
{
	struct run r;
	stream_text("empty.yaml", "", NULL, 65536, BIG, &r);
	assert_int_equal(r.n, 0);
	stream_text("blank.yaml", "\n\n# nothing\n---\n", NULL, 2, BIG, &r);
	assert_int_equal(r.n, 0);
	stream_text("empty-list.json", "{\"kind\": \"List\", \"items\": []}", NULL, 5, BIG, &r);
	assert_int_equal(r.n, 0);

	/* As si_input_parse(): a JSON file must hold a value. */
	stream_text("empty.json", "\n \n", NULL, 65536, BIG, &r);
	assert_int_equal(r.n, 1);
	expect_refused(&r, 0, SI_ERR_SYNTAX, 3, "empty JSON document");
}

static void test_missing_file_and_folder_are_io_errors(void **state)
{
	struct si_stream *s = (struct si_stream *)&s;
	struct si_error err = { 0 };
	assert_int_equal(si_stream_open("/nonexistent/stream.yaml", &si_limits_default, &s, &err),
			 SI_ERR_IO);
	assert_null(s);
	assert_string_equal(err.file, "/nonexistent/stream.yaml");
	assert_int_equal(si_stream_open(FIXTURES, &si_limits_default, &s, &err), SI_ERR_IO);
	assert_null(s);
	si_stream_close(NULL);
}

/* ---- stdin ---------------------------------------------------------------- */

static void test_stdin_is_read_as_a_stream_from_a_pipe(void **state)
{
	int fds[2], saved = dup(STDIN_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {             /* a writer of more than a pipe holds */
		close(fds[0]);
		FILE *f = fdopen(fds[1], "w");
		fprintf(f, "{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n");
		for (int i = 0; i < 2000; i++)
			fprintf(f, "%s        {\"kind\": \"Pod\", \"metadata\": {\"name\": \"p%d\"}}",
				i ? ",\n" : "", i);
		fprintf(f, "\n    ],\n    \"kind\": \"List\"\n}\n");
		fclose(f);
		_exit(0);
	}
	close(fds[1]);
	assert_int_equal(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
	close(fds[0]);

	struct si_stream *s;
	struct si_input *in;
	struct si_error err = { 0 };
	assert_int_equal(si_stream_open("-", &si_limits_default, &s, &err), SI_OK);
	int n = 0;
	while (si_stream_next(s, &in, &err) == SI_OK && in) {
		char name[16];
		snprintf(name, sizeof(name), "p%d", n);
		assert_string_equal(in->path, "<stdin>");
		assert_string_equal(cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(in->objects[0].json, "metadata"),
			"name")->valuestring, name);
		assert_int_equal(in->objects[0].line, n + 4);
		si_input_free(in);
		n++;
	}
	assert_int_equal(n, 2000);
	si_stream_close(s);

	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static int make_tmpdir(void **state)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_fixture_streams_as_read_whole_at_any_chunk_size),
		cmocka_unit_test(test_every_corpus_file_streams_as_read_whole),
		cmocka_unit_test(test_yaml_documents_come_one_by_one_with_absolute_lines),
		cmocka_unit_test(test_yaml_list_with_items_before_kind_gives_each_item),
		cmocka_unit_test(test_kubectl_json_list_gives_each_item_with_absolute_lines),
		cmocka_unit_test(test_compact_json_list_gives_each_item),
		cmocka_unit_test(test_items_below_the_top_level_or_after_a_kind_are_not_unpacked),
		cmocka_unit_test(test_typed_list_items_get_the_list_kind),
		cmocka_unit_test(test_a_list_in_a_list_item_gives_its_items_each_with_its_lines),
		cmocka_unit_test(test_bare_json_array_gives_each_value),
		cmocka_unit_test(test_flow_style_yaml_that_starts_like_json_is_read_as_yaml),
		cmocka_unit_test(test_helm_source_comments_name_each_template_and_count_lines_from_it),
		cmocka_unit_test(test_helm_source_comments_with_crlf_and_other_line_breaks),
		cmocka_unit_test(test_source_names_too_long_or_with_control_characters_are_not_taken),
		cmocka_unit_test(test_tiny_templates_each_keep_their_own_source),
		cmocka_unit_test(test_kustomize_and_kpt_annotations_name_the_file_without_a_line),
		cmocka_unit_test(test_reports_name_the_templates_read_whole_or_streamed),
		cmocka_unit_test(test_object_over_the_size_limit_is_refused_with_its_line_and_the_next_follows),
		cmocka_unit_test(test_object_over_max_depth_or_max_nodes_is_refused_and_the_next_follows),
		cmocka_unit_test(test_alias_bomb_is_refused_and_the_stream_goes_on),
		cmocka_unit_test(test_a_value_longer_than_an_object_ends_the_stream),
		cmocka_unit_test(test_syntax_error_ends_the_stream_with_its_line),
		cmocka_unit_test(test_not_utf8_ends_the_stream_naming_line_and_column),
		cmocka_unit_test(test_anchors_of_earlier_list_items_are_not_kept),
		cmocka_unit_test(test_empty_inputs),
		cmocka_unit_test(test_missing_file_and_folder_are_io_errors),
		cmocka_unit_test(test_stdin_is_read_as_a_stream_from_a_pipe),
	};
	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
