/* Opportunities as people and scripts read them (issue 15): one line, a
 * table, the item lines, the JSON object, and forecast amounts (per
 * currency, never added across currencies). Shared by `lead opp`, `lead
 * show`, `lead history`, `lead watch`, `lead forecast` and `lead kpi`. */
#ifndef LEAD_OPP_H
#define LEAD_OPP_H

#include "lead.h"

/* "open", "won", "lost" ("?" for another). */
const char *lead_opp_state_name(int state);

/* The opportunity's currency ("EUR"); NULL when it carries none. */
const char *lead_opp_currency(const Leadd__Opportunity *o);

/* "opportunity 7 'Roof repair', 12000.00 EUR, closing 2027-01-31": one
 * opportunity in a sentence (an open one with its own probability "...
 * EUR, probability 50%, closing ...", won ones "won 2026-12-05", lost ones
 * "lost 2026-12-05: Too expensive"). Not escaped (lead_out escapes). */
void lead_opp_sentence(const Leadd__Opportunity *o, char *buf, size_t len);

/* Opportunities as a table: OPP, (with with_lead) LEAD and OWNER, CLOSE
 * (the expected day, or "won DAY"/"lost DAY"), AMOUNT, PROB, WEIGHTED,
 * TITLE. */
void lead_opp_table(Leadd__Opportunity *const *v, size_t n, int with_lead);

/* An opportunity's items: ITEM, QTY, PRICE, AMOUNT. */
void lead_opp_items_table(const Leadd__Opportunity *o);

/* The JSON object of one opportunity (docs/cli.md). */
cJSON *lead_opp_json(const Leadd__Opportunity *o);

/* Forecast amounts as JSON: {"EUR": {"opps": N, "amount": MONEY,
 * "weighted": MONEY}, ...}, one key per currency. */
cJSON *lead_forecast_amounts_json(Leadd__ForecastAmount *const *v, size_t n);

/* The amounts of v sorted by currency code, for printing: a new array of
 * n pointers into v (free it), NULL when n is 0. */
const Leadd__ForecastAmount **lead_forecast_sorted(Leadd__ForecastAmount *const *v, size_t n);

#endif
