/* What one change did to a lead, for people: the fields that differ
 * between the lead before and after a history entry, each as old -> new
 * text ("lead-New" -> "lead-Qualified", "pool" -> "sofia"). The names of
 * users, teams and statuses are asked of the caller (resolved at read time,
 * so a renamed status reads with its name of today). Every string it puts
 * in the change list is escaped for a terminal (ld_text_escape): a record
 * written before leadd refused control characters cannot carry them out. */
#ifndef LEADD_HISTORY_DIFF_H
#define LEADD_HISTORY_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "ld_arena.h"
#include "leadd.pb-c.h"

typedef enum {
	HISTORY_NAME_USER,
	HISTORY_NAME_TEAM,
	HISTORY_NAME_STATUS,
} history_name_kind;

/* The name of user / team / status `id` (never 0), or NULL when there is
 * none (deleted, or unreadable): the diff then says "user 7". */
typedef const char *(*history_name_fn)(void *arg, history_name_kind kind, uint64_t id);

typedef struct {
	ld_arena *arena; /* where the changes and their strings go */
	history_name_fn name;
	void *name_arg;
	size_t bytes; /* grows by the bytes of every string added (the reply's size) */
	int failed;   /* an allocation was refused */
} history_diff;

/* The changes from `old` (NULL: the lead was created by this entry: every
 * field it was created with) to `lead`, appended to *changes / *n (arrays
 * in d->arena). 0, or -1 when out of memory (d->failed). */
int history_diff_leads(history_diff *d, const Leadd__Lead *old, const Leadd__Lead *lead,
		       Leadd__FieldChange ***changes, size_t *n);

/* A name for people: the name from d->name, else "user 7" ("team 3",
 * "status 9"); "pool" for user 0. In d->arena; NULL when out of memory. */
const char *history_name(history_diff *d, history_name_kind kind, uint64_t id);

/* s escaped for a terminal (multi-line text keeps its newlines), in
 * d->arena, counted in d->bytes; NULL when out of memory. */
char *history_text(history_diff *d, const char *s, int multiline);

#endif
