// SPDX-License-Identifier: Apache-2.0
// AdmissionReview <-> decision: decodes the request, runs the library's
// evaluation and decision, and writes the response users read in kubectl.
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admission.h"
#include "security-inspector/evaluate.h"
#include "security-inspector/workload.h"

#define DENIAL_MAX 2048
#define WHO_MAX 80

static const cJSON *member(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsNull(v) ? NULL : v;
}

static void copy_string(char *dst, size_t size, const cJSON *v)
{
	snprintf(dst, size, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

/* Finishes `out` with `root` (taken) as the body, copied out of the
 * request's arena. */
static si_rc finish(struct si_admission_answer *out, cJSON *root, int status)
{
	char *text = root ? cJSON_PrintUnformatted(root) : NULL;
	cJSON_Delete(root);
	if (!text)
		return SI_ERR_NOMEM;
	size_t len = strlen(text);
	out->body = malloc(len + 1);
	if (out->body)
		memcpy(out->body, text, len + 1);
	cJSON_free(text);
	if (!out->body)
		return SI_ERR_NOMEM;
	out->body_len = len;
	out->http_status = status;
	return SI_OK;
}

__attribute__((format(printf, 2, 3)))
static si_rc bad_request(struct si_admission_answer *out, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON *root = cJSON_CreateObject();
	if (!root || !cJSON_AddStringToObject(root, "error", msg)) {
		cJSON_Delete(root);
		return SI_ERR_NOMEM;
	}
	out->allowed = false;
	return finish(out, root, 400);
}

/* Keeps a warning to one printable line. */
static void printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

/* Appends `name`, cut to at most `max` bytes without splitting a UTF-8
 * character. */
static size_t put_name(char *buf, size_t size, size_t n, const char *name, size_t max)
{
	size_t len = strlen(name);
	if (len > max) {
		len = max;
		while (len > 0 && ((unsigned char)name[len] & 0xC0) == 0x80)
			len--;
	}
	return n + (size_t)snprintf(buf + n, size - n, "%.*s%s", (int)len, name,
				    len < strlen(name) ? "..." : "");
}

/* " (app, db, +3 more)": the containers that failed `item`, or "" for pod
 * and binding results. The first name is always shown, cut if it is long. */
static void who_failed(const struct si_evaluation *ev, const struct si_item *item,
		       char *buf, size_t size)
{
	size_t n = 0, shown = 0, more = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < ev->n_results; i++) {
		const struct si_result *r = &ev->results[i];
		if (r->item != item || r->status != SI_RESULT_FAILED || !r->container)
			continue;
		const char *name = r->container->name[0] ? r->container->name : "(unnamed)";
		if (shown && n + strlen(name) + 16 > WHO_MAX) {
			more++;
			continue;
		}
		n += (size_t)snprintf(buf + n, size - n, "%s", shown ? ", " : " (");
		n = put_name(buf, size, n, name, WHO_MAX - 20);
		shown++;
	}
	if (more)
		n += (size_t)snprintf(buf + n, size - n, ", +%zu more", more);
	if (shown)
		snprintf(buf + n, size - n, ")");
}

/* One line per failed item: "[danger] runAsRootAllowed (app, db): fix". */
static void item_line(const struct si_evaluation *ev, const struct si_item *item,
		      enum si_severity sev, bool with_severity, char *buf, size_t size)
{
	char who[WHO_MAX + 32];
	const char *fix = item->fix;
	who_failed(ev, item, who, sizeof(who));
	for (size_t i = 0; i < ev->n_results; i++)
		if (ev->results[i].item == item && ev->results[i].fix) {
			fix = ev->results[i].fix;
			break;
		}
	if (with_severity)
		snprintf(buf, size, "[%s] %s%s: %s", si_severity_name(sev), item->name, who, fix);
	else
		snprintf(buf, size, "%s%s: %s", item->name, who, fix);
	printable(buf);
}

/* The severity the policy gave the failed results of `item`, or IGNORE when
 * none failed. */
/* The first result of `item` with `status`, or NULL. */
static const struct si_result *result_of(const struct si_evaluation *ev, const struct si_item *item,
					 enum si_result_status status)
{
	for (size_t i = 0; i < ev->n_results; i++)
		if (ev->results[i].item == item && ev->results[i].status == status)
			return &ev->results[i];
	return NULL;
}

static enum si_severity failed_severity(const struct si_evaluation *ev, const struct si_item *item)
{
	const struct si_result *r = result_of(ev, item, SI_RESULT_FAILED);
	return r ? r->severity : SI_SEVERITY_IGNORE;
}

/* Adds `lines` (`n` of them) to the response's warnings, within
 * SI_WARNINGS_TOTAL_MAX characters in all: the lines that do not fit, and
 * `unlisted` more that are not in `lines`, are counted by a last warning,
 * "... and 3 more `many` not shown: `hint`". False when out of memory. */
static bool put_warnings(cJSON *response, char (*lines)[SI_WARNING_MAX + 1], size_t n,
			 size_t unlisted, const char *one, const char *many, const char *hint)
{
	if (n == 0 && unlisted == 0)
		return true;
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(response, "warnings");
	if (!arr && !(arr = cJSON_AddArrayToObject(response, "warnings")))
		return false;
	/* Keep room for the last line that says how many were cut (at most
	 * about 100 characters). */
	static const size_t cut_room = 128;
	size_t total = 0, i = 0;
	for (; i < n; i++) {
		size_t len = strlen(lines[i]);
		bool last = i + 1 == n && unlisted == 0;
		if (total + len > SI_WARNINGS_TOTAL_MAX - (last ? 0 : cut_room))
			break;
		if (!cJSON_AddItemToArray(arr, cJSON_CreateString(lines[i])))
			return false;
		total += len;
	}
	size_t cut = n - i + unlisted;
	if (cut == 0)
		return true;
	char text[SI_WARNING_MAX];
	snprintf(text, sizeof(text), "... and %zu more %s not shown: %s", cut,
		 cut == 1 ? one : many, hint);
	return cJSON_AddItemToArray(arr, cJSON_CreateString(text));
}

/* The warnings: `first` (when not NULL) then one line per failed item. */
static bool add_warnings(cJSON *response, const struct si_evaluation *ev, bool skip_danger,
			 const char *first)
{
	char lines[SI_ITEM_COUNT + 1][SI_WARNING_MAX + 1];
	size_t n = 0;
	if (first)
		snprintf(lines[n++], SI_WARNING_MAX + 1, "%s", first);
	for (size_t i = 0; i < SI_ITEM_COUNT; i++) {
		enum si_severity sev = failed_severity(ev, &si_items[i]);
		if (sev == SI_SEVERITY_IGNORE || (skip_danger && sev == SI_SEVERITY_DANGER))
			continue;
		item_line(ev, &si_items[i], sev, true, lines[n++], SI_WARNING_MAX + 1);
	}
	return put_warnings(response, lines, n, 0, "failed item", "failed items",
			    "run security-inspector audit for the full report");
}

static bool add_denial(cJSON *response, const struct si_workload *w,
		       const struct si_evaluation *ev)
{
	char msg[DENIAL_MAX], line[SI_WARNING_MAX + 1];
	size_t dangers = 0;
	for (size_t i = 0; i < SI_ITEM_COUNT; i++)
		dangers += failed_severity(ev, &si_items[i]) == SI_SEVERITY_DANGER;
	size_t n = (size_t)snprintf(msg, sizeof(msg),
		"security-inspector denied %s %s: %zu danger check%s failed: ",
		w->kind, w->name[0] ? w->name : "(generated name)", dangers,
		dangers == 1 ? "" : "s");
	size_t items = 0, left = 0;
	for (size_t i = 0; i < SI_ITEM_COUNT; i++) {
		if (failed_severity(ev, &si_items[i]) != SI_SEVERITY_DANGER)
			continue;
		item_line(ev, &si_items[i], SI_SEVERITY_DANGER, false, line, sizeof(line));
		if (n + strlen(line) + 40 >= sizeof(msg)) {
			left++;
			continue;
		}
		n += (size_t)snprintf(msg + n, sizeof(msg) - n, "%s%s", items++ ? "; " : "", line);
	}
	if (left)
		snprintf(msg + n, sizeof(msg) - n, "; and %zu more", left);
	cJSON *status = cJSON_AddObjectToObject(response, "status");
	return status && cJSON_AddNumberToObject(status, "code", 403) &&
	       cJSON_AddStringToObject(status, "reason", "Forbidden") &&
	       cJSON_AddStringToObject(status, "message", msg);
}

/* The audit annotations: the failed items, and the whitelisted ones, so
 * that an exception the policy grants is never silent. */
static bool add_audit_annotations(cJSON *response, const struct si_evaluation *ev,
				  const char *exempted_by)
{
	static const struct {
		const char *key;
		enum si_result_status status;
	} lists[] = { { "failed-checks", SI_RESULT_FAILED },
		      { "whitelisted-checks", SI_RESULT_WHITELISTED } };
	cJSON *ann = NULL;
	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
		char ids[SI_ITEM_COUNT * 32] = "";
		size_t n = 0;
		for (size_t i = 0; i < SI_ITEM_COUNT; i++)
			if (result_of(ev, &si_items[i], lists[l].status))
				n += (size_t)snprintf(ids + n, sizeof(ids) - n, "%s%s", n ? "," : "",
						      si_items[i].name);
		if (!n)
			continue;
		if ((!ann && !(ann = cJSON_AddObjectToObject(response, "auditAnnotations"))) ||
		    !cJSON_AddStringToObject(ann, lists[l].key, ids))
			return false;
	}
	if (exempted_by && ((!ann && !(ann = cJSON_AddObjectToObject(response, "auditAnnotations"))) ||
			    !cJSON_AddStringToObject(ann, "exempted-by", exempted_by)))
		return false;
	return true;
}

/* The requester as the API server authenticated it (request.userInfo).
 * `groups` is allocated (caller frees); false when out of memory. */
static bool requester_of(const cJSON *req, struct si_requester *r)
{
	const cJSON *info = member(req, "userInfo"), *user = member(info, "username");
	const cJSON *groups = member(info, "groups");
	const char **list = NULL;
	size_t n = 0;
	memset(r, 0, sizeof(*r));
	r->username = cJSON_IsString(user) ? user->valuestring : NULL;
	if (cJSON_IsArray(groups) && groups->child) {
		if (!(list = calloc((size_t)cJSON_GetArraySize(groups), sizeof(*list))))
			return false;
		for (const cJSON *g = groups->child; g; g = g->next)
			if (cJSON_IsString(g))
				list[n++] = g->valuestring;
	}
	r->groups = list;
	r->n_groups = n;
	return true;
}

/* Notes in `out` the failures the requester's identity exempted, and
 * describes them in `text` ("user alice (whitelist entry at line 12):
 * runAsRootAllowed,tagNotSpecified"); false when there are none. */
static bool identity_exemptions(const struct si_evaluation *ev, const struct si_requester *r,
				struct si_admission_answer *out, char *text, size_t size)
{
	const struct si_whitelist_entry *first = NULL;
	for (size_t i = 0; i < ev->n_results; i++) {
		const struct si_result *res = &ev->results[i];
		if (res->status != SI_RESULT_WHITELISTED || !res->entry ||
		    !si_whitelist_by_identity(res->entry))
			continue;
		out->exempted[res->item->id] = true;
		if (!first)
			first = res->entry;
	}
	if (!first)
		return false;
	si_whitelist_identity(first, r, out->exempted_by, sizeof(out->exempted_by));
	size_t n = (size_t)snprintf(text, size, "%s (whitelist entry at line %d): ",
				    out->exempted_by, first->line);
	const char *sep = "";
	for (size_t i = 0; i < SI_ITEM_COUNT && n < size; i++)
		if (out->exempted[i]) {
			n += (size_t)snprintf(text + n, size - n, "%s%s", sep, si_items[i].name);
			sep = ",";
		}
	printable(text);
	return true;
}

/* The controllers of kube-controller-manager, as the API server names them
 * in userInfo (their own service accounts, or the manager's user), and the
 * kind of owner each one writes into what it creates. */
static const struct {
	const char *user;
	const char *owner_kind;      /* NULL: any */
} controllers[] = {
	{ "system:kube-controller-manager", NULL },
	{ "system:serviceaccount:kube-system:replicaset-controller", "ReplicaSet" },
	{ "system:serviceaccount:kube-system:deployment-controller", "Deployment" },
	{ "system:serviceaccount:kube-system:job-controller", "Job" },
	{ "system:serviceaccount:kube-system:cronjob-controller", "CronJob" },
	{ "system:serviceaccount:kube-system:statefulset-controller", "StatefulSet" },
	{ "system:serviceaccount:kube-system:daemon-set-controller", "DaemonSet" },
	{ "system:serviceaccount:kube-system:replication-controller", "ReplicationController" },
};

/* Whether the owners `w` names can be believed: ownerReferences are written
 * by whoever sends the object, so a whitelist entry's owner coverage only
 * holds when the object comes from the controller that owns such objects
 * (request.userInfo is the API server's word, not the requester's). Its
 * source was itself admitted when it was written. */
static bool owners_trusted(const cJSON *req, const struct si_workload *w)
{
	const cJSON *user = member(member(req, "userInfo"), "username");
	if (!cJSON_IsString(user) || w->n_owners == 0)
		return false;
	for (size_t i = 0; i < sizeof(controllers) / sizeof(controllers[0]); i++)
		if (strcmp(user->valuestring, controllers[i].user) == 0)
			return !controllers[i].owner_kind ||
			       strcmp(w->owners[0].kind, controllers[i].owner_kind) == 0;
	return false;
}

/* Ensures the object carries the kind and namespace of the request, which
 * an object being created may leave out. */
static bool complete_object(cJSON *obj, const char *kind, const char *ns)
{
	if (!cJSON_GetObjectItemCaseSensitive(obj, "kind") &&
	    !cJSON_AddStringToObject(obj, "kind", kind))
		return false;
	cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	if (!meta && !(meta = cJSON_AddObjectToObject(obj, "metadata")))
		return false;
	if (cJSON_IsObject(meta) && ns[0] && !cJSON_GetObjectItemCaseSensitive(meta, "namespace"))
		return cJSON_AddStringToObject(meta, "namespace", ns) != NULL;
	return true;
}

/* Sets `*same` when an UPDATE leaves what the checks read as it was; an old
 * object the checks cannot read counts as changed. SI_ERR_NOMEM when that
 * cannot be told. */
/* `a` and `b` hold the same values, with the members of each mapping in the
 * same order (the API server writes both objects of an UPDATE from one Go
 * type, so order is stable; a reordering only counts as a change, the safe
 * side). Linear in their size, unlike cJSON_Compare, which looks up each
 * member by name. The depth was bounded by the parse. */
static bool same_json(const cJSON *a, const cJSON *b)
{
	if (!a || !b)
		return a == b;
	if ((a->type & 0xFF) != (b->type & 0xFF))
		return false;
	if (cJSON_IsString(a))
		return strcmp(a->valuestring, b->valuestring) == 0;
	if (cJSON_IsNumber(a))
		return a->valuedouble == b->valuedouble;
	const cJSON *x = a->child, *y = b->child;
	for (; x && y; x = x->next, y = y->next)
		if ((cJSON_IsObject(a) && strcmp(x->string ? x->string : "",
						  y->string ? y->string : "") != 0) ||
		    !same_json(x, y))
			return false;
	return !x && !y;
}

static si_rc spec_unchanged(const cJSON *old_obj, const struct si_workload *w, bool *same)
{
	struct si_workload old = { 0 };
	si_rc rc = SI_OK;
	*same = false;
	if (cJSON_IsObject(old_obj) &&
	    (rc = si_workload_from_json(old_obj, &old, NULL, NULL)) == SI_OK) {
		if (w->class == SI_CLASS_POD)
			*same = same_json(old.pod_spec, w->pod_spec);
		else
			*same = same_json(old.subjects, w->subjects);
	}
	si_workload_clear(&old);
	return rc == SI_ERR_NOMEM ? rc : SI_OK;
}

static cJSON *response_root(const cJSON *api_version, const char *uid, cJSON **response)
{
	cJSON *root = cJSON_CreateObject();
	if (!root || !cJSON_AddStringToObject(root, "apiVersion", api_version->valuestring) ||
	    !cJSON_AddStringToObject(root, "kind", "AdmissionReview") ||
	    !(*response = cJSON_AddObjectToObject(root, "response")) ||
	    !cJSON_AddStringToObject(*response, "uid", uid)) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

/* The mode label of a Namespace object, or NULL. */
static const char *mode_label(const cJSON *ns)
{
	const cJSON *v = member(member(member(ns, "metadata"), "labels"), SI_MODE_LABEL);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A Namespace write is never denied; when it sets a mode label that is not
 * a mode, or one the policy overrides, the writer is told what mode the
 * namespace really gets. False when out of memory. */
static bool namespace_warning(const cJSON *req, const struct si_policy *p, cJSON *response)
{
	const cJSON *obj = member(req, "object");
	const char *label = mode_label(obj), *old = mode_label(member(req, "oldObject"));
	const cJSON *name = member(member(obj, "metadata"), "name");
	char line[SI_WARNING_MAX + 1];
	enum si_mode m;

	if (!label || !cJSON_IsString(name) || (old && strcmp(old, label) == 0))
		return true;
	const struct si_ns_rule *rule = si_policy_rule(p, name->valuestring);
	if (!si_mode_parse(label, &m))
		snprintf(line, sizeof(line),
			 SI_MODE_LABEL "=%.63s is not a mode (enforce, warn, audit or off): "
			 "namespace %.63s gets mode %s", label, name->valuestring,
			 si_mode_name(si_policy_mode(p, name->valuestring, NULL)));
	else if (rule && rule->has_mode && rule->mode != m)
		snprintf(line, sizeof(line),
			 SI_MODE_LABEL "=%s has no effect: the policy's namespace rule (line %d) "
			 "puts namespace %.63s in mode %s", label, rule->line, name->valuestring,
			 si_mode_name(rule->mode));
	else
		return true;
	cJSON *arr = cJSON_AddArrayToObject(response, "warnings");
	return arr && cJSON_AddItemToArray(arr, cJSON_CreateString(line));
}

/* The mode a Namespace object gets under `p`: its label's when that is a
 * mode (the shipped webhook configuration routes on it), as resolved with
 * the policy's namespace rules and default. */
static enum si_mode namespace_mode(const struct si_policy *p, const char *name, const cJSON *ns)
{
	const char *label = mode_label(ns);
	enum si_mode m;
	bool labelled = label && si_mode_parse(label, &m);
	return si_policy_mode(p, name, labelled ? &m : NULL);
}

/* The workloads of a namespace that enforce would deny: a line each, the
 * first SI_PREVIEW_MAX_LINES kept, all counted. lines[0] is left for the
 * heading. */
struct preview {
	char (*lines)[SI_WARNING_MAX + 1];
	size_t n, denied;
};

/* "Deployment web: runAsPrivileged (app), tagNotSpecified (app, db)". */
static si_rc preview_entry(const struct si_audit_entry *e, void *ctx, struct si_error *err)
{
	struct preview *pv = ctx;
	(void)err;
	if (e->eval.danger_failed == 0)
		return SI_OK;
	if (pv->denied++ >= SI_PREVIEW_MAX_LINES)
		return SI_OK;
	char *buf = pv->lines[++pv->n], who[WHO_MAX + 32];
	size_t size = SI_WARNING_MAX + 1;
	size_t n = (size_t)snprintf(buf, size, "%s %s:", e->workload.kind, e->workload.name);
	const char *sep = " ";
	for (size_t i = 0; i < SI_ITEM_COUNT && n < size; i++) {
		if (failed_severity(&e->eval, &si_items[i]) != SI_SEVERITY_DANGER)
			continue;
		who_failed(&e->eval, &si_items[i], who, sizeof(who));
		n += (size_t)snprintf(buf + n, size - n, "%s%s%s", sep, si_items[i].name, who);
		sep = ", ";
	}
	printable(buf);
	return SI_OK;
}

/* Pod Security Admission's warning on a namespace labelled to a stricter
 * level, here: a Namespace write that turns enforce on is answered with the
 * namespace's workloads that enforce would deny. The write is never
 * denied; when the workloads cannot be listed one warning says so. False
 * when out of memory. */
static bool namespace_preview(const cJSON *req, const struct si_policy *p,
			      const struct si_admission_lister *lister, cJSON *response)
{
	const cJSON *obj = member(req, "object"), *old = member(req, "oldObject");
	const cJSON *name = member(member(obj, "metadata"), "name");
	struct si_error err = { 0 };
	struct preview pv = { 0 };
	char line[SI_WARNING_MAX + 1];

	if (!lister || !lister->list || !cJSON_IsString(name) || !name->valuestring[0] ||
	    namespace_mode(p, name->valuestring, obj) != SI_MODE_ENFORCE ||
	    (old && namespace_mode(p, name->valuestring, old) == SI_MODE_ENFORCE))
		return true;
	const char *ns = name->valuestring;
	if (!(pv.lines = calloc(SI_PREVIEW_MAX_LINES + 1, sizeof(*pv.lines))))
		return false;
	si_rc rc = lister->list(lister->ctx, ns, p, preview_entry, &pv, &err);
	bool ok;
	if (rc == SI_ERR_NOMEM) {
		ok = false;
	} else if (rc) {
		snprintf(line, sizeof(line), "security-inspector could not check the workloads of "
			 "namespace %.63s against enforce: %s", ns, err.message);
		printable(line);
		cJSON *arr = cJSON_GetObjectItemCaseSensitive(response, "warnings");
		ok = (arr || (arr = cJSON_AddArrayToObject(response, "warnings"))) &&
		     cJSON_AddItemToArray(arr, cJSON_CreateString(line));
	} else {
		snprintf(pv.lines[0], SI_WARNING_MAX + 1, "security-inspector: in mode enforce, "
			 "%zu existing workload%s of namespace %.63s would be denied:", pv.denied,
			 pv.denied == 1 ? "" : "s", ns);
		ok = pv.denied == 0 ||
		     put_warnings(response, pv.lines, pv.n + 1, pv.denied - pv.n,
				  "workload", "workloads",
				  "run security-inspector audit on the namespace for all");
	}
	free(pv.lines);
	return ok;
}

si_rc si_admission_handle(const char *body, size_t len, const struct si_policy *policy,
			      const enum si_mode *path_mode, const struct si_limits *lim,
			      struct si_admission_answer *out)
{
	return si_admission_handle_with(body, len, policy, path_mode, lim, NULL, out);
}

si_rc si_admission_handle_with(const char *body, size_t len, const struct si_policy *policy,
				   const enum si_mode *path_mode, const struct si_limits *lim,
				   const struct si_admission_lister *lister,
				   struct si_admission_answer *out)
{
	struct si_error err = { 0 };
	struct si_workload w = { 0 };
	struct si_evaluation ev = { 0 };
	struct si_requester requester = { 0 };
	cJSON *req_doc = NULL, *root = NULL, *response = NULL;
	si_rc rc;

	memset(out, 0, sizeof(*out));
	out->allowed = true;
	si_json_arena_begin();
	rc = si_json_parse(body, len, lim, &req_doc, &err);
	if (rc == SI_ERR_NOMEM)
		goto out;
	if (rc) {
		rc = bad_request(out, "the body is not valid JSON: line %d: %s", err.line,
				 err.message);
		goto out;
	}
	const cJSON *api = member(req_doc, "apiVersion"), *kind = member(req_doc, "kind");
	cJSON *req = cJSON_GetObjectItemCaseSensitive(req_doc, "request");
	if (!cJSON_IsObject(req_doc) || !cJSON_IsString(kind) ||
	    strcmp(kind->valuestring, "AdmissionReview") != 0) {
		rc = bad_request(out, "not an AdmissionReview: kind must be AdmissionReview");
		goto out;
	}
	if (!cJSON_IsString(api) || (strcmp(api->valuestring, "admission.k8s.io/v1") != 0 &&
				     strcmp(api->valuestring, "admission.k8s.io/v1beta1") != 0)) {
		rc = bad_request(out, "unsupported apiVersion: use admission.k8s.io/v1 or v1beta1");
		goto out;
	}
	const cJSON *uid = member(req, "uid");
	if (!cJSON_IsObject(req) || !cJSON_IsString(uid) || !uid->valuestring[0]) {
		rc = bad_request(out, "not an AdmissionReview: request.uid is missing");
		goto out;
	}
	const cJSON *op = member(req, "operation"), *sub = member(req, "subResource");
	const cJSON *req_kind = member(member(req, "kind"), "kind");
	copy_string(out->uid, sizeof(out->uid), uid);
	copy_string(out->operation, sizeof(out->operation), op);
	copy_string(out->kind, sizeof(out->kind), req_kind);
	copy_string(out->namespace, sizeof(out->namespace), member(req, "namespace"));
	copy_string(out->name, sizeof(out->name), member(req, "name"));
	out->dry_run = cJSON_IsTrue(member(req, "dryRun"));
	out->mode = si_policy_mode(policy, out->namespace, path_mode);
	if (!(root = response_root(api, out->uid, &response))) {
		rc = SI_ERR_NOMEM;
		goto out;
	}

	/* What is not inspected is allowed untouched. */
	bool write = strcmp(out->operation, "CREATE") == 0 || strcmp(out->operation, "UPDATE") == 0;
	/* pods/ephemeralcontainers (kubectl debug) carries the whole Pod: it
	 * is judged like a pod, as Pod Security Admission does. Other
	 * subresources (status, scale, ...) change nothing the checks read. */
	bool subresource = cJSON_IsString(sub) && sub->valuestring[0] &&
			   !(strcmp(sub->valuestring, "ephemeralcontainers") == 0 &&
			     strcmp(out->kind, "Pod") == 0);
	if (write && strcmp(out->kind, "Namespace") == 0) {
		if (!namespace_warning(req, policy, response) ||
		    !namespace_preview(req, policy, lister, response)) {
			rc = SI_ERR_NOMEM;
			goto out;
		}
		goto answer;
	}
	if (!write || subresource || out->mode == SI_MODE_OFF ||
	    !si_workload_kind_supported(out->kind))
		goto answer;
	cJSON *obj = cJSON_GetObjectItemCaseSensitive(req, "object");
	if (!cJSON_IsObject(obj)) {
		rc = bad_request(out, "request.object is missing for %s", out->operation);
		goto out;
	}
	if (!complete_object(obj, out->kind, out->namespace)) {
		rc = SI_ERR_NOMEM;
		goto out;
	}
	rc = si_workload_from_json(obj, &w, NULL, &err);
	if (rc == SI_ERR_INVALID)        /* e.g. no pod template: nothing to check */
		goto answer;
	if (rc == SI_ERR_TYPE || rc == SI_ERR_LIMIT) {
		rc = bad_request(out, "request.object: %s", err.message);
		goto out;
	}
	if (!rc && !owners_trusted(req, &w))
		w.n_owners = 0;   /* no whitelist coverage through them */
	if (!rc && !requester_of(req, &requester))
		rc = SI_ERR_NOMEM;
	w.requester = &requester;
	if (rc || (rc = si_evaluate(&w, policy, 0, &ev, &err)))
		goto out;
	if (!out->name[0])
		snprintf(out->name, sizeof(out->name), "%s", w.name);
	out->inspected = true;
	bool same = false;
	if (strcmp(out->operation, "UPDATE") == 0 &&
	    (rc = spec_unchanged(cJSON_GetObjectItemCaseSensitive(req, "oldObject"), &w, &same)))
		goto out;
	struct si_decision d;
	si_decide(&ev, out->mode, same, &d);
	out->allowed = d.allowed;
	for (size_t i = 0; i < ev.n_results; i++)
		if (ev.results[i].status == SI_RESULT_FAILED)
			out->failed[ev.results[i].item->id] = true;
	char exemption[SI_WARNING_MAX + 1], note[SI_WARNING_MAX + 1];
	bool exempted = identity_exemptions(&ev, &requester, out, exemption, sizeof(exemption));
	/* Whoever uses a break-glass identity is told, wherever the mode
	 * speaks to the requester at all. */
	bool tell = exempted && (d.mode == SI_MODE_ENFORCE || d.mode == SI_MODE_WARN);
	if (tell)
		snprintf(note, sizeof(note), "security-inspector: checks exempted for %s", exemption);
	if ((d.deny_dangers && !add_denial(response, &w, &ev)) ||
	    ((d.warn || tell) && !add_warnings(response, &ev, d.deny_dangers, tell ? note : NULL)) ||
	    !add_audit_annotations(response, &ev, exempted ? exemption : NULL)) {
		rc = SI_ERR_NOMEM;
		goto out;
	}
answer:
	if (!cJSON_AddBoolToObject(response, "allowed", out->allowed)) {
		rc = SI_ERR_NOMEM;
		goto out;
	}
	rc = finish(out, root, 200);
	root = NULL;
out:
	cJSON_Delete(root);
	cJSON_Delete(req_doc);
	si_evaluation_clear(&ev);
	si_workload_clear(&w);
	free((void *)requester.groups);
	si_json_arena_end();
	return rc;
}

void si_admission_answer_clear(struct si_admission_answer *a)
{
	if (!a)
		return;
	free(a->body);
	a->body = NULL;
	a->body_len = 0;
}

void si_admission_log(const struct si_admission_answer *a, double latency_ms, FILE *out)
{
	struct timespec ts;
	struct tm tm;
	char when[40];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);

	cJSON *o = cJSON_CreateObject();
	char time_text[64];
	snprintf(time_text, sizeof(time_text), "%s.%03ldZ", when, ts.tv_nsec / 1000000);
	cJSON_AddStringToObject(o, "time", time_text);
	cJSON_AddStringToObject(o, "uid", a->uid);
	cJSON_AddStringToObject(o, "namespace", a->namespace);
	cJSON_AddStringToObject(o, "kind", a->kind);
	cJSON_AddStringToObject(o, "name", a->name);
	cJSON_AddStringToObject(o, "operation", a->operation);
	cJSON_AddBoolToObject(o, "dryRun", a->dry_run);
	cJSON_AddStringToObject(o, "mode", si_mode_name(a->mode));
	cJSON_AddBoolToObject(o, "allowed", a->allowed);
	cJSON *failed = cJSON_AddArrayToObject(o, "failed");
	for (size_t i = 0; i < SI_ITEM_COUNT; i++)
		if (a->failed[i])
			cJSON_AddItemToArray(failed, cJSON_CreateString(si_items[i].name));
	if (a->exempted_by[0]) {
		cJSON *ex = cJSON_AddObjectToObject(o, "exemptedBy");
		cJSON_AddStringToObject(ex, "identity", a->exempted_by);
		cJSON *items = cJSON_AddArrayToObject(ex, "checks");
		for (size_t i = 0; i < SI_ITEM_COUNT; i++)
			if (a->exempted[i])
				cJSON_AddItemToArray(items, cJSON_CreateString(si_items[i].name));
	}
	cJSON_AddNumberToObject(o, "latencyMs", (double)(long)(latency_ms * 1000) / 1000.0);
	if (a->http_status != 200)
		cJSON_AddNumberToObject(o, "httpStatus", a->http_status);
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (text) {
		fprintf(out, "%s\n", text);
		cJSON_free(text);
	}
}
