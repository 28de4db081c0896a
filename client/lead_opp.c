/* Opportunities for people and scripts (issue 15): sentences, tables, JSON
 * and forecast amounts. Texts from the server are escaped where they are
 * printed (lead_out, lead_table_add), so everything here builds plain
 * strings. Money is always printed by lead_format_money and written by
 * lead_json_money: one format for every command. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lead_opp.h"

static int has(const char *s)
{
	return s && *s;
}

const char *lead_opp_state_name(int state)
{
	static const char *const names[] = {"?", "open", "won", "lost"};
	return state > 0 && state < 4 ? names[state] : "?";
}

const char *lead_opp_currency(const Leadd__Opportunity *o)
{
	return o->amount && has(o->amount->currency) ? o->amount->currency : NULL;
}

static void money(int64_t minor, const char *code, char *buf, size_t len)
{
	if (code)
		lead_format_money(minor, code, buf, len);
	else
		snprintf(buf, len, "%lld (minor units)", (long long)minor);
}

void lead_opp_sentence(const Leadd__Opportunity *o, char *buf, size_t len)
{
	char amount[64], when[96] = "", prob[32] = "";
	lead_format_value(o->amount, amount, sizeof(amount));
	/* Its own probability weighs an open one: said, so that an edit of
	 * it reads as one. The status's is the lead's, said elsewhere. */
	if (o->state == LEADD__OPP_STATE__OPP_OPEN && o->has_probability)
		snprintf(prob, sizeof(prob), ", probability %u%%", o->probability);
	const char *day = has(o->close_date) ? o->close_date : NULL;
	if (o->state == LEADD__OPP_STATE__OPP_WON)
		snprintf(when, sizeof(when), ", won%s%s", day ? " " : "", day ? day : "");
	else if (o->state == LEADD__OPP_STATE__OPP_LOST)
		snprintf(when, sizeof(when), ", lost%s%s", day ? " " : "", day ? day : "");
	else if (day)
		snprintf(when, sizeof(when), ", closing %s", day);
	snprintf(buf, len, "opportunity %llu '%s', %s%s%s%s%s", (unsigned long long)o->id,
		 has(o->title) ? o->title : "", amount, prob, when,
		 o->state == LEADD__OPP_STATE__OPP_LOST && has(o->lost_reason) ? ": " : "",
		 o->state == LEADD__OPP_STATE__OPP_LOST && has(o->lost_reason) ? o->lost_reason
									       : "");
}

/* "10%", "25% own" (its own probability), "-" when not known. */
static void prob_text(const Leadd__Opportunity *o, char *buf, size_t len)
{
	if (o->has_probability)
		snprintf(buf, len, "%u%% own", o->probability);
	else if (o->has_effective_probability)
		snprintf(buf, len, "%u%%", o->effective_probability);
	else
		snprintf(buf, len, "-");
}

/* CLOSE: the expected close day of an open one ("-" without one), "won
 * 2026-12-05" or "lost 2026-12-05" once closed: the state and its day in
 * one column, as the sentence says them. */
static void close_text(const Leadd__Opportunity *o, char *buf, size_t len)
{
	const char *day = has(o->close_date) ? o->close_date : "-";
	if (o->state == LEADD__OPP_STATE__OPP_OPEN)
		snprintf(buf, len, "%s", day);
	else
		snprintf(buf, len, "%s %s", lead_opp_state_name(o->state), day);
}

void lead_opp_table(Leadd__Opportunity *const *v, size_t n, int with_lead)
{
	static const char *const head_lead[] = {"OPP",    "LEAD", "OWNER",    "CLOSE",
						"AMOUNT", "PROB", "WEIGHTED", "TITLE"};
	static const char *const head[] = {"OPP", "CLOSE", "AMOUNT", "PROB", "WEIGHTED", "TITLE"};
	int ncols = with_lead ? 8 : 6, amount_col = with_lead ? 4 : 2;
	struct lead_table *t = lead_table_new(ncols, with_lead ? head_lead : head);
	/* Ids, days and two amounts leave a terminal's 80 columns little room:
	 * the title wraps down to 8 columns and the owner is cut to 6 (as lead
	 * ls cuts it); the numbers and days stay whole. */
	lead_table_wrap_last(t, 8);
	if (with_lead)
		lead_table_shrink(t, 2, 6);
	lead_table_align_right(t, amount_col);
	lead_table_align_right(t, amount_col + 2);
	for (size_t i = 0; i < n; i++) {
		const Leadd__Opportunity *o = v[i];
		char id[24], lead[24], close[48], amount[64], prob[24], weighted[64];
		snprintf(id, sizeof(id), "%llu", (unsigned long long)o->id);
		snprintf(lead, sizeof(lead), "%llu", (unsigned long long)o->lead_id);
		close_text(o, close, sizeof(close));
		lead_format_value(o->amount, amount, sizeof(amount));
		int open = o->state == LEADD__OPP_STATE__OPP_OPEN;
		prob_text(o, prob, sizeof(prob));
		if (open && o->has_weighted_minor)
			money(o->weighted_minor, lead_opp_currency(o), weighted, sizeof(weighted));
		else
			snprintf(weighted, sizeof(weighted), "-");
		const char *owner = has(o->owner) ? o->owner : o->owner_id ? "?" : "pool";
		const char *title = has(o->title) ? o->title : "-";
		if (with_lead) {
			const char *cells[] = {
				id, lead, owner, close, amount, open ? prob : "-", weighted, title};
			lead_table_add(t, cells);
		} else {
			const char *cells[] = {id,       close, amount, open ? prob : "-",
					       weighted, title};
			lead_table_add(t, cells);
		}
	}
	lead_table_print(t);
}

void lead_opp_items_table(const Leadd__Opportunity *o)
{
	static const char *const head[] = {"ITEM", "QTY", "PRICE", "AMOUNT"};
	struct lead_table *t = lead_table_new(4, head);
	lead_table_shrink(t, 0, 12);
	for (int c = 1; c < 4; c++)
		lead_table_align_right(t, c);
	const char *code = lead_opp_currency(o);
	for (size_t i = 0; i < o->n_items; i++) {
		const Leadd__OppItem *it = o->items[i];
		char qty[24], price[64], amount[64];
		snprintf(qty, sizeof(qty), "%lld", (long long)it->quantity);
		money(it->unit_price_minor, code, price, sizeof(price));
		money(it->amount_minor, code, amount, sizeof(amount));
		const char *cells[] = {has(it->name) ? it->name : "-", qty, price, amount};
		lead_table_add(t, cells);
	}
	lead_table_print(t);
}

cJSON *lead_opp_json(const Leadd__Opportunity *o)
{
	const char *code = lead_opp_currency(o);
	int open = o->state == LEADD__OPP_STATE__OPP_OPEN;
	cJSON *j = cJSON_CreateObject();
	cJSON_AddItemToObject(j, "id", lead_json_uint(o->id));
	cJSON_AddItemToObject(j, "lead_id", lead_json_id(o->lead_id));
	cJSON_AddItemToObject(j, "lead_title",
			      lead_json_string(has(o->lead_title) ? o->lead_title : NULL));
	cJSON_AddItemToObject(j, "client",
			      lead_json_string(has(o->client_name) ? o->client_name : NULL));
	cJSON_AddItemToObject(j, "title", lead_json_string(has(o->title) ? o->title : NULL));
	cJSON_AddStringToObject(j, "state", lead_opp_state_name(o->state));
	cJSON *items = cJSON_AddArrayToObject(j, "items");
	for (size_t i = 0; i < o->n_items; i++) {
		const Leadd__OppItem *it = o->items[i];
		cJSON *e = cJSON_CreateObject();
		cJSON_AddItemToObject(e, "name", lead_json_string(it->name));
		cJSON_AddItemToObject(e, "quantity", lead_json_int(it->quantity));
		cJSON_AddItemToObject(e, "unit_price", lead_json_minor(it->unit_price_minor, code));
		cJSON_AddItemToObject(e, "amount", lead_json_minor(it->amount_minor, code));
		cJSON_AddItemToArray(items, e);
	}
	cJSON_AddItemToObject(j, "amount", lead_json_money(o->amount));
	cJSON_AddItemToObject(j, "close_date",
			      lead_json_string(has(o->close_date) ? o->close_date : NULL));
	cJSON_AddItemToObject(j, "probability",
			      o->has_probability ? lead_json_uint(o->probability)
						 : cJSON_CreateNull());
	cJSON_AddItemToObject(j, "effective_probability",
			      o->has_effective_probability
				      ? lead_json_uint(o->effective_probability)
				      : cJSON_CreateNull());
	/* Weighted only while open: a closed one is out of the forecast. */
	cJSON_AddItemToObject(j, "weighted",
			      open && o->has_weighted_minor
				      ? lead_json_minor(o->weighted_minor, code)
				      : cJSON_CreateNull());
	cJSON_AddItemToObject(j, "lost_reason",
			      lead_json_string(has(o->lost_reason) ? o->lost_reason : NULL));
	cJSON_AddItemToObject(j, "owner", lead_json_string(has(o->owner) ? o->owner : NULL));
	cJSON_AddItemToObject(j, "owner_id", lead_json_id(o->owner_id));
	cJSON_AddItemToObject(j, "status", lead_json_string(has(o->status) ? o->status : NULL));
	cJSON_AddItemToObject(j, "created_at", lead_json_time(o->created_at));
	cJSON_AddItemToObject(j, "created_by_id", lead_json_id(o->created_by));
	cJSON_AddItemToObject(j, "updated_at", lead_json_time(o->updated_at));
	cJSON_AddItemToObject(j, "closed_at", lead_json_time(o->closed_at));
	cJSON_AddItemToObject(j, "closed_by_id", lead_json_id(o->closed_by));
	cJSON_AddItemToObject(j, "version", lead_json_uint(o->version));
	return j;
}

static int by_currency(const void *a, const void *b)
{
	const Leadd__ForecastAmount *x = *(const Leadd__ForecastAmount *const *)a;
	const Leadd__ForecastAmount *y = *(const Leadd__ForecastAmount *const *)b;
	return strcmp(x->currency ? x->currency : "", y->currency ? y->currency : "");
}

const Leadd__ForecastAmount **lead_forecast_sorted(Leadd__ForecastAmount *const *v, size_t n)
{
	if (!n)
		return NULL;
	const Leadd__ForecastAmount **s = malloc(n * sizeof(*s));
	if (!s) {
		fputs("lead: out of memory\n", stderr);
		exit(LD_EXIT_ERROR);
	}
	for (size_t i = 0; i < n; i++)
		s[i] = v[i];
	qsort(s, n, sizeof(*s), by_currency);
	return s;
}

cJSON *lead_forecast_amounts_json(Leadd__ForecastAmount *const *v, size_t n)
{
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; i < n; i++) {
		const Leadd__ForecastAmount *a = v[i];
		const char *code = has(a->currency) ? a->currency : NULL;
		cJSON *e = cJSON_CreateObject();
		cJSON_AddItemToObject(e, "opps", lead_json_int(a->opps));
		cJSON_AddItemToObject(e, "amount", lead_json_sum(a->amount_minor, code));
		cJSON_AddItemToObject(e, "weighted",
				      lead_json_sum(lead_forecast_weighted(a), code));
		cJSON_AddItemToObject(o, code ? code : "", e);
	}
	return o;
}
