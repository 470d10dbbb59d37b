/* SPDX-License-Identifier: Apache-2.0 */
/* The served pages' stylesheet (report_page.css) and script
 * (report_page.js), embedded at build time by scripts/embed.py: the files'
 * bytes, and the SHA-256 of each (base64) that the Content-Security-Policy
 * names. Neither file contains "</style" or "</script" (the build fails
 * otherwise), so each can be written inside its element as it is. */
#ifndef SI_PAGE_ASSETS_H
#define SI_PAGE_ASSETS_H

#include <stddef.h>

extern const unsigned char si_page_css[];
extern const size_t si_page_css_len;
extern const char si_page_css_sha256[];
extern const unsigned char si_page_js[];
extern const size_t si_page_js_len;
extern const char si_page_js_sha256[];

#endif
