// SPDX-License-Identifier: Apache-2.0
// The report folder: each scan's files written beside the current ones and
// renamed into place, and the latest report.json and index held open,
// counted by the requests that read them.
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report_index.h"
#include "report_store.h"
#include "security-inspector/report.h"

enum { F_JSON, F_HTML, F_INDEX, N_FILES };
static const char *const file_names[N_FILES] = { "report.json", "report.html", "report.idx" };

/* The latest complete report as the pages read it, and who reads it. */
struct held {
	struct si_report_files files;   /* first: handed out as is */
	unsigned refs;                  /* under the store's mu; the store's own is one */
};

struct si_report_store {
	char dir[4096];
	int dirfd;                      /* the folder: files are opened in it */
	bool own_dir;                   /* made here, removed at the end */
	pthread_mutex_t mu;
	bool ready[N_FILES];            /* under mu: that file is a complete report */
	struct held *latest;            /* under mu */
};

struct si_report_writer {
	struct si_report_store *st;
	FILE *out[N_FILES];
	char tmp[N_FILES][256];         /* "" once put in place, or never made */
	struct si_report *json, *html;
	uint64_t records;
};

si_rc si_report_store_open(const char *dir, struct si_report_store **out,
			   struct si_error *err)
{
	struct si_report_store *st = calloc(1, sizeof(*st));
	si_rc rc;

	*out = NULL;
	if (!st)
		return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	if (dir) {
		snprintf(st->dir, sizeof(st->dir), "%s", dir);
	} else {
		const char *t = getenv("TMPDIR");
		snprintf(st->dir, sizeof(st->dir), "%s/security-inspector-XXXXXX",
			 t && t[0] ? t : "/tmp");
		if (!mkdtemp(st->dir)) {
			rc = si_error_set(err, SI_ERR_IO, st->dir, 0,
					  "cannot make a folder for the reports: %s "
					  "(set TMPDIR or --report-dir)", strerror(errno));
			free(st);
			return rc;
		}
		st->own_dir = true;
	}
	if ((st->dirfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		rc = si_error_set(err, SI_ERR_IO, st->dir, 0, "cannot open the report folder: %s",
				  strerror(errno));
		if (st->own_dir)
			rmdir(st->dir);
		free(st);
		return rc;
	}
	pthread_mutex_init(&st->mu, NULL);
	*out = st;
	return SI_OK;
}

static void held_put(struct si_report_store *st, struct held *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&st->mu);
	bool last = --h->refs == 0;
	pthread_mutex_unlock(&st->mu);
	if (!last)
		return;
	close(h->files.index_fd);
	close(h->files.json_fd);
	free(h);
}

void si_report_store_free(struct si_report_store *st)
{
	if (!st)
		return;
	held_put(st, st->latest);
	if (st->own_dir) {
		for (int i = 0; i < N_FILES; i++)
			unlinkat(st->dirfd, file_names[i], 0);
		rmdir(st->dir);
	}
	close(st->dirfd);
	pthread_mutex_destroy(&st->mu);
	free(st);
}

int si_report_store_open_file(struct si_report_store *st, enum si_http_report f,
			      size_t *size)
{
	int i = f == SI_HTTP_REPORT_JSON ? F_JSON : F_HTML;
	struct stat s;

	pthread_mutex_lock(&st->mu);
	bool ready = st->ready[i];
	pthread_mutex_unlock(&st->mu);
	if (!ready)
		return -1;
	/* Only the file we wrote: not a link, a FIFO or another's file put in
	 * its place by whoever else can write in the folder. */
	int fd = openat(st->dirfd, file_names[i], O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd >= 0 && (fstat(fd, &s) != 0 || !S_ISREG(s.st_mode) || s.st_uid != geteuid() ||
			s.st_nlink != 1)) {
		close(fd);
		fd = -1;
	}
	if (fd >= 0)
		*size = (size_t)s.st_size;
	return fd;
}

const struct si_report_files *si_report_store_acquire(struct si_report_store *st)
{
	pthread_mutex_lock(&st->mu);
	struct held *h = st->latest;
	if (h)
		h->refs++;
	pthread_mutex_unlock(&st->mu);
	return h ? &h->files : NULL;
}

void si_report_store_release(struct si_report_store *st, const struct si_report_files *f)
{
	held_put(st, (struct held *)f);
}

/* Creates a new file of our own in the report folder, named after `base`
 * with a unique suffix (in `name`), for reading and writing; never opens
 * an existing file or a link. */
static FILE *create_new(struct si_report_store *st, const char *base, char *name, size_t size)
{
	static atomic_uint serial;
	for (int i = 0; i < 16; i++) {
		snprintf(name, size, ".%s.%ld.%u", base, (long)getpid(), atomic_fetch_add(&serial, 1));
		int fd = openat(st->dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				0600);
		if (fd >= 0) {
			FILE *f = fdopen(fd, "w");
			if (!f)
				close(fd);
			return f;
		}
		if (errno != EEXIST)
			break;
	}
	name[0] = '\0';
	return NULL;
}

si_rc si_report_writer_open(struct si_report_store *st, struct si_report_writer **out,
			    struct si_error *err)
{
	struct si_report_options ro = { .show_env_values = false };
	struct si_report_writer *w = calloc(1, sizeof(*w));
	si_rc rc = SI_OK;

	*out = NULL;
	if (!w)
		return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	w->st = st;
	for (int i = 0; i < N_FILES && !rc; i++)
		if (!(w->out[i] = create_new(st, file_names[i], w->tmp[i], sizeof(w->tmp[i]))))
			rc = si_error_set(err, SI_ERR_IO, st->dir, 0, "cannot write a report: %s",
					  strerror(errno));
	if (!rc)
		rc = si_report_open(SI_REPORT_JSON, &ro, w->out[F_JSON], &w->json, err);
	if (!rc)
		rc = si_report_open(SI_REPORT_HTML, &ro, w->out[F_HTML], &w->html, err);
	if (!rc)
		rc = si_index_begin(w->out[F_INDEX], err);
	if (rc) {
		si_report_writer_free(w);
		return rc;
	}
	*out = w;
	return SI_OK;
}

si_rc si_report_writer_entry(struct si_report_writer *w, const struct si_audit_entry *e,
			     struct si_error *err)
{
	/* The JSON report writes each workload as one element: where it
	 * starts and ends is where the index finds it. */
	off_t before = ftello(w->out[F_JSON]);
	si_rc rc = si_report_entry(w->json, e, err);
	off_t after = ftello(w->out[F_JSON]);
	if (!rc && (before < 0 || after < before))
		rc = si_error_set(err, SI_ERR_IO, w->st->dir, 0, "cannot write report.json: %s",
				  strerror(errno));
	if (!rc)
		rc = si_report_entry(w->html, e, err);
	if (!rc)
		rc = si_index_add(w->out[F_INDEX], e, (uint64_t)before, (uint64_t)(after - before),
				  err);
	w->records++;
	return rc;
}

/* The index and report.json just written, open for reading. */
static si_rc hold(struct si_report_writer *w, struct held **out, struct si_error *err)
{
	struct held *h = calloc(1, sizeof(*h));
	si_rc rc;

	*out = NULL;
	if (!h)
		return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	h->refs = 1;
	h->files.index_fd = fcntl(fileno(w->out[F_INDEX]), F_DUPFD_CLOEXEC, 0);
	h->files.json_fd = fcntl(fileno(w->out[F_JSON]), F_DUPFD_CLOEXEC, 0);
	if (h->files.index_fd < 0 || h->files.json_fd < 0)
		rc = si_error_set(err, SI_ERR_IO, w->st->dir, 0, "cannot keep the report open: %s",
				  strerror(errno));
	else
		rc = si_index_read_header(h->files.index_fd, &h->files.header, err);
	if (rc) {
		if (h->files.index_fd >= 0)
			close(h->files.index_fd);
		if (h->files.json_fd >= 0)
			close(h->files.json_fd);
		free(h);
		return rc;
	}
	*out = h;
	return SI_OK;
}

si_rc si_report_writer_commit(struct si_report_writer *w, const struct si_audit *a,
			      time_t finished_at, uint64_t duration_ms, struct si_error *err)
{
	struct si_report_store *st = w->st;
	struct held *h = NULL;
	si_rc rc;

	if ((rc = si_report_finish(w->json, a, err)) || (rc = si_report_finish(w->html, a, err)) ||
	    (rc = si_index_finish(w->out[F_INDEX], w->records, a, finished_at, duration_ms, err)) ||
	    (rc = hold(w, &h, err)))
		return rc;
	for (int i = 0; i < N_FILES; i++) {
		FILE *f = w->out[i];
		w->out[i] = NULL;
		if (fclose(f) != 0 && !rc)
			rc = si_error_set(err, SI_ERR_IO, st->dir, 0, "cannot write %s: %s",
					  file_names[i], strerror(errno));
	}
	/* rename() replaces whatever has the report's name, a link included,
	 * and follows nothing. The index goes last: it names report.json. */
	for (int i = 0; i < N_FILES && !rc; i++) {
		if (renameat(st->dirfd, w->tmp[i], st->dirfd, file_names[i]) != 0) {
			rc = si_error_set(err, SI_ERR_IO, st->dir, 0, "cannot write %s: %s",
					  file_names[i], strerror(errno));
			break;
		}
		w->tmp[i][0] = '\0';
		pthread_mutex_lock(&st->mu);
		st->ready[i] = true;
		pthread_mutex_unlock(&st->mu);
	}
	if (rc) {
		held_put(st, h);
		return rc;
	}
	pthread_mutex_lock(&st->mu);
	struct held *old = st->latest;
	st->latest = h;
	pthread_mutex_unlock(&st->mu);
	held_put(st, old);
	return SI_OK;
}

void si_report_writer_free(struct si_report_writer *w)
{
	if (!w)
		return;
	si_report_free(w->json);
	si_report_free(w->html);
	for (int i = 0; i < N_FILES; i++) {
		if (w->out[i])
			fclose(w->out[i]);
		if (w->tmp[i][0])
			unlinkat(w->st->dirfd, w->tmp[i], 0);
	}
	free(w);
}
