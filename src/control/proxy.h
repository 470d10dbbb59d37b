/* SPDX-License-Identifier: Apache-2.0 */
/* The leader as the server sees it: whether this replica leads, and the
 * report requests that a replica which does not lead forwards to the
 * leader, each in a thread of its own, so that no server thread waits,
 * with the answer kept in an unlinked temporary file, so that no report is
 * held in memory. */
#ifndef SI_PROXY_H
#define SI_PROXY_H

#include <stddef.h>

#include "http_server.h"
#include "leader.h"
#include "security-inspector/error.h"

/* The largest report relayed. */
#define SI_PROXY_MAX_BODY ((size_t)512 << 20)

struct si_proxy;

/* A proxy to the leader of `leader` (borrowed, must outlive the proxy)
 * whose transfers take at most `timeout` seconds each (connecting at most
 * `connect_timeout`). */
si_rc si_proxy_new(struct si_leader *leader, long connect_timeout, long timeout,
		   struct si_proxy **out, struct si_error *err);

/* Fills `out` for the server's configuration: leads, leader_url, forward
 * and close, on `p`. */
void si_proxy_http_leader(struct si_proxy *p, struct si_http_leader *out);

/* Forwards `req` (copied) and calls `done` with the answer. False when too
 * many requests are under way, out of memory, or the proxy is closed:
 * `done` is then never called. */
bool si_proxy_submit(struct si_proxy *p, const struct si_http_forward *req,
		     si_http_relay_fn done, void *ctx);

/* Takes no more requests and cuts those under way short (they are
 * answered, as failed). Accepts NULL. */
void si_proxy_close(struct si_proxy *p);

/* Closes, waits for the requests under way and frees. Accepts NULL. */
void si_proxy_free(struct si_proxy *p);

#endif
