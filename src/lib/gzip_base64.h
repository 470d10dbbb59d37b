/* SPDX-License-Identifier: Apache-2.0 */
/* Bytes -> gzip (RFC 1952) -> base64 (RFC 4648) lines on a FILE, written as
 * the bytes come: the HTML report's data block. The only zlib user. */
#ifndef SI_GZIP_BASE64_H
#define SI_GZIP_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "security-inspector/error.h"

/* Characters of base64 on each line (a multiple of 4, so that any run of
 * whole lines decodes on its own); every line ends in '\n'. */
#define SI_GZ64_LINE 76

/* The stream holds its zlib state and three 64 KiB buffers, whatever the
 * number of bytes that go through it. */
struct si_gz64;

/* Starts a stream at compression `level` (1 to 9) that writes to `out`
 * (borrowed, must outlive the stream). On success the caller frees `*g`
 * with si_gz64_free(). SI_ERR_NOMEM, or SI_ERR_INVALID for a bad level. */
si_rc si_gz64_open(FILE *out, int level, struct si_gz64 **g, struct si_error *err);

/* Adds `len` bytes. Errors are sticky, as a FILE's are: after the first,
 * writes do nothing. Returns SI_OK or that first error. */
si_rc si_gz64_write(struct si_gz64 *g, const void *data, size_t len);
si_rc si_gz64_puts(struct si_gz64 *g, const char *s);

/* Ends the gzip stream and writes the last base64 line. Returns SI_OK, or
 * the first error met since si_gz64_open() (SI_ERR_IO when `out` could not
 * be written), with `err` set. Writes after it fail with SI_ERR_INVALID. */
si_rc si_gz64_close(struct si_gz64 *g, struct si_error *err);

/* Bytes added so far, and base64 characters written (newlines not
 * counted). */
unsigned long long si_gz64_bytes_in(const struct si_gz64 *g);
unsigned long long si_gz64_chars_out(const struct si_gz64 *g);

/* Frees the stream (not `out`), closed or not. Accepts NULL. */
void si_gz64_free(struct si_gz64 *g);

#endif
