/* leadd verify: opportunities and the forecast (issue 15, opp_core.h).
 * Every opportunity record decodes, is stored under its id, belongs to a
 * lead that exists, has 1..OPP_ITEMS_MAX items whose amounts are quantity
 * x unit price and sum to its amount, in a currency; a closed one has its
 * close date, a won one whose it was. Both indexes hold exactly the
 * records' entries (idx_opp_lead under the lead, idx_opp under the
 * lead's team and owner now), checked from both sides. Each lead's open
 * totals (Lead.open_opps) are recomputed from its open opportunities, the
 * open counters ('o') from the leads' totals and the won counters ('w')
 * from the won records; a counter of no known shape, a zero counter, one
 * that differs and one missing are each named. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "opp_core.h"
#include "verify_kmap.h"
#include "verify_record.h"

/* Recount keys: 'L'|lead|month|currency|field (a lead's open totals),
 * 'N'|lead|which (its opportunities, all and open), and a forecast
 * counter's key|field. */
#define F_OPPS 0
#define F_AMOUNT 1
#define F_UNWEIGHTED 2
#define F_OWN 3
#define LKEY (1 + 8 + 4 + 3 + 1)

typedef struct {
	store_txn *t;
	ld_arena *arena, scratch;
	kmap want;
	uint64_t problems, opps, last_id;
	int opps_complete;
} vo;

static void problem(vo *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(vo *v, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("verify: ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
	v->problems++;
}

static void cur3(const char *currency, char out[3])
{
	size_t n = currency ? strlen(currency) : 0;
	memset(out, ' ', 3);
	memcpy(out, currency, n < 3 ? n : 3);
}

static void want_add(vo *v, const uint8_t *key, size_t len, int field, __int128 n)
{
	uint8_t k[40];
	memcpy(k, key, len);
	k[len] = (uint8_t)field;
	kmap_find(&v->want, k, len + 1, 1)->n += n;
}

/* The recount of key|field, marked seen (0 when none). */
static __int128 want_take(vo *v, const uint8_t *key, size_t len, int field)
{
	uint8_t k[40];
	memcpy(k, key, len);
	k[len] = (uint8_t)field;
	kentry *e = kmap_find(&v->want, k, len + 1, 0);
	if (!e)
		return 0;
	e->seen = 1;
	return e->n;
}

static void lead_key(uint8_t out[LKEY - 1], uint64_t lead, uint32_t month, const char *currency)
{
	out[0] = 'L';
	store_key_u64(out + 1, lead);
	out[9] = (uint8_t)(month >> 24);
	out[10] = (uint8_t)(month >> 16);
	out[11] = (uint8_t)(month >> 8);
	out[12] = (uint8_t)month;
	cur3(currency, (char *)out + 13);
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A record looked up without stopping the walk on one that does not
 * decode (the walk of its own database reports that). NULL: absent or not
 * decodable; an LMDB error is left in t->ret. */
static void *load(vo *v, store_db db, uint64_t id, const ProtobufCMessageDescriptor *desc)
{
	uint8_t key[8];
	MDB_val d;
	store_key_u64(key, id);
	int rc = store_get(v->t, db, key, 8, &d);
	if (rc) {
		if (rc != MDB_NOTFOUND && !v->t->ret)
			v->t->ret = rc;
		return NULL;
	}
	return protobuf_c_message_unpack(desc, &v->scratch.pb, d.mv_size, d.mv_data);
}

static int has_entry(vo *v, store_db db, const void *key, size_t klen, const uint8_t *val)
{
	MDB_cursor *cur;
	if (v->t->ret || (v->t->ret = mdb_cursor_open(v->t->txn, v->t->st->dbi[db], &cur)))
		return 1;
	MDB_val k = {klen, (void *)key}, d = {OPP_IDX_VAL, (void *)val};
	int rc = mdb_cursor_get(cur, &k, &d, MDB_GET_BOTH);
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND && !v->t->ret)
		v->t->ret = rc;
	return rc != MDB_NOTFOUND;
}

/* ---- the records ---- */

static void check_amounts(vo *v, Leadd__Opportunity *o)
{
	if (o->n_items < 1 || o->n_items > OPP_ITEMS_MAX)
		problem(v, "opportunity %" PRIu64 " has %zu items (1 to %d expected)", o->id,
			o->n_items, OPP_ITEMS_MAX);
	if (!o->amount || !o->amount->currency || strlen(o->amount->currency) != 3) {
		problem(v, "opportunity %" PRIu64 " has no amount in a currency", o->id);
		return;
	}
	int64_t stored[OPP_ITEMS_MAX], sum;
	size_t n = o->n_items < OPP_ITEMS_MAX ? o->n_items : OPP_ITEMS_MAX;
	for (size_t i = 0; i < n; i++)
		stored[i] = o->items[i]->amount_minor;
	if (opp_items_amount(o->items, n, &sum) != 0) {
		problem(v,
			"opportunity %" PRIu64 " has an item of no quantity, a negative price, or "
			"an amount past the largest one leadd takes",
			o->id);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (stored[i] != o->items[i]->amount_minor)
			problem(v,
				"opportunity %" PRIu64 ": item %zu's amount is %" PRId64
				", its quantity x unit price is %" PRId64,
				o->id, i + 1, stored[i], o->items[i]->amount_minor);
	if (o->amount->amount_minor != sum)
		problem(v,
			"opportunity %" PRIu64 ": its amount is %" PRId64
			", the sum of its items is %" PRId64,
			o->id, o->amount->amount_minor, sum);
}

/* What the record calls for: its index entries, and its part of the
 * lead's totals and of the won counters. */
static void check_record(vo *v, uint64_t key_id, Leadd__Opportunity *o)
{
	if (o->id != key_id)
		problem(v,
			"the record under opportunity id %" PRIu64
			" says it is opportunity %" PRIu64,
			key_id, o->id);
	if (o->id > v->last_id)
		problem(v, "opportunity %" PRIu64 " is past the last id given out (%" PRIu64 ")",
			o->id, v->last_id);
	if (o->state < LEADD__OPP_STATE__OPP_OPEN || o->state > LEADD__OPP_STATE__OPP_LOST) {
		problem(v, "opportunity %" PRIu64 " is in no known state (%d)", o->id,
			(int)o->state);
		return;
	}
	check_amounts(v, o);
	uint32_t day = opp_close_day(o);
	int open = o->state == LEADD__OPP_STATE__OPP_OPEN;
	if (o->close_date && o->close_date[0] && day == OPP_NO_DAY)
		problem(v, "opportunity %" PRIu64 ": its close date '%s' is not a date", o->id,
			o->close_date);
	if (!open && day == OPP_NO_DAY)
		problem(v, "opportunity %" PRIu64 " is %s but has no close date", o->id,
			o->state == LEADD__OPP_STATE__OPP_WON ? "won" : "lost");
	if (o->state == LEADD__OPP_STATE__OPP_WON && (!o->has_won_owner_id || !o->has_won_team_id))
		problem(v, "opportunity %" PRIu64 " is won but does not say whose it was", o->id);
	uint8_t val[OPP_IDX_VAL], lkey[8], okey[16];
	opp_index_val(val, o);
	store_key_u64(lkey, o->lead_id);
	if (!has_entry(v, DB_IDX_OPP_LEAD, lkey, 8, val))
		problem(v,
			"opportunity %" PRIu64 " is missing from idx_opp_lead under lead %" PRIu64,
			o->id, o->lead_id);
	ld_arena_reset(&v->scratch);
	Leadd__Lead *l = load(v, DB_LEADS, o->lead_id, &leadd__lead__descriptor);
	if (!l)
		problem(v,
			"opportunity %" PRIu64 " belongs to lead %" PRIu64 ", which does not exist",
			o->id, o->lead_id);
	else {
		store_key_u64_pair(okey, l->team_id, l->owner_id);
		if (!has_entry(v, DB_IDX_OPP, okey, 16, val))
			problem(v,
				"opportunity %" PRIu64 " is missing from idx_opp under its lead's "
				"team %" PRIu64 ", owner %" PRIu64,
				o->id, l->team_id, l->owner_id);
	}
	uint8_t n[10] = {'N'};
	store_key_u64(n + 1, o->lead_id);
	want_add(v, n, 9, 0, 1);
	if (open) {
		want_add(v, n, 9, 1, 1);
		uint8_t k[LKEY - 1];
		int64_t amount = o->amount ? o->amount->amount_minor : 0;
		lead_key(k, o->lead_id, opp_month_of_day(day),
			 o->amount ? o->amount->currency : "");
		want_add(v, k, sizeof(k), F_OPPS, 1);
		want_add(v, k, sizeof(k), F_AMOUNT, amount);
		if (o->has_probability)
			want_add(v, k, sizeof(k), F_OWN, (__int128)amount * o->probability);
		else
			want_add(v, k, sizeof(k), F_UNWEIGHTED, amount);
	}
	if (o->state == LEADD__OPP_STATE__OPP_WON) {
		uint8_t k[OPP_FORECAST_WON_KEY];
		opp_forecast_won_key(k, o->won_team_id, o->won_owner_id,
				     day == OPP_NO_DAY ? 0 : day,
				     o->amount ? o->amount->currency : "");
		want_add(v, k, sizeof(k), F_OPPS, 1);
		want_add(v, k, sizeof(k), F_AMOUNT, o->amount ? o->amount->amount_minor : 0);
	}
}

typedef void (*entry_fn)(vo *v, const MDB_val *k, const MDB_val *d);

/* Every record of db to fn; returns how many, *complete when the walk
 * reached the end. An LMDB error is left in t->ret. */
static uint64_t walk(vo *v, store_db db, entry_fn fn, int *complete)
{
	MDB_cursor *cur;
	MDB_val k, d;
	uint64_t n = 0;
	*complete = 0;
	if (v->t->ret || (v->t->ret = mdb_cursor_open(v->t->txn, v->t->st->dbi[db], &cur)))
		return 0;
	int rc;
	for (rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0 && !v->t->ret;
	     rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		n++;
		ld_arena_reset(v->arena);
		fn(v, &k, &d);
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND && rc && !v->t->ret)
		v->t->ret = rc;
	*complete = rc == MDB_NOTFOUND && !v->t->ret;
	return n;
}

static void opp_record(vo *v, const MDB_val *k, const MDB_val *d)
{
	uint64_t id = k->mv_size == 8 ? store_key_get_u64(k->mv_data) : 0;
	Leadd__Opportunity *o = leadd__opportunity__unpack(&v->arena->pb, d->mv_size, d->mv_data);
	if (!o || k->mv_size != 8) {
		problem(v, "opportunity %" PRIu64 " does not decode", id);
		v->opps_complete = 0;
		return;
	}
	check_record(v, id, o);
}

/* ---- the indexes, from their side ---- */

/* The record an index entry names, and the lead it belongs to (*lead
 * NULL: none). NULL when the record does not exist or decode. */
static Leadd__Opportunity *entry_opp(vo *v, const char *db, const MDB_val *k, const MDB_val *d,
				     size_t klen, Leadd__Lead **lead)
{
	*lead = NULL;
	if (k->mv_size != klen || d->mv_size != OPP_IDX_VAL) {
		problem(v, "%s: an entry of %zu+%zu bytes (%zu+%d expected)", db, k->mv_size,
			d->mv_size, klen, OPP_IDX_VAL);
		return NULL;
	}
	Leadd__OppState state;
	uint32_t day;
	uint64_t id;
	opp_index_val_parse(d->mv_data, &state, &day, &id);
	ld_arena_reset(&v->scratch);
	Leadd__Opportunity *o = load(v, DB_OPPS, id, &leadd__opportunity__descriptor);
	if (!o) {
		problem(v, "%s: an entry names opportunity %" PRIu64 ", which does not exist", db,
			id);
		return NULL;
	}
	uint8_t val[OPP_IDX_VAL];
	opp_index_val(val, o);
	if (memcmp(val, d->mv_data, OPP_IDX_VAL) != 0)
		problem(v,
			"%s: the entry of opportunity %" PRIu64
			" does not match its record (state or close date)",
			db, id);
	*lead = load(v, DB_LEADS, o->lead_id, &leadd__lead__descriptor);
	return o;
}

static void idx_lead_entry(vo *v, const MDB_val *k, const MDB_val *d)
{
	Leadd__Lead *l;
	Leadd__Opportunity *o = entry_opp(v, "idx_opp_lead", k, d, 8, &l);
	if (o && o->lead_id != store_key_get_u64(k->mv_data))
		problem(v,
			"idx_opp_lead: lead %" PRIu64 " lists opportunity %" PRIu64
			", which belongs to lead %" PRIu64,
			store_key_get_u64(k->mv_data), o->id, o->lead_id);
}

static void idx_opp_entry(vo *v, const MDB_val *k, const MDB_val *d)
{
	Leadd__Lead *l;
	Leadd__Opportunity *o = entry_opp(v, "idx_opp", k, d, 16, &l);
	if (!o || !l)
		return;
	uint64_t team = store_key_get_u64(k->mv_data);
	uint64_t owner = store_key_get_u64((const uint8_t *)k->mv_data + 8);
	if (team != l->team_id || owner != l->owner_id)
		problem(v,
			"idx_opp: opportunity %" PRIu64 " is filed under team %" PRIu64
			", owner %" PRIu64 ", but its lead %" PRIu64 " is under team %" PRIu64
			", owner %" PRIu64,
			o->id, team, owner, l->id, l->team_id, l->owner_id);
}

static void check_index(vo *v, store_db db, entry_fn fn)
{
	int complete;
	uint64_t n = walk(v, db, fn, &complete);
	if (complete && v->opps_complete && n != v->opps)
		problem(v, "%s: %" PRIu64 " entries but %" PRIu64 " opportunities",
			store_db_name(db), n, v->opps);
}

/* ---- the leads' open totals, and the open counters from them ---- */

static void month_text(uint32_t month, char out[16])
{
	if (month)
		snprintf(out, 16, "%04u-%02u", month / 100 % 10000, month % 100);
	else
		snprintf(out, 16, "no date");
}

static void lead_totals(vo *v, const MDB_val *k, const MDB_val *d)
{
	(void)k;
	Leadd__Lead *l = leadd__lead__unpack(&v->arena->pb, d->mv_size, d->mv_data);
	if (!l)
		return; /* the lead check names it */
	for (size_t i = 0; i < l->n_open_opps; i++) {
		const Leadd__OppTotal *x = l->open_opps[i];
		uint8_t key[LKEY - 1];
		char m[16], a[48], b[48];
		lead_key(key, l->id, x->month, x->currency);
		month_text(x->month, m);
		__int128 want[4] = {want_take(v, key, sizeof(key), F_OPPS),
				    want_take(v, key, sizeof(key), F_AMOUNT),
				    want_take(v, key, sizeof(key), F_UNWEIGHTED),
				    want_take(v, key, sizeof(key), F_OWN)};
		if (i &&
		    strcmp(l->open_opps[i - 1]->currency ? l->open_opps[i - 1]->currency : "",
			   x->currency ? x->currency : "") == 0 &&
		    l->open_opps[i - 1]->month >= x->month)
			problem(v, "lead %" PRIu64 ": its open totals are out of order", l->id);
		if (!x->opps)
			problem(v,
				"lead %" PRIu64
				": its open totals hold an entry of no opportunities",
				l->id);
		else if ((__int128)x->opps != want[0] || x->amount_minor != want[1] ||
			 x->unweighted_minor != want[2] || x->own_weighted_x100 != want[3])
			problem(v,
				"lead %" PRIu64
				": its open opportunities in %s closing %s are %" PRIu64
				" worth %" PRId64
				" in its totals, its opportunities give %s worth %s",
				l->id, x->currency ? x->currency : "", m, x->opps, x->amount_minor,
				i128_str(want[0], a), i128_str(want[1], b));
		if (l->archived || !x->opps)
			continue;
		uint8_t ck[OPP_FORECAST_OPEN_KEY];
		opp_forecast_open_key(ck, l->team_id, l->owner_id, l->status_id, x->month,
				      x->currency);
		want_add(v, ck, sizeof(ck), F_OPPS, x->opps);
		want_add(v, ck, sizeof(ck), F_AMOUNT, x->amount_minor);
		want_add(v, ck, sizeof(ck), F_UNWEIGHTED, x->unweighted_minor);
		want_add(v, ck, sizeof(ck), F_OWN, x->own_weighted_x100);
	}
}

/* Recount entries no lead took: totals missing from a lead, and the
 * per-lead limits. */
static void leads_after(vo *v)
{
	for (size_t i = 0; i < v->want.cap; i++) {
		kentry *e = &v->want.e[i];
		if (!e->key)
			continue;
		uint64_t lead = e->len > 9 ? store_key_get_u64(e->key + 1) : 0;
		char m[16], a[48];
		if (e->key[0] == 'L' && e->len == LKEY && e->key[LKEY - 1] == F_OPPS && !e->seen) {
			month_text(get_u32(e->key + 9), m);
			problem(v,
				"lead %" PRIu64
				": %s open opportunities in %.3s closing %s are missing "
				"from its totals",
				lead, i128_str(e->n, a), (const char *)e->key + 13, m);
		}
		if (e->key[0] == 'N' && e->len == 10 && e->key[9] == 0 && e->n > OPP_MAX_PER_LEAD)
			problem(v, "lead %" PRIu64 " has %s opportunities, more than %d", lead,
				i128_str(e->n, a), OPP_MAX_PER_LEAD);
		if (e->key[0] == 'N' && e->len == 10 && e->key[9] == 1 && e->n > OPP_OPEN_MAX)
			problem(v, "lead %" PRIu64 " has %s open opportunities, more than %d", lead,
				i128_str(e->n, a), OPP_OPEN_MAX);
	}
}

/* ---- the forecast counters ---- */

static void describe(const uint8_t *k, size_t len, char *out, size_t outlen)
{
	if (k[0] == OPP_FORECAST_OPEN && len >= OPP_FORECAST_OPEN_KEY) {
		char m[16];
		month_text(get_u32(k + 25), m);
		snprintf(out, outlen,
			 "the open counter of team %" PRIu64 ", owner %" PRIu64 ", status %" PRIu64
			 ", closing %s, in %.3s",
			 store_key_get_u64(k + 1), store_key_get_u64(k + 9),
			 store_key_get_u64(k + 17), m, (const char *)k + 29);
		return;
	}
	char day[11];
	opp_day_format(get_u32(k + 17), day);
	snprintf(out, outlen,
		 "the won counter of team %" PRIu64 ", owner %" PRIu64 ", won on %s, in %.3s",
		 store_key_get_u64(k + 1), store_key_get_u64(k + 9), day, (const char *)k + 21);
}

static void counter(vo *v, const MDB_val *k, const MDB_val *d)
{
	const uint8_t *kb = k->mv_data;
	int open = k->mv_size == OPP_FORECAST_OPEN_KEY && kb[0] == OPP_FORECAST_OPEN &&
		   d->mv_size == OPP_FORECAST_OPEN_VAL;
	int won = k->mv_size == OPP_FORECAST_WON_KEY && kb[0] == OPP_FORECAST_WON &&
		  d->mv_size == OPP_FORECAST_WON_VAL;
	if (!open && !won) {
		problem(v,
			"forecast: a record of %zu+%zu bytes is neither an open counter (%d+%d) "
			"nor "
			"a won counter (%d+%d)",
			k->mv_size, d->mv_size, OPP_FORECAST_OPEN_KEY, OPP_FORECAST_OPEN_VAL,
			OPP_FORECAST_WON_KEY, OPP_FORECAST_WON_VAL);
		return;
	}
	__int128 have[4] = {0}, want[4];
	if (open) {
		opp_open_sums s;
		opp_open_sums_get(d->mv_data, &s);
		have[0] = s.opps;
		have[1] = s.amount;
		have[2] = s.unweighted;
		have[3] = s.own_weighted_x100;
	} else {
		opp_won_sums s;
		opp_won_sums_get(d->mv_data, &s);
		have[0] = s.won;
		have[1] = s.amount;
	}
	int differs = 0;
	for (int f = 0; f < 4; f++) {
		want[f] = want_take(v, kb, k->mv_size, f);
		differs |= want[f] != have[f];
	}
	char what[160], a[48], b[48], c[48], e[48];
	describe(kb, k->mv_size, what, sizeof(what));
	if (differs)
		problem(v, "forecast: %s counts %s worth %s, a recount %s gives %s worth %s", what,
			i128_str(have[0], a), i128_str(have[1], b),
			open ? "of the leads' open totals" : "of the won opportunities",
			i128_str(want[0], c), i128_str(want[1], e));
	else if (!have[0])
		problem(v, "forecast: %s is a zero record (zeros are deleted)", what);
}

static void counters_after(vo *v)
{
	for (size_t i = 0; i < v->want.cap; i++) {
		kentry *e = &v->want.e[i];
		if (!e->key || e->seen || !e->n || e->key[e->len - 1] != F_OPPS)
			continue;
		int open = e->key[0] == OPP_FORECAST_OPEN && e->len == OPP_FORECAST_OPEN_KEY + 1;
		int won = e->key[0] == OPP_FORECAST_WON && e->len == OPP_FORECAST_WON_KEY + 1;
		if (!open && !won)
			continue;
		char what[160], a[48];
		describe(e->key, e->len - 1, what, sizeof(what));
		problem(v, "forecast: %s is missing, a recount gives %s", what, i128_str(e->n, a));
	}
}

uint64_t verify_opps(store_txn *t, ld_arena *arena)
{
	vo v = {.t = t, .arena = arena, .opps_complete = 1};
	ld_arena_init(&v.scratch, 0);
	v.last_id = store_meta_get(t, META_NEXT_OPP_ID);
	int complete;
	v.opps = walk(&v, DB_OPPS, opp_record, &complete);
	v.opps_complete &= complete;
	check_index(&v, DB_IDX_OPP_LEAD, idx_lead_entry);
	check_index(&v, DB_IDX_OPP, idx_opp_entry);
	if (v.opps_complete) {
		walk(&v, DB_LEADS, lead_totals, &complete);
		if (complete) {
			leads_after(&v);
			walk(&v, DB_FORECAST, counter, &complete);
			if (complete)
				counters_after(&v);
		}
	} else {
		problem(&v,
			"opportunities: the totals and the forecast counters were not recounted, "
			"as the records could not all be read");
	}
	kmap_free(&v.want);
	ld_arena_free(&v.scratch);
	return v.problems;
}
