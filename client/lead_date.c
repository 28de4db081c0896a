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
#define MS_WEEK (7 * MS_DAY)
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

static int parse_absolute(const char *s, int64_t *out_ms, const char **why)
{
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0, utc = 0;
	*why = "not a date";
	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
	    digits(&p, 2, &d))
		return -1;
	if (*p == 'T') {
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
			return -1;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &sec))
				return -1;
		}
		if (*p == 'Z') {
			utc = 1;
			p++;
		}
	}
	if (*p)
		return -1;
	*why = "dates before 1970 are not accepted";
	if (y < 1970)
		return -1;
	*why = "no such day or time";
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59)
		return -1;
	int64_t secs;
	if (utc) {
		secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	} else {
		struct tm tm = {.tm_year = y - 1900,
				.tm_mon = mo - 1,
				.tm_mday = d,
				.tm_hour = h,
				.tm_min = mi,
				.tm_sec = sec};
		time_t t;
		if (local_to_unix(&tm, &t) < 0) {
			*why = "that local time does not exist (the clocks skip it for daylight "
			       "saving time)";
			return -1;
		}
		secs = (int64_t)t;
	}
	if (secs < 0) {
		*why = "dates before 1970 are not accepted";
		return -1;
	}
	*out_ms = secs * 1000;
	return 0;
}

/* "+2d", "-7d", "3h" (a sign is optional for durations only: see callers):
 * count and unit. */
static int parse_count_unit(const char *s, long long *count, char *unit)
{
	if (!isdigit((unsigned char)*s))
		return -1;
	char *end;
	errno = 0;
	long long n = strtoll(s, &end, 10);
	if (errno || n <= 0 || n > MAX_COUNT || !*end || end[1])
		return -1;
	if (!strchr("mhdw", *end))
		return -1;
	*count = n;
	*unit = *end;
	return 0;
}

int lead_duration_parse(const char *s, int64_t *out_ms)
{
	long long n;
	char unit;
	if (!s || parse_count_unit(s, &n, &unit) < 0)
		return -1;
	int64_t per = unit == 'm'   ? MS_MINUTE
		      : unit == 'h' ? MS_HOUR
		      : unit == 'd' ? MS_DAY
				    : MS_WEEK;
	*out_ms = n * per;
	return 0;
}

int lead_date_is_relative(const char *s)
{
	return s && (s[0] == '-' || s[0] == '+' || strcmp(s, "today") == 0);
}

static int parse_relative(const char *s, int64_t now_ms, int64_t *out_ms, const char **why)
{
	time_t now = (time_t)(now_ms / 1000);
	struct tm tm;
	*why = "not a date";
	if (!localtime_r(&now, &tm))
		return -1;
	if (strcmp(s, "today") == 0) {
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	} else {
		long long n;
		char unit;
		if (parse_count_unit(s + 1, &n, &unit) < 0)
			return -1;
		if (s[0] == '-')
			n = -n;
		if (unit == 'm' || unit == 'h') {
			int64_t ms = (int64_t)now * 1000 + n * (unit == 'm' ? MS_MINUTE : MS_HOUR);
			if (ms < 0) {
				*why = "dates before 1970 are not accepted";
				return -1;
			}
			*out_ms = ms;
			return 0;
		}
		/* Calendar days: 10:00 a week ago is 10:00, whatever DST did since. */
		tm.tm_mday += (int)(unit == 'w' ? 7 * n : n);
	}
	tm.tm_isdst = -1;
	time_t t = mktime(&tm);
	struct tm norm;
	if (t == (time_t)-1 || !localtime_r(&t, &norm) || norm.tm_year + 1900 > MAX_YEAR || t < 0) {
		*why = "that is out of range (1970 to 9999)";
		return -1;
	}
	/* The wall-clock time fell in a DST gap: mktime moved it forward,
	 * which is the sensible reading ("a day ago" at 02:30 on that day). */
	*out_ms = (int64_t)t * 1000;
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
	if (lead_date_is_relative(s))
		return parse_relative(s, now_ms, out_ms, why);
	if (parse_absolute(s, out_ms, why) < 0)
		return -1;
	if (*out_ms / 1000 > days_from_civil(MAX_YEAR, 12, 31) * 86400 + 86399) {
		*why = "that is out of range (1970 to 9999)";
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
