/* opp_won and opp_lost (issue 15): closing an open opportunity for good,
 * and moving its lead with it in the same change. Won: to the customer
 * stage's won status. Lost: to the prospect stage's lost status with the
 * reason, unless another of the lead's opportunities is open or won (then
 * the lead stays), and the lead's open activities close as on any move
 * into lost (lead_set_status). */
#include "opp_handlers.h"

#include <inttypes.h>
#include <stdio.h>

#include "activity_core.h"
#include "activity_rules.h"
#include "ld_error.h"
#include "ld_norm.h"
#include "lead_handlers.h"
#include "lead_moves.h"
#include "opp_core.h"
#include "opp_write.h"
#include "status.h"

/* The day it closed: the request's (not after tomorrow, UTC: a client
 * sends its local date, up to a day ahead), else today (UTC). */
static int close_day(request_ctx *rc, const char *asked, const char *what, char **out)
{
	char today[11];
	uint32_t day, now = opp_day_of_ms(rc->now);
	if (!asked) {
		opp_day_format(now, today);
		*out = ld_arena_strdup(&rc->arena, today);
		return *out ? LD_OK : dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	}
	if (opp_day_parse(asked, &day) != 0)
		return dispatch_fail(
			rc, LD_INVALID_ARGUMENT,
			"%s '%s' is not a date: give it as YYYY-MM-DD, or leave it out "
			"for today",
			what, asked);
	if (day > now + 1) {
		opp_day_format(now, today);
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "%s '%s' is in the future (today is %s, UTC): give the day "
				     "it happened",
				     what, asked, today);
	}
	*out = (char *)asked;
	return LD_OK;
}

/* The won status a won opportunity's lead moves to: the customer stage's
 * conversion target when it is of class won, else the first of that stage
 * of class won. */
static int won_target(request_ctx *rc, store_txn *t, uint64_t opp_id, Leadd__Status **out)
{
	int err = opp_stage_target(t, &rc->arena, LEADD__STAGE__STAGE_CUSTOMER, out);
	if (!err && (!*out || (*out)->kpi_class != LEADD__KPI_CLASS__KPI_WON))
		err = opp_stage_first_of_class(t, &rc->arena, LEADD__STAGE__STAGE_CUSTOMER,
					       LEADD__KPI_CLASS__KPI_WON, out);
	if (err)
		return dispatch_store_error(rc, err);
	if (!*out)
		return dispatch_fail(rc, LD_FAILED_PRECONDITION,
				     "opportunity %" PRIu64 " cannot be won: no customer-stage "
				     "status is of class won, so its lead has nowhere to go; an "
				     "admin adds one (lead admin status add NAME --stage customer "
				     "--class won ...)",
				     opp_id);
	return LD_OK;
}

int opp_won(request_ctx *rc, store_txn *t)
{
	const Leadd__OppWonRequest *q = rc->req->opp_won;
	opp_target x;
	Leadd__Status *to;
	int code;
	if ((code = opp_load_open(rc, t, q->id, q->has_expected_version, q->expected_version,
				  &x)) ||
	    (code = close_day(rc, q->close_date, "the day it was won", &x.opp->close_date)) ||
	    (code = won_target(rc, t, q->id, &to)))
		return code;
	x.opp->has_state = 1;
	x.opp->state = LEADD__OPP_STATE__OPP_WON;
	if (x.lead->status_id != to->id) {
		x.lead->status_id = to->id;
		x.lead->status_reason = NULL; /* out of dead or lost, if it was */
	}
	lead_change ch = lead_change_of(rc, LEADD__STORE__CHANGE_KIND__CHANGE_OPPORTUNITY);
	if (opp_apply(t, x.lead_old, x.lead, x.old, x.opp, LEADD__STORE__OPP_OP__OPP_WON, &ch) != 0)
		return dispatch_store_error(rc, t->ret);
	return opp_reply(rc, t, x.opp, x.lead, x.lead_old->status_id, x.lead->status_id);
}

/* Does the lead keep another opportunity open or won (than `id`, which is
 * open)? Then losing this one leaves the lead where it is. */
static int keeps_another(request_ctx *rc, store_txn *t, uint64_t lead_id, uint64_t id, int *keeps)
{
	uint64_t ids[OPP_MAX_PER_LEAD];
	size_t total, n = opp_lead_ids(t, lead_id, ids, OPP_MAX_PER_LEAD, &total);
	*keeps = 0;
	for (size_t i = 0; i < n && !t->ret && !*keeps; i++) {
		Leadd__Opportunity *o;
		if (ids[i] == id)
			continue;
		int err = opp_load(t, ids[i], &rc->arena, &o);
		if (err)
			return dispatch_store_error(rc, err == MDB_NOTFOUND ? MDB_CORRUPTED : err);
		*keeps = o->state == LEADD__OPP_STATE__OPP_OPEN ||
			 o->state == LEADD__OPP_STATE__OPP_WON;
	}
	return t->ret ? dispatch_store_error(rc, t->ret) : LD_OK;
}

int opp_lost(request_ctx *rc, store_txn *t)
{
	const Leadd__OppLostRequest *q = rc->req->opp_lost;
	int other = q->has_other && q->other;
	opp_target x;
	Leadd__Status *to;
	const char *reason;
	int keeps, code;
	char needs[96];
	if (other && ld_is_blank(q->reason))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "another reason needs its text: say why, in your own words");
	if ((code = opp_load_open(rc, t, q->id, q->has_expected_version, q->expected_version,
				  &x)) ||
	    (code = close_day(rc, q->close_date, "the day it was lost", &x.opp->close_date)))
		return code;
	snprintf(needs, sizeof(needs),
		 "lead %" PRIu64 " needs a reason to lose opportunity %" PRIu64, x.lead_old->id,
		 q->id);
	if ((code = lead_move_reason(rc, t, q->reason, other, x.lead_old, needs, &reason)) ||
	    (code = keeps_another(rc, t, x.lead_old->id, q->id, &keeps)))
		return code;
	int err = opp_stage_first_of_class(t, &rc->arena, LEADD__STAGE__STAGE_PROSPECT,
					   LEADD__KPI_CLASS__KPI_LOST, &to);
	if (err)
		return dispatch_store_error(rc, err);
	if (!keeps && !to)
		return dispatch_fail(rc, LD_FAILED_PRECONDITION,
				     "opportunity %" PRIu64 " cannot be lost: no prospect-stage "
				     "status is of class lost, so its lead has nowhere to go; an "
				     "admin adds one (lead admin status add NAME --stage prospect "
				     "--class lost ...)",
				     q->id);
	x.opp->has_state = 1;
	x.opp->state = LEADD__OPP_STATE__OPP_LOST;
	x.opp->lost_reason = (char *)reason;
	int moves = !keeps && x.lead->status_id != to->id;
	if (moves) {
		x.lead->status_id = to->id;
		x.lead->status_reason = (char *)reason;
	}
	lead_change ch = lead_change_of(rc, LEADD__STORE__CHANGE_KIND__CHANGE_OPPORTUNITY);
	if (opp_apply(t, x.lead_old, x.lead, x.old, x.opp, LEADD__STORE__OPP_OP__OPP_LOST, &ch) !=
	    0)
		return dispatch_store_error(rc, t->ret);
	Leadd__Lead *lead = x.lead;
	Leadd__Activity **closed = NULL;
	size_t n = 0;
	if (moves) {
		/* Lost has nothing left to do: the open activities close after
		 * the move, as lead_set_status closes them, and the reply lists
		 * them as its reply does. */
		ch = lead_change_of(rc, LEADD__STORE__CHANGE_KIND__CHANGE_ACTIVITY);
		if (activity_close_open(t, &ch, &rc->arena, &lead, &closed, &n) != 0)
			return dispatch_store_error(rc, t->ret);
	}
	code = opp_reply(rc, t, x.opp, lead, x.lead_old->status_id, lead->status_id);
	if (code == LD_OK) {
		for (size_t i = 0; i < n; i++)
			closed[i]->assignee = activity_user_name(rc, t, closed[i]->assignee_id);
		rc->resp.opp->closed_activities = closed;
		rc->resp.opp->n_closed_activities = n;
	}
	return code;
}
