// SPDX-License-Identifier: Apache-2.0
// Fuzz target: bytes as a manifest (YAML or JSON by content) through the
// whole audit pipeline: loader, workload view, items and both reports.
#include <stdint.h>
#include <stdio.h>

#include "security-inspector/audit.h"
#include "security-inspector/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	si_audit_init(&a, policy, NULL);
	if (si_audit_add_input(&a, in) == SI_OK && si_audit_finish(&a) == SI_OK) {
		FILE *null = fopen("/dev/null", "w");
		if (null) {
			si_report_json(&a, &o, null, NULL);
			si_report_text(&a, &o, null, NULL);
			fclose(null);
		}
	}
	si_audit_free(&a);
	return 0;
}
