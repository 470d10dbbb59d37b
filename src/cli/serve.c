// SPDX-License-Identifier: Apache-2.0
// `security-inspector serve`: options to configurations; check the
// certificate, load the policy, start the modules (election, certificate
// Secret, scans, webhook configuration, the HTTPS server), then wait for
// signals: SIGHUP and file changes reload, SIGTERM gives up the leadership,
// drains the server and stops the modules in order.
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "certmgr.h"
#include "commands.h"
#include "http_server.h"
#include "leader.h"
#include "log.h"
#include "proxy.h"
#include "reconciler.h"
#include "reload.h"
#include "reviewer.h"
#include "scan.h"
#include "security-inspector/certs.h"
#include "security-inspector/file.h"
#include "security-inspector/policyreport.h"

#define DRAIN_SECONDS 30
/* client-go's defaults for leader election, in seconds. */
#define LEASE_DURATION 15
#define RENEW_DEADLINE 10
#define RETRY_PERIOD 2

static const char serve_usage[] =
	"Usage: security-inspector serve --tls-cert FILE --tls-key FILE [OPTIONS]\n"
	"       security-inspector serve --manage-certs SECRET [OPTIONS]\n"
	"\n"
	"Serves the validating admission webhook over HTTPS: POST /validate[/MODE],\n"
	"GET /healthz, /readyz and /metrics; with --inspect-interval or --inspect-schedule,\n"
	"scans the cluster in the background and serves the latest report at GET /report\n"
	"and /report.json (POST /report/inspect starts a scan at once), and its failures\n"
	"per namespace at GET /metrics/namespaces.\n"
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
	"                             (default 2); SIGHUP reloads at once\n"
	"\n"
	"Certificates kept in a Secret (instead of --tls-cert and --tls-key):\n"
	"      --manage-certs SECRET  the Secret (type kubernetes.io/tls, made empty) that\n"
	"                             holds the CA and the serving certificate; made when\n"
	"                             missing, renewed before expiry; needs get and update\n"
	"                             on it. ca.crt is the bundle clients must trust\n"
	"      --cert-namespace NS    its namespace (default: the pod's, else default)\n"
	"      --service NAME         the Service named in the certificate (default\n"
	"                             security-inspector)\n"
	"      --ca-lifetime D        validity of a new CA (default 365d)\n"
	"      --cert-lifetime D      validity of a serving certificate (default 90d); each\n"
	"                             is renewed when a third of its lifetime is left\n"
	"      --ca-overlap D         a new CA is in ca.crt this long before it signs, and an\n"
	"                             old one stays this long after (default 2m)\n"
	"      --cert-check-interval D  look at the Secret every D (default 10s)\n"
	"      --cert-start-timeout D   at start-up, retry an unreachable API server for D\n"
	"                             (default 60s)\n"
	"      --kubeconfig, --context  as below\n"
	"\n";

/* The options that reach the API server (a string of its own: C compilers
 * need only take 4095 characters in one). */
static const char serve_usage_cluster[] =
	"Scheduled inspection (off by default):\n"
	"      --inspect-interval D   scan the cluster every D (30s, 15m, 1h, 1h30m, 1d)\n"
	"      --inspect-schedule EXPR  scan at the times of a cron expression (minute hour\n"
	"                             day-of-month month day-of-week), in UTC unless it\n"
	"                             starts with CRON_TZ=Area/City: '0 2 * * *'\n"
	"      --kubeconfig FILE      kubeconfig for whatever reaches the API server\n"
	"                             (default: KUBECONFIG, in-cluster, ~/.kube/config)\n"
	"      --context NAME         kubeconfig context (default: its current-context)\n"
	"      --events-namespace NS  namespace of the object the scan's Events are about\n"
	"                             (default: the pod's own in a cluster, else default)\n"
	"      --events-deployment N  the Deployment they are about (default in a cluster:\n"
	"                             security-inspector; outside: none, the Namespace)\n"
	"      --no-events            post no Events\n"
	"      --report-dir DIR       where the latest reports are written (default: a new\n"
	"                             folder under TMPDIR or /tmp, removed at exit)\n"
	"      --policy-reports       write a PolicyReport per namespace and a\n"
	"                             ClusterPolicyReport (wgpolicyk8s.io/v1alpha2) after\n"
	"                             each scan, changed ones only\n"
	"      --policy-report-max-bytes N  split a report over N bytes (default 1048576)\n"
	"      --policy-report-qps N  writes per second at most (default 10)\n"
	"      --policy-report-owner NS  the Namespace that owns the reports, so that its\n"
	"                             deletion removes them (default in a cluster: the\n"
	"                             pod's own; outside: none)\n"
	"      --metrics-max-namespaces N  namespaces with series of their own at GET\n"
	"                             /metrics/namespaces, most failures first (default\n"
	"                             1000; the others summed as \"(other)\"; 0: none)\n"
	"\n"
	"Webhook configuration (off by default):\n"
	"      --manage-webhook NAME  keep the ValidatingWebhookConfiguration NAME in step\n"
	"                             with the policy and the namespaces' mode labels\n"
	"      --webhook-url URL      point its webhooks at URL (e.g. https://127.0.0.1:8443)\n"
	"                             instead of its service reference: for a server run\n"
	"                             outside the cluster\n"
	"\n"
	"Leader election between replicas (off by default):\n"
	"      --leader-elect         hold a coordination.k8s.io Lease: only its holder scans,\n"
	"                             posts Events, writes the webhook configuration and\n"
	"                             rotates certificates; the other replicas forward\n"
	"                             /report and /report.json to it\n"
	"      --lease-name NAME      the Lease (default security-inspector)\n"
	"      --lease-namespace NS   its namespace (default: POD_NAMESPACE or the service\n"
	"                             account's, else default)\n"
	"      --report-url URL       where the others reach this replica when it leads\n"
	"                             (default: https://$POD_IP:PORT in a pod, else the\n"
	"                             --listen address or 127.0.0.1); the identity is\n"
	"                             POD_NAME (or the host name) and a random suffix\n";

static void usage(FILE *f)
{
	fputs(serve_usage, f);
	fputs(serve_usage_cluster, f);
}

struct serve_options {
	const char *config, *cert, *key;
	struct si_http_config http;
	unsigned reload_interval;
	struct si_scan_config scan;       /* interval 0 and no schedule: no scans */
	struct si_cron cron;              /* scan.schedule points here when given */
	bool no_events;
	const char *manage_webhook, *webhook_url;
	struct si_certmgr_config certs;   /* secret NULL: certificates from files */
	bool leader_elect;
	const char *lease_name, *lease_namespace, *report_url;
	/* What defaults found (namespaces of the pod), for as long as the
	 * modules that borrow them run. */
	char events_ns[254], cert_ns[254], own_ns[254];
};

/* Whether scans are scheduled, by interval or by cron expression. */
static bool inspects(const struct serve_options *o)
{
	return o->scan.interval || o->scan.schedule;
}

/* "90", "90s", "15m", "1h30m", "1d": seconds from 1 to `max`. */
static bool parse_duration(const char *text, unsigned long long max, unsigned long long *out)
{
	unsigned long long total = 0;
	const char *p = text;
	if (!*p)
		return false;
	while (*p) {
		char *end;
		if (*p < '0' || *p > '9')
			return false;
		errno = 0;
		unsigned long long n = strtoull(p, &end, 10);
		unsigned long long unit = 1;
		switch (*end) {
		case 's': end++; break;
		case 'm': unit = 60; end++; break;
		case 'h': unit = 3600; end++; break;
		case 'd': unit = 86400; end++; break;
		case '\0': if (p != text) return false; break;   /* a bare number alone */
		default: return false;
		}
		if (errno || n > max)
			return false;
		total += n * unit;
		if (total > max)
			return false;
		p = end;
	}
	if (total < 1)
		return false;
	*out = total;
	return true;
}

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

/* A DNS-1123 label (`dots` false) or subdomain of at most `max`
 * characters, as Kubernetes names objects. */
static bool is_dns_name(const char *s, size_t max, bool dots)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
		bool inner = ch == '-' || (dots && ch == '.');
		if (!alnum && !(inner && i > 0 && i + 1 < n))
			return false;
	}
	return true;
}

/* "--name" of the long option `opt` (for messages: argv holds the value
 * there when it was given as a separate argument). */
static const char *option_name(const struct option *opts, int opt)
{
	static char buf[64];
	for (; opts->name; opts++)
		if (opts->val == opt) {
			snprintf(buf, sizeof(buf), "--%s", opts->name);
			return buf;
		}
	return "an option";
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
		{ "inspect-interval", required_argument, NULL, 'S' },
		{ "inspect-schedule", required_argument, NULL, 'Q' },
		{ "kubeconfig", required_argument, NULL, 'G' },
		{ "context", required_argument, NULL, 'X' },
		{ "events-namespace", required_argument, NULL, 'N' },
		{ "events-deployment", required_argument, NULL, 'D' },
		{ "no-events", no_argument, NULL, 'E' },
		{ "report-dir", required_argument, NULL, 'P' },
		{ "metrics-max-namespaces", required_argument, NULL, 'F' },
		{ "manage-webhook", required_argument, NULL, 'W' },
		{ "webhook-url", required_argument, NULL, 'Y' },
		{ "manage-certs", required_argument, NULL, 'm' },
		{ "cert-namespace", required_argument, NULL, 'n' },
		{ "service", required_argument, NULL, 's' },
		{ "ca-lifetime", required_argument, NULL, 'a' },
		{ "cert-lifetime", required_argument, NULL, 'e' },
		{ "ca-overlap", required_argument, NULL, 'o' },
		{ "cert-check-interval", required_argument, NULL, 'i' },
		{ "cert-start-timeout", required_argument, NULL, 'u' },
		{ "leader-elect", no_argument, NULL, 'L' },
		{ "lease-name", required_argument, NULL, 'A' },
		{ "lease-namespace", required_argument, NULL, 'Z' },
		{ "report-url", required_argument, NULL, 'U' },
		{ "policy-reports", no_argument, NULL, 'p' },
		{ "policy-report-max-bytes", required_argument, NULL, 'x' },
		{ "policy-report-qps", required_argument, NULL, 'q' },
		{ "policy-report-owner", required_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned long long v = 0;
	bool given_cert_option = false, given_scan_option = false;
	struct si_error err = { 0 };
	int opt;

	snprintf(host, host_size, "0.0.0.0");
	o->http = (struct si_http_config){ .host = host, .port = 8443,
					   .threads = cores > 0 ? (unsigned)cores : 1,
					   .max_body = SI_ADMISSION_MAX_BODY, .idle_timeout = 30,
					   .request_timeout = 10, .max_connections = 1024 };
	o->scan.cluster.page_size = 500;
	o->scan.metrics_max_namespaces = 1000;
	o->reload_interval = 2;
	o->certs = (struct si_certmgr_config){ .service = "security-inspector",
					       .ca_lifetime = 365 * 86400, .cert_lifetime = 90 * 86400,
					       .overlap = 120, .check_interval = 10,
					       .start_timeout = 60 };
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":c:l:h", longopts, NULL)) != -1) {
		const char *name = argv[optind - 1];
		switch (opt) {
		case 'c': o->config = optarg; continue;
		case 'C': o->cert = optarg; continue;
		case 'K': o->key = optarg; continue;
		case 'h': usage(stdout); return -1;
		case 'G': o->scan.cluster.kubeconfig = optarg; continue;
		case 'X': o->scan.cluster.context = optarg; continue;
		case 'N': o->scan.events_namespace = optarg; continue;
		case 'D': o->scan.events_deployment = optarg; continue;
		case 'E': o->no_events = true; continue;
		case 'P': o->scan.report_dir = optarg; continue;
		case 'Q':
			if (si_cron_parse(optarg, &o->cron, &err) == SI_OK) {
				o->scan.schedule = &o->cron;
				continue;
			}
			si_cli_error("--inspect-schedule: %s, in \"%s\" (e.g. '0 2 * * *' or "
				     "'CRON_TZ=Europe/Paris 30 1 * * 1-5')", err.message, optarg);
			return SI_EXIT_ERROR;
		case 'W': o->manage_webhook = optarg; continue;
		case 'Y':
			if (strncmp(optarg, "https://", 8) == 0 && strlen(optarg) < 1024 &&
			    !strpbrk(optarg, " \t\r\n?#"))
				{ o->webhook_url = optarg; continue; }
			si_cli_error("--webhook-url: expected an https:// URL without query, got \"%s\"",
				     optarg);
			return SI_EXIT_ERROR;
		case 'L': o->leader_elect = true; continue;
		case 'A':
			if (is_dns_name(optarg, 253, true)) {
				o->lease_name = optarg;
				continue;
			}
			si_cli_error("--lease-name: expected a DNS-1123 subdomain (lowercase letters, "
				     "digits, '-' and '.', at most 253), got \"%s\"", optarg);
			return SI_EXIT_ERROR;
		case 'Z':
			if (is_dns_name(optarg, 63, false)) {
				o->lease_namespace = optarg;
				continue;
			}
			si_cli_error("--lease-namespace: expected a DNS-1123 label (lowercase letters, "
				     "digits and '-', at most 63), got \"%s\"", optarg);
			return SI_EXIT_ERROR;
		case 'U':
			if (si_kube_peer_base_valid(optarg) && strlen(optarg) < SI_LEADER_MAX_URL) {
				o->report_url = optarg;
				continue;
			}
			si_cli_error("--report-url: expected https://HOST:PORT (no path), got \"%s\"",
				     optarg);
			return SI_EXIT_ERROR;
		case 'p': o->scan.policy_reports = true; continue;
		case 'O':
			if (is_dns_name(optarg, 63, false)) {
				o->scan.policy_report_owner = optarg;
				continue;
			}
			si_cli_error("--policy-report-owner: expected a namespace (a DNS-1123 label: "
				     "lowercase letters, digits and '-', at most 63), got \"%s\"",
				     optarg);
			return SI_EXIT_ERROR;
		case 'm': o->certs.secret = optarg; continue;
		case 'n': o->certs.namespace = optarg; given_cert_option = true; continue;
		case 's': o->certs.service = optarg; given_cert_option = true; continue;
		case 'S': case 'a': case 'e': case 'o': case 'i': case 'u':
			if (!parse_duration(optarg, opt == 'a' || opt == 'e' ? SI_CERTS_MAX_SECONDS
									     : 30 * 86400, &v)) {
				si_cli_error("%s: expected a duration from 1s to %s such as 30s, 15m, "
					     "1h, 1h30m or 90d, got \"%s\"", option_name(longopts, opt),
					     opt == 'a' || opt == 'e' ? "3650d" : "30d", optarg);
				return SI_EXIT_ERROR;
			}
			switch (opt) {
			case 'S': o->scan.interval = (unsigned)v; break;
			case 'a': o->certs.ca_lifetime = (long long)v; break;
			case 'e': o->certs.cert_lifetime = (long long)v; break;
			case 'o': o->certs.overlap = (long long)v; break;
			case 'i': o->certs.check_interval = (unsigned)v; break;
			case 'u': o->certs.start_timeout = (unsigned)v; break;
			}
			given_cert_option = given_cert_option || opt != 'S';
			continue;
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
			usage(stderr);
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
			{ 'x', "--policy-report-max-bytes", SI_POLICYREPORT_MIN_BYTES, 3u << 19 },
			{ 'q', "--policy-report-qps", 1, 1000 },
			{ 'F', "--metrics-max-namespaces", 0, 100000 },
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
		case 'x': o->scan.policy_report_max_bytes = (size_t)v; break;
		case 'q': o->scan.policy_report_qps = (unsigned)v; break;
		case 'F': o->scan.metrics_max_namespaces = (size_t)v; given_scan_option = true; break;
		}
	}
	if (optind < argc) {
		si_cli_error("serve: unexpected argument \"%s\"", argv[optind]);
		return SI_EXIT_ERROR;
	}
	if (o->scan.interval && o->scan.schedule) {
		si_cli_error("--inspect-interval and --inspect-schedule exclude each other: "
			     "give one");
		return SI_EXIT_ERROR;
	}
	if (!inspects(o) && (o->scan.events_namespace || o->scan.report_dir ||
			     o->scan.events_deployment || o->no_events || given_scan_option ||
			     o->scan.policy_reports)) {
		si_cli_error("--report-dir, --metrics-max-namespaces, --policy-reports and the "
			     "--events options need --inspect-interval or --inspect-schedule");
		return SI_EXIT_ERROR;
	}
	if (!o->scan.policy_reports &&
	    (o->scan.policy_report_max_bytes || o->scan.policy_report_qps ||
	     o->scan.policy_report_owner)) {
		si_cli_error("--policy-report-max-bytes, --policy-report-qps and "
			     "--policy-report-owner need --policy-reports");
		return SI_EXIT_ERROR;
	}
	if (!o->leader_elect && (o->lease_name || o->lease_namespace || o->report_url)) {
		si_cli_error("--lease-name, --lease-namespace and --report-url need --leader-elect");
		return SI_EXIT_ERROR;
	}
	if (o->webhook_url && !o->manage_webhook) {
		si_cli_error("--webhook-url needs --manage-webhook");
		return SI_EXIT_ERROR;
	}
	if (!inspects(o) && !o->certs.secret && !o->manage_webhook && !o->leader_elect &&
	    (o->scan.cluster.kubeconfig || o->scan.cluster.context)) {
		si_cli_error("--kubeconfig and --context need --inspect-interval, "
			     "--inspect-schedule, --manage-certs, --manage-webhook or --leader-elect");
		return SI_EXIT_ERROR;
	}
	if (o->certs.secret && (o->cert || o->key)) {
		si_cli_error("--manage-certs keeps the certificate in a Secret: "
			     "give it without --tls-cert and --tls-key");
		return SI_EXIT_ERROR;
	}
	if (!o->certs.secret && given_cert_option) {
		si_cli_error("--cert-namespace, --service, --ca-lifetime, --cert-lifetime, "
			     "--ca-overlap, --cert-check-interval and --cert-start-timeout "
			     "need --manage-certs");
		return SI_EXIT_ERROR;
	}
	if (!o->certs.secret && (!o->cert || !o->key)) {
		si_cli_error("serve needs --tls-cert and --tls-key "
			     "(make them with: security-inspector certs --out DIR), "
			     "or --manage-certs SECRET");
		return SI_EXIT_ERROR;
	}
	return SI_EXIT_OK;
}

/* The PEM file at `path`, at most 1 MiB; caller frees. NULL (said on
 * stderr) when it cannot be read. */
static char *read_pem(const char *path, size_t *len)
{
	char *buf = NULL;
	struct si_error err = { 0 };
	char msg[1024];
	if (si_read_file(path, SI_CERTS_MAX_PEM, &buf, len, &err))
		si_cli_error("%s", si_error_format(&err, msg, sizeof(msg)));
	return buf;
}

/* The namespace of the pod we run in: POD_NAMESPACE, else the service
 * account's. Copied into `buf`; false when unknown. */
static bool own_namespace(char *buf, size_t size)
{
	const char *env = getenv("POD_NAMESPACE");
	if (env && env[0]) {
		snprintf(buf, size, "%s", env);
		return true;
	}
	char *text = NULL;
	size_t len = 0;
	if (si_read_file("/var/run/secrets/kubernetes.io/serviceaccount/namespace", size - 1,
			 &text, &len, NULL))
		return false;
	text[strcspn(text, "\r\n")] = '\0';
	snprintf(buf, size, "%s", text);
	free(text);
	return buf[0];
}

/* Which object the scan's Events are about, when not given: in a cluster,
 * the Deployment security-inspector in the pod's namespace; outside, the
 * Namespace default. In a cluster, the pod's namespace owns the
 * PolicyReports too. */
static void events_defaults(struct serve_options *o, char *ns, size_t size)
{
	struct si_scan_config *c = &o->scan;
	char *kubeconfig = c->cluster.kubeconfig ? NULL : si_kube_default_kubeconfig();
	bool in_cluster = !c->cluster.kubeconfig && !kubeconfig && getenv("KUBERNETES_SERVICE_HOST");
	free(kubeconfig);
	if (c->policy_reports && !c->policy_report_owner && in_cluster &&
	    own_namespace(ns, size) && is_dns_name(ns, 63, false))
		c->policy_report_owner = ns;
	if (o->no_events) {
		c->events_namespace = c->events_deployment = NULL;
		return;
	}
	if (!c->events_namespace)
		c->events_namespace = in_cluster && own_namespace(ns, size) ? ns : "default";
	if (!c->events_deployment && in_cluster)
		c->events_deployment = "security-inspector";
}

/* Starts the election: the Lease and this replica's report address from
 * the options, else from the pod (POD_NAMESPACE, POD_IP) or the listen
 * address. */
static si_rc start_election(const struct serve_options *o, struct si_metrics *metrics,
			    struct si_leader **out, struct si_error *err)
{
	char identity[SI_LEADER_MAX_IDENTITY], ns[254], url[SI_LEADER_MAX_URL];
	const char *pod_ip = getenv("POD_IP");
	const char *host = pod_ip && pod_ip[0] ? pod_ip : o->http.host;

	if (!pod_ip || !pod_ip[0]) {
		if (strcmp(host, "0.0.0.0") == 0)
			host = "127.0.0.1";
		else if (strcmp(host, "::") == 0)
			host = "::1";
	}
	snprintf(url, sizeof(url), strchr(host, ':') ? "https://[%s]:%u" : "https://%s:%u", host,
		 o->http.port);
	if (o->report_url)
		snprintf(url, sizeof(url), "%s", o->report_url);
	if (!si_kube_peer_base_valid(url))
		return si_error_set(err, SI_ERR_USAGE, NULL, 0,
				    "the report address \"%s\" is not https://HOST:PORT "
				    "(POD_IP; or set --report-url)", url);
	si_leader_default_identity(identity, sizeof(identity));
	struct si_leader_config lc = {
		.namespace = o->lease_namespace ? o->lease_namespace
			     : own_namespace(ns, sizeof(ns)) ? ns : "default",
		.name = o->lease_name ? o->lease_name : "security-inspector",
		.identity = identity,
		.report_url = url,
		.lease_duration = LEASE_DURATION,
		.renew_deadline = RENEW_DEADLINE,
		.retry_period = RETRY_PERIOD,
	};
	return si_leader_start(&lc, o->scan.cluster.kubeconfig, o->scan.cluster.context, metrics,
			       out, err);
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
		if (o->scan.leader)
			cJSON_AddStringToObject(f, "identity", si_leader_identity(o->scan.leader));
		if (o->scan.interval)
			cJSON_AddNumberToObject(f, "inspectIntervalSeconds", o->scan.interval);
		if (o->scan.schedule) {
			char when[32];
			struct tm tm;
			time_t next = si_cron_next(o->scan.schedule, time(NULL));
			cJSON_AddStringToObject(f, "inspectSchedule", o->scan.schedule->text);
			cJSON_AddStringToObject(f, "inspectTimeZone",
						o->cron.zone.name[0] ? o->cron.zone.name : "UTC");
			if (next != (time_t)-1 && gmtime_r(&next, &tm) &&
			    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
				cJSON_AddStringToObject(f, "nextScheduledScan", when);
		}
		if (inspects(o)) {
			if (o->scan.events_namespace)
				cJSON_AddStringToObject(f, "eventsAbout",
							o->scan.events_deployment
							? o->scan.events_deployment
							: o->scan.events_namespace);
		}
	}
	si_log(level, msg, f);
}

/* Whether this replica may write the shared state: it leads. */
static bool leads(void *ctx)
{
	return si_leader_is_leader(ctx);
}

/* The caBundle the reconciler injects: the managed bundle, base64. */
static char *managed_bundle(void *ctx)
{
	char *pem = si_certmgr_ca_bundle(ctx);
	char *b64 = pem ? si_kube_base64_encode(pem, strlen(pem)) : NULL;
	free(pem);
	return b64;
}

static unsigned long managed_generation(void *ctx)
{
	return si_certmgr_generation(ctx);
}

/* Puts a certificate in use in the server `ctx`. */
static si_rc serve_certificate(void *ctx, const char *cert_pem, size_t cert_len,
			       const char *key_pem, size_t key_len, struct si_error *err)
{
	return si_http_server_set_certificate(ctx, cert_pem, cert_len, key_pem, key_len, err);
}

/* The modules of a running server, started in the order of the fields and
 * stopped by stop_modules(). */
struct modules {
	struct si_policy_slot *slot;
	struct si_metrics *metrics;
	struct si_leader *leader;
	struct si_certmgr *certmgr;
	struct si_reviewer *reviewer;
	struct si_guard *guard;
	struct si_scan *scan;
	struct si_proxy *proxy;
	struct si_reconciler *reconciler;
	struct si_http_server *server;
	struct si_reloader *reloader;
};

/* Starts what `o` asks for around the server, then the server with the
 * certificate `cert`/`key` (unless a certificate Secret gives them).
 * Returns SI_EXIT_OK, or the exit code (1 when the server does not start),
 * having said why on stderr. */
static int start_modules(struct serve_options *o, struct modules *m, char **cert,
			 size_t *cert_len, char **key, size_t *key_len)
{
	struct si_error err = { 0 };
	char buf[1024];

	if (o->leader_elect) {
		if (start_election(o, m->metrics, &m->leader, &err))
			goto fail;
		o->scan.leader = m->leader;
	}
	if (o->certs.secret) {
		/* Blocks until the Secret holds a serving certificate. Only the
		 * leader renews and rotates. */
		if (m->leader) {
			o->certs.may_write = leads;
			o->certs.may_write_ctx = m->leader;
		}
		if (si_certmgr_start(&o->certs, o->scan.cluster.kubeconfig, o->scan.cluster.context,
				     m->metrics, &m->certmgr, &err))
			goto fail;
		if (si_certmgr_serving(m->certmgr, cert, cert_len, key, key_len)) {
			si_cli_error("out of memory");
			return SI_EXIT_ERROR;
		}
	}
	if (inspects(o)) {
		/* The reports show the cluster: only to callers the API server
		 * vouches for. */
		events_defaults(o, o->events_ns, sizeof(o->events_ns));
		if (si_reviewer_new(o->scan.cluster.kubeconfig, o->scan.cluster.context, &m->reviewer,
				    &err) ||
		    si_guard_start(si_reviewer_review, m->reviewer, &m->guard, &err) ||
		    si_scan_start(&o->scan, m->slot, m->metrics, &m->scan, &err))
			goto fail;
		si_scan_http_reports(m->scan, &o->http.reports);
		si_scan_admission_lister(m->scan, &o->http.lister);
		o->http.guard = m->guard;
		/* Forwarded requests take the time any request may take. */
		unsigned t = o->http.request_timeout;
		if (m->leader) {
			if (si_proxy_new(m->leader, t < 5 ? (long)t : 5, (long)t, &m->proxy, &err))
				goto fail;
			si_proxy_http_leader(m->proxy, &o->http.leader);
		}
	}
	if (o->manage_webhook) {
		struct si_reconciler_config vc = {
			.name = o->manage_webhook, .url = o->webhook_url,
			.own_namespace = own_namespace(o->own_ns, sizeof(o->own_ns)) ? o->own_ns
					 : "security-inspector",
			.kubeconfig = o->scan.cluster.kubeconfig, .context = o->scan.cluster.context,
			.ca_bundle = m->certmgr ? managed_bundle : NULL,
			.ca_generation = m->certmgr ? managed_generation : NULL, .ca_ctx = m->certmgr,
			.may_write = m->leader ? leads : NULL, .may_write_ctx = m->leader,
		};
		if (si_reconciler_start(&vc, m->slot, m->metrics, &m->reconciler, &err))
			goto fail;
	}
	if (si_http_server_start(&o->http, *cert, *cert_len, *key, *key_len, m->slot, m->metrics,
				 &m->server, &err)) {
		si_cli_error("%s", si_error_format(&err, buf, sizeof(buf)));
		return 1;
	}
	struct si_reload_config rc = { o->config, o->cert, o->key, si_certs_check,
				       serve_certificate, m->server };
	if (!(m->reloader = si_reloader_new(&rc, m->slot, m->metrics))) {
		si_cli_error("out of memory");
		return SI_EXIT_ERROR;
	}
	if (m->certmgr)
		si_certmgr_attach(m->certmgr, serve_certificate, m->server);
	return SI_EXIT_OK;
fail:
	si_cli_error("%s", si_error_format(&err, buf, sizeof(buf)));
	return SI_EXIT_ERROR;
}

/* Stops every module, each before what it uses. */
static void stop_modules(struct modules *m)
{
	si_leader_stop(m->leader);         /* no more news for the scans */
	si_reloader_free(m->reloader);
	si_reconciler_stop(m->reconciler);
	si_certmgr_stop(m->certmgr);       /* before the server it puts certificates in */
	si_http_server_stop(m->server);
	si_proxy_free(m->proxy);           /* after the server: it forwards through it */
	si_scan_stop(m->scan);             /* after the server: it serves the reports */
	si_guard_free(m->guard);
	si_reviewer_free(m->reviewer);     /* after the guard: it asks it */
	si_leader_free(m->leader);         /* after the server, the proxy and the scans */
	si_metrics_free(m->metrics);
	si_policy_slot_free(m->slot);
}

int si_cmd_serve(int argc, char **argv)
{
	struct serve_options o = { 0 };
	struct modules m = { 0 };
	char host[64], buf[1024];
	struct si_error err = { 0 };
	struct si_policy *policy = NULL;
	char *cert = NULL, *key = NULL;
	size_t cert_len = 0, key_len = 0;
	struct si_cert_info cert_info;
	int code = SI_EXIT_ERROR;

	int rc0 = parse_serve(argc, argv, &o, host, sizeof(host));
	if (rc0)
		return rc0 < 0 ? SI_EXIT_OK : rc0;
	if (!o.certs.secret) {
		if (!(cert = read_pem(o.cert, &cert_len)) || !(key = read_pem(o.key, &key_len)))
			goto out;
		if (si_certs_check(cert, cert_len, key, key_len, &cert_info, &err)) {
			si_cli_error("%s, %s: %s", o.cert, o.key, err.message);
			goto out;
		}
	} else {
		if (!o.certs.namespace)
			o.certs.namespace = own_namespace(o.cert_ns, sizeof(o.cert_ns)) ? o.cert_ns
											: "default";
		if (si_certmgr_config_check(&o.certs, &err)) {
			si_cli_error("%s", err.message);
			goto out;
		}
	}
	if (o.config ? si_policy_load(o.config, &policy, &err) : si_policy_default(&policy, &err)) {
		si_cli_error("%s", si_error_format(&err, buf, sizeof(buf)));
		goto out;
	}
	if (!(m.slot = si_policy_slot_new(policy)) || !(m.metrics = si_metrics_new())) {
		if (!m.slot)
			si_policy_free(policy);
		si_cli_error("out of memory");
		goto out;
	}
	if (!o.certs.secret)
		si_metrics_certificate(m.metrics, cert_info.not_after);

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
	if ((code = start_modules(&o, &m, &cert, &cert_len, &key, &key_len)))
		goto out;
	log_event("info", "serving", &o);

	for (;;) {
		struct timespec wait = { (time_t)o.reload_interval, 0 };
		int sig = sigtimedwait(&set, NULL, &wait);
		if (sig == SIGHUP)
			si_reloader_check(m.reloader, true);
		else if (sig == SIGTERM || sig == SIGINT)
			break;
		else
			si_reloader_check(m.reloader, false);
	}

	/* Another replica takes over as soon as it can: stop acting (a scan
	 * under way is cancelled) and release the Lease before draining. */
	si_leader_stop(m.leader);
	log_event("info", "draining", NULL);
	si_http_server_drain(m.server, DRAIN_SECONDS);
	log_event("info", "stopped", NULL);
	code = SI_EXIT_OK;
out:
	stop_modules(&m);
	free(cert);
	free(key);
	return code;
}
