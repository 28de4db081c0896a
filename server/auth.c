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

typedef struct auth_job {
	uv_work_t req;
	auth_fn work, after;
	void *arg;
	struct auth_job *next;
} auth_job;

static unsigned max_running = 1, running;
static auth_job *waiting_head, *waiting_tail;

void auth_set_concurrency(unsigned n)
{
	max_running = n ? n : 1;
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
	while (running < max_running && waiting_head) {
		auth_job *j = waiting_head;
		waiting_head = j->next;
		if (!waiting_head)
			waiting_tail = NULL;
		j->req.data = j;
		if (uv_queue_work(loop, &j->req, job_work, job_after) != 0) {
			log_error("cannot queue password work");
			j->after(j->arg); /* the arg sees an unfinished job and fails it */
			free(j);
			continue;
		}
		running++;
	}
}

int auth_queue(uv_loop_t *loop, auth_fn work, auth_fn after, void *arg)
{
	auth_job *j = calloc(1, sizeof(*j));
	if (!j)
		return -1;
	j->work = work;
	j->after = after;
	j->arg = arg;
	if (waiting_tail)
		waiting_tail->next = j;
	else
		waiting_head = j;
	waiting_tail = j;
	start_waiting(loop);
	return 0;
}

/* ---- throttling ---- */

#define THROTTLE_SLOTS 4096
#define THROTTLE_FREE_FAILURES 5
#define THROTTLE_MAX_MS 30000u
#define THROTTLE_FORGET_MS (15u * 60 * 1000)

typedef struct {
	char key[80]; /* "u:NAME" or "a:ADDRESS" */
	uint32_t failures;
	uint64_t last_ms;
} throttle_slot;

static throttle_slot slots[THROTTLE_SLOTS];

static throttle_slot *slot_for(const char *kind, const char *what, int create, uint64_t now)
{
	char key[80];
	snprintf(key, sizeof(key), "%s:%s", kind, what ? what : "");
	uint64_t h = 1469598103934665603ull;
	for (const char *p = key; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ull;
	/* Open addressing over a few neighbours; the oldest one is reused. */
	throttle_slot *oldest = NULL;
	for (unsigned i = 0; i < 8; i++) {
		throttle_slot *s = &slots[(h + i) % THROTTLE_SLOTS];
		if (strcmp(s->key, key) == 0) {
			if (now && now - s->last_ms > THROTTLE_FORGET_MS)
				s->failures = 0;
			return s;
		}
		if (!oldest || s->last_ms < oldest->last_ms)
			oldest = s;
	}
	if (!create)
		return NULL;
	memset(oldest, 0, sizeof(*oldest));
	snprintf(oldest->key, sizeof(oldest->key), "%s", key);
	return oldest;
}

static uint32_t delay_for(uint32_t failures)
{
	if (failures < THROTTLE_FREE_FAILURES)
		return 0;
	uint32_t shift = failures - THROTTLE_FREE_FAILURES;
	return shift >= 15 ? THROTTLE_MAX_MS
			   : (1000u << shift > THROTTLE_MAX_MS ? THROTTLE_MAX_MS : 1000u << shift);
}

uint32_t auth_throttle_delay_ms(const char *user, const char *addr, uint64_t now_ms)
{
	throttle_slot *u = slot_for("u", user, 0, now_ms);
	throttle_slot *a = slot_for("a", addr, 0, now_ms);
	uint32_t du = u ? delay_for(u->failures) : 0, da = a ? delay_for(a->failures) : 0;
	return du > da ? du : da;
}

void auth_throttle_failure(const char *user, const char *addr, uint64_t now_ms)
{
	throttle_slot *u = slot_for("u", user, 1, now_ms);
	throttle_slot *a = slot_for("a", addr, 1, now_ms);
	u->failures++;
	u->last_ms = now_ms;
	a->failures++;
	a->last_ms = now_ms;
}

void auth_throttle_success(const char *user, const char *addr)
{
	/* "In a row": a good login clears both counts. Someone guessing other
	 * users' passwords from an address where they have an account of their
	 * own still meets the target's per-user count, which only a good login
	 * of that user clears. */
	throttle_slot *u = slot_for("u", user, 0, 0);
	throttle_slot *a = slot_for("a", addr, 0, 0);
	if (u)
		u->failures = 0;
	if (a)
		a->failures = 0;
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
