// SPDX-License-Identifier: Apache-2.0
// The inspection items: the table and one small function per item (the
// seed's 17, then the Pod Security Standards controls they miss). Field types
// were checked when the workload view was built.
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

/* The member `key` of the securityContext of a pod spec or container. */
static const cJSON *sc_get(const cJSON *owner, const char *key)
{
	return get2(owner, "securityContext", key);
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

/* Whether the pod's securityContext says non-root. */
static bool non_root_pod(const cJSON *sc)
{
	const cJSON *nr = get(sc, "runAsNonRoot"), *uid = get(sc, "runAsUser");
	return cJSON_IsTrue(nr) || (cJSON_IsNumber(uid) && uid->valuedouble >= 1);
}

/* The container's securityContext member `key`, else the pod's: the
 * container setting wins over the pod setting, field by field. */
static const cJSON *effective(const struct si_check_ctx *c, const char *key)
{
	const cJSON *v = sc_get(c->container->spec, key);
	return v ? v : sc_get(c->workload->pod_spec, key);
}

/* One rule whether the user id is on the pod or the container: an effective
 * runAsUser 0 fails even with runAsNonRoot: true (the kubelet refuses to start
 * such a container either way); else the container's non-root settings win,
 * then the pod's unless the container says runAsNonRoot: false. */
static bool run_as_root(const struct si_check_ctx *c, char *d, size_t n)
{
	const cJSON *csc = get(c->container->spec, "securityContext");
	const cJSON *psc = get(c->workload->pod_spec, "securityContext");
	const cJSON *nr = get(csc, "runAsNonRoot"), *uid = effective(c, "runAsUser");
	const cJSON *pnr = get(psc, "runAsNonRoot");
	bool own_uid = get(csc, "runAsUser") != NULL;

	if (cJSON_IsNumber(uid) && uid->valuedouble == 0) {
		bool says_non_root = cJSON_IsTrue(nr) || (!nr && cJSON_IsTrue(pnr));
		if (says_non_root)
			say(d, n, "sets runAsNonRoot: true with runAsUser: 0 (%s): the container cannot start as non-root",
			    own_uid ? "container securityContext" : "pod securityContext");
		else if (!own_uid)
			say(d, n, "runs as root (pod runAsUser: 0)");
		else if (non_root_pod(psc))
			say(d, n, "overrides the pod's non-root setting with runAsUser: 0");
		else
			say(d, n, "runs as root (runAsUser: 0)");
		return true;
	}
	if (cJSON_IsTrue(nr) || (own_uid && cJSON_IsNumber(uid) && uid->valuedouble >= 1)) {
		say(d, n, "runs as non-root (container securityContext)");
		return false;
	}
	if (non_root_pod(psc) && !cJSON_IsFalse(nr)) {
		say(d, n, "runs as non-root (pod securityContext)");
		return false;
	}
	if (non_root_pod(psc))
		say(d, n, "overrides the pod's non-root setting with runAsNonRoot: false");
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


/* Appends ", text" (or "text" first) to a bounded list; returns the new length. */
static size_t append(char *buf, size_t size, size_t len, const char *text)
{
	if (len < size)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? ", " : "", text);
	return len;
}

static bool is_one_of(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(s, *set) == 0)
			return true;
	return false;
}

static const char *str_of(const cJSON *v)
{
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool host_process(const struct si_check_ctx *c, char *d, size_t n)
{
	const cJSON *own = get(sc_get(c->container->spec, "windowsOptions"), "hostProcess");
	const cJSON *pod = get(sc_get(c->workload->pod_spec, "windowsOptions"), "hostProcess");
	if (cJSON_IsTrue(own) || cJSON_IsTrue(pod)) {
		say(d, n, "runs as a Windows HostProcess container (windowsOptions.hostProcess: true in the %s securityContext)",
		    cJSON_IsTrue(own) ? "container" : "pod");
		return true;
	}
	say(d, n, "is not a HostProcess container");
	return false;
}

/* Host paths whose mount hands the node over, with why. A path matches an
 * entry when it is the entry or lies below it ("/" only matches itself). */
static const char *sensitive_host_path(const char *path)
{
	static const struct { const char *path, *why; } known[] = {
		{ "/var/run/docker.sock", "the Docker socket" },
		{ "/run/docker.sock", "the Docker socket" },
		{ "/run/containerd/containerd.sock", "the containerd socket" },
		{ "/var/run/containerd/containerd.sock", "the containerd socket" },
		{ "/var/run/crio/crio.sock", "the CRI-O socket" },
		{ "/run/crio/crio.sock", "the CRI-O socket" },
		{ "/var/run/cri-dockerd.sock", "the cri-dockerd socket" },
		{ "/etc", "node configuration and credentials" },
		{ "/var/lib/kubelet", "kubelet state and pod secrets" },
		{ "/var/lib/docker", "container runtime state" },
		{ "/var/lib/containerd", "container runtime state" },
		{ "/proc", "host processes" },
		{ "/sys", "kernel settings" },
		{ "/dev", "host devices" },
		{ "/root", "root's home" },
		{ "/boot", "the kernel and boot loader" },
		{ "/var/run", "runtime sockets" },
		{ "/run", "runtime sockets" },
	};
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	if (len == 1 && path[0] == '/')
		return "the node's root filesystem";
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		size_t kl = strlen(known[i].path);
		if (len >= kl && strncmp(path, known[i].path, kl) == 0 &&
		    (len == kl || path[kl] == '/'))
			return known[i].why;
	}
	return NULL;
}

static bool host_path_volume(const struct si_check_ctx *c, char *d, size_t n)
{
	const cJSON *vols = get(c->workload->pod_spec, "volumes");
	char found[320] = "";
	size_t fl = 0;
	for (const cJSON *v = vols ? vols->child : NULL; v; v = v->next) {
		const cJSON *hp = get(v, "hostPath");
		if (!hp)
			continue;
		const char *path = str_of(get(hp, "path"));
		const char *why = path ? sensitive_host_path(path) : NULL;
		char one[160];
		if (why)
			snprintf(one, sizeof(one), "%s (%s)", path, why);
		else
			snprintf(one, sizeof(one), "%s", path ? path : "(no path)");
		fl = append(found, sizeof(found), fl, one);
	}
	if (!fl) {
		say(d, n, "mounts no hostPath volume");
		return false;
	}
	say(d, n, "mounts hostPath %s", found);
	return true;
}

/* The pod template's annotations (the Pod's own for a Pod). */
static const cJSON *pod_annotations(const struct si_workload *w)
{
	return strcmp(w->kind, "Pod") == 0 ? w->annotations : w->template_annotations;
}

static bool apparmor(const struct si_check_ctx *c, char *d, size_t n)
{
	char key[320];
	snprintf(key, sizeof(key), "container.apparmor.security.beta.kubernetes.io/%s",
		 c->container->name);
	const char *ann = str_of(get(pod_annotations(c->workload), key));
	if (ann && ann[0] && strcmp(ann, "runtime/default") != 0 &&
	    strncmp(ann, "localhost/", 10) != 0) {
		say(d, n, "has AppArmor profile %s (annotation %s)", ann, key);
		return true;
	}
	const char *own = str_of(get(sc_get(c->container->spec, "appArmorProfile"), "type"));
	const char *pod = str_of(get(sc_get(c->workload->pod_spec, "appArmorProfile"), "type"));
	static const char *const allowed[] = { "RuntimeDefault", "Localhost", NULL };
	if ((own && !is_one_of(own, allowed)) || (pod && !is_one_of(pod, allowed))) {
		bool mine = own && !is_one_of(own, allowed);
		say(d, n, "has appArmorProfile type %s (%s securityContext)", mine ? own : pod,
		    mine ? "container" : "pod");
		return true;
	}
	say(d, n, "runs confined by AppArmor or with the runtime's default");
	return false;
}

/* What is wrong with one seLinuxOptions, or NULL. */
static const char *selinux_problem(const cJSON *se, char *buf, size_t size)
{
	static const char *const types[] = {
		"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t", NULL,
	};
	const char *type = str_of(get(se, "type")), *user = str_of(get(se, "user"));
	const char *role = str_of(get(se, "role"));
	if (type && !is_one_of(type, types))
		snprintf(buf, size, "SELinux type %s", type);
	else if (user && user[0])
		snprintf(buf, size, "SELinux user %s", user);
	else if (role && role[0])
		snprintf(buf, size, "SELinux role %s", role);
	else
		return NULL;
	return buf;
}

static bool selinux(const struct si_check_ctx *c, char *d, size_t n)
{
	char buf[160];
	const char *why = selinux_problem(sc_get(c->container->spec, "seLinuxOptions"),
					  buf, sizeof(buf));
	const char *where = "container";
	if (!why) {
		why = selinux_problem(sc_get(c->workload->pod_spec, "seLinuxOptions"),
				      buf, sizeof(buf));
		where = "pod";
	}
	if (why) {
		say(d, n, "sets %s (%s securityContext.seLinuxOptions)", why, where);
		return true;
	}
	say(d, n, "sets no custom SELinux user, role or type");
	return false;
}

static bool proc_mount(const struct si_check_ctx *c, char *d, size_t n)
{
	const char *pm = str_of(sc_get(c->container->spec, "procMount"));
	if (!pm || strcmp(pm, "Default") == 0) {
		say(d, n, "uses the default /proc mount");
		return false;
	}
	/* As Pod Security Admission's baseline: a user namespace contains it. */
	if (cJSON_IsFalse(get(c->workload->pod_spec, "hostUsers"))) {
		say(d, n, "sets procMount: %s inside a user namespace (hostUsers: false)", pm);
		return false;
	}
	say(d, n, "sets procMount: %s (the host's /proc is not masked)", pm);
	return true;
}

/* The effective seccompProfile type of the container, and where it comes from. */
static const char *seccomp_type(const struct si_check_ctx *c, const char **where)
{
	const cJSON *own = sc_get(c->container->spec, "seccompProfile");
	*where = own ? "container" : "pod";
	const cJSON *p = own ? own : sc_get(c->workload->pod_spec, "seccompProfile");
	return str_of(get(p, "type"));
}

static bool seccomp_unconfined(const struct si_check_ctx *c, char *d, size_t n)
{
	const char *where, *type = seccomp_type(c, &where);
	if (type && strcmp(type, "Unconfined") == 0) {
		say(d, n, "runs without seccomp (seccompProfile type Unconfined, %s securityContext)",
		    where);
		return true;
	}
	say(d, n, "is not explicitly unconfined by seccomp");
	return false;
}

static bool unsafe_sysctls(const struct si_check_ctx *c, char *d, size_t n)
{
	/* The safe set of Pod Security Admission v1.37 (baseline "Sysctls"). */
	static const char *const safe[] = {
		"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
		"net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies",
		"net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
		"net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
		"net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
		"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem",
		"net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat", NULL,
	};
	const cJSON *list = sc_get(c->workload->pod_spec, "sysctls");
	char found[256] = "";
	size_t fl = 0;
	for (const cJSON *s = list ? list->child : NULL; s; s = s->next) {
		const char *name = str_of(get(s, "name"));
		if (!name || !is_one_of(name, safe))
			fl = append(found, sizeof(found), fl, name ? name : "(unnamed)");
	}
	if (!fl) {
		say(d, n, "sets no sysctl outside the safe set");
		return false;
	}
	say(d, n, "sets unsafe sysctls %s", found);
	return true;
}

/* The host a probe or lifecycle handler sends to, or NULL. */
static const char *handler_host(const cJSON *h)
{
	static const char *const kinds[] = { "httpGet", "tcpSocket", NULL };
	for (const char *const *k = kinds; *k; k++) {
		const char *host = str_of(get(get(h, *k), "host"));
		if (host && host[0])
			return host;
	}
	return NULL;
}

static bool host_probe(const struct si_check_ctx *c, char *d, size_t n)
{
	static const char *const probes[] = { "livenessProbe", "readinessProbe", "startupProbe", NULL };
	static const char *const hooks[] = { "postStart", "preStop", NULL };
	const cJSON *ct = c->container->spec;
	for (const char *const *p = probes; *p; p++) {
		const char *host = handler_host(get(ct, *p));
		if (host) {
			say(d, n, "%s sends to host %s", *p, host);
			return true;
		}
	}
	for (const char *const *h = hooks; *h; h++) {
		const char *host = handler_host(get(get(ct, "lifecycle"), *h));
		if (host) {
			say(d, n, "lifecycle.%s sends to host %s", *h, host);
			return true;
		}
	}
	say(d, n, "has no probe or lifecycle hook with a host");
	return false;
}

static bool volume_types(const struct si_check_ctx *c, char *d, size_t n)
{
	static const char *const allowed[] = {
		"name", "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
		"persistentVolumeClaim", "projected", "secret", NULL,
	};
	const cJSON *vols = get(c->workload->pod_spec, "volumes");
	char found[320] = "";
	size_t fl = 0;
	for (const cJSON *v = vols ? vols->child : NULL; v; v = v->next)
		for (const cJSON *k = v->child; k; k = k->next) {
			if (cJSON_IsNull(k) || is_one_of(k->string, allowed))
				continue;
			const char *name = str_of(get(v, "name"));
			char one[160];
			snprintf(one, sizeof(one), "%s (%s)", name ? name : "(unnamed)", k->string);
			fl = append(found, sizeof(found), fl, one);
		}
	if (!fl) {
		say(d, n, "uses only the volume types the restricted level allows");
		return false;
	}
	say(d, n, "uses restricted volume types: %s", found);
	return true;
}

static bool seccomp_missing(const struct si_check_ctx *c, char *d, size_t n)
{
	static const char *const allowed[] = { "RuntimeDefault", "Localhost", NULL };
	const char *where, *type = seccomp_type(c, &where);
	if (type && is_one_of(type, allowed)) {
		say(d, n, "uses seccomp profile %s (%s securityContext)", type, where);
		return false;
	}
	if (type)
		say(d, n, "uses seccompProfile type %s (%s securityContext)", type, where);
	else
		say(d, n, "sets no seccompProfile (pod or container)");
	return true;
}

static bool caps_not_dropped(const struct si_check_ctx *c, char *d, size_t n)
{
	const cJSON *drop = get(sc_get(c->container->spec, "capabilities"), "drop");
	for (const cJSON *a = drop ? drop->child : NULL; a; a = a->next) {
		char cap[64];
		si_capability_normalize(a->valuestring, cap, sizeof(cap));
		if (strcmp(cap, "ALL") == 0) {
			say(d, n, "drops ALL capabilities");
			return false;
		}
	}
	say(d, n, "does not drop ALL capabilities");
	return true;
}

static bool run_as_user_root(const struct si_check_ctx *c, char *d, size_t n)
{
	const cJSON *own = sc_get(c->container->spec, "runAsUser");
	const cJSON *uid = effective(c, "runAsUser");
	if (cJSON_IsNumber(uid) && uid->valuedouble == 0) {
		say(d, n, "sets runAsUser: 0 (%s securityContext)", own ? "container" : "pod");
		return true;
	}
	say(d, n, "does not set runAsUser: 0");
	return false;
}

const struct si_item si_items[SI_ITEM_COUNT] = {
	{ SI_HOST_NETWORK_SET, "hostNetworkSet", SI_CAT_HOST_ISOLATION, SI_SEVERITY_DANGER,
	  SI_SCOPE_POD, "Host network is used",
	  "the pod sees and can attack the node's network and sniff its traffic",
	  "remove hostNetwork (or set hostNetwork: false)", host_network,
	  .psa = SI_PSA_BASELINE, .control = "Host Namespaces" },
	{ SI_HOST_IPC_SET, "hostIPCSet", SI_CAT_HOST_ISOLATION, SI_SEVERITY_DANGER,
	  SI_SCOPE_POD, "Host IPC namespace is shared",
	  "the pod can reach host processes' shared memory and IPC",
	  "remove hostIPC (or set hostIPC: false)", host_ipc,
	  .psa = SI_PSA_BASELINE, .control = "Host Namespaces" },
	{ SI_HOST_PID_SET, "hostPIDSet", SI_CAT_HOST_ISOLATION, SI_SEVERITY_DANGER,
	  SI_SCOPE_POD, "Host PID namespace is shared",
	  "the pod sees and can signal every process on the host",
	  "remove hostPID (or set hostPID: false)", host_pid,
	  .psa = SI_PSA_BASELINE, .control = "Host Namespaces" },
	{ SI_HOST_PORT_SET, "hostPortSet", SI_CAT_HOST_ISOLATION, SI_SEVERITY_WARNING,
	  SI_SCOPE_SECURITY, "Host port is bound",
	  "a node port is taken without review and the container receives traffic not meant for it",
	  "remove hostPort and expose the port through a Service", host_port,
	  .psa = SI_PSA_BASELINE, .control = "Host Ports" },
	{ SI_RUN_AS_ROOT_ALLOWED, "runAsRootAllowed", SI_CAT_PRIVILEGE_CONTROL, SI_SEVERITY_DANGER,
	  SI_SCOPE_SECURITY, "Container may run as root",
	  "a compromised process has root in the container, the first step of a breakout",
	  "set securityContext.runAsNonRoot: true (pod or container) and a non-zero runAsUser",
	  run_as_root ,
	  .psa = SI_PSA_RESTRICTED, .control = "Running as Non-root",
	  .fix_windows = "set securityContext.runAsNonRoot: true (pod or container)" },
	{ SI_RUN_AS_PRIVILEGED, "runAsPrivileged", SI_CAT_PRIVILEGE_CONTROL, SI_SEVERITY_DANGER,
	  SI_SCOPE_SECURITY, "Container is privileged",
	  "the container has all host devices and capabilities: a breakout is trivial",
	  "remove securityContext.privileged (or set it to false)", privileged,
	  .psa = SI_PSA_BASELINE, .control = "Privileged Containers" },
	{ SI_PRIVILEGE_ESCALATION_ALLOWED, "privilegeEscalationAllowed", SI_CAT_PRIVILEGE_CONTROL,
	  SI_SEVERITY_DANGER, SI_SCOPE_SECURITY, "Privilege escalation is allowed",
	  "a child process can gain more privileges than its parent (setuid binaries)",
	  "set securityContext.allowPrivilegeEscalation: false", privilege_escalation,
	  .psa = SI_PSA_RESTRICTED, .control = "Privilege Escalation", .linux_only = true },
	{ SI_CAPABILITIES_ADDED, "capabilitiesAdded", SI_CAT_PRIVILEGE_CONTROL, SI_SEVERITY_DANGER,
	  SI_SCOPE_SECURITY, "Extra capabilities are added",
	  "extra kernel capabilities let a process attack the node or the cluster",
	  "drop what is not needed (capabilities.drop: [ALL]) and add only the minimum",
	  capabilities ,
	  .psa = SI_PSA_BASELINE, .control = "Capabilities", .linux_only = true },
	{ SI_NOT_READ_ONLY_ROOT_FS, "notReadOnlyRootFileSystem", SI_CAT_PRIVILEGE_CONTROL,
	  SI_SEVERITY_WARNING, SI_SCOPE_SECURITY, "Root filesystem is writable",
	  "an intruder can change binaries and configuration inside the container",
	  "set securityContext.readOnlyRootFilesystem: true and mount writable volumes where needed",
	  not_read_only ,
	  .psa = SI_PSA_NONE, .control = NULL, .linux_only = true },
	{ SI_CPU_REQUESTS_MISSING, "cpuRequestsMissing", SI_CAT_RESOURCE_GOVERNANCE,
	  SI_SEVERITY_WARNING, SI_SCOPE_RUNTIME, "CPU request is missing",
	  "the pod may land on a node without the CPU it needs and run slowly",
	  "set resources.requests.cpu", cpu_requests , .psa = SI_PSA_NONE },
	{ SI_CPU_LIMITS_MISSING, "cpuLimitsMissing", SI_CAT_RESOURCE_GOVERNANCE,
	  SI_SEVERITY_WARNING, SI_SCOPE_RUNTIME, "CPU limit is missing",
	  "a runaway process can starve the node's CPU",
	  "set resources.limits.cpu", cpu_limits , .psa = SI_PSA_NONE },
	{ SI_MEMORY_REQUESTS_MISSING, "memoryRequestsMissing", SI_CAT_RESOURCE_GOVERNANCE,
	  SI_SEVERITY_WARNING, SI_SCOPE_RUNTIME, "Memory request is missing",
	  "the pod may land on a node without the memory it needs and be OOM-killed",
	  "set resources.requests.memory", memory_requests , .psa = SI_PSA_NONE },
	{ SI_MEMORY_LIMITS_MISSING, "memoryLimitsMissing", SI_CAT_RESOURCE_GOVERNANCE,
	  SI_SEVERITY_WARNING, SI_SCOPE_RUNTIME, "Memory limit is missing",
	  "a runaway process can exhaust the node's memory and get neighbours evicted",
	  "set resources.limits.memory", memory_limits , .psa = SI_PSA_NONE },
	{ SI_READINESS_PROBE_MISSING, "readinessProbeMissing", SI_CAT_IMAGE_AND_RELIABILITY,
	  SI_SEVERITY_WARNING, SI_SCOPE_PROBE, "Readiness probe is missing",
	  "traffic reaches the container before it can serve, and clients see errors",
	  "add a readinessProbe", readiness , .psa = SI_PSA_NONE },
	{ SI_LIVENESS_PROBE_MISSING, "livenessProbeMissing", SI_CAT_IMAGE_AND_RELIABILITY,
	  SI_SEVERITY_WARNING, SI_SCOPE_PROBE, "Liveness probe is missing",
	  "a hung application is never restarted: a silent outage",
	  "add a livenessProbe", liveness , .psa = SI_PSA_NONE },
	{ SI_TAG_NOT_SPECIFIED, "tagNotSpecified", SI_CAT_IMAGE_AND_RELIABILITY, SI_SEVERITY_DANGER,
	  SI_SCOPE_SECURITY, "Image tag is not pinned",
	  "a different image than intended can be pulled at any restart",
	  "pin a version tag other than latest, or a @sha256: digest", tag , .psa = SI_PSA_NONE },
	{ SI_ANONYMOUS_USER_RBAC_BINDING, "anonymousUserRBACBinding", SI_CAT_IMAGE_AND_RELIABILITY,
	  SI_SEVERITY_DANGER, SI_SCOPE_BINDING, "Binding grants rights to anonymous users",
	  "anyone who reaches the API server unauthenticated gets the bound rights",
	  "remove system:anonymous and system:unauthenticated from the subjects",
	  anonymous_binding , .psa = SI_PSA_NONE },
	{ SI_HOST_PROCESS_SET, "hostProcessSet", SI_CAT_HOST_ISOLATION, SI_SEVERITY_DANGER,
	  SI_SCOPE_SECURITY, "Windows HostProcess container",
	  "a HostProcess container runs as a process on the Windows node with the node's privileges",
	  "remove securityContext.windowsOptions.hostProcess (pod and containers)", host_process,
	  .psa = SI_PSA_BASELINE, .control = "HostProcess" },
	{ SI_HOST_PATH_VOLUME_SET, "hostPathVolumeSet", SI_CAT_HOST_ISOLATION, SI_SEVERITY_DANGER,
	  SI_SCOPE_POD, "Host path is mounted",
	  "a hostPath volume exposes the node's files; the root, /etc or a runtime socket hands over the node",
	  "replace hostPath volumes with emptyDir, configMap, secret or a persistentVolumeClaim",
	  host_path_volume, .psa = SI_PSA_BASELINE, .control = "HostPath Volumes" },
	{ SI_APPARMOR_UNCONFINED, "appArmorUnconfined", SI_CAT_PRIVILEGE_CONTROL, SI_SEVERITY_DANGER,
	  SI_SCOPE_SECURITY, "AppArmor is disabled or overridden",
	  "without the runtime's AppArmor profile the container can reach kernel interfaces it is denied otherwise",
	  "remove the unconfined AppArmor setting: use appArmorProfile type RuntimeDefault or Localhost",
	  apparmor, .psa = SI_PSA_BASELINE, .control = "AppArmor", .linux_only = true },
	{ SI_SELINUX_OPTIONS_SET, "seLinuxOptionsSet", SI_CAT_PRIVILEGE_CONTROL, SI_SEVERITY_DANGER,
	  SI_SCOPE_SECURITY, "Custom SELinux options",
	  "a custom SELinux user, role or type (such as spc_t) lifts the container's confinement",
	  "remove seLinuxOptions user and role; keep type to container_t, container_init_t, "
	  "container_kvm_t or container_engine_t", selinux,
	  .psa = SI_PSA_BASELINE, .control = "SELinux", .linux_only = true },
	{ SI_PROC_MOUNT_UNMASKED, "procMountUnmasked", SI_CAT_HOST_ISOLATION, SI_SEVERITY_DANGER,
	  SI_SCOPE_SECURITY, "/proc is not masked",
	  "an unmasked /proc exposes kernel interfaces that leak host information or allow changes",
	  "remove securityContext.procMount (or set it to Default)", proc_mount,
	  .psa = SI_PSA_BASELINE, .control = "/proc Mount Type", .linux_only = true },
	{ SI_SECCOMP_UNCONFINED, "seccompUnconfined", SI_CAT_PRIVILEGE_CONTROL, SI_SEVERITY_DANGER,
	  SI_SCOPE_SECURITY, "Seccomp is disabled",
	  "every system call reaches the kernel, including the ones used in breakouts",
	  "set securityContext.seccompProfile.type: RuntimeDefault (or Localhost)",
	  seccomp_unconfined, .psa = SI_PSA_BASELINE, .control = "Seccomp", .linux_only = true },
	{ SI_UNSAFE_SYSCTLS_SET, "unsafeSysctlsSet", SI_CAT_HOST_ISOLATION, SI_SEVERITY_DANGER,
	  SI_SCOPE_POD, "Unsafe sysctls are set",
	  "a sysctl outside the namespaced safe set can change the whole node's kernel",
	  "remove the sysctls outside the safe set from securityContext.sysctls", unsafe_sysctls,
	  .psa = SI_PSA_BASELINE, .control = "Sysctls", .linux_only = true },
	{ SI_HOST_PROBE_SET, "hostProbeSet", SI_CAT_HOST_ISOLATION, SI_SEVERITY_DANGER,
	  SI_SCOPE_SECURITY, "Probe or hook targets another host",
	  "the kubelet sends requests to any host the pod names, reaching what the pod itself cannot",
	  "remove host from the probes' and lifecycle hooks' httpGet and tcpSocket", host_probe,
	  .psa = SI_PSA_BASELINE, .control = "Host Probes / Lifecycle Hooks" },
	{ SI_VOLUME_TYPE_RESTRICTED, "volumeTypeRestricted", SI_CAT_HOST_ISOLATION,
	  SI_SEVERITY_WARNING, SI_SCOPE_POD, "Volume type outside the restricted set",
	  "volume types other than the common ones reach node or network storage without review",
	  "use configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected "
	  "or secret volumes", volume_types,
	  .psa = SI_PSA_RESTRICTED, .control = "Volume Types" },
	{ SI_SECCOMP_PROFILE_MISSING, "seccompProfileMissing", SI_CAT_PRIVILEGE_CONTROL,
	  SI_SEVERITY_WARNING, SI_SCOPE_SECURITY, "Seccomp profile is not set",
	  "without RuntimeDefault or a Localhost profile the container may run with no syscall filter",
	  "set securityContext.seccompProfile.type: RuntimeDefault (pod or container)",
	  seccomp_missing, .psa = SI_PSA_RESTRICTED, .control = "Seccomp", .linux_only = true },
	{ SI_CAPABILITIES_NOT_DROPPED, "capabilitiesNotDropped", SI_CAT_PRIVILEGE_CONTROL,
	  SI_SEVERITY_WARNING, SI_SCOPE_SECURITY, "Capabilities are not dropped",
	  "the runtime's default capabilities stay, more than most processes need",
	  "set securityContext.capabilities.drop: [ALL] and add back only NET_BIND_SERVICE",
	  caps_not_dropped, .psa = SI_PSA_RESTRICTED, .control = "Capabilities",
	  .linux_only = true },
	{ SI_RUN_AS_USER_ROOT, "runAsUserRoot", SI_CAT_PRIVILEGE_CONTROL, SI_SEVERITY_WARNING,
	  SI_SCOPE_SECURITY, "runAsUser is 0",
	  "the container is told to run as root explicitly",
	  "remove runAsUser: 0 or set a non-zero runAsUser (pod or container)", run_as_user_root,
	  .psa = SI_PSA_RESTRICTED, .control = "Running as Non-root user", .linux_only = true },
};

const struct si_item *si_item_find(const char *name)
{
	for (size_t i = 0; i < SI_ITEM_COUNT; i++)
		if (strcmp(si_items[i].name, name) == 0)
			return &si_items[i];
	return NULL;
}

const char *si_item_fix(const struct si_item *item, const struct si_workload *w)
{
	return w && w->windows && item->fix_windows ? item->fix_windows : item->fix;
}

const char *si_psa_level_name(enum si_psa_level level)
{
	switch (level) {
	case SI_PSA_BASELINE: return "baseline";
	case SI_PSA_RESTRICTED: return "restricted";
	case SI_PSA_NONE: break;
	}
	return NULL;
}

bool si_item_applies(const struct si_item *item, const struct si_workload *w,
		     enum si_container_role role)
{
	if (item->linux_only && w->windows)
		return false;
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
