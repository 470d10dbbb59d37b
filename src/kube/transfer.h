/* SPDX-License-Identifier: Apache-2.0 */
/* What the files of the Kubernetes client share about libcurl transfers. */
#ifndef SI_KUBE_TRANSFER_H
#define SI_KUBE_TRANSFER_H

#include <curl/curl.h>

/* A CURLOPT_XFERINFOFUNCTION that stops the transfer when the
 * `const atomic_bool` that `ctx` points to turns true. */
int si_kube_progress_cancel(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
			    curl_off_t ulnow);

#endif
