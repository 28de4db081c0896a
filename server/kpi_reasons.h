/* KPI flow: moves into dead and lost by reason (KpiFlow.dead_reasons,
 * .lost_reasons), summed from the rollup's reason records (lead_rollup.h,
 * LEAD_ROLLUP_REASON) while kpi_handlers.c walks a period. One accumulator
 * per class; a reason is its bytes as the lead recorded them. */
#ifndef LEADD_KPI_REASONS_H
#define LEADD_KPI_REASONS_H

#include <stddef.h>
#include <stdint.h>

#include "ld_arena.h"
#include "leadd.pb-c.h"

/* Reasons named one by one per class; the rest are summed as
 * KPI_REASONS_OTHER (a list holds 100, free text may be anything). */
#define KPI_REASONS_MAX 100
#define KPI_REASONS_OTHER "(other reasons)"

typedef struct {
	struct kpi_reason_row {
		char *text; /* malloc'd, NUL-terminated */
		size_t len;
		uint64_t n;
	} * rows;
	size_t n, cap;
	uint64_t other; /* past KPI_REASONS_MAX */
} kpi_reason_acc;

/* Add n moves for reason text[0..len). -1 out of memory (nothing added). */
int kpi_reasons_add(kpi_reason_acc *a, const uint8_t *text, size_t len, uint64_t n);
/* The wire rows, most moves first (then by text), the other reasons last;
 * strings in ar. -1 out of memory. */
int kpi_reasons_to_wire(const kpi_reason_acc *a, ld_arena *ar, Leadd__ReasonCount ***out,
			size_t *n);
void kpi_reasons_free(kpi_reason_acc *a);

#endif
