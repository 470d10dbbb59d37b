/* SPDX-License-Identifier: Apache-2.0 */
/* Shell-style name patterns for policy namespaces, names and containers. */
#ifndef SI_GLOB_H
#define SI_GLOB_H

#include <stdbool.h>

/* True when `text` matches `pattern`, where '*' matches any run of characters
 * and '?' one character; everything else matches itself. Linear in the
 * lengths of both strings times the number of '*' (no exponential
 * backtracking). */
bool si_glob_match(const char *pattern, const char *text);

#endif
