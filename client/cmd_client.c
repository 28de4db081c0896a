/* lead client: client folders (placeholder until built, issue 10). */
#include <getopt.h>

#include "lead.h"

static int cmd_client_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			   char **argv)
{
	(void)argc;
	(void)argv;
	(void)self;
	return lead_fail(ctx, LD_UNIMPLEMENTED, "lead client is not built yet");
}

const struct cmd_entry cmd_client_entry = {
	.name = "client",
	.usage = "add|ls|show|edit|merge [ARGS...]",
	.help = "client folders: add, ls, show, edit, merge",
	.min_args = 0,
	.max_args = -1,
	.exec = cmd_client_exec,
};
