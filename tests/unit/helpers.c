// SPDX-License-Identifier: Apache-2.0
// Shared by the unit tests: workloads and policies from literal text.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"

cJSON *json_of(const char *json)
{
	struct si_error err = { 0 };
	char buf[900];
	cJSON *doc = NULL;
	if (si_json_parse(json, strlen(json), &si_limits_default, &doc, &err) != SI_OK)
		fail_msg("bad test JSON: %s", si_error_format(&err, buf, sizeof(buf)));
	return doc;
}

void wl_load(struct wl *x, const char *json)
{
	struct si_error err = { 0 };
	char buf[900];
	x->doc = json_of(json);
	if (si_workload_from_json(x->doc, &x->w, NULL, &err) != SI_OK)
		fail_msg("no workload: %s", si_error_format(&err, buf, sizeof(buf)));
}

void wl_free(struct wl *x)
{
	si_workload_clear(&x->w);
	cJSON_Delete(x->doc);
}

struct si_policy *policy_of(const char *yaml)
{
	struct si_policy *p = NULL;
	struct si_error err = { 0 };
	char buf[900];
	if (si_policy_parse("policy.yaml", yaml, strlen(yaml), &p, &err) != SI_OK)
		fail_msg("bad test policy: %s", si_error_format(&err, buf, sizeof(buf)));
	return p;
}
