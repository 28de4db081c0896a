/* The leads of a client folder (client_leads.c): the folder rename, the
 * folder merge and migration 8 move them through the write core. */
#ifndef LEADD_CLIENT_LEADS_H
#define LEADD_CLIENT_LEADS_H

#include <stdint.h>

#include "lead_core.h"
#include "store.h"

/* The first lead of `folder` whose id is above `after` (0: from the
 * start), from the client index: 1 with *lead_id, 0 when there is none (an
 * error is left in t->ret). */
int client_lead_next(store_txn *t, uint64_t folder, uint64_t after, uint64_t *lead_id);

/* Put lead `lead_id` in folder `to`, named `name`, through lead_apply: 0,
 * 1 when it is there already under that name (nothing written), or t->ret
 * (a lead the index names but that does not exist is MDB_CORRUPTED). */
int client_lead_point(store_txn *t, ld_arena *arena, uint64_t lead_id, uint64_t to,
		      const char *name, const lead_change *ch);

#endif
