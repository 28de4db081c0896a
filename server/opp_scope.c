#include "opp_scope.h"

#include <string.h>

#include "ld_error.h"
#include "users.h"

typedef struct {
	request_ctx *rc;
	opp_scope *out;
	size_t cap;
	team_record **teams;
	size_t n_teams;
	int rep_pool;
	uint64_t rep_team;
} build;

static int add(build *b, uint64_t team, uint64_t owner, int any_team, int any_owner)
{
	if (b->out->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		opp_scope_key *k = ld_arena_alloc(&b->rc->arena, cap * sizeof(*k));
		if (!k)
			return dispatch_fail(b->rc, LD_RESOURCE_EXHAUSTED, "out of memory");
		if (b->out->n)
			memcpy(k, b->out->keys, b->out->n * sizeof(*k));
		b->out->keys = k;
		b->cap = cap;
	}
	b->out->keys[b->out->n++] = (opp_scope_key){team, owner, any_team, any_owner};
	return LD_OK;
}

/* May the caller see the leads of (team, owner)? dispatch_may_see_lead's
 * rule on the key alone. */
static int sees(const build *b, uint64_t team, uint64_t owner)
{
	const principal_t *who = &b->rc->who;
	if (who->role >= ROLE_ADMIN || (owner && owner == who->user_id))
		return 1;
	if (who->role >= ROLE_MANAGER)
		return principal_has_team(who, team);
	return !owner && b->rep_pool && team == b->rep_team;
}

/* Team `i` of the teams and team 0 (leads of no team) after them. */
static uint64_t team_at(const build *b, size_t i)
{
	return i < b->n_teams ? b->teams[i]->id : 0;
}

/* (t, owner) for every team t (and no team) the caller may see it in. */
static int add_owner_everywhere(build *b, uint64_t owner)
{
	int code = LD_OK;
	for (size_t i = 0; i <= b->n_teams && !code; i++)
		if (sees(b, team_at(b, i), owner))
			code = add(b, team_at(b, i), owner, 0, 0);
	return code;
}

static int by_owner(build *b, store_txn *t, const char *name, const team_record *tm,
		    const char *what)
{
	request_ctx *rc = b->rc;
	const principal_t *who = &rc->who;
	user_record *u;
	int err = user_find(t, name, &rc->arena, &u);
	if (err && err != MDB_NOTFOUND)
		return dispatch_store_error(rc, err);
	int self = err == 0 && u->id == who->user_id;
	if (who->role < ROLE_MANAGER && !self)
		return dispatch_fail(rc, LD_PERMISSION_DENIED,
				     "a rep may read only their own %s; leave out the owner", what);
	if (err == MDB_NOTFOUND)
		return dispatch_fail(rc, LD_NOT_FOUND,
				     "no user is named '%s'; 'lead user ls' lists them", name);
	if (who->role == ROLE_MANAGER && !self && !principal_has_team(who, u->team_id))
		return dispatch_fail(rc, LD_PERMISSION_DENIED,
				     "you may read the %s of the teams you manage only, and %s is "
				     "not in one of them",
				     what, u->name);
	if (tm)
		return sees(b, tm->id, u->id) ? add(b, tm->id, u->id, 0, 0) : LD_OK;
	return add_owner_everywhere(b, u->id);
}

/* May the caller read team tm's? LD_OK, or PERMISSION_DENIED set. */
static int team_check(build *b, const team_record *tm, const char *what)
{
	request_ctx *rc = b->rc;
	const principal_t *who = &rc->who;
	if (who->role == ROLE_MANAGER && !principal_has_team(who, tm->id))
		return dispatch_fail(
			rc, LD_PERMISSION_DENIED,
			"you may read the %s of the teams you manage only, and '%s' is "
			"not one of them",
			what, tm->name);
	if (who->role < ROLE_MANAGER && tm->id != b->rep_team)
		return dispatch_fail(rc, LD_PERMISSION_DENIED,
				     "you may read the %s of your own team only, and '%s' is not "
				     "yours",
				     what, tm->name);
	return LD_OK;
}

static int by_team(build *b, const team_record *tm, const char *what)
{
	const principal_t *who = &b->rc->who;
	int code = team_check(b, tm, what);
	if (code)
		return code;
	if (who->role >= ROLE_MANAGER)
		return add(b, tm->id, 0, 0, 1);
	code = add(b, tm->id, who->user_id, 0, 0);
	return code || !b->rep_pool ? code : add(b, tm->id, 0, 0, 0);
}

int opp_scope_of(request_ctx *rc, store_txn *t, const char *owner, const char *team,
		 const char *what, opp_scope *out)
{
	const principal_t *who = &rc->who;
	build b = {.rc = rc, .out = out};
	memset(out, 0, sizeof(*out));
	int err = team_all(t, &rc->arena, &b.teams, &b.n_teams);
	if (err)
		return dispatch_store_error(rc, err);
	if (who->role < ROLE_MANAGER && who->n_teams) {
		b.rep_team = who->teams[0];
		team_record *tm;
		b.rep_pool = team_load(t, b.rep_team, &rc->arena, &tm) == 0 && tm->pool_visible;
	}
	team_record *tm = NULL;
	if (team && team[0]) {
		err = team_find(t, team, &rc->arena, &tm);
		if (err == MDB_NOTFOUND)
			return dispatch_fail(rc, LD_NOT_FOUND,
					     "no team is named '%s'; 'lead team ls' lists them",
					     team);
		if (err)
			return dispatch_store_error(rc, err);
	}
	if (owner && owner[0]) {
		/* A team named too must itself be readable. */
		int code = tm ? team_check(&b, tm, what) : LD_OK;
		return code ? code : by_owner(&b, t, owner, tm, what);
	}
	if (tm)
		return by_team(&b, tm, what);
	if (who->role >= ROLE_ADMIN)
		return add(&b, 0, 0, 1, 1);
	int code = LD_OK;
	if (who->role == ROLE_MANAGER)
		for (uint32_t i = 0; i < who->n_teams && !code; i++)
			code = add(&b, who->teams[i], 0, 0, 1);
	/* Their own leads wherever they are (a manager: in the teams they do
	 * not manage; the teams they manage are taken whole above). */
	for (size_t i = 0; i <= b.n_teams && !code; i++) {
		uint64_t tid = team_at(&b, i);
		if (who->role == ROLE_MANAGER && principal_has_team(who, tid))
			continue;
		code = add(&b, tid, who->user_id, 0, 0);
	}
	if (!code && b.rep_pool)
		code = add(&b, b.rep_team, 0, 0, 0);
	return code;
}

int opp_scope_key_has(const opp_scope_key *k, uint64_t team, uint64_t owner)
{
	return (k->any_team || k->team == team) && (k->any_owner || k->owner == owner);
}

size_t opp_scope_prefix(const opp_scope_key *k, int tag, uint8_t out[17])
{
	size_t n = 0;
	if (tag)
		out[n++] = (uint8_t)tag;
	if (k->any_team)
		return n;
	store_key_u64(out + n, k->team);
	n += 8;
	if (k->any_owner)
		return n;
	store_key_u64(out + n, k->owner);
	return n + 8;
}
