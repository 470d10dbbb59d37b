// SPDX-License-Identifier: Apache-2.0
// Base64 as Kubernetes writes it, the data fields of a Secret object and
// the annotations of any object.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "security-inspector/kube.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

bool si_kube_base64_decode(const char *in, size_t n, unsigned char **out, size_t *len,
			   bool *nomem)
{
	unsigned char *buf = malloc(n / 4 * 3 + 4);
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0, chars = 0, pads = 0;

	*nomem = !buf;
	if (!buf)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
			continue;
		chars++;
		if (c == '=') {
			pads++;
			continue;
		}
		int v = b64_value(c);
		if (v < 0 || pads)
			goto bad;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[o++] = (unsigned char)(acc >> bits);
		}
	}
	if (chars % 4 != 0 || pads > 2)
		goto bad;
	buf[o] = '\0';
	*out = buf;
	*len = o;
	return true;
bad:
	free(buf);
	return false;
}

char *si_kube_base64_encode(const void *data, size_t len)
{
	const unsigned char *in = data;
	char *out = len <= SIZE_MAX / 2 ? malloc((len + 2) / 3 * 4 + 1) : NULL;
	size_t o = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t w = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			w |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			w |= in[i + 2];
		out[o++] = alphabet[w >> 18];
		out[o++] = alphabet[(w >> 12) & 63];
		out[o++] = i + 1 < len ? alphabet[(w >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? alphabet[w & 63] : '=';
	}
	out[o] = '\0';
	return out;
}

si_rc si_kube_secret_data(const cJSON *secret, const char *key, size_t max, char **out,
			  size_t *len, struct si_error *err)
{
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(secret, "data");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(data, key);
	unsigned char *bytes = NULL;
	bool nomem;

	*out = NULL;
	*len = 0;
	if (!v || cJSON_IsNull(v))
		return SI_OK;
	if (!cJSON_IsString(v))
		return si_error_set(err, SI_ERR_TYPE, NULL, 0, "data.%s: not a string", key);
	size_t n = strlen(v->valuestring);
	if (n / 4 * 3 > max)
		return si_error_set(err, SI_ERR_LIMIT, NULL, 0, "data.%s: over %zu bytes", key, max);
	if (!si_kube_base64_decode(v->valuestring, n, &bytes, len, &nomem))
		return nomem ? si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory")
			     : si_error_set(err, SI_ERR_SYNTAX, NULL, 0, "data.%s: not base64", key);
	*out = (char *)bytes;
	return SI_OK;
}

/* Sets `parent`[map][key] to `v` (taken, may be NULL when out of memory),
 * making `map` an object when it is not one. */
static si_rc put(cJSON *parent, const char *map, const char *key, cJSON *v,
		 struct si_error *err)
{
	cJSON *m = cJSON_GetObjectItemCaseSensitive(parent, map);

	if (!cJSON_IsObject(m)) {
		cJSON_DeleteItemFromObjectCaseSensitive(parent, map);
		m = cJSON_AddObjectToObject(parent, map);
	}
	if (!v || !m) {
		cJSON_Delete(v);
		return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	}
	if (cJSON_GetObjectItemCaseSensitive(m, key))
		cJSON_ReplaceItemInObjectCaseSensitive(m, key, v);
	else
		cJSON_AddItemToObject(m, key, v);
	return SI_OK;
}

si_rc si_kube_secret_set_data(cJSON *secret, const char *key, const char *bytes, size_t len,
			      struct si_error *err)
{
	char *text = si_kube_base64_encode(bytes, len);
	cJSON *v = text ? cJSON_CreateString(text) : NULL;

	free(text);
	return put(secret, "data", key, v, err);
}

si_rc si_kube_set_annotation(cJSON *obj, const char *key, const char *value,
			     struct si_error *err)
{
	cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");

	if (!cJSON_IsObject(meta))
		return si_error_set(err, SI_ERR_TYPE, NULL, 0, "the object has no metadata");
	return put(meta, "annotations", key, cJSON_CreateString(value), err);
}
