#include "lead_index.h"

#include <string.h>

#include "ld_norm.h"

const store_db lead_index_dbs[] = {DB_IDX_STATUS, DB_IDX_OWNER, DB_IDX_CLIENT, DB_IDX_TAG,
				   DB_IDX_EMAIL,  DB_IDX_PHONE, DB_IDX_DUE};
const size_t lead_index_count = sizeof(lead_index_dbs) / sizeof(lead_index_dbs[0]);

int lead_index_keyset_has(const lead_index_keyset *s, const void *key, size_t len)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->keys[i].len == len && memcmp(s->keys[i].data, key, len) == 0)
			return 1;
	return 0;
}

static void add_u64(lead_index_keyset *s, uint64_t v)
{
	store_key_u64(s->keys[s->n].data, v);
	s->keys[s->n].len = 8;
	s->n++;
}

static void add_str(lead_index_keyset *s, const char *v)
{
	size_t n = strlen(v);
	if (n == 0 || n > LEAD_INDEX_KEY_MAX || s->n >= LEAD_INDEX_KEYS_MAX ||
	    lead_index_keyset_has(s, v, n))
		return;
	memcpy(s->keys[s->n].data, v, n);
	s->keys[s->n].len = n;
	s->n++;
}

void lead_index_keys(const Leadd__Lead *l, store_db db, lead_index_keyset *out)
{
	char norm[LEAD_INDEX_KEY_MAX + 1];
	out->n = 0;
	switch (db) {
	case DB_IDX_STATUS:
		add_u64(out, l->status_id);
		break;
	case DB_IDX_OWNER:
		add_u64(out, l->owner_id);
		break;
	case DB_IDX_CLIENT:
		if (l->client_id)
			add_u64(out, l->client_id);
		break;
	case DB_IDX_DUE:
		if (l->next_action_at > 0)
			add_u64(out, (uint64_t)l->next_action_at);
		break;
	case DB_IDX_TAG:
		for (size_t i = 0; i < l->n_tags; i++)
			if (ld_norm_name(l->tags[i], norm, sizeof(norm)) == 0)
				add_str(out, norm);
		break;
	case DB_IDX_EMAIL:
		for (size_t i = 0; i < l->n_contacts; i++)
			if (l->contacts[i]->email &&
			    ld_norm_email(l->contacts[i]->email, norm, sizeof(norm)) == 0)
				add_str(out, norm);
		break;
	case DB_IDX_PHONE:
		for (size_t i = 0; i < l->n_contacts; i++)
			if (l->contacts[i]->phone &&
			    ld_norm_phone(l->contacts[i]->phone, norm, sizeof(norm)) == 0)
				add_str(out, norm);
		break;
	default:
		break;
	}
}

void lead_counter_key(uint8_t out[16], uint64_t owner, uint64_t status)
{
	store_key_u64_pair(out, owner, status);
}
