/* `lead opp won` and `lead opp lost`: an open opportunity closed, and the
 * lead moved as the server says (the reply printed as cmd_opp.h's). */
#include <getopt.h>
#include <string.h>

#include "cmd_opp.h"
#include "ld_norm.h"
#include "lead.h"
#include "lead_date.h"

/* ---- lead opp won, lead opp lost ---- */

struct close_args {
	const char *reason;
	int other;
	char day[16];
	protobuf_c_boolean has_version;
	uint64_t version;
	uint64_t id;
};

/* The options of won (reasons 0) and lost; 0 to go on, -1 after --help,
 * or the exit status. */
static int close_options(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv,
			 int reasons, struct close_args *a)
{
	static const struct option opts[] = {{"reason", required_argument, NULL, O_REASON},
					     {"other", no_argument, NULL, O_OTHER},
					     {"date", required_argument, NULL, O_DATE},
					     {"if-version", required_argument, NULL, O_IF_VERSION},
					     LEAD_CMD_OPTIONS};
	static const struct option won_opts[] = {
		{"date", required_argument, NULL, O_DATE},
		{"if-version", required_argument, NULL, O_IF_VERSION},
		LEAD_CMD_OPTIONS};
	int c, rc;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, reasons ? opts : won_opts, NULL)) !=
	       -1) {
		switch (c) {
		case O_REASON:
			if ((rc = lead_text_arg(self, ctx, "--reason", optarg, "Too expensive")))
				return rc;
			a->reason = optarg;
			break;
		case O_OTHER:
			a->other = 1;
			break;
		case O_DATE:
			if ((rc = opp_day_arg(self, ctx, "--date", optarg, 0, a->day)))
				return rc;
			break;
		case O_IF_VERSION:
			if ((rc = opp_version_arg(self, ctx, optarg, &a->has_version, &a->version)))
				return rc;
			break;
		default:
			if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
				return rc ? rc : -1;
		}
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)) ||
	    (rc = opp_id_arg(self, ctx, argv[optind], &a->id)))
		return rc;
	if (reasons && (!a->reason || ld_is_blank(a->reason)))
		return lead_usage_error(
			self, ctx,
			"say why it was lost with --reason TEXT: a reason of the "
			"lead's team's list or every team's (lead admin reason ls), "
			"or your own words with --reason TEXT --other");
	if (a->other && !a->reason)
		return lead_usage_error(self, ctx,
					"--other says the --reason is in your own words; give "
					"--reason TEXT with it");
	/* The day it closed is the reader's day, not UTC's. */
	if (!a->day[0])
		lead_date_format_day(lead_now_ms(), a->day, sizeof(a->day));
	return 0;
}

static int cmd_opp_won_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			    char **argv)
{
	struct close_args a = {0};
	int rc = close_options(self, ctx, argc, argv, 0, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	Leadd__OppWonRequest w = LEADD__OPP_WON_REQUEST__INIT;
	w.has_id = 1;
	w.id = a.id;
	w.close_date = a.day;
	w.has_expected_version = a.has_version;
	w.expected_version = a.version;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_OPP_WON;
	req.opp_won = &w;
	return opp_send(ctx, &req, "won:");
}

const struct cmd_entry cmd_opp_won_entry = {
	.name = "opp won",
	.usage = "OID [--date DATE] [--if-version VERSION]",
	.help = "mark an open opportunity won: the lead becomes a customer",
	.notes = "The lead moves to the customer stage's won status (customer-Won by default),\n"
		 "unless it is there already, and lead says so; from any status, dead or lost\n"
		 "too (the sale happened). The opportunity leaves the open forecast and counts\n"
		 "as closed won on the day it was won: today (your local day), or --date DATE,\n"
		 "any day up to tomorrow (a deal logged after the fact keeps its day). Won and\n"
		 "lost are final. --if-version refuses (exit 5) if the opportunity changed\n"
		 "since that version. With --json as `lead opp new`.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_opp_won_exec,
};

static int cmd_opp_lost_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			     char **argv)
{
	struct close_args a = {0};
	int rc = close_options(self, ctx, argc, argv, 1, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	Leadd__OppLostRequest l = LEADD__OPP_LOST_REQUEST__INIT;
	l.has_id = 1;
	l.id = a.id;
	l.reason = (char *)a.reason;
	l.has_other = l.other = a.other;
	l.close_date = a.day;
	l.has_expected_version = a.has_version;
	l.expected_version = a.version;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_OPP_LOST;
	req.opp_lost = &l;
	Leadd__Response *resp;
	if ((rc = lead_call(ctx, &req, &resp)))
		return rc;
	int code = ld_response_code(resp);
	if (code == LD_OK && resp->body_case == LEADD__RESPONSE__BODY_OPP)
		rc = opp_print_reply(ctx, resp->opp, "lost:");
	else if (code == LD_FAILED_PRECONDITION && !a.other && ld_response_message(resp) &&
		 strstr(ld_response_message(resp), "own words"))
		/* A reason not on the lists, which the server says may be
		 * given in one's own words: say how, in lead's terms. */
		rc = lead_fail_reason(ctx, resp, a.reason, a.other);
	else if (code != LD_OK)
		rc = lead_fail_response(ctx, resp);
	else
		rc = lead_fail(ctx, LD_UNKNOWN, "leadd at %s sent an unexpected reply",
			       ctx->server);
	leadd__response__free_unpacked(resp, NULL);
	return rc;
}

const struct cmd_entry cmd_opp_lost_entry = {
	.name = "opp lost",
	.usage = "OID --reason TEXT [--other] [--date DATE] [--if-version VERSION]",
	.help = "mark an open opportunity lost, saying why",
	.notes = "The reason is one of the lead's team's or every team's (`lead admin reason\n"
		 "ls`; any case), or your own words with --other. The lead moves to the prospect\n"
		 "stage's lost status (prospect-Lost) with that reason, and its open calls, tasks\n"
		 "and meetings are closed (lead lists them), unless another of its opportunities\n"
		 "is open or won: then the lead stays where it is. The opportunity leaves the\n"
		 "open forecast; the day it was lost is today (your local day) or --date DATE.\n"
		 "Won and lost are final. With --json as `lead opp new`, plus\n"
		 "\"closed_activities\": [ACTIVITY] when it closed some.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_opp_lost_exec,
};
