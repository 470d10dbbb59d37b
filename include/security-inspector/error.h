/* SPDX-License-Identifier: Apache-2.0 */
/* Error codes and error detail shared by every stage of the check library. */
#ifndef SI_ERROR_H
#define SI_ERROR_H

#include <stddef.h>

/* Append-only: values are never renumbered or reused. */
typedef enum si_rc {
	SI_OK = 0,
	SI_ERR_NOMEM,     /* an allocation failed */
	SI_ERR_IO,        /* a file or folder could not be read */
	SI_ERR_SYNTAX,    /* malformed JSON or YAML */
	SI_ERR_LIMIT,     /* an input bound was exceeded (size, depth, count) */
	SI_ERR_TYPE,      /* a field has the wrong type */
	SI_ERR_POLICY,    /* invalid policy file content */
	SI_ERR_USAGE,     /* bad command-line use */
	SI_ERR_INVALID,   /* a value is out of its allowed set */
} si_rc;

/* Detail of the last failure. `file` and `key` may be empty; `line` is
 * 1-based, 0 when unknown. */
struct si_error {
	si_rc code;
	int line;
	char file[256];
	char key[128];
	char message[512];
};

/* Fills `err` (which may be NULL) and returns `code`, so that a failure can be
 * reported in one statement: `return si_error_set(err, SI_ERR_IO, path, 0, ...)`. */
si_rc si_error_set(struct si_error *err, si_rc code, const char *file,
		       int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Formats `err` as "file:line: message" (parts that are unknown are left out)
 * into `buf` of `size` bytes, always NUL-terminated. Returns `buf`. */
const char *si_error_format(const struct si_error *err, char *buf, size_t size);

/* A short constant name for `code` ("syntax error", ...). */
const char *si_rc_name(si_rc code);

#endif
