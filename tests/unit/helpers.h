/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the unit tests: workloads and policies from literal text. Each
 * helper fails the running test on bad input. */
#ifndef SI_TEST_HELPERS_H
#define SI_TEST_HELPERS_H

#include "security-inspector/document.h"
#include "security-inspector/policy.h"
#include "security-inspector/workload.h"

/* A workload view and the document it borrows from. */
struct wl {
	cJSON *doc;
	struct si_workload w;
};

/* Parses JSON text; caller frees with cJSON_Delete. */
cJSON *json_of(const char *json);
/* Parses `json` and builds its workload view; free with wl_free(). */
void wl_load(struct wl *x, const char *json);
void wl_free(struct wl *x);
/* Parses policy YAML; caller frees with si_policy_free. */
struct si_policy *policy_of(const char *yaml);

#endif
