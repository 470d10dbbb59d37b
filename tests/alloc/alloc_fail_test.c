// SPDX-License-Identifier: Apache-2.0
// Allocation failure: the admission path, the manifest loader with the audit
// and its reports, the stream of objects, and the policy loader, each run
// once per allocation they make with that allocation failing, then with
// every allocation from it on failing. Every run must end in SI_ERR_NOMEM or
// in the answer of a run without failure, free all it allocated, and leave
// the next run unharmed.
//
// Usage: alloc_fail_test ADMISSION_FIXTURES_DIR EXAMPLES_DIR STREAM_DIR.
// Prints TAP.
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "admission.h"
#include "security-inspector/audit.h"
#include "security-inspector/report.h"

/* ---- The allocator ----------------------------------------------------
 * The test is linked with --wrap=malloc,calloc,realloc,strdup,free: these
 * calls made by the library's objects (and by libyaml's, when its archive is
 * linked in) come here. cJSON, a shared library, comes here through its
 * hooks: ours for the loaders, the request arena's (which calls malloc) for
 * the admission path. libc's own allocations (stdio, threads) do not.
 *
 * While `tracking`, every block is recorded until freed, so that a run can
 * be checked to leave nothing behind. While `injecting`, every allocation is
 * counted and the ones the plan names fail as malloc fails: NULL, with errno
 * set to ENOMEM. */

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
char *__real_strdup(const char *s);
void __real_free(void *p);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
char *__wrap_strdup(const char *s);
void __wrap_free(void *p);

enum plan {
	FAIL_NONE,          /* count only */
	FAIL_ONCE,          /* the target-th allocation fails */
	FAIL_FROM,          /* the target-th and every later allocation fail */
};

static const char *plan_name(enum plan p)
{
	return p == FAIL_ONCE ? "failing alone" : p == FAIL_FROM ? "failing with all after it"
								  : "no failure";
}

/* A live block. An unused slot has an old `gen`; a freed one in the
 * current generation has p == NULL and keeps probe chains whole. */
struct block {
	const void *p;
	size_t size;
	size_t rank;             /* among the counted allocations; 0: not counted */
	const void *caller;
	unsigned gen;
};

#define TABLE_BITS 17
#define TABLE_SIZE ((size_t)1 << TABLE_BITS)

static struct block table[TABLE_SIZE];

static struct {
	bool tracking, injecting;
	enum plan plan;
	size_t target;           /* 1-based rank of the first allocation to fail */
	size_t count;            /* allocations counted in this run */
	size_t failed;           /* of which made to fail */
	void *failed_at[6];      /* call chain of the first one made to fail */
	int n_failed_at;
	unsigned gen;
	size_t live, used;       /* blocks live; slots used in this generation */
	bool overflow;
} al;

static size_t slot_of(const void *p)
{
	uint64_t x = (uint64_t)(uintptr_t)p >> 4;
	return (size_t)((x * 0x9E3779B97F4A7C15ull) >> (64 - TABLE_BITS));
}

static void track(const void *p, size_t size, const void *caller)
{
	if (!al.tracking || !p)
		return;
	if (al.used >= TABLE_SIZE / 2) {
		al.overflow = true;
		return;
	}
	size_t i = slot_of(p);
	while (table[i].gen == al.gen && table[i].p)
		i = (i + 1) & (TABLE_SIZE - 1);
	if (table[i].gen != al.gen)
		al.used++;
	table[i] = (struct block){ p, size, al.injecting ? al.count : 0, caller, al.gen };
	al.live++;
}

static void untrack(const void *p)
{
	if (!al.tracking || !p)
		return;
	for (size_t i = slot_of(p); table[i].gen == al.gen; i = (i + 1) & (TABLE_SIZE - 1))
		if (table[i].p == p) {
			table[i].p = NULL;
			al.live--;
			return;
		}
	/* Not ours: made before tracking began, or by libc itself. */
}

/* Not inlined: failed_chain() skips its frame and the wrapper's. */
__attribute__((noinline))
static bool may_allocate(void)
{
	if (!al.injecting)
		return true;
	size_t n = ++al.count;
	bool fail = (al.plan == FAIL_ONCE && n == al.target) ||
		    (al.plan == FAIL_FROM && n >= al.target);
	if (!fail)
		return true;
	if (al.failed++ == 0)
		al.n_failed_at = backtrace(al.failed_at, 6);
	errno = ENOMEM;
	return false;
}

void *__wrap_malloc(size_t size)
{
	const void *caller = __builtin_return_address(0);
	if (!may_allocate())
		return NULL;
	void *p = __real_malloc(size);
	track(p, size, caller);
	return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
	const void *caller = __builtin_return_address(0);
	if (!may_allocate())
		return NULL;
	void *p = __real_calloc(n, size);
	track(p, n * size, caller);
	return p;
}

void *__wrap_realloc(void *p, size_t size)
{
	const void *caller = __builtin_return_address(0);
	if (!may_allocate())
		return NULL;   /* `p` stays allocated, as after a real failure */
	void *q = __real_realloc(p, size);
	if (q || size == 0)
		untrack(p);
	track(q, size, caller);
	return q;
}

char *__wrap_strdup(const char *s)
{
	const void *caller = __builtin_return_address(0);
	if (!may_allocate())
		return NULL;
	char *p = __real_strdup(s);
	track(p, strlen(s) + 1, caller);
	return p;
}

void __wrap_free(void *p)
{
	untrack(p);
	__real_free(p);
}

/* Counts and fails the library calls between these two. */
static void inject_begin(void)
{
	al.injecting = true;
}

static void inject_end(void)
{
	al.injecting = false;
}

/* "function+0xoffset" of a code address when its module exports the
 * function, else "module+0xoffset", for addr2line. */
static size_t where(const void *addr, char *buf, size_t size)
{
	Dl_info info;
	int n;
	if (!addr)
		n = snprintf(buf, size, "-");
	else if (dladdr(addr, &info) && info.dli_sname && info.dli_saddr)
		n = snprintf(buf, size, "%s+0x%zx", info.dli_sname,
			     (size_t)((uintptr_t)addr - (uintptr_t)info.dli_saddr));
	else if (dladdr(addr, &info) && info.dli_fbase)
		n = snprintf(buf, size, "%s+0x%zx", info.dli_fname && info.dli_fname[0] ?
			     info.dli_fname : "(program)",
			     (size_t)((uintptr_t)addr - (uintptr_t)info.dli_fbase));
	else
		n = snprintf(buf, size, "%p", addr);
	return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

/* The call chain of the first allocation made to fail, from the caller
 * of the allocator's entry point outwards. */
static const char *failed_chain(char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	/* Frame 0 is may_allocate(), frame 1 the wrapper. */
	for (int i = 2; i < al.n_failed_at && n + 1 < size; i++) {
		if (i > 2)
			n += (size_t)snprintf(buf + n, size - n, " < ");
		if (n + 1 < size)
			n += where(al.failed_at[i], buf + n, size - n);
	}
	return al.n_failed_at > 2 ? buf : "-";
}

/* ---- Paths under test -------------------------------------------------- */

enum path_kind { PATH_ADMISSION, PATH_LOADER, PATH_POLICY, PATH_STREAM };

struct path {
	enum path_kind kind;
	char name[300];
	char *data;                 /* the input; NULL: read `file` from disk */
	size_t len;
	char file[600];             /* the input's name (or path) */
	char policy_file[600];      /* a policy to apply; "" for the default */
	bool has_mode;              /* admission: the request path names a mode */
	enum si_mode mode;
	bool arena;                 /* admission: cJSON in the request arena */
};

/* What a run reports beside its answer. */
struct run {
	si_rc rc;
	char why[400];              /* a broken contract, "" when none */
};

/* Set up once per path, before any counted run. */
static struct si_policy *policy;
static char *baseline;          /* the answer of the run without failure */
static size_t baseline_len;

__attribute__((format(printf, 2, 3)))
static void breach(struct run *r, const char *fmt, ...)
{
	va_list ap;
	if (r->why[0])
		return;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
}

static void describe_answer(const struct si_admission_answer *a, FILE *out)
{
	fprintf(out, "%d uid=%s kind=%s namespace=%s name=%s operation=%s dryRun=%d "
		"inspected=%d mode=%s allowed=%d failed=", a->http_status, a->uid, a->kind,
		a->namespace, a->name, a->operation, a->dry_run, a->inspected,
		si_mode_name(a->mode), a->allowed);
	for (size_t i = 0; i < SI_ITEM_COUNT; i++)
		if (a->failed[i])
			fprintf(out, "%s,", si_items[i].name);
	fprintf(out, "\n%zu %s\n", a->body_len, a->body ? a->body : "(no body)");
}

struct admission_job {
	const struct path *p;
	FILE *out;
	struct run *r;
};

/* One webhook worker: the counted request, then the next request on the
 * same thread (and so on the arena the first one left), which must get the
 * answer of a run without failure. The thread's exit frees the arena chunk
 * it keeps between requests. */
static void *admission_worker(void *arg)
{
	struct admission_job *job = arg;
	const struct path *p = job->p;
	const enum si_mode *mode = p->has_mode ? &p->mode : NULL;
	struct si_admission_answer a;

	inject_begin();
	job->r->rc = si_admission_handle(p->data, p->len, policy, mode, &si_limits_default, &a);
	inject_end();
	if (job->r->rc == SI_OK) {
		if (!a.body || (a.http_status != 200 && a.http_status != 400))
			breach(job->r, "SI_OK with HTTP status %d and %s", a.http_status,
			       a.body ? "a body" : "no body");
		describe_answer(&a, job->out);
	} else if (a.body) {
		breach(job->r, "%s with a body", si_rc_name(job->r->rc));
	}
	si_admission_answer_clear(&a);
	if (!baseline)
		return NULL;

	char *next = NULL;
	size_t next_len = 0;
	FILE *out = open_memstream(&next, &next_len);
	if (!out) {
		breach(job->r, "open_memstream failed");
		return NULL;
	}
	si_rc rc = si_admission_handle(p->data, p->len, policy, mode, &si_limits_default, &a);
	if (rc == SI_OK)
		describe_answer(&a, out);
	si_admission_answer_clear(&a);
	fclose(out);
	if (rc != SI_OK || next_len != baseline_len || memcmp(next, baseline, next_len) != 0)
		breach(job->r, "the next request on the same thread got another answer (%s)",
		       si_rc_name(rc));
	free(next);
	return NULL;
}

static void run_admission(const struct path *p, FILE *out, struct run *r)
{
	struct admission_job job = { p, out, r };
	pthread_t t;
	if (pthread_create(&t, NULL, admission_worker, &job) != 0) {
		r->rc = SI_ERR_NOMEM;
		breach(r, "cannot start a thread");
		return;
	}
	pthread_join(t, NULL);
}

/* The reports of one loader run, fed at once as the audit hands over each
 * workload. */
#define N_REPORTS 5
struct reports {
	struct si_report *r[N_REPORTS];
};

static si_rc reports_entry(const struct si_audit_entry *e, void *ctx, struct si_error *err)
{
	struct reports *rs = ctx;
	for (int i = 0; i < N_REPORTS && rs->r[i]; i++) {
		si_rc rc = si_report_entry(rs->r[i], e, err);
		if (rc)
			return rc;
	}
	return SI_OK;
}

/* Manifests -> audit -> the JSON report (whole, then failures only), the
 * text report, the HTML report and (files read from disk) the PolicyReports,
 * as `security-inspector audit` writes them. */
static void run_loader(const struct path *p, FILE *out, struct run *r)
{
	const struct si_report_options all = { 0 }, failed = { .failed_only = true };
	static struct si_input unset;
	struct si_input *in = &unset;   /* a failure must reset it */
	struct si_error err = { 0 };
	struct si_audit a;

	si_audit_init(&a, policy, NULL);
	inject_begin();
	r->rc = p->data ? si_input_parse(p->file, p->data, p->len, &si_limits_default, &in, &err)
			: si_input_read(p->file, &si_limits_default, &in, &err);
	if (r->rc) {
		inject_end();
		if (in)
			breach(r, "%s left the input set", si_rc_name(r->rc));
		if (err.code != r->rc)
			breach(r, "%s with error detail of %s", si_rc_name(r->rc),
			       si_rc_name(err.code));
		return;
	}
	struct reports rs = { { NULL } };
	if ((r->rc = si_report_open(SI_REPORT_JSON, &all, out, &rs.r[0], &err)) == SI_OK &&
	    (r->rc = si_report_open(SI_REPORT_JSON, &failed, out, &rs.r[1], &err)) == SI_OK &&
	    (r->rc = si_report_open(SI_REPORT_TEXT, &all, out, &rs.r[2], &err)) == SI_OK &&
	    (r->rc = si_report_open(SI_REPORT_HTML, &all, out, &rs.r[3], &err)) == SI_OK &&
	    /* PolicyReports (each result parsed back and emitted as YAML: many
	     * allocations a run) for the files read from disk alone, to keep
	     * the runs, one per allocation, within time. */
	    (p->data || (r->rc = si_report_open(SI_REPORT_POLICYREPORT, &all, out, &rs.r[4],
						 &err)) == SI_OK)) {
		a.on_entry = reports_entry;
		a.ctx = &rs;
		if ((r->rc = si_audit_inspect(&a, in, &err)) == SI_OK)
			r->rc = si_audit_finish(&a);
		for (int i = 0; !r->rc && i < N_REPORTS && rs.r[i]; i++)
			r->rc = si_report_finish(rs.r[i], &a, &err);
	}
	for (int i = 0; i < N_REPORTS; i++)
		si_report_free(rs.r[i]);
	si_input_free(in);
	inject_end();
	si_audit_free(&a);
}

/* A file read as a stream of objects: each object printed with its line
 * and where it was written, and each error of the stream (but running out
 * of memory) as part of the answer. */
static void run_stream(const struct path *p, FILE *out, struct run *r)
{
	struct si_stream *s = NULL;
	struct si_input *in = NULL;
	struct si_error err = { 0 };
	si_rc rc;

	inject_begin();
	r->rc = si_stream_open(p->file, &si_limits_default, &s, &err);
	while (r->rc == SI_OK && ((rc = si_stream_next(s, &in, &err)) != SI_OK || in)) {
		if (rc == SI_ERR_NOMEM || (rc && err.code != rc)) {
			r->rc = rc;
			if (err.code != rc)
				breach(r, "%s with error detail of %s", si_rc_name(rc),
				       si_rc_name(err.code));
		} else if (rc) {
			fprintf(out, "%s %d\n", si_rc_name(rc), err.line);
		} else {
			char *text = cJSON_PrintUnformatted(in->objects[0].json);
			if (!text)
				r->rc = SI_ERR_NOMEM;
			else
				fprintf(out, "%d %s:%d %s\n", in->objects[0].line,
					si_object_path(in, &in->objects[0]),
					si_object_line(in, &in->objects[0], NULL), text);
			cJSON_free(text);
			si_input_free(in);
		}
	}
	si_stream_close(s);
	inject_end();
}

static void put_strings(FILE *out, const char *name, const struct si_strings *s)
{
	fprintf(out, " %s=[", name);
	for (size_t i = 0; i < s->n; i++)
		fprintf(out, "%s\"%s\"", i ? "," : "", s->items[i]);
	fputc(']', out);
}

/* Everything a policy holds, one line per rule and whitelist entry. */
static void describe_policy(const struct si_policy *pol, FILE *out)
{
	fprintf(out, "mode=%s exemptions=%d", si_mode_name(pol->mode),
		pol->allow_annotation_exemptions);
	put_strings(out, "allowedCapabilities", &pol->allowed_caps);
	for (size_t i = 0; i < SI_ITEM_COUNT; i++)
		fprintf(out, " %s=%s", si_items[i].name, si_severity_name(pol->severity[i]));
	for (size_t i = 0; i < pol->n_rules; i++) {
		const struct si_ns_rule *rule = &pol->rules[i];
		fprintf(out, "\nrule at %d:", rule->line);
		put_strings(out, "names", &rule->names);
		if (rule->has_mode)
			fprintf(out, " mode=%s", si_mode_name(rule->mode));
		for (size_t k = 0; k < SI_ITEM_COUNT; k++)
			if (rule->has_severity[k])
				fprintf(out, " %s=%s", si_items[k].name,
					si_severity_name(rule->severity[k]));
	}
	for (size_t i = 0; i < pol->n_whitelist; i++) {
		const struct si_whitelist_entry *e = &pol->whitelist[i];
		fprintf(out, "\nwhitelist at %d:", e->line);
		put_strings(out, "namespaces", &e->namespaces);
		put_strings(out, "kinds", &e->kinds);
		put_strings(out, "names", &e->names);
		put_strings(out, "containers", &e->containers);
		fputs(e->any_check ? " checks=any" : " checks=", out);
		for (size_t k = 0; !e->any_check && k < SI_ITEM_COUNT; k++)
			if (e->checks[k])
				fprintf(out, "%s,", si_items[k].name);
		fprintf(out, " reason=\"%s\"", e->reason ? e->reason : "(null)");
	}
	fputc('\n', out);
}

static void run_policy(const struct path *p, FILE *out, struct run *r)
{
	static struct si_policy unset;
	struct si_policy *pol = &unset;   /* a failure must reset it */
	struct si_error err = { 0 };

	inject_begin();
	r->rc = si_policy_parse(p->file, p->data, p->len, &pol, &err);
	inject_end();
	if (r->rc == SI_OK) {
		describe_policy(pol, out);
	} else {
		if (pol)
			breach(r, "%s left the policy set", si_rc_name(r->rc));
		if (err.code != r->rc)
			breach(r, "%s with error detail of %s", si_rc_name(r->rc),
			       si_rc_name(err.code));
		pol = NULL;
	}
	si_policy_free(pol);
}

/* ---- One path, every allocation ----------------------------------------- */

/* Shared with the parent, which reports a child that crashed. */
struct tally {
	size_t allocations;         /* made by a run without failure */
	size_t runs, nomem, unaffected, bad;
	enum plan plan;             /* the run in progress */
	size_t target;
	bool done;
	char problems[3][600];
	size_t n_problems;
};

__attribute__((format(printf, 2, 3)))
static void problem(struct tally *t, const char *fmt, ...)
{
	char what[400], at[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (t->n_problems == sizeof(t->problems) / sizeof(t->problems[0]))
		return;
	if (t->plan == FAIL_NONE)
		snprintf(t->problems[t->n_problems++], sizeof(t->problems[0]),
			 "the run without failure: %s", what);
	else
		snprintf(t->problems[t->n_problems++], sizeof(t->problems[0]),
			 "allocation #%zu %s (made at %s): %s", t->target, plan_name(t->plan),
			 failed_chain(at, sizeof(at)), what);
}

/* Lists up to four blocks left live by the run. */
static void leaks(char *buf, size_t size)
{
	size_t n = 0, shown = 0;
	char at[200];
	n += (size_t)snprintf(buf, size, "%zu block%s never freed:", al.live,
			      al.live == 1 ? "" : "s");
	for (size_t i = 0; i < TABLE_SIZE && shown < 4 && n < size; i++) {
		const struct block *b = &table[i];
		if (b->gen != al.gen || !b->p)
			continue;
		shown++;
		where(b->caller, at, sizeof(at));
		if (b->rank)
			n += (size_t)snprintf(buf + n, size - n, " #%zu (%zu bytes from %s)",
					      b->rank, b->size, at);
		else
			n += (size_t)snprintf(buf + n, size - n, " %zu bytes from %s after the run",
					      b->size, at);
	}
}

/* Runs `p` once under `plan`; false when the run made fewer than `target`
 * allocations, so that no failure was injected. */
static bool run_once(const struct path *p, enum plan plan, size_t target, struct tally *t)
{
	struct run r = { SI_OK, "" };
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	t->plan = plan;
	t->target = target;
	if (!out) {
		problem(t, "open_memstream failed");
		t->bad++;
		return false;
	}
	al.plan = plan;
	al.target = target;
	al.count = al.failed = 0;
	al.n_failed_at = 0;
	al.gen++;
	al.live = al.used = 0;
	al.overflow = false;
	al.tracking = true;
	switch (p->kind) {
	case PATH_ADMISSION: run_admission(p, out, &r); break;
	case PATH_LOADER: run_loader(p, out, &r); break;
	case PATH_POLICY: run_policy(p, out, &r); break;
	case PATH_STREAM: run_stream(p, out, &r); break;
	}
	al.tracking = false;
	fclose(out);

	bool reached = al.failed > 0, same = baseline && len == baseline_len &&
		       memcmp(text, baseline, len) == 0;
	char what[400] = "";
	if (plan == FAIL_NONE)
		t->allocations = al.count;
	if (al.overflow)
		snprintf(what, sizeof(what), "more blocks than the tracker holds");
	else if (al.live)
		leaks(what, sizeof(what));
	else if (r.why[0])
		snprintf(what, sizeof(what), "%s", r.why);
	else if (r.rc != SI_OK && r.rc != SI_ERR_NOMEM)
		snprintf(what, sizeof(what), "returned %s", si_rc_name(r.rc));
	else if (r.rc == SI_ERR_NOMEM && !reached)
		snprintf(what, sizeof(what), "SI_ERR_NOMEM with no allocation failing");
	else if (r.rc == SI_OK && baseline && !same)
		snprintf(what, sizeof(what), "SI_OK with another answer than a run without failure");
	if (what[0]) {
		problem(t, "%s", what);
		t->bad++;
	}
	if (plan == FAIL_NONE && r.rc == SI_OK) {
		baseline = text;
		baseline_len = len;
		text = NULL;
	}
	free(text);
	t->runs++;
	t->nomem += r.rc == SI_ERR_NOMEM;
	t->unaffected += reached && r.rc == SI_OK;
	return reached;
}

static void load_policy(const char *file)
{
	struct si_error err = { 0 };
	char buf[800];
	si_rc rc = file[0] ? si_policy_load(file, &policy, &err) : si_policy_default(&policy, &err);
	if (rc) {
		fprintf(stderr, "%s\n", si_error_format(&err, buf, sizeof(buf)));
		_exit(2);
	}
}

/* The child's work: a run without failure, then every allocation failing
 * alone, then every allocation failing with all after it. */
static void exercise(const struct path *p, struct tally *t)
{
	cJSON_Hooks counted = { __wrap_malloc, __wrap_free };

	if (p->arena)
		si_json_arena_init();   /* as the server does, before any thread */
	else
		cJSON_InitHooks(&counted);
	if (p->kind != PATH_POLICY)
		load_policy(p->policy_file);
	static const enum plan plans[] = { FAIL_ONCE, FAIL_FROM };
	run_once(p, FAIL_NONE, 0, t);
	for (size_t k = 0; baseline && k < 2; k++)
		for (size_t n = 1; run_once(p, plans[k], n, t); n++)
			if (n > t->allocations) {
				problem(t, "more allocations than the run without failure made");
				t->bad++;
				break;
			}
	si_policy_free(policy);
	free(baseline);
	t->done = true;
}

static int tests;

static void check_path(const struct path *p)
{
	struct tally *t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (t == MAP_FAILED) {
		printf("not ok %d - %s: mmap failed\n", ++tests, p->name);
		return;
	}
	memset(t, 0, sizeof(*t));
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid == 0) {
		exercise(p, t);
		_exit(0);
	}
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		printf("not ok %d - %s: cannot run a child\n", ++tests, p->name);
		munmap(t, sizeof(*t));
		return;
	}
	bool crashed = !t->done || !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	char run[120];
	if (t->plan == FAIL_NONE)
		snprintf(run, sizeof(run), "the run without failure");
	else
		snprintf(run, sizeof(run), "the run with allocation #%zu %s", t->target,
			 plan_name(t->plan));
	if (crashed && WIFSIGNALED(status))
		printf("not ok %d - %s: crashed (signal %d) in %s\n", ++tests, p->name,
		       WTERMSIG(status), run);
	else if (crashed)
		printf("not ok %d - %s: stopped (exit status %d) in %s\n", ++tests, p->name,
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1, run);
	else if (t->bad)
		printf("not ok %d - %s: %zu allocations, %zu of %zu runs not clean\n", ++tests,
		       p->name, t->allocations, t->bad, t->runs);
	else if (t->allocations == 0)
		printf("not ok %d - %s: no allocation reached the failing allocator\n", ++tests,
		       p->name);
	else
		printf("ok %d - %s: %zu allocations, each failing alone and with all after it: "
		       "%zu runs clean (%zu out of memory, %zu unaffected)\n", ++tests, p->name,
		       t->allocations, t->runs, t->nomem, t->unaffected);
	for (size_t i = 0; i < t->n_problems; i++)
		printf("# %s\n", t->problems[i]);
	if (t->bad > t->n_problems)
		printf("# ... and %zu more\n", t->bad - t->n_problems);
	munmap(t, sizeof(*t));
}

/* ---- Inputs --------------------------------------------------------------- */

static char *slurp(const char *file, size_t *len)
{
	FILE *f = fopen(file, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0;
	FILE *out = open_memstream(&buf, &cap);
	char chunk[4096];
	size_t got;
	while (out && (got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, got, out);
	fclose(f);
	if (!out)
		return NULL;
	fclose(out);
	*len = cap;
	return buf;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Every tests/fixtures/admission/<case>/request.json, with the case's
 * path-mode and policy.yaml when present: cJSON in the request arena, as
 * the server runs, where the allocations are the arena's chunks and the
 * library's own; then cJSON on plain allocations, as `review` runs, where
 * each JSON value made can fail. */
static void admission_fixtures(const char *dir, bool arena)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, by_name);
	if (n < 0) {
		printf("not ok %d - admission fixtures: cannot read %s\n", ++tests, dir);
		return;
	}
	for (int i = 0; i < n; i++) {
		struct path p = { .kind = PATH_ADMISSION, .arena = arena };
		char file[700];
		size_t len;
		snprintf(file, sizeof(file), "%s/%s/request.json", dir, names[i]->d_name);
		if (names[i]->d_name[0] != '.' && (p.data = slurp(file, &p.len))) {
			snprintf(p.name, sizeof(p.name), "admission %s %s", names[i]->d_name,
				 arena ? "(request arena)" : "(no arena)");
			snprintf(file, sizeof(file), "%s/%s/path-mode", dir, names[i]->d_name);
			char *mode = slurp(file, &len);
			if (mode) {
				mode[strcspn(mode, "\r\n")] = '\0';
				p.has_mode = si_mode_parse(mode, &p.mode);
				free(mode);
			}
			snprintf(file, sizeof(file), "%s/%s/policy.yaml", dir, names[i]->d_name);
			if (access(file, R_OK) == 0)
				snprintf(p.policy_file, sizeof(p.policy_file), "%s", file);
			check_path(&p);
			free(p.data);
		}
		free(names[i]);
	}
	free(names);
}

/* An AdmissionReview bigger than an arena chunk: a long annotation (one
 * value over a chunk), labels with more keys than are compared pairwise,
 * and enough failing containers for the warnings to be cut. */
static void admission_large(bool arena)
{
	struct path p = { .kind = PATH_ADMISSION, .has_mode = true, .mode = SI_MODE_ENFORCE,
			  .arena = arena };
	FILE *out = open_memstream(&p.data, &p.len);
	if (!out)
		return;
	fputs("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
	      "\"request\":{\"uid\":\"large\",\"kind\":{\"group\":\"\",\"version\":\"v1\","
	      "\"kind\":\"Pod\"},\"namespace\":\"shop\",\"operation\":\"CREATE\","
	      "\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{"
	      "\"name\":\"large\",\"labels\":{", out);
	for (int i = 0; i < 24; i++)
		fprintf(out, "%s\"label-%02d\":\"value-%d\"", i ? "," : "", i, i);
	fputs("},\"annotations\":{\"note\":\"", out);
	for (int i = 0; i < 96 * 1024; i++)
		fputc('a' + i % 26, out);
	fputs("\"}},\"spec\":{\"hostNetwork\":true,\"containers\":[", out);
	for (int i = 0; i < 60; i++)
		fprintf(out, "%s{\"name\":\"container-with-a-rather-long-name-%02d\","
			"\"image\":\"registry.example/app\",\"securityContext\":"
			"{\"privileged\":true,\"capabilities\":{\"add\":[\"SYS_ADMIN\"]}},"
			"\"ports\":[{\"containerPort\":80,\"hostPort\":%d}]}",
			i ? "," : "", i, 8000 + i);
	fputs("]}}}}", out);
	fclose(out);
	snprintf(p.name, sizeof(p.name), "admission large-request-over-one-arena-chunk %s",
		 arena ? "(request arena)" : "(no arena)");
	check_path(&p);
	free(p.data);
}

/* Several documents: anchors, aliases and merge keys; a List with a
 * binding; a skipped kind; a field of the wrong type (an input error); a
 * workload the example policy whitelists. */
static const char manifests_yaml[] =
	"# anchors, merge keys, a List, a skipped kind and an input error\n"
	"apiVersion: apps/v1\n"
	"kind: Deployment\n"
	"metadata:\n"
	"  name: web\n"
	"  namespace: prod-shop\n"
	"  labels: &labels {app: web, tier: front}\n"
	"spec:\n"
	"  selector:\n"
	"    matchLabels: *labels\n"
	"  template:\n"
	"    metadata:\n"
	"      labels: *labels\n"
	"    spec:\n"
	"      containers:\n"
	"        - &app\n"
	"          name: app\n"
	"          image: registry.example/web:1.4\n"
	"          securityContext: &hardened\n"
	"            runAsNonRoot: true\n"
	"            allowPrivilegeEscalation: false\n"
	"            readOnlyRootFilesystem: true\n"
	"          resources: &resources\n"
	"            requests: {cpu: 100m, memory: 64Mi}\n"
	"            limits: {cpu: 200m, memory: 128Mi}\n"
	"        - <<: *app\n"
	"          name: sidecar\n"
	"          image: busybox\n"
	"          securityContext:\n"
	"            <<: *hardened\n"
	"            privileged: true\n"
	"      initContainers:\n"
	"        - <<: [*app]\n"
	"          name: init\n"
	"          restartPolicy: Always\n"
	"          resources: *resources\n"
	"---\n"
	"apiVersion: v1\n"
	"kind: List\n"
	"items:\n"
	"  - apiVersion: v1\n"
	"    kind: Pod\n"
	"    metadata: {name: debug, namespace: tools}\n"
	"    spec:\n"
	"      hostNetwork: true\n"
	"      containers:\n"
	"        - name: shell\n"
	"          image: busybox\n"
	"          securityContext: {capabilities: {add: [NET_ADMIN, CAP_SYS_TIME]}}\n"
	"          ports: [{containerPort: 80, hostPort: 8080}]\n"
	"  - apiVersion: rbac.authorization.k8s.io/v1\n"
	"    kind: RoleBinding\n"
	"    metadata: {name: open, namespace: tools}\n"
	"    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}\n"
	"    subjects:\n"
	"      - {kind: User, name: \"system:anonymous\"}\n"
	"      - {kind: Group, name: devs}\n"
	"---\n"
	"apiVersion: v1\n"
	"kind: ConfigMap\n"
	"metadata: {name: settings, namespace: shop}\n"
	"data: {mode: \"on\"}\n"
	"---\n"
	"apiVersion: batch/v1\n"
	"kind: CronJob\n"
	"metadata: {name: nightly, namespace: dev-tools}\n"
	"spec:\n"
	"  schedule: \"0 3 * * *\"\n"
	"  jobTemplate:\n"
	"    spec:\n"
	"      template:\n"
	"        spec:\n"
	"          restartPolicy: Never\n"
	"          containers:\n"
	"            - name: job\n"
	"              image: ghcr.io/example/job:0x1F\n"
	"---\n"
	"apiVersion: apps/v1\n"
	"kind: DaemonSet\n"
	"metadata: {name: node-agent, namespace: monitoring}\n"
	"spec:\n"
	"  template:\n"
	"    spec:\n"
	"      hostNetwork: true\n"
	"      hostPID: true\n"
	"      containers:\n"
	"        - {name: agent, image: \"registry.example/agent:2.0\"}\n"
	"---\n"
	"apiVersion: v1\n"
	"kind: Pod\n"
	"metadata: {name: typo, namespace: shop}\n"
	"spec:\n"
	"  containers:\n"
	"    - name: app\n"
	"      image: nginx:1.25\n"
	"      securityContext: {privileged: \"yes\"}\n";

/* As `kubectl get -o json` writes: a List whose objects carry many keys
 * (more than are compared pairwise), with a typed PodList inside whose
 * items leave out their kind. */
static const char list_json[] =
	"{\n"
	"  \"apiVersion\": \"v1\",\n"
	"  \"kind\": \"List\",\n"
	"  \"metadata\": {\"resourceVersion\": \"\"},\n"
	"  \"items\": [\n"
	"    {\n"
	"      \"apiVersion\": \"apps/v1\",\n"
	"      \"kind\": \"Deployment\",\n"
	"      \"metadata\": {\n"
	"        \"name\": \"api\", \"namespace\": \"shop\",\n"
	"        \"labels\": {\"a\": \"1\", \"b\": \"2\", \"c\": \"3\", \"d\": \"4\", \"e\": \"5\",\n"
	"          \"f\": \"6\", \"g\": \"7\", \"h\": \"8\", \"i\": \"9\", \"j\": \"10\", \"k\": \"11\",\n"
	"          \"l\": \"12\", \"m\": \"13\", \"n\": \"14\", \"o\": \"15\", \"p\": \"16\", \"q\": \"17\",\n"
	"          \"r\": \"18\"},\n"
	"        \"ownerReferences\": [{\"kind\": \"Operator\", \"name\": \"api-operator\"}]\n"
	"      },\n"
	"      \"spec\": {\"template\": {\"spec\": {\n"
	"        \"hostPID\": true,\n"
	"        \"containers\": [\n"
	"          {\"name\": \"api\", \"image\": \"registry.example/api:2.1\",\n"
	"           \"securityContext\": {\"runAsUser\": 0},\n"
	"           \"readinessProbe\": {\"httpGet\": {\"path\": \"/ready\", \"port\": 8080}},\n"
	"           \"resources\": {\"requests\": {\"cpu\": 0.5, \"memory\": \"1Gi\"}}},\n"
	"          {\"name\": \"cache\", \"image\": \"redis\"}\n"
	"        ],\n"
	"        \"ephemeralContainers\": [{\"name\": \"dbg\", \"image\": \"busybox:1\"}]\n"
	"      }}}\n"
	"    },\n"
	"    {\n"
	"      \"apiVersion\": \"v1\",\n"
	"      \"kind\": \"PodList\",\n"
	"      \"items\": [\n"
	"        {\"apiVersion\": \"v1\", \"metadata\": {\"name\": \"p1\", \"namespace\": \"dev-a\"},\n"
	"         \"spec\": {\"containers\": [{\"name\": \"c\", \"image\": \"nginx:1.25\"}]}},\n"
	"        {\"apiVersion\": \"v1\", \"metadata\": {\"generateName\": \"p-\", \"ownerReferences\":\n"
	"          [{\"kind\": \"Job\", \"name\": \"batch\"}]},\n"
	"         \"spec\": {\"containers\": [{\"name\": \"c\", \"image\": \"nginx\"}]}}\n"
	"      ]\n"
	"    },\n"
	"    {\"apiVersion\": \"v1\", \"kind\": \"Service\", \"metadata\": {\"name\": \"api\"}}\n"
	"  ]\n"
	"}\n";

/* Flow-style YAML that starts as JSON does: the JSON parser fails first,
 * then the YAML loader reads it. */
static const char flow_yaml[] =
	"{kind: Pod, apiVersion: v1, metadata: {name: flow, namespace: shop},\n"
	" spec: {containers: [{name: a, image: nginx, securityContext: {privileged: yes}}]}}\n";

/* A bare array of objects, as some tools write. */
static const char array_json[] =
	"[{\"kind\": \"Pod\", \"metadata\": {\"name\": \"one\"},\n"
	"  \"spec\": {\"containers\": [{\"name\": \"a\", \"image\": \"a:1\"}]}},\n"
	" {\"kind\": \"ClusterRoleBinding\", \"metadata\": {\"name\": \"system:public-info-viewer\"},\n"
	"  \"subjects\": [{\"kind\": \"Group\", \"name\": \"system:unauthenticated\"}]}]\n";

static void loader_inline(const char *name, const char *text, const char *policy_file)
{
	struct path p = { .kind = PATH_LOADER, .data = (char *)text, .len = strlen(text) };
	snprintf(p.name, sizeof(p.name), "loader and audit %s", name);
	snprintf(p.file, sizeof(p.file), "%s", name);
	snprintf(p.policy_file, sizeof(p.policy_file), "%s", policy_file);
	check_path(&p);
}

/* Every file of `dir`, read from disk: through the loader and the audit,
 * or (`kind` PATH_STREAM) as a stream of objects. */
static void loader_files(enum path_kind kind, const char *dir, const char *policy_file)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, by_name);
	if (n < 0) {
		printf("not ok %d - loader: cannot read %s\n", ++tests, dir);
		return;
	}
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			struct path p = { .kind = kind };
			snprintf(p.name, sizeof(p.name), "%s %s (read from disk)",
				 kind == PATH_STREAM ? "stream of objects" : "loader and audit",
				 names[i]->d_name);
			snprintf(p.file, sizeof(p.file), "%s/%s", dir, names[i]->d_name);
			snprintf(p.policy_file, sizeof(p.policy_file), "%s", policy_file);
			check_path(&p);
		}
		free(names[i]);
	}
	free(names);
}

static void policy_case(const char *name, const char *file, char *data, size_t len)
{
	struct path p = { .kind = PATH_POLICY, .data = data, .len = len };
	snprintf(p.name, sizeof(p.name), "policy %s", name);
	snprintf(p.file, sizeof(p.file), "%s", file);
	check_path(&p);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s ADMISSION_FIXTURES_DIR EXAMPLES_DIR STREAM_DIR\n",
			argv[0]);
		return 2;
	}
	char example_policy[600], manifests[600];
	snprintf(example_policy, sizeof(example_policy), "%s/policy.yaml", argv[2]);
	snprintf(manifests, sizeof(manifests), "%s/manifests", argv[2]);

	size_t len = 0;
	char *data = slurp(example_policy, &len);
	if (data)
		policy_case("examples/policy.yaml", example_policy, data, len);
	else
		printf("not ok %d - policy: cannot read %s\n", ++tests, example_policy);
	free(data);
	policy_case("(default policy)", "(default policy)", (char *)si_policy_default_yaml,
		    strlen(si_policy_default_yaml));

	loader_inline("multi-document.yaml", manifests_yaml, example_policy);
	loader_inline("kubectl-list.json", list_json, example_policy);
	loader_inline("flow-style.yaml", flow_yaml, "");
	loader_inline("bare-array.json", array_json, "");
	loader_files(PATH_LOADER, manifests, example_policy);
	loader_files(PATH_STREAM, manifests, "");
	loader_files(PATH_STREAM, argv[3], "");

	admission_fixtures(argv[1], true);
	admission_large(true);
	admission_fixtures(argv[1], false);
	admission_large(false);

	printf("1..%d\n", tests);
	return 0;
}
