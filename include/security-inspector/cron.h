/* SPDX-License-Identifier: Apache-2.0 */
/* Cron schedules: the five fields of crontab(5) (minute hour day-of-month
 * month day-of-week) in UTC or in a time zone of the system's tz database,
 * and the next instant a schedule fires. No global state: the zone is read
 * once at parse time and kept in the schedule. */
#ifndef SI_CRON_H
#define SI_CRON_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "security-inspector/error.h"

/* Longest expression looked at. */
#define SI_CRON_MAX_TEXT 256
/* Most transitions kept from a zone file (the largest zones have ~250). */
#define SI_CRON_MAX_TRANSITIONS 1200
/* Most local time types of a zone file (the format's own limit). */
#define SI_CRON_MAX_TYPES 256

/* A POSIX TZ rule date: Jn (1-365, no Feb 29), n (0-365) or Mm.w.d. */
struct si_cron_rule_date {
	char kind;                     /* 'J', 'n' or 'M' */
	int day, week, month;
	long seconds;                  /* local time of day it happens, -167h..167h */
};

/* A time zone, as the tz database's TZif file says: offsets before the last
 * transition from its table, later ones from its POSIX TZ footer. */
struct si_cron_zone {
	char name[64];                 /* "" for UTC */
	size_t n_transitions;
	int64_t at[SI_CRON_MAX_TRANSITIONS];          /* UTC seconds, ascending */
	uint8_t type[SI_CRON_MAX_TRANSITIONS];        /* index into utoff */
	size_t n_types;
	int32_t utoff[SI_CRON_MAX_TYPES];             /* seconds east of UTC */
	bool has_rule;                 /* the footer gives the offsets after the table */
	bool rule_dst;                 /* the footer has daylight saving time */
	int32_t std_off, dst_off;      /* seconds east of UTC */
	struct si_cron_rule_date dst_start, dst_end;
};

struct si_cron {
	uint64_t minutes;              /* bit n: minute n (0-59) */
	uint32_t hours;                /* bit n: hour n (0-23) */
	uint32_t days;                 /* bit n: day of month n (1-31) */
	uint16_t months;               /* bit n: month n (1-12) */
	uint8_t weekdays;              /* bit n: weekday n (0 Sunday - 6) */
	/* As Vixie cron: when both day fields are restricted (neither starts
	 * with '*'), a day matches either; otherwise it must match both. */
	bool days_star, weekdays_star;
	struct si_cron_zone zone;
	char text[SI_CRON_MAX_TEXT + 1];   /* the expression as given */
};

/* Parses `text`: "[CRON_TZ=Area/City |TZ=Area/City ]MIN HOUR DOM MON DOW" or
 * one of @yearly @annually @monthly @weekly @daily @midnight @hourly.
 * Fields take `*`, numbers, ranges `a-b`, steps (`/n` after `*`, after a
 * range, or after a number: from it to the field's end), comma lists,
 * month names JAN-DEC and day names SUN-SAT (any case); 0 and 7 are both
 * Sunday. The zone file is read from TZDIR, else /usr/share/zoneinfo. A schedule that can never fire (such as
 * `0 0 30 2 *`) is refused. Errors (SI_ERR_SYNTAX, SI_ERR_INVALID for a
 * zone, SI_ERR_IO, SI_ERR_LIMIT) name the field and the token. `out` is
 * plain data: nothing to free. */
si_rc si_cron_parse(const char *text, struct si_cron *out, struct si_error *err);

/* The first instant strictly after `after` at which `c` fires: the start of
 * a matching minute of the zone's local time. A local time skipped by a
 * daylight saving change fires once, at the end of the skipped hour (the
 * instant of the change); a local time that happens twice fires at its
 * first occurrence only. (time_t)-1 when there is none within 10 years
 * (never for a schedule si_cron_parse() took, short of time_t's end). */
time_t si_cron_next(const struct si_cron *c, time_t after);

/* The zone's offset from UTC at `t`, in seconds east. */
long si_cron_utc_offset(const struct si_cron *c, time_t t);

#endif
