/* `lead opp new` and `lead opp edit`: an opportunity's items, close day,
 * title and probability, as given (the helpers they share: cmd_opp.h). */
#include <getopt.h>
#include <stdio.h>

#include "cmd_opp.h"
#include "ld_currency.h"
#include "ld_norm.h"
#include "lead.h"
#include "lead_opp.h"

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
	struct opp_items it = {0};
	char close[16] = "", code[4] = "";
	const char *currency = NULL;
	int c, rc = 0, clear = 0;
	lead_getopt_reset();
	while (!rc && (c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		switch (c) {
		case O_ITEM:
		case O_QTY:
		case O_PRICE:
			rc = opp_item_option(self, ctx, &it, c, optarg);
			break;
		case O_CLOSE:
			rc = opp_day_arg(self, ctx, "--close", optarg, 0, close);
			break;
		case O_TITLE:
			rc = lead_text_arg(self, ctx, "--title", optarg, "Spring order");
			cr.title = optarg;
			break;
		case O_PROBABILITY:
			rc = opp_prob_arg(self, ctx, optarg, 0, &cr.probability, &clear);
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
		rc = opp_items_finish(self, ctx, &it, code);
	if (!rc) {
		cr.has_lead_id = 1;
		cr.n_items = it.n;
		cr.items = it.p;
		cr.close_date = close[0] ? close : NULL;
		cr.currency = currency ? code : NULL;
		Leadd__Request req = LEADD__REQUEST__INIT;
		req.body_case = LEADD__REQUEST__BODY_OPP_CREATE;
		req.opp_create = &cr;
		rc = opp_send(ctx, &req, "added");
	}
	if (cur)
		leadd__response__free_unpacked(cur, NULL);
	opp_items_free(&it);
	return rc < 0 ? 0 : rc;
}

const struct cmd_entry cmd_opp_new_entry = {
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
	struct opp_items it = {0};
	char close[16] = "";
	int c, rc = 0, clear = 0, has_close = 0;
	lead_getopt_reset();
	while (!rc && (c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		switch (c) {
		case O_ITEM:
		case O_QTY:
		case O_PRICE:
			rc = opp_item_option(self, ctx, &it, c, optarg);
			break;
		case O_CLOSE:
			rc = opp_day_arg(self, ctx, "--close", optarg, 1, close);
			has_close = 1;
			break;
		case O_TITLE:
			rc = lead_text_arg(self, ctx, "--title", optarg, "Spring order");
			ed.title = optarg;
			break;
		case O_PROBABILITY:
			rc = opp_prob_arg(self, ctx, optarg, 1, &ed.probability, &clear);
			ed.has_probability = !clear;
			break;
		case O_IF_VERSION:
			rc = opp_version_arg(self, ctx, optarg, &ed.has_expected_version,
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
			rc = opp_items_finish(self, ctx, &it, code ? code : "EUR");
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
		rc = opp_send(ctx, &req, "now:");
	}
	if (cur)
		leadd__response__free_unpacked(cur, NULL);
	opp_items_free(&it);
	return rc < 0 ? 0 : rc;
}

const struct cmd_entry cmd_opp_edit_entry = {
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
