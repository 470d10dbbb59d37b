// SPDX-License-Identifier: Apache-2.0
// Scheduled scans of the cluster in a thread of their own: the latest
// reports (through the report store), the scan metrics, the Events about
// each scan, and the report interface the server serves them through.
#include <limits.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "namespace_tally.h"
#include "policyreport_sync.h"
#include "report_page.h"
#include "report_store.h"
#include "scan.h"
#include "security-inspector/audit.h"

#define COMPONENT "security-inspector"
#define SCAN_NICE 10

static void log_error(const char *msg, const struct si_error *err);

struct si_scan {
	struct si_scan_config cfg;
	struct si_report_store *store;   /* the latest reports */
	struct si_policy_slot *slot;
	struct si_metrics *metrics;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t wake;          /* signalled by si_scan_stop() */
	bool stop;                    /* under mu */
	bool asked;                   /* under mu: a scan was asked for (inspect now) */
	bool running;                 /* under mu: a scan is under way */
	time_t since;                 /* under mu: when it started or was asked for */
	atomic_bool cancel;           /* read by the API client during a scan */
	bool done;                    /* under mu: a scan's reports are in place */
	int no_crd;                   /* the last sync found no PolicyReport CRD: */
				      /* 1, it did: 0, no sync yet: -1 */
	char host[256];
	const char *instance;         /* reportingInstance of the Events: the */
				      /* election's identity, else `host` */
};

int si_scan_open_report(struct si_scan *sc, enum si_http_report f, size_t *size)
{
	return si_report_store_open_file(sc->store, f, size);
}

/* A scan's reports being written, and its figures. */
struct scan_reports {
	struct si_report_writer *w;
	struct si_policyreports *polr;   /* NULL without --policy-reports */
	struct si_scan_figures *fig;
	struct si_namespace_tally *namespaces;   /* NULL: not counted */
};

/* Each workload goes to the reports and to the figures, then is gone. */
static si_rc reports_entry(const struct si_audit_entry *e, void *ctx, struct si_error *err)
{
	struct scan_reports *sr = ctx;
	for (size_t r = 0; r < e->eval.n_results; r++) {
		const struct si_result *res = &e->eval.results[r];
		if (res->status != SI_RESULT_FAILED)
			continue;
		sr->fig->failures[res->item->id][res->severity]++;
		if (sr->namespaces && res->severity >= SI_SEVERITY_WARNING)
			si_namespace_tally_add(sr->namespaces, e->workload.namespace, res->severity);
	}
	si_rc rc = si_report_writer_entry(sr->w, e, err);
	return rc || !sr->polr ? rc : si_policyreports_add(sr->polr, e, err);
}

/* Hands the failures per namespace of a complete scan to the metrics. */
static void record_namespaces(struct si_scan *sc, struct si_namespace_tally *t)
{
	struct si_namespace_failures *rows;
	size_t n, failing;
	struct si_error err = { 0 };

	if (!t || si_namespace_tally_top(t, sc->cfg.metrics_max_namespaces, &rows, &n, &failing,
					 &err)) {
		si_log("warn", "scan: out of memory counting failures per namespace: "
		       "/metrics/namespaces keeps the previous scan's", NULL);
		return;
	}
	si_metrics_scan_namespaces(sc->metrics, rows, n, failing);
}

static void log_error(const char *msg, const struct si_error *err)
{
	char buf[1024];
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "error", si_error_format(err, buf, sizeof(buf)));
	si_log("warn", msg, f);
}

static void note(const struct si_error *err, void *ctx)
{
	log_error("scan: an API error, the report will say it is incomplete", err);
}

/* The object the Events are about, as an involvedObject (with its uid when
 * it can be read); NULL without events or out of memory. */
static cJSON *involved_object(struct si_scan *sc, struct si_kube *k)
{
	const char *ns = sc->cfg.events_namespace, *dep = sc->cfg.events_deployment;
	char path[512];
	cJSON *o = cJSON_CreateObject(), *obj = NULL;
	struct si_error err = { 0 };

	if (!o)
		return NULL;
	if (dep) {
		cJSON_AddStringToObject(o, "apiVersion", "apps/v1");
		cJSON_AddStringToObject(o, "kind", "Deployment");
		cJSON_AddStringToObject(o, "namespace", ns);
		cJSON_AddStringToObject(o, "name", dep);
		snprintf(path, sizeof(path), "/apis/apps/v1/namespaces/%s/deployments/%s", ns, dep);
	} else {
		cJSON_AddStringToObject(o, "apiVersion", "v1");
		cJSON_AddStringToObject(o, "kind", "Namespace");
		cJSON_AddStringToObject(o, "name", ns);
		snprintf(path, sizeof(path), "/api/v1/namespaces/%s", ns);
	}
	/* With its uid, `kubectl describe` shows the Events too. */
	if (si_kube_get(k, path, &obj, NULL, &err) == SI_OK) {
		const cJSON *uid = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(obj, "metadata"), "uid");
		if (cJSON_IsString(uid))
			cJSON_AddStringToObject(o, "uid", uid->valuestring);
	} else if (err.code != SI_ERR_NOMEM) {
		log_error("events: cannot read the object they are about; they go without its uid",
			  &err);
	}
	cJSON_Delete(obj);
	return o;
}

/* Posts one Event about `involved`. Failures are logged, never fatal. */
static void post_event(struct si_scan *sc, struct si_kube *k, const cJSON *involved,
		       const char *type, const char *reason, const char *message)
{
	struct timespec now;
	char when[32], name[300], path[300];
	struct tm tm;
	struct si_error err = { 0 };
	/* Events about a cluster-scoped object (a Namespace) belong in the
	 * namespace default, as client-go records them: the API server
	 * refuses them elsewhere. */
	const char *ns = sc->cfg.events_deployment ? sc->cfg.events_namespace : "default";

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* Named as client-go names them: the object's name and the time. */
	snprintf(name, sizeof(name), "%s.%llx",
		 sc->cfg.events_deployment ? sc->cfg.events_deployment : sc->cfg.events_namespace,
		 (unsigned long long)now.tv_sec * 1000000000ull + (unsigned long long)now.tv_nsec);
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/events", ns);

	cJSON *e = cJSON_CreateObject();
	cJSON *meta = cJSON_AddObjectToObject(e, "metadata");
	cJSON *src = cJSON_AddObjectToObject(e, "source");
	cJSON *inv = cJSON_Duplicate(involved, true);
	bool ok = e && meta && src && inv &&
		  cJSON_AddStringToObject(e, "apiVersion", "v1") &&
		  cJSON_AddStringToObject(e, "kind", "Event") &&
		  cJSON_AddStringToObject(meta, "name", name) &&
		  cJSON_AddStringToObject(meta, "namespace", ns) &&
		  cJSON_AddItemToObject(e, "involvedObject", inv) &&
		  cJSON_AddStringToObject(e, "type", type) &&
		  cJSON_AddStringToObject(e, "reason", reason) &&
		  cJSON_AddStringToObject(e, "message", message) &&
		  cJSON_AddStringToObject(src, "component", COMPONENT) &&
		  cJSON_AddStringToObject(src, "host", sc->host) &&
		  cJSON_AddStringToObject(e, "firstTimestamp", when) &&
		  cJSON_AddStringToObject(e, "lastTimestamp", when) &&
		  cJSON_AddNumberToObject(e, "count", 1) &&
		  cJSON_AddStringToObject(e, "reportingComponent", COMPONENT) &&
		  cJSON_AddStringToObject(e, "reportingInstance", sc->instance);
	if (inv && !(e && cJSON_GetObjectItemCaseSensitive(e, "involvedObject") == inv))
		cJSON_Delete(inv);
	if (!ok)
		si_error_set(&err, SI_ERR_NOMEM, path, 0, "out of memory");
	if (!ok || si_kube_create(k, path, e, NULL, NULL, &err)) {
		cJSON *f = cJSON_CreateObject();
		char buf[1024];
		cJSON_AddStringToObject(f, "reason", reason);
		cJSON_AddStringToObject(f, "error", si_error_format(&err, buf, sizeof(buf)));
		si_log("warn", "events: cannot post an Event", f);
	}
	cJSON_Delete(e);
}

static double since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Whether the scan of `term` may go on acting: this replica still leads
 * in that term, and the server is not stopping. */
static bool still_leads(struct si_scan *sc, unsigned long term)
{
	return !atomic_load(&sc->cancel) && si_leader_in_term(sc->cfg.leader, term);
}

/* Writes the PolicyReports of a finished scan; a missing CRD is said once
 * (and again once it comes back and goes). */
static void sync_policy_reports(struct si_scan *sc, struct si_kube *k,
				struct si_policyreports *polr, bool complete, time_t when)
{
	struct si_policyreport_sync o = {
		.kube = k, .owner_namespace = sc->cfg.policy_report_owner,
		.qps = sc->cfg.policy_report_qps, .delete_stale = complete, .when = when,
		.cancel = &sc->cancel, .metrics = sc->metrics,
	};
	struct si_policyreport_sync_stats st;
	struct si_error err = { 0 };
	if (si_policyreport_sync(polr, &o, &st, &err)) {
		log_error("policy reports: not written", &err);
		return;
	}
	if (st.no_crd) {
		if (sc->no_crd != 1)
			si_log("warn", "policy reports: the API server has no PolicyReport CRD "
				       "(wgpolicyk8s.io/v1alpha2); none are written until it has",
			       NULL);
		sc->no_crd = 1;
		return;
	}
	sc->no_crd = 0;
	cJSON *f = cJSON_CreateObject();
	cJSON_AddNumberToObject(f, "namespaces", (double)si_policyreports_namespaces(polr));
	cJSON_AddNumberToObject(f, "found", (double)st.found);
	cJSON_AddNumberToObject(f, "unchanged", (double)st.unchanged);
	cJSON_AddNumberToObject(f, "created", (double)st.created);
	cJSON_AddNumberToObject(f, "updated", (double)st.updated);
	cJSON_AddNumberToObject(f, "deleted", (double)st.deleted);
	cJSON_AddNumberToObject(f, "failed", (double)st.failed);
	si_log(st.failed ? "warn" : "info", "policy reports written", f);
}

static void scan_once(struct si_scan *sc, unsigned long term, const char *why)
{
	struct timespec t0;
	struct si_kube k = { 0 };
	struct si_error err = { 0 };
	struct si_audit a;
	struct si_policy_hold *hold;
	struct si_cluster_stats st = { 0 };
	struct si_scan_figures fig = { 0 };
	struct scan_reports sr = { .fig = &fig, .namespaces = si_namespace_tally_new() };
	cJSON *involved = NULL;
	bool events = sc->cfg.events_namespace != NULL;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (events) {
		if (si_kube_connect(sc->cfg.cluster.kubeconfig, sc->cfg.cluster.context, &k, &err)) {
			log_error("events: no API server to post them to", &err);
			events = false;
		} else {
			k.cancel = &sc->cancel;
			involved = involved_object(sc, &k);
			events = involved != NULL;
		}
	}
	if (events && still_leads(sc, term))
		post_event(sc, &k, involved, "Normal", "SecurityInspectorConfigAuditStart",
			   "Start to running config audit");
	cJSON *why_f = cJSON_CreateObject();
	cJSON_AddStringToObject(why_f, "reason", why);
	si_log("info", "scan started", why_f);

	const struct si_policy *p = si_policy_slot_acquire(sc->slot, &hold);
	si_audit_init(&a, p, NULL);
	a.on_entry = reports_entry;
	a.on_error = note;
	a.ctx = &sr;
	struct si_cluster_options o = sc->cfg.cluster;
	o.cancel = &sc->cancel;
	si_rc rc = si_report_writer_open(sc->store, &sr.w, &err);
	if (!rc && sc->cfg.policy_reports)
		rc = si_policyreports_open(sc->cfg.policy_report_max_bytes, sc->cfg.report_dir,
					   &sr.polr, &err);
	if (rc) {
		log_error("scan abandoned: cannot write its reports", &err);
		goto out;
	}
	rc = si_cluster_scan(&a, &o, &st, &err);
	if (!still_leads(sc, term)) {
		si_log("info", si_leader_in_term(sc->cfg.leader, term)
			       ? "scan cancelled: the server is stopping"
			       : "scan cancelled: this replica no longer leads", NULL);
		goto out;
	}
	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);
	fig.finished_at = (double)wall.tv_sec + (double)wall.tv_nsec / 1e9;
	fig.duration = since(&t0);
	if (rc || (rc = si_audit_finish(&a)) ||
	    (rc = si_report_writer_commit(sr.w, &a, wall.tv_sec,
					  (uint64_t)(fig.duration * 1000 + 0.5), &err))) {
		log_error("scan abandoned; the previous reports stay", &err);
		goto out;
	}
	pthread_mutex_lock(&sc->mu);
	sc->done = true;
	pthread_mutex_unlock(&sc->mu);

	fig.complete = a.n_errors == 0;
	fig.workloads = a.summary.workloads;
	si_metrics_scan(sc->metrics, &fig);
	if (fig.complete)
		record_namespaces(sc, sr.namespaces);

	cJSON *f = cJSON_CreateObject();
	cJSON_AddBoolToObject(f, "complete", fig.complete);
	cJSON_AddNumberToObject(f, "workloads", (double)a.summary.workloads);
	cJSON_AddNumberToObject(f, "failedWorkloads", (double)a.summary.failed_workloads);
	cJSON_AddNumberToObject(f, "dangerFailed", (double)a.summary.danger_failed);
	cJSON_AddNumberToObject(f, "warningFailed", (double)a.summary.warning_failed);
	cJSON_AddNumberToObject(f, "errors", (double)a.n_errors);
	cJSON_AddNumberToObject(f, "listed", (double)st.listed);
	cJSON_AddNumberToObject(f, "seconds", fig.duration);
	si_log("info", "scan finished", f);

	if (sr.polr && still_leads(sc, term)) {
		if (!k.server && si_kube_connect(sc->cfg.cluster.kubeconfig, sc->cfg.cluster.context,
						 &k, &err))
			log_error("policy reports: no API server to write them to", &err);
		else {
			k.cancel = &sc->cancel;
			sync_policy_reports(sc, &k, sr.polr, fig.complete, wall.tv_sec);
		}
	}

	if (events && still_leads(sc, term)) {
		post_event(sc, &k, involved, "Normal", "SecurityInspectorConfigAuditFinished",
			   "Finished running once config audit");
		if (a.summary.danger_failed && still_leads(sc, term)) {
			char msg[128];
			snprintf(msg, sizeof(msg),
				 "%zu high risks have been found after running config audit",
				 a.summary.danger_failed);
			post_event(sc, &k, involved, "Warning",
				   "SecurityInspectorConfigAuditHighRiskFound", msg);
		}
	}
out:
	si_namespace_tally_free(sr.namespaces);
	si_report_writer_free(sr.w);
	si_policyreports_free(sr.polr);
	si_audit_free(&a);
	si_policy_slot_release(hold);
	cJSON_Delete(involved);
	si_kube_free(&k);
}

/* When the scan after one that started at `now` (monotonic) is due: an
 * interval later alone; with a leader, at the next multiple of the
 * interval on the wall clock, the same on every replica, and at least half
 * an interval away. */
static struct timespec next_scan(const struct si_scan *sc, struct timespec now)
{
	double step = (double)sc->cfg.interval;
	if (sc->cfg.leader) {
		struct timespec wall;
		clock_gettime(CLOCK_REALTIME, &wall);
		double w = (double)wall.tv_sec + (double)wall.tv_nsec / 1e9;
		double tick = ((double)(long long)(w / sc->cfg.interval) + 1) * sc->cfg.interval;
		if (tick - w < step / 2)
			tick += sc->cfg.interval;
		step = tick - w;
	}
	time_t whole = (time_t)step;
	now.tv_sec += whole;
	now.tv_nsec += (long)((step - (double)whole) * 1e9);
	if (now.tv_nsec >= 1000000000L) {
		now.tv_sec++;
		now.tv_nsec -= 1000000000L;
	}
	return now;
}

/* Told by the election: a scan of a term that ended is cancelled; a new
 * term may start one. */
static void on_leader(void *ctx, bool leading, unsigned long term)
{
	struct si_scan *sc = ctx;
	(void)term;
	pthread_mutex_lock(&sc->mu);
	if (!leading)
		atomic_store(&sc->cancel, true);
	pthread_cond_signal(&sc->wake);
	pthread_mutex_unlock(&sc->mu);
}

bool si_scan_inspect_now(struct si_scan *sc, time_t *since)
{
	pthread_mutex_lock(&sc->mu);
	bool start = !sc->running && !sc->asked;
	if (start) {
		sc->asked = true;
		sc->since = time(NULL);
		pthread_cond_signal(&sc->wake);
	}
	*since = sc->since;
	pthread_mutex_unlock(&sc->mu);
	return start;
}

/* Waits on `wake` at most `seconds` (the wall clock may move meanwhile). */
static void wait_seconds(struct si_scan *sc, struct timespec now, long seconds)
{
	struct timespec t = { now.tv_sec + seconds, now.tv_nsec };
	pthread_cond_timedwait(&sc->wake, &sc->mu, &t);
}

static void *run(void *arg)
{
	struct si_scan *sc = arg;
	struct timespec next;
	unsigned long tried = ULONG_MAX;   /* the last term with a scan started */
	const struct si_cron *cron = sc->cfg.schedule;
	/* With a schedule: the wall-clock instant of the next scheduled scan
	 * (-1: none within the years si_cron_next() looks at). */
	time_t due = cron ? si_cron_next(cron, time(NULL)) : 0;

	/* When CPU is short, admission requests go first. */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), SCAN_NICE);

	clock_gettime(CLOCK_MONOTONIC, &next);
	pthread_mutex_lock(&sc->mu);
	while (!sc->stop) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		unsigned long term = si_leader_term(sc->cfg.leader);
		if (!si_leader_in_term(sc->cfg.leader, term)) {
			/* Not leading: woken when that changes. */
			sc->asked = false;
			wait_seconds(sc, now, 1);
			continue;
		}
		bool first = term != tried && !sc->done, asked = sc->asked;
		time_t wall = time(NULL);
		if (!first && !asked && cron && (due == (time_t)-1 || wall < due)) {
			/* A minute at most, so that a step of the wall clock is
			 * seen within one. */
			long left = due == (time_t)-1 ? 3600 : (long)(due - wall);
			wait_seconds(sc, now, left < 60 ? left : 60);
			continue;
		}
		if (!first && !asked && !cron &&
		    (now.tv_sec < next.tv_sec ||
		     (now.tv_sec == next.tv_sec && now.tv_nsec < next.tv_nsec))) {
			pthread_cond_timedwait(&sc->wake, &sc->mu, &next);
			continue;
		}
		tried = term;
		/* Under mu, after `stop` was read: si_scan_stop() sets
		 * both under mu, and the election tells of a lost term under
		 * mu too, so neither is undone here. */
		atomic_store(&sc->cancel, false);
		sc->asked = false;
		sc->running = true;
		if (!asked)
			sc->since = wall;
		pthread_mutex_unlock(&sc->mu);
		if (cron && due != (time_t)-1 && due <= wall)
			due = si_cron_next(cron, wall > due ? wall : due);
		else if (!cron)
			next = next_scan(sc, now);
		scan_once(sc, term, asked ? "requested" : first ? "first" : "scheduled");
#ifdef __GLIBC__
		/* The scan's memory goes back to the system until the next. */
		malloc_trim(0);
#endif
		pthread_mutex_lock(&sc->mu);
		sc->running = false;
	}
	pthread_mutex_unlock(&sc->mu);
	return NULL;
}

si_rc si_scan_start(const struct si_scan_config *cfg, struct si_policy_slot *slot,
			 struct si_metrics *metrics, struct si_scan **out,
			 struct si_error *err)
{
	struct si_scan *sc = calloc(1, sizeof(*sc));
	if (sc)
		sc->no_crd = -1;
	pthread_condattr_t ca;

	*out = NULL;
	if (!sc)
		return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	si_rc rc = si_kube_global_init(err);
	if (rc) {
		free(sc);
		return rc;
	}
	sc->cfg = *cfg;
	if ((rc = si_report_store_open(cfg->report_dir, &sc->store, err))) {
		free(sc);
		return rc;
	}
	sc->slot = slot;
	sc->metrics = metrics;
	if (gethostname(sc->host, sizeof(sc->host) - 1) != 0)
		snprintf(sc->host, sizeof(sc->host), "%s", COMPONENT);
	sc->instance = cfg->leader ? si_leader_identity(cfg->leader) : sc->host;
	pthread_mutex_init(&sc->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&sc->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&sc->thread, NULL, run, sc) != 0) {
		pthread_cond_destroy(&sc->wake);
		pthread_mutex_destroy(&sc->mu);
		si_report_store_free(sc->store);
		free(sc);
		return si_error_set(err, SI_ERR_IO, NULL, 0, "cannot start the scan thread");
	}
	if (cfg->leader && !si_leader_watch(cfg->leader, on_leader, sc)) {
		si_scan_stop(sc);
		return si_error_set(err, SI_ERR_LIMIT, NULL, 0,
				    "the leader election takes no more watchers");
	}
	*out = sc;
	return SI_OK;
}

void si_scan_stop(struct si_scan *sc)
{
	if (!sc)
		return;
	pthread_mutex_lock(&sc->mu);
	atomic_store(&sc->cancel, true);
	sc->stop = true;
	pthread_cond_signal(&sc->wake);
	pthread_mutex_unlock(&sc->mu);
	pthread_join(sc->thread, NULL);
	si_report_store_free(sc->store);
	pthread_cond_destroy(&sc->wake);
	pthread_mutex_destroy(&sc->mu);
	free(sc);
}

static int open_report(void *ctx, enum si_http_report f, size_t *size)
{
	return si_scan_open_report(ctx, f, size);
}

static bool inspect_now(void *ctx, time_t *since)
{
	return si_scan_inspect_now(ctx, since);
}

/* Renders a page of the latest report for the server: 400 for a bad
 * query, 503 before the first report, 404 for a page or workload it does
 * not have. */
static void page(void *ctx, const char *path, const char *const *query,
		 struct si_http_page *out)
{
	struct si_scan *sc = ctx;
	struct si_page_query q;
	struct si_error err = { 0 };
	const struct si_report_files *f = NULL;
	FILE *m = NULL;

	memset(out, 0, sizeof(*out));
	si_rc rc = si_page_query_parse(path, query, &q, &err);
	if (!rc && !(f = si_report_store_acquire(sc->store))) {
		out->status = 503;
		snprintf(out->error, sizeof(out->error),
			 "the first scan of the cluster has not finished yet");
		return;
	}
	if (!rc && !(m = open_memstream(&out->body, &out->len)))
		rc = si_error_set(&err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	if (!rc)
		rc = strcmp(path, "/report") == 0 ? si_page_list(f, &q, m, &err)
						  : si_page_workload(f, q.id, m, &err);
	if (m && fclose(m) != 0 && !rc)
		rc = si_error_set(&err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	if (f)
		si_report_store_release(sc->store, f);
	if (!rc) {
		out->status = 200;
		out->csp = si_page_csp();
		return;
	}
	free(out->body);
	out->body = NULL;
	out->len = 0;
	out->status = rc == SI_ERR_USAGE ? 400 : rc == SI_ERR_INVALID ? 404
		      : rc == SI_ERR_NOMEM ? 503 : 500;
	snprintf(out->error, sizeof(out->error), "%s", err.message);
	if (out->status == 500) {
		log_error("report page: cannot read the latest report", &err);
		snprintf(out->error, sizeof(out->error), "cannot read the latest report");
	}
}

void si_scan_http_reports(struct si_scan *sc, struct si_http_reports *out)
{
	*out = (struct si_http_reports){ open_report, page, inspect_now, sc };
}

/* The preview of a Namespace write that turns enforce on (admission.h):
 * the namespace's workloads, listed with the scan's access and read rights.
 * An admission request waits for it, in a server thread: a few seconds in
 * all, whatever the API server does. */
#define PREVIEW_BUDGET_SECONDS 3
#define PREVIEW_PAGE_SIZE 100

static si_rc list_namespace(void *ctx, const char *ns, const struct si_policy *p,
			    si_audit_entry_fn fn, void *fn_ctx, struct si_error *err)
{
	struct si_scan *sc = ctx;
	struct si_cluster_options o = sc->cfg.cluster;
	struct si_cluster_stats st = { 0 };
	struct si_audit a;

	o.namespace = ns;
	o.kind = NULL;
	o.cancel = NULL;           /* the scan's own: a scan's end is not ours */
	o.page_size = PREVIEW_PAGE_SIZE;
	o.budget_seconds = PREVIEW_BUDGET_SECONDS;
	si_audit_init(&a, p, NULL);
	a.on_entry = fn;
	a.ctx = fn_ctx;
	si_rc rc = si_cluster_scan(&a, &o, &st, err);
	if (rc == SI_OK && !st.complete) {
		rc = SI_ERR_IO;
		if (a.n_errors_listed)
			*err = a.errors[0];
		else
			si_error_set(err, rc, NULL, 0, "the list is incomplete");
	}
	si_audit_free(&a);
	return rc;
}

void si_scan_admission_lister(struct si_scan *sc, struct si_admission_lister *out)
{
	*out = (struct si_admission_lister){ list_namespace, sc };
}
