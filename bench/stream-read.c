// SPDX-License-Identifier: Apache-2.0
// Reads one input the ways the loader can, for bench/stream.sh: as a stream
// of objects, whole (si_input_read, its size limit lifted), or with the bare
// parsers under the loader, the floors of ../shared/bench/parse-floor.c
// (libyaml's events; cJSON's parse and delete) over the whole file, and
// cJSON's parse and delete of each item of a List from its own text, as
// parse-floor.c parses one document.
// Usage: stream-read stream|whole|yaml-events|cjson-parse|cjson-items FILE
// Prints what it counted and the CPU seconds reading took, on one line (the
// machines these run on are shared: wall time says more of the neighbours).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <yaml.h>

#include "security-inspector/document.h"
#include "security-inspector/file.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int fail(const struct si_error *err)
{
	char buf[900];
	fprintf(stderr, "stream-read: %s\n", si_error_format(err, buf, sizeof(buf)));
	return 1;
}

/* Objects, and the objects refused, through si_stream_next(). */
static int read_stream(const char *path)
{
	struct si_stream *s;
	struct si_input *in;
	struct si_error err = { 0 };
	size_t objects = 0, refused = 0;
	si_rc rc;

	double t = now();
	if (si_stream_open(path, &si_limits_default, &s, &err))
		return fail(&err);
	while ((rc = si_stream_next(s, &in, &err)) == SI_ERR_LIMIT || (rc == SI_OK && in)) {
		if (rc == SI_ERR_LIMIT) {
			refused++;
			continue;
		}
		objects++;
		si_input_free(in);
	}
	si_stream_close(s);
	if (rc)
		return fail(&err);
	printf("stream: %zu objects, %zu refused, %.3f s\n", objects, refused, now() - t);
	return 0;
}

static int read_whole(const char *path)
{
	struct si_limits lim = si_limits_default;
	struct si_input *in;
	struct si_error err = { 0 };

	lim.max_input_bytes = SIZE_MAX / 4;
	lim.max_documents = SIZE_MAX;
	double t = now();
	if (si_input_read(path, &lim, &in, &err))
		return fail(&err);
	printf("whole: %zu objects, %.3f s\n", in->n_objects, now() - t);
	si_input_free(in);
	return 0;
}

static int floor_yaml(const char *text, size_t len)
{
	yaml_parser_t p;
	yaml_event_t ev;
	size_t events = 0;

	double t = now();
	if (!yaml_parser_initialize(&p))
		return 1;
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	for (bool done = false; !done; events++) {
		if (!yaml_parser_parse(&p, &ev)) {
			fprintf(stderr, "stream-read: %s\n", p.problem ? p.problem : "YAML error");
			return 1;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	printf("yaml-events: %zu events, %.3f s\n", events, now() - t);
	return 0;
}

static int floor_cjson(const char *text, size_t len)
{
	double t = now();
	cJSON *root = cJSON_ParseWithLength(text, len);
	if (!root) {
		fprintf(stderr, "stream-read: invalid JSON\n");
		return 1;
	}
	int items = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "items"));
	cJSON_Delete(root);
	printf("cjson-parse: %d items, %.3f s\n", items, now() - t);
	return 0;
}

/* Each item of a List that gen-manifests.py wrote, parsed from its own text
 * (found first, untimed, as parse-floor.c times the parse alone): an item
 * is the lines from "        {" to "        }", and JSON strings hold no
 * line breaks. */
static int floor_cjson_items(const char *text, size_t len)
{
	const char *end = text + len, *from = NULL;
	size_t n = 0, cap = 0;
	struct { const char *text; size_t len; } *items = NULL;

	for (const char *p = text, *nl; p < end; p = nl + 1) {
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			nl = end;
		if (nl - p == 9 && memcmp(p, "        {", 9) == 0) {
			from = p + 8;
		} else if (from && nl - p >= 9 && memcmp(p, "        }", 9) == 0) {
			if (n == cap && !(items = realloc(items, (cap = cap ? 2 * cap : 1024) *
							      sizeof(*items))))
				return 1;
			items[n].text = from;
			items[n++].len = (size_t)(p + 9 - from);
			from = NULL;
		}
	}
	double t = now();
	for (size_t i = 0; i < n; i++) {
		cJSON *item = cJSON_ParseWithLength(items[i].text, items[i].len);
		if (!item) {
			fprintf(stderr, "stream-read: invalid JSON\n");
			return 1;
		}
		cJSON_Delete(item);
	}
	printf("cjson-items: %zu items, %.3f s\n", n, now() - t);
	free(items);
	return 0;
}

int main(int argc, char **argv)
{
	struct si_error err = { 0 };
	char *text;
	size_t len;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: stream-read stream|whole|yaml-events|cjson-parse|"
			"cjson-items FILE\n");
		return 2;
	}
	if (strcmp(argv[1], "stream") == 0)
		return read_stream(argv[2]);
	if (strcmp(argv[1], "whole") == 0)
		return read_whole(argv[2]);
	/* The floors parse text in memory, as parse-floor.c does. */
	if (si_read_file(argv[2], SIZE_MAX / 4, &text, &len, &err))
		return fail(&err);
	if (strcmp(argv[1], "yaml-events") == 0)
		rc = floor_yaml(text, len);
	else if (strcmp(argv[1], "cjson-parse") == 0)
		rc = floor_cjson(text, len);
	else if (strcmp(argv[1], "cjson-items") == 0)
		rc = floor_cjson_items(text, len);
	else
		rc = 2;
	free(text);
	return rc;
}
