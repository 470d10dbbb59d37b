// SPDX-License-Identifier: Apache-2.0
// Fuzz target: bytes as a container image reference.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "security-inspector/image_ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct si_image_ref ref;
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	si_image_ref_parse(s, &ref);
	/* The spans stay inside the string. */
	if ((ref.name && (ref.name < s || ref.name + ref.name_len > s + size)) ||
	    (ref.tag && (ref.tag < s || ref.tag + ref.tag_len > s + size)) ||
	    (ref.digest && (ref.digest < s || ref.digest + ref.digest_len > s + size)))
		abort();
	free(s);
	return 0;
}
