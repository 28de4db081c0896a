/* The loop's side of a timer that hands work to the writer when the first
 * key of a time-keyed index is due: the stand-by wake-up (standby_timer.c)
 * and activities falling due (activity_timer.c). It reads the index's
 * first time, sleeps until then (at most recheck_ms, so a wall-clock jump
 * the uv timer cannot see is noticed), hands one internal request to the
 * writer at a time, and retries after retry_ms on a store error. What a
 * pass does, and when the next one comes after it, is the owner's: its
 * write_done calls due_timer_done with that. Nothing is kept in memory
 * that the store does not hold. */
#ifndef LEADD_DUE_TIMER_H
#define LEADD_DUE_TIMER_H

#include <stdint.h>
#include <uv.h>

#include "server.h"
#include "store.h"

typedef struct due_timer due_timer;

struct due_timer {
	/* Set by the owner. */
	const char *what;  /* for the log: "stand-by wake-up" */
	const char *index; /* for the log: "the stand-by index" */
	store_db dbi;      /* the index (DB_IDX_*), keyed by time first */
	uint64_t recheck_ms, recheck_test_ms, retry_ms;
	/* Builds the pass's internal request and submits it to the writer:
	 * 0, or -1 out of memory (tried again after retry_ms). */
	int (*submit)(due_timer *t);
	/* Kept here. */
	server *srv;
	uv_timer_t timer;
	int running;   /* the timer exists */
	int in_flight; /* a pass is at the writer */
};

void due_timer_start(due_timer *t, server *srv, uv_loop_t *loop);
void due_timer_stop(due_timer *t);
/* Something was added to the index (loop thread): look again now. */
void due_timer_kick(due_timer *t);
/* The writer answered the pass: look again in next_ms. */
void due_timer_done(due_timer *t, uint64_t next_ms);
/* How long to wait after a pass that found only entries naming nothing
 * due (a damaged index: looking again at once would find them again):
 * recheck_ms, or until next_at (the first due time after now the index
 * holds; 0: none) when that is sooner. */
uint64_t due_timer_stale_wait(const due_timer *t, int64_t next_at);
uint64_t due_timer_recheck_ms(const due_timer *t);

#endif
