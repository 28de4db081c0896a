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

/* Run work() on the thread pool and after() on the loop, at most
 * `concurrency` at a time; the rest wait their turn in order. */
typedef void (*auth_fn)(void *arg);
void auth_set_concurrency(unsigned n);
int auth_queue(uv_loop_t *loop, auth_fn work, auth_fn after, void *arg);

/* Failed logins slow down per user name and per source address: after 5
 * failures in a row, each attempt waits 1 s, doubling, at most 30 s. A
 * success clears both counts. Entries forget after 15 minutes. */
uint32_t auth_throttle_delay_ms(const char *user, const char *addr, uint64_t now_ms);
void auth_throttle_failure(const char *user, const char *addr, uint64_t now_ms);
void auth_throttle_success(const char *user, const char *addr);

/* The id a session is stored under: keyed BLAKE2b of the token. */
void auth_session_id(const uint8_t key[32], const uint8_t *token, size_t len,
		     uint8_t out[AUTH_SESSION_ID_BYTES]);

/* User and team names: 1-64 bytes of letters, digits, '.', '_', '-'. */
int auth_name_valid(const char *name);

#endif
