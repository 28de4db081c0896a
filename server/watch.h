/* Live updates: Watch/Unwatch requests, and the events leadd pushes to
 * watching connections after each commit (docs/protocol.md section 6).
 *
 * Parts: watch.c (the requests and the registry of watchers), watch_pump.c
 * (reading the change log after each commit, or a replay, in bounded
 * slices, and the rights checks), watch_event.c (one change as the events
 * of one watcher), watch_out.c (each watcher's queue, backlog and limits),
 * watch_pins.c (TOPIC_PINS: a watcher's pinned saved searches changed).
 *
 * Seams with net.c:
 * - watch_kick() once a commit is done (writer.c calls back on the loop
 *   thread after the commit), so no event ever goes out before the commit
 *   that made it: events are read from the committed change log;
 * - watch_reply_sent() once a watch's reply is handed to the socket: its
 *   events follow it;
 * - watch_drained() when a connection's socket took bytes;
 * - watch_conn_closed() when a watching connection ends;
 * - watch_rights_dirty() / watch_searches_dirty() / watch_rows_dirty()
 *   after a committed change to teams (pool visibility), saved searches
 *   or pins, or users and teams (the rows of KPI counts): watchers check
 *   theirs;
 *   watch_statuses_dirty() after a status edit or removal (issue 12). */
#ifndef LEADD_WATCH_H
#define LEADD_WATCH_H

#include <uv.h>

#include "dispatch.h"

/* Topics this leadd answers as unknown, as a leadd from before them did
 * (WATCH_TOPIC_BIT of each; 0 in leadd): leadd-fault-test sets it from
 * LEADD_FAULT_OLD_TOPICS so the clients' fallback for an older leadd is
 * tested against a real server. */
extern uint32_t watch_unknown_topics;

int watch_start(request_ctx *rc, store_txn *t);
int watch_stop(request_ctx *rc, store_txn *t);

void watch_init(server *srv, uv_loop_t *loop);
void watch_shutdown(void);
void watch_kick(void);
void watch_reply_sent(void *conn);
void watch_drained(void *conn);
void watch_conn_closed(void *conn);
void watch_rights_dirty(void);
void watch_searches_dirty(void);
/* A user or team was added or changed: the rows a KPI watcher's counts
 * have (zero rows included) may have changed. */
void watch_rows_dirty(void);
/* A status was edited or removed: a KPI watcher's counts by class and by
 * status name, and a saved search's status words, may read differently
 * now, which no event says. Those watchers get a snapshot. */
void watch_statuses_dirty(void);

#endif
