/* lead show and lead history: reading one lead and what happened to it. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_activity.h"
#include "lead_opp.h"
#include "lead_show.h"

/* What lead show prints of the history without --history. */
#define SHOW_HISTORY 10

enum { O_HISTORY = 1000, O_NEWEST_FIRST, O_LIMIT };

/* The author of the lead's first entry (its creator), for a caller who may
 * not list users: one more request, only when needed. NULL when unknown. */
static char *creator_name(struct lead_ctx *ctx, uint64_t id, const struct lead_history *h)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->items[i]->kind && strcmp(h->items[i]->kind, "create") == 0)
			return h->items[i]->author ? strdup(h->items[i]->author) : NULL;
	struct lead_history first;
	if (lead_history_fetch(ctx, id, 0, 1, &first))
		return NULL;
	char *name = first.n && first.items[0]->author ? strdup(first.items[0]->author) : NULL;
	lead_history_free(&first);
	return name;
}

static int cmd_show_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"history", no_argument, NULL, O_HISTORY},
		LEAD_CMD_OPTIONS,
	};
	int c, rc, all = 0;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		if (c == O_HISTORY)
			all = 1;
		else if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
			return rc;
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)))
		return rc;
	uint64_t id;
	if ((rc = lead_parse_lead_id(self, ctx, argv[optind], &id)))
		return rc;
	Leadd__Response *resp;
	if ((rc = lead_get(ctx, id, &resp)))
		return rc;
	const Leadd__Lead *l = resp->lead->lead;
	const Leadd__StatusListReply *sl;
	const struct lead_names *names;
	struct lead_history h;
	memset(&h, 0, sizeof(h));
	struct lead_activities acts = {0}; /* issue 13: its activities, open first */
	if (!(rc = lead_statuses(ctx, &sl)) && !(rc = lead_names(ctx, 1, &names)) &&
	    !(rc = lead_activity_fetch(ctx, id, &acts)))
		rc = lead_history_fetch(ctx, id, 1, all ? 0 : SHOW_HISTORY, &h);
	/* A rep may not list users: the history names who created and last
	 * changed the lead, for the text and the JSON alike. */
	char *created = NULL;
	const char *updated = NULL;
	if (!rc && l->created_by && !lead_user_name(names, l->created_by))
		created = creator_name(ctx, id, &h);
	if (!rc && h.n && h.items[0]->revision == l->version)
		updated = h.items[0]->author;
	if (rc) {
		/* fall through to free */
	} else if (ctx->json) {
		cJSON *o = lead_json_lead(l, sl, names);
		if (created && cJSON_IsNull(cJSON_GetObjectItem(o, "created_by")))
			cJSON_ReplaceItemInObject(o, "created_by", cJSON_CreateString(created));
		if (updated && cJSON_IsNull(cJSON_GetObjectItem(o, "updated_by")))
			cJSON_ReplaceItemInObject(o, "updated_by", cJSON_CreateString(updated));
		/* Always there: a server without activities has none. */
		cJSON *arr = cJSON_AddArrayToObject(o, "activities");
		for (size_t i = 0; i < acts.n; i++)
			cJSON_AddItemToArray(arr, lead_activity_json(acts.v[i]));
		/* Issue 15: its opportunities, newest first (none: []). */
		arr = cJSON_AddArrayToObject(o, "opportunities");
		for (size_t i = 0; i < resp->lead->n_opps; i++)
			cJSON_AddItemToArray(arr, lead_opp_json(resp->lead->opps[i]));
		cJSON_AddItemToObject(o, "history", lead_history_json(&h));
		rc = lead_json_out(o);
	} else {
		lead_print_lead_by(l, sl, names, created, updated);
		if (acts.supported)
			lead_activity_show_block(&acts, id);
		if (resp->lead->n_opps) {
			lead_out("\nopportunities, newest first:\n");
			lead_opp_table(resp->lead->opps, resp->lead->n_opps, 0);
		}
		lead_out("\nhistory, newest first%s:\n", h.more ? " (the last 10)" : "");
		lead_history_print(&h);
		if (h.more)
			lead_out("older changes: lead history %llu (or lead show %llu --history)\n",
				 (unsigned long long)id, (unsigned long long)id);
	}
	free(created);
	lead_activities_free(&acts);
	lead_history_free(&h);
	leadd__response__free_unpacked(resp, NULL);
	return rc;
}

const struct cmd_entry cmd_show_entry = {
	.name = "show",
	.alias = "get",
	.usage = "ID [--history]",
	.help = "show one lead: every field, its contacts and its last changes",
	.notes = "Prints every field of the lead with user names and times in your time zone\n"
		 "(TZ), the status's stage and probability, the next action with its note, and\n"
		 "its contacts in order: the main one first, those no longer at the company\n"
		 "marked \"(left)\", each note below. Then its activities: every open one,\n"
		 "soonest first, then the last 5 others (all: `lead activity ls ID`). Then its\n"
		 "opportunities, newest first, when it has some: id, state, close day, amount,\n"
		 "probability, weighted amount and title. Then its last 10 changes, newest\n"
		 "first, as `lead history` prints them; --history prints every change. With\n"
		 "--json: the lead as `lead --json ls` prints it, with \"activities\" (every one,\n"
		 "as `lead --json activity ls` prints them), \"opportunities\" (every one, as\n"
		 "`lead --json opp ls` prints them, without their items: `lead opp show` has\n"
		 "them) and \"history\" holding those changes as `lead --json history` prints\n"
		 "them.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_show_exec,
};

static int cmd_history_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			    char **argv)
{
	static const struct option opts[] = {
		{"newest-first", no_argument, NULL, O_NEWEST_FIRST},
		{"limit", required_argument, NULL, O_LIMIT},
		LEAD_CMD_OPTIONS,
	};
	int c, rc, newest = 0;
	unsigned long long limit = 0;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		if (c == O_NEWEST_FIRST) {
			newest = 1;
		} else if (c == O_LIMIT) {
			if (lead_parse_uint(optarg, 1000000000ULL, &limit) < 0 || limit == 0)
				return lead_usage_error(self, ctx,
							"--limit wants a number of changes (1 or "
							"more), not '%s'",
							optarg);
		} else if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0) {
			return rc;
		}
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)))
		return rc;
	uint64_t id;
	if ((rc = lead_parse_lead_id(self, ctx, argv[optind], &id)))
		return rc;
	struct lead_history h;
	if ((rc = lead_history_fetch(ctx, id, newest, (size_t)limit, &h)))
		return rc;
	if (ctx->json)
		rc = lead_json_out(lead_history_json(&h));
	else
		lead_history_print(&h);
	lead_history_free(&h);
	return rc;
}

const struct cmd_entry cmd_history_entry = {
	.name = "history",
	.usage = "ID [--newest-first] [--limit N]",
	.help = "every change to a lead: what, old -> new, who, when",
	.notes =
		"One line per change: when (in your time zone, TZ), who, the field, and old ->\n"
		"new (\"none\" for no value). A lead's creation is a line \"created\" and the\n"
		"fields it was created with; assignments and status moves are changes like\n"
		"others; contact changes are sentences (\"added Ana Lopez <ana@x.com>\", \"Ana\n"
		"Lopez: left\"). An opportunity's change is a line \"opportunity\" (\"added\n"
		"opportunity 7 'Roof', 12000.00 EUR, closing 2027-01-31\", \"now: ...\", \"won:\n"
		"...\", \"lost: ...: REASON\"); the lead's move with it is a status line beside\n"
		"it. Oldest first; --newest-first turns it round. --limit N prints the first N\n"
		"entries (a change of several fields is one entry), else every one: history is\n"
		"kept forever. With --json: an array of {revision, at, author, kind, activity,\n"
		"activity_op, opportunity, opp_op, changes: [{field, old, new}]}, times as RFC\n"
		"3339 UTC strings, a value as money ({\"amount\", \"minor\", \"currency\"}), null\n"
		"for no value (docs/cli.md).",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_history_exec,
};
