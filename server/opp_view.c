#include "opp_view.h"

#include <errno.h>

#include "opp_core.h"
#include "status.h"
#include "users.h"

static int dup(ld_arena *arena, const char *s, char **out)
{
	*out = s ? ld_arena_strdup(arena, s) : NULL;
	return s && !*out ? ENOMEM : 0;
}

int opp_view_fill(store_txn *t, ld_arena *arena, const Leadd__Lead *lead, Leadd__Opportunity *opp)
{
	int err;
	if ((err = dup(arena, lead->title, &opp->lead_title)) ||
	    (err = dup(arena, lead->client_name, &opp->client_name)))
		return err;
	opp->has_owner_id = 1;
	opp->owner_id = lead->owner_id;
	opp->owner = "";
	if (lead->owner_id) {
		user_record *u;
		err = user_load(t, lead->owner_id, arena, &u);
		if (err && err != MDB_NOTFOUND)
			return t->ret = err;
		opp->owner = err ? "(unknown user)" : u->name;
	}
	Leadd__Status *s = NULL;
	err = status_load(t, lead->status_id, arena, &s);
	if (err && err != MDB_NOTFOUND)
		return t->ret = err;
	opp->status = err ? "(unknown status)" : s->name;
	if (opp->state != LEADD__OPP_STATE__OPP_OPEN)
		return 0;
	uint32_t p = opp->has_probability ? opp->probability : s && !err ? s->probability : 0;
	opp->has_effective_probability = opp->has_weighted_minor = 1;
	opp->effective_probability = p;
	int64_t amount = opp->amount ? opp->amount->amount_minor : 0;
	opp->weighted_minor = (int64_t)opp_x100_round((__int128)amount * p);
	return 0;
}

int opp_view_of_lead(store_txn *t, ld_arena *arena, const Leadd__Lead *lead,
		     Leadd__Opportunity ***out, size_t *n)
{
	uint64_t ids[OPP_MAX_PER_LEAD];
	size_t total, k = opp_lead_ids(t, lead->id, ids, OPP_MAX_PER_LEAD, &total);
	*n = 0;
	*out = NULL;
	if (t->ret)
		return t->ret;
	if (!k)
		return 0;
	if (!(*out = ld_arena_alloc(arena, k * sizeof(**out))))
		return ENOMEM;
	for (size_t i = k; i-- > 0;) {
		Leadd__Opportunity *opp;
		int err = opp_load(t, ids[i], arena, &opp);
		if (err == MDB_NOTFOUND)
			continue; /* an entry without its record: verify names it */
		if (err || (err = opp_view_fill(t, arena, lead, opp)))
			return err;
		opp->n_items = 0;
		opp->items = NULL;
		(*out)[(*n)++] = opp;
	}
	return 0;
}
