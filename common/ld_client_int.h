/* Inside the client library: the connection's state, shared by
 * ld_client.c (framing, requests, the data path) and ld_client_tls.c
 * (opening a connection over TLS). Not for callers: ld_client.h is. */
#ifndef LD_CLIENT_INT_H
#define LD_CLIENT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ld_client.h"
#include "ld_frame.h"
#include "ld_tls.h"

/* One request sent and not yet answered. */
typedef struct ld_pending {
	uint64_t id;
	ld_response_cb cb;
	void *arg;
	struct ld_pending *next;
} ld_pending;

struct ld_conn {
	int fd;
	int broken;
	uint64_t next_id;
	ld_frame_decoder in;
	/* Bytes for the socket: the frames themselves on a plaintext
	 * connection, their ciphertext on a TLS one. */
	uint8_t *out;
	size_t out_len, out_off, out_cap;
	ld_pending *head, *tail; /* answers arrive in request order */
	size_t in_flight;
	ld_event_cb event_cb;
	void *event_arg;
	char server_version[64];
	uint64_t hello_revision;
	/* The server's last word before it closed (a Response no request
	 * waited for: a refusal), kept so that opening can say it. */
	int final_code;
	/* TLS: the engine (NULL on a plaintext connection), the server
	 * certificate's fingerprint and whether the system store vouched
	 * for it. */
	ld_tls *tls;
	char fingerprint[LD_TLS_FINGERPRINT_LEN];
	int tls_authority;
	char error[256];
};

void ld_conn_set_error(ld_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int64_t ld_conn_now_ms(void);
/* A connected non-blocking socket, or -1 with a sentence in err. */
int ld_conn_connect(const char *server, int timeout_ms, char *err, size_t errlen);
/* A connection around a connected socket (no TLS yet), or NULL. */
ld_conn *ld_conn_wrap(int fd);
/* Moves the engine's ciphertext to the send queue; 0 or -1 out of memory. */
int ld_conn_take_tls_output(ld_conn *c);
/* Sends what is queued without blocking; 0, or -1 when the connection broke. */
int ld_conn_flush(ld_conn *c);
/* Hello on an open connection; 0, -1 (transport) or the server's code. */
int ld_conn_hello(ld_conn *c, const char *client_name, int timeout_ms, char *err, size_t errlen);

#endif
