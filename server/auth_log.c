#include "auth_log.h"

#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "log.h"

typedef struct {
	char user[80]; /* escaped; "" for a token login */
	char addr[AUTH_SOURCE_MAX];
	uint32_t failures, refused;
} pair_count;

static pair_count pairs[AUTH_LOG_PAIRS];
static unsigned n_pairs;
static uint32_t other_failures, other_refused;
static uint64_t window_start;
static int window_open;

/* A user name as the client sent it may hold anything (a newline would
 * forge a log line): print bytes outside printable ASCII as \xNN, and cut
 * what no valid name could be. */
static void escape_name(const char *in, char *out, size_t outlen)
{
	size_t o = 0;
	for (size_t i = 0; in[i] && o + 5 < outlen; i++) {
		unsigned char ch = (unsigned char)in[i];
		if (i == 64) {
			snprintf(out + o, outlen - o, "...");
			o += 3;
			break;
		}
		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", ch);
	}
	out[o] = 0;
}

static void who(const pair_count *p, char *out, size_t outlen)
{
	if (p->user[0])
		snprintf(out, outlen, "for %.79s from %.63s", p->user, p->addr);
	else
		snprintf(out, outlen, "with a session token from %.63s", p->addr);
}

void auth_log_success(const char *user, const char *addr)
{
	char name[80];
	escape_name(user ? user : "", name, sizeof(name));
	log_info("accepted password for %s from %s", name, addr);
}

void auth_log_failure(const char *user, const char *addr, const char *refused, uint64_t now_ms)
{
	if (!window_open) {
		window_open = 1;
		window_start = now_ms;
	}
	pair_count key = {0};
	if (user)
		escape_name(user[0] ? user : "(none)", key.user, sizeof(key.user));
	snprintf(key.addr, sizeof(key.addr), "%s", addr);
	for (unsigned i = 0; i < n_pairs; i++) {
		pair_count *p = &pairs[i];
		if (strcmp(p->user, key.user) == 0 && strcmp(p->addr, key.addr) == 0) {
			p->failures++;
			p->refused += refused != NULL;
			return;
		}
	}
	if (n_pairs == AUTH_LOG_PAIRS) {
		other_failures++;
		other_refused += refused != NULL;
		return;
	}
	pair_count *p = &pairs[n_pairs++];
	*p = key;
	p->failures = 1;
	p->refused = refused != NULL;
	char w[200];
	who(p, w, sizeof(w));
	if (refused)
		log_info("failed login %s (refused: %s)", w, refused);
	else
		log_info("failed login %s", w);
}

static void write_summaries(uint64_t now_ms)
{
	unsigned secs = (unsigned)((now_ms - window_start + 999) / 1000);
	char w[200];
	for (unsigned i = 0; i < n_pairs; i++) {
		const pair_count *p = &pairs[i];
		if (p->failures < 2)
			continue; /* its one line was written when it happened */
		who(p, w, sizeof(w));
		if (p->refused)
			log_info("%u failed logins %s in the last %u s (%u refused without a "
				 "password check)",
				 p->failures, w, secs, p->refused);
		else
			log_info("%u failed logins %s in the last %u s", p->failures, w, secs);
	}
	if (other_failures)
		log_info("%u more failed logins from other users or addresses in the last %u s "
			 "(%u refused without a password check)",
			 other_failures, secs, other_refused);
	n_pairs = 0;
	other_failures = other_refused = 0;
	window_open = 0;
}

void auth_log_tick(uint64_t now_ms)
{
	if (window_open && now_ms - window_start >= AUTH_LOG_WINDOW_MS)
		write_summaries(now_ms);
}

void auth_log_flush(uint64_t now_ms)
{
	if (window_open)
		write_summaries(now_ms);
}
