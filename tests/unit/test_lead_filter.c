/* Unit tests for client/lead_filter.h: the filter options as `lead ls` and
 * `lead search save|edit` parse them into a LeadFilter, the words the
 * "more:" hint repeats (relative dates as the instants they meant), usage
 * errors, and a saved filter in words and as JSON. */
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "lead_date.h"
#include "lead_filter.h"

static const struct cmd_entry entry = {.name = "ls", .usage = "[FILTERS]", .help = "test"};

/* Parses argv (NULL-terminated, argv[0] the command) as cmd_ls does;
 * returns 0 or the exit status. */
static int parse(struct lead_filter_args *a, const char *const *args)
{
	static struct lead_ctx ctx;
	char *argv[64];
	int argc = 0;
	for (; args[argc]; argc++)
		argv[argc] = (char *)args[argc];
	argv[argc] = NULL;
	int rc = lead_filter_init(&ctx, a, argc);
	if (rc)
		return rc;
	struct option *opts = lead_filter_getopt(NULL);
	int c;
	lead_getopt_reset();
	while (!rc && (c = getopt_long(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		if (!lead_filter_is_option(c))
			rc = lead_cmd_option(&entry, &ctx, argv, c);
		else
			rc = lead_filter_option(&entry, &ctx, a, c, optarg);
	}
	free(opts);
	if (!rc)
		rc = lead_filter_finish(&entry, &ctx, a);
	return rc;
}

static char *joined(const struct lead_filter_args *a)
{
	return lead_words_join(&a->words);
}

static void test_every_option(void **state)
{
	(void)state;
	setenv("TZ", "Europe/Paris", 1);
	tzset();
	const char *args[] = {"ls",
			      "--status",
			      "qualified",
			      "--status",
			      "lead-D",
			      "--mine",
			      "--owner",
			      "tom",
			      "--owner",
			      "ana",
			      "--in-team",
			      "sales",
			      "--pool",
			      "--client",
			      "O'Brien & Sons",
			      "--tag",
			      "web",
			      "--tag",
			      "a b",
			      "--query",
			      "Lefèvre scan",
			      "--value-min",
			      "10.5",
			      "--value-max",
			      "1000",
			      "--currency",
			      "eur",
			      "--created-since",
			      "2026-12-01",
			      "--created-before",
			      "2026-12-01T10:30",
			      "--updated-since",
			      "2026-12-01T09:00:00Z",
			      "--next-before",
			      "2027-01-01",
			      "--no-next",
			      "--idle",
			      "2w",
			      "--source",
			      "trade fair",
			      "--sort",
			      "value",
			      "--desc",
			      NULL};
	struct lead_filter_args a;
	assert_int_equal(parse(&a, args), 0);
	const Leadd__LeadFilter *f = &a.f;
	assert_int_equal(f->n_statuses, 2);
	assert_string_equal(f->statuses[1], "lead-D");
	assert_true(f->has_mine && f->mine);
	assert_int_equal(f->n_owners, 2);
	assert_string_equal(f->owners[0], "tom");
	assert_string_equal(f->team, "sales");
	assert_true(f->has_pool && f->pool);
	assert_string_equal(f->client, "O'Brien & Sons");
	assert_int_equal(f->n_tags, 2);
	assert_string_equal(f->query, "Lefèvre scan");
	assert_string_equal(f->value_currency, "EUR");
	assert_true(f->has_value_min && f->value_min == 1050);
	assert_true(f->has_value_max && f->value_max == 100000);
	assert_true(f->has_created_since && f->created_since == 1796079600000LL);
	assert_true(f->has_created_before && f->created_before == 1796117400000LL);
	assert_true(f->has_updated_since && f->updated_since == 1796115600000LL);
	assert_true(f->has_next_before);
	assert_true(f->has_no_next && f->no_next);
	assert_true(f->has_idle_ms && f->idle_ms == 14 * 86400000LL);
	assert_string_equal(f->source, "trade fair");
	assert_true(a.any && a.has_sort && a.sort == LEADD__LEAD_SORT__SORT_VALUE);
	assert_true(a.has_desc && a.desc);

	/* The hint repeats them all, in order, quoted for a shell. */
	char *w = joined(&a);
	assert_string_equal(w, "--status qualified --status lead-D --mine --owner tom --owner ana "
			       "--team sales --pool --client 'O'\\''Brien & Sons' --tag web "
			       "--tag 'a b' --query 'Lefèvre scan' --value-min 10.5 --value-max "
			       "1000 --currency eur --created-since 2026-12-01 --created-before "
			       "2026-12-01T10:30 --updated-since 2026-12-01T09:00:00Z "
			       "--next-before 2027-01-01 --no-next --idle 2w --source 'trade "
			       "fair' --sort value --desc");
	free(w);

	char *s = lead_filter_summary(f, a.has_sort, a.sort, a.desc);
	assert_string_equal(
		s, "status qualified or lead-D, mine, owner tom or ana, team sales, in "
		   "the pool, client O'Brien & Sons, tags web and a b, text "
		   "\"Lefèvre scan\", value 10.50 EUR to 1000.00 EUR, created since "
		   "2026-12-01 00:00 CET, created before 2026-12-01 10:30 CET, updated since "
		   "2026-12-01 10:00 CET, next action before 2027-01-01 00:00 CET, no next "
		   "action, idle 14d, source trade fair, by value, descending");
	free(s);
	cJSON *j = lead_filter_json(f);
	char *js = cJSON_PrintUnformatted(j);
	assert_non_null(strstr(js, "\"statuses\":[\"qualified\",\"lead-D\"],\"mine\":true"));
	assert_non_null(strstr(js, "\"value_min\":1050,\"value_max\":100000"));
	assert_non_null(strstr(js, "\"idle_ms\":1209600000"));
	assert_non_null(strstr(js, "\"source\":\"trade fair\"}"));
	free(js);
	cJSON_Delete(j);
	lead_filter_free(&a);
}

static void test_relative_dates_become_instants(void **state)
{
	(void)state;
	const char *args[] = {"ls", "--created-since", "-7d", "--next-before", "now", NULL};
	struct lead_filter_args a;
	assert_int_equal(parse(&a, args), 0);
	char since[32], next[32], want[128];
	lead_date_format_utc(a.f.created_since, since, sizeof(since));
	lead_date_format_utc(a.f.next_before, next, sizeof(next));
	snprintf(want, sizeof(want), "--created-since %s --next-before %s", since, next);
	char *w = joined(&a);
	assert_string_equal(w, want);
	free(w);
	/* Seven days back, give or take the DST hour. */
	int64_t back = a.now_ms - a.f.created_since;
	assert_true(back >= 7 * 86400000LL - 3600000 - 1000 && back <= 7 * 86400000LL + 3600000);
	assert_true(a.f.next_before == a.now_ms);
	lead_filter_free(&a);
}

static void test_no_filter(void **state)
{
	(void)state;
	const char *args[] = {"ls", "--sort", "title", NULL};
	struct lead_filter_args a;
	assert_int_equal(parse(&a, args), 0);
	assert_false(a.any); /* the request then carries no filter */
	char *s = lead_filter_summary(NULL, 1, LEADD__LEAD_SORT__SORT_TITLE, 0);
	assert_string_equal(s, "all leads, by title");
	free(s);
	s = lead_filter_summary(NULL, 0, 0, 0);
	assert_string_equal(s, "all leads");
	free(s);
	lead_filter_free(&a);
}

static void test_usage_errors(void **state)
{
	(void)state;
	const char *const bad[][6] = {
		{"ls", "--created-since", "yesterday", NULL},
		{"ls", "--idle", "14", NULL},
		{"ls", "--sort", "size", NULL},
		{"ls", "--value-min", "1.234", NULL},
		{"ls", "--value-min", "5", "--value-max", "4", NULL},
		{"ls", "--currency", "EUR", NULL},
		{"ls", "--value-max", "5", "--currency", "XYZ", NULL},
		{"ls", "--status", NULL},
		{"ls", "--nope", NULL},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct lead_filter_args a;
		if (parse(&a, bad[i]) != LD_EXIT_USAGE)
			fail_msg("'%s %s' was not a usage error", bad[i][1], bad[i][2]);
		lead_filter_free(&a);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_option),
		cmocka_unit_test(test_relative_dates_become_instants),
		cmocka_unit_test(test_no_filter),
		cmocka_unit_test(test_usage_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
