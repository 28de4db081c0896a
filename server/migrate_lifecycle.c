/* Migration 9: the lead's lifecycle. Stand-by, archive and reasons start
 * empty (no lead had them), so their index and database need no filling;
 * what an older store lacks is a conversion target. The first status by
 * position of class prospect in the prospect stage gets the flag
 * (prospect-Qualified in the default list), unless a status of that stage
 * has it already. */
#include <string.h>

#include "migrate.h"
#include "status.h"

void migrate_lifecycle(store_txn *t)
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
		if (s->stage != LEADD__STAGE__STAGE_PROSPECT)
			continue;
		if (s->conversion_target)
			flagged = 1;
		if (s->kpi_class == LEADD__KPI_CLASS__KPI_PROSPECT &&
		    (!best || s->position < best->position))
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
