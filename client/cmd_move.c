/* Moving a lead: `lead status ID STATUS`, and the verbs beside it, `lead
 * qualify ID`, `lead dead ID --reason TEXT`, `lead reopen ID`. Each is one
 * LeadSetStatusRequest: the server reads the status word, checks the reason
 * (dead and lost need one from the team's list, or --other free text) and
 * finds the status reopen goes back to; lead only says what moved. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "lead.h"
#include "lead_activity.h"

enum { O_REASON = 1000, O_OTHER, O_KEEP_TASKS };

struct move {
	const char *word; /* the status word, or NULL with reopen */
	int reopen;
	const char *reason;
	int other;
	int keep_tasks; /* --keep-tasks: a move into dead or lost leaves them open */
};

/* The JSON of a move: the lead as `lead --json show` prints it (without
 * history), and "closed_activities" when the move closed some. */
static int print_move_json(struct lead_ctx *ctx, const Leadd__LeadReply *r)
{
	if (!r->n_closed_activities)
		return lead_show_lead(ctx, r->lead);
	const Leadd__StatusListReply *sl;
	const struct lead_names *names;
	int rc = lead_statuses(ctx, &sl);
	if (!rc)
		rc = lead_names(ctx, 1, &names);
	if (rc)
		return rc;
	cJSON *o = lead_json_lead(r->lead, sl, names);
	lead_activity_json_closed(o, r->closed_activities, r->n_closed_activities);
	return lead_json_out(o);
}

/* "lead 42: lead-New -> lead-Dead (No budget)", or that nothing changed. */
int lead_print_move(struct lead_ctx *ctx, const Leadd__Lead *was, const Leadd__Lead *now)
{
	if (ctx->json)
		return lead_show_lead(ctx, now);
	const Leadd__StatusListReply *sl;
	int rc = lead_statuses(ctx, &sl);
	if (rc)
		return rc;
	/* Names for people ("?" if a status went away meanwhile). */
	const Leadd__Status *o = lead_status_by_id(sl, was->status_id),
			    *n = lead_status_by_id(sl, now->status_id);
	const char *from = o && o->name ? o->name : "?", *to = n && n->name ? n->name : "?";
	if (now->version == was->version) {
		lead_out("lead %llu: already %s; nothing changed\n", (unsigned long long)now->id,
			 to);
		return 0;
	}
	/* Dead for one reason, then for another: the status did not move, the
	 * reason did ("lead-Dead -> lead-Dead" would say nothing). */
	if (now->status_id == was->status_id && now->status_reason && now->status_reason[0]) {
		const char *old = was->status_reason && was->status_reason[0] ? was->status_reason
									      : "none";
		lead_out("lead %llu: %s, reason %s -> %s\n", (unsigned long long)now->id, to, old,
			 now->status_reason);
		return 0;
	}
	if (now->status_reason && now->status_reason[0])
		lead_out("lead %llu: %s -> %s (%s)\n", (unsigned long long)now->id, from, to,
			 now->status_reason);
	else
		lead_out("lead %llu: %s -> %s\n", (unsigned long long)now->id, from, to);
	return 0;
}

int lead_fail_reason(struct lead_ctx *ctx, const Leadd__Response *resp, const char *reason,
		     int other)
{
	/* The move needs a reason it was not given, or one the team's list
	 * does not hold: say how, in lead's terms (the server's sentence
	 * names no client's options). With a --reason given, only --other
	 * is missing. */
	if (reason && !other)
		return lead_fail(ctx, LD_FAILED_PRECONDITION,
				 "%s: add --other, as in --reason TEXT --other (here: --reason "
				 "'%s' --other)",
				 ld_response_message(resp), reason);
	return lead_fail(ctx, LD_FAILED_PRECONDITION,
			 "%s; give a listed reason with --reason TEXT, or your own words with "
			 "--reason TEXT --other",
			 ld_response_message(resp));
}

/* Read the lead (for the status it leaves and the version the move is
 * based on), move it, say what moved. */
static int run_move(struct lead_ctx *ctx, uint64_t id, const struct move *m)
{
	Leadd__Response *cur, *resp;
	int rc = lead_get(ctx, id, &cur);
	if (rc)
		return rc;
	const Leadd__Lead *l = cur->lead->lead;
	Leadd__LeadSetStatusRequest ss = LEADD__LEAD_SET_STATUS_REQUEST__INIT;
	ss.has_id = 1;
	ss.id = l->id;
	/* The word goes to the server as typed: it alone reads status words
	 * (the same rule as lead ls --status), so every client agrees. */
	ss.status = (char *)m->word;
	ss.has_reopen = ss.reopen = m->reopen;
	ss.reason = (char *)m->reason;
	ss.has_other = ss.other = m->other;
	ss.has_keep_activities = ss.keep_activities = m->keep_tasks;
	ss.has_expected_version = 1;
	ss.expected_version = l->version;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_LEAD_SET_STATUS;
	req.lead_set_status = &ss;
	rc = lead_call(ctx, &req, &resp);
	if (rc == 0 && ld_response_code(resp) == LD_FAILED_PRECONDITION) {
		rc = lead_fail_reason(ctx, resp, m->reason, m->other);
		leadd__response__free_unpacked(resp, NULL);
	} else if (rc == 0 && ld_response_code(resp) != LD_OK) {
		rc = lead_fail_response(ctx, resp);
		leadd__response__free_unpacked(resp, NULL);
	} else if (rc == 0 && resp->body_case != LEADD__RESPONSE__BODY_LEAD) {
		rc = lead_fail(ctx, LD_UNKNOWN, "leadd at %s sent an unexpected reply",
			       ctx->server);
		leadd__response__free_unpacked(resp, NULL);
	} else if (rc == 0) {
		if (resp->lead->lead && ctx->json)
			rc = print_move_json(ctx, resp->lead);
		else if (resp->lead->lead && !(rc = lead_print_move(ctx, l, resp->lead->lead)))
			lead_activity_print_closed(resp->lead->closed_activities,
						   resp->lead->n_closed_activities);
		leadd__response__free_unpacked(resp, NULL);
	}
	leadd__response__free_unpacked(cur, NULL);
	return rc;
}

/* The options of a move (--reason, --other when `reasons`), then the lead
 * id and, with `word_arg`, the status word. 0 to go on, an exit status, or
 * -1 after --help. */
static int move_options(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv,
			int reasons, struct move *m)
{
	static const struct option opts[] = {{"reason", required_argument, NULL, O_REASON},
					     {"other", no_argument, NULL, O_OTHER},
					     {"keep-tasks", no_argument, NULL, O_KEEP_TASKS},
					     LEAD_CMD_OPTIONS};
	static const struct option plain[] = {LEAD_CMD_OPTIONS};
	int c, rc;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, reasons ? opts : plain, NULL)) !=
	       -1) {
		switch (c) {
		case O_REASON:
			m->reason = optarg;
			break;
		case O_OTHER:
			m->other = 1;
			break;
		case O_KEEP_TASKS:
			m->keep_tasks = 1;
			break;
		default:
			if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
				return rc ? rc : -1;
		}
	}
	/* An empty --reason is a typing slip (an unset shell variable), not
	 * "no reason": say so as the usage error it is. */
	if (m->reason && !m->reason[strspn(m->reason, " \t")])
		return lead_usage_error(self, ctx,
					"--reason needs text: say why the lead leaves the "
					"pipeline");
	if (m->other && !m->reason)
		return lead_usage_error(self, ctx,
					"--other says the --reason is in your own words; give "
					"--reason TEXT with it");
	return lead_cmd_check_args(self, ctx, argc - optind);
}

static int exec_move(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv,
		     int reasons, const char *word, int reopen)
{
	struct move m = {.word = word, .reopen = reopen};
	uint64_t id;
	int rc = move_options(self, ctx, argc, argv, reasons, &m);
	if (rc)
		return rc < 0 ? 0 : rc;
	if ((rc = lead_parse_lead_id(self, ctx, argv[optind], &id)))
		return rc;
	if (!word && !reopen)
		m.word = argv[optind + 1];
	return run_move(ctx, id, &m);
}

static int cmd_status_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			   char **argv)
{
	return exec_move(self, ctx, argc, argv, 1, NULL, 0);
}

static int cmd_qualify_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			    char **argv)
{
	return exec_move(self, ctx, argc, argv, 0, "qualified", 0);
}

static int cmd_dead_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv)
{
	return exec_move(self, ctx, argc, argv, 1, "dead", 0);
}

static int cmd_reopen_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			   char **argv)
{
	return exec_move(self, ctx, argc, argv, 0, NULL, 1);
}

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.alias = NULL,
	.usage = "ID STATUS [--reason TEXT [--other]] [--keep-tasks]",
	.help = "move a lead to another status",
	.notes = "STATUS is a status name (any case), a unique prefix of one, or a KPI class:\n"
		 "new, qualified, dead, prospect, lost, won (or the start of one: qual), read\n"
		 "by the server as `lead ls --status` reads it. A word several statuses\n"
		 "answer to is refused with their names. See `lead statuses`.\n"
		 "Any status may follow any other, but a status of class dead or lost needs\n"
		 "--reason: one of the reasons of the lead's team or of every team (`lead\n"
		 "admin reason ls`; any case), or your own words with --other. Any other\n"
		 "move refuses a reason, and leaving dead or lost clears it. Prints \"lead 42:\n"
		 "lead-New -> lead-Qualified\"; setting the status the lead has changes\n"
		 "nothing and says so. A move into dead or lost closes the lead's open calls,\n"
		 "tasks and meetings and lists them; --keep-tasks leaves them open.",
	.min_args = 2,
	.max_args = 2,
	.exec = cmd_status_exec,
};

const struct cmd_entry cmd_qualify_entry = {
	.name = "qualify",
	.alias = NULL,
	.usage = "ID",
	.help = "move a lead to the status of class qualified",
	.notes = "The same as `lead status ID qualified`.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_qualify_exec,
};

const struct cmd_entry cmd_dead_entry = {
	.name = "dead",
	.alias = NULL,
	.usage = "ID --reason TEXT [--other] [--keep-tasks]",
	.help = "move a lead to the status of class dead, saying why",
	.notes = "The same as `lead status ID dead --reason TEXT`. The reason is one of\n"
		 "the lead's team's or every team's (`lead admin reason ls`), or your own\n"
		 "words with --other. Without --reason the server refuses and names the\n"
		 "reasons it takes (as many as fit, then \"and others\"). The lead's open\n"
		 "calls, tasks and meetings are closed and listed; --keep-tasks leaves them\n"
		 "open.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_dead_exec,
};

const struct cmd_entry cmd_reopen_entry = {
	.name = "reopen",
	.alias = NULL,
	.usage = "ID",
	.help = "move a lead back to the first status of its stage",
	.notes = "The first status of the lead's stage that is not of class dead or lost:\n"
		 "a dead lead goes back to lead-New, a lost one to prospect-Qualified with\n"
		 "the default statuses; its reason is cleared. When every status of the\n"
		 "stage is dead or lost, the server refuses: name the status with\n"
		 "`lead status ID STATUS`.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_reopen_exec,
};
