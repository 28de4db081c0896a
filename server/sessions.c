#include "sessions.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int session_load(store_txn *t, const uint8_t sid[SESSION_ID_BYTES], ld_arena *arena,
		 session_record **out)
{
	return store_get_msg(t, DB_SESSIONS, sid, SESSION_ID_BYTES,
			     &leadd__store__session_record__descriptor, arena,
			     (ProtobufCMessage **)out);
}

void session_put(store_txn *t, const uint8_t sid[SESSION_ID_BYTES], const session_record *s,
		 int is_new)
{
	store_put_msg(t, DB_SESSIONS, sid, SESSION_ID_BYTES, &s->base);
	if (is_new) {
		uint8_t key[8];
		store_key_u64(key, s->user_id);
		store_put(t, DB_SESSIONS_BY_USER, key, sizeof(key), sid, SESSION_ID_BYTES, 0);
	}
}

void session_delete(store_txn *t, const uint8_t sid[SESSION_ID_BYTES], uint64_t user_id)
{
	uint8_t key[8];
	store_key_u64(key, user_id);
	store_del(t, DB_SESSIONS, sid, SESSION_ID_BYTES, NULL, 0);
	store_del(t, DB_SESSIONS_BY_USER, key, sizeof(key), sid, SESSION_ID_BYTES);
}

uint64_t session_revoke_user(store_txn *t, uint64_t user_id, const uint8_t *keep)
{
	/* Collect the user's session ids, then delete each: deleting under a
	 * DUPSORT cursor while stepping it is easy to get wrong. */
	MDB_cursor *cur;
	if (t->ret || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_SESSIONS_BY_USER], &cur)))
		return 0;
	uint8_t key[8];
	store_key_u64(key, user_id);
	MDB_val k = {sizeof(key), key}, v;
	uint8_t(*ids)[SESSION_ID_BYTES] = NULL;
	size_t n = 0, cap = 0;
	int rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
		if (v.mv_size != SESSION_ID_BYTES) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (keep && memcmp(v.mv_data, keep, SESSION_ID_BYTES) == 0)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			void *p = realloc(ids, ncap * SESSION_ID_BYTES);
			if (!p) {
				rc = ENOMEM;
				break;
			}
			ids = p;
			cap = ncap;
		}
		memcpy(ids[n++], v.mv_data, SESSION_ID_BYTES);
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		t->ret = rc;
	for (size_t i = 0; i < n && !t->ret; i++)
		session_delete(t, ids[i], user_id);
	free(ids);
	return t->ret ? 0 : n;
}

int64_t session_expiry_at(const config_t *cfg, int64_t created_at, int64_t last_used_at)
{
	int64_t absolute = created_at + (int64_t)cfg->session_max_age * 1000;
	int64_t idle = last_used_at + (int64_t)cfg->session_idle_timeout * 1000;
	return absolute < idle ? absolute : idle;
}

int64_t session_expiry(const config_t *cfg, const session_record *s)
{
	return session_expiry_at(cfg, s->created_at, s->last_used_at);
}

int64_t session_touch_interval_ms(const config_t *cfg)
{
	int64_t quarter = (int64_t)cfg->session_idle_timeout * 250;
	return quarter < 60000 ? quarter : 60000;
}

size_t session_find_expired(store_txn *t, const config_t *cfg, int64_t now,
			    const uint8_t from[SESSION_ID_BYTES], size_t max_seen, session_ref *out,
			    size_t max_out, uint8_t next[SESSION_ID_BYTES], int *more)
{
	*more = 0;
	MDB_cursor *cur;
	if (t->ret || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_SESSIONS], &cur)))
		return 0;
	MDB_val k = {SESSION_ID_BYTES, (void *)from}, v;
	size_t n = 0, seen = 0;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	/* Resume after `from`: it was looked at in the previous chunk. */
	if (rc == 0 && k.mv_size == SESSION_ID_BYTES &&
	    memcmp(k.mv_data, from, SESSION_ID_BYTES) == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (seen == max_seen || n == max_out) {
			*more = 1;
			break;
		}
		seen++;
		if (k.mv_size != SESSION_ID_BYTES)
			continue; /* leadd verify reports it */
		memcpy(next, k.mv_data, SESSION_ID_BYTES);
		Leadd__Store__SessionRecord *s = leadd__store__session_record__unpack(
			NULL, v.mv_size, v.mv_data);
		if (s && session_expiry(cfg, s) <= now) {
			memcpy(out[n].sid, k.mv_data, SESSION_ID_BYTES);
			out[n++].user_id = s->user_id;
		}
		if (s)
			leadd__store__session_record__free_unpacked(s, NULL);
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		t->ret = rc;
	return n;
}
