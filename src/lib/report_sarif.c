// SPDX-License-Identifier: Apache-2.0
// Results -> SARIF report (being written).
#include "security-inspector/report.h"

si_rc si_report_sarif(const struct si_audit *a, const struct si_report_options *o,
		FILE *out, struct si_error *err)
{
	(void)a, (void)o, (void)out;
	return si_error_set(err, SI_ERR_USAGE, NULL, 0, "this report format is not built yet");
}
