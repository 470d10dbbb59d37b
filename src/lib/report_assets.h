// SPDX-License-Identifier: Apache-2.0
// The HTML report's stylesheet (report.css) and script (report.js), embedded
// at build time by scripts/embed.py: exactly the files' bytes.
#ifndef SI_REPORT_ASSETS_H
#define SI_REPORT_ASSETS_H

#include <stddef.h>

/* report.js does filters, sorting and details over data-* attributes and
 * textContent only: nothing from a manifest is ever parsed as markup.
 * report.css keeps its `details::details-content` print rule in an @media
 * block of its own, so that a browser that does not know the selector drops
 * only that rule. The files carry no comments of their own about this: the
 * report holds their bytes as they are.
 *
 * Each array holds the file's `_len` bytes followed by one NUL that is not
 * counted. Neither file contains "</style" or "</script" (the build fails
 * otherwise), so each can be written inside its element as it is. */
extern const unsigned char si_report_css[];
extern const size_t si_report_css_len;
extern const unsigned char si_report_js[];
extern const size_t si_report_js_len;

#endif
