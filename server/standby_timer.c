#include "standby_timer.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "due_timer.h"
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

/* ---- the loop's side: when to look (due_timer.c) ---- */

static int submit_wake(due_timer *t);

static due_timer sb = {
	.what = "stand-by wake-up",
	.index = "the stand-by index",
	.dbi = DB_IDX_STANDBY,
	.recheck_ms = STANDBY_RECHECK_MS,
	.recheck_test_ms = STANDBY_RECHECK_TEST_MS,
	.retry_ms = STANDBY_RETRY_MS,
	.submit = submit_wake,
};
static uint64_t woken_total;

static int submit_wake(due_timer *t)
{
	request_ctx *rc = dispatch_new_internal(t->srv, &wake_entry, sizeof(wake_work));
	if (!rc)
		return -1;
	writer_submit(t->srv->wr, rc);
	return 0;
}

int standby_timer_write_done(request_ctx *rc)
{
	if (rc->entry != &wake_entry)
		return 0;
	wake_work *w = rc->internal;
	uint64_t next = 0;
	if (rc->code != LD_OK) {
		log_warn("stand-by wake-up failed: %s; trying again in %d ms", rc->message,
			 STANDBY_RETRY_MS);
		next = STANDBY_RETRY_MS;
	} else {
		woken_total += w->woken;
		if (w->woken)
			log_info("%" PRIu64 " lead(s) back from stand-by", w->woken);
		if (w->stale && !w->woken) {
			/* Entries that name no lead on stand-by: verify names
			 * them. A real lead due before the recheck still wakes
			 * on time. */
			log_error("stand-by wake-up: %" PRIu64
				  " stand-by index entries name no lead on stand-by; run "
				  "leadd verify",
				  w->stale);
			next = due_timer_stale_wait(&sb, w->next_at);
		}
	}
	dispatch_free(rc);
	due_timer_done(&sb, next);
	return 1;
}

void standby_timer_kick(void)
{
	due_timer_kick(&sb);
}

uint64_t standby_timer_woken(void)
{
	return woken_total;
}

void standby_timer_start(server *srv, uv_loop_t *loop)
{
	due_timer_start(&sb, srv, loop);
}

void standby_timer_stop(void)
{
	due_timer_stop(&sb);
}
