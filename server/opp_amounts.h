/* Money of opportunities summed per currency, never across currencies:
 * how many, their amount and their weighted amount in hundredths of a
 * minor unit (exact). Shared by the forecast, the kpi counts and the KPI
 * watch's deltas, which all answer ForecastAmount lists. */
#ifndef LEADD_OPP_AMOUNTS_H
#define LEADD_OPP_AMOUNTS_H

#include <stddef.h>

#include "ld_arena.h"
#include "leadd.pb-c.h"

typedef struct {
	char cur[4];
	__int128 opps, amount, weighted_x100;
} opp_amount;

typedef struct {
	opp_amount *v;
	size_t n, cap;
	int failed; /* out of memory: a sum is missing */
} opp_amounts;

/* Add to the currency's sums (cur: three letters, not terminated). */
void opp_amounts_add(opp_amounts *a, const char *cur, __int128 opps, __int128 amount,
		     __int128 weighted_x100);
/* Add a lead's open totals (Lead.open_opps, ChangeEntry.old_opps and
 * new_opps) times sign, weighted under a status of this probability. */
void opp_amounts_totals(opp_amounts *a, Leadd__OppTotal *const *t, size_t n, int sign,
			uint32_t probability);
void opp_amounts_merge(opp_amounts *into, const opp_amounts *from);
void opp_amounts_free(opp_amounts *a);

/* One ForecastAmount per currency with anything in it, in currency order;
 * weighted_minor is weighted_x100 rounded half away from zero, and sums
 * past 64 bits give the largest value. with_weighted 0: the weighted
 * fields are left out (closed-won amounts). 0, or -1 out of memory. */
int opp_amounts_to_wire(const opp_amounts *a, ld_arena *arena, int with_weighted,
			Leadd__ForecastAmount ***out, size_t *n);

#endif
