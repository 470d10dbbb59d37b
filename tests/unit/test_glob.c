// SPDX-License-Identifier: Apache-2.0
// si_glob_match: the '*' and '?' patterns of policy namespaces, names and
// containers.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "security-inspector/glob.h"

static void test_exact_text_matches_itself_only(void **state)
{
	assert_true(si_glob_match("kube-system", "kube-system"));
	assert_false(si_glob_match("kube-system", "kube-systems"));
	assert_false(si_glob_match("kube-system", "kube-syste"));
	assert_false(si_glob_match("kube-system", "Kube-System"));
	assert_false(si_glob_match("abc", "abd"));
}

static void test_empty_pattern_matches_only_empty_text(void **state)
{
	assert_true(si_glob_match("", ""));
	assert_false(si_glob_match("", "a"));
	assert_false(si_glob_match("a", ""));
	assert_false(si_glob_match("?", ""));
}

static void test_star_matches_empty_run(void **state)
{
	assert_true(si_glob_match("*", ""));
	assert_true(si_glob_match("**", ""));
	assert_true(si_glob_match("prod-*", "prod-"));
	assert_true(si_glob_match("*-db", "-db"));
	assert_true(si_glob_match("a*b", "ab"));
}

static void test_star_at_end_matches_any_suffix(void **state)
{
	assert_true(si_glob_match("prod-*", "prod-eu-west"));
	assert_true(si_glob_match("prod-*", "prod-1"));
	assert_false(si_glob_match("prod-*", "prod"));
	assert_false(si_glob_match("prod-*", "staging-prod-1"));
}

static void test_star_at_start_matches_any_prefix(void **state)
{
	assert_true(si_glob_match("*-system", "kube-system"));
	assert_true(si_glob_match("*-system", "x-system"));
	assert_false(si_glob_match("*-system", "kube-system-2"));
}

static void test_star_in_middle_matches_any_run(void **state)
{
	assert_true(si_glob_match("team-*-prod", "team-a-prod"));
	assert_true(si_glob_match("team-*-prod", "team-a-b-c-prod"));
	assert_true(si_glob_match("team-*-prod", "team--prod"));
	assert_false(si_glob_match("team-*-prod", "team-a-staging"));
	assert_false(si_glob_match("team-*-prod", "team-prod"));
}

static void test_lone_star_matches_everything(void **state)
{
	assert_true(si_glob_match("*", "anything at all"));
	assert_true(si_glob_match("*", "system:public-info-viewer"));
	assert_true(si_glob_match("*", "*"));
}

static void test_question_mark_matches_exactly_one_character(void **state)
{
	assert_true(si_glob_match("web-?", "web-1"));
	assert_false(si_glob_match("web-?", "web-"));
	assert_false(si_glob_match("web-?", "web-12"));
	assert_true(si_glob_match("???", "abc"));
	assert_false(si_glob_match("???", "ab"));
	assert_true(si_glob_match("a?c", "a-c"));
	assert_true(si_glob_match("a?c", "a:c"));
}

static void test_multiple_stars_backtrack_correctly(void **state)
{
	assert_true(si_glob_match("*a*b*c*", "xxaxxbxxcxx"));
	assert_true(si_glob_match("*a*b*c*", "abc"));
	assert_false(si_glob_match("*a*b*c*", "acb"));
	assert_true(si_glob_match("a*b*c", "abbbbc"));
	assert_true(si_glob_match("a*b*c", "aXbYbZc"));
	assert_false(si_glob_match("a*b*c", "aXbYbZcd"));
	/* The first candidate for the star is not the right one. */
	assert_true(si_glob_match("*ab", "aab"));
	assert_true(si_glob_match("*aab", "aaab"));
	assert_true(si_glob_match("a*ab", "aaab"));
	assert_false(si_glob_match("a*ab", "aaba"));
}

static void test_star_and_question_mark_combine(void **state)
{
	assert_true(si_glob_match("?*", "a"));
	assert_false(si_glob_match("?*", ""));
	assert_true(si_glob_match("*?", "ab"));
	assert_true(si_glob_match("web-?*", "web-5d4f8c7b9"));
	assert_false(si_glob_match("web-?*", "web-"));
	assert_true(si_glob_match("*-?", "node-exporter-x"));
}

static void test_colons_and_dashes_are_ordinary_characters(void **state)
{
	assert_true(si_glob_match("system:public-info-viewer", "system:public-info-viewer"));
	assert_true(si_glob_match("system:*", "system:anonymous"));
	assert_true(si_glob_match("system:*", "system:unauthenticated"));
	assert_false(si_glob_match("system:*", "system-anonymous"));
	assert_true(si_glob_match("*:*-viewer", "system:public-info-viewer"));
	assert_true(si_glob_match("kube-node-lease", "kube-node-lease"));
	assert_false(si_glob_match("kube-node-lease", "kube_node_lease"));
}

static void test_dot_and_slash_are_ordinary_characters(void **state)
{
	/* No path or dot-file semantics: '*' crosses '/' and matches a leading '.'. */
	assert_true(si_glob_match("*", ".hidden"));
	assert_true(si_glob_match("a*c", "a/b/c"));
	assert_false(si_glob_match("a.c", "abc"));
}

static void test_pathological_pattern_finishes_quickly(void **state)
{
	enum { N = 20000 };
	char *text = malloc(N + 1);
	assert_non_null(text);
	memset(text, 'a', N);
	text[N] = '\0';

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_false(si_glob_match("a*a*a*a*a*a*a*b", text));
	assert_false(si_glob_match("*a*a*a*a*a*a*a*a*a*a*b*", text));
	assert_true(si_glob_match("a*a*a*a*a*a*a*a", text));
	assert_false(si_glob_match("*?*?*?*?*?*?*?*?*?*?b", text));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(secs < 5.0);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_text_matches_itself_only),
		cmocka_unit_test(test_empty_pattern_matches_only_empty_text),
		cmocka_unit_test(test_star_matches_empty_run),
		cmocka_unit_test(test_star_at_end_matches_any_suffix),
		cmocka_unit_test(test_star_at_start_matches_any_prefix),
		cmocka_unit_test(test_star_in_middle_matches_any_run),
		cmocka_unit_test(test_lone_star_matches_everything),
		cmocka_unit_test(test_question_mark_matches_exactly_one_character),
		cmocka_unit_test(test_multiple_stars_backtrack_correctly),
		cmocka_unit_test(test_star_and_question_mark_combine),
		cmocka_unit_test(test_colons_and_dashes_are_ordinary_characters),
		cmocka_unit_test(test_dot_and_slash_are_ordinary_characters),
		cmocka_unit_test(test_pathological_pattern_finishes_quickly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
