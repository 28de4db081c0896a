/* Change-log trimming (docs/protocol.md section 6, "The change log"): the
 * writer drops the oldest entries, a bounded number per commit, once they
 * are older than changelog_keep or beyond changelog_max entries. History is
 * never trimmed. The newest entry always stays, so a reader of the log
 * (a watch, a listing paging by keys as they were) can tell "trimmed" from
 * "no change since". */
#ifndef LEADD_CHANGELOG_TRIM_H
#define LEADD_CHANGELOG_TRIM_H

#include "config.h"
#include "store.h"

/* meta: the oldest revision the log still holds an entry for when it was
 * trimmed (absent: never trimmed, the log starts at revision 1). Every
 * revision from it to last_revision has its entry. */
#define META_CHANGELOG_FIRST "changelog_first"

/* Entries one commit deletes at most. */
#define CHANGELOG_TRIM_CHUNK 256

/* Trim inside the writer's transaction t, in a nested transaction: a
 * failure (a full map) leaves t as it was and trims nothing this time.
 * Returns the entries deleted. */
size_t changelog_trim(store_txn *t, const config_t *cfg, int64_t now_ms);

#endif
