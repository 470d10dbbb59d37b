// SPDX-License-Identifier: Apache-2.0
// `security-inspector serve`: check the certificate, load the policy, start
// the HTTPS server, then wait for signals: SIGHUP and file changes reload,
// SIGTERM drains the requests in flight and exits 0.
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "http_server.h"
#include "log.h"
#include "reload.h"
#include "security-inspector/certs.h"

#define MAX_PEM_BYTES (1u << 20)
#define DRAIN_SECONDS 30

static const char serve_usage[] =
	"Usage: security-inspector serve --tls-cert FILE --tls-key FILE [OPTIONS]\n"
	"\n"
	"Serves the validating admission webhook over HTTPS: POST /validate[/MODE],\n"
	"GET /healthz, /readyz and /metrics.\n"
	"\n"
	"  -c, --config FILE          policy file (default: the embedded policy)\n"
	"  -l, --listen ADDR:PORT     address to listen on (default 0.0.0.0:8443;\n"
	"                             [::1]:8443 for IPv6)\n"
	"      --tls-cert FILE        PEM certificate chain (make one: security-inspector certs)\n"
	"      --tls-key FILE         PEM private key\n"
	"      --threads N            worker threads (default: the number of cores)\n"
	"      --max-body BYTES       larger request bodies get 413 (default 8388608)\n"
	"      --idle-timeout S       close connections silent for S seconds (default 30)\n"
	"      --request-timeout S    close a request whose body takes over S seconds (default 10)\n"
	"      --max-connections N    connections served at once (default 1024); 16 more\n"
	"                             for health checks and metrics, the rest refused\n"
	"      --reload-interval S    look for policy and certificate changes every S seconds\n"
	"                             (default 2); SIGHUP reloads at once\n";

struct serve_options {
	const char *config, *cert, *key;
	struct si_http_config http;
	unsigned reload_interval;
};

static bool parse_number(const char *text, unsigned long long min, unsigned long long max,
			 unsigned long long *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno || *end || end == text || text[0] == '-' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* "ADDR:PORT", "[IPv6]:PORT" or ":PORT". `buf` receives the address. */
static bool parse_listen(const char *text, char *buf, size_t size, unsigned *port)
{
	const char *colon = strrchr(text, ':');
	unsigned long long p;
	if (!colon || !parse_number(colon + 1, 1, 65535, &p))
		return false;
	size_t n = (size_t)(colon - text);
	if (n >= 2 && text[0] == '[' && text[n - 1] == ']') {
		text++;
		n -= 2;
	}
	if (n == 0) {
		text = "0.0.0.0";
		n = 7;
	}
	if (n >= size)
		return false;
	memcpy(buf, text, n);
	buf[n] = '\0';
	*port = (unsigned)p;
	return true;
}

static int parse_serve(int argc, char **argv, struct serve_options *o, char *host, size_t host_size)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "tls-cert", required_argument, NULL, 'C' },
		{ "tls-key", required_argument, NULL, 'K' },
		{ "threads", required_argument, NULL, 'T' },
		{ "max-body", required_argument, NULL, 'B' },
		{ "idle-timeout", required_argument, NULL, 'I' },
		{ "request-timeout", required_argument, NULL, 'R' },
		{ "max-connections", required_argument, NULL, 'M' },
		{ "reload-interval", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned long long v;
	int opt;

	snprintf(host, host_size, "0.0.0.0");
	o->http = (struct si_http_config){ host, 8443, cores > 0 ? (unsigned)cores : 1,
					   8u << 20, 30, 10, 1024 };
	o->reload_interval = 2;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":c:l:h", longopts, NULL)) != -1) {
		const char *name = argv[optind - 1];
		switch (opt) {
		case 'c': o->config = optarg; continue;
		case 'C': o->cert = optarg; continue;
		case 'K': o->key = optarg; continue;
		case 'h': fputs(serve_usage, stdout); return -1;
		case 'l':
			if (parse_listen(optarg, host, host_size, &o->http.port))
				continue;
			si_cli_error("--listen: expected ADDR:PORT, got \"%s\"", optarg);
			return SI_EXIT_ERROR;
		case ':':
			si_cli_error("option %s needs a value", name);
			return SI_EXIT_ERROR;
		case '?':
			si_cli_error("unknown option \"%s\"", name);
			fputs(serve_usage, stderr);
			return SI_EXIT_ERROR;
		}
		static const struct {
			int opt;
			const char *name;
			unsigned long long min, max;
		} ranges[] = {
			{ 'T', "--threads", 1, 256 }, { 'B', "--max-body", 1024, 1ull << 30 },
			{ 'I', "--idle-timeout", 1, 3600 }, { 'R', "--request-timeout", 1, 3600 },
			{ 'M', "--max-connections", 1, 100000 }, { 'H', "--reload-interval", 1, 3600 },
		};
		for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
			if (ranges[i].opt != opt)
				continue;
			if (!parse_number(optarg, ranges[i].min, ranges[i].max, &v)) {
				si_cli_error("%s: expected a number from %llu to %llu, got \"%s\"",
					     ranges[i].name, ranges[i].min, ranges[i].max, optarg);
				return SI_EXIT_ERROR;
			}
		}
		switch (opt) {
		case 'T': o->http.threads = (unsigned)v; break;
		case 'B': o->http.max_body = (size_t)v; break;
		case 'I': o->http.idle_timeout = (unsigned)v; break;
		case 'R': o->http.request_timeout = (unsigned)v; break;
		case 'M': o->http.max_connections = (unsigned)v; break;
		case 'H': o->reload_interval = (unsigned)v; break;
		}
	}
	if (optind < argc) {
		si_cli_error("serve: unexpected argument \"%s\"", argv[optind]);
		return SI_EXIT_ERROR;
	}
	if (!o->cert || !o->key) {
		si_cli_error("serve needs --tls-cert and --tls-key "
			     "(make them with: security-inspector certs --out DIR)");
		return SI_EXIT_ERROR;
	}
	return SI_EXIT_OK;
}

static char *read_pem(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = f ? malloc(MAX_PEM_BYTES + 1) : NULL;
	if (!f) {
		si_cli_error("%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	*len = buf ? fread(buf, 1, MAX_PEM_BYTES + 1, f) : 0;
	if (buf && (ferror(f) || *len > MAX_PEM_BYTES)) {
		si_cli_error("%s: cannot read, or over 1 MiB", path);
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[*len] = '\0';
	fclose(f);
	return buf;
}

static void log_event(const char *level, const char *msg, const struct serve_options *o)
{
	cJSON *f = NULL;
	if (o) {
		char listen[128];
		snprintf(listen, sizeof(listen), "%s:%u", o->http.host, o->http.port);
		f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "listen", listen);
		cJSON_AddNumberToObject(f, "threads", o->http.threads);
		cJSON_AddNumberToObject(f, "maxBody", (double)o->http.max_body);
		cJSON_AddStringToObject(f, "policy", o->config ? "file" : "embedded");
	}
	si_log(level, msg, f);
}

int si_cmd_serve(int argc, char **argv)
{
	struct serve_options o = { 0 };
	char host[64], buf[1024];
	struct si_error err = { 0 };
	struct si_policy *policy = NULL;
	struct si_policy_slot *slot = NULL;
	struct si_metrics *metrics = NULL;
	struct si_http_server *server = NULL;
	struct si_reloader *reloader = NULL;
	char *cert = NULL, *key = NULL;
	size_t cert_len = 0, key_len = 0;
	int code = SI_EXIT_ERROR;

	int rc0 = parse_serve(argc, argv, &o, host, sizeof(host));
	if (rc0)
		return rc0 < 0 ? SI_EXIT_OK : rc0;
	if (!(cert = read_pem(o.cert, &cert_len)) || !(key = read_pem(o.key, &key_len)))
		goto out;
	if (si_certs_check(cert, cert_len, key, key_len, NULL, &err)) {
		si_cli_error("%s, %s: %s", o.cert, o.key, err.message);
		goto out;
	}
	if (o.config ? si_policy_load(o.config, &policy, &err) : si_policy_default(&policy, &err)) {
		si_cli_error("%s", si_error_format(&err, buf, sizeof(buf)));
		goto out;
	}
	if (!(slot = si_policy_slot_new(policy)) || !(metrics = si_metrics_new())) {
		if (!slot)
			si_policy_free(policy);
		si_cli_error("out of memory");
		goto out;
	}

	/* Signals are taken by sigtimedwait below, never by a handler: block
	 * them before any thread starts, so that every thread inherits it. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	si_json_arena_init();
	if (si_http_server_start(&o.http, cert, cert_len, key, key_len, slot, metrics, &server,
				 &err)) {
		si_cli_error("%s", si_error_format(&err, buf, sizeof(buf)));
		code = 1;
		goto out;
	}
	struct si_reload_config rc = { o.config, o.cert, o.key };
	if (!(reloader = si_reloader_new(&rc, slot, server, metrics))) {
		si_cli_error("out of memory");
		goto out;
	}
	log_event("info", "serving", &o);

	for (;;) {
		struct timespec wait = { (time_t)o.reload_interval, 0 };
		int sig = sigtimedwait(&set, NULL, &wait);
		if (sig == SIGHUP)
			si_reloader_check(reloader, true);
		else if (sig == SIGTERM || sig == SIGINT)
			break;
		else
			si_reloader_check(reloader, false);
	}

	/* Drain: accept nothing new, let the requests in flight finish. */
	log_event("info", "draining", NULL);
	si_http_server_drain(server);
	/* Until nothing is in flight and the connections are gone: answers
	 * carry "Connection: close" now. Idle keep-alive connections get 1 s
	 * to leave after the last answer. Then the gate closes, and what got
	 * through it before is finished. */
	int i = 0, quiet = 0;
	for (; i < DRAIN_SECONDS * 100 && quiet < 100; i++) {
		if (si_http_server_in_flight(server) > 0)
			quiet = 0;
		else if (si_http_server_connections(server) == 0)
			break;
		else
			quiet++;
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	}
	si_http_server_close(server);
	for (; i < DRAIN_SECONDS * 100 && si_http_server_in_flight(server) > 0; i++)
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	log_event("info", "stopped", NULL);
	code = SI_EXIT_OK;
out:
	si_reloader_free(reloader);
	si_http_server_stop(server);
	si_metrics_free(metrics);
	si_policy_slot_free(slot);
	free(cert);
	free(key);
	return code;
}
