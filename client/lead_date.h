/* Dates and durations on the command line: read in the client's time zone
 * (TZ), sent as UTC unix milliseconds. No lead headers: the unit tests link
 * this file alone. */
#ifndef LEAD_DATE_H
#define LEAD_DATE_H

#include <stddef.h>
#include <stdint.h>

/* The forms lead_date_parse accepts, for usage errors and help. */
#define LEAD_DATE_FORMS                                                                            \
	"2026-12-01, 2026-12-01T10:30 or 2026-12-01 10:30 (local time; :SS and a final Z for "     \
	"UTC also work), today, tomorrow or a weekday (mon or monday: the next one), each "        \
	"alone or with a time (tomorrow 10:00, mon 9:00), -7d or +2d (units m, h, d, w; "          \
	"+1h30m)"

/* The same, wrapped for help text. */
#define LEAD_DATE_HELP                                                                             \
	"2026-12-01, 2026-12-01T10:30 or 2026-12-01 10:30\n"                                       \
	"in local time (TZ; seconds may follow, and a final Z means UTC); today,\n"                \
	"tomorrow or a weekday (mon or monday: the next one), alone (its midnight)\n"              \
	"or with a time (tomorrow 10:00, mon 9:00); or -7d or +2d from now\n"                      \
	"(units m, h, d, w; +1h30m)"

/* The current time as unix ms (the "now" relative dates count from). */
int64_t lead_now_ms(void);

/* s as unix ms. now_ms is the current time; relative forms count from it
 * (whole seconds): m and h exactly, d and w in calendar days, keeping the
 * wall-clock time across a DST change. "mon 9:00" is the next Monday at
 * 9:00: today when it is Monday and 9:00 is still ahead, else within a
 * week. A local time that occurs twice is the earlier one; one the clocks
 * skip is refused (a day's midnight that is skipped is the day's first
 * instant). 0 with *out_ms, or -1 with *why saying what is wrong. */
int lead_date_parse(const char *s, int64_t now_ms, int64_t *out_ms, const char **why);
/* What a date option also takes (lead_date_option flags). */
#define LEAD_DATE_NOW 1  /* "now": the current time */
#define LEAD_DATE_NONE 2 /* "none": 0, to clear a date */
#define LEAD_DATE_BACK 4 /* a bare duration (7d) counts back from now; no future dates */

/* The value arg of the date option opt ("--since", as the user knows it),
 * the one way every command reads a date option. 0 with *out_ms, or -1
 * with a usage sentence for people in msg naming opt, the value, what is
 * wrong and the forms it takes. */
int lead_date_option(const char *opt, const char *arg, int64_t now_ms, unsigned flags,
		     int64_t *out_ms, char *msg, size_t msglen);
/* 1 when s depends on the current time (today, tomorrow 10:00, mon, -7d),
 * else 0. */
int lead_date_is_relative(const char *s);
/* "2026-12-01T09:30:15Z": a form lead_date_parse reads back exactly (to the
 * second). */
void lead_date_format_utc(int64_t ms, char *buf, size_t len);
/* "2026-12-01 10:30 CET": local time (TZ) and its zone, for people; the
 * one way the CLI prints a time (--json keeps UTC unix ms). */
void lead_date_format_local(int64_t ms, char *buf, size_t len);

/* "2026-12-01": the local calendar day (TZ) ms falls in; "-" when it
 * cannot be said. The form opportunities' dates take (YYYY-MM-DD, no zone). */
void lead_date_format_day(int64_t ms, char *buf, size_t len);
/* The first and last local days of the month ms falls in: "2026-12-01" and
 * "2026-12-31". */
void lead_date_month_days(int64_t ms, char *first, char *last, size_t len);

/* "14d", "90m", "1h30m": positive counts with units w, d, h, m in that
 * order, each at most once; 0 with *out_ms or -1. A day here is 24 hours. */
int lead_duration_parse(const char *s, int64_t *out_ms);
/* For people: "3d 4h", "5h 12m", "42m", "30s"; at most two units. */
void lead_duration_format(int64_t ms, char *buf, size_t len);

#endif
