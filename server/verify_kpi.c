#include "verify_kpi.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lead_counters.h"
#include "lead_rollup.h"
#include "leadd_store.pb-c.h"
#include "verify_kmap.h"

static uint64_t problems;

static void problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void problem(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("verify: ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
	problems++;
}

/* Walk every record of db; fn returns nonzero to stop. 0, or the LMDB
 * error that ended the walk (reported by the caller). */
typedef void (*walk_fn)(void *ctx, const MDB_val *k, const MDB_val *d);
static int walk(store_txn *t, store_db db, walk_fn fn, void *ctx)
{
	MDB_cursor *cur;
	MDB_val k, d;
	int rc = mdb_cursor_open(t->txn, t->st->dbi[db], &cur);
	if (rc)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT))
		fn(ctx, &k, &d);
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* ---- counters ---- */

typedef struct {
	kmap want;
	ld_arena arena;
	int undecodable;
} count_ctx;

static void count_lead(void *ctx, const MDB_val *k, const MDB_val *d)
{
	(void)k;
	count_ctx *c = ctx;
	ld_arena_reset(&c->arena);
	Leadd__Lead *l = leadd__lead__unpack(&c->arena.pb, d->mv_size, d->mv_data);
	if (!l) {
		c->undecodable++;
		return;
	}
	uint8_t key[LEAD_COUNTER_VALUE_KEY];
	if (l->archived) {
		/* Counted apart, with no value (lead_counters.h). */
		lead_counter_archived_key(key, l->team_id, l->owner_id, l->status_id);
		kmap_find(&c->want, key, LEAD_COUNTER_COUNT_KEY, 1)->n++;
		return;
	}
	lead_counter_count_key(key, l->team_id, l->owner_id, l->status_id);
	kmap_find(&c->want, key, LEAD_COUNTER_COUNT_KEY, 1)->n++;
	const char *cur;
	int64_t amount;
	if (lead_counter_value_of(l, &cur, &amount) && amount) {
		lead_counter_value_key(key, l->team_id, l->owner_id, l->status_id, cur);
		kmap_find(&c->want, key, LEAD_COUNTER_VALUE_KEY, 1)->n += amount;
	}
}

static void describe_counter(const uint8_t *k, size_t len, char *out, size_t outlen)
{
	snprintf(out, outlen, "%steam %" PRIu64 ", owner %" PRIu64 ", status %" PRIu64 "%s%.*s",
		 k[0] == LEAD_COUNTER_ARCHIVED ? "archived leads of " : "",
		 store_key_get_u64(k + 1), store_key_get_u64(k + 9), store_key_get_u64(k + 17),
		 len == LEAD_COUNTER_VALUE_KEY ? " in " : "", len == LEAD_COUNTER_VALUE_KEY ? 3 : 0,
		 (const char *)k + 25);
}

static void check_counter(void *ctx, const MDB_val *k, const MDB_val *d)
{
	count_ctx *c = ctx;
	const uint8_t *kb = k->mv_data;
	int is_count = k->mv_size == LEAD_COUNTER_COUNT_KEY &&
		       (kb[0] == LEAD_COUNTER_COUNT || kb[0] == LEAD_COUNTER_ARCHIVED) &&
		       d->mv_size == 8;
	int is_value = k->mv_size == LEAD_COUNTER_VALUE_KEY && kb[0] == LEAD_COUNTER_VALUE &&
		       d->mv_size == LEAD_COUNTER_VALUE_LEN;
	if (!is_count && !is_value) {
		problem("counters: a record of %zu+%zu bytes is neither a count (25+8), an "
			"archived count (25+8) nor a value total (28+16)",
			k->mv_size, d->mv_size);
		return;
	}
	kentry *e = kmap_find(&c->want, kb, k->mv_size, 0);
	__int128 want = e ? e->n : 0, have;
	if (e)
		e->seen = 1;
	have = is_count ? (__int128)store_key_get_u64(d->mv_data)
			: lead_counter_sum_get(d->mv_data);
	char what[128], a[48], b[48];
	describe_counter(kb, k->mv_size, what, sizeof(what));
	if (have != want)
		problem("%s of %s is %s, a recount gives %s",
			is_count ? "lead count" : "value total", what, i128_str(have, a),
			i128_str(want, b));
	else if (have == 0)
		problem("%s of %s is a zero record (zeros are deleted)",
			is_count ? "lead count" : "value total", what);
}

uint64_t verify_kpi_counters(store_txn *t)
{
	count_ctx c;
	memset(&c, 0, sizeof(c));
	ld_arena_init(&c.arena, 0);
	problems = 0;
	int rc = walk(t, DB_LEADS, count_lead, &c);
	if (rc || c.undecodable) {
		problem("counters: not recounted, as the leads could not all be read%s%s",
			rc ? ": " : "", rc ? mdb_strerror(rc) : "");
		goto out;
	}
	rc = walk(t, DB_COUNTERS, check_counter, &c);
	if (rc) {
		problem("counters: reading stopped: %s", mdb_strerror(rc));
		goto out;
	}
	for (size_t i = 0; i < c.want.cap; i++) {
		kentry *e = &c.want.e[i];
		char what[128], a[48];
		if (!e->key)
			continue;
		describe_counter(e->key, e->len, what, sizeof(what));
		int is_count = e->len == LEAD_COUNTER_COUNT_KEY;
		if (!e->seen && e->n)
			problem("%s of %s is missing, a recount gives %s",
				is_count ? "lead count" : "value total", what, i128_str(e->n, a));
		/* Not damage: the store holds the exact sum. Said, not counted. */
		if (!is_count && (e->n > INT64_MAX || e->n < INT64_MIN))
			printf("verify: note: the value total of %s is %s, more than a 64-bit "
			       "amount holds: lead kpi shows it as at least the largest one\n",
			       what, i128_str(e->n, a));
	}
out:
	kmap_free(&c.want);
	ld_arena_free(&c.arena);
	return problems;
}

/* ---- rollup ---- */

typedef struct {
	kmap want;
	ld_arena arenas[2];
	int side;
	uint64_t prev_id;
	Leadd__Lead *prev;
	int undecodable;
} replay_ctx;

static void replay_entry(void *ctx, const MDB_val *k, const MDB_val *d)
{
	replay_ctx *c = ctx;
	c->side ^= 1;
	ld_arena_reset(&c->arenas[c->side]);
	Leadd__Store__HistoryEntry *h = leadd__store__history_entry__unpack(&c->arenas[c->side].pb,
									    d->mv_size, d->mv_data);
	if (!h || !h->lead || k->mv_size != 16) {
		c->undecodable++;
		c->prev = NULL;
		c->prev_id = 0;
		return;
	}
	uint64_t id = store_key_get_u64(k->mv_data);
	lead_rollup_key keys[LEAD_ROLLUP_EVENTS_MAX];
	/* The activity and its op as the write core had them (lead_counters.c). */
	lead_rollup_change ch = {id == c->prev_id ? c->prev : NULL, h->lead, h->at, h->activity,
				 h->activity_op};
	size_t n = lead_rollup_events(&ch, keys);
	for (size_t i = 0; i < n; i++)
		kmap_find(&c->want, keys[i].data, keys[i].len, 1)->n++;
	c->prev_id = id;
	c->prev = h->lead;
}

static void describe_rollup(const uint8_t *k, size_t len, char *out, size_t outlen)
{
	lead_rollup_parsed p;
	lead_rollup_parse(k, len, &p);
	int64_t day = (int64_t)p.day * 86400;
	struct tm tm;
	time_t tt = (time_t)day;
	gmtime_r(&tt, &tm);
	char when[32];
	strftime(when, sizeof(when), "%Y-%m-%d", &tm);
	int o = snprintf(out, outlen, "rollup %s, team %" PRIu64 ", owner %" PRIu64 ": ", when,
			 p.team, p.owner);
	if (o < 0 || (size_t)o >= outlen)
		return;
	if (p.metric == LEAD_ROLLUP_TIME)
		snprintf(out + o, outlen - o,
			 "leads leaving status %" PRIu64 " after %" PRId64 " ms or more", p.status,
			 lead_rollup_bucket_low(p.bucket));
	else if (p.metric == LEAD_ROLLUP_DONE)
		snprintf(out + o, outlen - o, "%s done (the owner here is who did them)",
			 p.kind == LEADD__ACTIVITY_KIND__ACTIVITY_CALL      ? "calls"
			 : p.kind == LEADD__ACTIVITY_KIND__ACTIVITY_MEETING ? "meetings"
									    : "tasks");
	else if (p.metric == LEAD_ROLLUP_SPEED)
		snprintf(out + o, outlen - o,
			 "leads first called or met %" PRId64 " ms or more after their owner "
			 "got them",
			 lead_rollup_bucket_low(p.bucket));
	else if (p.metric == LEAD_ROLLUP_REASON)
		snprintf(out + o, outlen - o, "leads entering status %" PRIu64 " for reason '%.*s'",
			 p.to, (int)p.reason_len, (const char *)p.reason);
	else
		snprintf(out + o, outlen - o,
			 "%s entering status %" PRIu64 " from %" PRIu64 "%s%s%.*s%s",
			 p.metric == LEAD_ROLLUP_RENEWAL ? "renewals" : "leads", p.to, p.from,
			 p.from ? "" : " (created)",
			 p.metric == LEAD_ROLLUP_SOURCE ? " with source '" : "", (int)p.source_len,
			 p.source ? (const char *)p.source : "",
			 p.metric == LEAD_ROLLUP_SOURCE ? "'" : "");
}

static void check_rollup(void *ctx, const MDB_val *k, const MDB_val *d)
{
	replay_ctx *c = ctx;
	lead_rollup_parsed p;
	if (lead_rollup_parse(k->mv_data, k->mv_size, &p) < 0 || d->mv_size != 8) {
		problem("rollup: a record of %zu+%zu bytes has no known shape", k->mv_size,
			d->mv_size);
		return;
	}
	kentry *e = kmap_find(&c->want, k->mv_data, k->mv_size, 0);
	__int128 want = e ? e->n : 0;
	uint64_t have = store_key_get_u64(d->mv_data);
	if (e)
		e->seen = 1;
	char what[512], a[48];
	describe_rollup(k->mv_data, k->mv_size, what, sizeof(what));
	if ((__int128)have != want)
		problem("%s: %" PRIu64 ", a replay of the history gives %s", what, have,
			i128_str(want, a));
	else if (have == 0)
		/* Events are only ever added: a zero record was never written by
		 * leadd, and kpi refuses it. */
		problem("%s: a zero record (the rollup holds no zeros)", what);
}

uint64_t verify_kpi_rollup(store_txn *t)
{
	replay_ctx c;
	memset(&c, 0, sizeof(c));
	ld_arena_init(&c.arenas[0], 0);
	ld_arena_init(&c.arenas[1], 0);
	problems = 0;
	int rc = walk(t, DB_HISTORY, replay_entry, &c);
	if (rc || c.undecodable) {
		problem("rollup: not checked, as the history could not all be read%s%s",
			rc ? ": " : "", rc ? mdb_strerror(rc) : "");
		goto out;
	}
	rc = walk(t, DB_ROLLUP, check_rollup, &c);
	if (rc) {
		problem("rollup: reading stopped: %s", mdb_strerror(rc));
		goto out;
	}
	for (size_t i = 0; i < c.want.cap; i++) {
		kentry *e = &c.want.e[i];
		char what[512], a[48];
		if (!e->key || e->seen)
			continue;
		describe_rollup(e->key, e->len, what, sizeof(what));
		problem("%s: missing, a replay of the history gives %s", what, i128_str(e->n, a));
	}
out:
	kmap_free(&c.want);
	ld_arena_free(&c.arenas[0]);
	ld_arena_free(&c.arenas[1]);
	return problems;
}
