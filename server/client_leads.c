/* The leads of a client folder: found through the client index, pointed
 * at a folder through the write core (so a rename or a merge is a revision
 * of each lead, with history, and the word index follows the name). */
#include "client_leads.h"

#include <string.h>

int client_lead_next(store_txn *t, uint64_t folder, uint64_t after, uint64_t *lead_id)
{
	MDB_cursor *cur;
	if (t->ret || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_IDX_CLIENT], &cur)))
		return 0;
	uint8_t fkey[8], akey[8];
	store_key_u64(fkey, folder);
	store_key_u64(akey, after + 1);
	MDB_val k = {8, fkey}, v = {8, akey};
	/* The first id at or past after + 1 among the folder's. */
	int rc = after == UINT64_MAX ? MDB_NOTFOUND
				     : mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH_RANGE);
	int found = rc == 0 && v.mv_size == 8;
	if (found)
		*lead_id = store_key_get_u64(v.mv_data);
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		t->ret = rc;
	else if (rc == 0 && !found)
		t->ret = MDB_CORRUPTED;
	return found;
}

int client_lead_point(store_txn *t, ld_arena *arena, uint64_t lead_id, uint64_t to,
		      const char *name, const lead_change *ch)
{
	Leadd__Lead *old, *lead;
	int err = lead_load_copy(t, lead_id, arena, &old, &lead);
	if (err)
		return t->ret = t->ret ? t->ret : (err == MDB_NOTFOUND ? MDB_CORRUPTED : err);
	if (old->client_id == to && old->client_name && strcmp(old->client_name, name) == 0)
		return 1;
	lead->has_client_id = 1;
	lead->client_id = to;
	lead->client_name = (char *)name;
	lead_apply(t, old, lead, ch);
	return t->ret;
}
