#include "net.h"

#include <errno.h>
#include <malloc.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activity_timer.h"
#include "auth.h"
#include "auth_log.h"
#include "dispatch.h"
#include "ld_client.h"
#include "ld_error.h"
#include "ld_frame.h"
#include "log.h"
#include "net_tls.h"
#include "prelogin.h"
#include "session_check.h"
#include "standby_timer.h"
#include "tls_server.h"
#include "users.h"
#include "watch.h"
#include "watch_int.h"
#include "writer.h"

typedef struct conn conn;

/* Bytes asked of the kernel per read. */
#define READ_CHUNK (64u << 10)
/* Unparsed input kept per connection: one largest frame and a read more.
 * Past it the connection is not read until requests drain. */
#define INPUT_BUFFER_CAP (LD_FRAME_MAX + READ_CHUNK)
/* Decoded requests waiting to start (behind a login, say) or at the writer
 * (or the thread pool) may hold this much per connection: 256 KiB before
 * login, 4 MiB after. Past it no frame is taken out of the input until some
 * start or are answered. */
#define DECODED_WAITING_CAP(c) (4u * (uint64_t)(c)->in.limit)

struct net {
	server *srv;
	uv_loop_t *loop;
	uv_tcp_t listener;
	int port;
	int plain_allowed; /* the listener takes plain TCP too (tls_server.c) */
	uint32_t count;
	prelogin_table *pre; /* connections not logged in, per source */
	/* Connections refused or closed at the pre-login caps since the last
	 * report, which is written at most once a minute. */
	uint32_t prelogin_refused, prelogin_evicted;
	uint64_t prelogin_report_at;
	conn *all;      /* every open connection */
	store_txn rtxn; /* the loop's read transaction, reset between requests */
	int rtxn_open;
	/* Reads that may yield (lead_list) run from an idle handle, never in
	 * the I/O callback that brought them: a burst of them would otherwise
	 * run one slice each back to back while every other connection waits.
	 * Each loop iteration runs the new ones' first slices (about a slice's
	 * time in all), then one slice of the oldest running read. At most
	 * READS_RUNNING yielded reads hold their state at once (a listing's
	 * change table and page are megabytes): a new read that yields when
	 * they are all taken drops its state and waits, FIFO, to start over
	 * when one finishes. All three queues link through rc->read_next. */
	request_ctx *reads_head, *reads_tail;   /* running, round robin */
	request_ctx *fresh_head, *fresh_tail;   /* not run yet */
	request_ctx *parked_head, *parked_tail; /* waiting for a running slot */
	uint32_t n_running;
	uv_idle_t reads_idle;
	int stopping;
	uv_timer_t sweep_timer; /* idle connections, once a second */
	/* Answer bytes held for all connections: handed to libuv and not yet
	 * written, or packed and waiting in a FIFO behind an earlier request.
	 * Over output_total_limit, connections holding unread answers pause. */
	uint64_t out_total;
	int out_over;            /* out_total was over the limit when last checked */
	int out_over_ticks;      /* consecutive output_timer ticks found over */
	uv_timer_t resume_timer; /* wakes paused connections once under the limit */
	uv_timer_t output_timer; /* once a second: close the largest, trim memory */
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
	size_t at_writer;         /* of which the writer or the thread pool holds */
	uint64_t out_bytes;       /* answer bytes handed to libuv, not yet written */
	uint64_t done_bytes;      /* packed answers in the FIFO behind an unfinished one */
	uint64_t waiting_bytes;   /* decode memory of requests not yet started */
	uint64_t held_bytes;      /* ... and of those at the writer or the thread pool */
	int pause_logged;         /* said once that output_total_limit paused it */
	principal_t who;
	int hello_seen; /* a Hello was received: later pipelined requests may follow it */
	int reading;
	int input_done; /* a final answer is queued or the peer closed: read no more */
	int closing;
	int closed;           /* the handle's close callback ran */
	int processing;       /* conn_process_input is on the stack */
	int reprocess;        /* ... and should look at the buffer again */
	uint64_t last_active; /* uv_now of the last byte read or answer written */
	uint64_t connected_at;
	char peer[64];
	/* What login limits count per: the address, or an IPv6 peer's /64. */
	char source[AUTH_SOURCE_MAX];
	int refused;      /* answered at accept and closing: not in nt->count */
	watcher *watch;   /* its watch (watch.h), or NULL */
	prelogin_link pl; /* counted in nt->pre (pl.src set): not logged in */
	/* The transport, known from the first byte read (net_tls.h): tls is
	 * the engine of a TLS connection, NULL for plain TCP. */
	int sniffed;
	ld_tls *tls;
};

typedef struct {
	uv_write_t req;
	conn *c;
	uint8_t *frame;
	size_t len;
} write_req;

static void conn_close(conn *c);
static void conn_pump(conn *c);
static void reads_remove(net *nt, request_ctx *rc);
static void on_reads_idle(uv_idle_t *h);
/* Yielded reads holding their state at once (see struct net). */
#define READS_RUNNING 8
static void drop_after(conn *c, request_ctx *rc);
static void conn_process_input(conn *c);

/* Decode memory the connection's requests hold, started or not. */
static uint64_t conn_decoded(const conn *c)
{
	return c->waiting_bytes + c->held_bytes;
}

/* rc leaves the loop with its decoded request (to the writer or the thread
 * pool); released when it comes back. */
static void hold_decoded(conn *c, request_ctx *rc)
{
	rc->decoded_held = rc->arena.used;
	c->held_bytes += rc->decoded_held;
}

static void release_decoded(conn *c, request_ctx *rc)
{
	c->held_bytes -= rc->decoded_held;
	rc->decoded_held = 0;
}

uint32_t net_connection_count(const net *nt)
{
	return nt->count;
}

int net_port(const net *nt)
{
	return nt->port;
}

/* ---- output held for all connections (output_total_limit) ---- */

static uint64_t conn_unread(const conn *c)
{
	return c->out_bytes + c->done_bytes;
}

static int output_over(const net *nt)
{
	uint64_t cap = nt->srv->cfg.output_total_limit;
	return cap && nt->out_total > cap;
}

/* While the answers held for all clients are over the limit, a connection
 * with unread answers reads and starts nothing: it cannot add to them. */
static int conn_paused(conn *c)
{
	if (!output_over(c->nt) || conn_unread(c) == 0)
		return 0;
	if (!c->pause_logged) {
		c->pause_logged = 1;
		log_info("%s: paused: %llu bytes of answers unread, %llu for all clients "
			 "(output_total_limit %llu)",
			 c->peer, (unsigned long long)conn_unread(c),
			 (unsigned long long)c->nt->out_total,
			 (unsigned long long)c->nt->srv->cfg.output_total_limit);
	}
	return 1;
}

/* Packed answers waiting in the FIFO count as held output too. */
static void count_done(conn *c)
{
	for (request_ctx *rc = c->head; rc; rc = rc->next) {
		if (rc->state != REQ_DONE || rc->frame_counted == rc->frame_len)
			continue;
		c->done_bytes += rc->frame_len - rc->frame_counted;
		c->nt->out_total += rc->frame_len - rc->frame_counted;
		rc->frame_counted = rc->frame_len;
	}
}

static void uncount_done(conn *c, request_ctx *rc)
{
	c->done_bytes -= rc->frame_counted;
	c->nt->out_total -= rc->frame_counted;
	rc->frame_counted = 0;
}

static void on_resume(uv_timer_t *t)
{
	net *nt = t->data;
	conn *c = nt->all;
	while (c && !output_over(nt)) {
		conn *next = c->next;
		conn_pump(c);
		c = next;
	}
}

/* Call after out_total changed: once it is back under the limit, paused
 * connections go on (from a timer, never from inside this change). */
static void output_changed(net *nt)
{
	int over = output_over(nt);
	if (nt->out_over && !over && !nt->stopping)
		uv_timer_start(&nt->resume_timer, on_resume, 0, 0);
	nt->out_over = over;
}

/* ---- lifetime ---- */

/* Count c against the pre-login caps (on) or stop counting it (off). */
static void conn_set_prelogin(conn *c, int on)
{
	/* Out of memory: the connection is just not counted. */
	if (on && !c->pl.src)
		(void)prelogin_add(c->nt->pre, &c->pl, c->source, c);
	else if (!on)
		prelogin_remove(c->nt->pre, &c->pl); /* nothing if not counted */
}

static void conn_maybe_free(conn *c)
{
	if (c->closed && c->at_writer == 0) {
		ld_frame_decoder_free(&c->in);
		ld_tls_free(c->tls);
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
	if (!c->refused)
		nt->count--;
	conn_set_prelogin(c, 0);
	if (c->watch)
		watch_conn_closed(c);
	/* Requests at the writer come back through net_on_write_done, which
	 * frees them once it sees the connection closing; so does a password
	 * check already on the thread pool. One still waiting for the pool is
	 * taken out of the queue: nobody wants its answer. */
	request_ctx *rc = c->head;
	while (rc) {
		request_ctx *next = rc->next;
		uncount_done(c, rc);
		if (rc->state == REQ_READING)
			reads_remove(nt, rc);
		if (rc->state == REQ_PREWORK && auth_cancel(rc)) {
			c->at_writer--;
			dispatch_free(rc);
		} else if (rc->state != REQ_QUEUED && rc->state != REQ_PREWORK) {
			dispatch_free(rc);
		}
		rc = next;
	}
	c->head = c->tail = NULL;
	c->queued = 0;
	c->waiting_bytes = 0;
	output_changed(nt);
	uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
}

/* ---- output ---- */

static void update_reading(conn *c);

static void on_write(uv_write_t *req, int status)
{
	write_req *w = (write_req *)req;
	conn *c = w->c;
	c->out_bytes -= w->len;
	c->nt->out_total -= w->len;
	output_changed(c->nt);
	free(w->frame);
	free(w);
	if (status < 0 && !c->closing) {
		log_debug("%s: write failed: %s", c->peer, uv_strerror(status));
		conn_close(c);
		return;
	}
	if (!c->closing) {
		c->last_active = uv_now(c->nt->loop);
		/* Requests held back while the output was over the limit start. */
		conn_pump(c);
	}
	/* Events waiting for the socket follow. */
	if (!c->closing && c->watch)
		watch_drained(c);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
	(void)status;
	conn *c = req->data;
	free(req);
	conn_close(c);
}

/* Hand bytes (malloc, taken over) to the socket, counted as held output
 * until written. 0, or -1 (freed) when libuv refuses them. */
static int conn_write_bytes(conn *c, uint8_t *bytes, size_t len)
{
	write_req *w = malloc(sizeof(*w));
	if (!w) {
		free(bytes);
		return -1;
	}
	w->c = c;
	w->frame = bytes;
	w->len = len;
	uv_buf_t buf = uv_buf_init((char *)bytes, (unsigned)len);
	c->out_bytes += len;
	c->nt->out_total += len;
	int err = uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, on_write);
	if (err) {
		c->out_bytes -= len;
		c->nt->out_total -= len;
		free(bytes);
		free(w);
		return -1;
	}
	return 0;
}

/* Send what the TLS engine has made (handshake messages, records). The
 * ciphertext is what the client has to read: it counts as held output. */
static int conn_tls_flush(conn *c)
{
	if (!c->tls || ld_tls_output_pending(c->tls) == 0)
		return 0;
	size_t len;
	uint8_t *out = ld_tls_take_output_all(c->tls, &len);
	if (!out)
		return -1;
	return conn_write_bytes(c, out, len);
}

/* One frame (malloc, taken over) to the client: as it is, or encrypted.
 * 0, or -1 when it could not be sent (the caller closes). */
static int conn_write_frame(conn *c, uint8_t *frame, size_t len)
{
	if (!c->tls)
		return conn_write_bytes(c, frame, len);
	if (net_tls_encrypt(c->tls, frame, len) < 0) {
		log_debug("%s: %s; closing", c->peer, ld_tls_error(c->tls));
		return -1;
	}
	return conn_tls_flush(c);
}

/* Send rc's answer and free rc. A final answer half-closes the socket once
 * everything before it is written (after a TLS close_notify), then the
 * connection closes. */
static void conn_send(conn *c, request_ctx *rc)
{
	int final = rc->final;
	/* A watch's events follow its reply, never go before it. */
	int watch_ok = rc->entry && rc->entry->body == LEADD__REQUEST__BODY_WATCH &&
		       rc->code == LD_OK;
	if (rc->frame_len) {
		uint8_t *frame = rc->frame;
		rc->frame = NULL;
		if (conn_write_frame(c, frame, rc->frame_len) < 0) {
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
		if (c->tls && ld_tls_handshake_done(c->tls)) {
			ld_tls_close(c->tls);
			if (conn_tls_flush(c) < 0) {
				conn_close(c);
				return;
			}
		}
		uv_shutdown_t *sd = malloc(sizeof(*sd));
		if (!sd || (sd->data = c, uv_shutdown(sd, (uv_stream_t *)&c->tcp, on_shutdown))) {
			free(sd);
			conn_close(c);
		}
		return;
	}
	if (watch_ok && !c->closing)
		watch_reply_sent(c);
}

/* ---- events (watch_out.c) ---- */

uint64_t net_conn_out_bytes(void *cp)
{
	/* What libuv holds: bytes the kernel did not take yet. (out_bytes
	 * counts until the write callback, an iteration later.) */
	return uv_stream_get_write_queue_size((uv_stream_t *)&((conn *)cp)->tcp);
}

principal_t *net_conn_who(void *cp)
{
	return &((conn *)cp)->who;
}

const char *net_conn_peer(void *cp)
{
	return ((conn *)cp)->peer;
}

watcher *net_conn_watch(void *cp)
{
	return ((conn *)cp)->watch;
}

void net_conn_set_watch(void *cp, watcher *w)
{
	conn *c = cp;
	if (w && !c->watch && !c->closing)
		uv_tcp_keepalive(&c->tcp, 1, 60);
	c->watch = w;
}

void net_conn_close_now(void *cp)
{
	conn_close(cp);
}

/* Hand one event frame (malloc, taken over) to the socket. 0, or -1 when
 * the connection is closing or the write failed: the caller closes it
 * (never from here, so a watcher being walked is not freed under it). */
int net_conn_write(void *cp, uint8_t *frame, size_t len)
{
	conn *c = cp;
	if (c->closing) {
		free(frame);
		return -1;
	}
	return conn_write_frame(c, frame, len);
}

/* ---- requests ---- */

enum { READQ_NONE, READQ_RUNNING, READQ_FRESH, READQ_PARKED };

static request_ctx **read_queue_head(net *nt, int q, request_ctx ***tail)
{
	switch (q) {
	case READQ_RUNNING:
		*tail = &nt->reads_tail;
		return &nt->reads_head;
	case READQ_FRESH:
		*tail = &nt->fresh_tail;
		return &nt->fresh_head;
	default:
		*tail = &nt->parked_tail;
		return &nt->parked_head;
	}
}

static void reads_push(net *nt, request_ctx *rc, int q)
{
	request_ctx **tail, **head = read_queue_head(nt, q, &tail);
	rc->read_next = NULL;
	rc->read_queue = q;
	if (*tail)
		(*tail)->read_next = rc;
	else
		*head = rc;
	*tail = rc;
	if (q == READQ_RUNNING)
		nt->n_running++;
	uv_idle_start(&nt->reads_idle, on_reads_idle);
}

static request_ctx *reads_pop(net *nt, int q)
{
	request_ctx **tail, **head = read_queue_head(nt, q, &tail);
	request_ctx *rc = *head;
	if (!rc)
		return NULL;
	*head = rc->read_next;
	if (!*head)
		*tail = NULL;
	rc->read_next = NULL;
	rc->read_queue = READQ_NONE;
	if (q == READQ_RUNNING)
		nt->n_running--;
	return rc;
}

/* A closing connection's read leaves its queue before it is freed. */
static void reads_remove(net *nt, request_ctx *rc)
{
	if (rc->read_queue == READQ_NONE)
		return;
	request_ctx **tail, **pp = read_queue_head(nt, rc->read_queue, &tail), *prev = NULL;
	while (*pp && *pp != rc) {
		prev = *pp;
		pp = &(*pp)->read_next;
	}
	if (*pp) {
		*pp = rc->read_next;
		if (*tail == rc)
			*tail = prev;
		if (rc->read_queue == READQ_RUNNING)
			nt->n_running--;
	}
	rc->read_next = NULL;
	rc->read_queue = READQ_NONE;
}

/* One slice of rc in the loop's read transaction (renewed: each slice
 * sees the store as it is now). */
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

/* Can this read yield (set rc->read_again)? lead_list (search_list.c),
 * tag_list (tag_handlers.c), client_get (client_get.c), lead_history
 * (history_handlers.c) and kpi's flow (kpi_handlers.c) do. Each must be listed: one that is not
 * runs its first slice inside the socket callback (a burst from many connections then holds the
 * loop) and keeps its state past the READS_RUNNING cap. */
static int read_may_yield(const request_ctx *rc)
{
	switch (rc->entry->body) {
	case LEADD__REQUEST__BODY_LEAD_LIST:
	case LEADD__REQUEST__BODY_TAG_LIST:
	case LEADD__REQUEST__BODY_CLIENT_GET:
	case LEADD__REQUEST__BODY_LEAD_HISTORY:
	case LEADD__REQUEST__BODY_KPI:
		return 1;
	default:
		return 0;
	}
}

/* A yielded read's next slice runs with the rights of its session now, as
 * every request does (start_request) and every chunk of a bulk write
 * (session_recheck): the slice reads the store as it is now, so old rights
 * would show a demoted or moved manager leads they may no longer see, or
 * a logged-out session anything at all. A session that ended answers the
 * read UNAUTHENTICATED and ends the connection, as start_request does; a
 * changed role or team set answers ABORTED (the plan was made for the old
 * rights). 1: run the slice; 0: rc is answered. */
static int read_rights_current(conn *c, request_ctx *rc, int fresh)
{
	int check = session_check(c->nt->srv, &c->who, rc);
	if (check < 0)
		drop_after(c, rc);
	if (check)
		return 0;
	/* A read that has not run its first slice has planned nothing yet: it
	 * starts with the rights of now, as start_request would have given it
	 * had it started now (a rep moved to another team between the request's
	 * arrival and its first slice gets an answer, not "run it again"). */
	if (fresh || !rc->read_state) { /* new, or parked and starting over */
		rc->who = c->who;
		return dispatch_authorize(rc) == 0;
	}
	const principal_t *now = &c->who, *was = &rc->who;
	if (now->user_id != was->user_id || now->role != was->role ||
	    now->n_teams != was->n_teams ||
	    memcmp(now->teams, was->teams, sizeof(now->teams[0]) * now->n_teams) != 0) {
		dispatch_fail(rc, LD_ABORTED,
			      "your role or teams changed while this list was being read; "
			      "run it again");
		dispatch_finish(rc);
		return 0;
	}
	rc->who = c->who;
	return 1;
}

/* The loop's time for new reads' first slices per iteration. */
#define READS_FRESH_NS 1000000u

/* A read's slice ended: answer it, or keep it running, or (a new read
 * that yielded while READS_RUNNING others hold their state) drop what it
 * has done and park it until a running one finishes. */
static void read_after_slice(net *nt, request_ctx *rc, int was_fresh)
{
	if (rc->state != REQ_READING) {
		conn_pump(rc->conn);
		return;
	}
	if (!was_fresh || nt->n_running < READS_RUNNING) {
		reads_push(nt, rc, READQ_RUNNING);
		return;
	}
	if (rc->read_state_free)
		rc->read_state_free(rc->read_state);
	rc->read_state = NULL;
	rc->read_state_free = NULL;
	reads_push(nt, rc, READQ_PARKED);
}

/* New reads' first slices (about READS_FRESH_NS in all), then one more
 * slice of the oldest running read; parked reads take the running slots
 * that free up. */
static void on_reads_idle(uv_idle_t *h)
{
	net *nt = h->data;
	uint64_t t0 = uv_hrtime();
	request_ctx *rc;
	while (uv_hrtime() - t0 < READS_FRESH_NS && (rc = reads_pop(nt, READQ_FRESH))) {
		if (read_rights_current(rc->conn, rc, 1))
			run_read(nt, rc);
		read_after_slice(nt, rc, 1);
	}
	if ((rc = reads_pop(nt, READQ_RUNNING))) {
		if (read_rights_current(rc->conn, rc, 0))
			run_read(nt, rc);
		read_after_slice(nt, rc, 0);
	}
	while (nt->n_running < READS_RUNNING && (rc = reads_pop(nt, READQ_PARKED)))
		reads_push(nt, rc, READQ_RUNNING);
	if (!nt->reads_head && !nt->fresh_head && !nt->parked_head)
		uv_idle_stop(h);
}

static void fifo_pop(conn *c)
{
	request_ctx *rc = c->head;
	c->head = rc->next;
	if (!c->head)
		c->tail = NULL;
	c->queued--;
	uncount_done(c, rc);
}

static void start_request(conn *c, request_ctx *rc);

/* Answer in order. A read runs only at the head of the FIFO, so it sees
 * every write sent before it. A plain write goes to the writer at once
 * unless something ahead of it has not started, or is a barrier (login,
 * logout) or thread-pool work not yet done, so it can never overtake an
 * earlier request nor run as the wrong user. */
static void conn_pump(conn *c)
{
	while (c->head && !c->closing) {
		request_ctx *rc = c->head;
		if (rc->state == REQ_NEW && !conn_paused(c))
			start_request(c, rc);
		if (rc->state != REQ_DONE)
			break;
		fifo_pop(c);
		conn_send(c, rc);
	}
	if (c->closing)
		return;
	for (request_ctx *rc = c->head; rc; rc = rc->next) {
		/* A write waits for a yielded read before it, which must not see it. */
		if (rc->state == REQ_PREWORK || rc->state == REQ_READING ||
		    (rc->state == REQ_QUEUED && rc->entry->barrier))
			break;
		if (rc->state != REQ_NEW)
			continue;
		if (!rc->entry->writes || rc->entry->prework || rc->entry->barrier ||
		    conn_paused(c))
			break;
		start_request(c, rc);
	}
	count_done(c);
	output_changed(c->nt);
	update_reading(c);
}

/* max_connections_per_user: 1 when user_id is logged in on that many
 * connections besides c already; rc then holds the refusal. A connection
 * whose session has ended (a password reset, say) but which has sent
 * nothing since is closed here instead of counted: revoked connections
 * held by someone else must not keep the user out. */
static int user_cap_reached(conn *c, request_ctx *rc, uint64_t user_id)
{
	uint32_t n = 0, cap = c->nt->srv->cfg.max_connections_per_user;
	for (conn *o = c->nt->all, *next; o && n < cap; o = next) {
		next = o->next;
		if (o == c || o->who.role == ROLE_NONE || o->who.user_id != user_id)
			continue;
		if (session_refresh(c->nt->srv, &o->who) == 1) {
			log_info(
				"%s: user %llu: session expired or revoked; closing the connection",
				o->peer, (unsigned long long)user_id);
			conn_close(o);
			continue;
		}
		n++;
	}
	if (n < cap)
		return 0;
	dispatch_fail(rc, LD_RESOURCE_EXHAUSTED,
		      "this user is logged in on %u connections already "
		      "(max_connections_per_user); close some and try again",
		      cap);
	return 1;
}

static void prework_after(void *arg);

static void prework_work(void *arg)
{
	request_ctx *rc = arg;
	rc->entry->prework(rc);
}

static const char *login_name(const request_ctx *rc)
{
	return rc->login_user;
}

static int is_login(const request_ctx *rc)
{
	return rc->entry && rc->entry->body == LEADD__REQUEST__BODY_LOGIN;
}

static int is_password_login(const request_ctx *rc)
{
	return is_login(rc) && rc->password_login;
}

/* Does rc check the password of a user the login slowdown counts? A
 * password login does; so does changing your own password, which checks
 * the current one: a stolen token must not be a way to guess it without
 * limit. Sets rc->pw_throttled, with the user's folded name in
 * rc->login_user. */
static int checks_password(const conn *c, request_ctx *rc)
{
	if (is_password_login(rc))
		return rc->pw_throttled = 1;
	if (rc->entry->body != LEADD__REQUEST__BODY_USER_PASSWD || !c->who.name_key[0])
		return 0;
	const char *name = rc->req->user_passwd->name;
	char key[USER_NAME_KEY_MAX + 1];
	if (name && (user_name_key(name, key) < 0 || strcmp(key, c->who.name_key) != 0))
		return 0; /* an admin setting someone else's: no password is checked */
	snprintf(rc->login_user, sizeof(rc->login_user), "%s", c->who.name_key);
	return rc->pw_throttled = 1;
}

/* Answer rc at once, in place: conn_pump, which started it, sends it. It
 * must not call prework_after, which would re-enter conn_pump. */
static void refuse_prework(conn *c, request_ctx *rc, const char *why, const char *log_why)
{
	dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "%s", why);
	if (rc->pw_throttled)
		auth_log_failure(login_name(rc), c->source, log_why, uv_now(c->nt->loop));
	dispatch_finish(rc);
}

static void start_prework(conn *c, request_ctx *rc)
{
	const config_t *cfg = &c->nt->srv->cfg;
	uint32_t wait = checks_password(c, rc) ? auth_throttle_wait_ms(login_name(rc), c->source,
								       uv_now(c->nt->loop))
					       : 0;
	char why[160];
	if (wait) {
		snprintf(why, sizeof(why), "too many failed logins from %s; retry in %u s",
			 c->source, (wait + 999) / 1000);
		refuse_prework(c, rc, why, "too many failures");
		return;
	}
	int err = auth_queue(c->nt->loop, c->source, cfg->max_hash_queue_per_address, prework_work,
			     prework_after, rc);
	if (err == AUTH_QUEUE_FULL) {
		snprintf(why, sizeof(why),
			 "too many password checks are waiting from %s; retry in a few seconds",
			 c->source);
		refuse_prework(c, rc, why, "too many checks waiting");
		return;
	}
	if (err < 0) {
		dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
		dispatch_finish(rc);
		return;
	}
	rc->state = REQ_PREWORK;
	c->at_writer++;
	hold_decoded(c, rc);
}

/* Loop thread: the thread-pool part is done; fail the request or hand it
 * to the writer. */
static void prework_after(void *arg)
{
	request_ctx *rc = arg;
	conn *c = rc->conn;
	c->at_writer--;
	if (!rc->prework_ok || c->closing)
		release_decoded(c, rc);
	if (c->closing) {
		dispatch_free(rc);
		conn_maybe_free(c);
		return;
	}
	/* A login that failed for any reason counts; a password change only
	 * when the current password was wrong. */
	if (rc->pw_throttled) {
		if (rc->prework_ok) {
			auth_throttle_success(login_name(rc), c->source);
		} else if (is_password_login(rc) || rc->pw_wrong) {
			auth_throttle_failure(login_name(rc), c->source, uv_now(c->nt->loop));
			auth_log_failure(login_name(rc), c->source, NULL, uv_now(c->nt->loop));
		}
	}
	/* A password login over the user's connection cap stores no session. */
	if (rc->prework_ok && is_password_login(rc) && user_cap_reached(c, rc, rc->prework_user_id))
		rc->prework_ok = 0;
	if (!rc->prework_ok) {
		if (rc->code == LD_OK)
			dispatch_fail(rc, LD_INTERNAL, "the request could not be prepared");
		dispatch_finish(rc);
	} else {
		rc->state = REQ_QUEUED;
		c->at_writer++;
		writer_submit(c->nt->srv->wr, rc);
	}
	conn_pump(c);
}

/* rc's answer is the connection's last: read no more, and drop what was
 * sent after it, none of which may have started (answers made at once,
 * for a frame that did not decode say, may wait there: they leave the
 * output held for all clients too). */
static void drop_after(conn *c, request_ctx *rc)
{
	c->input_done = 1;
	for (request_ctx *later = rc->next; later;) {
		request_ctx *next = later->next;
		c->waiting_bytes -= later->state == REQ_NEW ? later->arena.used : 0;
		uncount_done(c, later);
		dispatch_free(later);
		c->queued--;
		later = next;
	}
	rc->next = NULL;
	c->tail = rc;
}

static void start_request(conn *c, request_ctx *rc)
{
	c->waiting_bytes -= rc->arena.used;
	/* The principal is the connection's as of now: a Login ahead of this
	 * request on the connection has been answered by the time it starts,
	 * and a password reset, logout, expiry or role change has reached it. */
	int check = session_check(c->nt->srv, &c->who, rc);
	/* The session ended: this answer is final, and nothing sent after it
	 * runs (none of it has started: requests start in order). */
	if (check < 0)
		drop_after(c, rc);
	if (check)
		return;
	rc->who = c->who;
	if (dispatch_authorize(rc) < 0)
		return;
	/* A token login needs no password work: it must not queue behind a
	 * storm of password checks. */
	if (rc->entry->prework &&
	    (rc->entry->body != LEADD__REQUEST__BODY_LOGIN || is_password_login(rc))) {
		start_prework(c, rc);
	} else if (!rc->entry->writes && read_may_yield(rc)) {
		/* From the idle handle (on_reads_idle), as REQ_READING: nothing
		 * later on the connection starts before it. */
		rc->state = REQ_READING;
		reads_push(c->nt, rc, READQ_FRESH);
	} else if (!rc->entry->writes) {
		run_read(c->nt, rc);
		if (rc->state == REQ_READING) /* no such read today; never lost */
			reads_push(c->nt, rc, READQ_RUNNING);
	} else {
		c->at_writer++;
		hold_decoded(c, rc);
		writer_submit(c->nt->srv->wr, rc);
	}
}

static void net_close_user(net *nt, uint64_t user_id);

/* Login, logout and disabling a user change connections once committed. */
static void apply_conn_change(conn *c, request_ctx *rc)
{
	if (rc->code != LD_OK)
		return;
	/* A watch runs as the connection's user: a login or logout on it
	 * stops the watch (no event follows this answer). */
	if (rc->change != CONN_KEEP && c->watch)
		watch_conn_closed(c);
	if (rc->change == CONN_LOGIN) {
		c->who = rc->new_who;
		session_check_stamp(&c->who);
		conn_set_prelogin(c, 0);
		ld_frame_decoder_set_limit(&c->in, LD_FRAME_MAX);
	} else if (rc->change == CONN_LOGOUT) {
		memset(&c->who, 0, sizeof(c->who));
		/* Back to pre-login, within the pre-login caps like a new
		 * connection: over them, the logout is its last answer (nothing
		 * sent after it has started: logout is a barrier). */
		const config_t *cfg = &c->nt->srv->cfg;
		if (prelogin_count(c->nt->pre, c->source) >= cfg->max_prelogin_per_address ||
		    prelogin_total(c->nt->pre) >= cfg->max_prelogin_connections) {
			rc->final = 1;
			drop_after(c, rc);
		} else {
			conn_set_prelogin(c, 1);
			c->connected_at = uv_now(c->nt->loop); /* a fresh login_timeout */
			ld_frame_decoder_set_limit(&c->in, LD_FRAME_MAX_PRELOGIN);
		}
	}
	if (rc->disabled_user_id)
		net_close_user(c->nt, rc->disabled_user_id);
}

/* Password logins are logged at info, resumed sessions (every `lead`
 * command) at debug; failures go through the rate-limited summaries. A
 * wrong password was logged when its check failed. */
static void log_login_answer(conn *c, request_ctx *rc)
{
	int token = !is_password_login(rc);
	if (rc->code == LD_OK) {
		const char *name = rc->login_user;
		if (token)
			log_debug("accepted session token for %s from %s", name, c->source);
		else
			auth_log_success(name, c->source);
	} else {
		auth_log_failure(token ? NULL : login_name(rc), c->source, NULL,
				 uv_now(c->nt->loop));
	}
}

/* The writer finished rc (loop thread). */
static void net_on_write_done(request_ctx *rc)
{
	if (standby_timer_write_done(rc) || activity_timer_write_done(rc) ||
	    session_check_write_done(rc))
		return;
	conn *c = rc->conn;
	c->at_writer--;
	release_decoded(c, rc);
	/* Only the loop thread moves a request out of REQ_QUEUED: several
	 * answers of one connection can come back in one batch, and conn_pump
	 * must not send (and free) one that on_async has yet to hand over. */
	rc->state = REQ_DONE;
	/* Watchers check their rights or saved search before their next
	 * events (watch_pump.c); the commit itself wakes them (writer.c). */
	if (rc->code == LD_OK && rc->entry) {
		switch (rc->entry->body) {
		case LEADD__REQUEST__BODY_TEAM_EDIT:
			watch_rights_dirty();
			watch_rows_dirty();
			break;
		case LEADD__REQUEST__BODY_USER_ADD:
		case LEADD__REQUEST__BODY_USER_EDIT:
		case LEADD__REQUEST__BODY_USER_DISABLE:
		case LEADD__REQUEST__BODY_TEAM_ADD:
			watch_rows_dirty();
			break;
		case LEADD__REQUEST__BODY_SEARCH_EDIT:
		case LEADD__REQUEST__BODY_SEARCH_RM:
		/* Pinned searches, for TOPIC_PINS (watch_pins.c). */
		case LEADD__REQUEST__BODY_SEARCH_PIN:
		/* A new status may answer a saved search's status words. */
		case LEADD__REQUEST__BODY_STATUS_ADD:
			watch_searches_dirty();
			break;
		case LEADD__REQUEST__BODY_STATUS_EDIT:
		case LEADD__REQUEST__BODY_STATUS_RM:
			watch_statuses_dirty();
			break;
		case LEADD__REQUEST__BODY_LEAD_STANDBY:
			standby_timer_kick(); /* its date may come before the next look */
			break;
		case LEADD__REQUEST__BODY_ACTIVITY_ADD:
		case LEADD__REQUEST__BODY_ACTIVITY_EDIT:
			activity_timer_kick(); /* its time may come before the next look */
			break;
		default:
			break;
		}
	}
	if (c->closing) {
		dispatch_free(rc);
		conn_maybe_free(c);
		return;
	}
	/* A token login (or one that raced another) over the cap: the
	 * connection stays as it was. */
	if (is_login(rc) && rc->code == LD_OK && user_cap_reached(c, rc, rc->new_who.user_id)) {
		rc->change = CONN_KEEP;
		dispatch_pack(rc);
	}
	if (is_login(rc))
		log_login_answer(c, rc);
	apply_conn_change(c, rc);
	if (!c->closing)
		conn_pump(c);
}

static void fifo_push(conn *c, request_ctx *rc)
{
	if (rc->state == REQ_NEW)
		c->waiting_bytes += rc->arena.used;
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
	request_ctx *rc = dispatch_new(c->nt->srv, c);
	if (!rc) {
		conn_close(c);
		return;
	}
	log_info("%s: %s", c->peer, why);
	dispatch_protocol_error(rc, LD_INVALID_ARGUMENT, "%s", why);
	c->input_done = 1;
	fifo_push(c, rc);
}

/* Before login a connection has one request in flight at most: Hello and
 * Login are all it may send, and what it pipelines behind a Login waits
 * unread, so a connection that never logs in cannot queue work. */
static uint32_t conn_max_in_flight(const conn *c)
{
	return c->who.role == ROLE_NONE ? 1 : c->nt->srv->cfg.max_in_flight;
}

/* Take complete frames out of the input buffer while the connection has
 * room for more requests, answering what can be answered at once. Iterative:
 * a pump that frees room asks for another round instead of recursing. */
static void conn_process_input(conn *c)
{
	if (c->processing) {
		c->reprocess = 1;
		return;
	}
	c->processing = 1;
	do {
		c->reprocess = 0;
		while (!c->input_done && !c->closing && c->queued < conn_max_in_flight(c) &&
		       conn_decoded(c) < DECODED_WAITING_CAP(c)) {
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
			request_ctx *rc = dispatch_new(c->nt->srv, c);
			if (!rc) {
				conn_close(c);
				break;
			}
			dispatch_prepare(rc, frame, len, c->hello_seen);
			if (rc->entry && rc->entry->body == LEADD__REQUEST__BODY_HELLO)
				c->hello_seen = 1;
			if (rc->final)
				c->input_done = 1;
			fifo_push(c, rc);
		}
		if (!c->closing)
			conn_pump(c);
	} while (c->reprocess && !c->closing);
	c->processing = 0;
}

/* ---- input ---- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)suggested;
	conn *c = h->data;
	/* A TLS connection's ciphertext, and any connection's first bytes
	 * (which say what it speaks), go through the loop's buffer. */
	if (!c->sniffed || c->tls) {
		size_t len;
		char *p = net_tls_read_buffer(&len);
		*buf = uv_buf_init(p, (unsigned)len);
		return;
	}
	size_t avail;
	uint8_t *p = ld_frame_decoder_space(&c->in, READ_CHUNK, &avail);
	/* Never more than one chunk a read: the buffer grows only as far as
	 * update_reading lets it (INPUT_BUFFER_CAP). */
	*buf = uv_buf_init((char *)p, p ? (unsigned)(avail < READ_CHUNK ? avail : READ_CHUNK) : 0);
}

/* A plaintext client on a TLS-only listener: one plaintext answer saying
 * so, then the connection closes (as a refusal at accept does). */
static void conn_refuse_plaintext(conn *c)
{
	request_ctx *rc = dispatch_new(c->nt->srv, c);
	if (!rc) {
		conn_close(c);
		return;
	}
	log_debug("%s: plain TCP on a TLS-only listener; refused", c->peer);
	dispatch_protocol_error(rc, LD_FAILED_PRECONDITION, "%s", net_tls_refusal());
	c->input_done = 1;
	fifo_push(c, rc);
	conn_pump(c);
}

/* The first bytes of a connection: a TLS record starts an engine, plain
 * TCP goes to the frame decoder (or is refused). 0, or -1 when c is done. */
static int conn_sniff(conn *c, const uint8_t *data, size_t len)
{
	c->sniffed = 1;
	switch (net_tls_sniff(data, len, c->nt->plain_allowed)) {
	case NET_TLS: {
		const char *why = NULL;
		c->tls = net_tls_begin(data, len, &why);
		if (!c->tls) {
			log_warn("%s: %s; closing", c->peer, why);
			conn_close(c);
			return -1;
		}
		return 0;
	}
	case NET_REFUSE:
		conn_refuse_plaintext(c);
		return -1;
	default:
		if (ld_frame_decoder_feed(&c->in, data, len) < 0) {
			log_error("%s: out of memory reading a request; closing", c->peer);
			conn_close(c);
			return -1;
		}
		return 0;
	}
}

/* Decrypt what the engine holds into the frame decoder, up to
 * INPUT_BUFFER_CAP (the rest waits in the engine, and update_reading stops
 * reading the socket), and send what the handshake has to say. 0, or -1
 * when the connection closed. */
static int conn_tls_input(conn *c)
{
	if (!c->tls || c->closing || c->input_done || !net_tls_has_input(c->tls))
		return 0;
	int rc = net_tls_decrypt(c->tls, &c->in, INPUT_BUFFER_CAP);
	if (conn_tls_flush(c) < 0) {
		conn_close(c);
		return -1;
	}
	if (rc == LD_TLS_ERROR) {
		log_debug("%s: %s; closing", c->peer, ld_tls_error(c->tls));
		conn_close(c);
		return -1;
	}
	if (rc == LD_TLS_CLOSED) {
		/* close_notify: the client is done, as at the end of a plain
		 * connection's input. */
		log_debug("%s: closed TLS", c->peer);
		conn_close(c);
		return -1;
	}
	return 0;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
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
	if (!c->sniffed) {
		if (conn_sniff(c, (const uint8_t *)buf->base, (size_t)nread) < 0)
			return;
	} else if (c->tls) {
		if (ld_tls_feed(c->tls, buf->base, (size_t)nread) < 0) {
			log_error("%s: out of memory reading a request; closing", c->peer);
			conn_close(c);
			return;
		}
	} else {
		ld_frame_decoder_commit(&c->in, (size_t)nread);
	}
	if (conn_tls_input(c) < 0)
		return;
	conn_process_input(c);
}

/* Room for more requests: fewer than conn_max_in_flight queued, answers
 * under the soft output limit, decoded requests under their cap, and not
 * paused by output_total_limit. */
static int conn_has_room(conn *c)
{
	return !c->input_done && !c->closing && !c->nt->stopping &&
	       c->queued < conn_max_in_flight(c) &&
	       c->out_bytes <= c->nt->srv->cfg.output_soft_limit &&
	       conn_decoded(c) < DECODED_WAITING_CAP(c) && !conn_paused(c);
}

/* Read while there is room (conn_has_room) and less than INPUT_BUFFER_CAP
 * of unread input. Otherwise TCP pushes back on the client. */
static void update_reading(conn *c)
{
	/* Plaintext the engine holds fills the decoder first. */
	if (conn_tls_input(c) < 0)
		return;
	int room = conn_has_room(c);
	/* Frames already buffered come first; they need no new bytes. */
	if (room && ld_frame_ready(&c->in)) {
		conn_process_input(c);
		if (c->closing)
			return;
		room = conn_has_room(c);
	}
	/* A TLS connection also stops while the engine holds a read's worth
	 * of ciphertext it could not decrypt into the decoder. */
	int want = room && ld_frame_pending(&c->in) < INPUT_BUFFER_CAP &&
		   (!c->tls || ld_tls_input_pending(c->tls) < READ_CHUNK);
	if (want && !c->reading) {
		c->reading = 1;
		uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
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
	snprintf(c->source, sizeof(c->source), "%s", host);
	if (ss.ss_family == AF_INET6) {
		/* One IPv6 host usually holds a whole /64: count per prefix, or a
		 * single attacker would be millions of addresses. */
		struct in6_addr a = ((struct sockaddr_in6 *)&ss)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(&a)) {
			uv_inet_ntop(AF_INET, &a.s6_addr[12], c->source, sizeof(c->source));
		} else {
			memset(&a.s6_addr[8], 0, 8);
			char prefix[INET6_ADDRSTRLEN];
			uv_inet_ntop(AF_INET6, &a, prefix, sizeof(prefix));
			snprintf(c->source, sizeof(c->source), "%s/64", prefix);
		}
	}
}

/* Connections that have not logged in have caps of their own, in all and
 * per source, below max_connections: a flood of them cannot take the slots
 * of users who log in. At the overall cap, a newcomer from a source holding
 * fewer such connections than the busiest source takes the place of that
 * source's oldest one, so a flood from a few addresses cannot keep another
 * address out. 1 with the sentence in why when c is refused. */
static int prelogin_refusal(conn *c, char *why, size_t len)
{
	net *nt = c->nt;
	const config_t *cfg = &nt->srv->cfg;
	uint32_t same = prelogin_count(nt->pre, c->source);
	if (same >= cfg->max_prelogin_per_address) {
		snprintf(why, len,
			 "too many connections waiting to log in from %s "
			 "(max_prelogin_per_address); log in on them or close them, or try "
			 "again later",
			 c->source);
		nt->prelogin_refused++;
		return 1;
	}
	if (prelogin_total(nt->pre) < cfg->max_prelogin_connections)
		return 0;
	conn *victim = prelogin_victim(nt->pre, same + 2);
	if (!victim) {
		snprintf(why, len,
			 "too many connections waiting to log in (max_prelogin_connections); try "
			 "again later");
		nt->prelogin_refused++;
		return 1;
	}
	nt->prelogin_evicted++;
	log_debug("%s: not logged in, closed to make room for %s", victim->peer, c->peer);
	conn_close(victim);
	return 0;
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
	/* Frames stay small until the connection logs in. */
	ld_frame_decoder_init(&c->in, LD_FRAME_MAX_PRELOGIN);
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
	c->last_active = c->connected_at = uv_now(nt->loop);
	char why[200];
	int code = LD_OK;
	if (nt->stopping) {
		code = LD_UNAVAILABLE;
		snprintf(why, sizeof(why), "leadd is shutting down");
	} else if (nt->count > nt->srv->cfg.max_connections) {
		code = LD_RESOURCE_EXHAUSTED;
		snprintf(why, sizeof(why),
			 "too many connections (max_connections); try again later");
	} else if (prelogin_refusal(c, why, sizeof(why))) {
		code = LD_RESOURCE_EXHAUSTED;
	}
	if (code != LD_OK) {
		/* On its way out: a burst of refused connections must not make
		 * the next one, accepted in the same burst, look over the cap. */
		c->refused = 1;
		nt->count--;
		request_ctx *rc = dispatch_new(nt->srv, c);
		if (!rc) {
			conn_close(c);
			return;
		}
		dispatch_protocol_error(rc, code, "%s", why);
		c->input_done = 1;
		fifo_push(c, rc);
		conn_pump(c);
		return;
	}
	conn_set_prelogin(c, 1);
	log_debug("%s: connected", c->peer);
	update_reading(c);
}

/* Close connections idle longer than idle_timeout_ms with nothing queued,
 * as Redis's `timeout` does (a connection waiting on its answers is busy),
 * and those not logged in within login_timeout_ms, busy or not. */
static void on_sweep(uv_timer_t *t)
{
	net *nt = t->data;
	uint32_t idle = nt->srv->cfg.idle_timeout_ms;
	uint64_t now = uv_now(nt->loop);
	auth_log_tick(now);
	if (!nt->prelogin_report_at)
		nt->prelogin_report_at = now;
	if ((nt->prelogin_refused || nt->prelogin_evicted) &&
	    now - nt->prelogin_report_at >= 60000) {
		log_warn(
			"%u connections refused and %u closed to make room in the last %llu s: too "
			"many not logged in (max_prelogin_connections, max_prelogin_per_address)",
			nt->prelogin_refused, nt->prelogin_evicted,
			(unsigned long long)((now - nt->prelogin_report_at) / 1000));
		nt->prelogin_refused = nt->prelogin_evicted = 0;
		nt->prelogin_report_at = now;
	}
	conn *c = nt->all;
	while (c) {
		conn *next = c->next;
		/* A watching connection waits for events, not idle. */
		if (idle && !c->queued && !c->out_bytes && !c->watch &&
		    now - c->last_active > idle) {
			log_debug("%s: idle for %u ms; closing", c->peer, idle);
			conn_close(c);
		} else if (c->who.role == ROLE_NONE &&
			   now - c->connected_at > nt->srv->cfg.login_timeout_ms) {
			/* Even with a login queued or being checked: conn_close
			 * drops a waiting check, and one on the thread pool
			 * finishes and is dropped. */
			log_debug("%s: did not log in within %u ms; closing", c->peer,
				  nt->srv->cfg.login_timeout_ms);
			conn_close(c);
		}
		c = next;
	}
	/* Watchers' sessions may expire with nothing committed. */
	watch_kick();
}

/* A disabled user's connections close at once. */
static void net_close_user(net *nt, uint64_t user_id)
{
	conn *c = nt->all;
	while (c) {
		conn *next = c->next;
		if (c->who.user_id == user_id && c->who.role != ROLE_NONE) {
			log_info("%s: user %llu was disabled; closing", c->peer,
				 (unsigned long long)user_id);
			conn_close(c);
		}
		c = next;
	}
}

/* Answers held over output_total_limit for a whole tick (about a second)
 * although every connection holding them is paused: close the connections
 * holding the most until the rest fit, each with one line in the log. */
static void close_largest_holders(net *nt)
{
	uint64_t cap = nt->srv->cfg.output_total_limit;
	if (!output_over(nt)) {
		nt->out_over_ticks = 0;
		return;
	}
	if (++nt->out_over_ticks < 2)
		return;
	/* Bytes of a closed connection leave out_total when libuv cancels its
	 * writes, later in this loop iteration: count them out here. */
	uint64_t total = nt->out_total;
	while (total > cap) {
		conn *big = NULL;
		for (conn *c = nt->all; c; c = c->next)
			if (!big || conn_unread(c) > conn_unread(big))
				big = c;
		if (!big || conn_unread(big) == 0)
			break;
		uint64_t held = conn_unread(big);
		log_warn("%s: closing: %llu bytes of answers unread while leadd holds %llu for all "
			 "clients, over output_total_limit (%llu)",
			 big->peer, (unsigned long long)held, (unsigned long long)total,
			 (unsigned long long)cap);
		total -= held;
		conn_close(big);
	}
}

/* glibc keeps freed memory for reuse; after a burst of large answers or
 * requests that can be hundreds of MB no other process may use. Give it back
 * when enough sits free, at most once a tick. */
#define TRIM_FREE_MIN (16u << 20)

static void trim_memory(void)
{
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 33)
	struct mallinfo2 mi = mallinfo2();
	if (mi.fordblks >= TRIM_FREE_MIN) {
		malloc_trim(0);
		log_debug("returned free memory to the system (%zu bytes were free)", mi.fordblks);
	}
#endif
}

static void on_output_tick(uv_timer_t *t)
{
	net *nt = t->data;
	close_largest_holders(nt);
	trim_memory();
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
	nt->pre = prelogin_new();
	if (!nt->pre) {
		free(nt);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	struct sockaddr_storage ss;
	if (resolve_listen(srv->cfg.listen, &ss, err, errlen) < 0) {
		prelogin_free(nt->pre);
		free(nt);
		return NULL;
	}
	nt->plain_allowed = tls_server_plain_allowed(&srv->cfg, (struct sockaddr *)&ss);
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
	uv_timer_init(loop, &nt->resume_timer);
	nt->resume_timer.data = nt;
	uv_idle_init(loop, &nt->reads_idle);
	nt->reads_idle.data = nt;
	uv_timer_init(loop, &nt->output_timer);
	nt->output_timer.data = nt;
	uv_timer_start(&nt->output_timer, on_output_tick, 1000, 1000);
	srv->wr = writer_start(srv, loop, net_on_write_done);
	if (!srv->wr) {
		snprintf(err, errlen, "cannot start the writer thread");
		return NULL;
	}
	session_sweep_start(srv, loop);
	standby_timer_start(srv, loop);
	activity_timer_start(srv, loop);
	watch_init(srv, loop);
	return nt;
}

/* ---- shutdown ---- */

static int all_answered(net *nt)
{
	/* A watcher that does not read its events must not hold the stop up
	 * to its deadline: events are not answers. */
	for (conn *c = nt->all; c; c = c->next)
		if (c->queued || (c->out_bytes && !c->watch))
			return 0;
	return 1;
}

static void finish_shutdown(net *nt)
{
	uv_timer_stop(&nt->stop_timer);
	uv_close((uv_handle_t *)&nt->stop_timer, NULL);
	uv_close((uv_handle_t *)&nt->sweep_timer, NULL);
	session_sweep_stop();
	standby_timer_stop();
	activity_timer_stop();
	uv_close((uv_handle_t *)&nt->resume_timer, NULL);
	uv_close((uv_handle_t *)&nt->output_timer, NULL);
	uv_close((uv_handle_t *)&nt->reads_idle, NULL);
	/* Requests still at the writer are committed before it stops; their
	 * connections are gone, so the answers are dropped. */
	while (nt->all)
		conn_close(nt->all);
	watch_shutdown();
	prelogin_free(nt->pre);
	nt->pre = NULL;
	auth_log_flush(uv_now(nt->loop));
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

/* At stop, password checks still waiting for the thread pool are answered
 * at once instead of holding the stop up to its deadline (a flood of
 * logins can queue more of them than the deadline allows). */
static void drop_waiting_checks(net *nt)
{
	for (conn *c = nt->all; c; c = c->next) {
		request_ctx *rc = c->head;
		if (!rc || rc->state != REQ_PREWORK || !auth_cancel(rc))
			continue;
		c->at_writer--;
		release_decoded(c, rc);
		dispatch_fail(rc, LD_UNAVAILABLE, "leadd is shutting down");
		dispatch_finish(rc);
		conn_pump(c);
	}
}

void net_shutdown(net *nt, uint32_t deadline_ms, void (*done)(server *srv))
{
	if (nt->stopping)
		return;
	nt->stopping = 1;
	nt->stop_done = done;
	writer_drain(nt->srv->wr); /* a bulk move stops after its current chunk */
	uv_close((uv_handle_t *)&nt->listener, NULL);
	for (conn *c = nt->all; c; c = c->next)
		update_reading(c);
	drop_waiting_checks(nt);
	nt->stop_deadline = uv_now(nt->loop) + deadline_ms;
	uv_timer_init(nt->loop, &nt->stop_timer);
	nt->stop_timer.data = nt;
	uv_timer_start(&nt->stop_timer, on_stop_tick, 0, 10);
}
