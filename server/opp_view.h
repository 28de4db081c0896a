/* An opportunity as replies show it (opp_get, opp_list, lead_get): the
 * stored record with the fields filled in from its lead now — title,
 * client, owner, status — and, while it is open, the probability that
 * weighs it (its own, else the lead's status's) and its weighted amount. */
#ifndef LEADD_OPP_VIEW_H
#define LEADD_OPP_VIEW_H

#include "leadd.pb-c.h"
#include "store.h"

/* Fill opp's reply fields from lead (the opportunity's lead). Strings are
 * copied into `arena`, so lead may live in a shorter one. 0, or ENOMEM or
 * an LMDB error (also left in t->ret). */
int opp_view_fill(store_txn *t, ld_arena *arena, const Leadd__Lead *lead, Leadd__Opportunity *opp);

/* The lead's opportunities as lead_get shows them (LeadReply.opps):
 * newest first, each filled in but without its items (n_items 0; amount,
 * state, dates, probability and weighted amount kept), so a lead's
 * OPP_MAX_PER_LEAD of the largest still fit one frame; opp_get gives the
 * items. 0, or ENOMEM or an LMDB error. */
int opp_view_of_lead(store_txn *t, ld_arena *arena, const Leadd__Lead *lead,
		     Leadd__Opportunity ***out, size_t *n);

#endif
