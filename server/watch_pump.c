/* The pump: after each commit (and while a replay runs) it reads the change
 * log after each watcher's position in a read transaction, decodes each
 * entry once and hands it to every watcher behind it, in slices bounded in
 * entries and time so the loop is never held (an idle handle runs the next
 * slice after the loop's other work, as net.c's yielding reads do). Before
 * each slice it brings every watcher's rights up to date, as requests are:
 * an ended session closes the connection, changed rights or an edited
 * saved search owe a snapshot. */
#include <stdlib.h>
#include <string.h>

#include "kpi_counts.h"
#include "ld_error.h"
#include "ld_hash.h"
#include "log.h"
#include "saved_search.h"
#include "session_check.h"
#include "users.h"
#include "watch.h"
#include "watch_int.h"

/* Entries one slice reads at most, and the loop time it may take. */
#define WATCH_SLICE_ENTRIES 512
#define WATCH_SLICE_NS 2000000u
/* ... and the memory its decoded entries and leads may take (a lead can
 * be a few hundred KB: 512 of them must not be held at once). */
#define WATCH_SLICE_BYTES (8u << 20)

watcher *watch_all;
static server *g_srv;
static uv_idle_t g_idle;
static int g_idle_init;
static int g_rights_dirty, g_searches_dirty, g_rows_dirty;
static uint64_t g_status_epoch;
static ld_arena g_slice;

static void on_idle(uv_idle_t *h);

/* The rows of kpi depend on the caller's role, teams (and, below admin,
 * who they are and their pool visibility) and kpi_team only: watchers
 * with the same share one computation per slice (every admin's are the
 * same). */
typedef struct {
	role_t role;
	uint64_t user, team;
	int pool;
	uint32_t n_teams;
	uint64_t teams[PRINCIPAL_MAX_TEAMS];
	uint64_t sig;
	int gone; /* the kpi_team may no longer be read */
} rows_key;

static rows_key *g_rows;
static size_t g_n_rows, g_cap_rows;

void watch_init(server *srv, uv_loop_t *loop)
{
	g_srv = srv;
	uv_idle_init(loop, &g_idle);
	g_idle_init = 1;
	ld_arena_init(&g_slice, 0);
}

void watch_shutdown(void)
{
	while (watch_all)
		watch_free(watch_all);
	if (g_idle_init) {
		uv_idle_stop(&g_idle);
		uv_close((uv_handle_t *)&g_idle, NULL);
		g_idle_init = 0;
	}
	ld_arena_free(&g_slice);
	free(g_rows);
	g_rows = NULL;
	g_n_rows = g_cap_rows = 0;
}

void watch_kick(void)
{
	if (g_idle_init && watch_all)
		uv_idle_start(&g_idle, on_idle);
}

void watch_rights_dirty(void)
{
	g_rights_dirty = 1;
	watch_kick();
}

void watch_rows_dirty(void)
{
	g_rows_dirty = 1;
	watch_kick();
}

uint64_t watch_rows_sig(const Leadd__KpiReply *r)
{
	/* Over the rows' (owner, team) in their order. */
	uint64_t h = LD_HASH_INIT;
	for (size_t i = 0; r && i < r->n_owners; i++) {
		uint64_t v[2] = {r->owners[i]->id, r->owners[i]->team_id};
		h = ld_hash(h, v, sizeof(v));
	}
	return h;
}

uint64_t watch_status_epoch(void)
{
	return g_status_epoch;
}

void watch_statuses_dirty(void)
{
	g_status_epoch++;
	/* Saved searches resolve their status words again (check_rights). */
	g_searches_dirty = 1;
	watch_kick();
}

void watch_searches_dirty(void)
{
	g_searches_dirty = 1;
	watch_kick();
}

void watch_free(watcher *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		watch_all = w->next;
	if (w->next)
		w->next->prev = w->prev;
	if (net_conn_watch(w->conn) == w)
		net_conn_set_watch(w->conn, NULL);
	watch_out_clear(w);
	dispatch_free(w->fctx);
	free(w->search);
	free(w->search_packed);
	free(w->kpi_team);
	free(w);
}

int watch_rep_pool(store_txn *t, const principal_t *who)
{
	if (who->role != ROLE_REP || !who->n_teams)
		return 0;
	ld_arena a;
	ld_arena_init(&a, 0);
	team_record *tm;
	int on = team_load(t, who->teams[0], &a, &tm) == 0 && tm->pool_visible;
	ld_arena_free(&a);
	return on;
}

request_ctx *watch_as_caller(watcher *w)
{
	request_ctx *rc = dispatch_new(w->srv, w->conn);
	if (!rc)
		return NULL;
	rc->arena.budget = LIMIT_REQUEST_MEMORY;
	rc->who = w->who;
	return rc;
}

int watch_resolve_search(watcher *w, store_txn *t, request_ctx *rc)
{
	Leadd__SavedSearch *s;
	sq_filter f;
	int code = saved_search_find(rc, t, w->search, &s);
	if (code)
		return code;
	/* Into a copy: w->f keeps pointing into w->fctx until this one is
	 * whole. */
	if ((code = search_filter_resolve(rc, t, s->filter, &f)))
		return code;
	free(w->search_packed);
	w->search_packed = NULL;
	w->search_packed_len = 0;
	if (s->filter) {
		size_t n = leadd__lead_filter__get_packed_size(s->filter);
		w->search_packed = malloc(n ? n : 1);
		if (!w->search_packed)
			return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
		leadd__lead_filter__pack(s->filter, w->search_packed);
		w->search_packed_len = n;
	}
	dispatch_free(w->fctx);
	w->fctx = rc; /* holds the resolved filter */
	w->f = f;
	return LD_OK;
}

/* The watch ends with an ENDED event (the connection stays open); the
 * watcher is let go once the event is handed to the socket (flush_all). */
static void end_watch(watcher *w, const char *why)
{
	Leadd__Event ev = LEADD__EVENT__INIT;
	ev.has_kind = ev.has_revision = 1;
	ev.kind = LEADD__EVENT_KIND__EVENT_ENDED;
	ev.revision = w->pos;
	ev.reason = (char *)why;
	watch_out_clear(w);
	w->owe_snapshot = 0;
	w->dropped = 0;
	w->replaying = 0;
	watch_out_event(w, &ev);
	w->ended = 1;
}

int watch_snapshot(watcher *w, store_txn *t)
{
	uint64_t rev = store_meta_get(t, META_LAST_REVISION);
	/* Read now, the snapshot has the status list as it is. */
	w->status_epoch = g_status_epoch;
	request_ctx *rc = watch_as_caller(w);
	if (!rc)
		return 0; /* try again later */
	char why[640];
	if (w->search) {
		request_ctx *sr = watch_as_caller(w);
		int code = sr ? watch_resolve_search(w, t, sr) : LD_RESOURCE_EXHAUSTED;
		if (code != LD_OK) {
			snprintf(why, sizeof(why), "the saved search you watch is gone: %s",
				 sr ? sr->message : "out of memory");
			dispatch_free(sr);
			dispatch_free(rc);
			end_watch(w, why);
			return -1;
		}
	}
	Leadd__KpiReply *counts = NULL;
	if (w->topics & WATCH_TOPIC_BIT(LEADD__WATCH_TOPIC__TOPIC_KPI)) {
		int code = kpi_counts_at(rc, t, w->kpi_team, &counts);
		if (code == LD_NOT_FOUND || code == LD_PERMISSION_DENIED) {
			snprintf(why, sizeof(why), "you may no longer read these KPI counts: %s",
				 rc->message);
			dispatch_free(rc);
			end_watch(w, why);
			return -1;
		}
		if (code != LD_OK) {
			log_warn("watch: %s: the snapshot could not be read: %s",
				 net_conn_peer(w->conn), rc->message);
			dispatch_free(rc);
			return 0;
		}
	}
	Leadd__Event ev = LEADD__EVENT__INIT;
	ev.has_kind = ev.has_revision = 1;
	ev.kind = LEADD__EVENT_KIND__EVENT_SNAPSHOT;
	ev.revision = rev;
	ev.reason = w->reason;
	ev.kpi_counts = counts;
	w->rows_sig = watch_rows_sig(counts);
	/* A snapshot says to read the pins again too: from here on, a change
	 * to them is one since this read. */
	if (w->topics & WATCH_TOPIC_BIT(LEADD__WATCH_TOPIC__TOPIC_PINS))
		watch_pins_sig(w, t, &w->pins_sig);
	w->owe_snapshot = 0;
	w->dropped = 0;
	w->replaying = 0;
	w->pos = rev;
	watch_out_event(w, &ev);
	dispatch_free(rc);
	return 0;
}

static int same_rights(const principal_t *a, const principal_t *b)
{
	return a->user_id == b->user_id && a->role == b->role && a->n_teams == b->n_teams &&
	       memcmp(a->teams, b->teams, sizeof(a->teams[0]) * a->n_teams) == 0;
}

static void rows_key_of(const watcher *w, rows_key *k)
{
	memset(k, 0, sizeof(*k));
	k->role = w->who.role;
	k->user = w->who.role >= ROLE_ADMIN ? 0 : w->who.user_id;
	k->team = w->kpi_team ? w->kpi_team_id : 0;
	k->pool = w->rep_pool;
	k->n_teams = w->who.n_teams;
	memcpy(k->teams, w->who.teams, sizeof(k->teams[0]) * k->n_teams);
}

static int rows_key_same(const rows_key *a, const rows_key *b)
{
	return a->role == b->role && a->user == b->user && a->team == b->team &&
	       a->pool == b->pool && a->n_teams == b->n_teams &&
	       memcmp(a->teams, b->teams, sizeof(a->teams[0]) * a->n_teams) == 0;
}

/* Do the rows of w's counts differ from its last snapshot's? (A team it
 * may no longer read also counts as changed: the snapshot ends the watch.) */
static int rows_changed(watcher *w, store_txn *t)
{
	rows_key k;
	rows_key_of(w, &k);
	for (size_t i = 0; i < g_n_rows; i++)
		if (rows_key_same(&g_rows[i], &k))
			return g_rows[i].gone || g_rows[i].sig != w->rows_sig;
	request_ctx *rc = watch_as_caller(w);
	if (!rc)
		return 0;
	Leadd__KpiReply *r;
	int code = kpi_counts_at(rc, t, w->kpi_team, &r);
	k.gone = code == LD_NOT_FOUND || code == LD_PERMISSION_DENIED;
	k.sig = code == LD_OK ? watch_rows_sig(r) : w->rows_sig;
	dispatch_free(rc);
	if (g_n_rows == g_cap_rows) {
		size_t cap = g_cap_rows ? 2 * g_cap_rows : 16;
		rows_key *bigger = realloc(g_rows, cap * sizeof(*bigger));
		if (bigger) {
			g_rows = bigger;
			g_cap_rows = cap;
		}
	}
	if (g_n_rows < g_cap_rows)
		g_rows[g_n_rows++] = k;
	return k.gone || k.sig != w->rows_sig;
}

void watch_rows_sig_now(watcher *w, store_txn *t)
{
	if (!(w->topics & WATCH_TOPIC_BIT(LEADD__WATCH_TOPIC__TOPIC_KPI)))
		return;
	request_ctx *rc = watch_as_caller(w);
	Leadd__KpiReply *r;
	if (rc && kpi_counts_at(rc, t, w->kpi_team, &r) == LD_OK)
		w->rows_sig = watch_rows_sig(r);
	dispatch_free(rc);
}

/* Bring w's rights and saved search to now (before a slice). */
static void check_rights(watcher *w, store_txn *t)
{
	principal_t *now = net_conn_who(w->conn);
	int r = session_refresh(w->srv, now);
	if (r == 1 || now->role == ROLE_NONE) {
		w->doomed = 1;
		snprintf(w->doom_why, sizeof(w->doom_why),
			 "session expired or was revoked; closing the watching connection");
		return;
	}
	if (r)
		return; /* a read fault: try again next slice */
	/* Pool visibility changes only by team_edit (g_rights_dirty). */
	int pool = g_rights_dirty || !same_rights(now, &w->who) ? watch_rep_pool(t, now)
								: w->rep_pool;
	if (!same_rights(now, &w->who) || pool != w->rep_pool) {
		w->who = *now;
		w->rep_pool = pool;
		watch_owe_snapshot(w, "your role, teams or your team's pool visibility changed", 0);
		return;
	}
	w->who = *now;
	/* A saved search edited, removed or pinned. (Rights that changed owe
	 * a snapshot above, which reads the pins again.) */
	if (g_searches_dirty)
		watch_pins_check(w, t);
	if (g_rows_dirty && (w->topics & WATCH_TOPIC_BIT(LEADD__WATCH_TOPIC__TOPIC_KPI)) &&
	    !w->owe_snapshot && rows_changed(w, t))
		watch_owe_snapshot(w,
				   "the rows of your KPI counts changed (a user or team was "
				   "added or changed)",
				   0);
	/* Counts by class follow the status records at read time, and a
	 * saved search's status words may now name other statuses: what the
	 * watcher holds may differ from a fresh read in ways no event says. */
	if (w->status_epoch != g_status_epoch && !w->owe_snapshot &&
	    ((w->topics & WATCH_TOPIC_BIT(LEADD__WATCH_TOPIC__TOPIC_KPI)) || w->search))
		watch_owe_snapshot(w,
				   "the status list changed (a status was renamed, reclassified, "
				   "moved or removed)",
				   0);
	if (!g_searches_dirty || !w->search)
		return;
	request_ctx *sr = watch_as_caller(w);
	if (!sr)
		return;
	uint8_t *old = w->search_packed;
	size_t old_len = w->search_packed_len;
	w->search_packed = NULL;
	int code = watch_resolve_search(w, t, sr);
	if (code != LD_OK) {
		char why[640];
		snprintf(why, sizeof(why), "the saved search you watch is gone: %s", sr->message);
		dispatch_free(sr);
		free(old);
		end_watch(w, why);
		return;
	}
	if (old_len != w->search_packed_len ||
	    (old_len && memcmp(old, w->search_packed, old_len) != 0))
		watch_owe_snapshot(w, "the saved search you watch was edited", 0);
	free(old);
}

/* Is w waiting for entries after its position? */
static int wants(const watcher *w, uint64_t last)
{
	if (w->doomed || w->ended || w->pos >= last)
		return 0;
	if (w->replaying && w->q_bytes >= watch_ahead(w))
		return 0;
	return 1;
}

static void caught_up(watcher *w)
{
	if (!w->replaying || w->owe_snapshot || w->pos < w->replay_to)
		return;
	w->replaying = 0;
	Leadd__Event ev = LEADD__EVENT__INIT;
	ev.has_kind = ev.has_revision = 1;
	ev.kind = LEADD__EVENT_KIND__EVENT_CAUGHT_UP;
	ev.revision = w->replay_to;
	watch_out_event(w, &ev);
}

static Leadd__Store__ChangeEntry *decode_entry(const MDB_val *v)
{
	return leadd__store__change_entry__unpack(&g_slice.pb, v->mv_size, v->mv_data);
}

/* Does w read the log in the group being read (live or replaying)? */
static int in_group(const watcher *w, uint64_t last, int replaying)
{
	return wants(w, last) && w->replaying == replaying;
}

/* Read the change log for one group of watchers: the live ones, or those
 * replaying (a long replay must not hold back the live watchers' events,
 * which read from near the log's end). Each entry is decoded once and
 * handed to every watcher of the group behind it. 1 when the slice ran out
 * before the group was done. */
static int read_group(store_txn *t, uint64_t last, int replaying)
{
	uint64_t lo = UINT64_MAX;
	for (watcher *w = watch_all; w; w = w->next)
		if (in_group(w, last, replaying) && w->pos < lo)
			lo = w->pos;
	if (lo == UINT64_MAX)
		return 0;
	MDB_cursor *cur;
	if (mdb_cursor_open(t->txn, t->st->dbi[DB_CHANGELOG], &cur))
		return 0;
	uint8_t key[8];
	store_key_u64(key, lo + 1);
	MDB_val k = {8, key}, v;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	uint64_t t0 = uv_hrtime();
	int n = 0, more = 0;
	while (rc == 0 && k.mv_size == 8) {
		uint64_t rev = store_key_get_u64(k.mv_data);
		if (rev > last)
			break;
		if (n == WATCH_SLICE_ENTRIES || uv_hrtime() - t0 > WATCH_SLICE_NS ||
		    g_slice.used > WATCH_SLICE_BYTES) {
			more = 1;
			break;
		}
		n++;
		Leadd__Store__ChangeEntry *e = decode_entry(&v);
		watch_entry *x = NULL;
		int old_format = e && (!e->has_old_team || !e->has_new_team);
		if (e && !old_format)
			x = watch_entry_new(t, &g_slice, rev, e);
		for (watcher *w = watch_all; w; w = w->next) {
			if (!in_group(w, last, replaying) || w->pos >= rev)
				continue;
			if (w->pos + 1 < rev)
				watch_owe_snapshot(w,
						   "the change log no longer holds every change "
						   "after your revision",
						   0);
			else if (old_format)
				watch_owe_snapshot(w,
						   "the change log's older entries cannot say who "
						   "may see their changes",
						   0);
			else if (!x)
				watch_owe_snapshot(w, "a change could not be read", 0);
			if (x)
				watch_entry_emit(x, w);
			w->pos = rev;
			caught_up(w);
			/* Live: this change's events (one per topic) in one write,
			 * now. A replay's go when its slice ends, many per write. */
			if (!replaying)
				watch_out_batch_send(w);
		}
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	ld_arena_reset(&g_slice);
	/* Entries trimmed from under a watcher, or none at all after it. */
	if (!more)
		for (watcher *w = watch_all; w; w = w->next)
			if (in_group(w, last, replaying)) {
				watch_owe_snapshot(
					w,
					"the change log no longer holds every change after "
					"your revision",
					0);
				w->pos = last;
				caught_up(w);
			}
	return more;
}

/* One slice. 1: more to do at once; 0: all watchers are where they can be
 * (a replay waiting for its socket is woken by watch_drained). */
static int pump_slice(store_txn *t)
{
	uint64_t last = store_meta_get(t, META_LAST_REVISION);
	for (watcher *w = watch_all; w; w = w->next)
		if (!w->doomed && !w->ended)
			check_rights(w, t);
	g_rights_dirty = g_searches_dirty = g_rows_dirty = 0;
	g_n_rows = 0;
	/* Owed snapshots go once the socket has taken everything before. */
	for (watcher *w = watch_all; w; w = w->next)
		if (w->owe_snapshot && w->active && !w->doomed && !w->ended && !w->qh &&
		    net_conn_out_bytes(w->conn) == 0)
			watch_snapshot(w, t);
	for (watcher *w = watch_all; w; w = w->next)
		caught_up(w);
	int more = read_group(t, last, 0);
	more |= read_group(t, last, 1);
	for (watcher *w = watch_all; w && !more; w = w->next)
		more = wants(w, last);
	return more;
}

static void flush_all(void)
{
	watcher *w = watch_all;
	while (w) {
		watcher *next = w->next;
		if (w->doomed) {
			if (w->doom_warn)
				log_warn("%s: %s", net_conn_peer(w->conn), w->doom_why);
			else
				log_info("%s: %s", net_conn_peer(w->conn), w->doom_why);
			net_conn_close_now(w->conn); /* frees w */
		} else if (w->ended && w->active) {
			watch_out_flush_all(w); /* may free w */
		} else {
			watch_out_flush(w);
		}
		w = next;
	}
}

static void on_idle(uv_idle_t *h)
{
	store *st = &g_srv->st;
	store_txn t;
	int more = 0;
	pthread_rwlock_rdlock(&st->map_lock);
	if (store_txn_begin(st, &t, 0) == 0) {
		watch_batching = 1;
		more = pump_slice(&t);
		watch_batching = 0;
		store_txn_abort(&t);
	}
	pthread_rwlock_unlock(&st->map_lock);
	ld_arena_reset(&g_slice);
	flush_all();
	if (!more)
		uv_idle_stop(h);
}
