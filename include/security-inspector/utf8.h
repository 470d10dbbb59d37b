/* SPDX-License-Identifier: Apache-2.0 */
/* UTF-8 as RFC 3629 defines it: the one rule every reader and writer of text
 * in the code base applies. */
#ifndef SI_UTF8_H
#define SI_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length (1 to 4) of the well-formed UTF-8 sequence at the start of the `len`
 * bytes at `s`, and its code point in `*cp` (when `cp` is not NULL); 0 when
 * there is none: `len` is 0, a stray continuation byte, a byte that never
 * starts a sequence (C0, C1, F5..FF), an overlong form, a surrogate
 * (U+D800..U+DFFF, as CESU-8 writes them), a code point above U+10FFFF, or a
 * sequence cut short by `len` or by a byte that does not continue it. A NUL
 * byte is U+0000, a sequence of length 1: code that reads C strings stops
 * there before asking. */
size_t si_utf8_next(const unsigned char *s, size_t len, uint32_t *cp);

/* Number of bytes at the start of the `len` bytes at `s` that are whole,
 * well-formed sequences (si_utf8_next's rule): `len` when all are, else the
 * offset of the first byte that is not. */
size_t si_utf8_prefix(const char *s, size_t len);

/* Whether all `len` bytes at `s` are well-formed UTF-8. */
bool si_utf8_valid(const char *s, size_t len);

#endif
