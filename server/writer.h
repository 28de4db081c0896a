/* The writer thread: every write request runs here. It takes what is
 * queued (capped by count and bytes, no timer), runs each request's checks
 * and writes in one transaction, commits with full durability, and hands
 * the answers back to the loop. One request's error fails that request
 * alone; a transaction-level fault (map full, I/O error) aborts the batch,
 * which is replayed: handlers are deterministic, taking ids and revisions
 * from meta inside the transaction. */
#ifndef LEADD_WRITER_H
#define LEADD_WRITER_H

#include <stdint.h>
#include <uv.h>

#include "dispatch.h"
#include "server.h"

typedef struct {
	uint64_t commits;   /* transactions committed */
	uint64_t writes;    /* requests applied in them (answered OK) */
	uint32_t max_batch; /* most requests in one commit */
	uint64_t replays;   /* batches replayed after a transaction-level fault */
	uint64_t map_grows;
} writer_stats;

/* on_done runs on the loop thread for every finished request. */
writer *writer_start(server *srv, uv_loop_t *loop, void (*on_done)(request_ctx *rc));
void writer_submit(writer *w, request_ctx *rc);
/* Requests queued or running. */
size_t writer_backlog(writer *w);
/* leadd is stopping: a request split over several commits that may stop
 * between them (a bulk assign) answers after its current chunk with what it
 * did. Everything else queued still runs. */
void writer_drain(writer *w);
/* Finish what is queued, stop the thread, deliver the last answers, close. */
void writer_stop(writer *w);
void writer_get_stats(writer *w, writer_stats *out);

/* Fault injection for tests, NULL in leadd: the test-only binary
 * leadd-fault-test (server/fault_inject.c) sets it. Called after each
 * request's handler inside the batch transaction; it may set t->ret to
 * act as an LMDB error raised by that request. */
typedef void (*writer_fault_fn)(request_ctx *rc, store_txn *t);
extern writer_fault_fn writer_fault_hook;

#endif
