/* lead user add|ls|edit|passwd|disable and lead team add|ls|edit: two
 * families of subcommands, each a small table of its own. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lead.h"

enum {
	O_ROLE = 256,
	O_TEAM,
	O_PASSWORD_STDIN,
	O_CURRENT_PASSWORD_STDIN,
	O_MANAGER,
	O_ROUND_ROBIN,
	O_POOL_VISIBLE,
};

/* The options loop of commands whose only options are the common ones:
 * 0 to go on, else the exit status (-1 after --help). */
static int parse_role(const struct cmd_entry *self, struct lead_ctx *ctx, const char *s,
		      Leadd__Role *out)
{
	int r = lead_parse_role(s);
	if (r < 0)
		return lead_usage_error(self, ctx, "--role is rep, manager or admin, not '%s'", s);
	*out = (Leadd__Role)r;
	return 0;
}

/* Sends req, expects a UserReply, prints "VERB user NAME (...)". */
static int user_reply(struct lead_ctx *ctx, Leadd__Request *req, const char *verb)
{
	Leadd__Response *resp;
	int rc = lead_request(ctx, req, LEADD__RESPONSE__BODY_USER, &resp);
	if (rc)
		return rc;
	const Leadd__User *u = resp->user->user;
	if (!u)
		rc = lead_fail(ctx, LD_UNKNOWN, "leadd at %s sent a reply without the user",
			       ctx->server);
	else if (ctx->json)
		rc = lead_json_out(lead_json_user(u));
	else
		lead_out("%s user %s (id %llu, %s, team %s)\n", verb, u->name ? u->name : "?",
			 (unsigned long long)u->id, lead_role_name(u->role),
			 u->team_id && u->team_name ? u->team_name : "-");
	leadd__response__free_unpacked(resp, NULL);
	return rc;
}

/* ---- lead user add ---- */

static int cmd_user_add_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			     char **argv)
{
	static const struct option opts[] = {
		{"role", required_argument, NULL, O_ROLE},
		{"team", required_argument, NULL, O_TEAM},
		{"password-stdin", no_argument, NULL, O_PASSWORD_STDIN},
		LEAD_CMD_OPTIONS,
	};
	Leadd__UserAddRequest ua = LEADD__USER_ADD_REQUEST__INIT;
	int c, rc, from_stdin = 0;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		switch (c) {
		case O_ROLE:
			if ((rc = parse_role(self, ctx, optarg, &ua.role)))
				return rc;
			ua.has_role = 1;
			break;
		case O_TEAM:
			ua.team = optarg;
			break;
		case O_PASSWORD_STDIN:
			from_stdin = 1;
			break;
		default:
			if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
				return rc;
		}
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)))
		return rc;
	if (!ua.has_role)
		return lead_usage_error(self, ctx, "say which role: --role rep|manager|admin");
	ua.name = argv[optind];
	/* Log in first: a refusal comes before the password is typed. */
	if ((rc = lead_connect(ctx)))
		return rc;
	char prompt[200];
	snprintf(prompt, sizeof(prompt), "Password for the new user %s: ", ua.name);
	ua.password = lead_password_read(ctx, from_stdin, prompt, 1, &rc);
	if (!ua.password)
		return rc;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_USER_ADD;
	req.user_add = &ua;
	rc = user_reply(ctx, &req, "added");
	lead_password_free(ua.password);
	return rc;
}

static const struct cmd_entry cmd_user_add_entry = {
	.name = "user add",
	.usage = "NAME --role rep|manager|admin [--team TEAM] [--password-stdin]",
	.help = "add a user (admin)",
	.notes = "The password (at least 8 bytes) is asked twice on the terminal, or read from\n"
		 "one line of standard input with --password-stdin.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_user_add_exec,
};

/* ---- lead user ls ---- */

static int cmd_user_ls_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			    char **argv)
{
	int rc = lead_plain_options(self, ctx, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__UserListRequest ul = LEADD__USER_LIST_REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_USER_LIST;
	req.user_list = &ul;
	Leadd__Response *resp;
	if ((rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_USER_LIST, &resp)))
		return rc;
	const Leadd__UserListReply *r = resp->user_list;
	if (ctx->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON *users = cJSON_AddArrayToObject(o, "users");
		for (size_t i = 0; i < r->n_users; i++)
			cJSON_AddItemToArray(users, lead_json_user(r->users[i]));
		rc = lead_json_out(o);
	} else if (r->n_users) {
		lead_print_user_table(r);
	} else {
		lead_out("no users\n");
	}
	leadd__response__free_unpacked(resp, NULL);
	return rc;
}

static const struct cmd_entry cmd_user_ls_entry = {
	.name = "user ls",
	.alias = "list",
	.usage = "",
	.help = "list the users (admin: all; manager: those of their teams)",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_user_ls_exec,
};

/* ---- lead user edit ---- */

static int cmd_user_edit_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			      char **argv)
{
	static const struct option opts[] = {
		{"role", required_argument, NULL, O_ROLE},
		{"team", required_argument, NULL, O_TEAM},
		LEAD_CMD_OPTIONS,
	};
	Leadd__UserEditRequest ue = LEADD__USER_EDIT_REQUEST__INIT;
	int c, rc;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		switch (c) {
		case O_ROLE:
			if ((rc = parse_role(self, ctx, optarg, &ue.role)))
				return rc;
			ue.has_role = 1;
			break;
		case O_TEAM:
			ue.team = optarg;
			break;
		default:
			if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
				return rc;
		}
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)))
		return rc;
	if (!ue.has_role && !ue.team)
		return lead_usage_error(self, ctx,
					"say what to change: --role ROLE or --team TEAM");
	ue.name = argv[optind];
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_USER_EDIT;
	req.user_edit = &ue;
	return user_reply(ctx, &req, "changed");
}

static const struct cmd_entry cmd_user_edit_entry = {
	.name = "user edit",
	.usage = "NAME [--role rep|manager|admin] [--team TEAM]",
	.help = "change a user's role or team (admin)",
	.notes = "--team \"\" takes the user out of their team.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_user_edit_exec,
};

/* ---- lead user passwd ---- */

/* Your current password: one line of standard input, or asked on the
 * terminal without echo. NULL with *rc set when there is none. */
static char *read_current_password(struct lead_ctx *ctx, int from_stdin, const char *who, int *rc)
{
	if (from_stdin) {
		char *line = NULL;
		size_t cap = 0;
		ssize_t n = getline(&line, &cap, stdin);
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n <= 0) {
			if (line)
				explicit_bzero(line, cap);
			free(line);
			*rc = lead_fail(ctx, LD_INVALID_ARGUMENT,
					"--current-password-stdin: no current password on standard "
					"input");
			return NULL;
		}
		return line;
	}
	FILE *tty = fopen("/dev/tty", "r");
	if (!tty) {
		*rc = lead_fail(ctx, LD_INVALID_ARGUMENT,
				"no terminal to ask for your current password on; use "
				"--current-password-stdin");
		return NULL;
	}
	fclose(tty);
	char prompt[200];
	snprintf(prompt, sizeof(prompt), "Current password for %s: ", who);
	return lead_password_read(ctx, 0, prompt, 0, rc);
}

static int cmd_user_passwd_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
				char **argv)
{
	static const struct option opts[] = {
		{"password-stdin", no_argument, NULL, O_PASSWORD_STDIN},
		{"current-password-stdin", no_argument, NULL, O_CURRENT_PASSWORD_STDIN},
		LEAD_CMD_OPTIONS,
	};
	Leadd__UserPasswdRequest up = LEADD__USER_PASSWD_REQUEST__INIT;
	int c, rc, from_stdin = 0, current_from_stdin = 0;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		if (c == O_PASSWORD_STDIN)
			from_stdin = 1;
		else if (c == O_CURRENT_PASSWORD_STDIN)
			current_from_stdin = 1;
		else if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
			return rc;
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)))
		return rc;
	up.name = optind < argc ? argv[optind] : NULL;
	if ((rc = lead_connect(ctx)))
		return rc;
	const Leadd__WhoamiReply *w;
	if ((rc = lead_whoami(ctx, &w)))
		return rc;
	const char *me = w->user && w->user->name ? w->user->name : NULL;
	const char *who = up.name ? up.name : me ? me : "you";
	/* Your own password needs the current one; an admin setting someone
	 * else's does not (leadd decides by user id; names compare without
	 * case, as leadd's do). */
	int own = !up.name || (me && strcasecmp(up.name, me) == 0);
	if (!own && current_from_stdin)
		return lead_usage_error(self, ctx,
					"--current-password-stdin is for your own password; an "
					"admin sets %s's without it",
					who);
	if (own) {
		up.current_password = read_current_password(ctx, current_from_stdin, who, &rc);
		if (!up.current_password)
			return rc;
	}
	char prompt[200];
	snprintf(prompt, sizeof(prompt), "New password for %s: ", who);
	up.password = lead_password_read(ctx, from_stdin, prompt, 1, &rc);
	if (!up.password) {
		lead_password_free(up.current_password);
		return rc;
	}
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_USER_PASSWD;
	req.user_passwd = &up;
	Leadd__Response *resp;
	rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_EMPTY, &resp);
	lead_password_free(up.password);
	lead_password_free(up.current_password);
	if (rc)
		return rc;
	leadd__response__free_unpacked(resp, NULL);
	if (ctx->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "user", who);
		cJSON_AddBoolToObject(o, "password_changed", 1);
		return lead_json_out(o);
	}
	lead_out("changed the password of %s\n", who);
	return 0;
}

static const struct cmd_entry cmd_user_passwd_entry = {
	.name = "user passwd",
	.usage = "[NAME] [--password-stdin] [--current-password-stdin]",
	.help = "change your password, or (admin) another user's",
	.notes = "Your own password needs the current one: it is asked on the terminal, or\n"
		 "read from one line of standard input with --current-password-stdin. The new\n"
		 "password (at least 8 bytes) is asked twice on the terminal, or read from one\n"
		 "line of standard input with --password-stdin (after the current one when\n"
		 "both come from standard input). An admin setting another user's password\n"
		 "is not asked for a current one. Your other sessions end; this one goes on.",
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_user_passwd_exec,
};

/* ---- lead user disable ---- */

static int cmd_user_disable_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
				 char **argv)
{
	int rc = lead_plain_options(self, ctx, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	Leadd__UserDisableRequest ud = LEADD__USER_DISABLE_REQUEST__INIT;
	ud.name = argv[optind];
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_USER_DISABLE;
	req.user_disable = &ud;
	return user_reply(ctx, &req, "disabled");
}

static const struct cmd_entry cmd_user_disable_entry = {
	.name = "user disable",
	.usage = "NAME",
	.help = "disable a user: their sessions end at once, their leads stay (admin)",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_user_disable_exec,
};

static const struct cmd_entry *const user_cmds[] = {
	&cmd_user_add_entry,    &cmd_user_ls_entry,      &cmd_user_edit_entry,
	&cmd_user_passwd_entry, &cmd_user_disable_entry, NULL,
};

const struct cmd_entry cmd_user_entry = {
	.name = "user",
	.usage = "add|ls|edit|passwd|disable [ARGS...]",
	.help = "manage users: add, ls, edit, passwd, disable",
	.notes = "Roles: a rep sees and works their own leads (and their team's pool when it\n"
		 "is visible); a manager the leads of the teams they manage; an admin all, and\n"
		 "only an admin adds, edits and disables users.",
	.min_args = 1,
	.max_args = -1,
	.exec = lead_family_exec,
	.sub = user_cmds,
};

/* ---- lead team add ---- */

/* Sends req, expects a TeamReply, prints the team. */
static int team_reply(struct lead_ctx *ctx, Leadd__Request *req, const char *verb)
{
	Leadd__Response *resp;
	int rc = lead_request(ctx, req, LEADD__RESPONSE__BODY_TEAM, &resp);
	if (rc)
		return rc;
	const Leadd__Team *t = resp->team->team;
	if (!t) {
		rc = lead_fail(ctx, LD_UNKNOWN, "leadd at %s sent a reply without the team",
			       ctx->server);
	} else if (ctx->json) {
		rc = lead_json_out(lead_json_team(t));
	} else {
		lead_out("%s team %s (id %llu)\n", verb, t->name ? t->name : "?",
			 (unsigned long long)t->id);
		lead_print_team(t);
	}
	leadd__response__free_unpacked(resp, NULL);
	return rc;
}

static int cmd_team_add_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			     char **argv)
{
	static const struct option opts[] = {
		{"manager", required_argument, NULL, O_MANAGER},
		LEAD_CMD_OPTIONS,
	};
	Leadd__TeamAddRequest ta = LEADD__TEAM_ADD_REQUEST__INIT;
	ta.managers = calloc((size_t)argc + 1, sizeof(char *));
	if (!ta.managers)
		return lead_fail(ctx, LD_RESOURCE_EXHAUSTED, "out of memory");
	int c, rc = 0;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		if (c == O_MANAGER) {
			ta.managers[ta.n_managers++] = optarg;
		} else if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0) {
			free(ta.managers);
			return rc;
		}
	}
	rc = lead_cmd_check_args(self, ctx, argc - optind);
	if (!rc) {
		ta.name = argv[optind];
		Leadd__Request req = LEADD__REQUEST__INIT;
		req.body_case = LEADD__REQUEST__BODY_TEAM_ADD;
		req.team_add = &ta;
		rc = team_reply(ctx, &req, "added");
	}
	free(ta.managers);
	return rc;
}

static const struct cmd_entry cmd_team_add_entry = {
	.name = "team add",
	.usage = "NAME [--manager USER]...",
	.help = "add a team (admin)",
	.notes = "Managers must be users with the role manager or admin.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_team_add_exec,
};

/* ---- lead team ls ---- */

static int cmd_team_ls_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			    char **argv)
{
	int rc = lead_plain_options(self, ctx, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__TeamListRequest tl = LEADD__TEAM_LIST_REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_TEAM_LIST;
	req.team_list = &tl;
	Leadd__Response *resp;
	if ((rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_TEAM_LIST, &resp)))
		return rc;
	const Leadd__TeamListReply *r = resp->team_list;
	if (ctx->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON *teams = cJSON_AddArrayToObject(o, "teams");
		for (size_t i = 0; i < r->n_teams; i++)
			cJSON_AddItemToArray(teams, lead_json_team(r->teams[i]));
		rc = lead_json_out(o);
	} else if (r->n_teams) {
		lead_print_team_table(r);
	} else {
		lead_out("no teams\n");
	}
	leadd__response__free_unpacked(resp, NULL);
	return rc;
}

static const struct cmd_entry cmd_team_ls_entry = {
	.name = "team ls",
	.alias = "list",
	.usage = "",
	.help = "list the teams you see (rep: theirs; manager: those they manage; admin: all)",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_team_ls_exec,
};

/* ---- lead team edit ---- */

static int onoff(const struct cmd_entry *self, struct lead_ctx *ctx, const char *opt, const char *s,
		 protobuf_c_boolean *has, protobuf_c_boolean *v)
{
	int b = lead_parse_onoff(s);
	if (b < 0)
		return lead_usage_error(self, ctx, "%s is on or off, not '%s'", opt, s);
	*has = 1;
	*v = b;
	return 0;
}

static int cmd_team_edit_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			      char **argv)
{
	static const struct option opts[] = {
		{"manager", required_argument, NULL, O_MANAGER},
		{"round-robin", required_argument, NULL, O_ROUND_ROBIN},
		{"pool-visible", required_argument, NULL, O_POOL_VISIBLE},
		LEAD_CMD_OPTIONS,
	};
	Leadd__TeamEditRequest te = LEADD__TEAM_EDIT_REQUEST__INIT;
	Leadd__StringList managers = LEADD__STRING_LIST__INIT;
	managers.items = calloc((size_t)argc + 1, sizeof(char *));
	if (!managers.items)
		return lead_fail(ctx, LD_RESOURCE_EXHAUSTED, "out of memory");
	int c, rc = 0;
	lead_getopt_reset();
	while (!rc && (c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		switch (c) {
		case O_MANAGER:
			/* --manager "" alone: no managers. */
			te.managers = &managers;
			if (*optarg)
				managers.items[managers.n_items++] = optarg;
			break;
		case O_ROUND_ROBIN:
			rc = onoff(self, ctx, "--round-robin", optarg, &te.has_round_robin,
				   &te.round_robin);
			break;
		case O_POOL_VISIBLE:
			rc = onoff(self, ctx, "--pool-visible", optarg, &te.has_pool_visible,
				   &te.pool_visible);
			break;
		default:
			rc = lead_cmd_option(self, ctx, argv, c);
			if (rc < 0)
				rc = 0;
			else if (rc == 0)
				rc = -1; /* --help */
		}
	}
	if (!rc)
		rc = lead_cmd_check_args(self, ctx, argc - optind);
	if (!rc && !te.managers && !te.has_round_robin && !te.has_pool_visible)
		rc = lead_usage_error(self, ctx,
				      "say what to change: --manager, --round-robin or "
				      "--pool-visible");
	if (!rc) {
		te.name = argv[optind];
		Leadd__Request req = LEADD__REQUEST__INIT;
		req.body_case = LEADD__REQUEST__BODY_TEAM_EDIT;
		req.team_edit = &te;
		rc = team_reply(ctx, &req, "changed");
	}
	free(managers.items);
	return rc < 0 ? 0 : rc;
}

static const struct cmd_entry cmd_team_edit_entry = {
	.name = "team edit",
	.usage = "NAME [--manager USER]... [--round-robin on|off] [--pool-visible on|off]",
	.help = "change a team's managers or settings (admin)",
	.notes =
		"--manager (repeatable) replaces the list of managers; --manager \"\" empties it.\n"
		"--round-robin on: a new unowned lead of the team goes at once to its next rep.\n"
		"--pool-visible on: the team's reps see and may claim its unowned leads.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_team_edit_exec,
};

static const struct cmd_entry *const team_cmds[] = {
	&cmd_team_add_entry,
	&cmd_team_ls_entry,
	&cmd_team_edit_entry,
	NULL,
};

const struct cmd_entry cmd_team_entry = {
	.name = "team",
	.usage = "add|ls|edit [ARGS...]",
	.help = "manage teams: add, ls, edit",
	.min_args = 1,
	.max_args = -1,
	.exec = lead_family_exec,
	.sub = team_cmds,
};
