/* Rights are those of the session *now*. Every committed change to users,
 * teams or sessions bumps a process-wide auth epoch (on the loop thread,
 * once the writer has committed it). A connection's principal remembers the
 * epoch it was derived at and its session's expiry; before each request
 * starts, a principal whose epoch moved, whose expiry passed, or that is
 * older than the writer's last committed auth change is derived again from
 * the store in a short read. The writer derives a write's rights once more
 * in its own transaction when they may be stale (writer.c). A session that is gone, expired, or
 * whose user is disabled ends the connection with a final UNAUTHENTICATED
 * answer; a changed role or team set becomes the connection's principal.
 *
 * Also here: the writes an open connection's use makes (last_used_at,
 * written at most every session_touch_interval_ms), and the periodic sweep
 * that deletes expired sessions in chunks on the writer. */
#ifndef LEADD_SESSION_CHECK_H
#define LEADD_SESSION_CHECK_H

#include <uv.h>

#include "dispatch.h"
#include "principal.h"
#include "server.h"

#define SESSION_GONE "your session expired or was revoked; run 'lead login'"

/* Loop thread. */
uint64_t session_epoch(void);

/* Any thread: how many changes to users, teams or sessions the writer has
 * committed. The writer counts one right after each such commit. */
uint64_t session_auth_commits(void);
void session_auth_committed(void);

/* Loop thread, as rc starts on a connection whose principal is *who.
 * 0: *who is current (and may have been refreshed). -1: the session has
 * ended; *who is cleared and rc holds a final UNAUTHENTICATED answer.
 * 1: the store could not be read; rc holds that error. */
int session_check(server *srv, principal_t *who, request_ctx *rc);

/* Writer thread, inside t: work that spans several commits (a bulk move)
 * runs each of them with the rights of its session as of that commit, so a
 * demotion, revocation or disable between chunks stops it. What it loads
 * goes in arena. LD_OK with rc->who refreshed, or the failure set on rc
 * (UNAUTHENTICATED, PERMISSION_DENIED, a store error). */
int session_recheck(request_ctx *rc, store_txn *t, ld_arena *arena);

/* Loop thread: bring an open connection's principal up to date without a
 * request (as session_check would). 0 current, 1 its session has ended, or
 * an LMDB error. */
int session_refresh(server *srv, principal_t *who);

/* A login's principal has just become the connection's (loop thread). */
void session_check_stamp(principal_t *who);

/* Loop thread, first thing for every request the writer hands back: bumps
 * the epoch after a committed change to users, teams or sessions. Returns 1
 * when rc was an internal request (sweep, touch), which it has freed. */
int session_check_write_done(request_ctx *rc);

/* The expired-session sweep: a timer on the loop queues one chunk at a
 * time to the writer. */
void session_sweep_start(server *srv, uv_loop_t *loop);
void session_sweep_stop(void);

#endif
