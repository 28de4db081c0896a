/* A lead's summary (the fixed-size record of DB_LEAD_SUMMARY) as the
 * search engine reads it: filters, visibility and sort keys are checked on
 * it, never on the decoded lead. */
#ifndef LEADD_SEARCH_SUM_H
#define LEADD_SEARCH_SUM_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

typedef struct {
	uint64_t id;
	uint64_t version;
	uint64_t owner_id, team_id, status_id, client_id;
	int64_t created_at, updated_at, next_action_at, status_changed_at;
	int64_t value_amount;
	char currency[4];
	int has_value;
} search_sum;

#define SEARCH_SUM_SIZE 96

/* Decode a stored summary. 0, or -1 when the record has the wrong size. */
int search_sum_decode(const void *data, size_t len, uint64_t id, search_sum *out);
/* The encoding search_sum_decode reads (the write core's, and tests'). */
void search_sum_encode(const search_sum *s, uint8_t out[SEARCH_SUM_SIZE]);
/* Read lead `id`'s summary. 0, MDB_NOTFOUND, or an LMDB error
 * (MDB_CORRUPTED for a record that does not decode). */
int search_sum_load(store_txn *t, uint64_t id, search_sum *out);

#endif
