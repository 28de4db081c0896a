/* KPI flow: activities done and speed to lead (issue 13; KpiFlow.calls_done
 * ... speed_samples and KpiFlow.reps), summed from the rollup's 'a' and 'f'
 * records (lead_rollup.h) while kpi_handlers.c walks a period. One row per
 * (team, user): an 'a' record's owner is the activity's assignee, an 'f'
 * record's the lead's owner. kpi_handlers.c decides what the caller may
 * see and names the rows. */
#ifndef LEADD_KPI_ACTIVITY_H
#define LEADD_KPI_ACTIVITY_H

#include <stddef.h>
#include <stdint.h>

#include "ld_arena.h"
#include "lead_rollup.h"
#include "leadd.pb-c.h"

typedef struct {
	uint64_t team, user;
	uint64_t calls, meetings, tasks;
	uint64_t *speed; /* LEAD_ROLLUP_BUCKETS counts, malloc'd; NULL: none */
} kpi_rep_acc;

typedef struct {
	kpi_rep_acc *rows;
	size_t n, cap;
	uint32_t *slot; /* open addressing over rows: index + 1, 0 free */
	size_t slots;   /* a power of two, over twice n */
	uint64_t calls, meetings, tasks;
	uint64_t speed[LEAD_ROLLUP_BUCKETS];
} kpi_activity_acc;

/* Make sure (team, user) has a row, even with nothing done (a rep in
 * scope who did nothing shows as zeros). -1 out of memory. */
int kpi_activity_row(kpi_activity_acc *a, uint64_t team, uint64_t user);

/* Add n events of a LEAD_ROLLUP_DONE or LEAD_ROLLUP_SPEED record (others
 * are ignored). -1 out of memory (the totals are still added). */
int kpi_activity_add(kpi_activity_acc *a, const lead_rollup_parsed *p, uint64_t n);

/* The lower median of bucket counts: the bucket holding the
 * ceil(total/2)-th sample, reported as lead_rollup_bucket_mid. *total gets
 * the number of samples; the median is 0 when there are none. */
int64_t kpi_bucket_median(const uint64_t b[LEAD_ROLLUP_BUCKETS], uint64_t *total);

/* Fill w's totals and w->reps (user and team ids, counts, median; names
 * left to the caller), rows in no particular order; in ar. -1 out of
 * memory. */
int kpi_activity_to_wire(const kpi_activity_acc *a, ld_arena *ar, Leadd__KpiFlow *w);

void kpi_activity_free(kpi_activity_acc *a);

#endif
