/* lead_list: a page of a filtered, sorted listing. The engine
 * (search_exec.c) finds the leads; this file resolves the request (saved
 * search, filter, cursor), copies each stored lead's packed bytes straight
 * into the reply (the stored record is the wire Lead: nothing is decoded),
 * and yields when a slice is used up so other connections get their turn. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "ld_error.h"
#include "ld_frame.h"
#include "saved_search.h"
#include "search_exec.h"
#include "users.h"

/* Room kept in a frame for the envelope around a page of leads. */
#define LIST_FRAME_BUDGET (LD_FRAME_MAX - 4096)
/* A slice of loop time one listing may take before it yields. */
#define LIST_SLICE_NS 1000000u

typedef struct {
	sq_filter f;
	uint64_t hash;
	uint8_t *page; /* LeadListReply.leads fields, packed */
	size_t len, cap;
	sq_exec x; /* last: it ends with the large plan */
} list_state;

static void list_state_free(void *p)
{
	list_state *st = p;
	if (!st)
		return;
	sq_exec_free(&st->x);
	free(st->page);
	free(st);
}

static int reserve(list_state *st, size_t more)
{
	if (st->len + more <= st->cap)
		return 0;
	size_t nc = st->cap ? st->cap : 4096;
	while (nc < st->len + more)
		nc *= 2;
	uint8_t *p = realloc(st->page, nc);
	if (!p)
		return -1;
	st->page = p;
	st->cap = nc;
	return 0;
}

/* Copy lead id's stored bytes into the page as field 1 of the reply. */
static int emit_lead(void *arg, store_txn *t, uint64_t id)
{
	list_state *st = arg;
	uint8_t k[8];
	store_key_u64(k, id);
	MDB_val v;
	int err = store_get(t, DB_LEADS, k, 8, &v);
	if (err) {
		/* A summary without its lead: never silently skipped. The
		 * step stops; lead_list answers with t->ret. */
		t->ret = err == MDB_NOTFOUND ? MDB_CORRUPTED : err;
		return SQ_NOROOM;
	}
	size_t need = 1 + 10 + v.mv_size;
	if ((st->x.taken > 0 && st->len + need > LIST_FRAME_BUDGET) || reserve(st, need))
		return SQ_NOROOM;
	st->page[st->len++] = 0x0a; /* field 1, length-delimited */
	st->len += ld_varint_put(st->page + st->len, v.mv_size);
	memcpy(st->page + st->len, v.mv_data, v.mv_size);
	st->len += v.mv_size;
	return SQ_TAKEN;
}

/* The saved search, filter and sort the request runs. */
static int what_to_run(request_ctx *rc, store_txn *t, const Leadd__LeadFilter **f, int *sort,
		       int *desc)
{
	const Leadd__LeadListRequest *q = rc->req->lead_list;
	*f = q->filter;
	*sort = q->has_sort ? (int)q->sort : 0;
	*desc = q->has_desc && q->desc;
	if (!q->saved_search)
		return LD_OK;
	if (q->filter || q->has_sort)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "run a saved search as it is saved, without other filters or "
				     "a sort; edit the search to change them");
	Leadd__SavedSearch *s;
	int code = saved_search_find(rc, t, q->saved_search, &s);
	if (code)
		return code;
	*f = s->filter;
	*sort = s->has_sort ? (int)s->sort : 0;
	*desc = *desc || (s->has_desc && s->desc);
	return LD_OK;
}

static int start(request_ctx *rc, store_txn *t, list_state **out)
{
	const Leadd__LeadListRequest *q = rc->req->lead_list;
	uint32_t limit = q->has_limit && q->limit ? q->limit : LIST_DEFAULT;
	if (limit > LIST_MAX)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "a page holds at most %d leads, not %u", LIST_MAX, limit);
	const Leadd__LeadFilter *f;
	int sort, desc;
	int code = what_to_run(rc, t, &f, &sort, &desc);
	if (code)
		return code;
	if (sort < LEADD__LEAD_SORT__SORT_ID || sort > LEADD__LEAD_SORT__SORT_TITLE)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "sort by id, created, updated, value, next or title");
	/* The plan's key arrays (over a megabyte) need no clearing: clearing
	 * them would cost more than a whole page of a small listing. */
	list_state *st = malloc(sizeof(*st));
	if (!st)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	memset(st, 0, offsetof(list_state, x) + offsetof(sq_exec, plan));
	rc->read_state = st;
	rc->read_state_free = list_state_free;
	if ((code = search_filter_resolve(rc, t, f, &st->f)))
		return code;
	st->hash = sq_listing_hash(f, sort, desc);
	sq_exec *x = &st->x;
	x->f = &st->f;
	x->sort = (Leadd__LeadSort)sort;
	x->desc = desc;
	x->limit = limit;
	x->emit = emit_lead;
	x->emit_arg = st;
	x->budget_ns = LIST_SLICE_NS;
	if (q->cursor && q->cursor[0]) {
		sq_cursor c;
		if (sq_cursor_decode(q->cursor, &c) < 0)
			return dispatch_fail(rc, LD_INVALID_ARGUMENT,
					     "the cursor is not one this server gave out; start "
					     "again from the first page");
		if (c.hash != st->hash || c.sort != sort || c.desc != desc)
			return dispatch_fail(rc, LD_INVALID_ARGUMENT,
					     "this cursor belongs to another listing; start again "
					     "from the first page");
		x->rev = c.rev;
		x->max_id = c.max_id;
		x->pos = c.pos;
	} else {
		x->rev = store_meta_get(t, META_LAST_REVISION);
		x->max_id = store_meta_get(t, META_NEXT_LEAD_ID);
		if (t->ret)
			return dispatch_store_error(rc, t->ret);
	}
	*out = st;
	return LD_OK;
}

/* Pack LeadListReply: the leads as copied, the cursor, the revision. */
static int finish(request_ctx *rc, list_state *st, int more)
{
	char cur[SQ_CURSOR_MAX];
	size_t clen = 0;
	if (more && st->x.taken) {
		sq_cursor c = {.hash = st->hash,
			       .rev = st->x.rev,
			       .max_id = st->x.max_id,
			       .sort = (uint8_t)st->x.sort,
			       .desc = (uint8_t)st->x.desc,
			       .pos = st->x.cursor_pos};
		sq_cursor_encode(&c, cur);
		clen = strlen(cur);
	}
	if (reserve(st, 2 + clen + 1 + 10))
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	if (clen) {
		st->page[st->len++] = 0x12; /* field 2: cursor */
		st->len += ld_varint_put(st->page + st->len, clen);
		memcpy(st->page + st->len, cur, clen);
		st->len += clen;
	}
	st->page[st->len++] = 0x18; /* field 3: revision */
	st->len += ld_varint_put(st->page + st->len, st->x.rev);
	rc->raw_body = st->page;
	rc->raw_body_len = st->len;
	rc->raw_body_field = LEADD__RESPONSE__BODY_LEAD_LIST;
	st->page = NULL;
	st->len = st->cap = 0;
	return LD_OK;
}

/* A rep's listing of their team's pool resumes only while the pool is
 * still visible to reps: hiding it is a change of rights the principal does
 * not carry (net.c checks the role and teams before each slice). */
static int pool_rights_current(request_ctx *rc, store_txn *t, const sq_filter *f)
{
	if (f->role != ROLE_REP || !f->n_teams)
		return LD_OK;
	ld_arena a;
	ld_arena_init(&a, 64u << 10);
	team_record *tm;
	int err = team_load(t, f->teams[0], &a, &tm);
	int visible = err == 0 && tm->pool_visible;
	ld_arena_free(&a);
	if (err && err != MDB_NOTFOUND)
		return dispatch_store_error(rc, err);
	if (visible != f->rep_pool)
		return dispatch_fail(rc, LD_ABORTED,
				     "your team's pool was shown or hidden while this list was "
				     "being read; run it again");
	return LD_OK;
}

int lead_list(request_ctx *rc, store_txn *t)
{
	rc->read_again = 0;
	list_state *st = rc->read_state;
	int code;
	if (st && (code = pool_rights_current(rc, t, &st->f)))
		return code;
	if (!st && (code = start(rc, t, &st)))
		return code;
	int r = sq_exec_step(&st->x, t);
	if (t->ret)
		return dispatch_store_error(rc, t->ret);
	switch (r) {
	case SQ_YIELD:
		rc->read_again = 1;
		return LD_OK;
	case SQ_DONE:
	case SQ_FULL:
		return finish(rc, st, r == SQ_FULL);
	case SQ_ERR_CHANGED:
		return dispatch_fail(rc, LD_FAILED_PRECONDITION,
				     "the list changed too much while paging; start again "
				     "from the first page");
	case ENOMEM:
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	default:
		return dispatch_store_error(rc, r);
	}
}
