/* SPDX-License-Identifier: Apache-2.0 */
/* The inspection items: one table row each (ID, category, default severity,
 * texts, scope, Pod Security Standards control and the function that
 * inspects one subject). The seed's 17 come first, PSS controls after. */
#ifndef SI_CHECKS_H
#define SI_CHECKS_H

#include <stdbool.h>
#include <stddef.h>

#include "security-inspector/workload.h"

enum si_severity {
	SI_SEVERITY_IGNORE,     /* policy only: the item is not evaluated */
	SI_SEVERITY_WARNING,
	SI_SEVERITY_DANGER,
};

enum si_category {
	SI_CAT_HOST_ISOLATION,
	SI_CAT_PRIVILEGE_CONTROL,
	SI_CAT_RESOURCE_GOVERNANCE,
	SI_CAT_IMAGE_AND_RELIABILITY,
	SI_CAT_COUNT,
};

/* What one result is about. */
enum si_scope {
	SI_SCOPE_POD,           /* one result per pod spec, no container */
	SI_SCOPE_SECURITY,      /* every container, init and ephemeral included */
	SI_SCOPE_RUNTIME,       /* containers and native sidecars */
	SI_SCOPE_PROBE,         /* as RUNTIME, skipped for Jobs and CronJobs */
	SI_SCOPE_BINDING,       /* one result per RBAC binding */
};

/* Stable item numbers, in table order. Append only. */
enum si_item_id {
	SI_HOST_NETWORK_SET,
	SI_HOST_IPC_SET,
	SI_HOST_PID_SET,
	SI_HOST_PORT_SET,
	SI_RUN_AS_ROOT_ALLOWED,
	SI_RUN_AS_PRIVILEGED,
	SI_PRIVILEGE_ESCALATION_ALLOWED,
	SI_CAPABILITIES_ADDED,
	SI_NOT_READ_ONLY_ROOT_FS,
	SI_CPU_REQUESTS_MISSING,
	SI_CPU_LIMITS_MISSING,
	SI_MEMORY_REQUESTS_MISSING,
	SI_MEMORY_LIMITS_MISSING,
	SI_READINESS_PROBE_MISSING,
	SI_LIVENESS_PROBE_MISSING,
	SI_TAG_NOT_SPECIFIED,
	SI_ANONYMOUS_USER_RBAC_BINDING,
	SI_HOST_PROCESS_SET,
	SI_HOST_PATH_VOLUME_SET,
	SI_APPARMOR_UNCONFINED,
	SI_SELINUX_OPTIONS_SET,
	SI_PROC_MOUNT_UNMASKED,
	SI_SECCOMP_UNCONFINED,
	SI_UNSAFE_SYSCTLS_SET,
	SI_HOST_PROBE_SET,
	SI_VOLUME_TYPE_RESTRICTED,
	SI_SECCOMP_PROFILE_MISSING,
	SI_CAPABILITIES_NOT_DROPPED,
	SI_RUN_AS_USER_ROOT,
	SI_ITEM_COUNT,
};

/* The Pod Security Standards level an item's control belongs to. */
enum si_psa_level {
	SI_PSA_NONE,            /* no PSS control corresponds */
	SI_PSA_BASELINE,
	SI_PSA_RESTRICTED,
};

/* Input of an item function: the workload, the container (NULL for pod and
 * binding scopes) and the policy settings an item may need. */
struct si_check_ctx {
	const struct si_workload *workload;
	const struct si_container *container;
	const char *const *allowed_caps;   /* normalized: upper case, no CAP_ */
	size_t n_allowed_caps;
};

/* Returns true when the subject fails. Writes one line of detail for the
 * message (what was found, without the fix) into `detail`. */
typedef bool (*si_check_fn)(const struct si_check_ctx *ctx, char *detail,
			    size_t size);

struct si_item {
	enum si_item_id id;
	const char *name;        /* the public ID, e.g. "hostNetworkSet" */
	enum si_category category;
	enum si_severity severity;  /* default */
	enum si_scope scope;
	const char *title;
	const char *risk;
	const char *fix;
	si_check_fn fn;
	enum si_psa_level psa;   /* the PSS level of `control` */
	const char *control;     /* PSS control name as the standard spells it, or NULL */
	bool linux_only;         /* no result for pods with spec.os.name: windows */
	const char *fix_windows; /* the fix for Windows pods when it differs, or NULL */
};

/* The table, SI_ITEM_COUNT rows in enum order. */
extern const struct si_item si_items[SI_ITEM_COUNT];

/* The row named `name` (exact, case-sensitive), or NULL. */
const struct si_item *si_item_find(const char *name);

/* Whether `item` applies to containers of `role` in `w` (never to Windows
 * pods when the item is Linux-only). */
bool si_item_applies(const struct si_item *item, const struct si_workload *w,
		     enum si_container_role role);

/* The fix to show for `item` in `w`: borrowed, never NULL. */
const char *si_item_fix(const struct si_item *item, const struct si_workload *w);

/* "baseline", "restricted", or NULL for SI_PSA_NONE. */
const char *si_psa_level_name(enum si_psa_level level);

const char *si_category_name(enum si_category cat);
const char *si_severity_name(enum si_severity sev);

/* Writes `cap` upper-cased without a leading "CAP_" into `buf`. */
void si_capability_normalize(const char *cap, char *buf, size_t size);

#endif
