// SPDX-License-Identifier: Apache-2.0
// `security-inspector review`: answers an AdmissionReview read from a file or
// stdin exactly as the webhook would, to try a policy without a cluster.
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admission.h"
#include "commands.h"
#include "security-inspector/file.h"

static const char review_usage[] =
	"Usage: security-inspector review [--config FILE] [--mode MODE] FILE|-\n"
	"\n"
	"Prints the webhook's AdmissionReview response to the request in FILE (or\n"
	"stdin). --mode is the mode the request path would name\n"
	"(/validate/MODE: enforce, warn, audit or off).\n"
	"Exit codes: 0 allowed, 1 denied, 2 usage error or a request the webhook\n"
	"would answer with 400 (its reason is printed).\n";

int si_cmd_review(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "mode", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL;
	enum si_mode mode;
	bool has_mode = false;
	int opt, code = SI_EXIT_ERROR;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":c:m:h", longopts, NULL)) != -1) {
		if (opt == 'c') {
			config = optarg;
		} else if (opt == 'm') {
			if (!si_mode_parse(optarg, &mode)) {
				si_cli_error("--mode: expected enforce, warn, audit or off, got \"%s\"",
					     optarg);
				return SI_EXIT_ERROR;
			}
			has_mode = true;
		} else if (opt == 'h') {
			fputs(review_usage, stdout);
			return SI_EXIT_OK;
		} else {
			si_cli_error("review: bad option \"%s\"", argv[optind - 1]);
			fputs(review_usage, stderr);
			return SI_EXIT_ERROR;
		}
	}
	if (optind + 1 != argc) {
		si_cli_error("review needs one FILE (or - for stdin)");
		return SI_EXIT_ERROR;
	}
	const char *path = argv[optind];
	struct si_policy *policy = NULL;
	struct si_error err = { 0 };
	struct si_admission_answer a = { 0 };
	char buf[1024];
	struct si_limits lim = si_limits_default;
	lim.max_input_bytes = SI_ADMISSION_MAX_BODY;
	lim.max_nodes = SI_ADMISSION_MAX_VALUES;
	char *body = NULL;
	size_t len = 0;
	si_rc rc = si_read_file(path, lim.max_input_bytes, &body, &len, &err);

	if (rc == SI_ERR_LIMIT) {
		si_cli_error("%s: over the %u-byte (3.5 MiB) body limit of the webhook", path,
			     SI_ADMISSION_MAX_BODY);
		goto out;
	}
	if (rc) {
		si_cli_error("%s", si_error_format(&err, buf, sizeof(buf)));
		goto out;
	}
	if (config ? si_policy_load(config, &policy, &err) : si_policy_default(&policy, &err)) {
		si_cli_error("%s", si_error_format(&err, buf, sizeof(buf)));
		goto out;
	}
	if (si_admission_handle(body, len, policy, has_mode ? &mode : NULL, &lim, &a)) {
		si_cli_error("out of memory");
		goto out;
	}
	printf("%s\n", a.body);
	code = a.http_status != 200 ? SI_EXIT_ERROR : a.allowed ? SI_EXIT_OK : SI_EXIT_FINDINGS;
out:
	si_admission_answer_clear(&a);
	si_policy_free(policy);
	free(body);
	return code;
}
