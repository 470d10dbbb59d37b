// SPDX-License-Identifier: Apache-2.0
// Cron schedules: the crontab(5) fields, a reader of the tz database's TZif
// files and their POSIX TZ footers, and the next instant a schedule fires.
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "security-inspector/cron.h"

/* The largest zone file read (the largest real ones are under 4 KiB). */
#define MAX_ZONE_FILE (256 * 1024)
/* How far ahead si_cron_next() looks: past the longest run of years
 * without a February 29 (8 years, as 2096 to 2104). */
#define SEARCH_YEARS 10

struct field {
	const char *name;
	int min, max;
	const char *const *names;      /* names of min, min+1, ...; may be NULL */
};

static const char *const month_names[] = { "JAN", "FEB", "MAR", "APR", "MAY", "JUN",
					   "JUL", "AUG", "SEP", "OCT", "NOV", "DEC", NULL };
static const char *const day_names[] = { "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", NULL };

static const struct field fields[5] = {
	{ "minute", 0, 59, NULL },
	{ "hour", 0, 23, NULL },
	{ "day-of-month", 1, 31, NULL },
	{ "month", 1, 12, month_names },
	{ "day-of-week", 0, 7, day_names },
};

static const struct {
	const char *name, *expr;
} macros[] = {
	{ "@yearly", "0 0 1 1 *" }, { "@annually", "0 0 1 1 *" }, { "@monthly", "0 0 1 * *" },
	{ "@weekly", "0 0 * * 0" }, { "@daily", "0 0 * * *" },    { "@midnight", "0 0 * * *" },
	{ "@hourly", "0 * * * *" },
};

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar
 * (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
	static const int n[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && leap(y) ? 29 : n[m - 1];
}

/* ---- the fields ------------------------------------------------------------------ */

/* A number or a name of `f` at `*p` (advanced past it); -1 when neither. */
static int value(const struct field *f, const char **p)
{
	const char *s = *p;
	if (isdigit((unsigned char)*s)) {
		int v = 0;
		while (isdigit((unsigned char)*s) && v < 1000)
			v = v * 10 + (*s++ - '0');
		*p = s;
		return v;
	}
	for (int i = 0; f->names && f->names[i]; i++)
		if (strncasecmp(s, f->names[i], 3) == 0) {
			*p = s + 3;
			return f->min + i;
		}
	return -1;
}

/* Parses one field (`len` bytes at `text`) into the bits of `*bits`. */
static si_rc parse_field(const struct field *f, const char *text, size_t len, uint64_t *bits,
			 bool *star, struct si_error *err)
{
	char buf[SI_CRON_MAX_TEXT + 1];
	snprintf(buf, sizeof(buf), "%.*s", (int)len, text);
	*bits = 0;
	*star = buf[0] == '*';
	if (buf[0] == ',' || buf[strlen(buf) - 1] == ',' || strstr(buf, ",,"))
		return si_error_set(err, SI_ERR_SYNTAX, NULL, 0,
				    "the %s field: \"%s\" has an empty item", f->name, buf);
	char *save = NULL;
	for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		const char *p = item;
		int lo, hi, step = 1;
		bool range = false;
		if (*p == '*') {
			lo = f->min;
			hi = f->max;
			p++;
			range = true;
		} else {
			if ((lo = value(f, &p)) < 0)
				goto bad;
			hi = lo;
			if (*p == '-') {
				p++;
				if ((hi = value(f, &p)) < 0)
					goto bad;
				range = true;
			}
		}
		if (*p == '/') {
			p++;
			if (!isdigit((unsigned char)*p))
				goto bad;
			step = value(f, &p);
			if (!range)
				hi = f->max;
		}
		if (*p)
			goto bad;
		if (lo < f->min || hi > f->max || lo > f->max || hi < f->min)
			return si_error_set(err, SI_ERR_SYNTAX, NULL, 0,
					    "the %s field: \"%s\" is out of range %d-%d", f->name,
					    item, f->min, f->max);
		if (lo > hi)
			return si_error_set(err, SI_ERR_SYNTAX, NULL, 0,
					    "the %s field: \"%s\" is a range that ends before it "
					    "starts", f->name, item);
		if (step < 1 || step > f->max)
			return si_error_set(err, SI_ERR_SYNTAX, NULL, 0,
					    "the %s field: \"%s\" has a step out of range 1-%d",
					    f->name, item, f->max);
		for (int v = lo; v <= hi; v += step)
			*bits |= 1ull << v;
		continue;
bad:
		return si_error_set(err, SI_ERR_SYNTAX, NULL, 0,
				    "the %s field: \"%s\" is not a number, a range, a step%s or *",
				    f->name, item, f->names ? ", a name" : "");
	}
	if (!*bits)
		return si_error_set(err, SI_ERR_SYNTAX, NULL, 0, "the %s field is empty", f->name);
	return SI_OK;
}

/* Whether some day of some month of the schedule exists (a schedule of
 * 30 February never fires). */
static bool some_day_exists(const struct si_cron *c)
{
	if (!c->weekdays_star && !c->days_star)
		return true;                      /* either day field: any weekday comes */
	for (int m = 1; m <= 12; m++)
		for (int d = 1; d <= month_days(2000, m); d++)
			if ((c->months >> m & 1) && (c->days >> d & 1))
				return true;
	return false;
}

/* ---- the zone ------------------------------------------------------------------- */

static int64_t be(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	if (n == 4)
		return (int32_t)(uint32_t)v;
	return (int64_t)v;
}

/* [+-]hh[:mm[:ss]] with hours up to `max_h`; advances `*p`. */
static bool posix_time(const char **p, int max_h, long *out)
{
	const char *s = *p;
	int sign = 1;
	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	long part[3] = { 0, 0, 0 };
	for (int i = 0; i < 3; i++) {
		if (!isdigit((unsigned char)*s))
			return false;
		int n = 0;
		while (isdigit((unsigned char)*s) && n++ < 3)
			part[i] = part[i] * 10 + (*s++ - '0');
		if (*s != ':' || i == 2)
			break;
		s++;
	}
	if (part[0] > max_h || part[1] > 59 || part[2] > 59)
		return false;
	*out = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
	*p = s;
	return true;
}

/* A zone abbreviation: three or more letters, or <...>. */
static bool posix_name(const char **p)
{
	const char *s = *p;
	size_t n = 0;
	if (*s == '<') {
		while (*++s && *s != '>')
			n++;
		if (*s != '>' || n < 3)
			return false;
		*p = s + 1;
		return true;
	}
	while (isalpha((unsigned char)s[n]))
		n++;
	*p = s + n;
	return n >= 3;
}

static bool posix_date(const char **p, struct si_cron_rule_date *d)
{
	const char *s = *p;
	char *end;
	memset(d, 0, sizeof(*d));
	d->seconds = 7200;
	if (*s == 'M') {
		d->kind = 'M';
		d->month = (int)strtol(s + 1, &end, 10);
		if (*end != '.')
			return false;
		d->week = (int)strtol(end + 1, &end, 10);
		if (*end != '.')
			return false;
		d->day = (int)strtol(end + 1, &end, 10);
		if (d->month < 1 || d->month > 12 || d->week < 1 || d->week > 5 || d->day < 0 ||
		    d->day > 6)
			return false;
	} else {
		d->kind = *s == 'J' ? 'J' : 'n';
		if (*s == 'J')
			s++;
		if (!isdigit((unsigned char)*s))
			return false;
		d->day = (int)strtol(s, &end, 10);
		if (d->day > 365 || (d->kind == 'J' && d->day < 1))
			return false;
	}
	s = end;
	if (*s == '/') {
		s++;
		if (!posix_time(&s, 167, &d->seconds))
			return false;
	}
	*p = s;
	return true;
}

/* The POSIX TZ string of a TZif footer, as RFC 8536 extends it. */
static bool posix_rule(const char *s, struct si_cron_zone *z)
{
	long off;
	if (!*s)
		return true;                      /* no footer: the table's last type */
	if (!posix_name(&s) || !posix_time(&s, 24, &off))
		return false;
	z->std_off = (int32_t)-off;
	z->has_rule = true;
	if (!*s)
		return true;
	if (!posix_name(&s))
		return false;
	z->rule_dst = true;
	z->dst_off = z->std_off + 3600;
	if (*s && *s != ',') {
		if (!posix_time(&s, 24, &off))
			return false;
		z->dst_off = (int32_t)-off;
	}
	if (!*s)                                  /* POSIX leaves it open; US rules */
		s = ",M3.2.0,M11.1.0";
	if (*s++ != ',')
		return false;
	if (!posix_date(&s, &z->dst_start) || *s++ != ',' || !posix_date(&s, &z->dst_end))
		return false;
	return *s == '\0';
}

/* Seconds from the start of year `y` (UTC) to the rule date's day. */
static int64_t rule_day(int64_t y, const struct si_cron_rule_date *d)
{
	int64_t jan1 = days_from_civil(y, 1, 1);
	if (d->kind == 'J')
		return (d->day - 1 + (leap(y) && d->day >= 60)) * 86400LL;
	if (d->kind == 'n')
		return d->day * 86400LL;
	int64_t first = days_from_civil(y, d->month, 1);
	int wd = (int)(((first + 4) % 7 + 7) % 7);   /* 1970-01-01 was a Thursday */
	int day = 1 + (d->day - wd + 7) % 7 + 7 * (d->week - 1);
	while (day > month_days(y, d->month))
		day -= 7;
	return (first - jan1 + day - 1) * 86400LL;
}

static long rule_offset(const struct si_cron_zone *z, int64_t t)
{
	if (!z->rule_dst)
		return z->std_off;
	time_t naive = (time_t)(floor_div(t + z->std_off, 86400) * 86400);
	struct tm tm;
	gmtime_r(&naive, &tm);
	int64_t y = (int64_t)tm.tm_year + 1900;
	int64_t jan1 = days_from_civil(y, 1, 1) * 86400LL;
	/* The change to DST happens at standard time, the change back at DST. */
	int64_t start = jan1 + rule_day(y, &z->dst_start) + z->dst_start.seconds - z->std_off;
	int64_t end = jan1 + rule_day(y, &z->dst_end) + z->dst_end.seconds - z->dst_off;
	bool dst = start < end ? t >= start && t < end : !(t >= end && t < start);
	return dst ? z->dst_off : z->std_off;
}

long si_cron_utc_offset(const struct si_cron *c, time_t t)
{
	const struct si_cron_zone *z = &c->zone;
	size_t n = z->n_transitions;
	if (!z->name[0])
		return 0;
	if (n == 0 || (int64_t)t < z->at[0])
		return n == 0 && z->has_rule ? rule_offset(z, t) : z->utoff[0];
	if ((int64_t)t >= z->at[n - 1] && z->has_rule)
		return rule_offset(z, t);
	size_t lo = 0, hi = n;                   /* the last transition <= t */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (z->at[mid] <= (int64_t)t)
			lo = mid;
		else
			hi = mid;
	}
	return z->utoff[z->type[lo]];
}

/* Whether `name` may be a file under the tz database: letters, digits,
 * "/_+-." and no ".." or leading "/". */
static bool zone_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n >= sizeof(((struct si_cron_zone *)0)->name) || name[0] == '/' ||
	    strstr(name, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("/_+-.", name[i]))
			return false;
	return true;
}

/* Reads the TZif data of `data` (`len` bytes) into `z`. */
static si_rc zone_parse(const unsigned char *data, size_t len, struct si_cron_zone *z,
			struct si_error *err)
{
	const unsigned char *p = data, *end = data + len;
	int tsize = 4;
	int64_t cnt[6];
	for (int pass = 0; pass < 2; pass++) {
		if (end - p < 44 || memcmp(p, "TZif", 4) != 0)
			goto bad;
		char version = (char)p[4];
		for (int i = 0; i < 6; i++)
			cnt[i] = be(p + 20 + 4 * i, 4);
		/* isutcnt isstdcnt leapcnt timecnt typecnt charcnt */
		if (cnt[0] < 0 || cnt[1] < 0 || cnt[2] < 0 || cnt[3] < 0 || cnt[4] < 1 ||
		    cnt[4] > SI_CRON_MAX_TYPES || cnt[5] < 0 || cnt[3] > 100000 || cnt[2] > 100000 ||
		    cnt[5] > 100000 || cnt[0] > 256 || cnt[1] > 256)
			goto bad;
		int64_t body = cnt[3] * tsize + cnt[3] + cnt[4] * 6 + cnt[5] +
			       cnt[2] * (tsize + 4) + cnt[1] + cnt[0];
		p += 44;
		if (end - p < body)
			goto bad;
		if (pass == 0 && version >= '2') {
			p += body;            /* the 64-bit data follows */
			tsize = 8;
			continue;
		}
		if (cnt[3] > SI_CRON_MAX_TRANSITIONS)
			return si_error_set(err, SI_ERR_LIMIT, z->name, 0,
					    "the time zone has over %d transitions",
					    SI_CRON_MAX_TRANSITIONS);
		z->n_transitions = (size_t)cnt[3];
		z->n_types = (size_t)cnt[4];
		for (int64_t i = 0; i < cnt[3]; i++) {
			z->at[i] = be(p + i * tsize, tsize);
			z->type[i] = p[cnt[3] * tsize + i];
			if (z->type[i] >= cnt[4] || (i > 0 && z->at[i] <= z->at[i - 1]))
				goto bad;
		}
		const unsigned char *types = p + cnt[3] * tsize + cnt[3];
		for (int64_t i = 0; i < cnt[4]; i++) {
			z->utoff[i] = (int32_t)be(types + 6 * i, 4);
			if (z->utoff[i] < -25 * 3600 || z->utoff[i] > 26 * 3600)
				goto bad;
		}
		p += body;
		if (tsize == 4)
			return SI_OK;                    /* version 1: no footer */
		char footer[128];
		const unsigned char *nl = (end - p >= 2 && p[0] == '\n')
					  ? memchr(p + 1, '\n', (size_t)(end - p - 1)) : NULL;
		if (!nl || (size_t)(nl - p - 1) >= sizeof(footer))
			goto bad;
		memcpy(footer, p + 1, (size_t)(nl - p - 1));
		footer[nl - p - 1] = '\0';
		if (!posix_rule(footer, z))
			return si_error_set(err, SI_ERR_INVALID, z->name, 0,
					    "the time zone's rule \"%s\" is not understood", footer);
		return SI_OK;
	}
bad:
	return si_error_set(err, SI_ERR_INVALID, z->name, 0,
			    "the time zone file is not a valid TZif file");
}

static si_rc zone_load(const char *name, struct si_cron_zone *z, struct si_error *err)
{
	char path[512];
	unsigned char *data = NULL;
	si_rc rc = SI_OK;
	ssize_t n = 0;
	size_t len = 0;

	memset(z, 0, sizeof(*z));
	if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0)
		return SI_OK;
	if (!zone_name_valid(name))
		return si_error_set(err, SI_ERR_INVALID, NULL, 0,
				    "the time zone \"%s\" is not a name such as Europe/Paris", name);
	snprintf(z->name, sizeof(z->name), "%s", name);
	const char *dir = getenv("TZDIR");
	snprintf(path, sizeof(path), "%s/%s", dir && dir[0] ? dir : "/usr/share/zoneinfo", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return si_error_set(err, errno == ENOENT || errno == ENOTDIR ? SI_ERR_INVALID : SI_ERR_IO,
				    NULL, 0, "the time zone \"%s\" is not in the tz database (%s: %s)",
				    name, path, strerror(errno));
	if (!(data = malloc(MAX_ZONE_FILE + 1))) {
		rc = si_error_set(err, SI_ERR_NOMEM, path, 0, "out of memory");
		goto out;
	}
	while (len <= MAX_ZONE_FILE &&
	       (n = read(fd, data + len, MAX_ZONE_FILE + 1 - len)) > 0)
		len += (size_t)n;
	if (n < 0)
		rc = si_error_set(err, SI_ERR_IO, path, 0, "cannot read the time zone: %s",
				  strerror(errno));
	else if (len > MAX_ZONE_FILE)
		rc = si_error_set(err, SI_ERR_LIMIT, path, 0, "a time zone file over %d bytes",
				  MAX_ZONE_FILE);
	else
		rc = zone_parse(data, len, z, err);
out:
	free(data);
	close(fd);
	return rc;
}

/* ---- the expression ------------------------------------------------------------- */

si_rc si_cron_parse(const char *text, struct si_cron *out, struct si_error *err)
{
	const char *s = text;
	char zone[64] = "UTC";
	uint64_t bits[5];
	bool star[5];
	si_rc rc;

	memset(out, 0, sizeof(*out));
	if (strnlen(text, SI_CRON_MAX_TEXT + 1) > SI_CRON_MAX_TEXT)
		return si_error_set(err, SI_ERR_LIMIT, NULL, 0, "a schedule over %d bytes",
				    SI_CRON_MAX_TEXT);
	snprintf(out->text, sizeof(out->text), "%s", text);
	while (isspace((unsigned char)*s))
		s++;
	size_t prefix = strncmp(s, "CRON_TZ=", 8) == 0 ? 8 : strncmp(s, "TZ=", 3) == 0 ? 3 : 0;
	if (prefix) {
		s += prefix;
		size_t n = strcspn(s, " \t");
		if (n == 0 || n >= sizeof(zone) || !s[n])
			return si_error_set(err, SI_ERR_SYNTAX, NULL, 0,
					    "expected a time zone, a space and five fields after %.*s",
					    (int)prefix, s - prefix);
		snprintf(zone, sizeof(zone), "%.*s", (int)n, s);
		s += n;
		while (isspace((unsigned char)*s))
			s++;
	}
	if (*s == '@') {
		size_t n = strcspn(s, " \t");
		const char *expr = NULL;
		for (size_t i = 0; i < sizeof(macros) / sizeof(macros[0]); i++)
			if (strlen(macros[i].name) == n && strncasecmp(s, macros[i].name, n) == 0)
				expr = macros[i].expr;
		const char *rest = s + n;
		while (isspace((unsigned char)*rest))
			rest++;
		if (!expr || *rest)
			return si_error_set(err, SI_ERR_SYNTAX, NULL, 0,
					    "\"%.*s\" is not one of @yearly, @annually, @monthly, "
					    "@weekly, @daily, @midnight, @hourly", (int)n, s);
		s = expr;
	}
	for (int i = 0; i < 5; i++) {
		size_t n = strcspn(s, " \t");
		if (n == 0)
			return si_error_set(err, SI_ERR_SYNTAX, NULL, 0,
					    "the %s field is missing: a schedule has five fields "
					    "(minute hour day-of-month month day-of-week)",
					    fields[i].name);
		if ((rc = parse_field(&fields[i], s, n, &bits[i], &star[i], err)))
			return rc;
		s += n;
		while (isspace((unsigned char)*s))
			s++;
	}
	if (*s)
		return si_error_set(err, SI_ERR_SYNTAX, NULL, 0,
				    "\"%s\" after the five fields (minute hour day-of-month month "
				    "day-of-week)", s);
	out->minutes = bits[0];
	out->hours = (uint32_t)bits[1];
	out->days = (uint32_t)bits[2];
	out->months = (uint16_t)bits[3];
	out->weekdays = (uint8_t)((bits[4] | bits[4] >> 7) & 0x7f);   /* 7 is Sunday */
	out->days_star = star[2];
	out->weekdays_star = star[4];
	if (!some_day_exists(out))
		return si_error_set(err, SI_ERR_SYNTAX, NULL, 0,
				    "the schedule never fires: no month of the month field has "
				    "a day of the day-of-month field");
	return zone_load(zone, &out->zone, err);
}

/* ---- the next instant ----------------------------------------------------------- */

static bool day_matches(const struct si_cron *c, const struct tm *tm)
{
	bool dom = c->days >> tm->tm_mday & 1, dow = c->weekdays >> tm->tm_wday & 1;
	if (!c->days_star && !c->weekdays_star)
		return dom || dow;
	return dom && dow;
}

/* The first local minute at or after `m` (local time counted as if it were
 * UTC) that the fields match, in `*out`; false past `limit`. */
static bool next_local(const struct si_cron *c, int64_t m, int64_t limit, int64_t *out)
{
	struct tm tm;
	while (m <= limit) {
		time_t t = (time_t)m;
		gmtime_r(&t, &tm);
		if (!(c->months >> (tm.tm_mon + 1) & 1)) {
			int y = tm.tm_year + 1900 + (tm.tm_mon == 11), mon = (tm.tm_mon + 1) % 12 + 1;
			m = days_from_civil(y, mon, 1) * 86400;
		} else if (!day_matches(c, &tm)) {
			m = (floor_div(m, 86400) + 1) * 86400;
		} else if (!(c->hours >> tm.tm_hour & 1)) {
			m += 3600 - (int64_t)tm.tm_min * 60;
		} else if (!(c->minutes >> tm.tm_min & 1)) {
			m += 60;
		} else {
			*out = m;
			return true;
		}
	}
	return false;
}

/* The distinct offsets the zone ever has. */
static size_t offsets(const struct si_cron_zone *z, long *out, size_t max)
{
	size_t n = 0;
	long all[SI_CRON_MAX_TYPES + 2];
	size_t k = 0;
	for (size_t i = 0; i < z->n_types; i++)
		all[k++] = z->utoff[i];
	if (z->has_rule) {
		all[k++] = z->std_off;
		all[k++] = z->dst_off;
	}
	if (k == 0)
		all[k++] = 0;
	for (size_t i = 0; i < k && n < max; i++) {
		bool seen = false;
		for (size_t j = 0; j < n; j++)
			seen |= out[j] == all[i];
		if (!seen)
			out[n++] = all[i];
	}
	return n;
}

/* The first instant whose local time is `m` or later: the first
 * occurrence of `m`, or, when a change of offset skips `m`, that change. */
static int64_t to_utc(const struct si_cron *c, int64_t m, const long *offs, size_t n_offs)
{
	int64_t best = INT64_MAX, lo = INT64_MAX, hi = INT64_MIN;
	for (size_t i = 0; i < n_offs; i++) {
		int64_t t = m - offs[i];
		if (si_cron_utc_offset(c, (time_t)t) == offs[i] && t < best)
			best = t;
		lo = t < lo ? t : lo;
		hi = t > hi ? t : hi;
	}
	if (best != INT64_MAX)
		return best;
	/* In a gap: local time at `lo` is before `m`, at `hi` after it. */
	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;
		if (mid + si_cron_utc_offset(c, (time_t)mid) >= m)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

time_t si_cron_next(const struct si_cron *c, time_t after)
{
	long offs[SI_CRON_MAX_TYPES + 2];
	size_t n_offs = offsets(&c->zone, offs, sizeof(offs) / sizeof(offs[0]));
	int64_t a = (int64_t)after;
	if (a > INT64_MAX / 2 || a < INT64_MIN / 2)
		return (time_t)-1;
	/* The local minute of `after`: no later local minute can come first,
	 * since local time only goes back over minutes it has shown. */
	int64_t local = a + si_cron_utc_offset(c, after);
	int64_t m = floor_div(local, 60) * 60;
	int64_t limit = m + SEARCH_YEARS * 366 * 86400LL;
	for (int64_t found; next_local(c, m, limit, &found); m = found + 60) {
		int64_t t = to_utc(c, found, offs, n_offs);
		if (t > a)
			return (time_t)t;
	}
	return (time_t)-1;
}
