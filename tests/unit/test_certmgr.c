// SPDX-License-Identifier: Apache-2.0
// The rotation rules of the certificate Secret (si_certmgr_plan) on a clock
// of the test's own, and the checks of the durations they need.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "certmgr.h"

#define NOW ((time_t)1800000000)

/* CA 60 s, serving certificate 24 s, overlap 4 s, a look every second:
 * the durations of the end-to-end test. */
static const struct si_certmgr_config cfg = {
	.secret = "tls", .namespace = "ns", .service = "svc", .ca_lifetime = 60,
	.cert_lifetime = 24, .overlap = 4, .check_interval = 1, .start_timeout = 5,
};

/* One CA (the signer, 50 s left) that signed a serving certificate with 20 s
 * left; published and switched long ago. */
static struct si_cert_state steady(void)
{
	struct si_cert_state s = {
		.signer_ok = true, .signer_not_after = NOW + 50, .published_at = NOW - 10,
		.switched_at = NOW - 10, .serving_ok = true, .serving_by_signer = true,
		.serving_not_after = NOW + 20, .n_bundle = 1,
	};
	s.bundle[0].not_after = NOW + 50;
	s.bundle[0].is_signer = s.bundle[0].signed_serving = true;
	return s;
}

/* A new CA (first, the signer) published `age` seconds ago; the serving
 * certificate is still the old CA's (second). */
static struct si_cert_state rotating(time_t age)
{
	struct si_cert_state s = steady();
	s.signer_not_after = s.bundle[0].not_after = NOW + 60 - age;
	s.published_at = NOW - age;
	s.serving_by_signer = s.bundle[0].signed_serving = false;
	s.bundle[1].not_after = NOW + 19 - age;
	s.bundle[1].signed_serving = true;
	s.serving_not_after = NOW + 15;
	s.n_bundle = 2;
	return s;
}

static struct si_cert_plan plan_of(const struct si_cert_state *s)
{
	struct si_cert_plan p;
	si_certmgr_plan(&cfg, s, NOW, &p);
	return p;
}

static void test_empty_secret_gets_a_ca_and_a_serving_certificate_at_once(void **state)
{
	struct si_cert_state s = { 0 };
	struct si_cert_plan p = plan_of(&s);
	assert_true(p.new_ca);
	assert_true(p.issue);
	assert_true(p.write);
	assert_int_equal(p.published_at, NOW);
	assert_int_equal(p.switched_at, NOW);
}

static void test_valid_certificates_outside_their_windows_change_nothing(void **state)
{
	struct si_cert_state s = steady();
	struct si_cert_plan p = plan_of(&s);
	assert_false(p.write);
	assert_false(p.new_ca);
	assert_false(p.issue);
	assert_true(p.keep[0]);
	assert_int_equal(p.published_at, s.published_at);
	assert_int_equal(p.switched_at, s.switched_at);
}

static void test_serving_renewal_under_the_same_ca_keeps_the_bundle(void **state)
{
	struct si_cert_state s = steady();
	s.serving_not_after = NOW + 7;      /* under a third of 24 s */
	struct si_cert_plan p = plan_of(&s);
	assert_true(p.issue);
	assert_false(p.new_ca);
	assert_true(p.keep[0]);
	assert_int_equal(p.switched_at, s.switched_at);
	assert_int_equal(p.published_at, s.published_at);
}

static void test_serving_renewal_waits_for_the_last_third(void **state)
{
	struct si_cert_state s = steady();
	s.serving_not_after = NOW + 8;      /* exactly a third */
	assert_false(plan_of(&s).write);
}

static void test_expiring_ca_gets_a_successor_first_and_stays_in_the_bundle(void **state)
{
	struct si_cert_state s = steady();
	s.signer_not_after = s.bundle[0].not_after = NOW + 19;   /* under a third of 60 s */
	struct si_cert_plan p = plan_of(&s);
	assert_true(p.new_ca);
	assert_false(p.issue);              /* the new CA is not trusted anywhere yet */
	assert_true(p.keep[0]);
	assert_int_equal(p.published_at, NOW);
	assert_true(p.write);
}

static void test_serving_stays_with_the_old_ca_during_the_overlap(void **state)
{
	for (time_t age = 0; age < cfg.overlap; age++) {
		struct si_cert_state s = rotating(age);
		struct si_cert_plan p = plan_of(&s);
		assert_false(p.issue);
		assert_false(p.write);
		assert_true(p.keep[0]);
		assert_true(p.keep[1]);
	}
}

static void test_serving_moves_to_the_new_ca_after_the_overlap(void **state)
{
	struct si_cert_state s = rotating(cfg.overlap);
	struct si_cert_plan p = plan_of(&s);
	assert_true(p.issue);
	assert_false(p.new_ca);
	assert_int_equal(p.switched_at, NOW);
	assert_true(p.keep[0]);
	assert_true(p.keep[1]);             /* its certificate is still served */
}

static void test_serving_due_during_the_overlap_still_waits_for_it(void **state)
{
	struct si_cert_state s = rotating(1);
	s.serving_not_after = NOW + 5;
	assert_false(plan_of(&s).issue);
}

/* After the switch: the old CA signed nothing in use. */
static struct si_cert_state switched(time_t age)
{
	struct si_cert_state s = rotating(cfg.overlap + age);
	s.serving_by_signer = s.bundle[0].signed_serving = true;
	s.bundle[1].signed_serving = false;
	s.serving_not_after = NOW + 24 - age;
	s.switched_at = NOW - age;
	return s;
}

static void test_old_ca_stays_an_overlap_after_the_switch(void **state)
{
	for (time_t age = 0; age < cfg.overlap; age++) {
		struct si_cert_state s = switched(age);
		struct si_cert_plan p = plan_of(&s);
		assert_false(p.write);
		assert_true(p.keep[1]);
	}
}

static void test_old_ca_leaves_an_overlap_after_the_switch(void **state)
{
	struct si_cert_state s = switched(cfg.overlap);
	struct si_cert_plan p = plan_of(&s);
	assert_true(p.write);
	assert_true(p.keep[0]);
	assert_false(p.keep[1]);
	assert_false(p.issue);
	assert_false(p.new_ca);
}

static void test_expired_ca_leaves_the_bundle_at_once(void **state)
{
	struct si_cert_state s = switched(0);
	s.bundle[1].not_after = NOW;
	struct si_cert_plan p = plan_of(&s);
	assert_false(p.keep[1]);
	assert_true(p.write);
}

static void test_unusable_serving_certificate_is_replaced_at_once(void **state)
{
	struct si_cert_state s = rotating(1);
	s.serving_ok = false;
	s.bundle[1].signed_serving = false;
	struct si_cert_plan p = plan_of(&s);
	assert_true(p.issue);
	assert_int_equal(p.switched_at, NOW);
}

static void test_unusable_ca_is_replaced_and_the_serving_certificate_with_it(void **state)
{
	struct si_cert_state s = steady();
	s.signer_ok = false;                /* ca.key lost, say */
	s.serving_ok = false;
	struct si_cert_plan p = plan_of(&s);
	assert_true(p.new_ca);
	assert_true(p.issue);
}

static void test_unknown_publication_time_starts_the_overlap_now(void **state)
{
	struct si_cert_state s = rotating(10);
	s.published_at = 0;
	struct si_cert_plan p = plan_of(&s);
	assert_false(p.issue);
	assert_int_equal(p.published_at, NOW);
	assert_true(p.write);
}

static void test_unknown_switch_time_keeps_old_cas_an_overlap_from_now(void **state)
{
	struct si_cert_state s = switched(2);
	s.switched_at = 0;
	struct si_cert_plan p = plan_of(&s);
	assert_true(p.keep[1]);
	assert_int_equal(p.switched_at, NOW);
}

static void assert_config_refused(struct si_certmgr_config c, const char *words)
{
	struct si_error err = { 0 };
	assert_int_equal(si_certmgr_config_check(&c, &err), SI_ERR_USAGE);
	assert_non_null(strstr(err.message, words));
}

static void test_durations_that_do_not_fit_are_refused(void **state)
{
	struct si_error err = { 0 };
	struct si_certmgr_config c = cfg;
	assert_int_equal(si_certmgr_config_check(&cfg, &err), SI_OK);
	c.cert_lifetime = 61;
	assert_config_refused(c, "--cert-lifetime");
	c = cfg;
	c.overlap = 1;
	assert_config_refused(c, "--cert-check-interval");
	c = cfg;
	c.cert_lifetime = 15;
	assert_config_refused(c, "third of --cert-lifetime");
	c = cfg;
	c.ca_lifetime = 27;
	c.cert_lifetime = 27;
	assert_config_refused(c, "third of --ca-lifetime");
	struct si_certmgr_config defaults = cfg;
	defaults.ca_lifetime = 365 * 86400;
	defaults.cert_lifetime = 90 * 86400;
	defaults.overlap = 120;
	defaults.check_interval = 10;
	assert_int_equal(si_certmgr_config_check(&defaults, &err), SI_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_secret_gets_a_ca_and_a_serving_certificate_at_once),
		cmocka_unit_test(test_valid_certificates_outside_their_windows_change_nothing),
		cmocka_unit_test(test_serving_renewal_under_the_same_ca_keeps_the_bundle),
		cmocka_unit_test(test_serving_renewal_waits_for_the_last_third),
		cmocka_unit_test(test_expiring_ca_gets_a_successor_first_and_stays_in_the_bundle),
		cmocka_unit_test(test_serving_stays_with_the_old_ca_during_the_overlap),
		cmocka_unit_test(test_serving_moves_to_the_new_ca_after_the_overlap),
		cmocka_unit_test(test_serving_due_during_the_overlap_still_waits_for_it),
		cmocka_unit_test(test_old_ca_stays_an_overlap_after_the_switch),
		cmocka_unit_test(test_old_ca_leaves_an_overlap_after_the_switch),
		cmocka_unit_test(test_expired_ca_leaves_the_bundle_at_once),
		cmocka_unit_test(test_unusable_serving_certificate_is_replaced_at_once),
		cmocka_unit_test(test_unusable_ca_is_replaced_and_the_serving_certificate_with_it),
		cmocka_unit_test(test_unknown_publication_time_starts_the_overlap_now),
		cmocka_unit_test(test_unknown_switch_time_keeps_old_cas_an_overlap_from_now),
		cmocka_unit_test(test_durations_that_do_not_fit_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
