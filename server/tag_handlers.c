/* Tag requests: lead_tag adds and removes tags on one lead (one change
 * through the write core, which keeps each tag's first-written case:
 * tag_names.h); tag_list counts, per tag, the leads the caller may see.
 *
 * tag_list walks the tag index. An admin's counts are the index's
 * duplicate counts; anyone else's lead is checked on its summary as the
 * search checks visibility (sq_visible), so the walk costs one summary read
 * per tagged lead. It yields after a slice of TAG_LIST_SLICE_NS and resumes
 * at the next lead id of the tag it was on, in a new read transaction with
 * the caller's rights as they are then (net.c re-checks role and teams
 * between slices; a changed one ends the walk ABORTED). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ld_error.h"
#include "lead_handlers.h"
#include "record_handlers.h"
#include "request_limits.h"
#include "search_query.h"
#include "tag_names.h"

#define TAG_LIST_SLICE_NS 1000000u
/* Tags one answer names at most (a reply under the 1 MiB frame). */
#define TAG_LIST_MAX 10000

/* ---- lead_tag ---- */

static int fold_each(request_ctx *rc, char **tags, size_t n, const char *what, char **keys)
{
	for (size_t i = 0; i < n; i++) {
		keys[i] = ld_arena_alloc(&rc->arena, TAG_KEY_MAX + 1);
		if (!keys[i])
			return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
		if (tag_name_key(tags[i], keys[i]) < 0)
			return dispatch_fail(rc, LD_INVALID_ARGUMENT, "the tag to %s '%s' %s", what,
					     tags[i], tag_name_problem(tags[i]));
	}
	return LD_OK;
}

static int key_in(char **keys, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(keys[i], key) == 0)
			return 1;
	return 0;
}

int lead_tag(request_ctx *rc, store_txn *t)
{
	const Leadd__LeadTagRequest *q = rc->req->lead_tag;
	Leadd__Lead *old, *lead;
	int code;
	if (!q->n_add && !q->n_rm)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT, "say which tags to add or remove");
	char **add = ld_arena_alloc(&rc->arena, (q->n_add + 1) * sizeof(char *));
	char **rm = ld_arena_alloc(&rc->arena, (q->n_rm + 1) * sizeof(char *));
	if (!add || !rm)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	if ((code = fold_each(rc, q->add, q->n_add, "add", add)) ||
	    (code = fold_each(rc, q->rm, q->n_rm, "remove", rm)))
		return code;
	for (size_t i = 0; i < q->n_add; i++)
		if (key_in(rm, q->n_rm, add[i]))
			return dispatch_fail(rc, LD_INVALID_ARGUMENT,
					     "'%s' is both added and removed; say one", q->add[i]);
	if ((code = lead_load_for_edit(rc, t, q->id, q->has_expected_version, q->expected_version,
				       &old, &lead)))
		return code;
	/* The tags kept (those removed match case-insensitively; removing one
	 * the lead lacks changes nothing), then those added that it lacks. */
	size_t cap = old->n_tags + q->n_add, n = 0;
	char **tags = ld_arena_alloc(&rc->arena, (cap + 1) * sizeof(char *));
	char **have = ld_arena_alloc(&rc->arena, (cap + 1) * sizeof(char *));
	if (!tags || !have)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	for (size_t i = 0; i < old->n_tags; i++) {
		char *key = ld_arena_alloc(&rc->arena, TAG_KEY_MAX + 1);
		if (!key)
			return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
		if (tag_name_key(old->tags[i], key) < 0)
			key[0] = 0; /* an old tag that cannot be folded stays */
		else if (key_in(rm, q->n_rm, key))
			continue;
		have[n] = key;
		tags[n++] = old->tags[i];
	}
	for (size_t i = 0; i < q->n_add; i++) {
		if (key_in(have, n, add[i]))
			continue; /* there already (in any case): nothing to add */
		have[n] = add[i];
		tags[n++] = q->add[i];
	}
	if (n > LIMIT_TAGS)
		return dispatch_fail(rc, LD_FAILED_PRECONDITION,
				     "lead %" PRIu64 " would have %zu tags; a lead has at most %d, "
				     "so remove some first",
				     old->id, n, LIMIT_TAGS);
	int same = n == old->n_tags;
	for (size_t i = 0; same && i < n; i++)
		same = tags[i] == old->tags[i];
	if (same)
		return lead_reply(rc, old); /* nothing changes: nothing to record */
	lead->tags = tags;
	lead->n_tags = n;
	lead_change ch = lead_change_of(rc, LEADD__STORE__CHANGE_KIND__CHANGE_UPDATE);
	if (lead_apply(t, old, lead, &ch) != 0)
		return dispatch_store_error(rc, t->ret);
	return lead_reply(rc, lead);
}

/* ---- tag_list ---- */

typedef struct {
	char key[TAG_KEY_MAX + 1];
	uint64_t count;
} tag_count;

typedef struct {
	tag_count *tags; /* counted, by folded name */
	size_t n, cap;
	uint64_t omitted;
	int started, done;
	tag_count cur;     /* the tag being walked */
	int cur_done;      /* and counted whole (an admin's walk) */
	uint64_t after_id; /* its last lead id walked */
} tag_walk;

static void tag_walk_free(void *p)
{
	tag_walk *w = p;
	if (w)
		free(w->tags);
	free(w);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The tag walked so far is done: keep it when the caller sees a lead. */
static int tag_done(tag_walk *w)
{
	if (w->cur.count) {
		if (w->n == TAG_LIST_MAX) {
			w->omitted++;
		} else {
			if (w->n == w->cap) {
				size_t cap = w->cap ? 2 * w->cap : 64;
				tag_count *grown = realloc(w->tags, cap * sizeof(*grown));
				if (!grown)
					return -1;
				w->tags = grown;
				w->cap = cap;
			}
			w->tags[w->n++] = w->cur;
		}
	}
	w->cur.count = 0;
	w->after_id = 0;
	return 0;
}

/* Put the cursor where the walk goes on: the tag it was on, after its last
 * lead id walked; else the next tag. MDB_NOTFOUND at the end. */
static int walk_resume(tag_walk *w, MDB_cursor *cur, MDB_val *k, MDB_val *d)
{
	if (!w->started) {
		w->started = 1;
		return mdb_cursor_get(cur, k, d, MDB_FIRST);
	}
	uint8_t next[8];
	int rc;
	if (!w->cur_done) {
		store_key_u64(next, w->after_id + 1);
		k->mv_size = strlen(w->cur.key);
		k->mv_data = w->cur.key;
		d->mv_size = 8;
		d->mv_data = next;
		rc = mdb_cursor_get(cur, k, d, MDB_GET_BOTH_RANGE);
		if (rc != MDB_NOTFOUND)
			return rc;
	}
	/* No lead of that tag past the one walked (or the tag is gone): the
	 * tag is done; on to the first one after it. */
	if (tag_done(w))
		return ENOMEM;
	k->mv_size = strlen(w->cur.key);
	k->mv_data = w->cur.key;
	rc = mdb_cursor_get(cur, k, d, MDB_SET_RANGE);
	if (rc == 0 && k->mv_size == strlen(w->cur.key) &&
	    memcmp(k->mv_data, w->cur.key, k->mv_size) == 0)
		rc = mdb_cursor_get(cur, k, d, MDB_NEXT_NODUP);
	return rc;
}

/* One slice of the walk; 0 (w->done when it ended) or an error. */
static int walk_slice(request_ctx *rc, store_txn *t, tag_walk *w, const sq_filter *f)
{
	MDB_cursor *cur;
	MDB_val k, d;
	int err = mdb_cursor_open(t->txn, t->st->dbi[DB_IDX_TAG], &cur);
	if (err)
		return err;
	uint64_t start = now_ns(), steps = 0;
	err = walk_resume(w, cur, &k, &d);
	while (err == 0) {
		if (k.mv_size > TAG_KEY_MAX || d.mv_size != 8) {
			err = MDB_CORRUPTED;
			break;
		}
		if (k.mv_size != strlen(w->cur.key) || memcmp(k.mv_data, w->cur.key, k.mv_size)) {
			if (tag_done(w)) {
				err = ENOMEM;
				break;
			}
			memcpy(w->cur.key, k.mv_data, k.mv_size);
			w->cur.key[k.mv_size] = 0;
			w->cur_done = 0;
		}
		if (f->vis_all) {
			size_t n;
			if ((err = mdb_cursor_count(cur, &n)))
				break;
			w->cur.count = n;
			if (tag_done(w)) {
				err = ENOMEM;
				break;
			}
			w->cur_done = 1;
			err = mdb_cursor_get(cur, &k, &d, MDB_NEXT_NODUP);
		} else {
			lead_summary s;
			uint64_t id = store_key_get_u64(d.mv_data);
			int got = lead_summary_load(t, id, &s);
			if (got == 0 && sq_visible(f, &s))
				w->cur.count++;
			else if (got && got != MDB_NOTFOUND) {
				err = got;
				break;
			}
			w->after_id = id;
			err = mdb_cursor_get(cur, &k, &d, MDB_NEXT);
		}
		if (err == 0 && (++steps & 255) == 0 && now_ns() - start > TAG_LIST_SLICE_NS) {
			mdb_cursor_close(cur);
			(void)rc;
			return 0; /* the cursor's entry is walked next slice */
		}
	}
	mdb_cursor_close(cur);
	if (err == MDB_NOTFOUND) {
		w->done = 1;
		return tag_done(w) ? ENOMEM : 0;
	}
	return err;
}

static int tag_list_reply(request_ctx *rc, store_txn *t, tag_walk *w)
{
	Leadd__TagListReply *r = ld_arena_alloc(&rc->arena, sizeof(*r));
	Leadd__TagCount **list = ld_arena_alloc(&rc->arena, (w->n + 1) * sizeof(*list));
	if (!r || !list)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__tag_list_reply__init(r);
	for (size_t i = 0; i < w->n; i++) {
		Leadd__TagCount *c = ld_arena_alloc(&rc->arena, sizeof(*c));
		MDB_val v;
		const char *key = w->tags[i].key;
		int err = store_get(t, DB_TAG_NAMES, key, strlen(key), &v);
		size_t klen = strlen(key), vlen = err ? 0 : v.mv_size;
		char *name = ld_arena_alloc(&rc->arena, (klen > vlen ? klen : vlen) + 1);
		if (!c || !name)
			return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
		if (err && err != MDB_NOTFOUND)
			return dispatch_store_error(rc, err);
		/* A tag with no recorded name, or a damaged one (verify reports
		 * both), shows folded: bytes that are not UTF-8 are never sent. */
		if (err || !tag_name_valid(v.mv_data, v.mv_size, key))
			strcpy(name, key);
		else {
			memcpy(name, v.mv_data, v.mv_size);
			name[v.mv_size] = 0;
		}
		leadd__tag_count__init(c);
		c->name = name;
		c->has_count = 1;
		c->count = w->tags[i].count;
		list[i] = c;
	}
	r->tags = list;
	r->n_tags = w->n;
	if (w->omitted) {
		r->has_omitted = 1;
		r->omitted = w->omitted;
	}
	rc->resp.body_case = LEADD__RESPONSE__BODY_TAG_LIST;
	rc->resp.tag_list = r;
	return LD_OK;
}

int tag_list(request_ctx *rc, store_txn *t)
{
	rc->read_again = 0;
	tag_walk *w = rc->read_state;
	if (!w) {
		if (!(w = calloc(1, sizeof(*w))))
			return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
		rc->read_state = w;
		rc->read_state_free = tag_walk_free;
	}
	/* Visibility as the caller's rights are now (a team's pool shown or
	 * hidden between slices counts from then on). */
	sq_filter f;
	int code = search_filter_resolve(rc, t, NULL, &f);
	if (code)
		return code;
	int err = walk_slice(rc, t, w, &f);
	if (err == ENOMEM)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	if (err)
		return dispatch_store_error(rc, err);
	if (!w->done) {
		rc->read_again = 1;
		return LD_OK;
	}
	return tag_list_reply(rc, t, w);
}
