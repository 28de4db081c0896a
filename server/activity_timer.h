/* The due timer (issue 13): an open activity whose time has come is marked
 * as fallen due by leadd itself, so the assignee's agenda watchers hear of
 * it (TOPIC_AGENDA, op "due"). Modelled on the stand-by wake-up
 * (standby_timer.h): a uv timer on the loop reads the alarm index
 * (DB_IDX_ACT_ALARM, due time -> lead|number of the open activities not
 * yet alerted) and, when one is due, hands an internal request to the
 * writer that marks every activity due, a chunk per commit, through
 * activity_apply (op ACTIVITY_DUE, kind CHANGE_DUE, author 0, alerted
 * set, which takes it out of the alarm index). Nothing is kept in memory
 * that the store does not hold: at start, after each firing and after each
 * activity write leadd reads the index again, so an activity that fell due
 * while leadd was stopped is marked as soon as it starts, and once only. */
#ifndef LEADD_ACTIVITY_TIMER_H
#define LEADD_ACTIVITY_TIMER_H

#include <uv.h>

#include "dispatch.h"
#include "server.h"

/* Activities one commit marks: many due at once take several commits,
 * and other writes interleave. */
#define ACTIVITY_DUE_CHUNK 256
/* Alarm entries one firing reads at most (damaged ones are passed over). */
#define ACTIVITY_DUE_SCAN_MAX 65536
/* The index is read again at least this often (a wall-clock jump the uv
 * timer cannot see), and this often under leadd-fault-test's shifted clock
 * (LEADD_FAULT_CLOCK_FILE), as the stand-by timer does. */
#define ACTIVITY_DUE_RECHECK_MS 60000
#define ACTIVITY_DUE_RECHECK_TEST_MS 100
/* After a failed firing (a store error), the next try. */
#define ACTIVITY_DUE_RETRY_MS 1000

void activity_timer_start(server *srv, uv_loop_t *loop);
void activity_timer_stop(void);
/* An activity was added or its time edited (loop thread): look again. */
void activity_timer_kick(void);
/* Loop thread: the writer finished an internal request; 1 when it was a
 * firing (handled and freed here), else 0. */
int activity_timer_write_done(request_ctx *rc);

/* How many activities the timer has marked due since start. */
uint64_t activity_timer_fired(void);

#endif
