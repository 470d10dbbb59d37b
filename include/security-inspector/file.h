/* SPDX-License-Identifier: Apache-2.0 */
/* Bytes in from a file or stdin, bounded: the one way the code base reads a
 * whole file. */
#ifndef SI_FILE_H
#define SI_FILE_H

#include <stddef.h>

#include "security-inspector/error.h"

/* Reads all of `path` ("-" means stdin, named "<stdin>" in errors) into
 * `*out`, `*len` bytes plus a terminating NUL (the text may hold NULs of its
 * own); the caller frees *out with free(). Memory grows with what is read, up
 * to max + 2 bytes, so a large `max` costs nothing for a small file. `max`
 * must be below SIZE_MAX / 2 (else SI_ERR_INVALID). The file is checked on
 * the opened descriptor, not by name.
 * On failure *out is NULL, *len is 0 and `err` names the file:
 * SI_ERR_IO when it cannot be opened or read (with the system's reason) or is
 * a directory, SI_ERR_LIMIT when it holds more than `max` bytes (with the
 * limit), SI_ERR_NOMEM. `err` may be NULL. */
si_rc si_read_file(const char *path, size_t max, char **out, size_t *len,
		   struct si_error *err);

#endif
