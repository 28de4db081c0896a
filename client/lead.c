/* lead: main, the command table, and the request plumbing every command uses. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ld_currency.h"
#include "ld_distance.h"
#include "lead.h"
#include "lead_filter.h"
#include "lead_words.h"

int lead_plain_options(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {LEAD_CMD_OPTIONS};
	int c, rc;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1)
		if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
			return rc ? rc : -1;
	return lead_cmd_check_args(self, ctx, argc - optind);
}

static int cmd_help_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv);

static const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.usage = "[COMMAND]",
	.help = "list the commands, or show one command's usage",
	.min_args = 0,
	.max_args = 3,
	.exec = cmd_help_exec,
};

/* The one table: dispatch, `lead help` and `lead CMD --help` all read it.
 * One row a line (clang-format would pack them), so a command added is a
 * line added. */
// clang-format off
static const struct cmd_entry *const cmd_table[] = {
	&cmd_login_entry,
	&cmd_logout_entry,
	&cmd_whoami_entry,
	&cmd_ping_entry,
	&cmd_add_entry,
	&cmd_show_entry,
	&cmd_ls_entry,
	&cmd_edit_entry,
	&cmd_history_entry,
	&cmd_client_entry,
	&cmd_contact_entry,
	&cmd_tag_entry,
	&cmd_tags_entry,
	&cmd_status_entry,
	&cmd_qualify_entry,
	&cmd_dead_entry,
	&cmd_reopen_entry,
	&cmd_standby_entry,
	&cmd_convert_entry, /* issue 15: opportunities and the forecast */
	&cmd_opp_entry,
	&cmd_note_entry, /* issue 13: activities and the agenda */
	&cmd_call_entry,
	&cmd_task_entry,
	&cmd_meeting_entry,
	&cmd_done_entry,
	&cmd_activity_entry,
	&cmd_agenda_entry,
	&cmd_today_entry,
	&cmd_claim_entry,
	&cmd_assign_entry,
	&cmd_archive_entry, /* archive, restore, renew: cmd_archive.c */
	&cmd_restore_entry,
	&cmd_renew_entry,
	&cmd_statuses_entry,
	&cmd_admin_entry,
	&cmd_user_entry,
	&cmd_team_entry,
	&cmd_kpi_entry,
	&cmd_forecast_entry,
	&cmd_watch_entry,
	&cmd_search_entry,
	&cmd_stats_entry,
	&cmd_help_entry,
	&cmd_completion_entry, /* issue 14 (compl): cmd_completion.c */
	NULL,
};
// clang-format on

static const char global_usage[] = "usage: lead [--server HOST:PORT] [--json] [--timeout MS] "
				   "COMMAND [ARGS...]\n";

static const char global_help[] =
	"\n"
	"Options (before the command):\n"
	"  --server HOST:PORT  the leadd to talk to\n"
	"  --json              print results (and errors, on stderr) as JSON\n"
	"  --timeout MS        how long to wait for the server (default 10000)\n"
	"  --help              this text\n"
	"  --version           print lead's version\n"
	"\n"
	"The server is --server, else $LEAD_SERVER, else `server = HOST:PORT` in\n"
	"$LEAD_CONFIG_DIR/config (default ~/.config/lead/config), else " LD_DEFAULT_SERVER ".\n"
	"Every command but help, ping and completion needs a session: run 'lead\n"
	"login' first; it is kept in $LEAD_CONFIG_DIR/session (default\n"
	"~/.config/lead/session).\n"
	"lead speaks TLS to a server whose address is not a loopback one ($LEAD_TLS,\n"
	"else `tls = auto|yes|no` in the config file); a server no authority vouches\n"
	"for is trusted once 'lead login' has checked its fingerprint (kept in\n"
	"$LEAD_CONFIG_DIR/known_servers).\n"
	"\n"
	"Exit status:\n"
	"  0  success\n"
	"  1  any other error\n"
	"  2  usage error (bad option, missing argument, invalid value)\n"
	"  3  not found\n"
	"  4  permission denied or not logged in\n"
	"  5  conflict (the record changed since it was read, already exists, or\n"
	"     is not in a state that allows the change)\n"
	"  6  server unavailable (connection refused, timeout)\n"
	"\n"
	"Run 'lead help COMMAND' for a command's options.\n";

/* One command as JSON: what `lead help NAME` says, field by field. */
static cJSON *cmd_json(const struct cmd_entry *e)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", e->name);
	cJSON_AddItemToObject(o, "alias", lead_json_string(e->alias));
	char *usage = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&usage, &len);
	if (m) {
		lead_print_cmd_usage(m, e);
		fclose(m);
	}
	/* One line, as a script wants it: "lead add TITLE [--client NAME] ...". */
	cJSON *u = cJSON_CreateNull();
	if (usage) {
		char *w = usage, *r = usage + strlen("usage: ");
		if (strncmp(usage, "usage: ", 7) != 0)
			r = usage;
		for (int space = 0; *r; r++) {
			if (*r == ' ' || *r == '\n') {
				space = 1;
				continue;
			}
			if (space && w > usage)
				*w++ = ' ';
			space = 0;
			*w++ = *r;
		}
		*w = '\0';
		cJSON_Delete(u);
		u = cJSON_CreateString(usage);
	}
	free(usage);
	cJSON_AddItemToObject(o, "usage", u);
	cJSON_AddStringToObject(o, "help", e->help);
	cJSON_AddItemToObject(o, "notes", lead_json_string(e->notes));
	char *filters = NULL;
	len = 0;
	if (e->filters && (m = open_memstream(&filters, &len))) {
		lead_filter_print_help(m, e->filters == LEAD_FILTERS_OWN_TEAM);
		fclose(m);
	}
	cJSON_AddItemToObject(o, "filters", lead_json_string(filters));
	free(filters);
	cJSON *subs = cJSON_AddArrayToObject(o, "subcommands");
	for (const struct cmd_entry *const *s = e->sub; s && *s; s++)
		cJSON_AddItemToArray(subs, cmd_json(*s));
	return o;
}

/* `lead --json help [COMMAND]`: the command table (or one entry) as JSON. */
static int print_help_json(const struct cmd_entry *e)
{
	if (e)
		return lead_json_out(cmd_json(e));
	cJSON *o = cJSON_CreateObject();
	char usage[sizeof(global_usage)];
	snprintf(usage, sizeof(usage), "%s", global_usage + strlen("usage: "));
	usage[strcspn(usage, "\n")] = '\0';
	cJSON_AddStringToObject(o, "usage", usage);
	cJSON *cmds = cJSON_AddArrayToObject(o, "commands");
	for (const struct cmd_entry *const *c = cmd_table; *c; c++)
		cJSON_AddItemToArray(cmds, cmd_json(*c));
	return lead_json_out(o);
}

static void print_global_help(FILE *f)
{
	fputs(global_usage, f);
	fputs("\nCommands:\n", f);
	for (const struct cmd_entry *const *e = cmd_table; *e; e++)
		fprintf(f, "  %-10s %s\n", (*e)->name, (*e)->help);
	fputs(global_help, f);
}

/* "; did you mean 'status'?" when word is a typo of the names in list (a
 * family's subcommands by their last word, prefixed with the family's
 * name), as git suggests a command: every name at the least edit distance,
 * if that is within ld_distance_max of the word's length (ld_distance.h);
 * at equal distance a name of the word's own length wins (a swap or a
 * wrong letter is likelier than one lost or one too many: "stauts" is
 * 'status', not 'stats').
 * Otherwise what to run instead: "; run 'lead help'". */
static void suggest(const char *word, const struct cmd_entry *const *list, const char *family,
		    char *out, size_t len)
{
	size_t wlen = strlen(word), max = ld_distance_max(wlen), best = SIZE_MAX;
	const char *hits[3];
	size_t n = 0, total = 0;
	for (int pass = 0; pass < 2; pass++)
		for (const struct cmd_entry *const *e = list; e && *e; e++) {
			const char *names[2] = {(*e)->name, (*e)->alias};
			for (int k = 0; k < 2; k++) {
				const char *name = names[k];
				if (!name)
					continue;
				const char *last = strrchr(name, ' ');
				name = last ? last + 1 : name;
				size_t d = ld_distance(word, name), nlen = strlen(name);
				if (d > max)
					continue;
				d = d * 1024 + (nlen > wlen ? nlen - wlen : wlen - nlen);
				if (pass == 0 && d < best)
					best = d;
				else if (pass == 1 && d == best) {
					if (n < 3)
						hits[n++] = name;
					total++;
				}
			}
		}
	if (!n) {
		if (family)
			snprintf(out, len, "; run 'lead help %s'", family);
		else
			snprintf(out, len, "; run 'lead help'");
		return;
	}
	size_t used = (size_t)snprintf(out, len, "; did you mean ");
	for (size_t i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(out + used, len - used, "%s'%s%s%s'",
					 i == 0                     ? ""
					 : i + 1 == n && total == n ? " or "
								    : ", ",
					 family ? family : "", family ? " " : "", hits[i]);
	if (used < len)
		snprintf(out + used, len - used, "%s?", total > n ? ", ..." : "");
}

const struct cmd_entry *lead_cmd_find(const char *name)
{
	for (const struct cmd_entry *const *e = cmd_table; *e; e++) {
		if (strcmp((*e)->name, name) == 0)
			return *e;
		if ((*e)->alias && strcmp((*e)->alias, name) == 0)
			return *e;
	}
	return NULL;
}

const struct cmd_entry *lead_sub_find(const struct cmd_entry *family, const char *word)
{
	for (const struct cmd_entry *const *e = family->sub; e && *e; e++) {
		const char *last = strrchr((*e)->name, ' ');
		last = last ? last + 1 : (*e)->name;
		if (strcmp(last, word) == 0)
			return *e;
		if ((*e)->alias && strcmp((*e)->alias, word) == 0)
			return *e;
	}
	return NULL;
}

int lead_family_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv)
{
	if (argc < 2)
		return lead_usage_error(self, ctx, "'%s' needs a subcommand; run 'lead help %s'",
					self->name, self->name);
	const char *word = argv[1];
	if (strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0 || strcmp(word, "help") == 0) {
		lead_print_cmd_help(stdout, self);
		return 0;
	}
	if (strcmp(word, "--json") == 0) {
		/* `lead user --json ls`: the common option before the subcommand. */
		ctx->json = 1;
		argv[1] = argv[0];
		return lead_family_exec(self, ctx, argc - 1, argv + 1);
	}
	const struct cmd_entry *e = lead_sub_find(self, word);
	if (!e) {
		char hint[256];
		suggest(word, self->sub, self->name, hint, sizeof(hint));
		return lead_usage_error(self, ctx, "unknown command '%s %s'%s", self->name, word,
					hint);
	}
	return e->exec(e, ctx, argc - 1, argv + 1);
}

static int cmd_help_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv)
{
	/* `lead help CMD --help` asks for CMD's help, as `lead help CMD` does,
	 * not for help's own: drop the --help when a command is named. */
	int named = 0;
	for (int i = 1; i < argc; i++)
		if (argv[i][0] != '-')
			named = 1;
	for (int i = 1; named && i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			/* Shift the rest down, the terminating NULL too. */
			memmove(&argv[i], &argv[i + 1], (size_t)(argc - i) * sizeof(*argv));
			argc--;
			i--;
		}
	int rc = lead_plain_options(self, ctx, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (optind == argc) {
		if (ctx->json)
			return print_help_json(NULL);
		print_global_help(stdout);
		return 0;
	}
	const struct cmd_entry *e = lead_cmd_find(argv[optind]);
	char hint[256];
	if (!e) {
		suggest(argv[optind], cmd_table, NULL, hint, sizeof(hint));
		return lead_usage_error(NULL, ctx, "unknown command '%s'%s", argv[optind], hint);
	}
	/* Down the families, a word each: `lead help admin status add`. */
	for (int w = optind + 1; w < argc; w++) {
		/* Point at the help that lists what the command does take. */
		if (!e->sub)
			return lead_usage_error(e, ctx,
						"'%s' has no subcommands; run 'lead help %s'",
						e->name, e->name);
		const struct cmd_entry *sub = lead_sub_find(e, argv[w]);
		if (!sub) {
			suggest(argv[w], e->sub, e->name, hint, sizeof(hint));
			return lead_usage_error(e, ctx, "unknown command '%s %s'%s", e->name,
						argv[w], hint);
		}
		e = sub;
	}
	if (ctx->json)
		return print_help_json(e);
	lead_print_cmd_help(stdout, e);
	return 0;
}

void lead_getopt_reset(void)
{
	/* 0, not 1: glibc then also forgets its state inside a bundle of short options. */
	optind = 0;
	opterr = 0;
}

/* The option lead_getopt last found without its value, and what it took. */
static char swallowed_opt[64];
static const char *swallowed_val;

int lead_getopt(int argc, char **argv, const char *optstring, const struct option *opts,
		int *longindex)
{
	int li = -1;
	int c = getopt_long(argc, argv, optstring, opts, &li);
	if (longindex)
		*longindex = li;
	if (c == -1 || !optarg || strncmp(optarg, "--", 2) != 0 || !optarg[2])
		return c;
	/* getopt gives an option that needs a value the next word, even when
	 * that word is another of the command's options ("--reason --other"
	 * would record the reason "--other"): refuse it instead. A word that
	 * names none of them ("--- draft ---") stays a value. */
	const char *name = optarg + 2;
	size_t n = strcspn(name, "=");
	for (const struct option *o = opts; o->name; o++) {
		if (strncmp(o->name, name, n) != 0)
			continue;
		if (li >= 0)
			snprintf(swallowed_opt, sizeof(swallowed_opt), "--%s", opts[li].name);
		else
			snprintf(swallowed_opt, sizeof(swallowed_opt), "-%c", c);
		swallowed_val = optarg;
		return LEAD_OPT_NO_VALUE;
	}
	return c;
}

/* The argument that starts with '-' and that getopt read as the unknown
 * short option c, when it reads as text rather than options: it holds a
 * space or a digit follows the dash ("-5% off agreed", "-call back"), as a
 * note, a title or an outcome may. NULL for anything else. */
static const char *dash_text(char **argv, int c)
{
	for (int i = 1; argv[i]; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0)
			break;
		if (a[0] == '-' && a[1] == c && (strchr(a, ' ') || (c >= '0' && c <= '9')))
			return a;
	}
	return NULL;
}

/* The name the command's usage gives the value of option opt ("AMOUNT" in
 * "[--value AMOUNT]"), so an error names it as the help does; "VALUE" when
 * the usage shows none. */
static void usage_value_name(const struct cmd_entry *e, const char *opt, char *out, size_t len)
{
	snprintf(out, len, "VALUE");
	size_t n = strlen(opt);
	for (const char *u = e->usage ? strstr(e->usage, opt) : NULL; u; u = strstr(u + 1, opt)) {
		const char *w = u + n;
		/* The whole option ("--value", not "--value-min"), then its value. */
		if (*w != ' ' || (u > e->usage && u[-1] != '[' && u[-1] != ' ' && u[-1] != '|'))
			continue;
		w++;
		size_t k = 0;
		while (k + 1 < len && ((w[k] >= 'A' && w[k] <= 'Z') || w[k] == '_' ||
				       (k && w[k] >= '0' && w[k] <= '9')))
			k++;
		if (k) {
			memcpy(out, w, k);
			out[k] = '\0';
		}
		return;
	}
}

int lead_cmd_option(const struct cmd_entry *e, struct lead_ctx *ctx, char **argv, int c)
{
	switch (c) {
	case 'h':
		lead_print_cmd_help(stdout, e);
		return 0;
	case 'j':
		ctx->json = 1;
		return -1;
	case ':':
		return lead_usage_error(e, ctx, "option '%s' needs a value", argv[optind - 1]);
	case LEAD_OPT_NO_VALUE: {
		char name[32], example[sizeof(swallowed_opt) + 16] = "";
		usage_value_name(e, swallowed_opt, name, sizeof(name));
		if (strcmp(name, "AMOUNT") == 0)
			snprintf(example, sizeof(example), ", e.g. %s 5000", swallowed_opt);
		return lead_usage_error(e, ctx,
					"%s needs a value before the next option ('%s'); give it "
					"as %s %s%s",
					swallowed_opt, swallowed_val, swallowed_opt, name, example);
	}
	default:
		if (optopt && dash_text(argv, optopt)) {
			/* A note that starts with '-' is not a typo to point at:
			 * say how to give it. */
			char *q = lead_shell_quote(dash_text(argv, optopt));
			int rc = lead_usage_error(
				e, ctx,
				"'%s' was read as options; a text that starts "
				"with '-' goes after --, as in: lead %s ... -- %s",
				dash_text(argv, optopt), e->name, q);
			free(q);
			return rc;
		}
		if (optopt)
			return lead_usage_error(e, ctx, "unknown option '-%c'", optopt);
		return lead_usage_error(e, ctx, "unknown option '%s'", argv[optind - 1]);
	}
}

int lead_cmd_check_args(const struct cmd_entry *e, struct lead_ctx *ctx, int nargs)
{
	if (nargs < e->min_args)
		return lead_usage_error(e, ctx, "'%s' needs more arguments", e->name);
	if (e->max_args == 0 && nargs > 0)
		return lead_usage_error(e, ctx, "'%s' takes no arguments, only options (--...)",
					e->name);
	if (e->max_args >= 0 && nargs > e->max_args)
		return lead_usage_error(e, ctx, "'%s' takes at most %d argument%s", e->name,
					e->max_args, e->max_args == 1 ? "" : "s");
	return 0;
}

int lead_parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	if (!s || *s < '0' || *s > '9')
		return -1;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

int lead_amount_arg(const struct cmd_entry *e, struct lead_ctx *ctx, const char *opt,
		    const char *arg)
{
	/* getopt hands an option its next word even when that is another
	 * option (--value-min --limit 1): say so, rather than complain about
	 * the word left over. No amount starts with "--". */
	if (strncmp(arg, "--", 2) == 0)
		return lead_usage_error(e, ctx, "%s needs an amount, e.g. %s 5000", opt, opt);
	return 0;
}

int lead_money_arg(const struct cmd_entry *e, struct lead_ctx *ctx, const char *opt, const char *s,
		   const char *code, unsigned minor, long long example_minor, int64_t *out)
{
	long long v;
	int parsed = ld_amount_parse(s, minor, &v);
	if (parsed == -2) {
		/* The largest text ld_amount_parse takes: whole units below
		 * INT64_MAX / scale, with every decimal. */
		long long scale = 1;
		for (unsigned i = 0; i < minor; i++)
			scale *= 10;
		char most[64];
		lead_format_money(INT64_MAX / scale * scale - 1, code, most, sizeof(most));
		return lead_usage_error(e, ctx, "%s %s is too large: it may be at most %s", opt, s,
					most);
	}
	if (parsed < 0) {
		char example[32];
		ld_amount_format(example_minor, minor, example, sizeof(example));
		return lead_usage_error(e, ctx,
					"%s wants an amount of 0 or more like %s (%s has %u "
					"decimal%s), not '%s'",
					opt, example, code, minor, minor == 1 ? "" : "s", s);
	}
	*out = v;
	return 0;
}

int lead_text_arg(const struct cmd_entry *e, struct lead_ctx *ctx, const char *opt, const char *arg,
		  const char *example)
{
	/* As lead_amount_arg: no name, title or reason starts with "--". */
	if (strncmp(arg, "--", 2) == 0)
		return lead_usage_error(e, ctx,
					"%s needs a value before the next option, as in %s '%s' "
					"(not '%s')",
					opt, opt, example, arg);
	return 0;
}

int lead_parse_id(const char *s, uint64_t *out)
{
	unsigned long long v;
	if (lead_parse_uint(s, UINT64_MAX, &v) < 0 || v == 0)
		return -1;
	*out = v;
	return 0;
}

int lead_parse_currency(const char *s, char out[4])
{
	if (strlen(s) != 3)
		return -1;
	for (int i = 0; i < 3; i++) {
		char ch = s[i];
		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		if (ch < 'A' || ch > 'Z')
			return -1;
		out[i] = ch;
	}
	out[3] = '\0';
	return 0;
}

int lead_parse_role(const char *s)
{
	static const char *const names[] = {"rep", "manager", "admin"};
	for (int i = 0; i < 3; i++)
		if (strcasecmp(s, names[i]) == 0)
			return LEADD__ROLE__ROLE_REP + i;
	return -1;
}

int lead_parse_onoff(const char *s)
{
	static const char *const on[] = {"on", "yes", "true", "1"};
	static const char *const off[] = {"off", "no", "false", "0"};
	for (int i = 0; i < 4; i++) {
		if (strcasecmp(s, on[i]) == 0)
			return 1;
		if (strcasecmp(s, off[i]) == 0)
			return 0;
	}
	return -1;
}

int lead_connect(struct lead_ctx *ctx)
{
	if (ctx->conn)
		return 0;
	struct lead_session sess;
	int rc = 0, have = 0;
	if (!ctx->no_session) {
		have = lead_session_load(ctx, &sess, &rc);
		if (have < 0)
			return rc;
		if (!ctx->server)
			ctx->server = lead_config_server(ctx->server_opt, have ? &sess : NULL);
		if (have && (rc = lead_session_check_server(ctx, &sess, ctx->server)))
			return rc;
	}
	if ((rc = lead_open(ctx)))
		return rc;
	if (ctx->no_session)
		return 0;
	lead_warn_plaintext(ctx);
	if (!have || !sess.has_token)
		return lead_fail(ctx, LD_UNAUTHENTICATED, "not logged in: run 'lead login'");
	char err[256];
	rc = ld_login_token(ctx->conn, sess.token, sizeof(sess.token), err, sizeof(err));
	if (rc < 0)
		return lead_fail(ctx, LD_UNAVAILABLE, "leadd at %s: %s", ctx->server, err);
	if (rc > 0)
		return lead_fail(ctx, rc, "%s", err);
	return 0;
}

int lead_open(struct lead_ctx *ctx)
{
	if (ctx->conn)
		return 0;
	if (!ctx->server)
		ctx->server = lead_config_server(ctx->server_opt, NULL);
	char err[1024], host[256], port[16];
	if (ld_parse_hostport(ctx->server, host, sizeof(host), port, sizeof(port), err,
			      sizeof(err)) < 0)
		return lead_usage_error(NULL, ctx, "the server address is not HOST:PORT: %s", err);
	/* Over TLS unless the server is on this machine (lead_trust.c). */
	int rc = lead_conn_open(ctx, "lead", ctx->timeout_ms, &ctx->conn, err, sizeof(err));
	if (rc != 0) {
		ctx->conn = NULL;
		/* Reached, but the server refused Hello: say what it said. */
		if (rc > 0)
			return lead_fail(ctx, rc, "%s", err);
		return lead_fail_unreachable(ctx, err);
	}
	return 0;
}

int lead_call(struct lead_ctx *ctx, Leadd__Request *req, Leadd__Response **resp)
{
	int rc = lead_connect(ctx);
	if (rc)
		return rc;
	if (ld_call(ctx->conn, req, resp, ctx->timeout_ms) < 0)
		return lead_fail(ctx, LD_UNAVAILABLE, "leadd at %s: %s", ctx->server,
				 ld_conn_error(ctx->conn));
	return 0;
}

int lead_request(struct lead_ctx *ctx, Leadd__Request *req, Leadd__Response__BodyCase want,
		 Leadd__Response **resp)
{
	Leadd__Response *r = NULL;
	int rc = lead_call(ctx, req, &r);
	if (rc)
		return rc;
	if (ld_response_code(r) != LD_OK) {
		rc = lead_fail_response(ctx, r);
		leadd__response__free_unpacked(r, NULL);
		return rc;
	}
	if (r->body_case != want) {
		leadd__response__free_unpacked(r, NULL);
		return lead_fail(ctx, LD_UNKNOWN, "leadd at %s sent an unexpected reply",
				 ctx->server);
	}
	*resp = r;
	return 0;
}

int lead_statuses(struct lead_ctx *ctx, const Leadd__StatusListReply **out)
{
	if (!ctx->statuses) {
		Leadd__Request req = LEADD__REQUEST__INIT;
		Leadd__StatusListRequest sl = LEADD__STATUS_LIST_REQUEST__INIT;
		req.body_case = LEADD__REQUEST__BODY_STATUS_LIST;
		req.status_list = &sl;
		int rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_STATUS_LIST, &ctx->statuses);
		if (rc)
			return rc;
	}
	*out = ctx->statuses->status_list;
	return 0;
}

const Leadd__Status *lead_status_by_id(const Leadd__StatusListReply *sl, uint64_t id)
{
	for (size_t i = 0; sl && i < sl->n_statuses; i++)
		if (sl->statuses[i]->id == id)
			return sl->statuses[i];
	return NULL;
}

int lead_get(struct lead_ctx *ctx, uint64_t id, Leadd__Response **resp)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__LeadGetRequest get = LEADD__LEAD_GET_REQUEST__INIT;
	get.has_id = 1;
	get.id = id;
	req.body_case = LEADD__REQUEST__BODY_LEAD_GET;
	req.lead_get = &get;
	int rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_LEAD, resp);
	if (rc == 0 && !(*resp)->lead->lead) {
		leadd__response__free_unpacked(*resp, NULL);
		return lead_fail(ctx, LD_UNKNOWN, "leadd at %s sent a reply without a lead",
				 ctx->server);
	}
	return rc;
}

int lead_whoami(struct lead_ctx *ctx, const Leadd__WhoamiReply **out)
{
	if (!ctx->whoami) {
		Leadd__Request req = LEADD__REQUEST__INIT;
		Leadd__WhoamiRequest w = LEADD__WHOAMI_REQUEST__INIT;
		req.body_case = LEADD__REQUEST__BODY_WHOAMI;
		req.whoami = &w;
		int rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_WHOAMI, &ctx->whoami);
		if (rc)
			return rc;
	}
	*out = ctx->whoami->whoami;
	return 0;
}

int lead_names(struct lead_ctx *ctx, int teams, const struct lead_names **out)
{
	static struct lead_names names;
	int rc;
	if (!ctx->names_done) {
		/* Managers and admins may list users; a rep is refused, and then
		 * knows only their own name. */
		Leadd__Request req = LEADD__REQUEST__INIT;
		Leadd__UserListRequest ul = LEADD__USER_LIST_REQUEST__INIT;
		req.body_case = LEADD__REQUEST__BODY_USER_LIST;
		req.user_list = &ul;
		Leadd__Response *r = NULL;
		if ((rc = lead_call(ctx, &req, &r)))
			return rc;
		int code = ld_response_code(r);
		if (code == LD_OK && r->body_case == LEADD__RESPONSE__BODY_USER_LIST) {
			ctx->users = r;
		} else {
			rc = code == LD_PERMISSION_DENIED ? 0 : lead_fail_response(ctx, r);
			leadd__response__free_unpacked(r, NULL);
			if (rc)
				return rc;
		}
		/* A manager's list may leave out the manager: know the caller too. */
		const Leadd__WhoamiReply *w;
		if ((rc = lead_whoami(ctx, &w)))
			return rc;
		ctx->names_done = 1;
	}
	if (teams && !ctx->teams_done) {
		Leadd__Request req = LEADD__REQUEST__INIT;
		Leadd__TeamListRequest tl = LEADD__TEAM_LIST_REQUEST__INIT;
		req.body_case = LEADD__REQUEST__BODY_TEAM_LIST;
		req.team_list = &tl;
		Leadd__Response *r = NULL;
		if ((rc = lead_call(ctx, &req, &r)))
			return rc;
		if (ld_response_code(r) == LD_OK && r->body_case == LEADD__RESPONSE__BODY_TEAM_LIST)
			ctx->teams = r;
		else
			leadd__response__free_unpacked(r, NULL);
		ctx->teams_done = 1;
	}
	names.users = ctx->users ? ctx->users->user_list : NULL;
	names.self = ctx->whoami ? ctx->whoami->whoami->user : NULL;
	names.teams = ctx->teams ? ctx->teams->team_list : NULL;
	*out = &names;
	return 0;
}

/* The global options: lead_run's getopt table, which the bash completion
 * reads too. */
static const struct option global_opts[] = {
	{"server", required_argument, NULL, 's'},  {"json", no_argument, NULL, 'j'},
	{"timeout", required_argument, NULL, 't'}, {"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},       {NULL, 0, NULL, 0},
};

const struct option *lead_global_options(void)
{
	return global_opts;
}

const struct cmd_entry *const *lead_cmd_table(void)
{
	return cmd_table;
}

int lead_run(int argc, char **argv, struct lead_ctx *ctx)
{
	const struct option *opts = global_opts;
	unsigned long long ms;
	int c;
	lead_getopt_reset();
	/* '+': stop at the command name; what follows is the command's. */
	while ((c = getopt_long(argc, argv, "+:hV", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			ctx->server_opt = optarg;
			break;
		case 'j':
			ctx->json = 1;
			break;
		case 't':
			if (lead_parse_uint(optarg, INT_MAX, &ms) < 0 || ms == 0)
				return lead_usage_error(NULL, ctx,
							"--timeout wants milliseconds, not '%s'",
							optarg);
			ctx->timeout_ms = (int)ms;
			break;
		case 'h':
			if (ctx->json)
				return print_help_json(NULL);
			print_global_help(stdout);
			return 0;
		case 'V':
			lead_out("lead %s\n", LEADD_VERSION);
			return 0;
		default:
			return lead_cmd_option(NULL, ctx, argv, c);
		}
	}
	if (optind >= argc)
		return lead_usage_error(NULL, ctx, "no command given; run 'lead help'");
	const struct cmd_entry *e = lead_cmd_find(argv[optind]);
	if (!e) {
		char hint[256];
		suggest(argv[optind], cmd_table, NULL, hint, sizeof(hint));
		return lead_usage_error(NULL, ctx, "unknown command '%s'%s", argv[optind], hint);
	}
	return e->exec(e, ctx, argc - optind, argv + optind);
}
