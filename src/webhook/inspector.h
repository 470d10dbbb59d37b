/* SPDX-License-Identifier: Apache-2.0 */
/* Scheduled inspection: a thread of its own (at a lower CPU priority) scans
 * the cluster every interval, one scan at a time, never in the way of
 * admission requests; writes the latest JSON and HTML reports to files for
 * GET /report.json and GET /report, records the scan's figures in the
 * metrics and posts Kubernetes Events about it. With leader election, only
 * the leader scans: a scan ends with its leader's term. */
#ifndef SI_INSPECTOR_H
#define SI_INSPECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "leader.h"
#include "metrics.h"
#include "reload.h"
#include "security-inspector/cron.h"
#include "security-inspector/error.h"
#include "security-inspector/kube.h"
#include "security-inspector/report.h"

struct si_inspector_config {
	unsigned interval;                /* seconds from the start of a scan to the next */
	/* Borrowed, may be NULL; otherwise `interval` is not used: scans start
	 * at the instants the schedule fires (the same on every replica). */
	const struct si_cron *schedule;
	struct si_cluster_options scan;   /* where and what; `cancel` is set by the inspector */
	/* The object the Events are about: the Deployment `events_deployment`
	 * in `events_namespace`, or the Namespace `events_namespace` itself
	 * when `events_deployment` is NULL. No Events when both are NULL. */
	const char *events_namespace;
	const char *events_deployment;
	/* Where the reports are written (replaced by rename); NULL: a folder
	 * of its own under TMPDIR (or /tmp), removed at stop. */
	const char *report_dir;
	/* Borrowed, may be NULL (this replica scans alone). Otherwise scans
	 * start at the multiples of `interval` since the Unix epoch, the same
	 * instants on every replica, and only on the leader: one that becomes
	 * leader without a report scans at once, else at the next such
	 * instant. A scan whose term ends is cancelled and posts nothing
	 * more. */
	struct si_leader *leader;
};

struct si_inspector;

/* Starts the scan thread; the first scan starts at once (with a leader:
 * once this replica leads). Borrowed arguments (strings of `cfg` and its
 * leader included) must outlive the inspector. */
si_rc si_inspector_start(const struct si_inspector_config *cfg, struct si_policy_slot *slot,
			 struct si_metrics *metrics, struct si_inspector **out,
			 struct si_error *err);

/* Cancels a scan in progress, waits for the thread and frees everything.
 * With a leader, stop the election first (si_leader_stop()): it tells the
 * inspector of changes until then. Accepts NULL. */
void si_inspector_stop(struct si_inspector *in);

/* Asks for a scan at once (POST /report/inspect). True when one will
 * start now; false when a scan is under way or already asked for, with
 * `*since` the wall-clock time it started or was asked for. Scheduled
 * scans keep their instants. Without the lead (a request that raced a
 * change of leader) the request is dropped. */
bool si_inspector_inspect_now(struct si_inspector *in, time_t *since);

/* The latest report (SI_REPORT_JSON or SI_REPORT_HTML): an open file (the caller closes it; a newer report
 * replaces the file by rename, so it stays whole) and its size. -1 before
 * the first scan has finished, or when the file cannot be opened. */
int si_inspector_report(struct si_inspector *in, enum si_report_format f, size_t *size);

#endif
