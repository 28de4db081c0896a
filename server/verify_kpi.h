/* leadd verify's KPI checks: the counters against a recount of the leads,
 * and the per-day rollup against a replay of every lead's history. Each
 * prints one "verify: ..." line per problem and returns how many. */
#ifndef LEADD_VERIFY_KPI_H
#define LEADD_VERIFY_KPI_H

#include <stdint.h>

#include "store.h"

uint64_t verify_kpi_counters(store_txn *t);
uint64_t verify_kpi_rollup(store_txn *t);

#endif
