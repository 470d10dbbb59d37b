// SPDX-License-Identifier: Apache-2.0
// The HTML report's stylesheet (report.css) and script (report.js), embedded
// at build time by scripts/embed.py: exactly the files' bytes.
#ifndef SI_REPORT_ASSETS_H
#define SI_REPORT_ASSETS_H

#include <stddef.h>

/* report.js reads the data blocks of report_html.c (JSON and base64 gzip,
 * unpacked with DecompressionStream) and builds the table rows and the
 * details with createElement and textContent only: nothing from a manifest
 * is ever parsed as markup. It offers window.siOpenWorkload(i), a promise of
 * workload i's opened details, to tests and scripts.
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
