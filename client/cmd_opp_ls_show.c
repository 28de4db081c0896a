/* `lead opp ls` and `lead opp show`: the opportunities one may see, and
 * one of them in full. */
#include <getopt.h>
#include <stdlib.h>

#include "cmd_opp.h"
#include "lead.h"
#include "lead_opp.h"

/* ---- lead opp ls ---- */

static int cmd_opp_ls_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			   char **argv)
{
	static const struct option opts[] = {
		{"owner", required_argument, NULL, O_OWNER},
		{"team", required_argument, NULL, O_TEAM},
		{"open", no_argument, NULL, O_OPEN},
		{"won", no_argument, NULL, O_WON},
		{"lost", no_argument, NULL, O_LOST},
		{"closing-before", required_argument, NULL, O_CLOSING_BEFORE},
		{"limit", required_argument, NULL, O_LIMIT},
		LEAD_CMD_OPTIONS};
	Leadd__OppListRequest lr = LEADD__OPP_LIST_REQUEST__INIT;
	char before[16] = "";
	unsigned long long limit = 0;
	int c, rc, states = 0;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		switch (c) {
		case O_OWNER:
			lr.owner = optarg;
			break;
		case O_TEAM:
			lr.team = optarg;
			break;
		case O_OPEN:
		case O_WON:
		case O_LOST:
			states++;
			lr.has_state = 1;
			lr.state = c == O_OPEN  ? LEADD__OPP_STATE__OPP_OPEN
				   : c == O_WON ? LEADD__OPP_STATE__OPP_WON
						: LEADD__OPP_STATE__OPP_LOST;
			break;
		case O_CLOSING_BEFORE:
			if ((rc = opp_day_arg(self, ctx, "--closing-before", optarg, 0, before)))
				return rc;
			break;
		case O_LIMIT:
			if (lead_parse_uint(optarg, 1000000000ULL, &limit) < 0 || limit == 0)
				return lead_usage_error(self, ctx,
							"--limit wants a number of opportunities "
							"(1 or more), not '%s'",
							optarg);
			break;
		default:
			if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
				return rc;
		}
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)))
		return rc;
	if (states > 1)
		return lead_usage_error(self, ctx,
					"--open, --won and --lost each pick one state; give one of "
					"them, or none for every state");
	lr.closing_before = before[0] ? before : NULL;
	/* Every page, up to --limit. */
	Leadd__Response **pages = NULL;
	Leadd__Opportunity **v = NULL;
	size_t n_pages = 0, n = 0;
	ProtobufCBinaryData cursor = {0};
	for (;;) {
		lr.has_cursor = cursor.len > 0;
		lr.cursor = cursor;
		lr.has_limit = 1;
		lr.limit = limit && limit - n < 1000 ? (uint32_t)(limit - n) : 1000;
		Leadd__Request req = LEADD__REQUEST__INIT;
		req.body_case = LEADD__REQUEST__BODY_OPP_LIST;
		req.opp_list = &lr;
		Leadd__Response *r;
		if ((rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_OPP_LIST, &r)))
			break;
		Leadd__OppListReply *page = r->opp_list;
		Leadd__Response **np = realloc(pages, (n_pages + 1) * sizeof(*np));
		Leadd__Opportunity **nv = realloc(v, (n + page->n_opps + 1) * sizeof(*nv));
		if (!np || !nv)
			opp_out_of_memory();
		pages = np;
		v = nv;
		pages[n_pages++] = r;
		for (size_t i = 0; i < page->n_opps && (!limit || n < limit); i++)
			v[n++] = page->opps[i];
		if (!page->has_cursor || !page->cursor.len || !page->n_opps ||
		    (limit && n >= limit))
			break;
		cursor = page->cursor;
	}
	if (!rc) {
		if (ctx->json) {
			cJSON *arr = cJSON_CreateArray();
			for (size_t i = 0; i < n; i++)
				cJSON_AddItemToArray(arr, lead_opp_json(v[i]));
			rc = lead_json_out(arr);
		} else if (n) {
			lead_opp_table(v, n, 1);
		} else {
			lead_out("no opportunities\n");
		}
	}
	for (size_t i = 0; i < n_pages; i++)
		leadd__response__free_unpacked(pages[i], NULL);
	free(pages);
	free(v);
	return rc;
}

const struct cmd_entry cmd_opp_ls_entry = {
	.name = "opp ls",
	.usage = "[--owner USER] [--team TEAM] [--open|--won|--lost] [--closing-before DATE] "
		 "[--limit N]",
	.help = "list the opportunities of the leads you may see",
	.notes = "By close day (the expected one; won and lost ones the day they closed),\n"
		 "soonest first (those without one last), then id: a rep's own leads' (and\n"
		 "their team's pool's, when shown to reps), a manager's teams', every one for an\n"
		 "admin. --owner and --team narrow it to one user's or one team's leads; --open,\n"
		 "--won or --lost to one state; --closing-before DATE to those whose close day is\n"
		 "before that day (not on it; won and lost ones too, unless --open). --limit N\n"
		 "prints the first N. PROB is the probability that weighs an open one: the\n"
		 "lead's status's, or its own (\"own\"); WEIGHTED is amount x PROB. With --json:\n"
		 "an array of OPP objects (docs/cli.md).",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_opp_ls_exec,
};

/* ---- lead opp show ---- */

static void print_opp(struct lead_ctx *ctx, const Leadd__Opportunity *o)
{
	const struct lead_names *names = NULL;
	if (lead_names(ctx, 0, &names))
		names = NULL;
	struct lead_kv *kv = lead_kv_new();
	const char *code = lead_opp_currency(o);
	char buf[256], who[160];
	lead_kv_add(kv, "id", "%llu", (unsigned long long)o->id);
	lead_kv_add(kv, "lead", "%llu%s%s%s", (unsigned long long)o->lead_id,
		    o->lead_title && *o->lead_title ? " '" : "",
		    o->lead_title && *o->lead_title ? o->lead_title : "",
		    o->lead_title && *o->lead_title ? "'" : "");
	lead_kv_add(kv, "client", "%s", o->client_name && *o->client_name ? o->client_name : "-");
	lead_kv_add(kv, "title", "%s", o->title && *o->title ? o->title : "-");
	lead_kv_add(kv, "state", "%s", lead_opp_state_name(o->state));
	lead_format_value(o->amount, buf, sizeof(buf));
	lead_kv_add(kv, "amount", "%s", buf);
	if (o->state == LEADD__OPP_STATE__OPP_OPEN) {
		if (o->has_probability)
			lead_kv_add(kv, "probability", "%u%% (its own)", o->probability);
		else if (o->has_effective_probability)
			lead_kv_add(kv, "probability", "%u%% (the lead's status's)",
				    o->effective_probability);
		if (o->has_weighted_minor && code) {
			lead_format_money(o->weighted_minor, code, buf, sizeof(buf));
			lead_kv_add(kv, "weighted", "%s", buf);
		}
		lead_kv_add(kv, "expected close", "%s",
			    o->close_date && *o->close_date ? o->close_date : "-");
	} else {
		lead_kv_add(kv, o->state == LEADD__OPP_STATE__OPP_WON ? "won" : "lost", "%s",
			    o->close_date && *o->close_date ? o->close_date : "-");
		if (o->lost_reason && *o->lost_reason)
			lead_kv_add(kv, "reason", "%s", o->lost_reason);
	}
	lead_kv_add(kv, "lead status", "%s", o->status && *o->status ? o->status : "-");
	lead_kv_add(kv, "owner", "%s",
		    o->owner && *o->owner ? o->owner
		    : o->owner_id         ? "?"
					  : "pool");
	lead_format_time(o->created_at, buf, sizeof(buf));
	lead_format_owner(names, o->created_by, "user ", who, sizeof(who));
	lead_kv_add(kv, "created", "%s by %s", buf, who);
	lead_format_time(o->updated_at, buf, sizeof(buf));
	lead_kv_add(kv, "updated", "%s", buf);
	if (o->closed_at) {
		lead_format_time(o->closed_at, buf, sizeof(buf));
		lead_format_owner(names, o->closed_by, "user ", who, sizeof(who));
		lead_kv_add(kv, "closed", "%s by %s", buf, who);
	}
	lead_kv_add(kv, "version", "%llu", (unsigned long long)o->version);
	lead_kv_print(kv);
	lead_out("\n");
	lead_opp_items_table(o);
}

static int cmd_opp_show_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			     char **argv)
{
	int rc = lead_plain_options(self, ctx, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	uint64_t id;
	if ((rc = opp_id_arg(self, ctx, argv[optind], &id)))
		return rc;
	Leadd__Response *resp;
	if ((rc = opp_get(ctx, id, &resp)))
		return rc;
	if (ctx->json)
		rc = lead_json_out(lead_opp_json(resp->opp->opp));
	else
		print_opp(ctx, resp->opp->opp);
	leadd__response__free_unpacked(resp, NULL);
	return rc;
}

const struct cmd_entry cmd_opp_show_entry = {
	.name = "opp show",
	.alias = "get",
	.usage = "OID",
	.help = "show one opportunity: its items, amount, probability and state",
	.notes = "OID is the opportunity's id, as `lead opp ls` or `lead show LEAD` prints it.\n"
		 "Prints its lead, title, state, amount, the probability that weighs it (its own,\n"
		 "or the lead's status's) and the weighted amount while it is open, the expected\n"
		 "close day (for a won or lost one, the day it closed, and why it was lost),\n"
		 "then its items. With --json: the OPP object (docs/cli.md).",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_opp_show_exec,
};
