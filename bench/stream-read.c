// SPDX-License-Identifier: Apache-2.0
// Reads one input through the library, for bench/stream.sh: as a stream of
// objects (si_stream_next), or whole (si_input_read, its size limit lifted).
// The floors beside it are parse-floor.c's.
// Usage: stream-read stream|whole FILE
// Prints the wall seconds of the reading, the file's included.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "security-inspector/document.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int fail(const struct si_error *err)
{
	char buf[900];
	fprintf(stderr, "stream-read: %s\n", si_error_format(err, buf, sizeof(buf)));
	return 1;
}

/* Every object through si_stream_next(); objects over a limit are counted
 * on stderr. */
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
	printf("%.3f\n", now() - t);
	fprintf(stderr, "stream-read: %zu objects, %zu refused\n", objects, refused);
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
	printf("%.3f\n", now() - t);
	fprintf(stderr, "stream-read: %zu objects\n", in->n_objects);
	si_input_free(in);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "stream") == 0)
		return read_stream(argv[2]);
	if (argc == 3 && strcmp(argv[1], "whole") == 0)
		return read_whole(argv[2]);
	fprintf(stderr, "usage: stream-read stream|whole FILE\n");
	return 2;
}
