/* User and team records, names, and building a principal at login. */
#ifndef LEADD_USERS_H
#define LEADD_USERS_H

#include "leadd.pb-c.h"
#include "leadd_store.pb-c.h"
#include "principal.h"
#include "store.h"

typedef Leadd__Store__UserRecord user_record;
typedef Leadd__Store__TeamRecord team_record;

/* 0, MDB_NOTFOUND or an error. */
int user_load(store_txn *t, uint64_t id, ld_arena *arena, user_record **out);
/* Found by name whatever its case or Unicode form (user_name_key). */
int user_find(store_txn *t, const char *name, ld_arena *arena, user_record **out);
int team_load(store_txn *t, uint64_t id, ld_arena *arena, team_record **out);
int team_find(store_txn *t, const char *name, ld_arena *arena, team_record **out);

/* The key a user or team name is stored under: the name folded by
 * ld_norm_name. 0, or -1 if the name is empty or folds too long. */
#define USER_NAME_KEY_MAX 500
int user_name_key(const char *name, char key[USER_NAME_KEY_MAX + 1]);
/* 1 if two names are the same name (same key). */
int user_name_equal(const char *a, const char *b);

/* Write a user or team record and its name entry (new ones get an id). */
void user_put(store_txn *t, user_record *u, int is_new);
void team_put(store_txn *t, team_record *tm, int is_new);

/* Every user / team, in id order. */
int user_all(store_txn *t, ld_arena *arena, user_record ***out, size_t *n);
int team_all(store_txn *t, ld_arena *arena, team_record ***out, size_t *n);

/* Fill who from the user: role, id and the teams they see. */
int user_principal(store_txn *t, const user_record *u, ld_arena *arena, principal_t *who);
int principal_has_team(const principal_t *who, uint64_t team_id);
/* How many teams user `user_id` would see with `own_team` as their team
 * and, for team `team_id` (0: a team being created), `managed` saying
 * whether they manage it; every other team as stored. A principal holds
 * PRINCIPAL_MAX_TEAMS at most, so changes past it are refused rather than
 * have some teams silently not seen. 0 with *count, or an LMDB error. */
int user_teams_seen(store_txn *t, ld_arena *arena, uint64_t user_id, uint64_t own_team,
		    uint64_t team_id, int managed, size_t *count);

/* The next active rep of a team after its round-robin mark, or 0. */
int team_next_rep(store_txn *t, const team_record *tm, ld_arena *arena, uint64_t *user_id);

/* Wire views. */
Leadd__User *user_to_wire(store_txn *t, const user_record *u, ld_arena *arena);
Leadd__Team *team_to_wire(store_txn *t, const team_record *tm, ld_arena *arena);

role_t role_from_wire(Leadd__Role r);
Leadd__Role role_to_wire(role_t r);

/* Count of users (leadd init refuses a data directory that has any). */
uint64_t user_count(store_txn *t);

#endif
