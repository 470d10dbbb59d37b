// SPDX-License-Identifier: Apache-2.0
// si_image_ref_parse: name, tag and digest spans of container image
// references, and which references are valid.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "security-inspector/image_ref.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HEX64_UPPER "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"

/* Asserts that the span (ptr, len) lies inside `image` and reads `want`
 * ("" meaning absent: len 0). */
static void span_is(const char *image, const char *ptr, size_t len, const char *want)
{
	if (want[0] == '\0') {
		assert_int_equal(len, 0);
		return;
	}
	assert_non_null(ptr);
	assert_true(ptr >= image && ptr + len <= image + strlen(image));
	assert_int_equal(len, strlen(want));
	assert_memory_equal(ptr, want, len);
}

static void parts_are(const char *image, const char *name, const char *tag,
		      const char *digest)
{
	struct si_image_ref r;
	si_image_ref_parse(image, &r);
	span_is(image, r.name, r.name_len, name);
	span_is(image, r.tag, r.tag_len, tag);
	span_is(image, r.digest, r.digest_len, digest);
}

static bool is_valid(const char *image)
{
	struct si_image_ref r;
	si_image_ref_parse(image, &r);
	return r.valid;
}

static void test_bare_name_has_no_tag_and_no_digest(void **state)
{
	struct si_image_ref r;
	si_image_ref_parse("nginx", &r);
	span_is("nginx", r.name, r.name_len, "nginx");
	assert_int_equal(r.tag_len, 0);
	assert_int_equal(r.digest_len, 0);
	assert_true(r.valid);
	assert_false(r.sha256_digest);
}

static void test_name_and_tag_are_split_at_colon(void **state)
{
	parts_are("nginx:1.25.3", "nginx", "1.25.3", "");
	parts_are("library/nginx:latest", "library/nginx", "latest", "");
	parts_are("ghcr.io/org/tool:v2.0.0-rc_1", "ghcr.io/org/tool", "v2.0.0-rc_1", "");
	assert_true(is_valid("nginx:1.25.3"));
	assert_true(is_valid("ghcr.io/org/tool:v2.0.0-rc_1"));
}

static void test_registry_port_is_not_a_tag(void **state)
{
	struct si_image_ref r;
	const char *img = "registry:5000/app";
	si_image_ref_parse(img, &r);
	span_is(img, r.name, r.name_len, "registry:5000/app");
	assert_int_equal(r.tag_len, 0);
	assert_int_equal(r.digest_len, 0);
	assert_true(r.valid);
}

static void test_registry_port_and_tag(void **state)
{
	parts_are("registry:5000/app:1.2", "registry:5000/app", "1.2", "");
	assert_true(is_valid("registry:5000/app:1.2"));
}

static void test_localhost_port_with_nested_path_and_tag(void **state)
{
	parts_are("localhost:5000/team/app:v1", "localhost:5000/team/app", "v1", "");
	assert_true(is_valid("localhost:5000/team/app:v1"));
	parts_are("localhost:5000/team/app", "localhost:5000/team/app", "", "");
}

static void test_sha256_digest_with_64_lowercase_hex_is_recognised(void **state)
{
	const char *img = "app@sha256:" HEX64;
	struct si_image_ref r;
	si_image_ref_parse(img, &r);
	span_is(img, r.name, r.name_len, "app");
	assert_int_equal(r.tag_len, 0);
	span_is(img, r.digest, r.digest_len, "sha256:" HEX64);
	assert_true(r.sha256_digest);
	assert_true(r.valid);
}

static void test_uppercase_hex_digest_is_not_sha256(void **state)
{
	struct si_image_ref r;
	si_image_ref_parse("app@sha256:" HEX64_UPPER, &r);
	assert_false(r.sha256_digest);
	assert_int_equal(r.digest_len, strlen("sha256:" HEX64_UPPER));
}

static void test_short_digest_is_not_sha256(void **state)
{
	struct si_image_ref r;
	si_image_ref_parse("app@sha256:0123456789abcdef", &r);
	assert_false(r.sha256_digest);
	span_is("app@sha256:0123456789abcdef", r.digest, r.digest_len,
		"sha256:0123456789abcdef");
	/* 63 and 65 digits are not 64. */
	si_image_ref_parse("app@sha256:" HEX64 "0", &r);
	assert_false(r.sha256_digest);
	char img[128];
	memcpy(img, "app@sha256:" HEX64, sizeof("app@sha256:" HEX64));
	img[strlen(img) - 1] = '\0';
	si_image_ref_parse(img, &r);
	assert_false(r.sha256_digest);
}

static void test_non_hex_or_other_algorithm_digest_is_not_sha256(void **state)
{
	struct si_image_ref r;
	char img[128];
	memcpy(img, "app@sha256:" HEX64, sizeof("app@sha256:" HEX64));
	img[20] = 'g';
	si_image_ref_parse(img, &r);
	assert_false(r.sha256_digest);
	si_image_ref_parse("app@sha512:" HEX64, &r);
	assert_false(r.sha256_digest);
}

static void test_tag_and_digest_together(void **state)
{
	const char *img = "app:latest@sha256:" HEX64;
	struct si_image_ref r;
	si_image_ref_parse(img, &r);
	span_is(img, r.name, r.name_len, "app");
	span_is(img, r.tag, r.tag_len, "latest");
	span_is(img, r.digest, r.digest_len, "sha256:" HEX64);
	assert_true(r.sha256_digest);
	assert_true(r.valid);
}

static void test_registry_port_tag_and_digest_together(void **state)
{
	parts_are("registry:5000/team/app:1.2@sha256:" HEX64, "registry:5000/team/app", "1.2",
		  "sha256:" HEX64);
	parts_are("registry:5000/team/app@sha256:" HEX64, "registry:5000/team/app", "",
		  "sha256:" HEX64);
}

static void test_colon_in_digest_is_not_a_tag(void **state)
{
	/* The ':' of "sha256:" belongs to the digest. */
	parts_are("app@sha256:" HEX64, "app", "", "sha256:" HEX64);
}

static void test_empty_reference_is_invalid(void **state)
{
	struct si_image_ref r;
	si_image_ref_parse("", &r);
	assert_false(r.valid);
	assert_false(r.sha256_digest);
	assert_int_equal(r.tag_len, 0);
	assert_int_equal(r.digest_len, 0);
}

static void test_reference_with_spaces_is_invalid(void **state)
{
	assert_false(is_valid("my app:1.0"));
	assert_false(is_valid(" nginx:1.25"));
	assert_false(is_valid("nginx:1.25 "));
	assert_false(is_valid("nginx:1 .25"));
}

static void test_empty_tag_is_invalid(void **state)
{
	struct si_image_ref r;
	si_image_ref_parse("app:", &r);
	assert_false(r.valid);
	assert_int_equal(r.tag_len, 0);
}

static void test_leading_or_trailing_slash_is_invalid(void **state)
{
	assert_false(is_valid("/app"));
	assert_false(is_valid("/app:1.0"));
	assert_false(is_valid("app/"));
	assert_false(is_valid("registry//app:1.0"));
}

static void test_empty_digest_is_invalid(void **state)
{
	struct si_image_ref r;
	si_image_ref_parse("app@", &r);
	assert_false(r.valid);
	assert_false(r.sha256_digest);
}

static void test_tag_with_bad_characters_is_invalid(void **state)
{
	assert_false(is_valid("app:-dash-first"));
	assert_false(is_valid("app:.dot-first"));
	assert_false(is_valid("app:v1+build"));
	assert_true(is_valid("app:_underscore_first"));
}

static void test_tag_longer_than_128_characters_is_invalid(void **state)
{
	char img[200] = "app:";
	memset(img + 4, 'a', 128);
	img[4 + 128] = '\0';
	assert_true(is_valid(img));
	img[4 + 128] = 'a';
	img[4 + 129] = '\0';
	assert_false(is_valid(img));
}

static void test_spans_point_into_the_parsed_string(void **state)
{
	const char *img = "registry:5000/app:1.2@sha256:" HEX64;
	struct si_image_ref r;
	si_image_ref_parse(img, &r);
	assert_ptr_equal(r.name, img);
	assert_ptr_equal(r.tag, img + strlen("registry:5000/app:"));
	assert_ptr_equal(r.digest, img + strlen("registry:5000/app:1.2@"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bare_name_has_no_tag_and_no_digest),
		cmocka_unit_test(test_name_and_tag_are_split_at_colon),
		cmocka_unit_test(test_registry_port_is_not_a_tag),
		cmocka_unit_test(test_registry_port_and_tag),
		cmocka_unit_test(test_localhost_port_with_nested_path_and_tag),
		cmocka_unit_test(test_sha256_digest_with_64_lowercase_hex_is_recognised),
		cmocka_unit_test(test_uppercase_hex_digest_is_not_sha256),
		cmocka_unit_test(test_short_digest_is_not_sha256),
		cmocka_unit_test(test_non_hex_or_other_algorithm_digest_is_not_sha256),
		cmocka_unit_test(test_tag_and_digest_together),
		cmocka_unit_test(test_registry_port_tag_and_digest_together),
		cmocka_unit_test(test_colon_in_digest_is_not_a_tag),
		cmocka_unit_test(test_empty_reference_is_invalid),
		cmocka_unit_test(test_reference_with_spaces_is_invalid),
		cmocka_unit_test(test_empty_tag_is_invalid),
		cmocka_unit_test(test_leading_or_trailing_slash_is_invalid),
		cmocka_unit_test(test_empty_digest_is_invalid),
		cmocka_unit_test(test_tag_with_bad_characters_is_invalid),
		cmocka_unit_test(test_tag_longer_than_128_characters_is_invalid),
		cmocka_unit_test(test_spans_point_into_the_parsed_string),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
