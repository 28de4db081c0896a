/* Adding activities to a lead (issue 13): `lead note`, `lead call`, `lead
 * task` and `lead meeting`, each one ActivityAddRequest. The CLI reads
 * times (in TZ) and durations and checks which options go together; the
 * server holds every rule (who may, how far ahead, how many). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ld_norm.h"
#include "lead.h"
#include "lead_activity.h"
#include "lead_note_contact.h"

enum { O_OUTCOME = 1100, O_AT, O_DURATION, O_WITH, O_PLAN, O_DUE, O_FOR, O_WHERE };

/* Text an option or argument needs: blank is a slip (an unset variable). */
static int need_text(const struct cmd_entry *self, struct lead_ctx *ctx, const char *what,
		     const char *s)
{
	if (s && ld_is_blank(s))
		return lead_usage_error(self, ctx, "%s is empty: give it some text", what);
	return 0;
}

/* Says what was added and where the lead's next action stands now. */
static int print_added(struct lead_ctx *ctx, const Leadd__ActivityReply *r, const char *hint)
{
	const Leadd__Activity *a = r->activity;
	const Leadd__Lead *l = r->lead;
	if (ctx->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "activity",
				      a ? lead_activity_json(a) : cJSON_CreateNull());
		cJSON_AddItemToObject(o, "next_action", lead_json_time(l ? l->next_action_at : 0));
		cJSON_AddItemToObject(
			o, "next_action_note",
			lead_json_string(l && l->next_action_note && *l->next_action_note
						 ? l->next_action_note
						 : NULL));
		cJSON_AddItemToObject(o, "contact_add", lead_json_string(hint));
		return lead_json_out(o);
	}
	if (a) {
		char s[LEAD_ACTIVITY_TEXT_MAX + 256];
		lead_activity_sentence(a, s, sizeof(s));
		lead_out("added %s\n", s);
	}
	if (l && l->next_action_at > 0) {
		char when[64];
		lead_format_time(l->next_action_at, when, sizeof(when));
		lead_out("lead %llu: next action %s%s%s\n", (unsigned long long)l->id, when,
			 l->next_action_note && *l->next_action_note ? ": " : "",
			 l->next_action_note ? l->next_action_note : "");
	}
	if (hint)
		lead_out("to add it to the lead's contacts: %s\n", hint);
	return 0;
}

static int send_add(struct lead_ctx *ctx, Leadd__ActivityAddRequest *add)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_ACTIVITY_ADD;
	req.activity_add = add;
	Leadd__Response *resp;
	int rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_ACTIVITY, &resp);
	if (rc)
		return rc;
	char *hint = NULL;
	if (add->kind == LEADD__ACTIVITY_KIND__ACTIVITY_NOTE)
		hint = lead_note_contact_line(add->text, resp->activity->lead, add->lead_id,
					      ctx->server_opt);
	rc = print_added(ctx, resp->activity, hint);
	free(hint);
	leadd__response__free_unpacked(resp, NULL);
	return rc;
}

static void add_init(Leadd__ActivityAddRequest *add, uint64_t lead, Leadd__ActivityKind kind)
{
	leadd__activity_add_request__init(add);
	add->has_lead_id = add->has_kind = 1;
	add->lead_id = lead;
	add->kind = kind;
}

/* ---- lead note ---- */

static int cmd_note_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv)
{
	int rc = lead_plain_options(self, ctx, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	Leadd__ActivityAddRequest add;
	uint64_t id;
	if ((rc = lead_parse_lead_id(self, ctx, argv[optind], &id)) ||
	    (rc = need_text(self, ctx, "the note", argv[optind + 1])))
		return rc;
	add_init(&add, id, LEADD__ACTIVITY_KIND__ACTIVITY_NOTE);
	add.text = argv[optind + 1];
	return send_add(ctx, &add);
}

const struct cmd_entry cmd_note_entry = {
	.name = "note",
	.usage = "ID TEXT",
	.help = "write a note on a lead",
	.notes = "A note is a comment kept in the lead's activities and history (`lead activity\n"
		 "ls ID`). When TEXT holds an email or a phone number the lead's contacts do\n"
		 "not have, lead prints the `lead contact add` line that adds it (the name\n"
		 "comes from the email, ana.lopez@x.com: Ana Lopez, else NAME is yours to\n"
		 "fill in); nothing is added by itself. With --json: {\"activity\": ACTIVITY,\n"
		 "\"next_action\", \"next_action_note\", \"contact_add\": the line or null}.",
	.min_args = 2,
	.max_args = 2,
	.exec = cmd_note_exec,
};

/* ---- lead call ---- */

static int cmd_call_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {{"outcome", required_argument, NULL, O_OUTCOME},
					     {"at", required_argument, NULL, O_AT},
					     {"duration", required_argument, NULL, O_DURATION},
					     {"with", required_argument, NULL, O_WITH},
					     {"plan", required_argument, NULL, O_PLAN},
					     LEAD_CMD_OPTIONS};
	const char *at = NULL, *plan = NULL, *duration = NULL;
	Leadd__ActivityAddRequest add;
	add_init(&add, 0, LEADD__ACTIVITY_KIND__ACTIVITY_CALL);
	int c, rc;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		switch (c) {
		case O_OUTCOME:
			add.outcome = optarg;
			break;
		case O_AT:
			at = optarg;
			break;
		case O_DURATION:
			duration = optarg;
			break;
		case O_WITH:
			add.contact = optarg;
			break;
		case O_PLAN:
			plan = optarg;
			break;
		default:
			if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
				return rc;
		}
	}
	if ((rc = lead_activity_split_time(self, ctx, "--plan", plan, argc, argv, optind)) ||
	    (rc = lead_activity_split_time(self, ctx, "--at", at, argc, argv, optind)))
		return rc;
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)))
		return rc;
	if ((rc = lead_parse_lead_id(self, ctx, argv[optind], &add.lead_id)))
		return rc;
	if (!add.outcome == !plan)
		return lead_usage_error(self, ctx,
					"say how a call went with --outcome TEXT, or plan one with "
					"--plan TIME");
	if (plan && at)
		return lead_usage_error(self, ctx,
					"--at is when a call took place; a planned call's time is "
					"--plan TIME");
	if ((rc = need_text(self, ctx, "--outcome", add.outcome)) ||
	    (rc = need_text(self, ctx, "--with", add.contact)))
		return rc;
	if (argc - optind > 1) {
		add.title = argv[optind + 1];
		if ((rc = need_text(self, ctx, "the subject", add.title)))
			return rc;
	}
	const char *when = plan ? plan : at;
	if (when &&
	    (rc = lead_activity_time_arg(self, ctx, plan ? "--plan" : "--at", when, &add.at)))
		return rc;
	add.has_at = when != NULL;
	if (duration && (rc = lead_activity_duration_arg(self, ctx, duration, &add.duration_ms)))
		return rc;
	add.has_duration_ms = duration != NULL;
	return send_add(ctx, &add);
}

const struct cmd_entry cmd_call_entry = {
	.name = "call",
	.usage = "ID [SUBJECT] (--outcome TEXT [--at TIME] | --plan TIME) [--duration D] "
		 "[--with WHO]",
	.help = "log a call made, or plan one",
	.notes = "With --outcome, a call that took place: now, or at --at TIME (in the past;\n"
		 "`-2h`, `today 9:30`). With --plan TIME, a call to make: it goes on your\n"
		 "agenda (`lead agenda`) and may become the lead's next action. --duration is\n"
		 "how long (15m, 1h, 1h30m), --with who at the client, SUBJECT what about.\n"
		 "TIME is a date as `lead help ls` says (tomorrow 10:00, mon 9:00, +2d). Mark\n"
		 "a planned call made with `lead done LEAD.N --outcome TEXT`.",
	.min_args = 1,
	.max_args = 2,
	.exec = cmd_call_exec,
};

/* ---- lead task ---- */

static int cmd_task_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {{"due", required_argument, NULL, O_DUE},
					     {"for", required_argument, NULL, O_FOR},
					     LEAD_CMD_OPTIONS};
	const char *due = NULL;
	Leadd__ActivityAddRequest add;
	add_init(&add, 0, LEADD__ACTIVITY_KIND__ACTIVITY_TASK);
	int c, rc;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		if (c == O_DUE)
			due = optarg;
		else if (c == O_FOR)
			add.assignee = optarg;
		else if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
			return rc;
	}
	if ((rc = lead_activity_split_time(self, ctx, "--due", due, argc, argv, optind)))
		return rc;
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)))
		return rc;
	if ((rc = lead_parse_lead_id(self, ctx, argv[optind], &add.lead_id)))
		return rc;
	add.title = argv[optind + 1];
	if ((rc = need_text(self, ctx, "the title", add.title)) ||
	    (rc = need_text(self, ctx, "--for", add.assignee)))
		return rc;
	if (!due)
		return lead_usage_error(self, ctx,
					"a task needs --due TIME (tomorrow 10:00, mon 9:00, +2d)");
	if ((rc = lead_activity_time_arg(self, ctx, "--due", due, &add.at)))
		return rc;
	add.has_at = 1;
	return send_add(ctx, &add);
}

const struct cmd_entry cmd_task_entry = {
	.name = "task",
	.usage = "ID TITLE --due TIME [--for USER]",
	.help = "give a lead a task, due at a time",
	.notes = "The task goes on the agenda of USER (a user name; default you), who must be\n"
		 "able to see the lead. TIME is a date as `lead help ls` says (tomorrow 10:00,\n"
		 "mon 9:00, 2026-12-01 17:00, +2d). `lead done LEAD.N` marks it done.",
	.min_args = 2,
	.max_args = 2,
	.exec = cmd_task_exec,
};

/* ---- lead meeting ---- */

static int cmd_meeting_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			    char **argv)
{
	static const struct option opts[] = {{"at", required_argument, NULL, O_AT},
					     {"duration", required_argument, NULL, O_DURATION},
					     {"where", required_argument, NULL, O_WHERE},
					     {"with", required_argument, NULL, O_WITH},
					     LEAD_CMD_OPTIONS};
	const char *at = NULL, *duration = NULL;
	Leadd__ActivityAddRequest add;
	add_init(&add, 0, LEADD__ACTIVITY_KIND__ACTIVITY_MEETING);
	int c, rc;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		switch (c) {
		case O_AT:
			at = optarg;
			break;
		case O_DURATION:
			duration = optarg;
			break;
		case O_WHERE:
			add.place = optarg;
			break;
		case O_WITH:
			add.contact = optarg;
			break;
		default:
			if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
				return rc;
		}
	}
	if ((rc = lead_activity_split_time(self, ctx, "--at", at, argc, argv, optind)))
		return rc;
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)))
		return rc;
	if ((rc = lead_parse_lead_id(self, ctx, argv[optind], &add.lead_id)))
		return rc;
	add.title = argv[optind + 1];
	if ((rc = need_text(self, ctx, "the title", add.title)) ||
	    (rc = need_text(self, ctx, "--where", add.place)) ||
	    (rc = need_text(self, ctx, "--with", add.contact)))
		return rc;
	if (!at)
		return lead_usage_error(self, ctx,
					"a meeting needs --at TIME, when it starts (tomorrow "
					"10:00, mon 9:00)");
	if ((rc = lead_activity_time_arg(self, ctx, "--at", at, &add.at)))
		return rc;
	add.has_at = 1;
	if (duration && (rc = lead_activity_duration_arg(self, ctx, duration, &add.duration_ms)))
		return rc;
	add.has_duration_ms = duration != NULL;
	return send_add(ctx, &add);
}

const struct cmd_entry cmd_meeting_entry = {
	.name = "meeting",
	.usage = "ID TITLE --at TIME [--duration D] [--where PLACE] [--with WHO]",
	.help = "plan a meeting with a lead's client",
	.notes = "TIME is when it starts, a date as `lead help ls` says (tomorrow 10:00, mon\n"
		 "9:00); --duration how long (45m, 1h, 1h30m), --where the place, --with who\n"
		 "comes. It goes on your agenda and in `lead agenda --ics`.",
	.min_args = 2,
	.max_args = 2,
	.exec = cmd_meeting_exec,
};
