#include "verify_searches.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "saved_search_store.h"
#include "users.h"

typedef struct {
	store_txn *t;
	ld_arena *arena;
	uint64_t problems, records, id_entries, last_id;
} checker;

static void problem(checker *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(checker *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("verify: saved searches: ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
	c->problems++;
}

static int user_exists(checker *c, uint64_t id)
{
	user_record *u;
	return user_load(c->t, id, c->arena, &u) == 0;
}

static int team_exists(checker *c, uint64_t id)
{
	team_record *tm;
	return team_load(c->t, id, c->arena, &tm) == 0;
}

/* A search record: filed under its scope and folded name, found by its id. */
static void check_record(checker *c, const MDB_val *k, const MDB_val *d, char kind, uint64_t scope)
{
	saved_record *s = leadd__store__saved_search_record__unpack(&c->arena->pb, d->mv_size,
								    d->mv_data);
	c->records++;
	if (!s || !s->name) {
		problem(c, "a record does not decode");
		return;
	}
	char folded[SAVED_FOLDED_MAX + 1];
	saved_key want;
	if (saved_fold(s->name, folded) < 0) {
		problem(c, "search %" PRIu64 " '%s' has a name that does not fold", s->id, s->name);
		return;
	}
	saved_key_make(&want, kind, scope, folded);
	if (want.len != k->mv_size || memcmp(want.b, k->mv_data, want.len) != 0)
		problem(c, "search %" PRIu64 " '%s' is not filed under its name", s->id, s->name);
	if (kind == SAVED_KEY_USER && (s->owner_id != scope || s->team_id))
		problem(c,
			"search %" PRIu64 " '%s' is filed as user %" PRIu64
			"'s own but says owner %" PRIu64 ", team %" PRIu64,
			s->id, s->name, scope, s->owner_id, s->team_id);
	if (kind == SAVED_KEY_TEAM && s->team_id != scope)
		problem(c,
			"search %" PRIu64 " '%s' is filed under team %" PRIu64
			" but says team %" PRIu64,
			s->id, s->name, scope, s->team_id);
	if (kind == SAVED_KEY_TEAM && !team_exists(c, scope))
		problem(c,
			"search %" PRIu64 " '%s' belongs to team %" PRIu64 ", which does not exist",
			s->id, s->name, scope);
	if (!user_exists(c, s->owner_id))
		problem(c,
			"search %" PRIu64 " '%s' was saved by user %" PRIu64 ", who does not exist",
			s->id, s->name, s->owner_id);
	if (!s->id || s->id > c->last_id)
		problem(c, "search '%s' has id %" PRIu64 ", not one given out (last %" PRIu64 ")",
			s->name, s->id, c->last_id);
	saved_key ik;
	MDB_val v;
	saved_key_make(&ik, SAVED_KEY_ID, s->id, NULL);
	int rc = store_get(c->t, DB_SEARCHES, ik.b, ik.len, &v);
	if (rc == MDB_NOTFOUND || (rc == 0 && (v.mv_size != k->mv_size ||
					       memcmp(v.mv_data, k->mv_data, k->mv_size) != 0)))
		problem(c, "search %" PRIu64 " '%s' is not found by its id", s->id, s->name);
}

/* An id entry: names a record that has that id. */
static void check_id_entry(checker *c, const MDB_val *d, uint64_t id)
{
	c->id_entries++;
	saved_key k;
	saved_record *s;
	if (d->mv_size < 9 || d->mv_size > SAVED_KEY_MAX) {
		problem(c, "the id entry of search %" PRIu64 " is damaged", id);
		return;
	}
	memcpy(k.b, d->mv_data, d->mv_size);
	k.len = d->mv_size;
	int rc = saved_get(c->t, &k, c->arena, &s);
	if (rc == MDB_NOTFOUND)
		problem(c, "the id entry of search %" PRIu64 " names no search", id);
	else if (rc == 0 && s->id != id)
		problem(c, "the id entry of search %" PRIu64 " names search %" PRIu64, id, s->id);
}

/* A user's pins: the user exists, each pin names a search, no pin twice,
 * at most the cap. */
static void check_pins(checker *c, const MDB_val *d, uint64_t user)
{
	saved_pins *p = leadd__store__search_pins_record__unpack(&c->arena->pb, d->mv_size,
								 d->mv_data);
	if (!p) {
		problem(c, "the pins of user %" PRIu64 " do not decode", user);
		return;
	}
	if (!user_exists(c, user))
		problem(c, "user %" PRIu64 " has pins but does not exist", user);
	if (p->n_search_ids == 0 || p->n_search_ids > SAVED_PINS_MAX)
		problem(c, "user %" PRIu64 " has %zu pins (1 to %d expected)", user,
			p->n_search_ids, SAVED_PINS_MAX);
	for (size_t i = 0; i < p->n_search_ids; i++) {
		saved_key k;
		saved_key_make(&k, SAVED_KEY_ID, p->search_ids[i], NULL);
		MDB_val v;
		if (store_get(c->t, DB_SEARCHES, k.b, k.len, &v) == MDB_NOTFOUND)
			problem(c,
				"user %" PRIu64 " has pinned search %" PRIu64
				", which no id entry names (it does not exist, or its id entry is "
				"lost)",
				user, p->search_ids[i]);
		for (size_t j = 0; j < i; j++)
			if (p->search_ids[j] == p->search_ids[i])
				problem(c, "user %" PRIu64 " has pinned search %" PRIu64 " twice",
					user, p->search_ids[i]);
	}
}

uint64_t verify_searches(store_txn *t, ld_arena *arena)
{
	checker c = {t, arena, 0, 0, 0, store_meta_get(t, META_NEXT_SEARCH_ID)};
	MDB_cursor *cur;
	MDB_val k, d;
	int rc = mdb_cursor_open(t->txn, t->st->dbi[DB_SEARCHES], &cur);
	if (rc) {
		problem(&c, "cannot read the database: %s", mdb_strerror(rc));
		return c.problems;
	}
	for (rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0 && !t->ret;
	     rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		ld_arena_reset(arena);
		char kind;
		uint64_t scope;
		if (saved_key_parse(k.mv_data, k.mv_size, &kind, &scope) < 0) {
			problem(&c, "a %zu-byte key is no search key", k.mv_size);
			continue;
		}
		if (kind == SAVED_KEY_USER || kind == SAVED_KEY_TEAM)
			check_record(&c, &k, &d, kind, scope);
		else if (kind == SAVED_KEY_ID && k.mv_size == 9)
			check_id_entry(&c, &d, scope);
		else if (kind == SAVED_KEY_PINS && k.mv_size == 9)
			check_pins(&c, &d, scope);
		else
			problem(&c, "a key of unknown kind '%c'", kind);
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND && !t->ret)
		problem(&c, "reading stopped: %s", mdb_strerror(rc));
	if (!t->ret && c.records != c.id_entries)
		problem(&c, "%" PRIu64 " searches but %" PRIu64 " id entries", c.records,
			c.id_entries);
	return c.problems;
}
