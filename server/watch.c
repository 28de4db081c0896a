/* The watch and unwatch requests (docs/protocol.md section 6): check the
 * request, register the connection as a watcher with its rights, topics,
 * filter and position, and start it with a snapshot or a replay. Also the
 * seams net.c calls (watch.h). */
#include <stdlib.h>
#include <string.h>

#include "kpi_counts.h"
#include "ld_distance.h"
#include "ld_error.h"
#include "log.h"
#include "status.h"
#include "watch.h"
#include "watch_int.h"

/* The first changelog entry's revision, 0 when the log is empty. */
static uint64_t log_first(store_txn *t)
{
	MDB_cursor *cur;
	if (t->ret || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_CHANGELOG], &cur)))
		return 0;
	MDB_val k, v;
	uint64_t first = 0;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	if (rc == 0 && k.mv_size == 8)
		first = store_key_get_u64(k.mv_data);
	else if (rc != MDB_NOTFOUND)
		t->ret = rc;
	mdb_cursor_close(cur);
	return first;
}

uint32_t watch_unknown_topics;

static int check_topics(request_ctx *rc, const Leadd__WatchRequest *q, uint32_t *bits)
{
	*bits = 0;
	if (!q->n_topics)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "say what to watch: leads, kpi, assigned, agenda or pins (at "
				     "least one topic)");
	for (size_t i = 0; i < q->n_topics; i++) {
		int tp = q->topics[i];
		if ((tp != LEADD__WATCH_TOPIC__TOPIC_LEADS && tp != LEADD__WATCH_TOPIC__TOPIC_KPI &&
		     tp != LEADD__WATCH_TOPIC__TOPIC_ASSIGNED &&
		     tp != LEADD__WATCH_TOPIC__TOPIC_AGENDA &&
		     tp != LEADD__WATCH_TOPIC__TOPIC_PINS) ||
		    (tp < 32 && (watch_unknown_topics & WATCH_TOPIC_BIT(tp))))
			return dispatch_fail(rc, LD_INVALID_ARGUMENT,
					     "topic %d is not one leadd knows; watch leads, kpi, "
					     "assigned, agenda or pins",
					     tp);
		*bits |= WATCH_TOPIC_BIT(tp);
	}
	if (q->search && q->search[0] &&
	    !(*bits & WATCH_TOPIC_BIT(LEADD__WATCH_TOPIC__TOPIC_LEADS)))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "a saved search narrows the leads topic: watch leads with it");
	if (q->kpi_team && q->kpi_team[0] &&
	    !(*bits & WATCH_TOPIC_BIT(LEADD__WATCH_TOPIC__TOPIC_KPI)))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "a team narrows the kpi topic: watch kpi with it");
	return LD_OK;
}

/* A search name no saved search answers to, when it is a typo of one the
 * caller may run: "did you mean 'hot'?" (the rule of status words,
 * docs/protocol.md "Did you mean"). Candidates are what search_list gives
 * the caller: their names, and TEAM/NAME for a team's. */
static void suggest_search(request_ctx *rc, store_txn *t, const char *name)
{
	request_ctx *lr = dispatch_new(rc->srv, rc->conn);
	if (!lr)
		return;
	lr->arena.budget = LIMIT_REQUEST_MEMORY;
	lr->who = rc->who;
	char best[300] = "";
	size_t best_d = ld_distance_max(strlen(name)) + 1;
	if (search_list(lr, t) == LD_OK && lr->resp.search_list) {
		const Leadd__SearchListReply *r = lr->resp.search_list;
		for (size_t i = 0; i < r->n_searches; i++) {
			const Leadd__SavedSearch *sv = r->searches[i];
			char full[300];
			snprintf(full, sizeof(full), "%s/%s", sv->team ? sv->team : "",
				 sv->name ? sv->name : "");
			const char *cand[2] = {sv->name ? sv->name : "", sv->team ? full : NULL};
			for (int k = 0; k < 2; k++) {
				size_t d = cand[k] ? ld_distance_parts(name, cand[k]) : SIZE_MAX;
				if (d < best_d) {
					best_d = d;
					snprintf(best, sizeof(best), "%s", cand[k]);
				}
			}
		}
	}
	dispatch_free(lr);
	if (best[0])
		dispatch_fail(rc, LD_NOT_FOUND, "no saved search '%s'; did you mean '%s'?", name,
			      best);
}

static int oom(request_ctx *rc, watcher *w)
{
	if (w)
		watch_free(w);
	return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
}

static void link_watcher(watcher *w)
{
	w->prev = NULL;
	w->next = watch_all;
	if (watch_all)
		watch_all->prev = w;
	watch_all = w;
}

/* Was a status edited or removed at or after revision `since`? Counts
 * and a saved search's status words made before that read otherwise now,
 * which no replay can say: such a watch starts with a snapshot. */
static int status_list_changed(const watcher *w, store_txn *t, uint64_t since)
{
	if (!(w->topics & WATCH_TOPIC_BIT(LEADD__WATCH_TOPIC__TOPIC_KPI)) && !w->search)
		return 0;
	uint64_t changed = store_meta_get(t, STATUS_META_REVISION);
	return changed && since <= changed;
}

int watch_start(request_ctx *rc, store_txn *t)
{
	const Leadd__WatchRequest *q = rc->req->watch;
	uint32_t bits;
	int code = check_topics(rc, q, &bits);
	if (code)
		return code;
	uint64_t last = store_meta_get(t, META_LAST_REVISION);
	if (q->has_since_revision && q->since_revision > last)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "revision %llu is ahead of the server, which is at revision "
				     "%llu; resume from a revision you were given",
				     (unsigned long long)q->since_revision,
				     (unsigned long long)last);
	watcher *w = calloc(1, sizeof(*w));
	if (!w)
		return oom(rc, NULL);
	link_watcher(w); /* watch_free unlinks it */
	w->srv = rc->srv;
	w->conn = rc->conn;
	w->topics = bits;
	w->status_epoch = watch_status_epoch();
	w->who = rc->who;
	w->rep_pool = watch_rep_pool(t, &w->who);
	if (q->search && q->search[0]) {
		request_ctx *sr = dispatch_new(rc->srv, rc->conn);
		if (!sr || !(w->search = strdup(q->search))) {
			dispatch_free(sr);
			return oom(rc, w);
		}
		sr->arena.budget = LIMIT_REQUEST_MEMORY;
		sr->who = rc->who;
		if ((code = watch_resolve_search(w, t, sr))) {
			dispatch_fail(rc, code, "%s", sr->message);
			dispatch_free(sr);
			watch_free(w);
			if (code == LD_NOT_FOUND)
				suggest_search(rc, t, q->search);
			return code;
		}
	}
	if (q->kpi_team && q->kpi_team[0]) {
		if ((code = kpi_team_check(rc, t, q->kpi_team, &w->kpi_team_id))) {
			watch_free(w);
			return code;
		}
		if (!(w->kpi_team = strdup(q->kpi_team)))
			return oom(rc, w);
	}
	/* The connection's earlier watch stops here: none of its events
	 * follow this reply. */
	watcher *old = net_conn_watch(rc->conn);
	if (old)
		watch_free(old);
	net_conn_set_watch(rc->conn, w);

	Leadd__WatchReply *r = ld_arena_alloc(&rc->arena, sizeof(*r));
	if (!r)
		return oom(rc, w);
	leadd__watch_reply__init(r);
	r->has_revision = 1;
	r->revision = last;
	/* Pins changed from here on are news (a snapshot reads them again).
	 * Unread (a fault, logged), the hash stays 0: the next look differs
	 * and the client reads them again. */
	if (bits & WATCH_TOPIC_BIT(LEADD__WATCH_TOPIC__TOPIC_PINS))
		watch_pins_sig(w, t, &w->pins_sig);
	uint64_t first = log_first(t);
	if (!q->has_since_revision) {
		snprintf(w->reason, sizeof(w->reason), "the watch starts here");
		w->pos = last;
		watch_snapshot(w, t);
	} else if (q->since_revision < last && (!first || first > q->since_revision + 1)) {
		snprintf(w->reason, sizeof(w->reason),
			 "the change log no longer holds every change after revision %llu",
			 (unsigned long long)q->since_revision);
		w->pos = q->since_revision;
		watch_snapshot(w, t);
	} else if (status_list_changed(w, t, q->since_revision)) {
		snprintf(w->reason, sizeof(w->reason),
			 "the status list changed after revision %llu (a status was renamed, "
			 "reclassified, moved or removed)",
			 (unsigned long long)q->since_revision);
		w->pos = q->since_revision;
		watch_snapshot(w, t);
	} else {
		w->pos = q->since_revision;
		watch_rows_sig_now(w, t);
		w->replaying = 1;
		w->replay_to = last;
		r->revision = q->since_revision;
		r->has_replaying = r->has_replay_to = 1;
		r->replaying = 1;
		r->replay_to = last;
	}
	if (t->ret) {
		watch_free(w);
		return dispatch_store_error(rc, t->ret);
	}
	rc->resp.body_case = LEADD__RESPONSE__BODY_WATCH;
	rc->resp.watch = r;
	return LD_OK;
}

int watch_stop(request_ctx *rc, store_txn *t)
{
	(void)t;
	watcher *w = net_conn_watch(rc->conn);
	if (w)
		watch_free(w);
	Leadd__WatchReply *r = ld_arena_alloc(&rc->arena, sizeof(*r));
	if (!r)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__watch_reply__init(r);
	rc->resp.body_case = LEADD__RESPONSE__BODY_WATCH;
	rc->resp.watch = r;
	return LD_OK;
}

/* A write failed while flushing: close the connection (outside any walk
 * of the watchers). */
static void flush_or_close(watcher *w)
{
	watch_out_flush(w);
	if (w->doomed) {
		log_info("%s: %s", net_conn_peer(w->conn), w->doom_why);
		net_conn_close_now(w->conn); /* frees w */
		return;
	}
	if (w->owe_snapshot || w->replaying || w->ended)
		watch_kick();
}

void watch_reply_sent(void *conn)
{
	watcher *w = net_conn_watch(conn);
	if (!w || w->active)
		return;
	w->active = 1;
	flush_or_close(w);
	watch_kick();
}

void watch_drained(void *conn)
{
	watcher *w = net_conn_watch(conn);
	if (w && w->active)
		flush_or_close(w);
}

void watch_conn_closed(void *conn)
{
	watcher *w = net_conn_watch(conn);
	if (w)
		watch_free(w);
}
