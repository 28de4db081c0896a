/* Client folders: the company several leads belong to (noCRM.io). Found by
 * normalised name, created on first use. */
#ifndef LEADD_CLIENT_FOLDER_H
#define LEADD_CLIENT_FOLDER_H

#include "store.h"

/* The longest folded name (ld_norm_name) a folder may have: under LMDB's
 * 511-byte key limit. */
#define CLIENT_NAME_KEY_MAX 500

/* Find or create the folder for `name` (not empty), found by its folded
 * name: "MAISON LEFÈVRE SA" finds "Maison Lefèvre SA". Sets *id and *display
 * (the folder's name as first written, in the arena). Returns t->ret, or
 * EINVAL (the transaction unharmed) if the folded name is empty or longer
 * than CLIENT_NAME_KEY_MAX. */
int client_ensure(store_txn *t, const char *name, int64_t now, ld_arena *arena, uint64_t *id,
		  char **display);

/* The schema from which folders are keyed by client_name_key and their
 * words indexed (store_migrate.c). */
#define CLIENT_FOLDER_SCHEMA 8

/* A folder's key in DB_CLIENT_NAMES: its name with case, accents,
 * punctuation and spaces folded away, so "Coca Cola", "coca-cola" and
 * "CocaCola" are one folder. 0, or -1 when nothing is left or it is longer
 * than CLIENT_NAME_KEY_MAX (out holds CLIENT_NAME_KEY_MAX + 1 bytes). */
int client_name_key(const char *name, char *out, size_t outlen);

/* What client_resolve found. */
enum {
	CLIENT_FOUND = 0,    /* an existing folder, or a new one made */
	CLIENT_NEAR = -1,    /* none by that name, but *near is close: nothing made */
	CLIENT_BAD_NAME = -2 /* the name folds to nothing or is too long */
};

/* Find the folder `name` names, or make it. A name no folder has but close
 * to one ("Coca Kola" beside "Coca-Cola", by edit distance or shared
 * words) is CLIENT_NEAR, with the closest folder's name in *near (arena),
 * unless allow_near says to make the new folder anyway. Sets *id and
 * *display (the folder's name as first written). A storage error is left
 * in t->ret and returned (> 0). */
int client_resolve(store_txn *t, const char *name, int allow_near, int64_t now, ld_arena *arena,
		   uint64_t *id, char **display, char **near);

/* Migration to schema 8: re-key client_names by client_name_key (folders
 * whose names now fold alike are merged into the oldest, their leads moved
 * through the write core) and build client_words. */
void migrate_clients(store_txn *t);

#endif
