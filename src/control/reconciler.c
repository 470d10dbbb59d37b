// SPDX-License-Identifier: Apache-2.0
// The webhook configuration reconciler: a watcher thread keeps a small
// summary per namespace (name and mode label), a writer thread turns it and
// the policy into webhooks and updates the ValidatingWebhookConfiguration
// when they differ from what the API server holds.
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "reconciler.h"
#include "security-inspector/kube.h"

#define VWC_PATH "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/"
#define NS_PATH "/api/v1/namespaces"
#define WATCH_SECONDS 120
#define RESYNC_SECONDS 60       /* compare with the live object at least this often */
#define DEBOUNCE_NS (100 * 1000 * 1000)
#define SUFFIX ".security-inspector.io"

static const char *const mode_paths[] = {
	[SI_MODE_OFF] = "/validate/off", [SI_MODE_AUDIT] = "/validate/audit",
	[SI_MODE_WARN] = "/validate/warn", [SI_MODE_ENFORCE] = "/validate/enforce",
};

/* --- building the webhooks ------------------------------------------------ */

static cJSON *strings(const char *const *items, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; a && i < n; i++)
		if (!cJSON_AddItemToArray(a, cJSON_CreateString(items[i]))) {
			cJSON_Delete(a);
			return NULL;
		}
	return a;
}

static bool add_rule(cJSON *rules, const char *group, const char *const *versions,
		     size_t n_versions, const char *const *resources, size_t n_resources,
		     const char *scope)
{
	static const char *const ops[] = { "CREATE", "UPDATE" };
	cJSON *r = cJSON_CreateObject();
	if (!cJSON_AddItemToArray(rules, r))
		return cJSON_Delete(r), false;
	return cJSON_AddItemToObject(r, "apiGroups", strings(&group, 1)) &&
	       cJSON_AddItemToObject(r, "apiVersions", strings(versions, n_versions)) &&
	       cJSON_AddItemToObject(r, "operations", strings(ops, 2)) &&
	       cJSON_AddItemToObject(r, "resources", strings(resources, n_resources)) &&
	       cJSON_AddStringToObject(r, "scope", scope);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

enum rules_of { RULES_NAMESPACED, RULES_CLUSTER, RULES_NAMESPACES };

/* What each webhook intercepts: the kinds the checks read. */
static cJSON *rules(enum rules_of which)
{
	static const char *const v1[] = { "v1" }, *const batch_v[] = { "v1", "v1beta1" };
	static const char *const core[] = { "pods", "pods/ephemeralcontainers",
					    "replicationcontrollers" };
	static const char *const apps[] = { "deployments", "replicasets", "statefulsets",
					    "daemonsets" };
	static const char *const batch[] = { "jobs", "cronjobs" };
	static const char *const rb[] = { "rolebindings" }, *const crb[] = { "clusterrolebindings" };
	static const char *const nss[] = { "namespaces" };
	cJSON *r = cJSON_CreateArray();
	bool ok = r != NULL;
	switch (which) {
	case RULES_NAMESPACED:
		ok = ok && add_rule(r, "", v1, 1, core, N(core), "Namespaced") &&
		     add_rule(r, "apps", v1, 1, apps, N(apps), "Namespaced") &&
		     add_rule(r, "batch", batch_v, 2, batch, N(batch), "Namespaced") &&
		     add_rule(r, "rbac.authorization.k8s.io", v1, 1, rb, 1, "Namespaced");
		break;
	case RULES_CLUSTER:
		ok = ok && add_rule(r, "rbac.authorization.k8s.io", v1, 1, crb, 1, "Cluster");
		break;
	case RULES_NAMESPACES:
		ok = ok && add_rule(r, "", v1, 1, nss, 1, "Cluster");
		break;
	}
	if (!ok)
		cJSON_Delete(r);
	return ok ? r : NULL;
}

static const cJSON *member(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* The live webhook called `short_name` + SUFFIX, or NULL. */
static const cJSON *live_webhook(const cJSON *live, const char *short_name)
{
	char full[128];
	const cJSON *w;
	snprintf(full, sizeof(full), "%s" SUFFIX, short_name);
	cJSON_ArrayForEach(w, member(live, "webhooks")) {
		const cJSON *n = member(w, "name");
		if (cJSON_IsString(n) && strcmp(n->valuestring, full) == 0)
			return w;
	}
	return NULL;
}

/* The first live webhook's clientConfig member `key`, or NULL. */
static const cJSON *live_client(const cJSON *live, const char *key)
{
	const cJSON *w;
	cJSON_ArrayForEach(w, member(live, "webhooks")) {
		const cJSON *v = member(member(w, "clientConfig"), key);
		if (v && !(cJSON_IsString(v) && !v->valuestring[0]))
			return v;
	}
	return NULL;
}

/* clientConfig for `path`: spec->url + path; else the live service
 * reference with its path replaced; else the live URL's origin + path;
 * else the Service security-inspector/security-inspector, port 443. */
static cJSON *client_config(const cJSON *live, const struct si_vwc_spec *spec, const char *path)
{
	cJSON *cc = cJSON_CreateObject();
	const cJSON *svc = live_client(live, "service"), *url = live_client(live, "url");
	const cJSON *bundle = live_client(live, "caBundle");
	const char *base = spec->url;
	char buf[2048];
	bool ok = cc != NULL;
	int len = base ? (int)strlen(base) : 0;

	if (!base && !cJSON_IsObject(svc) && cJSON_IsString(url)) {
		/* https://host:port/validate/x -> https://host:port */
		base = url->valuestring;
		const char *p = strstr(base, "://");
		p = p ? strchr(p + 3, '/') : NULL;
		len = p ? (int)(p - base) : (int)strlen(base);
	}
	if (base) {
		while (len > 0 && base[len - 1] == '/')
			len--;
		snprintf(buf, sizeof(buf), "%.*s%s", len, base, path);
		ok = ok && cJSON_AddStringToObject(cc, "url", buf);
	} else {
		const cJSON *name = member(svc, "name"), *ns = member(svc, "namespace");
		const cJSON *port = member(svc, "port");
		cJSON *s = cJSON_AddObjectToObject(cc, "service");
		ok = ok && s &&
		     cJSON_AddStringToObject(s, "namespace", cJSON_IsString(ns) ? ns->valuestring
									     : "security-inspector") &&
		     cJSON_AddStringToObject(s, "name", cJSON_IsString(name) ? name->valuestring
									   : "security-inspector") &&
		     cJSON_AddStringToObject(s, "path", path) &&
		     cJSON_AddNumberToObject(s, "port", cJSON_IsNumber(port) ? port->valuedouble : 443);
	}
	const char *ca = spec->ca_bundle ? spec->ca_bundle
			 : cJSON_IsString(bundle) ? bundle->valuestring : NULL;
	if (ok && ca && ca[0])
		ok = cJSON_AddStringToObject(cc, "caBundle", ca) != NULL;
	if (!ok)
		cJSON_Delete(cc);
	return ok ? cc : NULL;
}

/* The live default webhook's namespaceSelector without what the reconciler
 * writes (expressions on the mode label and on kubernetes.io/metadata.name):
 * an administrator's own conditions, to keep on every webhook. */
static cJSON *extra_selector(const cJSON *live)
{
	const cJSON *w = live_webhook(live, "default");
	const cJSON *sel = member(w, "namespaceSelector"), *e;
	cJSON *out = cJSON_CreateObject(), *exprs = cJSON_CreateArray();
	bool ok = out && exprs;

	cJSON_ArrayForEach(e, member(sel, "matchExpressions")) {
		const cJSON *key = member(e, "key");
		if (!ok || !cJSON_IsString(key) || strcmp(key->valuestring, SI_MODE_LABEL) == 0 ||
		    strcmp(key->valuestring, "kubernetes.io/metadata.name") == 0)
			continue;
		ok = cJSON_AddItemToArray(exprs, cJSON_Duplicate(e, true));
	}
	const cJSON *labels = member(sel, "matchLabels");
	if (ok && cJSON_IsObject(labels) && labels->child)
		ok = cJSON_AddItemToObject(out, "matchLabels", cJSON_Duplicate(labels, true));
	if (ok)
		ok = cJSON_AddItemToObject(out, "matchExpressions", exprs);
	else
		cJSON_Delete(exprs);
	if (!ok)
		cJSON_Delete(out);
	return ok ? out : NULL;
}

/* `extra` plus {kubernetes.io/metadata.name `op` names} when `names` is
 * not empty. Takes `names`. */
static cJSON *selector(const cJSON *extra, const char *op, cJSON *names)
{
	cJSON *sel = cJSON_Duplicate(extra, true);
	cJSON *exprs = cJSON_GetObjectItemCaseSensitive(sel, "matchExpressions");
	if (sel && cJSON_GetArraySize(names) > 0) {
		cJSON *e = cJSON_CreateObject();
		if (!cJSON_AddItemToArray(exprs, e)) {
			cJSON_Delete(e);
			e = NULL;
		}
		if (!e || !cJSON_AddStringToObject(e, "key", "kubernetes.io/metadata.name") ||
		    !cJSON_AddStringToObject(e, "operator", op) ||
		    !cJSON_AddItemToObject(e, "values", names)) {
			cJSON_Delete(names);
			cJSON_Delete(sel);
			return NULL;
		}
		names = NULL;
	}
	cJSON_Delete(names);
	if (sel && cJSON_GetArraySize(exprs) == 0)
		cJSON_DeleteItemFromObjectCaseSensitive(sel, "matchExpressions");
	return sel;
}

/* One webhook. Takes `sel` and `rl`. */
static bool add_webhook(cJSON *hooks, const cJSON *live, const struct si_vwc_spec *spec,
			const char *short_name, const char *path, bool fail, cJSON *sel, cJSON *rl)
{
	char name[128];
	snprintf(name, sizeof(name), "%s" SUFFIX, short_name);
	static const char *const versions[] = { "v1" };
	const cJSON *old = live_webhook(live, short_name);
	const cJSON *objsel = member(old ? old : live_webhook(live, "default"), "objectSelector");
	cJSON *w = cJSON_CreateObject();
	bool ok = cJSON_AddItemToArray(hooks, w);
	if (!ok)
		cJSON_Delete(w);
	ok = ok && cJSON_AddStringToObject(w, "name", name) &&
	     cJSON_AddItemToObject(w, "clientConfig", client_config(live, spec, path)) &&
	     cJSON_AddItemToObject(w, "rules", rl) && (rl = NULL, true) &&
	     cJSON_AddStringToObject(w, "failurePolicy", fail ? "Fail" : "Ignore") &&
	     cJSON_AddStringToObject(w, "matchPolicy", "Equivalent") &&
	     cJSON_AddItemToObject(w, "namespaceSelector", sel ? sel : cJSON_CreateObject()) &&
	     (sel = NULL, true) &&
	     cJSON_AddItemToObject(w, "objectSelector", cJSON_IsObject(objsel)
						       ? cJSON_Duplicate(objsel, true)
						       : cJSON_CreateObject()) &&
	     cJSON_AddStringToObject(w, "sideEffects", "None") &&
	     cJSON_AddNumberToObject(w, "timeoutSeconds", 5) &&
	     cJSON_AddItemToObject(w, "admissionReviewVersions", strings(versions, 1));
	cJSON_Delete(sel);
	cJSON_Delete(rl);
	return ok;
}

enum si_mode si_ns_mode(const struct si_policy *p, const struct si_ns_summary *ns,
			bool *unknown_label)
{
	enum si_mode label;
	bool known = ns->labelled && si_mode_parse(ns->label, &label);
	*unknown_label = ns->labelled && !known;
	return si_policy_mode(p, ns->name, known ? &label : NULL);
}

static bool excluded(const struct si_vwc_spec *spec, const char *name)
{
	for (size_t i = 0; i < spec->n_excluded; i++)
		if (strcmp(spec->excluded[i], name) == 0)
			return true;
	return false;
}

/* Whether a namespace not seen yet may need inspection under `p`. */
static bool may_inspect_unknown(const struct si_policy *p)
{
	if (p->mode != SI_MODE_OFF)
		return true;
	for (size_t i = 0; i < p->n_rules; i++)
		if (p->rules[i].has_mode && p->rules[i].mode != SI_MODE_OFF)
			return true;
	return false;
}

cJSON *si_vwc_webhooks(const cJSON *live, const struct si_policy *p,
		       const struct si_ns_summary *ns, size_t n, const struct si_vwc_spec *spec,
		       struct si_ns_counts *counts)
{
	cJSON *in[SI_MODE_ENFORCE + 1] = { 0 }, *notin = strings(spec->excluded, spec->n_excluded);
	cJSON *hooks = cJSON_CreateArray(), *extra = extra_selector(live);
	struct si_ns_counts c = { 0 };
	bool ok = hooks && extra && notin;

	for (int m = 0; ok && m <= SI_MODE_ENFORCE; m++)
		ok = (in[m] = cJSON_CreateArray()) != NULL;
	for (size_t i = 0; ok && i < n; i++) {
		bool unknown;
		enum si_mode m = si_ns_mode(p, &ns[i], &unknown);
		if (excluded(spec, ns[i].name))
			continue;
		c.by_mode[m]++;
		c.unknown_label += unknown;
		c.no_name_label += !ns[i].name_label;
		if (m == p->mode)
			continue;
		ok = cJSON_AddItemToArray(in[m], cJSON_CreateString(ns[i].name)) &&
		     cJSON_AddItemToArray(notin, cJSON_CreateString(ns[i].name));
	}
	static const enum si_mode order[] = { SI_MODE_ENFORCE, SI_MODE_WARN, SI_MODE_AUDIT };
	for (size_t i = 0; ok && i < N(order); i++) {
		enum si_mode m = order[i];
		if (m == p->mode || cJSON_GetArraySize(in[m]) == 0)
			continue;
		ok = add_webhook(hooks, live, spec, si_mode_name(m), mode_paths[m],
				 m == SI_MODE_ENFORCE, selector(extra, "In", in[m]),
				 rules(RULES_NAMESPACED));
		in[m] = NULL;
	}
	if (ok && may_inspect_unknown(p)) {
		ok = add_webhook(hooks, live, spec, "default", "/validate", p->mode == SI_MODE_ENFORCE,
				 selector(extra, "NotIn", notin), rules(RULES_NAMESPACED));
		notin = NULL;
	}
	enum si_mode cluster = si_policy_mode(p, "", NULL);
	if (ok && cluster != SI_MODE_OFF)
		ok = add_webhook(hooks, live, spec, "cluster", "/validate",
				 cluster == SI_MODE_ENFORCE, NULL, rules(RULES_CLUSTER));
	if (ok) {
		cJSON *names = strings(spec->excluded, spec->n_excluded);
		ok = add_webhook(hooks, live, spec, "namespaces", "/validate", false,
				 selector(extra, "NotIn", names), rules(RULES_NAMESPACES));
	}
	for (int m = 0; m <= SI_MODE_ENFORCE; m++)
		cJSON_Delete(in[m]);
	cJSON_Delete(notin);
	cJSON_Delete(extra);
	if (!ok) {
		cJSON_Delete(hooks);
		return NULL;
	}
	if (counts)
		*counts = c;
	return hooks;
}

/* --- the threads ---------------------------------------------------------- */

struct si_reconciler {
	struct si_reconciler_config cfg;
	struct si_policy_slot *slot;
	struct si_metrics *metrics;
	struct si_kube watch_k, write_k;  /* one client per thread */
	const char *excluded[2];
	size_t n_excluded;
	pthread_t watcher, writer;
	bool watcher_started, writer_started;
	atomic_bool stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* Guarded by mu. */
	struct si_ns_summary *ns;          /* sorted by name */
	size_t n, cap;
	bool synced;                       /* a full list since this replica leads */
	bool dirty;                        /* changed since the last write */
	char rv[64];                       /* where the watch resumes */
};

static bool may_write(const struct si_reconciler *r)
{
	return !r->cfg.may_write || r->cfg.may_write(r->cfg.may_write_ctx);
}

static void pause_for(struct si_reconciler *r, long ms)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&r->mu);
	if (!atomic_load(&r->stop))
		pthread_cond_timedwait(&r->cv, &r->mu, &until);
	pthread_mutex_unlock(&r->mu);
}

static void log_error(const char *msg, const struct si_error *err)
{
	char buf[1024];
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "error", si_error_format(err, buf, sizeof(buf)));
	si_log("error", msg, f);
}

/* Index of `name` in the sorted summaries, or where it would go. */
static size_t find(const struct si_reconciler *r, const char *name, bool *found)
{
	size_t lo = 0, hi = r->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(r->ns[mid].name, name);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

/* The summary of a Namespace object; false when it has no usable name. */
static bool summarize(const cJSON *obj, struct si_ns_summary *s)
{
	const cJSON *meta = member(obj, "metadata");
	const cJSON *name = member(meta, "name");
	const cJSON *labels = member(meta, "labels");
	const cJSON *label = member(labels, SI_MODE_LABEL);
	const cJSON *name_label = member(labels, "kubernetes.io/metadata.name");
	memset(s, 0, sizeof(*s));
	if (!cJSON_IsString(name) || !name->valuestring[0] ||
	    strlen(name->valuestring) >= sizeof(s->name))
		return false;
	snprintf(s->name, sizeof(s->name), "%s", name->valuestring);
	s->name_label = cJSON_IsString(name_label) &&
			strcmp(name_label->valuestring, name->valuestring) == 0;
	if (cJSON_IsString(label)) {
		s->labelled = true;
		/* Longer than a label value may be: keep a prefix, which is
		 * not a mode either. */
		snprintf(s->label, sizeof(s->label), "%s", label->valuestring);
	}
	return true;
}

/* Puts `s` in (or removes it); under mu. False when out of memory. */
static bool upsert(struct si_reconciler *r, const struct si_ns_summary *s, bool remove)
{
	bool found;
	size_t i = find(r, s->name, &found);
	if (remove) {
		if (found) {
			memmove(&r->ns[i], &r->ns[i + 1], (r->n - i - 1) * sizeof(r->ns[0]));
			r->n--;
		}
		return true;
	}
	if (found) {
		bool same = r->ns[i].labelled == s->labelled && strcmp(r->ns[i].label, s->label) == 0;
		bool reported = same && r->ns[i].reported;
		bool name_reported = r->ns[i].name_label == s->name_label && r->ns[i].name_reported;
		r->ns[i] = *s;
		r->ns[i].reported = reported;
		r->ns[i].name_reported = name_reported;
		return true;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct si_ns_summary *ns = realloc(r->ns, cap * sizeof(*ns));
		if (!ns)
			return false;
		r->ns = ns;
		r->cap = cap;
	}
	memmove(&r->ns[i + 1], &r->ns[i], (r->n - i) * sizeof(r->ns[0]));
	r->ns[i] = *s;
	r->n++;
	return true;
}

static si_rc on_listed(cJSON *item, void *ctx, struct si_error *err)
{
	struct si_reconciler *r = ctx;
	struct si_ns_summary s;
	bool ok = true;
	if (summarize(item, &s)) {
		pthread_mutex_lock(&r->mu);
		ok = upsert(r, &s, false);
		pthread_mutex_unlock(&r->mu);
	}
	cJSON_Delete(item);
	return ok ? SI_OK : si_error_set(err, SI_ERR_NOMEM, NS_PATH, 0, "out of memory");
}

static si_rc on_event(const char *type, const cJSON *obj, void *ctx, struct si_error *err)
{
	struct si_reconciler *r = ctx;
	struct si_ns_summary s;
	const cJSON *rv = member(member(obj, "metadata"), "resourceVersion");

	if (atomic_load(&r->stop) || !may_write(r))
		return si_error_set(err, SI_ERR_IO, NS_PATH, 0, "no longer the leader");
	pthread_mutex_lock(&r->mu);
	if (cJSON_IsString(rv))
		snprintf(r->rv, sizeof(r->rv), "%s", rv->valuestring);
	bool ok = true;
	if (strcmp(type, "BOOKMARK") != 0 && summarize(obj, &s)) {
		ok = upsert(r, &s, strcmp(type, "DELETED") == 0);
		r->dirty = true;
		pthread_cond_broadcast(&r->cv);
	}
	pthread_mutex_unlock(&r->mu);
	return ok ? SI_OK : si_error_set(err, SI_ERR_NOMEM, NS_PATH, 0, "out of memory");
}

/* Lists the namespaces into a fresh set of summaries. */
static si_rc relist(struct si_reconciler *r, struct si_error *err)
{
	struct si_kube_list_stats st;
	pthread_mutex_lock(&r->mu);
	r->n = 0;
	r->synced = false;
	pthread_mutex_unlock(&r->mu);
	si_rc rc = si_kube_list(&r->watch_k, NS_PATH, 500, on_listed, r, &st, err);
	pthread_mutex_lock(&r->mu);
	if (!rc) {
		snprintf(r->rv, sizeof(r->rv), "%s", st.resource_version);
		r->synced = r->dirty = true;
		pthread_cond_broadcast(&r->cv);
	}
	pthread_mutex_unlock(&r->mu);
	return rc;
}

static void *watch_loop(void *arg)
{
	struct si_reconciler *r = arg;
	struct si_error err = { 0 };
	bool failing = false;

	while (!atomic_load(&r->stop)) {
		if (!may_write(r)) {
			pthread_mutex_lock(&r->mu);
			r->synced = false;
			pthread_mutex_unlock(&r->mu);
			pause_for(r, 500);
			continue;
		}
		if (relist(r, &err)) {
			if (!failing && !atomic_load(&r->stop))
				log_error("cannot list namespaces for the webhook configuration", &err);
			failing = true;
			pause_for(r, 2000);
			continue;
		}
		failing = false;
		for (;;) {
			char rv[64];
			long status = 0;
			pthread_mutex_lock(&r->mu);
			memcpy(rv, r->rv, sizeof(rv));
			pthread_mutex_unlock(&r->mu);
			si_rc rc = si_kube_watch(&r->watch_k, NS_PATH, rv, WATCH_SECONDS, on_event, r,
						 &status, &err);
			if (atomic_load(&r->stop) || !may_write(r))
				break;
			if (rc) {
				if (status != 410)
					log_error("the namespace watch broke off; listing again", &err);
				pause_for(r, status == 410 ? 0 : 1000);
				break;
			}
		}
	}
	return NULL;
}

/* Logs each namespace whose mode label is not a mode, once per value, and
 * each that cannot be selected by name, once. */
static void report_unknown(struct si_reconciler *r, const struct si_policy *p)
{
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->n; i++) {
		bool unknown;
		struct si_ns_summary *s = &r->ns[i];
		enum si_mode m = si_ns_mode(p, s, &unknown);
		if (!s->name_label && !s->name_reported) {
			s->name_reported = true;
			cJSON *f = cJSON_CreateObject();
			cJSON_AddStringToObject(f, "namespace", s->name);
			cJSON_AddStringToObject(f, "mode", si_mode_name(m));
			si_log("error", "the namespace has no label kubernetes.io/metadata.name equal to "
				"its name (set by Kubernetes 1.21 and later): webhooks cannot select it "
				"by name, so it is treated as a namespace of the default mode; label it",
			       f);
		}
		if (!unknown || s->reported)
			continue;
		s->reported = true;
		cJSON *f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "namespace", s->name);
		cJSON_AddStringToObject(f, "label", s->label);
		cJSON_AddStringToObject(f, "mode", si_mode_name(m));
		si_log("warning", "the namespace's security-inspector.io/mode label is not a mode "
			"(enforce, warn, audit, off): it gets the mode the policy gives it", f);
	}
	pthread_mutex_unlock(&r->mu);
}

/* Reads the configuration, builds its webhooks and writes them when they
 * differ. */
static si_rc reconcile(struct si_reconciler *r, struct si_error *err)
{
	char path[512];
	cJSON *live = NULL, *hooks = NULL;
	struct si_policy_hold *hold;
	struct si_ns_summary *copy = NULL;
	struct si_ns_counts counts;
	char *bundle = NULL;
	size_t n;
	long status;
	si_rc rc;

	snprintf(path, sizeof(path), VWC_PATH "%s", r->cfg.name);
	if ((rc = si_kube_get(&r->write_k, path, &live, &status, err)))
		return rc;
	pthread_mutex_lock(&r->mu);
	n = r->n;
	copy = malloc((n ? n : 1) * sizeof(*copy));
	if (copy)
		memcpy(copy, r->ns, n * sizeof(*copy));
	pthread_mutex_unlock(&r->mu);
	if (r->cfg.ca_bundle)
		bundle = r->cfg.ca_bundle(r->cfg.ca_ctx);
	const struct si_policy *p = si_policy_slot_acquire(r->slot, &hold);
	struct si_vwc_spec spec = { r->cfg.url, bundle, r->excluded, r->n_excluded };
	hooks = copy ? si_vwc_webhooks(live, p, copy, n, &spec, &counts) : NULL;
	if (hooks)
		report_unknown(r, p);
	si_policy_slot_release(hold);
	if (!hooks) {
		rc = si_error_set(err, SI_ERR_NOMEM, path, 0, "out of memory");
		goto out;
	}
	si_metrics_namespaces(r->metrics, counts.by_mode, counts.unknown_label,
			      counts.no_name_label);
	if (cJSON_Compare(member(live, "webhooks"), hooks, true))
		goto out;
	cJSON_DeleteItemFromObjectCaseSensitive(live, "webhooks");
	if (!cJSON_AddItemToObject(live, "webhooks", hooks)) {
		rc = si_error_set(err, SI_ERR_NOMEM, path, 0, "out of memory");
		goto out;
	}
	hooks = NULL;
	char *text = cJSON_PrintUnformatted(live);
	size_t len = text ? strlen(text) : 0;
	cJSON_free(text);
	if (len > SI_VWC_MAX_BYTES) {
		rc = si_error_set(err, SI_ERR_LIMIT, path, 0,
				  "the webhook configuration would take %zu bytes, over %u: too "
				  "many namespaces whose mode differs from the policy's default",
				  len, SI_VWC_MAX_BYTES);
		goto out;
	}
	if ((rc = si_kube_update(&r->write_k, path, live, NULL, &status, err)))
		goto out;
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "name", r->cfg.name);
	static const char *const keys[] = { "off", "audit", "warn", "enforce" };
	for (int m = 0; m <= SI_MODE_ENFORCE; m++)
		cJSON_AddNumberToObject(f, keys[m], (double)counts.by_mode[m]);
	si_log("info", "webhook configuration updated", f);
	si_metrics_webhook_config(r->metrics, true);
out:
	if (rc)
		si_metrics_webhook_config(r->metrics, false);
	free(bundle);
	free(copy);
	cJSON_Delete(hooks);
	cJSON_Delete(live);
	return rc;
}

static double now_seconds(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *write_loop(void *arg)
{
	struct si_reconciler *r = arg;
	struct si_error err = { 0 };
	unsigned long policy_gen = 0, ca_gen = 0;
	double last = 0;
	bool failing = false, first = true;

	while (!atomic_load(&r->stop)) {
		pause_for(r, failing ? 2000 : 1000);
		pthread_mutex_lock(&r->mu);
		bool synced = r->synced, dirty = r->dirty;
		pthread_mutex_unlock(&r->mu);
		if (!synced || !may_write(r) || atomic_load(&r->stop))
			continue;
		unsigned long pg = si_policy_slot_generation(r->slot);
		unsigned long cg = r->cfg.ca_generation ? r->cfg.ca_generation(r->cfg.ca_ctx) : 0;
		if (!dirty && !first && !failing && pg == policy_gen && cg == ca_gen &&
		    now_seconds() - last < RESYNC_SECONDS)
			continue;
		/* Let a burst of namespace events settle into one write. */
		nanosleep(&(struct timespec){ 0, DEBOUNCE_NS }, NULL);
		pthread_mutex_lock(&r->mu);
		r->dirty = false;
		pthread_mutex_unlock(&r->mu);
		if (reconcile(r, &err)) {
			if (!failing)
				log_error("cannot update the webhook configuration", &err);
			failing = true;
			continue;
		}
		failing = first = false;
		policy_gen = pg;
		ca_gen = cg;
		last = now_seconds();
	}
	return NULL;
}

si_rc si_reconciler_start(const struct si_reconciler_config *cfg, struct si_policy_slot *slot,
			  struct si_metrics *metrics, struct si_reconciler **out,
			  struct si_error *err)
{
	struct si_reconciler *r = calloc(1, sizeof(*r));
	si_rc rc;

	*out = NULL;
	if (!r)
		return si_error_set(err, SI_ERR_NOMEM, NULL, 0, "out of memory");
	r->cfg = *cfg;
	r->slot = slot;
	r->metrics = metrics;
	r->excluded[r->n_excluded++] = "kube-system";
	if (cfg->own_namespace && strcmp(cfg->own_namespace, "kube-system") != 0)
		r->excluded[r->n_excluded++] = cfg->own_namespace;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	if ((rc = si_kube_global_init(err)) ||
	    (rc = si_kube_connect(cfg->kubeconfig, cfg->context, &r->watch_k, err)) ||
	    (rc = si_kube_connect(cfg->kubeconfig, cfg->context, &r->write_k, err)))
		goto fail;
	r->watch_k.cancel = r->write_k.cancel = &r->stop;
	r->write_k.timeout = 10;
	if (pthread_create(&r->watcher, NULL, watch_loop, r)) {
		rc = si_error_set(err, SI_ERR_NOMEM, NULL, 0, "cannot start a thread");
		goto fail;
	}
	r->watcher_started = true;
	if (pthread_create(&r->writer, NULL, write_loop, r)) {
		rc = si_error_set(err, SI_ERR_NOMEM, NULL, 0, "cannot start a thread");
		goto fail;
	}
	r->writer_started = true;
	*out = r;
	return SI_OK;
fail:
	si_reconciler_stop(r);
	return rc;
}

void si_reconciler_stop(struct si_reconciler *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->mu);
	atomic_store(&r->stop, true);
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	if (r->watcher_started)
		pthread_join(r->watcher, NULL);
	if (r->writer_started)
		pthread_join(r->writer, NULL);
	si_kube_free(&r->watch_k);
	si_kube_free(&r->write_k);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	free(r->ns);
	free(r);
}
