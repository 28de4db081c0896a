/* The days of opportunities (server/opp_core.c): the UTC day of an instant
 * at its last millisecond and the next day's first, months and their ends
 * (the year end, February in leap and non-leap years), and the dates
 * parsed and written. tests/protocol/forecast_month_end.py wins
 * opportunities at 23:59:59.9 through leadd's clock; the last millisecond
 * itself is pinned here, where no request's time gets in the way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* cmocka.h needs the headers above it. */
#include <cmocka.h>

#include "opp_core.h"

#define DAY_MS 86400000LL

/* Days since 1970-01-01 of a YYYY-MM-DD that must parse. */
static uint32_t day_of(const char *s)
{
	uint32_t d = OPP_NO_DAY;
	assert_int_equal(opp_day_parse(s, &d), 0);
	return d;
}

static void assert_day(uint32_t day, const char *want)
{
	char out[11];
	opp_day_format(day, out);
	assert_string_equal(out, want);
}

/* The instant's UTC day, as opp_won dates an opportunity without a day. */
static void assert_ms_day(int64_t ms, const char *want)
{
	assert_day(opp_day_of_ms(ms), want);
}

static void test_last_and_first_millisecond(void **state)
{
	(void)state;
	static const struct {
		const char *last, *first;
	} ends[] = {{"2026-12-31", "2027-01-01"}, {"2027-01-31", "2027-02-01"},
		    {"2027-02-28", "2027-03-01"}, {"2028-02-28", "2028-02-29"},
		    {"2028-02-29", "2028-03-01"}, {"2027-04-30", "2027-05-01"},
		    {"2100-02-28", "2100-03-01"}, {"2000-02-29", "2000-03-01"}};
	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		uint32_t first = day_of(ends[i].first);
		assert_int_equal(day_of(ends[i].last) + 1, first);
		int64_t midnight = (int64_t)first * DAY_MS;
		assert_ms_day(midnight - 1, ends[i].last);   /* 23:59:59.999 */
		assert_ms_day(midnight - 100, ends[i].last); /* 23:59:59.900 */
		assert_ms_day(midnight, ends[i].first);      /* 00:00:00.000 */
		assert_ms_day(midnight + 1, ends[i].first);
	}
	/* 2026-12-31T23:59:59.999Z and 2027-01-01T00:00:00.000Z as unix ms. */
	assert_ms_day(1798761599999LL, "2026-12-31");
	assert_ms_day(1798761600000LL, "2027-01-01");
	assert_ms_day(0, "1970-01-01");
	assert_ms_day(DAY_MS - 1, "1970-01-01");
}

static void test_months(void **state)
{
	(void)state;
	assert_int_equal(opp_month_of_day(day_of("2026-12-31")), 202612);
	assert_int_equal(opp_month_of_day(day_of("2027-01-01")), 202701);
	assert_int_equal(opp_month_of_day(day_of("2027-02-28")), 202702);
	assert_int_equal(opp_month_of_day(day_of("2027-02-28") + 1), 202703);
	assert_int_equal(opp_month_of_day(day_of("2028-02-28") + 1), 202802);
	assert_int_equal(opp_month_of_day(day_of("2028-02-29") + 1), 202803);
	assert_int_equal(opp_month_of_day(day_of("9999-12-31")), 999912);
	assert_int_equal(opp_month_of_day(OPP_NO_DAY), 0);
	assert_day(day_of("2027-02-28") + 1, "2027-03-01");
	assert_day(day_of("2028-02-28") + 1, "2028-02-29");
	assert_day(day_of("2026-12-31") + 1, "2027-01-01");
}

static void test_parse_refuses(void **state)
{
	(void)state;
	uint32_t d = 7;
	static const char *bad[] = {"2027-02-29", "2100-02-29", "2027-04-31", "2027-13-01",
				    "2027-00-10", "2027-01-00", "2027-1-01",  "1969-12-31",
				    "2027-01-32", "",           "2027/01/01", "2027-01-01T00"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(opp_day_parse(bad[i], &d), -1);
		assert_int_equal(d, 7);
	}
	assert_int_equal(opp_day_parse(NULL, &d), -1);
	day_of("2028-02-29");
	day_of("2000-02-29");
	day_of("1970-01-01");
	assert_day(day_of("9999-12-31"), "9999-12-31");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_last_and_first_millisecond),
		cmocka_unit_test(test_months),
		cmocka_unit_test(test_parse_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
