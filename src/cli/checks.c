// SPDX-License-Identifier: Apache-2.0
// `security-inspector checks` and `security-inspector policy`.
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "security-inspector/policy.h"
#include "security-inspector/report.h"

int si_cmd_checks(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "text";
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":f:h", longopts, NULL)) != -1) {
		if (opt == 'f') {
			format = optarg;
		} else if (opt == 'h') {
			puts("Usage: security-inspector checks [--format text|json]");
			return SI_EXIT_OK;
		} else {
			si_cli_error("checks: bad option \"%s\"", argv[optind - 1]);
			return SI_EXIT_ERROR;
		}
	}
	if (optind < argc) {
		si_cli_error("checks: unexpected argument \"%s\"", argv[optind]);
		return SI_EXIT_ERROR;
	}
	struct si_error err = { 0 };
	si_rc rc;
	if (strcmp(format, "json") == 0)
		rc = si_report_checks_json(stdout, &err);
	else if (strcmp(format, "text") == 0)
		rc = si_report_checks_text(stdout, isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
	else {
		si_cli_error("--format: expected text or json, got \"%s\"", format);
		return SI_EXIT_ERROR;
	}
	return rc ? SI_EXIT_ERROR : SI_EXIT_OK;
}

int si_cmd_policy(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL;
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":c:h", longopts, NULL)) != -1) {
		if (opt == 'c') {
			config = optarg;
		} else if (opt == 'h') {
			puts("Usage: security-inspector policy [--config FILE]\n"
			     "Prints the embedded default policy, or checks FILE and says "
			     "whether it is valid.");
			return SI_EXIT_OK;
		} else {
			si_cli_error("policy: bad option \"%s\"", argv[optind - 1]);
			return SI_EXIT_ERROR;
		}
	}
	if (optind < argc) {
		si_cli_error("policy: unexpected argument \"%s\"", argv[optind]);
		return SI_EXIT_ERROR;
	}
	if (!config) {
		fputs(si_policy_default_yaml, stdout);
		return SI_EXIT_OK;
	}
	struct si_policy *p = NULL;
	struct si_error err = { 0 };
	if (si_policy_load(config, &p, &err)) {
		char buf[1024];
		si_cli_error("%s", si_error_format(&err, buf, sizeof(buf)));
		return SI_EXIT_ERROR;
	}
	printf("%s: valid policy (default mode %s, %zu namespace rules, %zu whitelist entries)\n",
	       config, si_mode_name(p->mode), p->n_rules, p->n_whitelist);
	si_policy_free(p);
	return SI_EXIT_OK;
}
