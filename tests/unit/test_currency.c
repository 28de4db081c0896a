/* Unit tests for common/ld_currency.h: the ISO 4217 table with each
 * currency's minor unit, and amounts parsed and printed in that unit. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ld_currency.h"

static void check_minor(const char *code, unsigned want)
{
	const ld_currency *c = ld_currency_find(code);
	assert_non_null(c);
	assert_string_equal(c->code, code);
	assert_int_equal(c->minor, want);
}

static void test_table(void **state)
{
	(void)state;
	check_minor("JPY", 0);
	check_minor("KRW", 0);
	check_minor("EUR", 2);
	check_minor("USD", 2);
	check_minor("GBP", 2);
	check_minor("BHD", 3);
	check_minor("KWD", 3);
	check_minor("TND", 3);
	check_minor("CLF", 4);
	check_minor("AED", 2); /* first */
	check_minor("ZWG", 2); /* last */
	/* Unknown, withdrawn, no-minor-unit, lower-case and malformed codes. */
	assert_null(ld_currency_find("XYZ"));
	assert_null(ld_currency_find("HRK"));
	assert_null(ld_currency_find("XAU"));
	assert_null(ld_currency_find("XXX"));
	assert_null(ld_currency_find("eur"));
	assert_null(ld_currency_find("EURO"));
	assert_null(ld_currency_find("EU"));
	assert_null(ld_currency_find(""));
	assert_null(ld_currency_find(NULL));
	/* The whole table: sorted, unique, three capitals, a known minor unit. */
	size_t n;
	const ld_currency *t = ld_currency_table(&n);
	assert_true(n >= 150);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(strlen(t[i].code), 3);
		for (int k = 0; k < 3; k++)
			assert_true(t[i].code[k] >= 'A' && t[i].code[k] <= 'Z');
		assert_true(t[i].minor == 0 || t[i].minor == 2 || t[i].minor == 3 ||
			    t[i].minor == 4);
		if (i)
			assert_true(strcmp(t[i - 1].code, t[i].code) < 0);
		assert_ptr_equal(ld_currency_find(t[i].code), &t[i]);
	}
}

static void test_amount_by_minor_unit(void **state)
{
	(void)state;
	long long v = 0;
	char out[64];
	/* JPY has no minor unit: 5000 is 5000, and decimals are refused. */
	assert_int_equal(ld_amount_parse("5000", 0, &v), 0);
	assert_int_equal(v, 5000);
	assert_int_equal(ld_amount_parse("5000.5", 0, &v), -1);
	ld_amount_format(5000, 0, out, sizeof(out));
	assert_string_equal(out, "5000");
	/* BHD has three decimals. */
	assert_int_equal(ld_amount_parse("12.345", 3, &v), 0);
	assert_int_equal(v, 12345);
	assert_int_equal(ld_amount_parse("12.3", 3, &v), 0);
	assert_int_equal(v, 12300);
	assert_int_equal(ld_amount_parse("12.3456", 3, &v), -1);
	ld_amount_format(12345, 3, out, sizeof(out));
	assert_string_equal(out, "12.345");
	ld_amount_format(5, 3, out, sizeof(out));
	assert_string_equal(out, "0.005");
	/* CLF has four. */
	ld_amount_format(12345678, 4, out, sizeof(out));
	assert_string_equal(out, "1234.5678");
	/* Overflow at every scale: -2, an amount too large to hold, unless the
	 * text is no amount at all (-1). */
	assert_int_equal(ld_amount_parse("9223372036854775807", 0, &v), -2);
	assert_int_equal(ld_amount_parse("922337203685477580", 0, &v), 0);
	assert_int_equal(ld_amount_parse("922337203685477.5807", 4, &v), -2);
	assert_int_equal(ld_amount_parse("99999999999999999999999999", 2, &v), -2);
	assert_int_equal(ld_amount_parse(" 92233720368547758.08 ", 2, &v), -2);
	/* The edge is exact at every scale: whole units below INT64_MAX /
	 * scale, with any decimals, are taken; one more unit is too large. */
	assert_int_equal(ld_amount_parse("92233720368547757.99", 2, &v), 0);
	assert_int_equal(v, 9223372036854775799LL);
	assert_int_equal(ld_amount_parse("92233720368547758", 2, &v), -2);
	assert_int_equal(ld_amount_parse("9223372036854775806", 0, &v), 0);
	assert_int_equal(v, 9223372036854775806LL);
	assert_int_equal(ld_amount_parse("9223372036854774.999", 3, &v), 0);
	assert_int_equal(v, 9223372036854774999LL);
	assert_int_equal(ld_amount_parse("9223372036854775", 3, &v), -2);
	assert_int_equal(ld_amount_parse("99999999999999999999.123", 2, &v), -1);
	assert_int_equal(ld_amount_parse("99999999999999999999x", 2, &v), -1);
}

static void check_money(const char *in, long long want)
{
	long long got = 0x5A5A;
	assert_int_equal(ld_amount_parse(in, 2, &got), 0);
	assert_int_equal(got, want);
}

static void check_money_refused(const char *in, int rc)
{
	long long got = 0x5A5A;
	assert_int_equal(ld_amount_parse(in, 2, &got), rc);
	/* A refused input leaves the output alone. */
	assert_int_equal(got, 0x5A5A);
}

static void check_money_bad(const char *in)
{
	check_money_refused(in, -1);
}

static void test_money_parse(void **state)
{
	(void)state;
	check_money("12", 1200);
	check_money("12.5", 1250);
	check_money("12,50", 1250);
	check_money("12.05", 1205);
	check_money("0", 0);
	check_money("0.01", 1);
	check_money("1234.50", 123450);
	check_money("1000000000000.99", 100000000000099LL);

	check_money_bad("12.345");
	/* A lead is never worth less than nothing. */
	check_money_bad("-3.07");
	check_money_bad("-0.5");
	check_money_bad("-0");
	check_money_bad("abc");
	check_money_bad("");
	check_money_bad("-");
	check_money_bad(".5");
	check_money_bad("12.");
	check_money_bad("12,");
	check_money_bad("1e3");
	check_money_bad("--1");
	check_money_bad("12a");
	check_money_bad("12.5x");
	check_money_bad("1.2.3");
	check_money_bad("1 000");
	/* Overflow: more than int64 minor units holds is too large (-2); with a
	 * sign it is no amount at all. */
	check_money_refused("99999999999999999999", -2);
	check_money_bad("-99999999999999999999");
	check_money_refused("92233720368547758080", -2);
	check_money_refused("184467440737095516.16", -2);
}

static void check_format(long long minor, const char *want)
{
	char out[64];
	ld_amount_format(minor, 2, out, sizeof(out));
	assert_string_equal(out, want);
}

static void test_money_format(void **state)
{
	(void)state;
	check_format(0, "0.00");
	check_format(5, "0.05");
	check_format(-5, "-0.05");
	check_format(1250, "12.50");
	check_format(-307, "-3.07");
	check_format(100000000000099LL, "1000000000000.99");
	check_format(LLONG_MAX, "92233720368547758.07");
	check_format(LLONG_MIN, "-92233720368547758.08");

	/* What is formatted parses back to the same amount. */
	static const long long values[] = {0, 1, 99, 100, 123456, 987654321, 42424242};
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		char out[64];
		long long back = 0;
		ld_amount_format(values[i], 2, out, sizeof(out));
		assert_int_equal(ld_amount_parse(out, 2, &back), 0);
		assert_int_equal(back, values[i]);
	}

	/* A short buffer truncates and terminates rather than overruns. */
	char tiny[4];
	ld_amount_format(123450, 2, tiny, sizeof(tiny));
	assert_int_equal(strlen(tiny), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_amount_by_minor_unit),
		cmocka_unit_test(test_money_parse),
		cmocka_unit_test(test_money_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
