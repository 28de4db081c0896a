/* Client folders: the company several leads belong to (noCRM.io). Found by
 * normalised name, created on first use. */
#ifndef LEADD_CLIENT_FOLDER_H
#define LEADD_CLIENT_FOLDER_H

#include "store.h"

/* The longest folded name (ld_norm_name) a folder may have: under LMDB's
 * 511-byte key limit. */
#define CLIENT_NAME_KEY_MAX 500

/* Find or create the folder for `name` (not empty), found by its folded
 * name: "MAISON LEFÈVRE SA" finds "Maison Lefèvre SA". Sets *id and *display
 * (the folder's name as first written, in the arena). Returns t->ret, or
 * EINVAL (the transaction unharmed) if the folded name is empty or longer
 * than CLIENT_NAME_KEY_MAX. */
int client_ensure(store_txn *t, const char *name, int64_t now, ld_arena *arena, uint64_t *id,
		  char **display);

#endif
