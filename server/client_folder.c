/* Client folders: keys, words, near matches, and find-or-make. The only
 * code that writes client_names and client_words. */
#include "client_folder.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "ld_norm.h"
#include "request_limits.h"

int client_name_key(const char *name, char *out, size_t outlen)
{
	/* The same folding as search words (NFKC, case fold, accents
	 * stripped), then only letters and digits are kept: punctuation and
	 * spaces never tell two companies apart ("Coca-Cola", "Coca Cola"). */
	utf8proc_uint8_t *f = NULL;
	if (!name ||
	    utf8proc_map((const utf8proc_uint8_t *)name, 0, &f,
			 UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE |
				 UTF8PROC_CASEFOLD | UTF8PROC_IGNORE | UTF8PROC_STRIPMARK) < 0)
		return -2;
	size_t max = outlen ? outlen - 1 : 0, o = 0;
	if (max > CLIENT_NAME_KEY_MAX)
		max = CLIENT_NAME_KEY_MAX;
	int ok = 1;
	for (const utf8proc_uint8_t *p = f; *p && ok;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n = utf8proc_iterate(p, -1, &cp);
		if (n <= 0) {
			ok = 0;
			break;
		}
		switch (utf8proc_category(cp)) {
		case UTF8PROC_CATEGORY_LU:
		case UTF8PROC_CATEGORY_LL:
		case UTF8PROC_CATEGORY_LT:
		case UTF8PROC_CATEGORY_LM:
		case UTF8PROC_CATEGORY_LO:
		case UTF8PROC_CATEGORY_ND:
		case UTF8PROC_CATEGORY_NL:
		case UTF8PROC_CATEGORY_NO:
			if (o + (size_t)n > max)
				ok = 0;
			else
				memcpy(out + o, p, (size_t)n), o += (size_t)n;
			break;
		default:
			break;
		}
		p += n;
	}
	free(f);
	if (outlen)
		out[ok ? o : 0] = 0;
	return !ok ? -2 : o ? 0 : -1;
}

#define KEY_MAX_TEXT(n) #n
#define KEY_MAX_STRING(n) KEY_MAX_TEXT(n)

const char *client_name_problem(const char *name)
{
	char key[CLIENT_NAME_KEY_MAX + 1];
	if (client_name_key(name, key, sizeof(key)) == -1)
		return "has no letters or digits";
	return "is too long once its letters are normalised (its key is over " KEY_MAX_STRING(
		CLIENT_NAME_KEY_MAX) " bytes)";
}

/* ---- words ---- */

typedef struct {
	char words[LIMIT_NAME][LD_WORD_MAX + 1];
	size_t n;
	int (*fn)(const char *w, size_t len, void *arg);
	void *arg;
} words_seen;

static int once(const char *w, size_t len, void *arg)
{
	words_seen *s = arg;
	for (size_t i = 0; i < s->n; i++)
		if (strlen(s->words[i]) == len && memcmp(s->words[i], w, len) == 0)
			return 0;
	if (s->n == LIMIT_NAME)
		return 0; /* a name has fewer words than characters */
	memcpy(s->words[s->n], w, len);
	s->words[s->n++][len] = 0;
	return s->fn(w, len, s->arg);
}

int client_words_each(const char *name, int (*fn)(const char *w, size_t len, void *arg), void *arg)
{
	/* Heap, not stack: 200 words of 65 bytes. */
	words_seen *s = malloc(sizeof(*s));
	if (!s)
		return -1;
	s->n = 0;
	s->fn = fn;
	s->arg = arg;
	int r = ld_norm_words(name, once, s);
	free(s);
	return r;
}

/* Legal forms and filler words: two companies sharing only these are not
 * alike ("Acme SA" and "Zenith SA"). Folded as ld_norm_words folds. */
static const char *const stop_words[] = {
	"the",      "and",        "und",       "des",         "der",
	"die",      "das",        "les",       "for",         "inc",
	"ltd",      "llc",        "llp",       "plc",         "gmbh",
	"corp",     "company",    "companies", "corporation", "incorporated",
	"limited",  "group",      "groupe",    "gruppe",      "holding",
	"holdings", "sarl",       "sas",       "sasu",        "eurl",
	"spa",      "srl",        "bv",        "nv",          "pty",
	"kg",       "ag",         "sa",        "co",          "international",
	"intl",     "services",   "solutions", "enterprises", "industries",
	"partners", "associates", "global",    "france",      "deutschland",
	"uk",       "usa",        "europe",
};

int client_word_is_stop(const char *w, size_t len)
{
	if (len < 3)
		return 1; /* "de", "la", "&": too common to mean anything */
	for (size_t i = 0; i < sizeof(stop_words) / sizeof(stop_words[0]); i++)
		if (strlen(stop_words[i]) == len && memcmp(stop_words[i], w, len) == 0)
			return 1;
	return 0;
}

typedef struct {
	store_txn *t;
	uint8_t id[8];
	int del;
} words_op;

static int word_put(const char *w, size_t len, void *arg)
{
	words_op *op = arg;
	if (op->del)
		store_del(op->t, DB_CLIENT_WORDS, w, len, op->id, 8);
	else
		store_put(op->t, DB_CLIENT_WORDS, w, len, op->id, 8, MDB_NODUPDATA);
	return op->t->ret != 0;
}

static void index_words(store_txn *t, uint64_t id, const char *name, int del)
{
	words_op op = {.t = t, .del = del};
	store_key_u64(op.id, id);
	if (!t->ret && client_words_each(name, word_put, &op) < 0 && !t->ret)
		t->ret = MDB_CORRUPTED; /* stored names were checked as UTF-8 */
}

void client_index_put(store_txn *t, uint64_t id, const char *name)
{
	char key[CLIENT_NAME_KEY_MAX + 1];
	uint8_t idkey[8];
	if (t->ret)
		return;
	if (client_name_key(name, key, sizeof(key)) < 0) {
		t->ret = MDB_CORRUPTED;
		return;
	}
	store_key_u64(idkey, id);
	store_put(t, DB_CLIENT_NAMES, key, strlen(key), idkey, 8, MDB_NOOVERWRITE);
	index_words(t, id, name, 0);
}

void client_index_del(store_txn *t, uint64_t id, const char *name)
{
	char key[CLIENT_NAME_KEY_MAX + 1];
	if (t->ret)
		return;
	if (client_name_key(name, key, sizeof(key)) < 0) {
		t->ret = MDB_CORRUPTED;
		return;
	}
	store_del(t, DB_CLIENT_NAMES, key, strlen(key), NULL, 0);
	index_words(t, id, name, 1);
}

void client_put(store_txn *t, const Leadd__Store__ClientRecord *rec)
{
	uint8_t key[8];
	store_key_u64(key, rec->id);
	store_put_msg(t, DB_CLIENTS, key, 8, &rec->base);
}

int client_find_key(store_txn *t, const char *key, uint64_t *id)
{
	MDB_val v;
	int err = store_get(t, DB_CLIENT_NAMES, key, strlen(key), &v);
	if (err)
		return err;
	if (v.mv_size != 8)
		return MDB_CORRUPTED;
	*id = store_key_get_u64(v.mv_data);
	return 0;
}

int client_load(store_txn *t, uint64_t id, ld_arena *arena, Leadd__Store__ClientRecord **out)
{
	uint8_t key[8];
	store_key_u64(key, id);
	int err = store_get_msg(t, DB_CLIENTS, key, 8, &leadd__store__client_record__descriptor,
				arena, (ProtobufCMessage **)out);
	if (err == 0 && !(*out)->name)
		return MDB_CORRUPTED;
	return err;
}

/* ---- near matches ---- */

/* Decode UTF-8 (a key: valid by construction) into code points; the count,
 * or max + 1 when there are more. */
static size_t code_points(const uint8_t *s, size_t n, int32_t *out, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < n;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t l = utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &cp);
		if (l <= 0)
			break;
		if (k == max)
			return max + 1;
		out[k++] = cp;
		i += (size_t)l;
	}
	return k;
}

/* Levenshtein distance of a and b when it is at most k, else k + 1; only
 * the diagonal band |i - j| <= k is computed (a row reads the cells of the
 * row before from one left of its band to one right of it, which are set
 * to "too far" when outside that row's band). */
static size_t edits_within(const int32_t *a, size_t na, const int32_t *b, size_t nb, size_t k)
{
	if ((na > nb ? na - nb : nb - na) > k)
		return k + 1;
	enum { BIG = 1 << 20 };
	size_t rows[2][CLIENT_NAME_KEY_MAX + 2];
	size_t *prev = rows[0], *cur = rows[1];
	for (size_t j = 0; j <= nb; j++)
		prev[j] = j <= k ? j : BIG;
	for (size_t i = 1; i <= na; i++) {
		size_t lo = i > k ? i - k : 1, hi = i + k < nb ? i + k : nb, best = BIG;
		cur[0] = i <= k ? i : BIG;
		if (lo > 1)
			cur[lo - 1] = BIG;
		for (size_t j = lo; j <= hi; j++) {
			size_t d = prev[j - 1] + (a[i - 1] != b[j - 1]);
			if (prev[j] + 1 < d)
				d = prev[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			cur[j] = d;
			if (d < best)
				best = d;
		}
		if (hi < nb)
			cur[hi + 1] = BIG;
		if (best > k)
			return k + 1;
		size_t *t = prev;
		prev = cur;
		cur = t;
	}
	return prev[nb] <= k ? prev[nb] : k + 1;
}

/* The characters of a UTF-8 key: its bytes that do not continue one. */
static size_t key_chars(const uint8_t *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += (s[i] & 0xC0) != 0x80;
	return c;
}

/* The folder whose key is fewest edits from `key`, within the bound (the
 * first in key order on a tie). */
static int near_by_spelling(store_txn *t, const char *key, uint64_t exclude, uint64_t *id)
{
	/* Per thread: the loop (reads) and the writer (lead_create) both search. */
	static __thread int32_t a[CLIENT_NAME_KEY_MAX + 1], b[CLIENT_NAME_KEY_MAX + 1];
	size_t na = code_points((const uint8_t *)key, strlen(key), a, CLIENT_NAME_KEY_MAX);
	size_t k = CLIENT_NEAR_EDITS(na);
	if (!k || t->ret)
		return 0;
	MDB_cursor *cur;
	if ((t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_CLIENT_NAMES], &cur)))
		return 0;
	MDB_val kv, v;
	size_t best = k + 1;
	int rc;
	for (rc = mdb_cursor_get(cur, &kv, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &kv, &v, MDB_NEXT)) {
		/* Cheap length checks first: a key's characters are between a
		 * quarter of its bytes and its bytes, and a key more than k
		 * characters longer or shorter is more than k edits away. */
		if (kv.mv_size + k < na || kv.mv_size > 4 * (na + k) || v.mv_size != 8)
			continue;
		size_t nc = key_chars(kv.mv_data, kv.mv_size);
		if (nc + k < na || nc > na + k)
			continue;
		size_t nb = code_points(kv.mv_data, kv.mv_size, b, CLIENT_NAME_KEY_MAX);
		size_t d = edits_within(a, na, b, nb, best - 1 < k ? best - 1 : k);
		uint64_t cand = store_key_get_u64(v.mv_data);
		if (d < best && cand != exclude) {
			best = d;
			*id = cand;
			if (best == 1)
				break; /* a key no folder has is at least one edit away */
		}
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		t->ret = rc;
	return best <= k && !t->ret;
}

/* Folders counted per shared significant word; at most NEAR_IDS_PER_WORD
 * folders are read per word, so a word thousands of folders share costs a
 * bounded walk. */
#define NEAR_IDS_PER_WORD 256
#define NEAR_MAX_CANDIDATES 2048

typedef struct {
	store_txn *t;
	uint64_t exclude;
	uint64_t ids[NEAR_MAX_CANDIDATES];
	unsigned counts[NEAR_MAX_CANDIDATES];
	size_t n;
} word_votes;

static int vote(const char *w, size_t len, void *arg)
{
	word_votes *wv = arg;
	if (client_word_is_stop(w, len))
		return 0;
	MDB_cursor *cur;
	store_txn *t = wv->t;
	if ((t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_CLIENT_WORDS], &cur)))
		return 1;
	MDB_val k = {len, (void *)w}, v;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
	for (size_t seen = 0; rc == 0 && seen < NEAR_IDS_PER_WORD; seen++) {
		if (v.mv_size == 8) {
			uint64_t id = store_key_get_u64(v.mv_data);
			size_t i = 0;
			while (i < wv->n && wv->ids[i] != id)
				i++;
			if (id != wv->exclude && i < NEAR_MAX_CANDIDATES) {
				if (i == wv->n) {
					wv->ids[wv->n] = id;
					wv->counts[wv->n++] = 0;
				}
				wv->counts[i]++;
			}
		}
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP);
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		t->ret = rc;
	return t->ret != 0;
}

static int near_by_words(store_txn *t, const char *name, uint64_t exclude, uint64_t *id)
{
	word_votes *wv = malloc(sizeof(*wv));
	if (!wv) {
		t->ret = ENOMEM;
		return 0;
	}
	wv->t = t;
	wv->exclude = exclude;
	wv->n = 0;
	client_words_each(name, vote, wv);
	/* Most shared words first; then the oldest folder. */
	size_t best = wv->n;
	for (size_t i = 0; i < wv->n; i++)
		if (best == wv->n || wv->counts[i] > wv->counts[best] ||
		    (wv->counts[i] == wv->counts[best] && wv->ids[i] < wv->ids[best]))
			best = i;
	int found = best < wv->n && !t->ret;
	if (found)
		*id = wv->ids[best];
	free(wv);
	return found;
}

int client_find_near(store_txn *t, const char *name, const char *key, uint64_t exclude,
		     uint64_t *id)
{
	if (t->ret)
		return 0;
	return near_by_spelling(t, key, exclude, id) || near_by_words(t, name, exclude, id);
}

/* ---- find or make ---- */

/* The name as typed, without the spaces around it. */
static char *trimmed(ld_arena *arena, const char *name)
{
	while (*name == ' ' || *name == '\t')
		name++;
	size_t n = strlen(name);
	while (n && (name[n - 1] == ' ' || name[n - 1] == '\t'))
		n--;
	char *out = ld_arena_alloc(arena, n + 1);
	if (out) {
		memcpy(out, name, n);
		out[n] = 0;
	}
	return out;
}

int client_resolve(store_txn *t, const char *name, int allow_near, int64_t now, ld_arena *arena,
		   uint64_t *id, char **display, char **near)
{
	char key[CLIENT_NAME_KEY_MAX + 1];
	*near = NULL;
	if (t->ret)
		return t->ret;
	if (client_name_key(name, key, sizeof(key)) < 0)
		return CLIENT_BAD_NAME;
	Leadd__Store__ClientRecord *rec;
	int err = client_find_key(t, key, id);
	if (err == 0) {
		if ((err = client_load(t, *id, arena, &rec)))
			return t->ret = err == MDB_NOTFOUND ? MDB_CORRUPTED : err;
		*display = rec->name;
		return CLIENT_FOUND;
	}
	if (err != MDB_NOTFOUND)
		return t->ret = err;
	uint64_t near_id;
	if (!allow_near && client_find_near(t, name, key, 0, &near_id)) {
		if ((err = client_load(t, near_id, arena, &rec)))
			return t->ret = err == MDB_NOTFOUND ? MDB_CORRUPTED : err;
		*near = rec->name;
		return CLIENT_NEAR;
	}
	if (t->ret)
		return t->ret;
	Leadd__Store__ClientRecord nrec = LEADD__STORE__CLIENT_RECORD__INIT;
	nrec.has_id = nrec.has_created_at = nrec.has_updated_at = 1;
	nrec.id = store_meta_next(t, META_NEXT_CLIENT_ID);
	nrec.created_at = nrec.updated_at = now;
	if (!(nrec.name = trimmed(arena, name)))
		return t->ret = ENOMEM;
	client_put(t, &nrec);
	client_index_put(t, nrec.id, nrec.name);
	*id = nrec.id;
	*display = nrec.name;
	return t->ret;
}
