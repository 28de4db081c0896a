/* lead kpi: the forecast (issue 15), a table after the counts: the open
 * opportunities of each row's leads that count in the forecast (past the
 * lead stage, not dead or lost), how many, their amount and the weighted
 * amount, one line per currency (never added across currencies). From
 * KpiCounts.forecast, which `lead kpi --watch` keeps up to date from the
 * watch's deltas (lead_kpi_apply). */
#include <stdlib.h>

#include "lead.h"

static void add_rows(struct lead_table *t, const char *name, const Leadd__KpiCounts *c)
{
	if (!c || !c->n_forecast)
		return;
	const Leadd__ForecastAmount **s = lead_forecast_sorted(c->forecast, c->n_forecast);
	for (size_t i = 0; i < c->n_forecast; i++) {
		char n[24], amount[64], weighted[64];
		snprintf(n, sizeof(n), "%lld", (long long)s[i]->opps);
		lead_format_money(s[i]->amount_minor, s[i]->currency, amount, sizeof(amount));
		lead_format_money(lead_forecast_weighted(s[i]), s[i]->currency, weighted,
				  sizeof(weighted));
		/* The row's name on its first currency only. */
		const char *row[] = {i ? "" : name, n, amount, weighted};
		lead_table_add(t, row);
	}
	free(s);
}

void lead_kpi_forecast_print(const Leadd__KpiReply *k, int by_team)
{
	if (!k->total || !k->total->n_forecast)
		return;
	static const char *const head[] = {"FORECAST", "OPEN", "AMOUNT", "WEIGHTED"};
	struct lead_table *t = lead_table_new(4, head);
	lead_table_shrink(t, 0, 12); /* long user or team names */
	for (int c = 1; c < 4; c++)
		lead_table_align_right(t, c);
	char buf[64], name[160];
	/* The rows of the counts' table, in its order. */
	for (size_t i = 0; i < k->n_teams; i++) {
		const Leadd__KpiRow *tm = k->teams[i];
		for (size_t j = 0; !by_team && j < k->n_owners; j++) {
			const Leadd__KpiRow *o = k->owners[j];
			if (o->team_id == tm->id)
				add_rows(t,
					 o->id ? lead_kpi_row_name(o, buf, sizeof(buf)) : "(pool)",
					 o->counts);
		}
		snprintf(name, sizeof(name), by_team ? "%s" : "%s total",
			 lead_kpi_row_name(tm, buf, sizeof(buf)));
		add_rows(t, name, tm->counts);
	}
	for (size_t j = 0; !by_team && j < k->n_owners; j++) {
		const Leadd__KpiRow *o = k->owners[j];
		int listed = 0;
		for (size_t i = 0; i < k->n_teams; i++)
			listed |= k->teams[i]->id == o->team_id;
		if (!listed)
			add_rows(t, lead_kpi_row_name(o, buf, sizeof(buf)), o->counts);
	}
	add_rows(t, "total", k->total);
	lead_out("\n");
	lead_table_print(t);
}
