/* SPDX-License-Identifier: Apache-2.0 */
/* Results -> PolicyReports of the Kubernetes Policy WG (wgpolicyk8s.io
 * v1alpha2): one PolicyReport per namespace (its workloads and
 * RoleBindings) and one ClusterPolicyReport (ClusterRoleBindings), each
 * split in parts when it would exceed an object size limit.
 *
 * The workloads of a namespace come in any order (a cluster is listed kind
 * by kind), so results are spooled to an unlinked temporary file as they
 * come, chained per namespace; memory holds one small summary per
 * namespace and one part being rendered. */
#ifndef SI_POLICYREPORT_H
#define SI_POLICYREPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "security-inspector/audit.h"
#include "security-inspector/error.h"

#define SI_POLICYREPORT_API_VERSION "wgpolicyk8s.io/v1alpha2"
/* metadata.name of a report's first part; the next are NAME-2, NAME-3... */
#define SI_POLICYREPORT_NAME "security-inspector"
/* The label every report carries, with the value "security-inspector". */
#define SI_POLICYREPORT_LABEL "app.kubernetes.io/managed-by"
/* The annotation holding the SHA-256 of a part's content (results without
 * timestamps, and summary): a part whose digest is unchanged is not
 * written again. */
#define SI_POLICYREPORT_DIGEST "security-inspector.io/digest"
/* The default and the bounds of the size of one report object (its JSON
 * text): the API server stores objects of up to 1.5 MiB in etcd. */
#define SI_POLICYREPORT_MAX_BYTES (1u << 20)
#define SI_POLICYREPORT_MIN_BYTES (16u << 10)
/* The longest result: longer messages are cut. */
#define SI_POLICYREPORT_MAX_RESULT 8192

/* The results counted as the CRD's summary counts them. */
enum si_policyreport_result {
	SI_POLR_PASS, SI_POLR_FAIL, SI_POLR_WARN, SI_POLR_ERROR, SI_POLR_SKIP,
	SI_POLR_RESULT_COUNT
};
const char *si_policyreport_result_name(enum si_policyreport_result r);

struct si_policyreports;

/* Starts empty reports; `max_bytes` bounds each object (0: the default;
 * clamped to the bounds above) and `dir` is where the spool is made
 * (NULL: TMPDIR, else /tmp). On success free `*out` with
 * si_policyreports_free(). SI_ERR_IO when no spool can be made. */
si_rc si_policyreports_open(size_t max_bytes, const char *dir, struct si_policyreports **out,
			    struct si_error *err);

/* Adds the results of one workload (its evaluation must have messages). */
si_rc si_policyreports_add(struct si_policyreports *p, const struct si_audit_entry *e,
			   struct si_error *err);

/* One report object to write: a part of one namespace's results. */
struct si_policyreport_part {
	const char *namespace;      /* "" for the ClusterPolicyReport */
	const char *kind;           /* "PolicyReport" or "ClusterPolicyReport" */
	char name[64];              /* SI_POLICYREPORT_NAME[-N] */
	unsigned number;            /* 1, 2, ... */
	size_t n_results;
	size_t summary[SI_POLR_RESULT_COUNT];
	uint64_t start;             /* where its first result is spooled */
};

/* Called for each part, namespaces in byte order of their names, the
 * ClusterPolicyReport first; `part` is valid during the call. */
typedef si_rc (*si_policyreport_part_fn)(const struct si_policyreport_part *part, void *ctx,
					 struct si_error *err);

/* Hands every part to `fn` (which may render it); stops at and returns
 * its first non-zero return. No result may be added after it. */
si_rc si_policyreports_each(struct si_policyreports *p, si_policyreport_part_fn fn, void *ctx,
			    struct si_error *err);

/* How many namespaces (the cluster scope counted as one) have results. */
size_t si_policyreports_namespaces(const struct si_policyreports *p);

/* The JSON text of a part (caller frees `*text`): apiVersion, kind,
 * metadata (`metadata`, borrowed, may be NULL: labels, annotations,
 * ownerReferences; name and namespace are set here, and the label
 * SI_POLICYREPORT_LABEL), summary and results, each result with
 * `timestamp` {seconds: `when`} unless `when` is 0. With `content_only`,
 * the content alone (summary and results without timestamps, nothing
 * else) is written instead, for a digest of it. */
si_rc si_policyreports_render(struct si_policyreports *p, const struct si_policyreport_part *part,
			      const cJSON *metadata, time_t when, bool content_only, char **text,
			      size_t *len, struct si_error *err);

/* Accepts NULL. */
void si_policyreports_free(struct si_policyreports *p);

#endif
