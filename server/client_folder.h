/* Client folders: the company several leads belong to (noCRM.io). Found by
 * normalised name, created on first use. */
#ifndef LEADD_CLIENT_FOLDER_H
#define LEADD_CLIENT_FOLDER_H

#include "store.h"

/* Find or create the folder for `name` (not empty). Sets *id and *display
 * (the folder's name as first written, in the arena). Returns t->ret. */
int client_ensure(store_txn *t, const char *name, int64_t now, ld_arena *arena, uint64_t *id,
		  char **display);

#endif
