/* lead admin reason add|ls|rm: the reasons a lead may be dead or lost for,
 * per team (--team) or for every team (no --team). A manager keeps their
 * teams' lists, an admin any and the shared one; everyone may list theirs.
 * Those rules, and matching a reason in any case, are the server's. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "lead.h"

enum { O_TEAM = 1000 };

/* The options of every reason command: --team, then check the positional
 * count. 0 to go on, an exit status, or -1 after --help. */
static int reason_options(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv,
			  const char **team)
{
	static const struct option opts[] = {{"team", required_argument, NULL, O_TEAM},
					     LEAD_CMD_OPTIONS};
	int c, rc;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		if (c == O_TEAM) {
			*team = optarg;
			continue;
		}
		if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
			return rc ? rc : -1;
	}
	return lead_cmd_check_args(self, ctx, argc - optind);
}

static cJSON *reason_json(const Leadd__Reason *r)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "text", lead_json_string(r->text));
	cJSON_AddItemToObject(o, "team", lead_json_string(r->team));
	return o;
}

static int reasons_json(const Leadd__ReasonListReply *l)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(o, "reasons");
	for (size_t i = 0; i < l->n_reasons; i++)
		cJSON_AddItemToArray(arr, reason_json(l->reasons[i]));
	return lead_json_out(o);
}

/* reason_add and reason_rm: one Reason; the answer holds the one changed. */
static int change(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv,
		  int add)
{
	const char *team = NULL;
	int rc = reason_options(self, ctx, argc, argv, &team);
	if (rc)
		return rc < 0 ? 0 : rc;
	Leadd__Reason r = LEADD__REASON__INIT;
	r.text = argv[optind];
	r.team = (char *)team;
	Leadd__ReasonAddRequest a = LEADD__REASON_ADD_REQUEST__INIT;
	Leadd__ReasonRemoveRequest m = LEADD__REASON_REMOVE_REQUEST__INIT;
	Leadd__Request req = LEADD__REQUEST__INIT;
	if (add) {
		a.reason = &r;
		req.body_case = LEADD__REQUEST__BODY_REASON_ADD;
		req.reason_add = &a;
	} else {
		m.reason = &r;
		req.body_case = LEADD__REQUEST__BODY_REASON_RM;
		req.reason_rm = &m;
	}
	Leadd__Response *resp;
	if ((rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_REASON_LIST, &resp)))
		return rc;
	const Leadd__ReasonListReply *l = resp->reason_list;
	if (ctx->json) {
		rc = reasons_json(l);
	} else if (l->n_reasons == 1) {
		const Leadd__Reason *got = l->reasons[0];
		if (got->team)
			lead_out("reason '%s' %s team %s\n", got->text ? got->text : "",
				 add ? "added for" : "removed from", got->team);
		else
			lead_out("reason '%s' %s every team\n", got->text ? got->text : "",
				 add ? "added for" : "removed from");
	} else {
		rc = lead_fail(ctx, LD_UNKNOWN, "leadd at %s sent a reply without the reason",
			       ctx->server);
	}
	leadd__response__free_unpacked(resp, NULL);
	return rc;
}

static int cmd_reason_add_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			       char **argv)
{
	return change(self, ctx, argc, argv, 1);
}

static int cmd_reason_rm_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			      char **argv)
{
	return change(self, ctx, argc, argv, 0);
}

static int cmd_reason_ls_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			      char **argv)
{
	const char *team = NULL;
	int rc = reason_options(self, ctx, argc, argv, &team);
	if (rc)
		return rc < 0 ? 0 : rc;
	Leadd__ReasonListRequest lr = LEADD__REASON_LIST_REQUEST__INIT;
	lr.team = (char *)team;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_REASON_LIST;
	req.reason_list = &lr;
	Leadd__Response *resp;
	if ((rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_REASON_LIST, &resp)))
		return rc;
	const Leadd__ReasonListReply *l = resp->reason_list;
	if (ctx->json) {
		rc = reasons_json(l);
	} else if (l->n_reasons == 0) {
		lead_out("no reasons: a manager adds them with 'lead admin reason add TEXT "
			 "--team TEAM'\n");
	} else {
		static const char *const head[] = {"TEAM", "REASON"};
		struct lead_table *t = lead_table_new(2, head);
		lead_table_shrink(t, 0, 8);
		lead_table_wrap_last(t, 20);
		for (size_t i = 0; i < l->n_reasons; i++) {
			const Leadd__Reason *r = l->reasons[i];
			const char *cells[] = {r->team ? r->team : "(every team)",
					       r->text ? r->text : ""};
			lead_table_add(t, cells);
		}
		lead_table_print(t);
	}
	leadd__response__free_unpacked(resp, NULL);
	return rc;
}

const struct cmd_entry cmd_admin_reason_add_entry = {
	.name = "admin reason add",
	.usage = "TEXT [--team TEAM]",
	.help = "add a reason a lead may be dead or lost for",
	.notes = "With --team, the reason is that team's (its managers and admins add them);\n"
		 "without, it is every team's (admins only). A reason already there, in any\n"
		 "case, is refused. A list holds at most 100 reasons.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_reason_add_exec,
};

const struct cmd_entry cmd_admin_reason_ls_entry = {
	.name = "admin reason ls",
	.alias = "list",
	.usage = "[--team TEAM]",
	.help = "list the reasons a lead may be dead or lost for",
	.notes = "Without --team: every team's reasons and those of your teams (an admin:\n"
		 "of all teams). With --team: that team's and every team's. One answer lists\n"
		 "at most 2000: past that, name a team.",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_reason_ls_exec,
};

const struct cmd_entry cmd_admin_reason_rm_entry = {
	.name = "admin reason rm",
	.usage = "TEXT [--team TEAM]",
	.help = "remove a reason from a list",
	.notes = "Leads already dead or lost for it keep it; it is no longer offered.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_reason_rm_exec,
};

static const struct cmd_entry *const reason_cmds[] = {
	&cmd_admin_reason_add_entry,
	&cmd_admin_reason_ls_entry,
	&cmd_admin_reason_rm_entry,
	NULL,
};

const struct cmd_entry cmd_admin_reason_entry = {
	.name = "admin reason",
	.usage = "add|ls|rm [ARGS...]",
	.help = "the reasons a lead may be dead or lost for: add, ls, rm",
	.min_args = 1,
	.max_args = -1,
	.exec = lead_family_exec,
	.sub = reason_cmds,
};
