// SPDX-License-Identifier: Apache-2.0
// Error detail: fill, format and name.
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "security-inspector/error.h"

si_rc si_error_set(struct si_error *err, si_rc code, const char *file,
		       int line, const char *fmt, ...)
{
	if (!err)
		return code;
	err->code = code;
	err->line = line;
	err->key[0] = '\0';
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return code;
}

const char *si_error_format(const struct si_error *err, char *buf, size_t size)
{
	if (!size)
		return buf;
	if (!err) {
		snprintf(buf, size, "unknown error");
		return buf;
	}
	if (err->file[0] && err->line > 0)
		snprintf(buf, size, "%s:%d: %s", err->file, err->line, err->message);
	else if (err->file[0])
		snprintf(buf, size, "%s: %s", err->file, err->message);
	else
		snprintf(buf, size, "%s", err->message);
	return buf;
}

const char *si_rc_name(si_rc code)
{
	switch (code) {
	case SI_OK: return "ok";
	case SI_ERR_NOMEM: return "out of memory";
	case SI_ERR_IO: return "input/output error";
	case SI_ERR_SYNTAX: return "syntax error";
	case SI_ERR_LIMIT: return "limit exceeded";
	case SI_ERR_TYPE: return "wrong type";
	case SI_ERR_POLICY: return "invalid policy";
	case SI_ERR_USAGE: return "usage error";
	case SI_ERR_INVALID: return "invalid value";
	}
	return "unknown error";
}
