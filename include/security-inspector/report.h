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
};

/* Writes the text report to `out`. */
si_rc si_report_text(const struct si_audit *a, const struct si_report_options *o,
			 FILE *out, struct si_error *err);

/* Writes the JSON report (apiVersion security-inspector.io/v1, kind
 * AuditReport) to `out`. */
si_rc si_report_json(const struct si_audit *a, const struct si_report_options *o,
			 FILE *out, struct si_error *err);

/* Writes one self-contained HTML page (inline CSS, SVG and script; nothing
 * loaded from the network): overview, categories, a filterable workload table
 * and per-workload details with the workload's YAML. */
si_rc si_report_html(const struct si_audit *a, const struct si_report_options *o,
		     FILE *out, struct si_error *err);

/* Writes SARIF 2.1.0: one rule per item, one result per failure with the
 * manifest's file and line. */
si_rc si_report_sarif(const struct si_audit *a, const struct si_report_options *o,
		      FILE *out, struct si_error *err);

/* Writes JUnit XML: one test suite per workload, one test case per item and
 * container. */
si_rc si_report_junit(const struct si_audit *a, const struct si_report_options *o,
		      FILE *out, struct si_error *err);

/* Where a result comes from: "path:line", or "path" alone without a line
 * (objects read from the API server). */
void si_report_source(char *buf, size_t size, const char *path, int line);

/* The item table as text or JSON. */
si_rc si_report_checks_text(FILE *out, bool color);
si_rc si_report_checks_json(FILE *out, struct si_error *err);

#endif
