#include "opp_core.h"

#include <errno.h>
#include <string.h>

#include "status.h"

static int items_sum(Leadd__OppItem **items, size_t n, int64_t *amount, int set);

/* A record every reader and writer may rely on: the opportunity the key
 * names, on a lead, with an amount in a currency, a known state and items
 * the write core can price (it recomputes the amount from them). */
static int opp_whole(const Leadd__Opportunity *o, uint64_t id)
{
	int64_t sum;
	return o->has_id && o->id == id && o->lead_id && o->amount && o->amount->currency &&
	       strlen(o->amount->currency) == 3 && o->state >= LEADD__OPP_STATE__OPP_OPEN &&
	       o->state <= LEADD__OPP_STATE__OPP_LOST && o->n_items >= 1 &&
	       o->n_items <= OPP_ITEMS_MAX && items_sum(o->items, o->n_items, &sum, 0) == 0;
}

int opp_load(store_txn *t, uint64_t id, ld_arena *arena, Leadd__Opportunity **out)
{
	uint8_t key[8];
	store_key_u64(key, id);
	int err = store_get_msg(t, DB_OPPS, key, 8, &leadd__opportunity__descriptor, arena,
				(ProtobufCMessage **)out);
	/* Damage that decodes is damage too: refused here, once for every
	 * request, as a record that does not decode is (verify names it). */
	if (!err && !opp_whole(*out, id))
		err = t->ret = MDB_CORRUPTED;
	return err;
}

/* ---- dates ---- */

/* Days from 1970-01-01 to a civil date (proleptic Gregorian), after
 * Howard Hinnant's days_from_civil. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yy + (*m <= 2));
}

static int digits(const char *s, int n, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

int opp_day_parse(const char *s, uint32_t *day)
{
	unsigned y, m, d;
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) ||
	    digits(s + 5, 2, &m) || digits(s + 8, 2, &d))
		return -1;
	static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (m == 2 && d == 29 && !leap)
		return -1;
	*day = (uint32_t)days_from_civil(y, m, d);
	return 0;
}

void opp_day_format(uint32_t day, char out[11])
{
	int y;
	unsigned m, d;
	civil_from_days(day, &y, &m, &d);
	/* y is within 1970..9999 for any day opp_day_parse gave. */
	out[0] = (char)('0' + (y / 1000) % 10);
	out[1] = (char)('0' + (y / 100) % 10);
	out[2] = (char)('0' + (y / 10) % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = 0;
}

uint32_t opp_month_of_day(uint32_t day)
{
	if (day == OPP_NO_DAY)
		return 0;
	int y;
	unsigned m, d;
	civil_from_days(day, &y, &m, &d);
	return (uint32_t)y * 100 + m;
}

uint32_t opp_close_day(const Leadd__Opportunity *opp)
{
	uint32_t day;
	return opp_day_parse(opp->close_date, &day) == 0 ? day : OPP_NO_DAY;
}

uint32_t opp_day_of_ms(int64_t unix_ms)
{
	int64_t days = unix_ms / 86400000;
	if (unix_ms < 0 && unix_ms % 86400000)
		days--;
	return days < 0 ? 0 : (uint32_t)days;
}

/* ---- amounts ---- */

static int items_sum(Leadd__OppItem **items, size_t n, int64_t *amount, int set)
{
	int64_t sum = 0;
	for (size_t i = 0; i < n; i++) {
		Leadd__OppItem *it = items[i];
		if (!it->name || it->quantity < 1 || it->quantity > OPP_QUANTITY_MAX ||
		    it->unit_price_minor < 0)
			return -1;
		int64_t line;
		if (__builtin_mul_overflow(it->quantity, it->unit_price_minor, &line) ||
		    line > OPP_AMOUNT_MAX)
			return -1;
		if (__builtin_add_overflow(sum, line, &sum) || sum > OPP_AMOUNT_MAX)
			return -1;
		if (set) {
			it->has_amount_minor = 1;
			it->amount_minor = line;
		}
	}
	*amount = sum;
	return 0;
}

int opp_items_amount(Leadd__OppItem **items, size_t n, int64_t *amount)
{
	return items_sum(items, n, amount, 1);
}

__int128 opp_weighted_x100(const opp_open_sums *s, uint32_t status_probability)
{
	return s->unweighted * (__int128)status_probability + s->own_weighted_x100;
}

__int128 opp_x100_round(__int128 x100)
{
	return x100 >= 0 ? (x100 + 50) / 100 : -((-x100 + 50) / 100);
}

int opp_status_in_forecast(const Leadd__Status *s)
{
	return s->stage != LEADD__STAGE__STAGE_LEAD && s->kpi_class != LEADD__KPI_CLASS__KPI_DEAD &&
	       s->kpi_class != LEADD__KPI_CLASS__KPI_LOST;
}

const char *opp_op_word(Leadd__Store__OppOp op)
{
	switch (op) {
	case LEADD__STORE__OPP_OP__OPP_ADDED:
		return "added";
	case LEADD__STORE__OPP_OP__OPP_EDITED:
		return "edited";
	case LEADD__STORE__OPP_OP__OPP_WON:
		return "won";
	case LEADD__STORE__OPP_OP__OPP_LOST:
		return "lost";
	default:
		return "changed";
	}
}

/* ---- the lead's open totals ---- */

static int is_open(const Leadd__Opportunity *o)
{
	return o && o->state == LEADD__OPP_STATE__OPP_OPEN;
}

static const char *currency_of(const Leadd__Opportunity *o)
{
	return o->amount && o->amount->currency ? o->amount->currency : "";
}

static int64_t amount_of(const Leadd__Opportunity *o)
{
	return o->amount ? o->amount->amount_minor : 0;
}

/* Entries are kept in (currency, month) order, so two leads' totals with
 * the same opportunities compare equal field by field (verify). */
static int total_cmp(const Leadd__OppTotal *a, const char *currency, uint32_t month)
{
	int c = strcmp(a->currency ? a->currency : "", currency);
	if (c)
		return c;
	return a->month < month ? -1 : a->month > month;
}

void opp_totals_change(Leadd__Lead *lead, const Leadd__Opportunity *opp, int sign, ld_arena *arena)
{
	const char *currency = currency_of(opp);
	uint32_t month = opp_month_of_day(opp_close_day(opp));
	size_t i = 0;
	while (i < lead->n_open_opps && total_cmp(lead->open_opps[i], currency, month) < 0)
		i++;
	if (i == lead->n_open_opps || total_cmp(lead->open_opps[i], currency, month) != 0) {
		if (sign < 0)
			return; /* nothing to take away (a damaged lead: verify says so) */
		Leadd__OppTotal **grown = ld_arena_alloc(arena,
							 (lead->n_open_opps + 1) * sizeof(*grown));
		Leadd__OppTotal *t = ld_arena_alloc(arena, sizeof(*t));
		leadd__opp_total__init(t);
		t->currency = ld_arena_strdup(arena, currency);
		t->has_month = t->has_opps = t->has_amount_minor = 1;
		t->has_unweighted_minor = t->has_own_weighted_x100 = 1;
		t->month = month;
		if (lead->n_open_opps)
			memcpy(grown, lead->open_opps, i * sizeof(*grown));
		grown[i] = t;
		if (i < lead->n_open_opps)
			memcpy(grown + i + 1, lead->open_opps + i,
			       (lead->n_open_opps - i) * sizeof(*grown));
		lead->open_opps = grown;
		lead->n_open_opps++;
	}
	Leadd__OppTotal *t = lead->open_opps[i];
	int64_t amount = amount_of(opp);
	t->opps = (uint64_t)((int64_t)t->opps + sign);
	t->amount_minor += sign * amount;
	if (opp->has_probability)
		t->own_weighted_x100 += sign * amount * (int64_t)opp->probability;
	else
		t->unweighted_minor += sign * amount;
	if (t->opps == 0) {
		memmove(lead->open_opps + i, lead->open_opps + i + 1,
			(lead->n_open_opps - i - 1) * sizeof(*lead->open_opps));
		lead->n_open_opps--;
	}
}

/* ---- counters ---- */

static void put_i128(uint8_t *out, __int128 v)
{
	unsigned __int128 u = (unsigned __int128)v;
	store_key_u64(out, (uint64_t)(u >> 64));
	store_key_u64(out + 8, (uint64_t)u);
}

static __int128 get_i128(const uint8_t *p)
{
	return (__int128)(((unsigned __int128)store_key_get_u64(p) << 64) |
			  store_key_get_u64(p + 8));
}

static void key_u32(uint8_t *out, uint32_t v)
{
	out[0] = (uint8_t)(v >> 24);
	out[1] = (uint8_t)(v >> 16);
	out[2] = (uint8_t)(v >> 8);
	out[3] = (uint8_t)v;
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void currency_bytes(uint8_t *out, const char *currency)
{
	/* Three letters (validated where money comes in); pad a shorter one. */
	size_t n = currency ? strlen(currency) : 0;
	memset(out, ' ', 3);
	memcpy(out, currency, n < 3 ? n : 3);
}

void opp_forecast_open_key(uint8_t out[OPP_FORECAST_OPEN_KEY], uint64_t team, uint64_t owner,
			   uint64_t status, uint32_t month, const char *currency)
{
	out[0] = OPP_FORECAST_OPEN;
	store_key_u64(out + 1, team);
	store_key_u64(out + 9, owner);
	store_key_u64(out + 17, status);
	key_u32(out + 25, month);
	currency_bytes(out + 29, currency);
}

void opp_forecast_won_key(uint8_t out[OPP_FORECAST_WON_KEY], uint64_t team, uint64_t owner,
			  uint32_t day, const char *currency)
{
	out[0] = OPP_FORECAST_WON;
	store_key_u64(out + 1, team);
	store_key_u64(out + 9, owner);
	key_u32(out + 17, day);
	currency_bytes(out + 21, currency);
}

void opp_open_sums_get(const void *val, opp_open_sums *out)
{
	const uint8_t *p = val;
	out->opps = store_key_get_u64(p);
	out->amount = get_i128(p + 8);
	out->unweighted = get_i128(p + 24);
	out->own_weighted_x100 = get_i128(p + 40);
}

void opp_open_sums_put(uint8_t out[OPP_FORECAST_OPEN_VAL], const opp_open_sums *s)
{
	store_key_u64(out, s->opps);
	put_i128(out + 8, s->amount);
	put_i128(out + 24, s->unweighted);
	put_i128(out + 40, s->own_weighted_x100);
}

void opp_won_sums_get(const void *val, opp_won_sums *out)
{
	const uint8_t *p = val;
	out->won = store_key_get_u64(p);
	out->amount = get_i128(p + 8);
}

void opp_won_sums_put(uint8_t out[OPP_FORECAST_WON_VAL], const opp_won_sums *s)
{
	store_key_u64(out, s->won);
	put_i128(out + 8, s->amount);
}

static void open_counter_add(store_txn *t, const Leadd__Lead *lead, const Leadd__OppTotal *tot,
			     int sign)
{
	uint8_t key[OPP_FORECAST_OPEN_KEY], val[OPP_FORECAST_OPEN_VAL];
	opp_forecast_open_key(key, lead->team_id, lead->owner_id, lead->status_id, tot->month,
			      tot->currency);
	opp_open_sums s = {0};
	MDB_val v;
	int rc = store_get(t, DB_FORECAST, key, sizeof(key), &v);
	if (rc == 0 && v.mv_size == OPP_FORECAST_OPEN_VAL)
		opp_open_sums_get(v.mv_data, &s);
	else if (rc == 0)
		t->ret = t->ret ? t->ret : MDB_CORRUPTED;
	else if (rc != MDB_NOTFOUND)
		return;
	s.opps += (uint64_t)(sign * (int64_t)tot->opps);
	s.amount += sign * (__int128)tot->amount_minor;
	s.unweighted += sign * (__int128)tot->unweighted_minor;
	s.own_weighted_x100 += sign * (__int128)tot->own_weighted_x100;
	if (s.opps == 0) {
		if (rc == 0)
			store_del(t, DB_FORECAST, key, sizeof(key), NULL, 0);
		return;
	}
	opp_open_sums_put(val, &s);
	store_put(t, DB_FORECAST, key, sizeof(key), val, sizeof(val), 0);
}

static void won_counter_add(store_txn *t, const Leadd__Opportunity *opp, int sign)
{
	uint8_t key[OPP_FORECAST_WON_KEY], val[OPP_FORECAST_WON_VAL];
	uint32_t day = opp_close_day(opp);
	opp_forecast_won_key(key, opp->won_team_id, opp->won_owner_id, day == OPP_NO_DAY ? 0 : day,
			     currency_of(opp));
	opp_won_sums s = {0};
	MDB_val v;
	int rc = store_get(t, DB_FORECAST, key, sizeof(key), &v);
	if (rc == 0 && v.mv_size == OPP_FORECAST_WON_VAL)
		opp_won_sums_get(v.mv_data, &s);
	else if (rc == 0)
		t->ret = t->ret ? t->ret : MDB_CORRUPTED;
	else if (rc != MDB_NOTFOUND)
		return;
	s.won += (uint64_t)(int64_t)sign;
	s.amount += sign * (__int128)amount_of(opp);
	if (s.won == 0) {
		if (rc == 0)
			store_del(t, DB_FORECAST, key, sizeof(key), NULL, 0);
		return;
	}
	opp_won_sums_put(val, &s);
	store_put(t, DB_FORECAST, key, sizeof(key), val, sizeof(val), 0);
}

/* ---- indexes ---- */

void opp_index_val(uint8_t out[OPP_IDX_VAL], const Leadd__Opportunity *opp)
{
	out[0] = (uint8_t)opp->state;
	key_u32(out + 1, opp_close_day(opp));
	store_key_u64(out + 5, opp->id);
}

void opp_index_val_parse(const void *p, Leadd__OppState *state, uint32_t *day, uint64_t *id)
{
	const uint8_t *b = p;
	*state = (Leadd__OppState)b[0];
	*day = get_u32(b + 1);
	*id = store_key_get_u64(b + 5);
}

static void owner_key(uint8_t out[16], const Leadd__Lead *lead)
{
	store_key_u64_pair(out, lead->team_id, lead->owner_id);
}

/* The lead's index values (at most OPP_MAX_PER_LEAD), read from
 * DB_IDX_OPP_LEAD. */
static size_t lead_index_vals(store_txn *t, uint64_t lead_id, uint8_t (*vals)[OPP_IDX_VAL],
			      size_t max, size_t *total)
{
	MDB_cursor *cur;
	*total = 0;
	if (t->ret || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_IDX_OPP_LEAD], &cur)))
		return 0;
	uint8_t key[8];
	store_key_u64(key, lead_id);
	MDB_val k = {8, key}, v;
	size_t n = 0;
	int rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
		if (v.mv_size != OPP_IDX_VAL) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (n < max)
			memcpy(vals[n++], v.mv_data, OPP_IDX_VAL);
		(*total)++;
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND && !t->ret)
		t->ret = rc;
	return n;
}

size_t opp_lead_ids(store_txn *t, uint64_t lead_id, uint64_t *ids, size_t max, size_t *total)
{
	uint8_t vals[OPP_MAX_PER_LEAD][OPP_IDX_VAL];
	size_t n = lead_index_vals(t, lead_id, vals, OPP_MAX_PER_LEAD, total), k = 0;
	for (size_t i = 0; i < n; i++) {
		Leadd__OppState state;
		uint32_t day;
		uint64_t id;
		opp_index_val_parse(vals[i], &state, &day, &id);
		/* Ascending ids: insert in place (n is small). */
		size_t j = k < max ? k : max;
		while (j > 0 && ids[j - 1] > id) {
			if (j < max)
				ids[j] = ids[j - 1];
			j--;
		}
		if (j < max) {
			ids[j] = id;
			if (k < max)
				k++;
		}
	}
	return k;
}

size_t opp_lead_open_count(store_txn *t, uint64_t lead_id, size_t *total)
{
	uint8_t vals[OPP_MAX_PER_LEAD][OPP_IDX_VAL];
	size_t open = 0;
	size_t n = lead_index_vals(t, lead_id, vals, OPP_MAX_PER_LEAD, total);
	for (size_t i = 0; i < n; i++)
		open += vals[i][0] == LEADD__OPP_STATE__OPP_OPEN;
	return open;
}

void opp_follow_lead(store_txn *t, const Leadd__Lead *old, const Leadd__Lead *lead)
{
	if (t->ret)
		return;
	if (old && !old->archived)
		for (size_t i = 0; i < old->n_open_opps; i++)
			open_counter_add(t, old, old->open_opps[i], -1);
	if (!lead->archived)
		for (size_t i = 0; i < lead->n_open_opps; i++)
			open_counter_add(t, lead, lead->open_opps[i], +1);
	if (!old || (old->team_id == lead->team_id && old->owner_id == lead->owner_id))
		return;
	uint8_t vals[OPP_MAX_PER_LEAD][OPP_IDX_VAL], from[16], to[16];
	size_t total, n = lead_index_vals(t, lead->id, vals, OPP_MAX_PER_LEAD, &total);
	owner_key(from, old);
	owner_key(to, lead);
	for (size_t i = 0; i < n; i++) {
		store_del(t, DB_IDX_OPP, from, 16, vals[i], OPP_IDX_VAL);
		store_put(t, DB_IDX_OPP, to, 16, vals[i], OPP_IDX_VAL, MDB_NODUPDATA);
	}
}

/* ---- the write core ---- */

/* Reply-only fields are never stored. */
static void clear_reply_fields(Leadd__Opportunity *o)
{
	o->lead_title = o->client_name = o->owner = o->status = NULL;
	o->has_owner_id = o->has_effective_probability = o->has_weighted_minor = 0;
	o->owner_id = 0;
	o->effective_probability = 0;
	o->weighted_minor = 0;
}

int opp_apply(store_txn *t, const Leadd__Lead *lead_old, Leadd__Lead *lead,
	      const Leadd__Opportunity *old, Leadd__Opportunity *opp, Leadd__Store__OppOp op,
	      const lead_change *ch)
{
	if (t->ret)
		return t->ret;
	int64_t amount;
	if (!opp->amount || !opp->amount->currency || strlen(opp->amount->currency) != 3 ||
	    opp_items_amount(opp->items, opp->n_items, &amount) != 0 ||
	    (op == LEADD__STORE__OPP_OP__OPP_ADDED) != (old == NULL))
		return t->ret = EINVAL; /* the handler refuses these first */
	clear_reply_fields(opp);
	opp->amount->has_amount_minor = 1;
	opp->amount->amount_minor = amount;
	if (!old) {
		opp->has_id = opp->has_lead_id = opp->has_created_at = opp->has_created_by = 1;
		opp->id = store_meta_next(t, META_NEXT_OPP_ID);
		opp->lead_id = lead->id;
		opp->created_at = ch->now;
		opp->created_by = ch->author;
		if (!opp->has_state || opp->state == LEADD__OPP_STATE__OPP_STATE_UNSPECIFIED) {
			opp->has_state = 1;
			opp->state = LEADD__OPP_STATE__OPP_OPEN;
		}
	}
	/* The revision lead_apply takes next: the opportunity's version is
	 * the lead's revision of this change. */
	opp->has_version = opp->has_updated_at = 1;
	opp->version = store_meta_get(t, META_LAST_REVISION) + 1;
	opp->updated_at = ch->now;
	int closing = is_open(old) && !is_open(opp);
	if (closing || (!old && !is_open(opp))) {
		opp->has_closed_at = opp->has_closed_by = 1;
		opp->closed_at = ch->now;
		opp->closed_by = ch->author;
		if (opp_close_day(opp) == OPP_NO_DAY) {
			char day[11];
			opp_day_format(opp_day_of_ms(ch->now), day);
			opp->close_date = ld_arena_strdup(ch->arena, day);
		}
	}
	int was_won = old && old->state == LEADD__OPP_STATE__OPP_WON;
	int is_won = opp->state == LEADD__OPP_STATE__OPP_WON;
	if (is_won && !was_won) {
		opp->has_won_owner_id = opp->has_won_team_id = 1;
		opp->won_owner_id = lead->owner_id;
		opp->won_team_id = lead->team_id;
	}

	if (is_open(old))
		opp_totals_change(lead, old, -1, ch->arena);
	if (is_open(opp))
		opp_totals_change(lead, opp, +1, ch->arena);

	uint8_t key[8], okey[16], val[OPP_IDX_VAL];
	store_key_u64(key, lead->id);
	owner_key(okey, lead_old);
	if (old) {
		opp_index_val(val, old);
		store_del(t, DB_IDX_OPP_LEAD, key, 8, val, OPP_IDX_VAL);
		store_del(t, DB_IDX_OPP, okey, 16, val, OPP_IDX_VAL);
	}
	opp_index_val(val, opp);
	store_put(t, DB_IDX_OPP_LEAD, key, 8, val, OPP_IDX_VAL, MDB_NODUPDATA);
	store_put(t, DB_IDX_OPP, okey, 16, val, OPP_IDX_VAL, MDB_NODUPDATA);
	if (was_won)
		won_counter_add(t, old, -1);
	if (is_won)
		won_counter_add(t, opp, +1);

	uint8_t okey8[8];
	store_key_u64(okey8, opp->id);
	store_put_msg(t, DB_OPPS, okey8, 8, &opp->base);

	lead_change lc = *ch;
	lc.opportunity = opp;
	lc.opp_op = op;
	return lead_apply(t, lead_old, lead, &lc);
}
