/* Tag names: a tag matches case-insensitively (folded by ld_norm_name) and
 * keeps the case it was first written with anywhere: "carat" on a new lead
 * becomes "Carat" once any lead was tagged "Carat". DB_TAG_NAMES holds the
 * first-written form of every tag ever used; names are never removed. */
#ifndef LEADD_TAG_NAMES_H
#define LEADD_TAG_NAMES_H

#include "ld_arena.h"
#include "lead_index.h"
#include "leadd.pb-c.h"
#include "store.h"

/* The schema from which the write core keeps tag names (store_migrate.c). */
#define TAG_NAMES_SCHEMA 8

/* A folded tag: the key of the tag index and of DB_TAG_NAMES. */
#define TAG_KEY_MAX LEAD_INDEX_KEY_MAX

/* The key `tag` is matched by, into out (TAG_KEY_MAX + 1 bytes): 0, or -1
 * when it has none (no letters, digits or marks once folded, or too long
 * once folded): such a tag could be neither indexed nor named, so the
 * handlers refuse it. */
int tag_name_key(const char *tag, char *out);

/* Why `tag` has no key, as the end of a sentence naming it ("tag 1 ...",
 * "the tag to add '...' ..."): it is empty, or too long once folded. */
const char *tag_name_problem(const char *tag);

/* Is v[0..n) a name DB_TAG_NAMES may hold for `key`: UTF-8 without NUL,
 * at most LIMIT_TAG * 4 bytes, folding to key? A damaged one must be
 * neither written onto a lead nor sent (verify reports it). 1 or 0. */
int tag_name_valid(const void *v, size_t n, const char *key);

/* Called by the write core (lead_apply) before it writes `lead`: drops
 * tags that fold to one already on the lead (the first stays), gives each
 * tag its recorded first-written form (strings in arena; with arena NULL
 * the tags keep their case) and records the names of tags new to the store.
 * Does nothing when the tags are those of `old`. Errors go to t->ret. */
void tag_names_apply(store_txn *t, const Leadd__Lead *old, Leadd__Lead *lead, ld_arena *arena);

/* Migration to schema 8: record the name of every tag on a lead (the
 * lowest lead id's spelling wins), and rewrite through the write core the
 * leads that carry two tags folding alike (written before tags folded), so
 * each keeps one. */
void migrate_tag_names(store_txn *t);

#endif
