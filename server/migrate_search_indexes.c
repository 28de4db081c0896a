/* Migration 6: the search indexes (team, pool, owner|status, words,
 * created, updated, value, source, title) and the fixed-size lead
 * summaries, built from every lead. Earlier migrations ran the write core
 * without them (store_txn.schema), so the databases start empty here. The
 * leads themselves do not change: no revision, no history entry. */
#include "lead_core.h"
#include "lead_index.h"
#include "migrate.h"

static void index_one(store_txn *t, const Leadd__Lead *l)
{
	static lead_index_keyset keys;
	uint8_t id[8], summary[LEAD_SUMMARY_SIZE];
	lead_summary sum;
	store_key_u64(id, l->id);
	for (size_t i = 0; i < lead_index_count && !t->ret; i++) {
		store_db db = lead_index_dbs[i];
		if (lead_index_since(db) != LEAD_SEARCH_SCHEMA)
			continue;
		lead_index_keys(l, db, &keys);
		for (size_t k = 0; k < keys.n; k++)
			store_put(t, db, keys.keys[k].data, keys.keys[k].len, id, 8, MDB_NODUPDATA);
	}
	lead_summary_of(l, &sum);
	lead_summary_encode(&sum, summary);
	store_put(t, DB_LEAD_SUMMARY, id, 8, summary, sizeof(summary), 0);
}

void migrate_search_indexes(store_txn *t)
{
	/* Emptied first, so a directory whose schema number was set back
	 * (a restore, a test) is rebuilt rather than refused. */
	for (size_t i = 0; i < lead_index_count && !t->ret; i++)
		if (lead_index_since(lead_index_dbs[i]) == LEAD_SEARCH_SCHEMA)
			t->ret = mdb_drop(t->txn, t->st->dbi[lead_index_dbs[i]], 0);
	if (!t->ret)
		t->ret = mdb_drop(t->txn, t->st->dbi[DB_LEAD_SUMMARY], 0);
	MDB_cursor *cur;
	if (t->ret || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_LEADS], &cur)))
		return;
	ld_arena arena;
	ld_arena_init(&arena, 1u << 20);
	MDB_val k, v;
	int rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && !t->ret;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		ld_arena_reset(&arena);
		Leadd__Lead *l = leadd__lead__unpack(&arena.pb, v.mv_size, v.mv_data);
		if (!l) {
			/* verify reports it; the index cannot hold what it cannot read */
			t->ret = MDB_CORRUPTED;
			break;
		}
		index_one(t, l);
	}
	mdb_cursor_close(cur);
	ld_arena_free(&arena);
	if (rc && rc != MDB_NOTFOUND && !t->ret)
		t->ret = rc;
}
