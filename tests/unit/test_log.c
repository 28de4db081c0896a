/* Unit test for server/log.c: whatever a message holds (a folder name read
 * from a data file written before names were checked, say), one call is one
 * line of the log, and no byte a terminal acts on reaches it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

/* Send the log to a new empty file made from the mkstemp template path. */
static void log_to_temp_file(char *path)
{
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(log_set_file(path), 0);
}

static void test_one_line_no_controls(void **state)
{
	(void)state;
	char path[] = "/tmp/leadd-test-log-XXXXXX";
	log_to_temp_file(path);
	log_warn("client folder 7 '%s' is merged",
		 "evil\n2026-01-01T00:00:00Z leadd: error: forged\x1b]52;c;QUFB\x07 caf\xc3\xa9 "
		 "\xc2\x9b"
		 "2J\x7f");
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char buf[1024];
	int lines = 0;
	char first[1024] = "";
	while (fgets(buf, sizeof(buf), f)) {
		if (!lines)
			snprintf(first, sizeof(first), "%s", buf);
		lines++;
	}
	fclose(f);
	unlink(path);
	assert_int_equal(lines, 1);
	assert_non_null(strstr(first, "evil\\x0a2026-01-01T00:00:00Z leadd: error: forged"));
	assert_non_null(strstr(first, "\\x1b]52;c;QUFB\\x07"));
	assert_non_null(strstr(first, "caf\xc3\xa9 \\xc2\\x9b2J\\x7f' is merged\n"));
	for (const char *p = first; *p && *p != '\n'; p++)
		assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
}

static void test_long_message_is_whole(void **state)
{
	(void)state;
	char path[] = "/tmp/leadd-test-log-XXXXXX";
	log_to_temp_file(path);
	char *big = malloc(10001);
	assert_non_null(big);
	memset(big, 'a', 10000);
	big[10000] = 0;
	log_warn("[%s]", big);
	free(big);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fclose(f);
	unlink(path);
	assert_true(size > 10000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_line_no_controls),
		cmocka_unit_test(test_long_message_is_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
