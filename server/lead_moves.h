/* Moving a lead between statuses (issue 12): lead_set_status with a reason
 * for dead and lost, and reopen. Any status may follow any other, but a
 * status of class dead or lost needs a reason from the lead's team's list
 * (reasons.h) or the global one, unless the caller allows free text
 * (`other`); every other move refuses a reason, and leaving dead or lost
 * clears it. */
#ifndef LEADD_LEAD_MOVES_H
#define LEADD_LEAD_MOVES_H

#include "dispatch.h"

/* 1 for the KPI classes a lead enters only with a reason (dead, lost). */
int lead_class_needs_reason(Leadd__KpiClass c);

/* A new lead (lead_create, lead_renew) may not start in a status of class
 * dead or lost: it would have no reason. LD_OK, or INVALID_ARGUMENT with
 * the answer set (and a hint to create it, then move it). */
int lead_status_check_new(request_ctx *rc, store_txn *t, uint64_t status_id);

/* The reason a move into a dead or lost status records (lead_set_status,
 * opp_lost): one of the lead's team's or the global list's, as written
 * there, or the caller's own text `given` when `other` allows it. LD_OK
 * with *text set, or the refusal: no reason and a reason the lists lack
 * are both FAILED_PRECONDITION (the status needs a reason it can take: a
 * client such as leadtop asks for one then; the sentence says which case
 * it is). `needs` begins the sentence when no reason is given: "lead 7
 * needs a reason to move to 'prospect-Lost'". */
int lead_move_reason(request_ctx *rc, store_txn *t, const char *given, int other,
		     const Leadd__Lead *lead, const char *needs, const char **text);

#endif
