/* Saved searches: a user's own, and those a manager shares with a team.
 * Names are found by their folded form within a scope (the user, or the
 * team); "TEAM/NAME" names a team's search outright, so a name never needs
 * to be ambiguous. Pins are per user, by search id, in dashboard order. */
#include "saved_search.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ld_error.h"
#include "ld_frame.h"
#include "ld_norm.h"
#include "saved_search_names.h"
#include "saved_search_pins.h"
#include "saved_search_store.h"
#include "search_query.h"
#include "users.h"

static Leadd__SavedSearch *to_wire(request_ctx *rc, store_txn *t, const saved_record *s,
				   uint32_t position)
{
	Leadd__SavedSearch *w = ld_arena_alloc(&rc->arena, sizeof(*w));
	if (!w)
		return NULL;
	leadd__saved_search__init(w);
	w->name = s->name;
	w->filter = s->filter;
	w->has_sort = s->has_sort;
	w->sort = s->sort;
	w->has_desc = s->has_desc;
	w->desc = s->desc;
	if (s->team_id)
		w->team = (char *)saved_team_name(rc, t, s->team_id);
	user_record *u;
	w->owner = user_load(t, s->owner_id, &rc->arena, &u) == 0 ? u->name : "(unknown user)";
	w->has_pinned = 1;
	w->pinned = position > 0;
	w->has_pin_position = position > 0;
	w->pin_position = position;
	return w;
}

static int reply_search(request_ctx *rc, store_txn *t, const saved_record *s)
{
	saved_pins *pins;
	uint64_t *ids;
	size_t n;
	int err = saved_live_pins(rc, t, &pins, &ids, &n);
	if (err)
		return dispatch_store_error(rc, err);
	Leadd__SearchReply *r = ld_arena_alloc(&rc->arena, sizeof(*r));
	if (!r)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__search_reply__init(r);
	if (!(r->search = to_wire(rc, t, s, saved_pin_position(ids, n, s->id))))
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	rc->resp.body_case = LEADD__RESPONSE__BODY_SEARCH;
	rc->resp.search = r;
	return t->ret ? dispatch_store_error(rc, t->ret) : LD_OK;
}

/* A filter is checked as the caller would run it, so a typo fails now and
 * not every time the search runs; then the stored size is bounded. */
static int check_content(request_ctx *rc, store_txn *t, saved_record *s)
{
	Leadd__LeadFilter empty = LEADD__LEAD_FILTER__INIT;
	int code = search_filter_check(rc, t, s->filter ? s->filter : &empty);
	if (code)
		return code;
	size_t size = protobuf_c_message_get_packed_size(&s->base);
	if (size > SAVED_RECORD_MAX)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "this search takes %zu bytes and a saved search may take at "
				     "most %d: use fewer or shorter filter values",
				     size, SAVED_RECORD_MAX);
	return LD_OK;
}

static int scope_has_room(request_ctx *rc, store_txn *t, char kind, uint64_t scope)
{
	size_t n;
	int err = saved_count(t, kind, scope, SAVED_PER_SCOPE, &n);
	if (err)
		return dispatch_store_error(rc, err);
	if (n < SAVED_PER_SCOPE)
		return LD_OK;
	if (kind == SAVED_KEY_USER)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED,
				     "you have %d saved searches, the most one user may keep; "
				     "remove one first ('lead search rm')",
				     SAVED_PER_SCOPE);
	return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED,
			     "team %s has %d saved searches, the most one team may keep; remove "
			     "one first ('lead search rm')",
			     saved_team_name(rc, t, scope), SAVED_PER_SCOPE);
}

int search_save(request_ctx *rc, store_txn *t)
{
	const Leadd__SavedSearch *q = rc->req->search_save->search;
	char folded[SAVED_FOLDED_MAX + 1], kind;
	uint64_t scope;
	int code;
	if (!q)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "give the search to save: its name and filters");
	if ((code = saved_check_name(rc, q->name, folded)) ||
	    (code = saved_save_scope(rc, t, q->team, &kind, &scope)) ||
	    (code = saved_name_free(rc, t, kind, scope, folded, q->name, 0)) ||
	    (code = scope_has_room(rc, t, kind, scope)))
		return code;
	saved_record s = LEADD__STORE__SAVED_SEARCH_RECORD__INIT;
	s.name = q->name;
	s.has_owner_id = s.has_team_id = s.has_created_at = s.has_updated_at = 1;
	s.owner_id = rc->who.user_id;
	s.team_id = kind == SAVED_KEY_TEAM ? scope : 0;
	s.filter = q->filter;
	s.has_sort = q->has_sort;
	s.sort = q->sort;
	s.has_desc = q->has_desc;
	s.desc = q->desc;
	s.created_at = s.updated_at = rc->now;
	if ((code = check_content(rc, t, &s)))
		return code;
	saved_key k;
	saved_key_make(&k, kind, scope, folded);
	saved_put(t, &k, &s, 1);
	return reply_search(rc, t, &s);
}

static int saved_item_cmp(const void *a, const void *b)
{
	const Leadd__SavedSearch *x = *(Leadd__SavedSearch *const *)a;
	const Leadd__SavedSearch *y = *(Leadd__SavedSearch *const *)b;
	if (x->pinned != y->pinned)
		return x->pinned ? -1 : 1;
	if (x->pinned)
		return x->pin_position < y->pin_position ? -1 : 1;
	char fx[SAVED_FOLDED_MAX + 1], fy[SAVED_FOLDED_MAX + 1];
	if (saved_fold(x->name, fx) < 0)
		fx[0] = 0;
	if (saved_fold(y->name, fy) < 0)
		fy[0] = 0;
	int c = strcmp(fx, fy);
	if (c)
		return c;
	/* Your own before a team's of the same name, then by team. */
	return strcmp(x->team ? x->team : "", y->team ? y->team : "");
}

/* Room for the answer's framing around the searches. */
#define LIST_REPLY_BUDGET (LD_FRAME_MAX - 4096)

static int list_too_big(request_ctx *rc)
{
	return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED,
			     "the saved searches you can see take more than %u KiB, more than "
			     "one answer holds; remove some ('lead search rm')",
			     LIST_REPLY_BUDGET >> 10);
}

int search_list(request_ctx *rc, store_txn *t)
{
	saved_record **all = NULL;
	size_t n = 0, cap = 0, n_teams = 0, stored = 0;
	uint64_t *teams = NULL;
	int err = saved_scan(t, SAVED_KEY_USER, rc->who.user_id, &rc->arena, &all, &n, &cap,
			     &stored);
	if (!err)
		err = saved_visible_teams(rc, t, &teams, &n_teams);
	/* Stop reading as soon as the answer cannot fit: the loop thread
	 * reads no more than one answer's worth of searches. */
	for (size_t i = 0; !err && i < n_teams && stored <= LIST_REPLY_BUDGET; i++)
		err = saved_scan(t, SAVED_KEY_TEAM, teams[i], &rc->arena, &all, &n, &cap, &stored);
	saved_pins *pins;
	uint64_t *ids;
	size_t n_ids;
	if (!err && stored <= LIST_REPLY_BUDGET)
		err = saved_live_pins(rc, t, &pins, &ids, &n_ids);
	if (err)
		return err == ENOMEM ? dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory")
				     : dispatch_store_error(rc, err);
	if (stored > LIST_REPLY_BUDGET)
		return list_too_big(rc);
	Leadd__SearchListReply *r = ld_arena_alloc(&rc->arena, sizeof(*r));
	Leadd__SavedSearch **items = ld_arena_alloc(&rc->arena, (n + 1) * sizeof(*items));
	if (!r || !items)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__search_list_reply__init(r);
	size_t bytes = 0;
	for (size_t i = 0; i < n; i++) {
		if (!(items[i] = to_wire(rc, t, all[i],
					 saved_pin_position(ids, n_ids, all[i]->id))))
			return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
		bytes += protobuf_c_message_get_packed_size(&items[i]->base) + 8;
	}
	/* Never a silently shortened list: say what to do instead. */
	if (bytes > LIST_REPLY_BUDGET)
		return list_too_big(rc);
	qsort(items, n, sizeof(*items), saved_item_cmp);
	r->searches = items;
	r->n_searches = n;
	rc->resp.body_case = LEADD__RESPONSE__BODY_SEARCH_LIST;
	rc->resp.search_list = r;
	return t->ret ? dispatch_store_error(rc, t->ret) : LD_OK;
}

int search_edit(request_ctx *rc, store_txn *t)
{
	const Leadd__SearchEditRequest *q = rc->req->search_edit;
	found_search f;
	char folded[SAVED_FOLDED_MAX + 1];
	int code;
	if ((code = saved_resolve(rc, t, q->name, &f)) || (code = saved_may_change(rc, t, f.rec)))
		return code;
	if (!q->filter && !q->has_sort && !q->has_desc && !q->new_name)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "give what to change: filters, the sort, the order or a new "
				     "name");
	saved_record *s = f.rec;
	char kind;
	uint64_t scope;
	saved_key_parse(f.key.b, f.key.len, &kind, &scope);
	saved_key nk = f.key;
	if (q->new_name) {
		if ((code = saved_check_name(rc, q->new_name, folded)) ||
		    (code = saved_name_free(rc, t, kind, scope, folded, q->new_name, s->id)))
			return code;
		saved_key_make(&nk, kind, scope, folded);
		s->name = q->new_name;
	}
	if (q->filter)
		s->filter = q->filter;
	if (q->has_sort) {
		s->has_sort = 1;
		s->sort = q->sort;
	}
	if (q->has_desc) {
		s->has_desc = 1;
		s->desc = q->desc;
	}
	s->has_updated_at = 1;
	s->updated_at = rc->now;
	if ((code = check_content(rc, t, s)))
		return code;
	if (nk.len != f.key.len || memcmp(nk.b, f.key.b, nk.len) != 0)
		store_del(t, DB_SEARCHES, f.key.b, f.key.len, NULL, 0);
	saved_put(t, &nk, s, 0);
	return reply_search(rc, t, s);
}

int search_rm(request_ctx *rc, store_txn *t)
{
	const Leadd__SearchRemoveRequest *q = rc->req->search_rm;
	found_search f;
	int code;
	if ((code = saved_resolve(rc, t, q->name, &f)) || (code = saved_may_change(rc, t, f.rec)))
		return code;
	saved_del(t, &f.key, f.rec->id);
	int err = saved_unpin_everywhere(rc, t, f.rec->id);
	if (err)
		return err == ENOMEM ? dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory")
				     : dispatch_store_error(rc, err);
	Leadd__Empty *e = ld_arena_alloc(&rc->arena, sizeof(*e));
	if (!e)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__empty__init(e);
	rc->resp.body_case = LEADD__RESPONSE__BODY_EMPTY;
	rc->resp.empty = e;
	return t->ret ? dispatch_store_error(rc, t->ret) : LD_OK;
}

int search_pin(request_ctx *rc, store_txn *t)
{
	const Leadd__SearchPinRequest *q = rc->req->search_pin;
	found_search f;
	int code;
	if ((code = saved_resolve(rc, t, q->name, &f)) ||
	    (code = saved_pins_set(rc, t, f.rec->id, !q->has_pin || q->pin, q->has_position,
				   q->position)))
		return code;
	return reply_search(rc, t, f.rec);
}

int saved_search_find(request_ctx *rc, store_txn *t, const char *name, Leadd__SavedSearch **out)
{
	found_search f;
	*out = NULL;
	int code = saved_resolve(rc, t, name, &f);
	if (code)
		return code;
	if (!(*out = to_wire(rc, t, f.rec, 0)))
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	return LD_OK;
}
