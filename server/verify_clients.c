/* leadd verify: the client folder indexes. verify.c checks that every
 * folder is found under client_name_key of its name and that there are as
 * many names as folders; here every client_names key is checked to be the
 * key of the folder it names (so the two map one to one), and client_words
 * to hold exactly each folder's words. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "client_folder.h"
#include "verify_record.h"

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

static int walk_failed(store_txn *t, int rc)
{
	if (rc && rc != MDB_NOTFOUND && !t->ret)
		t->ret = rc;
	return rc;
}

/* Folder `id` decoded, without making a record that does not decode the
 * transaction's error (verify.c reports it; the checks here go on):
 * 0, MDB_NOTFOUND, MDB_CORRUPTED, or an LMDB error (left in t->ret). */
static int load_folder(store_txn *t, uint64_t id, ld_arena *arena, Leadd__Store__ClientRecord **out)
{
	uint8_t key[8];
	MDB_val v;
	store_key_u64(key, id);
	int err = store_get(t, DB_CLIENTS, key, 8, &v);
	if (err)
		return err;
	*out = leadd__store__client_record__unpack(&arena->pb, v.mv_size, v.mv_data);
	return *out && (*out)->name ? 0 : MDB_CORRUPTED;
}

/* Every client_names key is the key of the folder it names. */
static void check_names(store_txn *t, ld_arena *arena)
{
	MDB_cursor *cur;
	if (t->ret || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_CLIENT_NAMES], &cur)))
		return;
	MDB_val k, v;
	int rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && !t->ret;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		ld_arena_reset(arena);
		Leadd__Store__ClientRecord *c;
		if (v.mv_size != 8 || load_folder(t, store_key_get_u64(v.mv_data), arena, &c))
			continue; /* verify.c reports names of folders that do not exist */
		char key[CLIENT_NAME_KEY_MAX + 1];
		if (client_name_key(c->name, key, sizeof(key)) < 0 || strlen(key) != k.mv_size ||
		    memcmp(key, k.mv_data, k.mv_size) != 0)
			problem("client_names: '%.*s' names folder %" PRIu64 " '%s', whose key is "
				"'%s'",
				(int)k.mv_size, (char *)k.mv_data, c->id, c->name, key);
	}
	mdb_cursor_close(cur);
	walk_failed(t, rc);
}

typedef struct {
	store_txn *t;
	uint64_t id;
	const char *name;
	const char *want; /* the word looked for, or NULL: check each is stored */
	size_t want_len;
	int found;
} word_check;

static int word_stored(const char *w, size_t len, void *arg)
{
	word_check *wc = arg;
	if (wc->want) {
		wc->found |= len == wc->want_len && memcmp(w, wc->want, len) == 0;
		return wc->found;
	}
	MDB_cursor *cur;
	if ((wc->t->ret = mdb_cursor_open(wc->t->txn, wc->t->st->dbi[DB_CLIENT_WORDS], &cur)))
		return 1;
	uint8_t id[8];
	store_key_u64(id, wc->id);
	MDB_val k = {len, (void *)w}, v = {8, id};
	int rc = mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH);
	mdb_cursor_close(cur);
	if (walk_failed(wc->t, rc) == MDB_NOTFOUND)
		problem("client folder %" PRIu64 " '%s': its word '%.*s' is not in client_words",
			wc->id, wc->name, (int)len, w);
	return wc->t->ret != 0;
}

/* Every folder's words are in client_words under its id. */
static void check_folder_words(store_txn *t, ld_arena *arena)
{
	MDB_cursor *cur;
	if (t->ret || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_CLIENTS], &cur)))
		return;
	MDB_val k, v;
	int rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && !t->ret;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		ld_arena_reset(arena);
		Leadd__Store__ClientRecord *c = leadd__store__client_record__unpack(
			&arena->pb, v.mv_size, v.mv_data);
		if (!c || !c->name)
			continue; /* verify.c reports it */
		word_check wc = {.t = t, .id = c->id, .name = c->name};
		if (client_words_each(c->name, word_stored, &wc) < 0)
			problem("client folder %" PRIu64 ": its name is not UTF-8", c->id);
	}
	mdb_cursor_close(cur);
	walk_failed(t, rc);
}

/* Every client_words entry names a folder that has the word. */
static void check_words(store_txn *t, ld_arena *arena)
{
	MDB_cursor *cur;
	if (t->ret || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_CLIENT_WORDS], &cur)))
		return;
	MDB_val k, v;
	int rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && !t->ret;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		ld_arena_reset(arena);
		if (v.mv_size != 8) {
			problem("client_words: '%.*s' holds %zu bytes, not a folder id",
				(int)k.mv_size, (char *)k.mv_data, v.mv_size);
			continue;
		}
		uint64_t id = store_key_get_u64(v.mv_data);
		Leadd__Store__ClientRecord *c;
		int err = load_folder(t, id, arena, &c);
		if (err == MDB_NOTFOUND) {
			problem("client_words: '%.*s' names folder %" PRIu64
				", which does not exist",
				(int)k.mv_size, (char *)k.mv_data, id);
			continue;
		}
		if (err)
			continue; /* does not decode: verify.c reports it; else t->ret */
		word_check wc = {.t = t, .want = k.mv_data, .want_len = k.mv_size};
		client_words_each(c->name, word_stored, &wc);
		if (!wc.found)
			problem("client_words: '%.*s' names folder %" PRIu64 " '%s', which has no "
				"such word",
				(int)k.mv_size, (char *)k.mv_data, id, c->name);
	}
	mdb_cursor_close(cur);
	walk_failed(t, rc);
}

uint64_t verify_client_folders(store_txn *t, ld_arena *arena)
{
	problems = 0;
	check_names(t, arena);
	check_folder_words(t, arena);
	check_words(t, arena);
	return problems;
}
