/* Client folders: the company several leads belong to (noCRM.io). Found by
 * their key (client_name_key), created on first use; a name close to an
 * existing folder's is a near match the caller must confirm. */
#ifndef LEADD_CLIENT_FOLDER_H
#define LEADD_CLIENT_FOLDER_H

#include "leadd_store.pb-c.h"
#include "store.h"

/* The longest key (client_name_key) a folder may have: under LMDB's
 * 511-byte key limit. */
#define CLIENT_NAME_KEY_MAX 500

/* The schema from which folders are keyed by client_name_key and their
 * words indexed (store_migrate.c). */
#define CLIENT_FOLDER_SCHEMA 8

/* A folder's key in DB_CLIENT_NAMES: its name after NFKC, Unicode case
 * folding and stripping accents, keeping only letters and digits, so
 * "Coca Cola", "coca-cola", "CocaCola" and "COCA-COLA " are one folder.
 * 0; -1 when nothing is left (no letter or digit); -2 when the name is not
 * UTF-8 or the key is longer than CLIENT_NAME_KEY_MAX or outlen - 1. */
int client_name_key(const char *name, char *out, size_t outlen);

/* Why `name` has no key, as the end of a sentence naming it ("the client
 * name '!!!' has no letters or digits"). */
const char *client_name_problem(const char *name);

/* Near matches (docs/protocol.md, "Client folders"):
 * - spelling: the keys differ by at most CLIENT_NEAR_EDITS(n) edits
 *   (insert, delete or replace one character), n being the new key's
 *   length in characters: none under 4, 1 up to 8, 2 beyond;
 * - words: the names share a word of 3 or more characters that is not a
 *   legal form or a filler word (sa, inc, ltd, gmbh, the, group, ...). */
#define CLIENT_NEAR_EDITS(n) ((n) < 4 ? 0 : (n) <= 8 ? 1 : 2)

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

/* The folder whose key is `key`: 0 with *id, MDB_NOTFOUND, or an error. */
int client_find_key(store_txn *t, const char *key, uint64_t *id);

/* Load folder `id`: 0, MDB_NOTFOUND, or an error (MDB_CORRUPTED when the
 * record does not decode). */
int client_load(store_txn *t, uint64_t id, ld_arena *arena, Leadd__Store__ClientRecord **out);

/* The folder closest to `name` (key `key`) other than `exclude`, by the
 * near-match rules above: 1 with *id, 0 when none is near; an error is
 * left in t->ret. Walks client_names keys (no record is decoded) and the
 * client_words entries of the name's words. */
int client_find_near(store_txn *t, const char *name, const char *key, uint64_t exclude,
		     uint64_t *id);

/* Write a folder record (put), or add/remove its name key and words
 * (client_index_put / client_index_del): the only code that writes
 * client_names and client_words. Errors are left in t->ret. */
void client_put(store_txn *t, const Leadd__Store__ClientRecord *rec);
void client_index_put(store_txn *t, uint64_t id, const char *name);
void client_index_del(store_txn *t, uint64_t id, const char *name);

/* The words of a folder's name as client_words keys them (ld_norm_words,
 * each once, in order): fn(word, len, arg) per word; a non-zero return
 * stops. -1 if the name is not UTF-8. */
int client_words_each(const char *name, int (*fn)(const char *w, size_t len, void *arg), void *arg);

/* Is this folded word a legal form or filler word ("sa", "gmbh", "the")
 * that near matches ignore? */
int client_word_is_stop(const char *w, size_t len);

/* Migration to schema 8: re-key client_names by client_name_key (folders
 * whose names now fold alike are merged into the oldest, their leads moved
 * through the write core) and build client_words. */
void migrate_clients(store_txn *t);

#endif
