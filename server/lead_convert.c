/* lead_convert (issue 15): a lead at the lead stage becomes a prospect
 * by hand, without an opportunity: a status change (CHANGE_STATUS) to a
 * prospect-stage status that is not dead or lost, by default the prospect
 * stage's conversion target. opp_create converts the same way on its own. */
#include <inttypes.h>

#include "ld_error.h"
#include "lead_handlers.h"
#include "lead_moves.h"
#include "opp_handlers.h"
#include "opp_write.h"
#include "search_query.h"
#include "status.h"

/* The status the request names (a word, read as lead_set_status reads
 * it), which must be a live prospect-stage one. */
static int named_target(request_ctx *rc, store_txn *t, const char *word, Leadd__Status **out)
{
	uint64_t id;
	int code = search_status_resolve_one(rc, t, word, &id);
	if (code)
		return code;
	int err = status_load(t, id, &rc->arena, out);
	if (err)
		return dispatch_store_error(rc, err == MDB_NOTFOUND ? MDB_CORRUPTED : err);
	const Leadd__Status *s = *out;
	if (s->stage != LEADD__STAGE__STAGE_PROSPECT)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "'%s' is a %s-stage status: a lead converts to a status of "
				     "the prospect stage ('lead statuses' lists them)",
				     s->name, status_stage_word(s->stage));
	if (lead_class_needs_reason(s->kpi_class))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "'%s' is of class %s: a lead converts to a live prospect "
				     "status; to give it up, move it with a reason (lead status ID "
				     "STATUS --reason TEXT)",
				     s->name, status_class_word(s->kpi_class));
	return LD_OK;
}

int lead_convert(request_ctx *rc, store_txn *t)
{
	const Leadd__LeadConvertRequest *q = rc->req->lead_convert;
	Leadd__Lead *old, *lead;
	Leadd__Status *now, *to;
	int code;
	if ((code = lead_load_for_edit(rc, t, q->id, q->has_expected_version, q->expected_version,
				       &old, &lead)) ||
	    (code = opp_lead_status(rc, t, old, &now)))
		return code;
	if (now->stage != LEADD__STAGE__STAGE_LEAD)
		return dispatch_fail(rc, LD_FAILED_PRECONDITION,
				     "lead %" PRIu64 " is at the %s stage ('%s'): only a lead at "
				     "the lead stage converts",
				     old->id, status_stage_word(now->stage), now->name);
	if (lead_class_needs_reason(now->kpi_class))
		return dispatch_fail(rc, LD_FAILED_PRECONDITION,
				     "lead %" PRIu64 " is %s ('%s'): reopen it first (lead reopen "
				     "%" PRIu64 "), then convert it",
				     old->id, status_class_word(now->kpi_class), now->name,
				     old->id);
	if ((code = q->status ? named_target(rc, t, q->status, &to)
			      : opp_convert_target(rc, t, old, &to)))
		return code;
	lead->status_id = to->id;
	lead->status_reason = NULL;
	lead_change ch = lead_change_of(rc, LEADD__STORE__CHANGE_KIND__CHANGE_STATUS);
	if (lead_apply(t, old, lead, &ch) != 0)
		return dispatch_store_error(rc, t->ret);
	return lead_reply(rc, lead);
}
