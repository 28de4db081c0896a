/* Unit tests for the login limits of issue 8: the order the password-check
 * queue serves sources in (server/auth.c), the slowdown per (user, address)
 * and per address, and the pre-login table that picks which connection
 * makes room (server/prelogin.c). The queue runs on a real libuv loop and
 * thread pool, with work that only records its order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "auth.h"
#include "prelogin.h"

/* ---- the queue ---- */

static char order[64][16];
static int n_done;
static int after_depth; /* >0 while auth_queue is on the stack */

typedef struct {
	const char *name;
} job;

static void work(void *arg)
{
	(void)arg;
}

static void after(void *arg)
{
	/* A completion never runs from inside auth_queue. */
	assert_int_equal(after_depth, 0);
	snprintf(order[n_done++], sizeof(order[0]), "%s", ((job *)arg)->name);
}

static int queue(uv_loop_t *loop, const char *source, unsigned cap, job *j)
{
	after_depth++;
	int rc = auth_queue(loop, source, cap, work, after, j);
	after_depth--;
	return rc;
}

static void test_quiet_source_goes_first(void **state)
{
	(void)state;
	uv_loop_t loop;
	uv_loop_init(&loop);
	auth_set_concurrency(1);
	n_done = 0;
	/* A storm source has four checks queued (the first starts at once);
	 * a quiet source then asks once: it runs second, not fifth. */
	job a[4] = {{"a1"}, {"a2"}, {"a3"}, {"a4"}}, b = {"b1"};
	for (int i = 0; i < 4; i++)
		assert_int_equal(queue(&loop, "10.0.0.1", 8, &a[i]), 0);
	assert_int_equal(queue(&loop, "10.0.0.2", 8, &b), 0);
	assert_int_equal(auth_waiting(), 4);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(n_done, 5);
	assert_string_equal(order[0], "a1");
	assert_string_equal(order[1], "b1");
	assert_string_equal(order[4], "a4");
	uv_loop_close(&loop);
}

static void test_newcomer_passes_a_storm_of_single_askers(void **state)
{
	(void)state;
	uv_loop_t loop;
	uv_loop_init(&loop);
	auth_set_concurrency(1);
	n_done = 0;
	/* Twenty addresses that never had a check each ask once (the first
	 * starts at once), then a newcomer asks: every waiting source is equal
	 * to it, and it runs second, not twenty-first. */
	static job storm[20];
	static char names[20][8];
	char src[20][16];
	for (int i = 0; i < 20; i++) {
		snprintf(names[i], sizeof(names[i]), "s%d", i);
		storm[i].name = names[i];
		snprintf(src[i], sizeof(src[i]), "10.0.1.%d", i + 1);
		assert_int_equal(queue(&loop, src[i], 8, &storm[i]), 0);
	}
	job newcomer = {"new"};
	assert_int_equal(queue(&loop, "10.0.2.1", 8, &newcomer), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(n_done, 21);
	assert_string_equal(order[0], "s0");
	assert_string_equal(order[1], "new");
	uv_loop_close(&loop);
}

static void test_per_source_cap_and_cancel(void **state)
{
	(void)state;
	uv_loop_t loop;
	uv_loop_init(&loop);
	auth_set_concurrency(1);
	n_done = 0;
	job j[5] = {{"c1"}, {"c2"}, {"c3"}, {"c4"}, {"c5"}};
	/* c1 starts at once; c2, c3 wait; the cap is 2 waiting. */
	assert_int_equal(queue(&loop, "10.0.0.3", 2, &j[0]), 0);
	assert_int_equal(queue(&loop, "10.0.0.3", 2, &j[1]), 0);
	assert_int_equal(queue(&loop, "10.0.0.3", 2, &j[2]), 0);
	assert_int_equal(queue(&loop, "10.0.0.3", 2, &j[3]), AUTH_QUEUE_FULL);
	/* Another source is not affected by this one's cap. */
	assert_int_equal(queue(&loop, "10.0.0.4", 2, &j[4]), 0);
	/* A waiting job can be taken out; a running one cannot. */
	assert_int_equal(auth_cancel(&j[2]), 1);
	assert_int_equal(auth_cancel(&j[2]), 0);
	assert_int_equal(auth_cancel(&j[0]), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(n_done, 3);
	for (int i = 0; i < n_done; i++)
		assert_string_not_equal(order[i], "c3");
	assert_int_equal(auth_waiting(), 0);
	uv_loop_close(&loop);
}

/* ---- the slowdown ---- */

static void test_pair_slowdown_spares_other_addresses(void **state)
{
	(void)state;
	uint64_t t = 1000000;
	for (int i = 0; i < 5; i++) {
		assert_int_equal(auth_throttle_wait_ms("tom", "192.0.2.1", t), 0);
		auth_throttle_failure("tom", "192.0.2.1", t);
	}
	/* Five free, then 5 s from the last failure. */
	assert_int_equal(auth_throttle_wait_ms("tom", "192.0.2.1", t), 5000);
	assert_int_equal(auth_throttle_wait_ms("tom", "192.0.2.1", t + 4000), 1000);
	assert_int_equal(auth_throttle_wait_ms("tom", "192.0.2.1", t + 5000), 0);
	/* Not per user alone: tom elsewhere, and others here, are free. */
	assert_int_equal(auth_throttle_wait_ms("tom", "192.0.2.2", t), 0);
	assert_int_equal(auth_throttle_wait_ms("ann", "192.0.2.1", t), 0);
	/* The next failure doubles it; a success clears the pair. */
	auth_throttle_failure("tom", "192.0.2.1", t + 5000);
	assert_int_equal(auth_throttle_wait_ms("tom", "192.0.2.1", t + 5000), 10000);
	auth_throttle_success("tom", "192.0.2.1");
	assert_int_equal(auth_throttle_wait_ms("tom", "192.0.2.1", t + 5000), 0);
}

static void test_address_slowdown(void **state)
{
	(void)state;
	uint64_t t = 5000000;
	char user[16];
	for (int i = 0; i < 20; i++) {
		snprintf(user, sizeof(user), "spray%d", i);
		auth_throttle_failure(user, "198.51.100.7", t);
	}
	assert_int_equal(auth_throttle_wait_ms("anyone", "198.51.100.7", t), 1000);
	/* A success does not clear the address. */
	auth_throttle_success("anyone", "198.51.100.7");
	assert_int_equal(auth_throttle_wait_ms("anyone", "198.51.100.7", t + 500), 500);
	/* Forgotten 15 minutes after the last failure. */
	auth_throttle_failure("x", "198.51.100.7", t);
	assert_int_equal(auth_throttle_wait_ms("anyone", "198.51.100.7", t + 15 * 60000 + 1), 0);
}

/* ---- the pre-login table ---- */

static void test_prelogin_victim(void **state)
{
	(void)state;
	prelogin_table *t = prelogin_new();
	prelogin_link l[6];
	int conns[6];
	const char *src[6] = {"a", "a", "a", "b", "b", "c"};
	for (int i = 0; i < 6; i++)
		assert_int_equal(prelogin_add(t, &l[i], src[i], &conns[i]), 0);
	assert_int_equal(prelogin_total(t), 6);
	assert_int_equal(prelogin_count(t, "a"), 3);
	assert_int_equal(prelogin_count(t, "d"), 0);
	/* The busiest source's oldest connection, if it holds enough. */
	assert_ptr_equal(prelogin_victim(t, 2), &conns[0]);
	assert_ptr_equal(prelogin_victim(t, 4), NULL);
	prelogin_remove(t, &l[0]);
	prelogin_remove(t, &l[1]);
	assert_ptr_equal(prelogin_victim(t, 2), &conns[3]);
	for (int i = 2; i < 6; i++)
		prelogin_remove(t, &l[i]);
	assert_int_equal(prelogin_total(t), 0);
	assert_ptr_equal(prelogin_victim(t, 0), NULL);
	prelogin_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quiet_source_goes_first),
		cmocka_unit_test(test_newcomer_passes_a_storm_of_single_askers),
		cmocka_unit_test(test_per_source_cap_and_cancel),
		cmocka_unit_test(test_pair_slowdown_spares_other_addresses),
		cmocka_unit_test(test_address_slowdown),
		cmocka_unit_test(test_prelogin_victim),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
