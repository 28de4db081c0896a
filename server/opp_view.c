#include "opp_view.h"

#include "ld_error.h"
#include "opp_core.h"
#include "opp_write.h"

int opp_view_of_lead(request_ctx *rc, store_txn *t, const Leadd__Lead *lead,
		     Leadd__Opportunity ***out, size_t *n)
{
	uint64_t ids[OPP_MAX_PER_LEAD];
	size_t total, k = opp_lead_ids(t, lead->id, ids, OPP_MAX_PER_LEAD, &total);
	*n = 0;
	*out = NULL;
	if (t->ret)
		return dispatch_store_error(rc, t->ret);
	if (!k)
		return LD_OK;
	if (!(*out = ld_arena_alloc(&rc->arena, k * sizeof(**out))))
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	for (size_t i = k; i-- > 0;) {
		Leadd__Opportunity *opp;
		int err = opp_load(t, ids[i], &rc->arena, &opp);
		if (err == MDB_NOTFOUND)
			continue; /* an entry without its record: verify names it */
		if (err)
			return dispatch_store_error(rc, err);
		int code = opp_reply_fields(rc, t, opp, lead);
		if (code)
			return code;
		opp->n_items = 0;
		opp->items = NULL;
		(*out)[(*n)++] = opp;
	}
	return LD_OK;
}
