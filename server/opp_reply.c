/* An opportunity as replies show it (opp_write.h): with its lead's title,
 * client, owner and status as they are now, and its weighted amount. */
#include "opp_write.h"

#include "ld_error.h"
#include "opp_core.h"
#include "status.h"
#include "users.h"

int opp_reply_fields(request_ctx *rc, store_txn *t, Leadd__Opportunity *opp,
		     const Leadd__Lead *lead)
{
	Leadd__Status *s;
	int err = status_load(t, lead->status_id, &rc->arena, &s);
	if (err)
		return dispatch_store_error(rc, err == MDB_NOTFOUND ? MDB_CORRUPTED : err);
	opp->lead_title = lead->title;
	opp->client_name = lead->client_name;
	opp->has_owner_id = 1;
	opp->owner_id = lead->owner_id;
	opp->owner = NULL;
	user_record *u;
	if (lead->owner_id && (err = user_load(t, lead->owner_id, &rc->arena, &u)) == 0)
		opp->owner = u->name;
	else if (lead->owner_id && err != MDB_NOTFOUND)
		return dispatch_store_error(rc, err);
	opp->status = s->name;
	opp->has_effective_probability = opp->has_weighted_minor = 1;
	opp->effective_probability = opp->has_probability ? opp->probability : s->probability;
	__int128 x100 = (__int128)(opp->amount ? opp->amount->amount_minor : 0) *
			opp->effective_probability;
	opp->weighted_minor = (int64_t)opp_x100_round(x100);
	return LD_OK;
}

static const char *status_name(request_ctx *rc, store_txn *t, uint64_t id)
{
	Leadd__Status *s;
	return status_load(t, id, &rc->arena, &s) == 0 ? s->name : NULL;
}

int opp_reply(request_ctx *rc, store_txn *t, Leadd__Opportunity *opp, Leadd__Lead *lead,
	      uint64_t from, uint64_t to)
{
	int code = opp_reply_fields(rc, t, opp, lead);
	if (code)
		return code;
	Leadd__OppReply *reply = ld_arena_alloc(&rc->arena, sizeof(*reply));
	if (!reply)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__opp_reply__init(reply);
	reply->opp = opp;
	reply->lead = lead;
	if (from != to) {
		reply->old_status = (char *)status_name(rc, t, from);
		reply->new_status = (char *)status_name(rc, t, to);
	}
	rc->resp.body_case = LEADD__RESPONSE__BODY_OPP;
	rc->resp.opp = reply;
	return LD_OK;
}
