#include "auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static char dummy_hash[crypto_pwhash_STRBYTES];

int auth_init(void)
{
	if (sodium_init() < 0) {
		log_error("libsodium failed to initialise");
		return -1;
	}
	/* A hash of a random password nobody knows: unknown users are checked
	 * against it so a missing user costs the same as a wrong password. */
	uint8_t random_pw[24];
	char pw[sizeof(random_pw) * 2 + 1];
	randombytes_buf(random_pw, sizeof(random_pw));
	sodium_bin2hex(pw, sizeof(pw), random_pw, sizeof(random_pw));
	int rc = auth_hash_password(pw, dummy_hash);
	sodium_memzero(pw, sizeof(pw));
	return rc;
}

const char *auth_dummy_hash(void)
{
	return dummy_hash;
}

int auth_hash_password(const char *password, char out[crypto_pwhash_STRBYTES])
{
	return crypto_pwhash_str(out, password, strlen(password),
				 crypto_pwhash_OPSLIMIT_INTERACTIVE,
				 crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0
		       ? 0
		       : -1;
}

int auth_verify_password(const char *hash, const char *password)
{
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

/* ---- the hash queue ---- */

/* Waiting jobs queue per source (a client address, or an IPv6 /64), each
 * source's in arrival order. Which source goes next is chosen in
 * pick_next. The number of sources with jobs waiting is bounded by the
 * connections that may hold a password check (one request in flight
 * before login), so they are kept in a plain list. */
typedef struct auth_source auth_source;

typedef struct auth_job {
	uv_work_t req;
	auth_fn work, after;
	void *arg;
	uint64_t seq;          /* arrival order */
	struct auth_job *next; /* in its source's queue */
} auth_job;

struct auth_source {
	char key[AUTH_SOURCE_MAX];
	auth_job *head, *tail;
	unsigned waiting;
	auth_source *prev, *next; /* the sources with jobs waiting */
};

static unsigned max_running = 1, running;
static auth_source *sources;
static uint64_t next_seq;

void auth_set_concurrency(unsigned n)
{
	max_running = n ? n : 1;
}

/* ---- per-key records: failures and hashes served ---- */

/* One record per source address ("a:"), per (user, address) pair ("p:")
 * and per source's recent hash service ("h:"). A fixed table: a flood of
 * made-up user names can only push out the records it made, in 8-way sets
 * with the least recently touched one reused. */
#define SLOTS 8192
#define SLOT_WAYS 8

typedef struct {
	char key[AUTH_SOURCE_MAX + 80]; /* "p:ADDRESS user", "a:ADDRESS", "h:ADDRESS" */
	uint32_t failures;
	uint64_t last_ms; /* last failure (or service, for "h:") */
	double served;    /* hashes run for this source, halving every 30 s */
} auth_slot;

static auth_slot slots[SLOTS];

uint64_t auth_key_hash(const char *key)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (const char *p = key; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ull;
	return h;
}

static auth_slot *slot_for(const char *kind, const char *addr, const char *user, int create)
{
	char key[sizeof(slots[0].key)];
	/* User names longer than any valid one are cut: such a user cannot
	 * exist, and all of them count as one. */
	snprintf(key, sizeof(key), "%s:%s%s%.65s", kind, addr, user ? " " : "", user ? user : "");
	size_t set = (size_t)(auth_key_hash(key) % (SLOTS / SLOT_WAYS)) * SLOT_WAYS;
	auth_slot *oldest = NULL;
	for (unsigned i = 0; i < SLOT_WAYS; i++) {
		auth_slot *s = &slots[set + i];
		if (strcmp(s->key, key) == 0)
			return s;
		if (!oldest || s->last_ms < oldest->last_ms)
			oldest = s;
	}
	if (!create)
		return NULL;
	memset(oldest, 0, sizeof(*oldest));
	snprintf(oldest->key, sizeof(oldest->key), "%s", key);
	return oldest;
}

#define SERVED_HALF_LIFE_MS 30000.0

static double served_now(const auth_slot *s, uint64_t now_ms)
{
	if (!s || s->served <= 0)
		return 0;
	/* Halve once per half-life, then linearly within the last one. */
	double v = s->served, age = (double)(now_ms - s->last_ms);
	for (; age >= SERVED_HALF_LIFE_MS && v > 1e-3; age -= SERVED_HALF_LIFE_MS)
		v *= 0.5;
	return v > 1e-3 ? v * (1.0 - 0.5 * age / SERVED_HALF_LIFE_MS) : 0;
}

static void drop_source(auth_source *src)
{
	if (src->prev)
		src->prev->next = src->next;
	else
		sources = src->next;
	if (src->next)
		src->next->prev = src->prev;
	free(src);
}

/* The source to serve next: the one with the fewest hashes run lately that
 * did not let anyone in (halving every 30 s) plus jobs waiting, so an
 * address that keeps asking sinks behind one that asks little. Among
 * equals the newest job goes first: a storm from many addresses that each
 * asked once (every one of them equal to a newcomer) cannot make a login
 * that arrives after it wait for all of it; the storm's addresses fall
 * behind as they are served, since serving a source raises its count
 * (which also gives round robin between busy sources). */
static auth_source *pick_next(uint64_t now_ms)
{
	auth_source *best = NULL;
	double best_prio = 0;
	for (auth_source *src = sources; src; src = src->next) {
		double prio = served_now(slot_for("h", src->key, NULL, 0), now_ms) + src->waiting;
		if (!best || prio < best_prio ||
		    (prio == best_prio && src->head->seq > best->head->seq)) {
			best = src;
			best_prio = prio;
		}
	}
	return best;
}

static void job_work(uv_work_t *req)
{
	auth_job *j = req->data;
	j->work(j->arg);
}

static void start_waiting(uv_loop_t *loop);

static void job_after(uv_work_t *req, int status)
{
	(void)status;
	auth_job *j = req->data;
	uv_loop_t *loop = req->loop;
	running--;
	j->after(j->arg);
	free(j);
	start_waiting(loop);
}

static void start_waiting(uv_loop_t *loop)
{
	uint64_t now = uv_now(loop);
	while (running < max_running && sources) {
		auth_source *src = pick_next(now);
		auth_job *j = src->head;
		src->head = j->next;
		if (!src->head)
			src->tail = NULL;
		src->waiting--;
		auth_slot *h = slot_for("h", src->key, NULL, 1);
		h->served = served_now(h, now) + 1;
		h->last_ms = now;
		if (!src->waiting)
			drop_source(src);
		j->req.data = j;
		/* libuv refuses only a NULL work callback: a failure here is a
		 * bug, and answering from inside auth_queue would re-enter the
		 * caller's request loop. */
		if (uv_queue_work(loop, &j->req, job_work, job_after) != 0) {
			log_error("cannot queue password work on the thread pool");
			abort();
		}
		running++;
	}
}

int auth_queue(uv_loop_t *loop, const char *source, unsigned per_source_cap, auth_fn work,
	       auth_fn after, void *arg)
{
	auth_source *src = sources;
	while (src && strcmp(src->key, source) != 0)
		src = src->next;
	if (src && per_source_cap && src->waiting >= per_source_cap)
		return AUTH_QUEUE_FULL;
	auth_job *j = calloc(1, sizeof(*j));
	if (!j)
		return -1;
	if (!src) {
		src = calloc(1, sizeof(*src));
		if (!src) {
			free(j);
			return -1;
		}
		size_t n = strlen(source);
		n = n < sizeof(src->key) ? n : sizeof(src->key) - 1;
		memcpy(src->key, source, n);
		src->next = sources;
		if (sources)
			sources->prev = src;
		sources = src;
	}
	j->work = work;
	j->after = after;
	j->arg = arg;
	j->seq = next_seq++;
	if (src->tail)
		src->tail->next = j;
	else
		src->head = j;
	src->tail = j;
	src->waiting++;
	start_waiting(loop);
	return 0;
}

int auth_cancel(void *arg)
{
	for (auth_source *src = sources; src; src = src->next) {
		auth_job *prev = NULL;
		for (auth_job *j = src->head; j; prev = j, j = j->next) {
			if (j->arg != arg)
				continue;
			if (prev)
				prev->next = j->next;
			else
				src->head = j->next;
			if (src->tail == j)
				src->tail = prev;
			free(j);
			if (!--src->waiting)
				drop_source(src);
			return 1;
		}
	}
	return 0;
}

unsigned auth_waiting(void)
{
	unsigned n = 0;
	for (const auth_source *src = sources; src; src = src->next)
		n += src->waiting;
	return n;
}

/* ---- throttling ---- */

/* Failures per (user, address) pair: 5 free, then each further attempt
 * must wait 5 s after the last failure, doubling, at most 5 minutes. Per
 * address (a NAT may hide a whole office): 20 free, then 1 s doubling to
 * 60 s. Counts forget 15 minutes after their last failure. */
#define PAIR_FREE 5
#define PAIR_FIRST_MS 5000u
#define PAIR_MAX_MS 300000u
#define ADDR_FREE 20
#define ADDR_FIRST_MS 1000u
#define ADDR_MAX_MS 60000u
#define FORGET_MS (15u * 60 * 1000)

static uint32_t wait_for(const auth_slot *s, uint32_t free_failures, uint32_t first_ms,
			 uint32_t max_ms, uint64_t now_ms)
{
	if (!s || now_ms - s->last_ms > FORGET_MS || s->failures < free_failures)
		return 0;
	uint32_t shift = s->failures - free_failures;
	uint64_t wait = shift >= 20 ? max_ms : (uint64_t)first_ms << shift;
	if (wait > max_ms)
		wait = max_ms;
	uint64_t until = s->last_ms + wait;
	return until > now_ms ? (uint32_t)(until - now_ms) : 0;
}

uint32_t auth_throttle_wait_ms(const char *user, const char *addr, uint64_t now_ms)
{
	uint32_t wp = wait_for(slot_for("p", addr, user ? user : "", 0), PAIR_FREE, PAIR_FIRST_MS,
			       PAIR_MAX_MS, now_ms);
	uint32_t wa = wait_for(slot_for("a", addr, NULL, 0), ADDR_FREE, ADDR_FIRST_MS, ADDR_MAX_MS,
			       now_ms);
	return wp > wa ? wp : wa;
}

static void count_failure(auth_slot *s, uint64_t now_ms)
{
	if (now_ms - s->last_ms > FORGET_MS)
		s->failures = 0;
	s->failures++;
	s->last_ms = now_ms;
}

void auth_throttle_failure(const char *user, const char *addr, uint64_t now_ms)
{
	count_failure(slot_for("p", addr, user ? user : "", 1), now_ms);
	count_failure(slot_for("a", addr, NULL, 1), now_ms);
}

void auth_throttle_success(const char *user, const char *addr)
{
	/* A good login clears its own pair only. The address's count is left
	 * to fade: an attacker who holds one account must not be able to
	 * wipe the record of guessing at everybody else's. */
	auth_slot *p = slot_for("p", addr, user ? user : "", 0);
	if (p)
		p->failures = 0;
	/* A check that let someone in costs its address nothing in the queue
	 * order: it was charged when it started (so a busy address takes its
	 * turn while its checks run), and is refunded now. Otherwise a user
	 * who logged in a few times lately would sink behind a storm from many
	 * addresses that each failed once. */
	auth_slot *h = slot_for("h", addr, NULL, 0);
	if (h)
		h->served = h->served >= 1 ? h->served - 1 : 0;
}

void auth_session_id(const uint8_t key[32], const uint8_t *token, size_t len,
		     uint8_t out[AUTH_SESSION_ID_BYTES])
{
	crypto_generichash(out, AUTH_SESSION_ID_BYTES, token, len, key, 32);
}

int auth_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > 64)
		return 0;
	for (const char *p = name; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}
