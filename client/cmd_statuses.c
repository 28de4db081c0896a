/* lead statuses: the pipeline's statuses, in display order. */
#include <getopt.h>

#include "lead.h"

static int cmd_statuses_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			     char **argv)
{
	int rc = lead_plain_options(self, ctx, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;

	const Leadd__StatusListReply *sl;
	if ((rc = lead_statuses(ctx, &sl)))
		return rc;
	if (ctx->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON *arr = cJSON_AddArrayToObject(o, "statuses");
		for (size_t i = 0; i < sl->n_statuses; i++)
			cJSON_AddItemToArray(arr, lead_json_status(sl->statuses[i]));
		return lead_json_out(o);
	}
	lead_print_status_table(sl);
	return 0;
}

const struct cmd_entry cmd_statuses_entry = {
	.name = "statuses",
	.alias = NULL,
	.usage = "",
	.help = "list the statuses in order, with their stage, class, leads, target",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_statuses_exec,
};
