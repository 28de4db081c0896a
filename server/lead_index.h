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
#define LEAD_INDEX_KEYS_MAX (LIMIT_CONTACTS + LIMIT_TAGS)

typedef struct {
	uint8_t data[LEAD_INDEX_KEY_MAX];
	size_t len;
} lead_index_key;

typedef struct {
	lead_index_key keys[LEAD_INDEX_KEYS_MAX];
	size_t n;
} lead_index_keyset;

extern const store_db lead_index_dbs[];
extern const size_t lead_index_count;

/* The keys `lead` has in index `db`, de-duplicated. */
void lead_index_keys(const Leadd__Lead *lead, store_db db, lead_index_keyset *out);
int lead_index_keyset_has(const lead_index_keyset *s, const void *key, size_t len);

/* Counter key for (owner, status). */
void lead_counter_key(uint8_t out[16], uint64_t owner, uint64_t status);

#endif
