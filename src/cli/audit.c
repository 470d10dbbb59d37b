// SPDX-License-Identifier: Apache-2.0
// `security-inspector audit`: arguments -> audit run -> report and exit code.
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "security-inspector/audit.h"
#include "security-inspector/kube.h"
#include "security-inspector/report.h"

static const char audit_usage[] =
	"Usage: security-inspector audit [OPTIONS] PATH|- ...\n"
	"       security-inspector audit --cluster [OPTIONS]\n"
	"\n"
	"Inspects files, folders (*.yaml, *.yml, *.json, recursively) and stdin (-),\n"
	"or, with --cluster, the workloads and role bindings of a live cluster.\n"
	"\n"
	"  -c, --config FILE       policy file (default: the embedded policy)\n"
	"  -f, --format FORMAT     text (default), json, html, sarif, junit or policyreport\n"
	"  -o, --output FILE       write the report to FILE instead of stdout\n"
	"  -n, --namespace NS      inspect only namespace NS (a glob)\n"
	"  -k, --kind KIND         inspect only objects of KIND\n"
	"      --failed-only       list only failing workloads and results\n"
	"      --fail-on LEVEL     exit 1 when a failure at LEVEL or above is found:\n"
	"                          danger (default), warning or never\n"
	"      --color WHEN        auto (default), always or never\n"
	"      --show-env-values   print containers' env[].value as written; by default\n"
	"                          reports mask them, and the last-applied-configuration\n"
	"                          annotation that copies them, as " SI_REPORT_MASK "\n"
	"      --cluster           inspect the cluster the kubeconfig points to (or,\n"
	"                          in a pod, its own cluster)\n"
	"      --kubeconfig FILE   kubeconfig for --cluster (default: KUBECONFIG,\n"
	"                          in-cluster, ~/.kube/config)\n"
	"      --context NAME      kubeconfig context (default: current-context)\n"
	"      --page-size N       objects per list request (default 500)\n"
	"\n"
	"Exit codes: 0 nothing at or above --fail-on failed, 1 something did,\n"
	"2 usage or input error, or an incomplete cluster scan.\n";

struct options {
	const char *config, *output, *color;
	enum si_report_format format;
	struct si_audit_filter filter;
	bool failed_only;
	bool show_env_values;
	enum si_severity fail_on;
	bool cluster;
	struct si_cluster_options cl;
};

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "namespace", required_argument, NULL, 'n' },
		{ "kind", required_argument, NULL, 'k' },
		{ "failed-only", no_argument, NULL, 'F' },
		{ "fail-on", required_argument, NULL, 'L' },
		{ "color", required_argument, NULL, 'C' },
		{ "show-env-values", no_argument, NULL, 'V' },
		{ "cluster", no_argument, NULL, 'K' },
		{ "kubeconfig", required_argument, NULL, 'G' },
		{ "context", required_argument, NULL, 'X' },
		{ "page-size", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	o->format = SI_REPORT_TEXT;
	o->color = "auto";
	o->fail_on = SI_SEVERITY_DANGER;
	o->cl.page_size = 500;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":c:f:o:n:k:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': o->config = optarg; break;
		case 'f':
			if (!si_report_format_parse(optarg, &o->format)) {
				si_cli_error("--format: expected text, json, html, sarif, junit or policyreport, "
					     "got \"%s\"", optarg);
				return SI_EXIT_ERROR;
			}
			break;
		case 'o': o->output = optarg; break;
		case 'n': o->filter.namespace = optarg; break;
		case 'k': o->filter.kind = optarg; break;
		case 'F': o->failed_only = true; break;
		case 'C': o->color = optarg; break;
		case 'V': o->show_env_values = true; break;
		case 'K': o->cluster = true; break;
		case 'G': o->cl.kubeconfig = optarg; break;
		case 'X': o->cl.context = optarg; break;
		case 'P': {
			char *end;
			unsigned long n = strtoul(optarg, &end, 10);
			if (optarg[0] < '0' || optarg[0] > '9' || *end || n < 1 || n > 100000) {
				si_cli_error("--page-size: expected 1 to 100000, got \"%s\"", optarg);
				return SI_EXIT_ERROR;
			}
			o->cl.page_size = (unsigned)n;
			break;
		}
		case 'L':
			if (strcmp(optarg, "danger") == 0)
				o->fail_on = SI_SEVERITY_DANGER;
			else if (strcmp(optarg, "warning") == 0)
				o->fail_on = SI_SEVERITY_WARNING;
			else if (strcmp(optarg, "never") == 0)
				o->fail_on = SI_SEVERITY_IGNORE;
			else {
				si_cli_error("--fail-on: expected danger, warning or never, got \"%s\"",
					     optarg);
				return SI_EXIT_ERROR;
			}
			break;
		case 'h':
			fputs(audit_usage, stdout);
			return -1;
		case ':':
			si_cli_error("option %s needs a value", argv[optind - 1]);
			return SI_EXIT_ERROR;
		default:
			si_cli_error("unknown option \"%s\"", argv[optind - 1]);
			fputs(audit_usage, stderr);
			return SI_EXIT_ERROR;
		}
	}
	if (strcmp(o->color, "auto") != 0 && strcmp(o->color, "always") != 0 &&
	    strcmp(o->color, "never") != 0) {
		si_cli_error("--color: expected auto, always or never, got \"%s\"", o->color);
		return SI_EXIT_ERROR;
	}
	if (!o->cluster && (o->cl.kubeconfig || o->cl.context)) {
		si_cli_error("--kubeconfig and --context need --cluster");
		return SI_EXIT_ERROR;
	}
	o->cl.namespace = o->filter.namespace;
	o->cl.kind = o->filter.kind;
	return SI_EXIT_OK;
}

/* An input error, printed as it is met (the audit also counts it). */
static void print_error(const struct si_error *err, void *ctx)
{
	char buf[1024];
	(void)ctx;
	si_cli_error("%s", si_error_format(err, buf, sizeof(buf)));
}

/* Inspects the objects of one file, read as a stream: one object in memory
 * at a time. An object over a limit is an input error and the file goes
 * on; a syntax error ends the file. Returns false when the run must stop,
 * with `stop` set. */
static bool inspect_file(struct si_audit *a, const char *file, struct si_error *stop)
{
	struct si_error err = { 0 };
	struct si_stream *st = NULL;
	struct si_input *in = NULL;
	si_rc rc = si_stream_open(file, &si_limits_default, &st, &err);

	while (rc == SI_OK) {
		if ((rc = si_stream_next(st, &in, &err)) == SI_OK && !in)
			break;
		if (rc == SI_OK) {
			rc = si_audit_inspect(a, in, stop);
			si_input_free(in);
			if (rc)
				goto out;   /* `stop` says why */
		} else if (rc != SI_ERR_NOMEM) {
			/* The stream says whether more follows. */
			rc = si_audit_add_error(a, &err);
		}
	}
	if (rc && rc != SI_ERR_NOMEM)   /* the file could not be opened */
		rc = si_audit_add_error(a, &err);
	if (rc == SI_ERR_NOMEM)
		si_error_set(stop, rc, file, 0, "out of memory");
out:
	si_stream_close(st);
	return rc == SI_OK;
}

/* Inspects every file under `path`. Returns false on an error that stops
 * the run (out of memory, a report that cannot be written), with `stop`
 * set. */
static bool add_path(struct si_audit *a, const char *path, bool *stdin_used,
		     struct si_error *stop)
{
	struct si_error err = { 0 };
	char **files = NULL;
	size_t n = 0;

	if (strcmp(path, "-") == 0) {
		if (*stdin_used) {
			si_error_set(&err, SI_ERR_USAGE, "<stdin>", 0, "stdin (-) given twice");
			return si_audit_add_error(a, &err) == SI_OK;
		}
		*stdin_used = true;
	}
	if (si_paths_collect(path, &files, &n, &err)) {
		if (err.code == SI_ERR_NOMEM) {
			*stop = err;
			return false;
		}
		return si_audit_add_error(a, &err) == SI_OK;
	}
	bool go_on = true;
	for (size_t i = 0; go_on && i < n; i++) {
		a->n_inputs++;
		go_on = inspect_file(a, files[i], stop);
	}
	si_paths_free(files, n);
	return go_on;
}

int si_cmd_audit(int argc, char **argv)
{
	struct options o = { 0 };
	struct si_policy *policy = NULL;
	struct si_audit a;
	struct si_report *report = NULL;
	struct si_error err = { 0 };
	char buf[1024];
	FILE *out = stdout;
	bool stdin_used = false;
	int code = SI_EXIT_ERROR;

	si_audit_init(&a, NULL, NULL);
	/* GNU getopt moves the paths behind the options, so both may mix. */
	int rc0 = parse_options(argc, argv, &o);
	if (rc0)
		return rc0 < 0 ? SI_EXIT_OK : rc0;
	char **paths = argv + optind;
	size_t n_paths = (size_t)(argc - optind);
	if (n_paths == 0 && !o.cluster) {
		si_cli_error("audit needs at least one PATH, - for stdin, or --cluster");
		fputs(audit_usage, stderr);
		goto out;
	}
	if (o.config ? si_policy_load(o.config, &policy, &err) : si_policy_default(&policy, &err)) {
		si_cli_error("%s", si_error_format(&err, buf, sizeof(buf)));
		goto out;
	}
	if (o.output && !(out = fopen(o.output, "w"))) {
		si_cli_error("%s: cannot write the report", o.output);
		goto out;
	}
	struct si_report_options ro = { .failed_only = o.failed_only,
					.show_env_values = o.show_env_values };
	ro.color = strcmp(o.color, "always") == 0 ||
		   (strcmp(o.color, "auto") == 0 && !o.output && isatty(fileno(out)) &&
		    !getenv("NO_COLOR"));
	/* The report is written while the inputs are read: nothing of a
	 * workload is kept once it is in the report. */
	if (si_report_open(o.format, &ro, out, &report, &err))
		goto fail;
	si_audit_init(&a, policy, &o.filter);
	a.on_entry = si_report_entry_fn;
	a.on_error = print_error;
	a.ctx = report;
	for (size_t i = 0; i < n_paths; i++)
		if (!add_path(&a, paths[i], &stdin_used, &err))
			goto fail;
	if (o.cluster) {
		struct si_cluster_stats st;
		a.n_inputs++;
		if (si_cluster_scan(&a, &o.cl, &st, &err))
			goto fail;
		if (st.restarts)
			fprintf(stderr, "security-inspector: note: %u list%s expired (HTTP 410) and "
				"%s started again\n", st.restarts, st.restarts > 1 ? "s" : "",
				st.restarts > 1 ? "were" : "was");
	}
	if (si_audit_finish(&a) || si_report_finish(report, &a, &err))
		goto fail;
	if (a.n_errors)
		code = SI_EXIT_ERROR;
	else
		code = si_audit_failed_at(&a, o.fail_on) ? SI_EXIT_FINDINGS : SI_EXIT_OK;
	goto out;
fail:
	si_cli_error("%s", err.code ? si_error_format(&err, buf, sizeof(buf)) : "out of memory");
out:
	si_report_free(report);
	if (out && out != stdout)
		fclose(out);
	si_audit_free(&a);
	si_policy_free(policy);
	return code;
}
