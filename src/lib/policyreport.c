// SPDX-License-Identifier: Apache-2.0
// Results -> PolicyReports: results spooled per namespace, then rendered part
// by part within a size limit.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report_internal.h"
#include "security-inspector/policyreport.h"
#include "strhash.h"

#define NONE UINT64_MAX
#define BUF_BYTES (64u << 10)
/* Room kept in each object for what is not results: metadata, summary. */
#define RESERVE (4u << 10)

/* A spooled result: this header, then `len` bytes of JSON text (an object
 * without its timestamp). */
struct record {
	uint64_t next;      /* the namespace's next record, or NONE */
	uint32_t len;
	uint32_t result;    /* enum si_policyreport_result */
};

struct ns {
	char *name;         /* "" for the cluster scope */
	uint64_t first, last;
	size_t n;
};

struct si_policyreports {
	size_t max_bytes;
	int fd;
	unsigned char wbuf[BUF_BYTES];   /* records not yet written, from wbase */
	uint64_t wbase;
	size_t wlen;
	unsigned char rbuf[BUF_BYTES];   /* records read, from rbase */
	uint64_t rbase;
	size_t rlen;
	struct ns *ns;
	size_t n_ns, cap_ns;
	uint32_t *table;                 /* index + 1 into `ns`, 0 when free */
	size_t n_table;                  /* a power of two, over 2 * n_ns */
	uint64_t seed;
	size_t last_ns;                  /* the namespace of the last add */
};

const char *si_policyreport_result_name(enum si_policyreport_result r)
{
	static const char *const names[SI_POLR_RESULT_COUNT] = { "pass", "fail", "warn",
								   "error", "skip" };
	return (unsigned)r < SI_POLR_RESULT_COUNT ? names[r] : "error";
}

static si_rc io_error(const char *what, struct si_error *err)
{
	return si_error_set(err, SI_ERR_IO, NULL, 0, "the policy report spool: %s: %s", what,
			    strerror(errno));
}

/* An unlinked file in `dir`: nothing is left behind, whatever happens. */
static int spool_open(const char *dir)
{
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != ENOENT))
		return fd;
	char path[4096];
	if (snprintf(path, sizeof(path), "%s/si-policyreport-XXXXXX", dir) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = mkostemp(path, O_CLOEXEC)) >= 0)
		unlink(path);
	return fd;
}

si_rc si_policyreports_open(size_t max_bytes, const char *dir, struct si_policyreports **out,
			    struct si_error *err)
{
	*out = NULL;
	struct si_policyreports *p = malloc(sizeof(*p));
	if (!p)
		return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	*p = (struct si_policyreports){ .max_bytes = max_bytes, .seed = si_strhash_seed(),
					.last_ns = SIZE_MAX };
	if (!p->max_bytes)
		p->max_bytes = SI_POLICYREPORT_MAX_BYTES;
	if (p->max_bytes < SI_POLICYREPORT_MIN_BYTES)
		p->max_bytes = SI_POLICYREPORT_MIN_BYTES;
	if (!dir && !(dir = getenv("TMPDIR")))
		dir = "/tmp";
	if ((p->fd = spool_open(dir)) < 0) {
		si_rc rc = io_error(dir, err);
		free(p);
		return rc;
	}
	*out = p;
	return SI_OK;
}

void si_policyreports_free(struct si_policyreports *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_ns; i++)
		free(p->ns[i].name);
	free(p->ns);
	free(p->table);
	close(p->fd);
	free(p);
}

size_t si_policyreports_namespaces(const struct si_policyreports *p)
{
	return p->n_ns;
}

static si_rc flush(struct si_policyreports *p, struct si_error *err)
{
	for (size_t done = 0; done < p->wlen;) {
		ssize_t n = pwrite(p->fd, p->wbuf + done, p->wlen - done,
				   (off_t)(p->wbase + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return io_error("write", err);
		done += (size_t)n;
	}
	p->wbase += p->wlen;
	p->wlen = 0;
	return SI_OK;
}

/* Whether the record at `off` is whole in the read buffer; its header is
 * copied to `*rec` when it is there. */
static bool buffered(const struct si_policyreports *p, uint64_t off, struct record *rec)
{
	if (off < p->rbase || off - p->rbase + sizeof(*rec) > p->rlen)
		return false;
	memcpy(rec, p->rbuf + (off - p->rbase), sizeof(*rec));
	return off - p->rbase + sizeof(*rec) + rec->len <= p->rlen;
}

/* Copies the header of the record at `off` to `*rec` and points `*text` at
 * its text, valid until the next read. */
static si_rc read_record(struct si_policyreports *p, uint64_t off, struct record *rec,
			 const char **text, struct si_error *err)
{
	if (!buffered(p, off, rec)) {
		ssize_t n;
		do
			n = pread(p->fd, p->rbuf, sizeof(p->rbuf), (off_t)off);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return io_error("read", err);
		p->rbase = off;
		p->rlen = (size_t)n;
		if (!buffered(p, off, rec))
			return si_error_set(err, SI_ERR_IO, NULL, 0,
					    "the policy report spool is short");
	}
	*text = (const char *)p->rbuf + (off - p->rbase) + sizeof(*rec);
	return SI_OK;
}

/* The namespace `name`, added when new. */
static si_rc find_ns(struct si_policyreports *p, const char *name, size_t *out,
		     struct si_error *err)
{
	if (p->last_ns != SIZE_MAX && strcmp(p->ns[p->last_ns].name, name) == 0) {
		*out = p->last_ns;
		return SI_OK;
	}
	size_t mask = p->n_table - 1, i = 0;
	if (p->n_table) {
		for (i = si_strhash(p->seed, name) & mask; p->table[i]; i = (i + 1) & mask)
			if (strcmp(p->ns[p->table[i] - 1].name, name) == 0) {
				*out = p->last_ns = p->table[i] - 1;
				return SI_OK;
			}
	}
	if (p->n_ns >= UINT32_MAX - 1)
		return si_error_set(err, SI_ERR_LIMIT, NULL, 0, "too many namespaces");
	if (p->n_ns == p->cap_ns) {
		size_t cap = p->cap_ns ? 2 * p->cap_ns : 64;
		struct ns *ns = realloc(p->ns, cap * sizeof(*ns));
		if (!ns)
			return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
		p->ns = ns;
		p->cap_ns = cap;
	}
	if (2 * (p->n_ns + 1) > p->n_table) {   /* grow: at most half full */
		size_t n = p->n_table ? 2 * p->n_table : 128;
		uint32_t *t = calloc(n, sizeof(*t));
		if (!t)
			return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
		for (size_t k = 0; k < p->n_ns; k++) {
			size_t j = si_strhash(p->seed, p->ns[k].name) & (n - 1);
			while (t[j])
				j = (j + 1) & (n - 1);
			t[j] = (uint32_t)k + 1;
		}
		free(p->table);
		p->table = t;
		p->n_table = n;
		mask = n - 1;
		for (i = si_strhash(p->seed, name) & mask; p->table[i]; i = (i + 1) & mask)
			;
	}
	char *copy = strdup(name);
	if (!copy)
		return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	p->ns[p->n_ns] = (struct ns){ copy, NONE, NONE, 0 };
	p->table[i] = (uint32_t)p->n_ns + 1;
	*out = p->last_ns = p->n_ns++;
	return SI_OK;
}

/* Appends a record to namespace `k`, chained after its last. */
static si_rc append(struct si_policyreports *p, size_t k, enum si_policyreport_result result,
		    const char *text, size_t len, struct si_error *err)
{
	si_rc rc;
	struct record rec = { NONE, (uint32_t)len, result };
	if (p->wlen + sizeof(rec) + len > sizeof(p->wbuf) && (rc = flush(p, err)))
		return rc;
	uint64_t off = p->wbase + p->wlen;
	memcpy(p->wbuf + p->wlen, &rec, sizeof(rec));
	memcpy(p->wbuf + p->wlen + sizeof(rec), text, len);
	p->wlen += sizeof(rec) + len;

	struct ns *ns = &p->ns[k];
	if (ns->last == NONE) {
		ns->first = off;
	} else if (ns->last >= p->wbase) {
		memcpy(p->wbuf + (ns->last - p->wbase), &off, sizeof(off));
	} else {
		ssize_t n;
		do
			n = pwrite(p->fd, &off, sizeof(off), (off_t)ns->last);
		while (n < 0 && errno == EINTR);
		if (n != (ssize_t)sizeof(off))
			return io_error("write", err);
	}
	ns->last = off;
	ns->n++;
	return SI_OK;
}

static const char *severity_of(enum si_severity s)
{
	return s == SI_SEVERITY_DANGER ? "high" : "medium";
}

/* The message of a result: the finding, and for one not passed the risk and
 * the fix. */
static void message_of(const struct si_audit_entry *e, const struct si_result *r, char *buf,
		       size_t size)
{
	char subject[160];
	if (r->container)
		snprintf(subject, sizeof(subject), "%s \"%s\"",
			 si_container_role_name(r->container->role), r->container->name);
	else
		snprintf(subject, sizeof(subject), "%s",
			 e->workload.class == SI_CLASS_BINDING ? e->workload.kind : "pod spec:");
	if (r->status == SI_RESULT_PASSED)
		snprintf(buf, size, "%s %s", subject, r->detail ? r->detail : "");
	else
		snprintf(buf, size, "%s %s; risk: %s; fix: %s", subject, r->detail ? r->detail : "",
			 r->item->risk, r->fix);
}

static const char *meta_string(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(obj, "metadata"), key);
	return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

/* Adds `key`: string(`s`) to `o`; false when out of memory. */
static bool add_string(cJSON *o, const char *key, const char *s)
{
	cJSON *v = si_report_json_string(s);
	if (v && cJSON_AddItemToObject(o, key, v))
		return true;
	cJSON_Delete(v);
	return false;
}

/* The object reference of the workload of `e`. */
static cJSON *resource_of(const struct si_audit_entry *e)
{
	const cJSON *api = cJSON_GetObjectItemCaseSensitive(e->object, "apiVersion");
	const char *uid = meta_string(e->object, "uid");
	cJSON *ref = cJSON_CreateObject();
	bool ok = ref && (!cJSON_IsString(api) || add_string(ref, "apiVersion", api->valuestring)) &&
		  add_string(ref, "kind", e->workload.kind) &&
		  (!e->workload.namespace[0] || add_string(ref, "namespace", e->workload.namespace)) &&
		  add_string(ref, "name", e->workload.name) && (!uid || add_string(ref, "uid", uid));
	if (ok)
		return ref;
	cJSON_Delete(ref);
	return NULL;
}

/* The result `r` as JSON text (caller frees), within SI_POLICYREPORT_MAX_RESULT
 * bytes: a longer message is cut. */
static char *result_text(const struct si_audit_entry *e, const struct si_result *r)
{
	char msg[2048];
	message_of(e, r, msg, sizeof(msg));
	for (size_t cut = strlen(msg);; cut = cut > 256 ? cut - 256 : 0) {
		msg[cut] = '\0';
		cJSON *o = cJSON_CreateObject(), *props = NULL, *res = NULL;
		bool ok = o && add_string(o, "source", "security-inspector") &&
			  add_string(o, "policy", r->item->name) &&
			  add_string(o, "rule", r->item->title) &&
			  add_string(o, "category", si_category_name(r->item->category)) &&
			  add_string(o, "severity", severity_of(r->severity)) &&
			  add_string(o, "result",
				     r->status == SI_RESULT_PASSED   ? "pass"
				     : r->status == SI_RESULT_FAILED ? "fail"
								     : "skip") &&
			  cJSON_AddTrueToObject(o, "scored") && add_string(o, "message", msg) &&
			  (res = cJSON_AddArrayToObject(o, "resources")) != NULL &&
			  cJSON_AddItemToArray(res, resource_of(e)) &&
			  (props = cJSON_AddObjectToObject(o, "properties")) != NULL &&
			  (!r->container || add_string(props, "container", r->container->name)) &&
			  (!r->container ||
			   add_string(props, "containerType", si_container_role_name(r->container->role))) &&
			  (r->status != SI_RESULT_WHITELISTED ||
			   add_string(props, "whitelistReason", r->reason));
		if (ok && props && !props->child)
			cJSON_DeleteItemFromObjectCaseSensitive(o, "properties");
		char *text = ok ? cJSON_PrintUnformatted(o) : NULL;
		cJSON_Delete(o);
		if (!text || strlen(text) <= SI_POLICYREPORT_MAX_RESULT || cut == 0)
			return text;
		cJSON_free(text);
	}
}

si_rc si_policyreports_add(struct si_policyreports *p, const struct si_audit_entry *e,
			   struct si_error *err)
{
	size_t k = 0;
	si_rc rc = find_ns(p, e->workload.namespace, &k, err);
	for (size_t i = 0; !rc && i < e->eval.n_results; i++) {
		const struct si_result *r = &e->eval.results[i];
		char *text = result_text(e, r);
		if (!text)
			return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
		size_t len = strlen(text);
		if (len > SI_POLICYREPORT_MAX_RESULT) {
			cJSON_free(text);
			return si_error_set(err, SI_ERR_LIMIT, e->path, e->line,
					    "a result of %s/%s is over %u bytes", e->workload.namespace,
					    e->workload.name, SI_POLICYREPORT_MAX_RESULT);
		}
		enum si_policyreport_result res = r->status == SI_RESULT_PASSED   ? SI_POLR_PASS
						  : r->status == SI_RESULT_FAILED ? SI_POLR_FAIL
										  : SI_POLR_SKIP;
		rc = append(p, k, res, text, len, err);
		cJSON_free(text);
	}
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct ns *)a)->name, ((const struct ns *)b)->name);
}

/* `"timestamp":{"seconds":N,"nanos":0},` for `when`, or "" for 0. */
static int timestamp_text(time_t when, char *buf, size_t size)
{
	if (!when) {
		buf[0] = '\0';
		return 0;
	}
	return snprintf(buf, size, "\"timestamp\":{\"seconds\":%" PRId64 ",\"nanos\":0},",
			(int64_t)when);
}

si_rc si_policyreports_each(struct si_policyreports *p, si_policyreport_part_fn fn, void *ctx,
			    struct si_error *err)
{
	si_rc rc;
	char ts[96];
	/* Parts are measured with the longest timestamp they may be given. */
	size_t ts_len = (size_t)timestamp_text((time_t)INT64_MAX, ts, sizeof(ts));
	size_t budget = p->max_bytes - RESERVE;

	if ((rc = flush(p, err)))
		return rc;
	if (p->n_ns)   /* qsort() takes no NULL array, even empty */
		qsort(p->ns, p->n_ns, sizeof(*p->ns), by_name);   /* "" (the cluster) first */
	free(p->table);
	p->table = NULL;
	p->n_table = 0;
	p->last_ns = SIZE_MAX;
	for (size_t k = 0; k < p->n_ns; k++) {
		const struct ns *ns = &p->ns[k];
		struct si_policyreport_part part = {
			.namespace = ns->name,
			.kind = ns->name[0] ? "PolicyReport" : "ClusterPolicyReport",
			.number = 1, .start = ns->first,
		};
		size_t bytes = 0;
		uint64_t off = ns->first;
		for (size_t i = 0; i < ns->n; i++) {
			struct record rec;
			const char *text = NULL;
			if ((rc = read_record(p, off, &rec, &text, err)))
				return rc;
			size_t add = rec.len + ts_len + 1;
			if (part.n_results && bytes + add > budget) {
				snprintf(part.name, sizeof(part.name), part.number == 1 ? "%s" : "%s-%u",
					 SI_POLICYREPORT_NAME, part.number);
				if ((rc = fn(&part, ctx, err)))
					return rc;
				part = (struct si_policyreport_part){
					.namespace = part.namespace, .kind = part.kind,
					.number = part.number + 1, .start = off,
				};
				bytes = 0;
			}
			bytes += add;
			part.n_results++;
			part.summary[rec.result < SI_POLR_RESULT_COUNT ? rec.result : SI_POLR_ERROR]++;
			off = rec.next;
		}
		snprintf(part.name, sizeof(part.name), part.number == 1 ? "%s" : "%s-%u",
			 SI_POLICYREPORT_NAME, part.number);
		if ((rc = fn(&part, ctx, err)))
			return rc;
	}
	return SI_OK;
}

/* A growing text. */
struct text {
	char *data;
	size_t len, cap;
	bool nomem;
};

static void put(struct text *t, const char *s, size_t n)
{
	if (t->nomem)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 4096;
		while (cap < t->len + n + 1)
			cap *= 2;
		char *d = realloc(t->data, cap);
		if (!d) {
			t->nomem = true;
			return;
		}
		t->data = d;
		t->cap = cap;
	}
	memcpy(t->data + t->len, s, n);
	t->len += n;
	t->data[t->len] = '\0';
}

static void puts_(struct text *t, const char *s)
{
	put(t, s, strlen(s));
}

/* metadata: a copy of `extra` with name, namespace and the label set. */
static char *metadata_text(const struct si_policyreport_part *part, const cJSON *extra)
{
	cJSON *m = extra ? cJSON_Duplicate(extra, true) : cJSON_CreateObject();
	cJSON *labels = NULL;
	bool ok = cJSON_IsObject(m);
	if (ok) {
		cJSON_DeleteItemFromObjectCaseSensitive(m, "name");
		cJSON_DeleteItemFromObjectCaseSensitive(m, "namespace");
		labels = cJSON_GetObjectItemCaseSensitive(m, "labels");
		if (!cJSON_IsObject(labels)) {
			cJSON_DeleteItemFromObjectCaseSensitive(m, "labels");
			labels = cJSON_AddObjectToObject(m, "labels");
		}
		cJSON_DeleteItemFromObjectCaseSensitive(labels, SI_POLICYREPORT_LABEL);
		ok = labels && add_string(labels, SI_POLICYREPORT_LABEL, "security-inspector") &&
		     add_string(m, "name", part->name) &&
		     (!part->namespace[0] || add_string(m, "namespace", part->namespace));
	}
	char *text = ok ? cJSON_PrintUnformatted(m) : NULL;
	cJSON_Delete(m);
	return text;
}

si_rc si_policyreports_render(struct si_policyreports *p, const struct si_policyreport_part *part,
			      const cJSON *metadata, time_t when, bool content_only, char **text,
			      size_t *len, struct si_error *err)
{
	struct text t = { 0 };
	char buf[256], ts[96];
	si_rc rc = SI_OK;

	*text = NULL;
	*len = 0;
	if (!content_only) {
		char *meta = metadata_text(part, metadata);
		if (!meta)
			return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
		snprintf(buf, sizeof(buf), "{\"apiVersion\":\"%s\",\"kind\":\"%s\",\"metadata\":",
			 SI_POLICYREPORT_API_VERSION, part->kind);
		puts_(&t, buf);
		puts_(&t, meta);
		cJSON_free(meta);
		put(&t, ",", 1);
	} else {
		put(&t, "{", 1);
		when = 0;
	}
	snprintf(buf, sizeof(buf),
		 "\"summary\":{\"pass\":%zu,\"fail\":%zu,\"warn\":%zu,\"error\":%zu,\"skip\":%zu},"
		 "\"results\":[",
		 part->summary[SI_POLR_PASS], part->summary[SI_POLR_FAIL],
		 part->summary[SI_POLR_WARN], part->summary[SI_POLR_ERROR],
		 part->summary[SI_POLR_SKIP]);
	puts_(&t, buf);
	int ts_len = timestamp_text(when, ts, sizeof(ts));
	uint64_t off = part->start;
	for (size_t i = 0; i < part->n_results && off != NONE; i++) {
		struct record rec;
		const char *rt = NULL;
		if ((rc = read_record(p, off, &rec, &rt, err)))
			goto out;
		if (i)
			put(&t, ",", 1);
		put(&t, "{", 1);
		put(&t, ts, (size_t)ts_len);
		put(&t, rt + 1, rec.len - 1);
		off = rec.next;
	}
	put(&t, "]}", 2);
	if (t.nomem) {
		rc = si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
		goto out;
	}
	*text = t.data;
	*len = t.len;
	t.data = NULL;
out:
	free(t.data);
	return rc;
}
