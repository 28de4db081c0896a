#include "verify.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "changelog_trim.h"
#include "client_folder.h"
#include "ld_hash.h"
#include "ld_norm.h"
#include "lead_index.h"
#include "leadd_store.pb-c.h"
#include "request_limits.h"
#include "store.h"
#include "tls_server.h"
#include "users.h"
#include "verify_kpi.h"
#include "verify_pages.h"
#include "verify_record.h"
#include "verify_searches.h"

typedef struct {
	store_txn t;
	ld_arena arena;
	uint64_t problems;
	uint64_t leads, history, changes, index_entries, clients;
	uint64_t max_lead_id;
	/* Read from meta by check_meta, which runs first. */
	uint64_t last_revision, last_lead_id;
	/* The oldest revision the change log holds (1 unless trimmed), and the
	 * history entries from it on, each of which has its log entry. */
	uint64_t log_first, history_logged;
	/* The history entry scanned before (history keys sort by lead, then
	 * revision): the lead as the next change of it found it. */
	uint64_t prev_id, prev_owner, prev_team, prev_status, prev_opps;
	/* What the record callback of the current scan compares with. */
	store_db scan_db, scan_records;
	int scan_complete; /* the last scan read every record */
	int leads_complete, history_complete;
	/* Per index (lead_index_dbs order): entries the leads' keys found. */
	uint64_t index_found[LEAD_INDEX_DBS_MAX];
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

/* A lookup that is not "found" or "not found" is an LMDB error: keep the
 * first one in the sticky ret, so scan() reports it with the record. */
static int lookup_failed(verifier *v, int rc)
{
	if (rc != 0 && rc != MDB_NOTFOUND && !v->t.ret)
		v->t.ret = rc;
	return rc;
}

typedef void (*record_fn)(verifier *v, const MDB_val *k, const MDB_val *d);

/* Walk every record of db and hand each to fn. Any LMDB error, in the walk
 * or in a lookup fn made, is a problem naming the database and where the
 * walk was; a walk that ends early is one too (v->scan_complete says
 * which). A complete walk must count as many records as LMDB's own
 * statistics say the database holds. Each walk has a read transaction of
 * its own: LMDB fails every later call of a transaction that met an error,
 * and verify runs offline, so every transaction sees the same data. */
static uint64_t scan(verifier *v, store_db db, record_fn fn)
{
	const char *name = store_db_name(db);
	store *st = v->t.st;
	MDB_cursor *cur;
	MDB_val k, d;
	uint64_t n = 0, problems = v->problems;
	v->scan_complete = 0;
	store_txn_abort(&v->t);
	int rc = store_txn_begin(st, &v->t, 0);
	if (rc == 0)
		rc = mdb_cursor_open(v->t.txn, v->t.st->dbi[db], &cur);
	if (rc) {
		problem(v, "%s: cannot read the database: %s", name, mdb_strerror(rc));
		v->t.ret = 0;
		return 0;
	}
	for (rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		n++;
		ld_arena_reset(&v->arena);
		if (fn)
			fn(v, &k, &d);
		if (v->t.ret) {
			/* MDB_CORRUPTED also comes from store_get_msg when a record
			 * looked up does not decode. */
			problem(v, "%s: record %" PRIu64 ": %s", name, n,
				v->t.ret == MDB_CORRUPTED
					? "a record it refers to is damaged or does not decode"
					: mdb_strerror(v->t.ret));
			v->t.ret = 0;
		}
	}
	mdb_cursor_close(cur);
	if (rc == MDB_BAD_TXN && v->problems > problems) {
		problem(v, "%s: reading stopped after %" PRIu64 " record(s), on the error above",
			name, n);
		return n;
	}
	if (rc != MDB_NOTFOUND) {
		problem(v, "%s: reading stopped after %" PRIu64 " record(s): %s", name, n,
			mdb_strerror(rc));
		return n;
	}
	MDB_stat ms;
	rc = mdb_stat(v->t.txn, v->t.st->dbi[db], &ms);
	if (rc)
		problem(v, "%s: cannot read its statistics: %s", name, mdb_strerror(rc));
	else if (ms.ms_entries != n)
		problem(v, "%s: LMDB counts %zu record(s) but %" PRIu64 " were read", name,
			ms.ms_entries, n);
	else
		v->scan_complete = 1;
	return n;
}

/* The largest u64 key of db (ids are big-endian, so the last key). */
static uint64_t last_u64_key(verifier *v, store_db db)
{
	MDB_cursor *cur;
	MDB_val k, d;
	uint64_t id = 0;
	if (lookup_failed(v, mdb_cursor_open(v->t.txn, v->t.st->dbi[db], &cur)))
		return 0;
	int rc = mdb_cursor_get(cur, &k, &d, MDB_LAST);
	if (rc == 0 && k.mv_size >= 8)
		id = store_key_get_u64(k.mv_data);
	lookup_failed(v, rc);
	mdb_cursor_close(cur);
	return id;
}

/* meta: every named value has its size; the schema is the one this leadd
 * writes; the session key exists; no id or revision given out lies past
 * the last one meta records. */
static void check_meta_record(verifier *v, const MDB_val *k, const MDB_val *d)
{
	static const char *const u64_names[] = {
		META_SCHEMA_VERSION, META_LAST_REVISION, META_NEXT_LEAD_ID, META_NEXT_CLIENT_ID,
		META_NEXT_STATUS_ID, META_NEXT_USER_ID,  META_NEXT_TEAM_ID, META_CHANGELOG_FIRST,
	};
	for (size_t i = 0; i < sizeof(u64_names) / sizeof(u64_names[0]); i++)
		if (k->mv_size == strlen(u64_names[i]) &&
		    memcmp(k->mv_data, u64_names[i], k->mv_size) == 0 && d->mv_size != 8)
			problem(v, "meta: %s is %zu bytes long (a number takes 8)", u64_names[i],
				d->mv_size);
	if (k->mv_size == 0 || d->mv_size == 0)
		problem(v, "meta: an empty name or value");
}

static void check_meta_after(verifier *v, const char *name, store_db db)
{
	uint64_t last = store_meta_get(&v->t, name);
	uint64_t max = last_u64_key(v, db);
	if (v->t.ret) {
		problem(v, "meta: cannot compare %s with the last id of %s: %s", name,
			store_db_name(db), mdb_strerror(v->t.ret));
		v->t.ret = 0;
		return;
	}
	if (max > last)
		problem(v, "meta: %s is %" PRIu64 " but %s holds id %" PRIu64, name, last,
			store_db_name(db), max);
}

static void check_meta(verifier *v)
{
	scan(v, DB_META, check_meta_record);
	uint64_t schema = store_meta_get(&v->t, META_SCHEMA_VERSION);
	if (!v->t.ret && schema != STORE_SCHEMA_VERSION)
		problem(v, "meta: schema version is %" PRIu64 ", this leadd writes %d", schema,
			STORE_SCHEMA_VERSION);
	MDB_val key;
	int rc = lookup_failed(
		v, store_get(&v->t, DB_META, META_SESSION_KEY, strlen(META_SESSION_KEY), &key));
	if (rc == MDB_NOTFOUND)
		problem(v, "meta: the session key is missing (no login can be checked)");
	else if (rc == 0 && key.mv_size != 32)
		problem(v, "meta: the session key is %zu bytes long (it must be 32)", key.mv_size);
	v->last_revision = store_meta_get(&v->t, META_LAST_REVISION);
	v->last_lead_id = store_meta_get(&v->t, META_NEXT_LEAD_ID);
	v->log_first = store_meta_get(&v->t, META_CHANGELOG_FIRST);
	if (!v->log_first)
		v->log_first = 1;
	else if (v->log_first > v->last_revision + 1)
		problem(v,
			"meta: the change log is said to start at revision %" PRIu64
			", after the last revision %" PRIu64,
			v->log_first, v->last_revision);
	check_meta_after(v, META_LAST_REVISION, DB_CHANGELOG);
	check_meta_after(v, META_NEXT_CLIENT_ID, DB_CLIENTS);
	check_meta_after(v, META_NEXT_STATUS_ID, DB_STATUSES);
	check_meta_after(v, META_NEXT_USER_ID, DB_USERS);
	check_meta_after(v, META_NEXT_TEAM_ID, DB_TEAMS);
	if (v->t.ret) {
		problem(v, "meta: storage error: %s", mdb_strerror(v->t.ret));
		v->t.ret = 0;
	}
}

static void check_status_record(verifier *v, const MDB_val *k, const MDB_val *d)
{
	Leadd__Status *s = leadd__status__unpack(&v->arena.pb, d->mv_size, d->mv_data);
	uint64_t id = k->mv_size == 8 ? store_key_get_u64(k->mv_data) : 0;
	if (!s || !s->name || !s->has_id || s->id != id)
		problem(v, "status record %" PRIu64 " %s", id,
			s && s->name ? "carries another id" : "does not decode");
}

static void check_statuses(verifier *v)
{
	scan(v, DB_STATUSES, check_status_record);
	v->problems += verify_status_list(&v->t, &v->arena);
}

/* An index key for a problem line: as text when it is printable UTF-8
 * (tags, words), else as hex (ids, times, amounts), never raw bytes. */
static const char *key_text(const void *key, size_t len, char *buf, size_t buflen)
{
	const unsigned char *p = key;
	int text = len > 0 && ld_utf8_valid(key, len);
	for (size_t i = 0; text && i < len; i++)
		text = p[i] >= 0x20 && p[i] != 0x7f;
	if (text) {
		snprintf(buf, buflen, "'%.*s'", (int)len, (const char *)key);
		return buf;
	}
	size_t o = 0;
	buf[0] = 0;
	o += (size_t)snprintf(buf, buflen, "0x");
	for (size_t i = 0; i < len && o + 3 < buflen; i++)
		o += (size_t)snprintf(buf + o, buflen - o, "%02x", p[i]);
	return buf;
}

/* The lead's summary is the one its record gives. */
static void check_lead_summary(verifier *v, const Leadd__Lead *l)
{
	lead_summary want, have;
	lead_summary_of(l, &want);
	int rc = lookup_failed(v, lead_summary_load(&v->t, l->id, &have));
	if (rc == MDB_NOTFOUND) {
		problem(v, "lead %" PRIu64 " has no summary", l->id);
		return;
	}
	if (rc == MDB_CORRUPTED) {
		v->t.ret = 0;
		problem(v, "lead %" PRIu64 ": its summary does not decode", l->id);
		return;
	}
	uint8_t a[LEAD_SUMMARY_SIZE], b[LEAD_SUMMARY_SIZE];
	lead_summary_encode(&want, a);
	lead_summary_encode(&have, b);
	if (rc == 0 && memcmp(a, b, sizeof(a)) != 0)
		problem(v, "lead %" PRIu64 ": its summary differs from the record", l->id);
}

/* Every summary belongs to a lead. */
static void check_summary_entry(verifier *v, const MDB_val *k, const MDB_val *d)
{
	(void)d;
	uint64_t id = k->mv_size == 8 ? store_key_get_u64(k->mv_data) : 0;
	uint8_t key[8];
	MDB_val lv;
	store_key_u64(key, id);
	if (k->mv_size != 8 ||
	    lookup_failed(v, store_get(&v->t, DB_LEADS, key, 8, &lv)) == MDB_NOTFOUND)
		problem(v, "a lead summary under key %" PRIu64 " has no lead", id);
}

static void check_summaries(verifier *v)
{
	scan(v, DB_LEAD_SUMMARY, check_summary_entry);
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
		if (lookup_failed(v,
				  mdb_cursor_open(v->t.txn, v->t.st->dbi[lead_index_dbs[i]], &cur)))
			return;
		for (size_t k = 0; k < keys.n; k++) {
			MDB_val kv = {keys.keys[k].len, keys.keys[k].data}, dv = {8, id};
			int rc = lookup_failed(v, mdb_cursor_get(cur, &kv, &dv, MDB_GET_BOTH));
			if (rc == 0)
				v->index_found[i]++;
			char text[160];
			if (rc == MDB_NOTFOUND)
				problem(v, "lead %" PRIu64 ": %s lacks key %s (%zu bytes)", l->id,
					store_db_name(lead_index_dbs[i]),
					key_text(keys.keys[k].data, keys.keys[k].len, text,
						 sizeof(text)),
					keys.keys[k].len);
		}
		mdb_cursor_close(cur);
	}
}

/* The lead's last history entry is the lead itself, at its version. */
static void check_lead_history(verifier *v, const Leadd__Lead *l, const MDB_val *record)
{
	MDB_cursor *cur;
	if (lookup_failed(v, mdb_cursor_open(v->t.txn, v->t.st->dbi[DB_HISTORY], &cur)))
		return;
	uint8_t key[16];
	store_key_u64_pair(key, l->id, l->version);
	MDB_val k = {16, key}, d;
	int rc = lookup_failed(v, mdb_cursor_get(cur, &k, &d, MDB_SET_KEY));
	if (rc == MDB_NOTFOUND) {
		problem(v, "lead %" PRIu64 ": no history entry for its version %" PRIu64, l->id,
			l->version);
	} else if (rc == 0) {
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
		rc = lookup_failed(v, mdb_cursor_get(cur, &k, &d, MDB_NEXT));
		if (rc == 0 && k.mv_size == 16 && store_key_get_u64(k.mv_data) == l->id)
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
	if (store_get(&v->t, DB_STATUSES, key, 8, &d) == MDB_NOTFOUND)
		problem(v, "lead %" PRIu64 ": status %" PRIu64 " does not exist", l->id,
			l->status_id);
	if (!l->client_id) {
		if (l->client_name)
			problem(v, "lead %" PRIu64 ": client name without a client id", l->id);
		return;
	}
	store_key_u64(key, l->client_id);
	Leadd__Store__ClientRecord *c;
	int rc = store_get_msg(&v->t, DB_CLIENTS, key, 8, &leadd__store__client_record__descriptor,
			       &v->arena, (ProtobufCMessage **)&c);
	if (rc == MDB_NOTFOUND) {
		problem(v, "lead %" PRIu64 ": client %" PRIu64 " does not exist", l->id,
			l->client_id);
	} else if (rc == 0 && (!l->client_name || strcmp(c->name, l->client_name) != 0)) {
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
	if (l->owner_id && user_load(&v->t, l->owner_id, &v->arena, &u) == MDB_NOTFOUND)
		problem(v, "lead %" PRIu64 ": owner %" PRIu64 " does not exist", l->id,
			l->owner_id);
	if (l->team_id && team_load(&v->t, l->team_id, &v->arena, &tm) == MDB_NOTFOUND)
		problem(v, "lead %" PRIu64 ": team %" PRIu64 " does not exist", l->id, l->team_id);
}

/* An owned lead is in its owner's team: the team follows the owner (a
 * team change of the user moves their leads), so the old team's pool and
 * round-robin never hand it out. */
static void check_lead_team(verifier *v, const Leadd__Lead *l)
{
	user_record *u;
	/* A missing owner is reported by check_lead_people. */
	if (!l->owner_id || user_load(&v->t, l->owner_id, &v->arena, &u) != 0)
		return;
	if (l->team_id != u->team_id)
		problem(v,
			"lead %" PRIu64 " is in team %" PRIu64 " but its owner %" PRIu64
			" is in team %" PRIu64,
			l->id, l->team_id, l->owner_id, u->team_id);
}

/* Stand-by (issue 12): a reason goes with a date, and a date is a time
 * after 1970 (lead_standby writes no other; the wake-up clears both). */
static void check_lead_standby(verifier *v, const Leadd__Lead *l)
{
	if (l->standby_until < 0)
		problem(v, "lead %" PRIu64 " is on stand-by until a time before 1970 (%" PRId64 ")",
			l->id, l->standby_until);
	if (l->standby_until == 0 && l->standby_reason)
		problem(v, "lead %" PRIu64 " has a stand-by reason but is not on stand-by", l->id);
}

static void check_lead_record(verifier *v, const MDB_val *k, const MDB_val *d)
{
	v->leads++;
	uint64_t id = k->mv_size == 8 ? store_key_get_u64(k->mv_data) : 0;
	Leadd__Lead *l = leadd__lead__unpack(&v->arena.pb, d->mv_size, d->mv_data);
	if (!l || l->id != id) {
		problem(v, "lead record under key %" PRIu64 " %s", id,
			l ? "carries another id" : "does not decode");
		return;
	}
	if (id > v->max_lead_id)
		v->max_lead_id = id;
	check_lead_indexes(v, l);
	check_lead_summary(v, l);
	check_lead_history(v, l, d);
	check_lead_refs(v, l);
	check_lead_people(v, l);
	check_lead_team(v, l);
	check_lead_standby(v, l);
}

static void check_leads(verifier *v)
{
	scan(v, DB_LEADS, check_lead_record);
	v->leads_complete = v->scan_complete;
	if (v->max_lead_id > v->last_lead_id)
		problem(v, "lead %" PRIu64 " is past the last id given out (%" PRIu64 ")",
			v->max_lead_id, v->last_lead_id);
}

/* Every index entry belongs to a lead that has that key. */
static void check_index_entry(verifier *v, const MDB_val *k, const MDB_val *d)
{
	static lead_index_keyset keys;
	v->index_entries++;
	if (d->mv_size != 8) {
		problem(v, "%s: an entry holds %zu bytes, not a lead id", store_db_name(v->scan_db),
			d->mv_size);
		return;
	}
	uint64_t id = store_key_get_u64(d->mv_data);
	Leadd__Lead *l;
	uint8_t key[8];
	store_key_u64(key, id);
	int rc = store_get_msg(&v->t, DB_LEADS, key, 8, &leadd__lead__descriptor, &v->arena,
			       (ProtobufCMessage **)&l);
	if (rc == MDB_NOTFOUND) {
		problem(v, "%s points at lead %" PRIu64 ", which does not exist",
			store_db_name(v->scan_db), id);
		return;
	}
	if (rc)
		return;
	lead_index_keys(l, v->scan_db, &keys);
	char text[160];
	if (!lead_index_keyset_has(&keys, k->mv_data, k->mv_size))
		problem(v, "%s has a stale key %s for lead %" PRIu64, store_db_name(v->scan_db),
			key_text(k->mv_data, k->mv_size, text, sizeof(text)), id);
}

/* An index holds no stale entry when it has exactly the entries the
 * leads' keys found (entries are unique key|id pairs): then one count
 * replaces decoding a lead per entry. Only an index with more entries
 * than found is walked, to name each stale one. */
static void check_index_entries(verifier *v)
{
	for (size_t i = 0; i < lead_index_count; i++) {
		MDB_stat st;
		v->scan_db = lead_index_dbs[i];
		if (v->leads_complete &&
		    lookup_failed(v, mdb_stat(v->t.txn, v->t.st->dbi[v->scan_db], &st)) == 0 &&
		    st.ms_entries == v->index_found[i]) {
			v->index_entries += st.ms_entries;
			continue;
		}
		scan(v, v->scan_db, check_index_entry);
	}
}

/* The KPI counters and rollup (verify_kpi.c). */
static void check_counters(verifier *v)
{
	v->problems += verify_kpi_counters(&v->t);
}

static void check_rollup(verifier *v)
{
	v->problems += verify_kpi_rollup(&v->t);
}

/* A lead's open-opportunity totals (Lead.open_opps, ChangeEntry.old_opps
 * and new_opps) as one number: equal totals hash equal. */
static uint64_t opps_hash(Leadd__OppTotal *const *t, size_t n)
{
	uint64_t h = LD_HASH_INIT;
	for (size_t i = 0; i < n; i++) {
		uint64_t f[] = {t[i]->month, t[i]->opps, (uint64_t)t[i]->amount_minor,
				(uint64_t)t[i]->unweighted_minor,
				(uint64_t)t[i]->own_weighted_x100};
		const char *c = t[i]->currency ? t[i]->currency : "";
		h = ld_hash(h, c, strlen(c) + 1);
		h = ld_hash(h, f, sizeof(f));
	}
	return h;
}

/* The history entry just scanned is the lead as its next change found
 * it. */
static void remember_prev(verifier *v, uint64_t id, const Leadd__Store__HistoryEntry *h)
{
	v->prev_id = h && h->lead ? id : 0;
	if (v->prev_id) {
		v->prev_owner = h->lead->owner_id;
		v->prev_team = h->lead->team_id;
		v->prev_status = h->lead->status_id;
		v->prev_opps = opps_hash(h->lead->open_opps, h->lead->n_open_opps);
	}
}

/* Issue 15: the open totals on both sides (the KPI watch's forecast
 * deltas come from them) and the opportunity changed, as the history
 * has them. */
static void check_change_opps(verifier *v, uint64_t rev, const Leadd__Store__ChangeEntry *e,
			      const Leadd__Store__HistoryEntry *h, int known)
{
	const Leadd__Lead *l = h->lead;
	if (opps_hash(e->new_opps, e->n_new_opps) != opps_hash(l->open_opps, l->n_open_opps))
		problem(v,
			"change-log entry %" PRIu64 " of lead %" PRIu64
			": its open opportunities after the change differ from the history",
			rev, e->lead_id);
	int create = e->kind == LEADD__STORE__CHANGE_KIND__CHANGE_CREATE;
	if ((create && e->n_old_opps) ||
	    (known && opps_hash(e->old_opps, e->n_old_opps) != v->prev_opps))
		problem(v,
			"change-log entry %" PRIu64 " of lead %" PRIu64
			": its open opportunities before the change differ from the history",
			rev, e->lead_id);
	if ((e->has_opp_id ? e->opp_id : 0) != (h->opportunity ? h->opportunity->id : 0) ||
	    (h->opportunity && e->opp_op != h->opp_op))
		problem(v,
			"change-log entry %" PRIu64 " of lead %" PRIu64
			": its opportunity differs from the history",
			rev, e->lead_id);
}

/* A change-log entry says who may see its change (owners and teams before
 * and after, statuses): watchers decide by it and send the history's
 * lead, so it must say what the history says. */
static void check_change_agrees(verifier *v, uint64_t rev, const Leadd__Store__ChangeEntry *e,
				const Leadd__Store__HistoryEntry *h)
{
	const Leadd__Lead *l = h->lead;
	if (e->revision != rev)
		problem(v, "change-log entry %" PRIu64 " says it is revision %" PRIu64, rev,
			e->revision);
	if (e->new_owner != l->owner_id || e->new_status != l->status_id ||
	    (e->has_new_team && e->new_team != l->team_id))
		problem(v,
			"change-log entry %" PRIu64 " of lead %" PRIu64
			": its owner, team or status after the change differs from the history",
			rev, e->lead_id);
	int create = e->kind == LEADD__STORE__CHANGE_KIND__CHANGE_CREATE;
	int known = !create && v->prev_id == e->lead_id;
	if (known && (e->old_owner != v->prev_owner || e->old_status != v->prev_status ||
		      (e->has_old_team && e->old_team != v->prev_team)))
		problem(v,
			"change-log entry %" PRIu64 " of lead %" PRIu64
			": its owner, team or status before the change differs from the history",
			rev, e->lead_id);
	check_change_opps(v, rev, e, h, known);
}

/* History entries decode and belong to existing leads; each has its
 * change-log entry; revisions never pass meta's last revision. */
static void check_history_entry(verifier *v, const MDB_val *k, const MDB_val *d)
{
	v->history++;
	if (k->mv_size != 16) {
		problem(v, "history: a key of %zu bytes (16 expected)", k->mv_size);
		return;
	}
	uint64_t id = store_key_get_u64(k->mv_data);
	uint64_t rev = store_key_get_u64((char *)k->mv_data + 8);
	Leadd__Store__HistoryEntry *h = leadd__store__history_entry__unpack(&v->arena.pb,
									    d->mv_size, d->mv_data);
	if (!h || !h->lead)
		problem(v, "history entry %" PRIu64 " of lead %" PRIu64 " does not decode", rev,
			id);
	else if (h->opportunity && h->opportunity->lead_id != id)
		problem(v,
			"history entry %" PRIu64 " of lead %" PRIu64 " holds opportunity %" PRIu64
			", which belongs to lead %" PRIu64,
			rev, id, h->opportunity->id, h->opportunity->lead_id);
	uint8_t key[8];
	MDB_val x;
	store_key_u64(key, id);
	if (lookup_failed(v, store_get(&v->t, DB_LEADS, key, 8, &x)) == MDB_NOTFOUND)
		problem(v, "history of lead %" PRIu64 " but no such lead", id);
	if (rev > v->last_revision)
		problem(v, "history revision %" PRIu64 " is past the last revision %" PRIu64, rev,
			v->last_revision);
	/* Trimmed (changelog_keep, changelog_max): history is kept forever,
	 * the log from log_first on. */
	if (rev < v->log_first) {
		remember_prev(v, id, h);
		return;
	}
	v->history_logged++;
	Leadd__Store__ChangeEntry *e;
	store_key_u64(key, rev);
	int rc = store_get_msg(&v->t, DB_CHANGELOG, key, 8, &leadd__store__change_entry__descriptor,
			       &v->arena, (ProtobufCMessage **)&e);
	if (rc == MDB_NOTFOUND)
		problem(v, "revision %" PRIu64 " of lead %" PRIu64 " has no change-log entry", rev,
			id);
	else if (rc == 0 && e->lead_id != id)
		problem(v,
			"change-log revision %" PRIu64 " names lead %" PRIu64
			", history says %" PRIu64,
			rev, e->lead_id, id);
	else if (rc == 0 && h && h->lead)
		check_change_agrees(v, rev, e, h);
	remember_prev(v, id, h);
}

static void check_history(verifier *v)
{
	scan(v, DB_HISTORY, check_history_entry);
	v->history_complete = v->scan_complete;
}

static void check_change_entry(verifier *v, const MDB_val *k, const MDB_val *d)
{
	uint64_t rev = k->mv_size == 8 ? store_key_get_u64(k->mv_data) : 0;
	if (!leadd__store__change_entry__unpack(&v->arena.pb, d->mv_size, d->mv_data))
		problem(v, "change-log entry %" PRIu64 " does not decode", rev);
	if (rev > v->last_revision)
		problem(v, "change-log revision %" PRIu64 " is past the last revision %" PRIu64,
			rev, v->last_revision);
	if (rev < v->log_first)
		problem(v,
			"change-log entry %" PRIu64
			" is older than the oldest revision kept (%" PRIu64 ")",
			rev, v->log_first);
}

static void check_changelog(verifier *v)
{
	v->changes = scan(v, DB_CHANGELOG, check_change_entry);
	if (v->scan_complete && v->history_complete && v->changes != v->history_logged)
		problem(v,
			"%" PRIu64 " change-log entries but %" PRIu64
			" history entries from revision %" PRIu64 " on",
			v->changes, v->history_logged, v->log_first);
}

static void check_client_record(verifier *v, const MDB_val *k, const MDB_val *d)
{
	v->clients++;
	Leadd__Store__ClientRecord *c = leadd__store__client_record__unpack(&v->arena.pb,
									    d->mv_size, d->mv_data);
	char norm[CLIENT_NAME_KEY_MAX + 1];
	MDB_val x;
	if (!c || !c->name || client_name_key(c->name, norm, sizeof(norm)) < 0) {
		problem(v, "client record %" PRIu64 " does not decode",
			k->mv_size == 8 ? store_key_get_u64(k->mv_data) : 0);
		return;
	}
	/* protobuf-c does not check UTF-8: bytes that are not would be sent
	 * to every client reading the folder. */
	const struct {
		const char *field, *text;
	} texts[] = {
		{"phone", c->phone}, {"web", c->web}, {"address", c->address}, {"note", c->note}};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (texts[i].text && !ld_utf8_valid(texts[i].text, strlen(texts[i].text)))
			problem(v, "client %" PRIu64 " '%s': its %s is not UTF-8", c->id, c->name,
				texts[i].field);
	int rc = lookup_failed(v, store_get(&v->t, DB_CLIENT_NAMES, norm, strlen(norm), &x));
	if (rc == MDB_NOTFOUND ||
	    (rc == 0 && (x.mv_size != 8 || store_key_get_u64(x.mv_data) != c->id)))
		problem(v, "client %" PRIu64 " '%s' is not found by its name", c->id, c->name);
}

/* A name database maps names to ids of records that exist. */
static void check_name_entry(verifier *v, const MDB_val *k, const MDB_val *d)
{
	MDB_val x;
	if (d->mv_size != 8) {
		problem(v, "%s: '%.*s' maps to %zu bytes, not an id", store_db_name(v->scan_db),
			(int)k->mv_size, (char *)k->mv_data, d->mv_size);
		return;
	}
	if (lookup_failed(v, store_get(&v->t, v->scan_records, d->mv_data, 8, &x)) == MDB_NOTFOUND)
		problem(v, "%s: '%.*s' points at id %" PRIu64 " in %s, which does not exist",
			store_db_name(v->scan_db), (int)k->mv_size, (char *)k->mv_data,
			store_key_get_u64(d->mv_data), store_db_name(v->scan_records));
}

/* Every record is found by its name (checked from the records' side) and
 * every name names a record: as many names as records means one to one. */
static void check_names_of(verifier *v, store_db names, store_db records, uint64_t n_records,
			   int records_complete)
{
	v->scan_db = names;
	v->scan_records = records;
	uint64_t n = scan(v, names, check_name_entry);
	if (records_complete && v->scan_complete && n != n_records)
		problem(v, "%s: %" PRIu64 " names but %" PRIu64 " records in %s",
			store_db_name(names), n, n_records, store_db_name(records));
}

static void check_clients(verifier *v)
{
	scan(v, DB_CLIENTS, check_client_record);
	check_names_of(v, DB_CLIENT_NAMES, DB_CLIENTS, v->clients, v->scan_complete);
}

/* Names and records of users and teams map one to one; a user's team
 * exists. */
static void check_user_or_team(verifier *v, const MDB_val *k, const MDB_val *d, int is_user)
{
	const char *what = is_user ? "user" : "team";
	uint64_t id = k->mv_size == 8 ? store_key_get_u64(k->mv_data) : 0;
	const char *name = NULL;
	uint64_t team = 0;
	if (is_user) {
		user_record *u = leadd__store__user_record__unpack(&v->arena.pb, d->mv_size,
								   d->mv_data);
		name = u ? u->name : NULL;
		team = u ? u->team_id : 0;
		if (u && !u->password_hash)
			problem(v, "user %" PRIu64 " has no password hash", id);
	} else {
		team_record *tm = leadd__store__team_record__unpack(&v->arena.pb, d->mv_size,
								    d->mv_data);
		name = tm ? tm->name : NULL;
	}
	MDB_val x;
	char key[USER_NAME_KEY_MAX + 1];
	if (!name) {
		problem(v, "%s record %" PRIu64 " does not decode", what, id);
		return;
	}
	if (user_name_key(name, key) < 0) {
		problem(v, "%s %" PRIu64 " '%s' has a name that does not fold", what, id, name);
		return;
	}
	int rc = lookup_failed(
		v, store_get(&v->t, is_user ? DB_USER_NAMES : DB_TEAM_NAMES, key, strlen(key), &x));
	if (rc == MDB_NOTFOUND ||
	    (rc == 0 && (x.mv_size != 8 || store_key_get_u64(x.mv_data) != id)))
		problem(v, "%s %" PRIu64 " '%s' is not found by its name", what, id, name);
	team_record *tm;
	if (team && team_load(&v->t, team, &v->arena, &tm) == MDB_NOTFOUND)
		problem(v, "user %" PRIu64 " is in team %" PRIu64 ", which does not exist", id,
			team);
}

static void check_user_record(verifier *v, const MDB_val *k, const MDB_val *d)
{
	check_user_or_team(v, k, d, 1);
}

static void check_team_record(verifier *v, const MDB_val *k, const MDB_val *d)
{
	check_user_or_team(v, k, d, 0);
}

static void check_users(verifier *v)
{
	uint64_t n = scan(v, DB_USERS, check_user_record);
	check_names_of(v, DB_USER_NAMES, DB_USERS, n, v->scan_complete);
}

static void check_teams(verifier *v)
{
	uint64_t n = scan(v, DB_TEAMS, check_team_record);
	check_names_of(v, DB_TEAM_NAMES, DB_TEAMS, n, v->scan_complete);
}

/* Sessions decode and belong to users. */
static void check_session_record(verifier *v, const MDB_val *k, const MDB_val *d)
{
	Leadd__Store__SessionRecord *s = leadd__store__session_record__unpack(
		&v->arena.pb, d->mv_size, d->mv_data);
	user_record *u;
	if (!s || k->mv_size != 32)
		problem(v, "a session record does not decode");
	else if (user_load(&v->t, s->user_id, &v->arena, &u) == MDB_NOTFOUND)
		problem(v, "a session belongs to user %" PRIu64 ", who does not exist", s->user_id);
}

static void check_sessions(verifier *v)
{
	scan(v, DB_SESSIONS, check_session_record);
}

/* The sessions-by-user index against the sessions: each entry names a
 * session of that user, and each session has exactly its one entry. */
static void check_sessions_by_user(verifier *v)
{
	MDB_cursor *cur;
	MDB_val k, d;
	uint64_t entries = 0;
	int rc;
	if ((rc = mdb_cursor_open(v->t.txn, v->t.st->dbi[DB_SESSIONS_BY_USER], &cur))) {
		problem(v, "cannot read the sessions-by-user index: %s", mdb_strerror(rc));
		return;
	}
	for (rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		entries++;
		ld_arena_reset(&v->arena);
		if (k.mv_size != 8 || d.mv_size != 32) {
			problem(v,
				"a sessions-by-user entry has a %zu-byte key and a %zu-byte value "
				"(8 and 32 expected)",
				k.mv_size, d.mv_size);
			continue;
		}
		uint64_t uid = store_key_get_u64(k.mv_data);
		MDB_val sv;
		MDB_val sk = {32, d.mv_data};
		int g = mdb_get(v->t.txn, v->t.st->dbi[DB_SESSIONS], &sk, &sv);
		Leadd__Store__SessionRecord *s = g == 0 ? leadd__store__session_record__unpack(
								  &v->arena.pb, sv.mv_size,
								  sv.mv_data)
							: NULL;
		if (g == MDB_NOTFOUND)
			problem(v,
				"the sessions-by-user index names a session of user %" PRIu64
				" that does not exist",
				uid);
		else if (g)
			problem(v, "cannot read a session: %s", mdb_strerror(g));
		else if (s && s->user_id != uid)
			problem(v,
				"the sessions-by-user index files a session of user %" PRIu64
				" under user %" PRIu64,
				s->user_id, uid);
	}
	if (rc != MDB_NOTFOUND)
		problem(v, "reading the sessions-by-user index failed: %s", mdb_strerror(rc));
	mdb_cursor_close(cur);
	MDB_stat ms;
	if (mdb_stat(v->t.txn, v->t.st->dbi[DB_SESSIONS], &ms) == 0 && ms.ms_entries != entries)
		problem(v, "%zu sessions but %" PRIu64 " sessions-by-user index entries",
			ms.ms_entries, entries);
}

static void check_client_folders(verifier *v)
{
	v->problems += verify_client_folders(&v->t, &v->arena);
}

static void check_tag_names(verifier *v)
{
	v->problems += verify_tag_names(&v->t, &v->arena);
}

static void check_renewals(verifier *v)
{
	v->problems += verify_renewals(&v->t, &v->arena);
}

static void check_reasons(verifier *v)
{
	v->problems += verify_reasons(&v->t, &v->arena);
}

static void check_activities(verifier *v)
{
	v->problems += verify_activities(&v->t, &v->arena);
}

static void check_opps(verifier *v)
{
	v->problems += verify_opps(&v->t, &v->arena);
}

static void check_searches(verifier *v)
{
	v->problems += verify_searches(&v->t, &v->arena);
}

/* Every check, in order: meta first (the others compare with it), leads
 * before the counters (which compare with their recount), history before
 * the change log. Each runs in a read transaction of its own, so an LMDB
 * error that spoils one transaction does not hide the later checks. A new
 * check is one line here. */
static const struct {
	const char *what;
	void (*run)(verifier *v);
} checks[] = {
	{"meta", check_meta},
	{"statuses", check_statuses},
	{"leads", check_leads},
	{"index entries", check_index_entries},
	{"lead summaries", check_summaries},
	{"counters", check_counters},
	{"history", check_history},
	{"change log", check_changelog},
	{"KPI rollup", check_rollup},
	{"clients", check_clients},
	{"client folder names and words", check_client_folders},
	{"tag names", check_tag_names},
	{"renewal links", check_renewals},
	{"activities and the next action", check_activities},
	{"opportunities and the forecast counters", check_opps},
	{"users", check_users},
	{"teams", check_teams},
	{"sessions", check_sessions},
	{"sessions by user", check_sessions_by_user},
	{"saved searches", check_searches},
	{"dead and lost reasons", check_reasons},
};

/* A line of the TLS pair's check (tls_server_verify_pair): a problem is
 * counted, a warning or a note only printed. */
static void tls_line(void *arg, int kind, const char *sentence)
{
	if (kind == TLS_REPORT_PROBLEM)
		problem(arg, "%s", sentence);
	else
		printf("verify: %s\n", sentence);
}

static verifier *running;
static const char *running_check;

static void print_summary(const verifier *v)
{
	printf("verify: %s: %" PRIu64 " leads, %" PRIu64 " history entries, %" PRIu64
	       " index entries, %" PRIu64 " clients, revision %" PRIu64 ", %" PRIu64
	       " problem(s)\n",
	       v->problems ? "FAILED" : "OK", v->leads, v->history, v->index_entries, v->clients,
	       v->last_revision, v->problems);
}

/* LMDB 0.9 aborts the process when an assertion fails on a damaged page
 * (a leaf that is no leaf, met by mdb_cursor_next). The walk cannot go on:
 * report it as a problem and end as a failed verify, not as a crash. */
static void verify_lmdb_assert(MDB_env *env, const char *msg)
{
	(void)env;
	problem(running, "%s: while checking them LMDB stopped on a damaged page: %s",
		running_check, msg);
	problem(running, "the checks after %s did not run", running_check);
	print_summary(running);
	fflush(stdout);
	_exit(1);
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
	running = &v;
	mdb_env_set_assert(st.env, verify_lmdb_assert);
	/* The certificate and key leadd would serve with: a store that
	 * verifies is no use to a leadd that will not start. */
	(void)tls_server_verify_pair(cfg, tls_line, &v);
	uint64_t bad_pages = 0;
	v.problems += verify_pages(cfg->data_dir, &bad_pages);
	if (bad_pages) {
		problem(&v, "the records were not read: LMDB cannot walk damaged pages; restore "
			    "the data directory from a backup");
	}
	for (size_t i = 0; !bad_pages && i < sizeof(checks) / sizeof(checks[0]); i++) {
		running_check = checks[i].what;
		if (store_txn_begin(&st, &v.t, 0) != 0) {
			problem(&v, "%s: cannot start a read transaction: %s", checks[i].what,
				mdb_strerror(v.t.ret));
			continue;
		}
		checks[i].run(&v);
		if (v.t.ret)
			problem(&v, "%s: storage error while checking: %s", checks[i].what,
				mdb_strerror(v.t.ret));
		store_txn_abort(&v.t);
	}
	store_close(&st);
	ld_arena_free(&v.arena);
	print_summary(&v);
	return v.problems ? 1 : 0;
}
