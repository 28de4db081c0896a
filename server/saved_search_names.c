/* Saved-search names and rights: what a name means to the caller, who may
 * save, change or take a name. */
#include "saved_search_names.h"

#include <errno.h>
#include <string.h>

#include "ld_error.h"
#include "ld_norm.h"
#include "users.h"

#define LS_HINT "'lead search ls' lists the searches you can see"

/* Characters, not bytes: the name is valid UTF-8 (validate.c). */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

int saved_check_name(request_ctx *rc, const char *name, char folded[SAVED_FOLDED_MAX + 1])
{
	size_t n = name ? utf8_chars(name) : 0;
	/* Room for any name validate.c lets through (200 bytes) spelled out:
	 * NFKC expands one character to at most 18. */
	char full[4096];
	if (n == 0 || n > SAVED_NAME_MAX || ld_norm_name(name, full, sizeof(full)) < 0 || !full[0])
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "a search name is 1 to %d characters, not only spaces",
				     SAVED_NAME_MAX);
	if (saved_fold(name, folded) < 0)
		return dispatch_fail(
			rc, LD_INVALID_ARGUMENT,
			"this name grows to %zu bytes when its characters are spelled "
			"out in full (Unicode NFKC), more than the %d a name may take; "
			"use a shorter name",
			strlen(full), SAVED_FOLDED_MAX);
	if (strchr(name, '/'))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "a search name may not contain '/': TEAM/NAME names a team's "
				     "search");
	return LD_OK;
}

const char *saved_team_name(request_ctx *rc, store_txn *t, uint64_t id)
{
	team_record *tm;
	return team_load(t, id, &rc->arena, &tm) == 0 ? tm->name : "(a removed team)";
}

/* The teams whose searches the caller sees: theirs (a manager's include
 * those they manage), or every team for an admin. */
int saved_visible_teams(request_ctx *rc, store_txn *t, uint64_t **ids, size_t *n)
{
	if (rc->who.role < ROLE_ADMIN) {
		*ids = rc->who.teams;
		*n = rc->who.n_teams;
		return 0;
	}
	team_record **all;
	int err = team_all(t, &rc->arena, &all, n);
	if (err)
		return err;
	*ids = ld_arena_alloc(&rc->arena, (*n + 1) * sizeof(**ids));
	if (!*ids)
		return ENOMEM;
	for (size_t i = 0; i < *n; i++)
		(*ids)[i] = all[i]->id;
	return 0;
}

static int get_in_scope(request_ctx *rc, store_txn *t, char kind, uint64_t scope,
			const char *folded, found_search *f)
{
	saved_key_make(&f->key, kind, scope, folded);
	int err = saved_get(t, &f->key, &rc->arena, &f->rec);
	if (err && err != MDB_NOTFOUND)
		return dispatch_store_error(rc, err);
	return err ? LD_NOT_FOUND : LD_OK;
}

static int not_found(request_ctx *rc, const char *name)
{
	return dispatch_fail(rc, LD_NOT_FOUND, "no saved search '%s'; " LS_HINT, name);
}

/* "TEAM/NAME": that team's search, if the caller can see the team's. */
static int resolve_qualified(request_ctx *rc, store_txn *t, const char *name, const char *slash,
			     found_search *f)
{
	char team[256], folded[SAVED_FOLDED_MAX + 1];
	size_t tl = (size_t)(slash - name);
	if (tl >= sizeof(team) || saved_fold(slash + 1, folded) < 0)
		return not_found(rc, name);
	memcpy(team, name, tl);
	team[tl] = 0;
	team_record *tm;
	int err = team_find(t, team, &rc->arena, &tm);
	if (err && err != MDB_NOTFOUND)
		return dispatch_store_error(rc, err);
	if (err || (rc->who.role < ROLE_ADMIN && !principal_has_team(&rc->who, tm->id)))
		return not_found(rc, name);
	int code = get_in_scope(rc, t, SAVED_KEY_TEAM, tm->id, folded, f);
	return code == LD_NOT_FOUND ? not_found(rc, name) : code;
}

/* The search `name` means to the caller: "TEAM/NAME", else their own, else
 * the one team search of that name they can see. */
int saved_resolve(request_ctx *rc, store_txn *t, const char *name, found_search *f)
{
	char folded[SAVED_FOLDED_MAX + 1];
	if (!name || !name[0])
		return dispatch_fail(rc, LD_INVALID_ARGUMENT, "give the name of a saved search");
	const char *slash = strchr(name, '/');
	if (slash)
		return resolve_qualified(rc, t, name, slash, f);
	if (saved_fold(name, folded) < 0)
		return not_found(rc, name);
	int code = get_in_scope(rc, t, SAVED_KEY_USER, rc->who.user_id, folded, f);
	if (code != LD_NOT_FOUND)
		return code;
	uint64_t *teams;
	size_t n, hits = 0;
	int err = saved_visible_teams(rc, t, &teams, &n);
	if (err)
		return dispatch_store_error(rc, err);
	found_search one, other;
	for (size_t i = 0; i < n; i++) {
		found_search *into = hits ? &other : &one;
		code = get_in_scope(rc, t, SAVED_KEY_TEAM, teams[i], folded, into);
		if (code == LD_NOT_FOUND)
			continue;
		if (code)
			return code;
		if (++hits > 1) {
			const char *a = saved_team_name(rc, t, one.rec->team_id);
			const char *b = saved_team_name(rc, t, other.rec->team_id);
			return dispatch_fail(rc, LD_FAILED_PRECONDITION,
					     "teams %s and %s both have a search named '%s'; say "
					     "which, as %s/%s or %s/%s",
					     a, b, name, a, name, b, name);
		}
	}
	if (!hits)
		return not_found(rc, name);
	*f = one;
	return LD_OK;
}

static int manages(request_ctx *rc, store_txn *t, uint64_t team_id, const char **name)
{
	team_record *tm;
	*name = "?";
	if (team_load(t, team_id, &rc->arena, &tm) != 0)
		return 0;
	*name = tm->name;
	for (size_t i = 0; i < tm->n_manager_ids; i++)
		if (tm->manager_ids[i] == rc->who.user_id)
			return rc->who.role >= ROLE_MANAGER;
	return 0;
}

/* Edit and remove: the owner, a manager of the search's team, an admin. */
int saved_may_change(request_ctx *rc, store_txn *t, const saved_record *s)
{
	const char *team;
	if (rc->who.role >= ROLE_ADMIN || s->owner_id == rc->who.user_id ||
	    manages(rc, t, s->team_id, &team))
		return LD_OK;
	return dispatch_fail(rc, LD_PERMISSION_DENIED,
			     "'%s' is team %s's search: only its managers or an admin may change "
			     "it; save your own copy under another name",
			     s->name, team);
}

/* Is folded free in the scope (other than the search `self`)? For a
 * user's own search, no team search they can see may have the name
 * either, so an unqualified name always means one search. */
int saved_name_free(request_ctx *rc, store_txn *t, char kind, uint64_t scope, const char *folded,
		    const char *name, uint64_t self)
{
	found_search f;
	int code = get_in_scope(rc, t, kind, scope, folded, &f);
	if (code == LD_OK && f.rec->id != self)
		return kind == SAVED_KEY_USER
			       ? dispatch_fail(rc, LD_ALREADY_EXISTS,
					       "you already have a search named '%s'", f.rec->name)
			       : dispatch_fail(rc, LD_ALREADY_EXISTS,
					       "team %s already has a search named '%s'",
					       saved_team_name(rc, t, scope), f.rec->name);
	if (code && code != LD_NOT_FOUND)
		return code;
	if (kind != SAVED_KEY_USER)
		return LD_OK;
	uint64_t *teams;
	size_t n;
	int err = saved_visible_teams(rc, t, &teams, &n);
	if (err)
		return dispatch_store_error(rc, err);
	for (size_t i = 0; i < n; i++) {
		code = get_in_scope(rc, t, SAVED_KEY_TEAM, teams[i], folded, &f);
		if (code == LD_OK)
			return dispatch_fail(rc, LD_ALREADY_EXISTS,
					     "team %s has a search named '%s'; choose another name "
					     "so that '%s' means one search",
					     saved_team_name(rc, t, teams[i]), f.rec->name, name);
		if (code != LD_NOT_FOUND)
			return code;
	}
	return LD_OK;
}

/* The scope of a new search: the caller, or a team they may save for. */
int saved_save_scope(request_ctx *rc, store_txn *t, const char *team, char *kind, uint64_t *scope)
{
	*kind = SAVED_KEY_USER;
	*scope = rc->who.user_id;
	if (!team || !team[0])
		return LD_OK;
	if (rc->who.role < ROLE_MANAGER)
		return dispatch_fail(rc, LD_PERMISSION_DENIED,
				     "only managers and admins share searches with a team; save it "
				     "without a team to keep it for yourself");
	team_record *tm;
	int err = team_find(t, team, &rc->arena, &tm);
	if (err == MDB_NOTFOUND)
		return dispatch_fail(rc, LD_NOT_FOUND, "no team '%s'; 'lead team ls' lists them",
				     team);
	if (err)
		return dispatch_store_error(rc, err);
	const char *name;
	if (rc->who.role < ROLE_ADMIN && !manages(rc, t, tm->id, &name))
		return dispatch_fail(
			rc, LD_PERMISSION_DENIED,
			"you do not manage team %s: a manager shares searches with the "
			"teams they manage",
			tm->name);
	*kind = SAVED_KEY_TEAM;
	*scope = tm->id;
	return LD_OK;
}
