/* Session records and their index by user, kept in step: every put and
 * delete of a session goes through here, so revoking a user's sessions reads
 * the user's index entries instead of scanning every session ever made. */
#ifndef LEADD_SESSIONS_H
#define LEADD_SESSIONS_H

#include "config.h"
#include "leadd_store.pb-c.h"
#include "store.h"

typedef Leadd__Store__SessionRecord session_record;

#define SESSION_ID_BYTES 32

/* 0, MDB_NOTFOUND or an error (MDB_CORRUPTED when it does not decode). */
int session_load(store_txn *t, const uint8_t sid[SESSION_ID_BYTES], ld_arena *arena,
		 session_record **out);
/* Store a session; a new one is also added to the user's index. */
void session_put(store_txn *t, const uint8_t sid[SESSION_ID_BYTES], const session_record *s,
		 int is_new);
/* Delete a session and its index entry. */
void session_delete(store_txn *t, const uint8_t sid[SESSION_ID_BYTES], uint64_t user_id);
/* Delete every session of the user but `keep` (may be NULL). Returns how
 * many were deleted. */
uint64_t session_revoke_user(store_txn *t, uint64_t user_id, const uint8_t *keep);

/* Unix ms at which the session ends unless used: the earlier of the idle
 * expiry (last use + session_idle_timeout) and the absolute one (creation +
 * session_max_age). */
int64_t session_expiry(const config_t *cfg, const session_record *s);
/* The same for a session created and last used at those times. */
int64_t session_expiry_at(const config_t *cfg, int64_t created_at, int64_t last_used_at);
/* How often an open connection's use is written to last_used_at: once a
 * minute, or a quarter of the idle timeout when that is shorter. */
int64_t session_touch_interval_ms(const config_t *cfg);

/* A session named for deletion. */
typedef struct {
	uint8_t sid[SESSION_ID_BYTES];
	uint64_t user_id;
} session_ref;

/* Read only: the expired sessions among at most `max_seen` records from the
 * session id after `from` (all zero: the start), at most `max_out` of them.
 * *next is where to go on; *more says whether the scan stopped before the
 * end. Returns how many were found. */
size_t session_find_expired(store_txn *t, const config_t *cfg, int64_t now,
			    const uint8_t from[SESSION_ID_BYTES], size_t max_seen, session_ref *out,
			    size_t max_out, uint8_t next[SESSION_ID_BYTES], int *more);

#endif
