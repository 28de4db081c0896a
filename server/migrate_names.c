/* Schema migration: names folded by Unicode rules.
 *
 * Up to schema 2, user and team names were found by their exact bytes and
 * client folders and tags by an ASCII-only lower-casing. From here on all
 * of them are found by ld_norm_name (NFKC and Unicode case folding), so the
 * name databases and the tag index are rebuilt under the new keys.
 *
 * Two records whose names now fold the same cannot both keep their name:
 * - users and teams: the first (lowest id) keeps it; a later one is renamed
 *   "NAME-ID" and a warning names both, so an admin can tell its owner;
 * - client folders: the later folder is merged into the first. Each of its
 *   leads moves to the first folder through the write core, so the move is
 *   a revision like any other, with history and a change-log entry. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "client_folder.h"
#include "ld_norm.h"
#include "lead_core.h"
#include "lead_index.h"
#include "log.h"
#include "migrate.h"
#include "users.h"

static void drop_all(store_txn *t, store_db db)
{
	if (!t->ret)
		t->ret = mdb_drop(t->txn, t->st->dbi[db], 0);
}

/* Re-key one name database; rename a record whose name is taken. */
static void refold_names(store_txn *t, ld_arena *arena, int teams)
{
	void **recs;
	size_t n;
	int rc = teams ? team_all(t, arena, (team_record ***)&recs, &n)
		       : user_all(t, arena, (user_record ***)&recs, &n);
	if (rc) {
		t->ret = t->ret ? t->ret : rc;
		return;
	}
	store_db names = teams ? DB_TEAM_NAMES : DB_USER_NAMES;
	const char *what = teams ? "team" : "user";
	drop_all(t, names);
	for (size_t i = 0; i < n && !t->ret; i++) {
		char **name = teams ? &((team_record *)recs[i])->name
				    : &((user_record *)recs[i])->name;
		uint64_t id = teams ? ((team_record *)recs[i])->id : ((user_record *)recs[i])->id;
		char key[USER_NAME_KEY_MAX + 1];
		MDB_val v;
		if (user_name_key(*name, key) < 0) {
			log_error("migration: %s %" PRIu64 " has a name that cannot be folded",
				  what, id);
			t->ret = MDB_CORRUPTED;
			return;
		}
		if (store_get(t, names, key, strlen(key), &v) == 0) {
			char *renamed = ld_arena_alloc(arena, strlen(*name) + 24);
			if (!renamed) {
				t->ret = ENOMEM;
				return;
			}
			sprintf(renamed, "%s-%" PRIu64, *name, id);
			log_warn("migration: %s names ignore case now; %s %" PRIu64
				 " '%s' is renamed '%s' because another %s has that name",
				 what, what, id, *name, renamed, what);
			*name = renamed;
			if (user_name_key(*name, key) < 0) {
				t->ret = MDB_CORRUPTED;
				return;
			}
			if (teams)
				team_put(t, recs[i], 0);
			else
				user_put(t, recs[i], 0);
		}
		uint8_t idkey[8];
		store_key_u64(idkey, id);
		store_put(t, names, key, strlen(key), idkey, 8, MDB_NOOVERWRITE);
	}
}

/* Every lead's tags under their new keys. */
static void rebuild_tag_index(store_txn *t, ld_arena *arena)
{
	static lead_index_keyset keys;
	MDB_cursor *cur;
	MDB_val k, d;
	drop_all(t, DB_IDX_TAG);
	if (t->ret || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_LEADS], &cur)))
		return;
	int rc;
	for (rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0 && !t->ret;
	     rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		ld_arena_reset(arena);
		Leadd__Lead *l = leadd__lead__unpack(&arena->pb, d.mv_size, d.mv_data);
		if (!l) {
			t->ret = MDB_CORRUPTED;
			break;
		}
		lead_index_keys(l, DB_IDX_TAG, &keys);
		for (size_t i = 0; i < keys.n; i++)
			store_put(t, DB_IDX_TAG, keys.keys[i].data, keys.keys[i].len, k.mv_data, 8,
				  MDB_NODUPDATA);
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND && !t->ret)
		t->ret = rc;
}

/* Move every lead of folder `from` into folder `to` (named `name`). */
static void merge_client(store_txn *t, ld_arena *arena, uint64_t from, uint64_t to, char *name,
			 int64_t now)
{
	uint8_t key[8];
	store_key_u64(key, from);
	for (;;) {
		/* Take the first lead left in the folder: each move takes it out
		 * of the client index, so the loop ends. */
		MDB_cursor *cur;
		MDB_val k = {8, key}, d;
		if (t->ret || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_IDX_CLIENT], &cur)))
			return;
		int rc = mdb_cursor_get(cur, &k, &d, MDB_SET_KEY);
		uint64_t lead_id = rc == 0 && d.mv_size == 8 ? store_key_get_u64(d.mv_data) : 0;
		mdb_cursor_close(cur);
		if (rc == MDB_NOTFOUND)
			break;
		if (rc || !lead_id) {
			t->ret = rc ? rc : MDB_CORRUPTED;
			return;
		}
		Leadd__Lead *old, *lead;
		if (lead_load_copy(t, lead_id, arena, &old, &lead)) {
			t->ret = t->ret ? t->ret : MDB_CORRUPTED;
			return;
		}
		lead->has_client_id = 1;
		lead->client_id = to;
		lead->client_name = name;
		lead_change ch = {
			.now = now, .author = 0, .kind = LEADD__STORE__CHANGE_KIND__CHANGE_UPDATE};
		lead_apply(t, old, lead, &ch);
	}
	store_del(t, DB_CLIENTS, key, 8, NULL, 0);
}

static void refold_clients(store_txn *t, ld_arena *arena)
{
	MDB_stat ms;
	if (t->ret || (t->ret = mdb_stat(t->txn, t->st->dbi[DB_CLIENTS], &ms)))
		return;
	Leadd__Store__ClientRecord **recs = ld_arena_alloc(arena,
							   (ms.ms_entries + 1) * sizeof(*recs));
	size_t n = 0;
	MDB_cursor *cur;
	MDB_val k, d;
	if (!recs || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_CLIENTS], &cur))) {
		t->ret = t->ret ? t->ret : ENOMEM;
		return;
	}
	for (int rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0 && n < ms.ms_entries;
	     rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		recs[n] = leadd__store__client_record__unpack(&arena->pb, d.mv_size, d.mv_data);
		if (!recs[n] || !recs[n]->name) {
			t->ret = MDB_CORRUPTED;
			break;
		}
		n++;
	}
	mdb_cursor_close(cur);
	drop_all(t, DB_CLIENT_NAMES);
	int64_t now = (int64_t)time(NULL) * 1000;
	/* Merges run after the scan: they write leads, not clients. */
	for (size_t i = 0; i < n && !t->ret; i++) {
		char norm[CLIENT_NAME_KEY_MAX + 1];
		MDB_val v;
		if (ld_norm_name(recs[i]->name, norm, sizeof(norm)) < 0 || !norm[0]) {
			log_error("migration: client folder %" PRIu64 " '%s' has a name that "
				  "cannot be folded",
				  recs[i]->id, recs[i]->name);
			t->ret = MDB_CORRUPTED;
			return;
		}
		if (store_get(t, DB_CLIENT_NAMES, norm, strlen(norm), &v) == 0 && v.mv_size == 8) {
			uint64_t to = store_key_get_u64(v.mv_data);
			char *name = NULL;
			for (size_t j = 0; j < i; j++)
				if (recs[j]->id == to)
					name = recs[j]->name;
			log_warn("migration: client folder %" PRIu64 " '%s' is merged into folder "
				 "%" PRIu64 " '%s': their names are the same but for case",
				 recs[i]->id, recs[i]->name, to, name ? name : "?");
			merge_client(t, arena, recs[i]->id, to, name, now);
			continue;
		}
		uint8_t idkey[8];
		store_key_u64(idkey, recs[i]->id);
		store_put(t, DB_CLIENT_NAMES, norm, strlen(norm), idkey, 8, MDB_NOOVERWRITE);
	}
}

void migrate_fold_names(store_txn *t)
{
	ld_arena arena;
	ld_arena_init(&arena, 0);
	refold_names(t, &arena, 0);
	ld_arena_reset(&arena);
	refold_names(t, &arena, 1);
	ld_arena_reset(&arena);
	rebuild_tag_index(t, &arena);
	ld_arena_reset(&arena);
	refold_clients(t, &arena);
	ld_arena_free(&arena);
}
