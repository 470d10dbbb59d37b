/* SPDX-License-Identifier: Apache-2.0 */
/* The index of a scan's report: a file beside report.json with a header
 * (the summary and what the scan met) and one fixed-size record per
 * workload, in the order of the report (namespace, kind, name, status,
 * counts, and where its object lies in report.json). The served pages read
 * it a bounded number of records at a time, so that no request costs
 * memory in proportion to the cluster. */
#ifndef SI_REPORT_INDEX_H
#define SI_REPORT_INDEX_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "security-inspector/audit.h"
#include "security-inspector/error.h"

#define SI_INDEX_MAGIC "SIINDEX\x01"

/* One workload. Strings are NUL-terminated, cut at a whole UTF-8
 * character when longer (Kubernetes names fit: namespaces are labels of
 * at most 63 characters, other names subdomains of at most 253). */
struct si_index_record {
	uint64_t offset;          /* its object's first byte in report.json */
	char namespace[64];
	char kind[32];
	char name[256];
	uint32_t length;          /* its object's bytes */
	uint32_t danger;          /* failed results of severity danger */
	uint32_t warning;         /* failed results of severity warning */
	uint32_t whitelisted;     /* whitelisted results */
	uint32_t passed;          /* passed results */
	uint8_t failed;           /* the workload failed (a failed result) */
	uint8_t pad[3];
};

/* A record's object is never longer than this: a pod of the most
 * containers (SI_MAX_CONTAINERS) with every item failed. */
#define SI_INDEX_MAX_OBJECT (64u << 20)

/* Longest error message kept in the header. */
#define SI_INDEX_ERROR_MAX 512

struct si_index_header {
	char magic[8];            /* SI_INDEX_MAGIC */
	uint32_t record_size;     /* sizeof(struct si_index_record) */
	uint32_t complete;        /* 1: the scan met no error */
	uint64_t records;         /* workloads */
	int64_t finished_at;      /* Unix time the scan ended */
	uint64_t duration_ms;
	uint64_t errors, skipped;
	char first_error[SI_INDEX_ERROR_MAX];   /* "" when there was none */
	struct si_audit_summary summary;
};

/* Writes the space of the header at the start of `out`, which must be
 * empty; the header itself is written by si_index_finish(). */
si_rc si_index_begin(FILE *out, struct si_error *err);

/* The record of `e`, whose object lies at `offset` (`length` bytes) in
 * report.json. */
void si_index_record_of(const struct si_audit_entry *e, uint64_t offset, uint64_t length,
			struct si_index_record *out);

/* Appends the record of `e` to `out`. */
si_rc si_index_add(FILE *out, const struct si_audit_entry *e, uint64_t offset,
		   uint64_t length, struct si_error *err);

/* Writes the header (for `records` records, from the finished audit `a`,
 * the scan having ended at `finished_at` after `duration_ms`) at the start
 * of `out` (which must be seekable) and flushes. */
si_rc si_index_finish(FILE *out, uint64_t records, const struct si_audit *a,
		      time_t finished_at, uint64_t duration_ms, struct si_error *err);

/* Reads and checks the header of the index open at `fd`: SI_ERR_SYNTAX when
 * the file is not an index of this build or its size does not match the
 * records it announces. */
si_rc si_index_read_header(int fd, struct si_index_header *h, struct si_error *err);

/* Reads record `id` (0-based; the caller checks it against the header). */
si_rc si_index_read_record(int fd, uint64_t id, struct si_index_record *r,
			   struct si_error *err);

/* Which records a page shows; an empty string or -1 selects everything. */
struct si_index_filter {
	const char *namespace;    /* exact, or a glob with '*' and '?' */
	const char *kind;         /* exact, letter case ignored */
	int failed;               /* 1: failed workloads, 0: passed ones, -1: both */
	const char *text;         /* a part of the name, letter case ignored */
};

bool si_index_match(const struct si_index_record *r, const struct si_index_filter *f);

/* Told of each record that matches, with its id; a non-zero return stops
 * the walk and is returned by si_index_walk(). */
typedef si_rc (*si_index_fn)(const struct si_index_record *r, uint64_t id, void *ctx);

/* Reads the `records` records of the index at `fd` in order, a bounded
 * batch at a time, and hands those matching `f` to `fn`. */
si_rc si_index_walk(int fd, uint64_t records, const struct si_index_filter *f,
		    si_index_fn fn, void *ctx, struct si_error *err);

#endif
