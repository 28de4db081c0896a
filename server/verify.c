#include "verify.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ld_norm.h"
#include "lead_index.h"
#include "leadd_store.pb-c.h"
#include "request_limits.h"
#include "store.h"
#include "users.h"

typedef struct {
	store_txn t;
	ld_arena arena;
	uint64_t problems;
	uint64_t leads, history, changes, index_entries, clients;
	/* recount of (owner, status) -> count, sorted by key */
	struct count {
		uint64_t owner, status, n;
	} * counts;
	size_t n_counts, cap_counts;
} verifier;

static void problem(verifier *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(verifier *v, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("verify: ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
	v->problems++;
}

static void count_lead(verifier *v, uint64_t owner, uint64_t status)
{
	for (size_t i = 0; i < v->n_counts; i++)
		if (v->counts[i].owner == owner && v->counts[i].status == status) {
			v->counts[i].n++;
			return;
		}
	if (v->n_counts == v->cap_counts) {
		v->cap_counts = v->cap_counts ? v->cap_counts * 2 : 64;
		v->counts = realloc(v->counts, v->cap_counts * sizeof(*v->counts));
		if (!v->counts) {
			fprintf(stderr, "verify: out of memory\n");
			exit(1);
		}
	}
	v->counts[v->n_counts++] = (struct count){owner, status, 1};
}

/* Every key the lead should have is in its index. */
static void check_lead_indexes(verifier *v, const Leadd__Lead *l)
{
	static lead_index_keyset keys;
	uint8_t id[8];
	store_key_u64(id, l->id);
	for (size_t i = 0; i < lead_index_count; i++) {
		lead_index_keys(l, lead_index_dbs[i], &keys);
		MDB_cursor *cur;
		if (mdb_cursor_open(v->t.txn, v->t.st->dbi[lead_index_dbs[i]], &cur))
			return;
		for (size_t k = 0; k < keys.n; k++) {
			MDB_val kv = {keys.keys[k].len, keys.keys[k].data}, dv = {8, id};
			if (mdb_cursor_get(cur, &kv, &dv, MDB_GET_BOTH) != 0)
				problem(v,
					"lead %" PRIu64 ": index %zu lacks key '%.*s' (%zu bytes)",
					l->id, i, (int)keys.keys[k].len, keys.keys[k].data,
					keys.keys[k].len);
		}
		mdb_cursor_close(cur);
	}
}

/* The lead's last history entry is the lead itself, at its version. */
static void check_lead_history(verifier *v, const Leadd__Lead *l, const MDB_val *record)
{
	MDB_cursor *cur;
	if (mdb_cursor_open(v->t.txn, v->t.st->dbi[DB_HISTORY], &cur))
		return;
	uint8_t key[16];
	store_key_u64_pair(key, l->id, l->version);
	MDB_val k = {16, key}, d;
	if (mdb_cursor_get(cur, &k, &d, MDB_SET_KEY) != 0) {
		problem(v, "lead %" PRIu64 ": no history entry for its version %" PRIu64, l->id,
			l->version);
	} else {
		Leadd__Store__HistoryEntry *h = leadd__store__history_entry__unpack(
			&v->arena.pb, d.mv_size, d.mv_data);
		if (!h || !h->lead) {
			problem(v, "lead %" PRIu64 ": history entry %" PRIu64 " does not decode",
				l->id, l->version);
		} else {
			size_t n = leadd__lead__get_packed_size(h->lead);
			uint8_t *buf = ld_arena_alloc(&v->arena, n ? n : 1);
			if (buf && (leadd__lead__pack(h->lead, buf) != record->mv_size ||
				    memcmp(buf, record->mv_data, n) != 0))
				problem(v,
					"lead %" PRIu64
					": record differs from its history at %" PRIu64,
					l->id, l->version);
		}
		/* Nothing may come after the current version. */
		if (mdb_cursor_get(cur, &k, &d, MDB_NEXT) == 0 && k.mv_size == 16 &&
		    store_key_get_u64(k.mv_data) == l->id)
			problem(v, "lead %" PRIu64 ": history goes past its version %" PRIu64,
				l->id, l->version);
	}
	mdb_cursor_close(cur);
}

static void check_lead_refs(verifier *v, const Leadd__Lead *l)
{
	uint8_t key[8];
	MDB_val d;
	store_key_u64(key, l->status_id);
	if (store_get(&v->t, DB_STATUSES, key, 8, &d) != 0)
		problem(v, "lead %" PRIu64 ": status %" PRIu64 " does not exist", l->id,
			l->status_id);
	if (!l->client_id) {
		if (l->client_name)
			problem(v, "lead %" PRIu64 ": client name without a client id", l->id);
		return;
	}
	store_key_u64(key, l->client_id);
	Leadd__Store__ClientRecord *c;
	if (store_get_msg(&v->t, DB_CLIENTS, key, 8, &leadd__store__client_record__descriptor,
			  &v->arena, (ProtobufCMessage **)&c) != 0) {
		v->t.ret = 0;
		problem(v, "lead %" PRIu64 ": client %" PRIu64 " does not exist", l->id,
			l->client_id);
	} else if (!l->client_name || strcmp(c->name, l->client_name) != 0) {
		problem(v,
			"lead %" PRIu64 ": client name '%s' differs from folder %" PRIu64 " '%s'",
			l->id, l->client_name ? l->client_name : "", l->client_id, c->name);
	}
}

/* The owner and team a lead names exist. */
static void check_lead_people(verifier *v, const Leadd__Lead *l)
{
	user_record *u;
	team_record *tm;
	if (l->owner_id && user_load(&v->t, l->owner_id, &v->arena, &u) != 0) {
		v->t.ret = 0;
		problem(v, "lead %" PRIu64 ": owner %" PRIu64 " does not exist", l->id,
			l->owner_id);
	}
	if (l->team_id && team_load(&v->t, l->team_id, &v->arena, &tm) != 0) {
		v->t.ret = 0;
		problem(v, "lead %" PRIu64 ": team %" PRIu64 " does not exist", l->id, l->team_id);
	}
}

/* An owned lead is in its owner's team: the team follows the owner (a
 * team change of the user moves their leads), so the old team's pool and
 * round-robin never hand it out. */
static void check_lead_team(verifier *v, const Leadd__Lead *l)
{
	user_record *u;
	if (!l->owner_id || user_load(&v->t, l->owner_id, &v->arena, &u) != 0) {
		v->t.ret = 0; /* a missing owner is reported by check_lead_people */
		return;
	}
	if (l->team_id != u->team_id)
		problem(v,
			"lead %" PRIu64 " is in team %" PRIu64 " but its owner %" PRIu64
			" is in team %" PRIu64,
			l->id, l->team_id, l->owner_id, u->team_id);
}

/* Names and records of users and teams map one to one; a user's team
 * exists; sessions belong to users. */
static void check_names(verifier *v, store_db records, store_db names, const char *what)
{
	MDB_cursor *cur;
	MDB_val k, d;
	uint64_t count = 0;
	if (mdb_cursor_open(v->t.txn, v->t.st->dbi[records], &cur))
		return;
	for (int rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		ld_arena_reset(&v->arena);
		count++;
		uint64_t id = store_key_get_u64(k.mv_data);
		const char *name = NULL;
		uint64_t team = 0;
		if (records == DB_USERS) {
			user_record *u = leadd__store__user_record__unpack(&v->arena.pb, d.mv_size,
									   d.mv_data);
			name = u ? u->name : NULL;
			team = u ? u->team_id : 0;
			if (u && !u->password_hash)
				problem(v, "user %" PRIu64 " has no password hash", id);
		} else {
			team_record *tm = leadd__store__team_record__unpack(&v->arena.pb, d.mv_size,
									    d.mv_data);
			name = tm ? tm->name : NULL;
		}
		MDB_val x;
		if (!name) {
			problem(v, "%s record %" PRIu64 " does not decode", what, id);
		} else if (store_get(&v->t, names, name, strlen(name), &x) != 0 || x.mv_size != 8 ||
			   store_key_get_u64(x.mv_data) != id) {
			problem(v, "%s %" PRIu64 " '%s' is not found by its name", what, id, name);
		}
		team_record *tm;
		if (team && team_load(&v->t, team, &v->arena, &tm) != 0) {
			v->t.ret = 0;
			problem(v, "user %" PRIu64 " is in team %" PRIu64 ", which does not exist",
				id, team);
		}
	}
	mdb_cursor_close(cur);
	MDB_stat ms;
	if (mdb_stat(v->t.txn, v->t.st->dbi[names], &ms) == 0 && ms.ms_entries != count)
		problem(v, "%zu %s names but %" PRIu64 " %ss", ms.ms_entries, what, count, what);
}

static void check_sessions(verifier *v)
{
	MDB_cursor *cur;
	MDB_val k, d;
	if (mdb_cursor_open(v->t.txn, v->t.st->dbi[DB_SESSIONS], &cur))
		return;
	for (int rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		ld_arena_reset(&v->arena);
		Leadd__Store__SessionRecord *s = leadd__store__session_record__unpack(
			&v->arena.pb, d.mv_size, d.mv_data);
		user_record *u;
		if (!s || k.mv_size != 32)
			problem(v, "a session record does not decode");
		else if (user_load(&v->t, s->user_id, &v->arena, &u) != 0) {
			v->t.ret = 0;
			problem(v, "a session belongs to user %" PRIu64 ", who does not exist",
				s->user_id);
		}
	}
	mdb_cursor_close(cur);
}

static void check_leads(verifier *v, uint64_t *max_id)
{
	MDB_cursor *cur;
	MDB_val k, d;
	if (mdb_cursor_open(v->t.txn, v->t.st->dbi[DB_LEADS], &cur))
		return;
	for (int rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		ld_arena_reset(&v->arena);
		v->leads++;
		uint64_t id = k.mv_size == 8 ? store_key_get_u64(k.mv_data) : 0;
		Leadd__Lead *l = leadd__lead__unpack(&v->arena.pb, d.mv_size, d.mv_data);
		if (!l || l->id != id) {
			problem(v, "lead record under key %" PRIu64 " %s", id,
				l ? "carries another id" : "does not decode");
			continue;
		}
		if (id > *max_id)
			*max_id = id;
		count_lead(v, l->owner_id, l->status_id);
		check_lead_indexes(v, l);
		check_lead_history(v, l, &d);
		check_lead_refs(v, l);
		check_lead_people(v, l);
		check_lead_team(v, l);
	}
	mdb_cursor_close(cur);
}

/* Every index entry belongs to a lead that has that key. */
static void check_index_entries(verifier *v)
{
	static lead_index_keyset keys;
	for (size_t i = 0; i < lead_index_count; i++) {
		MDB_cursor *cur;
		MDB_val k, d;
		if (mdb_cursor_open(v->t.txn, v->t.st->dbi[lead_index_dbs[i]], &cur))
			return;
		for (int rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0;
		     rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
			ld_arena_reset(&v->arena);
			v->index_entries++;
			uint64_t id = d.mv_size == 8 ? store_key_get_u64(d.mv_data) : 0;
			Leadd__Lead *l;
			uint8_t key[8];
			store_key_u64(key, id);
			if (store_get_msg(&v->t, DB_LEADS, key, 8, &leadd__lead__descriptor,
					  &v->arena, (ProtobufCMessage **)&l) != 0) {
				v->t.ret = 0;
				problem(v,
					"index %zu points at lead %" PRIu64
					", which does not exist",
					i, id);
				continue;
			}
			lead_index_keys(l, lead_index_dbs[i], &keys);
			if (!lead_index_keyset_has(&keys, k.mv_data, k.mv_size))
				problem(v, "index %zu has a stale key '%.*s' for lead %" PRIu64, i,
					(int)k.mv_size, (char *)k.mv_data, id);
		}
		mdb_cursor_close(cur);
	}
}

static void check_counters(verifier *v)
{
	MDB_cursor *cur;
	MDB_val k, d;
	if (mdb_cursor_open(v->t.txn, v->t.st->dbi[DB_COUNTERS], &cur))
		return;
	size_t seen = 0;
	for (int rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		uint64_t owner = store_key_get_u64(k.mv_data);
		uint64_t status = store_key_get_u64((char *)k.mv_data + 8);
		uint64_t n = d.mv_size == 8 ? store_key_get_u64(d.mv_data) : UINT64_MAX;
		uint64_t want = 0;
		for (size_t i = 0; i < v->n_counts; i++)
			if (v->counts[i].owner == owner && v->counts[i].status == status)
				want = v->counts[i].n;
		if (want)
			seen++;
		if (n != want)
			problem(v,
				"counter (owner %" PRIu64 ", status %" PRIu64 ") is %" PRIu64
				", a recount gives %" PRIu64,
				owner, status, n, want);
	}
	mdb_cursor_close(cur);
	if (seen != v->n_counts)
		problem(v, "%zu (owner, status) pairs have leads but no counter",
			v->n_counts - seen);
}

/* History entries belong to existing leads; each has its change-log entry;
 * revisions never pass meta's last revision. */
static void check_history(verifier *v, uint64_t last_revision)
{
	MDB_cursor *cur;
	MDB_val k, d;
	if (mdb_cursor_open(v->t.txn, v->t.st->dbi[DB_HISTORY], &cur))
		return;
	for (int rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		v->history++;
		uint64_t id = store_key_get_u64(k.mv_data);
		uint64_t rev = store_key_get_u64((char *)k.mv_data + 8);
		uint8_t key[8];
		MDB_val x;
		store_key_u64(key, id);
		if (store_get(&v->t, DB_LEADS, key, 8, &x) != 0)
			problem(v, "history of lead %" PRIu64 " but no such lead", id);
		if (rev > last_revision)
			problem(v,
				"history revision %" PRIu64 " is past the last revision %" PRIu64,
				rev, last_revision);
		ld_arena_reset(&v->arena);
		Leadd__Store__ChangeEntry *e;
		store_key_u64(key, rev);
		if (store_get_msg(&v->t, DB_CHANGELOG, key, 8,
				  &leadd__store__change_entry__descriptor, &v->arena,
				  (ProtobufCMessage **)&e) != 0) {
			v->t.ret = 0;
			problem(v,
				"revision %" PRIu64 " of lead %" PRIu64 " has no change-log entry",
				rev, id);
		} else if (e->lead_id != id) {
			problem(v,
				"change-log revision %" PRIu64 " names lead %" PRIu64
				", history says %" PRIu64,
				rev, e->lead_id, id);
		}
	}
	mdb_cursor_close(cur);
	MDB_stat ms;
	if (mdb_stat(v->t.txn, v->t.st->dbi[DB_CHANGELOG], &ms) == 0) {
		v->changes = ms.ms_entries;
		if (ms.ms_entries != v->history)
			problem(v, "%zu change-log entries but %" PRIu64 " history entries",
				ms.ms_entries, v->history);
	}
}

static void check_clients(verifier *v)
{
	MDB_cursor *cur;
	MDB_val k, d;
	if (mdb_cursor_open(v->t.txn, v->t.st->dbi[DB_CLIENTS], &cur))
		return;
	for (int rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		v->clients++;
		ld_arena_reset(&v->arena);
		Leadd__Store__ClientRecord *c = leadd__store__client_record__unpack(
			&v->arena.pb, d.mv_size, d.mv_data);
		char norm[LIMIT_NAME * 4 + 1];
		MDB_val x;
		if (!c || !c->name || ld_norm_name(c->name, norm, sizeof(norm)) < 0) {
			problem(v, "client record %" PRIu64 " does not decode",
				store_key_get_u64(k.mv_data));
			continue;
		}
		if (store_get(&v->t, DB_CLIENT_NAMES, norm, strlen(norm), &x) != 0 ||
		    x.mv_size != 8 || store_key_get_u64(x.mv_data) != c->id)
			problem(v, "client %" PRIu64 " '%s' is not found by its name", c->id,
				c->name);
	}
	mdb_cursor_close(cur);
	MDB_stat ms;
	if (mdb_stat(v->t.txn, v->t.st->dbi[DB_CLIENT_NAMES], &ms) == 0 &&
	    ms.ms_entries != v->clients)
		problem(v, "%zu client names but %" PRIu64 " clients", ms.ms_entries, v->clients);
}

int verify_data_dir(const config_t *cfg)
{
	store st;
	char err[1024];
	if (store_open(&st, cfg->data_dir, cfg->map_size, cfg->map_size_max, 8, err, sizeof(err)) <
	    0) {
		fprintf(stderr, "leadd verify: %s\n", err);
		return 1;
	}
	verifier v;
	memset(&v, 0, sizeof(v));
	ld_arena_init(&v.arena, 0);
	if (store_txn_begin(&st, &v.t, 0) != 0) {
		fprintf(stderr, "leadd verify: %s\n", store_strerror(v.t.ret));
		store_close(&st);
		return 1;
	}
	uint64_t max_id = 0;
	uint64_t last_revision = store_meta_get(&v.t, META_LAST_REVISION);
	uint64_t last_id = store_meta_get(&v.t, META_NEXT_LEAD_ID);
	check_leads(&v, &max_id);
	check_index_entries(&v);
	check_counters(&v);
	check_history(&v, last_revision);
	check_clients(&v);
	check_names(&v, DB_USERS, DB_USER_NAMES, "user");
	check_names(&v, DB_TEAMS, DB_TEAM_NAMES, "team");
	check_sessions(&v);
	if (max_id > last_id)
		problem(&v, "lead %" PRIu64 " is past the last id given out (%" PRIu64 ")", max_id,
			last_id);
	if (v.t.ret)
		problem(&v, "storage error while checking: %s", store_strerror(v.t.ret));
	store_txn_abort(&v.t);
	store_close(&st);
	ld_arena_free(&v.arena);
	free(v.counts);
	printf("verify: %s: %" PRIu64 " leads, %" PRIu64 " history entries, %" PRIu64
	       " index entries, %" PRIu64 " clients, revision %" PRIu64 ", %" PRIu64
	       " problem(s)\n",
	       v.problems ? "FAILED" : "OK", v.leads, v.history, v.index_entries, v.clients,
	       last_revision, v.problems);
	return v.problems ? 1 : 0;
}
