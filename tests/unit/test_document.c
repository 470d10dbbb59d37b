// SPDX-License-Identifier: Apache-2.0
// The document loader: YAML streams and JSON into cJSON trees with source
// lines, List unpacking, YAML 1.1 scalars, input bounds, syntax errors and
// the manifest files of a folder.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include <cmocka.h>

#include "security-inspector/document.h"

/* ---- helpers ---------------------------------------------------------- */

static struct si_input *parse_ok(const char *path, const char *text)
{
	struct si_input *in = NULL;
	struct si_error err = { 0 };
	char buf[900];
	si_rc rc = si_input_parse(path, text, strlen(text), &si_limits_default, &in, &err);
	if (rc != SI_OK)
		fail_msg("unexpected error: %s", si_error_format(&err, buf, sizeof(buf)));
	assert_non_null(in);
	return in;
}

/* Parses `text` expecting failure; returns the code and fills `err`. */
static si_rc parse_fail(const char *path, const char *text, const struct si_limits *lim,
			    struct si_error *err)
{
	struct si_input *in = (struct si_input *)&in;   /* must be reset to NULL */
	memset(err, 0, sizeof(*err));
	si_rc rc = si_input_parse(path, text, strlen(text), lim ? lim : &si_limits_default,
				      &in, err);
	assert_int_not_equal(rc, SI_OK);
	assert_null(in);
	assert_int_equal(err->code, rc);
	return rc;
}

static const cJSON *member(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v)
		fail_msg("no member \"%s\"", key);
	return v;
}

static const char *str_of(const cJSON *obj, const char *key)
{
	const cJSON *v = member(obj, key);
	assert_true(cJSON_IsString(v));
	return v->valuestring;
}

static const char *name_of(const cJSON *obj)
{
	return str_of(member(obj, "metadata"), "name");
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

static void remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		assert_non_null(d);
		struct dirent *e;
		while ((e = readdir(d))) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			char child[1024];
			snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
			remove_tree(child);
		}
		closedir(d);
		assert_int_equal(rmdir(path), 0);
	} else {
		assert_int_equal(unlink(path), 0);
	}
}

static const struct si_limits small_limits = {
	.max_input_bytes = 1 << 20,
	.max_documents = 10,
	.max_depth = 4,
	.max_nodes = 1000,
	.max_alias_bytes = 1000,
};

/* ---- streams, objects and their lines --------------------------------- */

static void test_yaml_multi_document_gives_each_object_with_its_line(void **state)
{
	const char *text =
		"apiVersion: v1\n"                 /* 1 */
		"kind: Pod\n"
		"metadata:\n"
		"  name: first\n"
		"---\n"                            /* 5 */
		"apiVersion: v1\n"
		"kind: Service\n"
		"metadata:\n"
		"  name: second\n"
		"---\n"                            /* 10 */
		"apiVersion: apps/v1\n"
		"kind: Deployment\n"
		"metadata:\n"
		"  name: third\n";
	struct si_input *in = parse_ok("multi.yaml", text);
	assert_string_equal(in->path, "multi.yaml");
	assert_int_equal(in->n_roots, 3);
	assert_int_equal(in->n_objects, 3);
	assert_non_null(in->lines);
	assert_string_equal(name_of(in->objects[0].json), "first");
	assert_string_equal(name_of(in->objects[1].json), "second");
	assert_string_equal(name_of(in->objects[2].json), "third");
	assert_string_equal(str_of(in->objects[1].json, "kind"), "Service");
	assert_int_equal(in->objects[0].line, 1);
	assert_int_equal(in->objects[1].line, 6);
	assert_int_equal(in->objects[2].line, 11);
	for (size_t i = 0; i < 3; i++)
		assert_ptr_equal(in->objects[i].json, in->roots[i]);
	si_input_free(in);
}

static void test_yaml_comments_and_empty_documents_are_skipped(void **state)
{
	const char *text =
		"# leading comment\n"              /* 1 */
		"---\n"
		"# a comment before the object\n"
		"\n"
		"apiVersion: v1   # trailing comment\n"   /* 5 */
		"kind: Pod\n"
		"metadata:\n"
		"  name: a # the name\n"
		"---\n"
		"---\n"                            /* 10 */
		"# only a comment\n"
		"---\n"
		"kind: ConfigMap\n"                /* 13 */
		"metadata: {name: b}\n"
		"...\n"
		"---\n"
		"\n";
	struct si_input *in = parse_ok("comments.yaml", text);
	assert_int_equal(in->n_objects, 2);
	assert_string_equal(name_of(in->objects[0].json), "a");
	assert_string_equal(name_of(in->objects[1].json), "b");
	assert_int_equal(in->objects[0].line, 5);
	assert_int_equal(in->objects[1].line, 13);
	assert_int_equal(cJSON_GetArraySize(in->objects[0].json), 3);
	si_input_free(in);
}

static void test_json_object_is_one_object_at_its_opening_brace(void **state)
{
	const char *text =
		"\n"
		"\n"
		"  {\n"                             /* 3 */
		"    \"apiVersion\": \"v1\",\n"
		"    \"kind\": \"Pod\",\n"
		"    \"metadata\": {\"name\": \"solo\"}\n"
		"  }\n";
	struct si_input *in = parse_ok("pod.json", text);
	assert_int_equal(in->n_roots, 1);
	assert_int_equal(in->n_objects, 1);
	assert_ptr_equal(in->objects[0].json, in->roots[0]);
	assert_string_equal(name_of(in->objects[0].json), "solo");
	assert_int_equal(in->objects[0].line, 3);
	si_input_free(in);
}

static void test_json_is_chosen_by_first_byte_whatever_the_name(void **state)
{
	struct si_input *in = parse_ok("stdin-like",
				       "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"x\"}}");
	assert_int_equal(in->n_objects, 1);
	assert_string_equal(name_of(in->objects[0].json), "x");
	si_input_free(in);

	in = parse_ok("stdin-like", "kind: Pod\nmetadata:\n  name: from-yaml\n");
	assert_string_equal(name_of(in->objects[0].json), "from-yaml");
	assert_string_equal(name_of(in->objects[0].json), "from-yaml");
	si_input_free(in);
}

static void test_json_list_items_are_unpacked_with_each_item_line(void **state)
{
	/* As `kubectl get deploy,svc -o json` prints it. */
	const char *text =
		"{\n"                                               /* 1 */
		"    \"apiVersion\": \"v1\",\n"
		"    \"items\": [\n"
		"        {\n"                                       /* 4 */
		"            \"apiVersion\": \"apps/v1\",\n"
		"            \"kind\": \"Deployment\",\n"
		"            \"metadata\": {\n"
		"                \"annotations\": {\n"
		"                    \"note\": \"braces { [ and \\\"items\\\": [ in a string\",\n"
		"                    \"items\": \"[{\"\n"           /* 10 */
		"                },\n"
		"                \"name\": \"web\"\n"
		"            }\n"
		"        },\n"
		"        {\n"                                       /* 15 */
		"            \"apiVersion\": \"v1\",\n"
		"            \"kind\": \"Service\",\n"
		"            \"metadata\": {\n"
		"                \"name\": \"web-svc\"\n"
		"            },\n"                                  /* 20 */
		"            \"spec\": {\"ports\": [{\"port\": 80}]}\n"
		"        },\n"
		"        {\n"                                       /* 23 */
		"            \"kind\": \"Pod\",\n"
		"            \"metadata\": {\"name\": \"third\"}\n"
		"        }\n"
		"    ],\n"
		"    \"kind\": \"List\",\n"
		"    \"metadata\": {\n"
		"        \"resourceVersion\": \"\"\n"               /* 30 */
		"    }\n"
		"}\n";
	struct si_input *in = parse_ok("list.json", text);
	assert_int_equal(in->n_roots, 1);
	assert_int_equal(in->n_objects, 3);
	const cJSON *items = member(in->roots[0], "items");
	assert_string_equal(name_of(in->objects[0].json), "web");
	assert_string_equal(name_of(in->objects[1].json), "web-svc");
	assert_string_equal(name_of(in->objects[2].json), "third");
	for (int i = 0; i < 3; i++)
		assert_ptr_equal(in->objects[i].json, cJSON_GetArrayItem(items, i));
	assert_int_equal(in->objects[0].line, 4);
	assert_int_equal(in->objects[1].line, 15);
	assert_int_equal(in->objects[2].line, 23);
	si_input_free(in);
}

static void test_yaml_list_items_are_unpacked_with_each_item_line(void **state)
{
	const char *text =
		"apiVersion: v1\n"          /* 1 */
		"kind: List\n"
		"metadata:\n"
		"  resourceVersion: \"\"\n"
		"items:\n"                  /* 5 */
		"- apiVersion: v1\n"
		"  kind: Pod\n"
		"  metadata:\n"
		"    name: a\n"
		"- apiVersion: apps/v1\n"   /* 10 */
		"  kind: Deployment\n"
		"  metadata:\n"
		"    name: b\n";
	struct si_input *in = parse_ok("list.yaml", text);
	assert_int_equal(in->n_roots, 1);
	assert_int_equal(in->n_objects, 2);
	assert_string_equal(name_of(in->objects[0].json), "a");
	assert_string_equal(name_of(in->objects[1].json), "b");
	assert_int_equal(in->objects[0].line, 6);
	assert_int_equal(in->objects[1].line, 10);
	si_input_free(in);
}

static void test_typed_list_kinds_are_unpacked(void **state)
{
	const char *yaml =
		"apiVersion: apps/v1\n"
		"kind: DeploymentList\n"
		"metadata: {}\n"
		"items:\n"
		"  - apiVersion: apps/v1\n"   /* 5 */
		"    kind: Deployment\n"
		"    metadata: {name: one}\n"
		"  - apiVersion: apps/v1\n"   /* 8 */
		"    kind: Deployment\n"
		"    metadata: {name: two}\n";
	struct si_input *in = parse_ok("deployments.yaml", yaml);
	assert_int_equal(in->n_objects, 2);
	assert_string_equal(name_of(in->objects[0].json), "one");
	assert_string_equal(name_of(in->objects[1].json), "two");
	assert_int_equal(in->objects[0].line, 5);
	assert_int_equal(in->objects[1].line, 8);
	si_input_free(in);

	const char *json =
		"{\"apiVersion\": \"v1\", \"kind\": \"PodList\", \"items\": [\n"
		"  {\"kind\": \"Pod\", \"metadata\": {\"name\": \"p1\"}},\n"    /* 2 */
		"  {\"kind\": \"Pod\", \"metadata\": {\"name\": \"p2\"}}\n"     /* 3 */
		"]}\n";
	in = parse_ok("pods.json", json);
	assert_int_equal(in->n_objects, 2);
	assert_string_equal(name_of(in->objects[0].json), "p1");
	assert_string_equal(name_of(in->objects[1].json), "p2");
	assert_int_equal(in->objects[0].line, 2);
	assert_int_equal(in->objects[1].line, 3);
	si_input_free(in);
}

static void test_list_among_other_documents_keeps_stream_order(void **state)
{
	const char *text =
		"kind: Pod\n"
		"metadata: {name: before}\n"
		"---\n"
		"kind: List\n"
		"items:\n"
		"- kind: Pod\n"                     /* 6 */
		"  metadata: {name: inside}\n"
		"---\n"
		"kind: Pod\n"                       /* 9 */
		"metadata: {name: after}\n";
	struct si_input *in = parse_ok("mixed.yaml", text);
	assert_int_equal(in->n_roots, 3);
	assert_int_equal(in->n_objects, 3);
	assert_string_equal(name_of(in->objects[0].json), "before");
	assert_string_equal(name_of(in->objects[1].json), "inside");
	assert_string_equal(name_of(in->objects[2].json), "after");
	assert_int_equal(in->objects[0].line, 1);
	assert_int_equal(in->objects[1].line, 6);
	assert_int_equal(in->objects[2].line, 9);
	si_input_free(in);
}

/* ---- YAML 1.1 scalars --------------------------------------------------- */

static void test_yaml11_booleans_as_kubernetes_reads_them(void **state)
{
	const char *text =
		"a: yes\nb: on\nc: off\nd: no\ne: true\nf: False\ng: YES\nh: Off\n"
		"i: y\nj: n\n";
	struct si_input *in = parse_ok("bool.yaml", text);
	const cJSON *o = in->objects[0].json;
	assert_true(cJSON_IsTrue(member(o, "a")));
	assert_true(cJSON_IsTrue(member(o, "b")));
	assert_true(cJSON_IsFalse(member(o, "c")));
	assert_true(cJSON_IsFalse(member(o, "d")));
	assert_true(cJSON_IsTrue(member(o, "e")));
	assert_true(cJSON_IsFalse(member(o, "f")));
	assert_true(cJSON_IsTrue(member(o, "g")));
	assert_true(cJSON_IsFalse(member(o, "h")));
	assert_true(cJSON_IsTrue(member(o, "i")));
	assert_true(cJSON_IsFalse(member(o, "j")));
	si_input_free(in);
}

static void test_yaml11_nulls(void **state)
{
	struct si_input *in = parse_ok("null.yaml", "a: ~\nb: null\nc: Null\nd:\ne: NULL\n");
	const cJSON *o = in->objects[0].json;
	assert_true(cJSON_IsNull(member(o, "a")));
	assert_true(cJSON_IsNull(member(o, "b")));
	assert_true(cJSON_IsNull(member(o, "c")));
	assert_true(cJSON_IsNull(member(o, "d")));
	assert_true(cJSON_IsNull(member(o, "e")));
	si_input_free(in);
}

static void test_yaml11_integers_hex_octal_and_decimal(void **state)
{
	struct si_input *in = parse_ok("int.yaml",
				       "hex: 0x1F\noctal: 010\ndec: 42\nneg: -7\nzero: 0\n"
				       "under: 1_000\nport: 8080\n");
	const cJSON *o = in->objects[0].json;
	const struct { const char *key; double want; } cases[] = {
		{ "hex", 31 }, { "octal", 8 }, { "dec", 42 }, { "neg", -7 },
		{ "zero", 0 }, { "under", 1000 }, { "port", 8080 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const cJSON *v = member(o, cases[i].key);
		if (!cJSON_IsNumber(v))
			fail_msg("%s is not a number", cases[i].key);
		assert_true(v->valuedouble == cases[i].want);
	}
	si_input_free(in);
}

static void test_yaml_floats_and_exponents_are_numbers(void **state)
{
	struct si_input *in = parse_ok("float.yaml", "a: 1e3\nb: 0.5\nc: -2.5e-1\nd: .5\n");
	const cJSON *o = in->objects[0].json;
	assert_true(cJSON_IsNumber(member(o, "a")));
	assert_true(member(o, "a")->valuedouble == 1000.0);
	assert_true(member(o, "b")->valuedouble == 0.5);
	assert_true(member(o, "c")->valuedouble == -0.25);
	assert_true(cJSON_IsNumber(member(o, "d")));
	assert_true(member(o, "d")->valuedouble == 0.5);
	si_input_free(in);
}

static void test_quoted_scalars_stay_strings(void **state)
{
	struct si_input *in = parse_ok("quoted.yaml",
				       "a: \"true\"\nb: 'yes'\nc: \"123\"\nd: \"~\"\ne: 'off'\n"
				       "f: \"0x1F\"\n");
	const cJSON *o = in->objects[0].json;
	assert_string_equal(str_of(o, "a"), "true");
	assert_string_equal(str_of(o, "b"), "yes");
	assert_string_equal(str_of(o, "c"), "123");
	assert_string_equal(str_of(o, "d"), "~");
	assert_string_equal(str_of(o, "e"), "off");
	assert_string_equal(str_of(o, "f"), "0x1F");
	si_input_free(in);
}

static void test_str_tag_makes_a_string(void **state)
{
	struct si_input *in = parse_ok("tag.yaml", "a: !!str 123\nb: !!str true\nc: !!str ~\n");
	const cJSON *o = in->objects[0].json;
	assert_string_equal(str_of(o, "a"), "123");
	assert_string_equal(str_of(o, "b"), "true");
	assert_string_equal(str_of(o, "c"), "~");
	si_input_free(in);
}

static void test_quantities_and_words_stay_strings(void **state)
{
	struct si_input *in = parse_ok("q.yaml",
				       "cpu: 100m\nmem: 64Mi\nbig: 1.5Gi\nimg: nginx:1.25\n"
				       "word: yesterday\nver: v1\n");
	const cJSON *o = in->objects[0].json;
	assert_string_equal(str_of(o, "cpu"), "100m");
	assert_string_equal(str_of(o, "mem"), "64Mi");
	assert_string_equal(str_of(o, "big"), "1.5Gi");
	assert_string_equal(str_of(o, "img"), "nginx:1.25");
	assert_string_equal(str_of(o, "word"), "yesterday");
	assert_string_equal(str_of(o, "ver"), "v1");
	si_input_free(in);
}

/* ---- anchors, aliases and merge keys ------------------------------------ */

static void test_merge_key_copies_base_and_explicit_keys_win(void **state)
{
	const char *text =
		"base: &base\n"
		"  a: 1\n"
		"  b: 2\n"
		"after:\n"
		"  <<: *base\n"
		"  b: 3\n"
		"  c: 4\n"
		"before:\n"
		"  b: 5\n"
		"  <<: *base\n";
	struct si_input *in = parse_ok("merge.yaml", text);
	const cJSON *o = in->objects[0].json;
	const cJSON *after = member(o, "after"), *before = member(o, "before");
	assert_int_equal(cJSON_GetArraySize(after), 3);
	assert_true(member(after, "a")->valuedouble == 1);
	assert_true(member(after, "b")->valuedouble == 3);
	assert_true(member(after, "c")->valuedouble == 4);
	assert_null(cJSON_GetObjectItemCaseSensitive(after, "<<"));
	assert_int_equal(cJSON_GetArraySize(before), 2);
	assert_true(member(before, "a")->valuedouble == 1);
	assert_true(member(before, "b")->valuedouble == 5);
	assert_null(cJSON_GetObjectItemCaseSensitive(before, "<<"));
	/* The base itself is untouched. */
	assert_true(member(member(o, "base"), "b")->valuedouble == 2);
	si_input_free(in);
}

static void test_merge_key_list_earlier_sources_win(void **state)
{
	const char *text =
		"x: &x {a: 1, b: 1}\n"
		"y: &y {b: 2, c: 2}\n"
		"z:\n"
		"  <<: [*x, *y]\n"
		"  d: 3\n";
	struct si_input *in = parse_ok("merge2.yaml", text);
	const cJSON *z = member(in->objects[0].json, "z");
	assert_int_equal(cJSON_GetArraySize(z), 4);
	assert_true(member(z, "a")->valuedouble == 1);
	assert_true(member(z, "b")->valuedouble == 1);
	assert_true(member(z, "c")->valuedouble == 2);
	assert_true(member(z, "d")->valuedouble == 3);
	si_input_free(in);
}

static void test_alias_is_a_deep_copy_of_its_anchor(void **state)
{
	const char *text =
		"kind: Pod\n"                          /* 1 */
		"defaults: &res\n"
		"  limits: {cpu: 100m, memory: 64Mi}\n"
		"  list: [1, 2]\n"
		"name: &n shared\n"                    /* 5 */
		"copy: *res\n"
		"again: *n\n";
	struct si_input *in = parse_ok("alias.yaml", text);
	const cJSON *o = in->objects[0].json;
	const cJSON *orig = member(o, "defaults"), *copy = member(o, "copy");
	assert_ptr_not_equal(orig, copy);
	assert_true(cJSON_Compare(orig, copy, true));
	assert_ptr_not_equal(member(orig, "limits"), member(copy, "limits"));
	assert_string_equal(str_of(member(copy, "limits"), "memory"), "64Mi");
	assert_int_equal(cJSON_GetArraySize(member(copy, "list")), 2);
	assert_string_equal(str_of(o, "again"), "shared");
	/* Copied nodes still have a source line. */
	assert_int_not_equal(si_input_line(in, member(copy, "limits"), 0), 0);
	assert_int_not_equal(si_input_line(in, copy, 0), 0);
	si_input_free(in);
}

/* ---- bounds ------------------------------------------------------------- */

static void test_billion_laughs_ends_in_limit_quickly(void **state)
{
	char text[2048];
	size_t n = 0;
	n += (size_t)snprintf(text + n, sizeof(text) - n,
			      "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
	for (char c = 'b'; c <= 'j'; c++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n",
				      c, c, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1,
				      c - 1, c - 1);
	assert_true(n < sizeof(text));

	struct rusage before, after;
	struct si_error err;
	getrusage(RUSAGE_SELF, &before);
	assert_int_equal(parse_fail("lol.yaml", text, NULL, &err), SI_ERR_LIMIT);
	getrusage(RUSAGE_SELF, &after);
	assert_true(after.ru_maxrss - before.ru_maxrss < 512L * 1024);   /* KiB */
	assert_string_equal(err.file, "lol.yaml");
	assert_true(err.line >= 1 && err.line <= 10);
}

static void test_alias_expansions_count_against_max_nodes(void **state)
{
	const struct si_limits lim = { 1 << 20, 10, 10, 40, 16u << 20 };
	struct si_error err;
	const char *text = "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\nb: [*a, *a, *a, *a]\n";
	assert_int_equal(parse_fail("nodes.yaml", text, &lim, &err), SI_ERR_LIMIT);
	assert_int_equal(err.line, 2);
}

/* Appends printf-style text to `buf` (`size` bytes, `*len` of them used). */
static void appendf(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < size - *len);
	*len += (size_t)n;
}

/* One 1 MiB scalar under an anchor, then its alias on 4000 lines: 4 GiB of
 * copies from a 1 MiB file unless the bytes aliases copy are bounded. */
static void test_big_scalar_alias_bomb_is_limit_naming_the_alias_line(void **state)
{
	enum { SCALAR = 1 << 20, ALIASES = 4000 };
	size_t size = SCALAR + 64 + ALIASES * 8, n = 0;
	char *text = malloc(size);
	assert_non_null(text);
	appendf(text, size, &n, "kind: ConfigMap\nbig: &big ");   /* lines 1-2 */
	memset(text + n, 'x', SCALAR);
	n += SCALAR;
	appendf(text, size, &n, "\ncopies:\n");                  /* line 3 */
	for (int i = 0; i < ALIASES; i++)                          /* lines 4... */
		appendf(text, size, &n, "- *big\n");

	struct rusage before, after;
	struct si_error err;
	getrusage(RUSAGE_SELF, &before);
	assert_int_equal(parse_fail("bomb.yaml", text, NULL, &err), SI_ERR_LIMIT);
	getrusage(RUSAGE_SELF, &after);
	assert_true(after.ru_maxrss - before.ru_maxrss < 256L * 1024);   /* KiB */
	assert_string_equal(err.file, "bomb.yaml");
	/* The copies that fit the default budget go through; the next alias,
	 * on its own line, is the one named. */
	size_t fit = si_limits_default.max_alias_bytes / SCALAR;
	assert_true(fit >= 1 && fit < ALIASES);
	assert_int_equal(err.line, 4 + (int)fit);
	char want[200];
	snprintf(want, sizeof(want), "alias *big: the aliases of this input would copy more "
		 "than %zu bytes (this one copies %d)", si_limits_default.max_alias_bytes, SCALAR);
	assert_string_equal(err.message, want);
	free(text);
}

static void test_alias_bytes_count_keys_and_end_at_the_limit(void **state)
{
	const struct si_limits lim = { 1 << 20, 10, 10, 1000, 12 };
	struct si_error err;
	struct si_input *in = NULL;
	/* A 12-byte budget: 11 key bytes and 1 value byte fit, exactly. */
	const char *fits = "a: &a {longkeyname: 1}\nb: *a\n";
	assert_int_equal(si_input_parse("fits.yaml", fits, strlen(fits), &lim, &in, &err),
			 SI_OK);
	si_input_free(in);
	/* The keys of a copied mapping count, not only its values. */
	const char *keys = "a: &a {longkeyname: 1, k: 2}\nb: *a\n";
	assert_int_equal(parse_fail("keys.yaml", keys, &lim, &err), SI_ERR_LIMIT);
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.message, "alias *a"));
	/* So does an alias used as a key. */
	const char *as_key = "a: &k thirteen-bytes\nb: {*k : 1}\n";
	assert_int_equal(parse_fail("key.yaml", as_key, &lim, &err), SI_ERR_LIMIT);
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.message, "alias *k"));
}

static void test_alias_budgets_are_for_the_whole_input_not_each_document(void **state)
{
	struct si_error err;
	/* Five bytes a document: the third document takes the input over 10. */
	const struct si_limits bytes = { 1 << 20, 10, 10, 1000, 10 };
	const char *text = "a: &a hello\nb: *a\n---\na: &a world\nb: *a\n---\n"
			   "a: &a again\nb: *a\n";
	assert_int_equal(parse_fail("bytes.yaml", text, &bytes, &err), SI_ERR_LIMIT);
	assert_int_equal(err.line, 8);
	assert_non_null(strstr(err.message, "10 bytes"));
	/* Eleven values a document fit max_nodes; the aliases' four a document
	 * do not, three times over. */
	const struct si_limits nodes = { 1 << 20, 10, 10, 11, 1 << 20 };
	const char *doc = "a: &a [1, 2, 3]\nb: *a\n";
	struct si_input *in = NULL;
	assert_int_equal(si_input_parse("one.yaml", doc, strlen(doc), &nodes, &in, &err), SI_OK);
	si_input_free(in);
	const char *three = "a: &a [1, 2, 3]\nb: *a\n---\na: &a [1, 2, 3]\nb: *a\n---\n"
			    "a: &a [1, 2, 3]\nb: *a\n";
	assert_int_equal(parse_fail("nodes.yaml", three, &nodes, &err), SI_ERR_LIMIT);
	assert_int_equal(err.line, 8);
	assert_non_null(strstr(err.message, "11 values"));
}

/* 100 000 anchors and aliases, and a merge of two 50 000-key mappings, are
 * read right. (Their cost, once a compare per pair, is measured in
 * bench/: a 1 MiB file took over 20 seconds.) */
static void test_many_anchors_and_big_merges(void **state)
{
	enum { N = 100000 };
	size_t size = N * 40 + 100, n = 0;
	char *text = malloc(size);
	assert_non_null(text);
	appendf(text, size, &n, "anchors:\n");
	for (int i = 0; i < N; i++)
		appendf(text, size, &n, "- &a%d x\n", i);
	appendf(text, size, &n, "aliases:\n");
	for (int i = 0; i < N; i++)   /* the first anchor, and the latest ones */
		appendf(text, size, &n, "- *a%d\n", i % 2 ? 0 : N - 1 - i);
	struct si_input *in = parse_ok("anchors.yaml", text);
	assert_int_equal(cJSON_GetArraySize(member(in->objects[0].json, "aliases")), N);
	si_input_free(in);

	n = 0;
	appendf(text, size, &n, "base: &m\n");
	for (int i = 0; i < N / 2; i++)
		appendf(text, size, &n, "  k%d: 1\n", i);
	appendf(text, size, &n, "over:\n  <<: *m\n");
	for (int i = 0; i < N / 2; i++)
		appendf(text, size, &n, "  %c%d: 2\n", i % 2 ? 'k' : 'o', i);
	in = parse_ok("merge.yaml", text);
	const cJSON *over = member(in->objects[0].json, "over");
	assert_int_equal(cJSON_GetArraySize(over), N / 2 + N / 4);
	assert_true(member(over, "k1")->valuedouble == 2);    /* its own key wins */
	assert_true(member(over, "k0")->valuedouble == 1);    /* merged */
	si_input_free(in);
	free(text);
}

static void test_a_redefined_anchor_names_its_latest_node_in_its_document(void **state)
{
	const char *text =
		"a: &x first\n"
		"b: *x\n"
		"c: &x second\n"
		"d: *x\n"
		"---\n"
		"e: &y third\n"
		"f: *y\n";
	struct si_input *in = parse_ok("redefined.yaml", text);
	assert_int_equal(in->n_objects, 2);
	assert_string_equal(str_of(in->objects[0].json, "b"), "first");
	assert_string_equal(str_of(in->objects[0].json, "d"), "second");
	assert_string_equal(str_of(in->objects[1].json, "f"), "third");
	si_input_free(in);
	/* Anchors end with their document. */
	struct si_error err;
	const char *later = "a: &x first\n---\nb: *x\n";
	assert_int_equal(parse_fail("later.yaml", later, NULL, &err), SI_ERR_SYNTAX);
	assert_int_equal(err.line, 3);
}

static void test_merged_keys_follow_the_mapping_own_in_source_order(void **state)
{
	const char *text =
		"x: &x {c: 1, a: 1, z: 1}\n"
		"y: &y {b: 2, a: 2, d: 2}\n"
		"m:\n"
		"  z: 0\n"
		"  <<: [*x, *y]\n"
		"  e: 0\n";
	struct si_input *in = parse_ok("order.yaml", text);
	const cJSON *m = member(in->objects[0].json, "m");
	const char *want[] = { "z", "e", "c", "a", "b", "d" };
	size_t i = 0;
	for (const cJSON *kv = m->child; kv; kv = kv->next, i++) {
		assert_true(i < sizeof(want) / sizeof(want[0]));
		assert_string_equal(kv->string, want[i]);
	}
	assert_int_equal(i, sizeof(want) / sizeof(want[0]));
	assert_true(member(m, "a")->valuedouble == 1);
	assert_true(member(m, "z")->valuedouble == 0);
	si_input_free(in);
}

static void test_yaml_nesting_deeper_than_max_depth_is_limit(void **state)
{
	struct si_error err;
	/* Four levels of mappings fit a max_depth of 4. */
	struct si_input *in = NULL;
	const char *four = "a:\n  b:\n    c:\n      d: 1\n";
	assert_int_equal(si_input_parse("d.yaml", four, strlen(four), &small_limits, &in, &err),
			 SI_OK);
	si_input_free(in);

	const char *five = "a:\n  b:\n    c:\n      d:\n        e: 1\n";
	assert_int_equal(parse_fail("deep.yaml", five, &small_limits, &err), SI_ERR_LIMIT);
	assert_string_equal(err.file, "deep.yaml");
	assert_int_equal(err.line, 5);

	const char *flow = "a: [[[[1]]]]\n";
	assert_int_equal(parse_fail("flow.yaml", flow, &small_limits, &err), SI_ERR_LIMIT);
	assert_int_equal(err.line, 1);
}

static void test_aliases_cannot_nest_deeper_than_max_depth(void **state)
{
	struct si_error err;
	struct si_input *in = NULL;
	/* The copy of *a sits two levels deep and is two levels high: it fits. */
	const char *fits = "a: &a [x]\nb: [*a]\n";
	assert_int_equal(si_input_parse("ok.yaml", fits, strlen(fits), &small_limits, &in, &err),
			 SI_OK);
	si_input_free(in);
	/* Each alias nests the one before two levels deeper. */
	const char *chain = "a: &a [x]\nb: &b [[*a]]\nc: &c [[*b]]\n";
	assert_int_equal(parse_fail("chain.yaml", chain, &small_limits, &err), SI_ERR_LIMIT);
	assert_int_equal(err.line, 3);
	assert_non_null(strstr(err.message, "*b"));
}

static void test_json_nesting_deeper_than_max_depth_is_limit(void **state)
{
	struct si_error err;
	struct si_input *in = NULL;
	/* Four levels of objects and arrays fit a max_depth of 4, as in YAML. */
	const char *four = "{\"a\": {\"b\": {\"c\": [1, 2]}}}";
	assert_int_equal(si_input_parse("d.json", four, strlen(four), &small_limits, &in, &err),
			 SI_OK);
	si_input_free(in);

	const char *five = "{\n\"a\": {\n\"b\": {\n\"c\": {\n\"d\": {}}}}}";
	assert_int_equal(parse_fail("deep.json", five, &small_limits, &err), SI_ERR_LIMIT);
	assert_string_equal(err.file, "deep.json");
	assert_int_equal(err.line, 5);
}

static void test_very_deep_json_is_limit_not_a_crash(void **state)
{
	enum { N = 100000 };
	char *text = malloc(2 * N + 1);
	assert_non_null(text);
	memset(text, '[', N);
	memset(text + N, ']', N);
	text[2 * N] = '\0';
	struct si_error err;
	assert_int_equal(parse_fail("deep.json", text, NULL, &err), SI_ERR_LIMIT);

	cJSON *root = (cJSON *)&root;
	assert_int_equal(si_json_parse(text, 2 * N, &si_limits_default, &root, &err),
			 SI_ERR_LIMIT);
	assert_null(root);
	free(text);
}

static void test_very_deep_yaml_is_limit_not_a_crash(void **state)
{
	enum { N = 100000 };
	char *text = malloc(2 * N + 1);
	assert_non_null(text);
	memset(text, '[', N);
	memset(text + N, ']', N);
	text[2 * N] = '\0';
	struct si_error err;
	assert_int_equal(parse_fail("deep.yaml", text, NULL, &err), SI_ERR_LIMIT);
	free(text);
}

static void test_more_documents_than_max_documents_is_limit(void **state)
{
	const struct si_limits lim = { 1 << 20, 2, 10, 100, 16u << 20 };
	struct si_error err;
	struct si_input *in = NULL;
	const char *two = "a: 1\n---\nb: 2\n";
	assert_int_equal(si_input_parse("two.yaml", two, strlen(two), &lim, &in, &err), SI_OK);
	assert_int_equal(in->n_objects, 2);
	si_input_free(in);

	const char *three = "a: 1\n---\nb: 2\n---\nc: 3\n";
	assert_int_equal(parse_fail("three.yaml", three, &lim, &err), SI_ERR_LIMIT);
	assert_string_equal(err.file, "three.yaml");
	assert_int_equal(err.line, 5);
}

static void test_list_with_more_items_than_max_documents_is_limit(void **state)
{
	const struct si_limits lim = { 1 << 20, 2, 10, 100, 16u << 20 };
	struct si_error err;
	const char *yaml = "kind: List\nitems:\n- kind: Pod\n- kind: Pod\n- kind: Pod\n";
	assert_int_equal(parse_fail("list.yaml", yaml, &lim, &err), SI_ERR_LIMIT);
	assert_string_equal(err.file, "list.yaml");
	const char *json = "{\"kind\": \"List\", \"items\": [{\"kind\": \"Pod\"},\n"
			   "{\"kind\": \"Pod\"},\n{\"kind\": \"Pod\"}]}";
	assert_int_equal(parse_fail("list.json", json, &lim, &err), SI_ERR_LIMIT);
	assert_string_equal(err.file, "list.json");
}

static void test_input_over_max_input_bytes_is_limit(void **state)
{
	const struct si_limits lim = { 32, 10, 10, 100, 16u << 20 };
	struct si_error err;
	const char *yaml = "kind: Pod\nmetadata:\n  name: a-name-long-enough\n";
	assert_true(strlen(yaml) > 32);
	assert_int_equal(parse_fail("big.yaml", yaml, &lim, &err), SI_ERR_LIMIT);
	assert_string_equal(err.file, "big.yaml");

	const char *json = "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"long-enough\"}}";
	assert_int_equal(parse_fail("big.json", json, &lim, &err), SI_ERR_LIMIT);
	assert_string_equal(err.file, "big.json");

	cJSON *root = NULL;
	assert_int_equal(si_json_parse(json, strlen(json), &lim, &root, &err), SI_ERR_LIMIT);
	assert_null(root);

	/* Exactly at the limit is accepted. */
	struct si_input *in = NULL;
	const char *fits = "kind: Pod\nmetadata: {name: abcde}\n";
	const struct si_limits exact = { strlen(fits), 10, 10, 100, 16u << 20 };
	assert_int_equal(si_input_parse("fits.yaml", fits, strlen(fits), &exact, &in, &err),
			 SI_OK);
	si_input_free(in);
}

static void test_input_read_over_max_input_bytes_is_limit(void **state)
{
	char dir[] = "/tmp/si-doc-XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/big.yaml", dir);
	write_file(path, "kind: Pod\nmetadata:\n  name: a-name-long-enough-to-pass-64\n"
			 "spec: {containers: []}\n");
	const struct si_limits lim = { 64, 10, 10, 100, 16u << 20 };
	struct si_input *in = (struct si_input *)&in;
	struct si_error err = { 0 };
	assert_int_equal(si_input_read(path, &lim, &in, &err), SI_ERR_LIMIT);
	assert_null(in);
	assert_string_equal(err.file, path);
	remove_tree(dir);
}

/* ---- syntax errors ------------------------------------------------------ */

static void test_yaml_text_not_utf8_is_syntax_error_with_file_and_line(void **state)
{
	(void)state;
	struct si_error err;
	const struct { const char *text; int line; } cases[] = {
		{ "kind: Pod\nname: \"\xed\xa0\x80\"\n", 2 },          /* surrogate U+D800 */
		{ "kind: Pod\n\nname: x\xf4\x90\x80\x80\n", 3 },       /* U+110000 */
		{ "kind: Pod\nname: \xc0\xaf\n", 2 },                   /* overlong '/' */
		{ "kind: Pod\nname: x\xe2\x82", 2 },                     /* cut at the end */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse_fail("text.yaml", cases[i].text, NULL, &err), SI_ERR_SYNTAX);
		assert_string_equal(err.file, "text.yaml");
		if (err.line != cases[i].line || !strstr(err.message, "not valid UTF-8"))
			fail_msg("case %zu: line %d, expected %d (%s)", i, err.line,
				 cases[i].line, err.message);
	}
}

static void test_yaml_emit_refuses_a_string_holding_a_surrogate(void **state)
{
	(void)state;
	struct si_error err = { 0 };
	char *text = (char *)&text;   /* must be reset to NULL */
	size_t len;
	cJSON *v = cJSON_CreateString("half a pair: \xed\xa0\x80");
	assert_non_null(v);
	assert_int_equal(si_yaml_emit(v, &text, &len, &err), SI_ERR_INVALID);
	assert_null(text);
	assert_non_null(strstr(err.message, "not valid UTF-8"));
	cJSON_SetValuestring(v, "U+10FFFF is fine: \xf4\x8f\xbf\xbf");
	assert_int_equal(si_yaml_emit(v, &text, &len, &err), SI_OK);
	free(text);
	cJSON_Delete(v);
}

static void test_malformed_yaml_is_syntax_error_with_file_and_line(void **state)
{
	struct si_error err;
	const struct { const char *text; int line; } cases[] = {
		{ "a: b\nc: d\n  e: f\n", 3 },
		{ "kind: Pod\nmetadata:\n  name: x\n\tlabels: {}\n", 4 },
		{ "a:\n  - b\n  c: d\n", 3 },
		{ "key: \"unterminated\nother: 1\n", 3 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse_fail("bad.yaml", cases[i].text, NULL, &err), SI_ERR_SYNTAX);
		assert_string_equal(err.file, "bad.yaml");
		if (err.line != cases[i].line)
			fail_msg("case %zu: line %d, expected %d (%s)", i, err.line,
				 cases[i].line, err.message);
		assert_true(err.message[0] != '\0');
	}
}

static void test_syntax_error_in_a_later_document_names_its_line(void **state)
{
	struct si_error err;
	const char *text = "kind: Pod\nmetadata: {name: ok}\n---\nkind: Pod\nmetadata:\n"
			   "  name: [unclosed\n  other: 1\n---\nkind: Pod\n";
	assert_int_equal(parse_fail("later.yaml", text, NULL, &err), SI_ERR_SYNTAX);
	assert_string_equal(err.file, "later.yaml");
	assert_true(err.line >= 6 && err.line <= 8);
}

static void test_template_placeholder_is_syntax_error_naming_its_line(void **state)
{
	struct si_error err;
	const char *text =
		"apiVersion: v1\n"
		"kind: ConfigMap\n"
		"metadata:\n"
		"  name: cfg\n"
		"data:\n"
		"  config: {{config_data}}\n"     /* 6 */
		"  other: x\n";
	assert_int_equal(parse_fail("tpl.yaml", text, NULL, &err), SI_ERR_SYNTAX);
	assert_string_equal(err.file, "tpl.yaml");
	assert_int_equal(err.line, 6);
}

static void test_yaml_duplicate_key_is_syntax_error_naming_the_key(void **state)
{
	struct si_error err;
	const char *text =
		"apiVersion: v1\n"
		"kind: Pod\n"
		"metadata:\n"
		"  name: a\n"
		"  namespace: x\n"
		"  name: b\n"                      /* 6 */
		"spec: {}\n";
	assert_int_equal(parse_fail("dup.yaml", text, NULL, &err), SI_ERR_SYNTAX);
	assert_string_equal(err.file, "dup.yaml");
	assert_string_equal(err.key, "name");
	assert_int_equal(err.line, 6);
	assert_non_null(strstr(err.message, "name"));
}

static void test_json_duplicate_key_is_syntax_error_naming_key_and_line(void **state)
{
	struct si_error err;
	const char *text =
		"{\n"
		"  \"kind\": \"Pod\",\n"
		"  \"metadata\": {\n"
		"    \"name\": \"a\",\n"
		"    \"name\": \"b\"\n"             /* 5 */
		"  }\n"
		"}\n";
	assert_int_equal(parse_fail("dup.json", text, NULL, &err), SI_ERR_SYNTAX);
	assert_string_equal(err.file, "dup.json");
	assert_string_equal(err.key, "name");
	assert_non_null(strstr(err.message, "name"));
	assert_int_equal(err.line, 5);
}

static void test_malformed_json_is_syntax_error_with_line(void **state)
{
	struct si_error err;
	const char *text = "{\n  \"kind\": \"Pod\",\n  \"metadata\": \n}\n";
	assert_int_equal(parse_fail("bad.json", text, NULL, &err), SI_ERR_SYNTAX);
	assert_string_equal(err.file, "bad.json");
	assert_int_equal(err.line, 4);

	cJSON *root = (cJSON *)&root;
	memset(&err, 0, sizeof(err));
	assert_int_equal(si_json_parse(text, strlen(text), &si_limits_default, &root, &err),
			 SI_ERR_SYNTAX);
	assert_null(root);
	assert_int_equal(err.code, SI_ERR_SYNTAX);
	assert_int_equal(err.line, 4);

	const char *missing_comma = "{\n\"a\": 1\n\"b\": 2\n}";
	assert_int_equal(parse_fail("comma.json", missing_comma, NULL, &err), SI_ERR_SYNTAX);
	assert_int_equal(err.line, 3);
}

static void test_empty_json_is_an_error(void **state)
{
	struct si_error err;
	assert_int_not_equal(parse_fail("empty.json", "", NULL, &err), SI_OK);
	assert_string_equal(err.file, "empty.json");
	assert_int_not_equal(parse_fail("blank.json", "  \n\t\n", NULL, &err), SI_OK);
	assert_string_equal(err.file, "blank.json");

	cJSON *root = (cJSON *)&root;
	assert_int_not_equal(si_json_parse("", 0, &si_limits_default, &root, &err), SI_OK);
	assert_null(root);
	root = (cJSON *)&root;
	assert_int_not_equal(si_json_parse(" \n ", 3, &si_limits_default, &root, &err), SI_OK);
	assert_null(root);
}

static void test_trailing_garbage_after_json_is_an_error(void **state)
{
	struct si_error err;
	const char *text = "{\"kind\": \"Pod\"}\n\nnot json\n";
	assert_int_equal(parse_fail("trail.json", text, NULL, &err), SI_ERR_SYNTAX);
	assert_string_equal(err.file, "trail.json");
	assert_int_equal(err.line, 3);

	const char *two = "{\"kind\": \"Pod\"}\n{\"kind\": \"Pod\"}\n";
	assert_int_equal(parse_fail("two.json", two, NULL, &err), SI_ERR_SYNTAX);
	assert_int_equal(err.line, 2);

	cJSON *root = (cJSON *)&root;
	assert_int_equal(si_json_parse(text, strlen(text), &si_limits_default, &root, &err),
			 SI_ERR_SYNTAX);
	assert_null(root);
}

static void test_json_parse_accepts_trailing_whitespace_and_respects_length(void **state)
{
	struct si_error err = { 0 };
	cJSON *root = NULL;
	const char *text = "{\"a\": [1, 2]}  \n\n";
	assert_int_equal(si_json_parse(text, strlen(text), &si_limits_default, &root, &err),
			 SI_OK);
	assert_true(cJSON_IsArray(member(root, "a")));
	cJSON_Delete(root);

	/* Bytes beyond `len` are not read: "{}" followed by garbage. */
	const char *prefix = "{}garbage";
	root = NULL;
	assert_int_equal(si_json_parse(prefix, 2, &si_limits_default, &root, &err), SI_OK);
	assert_true(cJSON_IsObject(root));
	cJSON_Delete(root);
}

static void test_empty_yaml_gives_no_objects_and_no_error(void **state)
{
	const char *texts[] = { "", "\n\n", "# just a comment\n", "---\n", "---\n---\n# x\n" };
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct si_input *in = parse_ok("empty.yaml", texts[i]);
		assert_int_equal(in->n_objects, 0);
		assert_int_equal(in->n_roots, 0);
		si_input_free(in);
	}
}

/* ---- line lookups ------------------------------------------------------- */

static void test_input_line_finds_nested_nodes(void **state)
{
	const char *text =
		"kind: Pod\n"                          /* 1 */
		"metadata:\n"
		"  name: other\n"
		"---\n"
		"apiVersion: apps/v1\n"                /* 5 */
		"kind: Deployment\n"
		"metadata:\n"
		"  name: web\n"
		"spec:\n"
		"  template:\n"                        /* 10 */
		"    spec:\n"
		"      containers:\n"
		"      - name: app\n"                  /* 13 */
		"        image: nginx:1.25\n"
		"      - name: sidecar\n"              /* 15 */
		"        image: envoy:1.29\n"
		"        securityContext:\n"           /* 17 */
		"          privileged: true\n";        /* 18 */
	struct si_input *in = parse_ok("deploy.yaml", text);
	assert_int_equal(in->n_objects, 2);
	const cJSON *d = in->objects[1].json;
	const cJSON *containers = member(member(member(member(d, "spec"), "template"), "spec"),
					 "containers");
	const cJSON *app = cJSON_GetArrayItem(containers, 0);
	const cJSON *sidecar = cJSON_GetArrayItem(containers, 1);
	const cJSON *sc = member(sidecar, "securityContext");
	assert_int_equal(si_input_line(in, app, -1), 13);
	assert_int_equal(si_input_line(in, sidecar, -1), 15);
	assert_int_equal(si_input_line(in, member(sidecar, "image"), -1), 16);
	assert_int_equal(si_input_line(in, sc, -1), 17);
	assert_int_equal(si_input_line(in, member(sc, "privileged"), -1), 18);
	assert_int_equal(si_input_line(in, member(d, "metadata"), -1), 7);
	assert_int_equal(si_input_line(in, member(member(d, "metadata"), "name"), -1), 8);
	assert_int_equal(si_input_line(in, d, -1), 5);
	assert_int_equal(si_linemap_get(in->lines, sc), 17);
	si_input_free(in);
}

static void test_input_line_falls_back_for_unknown_nodes(void **state)
{
	struct si_input *in = parse_ok("x.yaml", "kind: Pod\n");
	cJSON *foreign = cJSON_CreateObject();
	assert_int_equal(si_input_line(in, foreign, 42), 42);
	assert_int_equal(si_input_line(NULL, foreign, 7), 7);
	assert_int_equal(si_linemap_get(NULL, foreign), 0);
	cJSON_Delete(foreign);
	si_input_free(in);

	/* JSON keeps node lines too: a member's is the line of its key. */
	in = parse_ok("x.json", "{\n\"kind\": \"Pod\",\n\"spec\":\n {}\n}");
	assert_int_equal(si_input_line(in, member(in->objects[0].json, "spec"), 9), 3);
	si_input_free(in);
}

/* ---- files and folders -------------------------------------------------- */

static void test_input_read_reads_a_file_and_keeps_its_path(void **state)
{
	char dir[] = "/tmp/si-doc-XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pod.yml", dir);
	write_file(path, "# pod\nkind: Pod\nmetadata:\n  name: from-file\n");
	struct si_input *in = NULL;
	struct si_error err = { 0 };
	assert_int_equal(si_input_read(path, &si_limits_default, &in, &err), SI_OK);
	assert_non_null(in);
	assert_string_equal(in->path, path);
	assert_int_equal(in->n_objects, 1);
	assert_int_equal(in->objects[0].line, 2);
	assert_string_equal(name_of(in->objects[0].json), "from-file");
	si_input_free(in);
	remove_tree(dir);
}

static void test_input_read_syntax_error_names_the_file(void **state)
{
	char dir[] = "/tmp/si-doc-XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/bad.json", dir);
	write_file(path, "{\n  \"kind\": \"Pod\",\n  oops\n}\n");
	struct si_input *in = (struct si_input *)&in;
	struct si_error err = { 0 };
	assert_int_equal(si_input_read(path, &si_limits_default, &in, &err), SI_ERR_SYNTAX);
	assert_null(in);
	assert_string_equal(err.file, path);
	assert_int_equal(err.line, 3);
	remove_tree(dir);
}

static void test_input_read_missing_file_is_io_error(void **state)
{
	struct si_input *in = (struct si_input *)&in;
	struct si_error err = { 0 };
	const char *path = "/nonexistent/si-test/missing.yaml";
	assert_int_equal(si_input_read(path, &si_limits_default, &in, &err), SI_ERR_IO);
	assert_null(in);
	assert_int_equal(err.code, SI_ERR_IO);
	assert_string_equal(err.file, path);
}

static void test_paths_collect_walks_folder_sorted_recursive_manifests_only(void **state)
{
	char dir[] = "/tmp/si-paths-XXXXXX", p[256];
	assert_non_null(mkdtemp(dir));
	const char *dirs[] = { "sub", "sub/deeper", ".git", "other" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, dirs[i]);
		assert_int_equal(mkdir(p, 0700), 0);
	}
	const char *files[] = {
		"b.yaml", "a.yml", "c.json", "notes.txt", ".hidden.yaml", "README",
		"x.yaml.bak", "sub/z.yaml", "sub/deeper/y.yml", "sub/deeper/k.txt",
		".git/config.yaml", "other/m.json",
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		write_file(p, "kind: Pod\n");
	}
	/* A link to a folder is not followed. */
	char target[256];
	snprintf(target, sizeof(target), "%s/sub", dir);
	snprintf(p, sizeof(p), "%s/link", dir);
	assert_int_equal(symlink(target, p), 0);

	char **paths = NULL;
	size_t n = 99;
	struct si_error err = { 0 };
	assert_int_equal(si_paths_collect(dir, &paths, &n, &err), SI_OK);
	const char *want[] = {
		"a.yml", "b.yaml", "c.json", "other/m.json", "sub/deeper/y.yml", "sub/z.yaml",
	};
	size_t n_want = sizeof(want) / sizeof(want[0]);
	assert_int_equal(n, n_want);
	for (size_t i = 0; i < n_want; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, want[i]);
		assert_string_equal(paths[i], p);
	}
	si_paths_free(paths, n);

	/* A trailing slash gives the same files. */
	snprintf(p, sizeof(p), "%s/", dir);
	assert_int_equal(si_paths_collect(p, &paths, &n, &err), SI_OK);
	assert_int_equal(n, n_want);
	si_paths_free(paths, n);
	remove_tree(dir);
}

static void test_paths_collect_of_a_file_is_that_file(void **state)
{
	char dir[] = "/tmp/si-paths-XXXXXX", p[256];
	assert_non_null(mkdtemp(dir));
	/* Named explicitly, a file is taken whatever its extension. */
	snprintf(p, sizeof(p), "%s/manifest.txt", dir);
	write_file(p, "kind: Pod\n");
	char **paths = NULL;
	size_t n = 0;
	struct si_error err = { 0 };
	assert_int_equal(si_paths_collect(p, &paths, &n, &err), SI_OK);
	assert_int_equal(n, 1);
	assert_string_equal(paths[0], p);
	si_paths_free(paths, n);

	assert_int_equal(si_paths_collect("-", &paths, &n, &err), SI_OK);
	assert_int_equal(n, 1);
	assert_string_equal(paths[0], "-");
	si_paths_free(paths, n);
	remove_tree(dir);
}

static void test_paths_collect_of_an_empty_folder_is_empty(void **state)
{
	char dir[] = "/tmp/si-paths-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char **paths = NULL;
	size_t n = 99;
	struct si_error err = { 0 };
	assert_int_equal(si_paths_collect(dir, &paths, &n, &err), SI_OK);
	assert_int_equal(n, 0);
	si_paths_free(paths, n);
	remove_tree(dir);
}

static void test_paths_collect_missing_path_is_io_error(void **state)
{
	char **paths = (char **)&paths;
	size_t n = 99;
	struct si_error err = { 0 };
	const char *path = "/nonexistent/si-test/manifests";
	assert_int_equal(si_paths_collect(path, &paths, &n, &err), SI_ERR_IO);
	assert_null(paths);
	assert_int_equal(n, 0);
	assert_int_equal(err.code, SI_ERR_IO);
	assert_string_equal(err.file, path);
}

/* ---- oversized bodies: values bounded before they are allocated, and
 * the request arena ------------------------------------------------------ */

#include <sys/wait.h>

/* cJSON's allocations, counted in a child process (the hooks are global, and
 * the parent's may be the arena's). */
struct parse_count {
	si_rc rc;
	int line;
	char message[200];
	size_t allocations, bytes;
};

static size_t counted_allocations, counted_bytes;

static void *counting_malloc(size_t size)
{
	counted_allocations++;
	counted_bytes += size;
	return malloc(size);
}

/* Parses `text` with `lim` (through si_input_parse when `path` is not NULL,
 * else si_json_parse) in a child whose cJSON counts its allocations. */
static struct parse_count parse_counted(const char *path, const char *text,
					const struct si_limits *lim)
{
	struct parse_count r;
	memset(&r, 0, sizeof(r));
	int fd[2];
	assert_int_equal(pipe(fd), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		cJSON_Hooks hooks = { counting_malloc, free };
		struct si_error err = { 0 };
		cJSON_InitHooks(&hooks);
		if (path) {
			struct si_input *in = NULL;
			r.rc = si_input_parse(path, text, strlen(text), lim, &in, &err);
			si_input_free(in);
		} else {
			cJSON *root = NULL;
			r.rc = si_json_parse(text, strlen(text), lim, &root, &err);
			cJSON_Delete(root);
		}
		r.line = err.line;
		snprintf(r.message, sizeof(r.message), "%s", err.message);
		r.allocations = counted_allocations;
		r.bytes = counted_bytes;
		_exit(write(fd[1], &r, sizeof(r)) == (ssize_t)sizeof(r) ? 0 : 1);
	}
	close(fd[1]);
	assert_int_equal(read(fd[0], &r, sizeof(r)), (ssize_t)sizeof(r));
	close(fd[0]);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return r;
}

/* The default limits with at most `n` values. */
static struct si_limits nodes_limit(size_t n)
{
	struct si_limits lim = si_limits_default;
	lim.max_nodes = n;
	return lim;
}

/* `head`, then `n` copies of `unit` separated by `sep`, then `tail`; caller
 * frees. */
static char *repeat(const char *head, const char *unit, const char *sep, size_t n,
		    const char *tail)
{
	size_t hl = strlen(head), ul = strlen(unit), sl = strlen(sep), tl = strlen(tail);
	char *text = malloc(hl + n * (ul + sl) + tl + 1), *p = text;
	assert_non_null(text);
	memcpy(p, head, hl);
	p += hl;
	for (size_t i = 0; i < n; i++) {
		if (i) {
			memcpy(p, sep, sl);
			p += sl;
		}
		memcpy(p, unit, ul);
		p += ul;
	}
	memcpy(p, tail, tl + 1);
	return text;
}

static void test_json_values_over_max_nodes_are_refused_before_any_is_allocated(void **state)
{
	/* 200 000 numbers, one a line from line 3: value k (the root is the
	 * first, "a" the second) is on line k. */
	const struct si_limits lim = nodes_limit(1000);
	char *text = repeat("{\n\"a\": [\n", "0", ",\n", 200000, "\n]}\n");
	struct parse_count r = parse_counted(NULL, text, &lim);
	assert_int_equal(r.rc, SI_ERR_LIMIT);
	assert_string_equal(r.message, "more than 1000 values in one document");
	assert_int_equal(r.line, 1001);
	assert_int_equal(r.allocations, 0);

	/* The same through the manifest loader, which names the file. */
	struct si_error err;
	assert_int_equal(parse_fail("numbers.json", text, &lim, &err), SI_ERR_LIMIT);
	assert_string_equal(err.file, "numbers.json");
	assert_int_equal(err.line, 1001);
	r = parse_counted("numbers.json", text, &lim);
	assert_int_equal(r.rc, SI_ERR_LIMIT);
	assert_int_equal(r.allocations, 0);

	/* Within the limit the same text is parsed, value by value. */
	const struct si_limits roomy = nodes_limit(200002);
	r = parse_counted(NULL, text, &roomy);
	assert_int_equal(r.rc, SI_OK);
	assert_true(r.allocations >= 200002);
	free(text);

	/* The finding's body: a bare list of numbers on one line, with the
	 * default limits (1 000 000 values). */
	text = repeat("[", "0", ",", 1500000, "]");
	r = parse_counted(NULL, text, &si_limits_default);
	assert_int_equal(r.rc, SI_ERR_LIMIT);
	assert_string_equal(r.message, "more than 1000000 values in one document");
	assert_int_equal(r.line, 1);
	assert_int_equal(r.allocations, 0);
	free(text);
}

static void test_json_small_objects_over_max_nodes_are_refused_before_any_is_allocated(void **state)
{
	/* Each {"b": {"c": 0}} is three values: 1 + 3 * 333 = 1000 fit. */
	const struct si_limits lim = nodes_limit(1000);
	char *text = repeat("[", "{\"b\": {\"c\": 0}}", ",\n", 333, "]");
	struct parse_count r = parse_counted(NULL, text, &lim);
	assert_int_equal(r.rc, SI_OK);
	free(text);

	text = repeat("[", "{\"b\": {\"c\": 0}}", ",\n", 100000, "]");
	r = parse_counted(NULL, text, &lim);
	assert_int_equal(r.rc, SI_ERR_LIMIT);
	assert_string_equal(r.message, "more than 1000 values in one document");
	assert_int_equal(r.line, 334);      /* the 334th object's first value */
	assert_int_equal(r.allocations, 0);
	free(text);
}

/* Values in a parsed tree. */
static size_t count_values(const cJSON *v)
{
	size_t n = 1;
	for (const cJSON *c = v->child; c; c = c->next)
		n += count_values(c);
	return n;
}

static void test_json_value_count_is_exact_whatever_strings_and_empty_containers_hold(void **state)
{
	/* Commas and brackets inside strings (with escaped quotes and
	 * backslashes) are not values; empty mappings and lists hold none. */
	const char *text =
		"{\"a\": \"x,y[{\", \"b\": [], \"c\": { }, \"d\": [\"\\\"],[\", 1],\n"
		" \"e\": \"\\\\\", \"f\": [[], {}, \"\\\\\\\",\"], \"g,\": {\"h\": null}}";
	cJSON *root = NULL;
	struct si_error err = { 0 };
	assert_int_equal(si_json_parse(text, strlen(text), &si_limits_default, &root, &err),
			 SI_OK);
	size_t n = count_values(root);
	assert_int_equal(n, 14);
	cJSON_Delete(root);

	struct si_limits lim = si_limits_default;
	lim.max_nodes = n;
	assert_int_equal(si_json_parse(text, strlen(text), &lim, &root, &err), SI_OK);
	cJSON_Delete(root);
	lim.max_nodes = n - 1;
	root = (cJSON *)&root;
	assert_int_equal(si_json_parse(text, strlen(text), &lim, &root, &err), SI_ERR_LIMIT);
	assert_null(root);
	assert_int_equal(err.code, SI_ERR_LIMIT);
	assert_int_equal(err.line, 2);          /* "h", the 14th */
}

static void test_json_nesting_over_max_depth_is_refused_before_any_is_allocated(void **state)
{
	/* 101 lists inside one another, each on its own line. */
	char *text = repeat("", "[", "\n", 101, "");
	size_t n = strlen(text);
	char *whole = malloc(n + 102);
	assert_non_null(whole);
	memcpy(whole, text, n);
	memset(whole + n, ']', 101);
	whole[n + 101] = '\0';
	struct parse_count r = parse_counted(NULL, whole, &si_limits_default);
	assert_int_equal(r.rc, SI_ERR_LIMIT);
	assert_string_equal(r.message, "nesting deeper than 100 levels");
	assert_int_equal(r.line, 101);
	assert_int_equal(r.allocations, 0);
	free(whole);
	free(text);
}

static void test_json_duplicate_key_line_without_a_line_map(void **state)
{
	/* si_json_parse keeps no map of lines: the line is found by walking
	 * to the member. */
	const char *text = "{\"a\": [1, 2],\n \"b\": {\"x\": 1,\n  \"x\": 2}}";
	cJSON *root = (cJSON *)&root;
	struct si_error err = { 0 };
	assert_int_equal(si_json_parse(text, strlen(text), &si_limits_default, &root, &err),
			 SI_ERR_SYNTAX);
	assert_null(root);
	assert_string_equal(err.key, "x");
	assert_int_equal(err.line, 3);
}

static const char arena_review[] =
	"{\"apiVersion\": \"admission.k8s.io/v1\", \"kind\": \"AdmissionReview\",\n"
	" \"request\": {\"uid\": \"u-1\", \"object\": {\"kind\": \"Pod\", \"spec\":\n"
	" {\"containers\": [{\"name\": \"app\", \"image\": \"nginx:1.27\"}]}}}}";

/* One request in the arena: parse, answer with a printed copy, free. */
static char *arena_request(const char *text, size_t len, const struct si_limits *lim)
{
	cJSON *root = NULL, *answer = NULL;
	struct si_error err = { 0 };
	char *copy = NULL;
	si_json_arena_begin();
	if (si_json_parse(text, len, lim, &root, &err) == SI_OK &&
	    (answer = cJSON_CreateObject()) &&
	    cJSON_AddItemReferenceToObject(answer, "request", root) &&
	    cJSON_AddNumberToObject(answer, "values", (double)count_values(root))) {
		char *printed = cJSON_PrintUnformatted(answer);
		if (printed)
			copy = strdup(printed);
		cJSON_free(printed);
	}
	cJSON_Delete(answer);
	cJSON_Delete(root);
	si_json_arena_end();
	return copy;
}

static void test_arena_many_requests_on_one_thread_give_the_same_answer(void **state)
{
	si_json_arena_init();
	char *first = arena_request(arena_review, strlen(arena_review), &si_limits_default);
	assert_non_null(first);
	assert_non_null(strstr(first, "\"image\":\"nginx:1.27\""));
	for (int i = 0; i < 5000; i++) {
		char *again = arena_request(arena_review, strlen(arena_review),
					    &si_limits_default);
		assert_non_null(again);
		assert_string_equal(again, first);
		free(again);
	}
	free(first);
}

static void test_arena_big_tree_is_freed_and_the_next_request_is_unharmed(void **state)
{
	si_json_arena_init();
	/* 400 000 values and 4 MiB of strings: many times the first chunk. */
	char *numbers = repeat("{\"a\": [", "0", ",", 400000, "]}");
	char *strings = repeat("[", "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"",
			       ",", 16384, "]");
	char *before = arena_request(arena_review, strlen(arena_review), &si_limits_default);
	assert_non_null(before);
	for (int round = 0; round < 3; round++) {
		char *big = arena_request(numbers, strlen(numbers), &si_limits_default);
		assert_non_null(big);
		assert_non_null(strstr(big, "\"values\":400002"));
		free(big);
		big = arena_request(strings, strlen(strings), &si_limits_default);
		assert_non_null(big);
		assert_non_null(strstr(big, "\"values\":16385"));
		free(big);
		char *after = arena_request(arena_review, strlen(arena_review),
					    &si_limits_default);
		assert_non_null(after);
		assert_string_equal(after, before);
		free(after);
	}
	/* The tree's 25 MiB come in few chunks, which each free looks at:
	 * at most log2(25 MiB / 64 KiB) + 1 of them, and one is kept. */
	cJSON *root = NULL;
	struct si_error err = { 0 };
	si_json_arena_begin();
	assert_int_equal(si_json_parse(numbers, strlen(numbers), &si_limits_default, &root,
				       &err), SI_OK);
	size_t chunks = si_json_arena_chunks();
	cJSON_Delete(root);
	si_json_arena_end();
	assert_true(chunks >= 2 && chunks <= 12);
	assert_true(si_json_arena_chunks() <= 1);

	/* Over the limit, refused inside the arena too. */
	struct si_limits lim = si_limits_default;
	lim.max_nodes = 1000;
	assert_null(arena_request(numbers, strlen(numbers), &lim));
	free(before);
	free(strings);
	free(numbers);
}

static void test_arena_frees_with_malloc_what_was_made_before_the_begin(void **state)
{
	si_json_arena_init();
	/* Made outside the arena (malloc), freed and detached inside it; a
	 * sanitizer build sees a leak or a bad free if the arena mistakes
	 * either kind of memory for the other. */
	cJSON *before = cJSON_CreateObject();
	assert_non_null(before);
	for (int i = 0; i < 2000; i++) {
		char key[16];
		snprintf(key, sizeof(key), "k%d", i);
		assert_non_null(cJSON_AddStringToObject(before, key, "made before the begin"));
	}
	cJSON *kept = cJSON_CreateString("kept after the end");
	assert_non_null(kept);

	si_json_arena_begin();
	cJSON *inside = NULL;
	struct si_error err = { 0 };
	assert_int_equal(si_json_parse(arena_review, strlen(arena_review), &si_limits_default,
				       &inside, &err), SI_OK);
	cJSON *item = cJSON_DetachItemFromObjectCaseSensitive(before, "k7");
	assert_non_null(item);
	cJSON_Delete(item);
	cJSON_Delete(before);
	/* A value of the arena's may refer to one made before, which outlives
	 * the end. */
	assert_true(cJSON_AddItemReferenceToObject(inside, "kept", kept));
	cJSON_Delete(inside);
	si_json_arena_end();

	assert_string_equal(kept->valuestring, "kept after the end");
	cJSON_Delete(kept);
}

#define OVERSIZED_BODY_TESTS \
	cmocka_unit_test(test_json_values_over_max_nodes_are_refused_before_any_is_allocated), \
	cmocka_unit_test(test_json_small_objects_over_max_nodes_are_refused_before_any_is_allocated), \
	cmocka_unit_test(test_json_value_count_is_exact_whatever_strings_and_empty_containers_hold), \
	cmocka_unit_test(test_json_nesting_over_max_depth_is_refused_before_any_is_allocated), \
	cmocka_unit_test(test_json_duplicate_key_line_without_a_line_map), \
	cmocka_unit_test(test_arena_many_requests_on_one_thread_give_the_same_answer), \
	cmocka_unit_test(test_arena_big_tree_is_freed_and_the_next_request_is_unharmed), \
	cmocka_unit_test(test_arena_frees_with_malloc_what_was_made_before_the_begin)

/* ---- end of the oversized-body cases ----------------------------------- */

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_yaml_multi_document_gives_each_object_with_its_line),
		cmocka_unit_test(test_yaml_comments_and_empty_documents_are_skipped),
		cmocka_unit_test(test_json_object_is_one_object_at_its_opening_brace),
		cmocka_unit_test(test_json_is_chosen_by_first_byte_whatever_the_name),
		cmocka_unit_test(test_json_list_items_are_unpacked_with_each_item_line),
		cmocka_unit_test(test_yaml_list_items_are_unpacked_with_each_item_line),
		cmocka_unit_test(test_typed_list_kinds_are_unpacked),
		cmocka_unit_test(test_list_among_other_documents_keeps_stream_order),
		cmocka_unit_test(test_yaml11_booleans_as_kubernetes_reads_them),
		cmocka_unit_test(test_yaml11_nulls),
		cmocka_unit_test(test_yaml11_integers_hex_octal_and_decimal),
		cmocka_unit_test(test_yaml_floats_and_exponents_are_numbers),
		cmocka_unit_test(test_quoted_scalars_stay_strings),
		cmocka_unit_test(test_str_tag_makes_a_string),
		cmocka_unit_test(test_quantities_and_words_stay_strings),
		cmocka_unit_test(test_merge_key_copies_base_and_explicit_keys_win),
		cmocka_unit_test(test_merge_key_list_earlier_sources_win),
		cmocka_unit_test(test_alias_is_a_deep_copy_of_its_anchor),
		cmocka_unit_test(test_billion_laughs_ends_in_limit_quickly),
		cmocka_unit_test(test_alias_expansions_count_against_max_nodes),
		cmocka_unit_test(test_big_scalar_alias_bomb_is_limit_naming_the_alias_line),
		cmocka_unit_test(test_alias_bytes_count_keys_and_end_at_the_limit),
		cmocka_unit_test(test_alias_budgets_are_for_the_whole_input_not_each_document),
		cmocka_unit_test(test_many_anchors_and_big_merges),
		cmocka_unit_test(test_a_redefined_anchor_names_its_latest_node_in_its_document),
		cmocka_unit_test(test_merged_keys_follow_the_mapping_own_in_source_order),
		cmocka_unit_test(test_yaml_nesting_deeper_than_max_depth_is_limit),
		cmocka_unit_test(test_aliases_cannot_nest_deeper_than_max_depth),
		cmocka_unit_test(test_json_nesting_deeper_than_max_depth_is_limit),
		cmocka_unit_test(test_very_deep_json_is_limit_not_a_crash),
		cmocka_unit_test(test_very_deep_yaml_is_limit_not_a_crash),
		cmocka_unit_test(test_more_documents_than_max_documents_is_limit),
		cmocka_unit_test(test_list_with_more_items_than_max_documents_is_limit),
		cmocka_unit_test(test_input_over_max_input_bytes_is_limit),
		cmocka_unit_test(test_input_read_over_max_input_bytes_is_limit),
		cmocka_unit_test(test_malformed_yaml_is_syntax_error_with_file_and_line),
		cmocka_unit_test(test_syntax_error_in_a_later_document_names_its_line),
		cmocka_unit_test(test_template_placeholder_is_syntax_error_naming_its_line),
		cmocka_unit_test(test_yaml_duplicate_key_is_syntax_error_naming_the_key),
		cmocka_unit_test(test_json_duplicate_key_is_syntax_error_naming_key_and_line),
		cmocka_unit_test(test_malformed_json_is_syntax_error_with_line),
		cmocka_unit_test(test_empty_json_is_an_error),
		cmocka_unit_test(test_trailing_garbage_after_json_is_an_error),
		cmocka_unit_test(test_json_parse_accepts_trailing_whitespace_and_respects_length),
		cmocka_unit_test(test_empty_yaml_gives_no_objects_and_no_error),
		cmocka_unit_test(test_input_line_finds_nested_nodes),
		cmocka_unit_test(test_input_line_falls_back_for_unknown_nodes),
		cmocka_unit_test(test_input_read_reads_a_file_and_keeps_its_path),
		cmocka_unit_test(test_input_read_syntax_error_names_the_file),
		cmocka_unit_test(test_input_read_missing_file_is_io_error),
		cmocka_unit_test(test_paths_collect_walks_folder_sorted_recursive_manifests_only),
		cmocka_unit_test(test_paths_collect_of_a_file_is_that_file),
		cmocka_unit_test(test_paths_collect_of_an_empty_folder_is_empty),
		cmocka_unit_test(test_paths_collect_missing_path_is_io_error),
		cmocka_unit_test(test_yaml_text_not_utf8_is_syntax_error_with_file_and_line),
		cmocka_unit_test(test_yaml_emit_refuses_a_string_holding_a_surrogate),
		OVERSIZED_BODY_TESTS,
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
