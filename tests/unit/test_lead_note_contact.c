/* Unit tests for client/lead_note_contact.h: which emails and phone numbers
 * in a note make `lead note` print a `lead contact add` line, the name it
 * guesses, the shell quoting, and what it leaves alone (dates, times,
 * amounts, a contact the lead already has). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lead_note_contact.h"

static void line_is(const char *text, const Leadd__Lead *lead, const char *want)
{
	char *got = lead_note_contact_line(text, lead, 42, NULL);
	if (!want) {
		if (got)
			fail_msg("'%s': wanted no line, got '%s'", text, got);
		return;
	}
	if (!got)
		fail_msg("'%s': no line, wanted '%s'", text, want);
	if (strcmp(got, want) != 0)
		fail_msg("'%s':\n got  '%s'\n want '%s'", text, got, want);
	free(got);
}

static void test_email(void **state)
{
	(void)state;
	line_is("new buyer ana@x.com", NULL, "lead contact add 42 --name Ana --email ana@x.com");
	line_is("new buyer ana.lopez@acme.example, call her", NULL,
		"lead contact add 42 --name 'Ana Lopez' --email ana.lopez@acme.example");
	line_is("write to (raj_patel@acme.example).", NULL,
		"lead contact add 42 --name 'Raj Patel' --email raj_patel@acme.example");
	/* A local part that is not a name gets NAME. */
	line_is("sales2@acme.example", NULL,
		"lead contact add 42 --name NAME --email sales2@acme.example   (put their name "
		"for NAME)");
	/* Not emails. */
	line_is("meet @ 10", NULL, NULL);
	line_is("ana@localhost", NULL, NULL);
	line_is("", NULL, NULL);
}

static void test_phone(void **state)
{
	(void)state;
	line_is("her mobile: +33 6 12 34 56 78", NULL,
		"lead contact add 42 --name NAME --phone '+33 6 12 34 56 78'   (put their name "
		"for NAME)");
	line_is("call 06.12.34.56.78 after lunch", NULL,
		"lead contact add 42 --name NAME --phone 06.12.34.56.78   (put their name for "
		"NAME)");
	line_is("US office (555) 123-4567", NULL,
		"lead contact add 42 --name NAME --phone '(555) 123-4567'   (put their name for "
		"NAME)");
	/* Both: one line. */
	line_is("ana.lopez@acme.example +34 600 000 001", NULL,
		"lead contact add 42 --name 'Ana Lopez' --email ana.lopez@acme.example --phone "
		"'+34 600 000 001'");
	/* Not phones: dates, times, amounts, short numbers, ids in words. */
	line_is("meeting on 2026-12-01 10:30 about 3 offers", NULL, NULL);
	line_is("2026-12-01T10:30", NULL, NULL);
	line_is("budget 48000 EUR, 12 seats", NULL, NULL);
	line_is("order ABC123456789", NULL, NULL);
	line_is("ref 1234567890123456789 is too long", NULL, NULL);
}

static void test_known(void **state)
{
	(void)state;
	Leadd__Contact c = LEADD__CONTACT__INIT;
	c.name = "Ana Lopez";
	c.email = "Ana.Lopez@ACME.example";
	c.phone = "+33 6 12 34 56 78";
	Leadd__Contact *cs[] = {&c};
	Leadd__Lead l = LEADD__LEAD__INIT;
	l.n_contacts = 1;
	l.contacts = cs;
	line_is("spoke to ana.lopez@acme.example", &l, NULL);
	line_is("her mobile +33612345678", &l, NULL);
	/* A new one beside a known one: only the new one. */
	line_is("ana.lopez@acme.example and raj@acme.example", &l,
		"lead contact add 42 --name Raj --email raj@acme.example");
}

static void test_server_option(void **state)
{
	(void)state;
	char *got = lead_note_contact_line("ana.lopez@x.com", NULL, 7, "10.0.0.1:7400");
	assert_string_equal(got, "lead --server 10.0.0.1:7400 contact add 7 --name 'Ana Lopez' "
				 "--email ana.lopez@x.com");
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_phone),
		cmocka_unit_test(test_known),
		cmocka_unit_test(test_server_option),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
