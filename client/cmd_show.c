/* lead show and lead history: reading one lead and what happened to it. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"

static int cmd_show_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv)
{
	uint64_t id;
	int rc = lead_plain_options(self, ctx, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	if ((rc = lead_parse_lead_id(self, ctx, argv[optind], &id)))
		return rc;
	Leadd__Response *resp;
	if ((rc = lead_get(ctx, id, &resp)))
		return rc;
	rc = lead_show_lead(ctx, resp->lead->lead);
	leadd__response__free_unpacked(resp, NULL);
	return rc;
}

const struct cmd_entry cmd_show_entry = {
	.name = "show",
	.alias = "get",
	.usage = "ID",
	.help = "show one lead with its contacts",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_show_exec,
};

static int cmd_history_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			    char **argv)
{
	int rc = lead_plain_options(self, ctx, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	return lead_fail(ctx, LD_UNIMPLEMENTED, "lead history is not built yet");
}

const struct cmd_entry cmd_history_entry = {
	.name = "history",
	.usage = "ID",
	.help = "every change to a lead: what, old -> new, who, when",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_history_exec,
};
