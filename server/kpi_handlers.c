/* KPI counts (lead kpi): read from the counters and the per-day rollup the
 * write core keeps (lead_counters.h, lead_rollup.h; the open opportunities
 * per class and the forecast from the open-opportunity counters,
 * opp_core.h), never from the leads, so the cost is bounded by teams x
 * owners x statuses (and days for the flow) whatever the number of leads.
 * Classes, stages and team totals are derived here from the status
 * records. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dispatch.h"
#include "kpi_activity.h"
#include "kpi_counts.h"
#include "kpi_reasons.h"
#include "ld_error.h"
#include "lead_counters.h"
#include "lead_rollup.h"
#include "log.h"
#include "opp_amounts.h"
#include "opp_core.h"
#include "users.h"

/* The longest flow period, in UTC days: bounds the rollup read per request. */
#define KPI_FLOW_DAYS_MAX 366
/* Sources listed one by one in a flow; the rest are summed as "(other)". */
#define KPI_SOURCES_MAX 200
#define KPI_SOURCE_SLOTS 512 /* a power of two over twice KPI_SOURCES_MAX */
#define KPI_CLASSES 7        /* KPI_NONE .. KPI_WON */
/* read_counters/flow_walk met a record of no known shape. */
#define KPI_DAMAGED MDB_CORRUPTED
/* flow_walk used up its slice (not an LMDB code: those are negative or
 * errno values). */
#define KPI_YIELD (-1)
/* Loop time one slice of a flow's rollup walk may take. */
#define KPI_SLICE_NS 1000000

typedef struct {
	uint64_t status, n;
} st_count;
typedef struct {
	uint64_t status;
	char cur[4];
	__int128 sum;
} st_value;
/* Open opportunities (issue 15) per status and currency: how many, their
 * amount, and weighted by the status's probability now. */
typedef struct {
	uint64_t status;
	char cur[4];
	__int128 opps, amount, weighted_x100;
} st_opps;

/* Counts of one row (or a total): per status, and value per status and
 * currency; archived leads per status, apart. */
typedef struct {
	st_count *c;
	size_t nc, capc;
	st_value *v;
	size_t nv, capv;
	st_count *ar;
	size_t nar, capar;
	st_opps *o;
	size_t no, capo;
} acc;

typedef struct {
	uint64_t team, owner;
	acc a;
} row;

typedef struct {
	uint64_t id;
	const Leadd__Status *s;
} status_info;

typedef struct {
	request_ctx *rc;
	store_txn *t;
	int failed; /* out of memory */
	/* statuses */
	status_info *st;
	size_t n_st;
	/* who may be seen */
	role_t role;
	uint64_t self, only_team;
	int has_only_team;
	uint64_t rep_team; /* the caller's own team (0: none) */
	int rep_pool;      /* a rep whose team shows its pool */
	/* rows */
	row *rows;
	size_t n_rows, cap_rows;
	size_t n_sorted; /* rows[0..n_sorted) are sorted by (team, owner) */
	user_record **users;
	size_t n_users;
	team_record **teams;
	size_t n_teams;
} kpi;

static void *grow(kpi *k, void *p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return p;
	size_t nc = *cap ? *cap * 2 : 8;
	void *q = realloc(p, nc * size);
	if (!q) {
		k->failed = 1;
		return p;
	}
	*cap = nc;
	return q;
}

static void acc_count(kpi *k, acc *a, uint64_t status, uint64_t n)
{
	for (size_t i = 0; i < a->nc; i++)
		if (a->c[i].status == status) {
			a->c[i].n += n;
			return;
		}
	a->c = grow(k, a->c, &a->capc, a->nc, sizeof(*a->c));
	if (a->nc < a->capc)
		a->c[a->nc++] = (st_count){status, n};
}

static void acc_value(kpi *k, acc *a, uint64_t status, const char *cur, __int128 sum)
{
	for (size_t i = 0; i < a->nv; i++)
		if (a->v[i].status == status && memcmp(a->v[i].cur, cur, 3) == 0) {
			a->v[i].sum += sum;
			return;
		}
	a->v = grow(k, a->v, &a->capv, a->nv, sizeof(*a->v));
	if (a->nv < a->capv) {
		st_value x = {.status = status, .sum = sum};
		memcpy(x.cur, cur, 3);
		a->v[a->nv++] = x;
	}
}

static void acc_archived(kpi *k, acc *a, uint64_t status, uint64_t n)
{
	for (size_t i = 0; i < a->nar; i++)
		if (a->ar[i].status == status) {
			a->ar[i].n += n;
			return;
		}
	a->ar = grow(k, a->ar, &a->capar, a->nar, sizeof(*a->ar));
	if (a->nar < a->capar)
		a->ar[a->nar++] = (st_count){status, n};
}

static void acc_opps(kpi *k, acc *a, const st_opps *x)
{
	for (size_t i = 0; i < a->no; i++)
		if (a->o[i].status == x->status && memcmp(a->o[i].cur, x->cur, 3) == 0) {
			a->o[i].opps += x->opps;
			a->o[i].amount += x->amount;
			a->o[i].weighted_x100 += x->weighted_x100;
			return;
		}
	a->o = grow(k, a->o, &a->capo, a->no, sizeof(*a->o));
	if (a->no < a->capo)
		a->o[a->no++] = *x;
}

static void acc_merge(kpi *k, acc *into, const acc *from)
{
	for (size_t i = 0; i < from->no; i++)
		acc_opps(k, into, &from->o[i]);
	for (size_t i = 0; i < from->nc; i++)
		acc_count(k, into, from->c[i].status, from->c[i].n);
	for (size_t i = 0; i < from->nv; i++)
		acc_value(k, into, from->v[i].status, from->v[i].cur, from->v[i].sum);
	for (size_t i = 0; i < from->nar; i++)
		acc_archived(k, into, from->ar[i].status, from->ar[i].n);
}

static void acc_free(acc *a)
{
	free(a->c);
	free(a->v);
	free(a->ar);
	free(a->o);
}

static const Leadd__Status *status_of(const kpi *k, uint64_t id)
{
	for (size_t i = 0; i < k->n_st; i++)
		if (k->st[i].id == id)
			return k->st[i].s;
	return NULL;
}

static int class_of(const kpi *k, uint64_t id)
{
	const Leadd__Status *s = status_of(k, id);
	return s && s->kpi_class >= 0 && s->kpi_class < KPI_CLASSES ? (int)s->kpi_class : 0;
}

static int stage_of(const kpi *k, uint64_t id)
{
	const Leadd__Status *s = status_of(k, id);
	return s ? (int)s->stage : 0;
}

/* May the caller see the leads of (team, owner)? */
static int visible(const kpi *k, uint64_t team, uint64_t owner)
{
	if (k->has_only_team && team != k->only_team)
		return 0;
	switch (k->role) {
	case ROLE_ADMIN:
		return 1;
	case ROLE_MANAGER:
		return principal_has_team(&k->rc->who, team) || owner == k->self;
	default:
		return owner == k->self || (owner == 0 && k->rep_pool && team == k->rep_team);
	}
}

static row *row_add(kpi *k, uint64_t team, uint64_t owner)
{
	k->rows = grow(k, k->rows, &k->cap_rows, k->n_rows, sizeof(*k->rows));
	if (k->n_rows == k->cap_rows)
		return NULL;
	row *r = &k->rows[k->n_rows++];
	memset(r, 0, sizeof(*r));
	r->team = team;
	r->owner = owner;
	return r;
}

static int cmp_row_key(const void *a, const void *b)
{
	const row *x = a, *y = b;
	if (x->team != y->team)
		return x->team < y->team ? -1 : 1;
	return x->owner < y->owner ? -1 : x->owner > y->owner;
}

/* The row of (team, owner), made if new: a binary search over the rows made
 * up front (every user in scope), a walk over the few made since. */
static row *row_get(kpi *k, uint64_t team, uint64_t owner)
{
	row key = {.team = team, .owner = owner};
	row *r = bsearch(&key, k->rows, k->n_sorted, sizeof(*k->rows), cmp_row_key);
	if (r)
		return r;
	for (size_t i = k->n_sorted; i < k->n_rows; i++)
		if (k->rows[i].team == team && k->rows[i].owner == owner)
			return &k->rows[i];
	return row_add(k, team, owner);
}

/* Sort the rows made up front and drop repeats, so row_get can search. */
static void rows_index(kpi *k)
{
	qsort(k->rows, k->n_rows, sizeof(*k->rows), cmp_row_key);
	size_t n = 0;
	for (size_t i = 0; i < k->n_rows; i++)
		if (!n || cmp_row_key(&k->rows[n - 1], &k->rows[i]) != 0)
			k->rows[n++] = k->rows[i];
	k->n_rows = k->n_sorted = n;
}

static int load_statuses(kpi *k)
{
	MDB_cursor *cur;
	MDB_val key, d;
	int rc = mdb_cursor_open(k->t->txn, k->t->st->dbi[DB_STATUSES], &cur);
	if (rc)
		return rc;
	size_t cap = 0;
	for (rc = mdb_cursor_get(cur, &key, &d, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &key, &d, MDB_NEXT)) {
		Leadd__Status *s = leadd__status__unpack(&k->rc->arena.pb, d.mv_size, d.mv_data);
		if (!s || key.mv_size != 8) {
			rc = MDB_CORRUPTED;
			break;
		}
		k->st = grow(k, k->st, &cap, k->n_st, sizeof(*k->st));
		if (k->n_st < cap)
			k->st[k->n_st++] = (status_info){store_key_get_u64(key.mv_data), s};
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Read the counters of the keys starting with prefix into the rows. */
static int read_counters(kpi *k, const uint8_t *prefix, size_t plen)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(k->t->txn, k->t->st->dbi[DB_COUNTERS], &cur);
	if (rc)
		return rc;
	MDB_val key = {plen, (void *)prefix}, d;
	row *last = NULL;
	for (rc = mdb_cursor_get(cur, &key, &d, plen ? MDB_SET_RANGE : MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &key, &d, MDB_NEXT)) {
		const uint8_t *kb = key.mv_data;
		if (key.mv_size < plen || (plen && memcmp(kb, prefix, plen) != 0))
			break;
		int is_count = key.mv_size && kb[0] == LEAD_COUNTER_COUNT &&
			       key.mv_size == LEAD_COUNTER_COUNT_KEY && d.mv_size == 8;
		int is_value = key.mv_size && kb[0] == LEAD_COUNTER_VALUE &&
			       key.mv_size == LEAD_COUNTER_VALUE_KEY &&
			       d.mv_size == LEAD_COUNTER_VALUE_LEN;
		int is_archived = key.mv_size && kb[0] == LEAD_COUNTER_ARCHIVED &&
				  key.mv_size == LEAD_COUNTER_COUNT_KEY && d.mv_size == 8;
		/* A record of no known shape would silently drop out of the
		 * counts, which must equal a recount: refuse instead. */
		if (!is_count && !is_value && !is_archived) {
			rc = KPI_DAMAGED;
			break;
		}
		uint64_t team = store_key_get_u64(kb + 1), owner = store_key_get_u64(kb + 9);
		uint64_t status = store_key_get_u64(kb + 17);
		if (!visible(k, team, owner))
			continue;
		if (!last || last->team != team || last->owner != owner)
			last = row_get(k, team, owner);
		if (!last)
			break;
		if (is_count)
			acc_count(k, &last->a, status, store_key_get_u64(d.mv_data));
		else if (is_archived)
			acc_archived(k, &last->a, status, store_key_get_u64(d.mv_data));
		else
			acc_value(k, &last->a, status, (const char *)kb + 25,
				  lead_counter_sum_get(d.mv_data));
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
}

/* Read the open-opportunity counters (DB_FORECAST 'o', opp_core.h) of
 * the keys starting with 'o' then prefix (team, or team and owner) into
 * the rows: ClassCount.opps and KpiCounts.forecast. */
static int read_opp_counters(kpi *k, const uint8_t *prefix, size_t plen)
{
	uint8_t p[17] = {OPP_FORECAST_OPEN};
	if (plen)
		memcpy(p + 1, prefix, plen);
	plen++;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(k->t->txn, k->t->st->dbi[DB_FORECAST], &cur);
	if (rc)
		return rc;
	MDB_val key = {plen, p}, d;
	row *last = NULL;
	for (rc = mdb_cursor_get(cur, &key, &d, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &key, &d, MDB_NEXT)) {
		const uint8_t *kb = key.mv_data;
		if (key.mv_size < plen || memcmp(kb, p, plen) != 0)
			break;
		if (key.mv_size != OPP_FORECAST_OPEN_KEY || d.mv_size != OPP_FORECAST_OPEN_VAL) {
			rc = KPI_DAMAGED;
			break;
		}
		uint64_t team = store_key_get_u64(kb + 1), owner = store_key_get_u64(kb + 9);
		uint64_t status = store_key_get_u64(kb + 17);
		if (!visible(k, team, owner))
			continue;
		if (!last || last->team != team || last->owner != owner)
			last = row_get(k, team, owner);
		if (!last)
			break;
		opp_open_sums sums;
		opp_open_sums_get(d.mv_data, &sums);
		const Leadd__Status *s = status_of(k, status);
		st_opps x = {.status = status, .opps = sums.opps, .amount = sums.amount};
		x.weighted_x100 = opp_weighted_x100(&sums, s ? s->probability : 0);
		memcpy(x.cur, kb + 29, 3);
		acc_opps(k, &last->a, &x);
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
}

static int read_team_counters(kpi *k, uint64_t team)
{
	uint8_t p[9];
	store_key_u64(p + 1, team);
	p[0] = LEAD_COUNTER_COUNT;
	int rc = read_counters(k, p, 9);
	p[0] = LEAD_COUNTER_VALUE;
	if (!rc)
		rc = read_counters(k, p, 9);
	p[0] = LEAD_COUNTER_ARCHIVED;
	if (!rc)
		rc = read_counters(k, p, 9);
	return rc ? rc : read_opp_counters(k, p + 1, 8);
}

static int64_t saturate(__int128 v)
{
	return v > INT64_MAX ? INT64_MAX : v < INT64_MIN ? INT64_MIN : (int64_t)v;
}

static int cmp_status_pos(const void *a, const void *b, void *ctx);

static int cmp_money(const void *a, const void *b)
{
	return strcmp((*(Leadd__Money *const *)a)->currency, (*(Leadd__Money *const *)b)->currency);
}

/* KpiCounts.archived: one count per class that has archived leads, in
 * class order (no values: archived leads keep none in the counters). */
static int archived_to_wire(kpi *k, const acc *a, Leadd__KpiCounts *w)
{
	ld_arena *ar = &k->rc->arena;
	w->archived = ld_arena_alloc(ar, KPI_CLASSES * sizeof(*w->archived));
	if (!w->archived) {
		k->failed = 1;
		return 0;
	}
	for (int c = 0; c < KPI_CLASSES; c++) {
		uint64_t n = 0;
		for (size_t i = 0; i < a->nar; i++)
			if (class_of(k, a->ar[i].status) == c)
				n += a->ar[i].n;
		if (!n)
			continue;
		Leadd__ClassCount *cc = ld_arena_alloc(ar, sizeof(*cc));
		if (!cc) {
			k->failed = 1;
			return 0;
		}
		leadd__class_count__init(cc);
		cc->has_kpi_class = cc->has_count = 1;
		cc->kpi_class = (Leadd__KpiClass)c;
		cc->count = n;
		w->archived[w->n_archived++] = cc;
	}
	return 1;
}

/* Open opportunities per currency: of the statuses of class c, or (c
 * -1) of those counting in the forecast (opp_status_in_forecast). */
static void opps_to_wire(kpi *k, const acc *a, int c, Leadd__ForecastAmount ***out, size_t *n)
{
	opp_amounts sum = {0};
	for (size_t i = 0; i < a->no; i++) {
		const Leadd__Status *s = status_of(k, a->o[i].status);
		if (c < 0 ? !s || !opp_status_in_forecast(s) : class_of(k, a->o[i].status) != c)
			continue;
		opp_amounts_add(&sum, a->o[i].cur, a->o[i].opps, a->o[i].amount,
				a->o[i].weighted_x100);
	}
	if (sum.failed || opp_amounts_to_wire(&sum, &k->rc->arena, 1, out, n))
		k->failed = 1;
	opp_amounts_free(&sum);
}

static Leadd__KpiCounts *counts_to_wire(kpi *k, const acc *a)
{
	ld_arena *ar = &k->rc->arena;
	Leadd__KpiCounts *w = ld_arena_alloc(ar, sizeof(*w));
	Leadd__ClassCount **cls = ld_arena_alloc(ar, KPI_CLASSES * sizeof(*cls));
	Leadd__StatusCount **sts = ld_arena_alloc(ar, (a->nc + 1) * sizeof(*sts));
	if (!w || !cls || !sts) {
		k->failed = 1;
		return NULL;
	}
	leadd__kpi_counts__init(w);
	w->classes = cls;
	w->statuses = sts;
	for (int c = 0; c < KPI_CLASSES; c++) {
		uint64_t n = 0;
		for (size_t i = 0; i < a->nc; i++)
			if (class_of(k, a->c[i].status) == c)
				n += a->c[i].n;
		/* Every named class; statuses of no class only when they hold leads. */
		if (c == LEADD__KPI_CLASS__KPI_NONE && n == 0)
			continue;
		Leadd__ClassCount *cc = ld_arena_alloc(ar, sizeof(*cc));
		Leadd__Money **vals = ld_arena_alloc(ar, (a->nv + 1) * sizeof(*vals));
		if (!cc || !vals) {
			k->failed = 1;
			return NULL;
		}
		leadd__class_count__init(cc);
		cc->has_kpi_class = cc->has_count = 1;
		cc->kpi_class = (Leadd__KpiClass)c;
		cc->count = n;
		cc->value = vals;
		/* One total per currency, currencies in alphabetical order. */
		__int128 *sums = ld_arena_alloc(ar, (a->nv + 1) * sizeof(*sums));
		char(*curs)[4] = ld_arena_alloc(ar, (a->nv + 1) * sizeof(*curs));
		size_t n_cur = 0;
		if (!sums || !curs) {
			k->failed = 1;
			return NULL;
		}
		for (size_t i = 0; i < a->nv; i++) {
			if (class_of(k, a->v[i].status) != c)
				continue;
			size_t j = 0;
			while (j < n_cur && memcmp(curs[j], a->v[i].cur, 3) != 0)
				j++;
			if (j == n_cur) {
				memcpy(curs[j], a->v[i].cur, 3);
				curs[j][3] = 0;
				sums[n_cur++] = 0;
			}
			sums[j] += a->v[i].sum;
		}
		for (size_t j = 0; j < n_cur; j++) {
			if (!sums[j])
				continue;
			Leadd__Money *m = ld_arena_alloc(ar, sizeof(*m));
			if (!m) {
				k->failed = 1;
				return NULL;
			}
			leadd__money__init(m);
			m->has_amount_minor = 1;
			m->amount_minor = saturate(sums[j]);
			m->currency = curs[j];
			vals[cc->n_value++] = m;
		}
		qsort(vals, cc->n_value, sizeof(*vals), cmp_money);
		opps_to_wire(k, a, c, &cc->opps, &cc->n_opps);
		cls[w->n_classes++] = cc;
	}
	for (size_t i = 0; i < a->nc; i++) {
		if (!a->c[i].n)
			continue;
		Leadd__StatusCount *sc = ld_arena_alloc(ar, sizeof(*sc));
		if (!sc) {
			k->failed = 1;
			return NULL;
		}
		leadd__status_count__init(sc);
		const Leadd__Status *s = status_of(k, a->c[i].status);
		sc->has_status_id = sc->has_count = 1;
		sc->status_id = a->c[i].status;
		sc->name = s ? s->name : "(unknown status)";
		sc->count = a->c[i].n;
		sts[w->n_statuses++] = sc;
	}
	qsort_r(sts, w->n_statuses, sizeof(*sts), cmp_status_pos, k);
	opps_to_wire(k, a, -1, &w->forecast, &w->n_forecast);
	if (!archived_to_wire(k, a, w))
		return NULL;
	return w;
}

static int cmp_status_pos(const void *a, const void *b, void *ctx)
{
	const Leadd__StatusCount *x = *(Leadd__StatusCount *const *)a;
	const Leadd__StatusCount *y = *(Leadd__StatusCount *const *)b;
	const Leadd__Status *sx = status_of(ctx, x->status_id), *sy = status_of(ctx, y->status_id);
	uint32_t px = sx ? sx->position : UINT32_MAX, py = sy ? sy->position : UINT32_MAX;
	if (px != py)
		return px < py ? -1 : 1;
	return x->status_id < y->status_id ? -1 : x->status_id > y->status_id;
}

static const char *user_name(const kpi *k, uint64_t id)
{
	for (size_t i = 0; i < k->n_users; i++)
		if (k->users[i]->id == id)
			return k->users[i]->name;
	return "(unknown user)";
}

static const char *team_name(const kpi *k, uint64_t id)
{
	for (size_t i = 0; i < k->n_teams; i++)
		if (k->teams[i]->id == id)
			return k->teams[i]->name;
	return id ? "(unknown team)" : "(no team)";
}

static Leadd__KpiRow *row_to_wire(kpi *k, uint64_t id, const char *name, uint64_t team,
				  const acc *a)
{
	Leadd__KpiRow *w = ld_arena_alloc(&k->rc->arena, sizeof(*w));
	if (!w) {
		k->failed = 1;
		return NULL;
	}
	leadd__kpi_row__init(w);
	w->has_id = w->has_team_id = 1;
	w->id = id;
	w->name = (char *)name;
	w->team_id = team;
	w->team_name = (char *)team_name(k, team);
	w->counts = counts_to_wire(k, a);
	return w;
}

/* Rows come out by team (id order), then members by name, the pool last. */
static int cmp_row(const void *a, const void *b, void *ctx)
{
	const row *x = a, *y = b;
	if (x->team != y->team)
		return x->team < y->team ? -1 : 1;
	if (!x->owner || !y->owner)
		return (x->owner == 0) - (y->owner == 0);
	return strcmp(user_name(ctx, x->owner), user_name(ctx, y->owner));
}

/* The caller's teams in scope, for zero rows and team-ordered reads. */
static int scope_has_team(const kpi *k, uint64_t team)
{
	if (k->has_only_team)
		return team == k->only_team;
	if (k->role == ROLE_ADMIN)
		return 1;
	if (k->role == ROLE_MANAGER)
		return principal_has_team(&k->rc->who, team);
	return team == k->rep_team && team != 0;
}

/* ---- flow ---- */

typedef struct {
	uint64_t from, to, n;
} move;
typedef struct {
	char *name;
	size_t len;
	uint64_t created, qualified, converted;
} source_row;

typedef struct {
	move *m;
	size_t nm, capm;
	struct {
		uint64_t status;
		uint64_t b[LEAD_ROLLUP_BUCKETS];
	} * tm;
	size_t ntm, captm;
	source_row *src;
	size_t nsrc, capsrc;
	source_row other;
	kpi_reason_acc dead, lost; /* moves into dead and lost, by reason */
	/* Renewals created and converted ('r' records): also in the 'm'
	 * records, taken out of created and converted when the flow is
	 * answered. */
	uint64_t renewals, renewals_converted;
	kpi_activity_acc act; /* activities done and speed to lead (issue 13) */
	/* Open-addressed index of src (index + 1, 0: free): a long period reads
	 * many source records. */
	uint16_t slot[KPI_SOURCE_SLOTS];
} flow_acc;

static source_row *source_get(kpi *k, flow_acc *f, const uint8_t *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < len; i++)
		h = (h ^ s[i]) * 1099511628211ULL;
	size_t i = h & (KPI_SOURCE_SLOTS - 1);
	for (; f->slot[i]; i = (i + 1) & (KPI_SOURCE_SLOTS - 1)) {
		source_row *r = &f->src[f->slot[i] - 1];
		if (r->len == len && memcmp(r->name, s, len) == 0)
			return r;
	}
	if (f->nsrc == KPI_SOURCES_MAX)
		return &f->other;
	f->src = grow(k, f->src, &f->capsrc, f->nsrc, sizeof(*f->src));
	if (f->nsrc == f->capsrc)
		return &f->other;
	char *name = ld_arena_alloc(&k->rc->arena, len + 1);
	if (!name) {
		k->failed = 1;
		return &f->other;
	}
	memcpy(name, s, len);
	name[len] = 0;
	f->src[f->nsrc] = (source_row){.name = name, .len = len};
	f->slot[i] = (uint16_t)(f->nsrc + 1);
	return &f->src[f->nsrc++];
}

/* A conversion is a move from the lead stage into the prospect stage, but
 * not into a status of class dead or lost (by its class now, as reasons
 * count): lead-New -> prospect-Lost ends the lead, it does not convert it. */
static int is_converted(const kpi *k, uint64_t from, uint64_t to)
{
	int c = class_of(k, to);
	return from && stage_of(k, from) == LEADD__STAGE__STAGE_LEAD &&
	       stage_of(k, to) == LEADD__STAGE__STAGE_PROSPECT && c != LEADD__KPI_CLASS__KPI_DEAD &&
	       c != LEADD__KPI_CLASS__KPI_LOST;
}

/* A reason counts under the class its status has now (as moves do): a
 * status reclassified out of dead and lost drops out of both. */
static void flow_add_reason(kpi *k, flow_acc *f, const lead_rollup_parsed *p, uint64_t n)
{
	int c = class_of(k, p->to);
	kpi_reason_acc *a = c == LEADD__KPI_CLASS__KPI_DEAD   ? &f->dead
			    : c == LEADD__KPI_CLASS__KPI_LOST ? &f->lost
							      : NULL;
	if (a && kpi_reasons_add(a, p->reason, p->reason_len, n) < 0)
		k->failed = 1;
}

static void flow_add(kpi *k, flow_acc *f, const lead_rollup_parsed *p, uint64_t n)
{
	if (p->metric == LEAD_ROLLUP_MOVE) {
		for (size_t i = 0; i < f->nm; i++)
			if (f->m[i].from == p->from && f->m[i].to == p->to) {
				f->m[i].n += n;
				return;
			}
		f->m = grow(k, f->m, &f->capm, f->nm, sizeof(*f->m));
		if (f->nm < f->capm)
			f->m[f->nm++] = (move){p->from, p->to, n};
	} else if (p->metric == LEAD_ROLLUP_TIME) {
		size_t i;
		for (i = 0; i < f->ntm && f->tm[i].status != p->status; i++)
			;
		if (i == f->ntm) {
			f->tm = grow(k, f->tm, &f->captm, f->ntm, sizeof(*f->tm));
			if (f->ntm == f->captm)
				return;
			memset(&f->tm[i], 0, sizeof(f->tm[i]));
			f->tm[f->ntm++].status = p->status;
		}
		f->tm[i].b[p->bucket] += n;
	} else if (p->metric == LEAD_ROLLUP_RENEWAL) {
		if (!p->from)
			f->renewals += n;
		if (is_converted(k, p->from, p->to))
			f->renewals_converted += n;
	} else if (p->metric == LEAD_ROLLUP_SOURCE) {
		source_row *s = source_get(k, f, p->source, p->source_len);
		if (!p->from)
			s->created += n;
		if (class_of(k, p->to) == LEADD__KPI_CLASS__KPI_QUALIFIED)
			s->qualified += n;
		if (is_converted(k, p->from, p->to))
			s->converted += n;
	} else if (p->metric == LEAD_ROLLUP_REASON) {
		flow_add_reason(k, f, p, n);
	} else if (p->metric == LEAD_ROLLUP_DONE || p->metric == LEAD_ROLLUP_SPEED) {
		if (kpi_activity_add(&f->act, p, n) < 0)
			k->failed = 1;
	}
}

static int cmp_source(const void *a, const void *b)
{
	const Leadd__SourceFlow *x = *(Leadd__SourceFlow *const *)a;
	const Leadd__SourceFlow *y = *(Leadd__SourceFlow *const *)b;
	if (x->created != y->created)
		return x->created > y->created ? -1 : 1;
	return strcmp(x->source, y->source);
}

static Leadd__SourceFlow *source_to_wire(kpi *k, const source_row *s, const char *name)
{
	Leadd__SourceFlow *w = ld_arena_alloc(&k->rc->arena, sizeof(*w));
	if (!w) {
		k->failed = 1;
		return NULL;
	}
	leadd__source_flow__init(w);
	w->source = (char *)name;
	w->has_created = w->has_qualified = w->has_converted = 1;
	w->created = s->created;
	w->qualified = s->qualified;
	w->converted = s->converted;
	return w;
}

/* Reps come out like the count rows: by team (id order), then by name. */
static int cmp_rep(const void *a, const void *b)
{
	const Leadd__RepActivity *x = *(Leadd__RepActivity *const *)a;
	const Leadd__RepActivity *y = *(Leadd__RepActivity *const *)b;
	if (x->team_id != y->team_id)
		return x->team_id < y->team_id ? -1 : 1;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->user_id > y->user_id) - (x->user_id < y->user_id);
}

/* A user's name by binary search: user_all gives them in id order, and a
 * flow may name thousands of rows. */
static const char *rep_name(const kpi *k, uint64_t id)
{
	size_t lo = 0, hi = k->n_users;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (k->users[mid]->id == id)
			return k->users[mid]->name;
		if (k->users[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return id ? "(unknown user)" : "(no one)";
}

/* KpiFlow's activity fields and reps: a row for the caller and every
 * enabled user of the teams in scope (a rep: only their own), so those who
 * did nothing show as zeros, and one for anyone else whose records the
 * caller may see (a user since moved or disabled). */
static void flow_activity(kpi *k, kpi_activity_acc *a, Leadd__KpiFlow *w)
{
	if (!k->has_only_team || k->only_team == k->rep_team)
		if (kpi_activity_row(a, k->rep_team, k->self) < 0)
			k->failed = 1;
	for (size_t i = 0; k->role >= ROLE_MANAGER && i < k->n_users; i++) {
		const user_record *u = k->users[i];
		if (!u->disabled && scope_has_team(k, u->team_id) &&
		    kpi_activity_row(a, u->team_id, u->id) < 0)
			k->failed = 1;
	}
	if (k->failed || kpi_activity_to_wire(a, &k->rc->arena, w) < 0) {
		k->failed = 1;
		return;
	}
	for (size_t i = 0; i < w->n_reps; i++) {
		Leadd__RepActivity *r = w->reps[i];
		r->name = (char *)rep_name(k, r->user_id);
		r->team_name = (char *)team_name(k, r->team_id);
	}
	qsort(w->reps, w->n_reps, sizeof(*w->reps), cmp_rep);
}

/* Where a flow's walk of the rollup stands between slices. */
typedef struct {
	uint8_t last[LEAD_ROLLUP_KEY_MAX]; /* the last record read */
	size_t last_len;                   /* 0: none yet */
} flow_pos;

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Read the rollup records of the period into f, from where pos stands, for
 * at most KPI_SLICE_NS: a year of records with many sources is too many to
 * walk in one loop callback. 0: done; KPI_YIELD: a slice is used up and
 * pos says where to go on; else an LMDB error or KPI_DAMAGED. Each slice
 * reads its own snapshot: an event written between slices is counted if
 * its record comes after pos, so at most once. */
static int flow_walk(kpi *k, flow_acc *f, flow_pos *pos, int64_t since)
{
	uint32_t first = lead_rollup_day(since);
	uint8_t start[4] = {(uint8_t)(first >> 24), (uint8_t)(first >> 16), (uint8_t)(first >> 8),
			    (uint8_t)first};
	MDB_cursor *cur;
	int rc = mdb_cursor_open(k->t->txn, k->t->st->dbi[DB_ROLLUP], &cur);
	if (rc)
		return rc;
	MDB_val key = {4, start}, d;
	if (pos->last_len)
		key = (MDB_val){pos->last_len, pos->last};
	int64_t until = mono_ns() + KPI_SLICE_NS;
	unsigned n = 0;
	for (rc = mdb_cursor_get(cur, &key, &d, MDB_SET_RANGE); rc == 0 && !k->failed;
	     rc = mdb_cursor_get(cur, &key, &d, MDB_NEXT)) {
		if (pos->last_len && key.mv_size == pos->last_len &&
		    memcmp(key.mv_data, pos->last, pos->last_len) == 0)
			continue; /* read in the slice before */
		lead_rollup_parsed p;
		/* Skipping it would answer a flow without its events. */
		if (lead_rollup_parse(key.mv_data, key.mv_size, &p) < 0 || d.mv_size != 8 ||
		    !store_key_get_u64(d.mv_data)) {
			rc = KPI_DAMAGED;
			break;
		}
		if (visible(k, p.team, p.owner))
			flow_add(k, f, &p, store_key_get_u64(d.mv_data));
		if (++n % 64 == 0 && mono_ns() > until) {
			memcpy(pos->last, key.mv_data, key.mv_size);
			pos->last_len = key.mv_size;
			rc = KPI_YIELD;
			break;
		}
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The flow's answer from what the walk gathered; frees f's tables. */
static int flow_finish(kpi *k, flow_acc *f_, int64_t since, int64_t now, Leadd__KpiFlow **out)
{
	ld_arena *ar = &k->rc->arena;
	flow_acc f = *f_;
	memset(f_, 0, sizeof(*f_));
	uint32_t first = lead_rollup_day(since);
	int rc = 0;
	Leadd__KpiFlow *w = ld_arena_alloc(ar, sizeof(*w));
	Leadd__StatusTime **times = ld_arena_alloc(ar, (f.ntm + 1) * sizeof(*times));
	Leadd__SourceFlow **srcs = ld_arena_alloc(ar, (f.nsrc + 2) * sizeof(*srcs));
	if (!w || !times || !srcs) {
		k->failed = 1;
		goto out;
	}
	leadd__kpi_flow__init(w);
	w->has_since = w->has_until = w->has_created = w->has_qualified = w->has_dead =
		w->has_converted = 1;
	w->since = (int64_t)first * DAY_MS;
	w->until = now;
	for (size_t i = 0; i < f.nm; i++) {
		const move *m = &f.m[i];
		if (!m->from)
			w->created += m->n;
		int c = class_of(k, m->to);
		if (c == LEADD__KPI_CLASS__KPI_QUALIFIED)
			w->qualified += m->n;
		else if (c == LEADD__KPI_CLASS__KPI_DEAD)
			w->dead += m->n;
		if (is_converted(k, m->from, m->to))
			w->converted += m->n;
	}
	/* Renewals apart: a write between two slices of the walk may leave
	 * a renewal's 'r' record counted and its 'm' twin not (they sort
	 * apart), hence no subtraction below zero. */
	w->has_renewals = w->has_renewals_converted = 1;
	w->renewals = f.renewals;
	w->renewals_converted = f.renewals_converted;
	w->created -= f.renewals < w->created ? f.renewals : w->created;
	w->converted -= f.renewals_converted < w->converted ? f.renewals_converted : w->converted;
	w->time_in_status = times;
	for (size_t i = 0; i < f.ntm; i++) {
		uint64_t total = 0, seen = 0;
		for (unsigned b = 0; b < LEAD_ROLLUP_BUCKETS; b++)
			total += f.tm[i].b[b];
		unsigned b = 0;
		/* The lower median: the bucket holding the ceil(total/2)-th time. */
		for (; b < LEAD_ROLLUP_BUCKETS; b++) {
			seen += f.tm[i].b[b];
			if (seen * 2 >= total)
				break;
		}
		Leadd__StatusTime *st = ld_arena_alloc(ar, sizeof(*st));
		if (!st || !total) {
			k->failed |= !st;
			continue;
		}
		leadd__status_time__init(st);
		const Leadd__Status *s = status_of(k, f.tm[i].status);
		st->has_status_id = st->has_median_ms = st->has_samples = 1;
		st->status_id = f.tm[i].status;
		st->name = s ? s->name : "(unknown status)";
		st->median_ms = lead_rollup_bucket_mid(b);
		st->samples = total;
		times[w->n_time_in_status++] = st;
	}
	qsort_r(times, w->n_time_in_status, sizeof(*times), cmp_status_pos, k);
	w->by_source = srcs;
	for (size_t i = 0; i < f.nsrc; i++)
		srcs[w->n_by_source++] = source_to_wire(k, &f.src[i], f.src[i].name);
	qsort(srcs, w->n_by_source, sizeof(*srcs), cmp_source);
	if (f.other.created || f.other.qualified || f.other.converted)
		srcs[w->n_by_source++] = source_to_wire(k, &f.other, "(other)");
	if (kpi_reasons_to_wire(&f.dead, ar, &w->dead_reasons, &w->n_dead_reasons) < 0 ||
	    kpi_reasons_to_wire(&f.lost, ar, &w->lost_reasons, &w->n_lost_reasons) < 0)
		k->failed = 1;
	flow_activity(k, &f.act, w);
	*out = w;
out:
	kpi_activity_free(&f.act);
	kpi_reasons_free(&f.dead);
	kpi_reasons_free(&f.lost);
	free(f.m);
	free(f.tm);
	free(f.src);
	return rc;
}

/* ---- the request ---- */

/* A damaged counter or rollup record gets a sentence a person can act on
 * (LMDB's own words for MDB_CORRUPTED are about pages). */
static int kpi_store_error(request_ctx *rc, int err)
{
	if (err != KPI_DAMAGED)
		return dispatch_store_error(rc, err);
	log_error("kpi: a KPI counter or rollup record has no known shape; run leadd verify");
	return dispatch_fail(rc, LD_DATA_LOSS,
			     "the KPI counts kept in the data directory are damaged, so they "
			     "cannot be given; ask the administrator to run 'leadd verify' and "
			     "restore a backup");
}

static int scope(kpi *k, const Leadd__KpiRequest *q)
{
	request_ctx *rc = k->rc;
	k->role = rc->who.role;
	k->self = rc->who.user_id;
	user_record *me;
	int err = user_load(k->t, k->self, &rc->arena, &me);
	if (err)
		return dispatch_store_error(rc, err);
	k->rep_team = me->team_id;
	if (k->role < ROLE_MANAGER) {
		team_record *tm;
		k->rep_pool = me->team_id && team_load(k->t, me->team_id, &rc->arena, &tm) == 0 &&
			      tm->pool_visible;
	}
	if (!q->team)
		return LD_OK;
	team_record *tm;
	err = team_find(k->t, q->team, &rc->arena, &tm);
	if (err == MDB_NOTFOUND)
		return dispatch_fail(rc, LD_NOT_FOUND,
				     "no team is named '%s'; 'lead team ls' lists them", q->team);
	if (err)
		return dispatch_store_error(rc, err);
	if (k->role == ROLE_MANAGER && !principal_has_team(&rc->who, tm->id))
		return dispatch_fail(rc, LD_PERMISSION_DENIED,
				     "you may see the KPI counts of the teams you manage only, "
				     "and '%s' is not one of them",
				     tm->name);
	if (k->role < ROLE_MANAGER && tm->id != k->rep_team)
		return dispatch_fail(rc, LD_PERMISSION_DENIED,
				     "you may see the KPI counts of your own team only, and '%s' "
				     "is not yours",
				     tm->name);
	k->has_only_team = 1;
	k->only_team = tm->id;
	return LD_OK;
}

/* Zero rows for everyone in scope: each member of the teams in scope and
 * each of those teams' pools (a rep: their own row, and their team's pool
 * when the team shows it). */
static void zero_rows(kpi *k)
{
	if (k->role < ROLE_MANAGER) {
		if (!k->has_only_team || k->only_team == k->rep_team)
			row_add(k, k->rep_team, k->self);
		if (k->rep_pool)
			row_add(k, k->rep_team, 0);
		return;
	}
	if (!k->has_only_team || k->only_team == k->rep_team)
		row_add(k, k->rep_team, k->self);
	for (size_t i = 0; i < k->n_users; i++)
		if (scope_has_team(k, k->users[i]->team_id))
			row_add(k, k->users[i]->team_id, k->users[i]->id);
	for (size_t i = 0; i < k->n_teams; i++)
		if (scope_has_team(k, k->teams[i]->id))
			row_add(k, k->teams[i]->id, 0);
}

/* Was team's whole counter range read by read_rows? */
static int team_read(const kpi *k, uint64_t team)
{
	if (k->role < ROLE_MANAGER)
		return team == k->rep_team;
	return principal_has_team(&k->rc->who, team);
}

/* The caller's own counters in the teams whose range was not read: while a
 * team change moves their leads in chunks (lead_follow_owner_team), and
 * until a crash's move is finished, some are still in the old team (or in
 * none), and the caller sees their own leads wherever they are. */
static int read_own_elsewhere(kpi *k)
{
	int rc = 0;
	for (size_t i = 0; i <= k->n_teams && !rc; i++) {
		uint64_t team = i < k->n_teams ? k->teams[i]->id : 0;
		if (team_read(k, team))
			continue;
		uint8_t p[17];
		store_key_u64(p + 1, team);
		store_key_u64(p + 9, k->self);
		p[0] = LEAD_COUNTER_COUNT;
		rc = read_counters(k, p, sizeof(p));
		p[0] = LEAD_COUNTER_VALUE;
		if (!rc)
			rc = read_counters(k, p, sizeof(p));
		p[0] = LEAD_COUNTER_ARCHIVED;
		if (!rc)
			rc = read_counters(k, p, sizeof(p));
		if (!rc)
			rc = read_opp_counters(k, p + 1, 16);
	}
	return rc;
}

static int read_rows(kpi *k)
{
	if (k->role == ROLE_ADMIN && !k->has_only_team) {
		int rc = read_counters(k, NULL, 0);
		return rc ? rc : read_opp_counters(k, NULL, 0);
	}
	/* Only one team: the caller's own leads elsewhere are out of scope. */
	if (k->has_only_team)
		return read_team_counters(k, k->only_team);
	int rc = 0;
	if (k->role < ROLE_MANAGER)
		rc = read_team_counters(k, k->rep_team);
	for (uint32_t i = 0; k->role >= ROLE_MANAGER && i < k->rc->who.n_teams && !rc; i++)
		rc = read_team_counters(k, k->rc->who.teams[i]);
	return rc ? rc : read_own_elsewhere(k);
}

static int build(kpi *k, const Leadd__KpiRequest *q, Leadd__KpiReply *r)
{
	int err;
	if ((err = load_statuses(k)) ||
	    (err = user_all(k->t, &k->rc->arena, &k->users, &k->n_users)) ||
	    (err = team_all(k->t, &k->rc->arena, &k->teams, &k->n_teams)))
		return dispatch_store_error(k->rc, err);
	zero_rows(k);
	rows_index(k);
	if ((err = read_rows(k)))
		return kpi_store_error(k->rc, err);
	if (k->failed)
		return dispatch_fail(k->rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	qsort_r(k->rows, k->n_rows, sizeof(*k->rows), cmp_row, k);

	acc total = {0};
	/* Team rows: one per team that has a row, in the rows' order. */
	row *teams = calloc(k->n_rows + 1, sizeof(*teams));
	size_t n_team_rows = 0;
	r->owners = ld_arena_alloc(&k->rc->arena, (k->n_rows + 1) * sizeof(*r->owners));
	r->teams = ld_arena_alloc(&k->rc->arena, (k->n_rows + 1) * sizeof(*r->teams));
	if (!teams || !r->owners || !r->teams)
		k->failed = 1;
	for (size_t i = 0; !k->failed && i < k->n_rows; i++) {
		row *x = &k->rows[i];
		acc_merge(k, &total, &x->a);
		if (!n_team_rows || teams[n_team_rows - 1].team != x->team)
			teams[n_team_rows++].team = x->team;
		acc_merge(k, &teams[n_team_rows - 1].a, &x->a);
		if (q->by == LEADD__KPI_GROUP__KPI_BY_TEAM)
			continue;
		r->owners[r->n_owners++] = row_to_wire(
			k, x->owner, x->owner ? user_name(k, x->owner) : "(pool)", x->team, &x->a);
	}
	for (size_t i = 0; !k->failed && i < n_team_rows; i++)
		r->teams[r->n_teams++] = row_to_wire(k, teams[i].team, team_name(k, teams[i].team),
						     teams[i].team, &teams[i].a);
	if (!k->failed)
		r->total = counts_to_wire(k, &total);
	acc_free(&total);
	for (size_t i = 0; teams && i < n_team_rows; i++)
		acc_free(&teams[i].a);
	free(teams);
	if (k->failed)
		return dispatch_fail(k->rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	return LD_OK;
}

static void rows_free(kpi *k)
{
	for (size_t i = 0; i < k->n_rows; i++)
		acc_free(&k->rows[i].a);
	free(k->rows);
	k->rows = NULL;
	k->n_rows = k->cap_rows = k->n_sorted = 0;
}

int kpi_counts_at(request_ctx *rc, store_txn *t, const char *team, Leadd__KpiReply **out)
{
	Leadd__KpiRequest q = LEADD__KPI_REQUEST__INIT;
	q.team = (char *)team;
	kpi k = {0};
	k.rc = rc;
	k.t = t;
	Leadd__KpiReply *r = ld_arena_alloc(&rc->arena, sizeof(*r));
	if (!r)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__kpi_reply__init(r);
	int code = scope(&k, &q);
	if (code == LD_OK) {
		r->has_revision = 1;
		r->revision = store_meta_get(t, META_LAST_REVISION);
		code = build(&k, &q, r);
	}
	rows_free(&k);
	free(k.st);
	if (code == LD_OK && t->ret)
		code = dispatch_store_error(rc, t->ret);
	if (code == LD_OK)
		*out = r;
	return code;
}

int kpi_team_check(request_ctx *rc, store_txn *t, const char *team, uint64_t *team_id)
{
	Leadd__KpiRequest q = LEADD__KPI_REQUEST__INIT;
	q.team = (char *)team;
	kpi k = {0};
	k.rc = rc;
	k.t = t;
	int code = scope(&k, &q);
	if (code == LD_OK)
		*team_id = k.only_team;
	return code;
}

/* A kpi request between the slices of its flow (rc->read_state). */
typedef struct {
	kpi k; /* statuses (k.st) kept; users, teams and the reply in rc->arena */
	flow_acc f;
	flow_pos pos;
	Leadd__KpiReply *r;
} kpi_state;

static void kpi_state_free(void *p)
{
	kpi_state *s = p;
	if (!s)
		return;
	free(s->k.st);
	free(s->f.m);
	free(s->f.tm);
	free(s->f.src);
	kpi_reasons_free(&s->f.dead);
	kpi_reasons_free(&s->f.lost);
	kpi_activity_free(&s->f.act);
	free(s);
}

static int reply(request_ctx *rc, Leadd__KpiReply *r)
{
	rc->resp.body_case = LEADD__RESPONSE__BODY_KPI;
	rc->resp.kpi = r;
	return LD_OK;
}

/* Checks the request and answers the counts (one snapshot, with its
 * revision); a flow is read after, in slices. */
static int start(request_ctx *rc, store_txn *t, kpi_state **out)
{
	const Leadd__KpiRequest *q = rc->req->kpi;
	if (q->has_since) {
		if (q->since > rc->now)
			return dispatch_fail(rc, LD_INVALID_ARGUMENT,
					     "the period starts in the future; give a start "
					     "before now");
		if (lead_rollup_day(rc->now) - lead_rollup_day(q->since) >= KPI_FLOW_DAYS_MAX)
			return dispatch_fail(rc, LD_INVALID_ARGUMENT,
					     "the period spans more than %d days; give a later "
					     "start",
					     KPI_FLOW_DAYS_MAX);
	}
	if (q->has_by && q->by != LEADD__KPI_GROUP__KPI_BY_OWNER &&
	    q->by != LEADD__KPI_GROUP__KPI_BY_TEAM)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "group the counts by owner or by team");
	kpi_state *s = calloc(1, sizeof(*s));
	Leadd__KpiReply *r = ld_arena_alloc(&rc->arena, sizeof(*r));
	if (!s || !r) {
		free(s);
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	}
	rc->read_state = s;
	rc->read_state_free = kpi_state_free;
	kpi *k = &s->k;
	k->rc = rc;
	k->t = t;
	leadd__kpi_reply__init(r);
	s->r = r;
	int code = scope(k, q);
	if (code == LD_OK) {
		r->has_revision = 1;
		r->revision = store_meta_get(t, META_LAST_REVISION);
		code = build(k, q, r);
	}
	rows_free(k);
	if (code != LD_OK)
		return code;
	if (t->ret)
		return dispatch_store_error(rc, t->ret);
	*out = s;
	return LD_OK;
}

int kpi_get(request_ctx *rc, store_txn *t)
{
	const Leadd__KpiRequest *q = rc->req->kpi;
	rc->read_again = 0;
	kpi_state *s = rc->read_state;
	int code;
	if (!s && (code = start(rc, t, &s)))
		return code;
	if (!q->has_since)
		return reply(rc, s->r);
	s->k.t = t;
	int err = flow_walk(&s->k, &s->f, &s->pos, q->since);
	if (err == KPI_YIELD) {
		rc->read_again = 1;
		return LD_OK;
	}
	if (!err && !s->k.failed)
		err = flow_finish(&s->k, &s->f, q->since, rc->now, &s->r->flow);
	if (err)
		return kpi_store_error(rc, err);
	if (s->k.failed)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	return reply(rc, s->r);
}
