#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "log.h"
#include "store_check.h"

static const struct {
	const char *name;
	unsigned flags;
} db_defs[DB_COUNT] = {
	[DB_META] = {"meta", 0},
	[DB_LEADS] = {"leads", 0},
	[DB_CLIENTS] = {"clients", 0},
	[DB_CLIENT_NAMES] = {"client_names", 0},
	[DB_STATUSES] = {"statuses", 0},
	[DB_HISTORY] = {"history", 0},
	[DB_CHANGELOG] = {"changelog", 0},
	[DB_COUNTERS] = {"counters", 0},
	[DB_IDX_STATUS] = {"idx_status", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_IDX_OWNER] = {"idx_owner", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_IDX_CLIENT] = {"idx_client", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_IDX_TAG] = {"idx_tag", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_IDX_EMAIL] = {"idx_email", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_IDX_PHONE] = {"idx_phone", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_IDX_DUE] = {"idx_due", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_USERS] = {"users", 0},
	[DB_USER_NAMES] = {"user_names", 0},
	[DB_TEAMS] = {"teams", 0},
	[DB_TEAM_NAMES] = {"team_names", 0},
	[DB_SESSIONS] = {"sessions", 0},
	[DB_SESSIONS_BY_USER] = {"sessions_by_user", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_IDX_TEAM] = {"idx_team", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_IDX_POOL] = {"idx_pool", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_IDX_OWNER_STATUS] = {"idx_owner_status", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_IDX_WORD] = {"idx_word", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_IDX_CREATED] = {"idx_created", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_IDX_UPDATED] = {"idx_updated", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_IDX_VALUE] = {"idx_value", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_IDX_SOURCE] = {"idx_source", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_IDX_TITLE] = {"idx_title", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_LEAD_SUMMARY] = {"lead_summary", 0},
	[DB_ROLLUP] = {"rollup", 0},
	[DB_SEARCHES] = {"searches", 0},
	[DB_CLIENT_WORDS] = {"client_words", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_TAG_NAMES] = {"tag_names", 0},
	[DB_IDX_STANDBY] = {"idx_standby", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_REASONS] = {"reasons", 0},
	[DB_IDX_HIDDEN] = {"idx_hidden", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_ACTIVITIES] = {"activities", 0},
	[DB_IDX_ACT_OPEN] = {"idx_act_open", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_IDX_AGENDA] = {"idx_agenda", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_IDX_ACT_ALARM] = {"idx_act_alarm", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_OPPS] = {"opps", 0},
	[DB_IDX_OPP_LEAD] = {"idx_opp_lead", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_IDX_OPP] = {"idx_opp", MDB_DUPSORT | MDB_DUPFIXED},
	[DB_FORECAST] = {"forecast", 0},
};

const char *store_db_name(store_db db)
{
	return db < DB_COUNT ? db_defs[db].name : "?";
}

ld_code store_code(int rc)
{
	switch (rc) {
	case 0:
		return LD_OK;
	case MDB_NOTFOUND:
		return LD_NOT_FOUND;
	case MDB_KEYEXIST:
		return LD_ALREADY_EXISTS;
	case MDB_MAP_FULL:
	case MDB_TXN_FULL:
	case MDB_READERS_FULL:
	case ENOSPC:
	case EDQUOT:
	case ENOMEM:
		return LD_RESOURCE_EXHAUSTED;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
		return LD_DATA_LOSS;
	default:
		return LD_INTERNAL;
	}
}

const char *store_strerror(int rc)
{
	switch (rc) {
	case MDB_MAP_FULL:
		return "the database reached its configured size cap (map_size_max); raise it "
		       "or free disk space";
	case ENOSPC:
		return "the disk holding the data directory is full; free space and retry";
	case MDB_CORRUPTED:
		/* Also what leadd says of a record or index entry that does not
		 * read back as it wrote it: the sentence reaches users. */
		return "the stored data is damaged (a record does not read back as leadd wrote "
		       "it); the administrator should stop leadd and run leadd verify";
	case EDQUOT:
		return "the disk quota of the data directory is exhausted; free space or raise "
		       "the quota and retry";
	default:
		return mdb_strerror(rc);
	}
}

/* The flock is taken before LMDB is touched so a second process never even
 * opens the environment. The pid inside is for the error message only. */
static int take_lock(store *st, const char *dir, char *err, size_t errlen)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/leadd.lock", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EROFS) {
		/* Most often the unit's ProtectSystem=strict: only its state
		 * directory is writable, and data_dir named another one. */
		snprintf(err, errlen,
			 "cannot write in the data directory %s: it is on a read-only file "
			 "system. Under the systemd unit only /var/lib/leadd is writable: keep "
			 "data_dir there, or allow the directory with 'systemctl edit leadd' "
			 "([Service] ReadWritePaths=%s)",
			 dir, dir);
		return -1;
	}
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		char pid[32] = "";
		ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = 0;
		pid[strcspn(pid, "\n")] = 0;
		snprintf(err, errlen,
			 "data directory %s is in use by another leadd%s%s%s; stop it first", dir,
			 pid[0] ? " (pid " : "", pid, pid[0] ? ")" : "");
		close(fd);
		return -1;
	}
	char pid[32];
	int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)n, 0) != n)
		log_warn("cannot write pid to %s", path);
	st->lock_fd = fd;
	return 0;
}

static int mkdir_p(const char *dir)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* LMDB 0.9 stops the process with abort() when an internal assertion
 * fails, which a damaged page can cause; say why in the log first. */
static void lmdb_assert(MDB_env *env, const char *msg)
{
	(void)env;
	log_error("LMDB stopped on a damaged page (%s): stop leadd, run leadd verify and "
		  "restore the data directory from a backup if it reports problems",
		  msg);
}

int store_open(store *st, const char *dir, uint64_t map_size, uint64_t map_size_max,
	       unsigned max_readers, char *err, size_t errlen)
{
	memset(st, 0, sizeof(*st));
	st->lock_fd = -1;
	snprintf(st->path, sizeof(st->path), "%s", dir);
	if (mkdir_p(dir) < 0) {
		snprintf(err, errlen, "cannot create data directory %s: %s", dir, strerror(errno));
		return -1;
	}
	if (take_lock(st, dir, err, errlen) < 0)
		return -1;
	if (store_check_file(dir, err, errlen) < 0) {
		store_close(st);
		return -1;
	}
	int rc = mdb_env_create(&st->env);
	if (rc == 0)
		rc = mdb_env_set_maxdbs(st->env, DB_COUNT + 8);
	if (rc == 0)
		rc = mdb_env_set_assert(st->env, lmdb_assert);
	if (rc == 0)
		rc = mdb_env_set_maxreaders(st->env, max_readers);
	if (rc == 0)
		rc = mdb_env_set_mapsize(st->env, map_size);
	/* MDB_NOTLS: read transactions belong to our objects, not to threads. */
	if (rc == 0)
		rc = mdb_env_open(st->env, dir, MDB_NOTLS, 0600);
	if (rc != 0) {
		snprintf(err, errlen, "cannot open the database in %s: %s", dir, mdb_strerror(rc));
		store_close(st);
		return -1;
	}
	/* An existing map may be larger than asked: keep what the file has. */
	MDB_envinfo info;
	mdb_env_info(st->env, &info);
	st->map_size = info.me_mapsize;
	st->map_size_max = map_size_max > st->map_size ? map_size_max : st->map_size;
	pthread_rwlock_init(&st->map_lock, NULL);

	MDB_txn *txn;
	rc = mdb_txn_begin(st->env, NULL, 0, &txn);
	for (int i = 0; rc == 0 && i < DB_COUNT; i++)
		rc = mdb_dbi_open(txn, db_defs[i].name, db_defs[i].flags | MDB_CREATE, &st->dbi[i]);
	if (rc == 0)
		rc = mdb_txn_commit(txn);
	else
		mdb_txn_abort(txn);
	if (rc != 0) {
		snprintf(err, errlen, "cannot open the databases in %s: %s", dir,
			 store_strerror(rc));
		store_close(st);
		return -1;
	}
	return store_migrate(st, err, errlen) < 0 ? (store_close(st), -1) : 0;
}

void store_close(store *st)
{
	if (st->env) {
		mdb_env_close(st->env);
		st->env = NULL;
		pthread_rwlock_destroy(&st->map_lock);
	}
	if (st->lock_fd >= 0) {
		close(st->lock_fd);
		st->lock_fd = -1;
	}
}

int store_txn_begin(store *st, store_txn *t, int write)
{
	memset(t, 0, sizeof(*t));
	t->st = st;
	t->schema = STORE_SCHEMA_VERSION;
	t->ret = mdb_txn_begin(st->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
	if (t->ret)
		t->txn = NULL;
	return t->ret;
}

/* Below this much free space, a commit that failed with EIO failed for
 * want of space: LMDB says EIO when pwrite writes less than asked, which is
 * how a write that fills the disk ends. */
#define DISK_FULL_BELOW (1u << 20)

static int disk_is_full(const char *dir)
{
	struct statvfs sv;
	if (statvfs(dir, &sv) < 0)
		return 0;
	return (uint64_t)sv.f_bavail * sv.f_frsize < DISK_FULL_BELOW;
}

/* Name a failed commit for what it is, and log a full disk once: when
 * commits start failing and when they work again, not per request. */
static int commit_result(store *st, int rc)
{
	if (rc == EIO && disk_is_full(st->path))
		rc = ENOSPC;
	if (rc == ENOSPC || rc == EDQUOT) {
		if (!st->disk_full)
			log_error("writes refused, reads go on: %s (data directory %s)",
				  store_strerror(rc), st->path);
		st->disk_full = 1;
	} else if (rc == 0 && st->disk_full) {
		log_info("the data directory %s has disk space again: writes go on", st->path);
		st->disk_full = 0;
	}
	return rc;
}

int store_txn_commit(store_txn *t)
{
	if (!t->txn)
		return t->ret ? t->ret : EINVAL;
	if (t->ret) {
		mdb_txn_abort(t->txn);
	} else {
		t->ret = commit_result(t->st, mdb_txn_commit(t->txn));
	}
	t->txn = NULL;
	return t->ret;
}

void store_txn_abort(store_txn *t)
{
	if (t->txn)
		mdb_txn_abort(t->txn);
	t->txn = NULL;
}

int store_txn_renew(store_txn *t)
{
	t->ret = 0;
	t->puts = 0;
	return t->ret = mdb_txn_renew(t->txn);
}

void store_txn_reset(store_txn *t)
{
	mdb_txn_reset(t->txn);
}

int store_grow(store *st)
{
	if (st->map_size >= st->map_size_max)
		return MDB_MAP_FULL;
	uint64_t next = st->map_size * 2;
	if (next > st->map_size_max)
		next = st->map_size_max;
	pthread_rwlock_wrlock(&st->map_lock);
	int rc = mdb_env_set_mapsize(st->env, next);
	pthread_rwlock_unlock(&st->map_lock);
	if (rc != 0) {
		log_error("cannot grow the map to %llu bytes: %s", (unsigned long long)next,
			  mdb_strerror(rc));
		return rc;
	}
	log_info("map grown from %llu to %llu bytes", (unsigned long long)st->map_size,
		 (unsigned long long)next);
	st->map_size = next;
	return 0;
}

void store_usage(store *st, uint64_t *map_size, uint64_t *used)
{
	MDB_envinfo info;
	MDB_stat stat;
	mdb_env_info(st->env, &info);
	mdb_env_stat(st->env, &stat);
	*map_size = info.me_mapsize;
	*used = (uint64_t)(info.me_last_pgno + 1) * stat.ms_psize;
}

int store_get(store_txn *t, store_db db, const void *key, size_t klen, MDB_val *val)
{
	if (t->ret)
		return t->ret;
	MDB_val k = {klen, (void *)key};
	int rc = mdb_get(t->txn, t->st->dbi[db], &k, val);
	if (rc && rc != MDB_NOTFOUND)
		t->ret = rc;
	return rc;
}

void store_put(store_txn *t, store_db db, const void *key, size_t klen, const void *val,
	       size_t vlen, unsigned flags)
{
	if (t->ret)
		return;
	MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
	t->puts++;
	t->ret = mdb_put(t->txn, t->st->dbi[db], &k, &v, flags);
}

void store_del(store_txn *t, store_db db, const void *key, size_t klen, const void *val,
	       size_t vlen)
{
	if (t->ret)
		return;
	MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
	t->puts++;
	int rc = mdb_del(t->txn, t->st->dbi[db], &k, val ? &v : NULL);
	/* Deleting what is not there means an index was already out of step:
	 * fail loudly rather than carry on with a store verify would reject. */
	t->ret = rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
}

void store_put_msg(store_txn *t, store_db db, const void *key, size_t klen,
		   const ProtobufCMessage *msg)
{
	if (t->ret)
		return;
	size_t n = protobuf_c_message_get_packed_size(msg);
	MDB_val k = {klen, (void *)key}, v = {n, NULL};
	t->puts++;
	t->ret = mdb_put(t->txn, t->st->dbi[db], &k, &v, MDB_RESERVE);
	if (t->ret == 0)
		protobuf_c_message_pack(msg, v.mv_data);
}

int store_get_msg(store_txn *t, store_db db, const void *key, size_t klen,
		  const ProtobufCMessageDescriptor *desc, ld_arena *arena, ProtobufCMessage **out)
{
	MDB_val v;
	int rc = store_get(t, db, key, klen, &v);
	if (rc)
		return rc;
	*out = protobuf_c_message_unpack(desc, &arena->pb, v.mv_size, v.mv_data);
	if (!*out) {
		/* A budget-limited arena can fail too; records are never that big. */
		t->ret = arena->exhausted ? ENOMEM : MDB_CORRUPTED;
		return t->ret;
	}
	return 0;
}

void store_key_u64(uint8_t out[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		out[i] = (uint8_t)v;
		v >>= 8;
	}
}

uint64_t store_key_get_u64(const void *p)
{
	const uint8_t *b = p;
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | b[i];
	return v;
}

void store_key_u64_pair(uint8_t out[16], uint64_t a, uint64_t b)
{
	store_key_u64(out, a);
	store_key_u64(out + 8, b);
}

uint64_t store_meta_get(store_txn *t, const char *name)
{
	MDB_val v;
	if (store_get(t, DB_META, name, strlen(name), &v) != 0)
		return 0;
	if (v.mv_size != 8) {
		t->ret = MDB_CORRUPTED;
		return 0;
	}
	return store_key_get_u64(v.mv_data);
}

void store_meta_put(store_txn *t, const char *name, uint64_t v)
{
	uint8_t b[8];
	store_key_u64(b, v);
	store_put(t, DB_META, name, strlen(name), b, 8, 0);
}

uint64_t store_meta_next(store_txn *t, const char *name)
{
	uint64_t v = store_meta_get(t, name) + 1;
	store_meta_put(t, name, v);
	return t->ret ? 0 : v;
}

void store_meta_mark(store_txn *t, const char *prefix, uint64_t id, int pending)
{
	size_t n = strlen(prefix);
	uint8_t key[64 + 8];
	if (n > 64) {
		t->ret = t->ret ? t->ret : EINVAL;
		return;
	}
	memcpy(key, prefix, n);
	store_key_u64(key + n, id);
	MDB_val v;
	int have = store_get(t, DB_META, key, n + 8, &v) == 0;
	uint8_t one = 1;
	if (pending && !have)
		store_put(t, DB_META, key, n + 8, &one, 1, 0);
	else if (!pending && have)
		store_del(t, DB_META, key, n + 8, NULL, 0);
}

uint64_t store_meta_first_mark(store_txn *t, const char *prefix)
{
	MDB_cursor *cur;
	if (t->ret || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_META], &cur)))
		return 0;
	size_t n = strlen(prefix);
	MDB_val k = {n, (void *)prefix}, v;
	uint64_t id = 0;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && k.mv_size == n + 8 && memcmp(k.mv_data, prefix, n) == 0)
		id = store_key_get_u64((const uint8_t *)k.mv_data + n);
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		t->ret = rc;
	return id;
}

int store_finish_marked(store *st, const char *prefix, store_mark_chunk chunk, size_t arena_size,
			uint64_t *done)
{
	ld_arena ar;
	ld_arena_init(&ar, arena_size);
	uint64_t id = 0, after = 0;
	int err;
	for (;;) {
		store_txn t;
		if ((err = store_txn_begin(st, &t, 1)))
			break;
		uint64_t next = store_meta_first_mark(&t, prefix);
		if (!next || t.ret) {
			err = t.ret;
			store_txn_abort(&t);
			break;
		}
		if (next != id) {
			id = next;
			after = 0;
		}
		uint64_t was = after;
		ld_arena_reset(&ar);
		uint64_t changed = chunk(&t, id, &after, &ar);
		err = store_txn_commit(&t);
		if (err) {
			after = was; /* the chunk did not happen: do it again */
			if (err == MDB_MAP_FULL && store_grow(st) == 0)
				continue;
			break;
		}
		*done += changed;
	}
	ld_arena_free(&ar);
	return err;
}

int store_first_time_key(store *st, store_db db, int64_t *first)
{
	store_txn t;
	*first = 0;
	pthread_rwlock_rdlock(&st->map_lock);
	int err = store_txn_begin(st, &t, 0);
	if (err == 0) {
		MDB_cursor *cur;
		if ((err = mdb_cursor_open(t.txn, st->dbi[db], &cur)) == 0) {
			MDB_val k, v;
			err = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
			if (err == 0 && k.mv_size == 8)
				*first = (int64_t)store_key_get_u64(k.mv_data);
			else if (err == 0)
				err = MDB_CORRUPTED;
			mdb_cursor_close(cur);
		}
		store_txn_abort(&t);
	}
	pthread_rwlock_unlock(&st->map_lock);
	return err == MDB_NOTFOUND ? 0 : err;
}
