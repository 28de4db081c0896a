/* The record's request families (issue 10): client folders
 * (client_handlers.c), contacts (contact_handlers.c), tags
 * (tag_handlers.c) and a lead's history (history_handlers.c). Each is a row
 * of the request table in dispatch.c. */
#ifndef LEADD_RECORD_HANDLERS_H
#define LEADD_RECORD_HANDLERS_H

#include "dispatch.h"

int client_add(request_ctx *rc, store_txn *t);
int client_list(request_ctx *rc, store_txn *t);
int client_get(request_ctx *rc, store_txn *t);
int client_edit(request_ctx *rc, store_txn *t);
int client_merge(request_ctx *rc, store_txn *t);

int contact_add(request_ctx *rc, store_txn *t);
int contact_edit(request_ctx *rc, store_txn *t);
int contact_rm(request_ctx *rc, store_txn *t);
int contact_main(request_ctx *rc, store_txn *t);

int lead_tag(request_ctx *rc, store_txn *t);
int tag_list(request_ctx *rc, store_txn *t);

int lead_history(request_ctx *rc, store_txn *t);

#endif
