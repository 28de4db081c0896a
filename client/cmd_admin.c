/* lead admin: the settings managers and admins keep, one subfamily each
 * (`lead admin reason add|ls|rm`, cmd_reason.c). The server says who may
 * change what; lead only sends. */
#include "lead.h"

static const struct cmd_entry *const admin_cmds[] = {
	&cmd_admin_reason_entry,
	NULL,
};

const struct cmd_entry cmd_admin_entry = {
	.name = "admin",
	.usage = "reason [ARGS...]",
	.help = "settings: the reasons a lead is dead or lost",
	.min_args = 1,
	.max_args = -1,
	.exec = lead_family_exec,
	.sub = admin_cmds,
};
