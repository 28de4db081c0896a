/* Migration 7: KPI counters by (team, owner, status) with value totals,
 * and the per-day rollup of the flow (lead_counters.h, lead_rollup.h).
 *
 * Before schema 7 the counters were keyed (owner, status) and there was no
 * rollup. Both are rebuilt from scratch: the counters from the leads, the
 * rollup by replaying each lead's history, where consecutive entries are
 * the changes the write core saw (the first one is the create). verify
 * recounts both the same way, so a migrated directory passes it. */
#include "lead_counters.h"
#include "lead_rollup.h"
#include "leadd_store.pb-c.h"
#include "migrate.h"

static void recount_leads(store_txn *t, ld_arena *arena)
{
	MDB_cursor *cur;
	if (t->ret || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_LEADS], &cur)))
		return;
	MDB_val k, d;
	int rc;
	for (rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0 && !t->ret;
	     rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		ld_arena_reset(arena);
		Leadd__Lead *l = leadd__lead__unpack(&arena->pb, d.mv_size, d.mv_data);
		if (!l) {
			migrate_fail(t, "the record of lead %llu does not decode",
				     k.mv_size == 8
					     ? (unsigned long long)store_key_get_u64(k.mv_data)
					     : 0ULL);
			break;
		}
		lead_counters_add(t, l, +1);
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND && !t->ret)
		t->ret = rc;
}

/* History keys are lead id | revision, so one lead's entries come together
 * and in order. Two arenas: the previous entry stays decoded while the next
 * one is read. */
static void replay_history(store_txn *t, ld_arena arenas[2])
{
	MDB_cursor *cur;
	if (t->ret || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_HISTORY], &cur)))
		return;
	MDB_val k, d;
	int rc, side = 0;
	uint64_t prev_id = 0;
	Leadd__Lead *prev = NULL;
	for (rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0 && !t->ret;
	     rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		side ^= 1;
		ld_arena_reset(&arenas[side]);
		Leadd__Store__HistoryEntry *h = leadd__store__history_entry__unpack(
			&arenas[side].pb, d.mv_size, d.mv_data);
		if (!h || !h->lead || k.mv_size != 16) {
			migrate_fail(t, "a history entry of lead %llu does not decode",
				     k.mv_size == 16
					     ? (unsigned long long)store_key_get_u64(k.mv_data)
					     : 0ULL);
			break;
		}
		uint64_t id = store_key_get_u64(k.mv_data);
		lead_rollup_change c = {id == prev_id ? prev : NULL, h->lead, h->at, h->activity,
					h->activity_op};
		lead_rollup_record(t, &c);
		prev_id = id;
		prev = h->lead;
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND && !t->ret)
		t->ret = rc;
}

void migrate_kpi(store_txn *t)
{
	if (t->ret)
		return;
	/* Empty both (del = 0 keeps the databases open). */
	if ((t->ret = mdb_drop(t->txn, t->st->dbi[DB_COUNTERS], 0)) ||
	    (t->ret = mdb_drop(t->txn, t->st->dbi[DB_ROLLUP], 0)))
		return;
	t->puts++;
	ld_arena arenas[2];
	ld_arena_init(&arenas[0], 0);
	ld_arena_init(&arenas[1], 0);
	recount_leads(t, &arenas[0]);
	replay_history(t, arenas);
	ld_arena_free(&arenas[0]);
	ld_arena_free(&arenas[1]);
}
