/* SPDX-License-Identifier: Apache-2.0 */
/* Leader election between the replicas of the server through a
 * coordination.k8s.io/v1 Lease, with client-go's rules: a Lease is taken
 * when absent, released or unchanged for its duration as seen from here;
 * its holder renews it every retry period and stops leading at once when a
 * renewal has not succeeded within the renew deadline. The leader writes
 * the address of its reports in the Lease, for the others to forward
 * report requests to. */
#ifndef SI_LEADER_H
#define SI_LEADER_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "metrics.h"
#include "security-inspector/error.h"

/* The Lease annotation that holds the leader's report address. */
#define SI_LEADER_URL_ANNOTATION "security-inspector.io/report-url"
/* Longest identity and report address accepted, in a Lease or from flags. */
#define SI_LEADER_MAX_IDENTITY 256
#define SI_LEADER_MAX_URL 512

struct si_leader_config {
	const char *namespace, *name;   /* the Lease */
	const char *identity;           /* this replica: unique among them */
	const char *report_url;         /* "https://10.1.2.3:8443"; may be NULL */
	unsigned lease_duration;        /* seconds a Lease stays valid unrenewed (15) */
	unsigned renew_deadline;        /* seconds the leader may fail to renew (10); */
					/* under lease_duration */
	unsigned retry_period;          /* seconds between attempts (2); under */
					/* renew_deadline */
};

/* The spec of a Lease, as the election reads and writes it. */
struct si_lease_record {
	char holder[SI_LEADER_MAX_IDENTITY];   /* "" : released */
	long duration;                         /* leaseDurationSeconds */
	char acquire_time[40], renew_time[40]; /* MicroTime text, compared as is */
	long transitions;                      /* leaseTransitions */
	char report_url[SI_LEADER_MAX_URL];    /* the annotation; "" when none */
};

/* Reads the record of the Lease object `lease`. Missing fields read as
 * empty or 0; a field of the wrong type, or one longer than its buffer, is
 * SI_ERR_TYPE or SI_ERR_LIMIT naming it in err->key. */
si_rc si_lease_record_read(const cJSON *lease, struct si_lease_record *out,
			   struct si_error *err);

/* Whether two records are the same: a change of either restarts the
 * Lease's duration as observed here. */
bool si_lease_record_equal(const struct si_lease_record *a, const struct si_lease_record *b);

/* Whether `me` may take or renew the Lease whose record is `rec`, last
 * seen changing at `observed` and looked at `now` (seconds of one local
 * monotonic clock): when it is released (no holder), held by `me`, or
 * unchanged for its leaseDurationSeconds. The holder's clock is never
 * read. */
bool si_lease_may_acquire(const struct si_lease_record *rec, const char *me, double observed,
			  double now);

/* The record that `me` writes to take or renew `old` at `now_micro`
 * (MicroTime text): the acquire time and transition count are kept on a
 * renewal, a new holder counts one more transition. `url` may be NULL. */
void si_lease_record_next(const struct si_lease_record *old, const char *me,
			  unsigned duration, const char *now_micro, const char *url,
			  struct si_lease_record *out);

/* This replica's identity when none is given, into `buf`: POD_NAME, else
 * the host name, then "_" and 8 random hex digits (so that a restarted
 * process is a new candidate, as client-go's identities are). */
void si_leader_default_identity(char *buf, size_t size);

struct si_leader;

/* Told from the election thread each time this replica starts (`leading`)
 * or stops leading; `term` is si_leader_term() of that time. It must not
 * block: the election waits for it. */
typedef void (*si_leader_fn)(void *ctx, bool leading, unsigned long term);

/* Starts the election in a thread of its own, with a client for the API
 * server found from `kubeconfig` and `context` (as si_kube_connect()).
 * `cfg` and its strings are copied; `metrics` is borrowed (may be NULL).
 * Durations out of order (retry < renew < lease) are SI_ERR_USAGE. */
si_rc si_leader_start(const struct si_leader_config *cfg, const char *kubeconfig,
		      const char *context, struct si_metrics *metrics, struct si_leader **out,
		      struct si_error *err);

/* Registers `fn` (at most 4 of them), called at each change from now on.
 * False when there is no room. */
bool si_leader_watch(struct si_leader *l, si_leader_fn fn, void *ctx);

/* Whether this replica leads now: its last renewal succeeded within the
 * renew deadline, measured from when that renewal was sent (so that it
 * stops before any other replica may take over). NULL: true, without an
 * election this replica acts alone. */
bool si_leader_is_leader(struct si_leader *l);

/* Grows by one each time this replica becomes leader; 0 before the first
 * time. NULL: 0. */
unsigned long si_leader_term(struct si_leader *l);

/* Whether this replica leads now, in the term `term`: work started in a
 * term ends with it. NULL: true. */
bool si_leader_in_term(struct si_leader *l, unsigned long term);

/* This replica's identity (borrowed, lives as long as `l`). */
const char *si_leader_identity(const struct si_leader *l);

/* Copies the report address of the current leader into `buf`: false when
 * this replica leads, when the Lease is free or expired, when its holder
 * wrote no address, or when it does not fit. */
bool si_leader_report_url(struct si_leader *l, char *buf, size_t size);

/* Stops the election: a leader stops leading (watchers are told), then
 * releases the Lease (no holder, leaseDurationSeconds 1) so that another
 * replica takes over at its next attempt. `l` stays readable (never the
 * leader again) until si_leader_free(). Accepts NULL; a second call does
 * nothing. */
void si_leader_stop(struct si_leader *l);

/* Stops (as si_leader_stop()) and frees. Accepts NULL. */
void si_leader_free(struct si_leader *l);

#endif
