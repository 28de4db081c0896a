/* What makes an activity well formed, and who it may be for: the checks
 * activity_add and activity_edit share (activity_rules.c). Each check
 * answers LD_OK, or the code with the refusal set on rc. */
#ifndef LEADD_ACTIVITY_RULES_H
#define LEADD_ACTIVITY_RULES_H

#include <stdint.h>

#include "dispatch.h"

/* How far ahead an open activity may be due: about ten years. Further is a
 * typing mistake (a year 20260), not a plan. */
#define ACTIVITY_AHEAD_MAX_MS (3653LL * 86400000LL)
/* A call logged as done may be stamped this far past the server's clock
 * (the client's clock may run a little ahead); later is in the future. */
#define ACTIVITY_CLOCK_SKEW_MS 60000LL
/* The longest a call or meeting may last: a week (a trade fair). */
#define ACTIVITY_DURATION_MAX_MS (7LL * 86400000LL)

/* "note", "call", "task", "meeting". */
const char *activity_kind_word(Leadd__ActivityKind kind);

/* A kind the server knows (not ACTIVITY_UNSPECIFIED). */
int activity_check_kind(request_ctx *rc, Leadd__ActivityKind kind);

/* The activity as it would be stored: its kind's required fields are
 * there, the fields its kind has no use for are not, its time and
 * duration are within bounds. `name` is how the refusal names it
 * ("the call", "activity 42.3"). */
int activity_check(request_ctx *rc, const Leadd__Activity *a, const char *name);

/* The enabled user called `name` who may see `lead`: *id. */
int activity_assignee(request_ctx *rc, store_txn *t, const Leadd__Lead *lead, const char *name,
		      uint64_t *id);

/* The lead may take one more open activity (ACTIVITY_OPEN_MAX). */
int activity_room_open(request_ctx *rc, store_txn *t, uint64_t lead_id);

/* Load activity lead_id.number of a lead the caller sees, checked against
 * expected_version when given (stale: ABORTED). */
int activity_load_for_edit(request_ctx *rc, store_txn *t, uint64_t lead_id, uint32_t number,
			   int has_expected, uint64_t expected, Leadd__Activity **out);

/* The user's name for replies ("" when the user is gone). */
char *activity_user_name(request_ctx *rc, store_txn *t, uint64_t user_id);

#endif
