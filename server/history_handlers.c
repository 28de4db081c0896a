/* lead_history: a page of what happened to one lead, read from the history
 * database (key lead id|revision; each entry holds the whole lead after its
 * change, written by the write core). An item's changes are the difference
 * from the entry before it (history_diff.c).
 *
 * Memory per page is bounded: each item decodes two leads into scratch
 * arenas that are reset before the next item, never the whole history; the
 * page stops at `limit` items or once its changes reach HISTORY_PAGE_BYTES,
 * so a page of 1000 entries with large descriptions still fits a frame.
 * A page is read in slices that yield the loop (lead_history below), each
 * checking first that the caller may still see the lead. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activity_core.h"
#include "history_diff.h"
#include "ld_error.h"
#include "lead_handlers.h"
#include "leadd_store.pb-c.h"
#include "opp_core.h"
#include "record_handlers.h"
#include "request_limits.h"
#include "status.h"
#include "users.h"

#define HISTORY_DEFAULT 100
#define HISTORY_MAX 1000
/* The changes of one page, in bytes: well under the 1 MiB frame, since the
 * item that crosses it is still sent (one entry's changes are at most about
 * 300 KiB: a 16 KiB description both ways and 50 contacts' every field). */
#define HISTORY_PAGE_BYTES (512u << 10)
/* Escaping can make an old record's text up to six times longer ("\u202e"
 * for 3 bytes, "\x1b" for 1): an item that takes the page past this is left
 * for the next page, so the answer still fits the frame. */
#define HISTORY_PAGE_HARD (896u << 10)
/* An item's own fields (revision, time, author, kind) in the reply. */
#define ITEM_OVERHEAD 96
/* A stored lead decodes into far less; a damaged one is refused, not grown. */
#define HISTORY_SCRATCH_BYTES (16u << 20)
/* An item's activity's own fields (numbers, times, ids) in the reply. */
#define ACTIVITY_OVERHEAD 128
/* Names looked up once per page (users, teams, statuses). */
#define NAME_CACHE 64

typedef struct {
	history_name_kind kind;
	uint64_t id;
	const char *name; /* NULL: none */
} name_entry;

typedef struct {
	request_ctx *rc;
	store_txn *t;
	ld_arena *scratch; /* records looked up; reset per item */
	name_entry cache[NAME_CACHE];
	size_t n_cache;
} name_lookup;

static const char *lookup_name(void *arg, history_name_kind kind, uint64_t id)
{
	name_lookup *nl = arg;
	for (size_t i = 0; i < nl->n_cache; i++)
		if (nl->cache[i].kind == kind && nl->cache[i].id == id)
			return nl->cache[i].name;
	const char *name = NULL;
	if (kind == HISTORY_NAME_USER) {
		user_record *u;
		if (user_load(nl->t, id, nl->scratch, &u) == 0)
			name = u->name;
	} else if (kind == HISTORY_NAME_TEAM) {
		team_record *tm;
		if (team_load(nl->t, id, nl->scratch, &tm) == 0)
			name = tm->name;
	} else {
		Leadd__Status *s;
		if (status_load(nl->t, id, nl->scratch, &s) == 0)
			name = s->name;
	}
	/* A name that did not load is "user 7" in the answer, and a lookup
	 * that failed on LMDB leaves its error in t->ret for the handler. */
	if (name && nl->n_cache < NAME_CACHE) {
		char *kept = ld_arena_strdup(&nl->rc->arena, name);
		if (kept) {
			nl->cache[nl->n_cache++] = (name_entry){kind, id, kept};
			return kept;
		}
	}
	return name;
}

static const char *kind_word(Leadd__Store__ChangeKind kind)
{
	switch (kind) {
	case LEADD__STORE__CHANGE_KIND__CHANGE_CREATE:
		return "create";
	case LEADD__STORE__CHANGE_KIND__CHANGE_STATUS:
		return "status";
	case LEADD__STORE__CHANGE_KIND__CHANGE_ASSIGN:
		return "assign";
	case LEADD__STORE__CHANGE_KIND__CHANGE_STANDBY:
		return "standby";
	case LEADD__STORE__CHANGE_KIND__CHANGE_WAKE:
		return "wake";
	case LEADD__STORE__CHANGE_KIND__CHANGE_ARCHIVE:
		return "archive";
	case LEADD__STORE__CHANGE_KIND__CHANGE_RESTORE:
		return "restore";
	case LEADD__STORE__CHANGE_KIND__CHANGE_ACTIVITY:
		return "activity";
	case LEADD__STORE__CHANGE_KIND__CHANGE_DUE:
		return "due";
	case LEADD__STORE__CHANGE_KIND__CHANGE_OPPORTUNITY:
		return "opportunity";
	default:
		return "update";
	}
}

static Leadd__Store__HistoryEntry *decode(ld_arena *a, const MDB_val *v)
{
	Leadd__Store__HistoryEntry *h = leadd__store__history_entry__unpack(&a->pb, v->mv_size,
									    v->mv_data);
	return h && h->lead ? h : NULL;
}

/* The entry of lead `id` just before revision `rev` (NULL: none, the
 * entry at rev created the lead). 0, or an LMDB error. */
static int entry_before(MDB_cursor *c, uint64_t id, uint64_t rev, ld_arena *a,
			Leadd__Store__HistoryEntry **out)
{
	uint8_t key[16];
	store_key_u64_pair(key, id, rev);
	MDB_val k = {16, key}, v;
	*out = NULL;
	int err = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	if (err == MDB_NOTFOUND)
		err = mdb_cursor_get(c, &k, &v, MDB_LAST);
	else if (err == 0)
		err = mdb_cursor_get(c, &k, &v, MDB_PREV);
	if (err == MDB_NOTFOUND)
		return 0;
	if (err)
		return err;
	if (k.mv_size != 16 || store_key_get_u64(k.mv_data) != id)
		return 0;
	*out = decode(a, &v);
	return *out ? 0 : MDB_CORRUPTED;
}

/* Position c at the first entry of the page: after the cursor (oldest
 * first) or before it (newest first). 0 with the key/value, MDB_NOTFOUND
 * when there is none, or an error. */
static int page_start(MDB_cursor *c, uint64_t id, uint64_t after, int newest_first, MDB_val *k,
		      MDB_val *v)
{
	uint8_t key[16];
	int err;
	if (!newest_first) {
		if (after == UINT64_MAX) /* nothing comes after it (and + 1 would wrap) */
			return MDB_NOTFOUND;
		store_key_u64_pair(key, id, after + 1);
		*k = (MDB_val){16, key};
		err = mdb_cursor_get(c, k, v, MDB_SET_RANGE);
	} else {
		/* The last entry below (id, after); with no cursor, below a
		 * revision no change reaches. */
		store_key_u64_pair(key, id, after ? after : UINT64_MAX);
		*k = (MDB_val){16, key};
		err = mdb_cursor_get(c, k, v, MDB_SET_RANGE);
		if (err == MDB_NOTFOUND)
			err = mdb_cursor_get(c, k, v, MDB_LAST);
		else if (err == 0)
			err = mdb_cursor_get(c, k, v, MDB_PREV);
	}
	if (err == 0 && (k->mv_size != 16 || store_key_get_u64(k->mv_data) != id))
		err = MDB_NOTFOUND;
	return err;
}

static int step(MDB_cursor *c, uint64_t id, int newest_first, MDB_val *k, MDB_val *v)
{
	int err = mdb_cursor_get(c, k, v, newest_first ? MDB_PREV : MDB_NEXT);
	if (err == 0 && (k->mv_size != 16 || store_key_get_u64(k->mv_data) != id))
		err = MDB_NOTFOUND;
	return err;
}

typedef struct {
	MDB_cursor *walk, *prev;
	ld_arena cur, before, names;
	Leadd__HistoryItem **items;
	size_t n;
} page;

static void page_close(page *p)
{
	if (p->walk)
		mdb_cursor_close(p->walk);
	if (p->prev)
		mdb_cursor_close(p->prev);
	ld_arena_free(&p->cur);
	ld_arena_free(&p->before);
	ld_arena_free(&p->names);
}

/* Issue 13: the activity an "activity" or "due" entry is about, copied
 * out of the entry's scratch memory with its text escaped (and counted in
 * the page's bytes, as the changes are), its assignee named. -1: out of
 * memory. */
static int item_activity(history_diff *d, Leadd__HistoryItem *it,
			 const Leadd__Store__HistoryEntry *h)
{
	const Leadd__Activity *src = h->activity;
	Leadd__Activity *a = ld_arena_alloc(d->arena, sizeof(*a));
	if (!a)
		return -1;
	*a = *src;
	a->base.unknown_fields = NULL;
	a->base.n_unknown_fields = 0;
	char **texts[] = {&a->title, &a->text, &a->outcome, &a->place, &a->contact};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (*texts[i] &&
		    !(*texts[i] = history_text(d, *texts[i],
					       texts[i] == &a->text || texts[i] == &a->outcome)))
			return -1;
	a->assignee = a->assignee_id ? (char *)history_name(d, HISTORY_NAME_USER, a->assignee_id)
				     : NULL;
	a->lead_title = a->client_name = NULL;
	a->has_overdue = a->overdue = 0;
	d->bytes += ACTIVITY_OVERHEAD;
	it->activity = a;
	it->activity_op = (char *)activity_op_word(h->activity_op);
	return d->failed || (a->assignee_id && !a->assignee) ? -1 : 0;
}

/* Issue 15: the opportunity an "opportunity" entry is about, copied out
 * of the entry's scratch memory with its title, item names and lost
 * reason escaped (and counted in the page's bytes). -1: out of memory. */
static int item_opportunity(history_diff *d, Leadd__HistoryItem *it,
			    const Leadd__Store__HistoryEntry *h)
{
	const Leadd__Opportunity *src = h->opportunity;
	Leadd__Opportunity *o = ld_arena_alloc(d->arena, sizeof(*o));
	Leadd__OppItem **items = ld_arena_alloc(d->arena, (src->n_items + 1) * sizeof(*items));
	Leadd__Money *m = ld_arena_alloc(d->arena, sizeof(*m));
	if (!o || !items || !m)
		return -1;
	*o = *src;
	o->base.unknown_fields = NULL;
	o->base.n_unknown_fields = 0;
	if (src->amount) {
		*m = *src->amount;
		m->base.unknown_fields = NULL;
		m->base.n_unknown_fields = 0;
		if (m->currency && !(m->currency = history_text(d, m->currency, 0)))
			return -1;
		o->amount = m;
	}
	for (size_t i = 0; i < src->n_items; i++) {
		if (!(items[i] = ld_arena_alloc(d->arena, sizeof(*items[i]))))
			return -1;
		*items[i] = *src->items[i];
		items[i]->base.unknown_fields = NULL;
		items[i]->base.n_unknown_fields = 0;
		if (items[i]->name && !(items[i]->name = history_text(d, items[i]->name, 0)))
			return -1;
	}
	o->items = items;
	char **texts[] = {&o->title, &o->close_date, &o->lost_reason};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (*texts[i] && !(*texts[i] = history_text(d, *texts[i], 0)))
			return -1;
	d->bytes += ACTIVITY_OVERHEAD + src->n_items * 32;
	it->opportunity = o;
	it->opp_op = (char *)opp_op_word(h->opp_op);
	return d->failed ? -1 : 0;
}

/* One item: the entry at (k, v) against the one before it. The key says
 * which revision it is (what pages and the cursor go by), whatever the
 * record holds. */
static int page_item(request_ctx *rc, store_txn *t, page *p, uint64_t id, const MDB_val *k,
		     const MDB_val *v, history_diff *d)
{
	uint64_t rev = store_key_get_u64((const uint8_t *)k->mv_data + 8);
	ld_arena_reset(&p->cur);
	ld_arena_reset(&p->before);
	ld_arena_reset(&p->names);
	Leadd__Store__HistoryEntry *h = decode(&p->cur, v), *prev = NULL;
	if (!h)
		return p->cur.exhausted ? ENOMEM : MDB_CORRUPTED;
	int err = entry_before(p->prev, id, rev, &p->before, &prev);
	if (err)
		return p->before.exhausted ? ENOMEM : err;
	Leadd__HistoryItem *it = ld_arena_alloc(&rc->arena, sizeof(*it));
	if (!it)
		return ENOMEM;
	leadd__history_item__init(it);
	it->has_revision = it->has_at = it->has_author_id = 1;
	it->revision = rev;
	it->at = h->at;
	it->author_id = h->author;
	if (h->author)
		it->author = (char *)history_name(d, HISTORY_NAME_USER, h->author);
	it->kind = (char *)kind_word(h->kind);
	if (history_diff_leads(d, prev ? prev->lead : NULL, h->lead, &it->changes, &it->n_changes) <
	    0)
		return ENOMEM;
	if (h->activity && item_activity(d, it, h) < 0)
		return ENOMEM;
	if (h->opportunity && item_opportunity(d, it, h) < 0)
		return ENOMEM;
	p->items[p->n++] = it;
	return t->ret;
}

/* What a page keeps between its slices (rc->read_state): the items so far
 * (in rc->arena), where the walk is, and the names looked up. */
typedef struct {
	int started;
	uint64_t pos; /* the revision of the last entry read */
	Leadd__HistoryItem **items;
	size_t n, bytes;
	name_lookup names;
} history_walk;

/* Is the lead still one the caller may see? Checked before every slice
 * (a lead moved to another team between two slices is NOT_FOUND, as it
 * would be for a new request), decoded into scratch memory. */
static int still_visible(request_ctx *rc, store_txn *t, uint64_t id, ld_arena *scratch)
{
	Leadd__Lead *lead;
	if (!id)
		return lead_load_visible(rc, t, id, &lead); /* the missing-id answer */
	int err = lead_load(t, id, scratch, &lead);
	if (err == MDB_NOTFOUND || (err == 0 && !dispatch_may_see_lead(rc, t, lead)))
		return dispatch_fail(rc, LD_NOT_FOUND, "lead %" PRIu64 " not found", id);
	if (err)
		return scratch->exhausted ? dispatch_fail(rc, LD_RESOURCE_EXHAUSTED,
							  "leadd ran out of memory reading lead "
							  "%" PRIu64,
							  id)
					  : dispatch_store_error(rc, err);
	return LD_OK;
}

static void walk_free(void *p)
{
	free(p);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A page runs in slices of about HISTORY_SLICE_NS of loop time, yielding
 * the loop between them as lead_list does: each item decodes two whole
 * leads, and a page of 1,000 small changes to a lead with 50 long contacts
 * took ~45 ms in one callback (20 pipelined, most of a second). */
#define HISTORY_SLICE_NS 1000000u

int lead_history(request_ctx *rc, store_txn *t)
{
	const Leadd__LeadHistoryRequest *q = rc->req->lead_history;
	rc->read_again = 0;
	uint32_t limit = q->has_limit && q->limit ? q->limit : HISTORY_DEFAULT;
	if (limit > HISTORY_MAX)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "a page of history holds at most %d entries, not %u",
				     HISTORY_MAX, limit);
	uint64_t id = q->has_id ? q->id : 0;
	int newest_first = q->has_newest_first && q->newest_first;
	history_walk *w = rc->read_state;
	if (!w) {
		if (!(w = calloc(1, sizeof(*w))))
			return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
		rc->read_state = w;
		rc->read_state_free = walk_free;
	}

	page p;
	memset(&p, 0, sizeof(p));
	ld_arena_init(&p.cur, HISTORY_SCRATCH_BYTES);
	ld_arena_init(&p.before, HISTORY_SCRATCH_BYTES);
	ld_arena_init(&p.names, HISTORY_SCRATCH_BYTES);
	int code = still_visible(rc, t, id, &p.cur);
	if (code) {
		page_close(&p);
		return code;
	}
	if (!w->started) {
		w->items = ld_arena_alloc(&rc->arena, limit * sizeof(*w->items));
		w->names.rc = rc;
	}
	p.items = w->items;
	p.n = w->n;
	w->names.t = t;
	w->names.scratch = &p.names;
	int err = p.items ? 0 : ENOMEM;
	if (!err)
		err = mdb_cursor_open(t->txn, t->st->dbi[DB_HISTORY], &p.walk);
	if (!err)
		err = mdb_cursor_open(t->txn, t->st->dbi[DB_HISTORY], &p.prev);
	history_diff d = {
		.arena = &rc->arena, .name = lookup_name, .name_arg = &w->names, .bytes = w->bytes};
	MDB_val k, v;
	int more = 0, yield = 0;
	uint64_t start = now_ns();
	if (!err)
		err = page_start(p.walk, id, w->started ? w->pos : (q->has_cursor ? q->cursor : 0),
				 newest_first, &k, &v);
	w->started = 1;
	while (err == 0) {
		if (p.n == limit || d.bytes >= HISTORY_PAGE_BYTES) {
			more = 1;
			break;
		}
		if (p.n > w->n && now_ns() - start > HISTORY_SLICE_NS) {
			yield = 1; /* this entry is read first next slice */
			break;
		}
		d.bytes += ITEM_OVERHEAD;
		if ((err = page_item(rc, t, &p, id, &k, &v, &d)))
			break;
		if (p.n > 1 && d.bytes > HISTORY_PAGE_HARD) {
			p.n--; /* the next page starts with it */
			more = 1;
			break;
		}
		w->pos = store_key_get_u64((const uint8_t *)k.mv_data + 8);
		err = step(p.walk, id, newest_first, &k, &v);
	}
	page_close(&p);
	w->n = p.n;
	w->bytes = d.bytes;
	if (err == ENOMEM)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED,
				     "leadd ran out of memory reading the history of lead %" PRIu64,
				     id);
	if (err && err != MDB_NOTFOUND)
		return dispatch_store_error(rc, err);
	if (t->ret)
		return dispatch_store_error(rc, t->ret);
	if (yield) {
		rc->read_again = 1;
		return LD_OK;
	}

	Leadd__LeadHistoryReply *reply = ld_arena_alloc(&rc->arena, sizeof(*reply));
	if (!reply)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__lead_history_reply__init(reply);
	reply->items = p.items;
	reply->n_items = p.n;
	if (more && p.n) {
		reply->has_cursor = 1;
		reply->cursor = p.items[p.n - 1]->revision;
	}
	rc->resp.body_case = LEADD__RESPONSE__BODY_LEAD_HISTORY;
	rc->resp.lead_history = reply;
	return LD_OK;
}
