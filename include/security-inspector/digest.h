/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256, for telling whether content changed when an attacker may write
 * part of it: a weaker hash could be made to collide. */
#ifndef SI_DIGEST_H
#define SI_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#define SI_SHA256_HEX_LEN 64

/* Writes the SHA-256 of `len` bytes at `data` as 64 lowercase hex digits
 * and a NUL to `hex`. False when the library failed (out of memory). */
bool si_sha256_hex(const void *data, size_t len, char hex[SI_SHA256_HEX_LEN + 1]);

#endif
