/* Unit tests for the forecast on the client side (issue 15): how
 * lead_kpi_apply applies KpiDelta.opps (the class's ClassCount.opps, and
 * KpiCounts.forecast only when in_forecast; two currencies never added;
 * the weighted amount exact in hundredths, rounded when shown; an entry
 * with no opportunity left goes; a change that does not fit is reported;
 * archived deltas leave it alone), and what lead kpi --watch then prints
 * as JSON (client/lead_forecast_amount.c, lead_kpi_apply.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lead.h"

/* A delta of tom (team sales) in prospect-Qualified: count lead(s) and one
 * opportunity change in currency cur. */
struct delta {
	Leadd__KpiDelta d;
	Leadd__ForecastAmount fa, *fap[1];
};

static void delta(struct delta *x, int64_t count, const char *cur, int64_t opps, int64_t amount,
		  int64_t x100, int in_forecast)
{
	Leadd__KpiDelta d = LEADD__KPI_DELTA__INIT;
	d.has_owner_id = d.has_team_id = d.has_status_id = d.has_kpi_class = d.has_count = 1;
	d.owner_id = 7;
	d.owner_name = "tom";
	d.team_id = 1;
	d.team_name = "sales";
	d.status_id = 5;
	d.status_name = "prospect-Qualified";
	d.kpi_class = LEADD__KPI_CLASS__KPI_PROSPECT;
	d.count = count;
	d.has_in_forecast = 1;
	d.in_forecast = in_forecast;
	x->d = d;
	if (cur) {
		leadd__forecast_amount__init(&x->fa);
		x->fa.currency = (char *)cur;
		x->fa.has_opps = x->fa.has_amount_minor = x->fa.has_weighted_x100 = 1;
		x->fa.opps = opps;
		x->fa.amount_minor = amount;
		x->fa.weighted_x100 = x100;
		x->fa.has_weighted_minor = 1;
		x->fa.weighted_minor = x100 / 100;
		x->fap[0] = &x->fa;
		x->d.n_opps = 1;
		x->d.opps = x->fap;
	}
}

static const Leadd__ForecastAmount *find(Leadd__ForecastAmount *const *a, size_t n, const char *cur)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(a[i]->currency, cur) == 0)
			return a[i];
	return NULL;
}

static const Leadd__ClassCount *prospect(const Leadd__KpiCounts *c)
{
	for (size_t i = 0; i < c->n_classes; i++)
		if (c->classes[i]->kpi_class == LEADD__KPI_CLASS__KPI_PROSPECT)
			return c->classes[i];
	return NULL;
}

static Leadd__KpiReply *empty_reply(void)
{
	Leadd__KpiReply *k = leadd__kpi_reply__unpack(NULL, 0, (const uint8_t *)"");
	assert_non_null(k);
	return k;
}

static void test_apply_forecast(void **state)
{
	(void)state;
	Leadd__KpiReply *k = empty_reply();
	struct delta x;
	int under = 0;
	/* An opportunity of 1234.55 EUR on a lead at 10 %: weighted 123.455,
	 * shown 123.46 (half away from zero). */
	delta(&x, 0, "EUR", 1, 123455, 1234550, 1);
	assert_int_equal(lead_kpi_apply(k, &x.d, &under), 1);
	const Leadd__ForecastAmount *f = find(k->total->forecast, k->total->n_forecast, "EUR");
	assert_non_null(f);
	assert_int_equal(f->opps, 1);
	assert_int_equal(f->amount_minor, 123455);
	assert_int_equal(lead_forecast_weighted(f), 12346);
	/* A second one: the exact sum is 2 x 123.455 = 246.91, not 2 x 123.46. */
	assert_int_equal(lead_kpi_apply(k, &x.d, &under), 1);
	f = find(k->total->forecast, k->total->n_forecast, "EUR");
	assert_int_equal(f->opps, 2);
	assert_int_equal(lead_forecast_weighted(f), 24691);
	/* The owner's row, the team's row and the class count it too. */
	assert_int_equal(k->n_owners, 1);
	assert_int_equal(k->owners[0]->counts->n_forecast, 1);
	assert_int_equal(k->teams[0]->counts->forecast[0]->opps, 2);
	const Leadd__ClassCount *cc = prospect(k->total);
	assert_non_null(cc);
	assert_int_equal(cc->n_opps, 1);
	assert_int_equal(cc->opps[0]->amount_minor, 246910);

	/* Another currency: its own entry, never added to the euros. */
	delta(&x, 0, "USD", 1, 50000, 500000, 1);
	assert_int_equal(lead_kpi_apply(k, &x.d, &under), 1);
	assert_int_equal(k->total->n_forecast, 2);
	assert_int_equal(find(k->total->forecast, 2, "USD")->amount_minor, 50000);
	assert_int_equal(find(k->total->forecast, 2, "EUR")->amount_minor, 246910);

	/* Not in the forecast (a lead-stage or dead status): the class's
	 * opportunities move, the forecast does not. */
	delta(&x, 0, "EUR", 1, 1000, 0, 0);
	x.d.kpi_class = LEADD__KPI_CLASS__KPI_QUALIFIED;
	assert_int_equal(lead_kpi_apply(k, &x.d, &under), 1);
	assert_int_equal(find(k->total->forecast, 2, "EUR")->opps, 2);

	/* Won: the opportunity leaves the open forecast; the last one of a
	 * currency takes its entry with it. */
	delta(&x, 0, "USD", -1, -50000, -500000, 1);
	assert_int_equal(lead_kpi_apply(k, &x.d, &under), 1);
	assert_int_equal(k->total->n_forecast, 1);
	assert_null(find(k->total->forecast, 1, "USD"));
	assert_int_equal(k->owners[0]->counts->n_forecast, 1);
	assert_int_equal(under, 0);

	/* Archived deltas have no opportunities: nothing moves. */
	delta(&x, 1, "EUR", 5, 5000, 50000, 1);
	x.d.has_archived = x.d.archived = 1;
	lead_kpi_apply(k, &x.d, &under);
	assert_int_equal(find(k->total->forecast, 1, "EUR")->opps, 2);

	/* More taken away than there is: reported, not wrapped. */
	delta(&x, 0, "EUR", -3, -300000, -3000000, 1);
	lead_kpi_apply(k, &x.d, &under);
	assert_int_equal(under, 1);
	assert_int_equal(k->total->n_forecast, 0);
	leadd__kpi_reply__free_unpacked(k, NULL);
}

/* What lead kpi --watch prints after the deltas: lead_kpi_json's
 * "forecast" and "opps" of the rows (cli's keys), the weighted amounts
 * rounded from the exact sum. */
static void test_json_after_deltas(void **state)
{
	(void)state;
	Leadd__KpiReply *k = empty_reply();
	struct delta x;
	int under = 0;
	delta(&x, 1, "EUR", 1, 123455, 1234550, 1);
	assert_int_equal(lead_kpi_apply(k, &x.d, &under), 1);
	assert_int_equal(lead_kpi_apply(k, &x.d, &under), 1);
	delta(&x, 0, "JPY", 1, 300000, 3000000, 1);
	assert_int_equal(lead_kpi_apply(k, &x.d, &under), 1);
	cJSON *j = lead_kpi_json(k);
	cJSON *tom = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "owners"), "tom");
	char *s = cJSON_PrintUnformatted(cJSON_GetObjectItem(tom, "forecast"));
	assert_string_equal(
		s, "{\"EUR\":{\"opps\":2,\"amount\":{\"amount\":\"2469.10\",\"minor\":246910,"
		   "\"currency\":\"EUR\"},\"weighted\":{\"amount\":\"246.91\",\"minor\":24691,"
		   "\"currency\":\"EUR\"}},\"JPY\":{\"opps\":1,\"amount\":{\"amount\":\"300000\","
		   "\"minor\":300000,\"currency\":\"JPY\"},\"weighted\":{\"amount\":\"30000\","
		   "\"minor\":30000,\"currency\":\"JPY\"}}}");
	free(s);
	s = cJSON_PrintUnformatted(cJSON_GetObjectItem(
		cJSON_GetObjectItem(cJSON_GetObjectItem(tom, "opps"), "prospect"), "EUR"));
	assert_string_equal(s,
			    "{\"opps\":2,\"amount\":{\"amount\":\"2469.10\",\"minor\":246910,"
			    "\"currency\":\"EUR\"},\"weighted\":{\"amount\":\"246.91\",\"minor\":"
			    "24691,\"currency\":\"EUR\"}}");
	free(s);
	cJSON_Delete(j);
	leadd__kpi_reply__free_unpacked(k, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apply_forecast),
		cmocka_unit_test(test_json_after_deltas),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
