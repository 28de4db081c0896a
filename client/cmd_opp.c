/* Opportunities (issue 15): the `lead opp` family, new, ls, show, edit, won
 * and lost, each one request. The CLI reads items, amounts (in the
 * opportunity's currency's decimals) and dates (local days); the server
 * holds every rule: the currency, the limits, the conversion of a lead
 * still at the lead stage, where won and lost move the lead. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ld_currency.h"
#include "ld_norm.h"
#include "lead.h"
#include "lead_activity.h"
#include "lead_date.h"
#include "lead_opp.h"

enum {
	O_ITEM = 1500,
	O_QTY,
	O_PRICE,
	O_CLOSE,
	O_TITLE,
	O_PROBABILITY,
	O_CURRENCY,
	O_OWNER,
	O_TEAM,
	O_OPEN,
	O_WON,
	O_LOST,
	O_CLOSING_BEFORE,
	O_LIMIT,
	O_REASON,
	O_OTHER,
	O_DATE,
	O_IF_VERSION
};

static void out_of_memory(void)
{
	fputs("lead: out of memory\n", stderr);
	exit(LD_EXIT_ERROR);
}

/* ---- what several commands read ---- */

/* The items as typed: --item NAME, then its --qty and --price. */
struct items {
	Leadd__OppItem *v;
	Leadd__OppItem **p;
	const char **price; /* as typed, read once the currency is known */
	const char **qty;   /* as typed, NULL until given */
	size_t n;
};

static void items_free(struct items *it)
{
	free(it->v);
	free(it->p);
	free(it->price);
	free(it->qty);
}

/* One item option (c is O_ITEM, O_QTY or O_PRICE); 0 or a usage error. */
static int item_option(const struct cmd_entry *self, struct lead_ctx *ctx, struct items *it, int c,
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
			out_of_memory(); /* exits */
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
static int items_finish(const struct cmd_entry *self, struct lead_ctx *ctx, struct items *it,
			const char *code)
{
	const ld_currency *cur = ld_currency_find(code);
	unsigned minor = cur ? cur->minor : 0;
	it->p = calloc(it->n ? it->n : 1, sizeof(*it->p));
	if (!it->p)
		out_of_memory();
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
			char example[32];
			ld_amount_format(45050, minor, example, sizeof(example));
			return lead_usage_error(self, ctx,
						"--price wants an amount of 0 or more like %s (%s "
						"has %u decimals), not '%s'",
						example, code, minor, it->price[i]);
		}
		it->v[i].has_unit_price_minor = 1;
		it->v[i].unit_price_minor = v;
		it->p[i] = &it->v[i];
	}
	return 0;
}

/* An OID argument. */
static int opp_id_arg(const struct cmd_entry *self, struct lead_ctx *ctx, const char *s,
		      uint64_t *id)
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
static int day_arg(const struct cmd_entry *self, struct lead_ctx *ctx, const char *opt,
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
static int prob_arg(const struct cmd_entry *self, struct lead_ctx *ctx, const char *arg,
		    int none_ok, uint32_t *p, int *clear)
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

static int version_arg(const struct cmd_entry *self, struct lead_ctx *ctx, const char *arg,
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
static int opp_get(struct lead_ctx *ctx, uint64_t id, Leadd__Response **resp)
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
static int print_reply(struct lead_ctx *ctx, const Leadd__OppReply *r, const char *verb)
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

static int send_opp(struct lead_ctx *ctx, Leadd__Request *req, const char *verb)
{
	Leadd__Response *resp;
	int rc = lead_request(ctx, req, LEADD__RESPONSE__BODY_OPP, &resp);
	if (rc)
		return rc;
	rc = print_reply(ctx, resp->opp, verb);
	leadd__response__free_unpacked(resp, NULL);
	return rc;
}

/* ---- lead opp new ---- */

static int cmd_opp_new_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			    char **argv)
{
	static const struct option opts[] = {
		{"item", required_argument, NULL, O_ITEM},
		{"qty", required_argument, NULL, O_QTY},
		{"price", required_argument, NULL, O_PRICE},
		{"close", required_argument, NULL, O_CLOSE},
		{"title", required_argument, NULL, O_TITLE},
		{"probability", required_argument, NULL, O_PROBABILITY},
		{"currency", required_argument, NULL, O_CURRENCY},
		LEAD_CMD_OPTIONS};
	Leadd__OppCreateRequest cr = LEADD__OPP_CREATE_REQUEST__INIT;
	struct items it = {0};
	char close[16] = "", code[4] = "";
	const char *currency = NULL;
	int c, rc = 0, clear = 0;
	lead_getopt_reset();
	while (!rc && (c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		switch (c) {
		case O_ITEM:
		case O_QTY:
		case O_PRICE:
			rc = item_option(self, ctx, &it, c, optarg);
			break;
		case O_CLOSE:
			rc = day_arg(self, ctx, "--close", optarg, 0, close);
			break;
		case O_TITLE:
			rc = lead_text_arg(self, ctx, "--title", optarg, "Spring order");
			cr.title = optarg;
			break;
		case O_PROBABILITY:
			rc = prob_arg(self, ctx, optarg, 0, &cr.probability, &clear);
			cr.has_probability = 1;
			break;
		case O_CURRENCY:
			currency = optarg;
			break;
		default:
			if ((rc = lead_cmd_option(self, ctx, argv, c)) < 0)
				rc = 0;
			else if (rc == 0)
				rc = -1; /* --help */
		}
	}
	if (!rc)
		rc = lead_cmd_check_args(self, ctx, argc - optind);
	if (!rc)
		rc = lead_parse_lead_id(self, ctx, argv[optind], &cr.lead_id);
	if (!rc && !it.n)
		rc = lead_usage_error(self, ctx,
				      "an opportunity needs at least one --item NAME --qty Q "
				      "--price P");
	if (!rc && currency && (lead_parse_currency(currency, code) < 0 || !ld_currency_find(code)))
		rc = lead_usage_error(self, ctx,
				      "--currency wants an ISO 4217 code like EUR, USD or JPY, not "
				      "'%s'",
				      currency);
	if (!rc && cr.title && ld_is_blank(cr.title))
		rc = lead_usage_error(self, ctx, "--title is empty: give it some text");
	Leadd__Response *cur = NULL;
	if (!rc && !currency) {
		/* The prices are in the lead's currency: that of its value, else
		 * EUR (the server's default for a lead without one). */
		if (!(rc = lead_get(ctx, cr.lead_id, &cur))) {
			const Leadd__Money *v = cur->lead->lead->value;
			snprintf(code, sizeof(code), "%s",
				 v && v->has_amount_minor && v->currency ? v->currency : "EUR");
		}
	}
	if (!rc)
		rc = items_finish(self, ctx, &it, code);
	if (!rc) {
		cr.has_lead_id = 1;
		cr.n_items = it.n;
		cr.items = it.p;
		cr.close_date = close[0] ? close : NULL;
		cr.currency = currency ? code : NULL;
		Leadd__Request req = LEADD__REQUEST__INIT;
		req.body_case = LEADD__REQUEST__BODY_OPP_CREATE;
		req.opp_create = &cr;
		rc = send_opp(ctx, &req, "added");
	}
	if (cur)
		leadd__response__free_unpacked(cur, NULL);
	items_free(&it);
	return rc < 0 ? 0 : rc;
}

static const struct cmd_entry cmd_opp_new_entry = {
	.name = "opp new",
	.alias = "add",
	.usage = "ID --item NAME [--qty Q] --price P [--item NAME ...]... [--close DATE] "
		 "[--title TEXT] [--probability P] [--currency CODE]",
	.help = "add an opportunity to a lead: what it may buy, and when",
	.notes = "Each --item is one line of the opportunity: its --qty (a whole number, default\n"
		 "1) and its unit --price, in the lead's currency with that currency's decimals\n"
		 "(450, 450.50). The amount is the sum of quantity x price. The currency is the\n"
		 "lead's value's; a lead without a value takes --currency (default EUR).\n"
		 "--close is the expected close day (2027-01-31, +30d, or a date as `lead help\n"
		 "ls` says; your local day), --title a name (default the lead's title),\n"
		 "--probability its own chance in percent (default: the lead's status's).\n"
		 "A lead still at the lead stage moves to the prospect stage's conversion\n"
		 "target (prospect-Qualified, 10%, by default) with the same change, and lead\n"
		 "says so; a lead past the lead stage stays where it is. A dead or lost lead is\n"
		 "refused: reopen it first (lead reopen ID). With --json: {\"opportunity\": OPP,\n"
		 "\"lead\": LEAD, \"old_status\", \"new_status\"} (null when the lead did not\n"
		 "move).",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_opp_new_exec,
};

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
			if ((rc = day_arg(self, ctx, "--closing-before", optarg, 0, before)))
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
			out_of_memory();
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

static const struct cmd_entry cmd_opp_ls_entry = {
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

static const struct cmd_entry cmd_opp_show_entry = {
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

/* ---- lead opp edit ---- */

static int cmd_opp_edit_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			     char **argv)
{
	static const struct option opts[] = {
		{"item", required_argument, NULL, O_ITEM},
		{"qty", required_argument, NULL, O_QTY},
		{"price", required_argument, NULL, O_PRICE},
		{"close", required_argument, NULL, O_CLOSE},
		{"title", required_argument, NULL, O_TITLE},
		{"probability", required_argument, NULL, O_PROBABILITY},
		{"if-version", required_argument, NULL, O_IF_VERSION},
		LEAD_CMD_OPTIONS};
	Leadd__OppEditRequest ed = LEADD__OPP_EDIT_REQUEST__INIT;
	struct items it = {0};
	char close[16] = "";
	int c, rc = 0, clear = 0, has_close = 0;
	lead_getopt_reset();
	while (!rc && (c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		switch (c) {
		case O_ITEM:
		case O_QTY:
		case O_PRICE:
			rc = item_option(self, ctx, &it, c, optarg);
			break;
		case O_CLOSE:
			rc = day_arg(self, ctx, "--close", optarg, 1, close);
			has_close = 1;
			break;
		case O_TITLE:
			rc = lead_text_arg(self, ctx, "--title", optarg, "Spring order");
			ed.title = optarg;
			break;
		case O_PROBABILITY:
			rc = prob_arg(self, ctx, optarg, 1, &ed.probability, &clear);
			ed.has_probability = !clear;
			break;
		case O_IF_VERSION:
			rc = version_arg(self, ctx, optarg, &ed.has_expected_version,
					 &ed.expected_version);
			break;
		default:
			if ((rc = lead_cmd_option(self, ctx, argv, c)) < 0)
				rc = 0;
			else if (rc == 0)
				rc = -1; /* --help */
		}
	}
	if (!rc)
		rc = lead_cmd_check_args(self, ctx, argc - optind);
	if (!rc)
		rc = opp_id_arg(self, ctx, argv[optind], &ed.id);
	if (!rc && ed.title && ld_is_blank(ed.title))
		rc = lead_usage_error(self, ctx, "--title is empty: give it some text");
	if (!rc && !it.n && !has_close && !ed.title && !ed.has_probability && !clear)
		rc = lead_usage_error(self, ctx,
				      "nothing to change: give --item (with --qty and --price), "
				      "--close, --title or --probability");
	Leadd__Response *cur = NULL;
	if (!rc && it.n) {
		/* The prices are in the opportunity's currency. */
		if (!(rc = opp_get(ctx, ed.id, &cur))) {
			const char *code = lead_opp_currency(cur->opp->opp);
			rc = items_finish(self, ctx, &it, code ? code : "EUR");
		}
	}
	if (!rc) {
		ed.has_id = 1;
		ed.n_items = it.n;
		ed.items = it.p;
		ed.close_date = has_close ? close : NULL;
		ed.has_clear_probability = ed.clear_probability = clear;
		Leadd__Request req = LEADD__REQUEST__INIT;
		req.body_case = LEADD__REQUEST__BODY_OPP_EDIT;
		req.opp_edit = &ed;
		rc = send_opp(ctx, &req, "now:");
	}
	if (cur)
		leadd__response__free_unpacked(cur, NULL);
	items_free(&it);
	return rc < 0 ? 0 : rc;
}

static const struct cmd_entry cmd_opp_edit_entry = {
	.name = "opp edit",
	.usage = "OID [--item NAME [--qty Q] --price P]... [--close DATE|none] [--title TEXT] "
		 "[--probability P|none] [--if-version VERSION]",
	.help = "change an open opportunity: items, close day, probability, title",
	.notes = "Only what is given changes. --item (with its --qty and --price, as `lead opp\n"
		 "new` takes them) replaces every item: give them all. --close none clears the\n"
		 "expected close day; --probability none goes back to the lead's status's. Won\n"
		 "and lost opportunities are final and refused. --if-version refuses (exit 5) if\n"
		 "the opportunity changed since that version. Prints it as it is now (\"nothing\n"
		 "to change\" when it held every value given); with --json as `lead opp new`.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_opp_edit_exec,
};

/* ---- lead opp won, lead opp lost ---- */

struct close_args {
	const char *reason;
	int other;
	char day[16];
	protobuf_c_boolean has_version;
	uint64_t version;
	uint64_t id;
};

/* The options of won (reasons 0) and lost; 0 to go on, -1 after --help,
 * or the exit status. */
static int close_options(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv,
			 int reasons, struct close_args *a)
{
	static const struct option opts[] = {{"reason", required_argument, NULL, O_REASON},
					     {"other", no_argument, NULL, O_OTHER},
					     {"date", required_argument, NULL, O_DATE},
					     {"if-version", required_argument, NULL, O_IF_VERSION},
					     LEAD_CMD_OPTIONS};
	static const struct option won_opts[] = {
		{"date", required_argument, NULL, O_DATE},
		{"if-version", required_argument, NULL, O_IF_VERSION},
		LEAD_CMD_OPTIONS};
	int c, rc;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, reasons ? opts : won_opts, NULL)) !=
	       -1) {
		switch (c) {
		case O_REASON:
			if ((rc = lead_text_arg(self, ctx, "--reason", optarg, "Too expensive")))
				return rc;
			a->reason = optarg;
			break;
		case O_OTHER:
			a->other = 1;
			break;
		case O_DATE:
			if ((rc = day_arg(self, ctx, "--date", optarg, 0, a->day)))
				return rc;
			break;
		case O_IF_VERSION:
			if ((rc = version_arg(self, ctx, optarg, &a->has_version, &a->version)))
				return rc;
			break;
		default:
			if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
				return rc ? rc : -1;
		}
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)) ||
	    (rc = opp_id_arg(self, ctx, argv[optind], &a->id)))
		return rc;
	if (reasons && (!a->reason || ld_is_blank(a->reason)))
		return lead_usage_error(
			self, ctx,
			"say why it was lost with --reason TEXT: a reason of the "
			"lead's team's list or every team's (lead admin reason ls), "
			"or your own words with --reason TEXT --other");
	if (a->other && !a->reason)
		return lead_usage_error(self, ctx,
					"--other says the --reason is in your own words; give "
					"--reason TEXT with it");
	/* The day it closed is the reader's day, not UTC's. */
	if (!a->day[0])
		lead_date_format_day(lead_now_ms(), a->day, sizeof(a->day));
	return 0;
}

static int cmd_opp_won_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			    char **argv)
{
	struct close_args a = {0};
	int rc = close_options(self, ctx, argc, argv, 0, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	Leadd__OppWonRequest w = LEADD__OPP_WON_REQUEST__INIT;
	w.has_id = 1;
	w.id = a.id;
	w.close_date = a.day;
	w.has_expected_version = a.has_version;
	w.expected_version = a.version;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_OPP_WON;
	req.opp_won = &w;
	return send_opp(ctx, &req, "won:");
}

static const struct cmd_entry cmd_opp_won_entry = {
	.name = "opp won",
	.usage = "OID [--date DATE] [--if-version VERSION]",
	.help = "mark an open opportunity won: the lead becomes a customer",
	.notes = "The lead moves to the customer stage's won status (customer-Won by default),\n"
		 "unless it is there already, and lead says so; from any status, dead or lost\n"
		 "too (the sale happened). The opportunity leaves the open forecast and counts\n"
		 "as closed won on the day it was won: today (your local day), or --date DATE,\n"
		 "any day up to tomorrow (a deal logged after the fact keeps its day). Won and\n"
		 "lost are final. --if-version refuses (exit 5) if the opportunity changed\n"
		 "since that version. With --json as `lead opp new`.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_opp_won_exec,
};

static int cmd_opp_lost_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			     char **argv)
{
	struct close_args a = {0};
	int rc = close_options(self, ctx, argc, argv, 1, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	Leadd__OppLostRequest l = LEADD__OPP_LOST_REQUEST__INIT;
	l.has_id = 1;
	l.id = a.id;
	l.reason = (char *)a.reason;
	l.has_other = l.other = a.other;
	l.close_date = a.day;
	l.has_expected_version = a.has_version;
	l.expected_version = a.version;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_OPP_LOST;
	req.opp_lost = &l;
	Leadd__Response *resp;
	if ((rc = lead_call(ctx, &req, &resp)))
		return rc;
	int code = ld_response_code(resp);
	if (code == LD_OK && resp->body_case == LEADD__RESPONSE__BODY_OPP)
		rc = print_reply(ctx, resp->opp, "lost:");
	else if (code == LD_FAILED_PRECONDITION && !a.other && ld_response_message(resp) &&
		 strstr(ld_response_message(resp), "own words"))
		/* A reason not on the lists, which the server says may be
		 * given in one's own words: say how, in lead's terms. */
		rc = lead_fail_reason(ctx, resp, a.reason, a.other);
	else if (code != LD_OK)
		rc = lead_fail_response(ctx, resp);
	else
		rc = lead_fail(ctx, LD_UNKNOWN, "leadd at %s sent an unexpected reply",
			       ctx->server);
	leadd__response__free_unpacked(resp, NULL);
	return rc;
}

static const struct cmd_entry cmd_opp_lost_entry = {
	.name = "opp lost",
	.usage = "OID --reason TEXT [--other] [--date DATE] [--if-version VERSION]",
	.help = "mark an open opportunity lost, saying why",
	.notes = "The reason is one of the lead's team's or every team's (`lead admin reason\n"
		 "ls`; any case), or your own words with --other. The lead moves to the prospect\n"
		 "stage's lost status (prospect-Lost) with that reason, and its open calls, tasks\n"
		 "and meetings are closed (lead lists them), unless another of its opportunities\n"
		 "is open or won: then the lead stays where it is. The opportunity leaves the\n"
		 "open forecast; the day it was lost is today (your local day) or --date DATE.\n"
		 "Won and lost are final. With --json as `lead opp new`, plus\n"
		 "\"closed_activities\": [ACTIVITY] when it closed some.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_opp_lost_exec,
};

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
