/* lead_standby (issue 12): put a lead on stand-by until a time, or take it
 * off by hand (until 0). The wake-up at that time is leadd's own
 * (standby_timer.c); both go through the write core, so the stand-by index
 * (DB_IDX_STANDBY), the summary, the history and the change log follow. */
#include <inttypes.h>
#include <string.h>

#include "ld_error.h"
#include "ld_norm.h"
#include "lead_handlers.h"
#include "lifecycle_handlers.h"
#include "standby_timer.h"

int lead_standby(request_ctx *rc, store_txn *t)
{
	const Leadd__LeadStandbyRequest *q = rc->req->lead_standby;
	Leadd__Lead *old, *lead;
	int code;
	if (!q->has_until)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "say until when the lead is on stand-by (or 0 to take it "
				     "off stand-by now)");
	int off = q->until == 0;
	if (!off && q->until <= rc->now)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "the stand-by date has passed; give a time in the future");
	if (!off && q->until - rc->now > STANDBY_MAX_MS)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "a lead is put on stand-by for at most %d days; give an "
				     "earlier date",
				     STANDBY_MAX_DAYS);
	if (off && q->reason)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "a reason goes with a stand-by date, not with taking a lead "
				     "off stand-by");
	if ((code = lead_load_for_edit(rc, t, q->id, q->has_expected_version, q->expected_version,
				       &old, &lead)))
		return code;
	/* An archived lead is not put on stand-by; one archived while on
	 * stand-by may still be taken off by hand, as the wake-up would. */
	if (old->archived && !off)
		return dispatch_fail(rc, LD_FAILED_PRECONDITION,
				     "lead %" PRIu64
				     " is archived; restore it before putting it on stand-by",
				     old->id);
	if (off && old->standby_until <= 0)
		return dispatch_fail(rc, LD_FAILED_PRECONDITION,
				     "lead %" PRIu64 " is not on stand-by; nothing to take off",
				     old->id);
	lead->has_standby_until = !off;
	lead->standby_until = off ? 0 : q->until;
	lead->standby_reason = !off && !ld_is_blank(q->reason) ? (char *)q->reason : NULL;
	lead_change ch = lead_change_of(rc, LEADD__STORE__CHANGE_KIND__CHANGE_STANDBY);
	if (lead_apply(t, old, lead, &ch) != 0)
		return dispatch_store_error(rc, t->ret);
	return lead_reply(rc, lead);
}
