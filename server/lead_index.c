#include "lead_index.h"

#include <string.h>

#include "ld_norm.h"

const store_db lead_index_dbs[] = {
	DB_IDX_STATUS, DB_IDX_OWNER,   DB_IDX_CLIENT,  DB_IDX_TAG,   DB_IDX_EMAIL,
	DB_IDX_PHONE,  DB_IDX_DUE,     DB_IDX_TEAM,    DB_IDX_POOL,  DB_IDX_OWNER_STATUS,
	DB_IDX_WORD,   DB_IDX_CREATED, DB_IDX_UPDATED, DB_IDX_VALUE, DB_IDX_SOURCE,
	DB_IDX_TITLE,  DB_IDX_STANDBY, DB_IDX_HIDDEN,
};
const size_t lead_index_count = sizeof(lead_index_dbs) / sizeof(lead_index_dbs[0]);
_Static_assert(sizeof(lead_index_dbs) / sizeof(lead_index_dbs[0]) <= LEAD_INDEX_DBS_MAX,
	       "raise LEAD_INDEX_DBS_MAX");

uint64_t lead_index_since(store_db db)
{
	switch (db) {
	case DB_IDX_TEAM:
	case DB_IDX_POOL:
	case DB_IDX_OWNER_STATUS:
	case DB_IDX_WORD:
	case DB_IDX_CREATED:
	case DB_IDX_UPDATED:
	case DB_IDX_VALUE:
	case DB_IDX_SOURCE:
	case DB_IDX_TITLE:
	case DB_LEAD_SUMMARY:
		return LEAD_SEARCH_SCHEMA;
	case DB_IDX_STANDBY:
	case DB_IDX_HIDDEN:
		return LEAD_LIFECYCLE_SCHEMA;
	default:
		return 0;
	}
}

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

static void add_bytes(lead_index_keyset *s, const void *v, size_t n)
{
	if (n == 0 || n > LEAD_INDEX_KEY_MAX || s->n >= LEAD_INDEX_KEYS_MAX ||
	    lead_index_keyset_has(s, v, n))
		return;
	memcpy(s->keys[s->n].data, v, n);
	s->keys[s->n].len = n;
	s->n++;
}

static void add_str(lead_index_keyset *s, const char *v)
{
	add_bytes(s, v, strlen(v));
}

static int add_word(const char *word, size_t len, void *arg)
{
	lead_index_keyset *s = arg;
	add_bytes(s, word, len);
	return s->n >= LEAD_INDEX_KEYS_MAX;
}

static void add_words(lead_index_keyset *s, const char *text)
{
	if (text && text[0])
		ld_norm_words(text, add_word, s);
}

/* The words people search a lead by: its title, its client's name, and
 * each contact's name, email (as words: "ana.ruiz@acme.io" is ana, ruiz,
 * acme, io) and phone (as written, and as one run of digits). */
static void word_keys(const Leadd__Lead *l, lead_index_keyset *out)
{
	char digits[LEAD_INDEX_KEY_MAX + 1];
	add_words(out, l->title);
	add_words(out, l->client_name);
	for (size_t i = 0; i < l->n_contacts; i++) {
		const Leadd__Contact *c = l->contacts[i];
		add_words(out, c->name);
		add_words(out, c->email);
		add_words(out, c->phone);
		if (c->phone && ld_norm_phone(c->phone, digits, sizeof(digits)) == 0)
			add_str(out, digits[0] == '+' ? digits + 1 : digits);
	}
}

static uint64_t time_key(int64_t ms)
{
	return ms > 0 ? (uint64_t)ms : 0;
}

void lead_value_key(uint8_t out[LEAD_VALUE_KEY_SIZE], const char *currency, int64_t amount)
{
	memset(out, 0, 3);
	memcpy(out, currency, strnlen(currency, 3));
	store_key_u64(out + 3, (uint64_t)amount ^ (UINT64_C(1) << 63));
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
	case DB_IDX_STANDBY:
		if (l->standby_until > 0)
			add_u64(out, (uint64_t)l->standby_until);
		break;
	case DB_IDX_HIDDEN:
		if (l->archived || l->standby_until > 0)
			add_u64(out, 0);
		break;
	case DB_IDX_TEAM:
		if (l->team_id)
			add_u64(out, l->team_id);
		break;
	case DB_IDX_POOL:
		if (!l->owner_id)
			add_u64(out, l->team_id);
		break;
	case DB_IDX_OWNER_STATUS:
		store_key_u64_pair(out->keys[0].data, l->owner_id, l->status_id);
		out->keys[0].len = 16;
		out->n = 1;
		break;
	case DB_IDX_WORD:
		word_keys(l, out);
		break;
	case DB_IDX_CREATED:
		add_u64(out, time_key(l->created_at));
		break;
	case DB_IDX_UPDATED:
		add_u64(out, time_key(l->updated_at));
		break;
	case DB_IDX_VALUE:
		if (l->value && l->value->has_amount_minor && l->value->currency) {
			lead_value_key(out->keys[0].data, l->value->currency,
				       l->value->amount_minor);
			out->keys[0].len = LEAD_VALUE_KEY_SIZE;
			out->n = 1;
		}
		break;
	case DB_IDX_SOURCE:
		if (l->source && ld_norm_name(l->source, norm, sizeof(norm)) == 0)
			add_str(out, norm);
		break;
	case DB_IDX_TITLE:
		if (l->title && ld_norm_sort_key(l->title, norm, LEAD_TITLE_KEY_MAX + 1) == 0)
			add_str(out, norm);
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

void lead_summary_of(const Leadd__Lead *l, lead_summary *s)
{
	memset(s, 0, sizeof(*s));
	s->id = l->id;
	s->version = l->version;
	s->owner_id = l->owner_id;
	s->team_id = l->team_id;
	s->status_id = l->status_id;
	s->client_id = l->client_id;
	s->created_at = l->created_at;
	s->updated_at = l->updated_at;
	s->next_action_at = l->next_action_at;
	s->status_changed_at = l->has_status_changed_at ? l->status_changed_at : l->created_at;
	s->standby_until = l->standby_until > 0 ? l->standby_until : 0;
	s->archived = l->archived ? 1 : 0;
	if (l->value && l->value->has_amount_minor && l->value->currency) {
		s->has_value = 1;
		s->value_amount = l->value->amount_minor;
		memcpy(s->currency, l->value->currency, strnlen(l->value->currency, 3));
	}
}

/* Layout: ten 8-byte fields in struct order, then the currency (3 bytes),
 * a flags byte (bit 0: has a value, bit 1: archived) and, from schema 9,
 * standby_until (8 bytes); the rest is zero. Summaries written before
 * schema 9 have zeros there, which read as neither. */
void lead_summary_encode(const lead_summary *s, uint8_t out[LEAD_SUMMARY_SIZE])
{
	const uint64_t f[10] = {s->version,
				s->owner_id,
				s->team_id,
				s->status_id,
				s->client_id,
				(uint64_t)s->created_at,
				(uint64_t)s->updated_at,
				(uint64_t)s->next_action_at,
				(uint64_t)s->status_changed_at,
				(uint64_t)s->value_amount};
	memset(out, 0, LEAD_SUMMARY_SIZE);
	for (size_t i = 0; i < 10; i++)
		store_key_u64(out + 8 * i, f[i]);
	memcpy(out + 80, s->currency, 3);
	out[83] = (uint8_t)((s->has_value ? 1 : 0) | (s->archived ? 2 : 0));
	store_key_u64(out + 84, (uint64_t)s->standby_until);
}

int lead_summary_decode(const void *data, size_t len, lead_summary *s)
{
	const uint8_t *p = data;
	if (len != LEAD_SUMMARY_SIZE || (p[83] & ~3u))
		return -1;
	s->id = 0;
	uint64_t f[10];
	for (size_t i = 0; i < 10; i++)
		f[i] = store_key_get_u64(p + 8 * i);
	s->version = f[0];
	s->owner_id = f[1];
	s->team_id = f[2];
	s->status_id = f[3];
	s->client_id = f[4];
	s->created_at = (int64_t)f[5];
	s->updated_at = (int64_t)f[6];
	s->next_action_at = (int64_t)f[7];
	s->status_changed_at = (int64_t)f[8];
	s->value_amount = (int64_t)f[9];
	memcpy(s->currency, p + 80, 3);
	s->currency[3] = 0;
	s->has_value = p[83] & 1;
	s->archived = (p[83] >> 1) & 1;
	s->standby_until = (int64_t)store_key_get_u64(p + 84);
	return 0;
}

int lead_summary_load(store_txn *t, uint64_t id, lead_summary *out)
{
	uint8_t key[8];
	MDB_val v;
	store_key_u64(key, id);
	int rc = store_get(t, DB_LEAD_SUMMARY, key, 8, &v);
	if (rc)
		return rc;
	if (lead_summary_decode(v.mv_data, v.mv_size, out))
		return MDB_CORRUPTED;
	out->id = id;
	return 0;
}
