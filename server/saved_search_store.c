#include "saved_search_store.h"

#include <errno.h>
#include <string.h>

#include "ld_norm.h"
#include "users.h"

int saved_fold(const char *name, char out[SAVED_FOLDED_MAX + 1])
{
	if (!name || ld_norm_name(name, out, SAVED_FOLDED_MAX + 1) < 0 || !out[0])
		return -1;
	return 0;
}

void saved_key_make(saved_key *k, char kind, uint64_t scope, const char *folded)
{
	size_t n = folded ? strlen(folded) : 0;
	if (n > SAVED_FOLDED_MAX)
		n = SAVED_FOLDED_MAX;
	k->b[0] = (uint8_t)kind;
	store_key_u64(k->b + 1, scope);
	if (n)
		memcpy(k->b + 9, folded, n);
	k->len = 9 + n;
}

int saved_key_parse(const void *key, size_t len, char *kind, uint64_t *scope)
{
	if (len < 9)
		return -1;
	*kind = (char)((const uint8_t *)key)[0];
	*scope = store_key_get_u64((const uint8_t *)key + 1);
	return 0;
}

int saved_get(store_txn *t, const saved_key *k, ld_arena *arena, saved_record **out)
{
	return store_get_msg(t, DB_SEARCHES, k->b, k->len,
			     &leadd__store__saved_search_record__descriptor, arena,
			     (ProtobufCMessage **)out);
}

static void id_key(saved_key *k, uint64_t id)
{
	saved_key_make(k, SAVED_KEY_ID, id, NULL);
}

int saved_get_by_id(store_txn *t, uint64_t id, ld_arena *arena, saved_key *k, saved_record **out)
{
	saved_key ik;
	MDB_val v;
	id_key(&ik, id);
	int rc = store_get(t, DB_SEARCHES, ik.b, ik.len, &v);
	if (rc)
		return rc;
	if (v.mv_size < 9 || v.mv_size > SAVED_KEY_MAX)
		return t->ret = MDB_CORRUPTED;
	memcpy(k->b, v.mv_data, v.mv_size);
	k->len = v.mv_size;
	rc = saved_get(t, k, arena, out);
	/* An id entry naming no record is damage, not "no such search". */
	if (rc == MDB_NOTFOUND)
		return t->ret = MDB_CORRUPTED;
	return rc;
}

void saved_put(store_txn *t, const saved_key *k, saved_record *s, int is_new)
{
	if (is_new) {
		s->has_id = 1;
		s->id = store_meta_next(t, META_NEXT_SEARCH_ID);
	}
	store_put_msg(t, DB_SEARCHES, k->b, k->len, &s->base);
	saved_key ik;
	id_key(&ik, s->id);
	store_put(t, DB_SEARCHES, ik.b, ik.len, k->b, k->len, 0);
}

void saved_del(store_txn *t, const saved_key *k, uint64_t id)
{
	saved_key ik;
	id_key(&ik, id);
	store_del(t, DB_SEARCHES, k->b, k->len, NULL, 0);
	store_del(t, DB_SEARCHES, ik.b, ik.len, NULL, 0);
}

/* Walk the records under kind|scope: fn is called for each value until it
 * returns non-zero. */
typedef int (*scope_fn)(void *ctx, const MDB_val *v);

static int scope_walk(store_txn *t, char kind, uint64_t scope, scope_fn fn, void *ctx)
{
	if (t->ret)
		return t->ret;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(t->txn, t->st->dbi[DB_SEARCHES], &cur);
	if (rc)
		return t->ret = rc;
	saved_key prefix;
	saved_key_make(&prefix, kind, scope, NULL);
	MDB_val k = {prefix.len, prefix.b}, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < 9 || memcmp(k.mv_data, prefix.b, 9) != 0)
			break;
		if ((rc = fn(ctx, &v)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND || rc == -1)
		rc = 0;
	else if (rc)
		t->ret = rc;
	return rc;
}

struct counting {
	size_t n, limit;
};

static int count_one(void *ctx, const MDB_val *v)
{
	(void)v;
	struct counting *c = ctx;
	return ++c->n >= c->limit ? -1 : 0;
}

int saved_count(store_txn *t, char kind, uint64_t scope, size_t limit, size_t *n)
{
	struct counting c = {0, limit};
	int rc = scope_walk(t, kind, scope, count_one, &c);
	*n = c.n;
	return rc;
}

struct collecting {
	ld_arena *arena;
	saved_record ***list;
	size_t *n, *cap, *bytes;
	int err;
};

static int collect_one(void *ctx, const MDB_val *v)
{
	struct collecting *c = ctx;
	if (*c->n == *c->cap) {
		size_t cap = *c->cap ? *c->cap * 2 : 64;
		saved_record **grown = ld_arena_alloc(c->arena, cap * sizeof(*grown));
		if (!grown)
			return c->err = ENOMEM;
		if (*c->n)
			memcpy(grown, *c->list, *c->n * sizeof(*grown));
		*c->list = grown;
		*c->cap = cap;
	}
	saved_record *s = leadd__store__saved_search_record__unpack(&c->arena->pb, v->mv_size,
								    v->mv_data);
	if (!s)
		return c->err = c->arena->exhausted ? ENOMEM : MDB_CORRUPTED;
	(*c->list)[(*c->n)++] = s;
	*c->bytes += v->mv_size;
	return 0;
}

int saved_scan(store_txn *t, char kind, uint64_t scope, ld_arena *arena, saved_record ***list,
	       size_t *n, size_t *cap, size_t *bytes)
{
	struct collecting c = {arena, list, n, cap, bytes, 0};
	int rc = scope_walk(t, kind, scope, collect_one, &c);
	return c.err ? c.err : rc;
}

int saved_pins_get(store_txn *t, uint64_t user_id, ld_arena *arena, saved_pins **out)
{
	saved_key k;
	saved_key_make(&k, SAVED_KEY_PINS, user_id, NULL);
	int rc = store_get_msg(t, DB_SEARCHES, k.b, k.len,
			       &leadd__store__search_pins_record__descriptor, arena,
			       (ProtobufCMessage **)out);
	if (rc == MDB_NOTFOUND) {
		*out = ld_arena_alloc(arena, sizeof(**out));
		if (!*out)
			return ENOMEM;
		leadd__store__search_pins_record__init(*out);
		return 0;
	}
	return rc;
}

void saved_pins_put(store_txn *t, uint64_t user_id, const saved_pins *p)
{
	saved_key k;
	saved_key_make(&k, SAVED_KEY_PINS, user_id, NULL);
	MDB_val v;
	if (p->n_search_ids) {
		store_put_msg(t, DB_SEARCHES, k.b, k.len, &p->base);
		return;
	}
	/* No pins left: no record, rather than an empty one. */
	if (store_get(t, DB_SEARCHES, k.b, k.len, &v) == 0)
		store_del(t, DB_SEARCHES, k.b, k.len, NULL, 0);
}

int saved_visible(const principal_t *who, const saved_record *s)
{
	if (!s->team_id)
		return s->owner_id == who->user_id;
	return who->role >= ROLE_ADMIN || principal_has_team(who, s->team_id);
}
