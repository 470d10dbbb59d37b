/* SPDX-License-Identifier: Apache-2.0 */
/* The folder of the latest reports: report.json, report.html (the page to
 * keep, offline) and report.idx (the index of report.json), written while a
 * scan runs under temporary names and put in place by rename once the scan
 * is complete; and the latest complete index and report.json, held open
 * for the pages: a newer scan's replace them, and a request reading the
 * old ones finishes with them. Files are made and opened in the folder
 * itself, never through a link. */
#ifndef SI_REPORT_STORE_H
#define SI_REPORT_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "http_server.h"
#include "report_page.h"
#include "security-inspector/audit.h"
#include "security-inspector/error.h"

struct si_report_store;

/* The folder `dir`, or with NULL a folder of its own under TMPDIR (or
 * /tmp), removed with what it holds by si_report_store_free(). */
si_rc si_report_store_open(const char *dir, struct si_report_store **out,
			   struct si_error *err);

/* Releases the latest reports (requests holding them finish first) and
 * frees the store. Accepts NULL. */
void si_report_store_free(struct si_report_store *st);

/* The latest report in format `f`, opened by name: an open file (the
 * caller closes it; a newer report replaces the file by rename, so it
 * stays whole) and its size. -1 before the first scan is complete, or when
 * what has the name is not a regular file of ours with one link. */
int si_report_store_open_file(struct si_report_store *st, enum si_http_report f,
			      size_t *size);

/* The latest complete report for the pages, or NULL before the first.
 * Hand it back with si_report_store_release(). */
const struct si_report_files *si_report_store_acquire(struct si_report_store *st);
void si_report_store_release(struct si_report_store *st, const struct si_report_files *f);

/* The reports of one scan, being written. */
struct si_report_writer;

/* Starts the reports of a scan in `st` (borrowed). Served reports mask
 * env values and the last-applied-configuration annotation: who may read
 * the report need not be who may read the Secrets. */
si_rc si_report_writer_open(struct si_report_store *st, struct si_report_writer **out,
			    struct si_error *err);

/* Adds one workload to report.json, report.html and the index. */
si_rc si_report_writer_entry(struct si_report_writer *w, const struct si_audit_entry *e,
			     struct si_error *err);

/* Finishes the reports from the finished audit `a` (the scan having ended
 * at `finished_at` after `duration_ms`), puts them in place and makes them
 * the latest. On failure the previous ones stay. */
si_rc si_report_writer_commit(struct si_report_writer *w, const struct si_audit *a,
			      time_t finished_at, uint64_t duration_ms, struct si_error *err);

/* Frees the writer and removes what it wrote and did not put in place.
 * Accepts NULL. */
void si_report_writer_free(struct si_report_writer *w);

#endif
