/* The LMDB store: one environment, every named database opened before any
 * thread starts, an flock on the data directory, and a transaction wrapper
 * with a sticky error (after the first failure every call is a no-op and
 * the caller checks once at the end, as Knot DNS's knot_lmdb does). */
#ifndef LEADD_STORE_H
#define LEADD_STORE_H

#include <lmdb.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "ld_arena.h"
#include "ld_error.h"

/* Named databases. Index databases are DUPSORT|DUPFIXED with 8-byte
 * big-endian lead ids as values, as OpenLDAP's back-mdb does. */
typedef enum {
	DB_META,
	DB_LEADS,        /* lead id -> packed leadd.Lead */
	DB_CLIENTS,      /* client id -> packed ClientRecord */
	DB_CLIENT_NAMES, /* normalised client name -> client id */
	DB_STATUSES,     /* status id -> packed leadd.Status */
	DB_HISTORY,      /* lead id|revision -> packed HistoryEntry */
	DB_CHANGELOG,    /* revision -> packed ChangeEntry */
	DB_COUNTERS,     /* team|owner|status[|currency] -> count, value (lead_counters.h) */
	DB_IDX_STATUS,   /* status id -> lead ids */
	DB_IDX_OWNER,    /* owner id -> lead ids */
	DB_IDX_CLIENT,   /* client id -> lead ids */
	DB_IDX_TAG,      /* normalised tag -> lead ids */
	DB_IDX_EMAIL,    /* normalised email -> lead ids */
	DB_IDX_PHONE,    /* normalised phone -> lead ids */
	DB_IDX_DUE,      /* next action time (u64 BE) -> lead ids */
	DB_USERS,        /* user id -> packed UserRecord */
	DB_USER_NAMES,   /* user name -> user id */
	DB_TEAMS,        /* team id -> packed TeamRecord */
	DB_TEAM_NAMES,   /* team name -> team id */
	DB_SESSIONS,     /* keyed hash of a session token -> packed SessionRecord */
	/* user id -> that user's session ids (32 bytes), DUPSORT|DUPFIXED */
	DB_SESSIONS_BY_USER,
	/* Search indexes (schema 6), DUPSORT|DUPFIXED lead ids like the above. */
	DB_IDX_TEAM,         /* team id -> its leads (owned by members, and its pool) */
	DB_IDX_POOL,         /* team id -> its unowned leads */
	DB_IDX_OWNER_STATUS, /* owner id|status id -> lead ids */
	DB_IDX_WORD,         /* folded word of title, client, contacts -> lead ids */
	DB_IDX_CREATED,      /* created_at (u64 BE) -> lead ids */
	DB_IDX_UPDATED,      /* updated_at (u64 BE) -> lead ids */
	DB_IDX_VALUE,        /* currency (3) | amount (sortable u64 BE) -> lead ids */
	DB_IDX_SOURCE,       /* folded source -> lead ids */
	DB_IDX_TITLE,        /* folded title, first bytes -> lead ids (sort by title) */
	DB_LEAD_SUMMARY,     /* lead id -> fixed-size summary (lead_index.h) */
	/* KPI flow (schema 7): day|team|owner|metric... -> u64 (lead_rollup.h) */
	DB_ROLLUP,
	/* Saved searches (schema 6): scope|folded name -> packed SavedSearchRecord */
	DB_SEARCHES,
	/* Client folders (schema 8): folded word of a folder's name -> client ids */
	DB_CLIENT_WORDS,
	/* Tags (schema 8): folded tag -> the tag as first written */
	DB_TAG_NAMES,
	/* Lifecycle (schema 9): stand-by wake time (u64 BE) -> lead ids */
	DB_IDX_STANDBY,
	/* Dead/lost reasons (schema 9): team id|folded text -> ReasonRecord */
	DB_REASONS,
	/* Lifecycle (schema 9): key 0 (u64) -> the ids of leads archived or on
	 * stand-by, the ones a plain listing leaves out (search_exec.c walks
	 * it beside the driver instead of reading each candidate's summary) */
	DB_IDX_HIDDEN,
	/* Activities (schema 10, activity_core.h): lead id|number (2 x u64 BE)
	 * -> packed leadd.Activity; lead id|0 -> the lead's last number (u64 BE) */
	DB_ACTIVITIES,
	/* lead id -> due time|number (2 x u64 BE) of its open activities: the
	 * first is the lead's earliest (its next action) */
	DB_IDX_ACT_OPEN,
	/* assignee id|due time -> lead id|number of open activities: an
	 * agenda is one range scan */
	DB_IDX_AGENDA,
	/* due time -> lead id|number of open activities not yet announced as
	 * due: the due timer's queue (activity_timer.c) */
	DB_IDX_ACT_ALARM,
	/* Opportunities (schema 11, opp_core.h): opp id -> leadd.Opportunity */
	DB_OPPS,
	/* lead id -> state|close day|opp id (opp_core.h): a lead's opportunities */
	DB_IDX_OPP_LEAD,
	/* team|owner of the lead -> state|close day|opp id: opp_list's walk */
	DB_IDX_OPP,
	/* forecast counters kept by the write core (opp_core.h) */
	DB_FORECAST,
	DB_COUNT
} store_db;

typedef struct store {
	MDB_env *env;
	MDB_dbi dbi[DB_COUNT];
	int lock_fd;
	char path[4096];
	uint64_t map_size;
	uint64_t map_size_max;
	/* Readers hold it shared around each read transaction; the writer holds
	 * it exclusively while it resizes the map, which LMDB allows only with
	 * no transaction open in the process. */
	pthread_rwlock_t map_lock;
	/* Set while commits fail for want of disk space, so the log says it
	 * once when it starts and once when it ends. Only the thread that
	 * commits (the writer) touches it. */
	int disk_full;
} store;

typedef struct {
	store *st;
	MDB_txn *txn;
	int ret;            /* first LMDB error, sticky */
	uint64_t puts;      /* puts and deletes done: a handler that fails after
			     * writing forces its batch to be replayed without it */
	size_t chunk_bytes; /* memory the chunks of bulk moves in this
			     * transaction loaded: they share one bound */
	/* The schema the data is being brought to while a migration runs
	 * (store_migrate.c); STORE_SCHEMA_VERSION otherwise. The write core
	 * keeps only the structures that exist at that schema: a later
	 * migration builds the newer ones from the records. */
	uint64_t schema;
} store_txn;

/* Open (creating if needed) the data directory. Takes the flock first: a
 * second leadd, or verify beside a running one, is refused. Then refuses a
 * truncated or damaged data.mdb before LMDB maps it (store_check.c). 0, or
 * -1 with a sentence in err. */
int store_open(store *st, const char *dir, uint64_t map_size, uint64_t map_size_max,
	       unsigned max_readers, char *err, size_t errlen);
void store_close(store *st);

int store_txn_begin(store *st, store_txn *t, int write);
/* Commit; returns the sticky error if any (and aborts). A commit that
 * fails for want of disk space returns ENOSPC (or EDQUOT), also when LMDB
 * says EIO after a short write, and is logged once until one succeeds. */
int store_txn_commit(store_txn *t);
void store_txn_abort(store_txn *t);
/* Read transaction reused across requests on one thread (reset/renew). */
int store_txn_renew(store_txn *t);
void store_txn_reset(store_txn *t);

/* The database's name in the environment (as mdb_stat and mdb_dump show it). */
const char *store_db_name(store_db db);

/* The one map from LMDB errors to ld codes (and sentences). */
ld_code store_code(int mdb_rc);
const char *store_strerror(int mdb_rc);

/* Grow the map (double, up to the cap). Caller holds no transaction.
 * 0, or MDB_MAP_FULL when the cap is reached. */
int store_grow(store *st);
void store_usage(store *st, uint64_t *map_size, uint64_t *used);

/* Primitive operations, all no-ops after the first error. */
int store_get(store_txn *t, store_db db, const void *key, size_t klen, MDB_val *val);
void store_put(store_txn *t, store_db db, const void *key, size_t klen, const void *val,
	       size_t vlen, unsigned flags);
void store_del(store_txn *t, store_db db, const void *key, size_t klen, const void *val,
	       size_t vlen);
/* Pack a protobuf message straight into the map with MDB_RESERVE. */
void store_put_msg(store_txn *t, store_db db, const void *key, size_t klen,
		   const ProtobufCMessage *msg);
/* Get and unpack a message through the arena. 0, MDB_NOTFOUND, or an error
 * (MDB_CORRUPTED when the record does not decode). */
int store_get_msg(store_txn *t, store_db db, const void *key, size_t klen,
		  const ProtobufCMessageDescriptor *desc, ld_arena *arena, ProtobufCMessage **out);

/* Key helpers: never build key layouts by hand at call sites. */
void store_key_u64(uint8_t out[8], uint64_t v);
uint64_t store_key_get_u64(const void *p);
void store_key_u64_pair(uint8_t out[16], uint64_t a, uint64_t b);

/* The first key of an index keyed by a u64 time (the stand-by and due
 * timers' queues), read in a transaction of its own under the map lock:
 * 0 with *first (0: the index is empty), or an LMDB error (MDB_CORRUPTED
 * for a key of the wrong size). */
int store_first_time_key(store *st, store_db db, int64_t *first);

/* meta: named u64 values. */
uint64_t store_meta_get(store_txn *t, const char *name);
void store_meta_put(store_txn *t, const char *name, uint64_t v);
/* Increment a meta counter and return the new value (ids, revisions). */
uint64_t store_meta_next(store_txn *t, const char *name);

/* Work that spans several commits and must be finished after a crash
 * (a team move, a folder rename) marks itself in meta under `prefix` and an
 * id (u64 BE): every chunk that leaves work behind sets the mark, the last
 * one clears it, and the next start finishes what is still marked. */
void store_meta_mark(store_txn *t, const char *prefix, uint64_t id, int pending);
/* The id of the first mark under `prefix`, or 0. */
uint64_t store_meta_first_mark(store_txn *t, const char *prefix);

/* One chunk of a marked job: goes on after *after (the last item done,
 * 0 to start) for `id`, moves *after on, clears the job's mark when nothing
 * is left, and returns how many items it changed. `ar` is reset for it. */
typedef uint64_t (*store_mark_chunk)(store_txn *t, uint64_t id, uint64_t *after, ld_arena *ar);
/* At start, before anything else runs: finish every job marked under
 * `prefix`, one chunk per commit (growing the map when it is full), and
 * add the items changed to *done. 0, or the LMDB error that stopped it. */
int store_finish_marked(store *st, const char *prefix, store_mark_chunk chunk, size_t arena_size,
			uint64_t *done);

#define META_SCHEMA_VERSION "schema_version"
#define META_LAST_REVISION "last_revision"
#define META_NEXT_LEAD_ID "last_lead_id"
#define META_NEXT_CLIENT_ID "last_client_id"
#define META_NEXT_STATUS_ID "last_status_id"
#define META_NEXT_USER_ID "last_user_id"
#define META_NEXT_TEAM_ID "last_team_id"
#define META_NEXT_OPP_ID "last_opp_id"
/* 32 random bytes: the key of the hash under which session tokens are stored,
 * so the sessions database alone does not let anyone check a guessed token. */
#define META_SESSION_KEY "session_key"

/* Migrations (store_migrate.c): bring a data directory to the current
 * schema. Runs in one write transaction at open. */
#define STORE_SCHEMA_VERSION 11
int store_migrate(store *st, char *err, size_t errlen);

#endif
