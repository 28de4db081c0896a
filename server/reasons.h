/* Dead and lost reasons (DB_REASONS, schema 9): per team, plus a list for
 * every team (team id 0). Key: team id (u64 BE) | the text folded by
 * ld_norm_name, so "Too expensive" and "too  EXPENSIVE" are one reason;
 * value: ReasonRecord (the text as first written). A lead moved into a
 * status of class dead or lost names one of its team's reasons or a
 * global one (lead_status_move.c); the lead keeps the text as written in
 * the list, so a reason removed later stays on the leads that had it. */
#ifndef LEADD_REASONS_H
#define LEADD_REASONS_H

#include <stddef.h>
#include <stdint.h>

#include "leadd_store.pb-c.h"
#include "store.h"

typedef Leadd__Store__ReasonRecord reason_record;

/* Reasons one team may have (the global list counts as a team): bounds the
 * list a move's refusal names and reason_list's answer. */
#define REASONS_PER_TEAM_MAX 100
/* A folded reason: a key stays under LMDB's 511 bytes. */
#define REASON_KEY_TEXT_MAX 400

/* The key of a reason: 0 with key/len set, or -1 when the text has nothing
 * once folded, or folds longer than REASON_KEY_TEXT_MAX. */
int reason_key(uint64_t team_id, const char *text, uint8_t key[8 + REASON_KEY_TEXT_MAX + 1],
	       size_t *len);

/* The reason of team `team_id` (0: global) whose text folds as `text`:
 * 0, MDB_NOTFOUND, or an error. */
int reason_find(store_txn *t, uint64_t team_id, const char *text, ld_arena *arena,
		reason_record **out);

/* The reasons of one team (0: the global ones), in key order (folded
 * text), at most `max` (*more set when there are others). 0 or an error. */
/* A team's reason (not the global list's) with the same folded text, any
 * team: 0 with *out, MDB_NOTFOUND, or an error. It walks every team's
 * list (at most REASONS_PER_TEAM_MAX each): for an admin's global add. */
int reason_find_in_teams(store_txn *t, const char *text, ld_arena *arena, reason_record **out);

int reason_team_list(store_txn *t, uint64_t team_id, ld_arena *arena, reason_record **out,
		     size_t max, size_t *n, int *more);

/* How many reasons a team has: 0 or an error. */
int reason_team_count(store_txn *t, uint64_t team_id, size_t *n);

/* Write or delete a record (errors stay in t->ret). */
void reason_put(store_txn *t, const reason_record *r);
void reason_del(store_txn *t, const reason_record *r);

#endif
