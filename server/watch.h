/* Live updates: Watch/Unwatch requests, and the events leadd pushes to
 * watching connections after each commit (docs/protocol.md, "Watch").
 *
 * Seams (issue 11):
 * - watch_start / watch_stop are the request handlers (dispatch table);
 * - net.c calls watch_committed() on the loop thread once a batch's
 *   commit is done and its answers are handed over, so no event ever goes
 *   out before the commit that made it;
 * - net.c calls watch_conn_closed() when a watching connection ends;
 * - anything that changes who may see what without changing a lead
 *   (role, team, pool visibility, status class) calls watch_rights_changed()
 *   so watchers get a snapshot instead of events for their old rights. */
#ifndef LEADD_WATCH_H
#define LEADD_WATCH_H

#include "dispatch.h"

int watch_start(request_ctx *rc, store_txn *t);
int watch_stop(request_ctx *rc, store_txn *t);

#endif
