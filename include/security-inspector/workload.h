/* SPDX-License-Identifier: Apache-2.0 */
/* Document -> workload view: kind, names, owners, pod spec and containers by
 * role, for every kind the checks understand. */
#ifndef SI_WORKLOAD_H
#define SI_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "security-inspector/error.h"

enum si_container_role {
	SI_ROLE_CONTAINER,   /* spec.containers */
	SI_ROLE_INIT,        /* spec.initContainers, run to completion */
	SI_ROLE_SIDECAR,     /* spec.initContainers with restartPolicy: Always */
	SI_ROLE_EPHEMERAL,   /* spec.ephemeralContainers */
};

struct si_container {
	const char *name;            /* borrowed; "" when the manifest has none */
	enum si_container_role role;
	const cJSON *spec;           /* borrowed container object */
};

/* A controller that (directly or through a ReplicaSet / Job) owns the object,
 * used for whitelist coverage. */
struct si_owner {
	char kind[64];
	char name[254];
};

#define SI_MAX_OWNERS 4
/* Containers of all roles in one pod spec, at most: far above any real pod
 * (kubelet runs them side by side), and a bound on the results one object
 * can make. */
#define SI_MAX_CONTAINERS 1000

enum si_workload_class {
	SI_CLASS_POD,        /* has a pod spec */
	SI_CLASS_BINDING,    /* RoleBinding, ClusterRoleBinding */
};

/* The normalized view. Strings and cJSON pointers borrow from the document,
 * which must outlive the view. */
struct si_requester;

struct si_workload {
	enum si_workload_class class;
	const char *kind;
	const char *namespace;       /* "default" when absent, "" when cluster-scoped */
	const char *name;            /* metadata.name, else generateName, else "" */
	const cJSON *labels;         /* object or NULL */
	const cJSON *annotations;    /* object or NULL */
	const cJSON *template_annotations; /* pod template's, or NULL */
	struct si_owner owners[SI_MAX_OWNERS];
	size_t n_owners;
	bool job_like;               /* Job, CronJob, or a Pod owned by a Job */
	bool windows;                /* the pod spec says os.name: windows */
	const cJSON *pod_spec;       /* SI_CLASS_POD */
	const cJSON *subjects;       /* SI_CLASS_BINDING: array or NULL */
	struct si_container *containers;
	size_t n_containers;
	/* Who sends the object in an admission request (borrowed, set by the
	 * webhook); NULL for stored objects and files, which have none. */
	const struct si_requester *requester;
};

/* True when `kind` is one of the kinds the checks inspect. */
bool si_workload_kind_supported(const char *kind);

/* Builds the view of `obj`. Returns SI_ERR_INVALID with a message when the
 * kind is not inspected (the caller lists the object as skipped), and
 * SI_ERR_TYPE when a field the checks read has the wrong type: `err->key`
 * then holds the field path and `*where` (when `where` is not NULL) the
 * offending node, for its source line. Caller frees the view with
 * si_workload_clear(), also after a failure. */
si_rc si_workload_from_json(const cJSON *obj, struct si_workload *out,
				const cJSON **where, struct si_error *err);

/* Frees what the view allocated (not the document). Accepts NULL. */
void si_workload_clear(struct si_workload *w);

/* Display name of a role: "container", "initContainer", "sidecar",
 * "ephemeralContainer". */
const char *si_container_role_name(enum si_container_role role);

#endif
