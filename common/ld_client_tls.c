/* Opening a connection over TLS: the handshake on the non-blocking socket
 * within the caller's deadline, the trust check before anything of ours
 * goes over it, and a plaintext answer (a leadd refusing at a limit, or a
 * server that does not speak TLS) turned into what it said. Once open,
 * the connection's data path is ld_client.c's, through the engine. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ld_client_int.h"
#include "ld_error.h"

/* One client context per process: loading the system store costs more
 * than a handshake, and benchmarks open many connections. */
static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;
static SSL_CTX *client_ctx;
static char client_ctx_error[256];

static void make_client_ctx(void)
{
	client_ctx = ld_tls_client_ctx(client_ctx_error, sizeof(client_ctx_error));
}

int ld_addr_is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
		return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(a) ||
		       (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return 0;
}

/* The address actually connected to: a name may resolve to several. */
static int peer_is_loopback(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) < 0)
		return 0;
	return ld_addr_is_loopback((const struct sockaddr *)&ss);
}

int ld_trust_fingerprint(void *arg, const ld_peer_cert *peer, char *err, size_t errlen)
{
	const char *want = arg;
	if (want ? strcmp(want, peer->fingerprint) == 0 : peer->verify_error == NULL)
		return 0;
	if (want)
		snprintf(err, errlen,
			 "the certificate of leadd at %s has the fingerprint %s, not the %s "
			 "expected",
			 peer->server, peer->fingerprint, want);
	else
		snprintf(err, errlen, "the certificate of leadd at %s is not trusted: %s",
			 peer->server, peer->verify_error);
	return LD_UNAUTHENTICATED;
}

/* The server answered in plaintext where a TLS record was due. If the
 * bytes are a leadd frame (a refusal before the handshake: a connection
 * limit), say what it said; else that it does not speak TLS. */
static int plaintext_answer(ld_conn *c, const char *server, const uint8_t *first, size_t n,
			    int64_t deadline, char *err, size_t errlen)
{
	ld_frame_decoder d;
	ld_frame_decoder_init(&d, LD_FRAME_MAX_PRELOGIN);
	int code = 0;
	if (ld_frame_decoder_feed(&d, first, n) < 0)
		goto not_leadd;
	for (;;) {
		const uint8_t *frame;
		uint32_t len;
		ld_frame_status st = ld_frame_next(&d, &frame, &len);
		if (st == LD_FRAME_OK) {
			Leadd__ServerMessage *sm = leadd__server_message__unpack(NULL, len, frame);
			if (sm && sm->kind_case == LEADD__SERVER_MESSAGE__KIND_RESPONSE &&
			    sm->response && ld_response_code(sm->response) != LD_OK) {
				code = ld_response_code(sm->response);
				snprintf(err, errlen, "leadd at %s answered without TLS: %s",
					 server, ld_response_message(sm->response));
			}
			if (sm)
				leadd__server_message__free_unpacked(sm, NULL);
			break;
		}
		if (st != LD_FRAME_NEED_MORE)
			break;
		/* The rest of the frame: leadd sends it whole, then closes. */
		int64_t left = deadline - ld_conn_now_ms();
		struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			break;
		uint8_t buf[4096];
		ssize_t r = recv(c->fd, buf, sizeof(buf), 0);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0 || ld_frame_decoder_feed(&d, buf, (size_t)r) < 0)
			break;
	}
not_leadd:
	ld_frame_decoder_free(&d);
	if (code)
		return code;
	snprintf(err, errlen,
		 "the server at %s did not answer in TLS: is it leadd, and is the port "
		 "right?",
		 server);
	return LD_UNAVAILABLE;
}

/* Drives the handshake until it is over, the deadline passes or it fails.
 * 0, or an error code with a sentence in err. */
static int handshake(ld_conn *c, const char *server, int64_t deadline, int timeout_ms, char *err,
		     size_t errlen)
{
	int first = 1;
	for (;;) {
		int rc = ld_tls_handshake(c->tls);
		if (ld_conn_take_tls_output(c) < 0) {
			snprintf(err, errlen, "out of memory");
			return LD_RESOURCE_EXHAUSTED;
		}
		if (rc == LD_TLS_ERROR) {
			/* The engine's sentence starts "TLS handshake failed: ". */
			snprintf(err, errlen, "leadd at %s: %s", server, ld_tls_error(c->tls));
			return LD_UNAVAILABLE;
		}
		if (ld_conn_flush(c) < 0) {
			snprintf(err, errlen,
				 "leadd at %s closed the connection during the TLS handshake (%s)",
				 server, c->error);
			return LD_UNAVAILABLE;
		}
		/* Our Finished may still be queued: it goes before the first
		 * request, on the same queue. */
		if (rc == LD_TLS_OK)
			return 0;
		int64_t left = deadline - ld_conn_now_ms();
		if (left <= 0) {
			snprintf(err, errlen,
				 "leadd at %s did not finish the TLS handshake within %d ms",
				 server, timeout_ms);
			return LD_UNAVAILABLE;
		}
		struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
		if (ld_conn_want_write(c))
			pfd.events |= POLLOUT;
		int n = poll(&pfd, 1, (int)left);
		if (n < 0 && errno != EINTR) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			return LD_UNAVAILABLE;
		}
		if (n <= 0 || !(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		uint8_t buf[16 << 10];
		ssize_t r = recv(c->fd, buf, sizeof(buf), 0);
		if (r < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (r <= 0) {
			snprintf(err, errlen,
				 "leadd at %s closed the connection during the TLS handshake%s%s%s",
				 server, r < 0 ? " (" : "", r < 0 ? strerror(errno) : "",
				 r < 0 ? ")" : "");
			return LD_UNAVAILABLE;
		}
		/* A TLS server's first byte starts a handshake record or an
		 * alert; a leadd frame's length starts with 0. */
		if (first && buf[0] != LD_TLS_RECORD_HANDSHAKE && buf[0] != 0x15)
			return plaintext_answer(c, server, buf, (size_t)r, deadline, err, errlen);
		first = 0;
		if (ld_tls_feed(c->tls, buf, (size_t)r) < 0) {
			snprintf(err, errlen, "out of memory");
			return LD_RESOURCE_EXHAUSTED;
		}
	}
}

/* The handshake and the trust check; 0 or an error code (err says). */
static int start_tls(ld_conn *c, const char *server, const ld_conn_opts *o, int64_t deadline,
		     char *err, size_t errlen)
{
	char host[256], port[16];
	if (ld_parse_hostport(server, host, sizeof(host), port, sizeof(port), err, errlen) < 0)
		return LD_INVALID_ARGUMENT;
	pthread_once(&ctx_once, make_client_ctx);
	if (!client_ctx) {
		snprintf(err, errlen, "%s", client_ctx_error);
		return LD_INTERNAL;
	}
	c->tls = ld_tls_new(client_ctx, 0, host);
	if (!c->tls) {
		snprintf(err, errlen, "cannot start TLS to %s (out of memory?)", host);
		return LD_RESOURCE_EXHAUSTED;
	}
	int rc = handshake(c, server, deadline, o->timeout_ms, err, errlen);
	if (rc)
		return rc;
	if (ld_tls_peer_fingerprint(c->tls, c->fingerprint) < 0) {
		snprintf(err, errlen, "leadd at %s sent no certificate", server);
		return LD_UNAUTHENTICATED;
	}
	const char *why = ld_tls_verify_error(c->tls);
	ld_peer_cert peer = {
		.server = server, .host = host, .fingerprint = c->fingerprint, .verify_error = why};
	if (!o->trust) {
		snprintf(err, errlen, "nothing to check the certificate of leadd at %s with",
			 server);
		return LD_UNAUTHENTICATED;
	}
	if ((rc = o->trust(o->trust_arg, &peer, err, errlen)) != 0)
		return rc;
	c->tls_authority = why == NULL;
	return 0;
}

int ld_conn_open_tls(const char *server, const ld_conn_opts *o, ld_conn **out, char *err,
		     size_t errlen)
{
	if (o->tls == LD_CONN_TLS_NO)
		return ld_conn_open(server, o->client_name, o->timeout_ms, out, err, errlen);
	int64_t deadline = ld_conn_now_ms() + o->timeout_ms;
	int fd = ld_conn_connect(server, o->timeout_ms, err, errlen);
	if (fd < 0)
		return -1;
	ld_conn *c = ld_conn_wrap(fd);
	if (!c) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = 0;
	if (o->tls == LD_CONN_TLS_YES || !peer_is_loopback(fd))
		rc = start_tls(c, server, o, deadline, err, errlen);
	if (rc == 0)
		rc = ld_conn_hello(c, o->client_name, o->timeout_ms, err, errlen);
	if (rc != 0) {
		ld_conn_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

int ld_conn_tls(const ld_conn *c)
{
	return c->tls != NULL;
}

const char *ld_conn_fingerprint(const ld_conn *c)
{
	return c->tls ? c->fingerprint : "";
}

int ld_conn_tls_authority(const ld_conn *c)
{
	return c->tls && c->tls_authority;
}
