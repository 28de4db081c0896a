/* fuzz_tls net: the same mutations sent to a running leadd over TCP, so
 * they go through net.c's TLS path (server/net_tls.c), not only the
 * engine. tests/fuzz/fuzz_tls_net.py starts leadd (TLS only, on
 * 127.0.0.2), runs this, then checks leadd still serves, stops cleanly
 * and `leadd verify` passes.
 *
 * Each iteration is one connection:
 * - a mutated ClientHello (or its records), sent in random pieces;
 * - or a clean handshake, then mutated frames encrypted (after a real
 *   Hello or not), sometimes with the ciphertext itself mutated;
 * and whatever leadd sends back is read until it closes or goes quiet:
 * over an intact session, every record must decrypt and every frame
 * decode as a ServerMessage. Every 25 iterations a clean client must get
 * its HelloReply within 2 s. The connection is closed at random with a
 * FIN or a reset. */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz_check.h"
#include "fuzz_tls.h"
#include "ld_client.h"
#include "ld_frame.h"

static struct addrinfo *server;
static long refused_handshakes;

void fuzz_tls_net_init(const char *addr)
{
	char host[256], port[32], err[256];
	if (ld_parse_hostport(addr, host, sizeof(host), port, sizeof(port), err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_tls net: %s\n", err);
		exit(2);
	}
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM};
	if (getaddrinfo(host, port, &hints, &server) != 0) {
		fprintf(stderr, "fuzz_tls net: cannot resolve %s\n", addr);
		exit(2);
	}
}

void fuzz_tls_net_end(void)
{
	freeaddrinfo(server);
	printf("fuzz_tls net: %ld handshakes refused by leadd's limits\n", refused_handshakes);
}

static int net_open(void)
{
	int fd = socket(server->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, server->ai_addr, server->ai_addrlen) != 0) {
		fuzz_fail("cannot connect to leadd: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Close with a FIN, or (one time in four) a reset. */
static void net_close(int fd)
{
	if (fuzz_below(4) == 0) {
		struct linger l = {.l_onoff = 1, .l_linger = 0};
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	}
	close(fd);
}

/* All of b, in random pieces. 0, or -1 when leadd closed already. */
static int net_send(int fd, const uint8_t *b, size_t len)
{
	for (size_t off = 0; off < len;) {
		size_t k = fuzz_below(2) ? len - off : 1 + fuzz_below(len - off);
		ssize_t n = send(fd, b + off, k, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

/* What leadd sends, appended to got: waits up to first_ms for the first
 * bytes, then until quiet_ms pass without more. 1 when it closed the
 * connection, 0 when it went quiet. */
static int net_recv(int fd, fuzz_bytes *got, int first_ms, int quiet_ms)
{
	for (size_t had = got->len;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(&p, 1, got->len > had ? quiet_ms : first_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		uint8_t buf[16384];
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 1;
		fuzz_bytes_append(got, buf, (size_t)n);
	}
}

/* A clean handshake over fd. 0; 1 when leadd refused it at its limits
 * (a plaintext answer); -1 after counting a failure. */
static int net_handshake(int fd, ld_tls *cli)
{
	for (int round = 0; round < 8; round++) {
		int rc = ld_tls_handshake(cli);
		fuzz_bytes out = {0}, in = {0};
		fuzz_tls_take(cli, &out);
		int sent = out.len ? net_send(fd, out.data, out.len) : 0;
		free(out.data);
		if (rc == LD_TLS_OK)
			return 0;
		if (rc == LD_TLS_ERROR || sent < 0)
			break;
		int closed = net_recv(fd, &in, 2000, 5);
		/* A refusal at the caps is a plaintext frame, not a record. */
		if (in.len >= 1 && in.data[0] != LD_TLS_RECORD_HANDSHAKE && round == 0) {
			free(in.data);
			refused_handshakes++;
			return 1;
		}
		if (in.len && ld_tls_feed(cli, in.data, in.len) != 0)
			abort();
		free(in.data);
		if (closed && !in.len)
			break;
	}
	fuzz_fail("a clean handshake with leadd failed: %s", ld_tls_error(cli));
	return -1;
}

/* Decrypt what leadd sent; every frame must be a ServerMessage. When
 * our records were changed, leadd may end with an alert (an error here);
 * otherwise every record must decrypt. Returns the number of frames. */
static long check_answers(ld_tls *cli, const fuzz_bytes *in, int changed)
{
	if (in->len && ld_tls_feed(cli, in->data, in->len) != 0)
		abort();
	ld_frame_decoder dec;
	ld_frame_decoder_init(&dec, LD_FRAME_MAX);
	long frames = 0;
	for (;;) {
		size_t avail, got = 0;
		uint8_t *space = ld_frame_decoder_space(&dec, 16384, &avail);
		if (!space)
			abort();
		int rc = fuzz_tls_outcome(cli, ld_tls_read(cli, space, avail, &got), "client");
		if (rc == LD_TLS_ERROR) {
			if (!changed)
				fuzz_fail("leadd's records do not decrypt: %s", ld_tls_error(cli));
			break;
		}
		if (rc != LD_TLS_OK)
			break;
		ld_frame_decoder_commit(&dec, got);
	}
	const uint8_t *frame;
	uint32_t flen;
	while (ld_frame_next(&dec, &frame, &flen) == LD_FRAME_OK) {
		Leadd__ServerMessage *m = leadd__server_message__unpack(NULL, flen, frame);
		if (!m) {
			fuzz_fail("leadd sent a frame that is not a ServerMessage");
			break;
		}
		leadd__server_message__free_unpacked(m, NULL);
		frames++;
	}
	if (ld_frame_pending(&dec) && ld_frame_pending(&dec) < LD_FRAME_HEADER)
		fuzz_fail("leadd's answers end inside a frame header");
	ld_frame_decoder_free(&dec);
	return frames;
}

static size_t hello_frame(uint8_t *out, size_t cap)
{
	Leadd__Request r = LEADD__REQUEST__INIT;
	Leadd__HelloRequest h = LEADD__HELLO_REQUEST__INIT;
	h.has_protocol_version = 1;
	h.protocol_version = LD_PROTOCOL_VERSION;
	h.client_name = "fuzz_tls";
	r.has_id = 1;
	r.id = 1;
	r.body_case = LEADD__REQUEST__BODY_HELLO;
	r.hello = &h;
	size_t n = leadd__request__get_packed_size(&r);
	if (n + LD_FRAME_HEADER > cap)
		abort();
	ld_frame_put_header(out, (uint32_t)n);
	leadd__request__pack(&r, out + LD_FRAME_HEADER);
	return n + LD_FRAME_HEADER;
}

/* A mutated ClientHello to leadd. */
static void net_hostile_hello(void)
{
	ld_tls *cli = ld_tls_new(fuzz_tls.cli, 0, fuzz_below(2) ? "leadd.test" : NULL);
	if (!cli)
		abort();
	(void)ld_tls_handshake(cli);
	static uint8_t b[FUZZ_TLS_MAX_FLIGHT];
	size_t len = ld_tls_take_output(cli, b, sizeof(b));
	int changed;
	len = fuzz_tls_mutate_flight(b, len, 1, &changed);
	int fd = net_open();
	if (fd >= 0) {
		fuzz_bytes in = {0};
		if (net_send(fd, b, len) == 0)
			(void)net_recv(fd, &in, 50, 5);
		free(in.data);
		net_close(fd);
	}
	ld_tls_free(cli);
}

/* A clean handshake, then mutated frames (and sometimes records). */
static void net_hostile_frames(const fuzz_corpus *requests)
{
	ld_tls *cli = ld_tls_new(fuzz_tls.cli, 0, NULL);
	if (!cli)
		abort();
	int fd = net_open();
	if (fd < 0 || net_handshake(fd, cli) != 0) {
		if (fd >= 0)
			net_close(fd);
		ld_tls_free(cli);
		return;
	}
	static uint8_t wire[FUZZ_TLS_MAX_FLIGHT];
	if (fuzz_below(2)) {
		size_t n = hello_frame(wire, sizeof(wire));
		if (ld_tls_write(cli, wire, n) != 0)
			abort();
	}
	int frames = 1 + (int)fuzz_below(8);
	for (int i = 0; i < frames; i++) {
		const fuzz_seed *s = fuzz_corpus_pick(requests);
		uint8_t *body = wire + LD_FRAME_HEADER;
		memcpy(body, s->data, s->len);
		size_t len = fuzz_mutate(requests, body, s->len, FUZZ_MAX_INPUT);
		ld_frame_put_header(wire, (uint32_t)len);
		if (fuzz_below(16) == 0)
			wire[fuzz_below(LD_FRAME_HEADER)] = (uint8_t)fuzz_rnd();
		if (ld_tls_write(cli, wire, LD_FRAME_HEADER + len) != 0)
			abort();
	}
	fuzz_bytes out = {0}, in = {0};
	fuzz_tls_take(cli, &out);
	int changed = 0;
	if (fuzz_below(8) == 0 && out.len <= FUZZ_TLS_MAX_FLIGHT) {
		static uint8_t m[FUZZ_TLS_MAX_FLIGHT];
		memcpy(m, out.data, out.len);
		size_t len = fuzz_tls_mutate_flight(m, out.len, 0, &changed);
		out.len = 0;
		fuzz_bytes_append(&out, m, len);
	}
	(void)net_send(fd, out.data, out.len);
	(void)net_recv(fd, &in, 100, 10);
	/* Whatever leadd made of them, what it sent is its own records. */
	long answers = check_answers(cli, &in, changed);
	fuzz_tls_seen.answers += answers;
	free(out.data);
	free(in.data);
	net_close(fd);
	ld_tls_free(cli);
}

/* A clean client gets its HelloReply within 2 s. */
static void net_health(void)
{
	ld_tls *cli = ld_tls_new(fuzz_tls.cli, 0, NULL);
	if (!cli)
		abort();
	int fd = net_open();
	int rc = fd < 0 ? -1 : net_handshake(fd, cli);
	if (rc == 0) {
		uint8_t wire[256];
		size_t n = hello_frame(wire, sizeof(wire));
		fuzz_bytes out = {0}, in = {0};
		if (ld_tls_write(cli, wire, n) != 0)
			abort();
		fuzz_tls_take(cli, &out);
		int ok = net_send(fd, out.data, out.len) == 0;
		if (ok)
			(void)net_recv(fd, &in, 2000, 10);
		if (check_answers(cli, &in, 0) < 1)
			fuzz_fail("leadd gave a clean client no HelloReply within 2 s");
		fuzz_tls_seen.completed++;
		free(out.data);
		free(in.data);
	} else if (rc == 1) {
		fuzz_fail("leadd refused a clean client at its limits");
	}
	if (fd >= 0)
		close(fd);
	ld_tls_free(cli);
}

void fuzz_tls_net_iteration(const fuzz_corpus *requests)
{
	if (fuzz_iteration % 25 == 0)
		net_health();
	if (fuzz_below(2))
		net_hostile_hello();
	else
		net_hostile_frames(requests);
}
