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

/* Prints "security-inspector: <message>" on stderr. */
void si_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
