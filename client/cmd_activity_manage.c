/* The activities a lead has (issue 13): `lead done ACT`, and the `lead
 * activity` family: ls, edit, rm. An activity is named LEAD.N (42.3). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ld_norm.h"
#include "lead.h"
#include "lead_activity.h"

enum {
	O_OUTCOME = 1200,
	O_IF_VERSION,
	O_TITLE,
	O_TEXT,
	O_AT,
	O_DURATION,
	O_WHERE,
	O_WITH,
	O_FOR,
	O_REOPEN
};

static int parse_version(const struct cmd_entry *self, struct lead_ctx *ctx, const char *arg,
			 protobuf_c_boolean *has, uint64_t *v)
{
	unsigned long long n;
	if (lead_parse_uint(arg, UINT64_MAX, &n) < 0)
		return lead_usage_error(self, ctx, "--if-version wants a version number, not '%s'",
					arg);
	*has = 1;
	*v = n;
	return 0;
}

/* What a change did: the activity, and the lead's next action now. */
static int print_changed(struct lead_ctx *ctx, const Leadd__ActivityReply *r, const char *verb)
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
		return lead_json_out(o);
	}
	if (a) {
		char s[LEAD_ACTIVITY_TEXT_MAX + 256];
		lead_activity_sentence(a, s, sizeof(s));
		lead_out("%s %s\n", verb, s);
	}
	if (l) {
		char when[64];
		lead_format_time(l->next_action_at, when, sizeof(when));
		if (l->next_action_at > 0)
			lead_out("lead %llu: next action %s%s%s\n", (unsigned long long)l->id, when,
				 l->next_action_note && *l->next_action_note ? ": " : "",
				 l->next_action_note ? l->next_action_note : "");
		else
			lead_out("lead %llu: no next action\n", (unsigned long long)l->id);
	}
	return 0;
}

static int send_change(struct lead_ctx *ctx, Leadd__Request *req, const char *verb)
{
	Leadd__Response *resp;
	int rc = lead_request(ctx, req, LEADD__RESPONSE__BODY_ACTIVITY, &resp);
	if (rc)
		return rc;
	rc = print_changed(ctx, resp->activity, verb);
	leadd__response__free_unpacked(resp, NULL);
	return rc;
}

/* ---- lead done ---- */

static int cmd_done_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {{"outcome", required_argument, NULL, O_OUTCOME},
					     {"if-version", required_argument, NULL, O_IF_VERSION},
					     LEAD_CMD_OPTIONS};
	Leadd__ActivityDoneRequest d = LEADD__ACTIVITY_DONE_REQUEST__INIT;
	int c, rc;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		if (c == O_OUTCOME)
			d.outcome = optarg;
		else if (c == O_IF_VERSION) {
			if ((rc = parse_version(self, ctx, optarg, &d.has_expected_version,
						&d.expected_version)))
				return rc;
		} else if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
			return rc;
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)))
		return rc;
	if ((rc = lead_activity_arg(self, ctx, argv[optind], &d.lead_id, &d.number)))
		return rc;
	if (d.outcome && ld_is_blank(d.outcome))
		return lead_usage_error(self, ctx, "--outcome is empty: say how it went");
	d.has_lead_id = d.has_number = 1;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_ACTIVITY_DONE;
	req.activity_done = &d;
	return send_change(ctx, &req, "done:");
}

const struct cmd_entry cmd_done_entry = {
	.name = "done",
	.usage = "ACT [--outcome TEXT] [--if-version VERSION]",
	.help = "mark an open call, task or meeting done",
	.notes = "ACT is LEAD.N as `lead activity ls LEAD` prints it (42.3). --outcome says how\n"
		 "it went. It leaves the agenda, and the lead's next action moves to its next\n"
		 "open activity (or its own next action). --if-version refuses (exit 5) if the\n"
		 "activity changed since that version.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_done_exec,
};

/* ---- lead activity ls ---- */

static int cmd_activity_ls_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
				char **argv)
{
	int rc = lead_plain_options(self, ctx, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	uint64_t id;
	if ((rc = lead_parse_lead_id(self, ctx, argv[optind], &id)))
		return rc;
	struct lead_activities l;
	if ((rc = lead_activity_fetch(ctx, id, &l)))
		return rc;
	if (!l.supported) {
		rc = lead_fail(ctx, LD_UNIMPLEMENTED,
			       "leadd at %s keeps no activities (it is older than lead)",
			       ctx->server);
	} else if (ctx->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON *arr = cJSON_AddArrayToObject(o, "activities");
		for (size_t i = 0; i < l.n; i++)
			cJSON_AddItemToArray(arr, lead_activity_json(l.v[i]));
		rc = lead_json_out(o);
	} else if (!l.n) {
		lead_out("lead %llu has no activities\n", (unsigned long long)id);
	} else {
		lead_activity_table(l.v, l.n);
	}
	lead_activities_free(&l);
	return rc;
}

static const struct cmd_entry cmd_activity_ls_entry = {
	.name = "activity ls",
	.alias = "list",
	.usage = "ID",
	.help = "a lead's activities: open ones first by time, then the others",
	.notes = "Columns: ACT (LEAD.N, the name the other commands take), KIND (note, call,\n"
		 "task, meeting), STATE (open, overdue by your clock, done, closed; - for a\n"
		 "note), WHEN (in your time zone), FOR (whose agenda it is on) and WHAT. Open\n"
		 "ones come first, soonest first; then the others, newest first. With --json:\n"
		 "{\"activities\": [ACTIVITY]}.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_activity_ls_exec,
};

/* ---- lead activity edit ---- */

static int cmd_activity_edit_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
				  char **argv)
{
	static const struct option opts[] = {{"title", required_argument, NULL, O_TITLE},
					     {"text", required_argument, NULL, O_TEXT},
					     {"outcome", required_argument, NULL, O_OUTCOME},
					     {"at", required_argument, NULL, O_AT},
					     {"due", required_argument, NULL, O_AT},
					     {"duration", required_argument, NULL, O_DURATION},
					     {"where", required_argument, NULL, O_WHERE},
					     {"with", required_argument, NULL, O_WITH},
					     {"for", required_argument, NULL, O_FOR},
					     {"reopen", no_argument, NULL, O_REOPEN},
					     {"if-version", required_argument, NULL, O_IF_VERSION},
					     LEAD_CMD_OPTIONS};
	Leadd__ActivityEditRequest e = LEADD__ACTIVITY_EDIT_REQUEST__INIT;
	const char *at = NULL, *duration = NULL, *at_opt = "at";
	int c, rc, any = 0, longindex = 0;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, &longindex)) != -1) {
		any |= c != O_IF_VERSION && c != 'j';
		switch (c) {
		case O_TITLE:
			e.title = optarg;
			break;
		case O_TEXT:
			e.text = optarg;
			break;
		case O_OUTCOME:
			e.outcome = optarg;
			break;
		case O_AT:
			at = optarg;
			at_opt = opts[longindex].name; /* "at" or "due" */
			break;
		case O_DURATION:
			duration = optarg;
			break;
		case O_WHERE:
			e.place = optarg;
			break;
		case O_WITH:
			e.contact = optarg;
			break;
		case O_FOR:
			e.assignee = optarg;
			break;
		case O_REOPEN:
			e.has_reopen = e.reopen = 1;
			break;
		case O_IF_VERSION:
			if ((rc = parse_version(self, ctx, optarg, &e.has_expected_version,
						&e.expected_version)))
				return rc;
			break;
		default:
			if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
				return rc;
		}
	}
	char at_name[8];
	snprintf(at_name, sizeof(at_name), "--%s", at_opt);
	if ((rc = lead_activity_split_time(self, ctx, at_name, at, argc, argv, optind)))
		return rc;
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)))
		return rc;
	if ((rc = lead_activity_arg(self, ctx, argv[optind], &e.lead_id, &e.number)))
		return rc;
	e.has_lead_id = e.has_number = 1;
	if (!any)
		return lead_usage_error(self, ctx,
					"say what to change: --title, --text, --outcome, --at (or "
					"--due), --duration, --where, --with, --for or --reopen");
	if (e.assignee && ld_is_blank(e.assignee))
		return lead_usage_error(self, ctx, "--for is empty: give a user name");
	if (at && (rc = lead_activity_time_arg(self, ctx, "--at", at, &e.at)))
		return rc;
	e.has_at = at != NULL;
	if (duration && (rc = lead_activity_duration_arg(self, ctx, duration, &e.duration_ms)))
		return rc;
	e.has_duration_ms = duration != NULL;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_ACTIVITY_EDIT;
	req.activity_edit = &e;
	return send_change(ctx, &req, "now:");
}

static const struct cmd_entry cmd_activity_edit_entry = {
	.name = "activity edit",
	.usage = "ACT [--title TEXT] [--text TEXT] [--outcome TEXT] [--at TIME] "
		 "[--duration D] [--where PLACE] [--with WHO] [--for USER] [--reopen] "
		 "[--if-version VERSION]",
	.help = "change an activity",
	.notes = "Only what is given changes; an empty value clears a text (--where ''). --at\n"
		 "(or --due, the same) moves it: a task's due time, a meeting's or call's\n"
		 "start; the lead's next action follows. --for puts it on another user's\n"
		 "agenda. --reopen makes a done or closed activity open again.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_activity_edit_exec,
};

/* ---- lead activity rm ---- */

static int cmd_activity_rm_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
				char **argv)
{
	static const struct option opts[] = {{"if-version", required_argument, NULL, O_IF_VERSION},
					     LEAD_CMD_OPTIONS};
	Leadd__ActivityRemoveRequest r = LEADD__ACTIVITY_REMOVE_REQUEST__INIT;
	int c, rc;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		if (c == O_IF_VERSION) {
			if ((rc = parse_version(self, ctx, optarg, &r.has_expected_version,
						&r.expected_version)))
				return rc;
		} else if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0) {
			return rc;
		}
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)))
		return rc;
	if ((rc = lead_activity_arg(self, ctx, argv[optind], &r.lead_id, &r.number)))
		return rc;
	r.has_lead_id = r.has_number = 1;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_ACTIVITY_RM;
	req.activity_rm = &r;
	return send_change(ctx, &req, "removed");
}

static const struct cmd_entry cmd_activity_rm_entry = {
	.name = "activity rm",
	.usage = "ACT [--if-version VERSION]",
	.help = "remove an activity",
	.notes = "It leaves the lead's activities and the agenda; the history keeps it. Its\n"
		 "number is never given again.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_activity_rm_exec,
};

static const struct cmd_entry *const activity_cmds[] = {
	&cmd_activity_ls_entry,
	&cmd_activity_edit_entry,
	&cmd_activity_rm_entry,
	NULL,
};

const struct cmd_entry cmd_activity_entry = {
	.name = "activity",
	.usage = "ls|edit|rm ID|ACT [ARGS...]",
	.help = "a lead's notes, calls, tasks and meetings: ls, edit, rm",
	.notes = "Add them with `lead note`, `lead call`, `lead task` and `lead meeting`; mark\n"
		 "one done with `lead done`. ACT is LEAD.N (42.3: lead 42's third).",
	.min_args = 1,
	.max_args = -1,
	.exec = lead_family_exec,
	.sub = activity_cmds,
};
