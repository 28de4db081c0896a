/* Shared by the lead request families (lead_handlers.c, lead_assign.c). */
#ifndef LEADD_LEAD_HANDLERS_H
#define LEADD_LEAD_HANDLERS_H

#include "dispatch.h"
#include "lead_core.h"
#include "users.h"

/* INVALID_ARGUMENT: a request about one lead came without its id. */
int lead_missing_id(request_ctx *rc);
/* Load a lead the caller may see, else NOT_FOUND as if it did not exist;
 * id 0 (absent) is INVALID_ARGUMENT. */
int lead_load_visible(request_ctx *rc, store_txn *t, uint64_t id, Leadd__Lead **out);
int lead_reply(request_ctx *rc, Leadd__Lead *lead);
lead_change lead_change_of(const request_ctx *rc, Leadd__Store__ChangeKind kind);
/* Give `lead` to the next active rep of `tm` and move the team's mark.
 * Leaves it in the pool when the team has no active rep. Returns t->ret. */
int lead_round_robin(request_ctx *rc, store_txn *t, Leadd__Lead *lead, team_record *tm);

/* user_edit's team change: the user's owned leads take their new team, a
 * chunk of them per call; sets rc->again while leads are left (the writer
 * runs the request again, and user_edit then calls only this). */
int lead_follow_owner_team(request_ctx *rc, store_txn *t, uint64_t user_id, uint64_t team_id);
/* At start: finish team changes a crash interrupted (their leads join the
 * user's team). 0, or the LMDB error that stopped it (logged). */
int lead_finish_team_moves(store *st);

/* A contact as a lead may hold it: a name, an email or a phone, and those
 * well formed. `which` names it in the sentence ("contact 2", "the
 * contact"). LD_OK, or the code with the answer set. */
int lead_check_contact(request_ctx *rc, const Leadd__Contact *c, const char *which);
/* contact_handlers.c: the lead to change, and a copy to change, for an
 * edit based on `expected` (when has_expected; stale: ABORTED as
 * lead_update answers). LD_OK, or the code with the answer set. */
int lead_load_for_edit(request_ctx *rc, store_txn *t, uint64_t id, int has_expected,
		       uint64_t expected, Leadd__Lead **old, Leadd__Lead **lead);

#endif
