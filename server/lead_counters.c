#include "lead_counters.h"

#include <string.h>

#include "lead_rollup.h"

void lead_counter_count_key(uint8_t out[LEAD_COUNTER_COUNT_KEY], uint64_t team, uint64_t owner,
			    uint64_t status)
{
	out[0] = LEAD_COUNTER_COUNT;
	store_key_u64(out + 1, team);
	store_key_u64(out + 9, owner);
	store_key_u64(out + 17, status);
}

void lead_counter_archived_key(uint8_t out[LEAD_COUNTER_COUNT_KEY], uint64_t team, uint64_t owner,
			       uint64_t status)
{
	lead_counter_count_key(out, team, owner, status);
	out[0] = LEAD_COUNTER_ARCHIVED;
}

void lead_counter_value_key(uint8_t out[LEAD_COUNTER_VALUE_KEY], uint64_t team, uint64_t owner,
			    uint64_t status, const char *currency)
{
	out[0] = LEAD_COUNTER_VALUE;
	store_key_u64(out + 1, team);
	store_key_u64(out + 9, owner);
	store_key_u64(out + 17, status);
	memcpy(out + 25, currency, 3);
}

void lead_counter_sum_put(uint8_t out[LEAD_COUNTER_VALUE_LEN], __int128 v)
{
	unsigned __int128 u = (unsigned __int128)v;
	store_key_u64(out, (uint64_t)(u >> 64));
	store_key_u64(out + 8, (uint64_t)u);
}

__int128 lead_counter_sum_get(const void *p)
{
	unsigned __int128 u = ((unsigned __int128)store_key_get_u64(p) << 64) |
			      store_key_get_u64((const uint8_t *)p + 8);
	return (__int128)u;
}

int lead_counter_value_of(const Leadd__Lead *lead, const char **currency, int64_t *amount)
{
	/* validate.c lets only three-letter codes in. */
	if (!lead->value || !lead->value->currency || strlen(lead->value->currency) != 3)
		return 0;
	*currency = lead->value->currency;
	*amount = lead->value->amount_minor;
	return 1;
}

static void count_add(store_txn *t, const Leadd__Lead *l, int sign)
{
	uint8_t key[LEAD_COUNTER_COUNT_KEY], val[8];
	if (l->archived)
		lead_counter_archived_key(key, l->team_id, l->owner_id, l->status_id);
	else
		lead_counter_count_key(key, l->team_id, l->owner_id, l->status_id);
	MDB_val v;
	uint64_t n = 0;
	int rc = store_get(t, DB_COUNTERS, key, sizeof(key), &v);
	if (rc == 0) {
		if (v.mv_size != 8) {
			t->ret = MDB_CORRUPTED;
			return;
		}
		n = store_key_get_u64(v.mv_data);
	} else if (rc != MDB_NOTFOUND) {
		return;
	}
	if (sign < 0 && n == 0) {
		t->ret = MDB_CORRUPTED; /* a counter would go negative */
		return;
	}
	n = sign < 0 ? n - 1 : n + 1;
	if (n == 0) {
		store_del(t, DB_COUNTERS, key, sizeof(key), NULL, 0);
		return;
	}
	store_key_u64(val, n);
	store_put(t, DB_COUNTERS, key, sizeof(key), val, 8, 0);
}

static void value_add(store_txn *t, const Leadd__Lead *l, int sign)
{
	const char *cur;
	int64_t amount;
	if (l->archived || !lead_counter_value_of(l, &cur, &amount) || amount == 0)
		return;
	uint8_t key[LEAD_COUNTER_VALUE_KEY], val[LEAD_COUNTER_VALUE_LEN];
	lead_counter_value_key(key, l->team_id, l->owner_id, l->status_id, cur);
	MDB_val v;
	__int128 sum = 0;
	int rc = store_get(t, DB_COUNTERS, key, sizeof(key), &v);
	if (rc == 0) {
		if (v.mv_size != LEAD_COUNTER_VALUE_LEN) {
			t->ret = MDB_CORRUPTED;
			return;
		}
		sum = lead_counter_sum_get(v.mv_data);
	} else if (rc != MDB_NOTFOUND) {
		return;
	}
	sum += sign < 0 ? -(__int128)amount : (__int128)amount;
	if (sum == 0) {
		store_del(t, DB_COUNTERS, key, sizeof(key), NULL, 0);
		return;
	}
	lead_counter_sum_put(val, sum);
	store_put(t, DB_COUNTERS, key, sizeof(key), val, sizeof(val), 0);
}

void lead_counters_add(store_txn *t, const Leadd__Lead *lead, int sign)
{
	count_add(t, lead, sign);
	value_add(t, lead, sign);
}

/* Same counter keys and the same value: nothing to move. */
static int same_counters(const Leadd__Lead *a, const Leadd__Lead *b)
{
	const char *ca = "", *cb = "";
	int64_t va = 0, vb = 0;
	int ha = lead_counter_value_of(a, &ca, &va), hb = lead_counter_value_of(b, &cb, &vb);
	if (a->team_id != b->team_id || a->owner_id != b->owner_id ||
	    a->status_id != b->status_id || !a->archived != !b->archived)
		return 0;
	if (ha != hb)
		return 0;
	return !ha || (va == vb && memcmp(ca, cb, 3) == 0);
}

void lead_counters_apply(store_txn *t, const Leadd__Lead *old, const Leadd__Lead *lead,
			 const lead_change *ch)
{
	if (t->ret || t->schema < LEAD_COUNTERS_SCHEMA)
		return;
	if (!old || !same_counters(old, lead)) {
		if (old)
			lead_counters_add(t, old, -1);
		lead_counters_add(t, lead, +1);
	}
	lead_rollup_change rc = {old, lead, ch->now, ch->activity, ch->activity_op};
	lead_rollup_record(t, &rc);
}
