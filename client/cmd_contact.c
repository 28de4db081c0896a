/* lead contact: a lead's contacts (placeholder until built, issue 10). */
#include <getopt.h>

#include "lead.h"

static int cmd_contact_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			    char **argv)
{
	(void)argc;
	(void)argv;
	(void)self;
	return lead_fail(ctx, LD_UNIMPLEMENTED, "lead contact is not built yet");
}

const struct cmd_entry cmd_contact_entry = {
	.name = "contact",
	.usage = "add|ls|edit|rm|main ID [ARGS...]",
	.help = "a lead's contacts: add, ls, edit, rm, main",
	.min_args = 0,
	.max_args = -1,
	.exec = cmd_contact_exec,
};
