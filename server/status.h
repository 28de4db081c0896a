/* Lead statuses: admin-editable records with stable ids. */
#ifndef LEADD_STATUS_H
#define LEADD_STATUS_H

#include "leadd.pb-c.h"
#include "store.h"

/* The most statuses leadd keeps: the list is read whole by every status
 * word, every KPI read and `lead statuses`, so it stays small. */
#define STATUS_MAX 100

/* In meta: the last revision as of the latest status_edit or status_rm
 * (u64). A KPI or saved-search watch resuming from a revision at or
 * before it gets a snapshot instead of a replay: the counts it holds were
 * made with the status list as it was (watch.c). */
#define STATUS_META_REVISION "status_list_revision"

/* 0, MDB_NOTFOUND or an error. */
int status_load(store_txn *t, uint64_t id, ld_arena *arena, Leadd__Status **out);
/* The status new leads get: the first (by position) of class KPI_NEW. */
int status_default_new(store_txn *t, ld_arena *arena, uint64_t *id);
/* Every status, in display order (position, then id), unpacked through
 * the arena. 0, ENOMEM, MDB_CORRUPTED or an LMDB error. */
int status_all_sorted(store_txn *t, ld_arena *arena, Leadd__Status ***out, size_t *n);
/* How many leads are in status `id` (archived ones too), from the status
 * index. 0 or an LMDB error. */
int status_lead_count(store_txn *t, uint64_t id, uint64_t *n);
/* Is `folded` (ld_norm_name'd) a KPI class word ("new", ..., "none")?
 * Status words read those as classes, so no status may be named so. */
int status_is_class_word(const char *folded);
/* The class's word ("dead"), for sentences. */
const char *status_class_word(Leadd__KpiClass c);
const char *status_stage_word(Leadd__Stage s);

#endif
