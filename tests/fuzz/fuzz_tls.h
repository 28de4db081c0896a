/* fuzz_tls: the protocol fuzz through the TLS layer (common/ld_tls.c).
 *
 * Two modes, one ctest each:
 * - frames: fuzz_request's mutated frames written by a client engine and
 *   read by a server engine paired with it in memory, so they cross the
 *   record encryption and decryption, arrive split at random points, are
 *   decrypted into the frame decoder's space a random amount at a time
 *   (as leadd does), and go through dispatch; every refusal is encrypted
 *   back to the client (fuzz_tls_frames.c).
 * - records: the TLS records themselves mutated (ClientHello, the server's
 *   flight, the client's Finished, application data: bits flipped, lengths
 *   and types changed, records dropped, duplicated, swapped, truncated,
 *   extensions of the ClientHello edited with the lengths fixed up) and
 *   fed to the other side's engine at random split points
 *   (fuzz_tls_records.c).
 *
 * Whatever the bytes, it checks: every call ends in one of the engine's
 * four outcomes (never a crash, a sanitizer report or a hang: a watchdog
 * alarm fails the run); every error reads as a sentence; no plaintext comes
 * out that the peer did not write; a client that finishes a handshake sees
 * the server's own fingerprint; OpenSSL's per-thread error queue is left
 * empty (leadd's loop thread serves every connection: a stale entry would
 * be blamed on the next one).
 *
 * The mutations are reproducible from LEADD_FUZZ_SEED; the TLS keys and
 * randoms are not (OpenSSL draws them), so a replay takes the same path
 * with other ciphertext. */
#ifndef FUZZ_TLS_H
#define FUZZ_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "fuzz_gen.h"
#include "ld_tls.h"

typedef struct {
	SSL_CTX *srv, *cli;
	char fingerprint[LD_TLS_FINGERPRINT_LEN]; /* the server certificate's */
} fuzz_tls_env;

extern fuzz_tls_env fuzz_tls;

/* What each run saw, so a run that exercised nothing fails. */
typedef struct {
	long sessions, frames_sent, answers, closes;        /* frames mode */
	long errors, wants, completed, round_trips, forged; /* records mode */
} fuzz_tls_counts;

extern fuzz_tls_counts fuzz_tls_seen;

/* A growing byte buffer. */
typedef struct {
	uint8_t *data;
	size_t len, cap;
} fuzz_bytes;

void fuzz_bytes_append(fuzz_bytes *b, const uint8_t *p, size_t n);
/* Drop the first n bytes. */
void fuzz_bytes_drop(fuzz_bytes *b, size_t n);

/* Append all the ciphertext one engine has to send to out. */
void fuzz_tls_take(ld_tls *from, fuzz_bytes *out);
/* Move all the ciphertext from one engine to the other, in one piece. */
void fuzz_tls_shuttle(ld_tls *from, ld_tls *to);
/* New client and server engines with the handshake done between them.
 * 0, or -1 after counting a failure. */
int fuzz_tls_pair(ld_tls **cli, ld_tls **srv);
/* The outcome rc of a call on t is one of the four, and an error is a
 * sentence. Returns rc, or LD_TLS_ERROR after counting a failure. */
int fuzz_tls_outcome(ld_tls *t, int rc, const char *side);

/* Mutate a flight of TLS records (b has room for FUZZ_TLS_MAX_FLIGHT
 * bytes) with one of the record mutators, sometimes two; is_hello adds the
 * ClientHello editor. *changed: whether the bytes differ now. Needs
 * fuzz_tls_records_init(). */
#define FUZZ_TLS_MAX_FLIGHT 65536
size_t fuzz_tls_mutate_flight(uint8_t *b, size_t len, int is_hello, int *changed);

void fuzz_tls_frames_iteration(const fuzz_corpus *requests);
void fuzz_tls_frames_end(void);
void fuzz_tls_records_init(void);
void fuzz_tls_records_iteration(void);
void fuzz_tls_records_end(void);
/* net mode (fuzz_tls_net.c): against a running leadd at addr. */
void fuzz_tls_net_init(const char *addr);
void fuzz_tls_net_iteration(const fuzz_corpus *requests);
void fuzz_tls_net_end(void);

#endif
