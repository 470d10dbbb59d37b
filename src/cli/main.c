// SPDX-License-Identifier: Apache-2.0
// security-inspector: dispatch to a subcommand.
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"

#ifndef SI_VERSION
#define SI_VERSION "unknown"
#endif

void si_cli_error(const char *fmt, ...)
{
	va_list ap;
	fputs("security-inspector: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage(FILE *out)
{
	fputs("Usage: security-inspector COMMAND [OPTIONS]\n"
	      "\n"
	      "Inspects Kubernetes workloads for security misconfigurations.\n"
	      "\n"
	      "Commands:\n"
	      "  serve --tls-cert F --tls-key F [OPTIONS]\n"
	      "                               the validating admission webhook (HTTPS)\n"
	      "  audit [OPTIONS] PATH|- ...   inspect manifests and kubectl -o json output\n"
	      "  review [--config F] [--mode M] FILE|-\n"
	      "                               answer an AdmissionReview as the webhook would\n"
	      "  checks [--format text|json]  list the 17 inspection items\n"
	      "  policy [--config FILE]       print the default policy, or validate FILE\n"
	      "  certs --service NAME --namespace NS --out DIR   make a CA and a serving certificate\n"
	      "  version                      print the version\n"
	      "\n"
	      "Run 'security-inspector COMMAND --help' for a command's options.\n", out);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return SI_EXIT_ERROR;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "audit") == 0)
		return si_cmd_audit(argc - 1, argv + 1);
	if (strcmp(cmd, "checks") == 0)
		return si_cmd_checks(argc - 1, argv + 1);
	if (strcmp(cmd, "serve") == 0)
		return si_cmd_serve(argc - 1, argv + 1);
	if (strcmp(cmd, "review") == 0)
		return si_cmd_review(argc - 1, argv + 1);
	if (strcmp(cmd, "policy") == 0)
		return si_cmd_policy(argc - 1, argv + 1);
	if (strcmp(cmd, "certs") == 0)
		return si_cmd_certs(argc - 1, argv + 1);
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("security-inspector %s\n", SI_VERSION);
		return SI_EXIT_OK;
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return SI_EXIT_OK;
	}
	si_cli_error("unknown command \"%s\"", cmd);
	usage(stderr);
	return SI_EXIT_ERROR;
}
