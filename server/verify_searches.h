/* leadd verify's check of saved searches (verify.c runs it in its table). */
#ifndef LEADD_VERIFY_SEARCHES_H
#define LEADD_VERIFY_SEARCHES_H

#include <stdint.h>

#include "store.h"

/* Walk the searches database in t: every record decodes and is filed under
 * its scope and folded name, its user or team exists, the id entries and
 * the records map one to one, and every pin names a search that exists.
 * Prints each problem as "verify: ..." and returns how many there were;
 * an LMDB error is left in t->ret. */
uint64_t verify_searches(store_txn *t, ld_arena *arena);

#endif
