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

/* Events handed to the socket ahead of its writes at most: the rest wait
 * in the queue, where a snapshot can replace them. */
#define WATCH_SOCKET_AHEAD (64u << 10)

uint64_t watch_backlog(const watcher *w)
{
	return net_conn_out_bytes(w->conn) + w->q_bytes + w->dropped;
}

void watch_out_clear(watcher *w)
{
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
		w->dropped += w->q_bytes;
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

void watch_out_event(watcher *w, const Leadd__Event *ev)
{
	if (w->doomed)
		return;
	Leadd__ServerMessage sm = LEADD__SERVER_MESSAGE__INIT;
	sm.kind_case = LEADD__SERVER_MESSAGE__KIND_EVENT;
	sm.event = (Leadd__Event *)ev;
	size_t n = leadd__server_message__get_packed_size(&sm);
	w->pos = ev->revision > w->pos ? ev->revision : w->pos;
	if (w->owe_snapshot) {
		/* Still counted until the snapshot goes: a socket that never
		 * drains reaches the hard limit. */
		w->dropped += n + 4;
		check_limits(w);
		return;
	}
	watch_ev *e = malloc(sizeof(*e));
	uint8_t *frame = malloc(n + 4);
	if (!e || !frame || n > LD_FRAME_MAX) {
		free(e);
		free(frame);
		watch_owe_snapshot(w, "leadd ran short of memory for your events", 1);
		return;
	}
	ld_frame_put_header(frame, (uint32_t)n);
	leadd__server_message__pack(&sm, frame + 4);
	e->frame = frame;
	e->len = n + 4;
	e->next = NULL;
	if (w->qt)
		w->qt->next = e;
	else
		w->qh = e;
	w->qt = e;
	w->q_bytes += e->len;
	check_limits(w);
}

void watch_out_flush(watcher *w)
{
	if (!w->active || w->doomed)
		return;
	while (w->qh && net_conn_out_bytes(w->conn) < WATCH_SOCKET_AHEAD) {
		watch_ev *e = w->qh;
		w->qh = e->next;
		if (!w->qh)
			w->qt = NULL;
		w->q_bytes -= e->len;
		uint8_t *frame = e->frame;
		size_t len = e->len;
		free(e);
		if (net_conn_write(w->conn, frame, len) < 0)
			return; /* closed: w is gone */
	}
}

void watch_out_flush_all(watcher *w)
{
	void *conn = w->conn;
	watch_ev *e = w->qh;
	w->qh = w->qt = NULL;
	w->q_bytes = 0;
	watch_free(w);
	while (e) {
		watch_ev *next = e->next;
		int gone = net_conn_write(conn, e->frame, e->len) < 0;
		free(e);
		e = next;
		if (gone)
			break;
	}
	while (e) {
		watch_ev *next = e->next;
		free(e->frame);
		free(e);
		e = next;
	}
}
