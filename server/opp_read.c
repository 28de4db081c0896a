/* Reading opportunities (issue 15): opp_get, and opp_list.
 *
 * opp_list walks DB_IDX_OPP (team|owner of the lead -> state|close
 * day|id), only under the (team, owner) keys the caller may see
 * (opp_scope.h): a rep's walk never meets a manager's opportunities, and
 * no listing reads opportunities it does not give. Under one key and one
 * state the entries come by close day, then id; the keys' and states'
 * runs are merged into one order (close day, then id; opportunities
 * without a date last) with a heap. The cursor is the (day, id) of the
 * last one given: the next page starts after it in every run.
 *
 * An index entry that disagrees with its record or lead (damage: verify
 * names it) is passed over; the record decides. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ld_error.h"
#include "ld_frame.h"
#include "lead_handlers.h"
#include "opp_core.h"
#include "opp_handlers.h"
#include "opp_scope.h"
#include "opp_write.h"

#define OPP_LIST_DEFAULT 100
#define OPP_LIST_MAX 1000
/* Packed bytes of opportunities one page carries: the frame less room for
 * the reply's other fields (one opportunity holds at most ~25 KB). */
#define OPP_PAGE_BYTES (LD_FRAME_MAX - 4096)
/* One lead decodes into far less; a damaged one is refused, not grown. */
#define OPP_SCRATCH_BYTES (16u << 20)

static int no_such_opp(request_ctx *rc, uint64_t id)
{
	return dispatch_fail(rc, LD_NOT_FOUND,
			     "opportunity %" PRIu64 " not found; 'lead opp ls' lists those you "
			     "may see",
			     id);
}

int opp_get(request_ctx *rc, store_txn *t)
{
	uint64_t id = rc->req->opp_get->id;
	if (!id)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "say which opportunity: its id is missing");
	Leadd__Opportunity *opp;
	Leadd__Lead *lead;
	int err = opp_load(t, id, &rc->arena, &opp);
	if (err == MDB_NOTFOUND)
		return no_such_opp(rc, id);
	if (!err)
		err = lead_load(t, opp->lead_id, &rc->arena, &lead);
	/* Visible exactly when its lead is: one you may not see is not found. */
	if (err == MDB_NOTFOUND || (!err && !dispatch_may_see_lead(rc, t, lead)))
		return no_such_opp(rc, id);
	if (err)
		return dispatch_store_error(rc, err);
	return opp_reply(rc, t, opp, lead, 0, 0);
}

/* ---- the cursor: version 1, a hash of the filters, then the day and id
 * of the last opportunity given ---- */

#define CURSOR_LEN (1 + 8 + 4 + 8)

static uint64_t hash_str(uint64_t h, const char *s)
{
	for (; s && *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ULL;
	return (h ^ 0xff) * 1099511628211ULL; /* "a","" differs from "","a" */
}

static uint64_t filter_hash(const Leadd__OppListRequest *q)
{
	char n[32];
	snprintf(n, sizeof(n), "%d", q->has_state ? (int)q->state : 0);
	uint64_t h = 1469598103934665603ULL;
	h = hash_str(h, q->owner);
	h = hash_str(h, q->team);
	h = hash_str(h, n);
	return hash_str(h, q->closing_before);
}

/* ---- the runs: one per (team, owner) key and state ---- */

typedef struct {
	uint8_t key[16];
	uint8_t state;
	uint32_t day; /* the run's next entry */
	uint64_t id;
} run;

typedef struct {
	request_ctx *rc;
	store_txn *t;
	MDB_cursor *cur;
	run *runs;
	size_t n, cap;
	run **heap;
	size_t n_heap;
	uint32_t before; /* closing_before as a day; OPP_NO_DAY: none */
} walk;

static int run_add(walk *w, const uint8_t key[16], uint8_t state)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 16;
		run *r = ld_arena_alloc(&w->rc->arena, cap * sizeof(*r));
		if (!r)
			return ENOMEM;
		if (w->n)
			memcpy(r, w->runs, w->n * sizeof(*r));
		w->runs = r;
		w->cap = cap;
	}
	run *r = &w->runs[w->n++];
	memcpy(r->key, key, 16);
	r->state = state;
	return 0;
}

static int runs_of_key(walk *w, const uint8_t key[16], Leadd__OppState state)
{
	int err = 0;
	for (int s = LEADD__OPP_STATE__OPP_OPEN; s <= LEADD__OPP_STATE__OPP_LOST && !err; s++)
		if (!state || (int)state == s)
			err = run_add(w, key, (uint8_t)s);
	return err;
}

/* The runs of one scope key: the index keys under it. */
static int runs_of_scope(walk *w, const opp_scope_key *k, Leadd__OppState state)
{
	uint8_t key[16];
	if (!k->any_owner) {
		store_key_u64_pair(key, k->team, k->owner);
		return runs_of_key(w, key, state);
	}
	uint8_t prefix[17];
	size_t plen = opp_scope_prefix(k, 0, prefix);
	memset(key, 0, sizeof(key));
	memcpy(key, prefix, plen);
	MDB_val mk = {16, key}, v;
	int rc;
	for (rc = mdb_cursor_get(w->cur, &mk, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(w->cur, &mk, &v, MDB_NEXT_NODUP)) {
		if (mk.mv_size != 16)
			return MDB_CORRUPTED;
		if (memcmp(mk.mv_data, prefix, plen) != 0)
			break;
		if ((rc = runs_of_key(w, mk.mv_data, state)))
			return rc;
	}
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
}

/* Move r to its first entry at or after (day, id): *has says whether it
 * has one (0: the run is over). 0, or an LMDB error. */
static int run_seek(walk *w, run *r, uint32_t day, uint64_t id, int *has)
{
	*has = 0;
	uint8_t val[OPP_IDX_VAL];
	val[0] = r->state;
	val[1] = (uint8_t)(day >> 24);
	val[2] = (uint8_t)(day >> 16);
	val[3] = (uint8_t)(day >> 8);
	val[4] = (uint8_t)day;
	store_key_u64(val + 5, id);
	MDB_val k = {16, r->key}, v = {OPP_IDX_VAL, val};
	int rc = mdb_cursor_get(w->cur, &k, &v, MDB_GET_BOTH_RANGE);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return rc;
	if (v.mv_size != OPP_IDX_VAL)
		return MDB_CORRUPTED;
	Leadd__OppState state;
	opp_index_val_parse(v.mv_data, &state, &r->day, &r->id);
	*has = (uint8_t)state == r->state && (w->before == OPP_NO_DAY || r->day < w->before);
	return 0;
}

static int before(const run *a, const run *b)
{
	return a->day != b->day ? a->day < b->day : a->id < b->id;
}

static void heap_push(walk *w, run *r)
{
	size_t i = w->n_heap++;
	while (i && before(r, w->heap[(i - 1) / 2])) {
		w->heap[i] = w->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	w->heap[i] = r;
}

static run *heap_pop(walk *w)
{
	run *top = w->heap[0], *last = w->heap[--w->n_heap];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= w->n_heap)
			break;
		if (c + 1 < w->n_heap && before(w->heap[c + 1], w->heap[c]))
			c++;
		if (!before(w->heap[c], last))
			break;
		w->heap[i] = w->heap[c];
		i = c;
	}
	if (w->n_heap)
		w->heap[i] = last;
	return top;
}

/* ---- the page ---- */

typedef struct {
	request_ctx *rc;
	store_txn *t;
	ld_arena scratch;
	Leadd__Opportunity **opps;
	size_t n, max, bytes;
} page;

/* Add opportunity id (indexed at state, day) if its record and lead agree
 * with the entry: *got 1 added, 0 passed over, -1 the page is full (not
 * added). 0, an LMDB error or ENOMEM, or -1 with the answer set on rc. */
static int take(page *pg, uint8_t state, uint32_t day, uint64_t id, int *got)
{
	request_ctx *rc = pg->rc;
	*got = 0;
	Leadd__Opportunity *opp;
	int err = opp_load(pg->t, id, &rc->arena, &opp);
	if (err == MDB_NOTFOUND)
		return 0;
	if (err)
		return err;
	if ((uint8_t)opp->state != state || opp_close_day(opp) != day)
		return 0;
	ld_arena_reset(&pg->scratch);
	Leadd__Lead *lead;
	err = lead_load(pg->t, opp->lead_id, &pg->scratch, &lead);
	if (err == MDB_NOTFOUND)
		return 0;
	if (err)
		return err;
	if (!dispatch_may_see_lead(rc, pg->t, lead))
		return 0;
	if (opp_reply_fields(rc, pg->t, opp, lead))
		return -1;
	/* The lead lives in the scratch arena: keep its strings. */
	if ((opp->lead_title &&
	     !(opp->lead_title = ld_arena_strdup(&rc->arena, opp->lead_title))) ||
	    (opp->client_name &&
	     !(opp->client_name = ld_arena_strdup(&rc->arena, opp->client_name))))
		return ENOMEM;
	size_t sz = leadd__opportunity__get_packed_size(opp) + 8;
	if (pg->n && pg->bytes + sz > OPP_PAGE_BYTES) {
		*got = -1;
		return 0;
	}
	pg->bytes += sz;
	pg->opps[pg->n++] = opp;
	*got = 1;
	return 0;
}

static int list_check(request_ctx *rc, const Leadd__OppListRequest *q, uint32_t *before)
{
	if (q->has_limit && q->limit > OPP_LIST_MAX)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "limit %" PRIu32 " is over %d; ask for %d at most and page "
				     "with the cursor",
				     q->limit, OPP_LIST_MAX, OPP_LIST_MAX);
	if (q->has_state && (q->state < LEADD__OPP_STATE__OPP_STATE_UNSPECIFIED ||
			     q->state > LEADD__OPP_STATE__OPP_LOST))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "state %d is not one leadd knows; list open, won or lost "
				     "opportunities, or leave it out for all",
				     (int)q->state);
	*before = OPP_NO_DAY;
	if (q->closing_before && q->closing_before[0] &&
	    opp_day_parse(q->closing_before, before) != 0)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "the day to list opportunities closing before, '%s', is not a "
				     "date; give it as YYYY-MM-DD",
				     q->closing_before);
	return LD_OK;
}

/* Where the page starts: after the cursor's (day, id); *end when nothing
 * can follow it. */
static int list_cursor(request_ctx *rc, const Leadd__OppListRequest *q, uint32_t *day, uint64_t *id,
		       int *end)
{
	*day = 0;
	*id = 0;
	*end = 0;
	if (!q->has_cursor || !q->cursor.len)
		return LD_OK;
	const uint8_t *c = q->cursor.data;
	if (q->cursor.len != CURSOR_LEN || c[0] != 1)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "that cursor is not one an opportunity list gave; start again "
				     "without it");
	if (store_key_get_u64(c + 1) != filter_hash(q))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "that cursor is of a listing with other filters; start again "
				     "without it");
	*day = (uint32_t)c[9] << 24 | (uint32_t)c[10] << 16 | (uint32_t)c[11] << 8 | c[12];
	*id = store_key_get_u64(c + 13);
	/* The next page starts after it. */
	if (*id == UINT64_MAX) {
		*id = 0;
		*end = *day == OPP_NO_DAY;
		(*day)++;
	} else {
		(*id)++;
	}
	return LD_OK;
}

static int set_cursor(request_ctx *rc, const Leadd__OppListRequest *q, Leadd__OppListReply *r,
		      uint32_t day, uint64_t id)
{
	uint8_t *c = ld_arena_alloc(&rc->arena, CURSOR_LEN);
	if (!c)
		return ENOMEM;
	c[0] = 1;
	store_key_u64(c + 1, filter_hash(q));
	c[9] = (uint8_t)(day >> 24);
	c[10] = (uint8_t)(day >> 16);
	c[11] = (uint8_t)(day >> 8);
	c[12] = (uint8_t)day;
	store_key_u64(c + 13, id);
	r->has_cursor = 1;
	r->cursor.data = c;
	r->cursor.len = CURSOR_LEN;
	return 0;
}

/* Fill the page from the runs, in order. 0, or an LMDB error. */
static int fill(walk *w, page *pg, const Leadd__OppListRequest *q, Leadd__OppListReply *r)
{
	uint32_t last_day = 0;
	uint64_t last_id = 0;
	int any = 0;
	while (w->n_heap) {
		if (pg->n == pg->max)
			return set_cursor(pg->rc, q, r, last_day, last_id);
		run *x = heap_pop(w);
		int got, more = 0, err = take(pg, x->state, x->day, x->id, &got);
		if (err)
			return err;
		if (got == -1)
			return any ? set_cursor(pg->rc, q, r, last_day, last_id) : 0;
		last_day = x->day;
		last_id = x->id;
		any = 1;
		if (x->id != UINT64_MAX && (err = run_seek(w, x, x->day, x->id + 1, &more)))
			return err;
		if (more)
			heap_push(w, x);
	}
	return 0;
}

int opp_list(request_ctx *rc, store_txn *t)
{
	const Leadd__OppListRequest *q = rc->req->opp_list;
	walk w = {.rc = rc, .t = t};
	uint32_t from_day;
	uint64_t from_id;
	int end;
	int code = list_check(rc, q, &w.before);
	if (!code)
		code = list_cursor(rc, q, &from_day, &from_id, &end);
	opp_scope sc;
	if (!code)
		code = opp_scope_of(rc, t, q->owner, q->team, "opportunities", &sc);
	if (code)
		return code;
	Leadd__OppListReply *r = ld_arena_alloc(&rc->arena, sizeof(*r));
	page pg = {.rc = rc, .t = t};
	pg.max = q->has_limit && q->limit ? q->limit : OPP_LIST_DEFAULT;
	pg.opps = ld_arena_alloc(&rc->arena, pg.max * sizeof(*pg.opps));
	if (!r || !pg.opps)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__opp_list_reply__init(r);
	r->has_revision = 1;
	r->revision = store_meta_get(t, META_LAST_REVISION);
	int err = t->ret ? t->ret : mdb_cursor_open(t->txn, t->st->dbi[DB_IDX_OPP], &w.cur);
	if (err)
		return dispatch_store_error(rc, err);
	ld_arena_init(&pg.scratch, OPP_SCRATCH_BYTES);
	Leadd__OppState state = q->has_state ? q->state : 0;
	for (size_t i = 0; i < sc.n && !err; i++)
		err = runs_of_scope(&w, &sc.keys[i], state);
	if (!err && !(w.heap = ld_arena_alloc(&rc->arena, (w.n + 1) * sizeof(*w.heap))))
		err = ENOMEM;
	for (size_t i = 0; i < w.n && !err && !end; i++) {
		int more;
		err = run_seek(&w, &w.runs[i], from_day, from_id, &more);
		if (!err && more)
			heap_push(&w, &w.runs[i]);
	}
	if (!err)
		err = fill(&w, &pg, q, r);
	mdb_cursor_close(w.cur);
	ld_arena_free(&pg.scratch);
	if (err == -1)
		return rc->code;
	if (err == ENOMEM)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	if (err)
		return dispatch_store_error(rc, err);
	r->opps = pg.opps;
	r->n_opps = pg.n;
	rc->resp.body_case = LEADD__RESPONSE__BODY_OPP_LIST;
	rc->resp.opp_list = r;
	return LD_OK;
}
