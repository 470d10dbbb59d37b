// SPDX-License-Identifier: Apache-2.0
// The report's index file: written a record per workload as the scan goes,
// its header last; read back with pread() a batch at a time.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report_index.h"
#include "security-inspector/glob.h"

_Static_assert(sizeof(struct si_index_record) == 384, "records are 384 bytes");

/* Records read at once by a walk: 96 KiB. */
#define BATCH 256

/* Copies `s` into `buf`, cut at a whole UTF-8 character when too long. */
static void copy_cut(char *buf, size_t size, const char *s)
{
	size_t n = strlen(s);
	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
}

static uint32_t count32(size_t n)
{
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

si_rc si_index_begin(FILE *out, struct si_error *err)
{
	static const struct si_index_header zero;
	if (fwrite(&zero, sizeof(zero), 1, out) != 1)
		return si_error_set(err, SI_ERR_IO, NULL, 0, "cannot write the report's index: %s",
				    strerror(errno));
	return SI_OK;
}

void si_index_record_of(const struct si_audit_entry *e, uint64_t offset, uint64_t length,
			struct si_index_record *out)
{
	const struct si_workload *w = &e->workload;
	const struct si_evaluation *ev = &e->eval;

	memset(out, 0, sizeof(*out));
	out->offset = offset;
	copy_cut(out->namespace, sizeof(out->namespace), w->namespace);
	copy_cut(out->kind, sizeof(out->kind), w->kind);
	copy_cut(out->name, sizeof(out->name), w->name);
	out->length = length > SI_INDEX_MAX_OBJECT ? 0 : (uint32_t)length;
	out->danger = count32(ev->danger_failed);
	out->warning = count32(ev->warning_failed);
	out->whitelisted = count32(ev->whitelisted);
	out->passed = count32(ev->passed);
	out->failed = ev->failed > 0;
}

si_rc si_index_add(FILE *out, const struct si_audit_entry *e, uint64_t offset,
		   uint64_t length, struct si_error *err)
{
	struct si_index_record r;
	si_index_record_of(e, offset, length, &r);
	if (fwrite(&r, sizeof(r), 1, out) != 1)
		return si_error_set(err, SI_ERR_IO, NULL, 0, "cannot write the report's index: %s",
				    strerror(errno));
	return SI_OK;
}

si_rc si_index_finish(FILE *out, uint64_t records, const struct si_audit *a,
		      time_t finished_at, uint64_t duration_ms, struct si_error *err)
{
	struct si_index_header h;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, SI_INDEX_MAGIC, sizeof(h.magic));
	h.record_size = sizeof(struct si_index_record);
	h.complete = a->n_errors == 0;
	h.records = records;
	h.finished_at = (int64_t)finished_at;
	h.duration_ms = duration_ms;
	h.errors = a->n_errors;
	h.skipped = a->n_skipped;
	if (a->n_errors_listed)
		si_error_format(&a->errors[0], h.first_error, sizeof(h.first_error));
	h.summary = a->summary;
	if (fflush(out) != 0 || fseek(out, 0, SEEK_SET) != 0 || fwrite(&h, sizeof(h), 1, out) != 1 ||
	    fflush(out) != 0)
		return si_error_set(err, SI_ERR_IO, NULL, 0, "cannot write the report's index: %s",
				    strerror(errno));
	return SI_OK;
}

/* Reads `size` bytes at `offset` of `fd`, all of them. */
static bool read_at(int fd, void *buf, size_t size, uint64_t offset)
{
	char *p = buf;
	while (size) {
		ssize_t n = pread(fd, p, size, (off_t)offset);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		size -= (size_t)n;
		offset += (uint64_t)n;
	}
	return true;
}

si_rc si_index_read_header(int fd, struct si_index_header *h, struct si_error *err)
{
	const uint64_t rs = sizeof(struct si_index_record);
	struct stat st;
	if (fstat(fd, &st) != 0 || (uint64_t)st.st_size < sizeof(*h) ||
	    !read_at(fd, h, sizeof(*h), 0))
		return si_error_set(err, SI_ERR_IO, NULL, 0, "cannot read the report's index");
	uint64_t body = (uint64_t)st.st_size - sizeof(*h);
	if (memcmp(h->magic, SI_INDEX_MAGIC, sizeof(h->magic)) != 0 || h->record_size != rs ||
	    body % rs != 0 || h->records != body / rs)
		return si_error_set(err, SI_ERR_SYNTAX, NULL, 0,
				    "the report's index is not one this server wrote");
	h->first_error[sizeof(h->first_error) - 1] = '\0';
	return SI_OK;
}

/* A record read from the file: its strings NUL-terminated whatever the
 * file holds. */
static void terminate(struct si_index_record *r)
{
	r->namespace[sizeof(r->namespace) - 1] = '\0';
	r->kind[sizeof(r->kind) - 1] = '\0';
	r->name[sizeof(r->name) - 1] = '\0';
}

si_rc si_index_read_record(int fd, uint64_t id, struct si_index_record *r,
			   struct si_error *err)
{
	if (!read_at(fd, r, sizeof(*r), sizeof(struct si_index_header) + id * sizeof(*r)))
		return si_error_set(err, SI_ERR_IO, NULL, 0, "cannot read the report's index");
	terminate(r);
	return SI_OK;
}

/* Whether `part` occurs in `s`, letter case ignored (ASCII). */
static bool contains(const char *s, const char *part)
{
	size_t n = strlen(part);
	for (; *s; s++)
		if (strncasecmp(s, part, n) == 0)
			return true;
	return n == 0;
}

bool si_index_match(const struct si_index_record *r, const struct si_index_filter *f)
{
	if (f->failed >= 0 && r->failed != f->failed)
		return false;
	if (f->kind && f->kind[0] && strcasecmp(f->kind, r->kind) != 0)
		return false;
	if (f->namespace && f->namespace[0] && !si_glob_match(f->namespace, r->namespace))
		return false;
	return !f->text || !f->text[0] || contains(r->name, f->text);
}

si_rc si_index_walk(int fd, uint64_t records, const struct si_index_filter *f,
		    si_index_fn fn, void *ctx, struct si_error *err)
{
	struct si_index_record *batch = malloc(BATCH * sizeof(*batch));
	si_rc rc = SI_OK;

	if (!batch)
		return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	for (uint64_t at = 0; at < records && !rc; at += BATCH) {
		size_t n = records - at < BATCH ? (size_t)(records - at) : BATCH;
		if (!read_at(fd, batch, n * sizeof(*batch),
			     sizeof(struct si_index_header) + at * sizeof(*batch))) {
			rc = si_error_set(err, SI_ERR_IO, NULL, 0, "cannot read the report's index");
			break;
		}
		for (size_t i = 0; i < n && !rc; i++) {
			terminate(&batch[i]);
			if (si_index_match(&batch[i], f))
				rc = fn(&batch[i], at + i, ctx);
		}
	}
	free(batch);
	return rc;
}
