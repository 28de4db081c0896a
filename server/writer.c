#include "writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "changelog_trim.h"
#include "ld_error.h"
#include "log.h"
#include "session_check.h"
#include "watch.h"

writer_fault_fn writer_fault_hook;

struct writer {
	server *srv;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	request_ctx *queue_head, *queue_tail; /* submitted, not yet taken */
	request_ctx *done_head, *done_tail;   /* answered, for the loop */
	size_t backlog;
	int stopping;
	/* leadd is shutting down: work split over several commits stops after
	 * its current chunk and answers with what it did. */
	atomic_int draining;
	uv_async_t async;
	void (*on_done)(request_ctx *rc);
	writer_stats stats; /* under lock */
};

static void list_append(request_ctx **head, request_ctx **tail, request_ctx *rc)
{
	rc->writer_next = NULL;
	if (*tail)
		(*tail)->writer_next = rc;
	else
		*head = rc;
	*tail = rc;
}

void writer_submit(writer *w, request_ctx *rc)
{
	rc->state = REQ_QUEUED;
	pthread_mutex_lock(&w->lock);
	list_append(&w->queue_head, &w->queue_tail, rc);
	w->backlog++;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

size_t writer_backlog(writer *w)
{
	pthread_mutex_lock(&w->lock);
	size_t n = w->backlog;
	pthread_mutex_unlock(&w->lock);
	return n;
}

void writer_get_stats(writer *w, writer_stats *out)
{
	pthread_mutex_lock(&w->lock);
	*out = w->stats;
	pthread_mutex_unlock(&w->lock);
}

/* Take a batch off the queue: at most batch_max_writes requests and about
 * batch_max_bytes of request frames. Returns the count. */
static size_t take_batch(writer *w, request_ctx **batch, size_t max)
{
	size_t n = 0;
	uint64_t bytes = 0;
	while (w->queue_head && n < max) {
		request_ctx *rc = w->queue_head;
		if (n > 0 && bytes + rc->wire_size > w->srv->cfg.batch_max_bytes)
			break;
		w->queue_head = rc->writer_next;
		if (!w->queue_head)
			w->queue_tail = NULL;
		batch[n++] = rc;
		bytes += rc->wire_size;
	}
	return n;
}

/* Put requests back at the front of the queue, in order. */
static void push_front(writer *w, request_ctx **batch, size_t n)
{
	if (n == 0)
		return;
	pthread_mutex_lock(&w->lock);
	for (size_t i = n; i-- > 0;) {
		batch[i]->writer_next = w->queue_head;
		w->queue_head = batch[i];
		if (!w->queue_tail)
			w->queue_tail = batch[i];
	}
	pthread_mutex_unlock(&w->lock);
}

static void fail_request(request_ctx *rc, int mdb_rc)
{
	rc->resp.body_case = LEADD__RESPONSE__BODY__NOT_SET;
	dispatch_store_error(rc, mdb_rc);
}

static void fatal_if_panic(int rc)
{
	if (rc == MDB_PANIC) {
		/* LMDB cannot go on; systemd restarts us and LMDB recovers. */
		log_error("LMDB panic: the environment must be reopened; exiting");
		_exit(1);
	}
}

static void count_replay(writer *w, int grew)
{
	pthread_mutex_lock(&w->lock);
	w->stats.replays++;
	w->stats.map_grows += grew;
	pthread_mutex_unlock(&w->lock);
}

/* Apply batch[0..*n) in one transaction and commit. On a fault raised while
 * a request runs (an LMDB error, or a handler that wrote and then failed):
 * grow the map and replay when the map is full; otherwise commit the
 * requests before the one at fault, and run that one alone before the rest,
 * which go back to the front of the queue. A request that still faults when
 * alone gets the error; no other request pays for it. A failed commit fails
 * the whole batch: nothing of it is stored and no request is to blame.
 * Returns how many requests were committed (0 or *n); *n may shrink. */
/* Rights as of this transaction: a request whose principal was derived
 * before the last committed change to users, teams or sessions, or that
 * follows such a change staged earlier in this transaction, has them
 * derived again here first. The loop checked them when it started the
 * request, but a disable or a demotion may have been committed (or be in
 * this very transaction) since. Later chunks of a request that spans
 * several commits check for themselves. */
static int rights_stale(const request_ctx *rc, int staged)
{
	return rc->conn && rc->entry->min_role > ROLE_NONE && !rc->chunks_done &&
	       (staged || rc->who.auth_commits != session_auth_commits());
}

static int run_one(request_ctx *rc, store_txn *t, int staged)
{
	if (rights_stale(rc, staged)) {
		dispatch_run_write_reset(rc);
		if (session_recheck(rc, t, &rc->arena) != LD_OK)
			return rc->code;
	}
	return dispatch_run_write(rc, t);
}

static size_t run_batch(writer *w, request_ctx **batch, size_t *n)
{
	store *st = &w->srv->st;
	for (;;) {
		store_txn t;
		int rc = store_txn_begin(st, &t, 1);
		size_t faulted = 0;
		int wrote_then_failed = 0, in_commit = 0, staged = 0;
		if (rc == 0) {
			for (size_t i = 0; i < *n; i++) {
				uint64_t puts = t.puts;
				int code = run_one(batch[i], &t, staged);
				staged |= code == LD_OK && batch[i]->auth_changed;
				if (writer_fault_hook && !t.ret)
					writer_fault_hook(batch[i], &t);
				if (t.ret || (code != LD_OK && t.puts != puts)) {
					/* A handler that wrote and then failed cannot be
					 * undone alone inside a shared transaction. */
					wrote_then_failed = !t.ret;
					rc = t.ret ? t.ret : MDB_BAD_TXN;
					faulted = i;
					break;
				}
			}
		}
		if (rc == 0) {
			/* Bounded, in a nested transaction: it never fails the batch. */
			changelog_trim(&t, &w->srv->cfg, server_now_ms());
			rc = store_txn_commit(&t);
			if (rc == 0) {
				if (staged)
					session_auth_committed();
				return *n;
			}
			in_commit = 1;
		} else {
			store_txn_abort(&t);
		}
		fatal_if_panic(rc);
		if (rc == MDB_MAP_FULL && store_grow(st) == 0) {
			count_replay(w, 1);
			continue;
		}
		if (!in_commit && *n > 1) {
			/* Commit the prefix, or run the request at fault alone; the
			 * rest waits at the front of the queue. */
			size_t keep = faulted > 0 ? faulted : 1;
			push_front(w, batch + keep, *n - keep);
			*n = keep;
			count_replay(w, 0);
			continue;
		}
		if (wrote_then_failed) {
			/* Alone, its transaction is simply dropped: nothing of it is
			 * stored, so its own answer is true. */
			log_error("%s wrote and then failed (%s); nothing of it was stored",
				  batch[0]->entry->name, batch[0]->message);
			return 0;
		}
		/* A full disk is logged once by store_txn_commit. */
		if (rc != ENOSPC && rc != EDQUOT)
			log_warn("write of %zu request(s) failed: %s", *n, store_strerror(rc));
		for (size_t k = 0; k < *n; k++)
			fail_request(batch[k], rc);
		return 0;
	}
}

static void *writer_main(void *arg)
{
	writer *w = arg;
	size_t max = w->srv->cfg.batch_max_writes;
	request_ctx **batch = calloc(max, sizeof(*batch));
	if (!batch) {
		log_error("writer: out of memory");
		_exit(1);
	}
	for (;;) {
		pthread_mutex_lock(&w->lock);
		while (!w->queue_head && !w->stopping)
			pthread_cond_wait(&w->wake, &w->lock);
		if (!w->queue_head && w->stopping) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		size_t n = take_batch(w, batch, max);
		pthread_mutex_unlock(&w->lock);

		size_t committed = run_batch(w, batch, &n);
		int draining = atomic_load(&w->draining);
		size_t ok = 0, finished = 0;
		for (size_t i = 0; i < n; i++) {
			request_ctx *rc = batch[i];
			/* What a chunk loaded is not kept while its request waits
			 * for the next one (or for its answer to be sent). */
			ld_arena_reset(&rc->chunk_arena);
			if (committed && rc->code == LD_OK) {
				ok++;
				if (rc->chunk_commit)
					rc->chunk_commit(rc);
			}
			if (!committed || rc->code != LD_OK)
				rc->again = 0;
			/* A request split over several commits goes to the back of
			 * the queue for its next chunk, so other connections' writes
			 * interleave; its own connection waits (it is a barrier).
			 * When leadd is stopping, a request that may stop between
			 * chunks answers with what it did instead. */
			if (rc->again && draining && rc->chunk_stoppable) {
				rc->again = 0;
				rc->chunk_stopped = 1;
			}
			if (rc->again)
				continue;
			if (rc->chunk_finish)
				rc->chunk_finish(rc);
			dispatch_pack(rc);
		}
		pthread_mutex_lock(&w->lock);
		if (committed) {
			w->stats.commits++;
			w->stats.writes += ok;
			if (n > w->stats.max_batch)
				w->stats.max_batch = (uint32_t)n;
		}
		for (size_t i = 0; i < n; i++) {
			request_ctx *rc = batch[i];
			if (rc->again) {
				list_append(&w->queue_head, &w->queue_tail, rc);
				continue;
			}
			list_append(&w->done_head, &w->done_tail, rc);
			finished++;
		}
		w->backlog -= finished;
		pthread_mutex_unlock(&w->lock);
		uv_async_send(&w->async);
	}
	free(batch);
	return NULL;
}

/* Loop thread: hand finished requests to their connections. */
static void on_async(uv_async_t *h)
{
	writer *w = h->data;
	pthread_mutex_lock(&w->lock);
	request_ctx *rc = w->done_head;
	w->done_head = w->done_tail = NULL;
	pthread_mutex_unlock(&w->lock);
	while (rc) {
		request_ctx *next = rc->writer_next;
		w->on_done(rc);
		rc = next;
	}
	/* A commit is done (this wake follows each one, chunks of a bulk move
	 * included): watchers read the change log after it. */
	watch_kick();
}

writer *writer_start(server *srv, uv_loop_t *loop, void (*on_done)(request_ctx *rc))
{
	writer *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->srv = srv;
	w->on_done = on_done;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	uv_async_init(loop, &w->async, on_async);
	w->async.data = w;
	int rc = pthread_create(&w->thread, NULL, writer_main, w);
	if (rc != 0) {
		log_error("cannot start the writer thread: %s", strerror(rc));
		uv_close((uv_handle_t *)&w->async, NULL);
		return NULL;
	}
	return w;
}

static void on_async_closed(uv_handle_t *h)
{
	writer *w = h->data;
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	free(w);
}

void writer_drain(writer *w)
{
	atomic_store(&w->draining, 1);
}

void writer_stop(writer *w)
{
	pthread_mutex_lock(&w->lock);
	w->stopping = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	on_async(&w->async);
	uv_close((uv_handle_t *)&w->async, on_async_closed);
}
