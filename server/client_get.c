/* client_get: a folder, and the number, statuses and value totals of the
 * leads in it the caller may see (the visibility rule lead_list uses,
 * sq_visible, on each lead's summary: no lead is decoded). A folder may
 * hold any number of leads, so the count runs in slices of
 * CLIENT_GET_SLICE leads, yielding the loop between them as lead_list
 * does; each slice reads in a fresh transaction, so the totals of a folder
 * that changes meanwhile mix moments (each lead is counted once). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "client_folder.h"
#include "client_handlers.h"
#include "ld_error.h"
#include "record_handlers.h"
#include "search_query.h"
#include "status.h"

#define CLIENT_GET_SLICE 4096
#define CLIENT_TOTAL_STATUSES 256
#define CLIENT_TOTAL_CURRENCIES 16

typedef struct {
	uint64_t status_id;
	uint64_t count;
	size_t n_money;
	char currency[CLIENT_TOTAL_CURRENCIES][4];
	int64_t amount[CLIENT_TOTAL_CURRENCIES];
} status_total;

/* What a count that yields keeps between its slices. */
typedef struct {
	uint64_t folder;
	uint64_t after; /* the last lead counted (ids ascend in the index) */
	sq_filter f;    /* the caller's visibility when the count began */
	uint64_t leads;
	size_t n;
	status_total tot[CLIENT_TOTAL_STATUSES];
} get_state;

static int add_value(request_ctx *rc, status_total *st, const lead_summary *s)
{
	size_t i = 0;
	while (i < st->n_money && strcmp(st->currency[i], s->currency) != 0)
		i++;
	if (i == st->n_money) {
		if (i == CLIENT_TOTAL_CURRENCIES)
			return dispatch_fail(rc, LD_OUT_OF_RANGE,
					     "the folder's leads hold values in more than %d "
					     "currencies in one status; list them with 'lead ls'",
					     CLIENT_TOTAL_CURRENCIES);
		memcpy(st->currency[i], s->currency, 4);
		st->amount[i] = 0;
		st->n_money++;
	}
	if (__builtin_add_overflow(st->amount[i], s->value_amount, &st->amount[i]))
		return dispatch_fail(rc, LD_OUT_OF_RANGE,
				     "the folder's value total in %s is too large to send; list "
				     "its leads with 'lead ls'",
				     s->currency);
	return LD_OK;
}

/* Did the caller's rights change since the count began? */
static int same_sight(const sq_filter *a, const sq_filter *b)
{
	return a->vis_all == b->vis_all && a->role == b->role && a->self == b->self &&
	       a->n_teams == b->n_teams && a->rep_pool == b->rep_pool &&
	       memcmp(a->teams, b->teams, a->n_teams * sizeof(a->teams[0])) == 0;
}

/* Count one slice of the folder's leads; *done when none is left. */
static int count_slice(request_ctx *rc, store_txn *t, get_state *st, int *done)
{
	MDB_cursor *cur;
	*done = 0;
	if ((t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_IDX_CLIENT], &cur)))
		return dispatch_store_error(rc, t->ret);
	uint8_t key[8], from[8];
	store_key_u64(key, st->folder);
	store_key_u64(from, st->after + 1);
	MDB_val k = {8, key}, v = {8, from};
	int rc_ = st->after == UINT64_MAX ? MDB_NOTFOUND
					  : mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH_RANGE);
	int code = LD_OK;
	size_t seen = 0;
	for (; rc_ == 0 && !code; rc_ = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
		if (seen++ == CLIENT_GET_SLICE)
			break; /* the rest in the next slice */
		lead_summary s;
		if (v.mv_size != 8 ||
		    (rc_ = lead_summary_load(t, store_key_get_u64(v.mv_data), &s)) != 0) {
			rc_ = rc_ && rc_ != MDB_NOTFOUND ? rc_ : MDB_CORRUPTED;
			break;
		}
		st->after = s.id;
		/* Archived leads are out of live counts (lead_archive), as they
		 * are out of the folder's list. */
		if (!sq_visible(&st->f, &s) || s.archived)
			continue;
		size_t i = 0;
		while (i < st->n && st->tot[i].status_id != s.status_id)
			i++;
		if (i == st->n) {
			if (st->n == CLIENT_TOTAL_STATUSES)
				continue; /* more statuses than leadd makes: not counted */
			memset(&st->tot[i], 0, sizeof(st->tot[i]));
			st->tot[st->n++].status_id = s.status_id;
		}
		st->tot[i].count++;
		st->leads++;
		if (s.has_value)
			code = add_value(rc, &st->tot[i], &s);
	}
	mdb_cursor_close(cur);
	if (code)
		return code;
	if (rc_ == MDB_NOTFOUND)
		*done = 1;
	else if (rc_)
		return dispatch_store_error(rc, rc_);
	return LD_OK;
}

/* Totals in status order (by position; a status gone since, last). */
typedef struct {
	status_total *tot;
	Leadd__Status *status;
} ordered_total;

static int total_cmp(const void *a, const void *b)
{
	const ordered_total *x = a, *y = b;
	uint64_t px = x->status ? x->status->position : UINT32_MAX + (uint64_t)1;
	uint64_t py = y->status ? y->status->position : UINT32_MAX + (uint64_t)1;
	if (px != py)
		return px < py ? -1 : 1;
	return x->tot->status_id < y->tot->status_id ? -1 : x->tot->status_id > y->tot->status_id;
}

static int reply(request_ctx *rc, store_txn *t, const Leadd__Store__ClientRecord *rec,
		 get_state *st)
{
	Leadd__ClientReply *r;
	int code = client_reply(rc, rec, &r);
	if (code)
		return code;
	ordered_total *ord = ld_arena_alloc(&rc->arena, (st->n + 1) * sizeof(*ord));
	r->totals = ld_arena_alloc(&rc->arena, (st->n + 1) * sizeof(*r->totals));
	if (!ord || !r->totals)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	for (size_t i = 0; i < st->n; i++) {
		ord[i].tot = &st->tot[i];
		int err = status_load(t, st->tot[i].status_id, &rc->arena, &ord[i].status);
		if (err == MDB_NOTFOUND)
			ord[i].status = NULL; /* a status gone since: shown by id */
		else if (err)
			return dispatch_store_error(rc, err);
	}
	qsort(ord, st->n, sizeof(*ord), total_cmp);
	for (size_t i = 0; i < st->n; i++) {
		const status_total *tot = ord[i].tot;
		Leadd__ClientStatusTotal *x = ld_arena_alloc(&rc->arena, sizeof(*x));
		Leadd__Money **vals = ld_arena_alloc(&rc->arena,
						     (tot->n_money + 1) * sizeof(*vals));
		if (!x || !vals)
			return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
		leadd__client_status_total__init(x);
		x->has_status_id = x->has_count = 1;
		x->status_id = tot->status_id;
		x->name = ord[i].status ? ord[i].status->name : NULL;
		x->count = tot->count;
		x->value = vals;
		for (size_t m = 0; m < tot->n_money; m++) {
			Leadd__Money *mv = ld_arena_alloc(&rc->arena, sizeof(*mv));
			char *cur = ld_arena_strdup(&rc->arena, tot->currency[m]);
			if (!mv || !cur)
				return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
			leadd__money__init(mv);
			mv->has_amount_minor = 1;
			mv->amount_minor = tot->amount[m];
			mv->currency = cur;
			vals[x->n_value++] = mv;
		}
		r->totals[r->n_totals++] = x;
	}
	r->has_leads = 1;
	r->leads = st->leads;
	return LD_OK;
}

int client_get(request_ctx *rc, store_txn *t)
{
	const Leadd__ClientGetRequest *q = rc->req->client_get;
	get_state *st = rc->read_state;
	Leadd__Store__ClientRecord *rec;
	sq_filter now;
	int code, done;
	rc->read_again = 0;
	if (!st) {
		if ((code = client_ref_find(rc, t, q->client, "to show", &rc->arena, &rec)))
			return code;
		if (!(st = malloc(sizeof(*st))))
			return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
		st->folder = rec->id;
		st->after = 0;
		st->leads = 0;
		st->n = 0;
		rc->read_state = st;
		rc->read_state_free = free;
		if ((code = search_filter_resolve(rc, t, NULL, &st->f)))
			return code;
	} else {
		/* A later slice: the same folder, seen with the same rights. */
		int err = client_load(t, st->folder, &rc->arena, &rec);
		if (err == MDB_NOTFOUND)
			return dispatch_fail(rc, LD_ABORTED,
					     "the client folder was merged into another while it "
					     "was being read; read it again");
		if (err)
			return dispatch_store_error(rc, err);
		if ((code = search_filter_resolve(rc, t, NULL, &now)))
			return code;
		if (!same_sight(&now, &st->f))
			return dispatch_fail(
				rc, LD_ABORTED,
				"your role or teams changed while this folder was being "
				"read; read it again");
	}
	if ((code = count_slice(rc, t, st, &done)))
		return code;
	if (!done) {
		rc->read_again = 1;
		return LD_OK;
	}
	return reply(rc, t, rec, st);
}
