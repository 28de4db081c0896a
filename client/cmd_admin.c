/* lead admin: the settings only an admin (or, for reasons, a manager)
 * changes, one family per setting. `lead admin status add|edit|rm` is in
 * cmd_status_admin.c, `lead admin reason add|ls|rm` in cmd_reason.c. */
#include "lead.h"

static const struct cmd_entry *const admin_cmds[] = {
	&cmd_admin_status_entry,
	&cmd_admin_reason_entry,
	NULL,
};

const struct cmd_entry cmd_admin_entry = {
	.name = "admin",
	.usage = "status|reason [ARGS...]",
	.help = "change the settings: the status list, the dead and lost reasons",
	.notes = "Run 'lead help admin status' for the status list's subcommands, 'lead help\n"
		 "admin reason' for the reasons'.",
	.min_args = 1,
	.max_args = -1,
	.exec = lead_family_exec,
	.sub = admin_cmds,
};
