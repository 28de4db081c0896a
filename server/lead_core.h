/* The one write core. Every change to a lead goes through lead_apply(): it
 * writes the record, every secondary index, the KPI counters and rollup,
 * the lead's history and the change log, in the caller's transaction. No
 * handler touches an index, a counter or the history itself. */
#ifndef LEADD_LEAD_CORE_H
#define LEADD_LEAD_CORE_H

#include <stdint.h>

#include "leadd.pb-c.h"
#include "leadd_store.pb-c.h"
#include "store.h"

typedef struct {
	int64_t now;     /* unix ms, fixed when the request arrived so a replayed
			  * batch writes the same thing */
	uint64_t author; /* user id */
	Leadd__Store__ChangeKind kind;
	/* Where the core may put strings it substitutes into `lead` (a tag's
	 * first-written case, tag_names.h); they must live as long as the
	 * lead. NULL: tags are kept as given (their names are still recorded). */
	ld_arena *arena;
	/* CHANGE_ACTIVITY and CHANGE_DUE (activity_core.h sets them): the
	 * activity the change is about and what happened to it, kept in the
	 * history entry and the change log; old_assignee is whose agenda it
	 * was on before. */
	const Leadd__Activity *activity;
	Leadd__Store__ActivityOp activity_op;
	uint64_t old_assignee;
	/* CHANGE_OPPORTUNITY (opp_core.h sets them): the opportunity after the
	 * change and what happened to it, kept in the history entry and the
	 * change log. */
	const Leadd__Opportunity *opportunity;
	Leadd__Store__OppOp opp_op;
} lead_change;

/* Apply one change. old is NULL for a create: the id is assigned here.
 * Takes the next revision, stamps `lead` (version, updated_*, created_* on
 * create) and writes everything. Returns the transaction's sticky error. */
int lead_apply(store_txn *t, const Leadd__Lead *old, Leadd__Lead *lead, const lead_change *ch);

/* Read a lead through the arena: 0, MDB_NOTFOUND or an error. */
int lead_load(store_txn *t, uint64_t id, ld_arena *arena, Leadd__Lead **out);

/* Two decoded copies of one lead from one read, as lead_load gives one:
 * `old` for lead_apply, `lead` to change. */
int lead_load_copy(store_txn *t, uint64_t id, ld_arena *arena, Leadd__Lead **old,
		   Leadd__Lead **lead);

/* Ids of the leads `owner` owns, after `after`, at most `max`, from the
 * owner index; *more when there are others. An error is left in t->ret.
 * Changing only a lead's team leaves its owner index entry alone, so a
 * caller can move leads between calls and go on from the last id. */
size_t lead_owned_ids(store_txn *t, uint64_t owner, uint64_t after, uint64_t *ids, size_t max,
		      int *more);

/* The same for any index keyed by a u64 (DB_IDX_STATUS: a status's leads). */
size_t lead_index_ids(store_txn *t, store_db db, uint64_t key, uint64_t after, uint64_t *ids,
		      size_t max, int *more);

#endif
