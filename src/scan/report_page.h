/* SPDX-License-Identifier: Apache-2.0 */
/* The served report pages, rendered from one scan's index and report.json:
 * GET /report, the overview and one page of the workloads that match the
 * filters; GET /report/workload?id=N, one workload's results, and for each
 * failure the whitelist entry that would accept it, as YAML to paste into
 * the policy. Every text that comes from the cluster is HTML-escaped; the
 * pages hold one stylesheet and one script of their own, which the
 * Content-Security-Policy names by hash. */
#ifndef SI_REPORT_PAGE_H
#define SI_REPORT_PAGE_H

#include <stdint.h>
#include <stdio.h>

#include "report_index.h"
#include "security-inspector/error.h"

/* One scan's report as the pages read it. */
struct si_report_files {
	int index_fd;                   /* borrowed, read with pread() */
	int json_fd;                    /* report.json, borrowed, read with pread() */
	struct si_index_header header;  /* read from index_fd */
};

#define SI_PAGE_DEFAULT_SIZE 50
#define SI_PAGE_MAX_SIZE 500
/* Longest filter value taken. */
#define SI_PAGE_MAX_VALUE 253

/* What a page request asks for. */
struct si_page_query {
	char namespace[SI_PAGE_MAX_VALUE + 1];   /* "" : any; else exact or a glob */
	char kind[SI_PAGE_MAX_VALUE + 1];        /* "" : any */
	char text[SI_PAGE_MAX_VALUE + 1];        /* "" : any; else a part of the name */
	int failed;                              /* -1 any, 0 passed, 1 failed */
	uint64_t page;                           /* 1-based */
	unsigned size;                           /* workloads per page */
	uint64_t id;                             /* /report/workload: the workload */
};

/* Reads the decoded query `query` (name, value, ..., NULL; may be NULL) of
 * a request for `path`: for /report namespace, kind, status (passed or
 * failed), text, page (from 1) and size (1 to SI_PAGE_MAX_SIZE); for
 * /report/workload id (from 0). SI_ERR_USAGE, with the reason in `err`,
 * for a name the page does not take, a name given twice, or a value out of
 * range or over SI_PAGE_MAX_VALUE bytes. */
si_rc si_page_query_parse(const char *path, const char *const *query, struct si_page_query *q,
			  struct si_error *err);

/* The Content-Security-Policy of the pages (a static string): their own
 * stylesheet and script, nothing else. */
const char *si_page_csp(void);

/* Writes the page GET /report for `q` to `out`: the overview of the scan
 * and the workloads of page q->page among those matching the filters.
 * SI_ERR_INVALID (with the reason) when that page is past the last one. */
si_rc si_page_list(const struct si_report_files *f, const struct si_page_query *q, FILE *out,
		   struct si_error *err);

/* Writes the page GET /report/workload?id=`id`. SI_ERR_INVALID when the
 * scan has no workload `id`. */
si_rc si_page_workload(const struct si_report_files *f, uint64_t id, FILE *out,
		       struct si_error *err);

/* Writes to `out` the whitelist entry (YAML, one list item) that accepts
 * the failures of the `n_checks` items `checks` (IDs) for `container`
 * (NULL: pod-level or binding results) of the workload `kind`
 * `namespace`/`name` (namespace "" for a cluster-scoped one: the entry
 * names no namespace), named through its top owner `owner_kind`/
 * `owner_name` when it has owners (both NULL otherwise; bindings never
 * inherit an owner's coverage, so theirs name themselves). */
void si_page_whitelist_yaml(FILE *out, const char *kind, const char *namespace,
			    const char *name, const char *owner_kind, const char *owner_name,
			    const char *container, const char *const *checks, size_t n_checks);

#endif
