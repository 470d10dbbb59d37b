// SPDX-License-Identifier: Apache-2.0
// Webhook counters (C11 atomics) and their Prometheus text exposition.
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "security-inspector/workload.h"

/* Kinds with their own label value; others count as "other". */
static const char *const kinds[] = {
	"Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob",
	"ReplicationController", "RoleBinding", "ClusterRoleBinding", "other",
};
#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))
#define N_MODES 4

static const double buckets[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
				  0.25, 0.5, 1 };
#define N_BUCKETS (sizeof(buckets) / sizeof(buckets[0]))

static const int http_codes[] = { 400, 404, 405, 413, 415, 500, 502, 503, 504 };
#define N_CODES (sizeof(http_codes) / sizeof(http_codes[0]))

struct si_metrics {
	atomic_ulong requests[N_MODES][2][N_KINDS];   /* [mode][allowed][kind] */
	atomic_ulong inspected[N_MODES];
	atomic_ulong item_failures[SI_ITEM_COUNT];
	atomic_ulong latency_buckets[N_BUCKETS];
	atomic_ulong latency_count;
	atomic_ulong latency_sum_us;
	atomic_ulong http_errors[N_CODES];
	atomic_ulong reloads[2][2];                    /* [what][ok] */
	atomic_ulong refused;
	atomic_ulong timeouts;
	atomic_ulong handshake_failures;
	atomic_llong cert_not_after;                   /* 0: not known */
	atomic_ulong vwc_writes[2];                    /* [ok] */
	atomic_bool namespaces_known;                  /* the reconciler counted them */
	atomic_ulong namespaces[N_MODES];
	atomic_ulong namespaces_unknown;
	atomic_ulong namespaces_unnamed;
	atomic_ulong cert_rotations;
	atomic_ulong cert_check_failures;
	atomic_int leading;                            /* -1: no election, else 0 or 1 */
	atomic_ulong leader_changes;
	atomic_ulong report_writes[3][2];              /* [operation][ok] */
	pthread_mutex_t scan_mu;                       /* guards the rest */
	unsigned long scans[2];                        /* [complete] */
	struct si_scan_figures last_scan;
	bool namespaces_scanned;                       /* a complete scan counted them */
	struct si_namespace_failures *ns_rows;         /* the series, in order */
	size_t n_ns_rows;
	size_t ns_failing;
};

struct si_metrics *si_metrics_new(void)
{
	struct si_metrics *m = calloc(1, sizeof(struct si_metrics));
	if (m) {
		pthread_mutex_init(&m->scan_mu, NULL);
		atomic_init(&m->leading, -1);
	}
	return m;
}

void si_metrics_free(struct si_metrics *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->scan_mu);
	free(m->ns_rows);
	free(m);
}

void si_metrics_scan(struct si_metrics *m, const struct si_scan_figures *f)
{
	pthread_mutex_lock(&m->scan_mu);
	m->scans[f->complete]++;
	m->last_scan = *f;
	pthread_mutex_unlock(&m->scan_mu);
}

void si_metrics_scan_namespaces(struct si_metrics *m, struct si_namespace_failures *rows,
				size_t n, size_t failing)
{
	pthread_mutex_lock(&m->scan_mu);
	struct si_namespace_failures *old = m->ns_rows;
	m->ns_rows = rows;
	m->n_ns_rows = n;
	m->ns_failing = failing;
	m->namespaces_scanned = true;
	pthread_mutex_unlock(&m->scan_mu);
	free(old);
}

void si_metrics_policyreport_write(struct si_metrics *m, enum si_metrics_write op, bool ok)
{
	atomic_fetch_add(&m->report_writes[op][ok], 1);
}

static size_t kind_index(const char *kind)
{
	for (size_t i = 0; i + 1 < N_KINDS; i++)
		if (strcmp(kinds[i], kind) == 0)
			return i;
	return N_KINDS - 1;
}

void si_metrics_admission(struct si_metrics *m, const struct si_admission_answer *a,
			  double seconds)
{
	atomic_fetch_add(&m->requests[a->mode][a->allowed][kind_index(a->kind)], 1);
	if (a->inspected)
		atomic_fetch_add(&m->inspected[a->mode], 1);
	for (size_t i = 0; i < SI_ITEM_COUNT; i++)
		if (a->failed[i])
			atomic_fetch_add(&m->item_failures[i], 1);
	for (size_t b = 0; b < N_BUCKETS; b++)
		if (seconds <= buckets[b]) {
			atomic_fetch_add(&m->latency_buckets[b], 1);
			break;
		}
	atomic_fetch_add(&m->latency_count, 1);
	atomic_fetch_add(&m->latency_sum_us, (unsigned long)(seconds * 1e6));
}

void si_metrics_http_error(struct si_metrics *m, int status)
{
	for (size_t i = 0; i < N_CODES; i++)
		if (http_codes[i] == status)
			atomic_fetch_add(&m->http_errors[i], 1);
}

void si_metrics_reload(struct si_metrics *m, enum si_reload_what what, bool ok)
{
	atomic_fetch_add(&m->reloads[what][ok], 1);
}

void si_metrics_connection_refused(struct si_metrics *m)
{
	atomic_fetch_add(&m->refused, 1);
}

void si_metrics_request_timeout(struct si_metrics *m)
{
	atomic_fetch_add(&m->timeouts, 1);
}

void si_metrics_certificate(struct si_metrics *m, time_t not_after)
{
	atomic_store(&m->cert_not_after, (long long)not_after);
}

void si_metrics_webhook_config(struct si_metrics *m, bool ok)
{
	atomic_fetch_add(&m->vwc_writes[ok], 1);
}

void si_metrics_namespaces(struct si_metrics *m, const size_t by_mode[4], size_t unknown_label,
			   size_t no_name_label)
{
	atomic_store(&m->namespaces_unnamed, no_name_label);
	for (size_t i = 0; i < N_MODES; i++)
		atomic_store(&m->namespaces[i], by_mode[i]);
	atomic_store(&m->namespaces_unknown, unknown_label);
	atomic_store(&m->namespaces_known, true);
}

void si_metrics_cert_check(struct si_metrics *m, bool rotated, bool ok)
{
	if (rotated)
		atomic_fetch_add(&m->cert_rotations, 1);
	if (!ok)
		atomic_fetch_add(&m->cert_check_failures, 1);
}

void si_metrics_handshake_failed(struct si_metrics *m)
{
	atomic_fetch_add(&m->handshake_failures, 1);
}

void si_metrics_leader(struct si_metrics *m, bool leading)
{
	int was = atomic_exchange(&m->leading, leading ? 1 : 0);
	if (was >= 0 && was != (leading ? 1 : 0))
		atomic_fetch_add(&m->leader_changes, 1);
}

struct text {
	char *buf;
	size_t len, cap;
	bool nomem;
};

__attribute__((format(printf, 2, 3)))
static void put(struct text *t, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = t->nomem ? 0 : vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (t->nomem || n < 0)
			return;
		if ((size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = (t->cap + (size_t)n) * 2;
		char *b = realloc(t->buf, cap);
		if (!b) {
			t->nomem = true;
			return;
		}
		t->buf = b;
		t->cap = cap;
	}
}

/* The figures of the scheduled scans. */
static void render_scan(struct si_metrics *m, struct text *t)
{
	pthread_mutex_lock(&m->scan_mu);
	unsigned long scans[2] = { m->scans[0], m->scans[1] };
	struct si_scan_figures f = m->last_scan;
	pthread_mutex_unlock(&m->scan_mu);

	put(t, "# HELP security_inspector_scans_total Scheduled scans of the cluster "
	       "(--inspect-interval), by result.\n"
	       "# TYPE security_inspector_scans_total counter\n"
	       "security_inspector_scans_total{result=\"complete\"} %lu\n"
	       "security_inspector_scans_total{result=\"incomplete\"} %lu\n", scans[1], scans[0]);
	if (!scans[0] && !scans[1])
		return;
	put(t, "# HELP security_inspector_scan_last_timestamp_seconds When the last scan "
	       "finished (Unix time).\n"
	       "# TYPE security_inspector_scan_last_timestamp_seconds gauge\n"
	       "security_inspector_scan_last_timestamp_seconds %.3f\n"
	       "# HELP security_inspector_scan_duration_seconds How long the last scan took.\n"
	       "# TYPE security_inspector_scan_duration_seconds gauge\n"
	       "security_inspector_scan_duration_seconds %.3f\n"
	       "# HELP security_inspector_scan_complete Whether the last scan listed everything "
	       "(0: its report is incomplete).\n"
	       "# TYPE security_inspector_scan_complete gauge\n"
	       "security_inspector_scan_complete %d\n"
	       "# HELP security_inspector_scan_workloads Workloads and bindings the last scan "
	       "inspected.\n"
	       "# TYPE security_inspector_scan_workloads gauge\n"
	       "security_inspector_scan_workloads %zu\n",
	    f.finished_at, f.duration, f.complete ? 1 : 0, f.workloads);
	put(t, "# HELP security_inspector_scan_failures Failed (not whitelisted) results of "
	       "the last scan, by item and the severity the policy gives it.\n"
	       "# TYPE security_inspector_scan_failures gauge\n");
	for (size_t i = 0; i < SI_ITEM_COUNT; i++)
		for (int sev = SI_SEVERITY_WARNING; sev <= SI_SEVERITY_DANGER; sev++)
			put(t, "security_inspector_scan_failures{check=\"%s\",category=\"%s\","
			       "severity=\"%s\"} %zu\n", si_items[i].name,
			    si_category_name(si_items[i].category),
			    si_severity_name((enum si_severity)sev), f.failures[i][sev]);
	pthread_mutex_lock(&m->scan_mu);
	bool counted = m->namespaces_scanned;
	size_t failing = m->ns_failing;
	pthread_mutex_unlock(&m->scan_mu);
	if (counted)
		put(t, "# HELP security_inspector_scan_namespaces_failing Namespaces with a failed "
		       "result in the last complete scan (their series, which name them, are at "
		       "/metrics/namespaces).\n"
		       "# TYPE security_inspector_scan_namespaces_failing gauge\n"
		       "security_inspector_scan_namespaces_failing %zu\n", failing);
}

/* The writes of PolicyReports by the scans, from start: every operation. */
static void render_policyreport_writes(struct si_metrics *m, struct text *t)
{
	static const char *const ops[] = { "create", "update", "delete" };
	put(t, "# HELP security_inspector_policyreport_writes_total Writes of PolicyReports and "
	       "ClusterPolicyReports by the scans, by operation, failed ones included.\n"
	       "# TYPE security_inspector_policyreport_writes_total counter\n");
	for (size_t op = 0; op < 3; op++)
		put(t, "security_inspector_policyreport_writes_total{operation=\"%s\"} %lu\n", ops[op],
		    atomic_load(&m->report_writes[op][0]) + atomic_load(&m->report_writes[op][1]));
	put(t, "# HELP security_inspector_policyreport_write_failures_total Writes of "
	       "PolicyReports and ClusterPolicyReports that the API server refused or that "
	       "could not reach it, by operation.\n"
	       "# TYPE security_inspector_policyreport_write_failures_total counter\n");
	for (size_t op = 0; op < 3; op++)
		put(t, "security_inspector_policyreport_write_failures_total{operation=\"%s\"} %lu\n",
		    ops[op], atomic_load(&m->report_writes[op][0]));
}

/* `in` as a label value: backslash, double quote and newline escaped. */
static void label_value(const char *in, char *out, size_t size)
{
	size_t n = 0;
	for (; *in && n + 3 < size; in++) {
		char ch = *in == '\n' ? 'n' : *in;
		if (*in == '\\' || *in == '"' || *in == '\n')
			out[n++] = '\\';
		out[n++] = ch;
	}
	out[n] = '\0';
}

char *si_metrics_render_namespaces(struct si_metrics *m, size_t *len)
{
	struct text t = { malloc(4096), 0, 4096, false };
	char ns[2 * sizeof(m->ns_rows->namespace) + 1];
	if (!t.buf)
		return NULL;
	put(&t, "# HELP security_inspector_scan_namespace_failures Failed (not whitelisted) "
		"results of the last complete scan per namespace (\"\": cluster-scoped objects) "
		"and severity; the namespaces past --metrics-max-namespaces summed as "
		"\"" SI_METRICS_OTHER_NAMESPACES "\".\n"
		"# TYPE security_inspector_scan_namespace_failures gauge\n");
	pthread_mutex_lock(&m->scan_mu);
	for (size_t i = 0; i < m->n_ns_rows; i++) {
		const struct si_namespace_failures *r = &m->ns_rows[i];
		label_value(r->namespace, ns, sizeof(ns));
		for (int sev = SI_SEVERITY_DANGER; sev >= SI_SEVERITY_WARNING; sev--)
			put(&t, "security_inspector_scan_namespace_failures{namespace=\"%s\","
				"severity=\"%s\"} %zu\n", ns, si_severity_name((enum si_severity)sev),
			    r->failures[sev]);
	}
	pthread_mutex_unlock(&m->scan_mu);
	if (t.nomem) {
		free(t.buf);
		return NULL;
	}
	*len = t.len;
	return t.buf;
}

char *si_metrics_render(struct si_metrics *m, const struct si_metrics_gauges *g, size_t *len)
{
	struct text t = { malloc(8192), 0, 8192, false };
	if (!t.buf)
		return NULL;
	static const char *const modes[] = { "off", "audit", "warn", "enforce" };

	put(&t, "# HELP security_inspector_admission_requests_total AdmissionReview requests answered, "
		"by mode, decision and kind.\n"
		"# TYPE security_inspector_admission_requests_total counter\n");
	for (size_t mo = 0; mo < N_MODES; mo++)
		for (size_t al = 0; al < 2; al++)
			for (size_t k = 0; k < N_KINDS; k++) {
				unsigned long v = atomic_load(&m->requests[mo][al][k]);
				if (v)
					put(&t, "security_inspector_admission_requests_total{mode=\"%s\","
						"decision=\"%s\",kind=\"%s\"} %lu\n", modes[mo],
					    al ? "allowed" : "denied", kinds[k], v);
			}
	put(&t, "# HELP security_inspector_admission_inspected_total Requests whose object "
		"was inspected, by mode.\n"
		"# TYPE security_inspector_admission_inspected_total counter\n");
	for (size_t mo = 0; mo < N_MODES; mo++)
		put(&t, "security_inspector_admission_inspected_total{mode=\"%s\"} %lu\n", modes[mo],
		    atomic_load(&m->inspected[mo]));
	put(&t, "# HELP security_inspector_check_failures_total Failed (not whitelisted) "
		"inspection items in admission requests.\n"
		"# TYPE security_inspector_check_failures_total counter\n");
	for (size_t i = 0; i < SI_ITEM_COUNT; i++)
		put(&t, "security_inspector_check_failures_total{check=\"%s\",category=\"%s\"} %lu\n",
		    si_items[i].name, si_category_name(si_items[i].category),
		    atomic_load(&m->item_failures[i]));
	put(&t, "# HELP security_inspector_admission_duration_seconds Time from the first byte "
		"of a request body to its answer.\n"
		"# TYPE security_inspector_admission_duration_seconds histogram\n");
	unsigned long cum = 0;
	for (size_t b = 0; b < N_BUCKETS; b++) {
		cum += atomic_load(&m->latency_buckets[b]);
		put(&t, "security_inspector_admission_duration_seconds_bucket{le=\"%g\"} %lu\n",
		    buckets[b], cum);
	}
	unsigned long count = atomic_load(&m->latency_count);
	put(&t, "security_inspector_admission_duration_seconds_bucket{le=\"+Inf\"} %lu\n"
		"security_inspector_admission_duration_seconds_sum %.6f\n"
		"security_inspector_admission_duration_seconds_count %lu\n",
	    count, (double)atomic_load(&m->latency_sum_us) / 1e6, count);
	put(&t, "# HELP security_inspector_http_errors_total HTTP answers other than 200, "
		"by status code.\n"
		"# TYPE security_inspector_http_errors_total counter\n");
	for (size_t i = 0; i < N_CODES; i++)
		put(&t, "security_inspector_http_errors_total{code=\"%d\"} %lu\n", http_codes[i],
		    atomic_load(&m->http_errors[i]));
	put(&t, "# HELP security_inspector_reloads_total Reloads of the policy and the "
		"certificate, by result.\n"
		"# TYPE security_inspector_reloads_total counter\n");
	static const char *const what[] = { "policy", "certificate" };
	for (size_t w = 0; w < 2; w++)
		for (size_t ok = 0; ok < 2; ok++)
			put(&t, "security_inspector_reloads_total{what=\"%s\",result=\"%s\"} %lu\n",
			    what[w], ok ? "success" : "failure", atomic_load(&m->reloads[w][ok]));
	put(&t, "# HELP security_inspector_requests_in_flight Requests being handled now.\n"
		"# TYPE security_inspector_requests_in_flight gauge\n"
		"security_inspector_requests_in_flight %ld\n", g->in_flight);
	put(&t, "# HELP security_inspector_connections Connections open now.\n"
		"# TYPE security_inspector_connections gauge\n"
		"security_inspector_connections %ld\n", g->connections);
	put(&t, "# HELP security_inspector_connections_refused_total Connections closed as "
		"soon as accepted: --max-connections and its reserve were full.\n"
		"# TYPE security_inspector_connections_refused_total counter\n"
		"security_inspector_connections_refused_total %lu\n", atomic_load(&m->refused));
	put(&t, "# HELP security_inspector_request_timeouts_total Requests whose handshake and "
		"headers, or body, took longer than --request-timeout; their connection was "
		"closed.\n"
		"# TYPE security_inspector_request_timeouts_total counter\n"
		"security_inspector_request_timeouts_total %lu\n", atomic_load(&m->timeouts));
	long long not_after = atomic_load(&m->cert_not_after);
	if (not_after)
		put(&t, "# HELP security_inspector_certificate_expiry_timestamp_seconds When the "
			"serving certificate in use expires (Unix time).\n"
			"# TYPE security_inspector_certificate_expiry_timestamp_seconds gauge\n"
			"security_inspector_certificate_expiry_timestamp_seconds %lld\n", not_after);
	put(&t, "# HELP security_inspector_certificate_rotations_total New serving certificates "
		"put in use after start-up, taken from the certificate Secret (--manage-certs).\n"
		"# TYPE security_inspector_certificate_rotations_total counter\n"
		"security_inspector_certificate_rotations_total %lu\n"
		"# HELP security_inspector_certificate_check_failures_total Looks at the "
		"certificate Secret that failed: API server unreachable, a write refused, a "
		"Secret that does not parse.\n"
		"# TYPE security_inspector_certificate_check_failures_total counter\n"
		"security_inspector_certificate_check_failures_total %lu\n",
	    atomic_load(&m->cert_rotations), atomic_load(&m->cert_check_failures));
	put(&t, "# HELP security_inspector_tls_handshake_failures_total Connections closed "
		"before their TLS handshake completed.\n"
		"# TYPE security_inspector_tls_handshake_failures_total counter\n"
		"security_inspector_tls_handshake_failures_total %lu\n",
	    atomic_load(&m->handshake_failures));
	if (atomic_load(&m->vwc_writes[0]) || atomic_load(&m->vwc_writes[1]) ||
	    atomic_load(&m->namespaces_known))
		put(&t, "# HELP security_inspector_webhook_configuration_writes_total Updates of "
			"the ValidatingWebhookConfiguration by this replica, by result.\n"
			"# TYPE security_inspector_webhook_configuration_writes_total counter\n"
			"security_inspector_webhook_configuration_writes_total{result=\"success\"} %lu\n"
			"security_inspector_webhook_configuration_writes_total{result=\"failure\"} %lu\n",
		    atomic_load(&m->vwc_writes[1]), atomic_load(&m->vwc_writes[0]));
	if (atomic_load(&m->namespaces_known)) {
		put(&t, "# HELP security_inspector_namespaces Namespaces by the mode they resolve "
			"to (policy rule, else label, else default), as the webhook configuration "
			"was last built.\n"
			"# TYPE security_inspector_namespaces gauge\n");
		for (size_t mo = 0; mo < N_MODES; mo++)
			put(&t, "security_inspector_namespaces{mode=\"%s\"} %lu\n", modes[mo],
			    atomic_load(&m->namespaces[mo]));
		put(&t, "# HELP security_inspector_namespaces_unknown_mode_label Namespaces whose "
			"security-inspector.io/mode label is not a mode (they get the default).\n"
			"# TYPE security_inspector_namespaces_unknown_mode_label gauge\n"
			"security_inspector_namespaces_unknown_mode_label %lu\n",
		    atomic_load(&m->namespaces_unknown));
		put(&t, "# HELP security_inspector_namespaces_without_name_label Namespaces without "
			"a kubernetes.io/metadata.name label equal to their name (clusters before "
			"Kubernetes 1.21): the webhook configuration cannot select them by name.\n"
			"# TYPE security_inspector_namespaces_without_name_label gauge\n"
			"security_inspector_namespaces_without_name_label %lu\n",
		    atomic_load(&m->namespaces_unnamed));
	}
	int leading = atomic_load(&m->leading);
	if (leading >= 0)
		put(&t, "# HELP security_inspector_leader Whether this replica leads (leader "
			"election): it scans and serves the reports.\n"
			"# TYPE security_inspector_leader gauge\n"
			"security_inspector_leader %d\n"
			"# HELP security_inspector_leader_transitions_total Times this replica "
			"became leader or stopped leading.\n"
			"# TYPE security_inspector_leader_transitions_total counter\n"
			"security_inspector_leader_transitions_total %lu\n",
		    leading, atomic_load(&m->leader_changes));
	render_policyreport_writes(m, &t);
	render_scan(m, &t);
	if (t.nomem) {
		free(t.buf);
		return NULL;
	}
	*len = t.len;
	return t.buf;
}
