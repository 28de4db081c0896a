/* Saved searches: a user's own, and those a manager shares with a team. */
#ifndef LEADD_SAVED_SEARCH_H
#define LEADD_SAVED_SEARCH_H

#include "dispatch.h"

/* The saved search `name` the caller may run (their own first, then one
 * shared with their team), for lead_list. LD_OK with *out set, or an error
 * code with the sentence set on rc. */
int saved_search_find(request_ctx *rc, store_txn *t, const char *name, Leadd__SavedSearch **out);

#endif
