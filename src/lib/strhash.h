/* SPDX-License-Identifier: Apache-2.0 */
/* A string hash keyed per table, for the hash tables of names read from
 * input: an input cannot be written to put every name in one bucket. */
#ifndef SI_STRHASH_H
#define SI_STRHASH_H

#include <stdint.h>

/* A fresh key (from the kernel's random bytes when it has them). */
uint64_t si_strhash_seed(void);

/* The hash of the NUL-terminated `s` under `seed`. */
uint64_t si_strhash(uint64_t seed, const char *s);

#endif
