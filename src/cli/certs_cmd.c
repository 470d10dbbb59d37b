// SPDX-License-Identifier: Apache-2.0
// `security-inspector certs`: make a CA and a serving certificate for the
// webhook's Service, or check a certificate and key pair with --check.
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "security-inspector/certs.h"
#include "security-inspector/file.h"

#define DEFAULT_NAME "security-inspector"

static const char certs_usage[] =
	"Usage: security-inspector certs --out DIR [--service NAME] [--namespace NS] [--days N]\n"
	"       security-inspector certs --check --tls-cert FILE --tls-key FILE\n"
	"\n"
	"Makes an ECDSA P-256 CA and a serving certificate it signs for the Service\n"
	"NAME.NS.svc, writes ca.crt, ca.key, tls.crt and tls.key into DIR, and prints\n"
	"the CA bundle (base64) for the webhook configuration's caBundle.\n"
	"\n"
	"      --service NAME      the webhook's Service (default: " DEFAULT_NAME ")\n"
	"      --namespace NS      its namespace (default: " DEFAULT_NAME ")\n"
	"      --out DIR           folder to write to, created when missing (required)\n"
	"      --days N            validity in days, 1 to 3650 (default: 365)\n"
	"      --check             check that FILEs parse, match and are valid now\n"
	"      --tls-cert FILE     certificate to check (PEM; the first of a chain)\n"
	"      --tls-key FILE      its private key (PEM)\n"
	"\n"
	"Exit codes: 0 success, 2 usage error, or a file that cannot be written\n"
	"or does not pass the check.\n";

struct options {
	const char *service, *namespace, *out, *tls_cert, *tls_key;
	int days;
	bool check, make_option;
};

static bool parse_days(const char *text, int *out)
{
	char *end = NULL;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || *end || v < 1 || v > SI_CERTS_MAX_DAYS)
		return false;
	*out = (int)v;
	return true;
}

/* SI_EXIT_OK to go on, -1 after --help, SI_EXIT_ERROR on a usage error. */
static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "service", required_argument, NULL, 's' },
		{ "namespace", required_argument, NULL, 'n' },
		{ "out", required_argument, NULL, 'o' },
		{ "days", required_argument, NULL, 'd' },
		{ "check", no_argument, NULL, 'C' },
		{ "tls-cert", required_argument, NULL, 'c' },
		{ "tls-key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	o->service = DEFAULT_NAME;
	o->namespace = DEFAULT_NAME;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': o->service = optarg; o->make_option = true; break;
		case 'n': o->namespace = optarg; o->make_option = true; break;
		case 'o': o->out = optarg; o->make_option = true; break;
		case 'C': o->check = true; break;
		case 'c': o->tls_cert = optarg; break;
		case 'k': o->tls_key = optarg; break;
		case 'd':
			if (!parse_days(optarg, &o->days)) {
				si_cli_error("--days: expected a whole number from 1 to %d, got \"%s\"",
					     SI_CERTS_MAX_DAYS, optarg);
				return SI_EXIT_ERROR;
			}
			o->make_option = true;
			break;
		case 'h':
			fputs(certs_usage, stdout);
			return -1;
		case ':':
			si_cli_error("option %s needs a value", argv[optind - 1]);
			return SI_EXIT_ERROR;
		default:
			si_cli_error("unknown option \"%s\"", argv[optind - 1]);
			fputs(certs_usage, stderr);
			return SI_EXIT_ERROR;
		}
	}
	if (optind < argc) {
		si_cli_error("certs: unexpected argument \"%s\"", argv[optind]);
		return SI_EXIT_ERROR;
	}
	if (o->check) {
		if (o->make_option) {
			si_cli_error("certs --check takes only --tls-cert and --tls-key");
			return SI_EXIT_ERROR;
		}
		if (!o->tls_cert || !o->tls_key) {
			si_cli_error("certs --check needs --tls-cert FILE and --tls-key FILE");
			return SI_EXIT_ERROR;
		}
	} else if (o->tls_cert || o->tls_key) {
		si_cli_error("--tls-cert and --tls-key go with --check");
		return SI_EXIT_ERROR;
	} else if (!o->out) {
		si_cli_error("certs needs --out DIR");
		fputs(certs_usage, stderr);
		return SI_EXIT_ERROR;
	}
	return SI_EXIT_OK;
}

static int check_pair(const char *cert_path, const char *key_path)
{
	char *cert = NULL, *key = NULL;
	size_t cert_len = 0, key_len = 0;
	struct si_cert_info info;
	struct si_error err = { 0 };
	char buf[1024];
	int code = SI_EXIT_ERROR;

	if (si_read_file(cert_path, SI_CERTS_MAX_PEM, &cert, &cert_len, &err) ||
	    si_read_file(key_path, SI_CERTS_MAX_PEM, &key, &key_len, &err)) {
		si_cli_error("%s", si_error_format(&err, buf, sizeof(buf)));
		goto out;
	}
	if (si_certs_check(cert, cert_len, key, key_len, &info, &err)) {
		/* The library leaves the file names to us and says which input failed. */
		si_cli_error("%s: %s", strcmp(err.key, "key") == 0 ? key_path : cert_path,
			     err.message);
		goto out;
	}
	struct tm tm;
	char when[64] = "(unknown)";
	if (gmtime_r(&info.not_after, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	printf("certificate OK: CN=%s, DNS=%s, expires %s\n", info.subject_cn,
	       info.dns_names[0] ? info.dns_names : "(none)", when);
	code = SI_EXIT_OK;
out:
	free(key);
	free(cert);
	return code;
}

int si_cmd_certs(int argc, char **argv)
{
	struct options o = { 0 };
	struct si_certs_result res = { 0 };
	struct si_error err = { 0 };
	char buf[1024];
	int code;

	code = parse_options(argc, argv, &o);
	if (code)
		return code < 0 ? SI_EXIT_OK : code;
	if (o.check)
		return check_pair(o.tls_cert, o.tls_key);

	struct si_certs_request req = {
		.service = o.service,
		.namespace = o.namespace,
		.out_dir = o.out,
		.days = o.days,
	};
	if (si_certs_make(&req, &res, &err)) {
		si_cli_error("%s", si_error_format(&err, buf, sizeof(buf)));
		code = SI_EXIT_ERROR;
		goto out;
	}
	printf("%s\n", res.ca_bundle);
	if (fflush(stdout) != 0) {
		si_cli_error("cannot write the CA bundle");
		code = SI_EXIT_ERROR;
		goto out;
	}
	fprintf(stderr,
		"security-inspector: wrote %s/ca.crt, %s/ca.key, %s/tls.crt and %s/tls.key "
		"(serving certificate for %s.%s.svc, valid %d days); stdout holds the caBundle\n",
		o.out, o.out, o.out, o.out, o.service, o.namespace,
		o.days ? o.days : SI_CERTS_DEFAULT_DAYS);
out:
	si_certs_result_clear(&res);
	return code;
}
