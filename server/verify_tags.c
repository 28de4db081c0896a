/* leadd verify: tag names (tag_names.h). Every tag on a lead has a name in
 * tag_names whose key is the tag's folded form and whose spelling folds to
 * it, and no lead carries two tags folding alike. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "leadd.pb-c.h"
#include "tag_names.h"
#include "verify_record.h"

static uint64_t problem(uint64_t id, const char *what, const char *tag)
{
	printf("verify: lead %" PRIu64 ": tag '%s' %s\n", id, tag, what);
	return 1;
}

/* The recorded name of `key` folds back to key. */
static uint64_t check_name(store_txn *t, uint64_t id, const char *key, const char *tag)
{
	MDB_val v;
	int rc = store_get(t, DB_TAG_NAMES, key, strlen(key), &v);
	if (rc == MDB_NOTFOUND)
		return problem(id, "has no name in tag_names", tag);
	if (rc) {
		t->ret = t->ret ? t->ret : rc;
		return 0;
	}
	char name[LIMIT_TAG * 4 + 1], folded[TAG_KEY_MAX + 1];
	if (v.mv_size >= sizeof(name))
		return problem(id, "has a name in tag_names longer than a tag may be", tag);
	memcpy(name, v.mv_data, v.mv_size);
	name[v.mv_size] = 0;
	if (tag_name_key(name, folded) < 0 || strcmp(folded, key) != 0) {
		printf("verify: tag_names: the name '%s' recorded for '%s' does not fold to it\n",
		       name, key);
		return 1;
	}
	return 0;
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
	return problems;
}
