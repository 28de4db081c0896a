/* Durability: what leadd acknowledged survives kill -9.
 *
 * An answer is only sent after the commit that holds the write, so every id
 * in an OK reply must be there after a SIGKILL and a restart, with the title
 * its create carried. The second half kills leadd with creates still in
 * flight: the ones answered before the kill must be there too. */
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

#define NSEQ 50
#define NPIPE 200

typedef struct {
	int done;
	uint64_t id;
	char title[48];
} acked;

static void check_present(ld_conn *c, const acked *a, const char *when)
{
	Leadd__Response *r = ld_test_get(c, a->id);
	if (ld_response_code(r) != 0)
		fail_msg("%s: acknowledged lead %llu (\"%s\") answered %s", when,
			 (unsigned long long)a->id, a->title, ld_code_name(ld_response_code(r)));
	if (strcmp(ld_test_lead(r)->title, a->title) != 0)
		fail_msg("%s: lead %llu has title \"%s\", want \"%s\"", when,
			 (unsigned long long)a->id, ld_test_lead(r)->title, a->title);
	leadd__response__free_unpacked(r, NULL);
}

static void on_create(void *arg, Leadd__Response *r)
{
	acked *a = arg;
	if (!r)
		return; /* lost with the server: not acknowledged, nothing promised */
	if (ld_response_code(r) == 0 && r->body_case == LEADD__RESPONSE__BODY_LEAD && r->lead &&
	    r->lead->lead) {
		a->id = r->lead->lead->id;
		a->done = 1;
	}
	leadd__response__free_unpacked(r, NULL);
}

static void test_kill9_keeps_acknowledged(void **state)
{
	ld_test_server *s = *state;
	static acked seq[NSEQ], flight[NPIPE];
	ld_conn *c = ld_test_connect(ld_test_server_start(s));

	for (int i = 0; i < NSEQ; i++) {
		snprintf(seq[i].title, sizeof(seq[i].title), "durable lead %d", i);
		Leadd__Response *r = ld_test_create_title(c, seq[i].title);
		seq[i].id = ld_test_lead(r)->id;
		seq[i].done = 1;
		leadd__response__free_unpacked(r, NULL);
	}
	ld_conn_close(c);
	ld_test_server_kill9(s);

	c = ld_test_connect(ld_test_server_restart(s));
	for (int i = 0; i < NSEQ; i++)
		check_present(c, &seq[i], "after kill -9");

	/* Now kill it mid-stream: send everything, read until some answers came. */
	for (int i = 0; i < NPIPE; i++) {
		Leadd__Request req = LEADD__REQUEST__INIT;
		Leadd__LeadCreateRequest lc = LEADD__LEAD_CREATE_REQUEST__INIT;
		snprintf(flight[i].title, sizeof(flight[i].title), "in flight at the kill %d", i);
		lc.title = flight[i].title;
		lc.owner = LD_TEST_ADMIN; /* an admin names an owner or a team */
		req.body_case = LEADD__REQUEST__BODY_LEAD_CREATE;
		req.lead_create = &lc;
		if (ld_conn_send(c, &req, on_create, &flight[i]) == 0)
			fail_msg("send: %s", ld_conn_error(c));
	}
	int64_t deadline = ld_test_now_us() + LD_TEST_CALL_MS * 1000LL;
	while (ld_conn_in_flight(c) > NPIPE / 2) {
		struct pollfd p = {.fd = ld_conn_fd(c), .events = POLLIN};
		if (ld_conn_want_write(c))
			p.events |= POLLOUT;
		if (ld_test_now_us() > deadline)
			fail_msg("no progress on pipelined creates");
		if (poll(&p, 1, 100) > 0 && ld_conn_process(c, p.revents) < 0)
			fail_msg("connection lost before the kill: %s", ld_conn_error(c));
	}
	ld_test_server_kill9(s);
	/* Answers already in our socket buffer were sent before the kill. */
	ld_conn_drain(c, 2000);
	ld_conn_close(c);

	int answered = 0;
	for (int i = 0; i < NPIPE; i++)
		answered += flight[i].done;
	print_message("%d of %d pipelined creates acknowledged before kill -9\n", answered, NPIPE);
	assert_true(answered >= NPIPE / 2);

	c = ld_test_connect(ld_test_server_restart(s));
	for (int i = 0; i < NSEQ; i++)
		check_present(c, &seq[i], "after the second kill -9");
	for (int i = 0; i < NPIPE; i++)
		if (flight[i].done)
			check_present(c, &flight[i], "after kill -9 mid-stream");
	ld_conn_close(c);
	ld_test_server_stop(s);
	ld_test_server_verify(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kill9_keeps_acknowledged, ld_test_setup,
						ld_test_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
