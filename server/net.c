#include "net.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "ld_client.h"
#include "ld_error.h"
#include "ld_frame.h"
#include "log.h"
#include "writer.h"

typedef struct conn conn;

struct net {
	server *srv;
	uv_loop_t *loop;
	uv_tcp_t listener;
	int port;
	uint32_t count;
	conn *all;      /* every open connection */
	store_txn rtxn; /* the loop's read transaction, reset between requests */
	int rtxn_open;
	int stopping;
	uv_timer_t sweep_timer; /* idle connections, once a second */
	uint64_t last_accept_warning;
	uv_timer_t stop_timer;
	uint64_t stop_deadline;
	void (*stop_done)(server *srv);
};

struct conn {
	uv_tcp_t tcp;
	net *nt;
	conn *prev, *next;
	ld_frame_decoder in;
	request_ctx *head, *tail; /* requests in arrival order */
	size_t queued;            /* requests in the FIFO */
	size_t at_writer;         /* of which the writer holds */
	uint64_t out_bytes;       /* answer bytes handed to libuv, not yet written */
	principal_t who;
	int hello_done; /* a Hello was answered OK */
	int hello_seen; /* a Hello was received: later pipelined requests may follow it */
	int reading;
	int input_done; /* a final answer is queued or the peer closed: read no more */
	int closing;
	int closed;           /* the handle's close callback ran */
	uint64_t last_active; /* uv_now of the last byte read or answer written */
	char peer[64];
};

typedef struct {
	uv_write_t req;
	conn *c;
	uint8_t *frame;
	size_t len;
} write_req;

static void conn_close(conn *c);
static void conn_pump(conn *c);
static void conn_process_input(conn *c);

uint32_t net_connection_count(const net *nt)
{
	return nt->count;
}

int net_port(const net *nt)
{
	return nt->port;
}

/* ---- lifetime ---- */

static void conn_maybe_free(conn *c)
{
	if (c->closed && c->at_writer == 0) {
		ld_frame_decoder_free(&c->in);
		free(c);
	}
}

static void on_conn_closed(uv_handle_t *h)
{
	conn *c = h->data;
	c->closed = 1;
	conn_maybe_free(c);
}

static void conn_close(conn *c)
{
	if (c->closing)
		return;
	c->closing = 1;
	c->input_done = 1;
	net *nt = c->nt;
	if (c->prev)
		c->prev->next = c->next;
	else
		nt->all = c->next;
	if (c->next)
		c->next->prev = c->prev;
	nt->count--;
	/* Requests at the writer come back through net_on_write_done, which
	 * frees them once it sees the connection closing. */
	request_ctx *rc = c->head;
	while (rc) {
		request_ctx *next = rc->next;
		if (rc->state != REQ_QUEUED)
			dispatch_free(rc);
		rc = next;
	}
	c->head = c->tail = NULL;
	c->queued = 0;
	uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
}

/* ---- output ---- */

static void update_reading(conn *c);

static void on_write(uv_write_t *req, int status)
{
	write_req *w = (write_req *)req;
	conn *c = w->c;
	c->out_bytes -= w->len;
	free(w->frame);
	free(w);
	if (status < 0 && !c->closing) {
		log_debug("%s: write failed: %s", c->peer, uv_strerror(status));
		conn_close(c);
		return;
	}
	if (!c->closing) {
		c->last_active = uv_now(c->nt->loop);
		update_reading(c);
	}
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
	(void)status;
	conn *c = req->data;
	free(req);
	conn_close(c);
}

/* Send rc's answer and free rc. A final answer half-closes the socket once
 * everything before it is written, then the connection closes. */
static void conn_send(conn *c, request_ctx *rc)
{
	int final = rc->final;
	if (rc->frame_len) {
		write_req *w = malloc(sizeof(*w));
		if (!w) {
			dispatch_free(rc);
			conn_close(c);
			return;
		}
		w->c = c;
		w->frame = rc->frame;
		w->len = rc->frame_len;
		rc->frame = NULL;
		uv_buf_t buf = uv_buf_init((char *)w->frame, (unsigned)w->len);
		c->out_bytes += w->len;
		int err = uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, on_write);
		if (err) {
			c->out_bytes -= w->len;
			free(w->frame);
			free(w);
			dispatch_free(rc);
			conn_close(c);
			return;
		}
	}
	dispatch_free(rc);
	if (c->out_bytes > c->nt->srv->cfg.output_hard_limit) {
		log_warn("%s: %llu bytes of answers unread, over the hard limit; closing", c->peer,
			 (unsigned long long)c->out_bytes);
		conn_close(c);
		return;
	}
	if (final) {
		c->input_done = 1;
		uv_read_stop((uv_stream_t *)&c->tcp);
		uv_shutdown_t *sd = malloc(sizeof(*sd));
		if (!sd || (sd->data = c, uv_shutdown(sd, (uv_stream_t *)&c->tcp, on_shutdown))) {
			free(sd);
			conn_close(c);
		}
	}
}

/* ---- requests ---- */

static void run_read(net *nt, request_ctx *rc)
{
	store *st = &nt->srv->st;
	/* Shared hold: the writer may not resize the map during a read. */
	pthread_rwlock_rdlock(&st->map_lock);
	int err;
	if (!nt->rtxn_open) {
		err = store_txn_begin(st, &nt->rtxn, 0);
		nt->rtxn_open = err == 0;
	} else {
		err = store_txn_renew(&nt->rtxn);
	}
	if (err) {
		dispatch_store_error(rc, err);
		dispatch_finish(rc);
	} else {
		dispatch_run_read(rc, &nt->rtxn);
		store_txn_reset(&nt->rtxn);
	}
	pthread_rwlock_unlock(&st->map_lock);
}

static void fifo_pop(conn *c)
{
	request_ctx *rc = c->head;
	c->head = rc->next;
	if (!c->head)
		c->tail = NULL;
	c->queued--;
}

/* Answer in order. A read runs only at the head of the FIFO, so it sees
 * every write sent before it; a write goes to the writer at once unless a
 * read not yet run is ahead of it, so it cannot overtake that read. */
static void conn_pump(conn *c)
{
	while (c->head && !c->closing) {
		request_ctx *rc = c->head;
		if (rc->state == REQ_NEW && !rc->entry->writes) {
			run_read(c->nt, rc);
			if (rc->entry->body == LEADD__REQUEST__BODY_HELLO && rc->code == LD_OK)
				c->hello_done = 1;
		}
		if (rc->state != REQ_DONE)
			break;
		fifo_pop(c);
		conn_send(c, rc);
	}
	if (c->closing)
		return;
	/* Start writes that nothing unread stands before. */
	for (request_ctx *rc = c->head; rc; rc = rc->next) {
		if (rc->state == REQ_NEW && !rc->entry->writes)
			break;
		if (rc->state == REQ_NEW) {
			c->at_writer++;
			writer_submit(c->nt->srv->wr, rc);
		}
	}
	update_reading(c);
}

/* The writer finished rc (loop thread). */
static void net_on_write_done(request_ctx *rc)
{
	conn *c = rc->conn;
	c->at_writer--;
	/* Only the loop thread moves a request out of REQ_QUEUED: several
	 * answers of one connection can come back in one batch, and conn_pump
	 * must not send (and free) one that on_async has yet to hand over. */
	rc->state = REQ_DONE;
	if (c->closing) {
		dispatch_free(rc);
		conn_maybe_free(c);
		return;
	}
	conn_pump(c);
}

static void fifo_push(conn *c, request_ctx *rc)
{
	rc->next = NULL;
	if (c->tail)
		c->tail->next = rc;
	else
		c->head = rc;
	c->tail = rc;
	c->queued++;
}

/* A protocol error: answer once, after what came before, then close. */
static void conn_protocol_error(conn *c, const char *why)
{
	request_ctx *rc = dispatch_new(c->nt->srv, c, &c->who);
	if (!rc) {
		conn_close(c);
		return;
	}
	log_info("%s: %s", c->peer, why);
	dispatch_protocol_error(rc, LD_INVALID_ARGUMENT, "%s", why);
	c->input_done = 1;
	fifo_push(c, rc);
}

static void conn_process_input(conn *c)
{
	const config_t *cfg = &c->nt->srv->cfg;
	while (!c->input_done && !c->closing && c->queued < cfg->max_in_flight) {
		const uint8_t *frame;
		uint32_t len;
		ld_frame_status st = ld_frame_next(&c->in, &frame, &len);
		if (st == LD_FRAME_NEED_MORE)
			break;
		if (st == LD_FRAME_TOO_BIG) {
			char why[160];
			snprintf(why, sizeof(why),
				 "frame of %u bytes is over the %u-byte limit; closing the "
				 "connection",
				 ld_frame_get_header(c->in.buf + c->in.off), c->in.limit);
			conn_protocol_error(c, why);
			break;
		}
		if (st == LD_FRAME_EMPTY) {
			conn_protocol_error(c, "zero-length frame; closing the connection");
			break;
		}
		request_ctx *rc = dispatch_new(c->nt->srv, c, &c->who);
		if (!rc) {
			conn_close(c);
			return;
		}
		dispatch_prepare(rc, frame, len, c->hello_seen);
		if (rc->entry && rc->entry->body == LEADD__REQUEST__BODY_HELLO)
			c->hello_seen = 1;
		if (rc->final)
			c->input_done = 1;
		fifo_push(c, rc);
	}
	conn_pump(c);
}

/* ---- input ---- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)suggested;
	conn *c = h->data;
	size_t avail;
	uint8_t *p = ld_frame_decoder_space(&c->in, 64 << 10, &avail);
	*buf = uv_buf_init((char *)p, p ? (unsigned)avail : 0);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	(void)buf;
	conn *c = s->data;
	if (nread < 0) {
		if (nread != UV_EOF)
			log_debug("%s: read failed: %s", c->peer, uv_strerror((int)nread));
		conn_close(c);
		return;
	}
	if (nread == 0)
		return;
	c->last_active = uv_now(c->nt->loop);
	ld_frame_decoder_commit(&c->in, (size_t)nread);
	conn_process_input(c);
}

/* Read while there is room: fewer than max_in_flight requests queued and
 * answers under the soft output limit. Otherwise TCP pushes back. */
static void update_reading(conn *c)
{
	const config_t *cfg = &c->nt->srv->cfg;
	int want = !c->input_done && !c->closing && !c->nt->stopping &&
		   c->queued < cfg->max_in_flight && c->out_bytes <= cfg->output_soft_limit;
	if (want && !c->reading) {
		c->reading = 1;
		uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
		/* Frames already buffered wait for no new bytes. */
		if (ld_frame_pending(&c->in))
			conn_process_input(c);
	} else if (!want && c->reading) {
		c->reading = 0;
		uv_read_stop((uv_stream_t *)&c->tcp);
	}
}

/* ---- accept ---- */

static void peer_name(conn *c)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?";
	int port = 0;
	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *a = (struct sockaddr_in *)&ss;
			uv_ip4_name(a, host, sizeof(host));
			port = ntohs(a->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
			uv_ip6_name(a, host, sizeof(host));
			port = ntohs(a->sin6_port);
		}
	}
	snprintf(c->peer, sizeof(c->peer), "%s:%d", host, port);
}

static void on_connection(uv_stream_t *server_handle, int status)
{
	net *nt = server_handle->data;
	if (status < 0) {
		/* Out of file descriptors: libuv accepts and drops the connection
		 * with its reserve descriptor and the listener goes on. Say so at
		 * most once a minute. */
		uint64_t now = uv_now(nt->loop);
		if (now - nt->last_accept_warning > 60000 || !nt->last_accept_warning) {
			log_warn("accept failed: %s (raise LimitNOFILE or lower max_connections)",
				 uv_strerror(status));
			nt->last_accept_warning = now;
		}
		return;
	}
	conn *c = calloc(1, sizeof(*c));
	if (!c) {
		log_error("out of memory accepting a connection");
		return;
	}
	c->nt = nt;
	uv_tcp_init(nt->loop, &c->tcp);
	c->tcp.data = c;
	ld_frame_decoder_init(&c->in, LD_FRAME_MAX);
	c->next = nt->all;
	if (nt->all)
		nt->all->prev = c;
	nt->all = c;
	nt->count++;
	if (uv_accept(server_handle, (uv_stream_t *)&c->tcp) != 0) {
		conn_close(c);
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	peer_name(c);
	c->last_active = uv_now(nt->loop);
	/* Until logins exist every connection is the built-in admin. */
	c->who.user_id = PRINCIPAL_BUILTIN_ADMIN_ID;
	c->who.role = ROLE_ADMIN;
	if (nt->stopping || nt->count > nt->srv->cfg.max_connections) {
		request_ctx *rc = dispatch_new(nt->srv, c, &c->who);
		if (!rc) {
			conn_close(c);
			return;
		}
		dispatch_protocol_error(rc, nt->stopping ? LD_UNAVAILABLE : LD_RESOURCE_EXHAUSTED,
					nt->stopping
						? "leadd is shutting down"
						: "too many connections (max_connections); try "
						  "again later");
		c->input_done = 1;
		fifo_push(c, rc);
		conn_pump(c);
		return;
	}
	log_debug("%s: connected", c->peer);
	update_reading(c);
}

/* Close connections idle longer than idle_timeout_ms with nothing queued,
 * as Redis's `timeout` does. A connection waiting on its answers is busy. */
static void on_sweep(uv_timer_t *t)
{
	net *nt = t->data;
	uint32_t idle = nt->srv->cfg.idle_timeout_ms;
	uint64_t now = uv_now(nt->loop);
	conn *c = nt->all;
	while (c) {
		conn *next = c->next;
		if (idle && !c->queued && !c->out_bytes && now - c->last_active > idle) {
			log_debug("%s: idle for %u ms; closing", c->peer, idle);
			conn_close(c);
		}
		c = next;
	}
}

static int resolve_listen(const char *listen, struct sockaddr_storage *ss, char *err, size_t errlen)
{
	char host[256], port[16];
	if (ld_parse_hostport(listen, host, sizeof(host), port, sizeof(port), err, errlen) < 0)
		return -1;
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
				 .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *res;
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc) {
		snprintf(err, errlen, "cannot resolve listen address '%s': %s", listen,
			 gai_strerror(rc));
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

net *net_start(server *srv, uv_loop_t *loop, char *err, size_t errlen)
{
	net *nt = calloc(1, sizeof(*nt));
	if (!nt) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	nt->srv = srv;
	nt->loop = loop;
	struct sockaddr_storage ss;
	if (resolve_listen(srv->cfg.listen, &ss, err, errlen) < 0) {
		free(nt);
		return NULL;
	}
	uv_tcp_init(loop, &nt->listener);
	nt->listener.data = nt;
	int rc = uv_tcp_bind(&nt->listener, (struct sockaddr *)&ss, 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&nt->listener, 511, on_connection);
	if (rc != 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", srv->cfg.listen, uv_strerror(rc));
		uv_close((uv_handle_t *)&nt->listener, NULL);
		return NULL; /* the loop is torn down by the caller */
	}
	int len = sizeof(ss);
	uv_tcp_getsockname(&nt->listener, (struct sockaddr *)&ss, &len);
	nt->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						  : ((struct sockaddr_in *)&ss)->sin_port);
	uv_timer_init(loop, &nt->sweep_timer);
	nt->sweep_timer.data = nt;
	uv_timer_start(&nt->sweep_timer, on_sweep, 1000, 1000);
	srv->wr = writer_start(srv, loop, net_on_write_done);
	if (!srv->wr) {
		snprintf(err, errlen, "cannot start the writer thread");
		return NULL;
	}
	return nt;
}

/* ---- shutdown ---- */

static int all_answered(net *nt)
{
	for (conn *c = nt->all; c; c = c->next)
		if (c->queued || c->out_bytes)
			return 0;
	return 1;
}

static void finish_shutdown(net *nt)
{
	uv_timer_stop(&nt->stop_timer);
	uv_close((uv_handle_t *)&nt->stop_timer, NULL);
	uv_close((uv_handle_t *)&nt->sweep_timer, NULL);
	/* Requests still at the writer are committed before it stops; their
	 * connections are gone, so the answers are dropped. */
	while (nt->all)
		conn_close(nt->all);
	writer_stop(nt->srv->wr);
	if (nt->rtxn_open)
		store_txn_abort(&nt->rtxn);
	nt->rtxn_open = 0;
	nt->stop_done(nt->srv);
}

static void on_stop_tick(uv_timer_t *t)
{
	net *nt = t->data;
	if (all_answered(nt)) {
		finish_shutdown(nt);
		return;
	}
	if (uv_now(nt->loop) >= nt->stop_deadline) {
		log_warn("shutdown deadline passed with answers still queued; closing anyway");
		finish_shutdown(nt);
	}
}

void net_shutdown(net *nt, uint32_t deadline_ms, void (*done)(server *srv))
{
	if (nt->stopping)
		return;
	nt->stopping = 1;
	nt->stop_done = done;
	uv_close((uv_handle_t *)&nt->listener, NULL);
	for (conn *c = nt->all; c; c = c->next)
		update_reading(c);
	nt->stop_deadline = uv_now(nt->loop) + deadline_ms;
	uv_timer_init(nt->loop, &nt->stop_timer);
	nt->stop_timer.data = nt;
	uv_timer_start(&nt->stop_timer, on_stop_tick, 0, 10);
}
