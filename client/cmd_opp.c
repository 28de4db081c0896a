/* Opportunities (issue 15): the `lead opp` family, new, ls, show, edit, won
 * and lost, each one request. The CLI reads items, amounts (in the
 * opportunity's currency's decimals) and dates (local days); the server
 * holds every rule: the currency, the limits, the conversion of a lead
 * still at the lead stage, where won and lost move the lead.
 *
 * This file: the `opp` group and its table, and what the subcommands share
 * (cmd_opp.h). The subcommands: new and edit (cmd_opp_new_edit.c), ls and
 * show (cmd_opp_ls_show.c), won and lost (cmd_opp_won_lost.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_opp.h"
#include "ld_currency.h"
#include "ld_norm.h"
#include "lead.h"
#include "lead_activity.h"
#include "lead_date.h"
#include "lead_opp.h"

/* ---- what the subcommands share (cmd_opp.h) ---- */

void opp_out_of_memory(void)
{
	fputs("lead: out of memory\n", stderr);
	exit(LD_EXIT_ERROR);
}

void opp_items_free(struct opp_items *it)
{
	free(it->v);
	free(it->p);
	free(it->price);
	free(it->qty);
}

/* One item option (c is O_ITEM, O_QTY or O_PRICE); 0 or a usage error. */
int opp_item_option(const struct cmd_entry *self, struct lead_ctx *ctx, struct opp_items *it, int c,
		    const char *arg)
{
	if (c == O_ITEM) {
		int rc = lead_text_arg(self, ctx, "--item", arg, "Roof tiles");
		if (rc)
			return rc;
		if (ld_is_blank(arg))
			return lead_usage_error(self, ctx, "--item needs a name: what is sold");
		Leadd__OppItem *v = realloc(it->v, (it->n + 1) * sizeof(*v));
		const char **price = realloc(it->price, (it->n + 1) * sizeof(*price));
		const char **qty = realloc(it->qty, (it->n + 1) * sizeof(*qty));
		if (!v || !price || !qty)
			opp_out_of_memory(); /* exits */
		it->v = v;
		it->price = price;
		it->qty = qty;
		leadd__opp_item__init(&it->v[it->n]);
		it->v[it->n].name = (char *)arg;
		it->v[it->n].has_quantity = 1;
		it->v[it->n].quantity = 1;
		it->price[it->n] = it->qty[it->n] = NULL;
		it->n++;
		return 0;
	}
	const char *opt = c == O_QTY ? "--qty" : "--price";
	if (!it->n)
		return lead_usage_error(self, ctx,
					"%s goes after the --item it is for, as in --item NAME "
					"--qty 2 --price 450",
					opt);
	/* A second one for the same item is the next --item forgotten:
	 * taking it over the first would change that item silently. */
	const char *had = c == O_QTY ? it->qty[it->n - 1] : it->price[it->n - 1];
	if (had)
		return lead_usage_error(self, ctx,
					"--item '%s' has its %s already (%s); start the next item "
					"with --item NAME before its --qty and --price",
					it->v[it->n - 1].name, opt, had);
	if (c == O_PRICE) {
		int rc = lead_amount_arg(self, ctx, "--price", arg);
		if (rc)
			return rc;
		it->price[it->n - 1] = arg;
		return 0;
	}
	unsigned long long q;
	if (lead_parse_uint(arg, 1000000000ULL, &q) < 0 || q == 0)
		return lead_usage_error(self, ctx,
					"--qty wants a whole number from 1 to 1000000000, not '%s'",
					arg);
	it->v[it->n - 1].quantity = (int64_t)q;
	it->qty[it->n - 1] = arg;
	return 0;
}

/* Every item has its price, read in the currency code's decimals; the
 * array of pointers the request takes. 0 or a usage error. */
int opp_items_finish(const struct cmd_entry *self, struct lead_ctx *ctx, struct opp_items *it,
		     const char *code)
{
	const ld_currency *cur = ld_currency_find(code);
	unsigned minor = cur ? cur->minor : 0;
	it->p = calloc(it->n ? it->n : 1, sizeof(*it->p));
	if (!it->p)
		opp_out_of_memory();
	for (size_t i = 0; i < it->n; i++) {
		long long v;
		if (!it->price[i])
			return lead_usage_error(self, ctx,
						"--item '%s' has no --price: give its unit price, "
						"as in --item '%s' --qty 1 --price 450",
						it->v[i].name, it->v[i].name);
		int parsed = ld_amount_parse(it->price[i], minor, &v);
		if (parsed == -2) {
			char most[64];
			lead_format_money(LD_OPP_AMOUNT_MAX, code, most, sizeof(most));
			return lead_usage_error(
				self, ctx,
				"--price %s is too large: an opportunity may come to "
				"at most %s in all",
				it->price[i], most);
		}
		if (parsed < 0) {
			/* Not an amount: the one message every money option gives. */
			int64_t none;
			return lead_money_arg(self, ctx, "--price", it->price[i], code, minor,
					      45050, &none);
		}
		it->v[i].has_unit_price_minor = 1;
		it->v[i].unit_price_minor = v;
		it->p[i] = &it->v[i];
	}
	return 0;
}

/* An OID argument. */
int opp_id_arg(const struct cmd_entry *self, struct lead_ctx *ctx, const char *s, uint64_t *id)
{
	if (lead_parse_id(s, id) < 0)
		return lead_usage_error(self, ctx,
					"an opportunity id is a positive number, as `lead opp ls` "
					"prints it, not '%s'",
					s);
	return 0;
}

/* A day option (--close, --date, --closing-before) as the local day
 * YYYY-MM-DD it names; with none_ok, "none" gives "". 0 or a usage error. */
int opp_day_arg(const struct cmd_entry *self, struct lead_ctx *ctx, const char *opt,
		const char *arg, int none_ok, char day[16])
{
	char msg[1024];
	int64_t ms;
	if (lead_date_option(opt, arg, lead_now_ms(), none_ok ? LEAD_DATE_NONE : 0, &ms, msg,
			     sizeof(msg)) < 0)
		return lead_usage_error(self, ctx, "%s", msg);
	if (none_ok && ms == 0)
		day[0] = '\0';
	else
		lead_date_format_day(ms, day, 16);
	return 0;
}

/* --probability: 0..100, or with none_ok "none". *clear set for none. */
int opp_prob_arg(const struct cmd_entry *self, struct lead_ctx *ctx, const char *arg, int none_ok,
		 uint32_t *p, int *clear)
{
	unsigned long long v;
	if (none_ok && strcmp(arg, "none") == 0) {
		*clear = 1;
		return 0;
	}
	if (lead_parse_uint(arg, 100, &v) < 0)
		return lead_usage_error(
			self, ctx, "--probability wants a percentage from 0 to 100%s, not '%s'",
			none_ok ? ", or none for the lead's status's" : "", arg);
	*p = (uint32_t)v;
	return 0;
}

int opp_version_arg(const struct cmd_entry *self, struct lead_ctx *ctx, const char *arg,
		    protobuf_c_boolean *has, uint64_t *v)
{
	unsigned long long n;
	if (lead_parse_uint(arg, UINT64_MAX, &n) < 0)
		return lead_usage_error(self, ctx, "--if-version wants a version number, not '%s'",
					arg);
	*has = 1;
	*v = n;
	return 0;
}

/* OppGetRequest; 0 with *resp (its body an OppReply with the opp). */
int opp_get(struct lead_ctx *ctx, uint64_t id, Leadd__Response **resp)
{
	Leadd__OppGetRequest g = LEADD__OPP_GET_REQUEST__INIT;
	g.has_id = 1;
	g.id = id;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_OPP_GET;
	req.opp_get = &g;
	int rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_OPP, resp);
	if (rc == 0 && !(*resp)->opp->opp) {
		leadd__response__free_unpacked(*resp, NULL);
		return lead_fail(ctx, LD_UNKNOWN, "leadd at %s sent a reply without an opportunity",
				 ctx->server);
	}
	return rc;
}

/* What a change did: the opportunity, and the lead's move when it moved.
 * With --json: {"opportunity", "lead", "old_status", "new_status"}. */
int opp_print_reply(struct lead_ctx *ctx, const Leadd__OppReply *r, const char *verb)
{
	if (ctx->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "opportunity",
				      r->opp ? lead_opp_json(r->opp) : cJSON_CreateNull());
		if (r->lead) {
			const Leadd__StatusListReply *sl;
			const struct lead_names *names;
			int rc = lead_statuses(ctx, &sl);
			if (!rc)
				rc = lead_names(ctx, 1, &names);
			if (rc) {
				cJSON_Delete(o);
				return rc;
			}
			cJSON_AddItemToObject(o, "lead", lead_json_lead(r->lead, sl, names));
		} else {
			cJSON_AddNullToObject(o, "lead");
		}
		cJSON_AddItemToObject(o, "old_status", lead_json_string(r->old_status));
		cJSON_AddItemToObject(o, "new_status", lead_json_string(r->new_status));
		lead_activity_json_closed(o, r->closed_activities, r->n_closed_activities);
		return lead_json_out(o);
	}
	if (r->opp && r->has_unchanged && r->unchanged) {
		/* An edit that gave only what it holds wrote nothing. */
		lead_out("opportunity %llu '%s': nothing to change\n",
			 (unsigned long long)r->opp->id, r->opp->title ? r->opp->title : "");
		return 0;
	}
	if (r->opp) {
		char s[1024];
		lead_opp_sentence(r->opp, s, sizeof(s));
		lead_out("%s %s\n", verb, s);
	}
	if (r->old_status && r->new_status && r->lead)
		lead_out("lead %llu: %s -> %s%s%s%s\n", (unsigned long long)r->lead->id,
			 r->old_status, r->new_status,
			 r->lead->status_reason && *r->lead->status_reason ? " (" : "",
			 r->lead->status_reason ? r->lead->status_reason : "",
			 r->lead->status_reason && *r->lead->status_reason ? ")" : "");
	/* Lost moved the lead into lost: its open activities closed. */
	lead_activity_print_closed(r->closed_activities, r->n_closed_activities);
	return 0;
}

int opp_send(struct lead_ctx *ctx, Leadd__Request *req, const char *verb)
{
	Leadd__Response *resp;
	int rc = lead_request(ctx, req, LEADD__RESPONSE__BODY_OPP, &resp);
	if (rc)
		return rc;
	rc = opp_print_reply(ctx, resp->opp, verb);
	leadd__response__free_unpacked(resp, NULL);
	return rc;
}

/* ---- the `opp` group ---- */

static const struct cmd_entry *const opp_cmds[] = {
	&cmd_opp_new_entry,
	&cmd_opp_ls_entry,
	&cmd_opp_show_entry,
	&cmd_opp_edit_entry,
	&cmd_opp_won_entry,
	&cmd_opp_lost_entry,
	NULL,
};

const struct cmd_entry cmd_opp_entry = {
	.name = "opp",
	.usage = "new|ls|show|edit|won|lost ID|OID [ARGS...]",
	.help = "a lead's opportunities: new, ls, show, edit, won, lost",
	.notes = "An opportunity is what a lead is expected to buy: items (quantity x unit\n"
		 "price) in one currency, an expected close day and a probability. Adding one to\n"
		 "a lead at the lead stage converts the lead to a prospect. Open ones make the\n"
		 "forecast (`lead forecast`); won moves the lead to the customer stage, lost to\n"
		 "prospect-Lost. OID is an opportunity's id.",
	.min_args = 1,
	.max_args = -1,
	.exec = lead_family_exec,
	.sub = opp_cmds,
};
