// SPDX-License-Identifier: Apache-2.0
// Fuzz target: bytes as a manifest (YAML or JSON by content) through the
// whole audit pipeline: loader, workload view, items and both reports.
#include <stdint.h>
#include <stdio.h>

#include "security-inspector/audit.h"
#include "security-inspector/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fanout {
	struct si_report *r[3];
};

static si_rc fanout_entry(const struct si_audit_entry *e, void *ctx, struct si_error *err)
{
	struct fanout *f = ctx;
	for (int i = 0; i < 3; i++)
		if (f->r[i] && si_report_entry(f->r[i], e, err))
			return SI_ERR_IO;
	return SI_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct si_policy *policy;
	struct si_limits lim = si_limits_default;
	struct si_input *in = NULL;
	struct si_audit a;
	struct si_report_options o = { 0 };

	lim.max_nodes = 100000;
	if (!policy && si_policy_default(&policy, NULL))
		return 0;
	if (si_input_parse("fuzz", (const char *)data, size, &lim, &in, NULL))
		return 0;
	FILE *null = fopen("/dev/null", "w");
	struct fanout f = { { NULL, NULL } };
	if (null) {
		si_report_open(SI_REPORT_JSON, &o, null, &f.r[0], NULL);
		si_report_open(SI_REPORT_TEXT, &o, null, &f.r[1], NULL);
		si_report_open(SI_REPORT_POLICYREPORT, &o, null, &f.r[2], NULL);
	}
	si_audit_init(&a, policy, NULL);
	a.on_entry = fanout_entry;
	a.ctx = &f;
	if (si_audit_inspect(&a, in, NULL) == SI_OK && si_audit_finish(&a) == SI_OK)
		for (int i = 0; i < 3; i++)
			if (f.r[i])
				si_report_finish(f.r[i], &a, NULL);
	for (int i = 0; i < 3; i++)
		si_report_free(f.r[i]);
	if (null)
		fclose(null);
	si_input_free(in);
	si_audit_free(&a);
	return 0;
}
