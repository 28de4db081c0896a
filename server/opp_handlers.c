/* opp_create and opp_edit (issue 15): adding an opportunity to a lead,
 * which converts a lead still at the lead stage in the same change, and
 * changing an open one. Every check runs before the one write, through
 * opp_apply. Won and lost: opp_close.c. */
#include "opp_handlers.h"

#include <inttypes.h>
#include <string.h>

#include "ld_currency.h"
#include "ld_error.h"
#include "ld_norm.h"
#include "lead_handlers.h"
#include "lead_moves.h"
#include "opp_core.h"
#include "opp_write.h"
#include "status.h"

/* The currency of a new opportunity: the lead's value's, else the
 * request's, else EUR. */
static int create_currency(request_ctx *rc, const Leadd__Lead *lead, const char *asked,
			   const char **out)
{
	const char *has = lead->value && lead->value->currency && *lead->value->currency
				  ? lead->value->currency
				  : NULL;
	if (has && asked && strcmp(asked, has) != 0)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "lead %" PRIu64 "'s value is in %s, so its opportunities are "
				     "too: leave the currency out or give %s",
				     lead->id, has, has);
	*out = has ? has : asked ? asked : "EUR";
	if (!ld_currency_find(*out))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "the currency '%s' is not an ISO 4217 code: use three capital "
				     "letters, such as EUR or USD",
				     *out);
	return LD_OK;
}

/* Room for one more opportunity on the lead, open at that. */
static int room_for_one(request_ctx *rc, store_txn *t, uint64_t lead_id)
{
	size_t total, open = opp_lead_open_count(t, lead_id, &total);
	if (t->ret)
		return dispatch_store_error(rc, t->ret);
	if (total >= OPP_MAX_PER_LEAD)
		return dispatch_fail(rc, LD_FAILED_PRECONDITION,
				     "lead %" PRIu64 " has had %d opportunities, the most one lead "
				     "may have; carry on in a renewal of it (lead renew %" PRIu64
				     ")",
				     lead_id, OPP_MAX_PER_LEAD, lead_id);
	if (open >= OPP_OPEN_MAX)
		return dispatch_fail(rc, LD_FAILED_PRECONDITION,
				     "lead %" PRIu64
				     " has %d open opportunities, the most at once; "
				     "mark one won or lost first",
				     lead_id, OPP_OPEN_MAX);
	return LD_OK;
}

int opp_create(request_ctx *rc, store_txn *t)
{
	const Leadd__OppCreateRequest *q = rc->req->opp_create;
	Leadd__Lead *old, *lead;
	Leadd__Status *now;
	const char *currency = NULL;
	int64_t amount;
	int code;
	if ((code = opp_check_title(rc, q->title)) ||
	    (code = opp_check_date(rc, q->close_date, 1, "the expected close date")) ||
	    (code = opp_check_probability(rc, q->has_probability, q->probability)) ||
	    (code = lead_load_for_edit(rc, t, q->lead_id, q->has_expected_version,
				       q->expected_version, &old, &lead)) ||
	    (code = create_currency(rc, old, q->currency, &currency)) ||
	    (code = opp_check_items(rc, q->items, q->n_items, currency, &amount)) ||
	    (code = opp_lead_status(rc, t, old, &now)))
		return code;
	if (lead_class_needs_reason(now->kpi_class))
		return dispatch_fail(rc, LD_FAILED_PRECONDITION,
				     "lead %" PRIu64 " is %s ('%s'): reopen it first (lead reopen "
				     "%" PRIu64 "), then add the opportunity",
				     old->id, status_class_word(now->kpi_class), now->name,
				     old->id);
	if ((code = room_for_one(rc, t, old->id)))
		return code;
	/* Still at the lead stage: it converts in this change. */
	if (now->stage == LEADD__STAGE__STAGE_LEAD) {
		Leadd__Status *to;
		if ((code = opp_convert_target(rc, t, old, &to)))
			return code;
		lead->status_id = to->id;
		lead->status_reason = NULL;
	}
	Leadd__Opportunity *o = ld_arena_alloc(&rc->arena, sizeof(*o));
	Leadd__Money *m = ld_arena_alloc(&rc->arena, sizeof(*m));
	if (!o || !m)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__opportunity__init(o);
	leadd__money__init(m);
	m->currency = (char *)currency;
	m->has_amount_minor = 1;
	m->amount_minor = amount;
	o->amount = m;
	o->title = q->title ? q->title : old->title;
	o->items = q->items;
	o->n_items = q->n_items;
	if (q->close_date && *q->close_date)
		o->close_date = q->close_date;
	o->has_probability = q->has_probability;
	o->probability = q->probability;
	lead_change ch = lead_change_of(rc, LEADD__STORE__CHANGE_KIND__CHANGE_OPPORTUNITY);
	if (opp_apply(t, old, lead, NULL, o, LEADD__STORE__OPP_OP__OPP_ADDED, &ch) != 0)
		return dispatch_store_error(rc, t->ret);
	return opp_reply(rc, t, o, lead, old->status_id, lead->status_id);
}

static int same_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static int same_items(const Leadd__Opportunity *a, Leadd__OppItem **items, size_t n)
{
	if (a->n_items != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!same_str(a->items[i]->name, items[i]->name) ||
		    a->items[i]->quantity != items[i]->quantity ||
		    a->items[i]->unit_price_minor != items[i]->unit_price_minor)
			return 0;
	return 1;
}

int opp_edit(request_ctx *rc, store_txn *t)
{
	const Leadd__OppEditRequest *q = rc->req->opp_edit;
	int clear = q->has_clear_probability && q->clear_probability;
	opp_target x;
	int64_t amount;
	int code;
	if (clear && q->has_probability)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "give a probability or clear it, not both");
	if ((code = opp_check_title(rc, q->title)) ||
	    (code = opp_check_date(rc, q->close_date, 1, "the expected close date")) ||
	    (code = opp_check_probability(rc, q->has_probability, q->probability)) ||
	    (code = opp_load_open(rc, t, q->id, q->has_expected_version, q->expected_version, &x)))
		return code;
	Leadd__Opportunity *o = x.opp;
	int changed = 0;
	if (q->title && !same_str(q->title, o->title)) {
		o->title = q->title;
		changed = 1;
	}
	if (q->n_items) {
		if ((code = opp_check_items(rc, q->items, q->n_items, o->amount->currency,
					    &amount)))
			return code;
		if (!same_items(o, q->items, q->n_items)) {
			o->items = q->items;
			o->n_items = q->n_items;
			changed = 1;
		}
	}
	if (q->close_date && !same_str(q->close_date, o->close_date)) {
		o->close_date = *q->close_date ? q->close_date : NULL;
		changed = 1;
	}
	if (q->has_probability && (!o->has_probability || o->probability != q->probability)) {
		o->has_probability = 1;
		o->probability = q->probability;
		changed = 1;
	}
	if (clear && o->has_probability) {
		o->has_probability = 0;
		o->probability = 0;
		changed = 1;
	}
	if (!changed) { /* nothing to record: the same version, and the reply says so */
		if ((code = opp_reply(rc, t, x.old, x.lead_old, 0, 0)) == LD_OK)
			rc->resp.opp->has_unchanged = rc->resp.opp->unchanged = 1;
		return code;
	}
	lead_change ch = lead_change_of(rc, LEADD__STORE__CHANGE_KIND__CHANGE_OPPORTUNITY);
	if (opp_apply(t, x.lead_old, x.lead, x.old, o, LEADD__STORE__OPP_OP__OPP_EDITED, &ch) != 0)
		return dispatch_store_error(rc, t->ret);
	return opp_reply(rc, t, o, x.lead, 0, 0);
}
