// SPDX-License-Identifier: Apache-2.0
// si_report_mask: the copy of an object that reports print, with the env
// values of every container and the last-applied-configuration annotation
// masked, names and valueFrom references kept, the object itself untouched.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"
#include "security-inspector/report.h"

#define LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"

/* The member at `path` ("a/b/0/c": keys, and indexes in arrays) of `v`. */
static const cJSON *at(const cJSON *v, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *save = NULL, *step = strtok_r(buf, "/", &save); step;
	     step = strtok_r(NULL, "/", &save)) {
		v = cJSON_IsArray(v) ? cJSON_GetArrayItem(v, (int)strtol(step, NULL, 10))
				     : cJSON_GetObjectItemCaseSensitive(v, step);
		if (!v)
			fail_msg("no %s in %s", step, path);
	}
	return v;
}

static const char *str_at(const cJSON *v, const char *path)
{
	const cJSON *s = at(v, path);
	assert_true(cJSON_IsString(s));
	return s->valuestring;
}

/* The last-applied-configuration annotation in the annotations at `path`
 * (its name holds a '/', so at() cannot reach it). */
static const char *last_applied(const cJSON *v, const char *path)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(at(v, path), LAST_APPLIED);
	assert_true(cJSON_IsString(s));
	return s->valuestring;
}

static cJSON *masked(const cJSON *obj)
{
	cJSON *out = (cJSON *)&out;
	struct si_error err = { 0 };
	assert_int_equal(si_report_mask(obj, &out, &err), SI_OK);
	assert_non_null(out);
	assert_ptr_not_equal(out, obj);
	return out;
}

static void test_env_values_of_every_container_role_are_masked(void **state)
{
	cJSON *pod = json_of(
		"{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"},"
		" \"spec\": {"
		"  \"containers\": [{\"name\": \"app\", \"env\": ["
		"    {\"name\": \"DB_PASSWORD\", \"value\": \"hunter2\"},"
		"    {\"name\": \"DB_USER\", \"valueFrom\": {\"secretKeyRef\": {\"name\": \"db\", \"key\": \"user\"}}},"
		"    {\"name\": \"EMPTY\", \"value\": \"\"}]}],"
		"  \"initContainers\": [{\"name\": \"init\", \"env\": [{\"name\": \"T\", \"value\": \"init-secret\"}]}],"
		"  \"ephemeralContainers\": [{\"name\": \"debug\", \"env\": [{\"name\": \"E\", \"value\": \"eph-secret\"}]}]"
		"}}");
	cJSON *m = masked(pod);
	assert_string_equal(str_at(m, "spec/containers/0/env/0/value"), SI_REPORT_MASK);
	assert_string_equal(str_at(m, "spec/containers/0/env/2/value"), SI_REPORT_MASK);
	assert_string_equal(str_at(m, "spec/initContainers/0/env/0/value"), SI_REPORT_MASK);
	assert_string_equal(str_at(m, "spec/ephemeralContainers/0/env/0/value"), SI_REPORT_MASK);
	/* Names and references stay, in their order, with their keys. */
	assert_string_equal(str_at(m, "spec/containers/0/env/0/name"), "DB_PASSWORD");
	assert_string_equal(str_at(m, "spec/containers/0/env/1/name"), "DB_USER");
	assert_string_equal(str_at(m, "spec/containers/0/env/1/valueFrom/secretKeyRef/name"), "db");
	assert_null(cJSON_GetObjectItemCaseSensitive(at(m, "spec/containers/0/env/1"), "value"));
	const cJSON *e0 = at(m, "spec/containers/0/env/0");
	assert_string_equal(e0->child->string, "name");
	assert_string_equal(e0->child->next->string, "value");
	assert_null(e0->child->next->next);
	assert_string_equal(str_at(m, "spec/containers/0/name"), "app");
	/* The object the audit holds is not changed. */
	assert_string_equal(str_at(pod, "spec/containers/0/env/0/value"), "hunter2");
	char *text = cJSON_PrintUnformatted(m);
	assert_null(strstr(text, "hunter2"));
	assert_null(strstr(text, "secret\""));
	cJSON_free(text);
	cJSON_Delete(m);
	cJSON_Delete(pod);
}

static void test_pod_templates_and_job_templates_are_masked(void **state)
{
	cJSON *deploy = json_of(
		"{\"kind\": \"Deployment\", \"metadata\": {\"name\": \"d\"}, \"spec\": {\"template\": {"
		" \"metadata\": {\"annotations\": {\"" LAST_APPLIED "\": \"{}\", \"team\": \"web\"}},"
		" \"spec\": {\"containers\": [{\"name\": \"a\", \"env\": [{\"name\": \"K\", \"value\": \"v1\"}]}]}}}}");
	cJSON *m = masked(deploy);
	assert_string_equal(str_at(m, "spec/template/spec/containers/0/env/0/value"), SI_REPORT_MASK);
	assert_string_equal(last_applied(m, "spec/template/metadata/annotations"), SI_REPORT_MASK);
	assert_string_equal(str_at(m, "spec/template/metadata/annotations/team"), "web");
	cJSON_Delete(m);
	cJSON_Delete(deploy);

	cJSON *cron = json_of(
		"{\"kind\": \"CronJob\", \"metadata\": {\"name\": \"c\"}, \"spec\": {\"jobTemplate\": {"
		" \"spec\": {\"template\": {\"spec\": {\"containers\": [{\"name\": \"a\", \"env\": ["
		"  {\"name\": \"K\", \"value\": \"v2\"}]}]}}}}}}");
	m = masked(cron);
	assert_string_equal(
		str_at(m, "spec/jobTemplate/spec/template/spec/containers/0/env/0/value"),
		SI_REPORT_MASK);
	cJSON_Delete(m);
	cJSON_Delete(cron);
}

static void test_last_applied_configuration_is_masked_whole(void **state)
{
	cJSON *obj = json_of(
		"{\"kind\": \"Pod\", \"metadata\": {\"name\": \"p\", \"annotations\": {"
		" \"" LAST_APPLIED "\": \"{\\\"spec\\\":{\\\"containers\\\":[{\\\"env\\\":"
		"[{\\\"name\\\":\\\"P\\\",\\\"value\\\":\\\"hunter2\\\"}]}]}}\","
		" \"other\": \"kept\"}, \"labels\": {\"app\": \"p\"}},"
		" \"spec\": {\"containers\": [{\"name\": \"a\"}]}}");
	cJSON *m = masked(obj);
	assert_string_equal(last_applied(m, "metadata/annotations"), SI_REPORT_MASK);
	assert_non_null(strstr(last_applied(obj, "metadata/annotations"), "hunter2"));
	assert_string_equal(str_at(m, "metadata/annotations/other"), "kept");
	assert_string_equal(str_at(m, "metadata/labels/app"), "p");
	assert_true(cJSON_Compare(at(m, "spec"), at(obj, "spec"), true));
	char *text = cJSON_PrintUnformatted(m);
	assert_null(strstr(text, "hunter2"));
	cJSON_free(text);
	cJSON_Delete(m);
	cJSON_Delete(obj);
}

/* Objects built in code (not parsed) may repeat a key: a printer shows both. */
static void test_a_repeated_value_key_is_masked_each_time(void **state)
{
	cJSON *obj = json_of("{\"spec\": {\"containers\": [{\"name\": \"a\", \"env\": "
			     "[{\"name\": \"K\", \"value\": \"first\"}]}]}}");
	cJSON *entry = (cJSON *)at(obj, "spec/containers/0/env/0");
	assert_non_null(cJSON_AddStringToObject(entry, "value", "second"));
	cJSON *m = masked(obj);
	char *text = cJSON_PrintUnformatted(m);
	assert_null(strstr(text, "first"));
	assert_null(strstr(text, "second"));
	assert_int_equal(cJSON_GetArraySize(at(m, "spec/containers/0/env/0")), 3);
	cJSON_free(text);
	cJSON_Delete(m);
	cJSON_Delete(obj);
}

static void test_objects_without_env_come_back_equal(void **state)
{
	cJSON *obj = json_of("{\"kind\": \"RoleBinding\", \"metadata\": {\"name\": \"b\"},"
			     " \"subjects\": [{\"kind\": \"User\", \"name\": \"x\"}], \"x\": null}");
	cJSON *m = masked(obj);
	assert_true(cJSON_Compare(m, obj, true));
	cJSON_Delete(m);
	cJSON_Delete(obj);
}

static void test_an_object_too_deep_to_mask_is_an_error(void **state)
{
	cJSON *root = cJSON_CreateArray(), *v = root;
	for (int i = 0; i < 1100; i++) {
		cJSON *child = cJSON_CreateArray();
		assert_non_null(child);
		cJSON_AddItemToArray(v, child);
		v = child;
	}
	cJSON *out = (cJSON *)&out;
	struct si_error err = { 0 };
	assert_int_equal(si_report_mask(root, &out, &err), SI_ERR_LIMIT);
	assert_null(out);
	assert_non_null(strstr(err.message, "deeper"));
	cJSON_Delete(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_values_of_every_container_role_are_masked),
		cmocka_unit_test(test_pod_templates_and_job_templates_are_masked),
		cmocka_unit_test(test_last_applied_configuration_is_masked_whole),
		cmocka_unit_test(test_a_repeated_value_key_is_masked_each_time),
		cmocka_unit_test(test_objects_without_env_come_back_equal),
		cmocka_unit_test(test_an_object_too_deep_to_mask_is_an_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
