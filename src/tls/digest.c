// SPDX-License-Identifier: Apache-2.0
// SHA-256 through OpenSSL, the library's one owner being this folder.
#include <openssl/evp.h>
#include <stdio.h>

#include "security-inspector/digest.h"

bool si_sha256_hex(const void *data, size_t len, char hex[SI_SHA256_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) || n != 32)
		return false;
	for (unsigned i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return true;
}
