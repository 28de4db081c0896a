/* Unit tests for the search engine (server/search_exec.c, search_cursor.c,
 * search_query.c): cursors, planning, and every listing against a
 * brute-force reference over a small store whose indexes this file fills
 * itself (in the layout the write core keeps), with slices forced small
 * so every run yields and resumes, and with leads changed between pages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lead_index.h"
#include "leadd_store.pb-c.h"
#include "search_exec.h"

/* ---- a tiny store ---- */

typedef struct {
	uint64_t id, owner, team, status, client;
	int64_t created, updated, next;
	int has_value;
	char cur[4];
	int64_t amount;
	char title[64];
	char tag[16];
	uint64_t version;
	int live;
} tlead;

#define NLEAD_MAX 2000
static tlead leads[NLEAD_MAX + 1];
static uint64_t n_leads, rev;
static store st;
static char dir[64];
static unsigned seed = 1;

static unsigned rnd(unsigned n)
{
	seed = seed * 1103515245u + 12345u;
	return (seed >> 8) % n;
}

static void idx_u64(store_txn *t, store_db db, uint64_t k, uint64_t id, int del)
{
	uint8_t kb[8], v[8];
	store_key_u64(kb, k);
	store_key_u64(v, id);
	if (del)
		store_del(t, db, kb, 8, v, 8);
	else
		store_put(t, db, kb, 8, v, 8, 0);
}

static void idx_bytes(store_txn *t, store_db db, const void *k, size_t n, uint64_t id, int del)
{
	uint8_t v[8];
	store_key_u64(v, id);
	if (del)
		store_del(t, db, k, n, v, 8);
	else
		store_put(t, db, k, n, v, 8, 0);
}

/* The distinct words of a title, as the word index holds them. */
typedef struct {
	char w[8][SEARCH_KEY_MAX + 1];
	size_t n;
} title_words;

static int add_tw(const char *w, size_t len, void *arg)
{
	title_words *tw = arg;
	for (size_t i = 0; i < tw->n; i++)
		if (strlen(tw->w[i]) == len && memcmp(tw->w[i], w, len) == 0)
			return 0;
	memcpy(tw->w[tw->n], w, len);
	tw->w[tw->n++][len] = 0;
	return tw->n == 8;
}

static void words_of(const char *title, title_words *tw)
{
	tw->n = 0;
	assert_int_equal(search_words(title, add_tw, tw), 0);
}

/* Put (del 0) or remove (del 1) every index entry of l. */
static void index_lead(store_txn *t, const tlead *l, int del)
{
	idx_u64(t, DB_IDX_STATUS, l->status, l->id, del);
	idx_u64(t, DB_IDX_OWNER, l->owner, l->id, del);
	idx_u64(t, DB_IDX_TEAM, l->team, l->id, del);
	if (!l->owner)
		idx_u64(t, DB_IDX_POOL, l->team, l->id, del);
	uint8_t os[16];
	store_key_u64_pair(os, l->owner, l->status);
	idx_bytes(t, DB_IDX_OWNER_STATUS, os, 16, l->id, del);
	if (l->client)
		idx_u64(t, DB_IDX_CLIENT, l->client, l->id, del);
	idx_u64(t, DB_IDX_CREATED, (uint64_t)l->created, l->id, del);
	idx_u64(t, DB_IDX_UPDATED, (uint64_t)l->updated, l->id, del);
	if (l->next > 0)
		idx_u64(t, DB_IDX_DUE, (uint64_t)l->next, l->id, del);
	if (l->has_value) {
		uint8_t vk[11];
		lead_value_key(vk, l->cur, l->amount);
		idx_bytes(t, DB_IDX_VALUE, vk, 11, l->id, del);
	}
	uint8_t tk[SEARCH_KEY_MAX];
	size_t tlen;
	search_fold_title(l->title, strlen(l->title), tk, &tlen);
	if (tlen) /* a title without letters has no key */
		idx_bytes(t, DB_IDX_TITLE, tk, tlen, l->id, del);
	idx_bytes(t, DB_IDX_TAG, l->tag, strlen(l->tag), l->id, del);
	title_words tw;
	words_of(l->title, &tw);
	for (size_t i = 0; i < tw.n; i++)
		idx_bytes(t, DB_IDX_WORD, tw.w[i], strlen(tw.w[i]), l->id, del);
}

static void write_record(store_txn *t, const tlead *l)
{
	Leadd__Lead w = LEADD__LEAD__INIT;
	Leadd__Money m = LEADD__MONEY__INIT;
	w.has_id = 1;
	w.id = l->id;
	w.title = (char *)l->title;
	w.has_owner_id = w.has_status_id = w.has_team_id = w.has_version = 1;
	w.owner_id = l->owner;
	w.status_id = l->status;
	w.team_id = l->team;
	w.version = l->version;
	if (l->has_value) {
		m.currency = (char *)l->cur;
		m.has_amount_minor = 1;
		m.amount_minor = l->amount;
		w.value = &m;
	}
	uint8_t k[8];
	store_key_u64(k, l->id);
	store_put_msg(t, DB_LEADS, k, 8, &w.base);
	search_sum s = {.version = l->version,
			.owner_id = l->owner,
			.team_id = l->team,
			.status_id = l->status,
			.client_id = l->client,
			.created_at = l->created,
			.updated_at = l->updated,
			.next_action_at = l->next,
			.value_amount = l->amount,
			.has_value = l->has_value};
	memcpy(s.currency, l->cur, 4);
	uint8_t sb[LEAD_SUMMARY_SIZE];
	lead_summary_encode(&s, sb);
	store_put(t, DB_LEAD_SUMMARY, k, 8, sb, sizeof(sb), 0);
}

static void log_change(store_txn *t, const tlead *old, uint64_t id, int create)
{
	Leadd__Store__ChangeEntry e = LEADD__STORE__CHANGE_ENTRY__INIT;
	Leadd__Money m = LEADD__MONEY__INIT;
	e.has_revision = e.has_lead_id = e.has_kind = 1;
	e.revision = rev;
	e.lead_id = id;
	e.kind = create ? LEADD__STORE__CHANGE_KIND__CHANGE_CREATE
			: LEADD__STORE__CHANGE_KIND__CHANGE_UPDATE;
	if (!create) {
		e.has_old_updated_at = e.has_old_next_action_at = e.has_old_created_at = 1;
		e.old_updated_at = old->updated;
		e.old_next_action_at = old->next;
		e.old_created_at = old->created;
		e.old_title = (char *)old->title;
		if (old->has_value) {
			m.currency = (char *)old->cur;
			m.has_amount_minor = 1;
			m.amount_minor = old->amount;
			e.old_value = &m;
		}
	}
	uint8_t k[8];
	store_key_u64(k, rev);
	store_put_msg(t, DB_CHANGELOG, k, 8, &e.base);
}

static const char *words_a[] = {
	"Lefèvre", "ACME", "Zoë", "boat", "boutique", "Café", "delta", "—", "ana.ruiz@acme.io"};
static const char *tags_a[] = {"hot", "cold", "vip"};

static void random_fields(tlead *l)
{
	l->owner = rnd(5); /* 0: pool; users 1..4; 1,2 in team 1; 3,4 in team 2 */
	l->team = l->owner ? (l->owner <= 2 ? 1 : 2) : 1 + rnd(2);
	l->status = 1 + rnd(4);
	l->client = rnd(3);
	l->updated = 1000 + rnd(300);
	l->next = rnd(3) ? 0 : 5000 + rnd(100);
	l->has_value = rnd(2);
	memcpy(l->cur, rnd(3) ? "EUR" : "USD", 4);
	l->amount = l->has_value ? (int64_t)rnd(1000) - 100 : 0;
	snprintf(l->title, sizeof(l->title), "%s %s", words_a[rnd(9)], words_a[rnd(9)]);
	snprintf(l->tag, sizeof(l->tag), "%s", tags_a[rnd(3)]);
}

static void create_leads(int n)
{
	store_txn t;
	assert_int_equal(store_txn_begin(&st, &t, 1), 0);
	for (int i = 0; i < n; i++) {
		assert_true(n_leads + 1 <= NLEAD_MAX);
		tlead *l = &leads[++n_leads];
		memset(l, 0, sizeof(*l));
		l->id = n_leads;
		l->live = 1;
		l->created = 100 + rnd(50); /* ties on purpose */
		random_fields(l);
		l->version = ++rev;
		log_change(&t, NULL, l->id, 1);
		write_record(&t, l);
		index_lead(&t, l, 0);
	}
	store_meta_put(&t, META_LAST_REVISION, rev);
	store_meta_put(&t, META_NEXT_LEAD_ID, n_leads);
	assert_int_equal(store_txn_commit(&t), 0);
}

static void change_leads(int n)
{
	store_txn t;
	assert_int_equal(store_txn_begin(&st, &t, 1), 0);
	for (int i = 0; i < n; i++) {
		tlead *l = &leads[1 + rnd((unsigned)n_leads)];
		tlead old = *l;
		index_lead(&t, l, 1);
		random_fields(l);
		l->version = ++rev;
		log_change(&t, &old, l->id, 0);
		write_record(&t, l);
		index_lead(&t, l, 0);
	}
	store_meta_put(&t, META_LAST_REVISION, rev);
	assert_int_equal(store_txn_commit(&t), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_search.XXXXXX");
	assert_non_null(mkdtemp(dir));
	char err[256];
	assert_int_equal(store_open(&st, dir, 64u << 20, 256u << 20, 16, err, sizeof(err)), 0);
	n_leads = rev = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	store_close(&st);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

/* ---- the reference ---- */

static int ref_match(const sq_filter *f, const tlead *l)
{
	search_sum s = {.id = l->id,
			.owner_id = l->owner,
			.team_id = l->team,
			.status_id = l->status,
			.client_id = l->client,
			.created_at = l->created,
			.updated_at = l->updated,
			.next_action_at = l->next,
			.value_amount = l->amount,
			.has_value = l->has_value};
	memcpy(s.currency, l->cur, 4);
	/* The summary conditions are tested by their own cases below; the
	 * index ones (tags, words) are computed here from the lead. */
	if (!sq_sum_match(f, &s))
		return 0;
	for (size_t i = 0; i < f->n_tags; i++)
		if (strcmp(f->tags[i], l->tag) != 0)
			return 0;
	for (size_t i = 0; i < f->n_words; i++) {
		title_words tw;
		int hit = 0;
		words_of(l->title, &tw);
		for (size_t k = 0; k < tw.n; k++)
			hit |= strncmp(tw.w[k], f->words[i], strlen(f->words[i])) == 0;
		if (!hit)
			return 0;
	}
	return 1;
}

static sq_pos ref_pos(Leadd__LeadSort sort, const tlead *l)
{
	sq_pos p = {.started = 1, .id = l->id};
	switch (sort) {
	case LEADD__LEAD_SORT__SORT_CREATED:
		store_key_u64(p.key, (uint64_t)l->created), p.klen = 8, p.has_key = 1;
		break;
	case LEADD__LEAD_SORT__SORT_UPDATED:
		store_key_u64(p.key, (uint64_t)l->updated), p.klen = 8, p.has_key = 1;
		break;
	case LEADD__LEAD_SORT__SORT_NEXT:
		if (l->next > 0)
			store_key_u64(p.key, (uint64_t)l->next), p.klen = 8, p.has_key = 1;
		break;
	case LEADD__LEAD_SORT__SORT_VALUE:
		if (l->has_value)
			lead_value_key(p.key, l->cur, l->amount), p.klen = 11, p.has_key = 1;
		break;
	case LEADD__LEAD_SORT__SORT_TITLE:
		search_fold_title(l->title, strlen(l->title), p.key, &p.klen);
		p.has_key = p.klen > 0;
		break;
	default:
		break;
	}
	return p;
}

static int ref_desc;
static int cmp_ref(const void *a, const void *b)
{
	return sq_pos_cmp(a, b, ref_desc);
}

/* The expected order: ids of matching leads. */
static size_t reference(const sq_filter *f, Leadd__LeadSort sort, int desc, uint64_t *out)
{
	sq_pos *p = calloc(NLEAD_MAX, sizeof(*p));
	size_t n = 0;
	for (uint64_t i = 1; i <= n_leads; i++)
		if (ref_match(f, &leads[i]))
			p[n++] = ref_pos(sort, &leads[i]);
	ref_desc = desc;
	qsort(p, n, sizeof(*p), cmp_ref);
	for (size_t i = 0; i < n; i++)
		out[i] = p[i].id;
	free(p);
	return n;
}

/* ---- running the engine page by page ---- */

typedef struct {
	uint64_t ids[NLEAD_MAX * 2];
	size_t n;
} got_t;

static int emit(void *arg, store_txn *t, uint64_t id)
{
	(void)t;
	got_t *g = arg;
	g->ids[g->n++] = id;
	return SQ_TAKEN;
}

static int steps;

/* One page from cursor c (NULL: the first), the cursor for the next in
 * *next (0 when done). Returns the engine's last result. */
static int page(const sq_filter *f, Leadd__LeadSort sort, int desc, uint32_t limit, const char *c,
		char next[SQ_CURSOR_MAX], got_t *g, int *driver)
{
	sq_exec x;
	memset(&x, 0, sizeof(x));
	x.f = f;
	x.sort = sort;
	x.desc = desc;
	x.limit = limit;
	x.emit = emit;
	x.emit_arg = g;
	x.unit_cap = 7; /* yield often */
	uint64_t hash = sq_listing_hash(NULL, sort, desc);
	if (c) {
		sq_cursor cur;
		assert_int_equal(sq_cursor_decode(c, &cur), 0);
		assert_true(cur.hash == hash);
		x.rev = cur.rev;
		x.max_id = cur.max_id;
		x.pos = cur.pos;
	} else {
		x.rev = rev;
		x.max_id = n_leads;
	}
	int r;
	do {
		store_txn t;
		assert_int_equal(store_txn_begin(&st, &t, 0), 0);
		r = sq_exec_step(&x, &t);
		store_txn_abort(&t);
		steps++;
	} while (r == SQ_YIELD);
	if (driver)
		*driver = x.driver;
	next[0] = 0;
	if (r == SQ_FULL) {
		sq_cursor cur = {.hash = hash,
				 .rev = x.rev,
				 .max_id = x.max_id,
				 .sort = (uint8_t)sort,
				 .desc = (uint8_t)desc,
				 .pos = x.cursor_pos};
		sq_cursor_encode(&cur, next);
	}
	sq_exec_free(&x);
	return r;
}

static void list_all(const sq_filter *f, Leadd__LeadSort sort, int desc, uint32_t limit, got_t *g)
{
	char c[SQ_CURSOR_MAX], next[SQ_CURSOR_MAX];
	int first = 1;
	g->n = 0;
	for (int pages = 0; pages < 1000; pages++) {
		int r = page(f, sort, desc, limit, first ? NULL : c, next, g, NULL);
		assert_true(r == SQ_DONE || r == SQ_FULL);
		first = 0;
		if (!next[0])
			return;
		memcpy(c, next, sizeof(c));
	}
	fail_msg("paging did not end");
}

static void expect_same(const sq_filter *f, Leadd__LeadSort sort, int desc, uint32_t limit)
{
	static uint64_t want[NLEAD_MAX];
	static got_t g;
	size_t n = reference(f, sort, desc, want);
	list_all(f, sort, desc, limit, &g);
	if (g.n != n)
		fail_msg("sort %d desc %d limit %u: %zu leads, expected %zu", sort, desc, limit,
			 g.n, n);
	for (size_t i = 0; i < n; i++)
		if (g.ids[i] != want[i])
			fail_msg("sort %d desc %d: lead %zu is %llu, expected %llu", sort, desc, i,
				 (unsigned long long)g.ids[i], (unsigned long long)want[i]);
}

/* ---- cases ---- */

static void test_cursor_codec(void **state)
{
	(void)state;
	sq_cursor c = {.hash = 0x1122334455667788u,
		       .rev = 42,
		       .max_id = 7,
		       .sort = 5,
		       .desc = 1,
		       .pos = {.started = 1, .has_key = 1, .id = 99, .klen = 64}};
	memset(c.pos.key, 0xab, 64);
	char s[SQ_CURSOR_MAX], t2[SQ_CURSOR_MAX];
	sq_cursor_encode(&c, s);
	assert_true(strlen(s) < LIMIT_CURSOR);
	sq_cursor d;
	assert_int_equal(sq_cursor_decode(s, &d), 0);
	assert_true(d.hash == c.hash && d.rev == 42 && d.max_id == 7 && d.sort == 5 && d.desc == 1);
	assert_true(d.pos.id == 99 && d.pos.klen == 64 && d.pos.has_key && d.pos.started);
	assert_memory_equal(d.pos.key, c.pos.key, 64);
	/* Every shorter key length round-trips too (base64 tails). */
	for (size_t k = 0; k < 8; k++) {
		c.pos.klen = k;
		c.pos.has_key = k > 0;
		sq_cursor_encode(&c, s);
		assert_int_equal(sq_cursor_decode(s, &d), 0);
		assert_int_equal(d.pos.klen, k);
	}
	assert_int_equal(sq_cursor_decode("", &d), -1);
	assert_int_equal(sq_cursor_decode("c1.10", &d), -1); /* the old format */
	assert_int_equal(sq_cursor_decode("c2.", &d), -1);
	assert_int_equal(sq_cursor_decode("c2.!!!!", &d), -1);
	sq_cursor_encode(&c, s);
	snprintf(t2, sizeof(t2), "%.*s", (int)strlen(s) - 2, s); /* cut short */
	assert_int_equal(sq_cursor_decode(t2, &d), -1);
	snprintf(t2, sizeof(t2), "%.150sAAAA", s); /* trailing bytes */
	assert_int_equal(sq_cursor_decode(t2, &d), -1);
	/* Longer than any cursor, up to what a request may carry: refused
	 * without decoding past the buffer (this overflowed it by 13 bytes;
	 * the sanitizer build sees it). */
	char longest[LIMIT_CURSOR + 1];
	for (size_t n = SQ_CURSOR_MAX - 8; n <= LIMIT_CURSOR; n++) {
		memcpy(longest, "c2.", 3);
		memset(longest + 3, 'A', n - 3);
		longest[n] = 0;
		assert_int_equal(sq_cursor_decode(longest, &d), -1);
	}
	/* Listings differ by filter, sort and direction. */
	Leadd__LeadFilter f = LEADD__LEAD_FILTER__INIT;
	f.has_mine = f.mine = 1;
	assert_true(sq_listing_hash(&f, 0, 0) != sq_listing_hash(NULL, 0, 0));
	assert_true(sq_listing_hash(NULL, 1, 0) != sq_listing_hash(NULL, 0, 0));
	assert_true(sq_listing_hash(NULL, 0, 1) != sq_listing_hash(NULL, 0, 0));
	assert_true(sq_listing_hash(&f, 2, 1) == sq_listing_hash(&f, 2, 1));
}

static void test_raw_title(void **state)
{
	(void)state;
	Leadd__Lead w = LEADD__LEAD__INIT;
	w.has_id = w.has_owner_id = 1;
	w.id = 300;
	w.owner_id = 5;
	w.title = "Zoë boat";
	w.client_name = "ACME";
	uint8_t buf[256];
	size_t n = leadd__lead__pack(&w, buf);
	const char *title;
	size_t len;
	assert_int_equal(sq_raw_title(buf, n, &title, &len), 0);
	assert_int_equal(len, strlen("Zoë boat"));
	assert_memory_equal(title, "Zoë boat", len);
	/* id (3 bytes), the title's tag and length (2), 3 bytes of it. */
	assert_int_equal(sq_raw_title(buf, 8, &title, &len), -1);
}

static sq_filter admin(void)
{
	sq_filter f;
	memset(&f, 0, sizeof(f));
	f.vis_all = 1;
	f.role = ROLE_ADMIN;
	return f;
}

static void test_plan_driver(void **state)
{
	(void)state;
	create_leads(300);
	sq_filter f = admin();
	uint64_t st3 = 3, own1 = 1;
	f.by_status = 1;
	f.statuses = &st3;
	f.n_statuses = 1;
	store_txn t;
	sq_plan p;
	assert_int_equal(store_txn_begin(&st, &t, 0), 0);
	assert_int_equal(sq_plan_build(&t, &f, &p), 0);
	assert_int_equal(p.driver, 0); /* the only term */
	/* Owner and status: the owner|status index, the smallest. */
	f.by_owner = 1;
	f.owners = &own1;
	f.n_owners = 1;
	assert_int_equal(sq_plan_build(&t, &f, &p), 0);
	assert_int_equal(p.driver, 0);
	assert_int_equal(p.terms[0].src[0].db, DB_IDX_OWNER_STATUS);
	assert_true(p.estimate < p.terms[1].estimate && p.estimate < p.terms[2].estimate);
	/* A manager of team 2 with no filter: visibility drives. */
	sq_filter m;
	memset(&m, 0, sizeof(m));
	m.role = ROLE_MANAGER;
	m.self = 9;
	m.n_teams = 1;
	m.teams[0] = 2;
	assert_int_equal(sq_plan_build(&t, &m, &p), 0);
	assert_int_equal(p.n_terms, 1);
	assert_int_equal(p.driver, 0);
	assert_int_equal(p.terms[0].n_src, 2); /* own leads and team 2's */
	/* Admin, no filter: every lead. */
	sq_filter a = admin();
	assert_int_equal(sq_plan_build(&t, &a, &p), 0);
	assert_int_equal(p.driver, -1);
	store_txn_abort(&t);
}

static void test_ids_union(void **state)
{
	(void)state;
	create_leads(200);
	store_txn t;
	assert_int_equal(store_txn_begin(&st, &t, 0), 0);
	sq_term tm;
	memset(&tm, 0, sizeof(tm));
	tm.n_src = 2;
	tm.src[0].db = tm.src[1].db = DB_IDX_STATUS;
	store_key_u64(tm.src[0].key, 1);
	store_key_u64(tm.src[1].key, 4);
	tm.src[0].klen = tm.src[1].klen = 8;
	for (int desc = 0; desc < 2; desc++)
		for (uint64_t after = 0; after <= n_leads + 1; after += 37) {
			sq_ids it;
			assert_int_equal(sq_ids_open(&it, &t, &tm, desc, after > 0, after), 0);
			uint64_t id, prev = desc ? UINT64_MAX : 0;
			size_t n = 0, want = 0;
			while (sq_ids_next(&it, &id) == 0) {
				assert_true(desc ? id < prev : id > prev);
				assert_true(leads[id].status == 1 || leads[id].status == 4);
				if (after)
					assert_true(desc ? id < after : id > after);
				prev = id;
				n++;
			}
			sq_ids_close(&it);
			for (uint64_t i = 1; i <= n_leads; i++)
				want += (leads[i].status == 1 || leads[i].status == 4) &&
					(!after || (desc ? i < after : i > after));
			assert_int_equal(n, want);
		}
	store_txn_abort(&t);
}

/* Keys whose ids span many LMDB pages (read a page at a time ascending):
 * the union from any point is every id once, in order. */
static void test_ids_pages(void **state)
{
	(void)state;
	store_txn t;
	assert_int_equal(store_txn_begin(&st, &t, 1), 0);
	for (uint64_t id = 1; id <= 5000; id++) {
		if (id <= 3000 && id % 7)
			idx_u64(&t, DB_IDX_STATUS, 77, id, 0);
		if (id % 5 == 0)
			idx_u64(&t, DB_IDX_STATUS, 78, id, 0);
	}
	idx_u64(&t, DB_IDX_STATUS, 79, 4242, 0); /* a key with one id */
	assert_int_equal(store_txn_commit(&t), 0);
	assert_int_equal(store_txn_begin(&st, &t, 0), 0);
	static sq_term tm;
	tm.n_src = 3;
	for (int i = 0; i < 3; i++) {
		tm.src[i].db = DB_IDX_STATUS;
		store_key_u64(tm.src[i].key, 77 + (uint64_t)i);
		tm.src[i].klen = 8;
	}
	uint64_t afters[] = {0, 1, 499, 500, 501, 1023, 2999, 3000, 4241, 4242, 4999, 5000};
	for (int desc = 0; desc < 2; desc++)
		for (size_t a = 0; a < sizeof(afters) / sizeof(afters[0]); a++) {
			uint64_t after = afters[a];
			sq_ids it;
			assert_int_equal(sq_ids_open(&it, &t, &tm, desc, after > 0, after), 0);
			uint64_t want = desc ? (after ? after : 5001) : after, id;
			for (;;) {
				/* The next id the three keys hold. */
				do
					want = desc ? want - 1 : want + 1;
				while (want >= 1 && want <= 5000 &&
				       !((want <= 3000 && want % 7) || want % 5 == 0 ||
					 want == 4242));
				int r = sq_ids_next(&it, &id);
				if (want < 1 || want > 5000) {
					assert_int_equal(r, MDB_NOTFOUND);
					break;
				}
				assert_int_equal(r, 0);
				assert_int_equal(id, want);
			}
			sq_ids_close(&it);
		}
	store_txn_abort(&t);
}

/* Every sort and direction, several filters and callers, page sizes that
 * do and do not divide the list, slices of 7 ids. */
static void test_listings(void **state)
{
	(void)state;
	create_leads(400);
	uint64_t st_a[] = {2, 3}, own[] = {1, 3}, cl = 2;
	char *tg[] = {"vip"}, *wd[] = {"bo"}, *wd2[] = {"zoe", "caf"};
	for (int which = 0; which < 9; which++) {
		sq_filter f = admin();
		switch (which) {
		case 1:
			f.by_status = 1, f.statuses = st_a, f.n_statuses = 2;
			break;
		case 2:
			f.by_owner = 1, f.owners = own, f.n_owners = 2;
			f.by_status = 1, f.statuses = st_a, f.n_statuses = 1;
			break;
		case 3: /* a manager of team 2 */
			f.vis_all = 0, f.role = ROLE_MANAGER, f.self = 3, f.n_teams = 1,
			f.teams[0] = 2;
			break;
		case 4: /* a rep of team 1 who sees the pool, with a tag */
			f.vis_all = 0, f.role = ROLE_REP, f.self = 1, f.n_teams = 1, f.teams[0] = 1,
			f.rep_pool = 1;
			f.tags = tg, f.n_tags = 1;
			break;
		case 5:
			f.words = wd, f.n_words = 1, f.by_client = 1, f.client = cl;
			break;
		case 6:
			f.words = wd2, f.n_words = 2;
			break;
		case 7:
			f.by_currency = 1, memcpy(f.currency, "EUR", 4), f.has_vmin = 1, f.vmin = 0,
			f.has_vmax = 1, f.vmax = 500;
			f.has_next_before = 0, f.no_next = 1;
			break;
		case 8:
			f.pool = 1, f.has_updated_since = 1, f.updated_since = 1100;
			f.has_created_before = 1, f.created_before = 130;
			break;
		}
		for (int sort = 0; sort <= 5; sort++)
			for (int desc = 0; desc < 2; desc++)
				expect_same(&f, (Leadd__LeadSort)sort, desc, which % 2 ? 7 : 50);
	}
}

/* Paging a sorted listing while leads change and are created between
 * pages: every lead that existed when paging began and still matches is
 * returned exactly once. */
static void test_stable_paging(void **state)
{
	(void)state;
	create_leads(300);
	for (int who = 0; who < 2; who++)
		for (int sort = 0; sort <= 5; sort++)
			for (int desc = 0; desc < 2; desc++) {
				/* The admin's listing walks the sort index; a manager's
				 * few leads are sorted in memory. */
				sq_filter f = admin();
				if (who)
					f.vis_all = 0, f.role = ROLE_MANAGER, f.self = 1,
					f.n_teams = 1, f.teams[0] = 1;
				uint64_t n_at_r = n_leads;
				/* Leads that match from R to the end must come once;
				 * others at most once. */
				static int always[NLEAD_MAX + 1];
				for (uint64_t id = 1; id <= n_leads; id++)
					always[id] = ref_match(&f, &leads[id]);
				char c[SQ_CURSOR_MAX], next[SQ_CURSOR_MAX];
				static got_t g;
				g.n = 0;
				int first = 1;
				for (;;) {
					int r = page(&f, (Leadd__LeadSort)sort, desc, 40,
						     first ? NULL : c, next, &g, NULL);
					assert_true(r == SQ_DONE || r == SQ_FULL);
					first = 0;
					if (!next[0])
						break;
					memcpy(c, next, sizeof(c));
					change_leads(15);
					create_leads(1);
					for (uint64_t id = 1; id <= n_at_r; id++)
						always[id] &= ref_match(&f, &leads[id]);
				}
				static int seen[NLEAD_MAX + 1];
				memset(seen, 0, sizeof(seen));
				for (size_t i = 0; i < g.n; i++) {
					assert_true(g.ids[i] <= n_leads);
					seen[g.ids[i]]++;
				}
				for (uint64_t id = 1; id <= n_at_r; id++)
					if ((seen[id] > 1 || (always[id] && seen[id] != 1)))
						fail_msg("sort %d desc %d: lead %llu returned %d "
							 "times",
							 sort, desc, (unsigned long long)id,
							 seen[id]);
				if (sort != 0)
					for (uint64_t id = n_at_r + 1; id <= n_leads; id++)
						assert_int_equal(seen[id], 0); /* created after R */
			}
}

/* A changelog trimmed after R cannot place the changed leads: the listing
 * says to start again instead of guessing. */
static void test_changed_too_much(void **state)
{
	(void)state;
	create_leads(60);
	sq_filter f = admin();
	char next[SQ_CURSOR_MAX];
	static got_t g;
	g.n = 0;
	assert_int_equal(page(&f, LEADD__LEAD_SORT__SORT_UPDATED, 0, 10, NULL, next, &g, NULL),
			 SQ_FULL);
	change_leads(5);
	store_txn t;
	assert_int_equal(store_txn_begin(&st, &t, 1), 0);
	uint8_t k[8];
	store_key_u64(k, rev - 4); /* the first change after R */
	store_del(&t, DB_CHANGELOG, k, 8, NULL, 0);
	assert_int_equal(store_txn_commit(&t), 0);
	char next2[SQ_CURSOR_MAX];
	assert_int_equal(page(&f, LEADD__LEAD_SORT__SORT_UPDATED, 0, 10, next, next2, &g, NULL),
			 SQ_ERR_CHANGED);
	/* By id the log is not needed. */
	g.n = 0;
	assert_int_equal(page(&f, LEADD__LEAD_SORT__SORT_ID, 0, 10, NULL, next, &g, NULL), SQ_FULL);
}

/* A query word that starts more index words than a term holds cannot
 * drive; each candidate is checked by walking the words it starts. */
static void test_wide_word(void **state)
{
	(void)state;
	create_leads(200);
	store_txn t;
	assert_int_equal(store_txn_begin(&st, &t, 1), 0);
	for (uint64_t id = 1; id <= 200; id += 2) {
		index_lead(&t, &leads[id], 1);
		snprintf(leads[id].title, sizeof(leads[id].title), "zz%llu delta",
			 (unsigned long long)id);
		write_record(&t, &leads[id]);
		index_lead(&t, &leads[id], 0);
	}
	assert_int_equal(store_txn_commit(&t), 0);
	char *zz[] = {"zz"}, *zz1[] = {"zz1", "delt"};
	sq_filter f = admin();
	f.words = zz, f.n_words = 1;
	int driver;
	char next[SQ_CURSOR_MAX];
	static got_t g;
	g.n = 0;
	page(&f, LEADD__LEAD_SORT__SORT_ID, 0, 1000, NULL, next, &g, &driver);
	assert_int_equal(driver, -1); /* 100 words start with zz */
	assert_int_equal(g.n, 100);
	for (int sort = 0; sort <= 5; sort++)
		expect_same(&f, (Leadd__LeadSort)sort, sort % 2, 9);
	f.words = zz1, f.n_words = 2;
	for (int sort = 0; sort <= 5; sort++)
		expect_same(&f, (Leadd__LeadSort)sort, sort % 2, 9);
}

/* A cursor only when one more lead matches: a page that takes the last
 * lead ends the listing, by id and in memory alike. */
static void test_last_page(void **state)
{
	(void)state;
	create_leads(120);
	sq_filter f = admin();
	char next[SQ_CURSOR_MAX];
	static got_t g;
	for (int sort = 0; sort <= 5; sort += 5) {
		g.n = 0;
		assert_int_equal(page(&f, (Leadd__LeadSort)sort, 0, 120, NULL, next, &g, NULL),
				 SQ_DONE);
		assert_int_equal(g.n, 120);
		g.n = 0;
		assert_int_equal(page(&f, (Leadd__LeadSort)sort, 0, 119, NULL, next, &g, NULL),
				 SQ_FULL);
		assert_int_equal(g.n, 119);
	}
	uint64_t one = 1;
	f.by_owner = 1, f.owners = &one, f.n_owners = 1; /* few: sorted in memory */
	size_t n = 0;
	for (uint64_t i = 1; i <= n_leads; i++)
		n += leads[i].owner == 1;
	g.n = 0;
	assert_int_equal(
		page(&f, LEADD__LEAD_SORT__SORT_UPDATED, 1, (uint32_t)n, NULL, next, &g, NULL),
		SQ_DONE);
	assert_int_equal(g.n, n);
}

/* Changes to lead 1 that move no key: n changelog entries. */
static void touch_lead1(int n)
{
	store_txn t;
	assert_int_equal(store_txn_begin(&st, &t, 1), 0);
	for (int i = 0; i < n; i++) {
		leads[1].version = ++rev;
		log_change(&t, &leads[1], 1, 0);
	}
	write_record(&t, &leads[1]);
	store_meta_put(&t, META_LAST_REVISION, rev);
	assert_int_equal(store_txn_commit(&t), 0);
}

/* A sorted listing absorbs up to SQ_CHANGES_MAX changes since paging
 * began, and says to start again past that. */
static void test_changes_bound(void **state)
{
	(void)state;
	create_leads(50);
	sq_filter f = admin();
	char c1[SQ_CURSOR_MAX], c2[SQ_CURSOR_MAX];
	static got_t g;
	g.n = 0;
	assert_int_equal(page(&f, LEADD__LEAD_SORT__SORT_VALUE, 0, 10, NULL, c1, &g, NULL),
			 SQ_FULL);
	touch_lead1(SQ_CHANGES_MAX);
	assert_int_equal(page(&f, LEADD__LEAD_SORT__SORT_VALUE, 0, 10, c1, c2, &g, NULL), SQ_FULL);
	touch_lead1(1);
	assert_int_equal(page(&f, LEADD__LEAD_SORT__SORT_VALUE, 0, 10, c1, c2, &g, NULL),
			 SQ_ERR_CHANGED);
}

/* The slice is bounded by work, not by what matches: a filter nothing
 * matches still yields every few ids. */
static void test_slices(void **state)
{
	(void)state;
	create_leads(300);
	sq_filter f = admin();
	f.has_created_before = 1;
	f.created_before = 0; /* nothing */
	char next[SQ_CURSOR_MAX];
	static got_t g;
	g.n = 0;
	steps = 0;
	assert_int_equal(page(&f, LEADD__LEAD_SORT__SORT_ID, 0, 10, NULL, next, &g, NULL), SQ_DONE);
	assert_int_equal(g.n, 0);
	assert_true(steps >= 300 / 7);
}

/* Stand-by and archived (issue 12): sq_state_match's whole table. Absent
 * state fields list neither; standby only leads on stand-by; waking_before
 * those on stand-by until before it; archived only archived ones, on
 * stand-by or not unless stand-by is asked too. */
static void test_state_match(void **state)
{
	(void)state;
	static const struct {
		int want_standby, has_waking, want_archived;
		int64_t waking;
		int expect[4]; /* plain, on stand-by till 500, archived, both */
	} rows[] = {
		{0, 0, 0, 0, {1, 0, 0, 0}},   {1, 0, 0, 0, {0, 1, 0, 0}},
		{1, 1, 0, 600, {0, 1, 0, 0}}, {1, 1, 0, 500, {0, 0, 0, 0}},
		{0, 0, 1, 0, {0, 0, 1, 1}},   {1, 0, 1, 0, {0, 0, 0, 1}},
		{1, 1, 1, 600, {0, 0, 0, 1}}, {1, 1, 1, 400, {0, 0, 0, 0}},
	};
	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		sq_filter f;
		memset(&f, 0, sizeof(f));
		f.want_standby = rows[r].want_standby;
		f.has_waking = rows[r].has_waking;
		f.waking_before = rows[r].waking;
		f.want_archived = rows[r].want_archived;
		f.vis_all = 1;
		for (int k = 0; k < 4; k++) {
			search_sum s;
			memset(&s, 0, sizeof(s));
			s.standby_until = k & 1 ? 500 : 0;
			s.archived = k >> 1;
			if (sq_state_match(&f, &s) != rows[r].expect[k] ||
			    sq_sum_match(&f, &s) != rows[r].expect[k])
				fail_msg("row %zu, lead kind %d: expected %d", r, k,
					 rows[r].expect[k]);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cursor_codec),
		cmocka_unit_test(test_raw_title),
		cmocka_unit_test(test_state_match),
		cmocka_unit_test_setup_teardown(test_plan_driver, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ids_union, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ids_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stable_paging, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_too_much, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wide_word, setup, teardown),
		cmocka_unit_test_setup_teardown(test_last_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changes_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slices, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
