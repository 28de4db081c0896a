/* Activities and the agenda (issue 13): the requests that add, finish,
 * edit, remove and list a lead's activities (activity_handlers.c), and a
 * user's agenda (agenda_handlers.c). Each is a row of the request table in
 * dispatch.c; every change goes through activity_apply() (activity_core.h). */
#ifndef LEADD_ACTIVITY_HANDLERS_H
#define LEADD_ACTIVITY_HANDLERS_H

#include "dispatch.h"

int activity_add(request_ctx *rc, store_txn *t);
int activity_done(request_ctx *rc, store_txn *t);
int activity_edit(request_ctx *rc, store_txn *t);
int activity_rm(request_ctx *rc, store_txn *t);
int activity_list(request_ctx *rc, store_txn *t);

/* The most items one agenda reply carries, and the default. */
#define AGENDA_LIMIT_MAX 1000
#define AGENDA_LIMIT_DEFAULT 200
int agenda_get(request_ctx *rc, store_txn *t);

#endif
