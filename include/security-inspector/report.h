/* SPDX-License-Identifier: Apache-2.0 */
/* Results -> reports: text for terminals, the versioned JSON report, HTML,
 * SARIF and JUnit. */
#ifndef SI_REPORT_H
#define SI_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "security-inspector/audit.h"
#include "security-inspector/error.h"

struct si_report_options {
	bool failed_only;   /* list only failing workloads and failed results */
	bool color;         /* ANSI colours (text only) */
	/* Print the objects' env[].value as written, for local use. Off, as in
	 * a zeroed struct, they read SI_REPORT_MASK: see si_report_mask(). */
	bool show_env_values;
};

/* What a masked value reads as in a report. */
#define SI_REPORT_MASK "<masked>"

/* A copy of the Kubernetes object `obj` (borrowed) fit to print in a report,
 * where passwords must not show: the `value` of every `env` entry of every
 * container, init container and ephemeral container, wherever the object
 * holds a pod spec (pod, template, job template), and the
 * kubectl.kubernetes.io/last-applied-configuration annotation (a JSON copy of
 * the whole object, env values included) read SI_REPORT_MASK. Variable names
 * and `valueFrom` references stay. Every writer that prints an object prints
 * this copy unless show_env_values is set. On success the caller frees `*out`
 * with cJSON_Delete(); on failure `*out` is NULL: SI_ERR_NOMEM, or
 * SI_ERR_LIMIT when `obj` nests over 1000 levels. */
si_rc si_report_mask(const cJSON *obj, cJSON **out, struct si_error *err);

enum si_report_format {
	SI_REPORT_TEXT,
	SI_REPORT_JSON,    /* apiVersion security-inspector.io/v1, kind AuditReport */
	SI_REPORT_HTML,    /* one self-contained page: nothing loaded from the network */
	SI_REPORT_SARIF,   /* SARIF 2.1.0, one result per failure with file and line */
	SI_REPORT_JUNIT,   /* one test suite per workload, one case per item and container */
	SI_REPORT_POLICYREPORT,   /* wgpolicyk8s.io/v1alpha2 objects, YAML (policyreport.h) */
	SI_REPORT_FORMAT_COUNT
};

/* "text", "json", "html", "sarif", "junit", "policyreport"; false for other
 * names. */
bool si_report_format_parse(const char *name, enum si_report_format *f);
const char *si_report_format_name(enum si_report_format f);

/* A report being written while an audit runs: every format is written as
 * the workloads come, so that memory does not grow with their number. The
 * parts that need the whole run (summary, skipped objects, input errors)
 * come last; the JSON report therefore has `workloads` before `summary`. */
struct si_report;

/* Starts a report on `out` (borrowed, must outlive the report; it is
 * written to at once). On success the caller frees `*r` with
 * si_report_free(). */
si_rc si_report_open(enum si_report_format f, const struct si_report_options *o, FILE *out,
		     struct si_report **r, struct si_error *err);

/* Adds one workload. */
si_rc si_report_entry(struct si_report *r, const struct si_audit_entry *e,
		      struct si_error *err);

/* Writes what follows the workloads, from the finished audit `a`, and
 * flushes. SI_ERR_IO when `out` could not be written. */
si_rc si_report_finish(struct si_report *r, const struct si_audit *a, struct si_error *err);

/* Frees the report (not `out`). Accepts NULL. */
void si_report_free(struct si_report *r);

/* An si_audit_entry_fn that adds the entry to the si_report `ctx`. */
si_rc si_report_entry_fn(const struct si_audit_entry *e, void *ctx, struct si_error *err);

/* Where a result comes from: "path:line", or "path" alone without a line
 * (objects read from the API server). */
void si_report_source(char *buf, size_t size, const char *path, int line);

/* The item table as text or JSON. */
si_rc si_report_checks_text(FILE *out, bool color);
si_rc si_report_checks_json(FILE *out, struct si_error *err);

#endif
