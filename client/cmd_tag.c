/* lead tag and lead tags (placeholder until built, issue 10). */
#include <getopt.h>

#include "lead.h"

static int cmd_tag_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	(void)self;
	return lead_fail(ctx, LD_UNIMPLEMENTED, "lead tag is not built yet");
}

const struct cmd_entry cmd_tag_entry = {
	.name = "tag",
	.usage = "ID [--add TAG]... [--rm TAG]...",
	.help = "add or remove tags on a lead",
	.min_args = 0,
	.max_args = -1,
	.exec = cmd_tag_exec,
};

static int cmd_tags_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	(void)self;
	return lead_fail(ctx, LD_UNIMPLEMENTED, "lead tags is not built yet");
}

const struct cmd_entry cmd_tags_entry = {
	.name = "tags",
	.usage = "",
	.help = "the tags in use, with how many of your leads carry each",
	.min_args = 0,
	.max_args = -1,
	.exec = cmd_tags_exec,
};
