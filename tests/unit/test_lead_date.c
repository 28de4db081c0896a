/* Unit tests for client/lead_date.h: command-line dates read in the
 * client's time zone (TZ is set here: Europe/Paris, whose clocks go forward
 * on 2026-03-29 at 02:00 and back on 2026-10-25 at 03:00; some tests pin
 * America/New_York, forward on 2026-03-08 and back on 2026-11-01 at 02:00,
 * and America/Sao_Paulo, whose clocks skipped midnight in 2018), durations,
 * and the forms printed back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "lead_date.h"

#define H 3600000LL
#define D (24 * H)

/* 2026-12-01T00:00:00Z */
static const int64_t DEC1_UTC = 1796083200000LL;

static int64_t parse_ok(const char *s, int64_t now)
{
	int64_t out = -1;
	const char *why = NULL;
	int rc = lead_date_parse(s, now, &out, &why);
	if (rc != 0)
		fail_msg("'%s' refused: %s", s, why ? why : "?");
	return out;
}

static void parse_bad(const char *s, const char *why_part)
{
	int64_t out = 12345;
	const char *why = NULL;
	assert_int_equal(lead_date_parse(s, DEC1_UTC, &out, &why), -1);
	assert_non_null(why);
	if (why_part && !strstr(why, why_part))
		fail_msg("'%s': reason '%s' lacks '%s'", s, why, why_part);
	assert_int_equal(out, 12345);
}

static void set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static int setup_paris(void **state)
{
	(void)state;
	set_tz("Europe/Paris");
	return 0;
}

/* Every test starts in Paris, whatever the one before it pinned. */
static int back_to_paris(void **state)
{
	return setup_paris(state);
}

static void test_absolute_local(void **state)
{
	(void)state;
	/* Winter: UTC+1. */
	assert_int_equal(parse_ok("2026-12-01", 0), DEC1_UTC - H);
	assert_int_equal(parse_ok("2026-12-01T10:30", 0), DEC1_UTC + 9 * H + 30 * 60000);
	assert_int_equal(parse_ok("2026-12-01T10:30:15", 0), DEC1_UTC + 9 * H + 30 * 60000 + 15000);
	/* Summer: UTC+2. */
	assert_int_equal(parse_ok("2026-07-01T12:00", 0), parse_ok("2026-07-01T10:00Z", 0));
	/* Leap day. */
	assert_int_equal(parse_ok("2028-02-29", 0), parse_ok("2028-02-28T23:00Z", 0));
}

static void test_absolute_utc(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("2026-12-01T00:00Z", 0), DEC1_UTC);
	assert_int_equal(parse_ok("2026-12-01T00:00:01Z", 0), DEC1_UTC + 1000);
	assert_int_equal(parse_ok("1970-01-01T00:00Z", 0), 0);
	char buf[32];
	lead_date_format_utc(DEC1_UTC + 9 * H + 1500, buf, sizeof(buf));
	assert_string_equal(buf, "2026-12-01T09:00:01Z");
	/* What is printed reads back to the same second. */
	assert_int_equal(parse_ok(buf, 0), DEC1_UTC + 9 * H + 1000);
}

static void test_dst_edges(void **state)
{
	(void)state;
	/* Midnight of the day the clocks go forward is still UTC+1 ... */
	assert_int_equal(parse_ok("2026-03-29", 0), parse_ok("2026-03-28T23:00Z", 0));
	/* ... 03:00 is the first instant of summer time, one hour after 01:00Z. */
	assert_int_equal(parse_ok("2026-03-29T03:00", 0), parse_ok("2026-03-29T01:00Z", 0));
	assert_int_equal(parse_ok("2026-03-29T01:59", 0), parse_ok("2026-03-29T00:59Z", 0));
	/* 02:30 never happens that day. */
	parse_bad("2026-03-29T02:30", "daylight saving");
	/* 02:30 happens twice on 2026-10-25: the earlier one (summer time). */
	assert_int_equal(parse_ok("2026-10-25T02:30", 0), parse_ok("2026-10-25T00:30Z", 0));
	assert_int_equal(parse_ok("2026-10-25T03:30", 0), parse_ok("2026-10-25T02:30Z", 0));

	/* -1d across the spring change keeps the wall-clock time: 23 h back. */
	int64_t noon_after = parse_ok("2026-03-29T12:00", 0);
	assert_int_equal(parse_ok("-1d", noon_after), parse_ok("2026-03-28T12:00", 0));
	assert_int_equal(noon_after - parse_ok("-1d", noon_after), 23 * H);
	/* ... and 25 h back across the autumn one; -24h is exact. */
	int64_t noon_oct = parse_ok("2026-10-25T12:00", 0);
	assert_int_equal(noon_oct - parse_ok("-1d", noon_oct), 25 * H);
	assert_int_equal(noon_oct - parse_ok("-24h", noon_oct), 24 * H);
	/* today on the short day is its local midnight. */
	assert_int_equal(parse_ok("today", noon_after), parse_ok("2026-03-29", 0));
}

static void test_relative(void **state)
{
	(void)state;
	int64_t now = DEC1_UTC + 15 * H + 1234; /* 16:00:01.234 in Paris */
	int64_t whole = DEC1_UTC + 15 * H + 1000;
	assert_int_equal(parse_ok("-7d", now), whole - 7 * D);
	assert_int_equal(parse_ok("+2d", now), whole + 2 * D);
	assert_int_equal(parse_ok("-2w", now), whole - 14 * D);
	assert_int_equal(parse_ok("-3h", now), whole - 3 * H);
	assert_int_equal(parse_ok("+90m", now), whole + 90 * 60000);
	assert_int_equal(parse_ok("today", now), DEC1_UTC - H);
	assert_int_equal(lead_date_is_relative("-7d"), 1);
	assert_int_equal(lead_date_is_relative("today"), 1);
	assert_int_equal(lead_date_is_relative("2026-12-01"), 0);
}

static void test_bad(void **state)
{
	(void)state;
	parse_bad("", "empty");
	parse_bad("2026-13-01", "no such");
	parse_bad("2026-02-29", "no such");
	parse_bad("2026-04-31", "no such");
	parse_bad("2026-12-01T24:00", "no such");
	parse_bad("2026-12-01T10:60", "no such");
	parse_bad("2026-12-01T10", NULL);
	parse_bad("2026-12-01 10", NULL);
	parse_bad("2026-12-01 ", NULL);
	parse_bad("2026-12-01  10:30", NULL);
	parse_bad("2026-12-01 10:30 ", NULL);
	parse_bad("2026-12-01 24:00", "no such");
	parse_bad("2026-12-1", NULL);
	parse_bad("26-12-01", NULL);
	parse_bad("2026-12-01T10:30Zx", NULL);
	parse_bad("1969-12-31", "before 1970");
	parse_bad("-7", NULL);
	parse_bad("-7y", NULL);
	parse_bad("-0d", NULL);
	parse_bad("--7d", NULL);
	parse_bad("-7d ", NULL);
	parse_bad("- 7d", NULL);
	parse_bad("-99999999999999999999d", NULL);
	/* The bounds: a million units at most, nothing before 1970. */
	parse_bad("-1000001m", NULL);
	parse_bad("-1000000w", "range");
	parse_bad("-100000d", "range");
	parse_bad("+1000000w", "range");
}

static void test_duration(void **state)
{
	(void)state;
	int64_t ms = 0;
	assert_int_equal(lead_duration_parse("14d", &ms), 0);
	assert_int_equal(ms, 14 * D);
	assert_int_equal(lead_duration_parse("2w", &ms), 0);
	assert_int_equal(ms, 14 * D);
	assert_int_equal(lead_duration_parse("36h", &ms), 0);
	assert_int_equal(ms, 36 * H);
	assert_int_equal(lead_duration_parse("5m", &ms), 0);
	assert_int_equal(ms, 300000);
	assert_int_equal(lead_duration_parse("1000000w", &ms), 0);
	const char *bad[] = {"",     "0d",  "d",    "14",       "14x", "14dd",
			     "-14d", "+1d", "1.5d", "1000001d", " 1d"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (lead_duration_parse(bad[i], &ms) != -1)
			fail_msg("duration '%s' accepted", bad[i]);

	char buf[32];
	lead_duration_format(3 * D + 4 * H + 5 * 60000, buf, sizeof(buf));
	assert_string_equal(buf, "3d 4h");
	lead_duration_format(5 * H + 12 * 60000, buf, sizeof(buf));
	assert_string_equal(buf, "5h 12m");
	lead_duration_format(42 * 60000, buf, sizeof(buf));
	assert_string_equal(buf, "42m");
	lead_duration_format(30000, buf, sizeof(buf));
	assert_string_equal(buf, "30s");
	lead_duration_format(2 * D, buf, sizeof(buf));
	assert_string_equal(buf, "2d");
	lead_duration_format(0, buf, sizeof(buf));
	assert_string_equal(buf, "0s");
	lead_duration_format(400, buf, sizeof(buf));
	assert_string_equal(buf, "<1s");
}

static void test_format_local(void **state)
{
	(void)state;
	char buf[32];
	lead_date_format_local(DEC1_UTC, buf, sizeof(buf));
	assert_string_equal(buf, "2026-12-01 01:00 CET");
	/* Summer time has its own abbreviation: 2026-07-01T10:00Z. */
	lead_date_format_local(1782900000000LL, buf, sizeof(buf));
	assert_string_equal(buf, "2026-07-01 12:00 CEST");
}

/* Opportunities' days (issue 15): the local calendar day, and the local
 * month's first and last days, not UTC's. */
static void test_format_day(void **state)
{
	(void)state;
	char day[16], first[16], last[16];
	/* 2026-11-30T23:30Z is already 1 December in Paris. */
	lead_date_format_day(DEC1_UTC - 30 * 60000LL, day, sizeof(day));
	assert_string_equal(day, "2026-12-01");
	lead_date_month_days(DEC1_UTC - 30 * 60000LL, first, last, sizeof(first));
	assert_string_equal(first, "2026-12-01");
	assert_string_equal(last, "2026-12-31");
	/* A leap February: 2028-02-10T12:00Z. */
	lead_date_month_days(1833796800000LL, first, last, sizeof(first));
	assert_string_equal(first, "2028-02-01");
	assert_string_equal(last, "2028-02-29");
	/* New York is still in November then. */
	set_tz("America/New_York");
	lead_date_format_day(DEC1_UTC - 30 * 60000LL, day, sizeof(day));
	assert_string_equal(day, "2026-11-30");
	lead_date_month_days(DEC1_UTC - 30 * 60000LL, first, last, sizeof(first));
	assert_string_equal(last, "2026-11-30");
}

/* lead_date_option: the one reader of --created-since, --since, --next. */
static void test_option(void **state)
{
	(void)state;
	char msg[512];
	int64_t out = -1;
	assert_int_equal(
		lead_date_option("--next", "now", DEC1_UTC, LEAD_DATE_NOW, &out, msg, sizeof(msg)),
		0);
	assert_true(out == DEC1_UTC);
	assert_int_equal(lead_date_option("--next", "none", DEC1_UTC,
					  LEAD_DATE_NOW | LEAD_DATE_NONE, &out, msg, sizeof(msg)),
			 0);
	assert_true(out == 0);
	assert_int_equal(
		lead_date_option("--next", "none", DEC1_UTC, LEAD_DATE_NOW, &out, msg, sizeof(msg)),
		-1);
	assert_string_equal(msg,
			    "--next: 'none': not a date; a date is " LEAD_DATE_FORMS ", or now");
	assert_int_equal(
		lead_date_option("--created-since", "now", DEC1_UTC, 0, &out, msg, sizeof(msg)),
		-1);
	assert_non_null(strstr(msg, "--created-since: 'now': not a date"));
	assert_int_equal(lead_date_option("--created-since", "2026-12-01T10:30Z", DEC1_UTC, 0, &out,
					  msg, sizeof(msg)),
			 0);
	assert_true(out == DEC1_UTC + 10 * H + 30 * 60000);
	/* --since: a bare duration counts back; a future date is refused. */
	assert_int_equal(
		lead_date_option("--since", "7d", DEC1_UTC, LEAD_DATE_BACK, &out, msg, sizeof(msg)),
		0);
	assert_true(out == DEC1_UTC - 7 * D);
	assert_int_equal(lead_date_option("--since", "+2d", DEC1_UTC, LEAD_DATE_BACK, &out, msg,
					  sizeof(msg)),
			 -1);
	assert_string_equal(msg, "--since: '+2d': that is in the future; give a duration back "
				 "from now (7d, 12h, 2w) or a date: " LEAD_DATE_FORMS);
	assert_int_equal(lead_date_option("--next", "1970-01-01T00:00Z", DEC1_UTC, LEAD_DATE_NOW,
					  &out, msg, sizeof(msg)),
			 -1);
	assert_non_null(strstr(msg, "out of range"));
	/* A message never overruns its buffer. */
	char small[16];
	assert_int_equal(lead_date_option("--since", "bogus", DEC1_UTC, LEAD_DATE_BACK, &out, small,
					  sizeof(small)),
			 -1);
	assert_int_equal(strlen(small), sizeof(small) - 1);
}

/* 2026-12-01 10:30: the ISO form with a space, as people write it. */
static void test_space_form(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("2026-12-01 10:30", 0), parse_ok("2026-12-01T10:30", 0));
	assert_int_equal(parse_ok("2026-12-01 10:30:15", 0), parse_ok("2026-12-01T10:30:15", 0));
	assert_int_equal(parse_ok("2026-12-01 10:30Z", 0), DEC1_UTC + 10 * H + 30 * 60000);
	/* One digit for the hour. */
	assert_int_equal(parse_ok("2026-12-01 9:05", 0), parse_ok("2026-12-01T09:05", 0));
	parse_bad("2026-03-29 02:30", "daylight saving");
	assert_int_equal(lead_date_is_relative("2026-12-01 10:30"), 0);
}

/* today, tomorrow and weekdays, alone or with a time; 2026-12-01 is a
 * Tuesday. */
static void test_day_words(void **state)
{
	(void)state;
	int64_t now = parse_ok("2026-12-01T16:00", 0);
	assert_int_equal(parse_ok("tomorrow", now), parse_ok("2026-12-02", 0));
	assert_int_equal(parse_ok("tomorrow 10:00", now), parse_ok("2026-12-02T10:00", 0));
	assert_int_equal(parse_ok("Tomorrow 9:30", now), parse_ok("2026-12-02T09:30", 0));
	assert_int_equal(parse_ok("today 14:00", now), parse_ok("2026-12-01T14:00", 0));
	assert_int_equal(parse_ok("today 18:00:30", now), parse_ok("2026-12-01T18:00:30", 0));
	assert_int_equal(parse_ok("tomorrow  10:00", now), parse_ok("2026-12-02T10:00", 0));
	/* The next Monday, by short or full name, any case. */
	int64_t mon9 = parse_ok("2026-12-07T09:00", 0);
	assert_int_equal(parse_ok("mon 9:00", now), mon9);
	assert_int_equal(parse_ok("MON 09:00", now), mon9);
	assert_int_equal(parse_ok("Monday 9:00", now), mon9);
	assert_int_equal(parse_ok("mon", now), parse_ok("2026-12-07", 0));
	assert_int_equal(parse_ok("wed", now), parse_ok("2026-12-02", 0));
	assert_int_equal(parse_ok("sunday 20:00", now), parse_ok("2026-12-06T20:00", 0));
	assert_int_equal(parse_ok("sat 8:00", now), parse_ok("2026-12-05T08:00", 0));
	/* Today's weekday: today while its time is ahead, else next week. */
	assert_int_equal(parse_ok("tue 17:00", now), parse_ok("2026-12-01T17:00", 0));
	assert_int_equal(parse_ok("tuesday 16:00", now), parse_ok("2026-12-08T16:00", 0));
	assert_int_equal(parse_ok("tue 9:00", now), parse_ok("2026-12-08T09:00", 0));
	assert_int_equal(parse_ok("tue", now), parse_ok("2026-12-08", 0));
	assert_int_equal(parse_ok("thu 9:00", now), parse_ok("2026-12-03T09:00", 0));
	assert_int_equal(parse_ok("fri 9:00", now), parse_ok("2026-12-04T09:00", 0));
	/* Across a month and a year. */
	int64_t dec31 = parse_ok("2026-12-31T22:00", 0);
	assert_int_equal(parse_ok("tomorrow 8:00", dec31), parse_ok("2027-01-01T08:00", 0));
	assert_int_equal(parse_ok("mon 9:00", dec31), parse_ok("2027-01-04T09:00", 0));

	assert_int_equal(lead_date_is_relative("tomorrow 10:00"), 1);
	assert_int_equal(lead_date_is_relative("Mon"), 1);
	assert_int_equal(lead_date_is_relative("monday 9:00"), 1);
	assert_int_equal(lead_date_is_relative("today"), 1);
	assert_int_equal(lead_date_is_relative("now"), 0);
	assert_int_equal(lead_date_is_relative("none"), 0);

	const char *bad[] = {"tomorrow10:00", "tomorrow 10",    "tomorrow 10:00Z",
			     "tomorrow ",     "tomorrow 1000",  "mo 9:00",
			     "mond",          "next mon",       "mon 9:00 am",
			     "yesterday",     "tomorrow,10:00", "mon-9:00",
			     " mon",          "tomorrow 9:5",   "todays",
			     "mondays"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t out = 12345;
		if (lead_date_parse(bad[i], now, &out, NULL) != -1)
			fail_msg("'%s' accepted", bad[i]);
		assert_int_equal(out, 12345);
	}
	const char *why = NULL;
	int64_t out;
	assert_int_equal(lead_date_parse("tomorrow 24:00", now, &out, &why), -1);
	assert_string_equal(why, "no such time");
	assert_int_equal(lead_date_parse("mon 9:60", now, &out, &why), -1);
	assert_string_equal(why, "no such time");
}

/* Day words across Paris's DST changes: 2026-03-29 and 2026-10-25 are
 * Sundays, the days after the Saturdays used as now. */
static void test_day_words_dst_paris(void **state)
{
	(void)state;
	int64_t sat = parse_ok("2026-03-28T12:00", 0);
	/* Tomorrow's midnight is still winter time, 10:00 is summer time. */
	assert_int_equal(parse_ok("tomorrow", sat), parse_ok("2026-03-28T23:00Z", 0));
	assert_int_equal(parse_ok("tomorrow 10:00", sat), parse_ok("2026-03-29T08:00Z", 0));
	assert_int_equal(parse_ok("sun 10:00", sat), parse_ok("2026-03-29T08:00Z", 0));
	/* A Monday a week later is a whole number of local days away. */
	assert_int_equal(parse_ok("mon 9:00", sat), parse_ok("2026-03-30T07:00Z", 0));
	/* 02:30 does not exist that Sunday. */
	const char *why = NULL;
	int64_t out = 12345;
	assert_int_equal(lead_date_parse("tomorrow 02:30", sat, &out, &why), -1);
	assert_non_null(strstr(why, "daylight saving"));
	assert_int_equal(lead_date_parse("sun 2:30", sat, &out, &why), -1);
	assert_int_equal(out, 12345);
	/* 02:30 happens twice on 2026-10-25: the earlier (summer time). */
	int64_t sat_oct = parse_ok("2026-10-24T12:00", 0);
	assert_int_equal(parse_ok("tomorrow 02:30", sat_oct), parse_ok("2026-10-25T00:30Z", 0));
	assert_int_equal(parse_ok("sun 3:30", sat_oct), parse_ok("2026-10-25T02:30Z", 0));
	assert_int_equal(parse_ok("tomorrow 12:00", sat_oct), parse_ok("2026-10-25T11:00Z", 0));
	/* +1d30m across it: a calendar day, then 30 minutes exactly. */
	assert_int_equal(parse_ok("+1d30m", sat_oct), parse_ok("2026-10-25T11:30Z", 0));
}

static void test_day_words_new_york(void **state)
{
	(void)state;
	set_tz("America/New_York");
	/* Friday 2026-03-06 noon, EST (UTC-5); Sunday the clocks go forward. */
	int64_t fri = parse_ok("2026-03-06T12:00", 0);
	assert_int_equal(fri, parse_ok("2026-03-06T17:00Z", 0));
	assert_int_equal(parse_ok("mon 9:00", fri), parse_ok("2026-03-09T13:00Z", 0));
	assert_int_equal(parse_ok("sun 9:00", fri), parse_ok("2026-03-08T13:00Z", 0));
	assert_int_equal(parse_ok("sun 1:59", fri), parse_ok("2026-03-08T06:59Z", 0));
	assert_int_equal(parse_ok("sun", fri), parse_ok("2026-03-08T05:00Z", 0));
	assert_int_equal(parse_ok("2026-03-08 10:30", 0), parse_ok("2026-03-08T14:30Z", 0));
	const char *why = NULL;
	int64_t out;
	assert_int_equal(lead_date_parse("sun 2:30", fri, &out, &why), -1);
	assert_non_null(strstr(why, "daylight saving"));
	assert_int_equal(lead_date_parse("2026-03-08 02:30", fri, &out, &why), -1);
	/* +2d keeps 12:00 though a day had 23 hours. */
	assert_int_equal(parse_ok("+2d", fri), parse_ok("2026-03-08T16:00Z", 0));
	/* Saturday 2026-10-31: 1:30 on Sunday happens twice, the earlier
	 * (EDT, UTC-4) is meant; 9:00 is EST. */
	int64_t sat = parse_ok("2026-10-31T12:00", 0);
	assert_int_equal(parse_ok("tomorrow 1:30", sat), parse_ok("2026-11-01T05:30Z", 0));
	assert_int_equal(parse_ok("tomorrow 9:00", sat), parse_ok("2026-11-01T14:00Z", 0));
	assert_int_equal(parse_ok("mon 9:00", sat), parse_ok("2026-11-02T14:00Z", 0));
	/* Late on a day in New York is already the next day in UTC: "today"
	 * is the reader's day. */
	int64_t late = parse_ok("2026-12-01T23:30", 0); /* 2026-12-02T04:30Z */
	assert_int_equal(parse_ok("today 9:00", late), parse_ok("2026-12-01T14:00Z", 0));
	assert_int_equal(parse_ok("wed 9:00", late), parse_ok("2026-12-02T14:00Z", 0));
	char buf[32];
	lead_date_format_local(parse_ok("tomorrow 9:00", sat), buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-01 09:00 EST");
}

/* Sao Paulo's clocks went from 00:00 to 01:00 on 2018-11-04: that day's
 * first instant is 01:00, and a time in the gap is refused. */
static void test_midnight_gap(void **state)
{
	(void)state;
	set_tz("America/Sao_Paulo");
	int64_t first = parse_ok("2018-11-04T03:00Z", 0); /* 01:00 -02 */
	assert_int_equal(parse_ok("2018-11-04", 0), first);
	int64_t noon = parse_ok("2018-11-04T12:00", 0);
	assert_int_equal(parse_ok("today", noon), first);
	assert_int_equal(parse_ok("sun", parse_ok("2018-11-01T12:00", 0)), first);
	const char *why = NULL;
	int64_t out;
	assert_int_equal(lead_date_parse("2018-11-04 00:30", 0, &out, &why), -1);
	assert_non_null(strstr(why, "daylight saving"));
	assert_int_equal(lead_date_parse("today 0:30", noon, &out, &why), -1);
}

/* Spans: counts and units in the order w, d, h, m, each at most once. */
static void test_compound(void **state)
{
	(void)state;
	int64_t ms = 0;
	assert_int_equal(lead_duration_parse("1h30m", &ms), 0);
	assert_int_equal(ms, 90 * 60000);
	assert_int_equal(lead_duration_parse("90m", &ms), 0);
	assert_int_equal(ms, 90 * 60000);
	assert_int_equal(lead_duration_parse("2w3d", &ms), 0);
	assert_int_equal(ms, 17 * D);
	assert_int_equal(lead_duration_parse("1d12h", &ms), 0);
	assert_int_equal(ms, 36 * H);
	assert_int_equal(lead_duration_parse("1w1d1h1m", &ms), 0);
	assert_int_equal(ms, 8 * D + H + 60000);
	assert_int_equal(lead_duration_parse("1000000w1000000d1000000h1000000m", &ms), 0);
	const char *bad[] = {"30m1h", "1h1h",   "1h 30m", "1h30",     "h30m",
			     "1h0m",  "1h-30m", "1h+30m", "1hm",      "1h30mm",
			     "1h30s", "1.5h",   "1h30m ", "1000001m", "1h1000001m"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (lead_duration_parse(bad[i], &ms) != -1)
			fail_msg("duration '%s' accepted", bad[i]);
	int64_t now = DEC1_UTC + 15 * H;
	assert_int_equal(parse_ok("+1h30m", now), now + 90 * 60000);
	assert_int_equal(parse_ok("-1d12h", now), now - 36 * H);
	assert_int_equal(parse_ok("+1w2d", now), now + 9 * D);
	parse_bad("+30m1h", NULL);
	parse_bad("+1h 30m", NULL);
	/* --since 1d12h counts back as -1d12h does. */
	char msg[512];
	int64_t out = -1;
	assert_int_equal(
		lead_date_option("--since", "1d12h", now, LEAD_DATE_BACK, &out, msg, sizeof(msg)),
		0);
	assert_true(out == now - 36 * H);
	/* A day word in the future is refused where a date must be past. */
	assert_int_equal(lead_date_option("--since", "tomorrow", now, LEAD_DATE_BACK, &out, msg,
					  sizeof(msg)),
			 -1);
	assert_non_null(strstr(msg, "that is in the future"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_absolute_local),
		cmocka_unit_test(test_absolute_utc),
		cmocka_unit_test(test_dst_edges),
		cmocka_unit_test(test_relative),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_format_local),
		cmocka_unit_test_teardown(test_format_day, back_to_paris),
		cmocka_unit_test(test_option),
		cmocka_unit_test(test_space_form),
		cmocka_unit_test(test_day_words),
		cmocka_unit_test(test_day_words_dst_paris),
		cmocka_unit_test_teardown(test_day_words_new_york, back_to_paris),
		cmocka_unit_test_teardown(test_midnight_gap, back_to_paris),
		cmocka_unit_test(test_compound),
	};
	return cmocka_run_group_tests(tests, setup_paris, NULL);
}
