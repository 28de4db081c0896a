/* Saved searches: a user's own, and those a manager shares with a team. */
#ifndef LEADD_SAVED_SEARCH_H
#define LEADD_SAVED_SEARCH_H

#include "dispatch.h"

/* The saved search `name` the caller may run, for lead_list: "TEAM/NAME"
 * is that team's; a bare name is the caller's own, else the one search of
 * that name shared with a team they see (FAILED_PRECONDITION when two
 * teams' searches have it). Only what the caller sees now: NOT_FOUND
 * otherwise. LD_OK with *out set (name, filter, sort, desc, team, owner;
 * in rc->arena), or an error code with the sentence set on rc. */
int saved_search_find(request_ctx *rc, store_txn *t, const char *name, Leadd__SavedSearch **out);

#endif
