/* The forecast (issue 15): open opportunities by owner, status or
 * expected close month, and those won in a period, per currency. Served
 * from the DB_FORECAST counters the write core keeps (opp_core.h), read
 * only under the (team, owner) keys the caller may see (opp_scope.h):
 * the cost is bounded by the counters in scope, never by the number of
 * opportunities.
 *
 * Open: counters whose status counts in the forecast (past the lead
 * stage, not dead or lost: opp_status_in_forecast); the weighted amount
 * is derived here from the status's probability now, so a probability
 * edit needs no recount. Won: counters of the days in [won_from, won_to],
 * by the owner and team the lead had when it was won; they have no
 * status, so by status they are only in won_total. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ld_error.h"
#include "ld_frame.h"
#include "ld_hash.h"
#include "log.h"
#include "opp_amounts.h"
#include "opp_core.h"
#include "opp_handlers.h"
#include "opp_scope.h"
#include "status.h"
#include "users.h"

/* A counter of no known shape (not an LMDB code). */
#define FORECAST_DAMAGED MDB_CORRUPTED
/* Packed bytes of rows and totals in one answer: the frame less room for
 * the reply's other fields. */
#define FORECAST_REPLY_BYTES (LD_FRAME_MAX - 4096)

typedef struct {
	uint64_t team, owner, status;
	uint32_t month;
	opp_amounts open, won;
} frow;

typedef struct {
	request_ctx *rc;
	store_txn *t;
	Leadd__ForecastGroup by;
	Leadd__Status **st;
	size_t n_st;
	frow *rows;
	size_t n, cap;
	size_t last; /* the row found last (counters come in runs) */
	/* The rows by key: open addressing, row index + 1 (0: free), at most
	 * half full, so a forecast of many rows (a month each) is not a
	 * search of every row per counter. */
	uint32_t *slots;
	size_t n_slots;
	opp_amounts open_total, won_total;
	int failed;
} fc;

static const Leadd__Status *status_of(const fc *f, uint64_t id, size_t *pos)
{
	for (size_t i = 0; i < f->n_st; i++)
		if (f->st[i]->id == id) {
			if (pos)
				*pos = i;
			return f->st[i];
		}
	return NULL;
}

static int same_row(const frow *r, const frow *key)
{
	return r->team == key->team && r->owner == key->owner && r->status == key->status &&
	       r->month == key->month;
}

static size_t row_hash(const frow *r)
{
	uint64_t v[] = {r->team, r->owner, r->status, r->month};
	return (size_t)ld_hash(LD_HASH_INIT, v, sizeof(v));
}

/* The slot of key: its row's, or the free one it would take. */
static uint32_t *slot_of(const fc *f, const frow *key)
{
	size_t mask = f->n_slots - 1, i = row_hash(key) & mask;
	while (f->slots[i] && !same_row(&f->rows[f->slots[i] - 1], key))
		i = (i + 1) & mask;
	return &f->slots[i];
}

/* Room for one more row in the slots: 0, or -1 out of memory. */
static int slots_grow(fc *f)
{
	if ((f->n + 1) * 2 <= f->n_slots)
		return 0;
	size_t n = f->n_slots ? f->n_slots * 2 : 64;
	uint32_t *s = calloc(n, sizeof(*s));
	if (!s || f->n >= UINT32_MAX - 1) {
		free(s);
		return -1;
	}
	free(f->slots);
	f->slots = s;
	f->n_slots = n;
	for (size_t i = 0; i < f->n; i++)
		*slot_of(f, &f->rows[i]) = (uint32_t)i + 1;
	return 0;
}

/* The row of the group a counter of (team, owner, status, month) is in. */
static frow *row_of(fc *f, uint64_t team, uint64_t owner, uint64_t status, uint32_t month)
{
	frow key = {0};
	if (f->by == LEADD__FORECAST_GROUP__FORECAST_BY_OWNER) {
		key.team = team;
		key.owner = owner;
	} else if (f->by == LEADD__FORECAST_GROUP__FORECAST_BY_STATUS) {
		key.status = status;
	} else {
		key.month = month;
	}
	if (f->last < f->n && same_row(&f->rows[f->last], &key))
		return &f->rows[f->last];
	if (f->n_slots) {
		uint32_t *at = slot_of(f, &key);
		if (*at)
			return &f->rows[f->last = *at - 1];
	}
	if (slots_grow(f)) {
		f->failed = 1;
		return NULL;
	}
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		frow *r = realloc(f->rows, cap * sizeof(*r));
		if (!r) {
			f->failed = 1;
			return NULL;
		}
		f->rows = r;
		f->cap = cap;
	}
	f->rows[f->n] = key;
	*slot_of(f, &key) = (uint32_t)f->n + 1;
	return &f->rows[f->last = f->n++];
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- open: every counter under the key's prefix ---- */

static int read_open(fc *f, MDB_cursor *cur, const opp_scope_key *k)
{
	uint8_t prefix[17];
	size_t plen = opp_scope_prefix(k, OPP_FORECAST_OPEN, prefix);
	MDB_val key = {plen, prefix}, d;
	int rc;
	for (rc = mdb_cursor_get(cur, &key, &d, MDB_SET_RANGE); rc == 0 && !f->failed;
	     rc = mdb_cursor_get(cur, &key, &d, MDB_NEXT)) {
		const uint8_t *kb = key.mv_data;
		if (key.mv_size < plen || memcmp(kb, prefix, plen) != 0)
			break;
		if (key.mv_size != OPP_FORECAST_OPEN_KEY || d.mv_size != OPP_FORECAST_OPEN_VAL)
			return FORECAST_DAMAGED;
		uint64_t team = store_key_get_u64(kb + 1), owner = store_key_get_u64(kb + 9);
		uint64_t status = store_key_get_u64(kb + 17);
		const Leadd__Status *s = status_of(f, status, NULL);
		if (!s || !opp_status_in_forecast(s))
			continue;
		opp_open_sums sums;
		opp_open_sums_get(d.mv_data, &sums);
		__int128 wx100 = opp_weighted_x100(&sums, s->probability);
		const char *cur3 = (const char *)kb + 29;
		frow *r = row_of(f, team, owner, status, get_u32(kb + 25));
		if (!r)
			break;
		opp_amounts_add(&r->open, cur3, sums.opps, sums.amount, wx100);
		opp_amounts_add(&f->open_total, cur3, sums.opps, sums.amount, wx100);
	}
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
}

/* ---- won: the days of the period under each (team, owner) ---- */

/* The first key of (team, owner) at day `from`. */
static void won_seek_key(uint8_t out[OPP_FORECAST_WON_KEY], uint64_t team, uint64_t owner,
			 uint32_t from)
{
	opp_forecast_won_key(out, team, owner, from, "");
	memset(out + 21, 0, 3);
}

static int read_won(fc *f, MDB_cursor *cur, const opp_scope_key *k, uint32_t from, uint32_t to)
{
	uint8_t prefix[17], seek[OPP_FORECAST_WON_KEY];
	size_t plen = opp_scope_prefix(k, OPP_FORECAST_WON, prefix);
	memset(seek, 0, sizeof(seek));
	memcpy(seek, prefix, plen);
	/* A key's days start at `from`: with team and owner given, seek there. */
	if (plen == 17)
		won_seek_key(seek, k->team, k->owner, from);
	MDB_val key = {sizeof(seek), seek}, d;
	int rc = mdb_cursor_get(cur, &key, &d, MDB_SET_RANGE);
	while (rc == 0 && !f->failed) {
		const uint8_t *kb = key.mv_data;
		if (key.mv_size < plen || memcmp(kb, prefix, plen) != 0)
			break;
		if (key.mv_size != OPP_FORECAST_WON_KEY || d.mv_size != OPP_FORECAST_WON_VAL)
			return FORECAST_DAMAGED;
		uint64_t team = store_key_get_u64(kb + 1), owner = store_key_get_u64(kb + 9);
		uint32_t day = get_u32(kb + 17);
		if (day < from || day > to) {
			/* Before the period: to its first day; after it: on to the
			 * next (team, owner). */
			if (day > to && owner == UINT64_MAX && team == UINT64_MAX)
				break;
			if (day > to)
				won_seek_key(seek, owner == UINT64_MAX ? team + 1 : team,
					     owner == UINT64_MAX ? 0 : owner + 1, from);
			else
				won_seek_key(seek, team, owner, from);
			key = (MDB_val){sizeof(seek), seek};
			rc = mdb_cursor_get(cur, &key, &d, MDB_SET_RANGE);
			continue;
		}
		opp_won_sums sums;
		opp_won_sums_get(d.mv_data, &sums);
		const char *cur3 = (const char *)kb + 21;
		if (f->by != LEADD__FORECAST_GROUP__FORECAST_BY_STATUS) {
			frow *r = row_of(f, team, owner, 0, opp_month_of_day(day));
			if (!r)
				break;
			opp_amounts_add(&r->won, cur3, sums.won, sums.amount, 0);
		}
		opp_amounts_add(&f->won_total, cur3, sums.won, sums.amount, 0);
		rc = mdb_cursor_get(cur, &key, &d, MDB_NEXT);
	}
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
}

/* ---- the reply ---- */

static const char *user_name(fc *f, uint64_t id)
{
	user_record *u;
	if (!id)
		return "(pool)";
	return user_load(f->t, id, &f->rc->arena, &u) == 0 && u->name ? u->name : "(unknown user)";
}

static const char *team_name(fc *f, uint64_t id)
{
	team_record *tm;
	if (!id)
		return "(no team)";
	return team_load(f->t, id, &f->rc->arena, &tm) == 0 && tm->name ? tm->name
									: "(unknown team)";
}

static int cmp_rows(const void *a, const void *b, void *ctx)
{
	const Leadd__ForecastRow *x = *(Leadd__ForecastRow *const *)a;
	const Leadd__ForecastRow *y = *(Leadd__ForecastRow *const *)b;
	const fc *f = ctx;
	if (f->by == LEADD__FORECAST_GROUP__FORECAST_BY_STATUS) {
		size_t px = SIZE_MAX, py = SIZE_MAX;
		status_of(f, x->status_id, &px);
		status_of(f, y->status_id, &py);
		return px != py ? (px < py ? -1 : 1) : 0;
	}
	if (f->by == LEADD__FORECAST_GROUP__FORECAST_BY_MONTH) {
		/* "YYYY-MM" sorts as text; no date ("") last. */
		if (!x->key[0] || !y->key[0])
			return (!x->key[0]) - (!y->key[0]);
		return strcmp(x->key, y->key);
	}
	if (x->team_id != y->team_id)
		return x->team_id < y->team_id ? -1 : 1;
	if (!x->owner_id || !y->owner_id)
		return (x->owner_id == 0) - (y->owner_id == 0);
	return strcmp(x->key, y->key);
}

static Leadd__ForecastRow *row_to_wire(fc *f, const frow *r)
{
	ld_arena *a = &f->rc->arena;
	Leadd__ForecastRow *w = ld_arena_alloc(a, sizeof(*w));
	if (!w)
		return NULL;
	leadd__forecast_row__init(w);
	if (f->by == LEADD__FORECAST_GROUP__FORECAST_BY_OWNER) {
		w->has_owner_id = w->has_team_id = 1;
		w->owner_id = r->owner;
		w->team_id = r->team;
		w->key = (char *)user_name(f, r->owner);
		w->team_name = (char *)team_name(f, r->team);
	} else if (f->by == LEADD__FORECAST_GROUP__FORECAST_BY_STATUS) {
		const Leadd__Status *s = status_of(f, r->status, NULL);
		w->has_status_id = w->has_probability = 1;
		w->status_id = r->status;
		w->key = s ? s->name : "(unknown status)";
		w->probability = s ? s->probability : 0;
	} else {
		w->key = "";
		if (r->month) {
			char *m = ld_arena_alloc(a, 8);
			if (!m)
				return NULL;
			snprintf(m, 8, "%04u-%02u", r->month / 100 % 10000, r->month % 100);
			w->key = m;
		}
	}
	if (opp_amounts_to_wire(&r->open, a, 1, &w->open, &w->n_open) ||
	    opp_amounts_to_wire(&r->won, a, 0, &w->won, &w->n_won))
		return NULL;
	return w;
}

static int to_wire(fc *f, Leadd__ForecastReply *r)
{
	ld_arena *a = &f->rc->arena;
	r->rows = ld_arena_alloc(a, (f->n + 1) * sizeof(*r->rows));
	if (!r->rows)
		return -1;
	for (size_t i = 0; i < f->n; i++) {
		if (!(r->rows[r->n_rows] = row_to_wire(f, &f->rows[i])))
			return -1;
		r->n_rows++;
	}
	qsort_r(r->rows, r->n_rows, sizeof(*r->rows), cmp_rows, f);
	if (opp_amounts_to_wire(&f->open_total, a, 1, &r->open_total, &r->n_open_total) ||
	    opp_amounts_to_wire(&f->won_total, a, 0, &r->won_total, &r->n_won_total))
		return -1;
	/* Rows are as many as the counters' months (or owners, statuses) and
	 * currencies, which a rep's own opportunities can make tens of
	 * thousands of: those past the frame are left out, and said so. */
	size_t bytes = 0, used = 0;
	for (size_t i = 0; i < r->n_open_total; i++)
		bytes += leadd__forecast_amount__get_packed_size(r->open_total[i]) + 4;
	for (size_t i = 0; i < r->n_won_total; i++)
		bytes += leadd__forecast_amount__get_packed_size(r->won_total[i]) + 4;
	while (used < r->n_rows) {
		bytes += leadd__forecast_row__get_packed_size(r->rows[used]) + 4;
		if (bytes > FORECAST_REPLY_BYTES)
			break;
		used++;
	}
	if (used < r->n_rows) {
		r->has_rows_left = 1;
		r->rows_left = (uint32_t)(r->n_rows - used);
		r->n_rows = used;
	}
	return 0;
}

/* ---- the request ---- */

/* The won period: each bound given, else this UTC month's. */
static int period(request_ctx *rc, const Leadd__ForecastRequest *q, uint32_t *from, uint32_t *to)
{
	uint32_t today = opp_day_of_ms(rc->now), first = today, last = today;
	uint32_t month = opp_month_of_day(today);
	while (first > 0 && opp_month_of_day(first - 1) == month)
		first--;
	while (opp_month_of_day(last + 1) == month)
		last++;
	*from = first;
	*to = last;
	if (q->won_from && q->won_from[0] && opp_day_parse(q->won_from, from) != 0)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "the won period's first day '%s' is not a date; give it as "
				     "YYYY-MM-DD",
				     q->won_from);
	if (q->won_to && q->won_to[0] && opp_day_parse(q->won_to, to) != 0)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "the won period's last day '%s' is not a date; give it as "
				     "YYYY-MM-DD",
				     q->won_to);
	if (*from > *to)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "the won period ends before it starts; give a first day on or "
				     "before the last");
	return LD_OK;
}

static int forecast_store_error(request_ctx *rc, int err)
{
	if (err != FORECAST_DAMAGED)
		return dispatch_store_error(rc, err);
	log_error("forecast: a forecast counter has no known shape; run leadd verify");
	return dispatch_fail(rc, LD_DATA_LOSS,
			     "the forecast counters kept in the data directory are damaged, so "
			     "the forecast cannot be given; ask the administrator to run 'leadd "
			     "verify' and restore a backup");
}

static void fc_free(fc *f)
{
	for (size_t i = 0; i < f->n; i++) {
		opp_amounts_free(&f->rows[i].open);
		opp_amounts_free(&f->rows[i].won);
	}
	free(f->rows);
	free(f->slots);
	opp_amounts_free(&f->open_total);
	opp_amounts_free(&f->won_total);
}

static int build(fc *f, const opp_scope *sc, uint32_t from, uint32_t to, Leadd__ForecastReply *r)
{
	MDB_cursor *cur;
	int err = mdb_cursor_open(f->t->txn, f->t->st->dbi[DB_FORECAST], &cur);
	if (err)
		return err;
	for (size_t i = 0; i < sc->n && !err && !f->failed; i++)
		if (!(err = read_open(f, cur, &sc->keys[i])))
			err = read_won(f, cur, &sc->keys[i], from, to);
	mdb_cursor_close(cur);
	if (err)
		return err;
	f->failed |= f->open_total.failed || f->won_total.failed;
	for (size_t i = 0; i < f->n; i++)
		f->failed |= f->rows[i].open.failed || f->rows[i].won.failed;
	if (f->failed || to_wire(f, r))
		return ENOMEM;
	return 0;
}

int forecast_get(request_ctx *rc, store_txn *t)
{
	const Leadd__ForecastRequest *q = rc->req->forecast;
	if (q->has_by && q->by != LEADD__FORECAST_GROUP__FORECAST_BY_OWNER &&
	    q->by != LEADD__FORECAST_GROUP__FORECAST_BY_STATUS &&
	    q->by != LEADD__FORECAST_GROUP__FORECAST_BY_MONTH)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "group the forecast by owner, status or month");
	uint32_t from, to;
	opp_scope sc;
	int code = period(rc, q, &from, &to);
	if (!code)
		code = opp_scope_of(rc, t, q->owner, q->team, "forecast", &sc);
	if (code)
		return code;
	Leadd__ForecastReply *r = ld_arena_alloc(&rc->arena, sizeof(*r));
	char *sfrom = ld_arena_alloc(&rc->arena, 11), *sto = ld_arena_alloc(&rc->arena, 11);
	if (!r || !sfrom || !sto)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__forecast_reply__init(r);
	fc f = {.rc = rc,
		.t = t,
		.by = q->has_by ? q->by : LEADD__FORECAST_GROUP__FORECAST_BY_OWNER};
	int err = status_all_sorted(t, &rc->arena, &f.st, &f.n_st);
	if (err)
		return err == ENOMEM ? dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory")
				     : dispatch_store_error(rc, err);
	err = build(&f, &sc, from, to, r);
	fc_free(&f);
	if (err == ENOMEM)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	if (err)
		return forecast_store_error(rc, err);
	if (t->ret)
		return dispatch_store_error(rc, t->ret);
	opp_day_format(from, sfrom);
	opp_day_format(to, sto);
	r->has_revision = r->has_by = 1;
	r->revision = store_meta_get(t, META_LAST_REVISION);
	r->by = f.by;
	r->won_from = sfrom;
	r->won_to = sto;
	rc->resp.body_case = LEADD__RESPONSE__BODY_FORECAST;
	rc->resp.forecast = r;
	return LD_OK;
}
