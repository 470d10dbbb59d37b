// SPDX-License-Identifier: Apache-2.0
// The Lease record rules of the leader election: reading a Lease, when a
// candidate may take it (measured on the local clock from when the record
// was last seen changing), and what a new holder or a renewal writes.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"
#include "leader.h"

static struct si_lease_record held_by(const char *holder, long duration)
{
	struct si_lease_record r = { .duration = duration, .transitions = 3 };
	snprintf(r.holder, sizeof(r.holder), "%s", holder);
	snprintf(r.acquire_time, sizeof(r.acquire_time), "2026-11-29T10:00:00.000000Z");
	snprintf(r.renew_time, sizeof(r.renew_time), "2026-11-29T10:00:10.000000Z");
	return r;
}

static void test_a_lease_of_another_is_taken_only_after_its_duration_unchanged(void **state)
{
	struct si_lease_record r = held_by("b_1", 15);
	/* Seen changing at 100 s on this clock: valid until 115 s here,
	 * whatever its renewTime says. */
	assert_false(si_lease_may_acquire(&r, "a_1", 100, 100));
	assert_false(si_lease_may_acquire(&r, "a_1", 100, 114.9));
	assert_true(si_lease_may_acquire(&r, "a_1", 100, 115));
	assert_true(si_lease_may_acquire(&r, "a_1", 100, 1000));
}

static void test_a_released_lease_is_taken_at_once(void **state)
{
	struct si_lease_record r = held_by("", 1);
	assert_true(si_lease_may_acquire(&r, "a_1", 100, 100));
}

static void test_the_holder_may_always_renew(void **state)
{
	struct si_lease_record r = held_by("a_1", 15);
	assert_true(si_lease_may_acquire(&r, "a_1", 100, 100));
	assert_true(si_lease_may_acquire(&r, "a_1", 100, 500));
}

static void test_the_records_own_duration_counts(void **state)
{
	/* A released Lease keeps a duration of 1 s: it is free soon even
	 * when a holder is written back by hand. */
	struct si_lease_record r = held_by("b_1", 1);
	assert_false(si_lease_may_acquire(&r, "a_1", 100, 100.5));
	assert_true(si_lease_may_acquire(&r, "a_1", 100, 101));
}

static void test_a_new_holder_counts_a_transition_and_a_renewal_does_not(void **state)
{
	struct si_lease_record old = held_by("b_1", 15), next;
	si_lease_record_next(&old, "a_1", 15, "2026-11-29T10:01:00.123456Z",
			     "https://10.1.2.3:8443", &next);
	assert_string_equal(next.holder, "a_1");
	assert_int_equal(next.transitions, 4);
	assert_string_equal(next.acquire_time, "2026-11-29T10:01:00.123456Z");
	assert_string_equal(next.renew_time, "2026-11-29T10:01:00.123456Z");
	assert_string_equal(next.report_url, "https://10.1.2.3:8443");
	assert_int_equal(next.duration, 15);

	struct si_lease_record renewed;
	si_lease_record_next(&next, "a_1", 15, "2026-11-29T10:01:02.000000Z", NULL, &renewed);
	assert_int_equal(renewed.transitions, 4);
	assert_string_equal(renewed.acquire_time, "2026-11-29T10:01:00.123456Z");
	assert_string_equal(renewed.renew_time, "2026-11-29T10:01:02.000000Z");
	assert_string_equal(renewed.report_url, "");
}

static void test_any_changed_field_is_a_change(void **state)
{
	struct si_lease_record a = held_by("b_1", 15), b = a;
	assert_true(si_lease_record_equal(&a, &b));
	b.renew_time[20] = '9';
	assert_false(si_lease_record_equal(&a, &b));
	b = a;
	b.transitions++;
	assert_false(si_lease_record_equal(&a, &b));
	b = a;
	snprintf(b.report_url, sizeof(b.report_url), "https://10.0.0.9:8443");
	assert_false(si_lease_record_equal(&a, &b));
}

static void test_a_lease_object_is_read_with_its_annotation(void **state)
{
	cJSON *lease = json_of(
		"{\"apiVersion\": \"coordination.k8s.io/v1\", \"kind\": \"Lease\","
		" \"metadata\": {\"name\": \"si\", \"annotations\":"
		"   {\"" SI_LEADER_URL_ANNOTATION "\": \"https://10.1.2.3:8443\"}},"
		" \"spec\": {\"holderIdentity\": \"pod-a_0badcafe\", \"leaseDurationSeconds\": 15,"
		"   \"acquireTime\": \"2026-11-29T10:00:00.000000Z\","
		"   \"renewTime\": \"2026-11-29T10:00:10.000000Z\", \"leaseTransitions\": 2}}");
	struct si_lease_record r;
	struct si_error err = { 0 };
	assert_int_equal(si_lease_record_read(lease, &r, &err), SI_OK);
	assert_string_equal(r.holder, "pod-a_0badcafe");
	assert_int_equal(r.duration, 15);
	assert_int_equal(r.transitions, 2);
	assert_string_equal(r.renew_time, "2026-11-29T10:00:10.000000Z");
	assert_string_equal(r.report_url, "https://10.1.2.3:8443");
	cJSON_Delete(lease);
}

static void test_an_empty_lease_reads_as_free(void **state)
{
	cJSON *lease = json_of("{\"metadata\": {\"name\": \"si\"}, \"spec\": {}}");
	struct si_lease_record r;
	assert_int_equal(si_lease_record_read(lease, &r, NULL), SI_OK);
	assert_string_equal(r.holder, "");
	assert_true(si_lease_may_acquire(&r, "a_1", 0, 0));
	cJSON_Delete(lease);
}

static void test_a_malformed_lease_is_refused(void **state)
{
	cJSON *lease = json_of("{\"spec\": {\"holderIdentity\": 7}}");
	struct si_lease_record r;
	struct si_error err = { 0 };
	assert_int_equal(si_lease_record_read(lease, &r, &err), SI_ERR_TYPE);
	assert_non_null(strstr(err.message, "holderIdentity"));
	cJSON_Delete(lease);

	char big[SI_LEADER_MAX_IDENTITY + 64];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	lease = cJSON_CreateObject();
	cJSON *spec = cJSON_AddObjectToObject(lease, "spec");
	cJSON_AddStringToObject(spec, "holderIdentity", big);
	assert_int_equal(si_lease_record_read(lease, &r, &err), SI_ERR_LIMIT);
	assert_string_equal(r.holder, "");
	cJSON_Delete(lease);

	lease = json_of("{\"spec\": {\"leaseDurationSeconds\": -1}}");
	assert_int_equal(si_lease_record_read(lease, &r, &err), SI_ERR_TYPE);
	cJSON_Delete(lease);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_lease_of_another_is_taken_only_after_its_duration_unchanged),
		cmocka_unit_test(test_a_released_lease_is_taken_at_once),
		cmocka_unit_test(test_the_holder_may_always_renew),
		cmocka_unit_test(test_the_records_own_duration_counts),
		cmocka_unit_test(test_a_new_holder_counts_a_transition_and_a_renewal_does_not),
		cmocka_unit_test(test_any_changed_field_is_a_change),
		cmocka_unit_test(test_a_lease_object_is_read_with_its_annotation),
		cmocka_unit_test(test_an_empty_lease_reads_as_free),
		cmocka_unit_test(test_a_malformed_lease_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
