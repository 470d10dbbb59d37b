// SPDX-License-Identifier: Apache-2.0
// The HTTPS server on libmicrohttpd (and its GnuTLS): routing, TLS
// certificates swapped without a restart, body and connection limits,
// timeouts, and the drain (SIGTERM) that lets the requests in flight finish.
#include <arpa/inet.h>
#include <errno.h>
#include <linux/tcp.h>
#include <stdarg.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>

#include "admission.h"
#include "http_server.h"
#include "log.h"

#define MAX_CHAIN 8
/* TLS 1.3, and TLS 1.2 with ECDHE and AEAD ciphers only (as Mozilla's
 * "intermediate" profile and the API server's defaults): no CBC, no SHA-1
 * MACs, no static RSA key exchange. */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:" \
	"+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA"

/* Connections taken beyond --max-connections, for health checks and
 * metrics only: every other request on them gets 503, and they are closed
 * after RESERVE_TIMEOUT silent seconds. Past the reserve, connections are
 * closed as soon as they are accepted. */
#define RESERVE_CONNECTIONS 16
#define RESERVE_TIMEOUT 2

/* Failed TLS handshakes are counted, and logged at most once a minute. */
#define HANDSHAKE_LOG_EVERY 60

/* How often the header watchdog looks at the connections waiting for a
 * request, in milliseconds. */
#define WATCH_EVERY_MS 250

/* One open connection. libmicrohttpd's idle timeout restarts with every
 * byte, so a client that trickles its TLS handshake or its headers a byte
 * at a time would keep a slot for ever: the watchdog tells from the
 * kernel's count of bytes received when a connection that is not in a
 * request (on a new connection: the handshake; on a kept-alive one: the
 * next request's headers) starts receiving, and shuts down the socket when
 * the headers are not all there within --request-timeout. */
struct conn {
	struct conn *prev, *next;
	int fd;
	bool reserve;                /* past --max-connections: health checks only */
	atomic_bool in_request;      /* headers received, until the answer is sent */
	atomic_uint finished;        /* requests finished on the connection */
	/* The watchdog's own view, under conns_mu. */
	unsigned seen_finished;
	uint64_t bytes_at_wait;      /* bytes received when the wait for a request began */
	struct timespec first_byte;  /* when more came; tv_sec 0: none yet */
	bool cut;
};

/* A certificate chain and key as GnuTLS serves them. Replaced ones are kept
 * until the server stops: a handshake may still be using them. */
struct creds {
	gnutls_pcert_st pcerts[MAX_CHAIN];
	unsigned n;
	gnutls_privkey_t key;
	char pin[64];                /* "sha256//..." of the certificate's public key; */
				     /* "" when it cannot be had */
	struct creds *retired;
};

struct si_http_server {
	struct si_http_config cfg;
	struct MHD_Daemon *daemon;
	int listen_fd;
	struct si_policy_slot *policy;
	struct si_metrics *metrics;
	struct si_limits limits;
	_Atomic(struct creds *) creds;
	pthread_mutex_t creds_mu;        /* serializes swaps */
	atomic_long in_flight;
	atomic_long connections;
	atomic_ulong handshakes_unlogged;
	atomic_llong handshakes_logged_at;
	atomic_bool draining;
	atomic_bool closing;             /* no new request is taken */
	atomic_long suspended;           /* connections waiting for the guard or the leader */
	pthread_mutex_t conns_mu;        /* the list of connections */
	struct conn *conns;
	pthread_t watchdog;
	bool watchdog_started;
	pthread_mutex_t watch_mu;        /* with watch_cv: the watchdog's sleep */
	pthread_cond_t watch_cv;
	bool watch_stop;
};

/* GnuTLS's certificate callback carries no user pointer: one server per
 * process. */
static struct si_http_server *the_server;

/* One request's state, from its first callback to its completion: a
 * review, or a GET of a guarded route. */
struct request {
	bool guarded;
	/* A guarded GET: its verdict (-1 while the guard checks it) and its
	 * connection, suspended meanwhile. */
	atomic_int verdict;
	bool suspended;
	struct MHD_Connection *conn;
	/* A report request forwarded to the leader, and its answer (set
	 * before the connection resumes). */
	bool forwarded;
	struct si_http_relayed answer;
	/* A review. */
	char *body;
	size_t len, cap;
	bool too_big;
	bool timed_out;
	bool has_mode;
	enum si_mode mode;
	struct timespec start;
};

/* The state of a request to another route than /validate: none, only the
 * note that its answer is due. */
static struct request answer_next;

/* Whether the reports of scheduled scans are served. */
static bool has_reports(const struct si_http_server *s)
{
	return s->cfg.reports.open != NULL;
}

/* The report's pages, rendered for each request. */
static bool is_page(const char *url)
{
	return strcmp(url, "/report") == 0 || strcmp(url, "/report/workload") == 0;
}

/* The report's pages and files, guarded and served by the leader. */
static bool is_report(const char *url)
{
	return is_page(url) || strcmp(url, "/report.json") == 0 ||
	       strcmp(url, "/report.html") == 0;
}

/* The failures per namespace of the last complete scan, as metrics: they
 * name namespaces, so they are guarded like the reports; each replica
 * serves its own (Prometheus scrapes every replica). */
#define NAMESPACE_METRICS_PATH "/metrics/namespaces"

static bool is_namespace_metrics(const char *url)
{
	return strcmp(url, NAMESPACE_METRICS_PATH) == 0;
}

/* The routes a GET of which the guard must allow. */
static bool is_guarded(const struct si_http_server *s, const char *url)
{
	return has_reports(s) && (is_report(url) || is_namespace_metrics(url));
}

/* Whether this replica serves the reports itself: it leads, or there is
 * no election. */
static bool leads(const struct si_http_server *s)
{
	return !s->cfg.leader.leads || s->cfg.leader.leads(s->cfg.leader.ctx);
}

static void creds_free(struct creds *c)
{
	while (c) {
		struct creds *next = c->retired;
		for (unsigned i = 0; i < c->n; i++)
			gnutls_pcert_deinit(&c->pcerts[i]);
		if (c->key)
			gnutls_privkey_deinit(c->key);
		free(c);
		c = next;
	}
}

/* The pin of the certificate's public key, as curl takes it: "sha256//"
 * and the base64 of the SHA-256 of its DER SubjectPublicKeyInfo. */
static void key_pin(const gnutls_pcert_st *pc, char *buf, size_t size)
{
	unsigned char id[32];
	size_t len = sizeof(id);
	gnutls_datum_t b64 = { NULL, 0 };

	buf[0] = '\0';
	if (gnutls_pubkey_get_key_id(pc->pubkey, GNUTLS_KEYID_USE_SHA256, id, &len) < 0 ||
	    len != sizeof(id))
		return;
	gnutls_datum_t raw = { id, (unsigned)len };
	if (gnutls_base64_encode2(&raw, &b64) < 0)
		return;
	snprintf(buf, size, "sha256//%.*s", (int)b64.size, b64.data);
	gnutls_free(b64.data);
}

static si_rc creds_load(const char *cert_pem, size_t cert_len, const char *key_pem,
			    size_t key_len, struct creds **out, struct si_error *err)
{
	struct creds *c = calloc(1, sizeof(*c));
	gnutls_datum_t cert = { (unsigned char *)cert_pem, (unsigned)cert_len };
	gnutls_datum_t key = { (unsigned char *)key_pem, (unsigned)key_len };
	int rc;

	*out = NULL;
	if (!c)
		return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	c->n = MAX_CHAIN;
	rc = gnutls_pcert_list_import_x509_raw(c->pcerts, &c->n, &cert, GNUTLS_X509_FMT_PEM, 0);
	if (rc < 0) {
		c->n = 0;
		creds_free(c);
		return si_error_set(err, SI_ERR_SYNTAX, NULL, 0, "certificate: %s",
				    gnutls_strerror(rc));
	}
	if ((rc = gnutls_privkey_init(&c->key)) < 0 ||
	    (rc = gnutls_privkey_import_x509_raw(c->key, &key, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
		creds_free(c);
		return si_error_set(err, SI_ERR_SYNTAX, NULL, 0, "private key: %s",
				    gnutls_strerror(rc));
	}
	key_pin(&c->pcerts[0], c->pin, sizeof(c->pin));
	*out = c;
	return SI_OK;
}

static int retrieve_cert(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
			 const gnutls_pk_algorithm_t *algos, int n_algos, gnutls_pcert_st **pcert,
			 unsigned int *pcert_length, gnutls_privkey_t *key)
{
	(void)session, (void)req_ca_dn, (void)nreqs, (void)algos, (void)n_algos;
	struct creds *c = atomic_load(&the_server->creds);
	*pcert = c->pcerts;
	*pcert_length = c->n;
	*key = c->key;
	return 0;
}

si_rc si_http_server_set_certificate(struct si_http_server *s, const char *cert_pem,
					 size_t cert_len, const char *key_pem, size_t key_len,
					 struct si_error *err)
{
	struct creds *c;
	si_rc rc = creds_load(cert_pem, cert_len, key_pem, key_len, &c, err);
	if (rc)
		return rc;
	pthread_mutex_lock(&s->creds_mu);
	c->retired = atomic_exchange(&s->creds, c);
	pthread_mutex_unlock(&s->creds_mu);
	return SI_OK;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Lets the connection of a request stay silent `seconds` (at least 1). */
static void set_timeout(struct MHD_Connection *c, double seconds)
{
	unsigned t = seconds < 1 ? 1 : (unsigned)(seconds + 0.999);
	MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, t);
}

/* The silence allowed on a request's connection now: the idle timeout, or
 * what is left of the request timeout when that is sooner. */
static double request_silence(const struct si_http_server *s, const struct request *r)
{
	double left = s->cfg.request_timeout - seconds_since(&r->start);
	return left < s->cfg.idle_timeout ? left : s->cfg.idle_timeout;
}

/* Queues `body` (`mem` says who owns it), with the header `name: value`
 * when `name` is not NULL. */
static enum MHD_Result respond_with(struct si_http_server *s, struct MHD_Connection *c,
				    int status, const char *type, char *body, size_t len,
				    enum MHD_ResponseMemoryMode mem, const char *name,
				    const char *value)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mem);
	if (!r) {
		if (mem == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (name)
		MHD_add_response_header(r, name, value);
	if (status >= 400)
		si_metrics_http_error(s->metrics, status);
	/* While draining, keep-alive clients are told to go elsewhere. */
	if (atomic_load(&s->draining))
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	enum MHD_Result ok = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return ok;
}

/* Queues `body` (malloc'd and taken, or static when `owned` is false). */
static enum MHD_Result respond(struct si_http_server *s, struct MHD_Connection *c, int status,
			       const char *type, char *body, size_t len, bool owned)
{
	return respond_with(s, c, status, type, body, len,
			    owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT, NULL, NULL);
}

/* A JSON error answer {"error": "..."}, with the header `name: value` when
 * `name` is not NULL. */
static enum MHD_Result respond_error_with(struct si_http_server *s, struct MHD_Connection *c,
					  int status, const char *message, const char *name,
					  const char *value)
{
	cJSON *o = cJSON_CreateObject();
	char *text = o && cJSON_AddStringToObject(o, "error", message)
		     ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	if (!text)
		return MHD_NO;
	/* cJSON's memory goes back through cJSON_free, so MHD takes a copy. */
	enum MHD_Result ok = respond_with(s, c, status, "application/json", text, strlen(text),
					  MHD_RESPMEM_MUST_COPY, name, value);
	cJSON_free(text);
	return ok;
}

static enum MHD_Result respond_error(struct si_http_server *s, struct MHD_Connection *c,
				     int status, const char *message)
{
	return respond_error_with(s, c, status, message, NULL, NULL);
}

static enum MHD_Result respond_text(struct si_http_server *s, struct MHD_Connection *c,
				    int status, const char *text)
{
	return respond(s, c, status, "text/plain; charset=utf-8", (char *)text, strlen(text),
		       false);
}

/* The query of a request, as name, value pairs: for a page, or for the
 * leader. */
#define MAX_QUERY 32
struct query {
	const char *list[2 * MAX_QUERY + 1];
	size_t n;
	bool too_many;
};

static enum MHD_Result add_argument(void *cls, enum MHD_ValueKind kind, const char *key,
				    const char *value)
{
	struct query *q = cls;
	(void)kind;
	if (q->n + 2 >= sizeof(q->list) / sizeof(q->list[0])) {
		q->too_many = true;
		return MHD_NO;
	}
	q->list[q->n++] = key;
	q->list[q->n++] = value ? value : "";
	return MHD_YES;
}

/* The headers of every answer about the report: never cached, never
 * sniffed, and closing while the server drains. */
static void report_headers(struct si_http_server *s, struct MHD_Response *r)
{
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (atomic_load(&s->draining))
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
}

#define NO_SCAN "no scheduled scan: start serve with --inspect-interval"
#define NO_SCAN_YET "the first scan of the cluster has not finished yet"

/* GET /report.json and /report.html: the latest scheduled scan's report,
 * read from its file as it is sent. */
static enum MHD_Result serve_report(struct si_http_server *s, struct MHD_Connection *c,
				    enum si_http_report f)
{
	if (!has_reports(s))
		return respond_error(s, c, MHD_HTTP_NOT_FOUND, NO_SCAN);
	size_t size = 0;
	int fd = s->cfg.reports.open(s->cfg.reports.ctx, f, &size);
	if (fd < 0)
		return respond_error_with(s, c, MHD_HTTP_SERVICE_UNAVAILABLE, NO_SCAN_YET,
					  "Retry-After", "5");
	struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)size, fd);
	if (!r) {
		close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				f == SI_HTTP_REPORT_JSON ? "application/json"
							 : "text/html; charset=utf-8");
	report_headers(s, r);
	enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ok;
}

/* GET /report and /report/workload: a page rendered from the latest
 * scan's report for the request's query. */
static enum MHD_Result serve_page(struct si_http_server *s, struct MHD_Connection *c,
				  const char *url)
{
	struct query q = { .n = 0 };
	struct si_http_page p;
	char msg[64];

	if (!has_reports(s))
		return respond_error(s, c, MHD_HTTP_NOT_FOUND, NO_SCAN);
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_argument, &q);
	if (q.too_many) {
		snprintf(msg, sizeof(msg), "over %d query parameters", MAX_QUERY);
		return respond_error(s, c, MHD_HTTP_BAD_REQUEST, msg);
	}
	s->cfg.reports.page(s->cfg.reports.ctx, url, q.list, &p);
	if (p.status != MHD_HTTP_OK)
		return respond_error_with(s, c, p.status, p.error,
					  p.status == MHD_HTTP_SERVICE_UNAVAILABLE ? "Retry-After"
										   : NULL, "5");
	struct MHD_Response *r = MHD_create_response_from_buffer(p.len, p.body,
								 MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(p.body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
	MHD_add_response_header(r, "Content-Security-Policy", p.csp);
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	report_headers(s, r);
	enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ok;
}

/* The route that starts a scan at once. */
#define INSPECT_PATH "/report/inspect"

static bool is_inspect(const char *url)
{
	return strcmp(url, INSPECT_PATH) == 0;
}

/* POST /report/inspect, allowed by the guard: 202 when a scan starts, 409
 * while one runs (one at a time). */
static enum MHD_Result inspect_now(struct si_http_server *s, struct MHD_Connection *c)
{
	static const char started[] = "{\"scan\":\"started\"}\n";
	char text[192], when[32];
	struct tm tm;
	time_t since;

	if (s->cfg.reports.inspect_now(s->cfg.reports.ctx, &since)) {
		si_log("info", "scan asked for: starting", NULL);
		return respond(s, c, MHD_HTTP_ACCEPTED, "application/json", (char *)started,
			       sizeof(started) - 1, false);
	}
	gmtime_r(&since, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	int n = snprintf(text, sizeof(text), "{\"error\":\"a scan is already running (since %s): "
			 "retry when it has finished\",\"scan\":\"running\",\"since\":\"%s\"}\n",
			 when, when);
	return respond_with(s, c, MHD_HTTP_CONFLICT, "application/json", text, (size_t)n,
			    MHD_RESPMEM_MUST_COPY, NULL, NULL);
}

/* The answer to a guarded request that the guard did not allow. */
static enum MHD_Result refuse(struct si_http_server *s, struct MHD_Connection *c,
			      enum si_guard_verdict v, const char *url)
{
	char msg[512];
	switch (v) {
	case SI_GUARD_UNAUTHENTICATED:
		return respond_error_with(s, c, MHD_HTTP_UNAUTHORIZED,
					  "a valid bearer token is needed (Authorization: Bearer "
					  "TOKEN, e.g. from kubectl create token)",
					  MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					  "Bearer realm=\"security-inspector\"");
	case SI_GUARD_FORBIDDEN:
		if (is_inspect(url))
			snprintf(msg, sizeof(msg), "forbidden: the token's user may not create "
				 "(POST) %s (bind the ClusterRole security-inspector-inspect-now)",
				 url);
		else
			snprintf(msg, sizeof(msg), "forbidden: the token's user may not get %s "
				 "(bind the ClusterRole security-inspector-%s-reader)", url,
				 is_namespace_metrics(url) ? "metrics" : "report");
		return respond_error(s, c, MHD_HTTP_FORBIDDEN, msg);
	default:
		return respond_error_with(s, c, MHD_HTTP_SERVICE_UNAVAILABLE,
					  "the API server could not check the bearer token: retry",
					  "Retry-After", "5");
	}
}

/* Routes a request for `url` that is not /validate. `allowed`: the guard
 * let it through; a guarded route is served only then. */
static enum MHD_Result serve_get(struct si_http_server *s, struct MHD_Connection *c,
				 const char *url, const char *method, bool allowed)
{
	bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	if (has_reports(s) && is_inspect(url))
		return respond_with(s, c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
				    (char *)"method not allowed\n", 19, MHD_RESPMEM_PERSISTENT,
				    MHD_HTTP_HEADER_ALLOW, "POST");
	if (strcmp(url, "/healthz") == 0 || strcmp(url, "/readyz") == 0 ||
	    strcmp(url, "/metrics") == 0 || is_report(url) || is_guarded(s, url)) {
		if (!get)
			return respond_with(s, c, MHD_HTTP_METHOD_NOT_ALLOWED,
					    "text/plain; charset=utf-8",
					    (char *)"method not allowed\n", 19,
					    MHD_RESPMEM_PERSISTENT, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
		/* A GET with a body is answered at once, before any guard:
		 * never with what the guard keeps. */
		if (!allowed && is_guarded(s, url))
			return respond_error(s, c, MHD_HTTP_BAD_REQUEST,
					     "a GET of a guarded route takes no body");
		if (is_page(url))
			return serve_page(s, c, url);
		if (is_report(url))
			return serve_report(s, c, strcmp(url, "/report.json") == 0 ? SI_HTTP_REPORT_JSON
									 : SI_HTTP_REPORT_HTML);
		if (strcmp(url, "/healthz") == 0)
			return respond_text(s, c, MHD_HTTP_OK, "ok\n");
		if (strcmp(url, "/readyz") == 0)
			return atomic_load(&s->draining)
			       ? respond_text(s, c, MHD_HTTP_SERVICE_UNAVAILABLE, "draining\n")
			       : respond_text(s, c, MHD_HTTP_OK, "ok\n");
		size_t len;
		struct si_metrics_gauges g = { atomic_load(&s->in_flight),
					       atomic_load(&s->connections) };
		char *text = is_namespace_metrics(url) ? si_metrics_render_namespaces(s->metrics, &len)
						       : si_metrics_render(s->metrics, &g, &len);
		if (!text)
			return respond_text(s, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
		return respond(s, c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", text,
			       len, true);
	}
	return respond_error(s, c, MHD_HTTP_NOT_FOUND,
			     "not found: the webhook serves POST /validate[/enforce|warn|audit|off], "
			     "GET /healthz, /readyz, /metrics, /metrics/namespaces, /report, "
			     "/report/workload, /report.json and /report.html");
}

/* A request's state, counted in flight; NULL when the server takes no new
 * request or out of memory. Counted before the gate is looked at
 * (si_http_server_drain waits for the count after closing it): either the
 * request is refused here, or the server waits for its answer. */
static struct request *new_request(struct si_http_server *s)
{
	struct request *r = NULL;
	atomic_fetch_add(&s->in_flight, 1);
	if (atomic_load(&s->closing) || !(r = calloc(1, sizeof(*r)))) {
		atomic_fetch_sub(&s->in_flight, 1);
		return NULL;
	}
	return r;
}

/* The first callback of POST /validate[/MODE]: checks what the headers say
 * before any of the body is read. */
static enum MHD_Result start_validate(struct si_http_server *s, struct MHD_Connection *c,
				      const char *url, const char *method, void **req_cls)
{
	struct request *r;
	enum si_mode mode;
	bool has_mode = false;

	if (url[9] == '/') {
		if (!si_mode_parse(url + 10, &mode))
			return respond_error(s, c, MHD_HTTP_NOT_FOUND,
					     "unknown mode in the path: use /validate/enforce, "
					     "/validate/warn, /validate/audit or /validate/off");
		has_mode = true;
	}
	if (strcmp(method, "POST") != 0)
		return respond_with(s, c, MHD_HTTP_METHOD_NOT_ALLOWED, "application/json",
				    (char *)"{\"error\":\"use POST\"}", 20,
				    MHD_RESPMEM_PERSISTENT, MHD_HTTP_HEADER_ALLOW, "POST");
	const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_CONTENT_TYPE);
	if (!type || strncasecmp(type, "application/json", 16) != 0 ||
	    (type[16] && type[16] != ';' && type[16] != ' '))
		return respond_error(s, c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
				     "Content-Type must be application/json");
	const char *length = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							 MHD_HTTP_HEADER_CONTENT_LENGTH);
	unsigned long long declared = 0;
	if (length) {
		char *end;
		errno = 0;
		declared = strtoull(length, &end, 10);
		if (errno || *end || end == length)
			return respond_error(s, c, MHD_HTTP_BAD_REQUEST, "bad Content-Length");
		if (declared > s->cfg.max_body)
			return respond_error(s, c, MHD_HTTP_CONTENT_TOO_LARGE,
					     "the body is over the server's --max-body limit");
	}
	if (!(r = new_request(s)))
		return MHD_NO;
	r->cap = declared ? (size_t)declared : 16384;
	if (!(r->body = malloc(r->cap + 1))) {
		free(r);
		atomic_fetch_sub(&s->in_flight, 1);
		return MHD_NO;
	}
	r->has_mode = has_mode;
	r->mode = mode;
	clock_gettime(CLOCK_MONOTONIC, &r->start);
	/* A body that stops coming is cut when the request's time is up. */
	set_timeout(c, request_silence(s, r));
	*req_cls = r;
	return MHD_YES;
}

static bool append(struct si_http_server *s, struct request *r, const char *data, size_t n)
{
	if (r->too_big || r->len + n > s->cfg.max_body) {
		r->too_big = true;
		return true;
	}
	if (r->len + n > r->cap) {
		size_t cap = r->cap * 2 > r->len + n ? r->cap * 2 : r->len + n;
		if (cap > s->cfg.max_body)
			cap = s->cfg.max_body;
		char *b = realloc(r->body, cap + 1);
		if (!b)
			return false;
		r->body = b;
		r->cap = cap;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	return true;
}

static enum MHD_Result finish_validate(struct si_http_server *s, struct MHD_Connection *c,
				       struct request *r)
{
	struct si_admission_answer a;
	struct si_policy_hold *hold;

	if (r->too_big)
		return respond_error(s, c, MHD_HTTP_CONTENT_TOO_LARGE,
				     "the body is over the server's --max-body limit");
	const struct si_policy *p = si_policy_slot_acquire(s->policy, &hold);
	si_rc rc = si_admission_handle_with(r->body, r->len, p, r->has_mode ? &r->mode : NULL,
						&s->limits, &s->cfg.lister, &a);
	si_policy_slot_release(hold);
	if (rc)
		return respond_error(s, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	double took = seconds_since(&r->start);
	if (a.http_status == 200)
		si_metrics_admission(s->metrics, &a, took);
	si_admission_log(&a, took * 1000, stdout);
	enum MHD_Result ok = respond(s, c, a.http_status, "application/json", a.body, a.body_len,
				     true);
	a.body = NULL;   /* taken by the response */
	si_admission_answer_clear(&a);
	return ok;
}

static struct conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *i =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return i ? i->socket_context : NULL;
}

/* The bearer token of the request, or NULL. */
static const char *bearer_token(struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_AUTHORIZATION);
	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	size_t n = strcspn(h, " \t");
	if (n == 0 || n > SI_GUARD_MAX_TOKEN || h[n])
		return NULL;
	return h;
}

/* The guard's verdict on a suspended request: it goes on. */
static void on_verdict(void *ctx, enum si_guard_verdict v)
{
	struct request *r = ctx;
	atomic_store(&r->verdict, (int)v);
	MHD_resume_connection(r->conn);
}

/* The first callback of a request to a guarded route, whose user must
 * have the right to `verb` it: the verdict from the cache, or the
 * connection waits (suspended, holding no thread) for the guard's. */
static enum MHD_Result start_guarded(struct si_http_server *s, struct MHD_Connection *c,
				     const char *verb, const char *url, void **req_cls)
{
	struct request *r = new_request(s);
	if (!r)
		return MHD_NO;
	r->guarded = true;
	r->conn = c;
	*req_cls = r;
	const char *token = bearer_token(c);
	enum si_guard_verdict v;
	if (!token) {
		atomic_store(&r->verdict, SI_GUARD_UNAUTHENTICATED);
	} else if (si_guard_cached(s->cfg.guard, token, verb, url, &v)) {
		atomic_store(&r->verdict, (int)v);
	} else {
		atomic_store(&r->verdict, -1);
		r->suspended = true;
		atomic_fetch_add(&s->suspended, 1);
		MHD_suspend_connection(c);
		if (!si_guard_submit(s->cfg.guard, token, verb, url, on_verdict, r))
			on_verdict(r, SI_GUARD_UNAVAILABLE);
	}
	return MHD_YES;
}

/* The leader's answer to a forwarded request: the connection goes on. */
static void on_forwarded(void *ctx, struct si_http_relayed *a)
{
	struct request *r = ctx;
	r->answer = *a;
	MHD_resume_connection(r->conn);
}

/* The longest leader's address taken: as long as the election takes
 * (SI_LEADER_MAX_URL). */
#define LEADER_URL_MAX 512

/* The pins the leader's key must match: this replica's certificate (the
 * replicas share one), and the one it replaced, for the time a new Secret
 * takes to reach every replica. */
static void leader_pins(struct si_http_server *s, char *buf, size_t size)
{
	struct creds *c = atomic_load(&s->creds);
	const struct creds *old = c->retired;
	snprintf(buf, size, "%s%s%s", c->pin, old && old->pin[0] ? ";" : "",
		 old ? old->pin : "");
}

/* The first callback of a report request on a replica that does not
 * lead: forwarded to the leader with the caller's Authorization (the
 * leader checks it), the connection suspended meanwhile. Refusals are
 * answered on the next call, as guarded requests are. */
static enum MHD_Result start_forwarded(struct si_http_server *s, struct MHD_Connection *c,
				       const char *url, const char *method, void **req_cls)
{
	char base[LEADER_URL_MAX], pins[2 * sizeof(((struct creds *)0)->pin) + 1];
	struct query q = { .n = 0 };
	struct request *r;
	char *auth_line = NULL;

	if (!(r = new_request(s)))
		return MHD_NO;
	r->forwarded = true;
	r->conn = c;
	r->answer.fd = -1;
	*req_cls = r;
	struct si_http_relayed *a = &r->answer;
	leader_pins(s, pins, sizeof(pins));
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_argument, &q);
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_AUTHORIZATION);
	if (MHD_lookup_connection_value(c, MHD_HEADER_KIND, SI_HTTP_FORWARDED_HEADER)) {
		/* Forwarded by a replica that took this one for the leader. */
		a->error_status = MHD_HTTP_SERVICE_UNAVAILABLE;
		snprintf(a->error, sizeof(a->error),
			 "this replica does not lead (any more): retry");
	} else if (!s->cfg.leader.leader_url(s->cfg.leader.ctx, base, sizeof(base))) {
		a->error_status = MHD_HTTP_SERVICE_UNAVAILABLE;
		snprintf(a->error, sizeof(a->error),
			 "no replica leads now (leader election under way), so no report can be "
			 "served: retry");
	} else if (q.too_many) {
		a->error_status = MHD_HTTP_BAD_REQUEST;
		snprintf(a->error, sizeof(a->error), "over %d query parameters", MAX_QUERY);
	} else if (!pins[0]) {
		a->error_status = MHD_HTTP_SERVICE_UNAVAILABLE;
		snprintf(a->error, sizeof(a->error),
			 "cannot check the leader: no public key of the serving certificate");
	} else if (auth && !(auth_line = malloc(strlen(auth) + 16))) {
		a->error_status = MHD_HTTP_SERVICE_UNAVAILABLE;
		snprintf(a->error, sizeof(a->error), "out of memory");
	} else {
		const char *headers[3] = { SI_HTTP_FORWARDED_HEADER ": 1", NULL, NULL };
		if (auth_line) {
			snprintf(auth_line, strlen(auth) + 16, "Authorization: %s", auth);
			headers[1] = auth_line;
		}
		struct si_http_forward req = {
			.base = base, .path = url, .query = q.list, .head = strcmp(method, "HEAD") == 0,
			.post = strcmp(method, "POST") == 0,
			.headers = headers, .pinned_keys = pins,
		};
		r->suspended = true;
		atomic_fetch_add(&s->suspended, 1);
		MHD_suspend_connection(c);
		if (!s->cfg.leader.forward(s->cfg.leader.ctx, &req, on_forwarded, r)) {
			struct si_http_relayed busy = { .fd = -1, .error_status = 503 };
			snprintf(busy.error, sizeof(busy.error),
				 "too many report requests forwarded to the leader: retry");
			on_forwarded(r, &busy);
		}
	}
	if (auth_line) {
		explicit_bzero(auth_line, strlen(auth_line));
		free(auth_line);
	}
	return MHD_YES;
}

/* The first callback of POST /report/inspect: it takes no body (one is
 * refused at once); the API server's authorizer asks for `create` on a
 * POST to a non-resource URL, and so does the guard. On a replica that
 * does not lead, forwarded to the leader. */
static enum MHD_Result start_inspect(struct si_http_server *s, struct MHD_Connection *c,
				     const char *url, const char *method, void **req_cls)
{
	const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_CONTENT_LENGTH);
	if ((len && strcmp(len, "0") != 0) ||
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING))
		return respond_error(s, c, MHD_HTTP_BAD_REQUEST,
				     "POST /report/inspect takes no body");
	return leads(s) ? start_guarded(s, c, "create", url, req_cls)
			: start_forwarded(s, c, url, method, req_cls);
}

/* Relays the leader's answer, or says why there is none. */
static enum MHD_Result respond_forwarded(struct si_http_server *s, struct MHD_Connection *c,
					 struct request *r)
{
	struct si_http_relayed *a = &r->answer;
	if (a->fd < 0)
		return respond_error_with(s, c, a->error_status, a->error,
					  a->error_status == MHD_HTTP_SERVICE_UNAVAILABLE
					  ? "Retry-After" : NULL, "2");
	long status = a->status;
	if (status < 100 || status > 599)
		return respond_error(s, c, MHD_HTTP_BAD_GATEWAY,
				     "the leader gave no valid HTTP status");
	struct MHD_Response *resp = MHD_create_response_from_fd((uint64_t)a->size, a->fd);
	if (!resp)
		return MHD_NO;
	a->fd = -1;   /* the response closes it */
	if (a->content_type[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, a->content_type);
	if (a->www_authenticate[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					a->www_authenticate);
	if (a->retry_after[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, a->retry_after);
	if (a->content_security_policy[0])
		MHD_add_response_header(resp, "Content-Security-Policy", a->content_security_policy);
	if (strncmp(a->content_type, "text/html", 9) == 0)
		MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	report_headers(s, resp);
	if (status >= 400)
		si_metrics_http_error(s->metrics, (int)status);
	enum MHD_Result ok = MHD_queue_response(c, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return ok;
}

/* Whether the connection is in the reserve and `url` is not one of the
 * routes the reserve is kept for. */
static bool in_reserve_only(const struct conn *k, const char *url)
{
	if (!k || !k->reserve)
		return false;
	return strcmp(url, "/healthz") != 0 && strcmp(url, "/readyz") != 0 &&
	       strcmp(url, "/metrics") != 0;
}

/* Bytes the kernel has received on the socket (TLS records included). */
static bool bytes_received(int fd, uint64_t *out)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
	    len < offsetof(struct tcp_info, tcpi_bytes_received) + sizeof(ti.tcpi_bytes_received))
		return false;
	*out = ti.tcpi_bytes_received;
	return true;
}

/* One look at every connection waiting for a request (see struct conn). */
static void watch_connections(struct si_http_server *s)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&s->conns_mu);
	for (struct conn *k = s->conns; k; k = k->next) {
		uint64_t bytes;
		if (k->cut || atomic_load(&k->in_request) || !bytes_received(k->fd, &bytes))
			continue;
		unsigned finished = atomic_load(&k->finished);
		if (finished != k->seen_finished) {   /* a new wait began */
			k->seen_finished = finished;
			k->bytes_at_wait = bytes;
			k->first_byte.tv_sec = 0;
			continue;
		}
		if (!k->first_byte.tv_sec) {
			if (bytes > k->bytes_at_wait)
				k->first_byte = now;
			continue;
		}
		if (seconds_since(&k->first_byte) <= s->cfg.request_timeout)
			continue;
		/* libmicrohttpd sees the end of the stream and closes it. */
		shutdown(k->fd, SHUT_RDWR);
		k->cut = true;
		si_metrics_request_timeout(s->metrics);
		cJSON *f = cJSON_CreateObject();
		cJSON_AddNumberToObject(f, "bytesReceived", (double)(bytes - k->bytes_at_wait));
		si_log("warn", finished ? "request headers not received within --request-timeout: "
					  "connection closed"
					: "TLS handshake and request headers not received within "
					  "--request-timeout: connection closed", f);
	}
	pthread_mutex_unlock(&s->conns_mu);
}

static void *watchdog_main(void *arg)
{
	struct si_http_server *s = arg;
	pthread_mutex_lock(&s->watch_mu);
	while (!s->watch_stop) {
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += WATCH_EVERY_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->watch_cv, &s->watch_mu, &until);
		if (s->watch_stop)
			break;
		pthread_mutex_unlock(&s->watch_mu);
		watch_connections(s);
		pthread_mutex_lock(&s->watch_mu);
	}
	pthread_mutex_unlock(&s->watch_mu);
	return NULL;
}

/* Refuses a connection when --max-connections and the reserve are full. */
static enum MHD_Result accept_connection(void *cls, const struct sockaddr *addr,
					 socklen_t len)
{
	struct si_http_server *s = cls;
	(void)addr, (void)len;
	if (atomic_load(&s->connections) >= (long)s->cfg.max_connections + RESERVE_CONNECTIONS) {
		si_metrics_connection_refused(s->metrics);
		return MHD_NO;
	}
	return MHD_YES;
}

/* Counts and tracks connections; those past --max-connections go to the
 * reserve. */
static void connection_event(void *cls, struct MHD_Connection *c, void **socket_context,
			     enum MHD_ConnectionNotificationCode what)
{
	struct si_http_server *s = cls;
	struct conn *k = *socket_context;
	if (what == MHD_CONNECTION_NOTIFY_CLOSED) {
		atomic_fetch_sub(&s->connections, 1);
		if (!k)
			return;
		pthread_mutex_lock(&s->conns_mu);
		if (k->prev)
			k->prev->next = k->next;
		else
			s->conns = k->next;
		if (k->next)
			k->next->prev = k->prev;
		pthread_mutex_unlock(&s->conns_mu);
		free(k);
		*socket_context = NULL;
		return;
	}
	bool reserve = atomic_fetch_add(&s->connections, 1) >= (long)s->cfg.max_connections;
	const union MHD_ConnectionInfo *i =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (!i || !(k = calloc(1, sizeof(*k)))) {
		/* Untracked, a connection could not be told from the reserve. */
		MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT,
					  (unsigned)RESERVE_TIMEOUT);
		return;
	}
	k->fd = i->connect_fd;
	k->reserve = reserve;
	pthread_mutex_lock(&s->conns_mu);
	k->next = s->conns;
	if (s->conns)
		s->conns->prev = k;
	s->conns = k;
	pthread_mutex_unlock(&s->conns_mu);
	*socket_context = k;
	if (reserve)
		MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT,
					  (unsigned)RESERVE_TIMEOUT);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_cls)
{
	struct si_http_server *s = cls;
	struct request *r = *req_cls;
	(void)version;

	if (!r) {
		struct conn *k = conn_of(c);
		if (k)
			atomic_store(&k->in_request, true);
		if (in_reserve_only(k, url))
			return respond_error_with(s, c, MHD_HTTP_SERVICE_UNAVAILABLE,
						  "the server is at its connection limit "
						  "(--max-connections): retry", "Retry-After", "1");
		if (strncmp(url, "/validate", 9) == 0 && (url[9] == '\0' || url[9] == '/'))
			return start_validate(s, c, url, method, req_cls);
		if (has_reports(s) && is_inspect(url) && strcmp(method, "POST") == 0)
			return start_inspect(s, c, url, method, req_cls);
		/* A GET is answered on the next call: a response queued in the
		 * first one makes libmicrohttpd close the connection. Other
		 * methods, and a GET that comes with a body (which is never
		 * read), are answered at once and lose their connection. */
		if ((strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) ||
		    MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						MHD_HTTP_HEADER_CONTENT_LENGTH) ||
		    MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						MHD_HTTP_HEADER_TRANSFER_ENCODING))
			return serve_get(s, c, url, method, false);
		if (has_reports(s) && is_report(url))
			return leads(s) ? start_guarded(s, c, "get", url, req_cls)
					: start_forwarded(s, c, url, method, req_cls);
		if (is_guarded(s, url))
			return start_guarded(s, c, "get", url, req_cls);
		*req_cls = &answer_next;
		return MHD_YES;
	}
	if (r == &answer_next)
		return serve_get(s, c, url, method, false);
	if (r->guarded || r->forwarded) {
		if (r->suspended) {
			r->suspended = false;
			atomic_fetch_sub(&s->suspended, 1);
		}
		if (r->forwarded)
			return respond_forwarded(s, c, r);
		int v = atomic_load(&r->verdict);
		if (v != SI_GUARD_ALLOW)
			return refuse(s, c, (enum si_guard_verdict)v, url);
		return is_inspect(url) ? inspect_now(s, c) : serve_get(s, c, url, method, true);
	}
	if (*upload_data_size) {
		/* A body that trickles in for longer than the request timeout
		 * loses its connection; one that stops is cut by the timeout
		 * of its connection, kept to what is left of the time. */
		double silence = request_silence(s, r);
		if (silence <= 0) {
			r->timed_out = true;
			return MHD_NO;
		}
		if (!append(s, r, upload_data, *upload_data_size))
			return MHD_NO;
		*upload_data_size = 0;
		set_timeout(c, silence);
		return MHD_YES;
	}
	return finish_validate(s, c, r);
}

static void completed(void *cls, struct MHD_Connection *c, void **req_cls,
		      enum MHD_RequestTerminationCode why)
{
	struct si_http_server *s = cls;
	struct request *r = *req_cls;
	struct conn *k = conn_of(c);
	if (k) {
		atomic_fetch_add(&k->finished, 1);
		atomic_store(&k->in_request, false);
	}
	if (!r || r == &answer_next)
		return;
	if (r->guarded || r->forwarded) {
		if (r->forwarded && r->answer.fd >= 0)
			close(r->answer.fd);
		free(r);
		*req_cls = NULL;
		atomic_fetch_sub(&s->in_flight, 1);
		return;
	}
	if (why == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED || r->timed_out) {
		si_metrics_request_timeout(s->metrics);
		cJSON *f = cJSON_CreateObject();
		cJSON_AddNumberToObject(f, "bytesReceived", (double)r->len);
		si_log("warn", "request body not received within --request-timeout: "
		       "connection closed", f);
	}
	/* A keep-alive connection waits for its next request as long as any. */
	if (why == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, s->cfg.idle_timeout);
	free(r->body);
	free(r);
	*req_cls = NULL;
	atomic_fetch_sub(&s->in_flight, 1);
}

/* libmicrohttpd's own messages (broken clients, resource limits) as JSON
 * lines on stderr, like every other log line of the server. A failed TLS
 * handshake (a client that closes at once, speaks plain HTTP or an old TLS)
 * is counted, and logged at most once a minute with the count. */
__attribute__((format(printf, 2, 0)))
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct si_http_server *s = cls;
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\r\n")] = '\0';
	if (!strstr(msg, "handshake")) {
		si_log("warn", msg, NULL);
		return;
	}
	si_metrics_handshake_failed(s->metrics);
	atomic_fetch_add(&s->handshakes_unlogged, 1);
	long long now = (long long)time(NULL);
	long long last = atomic_load(&s->handshakes_logged_at);
	if (now - last < HANDSHAKE_LOG_EVERY ||
	    !atomic_compare_exchange_strong(&s->handshakes_logged_at, &last, now))
		return;
	cJSON *f = cJSON_CreateObject();
	cJSON_AddNumberToObject(f, "count", (double)atomic_exchange(&s->handshakes_unlogged, 0));
	si_log("warn", "TLS handshakes failed (clients closed, spoke plain HTTP or an old TLS); "
	       "counted in security_inspector_tls_handshake_failures_total", f);
}

static si_rc open_listener(const struct si_http_config *cfg, int *fd, struct si_error *err)
{
	struct addrinfo hints = { .ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = SOCK_STREAM }, *ai = NULL;
	char port[16];
	int one = 1;

	snprintf(port, sizeof(port), "%u", cfg->port);
	int rc = getaddrinfo(cfg->host, port, &hints, &ai);
	if (rc)
		return si_error_set(err, SI_ERR_USAGE, NULL, 0, "--listen %s: %s", cfg->host,
				    gai_strerror(rc));
	*fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
	if (*fd < 0 || setsockopt(*fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(*fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(*fd, 1024) != 0) {
		int e = errno;
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		freeaddrinfo(ai);
		return si_error_set(err, SI_ERR_IO, NULL, 0, "cannot listen on %s port %u: %s",
				    cfg->host, cfg->port, strerror(e));
	}
	freeaddrinfo(ai);
	return SI_OK;
}

si_rc si_http_server_start(const struct si_http_config *cfg, const char *cert_pem,
			       size_t cert_len, const char *key_pem, size_t key_len,
			       struct si_policy_slot *policy, struct si_metrics *metrics,
			       struct si_http_server **out, struct si_error *err)
{
	struct si_http_server *s = calloc(1, sizeof(*s));
	struct creds *c = NULL;
	si_rc rc;

	*out = NULL;
	if (!s)
		return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	s->cfg = *cfg;
	s->listen_fd = -1;
	s->policy = policy;
	s->metrics = metrics;
	s->limits = si_limits_default;
	s->limits.max_input_bytes = cfg->max_body;
	s->limits.max_nodes = SI_ADMISSION_MAX_VALUES;
	pthread_mutex_init(&s->creds_mu, NULL);
	pthread_mutex_init(&s->conns_mu, NULL);
	pthread_mutex_init(&s->watch_mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->watch_cv, &ca);
	pthread_condattr_destroy(&ca);
	if ((rc = creds_load(cert_pem, cert_len, key_pem, key_len, &c, err)))
		goto fail;
	atomic_store(&s->creds, c);
	the_server = s;
	if ((rc = open_listener(cfg, &s->listen_fd, err)))
		goto fail;

	unsigned flags = MHD_USE_ERROR_LOG | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			 MHD_USE_TLS | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME;
	struct MHD_OptionItem options[] = {
		{ MHD_OPTION_LISTEN_SOCKET, s->listen_fd, NULL },
		{ MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)TLS_PRIORITIES },
		{ MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)cfg->idle_timeout, NULL },
		/* The limit is ours (accept_connection); libmicrohttpd's, shared
		 * out between its threads, is only a backstop. */
		{ MHD_OPTION_CONNECTION_LIMIT,
		  (intptr_t)(2 * (cfg->max_connections + RESERVE_CONNECTIONS)), NULL },
		{ MHD_OPTION_CONNECTION_MEMORY_LIMIT, 64 * 1024, NULL },
		/* One thread polls and serves by itself: a pool only from two. */
		{ cfg->threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END,
		  (intptr_t)cfg->threads, NULL },
		{ MHD_OPTION_END, 0, NULL },
	};
	/* The logger comes first, so that MHD reports nothing in its own format. */
	s->daemon = MHD_start_daemon(flags, 0, accept_connection, s, handle, s,
				     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
				     MHD_OPTION_HTTPS_CERT_CALLBACK, retrieve_cert,
				     MHD_OPTION_NOTIFY_COMPLETED, completed, s,
				     MHD_OPTION_NOTIFY_CONNECTION, connection_event, s,
				     MHD_OPTION_ARRAY, options,
				     MHD_OPTION_END);
	if (!s->daemon) {
		rc = si_error_set(err, SI_ERR_IO, NULL, 0,
				  "the HTTPS server did not start (TLS set-up or threads)");
		goto fail;
	}
	s->listen_fd = -1;   /* the daemon owns it now */
	if (pthread_create(&s->watchdog, NULL, watchdog_main, s) != 0) {
		rc = si_error_set(err, SI_ERR_IO, NULL, 0, "cannot start a thread");
		goto fail;
	}
	s->watchdog_started = true;
	*out = s;
	return SI_OK;
fail:
	si_http_server_stop(s);
	return rc;
}

/* Sleeps 10 ms: the step of the drain's waits. */
static void tick(void)
{
	nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
}

void si_http_server_drain(struct si_http_server *s, unsigned timeout)
{
	atomic_store(&s->draining, true);
	/* Report requests waiting for a token check are answered now. */
	si_guard_close(s->cfg.guard);
	int fd = (int)MHD_quiesce_daemon(s->daemon);
	if (fd >= 0)
		close(fd);
	s->listen_fd = -1;
	/* Until nothing is in flight and the connections are gone: answers
	 * carry "Connection: close" now. Idle keep-alive connections get 1 s
	 * to leave after the last answer. Then the gate closes (a request that
	 * arrives is closed unanswered), and what got through it before is
	 * finished: new_request() counts a request before it looks at the
	 * gate. */
	unsigned long ticks = 100ul * timeout, i = 0;
	int quiet = 0;
	for (; i < ticks && quiet < 100; i++) {
		if (atomic_load(&s->in_flight) > 0)
			quiet = 0;
		else if (atomic_load(&s->connections) == 0)
			break;
		else
			quiet++;
		tick();
	}
	atomic_store(&s->closing, true);
	for (; i < ticks && atomic_load(&s->in_flight) > 0; i++)
		tick();
}

void si_http_server_stop(struct si_http_server *s)
{
	if (!s)
		return;
	/* Connections waiting for the guard or the leader are answered and
	 * go on: libmicrohttpd must not be stopped with one still suspended. */
	si_guard_close(s->cfg.guard);
	if (s->cfg.leader.close)
		s->cfg.leader.close(s->cfg.leader.ctx);
	for (int i = 0; i < 1000 && atomic_load(&s->suspended) > 0; i++)
		tick();
	if (s->watchdog_started) {
		pthread_mutex_lock(&s->watch_mu);
		s->watch_stop = true;
		pthread_cond_signal(&s->watch_cv);
		pthread_mutex_unlock(&s->watch_mu);
		pthread_join(s->watchdog, NULL);
	}
	if (s->daemon)
		MHD_stop_daemon(s->daemon);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	creds_free(atomic_load(&s->creds));
	pthread_mutex_destroy(&s->creds_mu);
	pthread_mutex_destroy(&s->conns_mu);
	pthread_mutex_destroy(&s->watch_mu);
	pthread_cond_destroy(&s->watch_cv);
	if (the_server == s)
		the_server = NULL;
	free(s);
}
