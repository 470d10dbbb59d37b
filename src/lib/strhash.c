// SPDX-License-Identifier: Apache-2.0
// A keyed string hash: FNV-1a from a random start, then a full mix.
#include <stdint.h>
#include <sys/random.h>
#include <time.h>

#include "strhash.h"

uint64_t si_strhash(uint64_t seed, const char *s)
{
	uint64_t h = seed ^ 0xcbf29ce484222325u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3u;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdu;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53u;
	return h ^ (h >> 33);
}

uint64_t si_strhash_seed(void)
{
	uint64_t seed;
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed))
		return seed;
	struct timespec t;   /* no entropy yet (early boot): less, but some */
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_nsec * 0x9e3779b97f4a7c15u ^ (uint64_t)(uintptr_t)&t;
}
