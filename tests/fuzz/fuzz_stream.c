// SPDX-License-Identifier: Apache-2.0
// Fuzz target: bytes read as a stream of objects (si_stream_*), from a file
// named .yaml or .json, in reads of 1 to 64 bytes and with objects of at
// most 4 KiB, both chosen by the bytes: every chunk boundary, the skipping
// of objects over the limit and the fallback from JSON to YAML are reached.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "document_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/si-fuzz-stream-XXXXXX";
static char path[sizeof(dir) + 16];

static void remove_dir(void)
{
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct si_limits lim = si_limits_default;
	struct si_stream *s;
	struct si_input *in;
	si_rc rc;
	uint32_t h = 2166136261u;       /* FNV-1a of the bytes: the same input, the same reads */

	if (!path[0]) {
		if (!mkdtemp(dir))
			return 0;
		atexit(remove_dir);
	}
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	unlink(path);
	snprintf(path, sizeof(path), "%s/in.%s", dir, h & 0x100 ? "json" : "yaml");
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	size_t written = fwrite(data, 1, size, f);
	if (fclose(f) != 0 || written != size)
		return 0;

	lim.max_nodes = 100000;
	if (si_stream_open_sized(path, &lim, 1 + h % 64, 4096, &s, NULL))
		return 0;
	while ((rc = si_stream_next(s, &in, NULL)) == SI_ERR_LIMIT || (rc == SI_OK && in)) {
		if (in && si_input_line(in, in->objects[0].json, 0) <= 0)
			abort();        /* every object has its line */
		si_input_free(in);
	}
	si_stream_close(s);
	return 0;
}
