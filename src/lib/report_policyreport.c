// SPDX-License-Identifier: Apache-2.0
// Results -> PolicyReport and ClusterPolicyReport objects as a YAML stream,
// for GitOps and CI: what the scheduled scan writes to the cluster.
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "report_internal.h"
#include "security-inspector/document.h"
#include "security-inspector/policyreport.h"

struct policyreport_report {
	struct si_report base;
	struct si_policyreports *reports;
	time_t when;
};

/* The results' timestamp: SOURCE_DATE_EPOCH when set (a reproducible
 * output: the same manifests make the same file, without a diff in Git),
 * else now. */
static time_t timestamp(void)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	char *end;
	if (sde && *sde >= '0' && *sde <= '9') {
		errno = 0;
		long long v = strtoll(sde, &end, 10);
		if (!*end && !errno && v > 0)
			return (time_t)v;
	}
	return time(NULL);
}

static si_rc begin(struct si_report *r, struct si_error *err)
{
	struct policyreport_report *pr = (struct policyreport_report *)r;
	pr->when = timestamp();
	return si_policyreports_open(0, NULL, &pr->reports, err);
}

static si_rc entry(struct si_report *r, const struct si_audit_entry *e, struct si_error *err)
{
	return si_policyreports_add(((struct policyreport_report *)r)->reports, e, err);
}

/* One part as a YAML document. */
static si_rc write_part(const struct si_policyreport_part *part, void *ctx, struct si_error *err)
{
	struct policyreport_report *pr = ctx;
	char *json = NULL, *yaml = NULL;
	size_t len, ylen;
	cJSON *obj = NULL;
	si_rc rc = si_policyreports_render(pr->reports, part, NULL, pr->when, false, &json, &len,
					   err);
	if (rc)
		return rc;
	if (!(obj = cJSON_ParseWithLength(json, len))) {
		rc = si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
		goto out;
	}
	if ((rc = si_yaml_emit(obj, &yaml, &ylen, err)))
		goto out;
	fputs("---\n", pr->base.out);
	fwrite(yaml, 1, ylen, pr->base.out);
out:
	free(json);
	free(yaml);
	cJSON_Delete(obj);
	return rc;
}

static si_rc finish(struct si_report *r, const struct si_audit *a, struct si_error *err)
{
	(void)a;
	return si_policyreports_each(((struct policyreport_report *)r)->reports, write_part, r, err);
}

static void release(struct si_report *r)
{
	si_policyreports_free(((struct policyreport_report *)r)->reports);
}

const struct si_report_ops si_report_policyreport_ops = {
	.size = sizeof(struct policyreport_report),
	.begin = begin,
	.entry = entry,
	.finish = finish,
	.free = release,
};
