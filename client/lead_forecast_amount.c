/* Forecast amounts (issue 15): lists of ForecastAmount, one per currency,
 * as KpiCounts.forecast, ClassCount.opps and the forecast read carry them.
 * Here: a watch's change added to such a list (KpiDelta.opps), the
 * weighted amount as shown, one line of text and the JSON of a list.
 * Amounts of two currencies are never added together: each currency is
 * its own entry.
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

/* The exact weighted amount; from weighted_minor when leadd sent no x100. */
static int64_t x100_of(const Leadd__ForecastAmount *a)
{
	if (a->has_weighted_x100)
		return a->weighted_x100;
	return a->weighted_minor * 100;
}

int64_t lead_forecast_weighted(const Leadd__ForecastAmount *a)
{
	return a->has_weighted_x100 ? round_x100(a->weighted_x100) : a->weighted_minor;
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
	int64_t opps, amount, x100;
	if (__builtin_add_overflow(a->opps, d->opps, &opps) ||
	    __builtin_add_overflow(a->amount_minor, d->amount_minor, &amount) ||
	    __builtin_add_overflow(x100_of(a), x100_of(d), &x100)) {
		*under = 1;
		drop(list, n, i);
		return 1;
	}
	/* No open opportunity left: the entry goes, as leadd lists none. An
	 * amount left over, or fewer than none, means the changes and the
	 * counts disagree. */
	if (opps <= 0) {
		if (opps < 0 || amount || x100)
			*under = 1;
		drop(list, n, i);
		return 1;
	}
	a->opps = opps;
	a->amount_minor = amount;
	a->weighted_x100 = x100;
	a->weighted_minor = round_x100(x100);
	a->has_opps = a->has_amount_minor = a->has_weighted_minor = a->has_weighted_x100 = 1;
	return 1;
}

static int by_currency(const void *x, const void *y)
{
	const Leadd__ForecastAmount *a = *(const Leadd__ForecastAmount *const *)x;
	const Leadd__ForecastAmount *b = *(const Leadd__ForecastAmount *const *)y;
	return strcmp(a->currency ? a->currency : "", b->currency ? b->currency : "");
}

const Leadd__ForecastAmount **lead_forecast_sorted(Leadd__ForecastAmount *const *a, size_t n)
{
	const Leadd__ForecastAmount **s = malloc((n ? n : 1) * sizeof(*s));
	if (!s) {
		fputs("lead: out of memory\n", stderr);
		exit(LD_EXIT_ERROR);
	}
	memcpy(s, a, n * sizeof(*s));
	if (n > 1)
		qsort(s, n, sizeof(*s), by_currency);
	return s;
}

void lead_forecast_format(const Leadd__ForecastAmount *a, char *buf, size_t len)
{
	char amount[64], weighted[64];
	lead_format_money(a->amount_minor, a->currency, amount, sizeof(amount));
	lead_format_money(lead_forecast_weighted(a), a->currency, weighted, sizeof(weighted));
	snprintf(buf, len, "%lld open  %s  weighted %s", (long long)a->opps, amount, weighted);
}

static cJSON *money(int64_t minor, const char *code)
{
	Leadd__Money m = LEADD__MONEY__INIT;
	m.has_amount_minor = 1;
	m.amount_minor = minor;
	m.currency = (char *)code;
	return lead_json_money(&m);
}

cJSON *lead_forecast_json(Leadd__ForecastAmount *const *a, size_t n)
{
	cJSON *o = cJSON_CreateObject();
	const Leadd__ForecastAmount **s = lead_forecast_sorted(a, n);
	for (size_t i = 0; i < n; i++) {
		if (!s[i]->currency)
			continue;
		cJSON *e = cJSON_CreateObject();
		cJSON_AddItemToObject(e, "opps", lead_json_int(s[i]->opps));
		cJSON_AddItemToObject(e, "amount", money(s[i]->amount_minor, s[i]->currency));
		cJSON_AddItemToObject(e, "weighted",
				      money(lead_forecast_weighted(s[i]), s[i]->currency));
		cJSON_AddItemToObject(o, s[i]->currency, e);
	}
	free(s);
	return o;
}
