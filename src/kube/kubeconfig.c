// SPDX-License-Identifier: Apache-2.0
// Where the API server is and who we are: a kubeconfig file (read with the
// project's YAML loader) or a pod's in-cluster service account.
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "security-inspector/document.h"
#include "security-inspector/kube.h"

#define SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

void si_kube_free(struct si_kube *k)
{
	if (!k)
		return;
	free(k->server);
	free(k->source);
	free(k->ca_file);
	free(k->ca_data);
	free(k->cert_file);
	free(k->key_file);
	free(k->cert_data);
	free(k->key_data);
	free(k->token);
	free(k->token_file);
	free(k->username);
	free(k->password);
	memset(k, 0, sizeof(*k));
}

static const cJSON *get(const cJSON *obj, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(obj, key);
}

static const char *get_string(const cJSON *obj, const char *key)
{
	const cJSON *v = get(obj, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The `field` mapping of the element named `name` of the list `list`
 * ("clusters", "users", "contexts"). */
static const cJSON *named(const cJSON *root, const char *list, const char *name,
			  const char *field)
{
	const cJSON *l = get(root, list);
	const cJSON *e;
	cJSON_ArrayForEach(e, l) {
		const char *n = get_string(e, "name");
		if (n && strcmp(n, name) == 0)
			return get(e, field);
	}
	return NULL;
}

/* A copy of `path`, taken from the folder `dir` when it is relative. */
static char *resolve(const char *dir, const char *path)
{
	size_t n = strlen(dir) + strlen(path) + 2;
	char *p = malloc(n);
	if (!p)
		return NULL;
	if (path[0] == '/' || !dir[0])
		snprintf(p, n, "%s", path);
	else
		snprintf(p, n, "%s/%s", dir, path);
	return p;
}

struct loader {
	const char *path;          /* the kubeconfig */
	char dir[PATH_MAX];        /* its folder */
	struct si_error *err;
};

/* Reads `obj[file_key]` (a path) or `obj[data_key]` (base64) into `*file`
 * or `*data`. Absent fields leave both NULL. */
static si_rc file_or_data(struct loader *l, const cJSON *obj, const char *file_key,
			  const char *data_key, char **file, unsigned char **data, size_t *len)
{
	const char *d = get_string(obj, data_key);
	const char *f = get_string(obj, file_key);
	bool nomem;

	if (d && d[0]) {
		if (!si_kube_base64_decode(d, strlen(d), data, len, &nomem))
			return nomem ? si_error_set(l->err, SI_ERR_NOMEM, l->path, 0, "out of memory")
				     : si_error_set(l->err, SI_ERR_INVALID, l->path, 0,
						    "%s: not base64", data_key);
		return SI_OK;
	}
	if (f && f[0] && !(*file = resolve(l->dir, f)))
		return si_error_set(l->err, SI_ERR_NOMEM, l->path, 0, "out of memory");
	return SI_OK;
}

static si_rc dup_string(struct loader *l, const cJSON *obj, const char *key, char **out)
{
	const char *s = get_string(obj, key);
	if (s && s[0] && !(*out = strdup(s)))
		return si_error_set(l->err, SI_ERR_NOMEM, l->path, 0, "out of memory");
	return SI_OK;
}

static si_rc load(struct loader *l, const cJSON *root, const char *context, struct si_kube *k)
{
	const char *ctx_name = context ? context : get_string(root, "current-context");
	si_rc rc;

	if (!ctx_name || !ctx_name[0])
		return si_error_set(l->err, SI_ERR_INVALID, l->path, 0,
				    "no current-context: give one with --context");
	const cJSON *ctx = named(root, "contexts", ctx_name, "context");
	if (!cJSON_IsObject(ctx))
		return si_error_set(l->err, SI_ERR_INVALID, l->path, 0,
				    "context \"%s\" not found", ctx_name);
	const char *cluster_name = get_string(ctx, "cluster");
	const char *user_name = get_string(ctx, "user");
	const cJSON *cluster = cluster_name ? named(root, "clusters", cluster_name, "cluster") : NULL;
	if (!cJSON_IsObject(cluster))
		return si_error_set(l->err, SI_ERR_INVALID, l->path, 0,
				    "context \"%s\": cluster \"%s\" not found", ctx_name,
				    cluster_name ? cluster_name : "");
	const char *server = get_string(cluster, "server");
	if (!server || !server[0])
		return si_error_set(l->err, SI_ERR_INVALID, l->path, 0,
				    "cluster \"%s\" has no server", cluster_name);
	if (!(k->server = strdup(server)))
		return si_error_set(l->err, SI_ERR_NOMEM, l->path, 0, "out of memory");
	size_t sl = strlen(k->server);
	while (sl > 0 && k->server[sl - 1] == '/')
		k->server[--sl] = '\0';
	k->insecure = cJSON_IsTrue(get(cluster, "insecure-skip-tls-verify"));
	if ((rc = file_or_data(l, cluster, "certificate-authority", "certificate-authority-data",
			       &k->ca_file, &k->ca_data, &k->ca_len)))
		return rc;

	const cJSON *user = user_name ? named(root, "users", user_name, "user") : NULL;
	if (user_name && !cJSON_IsObject(user))
		return si_error_set(l->err, SI_ERR_INVALID, l->path, 0,
				    "context \"%s\": user \"%s\" not found", ctx_name, user_name);
	if (get(user, "exec") || get(user, "auth-provider"))
		return si_error_set(l->err, SI_ERR_INVALID, l->path, 0,
				    "user \"%s\": exec and auth-provider credentials are not "
				    "supported; use a client certificate or a token", user_name);
	if ((rc = file_or_data(l, user, "client-certificate", "client-certificate-data",
			       &k->cert_file, &k->cert_data, &k->cert_len)) ||
	    (rc = file_or_data(l, user, "client-key", "client-key-data",
			       &k->key_file, &k->key_data, &k->key_len)) ||
	    (rc = dup_string(l, user, "token", &k->token)) ||
	    (rc = dup_string(l, user, "username", &k->username)) ||
	    (rc = dup_string(l, user, "password", &k->password)))
		return rc;
	const char *tf = get_string(user, "tokenFile");
	/* As client-go: a tokenFile is read (and re-read) and wins over token. */
	if (tf && tf[0] && !(k->token_file = resolve(l->dir, tf)))
		return si_error_set(l->err, SI_ERR_NOMEM, l->path, 0, "out of memory");
	if ((k->cert_file || k->cert_data) != (k->key_file || k->key_data))
		return si_error_set(l->err, SI_ERR_INVALID, l->path, 0,
				    "user \"%s\": a client certificate needs its key, and a key "
				    "its certificate", user_name);

	size_t n = strlen(l->path) + strlen(ctx_name) + 32;
	if (!(k->source = malloc(n)))
		return si_error_set(l->err, SI_ERR_NOMEM, l->path, 0, "out of memory");
	snprintf(k->source, n, "kubeconfig %s, context %s", l->path, ctx_name);
	return SI_OK;
}

si_rc si_kube_from_kubeconfig(const char *path, const char *context, struct si_kube *k,
			      struct si_error *err)
{
	struct loader l = { .path = path, .err = err };
	struct si_input *in = NULL;
	/* A kubeconfig is small: 1 MiB is far above any real one. */
	struct si_limits lim = si_limits_default;
	lim.max_input_bytes = 1u << 20;
	lim.max_documents = 1;
	si_rc rc;

	memset(k, 0, sizeof(*k));
	k->connect_timeout = 10;
	k->timeout = 60;
	const char *slash = strrchr(path, '/');
	if (slash)
		snprintf(l.dir, sizeof(l.dir), "%.*s", (int)(slash - path), path);
	if (slash == path)
		snprintf(l.dir, sizeof(l.dir), "/");
	if ((rc = si_input_read(path, &lim, &in, err)))
		goto fail;
	if (in->n_roots != 1 || !cJSON_IsObject(in->roots[0])) {
		rc = si_error_set(err, SI_ERR_INVALID, path, 0, "not a kubeconfig: expected "
				  "one mapping with clusters, users and contexts");
		goto fail;
	}
	if ((rc = load(&l, in->roots[0], context, k)))
		goto fail;
	si_input_free(in);
	return SI_OK;
fail:
	si_input_free(in);
	si_kube_free(k);
	k->connect_timeout = 10;
	k->timeout = 60;
	return rc;
}

static bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char *si_kube_default_kubeconfig(void)
{
	const char *list = getenv("KUBECONFIG");
	if (list && list[0]) {
		/* A list like $PATH: the first file that exists (no merging). */
		const char *p = list;
		while (*p) {
			size_t n = strcspn(p, ":");
			char *one = strndup(p, n);
			if (!one)
				return NULL;
			if (n && is_file(one))
				return one;
			free(one);
			p += n + (p[n] == ':');
		}
		return NULL;
	}
	if (getenv("KUBERNETES_SERVICE_HOST"))
		return NULL;
	const char *home = getenv("HOME");
	if (!home)
		return NULL;
	size_t n = strlen(home) + sizeof("/.kube/config");
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/.kube/config", home);
	return p;
}

si_rc si_kube_in_cluster(const char *sa_dir, struct si_kube *k, struct si_error *err)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	const char *dir = sa_dir ? sa_dir : SA_DIR;
	si_rc rc;

	memset(k, 0, sizeof(*k));
	k->connect_timeout = 10;
	k->timeout = 60;
	if (!host || !host[0] || !port || !port[0])
		return si_error_set(err, SI_ERR_INVALID, "in-cluster", 0,
				    "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not "
				    "set: not running in a pod (give --kubeconfig)");
	char *end;
	unsigned long port_number = strtoul(port, &end, 10);
	if (strlen(host) > 253 || strspn(port, "0123456789") != strlen(port) || strlen(port) > 5 ||
	    *end || port_number < 1 || port_number > 65535)
		return si_error_set(err, SI_ERR_INVALID, "in-cluster", 0,
				    "KUBERNETES_SERVICE_HOST or _PORT is malformed");
	size_t n = strlen(host) + strlen(port) + 16;
	if (!(k->server = malloc(n)) || !(k->token_file = resolve(dir, "token")) ||
	    !(k->ca_file = resolve(dir, "ca.crt")) || !(k->source = strdup("in-cluster"))) {
		rc = si_error_set(err, SI_ERR_NOMEM, "in-cluster", 0, "out of memory");
		goto fail;
	}
	/* An IPv6 address goes in brackets. */
	if (strchr(host, ':'))
		snprintf(k->server, n, "https://[%s]:%s", host, port);
	else
		snprintf(k->server, n, "https://%s:%s", host, port);
	if (!is_file(k->token_file)) {
		rc = si_error_set(err, SI_ERR_IO, k->token_file, 0,
				  "no service-account token (automountServiceAccountToken off?)");
		goto fail;
	}
	return SI_OK;
fail:
	si_kube_free(k);
	return rc;
}
