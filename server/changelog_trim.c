#include "changelog_trim.h"

#include "leadd_store.pb-c.h"
#include "log.h"

/* When was the entry written (unix ms)? -1 if it does not decode. */
static int64_t entry_at(const MDB_val *v)
{
	Leadd__Store__ChangeEntry *e = leadd__store__change_entry__unpack(NULL, v->mv_size,
									  v->mv_data);
	if (!e)
		return -1;
	int64_t at = e->at;
	leadd__store__change_entry__free_unpacked(e, NULL);
	return at;
}

static size_t trim(store_txn *t, const config_t *cfg, int64_t now_ms)
{
	MDB_dbi dbi = t->st->dbi[DB_CHANGELOG];
	MDB_stat st;
	if ((t->ret = mdb_stat(t->txn, dbi, &st)))
		return 0;
	uint64_t last = store_meta_get(t, META_LAST_REVISION);
	int64_t cutoff = cfg->changelog_keep ? now_ms - (int64_t)cfg->changelog_keep * 1000
					     : INT64_MIN;
	MDB_cursor *cur;
	if (t->ret || (t->ret = mdb_cursor_open(t->txn, dbi, &cur)))
		return 0;
	MDB_val k, v;
	size_t deleted = 0;
	uint64_t next = 0;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	while (rc == 0 && k.mv_size == 8) {
		uint64_t rev = store_key_get_u64(k.mv_data);
		next = rev;
		if (deleted == CHANGELOG_TRIM_CHUNK || rev >= last)
			break;
		int over = cfg->changelog_max && st.ms_entries - deleted > cfg->changelog_max;
		/* An entry that does not decode is left for verify to report. */
		int old = 0;
		if (!over && cfg->changelog_keep) {
			int64_t at = entry_at(&v);
			old = at >= 0 && at < cutoff;
		}
		if (!over && !old)
			break;
		if ((rc = mdb_cursor_del(cur, 0)))
			break;
		t->puts++;
		deleted++;
		next = rev + 1;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		t->ret = rc;
	if (deleted && !t->ret)
		store_meta_put(t, META_CHANGELOG_FIRST, next);
	return t->ret ? 0 : deleted;
}

/* Is the oldest entry due to go? Read in t itself: most commits have
 * nothing to trim, and a nested transaction costs a dirty-page list. */
static int due(store_txn *t, const config_t *cfg, int64_t now_ms)
{
	MDB_dbi dbi = t->st->dbi[DB_CHANGELOG];
	MDB_stat st;
	if (mdb_stat(t->txn, dbi, &st) || st.ms_entries < 2)
		return 0;
	if (cfg->changelog_max && st.ms_entries > cfg->changelog_max)
		return 1;
	if (!cfg->changelog_keep)
		return 0;
	MDB_cursor *cur;
	if (mdb_cursor_open(t->txn, dbi, &cur))
		return 0;
	MDB_val k, v;
	int old = 0;
	if (mdb_cursor_get(cur, &k, &v, MDB_FIRST) == 0) {
		int64_t at = entry_at(&v);
		old = at >= 0 && at < now_ms - (int64_t)cfg->changelog_keep * 1000;
	}
	mdb_cursor_close(cur);
	return old;
}

size_t changelog_trim(store_txn *t, const config_t *cfg, int64_t now_ms)
{
	if ((!cfg->changelog_keep && !cfg->changelog_max) || t->ret || !due(t, cfg, now_ms))
		return 0;
	store_txn child = *t;
	child.ret = 0;
	if (mdb_txn_begin(t->st->env, t->txn, 0, &child.txn))
		return 0;
	size_t n = trim(&child, cfg, now_ms);
	if (child.ret || mdb_txn_commit(child.txn)) {
		if (child.ret)
			mdb_txn_abort(child.txn);
		return 0;
	}
	t->puts = child.puts;
	return n;
}
