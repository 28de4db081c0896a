/* fuzz_tls frames: fuzz_request's frames through a pair of TLS engines.
 *
 * One session is a client engine and a server engine after a clean
 * handshake, the ciphertext in flight between them, and the server's frame
 * decoder. Each iteration the client writes one mutated frame (in one to
 * three writes, so in one to three records), and part or all of the
 * ciphertext in flight reaches the server in random chunks. The server
 * decrypts straight into the decoder's space, a random amount at a time
 * (so a record is often read in pieces, as when leadd's decoder is short
 * of room), and every complete frame goes through dispatch; a refusal is
 * encrypted back and must reach the client intact. A session ends as
 * leadd's connection would (a frame the decoder refuses, a close_notify
 * from the client) or at random, to start a fresh handshake. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "fuzz_tls.h"
#include "ld_frame.h"

static struct {
	int open;
	ld_tls *cli, *srv;
	ld_frame_decoder dec;
	fuzz_bytes sent; /* plaintext the client wrote that the server has not read */
	fuzz_bytes net;  /* ciphertext on its way to the server */
	int closing;     /* the client sent close_notify */
	int over;        /* leadd would close this connection now */
} S;

static void session_open(void)
{
	memset(&S, 0, sizeof(S));
	if (fuzz_tls_pair(&S.cli, &S.srv) < 0)
		return;
	S.open = 1;
	ld_frame_decoder_init(&S.dec, fuzz_below(2) ? LD_FRAME_MAX : LD_FRAME_MAX_PRELOGIN);
	fuzz_tls_seen.sessions++;
}

static void session_close(void)
{
	if (!S.open)
		return;
	ld_tls_free(S.cli);
	ld_tls_free(S.srv);
	ld_frame_decoder_free(&S.dec);
	free(S.sent.data);
	free(S.net.data);
	memset(&S, 0, sizeof(S));
}

/* A refusal, as leadd sends it: encrypted by the server, read back whole
 * by the client. */
static void answer_back(void *arg, const uint8_t *frame, size_t len)
{
	(void)arg;
	FUZZ_CHECK(ld_tls_write(S.srv, frame, len) == 0, "the server cannot encrypt an answer: %s",
		   ld_tls_error(S.srv));
	fuzz_tls_shuttle(S.srv, S.cli);
	uint8_t *got = malloc(len);
	if (!got)
		abort();
	size_t have = 0;
	for (size_t calls = 0; have < len && calls <= len; calls++) {
		size_t n = 0;
		size_t cap = fuzz_below(4) == 0 ? 1 + fuzz_below(len - have) : len - have;
		int rc = fuzz_tls_outcome(S.cli, ld_tls_read(S.cli, got + have, cap, &n), "client");
		if (rc != LD_TLS_OK)
			break;
		have += n;
	}
	int same = have == len && memcmp(got, frame, len) == 0;
	free(got);
	FUZZ_CHECK(same, "the client read back %zu bytes of a %zu-byte answer, or other bytes",
		   have, len);
	fuzz_tls_seen.answers++;
}

/* Decrypt what the server has into the decoder and dispatch the frames,
 * until the engine wants more bytes. */
static void pump(void)
{
	for (long calls = 0;; calls++) {
		FUZZ_CHECK(calls < (1L << 20), "the server's reads make no progress");
		size_t avail = 0;
		uint8_t *space = ld_frame_decoder_space(&S.dec, 1 + fuzz_below(32768), &avail);
		if (!space)
			abort();
		size_t cap = fuzz_below(4) == 0 ? 1 + fuzz_below(16) : avail;
		if (cap > avail)
			cap = avail;
		size_t got = 0;
		int rc = fuzz_tls_outcome(S.srv, ld_tls_read(S.srv, space, cap, &got), "server");
		if (rc == LD_TLS_WANT)
			return;
		if (rc == LD_TLS_CLOSED) {
			S.over = 1;
			FUZZ_CHECK(S.closing,
				   "the server saw a close_notify the client never sent");
			FUZZ_CHECK(S.sent.len == 0,
				   "close_notify came before %zu bytes of plaintext", S.sent.len);
			fuzz_tls_seen.closes++;
			return;
		}
		if (rc == LD_TLS_ERROR) {
			S.over = 1;
			FUZZ_CHECK(0, "the server refused intact records: %s", ld_tls_error(S.srv));
		}
		FUZZ_CHECK(got > 0 && got <= cap, "a read of %zu bytes into room for %zu", got,
			   cap);
		FUZZ_CHECK(got <= S.sent.len && memcmp(space, S.sent.data, got) == 0,
			   "the server read bytes the client did not write");
		fuzz_bytes_drop(&S.sent, got);
		ld_frame_decoder_commit(&S.dec, got);
		const uint8_t *frame;
		uint32_t flen;
		ld_frame_status st;
		while ((st = ld_frame_next(&S.dec, &frame, &flen)) == LD_FRAME_OK)
			fuzz_check_frame(frame, flen, answer_back, NULL);
		if (st < 0) {
			/* leadd answers with a final error and closes. */
			S.over = 1;
			return;
		}
	}
}

/* The first n bytes in flight reach the server, in random chunks. */
static void deliver(size_t n)
{
	size_t off = 0;
	while (off < n && !S.over) {
		size_t k = fuzz_below(4) == 0 ? n - off : 1 + fuzz_below(n - off);
		if (ld_tls_feed(S.srv, S.net.data + off, k) != 0)
			abort();
		off += k;
		pump();
	}
	fuzz_bytes_drop(&S.net, n);
}

void fuzz_tls_frames_iteration(const fuzz_corpus *requests)
{
	if (!S.open)
		session_open();
	if (!S.open)
		return;
	static uint8_t wire[LD_FRAME_HEADER + FUZZ_MAX_INPUT];
	uint8_t *body = wire + LD_FRAME_HEADER;
	const fuzz_seed *s = fuzz_corpus_pick(requests);
	memcpy(body, s->data, s->len);
	size_t len = fuzz_iteration < (long)requests->n
			     ? s->len
			     : fuzz_mutate(requests, body, s->len, FUZZ_MAX_INPUT);
	ld_frame_put_header(wire, (uint32_t)len);
	if (fuzz_below(16) == 0)
		wire[fuzz_below(LD_FRAME_HEADER)] = (uint8_t)fuzz_rnd();
	size_t total = LD_FRAME_HEADER + len;

	/* One to three writes: one to three records for one frame. */
	int pieces = 1 + (int)fuzz_below(3);
	for (size_t off = 0; pieces > 0; pieces--) {
		size_t k = pieces == 1 ? total - off : fuzz_below(total - off + 1);
		FUZZ_CHECK(ld_tls_write(S.cli, wire + off, k) == 0,
			   "the client cannot encrypt a frame: %s", ld_tls_error(S.cli));
		fuzz_bytes_append(&S.sent, wire + off, k);
		off += k;
	}
	fuzz_tls_seen.frames_sent++;
	if (fuzz_below(64) == 0) {
		ld_tls_close(S.cli);
		S.closing = 1;
	}
	size_t had = S.net.len;
	fuzz_tls_take(S.cli, &S.net);
	FUZZ_CHECK(S.net.len > had, "the client wrote a frame and sent nothing");

	if (S.closing)
		deliver(S.net.len);
	else if (fuzz_below(4) != 0)
		deliver(fuzz_below(2) ? S.net.len : fuzz_below(S.net.len + 1));
	if (S.closing && !S.over)
		fuzz_fail("the server read everything and did not see the close_notify");
	if (S.closing || S.over || fuzz_below(256) == 0)
		session_close();
}

void fuzz_tls_frames_end(void)
{
	session_close();
}
