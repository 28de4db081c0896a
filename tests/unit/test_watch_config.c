/* Unit test for the watch settings of server/config.c: defaults as
 * docs/operations.md gives them, sizes and durations read as documented,
 * and bad values refused with a sentence naming the key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"

static void test_defaults(void **state)
{
	(void)state;
	config_t c;
	config_defaults(&c);
	assert_int_equal(c.watch_soft_limit, 256u << 10);
	assert_int_equal(c.watch_hard_limit, 4u << 20);
	assert_int_equal(c.changelog_keep, 30ull * 86400);
	assert_int_equal(c.changelog_max, 1000000);
}

static void test_values(void **state)
{
	(void)state;
	config_t c;
	char err[200];
	config_defaults(&c);
	assert_int_equal(config_set(&c, "watch_soft_limit", "64KiB", err, sizeof(err)), 0);
	assert_int_equal(c.watch_soft_limit, 64u << 10);
	assert_int_equal(config_set(&c, "watch_hard_limit", "1M", err, sizeof(err)), 0);
	assert_int_equal(c.watch_hard_limit, 1u << 20);
	static const struct {
		const char *text;
		uint64_t secs;
	} keep[] = {{"3600", 3600}, {"90s", 90},      {"15m", 900},
		    {"12h", 43200}, {"30d", 2592000}, {"0", 0}};
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		assert_int_equal(config_set(&c, "changelog_keep", keep[i].text, err, sizeof(err)),
				 0);
		assert_int_equal(c.changelog_keep, keep[i].secs);
	}
	assert_int_equal(config_set(&c, "changelog_max", "100", err, sizeof(err)), 0);
	assert_int_equal(c.changelog_max, 100);
}

static void test_bad_values(void **state)
{
	(void)state;
	config_t c;
	char err[200];
	config_defaults(&c);
	const char *bad_keep[] = {"", "-1", "30x", "d", "5 d", "99999999999999999999d"};
	for (size_t i = 0; i < sizeof(bad_keep) / sizeof(bad_keep[0]); i++) {
		assert_int_equal(config_set(&c, "changelog_keep", bad_keep[i], err, sizeof(err)),
				 -1);
		assert_non_null(strstr(err, "changelog_keep"));
	}
	const char *bad_max[] = {"", "-5", "10k", "1e6"};
	for (size_t i = 0; i < sizeof(bad_max) / sizeof(bad_max[0]); i++)
		assert_int_equal(config_set(&c, "changelog_max", bad_max[i], err, sizeof(err)), -1);
	assert_int_equal(config_set(&c, "watch_soft_limit", "lots", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "watch_soft_limit"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_bad_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
