/* Schema migration 8: client folders keyed past punctuation and spaces.
 *
 * Up to schema 7 a folder was found by ld_norm_name (case and Unicode form
 * folded), so "Coca Cola" and "Coca-Cola" could be two folders. From
 * schema 8 the key is client_name_key (letters and digits only, accents
 * stripped), and client_words indexes each folder's words.
 *
 * Folders whose names now give one key are merged into the oldest (lowest
 * id): each lead of a later one moves to it through the write core, as a
 * revision with history and a change-log entry, and the later folder goes;
 * a detail the oldest lacks (phone, web, address, note) is taken from it.
 * A folder whose name has no letter or digit ("!!!", which schema 7 took)
 * is renamed "<name> (folder ID)" so it keeps a key. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "client_folder.h"
#include "client_leads.h"
#include "log.h"
#include "migrate.h"

static void drop_all(store_txn *t, store_db db)
{
	if (!t->ret)
		t->ret = mdb_drop(t->txn, t->st->dbi[db], 0);
}

/* Every folder record, by id, decoded into the arena. */
static Leadd__Store__ClientRecord **all_folders(store_txn *t, ld_arena *arena, size_t *n)
{
	MDB_stat ms;
	*n = 0;
	if (t->ret || (t->ret = mdb_stat(t->txn, t->st->dbi[DB_CLIENTS], &ms)))
		return NULL;
	Leadd__Store__ClientRecord **recs = ld_arena_alloc(arena,
							   (ms.ms_entries + 1) * sizeof(*recs));
	MDB_cursor *cur;
	if (!recs) {
		t->ret = ENOMEM;
		return NULL;
	}
	if ((t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_CLIENTS], &cur)))
		return NULL;
	MDB_val k, d;
	for (int rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0 && *n < ms.ms_entries;
	     rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		Leadd__Store__ClientRecord *r = leadd__store__client_record__unpack(
			&arena->pb, d.mv_size, d.mv_data);
		if (!r || !r->name || k.mv_size != 8 || r->id != store_key_get_u64(k.mv_data)) {
			migrate_fail(t, "client folder record %" PRIu64 " does not decode",
				     k.mv_size == 8 ? store_key_get_u64(k.mv_data) : 0);
			break;
		}
		recs[(*n)++] = r;
	}
	mdb_cursor_close(cur);
	return recs;
}

/* Point every lead of `folder` at folder `to` named `name`; `arena` is
 * reset for each lead. */
static void point_leads(store_txn *t, ld_arena *arena, uint64_t folder, uint64_t to,
			const char *name, const lead_change *ch)
{
	uint64_t after = 0, id;
	while (!t->ret && client_lead_next(t, folder, after, &id)) {
		/* A lead moved to another folder leaves this one's index: when
		 * the folder changes, start again from its first lead. */
		ld_arena_reset(arena);
		int r = client_lead_point(t, arena, id, to, name, ch);
		if (t->ret)
			return;
		if (r == 1 && folder != to) {
			t->ret = MDB_CORRUPTED; /* the index and the lead disagree */
			return;
		}
		after = folder == to ? id : 0;
	}
}

static void take_missing(char **keep, char *from, int *changed)
{
	if ((!*keep || !**keep) && from && *from) {
		*keep = from;
		*changed = 1;
	}
}

void migrate_clients(store_txn *t)
{
	ld_arena arena, lead_arena;
	ld_arena_init(&arena, 0);
	ld_arena_init(&lead_arena, 0);
	size_t n;
	Leadd__Store__ClientRecord **recs = all_folders(t, &arena, &n);
	drop_all(t, DB_CLIENT_NAMES);
	drop_all(t, DB_CLIENT_WORDS);
	lead_change ch = {.now = (int64_t)time(NULL) * 1000,
			  .author = 0,
			  .kind = LEADD__STORE__CHANGE_KIND__CHANGE_UPDATE};
	/* By id: the oldest folder keeps a key its later twins fold to. */
	for (size_t i = 0; i < n && !t->ret; i++) {
		Leadd__Store__ClientRecord *r = recs[i];
		char key[CLIENT_NAME_KEY_MAX + 1];
		if (client_name_key(r->name, key, sizeof(key)) < 0) {
			char *renamed = ld_arena_alloc(&arena, strlen(r->name) + 40);
			if (!renamed) {
				t->ret = ENOMEM;
				break;
			}
			sprintf(renamed, "%s (folder %" PRIu64 ")", r->name, r->id);
			log_warn("migration: client folder %" PRIu64 " '%s' has no letter or digit "
				 "in its name; it is renamed '%s'",
				 r->id, r->name, renamed);
			r->name = renamed;
			client_put(t, r);
			point_leads(t, &lead_arena, r->id, r->id, r->name, &ch);
			if (client_name_key(r->name, key, sizeof(key)) < 0) {
				migrate_fail(t, "client folder %" PRIu64 " cannot be named", r->id);
				break;
			}
		}
		uint64_t to;
		int err = client_find_key(t, key, &to);
		if (err == MDB_NOTFOUND) {
			client_index_put(t, r->id, r->name);
			continue;
		}
		if (err) {
			t->ret = t->ret ? t->ret : err;
			break;
		}
		Leadd__Store__ClientRecord *keep = NULL;
		for (size_t j = 0; j < i; j++)
			if (recs[j]->id == to)
				keep = recs[j];
		if (!keep) {
			t->ret = MDB_CORRUPTED;
			break;
		}
		log_warn("migration: client folder %" PRIu64 " '%s' is merged into folder %" PRIu64
			 " '%s': their names differ only in case, accents, spaces or punctuation",
			 r->id, r->name, keep->id, keep->name);
		point_leads(t, &lead_arena, r->id, keep->id, keep->name, &ch);
		int changed = 0;
		take_missing(&keep->phone, r->phone, &changed);
		take_missing(&keep->web, r->web, &changed);
		take_missing(&keep->address, r->address, &changed);
		take_missing(&keep->note, r->note, &changed);
		if (changed)
			client_put(t, keep);
		uint8_t idkey[8];
		store_key_u64(idkey, r->id);
		store_del(t, DB_CLIENTS, idkey, 8, NULL, 0);
	}
	ld_arena_free(&lead_arena);
	ld_arena_free(&arena);
}
