/* SPDX-License-Identifier: Apache-2.0 */
/* The policy in force, shared by request threads and replaced on reload;
 * and the watcher that reloads policy and certificate when their files
 * change (Kubernetes swaps a "..data" symlink) or on request (SIGHUP). */
#ifndef SI_RELOAD_H
#define SI_RELOAD_H

#include <stdbool.h>

#include "metrics.h"
#include "security-inspector/certs.h"
#include "security-inspector/policy.h"

struct si_policy_slot;
struct si_policy_hold;    /* a reference to one policy */

/* Takes ownership of `initial`. NULL when out of memory. */
struct si_policy_slot *si_policy_slot_new(struct si_policy *initial);
/* Frees the slot and its policy; no hold may be outstanding. */
void si_policy_slot_free(struct si_policy_slot *s);

/* The policy in force, valid until si_policy_slot_release(hold). */
const struct si_policy *si_policy_slot_acquire(struct si_policy_slot *s,
					       struct si_policy_hold **hold);
void si_policy_slot_release(struct si_policy_hold *hold);

/* Puts `p` (taken) in force; requests holding the old one finish with it. */
si_rc si_policy_slot_swap(struct si_policy_slot *s, struct si_policy *p);

/* Changes with every swap: who derives state from the policy compares it. */
unsigned long si_policy_slot_generation(struct si_policy_slot *s);

struct si_reload_config {
	const char *policy_path;     /* NULL: the embedded policy, never reloaded */
	const char *cert_path, *key_path;   /* NULL: not from files */
	/* With cert_path: checks what the files hold (si_certs_check()), then
	 * puts it in use. */
	si_rc (*check_certificate)(const char *cert_pem, size_t cert_len, const char *key_pem,
				   size_t key_len, struct si_cert_info *info, struct si_error *err);
	si_certs_use_fn use_certificate;
	void *use_ctx;
};

struct si_reloader;

/* Remembers what the files hold now. Borrowed arguments must outlive it. */
struct si_reloader *si_reloader_new(const struct si_reload_config *cfg,
				    struct si_policy_slot *slot, struct si_metrics *metrics);
void si_reloader_free(struct si_reloader *r);

/* Reloads what changed since the last look (everything with `force`). A bad
 * new file keeps the old one in force; each attempt is logged on stderr and
 * counted. */
void si_reloader_check(struct si_reloader *r, bool force);

#endif
