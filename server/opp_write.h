/* What the opportunity writes (opp_handlers.c, opp_close.c,
 * lead_convert.c) share: loading an opportunity its caller may see, the
 * statuses a lead moves to, checking what a request gives an opportunity,
 * and the answer. Every write goes through opp_apply or lead_apply. */
#ifndef LEADD_OPP_WRITE_H
#define LEADD_OPP_WRITE_H

#include "dispatch.h"
#include "lead_core.h"

/* The opportunity `id` and its lead, each twice (as lead_load_copy: the
 * record before, and a copy to change), when the caller may see the lead
 * (else NOT_FOUND, as if it did not exist). With has_expected, the
 * opportunity's version must be `expected` (else ABORTED). Only an open
 * one may change: a won or lost one is FAILED_PRECONDITION. LD_OK, or the
 * code with the answer set. */
typedef struct {
	Leadd__Opportunity *old, *opp;
	Leadd__Lead *lead_old, *lead;
} opp_target;
int opp_load_open(request_ctx *rc, store_txn *t, uint64_t id, int has_expected, uint64_t expected,
		  opp_target *out);

/* Statuses (status_all_sorted, through the arena; *out NULL: none).
 * The status of `stage` flagged as its conversion target: */
int opp_stage_target(store_txn *t, ld_arena *a, Leadd__Stage stage, Leadd__Status **out);
/* The first, by position, of `stage` and class `c`: */
int opp_stage_first_of_class(store_txn *t, ld_arena *a, Leadd__Stage stage, Leadd__KpiClass c,
			     Leadd__Status **out);
/* Where opp_create and lead_convert move a lead at the lead stage: the
 * prospect stage's conversion target. LD_OK, or FAILED_PRECONDITION when
 * it has none (with the sentence). */
int opp_convert_target(request_ctx *rc, store_txn *t, const Leadd__Lead *lead, Leadd__Status **out);
/* A lead's status (MDB_CORRUPTED when it names none). LD_OK or the code. */
int opp_lead_status(request_ctx *rc, store_txn *t, const Leadd__Lead *lead, Leadd__Status **out);

/* The request's items (1..OPP_ITEMS_MAX, each named, quantity
 * 1..OPP_QUANTITY_MAX, unit price >= 0, amounts within OPP_AMOUNT_MAX) in
 * `currency`; *amount their sum. LD_OK or INVALID_ARGUMENT. */
int opp_check_items(request_ctx *rc, Leadd__OppItem **items, size_t n, const char *currency,
		    int64_t *amount);
/* A title: not blank (one line and at most 200 bytes: validate.c). */
int opp_check_title(request_ctx *rc, const char *title);
/* A close date as a request gives it: "" (none, when allow_empty) or
 * YYYY-MM-DD. `what` names it ("the expected close date"). */
int opp_check_date(request_ctx *rc, const char *date, int allow_empty, const char *what);
int opp_check_probability(request_ctx *rc, int has, uint32_t p);

/* Fill the reply-only fields of opp (lead title, client, owner, status,
 * effective probability, weighted amount) from its lead as it is now. */
int opp_reply_fields(request_ctx *rc, store_txn *t, Leadd__Opportunity *opp,
		     const Leadd__Lead *lead);
/* Answer OppReply: the opportunity and its lead after the change; the
 * lead's old and new status names when it moved (from != to). */
int opp_reply(request_ctx *rc, store_txn *t, Leadd__Opportunity *opp, Leadd__Lead *lead,
	      uint64_t from, uint64_t to);

#endif
