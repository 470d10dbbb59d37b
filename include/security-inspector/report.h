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
