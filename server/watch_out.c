/* Each watcher's output: events wait here until its socket takes them.
 * The backlog (bytes handed to the socket and not yet written, events
 * waiting, and events dropped for an owed snapshot) is held to
 * watch_soft_limit (past it: one snapshot instead of the events) and
 * watch_hard_limit (past it: the connection is closed). Other connections
 * never wait for a slow watcher. */
#include <stdlib.h>
#include <string.h>

#include "ld_frame.h"
#include "log.h"
#include "watch_int.h"

/* Events handed to the socket ahead of its writes at most (the rest wait
 * in the queue, where a snapshot can replace them), and a replay's events
 * waiting in the queue at most (a replay then stops reading the log, so a
 * client reading slower than the log is read is not taken for a slow
 * one): 64 KiB, or a quarter of watch_soft_limit when that is less, but
 * never 0: with nothing allowed ahead even a snapshot would wait in the
 * queue, pass the soft limit and be dropped for another, for ever (a
 * watch_soft_limit under 4 bytes). */
#define WATCH_AHEAD_MAX (64u << 10)

uint64_t watch_ahead(const watcher *w)
{
	uint64_t q = w->srv->cfg.watch_soft_limit / 4;
	if (q == 0)
		q = 1;
	return q < WATCH_AHEAD_MAX ? q : WATCH_AHEAD_MAX;
}

int watch_batching;

uint64_t watch_backlog(const watcher *w)
{
	return net_conn_out_bytes(w->conn) + w->batch_len + w->q_bytes + w->dropped;
}

void watch_out_clear(watcher *w)
{
	free(w->batch);
	w->batch = NULL;
	w->batch_len = w->batch_cap = 0;
	watch_ev *e = w->qh;
	while (e) {
		watch_ev *next = e->next;
		free(e->frame);
		free(e);
		e = next;
	}
	w->qh = w->qt = NULL;
	w->q_bytes = 0;
}

void watch_owe_snapshot(watcher *w, const char *reason, int count_dropped)
{
	if (count_dropped)
		w->dropped += w->q_bytes + w->batch_len;
	watch_out_clear(w);
	if (!w->owe_snapshot)
		snprintf(w->reason, sizeof(w->reason), "%s", reason);
	w->owe_snapshot = 1;
}

static void check_limits(watcher *w)
{
	const config_t *cfg = &w->srv->cfg;
	uint64_t backlog = watch_backlog(w);
	if (backlog > cfg->watch_hard_limit && !w->doomed) {
		w->doomed = w->doom_warn = 1;
		snprintf(w->doom_why, sizeof(w->doom_why),
			 "watcher fell %llu bytes behind, over watch_hard_limit (%llu); closing",
			 (unsigned long long)backlog, (unsigned long long)cfg->watch_hard_limit);
		watch_out_clear(w);
		return;
	}
	if (backlog > cfg->watch_soft_limit && !w->owe_snapshot)
		watch_owe_snapshot(w, "you fell behind: the events waiting for you were dropped",
				   1);
}

static void write_failed(watcher *w)
{
	watch_out_clear(w);
	if (!w->doomed) {
		w->doomed = 1;
		snprintf(w->doom_why, sizeof(w->doom_why),
			 "could not write events to the socket; closing");
	}
}

/* Hand frame to the socket; 0, or -1 (w doomed). */
static int write_frame(watcher *w, uint8_t *frame, size_t len)
{
	if (net_conn_write(w->conn, frame, len) == 0)
		return 0;
	write_failed(w);
	return -1;
}

/* During a pump slice: add len bytes of frames to w's batch (copied). 0,
 * or -1 when memory ran short (w then owes a snapshot). */
static int batch_add(watcher *w, const uint8_t *frames, size_t len)
{
	if (w->batch_len + len > w->batch_cap) {
		size_t cap = w->batch_cap ? w->batch_cap : 4096;
		while (cap < w->batch_len + len)
			cap *= 2;
		uint8_t *bigger = realloc(w->batch, cap);
		if (!bigger) {
			watch_owe_snapshot(w, "leadd ran short of memory for your events", 1);
			return -1;
		}
		w->batch = bigger;
		w->batch_cap = cap;
	}
	memcpy(w->batch + w->batch_len, frames, len);
	w->batch_len += len;
	return 0;
}

/* Hand the batch to the socket in one write. 0, or -1 (w doomed). */
static int batch_send(watcher *w)
{
	if (!w->batch_len)
		return 0;
	uint8_t *frames = w->batch;
	size_t len = w->batch_len;
	w->batch = NULL;
	w->batch_len = w->batch_cap = 0;
	return write_frame(w, frames, len);
}

/* The checks before an event of n packed bytes goes to w: its position,
 * an owed snapshot (the event is counted, not kept), a frame too large.
 * 1: send it. */
static int admit(watcher *w, const Leadd__Event *ev, size_t n)
{
	w->pos = ev->revision > w->pos ? ev->revision : w->pos;
	if (w->owe_snapshot) {
		/* Still counted until the snapshot goes: a socket that never
		 * drains reaches the hard limit. */
		w->dropped += n + 4;
		check_limits(w);
		return 0;
	}
	if (n > LD_FRAME_MAX) {
		/* A snapshot too large for one frame would be owed again for
		 * ever: the watch ends instead, saying what to do. */
		if (ev->kind == LEADD__EVENT_KIND__EVENT_SNAPSHOT) {
			Leadd__Event end = LEADD__EVENT__INIT;
			end.has_kind = end.has_revision = 1;
			end.kind = LEADD__EVENT_KIND__EVENT_ENDED;
			end.revision = ev->revision;
			end.reason = "your KPI counts are too large to send in one message; "
				     "watch one team's counts (kpi_team) instead";
			watch_out_event(w, &end);
			w->ended = 1;
		} else {
			watch_owe_snapshot(w, "a change was too large to send as an event", 1);
		}
		return 0;
	}
	return 1;
}

/* A frame of w (length header and message, len bytes): straight to the
 * socket while it takes them, or into its queue. frame is w's own (malloc,
 * taken here), or NULL and shared holds the bytes, packed once for several
 * watchers: copied where they go. */
static void deliver(watcher *w, uint8_t *frame, const uint8_t *shared, size_t len)
{
	const uint8_t *bytes = frame ? frame : shared;
	/* Only what the socket does not take waits here (and counts against
	 * the limits). */
	if (w->active && !w->qh && !w->ended) {
		/* A batch that would pass the socket's share goes now: the
		 * socket most likely takes it at once, as it would have taken
		 * each event. */
		if (w->batch_len &&
		    net_conn_out_bytes(w->conn) + w->batch_len + len >= watch_ahead(w) &&
		    batch_send(w) < 0) {
			free(frame);
			return;
		}
		if (net_conn_out_bytes(w->conn) + w->batch_len < watch_ahead(w) && watch_batching) {
			batch_add(w, bytes, len);
			free(frame);
			return;
		}
	}
	if (!frame && (frame = malloc(len)) != NULL)
		memcpy(frame, shared, len);
	if (!frame) {
		watch_owe_snapshot(w, "leadd ran short of memory for your events", 1);
		return;
	}
	if (w->active && !w->qh && !w->ended &&
	    net_conn_out_bytes(w->conn) + w->batch_len < watch_ahead(w)) {
		write_frame(w, frame, len);
		return;
	}
	watch_ev *e = malloc(sizeof(*e));
	if (!e) {
		free(frame);
		watch_owe_snapshot(w, "leadd ran short of memory for your events", 1);
		return;
	}
	e->frame = frame;
	e->len = len;
	e->next = NULL;
	if (w->qt)
		w->qt->next = e;
	else
		w->qh = e;
	w->qt = e;
	w->q_bytes += e->len;
	check_limits(w);
}

void watch_out_event(watcher *w, const Leadd__Event *ev)
{
	if (w->doomed)
		return;
	Leadd__ServerMessage sm = LEADD__SERVER_MESSAGE__INIT;
	sm.kind_case = LEADD__SERVER_MESSAGE__KIND_EVENT;
	sm.event = (Leadd__Event *)ev;
	size_t n = leadd__server_message__get_packed_size(&sm);
	if (!admit(w, ev, n))
		return;
	uint8_t *frame = malloc(n + 4);
	if (!frame) {
		watch_owe_snapshot(w, "leadd ran short of memory for your events", 1);
		return;
	}
	ld_frame_put_header(frame, (uint32_t)n);
	leadd__server_message__pack(&sm, frame + 4);
	deliver(w, frame, NULL, n + 4);
}

void watch_out_shared(watcher *w, const Leadd__Event *ev, watch_packed *p, ld_arena *a)
{
	if (w->doomed)
		return;
	if (!p->frame) {
		Leadd__ServerMessage sm = LEADD__SERVER_MESSAGE__INIT;
		sm.kind_case = LEADD__SERVER_MESSAGE__KIND_EVENT;
		sm.event = (Leadd__Event *)ev;
		size_t n = leadd__server_message__get_packed_size(&sm);
		/* Too large for a frame: admit says what then, nothing to pack. */
		if (n <= LD_FRAME_MAX && (p->frame = ld_arena_alloc(a, n + 4)) != NULL) {
			ld_frame_put_header(p->frame, (uint32_t)n);
			leadd__server_message__pack(&sm, p->frame + 4);
		}
		if (!p->frame) {
			watch_out_event(w, ev);
			return;
		}
		p->len = n + 4;
	}
	if (admit(w, ev, p->len - 4))
		deliver(w, NULL, p->frame, p->len);
}

void watch_out_batch_send(watcher *w)
{
	if (w->active && !w->doomed)
		batch_send(w);
}

void watch_out_flush(watcher *w)
{
	if (!w->active || w->doomed)
		return;
	if (batch_send(w) < 0)
		return;
	while (w->qh && net_conn_out_bytes(w->conn) < watch_ahead(w)) {
		watch_ev *e = w->qh;
		w->qh = e->next;
		if (!w->qh)
			w->qt = NULL;
		w->q_bytes -= e->len;
		uint8_t *frame = e->frame;
		size_t len = e->len;
		free(e);
		if (write_frame(w, frame, len) < 0)
			return;
	}
}

void watch_out_flush_all(watcher *w)
{
	void *conn = w->conn;
	watch_ev *e = w->qh;
	w->qh = w->qt = NULL;
	w->q_bytes = 0;
	uint8_t *frames = w->batch;
	size_t len = w->batch_len;
	w->batch = NULL;
	w->batch_len = w->batch_cap = 0;
	watch_free(w);
	int gone = frames && net_conn_write(conn, frames, len) < 0;
	while (e) {
		watch_ev *next = e->next;
		if (!gone)
			gone = net_conn_write(conn, e->frame, e->len) < 0;
		else
			free(e->frame);
		free(e);
		e = next;
	}
	if (gone)
		net_conn_close_now(conn);
}
