/* Lead summaries as the search engine reads them: a view of the write
 * core's (lead_index.h) that carries the lead's id. */
#include "search_sum.h"

#include <string.h>

#include "lead_index.h"

_Static_assert(LEAD_SUMMARY_SIZE == SEARCH_SUM_SIZE, "summary size");

void search_sum_encode(const search_sum *s, uint8_t out[SEARCH_SUM_SIZE])
{
	lead_summary l = {.version = s->version,
			  .owner_id = s->owner_id,
			  .team_id = s->team_id,
			  .status_id = s->status_id,
			  .client_id = s->client_id,
			  .created_at = s->created_at,
			  .updated_at = s->updated_at,
			  .next_action_at = s->next_action_at,
			  .status_changed_at = s->status_changed_at,
			  .value_amount = s->value_amount,
			  .has_value = s->has_value};
	memcpy(l.currency, s->currency, 4);
	lead_summary_encode(&l, out);
}

int search_sum_decode(const void *data, size_t len, uint64_t id, search_sum *out)
{
	lead_summary l;
	if (lead_summary_decode(data, len, &l) < 0)
		return -1;
	out->id = id;
	out->version = l.version;
	out->owner_id = l.owner_id;
	out->team_id = l.team_id;
	out->status_id = l.status_id;
	out->client_id = l.client_id;
	out->created_at = l.created_at;
	out->updated_at = l.updated_at;
	out->next_action_at = l.next_action_at;
	out->status_changed_at = l.status_changed_at;
	out->value_amount = l.value_amount;
	memcpy(out->currency, l.currency, 4);
	out->has_value = l.has_value;
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
