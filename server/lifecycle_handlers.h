/* The lead's lifecycle (issue 12): the admin-edited status list
 * (status_admin.c), dead/lost reasons per team (reason_handlers.c),
 * stand-by and its wake-up timer (standby_handlers.c, standby_timer.c),
 * archive, restore and renew (archive_renew.c). Each is a row of the
 * request table in dispatch.c. */
#ifndef LEADD_LIFECYCLE_HANDLERS_H
#define LEADD_LIFECYCLE_HANDLERS_H

#include "dispatch.h"

int status_add(request_ctx *rc, store_txn *t);
int status_edit(request_ctx *rc, store_txn *t);
int status_rm(request_ctx *rc, store_txn *t);

int reason_add(request_ctx *rc, store_txn *t);
int reason_list(request_ctx *rc, store_txn *t);
int reason_rm(request_ctx *rc, store_txn *t);

int lead_standby(request_ctx *rc, store_txn *t);

/* The most renewals one lead keeps links to (Lead.renewals is stored in
 * the lead, which must stay small): lead_renew refuses more, verify
 * reports more. */
#define LEAD_RENEWALS_MAX 500
int lead_archive(request_ctx *rc, store_txn *t);
int lead_restore(request_ctx *rc, store_txn *t);
int lead_renew(request_ctx *rc, store_txn *t);

#endif
