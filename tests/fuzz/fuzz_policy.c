// SPDX-License-Identifier: Apache-2.0
// Fuzz target: bytes as a policy file.
#include <stdint.h>

#include "security-inspector/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct si_policy *p = NULL;
	struct si_error err;
	if (si_policy_parse("fuzz", (const char *)data, size, &p, &err) == SI_OK)
		si_policy_free(p);
	return 0;
}
