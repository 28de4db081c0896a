/* Client folder requests: add and list, and what the others share (get is
 * in client_get.c; edit and merge, which move leads, in client_change.c). Folder records are
 * company-wide: every user may list and read them. Only the leads client_get counts are filtered,
 * by the same visibility rule lead_list uses. */
#include "client_handlers.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client_folder.h"
#include "ld_error.h"
#include "ld_frame.h"
#include "ld_norm.h"
#include "record_handlers.h"
#include "request_limits.h"

int client_bad_name_fail(request_ctx *rc, const char *name)
{
	return dispatch_fail(rc, LD_INVALID_ARGUMENT, "the client name '%s' %s", name,
			     client_name_problem(name));
}

int client_near_fail(request_ctx *rc, const char *name, const char *near)
{
	return dispatch_fail(rc, LD_FAILED_PRECONDITION,
			     "'%s' is close to a client folder's name: did you mean '%s'? If it "
			     "is another company, confirm the new folder with --new-client",
			     name, near);
}

int client_check_phone(request_ctx *rc, const char *phone)
{
	char norm[LIMIT_PHONE + 1];
	if (phone && phone[0] && ld_norm_phone(phone, norm, sizeof(norm)) < 0)
		return dispatch_fail(
			rc, LD_INVALID_ARGUMENT,
			"'%s' is not a phone number: give at least 3 digits, with only "
			"spaces and + - . ( ) / between them",
			phone);
	return LD_OK;
}

int client_ref_find(request_ctx *rc, store_txn *t, const Leadd__ClientRef *ref, const char *what,
		    ld_arena *arena, Leadd__Store__ClientRecord **out)
{
	if (!ref || (!ref->has_id && !ref->name))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "say which client folder is %s: give its name or its id",
				     what);
	if (ref->has_id && ref->name)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "name the client folder or give its id, not both");
	uint64_t id = ref->id;
	int err;
	if (!ref->has_id) {
		char key[CLIENT_NAME_KEY_MAX + 1];
		if (client_name_key(ref->name, key, sizeof(key)) < 0)
			return client_bad_name_fail(rc, ref->name);
		err = client_find_key(t, key, &id);
		if (err == MDB_NOTFOUND) {
			uint64_t near;
			Leadd__Store__ClientRecord *n;
			if (client_find_near(t, ref->name, key, 0, &near) &&
			    client_load(t, near, arena, &n) == 0)
				return dispatch_fail(rc, LD_NOT_FOUND,
						     "no client folder is named '%s'; did you mean "
						     "'%s'?",
						     ref->name, n->name);
			if (t->ret)
				return dispatch_store_error(rc, t->ret);
			return dispatch_fail(rc, LD_NOT_FOUND,
					     "no client folder is named '%s'; 'lead client ls' "
					     "lists them",
					     ref->name);
		}
		if (err)
			return dispatch_store_error(rc, err);
	}
	err = client_load(t, id, arena, out);
	if (err == MDB_NOTFOUND)
		return ref->has_id ? dispatch_fail(rc, LD_NOT_FOUND,
						   "client folder %" PRIu64
						   " not found; 'lead client ls' lists them",
						   id)
				   : dispatch_store_error(rc, MDB_CORRUPTED);
	return err ? dispatch_store_error(rc, err) : LD_OK;
}

Leadd__Client *client_wire(request_ctx *rc, const Leadd__Store__ClientRecord *rec)
{
	Leadd__Client *c = ld_arena_alloc(&rc->arena, sizeof(*c));
	if (!c)
		return NULL;
	leadd__client__init(c);
	c->has_id = 1;
	c->id = rec->id;
	c->name = rec->name;
	c->phone = rec->phone;
	c->web = rec->web;
	c->address = rec->address;
	c->note = rec->note;
	c->has_created_at = rec->has_created_at;
	c->created_at = rec->created_at;
	c->has_updated_at = rec->has_updated_at;
	c->updated_at = rec->updated_at;
	return c;
}

int client_reply(request_ctx *rc, const Leadd__Store__ClientRecord *rec, Leadd__ClientReply **out)
{
	Leadd__ClientReply *r = ld_arena_alloc(&rc->arena, sizeof(*r));
	if (!r || !(r = (leadd__client_reply__init(r), r)) || !(r->client = client_wire(rc, rec)))
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	rc->resp.body_case = LEADD__RESPONSE__BODY_CLIENT;
	rc->resp.client = r;
	if (out)
		*out = r;
	return LD_OK;
}

/* ---- client_add ---- */

static char *text_or_null(char *s)
{
	return s && s[0] ? s : NULL;
}

int client_add(request_ctx *rc, store_txn *t)
{
	const Leadd__ClientAddRequest *q = rc->req->client_add;
	const Leadd__Client *c = q->client;
	if (!c || ld_is_blank(c->name))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT, "a client folder needs a name");
	int code = client_check_phone(rc, c->phone);
	if (code)
		return code;
	char key[CLIENT_NAME_KEY_MAX + 1];
	if (client_name_key(c->name, key, sizeof(key)) < 0)
		return client_bad_name_fail(rc, c->name);
	uint64_t id;
	Leadd__Store__ClientRecord *rec;
	int err = client_find_key(t, key, &id);
	if (err == 0) {
		if ((err = client_load(t, id, &rc->arena, &rec)))
			return dispatch_store_error(rc, err == MDB_NOTFOUND ? MDB_CORRUPTED : err);
		return dispatch_fail(rc, LD_ALREADY_EXISTS,
				     "there is already a client folder '%s' (id %" PRIu64
				     "); names that differ only in case, accents, spaces or "
				     "punctuation are one folder",
				     rec->name, rec->id);
	}
	if (err != MDB_NOTFOUND)
		return dispatch_store_error(rc, err);
	char *display, *near;
	err = client_resolve(t, c->name, q->has_new_client && q->new_client, rc->now, &rc->arena,
			     &id, &display, &near);
	if (err == CLIENT_NEAR)
		return client_near_fail(rc, c->name, near);
	if (err == CLIENT_BAD_NAME)
		return client_bad_name_fail(rc, c->name);
	if (err)
		return dispatch_store_error(rc, t->ret);
	/* Made by client_resolve with its name; the details follow. */
	if ((err = client_load(t, id, &rc->arena, &rec)))
		return dispatch_store_error(rc, err == MDB_NOTFOUND ? MDB_CORRUPTED : err);
	rec->phone = text_or_null(c->phone);
	rec->web = text_or_null(c->web);
	rec->address = text_or_null(c->address);
	rec->note = text_or_null(c->note);
	if (rec->phone || rec->web || rec->address || rec->note)
		client_put(t, rec);
	if (t->ret)
		return dispatch_store_error(rc, t->ret);
	return client_reply(rc, rec, NULL);
}

/* ---- client_list ---- */

#define CLIENT_LIST_DEFAULT 50
#define CLIENT_LIST_MAX 1000
/* A page's folders in bytes: a folder may take about 3.8 KB (a 2,000-byte
 * note, a 1,000-byte address, a 500-byte website), so 1,000 of them would
 * not fit the 1 MiB frame; a page ends, with a cursor, before its folders
 * pass this (room kept for the envelope and the cursor). */
#define CLIENT_LIST_BYTES (LD_FRAME_MAX - 4096)
/* A cursor holds the last key (its first CURSOR_KEY_MAX bytes) and id:
 * base64url of both stays under LIMIT_CURSOR. */
#define CURSOR_KEY_MAX 132
#define CURSOR_PREFIX "k1."

typedef struct {
	uint64_t *ids;
	size_t n, cap;
} id_set;

static int id_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int id_add(id_set *s, uint64_t id)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 256;
		uint64_t *p = realloc(s->ids, nc * sizeof(*p));
		if (!p)
			return -1;
		s->ids = p;
		s->cap = nc;
	}
	s->ids[s->n++] = id;
	return 0;
}

/* Sorted, each once. */
static void id_settle(id_set *s)
{
	if (!s->n)
		return;
	qsort(s->ids, s->n, sizeof(*s->ids), id_cmp);
	size_t o = 1;
	for (size_t i = 1; i < s->n; i++)
		if (s->ids[i] != s->ids[o - 1])
			s->ids[o++] = s->ids[i];
	s->n = o;
}

static int id_has(const id_set *s, uint64_t id)
{
	return s->n && bsearch(&id, s->ids, s->n, sizeof(*s->ids), id_cmp) != NULL;
}

typedef struct {
	store_txn *t;
	id_set match; /* folders every word so far prefixes a word of */
	int first, failed;
} query_walk;

/* Folders with a word that `w` prefixes, kept only if every earlier query
 * word matched them too. */
static int query_word(const char *w, size_t len, void *arg)
{
	query_walk *q = arg;
	store_txn *t = q->t;
	id_set hits = {0};
	MDB_cursor *cur;
	if ((t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_CLIENT_WORDS], &cur)))
		return 1;
	MDB_val k = {len, (void *)w}, v;
	int rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	     rc == 0 && k.mv_size >= len && memcmp(k.mv_data, w, len) == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		if (v.mv_size == 8 && id_add(&hits, store_key_get_u64(v.mv_data)) < 0) {
			q->failed = 1;
			break;
		}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		t->ret = rc;
	id_settle(&hits);
	if (q->first) {
		free(q->match.ids);
		q->match = hits;
		q->first = 0;
	} else {
		size_t o = 0;
		for (size_t i = 0; i < q->match.n; i++)
			if (id_has(&hits, q->match.ids[i]))
				q->match.ids[o++] = q->match.ids[i];
		q->match.n = o;
		free(hits.ids);
	}
	return t->ret || q->failed || q->match.n == 0;
}

/* The query's words, gathered before any is looked up. */
#define QUERY_WORDS_MAX 512 /* NFKC may make ~4 words of 3 bytes; the query is 200 */

typedef struct {
	char (*w)[LD_WORD_MAX + 1];
	size_t n;
} query_words;

static int word_keep(const char *w, size_t len, void *arg)
{
	query_words *qw = arg;
	if (qw->n == QUERY_WORDS_MAX)
		return 1;
	memcpy(qw->w[qw->n], w, len);
	qw->w[qw->n++][len] = 0;
	return 0;
}

static int word_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Look each word up, leaving out those another word starts with (or
 * repeats): a folder matching "sales" matches "s" too, so they narrow
 * nothing, and "s s s ..." would scan the same index range a hundred times
 * in one loop callback. The words left prefix each other's ranges of
 * client_words nowhere, so together they read it at most once. */
static int query_lookup(request_ctx *rc, const char *query, query_walk *qw)
{
	query_words words = {.w = ld_arena_alloc(&rc->arena, QUERY_WORDS_MAX * sizeof(*words.w))};
	if (!words.w) {
		qw->failed = 1;
		return 0;
	}
	if (ld_norm_words(query, word_keep, &words) < 0)
		return -1;
	qsort(words.w, words.n, sizeof(*words.w), word_cmp);
	for (size_t i = 0; i < words.n; i++) {
		/* Sorted, a word that starts another is right before one that
		 * starts with it. */
		if (i + 1 < words.n && strncmp(words.w[i + 1], words.w[i], strlen(words.w[i])) == 0)
			continue;
		if (query_word(words.w[i], strlen(words.w[i]), qw))
			break;
	}
	return 0;
}

static void cursor_make(char *out, size_t outlen, const void *key, size_t klen, uint64_t id)
{
	uint8_t raw[CURSOR_KEY_MAX + 8];
	size_t n = klen < CURSOR_KEY_MAX ? klen : CURSOR_KEY_MAX;
	memcpy(raw, key, n);
	store_key_u64(raw + n, id);
	snprintf(out, outlen, "%s", CURSOR_PREFIX);
	size_t p = strlen(out);
	sodium_bin2base64(out + p, outlen - p, raw, n + 8,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* Where the listing goes on: *start the key to seek (*start_len bytes), and
 * *skip_equal when an entry with exactly that key was listed already. */
static int cursor_read(request_ctx *rc, store_txn *t, const char *cursor, char *start,
		       size_t *start_len, int *skip_equal)
{
	uint8_t raw[CURSOR_KEY_MAX + 8];
	size_t n = 0;
	size_t pl = strlen(CURSOR_PREFIX);
	if (strncmp(cursor, CURSOR_PREFIX, pl) != 0 ||
	    sodium_base642bin(raw, sizeof(raw), cursor + pl, strlen(cursor + pl), NULL, &n, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    n < 9)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "the cursor is not one this listing gave; list again from "
				     "the start");
	size_t klen = n - 8;
	uint64_t id = store_key_get_u64(raw + klen);
	memcpy(start, raw, klen);
	start[klen] = 0;
	*start_len = klen;
	*skip_equal = 1;
	if (klen < CURSOR_KEY_MAX)
		return LD_OK;
	/* The key was cut: the folder's own key, if it still starts so. */
	Leadd__Store__ClientRecord *rec;
	char key[CLIENT_NAME_KEY_MAX + 1];
	if (client_load(t, id, &rc->arena, &rec) == 0 &&
	    client_name_key(rec->name, key, sizeof(key)) == 0 && strncmp(key, start, klen) == 0) {
		strcpy(start, key);
		*start_len = strlen(key);
	} else {
		*skip_equal = 0; /* renamed since: a few may show twice */
	}
	return LD_OK;
}

int client_list(request_ctx *rc, store_txn *t)
{
	const Leadd__ClientListRequest *q = rc->req->client_list;
	uint32_t limit = q->has_limit && q->limit ? q->limit : CLIENT_LIST_DEFAULT;
	if (limit > CLIENT_LIST_MAX)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "a page holds at most %d client folders; ask for fewer",
				     CLIENT_LIST_MAX);
	query_walk qw = {.t = t, .first = 1};
	int by_query = 0;
	if (q->query && !ld_is_blank(q->query)) {
		if (query_lookup(rc, q->query, &qw) < 0)
			return dispatch_fail(rc, LD_INVALID_ARGUMENT,
					     "the search words are not text");
		by_query = !qw.first; /* a query of only punctuation matches every folder */
		if (qw.failed || t->ret) {
			free(qw.match.ids);
			return qw.failed ? dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory")
					 : dispatch_store_error(rc, t->ret);
		}
	}
	char start[CLIENT_NAME_KEY_MAX + 1];
	size_t start_len = 0;
	int skip_equal = 0, code;
	if (q->cursor && (code = cursor_read(rc, t, q->cursor, start, &start_len, &skip_equal))) {
		free(qw.match.ids);
		return code;
	}
	Leadd__ClientListReply *r = ld_arena_alloc(&rc->arena, sizeof(*r));
	Leadd__Client **out = ld_arena_alloc(&rc->arena, limit * sizeof(*out));
	if (!r || !out) {
		free(qw.match.ids);
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	}
	leadd__client_list_reply__init(r);
	r->clients = out;
	MDB_cursor *cur;
	if ((t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_CLIENT_NAMES], &cur))) {
		free(qw.match.ids);
		return dispatch_store_error(rc, t->ret);
	}
	MDB_val k = {start_len, start}, v;
	int rc_ = q->cursor ? mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE)
			    : mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	if (rc_ == 0 && skip_equal && k.mv_size == start_len &&
	    memcmp(k.mv_data, start, start_len) == 0)
		rc_ = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	/* Walks keys only; a folder's record is read once it is listed. */
	size_t bytes = 0;
	for (; rc_ == 0; rc_ = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (v.mv_size != 8) {
			rc_ = MDB_CORRUPTED;
			break;
		}
		uint64_t id = store_key_get_u64(v.mv_data);
		if (by_query && !id_has(&qw.match, id))
			continue;
		Leadd__Store__ClientRecord *rec = NULL;
		Leadd__Client *wire = NULL;
		if (r->n_clients < limit) {
			int err = client_load(t, id, &rc->arena, &rec);
			if (err) {
				rc_ = err == MDB_NOTFOUND ? MDB_CORRUPTED : err;
				break;
			}
			if (!(wire = client_wire(rc, rec))) {
				rc_ = ENOMEM;
				break;
			}
			/* The folder, its tag and length in the reply. */
			size_t n = leadd__client__get_packed_size(wire) + 8;
			if (r->n_clients > 0 && bytes + n > CLIENT_LIST_BYTES)
				wire = NULL; /* it starts the next page */
			else
				bytes += n;
		}
		if (!wire) {
			/* One more exists: the cursor is the last one listed. */
			const Leadd__Client *last = out[r->n_clients - 1];
			char key[CLIENT_NAME_KEY_MAX + 1];
			char *c = ld_arena_alloc(&rc->arena, LIMIT_CURSOR + 1);
			if (!c || client_name_key(last->name, key, sizeof(key)) < 0) {
				rc_ = c ? MDB_CORRUPTED : ENOMEM;
				break;
			}
			cursor_make(c, LIMIT_CURSOR + 1, key, strlen(key), last->id);
			r->cursor = c;
			break;
		}
		out[r->n_clients++] = wire;
	}
	mdb_cursor_close(cur);
	free(qw.match.ids);
	if (rc_ == ENOMEM)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	if (rc_ && rc_ != MDB_NOTFOUND)
		return dispatch_store_error(rc, rc_);
	rc->resp.body_case = LEADD__RESPONSE__BODY_CLIENT_LIST;
	rc->resp.client_list = r;
	return LD_OK;
}
