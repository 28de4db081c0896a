/* `lead agenda` and `lead today` (issue 13): a user's open calls, tasks and
 * meetings in time order, overdue ones first and marked, as a table, as
 * JSON, or as an iCalendar file (--ics) that calendar applications import.
 * The server reads the range and judges what is overdue (its clock); who
 * may see whose agenda is its rule too. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ld_norm.h"
#include "lead.h"
#include "lead_activity.h"
#include "lead_date.h"
#include "lead_ics.h"

enum { O_FROM = 1300, O_TO, O_USER, O_ICS };

/* Pages of AgendaReply items, kept for printing. The cap keeps a runaway
 * range from eating memory: past it lead says so rather than drop items. */
#define AGENDA_PAGE 1000
#define AGENDA_MAX_PAGES 20

struct agenda {
	Leadd__Response *pages[AGENDA_MAX_PAGES];
	size_t n_pages;
	Leadd__Activity **items;
	size_t n;
	int more; /* stopped at the cap with items left */
	const char *user;
	int64_t now;
};

static void agenda_free(struct agenda *ag)
{
	for (size_t i = 0; i < ag->n_pages; i++)
		leadd__response__free_unpacked(ag->pages[i], NULL);
	free(ag->items);
}

static int agenda_fetch(struct lead_ctx *ctx, Leadd__AgendaRequest *q, struct agenda *ag)
{
	memset(ag, 0, sizeof(*ag));
	char *cursor = NULL;
	for (;;) {
		if (ag->n_pages == AGENDA_MAX_PAGES) {
			ag->more = 1;
			return 0;
		}
		q->has_limit = 1;
		q->limit = AGENDA_PAGE;
		q->cursor = cursor;
		Leadd__Request req = LEADD__REQUEST__INIT;
		req.body_case = LEADD__REQUEST__BODY_AGENDA;
		req.agenda = q;
		Leadd__Response *r;
		int rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_AGENDA, &r);
		if (rc)
			return rc;
		ag->pages[ag->n_pages++] = r;
		const Leadd__AgendaReply *page = r->agenda;
		Leadd__Activity **items = realloc(ag->items,
						  (ag->n + page->n_items + 1) * sizeof(*items));
		if (!items)
			return lead_fail(ctx, LD_UNKNOWN, "out of memory");
		ag->items = items;
		for (size_t i = 0; i < page->n_items; i++)
			ag->items[ag->n++] = page->items[i];
		if (page->user)
			ag->user = page->user;
		if (page->has_now)
			ag->now = page->now;
		/* A page that returned nothing cannot move the cursor on. */
		if (!page->cursor || !*page->cursor || !page->n_items)
			return 0;
		cursor = page->cursor;
	}
}

static size_t count_overdue(const struct agenda *ag)
{
	size_t n = 0;
	for (size_t i = 0; i < ag->n; i++)
		n += ag->items[i]->overdue;
	return n;
}

static void print_table(const struct agenda *ag)
{
	static const char *const head[] = {"", "WHEN", "ACT", "KIND", "LEAD", "WHAT"};
	struct lead_table *t = lead_table_new(6, head);
	lead_table_shrink(t, 4, 12);
	lead_table_wrap_last(t, 16);
	/* Overdue ones first, marked; the server sends them in time order,
	 * and an overdue item is one whose time has passed, so they already
	 * lead, but the order here does not lean on it. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < ag->n; i++) {
			const Leadd__Activity *a = ag->items[i];
			if ((pass == 0) != (a->overdue != 0))
				continue;
			char when[64], id[48], lead[512], what[LEAD_ACTIVITY_TEXT_MAX];
			lead_format_time(a->at, when, sizeof(when));
			snprintf(id, sizeof(id), "%llu.%u", (unsigned long long)a->lead_id,
				 a->number);
			const char *title = a->lead_title && *a->lead_title ? a->lead_title : "-";
			if (a->client_name && *a->client_name)
				snprintf(lead, sizeof(lead), "%s (%s)", title, a->client_name);
			else
				snprintf(lead, sizeof(lead), "%s", title);
			lead_activity_what(a, what, sizeof(what));
			const char *cells[] = {
				a->overdue ? "overdue" : "",      when, id,
				lead_activity_kind_name(a->kind), lead, what[0] ? what : "-"};
			lead_table_add(t, cells);
		}
	}
	lead_table_print(t);
}

static int print_ics(struct lead_ctx *ctx, const struct agenda *ag)
{
	struct lead_ics cal;
	const char *why = NULL;
	char name[256];
	snprintf(name, sizeof(name), "lead agenda of %s", ag->user ? ag->user : "you");
	if (lead_ics_begin(&cal, "-//leadd//lead " LEADD_VERSION "//EN", name, &why) < 0)
		return lead_fail(ctx, LD_UNKNOWN, "cannot write the calendar: %s", why);
	for (size_t i = 0; i < ag->n; i++) {
		struct lead_ics_item it;
		char uid[96], summary[1024], desc[LEAD_ACTIVITY_TEXT_MAX + 512];
		lead_activity_ics_item(ag->items[i], &it, uid, sizeof(uid), summary,
				       sizeof(summary), desc, sizeof(desc));
		if (lead_ics_add(&cal, &it, &why) < 0) {
			lead_ics_free(&cal);
			return lead_fail(ctx, LD_UNKNOWN,
					 "cannot put activity %llu.%u in the calendar: %s",
					 (unsigned long long)ag->items[i]->lead_id,
					 ag->items[i]->number, why);
		}
	}
	if (lead_ics_end(&cal, &why) < 0) {
		lead_ics_free(&cal);
		return lead_fail(ctx, LD_UNKNOWN, "cannot write the calendar: %s", why);
	}
	/* Bytes as they are: CRLF and folding are the format's. */
	size_t len = cal.len, w = fwrite(cal.buf, 1, len, stdout);
	lead_ics_free(&cal);
	if (w != len || fflush(stdout) != 0)
		return lead_fail(ctx, LD_UNKNOWN, "cannot write the calendar to standard output");
	return 0;
}

static int print_agenda(struct lead_ctx *ctx, const struct agenda *ag, int ics)
{
	if (ag->more)
		/* Pages end at the server's byte bound too, so the count shown
		 * is what was read, not the AGENDA_PAGE * AGENDA_MAX_PAGES cap. */
		lead_warn("the agenda goes on past what lead reads at once: only the first "
			  "%zu items are shown; narrow the range with --from and --to",
			  ag->n);
	if (ics)
		return print_ics(ctx, ag);
	if (ctx->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "user", lead_json_string(ag->user));
		cJSON_AddItemToObject(o, "now", lead_json_time(ag->now));
		cJSON_AddItemToObject(o, "overdue", lead_json_uint(count_overdue(ag)));
		cJSON *arr = cJSON_AddArrayToObject(o, "items");
		for (size_t i = 0; i < ag->n; i++)
			cJSON_AddItemToArray(arr, lead_activity_json(ag->items[i]));
		cJSON_AddItemToObject(o, "more", cJSON_CreateBool(ag->more));
		return lead_json_out(o);
	}
	const char *who = ag->user ? ag->user : "your";
	if (!ag->n) {
		lead_out("nothing on %s%s agenda\n", who, ag->user ? "'s" : "");
		return 0;
	}
	size_t late = count_overdue(ag);
	lead_out("%s%s agenda: %zu item%s", who, ag->user ? "'s" : "", ag->n,
		 ag->n == 1 ? "" : "s");
	if (late)
		lead_out(", %zu overdue\n", late);
	else
		lead_out("\n");
	print_table(ag);
	return 0;
}

static int agenda_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv,
		       int today)
{
	static const struct option opts[] = {{"from", required_argument, NULL, O_FROM},
					     {"to", required_argument, NULL, O_TO},
					     {"user", required_argument, NULL, O_USER},
					     {"ics", no_argument, NULL, O_ICS},
					     LEAD_CMD_OPTIONS};
	static const struct option today_opts[] = {{"user", required_argument, NULL, O_USER},
						   LEAD_CMD_OPTIONS};
	Leadd__AgendaRequest q = LEADD__AGENDA_REQUEST__INIT;
	const char *from = NULL, *to = NULL;
	int c, rc, ics = 0;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, today ? today_opts : opts, NULL)) !=
	       -1) {
		switch (c) {
		case O_FROM:
			from = optarg;
			break;
		case O_TO:
			to = optarg;
			break;
		case O_USER:
			q.user = optarg;
			break;
		case O_ICS:
			ics = 1;
			break;
		default:
			if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
				return rc;
		}
	}
	if ((rc = lead_activity_split_time(self, ctx, "--from", from, argc, argv, optind)) ||
	    (rc = lead_activity_split_time(self, ctx, "--to", to, argc, argv, optind)))
		return rc;
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)))
		return rc;
	if (q.user && ld_is_blank(q.user))
		return lead_usage_error(self, ctx, "--user is empty: give a user name");
	if (ics && ctx->json)
		return lead_usage_error(self, ctx,
					"--ics prints a calendar, --json a JSON document: say one");
	if (from && (rc = lead_activity_time_arg(self, ctx, "--from", from, &q.from)))
		return rc;
	q.has_from = from != NULL;
	if (today) {
		/* Until tomorrow's midnight in the reader's zone; overdue ones
		 * too (no --from). */
		const char *why;
		if (lead_date_parse("tomorrow", lead_now_ms(), &q.to, &why) < 0)
			return lead_fail(ctx, LD_UNKNOWN, "cannot tell when today ends: %s", why);
		q.has_to = 1;
	} else if (to) {
		if ((rc = lead_activity_time_arg(self, ctx, "--to", to, &q.to)))
			return rc;
		q.has_to = 1;
	}
	if (q.has_from && q.has_to && q.to <= q.from)
		return lead_usage_error(self, ctx, "--to must come after --from");
	struct agenda ag;
	if ((rc = agenda_fetch(ctx, &q, &ag)) == 0)
		rc = print_agenda(ctx, &ag, ics);
	agenda_free(&ag);
	return rc;
}

static int cmd_agenda_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			   char **argv)
{
	return agenda_exec(self, ctx, argc, argv, 0);
}

static int cmd_today_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv)
{
	return agenda_exec(self, ctx, argc, argv, 1);
}

const struct cmd_entry cmd_agenda_entry = {
	.name = "agenda",
	.usage = "[--from TIME] [--to TIME] [--user USER] [--ics]",
	.help = "open calls, tasks and meetings in time order, overdue first",
	.notes = "Your agenda, or USER's (managers: the users of their teams; admins:\n"
		 "anyone's; a rep only their own). Without --from, overdue items are included\n"
		 "and come first, marked \"overdue\" (the server's clock judges); --to (not\n"
		 "included) ends the range. TIME is a date as `lead help ls` says (today,\n"
		 "mon, +7d). Columns: WHEN (in your time zone), ACT (LEAD.N), KIND, LEAD (its\n"
		 "title and client) and WHAT. --ics prints the same items as an iCalendar\n"
		 "file (RFC 5545: calls and meetings as events, tasks as to-dos, times in\n"
		 "UTC) to import into a calendar application; importing a newer one updates\n"
		 "the entries rather than duplicating them (a done or removed activity is\n"
		 "not in a newer file: the calendar keeps what it imported). With --json:\n"
		 "{\"user\", \"now\", \"overdue\": N, \"items\": [ACTIVITY], \"more\"}.",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_agenda_exec,
};

const struct cmd_entry cmd_today_entry = {
	.name = "today",
	.usage = "[--user USER]",
	.help = "the agenda until tonight, overdue items first",
	.notes = "The same as `lead agenda --to tomorrow`: what is overdue and what is due\n"
		 "before midnight in your time zone.",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_today_exec,
};
