// SPDX-License-Identifier: Apache-2.0
// si_cron_parse and si_cron_next: the crontab(5) syntax, its errors, and the
// next instant a schedule fires in UTC and in zones with daylight saving.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "security-inspector/cron.h"

/* A UTC instant. */
static time_t utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
			 .tm_min = mi };
	return timegm(&tm);
}

static struct si_cron *parse(const char *text)
{
	static struct si_cron c;
	struct si_error err = { 0 };
	si_rc rc = si_cron_parse(text, &c, &err);
	if (rc)
		print_error("%s: %s\n", text, err.message);
	assert_int_equal(rc, SI_OK);
	return &c;
}

/* The error message of a schedule that is refused. */
static const char *refused(const char *text)
{
	static struct si_error err;
	struct si_cron c;
	memset(&err, 0, sizeof(err));
	assert_int_not_equal(si_cron_parse(text, &c, &err), SI_OK);
	return err.message;
}

static void assert_contains(const char *text, const char *part)
{
	if (!strstr(text, part))
		fail_msg("\"%s\" does not contain \"%s\"", text, part);
}

/* Asserts the instants `text` fires at after `from`, `n` of them. */
static void assert_fires(const char *text, time_t from, const time_t *want, size_t n)
{
	const struct si_cron *c = parse(text);
	time_t t = from;
	for (size_t i = 0; i < n; i++) {
		t = si_cron_next(c, t);
		if (t != want[i]) {
			char a[32], b[32];
			struct tm tm;
			strftime(a, sizeof(a), "%FT%TZ", gmtime_r(&t, &tm));
			strftime(b, sizeof(b), "%FT%TZ", gmtime_r(&want[i], &tm));
			fail_msg("%s, firing %zu: %s, expected %s", text, i + 1, a, b);
		}
	}
}

#define FIRES(text, from, ...)                                                    \
	do {                                                                      \
		const time_t want_[] = { __VA_ARGS__ };                           \
		assert_fires(text, from, want_, sizeof(want_) / sizeof(want_[0])); \
	} while (0)

static void test_every_minute_fires_at_the_next_minute_strictly_after(void **state)
{
	FIRES("* * * * *", utc(2024, 5, 1, 10, 0), utc(2024, 5, 1, 10, 1), utc(2024, 5, 1, 10, 2));
	FIRES("* * * * *", utc(2024, 5, 1, 10, 0) + 59, utc(2024, 5, 1, 10, 1));
}

static void test_fixed_time_of_day_in_utc(void **state)
{
	FIRES("0 2 * * *", utc(2024, 3, 10, 12, 0), utc(2024, 3, 11, 2, 0), utc(2024, 3, 12, 2, 0));
	FIRES("0 2 * * *", utc(2024, 3, 10, 1, 59), utc(2024, 3, 10, 2, 0));
	FIRES("0 2 * * *", utc(2024, 3, 10, 2, 0), utc(2024, 3, 11, 2, 0));
	FIRES("59 23 31 12 *", utc(2024, 6, 1, 0, 0), utc(2024, 12, 31, 23, 59),
	      utc(2025, 12, 31, 23, 59));
}

static void test_lists_ranges_and_steps(void **state)
{
	FIRES("1,15 * * * *", utc(2024, 1, 1, 0, 0), utc(2024, 1, 1, 0, 1), utc(2024, 1, 1, 0, 15),
	      utc(2024, 1, 1, 1, 1));
	FIRES("0 1-3 * * *", utc(2024, 1, 1, 0, 0), utc(2024, 1, 1, 1, 0), utc(2024, 1, 1, 2, 0),
	      utc(2024, 1, 1, 3, 0), utc(2024, 1, 2, 1, 0));
	FIRES("*/15 0 * * *", utc(2024, 1, 1, 0, 0), utc(2024, 1, 1, 0, 15),
	      utc(2024, 1, 1, 0, 30), utc(2024, 1, 1, 0, 45), utc(2024, 1, 2, 0, 0));
	FIRES("10-40/10 0 * * *", utc(2024, 1, 1, 0, 0), utc(2024, 1, 1, 0, 10),
	      utc(2024, 1, 1, 0, 20), utc(2024, 1, 1, 0, 30), utc(2024, 1, 1, 0, 40),
	      utc(2024, 1, 2, 0, 10));
	/* A number with a step runs to the field's end, as cronie reads it. */
	FIRES("50/5 0 * * *", utc(2024, 1, 1, 0, 0), utc(2024, 1, 1, 0, 50),
	      utc(2024, 1, 1, 0, 55), utc(2024, 1, 2, 0, 50));
	FIRES("0 0 1,15-16 */6 *", utc(2024, 1, 2, 0, 0), utc(2024, 1, 15, 0, 0),
	      utc(2024, 1, 16, 0, 0), utc(2024, 7, 1, 0, 0));
}

static void test_month_and_weekday_names_in_any_case(void **state)
{
	/* 2024-01-01 was a Monday. */
	FIRES("0 0 * FEB,dec *", utc(2024, 1, 1, 0, 0), utc(2024, 2, 1, 0, 0));
	FIRES("0 0 * * MON-wed", utc(2024, 1, 1, 0, 0), utc(2024, 1, 2, 0, 0),
	      utc(2024, 1, 3, 0, 0), utc(2024, 1, 8, 0, 0));
	FIRES("0 0 1 jan-Mar/2 *", utc(2024, 1, 1, 0, 0), utc(2024, 3, 1, 0, 0),
	      utc(2025, 1, 1, 0, 0));
	FIRES("0 0 * * Sat", utc(2024, 1, 1, 0, 0), utc(2024, 1, 6, 0, 0));
}

static void test_zero_and_seven_are_both_sunday(void **state)
{
	FIRES("0 0 * * 0", utc(2024, 1, 1, 0, 0), utc(2024, 1, 7, 0, 0), utc(2024, 1, 14, 0, 0));
	FIRES("0 0 * * 7", utc(2024, 1, 1, 0, 0), utc(2024, 1, 7, 0, 0), utc(2024, 1, 14, 0, 0));
	FIRES("0 0 * * 5-7", utc(2024, 1, 1, 0, 0), utc(2024, 1, 5, 0, 0), utc(2024, 1, 6, 0, 0),
	      utc(2024, 1, 7, 0, 0), utc(2024, 1, 12, 0, 0));
	FIRES("0 0 * * SUN", utc(2024, 1, 1, 0, 0), utc(2024, 1, 7, 0, 0));
}

static void test_restricted_day_fields_combine_with_or(void **state)
{
	/* The 13th or a Friday: 2024-09-06 and 13 are Fridays. */
	FIRES("0 0 13 * FRI", utc(2024, 9, 1, 0, 0), utc(2024, 9, 6, 0, 0), utc(2024, 9, 13, 0, 0),
	      utc(2024, 9, 20, 0, 0), utc(2024, 9, 27, 0, 0), utc(2024, 10, 4, 0, 0),
	      utc(2024, 10, 11, 0, 0), utc(2024, 10, 13, 0, 0));
	/* A field starting with '*' is not restricted: both must match. */
	FIRES("0 0 */2 * FRI", utc(2024, 9, 1, 0, 0), utc(2024, 9, 13, 0, 0),
	      utc(2024, 9, 27, 0, 0));
	FIRES("0 0 13 * *", utc(2024, 9, 1, 0, 0), utc(2024, 9, 13, 0, 0), utc(2024, 10, 13, 0, 0));
	FIRES("0 0 * * FRI", utc(2024, 9, 7, 0, 0), utc(2024, 9, 13, 0, 0));
}

static void test_month_ends_and_leap_years(void **state)
{
	FIRES("0 0 31 * *", utc(2024, 4, 1, 0, 0), utc(2024, 5, 31, 0, 0), utc(2024, 7, 31, 0, 0),
	      utc(2024, 8, 31, 0, 0), utc(2024, 10, 31, 0, 0));
	FIRES("0 0 29 2 *", utc(2023, 3, 1, 0, 0), utc(2024, 2, 29, 0, 0), utc(2028, 2, 29, 0, 0));
	/* 2100 is not a leap year: eight years from 2096 to 2104. */
	FIRES("0 0 29 2 *", utc(2096, 3, 1, 0, 0), utc(2104, 2, 29, 0, 0));
	FIRES("0 0 28-31 2 *", utc(2023, 2, 28, 12, 0), utc(2024, 2, 28, 0, 0),
	      utc(2024, 2, 29, 0, 0), utc(2025, 2, 28, 0, 0));
	FIRES("0 12 * * *", utc(2024, 12, 31, 12, 0), utc(2025, 1, 1, 12, 0));
}

static void test_shorthands(void **state)
{
	FIRES("@daily", utc(2024, 1, 1, 5, 0), utc(2024, 1, 2, 0, 0));
	FIRES("@hourly", utc(2024, 1, 1, 5, 0), utc(2024, 1, 1, 6, 0));
	FIRES("@weekly", utc(2024, 1, 1, 5, 0), utc(2024, 1, 7, 0, 0));
	FIRES("@monthly", utc(2024, 1, 1, 5, 0), utc(2024, 2, 1, 0, 0));
	FIRES("@yearly", utc(2024, 1, 1, 5, 0), utc(2025, 1, 1, 0, 0));
	FIRES("  0 2 * * *  ", utc(2024, 1, 1, 5, 0), utc(2024, 1, 2, 2, 0));
}

static void test_errors_name_the_field_and_the_token(void **state)
{
	const char *m = refused("60 * * * *");
	assert_contains(m, "minute field");
	assert_contains(m, "\"60\"");
	assert_contains(m, "0-59");
	m = refused("0 24 * * *");
	assert_contains(m, "hour field");
	assert_contains(m, "\"24\"");
	m = refused("0 0 0 * *");
	assert_contains(m, "day-of-month field");
	assert_contains(m, "\"0\"");
	m = refused("0 0 * 13 *");
	assert_contains(m, "month field");
	m = refused("0 0 * * 8");
	assert_contains(m, "day-of-week field");
	assert_contains(m, "\"8\"");
	m = refused("0 0 * FOO *");
	assert_contains(m, "month field");
	assert_contains(m, "\"FOO\"");
	m = refused("0 0 * * MON-FOO");
	assert_contains(m, "\"MON-FOO\"");
	m = refused("0 0 * * JAN");
	assert_contains(m, "day-of-week field");
	m = refused("5-1 * * * *");
	assert_contains(m, "ends before it starts");
	m = refused("*/0 * * * *");
	assert_contains(m, "\"*/0\"");
	assert_contains(m, "step");
	m = refused("*/ * * * *");
	assert_contains(m, "\"*/\"");
	m = refused("1,,2 * * * *");
	assert_contains(m, "empty item");
	m = refused("1, * * * *");
	assert_contains(m, "empty item");
	m = refused("0 2 * *");
	assert_contains(m, "day-of-week field is missing");
	m = refused("0 2 * * * *");
	assert_contains(m, "after the five fields");
	m = refused("");
	assert_contains(m, "minute field is missing");
	m = refused("@fortnightly");
	assert_contains(m, "@fortnightly");
	m = refused("@daily 0");
	assert_contains(m, "@daily");
	m = refused("0 x * * *");
	assert_contains(m, "hour field");
	assert_contains(m, "\"x\"");
	m = refused("1.5 * * * *");
	assert_contains(m, "\"1.5\"");
	m = refused("99999999999999999999 * * * *");
	assert_contains(m, "minute field");
	char big[SI_CRON_MAX_TEXT + 10];
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_contains(refused(big), "over 256 bytes");
}

static void test_a_schedule_that_never_fires_is_refused(void **state)
{
	assert_contains(refused("0 0 30 2 *"), "never fires");
	assert_contains(refused("0 0 31 4,6,9,11 *"), "never fires");
	assert_contains(refused("0 0 30,31 FEB *"), "never fires");
	/* With a weekday too, any Monday fires. */
	FIRES("0 0 30 2 MON", utc(2024, 1, 1, 0, 0) + 1, utc(2024, 2, 5, 0, 0));
	/* 29 February does happen. */
	parse("0 0 29 2 *");
}

static void test_time_zone_prefixes(void **state)
{
	/* Paris is UTC+1 in winter. */
	FIRES("CRON_TZ=Europe/Paris 0 2 * * *", utc(2024, 1, 10, 12, 0), utc(2024, 1, 11, 1, 0));
	FIRES("TZ=Europe/Paris 0 2 * * *", utc(2024, 1, 10, 12, 0), utc(2024, 1, 11, 1, 0));
	FIRES("CRON_TZ=UTC 0 2 * * *", utc(2024, 1, 10, 12, 0), utc(2024, 1, 11, 2, 0));
	/* Half-hour zones: Kolkata is UTC+5:30 with no DST. */
	FIRES("CRON_TZ=Asia/Kolkata 0 0 * * *", utc(2024, 7, 1, 0, 0), utc(2024, 7, 1, 18, 30));
	/* Weekdays are those of the zone: 01:30 Monday in Paris is Sunday 23:30 UTC
	 * in summer (2024-06-03 is a Monday). */
	FIRES("CRON_TZ=Europe/Paris 30 1 * * 1-5", utc(2024, 6, 1, 0, 0),
	      utc(2024, 6, 2, 23, 30), utc(2024, 6, 3, 23, 30));
}

static void test_zone_errors(void **state)
{
	assert_contains(refused("CRON_TZ=Mars/Olympus_Mons 0 2 * * *"), "Mars/Olympus_Mons");
	assert_contains(refused("CRON_TZ=Mars/Olympus_Mons 0 2 * * *"), "not in the tz database");
	assert_contains(refused("CRON_TZ=../../etc/passwd 0 2 * * *"), "not a name");
	assert_contains(refused("CRON_TZ=/etc/passwd 0 2 * * *"), "not a name");
	assert_contains(refused("CRON_TZ=Europe/Paris"), "expected a time zone");
	assert_contains(refused("CRON_TZ= 0 2 * * *"), "expected a time zone");
	/* A file that is not TZif. */
	setenv("TZDIR", "data", 1);
	assert_contains(refused("CRON_TZ=policy-full.yaml 0 2 * * *"), "not a valid TZif");
	unsetenv("TZDIR");
}

/* Spring forward in Paris on 2024-03-31 at 01:00 UTC: 02:00 becomes
 * 03:00 (CET +1 to CEST +2). Fall back on 2024-10-27 at 01:00 UTC: 03:00
 * becomes 02:00 again. */
static void test_skipped_local_time_fires_once_at_the_change(void **state)
{
	FIRES("CRON_TZ=Europe/Paris 30 2 * * *", utc(2024, 3, 30, 12, 0),
	      utc(2024, 3, 31, 1, 0), utc(2024, 4, 1, 0, 30));
	FIRES("CRON_TZ=Europe/Paris */15 2 * * *", utc(2024, 3, 30, 12, 0),
	      utc(2024, 3, 31, 1, 0), utc(2024, 4, 1, 0, 0), utc(2024, 4, 1, 0, 15));
	/* Times around the gap are untouched. */
	FIRES("CRON_TZ=Europe/Paris 59 1 * * *", utc(2024, 3, 30, 12, 0), utc(2024, 3, 31, 0, 59));
	FIRES("CRON_TZ=Europe/Paris 0 3 * * *", utc(2024, 3, 30, 12, 0), utc(2024, 3, 31, 1, 0),
	      utc(2024, 4, 1, 1, 0));
	/* New York: 02:00 EST becomes 03:00 EDT on 2024-03-10 at 07:00 UTC. */
	FIRES("CRON_TZ=America/New_York 30 2 * * *", utc(2024, 3, 9, 12, 0),
	      utc(2024, 3, 10, 7, 0), utc(2024, 3, 11, 6, 30));
	/* Sydney springs forward on 2024-10-06 (02:00 AEST becomes 03:00 AEDT,
	 * at 16:00 UTC the day before). */
	FIRES("CRON_TZ=Australia/Sydney 30 2 * * *", utc(2024, 10, 4, 12, 0),
	      utc(2024, 10, 4, 16, 30), utc(2024, 10, 5, 16, 0), utc(2024, 10, 6, 15, 30));
}

static void test_repeated_local_time_fires_once(void **state)
{
	/* 02:30 in Paris happens at 00:30 and 01:30 UTC on 2024-10-27. */
	FIRES("CRON_TZ=Europe/Paris 30 2 * * *", utc(2024, 10, 26, 12, 0),
	      utc(2024, 10, 27, 0, 30), utc(2024, 10, 28, 1, 30));
	FIRES("CRON_TZ=Europe/Paris 0 * 27 10 *", utc(2024, 10, 26, 23, 30),
	      utc(2024, 10, 27, 0, 0), utc(2024, 10, 27, 1, 0) + 3600, utc(2024, 10, 27, 3, 0));
	/* After the first 02:30, even from within the repeated hour. */
	FIRES("CRON_TZ=Europe/Paris 30 2 * * *", utc(2024, 10, 27, 1, 15),
	      utc(2024, 10, 28, 1, 30));
	/* New York falls back on 2024-11-03: 01:30 at 05:30 and 06:30 UTC. */
	FIRES("CRON_TZ=America/New_York 30 1 * * *", utc(2024, 11, 2, 12, 0),
	      utc(2024, 11, 3, 5, 30), utc(2024, 11, 4, 6, 30));
	FIRES("CRON_TZ=America/New_York */20 1 3 11 *", utc(2024, 11, 3, 5, 0),
	      utc(2024, 11, 3, 5, 20), utc(2024, 11, 3, 5, 40));
}

/* The offsets read from the zone files agree with the C library's, from
 * the zones' early history to past their tables (the POSIX rules). */
static void test_offsets_agree_with_the_c_library(void **state)
{
	static const char *const zones[] = {
		"Europe/Paris", "America/New_York", "Australia/Sydney", "Asia/Kolkata",
		"America/Sao_Paulo", "Pacific/Apia", "Europe/Dublin", "Australia/Lord_Howe",
		"America/Godthab", "Africa/Casablanca", "Antarctica/Troll", "Asia/Tehran",
	};
	for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
		char text[128], tz[80];
		snprintf(text, sizeof(text), "CRON_TZ=%s 0 0 * * *", zones[z]);
		const struct si_cron *c = parse(text);
		snprintf(tz, sizeof(tz), ":%s", zones[z]);
		setenv("TZ", tz, 1);
		tzset();
		unsigned differ = 0;
		for (time_t t = utc(1850, 1, 1, 0, 0); t < utc(2120, 1, 1, 0, 0); t += 86400 * 3 + 3607) {
			struct tm tm;
			localtime_r(&t, &tm);
			if (si_cron_utc_offset(c, t) != tm.tm_gmtoff && differ++ < 3)
				print_error("%s at %lld: %ld, the C library %ld\n", zones[z],
					    (long long)t, si_cron_utc_offset(c, t), tm.tm_gmtoff);
		}
		assert_int_equal(differ, 0);
	}
	unsetenv("TZ");
	tzset();
}

/* Every zone hour of a whole year: a daily schedule fires once a day. */
static void test_daily_schedule_fires_once_a_day_through_a_year(void **state)
{
	const struct si_cron *c = parse("CRON_TZ=Europe/Paris 30 2 * * *");
	time_t t = utc(2024, 1, 1, 0, 0);
	for (int i = 0; i < 366; i++) {
		time_t n = si_cron_next(c, t);
		assert_true(n > t);
		assert_true(n - t <= 25 * 3600);
		assert_true(n - t >= 23 * 3600 || i == 0);
		t = n;
	}
	assert_true(t >= utc(2024, 12, 31, 0, 0) && t < utc(2025, 1, 1, 0, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_minute_fires_at_the_next_minute_strictly_after),
		cmocka_unit_test(test_fixed_time_of_day_in_utc),
		cmocka_unit_test(test_lists_ranges_and_steps),
		cmocka_unit_test(test_month_and_weekday_names_in_any_case),
		cmocka_unit_test(test_zero_and_seven_are_both_sunday),
		cmocka_unit_test(test_restricted_day_fields_combine_with_or),
		cmocka_unit_test(test_month_ends_and_leap_years),
		cmocka_unit_test(test_shorthands),
		cmocka_unit_test(test_errors_name_the_field_and_the_token),
		cmocka_unit_test(test_a_schedule_that_never_fires_is_refused),
		cmocka_unit_test(test_time_zone_prefixes),
		cmocka_unit_test(test_zone_errors),
		cmocka_unit_test(test_skipped_local_time_fires_once_at_the_change),
		cmocka_unit_test(test_repeated_local_time_fires_once),
		cmocka_unit_test(test_offsets_agree_with_the_c_library),
		cmocka_unit_test(test_daily_schedule_fires_once_a_day_through_a_year),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
