// SPDX-License-Identifier: Apache-2.0
// Paginated LIST requests to the Kubernetes API server over libcurl (the one
// module that links it): one page in memory at a time, items handed out one
// by one, API errors turned into messages that say what is missing.
#include <curl/curl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "security-inspector/document.h"
#include "security-inspector/file.h"
#include "security-inspector/kube.h"
#include "transfer.h"

#define MAX_TOKEN_BYTES (64u << 10)
#define MAX_URL 4096

struct body {
	char *data;
	size_t len, cap;
	bool toobig, nomem;
	/* When set, the answer goes to `sink` instead (a watch), with a
	 * transfer time limit of `timeout` seconds. */
	curl_write_callback sink;
	void *sink_ctx;
	long timeout;
	const char *accept;   /* the Accept header; NULL: application/json */
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct body *b = userdata;
	size_t n = size * nmemb;
	if (n > SI_KUBE_MAX_PAGE_BYTES - b->len) {
		b->toobig = true;
		return 0;
	}
	if (b->len + n + 1 > b->cap) {
		size_t c = b->cap ? b->cap : 64 << 10;
		while (c < b->len + n + 1)
			c *= 2;
		char *d = realloc(b->data, c);
		if (!d) {
			b->nomem = true;
			return 0;
		}
		b->data = d;
		b->cap = c;
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

si_rc si_kube_global_init(struct si_error *err)
{
	CURLcode c = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (c)
		return si_error_set(err, SI_ERR_IO, NULL, 0, "HTTP client set-up: %s",
				    curl_easy_strerror(c));
	return SI_OK;
}

/* Re-reads the token file when it changed since the last read: kubelet
 * rotates projected service-account tokens in place. */
static si_rc refresh_token(struct si_kube *k, struct si_error *err)
{
	struct stat st;
	if (!k->token_file)
		return SI_OK;
	if (stat(k->token_file, &st) != 0)
		return si_error_set(err, SI_ERR_IO, k->token_file, 0, "cannot read the token file");
	if (k->token && st.st_mtim.tv_sec == k->token_mtime.tv_sec &&
	    st.st_mtim.tv_nsec == k->token_mtime.tv_nsec)
		return SI_OK;
	char *t = NULL;
	size_t n = 0;
	si_rc rc = si_read_file(k->token_file, MAX_TOKEN_BYTES, &t, &n, err);
	if (rc)
		return rc;
	while (n > 0 && (t[n - 1] == '\n' || t[n - 1] == '\r' || t[n - 1] == ' '))
		n--;
	t[n] = '\0';
	free(k->token);
	k->token = t;
	k->token_mtime = st.st_mtim;
	return SI_OK;
}

/* Applies the connection and credential options of `k` to `h`. */
static CURLcode set_tls(CURL *h, const struct si_kube *k)
{
	CURLcode c = CURLE_OK;
	if (k->ca_file)
		c = curl_easy_setopt(h, CURLOPT_CAINFO, k->ca_file);
	if (!c && k->ca_data) {
		struct curl_blob b = { k->ca_data, k->ca_len, CURL_BLOB_COPY };
		c = curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &b);
	}
	if (!c && k->cert_file)
		c = curl_easy_setopt(h, CURLOPT_SSLCERT, k->cert_file);
	if (!c && k->cert_data) {
		struct curl_blob b = { k->cert_data, k->cert_len, CURL_BLOB_COPY };
		c = curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &b);
	}
	if (!c && (k->cert_file || k->cert_data))
		c = curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
	if (!c && k->key_file)
		c = curl_easy_setopt(h, CURLOPT_SSLKEY, k->key_file);
	if (!c && k->key_data) {
		struct curl_blob b = { k->key_data, k->key_len, CURL_BLOB_COPY };
		c = curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &b);
	}
	if (!c && k->insecure) {
		c = curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		if (!c)
			c = curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (!c && k->username && k->password) {
		c = curl_easy_setopt(h, CURLOPT_USERNAME, k->username);
		if (!c)
			c = curl_easy_setopt(h, CURLOPT_PASSWORD, k->password);
		if (!c)
			c = curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	}
	if (!c)
		c = curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
	if (!c)
		c = curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	if (!c)
		c = curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, k->connect_timeout);
	if (!c)
		c = curl_easy_setopt(h, CURLOPT_TIMEOUT, k->timeout);
	if (!c)
		c = curl_easy_setopt(h, CURLOPT_USERAGENT, "security-inspector");
	return c;
}

/* "deployments.apps" for "/apis/apps/v1/namespaces/x/deployments", "pods"
 * for "/api/v1/pods": the resource an RBAC rule must grant. */
static void resource_of(const char *path, char *out, size_t size)
{
	const char *q = strchr(path, '?');
	size_t plen = q ? (size_t)(q - path) : strlen(path);
	const char *last = path;
	for (size_t i = 0; i < plen; i++)
		if (path[i] == '/')
			last = path + i + 1;
	int rlen = (int)(path + plen - last);
	if (strncmp(path, "/apis/", 6) == 0) {
		const char *g = path + 6;
		int glen = (int)strcspn(g, "/");
		snprintf(out, size, "%.*s.%.*s", rlen, last, glen, g);
	} else {
		snprintf(out, size, "%.*s", rlen, last);
	}
}

/* Fills `err` for an HTTP answer other than 200, with the message of the
 * API server's Status object when the body is one. */
static si_rc http_error(const struct si_kube *k, const char *verb, const char *path,
			long status, const struct body *b, struct si_error *err)
{
	char msg[400] = "";
	char where[256];
	cJSON *st = NULL;
	struct si_limits lim = si_limits_default;
	lim.max_input_bytes = 1u << 20;

	snprintf(where, sizeof(where), "%s%s", k->server, path);
	if (b->len && si_json_parse(b->data, b->len, &lim, &st, NULL) == SI_OK) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(st, "message");
		if (cJSON_IsString(m))
			snprintf(msg, sizeof(msg), "%s", m->valuestring);
	}
	cJSON_Delete(st);
	char resource[128];
	resource_of(path, resource, sizeof(resource));
	switch (status) {
	case 401:
		return si_error_set(err, SI_ERR_IO, where, 0,
				    "unauthorized (HTTP 401): the API server did not accept the "
				    "credentials of %s%s%s", k->source ? k->source : "the client",
				    msg[0] ? ": " : "", msg);
	case 403:
		return si_error_set(err, SI_ERR_IO, where, 0,
				    "forbidden (HTTP 403): missing permission \"%s\" on \"%s\": %s",
				    verb, resource, msg[0] ? msg : "no detail from the API server");
	case 404:
		return si_error_set(err, SI_ERR_IO, where, 0,
				    "not found (HTTP 404): %s%s%s", resource, msg[0] ? ": " : "",
				    msg[0] ? msg : " is not served by this API server");
	case 410:
		return si_error_set(err, SI_ERR_IO, where, 0,
				    "the list expired twice (HTTP 410 Gone)%s%s",
				    msg[0] ? ": " : "", msg);
	default:
		return si_error_set(err, SI_ERR_IO, where, 0, "HTTP %ld from the API server%s%s",
				    status, msg[0] ? ": " : "", msg);
	}
}

static si_rc transport_error(const struct si_kube *k, const char *path, CURLcode c,
			     const char *detail, size_t page, struct si_error *err)
{
	char where[256];
	snprintf(where, sizeof(where), "%s%s", k->server, path);
	const char *why = detail[0] ? detail : curl_easy_strerror(c);
	switch (c) {
	case CURLE_ABORTED_BY_CALLBACK:
		return si_error_set(err, SI_ERR_IO, where, 0, "cancelled (the server is stopping)");
	case CURLE_OPERATION_TIMEDOUT:
		return si_error_set(err, SI_ERR_IO, where, 0,
				    "timed out waiting for the API server (page %zu): %s", page, why);
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
		return si_error_set(err, SI_ERR_IO, where, 0,
				    "cannot reach the API server: %s", why);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
		return si_error_set(err, SI_ERR_IO, where, 0,
				    "TLS with the API server failed: %s", why);
	default:
		return si_error_set(err, SI_ERR_IO, where, 0,
				    "the API server went away during page %zu: %s", page, why);
	}
}

/* "namespace/name", the order the API server lists in (etcd key order). */
static void item_key(const cJSON *item, char *out, size_t size)
{
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(item, "metadata");
	const cJSON *ns = cJSON_GetObjectItemCaseSensitive(meta, "namespace");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(meta, "name");
	const char *n = cJSON_IsString(name) ? name->valuestring : "";
	if (cJSON_IsString(ns) && ns->valuestring[0])
		snprintf(out, size, "%s/%s", ns->valuestring, n);
	else
		snprintf(out, size, "%s", n);
}

/* Sets `key` of `item` to `value` when it is missing. */
static bool fill(cJSON *item, const char *key, const char *value)
{
	if (!value || cJSON_GetObjectItemCaseSensitive(item, key))
		return true;
	return cJSON_AddStringToObject(item, key, value) != NULL;
}

struct list_state {
	struct si_kube *k;
	const char *path;
	si_kube_item_fn fn;
	void *ctx;
	struct si_kube_list_stats *stats;
	char last[512];            /* key of the last item handed over */
	bool resuming;             /* after a restart: skip up to `last` */
};

/* Hands the items of one parsed page to the callback; sets `*cont` to a copy
 * of the continue token, or NULL at the last page. */
static si_rc deliver(struct list_state *s, cJSON *page, char **cont, struct si_error *err)
{
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(page, "kind");
	const cJSON *api = cJSON_GetObjectItemCaseSensitive(page, "apiVersion");
	cJSON *items = cJSON_GetObjectItemCaseSensitive(page, "items");
	char item_kind[128] = "";
	char where[256];

	snprintf(where, sizeof(where), "%s%s", s->k->server, s->path);
	if (!cJSON_IsObject(page) || !(cJSON_IsArray(items) || cJSON_IsNull(items)))
		return si_error_set(err, SI_ERR_SYNTAX, where, 0, "the answer is not a list");
	if (cJSON_IsString(kind)) {
		size_t n = strlen(kind->valuestring);
		if (n > 4 && strcmp(kind->valuestring + n - 4, "List") == 0)
			snprintf(item_kind, sizeof(item_kind), "%.*s", (int)(n - 4), kind->valuestring);
	}
	while (cJSON_IsArray(items) && items->child) {
		cJSON *item = cJSON_DetachItemViaPointer(items, items->child);
		char key[sizeof(s->last)];
		item_key(item, key, sizeof(key));
		if (s->resuming) {
			if (strcmp(key, s->last) <= 0) {
				cJSON_Delete(item);
				continue;
			}
			s->resuming = false;
		}
		if (!cJSON_IsObject(item) || !fill(item, "kind", item_kind[0] ? item_kind : NULL) ||
		    !fill(item, "apiVersion", cJSON_IsString(api) ? api->valuestring : NULL)) {
			bool obj = cJSON_IsObject(item);
			cJSON_Delete(item);
			if (!obj)
				return si_error_set(err, SI_ERR_SYNTAX, where, 0,
						    "a list item is not an object");
			return si_error_set(err, SI_ERR_NOMEM, where, 0, "out of memory");
		}
		memcpy(s->last, key, sizeof(key));
		s->stats->items++;
		si_rc rc = s->fn(item, s->ctx, err);
		if (rc)
			return rc;
	}
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(page, "metadata");
	const cJSON *rv = cJSON_GetObjectItemCaseSensitive(meta, "resourceVersion");
	if (cJSON_IsString(rv))
		snprintf(s->stats->resource_version, sizeof(s->stats->resource_version), "%s",
			 rv->valuestring);
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(meta, "continue");
	*cont = NULL;
	if (cJSON_IsString(c) && c->valuestring[0] && !(*cont = strdup(c->valuestring)))
		return si_error_set(err, SI_ERR_NOMEM, where, 0, "out of memory");
	return SI_OK;
}

int si_kube_progress_cancel(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
			    curl_off_t ulnow)
{
	const atomic_bool *cancel = ctx;
	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return atomic_load(cancel);
}

/* One request to `url` on `h`: GET, or `method` (POST when NULL) of `body`
 * (JSON) when it is not NULL. The answer goes to `b` (emptied first) and its
 * status to `*status`. On a transport failure `*transport` is set and `err`
 * says what failed. */
static si_rc perform(struct si_kube *k, CURL *h, const char *path, const char *url,
		     const char *method, const char *body, struct body *b, long *status,
		     bool *transport, size_t page, struct si_error *err)
{
	struct curl_slist *headers = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	si_rc rc;

	*status = 0;
	*transport = false;
	if ((rc = refresh_token(k, err)))
		return rc;
	char accept[256];
	snprintf(accept, sizeof(accept), "Accept: %s", b->accept ? b->accept : "application/json");
	headers = curl_slist_append(NULL, accept);
	if (headers && body) {
		struct curl_slist *more = curl_slist_append(headers, "Content-Type: application/json");
		if (!more) {
			curl_slist_free_all(headers);
			headers = NULL;
		}
	}
	if (headers && k->token) {
		size_t hl = strlen(k->token) + 32;
		char *auth = malloc(hl);
		struct curl_slist *more = NULL;
		if (auth) {
			snprintf(auth, hl, "Authorization: Bearer %s", k->token);
			more = curl_slist_append(headers, auth);
			free(auth);
		}
		if (!more) {
			curl_slist_free_all(headers);
			headers = NULL;
		}
	}
	if (!headers)
		return si_error_set(err, SI_ERR_NOMEM, path, 0, "out of memory");
	b->len = 0;
	b->toobig = b->nomem = false;
	curl_easy_reset(h);
	CURLcode c = set_tls(h, k);
	if (!c)
		c = curl_easy_setopt(h, CURLOPT_URL, url);
	if (!c)
		c = curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	if (!c)
		c = curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	if (!c)
		c = curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	if (!c)
		c = curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
	if (!c && k->cancel)
		c = curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, si_kube_progress_cancel);
	if (!c && k->cancel)
		c = curl_easy_setopt(h, CURLOPT_XFERINFODATA, (void *)k->cancel);
	if (!c && k->cancel)
		c = curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	if (!c && body)
		c = curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	if (!c && method)
		c = curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	if (!c && b->sink)
		c = curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, b->sink);
	if (!c && b->sink)
		c = curl_easy_setopt(h, CURLOPT_WRITEDATA, b->sink_ctx);
	if (!c && b->sink)
		c = curl_easy_setopt(h, CURLOPT_TIMEOUT, b->timeout);
	if (c) {
		curl_slist_free_all(headers);
		return si_error_set(err, SI_ERR_INVALID, path, 0, "HTTP client setup: %s",
				    curl_easy_strerror(c));
	}
	c = curl_easy_perform(h);
	curl_slist_free_all(headers);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	if (b->nomem)
		return si_error_set(err, SI_ERR_NOMEM, path, 0, "out of memory");
	if (b->toobig)
		return si_error_set(err, SI_ERR_LIMIT, path, 0,
				    "an answer over %u bytes: use a smaller page size",
				    SI_KUBE_MAX_PAGE_BYTES);
	if (c) {
		*transport = true;
		return transport_error(k, path, c, errbuf, page, err);
	}
	return SI_OK;
}

/* "https://server" + `path`, in `url`. */
static si_rc make_url(const struct si_kube *k, const char *path, char *url, size_t size,
		      struct si_error *err)
{
	if (!k->server)
		return si_error_set(err, SI_ERR_USAGE, path, 0, "no API server configured");
	int n = snprintf(url, size, "%s%s", k->server, path);
	if (n < 0 || (size_t)n >= size)
		return si_error_set(err, SI_ERR_LIMIT, path, 0, "URL over %d bytes", MAX_URL);
	return SI_OK;
}

/* One GET, or `method` of `body`, whose JSON answer is parsed into `*out`
 * (when not NULL). `verb` names the permission a 403 lacks. */
static si_rc one_request(struct si_kube *k, const char *verb, const char *path,
			 const char *method, const char *body, cJSON **out, long *status_out,
			 struct si_error *err)
{
	struct body b = { 0 };
	char url[MAX_URL];
	long status = 0;
	bool transport;
	si_rc rc;
	CURL *h;

	if (out)
		*out = NULL;
	if ((rc = make_url(k, path, url, sizeof(url), err)))
		return rc;
	if (!(h = curl_easy_init()))
		return si_error_set(err, SI_ERR_NOMEM, path, 0, "cannot start an HTTP client");
	rc = perform(k, h, path, url, method, body, &b, &status, &transport, 1, err);
	if (!rc && (status < 200 || status > 299))
		rc = http_error(k, verb, path, status, &b, err);
	if (!rc && out && (rc = si_json_parse(b.data ? b.data : "", b.len, &si_limits_default,
					      out, err))) {
		char msg[sizeof(err->message)];
		snprintf(msg, sizeof(msg), "%s", err ? err->message : "");
		rc = si_error_set(err, rc, path, 0, "the answer: %s", msg);
	}
	if (status_out)
		*status_out = status;
	free(b.data);
	curl_easy_cleanup(h);
	return rc;
}

si_rc si_kube_get(struct si_kube *k, const char *path, cJSON **out, long *status,
		  struct si_error *err)
{
	return one_request(k, "get", path, NULL, NULL, out, status, err);
}

static si_rc send_object(struct si_kube *k, const char *verb, const char *method,
			 const char *path, const cJSON *obj, cJSON **out, long *status,
			 struct si_error *err)
{
	char *body = cJSON_PrintUnformatted(obj);
	if (out)
		*out = NULL;
	if (!body)
		return si_error_set(err, SI_ERR_NOMEM, path, 0, "out of memory");
	si_rc rc = one_request(k, verb, path, method, body, out, status, err);
	cJSON_free(body);
	return rc;
}

si_rc si_kube_create(struct si_kube *k, const char *path, const cJSON *obj, cJSON **out,
		     long *status, struct si_error *err)
{
	return send_object(k, "create", NULL, path, obj, out, status, err);
}

si_rc si_kube_update(struct si_kube *k, const char *path, const cJSON *obj, cJSON **out,
		     long *status, struct si_error *err)
{
	return send_object(k, "update", "PUT", path, obj, out, status, err);
}

si_rc si_kube_delete(struct si_kube *k, const char *path, long *status, struct si_error *err)
{
	return one_request(k, "delete", path, "DELETE", NULL, NULL, status, err);
}

/* Lists `path` asking for `accept` (NULL: the objects as JSON). */
static si_rc list(struct si_kube *k, const char *path, const char *accept, unsigned page_size,
		  si_kube_item_fn fn, void *ctx, struct si_kube_list_stats *stats,
		  struct si_error *err)
{
	struct si_kube_list_stats dummy;
	struct list_state s = { .k = k, .path = path, .fn = fn, .ctx = ctx };
	struct body b = { .accept = accept };
	char *cont = NULL;
	si_rc rc = SI_OK;
	CURL *h;

	s.stats = stats ? stats : &dummy;
	memset(s.stats, 0, sizeof(*s.stats));
	if (!k->server)
		return si_error_set(err, SI_ERR_USAGE, path, 0, "no API server configured");
	if (!(h = curl_easy_init()))
		return si_error_set(err, SI_ERR_NOMEM, path, 0, "cannot start an HTTP client");
	for (;;) {
		char url[MAX_URL];
		char *esc = cont ? curl_easy_escape(h, cont, 0) : NULL;
		int n = snprintf(url, sizeof(url), "%s%s%climit=%u%s%s", k->server, path,
				 strchr(path, '?') ? '&' : '?', page_size ? page_size : 500,
				 esc ? "&continue=" : "", esc ? esc : "");
		curl_free(esc);
		if (n < 0 || (size_t)n >= sizeof(url)) {
			rc = si_error_set(err, SI_ERR_LIMIT, path, 0, "URL over %d bytes", MAX_URL);
			goto out;
		}
		long status;
		rc = perform(k, h, path, url, NULL, NULL, &b, &status, &s.stats->transport_error,
			     s.stats->pages + 1, err);
		s.stats->http_status = status;
		if (rc)
			goto out;
		if (status == 410 && cont && s.stats->restarts == 0) {
			/* The continue token outlived etcd's compaction: list
			 * again from the start, skipping what was handed over. */
			s.stats->restarts++;
			s.resuming = s.stats->items > 0;
			free(cont);
			cont = NULL;
			continue;
		}
		if (status != 200) {
			rc = http_error(k, "list", path, status, &b, err);
			goto out;
		}
		cJSON *page = NULL;
		if ((rc = si_json_parse(b.data, b.len, &si_limits_default, &page, err))) {
			char msg[sizeof(err->message)];
			snprintf(msg, sizeof(msg), "%s", err ? err->message : "");
			rc = si_error_set(err, rc, path, 0, "page %zu: %s", s.stats->pages + 1, msg);
			goto out;
		}
		/* The raw bytes are not needed once parsed: keep one copy only. */
		if (b.cap > (1u << 20)) {
			free(b.data);
			b.data = NULL;
			b.cap = 0;
		}
		s.stats->pages++;
		free(cont);
		cont = NULL;
		rc = deliver(&s, page, &cont, err);
		cJSON_Delete(page);
		if (rc || !cont)
			goto out;
	}
out:
	free(cont);
	free(b.data);
	curl_easy_cleanup(h);
	return rc;
}

si_rc si_kube_list(struct si_kube *k, const char *path, unsigned page_size,
		   si_kube_item_fn fn, void *ctx, struct si_kube_list_stats *stats,
		   struct si_error *err)
{
	return list(k, path, NULL, page_size, fn, ctx, stats, err);
}

si_rc si_kube_list_metadata(struct si_kube *k, const char *path, unsigned page_size,
			    si_kube_item_fn fn, void *ctx, struct si_kube_list_stats *stats,
			    struct si_error *err)
{
	return list(k, path,
		    "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1, "
		    "application/json",
		    page_size, fn, ctx, stats, err);
}

struct watch_state {
	struct si_kube *k;
	CURL *h;
	const char *path;
	si_kube_event_fn fn;
	void *ctx;
	struct body line;          /* the event being received */
	struct body plain;         /* the body of an answer other than 200 */
	long status;
	si_rc rc;                  /* of the callback or of a bad event */
	struct si_error *err;
	size_t events;
};

/* One event line: {"type": "ADDED", "object": {...}}. */
static si_rc watch_event(struct watch_state *w, const char *text, size_t len)
{
	struct si_limits lim = si_limits_default;
	char where[256];
	cJSON *ev = NULL;
	si_rc rc;

	snprintf(where, sizeof(where), "%s%s", w->k->server, w->path);
	lim.max_input_bytes = SI_KUBE_MAX_EVENT_BYTES;
	if ((rc = si_json_parse(text, len, &lim, &ev, w->err))) {
		char msg[sizeof(w->err->message)];
		snprintf(msg, sizeof(msg), "%s", w->err ? w->err->message : "");
		return si_error_set(w->err, rc, where, 0, "watch event %zu: %s", w->events + 1, msg);
	}
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(ev, "type");
	cJSON *obj = cJSON_GetObjectItemCaseSensitive(ev, "object");
	if (!cJSON_IsString(type) || !cJSON_IsObject(obj)) {
		cJSON_Delete(ev);
		return si_error_set(w->err, SI_ERR_SYNTAX, where, 0,
				    "watch event %zu has no type or object", w->events + 1);
	}
	w->events++;
	if (strcmp(type->valuestring, "ERROR") == 0) {
		const cJSON *code = cJSON_GetObjectItemCaseSensitive(obj, "code");
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(obj, "message");
		w->status = cJSON_IsNumber(code) ? (long)code->valuedouble : 500;
		rc = si_error_set(w->err, SI_ERR_IO, where, 0, "the watch ended with HTTP %ld%s%s",
				  w->status, cJSON_IsString(msg) ? ": " : "",
				  cJSON_IsString(msg) ? msg->valuestring : "");
	} else {
		rc = w->fn(type->valuestring, obj, w->ctx, w->err);
	}
	cJSON_Delete(ev);
	return rc;
}

static size_t on_watch_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct watch_state *w = userdata;
	size_t n = size * nmemb;
	if (!w->status)
		curl_easy_getinfo(w->h, CURLINFO_RESPONSE_CODE, &w->status);
	if (w->status != 200)
		return on_data(ptr, size, nmemb, &w->plain);
	for (size_t i = 0; i < n;) {
		char *nl = memchr(ptr + i, '\n', n - i);
		size_t take = nl ? (size_t)(nl - (ptr + i)) : n - i;
		if (w->line.len + take > SI_KUBE_MAX_EVENT_BYTES) {
			w->rc = si_error_set(w->err, SI_ERR_LIMIT, w->path, 0,
					     "a watch event over %u bytes", SI_KUBE_MAX_EVENT_BYTES);
			return 0;
		}
		if (take && on_data(ptr + i, 1, take, &w->line) != take) {
			w->rc = si_error_set(w->err, SI_ERR_NOMEM, w->path, 0, "out of memory");
			return 0;
		}
		i += take;
		if (!nl)
			break;
		i++;
		if (w->line.len && (w->rc = watch_event(w, w->line.data, w->line.len)))
			return 0;
		w->line.len = 0;
	}
	return n;
}

si_rc si_kube_watch(struct si_kube *k, const char *path, const char *resource_version,
		    unsigned timeout_seconds, si_kube_event_fn fn, void *ctx, long *status,
		    struct si_error *err)
{
	struct watch_state w = { .k = k, .path = path, .fn = fn, .ctx = ctx, .err = err };
	struct body sink = { .sink = on_watch_data, .sink_ctx = &w };
	char url[MAX_URL];
	bool transport;
	long http = 0;
	si_rc rc;

	*status = 0;
	if (!k->server)
		return si_error_set(err, SI_ERR_USAGE, path, 0, "no API server configured");
	if (!(w.h = curl_easy_init()))
		return si_error_set(err, SI_ERR_NOMEM, path, 0, "cannot start an HTTP client");
	char *esc = curl_easy_escape(w.h, resource_version ? resource_version : "", 0);
	int n = snprintf(url, sizeof(url),
			 "%s%s%cwatch=1&allowWatchBookmarks=true&timeoutSeconds=%u%s%s",
			 k->server, path, strchr(path, '?') ? '&' : '?', timeout_seconds,
			 esc && esc[0] ? "&resourceVersion=" : "", esc ? esc : "");
	curl_free(esc);
	if (n < 0 || (size_t)n >= sizeof(url)) {
		rc = si_error_set(err, SI_ERR_LIMIT, path, 0, "URL over %d bytes", MAX_URL);
		goto out;
	}
	/* The API server ends the watch after timeoutSeconds; allow for
	 * its jitter before calling the connection dead. */
	sink.timeout = (long)timeout_seconds + 30;
	rc = perform(k, w.h, path, url, NULL, NULL, &sink, &http, &transport, 1, err);
	if (w.rc)
		rc = w.rc;
	else if (!rc && http != 200)
		rc = http_error(k, "watch", path, http, &w.plain, err);
	if (w.status && w.status != 200)
		http = w.status;
out:
	*status = http;
	free(w.line.data);
	free(w.plain.data);
	curl_easy_cleanup(w.h);
	return rc;
}
