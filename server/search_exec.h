/* The search engine (search_exec.c): plans a listing over the indexes and
 * runs it in bounded steps. */
#ifndef LEADD_SEARCH_EXEC_H
#define LEADD_SEARCH_EXEC_H

#include "search_query.h"

/* One index key a term reads. */
typedef struct {
	store_db db;
	size_t klen;
	uint8_t key[SQ_KEY_MAX];
} sq_source;

/* A term: the union of its keys' id lists. */
typedef struct {
	sq_source src[SQ_MAX_SOURCES];
	size_t n_src;
	int too_wide;    /* more keys than SQ_MAX_SOURCES: never drives */
	int probe;       /* the summary cannot answer it: checked by seeks */
	int prefix_term; /* a query word: keys are every word it prefixes */
	char prefix[SEARCH_KEY_MAX + 1];
	size_t plen;
	uint64_t estimate; /* ids at most (sum of the keys' counts) */
	unsigned covers;   /* SQ_COVER_*: summary conditions its ids all meet */
} sq_term;

/* Conditions of the summary check (sq_sum_match) a term's ids meet by
 * construction: when the driver meets all the filter has, a walk of its ids
 * need not read the summaries at all. */
enum {
	SQ_COVER_STATUS = 1,
	SQ_COVER_OWNER = 2,
	SQ_COVER_TEAM = 4,
	SQ_COVER_POOL = 8,
	SQ_COVER_CLIENT = 16,
	SQ_COVER_VISIBLE = 32,
	SQ_COVER_OTHER = 64, /* value, dates, next action: only the summary */
	/* Stand-by and archived (issue 12): no driver's ids cover it, and every
	 * filter asks it (absent: neither). For the default, an ascending walk
	 * leaves out the ids of DB_IDX_HIDDEN without reading summaries. */
	SQ_COVER_STATE = 128,
};

#define SQ_MAX_TERMS (8 + LIMIT_TAGS + SQ_MAX_WORDS)

typedef struct {
	sq_term terms[SQ_MAX_TERMS];
	size_t n_terms;
	int driver;        /* the smallest term, or -1: every lead */
	uint64_t estimate; /* the driver's */
	uint64_t units;    /* work planning took */
	/* The driver's ids meet every summary condition of the filter. */
	int summary_implied;
	/* ... but the state (neither stand-by nor archived): an ascending
	 * walk checks that against DB_IDX_HIDDEN, moving along with it. */
	int implied_but_state;
} sq_plan;

/* Build the plan of filter f in transaction t. 0 or an LMDB error. */
int sq_plan_build(store_txn *t, const sq_filter *f, sq_plan *p);

/* A term's ids merged in order (term NULL: every lead), from after `after`
 * when started. */
typedef struct {
	const sq_term *term;
	int desc;
	size_t n;
	MDB_cursor *c[SQ_MAX_SOURCES];
	uint64_t cur[SQ_MAX_SOURCES];
	int live[SQ_MAX_SOURCES];
	/* Ascending, a key's ids are read a page at a time (MDB_GET_MULTIPLE,
	 * MDB_NEXT_MULTIPLE): page[i] holds page_n[i] big-endian ids, the
	 * current one at page_i[i]. page_n[i] 0: one at a time. */
	const uint8_t *page[SQ_MAX_SOURCES];
	size_t page_n[SQ_MAX_SOURCES], page_i[SQ_MAX_SOURCES];
} sq_ids;

int sq_ids_open(sq_ids *it, store_txn *t, const sq_term *term, int desc, int started,
		uint64_t after);
/* 0 with *id, MDB_NOTFOUND at the end, or an LMDB error. */
int sq_ids_next(sq_ids *it, uint64_t *id);
void sq_ids_close(sq_ids *it);

/* A lead changed since R: where it stood at R. */
typedef struct {
	uint64_t id;
	int created_after; /* created after R */
	sq_pos pos;
} sq_old;
typedef struct sq_oldmap sq_oldmap;

/* The title of a packed leadd.Lead, without decoding it. 0 or -1. */
int sq_raw_title(const uint8_t *p, size_t n, const char **title, size_t *len);

/* What the engine hands to its caller for each matching lead. Returns
 * SQ_TAKEN, or SQ_NOROOM (the page has no room for this lead: stop here,
 * it starts the next page). */
enum { SQ_TAKEN = 0, SQ_NOROOM = 1 };
typedef int (*sq_emit_fn)(void *arg, store_txn *t, uint64_t id);

/* How a step ended (or an LMDB error, or SQ_ERR_CHANGED). */
enum { SQ_DONE = 1, SQ_FULL = 2, SQ_YIELD = 3 };
#define SQ_ERR_CHANGED (-1000) /* too many changes since paging began */

typedef struct {
	/* Set by the caller. */
	const sq_filter *f;
	Leadd__LeadSort sort;
	int desc;
	uint64_t rev;    /* R: the store's revision when paging began */
	uint64_t max_id; /* the last lead id at R (sorted listings skip newer ones) */
	sq_pos pos;      /* everything up to here is examined */
	uint32_t limit;  /* leads a page holds */
	sq_emit_fn emit;
	void *emit_arg;
	/* Slice budget: a step stops (SQ_YIELD) after this much time, or,
	 * when unit_cap is set (tests), after this many ids examined. */
	uint64_t budget_ns;
	uint64_t unit_cap;
	/* Kept by the engine across steps. */
	uint32_t taken;
	int full;             /* the page is full: only looking for one more match */
	sq_pos cursor_pos;    /* when the step ends SQ_FULL: where the next page starts */
	uint64_t units;       /* work done in the current step */
	uint64_t total_units; /* and in all of them */
	struct timespec started;
	sq_oldmap *old;       /* keys as they were at R of leads changed since */
	uint64_t log_scanned; /* the changelog is read up to this revision */
	uint64_t units_at_check;
	int driver; /* the chosen id list (-1: every lead), for tests */
	/* The term whose id list the current walk reads (-1: none, as when
	 * the sort index is walked): matches() need not check it again. */
	int walked;
	/* Terms an ascending walk checks with iterators that move along with
	 * it (run_ids), so matches() skips them. */
#define SQ_WALK_PROBES 4
	int iterated[SQ_WALK_PROBES];
	size_t n_iterated;
	int in_memory; /* sorted in memory (few candidates) */
	sq_pos *mem;   /* ... the candidates collected so far */
	size_t mem_n, mem_cap;
	uint64_t mem_after; /* collected up to this id */
	/* Last, and large (the key arrays of every term): callers clear the
	 * fields above it only; sq_plan_build needs no cleared memory. */
	sq_plan plan; /* rebuilt each step, in its transaction */
} sq_exec;

/* Run the listing from x->pos until the page is full and one more lead
 * is found to match (SQ_FULL), the list ends (SQ_DONE) or the slice is
 * used up (SQ_YIELD), in transaction t. Returns SQ_DONE, SQ_FULL,
 * SQ_YIELD, SQ_ERR_CHANGED, or an LMDB error. */
int sq_exec_step(sq_exec *x, store_txn *t);
void sq_exec_free(sq_exec *x);

#endif
