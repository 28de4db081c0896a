/* Group commit: 200 creates in flight at once, from 20 connections.
 *
 * Every create must be answered OK with its own id, and the server's own
 * counters must show fewer commits than creates while counting every create
 * as a committed write: the writer took several requests per transaction. */
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

#define NCONNS 20
#define PER_CONN 10
#define TOTAL (NCONNS * PER_CONN)

typedef struct {
	int done;
	int code;
	uint64_t lead_id;
	uint64_t version;
	char title[48];
} slot;

static void on_create(void *arg, Leadd__Response *r)
{
	slot *sl = arg;
	sl->done = 1;
	if (!r) {
		sl->code = -1; /* connection lost */
		return;
	}
	sl->code = ld_response_code(r);
	if (sl->code == 0 && r->body_case == LEADD__RESPONSE__BODY_LEAD && r->lead &&
	    r->lead->lead) {
		sl->lead_id = r->lead->lead->id;
		sl->version = r->lead->lead->version;
	}
	leadd__response__free_unpacked(r, NULL);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void test_group_commit(void **state)
{
	ld_test_server *s = *state;
	const char *addr = ld_test_server_start(s);
	ld_conn *admin = ld_test_connect(addr);
	ld_conn *conns[NCONNS];
	static slot slots[TOTAL];
	Leadd__Response *keep;

	for (int i = 0; i < NCONNS; i++)
		conns[i] = ld_test_connect(addr);

	Leadd__StatsReply *st = ld_test_stats(admin, &keep);
	uint64_t commits0 = st->commits, writes0 = st->writes_committed;
	leadd__response__free_unpacked(keep, NULL);

	/* Queue everything before reading any answer, so all 200 are in flight. */
	for (int i = 0; i < NCONNS; i++) {
		for (int k = 0; k < PER_CONN; k++) {
			slot *sl = &slots[i * PER_CONN + k];
			Leadd__Request req = LEADD__REQUEST__INIT;
			Leadd__LeadCreateRequest lc = LEADD__LEAD_CREATE_REQUEST__INIT;
			snprintf(sl->title, sizeof(sl->title), "group commit %d.%d", i, k);
			lc.title = sl->title;
			lc.owner = LD_TEST_ADMIN; /* an admin names an owner or a team */
			req.body_case = LEADD__REQUEST__BODY_LEAD_CREATE;
			req.lead_create = &lc;
			if (ld_conn_send(conns[i], &req, on_create, sl) == 0)
				fail_msg("send on connection %d: %s", i, ld_conn_error(conns[i]));
		}
	}

	int64_t deadline = ld_test_now_us() + LD_TEST_CALL_MS * 1000LL;
	for (;;) {
		struct pollfd pfd[NCONNS];
		size_t waiting = 0;
		for (int i = 0; i < NCONNS; i++) {
			pfd[i].fd = ld_conn_fd(conns[i]);
			pfd[i].events = POLLIN | (ld_conn_want_write(conns[i]) ? POLLOUT : 0);
			pfd[i].revents = 0;
			waiting += ld_conn_in_flight(conns[i]);
		}
		if (waiting == 0)
			break;
		if (ld_test_now_us() > deadline)
			fail_msg("%zu creates still unanswered after %d ms", waiting,
				 LD_TEST_CALL_MS);
		int n = poll(pfd, NCONNS, 100);
		assert_true(n >= 0);
		for (int i = 0; i < NCONNS && n > 0; i++) {
			if (!pfd[i].revents)
				continue;
			if (ld_conn_process(conns[i], pfd[i].revents) < 0)
				fail_msg("connection %d lost: %s", i, ld_conn_error(conns[i]));
		}
	}

	uint64_t ids[TOTAL];
	for (int i = 0; i < TOTAL; i++) {
		if (!slots[i].done || slots[i].code != 0)
			fail_msg("create %d (%s) answered %s", i, slots[i].title,
				 slots[i].code < 0 ? "nothing" : ld_code_name(slots[i].code));
		if (slots[i].lead_id == 0)
			fail_msg("create %d answered OK without a lead", i);
		ids[i] = slots[i].lead_id;
	}
	qsort(ids, TOTAL, sizeof(ids[0]), cmp_u64);
	for (int i = 1; i < TOTAL; i++)
		if (ids[i] == ids[i - 1])
			fail_msg("two creates got the same lead id %llu",
				 (unsigned long long)ids[i]);

	st = ld_test_stats(admin, &keep);
	uint64_t commits = st->commits - commits0, writes = st->writes_committed - writes0;
	print_message("200 creates: %llu commits, %llu writes committed, max batch %u\n",
		      (unsigned long long)commits, (unsigned long long)writes, st->max_batch);
	if (writes != TOTAL)
		fail_msg("writes_committed grew by %llu, want %d", (unsigned long long)writes,
			 TOTAL);
	if (commits == 0 || commits >= TOTAL)
		fail_msg("%llu commits for %d concurrent creates: no group commit",
			 (unsigned long long)commits, TOTAL);
	assert_true(st->max_batch > 1);
	leadd__response__free_unpacked(keep, NULL);

	/* Each lead is readable with the title its create carried. */
	for (int i = 0; i < TOTAL; i++) {
		Leadd__Response *r = ld_test_get(admin, slots[i].lead_id);
		if (ld_response_code(r) != 0)
			fail_msg("get of created lead %llu: %s",
				 (unsigned long long)slots[i].lead_id, ld_response_message(r));
		assert_string_equal(ld_test_lead(r)->title, slots[i].title);
		assert_int_equal(ld_test_lead(r)->version, slots[i].version);
		leadd__response__free_unpacked(r, NULL);
	}

	for (int i = 0; i < NCONNS; i++)
		ld_conn_close(conns[i]);
	ld_conn_close(admin);
	ld_test_server_stop(s);
	ld_test_server_verify(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_group_commit, ld_test_setup, ld_test_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
