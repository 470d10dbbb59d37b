/* SPDX-License-Identifier: Apache-2.0 */
/* A Kubernetes API client: where the API server is and how to authenticate
 * (kubeconfig or in-cluster service account), and paginated LIST requests
 * whose memory is bounded by one page. */
#ifndef SI_KUBE_H
#define SI_KUBE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "security-inspector/error.h"

/* The largest page body accepted from the API server. */
#define SI_KUBE_MAX_PAGE_BYTES (64u << 20)
/* The largest watch event: an object of at most 1.5 MiB, escaped. */
#define SI_KUBE_MAX_EVENT_BYTES (4u << 20)

/* Where the API server is and the credentials to present. Every pointer is
 * owned by the struct (free it with si_kube_free()); NULL means "not set".
 * `*_data` fields hold PEM bytes, `*_file` fields paths: a field of each
 * pair is set at most. */
struct si_kube {
	char *server;              /* "https://host:port", without a trailing '/' */
	char *source;              /* for messages: "kubeconfig F, context C" */
	char *ca_file;
	unsigned char *ca_data;
	size_t ca_len;
	char *cert_file, *key_file;           /* client certificate and key */
	unsigned char *cert_data, *key_data;
	size_t cert_len, key_len;
	char *token;               /* bearer token; re-read from token_file */
	char *token_file;          /* when set, re-read whenever its mtime changes */
	struct timespec token_mtime;
	char *username, *password; /* basic authentication */
	bool insecure;             /* only when the kubeconfig asks for it */
	long connect_timeout;      /* seconds; 10 */
	long timeout;              /* seconds per request; 60 */
	const atomic_bool *cancel; /* borrowed; when it turns true, requests stop */
};

/* Sets up the HTTP client library once per process. Call it before other
 * threads start when requests will be made from a thread; single-threaded
 * programs may skip it. */
si_rc si_kube_global_init(struct si_error *err);

/* Frees what `k` owns and zeroes it. Accepts NULL. */
void si_kube_free(struct si_kube *k);

/* Fills `*k` from the kubeconfig at `path` using `context` (NULL: the file's
 * current-context). Inline `*-data` fields are base64-decoded; relative file
 * paths are taken from the kubeconfig's folder. exec and auth-provider
 * plugins are not supported and give SI_ERR_INVALID. On failure `*k` is
 * left empty and `err` names the file and the field. */
si_rc si_kube_from_kubeconfig(const char *path, const char *context, struct si_kube *k,
			      struct si_error *err);

/* The kubeconfig to use when none is given: the first existing file of the
 * KUBECONFIG list, else NULL when KUBERNETES_SERVICE_HOST is set (in-cluster),
 * else ~/.kube/config. Returns a string the caller frees with free(), or
 * NULL. */
char *si_kube_default_kubeconfig(void);

/* Fills `*k` for a pod: KUBERNETES_SERVICE_HOST/PORT, and the token and
 * ca.crt of the service-account folder `sa_dir` (NULL: the standard
 * /var/run/secrets/kubernetes.io/serviceaccount). The token is re-read when
 * kubelet rotates it. */
si_rc si_kube_in_cluster(const char *sa_dir, struct si_kube *k, struct si_error *err);

/* Gets one item of a list. Takes ownership of `item` (detached from its page,
 * with kind and apiVersion filled in): free it with cJSON_Delete() or keep
 * it. A non-zero return stops the list and is returned by si_kube_list(). */
typedef si_rc (*si_kube_item_fn)(cJSON *item, void *ctx, struct si_error *err);

/* What a list did, also on failure. */
struct si_kube_list_stats {
	size_t pages, items;
	unsigned restarts;         /* 410 Gone: the list was started again */
	long http_status;          /* of the last response; 0 without one */
	bool transport_error;      /* no answer: refused, timeout, TLS, reset */
	char resource_version[64]; /* of the list: where a watch of it starts */
};

/* Lists `path` (e.g. "/apis/apps/v1/deployments") page by page with
 * `limit=page_size` and the continue token, handing each item to `fn`. Only
 * one page is held at a time. When a continue token has expired (410 Gone)
 * the list is started again once, and items already handed over are not
 * handed over again (lists are ordered by namespace/name). On failure `err`
 * names the URL, the HTTP status and the API server's Status message
 * (SI_ERR_IO), or the page bound (SI_ERR_LIMIT), or malformed JSON
 * (SI_ERR_SYNTAX). */
si_rc si_kube_list(struct si_kube *k, const char *path, unsigned page_size,
		   si_kube_item_fn fn, void *ctx, struct si_kube_list_stats *stats,
		   struct si_error *err);

/* As si_kube_list(), asking for the objects' metadata alone (a
 * PartialObjectMetadataList: apiVersion, kind and metadata of each item,
 * the labels and annotations included), as controllers do to learn what
 * exists without reading it whole. An API server that cannot answer so
 * answers with the whole objects. */
si_rc si_kube_list_metadata(struct si_kube *k, const char *path, unsigned page_size,
			    si_kube_item_fn fn, void *ctx, struct si_kube_list_stats *stats,
			    struct si_error *err);

struct si_audit;

/* What a cluster scan inspects and how it reaches the API server. */
struct si_cluster_options {
	const char *kubeconfig;    /* NULL: KUBECONFIG, in-cluster, ~/.kube/config */
	const char *context;       /* NULL: the kubeconfig's current-context */
	const char *namespace;     /* NULL: every namespace; a glob lists all, then filters */
	const char *kind;          /* NULL: every kind */
	unsigned page_size;        /* objects per list request */
	const atomic_bool *cancel; /* borrowed, may be NULL: stops the scan when true */
	/* 0: none; else the whole scan's time: each request may take what is
	 * left of it, and the kinds not listed in time are an error. */
	unsigned budget_seconds;
};

/* What a scan did. */
struct si_cluster_stats {
	size_t listed;             /* objects the API server handed over */
	size_t inspected;          /* given to the audit */
	size_t owned;              /* left out: their controller is inspected */
	unsigned restarts;         /* lists started again after 410 Gone */
	bool complete;             /* every kind listed to the end */
};

/* Fills `*k` from `kubeconfig`, else from the default kubeconfig, else
 * in-cluster (see si_kube_default_kubeconfig()). */
si_rc si_kube_connect(const char *kubeconfig, const char *context, struct si_kube *k,
		      struct si_error *err);

/* Lists the cluster's Deployments, StatefulSets, DaemonSets, ReplicaSets
 * not owned by a Deployment, Jobs not owned by a CronJob, CronJobs,
 * ReplicationControllers, Pods without a controller and role bindings, one
 * page at a time, and inspects each object with si_audit_inspect() (the
 * audit's entry handler gets it; nothing is kept). Each API error is
 * recorded in the audit (its error handler is told; every report says the
 * scan is incomplete). Returns SI_OK, SI_ERR_NOMEM when the run must stop,
 * or what the entry handler returned, with `err` set. */
si_rc si_cluster_scan(struct si_audit *a, const struct si_cluster_options *o,
		      struct si_cluster_stats *stats, struct si_error *err);

/* GETs the object at `path` into `*out` (caller frees). `*status` (when
 * not NULL) gets the HTTP status, also on failure: 404 when it does not
 * exist. */
si_rc si_kube_get(struct si_kube *k, const char *path, cJSON **out, long *status,
		  struct si_error *err);

/* POSTs `obj` to the collection at `path` (creates it); the object the API
 * server answers with goes to `*out` when `out` is not NULL (caller frees). */
si_rc si_kube_create(struct si_kube *k, const char *path, const cJSON *obj, cJSON **out,
		     long *status, struct si_error *err);

/* PUTs `obj` to `path` (replaces the object; metadata.resourceVersion,
 * when set, makes it conditional: 409 Conflict when the object changed
 * since). The answer goes to `*out` when `out` is not NULL. */
si_rc si_kube_update(struct si_kube *k, const char *path, const cJSON *obj, cJSON **out,
		     long *status, struct si_error *err);

/* DELETEs the object at `path`. `*status` (when not NULL) gets the HTTP
 * status, also on failure: 404 when it was already gone. */
si_rc si_kube_delete(struct si_kube *k, const char *path, long *status, struct si_error *err);

/* Gets one watch event: `type` is ADDED, MODIFIED, DELETED or BOOKMARK;
 * `object` is borrowed for the call. A non-zero return stops the watch. */
typedef si_rc (*si_kube_event_fn)(const char *type, const cJSON *object, void *ctx,
				  struct si_error *err);

/* Watches the collection at `path` from `resource_version` (of a list; NULL
 * or "" for "now"), with bookmarks, for at most `timeout_seconds`, handing
 * each event to `fn` as it arrives (one event in memory at a time, at most
 * SI_KUBE_MAX_EVENT_BYTES). Returns SI_OK when the API server ends the watch
 * at its timeout. `*status` gets the HTTP status, or the code of an ERROR
 * event: 410 means the resource version is too old (list again). */
si_rc si_kube_watch(struct si_kube *k, const char *path, const char *resource_version,
		    unsigned timeout_seconds, si_kube_event_fn fn, void *ctx, long *status,
		    struct si_error *err);

/* A GET or HEAD to another replica of this server (not to the API server).
 * A replica's pod address is in no serving certificate, and the replicas
 * share one: the peer is trusted when its public key is one of
 * `pinned_keys`, with neither a CA nor its name checked. Whoever can write
 * the address in the Lease cannot read the caller's token without the
 * serving key. */
struct si_peer_request {
	const char *base;              /* "https://HOST:PORT": no path, user or query */
	const char *path;              /* "/report.json" */
	const char *const *query;      /* decoded name, value, name, value, ..., NULL; */
				       /* escaped here; may be NULL */
	bool head;                     /* HEAD instead of GET */
	bool post;                     /* POST with an empty body instead of GET */
	const char *const *headers;    /* "Name: value" lines to send, NULL-terminated; */
				       /* may be NULL */
	const char *pinned_keys;       /* "sha256//BASE64[;sha256//BASE64]" */
	long connect_timeout, timeout; /* seconds; `timeout` bounds the whole transfer */
	size_t max_body;               /* a longer body is SI_ERR_LIMIT */
	const atomic_bool *cancel;     /* borrowed, may be NULL: stops the transfer */
};

/* The answer of a peer, as far as it is relayed. */
struct si_peer_answer {
	long status;
	char content_type[128];        /* "" when absent (or too long) */
	char www_authenticate[256];
	char retry_after[32];
	char content_security_policy[512];
	size_t body_len;               /* bytes written to the file descriptor */
	bool timed_out;                /* no whole answer within `timeout` */
};

/* Whether `base` is "https://HOST[:PORT]": nothing after the authority,
 * no user part, no space or control character. */
bool si_kube_peer_base_valid(const char *base);

/* Sends `req` and writes the body of the answer to `fd` (borrowed, left
 * open). Any HTTP status is SI_OK with `out` filled; SI_ERR_IO when no
 * whole answer came (refused, timed out, a key not pinned, cancelled, `fd`
 * not writable), SI_ERR_LIMIT past max_body, SI_ERR_USAGE for a base that
 * is not "https://HOST[:PORT]". */
si_rc si_kube_peer_get(const struct si_peer_request *req, int fd, struct si_peer_answer *out,
		       struct si_error *err);

/* What the API server says of a bearer token and a request made with it. */
enum si_access {
	SI_ACCESS_ALLOWED,
	SI_ACCESS_UNAUTHENTICATED,   /* the token is not valid (TokenReview) */
	SI_ACCESS_FORBIDDEN,         /* valid, but its user lacks the right (SubjectAccessReview) */
};

struct si_access_review {
	enum si_access access;
	char user[256];              /* the token's user, when authenticated */
	char reason[256];            /* the API server's words, possibly empty */
};

/* Authenticates `token` with a TokenReview and, when it is valid, asks with a
 * SubjectAccessReview whether its user (with its groups, uid and extra) may
 * `verb` the non-resource URL `path` (e.g. "get", "/report"), the way
 * kube-rbac-proxy and the kubelet check callers. Needs create on
 * tokenreviews and subjectaccessreviews (the system:auth-delegator
 * ClusterRole). SI_ERR_IO (or another error) when the API server gives no
 * verdict: the caller must refuse. */
si_rc si_kube_review_access(struct si_kube *k, const char *token, const char *verb,
			    const char *path, struct si_access_review *out, struct si_error *err);

/* Decodes standard or URL-safe base64 of `n` bytes at `in` (padded to a
 * multiple of 4 characters as Go's StdEncoding writes it, "=" only at the
 * end; blanks and line breaks skipped) into a new NUL-terminated buffer
 * `*out` of `*len` bytes (caller frees). False on a bad character, or out
 * of memory (then `*nomem` is set). */
bool si_kube_base64_decode(const char *in, size_t n, unsigned char **out, size_t *len,
			   bool *nomem);

/* Standard padded base64 of `len` bytes, one line (caller frees); NULL
 * when out of memory. What a Secret's data and a caBundle hold. */
char *si_kube_base64_encode(const void *data, size_t len);

/* The decoded bytes of the Secret `secret`'s data[key] into `*out`
 * (NUL-terminated, caller frees) and `*len`; a missing key gives NULL and
 * 0. More than `max` bytes is SI_ERR_LIMIT, a value that is not a base64
 * string SI_ERR_TYPE or SI_ERR_SYNTAX, with the key in the message. */
si_rc si_kube_secret_data(const cJSON *secret, const char *key, size_t max, char **out,
			  size_t *len, struct si_error *err);

/* Sets the Secret `secret`'s data[key] to `len` bytes of `bytes` (borrowed),
 * creating data when missing. */
si_rc si_kube_secret_set_data(cJSON *secret, const char *key, const char *bytes, size_t len,
			      struct si_error *err);

/* Sets metadata.annotations[key] of `obj` to a copy of `value`, creating
 * annotations when missing; an object without metadata is SI_ERR_TYPE. */
si_rc si_kube_set_annotation(cJSON *obj, const char *key, const char *value,
			     struct si_error *err);

#endif
