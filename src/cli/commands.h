/* SPDX-License-Identifier: Apache-2.0 */
/* The subcommands of the security-inspector binary. Each returns the process
 * exit code: 0 success, 1 findings at or above the threshold, 2 usage or
 * input error. */
#ifndef SI_CLI_COMMANDS_H
#define SI_CLI_COMMANDS_H

#include <stdbool.h>

#define SI_EXIT_OK 0
#define SI_EXIT_FINDINGS 1
#define SI_EXIT_ERROR 2

int si_cmd_audit(int argc, char **argv);
int si_cmd_checks(int argc, char **argv);
int si_cmd_policy(int argc, char **argv);
int si_cmd_serve(int argc, char **argv);
int si_cmd_review(int argc, char **argv);
int si_cmd_certs(int argc, char **argv);

struct si_audit;

/* What `audit --cluster` inspects and how it reaches the API server. */
struct si_cluster_options {
	const char *kubeconfig;   /* NULL: KUBECONFIG, in-cluster, ~/.kube/config */
	const char *context;      /* NULL: the kubeconfig's current-context */
	const char *namespace;    /* NULL: every namespace; a glob lists all, then filters */
	const char *kind;         /* NULL: every kind */
	unsigned page_size;       /* objects per list request */
};

/* Lists the cluster's workloads and role bindings into `a` (borrowed), with
 * objects owned by a listed controller left out. Each API error is printed
 * and recorded in the audit, so that every report says it is incomplete.
 * Returns false when the run must stop (out of memory). */
bool si_cluster_scan(struct si_audit *a, const struct si_cluster_options *o);

/* Prints "security-inspector: <message>" on stderr. */
void si_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
