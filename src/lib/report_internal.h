/* SPDX-License-Identifier: Apache-2.0 */
/* What each report format implements: a state of `size` bytes (zeroed, its
 * first member a struct si_report) that begins, takes the workloads one at a
 * time, and finishes with the audit's totals. */
#ifndef SI_REPORT_INTERNAL_H
#define SI_REPORT_INTERNAL_H

#include "security-inspector/report.h"

struct si_report {
	const struct si_report_ops *ops;
	struct si_report_options opt;
	FILE *out;
	size_t entries;     /* handed to entry() so far */
};

struct si_report_ops {
	size_t size;
	si_rc (*begin)(struct si_report *r, struct si_error *err);           /* may be NULL */
	si_rc (*entry)(struct si_report *r, const struct si_audit_entry *e, struct si_error *err);
	si_rc (*finish)(struct si_report *r, const struct si_audit *a, struct si_error *err);
	void (*free)(struct si_report *r);                                    /* may be NULL */
};

extern const struct si_report_ops si_report_text_ops, si_report_json_ops,
	si_report_html_ops, si_report_sarif_ops, si_report_junit_ops,
	si_report_policyreport_ops;

/* Prints `v` (taking ownership) as the member `key` (NULL: an element) of a
 * structure nested `tabs` deep, as cJSON_Print() would print it inside the
 * whole, without a separator after it. SI_ERR_NOMEM. */
si_rc si_report_put_json(FILE *out, const char *key, cJSON *v, int tabs);

/* A JSON string of `s` (NULL: ""). Inputs may carry bytes that are not
 * UTF-8 (cJSON passes them through); each such byte becomes U+FFFD, so that
 * what is printed stays valid JSON. Control characters are escaped by
 * cJSON. NULL when out of memory. */
cJSON *si_report_json_string(const char *s);

#endif
