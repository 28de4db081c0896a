/* Passwords and sessions. Password hashes are libsodium argon2id strings
 * (INTERACTIVE limits: 64 MiB each), computed on libuv's thread pool, one at
 * a time by default (the machine has 2 cores). Unknown users are checked
 * against a dummy hash so the time taken tells nothing. Session tokens are
 * 32 random bytes, stored only as a keyed BLAKE2b hash (they are already
 * random: a slow hash would add nothing). */
#ifndef LEADD_AUTH_H
#define LEADD_AUTH_H

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define AUTH_TOKEN_BYTES 32
#define AUTH_SESSION_ID_BYTES 32
#define AUTH_PASSWORD_MIN 8
#define AUTH_PASSWORD_MAX 1024

/* sodium_init and the dummy hash. 0 or -1. */
int auth_init(void);
const char *auth_dummy_hash(void);

/* Hash a password (slow: call off the loop). 0 or -1. */
int auth_hash_password(const char *password, char out[crypto_pwhash_STRBYTES]);
/* 1 if password matches hash. Slow. */
int auth_verify_password(const char *hash, const char *password);

/* The longest source key: an IPv6 address, or an IPv6 /64 prefix. */
#define AUTH_SOURCE_MAX 64
/* A hash of a source or slot key, for the tables kept per source. */
uint64_t auth_key_hash(const char *key);
#define AUTH_QUEUE_FULL (-2)

/* Run work() on the thread pool and after() on the loop, at most
 * `concurrency` at a time. Waiting jobs queue per source (a client
 * address, or an IPv6 /64); the next to run is the oldest job of the source
 * with the fewest hashes lately (halving every 30 s) plus jobs waiting, so
 * a flood from any number of addresses that each keep asking cannot hold
 * back a login from an address that does not. 0 when queued (after() runs
 * from a later loop callback, never from inside this call), -1 out of
 * memory, AUTH_QUEUE_FULL when `source` already has per_source_cap jobs
 * waiting (0: no cap). */
typedef void (*auth_fn)(void *arg);
void auth_set_concurrency(unsigned n);
int auth_queue(uv_loop_t *loop, const char *source, unsigned per_source_cap, auth_fn work,
	       auth_fn after, void *arg);
/* Take arg's job out of the queue if it has not started: 1 if it was
 * removed (after() will not run), 0 if it is running or unknown. */
int auth_cancel(void *arg);
/* Jobs waiting (not running). */
unsigned auth_waiting(void);

/* Failed logins slow down per (user, address) pair and per address, never
 * per user alone, so nobody can lock a user out from another address. Per
 * pair: 5 failures free, then an attempt within 5 s of the last failure
 * (doubling, at most 5 minutes) is refused. Per address: 20 free, then 1 s
 * doubling to 60 s. A success clears its pair; counts forget 15 minutes
 * after their last failure. auth_throttle_wait_ms says how long the
 * attempt must wait (0: it may go ahead). */
uint32_t auth_throttle_wait_ms(const char *user, const char *addr, uint64_t now_ms);
void auth_throttle_failure(const char *user, const char *addr, uint64_t now_ms);
void auth_throttle_success(const char *user, const char *addr);

/* The id a session is stored under: keyed BLAKE2b of the token. */
void auth_session_id(const uint8_t key[32], const uint8_t *token, size_t len,
		     uint8_t out[AUTH_SESSION_ID_BYTES]);

/* User and team names: 1-64 bytes of letters, digits, '.', '_', '-'. */
int auth_name_valid(const char *name);

#endif
