// SPDX-License-Identifier: Apache-2.0
// Fuzz target: bytes as an AdmissionReview body through the webhook's
// decoder, evaluation and answer, with the request arena as the server runs.
#include <stdint.h>
#include <stdlib.h>

#include "admission.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct si_policy *policy;
	static bool ready;
	struct si_admission_answer a;
	struct si_limits lim = si_limits_default;
	enum si_mode modes[] = { SI_MODE_ENFORCE, SI_MODE_WARN };

	if (!ready) {
		si_json_arena_init();
		ready = si_policy_default(&policy, NULL) == SI_OK;
	}
	lim.max_input_bytes = 8u << 20;
	lim.max_nodes = 100000;
	for (size_t i = 0; policy && i < 2; i++) {
		if (si_admission_handle((const char *)data, size, policy, size % 2 ? &modes[i] : NULL,
					&lim, &a) == SI_OK)
			si_admission_answer_clear(&a);
	}
	return 0;
}
