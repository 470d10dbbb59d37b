/* SPDX-License-Identifier: Apache-2.0 */
/* Report requests that a replica which does not lead forwards to the
 * leader: each in a thread of its own, so that no server thread waits, with
 * the answer kept in an unlinked temporary file, so that no report is held
 * in memory. */
#ifndef SI_PROXY_H
#define SI_PROXY_H

#include <stddef.h>

#include "security-inspector/error.h"
#include "security-inspector/kube.h"

/* Marks a forwarded request: a replica that does not lead answers it 503
 * rather than forwarding it again. */
#define SI_PROXY_HEADER "X-Security-Inspector-Forwarded"
/* The largest report relayed. */
#define SI_PROXY_MAX_BODY ((size_t)512 << 20)

/* How a forwarded request ended. */
struct si_proxy_answer {
	int fd;                      /* the leader's answer body at offset 0 (the */
				     /* receiver closes it), or -1 when none came */
	size_t size;
	struct si_peer_answer peer;  /* its status and headers */
	int error_status;            /* with fd -1: 502, 503 or 504 ... */
	char error[256];             /* ... and why, for the caller */
};

/* Told once per submitted request, from its thread. `a` is lent for the
 * call; the receiver takes `a->fd`. */
typedef void (*si_proxy_done_fn)(void *ctx, struct si_proxy_answer *a);

struct si_proxy;

/* A proxy whose transfers take at most `timeout` seconds each (connecting
 * at most `connect_timeout`). */
si_rc si_proxy_new(long connect_timeout, long timeout, struct si_proxy **out,
		   struct si_error *err);

/* Forwards `req` (copied; its timeouts, max_body and cancel are the
 * proxy's) and calls `done` with the answer. False when too many requests
 * are under way, out of memory, or the proxy is closed: `done` is then
 * never called. */
bool si_proxy_submit(struct si_proxy *p, const struct si_peer_request *req,
		     si_proxy_done_fn done, void *ctx);

/* Takes no more requests and cuts those under way short (they are
 * answered, as failed). Accepts NULL. */
void si_proxy_close(struct si_proxy *p);

/* Closes, waits for the requests under way and frees. Accepts NULL. */
void si_proxy_free(struct si_proxy *p);

#endif
