/* Users and teams: admins manage them; managers list their teams' users. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "dispatch.h"
#include "ld_error.h"
#include "lead_handlers.h"
#include "sessions.h"
#include "users.h"

#define NOT_YOURS "only an admin may set another user's password"

/* Thread pool, for your own password: the current one must match what is
 * stored. The hash it matched is kept so the write can check that nobody
 * changed the password in between. 1 when the check passed (or none is
 * needed: a new user, or an admin setting another user's password). */
static int current_password_ok(request_ctx *rc)
{
	if (rc->req->body_case != LEADD__REQUEST__BODY_USER_PASSWD)
		return 1;
	const Leadd__UserPasswdRequest *q = rc->req->user_passwd;
	store *st = &rc->srv->st;
	store_txn t;
	user_record *self = NULL, *target = NULL;
	int err;
	pthread_rwlock_rdlock(&st->map_lock);
	if ((err = store_txn_begin(st, &t, 0)) == 0) {
		if (user_load(&t, rc->who.user_id, &rc->arena, &self) != 0)
			self = NULL;
		if (q->name && user_find(&t, q->name, &rc->arena, &target) != 0)
			target = NULL;
		err = t.ret;
		if (self && self->password_hash)
			snprintf(rc->pw_checked, sizeof(rc->pw_checked), "%s", self->password_hash);
		store_txn_abort(&t);
	}
	pthread_rwlock_unlock(&st->map_lock);
	if (err || !self) {
		dispatch_fail(rc, LD_UNAVAILABLE, "your user record could not be read; try again");
		return 0;
	}
	/* Someone else's: only an admin may, and needs no current password. A
	 * rep hears the same whether that user exists or not (it must not be
	 * a way to list user names), and no hash is spent on it. */
	if (q->name && (!target || target->id != self->id)) {
		rc->pw_checked[0] = 0;
		if (rc->who.role < ROLE_ADMIN) {
			dispatch_fail(rc, LD_PERMISSION_DENIED, NOT_YOURS);
			return 0;
		}
		return 1;
	}
	if (!q->current_password) {
		dispatch_fail(rc, LD_INVALID_ARGUMENT,
			      "to change your own password, send your current password too "
			      "(lead user passwd asks for it)");
		return 0;
	}
	if (!rc->pw_checked[0] || !auth_verify_password(rc->pw_checked, q->current_password)) {
		rc->pw_wrong = 1;
		dispatch_fail(rc, LD_PERMISSION_DENIED,
			      "the current password is not right; your password was not changed");
		return 0;
	}
	return 1;
}

/* Thread pool: check and hash a new password before the write, so neither
 * the loop nor the writer ever spends 64 MiB and ~100 ms on argon2. */
void user_password_prework(request_ctx *rc)
{
	const char *pw = rc->req->body_case == LEADD__REQUEST__BODY_USER_ADD
				 ? rc->req->user_add->password
				 : rc->req->user_passwd->password;
	size_t n = pw ? strlen(pw) : 0;
	if (n < AUTH_PASSWORD_MIN) {
		dispatch_fail(rc, LD_INVALID_ARGUMENT, "a password needs at least %d bytes",
			      AUTH_PASSWORD_MIN);
		return;
	}
	if (!current_password_ok(rc))
		return;
	if (auth_hash_password(pw, rc->pw_hash) < 0) {
		dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "not enough memory to hash the password");
		return;
	}
	rc->prework_ok = 1;
}

static int reply_user(request_ctx *rc, store_txn *t, const user_record *u)
{
	Leadd__UserReply *r = ld_arena_alloc(&rc->arena, sizeof(*r));
	if (!r)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__user_reply__init(r);
	r->user = user_to_wire(t, u, &rc->arena);
	rc->resp.body_case = LEADD__RESPONSE__BODY_USER;
	rc->resp.user = r;
	return t->ret ? dispatch_store_error(rc, t->ret) : LD_OK;
}

static int reply_team(request_ctx *rc, store_txn *t, const team_record *tm)
{
	Leadd__TeamReply *r = ld_arena_alloc(&rc->arena, sizeof(*r));
	if (!r)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__team_reply__init(r);
	r->team = team_to_wire(t, tm, &rc->arena);
	rc->resp.body_case = LEADD__RESPONSE__BODY_TEAM;
	rc->resp.team = r;
	return t->ret ? dispatch_store_error(rc, t->ret) : LD_OK;
}

/* The answer to user_find's result `err` for `name`. */
static int found_user(request_ctx *rc, int err, const char *name)
{
	if (err == MDB_NOTFOUND)
		return dispatch_fail(rc, LD_NOT_FOUND, "no user '%s'", name ? name : "");
	return err ? dispatch_store_error(rc, err) : LD_OK;
}

static int find_user(request_ctx *rc, store_txn *t, const char *name, user_record **u)
{
	return found_user(rc, user_find(t, name, &rc->arena, u), name);
}

static int find_team(request_ctx *rc, store_txn *t, const char *name, team_record **tm)
{
	int err = team_find(t, name, &rc->arena, tm);
	if (err == MDB_NOTFOUND)
		return dispatch_fail(rc, LD_NOT_FOUND, "no team '%s'; 'lead team ls' lists them",
				     name ? name : "");
	return err ? dispatch_store_error(rc, err) : LD_OK;
}

static int check_role(request_ctx *rc, Leadd__Role role)
{
	if (role_from_wire(role) == ROLE_NONE)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "the role must be rep, manager or admin");
	return LD_OK;
}

int user_add(request_ctx *rc, store_txn *t)
{
	const Leadd__UserAddRequest *q = rc->req->user_add;
	int code;
	if (!auth_name_valid(q->name))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "a user name is 1-64 letters, digits, '.', '_' or '-'");
	if (!q->has_role || (code = check_role(rc, q->role)))
		return q->has_role ? code
				   : dispatch_fail(rc, LD_INVALID_ARGUMENT,
						   "say the user's role: rep, manager or admin");
	user_record *existing;
	int err = user_find(t, q->name, &rc->arena, &existing);
	if (err == 0)
		return dispatch_fail(rc, LD_ALREADY_EXISTS,
				     "user '%s' already exists (names ignore case)",
				     existing->name);
	if (err != MDB_NOTFOUND)
		return dispatch_store_error(rc, err);
	team_record *tm = NULL;
	if (q->team && q->team[0] && (code = find_team(rc, t, q->team, &tm)))
		return code;
	user_record u = LEADD__STORE__USER_RECORD__INIT;
	u.name = q->name;
	u.has_role = u.has_team_id = u.has_disabled = u.has_created_at = 1;
	u.role = q->role;
	u.team_id = tm ? tm->id : 0;
	u.password_hash = rc->pw_hash;
	u.created_at = rc->now;
	user_put(t, &u, 1);
	return reply_user(rc, t, &u);
}

int user_list(request_ctx *rc, store_txn *t)
{
	user_record **all;
	size_t n;
	int err = user_all(t, &rc->arena, &all, &n);
	if (err)
		return dispatch_store_error(rc, err);
	Leadd__UserListReply *r = ld_arena_alloc(&rc->arena, sizeof(*r));
	Leadd__User **users = ld_arena_alloc(&rc->arena, (n + 1) * sizeof(*users));
	if (!r || !users)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__user_list_reply__init(r);
	r->users = users;
	for (size_t i = 0; i < n; i++)
		if (rc->who.role >= ROLE_ADMIN || all[i]->id == rc->who.user_id ||
		    principal_has_team(&rc->who, all[i]->team_id))
			users[r->n_users++] = user_to_wire(t, all[i], &rc->arena);
	rc->resp.body_case = LEADD__RESPONSE__BODY_USER_LIST;
	rc->resp.user_list = r;
	return LD_OK;
}

/* Refuse a change after which user u would see more teams than a
 * session can hold (their own and those they manage). */
static int check_teams_seen(request_ctx *rc, store_txn *t, const user_record *u, uint64_t own_team,
			    uint64_t team_id, int managed)
{
	size_t count;
	int err = user_teams_seen(t, &rc->arena, u->id, own_team, team_id, managed, &count);
	if (err)
		return dispatch_store_error(rc, err);
	if (count > PRINCIPAL_MAX_TEAMS)
		return dispatch_fail(rc, LD_FAILED_PRECONDITION,
				     "%s would see %zu teams (their own and those they manage); "
				     "a user sees at most %d: remove them as manager of another "
				     "team first",
				     u->name, count, PRINCIPAL_MAX_TEAMS);
	return LD_OK;
}

int user_edit(request_ctx *rc, store_txn *t)
{
	const Leadd__UserEditRequest *q = rc->req->user_edit;
	user_record *u;
	team_record *tm = NULL;
	int code;
	if ((code = find_user(rc, t, q->name, &u)))
		return code;
	if (rc->chunks_done) /* the user changed team: the next chunk of their leads */
		return (code = lead_follow_owner_team(rc, t, u->id, u->team_id))
			       ? code
			       : reply_user(rc, t, u);
	if (q->has_role && (code = check_role(rc, q->role)))
		return code;
	if (q->has_role && u->id == rc->who.user_id && role_from_wire(q->role) < ROLE_ADMIN)
		return dispatch_fail(rc, LD_FAILED_PRECONDITION,
				     "you cannot take the admin role from yourself");
	if (q->team && q->team[0] && (code = find_team(rc, t, q->team, &tm)))
		return code;
	if (!q->has_role && !q->team)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT, "give a role or a team to change");
	if (q->team && (code = check_teams_seen(rc, t, u, tm ? tm->id : 0, 0, 0)))
		return code;
	if (q->has_role)
		u->role = q->role;
	if (q->team) {
		u->has_team_id = 1;
		u->team_id = tm ? tm->id : 0;
	}
	user_put(t, u, 0);
	rc->auth_changed = 1;
	/* Their leads follow them, so the old team's pool and round-robin no
	 * longer hand them out (in chunks for a user with many leads). */
	if (q->team && (code = lead_follow_owner_team(rc, t, u->id, u->team_id)))
		return code;
	return reply_user(rc, t, u);
}

int user_passwd(request_ctx *rc, store_txn *t)
{
	const Leadd__UserPasswdRequest *q = rc->req->user_passwd;
	user_record *u;
	int code;
	if (q->name) {
		int err = user_find(t, q->name, &rc->arena, &u);
		if ((err == MDB_NOTFOUND || (err == 0 && u->id != rc->who.user_id)) &&
		    rc->who.role < ROLE_ADMIN)
			return dispatch_fail(rc, LD_PERMISSION_DENIED, NOT_YOURS);
		if ((code = found_user(rc, err, q->name)))
			return code;
	} else if ((code = user_load(t, rc->who.user_id, &rc->arena, &u))) {
		return dispatch_store_error(rc, code);
	}
	/* Your own: the current password was verified against this hash on
	 * the thread pool; a change since then means it was not the current
	 * one any more. */
	if (u->id == rc->who.user_id &&
	    (!u->password_hash || strcmp(u->password_hash, rc->pw_checked) != 0))
		return dispatch_fail(rc, LD_ABORTED,
				     "your password was changed meanwhile; nothing was changed, "
				     "try again with the new current password");
	u->password_hash = rc->pw_hash;
	user_put(t, u, 0);
	/* A new password ends every other session of that user: another
	 * admin's reset ends all of them; your own change keeps this one. */
	session_revoke_user(t, u->id,
			    u->id == rc->who.user_id && rc->who.has_session ? rc->who.session_id
									    : NULL);
	rc->auth_changed = 1;
	if (t->ret)
		return dispatch_store_error(rc, t->ret);
	Leadd__Empty *e = ld_arena_alloc(&rc->arena, sizeof(*e));
	if (!e)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__empty__init(e);
	rc->resp.body_case = LEADD__RESPONSE__BODY_EMPTY;
	rc->resp.empty = e;
	return LD_OK;
}

int user_disable(request_ctx *rc, store_txn *t)
{
	user_record *u;
	int code;
	if ((code = find_user(rc, t, rc->req->user_disable->name, &u)))
		return code;
	if (u->id == rc->who.user_id)
		return dispatch_fail(rc, LD_FAILED_PRECONDITION, "you cannot disable yourself");
	u->has_disabled = 1;
	u->disabled = 1;
	user_put(t, u, 0);
	session_revoke_user(t, u->id, NULL);
	rc->disabled_user_id = u->id;
	rc->auth_changed = 1;
	return reply_user(rc, t, u);
}

/* Manager names to ids; each must be a manager or an admin, and may see
 * team `team_id` (0: the team being created) as well. */
static int manager_ids(request_ctx *rc, store_txn *t, char **names, size_t n, uint64_t **ids,
		       uint64_t team_id)
{
	*ids = ld_arena_alloc(&rc->arena, (n + 1) * sizeof(**ids));
	if (!*ids)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	for (size_t i = 0; i < n; i++) {
		user_record *u;
		int code = find_user(rc, t, names[i], &u);
		if (code)
			return code;
		if (role_from_wire(u->role) < ROLE_MANAGER)
			return dispatch_fail(rc, LD_FAILED_PRECONDITION,
					     "%s is a rep; make them a manager first", u->name);
		if ((code = check_teams_seen(rc, t, u, u->team_id, team_id, 1)))
			return code;
		(*ids)[i] = u->id;
	}
	return LD_OK;
}

int team_add(request_ctx *rc, store_txn *t)
{
	const Leadd__TeamAddRequest *q = rc->req->team_add;
	int code;
	if (!auth_name_valid(q->name))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "a team name is 1-64 letters, digits, '.', '_' or '-'");
	team_record *existing;
	int err = team_find(t, q->name, &rc->arena, &existing);
	if (err == 0)
		return dispatch_fail(rc, LD_ALREADY_EXISTS,
				     "team '%s' already exists (names ignore case)",
				     existing->name);
	if (err != MDB_NOTFOUND)
		return dispatch_store_error(rc, err);
	team_record tm = LEADD__STORE__TEAM_RECORD__INIT;
	if ((code = manager_ids(rc, t, q->managers, q->n_managers, &tm.manager_ids, 0)))
		return code;
	tm.n_manager_ids = q->n_managers;
	tm.name = q->name;
	tm.has_round_robin = tm.has_pool_visible = 1;
	team_put(t, &tm, 1);
	rc->auth_changed = 1; /* its managers now see it */
	return reply_team(rc, t, &tm);
}

int team_list(request_ctx *rc, store_txn *t)
{
	team_record **all;
	size_t n;
	int err = team_all(t, &rc->arena, &all, &n);
	if (err)
		return dispatch_store_error(rc, err);
	Leadd__TeamListReply *r = ld_arena_alloc(&rc->arena, sizeof(*r));
	Leadd__Team **teams = ld_arena_alloc(&rc->arena, (n + 1) * sizeof(*teams));
	if (!r || !teams)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__team_list_reply__init(r);
	r->teams = teams;
	for (size_t i = 0; i < n; i++)
		if (rc->who.role >= ROLE_ADMIN || principal_has_team(&rc->who, all[i]->id))
			teams[r->n_teams++] = team_to_wire(t, all[i], &rc->arena);
	rc->resp.body_case = LEADD__RESPONSE__BODY_TEAM_LIST;
	rc->resp.team_list = r;
	return LD_OK;
}

int team_edit(request_ctx *rc, store_txn *t)
{
	const Leadd__TeamEditRequest *q = rc->req->team_edit;
	team_record *tm;
	int code;
	if ((code = find_team(rc, t, q->name, &tm)))
		return code;
	if (!q->managers && !q->has_round_robin && !q->has_pool_visible)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT, "nothing to change");
	if (q->managers) {
		if ((code = manager_ids(rc, t, q->managers->items, q->managers->n_items,
					&tm->manager_ids, tm->id)))
			return code;
		tm->n_manager_ids = q->managers->n_items;
	}
	if (q->has_round_robin) {
		tm->has_round_robin = 1;
		tm->round_robin = q->round_robin;
	}
	if (q->has_pool_visible) {
		tm->has_pool_visible = 1;
		tm->pool_visible = q->pool_visible;
	}
	team_put(t, tm, 0);
	rc->auth_changed = q->managers != NULL;
	return reply_team(rc, t, tm);
}
