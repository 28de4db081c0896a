/* The TLS side of a leadd connection (net.c calls these): which transport
 * a connection speaks (its first byte), decrypting into the frame decoder
 * and encrypting what is sent. net.c keeps the sockets, the limits and the
 * write accounting; these only move bytes through the engine (ld_tls). */
#ifndef LEADD_NET_TLS_H
#define LEADD_NET_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "ld_frame.h"
#include "ld_tls.h"

/* The loop-wide buffer ciphertext (and a connection's first bytes) are
 * read into: libuv calls alloc, read and the read callback in turn, so
 * one buffer serves every connection. */
char *net_tls_read_buffer(size_t *len);

enum { NET_PLAIN, NET_TLS, NET_REFUSE };
/* What a connection whose first bytes are data speaks: NET_TLS (a TLS
 * record), NET_PLAIN, or NET_REFUSE (plain on a TLS-only listener). */
int net_tls_sniff(const uint8_t *data, size_t len, int plain_allowed);
/* The sentence a plaintext client on a TLS-only listener gets. */
const char *net_tls_refusal(void);

/* A server engine on the current context (tls_server.c), fed data. NULL
 * when out of memory or TLS is not set up, with why. */
ld_tls *net_tls_begin(const uint8_t *data, size_t len, const char **why);

/* Decrypt what was fed into d until it holds cap bytes or nothing more is
 * ready. LD_TLS_WANT (no more for now), LD_TLS_CLOSED (close_notify) or
 * LD_TLS_ERROR (ld_tls_error says why). */
int net_tls_decrypt(ld_tls *t, ld_frame_decoder *d, size_t cap);

/* Does t hold input not yet decrypted? */
int net_tls_has_input(const ld_tls *t);

/* Encrypt frame (freed here, whatever happens). 0, or -1 (why in
 * ld_tls_error). The ciphertext waits in the engine: take it with
 * ld_tls_take_output_all. */
int net_tls_encrypt(ld_tls *t, uint8_t *frame, size_t len);

#endif
