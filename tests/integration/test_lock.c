/* The data directory lock: while one leadd holds a data directory, a second
 * leadd and `leadd verify` on it are refused quickly with a message saying it
 * is in use, and the first leadd keeps serving. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "harness.h"

/* "Quickly": the refusal comes from flock, not from a timeout. */
#define REFUSAL_MS 5000

static void expect_in_use(char *const argv[], const char *what)
{
	char err[4096];
	long elapsed = 0;
	int status = ld_test_run(argv, err, sizeof(err), 3 * REFUSAL_MS, &elapsed);
	if (status < 0)
		fail_msg("%s on a held data directory was still running after %d ms", what,
			 3 * REFUSAL_MS);
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 0)
		fail_msg("%s on a held data directory ended with wait status %#x; want a "
			 "non-zero exit. stderr:\n%s",
			 what, status, err);
	if (!strstr(err, "in use"))
		fail_msg("%s exited %d but its stderr does not say \"in use\":\n%s", what,
			 WEXITSTATUS(status), err);
	if (elapsed > REFUSAL_MS)
		fail_msg("%s took %ld ms to refuse; want under %d ms", what, elapsed, REFUSAL_MS);
	print_message("%s refused in %ld ms, exit %d: %s", what, elapsed, WEXITSTATUS(status), err);
}

static void test_second_leadd_refused(void **state)
{
	ld_test_server *s = *state;
	const char *addr = ld_test_server_start(s);
	ld_conn *c = ld_test_connect(addr);
	Leadd__Response *r = ld_test_create_title(c, "written by the first leadd");
	uint64_t id = ld_test_lead(r)->id;
	leadd__response__free_unpacked(r, NULL);

	char port_file[PATH_MAX];
	snprintf(port_file, sizeof(port_file), "%s/port2", s->dir);
	char *const second[] = {(char *)s->leadd, "--data-dir",  s->data_dir, "--listen",
				"127.0.0.1:0",    "--port-file", port_file,   "--log-level",
				"warn",           NULL};
	expect_in_use(second, "a second leadd");

	char *const verify[] = {(char *)s->leadd, "verify", "--data-dir", s->data_dir, NULL};
	expect_in_use(verify, "leadd verify");

	/* The first leadd noticed nothing: same connection, reads and writes. */
	r = ld_test_get(c, id);
	assert_int_equal(ld_response_code(r), 0);
	assert_string_equal(ld_test_lead(r)->title, "written by the first leadd");
	leadd__response__free_unpacked(r, NULL);
	r = ld_test_create_title(c, "written after the refusals");
	leadd__response__free_unpacked(r, NULL);
	ld_conn_close(c);
	c = ld_test_connect(addr);
	r = ld_test_get(c, id);
	assert_int_equal(ld_response_code(r), 0);
	leadd__response__free_unpacked(r, NULL);
	ld_conn_close(c);

	/* Once it is gone, the lock is free again: verify runs and passes. */
	ld_test_server_stop(s);
	ld_test_server_verify(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_second_leadd_refused, ld_test_setup,
						ld_test_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
