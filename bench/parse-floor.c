// SPDX-License-Identifier: Apache-2.0
// The floors a streaming audit is measured against, on the same file:
//   parse-floor yaml FILE   libyaml's event parse of the whole stream, read
//                           from the file as libyaml reads it (no tree)
//   parse-floor json FILE   cJSON's parse of the whole text, read at once
//   parse-floor json-items FILE
//                           cJSON's parse of each item of a List that
//                           gen-manifests.py wrote, from its own text, as
//                           ../shared/bench/parse-floor.c parses a document:
//                           the items found first, the parses alone timed
// Prints the wall seconds, reading the file included (but for json-items),
// as the audit reads it.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <yaml.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int yaml_floor(FILE *f, size_t *events)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int done = 0;
	yaml_parser_initialize(&p);
	yaml_parser_set_input_file(&p, f);
	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			fprintf(stderr, "libyaml: %s at line %zu\n", p.problem,
				p.problem_mark.line + 1);
			yaml_parser_delete(&p);
			return 1;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		(*events)++;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return 0;
}

/* The whole file into memory; NULL when it cannot be read. */
static char *slurp(FILE *f, size_t *len)
{
	if (fseek(f, 0, SEEK_END) != 0)
		return NULL;
	long n = ftell(f);
	rewind(f);
	char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		return NULL;
	}
	*len = (size_t)n;
	return buf;
}

static int json_floor(FILE *f, size_t *events)
{
	size_t n;
	char *buf = slurp(f, &n);
	if (!buf)
		return 1;
	cJSON *root = cJSON_ParseWithLength(buf, n);
	if (!root)
		return 1;
	*events = (size_t)cJSON_GetArraySize(cJSON_GetObjectItem(root, "items"));
	cJSON_Delete(root);
	free(buf);
	return 0;
}

/* An item is the lines from "        {" to "        }": JSON strings hold no
 * line breaks. */
static int json_items_floor(FILE *f, size_t *events, double *t0)
{
	struct item { const char *text; size_t len; } *items = NULL;
	size_t cap = 0, n;
	char *buf = slurp(f, &n);
	if (!buf)
		return 1;
	const char *end = buf + n, *from = NULL;
	for (const char *p = buf, *nl; p < end; p = nl + 1) {
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			nl = end;
		if (nl - p == 9 && memcmp(p, "        {", 9) == 0) {
			from = p + 8;
		} else if (from && nl - p >= 9 && memcmp(p, "        }", 9) == 0) {
			if (*events == cap &&
			    !(items = realloc(items, (cap = cap ? 2 * cap : 1024) * sizeof(*items))))
				return 1;
			items[(*events)++] = (struct item){ from, (size_t)(p + 9 - from) };
			from = NULL;
		}
	}
	*t0 = now();
	for (size_t i = 0; i < *events; i++) {
		cJSON *item = cJSON_ParseWithLength(items[i].text, items[i].len);
		if (!item)
			return 1;
		cJSON_Delete(item);
	}
	free(items);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[1], "yaml") && strcmp(argv[1], "json") &&
			  strcmp(argv[1], "json-items"))) {
		fputs("usage: parse-floor yaml|json|json-items FILE\n", stderr);
		return 2;
	}
	FILE *f = fopen(argv[2], "rb");
	if (!f) {
		perror(argv[2]);
		return 2;
	}
	size_t events = 0;
	double t0 = now();
	int rc = argv[1][0] == 'y' ? yaml_floor(f, &events)
	       : strcmp(argv[1], "json") == 0 ? json_floor(f, &events)
	       : json_items_floor(f, &events, &t0);
	printf("%.2f\n", now() - t0);
	fclose(f);
	return rc;
}
