/* SPDX-License-Identifier: Apache-2.0 */
/* The server's log: one JSON object per line on stderr. Safe to call from
 * any thread (one write per line). */
#ifndef SI_LOG_H
#define SI_LOG_H

#include <cjson/cJSON.h>

/* Writes {"time", "level", "msg", ...fields}: the members of `fields` are
 * moved into the line, and `fields` is freed (NULL for none). Out of
 * memory, the line is dropped. */
void si_log(const char *level, const char *msg, cJSON *fields);

#endif
