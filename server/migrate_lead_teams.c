/* Migration 5: an owned lead is in its owner's team.
 *
 * Before schema 5 a lead kept the team it was created in when its owner moved
 * to another team, and a manager claiming a pool lead left it in the pool's
 * team; so the old team's pool and round-robin could hand it out, and
 * `leadd verify` now reports such leads. The migration moves each one to its
 * owner's team through the write core, as an ordinary change of kind assign
 * authored by user 0 (the system), so its history says when and why. */
#include <time.h>

#include "lead_core.h"
#include "leadd_store.pb-c.h"
#include "log.h"
#include "migrate.h"
#include "users.h"

/* Owner index entries read at a time. */
#define IDS_PER_READ 500

static uint64_t follow_owner(store_txn *t, const user_record *u, ld_arena *arena, int64_t now)
{
	uint64_t moved = 0, after = 0, ids[IDS_PER_READ];
	int more = 1;
	while (more && !t->ret) {
		size_t n = lead_owned_ids(t, u->id, after, ids, IDS_PER_READ, &more);
		for (size_t i = 0; i < n && !t->ret; i++) {
			Leadd__Lead *old, *lead;
			after = ids[i];
			if (lead_load_copy(t, ids[i], arena, &old, &lead)) {
				t->ret = t->ret ? t->ret : MDB_CORRUPTED;
				return moved;
			}
			if (old->owner_id != u->id || old->team_id == u->team_id)
				continue;
			lead->has_team_id = 1;
			lead->team_id = u->team_id;
			lead_change ch = {.now = now,
					  .author = 0,
					  .kind = LEADD__STORE__CHANGE_KIND__CHANGE_ASSIGN};
			lead_apply(t, old, lead, &ch);
			moved++;
		}
	}
	return moved;
}

void migrate_lead_teams(store_txn *t)
{
	int64_t now = (int64_t)time(NULL) * 1000;
	ld_arena users, leads;
	ld_arena_init(&users, 0);
	ld_arena_init(&leads, 0);
	MDB_cursor *cur;
	if (t->ret || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_USERS], &cur)))
		goto out;
	MDB_val k, d;
	int rc;
	uint64_t moved = 0;
	for (rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0 && !t->ret;
	     rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		ld_arena_reset(&users);
		ld_arena_reset(&leads);
		user_record *u = leadd__store__user_record__unpack(&users.pb, d.mv_size, d.mv_data);
		if (!u) {
			t->ret = MDB_CORRUPTED;
			break;
		}
		moved += follow_owner(t, u, &leads, now);
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND && !t->ret)
		t->ret = rc;
	if (moved && !t->ret)
		log_warn("moved %llu lead(s) into their owner's team (an older leadd had left "
			 "them in another)",
			 (unsigned long long)moved);
out:
	ld_arena_free(&users);
	ld_arena_free(&leads);
}
