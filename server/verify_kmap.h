/* leadd verify's recount tables: what a recount expects, key bytes ->
 * number, in a hash table (the keys are few next to the records: teams x
 * owners x statuses, days for the rollup, currencies and months for the
 * forecast). Keys live in a bump pool so an entry is 32 bytes whatever
 * the key's length. Out of memory ends verify (exit 1). Used by
 * verify_kpi.c and verify_opps.c. */
#ifndef LEADD_VERIFY_KMAP_H
#define LEADD_VERIFY_KMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	__int128 n;
	uint8_t *key; /* NULL: a free slot */
	uint32_t len;
	int seen;
} kentry;

typedef struct {
	kentry *e;
	size_t cap, used;
	uint8_t **chunks; /* the key pool */
	size_t n_chunks, chunk_left;
	uint8_t *chunk_at;
} kmap;

/* The entry of key (add: made, at 0, if new; else NULL when absent). */
kentry *kmap_find(kmap *m, const void *key, size_t len, int add);
void kmap_free(kmap *m);

/* A 128-bit number as decimal, in buf. */
const char *i128_str(__int128 v, char buf[48]);

#endif
