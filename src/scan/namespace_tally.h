/* SPDX-License-Identifier: Apache-2.0 */
/* The failed results of a scan counted per namespace, for the series of
 * GET /metrics/namespaces: a hash table of namespace -> two counters, whose
 * size follows the number of namespaces, never that of the workloads, and
 * the namespaces with most failures taken from it. */
#ifndef SI_NAMESPACE_TALLY_H
#define SI_NAMESPACE_TALLY_H

#include <stddef.h>

#include "metrics.h"
#include "security-inspector/error.h"

struct si_namespace_tally;

/* An empty tally; NULL when out of memory. Free with
 * si_namespace_tally_free() (accepts NULL). */
struct si_namespace_tally *si_namespace_tally_new(void);
void si_namespace_tally_free(struct si_namespace_tally *t);

/* Counts one failed result of severity `sev` (warning or danger) in the
 * namespace `ns` ("" for cluster-scoped objects). A namespace that cannot
 * be kept (a name longer than Kubernetes allows, or no memory for one more)
 * is counted under SI_METRICS_OTHER_NAMESPACES, so that the sums stay
 * right. */
void si_namespace_tally_add(struct si_namespace_tally *t, const char *ns, enum si_severity sev);

/* The rows of the series: the `max` namespaces with most failures (ties by
 * name), most first, then, when more had failures, one row
 * SI_METRICS_OTHER_NAMESPACES with the failures of all the others; no row
 * when `max` is 0. Namespaces without failures have no row. `*rows`
 * (caller frees with free(); NULL when `*n` is 0), `*failing` the number
 * of namespaces with a failure, the cluster scope not counted. Reorders
 * the tally: add nothing to it afterwards. SI_ERR_NOMEM. */
si_rc si_namespace_tally_top(struct si_namespace_tally *t, size_t max,
			     struct si_namespace_failures **rows, size_t *n, size_t *failing,
			     struct si_error *err);

#endif
