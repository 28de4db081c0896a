#include "opp_amounts.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "opp_core.h"

void opp_amounts_add(opp_amounts *a, const char *cur, __int128 opps, __int128 amount,
		     __int128 weighted_x100)
{
	size_t i = 0;
	while (i < a->n && memcmp(a->v[i].cur, cur, 3) != 0)
		i++;
	if (i == a->n) {
		if (a->n == a->cap) {
			size_t cap = a->cap ? a->cap * 2 : 4;
			opp_amount *v = realloc(a->v, cap * sizeof(*v));
			if (!v) {
				a->failed = 1;
				return;
			}
			a->v = v;
			a->cap = cap;
		}
		memset(&a->v[i], 0, sizeof(a->v[i]));
		memcpy(a->v[i].cur, cur, 3);
		a->n++;
	}
	a->v[i].opps += opps;
	a->v[i].amount += amount;
	a->v[i].weighted_x100 += weighted_x100;
}

void opp_amounts_totals(opp_amounts *a, Leadd__OppTotal *const *t, size_t n, int sign,
			uint32_t probability)
{
	for (size_t i = 0; i < n; i++) {
		/* As the counters key it: three letters, a shorter one padded. */
		char cur[3] = {' ', ' ', ' '};
		size_t len = t[i]->currency ? strlen(t[i]->currency) : 0;
		memcpy(cur, t[i]->currency, len < 3 ? len : 3);
		opp_open_sums s = {.opps = t[i]->opps,
				   .amount = t[i]->amount_minor,
				   .unweighted = t[i]->unweighted_minor,
				   .own_weighted_x100 = t[i]->own_weighted_x100};
		opp_amounts_add(a, cur, sign * (__int128)t[i]->opps, sign * s.amount,
				sign * opp_weighted_x100(&s, probability));
	}
}

void opp_amounts_merge(opp_amounts *into, const opp_amounts *from)
{
	for (size_t i = 0; i < from->n; i++)
		opp_amounts_add(into, from->v[i].cur, from->v[i].opps, from->v[i].amount,
				from->v[i].weighted_x100);
	into->failed |= from->failed;
}

void opp_amounts_free(opp_amounts *a)
{
	free(a->v);
	memset(a, 0, sizeof(*a));
}

static int64_t saturate(__int128 v)
{
	return v > INT64_MAX ? INT64_MAX : v < INT64_MIN ? INT64_MIN : (int64_t)v;
}

static int cmp_cur(const void *x, const void *y)
{
	return strcmp((*(Leadd__ForecastAmount *const *)x)->currency,
		      (*(Leadd__ForecastAmount *const *)y)->currency);
}

int opp_amounts_to_wire(const opp_amounts *a, ld_arena *arena, int with_weighted,
			Leadd__ForecastAmount ***out, size_t *n)
{
	*n = 0;
	*out = ld_arena_alloc(arena, (a->n + 1) * sizeof(**out));
	if (!*out)
		return -1;
	for (size_t i = 0; i < a->n; i++) {
		const opp_amount *x = &a->v[i];
		if (!x->opps && !x->amount && !x->weighted_x100)
			continue;
		Leadd__ForecastAmount *f = ld_arena_alloc(arena, sizeof(*f));
		char *cur = ld_arena_alloc(arena, 4);
		if (!f || !cur)
			return -1;
		leadd__forecast_amount__init(f);
		memcpy(cur, x->cur, 3);
		cur[3] = 0;
		f->currency = cur;
		f->has_opps = f->has_amount_minor = 1;
		f->opps = saturate(x->opps);
		f->amount_minor = saturate(x->amount);
		if (with_weighted) {
			f->has_weighted_minor = f->has_weighted_x100 = 1;
			f->weighted_minor = saturate(opp_x100_round(x->weighted_x100));
			f->weighted_x100 = saturate(x->weighted_x100);
		}
		(*out)[(*n)++] = f;
	}
	qsort(*out, *n, sizeof(**out), cmp_cur);
	return 0;
}
