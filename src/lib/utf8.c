// SPDX-License-Identifier: Apache-2.0
// Strict UTF-8 decoding (RFC 3629), shared by the YAML loader and writer and
// the report writers.
#include <string.h>

#include "security-inspector/utf8.h"

size_t si_utf8_next(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t n;
	uint32_t v, min;

	if (len == 0)
		return 0;
	if (s[0] < 0x80) {
		n = 1;
		v = s[0];
		min = 0;
	} else if (s[0] >= 0xc2 && s[0] <= 0xdf) {   /* C0 and C1 are always overlong */
		n = 2;
		v = s[0] & 0x1fu;
		min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		v = s[0] & 0x0fu;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {   /* F5..FF would pass U+10FFFF */
		n = 4;
		v = s[0] & 0x07u;
		min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3fu);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	if (cp)
		*cp = v;
	return n;
}

size_t si_utf8_prefix(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;
	while (i < len) {
		/* Manifests are mostly ASCII: eight bytes without a high bit
		 * are eight characters. */
		uint64_t w;
		while (len - i >= sizeof(w)) {
			memcpy(&w, u + i, sizeof(w));
			if (w & UINT64_C(0x8080808080808080))
				break;
			i += sizeof(w);
		}
		if (i == len || (n = si_utf8_next(u + i, len - i, NULL)) == 0)
			break;
		i += n;
	}
	return i;
}

bool si_utf8_valid(const char *s, size_t len)
{
	return si_utf8_prefix(s, len) == len;
}
