/* The client library: everything a leadd client needs, shared by lead,
 * leadtop, the tests and the benchmarks.
 *
 * Core is event-driven: one connection has a pollable fd; requests are
 * pipelined and matched to their answers by id; pushed events go to a
 * callback. ld_call() is the blocking wrapper for one-shot commands. */
#ifndef LD_CLIENT_H
#define LD_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "leadd.pb-c.h"

#define LD_PROTOCOL_VERSION 1
#define LD_DEFAULT_PORT 7470
#define LD_DEFAULT_SERVER "127.0.0.1:7470"

typedef struct ld_conn ld_conn;

/* The callee owns `resp` and frees it with leadd__response__free_unpacked(resp, NULL).
 * resp is NULL when the connection was lost before the answer came. */
typedef void (*ld_response_cb)(void *arg, Leadd__Response *resp);
/* The callee owns `ev` and frees it with leadd__event__free_unpacked(ev, NULL). */
typedef void (*ld_event_cb)(void *arg, Leadd__Event *ev);

/* Connect to "HOST:PORT", "[V6]:PORT" or "HOST" (port 7470) and say Hello.
 * Returns 0; -1 with a sentence in err when the server cannot be reached;
 * or the server's error code (> 0, e.g. LD_FAILED_PRECONDITION for a
 * protocol version mismatch naming both versions) when it refused Hello. */
int ld_conn_open(const char *server, const char *client_name, int timeout_ms, ld_conn **out,
		 char *err, size_t errlen);
#define LD_TOKEN_BYTES 32

/* Log in on an open connection (after Hello). With a password: *token_out
 * receives the new session token (LD_TOKEN_BYTES). With a token: resume that
 * session. Returns 0; the server's code (> 0) with its sentence in err; or
 * -1 on a transport error. */
int ld_login_password(ld_conn *c, const char *user, const char *password,
		      uint8_t token_out[LD_TOKEN_BYTES], char *err, size_t errlen);
int ld_login_token(ld_conn *c, const uint8_t *token, size_t len, char *err, size_t errlen);
/* Token <-> 64 lower-case hex digits (the form kept in files). 0 / -1. */
void ld_token_to_hex(const uint8_t token[LD_TOKEN_BYTES], char hex[2 * LD_TOKEN_BYTES + 1]);
int ld_token_from_hex(const char *hex, uint8_t token[LD_TOKEN_BYTES]);

/* ---- Over TLS (docs/protocol.md, "Transport: TLS") ---- */

/* Whether to speak TLS: AUTO does unless the address connected to is a
 * loopback one (127.0.0.0/8, ::1), where leadd also takes plaintext. */
enum { LD_CONN_TLS_AUTO = 0, LD_CONN_TLS_YES = 1, LD_CONN_TLS_NO = 2 };

/* 1 for an address where leadd also takes plaintext, and AUTO speaks it:
 * 127.0.0.0/8, ::1, and 127.x mapped into IPv6 (::ffff:127.0.0.1). */
int ld_addr_is_loopback(const struct sockaddr *sa);

/* The server's certificate as the trust check sees it, after the
 * handshake and before anything else is sent. */
typedef struct {
	const char *server;       /* the address as given: "HOST:PORT" */
	const char *host;         /* its host part: a name or an address */
	const char *fingerprint;  /* "SHA256:..." (ld_tls_fingerprint) */
	const char *verify_error; /* why it does not verify against the system
				     store and the host; NULL when it does */
} ld_peer_cert;

/* 0 to go on with this server; else an error code (> 0, e.g.
 * LD_UNAUTHENTICATED) with a sentence in err: the connection is closed and
 * ld_conn_open_tls returns that code and sentence. */
typedef int (*ld_trust_cb)(void *arg, const ld_peer_cert *peer, char *err, size_t errlen);

/* A trust check for tests and benchmarks: arg is the one fingerprint
 * trusted ("SHA256:..."), or NULL to trust only a certificate that
 * verifies against the system store and the host. */
int ld_trust_fingerprint(void *arg, const ld_peer_cert *peer, char *err, size_t errlen);

typedef struct {
	const char *client_name; /* sent in Hello */
	int timeout_ms;          /* for connecting and the handshake; then for Hello */
	int tls;                 /* LD_CONN_TLS_* */
	ld_trust_cb trust;       /* needed for TLS: without one, no server is trusted */
	void *trust_arg;
} ld_conn_opts;

/* ld_conn_open, speaking TLS as opts say. Returns 0; -1 with a sentence
 * in err when the server cannot be reached; or an error code (> 0) with a
 * sentence naming the server: the trust check's refusal, the server's own
 * refusal (of Hello, or a plaintext answer where TLS was due, e.g. at a
 * connection limit, with what leadd said), or LD_UNAVAILABLE when the
 * handshake failed, timed out or the server does not speak TLS. */
int ld_conn_open_tls(const char *server, const ld_conn_opts *opts, ld_conn **out, char *err,
		     size_t errlen);
/* 1 on a TLS connection, 0 on a plaintext one. */
int ld_conn_tls(const ld_conn *c);
/* The server certificate's fingerprint; "" on a plaintext connection. */
const char *ld_conn_fingerprint(const ld_conn *c);
/* 1 when the certificate verified against the system store and the host. */
int ld_conn_tls_authority(const ld_conn *c);

/* Connect without Hello (tests of the handshake itself). */
int ld_conn_open_raw(const char *server, int timeout_ms, ld_conn **out, char *err, size_t errlen);
void ld_conn_close(ld_conn *c);

int ld_conn_fd(const ld_conn *c);
/* TCP keepalive for a connection that may wait quietly for ever (a watch:
 * leadd never closes it for being idle). Without probes, a server that
 * vanished without closing it (a host gone, a cable pulled) would be
 * waited for ever; with them the kernel gives up after about a minute of
 * silence (30 s idle, then 3 probes 10 s apart) and the connection reads
 * as lost. Best effort: a system without these options waits. */
void ld_conn_keepalive(ld_conn *c);
/* Server's HelloReply fields, after ld_conn_open. */
const char *ld_conn_server_version(const ld_conn *c);
uint64_t ld_conn_hello_revision(const ld_conn *c);
/* The last transport error as a sentence. */
const char *ld_conn_error(const ld_conn *c);

void ld_conn_set_event_cb(ld_conn *c, ld_event_cb cb, void *arg);

/* Queue a request (its id is assigned here) and try to send it without
 * blocking. Returns the id, or 0 when the connection is broken. */
uint64_t ld_conn_send(ld_conn *c, Leadd__Request *req, ld_response_cb cb, void *arg);
/* True while queued bytes wait to be written: poll for POLLOUT too. */
int ld_conn_want_write(const ld_conn *c);
/* Requests sent whose answers have not arrived. */
size_t ld_conn_in_flight(const ld_conn *c);
/* Do non-blocking I/O for the given poll revents and dispatch what arrived.
 * Returns 0, or -1 when the connection is lost (pending callbacks get NULL). */
int ld_conn_process(ld_conn *c, short revents);
/* Block until every request sent so far is answered, or timeout. 0/-1. */
int ld_conn_drain(ld_conn *c, int timeout_ms);

/* Blocking round trip. Returns 0 with *resp set (the caller frees it), or -1
 * on a transport error or timeout (ld_conn_error says which). */
int ld_call(ld_conn *c, Leadd__Request *req, Leadd__Response **resp, int timeout_ms);

/* Response helpers. */
int ld_response_code(const Leadd__Response *r);
/* Server sentence, or the code's default sentence. */
const char *ld_response_message(const Leadd__Response *r);

/* Split "HOST:PORT" into host and port; 0 or -1 with a sentence. */
int ld_parse_hostport(const char *s, char *host, size_t hostlen, char *port, size_t portlen,
		      char *err, size_t errlen);

#endif
