#include "kpi_activity.h"

#include <stdlib.h>
#include <string.h>

static size_t slot_of(const kpi_activity_acc *a, uint64_t team, uint64_t user)
{
	uint64_t h = (team * 0x9E3779B97F4A7C15ULL) ^ (user * 0xC2B2AE3D27D4EB4FULL);
	h ^= h >> 29;
	size_t i = (size_t)h & (a->slots - 1);
	while (a->slot[i]) {
		const kpi_rep_acc *r = &a->rows[a->slot[i] - 1];
		if (r->team == team && r->user == user)
			break;
		i = (i + 1) & (a->slots - 1);
	}
	return i;
}

/* Room for one more row, the table kept under half full. */
static int reserve(kpi_activity_acc *a)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		kpi_rep_acc *r = realloc(a->rows, cap * sizeof(*r));
		if (!r)
			return -1;
		a->rows = r;
		a->cap = cap;
	}
	if ((a->n + 1) * 2 <= a->slots)
		return 0;
	size_t slots = a->slots ? a->slots * 2 : 64;
	uint32_t *s = calloc(slots, sizeof(*s));
	if (!s)
		return -1;
	free(a->slot);
	a->slot = s;
	a->slots = slots;
	for (size_t i = 0; i < a->n; i++)
		a->slot[slot_of(a, a->rows[i].team, a->rows[i].user)] = (uint32_t)(i + 1);
	return 0;
}

static kpi_rep_acc *row_get(kpi_activity_acc *a, uint64_t team, uint64_t user)
{
	if (a->slots) {
		size_t i = slot_of(a, team, user);
		if (a->slot[i])
			return &a->rows[a->slot[i] - 1];
	}
	if (reserve(a) < 0)
		return NULL;
	kpi_rep_acc *r = &a->rows[a->n];
	memset(r, 0, sizeof(*r));
	r->team = team;
	r->user = user;
	a->slot[slot_of(a, team, user)] = (uint32_t)(++a->n);
	return r;
}

int kpi_activity_row(kpi_activity_acc *a, uint64_t team, uint64_t user)
{
	return row_get(a, team, user) ? 0 : -1;
}

int kpi_activity_add(kpi_activity_acc *a, const lead_rollup_parsed *p, uint64_t n)
{
	if (p->metric != LEAD_ROLLUP_DONE && p->metric != LEAD_ROLLUP_SPEED)
		return 0;
	uint64_t *total = NULL;
	if (p->metric == LEAD_ROLLUP_SPEED)
		total = &a->speed[p->bucket];
	else if (p->kind == LEADD__ACTIVITY_KIND__ACTIVITY_CALL)
		total = &a->calls;
	else if (p->kind == LEADD__ACTIVITY_KIND__ACTIVITY_MEETING)
		total = &a->meetings;
	else
		total = &a->tasks;
	*total += n;
	kpi_rep_acc *r = row_get(a, p->team, p->owner);
	if (!r)
		return -1;
	if (p->metric == LEAD_ROLLUP_SPEED) {
		if (!r->speed && !(r->speed = calloc(LEAD_ROLLUP_BUCKETS, sizeof(*r->speed))))
			return -1;
		r->speed[p->bucket] += n;
	} else if (p->kind == LEADD__ACTIVITY_KIND__ACTIVITY_CALL)
		r->calls += n;
	else if (p->kind == LEADD__ACTIVITY_KIND__ACTIVITY_MEETING)
		r->meetings += n;
	else
		r->tasks += n;
	return 0;
}

int64_t kpi_bucket_median(const uint64_t b[LEAD_ROLLUP_BUCKETS], uint64_t *total)
{
	uint64_t all = 0, seen = 0;
	for (unsigned i = 0; i < LEAD_ROLLUP_BUCKETS; i++)
		all += b[i];
	*total = all;
	if (!all)
		return 0;
	unsigned i = 0;
	for (; i + 1 < LEAD_ROLLUP_BUCKETS; i++) {
		seen += b[i];
		if (seen * 2 >= all)
			break;
	}
	return lead_rollup_bucket_mid(i);
}

int kpi_activity_to_wire(const kpi_activity_acc *a, ld_arena *ar, Leadd__KpiFlow *w)
{
	w->has_calls_done = w->has_meetings_done = w->has_tasks_done = w->has_speed_samples = 1;
	w->calls_done = a->calls;
	w->meetings_done = a->meetings;
	w->tasks_done = a->tasks;
	int64_t med = kpi_bucket_median(a->speed, &w->speed_samples);
	/* No sample, no median: absent rather than a made-up 0. */
	w->has_speed_median_ms = w->speed_samples != 0;
	w->speed_median_ms = med;
	w->reps = ld_arena_alloc(ar, (a->n + 1) * sizeof(*w->reps));
	if (!w->reps)
		return -1;
	for (size_t i = 0; i < a->n; i++) {
		const kpi_rep_acc *r = &a->rows[i];
		Leadd__RepActivity *x = ld_arena_alloc(ar, sizeof(*x));
		if (!x)
			return -1;
		leadd__rep_activity__init(x);
		x->has_user_id = x->has_team_id = 1;
		x->user_id = r->user;
		x->team_id = r->team;
		x->has_calls_done = x->has_meetings_done = x->has_tasks_done = 1;
		x->has_speed_samples = 1;
		x->calls_done = r->calls;
		x->meetings_done = r->meetings;
		x->tasks_done = r->tasks;
		if (r->speed) {
			x->speed_median_ms = kpi_bucket_median(r->speed, &x->speed_samples);
			x->has_speed_median_ms = x->speed_samples != 0;
		}
		w->reps[w->n_reps++] = x;
	}
	return 0;
}

void kpi_activity_free(kpi_activity_acc *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->rows[i].speed);
	free(a->rows);
	free(a->slot);
	memset(a, 0, sizeof(*a));
}
