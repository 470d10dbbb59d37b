// SPDX-License-Identifier: Apache-2.0
// Without libFuzzer: runs a fuzz target once on every file named on the
// command line (folders are walked), so the seeds and any crash inputs stay
// regression tests in every build. Prints TAP.
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count;

static void run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		printf("not ok %d - cannot open %s\n", ++count, path);
		return;
	}
	size_t cap = 1 << 16, len = 0, got;
	uint8_t *buf = malloc(cap);
	while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
		len += got;
		if (len == cap) {
			uint8_t *b = realloc(buf, cap *= 2);
			if (!b) {
				free(buf);
				buf = NULL;
			}
			buf = b;
		}
	}
	fclose(f);
	if (!buf) {
		printf("not ok %d - out of memory reading %s\n", ++count, path);
		return;
	}
	/* A copy of exactly `len` bytes, so that ASan sees any over-read. */
	uint8_t *exact = malloc(len ? len : 1);
	if (exact) {
		memcpy(exact, buf, len);
		LLVMFuzzerTestOneInput(exact, len);
	}
	free(exact);
	free(buf);
	printf("ok %d - %s\n", ++count, path);
}

static void walk(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		printf("not ok %d - missing %s\n", ++count, path);
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		run_file(path);
		return;
	}
	struct dirent **names;
	int n = scandir(path, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			size_t len = strlen(path) + strlen(names[i]->d_name) + 2;
			char *child = malloc(len);
			if (child) {
				snprintf(child, len, "%s/%s", path, names[i]->d_name);
				walk(child);
				free(child);
			}
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		walk(argv[i]);
	printf("1..%d\n", count);
	return 0;
}
