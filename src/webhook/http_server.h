/* SPDX-License-Identifier: Apache-2.0 */
/* The HTTPS server: the only libmicrohttpd user. TLS 1.2+, a thread pool,
 * keep-alive, timeouts and limits, draining, and the routes
 * /validate[/MODE], /healthz, /readyz, /metrics, and, when a report source
 * is given, the report's pages /report and /report/workload, its files
 * /report.json and /report.html, and /report/inspect (guarded, and passed
 * to the leader by a replica that does not lead), and the scans' failures
 * per namespace at /metrics/namespaces (guarded, served by each replica
 * from its own metrics). What the reports are and where the leader is come
 * through the small interfaces below, so that the server links neither the
 * Kubernetes client nor the scanner. */
#ifndef SI_HTTP_SERVER_H
#define SI_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "admission.h"
#include "guard.h"
#include "metrics.h"
#include "reload.h"
#include "security-inspector/error.h"

/* The report files served whole. */
enum si_http_report { SI_HTTP_REPORT_JSON, SI_HTTP_REPORT_HTML };

/* A page rendered for a request. */
struct si_http_page {
	int status;                  /* 200, or 400, 404, 500 or 503 */
	char *body;                  /* with 200: the HTML page (the server frees */
	size_t len;                  /* it with free()) */
	const char *csp;             /* with 200: its Content-Security-Policy (static) */
	char error[256];             /* otherwise: why, for the caller */
};

/* Whoever scans the cluster, as the server sees it. */
struct si_http_reports {
	/* The latest report in format `f`: an open file descriptor (the
	 * server closes it) and its size in `*size`; -1 when there is none
	 * yet (or it cannot be opened). NULL: no reports are served. */
	int (*open)(void *ctx, enum si_http_report f, size_t *size);
	/* Renders the page at `path` ("/report" or "/report/workload") for the
	 * decoded query `query` (name, value, ..., NULL) into `out`. */
	void (*page)(void *ctx, const char *path, const char *const *query,
		     struct si_http_page *out);
	/* Asks for a scan at once: true when one starts now; false when one
	 * runs or is already asked for, with `*since` the time it started or
	 * was asked for. */
	bool (*inspect_now)(void *ctx, time_t *since);
	void *ctx;
};

/* Marks a request passed on by another replica: a replica that does not
 * lead answers it 503 rather than passing it on again. */
#define SI_HTTP_FORWARDED_HEADER "X-Security-Inspector-Forwarded"

/* A report request passed on to the leader. Strings are borrowed for the
 * call. */
struct si_http_forward {
	const char *base;              /* the leader: "https://HOST:PORT" */
	const char *path;              /* "/report.json" */
	const char *const *query;      /* decoded name, value, ..., NULL; may be NULL */
	bool head;                     /* HEAD instead of GET */
	bool post;                     /* POST with an empty body instead of GET */
	const char *const *headers;    /* "Name: value" lines, NULL-terminated */
	const char *pinned_keys;       /* the keys the leader may show: */
				       /* "sha256//BASE64[;sha256//BASE64]" */
};

/* The leader's answer to a forwarded request, or why there is none. */
struct si_http_relayed {
	int fd;                        /* its body at offset 0 (the receiver closes */
				       /* it), or -1 when none came */
	size_t size;
	long status;
	char content_type[128];        /* "" when absent */
	char www_authenticate[256];
	char retry_after[32];
	char content_security_policy[512];
	int error_status;              /* with fd -1: 502, 503 or 504 ... */
	char error[256];               /* ... and why, for the caller */
};

/* Told once per forwarded request, from any thread. `a` is lent for the
 * call; the receiver takes `a->fd`. */
typedef void (*si_http_relay_fn)(void *ctx, struct si_http_relayed *a);

/* The leader election, as the server sees it. All NULL: this replica acts
 * alone and serves its own reports. */
struct si_http_leader {
	bool (*leads)(void *ctx);      /* whether this replica leads now */
	/* The leader's report address into `buf`; false when none is known. */
	bool (*leader_url)(void *ctx, char *buf, size_t size);
	/* Passes `req` on and calls `done` with the answer. False when it
	 * cannot be taken now (too many under way, out of memory, closed):
	 * `done` is then never called. */
	bool (*forward)(void *ctx, const struct si_http_forward *req, si_http_relay_fn done,
			void *done_ctx);
	/* Takes no more requests and cuts those under way short (they are
	 * answered, as failed). */
	void (*close)(void *ctx);
	void *ctx;
};

struct si_http_config {
	const char *host;            /* IPv4 or IPv6 literal; "0.0.0.0" for any */
	unsigned port;
	unsigned threads;            /* worker threads, each serving many connections */
	size_t max_body;             /* larger bodies get 413 */
	unsigned idle_timeout;       /* seconds a connection may stay silent */
	unsigned request_timeout;    /* seconds one request's body may take */
	unsigned max_connections;
	struct si_http_reports reports;   /* open NULL: no /report */
	struct si_guard *guard;           /* borrowed; checks the callers of the */
					  /* reports: needed with `reports` */
	struct si_http_leader leader;     /* while another replica leads, report */
					  /* requests are forwarded to it */
	struct si_admission_lister lister; /* list NULL: no preview of namespaces */
					   /* turned to enforce (admission.h) */
};

struct si_http_server;

/* Starts serving with the PEM certificate chain and key given (copied).
 * `policy` and `metrics`, and what `cfg` points to, are borrowed and must
 * outlive the server. */
si_rc si_http_server_start(const struct si_http_config *cfg, const char *cert_pem,
			       size_t cert_len, const char *key_pem, size_t key_len,
			       struct si_policy_slot *policy, struct si_metrics *metrics,
			       struct si_http_server **out, struct si_error *err);

/* Serves new TLS handshakes with another certificate and key (copied);
 * connections already open keep theirs. */
si_rc si_http_server_set_certificate(struct si_http_server *s, const char *cert_pem,
					 size_t cert_len, const char *key_pem, size_t key_len,
					 struct si_error *err);

/* Drains, for a SIGTERM: stops accepting connections, answers /readyz with
 * 503 and requests waiting for the guard with 503, and tells keep-alive
 * clients to close; waits until nothing is in flight and the connections
 * are gone (an idle keep-alive connection gets 1 s after the last answer);
 * then takes no new request and waits for those that got in before. Waits
 * `timeout` seconds at most in all. */
void si_http_server_drain(struct si_http_server *s, unsigned timeout);

/* Closes the guard (checks under way are answered 503), closes every
 * connection and frees the server. Accepts NULL. */
void si_http_server_stop(struct si_http_server *s);

#endif
