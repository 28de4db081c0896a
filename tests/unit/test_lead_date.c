/* Unit tests for client/lead_date.h: command-line dates read in the
 * client's time zone (TZ is set here: Europe/Paris, whose clocks go forward
 * on 2026-03-29 at 02:00 and back on 2026-10-25 at 03:00), durations, and
 * the forms printed back. */
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

static int setup_paris(void **state)
{
	(void)state;
	setenv("TZ", "Europe/Paris", 1);
	tzset();
	return 0;
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
	parse_bad("tomorrow", NULL);
	parse_bad("2026-13-01", "no such");
	parse_bad("2026-02-29", "no such");
	parse_bad("2026-04-31", "no such");
	parse_bad("2026-12-01T24:00", "no such");
	parse_bad("2026-12-01T10:60", "no such");
	parse_bad("2026-12-01T10", NULL);
	parse_bad("2026-12-01 10:30", NULL);
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
		cmocka_unit_test(test_option),
	};
	return cmocka_run_group_tests(tests, setup_paris, NULL);
}
