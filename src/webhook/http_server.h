/* SPDX-License-Identifier: Apache-2.0 */
/* The HTTPS server: the only libmicrohttpd user. TLS 1.2+, a thread pool,
 * keep-alive, timeouts and limits, and the routes /validate[/MODE],
 * /healthz, /readyz, /metrics, /report and /report.json (forwarded to the
 * leader by a replica that does not lead). */
#ifndef SI_HTTP_SERVER_H
#define SI_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "guard.h"
#include "inspector.h"
#include "leader.h"
#include "metrics.h"
#include "reload.h"
#include "security-inspector/document.h"
#include "security-inspector/error.h"

struct si_http_config {
	const char *host;            /* IPv4 or IPv6 literal; "0.0.0.0" for any */
	unsigned port;
	unsigned threads;            /* worker threads, each serving many connections */
	size_t max_body;             /* larger bodies get 413 */
	unsigned idle_timeout;       /* seconds a connection may stay silent */
	unsigned request_timeout;    /* seconds one request's body may take */
	unsigned max_connections;
	struct si_inspector *inspector;   /* borrowed; NULL: no /report */
	struct si_guard *guard;           /* borrowed; checks the callers of /report: */
					  /* needed with `inspector` */
	struct si_leader *leader;         /* borrowed; NULL: no election. While another */
					  /* replica leads, its reports are forwarded */
};

struct si_http_server;

/* Starts serving with the PEM certificate chain and key given (copied).
 * `policy` and `metrics` are borrowed and must outlive the server. */
si_rc si_http_server_start(const struct si_http_config *cfg, const char *cert_pem,
			       size_t cert_len, const char *key_pem, size_t key_len,
			       struct si_policy_slot *policy, struct si_metrics *metrics,
			       struct si_http_server **out, struct si_error *err);

/* Serves new TLS handshakes with another certificate and key (copied);
 * connections already open keep theirs. */
si_rc si_http_server_set_certificate(struct si_http_server *s, const char *cert_pem,
					 size_t cert_len, const char *key_pem, size_t key_len,
					 struct si_error *err);

/* Stops accepting connections, answers /readyz with 503 and requests
 * waiting for the guard with 503. */
void si_http_server_drain(struct si_http_server *s);

/* Requests being handled now. */
long si_http_server_in_flight(const struct si_http_server *s);

/* Connections open now. */
long si_http_server_connections(const struct si_http_server *s);

/* Takes no new request: one that arrives is closed unanswered. Those in
 * flight go on (wait for si_http_server_in_flight to reach 0). */
void si_http_server_close(struct si_http_server *s);

/* Closes the guard (checks under way are answered 503), closes every
 * connection and frees the server. Accepts NULL. */
void si_http_server_stop(struct si_http_server *s);

#endif
