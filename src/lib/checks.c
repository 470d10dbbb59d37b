// SPDX-License-Identifier: Apache-2.0
// The 17 inspection items: the table and one small function per item. Field
// types were checked when the workload view was built.
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "security-inspector/checks.h"
#include "security-inspector/image_ref.h"

/* Writes the detail of a finding; nothing when the caller asked for none
 * (size 0), as the webhook does on its hot path. */
__attribute__((format(printf, 3, 4)))
static void say(char *d, size_t n, const char *fmt, ...)
{
	if (!n)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d, n, fmt, ap);
	va_end(ap);
}

static const cJSON *get(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsNull(v) ? NULL : v;
}

static const cJSON *get2(const cJSON *obj, const char *a, const char *b)
{
	return get(get(obj, a), b);
}

static bool pod_flag(const struct si_check_ctx *c, const char *key, char *d, size_t n)
{
	bool set = cJSON_IsTrue(get(c->workload->pod_spec, key));
	say(d, n, set ? "%s is true" : "%s is not set", key);
	return set;
}

static bool host_network(const struct si_check_ctx *c, char *d, size_t n)
{
	return pod_flag(c, "hostNetwork", d, n);
}

static bool host_ipc(const struct si_check_ctx *c, char *d, size_t n)
{
	return pod_flag(c, "hostIPC", d, n);
}

static bool host_pid(const struct si_check_ctx *c, char *d, size_t n)
{
	return pod_flag(c, "hostPID", d, n);
}

static bool host_port(const struct si_check_ctx *c, char *d, size_t n)
{
	const cJSON *ports = get(c->container->spec, "ports");
	for (const cJSON *p = ports ? ports->child : NULL; p; p = p->next) {
		const cJSON *hp = get(p, "hostPort");
		if (cJSON_IsNumber(hp) && hp->valuedouble != 0) {
			say(d, n, "uses hostPort %.0f", hp->valuedouble);
			return true;
		}
	}
	say(d, n, "uses no hostPort");
	return false;
}

/* Whether a securityContext says non-root (1), says root (-1) or nothing (0). */
static int non_root(const cJSON *sc)
{
	const cJSON *nr = get(sc, "runAsNonRoot"), *uid = get(sc, "runAsUser");
	if (cJSON_IsTrue(nr) || (cJSON_IsNumber(uid) && uid->valuedouble >= 1))
		return 1;
	if (cJSON_IsFalse(nr) || (cJSON_IsNumber(uid) && uid->valuedouble == 0))
		return -1;
	return 0;
}

static bool run_as_root(const struct si_check_ctx *c, char *d, size_t n)
{
	const cJSON *csc = get(c->container->spec, "securityContext");
	const cJSON *psc = get(c->workload->pod_spec, "securityContext");
	const cJSON *nr = get(csc, "runAsNonRoot"), *uid = get(csc, "runAsUser");

	/* Container settings that say non-root win outright. */
	if (cJSON_IsTrue(nr) || (cJSON_IsNumber(uid) && uid->valuedouble >= 1)) {
		say(d, n, "runs as non-root (container securityContext)");
		return false;
	}
	if (non_root(psc) == 1 && !cJSON_IsFalse(nr) &&
	    !(cJSON_IsNumber(uid) && uid->valuedouble == 0)) {
		say(d, n, "runs as non-root (pod securityContext)");
		return false;
	}
	if (non_root(psc) == 1)
		say(d, n, "overrides the pod's non-root setting with %s",
			 cJSON_IsFalse(nr) ? "runAsNonRoot: false" : "runAsUser: 0");
	else if (cJSON_IsNumber(uid) && uid->valuedouble == 0)
		say(d, n, "runs as root (runAsUser: 0)");
	else
		say(d, n, "may run as root: neither runAsNonRoot: true nor runAsUser >= 1 is set");
	return true;
}

static bool privileged(const struct si_check_ctx *c, char *d, size_t n)
{
	bool set = cJSON_IsTrue(get2(c->container->spec, "securityContext", "privileged"));
	say(d, n, set ? "runs privileged" : "is not privileged");
	return set;
}

static bool privilege_escalation(const struct si_check_ctx *c, char *d, size_t n)
{
	const cJSON *v = get2(c->container->spec, "securityContext", "allowPrivilegeEscalation");
	if (cJSON_IsFalse(v)) {
		say(d, n, "forbids privilege escalation");
		return false;
	}
	say(d, n, v ? "allows privilege escalation (allowPrivilegeEscalation: true)"
			 : "allows privilege escalation (allowPrivilegeEscalation is not false)");
	return true;
}

void si_capability_normalize(const char *cap, char *buf, size_t size)
{
	if (!size)
		return;
	if (strncasecmp(cap, "CAP_", 4) == 0)
		cap += 4;
	size_t i = 0;
	for (; cap[i] && i + 1 < size; i++)
		buf[i] = (char)toupper((unsigned char)cap[i]);
	buf[i] = '\0';
}

static bool capabilities(const struct si_check_ctx *c, char *d, size_t n)
{
	const cJSON *add = get2(get(c->container->spec, "securityContext"), "capabilities", "add");
	char extra[256] = "", danger[128] = "";
	size_t el = 0, dl = 0;

	for (const cJSON *a = add ? add->child : NULL; a; a = a->next) {
		char cap[64];
		si_capability_normalize(a->valuestring, cap, sizeof(cap));
		bool allowed = false;
		for (size_t i = 0; i < c->n_allowed_caps && !allowed; i++)
			allowed = strcmp(cap, c->allowed_caps[i]) == 0;
		if (allowed)
			continue;
		if (el < sizeof(extra))
			el += (size_t)snprintf(extra + el, sizeof(extra) - el, "%s%s",
					       el ? ", " : "", cap);
		if ((strcmp(cap, "ALL") == 0 || strcmp(cap, "SYS_ADMIN") == 0 ||
		     strcmp(cap, "NET_ADMIN") == 0) && dl < sizeof(danger))
			dl += (size_t)snprintf(danger + dl, sizeof(danger) - dl, "%s%s",
					       dl ? ", " : "", cap);
	}
	if (!el) {
		say(d, n, "adds no capability beyond the allowed ones");
		return false;
	}
	if (dl)
		say(d, n, "adds capabilities %s (dangerous: %s)", extra, danger);
	else
		say(d, n, "adds capabilities %s", extra);
	return true;
}

static bool not_read_only(const struct si_check_ctx *c, char *d, size_t n)
{
	bool ro = cJSON_IsTrue(get2(c->container->spec, "securityContext", "readOnlyRootFilesystem"));
	say(d, n, ro ? "has a read-only root filesystem"
			  : "has a writable root filesystem (readOnlyRootFilesystem is not true)");
	return !ro;
}

/* A quantity counts as set unless absent, null or the empty string. */
static bool quantity_missing(const struct si_check_ctx *c, const char *group,
			     const char *res, char *d, size_t n)
{
	const cJSON *q = get2(get(c->container->spec, "resources"), group, res);
	bool missing = !q || (cJSON_IsString(q) && q->valuestring[0] == '\0');
	if (missing)
		say(d, n, "sets no resources.%s.%s", group, res);
	else if (cJSON_IsString(q))
		say(d, n, "sets resources.%s.%s to %s", group, res, q->valuestring);
	else
		say(d, n, "sets resources.%s.%s to %g", group, res, q->valuedouble);
	return missing;
}

static bool cpu_requests(const struct si_check_ctx *c, char *d, size_t n)
{
	return quantity_missing(c, "requests", "cpu", d, n);
}

static bool cpu_limits(const struct si_check_ctx *c, char *d, size_t n)
{
	return quantity_missing(c, "limits", "cpu", d, n);
}

static bool memory_requests(const struct si_check_ctx *c, char *d, size_t n)
{
	return quantity_missing(c, "requests", "memory", d, n);
}

static bool memory_limits(const struct si_check_ctx *c, char *d, size_t n)
{
	return quantity_missing(c, "limits", "memory", d, n);
}

static bool probe_missing(const struct si_check_ctx *c, const char *key, char *d, size_t n)
{
	bool missing = !get(c->container->spec, key);
	say(d, n, missing ? "has no %s" : "has a %s", key);
	return missing;
}

static bool readiness(const struct si_check_ctx *c, char *d, size_t n)
{
	return probe_missing(c, "readinessProbe", d, n);
}

static bool liveness(const struct si_check_ctx *c, char *d, size_t n)
{
	return probe_missing(c, "livenessProbe", d, n);
}

static bool tag(const struct si_check_ctx *c, char *d, size_t n)
{
	const cJSON *image = get(c->container->spec, "image");
	struct si_image_ref ref;

	if (!cJSON_IsString(image) || !image->valuestring[0]) {
		say(d, n, "names no image");
		return true;
	}
	const char *img = image->valuestring;
	si_image_ref_parse(img, &ref);
	if (ref.sha256_digest && ref.valid) {
		say(d, n, "image %s is pinned by digest", img);
		return false;
	}
	if (ref.digest_len) {
		say(d, n, "image %s has a digest that is not sha256 with 64 hex digits", img);
		return true;
	}
	if (!ref.valid) {
		say(d, n, "image %s is not a valid image reference", img);
		return true;
	}
	if (!ref.tag_len) {
		say(d, n, "image %s has no tag (it means latest)", img);
		return true;
	}
	if (ref.tag_len == 6 && strncasecmp(ref.tag, "latest", 6) == 0) {
		say(d, n, "image %s uses the latest tag", img);
		return true;
	}
	say(d, n, "image %s is pinned to tag %.*s", img, (int)ref.tag_len, ref.tag);
	return false;
}

static bool anonymous_binding(const struct si_check_ctx *c, char *d, size_t n)
{
	const cJSON *subjects = c->workload->subjects;
	char found[128] = "";
	size_t fl = 0;
	for (const cJSON *s = subjects ? subjects->child : NULL; s; s = s->next) {
		const cJSON *kind = get(s, "kind"), *name = get(s, "name");
		if (!cJSON_IsString(kind) || !cJSON_IsString(name))
			continue;
		if (strcmp(kind->valuestring, "User") != 0 && strcmp(kind->valuestring, "Group") != 0)
			continue;
		if (strcmp(name->valuestring, "system:anonymous") != 0 &&
		    strcmp(name->valuestring, "system:unauthenticated") != 0)
			continue;
		if (fl < sizeof(found))
			fl += (size_t)snprintf(found + fl, sizeof(found) - fl, "%s%s %s",
					       fl ? ", " : "", kind->valuestring, name->valuestring);
	}
	if (fl)
		say(d, n, "binds %s", found);
	else
		say(d, n, "binds no anonymous or unauthenticated subject");
	return fl > 0;
}

const struct si_item si_items[SI_ITEM_COUNT] = {
	{ SI_HOST_NETWORK_SET, "hostNetworkSet", SI_CAT_HOST_ISOLATION, SI_SEVERITY_DANGER,
	  SI_SCOPE_POD, "Host network is used",
	  "the pod sees and can attack the node's network and sniff its traffic",
	  "remove hostNetwork (or set hostNetwork: false)", host_network },
	{ SI_HOST_IPC_SET, "hostIPCSet", SI_CAT_HOST_ISOLATION, SI_SEVERITY_DANGER,
	  SI_SCOPE_POD, "Host IPC namespace is shared",
	  "the pod can reach host processes' shared memory and IPC",
	  "remove hostIPC (or set hostIPC: false)", host_ipc },
	{ SI_HOST_PID_SET, "hostPIDSet", SI_CAT_HOST_ISOLATION, SI_SEVERITY_DANGER,
	  SI_SCOPE_POD, "Host PID namespace is shared",
	  "the pod sees and can signal every process on the host",
	  "remove hostPID (or set hostPID: false)", host_pid },
	{ SI_HOST_PORT_SET, "hostPortSet", SI_CAT_HOST_ISOLATION, SI_SEVERITY_WARNING,
	  SI_SCOPE_SECURITY, "Host port is bound",
	  "a node port is taken without review and the container receives traffic not meant for it",
	  "remove hostPort and expose the port through a Service", host_port },
	{ SI_RUN_AS_ROOT_ALLOWED, "runAsRootAllowed", SI_CAT_PRIVILEGE_CONTROL, SI_SEVERITY_DANGER,
	  SI_SCOPE_SECURITY, "Container may run as root",
	  "a compromised process has root in the container, the first step of a breakout",
	  "set securityContext.runAsNonRoot: true (pod or container) and a non-zero runAsUser",
	  run_as_root },
	{ SI_RUN_AS_PRIVILEGED, "runAsPrivileged", SI_CAT_PRIVILEGE_CONTROL, SI_SEVERITY_DANGER,
	  SI_SCOPE_SECURITY, "Container is privileged",
	  "the container has all host devices and capabilities: a breakout is trivial",
	  "remove securityContext.privileged (or set it to false)", privileged },
	{ SI_PRIVILEGE_ESCALATION_ALLOWED, "privilegeEscalationAllowed", SI_CAT_PRIVILEGE_CONTROL,
	  SI_SEVERITY_DANGER, SI_SCOPE_SECURITY, "Privilege escalation is allowed",
	  "a child process can gain more privileges than its parent (setuid binaries)",
	  "set securityContext.allowPrivilegeEscalation: false", privilege_escalation },
	{ SI_CAPABILITIES_ADDED, "capabilitiesAdded", SI_CAT_PRIVILEGE_CONTROL, SI_SEVERITY_DANGER,
	  SI_SCOPE_SECURITY, "Extra capabilities are added",
	  "extra kernel capabilities let a process attack the node or the cluster",
	  "drop what is not needed (capabilities.drop: [ALL]) and add only the minimum",
	  capabilities },
	{ SI_NOT_READ_ONLY_ROOT_FS, "notReadOnlyRootFileSystem", SI_CAT_PRIVILEGE_CONTROL,
	  SI_SEVERITY_WARNING, SI_SCOPE_SECURITY, "Root filesystem is writable",
	  "an intruder can change binaries and configuration inside the container",
	  "set securityContext.readOnlyRootFilesystem: true and mount writable volumes where needed",
	  not_read_only },
	{ SI_CPU_REQUESTS_MISSING, "cpuRequestsMissing", SI_CAT_RESOURCE_GOVERNANCE,
	  SI_SEVERITY_WARNING, SI_SCOPE_RUNTIME, "CPU request is missing",
	  "the pod may land on a node without the CPU it needs and run slowly",
	  "set resources.requests.cpu", cpu_requests },
	{ SI_CPU_LIMITS_MISSING, "cpuLimitsMissing", SI_CAT_RESOURCE_GOVERNANCE,
	  SI_SEVERITY_WARNING, SI_SCOPE_RUNTIME, "CPU limit is missing",
	  "a runaway process can starve the node's CPU",
	  "set resources.limits.cpu", cpu_limits },
	{ SI_MEMORY_REQUESTS_MISSING, "memoryRequestsMissing", SI_CAT_RESOURCE_GOVERNANCE,
	  SI_SEVERITY_WARNING, SI_SCOPE_RUNTIME, "Memory request is missing",
	  "the pod may land on a node without the memory it needs and be OOM-killed",
	  "set resources.requests.memory", memory_requests },
	{ SI_MEMORY_LIMITS_MISSING, "memoryLimitsMissing", SI_CAT_RESOURCE_GOVERNANCE,
	  SI_SEVERITY_WARNING, SI_SCOPE_RUNTIME, "Memory limit is missing",
	  "a runaway process can exhaust the node's memory and get neighbours evicted",
	  "set resources.limits.memory", memory_limits },
	{ SI_READINESS_PROBE_MISSING, "readinessProbeMissing", SI_CAT_IMAGE_AND_RELIABILITY,
	  SI_SEVERITY_WARNING, SI_SCOPE_PROBE, "Readiness probe is missing",
	  "traffic reaches the container before it can serve, and clients see errors",
	  "add a readinessProbe", readiness },
	{ SI_LIVENESS_PROBE_MISSING, "livenessProbeMissing", SI_CAT_IMAGE_AND_RELIABILITY,
	  SI_SEVERITY_WARNING, SI_SCOPE_PROBE, "Liveness probe is missing",
	  "a hung application is never restarted: a silent outage",
	  "add a livenessProbe", liveness },
	{ SI_TAG_NOT_SPECIFIED, "tagNotSpecified", SI_CAT_IMAGE_AND_RELIABILITY, SI_SEVERITY_DANGER,
	  SI_SCOPE_SECURITY, "Image tag is not pinned",
	  "a different image than intended can be pulled at any restart",
	  "pin a version tag other than latest, or a @sha256: digest", tag },
	{ SI_ANONYMOUS_USER_RBAC_BINDING, "anonymousUserRBACBinding", SI_CAT_IMAGE_AND_RELIABILITY,
	  SI_SEVERITY_DANGER, SI_SCOPE_BINDING, "Binding grants rights to anonymous users",
	  "anyone who reaches the API server unauthenticated gets the bound rights",
	  "remove system:anonymous and system:unauthenticated from the subjects",
	  anonymous_binding },
};

const struct si_item *si_item_find(const char *name)
{
	for (size_t i = 0; i < SI_ITEM_COUNT; i++)
		if (strcmp(si_items[i].name, name) == 0)
			return &si_items[i];
	return NULL;
}

bool si_item_applies(const struct si_item *item, const struct si_workload *w,
		     enum si_container_role role)
{
	switch (item->scope) {
	case SI_SCOPE_POD:
		return w->class == SI_CLASS_POD;
	case SI_SCOPE_BINDING:
		return w->class == SI_CLASS_BINDING;
	case SI_SCOPE_SECURITY:
		return w->class == SI_CLASS_POD;
	case SI_SCOPE_PROBE:
		if (w->job_like)
			return false;
		/* fall through */
	case SI_SCOPE_RUNTIME:
		return w->class == SI_CLASS_POD &&
		       (role == SI_ROLE_CONTAINER || role == SI_ROLE_SIDECAR);
	}
	return false;
}

const char *si_category_name(enum si_category cat)
{
	switch (cat) {
	case SI_CAT_HOST_ISOLATION: return "host-isolation";
	case SI_CAT_PRIVILEGE_CONTROL: return "privilege-control";
	case SI_CAT_RESOURCE_GOVERNANCE: return "resource-governance";
	case SI_CAT_IMAGE_AND_RELIABILITY: return "image-and-reliability";
	case SI_CAT_COUNT: break;
	}
	return "unknown";
}

const char *si_severity_name(enum si_severity sev)
{
	switch (sev) {
	case SI_SEVERITY_IGNORE: return "ignore";
	case SI_SEVERITY_WARNING: return "warning";
	case SI_SEVERITY_DANGER: return "danger";
	}
	return "unknown";
}
