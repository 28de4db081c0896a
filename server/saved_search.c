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
#include "saved_search_store.h"
#include "search_query.h"
#include "users.h"

#define LS_HINT "'lead search ls' lists the searches you can see"

/* A search found by name: its key and record. */
typedef struct {
	saved_key key;
	saved_record *rec;
} found_search;

/* Characters, not bytes: the name is valid UTF-8 (validate.c). */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static int check_name(request_ctx *rc, const char *name, char folded[SAVED_FOLDED_MAX + 1])
{
	size_t n = name ? utf8_chars(name) : 0;
	/* Room for any name validate.c lets through (200 bytes) spelled out:
	 * NFKC expands one character to at most 18. */
	char full[4096];
	if (n == 0 || n > SAVED_NAME_MAX || ld_norm_name(name, full, sizeof(full)) < 0 || !full[0])
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "a search name is 1 to %d characters, not only spaces",
				     SAVED_NAME_MAX);
	if (saved_fold(name, folded) < 0)
		return dispatch_fail(
			rc, LD_INVALID_ARGUMENT,
			"this name grows to %zu bytes when its characters are spelled "
			"out in full (Unicode NFKC), more than the %d a name may take; "
			"use a shorter name",
			strlen(full), SAVED_FOLDED_MAX);
	if (strchr(name, '/'))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "a search name may not contain '/': TEAM/NAME names a team's "
				     "search");
	return LD_OK;
}

static const char *team_name(request_ctx *rc, store_txn *t, uint64_t id)
{
	team_record *tm;
	return team_load(t, id, &rc->arena, &tm) == 0 ? tm->name : "(a removed team)";
}

/* The teams whose searches the caller sees: theirs (a manager's include
 * those they manage), or every team for an admin. */
static int visible_teams(request_ctx *rc, store_txn *t, uint64_t **ids, size_t *n)
{
	if (rc->who.role < ROLE_ADMIN) {
		*ids = rc->who.teams;
		*n = rc->who.n_teams;
		return 0;
	}
	team_record **all;
	int err = team_all(t, &rc->arena, &all, n);
	if (err)
		return err;
	*ids = ld_arena_alloc(&rc->arena, (*n + 1) * sizeof(**ids));
	if (!*ids)
		return ENOMEM;
	for (size_t i = 0; i < *n; i++)
		(*ids)[i] = all[i]->id;
	return 0;
}

static int get_in_scope(request_ctx *rc, store_txn *t, char kind, uint64_t scope,
			const char *folded, found_search *f)
{
	saved_key_make(&f->key, kind, scope, folded);
	int err = saved_get(t, &f->key, &rc->arena, &f->rec);
	if (err && err != MDB_NOTFOUND)
		return dispatch_store_error(rc, err);
	return err ? LD_NOT_FOUND : LD_OK;
}

static int not_found(request_ctx *rc, const char *name)
{
	return dispatch_fail(rc, LD_NOT_FOUND, "no saved search '%s'; " LS_HINT, name);
}

/* "TEAM/NAME": that team's search, if the caller can see the team's. */
static int resolve_qualified(request_ctx *rc, store_txn *t, const char *name, const char *slash,
			     found_search *f)
{
	char team[256], folded[SAVED_FOLDED_MAX + 1];
	size_t tl = (size_t)(slash - name);
	if (tl >= sizeof(team) || saved_fold(slash + 1, folded) < 0)
		return not_found(rc, name);
	memcpy(team, name, tl);
	team[tl] = 0;
	team_record *tm;
	int err = team_find(t, team, &rc->arena, &tm);
	if (err && err != MDB_NOTFOUND)
		return dispatch_store_error(rc, err);
	if (err || (rc->who.role < ROLE_ADMIN && !principal_has_team(&rc->who, tm->id)))
		return not_found(rc, name);
	int code = get_in_scope(rc, t, SAVED_KEY_TEAM, tm->id, folded, f);
	return code == LD_NOT_FOUND ? not_found(rc, name) : code;
}

/* The search `name` means to the caller: "TEAM/NAME", else their own, else
 * the one team search of that name they can see. */
static int resolve(request_ctx *rc, store_txn *t, const char *name, found_search *f)
{
	char folded[SAVED_FOLDED_MAX + 1];
	if (!name || !name[0])
		return dispatch_fail(rc, LD_INVALID_ARGUMENT, "give the name of a saved search");
	const char *slash = strchr(name, '/');
	if (slash)
		return resolve_qualified(rc, t, name, slash, f);
	if (saved_fold(name, folded) < 0)
		return not_found(rc, name);
	int code = get_in_scope(rc, t, SAVED_KEY_USER, rc->who.user_id, folded, f);
	if (code != LD_NOT_FOUND)
		return code;
	uint64_t *teams;
	size_t n, hits = 0;
	int err = visible_teams(rc, t, &teams, &n);
	if (err)
		return dispatch_store_error(rc, err);
	found_search one, other;
	for (size_t i = 0; i < n; i++) {
		found_search *into = hits ? &other : &one;
		code = get_in_scope(rc, t, SAVED_KEY_TEAM, teams[i], folded, into);
		if (code == LD_NOT_FOUND)
			continue;
		if (code)
			return code;
		if (++hits > 1) {
			const char *a = team_name(rc, t, one.rec->team_id);
			const char *b = team_name(rc, t, other.rec->team_id);
			return dispatch_fail(rc, LD_FAILED_PRECONDITION,
					     "teams %s and %s both have a search named '%s'; say "
					     "which, as %s/%s or %s/%s",
					     a, b, name, a, name, b, name);
		}
	}
	if (!hits)
		return not_found(rc, name);
	*f = one;
	return LD_OK;
}

static int manages(request_ctx *rc, store_txn *t, uint64_t team_id, const char **name)
{
	team_record *tm;
	*name = "?";
	if (team_load(t, team_id, &rc->arena, &tm) != 0)
		return 0;
	*name = tm->name;
	for (size_t i = 0; i < tm->n_manager_ids; i++)
		if (tm->manager_ids[i] == rc->who.user_id)
			return rc->who.role >= ROLE_MANAGER;
	return 0;
}

/* Edit and remove: the owner, a manager of the search's team, an admin. */
static int may_change(request_ctx *rc, store_txn *t, const saved_record *s)
{
	const char *team;
	if (rc->who.role >= ROLE_ADMIN || s->owner_id == rc->who.user_id ||
	    manages(rc, t, s->team_id, &team))
		return LD_OK;
	return dispatch_fail(rc, LD_PERMISSION_DENIED,
			     "'%s' is team %s's search: only its managers or an admin may change "
			     "it; save your own copy under another name",
			     s->name, team);
}

/* The caller's pins that still name a search they can see, in order. The
 * others (a team they left) are kept in the store until their next pin
 * change, and skipped here. */
static int live_pins(request_ctx *rc, store_txn *t, saved_pins **pins, uint64_t **ids, size_t *n)
{
	int err = saved_pins_get(t, rc->who.user_id, &rc->arena, pins);
	if (err)
		return err;
	*ids = ld_arena_alloc(&rc->arena, ((*pins)->n_search_ids + 1) * sizeof(**ids));
	if (!*ids)
		return ENOMEM;
	*n = 0;
	for (size_t i = 0; i < (*pins)->n_search_ids; i++) {
		saved_key k;
		saved_record *s;
		err = saved_get_by_id(t, (*pins)->search_ids[i], &rc->arena, &k, &s);
		if (err == MDB_NOTFOUND)
			continue;
		if (err)
			return err;
		if (saved_visible(&rc->who, s))
			(*ids)[(*n)++] = s->id;
	}
	return 0;
}

static uint32_t pin_position(const uint64_t *ids, size_t n, uint64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return (uint32_t)i + 1;
	return 0;
}

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
		w->team = (char *)team_name(rc, t, s->team_id);
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
	int err = live_pins(rc, t, &pins, &ids, &n);
	if (err)
		return dispatch_store_error(rc, err);
	Leadd__SearchReply *r = ld_arena_alloc(&rc->arena, sizeof(*r));
	if (!r)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__search_reply__init(r);
	if (!(r->search = to_wire(rc, t, s, pin_position(ids, n, s->id))))
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

/* Is folded free in the scope (other than the search `self`)? For a
 * user's own search, no team search they can see may have the name
 * either, so an unqualified name always means one search. */
static int name_free(request_ctx *rc, store_txn *t, char kind, uint64_t scope, const char *folded,
		     const char *name, uint64_t self)
{
	found_search f;
	int code = get_in_scope(rc, t, kind, scope, folded, &f);
	if (code == LD_OK && f.rec->id != self)
		return kind == SAVED_KEY_USER
			       ? dispatch_fail(rc, LD_ALREADY_EXISTS,
					       "you already have a search named '%s'", f.rec->name)
			       : dispatch_fail(rc, LD_ALREADY_EXISTS,
					       "team %s already has a search named '%s'",
					       team_name(rc, t, scope), f.rec->name);
	if (code && code != LD_NOT_FOUND)
		return code;
	if (kind != SAVED_KEY_USER)
		return LD_OK;
	uint64_t *teams;
	size_t n;
	int err = visible_teams(rc, t, &teams, &n);
	if (err)
		return dispatch_store_error(rc, err);
	for (size_t i = 0; i < n; i++) {
		code = get_in_scope(rc, t, SAVED_KEY_TEAM, teams[i], folded, &f);
		if (code == LD_OK)
			return dispatch_fail(rc, LD_ALREADY_EXISTS,
					     "team %s has a search named '%s'; choose another name "
					     "so that '%s' means one search",
					     team_name(rc, t, teams[i]), f.rec->name, name);
		if (code != LD_NOT_FOUND)
			return code;
	}
	return LD_OK;
}

/* The scope of a new search: the caller, or a team they may save for. */
static int save_scope(request_ctx *rc, store_txn *t, const char *team, char *kind, uint64_t *scope)
{
	*kind = SAVED_KEY_USER;
	*scope = rc->who.user_id;
	if (!team || !team[0])
		return LD_OK;
	if (rc->who.role < ROLE_MANAGER)
		return dispatch_fail(rc, LD_PERMISSION_DENIED,
				     "only managers and admins share searches with a team; save it "
				     "without a team to keep it for yourself");
	team_record *tm;
	int err = team_find(t, team, &rc->arena, &tm);
	if (err == MDB_NOTFOUND)
		return dispatch_fail(rc, LD_NOT_FOUND, "no team '%s'; 'lead team ls' lists them",
				     team);
	if (err)
		return dispatch_store_error(rc, err);
	const char *name;
	if (rc->who.role < ROLE_ADMIN && !manages(rc, t, tm->id, &name))
		return dispatch_fail(
			rc, LD_PERMISSION_DENIED,
			"you do not manage team %s: a manager shares searches with the "
			"teams they manage",
			tm->name);
	*kind = SAVED_KEY_TEAM;
	*scope = tm->id;
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
			     team_name(rc, t, scope), SAVED_PER_SCOPE);
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
	if ((code = check_name(rc, q->name, folded)) ||
	    (code = save_scope(rc, t, q->team, &kind, &scope)) ||
	    (code = name_free(rc, t, kind, scope, folded, q->name, 0)) ||
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
		err = visible_teams(rc, t, &teams, &n_teams);
	/* Stop reading as soon as the answer cannot fit: the loop thread
	 * reads no more than one answer's worth of searches. */
	for (size_t i = 0; !err && i < n_teams && stored <= LIST_REPLY_BUDGET; i++)
		err = saved_scan(t, SAVED_KEY_TEAM, teams[i], &rc->arena, &all, &n, &cap, &stored);
	saved_pins *pins;
	uint64_t *ids;
	size_t n_ids;
	if (!err && stored <= LIST_REPLY_BUDGET)
		err = live_pins(rc, t, &pins, &ids, &n_ids);
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
		if (!(items[i] = to_wire(rc, t, all[i], pin_position(ids, n_ids, all[i]->id))))
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
	if ((code = resolve(rc, t, q->name, &f)) || (code = may_change(rc, t, f.rec)))
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
		if ((code = check_name(rc, q->new_name, folded)) ||
		    (code = name_free(rc, t, kind, scope, folded, q->new_name, s->id)))
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

/* Drop search id from every user's pins: a removed search leaves no pin
 * behind, so pins always name searches that exist (leadd verify checks). */
static int unpin_everywhere(request_ctx *rc, store_txn *t, uint64_t id)
{
	MDB_cursor *cur;
	int err = mdb_cursor_open(t->txn, t->st->dbi[DB_SEARCHES], &cur);
	if (err)
		return err;
	uint64_t *users = NULL;
	saved_pins **lists = NULL;
	size_t n = 0, cap = 0;
	uint8_t first = SAVED_KEY_PINS;
	MDB_val k = {1, &first}, v;
	for (err = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); err == 0;
	     err = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 9 || ((uint8_t *)k.mv_data)[0] != SAVED_KEY_PINS)
			break;
		saved_pins *p = leadd__store__search_pins_record__unpack(&rc->arena.pb, v.mv_size,
									 v.mv_data);
		if (!p) {
			err = MDB_CORRUPTED;
			break;
		}
		if (!pin_position(p->search_ids, p->n_search_ids, id))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			uint64_t *nu = ld_arena_alloc(&rc->arena, cap * sizeof(*nu));
			saved_pins **nl = ld_arena_alloc(&rc->arena, cap * sizeof(*nl));
			if (!nu || !nl) {
				err = ENOMEM;
				break;
			}
			if (n) {
				memcpy(nu, users, n * sizeof(*nu));
				memcpy(nl, lists, n * sizeof(*nl));
			}
			users = nu;
			lists = nl;
		}
		users[n] = store_key_get_u64((uint8_t *)k.mv_data + 1);
		lists[n++] = p;
	}
	mdb_cursor_close(cur);
	if (err && err != MDB_NOTFOUND)
		return err;
	/* Written after the walk: a put under an open cursor would move it. */
	for (size_t i = 0; i < n; i++) {
		saved_pins *p = lists[i];
		size_t w = 0;
		for (size_t j = 0; j < p->n_search_ids; j++)
			if (p->search_ids[j] != id)
				p->search_ids[w++] = p->search_ids[j];
		p->n_search_ids = w;
		saved_pins_put(t, users[i], p);
	}
	return t->ret;
}

int search_rm(request_ctx *rc, store_txn *t)
{
	const Leadd__SearchRemoveRequest *q = rc->req->search_rm;
	found_search f;
	int code;
	if ((code = resolve(rc, t, q->name, &f)) || (code = may_change(rc, t, f.rec)))
		return code;
	saved_del(t, &f.key, f.rec->id);
	int err = unpin_everywhere(rc, t, f.rec->id);
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
	int pin = !q->has_pin || q->pin;
	found_search f;
	int code;
	if ((code = resolve(rc, t, q->name, &f)))
		return code;
	saved_pins *pins;
	uint64_t *ids;
	size_t n;
	int err = live_pins(rc, t, &pins, &ids, &n);
	if (err)
		return err == ENOMEM ? dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory")
				     : dispatch_store_error(rc, err);
	uint32_t at = pin_position(ids, n, f.rec->id);
	if (at) { /* take it out; pinning again puts it where asked */
		memmove(ids + at - 1, ids + at, (n - at) * sizeof(*ids));
		n--;
	}
	if (pin) {
		if (!at && n >= SAVED_PINS_MAX)
			return dispatch_fail(
				rc, LD_RESOURCE_EXHAUSTED,
				"you have %d pinned searches, the most; unpin one first "
				"('lead search unpin')",
				SAVED_PINS_MAX);
		size_t pos = at && !q->has_position ? at : n + 1;
		if (q->has_position) {
			if (q->position < 1 || q->position > n + 1)
				return dispatch_fail(rc, LD_INVALID_ARGUMENT,
						     "the position is 1 to %zu: where the search "
						     "goes among your "
						     "%zu other pinned searches",
						     n + 1, n);
			pos = q->position;
		}
		uint64_t *grown = ld_arena_alloc(&rc->arena, (n + 1) * sizeof(*grown));
		if (!grown)
			return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
		memcpy(grown, ids, (pos - 1) * sizeof(*ids));
		grown[pos - 1] = f.rec->id;
		memcpy(grown + pos, ids + pos - 1, (n - (pos - 1)) * sizeof(*ids));
		ids = grown;
		n++;
	}
	/* Written back without the pins the caller can no longer see. */
	pins->search_ids = ids;
	pins->n_search_ids = n;
	saved_pins_put(t, rc->who.user_id, pins);
	return reply_search(rc, t, f.rec);
}

int saved_search_find(request_ctx *rc, store_txn *t, const char *name, Leadd__SavedSearch **out)
{
	found_search f;
	*out = NULL;
	int code = resolve(rc, t, name, &f);
	if (code)
		return code;
	if (!(*out = to_wire(rc, t, f.rec, 0)))
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	return LD_OK;
}
