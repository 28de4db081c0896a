/* Unit tests for client/lead_words.h: the "more:" hint's shell quoting.
 * Each case is checked by text and by a real /bin/sh reading it back into
 * exactly the words it came from. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lead_words.h"

static void quoted_as(const char *in, const char *want)
{
	char *q = lead_shell_quote(in);
	assert_string_equal(q, want);
	free(q);
}

static void test_quote(void **state)
{
	(void)state;
	quoted_as("qualified", "qualified");
	quoted_as("--created-since", "--created-since");
	quoted_as("2026-12-01T09:30:00Z", "2026-12-01T09:30:00Z");
	quoted_as("c1.2", "c1.2");
	quoted_as("", "''");
	quoted_as("two words", "'two words'");
	quoted_as("it's", "'it'\\''s'");
	quoted_as("'", "''\\'''");
	quoted_as("$HOME", "'$HOME'");
	quoted_as("a`id`b", "'a`id`b'");
	quoted_as("*", "'*'");
	quoted_as("~root", "'~root'");
	quoted_as("=ls", "'=ls'");
	quoted_as("a;b|c&d", "'a;b|c&d'");
	quoted_as("Lefèvre", "'Lefèvre'");
	quoted_as("back\\slash", "'back\\slash'");
	quoted_as("!hist", "'!hist'");
}

/* sh -c 'printf "%s\n" WORDS' must print the original words back. */
static void test_shell_reads_back(void **state)
{
	(void)state;
	const char *words[] = {"ls",    "--query", "Maison Lefèvre", "--tag", "it's", "",
			       "$(id)", "a\"b",    "tab\there",      "*.c",   "~",    "x'y'z",
			       "\\n",   "{a,b}",   "--idle",         "14d"};
	size_t n = sizeof(words) / sizeof(words[0]);
	struct lead_words ws = {0};
	lead_words_add(&ws, "printf");
	lead_words_add(&ws, "%s\\n");
	for (size_t i = 0; i < n; i++)
		lead_words_add(&ws, words[i]);
	char *line = lead_words_join(&ws);
	lead_words_free(&ws);
	char *cmd = NULL;
	struct lead_words one = {0};
	lead_words_add(&one, line);
	char *arg = lead_words_join(&one);
	lead_words_free(&one);
	assert_true(asprintf(&cmd, "/bin/sh -c %s", arg) > 0);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char buf[256];
	for (size_t i = 0; i < n; i++) {
		assert_non_null(fgets(buf, sizeof(buf), p));
		buf[strcspn(buf, "\n")] = '\0';
		assert_string_equal(buf, words[i]);
	}
	assert_null(fgets(buf, sizeof(buf), p));
	assert_int_equal(pclose(p), 0);
	free(cmd);
	free(arg);
	free(line);
}

static void test_join(void **state)
{
	(void)state;
	struct lead_words ws = {0};
	char *s = lead_words_join(&ws);
	assert_string_equal(s, "");
	free(s);
	for (int i = 0; i < 40; i++) /* past the first allocation */
		lead_words_add(&ws, i % 2 ? "a b" : "c");
	s = lead_words_join(&ws);
	assert_int_equal(strlen(s), 20 * 1 + 20 * 5 + 39);
	assert_memory_equal(s, "c 'a b' c", 9);
	free(s);
	lead_words_free(&ws);
	assert_int_equal(ws.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_shell_reads_back),
		cmocka_unit_test(test_join),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
