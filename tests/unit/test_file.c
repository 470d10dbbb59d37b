// SPDX-License-Identifier: Apache-2.0
// The bounded file reader: limits at the edge, empty, missing and directory
// paths, and stdin from a pipe.
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "security-inspector/file.h"

static char dir[] = "/tmp/si-test-file-XXXXXX";

/* A file of `len` bytes (`fill`, or NULs when 0) in the test folder; returns
 * its path in a static buffer. */
static const char *make_file(const char *name, size_t len, char fill)
{
	static char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(fputc(fill, f), (unsigned char)fill);
	assert_int_equal(fclose(f), 0);
	return path;
}

static void expect_error(const char *path, size_t max, si_rc code, const char *file,
			 const char *words)
{
	char *out = (char *)&out;   /* must be reset to NULL */
	size_t len = 7;
	struct si_error err = { 0 };
	assert_int_equal(si_read_file(path, max, &out, &len, &err), code);
	assert_null(out);
	assert_int_equal(len, 0);
	assert_int_equal(err.code, code);
	assert_string_equal(err.file, file);
	if (!strstr(err.message, words))
		fail_msg("\"%s\" does not say \"%s\"", err.message, words);
}

/* si_read_file() of `path` must succeed; returns the text (caller frees)
 * and its length in `*len`. */
static char *read_ok(const char *path, size_t max, size_t *len)
{
	char *out = NULL;
	struct si_error err = { 0 };
	*len = 7;
	if (si_read_file(path, max, &out, len, &err) != SI_OK)
		fail_msg("%s: %s", err.file, err.message);
	assert_non_null(out);
	assert_int_equal(out[*len], '\0');
	return out;
}

static void test_file_of_exactly_max_bytes_is_read_whole(void **state)
{
	(void)state;
	size_t len;
	char *out = read_ok(make_file("max", 5000, 'x'), 5000, &len);
	assert_int_equal(len, 5000);
	assert_int_equal(out[4999], 'x');
	free(out);
}

static void test_file_of_max_plus_one_bytes_is_refused_naming_file_and_limit(void **state)
{
	(void)state;
	const char *path = make_file("over", 5001, 'x');
	expect_error(path, 5000, SI_ERR_LIMIT, path, "5000-byte limit");
}

static void test_empty_file_is_an_empty_nul_terminated_text(void **state)
{
	(void)state;
	size_t len;
	char *out = read_ok(make_file("empty", 0, 0), 10, &len);
	assert_int_equal(len, 0);
	free(out);
}

static void test_limit_zero_takes_an_empty_file_and_refuses_one_byte(void **state)
{
	(void)state;
	size_t len;
	free(read_ok(make_file("zero", 0, 0), 0, &len));
	assert_int_equal(len, 0);
	const char *path = make_file("one", 1, 'x');
	expect_error(path, 0, SI_ERR_LIMIT, path, "0-byte limit");
}

static void test_embedded_nul_bytes_are_kept_and_counted(void **state)
{
	(void)state;
	size_t len;
	char *out = read_ok(make_file("nuls", 3, '\0'), 3, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(out, "\0\0\0", 4);
	free(out);
}

static void test_huge_limit_is_not_allocated_up_front(void **state)
{
	(void)state;
	size_t len;
	free(read_ok(make_file("small", 10, 'y'), SIZE_MAX / 2 - 1, &len));
	assert_int_equal(len, 10);
	expect_error(make_file("small", 10, 'y'), SIZE_MAX / 2, SI_ERR_INVALID,
		     make_file("small", 10, 'y'), "limit");
}

static void test_missing_file_is_an_io_error_with_the_reason(void **state)
{
	(void)state;
	char path[512];
	snprintf(path, sizeof(path), "%s/no-such-file", dir);
	expect_error(path, 100, SI_ERR_IO, path, strerror(ENOENT));
}

static void test_directory_is_refused_as_not_a_file(void **state)
{
	(void)state;
	expect_error(dir, 100, SI_ERR_IO, dir, "is a directory");
}

/* Runs si_read_file("-") with stdin reading what a child process writes:
 * `len` bytes of 'z'. */
static si_rc read_stdin_of(size_t len, size_t max, char **out, size_t *got,
			   struct si_error *err)
{
	int p[2], saved = dup(STDIN_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(pipe(p), 0);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		close(p[0]);
		char chunk[4096];
		memset(chunk, 'z', sizeof(chunk));
		for (size_t done = 0; done < len;) {
			size_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
			ssize_t w = write(p[1], chunk, n);
			if (w <= 0)
				_exit(1);
			done += (size_t)w;
		}
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(dup2(p[0], STDIN_FILENO), STDIN_FILENO);
	close(p[0]);
	si_rc rc = si_read_file("-", max, out, got, err);
	/* The child may be blocked writing what was not read: closing our end
	 * ends it. */
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	int status;
	assert_int_equal(waitpid(child, &status, 0), child);
	return rc;
}

static void test_stdin_from_a_pipe_is_read_in_growing_chunks(void **state)
{
	(void)state;
	char *out = NULL;
	size_t len = 0;
	struct si_error err = { 0 };
	assert_int_equal(read_stdin_of(200000, 200000, &out, &len, &err), SI_OK);
	assert_int_equal(len, 200000);
	assert_int_equal(out[199999], 'z');
	assert_int_equal(out[200000], '\0');
	free(out);
}

static void test_stdin_over_the_limit_is_refused_as_stdin(void **state)
{
	(void)state;
	char *out = NULL;
	size_t len = 0;
	struct si_error err = { 0 };
	assert_int_equal(read_stdin_of(200001, 200000, &out, &len, &err), SI_ERR_LIMIT);
	assert_null(out);
	assert_string_equal(err.file, "<stdin>");
	assert_non_null(strstr(err.message, "200000-byte limit"));
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	const char *names[] = { "max", "over", "empty", "zero", "one", "nuls", "small" };
	char path[512];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_of_exactly_max_bytes_is_read_whole),
		cmocka_unit_test(test_file_of_max_plus_one_bytes_is_refused_naming_file_and_limit),
		cmocka_unit_test(test_empty_file_is_an_empty_nul_terminated_text),
		cmocka_unit_test(test_limit_zero_takes_an_empty_file_and_refuses_one_byte),
		cmocka_unit_test(test_embedded_nul_bytes_are_kept_and_counted),
		cmocka_unit_test(test_huge_limit_is_not_allocated_up_front),
		cmocka_unit_test(test_missing_file_is_an_io_error_with_the_reason),
		cmocka_unit_test(test_directory_is_refused_as_not_a_file),
		cmocka_unit_test(test_stdin_from_a_pipe_is_read_in_growing_chunks),
		cmocka_unit_test(test_stdin_over_the_limit_is_refused_as_stdin),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
