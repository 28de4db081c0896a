#include "session_check.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ld_error.h"
#include "log.h"
#include "request_limits.h"
#include "sessions.h"
#include "users.h"
#include "writer.h"

/* Only the loop thread reads or moves it. */
static uint64_t auth_epoch = 1;

/* Moved by the writer right after it commits a change to users, teams or
 * sessions, before the loop hears of it: a read transaction begun after
 * reading it sees every change it counts. */
static _Atomic uint64_t auth_commits;

uint64_t session_auth_commits(void)
{
	return atomic_load(&auth_commits);
}

void session_auth_committed(void)
{
	atomic_fetch_add(&auth_commits, 1);
}

uint64_t session_epoch(void)
{
	return auth_epoch;
}

void session_check_stamp(principal_t *who)
{
	who->epoch = auth_epoch;
}

/* ---- internal writes: touch and sweep ---- */

/* Sessions read per sweep step on the loop (a few ms at most), and the
 * most one step hands to the writer to delete. */
#define SWEEP_SCAN 4096
#define SWEEP_DELETE 512

typedef enum { INTERNAL_TOUCH, INTERNAL_SWEEP } internal_kind;

typedef struct {
	internal_kind kind;
	uint8_t sid[SESSION_ID_BYTES]; /* touch: the session */
	int64_t at;                    /* touch: the time of use */
	session_ref *gone;             /* sweep: expired when the loop looked */
	size_t n_gone;
	uint64_t deleted; /* sweep: how many were still there and expired */
} internal_work;

static int internal_touch(request_ctx *rc, store_txn *t)
{
	internal_work *w = rc->internal;
	session_record *s;
	int err = session_load(t, w->sid, &rc->arena, &s);
	/* Revoked meanwhile: nothing to touch, and not an error. */
	if (err == MDB_NOTFOUND)
		return LD_OK;
	if (err)
		return dispatch_store_error(rc, err);
	if (s->last_used_at < w->at) {
		s->last_used_at = w->at;
		session_put(t, w->sid, s, 0);
	}
	return t->ret ? dispatch_store_error(rc, t->ret) : LD_OK;
}

/* Delete what the loop found expired, unless a use since then (a touch
 * ahead in the queue) or a revocation changed it. */
static int internal_sweep(request_ctx *rc, store_txn *t)
{
	internal_work *w = rc->internal;
	w->deleted = 0;
	for (size_t i = 0; i < w->n_gone; i++) {
		session_record *s;
		int err = session_load(t, w->gone[i].sid, &rc->arena, &s);
		if (err == MDB_NOTFOUND)
			continue;
		if (err)
			return dispatch_store_error(rc, err);
		if (session_expiry(&rc->srv->cfg, s) > rc->now)
			continue;
		session_delete(t, w->gone[i].sid, s->user_id);
		w->deleted++;
	}
	if (t->ret)
		return dispatch_store_error(rc, t->ret);
	if (w->deleted)
		rc->auth_changed = 1;
	return LD_OK;
}

static const dispatch_entry touch_entry = {
	.name = "session_touch", .handler = internal_touch, .writes = 1};
static const dispatch_entry sweep_entry = {
	.name = "session_sweep", .handler = internal_sweep, .writes = 1};

static request_ctx *internal_new(server *srv, const dispatch_entry *e, internal_kind kind)
{
	/* The work lives outside the arena: sweep_done still reads the
	 * outcome after the answer is packed. */
	request_ctx *rc = dispatch_new_internal(srv, e, sizeof(internal_work));
	if (!rc)
		return NULL;
	internal_work *w = rc->internal;
	w->kind = kind;
	return rc;
}

static void touch(server *srv, principal_t *who, int64_t now)
{
	request_ctx *rc = internal_new(srv, &touch_entry, INTERNAL_TOUCH);
	if (!rc)
		return; /* tried again on the next request */
	internal_work *w = rc->internal;
	memcpy(w->sid, who->session_id, sizeof(w->sid));
	w->at = now;
	writer_submit(srv->wr, rc);
	who->touched_at = now;
	who->expires_at = session_expiry_at(&srv->cfg, who->created_at, now);
}

/* ---- the sweep ---- */

static struct {
	server *srv;
	uv_timer_t timer;
	uint64_t every; /* ms between passes */
	int running;    /* the timer exists */
	int in_flight;  /* a delete is at the writer */
	int more;       /* the pass is not finished */
	uint8_t resume[SESSION_ID_BYTES];
} sweep;

static void on_sweep_timer(uv_timer_t *t);

/* Read the next SWEEP_SCAN sessions on the loop; hand the expired ones to
 * the writer. A server with nothing expired never writes. */
static void sweep_step(void)
{
	server *srv = sweep.srv;
	request_ctx *rc = internal_new(srv, &sweep_entry, INTERNAL_SWEEP);
	if (!rc)
		return;
	internal_work *w = rc->internal;
	w->gone = ld_arena_alloc(&rc->arena, SWEEP_DELETE * sizeof(*w->gone));
	uint8_t next[SESSION_ID_BYTES] = {0};
	store *st = &srv->st;
	store_txn t;
	int err = 1;
	if (w->gone) {
		pthread_rwlock_rdlock(&st->map_lock);
		if ((err = store_txn_begin(st, &t, 0)) == 0) {
			w->n_gone = session_find_expired(&t, &srv->cfg, server_now_ms(),
							 sweep.resume, SWEEP_SCAN, w->gone,
							 SWEEP_DELETE, next, &sweep.more);
			err = t.ret;
			store_txn_abort(&t);
		}
		pthread_rwlock_unlock(&st->map_lock);
	}
	if (err) {
		log_warn("looking for expired sessions failed: %s; trying again later",
			 err == 1 ? "out of memory" : store_strerror(err));
		sweep.more = 0;
		memset(sweep.resume, 0, sizeof(sweep.resume));
		dispatch_free(rc);
		return;
	}
	if (sweep.more)
		memcpy(sweep.resume, next, sizeof(next));
	else
		memset(sweep.resume, 0, sizeof(sweep.resume));
	if (!w->n_gone) {
		dispatch_free(rc);
		/* Go on with the pass soon, letting other work run between. */
		if (sweep.more)
			uv_timer_start(&sweep.timer, on_sweep_timer, 10, sweep.every);
		return;
	}
	sweep.in_flight = 1;
	writer_submit(srv->wr, rc);
}

static void on_sweep_timer(uv_timer_t *t)
{
	(void)t;
	if (!sweep.in_flight)
		sweep_step();
}

static void sweep_done(request_ctx *rc)
{
	internal_work *w = rc->internal;
	sweep.in_flight = 0;
	if (rc->code != LD_OK) {
		log_warn("deleting expired sessions failed: %s; trying again later", rc->message);
		return;
	}
	if (w->deleted)
		log_info("deleted %llu expired session(s)", (unsigned long long)w->deleted);
	if (sweep.more && sweep.running)
		uv_timer_start(&sweep.timer, on_sweep_timer, 10, sweep.every);
}

void session_sweep_start(server *srv, uv_loop_t *loop)
{
	const config_t *cfg = &srv->cfg;
	uint32_t shortest = cfg->session_max_age < cfg->session_idle_timeout
				    ? cfg->session_max_age
				    : cfg->session_idle_timeout;
	/* Half the shortest session life, between 1 s and 1 min: an expired
	 * session stays in the store at most that long past its expiry (it can
	 * never be used again in that time: every use checks the expiry). */
	uint64_t every = (uint64_t)shortest * 500;
	if (every < 1000)
		every = 1000;
	if (every > 60000)
		every = 60000;
	sweep.srv = srv;
	sweep.every = every;
	uv_timer_init(loop, &sweep.timer);
	sweep.running = 1;
	uv_timer_start(&sweep.timer, on_sweep_timer, every, every);
}

void session_sweep_stop(void)
{
	if (!sweep.running)
		return;
	sweep.running = 0;
	uv_timer_stop(&sweep.timer);
	uv_close((uv_handle_t *)&sweep.timer, NULL);
}

int session_check_write_done(request_ctx *rc)
{
	/* Every kind of request: the admin's connection may have gone by now,
	 * but the change is committed and must reach the others. */
	if (rc->auth_changed && rc->code == LD_OK)
		auth_epoch++;
	if (rc->conn)
		return 0;
	internal_work *w = rc->internal;
	if (w && w->kind == INTERNAL_SWEEP)
		sweep_done(rc);
	else if (rc->code != LD_OK)
		log_debug("recording a session's use failed: %s", rc->message);
	dispatch_free(rc);
	return 1;
}

/* ---- revalidation ---- */

/* The rights of *who as t sees them, in *fresh (its session in *s). 0
 * current, 1 gone, or an LMDB error. */
static int derive(server *srv, store_txn *t, const principal_t *who, int64_t now, ld_arena *arena,
		  principal_t *fresh, session_record **sp)
{
	int err = 0, gone = 0;
	session_record *s = NULL;
	user_record *u = NULL;
	if (who->has_session) {
		err = session_load(t, who->session_id, arena, &s);
		if (err == MDB_NOTFOUND) {
			gone = 1;
			err = 0;
		} else if (err == 0 &&
			   (s->user_id != who->user_id || session_expiry(&srv->cfg, s) <= now)) {
			gone = 1;
		}
	}
	if (!err && !gone) {
		err = user_load(t, who->user_id, arena, &u);
		if (err == MDB_NOTFOUND || (err == 0 && u->disabled)) {
			gone = 1;
			err = 0;
		}
	}
	if (!err && !gone)
		err = user_principal(t, u, arena, fresh);
	if (!err && !gone && fresh->role == ROLE_NONE)
		gone = 1;
	*sp = s;
	return err ? err : gone;
}

/* Derive *who again from the store. 0 current, 1 gone, or an LMDB error. */
static int rederive(server *srv, principal_t *who, int64_t now, ld_arena *arena)
{
	store *st = &srv->st;
	store_txn t;
	uint64_t commits = session_auth_commits(); /* before the snapshot */
	pthread_rwlock_rdlock(&st->map_lock);
	int err = store_txn_begin(st, &t, 0);
	if (err) {
		pthread_rwlock_unlock(&st->map_lock);
		return err;
	}
	principal_t fresh;
	session_record *s;
	err = derive(srv, &t, who, now, arena, &fresh, &s);
	fresh.auth_commits = commits;
	store_txn_abort(&t);
	pthread_rwlock_unlock(&st->map_lock);
	if (err)
		return err;
	fresh.has_session = who->has_session;
	memcpy(fresh.session_id, who->session_id, sizeof(fresh.session_id));
	if (s) {
		fresh.created_at = s->created_at;
		/* A touch still at the writer moved the idle expiry already. */
		fresh.touched_at = who->touched_at > s->last_used_at ? who->touched_at
								     : s->last_used_at;
		fresh.expires_at = session_expiry_at(&srv->cfg, s->created_at, fresh.touched_at);
	} else {
		fresh.expires_at = INT64_MAX;
	}
	if (fresh.role != who->role || fresh.n_teams != who->n_teams ||
	    memcmp(fresh.teams, who->teams, sizeof(fresh.teams[0]) * fresh.n_teams) != 0)
		log_info("user %llu: rights changed on an open connection (role %s, %u team(s))",
			 (unsigned long long)fresh.user_id, role_name(fresh.role), fresh.n_teams);
	fresh.epoch = auth_epoch;
	*who = fresh;
	return 0;
}

/* Must *who be derived again before it is trusted? Its epoch moved, the
 * writer committed an auth change the loop may not have heard of yet (a read
 * started now would see the new data with the old rights), or it expired. */
static int stale(const principal_t *who, int64_t now)
{
	return who->epoch != auth_epoch || who->auth_commits != session_auth_commits() ||
	       now >= who->expires_at;
}

int session_refresh(server *srv, principal_t *who)
{
	int64_t now = server_now_ms();
	if (who->role == ROLE_NONE || !stale(who, now))
		return 0;
	ld_arena arena;
	ld_arena_init(&arena, LIMIT_REQUEST_MEMORY);
	int r = rederive(srv, who, now, &arena);
	ld_arena_free(&arena);
	return r;
}

int session_check(server *srv, principal_t *who, request_ctx *rc)
{
	/* Not logged in, or Hello or Login (a Login replacing this principal
	 * is judged on its own). A ping needs no login either, but on a
	 * logged-in connection it is use of the session: checked (a revoked
	 * session is refused and closed, as for any request) and touched (a
	 * client that only watches pings to keep its session). */
	if (who->role == ROLE_NONE ||
	    (rc->entry->min_role == ROLE_NONE && rc->entry->body != LEADD__REQUEST__BODY_PING))
		return 0;
	int64_t now = server_now_ms();
	if (stale(who, now)) {
		int r = rederive(srv, who, now, &rc->arena);
		if (r == 1) {
			log_info("user %llu: session expired or revoked; closing the connection",
				 (unsigned long long)who->user_id);
			memset(who, 0, sizeof(*who));
			rc->who = *who;
			rc->final = 1;
			dispatch_fail(rc, LD_UNAUTHENTICATED, SESSION_GONE);
			dispatch_finish(rc);
			return -1;
		}
		if (r != 0) {
			/* A read fault: refuse this request, keep the connection. */
			rc->who = *who;
			dispatch_store_error(rc, r);
			dispatch_finish(rc);
			return 1;
		}
	}
	if (who->has_session && now - who->touched_at >= session_touch_interval_ms(&srv->cfg))
		touch(srv, who, now);
	return 0;
}

int session_recheck(request_ctx *rc, store_txn *t, ld_arena *arena)
{
	principal_t fresh;
	session_record *s;
	int err = derive(rc->srv, t, &rc->who, server_now_ms(), arena, &fresh, &s);
	if (err == 1)
		return dispatch_fail(rc, LD_UNAUTHENTICATED, SESSION_GONE);
	if (err)
		return dispatch_store_error(rc, err);
	fresh.has_session = rc->who.has_session;
	memcpy(fresh.session_id, rc->who.session_id, sizeof(fresh.session_id));
	fresh.auth_commits = session_auth_commits();
	rc->who = fresh;
	const dispatch_entry *e = rc->entry;
	if (rc->who.role < e->min_role)
		return dispatch_fail(rc, LD_PERMISSION_DENIED, "%s needs the %s role%s", e->what,
				     role_name(e->min_role),
				     e->min_role < ROLE_ADMIN ? " or higher" : "");
	return LD_OK;
}
