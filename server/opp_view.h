/* The lead's opportunities as lead_get shows them (LeadReply.opps). */
#ifndef LEADD_OPP_VIEW_H
#define LEADD_OPP_VIEW_H

#include "dispatch.h"

/* Newest first, each with its reply fields filled (opp_reply_fields,
 * opp_write.h) but without its items (n_items 0; amount, state, dates,
 * probability and weighted amount kept), so a lead's OPP_MAX_PER_LEAD of
 * the largest still fit one frame; opp_get gives the items. lead lives in
 * rc->arena. LD_OK, or the code with the answer set on rc. */
int opp_view_of_lead(request_ctx *rc, store_txn *t, const Leadd__Lead *lead,
		     Leadd__Opportunity ***out, size_t *n);

#endif
