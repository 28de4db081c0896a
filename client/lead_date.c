/* Command-line dates: absolute local times through mktime (so TZ and its DST
 * rules apply), UTC times by arithmetic, relative ones from "now". */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lead_date.h"

#define MS_MINUTE 60000LL
#define MS_HOUR (60 * MS_MINUTE)
#define MS_DAY (24 * MS_HOUR)
/* Bounds: nothing before 1970 or after 9999 means anything for a lead, and
 * they keep every sum below in range. */
#define MAX_COUNT 1000000LL
#define MAX_YEAR 9999

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil): UTC needs no time zone, and timegm is not C11. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : days[m - 1];
}

/* The date of a day count (the inverse of days_from_civil). */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Exactly n digits at *p into *out; advances *p. */
static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

/* A clock time at *p: 9:00, 09:00 or 09:00:15 (people write the hour with
 * one digit). Advances *p; range checks are the caller's. */
static int clock_time(const char **p, int *h, int *mi, int *sec)
{
	/* (*p)[1] only when (*p)[0] is a digit: never past the NUL. */
	int two = isdigit((unsigned char)(*p)[0]) && isdigit((unsigned char)(*p)[1]);
	*sec = 0;
	if (digits(p, two ? 2 : 1, h) || *(*p)++ != ':' || digits(p, 2, mi))
		return -1;
	if (**p == ':') {
		(*p)++;
		if (digits(p, 2, sec))
			return -1;
	}
	return 0;
}

static int same_minute(const struct tm *a, const struct tm *b)
{
	return a->tm_year == b->tm_year && a->tm_mon == b->tm_mon && a->tm_mday == b->tm_mday &&
	       a->tm_hour == b->tm_hour && a->tm_min == b->tm_min && a->tm_sec == b->tm_sec;
}

/* A local wall-clock time as unix seconds; -1 when the time zone skips it
 * (a DST gap). Of two instants with that wall-clock time (the hour repeated
 * when DST ends), the earlier. */
static int local_to_unix(const struct tm *want, time_t *out)
{
	struct tm tm = *want, back;
	tm.tm_isdst = -1;
	time_t t = mktime(&tm);
	if (t == (time_t)-1 || !localtime_r(&t, &back) || !same_minute(&back, want))
		return -1;
	/* DST shifts are 1 h almost everywhere, 30 min on Lord Howe Island. */
	static const int shifts[] = {3600, 1800};
	for (size_t i = 0; i < sizeof(shifts) / sizeof(shifts[0]); i++) {
		time_t e = t - shifts[i];
		if (localtime_r(&e, &back) && same_minute(&back, want)) {
			t = e;
			break;
		}
	}
	*out = t;
	return 0;
}

static const char WHY_GAP[] =
	"that local time does not exist (the clocks skip it for daylight saving time)";
static const char WHY_BEFORE[] = "dates before 1970 are not accepted";
static const char WHY_RANGE[] = "that is out of range (1970 to 9999)";

/* A local date and clock time as unix seconds. With no clock time the day's
 * first instant: midnight, or when a DST change skips midnight (it does in
 * some zones) the moment the clocks jump to. A clock time that is skipped
 * is refused: the user named a time that never shows on a clock. */
static int local_day_time(int y, int mo, int d, int has_time, int h, int mi, int sec,
			  int64_t *out_secs, const char **why)
{
	struct tm tm = {.tm_year = y - 1900,
			.tm_mon = mo - 1,
			.tm_mday = d,
			.tm_hour = h,
			.tm_min = mi,
			.tm_sec = sec};
	time_t t;
	if (local_to_unix(&tm, &t) < 0) {
		if (has_time) {
			*why = WHY_GAP;
			return -1;
		}
		tm.tm_isdst = -1;
		t = mktime(&tm);
		if (t == (time_t)-1) {
			*why = WHY_RANGE;
			return -1;
		}
	}
	*out_secs = (int64_t)t;
	return 0;
}

static int parse_absolute(const char *s, int64_t *out_ms, const char **why)
{
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0, utc = 0, has_time = 0;
	*why = "not a date";
	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
	    digits(&p, 2, &d))
		return -1;
	/* 2026-12-01T10:30 (ISO 8601) or 2026-12-01 10:30 (as people write). */
	if (*p == 'T' || *p == ' ') {
		p++;
		has_time = 1;
		if (clock_time(&p, &h, &mi, &sec))
			return -1;
		if (*p == 'Z') {
			utc = 1;
			p++;
		}
	}
	if (*p)
		return -1;
	*why = WHY_BEFORE;
	if (y < 1970)
		return -1;
	*why = "no such day or time";
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59)
		return -1;
	int64_t secs;
	if (utc)
		secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	else if (local_day_time(y, mo, d, has_time, h, mi, sec, &secs, why) < 0)
		return -1;
	if (secs < 0) {
		*why = WHY_BEFORE;
		return -1;
	}
	*out_ms = secs * 1000;
	return 0;
}

/* A span: counts with units in the order w, d, h, m, each at most once
 * ("90m", "1h30m", "2w3d"). Weeks and days go to *days (calendar days, or
 * 24 h where a caller wants a fixed length), hours and minutes to *ms.
 * No sign, no spaces, no zero count. */
static int parse_span(const char *s, int64_t *days, int64_t *ms)
{
	static const char units[] = "wdhm";
	const char *p = s;
	int next = 0; /* the first unit still allowed */
	*days = *ms = 0;
	if (!*p)
		return -1;
	while (*p) {
		if (!isdigit((unsigned char)*p))
			return -1;
		char *end;
		errno = 0;
		long long n = strtoll(p, &end, 10);
		if (errno || n <= 0 || n > MAX_COUNT || !*end)
			return -1;
		const char *u = strchr(units + next, *end);
		if (!u)
			return -1;
		next = (int)(u - units) + 1;
		switch (*u) {
		case 'w':
			*days += 7 * n;
			break;
		case 'd':
			*days += n;
			break;
		case 'h':
			*ms += n * MS_HOUR;
			break;
		default:
			*ms += n * MS_MINUTE;
		}
		p = end + 1;
	}
	return 0;
}

int lead_duration_parse(const char *s, int64_t *out_ms)
{
	int64_t days, ms;
	if (!s || parse_span(s, &days, &ms) < 0)
		return -1;
	*out_ms = days * MS_DAY + ms;
	return 0;
}

/* Day words: today, tomorrow, and the days of the week by their first three
 * letters or full English names, case ignored. The index is tm_wday for a
 * weekday, DAY_TODAY or DAY_TOMORROW; -1 for anything else. */
enum { DAY_TODAY = 7, DAY_TOMORROW = 8 };
static int day_word(const char *w, size_t n)
{
	static const char *const names[] = {"sunday",   "monday", "tuesday", "wednesday",
					    "thursday", "friday", "saturday"};
	char low[16];
	if (n == 0 || n >= sizeof(low))
		return -1;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)w[i]);
	low[n] = 0;
	if (strcmp(low, "today") == 0)
		return DAY_TODAY;
	if (strcmp(low, "tomorrow") == 0)
		return DAY_TOMORROW;
	for (int i = 0; i < 7; i++)
		if ((n == 3 && strncmp(low, names[i], 3) == 0) || strcmp(low, names[i]) == 0)
			return i;
	return -1;
}

/* The length of the leading word of letters in s. */
static size_t word_len(const char *s)
{
	size_t n = 0;
	while (isalpha((unsigned char)s[n]))
		n++;
	return n;
}

int lead_date_is_relative(const char *s)
{
	return s && (s[0] == '-' || s[0] == '+' || day_word(s, word_len(s)) >= 0);
}

/* today, tomorrow, mon, each alone (the day's first instant) or with a
 * clock time ("tomorrow 10:00", "mon 9:00"). A weekday is the next one
 * whose time is still ahead: today's when it is that day and the time has
 * not come, else next week's (so "mon" said on a Monday is a week away). */
static int parse_day(const char *s, int64_t now_ms, int64_t *out_ms, const char **why)
{
	size_t n = word_len(s);
	int which = day_word(s, n);
	const char *p = s + n;
	int has_time = 0, h = 0, mi = 0, sec = 0;
	*why = "not a date";
	if (which < 0)
		return -1;
	if (*p == ' ') {
		while (*p == ' ')
			p++;
		has_time = 1;
		if (clock_time(&p, &h, &mi, &sec))
			return -1;
	}
	if (*p)
		return -1;
	*why = "no such time";
	if (h > 23 || mi > 59 || sec > 59)
		return -1;
	time_t now = (time_t)(now_ms / 1000);
	struct tm tm;
	*why = WHY_RANGE;
	if (!localtime_r(&now, &tm))
		return -1;
	int64_t today = days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	int add = which == DAY_TODAY ? 0 : which == DAY_TOMORROW ? 1 : (which - tm.tm_wday + 7) % 7;
	for (;;) {
		int y, mo, d;
		civil_from_days(today + add, &y, &mo, &d);
		if (y > MAX_YEAR)
			return -1;
		int64_t secs;
		if (local_day_time(y, mo, d, has_time, h, mi, sec, &secs, why) < 0)
			return -1;
		if (which < 7 && secs * 1000 <= now_ms && add == 0) {
			add = 7;
			continue;
		}
		if (secs < 0) {
			*why = WHY_BEFORE;
			return -1;
		}
		*out_ms = secs * 1000;
		return 0;
	}
}

/* "+2d", "-7d", "-1h30m": a span before or after now (whole seconds): m and
 * h exactly, d and w in calendar days, keeping the wall-clock time. */
static int parse_relative(const char *s, int64_t now_ms, int64_t *out_ms, const char **why)
{
	time_t now = (time_t)(now_ms / 1000);
	struct tm tm;
	int64_t days, ms;
	*why = "not a date";
	if (parse_span(s + 1, &days, &ms) < 0 || !localtime_r(&now, &tm))
		return -1;
	if (s[0] == '-') {
		days = -days;
		ms = -ms;
	}
	time_t t = now;
	if (days) {
		/* Calendar days: 10:00 a week ago is 10:00, whatever DST did
		 * since. A wall-clock time that fell in a DST gap: mktime moves
		 * it forward, the sensible reading ("a day ago" at 02:30). */
		tm.tm_mday += (int)days;
		tm.tm_isdst = -1;
		t = mktime(&tm);
		struct tm norm;
		if (t == (time_t)-1 || !localtime_r(&t, &norm) || norm.tm_year + 1900 > MAX_YEAR ||
		    t < 0) {
			*why = WHY_RANGE;
			return -1;
		}
	}
	int64_t out = (int64_t)t * 1000 + ms;
	if (out < 0) {
		*why = days ? WHY_RANGE : WHY_BEFORE;
		return -1;
	}
	*out_ms = out;
	return 0;
}

int lead_date_parse(const char *s, int64_t now_ms, int64_t *out_ms, const char **why)
{
	const char *ignored;
	if (!why)
		why = &ignored;
	if (!s || !*s) {
		*why = "the date is empty";
		return -1;
	}
	if (s[0] == '-' || s[0] == '+') {
		if (parse_relative(s, now_ms, out_ms, why) < 0)
			return -1;
	} else if (isalpha((unsigned char)s[0])) {
		if (parse_day(s, now_ms, out_ms, why) < 0)
			return -1;
	} else if (parse_absolute(s, out_ms, why) < 0) {
		return -1;
	}
	if (*out_ms / 1000 > days_from_civil(MAX_YEAR, 12, 31) * 86400 + 86399) {
		*why = WHY_RANGE;
		return -1;
	}
	return 0;
}

int lead_date_option(const char *opt, const char *arg, int64_t now_ms, unsigned flags,
		     int64_t *out_ms, char *msg, size_t msglen)
{
	const char *why = "not a date";
	int64_t d;
	if ((flags & LEAD_DATE_NONE) && strcmp(arg, "none") == 0) {
		*out_ms = 0;
		return 0;
	}
	if ((flags & LEAD_DATE_NOW) && strcmp(arg, "now") == 0) {
		*out_ms = now_ms;
		return 0;
	}
	if ((flags & LEAD_DATE_BACK) && lead_duration_parse(arg, &d) == 0) {
		char back[40];
		snprintf(back, sizeof(back), "-%s", arg);
		if (lead_date_parse(back, now_ms, out_ms, &why) == 0)
			return 0;
	} else if (lead_date_parse(arg, now_ms, out_ms, &why) == 0) {
		if ((flags & LEAD_DATE_BACK) && *out_ms > now_ms)
			why = "that is in the future";
		else if (*out_ms <= 0)
			why = "that is out of range (1970 to 9999)";
		else
			return 0;
	}
	if (flags & LEAD_DATE_BACK)
		snprintf(msg, msglen,
			 "%s: '%s': %s; give a duration back from now (7d, 12h, 2w) or a date: %s",
			 opt, arg, why, LEAD_DATE_FORMS);
	else
		snprintf(msg, msglen, "%s: '%s': %s; a date is %s%s%s", opt, arg, why,
			 LEAD_DATE_FORMS, flags & LEAD_DATE_NOW ? ", or now" : "",
			 flags & LEAD_DATE_NONE ? ", or none to clear it" : "");
	return -1;
}

void lead_date_format_utc(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (ms < 0 || !gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "-");
}

void lead_date_format_local(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	/* The zone's abbreviation too: dates are typed in local time, and a
	 * time read back without its zone is easily taken for UTC. */
	if (ms < 0 || !localtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M %Z", &tm))
		snprintf(buf, len, "-");
}

void lead_date_format_day(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (ms < 0 || !localtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d", &tm))
		snprintf(buf, len, "-");
}

void lead_date_month_days(int64_t ms, char *first, char *last, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (ms < 0 || !localtime_r(&t, &tm)) {
		snprintf(first, len, "-");
		snprintf(last, len, "-");
		return;
	}
	int y = tm.tm_year + 1900, m = tm.tm_mon + 1;
	snprintf(first, len, "%04d-%02d-01", y, m);
	snprintf(last, len, "%04d-%02d-%02d", y, m, days_in_month(y, m));
}

void lead_duration_format(int64_t ms, char *buf, size_t len)
{
	static const struct {
		int64_t ms;
		char unit;
	} units[] = {{MS_DAY, 'd'}, {MS_HOUR, 'h'}, {MS_MINUTE, 'm'}, {1000, 's'}};
	if (ms < 1000) {
		snprintf(buf, len, "%s", ms <= 0 ? "0s" : "<1s");
		return;
	}
	size_t i = 0;
	while (ms < units[i].ms)
		i++;
	long long big = (long long)(ms / units[i].ms);
	long long rest = i + 1 < 4 ? (long long)((ms % units[i].ms) / units[i + 1].ms) : 0;
	if (rest)
		snprintf(buf, len, "%lld%c %lld%c", big, units[i].unit, rest, units[i + 1].unit);
	else
		snprintf(buf, len, "%lld%c", big, units[i].unit);
}

int64_t lead_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
