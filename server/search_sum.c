/* Summary records: ten big-endian 64-bit fields, the currency code and a
 * has-value byte, padded to SEARCH_SUM_SIZE. */
#include "search_sum.h"

#include <string.h>

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

void search_sum_encode(const search_sum *s, uint8_t out[SEARCH_SUM_SIZE])
{
	memset(out, 0, SEARCH_SUM_SIZE);
	uint64_t f[10] = {s->version,
			  s->owner_id,
			  s->team_id,
			  s->status_id,
			  s->client_id,
			  (uint64_t)s->created_at,
			  (uint64_t)s->updated_at,
			  (uint64_t)s->next_action_at,
			  (uint64_t)s->status_changed_at,
			  (uint64_t)s->value_amount};
	for (int i = 0; i < 10; i++)
		put64(out + 8 * i, f[i]);
	memcpy(out + 80, s->currency, 3);
	out[83] = (uint8_t)(s->has_value != 0);
}

int search_sum_decode(const void *data, size_t len, uint64_t id, search_sum *out)
{
	if (len != SEARCH_SUM_SIZE)
		return -1;
	const uint8_t *p = data;
	out->id = id;
	out->version = get64(p);
	out->owner_id = get64(p + 8);
	out->team_id = get64(p + 16);
	out->status_id = get64(p + 24);
	out->client_id = get64(p + 32);
	out->created_at = (int64_t)get64(p + 40);
	out->updated_at = (int64_t)get64(p + 48);
	out->next_action_at = (int64_t)get64(p + 56);
	out->status_changed_at = (int64_t)get64(p + 64);
	out->value_amount = (int64_t)get64(p + 72);
	memcpy(out->currency, p + 80, 3);
	out->currency[3] = 0;
	out->has_value = p[83] != 0;
	return 0;
}

int search_sum_load(store_txn *t, uint64_t id, search_sum *out)
{
	uint8_t key[8];
	store_key_u64(key, id);
	MDB_val v;
	int err = store_get(t, DB_LEAD_SUMMARY, key, 8, &v);
	if (err)
		return err;
	return search_sum_decode(v.mv_data, v.mv_size, id, out) == 0 ? 0 : MDB_CORRUPTED;
}
