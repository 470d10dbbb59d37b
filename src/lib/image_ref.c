// SPDX-License-Identifier: Apache-2.0
// Image reference parser after the distribution reference grammar:
// name := [domain '/'] path, tag after the last ':' of the last path
// component, digest after '@'.
#include <ctype.h>
#include <string.h>

#include "security-inspector/image_ref.h"

static bool tag_valid(const char *s, size_t n)
{
	if (n == 0 || n > 128 || !(isalnum((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!isalnum(c) && c != '_' && c != '.' && c != '-')
			return false;
	}
	return true;
}

static bool name_valid(const char *s, size_t n)
{
	if (n == 0 || s[0] == '/' || s[n - 1] == '/')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!isalnum(c) && !strchr("._-/:[]", c))
			return false;
		if (c == '/' && s[i + 1] == '/')
			return false;
	}
	return true;
}

static bool sha256_valid(const char *s, size_t n)
{
	if (n != 7 + 64 || strncmp(s, "sha256:", 7) != 0)
		return false;
	for (size_t i = 7; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return true;
}

void si_image_ref_parse(const char *image, struct si_image_ref *out)
{
	memset(out, 0, sizeof(*out));
	if (!image)
		return;
	size_t len = strlen(image);
	const char *at = memchr(image, '@', len);
	size_t name_end = at ? (size_t)(at - image) : len;

	if (at) {
		out->digest = at + 1;
		out->digest_len = len - name_end - 1;
		out->sha256_digest = sha256_valid(out->digest, out->digest_len);
	}
	/* The tag separator is a ':' after the last '/', so that the port of
	 * "registry:5000/app" is not taken for a tag. */
	const char *slash = NULL;
	for (const char *c = image; c < image + name_end; c++)
		if (*c == '/')
			slash = c;
	const char *from = slash ? slash + 1 : image;
	const char *colon = memchr(from, ':', (size_t)(image + name_end - from));

	out->name = image;
	out->name_len = colon ? (size_t)(colon - image) : name_end;
	if (colon) {
		out->tag = colon + 1;
		out->tag_len = (size_t)(image + name_end - out->tag);
	}
	out->valid = name_valid(out->name, out->name_len) &&
		     (!colon || tag_valid(out->tag, out->tag_len)) &&
		     (!at || out->digest_len > 0);
}
