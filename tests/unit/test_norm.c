/* Unit tests for common/ld_norm.h: the one UTF-8 validator every string on
 * the wire passes through, the normalisations the indexes are keyed by, and
 * money parsing (integer minor units, never a float). */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ld_norm.h"

static int utf8(const char *s)
{
	return ld_utf8_valid(s, strlen(s));
}

static void test_utf8_valid(void **state)
{
	(void)state;
	assert_true(ld_utf8_valid("", 0));
	assert_true(utf8("plain ascii"));
	assert_true(utf8("h\xC3\xA9llo"));     /* é, 2 bytes */
	assert_true(utf8("\xC2\x80"));         /* U+0080, smallest 2-byte */
	assert_true(utf8("\xDF\xBF"));         /* U+07FF */
	assert_true(utf8("\xE0\xA0\x80"));     /* U+0800, smallest 3-byte */
	assert_true(utf8("\xE2\x82\xAC"));     /* € */
	assert_true(utf8("\xED\x9F\xBF"));     /* U+D7FF, just below the surrogates */
	assert_true(utf8("\xEE\x80\x80"));     /* U+E000, just above them */
	assert_true(utf8("\xEF\xBF\xBF"));     /* U+FFFF */
	assert_true(utf8("\xF0\x90\x80\x80")); /* U+10000, smallest 4-byte */
	assert_true(utf8("\xF0\x9D\x84\x9E")); /* musical G clef */
	assert_true(utf8("\xF4\x8F\xBF\xBF")); /* U+10FFFF, the last code point */
	assert_true(utf8("Z\xC3\xBCrich \xE2\x82\xAC 5 \xF0\x9F\x98\x80 ok"));
	/* The length given is what counts, not a terminator. */
	assert_true(ld_utf8_valid("ab\xC3", 2));
}

static void test_utf8_overlong(void **state)
{
	(void)state;
	assert_false(utf8("\xC0\x80")); /* NUL in 2 bytes */
	assert_false(utf8("\xC0\xAF")); /* '/' in 2 bytes */
	assert_false(utf8("\xC1\xBF"));
	assert_false(utf8("\xE0\x80\x80"));
	assert_false(utf8("\xE0\x9F\xBF")); /* U+07FF in 3 bytes */
	assert_false(utf8("\xF0\x80\x80\x80"));
	assert_false(utf8("\xF0\x8F\xBF\xBF")); /* U+FFFF in 4 bytes */
	assert_false(utf8("ok\xC0\xAFok"));
}

static void test_utf8_surrogate(void **state)
{
	(void)state;
	assert_false(utf8("\xED\xA0\x80")); /* U+D800 */
	assert_false(utf8("\xED\xAF\xBF")); /* U+DBFF */
	assert_false(utf8("\xED\xB0\x80")); /* U+DC00 */
	assert_false(utf8("\xED\xBF\xBF")); /* U+DFFF */
	/* A CESU-8 pair is two surrogates, not one character. */
	assert_false(utf8("\xED\xA0\xBD\xED\xB8\x80"));
}

static void test_utf8_truncated(void **state)
{
	(void)state;
	assert_false(utf8("\xC3"));
	assert_false(utf8("abc\xC3"));
	assert_false(utf8("\xE2\x82"));
	assert_false(utf8("\xF0\x9D\x84"));
	/* A lead byte followed by something that is not a continuation byte. */
	assert_false(utf8("\xC3"
			  "A"));
	assert_false(utf8("\xE2\x82"
			  "A"));
	assert_false(utf8("\xF0\x9D"
			  "AB"));
	/* A continuation byte with no lead. */
	assert_false(utf8("\x80"));
	assert_false(utf8("a\xBF"
			  "b"));
	/* Cut by the length, not by the data. */
	assert_false(ld_utf8_valid("\xE2\x82\xAC", 2));
}

static void test_utf8_above_max(void **state)
{
	(void)state;
	assert_false(utf8("\xF4\x90\x80\x80")); /* U+110000 */
	assert_false(utf8("\xF5\x80\x80\x80"));
	assert_false(utf8("\xF7\xBF\xBF\xBF"));
	assert_false(utf8("\xF8\x88\x80\x80\x80")); /* old 5-byte form */
	assert_false(utf8("\xFC\x84\x80\x80\x80\x80"));
	assert_false(utf8("\xFE"));
	assert_false(utf8("\xFF"));
}

static void check_email(const char *in, const char *want)
{
	char out[256];
	memset(out, 'x', sizeof(out));
	if (!want) {
		assert_int_equal(ld_norm_email(in, out, sizeof(out)), -1);
		return;
	}
	assert_int_equal(ld_norm_email(in, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

static void test_norm_email(void **state)
{
	(void)state;
	check_email("john@example.com", "john@example.com");
	check_email("  John.Doe@Example.COM \t", "john.doe@example.com");
	check_email("A+tag@Sub.Example.Org", "a+tag@sub.example.org");
	check_email("nope", NULL);
	check_email("", NULL);
	check_email("   ", NULL);
	check_email("@example.com", NULL);
	check_email("john@", NULL);
	check_email("john@localhost", NULL);
	check_email("john@@example.com", NULL);
	check_email("a@b@example.com", NULL);
	check_email("jo hn@example.com", NULL);
	check_email("john@example.com.", NULL);
	check_email("john@.example.com", NULL);

	/* The documented contract: out holds strlen(in)+1 bytes. A smaller
	 * buffer is refused, never overrun. */
	const char *in = "john@example.com";
	char exact[17];
	assert_int_equal(ld_norm_email(in, exact, sizeof(exact)), 0);
	assert_string_equal(exact, in);
	char small[8];
	assert_int_equal(ld_norm_email(in, small, sizeof(small)), -1);
}

static void check_phone(const char *in, const char *want)
{
	char out[64];
	if (!want) {
		assert_int_equal(ld_norm_phone(in, out, sizeof(out)), -1);
		return;
	}
	assert_int_equal(ld_norm_phone(in, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

static void test_norm_phone(void **state)
{
	(void)state;
	check_phone("+33 (0)6 12-34.56/78", "+330612345678");
	check_phone("  +1 555 0100", "+15550100");
	check_phone("06 12 34 56 78", "0612345678");
	check_phone("123", "123");
	check_phone("12", NULL);
	check_phone("+", NULL);
	check_phone("", NULL);
	check_phone("abc", NULL);
	check_phone("555-CALL-NOW", NULL);
	check_phone("12+34", NULL);
	check_phone("++33612345678", NULL);

	char small[4];
	assert_int_equal(ld_norm_phone("0612345678", small, sizeof(small)), -1);
}

static void check_name(const char *in, const char *want)
{
	char out[128];
	assert_int_equal(ld_norm_name(in, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

static void test_norm_name(void **state)
{
	(void)state;
	check_name("acme", "acme");
	check_name("  ACME   Corp\t Ltd  ", "acme corp ltd");
	check_name("Hot\n\nLead", "hot lead");
	check_name("", "");
	check_name("   ", "");
	/* Bytes above ASCII pass through untouched (still valid UTF-8). */
	check_name("\xC3\x9C"
		   "ber GmbH",
		   "\xC3\x9C"
		   "ber gmbh");

	char small[4];
	assert_int_equal(ld_norm_name("abcdef", small, sizeof(small)), -1);
	assert_int_equal(ld_norm_name("abc", small, sizeof(small)), 0);
	assert_string_equal(small, "abc");
}

static void check_money(const char *in, long long want)
{
	long long got = 0x5A5A;
	assert_int_equal(ld_parse_money(in, &got), 0);
	assert_int_equal(got, want);
}

static void check_money_bad(const char *in)
{
	long long got = 0x5A5A;
	assert_int_equal(ld_parse_money(in, &got), -1);
	/* A refused input leaves the output alone. */
	assert_int_equal(got, 0x5A5A);
}

static void test_money_parse(void **state)
{
	(void)state;
	check_money("12", 1200);
	check_money("12.5", 1250);
	check_money("12,50", 1250);
	check_money("12.05", 1205);
	check_money("-3.07", -307);
	check_money("-0.5", -50);
	check_money("0", 0);
	check_money("0.01", 1);
	check_money("1234.50", 123450);
	check_money("1000000000000.99", 100000000000099LL);

	check_money_bad("12.345");
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
	/* Overflow: more than int64 minor units holds, at any sign. */
	check_money_bad("99999999999999999999");
	check_money_bad("-99999999999999999999");
	check_money_bad("92233720368547758080");
	check_money_bad("184467440737095516.16");
}

static void check_format(long long minor, const char *want)
{
	char out[64];
	ld_format_money(minor, out, sizeof(out));
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
	static const long long values[] = {0, 1, -1, 99, 100, -100, 123456, -987654321, 42424242};
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		char out[64];
		long long back = 0;
		ld_format_money(values[i], out, sizeof(out));
		assert_int_equal(ld_parse_money(out, &back), 0);
		assert_int_equal(back, values[i]);
	}

	/* A short buffer truncates and terminates rather than overruns. */
	char tiny[4];
	ld_format_money(123450, tiny, sizeof(tiny));
	assert_int_equal(strlen(tiny), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_valid),     cmocka_unit_test(test_utf8_overlong),
		cmocka_unit_test(test_utf8_surrogate), cmocka_unit_test(test_utf8_truncated),
		cmocka_unit_test(test_utf8_above_max), cmocka_unit_test(test_norm_email),
		cmocka_unit_test(test_norm_phone),     cmocka_unit_test(test_norm_name),
		cmocka_unit_test(test_money_parse),    cmocka_unit_test(test_money_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
