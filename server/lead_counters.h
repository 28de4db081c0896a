/* KPI counters, kept by the write core in the same transaction as every
 * change to a lead (design.md), so a count never differs from a recount.
 *
 * DB_COUNTERS holds two kinds of record, told apart by their first byte:
 *
 *   'c' | team (8) | owner (8) | status (8)       -> u64 count of leads
 *   'v' | team | owner | status | currency (3)    -> 16-byte signed sum of
 *                                                    their amount_minor
 *   'a' | team | owner | status                   -> u64 count of archived
 *                                                    leads (schema 9)
 *
 * all numbers big-endian. Pool leads have owner 0 and count for their team.
 * An archived lead leaves the live counts ('c', 'v') for the archived ones
 * ('a'), which keep no value: archiving takes a lead out of the pipeline,
 * and kpi shows archived leads apart, by class, so a rep cannot hide dead
 * leads from the KPIs (KpiCounts.archived).
 * A record whose count or sum comes to zero is deleted, so the set of keys
 * equals a recount's. Sums are 128-bit so no run of int64 amounts can
 * overflow them; a reader that needs an int64 saturates, and verify reports
 * a sum that does not fit one. KPI classes, stages and team totals are not
 * stored: they are derived at read time from the status records. */
#ifndef LEADD_LEAD_COUNTERS_H
#define LEADD_LEAD_COUNTERS_H

#include <stdint.h>

#include "lead_core.h"
#include "leadd.pb-c.h"
#include "store.h"

#define LEAD_COUNTER_COUNT 'c'
#define LEAD_COUNTER_VALUE 'v'
#define LEAD_COUNTER_ARCHIVED 'a'
#define LEAD_COUNTER_COUNT_KEY 25
#define LEAD_COUNTER_VALUE_KEY 28
#define LEAD_COUNTER_VALUE_LEN 16

/* The first schema whose counters have the keys above and whose rollup
 * exists (migration 7 builds both). */
#define LEAD_COUNTERS_SCHEMA 7

/* Bring the counters and the per-day rollup (lead_rollup.h) from `old` (NULL
 * on a create) to `lead`. The write core's one call. Before schema 7 (an
 * older migration changing leads) it does nothing: migration 7 rebuilds
 * both from the leads and their history. Errors stay in t->ret. */
void lead_counters_apply(store_txn *t, const Leadd__Lead *old, const Leadd__Lead *lead,
			 const lead_change *ch);

/* Add (+1) or remove (-1) one lead's count and value (migration 7): its
 * archived count instead when it is archived. */
void lead_counters_add(store_txn *t, const Leadd__Lead *lead, int sign);

void lead_counter_count_key(uint8_t out[LEAD_COUNTER_COUNT_KEY], uint64_t team, uint64_t owner,
			    uint64_t status);
/* The same layout with LEAD_COUNTER_ARCHIVED first. */
void lead_counter_archived_key(uint8_t out[LEAD_COUNTER_COUNT_KEY], uint64_t team, uint64_t owner,
			       uint64_t status);
void lead_counter_value_key(uint8_t out[LEAD_COUNTER_VALUE_KEY], uint64_t team, uint64_t owner,
			    uint64_t status, const char *currency);

/* The 128-bit sums as stored. */
void lead_counter_sum_put(uint8_t out[LEAD_COUNTER_VALUE_LEN], __int128 v);
__int128 lead_counter_sum_get(const void *p);

/* A lead's value, if it has one: its currency (3 letters) and amount. */
int lead_counter_value_of(const Leadd__Lead *lead, const char **currency, int64_t *amount);

#endif
