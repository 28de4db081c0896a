/* leadd verify: tag names (tag_names.h). Every tag on a lead has a name in
 * tag_names whose key is the tag's folded form and whose spelling folds to
 * it, and no lead carries two tags folding alike; every entry of
 * tag_names, used or not, is a name that folds to its key. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ld_norm.h"
#include "leadd.pb-c.h"
#include "request_limits.h"
#include "tag_names.h"
#include "verify_record.h"

static uint64_t problem(uint64_t id, const char *what, const char *tag)
{
	printf("verify: lead %" PRIu64 ": tag '%s' %s\n", id, tag, what);
	return 1;
}

/* `key` has a recorded name (check_entries checks what it holds, once for
 * every entry). */
static uint64_t check_name(store_txn *t, uint64_t id, const char *key, const char *tag)
{
	MDB_val v;
	int rc = store_get(t, DB_TAG_NAMES, key, strlen(key), &v);
	if (rc == MDB_NOTFOUND)
		return problem(id, "has no name in tag_names", tag);
	if (rc)
		t->ret = t->ret ? t->ret : rc;
	return 0;
}

/* Every entry of tag_names, used by a lead or not (a name is kept after
 * the last lead drops the tag, and the next lead tagged so takes it): a
 * name that is not UTF-8, holds a NUL, is longer than a tag may be, or does
 * not fold to its key. */
static uint64_t check_entries(store_txn *t)
{
	uint64_t problems = 0;
	MDB_cursor *cur;
	MDB_val k, v;
	if (t->ret || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_TAG_NAMES], &cur)))
		return 0;
	int rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		char key[TAG_KEY_MAX + 1];
		char shown[4 * (TAG_KEY_MAX + 1) + 1], name[4 * (LIMIT_TAG * 4 + 1) + 1];
		size_t kn = k.mv_size < sizeof(key) ? k.mv_size : sizeof(key) - 1;
		memcpy(key, k.mv_data, kn);
		key[kn] = 0;
		if (kn == k.mv_size && !memchr(k.mv_data, 0, k.mv_size) &&
		    tag_name_valid(v.mv_data, v.mv_size, key))
			continue;
		/* Printed escaped: the bytes may be anything. */
		char raw[LIMIT_TAG * 4 + 1];
		size_t vn = v.mv_size < sizeof(raw) ? v.mv_size : sizeof(raw) - 1;
		memcpy(raw, v.mv_data, vn);
		raw[vn] = 0;
		ld_text_escape(key, 0, shown, sizeof(shown));
		ld_text_escape(raw, 0, name, sizeof(name));
		printf("verify: tag_names: the name '%s' (%zu bytes) recorded for '%s' is not "
		       "UTF-8, is longer than a tag may be, or does not fold to it\n",
		       name, v.mv_size, shown);
		problems++;
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND && !t->ret)
		t->ret = rc;
	return problems;
}

uint64_t verify_tag_names(store_txn *t, ld_arena *arena)
{
	uint64_t problems = 0;
	MDB_cursor *cur;
	MDB_val k, d;
	if (t->ret || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_LEADS], &cur)))
		return 0;
	int rc;
	for (rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0 && !t->ret;
	     rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		ld_arena_reset(arena);
		Leadd__Lead *l = leadd__lead__unpack(&arena->pb, d.mv_size, d.mv_data);
		if (!l)
			continue; /* the lead check reports it */
		char keys[LIMIT_TAGS][TAG_KEY_MAX + 1];
		size_t n = 0;
		for (size_t i = 0; i < l->n_tags && !t->ret; i++) {
			char key[TAG_KEY_MAX + 1];
			/* A tag that cannot be folded was written before the
			 * handlers refused such tags: it has no name to check. */
			if (tag_name_key(l->tags[i], key) < 0)
				continue;
			int dup = 0;
			for (size_t j = 0; j < n && !dup; j++)
				dup = strcmp(keys[j], key) == 0;
			if (dup) {
				problems += problem(l->id, "folds like another tag on the lead",
						    l->tags[i]);
				continue;
			}
			if (n < LIMIT_TAGS)
				memcpy(keys[n++], key, sizeof(key));
			problems += check_name(t, l->id, key, l->tags[i]);
		}
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND && !t->ret)
		t->ret = rc;
	return problems + check_entries(t);
}
