// SPDX-License-Identifier: Apache-2.0
// '*' and '?' patterns, matched greedily with one backtrack point.
#include <stddef.h>

#include "security-inspector/glob.h"

bool si_glob_match(const char *pattern, const char *text)
{
	const char *p = pattern, *t = text;
	const char *star = NULL, *resume = NULL;

	if (!pattern || !text)
		return false;
	while (*t) {
		if (*p == '*') {
			star = p++;
			resume = t;
		} else if (*p == '?' || *p == *t) {
			p++;
			t++;
		} else if (star) {
			/* Let the last '*' swallow one more character. */
			p = star + 1;
			t = ++resume;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}
