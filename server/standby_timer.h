/* The stand-by wake-up (issue 12): leads whose stand-by has ended come
 * back by themselves. A uv timer on the loop reads the stand-by index
 * (DB_IDX_STANDBY, wake time -> lead ids) and, when a lead is due, hands
 * an internal request to the writer that wakes every lead due, a chunk per
 * commit, through the write core (author 0, CHANGE_WAKE). Nothing is kept
 * in memory that the store does not hold: at start, after each wake-up and
 * after each stand-by request leadd reads the index again, so a wake-up
 * missed while leadd was stopped happens as soon as it starts. */
#ifndef LEADD_STANDBY_TIMER_H
#define LEADD_STANDBY_TIMER_H

#include <uv.h>

#include "dispatch.h"
#include "server.h"

/* The longest stand-by lead_standby accepts. */
#define STANDBY_MAX_DAYS 3650
#define STANDBY_MAX_MS ((int64_t)STANDBY_MAX_DAYS * 86400000)
/* Leads one commit wakes: a thousand leads due at once take several
 * commits, and other writes interleave. */
#define STANDBY_WAKE_CHUNK 256
/* Index entries one wake-up reads at most (damaged ones are passed over). */
#define STANDBY_SCAN_MAX 65536
/* The index is read again at least this often, so a change of the system
 * clock (a wall-clock jump the uv timer cannot see) is noticed. */
#define STANDBY_RECHECK_MS 60000
/* ... and this often under leadd-fault-test's shifted clock
 * (LEADD_FAULT_CLOCK_FILE), which tests move by days at once. */
#define STANDBY_RECHECK_TEST_MS 100
/* After a failed wake-up (a store error), the next try. */
#define STANDBY_RETRY_MS 1000

void standby_timer_start(server *srv, uv_loop_t *loop);
void standby_timer_stop(void);
/* A stand-by date was set or taken off (loop thread): look again. */
void standby_timer_kick(void);
/* Loop thread: the writer finished an internal request; 1 when it was a
 * wake-up (handled and freed here), else 0. */
int standby_timer_write_done(request_ctx *rc);

/* How many leads the wake-ups have brought back since start. */
uint64_t standby_timer_woken(void);

#endif
