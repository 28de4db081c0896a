/* The secondary index keys of a lead. The write core uses them to keep the
 * indexes in step; verify uses the same function to check them, so the two
 * can never disagree about what should be indexed. */
#ifndef LEADD_LEAD_INDEX_H
#define LEADD_LEAD_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "leadd.pb-c.h"
#include "request_limits.h"
#include "store.h"

#define LEAD_INDEX_KEY_MAX 256
/* Keys of one lead in one index. Only the word index comes near it: a lead
 * has its first LEAD_INDEX_KEYS_MAX distinct words indexed, which is more
 * than a title, a client name and 50 contacts normally hold. */
#define LEAD_INDEX_KEYS_MAX 512
/* Sort keys of the title index are cut to this many bytes. */
#define LEAD_TITLE_KEY_MAX 64

typedef struct {
	uint8_t data[LEAD_INDEX_KEY_MAX];
	size_t len;
} lead_index_key;

typedef struct {
	lead_index_key keys[LEAD_INDEX_KEYS_MAX];
	size_t n;
} lead_index_keyset;

/* At most this many indexes (lead_index_count is their number). */
#define LEAD_INDEX_DBS_MAX 32
extern const store_db lead_index_dbs[];
extern const size_t lead_index_count;

/* The schema version that brought index `db` (and, for DB_LEAD_SUMMARY,
 * the summaries): the write core keeps it only from then on. */
#define LEAD_SEARCH_SCHEMA 6
/* The schema that brought stand-by, archive and their summary fields. */
#define LEAD_LIFECYCLE_SCHEMA 9
uint64_t lead_index_since(store_db db);

/* The keys `lead` has in index `db`, de-duplicated. */
void lead_index_keys(const Leadd__Lead *lead, store_db db, lead_index_keyset *out);
int lead_index_keyset_has(const lead_index_keyset *s, const void *key, size_t len);

/* The fixed-size summary of a lead (DB_LEAD_SUMMARY), kept by the write
 * core beside the record so a search can check ranges and visibility
 * without decoding the lead. Stored big-endian, never cast. */
#define LEAD_SUMMARY_SIZE 96
typedef struct {
	uint64_t id; /* the lead's (its key: not part of the stored bytes) */
	uint64_t version, owner_id, team_id, status_id, client_id;
	int64_t created_at, updated_at, next_action_at, status_changed_at;
	int64_t value_amount; /* minor units, when has_value */
	char currency[4];     /* NUL-terminated ISO 4217 code, when has_value */
	int has_value;
	int archived;
	int64_t standby_until; /* unix ms, 0: not on stand-by */
} lead_summary;

void lead_summary_of(const Leadd__Lead *lead, lead_summary *out);
void lead_summary_encode(const lead_summary *s, uint8_t out[LEAD_SUMMARY_SIZE]);
/* 0, or -1 when the bytes are not a summary. */
int lead_summary_decode(const void *data, size_t len, lead_summary *out);
/* Read lead `id`'s summary: 0, MDB_NOTFOUND, or an error (MDB_CORRUPTED
 * when it does not decode). */
int lead_summary_load(store_txn *t, uint64_t id, lead_summary *out);

/* The 11-byte value index key: currency, then the amount as an unsigned
 * big-endian number that sorts like the signed amount. */
#define LEAD_VALUE_KEY_SIZE 11
void lead_value_key(uint8_t out[LEAD_VALUE_KEY_SIZE], const char *currency, int64_t amount);

#endif
