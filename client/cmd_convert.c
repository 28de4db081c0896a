/* lead convert (issue 15): a lead at the lead stage made a prospect by
 * hand, without an opportunity. One LeadConvertRequest based on the
 * version read; the server reads the status word and holds the rules
 * (lead stage only, a prospect-stage status that is not dead or lost). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ld_norm.h"
#include "lead.h"

enum { O_TO = 1600 };

static int cmd_convert_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			    char **argv)
{
	static const struct option opts[] = {{"to", required_argument, NULL, O_TO},
					     LEAD_CMD_OPTIONS};
	const char *to = NULL;
	int c, rc;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		if (c == O_TO)
			to = optarg;
		else if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
			return rc;
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)))
		return rc;
	uint64_t id;
	if ((rc = lead_parse_lead_id(self, ctx, argv[optind], &id)))
		return rc;
	if (to && ld_is_blank(to))
		return lead_usage_error(self, ctx,
					"--to is empty: name a prospect-stage status (lead "
					"statuses), or leave --to out for the default");
	/* The status it leaves, and the version the conversion is based on. */
	Leadd__Response *cur, *resp;
	if ((rc = lead_get(ctx, id, &cur)))
		return rc;
	const Leadd__Lead *was = cur->lead->lead;
	Leadd__LeadConvertRequest cv = LEADD__LEAD_CONVERT_REQUEST__INIT;
	cv.has_id = 1;
	cv.id = id;
	cv.status = (char *)to;
	cv.has_expected_version = 1;
	cv.expected_version = was->version;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_LEAD_CONVERT;
	req.lead_convert = &cv;
	if (!(rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_LEAD, &resp))) {
		if (resp->lead->lead)
			rc = ctx->json ? lead_show_lead(ctx, resp->lead->lead)
				       : lead_print_move(ctx, was, resp->lead->lead);
		else
			rc = lead_fail(ctx, LD_UNKNOWN, "leadd at %s sent a reply without a lead",
				       ctx->server);
		leadd__response__free_unpacked(resp, NULL);
	}
	leadd__response__free_unpacked(cur, NULL);
	return rc;
}

const struct cmd_entry cmd_convert_entry = {
	.name = "convert",
	.usage = "ID [--to PROSPECT]",
	.help = "make a lead at the lead stage a prospect, without an opportunity",
	.notes = "The lead moves to the prospect stage's conversion target (prospect-Qualified,\n"
		 "10%, by default; `lead statuses` marks it), or to --to PROSPECT: a\n"
		 "prospect-stage status that is not of class dead or lost, named as `lead\n"
		 "status` takes it (any case, a unique prefix). Only a lead still at the lead\n"
		 "stage converts: one past it is refused (exit 5), naming its stage; `lead\n"
		 "status` moves it. Adding an opportunity (lead opp new) converts a lead too.\n"
		 "Prints \"lead 42: lead-Qualified -> prospect-Qualified\"; with --json the lead\n"
		 "as `lead --json status` prints it (no activities, opportunities or history).",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_convert_exec,
};
