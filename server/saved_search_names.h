/* Saved-search names and rights (saved_search.c's handlers use them).
 * A name is found by its folded form within a scope: the user's own
 * searches, or one team's. "TEAM/NAME" is team TEAM's search; a bare name
 * is the caller's own, else the one team search of that name they see. */
#ifndef LEADD_SAVED_SEARCH_NAMES_H
#define LEADD_SAVED_SEARCH_NAMES_H

#include "dispatch.h"
#include "saved_search_store.h"

/* A search found by name: its key and record. */
typedef struct {
	saved_key key;
	saved_record *rec;
} found_search;

/* Each returns LD_OK, or an error code with the sentence set on rc. */

/* A new name: 1 to SAVED_NAME_MAX characters, folds, no '/'. */
int saved_check_name(request_ctx *rc, const char *name, char folded[SAVED_FOLDED_MAX + 1]);
/* The search `name` means to the caller (NOT_FOUND if none they see,
 * FAILED_PRECONDITION if two teams' searches they see have it). */
int saved_resolve(request_ctx *rc, store_txn *t, const char *name, found_search *f);
/* May the caller edit or remove s (a search they see)? */
int saved_may_change(request_ctx *rc, store_txn *t, const saved_record *s);
/* Is the folded name free in the scope, but for the search `self`? A
 * user's own name must also differ from the team searches they see. */
int saved_name_free(request_ctx *rc, store_txn *t, char kind, uint64_t scope, const char *folded,
		    const char *name, uint64_t self);
/* The scope of a new search: the caller, or a team they may save for. */
int saved_save_scope(request_ctx *rc, store_txn *t, const char *team, char *kind, uint64_t *scope);

/* The teams whose searches the caller sees (every team for an admin):
 * 0 or an LMDB error / ENOMEM. */
int saved_visible_teams(request_ctx *rc, store_txn *t, uint64_t **ids, size_t *n);
/* A team's name for people. */
const char *saved_team_name(request_ctx *rc, store_txn *t, uint64_t id);

#endif
