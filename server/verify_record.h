/* leadd verify's checks of the record's structures (verify.c runs them in
 * its table): client folder words (verify_clients.c) and tag names
 * (verify_tags.c). Each prints every problem as "verify: ..." and returns
 * how many it found; an LMDB error is left in t->ret. */
#ifndef LEADD_VERIFY_RECORD_H
#define LEADD_VERIFY_RECORD_H

#include <stdint.h>

#include "store.h"

/* Every folder's words are in client_words under its id, and every entry
 * there names a folder with that word; client_names keys are the folders'
 * client_name_key. */
uint64_t verify_client_folders(store_txn *t, ld_arena *arena);

/* Every tag on a lead has a name in tag_names that folds to it, and the
 * lead carries no two tags that fold alike. */
uint64_t verify_tag_names(store_txn *t, ld_arena *arena);

/* Renewal links agree both ways (verify_renewals.c). */
uint64_t verify_renewals(store_txn *t, ld_arena *arena);
/* verify_reasons.c: every dead/lost reason decodes, is under its own key,
 * is one line of at most LIMIT_REASON bytes, names a team that exists, and
 * no list holds more than REASONS_PER_TEAM_MAX. */
uint64_t verify_reasons(store_txn *t, ld_arena *arena);

/* The status list: positions 1..n, one conversion target per stage at
 * most, unique names, a status of class new (verify_statuses.c). */
uint64_t verify_status_list(store_txn *t, ld_arena *arena);

/* Activities (verify_activities.c): records under their keys and lead,
 * numbered within the counter; idx_act_open, idx_agenda and idx_act_alarm
 * exactly what the records call for, both ways; every lead's next action
 * as the write core computes it. */
uint64_t verify_activities(store_txn *t, ld_arena *arena);

/* Opportunities (verify_opps.c): records, both indexes both ways, each
 * lead's open totals from its opportunities, the open forecast counters
 * from the leads' totals and the won counters from the won records. */
uint64_t verify_opps(store_txn *t, ld_arena *arena);

#endif
