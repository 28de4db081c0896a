/* The kpi reply's counts, for other parts than the kpi request: a watch's
 * snapshot carries the counts at its revision exactly as `kpi` would give
 * them (kpi_handlers.c). */
#ifndef LEADD_KPI_COUNTS_H
#define LEADD_KPI_COUNTS_H

#include "dispatch.h"

/* The kpi reply by owner for rc->who in t (team: NULL or a team name, as
 * KpiRequest.team), in rc->arena, with its revision. LD_OK, or an error
 * code with the sentence set on rc. */
int kpi_counts_at(request_ctx *rc, store_txn *t, const char *team, Leadd__KpiReply **out);

/* Check a team name as KpiRequest.team is checked for rc->who (NOT_FOUND,
 * PERMISSION_DENIED). LD_OK with *team_id, or the error set on rc. */
int kpi_team_check(request_ctx *rc, store_txn *t, const char *team, uint64_t *team_id);

#endif
