/* lead forecast (issue 15): the open opportunities of the leads the caller
 * may see, amount and weighted amount per currency (never added across
 * currencies), by owner, status or expected close month, and apart the
 * opportunities won in a period (this local month unless --from/--to).
 * One ForecastRequest: the server answers from its counters. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_date.h"
#include "lead_opp.h"

enum { O_BY = 1700, O_OWNER, O_TEAM, O_FROM, O_TO };

static const char *group_name(int by)
{
	return by == LEADD__FORECAST_GROUP__FORECAST_BY_STATUS  ? "status"
	       : by == LEADD__FORECAST_GROUP__FORECAST_BY_MONTH ? "month"
								: "owner";
}

/* What a row is called in the first column. */
static const char *row_key(const Leadd__ForecastRow *r, int by, char *buf, size_t len)
{
	if (r->key && *r->key)
		return r->key;
	if (by == LEADD__FORECAST_GROUP__FORECAST_BY_MONTH)
		return "(no date)";
	if (by == LEADD__FORECAST_GROUP__FORECAST_BY_OWNER && !r->owner_id)
		return "(pool)";
	snprintf(buf, len, "%s %llu", by == LEADD__FORECAST_GROUP__FORECAST_BY_OWNER ? "user" : "#",
		 (unsigned long long)(r->owner_id ? r->owner_id : r->status_id));
	return buf;
}

/* The second column: the team by owner, the probability by status. */
static int has_extra(int by)
{
	return by != LEADD__FORECAST_GROUP__FORECAST_BY_MONTH;
}

static void row_extra(const Leadd__ForecastRow *r, int by, char *buf, size_t len)
{
	if (by == LEADD__FORECAST_GROUP__FORECAST_BY_STATUS)
		snprintf(buf, len, "%u%%", r->probability);
	else if (r->team_name && *r->team_name)
		snprintf(buf, len, "%s", r->team_name);
	else
		snprintf(buf, len, "-");
}

/* One row's amounts, a line per currency (the name on the first only). */
static void add_amounts(struct lead_table *t, int by, int weighted, const char *key,
			const char *extra, Leadd__ForecastAmount *const *v, size_t n)
{
	const Leadd__ForecastAmount **s = lead_forecast_sorted(v, n);
	for (size_t i = 0; i < n; i++) {
		char opps[24], amount[64], w[64];
		snprintf(opps, sizeof(opps), "%lld", (long long)s[i]->opps);
		lead_format_sum(s[i]->amount_minor, s[i]->currency, amount, sizeof(amount));
		lead_format_sum(s[i]->weighted_minor, s[i]->currency, w, sizeof(w));
		const char *k = i ? "" : key, *e = i ? "" : extra;
		const char *cells[5];
		int c = 0;
		cells[c++] = k;
		if (has_extra(by))
			cells[c++] = e;
		cells[c++] = opps;
		cells[c++] = amount;
		if (weighted)
			cells[c++] = w;
		lead_table_add(t, cells);
	}
	free(s);
}

static struct lead_table *new_table(int by, int weighted)
{
	const char *head[5];
	int n = 0;
	head[n++] = by == LEADD__FORECAST_GROUP__FORECAST_BY_STATUS  ? "STATUS"
		    : by == LEADD__FORECAST_GROUP__FORECAST_BY_MONTH ? "MONTH"
								     : "OWNER";
	if (has_extra(by))
		head[n++] = by == LEADD__FORECAST_GROUP__FORECAST_BY_STATUS ? "PROB" : "TEAM";
	head[n++] = "OPPS";
	head[n++] = "AMOUNT";
	if (weighted)
		head[n++] = "WEIGHTED";
	struct lead_table *t = lead_table_new(n, head);
	lead_table_shrink(t, 0, 12);
	if (by == LEADD__FORECAST_GROUP__FORECAST_BY_OWNER)
		lead_table_shrink(t, 1, 6); /* TEAM: a name may take 64 bytes */
	for (int c = has_extra(by) ? 2 : 1; c < n; c++)
		lead_table_align_right(t, c);
	return t;
}

static void print_forecast(const Leadd__ForecastReply *f, int by)
{
	char buf[64], extra[160];
	if (!f->n_open_total) {
		lead_out("no open opportunities in the forecast\n");
	} else {
		lead_out("open opportunities (weighted by probability):\n");
		struct lead_table *t = new_table(by, 1);
		for (size_t i = 0; i < f->n_rows; i++) {
			const Leadd__ForecastRow *r = f->rows[i];
			row_extra(r, by, extra, sizeof(extra));
			add_amounts(t, by, 1, row_key(r, by, buf, sizeof(buf)), extra, r->open,
				    r->n_open);
		}
		add_amounts(t, by, 1, "total", "", f->open_total, f->n_open_total);
		lead_table_print(t);
	}
	if (f->has_rows_left && f->rows_left)
		lead_out("(%" PRIu32 " more rows did not fit one answer and are not shown; the "
			 "totals count them: narrow it with --owner or --team)\n",
			 f->rows_left);
	const char *from = f->won_from ? f->won_from : "?", *to = f->won_to ? f->won_to : "?";
	if (!f->n_won_total) {
		lead_out("\nclosed won from %s to %s: none\n", from, to);
		return;
	}
	lead_out("\nclosed won from %s to %s:\n", from, to);
	/* Won counters have no status: by status, only the total. */
	int rows = by != LEADD__FORECAST_GROUP__FORECAST_BY_STATUS;
	struct lead_table *t = new_table(by, 0);
	for (size_t i = 0; rows && i < f->n_rows; i++) {
		const Leadd__ForecastRow *r = f->rows[i];
		if (!r->n_won)
			continue;
		row_extra(r, by, extra, sizeof(extra));
		add_amounts(t, by, 0, row_key(r, by, buf, sizeof(buf)), extra, r->won, r->n_won);
	}
	add_amounts(t, by, 0, "total", "", f->won_total, f->n_won_total);
	lead_table_print(t);
}

static cJSON *forecast_json(const Leadd__ForecastReply *f, int by)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "revision", lead_json_uint(f->revision));
	cJSON_AddStringToObject(o, "by", group_name(by));
	cJSON_AddItemToObject(o, "won_from", lead_json_string(f->won_from));
	cJSON_AddItemToObject(o, "won_to", lead_json_string(f->won_to));
	cJSON *rows = cJSON_AddArrayToObject(o, "rows");
	for (size_t i = 0; i < f->n_rows; i++) {
		const Leadd__ForecastRow *r = f->rows[i];
		cJSON *e = cJSON_CreateObject();
		/* A team's pool has no owner: its key is null, not the
		 * "(pool)" the server names it with for people. */
		int pool = by == LEADD__FORECAST_GROUP__FORECAST_BY_OWNER && !r->owner_id;
		cJSON_AddItemToObject(e, "key",
				      lead_json_string(r->key && *r->key && !pool ? r->key : NULL));
		cJSON_AddItemToObject(e, "owner_id", lead_json_id(r->owner_id));
		cJSON_AddItemToObject(
			e, "team",
			lead_json_string(r->team_name && *r->team_name ? r->team_name : NULL));
		cJSON_AddItemToObject(e, "team_id", lead_json_id(r->team_id));
		cJSON_AddItemToObject(e, "status_id", lead_json_id(r->status_id));
		cJSON_AddItemToObject(e, "probability",
				      by == LEADD__FORECAST_GROUP__FORECAST_BY_STATUS
					      ? lead_json_uint(r->probability)
					      : cJSON_CreateNull());
		cJSON_AddItemToObject(e, "open", lead_forecast_amounts_json(r->open, r->n_open));
		cJSON_AddItemToObject(e, "won", lead_forecast_amounts_json(r->won, r->n_won));
		cJSON_AddItemToArray(rows, e);
	}
	cJSON_AddItemToObject(o, "rows_left", lead_json_uint(f->has_rows_left ? f->rows_left : 0));
	cJSON_AddItemToObject(o, "open_total",
			      lead_forecast_amounts_json(f->open_total, f->n_open_total));
	cJSON_AddItemToObject(o, "won_total",
			      lead_forecast_amounts_json(f->won_total, f->n_won_total));
	return o;
}

/* --from or --to as a local day; 0 or a usage error. */
static int day_option(const struct cmd_entry *self, struct lead_ctx *ctx, const char *opt,
		      const char *arg, char day[16])
{
	char msg[1024];
	int64_t ms;
	if (lead_date_option(opt, arg, lead_now_ms(), 0, &ms, msg, sizeof(msg)) < 0)
		return lead_usage_error(self, ctx, "%s", msg);
	lead_date_format_day(ms, day, 16);
	return 0;
}

static int cmd_forecast_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			     char **argv)
{
	static const struct option opts[] = {{"by", required_argument, NULL, O_BY},
					     {"owner", required_argument, NULL, O_OWNER},
					     {"team", required_argument, NULL, O_TEAM},
					     {"from", required_argument, NULL, O_FROM},
					     {"to", required_argument, NULL, O_TO},
					     LEAD_CMD_OPTIONS};
	Leadd__ForecastRequest fr = LEADD__FORECAST_REQUEST__INIT;
	char from[16] = "", to[16] = "";
	int c, rc;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		switch (c) {
		case O_BY:
			if (strcmp(optarg, "owner") == 0)
				fr.by = LEADD__FORECAST_GROUP__FORECAST_BY_OWNER;
			else if (strcmp(optarg, "status") == 0)
				fr.by = LEADD__FORECAST_GROUP__FORECAST_BY_STATUS;
			else if (strcmp(optarg, "month") == 0)
				fr.by = LEADD__FORECAST_GROUP__FORECAST_BY_MONTH;
			else
				return lead_usage_error(
					self, ctx, "--by wants owner, status or month, not '%s'",
					optarg);
			fr.has_by = 1;
			break;
		case O_OWNER:
			fr.owner = optarg;
			break;
		case O_TEAM:
			fr.team = optarg;
			break;
		case O_FROM:
			if ((rc = day_option(self, ctx, "--from", optarg, from)))
				return rc;
			break;
		case O_TO:
			if ((rc = day_option(self, ctx, "--to", optarg, to)))
				return rc;
			break;
		default:
			if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
				return rc;
		}
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)))
		return rc;
	if (fr.owner && fr.team)
		return lead_usage_error(self, ctx,
					"--owner and --team do not go together: give one user's or "
					"one team's forecast");
	/* The won period: this local month, or what --from and --to say (one
	 * alone: from the first of its month, or up to today). */
	char first[16], last[16], today[16];
	int64_t now = lead_now_ms();
	lead_date_month_days(now, first, last, sizeof(first));
	lead_date_format_day(now, today, sizeof(today));
	if (!from[0] && !to[0]) {
		snprintf(from, sizeof(from), "%s", first);
		snprintf(to, sizeof(to), "%s", last);
	} else if (!from[0]) {
		snprintf(from, sizeof(from), "%.8s01", to);
	} else if (!to[0]) {
		snprintf(to, sizeof(to), "%s", strcmp(from, today) > 0 ? from : today);
	}
	if (strcmp(from, to) > 0)
		return lead_usage_error(self, ctx, "--from %s is after --to %s", from, to);
	fr.won_from = from;
	fr.won_to = to;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_FORECAST;
	req.forecast = &fr;
	Leadd__Response *resp;
	if ((rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_FORECAST, &resp)))
		return rc;
	int by = fr.has_by ? (int)fr.by : LEADD__FORECAST_GROUP__FORECAST_BY_OWNER;
	if (ctx->json)
		rc = lead_json_out(forecast_json(resp->forecast, by));
	else
		print_forecast(resp->forecast, by);
	leadd__response__free_unpacked(resp, NULL);
	return rc;
}

const struct cmd_entry cmd_forecast_entry = {
	.name = "forecast",
	.usage = "[--owner USER] [--team TEAM] [--by owner|status|month] [--from DATE] [--to DATE]",
	.help = "amount and weighted amount of open opportunities, and what was won",
	.notes = "The open opportunities of the leads you may see (a rep their own, a manager\n"
		 "their teams', an admin every one), of leads past the lead stage and not dead,\n"
		 "lost or archived: how many, their amount, and their weighted amount (amount x\n"
		 "the opportunity's own probability, else the lead's status's: 10% on\n"
		 "prospect-Qualified). One line per currency: amounts in different currencies\n"
		 "are never added. --by owner (the default; a team's pool is \"(pool)\"), status\n"
		 "(with its probability) or month (the expected close month; \"(no date)\" for\n"
		 "none). --owner USER or --team TEAM (not both): only that user's or team's\n"
		 "leads. Rows past what one answer holds (tens of thousands of months) are\n"
		 "not shown: a line says how many; the totals count them.\n"
		 "Below, apart, the opportunities won from --from to --to (days, both included;\n"
		 "default this month, in your time zone; --from alone runs to today, or is one\n"
		 "day when later; --to alone from the first of its month): by owner or month as\n"
		 "above, by status only the total (won ones keep no status). The counts are the\n"
		 "server's, kept with every change: an edit of a status's probability shows at\n"
		 "once.\n"
		 "With --json: {\"revision\": R, \"by\": \"owner\", \"won_from\": \"2026-12-01\",\n"
		 "\"won_to\": \"2026-12-31\", \"rows\": [{\"key\", \"owner_id\", \"team\",\n"
		 "\"team_id\", \"status_id\", \"probability\", \"open\": AMOUNTS, \"won\":\n"
		 "AMOUNTS}], \"rows_left\": N, \"open_total\": AMOUNTS, \"won_total\":\n"
		 "AMOUNTS}, AMOUNTS being\n"
		 "{\"EUR\": {\"opps\": N, \"amount\": MONEY, \"weighted\": MONEY}} (see\n"
		 "docs/cli.md).",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_forecast_exec,
};
