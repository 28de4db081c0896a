/* `lead kpi --watch` keeps the counts of the watch's snapshot and applies
 * each change's KpiDelta to them (docs/protocol.md section 6) instead of
 * asking for the counts again: the delta's owner row, its team's row and
 * the total, each in its class, its status, its value per currency and its
 * open opportunities per currency (KpiDelta.opps: the class's
 * ClassCount.opps, and KpiCounts.forecast when in_forecast). An archived
 * delta moves the archived counts only, which have no values nor
 * opportunities.
 *
 * The KpiReply is changed in place. Rows and values it did not have are
 * added with malloc/strdup, which leadd__kpi_reply__free_unpacked frees as
 * it frees what protobuf-c unpacked (the default allocator is malloc). */
#include <stdlib.h>
#include <string.h>

#include "lead.h"

/* Grows a protobuf-c repeated field by one slot; the slot, or NULL. */
static void **grow(void ***items, size_t *n)
{
	void **na = realloc(*items, (*n + 1) * sizeof(**items));
	if (!na)
		return NULL;
	*items = na;
	return &na[(*n)++];
}

static Leadd__KpiCounts *new_counts(void)
{
	Leadd__KpiCounts *c = malloc(sizeof(*c));
	if (c)
		leadd__kpi_counts__init(c);
	return c;
}

/* count + delta, never below zero; *under set when it would have been. */
static uint64_t add_count(uint64_t count, int64_t delta, int *under)
{
	if (delta < 0 && (uint64_t)-delta > count) {
		*under |= LEAD_KPI_DISAGREE;
		return 0;
	}
	return count + (uint64_t)delta;
}

int64_t lead_sum_add(int64_t sum, int64_t delta, int *under)
{
	int64_t r;
	if (delta == 0)
		return sum; /* nothing changes, exact or "at least" */
	if (sum == INT64_MAX || __builtin_add_overflow(sum, delta, &r)) {
		if (sum != INT64_MAX && delta < 0) {
			*under |= LEAD_KPI_DISAGREE;
			return 0;
		}
		*under |= LEAD_KPI_PAST_INT64;
		return INT64_MAX;
	}
	return r;
}

static int add_value(Leadd__Money ***vals, size_t *n, const Leadd__Money *d, int *under)
{
	if (!d->currency || !d->has_amount_minor || d->amount_minor == 0)
		return 0;
	for (size_t i = 0; i < *n; i++)
		if ((*vals)[i]->currency && strcmp((*vals)[i]->currency, d->currency) == 0) {
			(*vals)[i]->amount_minor = lead_sum_add((*vals)[i]->amount_minor,
								d->amount_minor, under);
			(*vals)[i]->has_amount_minor = 1;
			if ((*vals)[i]->amount_minor == 0) {
				/* No leads of that currency left: gone, as kpi
				 * lists none (not "0.00 EUR"). */
				leadd__money__free_unpacked((*vals)[i], NULL);
				memmove(&(*vals)[i], &(*vals)[i + 1],
					(*n - i - 1) * sizeof(**vals));
				(*n)--;
			}
			return 1;
		}
	Leadd__Money *m = malloc(sizeof(*m));
	char *code = strdup(d->currency);
	void **slot = m && code ? grow((void ***)vals, n) : NULL;
	if (!slot) {
		free(m);
		free(code);
		return -1;
	}
	leadd__money__init(m);
	m->has_amount_minor = 1;
	m->amount_minor = d->amount_minor;
	m->currency = code;
	*slot = m;
	return 1;
}

/* An archived delta moves KpiCounts.archived (by class, no values), never
 * the live classes and statuses: an archived lead is not live. */
static int apply_archived(Leadd__KpiCounts *c, const Leadd__KpiDelta *d, int *under)
{
	Leadd__ClassCount *cc = NULL;
	for (size_t i = 0; i < c->n_archived; i++)
		if (c->archived[i]->kpi_class == d->kpi_class)
			cc = c->archived[i];
	if (!cc) {
		cc = malloc(sizeof(*cc));
		void **slot = cc ? grow((void ***)&c->archived, &c->n_archived) : NULL;
		if (!slot) {
			free(cc);
			return -1;
		}
		leadd__class_count__init(cc);
		cc->has_kpi_class = cc->has_count = 1;
		cc->kpi_class = d->kpi_class;
		*slot = cc;
	}
	if (!d->count)
		return 0;
	cc->count = add_count(cc->count, d->count, under);
	return 1;
}

/* 1 when a count or value moved, 0 when nothing did, -1 out of memory. */
static int apply_counts(Leadd__KpiCounts *c, const Leadd__KpiDelta *d, int *under)
{
	int changed = 0;
	if (d->archived)
		return apply_archived(c, d, under);
	Leadd__ClassCount *cc = NULL;
	for (size_t i = 0; i < c->n_classes; i++)
		if (c->classes[i]->kpi_class == d->kpi_class)
			cc = c->classes[i];
	if (!cc) {
		cc = malloc(sizeof(*cc));
		void **slot = cc ? grow((void ***)&c->classes, &c->n_classes) : NULL;
		if (!slot) {
			free(cc);
			return -1;
		}
		leadd__class_count__init(cc);
		cc->has_kpi_class = 1;
		cc->kpi_class = d->kpi_class;
		cc->has_count = 1;
		*slot = cc;
	}
	if (d->count) {
		cc->count = add_count(cc->count, d->count, under);
		cc->has_count = 1;
		changed = 1;
	}
	for (size_t v = 0; v < d->n_value; v++) {
		int r = add_value(&cc->value, &cc->n_value, d->value[v], under);
		if (r < 0)
			return -1;
		changed |= r;
	}
	/* Its open opportunities: the class's, and the forecast's when the
	 * delta's status counts in it. */
	for (size_t v = 0; v < d->n_opps; v++) {
		int r = lead_forecast_add(&cc->opps, &cc->n_opps, d->opps[v], under);
		if (r > 0 && d->in_forecast)
			r = lead_forecast_add(&c->forecast, &c->n_forecast, d->opps[v], under);
		if (r < 0)
			return -1;
		changed |= r;
	}
	if (!d->count || !d->has_status_id)
		return changed;
	for (size_t i = 0; i < c->n_statuses; i++)
		if (c->statuses[i]->status_id == d->status_id) {
			c->statuses[i]->count = add_count(c->statuses[i]->count, d->count, under);
			c->statuses[i]->has_count = 1;
			return changed;
		}
	Leadd__StatusCount *sc = malloc(sizeof(*sc));
	char *name = d->status_name ? strdup(d->status_name) : NULL;
	void **slot = sc && (name || !d->status_name) ? grow((void ***)&c->statuses, &c->n_statuses)
						      : NULL;
	if (!slot) {
		free(sc);
		free(name);
		return -1;
	}
	leadd__status_count__init(sc);
	sc->has_status_id = 1;
	sc->status_id = d->status_id;
	sc->name = name;
	sc->has_count = 1;
	sc->count = add_count(0, d->count, under);
	*slot = sc;
	return changed;
}

/* Where a new row goes: rows by team id, a team's members by name, its
 * pool last (the order of KpiReply.owners). */
static int row_before(const Leadd__KpiRow *a, const Leadd__KpiRow *b)
{
	if (a->team_id != b->team_id)
		return a->team_id < b->team_id;
	if (!a->id || !b->id)
		return b->id == 0 && a->id != 0;
	return strcmp(a->name ? a->name : "", b->name ? b->name : "") < 0;
}

static Leadd__KpiRow *add_row(Leadd__KpiRow ***rows, size_t *n, uint64_t id, const char *name,
			      uint64_t team_id, const char *team_name)
{
	Leadd__KpiRow *r = malloc(sizeof(*r));
	Leadd__KpiCounts *c = new_counts();
	char *nm = name ? strdup(name) : NULL, *tn = team_name ? strdup(team_name) : NULL;
	void **slot = NULL;
	if (r && c && (nm || !name) && (tn || !team_name))
		slot = grow((void ***)rows, n);
	if (!slot) {
		free(r);
		free(c);
		free(nm);
		free(tn);
		return NULL;
	}
	leadd__kpi_row__init(r);
	r->has_id = 1;
	r->id = id;
	r->name = nm;
	r->has_team_id = 1;
	r->team_id = team_id;
	r->team_name = tn;
	r->counts = c;
	/* Slide it back to its place. */
	size_t i = *n - 1;
	while (i > 0 && row_before(r, (*rows)[i - 1])) {
		(*rows)[i] = (*rows)[i - 1];
		i--;
	}
	(*rows)[i] = r;
	return r;
}

static int apply_row(Leadd__KpiRow *r, const Leadd__KpiDelta *d, int *under)
{
	if (!r->counts && !(r->counts = new_counts()))
		return -1;
	return apply_counts(r->counts, d, under);
}

int lead_kpi_apply(Leadd__KpiReply *k, const Leadd__KpiDelta *d, int *under)
{
	int changed = 0, r;
	Leadd__KpiRow *owner = NULL, *team = NULL;
	for (size_t i = 0; i < k->n_owners; i++)
		if (k->owners[i]->id == d->owner_id && k->owners[i]->team_id == d->team_id)
			owner = k->owners[i];
	if (!owner) {
		owner = add_row(&k->owners, &k->n_owners, d->owner_id,
				d->owner_name && *d->owner_name ? d->owner_name
								: (d->owner_id ? NULL : "(pool)"),
				d->team_id, d->team_name);
		if (!owner)
			return -1;
	}
	if ((r = apply_row(owner, d, under)) < 0)
		return -1;
	changed |= r;
	for (size_t i = 0; i < k->n_teams; i++)
		if (k->teams[i]->id == d->team_id)
			team = k->teams[i];
	/* A team row for each team with a row above; a user in no team has
	 * none unless the snapshot had one. */
	if (!team && d->team_id) {
		team = add_row(&k->teams, &k->n_teams, d->team_id, d->team_name, d->team_id,
			       d->team_name);
		if (!team)
			return -1;
		team->id = d->team_id;
	}
	if (team) {
		if ((r = apply_row(team, d, under)) < 0)
			return -1;
		changed |= r;
	}
	if (!k->total && !(k->total = new_counts()))
		return -1;
	if ((r = apply_counts(k->total, d, under)) < 0)
		return -1;
	return changed | r;
}
