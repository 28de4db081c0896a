/* Lead statuses: admin-editable records with stable ids. */
#ifndef LEADD_STATUS_H
#define LEADD_STATUS_H

#include "leadd.pb-c.h"
#include "store.h"

/* 0, MDB_NOTFOUND or an error. */
int status_load(store_txn *t, uint64_t id, ld_arena *arena, Leadd__Status **out);
/* The status new leads get: the first (by position) of class KPI_NEW. */
int status_default_new(store_txn *t, ld_arena *arena, uint64_t *id);

#endif
