/* The watch parts' shared state (see watch.h). Loop thread only. */
#ifndef LEADD_WATCH_INT_H
#define LEADD_WATCH_INT_H

#include <stdint.h>

#include "dispatch.h"
#include "leadd_store.pb-c.h"
#include "search_query.h"

#define WATCH_TOPIC_BIT(t) (1u << (t))

typedef struct watch_ev {
	struct watch_ev *next;
	size_t len;
	uint8_t *frame; /* length header and ServerMessage (malloc) */
} watch_ev;

typedef struct watcher {
	struct watcher *prev, *next;
	server *srv;
	void *conn;
	uint32_t topics; /* WATCH_TOPIC_BIT of each */
	/* The rights its events are built with: the connection's as last
	 * checked, and (a rep) whether their team shows its pool. */
	principal_t who;
	int rep_pool;
	/* TOPIC_LEADS with a saved search: its name as asked, and the filter
	 * resolved as the caller (held by fctx's arena), with the packed
	 * stored filter to see an edit. */
	char *search;
	request_ctx *fctx;
	sq_filter f;
	uint8_t *search_packed;
	size_t search_packed_len;
	/* TOPIC_KPI with kpi_team. */
	char *kpi_team;
	uint64_t kpi_team_id;
	/* TOPIC_KPI: the rows (owner, team) its last snapshot's counts had,
	 * hashed: a user or team added or changed may add or remove rows
	 * (zero rows included), which no delta says. */
	uint64_t rows_sig;
	/* TOPIC_PINS: its pinned saved searches as search_list last gave
	 * them, hashed (watch_pins.c). */
	uint64_t pins_sig;
	/* The status list it was built with (watch_status_epoch): a status
	 * edited or removed since changes what its counts and saved search
	 * mean (issue 12). */
	uint64_t status_epoch;
	/* The last revision it was given (an event's or a snapshot's). */
	uint64_t pos;
	int active; /* its reply went out: events may follow */
	int replaying;
	uint64_t replay_to;
	int owe_snapshot;
	char reason[200];
	int ended;     /* an ENDED event is queued: let go once it is sent */
	int doomed;    /* close its connection after this step */
	int doom_warn; /* ... and say so as a warning (a slow client) */
	char doom_why[200];
	/* Events not yet handed to the socket, and the bytes of those dropped
	 * for an owed snapshot: both count in the backlog. */
	watch_ev *qh, *qt;
	uint64_t q_bytes, dropped;
	/* Frames the socket may take, gathered during a pump slice and
	 * handed to it in one write when the slice ends (flush): one write
	 * per watcher and slice, not one per event. */
	uint8_t *batch;
	size_t batch_len, batch_cap;
} watcher;

extern watcher *watch_all;
/* Set while a pump slice runs: events gather in each watcher's batch. */
extern int watch_batching;

/* watch_out.c */
void watch_out_event(watcher *w, const Leadd__Event *ev);
/* One event's frame, packed once and copied to every watcher it goes to
 * (watch_event.c: the same event of a change for watchers with the same
 * view). Zeroed: not packed yet. */
typedef struct {
	uint8_t *frame; /* length header and ServerMessage, in the arena */
	size_t len;
} watch_packed;
/* As watch_out_event, ev packed into p (in arena a) by the first watcher
 * of p and its bytes reused by the next ones. */
void watch_out_shared(watcher *w, const Leadd__Event *ev, watch_packed *p, ld_arena *a);
void watch_out_clear(watcher *w);
void watch_out_flush(watcher *w);
/* Hand w's batch to its socket now (a live change's events: the next
 * watcher's must not wait for it). */
void watch_out_batch_send(watcher *w);
/* An ended watch: hand everything queued to the socket, then free w. */
void watch_out_flush_all(watcher *w);
uint64_t watch_backlog(const watcher *w);
uint64_t watch_ahead(const watcher *w);
void watch_owe_snapshot(watcher *w, const char *reason, int count_dropped);

/* watch_pump.c */
/* A scratch request running as w's rights, for the code that answers as a
 * caller (saved searches, kpi); NULL when memory ran short. */
request_ctx *watch_as_caller(watcher *w);
/* Build and send w's snapshot at t's revision (queue empty). 0, or -1 when
 * the watch ended instead (an ENDED event was sent). */
int watch_snapshot(watcher *w, store_txn *t);
/* Resolve w's saved search as w->who now: LD_OK, or the error on rc. */
int watch_resolve_search(watcher *w, store_txn *t, request_ctx *rc);
void watch_free(watcher *w);
int watch_rep_pool(store_txn *t, const principal_t *who);
uint64_t watch_rows_sig(const Leadd__KpiReply *r);
/* A resumed watch takes no snapshot: its KPI rows are read now, so a
 * user or team change made before it started (whose flag the pump has not
 * cleared yet) is not taken for a change of its rows. */
void watch_rows_sig_now(watcher *w, store_txn *t);
/* How many status edits and removals were committed since leadd started. */
uint64_t watch_status_epoch(void);

/* watch_pins.c */
/* w's pinned saved searches as search_list gives them now, hashed. 0 with
 * *sig set, or -1 when they could not be read. */
int watch_pins_sig(watcher *w, store_txn *t, uint64_t *sig);
/* A saved search or w's rights may have changed: an EVENT_PINS when w
 * watches TOPIC_PINS and its pinned searches read otherwise than at the
 * last look (or cannot be read: the client reads them again). */
void watch_pins_check(watcher *w, store_txn *t);

/* watch_event.c */
typedef struct watch_entry watch_entry;
/* The entry keyed rev; NULL when it cannot be read or disagrees with the
 * history (the watchers get a snapshot). */
watch_entry *watch_entry_new(store_txn *t, ld_arena *a, uint64_t rev, Leadd__Store__ChangeEntry *e);
/* The events of entry x for w, in order (LEADS, ASSIGNED, KPI, AGENDA), handed
 * to watch_out_event. */
void watch_entry_emit(watch_entry *x, watcher *w);
void watch_set_names(Leadd__Event *ev, store_txn *t, ld_arena *a);

/* net.c, for watch_out.c and watch_pump.c */
uint64_t net_conn_out_bytes(void *conn);
int net_conn_write(void *conn, uint8_t *frame, size_t len);
void net_conn_close_now(void *conn);
principal_t *net_conn_who(void *conn);
const char *net_conn_peer(void *conn);
/* The connection's watcher (NULL: none); setting one turns TCP keepalive
 * on, since a watching connection is never closed for being idle. */
watcher *net_conn_watch(void *conn);
void net_conn_set_watch(void *conn, watcher *w);

#endif
