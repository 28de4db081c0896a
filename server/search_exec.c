/* The search engine: a listing is planned as terms over the indexes (each
 * a union of sorted id lists), one of which drives; every other condition
 * is checked on the lead's fixed-size summary or by a seek in its index.
 * Visibility is one more term, so a page costs what the caller may see.
 * Work is counted, and a step stops after a bounded slice (SQ_YIELD) at a
 * position it resumes from, possibly in a later read transaction. */
#include "search_exec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lead_index.h"
#include "leadd_store.pb-c.h"

/* ---- terms ---- */

static void src_u64(sq_term *tm, store_db db, uint64_t v)
{
	if (tm->n_src >= SQ_MAX_SOURCES) {
		tm->too_wide = 1;
		return;
	}
	sq_source *s = &tm->src[tm->n_src++];
	s->db = db;
	store_key_u64(s->key, v);
	s->klen = 8;
}

static void src_bytes(sq_term *tm, store_db db, const void *k, size_t n)
{
	if (tm->n_src >= SQ_MAX_SOURCES || n > SQ_KEY_MAX || !n) {
		tm->too_wide = 1;
		return;
	}
	sq_source *s = &tm->src[tm->n_src++];
	s->db = db;
	memcpy(s->key, k, n);
	s->klen = n;
}

/* A word: every key of idx_word it is a prefix of. Past SQ_MAX_SOURCES
 * keys the term cannot drive, and is checked by seeks key by key. */
static int word_sources(store_txn *t, sq_term *tm, sq_plan *p)
{
	MDB_cursor *c;
	int err = mdb_cursor_open(t->txn, t->st->dbi[DB_IDX_WORD], &c);
	if (err)
		return err;
	MDB_val k = {tm->plen, tm->prefix}, v;
	for (err = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); err == 0;
	     err = mdb_cursor_get(c, &k, &v, MDB_NEXT_NODUP)) {
		p->units++;
		if (k.mv_size < tm->plen || memcmp(k.mv_data, tm->prefix, tm->plen) != 0)
			break;
		if (tm->n_src == SQ_MAX_SOURCES) {
			tm->too_wide = 1;
			break;
		}
		src_bytes(tm, DB_IDX_WORD, k.mv_data, k.mv_size);
	}
	mdb_cursor_close(c);
	return err == MDB_NOTFOUND ? 0 : err;
}

/* The ids a term holds, at most: the sum of its keys' counts. */
static int estimate(store_txn *t, sq_term *tm)
{
	tm->estimate = 0;
	for (size_t i = 0; i < tm->n_src; i++) {
		MDB_cursor *c;
		int err = mdb_cursor_open(t->txn, t->st->dbi[tm->src[i].db], &c);
		if (err)
			return err;
		MDB_val k = {tm->src[i].klen, tm->src[i].key}, v;
		err = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
		size_t n = 0;
		if (err == 0)
			err = mdb_cursor_count(c, &n);
		mdb_cursor_close(c);
		if (err && err != MDB_NOTFOUND)
			return err;
		tm->estimate += n;
	}
	return 0;
}

/* A new term; only its header is cleared (the key arrays are large and
 * filled as keys are added). */
static sq_term *new_term(sq_plan *p, int probe)
{
	sq_term *tm = &p->terms[p->n_terms++];
	tm->n_src = 0;
	tm->too_wide = tm->prefix_term = 0;
	tm->plen = 0;
	tm->estimate = 0;
	tm->probe = probe;
	tm->covers = 0;
	return tm;
}

/* The summary conditions filter f asks for (SQ_COVER_*). */
static unsigned needed_covers(const sq_filter *f)
{
	/* Whether a lead is on stand-by or archived only its summary says. */
	unsigned need = SQ_COVER_STATE;
	if (f->by_status)
		need |= SQ_COVER_STATUS;
	if (f->by_owner)
		need |= SQ_COVER_OWNER;
	if (f->by_team)
		need |= SQ_COVER_TEAM;
	if (f->pool)
		need |= SQ_COVER_POOL;
	if (f->by_client)
		need |= SQ_COVER_CLIENT;
	if (f->by_currency || f->has_created_since || f->has_created_before ||
	    f->has_updated_since || f->has_next_before || f->no_next || f->has_idle)
		need |= SQ_COVER_OTHER;
	/* Your own leads are always yours to see. */
	int only_self = f->by_owner && f->n_owners > 0;
	for (size_t i = 0; only_self && i < f->n_owners; i++)
		only_self = f->owners[i] == f->self;
	if (!f->vis_all && !only_self)
		need |= SQ_COVER_VISIBLE;
	return need;
}

int sq_plan_build(store_txn *t, const sq_filter *f, sq_plan *p)
{
	p->n_terms = 0;
	p->units = 0;
	p->estimate = 0;
	p->driver = -1;
	if (f->empty)
		return 0;
	/* Terms whose condition the summary answers (probe 0) only narrow
	 * which list drives; tags, source and words are also seeks. */
	if (f->by_owner && f->by_status && f->n_owners * f->n_statuses <= SQ_MAX_SOURCES) {
		sq_term *tm = new_term(p, 0);
		for (size_t i = 0; i < f->n_owners; i++)
			for (size_t j = 0; j < f->n_statuses; j++) {
				uint8_t k[16];
				store_key_u64_pair(k, f->owners[i], f->statuses[j]);
				src_bytes(tm, DB_IDX_OWNER_STATUS, k, 16);
			}
		tm->covers = SQ_COVER_STATUS | SQ_COVER_OWNER;
	}
	if (f->by_status) {
		sq_term *tm = new_term(p, 0);
		for (size_t i = 0; i < f->n_statuses; i++)
			src_u64(tm, DB_IDX_STATUS, f->statuses[i]);
		tm->covers = SQ_COVER_STATUS;
	}
	if (f->by_owner) {
		sq_term *tm = new_term(p, 0);
		for (size_t i = 0; i < f->n_owners; i++)
			src_u64(tm, DB_IDX_OWNER, f->owners[i]);
		tm->covers = SQ_COVER_OWNER;
	}
	if (f->by_team) {
		sq_term *tm = new_term(p, 0);
		src_u64(tm, f->pool ? DB_IDX_POOL : DB_IDX_TEAM, f->team);
		tm->covers = SQ_COVER_TEAM | (f->pool ? SQ_COVER_POOL : 0);
	}
	if (f->by_client) {
		sq_term *tm = new_term(p, 0);
		src_u64(tm, DB_IDX_CLIENT, f->client);
		tm->covers = SQ_COVER_CLIENT;
	}
	for (size_t i = 0; i < f->n_tags; i++) {
		sq_term *tm = new_term(p, 1);
		src_bytes(tm, DB_IDX_TAG, f->tags[i], strlen(f->tags[i]));
	}
	if (f->source) {
		sq_term *tm = new_term(p, 1);
		src_bytes(tm, DB_IDX_SOURCE, f->source, strlen(f->source));
	}
	for (size_t i = 0; i < f->n_words; i++) {
		sq_term *tm = new_term(p, 1);
		tm->prefix_term = 1;
		tm->plen = strlen(f->words[i]);
		memcpy(tm->prefix, f->words[i], tm->plen);
		int err = word_sources(t, tm, p);
		if (err)
			return err;
	}
	/* Visibility: a manager's teams and their own leads; a rep's own
	 * leads and their team's pool when they see it. */
	if (!f->vis_all) {
		sq_term *tm = new_term(p, 0);
		src_u64(tm, DB_IDX_OWNER, f->self);
		if (f->role >= ROLE_MANAGER)
			for (uint32_t i = 0; i < f->n_teams; i++)
				src_u64(tm, DB_IDX_TEAM, f->teams[i]);
		else if (f->rep_pool && f->n_teams)
			src_u64(tm, DB_IDX_POOL, f->teams[0]);
		tm->covers = SQ_COVER_VISIBLE;
	}
	uint64_t best = UINT64_MAX;
	for (size_t i = 0; i < p->n_terms; i++) {
		sq_term *tm = &p->terms[i];
		if (tm->too_wide)
			continue;
		int err = estimate(t, tm);
		if (err)
			return err;
		p->units += tm->n_src;
		if (tm->estimate < best) {
			best = tm->estimate;
			p->driver = (int)i;
		}
	}
	p->estimate = best;
	unsigned missing = p->driver >= 0 && !p->terms[p->driver].too_wide
				   ? needed_covers(f) & ~p->terms[p->driver].covers
				   : ~0u;
	p->summary_implied = missing == 0;
	p->implied_but_state = missing == SQ_COVER_STATE && !f->want_standby && !f->want_archived;
	return 0;
}

/* ---- id lists merged in order (the driver) ---- */

/* Source i's cursor is on its current id (ascending): read the rest of its
 * page of ids at once. MDB_GET_MULTIPLE gives the whole page, from its
 * first id, or nothing when the key holds a single id. */
static void page_in(sq_ids *it, size_t i)
{
	MDB_val k, v = {0, NULL};
	it->page_n[i] = 0;
	if (mdb_cursor_get(it->c[i], &k, &v, MDB_GET_MULTIPLE) != 0 || v.mv_size < 8 ||
	    v.mv_size % 8)
		return;
	const uint8_t *pg = v.mv_data;
	size_t n = v.mv_size / 8, j = 0;
	while (j < n && store_key_get_u64(pg + 8 * j) < it->cur[i])
		j++;
	if (j == n)
		return; /* cannot be: the current id is on its page */
	it->page[i] = pg;
	it->page_n[i] = n;
	it->page_i[i] = j;
}

/* Move source i to its next id. 0, or an LMDB error (MDB_NOTFOUND: no
 * more; live[i] says so). */
static int src_next(sq_ids *it, size_t i)
{
	MDB_val k, v;
	int err;
	if (it->page_n[i]) {
		if (++it->page_i[i] < it->page_n[i]) {
			it->cur[i] = store_key_get_u64(it->page[i] + 8 * it->page_i[i]);
			return 0;
		}
		v = (MDB_val){0, NULL};
		err = mdb_cursor_get(it->c[i], &k, &v, MDB_NEXT_MULTIPLE);
		if (err == 0 && (v.mv_size < 8 || v.mv_size % 8))
			err = MDB_CORRUPTED;
		it->live[i] = err == 0;
		if (err == 0) {
			it->page[i] = v.mv_data;
			it->page_n[i] = v.mv_size / 8;
			it->page_i[i] = 0;
			it->cur[i] = store_key_get_u64(v.mv_data);
		}
		return err;
	}
	if (!it->term)
		err = mdb_cursor_get(it->c[i], &k, &v, it->desc ? MDB_PREV : MDB_NEXT);
	else
		err = mdb_cursor_get(it->c[i], &k, &v, it->desc ? MDB_PREV_DUP : MDB_NEXT_DUP);
	it->live[i] = err == 0;
	if (err == 0)
		it->cur[i] = store_key_get_u64(it->term ? v.mv_data : k.mv_data);
	return err;
}

static int src_seek(sq_ids *it, size_t i, int started, uint64_t after)
{
	MDB_cursor *c = it->c[i];
	const sq_source *s = &it->term->src[i];
	MDB_val k = {s->klen, (void *)s->key}, v;
	uint8_t idk[8];
	int err;
	if (!it->desc) {
		store_key_u64(idk, started ? after + 1 : 0);
		v = (MDB_val){8, idk};
		err = mdb_cursor_get(c, &k, &v, MDB_GET_BOTH_RANGE);
	} else {
		store_key_u64(idk, started ? after : UINT64_MAX);
		v = (MDB_val){8, idk};
		err = mdb_cursor_get(c, &k, &v, MDB_GET_BOTH_RANGE);
		if (err == 0) {
			err = mdb_cursor_get(c, &k, &v, MDB_PREV_DUP);
		} else if (err == MDB_NOTFOUND) {
			/* Every id of the key is below: start from its last. */
			k = (MDB_val){s->klen, (void *)s->key};
			err = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
			if (err == 0)
				err = mdb_cursor_get(c, &k, &v, MDB_LAST_DUP);
		}
	}
	it->live[i] = err == 0;
	if (err == 0) {
		if (v.mv_size != 8)
			return MDB_CORRUPTED;
		it->cur[i] = store_key_get_u64(v.mv_data);
		if (!it->desc)
			page_in(it, i);
	}
	return err == MDB_NOTFOUND ? 0 : err;
}

int sq_ids_open(sq_ids *it, store_txn *t, const sq_term *term, int desc, int started,
		uint64_t after)
{
	memset(it, 0, sizeof(*it));
	it->term = term;
	it->desc = desc;
	if (!term) {
		/* Every lead, from the summaries in id order. */
		int err = mdb_cursor_open(t->txn, t->st->dbi[DB_LEAD_SUMMARY], &it->c[0]);
		if (err)
			return err;
		it->n = 1;
		uint8_t idk[8];
		MDB_val k, v;
		if (!desc) {
			store_key_u64(idk, started ? after + 1 : 0);
			k = (MDB_val){8, idk};
			err = mdb_cursor_get(it->c[0], &k, &v, MDB_SET_RANGE);
		} else {
			store_key_u64(idk, started ? after : UINT64_MAX);
			k = (MDB_val){8, idk};
			err = mdb_cursor_get(it->c[0], &k, &v, MDB_SET_RANGE);
			if (err == 0)
				err = mdb_cursor_get(it->c[0], &k, &v, MDB_PREV);
			else if (err == MDB_NOTFOUND)
				err = mdb_cursor_get(it->c[0], &k, &v, MDB_LAST);
		}
		it->live[0] = err == 0;
		if (err == 0)
			it->cur[0] = store_key_get_u64(k.mv_data);
		return err == MDB_NOTFOUND ? 0 : err;
	}
	for (size_t i = 0; i < term->n_src; i++) {
		int err = mdb_cursor_open(t->txn, t->st->dbi[term->src[i].db], &it->c[i]);
		if (err)
			return err;
		it->n = i + 1;
		if ((err = src_seek(it, i, started, after)))
			return err;
	}
	return 0;
}

/* The next id of the union (ascending, or descending), each once. */
int sq_ids_next(sq_ids *it, uint64_t *id)
{
	int best = -1;
	for (size_t i = 0; i < it->n; i++)
		if (it->live[i] && (best < 0 || (it->desc ? it->cur[i] > it->cur[best]
							  : it->cur[i] < it->cur[best])))
			best = (int)i;
	if (best < 0)
		return MDB_NOTFOUND;
	*id = it->cur[best];
	for (size_t i = 0; i < it->n; i++) {
		if (!it->live[i] || it->cur[i] != *id)
			continue;
		int err = src_next(it, i);
		if (err && err != MDB_NOTFOUND)
			return err;
	}
	return 0;
}

void sq_ids_close(sq_ids *it)
{
	for (size_t i = 0; i < it->n; i++)
		mdb_cursor_close(it->c[i]);
	it->n = 0;
}

/* ---- checks ---- */

/* Is id under one of the term's keys? A word too wide to drive walks its
 * keys (each walked key counts as work). */
static int probe(sq_exec *x, store_txn *t, const sq_term *tm, uint64_t id, int *hit)
{
	uint8_t idk[8];
	store_key_u64(idk, id);
	*hit = 0;
	/* A probed term's keys are all in one index: one cursor seeks them. */
	MDB_cursor *c, *walk = NULL;
	store_db db = tm->n_src ? tm->src[0].db : DB_IDX_WORD;
	int err = mdb_cursor_open(t->txn, t->st->dbi[db], &c);
	if (err)
		return err;
	for (size_t i = 0; i < tm->n_src && !*hit && !err; i++) {
		MDB_val k = {tm->src[i].klen, (void *)tm->src[i].key}, v = {8, idk};
		x->units++;
		err = mdb_cursor_get(c, &k, &v, MDB_GET_BOTH);
		*hit = err == 0;
		err = err == MDB_NOTFOUND ? 0 : err;
	}
	if (!err && !*hit && tm->too_wide && tm->prefix_term &&
	    !(err = mdb_cursor_open(t->txn, t->st->dbi[DB_IDX_WORD], &walk))) {
		/* More words start with the prefix than a term holds: walk them. */
		MDB_val k = {tm->plen, (void *)tm->prefix}, v;
		for (err = mdb_cursor_get(walk, &k, &v, MDB_SET_RANGE); err == 0 && !*hit;
		     err = mdb_cursor_get(walk, &k, &v, MDB_NEXT_NODUP)) {
			if (k.mv_size < tm->plen || memcmp(k.mv_data, tm->prefix, tm->plen) != 0)
				break;
			x->units++;
			MDB_val k2 = k, v2 = {8, idk};
			int e2 = mdb_cursor_get(c, &k2, &v2, MDB_GET_BOTH);
			*hit = e2 == 0;
			if (e2 && e2 != MDB_NOTFOUND) {
				err = e2;
				break;
			}
		}
		err = err == MDB_NOTFOUND ? 0 : err;
		mdb_cursor_close(walk);
	}
	mdb_cursor_close(c);
	return err;
}

static int iterated(const sq_exec *x, size_t term)
{
	for (size_t k = 0; k < x->n_iterated; k++)
		if (x->iterated[k] == (int)term)
			return 1;
	return 0;
}

/* Do the probed terms the walk does not check itself hold lead id? */
static int probes_match(sq_exec *x, store_txn *t, uint64_t id, int *ok)
{
	*ok = 0;
	for (size_t i = 0; i < x->plan.n_terms; i++) {
		const sq_term *tm = &x->plan.terms[i];
		if (!tm->probe || (int)i == x->walked || iterated(x, i))
			continue;
		int hit, err = probe(x, t, tm, id, &hit);
		if (err)
			return err;
		if (!hit)
			return 0;
	}
	*ok = 1;
	return 0;
}

/* Does lead id (its summary s) match the whole filter? */
static int matches(sq_exec *x, store_txn *t, const search_sum *s, int *ok)
{
	*ok = 0;
	return sq_sum_match(x->f, s) ? probes_match(x, t, s->id, ok) : 0;
}

/* ---- sort keys ---- */

static store_db sort_db(Leadd__LeadSort sort)
{
	switch (sort) {
	case LEADD__LEAD_SORT__SORT_CREATED:
		return DB_IDX_CREATED;
	case LEADD__LEAD_SORT__SORT_UPDATED:
		return DB_IDX_UPDATED;
	case LEADD__LEAD_SORT__SORT_VALUE:
		return DB_IDX_VALUE;
	case LEADD__LEAD_SORT__SORT_NEXT:
		return DB_IDX_DUE;
	case LEADD__LEAD_SORT__SORT_TITLE:
		return DB_IDX_TITLE;
	default:
		return DB_COUNT;
	}
}

static void key_time(sq_pos *p, int64_t at)
{
	/* As the index keys it: a time before 1970 sorts as 0. */
	store_key_u64(p->key, at > 0 ? (uint64_t)at : 0);
	p->klen = 8;
	p->has_key = 1;
}

/* The title of a packed Lead (field 2), found without decoding it. */
int sq_raw_title(const uint8_t *p, size_t n, const char **title, size_t *len)
{
	size_t i = 0;
	while (i < n) {
		uint64_t tag = 0;
		int shift = 0;
		while (i < n && shift < 64) {
			tag |= (uint64_t)(p[i] & 0x7f) << shift;
			shift += 7;
			if (!(p[i++] & 0x80))
				break;
		}
		unsigned wt = tag & 7;
		uint64_t l = 0;
		if (wt == 0) {
			while (i < n && (p[i++] & 0x80))
				;
			continue;
		}
		if (wt == 1 || wt == 5) {
			i += wt == 1 ? 8 : 4;
			continue;
		}
		if (wt != 2)
			return -1;
		shift = 0;
		while (i < n && shift < 64) {
			l |= (uint64_t)(p[i] & 0x7f) << shift;
			shift += 7;
			if (!(p[i++] & 0x80))
				break;
		}
		if (l > n - i)
			return -1;
		if (tag >> 3 == 2) {
			*title = (const char *)p + i;
			*len = (size_t)l;
			return 0;
		}
		i += (size_t)l;
	}
	*title = "";
	*len = 0;
	return 0;
}

/* The sort key a lead has now (for the title, read from its record). */
static int current_key(sq_exec *x, store_txn *t, const search_sum *s, sq_pos *p)
{
	p->started = 1;
	p->id = s->id;
	p->has_key = 0;
	p->klen = 0;
	switch (x->sort) {
	case LEADD__LEAD_SORT__SORT_CREATED:
		key_time(p, s->created_at);
		break;
	case LEADD__LEAD_SORT__SORT_UPDATED:
		key_time(p, s->updated_at);
		break;
	case LEADD__LEAD_SORT__SORT_NEXT:
		if (s->next_action_at > 0)
			key_time(p, s->next_action_at);
		break;
	case LEADD__LEAD_SORT__SORT_VALUE:
		if (s->has_value) {
			lead_value_key(p->key, s->currency, s->value_amount);
			p->klen = 11;
			p->has_key = 1;
		}
		break;
	case LEADD__LEAD_SORT__SORT_TITLE: {
		uint8_t k[8];
		store_key_u64(k, s->id);
		MDB_val v;
		int err = store_get(t, DB_LEADS, k, 8, &v);
		if (err)
			return err == MDB_NOTFOUND ? MDB_CORRUPTED : err;
		const char *title;
		size_t len;
		if (sq_raw_title(v.mv_data, v.mv_size, &title, &len) < 0)
			return MDB_CORRUPTED;
		search_fold_title(title, len, p->key, &p->klen);
		p->has_key = p->klen > 0; /* a title with no letters is not indexed */
		break;
	}
	default:
		break;
	}
	return 0;
}

int sq_pos_cmp(const sq_pos *a, const sq_pos *b, int desc)
{
	if (!a->started || !b->started)
		return a->started - b->started;
	if (a->has_key != b->has_key)
		return a->has_key ? -1 : 1; /* keyless leads last, either way */
	int c = 0;
	if (a->has_key) {
		size_t n = a->klen < b->klen ? a->klen : b->klen;
		c = memcmp(a->key, b->key, n);
		if (!c)
			c = a->klen < b->klen ? -1 : a->klen > b->klen;
	}
	if (!c)
		c = a->id < b->id ? -1 : a->id > b->id;
	return desc ? -c : c;
}

/* ---- keys as they were at R (the changelog since) ---- */

/* Creation times never change: such a listing needs no changelog. */
static int mutable_key(const sq_exec *x)
{
	return x->sort != LEADD__LEAD_SORT__SORT_CREATED;
}

struct sq_oldmap {
	size_t cap, n;
	sq_old *slots; /* open addressing by id; id 0 is empty */
};

static sq_old *old_find(sq_oldmap *m, uint64_t id, int insert)
{
	if (!m || !m->cap)
		return NULL;
	size_t i = (size_t)(id * UINT64_C(0x9e3779b97f4a7c15)) & (m->cap - 1);
	while (m->slots[i].id && m->slots[i].id != id)
		i = (i + 1) & (m->cap - 1);
	if (m->slots[i].id == id)
		return &m->slots[i];
	if (!insert)
		return NULL;
	m->slots[i].id = id;
	m->n++;
	return &m->slots[i];
}

static int over_budget(sq_exec *x);

/* Double the table (kept at most half full). 0, or -1 out of memory. */
static int old_grow(sq_oldmap *m)
{
	sq_oldmap bigger = {.cap = m->cap * 2};
	bigger.slots = calloc(bigger.cap, sizeof(sq_old));
	if (!bigger.slots)
		return -1;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].id)
			*old_find(&bigger, m->slots[i].id, 1) = m->slots[i];
	free(m->slots);
	*m = bigger;
	return 0;
}

/* Read the changelog after x->log_scanned: the first change after R of
 * each lead says what its keys were at R. */
static int scan_changes(sq_exec *x, store_txn *t)
{
	int read_some = 0;
	if (!x->old) {
		x->old = calloc(1, sizeof(*x->old));
		if (!x->old)
			return ENOMEM;
		x->old->cap = 256; /* grows with the changes (old_grow) */
		x->old->slots = calloc(x->old->cap, sizeof(sq_old));
		if (!x->old->slots)
			return ENOMEM;
		x->log_scanned = x->rev;
	}
	MDB_cursor *c;
	int err = mdb_cursor_open(t->txn, t->st->dbi[DB_CHANGELOG], &c);
	if (err)
		return err;
	uint8_t rk[8];
	store_key_u64(rk, x->log_scanned + 1);
	MDB_val k = {8, rk}, v;
	for (err = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); err == 0;
	     err = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		uint64_t rev = store_key_get_u64(k.mv_data);
		/* A trimmed log cannot say where the changed leads were. */
		if (rev != x->log_scanned + 1 || x->log_scanned - x->rev >= SQ_CHANGES_MAX) {
			err = SQ_ERR_CHANGED;
			break;
		}
		if (read_some && over_budget(x)) {
			err = SQ_YIELD; /* the next step reads on from log_scanned */
			break;
		}
		read_some = 1; /* every step makes progress */
		x->log_scanned = rev;
		x->units++;
		Leadd__Store__ChangeEntry *e = leadd__store__change_entry__unpack(NULL, v.mv_size,
										  v.mv_data);
		if (!e) {
			err = MDB_CORRUPTED;
			break;
		}
		if (!old_find(x->old, e->lead_id, 0)) {
			if (2 * (x->old->n + 1) > x->old->cap && old_grow(x->old) < 0) {
				leadd__store__change_entry__free_unpacked(e, NULL);
				err = ENOMEM;
				break;
			}
			sq_old *o = old_find(x->old, e->lead_id, 1);
			sq_pos *p = &o->pos;
			p->started = 1;
			p->id = e->lead_id;
			o->created_after = e->kind == LEADD__STORE__CHANGE_KIND__CHANGE_CREATE;
			switch (x->sort) {
			case LEADD__LEAD_SORT__SORT_UPDATED:
				key_time(p, e->old_updated_at);
				break;
			case LEADD__LEAD_SORT__SORT_CREATED:
				key_time(p, e->old_created_at);
				break;
			case LEADD__LEAD_SORT__SORT_NEXT:
				if (e->old_next_action_at > 0)
					key_time(p, e->old_next_action_at);
				break;
			case LEADD__LEAD_SORT__SORT_VALUE:
				if (e->old_value && e->old_value->currency) {
					lead_value_key(p->key, e->old_value->currency,
						       e->old_value->amount_minor);
					p->klen = 11;
					p->has_key = 1;
				}
				break;
			case LEADD__LEAD_SORT__SORT_TITLE:
				search_fold_title(e->old_title ? e->old_title : "",
						  e->old_title ? strlen(e->old_title) : 0, p->key,
						  &p->klen);
				p->has_key = p->klen > 0;
				break;
			default:
				break;
			}
		}
		leadd__store__change_entry__free_unpacked(e, NULL);
	}
	mdb_cursor_close(c);
	return err == MDB_NOTFOUND ? 0 : err;
}

/* Where lead s stands in the listing's order as of R; *exists 0 for a lead
 * created after R (sorted listings leave those out). */
static int key_at_r(sq_exec *x, store_txn *t, const search_sum *s, sq_pos *p, int *exists)
{
	*exists = s->id <= x->max_id;
	if (!*exists)
		return 0;
	if (s->version > x->rev && mutable_key(x)) {
		sq_old *o = old_find(x->old, s->id, 0);
		if (!o)
			return MDB_CORRUPTED; /* changed after R but not in the log */
		*exists = !o->created_after;
		*p = o->pos;
		return 0;
	}
	return current_key(x, t, s, p);
}

/* ---- running ---- */

static int over_budget(sq_exec *x)
{
	if (x->unit_cap)
		return x->units >= x->unit_cap;
	if (x->units - x->units_at_check < 16)
		return 0;
	x->units_at_check = x->units;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	uint64_t ns = (uint64_t)(now.tv_sec - x->started.tv_sec) * 1000000000u +
		      (uint64_t)(now.tv_nsec - x->started.tv_nsec);
	return ns >= x->budget_ns;
}

/* Hand a matching lead at p to the caller. Once the page is full the walk
 * goes on to find whether one more lead matches (a cursor is given only
 * then); finding one ends the step with SQ_FULL, the next page starting
 * after x->cursor_pos. */
static int take(sq_exec *x, store_txn *t, const sq_pos *p)
{
	if (x->full)
		return SQ_FULL;
	/* No room for this lead: the next page starts after the last lead
	 * taken, not after x->pos, the last one examined, which may be a lead
	 * the caller may not see: the cursor would give its id and sort key
	 * (a title's first 64 bytes) away. */
	if (x->emit(x->emit_arg, t, p->id) == SQ_NOROOM)
		return SQ_FULL;
	x->pos = *p;
	x->cursor_pos = *p;
	if (++x->taken >= x->limit)
		x->full = 1;
	return 0;
}

static int load_sum(store_txn *t, uint64_t id, search_sum *s)
{
	int err = lead_summary_load(t, id, s);
	/* An index entry without its lead: never silently skipped. */
	return err == MDB_NOTFOUND ? MDB_CORRUPTED : err;
}

static const sq_term *driver_term(const sq_exec *x)
{
	return x->plan.driver >= 0 ? &x->plan.terms[x->plan.driver] : NULL;
}

/* Move ascending iterator `it` on to its first id >= target: within a
 * source's page of ids when the target is on it, else by a seek. */
static int ids_skip_to(sq_ids *it, uint64_t target, uint64_t *units)
{
	for (size_t i = 0; i < it->n; i++) {
		if (!it->live[i] || it->cur[i] >= target)
			continue;
		(*units)++;
		if (it->page_n[i]) {
			const uint8_t *pg = it->page[i];
			size_t lo = it->page_i[i] + 1, hi = it->page_n[i];
			if (store_key_get_u64(pg + 8 * (hi - 1)) >= target) {
				while (lo < hi) {
					size_t mid = lo + (hi - lo) / 2;
					if (store_key_get_u64(pg + 8 * mid) < target)
						lo = mid + 1;
					else
						hi = mid;
				}
				it->page_i[i] = lo;
				it->cur[i] = store_key_get_u64(pg + 8 * lo);
				continue;
			}
		}
		int err = src_seek(it, i, 1, target - 1);
		if (err)
			return err;
	}
	return 0;
}

static int ids_has(const sq_ids *it, uint64_t id)
{
	for (size_t i = 0; i < it->n; i++)
		if (it->live[i] && it->cur[i] == id)
			return 1;
	return 0;
}

/* The probed terms an ascending walk checks by moving an iterator over
 * their ids along with it, instead of a lookup per key per candidate: the
 * lists are read a page at a time, and a lead's summary is read only when
 * they all hold it (a two-word query on a million leads reads a few
 * thousand ids, not a lookup for each of them per word). */
static int open_walk_probes(sq_exec *x, store_txn *t, sq_ids *pit)
{
	x->n_iterated = 0;
	if (x->desc)
		return 0;
	for (size_t i = 0; i < x->plan.n_terms && x->n_iterated < SQ_WALK_PROBES; i++) {
		const sq_term *tm = &x->plan.terms[i];
		if (!tm->probe || tm->too_wide || (int)i == x->walked)
			continue;
		sq_ids *it = &pit[x->n_iterated];
		int err = sq_ids_open(it, t, tm, 0, x->pos.started, x->pos.id);
		x->iterated[x->n_iterated++] = (int)i;
		if (err)
			return err;
	}
	return 0;
}

/* Do the walk's iterated terms all hold id? */
static int walk_probes_hit(sq_exec *x, sq_ids *pit, uint64_t id, int *hit)
{
	*hit = 1;
	for (size_t k = 0; k < x->n_iterated && *hit; k++) {
		int err = ids_skip_to(&pit[k], id, &x->units);
		if (err)
			return err;
		*hit = ids_has(&pit[k], id);
	}
	return 0;
}

static void close_walk_probes(sq_exec *x, sq_ids *pit)
{
	for (size_t k = 0; k < x->n_iterated; k++)
		sq_ids_close(&pit[k]);
	x->n_iterated = 0;
}

/* Walk the driver in id order from x->pos; keyless_phase: a sorted
 * listing's leads without a sort key at R, which come last by id. */
static int run_ids(sq_exec *x, store_txn *t, int keyless_phase)
{
	sq_ids it, pit[SQ_WALK_PROBES], hid;
	x->n_iterated = 0;
	/* The hidden leads' ids, walked along with the driver (ascending
	 * only, as the walk probes are): a plain listing whose driver meets
	 * every other condition then reads no summaries. */
	int by_hidden = !keyless_phase && !x->desc && x->plan.implied_but_state;
	static const sq_term hidden_term = {
		.src = {{.db = DB_IDX_HIDDEN, .klen = 8}}, /* key: u64 0 */
		.n_src = 1,
	};
	int err = sq_ids_open(&it, t, driver_term(x), x->desc, x->pos.started, x->pos.id);
	if (!err)
		err = open_walk_probes(x, t, pit);
	if (by_hidden) {
		int e = sq_ids_open(&hid, t, &hidden_term, 0, x->pos.started, x->pos.id);
		err = err ? err : e;
	}
	uint64_t id;
	while (err == 0 && (err = sq_ids_next(&it, &id)) == 0) {
		x->units++;
		search_sum s;
		int ok;
		sq_pos p = {.started = 1, .id = id};
		if ((err = walk_probes_hit(x, pit, id, &ok)))
			break;
		if (!ok) {
			x->pos = p;
			if (over_budget(x)) {
				err = SQ_YIELD;
				break;
			}
			continue;
		}
		if (!keyless_phase && x->plan.summary_implied) {
			/* The driver's ids meet every summary condition. */
			if ((err = probes_match(x, t, id, &ok)))
				break;
		} else if (by_hidden) {
			if ((err = ids_skip_to(&hid, id, &x->units)))
				break;
			ok = !ids_has(&hid, id);
			if (ok && (err = probes_match(x, t, id, &ok)))
				break;
		} else if ((err = load_sum(t, id, &s)) || (err = matches(x, t, &s, &ok))) {
			break;
		}
		if (ok && keyless_phase) {
			sq_pos r;
			int exists;
			if ((err = key_at_r(x, t, &s, &r, &exists)))
				break;
			ok = exists && !r.has_key;
		}
		if (ok && (err = take(x, t, &p)))
			break;
		x->pos = p;
		if (over_budget(x)) {
			err = SQ_YIELD;
			break;
		}
	}
	close_walk_probes(x, pit);
	if (by_hidden)
		sq_ids_close(&hid);
	sq_ids_close(&it);
	return err == MDB_NOTFOUND ? SQ_DONE : err;
}

/* Position cursor c on the first sort-index entry after x->pos (before
 * it, descending). */
static int seek_sorted(sq_exec *x, MDB_cursor *c, MDB_val *k, MDB_val *v)
{
	const sq_pos *p = &x->pos;
	if (!p->started)
		return mdb_cursor_get(c, k, v, x->desc ? MDB_LAST : MDB_FIRST);
	uint8_t idk[8];
	*k = (MDB_val){p->klen, (void *)p->key};
	int err = mdb_cursor_get(c, k, v, MDB_SET_RANGE);
	if (err == MDB_NOTFOUND)
		return x->desc ? mdb_cursor_get(c, k, v, MDB_LAST) : err;
	if (err)
		return err;
	int same = k->mv_size == p->klen && memcmp(k->mv_data, p->key, p->klen) == 0;
	if (!same)
		return x->desc ? mdb_cursor_get(c, k, v, MDB_PREV) : 0;
	store_key_u64(idk, x->desc ? p->id : p->id + 1);
	MDB_val k2 = {p->klen, (void *)p->key}, v2 = {8, idk};
	err = mdb_cursor_get(c, &k2, &v2, MDB_GET_BOTH_RANGE);
	if (err == 0) {
		*k = k2;
		*v = v2;
		return x->desc ? mdb_cursor_get(c, k, v, MDB_PREV) : 0;
	}
	if (err != MDB_NOTFOUND)
		return err;
	/* Every id of that key is on the examined side. */
	k2 = (MDB_val){p->klen, (void *)p->key};
	if ((err = mdb_cursor_get(c, &k2, &v2, MDB_SET_KEY)))
		return err;
	if (x->desc) {
		if ((err = mdb_cursor_get(c, &k2, &v2, MDB_LAST_DUP)))
			return err;
		*k = k2;
		*v = v2;
		return 0;
	}
	return mdb_cursor_get(c, k, v, MDB_NEXT_NODUP);
}

static int cmp_old(const void *a, const void *b, void *desc)
{
	return sq_pos_cmp(&((const sq_old *)a)->pos, &((const sq_old *)b)->pos, *(int *)desc);
}

/* Leads changed since R that had a sort key at R after x->pos, in order. */
static int changed_after(sq_exec *x, sq_old **out, size_t *n)
{
	*n = 0;
	*out = NULL;
	if (!mutable_key(x) || !x->old || !x->old->n)
		return 0;
	sq_old *a = malloc(x->old->n * sizeof(*a));
	if (!a)
		return ENOMEM;
	for (size_t i = 0; i < x->old->cap; i++) {
		const sq_old *o = &x->old->slots[i];
		if (o->id && !o->created_after && o->pos.has_key && o->id <= x->max_id &&
		    sq_pos_cmp(&o->pos, &x->pos, x->desc) > 0)
			a[(*n)++] = *o;
	}
	qsort_r(a, *n, sizeof(*a), cmp_old, &x->desc);
	*out = a;
	return 0;
}

/* The leads with a sort key at R, in order: the sort index for leads
 * unchanged since R, merged with those changed since at their old place. */
static int run_sorted(sq_exec *x, store_txn *t)
{
	sq_old *chg;
	size_t n_chg, ci = 0;
	int err = changed_after(x, &chg, &n_chg);
	if (err)
		return err;
	MDB_cursor *c;
	if ((err = mdb_cursor_open(t->txn, t->st->dbi[sort_db(x->sort)], &c))) {
		free(chg);
		return err;
	}
	MDB_val k, v;
	int ierr = seek_sorted(x, c, &k, &v);
	for (;;) {
		if (ierr && ierr != MDB_NOTFOUND) {
			err = ierr;
			break;
		}
		sq_pos ip = {.started = 1, .has_key = 1};
		if (!ierr) {
			if (v.mv_size != 8 || k.mv_size > SEARCH_KEY_MAX) {
				err = MDB_CORRUPTED;
				break;
			}
			ip.id = store_key_get_u64(v.mv_data);
			ip.klen = k.mv_size;
			memcpy(ip.key, k.mv_data, k.mv_size);
		}
		/* On a tie (the index still has a changed lead at its R place)
		 * the log's copy goes first: a slice may end between the two,
		 * and the resumed step starts after the position. */
		int from_log = ci < n_chg && (ierr || sq_pos_cmp(&chg[ci].pos, &ip, x->desc) <= 0);
		if (!from_log && ierr) {
			err = SQ_DONE;
			break;
		}
		sq_pos p = from_log ? chg[ci++].pos : ip;
		x->units++;
		search_sum s;
		if ((err = load_sum(t, p.id, &s)))
			break;
		/* From the index, a lead changed since R is not at its R place
		 * (the log part has it), and one created since is left out. */
		int ok = from_log ||
			 ((!mutable_key(x) || s.version <= x->rev) && s.id <= x->max_id);
		if (ok && (err = matches(x, t, &s, &ok)))
			break;
		if (ok && (err = take(x, t, &p)))
			break;
		x->pos = p;
		if (over_budget(x)) {
			err = SQ_YIELD;
			break;
		}
		if (!from_log)
			ierr = mdb_cursor_get(c, &k, &v, x->desc ? MDB_PREV : MDB_NEXT);
	}
	mdb_cursor_close(c);
	free(chg);
	return err;
}

static int cmp_pos(const void *a, const void *b, void *desc)
{
	return sq_pos_cmp(a, b, *(int *)desc);
}

/* Few candidates: collect them all with their keys at R, sort, take a
 * page. Collecting is done in id order and resumes after x->mem_after, so
 * it too stops when a slice is used up. */
static int run_in_memory(sq_exec *x, store_txn *t)
{
	sq_ids it;
	int err = sq_ids_open(&it, t, driver_term(x), 0, x->mem_after > 0, x->mem_after);
	uint64_t id;
	while (err == 0 && (err = sq_ids_next(&it, &id)) == 0) {
		x->units++;
		x->mem_after = id;
		search_sum s;
		int ok, exists;
		sq_pos p;
		if ((err = load_sum(t, id, &s)) || (err = matches(x, t, &s, &ok)))
			break;
		if (ok && (err = key_at_r(x, t, &s, &p, &exists)))
			break;
		if (ok && exists && sq_pos_cmp(&p, &x->pos, x->desc) > 0) {
			if (x->mem_n == x->mem_cap) {
				size_t nc = x->mem_cap ? 2 * x->mem_cap : 64;
				sq_pos *m = realloc(x->mem, nc * sizeof(*m));
				if (!m) {
					err = ENOMEM;
					break;
				}
				x->mem = m;
				x->mem_cap = nc;
			}
			x->mem[x->mem_n++] = p;
		}
		if (over_budget(x)) {
			err = SQ_YIELD;
			break;
		}
	}
	sq_ids_close(&it);
	if (err != MDB_NOTFOUND)
		return err;
	if (x->mem_n)
		qsort_r(x->mem, x->mem_n, sizeof(*x->mem), cmp_pos, &x->desc);
	for (size_t i = 0; i < x->mem_n; i++)
		if ((err = take(x, t, &x->mem[i])))
			return err;
	return SQ_DONE;
}

static int has_keyless_phase(Leadd__LeadSort sort)
{
	return sort == LEADD__LEAD_SORT__SORT_VALUE || sort == LEADD__LEAD_SORT__SORT_NEXT ||
	       sort == LEADD__LEAD_SORT__SORT_TITLE;
}

int sq_exec_step(sq_exec *x, store_txn *t)
{
	clock_gettime(CLOCK_MONOTONIC, &x->started);
	x->units = x->units_at_check = 0;
	if (x->f->empty)
		return SQ_DONE;
	int err = sq_plan_build(t, x->f, &x->plan);
	x->units += x->plan.units;
	if (err)
		return err;
	x->driver = x->plan.driver;
	/* Every walk reads the driver's ids but run_sorted, which reads the
	 * sort index and so must check the driver's condition too. */
	x->walked = x->plan.driver;
	if (x->sort == LEADD__LEAD_SORT__SORT_ID || sort_db(x->sort) == DB_COUNT)
		err = run_ids(x, t, 0);
	else if (mutable_key(x) && (err = scan_changes(x, t)) != 0)
		;
	else if (x->in_memory || (x->plan.driver >= 0 && x->plan.estimate <= SQ_SMALL)) {
		x->in_memory = 1; /* for the rest of this page, whatever drives */
		err = run_in_memory(x, t);
	} else if (!x->pos.started || x->pos.has_key) {
		x->walked = -1;
		err = run_sorted(x, t);
		x->walked = x->plan.driver;
		if (err == SQ_DONE && has_keyless_phase(x->sort)) {
			/* On to the leads without a key, by id from the start. */
			x->pos = (sq_pos){.started = 1, .id = x->desc ? UINT64_MAX : 0};
			err = over_budget(x) ? SQ_YIELD : run_ids(x, t, 1);
		}
	} else {
		err = run_ids(x, t, 1);
	}
	x->total_units += x->units;
	return err;
}

void sq_exec_free(sq_exec *x)
{
	free(x->mem);
	x->mem = NULL;
	if (x->old) {
		free(x->old->slots);
		free(x->old);
		x->old = NULL;
	}
}
