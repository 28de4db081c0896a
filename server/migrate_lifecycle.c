/* Migrations 9 and 11: conversion targets. Stand-by, archive and reasons
 * (9) and opportunities (11) start empty (no lead had them), so their
 * indexes and databases need no filling; what an older store lacks is a
 * conversion target. The first status by position of the stage's class
 * (prospect for the prospect stage, won for the customer stage) gets the
 * flag (prospect-Qualified and customer-Won in the default list), unless a
 * status of that stage has it already. */
#include <string.h>

#include "migrate.h"
#include "status.h"

static void flag_target(store_txn *t, Leadd__Stage stage, Leadd__KpiClass kpi_class)
{
	MDB_cursor *cur;
	if (t->ret || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_STATUSES], &cur)))
		return;
	ld_arena arena;
	ld_arena_init(&arena, 0);
	Leadd__Status *best = NULL;
	int flagged = 0;
	MDB_val k, v;
	int rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		Leadd__Status *s = leadd__status__unpack(&arena.pb, v.mv_size, v.mv_data);
		if (!s) {
			migrate_fail(t, "status record %llu does not decode",
				     (unsigned long long)(k.mv_size == 8
								  ? store_key_get_u64(k.mv_data)
								  : 0));
			break;
		}
		if (s->stage != stage)
			continue;
		if (s->conversion_target)
			flagged = 1;
		if (s->kpi_class == kpi_class && (!best || s->position < best->position))
			best = s;
	}
	mdb_cursor_close(cur);
	if (!t->ret && rc != 0 && rc != MDB_NOTFOUND)
		t->ret = rc;
	if (!t->ret && !flagged && best) {
		best->has_conversion_target = best->conversion_target = 1;
		uint8_t key[8];
		store_key_u64(key, best->id);
		store_put_msg(t, DB_STATUSES, key, 8, &best->base);
	}
	ld_arena_free(&arena);
}

void migrate_lifecycle(store_txn *t)
{
	flag_target(t, LEADD__STAGE__STAGE_PROSPECT, LEADD__KPI_CLASS__KPI_PROSPECT);
}

void migrate_opportunities(store_txn *t)
{
	/* opp_won moves a lead to its customer stage's target, when that is of
	 * class won (opp_core.h). */
	flag_target(t, LEADD__STAGE__STAGE_CUSTOMER, LEADD__KPI_CLASS__KPI_WON);
}
