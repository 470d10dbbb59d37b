// SPDX-License-Identifier: Apache-2.0
// The floors a streaming audit is measured against, on the same file:
//   parse-floor yaml FILE   libyaml's event parse of the whole stream, read
//                           from the file as libyaml reads it (no tree)
//   parse-floor json FILE   cJSON's parse of the whole text, read at once
// Prints the wall seconds, reading the file included, as the audit reads it.
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

static int json_floor(FILE *f, size_t *events)
{
	if (fseek(f, 0, SEEK_END) != 0)
		return 1;
	long n = ftell(f);
	rewind(f);
	char *buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		return 1;
	cJSON *root = cJSON_ParseWithLength(buf, (size_t)n);
	if (!root)
		return 1;
	*events = (size_t)cJSON_GetArraySize(cJSON_GetObjectItem(root, "items"));
	cJSON_Delete(root);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[1], "yaml") && strcmp(argv[1], "json"))) {
		fputs("usage: parse-floor yaml|json FILE\n", stderr);
		return 2;
	}
	FILE *f = fopen(argv[2], "rb");
	if (!f) {
		perror(argv[2]);
		return 2;
	}
	size_t events = 0;
	double t0 = now();
	int rc = argv[1][0] == 'y' ? yaml_floor(f, &events) : json_floor(f, &events);
	printf("%.2f\n", now() - t0);
	fclose(f);
	return rc;
}
