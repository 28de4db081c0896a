/* fuzz_tls: the protocol fuzz through the TLS layer; see fuzz_tls.h.
 *
 * Usage: fuzz_tls frames|records [ITERATIONS]
 *        fuzz_tls net HOST:PORT [ITERATIONS]   (a running leadd; fuzz_tls_net.py)
 * LEADD_FUZZ_SEED picks another PRNG seed (the failing seed and iteration
 * are printed). */
#include "fuzz_tls.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "fuzz_check.h"
#include "tls_cert.h"

fuzz_tls_env fuzz_tls;
fuzz_tls_counts fuzz_tls_seen;

/* The distinct error sentences seen, printed at the end: what a person
 * reading leadd's log or lead's error would get. */
#define MAX_SENTENCES 64
static struct {
	char text[256];
	long count;
} sentences[MAX_SENTENCES];
static size_t n_sentences;

static void remember(const char *side, const char *s)
{
	char key[256];
	snprintf(key, sizeof(key), "%s: %s", side, s);
	for (size_t i = 0; i < n_sentences; i++) {
		if (strcmp(sentences[i].text, key) == 0) {
			sentences[i].count++;
			return;
		}
	}
	if (n_sentences < MAX_SENTENCES) {
		snprintf(sentences[n_sentences].text, sizeof(sentences[n_sentences].text), "%s",
			 key);
		sentences[n_sentences++].count = 1;
	}
}

/* A sentence for a person: printable, saying what failed and why ("TLS
 * handshake failed: bad extension"), with no OpenSSL function, prefix or
 * code in it ("error:0A00010B:SSL routines::...", "ssl3 ..."). */
static int is_sentence(const char *s)
{
	size_t n = strlen(s);
	const char *why = strstr(s, ": ");
	if (n < 12 || strncmp(s, "TLS ", 4) != 0 || !why || strlen(why) < 5)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return 0;
	static const char *const internal[] = {"SSL_",   "ssl_", "ssl3",   "tls_",
					       "error:", "0x",   "(null)", "routines"};
	for (size_t i = 0; i < sizeof(internal) / sizeof(internal[0]); i++)
		if (strstr(s, internal[i]))
			return 0;
	return 1;
}

int fuzz_tls_outcome(ld_tls *t, int rc, const char *side)
{
	switch (rc) {
	case LD_TLS_OK:
	case LD_TLS_WANT:
	case LD_TLS_CLOSED:
		return rc;
	case LD_TLS_ERROR: {
		const char *why = ld_tls_error(t);
		if (!is_sentence(why)) {
			fuzz_fail("the %s's TLS error is not a sentence: \"%s\"", side, why);
			return LD_TLS_ERROR;
		}
		remember(side, why);
		fuzz_tls_seen.errors++;
		return rc;
	}
	default:
		fuzz_fail("the %s's engine returned %d, not one of its outcomes", side, rc);
		return LD_TLS_ERROR;
	}
}

void fuzz_bytes_append(fuzz_bytes *b, const uint8_t *p, size_t n)
{
	if (n == 0)
		return;
	if (b->len + n > b->cap) {
		size_t c = b->cap ? b->cap : 4096;
		while (c < b->len + n)
			c *= 2;
		uint8_t *q = realloc(b->data, c);
		if (!q)
			abort();
		b->data = q;
		b->cap = c;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void fuzz_bytes_drop(fuzz_bytes *b, size_t n)
{
	if (n == 0)
		return;
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

void fuzz_tls_take(ld_tls *from, fuzz_bytes *out)
{
	size_t n = ld_tls_output_pending(from);
	if (n == 0)
		return;
	uint8_t *p = malloc(n);
	if (!p)
		abort();
	n = ld_tls_take_output(from, p, n);
	fuzz_bytes_append(out, p, n);
	free(p);
}

void fuzz_tls_shuttle(ld_tls *from, ld_tls *to)
{
	size_t len;
	uint8_t *buf = ld_tls_take_output_all(from, &len);
	if (buf && ld_tls_feed(to, buf, len) != 0)
		abort();
	free(buf);
}

int fuzz_tls_pair(ld_tls **cli, ld_tls **srv)
{
	*cli = ld_tls_new(fuzz_tls.cli, 0, fuzz_below(2) ? "leadd.test" : "127.0.0.2");
	*srv = ld_tls_new(fuzz_tls.srv, 1, NULL);
	if (!*cli || !*srv)
		abort();
	for (int i = 0; i < 4; i++) {
		int rc = ld_tls_handshake(*cli);
		if (rc == LD_TLS_ERROR)
			break;
		fuzz_tls_shuttle(*cli, *srv);
		rc = ld_tls_handshake(*srv);
		if (rc == LD_TLS_ERROR)
			break;
		fuzz_tls_shuttle(*srv, *cli);
		if (ld_tls_handshake_done(*cli) && ld_tls_handshake_done(*srv))
			return 0;
	}
	fuzz_fail("a clean handshake failed: client: %s; server: %s", ld_tls_error(*cli),
		  ld_tls_error(*srv));
	ld_tls_free(*cli);
	ld_tls_free(*srv);
	*cli = *srv = NULL;
	return -1;
}

/* A hang is a failure too: the alarm names the iteration. */
static void watchdog(int sig)
{
	(void)sig;
	char msg[160];
	int n = snprintf(msg, sizeof(msg),
			 "%s: seed %llu iteration %ld: no answer in 30 s (a hang)\n", fuzz_prog,
			 (unsigned long long)fuzz_seed0, fuzz_iteration);
	if (write(2, msg, (size_t)n) < 0) {
		/* nothing more to do */
	}
	_exit(1);
}

static char dir[] = "/tmp/fuzz_tls.XXXXXX";
static char cert_path[64], key_path[64];

static void setup(void)
{
	char err[512];
	if (!mkdtemp(dir)) {
		perror("fuzz_tls: mkdtemp");
		exit(2);
	}
	snprintf(cert_path, sizeof(cert_path), "%s/tls.crt", dir);
	snprintf(key_path, sizeof(key_path), "%s/tls.key", dir);
	if (tls_cert_create(cert_path, key_path, "leadd.test", err, sizeof(err)) < 0 ||
	    !(fuzz_tls.srv = ld_tls_server_ctx(cert_path, key_path, err, sizeof(err))) ||
	    !(fuzz_tls.cli = ld_tls_client_ctx(err, sizeof(err))) ||
	    ld_tls_fingerprint_file(cert_path, fuzz_tls.fingerprint, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_tls: %s\n", err);
		exit(2);
	}
	unlink(cert_path);
	unlink(key_path);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	int frames = argc > 1 && strcmp(argv[1], "frames") == 0;
	int net = argc > 2 && strcmp(argv[1], "net") == 0;
	if (argc < 2 || (!frames && !net && strcmp(argv[1], "records") != 0)) {
		fprintf(stderr, "usage: fuzz_tls frames|records [ITERATIONS]\n"
				"       fuzz_tls net HOST:PORT [ITERATIONS]\n");
		return 2;
	}
	long iterations = argc > 2 + net ? atol(argv[2 + net]) : 20000;
	const char *env = getenv("LEADD_FUZZ_SEED");
	fuzz_prog = frames ? "fuzz_tls frames" : net ? "fuzz_tls net" : "fuzz_tls records";
	fuzz_seed0 = env ? strtoull(env, NULL, 10) : 0x1eadd;
	fuzz_rng_seed(fuzz_seed0);
	signal(SIGALRM, watchdog);
	setup();

	static fuzz_corpus requests;
	fuzz_corpus_init(&requests, FUZZ_MAX_INPUT);
	fuzz_corpus_add_requests(&requests);
	if (!frames)
		fuzz_tls_records_init();
	if (net)
		fuzz_tls_net_init(argv[2]);
	time_t start = time(NULL);
	for (fuzz_iteration = 0; fuzz_iteration < iterations && fuzz_failures < 10;
	     fuzz_iteration++) {
		/* The time cap keeps a slow (sanitized) build inside its ctest
		 * timeout; the count is what a normal build runs. */
		if ((fuzz_iteration & 63) == 0 && time(NULL) - start > 60)
			break;
		alarm(30);
		if (frames)
			fuzz_tls_frames_iteration(&requests);
		else if (net)
			fuzz_tls_net_iteration(&requests);
		else
			fuzz_tls_records_iteration();
		if (ERR_peek_error() != 0) {
			char what[256];
			ERR_error_string_n(ERR_peek_error(), what, sizeof(what));
			fuzz_fail("OpenSSL's error queue was left with %s", what);
			ERR_clear_error();
		}
	}
	alarm(0);
	if (frames)
		fuzz_tls_frames_end();
	else
		fuzz_tls_records_end();
	if (net)
		fuzz_tls_net_end();

	const fuzz_tls_counts *s = &fuzz_tls_seen;
	if (frames) {
		printf("%s: %ld iterations, seed %llu: %ld sessions, %ld frames, %ld accepted, "
		       "%ld refused, %ld answers read back, %ld close_notify, %d failure(s)\n",
		       fuzz_prog, fuzz_iteration, (unsigned long long)fuzz_seed0, s->sessions,
		       s->frames_sent, fuzz_accepted, fuzz_refused, s->answers, s->closes,
		       fuzz_failures);
		/* A run that decoded nothing tested nothing. */
		if (fuzz_accepted == 0 || fuzz_refused == 0 || s->answers == 0 || s->closes == 0)
			fuzz_fail("the run exercised too little (see the counts)");
	} else if (net) {
		printf("%s: %ld iterations, seed %llu: %ld clean clients served, %ld answer frames "
		       "read over fuzzed sessions, %d failure(s)\n",
		       fuzz_prog, fuzz_iteration, (unsigned long long)fuzz_seed0, s->completed,
		       s->answers, fuzz_failures);
		if (s->completed == 0 || s->answers == 0)
			fuzz_fail("the run exercised too little (see the counts)");
	} else {
		printf("%s: %ld iterations, seed %llu: %ld errors, %ld waits for more, %ld "
		       "handshakes completed, %ld checked round trips, %d failure(s)\n",
		       fuzz_prog, fuzz_iteration, (unsigned long long)fuzz_seed0, s->errors,
		       s->wants, s->completed, s->round_trips, fuzz_failures);
		if (s->errors == 0 || s->wants == 0 || s->completed == 0 || s->round_trips == 0)
			fuzz_fail("the run exercised too little (see the counts)");
	}
	printf("error sentences seen (side: sentence, count):\n");
	for (size_t i = 0; i < n_sentences; i++)
		printf("  %s  (%ld)\n", sentences[i].text, sentences[i].count);
	fuzz_corpus_free(&requests);
	SSL_CTX_free(fuzz_tls.srv);
	SSL_CTX_free(fuzz_tls.cli);
	return fuzz_failures ? 1 : 0;
}
