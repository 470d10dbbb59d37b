/* SPDX-License-Identifier: Apache-2.0 */
/* The server keeps its own ValidatingWebhookConfiguration in step with the
 * policy and the namespaces: it watches Namespaces, resolves each one's mode
 * (the policy's namespace rule, else its security-inspector.io/mode label,
 * else the policy's default; a label that is not a mode counts as none) and
 * writes webhooks that select namespaces by name (kubernetes.io/metadata.name):
 *
 *   enforce.security-inspector.io  namespaces resolved to enforce (when not
 *                                  the default), failurePolicy Fail
 *   warn. / audit.                 likewise, failurePolicy Ignore
 *   default.security-inspector.io  every other namespace (the default mode's,
 *                                  and any not seen yet): path /validate,
 *                                  Fail only when the default is enforce
 *   cluster.security-inspector.io  ClusterRoleBindings, once, in the policy's
 *                                  mode for cluster-scoped objects (left out
 *                                  when that is off)
 *   namespaces.security-inspector.io  Namespace writes, never denied: warns
 *                                  about a mode label that is not a mode
 *
 * Namespaces resolved to off get no webhook. kube-system and the server's own
 * namespace are never selected. Selectors the live configuration adds on
 * other keys (an administrator's own exclusions) and its objectSelectors are
 * kept; so are its caBundle (unless the server manages certificates) and its
 * service reference (unless a URL is given). One replica writes at a time:
 * the one `may_write` says leads. */
#ifndef SI_RECONCILER_H
#define SI_RECONCILER_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "metrics.h"
#include "reload.h"
#include "security-inspector/error.h"
#include "security-inspector/policy.h"

/* A generated configuration larger than this is not written (the API
 * server refuses objects over 1.5 MiB): some 10 000 namespaces whose mode
 * differs from the default. */
#define SI_VWC_MAX_BYTES (1u << 20)

/* What the reconciler keeps of one namespace. */
struct si_ns_summary {
	char name[64];             /* a DNS-1123 label: at most 63 characters */
	char label[64];            /* the mode label's value, "" when absent */
	bool labelled;             /* the label is present */
	bool reported;             /* an unknown value was logged */
	/* kubernetes.io/metadata.name equals the name: set by the API server
	 * from Kubernetes 1.21 on; without it no webhook can select the
	 * namespace by name. */
	bool name_label;
	bool name_reported;        /* its absence was logged */
};

/* How namespaces resolve, as the last build counted them. */
struct si_ns_counts {
	size_t by_mode[SI_MODE_ENFORCE + 1];
	size_t unknown_label;      /* labelled with a value that is not a mode */
	size_t no_name_label;      /* without a true kubernetes.io/metadata.name */
};

struct si_vwc_spec {
	const char *url;           /* NULL: keep the live service reference */
	const char *ca_bundle;     /* base64 PEM; NULL: keep the live caBundle */
	const char *const *excluded;   /* namespaces never selected */
	size_t n_excluded;
};

/* The webhooks the configuration `live` (the object as read) should have
 * under `p` for the namespaces `ns` (`n` of them, in any order), or NULL when
 * out of memory. `counts` (may be NULL) receives how they resolved. */
cJSON *si_vwc_webhooks(const cJSON *live, const struct si_policy *p,
		       const struct si_ns_summary *ns, size_t n, const struct si_vwc_spec *spec,
		       struct si_ns_counts *counts);

/* The mode namespace `ns` resolves to, and whether its label is unknown. */
enum si_mode si_ns_mode(const struct si_policy *p, const struct si_ns_summary *ns,
			bool *unknown_label);

struct si_reconciler_config {
	const char *name;          /* the ValidatingWebhookConfiguration */
	const char *url;           /* see si_vwc_spec */
	const char *own_namespace; /* excluded with kube-system */
	const char *kubeconfig, *context;
	/* Whether this replica may write now (the leader); NULL: always. */
	bool (*may_write)(void *ctx);
	void *may_write_ctx;
	/* The caBundle to inject (base64 PEM, caller frees) and a number that
	 * changes with it; NULL: keep the live caBundle. */
	char *(*ca_bundle)(void *ctx);
	unsigned long (*ca_generation)(void *ctx);
	void *ca_ctx;
};

struct si_reconciler;

/* Starts watching and reconciling. Borrowed arguments must outlive it. */
si_rc si_reconciler_start(const struct si_reconciler_config *cfg, struct si_policy_slot *slot,
			  struct si_metrics *metrics, struct si_reconciler **out,
			  struct si_error *err);

/* Stops the threads. Accepts NULL. */
void si_reconciler_stop(struct si_reconciler *r);

#endif
