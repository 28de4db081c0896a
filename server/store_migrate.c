/* The one ordered list of storage migrations. A data directory records the
 * schema version it is at; opening it runs every later migration, in order,
 * in one write transaction, so a crash mid-way leaves the old version. */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "client_folder.h"
#include "leadd.pb-c.h"
#include "leadd_store.pb-c.h"
#include "log.h"
#include "migrate.h"
#include "store.h"
#include "tag_names.h"

/* NetSuite's default lead statuses. Ids are stable: counters key on them. */
static void seed_default_statuses(store_txn *t)
{
	static const struct {
		const char *name;
		Leadd__Stage stage;
		uint32_t probability;
		Leadd__KpiClass kpi;
	} defaults[] = {
		{"lead-New", LEADD__STAGE__STAGE_LEAD, 0, LEADD__KPI_CLASS__KPI_NEW},
		{"lead-Qualified", LEADD__STAGE__STAGE_LEAD, 0, LEADD__KPI_CLASS__KPI_QUALIFIED},
		{"lead-Dead", LEADD__STAGE__STAGE_LEAD, 0, LEADD__KPI_CLASS__KPI_DEAD},
		{"prospect-Qualified", LEADD__STAGE__STAGE_PROSPECT, 10,
		 LEADD__KPI_CLASS__KPI_PROSPECT},
		{"prospect-Lost", LEADD__STAGE__STAGE_PROSPECT, 0, LEADD__KPI_CLASS__KPI_LOST},
		{"customer-Won", LEADD__STAGE__STAGE_CUSTOMER, 100, LEADD__KPI_CLASS__KPI_WON},
	};
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		Leadd__Status s = LEADD__STATUS__INIT;
		s.has_id = s.has_stage = s.has_probability = s.has_kpi_class = s.has_position = 1;
		s.id = store_meta_next(t, META_NEXT_STATUS_ID);
		s.name = (char *)defaults[i].name;
		s.stage = defaults[i].stage;
		s.probability = defaults[i].probability;
		s.kpi_class = defaults[i].kpi;
		s.position = (uint32_t)i + 1;
		uint8_t key[8];
		store_key_u64(key, s.id);
		store_put_msg(t, DB_STATUSES, key, 8, &s.base);
	}
}

/* Users and sessions arrive: the databases open themselves; what must be
 * made once is the key that session tokens are hashed with. */
static void create_session_key(store_txn *t)
{
	uint8_t key[32];
	randombytes_buf(key, sizeof(key));
	store_put(t, DB_META, META_SESSION_KEY, strlen(META_SESSION_KEY), key, sizeof(key), 0);
	sodium_memzero(key, sizeof(key));
}

/* Sessions get an index by user, so revoking a user's sessions (password
 * change, disable) reads their entries instead of every session. Built from
 * the sessions that exist; one that does not decode is left for verify. */
static void index_sessions_by_user(store_txn *t)
{
	MDB_cursor *cur;
	if (t->ret || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_SESSIONS], &cur)))
		return;
	MDB_val k, v;
	int rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && !t->ret;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		Leadd__Store__SessionRecord *s = leadd__store__session_record__unpack(
			NULL, v.mv_size, v.mv_data);
		if (!s)
			continue;
		uint8_t key[8];
		store_key_u64(key, s->user_id);
		if (k.mv_size == 32)
			store_put(t, DB_SESSIONS_BY_USER, key, sizeof(key), k.mv_data, k.mv_size,
				  0);
		leadd__store__session_record__free_unpacked(s, NULL);
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND && !t->ret)
		t->ret = rc;
}

/* Schema 8 (issue 10): the folders first, since merging two of them moves
 * leads through the write core, which from schema 8 also names their tags. */
static void migrate_record(store_txn *t)
{
	migrate_clients(t);
	migrate_tag_names(t);
}

static char migrate_why[256];

void migrate_fail(store_txn *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(migrate_why, sizeof(migrate_why), fmt, ap);
	va_end(ap);
	t->ret = MDB_CORRUPTED;
}

static const struct {
	uint64_t version;
	const char *what;
	void (*apply)(store_txn *t);
} migrations[] = {
	{1, "seed the default statuses", seed_default_statuses},
	{2, "create the session token key", create_session_key},
	{3, "index the sessions by user", index_sessions_by_user},
	{4, "fold user, team, client and tag names by Unicode rules", migrate_fold_names},
	{5, "move owned leads into their owner's team", migrate_lead_teams},
	{6, "build the search indexes and lead summaries", migrate_search_indexes},
	{7, "rebuild the KPI counters by team and the per-day rollup", migrate_kpi},
	{8, "key client folders past punctuation and spaces, index their words, name the tags",
	 migrate_record},
	{9, "flag the conversion target status; stand-by, archive and reasons", migrate_lifecycle},
	{10, "activities and their indexes", migrate_activities},
	{11, "opportunities, the forecast counters; flag the customer stage's won status",
	 migrate_opportunities},
};

int store_migrate(store *st, char *err, size_t errlen)
{
	store_txn t;
	if (store_txn_begin(st, &t, 1) != 0) {
		snprintf(err, errlen, "cannot start a transaction: %s", store_strerror(t.ret));
		return -1;
	}
	uint64_t have = store_meta_get(&t, META_SCHEMA_VERSION);
	if (have > STORE_SCHEMA_VERSION) {
		store_txn_abort(&t);
		snprintf(err, errlen,
			 "the data directory has schema version %llu, newer than this leadd "
			 "understands (%d); run a newer leadd",
			 (unsigned long long)have, STORE_SCHEMA_VERSION);
		return -1;
	}
	migrate_why[0] = 0;
	size_t failed = 0;
	for (size_t i = 0; i < sizeof(migrations) / sizeof(migrations[0]) && !t.ret; i++) {
		if (migrations[i].version <= have)
			continue;
		log_info("migrating data to schema %llu: %s",
			 (unsigned long long)migrations[i].version, migrations[i].what);
		t.schema = migrations[i].version;
		migrations[i].apply(&t);
		t.schema = STORE_SCHEMA_VERSION;
		store_meta_put(&t, META_SCHEMA_VERSION, migrations[i].version);
		failed = i;
	}
	if (t.ret) {
		/* Every migration runs in this one transaction: aborted, the
		 * directory is exactly as it was. */
		int rc = t.ret;
		store_txn_abort(&t);
		snprintf(err, errlen,
			 "migrating the data to schema %llu (%s) failed: %s; nothing was changed "
			 "(the data directory is still at schema %llu). %s",
			 (unsigned long long)migrations[failed].version, migrations[failed].what,
			 migrate_why[0] ? migrate_why : store_strerror(rc),
			 (unsigned long long)have,
			 migrate_why[0] ? "Restore that record, or the data directory, from a "
					  "backup (the leadd that wrote it can list all the damage "
					  "with 'leadd verify')"
					: "Fix the cause and start leadd again");
		return -1;
	}
	int rc = have == STORE_SCHEMA_VERSION ? (store_txn_abort(&t), 0) : store_txn_commit(&t);
	if (rc != 0) {
		snprintf(err, errlen, "migration failed: %s", store_strerror(rc));
		return -1;
	}
	return 0;
}
