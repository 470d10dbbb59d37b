// SPDX-License-Identifier: Apache-2.0
// Whole files and stdin into memory, bounded: read in growing chunks and
// refused once they pass their limit.
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "security-inspector/file.h"

/* First buffer for a file whose size fstat() does not tell (pipes, ttys,
 * /proc): small, as most of what we read is a few KiB. */
#define FIRST_CHUNK 4096u

si_rc si_read_file(const char *path, size_t max, char **out, size_t *len,
		   struct si_error *err)
{
	bool is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "<stdin>" : path;
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	char *buf = NULL;
	size_t cap = 0, n = 0;
	si_rc rc = SI_OK;

	*out = NULL;
	*len = 0;
	if (max >= SIZE_MAX / 2) {
		rc = si_error_set(err, SI_ERR_INVALID, name, 0, "a read limit of %zu bytes", max);
		goto out;
	}
	if (fd < 0) {
		rc = si_error_set(err, SI_ERR_IO, name, 0, "cannot open: %s", strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		rc = si_error_set(err, SI_ERR_IO, name, 0, "cannot read: %s", strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = si_error_set(err, SI_ERR_IO, name, 0, "is a directory, not a file");
		goto out;
	}
	if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > max) {
		rc = si_error_set(err, SI_ERR_LIMIT, name, 0, "over the %zu-byte limit", max);
		goto out;
	}
	/* A regular file's size is a hint (it may change while we read): one
	 * byte more lets the read that sees its end fit. max + 1 bytes are
	 * always enough to know whether the input is over the limit. */
	cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 1 : FIRST_CHUNK;
	if (cap > max + 1)
		cap = max + 1;
	if (!(buf = malloc(cap + 1))) {
		rc = si_error_set(err, SI_ERR_NOMEM, name, 0, "out of memory");
		goto out;
	}
	for (;;) {
		if (n == cap) {
			if (n > max) {
				rc = si_error_set(err, SI_ERR_LIMIT, name, 0,
						  "over the %zu-byte limit", max);
				goto out;
			}
			size_t c = cap * 2 > max + 1 ? max + 1 : cap * 2;
			char *b = realloc(buf, c + 1);
			if (!b) {
				rc = si_error_set(err, SI_ERR_NOMEM, name, 0, "out of memory");
				goto out;
			}
			buf = b;
			cap = c;
		}
		ssize_t got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = si_error_set(err, SI_ERR_IO, name, 0, "cannot read: %s",
					  strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (n > max) {
		rc = si_error_set(err, SI_ERR_LIMIT, name, 0, "over the %zu-byte limit", max);
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
out:
	free(buf);
	if (fd >= 0 && !is_stdin)
		close(fd);
	return rc;
}
