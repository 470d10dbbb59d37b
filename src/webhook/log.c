// SPDX-License-Identifier: Apache-2.0
// JSON log lines on stderr.
#include <stdio.h>
#include <stdbool.h>
#include <time.h>

#include "log.h"

void si_log(const char *level, const char *msg, cJSON *fields)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);

	cJSON *o = cJSON_CreateObject();
	bool ok = o && cJSON_AddStringToObject(o, "time", when) &&
		  cJSON_AddStringToObject(o, "level", level) &&
		  cJSON_AddStringToObject(o, "msg", msg);
	while (ok && fields && fields->child) {
		cJSON *f = cJSON_DetachItemViaPointer(fields, fields->child);
		if (!(ok = cJSON_AddItemToObject(o, f->string, f)))
			cJSON_Delete(f);
	}
	cJSON_Delete(fields);
	char *text = ok ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	if (!text)
		return;
	fprintf(stderr, "%s\n", text);   /* one locked write: lines never mix */
	cJSON_free(text);
}
