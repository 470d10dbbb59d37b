// SPDX-License-Identifier: Apache-2.0
// The UTF-8 rule (RFC 3629): every form that is well-formed, and every way a
// sequence can be overlong, a surrogate, out of range or cut short.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "security-inspector/utf8.h"

/* si_utf8_next() of the `len` bytes of `s` must take all of them as code
 * point `want`. */
static void decodes(const char *s, size_t len, uint32_t want)
{
	uint32_t cp = 0xffffffff;
	assert_int_equal(si_utf8_next((const unsigned char *)s, len, &cp), len);
	assert_int_equal(cp, want);
	assert_true(si_utf8_valid(s, len));
}

/* No sequence at the start of the `len` bytes of `s`. */
static void refused(const char *s, size_t len)
{
	uint32_t cp = 0x41;
	assert_int_equal(si_utf8_next((const unsigned char *)s, len, &cp), 0);
	assert_int_equal(cp, 0x41);   /* untouched */
	assert_false(si_utf8_valid(s, len));
	assert_int_equal(si_utf8_prefix(s, len), 0);
}

static void test_ascii_is_one_byte_each(void **state)
{
	(void)state;
	decodes("A", 1, 0x41);
	decodes("\x7f", 1, 0x7f);
	assert_true(si_utf8_valid("plain text", 10));
}

static void test_two_three_and_four_byte_forms_decode(void **state)
{
	(void)state;
	decodes("\xc2\x80", 2, 0x80);             /* smallest two-byte */
	decodes("\xc3\xa9", 2, 0xe9);             /* é */
	decodes("\xdf\xbf", 2, 0x7ff);
	decodes("\xe0\xa0\x80", 3, 0x800);        /* smallest three-byte */
	decodes("\xe2\x82\xac", 3, 0x20ac);       /* € */
	decodes("\xed\x9f\xbf", 3, 0xd7ff);       /* just below the surrogates */
	decodes("\xee\x80\x80", 3, 0xe000);       /* just above them */
	decodes("\xef\xbf\xbf", 3, 0xffff);
	decodes("\xf0\x90\x80\x80", 4, 0x10000);  /* smallest four-byte */
	decodes("\xf0\x9f\x98\x80", 4, 0x1f600);  /* an emoji */
}

static void test_u10ffff_is_the_last_code_point_and_u110000_is_refused(void **state)
{
	(void)state;
	decodes("\xf4\x8f\xbf\xbf", 4, 0x10ffff);
	refused("\xf4\x90\x80\x80", 4);           /* U+110000 */
	refused("\xf5\x80\x80\x80", 4);           /* F5..F7 would start U+140000.. */
	refused("\xf7\xbf\xbf\xbf", 4);
	refused("\xf8\x88\x80\x80\x80", 5);       /* old five- and six-byte forms */
	refused("\xfc\x84\x80\x80\x80\x80", 6);
	refused("\xfe", 1);
	refused("\xff", 1);
}

static void test_every_overlong_form_is_refused(void **state)
{
	(void)state;
	refused("\xc0\x80", 2);                   /* U+0000 in two bytes */
	refused("\xc0\xaf", 2);                   /* '/' in two bytes */
	refused("\xc1\xbf", 2);                   /* U+007F, the largest two-byte overlong */
	refused("\xe0\x80\x80", 3);               /* U+0000 in three bytes */
	refused("\xe0\x80\xaf", 3);
	refused("\xe0\x9f\xbf", 3);               /* U+07FF, the largest three-byte overlong */
	refused("\xf0\x80\x80\x80", 4);           /* U+0000 in four bytes */
	refused("\xf0\x80\x80\xaf", 4);
	refused("\xf0\x8f\xbf\xbf", 4);           /* U+FFFF, the largest four-byte overlong */
}

static void test_surrogates_are_refused_as_cesu8_writes_them(void **state)
{
	(void)state;
	refused("\xed\xa0\x80", 3);               /* U+D800 */
	refused("\xed\xad\xbf", 3);               /* U+DB7F */
	refused("\xed\xb0\x80", 3);               /* U+DC00 */
	refused("\xed\xbf\xbf", 3);               /* U+DFFF */
	/* A pair, as CESU-8 writes U+10000: still two surrogates. */
	refused("\xed\xa0\x80\xed\xb0\x80", 6);
}

static void test_stray_continuation_bytes_are_refused(void **state)
{
	(void)state;
	refused("\x80", 1);
	refused("\xbf", 1);
	refused("\x80\x80", 2);
}

static void test_truncated_sequences_are_refused(void **state)
{
	(void)state;
	/* Cut short by the length... */
	refused("\xc3\xa9", 1);
	refused("\xe2\x82\xac", 2);
	refused("\xe2\x82\xac", 1);
	refused("\xf0\x9f\x98\x80", 3);
	refused("\xf0\x9f\x98\x80", 1);
	/* ... or by a byte that does not continue it, which is not swallowed. */
	refused("\xe2\x82\x41", 3);
	refused("\xc3\x41", 2);
	refused("\xf0\x9f\x98\x41", 4);
	refused("\xe2\x82", 2);
	assert_int_equal(si_utf8_next((const unsigned char *)"", 0, NULL), 0);
}

static void test_nul_is_u0000_and_does_not_end_a_counted_text(void **state)
{
	(void)state;
	decodes("\0", 1, 0);
	assert_true(si_utf8_valid("a\0\xc3\xa9", 4));
	assert_false(si_utf8_valid("a\0\xed\xa0\x80", 5));
	assert_int_equal(si_utf8_prefix("a\0\xed\xa0\x80", 5), 2);
}

static void test_prefix_is_the_offset_of_the_first_bad_byte(void **state)
{
	(void)state;
	assert_int_equal(si_utf8_prefix("", 0), 0);
	assert_true(si_utf8_valid("", 0));
	assert_int_equal(si_utf8_prefix("ab\xc3\xa9" "cd", 6), 6);
	assert_int_equal(si_utf8_prefix("ab\xc3\xa9\xed\xa0\x80" "cd", 9), 4);
	assert_int_equal(si_utf8_prefix("name: \xf4\x90\x80\x80", 10), 6);
	assert_int_equal(si_utf8_prefix("x\xe2\x82", 3), 1);   /* cut at the end */
}

static void test_cp_may_be_null(void **state)
{
	(void)state;
	assert_int_equal(si_utf8_next((const unsigned char *)"\xe2\x82\xac", 3, NULL), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii_is_one_byte_each),
		cmocka_unit_test(test_two_three_and_four_byte_forms_decode),
		cmocka_unit_test(test_u10ffff_is_the_last_code_point_and_u110000_is_refused),
		cmocka_unit_test(test_every_overlong_form_is_refused),
		cmocka_unit_test(test_surrogates_are_refused_as_cesu8_writes_them),
		cmocka_unit_test(test_stray_continuation_bytes_are_refused),
		cmocka_unit_test(test_truncated_sequences_are_refused),
		cmocka_unit_test(test_nul_is_u0000_and_does_not_end_a_counted_text),
		cmocka_unit_test(test_prefix_is_the_offset_of_the_first_bad_byte),
		cmocka_unit_test(test_cp_may_be_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
