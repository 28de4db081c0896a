#include "activity_timer.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "activity_core.h"
#include "due_timer.h"
#include "ld_error.h"
#include "lead_core.h"
#include "log.h"
#include "request_limits.h"
#include "writer.h"

/* ---- the writer's side: mark what is due ---- */

typedef struct {
	uint64_t lead;
	uint32_t number;
} due_ref;

/* An alarm entry: its key (due) and value (lead|number). */
typedef struct {
	uint64_t due, lead;
	uint32_t number;
} alarm_pos;

typedef struct {
	/* In: where to start reading (after this entry), when a pass before
	 * stopped at ACTIVITY_DUE_SCAN_MAX entries without reaching the ones
	 * not yet due; else from the first entry. */
	int has_from;
	alarm_pos from;
	/* Out. */
	uint64_t fired;  /* activities marked due by this request */
	uint64_t stale;  /* alarm entries naming no open, unalerted activity due then */
	int more;        /* activities due beyond this chunk */
	int capped;      /* ... and the pass stopped at ACTIVITY_DUE_SCAN_MAX entries */
	alarm_pos last;  /* the last entry read (capped: where the next pass starts) */
	int64_t next_at; /* the first due time after now the index holds (0: none) */
} due_work;

/* Is the alarm entry (due, lead, number) an activity to mark? Its record
 * must be open, not yet alerted and due at that time, and its lead's
 * record must read; anything else is a damaged index or record (verify
 * names it), passed over so it cannot stop the activities behind it.
 * 1 yes, 0 no (*err set on an LMDB error, or ENOMEM). */
static int entry_live(store_txn *t, ld_arena *scratch, uint64_t due, uint64_t lead, uint32_t number,
		      int *err)
{
	ld_arena_reset(scratch);
	uint8_t key[16];
	activity_key(key, lead, number);
	MDB_val k = {16, key}, v;
	*err = mdb_get(t->txn, t->st->dbi[DB_ACTIVITIES], &k, &v);
	if (*err) {
		if (*err == MDB_NOTFOUND)
			*err = 0;
		return 0;
	}
	Leadd__Activity *a = leadd__activity__unpack(&scratch->pb, v.mv_size, v.mv_data);
	if (!a || a->state != LEADD__ACTIVITY_STATE__ACTIVITY_OPEN || a->alerted ||
	    a->at != (int64_t)due) {
		if (scratch->exhausted)
			*err = ENOMEM; /* not damage: the pass fails and is tried again */
		return 0;
	}
	/* Marking it rewrites its lead: a lead record that is gone or does
	 * not decode would fail the whole pass, every pass, and no activity
	 * would ever fall due again (atk_agenda_damage). */
	uint8_t lkey[8];
	store_key_u64(lkey, lead);
	k = (MDB_val){8, lkey};
	*err = mdb_get(t->txn, t->st->dbi[DB_LEADS], &k, &v);
	if (*err) {
		if (*err == MDB_NOTFOUND)
			*err = 0;
		return 0;
	}
	if (!leadd__lead__unpack(&scratch->pb, v.mv_size, v.mv_data)) {
		if (scratch->exhausted)
			*err = ENOMEM; /* not damage: the pass fails and is tried again */
		return 0;
	}
	return 1;
}

/* The activities due at `now` (due time <= now), at most max; *more when
 * others are due too. They are read before any activity changes, so the
 * cursor never walks an index being written. Stale entries are counted and
 * passed over, so they cannot hold back the activities behind them; at
 * most ACTIVITY_DUE_SCAN_MAX entries are read a run. */
static size_t due_refs(store_txn *t, int64_t now, due_ref *refs, size_t max, due_work *w)
{
	MDB_cursor *cur;
	size_t n = 0, scanned = 0;
	w->more = 0;
	if (t->ret || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_IDX_ACT_ALARM], &cur)))
		return 0;
	ld_arena scratch;
	/* Room for the largest lead decoded (entry_live). */
	ld_arena_init(&scratch, 16u << 20);
	uint8_t kb[8], vb[16];
	MDB_val k = {8, kb}, v = {16, vb};
	int rc;
	if (w->has_from) {
		/* After the entry the last pass stopped at: later dups of its
		 * key, else the keys after it. */
		store_key_u64(kb, w->from.due);
		store_key_u64_pair(vb, w->from.lead, (uint64_t)w->from.number + 1);
		rc = mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH_RANGE);
		if (rc == MDB_NOTFOUND && w->from.due < UINT64_MAX) {
			store_key_u64(kb, w->from.due + 1);
			k = (MDB_val){8, kb};
			rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		}
	} else {
		rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	}
	while (rc == 0) {
		if (k.mv_size != 8 || v.mv_size != 16) {
			rc = MDB_CORRUPTED;
			break;
		}
		uint64_t due = store_key_get_u64(k.mv_data);
		if ((int64_t)due > now) {
			w->next_at = (int64_t)due;
			break;
		}
		if (n == max || scanned == ACTIVITY_DUE_SCAN_MAX) {
			w->more = 1;
			w->capped = n < max;
			break;
		}
		scanned++;
		uint64_t lead = store_key_get_u64(v.mv_data);
		uint32_t number = (uint32_t)store_key_get_u64((const uint8_t *)v.mv_data + 8);
		w->last = (alarm_pos){due, lead, number};
		int live = entry_live(t, &scratch, due, lead, number, &rc);
		if (rc)
			break;
		if (live)
			refs[n++] = (due_ref){lead, number};
		else
			w->stale++;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	ld_arena_free(&scratch);
	if (rc && rc != MDB_NOTFOUND)
		t->ret = rc;
	return n;
}

/* Mark one activity due through the write core, decoding into `scratch`
 * (emptied by the caller before each: what activity_apply writes is
 * copied into the store, nothing of it is needed after). 1 marked, 0 not
 * (gone or no longer due: counted stale), or the sticky error in t. */
static int mark_due(request_ctx *rc, store_txn *t, ld_arena *scratch, const due_ref *r)
{
	Leadd__Lead *lead_old, *lead;
	int err = lead_load_copy(t, r->lead, scratch, &lead_old, &lead);
	if (err == MDB_NOTFOUND)
		return 0;
	if (err) {
		if (!t->ret)
			t->ret = err;
		return 0;
	}
	Leadd__Activity *old, *act;
	err = activity_load(t, r->lead, r->number, scratch, &old);
	if (err == 0)
		err = activity_load(t, r->lead, r->number, scratch, &act);
	if (err == MDB_NOTFOUND)
		return 0;
	if (err) {
		if (!t->ret)
			t->ret = err;
		return 0;
	}
	if (old->state != LEADD__ACTIVITY_STATE__ACTIVITY_OPEN || old->alerted || old->at > rc->now)
		return 0;
	act->has_alerted = 1;
	act->alerted = 1;
	lead_change ch = {.now = rc->now,
			  .author = 0, /* leadd itself */
			  .kind = LEADD__STORE__CHANGE_KIND__CHANGE_DUE,
			  .arena = scratch};
	return activity_apply(t, lead_old, lead, old, act, LEADD__STORE__ACTIVITY_OP__ACTIVITY_DUE,
			      &ch) == 0;
}

/* Deterministic for a replay: everything is read inside t, against the
 * time fixed when the request was made (rc->now). */
static int due_run(request_ctx *rc, store_txn *t)
{
	due_work *w = rc->internal;
	due_ref refs[ACTIVITY_DUE_CHUNK];
	w->fired = w->stale = 0;
	w->more = w->capped = 0;
	w->next_at = 0;
	size_t n = due_refs(t, rc->now, refs, ACTIVITY_DUE_CHUNK, w);
	/* Each marking decodes its lead twice (a large lead is a few hundred
	 * KB decoded): in a scratch arena emptied after each, so a chunk of
	 * 256 costs one lead's memory, not 256 (~100 MB held to the commit
	 * before; atk_agenda_memory). */
	ld_arena scratch;
	ld_arena_init(&scratch, rc->arena.budget);
	for (size_t i = 0; i < n && !t->ret; i++) {
		ld_arena_reset(&scratch);
		int marked = mark_due(rc, t, &scratch, &refs[i]);
		if (scratch.exhausted && !t->ret)
			t->ret = ENOMEM; /* a string the change needed was not made */
		if (marked)
			w->fired++;
		else if (!t->ret)
			w->stale++;
	}
	ld_arena_free(&scratch);
	return t->ret ? dispatch_store_error(rc, t->ret) : LD_OK;
}

static const dispatch_entry due_entry = {.name = "activity_due", .handler = due_run, .writes = 1};

/* ---- the loop's side: when to look (due_timer.c) ---- */

static int submit_due(due_timer *t);

static due_timer timer = {
	.what = "activities falling due",
	.index = "the alarm index",
	.dbi = DB_IDX_ACT_ALARM,
	.recheck_ms = ACTIVITY_DUE_RECHECK_MS,
	.recheck_test_ms = ACTIVITY_DUE_RECHECK_TEST_MS,
	.retry_ms = ACTIVITY_DUE_RETRY_MS,
	.submit = submit_due,
};

static struct {
	uint64_t fired;
	/* More than ACTIVITY_DUE_SCAN_MAX damaged entries: the next pass goes
	 * on after the last one read (has_from), so they cannot hold back a
	 * real activity behind them; cycle_fired says whether a pass since
	 * the first entry marked anything. A hint, not state: the index
	 * alone says what is due. */
	int has_from, cycle_fired;
	alarm_pos from;
} at;

static int submit_due(due_timer *t)
{
	request_ctx *rc = dispatch_new_internal(t->srv, &due_entry, sizeof(due_work));
	if (!rc)
		return -1;
	due_work *w = rc->internal;
	w->has_from = at.has_from;
	w->from = at.from;
	writer_submit(t->srv->wr, rc);
	return 0;
}

int activity_timer_write_done(request_ctx *rc)
{
	if (rc->entry != &due_entry)
		return 0;
	due_work *w = rc->internal;
	uint64_t next = 0;
	if (rc->code != LD_OK) {
		log_warn("activities falling due: marking them failed: %s; trying again in %d ms",
			 rc->message, ACTIVITY_DUE_RETRY_MS);
		next = ACTIVITY_DUE_RETRY_MS;
	} else {
		at.fired += w->fired;
		at.cycle_fired |= w->fired != 0;
		if (w->fired)
			log_info("%" PRIu64 " activit%s fell due", w->fired,
				 w->fired == 1 ? "y" : "ies");
		int from_start = !w->has_from;
		if (w->capped) {
			/* Damaged entries filled the pass: the next one goes on
			 * after them, at once. */
			at.has_from = 1;
			at.from = w->last;
		} else {
			at.has_from = 0;
		}
		if (!w->capped && w->stale && !at.cycle_fired) {
			/* A whole cycle found only entries that name no activity to
			 * mark: verify names them. An activity due before the
			 * recheck is still marked on time. */
			log_error("activities falling due: %" PRIu64
				  " alarm index entries name no open activity due then; run "
				  "leadd verify",
				  w->stale);
			next = due_timer_stale_wait(&timer, w->next_at);
		} else if (!w->capped && !from_start && at.cycle_fired) {
			/* The end of a cycle that marked some: the entries before
			 * where this pass started may hold new ones. */
			next = 0;
		}
		if (!w->capped)
			at.cycle_fired = 0;
	}
	dispatch_free(rc);
	due_timer_done(&timer, next);
	return 1;
}

void activity_timer_kick(void)
{
	due_timer_kick(&timer);
}

uint64_t activity_timer_fired(void)
{
	return at.fired;
}

void activity_timer_start(server *srv, uv_loop_t *loop)
{
	due_timer_start(&timer, srv, loop);
}

void activity_timer_stop(void)
{
	due_timer_stop(&timer);
}
