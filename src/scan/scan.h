/* SPDX-License-Identifier: Apache-2.0 */
/* Scheduled scans of the cluster: a thread of its own (at a lower CPU
 * priority) scans the cluster every interval, one scan at a time, never in
 * the way of admission requests; writes the latest reports as it goes
 * (report_store.h) for the server to serve (GET /report.json and
 * /report.html whole, GET /report and /report/workload as pages), records
 * the scan's figures in the metrics (its failures per namespace too, for
 * GET /metrics/namespaces) and posts Kubernetes Events about it.
 * With leader election, only the leader scans: a scan ends with its
 * leader's term. */
#ifndef SI_SCAN_H
#define SI_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "http_server.h"
#include "leader.h"
#include "metrics.h"
#include "reload.h"
#include "security-inspector/cron.h"
#include "security-inspector/error.h"
#include "security-inspector/kube.h"

struct si_scan_config {
	unsigned interval;                /* seconds from the start of a scan to the next */
	/* Borrowed, may be NULL; otherwise `interval` is not used: scans start
	 * at the instants the schedule fires (the same on every replica). */
	const struct si_cron *schedule;
	struct si_cluster_options cluster;   /* where and what; `cancel` is set by the scan */
	/* The object the Events are about: the Deployment `events_deployment`
	 * in `events_namespace`, or the Namespace `events_namespace` itself
	 * when `events_deployment` is NULL. No Events when both are NULL. */
	const char *events_namespace;
	const char *events_deployment;
	/* Where the reports are written (replaced by rename); NULL: a folder
	 * of its own under TMPDIR (or /tmp), removed at stop. */
	const char *report_dir;
	/* How many namespaces get series of their own in
	 * /metrics/namespaces (the others are summed); 0: none. */
	size_t metrics_max_namespaces;
	/* Borrowed, may be NULL (this replica scans alone). Otherwise scans
	 * start at the multiples of `interval` since the Unix epoch, the same
	 * instants on every replica, and only on the leader: one that becomes
	 * leader without a report scans at once, else at the next such
	 * instant. A scan whose term ends is cancelled and posts nothing
	 * more. */
	struct si_leader *leader;
	/* PolicyReports (policyreport.h) written to the cluster after each
	 * scan (policyreport_sync.h): only what changed, paced to
	 * `policy_report_qps` writes a second (0: 10), each object within
	 * `policy_report_max_bytes` (0: 1 MiB), owned by the Namespace
	 * `policy_report_owner` (a DNS label; NULL: no owner). Without the
	 * CRD the server says so once and goes on. */
	bool policy_reports;
	size_t policy_report_max_bytes;
	unsigned policy_report_qps;
	const char *policy_report_owner;
};

struct si_scan;

/* Starts the scan thread; the first scan starts at once (with a leader:
 * once this replica leads). Borrowed arguments (strings of `cfg` and its
 * leader included) must outlive the scan. */
si_rc si_scan_start(const struct si_scan_config *cfg, struct si_policy_slot *slot,
		    struct si_metrics *metrics, struct si_scan **out, struct si_error *err);

/* Cancels a scan in progress, waits for the thread and frees everything.
 * With a leader, stop the election first (si_leader_stop()): it tells the
 * scan of changes until then. Accepts NULL. */
void si_scan_stop(struct si_scan *s);

/* Asks for a scan at once (POST /report/inspect). True when one will
 * start now; false when a scan is under way or already asked for, with
 * `*since` the wall-clock time it started or was asked for. Scheduled
 * scans keep their instants. Without the lead (a request that raced a
 * change of leader) the request is dropped. */
bool si_scan_inspect_now(struct si_scan *s, time_t *since);

/* The latest report in format `f`: an open file (the caller closes it; a
 * newer report replaces the file by rename, so it stays whole) and its
 * size. -1 before the first scan has finished, or when the file cannot be
 * opened. */
int si_scan_open_report(struct si_scan *s, enum si_http_report f, size_t *size);

/* Fills `out` so that the server serves the reports and pages of `s`
 * (borrowed: stop the server before the scan). */
void si_scan_http_reports(struct si_scan *s, struct si_http_reports *out);

/* The lister of a Namespace's workloads for the webhook's preview of a
 * namespace turned to enforce (admission.h): it uses the scan's API access,
 * lists at most a few seconds, and tells of an API error or the time spent. */
void si_scan_admission_lister(struct si_scan *s, struct si_admission_lister *out);

#endif
