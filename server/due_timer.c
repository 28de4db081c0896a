#include "due_timer.h"

#include "log.h"
#include "store.h"

static void on_timer(uv_timer_t *h);

uint64_t due_timer_recheck_ms(const due_timer *t)
{
	/* leadd-fault-test's shifted clock (LEADD_FAULT_CLOCK_FILE) moves by
	 * days at once: look often. */
	return server_clock_hook ? t->recheck_test_ms : t->recheck_ms;
}

static void schedule(due_timer *t, uint64_t ms)
{
	if (t->running)
		uv_timer_start(&t->timer, on_timer, ms, 0);
}

static void submit(due_timer *t)
{
	if (t->submit(t) < 0) {
		log_warn("%s: out of memory; trying again in %llu ms", t->what,
			 (unsigned long long)t->retry_ms);
		schedule(t, t->retry_ms);
		return;
	}
	t->in_flight = 1;
}

static void on_timer(uv_timer_t *h)
{
	due_timer *t = h->data;
	if (t->in_flight)
		return; /* its answer looks again */
	int64_t due;
	int err = store_first_time_key(&t->srv->st, t->dbi, &due);
	if (err) {
		log_warn("%s: reading %s failed: %s; trying again in %llu ms", t->what, t->index,
			 store_strerror(err), (unsigned long long)t->retry_ms);
		schedule(t, t->retry_ms);
		return;
	}
	int64_t now = server_now_ms();
	if (due && due <= now) {
		submit(t);
		return;
	}
	uint64_t wait = due_timer_recheck_ms(t);
	if (due && (uint64_t)(due - now) < wait)
		wait = (uint64_t)(due - now);
	schedule(t, wait);
}

void due_timer_done(due_timer *t, uint64_t next_ms)
{
	t->in_flight = 0;
	schedule(t, next_ms);
}

uint64_t due_timer_stale_wait(const due_timer *t, int64_t next_at)
{
	uint64_t next = due_timer_recheck_ms(t);
	int64_t wait = next_at ? next_at - server_now_ms() : -1;
	if (next_at && (uint64_t)(wait > 0 ? wait : 0) < next)
		next = (uint64_t)(wait > 0 ? wait : 0);
	return next;
}

void due_timer_kick(due_timer *t)
{
	if (t->running && !t->in_flight)
		schedule(t, 0);
}

void due_timer_start(due_timer *t, server *srv, uv_loop_t *loop)
{
	t->srv = srv;
	uv_timer_init(loop, &t->timer);
	t->timer.data = t;
	t->running = 1;
	/* At once: what fell due while leadd was stopped is handled now. */
	schedule(t, 0);
}

void due_timer_stop(due_timer *t)
{
	if (!t->running)
		return;
	t->running = 0;
	uv_timer_stop(&t->timer);
	uv_close((uv_handle_t *)&t->timer, NULL);
}
