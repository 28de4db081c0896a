#include "reasons.h"

#include <errno.h>
#include <string.h>

#include "ld_norm.h"

int reason_key(uint64_t team_id, const char *text, uint8_t key[8 + REASON_KEY_TEXT_MAX + 1],
	       size_t *len)
{
	char folded[REASON_KEY_TEXT_MAX + 1];
	if (!text || ld_norm_name(text, folded, sizeof(folded)) < 0 || !folded[0])
		return -1;
	size_t n = strlen(folded);
	store_key_u64(key, team_id);
	memcpy(key + 8, folded, n);
	*len = 8 + n;
	return 0;
}

int reason_find(store_txn *t, uint64_t team_id, const char *text, ld_arena *arena,
		reason_record **out)
{
	uint8_t key[8 + REASON_KEY_TEXT_MAX + 1];
	size_t len;
	if (reason_key(team_id, text, key, &len) < 0)
		return MDB_NOTFOUND;
	return store_get_msg(t, DB_REASONS, key, len, &leadd__store__reason_record__descriptor,
			     arena, (ProtobufCMessage **)out);
}

int reason_find_in_teams(store_txn *t, const char *text, ld_arena *arena, reason_record **out)
{
	uint8_t want[8 + REASON_KEY_TEXT_MAX + 1];
	size_t len;
	if (reason_key(0, text, want, &len) < 0)
		return MDB_NOTFOUND;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(t->txn, t->st->dbi[DB_REASONS], &cur);
	if (rc)
		return rc;
	/* Team 0 (the global list) sorts first: start after it. */
	uint8_t first[8];
	store_key_u64(first, 1);
	MDB_val k = {8, first}, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != len || memcmp((uint8_t *)k.mv_data + 8, want + 8, len - 8) != 0)
			continue;
		*out = leadd__store__reason_record__unpack(&arena->pb, v.mv_size, v.mv_data);
		if (!*out)
			rc = arena->exhausted ? ENOMEM : MDB_CORRUPTED;
		break;
	}
	mdb_cursor_close(cur);
	return rc;
}

/* Walk one team's records: `fn` gets each value; a non-zero return stops. */
static int walk_team(store_txn *t, uint64_t team_id, int (*fn)(const MDB_val *v, void *arg),
		     void *arg)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(t->txn, t->st->dbi[DB_REASONS], &cur);
	if (rc)
		return rc;
	uint8_t prefix[8];
	store_key_u64(prefix, team_id);
	MDB_val k = {8, prefix}, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < 8 || memcmp(k.mv_data, prefix, 8) != 0)
			break;
		if ((rc = fn(&v, arg)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int count_one(const MDB_val *v, void *arg)
{
	(void)v;
	(*(size_t *)arg)++;
	return 0;
}

int reason_team_count(store_txn *t, uint64_t team_id, size_t *n)
{
	*n = 0;
	return walk_team(t, team_id, count_one, n);
}

typedef struct {
	ld_arena *arena;
	reason_record **out;
	size_t max, n;
	int more;
} list_walk;

#define LIST_STOP 1 /* not an LMDB code: those are negative or errno values */

static int list_one(const MDB_val *v, void *arg)
{
	list_walk *w = arg;
	if (w->n == w->max) {
		w->more = 1;
		return LIST_STOP;
	}
	reason_record *r = leadd__store__reason_record__unpack(&w->arena->pb, v->mv_size,
							       v->mv_data);
	if (!r)
		return w->arena->exhausted ? ENOMEM : MDB_CORRUPTED;
	w->out[w->n++] = r;
	return 0;
}

int reason_team_list(store_txn *t, uint64_t team_id, ld_arena *arena, reason_record **out,
		     size_t max, size_t *n, int *more)
{
	list_walk w = {.arena = arena, .out = out, .max = max};
	int rc = walk_team(t, team_id, list_one, &w);
	*n = w.n;
	*more = w.more;
	return rc == LIST_STOP ? 0 : rc;
}

void reason_put(store_txn *t, const reason_record *r)
{
	uint8_t key[8 + REASON_KEY_TEXT_MAX + 1];
	size_t len;
	if (t->ret)
		return;
	if (reason_key(r->team_id, r->text, key, &len) < 0) {
		t->ret = EINVAL;
		return;
	}
	store_put_msg(t, DB_REASONS, key, len, &r->base);
}

void reason_del(store_txn *t, const reason_record *r)
{
	uint8_t key[8 + REASON_KEY_TEXT_MAX + 1];
	size_t len;
	if (t->ret)
		return;
	if (reason_key(r->team_id, r->text, key, &len) < 0) {
		t->ret = EINVAL;
		return;
	}
	store_del(t, DB_REASONS, key, len, NULL, 0);
}
