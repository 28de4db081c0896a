/* Lead search: filters resolved as the caller, planned over the indexes
 * (lead_index.h) and run in bounded slices. */
#ifndef LEADD_SEARCH_QUERY_H
#define LEADD_SEARCH_QUERY_H

#include "dispatch.h"

/* Resolve and check a filter as the caller would run it (names of
 * statuses, users, teams, clients; dates; value bounds). LD_OK, or an error
 * code with the sentence set on rc. Saved searches check a filter with it
 * before storing it. */
int search_filter_check(request_ctx *rc, store_txn *t, const Leadd__LeadFilter *f);

#endif
