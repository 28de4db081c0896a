/* The edit distance behind "did you mean ...?" (common/ld_distance.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ld_distance.h"

static void test_basics(void **state)
{
	(void)state;
	assert_int_equal(ld_distance("", ""), 0);
	assert_int_equal(ld_distance("status", "status"), 0);
	assert_int_equal(ld_distance("", "abc"), 3);
	assert_int_equal(ld_distance("abc", ""), 3);
	assert_int_equal(ld_distance("kitten", "sitting"), 3);
	assert_int_equal(ld_distance("flaw", "lawn"), 2);
}

static void test_typos(void **state)
{
	(void)state;
	/* A swap of neighbours is one edit (Levenshtein alone says 2). */
	assert_int_equal(ld_distance("stauts", "status"), 1);
	assert_int_equal(ld_distance("ca", "ac"), 1);
	/* One letter missing, one too many, one wrong. */
	assert_int_equal(ld_distance("qualifed", "qualified"), 1);
	assert_int_equal(ld_distance("shoow", "show"), 1);
	assert_int_equal(ld_distance("shaw", "show"), 1);
	/* Optimal string alignment: a swapped pair is not edited again. */
	assert_int_equal(ld_distance("ca", "abc"), 3);
}

static void test_case_and_symmetry(void **state)
{
	(void)state;
	assert_int_equal(ld_distance("STATUS", "status"), 0);
	assert_int_equal(ld_distance("Lead-Qualified", "lead-qualifed"), 1);
	const char *words[] = {"status", "stats", "statuses", "show", "history", "ls", ""};
	for (size_t i = 0; i < 7; i++)
		for (size_t k = 0; k < 7; k++)
			assert_int_equal(ld_distance(words[i], words[k]),
					 ld_distance(words[k], words[i]));
}

static void test_bounds(void **state)
{
	(void)state;
	char a[LD_DISTANCE_MAX_LEN + 2], b[LD_DISTANCE_MAX_LEN + 2];
	memset(a, 'a', LD_DISTANCE_MAX_LEN);
	a[LD_DISTANCE_MAX_LEN] = 0;
	memset(b, 'b', LD_DISTANCE_MAX_LEN);
	b[LD_DISTANCE_MAX_LEN] = 0;
	/* At the cap: still compared. */
	assert_int_equal(ld_distance(a, b), LD_DISTANCE_MAX_LEN);
	assert_int_equal(ld_distance(a, a), 0);
	/* Past it: never (a typo is not 257 bytes long). */
	a[LD_DISTANCE_MAX_LEN] = 'a';
	a[LD_DISTANCE_MAX_LEN + 1] = 0;
	assert_true(ld_distance(a, "a") == SIZE_MAX);
	assert_true(ld_distance("a", a) == SIZE_MAX);
}

static void test_parts(void **state)
{
	(void)state;
	/* The part people say: "Qualified" of "lead-Qualified". */
	assert_int_equal(ld_distance_parts("qualifed", "lead-Qualified"), 1);
	assert_int_equal(ld_distance_parts("qualifed", "prospect-Qualified"), 1);
	assert_int_equal(ld_distance_parts("wonn", "customer-Won"), 1);
	/* The whole name when that is nearer. */
	assert_int_equal(ld_distance_parts("lead-qualifed", "lead-Qualified"), 1);
	assert_int_equal(ld_distance_parts("leadnew", "lead-New"), 1);
	/* Separators of any kind, several in a row, at the ends. */
	assert_int_equal(ld_distance_parts("won", "--customer  won!"), 0);
	assert_int_equal(ld_distance_parts("x", ""), 1);
	/* Non-ASCII bytes belong to the part ("é" is not a separator). */
	assert_int_equal(ld_distance_parts("qualifié", "lead-qualifié"), 0);
}

static void test_threshold(void **state)
{
	(void)state;
	assert_int_equal(ld_distance_max(0), 0);
	assert_int_equal(ld_distance_max(1), 0);
	assert_int_equal(ld_distance_max(2), 1);
	assert_int_equal(ld_distance_max(4), 1);
	assert_int_equal(ld_distance_max(5), 2);
	assert_int_equal(ld_distance_max(8), 2);
	assert_int_equal(ld_distance_max(9), 3);
	assert_int_equal(ld_distance_max(200), 3);
	/* What the suggestions rely on: the typos are within it, a different
	 * word is not. */
	assert_true(ld_distance("stauts", "status") <= ld_distance_max(6));
	assert_true(ld_distance("qualifed", "qualified") <= ld_distance_max(8));
	assert_true(ld_distance("xyzzy", "show") > ld_distance_max(5));
	assert_true(ld_distance("frobnicate", "status") > ld_distance_max(10));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basics),
		cmocka_unit_test(test_typos),
		cmocka_unit_test(test_case_and_symmetry),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_parts),
		cmocka_unit_test(test_threshold),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
