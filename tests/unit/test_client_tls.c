/* The client library over TLS (common/ld_client_tls.c, ld_client.c's data
 * path) against a small leadd stand-in in a thread: the handshake and
 * requests through the engine (big ones both ways, pipelined), the trust
 * check before anything is sent, a certificate verified by an authority
 * and its host, auto staying plain on loopback, and a server that answers
 * in plaintext, in something else, or not at all -- never a hang.
 *
 * leadd itself over TLS is tested by tests/e2e/cli_tls*.sh; this one
 * needs no server and covers what leadd does not do (garbage, silence). */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "ld_client.h"
#include "ld_error.h"
#include "ld_frame.h"
#include "ld_tls.h"
#include "leadd.pb-c.h"
#include "tls_cert.h"

static char dir[] = "/tmp/test_client_tls.XXXXXX";
static char cert[200], key[200], ca_cert[200], leaf_cert[200], leaf_key[200];
static char self_fp[LD_TLS_FINGERPRINT_LEN];

enum mode {
	M_TLS,     /* a leadd over TLS with its self-signed pair */
	M_TLS_CA,  /* the same with a pair issued by the test's CA */
	M_PLAIN,   /* a leadd in plaintext */
	M_REFUSE,  /* a plaintext refusal at once (a connection limit) */
	M_GARBAGE, /* not leadd, not TLS */
	M_SILENT,  /* accepts and says nothing */
	M_TLS12,   /* a TLS server that speaks 1.2 at most */
};

struct fake {
	enum mode mode;
	int lfd, port;
	pthread_t th;
	size_t ping_payload; /* bytes of message in each Ping answer */
	/* What the server saw. */
	int first_byte;
	int frames;
	int clean_close; /* TLS close_notify, or EOF in plaintext */
};

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(cert, sizeof(cert), "%s/tls.crt", dir);
	snprintf(key, sizeof(key), "%s/tls.key", dir);
	char err[256];
	if (tls_cert_create(cert, key, "leadd.test", err, sizeof(err)) < 0 ||
	    ld_tls_fingerprint_file(cert, self_fp, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	/* A CA of the test's own and a pair it issued for "localhost": the
	 * client trusts it through SSL_CERT_FILE (OpenSSL's default verify
	 * paths), set before its context is made. */
	snprintf(ca_cert, sizeof(ca_cert), "%s/ca.crt", dir);
	snprintf(leaf_cert, sizeof(leaf_cert), "%s/leaf.crt", dir);
	snprintf(leaf_key, sizeof(leaf_key), "%s/leaf.key", dir);
	char cmd[2048];
	snprintf(cmd, sizeof(cmd),
		 "cd %s && "
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
		 "-keyout ca.key -out ca.crt -days 2 -subj /CN=test-ca "
		 "-addext basicConstraints=critical,CA:TRUE "
		 "-addext keyUsage=critical,keyCertSign >/dev/null 2>&1 && "
		 "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
		 "-keyout leaf.key -out leaf.csr -subj /CN=localhost >/dev/null 2>&1 && "
		 "printf 'subjectAltName=DNS:localhost\\n' >leaf.ext && "
		 "openssl x509 -req -in leaf.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
		 "-days 2 -extfile leaf.ext -out leaf.crt >/dev/null 2>&1",
		 dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "openssl could not make the test CA\n");
		return -1;
	}
	setenv("SSL_CERT_FILE", ca_cert, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int send_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int pump_out(int fd, ld_tls *t)
{
	size_t len;
	uint8_t *buf = ld_tls_take_output_all(t, &len);
	int rc = buf ? send_all(fd, buf, len) : 0;
	free(buf);
	return rc;
}

/* One ServerMessage as a frame, in plaintext or through t. */
static int send_message(int fd, ld_tls *t, Leadd__ServerMessage *sm)
{
	size_t n = leadd__server_message__get_packed_size(sm);
	uint8_t *buf = malloc(LD_FRAME_HEADER + n);
	assert_non_null(buf);
	ld_frame_put_header(buf, (uint32_t)n);
	leadd__server_message__pack(sm, buf + LD_FRAME_HEADER);
	int rc;
	if (t)
		rc = ld_tls_write(t, buf, LD_FRAME_HEADER + n) < 0 ? -1 : pump_out(fd, t);
	else
		rc = send_all(fd, buf, LD_FRAME_HEADER + n);
	free(buf);
	return rc;
}

static int answer(struct fake *f, int fd, ld_tls *t, const uint8_t *frame, uint32_t len)
{
	Leadd__Request *req = leadd__request__unpack(NULL, len, frame);
	if (!req)
		return -1;
	f->frames++;
	Leadd__ServerMessage sm = LEADD__SERVER_MESSAGE__INIT;
	Leadd__Response r = LEADD__RESPONSE__INIT;
	Leadd__HelloReply hello = LEADD__HELLO_REPLY__INIT;
	Leadd__PingReply ping = LEADD__PING_REPLY__INIT;
	char *payload = NULL;
	sm.kind_case = LEADD__SERVER_MESSAGE__KIND_RESPONSE;
	sm.response = &r;
	r.has_id = 1;
	r.id = req->id;
	if (req->body_case == LEADD__REQUEST__BODY_HELLO) {
		r.body_case = LEADD__RESPONSE__BODY_HELLO;
		r.hello = &hello;
		hello.server_version = "fake-leadd";
		hello.has_revision = 1;
		hello.revision = 7;
	} else {
		r.body_case = LEADD__RESPONSE__BODY_PING;
		r.ping = &ping;
		if (f->ping_payload) {
			payload = malloc(f->ping_payload + 1);
			assert_non_null(payload);
			memset(payload, 'p', f->ping_payload);
			payload[f->ping_payload] = '\0';
			r.message = payload;
		}
	}
	int rc = send_message(fd, t, &sm);
	free(payload);
	leadd__request__free_unpacked(req, NULL);
	return rc;
}

/* Frames out of the decoder, each answered; 0, or -1 to stop. */
static int answer_all(struct fake *f, int fd, ld_tls *t, ld_frame_decoder *d)
{
	const uint8_t *frame;
	uint32_t len;
	ld_frame_status st;
	while ((st = ld_frame_next(d, &frame, &len)) == LD_FRAME_OK)
		if (answer(f, fd, t, frame, len) < 0)
			return -1;
	return st == LD_FRAME_NEED_MORE ? 0 : -1;
}

static void serve_plain(struct fake *f, int fd, const uint8_t *first, size_t n)
{
	ld_frame_decoder d;
	ld_frame_decoder_init(&d, LD_FRAME_MAX);
	ld_frame_decoder_feed(&d, first, n);
	uint8_t buf[16384];
	for (;;) {
		if (answer_all(f, fd, NULL, &d) < 0)
			break;
		ssize_t r = recv(fd, buf, sizeof(buf), 0);
		if (r == 0)
			f->clean_close = 1;
		if (r <= 0)
			break;
		ld_frame_decoder_feed(&d, buf, (size_t)r);
	}
	ld_frame_decoder_free(&d);
}

static void serve_tls(struct fake *f, int fd, const uint8_t *first, size_t n)
{
	char err[256];
	SSL_CTX *ctx = f->mode == M_TLS_CA
			       ? ld_tls_server_ctx(leaf_cert, leaf_key, err, sizeof(err))
			       : ld_tls_server_ctx(cert, key, err, sizeof(err));
	assert_non_null(ctx);
	if (f->mode == M_TLS12) {
		SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
		SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
	}
	ld_tls *t = ld_tls_new(ctx, 1, NULL);
	SSL_CTX_free(ctx);
	assert_non_null(t);
	ld_tls_feed(t, first, n);
	ld_frame_decoder d;
	ld_frame_decoder_init(&d, LD_FRAME_MAX);
	uint8_t buf[16384];
	for (;;) {
		int rc;
		size_t got;
		do {
			size_t avail;
			uint8_t *space = ld_frame_decoder_space(&d, 16384, &avail);
			rc = ld_tls_read(t, space, avail, &got);
			if (rc == LD_TLS_OK)
				ld_frame_decoder_commit(&d, got);
		} while (rc == LD_TLS_OK);
		if (pump_out(fd, t) < 0 || rc == LD_TLS_ERROR)
			break;
		if (rc == LD_TLS_CLOSED) {
			f->clean_close = 1;
			break;
		}
		if (answer_all(f, fd, t, &d) < 0)
			break;
		ssize_t r = recv(fd, buf, sizeof(buf), 0);
		if (r <= 0)
			break;
		ld_tls_feed(t, buf, (size_t)r);
	}
	ld_frame_decoder_free(&d);
	ld_tls_free(t);
}

static void *serve(void *arg)
{
	struct fake *f = arg;
	int fd = accept(f->lfd, NULL, NULL);
	if (fd < 0)
		return NULL;
	if (f->mode == M_REFUSE) {
		/* As leadd refuses at a limit: before reading a byte. */
		Leadd__ServerMessage sm = LEADD__SERVER_MESSAGE__INIT;
		Leadd__Response r = LEADD__RESPONSE__INIT;
		sm.kind_case = LEADD__SERVER_MESSAGE__KIND_RESPONSE;
		sm.response = &r;
		r.has_code = 1;
		r.code = LEADD__CODE__RESOURCE_EXHAUSTED;
		r.message = "too many connections from your address; try again later";
		send_message(fd, NULL, &sm);
		shutdown(fd, SHUT_WR);
	} else if (f->mode == M_GARBAGE) {
		const char *g = "HTTP/1.0 400 Bad Request\r\n\r\n";
		send_all(fd, (const uint8_t *)g, strlen(g));
		shutdown(fd, SHUT_WR);
	}
	uint8_t buf[16384];
	ssize_t n = recv(fd, buf, sizeof(buf), 0);
	if (n > 0) {
		f->first_byte = buf[0];
		if (f->mode == M_TLS || f->mode == M_TLS_CA || f->mode == M_TLS12)
			serve_tls(f, fd, buf, (size_t)n);
		else if (f->mode == M_PLAIN)
			serve_plain(f, fd, buf, (size_t)n);
		else if (f->mode == M_SILENT)
			while (recv(fd, buf, sizeof(buf), 0) > 0)
				;
	}
	close(fd);
	return NULL;
}

static void fake_start(struct fake *f, enum mode mode, const char *ip)
{
	memset(f, 0, sizeof(*f));
	f->mode = mode;
	f->first_byte = -1;
	f->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->lfd >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET};
	inet_pton(AF_INET, ip, &a.sin_addr);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(f->lfd, 4), 0);
	socklen_t sl = sizeof(a);
	getsockname(f->lfd, (struct sockaddr *)&a, &sl);
	f->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&f->th, NULL, serve, f), 0);
}

static void fake_stop(struct fake *f)
{
	/* A server still waiting in accept is woken by a connection. */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a;
	socklen_t sl = sizeof(a);
	getsockname(f->lfd, (struct sockaddr *)&a, &sl);
	connect(fd, (struct sockaddr *)&a, sizeof(a));
	close(fd);
	pthread_join(f->th, NULL);
	close(f->lfd);
}

static int open_conn(const char *host, struct fake *f, int tls, ld_trust_cb trust, void *trust_arg,
		     int timeout_ms, ld_conn **c, char *err, size_t errlen)
{
	char server[300];
	snprintf(server, sizeof(server), "%s:%d", host, f->port);
	ld_conn_opts o = {.client_name = "test",
			  .timeout_ms = timeout_ms,
			  .tls = tls,
			  .trust = trust,
			  .trust_arg = trust_arg};
	err[0] = '\0';
	*c = NULL;
	return ld_conn_open_tls(server, &o, c, err, errlen);
}

static void ping(ld_conn *c, size_t want_len)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__PingRequest p = LEADD__PING_REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_PING;
	req.ping = &p;
	Leadd__Response *r = NULL;
	assert_int_equal(ld_call(c, &req, &r, 5000), 0);
	assert_int_equal(r->body_case, LEADD__RESPONSE__BODY_PING);
	assert_int_equal(r->message ? strlen(r->message) : 0, want_len);
	leadd__response__free_unpacked(r, NULL);
}

static void test_pinned_round_trips(void **state)
{
	(void)state;
	struct fake f;
	fake_start(&f, M_TLS, "127.0.0.2");
	char err[1024];
	ld_conn *c;
	assert_int_equal(open_conn("127.0.0.2", &f, LD_CONN_TLS_YES, ld_trust_fingerprint, self_fp,
				   5000, &c, err, sizeof(err)),
			 0);
	assert_true(ld_conn_tls(c));
	assert_false(ld_conn_tls_authority(c));
	assert_string_equal(ld_conn_fingerprint(c), self_fp);
	assert_string_equal(ld_conn_server_version(c), "fake-leadd");
	assert_int_equal(ld_conn_hello_revision(c), 7);
	ping(c, 0);
	/* Answers of many records: 900 kB in one frame. */
	f.ping_payload = 900000;
	ping(c, 900000);
	f.ping_payload = 0;
	/* A request of many records, and 200 pipelined: the ciphertext
	 * queue drains through partial sends. */
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__HelloRequest h = LEADD__HELLO_REQUEST__INIT;
	char *big = malloc(900001);
	assert_non_null(big);
	memset(big, 'n', 900000);
	big[900000] = '\0';
	h.client_name = big;
	req.body_case = LEADD__REQUEST__BODY_HELLO;
	req.hello = &h;
	assert_true(ld_conn_send(c, &req, NULL, NULL) > 0);
	free(big);
	for (int i = 0; i < 200; i++) {
		Leadd__Request pr = LEADD__REQUEST__INIT;
		Leadd__PingRequest p = LEADD__PING_REQUEST__INIT;
		pr.body_case = LEADD__REQUEST__BODY_PING;
		pr.ping = &p;
		assert_true(ld_conn_send(c, &pr, NULL, NULL) > 0);
	}
	assert_int_equal(ld_conn_drain(c, 10000), 0);
	assert_int_equal(ld_conn_in_flight(c), 0);
	ld_conn_close(c);
	fake_stop(&f);
	assert_int_equal(f.first_byte, LD_TLS_RECORD_HANDSHAKE);
	assert_int_equal(f.frames, 1 + 2 + 1 + 200);
	assert_true(f.clean_close); /* close_notify */
}

static int refuse_all(void *arg, const ld_peer_cert *peer, char *err, size_t errlen)
{
	int *called = arg;
	(*called)++;
	/* What the check is given. */
	assert_string_equal(peer->fingerprint, self_fp);
	assert_string_equal(peer->host, "127.0.0.2");
	assert_non_null(peer->verify_error);
	snprintf(err, errlen, "not this one");
	return LD_UNAUTHENTICATED;
}

static void test_trust_refused_before_anything_sent(void **state)
{
	(void)state;
	struct fake f;
	char err[1024];
	ld_conn *c;
	int called = 0;
	fake_start(&f, M_TLS, "127.0.0.2");
	assert_int_equal(open_conn("127.0.0.2", &f, LD_CONN_TLS_YES, refuse_all, &called, 5000, &c,
				   err, sizeof(err)),
			 LD_UNAUTHENTICATED);
	assert_null(c);
	assert_int_equal(called, 1);
	assert_string_equal(err, "not this one");
	fake_stop(&f);
	assert_int_equal(f.frames, 0); /* not even Hello */

	/* The helper: another fingerprint, or no pin and no authority. */
	fake_start(&f, M_TLS, "127.0.0.2");
	assert_int_equal(open_conn("127.0.0.2", &f, LD_CONN_TLS_YES, ld_trust_fingerprint,
				   "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 5000, &c,
				   err, sizeof(err)),
			 LD_UNAUTHENTICATED);
	assert_non_null(strstr(err, self_fp));
	fake_stop(&f);
	fake_start(&f, M_TLS, "127.0.0.2");
	assert_int_equal(open_conn("127.0.0.2", &f, LD_CONN_TLS_YES, ld_trust_fingerprint, NULL,
				   5000, &c, err, sizeof(err)),
			 LD_UNAUTHENTICATED);
	assert_non_null(strstr(err, "not trusted"));
	fake_stop(&f);
	/* No check at all: nothing is trusted. */
	fake_start(&f, M_TLS, "127.0.0.2");
	assert_int_equal(
		open_conn("127.0.0.2", &f, LD_CONN_TLS_YES, NULL, NULL, 5000, &c, err, sizeof(err)),
		LD_UNAUTHENTICATED);
	fake_stop(&f);
	assert_int_equal(f.frames, 0);
}

static void test_authority_and_host(void **state)
{
	(void)state;
	struct fake f;
	char err[1024];
	ld_conn *c;
	/* Issued by a CA the client trusts, for the name connected to. */
	fake_start(&f, M_TLS_CA, "127.0.0.1");
	assert_int_equal(open_conn("localhost", &f, LD_CONN_TLS_YES, ld_trust_fingerprint, NULL,
				   5000, &c, err, sizeof(err)),
			 0);
	assert_true(ld_conn_tls(c));
	assert_true(ld_conn_tls_authority(c));
	ping(c, 0);
	ld_conn_close(c);
	fake_stop(&f);
	/* The same certificate reached by another name (its address). */
	fake_start(&f, M_TLS_CA, "127.0.0.1");
	assert_int_equal(open_conn("127.0.0.1", &f, LD_CONN_TLS_YES, ld_trust_fingerprint, NULL,
				   5000, &c, err, sizeof(err)),
			 LD_UNAUTHENTICATED);
	assert_non_null(strstr(err, "mismatch"));
	fake_stop(&f);
	assert_int_equal(f.frames, 0);
}

static void test_auto_plain_on_loopback(void **state)
{
	(void)state;
	struct fake f;
	char err[1024];
	ld_conn *c;
	/* Loopback: auto speaks plaintext, and no trust check is needed. */
	fake_start(&f, M_PLAIN, "127.0.0.2");
	assert_int_equal(open_conn("127.0.0.2", &f, LD_CONN_TLS_AUTO, NULL, NULL, 5000, &c, err,
				   sizeof(err)),
			 0);
	assert_false(ld_conn_tls(c));
	assert_string_equal(ld_conn_fingerprint(c), "");
	ping(c, 0);
	ld_conn_close(c);
	fake_stop(&f);
	assert_true(f.first_byte >= 0 && f.first_byte != LD_TLS_RECORD_HANDSHAKE);
	/* no: plaintext whatever the address. */
	fake_start(&f, M_PLAIN, "127.0.0.1");
	assert_int_equal(
		open_conn("127.0.0.1", &f, LD_CONN_TLS_NO, NULL, NULL, 5000, &c, err, sizeof(err)),
		0);
	assert_false(ld_conn_tls(c));
	ld_conn_close(c);
	fake_stop(&f);
}

static void test_plaintext_answers(void **state)
{
	(void)state;
	struct fake f;
	char err[1024];
	ld_conn *c;
	/* A leadd refusing before the handshake: its sentence and code. */
	fake_start(&f, M_REFUSE, "127.0.0.2");
	int64_t t0 = now_ms();
	assert_int_equal(open_conn("127.0.0.2", &f, LD_CONN_TLS_YES, ld_trust_fingerprint, self_fp,
				   5000, &c, err, sizeof(err)),
			 LD_RESOURCE_EXHAUSTED);
	assert_true(now_ms() - t0 < 2000);
	assert_non_null(strstr(err, "127.0.0.2"));
	assert_non_null(strstr(err, "too many connections from your address"));
	assert_non_null(strstr(err, "without TLS"));
	fake_stop(&f);

	/* Something else: said so, no hang. */
	fake_start(&f, M_GARBAGE, "127.0.0.2");
	t0 = now_ms();
	assert_int_equal(open_conn("127.0.0.2", &f, LD_CONN_TLS_YES, ld_trust_fingerprint, self_fp,
				   5000, &c, err, sizeof(err)),
			 LD_UNAVAILABLE);
	assert_true(now_ms() - t0 < 2000);
	assert_non_null(strstr(err, "did not answer in TLS"));
	fake_stop(&f);
}

static void test_silent_server_times_out(void **state)
{
	(void)state;
	struct fake f;
	char err[1024];
	ld_conn *c;
	fake_start(&f, M_SILENT, "127.0.0.2");
	int64_t t0 = now_ms();
	assert_int_equal(open_conn("127.0.0.2", &f, LD_CONN_TLS_YES, ld_trust_fingerprint, self_fp,
				   300, &c, err, sizeof(err)),
			 LD_UNAVAILABLE);
	int64_t took = now_ms() - t0;
	assert_true(took >= 250 && took < 2000);
	assert_non_null(strstr(err, "did not finish the TLS handshake within 300 ms"));
	fake_stop(&f);
	assert_int_equal(f.first_byte, LD_TLS_RECORD_HANDSHAKE);
}

static void test_tls12_server_refused(void **state)
{
	(void)state;
	struct fake f;
	char err[1024];
	ld_conn *c;
	/* TLS 1.3 only: an older server fails the handshake, in words. */
	fake_start(&f, M_TLS12, "127.0.0.2");
	int64_t t0 = now_ms();
	assert_int_equal(open_conn("127.0.0.2", &f, LD_CONN_TLS_YES, ld_trust_fingerprint, self_fp,
				   5000, &c, err, sizeof(err)),
			 LD_UNAVAILABLE);
	assert_true(now_ms() - t0 < 2000);
	assert_non_null(strstr(err, "127.0.0.2"));
	assert_non_null(strstr(err, "TLS handshake failed"));
	assert_non_null(strstr(err, "protocol version"));
	fake_stop(&f);
	assert_int_equal(f.frames, 0);
}

/* What auto decides on: the address connected to. */
static int loopback(const char *ip)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, ip, &a->sin6_addr), 1);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, ip, &a->sin_addr), 1);
	}
	return ld_addr_is_loopback((struct sockaddr *)&ss);
}

static void test_loopback_addresses(void **state)
{
	(void)state;
	assert_true(loopback("127.0.0.1"));
	assert_true(loopback("127.0.0.2"));
	assert_true(loopback("127.255.255.254"));
	assert_true(loopback("::1"));
	assert_true(loopback("::ffff:127.0.0.1"));
	assert_false(loopback("128.0.0.1"));
	assert_false(loopback("126.255.255.255"));
	assert_false(loopback("10.0.0.1"));
	assert_false(loopback("192.0.2.7"));
	assert_false(loopback("0.0.0.0"));
	assert_false(loopback("::"));
	assert_false(loopback("::2"));
	assert_false(loopback("::ffff:10.0.0.1"));
	assert_false(loopback("2001:db8::1"));
	assert_false(loopback("fe80::1"));
	/* ::127.0.0.1 (IPv4-compatible, deprecated) is not a loopback one. */
	assert_false(loopback("::127.0.0.1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pinned_round_trips),
		cmocka_unit_test(test_trust_refused_before_anything_sent),
		cmocka_unit_test(test_authority_and_host),
		cmocka_unit_test(test_auto_plain_on_loopback),
		cmocka_unit_test(test_plaintext_answers),
		cmocka_unit_test(test_silent_server_times_out),
		cmocka_unit_test(test_tls12_server_refused),
		cmocka_unit_test(test_loopback_addresses),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
