/* Saved searches in the store: the key layout of the searches database,
 * records by key and by id, the pins of a user, and which searches a
 * principal can see. The handlers (saved_search.c) and leadd verify
 * (verify_searches.c) share it, so the layout is written down once. */
#ifndef LEADD_SAVED_SEARCH_STORE_H
#define LEADD_SAVED_SEARCH_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "leadd_store.pb-c.h"
#include "principal.h"
#include "store.h"

typedef Leadd__Store__SavedSearchRecord saved_record;
typedef Leadd__Store__SearchPinsRecord saved_pins;

/* Key kinds (first byte). A search's key is kind|scope id|folded name. */
#define SAVED_KEY_USER 'u' /* a user's own search: scope is the user id */
#define SAVED_KEY_TEAM 't' /* a team search: scope is the team id */
#define SAVED_KEY_ID 'i'   /* 'i'|search id -> the search's key */
#define SAVED_KEY_PINS 'p' /* 'p'|user id -> SearchPinsRecord */

#define META_NEXT_SEARCH_ID "last_search_id"

/* Bounds (docs/protocol.md, "Saved searches"). */
#define SAVED_NAME_MAX 64     /* characters of a name */
#define SAVED_FOLDED_MAX 400  /* bytes of a folded name (keys stay under 511) */
#define SAVED_RECORD_MAX 2048 /* bytes of one stored search: name and filter */
#define SAVED_PER_SCOPE 100   /* searches a user, or a team, may have */
#define SAVED_PINS_MAX 20     /* pinned searches per user */

#define SAVED_KEY_MAX (9 + SAVED_FOLDED_MAX)

typedef struct {
	uint8_t b[SAVED_KEY_MAX];
	size_t len;
} saved_key;

/* The folded form of a search name, or -1 when it does not fold (not UTF-8,
 * empty once trimmed, too long). */
int saved_fold(const char *name, char out[SAVED_FOLDED_MAX + 1]);
void saved_key_make(saved_key *k, char kind, uint64_t scope, const char *folded);
/* Kind and scope of a search key; 0, or -1 if it is not one. */
int saved_key_parse(const void *key, size_t len, char *kind, uint64_t *scope);

/* 0, MDB_NOTFOUND or an error (MDB_CORRUPTED when it does not decode). */
int saved_get(store_txn *t, const saved_key *k, ld_arena *arena, saved_record **out);
int saved_get_by_id(store_txn *t, uint64_t id, ld_arena *arena, saved_key *k, saved_record **out);
/* Write the record under k and its id entry (a new one gets an id first). */
void saved_put(store_txn *t, const saved_key *k, saved_record *s, int is_new);
/* Delete the record and its id entry. */
void saved_del(store_txn *t, const saved_key *k, uint64_t id);
/* Searches under one scope: how many (stops counting at limit), or the
 * records themselves appended to *list (grown in the arena), their stored
 * bytes added to *bytes. */
int saved_count(store_txn *t, char kind, uint64_t scope, size_t limit, size_t *n);
int saved_scan(store_txn *t, char kind, uint64_t scope, ld_arena *arena, saved_record ***list,
	       size_t *n, size_t *cap, size_t *bytes);

/* A user's pins (an empty record when they have none). */
int saved_pins_get(store_txn *t, uint64_t user_id, ld_arena *arena, saved_pins **out);
void saved_pins_put(store_txn *t, uint64_t user_id, const saved_pins *p);

/* May the principal see (run, list, pin) the search? */
int saved_visible(const principal_t *who, const saved_record *s);

#endif
