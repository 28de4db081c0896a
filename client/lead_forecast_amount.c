/* Forecast amounts (issue 15): lists of ForecastAmount, one per currency,
 * as KpiCounts.forecast and ClassCount.opps carry them. Here: a watch's
 * change added to such a list (KpiDelta.opps, for lead_kpi_apply), the
 * weighted amount as shown, and leadtop's line of text. Amounts of two
 * currencies are never added together: each currency is its own entry.
 * (Sorting and JSON are lead_opp.c's, with the rest of lead's output.)
 *
 * The weighted amount is exact in weighted_x100 (hundredths of a minor
 * unit): changes add it, and it is rounded (half away from zero) only
 * when shown, as leadd rounds ForecastAmount.weighted_minor. */
#include <stdlib.h>
#include <string.h>

#include "lead.h"

/* x100 / 100, rounded half away from zero. */
static int64_t round_x100(int64_t x100)
{
	int64_t q = x100 / 100, r = x100 % 100;
	if (r >= 50)
		q++;
	else if (r <= -50)
		q--;
	return q;
}

/* The exact weighted amount; from weighted_minor when leadd sent no x100
 * (INT64_MAX, "at least", when that is past int64). */
static int64_t x100_of(const Leadd__ForecastAmount *a)
{
	int64_t x100;
	if (a->has_weighted_x100)
		return a->weighted_x100;
	if (__builtin_mul_overflow(a->weighted_minor, 100, &x100))
		return a->weighted_minor < 0 ? INT64_MIN : INT64_MAX;
	return x100;
}

int64_t lead_forecast_weighted(const Leadd__ForecastAmount *a)
{
	/* An x100 at INT64_MAX is past int64 (leadd saturates it), while
	 * weighted_minor, a hundredth of it, may still be exact. */
	if (!a->has_weighted_x100 || a->weighted_x100 == INT64_MAX)
		return a->weighted_minor;
	return round_x100(a->weighted_x100);
}

static void drop(Leadd__ForecastAmount ***list, size_t *n, size_t i)
{
	leadd__forecast_amount__free_unpacked((*list)[i], NULL);
	memmove(&(*list)[i], &(*list)[i + 1], (*n - i - 1) * sizeof(**list));
	(*n)--;
}

int lead_forecast_add(Leadd__ForecastAmount ***list, size_t *n, const Leadd__ForecastAmount *d,
		      int *under)
{
	if (!d->currency || (!d->opps && !d->amount_minor && !x100_of(d)))
		return 0;
	size_t i = 0;
	while (i < *n && !((*list)[i]->currency && strcmp((*list)[i]->currency, d->currency) == 0))
		i++;
	if (i == *n) {
		/* A currency the list had not: it starts from zero. */
		Leadd__ForecastAmount *a = malloc(sizeof(*a));
		char *code = strdup(d->currency);
		Leadd__ForecastAmount **na = a && code ? realloc(*list, (*n + 1) * sizeof(*na))
						       : NULL;
		if (!na) {
			free(a);
			free(code);
			return -1;
		}
		leadd__forecast_amount__init(a);
		a->currency = code;
		a->has_opps = a->has_amount_minor = a->has_weighted_minor = 1;
		a->has_weighted_x100 = 1;
		*list = na;
		na[(*n)++] = a;
	}
	Leadd__ForecastAmount *a = (*list)[i];
	int64_t opps;
	if (__builtin_add_overflow(a->opps, d->opps, &opps)) {
		*under |= LEAD_KPI_DISAGREE;
		drop(list, n, i);
		return 1;
	}
	/* Sums past int64 stay "at least" (lead_sum_add); the weighted
	 * amount follows its exact x100 while that is inside int64. */
	int64_t amount = lead_sum_add(a->amount_minor, d->amount_minor, under);
	int64_t x100 = lead_sum_add(x100_of(a), x100_of(d), under);
	int64_t weighted = x100 == INT64_MAX ? lead_sum_add(lead_forecast_weighted(a),
							    lead_forecast_weighted(d), under)
					     : round_x100(x100);
	/* No open opportunity left: the entry goes, as leadd lists none. An
	 * amount left over, or fewer than none, means the changes and the
	 * counts disagree. */
	if (opps <= 0) {
		if (opps < 0 || amount || x100)
			*under |= LEAD_KPI_DISAGREE;
		drop(list, n, i);
		return 1;
	}
	a->opps = opps;
	a->amount_minor = amount;
	a->weighted_x100 = x100;
	a->weighted_minor = weighted;
	a->has_opps = a->has_amount_minor = a->has_weighted_minor = a->has_weighted_x100 = 1;
	return 1;
}

void lead_forecast_format(const Leadd__ForecastAmount *a, char *buf, size_t len)
{
	char amount[64], weighted[64];
	lead_format_sum(a->amount_minor, a->currency, amount, sizeof(amount));
	lead_format_sum(lead_forecast_weighted(a), a->currency, weighted, sizeof(weighted));
	snprintf(buf, len, "%lld open  %s  weighted %s", (long long)a->opps, amount, weighted);
}
