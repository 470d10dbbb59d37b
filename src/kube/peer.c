// SPDX-License-Identifier: Apache-2.0
// Requests to another replica of the server over libcurl: the peer is
// trusted by its pinned public key, the answer's body goes to a file
// descriptor as it arrives, and a few headers are kept for relaying.
#include <curl/curl.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "security-inspector/kube.h"
#include "transfer.h"

#define MAX_URL 4096

struct transfer {
	const struct si_peer_request *req;
	struct si_peer_answer *out;
	int fd;
	bool toobig;
	int write_errno;
};

bool si_kube_peer_base_valid(const char *base)
{
	if (!base || strncmp(base, "https://", 8) != 0 || !base[8])
		return false;
	for (const char *p = base + 8; *p; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("/?#@\\", *p))
			return false;
	return true;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct transfer *t = userdata;
	size_t n = size * nmemb;
	if (n > t->req->max_body - t->out->body_len) {
		t->toobig = true;
		return 0;
	}
	for (size_t done = 0; done < n;) {
		ssize_t w = write(t->fd, ptr + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			t->write_errno = w < 0 ? errno : EIO;
			return 0;
		}
		done += (size_t)w;
	}
	t->out->body_len += n;
	return n;
}

/* Keeps `value` of the header line `line` in `buf` when its name is
 * `name`; a value that does not fit is left out whole. */
static void keep_header(const char *line, size_t len, const char *name, char *buf, size_t size)
{
	size_t nl = strlen(name);
	if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return;
	const char *v = line + nl + 1;
	size_t vl = len - nl - 1;
	while (vl && (*v == ' ' || *v == '\t'))
		v++, vl--;
	while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
		vl--;
	if (vl >= size) {
		buf[0] = '\0';
		return;
	}
	memcpy(buf, v, vl);
	buf[vl] = '\0';
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct transfer *t = userdata;
	size_t n = size * nmemb;
	struct si_peer_answer *a = t->out;
	if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {   /* a new answer: forget the last */
		a->content_type[0] = a->www_authenticate[0] = a->retry_after[0] = '\0';
		a->content_security_policy[0] = '\0';
		return n;
	}
	keep_header(ptr, n, "Content-Type", a->content_type, sizeof(a->content_type));
	keep_header(ptr, n, "WWW-Authenticate", a->www_authenticate, sizeof(a->www_authenticate));
	keep_header(ptr, n, "Retry-After", a->retry_after, sizeof(a->retry_after));
	keep_header(ptr, n, "Content-Security-Policy", a->content_security_policy,
		    sizeof(a->content_security_policy));
	return n;
}

/* base + path + "?name=value&..." with each part escaped, into `url`. */
static si_rc make_url(CURL *h, const struct si_peer_request *req, char *url, size_t size,
		      struct si_error *err)
{
	int n = snprintf(url, size, "%s%s", req->base, req->path);
	size_t used = n > 0 ? (size_t)n : 0;
	for (size_t i = 0; req->query && req->query[i] && req->query[i + 1] && used < size; i += 2) {
		char *name = curl_easy_escape(h, req->query[i], 0);
		char *value = curl_easy_escape(h, req->query[i + 1], 0);
		if (!name || !value) {
			curl_free(name);
			curl_free(value);
			return si_error_set(err, SI_ERR_NOMEM, req->path, 0, "out of memory");
		}
		n = snprintf(url + used, size - used, "%c%s=%s", i ? '&' : '?', name, value);
		curl_free(name);
		curl_free(value);
		used += n > 0 ? (size_t)n : 0;
	}
	if (n < 0 || used >= size)
		return si_error_set(err, SI_ERR_LIMIT, req->path, 0, "URL over %d bytes", MAX_URL);
	return SI_OK;
}

si_rc si_kube_peer_get(const struct si_peer_request *req, int fd, struct si_peer_answer *out,
		       struct si_error *err)
{
	struct transfer t = { .req = req, .out = out, .fd = fd };
	struct curl_slist *headers = NULL;
	char url[MAX_URL], errbuf[CURL_ERROR_SIZE] = "";
	si_rc rc = SI_OK;
	CURL *h = NULL;

	memset(out, 0, sizeof(*out));
	if (!si_kube_peer_base_valid(req->base))
		return si_error_set(err, SI_ERR_USAGE, NULL, 0,
				    "the peer's address is not https://HOST[:PORT]");
	if (!(h = curl_easy_init()))
		return si_error_set(err, SI_ERR_NOMEM, req->base, 0, "cannot start an HTTP client");
	if ((rc = make_url(h, req, url, sizeof(url), err)))
		goto out;
	for (size_t i = 0; req->headers && req->headers[i]; i++) {
		struct curl_slist *more = curl_slist_append(headers, req->headers[i]);
		if (!more) {
			rc = si_error_set(err, SI_ERR_NOMEM, req->base, 0, "out of memory");
			goto out;
		}
		headers = more;
	}
	CURLcode c = curl_easy_setopt(h, CURLOPT_URL, url);
	if (!c)
		c = curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	if (!c)
		c = curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	/* The key, not a CA or a name, says who the peer is. */
	if (!c)
		c = curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
	if (!c)
		c = curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	if (!c)
		c = curl_easy_setopt(h, CURLOPT_PINNEDPUBLICKEY, req->pinned_keys);
	if (!c)
		c = curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, req->connect_timeout);
	if (!c)
		c = curl_easy_setopt(h, CURLOPT_TIMEOUT, req->timeout);
	if (!c)
		c = curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	if (!c)
		c = curl_easy_setopt(h, CURLOPT_NOBODY, req->head ? 1L : 0L);
	/* After NOBODY, which sets the method back to GET. */
	if (!c && req->post)
		c = curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
	if (!c && req->post)
		c = curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
	if (!c)
		c = curl_easy_setopt(h, CURLOPT_USERAGENT, "security-inspector");
	if (!c)
		c = curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	if (!c)
		c = curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	if (!c)
		c = curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
	if (!c)
		c = curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	if (!c)
		c = curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
	if (!c && req->cancel)
		c = curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, si_kube_progress_cancel);
	if (!c && req->cancel)
		c = curl_easy_setopt(h, CURLOPT_XFERINFODATA, (void *)req->cancel);
	if (!c && req->cancel)
		c = curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	if (c) {
		rc = si_error_set(err, SI_ERR_INVALID, req->base, 0, "HTTP client setup: %s",
				  curl_easy_strerror(c));
		goto out;
	}
	c = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
	if (t.toobig) {
		rc = si_error_set(err, SI_ERR_LIMIT, req->base, 0, "an answer over %zu bytes",
				  req->max_body);
	} else if (t.write_errno) {
		rc = si_error_set(err, SI_ERR_IO, req->base, 0, "cannot keep the answer: %s",
				  strerror(t.write_errno));
	} else if (c) {
		out->timed_out = c == CURLE_OPERATION_TIMEDOUT;
		rc = si_error_set(err, SI_ERR_IO, req->base, 0, "%s",
				  c == CURLE_SSL_PINNEDPUBKEYNOTMATCH
				  ? "the peer's public key is not this server's"
				  : c == CURLE_ABORTED_BY_CALLBACK ? "cancelled"
				  : errbuf[0] ? errbuf : curl_easy_strerror(c));
	}
out:
	curl_slist_free_all(headers);
	curl_easy_cleanup(h);
	return rc;
}
