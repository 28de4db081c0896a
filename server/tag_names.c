/* Tag names (tag_names.h): one folded key per tag, the first-written
 * spelling kept in DB_TAG_NAMES. */
#include "tag_names.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ld_norm.h"
#include "lead_core.h"
#include "log.h"
#include "migrate.h"
#include "request_limits.h"

int tag_name_key(const char *tag, char *out)
{
	if (!tag || ld_norm_name(tag, out, TAG_KEY_MAX + 1) < 0 || !out[0])
		return -1;
	return 0;
}

const char *tag_name_problem(const char *tag)
{
	char key[TAG_KEY_MAX + 1];
	if (!tag || (ld_norm_name(tag, key, sizeof(key)) == 0 && !key[0]))
		return "is empty (only spaces or invisible characters)";
	return "is too long once its letters are normalised";
}

int tag_name_valid(const void *v, size_t n, const char *key)
{
	char name[LIMIT_TAG * 4 + 1], folded[TAG_KEY_MAX + 1];
	if (n >= sizeof(name) || memchr(v, 0, n) || !ld_utf8_valid(v, n))
		return 0;
	memcpy(name, v, n);
	name[n] = 0;
	return tag_name_key(name, folded) == 0 && strcmp(folded, key) == 0;
}

static int same_tags(const Leadd__Lead *a, const Leadd__Lead *b)
{
	if (a->n_tags != b->n_tags)
		return 0;
	for (size_t i = 0; i < a->n_tags; i++)
		if (strcmp(a->tags[i] ? a->tags[i] : "", b->tags[i] ? b->tags[i] : "") != 0)
			return 0;
	return 1;
}

/* The tag's recorded spelling for `key`, recording `tag` as it when there
 * is none; *name is NULL when the tag is the recorded spelling already. */
static void tag_name_of(store_txn *t, const char *key, const char *tag, ld_arena *arena,
			char **name)
{
	MDB_val v;
	size_t klen = strlen(key);
	*name = NULL;
	int rc = store_get(t, DB_TAG_NAMES, key, klen, &v);
	if (rc == MDB_NOTFOUND) {
		store_put(t, DB_TAG_NAMES, key, klen, tag, strlen(tag), 0);
		return;
	}
	if (!rc && !tag_name_valid(v.mv_data, v.mv_size, key))
		rc = MDB_CORRUPTED; /* never copied onto a lead */
	if (rc) {
		t->ret = t->ret ? t->ret : rc;
		return;
	}
	if (!arena || (v.mv_size == strlen(tag) && memcmp(v.mv_data, tag, v.mv_size) == 0))
		return;
	char *s = ld_arena_alloc(arena, v.mv_size + 1);
	if (!s) {
		t->ret = t->ret ? t->ret : ENOMEM;
		return;
	}
	memcpy(s, v.mv_data, v.mv_size);
	s[v.mv_size] = 0;
	*name = s;
}

void tag_names_apply(store_txn *t, const Leadd__Lead *old, Leadd__Lead *lead, ld_arena *arena)
{
	if (t->ret || lead->n_tags == 0 || (old && same_tags(old, lead)))
		return;
	/* One key per tag kept so far (a lead has at most LIMIT_TAGS, but a
	 * migrated one may have more: the keys are on the heap). */
	char *keys = malloc(lead->n_tags * (TAG_KEY_MAX + 1));
	if (!keys) {
		t->ret = ENOMEM;
		return;
	}
	size_t kept = 0;
	for (size_t i = 0; i < lead->n_tags && !t->ret; i++) {
		char *key = keys + kept * (TAG_KEY_MAX + 1);
		if (tag_name_key(lead->tags[i], key) < 0) {
			/* Cannot be matched or named (the handlers refuse such a
			 * tag; one written before they did is kept as it is). */
			lead->tags[kept++] = lead->tags[i];
			key[0] = 0;
			continue;
		}
		int dup = 0;
		for (size_t j = 0; j < kept && !dup; j++)
			dup = strcmp(keys + j * (TAG_KEY_MAX + 1), key) == 0;
		if (dup)
			continue; /* the first spelling on the lead stays */
		char *name;
		tag_name_of(t, key, lead->tags[i], arena, &name);
		lead->tags[kept++] = name ? name : lead->tags[i];
	}
	lead->n_tags = kept;
	free(keys);
}

/* Does the lead carry two tags folding alike? */
static int has_alike_tags(const Leadd__Lead *l)
{
	char a[TAG_KEY_MAX + 1], b[TAG_KEY_MAX + 1];
	for (size_t i = 0; i < l->n_tags; i++) {
		if (tag_name_key(l->tags[i], a) < 0)
			continue;
		for (size_t j = i + 1; j < l->n_tags; j++)
			if (tag_name_key(l->tags[j], b) == 0 && strcmp(a, b) == 0)
				return 1;
	}
	return 0;
}

void migrate_tag_names(store_txn *t)
{
	ld_arena arena;
	ld_arena_init(&arena, 4u << 20);
	uint64_t *fix = NULL;
	size_t n_fix = 0, cap_fix = 0;
	MDB_cursor *cur;
	MDB_val k, d;
	if (t->ret || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_LEADS], &cur))) {
		ld_arena_free(&arena);
		return;
	}
	/* In id order, so the lowest lead id's spelling is recorded first. */
	int rc;
	for (rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0 && !t->ret;
	     rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		ld_arena_reset(&arena);
		Leadd__Lead *l = leadd__lead__unpack(&arena.pb, d.mv_size, d.mv_data);
		if (!l) {
			migrate_fail(t, "lead %llu does not decode",
				     (unsigned long long)(k.mv_size == 8
								  ? store_key_get_u64(k.mv_data)
								  : 0));
			break;
		}
		char key[TAG_KEY_MAX + 1];
		char *name;
		for (size_t i = 0; i < l->n_tags && !t->ret; i++)
			if (tag_name_key(l->tags[i], key) == 0)
				tag_name_of(t, key, l->tags[i], NULL, &name);
		if (!has_alike_tags(l))
			continue;
		if (n_fix == cap_fix) {
			cap_fix = cap_fix ? 2 * cap_fix : 64;
			uint64_t *grown = realloc(fix, cap_fix * sizeof(*fix));
			if (!grown) {
				t->ret = ENOMEM;
				break;
			}
			fix = grown;
		}
		fix[n_fix++] = l->id;
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND && !t->ret)
		t->ret = rc;
	/* After the walk: the rewrites put leads. Each keeps the first of its
	 * alike tags, as written (arena NULL: no case is changed). */
	int64_t now = (int64_t)time(NULL) * 1000;
	for (size_t i = 0; i < n_fix && !t->ret; i++) {
		Leadd__Lead *old, *lead;
		ld_arena_reset(&arena);
		if (lead_load_copy(t, fix[i], &arena, &old, &lead)) {
			t->ret = t->ret ? t->ret : MDB_CORRUPTED;
			break;
		}
		/* Drop the alike tags first: lead_apply would see the tags of
		 * the record it was read from and leave them alone. */
		tag_names_apply(t, NULL, lead, NULL);
		lead_change ch = {
			.now = now, .author = 0, .kind = LEADD__STORE__CHANGE_KIND__CHANGE_UPDATE};
		lead_apply(t, old, lead, &ch);
	}
	if (n_fix && !t->ret)
		log_warn("migration: %zu lead%s carried tags that differ only in case; each "
			 "keeps the first of them",
			 n_fix, n_fix == 1 ? "" : "s");
	free(fix);
	ld_arena_free(&arena);
}
