/* lead admin status add|edit|rm: the status list, edited by an admin.
 * Only usage is checked here (the option values are words of the
 * protocol); names, places, probabilities and what may be removed are the
 * server's rules. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lead.h"

enum {
	O_STAGE = 256,
	O_PROBABILITY,
	O_CLASS,
	O_AFTER,
	O_FIRST,
	O_TARGET,
	O_NO_TARGET,
	O_NAME,
	O_MOVE_TO,
};

static int parse_stage(const struct cmd_entry *self, struct lead_ctx *ctx, const char *s,
		       Leadd__Stage *out)
{
	static const char *const words[] = {NULL, "lead", "prospect", "customer"};
	for (int i = 1; i < 4; i++)
		if (strcasecmp(s, words[i]) == 0) {
			*out = (Leadd__Stage)i;
			return 0;
		}
	return lead_usage_error(self, ctx, "--stage is lead, prospect or customer, not '%s'", s);
}

static int parse_class(const struct cmd_entry *self, struct lead_ctx *ctx, const char *s,
		       Leadd__KpiClass *out)
{
	for (int i = 0; i <= LEADD__KPI_CLASS__KPI_WON; i++)
		if (strcasecmp(s, lead_kpi_name(i)) == 0) {
			*out = (Leadd__KpiClass)i;
			return 0;
		}
	return lead_usage_error(self, ctx,
				"--class is new, qualified, dead, prospect, won, lost or none, "
				"not '%s'",
				s);
}

/* A percentage: digits, a '%' after them allowed ("30%"). Whether it is
 * at most 100 is the server's to say. */
static int parse_probability(const struct cmd_entry *self, struct lead_ctx *ctx, const char *s,
			     uint32_t *out)
{
	char buf[32];
	size_t n = strlen(s);
	unsigned long long v;
	if (n && n < sizeof(buf) && s[n - 1] == '%') {
		memcpy(buf, s, n - 1);
		buf[n - 1] = '\0';
		s = buf;
	}
	if (lead_parse_uint(s, UINT32_MAX, &v) < 0)
		return lead_usage_error(self, ctx,
					"--probability needs a percentage, e.g. --probability 30");
	*out = (uint32_t)v;
	return 0;
}

static void status_line(const char *verb, const Leadd__Status *s)
{
	lead_out("%s status %s (%s stage, %u%%, class %s, position %u%s)\n", verb,
		 s->name ? s->name : "?", lead_stage_name(s->stage), s->probability,
		 lead_kpi_name(s->kpi_class), s->position,
		 s->conversion_target ? ", conversion target" : "");
}

/* Sends req, expects a StatusReply; prints it with `verb`. */
static int status_reply(struct lead_ctx *ctx, Leadd__Request *req, const char *verb)
{
	Leadd__Response *resp;
	int rc = lead_request(ctx, req, LEADD__RESPONSE__BODY_STATUS, &resp);
	if (rc)
		return rc;
	const Leadd__StatusReply *r = resp->status;
	if (!r->status) {
		rc = lead_fail(ctx, LD_UNKNOWN, "leadd at %s sent a reply without the status",
			       ctx->server);
	} else if (ctx->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "status", lead_json_status(r->status));
		if (r->has_moved) {
			cJSON_AddItemToObject(o, "moved", lead_json_uint(r->moved));
			cJSON_AddItemToObject(o, "moved_to",
					      r->moved_to ? lead_json_status(r->moved_to)
							  : cJSON_CreateNull());
		}
		rc = lead_json_out(o);
	} else if (r->has_moved) {
		lead_out("removed status %s", r->status->name ? r->status->name : "?");
		if (r->moved)
			lead_out("; %llu lead%s moved to %s", (unsigned long long)r->moved,
				 r->moved == 1 ? "" : "s",
				 r->moved_to && r->moved_to->name ? r->moved_to->name : "?");
		lead_out("\n");
	} else {
		status_line(verb, r->status);
	}
	leadd__response__free_unpacked(resp, NULL);
	return rc;
}

/* ---- lead admin status add ---- */

static int cmd_add_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"stage", required_argument, NULL, O_STAGE},
		{"probability", required_argument, NULL, O_PROBABILITY},
		{"class", required_argument, NULL, O_CLASS},
		{"after", required_argument, NULL, O_AFTER},
		{"first", no_argument, NULL, O_FIRST},
		{"target", no_argument, NULL, O_TARGET},
		LEAD_CMD_OPTIONS,
	};
	Leadd__Status s = LEADD__STATUS__INIT;
	Leadd__StatusAddRequest q = LEADD__STATUS_ADD_REQUEST__INIT;
	int c, rc, first = 0;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		switch (c) {
		case O_STAGE:
			if ((rc = parse_stage(self, ctx, optarg, &s.stage)))
				return rc;
			s.has_stage = 1;
			break;
		case O_PROBABILITY:
			if ((rc = parse_probability(self, ctx, optarg, &s.probability)))
				return rc;
			s.has_probability = 1;
			break;
		case O_CLASS:
			if ((rc = parse_class(self, ctx, optarg, &s.kpi_class)))
				return rc;
			s.has_kpi_class = 1;
			break;
		case O_AFTER:
			q.after = optarg;
			break;
		case O_FIRST:
			first = 1;
			break;
		case O_TARGET:
			s.has_conversion_target = s.conversion_target = 1;
			break;
		default:
			if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
				return rc;
		}
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)))
		return rc;
	if (!s.has_stage)
		return lead_usage_error(self, ctx,
					"say which stage: --stage lead|prospect|customer");
	if (!s.has_probability)
		return lead_usage_error(self, ctx, "say its probability: --probability PERCENT");
	if (!s.has_kpi_class)
		return lead_usage_error(self, ctx,
					"say which KPI class it counts as: --class "
					"new|qualified|dead|prospect|won|lost|none");
	if (first && q.after)
		return lead_usage_error(self, ctx, "--first and --after say two places; give one");
	if (first)
		q.after = "";
	s.name = argv[optind];
	q.status = &s;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_STATUS_ADD;
	req.status_add = &q;
	return status_reply(ctx, &req, "added");
}

static const struct cmd_entry cmd_add_entry_ = {
	.name = "admin status add",
	.usage = "NAME --stage lead|prospect|customer --probability P "
		 "--class CLASS [--after STATUS | --first] [--target]",
	.help = "add a status (admin)",
	.notes = "CLASS, the KPI class it counts as: new, qualified, dead, prospect, won,\n"
		 "lost or none. P is a percentage, 0 to 100.\n"
		 "It goes after STATUS, first with --first, else last. --target flags it as\n"
		 "its stage's conversion target (the stage's other status loses the flag).\n"
		 "A name is unique (case aside) and cannot be a class word such as 'won'.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_add_exec,
};

/* ---- lead admin status edit ---- */

static int cmd_edit_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, O_NAME},
		{"probability", required_argument, NULL, O_PROBABILITY},
		{"class", required_argument, NULL, O_CLASS},
		{"after", required_argument, NULL, O_AFTER},
		{"first", no_argument, NULL, O_FIRST},
		{"target", no_argument, NULL, O_TARGET},
		{"no-target", no_argument, NULL, O_NO_TARGET},
		LEAD_CMD_OPTIONS,
	};
	Leadd__StatusEditRequest q = LEADD__STATUS_EDIT_REQUEST__INIT;
	int c, rc, first = 0, target = 0, no_target = 0;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		switch (c) {
		case O_NAME:
			q.new_name = optarg;
			break;
		case O_PROBABILITY:
			if ((rc = parse_probability(self, ctx, optarg, &q.probability)))
				return rc;
			q.has_probability = 1;
			break;
		case O_CLASS:
			if ((rc = parse_class(self, ctx, optarg, &q.kpi_class)))
				return rc;
			q.has_kpi_class = 1;
			break;
		case O_AFTER:
			q.after = optarg;
			break;
		case O_FIRST:
			first = 1;
			break;
		case O_TARGET:
			target = 1;
			break;
		case O_NO_TARGET:
			no_target = 1;
			break;
		default:
			if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
				return rc;
		}
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)))
		return rc;
	if (first && q.after)
		return lead_usage_error(self, ctx, "--first and --after say two places; give one");
	if (target && no_target)
		return lead_usage_error(self, ctx,
					"--target and --no-target contradict each other");
	if (first)
		q.after = "";
	if (target || no_target) {
		q.has_conversion_target = 1;
		q.conversion_target = target;
	}
	if (!q.new_name && !q.has_probability && !q.has_kpi_class && !q.after &&
	    !q.has_conversion_target)
		return lead_usage_error(self, ctx,
					"say what to change: --name, --probability, --class, "
					"--after, --first, --target or --no-target");
	q.name = argv[optind];
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_STATUS_EDIT;
	req.status_edit = &q;
	return status_reply(ctx, &req, "changed");
}

static const struct cmd_entry cmd_edit_entry_ = {
	.name = "admin status edit",
	.usage = "STATUS [--name NEW] [--probability P] "
		 "[--class CLASS] [--after STATUS | --first] [--target | --no-target]",
	.help = "change a status: name, probability, class, place, target (admin)",
	.notes = "CLASS is new, qualified, dead, prospect, won, lost or none.\n"
		 "STATUS is a status word, as 'lead status' reads one. Renaming a status or\n"
		 "changing its class changes no lead: KPI counts follow the new class at once.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_edit_exec,
};

/* ---- lead admin status rm ---- */

static int cmd_rm_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"move-to", required_argument, NULL, O_MOVE_TO},
		LEAD_CMD_OPTIONS,
	};
	Leadd__StatusRemoveRequest q = LEADD__STATUS_REMOVE_REQUEST__INIT;
	int c, rc;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		switch (c) {
		case O_MOVE_TO:
			q.move_to = optarg;
			break;
		default:
			if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
				return rc;
		}
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)))
		return rc;
	q.name = argv[optind];
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_STATUS_RM;
	req.status_rm = &q;
	return status_reply(ctx, &req, "removed");
}

static const struct cmd_entry cmd_rm_entry_ = {
	.name = "admin status rm",
	.usage = "STATUS [--move-to STATUS]",
	.help = "remove a status, moving its leads first (admin)",
	.notes = "A status holding leads is removed only with --move-to, which moves them\n"
		 "(archived ones too) through the server, in steps of 500; a status of class\n"
		 "dead or lost cannot take them (each lead there needs its own reason).",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_rm_exec,
};

static const struct cmd_entry *const status_cmds[] = {
	&cmd_add_entry_,
	&cmd_edit_entry_,
	&cmd_rm_entry_,
	NULL,
};

const struct cmd_entry cmd_admin_status_entry = {
	.name = "admin status",
	.usage = "add|edit|rm [ARGS...]",
	.help = "edit the status list: add, edit, rm (admin)",
	.notes = "'lead statuses' lists them. Statuses are named as 'lead status' reads a\n"
		 "status word: a name (any case), a unique start of one, or a class word that\n"
		 "only one status has.",
	.min_args = 1,
	.max_args = -1,
	.exec = lead_family_exec,
	.sub = status_cmds,
};
