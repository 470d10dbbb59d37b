// SPDX-License-Identifier: Apache-2.0
// A file or stdin -> Kubernetes objects one at a time, in memory bounded by
// the largest object: YAML through the YAML reader, a JSON List item by item
// through a scanner that finds each item's text for the JSON parser.
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "document_internal.h"
#include "security-inspector/utf8.h"

#define CHUNK (64u * 1024)

/* Where the JSON reader is. */
enum json_state {
	J_START,                    /* before the top-level value */
	J_ITEMS,                    /* in the items of a List, or of a bare list */
	J_TRAILER,                  /* at a List's keys after its items */
	J_REST,                     /* at a member value of a refused top-level
				     * object: skipped, with the members after */
	J_AFTER,                    /* after the top-level value */
	J_END,
};

/* An object as read, before it is made into inputs. */
struct built {
	cJSON *root;
	struct si_linemap *lines;
	int line;
	unsigned depth;             /* of Lists: 0 for a document, 1 for an item */
	const char *list_kind;      /* an item's List kind, when known */
	const char *source;         /* its document's "# Source: " path, or NULL */
	int source_line;
};

struct si_stream {
	char *path;                 /* "<stdin>" for "-" */
	struct si_limits lim;       /* the caller's, without the input bounds */
	size_t chunk, max_object;
	int fd;
	bool own_fd, json, done;
	/* The window: buf[0, len) holds bytes of the input from offset `base`
	 * on; reading is at `pos`. Bytes before `keep` may be dropped to make
	 * room, but none while `replay`: JSON that fails before its first
	 * object is read again from the start as flow-style YAML. */
	char *buf;
	size_t cap, len, pos, keep;
	uint64_t base;
	bool eof, replay;
	bool over;                  /* the kept text passed max_object: dropped */
	int past;                   /* where the value being read went over a
				     * limit of `lim`, or 0 */
	bool past_depth;            /* that limit was the depth */
	si_rc read_rc;              /* a read error (or one libyaml cannot go on
				     * after), with its detail */
	struct si_error read_err;
	/* Byte `counted` of the input is on line `line`, which starts at byte
	 * `line_start`. */
	uint64_t counted, line_start;
	int line;
	/* YAML */
	struct si_yaml_reader *yaml;
	size_t checked;             /* buf[pos, checked) is known to be UTF-8 */
	bool utf16;
	/* JSON */
	enum json_state state;
	bool list;                  /* the items are a List's, not a bare list's */
	bool first;                 /* no item read yet */
	int list_line, trailer_line;
	cJSON *head;                /* the List's keys before its items */
	const char *list_kind;      /* head's kind, when a List kind */
	struct si_error json_err;   /* why JSON failed, while YAML is tried */
	bool json_failed;
	/* Inputs made and not yet handed out; objects of a List held whole. */
	struct si_input **queue;
	size_t n_queue, next_queue, cap_queue;
};

/* ---- the window --------------------------------------------------------- */

/* Counts the lines of the input up to buf[off]: s->line is then its line.
 * Offsets only move forward. */
static void count_to(struct si_stream *s, size_t off)
{
	if (s->base + off <= s->counted)
		return;
	const char *p = s->buf + (s->counted - s->base), *end = s->buf + off;
	while ((p = memchr(p, '\n', (size_t)(end - p)))) {
		s->line++;
		p++;
		s->line_start = s->base + (uint64_t)(p - s->buf);
	}
	s->counted = s->base + off;
}

static int line_at(struct si_stream *s, size_t off)
{
	count_to(s, off);
	return s->line;
}

/* Reads the next chunk of the input into the window, first dropping the
 * bytes before `keep` when room is needed. False at the end of the input or
 * on an error (s->read_rc). */
static bool fill(struct si_stream *s)
{
	if (s->eof || s->read_rc)
		return false;
	size_t drop = s->replay ? 0 : s->keep;
	if (s->cap - s->len < s->chunk && drop > 0) {
		count_to(s, drop);
		memmove(s->buf, s->buf + drop, s->len - drop);
		s->len -= drop;
		s->pos -= drop;
		s->keep -= drop;
		s->checked = s->checked > drop ? s->checked - drop : 0;
		s->base += drop;
	}
	if (s->cap - s->len < s->chunk) {
		size_t cap = s->cap * 2 > s->len + s->chunk ? s->cap * 2 : s->len + s->chunk;
		char *buf = realloc(s->buf, cap);
		if (!buf) {
			s->read_rc = si_error_set(&s->read_err, SI_ERR_NOMEM, s->path, 0,
						  "out of memory");
			return false;
		}
		s->buf = buf;
		s->cap = cap;
	}
	ssize_t got;
	do
		got = read(s->fd, s->buf + s->len, s->chunk);
	while (got < 0 && errno == EINTR);
	if (got < 0) {
		s->read_rc = si_error_set(&s->read_err, SI_ERR_IO, s->path, 0,
					  "cannot read: %s", strerror(errno));
		return false;
	}
	s->eof = got == 0;
	s->len += (size_t)got;
	return got > 0;
}

/* ---- YAML --------------------------------------------------------------- */

/* libyaml's read handler: the bytes of the window that are UTF-8 (utf8.h's
 * rule, checked here to name the line and column of a bad byte). */
static int yaml_read(void *ctx, unsigned char *out, size_t size, size_t *got)
{
	struct si_stream *s = ctx;
	int line;

	*got = 0;
	/* libyaml holds a scalar whole until it ends: one that would pass
	 * the object limit ends the stream, as libyaml cannot skip it. */
	if (si_yaml_reader_gap(s->yaml, &line) > s->max_object) {
		s->read_rc = si_error_set(&s->read_err, SI_ERR_LIMIT, s->path, line,
					  "a value or comment of more than %zu characters; "
					  "the rest of the input is not read", s->max_object);
		return 0;
	}
	s->keep = s->pos;
	if (s->checked == s->pos) {
		/* Four bytes hold any character whole. */
		while (s->len - s->pos < 4 && fill(s))
			;
		if (s->read_rc)
			return 0;
		size_t n = s->len - s->pos;
		size_t ok = s->utf16 ? n : si_utf8_prefix(s->buf + s->pos, n);
		if (n > 0 && ok == 0) {
			int l = line_at(s, s->pos);
			s->read_rc = si_yaml_utf8_error(s->path, l,
							(size_t)(s->base + s->pos - s->line_start) + 1,
							(unsigned char)s->buf[s->pos], &s->read_err);
			return 0;
		}
		s->checked = s->pos + ok;
	}
	size_t n = s->checked - s->pos < size ? s->checked - s->pos : size;
	memcpy(out, s->buf + s->pos, n);
	s->pos += n;
	*got = n;
	return 1;
}

/* Reads the input as YAML from its start, which the window holds. */
static si_rc start_yaml(struct si_stream *s, struct si_error *err)
{
	while (s->len < 2 && fill(s))   /* enough for a byte order mark */
		;
	const unsigned char *u = (const unsigned char *)s->buf;
	s->json = false;
	s->replay = false;
	s->pos = s->keep = s->checked = 0;
	s->counted = s->line_start = 0;
	s->line = 1;
	/* libyaml decodes UTF-16 itself, as si_input_parse() lets it. */
	s->utf16 = s->len >= 2 && ((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff));
	return si_yaml_reader_new(s->path, &s->lim, true, s->max_object, NULL, 0, yaml_read, s,
				  &s->yaml, err);
}

static si_rc yaml_next(struct si_stream *s, struct built *out, struct si_error *err)
{
	struct si_yaml_object obj;
	struct si_linemap *lines = si_linemap_new();
	if (!lines)
		return si_error_set(err, SI_ERR_NOMEM, s->path, 0, "out of memory");
	si_rc rc = si_yaml_reader_next(s->yaml, lines, &obj, err);
	out->line = obj.line;
	if (rc || !obj.root) {
		si_linemap_free(lines);
		return rc;
	}
	*out = (struct built){ obj.root, lines, obj.line, obj.depth, obj.list_kind, obj.source,
			       obj.source_line };
	return SI_OK;
}

/* ---- JSON --------------------------------------------------------------- */

/* Reads more for the JSON scanner. Text kept for an object that passes the
 * object limit is dropped from then on (s->over): the object is refused. */
static bool more(struct si_stream *s)
{
	if (!s->over && s->pos - s->keep > s->max_object) {
		s->over = true;
		s->replay = false;
	}
	if (s->over)
		s->keep = s->pos;
	return fill(s);
}

/* Skips white space (cJSON's: every byte up to ' '); returns the next byte,
 * or -1 at the end of the input. */
static int next_token(struct si_stream *s)
{
	for (;;) {
		while (s->pos < s->len && (unsigned char)s->buf[s->pos] <= ' ')
			s->pos++;
		if (s->pos < s->len)
			return (unsigned char)s->buf[s->pos];
		if (!more(s))
			return -1;
	}
}

/* The error for JSON that is not what was expected at s->pos. */
static si_rc expected(struct si_stream *s, const char *what, struct si_error *err)
{
	if (s->read_rc)
		return s->read_rc;
	if (s->pos == s->len) {         /* named by its last line */
		int line = line_at(s, s->len);
		if (s->len > 0 && s->buf[s->len - 1] == '\n' && line > 1)
			line--;
		return si_error_set(err, SI_ERR_SYNTAX, s->path, line,
				    "invalid JSON: the input ends where %s was expected", what);
	}
	return si_error_set(err, SI_ERR_SYNTAX, s->path, line_at(s, s->pos),
			    "invalid JSON: %s expected", what);
}

/* Moves s->pos past the JSON value that starts there, reading more as
 * needed: `sc` scans it (and with `lim`, bounds it). A value past a limit
 * is scanned on to its end without one, its text dropped: s->past is then
 * the line where it went over, and s->over is set. */
static si_rc skip_value(struct si_stream *s, struct si_json_scan *sc,
			const struct si_limits *lim, struct si_error *err)
{
	int c = next_token(s);

	*sc = (struct si_json_scan){ 0 };
	if (c < 0 || strchr(",:]}", c))
		return expected(s, "a value", err);
	for (;;) {
		enum si_json_scan_end end = si_json_scan(sc, s->buf, s->len, &s->pos, lim);
		if (end == SI_SCAN_END)
			return SI_OK;
		if (end != SI_SCAN_MORE) {
			s->past = line_at(s, end == SI_SCAN_TOO_DEEP ? s->pos - 1 : s->pos);
			s->past_depth = end == SI_SCAN_TOO_DEEP;
			s->over = true;
			s->replay = false;
			lim = NULL;
		} else if (!more(s)) {
			if (sc->scalar && !s->read_rc)
				return SI_OK;   /* a number or word ends the input */
			return expected(s, sc->in_string ? "the end of a string" : "'}' or ']'",
					err);
		}
	}
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	     : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Whether the key buf[from, pos), a JSON string, is "items" once its
 * escapes are decoded: of them, only \uXXXX can spell a letter. */
static bool is_items(const struct si_stream *s, size_t from)
{
	const char *k = s->buf + from + 1, *end = s->buf + s->pos - 1, *want = "items";
	while (k < end) {
		unsigned c = (unsigned char)*k++;
		if (c == '\\') {
			if (end - k < 5 || *k++ != 'u')
				return false;
			c = 0;
			for (int i = 0; i < 4; i++) {
				int d = hex_digit(*k++);
				if (d < 0)
					return false;
				c = c * 16 + (unsigned)d;
			}
		}
		if (!*want || c != (unsigned char)*want++)
			return false;
	}
	return !*want;
}

/* Moves s->pos past the members of an object and its '}', from its first
 * member (`first`) or from after a member. With `find_items`, stops instead
 * at the '[' of a member "items" whose value is a list, setting *items. */
static si_rc skip_members(struct si_stream *s, bool first, bool find_items, bool *items,
			  struct si_error *err)
{
	struct si_json_scan sc;
	si_rc rc;

	*items = false;
	for (;; first = false) {
		int c = next_token(s);
		if (c == '}') {
			s->pos++;
			return SI_OK;
		}
		if (!first) {
			if (c != ',')
				return expected(s, "',' or '}'", err);
			s->pos++;
			c = next_token(s);
		}
		if (c != '"')
			return expected(s, "a key", err);
		/* From `keep`: reading may drop the bytes before it. */
		size_t key = s->pos - s->keep;
		if ((rc = skip_value(s, &sc, NULL, err)))
			return rc;
		bool want = find_items && !s->over && is_items(s, s->keep + key);
		if (next_token(s) != ':')
			return expected(s, "':'", err);
		s->pos++;
		if (want && next_token(s) == '[') {
			*items = true;
			return SI_OK;
		}
		if ((rc = skip_value(s, &sc, NULL, err)))
			return rc;
	}
}

/* Parses buf[from, s->pos), which starts on `line`, as one object: the
 * text of `values` values when scanned, else (0) bounded first. */
static si_rc parse_object(struct si_stream *s, size_t from, int line, unsigned depth,
			  size_t values, struct built *out, struct si_error *err)
{
	cJSON *root;
	struct si_linemap *lines = si_linemap_new();
	if (!lines)
		return si_error_set(err, SI_ERR_NOMEM, s->path, line, "out of memory");
	si_rc rc = values ? si_json_parse_scanned(s->buf + from, s->pos - from, values, &root,
						  lines, line, err)
		: si_json_parse_lines(s->buf + from, s->pos - from, &s->lim, &root, lines, line,
				      err);
	if (rc) {
		si_linemap_free(lines);
		if (err)
			snprintf(err->file, sizeof(err->file), "%s", s->path);
		return rc;
	}
	*out = (struct built){ root, lines, line, depth, s->list ? s->list_kind : NULL, NULL, 0 };
	return SI_OK;
}

/* The object of buf[keep, pos), starting on `line`, of `values` values
 * (0: not counted yet): parsed, or refused when it passed a limit. */
static si_rc end_object(struct si_stream *s, int line, unsigned depth, size_t values,
			struct built *out, struct si_error *err)
{
	out->line = line;
	if (s->past && s->past_depth)
		return si_error_set(err, SI_ERR_LIMIT, s->path, s->past,
				    "nesting deeper than %u levels", s->lim.max_depth);
	if (s->past)
		return si_error_set(err, SI_ERR_LIMIT, s->path, s->past,
				    "more than %zu values in one document", s->lim.max_nodes);
	if (s->over || s->pos - s->keep > s->max_object)
		return si_error_set(err, SI_ERR_LIMIT, s->path, line,
				    "object of more than %zu bytes", s->max_object);
	return parse_object(s, s->keep, line, depth, values, out, err);
}

/* At the '[' of the items of the top-level object buf[keep, pos): parses
 * the keys before them, which say whether it is a List (*list). */
static si_rc read_head(struct si_stream *s, bool *list, struct si_error *err)
{
	size_t n = s->pos + 1 - s->keep;
	char *text = malloc(n + 2);
	si_rc rc;

	*list = false;
	if (!text)
		return si_error_set(err, SI_ERR_NOMEM, s->path, s->list_line, "out of memory");
	memcpy(text, s->buf + s->keep, n);
	memcpy(text + n, "]}", 2);
	rc = si_json_parse_lines(text, n + 2, &s->lim, &s->head, NULL, s->list_line, err);
	free(text);
	if (rc) {
		if (err)
			snprintf(err->file, sizeof(err->file), "%s", s->path);
		return rc;
	}
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(s->head, "kind");
	*list = !kind || (cJSON_IsString(kind) && si_list_kind(kind->valuestring));
	s->list_kind = kind && *list ? kind->valuestring : NULL;
	if (!*list) {
		cJSON_Delete(s->head);
		s->head = NULL;
	}
	return SI_OK;
}

static si_rc json_start(struct si_stream *s, struct built *out, struct si_error *err)
{
	bool items, list;
	si_rc rc;

	while (s->len < 3 && fill(s))
		;
	if (s->len >= 3 && memcmp(s->buf, "\xEF\xBB\xBF", 3) == 0)
		s->pos = 3;             /* a UTF-8 byte order mark, as cJSON allows */
	int c = next_token(s);
	s->keep = s->pos;
	s->over = false;
	if (c < 0) {
		s->state = J_END;
		return s->read_rc ? s->read_rc
			: si_error_set(err, SI_ERR_SYNTAX, s->path, line_at(s, s->pos),
				       "empty JSON document");
	}
	if (c == '[') {                 /* a bare list of objects, as some tools write */
		s->pos++;
		s->state = J_ITEMS;
		s->first = true;
		return SI_OK;
	}
	s->list_line = line_at(s, s->pos);
	out->line = s->list_line;
	if (c != '{') {                 /* a lone scalar: the rest of the input */
		do
			s->pos = s->len;
		while (more(s));
		s->state = J_END;
		return s->read_rc ? s->read_rc : end_object(s, s->list_line, 0, 0, out, err);
	}
	s->pos++;
	if ((rc = skip_members(s, true, true, &items, err)))
		return rc;
	if (items && (rc = read_head(s, &list, err)) == SI_ERR_LIMIT) {
		s->state = J_REST;
		return rc;
	}
	if (rc)
		return rc;
	if (items && list) {
		s->pos++;
		s->state = J_ITEMS;
		s->list = true;
		s->first = true;
		return SI_OK;
	}
	/* An object with "items" of its own, after a kind that is not a List's. */
	struct si_json_scan sc;
	if (items && ((rc = skip_value(s, &sc, NULL, err)) ||
		      (rc = skip_members(s, false, false, &items, err))))
		return rc;
	s->state = J_AFTER;
	return end_object(s, s->list_line, 0, 0, out, err);
}

static si_rc json_item(struct si_stream *s, struct built *out, struct si_error *err)
{
	s->keep = s->pos;
	s->over = false;
	int c = next_token(s);
	if (c == ']') {
		s->pos++;
		s->state = s->list ? J_TRAILER : J_AFTER;
		s->keep = s->pos;
		s->trailer_line = line_at(s, s->pos);
		return SI_OK;
	}
	if (!s->first) {
		if (c != ',')
			return expected(s, "',' or ']'", err);
		s->pos++;
		next_token(s);
	}
	s->first = false;
	s->keep = s->pos;
	s->over = false;
	s->past = 0;
	int line = line_at(s, s->pos);
	struct si_json_scan sc;
	si_rc rc = skip_value(s, &sc, &s->lim, err);
	return rc ? rc : end_object(s, line, 1, sc.values, out, err);
}

/* The List's keys after its items: checked as JSON, and against the keys
 * before them for duplicates. */
static si_rc json_trailer(struct si_stream *s, struct si_error *err)
{
	static const char prefix[] = "{\"items\":[]";
	const size_t n_prefix = sizeof(prefix) - 1;
	cJSON *tail = NULL;
	struct si_linemap *lines = NULL;
	char *text = NULL;
	bool items;
	si_rc rc;

	s->state = J_AFTER;
	if ((rc = skip_members(s, false, false, &items, err)))
		return rc;
	if (s->over || s->pos - s->keep > s->max_object)
		return si_error_set(err, SI_ERR_LIMIT, s->path, s->list_line,
				    "the keys of a List after its items are more than %zu "
				    "bytes", s->max_object);
	size_t n = s->pos - s->keep;
	if (!(text = malloc(n_prefix + n)) || !(lines = si_linemap_new())) {
		rc = si_error_set(err, SI_ERR_NOMEM, s->path, s->trailer_line, "out of memory");
		goto out;
	}
	memcpy(text, prefix, n_prefix);
	memcpy(text + n_prefix, s->buf + s->keep, n);
	if ((rc = si_json_parse_lines(text, n_prefix + n, &s->lim, &tail, lines,
				      s->trailer_line, err))) {
		if (err)
			snprintf(err->file, sizeof(err->file), "%s", s->path);
		goto out;
	}
	for (const cJSON *m = tail->child->next; m; m = m->next)
		if (cJSON_GetObjectItemCaseSensitive(s->head, m->string)) {
			rc = si_error_set(err, SI_ERR_SYNTAX, s->path, si_linemap_get(lines, m),
					  "duplicate key \"%s\"", m->string);
			if (err)
				snprintf(err->key, sizeof(err->key), "%s", m->string);
			break;
		}
out:
	cJSON_Delete(tail);
	si_linemap_free(lines);
	free(text);
	return rc;
}

/* After a refused top-level object's member: the rest of it, skipped. */
static si_rc json_rest(struct si_stream *s, struct si_error *err)
{
	struct si_json_scan sc;
	bool items;
	s->over = true;
	s->keep = s->pos;
	s->state = J_AFTER;
	si_rc rc = skip_value(s, &sc, NULL, err);
	return rc ? rc : skip_members(s, false, false, &items, err);
}

static si_rc json_after(struct si_stream *s, struct si_error *err)
{
	s->keep = s->pos;
	s->over = false;
	int c = next_token(s);
	s->state = J_END;
	if (c < 0)
		return s->read_rc;
	return si_error_set(err, SI_ERR_SYNTAX, s->path, line_at(s, s->pos),
			    "unexpected content after the JSON value");
}

static si_rc json_next(struct si_stream *s, struct built *out, struct si_error *err)
{
	si_rc rc = SI_OK;
	while (rc == SI_OK && !out->root && s->state != J_END) {
		switch (s->state) {
		case J_START:
			rc = json_start(s, out, err);
			break;
		case J_ITEMS:
			rc = json_item(s, out, err);
			break;
		case J_TRAILER:
			rc = json_trailer(s, err);
			break;
		case J_REST:
			rc = json_rest(s, err);
			break;
		case J_AFTER:
			rc = json_after(s, err);
			break;
		case J_END:
			break;
		}
	}
	return rc;
}

/* ---- objects into inputs ------------------------------------------------ */

/* Queues an input of the one object `root` (owned, with its `lines`), of
 * the document `b`. */
static si_rc push_input(struct si_stream *s, const struct built *b, cJSON *root, int line,
			struct si_linemap *lines, struct si_error *err)
{
	struct si_input *in = calloc(1, sizeof(*in));

	if (s->n_queue == s->cap_queue) {
		size_t cap = s->cap_queue ? s->cap_queue * 2 : 4;
		struct si_input **q = realloc(s->queue, cap * sizeof(*q));
		if (q) {
			s->queue = q;
			s->cap_queue = cap;
		}
	}
	if (!in || s->n_queue == s->cap_queue || !(in->path = strdup(s->path)) ||
	    !(in->roots = malloc(sizeof(*in->roots))) ||
	    !(in->objects = malloc(sizeof(*in->objects)))) {
		si_input_free(in);
		cJSON_Delete(root);
		si_linemap_free(lines);
		return si_error_set(err, SI_ERR_NOMEM, s->path, line, "out of memory");
	}
	in->roots[0] = root;
	in->n_roots = 1;
	in->objects[0] = (struct si_object){ root, line, NULL, 0 };
	in->n_objects = 1;
	in->lines = lines;
	if (si_object_place(&in->objects[0], b->source, b->source_line)) {
		si_input_free(in);
		return si_error_set(err, SI_ERR_NOMEM, s->path, line, "out of memory");
	}
	s->queue[s->n_queue++] = in;
	return SI_OK;
}

/* A List held whole being made into inputs. */
struct delivery {
	struct si_stream *s;
	struct built *b;
};

/* Queues an input of `obj`: the tree itself, which takes its lines, or an
 * item taken out of it with a copy of its lines. */
static si_rc deliver_object(cJSON *parent, cJSON *obj, int line, void *ctx,
			    struct si_error *err)
{
	struct delivery *d = ctx;
	if (!parent) {
		struct si_linemap *lines = d->b->lines;
		d->b->root = NULL;
		d->b->lines = NULL;
		return push_input(d->s, d->b, obj, line, lines, err);
	}
	struct si_linemap *lines = si_linemap_new();
	cJSON_DetachItemViaPointer(parent, obj);
	if (!lines || !si_linemap_put_tree(lines, d->b->lines, obj)) {
		si_linemap_free(lines);
		cJSON_Delete(obj);
		return si_error_set(err, SI_ERR_NOMEM, d->s->path, line, "out of memory");
	}
	return push_input(d->s, d->b, obj, line, lines, err);
}

/* Makes `b` (owned) into inputs of one object each: itself, or the items of
 * a List held whole. */
static si_rc deliver(struct si_stream *s, struct built *b, struct si_error *err)
{
	struct delivery d = { s, b };
	si_rc rc = si_list_item_kind(b->root, b->list_kind, b->lines, b->line);
	if (rc)
		rc = si_error_set(err, rc, s->path, b->line, "out of memory");
	else
		rc = si_list_walk(s->path, b->root, b->line, b->depth, b->lines, deliver_object,
				  &d, err);
	cJSON_Delete(b->root);
	si_linemap_free(b->lines);
	return rc;
}

/* ---- the stream --------------------------------------------------------- */

si_rc si_stream_open_sized(const char *path, const struct si_limits *lim, size_t chunk,
			   size_t max_object, struct si_stream **out, struct si_error *err)
{
	bool is_stdin = strcmp(path, "-") == 0;
	struct si_stream *s = calloc(1, sizeof(*s));
	struct stat st;
	si_rc rc;

	*out = NULL;
	if (!s || !(s->path = strdup(is_stdin ? "<stdin>" : path))) {
		free(s);
		return si_error_set(err, SI_ERR_NOMEM, path, 0, "out of memory");
	}
	s->lim = *lim;
	s->lim.max_input_bytes = SIZE_MAX;
	s->lim.max_documents = SIZE_MAX;
	s->chunk = chunk ? chunk : 1;
	s->max_object = max_object;
	s->line = 1;
	s->replay = true;
	s->fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	s->own_fd = !is_stdin;
	if (s->fd < 0) {
		rc = si_error_set(err, SI_ERR_IO, s->path, 0, "cannot open: %s", strerror(errno));
		goto fail;
	}
	if (fstat(s->fd, &st) != 0) {
		rc = si_error_set(err, SI_ERR_IO, s->path, 0, "cannot read: %s", strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = si_error_set(err, SI_ERR_IO, s->path, 0, "is a directory, not a file");
		goto fail;
	}
	/* The format, as si_input_parse() chooses it; past one object's worth
	 * of blanks, YAML. */
	enum si_format format = si_input_format(s->path, s->buf, 0);
	for (size_t seen = 0; format == SI_FORMAT_BLANK && s->len <= s->max_object &&
	     fill(s); seen = s->len)
		format = si_input_format(s->path, s->buf + seen, s->len - seen);
	if (s->read_rc) {
		rc = s->read_rc;
		if (err)
			*err = s->read_err;
		goto fail;
	}
	if (format == SI_FORMAT_JSON) {
		s->json = true;
		s->replay = !si_json_name(s->path);
	} else if ((rc = start_yaml(s, err))) {
		goto fail;
	}
	*out = s;
	return SI_OK;
fail:
	si_stream_close(s);
	return rc;
}

si_rc si_stream_open(const char *path, const struct si_limits *lim, struct si_stream **out,
		     struct si_error *err)
{
	return si_stream_open_sized(path, lim, CHUNK, SI_STREAM_MAX_OBJECT_BYTES, out, err);
}

/* An error of the readers: a limit on one object lets the stream go on,
 * after saying which object; anything else ends it. */
static si_rc failed(struct si_stream *s, si_rc rc, int line, struct si_error *err)
{
	s->replay = false;
	if (err && !line)
		line = err->line;
	if (s->read_rc) {
		rc = s->read_rc;
		if (err)
			*err = s->read_err;
	} else if (rc == SI_ERR_LIMIT && err && strstr(err->message, "is not read")) {
		s->done = true;   /* the reader cannot go on: said in the message */
	} else if (rc == SI_ERR_LIMIT && err && err->line != line) {
		/* The error names where the limit was crossed (an alias, a
		 * deep value); the message, which object is left out. */
		size_t n = strlen(err->message);
		snprintf(err->message + n, sizeof(err->message) - n,
			 "; the object at line %d is skipped", line);
	} else if (rc == SI_ERR_LIMIT && err) {
		size_t n = strlen(err->message);
		snprintf(err->message + n, sizeof(err->message) - n, "; the object is skipped");
	}
	if (rc != SI_ERR_LIMIT || s->read_rc)
		s->done = true;
	return rc;
}

si_rc si_stream_next(struct si_stream *s, struct si_input **out, struct si_error *err)
{
	*out = NULL;
	while (s->next_queue == s->n_queue && !s->done) {
		struct built b = { 0 };
		si_rc rc = s->json ? json_next(s, &b, err) : yaml_next(s, &b, err);
		if (rc == SI_ERR_SYNTAX && s->json && s->replay && !s->read_rc) {
			/* Flow-style YAML ("{kind: Pod, ...}") starts as JSON does.
			 * When YAML cannot read it either, the JSON error is the
			 * one to show. */
			s->json_failed = true;
			if (err)
				s->json_err = *err;
			if ((rc = start_yaml(s, err)))
				return failed(s, rc, 0, err);
			continue;
		}
		if (rc && s->json_failed && rc != SI_ERR_NOMEM && !s->read_rc) {
			if (err)
				*err = s->json_err;
			rc = s->json_err.code ? s->json_err.code : SI_ERR_SYNTAX;
			s->done = true;
			return rc;
		}
		if (rc)
			return failed(s, rc, b.line, err);
		if (!b.root) {
			s->done = true;
			break;
		}
		s->replay = false;
		s->json_failed = false;
		if ((rc = deliver(s, &b, err)))
			return failed(s, rc, b.line, err);
	}
	if (s->next_queue < s->n_queue) {
		*out = s->queue[s->next_queue++];
		if (s->next_queue == s->n_queue)
			s->next_queue = s->n_queue = 0;
	}
	return SI_OK;
}

void si_stream_close(struct si_stream *s)
{
	if (!s)
		return;
	for (size_t i = s->next_queue; i < s->n_queue; i++)
		si_input_free(s->queue[i]);
	free(s->queue);
	si_yaml_reader_free(s->yaml);
	cJSON_Delete(s->head);
	if (s->own_fd && s->fd >= 0)
		close(s->fd);
	free(s->buf);
	free(s->path);
	free(s);
}
