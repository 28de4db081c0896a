/* Activities (issue 13): notes, calls, tasks and meetings recorded on a
 * lead. The write core for them: activity_apply() writes the activity
 * record and its three indexes, then records the change as a change of the
 * lead through lead_apply() (kind CHANGE_ACTIVITY or CHANGE_DUE), so the
 * lead's history, the change log, the next action and its version move
 * with it in the same transaction. No handler touches an activity index
 * itself.
 *
 * Store layout (schema 10; all keys big-endian):
 *   DB_ACTIVITIES     lead|number -> leadd.Activity; lead|0 -> last number
 *   DB_IDX_ACT_OPEN   lead -> due|number            (open activities)
 *   DB_IDX_AGENDA     assignee|due -> lead|number   (open activities)
 *   DB_IDX_ACT_ALARM  due -> lead|number            (open, not yet alerted)
 * "Open" is state ACTIVITY_OPEN; an open activity always has a due time
 * (Activity.at). Numbers are never reused, so LEAD.N names one activity
 * for good (a calendar's UID is built from it). */
#ifndef LEADD_ACTIVITY_CORE_H
#define LEADD_ACTIVITY_CORE_H

#include <stdint.h>

#include "lead_core.h"

/* Activities one lead may have had (numbers are not reused: removing one
 * does not make room), and how many may be open at once. Both bound what
 * one lead costs: its activity list fits one reply, its next action and
 * the moves that close or hand over its open activities touch at most
 * ACTIVITY_OPEN_MAX records. */
/* The schema activities came with: the write core keeps them from there. */
#define ACTIVITY_SCHEMA 10

#define ACTIVITY_MAX_PER_LEAD 1000
#define ACTIVITY_OPEN_MAX 100

/* Load activity LEAD.N through the arena: 0, MDB_NOTFOUND or an error. */
int activity_load(store_txn *t, uint64_t lead_id, uint32_t number, ld_arena *arena,
		  Leadd__Activity **out);

/* The last number given on this lead (0: none yet). */
uint32_t activity_last_number(store_txn *t, uint64_t lead_id);

/* How many open activities the lead has. */
size_t activity_open_count(store_txn *t, uint64_t lead_id);

/* Apply one activity change, with the lead it belongs to (lead_old and
 * lead from lead_load_copy; lead is stamped by lead_apply).
 *   op ACTIVITY_ADDED:   old NULL; act's number is assigned here (and
 *                        lead_id, created_*, version stamped)
 *   op ACTIVITY_REMOVED: act is the record as it was; it is deleted
 *   otherwise:           old is the record before, act after
 * ch->kind must be CHANGE_ACTIVITY, or CHANGE_DUE for op ACTIVITY_DUE.
 * Returns the transaction's sticky error. */
int activity_apply(store_txn *t, const Leadd__Lead *lead_old, Leadd__Lead *lead,
		   const Leadd__Activity *old, Leadd__Activity *act, Leadd__Store__ActivityOp op,
		   const lead_change *ch);

/* Set the lead's own next action (LeadUpdateRequest.next_action_at/_note):
 * has_at with at (0 clears it, and its note), note (NULL: unchanged, ""
 * clears). lead_apply then makes next_action_* the earlier of it and the
 * earliest open activity. */
void activity_own_next_set(Leadd__Lead *lead, int has_at, int64_t at, const char *note);

/* Called by lead_apply (from schema 10), before the lead is written:
 * next_action_* become the earlier of the lead's own next action and its
 * earliest open activity (DB_IDX_ACT_OPEN), described for people in
 * next_action_note; strings are taken from ch->arena. */
void activity_next_action(store_txn *t, Leadd__Lead *lead, ld_arena *arena);

/* Called by lead_apply when the lead's owner changes: open activities
 * assigned to the old owner go to the new one (or stay, for a lead going
 * to a pool), so they stay on the agenda of someone who may see the lead. */
void activity_follow_owner(store_txn *t, const Leadd__Lead *old, const Leadd__Lead *lead,
			   ld_arena *arena);

/* activity_close.c: a move into a status of class dead or lost closes
 * the lead's open activities: each becomes ACTIVITY_CLOSED (done_at/by
 * stamped) through activity_apply (op ACTIVITY_CLOSED), in the caller's
 * transaction, after the move. *lead is the lead after the last one (left
 * alone when it has none open); *closed lists them as closed, without
 * their text and outcome (a reply of up to ACTIVITY_OPEN_MAX of them must
 * fit one frame), in arena. Returns t->ret. */
int activity_close_open(store_txn *t, const lead_change *ch, ld_arena *arena, Leadd__Lead **lead,
			Leadd__Activity ***closed, size_t *n_closed);

/* Key helpers. */
void activity_key(uint8_t out[16], uint64_t lead_id, uint32_t number);

/* The word for an op, as HistoryItem.activity_op and Event.activity_op say
 * it ("added", "done", ...). */
const char *activity_op_word(Leadd__Store__ActivityOp op);

#endif
