/* Storage migrations that live in their own file; store_migrate.c lists
 * them in order. */
#ifndef LEADD_MIGRATE_H
#define LEADD_MIGRATE_H

#include "store.h"

/* A migration that meets a record it cannot read: sets t->ret and keeps a
 * sentence naming the record (printf-style), which store_migrate puts in
 * its error, as LMDB's words for MDB_CORRUPTED are about pages. */
void migrate_fail(store_txn *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Re-key user, team and client-folder names and the tag index by Unicode
 * folding (ld_norm_name); see migrate_names.c. */
void migrate_fold_names(store_txn *t);

/* Move every owned lead whose team is not its owner's into the owner's
 * team, through the write core; see migrate_lead_teams.c. */
void migrate_lead_teams(store_txn *t);

/* Build the search indexes and lead summaries of schema 6 from every
 * lead; see migrate_search_indexes.c. */
void migrate_search_indexes(store_txn *t);

/* Rebuild the KPI counters (team, owner, status, with value totals) from
 * the leads and the per-day rollup from their history; see migrate_kpi.c. */
void migrate_kpi(store_txn *t);

/* Flag the prospect stage's conversion target when none is; see
 * migrate_lifecycle.c. */
void migrate_lifecycle(store_txn *t);

/* Activities (schema 10) start empty: nothing to fill; see
 * activity_core.c. */
void migrate_activities(store_txn *t);

/* Opportunities (schema 11) start empty; flag the customer stage's won
 * status as its conversion target when none is; see migrate_lifecycle.c. */
void migrate_opportunities(store_txn *t);

#endif
