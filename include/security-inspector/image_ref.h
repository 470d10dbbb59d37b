/* SPDX-License-Identifier: Apache-2.0 */
/* Container image references: [registry[:port]/]path[:tag][@algo:hex]. */
#ifndef SI_IMAGE_REF_H
#define SI_IMAGE_REF_H

#include <stdbool.h>
#include <stddef.h>

struct si_image_ref {
	/* Each part is a span into the parsed string; len 0 when absent. */
	const char *name; size_t name_len;      /* registry and path */
	const char *tag; size_t tag_len;
	const char *digest; size_t digest_len;  /* "sha256:..." without '@' */
	bool valid;              /* the reference follows the grammar */
	bool sha256_digest;      /* digest is sha256 with 64 hex digits */
};

/* Splits `image` (NUL-terminated, borrowed by the result). The colon of a
 * registry port is not a tag separator: "registry:5000/app" has no tag. */
void si_image_ref_parse(const char *image, struct si_image_ref *out);

#endif
