/* Whose opportunities a caller may read (opp_list, forecast): the
 * (team, owner) keys of the listing index and the forecast counters that
 * hold exactly the leads the caller may see, narrowed by an owner or team
 * filter. The rule is dispatch_may_see_lead's: an admin every lead, a
 * manager the leads of the teams they manage and their own, a rep their
 * own and their team's pool when the team shows it. An owner or team
 * filter naming leads the caller may not see is refused with
 * PERMISSION_DENIED, as kpi refuses a team. */
#ifndef LEADD_OPP_SCOPE_H
#define LEADD_OPP_SCOPE_H

#include <stdint.h>

#include "dispatch.h"

/* One key: a team and an owner (0: the team's pool), each either given
 * or any. */
typedef struct {
	uint64_t team, owner;
	int any_team, any_owner;
} opp_scope_key;

typedef struct {
	opp_scope_key *keys;
	size_t n;
} opp_scope;

/* The keys for rc->who with the filters (NULL or "": none). `what` names
 * the reading in a refusal ("opportunities", "the forecast"). LD_OK, or
 * the error with the sentence set on rc. Keys live in rc->arena. */
int opp_scope_of(request_ctx *rc, store_txn *t, const char *owner, const char *team,
		 const char *what, opp_scope *out);

/* Does key k take (team, owner)? */
int opp_scope_key_has(const opp_scope_key *k, uint64_t team, uint64_t owner);

/* The bytes a key's records start with after a one-byte tag (0 for no
 * tag): the tag, then team and owner as far as they are given. Returns
 * the prefix's length. */
size_t opp_scope_prefix(const opp_scope_key *k, int tag, uint8_t out[17]);

#endif
