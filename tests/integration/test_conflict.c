/* Conflicts and error replies: a stale expected_version is ABORTED and
 * changes nothing, missing records are NOT_FOUND, an empty or unknown request
 * body is UNIMPLEMENTED, and one connection's answers come in the order its
 * requests were sent. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "ld_frame.h"

static ld_test_server server;
static const char *addr;

static Leadd__Response *update_title(ld_conn *c, uint64_t id, uint64_t expected, const char *title,
				     int code)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__LeadUpdateRequest up = LEADD__LEAD_UPDATE_REQUEST__INIT;
	up.has_id = 1;
	up.id = id;
	up.has_expected_version = 1;
	up.expected_version = expected;
	up.title = (char *)title;
	req.body_case = LEADD__REQUEST__BODY_LEAD_UPDATE;
	req.lead_update = &up;
	return ld_test_call_expect(c, &req, code);
}

static void test_stale_version_aborted(void **state)
{
	(void)state;
	ld_conn *c = ld_test_connect(addr);
	Leadd__Response *r0 = ld_test_create_title(c, "conflict v1");
	uint64_t id = ld_test_lead(r0)->id, v1 = ld_test_lead(r0)->version;

	Leadd__Response *r1 = update_title(c, id, v1, "conflict v2", LD_OK);
	uint64_t v2 = ld_test_lead(r1)->version;
	assert_true(v2 > v1);

	/* Based on v1, which is no longer current: refused, never merged. */
	Leadd__Response *r2 = update_title(c, id, v1, "lost update", LD_ABORTED);
	assert_int_equal(ld_response_code(r2), 10);
	leadd__response__free_unpacked(r2, NULL);
	/* A version from the future is just as stale. */
	r2 = update_title(c, id, v2 + 1000, "from the future", LD_ABORTED);
	leadd__response__free_unpacked(r2, NULL);

	Leadd__Response *g = ld_test_get(c, id);
	assert_int_equal(ld_response_code(g), 0);
	assert_string_equal(ld_test_lead(g)->title, "conflict v2");
	assert_int_equal(ld_test_lead(g)->version, v2);
	leadd__response__free_unpacked(g, NULL);

	/* expected_version is required on updates. */
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__LeadUpdateRequest up = LEADD__LEAD_UPDATE_REQUEST__INIT;
	up.has_id = 1;
	up.id = id;
	up.title = "no version given";
	req.body_case = LEADD__REQUEST__BODY_LEAD_UPDATE;
	req.lead_update = &up;
	Leadd__Response *r3 = ld_test_call(c, &req);
	if (ld_response_code(r3) == 0)
		fail_msg("an update without expected_version was applied");
	leadd__response__free_unpacked(r3, NULL);

	/* A stale set-status is refused the same way. */
	Leadd__LeadSetStatusRequest ss = LEADD__LEAD_SET_STATUS_REQUEST__INIT;
	Leadd__StatusListRequest sl = LEADD__STATUS_LIST_REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_STATUS_LIST;
	req.status_list = &sl;
	Leadd__Response *sr = ld_test_call_expect(c, &req, 0);
	assert_int_equal(sr->body_case, LEADD__RESPONSE__BODY_STATUS_LIST);
	assert_true(sr->status_list->n_statuses >= 2);
	uint64_t other = sr->status_list->statuses[0]->id;
	if (other == ld_test_lead(r1)->status_id)
		other = sr->status_list->statuses[1]->id;
	ss.has_id = 1;
	ss.id = id;
	ss.has_status_id = 1;
	ss.status_id = other;
	ss.has_expected_version = 1;
	ss.expected_version = v1;
	req.body_case = LEADD__REQUEST__BODY_LEAD_SET_STATUS;
	req.lead_set_status = &ss;
	r3 = ld_test_call_expect(c, &req, LD_ABORTED);
	leadd__response__free_unpacked(r3, NULL);

	g = ld_test_get(c, id);
	assert_int_equal(ld_test_lead(g)->version, v2);
	assert_int_equal(ld_test_lead(g)->status_id, ld_test_lead(r1)->status_id);
	leadd__response__free_unpacked(g, NULL);

	leadd__response__free_unpacked(sr, NULL);
	leadd__response__free_unpacked(r0, NULL);
	leadd__response__free_unpacked(r1, NULL);
	ld_conn_close(c);
}

static void test_missing_ids(void **state)
{
	(void)state;
	ld_conn *c = ld_test_connect(addr);
	const uint64_t missing = 987654321;

	Leadd__Response *r = update_title(c, missing, 1, "nobody", LD_NOT_FOUND);
	leadd__response__free_unpacked(r, NULL);

	r = ld_test_get(c, missing);
	assert_int_equal(ld_response_code(r), LD_NOT_FOUND);
	leadd__response__free_unpacked(r, NULL);

	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__LeadSetStatusRequest ss = LEADD__LEAD_SET_STATUS_REQUEST__INIT;
	ss.has_id = 1;
	ss.id = missing;
	ss.has_status_id = 1;
	ss.status_id = 1;
	req.body_case = LEADD__REQUEST__BODY_LEAD_SET_STATUS;
	req.lead_set_status = &ss;
	r = ld_test_call(c, &req);
	int code = ld_response_code(r);
	if (code != LD_NOT_FOUND && code != LD_INVALID_ARGUMENT)
		fail_msg("set-status of a missing lead answered %s", ld_code_name(code));
	leadd__response__free_unpacked(r, NULL);

	/* A real lead and an unknown status: refused, and the lead is unchanged. */
	Leadd__Response *cr = ld_test_create_title(c, "status target");
	const Leadd__Lead *l = ld_test_lead(cr);
	ss.id = l->id;
	ss.status_id = 123456789;
	r = ld_test_call(c, &req);
	code = ld_response_code(r);
	if (code != LD_NOT_FOUND && code != LD_INVALID_ARGUMENT)
		fail_msg("set-status to unknown status 123456789 answered %s (%s); want "
			 "INVALID_ARGUMENT or NOT_FOUND",
			 ld_code_name(code), ld_response_message(r));
	leadd__response__free_unpacked(r, NULL);
	r = ld_test_get(c, l->id);
	assert_int_equal(ld_test_lead(r)->version, l->version);
	assert_int_equal(ld_test_lead(r)->status_id, l->status_id);
	leadd__response__free_unpacked(r, NULL);
	leadd__response__free_unpacked(cr, NULL);

	/* The connection is still good after all these errors. */
	r = ld_test_create_title(c, "still serving");
	leadd__response__free_unpacked(r, NULL);
	ld_conn_close(c);
}

static void test_empty_body_unimplemented(void **state)
{
	(void)state;
	ld_conn *c = ld_test_connect(addr);
	Leadd__Request req = LEADD__REQUEST__INIT; /* body not set */
	Leadd__Response *r = ld_test_call_expect(c, &req, LD_UNIMPLEMENTED);
	leadd__response__free_unpacked(r, NULL);
	/* Not a protocol error: the connection carries on. */
	r = ld_test_create_title(c, "after an empty request");
	leadd__response__free_unpacked(r, NULL);
	ld_conn_close(c);
}

/* Write a whole frame on a raw socket. */
static void send_frame(int fd, const uint8_t *body, size_t n)
{
	uint8_t buf[256];
	assert_true(n + LD_FRAME_HEADER <= sizeof(buf));
	ld_frame_put_header(buf, (uint32_t)n);
	memcpy(buf + LD_FRAME_HEADER, body, n);
	assert_int_equal(send(fd, buf, n + LD_FRAME_HEADER, MSG_NOSIGNAL),
			 (ssize_t)(n + LD_FRAME_HEADER));
}

/* Read one ServerMessage and return its response (the envelope leaks into it). */
static Leadd__Response *recv_response(int fd)
{
	ld_frame_decoder d;
	ld_frame_decoder_init(&d, LD_FRAME_MAX);
	int64_t deadline = ld_test_now_us() + LD_TEST_CALL_MS * 1000LL;
	for (;;) {
		const uint8_t *f;
		uint32_t len;
		ld_frame_status st = ld_frame_next(&d, &f, &len);
		if (st == LD_FRAME_OK) {
			Leadd__ServerMessage *sm = leadd__server_message__unpack(NULL, len, f);
			assert_non_null(sm);
			assert_int_equal(sm->kind_case, LEADD__SERVER_MESSAGE__KIND_RESPONSE);
			Leadd__Response *r = sm->response;
			sm->response = NULL;
			sm->kind_case = LEADD__SERVER_MESSAGE__KIND__NOT_SET;
			leadd__server_message__free_unpacked(sm, NULL);
			ld_frame_decoder_free(&d);
			return r;
		}
		assert_int_equal(st, LD_FRAME_NEED_MORE);
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int left = (int)((deadline - ld_test_now_us()) / 1000);
		if (left <= 0 || poll(&p, 1, left) <= 0)
			fail_msg("no answer on the raw connection");
		uint8_t buf[4096];
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			fail_msg("raw connection closed before an answer: %s",
				 n < 0 ? strerror(errno) : "EOF");
		assert_int_equal(ld_frame_decoder_feed(&d, buf, (size_t)n), 0);
	}
}

static void test_unknown_body_unimplemented(void **state)
{
	(void)state;
	char host[64], port[16], err[128];
	assert_int_equal(
		ld_parse_hostport(addr, host, sizeof(host), port, sizeof(port), err, sizeof(err)),
		0);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
	inet_pton(AF_INET, host, &sa.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);

	/* Hello first, as a newer client would. */
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__HelloRequest hello = LEADD__HELLO_REQUEST__INIT;
	hello.has_protocol_version = 1;
	hello.protocol_version = LD_PROTOCOL_VERSION;
	hello.client_name = "raw-test";
	req.has_id = 1;
	req.id = 1;
	req.body_case = LEADD__REQUEST__BODY_HELLO;
	req.hello = &hello;
	uint8_t buf[128];
	size_t n = leadd__request__pack(&req, buf);
	send_frame(fd, buf, n);
	Leadd__Response *r = recv_response(fd);
	assert_int_equal(ld_response_code(r), 0);
	leadd__response__free_unpacked(r, NULL);

	/* Log in, so the ping below is allowed. */
	Leadd__LoginRequest login = LEADD__LOGIN_REQUEST__INIT;
	login.user = LD_TEST_ADMIN;
	login.password = LD_TEST_ADMIN_PASSWORD;
	req.id = 10;
	req.body_case = LEADD__REQUEST__BODY_LOGIN;
	req.login = &login;
	n = leadd__request__pack(&req, buf);
	send_frame(fd, buf, n);
	r = recv_response(fd);
	assert_int_equal(ld_response_code(r), 0);
	leadd__response__free_unpacked(r, NULL);

	/* Request { id = 2; field 159 (a body this server does not know) = {} }:
	 * the tag of field 159, wire type 2, is varint 0xFA 0x09. */
	static const uint8_t unknown[] = {0x08, 0x02, 0xFA, 0x09, 0x00};
	send_frame(fd, unknown, sizeof(unknown));
	r = recv_response(fd);
	if (ld_response_code(r) != LD_UNIMPLEMENTED)
		fail_msg("a request with an unknown body answered %s (%s); want UNIMPLEMENTED",
			 ld_code_name(ld_response_code(r)), ld_response_message(r));
	assert_int_equal(r->id, 2);
	leadd__response__free_unpacked(r, NULL);

	/* And the connection still answers. */
	Leadd__PingRequest ping = LEADD__PING_REQUEST__INIT;
	req.id = 3;
	req.body_case = LEADD__REQUEST__BODY_PING;
	req.ping = &ping;
	n = leadd__request__pack(&req, buf);
	send_frame(fd, buf, n);
	r = recv_response(fd);
	assert_int_equal(ld_response_code(r), 0);
	assert_int_equal(r->id, 3);
	leadd__response__free_unpacked(r, NULL);
	close(fd);
}

typedef struct {
	int order;
	int code;
	Leadd__Response *resp;
} answer;

static int answer_seq;

static void on_answer(void *arg, Leadd__Response *r)
{
	answer *a = arg;
	a->order = ++answer_seq;
	a->code = r ? ld_response_code(r) : -1;
	a->resp = r;
}

static void send_get(ld_conn *c, uint64_t id, answer *a)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__LeadGetRequest get = LEADD__LEAD_GET_REQUEST__INIT;
	get.has_id = 1;
	get.id = id;
	req.body_case = LEADD__REQUEST__BODY_LEAD_GET;
	req.lead_get = &get;
	assert_true(ld_conn_send(c, &req, on_answer, a) != 0);
}

static void test_in_order_answers(void **state)
{
	(void)state;
	enum { ROUNDS = 20 };
	ld_conn *c = ld_test_connect(addr);
	static Leadd__Response *created[ROUNDS];
	static answer before[ROUNDS], ups[ROUNDS], after[ROUNDS];
	char titles[ROUNDS][32];

	for (int i = 0; i < ROUNDS; i++)
		created[i] = ld_test_create_title(c, "ordered, as created");

	/* get, update, get for each lead, all 60 sent before any answer is read.
	 * Reads run on the loop and writes on the writer thread, so only the
	 * per-connection ordering makes the first get see the old title and the
	 * second the new one. */
	answer_seq = 0;
	for (int i = 0; i < ROUNDS; i++) {
		const Leadd__Lead *l = ld_test_lead(created[i]);
		Leadd__Request req = LEADD__REQUEST__INIT;
		Leadd__LeadUpdateRequest up = LEADD__LEAD_UPDATE_REQUEST__INIT;
		snprintf(titles[i], sizeof(titles[i]), "ordered %d", i);
		up.has_id = 1;
		up.id = l->id;
		up.has_expected_version = 1;
		up.expected_version = l->version;
		up.title = titles[i];
		req.body_case = LEADD__REQUEST__BODY_LEAD_UPDATE;
		req.lead_update = &up;
		send_get(c, l->id, &before[i]);
		assert_true(ld_conn_send(c, &req, on_answer, &ups[i]) != 0);
		send_get(c, l->id, &after[i]);
	}
	if (ld_conn_drain(c, LD_TEST_CALL_MS) != 0)
		fail_msg("pipelined get/update/get: %s", ld_conn_error(c));

	for (int i = 0; i < ROUNDS; i++) {
		const Leadd__Lead *l = ld_test_lead(created[i]);
		assert_int_equal(before[i].order, 3 * i + 1);
		assert_int_equal(ups[i].order, 3 * i + 2);
		assert_int_equal(after[i].order, 3 * i + 3);
		assert_int_equal(before[i].code, 0);
		assert_int_equal(ups[i].code, 0);
		assert_int_equal(after[i].code, 0);
		const Leadd__Lead *b = ld_test_lead(before[i].resp);
		const Leadd__Lead *u = ld_test_lead(ups[i].resp);
		const Leadd__Lead *a = ld_test_lead(after[i].resp);
		if (strcmp(b->title, l->title) != 0 || b->version != l->version)
			fail_msg("round %d: the get sent before the update saw \"%s\" v%llu", i,
				 b->title, (unsigned long long)b->version);
		if (strcmp(a->title, titles[i]) != 0 || a->version != u->version)
			fail_msg("round %d: the get sent after the update saw \"%s\" v%llu, "
				 "want \"%s\" v%llu",
				 i, a->title, (unsigned long long)a->version, titles[i],
				 (unsigned long long)u->version);
		leadd__response__free_unpacked(before[i].resp, NULL);
		leadd__response__free_unpacked(ups[i].resp, NULL);
		leadd__response__free_unpacked(after[i].resp, NULL);
		leadd__response__free_unpacked(created[i], NULL);
	}
	ld_conn_close(c);
}

static void test_stop_and_verify(void **state)
{
	(void)state;
	ld_test_server_stop(&server);
	ld_test_server_verify(&server);
}

static int group_setup(void **state)
{
	(void)state;
	addr = ld_test_server_start(&server);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	ld_test_server_cleanup(&server);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stale_version_aborted),
		cmocka_unit_test(test_missing_ids),
		cmocka_unit_test(test_empty_body_unimplemented),
		cmocka_unit_test(test_unknown_body_unimplemented),
		cmocka_unit_test(test_in_order_answers),
		/* Last: the group's server is stopped and verified. */
		cmocka_unit_test(test_stop_and_verify),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
