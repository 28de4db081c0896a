/* Schema migration 5: an owned lead is in its owner's team.
 *
 * Older leadds kept a lead's team when its owner moved to another team, and
 * a manager claiming from the pool of a team they manage (not their own)
 * kept the pool's team. Since schema 5 the team follows the owner (a team
 * change moves the user's leads, a claim takes the lead into the claimer's
 * team) and `leadd verify` checks it; leads an older leadd left elsewhere
 * join their owner's team here, each through the write core as an
 * assignment by leadd itself (author 0): a new version and history entry
 * say when and why it moved. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <time.h>

#include "lead_core.h"
#include "log.h"
#include "migrate.h"
#include "users.h"

/* Ids of owned leads not in their owner's team, in *ids (malloc'd). */
static size_t misplaced_leads(store_txn *t, ld_arena *ar, uint64_t **ids)
{
	MDB_cursor *cur;
	size_t n = 0, cap = 0;
	*ids = NULL;
	if (t->ret || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_LEADS], &cur)))
		return 0;
	MDB_val k, v;
	int rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && !t->ret;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		ld_arena_reset(ar);
		Leadd__Lead *l = leadd__lead__unpack(&ar->pb, v.mv_size, v.mv_data);
		user_record *u;
		/* A lead that does not decode, or whose owner is missing, is
		 * left for verify to report. */
		if (!l || !l->owner_id || user_load(t, l->owner_id, ar, &u) != 0 ||
		    l->team_id == u->team_id)
			continue;
		if (n == cap) {
			size_t grown = cap ? cap * 2 : 256;
			uint64_t *p = realloc(*ids, grown * sizeof(*p));
			if (!p) {
				t->ret = ENOMEM;
				break;
			}
			*ids = p;
			cap = grown;
		}
		(*ids)[n++] = l->id;
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND && !t->ret)
		t->ret = rc;
	return n;
}

void migrate_lead_teams(store_txn *t)
{
	ld_arena ar;
	ld_arena_init(&ar, 0);
	uint64_t *ids;
	size_t n = misplaced_leads(t, &ar, &ids);
	lead_change ch = {.now = (int64_t)time(NULL) * 1000,
			  .author = 0,
			  .kind = LEADD__STORE__CHANGE_KIND__CHANGE_ASSIGN};
	for (size_t i = 0; i < n && !t->ret; i++) {
		ld_arena_reset(&ar);
		Leadd__Lead *old, *lead;
		user_record *u;
		if (lead_load(t, ids[i], &ar, &old) || lead_load(t, ids[i], &ar, &lead) ||
		    user_load(t, old->owner_id, &ar, &u)) {
			t->ret = t->ret ? t->ret : MDB_CORRUPTED;
			break;
		}
		lead->has_team_id = 1;
		lead->team_id = u->team_id;
		lead_apply(t, old, lead, &ch);
	}
	if (n && !t->ret)
		log_warn("migration: %zu lead(s) were in another team than their owner's; they "
			 "joined their owner's team",
			 n);
	free(ids);
	ld_arena_free(&ar);
}
