#include "standby_timer.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ld_error.h"
#include "lead_core.h"
#include "lead_index.h"
#include "log.h"
#include "request_limits.h"
#include "writer.h"

/* ---- the writer's side: wake what is due ---- */

typedef struct {
	uint64_t woken;  /* leads brought back by this request */
	uint64_t stale;  /* index entries naming a lead not on stand-by then */
	int more;        /* leads due beyond this chunk */
	int64_t next_at; /* the first wake time after now the index holds (0: none) */
} wake_work;

/* Ids of the leads due at `now` (wake time <= now), at most max; *more
 * when others are due too. The ids are read before any lead changes, so
 * the cursor never walks an index being written. An entry whose lead's
 * summary is not on stand-by until that time (a damaged index: verify
 * names it) is counted in *stale and passed over, so it cannot hold back
 * the leads behind it; at most STANDBY_SCAN_MAX entries are read a run. */
static size_t due_ids(store_txn *t, int64_t now, uint64_t *ids, size_t max, int *more,
		      uint64_t *stale, int64_t *next_at)
{
	MDB_cursor *cur;
	size_t n = 0, scanned = 0;
	*more = 0;
	if (t->ret || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_IDX_STANDBY], &cur)))
		return 0;
	MDB_val k, v;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	while (rc == 0) {
		if (k.mv_size != 8 || v.mv_size != 8) {
			rc = MDB_CORRUPTED;
			break;
		}
		int64_t at = (int64_t)store_key_get_u64(k.mv_data);
		if (at > now) {
			*next_at = at;
			break;
		}
		if (n == max || scanned == STANDBY_SCAN_MAX) {
			*more = 1;
			break;
		}
		scanned++;
		uint64_t id = store_key_get_u64(v.mv_data);
		lead_summary s;
		int err = lead_summary_load(t, id, &s);
		if (err && err != MDB_NOTFOUND) {
			rc = err;
			break;
		}
		if (err == 0 && s.standby_until == at)
			ids[n++] = id;
		else
			(*stale)++;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		t->ret = rc;
	return n;
}

/* Deterministic for a replay: everything is read inside t, against the
 * time fixed when the request was made (rc->now). */
static int wake_run(request_ctx *rc, store_txn *t)
{
	wake_work *w = rc->internal;
	uint64_t ids[STANDBY_WAKE_CHUNK];
	w->woken = w->stale = 0;
	w->next_at = 0;
	size_t n = due_ids(t, rc->now, ids, STANDBY_WAKE_CHUNK, &w->more, &w->stale, &w->next_at);
	for (size_t i = 0; i < n && !t->ret; i++) {
		Leadd__Lead *old, *lead;
		int err = lead_load_copy(t, ids[i], &rc->arena, &old, &lead);
		if (err == MDB_NOTFOUND) {
			w->stale++;
			continue;
		}
		if (err)
			break;
		if (old->standby_until <= 0 || old->standby_until > rc->now) {
			w->stale++;
			continue;
		}
		lead->has_standby_until = 0;
		lead->standby_until = 0;
		lead->standby_reason = NULL;
		lead_change ch = {.now = rc->now,
				  .author = 0, /* leadd itself */
				  .kind = LEADD__STORE__CHANGE_KIND__CHANGE_WAKE,
				  .arena = &rc->arena};
		if (lead_apply(t, old, lead, &ch) == 0)
			w->woken++;
	}
	return t->ret ? dispatch_store_error(rc, t->ret) : LD_OK;
}

static const dispatch_entry wake_entry = {.name = "standby_wake", .handler = wake_run, .writes = 1};

/* ---- the loop's side: when to look ---- */

static struct {
	server *srv;
	uv_timer_t timer;
	int running;   /* the timer exists */
	int in_flight; /* a wake-up is at the writer */
	uint64_t woken;
} sb;

static void on_timer(uv_timer_t *h);

static uint64_t recheck_ms(void)
{
	return server_clock_hook ? STANDBY_RECHECK_TEST_MS : STANDBY_RECHECK_MS;
}

static void schedule(uint64_t ms)
{
	if (sb.running)
		uv_timer_start(&sb.timer, on_timer, ms, 0);
}

/* The first wake time in the index: 0 with *due (0: none), or an error. */
static int first_due(int64_t *due)
{
	return store_first_time_key(&sb.srv->st, DB_IDX_STANDBY, due);
}

static void submit_wake(void)
{
	request_ctx *rc = dispatch_new_internal(sb.srv, &wake_entry, sizeof(wake_work));
	if (!rc) {
		log_warn("stand-by wake-up: out of memory; trying again in %d ms",
			 STANDBY_RETRY_MS);
		schedule(STANDBY_RETRY_MS);
		return;
	}
	sb.in_flight = 1;
	writer_submit(sb.srv->wr, rc);
}

static void on_timer(uv_timer_t *h)
{
	(void)h;
	if (sb.in_flight)
		return; /* its answer looks again */
	int64_t due;
	int err = first_due(&due);
	if (err) {
		log_warn("stand-by wake-up: reading the stand-by index failed: %s; trying "
			 "again in %d ms",
			 store_strerror(err), STANDBY_RETRY_MS);
		schedule(STANDBY_RETRY_MS);
		return;
	}
	int64_t now = server_now_ms();
	if (due && due <= now) {
		submit_wake();
		return;
	}
	uint64_t wait = recheck_ms();
	if (due && (uint64_t)(due - now) < wait)
		wait = (uint64_t)(due - now);
	schedule(wait);
}

int standby_timer_write_done(request_ctx *rc)
{
	if (rc->entry != &wake_entry)
		return 0;
	wake_work *w = rc->internal;
	sb.in_flight = 0;
	uint64_t next = 0;
	if (rc->code != LD_OK) {
		log_warn("stand-by wake-up failed: %s; trying again in %d ms", rc->message,
			 STANDBY_RETRY_MS);
		next = STANDBY_RETRY_MS;
	} else {
		sb.woken += w->woken;
		if (w->woken)
			log_info("%" PRIu64 " lead(s) back from stand-by", w->woken);
		if (w->stale && !w->woken) {
			/* Entries that name no lead on stand-by: looking again at
			 * once would find them again. verify names them. */
			log_error("stand-by wake-up: %" PRIu64
				  " stand-by index entries name no lead on stand-by; run "
				  "leadd verify",
				  w->stale);
			next = recheck_ms();
			/* ... but a real lead due before then wakes on time: the
			 * next run passes over them again. */
			int64_t wait = w->next_at ? w->next_at - server_now_ms() : -1;
			if (w->next_at && (uint64_t)(wait > 0 ? wait : 0) < next)
				next = (uint64_t)(wait > 0 ? wait : 0);
		}
	}
	dispatch_free(rc);
	schedule(next);
	return 1;
}

void standby_timer_kick(void)
{
	if (sb.running && !sb.in_flight)
		schedule(0);
}

uint64_t standby_timer_woken(void)
{
	return sb.woken;
}

void standby_timer_start(server *srv, uv_loop_t *loop)
{
	sb.srv = srv;
	uv_timer_init(loop, &sb.timer);
	sb.running = 1;
	/* At once: leads due while leadd was stopped come back now. */
	schedule(0);
}

void standby_timer_stop(void)
{
	if (!sb.running)
		return;
	sb.running = 0;
	uv_timer_stop(&sb.timer);
	uv_close((uv_handle_t *)&sb.timer, NULL);
}
