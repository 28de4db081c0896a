/* What lead_history says changed between two versions of a lead
 * (server/history_diff.c): the cases the protocol tests do not reach. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "history_diff.h"

static const char *names(void *arg, history_name_kind kind, uint64_t id)
{
	(void)arg;
	if (kind == HISTORY_NAME_USER && id == 2)
		return "sofia";
	if (kind == HISTORY_NAME_STATUS && id == 1)
		return "lead-New";
	if (kind == HISTORY_NAME_TEAM && id == 1)
		return "North";
	return NULL; /* deleted */
}

typedef struct {
	ld_arena arena;
	history_diff d;
	Leadd__FieldChange **ch;
	size_t n;
	char text[4096]; /* "field: old -> new" lines */
} run;

static const char *diff(run *r, const Leadd__Lead *old, const Leadd__Lead *lead)
{
	ld_arena_reset(&r->arena);
	memset(&r->d, 0, sizeof(r->d));
	r->d.arena = &r->arena;
	r->d.name = names;
	assert_int_equal(history_diff_leads(&r->d, old, lead, &r->ch, &r->n), 0);
	r->text[0] = 0;
	for (size_t i = 0; i < r->n; i++) {
		const Leadd__FieldChange *c = r->ch[i];
		size_t used = strlen(r->text);
		if (c->has_old_at || c->has_new_at)
			snprintf(r->text + used, sizeof(r->text) - used, "%s: %lld -> %lld\n",
				 c->field, c->has_old_at ? (long long)c->old_at : -1,
				 c->has_new_at ? (long long)c->new_at : -1);
		else
			snprintf(r->text + used, sizeof(r->text) - used, "%s: %s -> %s\n", c->field,
				 c->old_value ? c->old_value : "(absent)",
				 c->new_value ? c->new_value : "(absent)");
	}
	return r->text;
}

static Leadd__Contact *contact(Leadd__Contact *c, const char *name, const char *email,
			       const char *phone)
{
	leadd__contact__init(c);
	c->name = (char *)name;
	c->email = (char *)email;
	c->phone = (char *)phone;
	return c;
}

static void test_create_and_names(void **state)
{
	(void)state;
	run r;
	ld_arena_init(&r.arena, 0);
	Leadd__Lead l = LEADD__LEAD__INIT;
	Leadd__Money m = LEADD__MONEY__INIT;
	l.title = "Deal";
	l.status_id = 9; /* a status since deleted */
	l.owner_id = 0;  /* the pool */
	m.has_amount_minor = 1;
	m.amount_minor = 4800000;
	m.currency = "ZZZ"; /* unknown to leadd: minor units, said so */
	l.value = &m;
	assert_string_equal(diff(&r, NULL, &l), "title: (absent) -> Deal\n"
						"value: (absent) -> 4800000 ZZZ (minor units)\n"
						"status: (absent) -> status 9\n"
						"owner: (absent) -> pool\n");
	Leadd__Lead b = l;
	b.owner_id = 7; /* a user since deleted */
	b.team_id = 1;
	b.status_id = 1;
	b.has_next_action_at = 1;
	b.next_action_at = 1000;
	assert_string_equal(diff(&r, &l, &b), "status: status 9 -> lead-New\n"
					      "owner: pool -> user 7\n"
					      "team: (absent) -> North\n"
					      "next_action: -1 -> 1000\n");
	/* The same lead: nothing changed. */
	assert_string_equal(diff(&r, &b, &b), "");
	ld_arena_free(&r.arena);
}

static void test_contacts(void **state)
{
	(void)state;
	run r;
	ld_arena_init(&r.arena, 0);
	Leadd__Contact a, b, c, a2, c2, b2;
	Leadd__Contact *abc[] = {contact(&a, "Ana", "ana@x.com", NULL),
				 contact(&b, "Ben", NULL, "+34 1"),
				 contact(&c, NULL, NULL, "+34 2")};
	Leadd__Lead old = LEADD__LEAD__INIT, now = LEADD__LEAD__INIT;
	old.contacts = abc;
	old.n_contacts = 3;
	/* Only the order of the others: no main line, an order line. */
	Leadd__Contact *acb[] = {&a, &c, &b};
	now.contacts = acb;
	now.n_contacts = 3;
	assert_string_equal(diff(&r, &old, &now), "contacts: (absent) -> order: Ana, +34 2, Ben\n");
	/* Found by name when the email changed, by phone when there is
	 * nothing else; a new main contact. */
	contact(&a2, "ana", "ana@y.com", NULL);
	contact(&c2, NULL, "c@x.com", "+34 2");
	Leadd__Contact *changed[] = {&c2, &a2, &b};
	now.contacts = changed;
	assert_string_equal(diff(&r, &old, &now),
			    "contacts: (absent) -> +34 2: email none -> c@x.com\n"
			    "contacts: (absent) -> Ana: name Ana -> ana\n"
			    "contacts: (absent) -> Ana: email ana@x.com -> ana@y.com\n"
			    "contacts: (absent) -> main: +34 2\n");
	/* Left, then back. */
	b2 = b;
	b2.has_left = 1;
	b2.left = 1;
	Leadd__Contact *left[] = {&a, &b2, &c};
	now.contacts = left;
	assert_string_equal(diff(&r, &old, &now), "contacts: (absent) -> Ben: left\n");
	assert_string_equal(diff(&r, &now, &old),
			    "contacts: (absent) -> Ben: back, no longer left\n");
	/* All removed. */
	now.n_contacts = 0;
	assert_string_equal(diff(&r, &old, &now),
			    "contacts: (absent) -> removed Ana <ana@x.com>\n"
			    "contacts: (absent) -> removed Ben, +34 1\n"
			    "contacts: (absent) -> removed (no name), +34 2\n");
	ld_arena_free(&r.arena);
}

static void test_escapes(void **state)
{
	(void)state;
	run r;
	ld_arena_init(&r.arena, 0);
	Leadd__Lead old = LEADD__LEAD__INIT, now = LEADD__LEAD__INIT;
	old.title = "a\x1b]0;x\x07";
	now.title = "b";
	old.description = "one\ntwo\x1b[2J";
	char *tags[] = {"t\xe2\x80\xae"}; /* U+202E */
	old.tags = tags;
	old.n_tags = 1;
	assert_string_equal(diff(&r, &old, &now), "title: a\\x1b]0;x\\x07 -> b\n"
						  "description: one\ntwo\\x1b[2J -> (absent)\n"
						  "tags: t\\u202e -> (absent)\n");
	ld_arena_free(&r.arena);
}

static void test_out_of_memory(void **state)
{
	(void)state;
	run r;
	ld_arena_init(&r.arena, 64); /* too small for any change */
	memset(&r.d, 0, sizeof(r.d));
	r.d.arena = &r.arena;
	r.d.name = names;
	Leadd__Lead l = LEADD__LEAD__INIT;
	l.title = "A title longer than the arena allows for its change";
	assert_int_equal(history_diff_leads(&r.d, NULL, &l, &r.ch, &r.n), -1);
	assert_true(r.d.failed);
	ld_arena_free(&r.arena);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_and_names),
		cmocka_unit_test(test_contacts),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_out_of_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
