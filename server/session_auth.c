/* Login, logout, whoami. A password login verifies on the thread pool
 * (session_login_prework), then the writer stores the session; a token
 * login is checked and touched by the writer. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "dispatch.h"
#include "ld_error.h"
#include "log.h"
#include "session_check.h"
#include "sessions.h"
#include "users.h"

#define WRONG_LOGIN "wrong user name or password"

void session_login_prework(request_ctx *rc)
{
	const Leadd__LoginRequest *q = rc->req->login;
	if (!q->user || !q->password) {
		dispatch_fail(rc, LD_INVALID_ARGUMENT,
			      "a login carries a user name and a password, or a token alone");
		return;
	}
	/* Copy the stored hash out of a short read transaction, then verify
	 * outside it: a 64 MiB argon2 run must not pin a snapshot. */
	char hash[crypto_pwhash_STRBYTES];
	snprintf(hash, sizeof(hash), "%s", auth_dummy_hash());
	uint64_t uid = 0;
	int disabled = 0;
	store *st = &rc->srv->st;
	store_txn t;
	pthread_rwlock_rdlock(&st->map_lock);
	if (q->user && store_txn_begin(st, &t, 0) == 0) {
		user_record *u;
		if (user_find(&t, q->user, &rc->arena, &u) == 0 && u->password_hash) {
			snprintf(hash, sizeof(hash), "%s", u->password_hash);
			uid = u->id;
			disabled = u->disabled;
		}
		store_txn_abort(&t);
	}
	pthread_rwlock_unlock(&st->map_lock);
	int ok = auth_verify_password(hash, q->password ? q->password : "");
	sodium_memzero(hash, sizeof(hash));
	if (!ok || !uid || disabled) {
		dispatch_fail(rc, LD_UNAUTHENTICATED, WRONG_LOGIN);
		return;
	}
	rc->prework_ok = 1;
	rc->prework_user_id = uid;
	randombytes_buf(rc->token, sizeof(rc->token));
}

static int session_key(store_txn *t, uint8_t key[32])
{
	MDB_val v;
	int err = store_get(t, DB_META, META_SESSION_KEY, strlen(META_SESSION_KEY), &v);
	if (err == 0 && v.mv_size != 32)
		err = MDB_CORRUPTED;
	if (err == 0)
		memcpy(key, v.mv_data, 32);
	return err;
}

static int login_reply(request_ctx *rc, store_txn *t, const user_record *u, const session_record *s,
		       int with_token)
{
	int64_t expires = session_expiry(&rc->srv->cfg, s);
	Leadd__LoginReply *r = ld_arena_alloc(&rc->arena, sizeof(*r));
	if (!r)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__login_reply__init(r);
	r->user = user_to_wire(t, u, &rc->arena);
	r->has_expires_at = 1;
	r->expires_at = expires;
	if (with_token) {
		r->has_token = 1;
		r->token.data = rc->token;
		r->token.len = sizeof(rc->token);
	}
	if (user_principal(t, u, &rc->arena, &rc->new_who))
		return dispatch_store_error(rc, t->ret ? t->ret : MDB_CORRUPTED);
	rc->new_who.has_session = 1;
	rc->new_who.auth_commits = session_auth_commits();
	rc->new_who.created_at = s->created_at;
	rc->new_who.touched_at = s->last_used_at;
	rc->new_who.expires_at = expires;
	rc->change = CONN_LOGIN;
	snprintf(rc->login_user, sizeof(rc->login_user), "%s", u->name);
	rc->resp.body_case = LEADD__RESPONSE__BODY_LOGIN;
	rc->resp.login = r;
	return LD_OK;
}

static int login_with_token(request_ctx *rc, store_txn *t, const Leadd__LoginRequest *q)
{
	uint8_t key[32];
	int err = session_key(t, key);
	if (err)
		return dispatch_store_error(rc, err);
	uint8_t sid[AUTH_SESSION_ID_BYTES];
	auth_session_id(key, q->token.data, q->token.len, sid);
	session_record *s;
	err = session_load(t, sid, &rc->arena, &s);
	if (err == MDB_NOTFOUND)
		return dispatch_fail(rc, LD_UNAUTHENTICATED, SESSION_GONE);
	if (err)
		return dispatch_store_error(rc, err);
	const config_t *cfg = &rc->srv->cfg;
	user_record *u;
	if (session_expiry(cfg, s) <= rc->now || user_load(t, s->user_id, &rc->arena, &u) != 0 ||
	    u->disabled)
		return dispatch_fail(rc, LD_UNAUTHENTICATED, SESSION_GONE);
	if (rc->now - s->last_used_at >= session_touch_interval_ms(cfg)) {
		s->last_used_at = rc->now;
		session_put(t, sid, s, 0);
	}
	if (login_reply(rc, t, u, s, 0) != LD_OK)
		return rc->code;
	memcpy(rc->new_who.session_id, sid, sizeof(sid));
	return t->ret ? dispatch_store_error(rc, t->ret) : LD_OK;
}

int session_login(request_ctx *rc, store_txn *t)
{
	const Leadd__LoginRequest *q = rc->req->login;
	if (q->has_token && (q->user || q->password))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "a login carries either a token or a user name and password, "
				     "not both: send the token alone to resume a session");
	if (q->has_token)
		return login_with_token(rc, t, q);
	user_record *u;
	/* Disabled between the check and now: the same answer as a wrong password. */
	if (user_load(t, rc->prework_user_id, &rc->arena, &u) != 0 || u->disabled)
		return dispatch_fail(rc, LD_UNAUTHENTICATED, WRONG_LOGIN);
	uint8_t key[32];
	int err = session_key(t, key);
	if (err)
		return dispatch_store_error(rc, err);
	session_record s = LEADD__STORE__SESSION_RECORD__INIT;
	s.has_user_id = s.has_created_at = s.has_last_used_at = 1;
	s.user_id = u->id;
	s.created_at = s.last_used_at = rc->now;
	if (login_reply(rc, t, u, &s, 1) != LD_OK)
		return rc->code;
	auth_session_id(key, rc->token, sizeof(rc->token), rc->new_who.session_id);
	session_put(t, rc->new_who.session_id, &s, 1);
	return t->ret ? dispatch_store_error(rc, t->ret) : LD_OK;
}

int session_logout(request_ctx *rc, store_txn *t)
{
	session_record *s;
	/* Every other connection on this session is refused before its next
	 * request (session_check.c), as the epoch moves once this commits. */
	if (rc->who.has_session && session_load(t, rc->who.session_id, &rc->arena, &s) == 0) {
		session_delete(t, rc->who.session_id, s->user_id);
		rc->auth_changed = 1;
	}
	if (t->ret)
		return dispatch_store_error(rc, t->ret);
	rc->change = CONN_LOGOUT;
	Leadd__Empty *e = ld_arena_alloc(&rc->arena, sizeof(*e));
	if (!e)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__empty__init(e);
	rc->resp.body_case = LEADD__RESPONSE__BODY_EMPTY;
	rc->resp.empty = e;
	return LD_OK;
}

int session_whoami(request_ctx *rc, store_txn *t)
{
	user_record *u;
	int err = user_load(t, rc->who.user_id, &rc->arena, &u);
	if (err)
		return dispatch_store_error(rc, err == MDB_NOTFOUND ? MDB_CORRUPTED : err);
	Leadd__WhoamiReply *r = ld_arena_alloc(&rc->arena, sizeof(*r));
	Leadd__Team **teams = ld_arena_alloc(&rc->arena, (rc->who.n_teams + 1) * sizeof(*teams));
	if (!r || !teams)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__whoami_reply__init(r);
	r->user = user_to_wire(t, u, &rc->arena);
	r->teams = teams;
	for (uint32_t i = 0; i < rc->who.n_teams; i++) {
		team_record *tm;
		if (team_load(t, rc->who.teams[i], &rc->arena, &tm) == 0)
			teams[r->n_teams++] = team_to_wire(t, tm, &rc->arena);
	}
	rc->resp.body_case = LEADD__RESPONSE__BODY_WHOAMI;
	rc->resp.whoami = r;
	return LD_OK;
}
