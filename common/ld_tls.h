/* TLS 1.3 over memory buffers, for both ends of a leadd connection.
 *
 * The engine never touches a socket: the caller feeds it the bytes the
 * network brought (ciphertext), reads the plaintext out, writes plaintext
 * in and takes the ciphertext to send. So leadd drives it from its libuv
 * loop (net.c) and the client library from poll (ld_client.c), and a test
 * or the fuzzer can pair two engines in memory.
 *
 * Both ends speak TLS 1.3 only, without session tickets. The client asks
 * for no verification during the handshake: once it is done, the caller
 * decides from ld_tls_peer_fingerprint() and ld_tls_verify_error() (a
 * CA-issued certificate, or one pinned by its fingerprint). */
#ifndef LD_TLS_H
#define LD_TLS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

/* The first byte of a TLS record carrying a handshake: how leadd tells a
 * TLS connection from a plaintext one (a frame's length prefix never
 * starts with it; see docs/protocol.md). */
#define LD_TLS_RECORD_HANDSHAKE 0x16

/* KeyUpdate messages a client may send on one connection (server side):
 * past this, ld_tls_read fails (see ld_tls.c, on_message). */
#define LD_TLS_MAX_KEY_UPDATES 32

/* "SHA256:" and 43 characters of unpadded base64, and the NUL. */
#define LD_TLS_FINGERPRINT_LEN 51

typedef struct ld_tls ld_tls;

enum {
	LD_TLS_ERROR = -1, /* the connection cannot go on: ld_tls_error says why */
	LD_TLS_OK = 0,     /* done (some plaintext was read, or the handshake is over) */
	LD_TLS_WANT = 1,   /* needs more bytes from the peer */
	LD_TLS_CLOSED = 2, /* the peer closed TLS cleanly (close_notify) */
};

/* Contexts. The server's holds its certificate and key (PEM files); the
 * client's trusts the system store (for ld_tls_verify_error). NULL with a
 * sentence in err. Free with SSL_CTX_free. */
SSL_CTX *ld_tls_server_ctx(const char *cert_path, const char *key_path, char *err, size_t errlen);
SSL_CTX *ld_tls_client_ctx(char *err, size_t errlen);

/* One end of one connection. host (client only, may be NULL) is sent as
 * SNI when it is a name, and checked against the certificate (name or IP
 * address) for ld_tls_verify_error. The engine holds a reference to ctx:
 * the caller may free or replace its own at any time (a reload). */
ld_tls *ld_tls_new(SSL_CTX *ctx, int is_server, const char *host);
void ld_tls_free(ld_tls *t);

/* Bytes from the network. 0, or -1 out of memory. */
int ld_tls_feed(ld_tls *t, const void *data, size_t len);
/* Ciphertext fed and not yet decrypted. */
size_t ld_tls_input_pending(const ld_tls *t);
/* Plaintext decrypted and not yet read (within the current record). */
size_t ld_tls_plain_pending(const ld_tls *t);

/* Drive the handshake on what was fed: LD_TLS_OK once it is over. */
int ld_tls_handshake(ld_tls *t);
int ld_tls_handshake_done(const ld_tls *t);
/* Plaintext into buf (up to cap), driving the handshake first. LD_TLS_OK
 * with *got > 0, LD_TLS_WANT, LD_TLS_CLOSED or LD_TLS_ERROR. */
int ld_tls_read(ld_tls *t, void *buf, size_t cap, size_t *got);
/* Encrypt all of buf (after the handshake). 0, or -1. */
int ld_tls_write(ld_tls *t, const void *buf, size_t len);
/* Send close_notify (taken with the rest of the output). */
void ld_tls_close(ld_tls *t);

/* Ciphertext waiting to be sent, and taking it: up to cap bytes into buf,
 * or all of it as one malloc'd block (NULL when none or out of memory). */
size_t ld_tls_output_pending(const ld_tls *t);
size_t ld_tls_take_output(ld_tls *t, void *buf, size_t cap);
uint8_t *ld_tls_take_output_all(ld_tls *t, size_t *len);

/* The last error as a sentence (from OpenSSL's error queue, in words). */
const char *ld_tls_error(const ld_tls *t);

/* After the handshake, client side: the server certificate's fingerprint
 * (0, or -1 when there is none), and why it does not verify against the
 * system store and the host name, or NULL when it does. */
int ld_tls_peer_fingerprint(ld_tls *t, char out[LD_TLS_FINGERPRINT_LEN]);
const char *ld_tls_verify_error(ld_tls *t);

/* The fingerprint of a certificate: "SHA256:" + unpadded base64 of SHA-256
 * over its DER, as ssh shows host keys. */
int ld_tls_fingerprint(X509 *cert, char out[LD_TLS_FINGERPRINT_LEN]);
/* ... of the first certificate in a PEM file. 0, or -1 with a sentence. */
int ld_tls_fingerprint_file(const char *path, char out[LD_TLS_FINGERPRINT_LEN], char *err,
			    size_t errlen);

#endif
