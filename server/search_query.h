/* Lead search: filters resolved as the caller (search_filter.c), planned
 * over the indexes and run in bounded slices (search_exec.c), paged with
 * opaque cursors (search_cursor.c). lead_list (search_list.c) drives it. */
#ifndef LEADD_SEARCH_QUERY_H
#define LEADD_SEARCH_QUERY_H

#include <time.h>

#include "dispatch.h"
#include "request_limits.h"
#include "search_fold.h"
#include "search_sum.h"

/* Caps, documented in docs/protocol.md (lead_list). */
#define SQ_MAX_WORDS 16   /* words in a query */
#define SQ_MAX_SOURCES 64 /* index keys one term may union (ids merged in order) */
#define SQ_KEY_MAX 256    /* longest index key a term reads */
#define SQ_SMALL                                                                                   \
	1000                 /* a sorted listing with at most this many candidates is              \
			      * sorted in memory instead of walking the sort index */
#define SQ_CHANGES_MAX 20000 /* changes since paging began a sorted listing can absorb */

/* A filter resolved as the caller: names are ids, text is folded, and the
 * caller's visibility is one more condition. */
typedef struct {
	int empty; /* nothing can match (unknown client, a class without statuses) */
	int by_status;
	uint64_t *statuses;
	size_t n_statuses;
	int by_owner; /* mine and/or owners */
	uint64_t *owners;
	size_t n_owners;
	int by_team;
	uint64_t team;
	int pool;
	int by_client;
	uint64_t client;
	char **tags; /* folded; all must match */
	size_t n_tags;
	char **words; /* folded; each a prefix of an indexed word; all must match */
	size_t n_words;
	char *source; /* folded, or NULL */
	int by_currency;
	char currency[4];
	int has_vmin, has_vmax;
	int64_t vmin, vmax;
	int has_created_since, has_created_before, has_updated_since, has_next_before;
	int64_t created_since, created_before, updated_since, next_before;
	int no_next;
	int has_idle;
	int64_t idle_before; /* updated_at at most this */
	/* A lead's state (issue 12): with none of these asked for, a listing
	 * holds neither leads on stand-by nor archived ones. */
	int want_standby;      /* only leads on stand-by (standby or waking_before) */
	int has_waking;        /* ... whose stand-by ends before waking_before */
	int64_t waking_before; /* unix ms */
	int want_archived;     /* only archived leads, on stand-by or not */
	/* Visibility: admins see all; others their own leads, a manager the
	 * leads of their teams, a rep their team's pool when it is visible. */
	int vis_all;
	role_t role;
	uint64_t self;
	uint32_t n_teams;
	uint64_t teams[PRINCIPAL_MAX_TEAMS];
	int rep_pool; /* the rep's team's pool is visible to them */
} sq_filter;

/* Resolve f (NULL: no filter) as rc's principal would run it. LD_OK, or
 * an error code with the sentence set on rc. */
int search_filter_resolve(request_ctx *rc, store_txn *t, const Leadd__LeadFilter *f,
			  sq_filter *out);

/* Resolve and check a filter as the caller would run it (names of
 * statuses, users, teams, clients; dates; value bounds). LD_OK, or an error
 * code with the sentence set on rc. Saved searches check a filter with it
 * before storing it. */
int search_filter_check(request_ctx *rc, store_txn *t, const Leadd__LeadFilter *f);

/* The one status word names for lead_set_status: a status name, a unique
 * prefix, or a KPI class word, read as a filter's status item is. LD_OK
 * with *status_id, or an error code with the sentence set on rc (a word
 * several statuses answer to is INVALID_ARGUMENT naming them). */
int search_status_resolve_one(request_ctx *rc, store_txn *t, const char *word, uint64_t *status_id);

/* Does a summary pass the conditions a summary can answer (all but tags,
 * words and source), visibility included? */
int sq_sum_match(const sq_filter *f, const search_sum *s);
/* The stand-by and archive part of it alone. */
int sq_state_match(const sq_filter *f, const search_sum *s);
int sq_visible(const sq_filter *f, const search_sum *s);

/* A position in a listing's order: leads with a sort key first, by
 * (key, id), then those without one (no value, no next action) by id;
 * reversed within each group when descending. */
typedef struct {
	int started; /* 0: before the first lead */
	int has_key;
	uint64_t id;
	size_t klen;
	uint8_t key[SEARCH_KEY_MAX];
} sq_pos;

int sq_pos_cmp(const sq_pos *a, const sq_pos *b, int desc);

/* Cursors: "c2." and base64url of the position, R, the last id at R, and
 * a hash of the filter and sort they belong to. */
typedef struct {
	uint64_t hash;
	uint64_t rev, max_id;
	uint8_t sort, desc;
	sq_pos pos;
} sq_cursor;

#define SQ_CURSOR_MAX 160 /* longest cursor string (with its NUL) */
void sq_cursor_encode(const sq_cursor *c, char out[SQ_CURSOR_MAX]);
/* 0, or -1 if s is not a cursor this server makes. */
int sq_cursor_decode(const char *s, sq_cursor *c);
/* The hash of a listing: filter, sort and direction. */
uint64_t sq_listing_hash(const Leadd__LeadFilter *f, int sort, int desc);

#endif
