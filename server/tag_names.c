/* Placeholder until tag names are built (issue 10). */
#include "tag_names.h"

void tag_names_apply(store_txn *t, const Leadd__Lead *old, Leadd__Lead *lead, ld_arena *arena)
{
	(void)t;
	(void)old;
	(void)lead;
	(void)arena;
}

void migrate_tag_names(store_txn *t)
{
	(void)t;
}
