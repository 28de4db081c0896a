/* Paging through leads with the opaque cursor: 25 leads in pages of 10 come
 * back as 10 + 10 + 5, in id order, each exactly once, and the last page
 * carries no cursor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

#define NLEADS 25
#define PAGE 10

static Leadd__Response *list_page(ld_conn *c, const char *cursor)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__LeadListRequest ll = LEADD__LEAD_LIST_REQUEST__INIT;
	ll.has_limit = 1;
	ll.limit = PAGE;
	ll.cursor = (char *)cursor;
	req.body_case = LEADD__REQUEST__BODY_LEAD_LIST;
	req.lead_list = &ll;
	Leadd__Response *r = ld_test_call_expect(c, &req, 0);
	if (r->body_case != LEADD__RESPONSE__BODY_LEAD_LIST || !r->lead_list)
		fail_msg("LeadListRequest answered without a LeadListReply (body %d)",
			 (int)r->body_case);
	return r;
}

static void test_list_paging(void **state)
{
	ld_test_server *s = *state;
	ld_conn *c = ld_test_connect(ld_test_server_start(s));
	uint64_t created[NLEADS];
	char titles[NLEADS][32];

	for (int i = 0; i < NLEADS; i++) {
		snprintf(titles[i], sizeof(titles[i]), "listed lead %02d", i);
		Leadd__Response *r = ld_test_create_title(c, titles[i]);
		created[i] = ld_test_lead(r)->id;
		if (i > 0 && created[i] <= created[i - 1])
			fail_msg("lead ids not increasing: %llu after %llu",
				 (unsigned long long)created[i],
				 (unsigned long long)created[i - 1]);
		leadd__response__free_unpacked(r, NULL);
	}

	static const size_t want_sizes[] = {10, 10, 5};
	char *cursor = NULL;
	int seen = 0;
	uint64_t prev = 0;
	for (int page = 0; page < 3; page++) {
		Leadd__Response *r = list_page(c, cursor);
		Leadd__LeadListReply *lr = r->lead_list;
		free(cursor);
		cursor = NULL;
		if (lr->n_leads != want_sizes[page])
			fail_msg("page %d has %zu leads, want %zu", page + 1, lr->n_leads,
				 want_sizes[page]);
		for (size_t i = 0; i < lr->n_leads; i++) {
			const Leadd__Lead *l = lr->leads[i];
			/* Strictly increasing ids: ordered, and no lead twice. */
			if (l->id <= prev)
				fail_msg("page %d lists lead %llu after %llu", page + 1,
					 (unsigned long long)l->id, (unsigned long long)prev);
			prev = l->id;
			if (l->id != created[seen])
				fail_msg("page %d item %zu is lead %llu, want %llu", page + 1, i,
					 (unsigned long long)l->id,
					 (unsigned long long)created[seen]);
			assert_string_equal(l->title, titles[seen]);
			seen++;
		}
		if (page < 2) {
			if (!lr->cursor || !lr->cursor[0])
				fail_msg("page %d of 3 carries no cursor", page + 1);
			cursor = strdup(lr->cursor);
			assert_non_null(cursor);
		} else if (lr->cursor) {
			fail_msg("the last page carries a cursor (\"%s\"); want none", lr->cursor);
		}
		leadd__response__free_unpacked(r, NULL);
	}
	assert_int_equal(seen, NLEADS);

	/* A cursor is opaque but not trusted: garbage is refused, not followed. */
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__LeadListRequest ll = LEADD__LEAD_LIST_REQUEST__INIT;
	ll.cursor = "not a cursor \x01\x02";
	req.body_case = LEADD__REQUEST__BODY_LEAD_LIST;
	req.lead_list = &ll;
	Leadd__Response *r = ld_test_call(c, &req);
	if (ld_response_code(r) != LD_INVALID_ARGUMENT)
		fail_msg("a garbage cursor answered %s; want INVALID_ARGUMENT",
			 ld_code_name(ld_response_code(r)));
	leadd__response__free_unpacked(r, NULL);

	ld_conn_close(c);
	ld_test_server_stop(s);
	ld_test_server_verify(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_list_paging, ld_test_setup, ld_test_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
