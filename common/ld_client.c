#include "ld_client.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ld_client_int.h"
#include "ld_error.h"
#include "ld_frame.h"

void ld_conn_set_error(ld_conn *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->error, sizeof(c->error), fmt, ap);
	va_end(ap);
}

int64_t ld_conn_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ld_parse_hostport(const char *s, char *host, size_t hostlen, char *port, size_t portlen,
		      char *err, size_t errlen)
{
	const char *h = s, *p = NULL;
	size_t hl;
	if (*s == '[') {
		const char *end = strchr(s, ']');
		if (!end) {
			snprintf(err, errlen, "'%s': missing ']' after an IPv6 address", s);
			return -1;
		}
		h = s + 1;
		hl = (size_t)(end - h);
		if (end[1] == ':')
			p = end + 2;
		else if (end[1]) {
			snprintf(err, errlen, "'%s': expected ':PORT' after ']'", s);
			return -1;
		}
	} else {
		const char *colon = strrchr(s, ':');
		if (colon && strchr(s, ':') != colon) {
			/* Bare IPv6 without brackets: the whole string is the host. */
			colon = NULL;
		}
		hl = colon ? (size_t)(colon - s) : strlen(s);
		if (colon)
			p = colon + 1;
	}
	if (hl == 0 || hl >= hostlen) {
		snprintf(err, errlen, "'%s': expected HOST:PORT", s);
		return -1;
	}
	memcpy(host, h, hl);
	host[hl] = 0;
	if (p) {
		char *end;
		long v = strtol(p, &end, 10);
		if (!*p || *end || v < 0 || v > 65535) {
			snprintf(err, errlen, "'%s': the port must be a number from 0 to 65535", s);
			return -1;
		}
		snprintf(port, portlen, "%ld", v);
	} else {
		snprintf(port, portlen, "%d", LD_DEFAULT_PORT);
	}
	return 0;
}

/* Non-blocking connect with a deadline, trying every address in turn. */
int ld_conn_connect(const char *server, int timeout_ms, char *err, size_t errlen)
{
	char host[256], port[16];
	if (ld_parse_hostport(server, host, sizeof(host), port, sizeof(port), err, errlen) < 0)
		return -1;
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc) {
		snprintf(err, errlen, "cannot resolve '%s': %s", host, gai_strerror(rc));
		return -1;
	}
	int fd = -1, last_errno = ECONNREFUSED;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			last_errno = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS) {
			struct pollfd pfd = {.fd = fd, .events = POLLOUT};
			int n = poll(&pfd, 1, timeout_ms);
			int soerr = 0;
			socklen_t sl = sizeof(soerr);
			if (n == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 &&
			    soerr == 0)
				break;
			last_errno = n == 0 ? ETIMEDOUT : (soerr ? soerr : errno);
		} else {
			last_errno = errno;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(err, errlen, "%s", strerror(last_errno));
		return -1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

ld_conn *ld_conn_wrap(int fd)
{
	ld_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->fd = fd;
	c->next_id = 1;
	ld_frame_decoder_init(&c->in, LD_FRAME_MAX);
	return c;
}

int ld_conn_open_raw(const char *server, int timeout_ms, ld_conn **out, char *err, size_t errlen)
{
	int fd = ld_conn_connect(server, timeout_ms, err, errlen);
	if (fd < 0)
		return -1;
	ld_conn *c = ld_conn_wrap(fd);
	if (!c) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*out = c;
	return 0;
}

int ld_conn_hello(ld_conn *c, const char *client_name, int timeout_ms, char *err, size_t errlen)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__HelloRequest hello = LEADD__HELLO_REQUEST__INIT;
	hello.has_protocol_version = 1;
	hello.protocol_version = LD_PROTOCOL_VERSION;
	hello.client_name = (char *)client_name;
	req.body_case = LEADD__REQUEST__BODY_HELLO;
	req.hello = &hello;
	Leadd__Response *resp = NULL;
	if (ld_call(c, &req, &resp, timeout_ms) < 0) {
		snprintf(err, errlen, "%s", c->error);
		/* Closed with a final word (a plaintext client on a TLS-only
		 * address, a limit): that is the server refusing, not a
		 * server out of reach. */
		return c->final_code > 0 ? c->final_code : -1;
	}
	int code = ld_response_code(resp);
	if (code != LD_OK || resp->body_case != LEADD__RESPONSE__BODY_HELLO) {
		snprintf(err, errlen, "%s",
			 code != LD_OK ? ld_response_message(resp) : "server sent no hello");
		leadd__response__free_unpacked(resp, NULL);
		return code != LD_OK ? code : LD_INTERNAL;
	}
	if (resp->hello->server_version)
		snprintf(c->server_version, sizeof(c->server_version), "%s",
			 resp->hello->server_version);
	c->hello_revision = resp->hello->revision;
	leadd__response__free_unpacked(resp, NULL);
	return 0;
}

int ld_conn_open(const char *server, const char *client_name, int timeout_ms, ld_conn **out,
		 char *err, size_t errlen)
{
	ld_conn *c;
	if (ld_conn_open_raw(server, timeout_ms, &c, err, errlen) < 0)
		return -1;
	int rc = ld_conn_hello(c, client_name, timeout_ms, err, errlen);
	if (rc != 0) {
		ld_conn_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

static void fail_pending(ld_conn *c)
{
	ld_pending *p = c->head;
	c->head = c->tail = NULL;
	c->in_flight = 0;
	while (p) {
		ld_pending *next = p->next;
		if (p->cb)
			p->cb(p->arg, NULL);
		free(p);
		p = next;
	}
}

void ld_conn_close(ld_conn *c)
{
	if (!c)
		return;
	if (c->tls && c->fd >= 0 && !c->broken && ld_tls_handshake_done(c->tls)) {
		/* close_notify, so that leadd reads a clean end rather than a
		 * cut; one try, never a wait. */
		ld_tls_close(c->tls);
		if (ld_conn_take_tls_output(c) == 0)
			(void)ld_conn_flush(c);
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	fail_pending(c);
	ld_tls_free(c->tls);
	ld_frame_decoder_free(&c->in);
	free(c->out);
	free(c);
}

int ld_conn_fd(const ld_conn *c)
{
	return c->fd;
}

const char *ld_conn_server_version(const ld_conn *c)
{
	return c->server_version;
}

uint64_t ld_conn_hello_revision(const ld_conn *c)
{
	return c->hello_revision;
}

const char *ld_conn_error(const ld_conn *c)
{
	return c->error[0] ? c->error : "no error";
}

void ld_conn_set_event_cb(ld_conn *c, ld_event_cb cb, void *arg)
{
	c->event_cb = cb;
	c->event_arg = arg;
}

int ld_conn_want_write(const ld_conn *c)
{
	return c->out_len > c->out_off;
}

size_t ld_conn_in_flight(const ld_conn *c)
{
	return c->in_flight;
}

static void mark_broken(ld_conn *c, const char *why)
{
	if (!c->broken) {
		c->broken = 1;
		if (why != c->error)
			ld_conn_set_error(c, "%s", why);
	}
	fail_pending(c);
}

int ld_conn_flush(ld_conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		if (n > 0) {
			c->out_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		mark_broken(c, n < 0 ? strerror(errno) : "connection closed");
		return -1;
	}
	c->out_off = c->out_len = 0;
	return 0;
}

/* Room for more bytes at the end of the send queue; 0 or -1. */
static int out_reserve(ld_conn *c, size_t more)
{
	size_t need = c->out_len + more;
	if (need <= c->out_cap)
		return 0;
	size_t cap = c->out_cap ? c->out_cap : 4096;
	while (cap < need)
		cap *= 2;
	uint8_t *nb = realloc(c->out, cap);
	if (!nb)
		return -1;
	c->out = nb;
	c->out_cap = cap;
	return 0;
}

int ld_conn_take_tls_output(ld_conn *c)
{
	size_t n = ld_tls_output_pending(c->tls);
	if (n == 0)
		return 0;
	if (out_reserve(c, n) < 0)
		return -1;
	c->out_len += ld_tls_take_output(c->tls, c->out + c->out_len, n);
	return 0;
}

/* The frame into the send queue: as it is, or encrypted. 0 or -1. */
static int queue_frame(ld_conn *c, Leadd__Request *req, size_t n)
{
	if (!c->tls) {
		if (out_reserve(c, LD_FRAME_HEADER + n) < 0)
			return -1;
		ld_frame_put_header(c->out + c->out_len, (uint32_t)n);
		leadd__request__pack(req, c->out + c->out_len + LD_FRAME_HEADER);
		c->out_len += LD_FRAME_HEADER + n;
		return 0;
	}
	uint8_t *frame = malloc(LD_FRAME_HEADER + n);
	if (!frame)
		return -1;
	ld_frame_put_header(frame, (uint32_t)n);
	leadd__request__pack(req, frame + LD_FRAME_HEADER);
	int rc = ld_tls_write(c->tls, frame, LD_FRAME_HEADER + n);
	free(frame);
	if (rc < 0) {
		ld_conn_set_error(c, "%s", ld_tls_error(c->tls));
		return -1;
	}
	return ld_conn_take_tls_output(c);
}

uint64_t ld_conn_send(ld_conn *c, Leadd__Request *req, ld_response_cb cb, void *arg)
{
	if (c->broken)
		return 0;
	req->has_id = 1;
	req->id = c->next_id++;
	size_t n = leadd__request__get_packed_size(req);
	if (n > LD_FRAME_MAX) {
		ld_conn_set_error(c, "request of %zu bytes is over the %u-byte frame limit", n,
				  LD_FRAME_MAX);
		return 0;
	}
	ld_pending *p = calloc(1, sizeof(*p));
	if (!p) {
		ld_conn_set_error(c, "out of memory");
		return 0;
	}
	if (queue_frame(c, req, n) < 0) {
		free(p);
		if (c->tls && c->error[0]) {
			/* The engine failed: nothing more can be sent on it. */
			mark_broken(c, c->error);
		} else {
			ld_conn_set_error(c, "out of memory");
		}
		return 0;
	}
	p->id = req->id;
	p->cb = cb;
	p->arg = arg;
	if (c->tail)
		c->tail->next = p;
	else
		c->head = p;
	c->tail = p;
	c->in_flight++;
	if (ld_conn_flush(c) < 0)
		return 0;
	return req->id;
}

static void dispatch_response(ld_conn *c, Leadd__ServerMessage *sm)
{
	Leadd__Response *r = sm->response;
	/* Detach so freeing the envelope leaves the response to the callee. */
	sm->kind_case = LEADD__SERVER_MESSAGE__KIND__NOT_SET;
	sm->response = NULL;
	leadd__server_message__free_unpacked(sm, NULL);

	ld_pending *p = c->head;
	if (!p || (r->has_id && r->id != p->id)) {
		/* A response with id 0 and no pending match is the server's final
		 * word before closing (a protocol error, a refusal): keep its
		 * sentence and code. */
		c->final_code = ld_response_code(r);
		ld_conn_set_error(c, "%s", ld_response_message(r));
		leadd__response__free_unpacked(r, NULL);
		mark_broken(c, c->error);
		return;
	}
	c->head = p->next;
	if (!c->head)
		c->tail = NULL;
	c->in_flight--;
	if (p->cb)
		p->cb(p->arg, r);
	else
		leadd__response__free_unpacked(r, NULL);
	free(p);
}

/* Decrypts what the engine holds into the frame decoder; 0, or -1 with
 * the reason in *why (the server closed TLS, or the engine failed). */
static int decrypt_in(ld_conn *c, const char **why)
{
	for (;;) {
		size_t avail, got;
		uint8_t *space = ld_frame_decoder_space(&c->in, 16 << 10, &avail);
		if (!space) {
			*why = "out of memory";
			return -1;
		}
		int rc = ld_tls_read(c->tls, space, avail, &got);
		if (rc == LD_TLS_OK) {
			ld_frame_decoder_commit(&c->in, got);
			continue;
		}
		/* An answer to the server (a key update) goes with the next send. */
		if (ld_conn_take_tls_output(c) < 0) {
			*why = "out of memory";
			return -1;
		}
		if (rc == LD_TLS_WANT)
			return 0;
		if (rc == LD_TLS_CLOSED) {
			*why = "the server closed the connection";
			return -1;
		}
		ld_conn_set_error(c, "%s", ld_tls_error(c->tls));
		*why = c->error;
		return -1;
	}
}

/* recv into buf; > 0 bytes, 0 nothing now, -1 at EOF or error (*why). */
static ssize_t recv_some(ld_conn *c, void *buf, size_t len, const char **why)
{
	for (;;) {
		ssize_t n = recv(c->fd, buf, len, 0);
		if (n > 0)
			return n;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		*why = n == 0 ? "the server closed the connection" : strerror(errno);
		return -1;
	}
}

/* Read what is there. -1 at EOF or error, with the reason in *why; the
 * caller dispatches frames that came before it first. */
static int read_in(ld_conn *c, const char **why)
{
	if (c->tls) {
		/* Each read is decrypted before the next, so the engine never
		 * holds more than one read's worth. */
		uint8_t buf[16 << 10];
		for (;;) {
			ssize_t n = recv_some(c, buf, sizeof(buf), why);
			if (n > 0 && ld_tls_feed(c->tls, buf, (size_t)n) < 0) {
				*why = "out of memory";
				return -1;
			}
			/* Records that came before an end are still answers. */
			if (decrypt_in(c, why) < 0)
				return -1;
			if (n < 0)
				return -1;
			if ((size_t)n < sizeof(buf))
				return 0;
		}
	}
	for (;;) {
		size_t avail;
		uint8_t *space = ld_frame_decoder_space(&c->in, 64 << 10, &avail);
		if (!space) {
			*why = "out of memory";
			return -1;
		}
		ssize_t n = recv_some(c, space, avail, why);
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		ld_frame_decoder_commit(&c->in, (size_t)n);
		if ((size_t)n < avail)
			return 0;
	}
}

static int dispatch_frames(ld_conn *c)
{
	for (;;) {
		const uint8_t *frame;
		uint32_t len;
		ld_frame_status st = ld_frame_next(&c->in, &frame, &len);
		if (st == LD_FRAME_NEED_MORE)
			return 0;
		if (st != LD_FRAME_OK) {
			mark_broken(c, "the server sent a malformed frame");
			return -1;
		}
		Leadd__ServerMessage *sm = leadd__server_message__unpack(NULL, len, frame);
		if (!sm) {
			mark_broken(c, "the server sent a message that does not decode");
			return -1;
		}
		if (sm->kind_case == LEADD__SERVER_MESSAGE__KIND_RESPONSE && sm->response) {
			dispatch_response(c, sm);
			if (c->broken)
				return -1;
		} else if (sm->kind_case == LEADD__SERVER_MESSAGE__KIND_EVENT && sm->event) {
			Leadd__Event *ev = sm->event;
			sm->kind_case = LEADD__SERVER_MESSAGE__KIND__NOT_SET;
			sm->event = NULL;
			leadd__server_message__free_unpacked(sm, NULL);
			if (c->event_cb)
				c->event_cb(c->event_arg, ev);
			else
				leadd__event__free_unpacked(ev, NULL);
		} else {
			/* An unknown kind from a newer server: skip it. */
			leadd__server_message__free_unpacked(sm, NULL);
		}
	}
}

int ld_conn_process(ld_conn *c, short revents)
{
	if (c->broken)
		return -1;
	if ((revents & POLLOUT) && ld_conn_flush(c) < 0)
		return -1;
	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		const char *why = NULL;
		int rc = read_in(c, &why);
		/* Frames that arrived before a close are still answers. */
		if (dispatch_frames(c) < 0)
			return -1;
		if (rc < 0) {
			mark_broken(c, why);
			return -1;
		}
	}
	return 0;
}

/* Poll until `done` says so, the connection breaks or the deadline passes. */
static int wait_until(ld_conn *c, int (*done)(ld_conn *, void *), void *arg, int timeout_ms)
{
	int64_t deadline = ld_conn_now_ms() + timeout_ms;
	while (!done(c, arg)) {
		if (c->broken)
			return -1;
		int64_t left = deadline - ld_conn_now_ms();
		if (left <= 0) {
			ld_conn_set_error(c, "no answer from leadd within %d ms", timeout_ms);
			return -1;
		}
		struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
		if (ld_conn_want_write(c))
			pfd.events |= POLLOUT;
		int n = poll(&pfd, 1, (int)left);
		if (n < 0 && errno != EINTR) {
			ld_conn_set_error(c, "poll: %s", strerror(errno));
			return -1;
		}
		if (n > 0 && ld_conn_process(c, pfd.revents) < 0)
			return done(c, arg) ? 0 : -1;
	}
	return 0;
}

static int drained(ld_conn *c, void *arg)
{
	(void)arg;
	return c->in_flight == 0;
}

int ld_conn_drain(ld_conn *c, int timeout_ms)
{
	return wait_until(c, drained, NULL, timeout_ms);
}

typedef struct {
	int done;
	Leadd__Response *resp;
} call_slot;

static void call_cb(void *arg, Leadd__Response *resp)
{
	call_slot *s = arg;
	s->done = 1;
	s->resp = resp;
}

static int call_done(ld_conn *c, void *arg)
{
	(void)c;
	return ((call_slot *)arg)->done;
}

int ld_call(ld_conn *c, Leadd__Request *req, Leadd__Response **resp, int timeout_ms)
{
	call_slot slot = {0, NULL};
	if (ld_conn_send(c, req, call_cb, &slot) == 0) {
		if (!c->error[0])
			ld_conn_set_error(c, "connection lost");
		return -1;
	}
	if (wait_until(c, call_done, &slot, timeout_ms) < 0 || !slot.resp) {
		if (!slot.done) {
			/* The answer may still come later; it must not reach a dead slot. */
			for (ld_pending *p = c->head; p; p = p->next)
				if (p->arg == &slot)
					p->cb = NULL;
		}
		return -1;
	}
	*resp = slot.resp;
	return 0;
}

int ld_response_code(const Leadd__Response *r)
{
	return r->has_code ? (int)r->code : LD_OK;
}

const char *ld_response_message(const Leadd__Response *r)
{
	if (r->message && r->message[0])
		return r->message;
	return ld_code_sentence(ld_response_code(r));
}

static int login_call(ld_conn *c, Leadd__LoginRequest *lr, uint8_t *token_out, char *err,
		      size_t errlen)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_LOGIN;
	req.login = lr;
	Leadd__Response *resp = NULL;
	/* The server may hold a login back up to 30 s after repeated failures
	 * (plus the password check): wait longer than that. */
	if (ld_call(c, &req, &resp, 45000) < 0) {
		snprintf(err, errlen, "%s", c->error);
		return -1;
	}
	int code = ld_response_code(resp);
	if (code == LD_OK && resp->body_case != LEADD__RESPONSE__BODY_LOGIN)
		code = LD_INTERNAL;
	if (code != LD_OK) {
		snprintf(err, errlen, "%s", ld_response_message(resp));
	} else if (token_out) {
		if (!resp->login->has_token || resp->login->token.len != LD_TOKEN_BYTES) {
			snprintf(err, errlen, "the server sent no session token");
			code = LD_INTERNAL;
		} else {
			memcpy(token_out, resp->login->token.data, LD_TOKEN_BYTES);
		}
	}
	leadd__response__free_unpacked(resp, NULL);
	return code;
}

int ld_login_password(ld_conn *c, const char *user, const char *password,
		      uint8_t token_out[LD_TOKEN_BYTES], char *err, size_t errlen)
{
	Leadd__LoginRequest lr = LEADD__LOGIN_REQUEST__INIT;
	lr.user = (char *)user;
	lr.password = (char *)password;
	return login_call(c, &lr, token_out, err, errlen);
}

int ld_login_token(ld_conn *c, const uint8_t *token, size_t len, char *err, size_t errlen)
{
	Leadd__LoginRequest lr = LEADD__LOGIN_REQUEST__INIT;
	lr.has_token = 1;
	lr.token.data = (uint8_t *)token;
	lr.token.len = len;
	return login_call(c, &lr, NULL, err, errlen);
}

void ld_token_to_hex(const uint8_t token[LD_TOKEN_BYTES], char hex[2 * LD_TOKEN_BYTES + 1])
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < LD_TOKEN_BYTES; i++) {
		hex[2 * i] = digits[token[i] >> 4];
		hex[2 * i + 1] = digits[token[i] & 15];
	}
	hex[2 * LD_TOKEN_BYTES] = 0;
}

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int ld_token_from_hex(const char *hex, uint8_t token[LD_TOKEN_BYTES])
{
	if (strlen(hex) != 2 * LD_TOKEN_BYTES)
		return -1;
	for (size_t i = 0; i < LD_TOKEN_BYTES; i++) {
		int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		token[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void ld_conn_keepalive(ld_conn *c)
{
	int fd = ld_conn_fd(c), on = 1, idle = 30, interval = 10, count = 3;
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
#ifdef TCP_KEEPIDLE
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof(interval));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof(count));
#else
	(void)idle, (void)interval, (void)count;
#endif
}
