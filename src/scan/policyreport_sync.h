/* SPDX-License-Identifier: Apache-2.0 */
/* The PolicyReports of a scan made true in the cluster: the reports this
 * server wrote before (found by their label, metadata alone) are compared
 * part by part with the new ones by the digest of their content; only a
 * changed part is written (update), a new one created, and with a
 * complete scan, a report no longer made (a namespace without results, a
 * part fewer) deleted. Writes are paced. Nothing is kept but the list of
 * the reports found: one small entry per namespace. */
#ifndef SI_POLICYREPORT_SYNC_H
#define SI_POLICYREPORT_SYNC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "metrics.h"
#include "security-inspector/kube.h"
#include "security-inspector/policyreport.h"

struct si_policyreport_sync {
	struct si_kube *kube;          /* borrowed */
	/* The Namespace that owns the reports (its deletion, as at uninstall,
	 * removes them); NULL: no owner. Read by name with a list (the scan
	 * may list namespaces). */
	const char *owner_namespace;
	unsigned qps;                  /* writes per second at most; 0: 10 */
	bool delete_stale;             /* the scan is complete: delete what it did not make */
	time_t when;                   /* the results' timestamp */
	const atomic_bool *cancel;     /* borrowed, may be NULL: stop writing */
	struct si_metrics *metrics;    /* borrowed, may be NULL: writes counted */
};

/* What a sync did. */
struct si_policyreport_sync_stats {
	bool no_crd;                   /* the API server has no PolicyReport CRD */
	size_t found, unchanged, created, updated, deleted, failed;
};

/* Writes the reports of `p` (si_policyreports_each() is called: no result
 * may be added after). A write that fails is counted and logged, and the
 * others go on; SI_OK then, with the failures in `stats`. An error only
 * when nothing could be compared (the list failed; without the CRD:
 * SI_OK with `no_crd`) or out of memory. */
si_rc si_policyreport_sync(struct si_policyreports *p, const struct si_policyreport_sync *o,
			   struct si_policyreport_sync_stats *stats, struct si_error *err);

#endif
