#include "kpi_reasons.h"

#include <stdlib.h>
#include <string.h>

int kpi_reasons_add(kpi_reason_acc *a, const uint8_t *text, size_t len, uint64_t n)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->rows[i].len == len && memcmp(a->rows[i].text, text, len) == 0) {
			a->rows[i].n += n;
			return 0;
		}
	if (a->n == KPI_REASONS_MAX) {
		a->other += n;
		return 0;
	}
	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 8;
		void *bigger = realloc(a->rows, cap * sizeof(*a->rows));
		if (!bigger)
			return -1;
		a->rows = bigger;
		a->cap = cap;
	}
	char *copy = malloc(len + 1);
	if (!copy)
		return -1;
	memcpy(copy, text, len);
	copy[len] = 0;
	a->rows[a->n++] = (struct kpi_reason_row){.text = copy, .len = len, .n = n};
	return 0;
}

static int cmp_count(const void *x_, const void *y_)
{
	const Leadd__ReasonCount *x = *(Leadd__ReasonCount *const *)x_;
	const Leadd__ReasonCount *y = *(Leadd__ReasonCount *const *)y_;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->reason, y->reason);
}

static Leadd__ReasonCount *row(ld_arena *ar, const char *text, size_t len, uint64_t n)
{
	Leadd__ReasonCount *w = ld_arena_alloc(ar, sizeof(*w));
	char *s = ld_arena_alloc(ar, len + 1);
	if (!w || !s)
		return NULL;
	memcpy(s, text, len);
	s[len] = 0;
	leadd__reason_count__init(w);
	w->reason = s;
	w->has_count = 1;
	w->count = n;
	return w;
}

int kpi_reasons_to_wire(const kpi_reason_acc *a, ld_arena *ar, Leadd__ReasonCount ***out, size_t *n)
{
	Leadd__ReasonCount **list = ld_arena_alloc(ar, (a->n + 2) * sizeof(*list));
	if (!list)
		return -1;
	size_t k = 0;
	for (size_t i = 0; i < a->n; i++)
		if (!(list[k++] = row(ar, a->rows[i].text, a->rows[i].len, a->rows[i].n)))
			return -1;
	qsort(list, k, sizeof(*list), cmp_count);
	if (a->other &&
	    !(list[k++] = row(ar, KPI_REASONS_OTHER, strlen(KPI_REASONS_OTHER), a->other)))
		return -1;
	*out = list;
	*n = k;
	return 0;
}

void kpi_reasons_free(kpi_reason_acc *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->rows[i].text);
	free(a->rows);
	memset(a, 0, sizeof(*a));
}
