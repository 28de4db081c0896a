/* The TLS engine (common/ld_tls.c) and leadd's own certificate
 * (server/tls_cert.c): two engines paired in memory, no sockets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ld_tls.h"
#include "tls_cert.h"

static char dir[] = "/tmp/test_tls.XXXXXX";
static char cert_path[128], key_path[128];

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(cert_path, sizeof(cert_path), "%s/tls.crt", dir);
	snprintf(key_path, sizeof(key_path), "%s/tls.key", dir);
	char err[256];
	if (tls_cert_create(cert_path, key_path, "leadd.test", err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(cert_path);
	unlink(key_path);
	rmdir(dir);
	return 0;
}

/* Move whatever one side has to send over to the other. */
static void shuttle(ld_tls *from, ld_tls *to)
{
	size_t len;
	uint8_t *buf = ld_tls_take_output_all(from, &len);
	if (buf)
		assert_int_equal(ld_tls_feed(to, buf, len), 0);
	free(buf);
}

static void handshake(ld_tls *cli, ld_tls *srv)
{
	for (int i = 0; i < 10 && !(ld_tls_handshake_done(cli) && ld_tls_handshake_done(srv));
	     i++) {
		int rc = ld_tls_handshake(cli);
		assert_true(rc == LD_TLS_OK || rc == LD_TLS_WANT);
		shuttle(cli, srv);
		rc = ld_tls_handshake(srv);
		assert_true(rc == LD_TLS_OK || rc == LD_TLS_WANT);
		shuttle(srv, cli);
	}
	assert_true(ld_tls_handshake_done(cli));
	assert_true(ld_tls_handshake_done(srv));
}

struct pair {
	SSL_CTX *sctx, *cctx;
	ld_tls *srv, *cli;
};

static void pair_open(struct pair *p, const char *host)
{
	char err[256];
	p->sctx = ld_tls_server_ctx(cert_path, key_path, err, sizeof(err));
	assert_non_null(p->sctx);
	p->cctx = ld_tls_client_ctx(err, sizeof(err));
	assert_non_null(p->cctx);
	p->srv = ld_tls_new(p->sctx, 1, NULL);
	p->cli = ld_tls_new(p->cctx, 0, host);
	assert_non_null(p->srv);
	assert_non_null(p->cli);
	/* The engines keep their own references: a reload frees the ctx. */
	SSL_CTX_free(p->sctx);
	SSL_CTX_free(p->cctx);
}

static void pair_close(struct pair *p)
{
	ld_tls_free(p->srv);
	ld_tls_free(p->cli);
}

static void test_round_trip(void **state)
{
	(void)state;
	struct pair p;
	pair_open(&p, "leadd.test");
	handshake(p.cli, p.srv);
	/* A frame bigger than one TLS record (16 KiB) arrives whole. */
	size_t len = 100000;
	uint8_t *msg = malloc(len), *got = malloc(len);
	for (size_t i = 0; i < len; i++)
		msg[i] = (uint8_t)(i * 7);
	assert_int_equal(ld_tls_write(p.cli, msg, len), 0);
	shuttle(p.cli, p.srv);
	size_t have = 0, n;
	while (have < len) {
		int rc = ld_tls_read(p.srv, got + have, len - have, &n);
		assert_int_equal(rc, LD_TLS_OK);
		have += n;
	}
	assert_memory_equal(msg, got, len);
	assert_int_equal(ld_tls_read(p.srv, got, len, &n), LD_TLS_WANT);
	/* And back. */
	assert_int_equal(ld_tls_write(p.srv, "pong", 4), 0);
	shuttle(p.srv, p.cli);
	assert_int_equal(ld_tls_read(p.cli, got, len, &n), LD_TLS_OK);
	assert_int_equal(n, 4);
	assert_memory_equal(got, "pong", 4);
	/* close_notify reads as a clean close. */
	ld_tls_close(p.cli);
	shuttle(p.cli, p.srv);
	assert_int_equal(ld_tls_read(p.srv, got, len, &n), LD_TLS_CLOSED);
	free(msg);
	free(got);
	pair_close(&p);
}

/* Bytes that come one at a time still make a handshake. */
static void test_byte_by_byte(void **state)
{
	(void)state;
	struct pair p;
	pair_open(&p, "leadd.test");
	for (int round = 0; round < 20 && !ld_tls_handshake_done(p.srv); round++) {
		(void)ld_tls_handshake(p.cli);
		uint8_t b;
		while (ld_tls_take_output(p.cli, &b, 1) == 1) {
			assert_int_equal(ld_tls_feed(p.srv, &b, 1), 0);
			int rc = ld_tls_handshake(p.srv);
			assert_true(rc == LD_TLS_OK || rc == LD_TLS_WANT);
		}
		shuttle(p.srv, p.cli);
	}
	(void)ld_tls_handshake(p.cli);
	assert_true(ld_tls_handshake_done(p.cli));
	assert_true(ld_tls_handshake_done(p.srv));
	pair_close(&p);
}

/* The fingerprint the client sees is the one of the file, in ssh's form;
 * a self-signed certificate does not verify against the system store. */
static void test_fingerprint(void **state)
{
	(void)state;
	char from_file[LD_TLS_FINGERPRINT_LEN], seen[LD_TLS_FINGERPRINT_LEN], err[256];
	assert_int_equal(ld_tls_fingerprint_file(cert_path, from_file, err, sizeof(err)), 0);
	assert_int_equal(strncmp(from_file, "SHA256:", 7), 0);
	assert_int_equal(strlen(from_file), 7 + 43);
	assert_null(strchr(from_file, '='));
	struct pair p;
	pair_open(&p, "leadd.test");
	handshake(p.cli, p.srv);
	assert_int_equal(ld_tls_peer_fingerprint(p.cli, seen), 0);
	assert_string_equal(seen, from_file);
	assert_non_null(ld_tls_verify_error(p.cli));
	pair_close(&p);
	assert_int_equal(ld_tls_fingerprint_file("/nonexistent/tls.crt", seen, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "/nonexistent/tls.crt"));
}

/* Not TLS at all (a plaintext leadd frame, or noise): an error with a
 * sentence, never a wait for more. */
static void test_garbage(void **state)
{
	(void)state;
	struct pair p;
	pair_open(&p, NULL);
	static const uint8_t frame[] = {0, 0, 0, 5, 0x0a, 0x03, 'a', 'b', 'c'};
	uint8_t junk[600];
	memset(junk, 0x16, 5); /* looks like a handshake record header... */
	for (size_t i = 5; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 31 + 7);
	assert_int_equal(ld_tls_feed(p.srv, frame, sizeof(frame)), 0);
	assert_int_equal(ld_tls_handshake(p.srv), LD_TLS_ERROR);
	assert_true(strlen(ld_tls_error(p.srv)) > 10);
	pair_close(&p);
	pair_open(&p, NULL);
	assert_int_equal(ld_tls_feed(p.srv, junk, sizeof(junk)), 0);
	assert_int_equal(ld_tls_handshake(p.srv), LD_TLS_ERROR);
	pair_close(&p);
}

/* The first error is the one that stays: later bytes and calls fail the
 * same way and bring no plaintext (found by fuzz_tls: a second call used
 * to replace the reason with a bare "TLS read failed"). */
static void test_error_stays(void **state)
{
	(void)state;
	struct pair p;
	pair_open(&p, NULL);
	static const uint8_t frame[] = {0, 0, 0, 5, 0x0a, 0x03, 'a', 'b', 'c'};
	assert_int_equal(ld_tls_feed(p.srv, frame, sizeof(frame)), 0);
	assert_int_equal(ld_tls_handshake(p.srv), LD_TLS_ERROR);
	char first[256];
	snprintf(first, sizeof(first), "%s", ld_tls_error(p.srv));
	assert_non_null(strstr(first, "TLS handshake failed: "));
	/* A real ClientHello after the error changes nothing. */
	(void)ld_tls_handshake(p.cli);
	shuttle(p.cli, p.srv);
	uint8_t buf[64];
	size_t got = 99;
	assert_int_equal(ld_tls_read(p.srv, buf, sizeof(buf), &got), LD_TLS_ERROR);
	assert_int_equal(got, 0);
	assert_int_equal(ld_tls_handshake(p.srv), LD_TLS_ERROR);
	assert_int_equal(ld_tls_write(p.srv, "x", 1), -1);
	assert_string_equal(ld_tls_error(p.srv), first);
	pair_close(&p);
}

/* An alert from the peer reads as one, not as OpenSSL's "tlsv1 alert ...":
 * a TLS 1.2 client meets a TLS 1.3-only server. */
static void test_alert_in_words(void **state)
{
	(void)state;
	char err[256];
	SSL_CTX *sctx = ld_tls_server_ctx(cert_path, key_path, err, sizeof(err));
	SSL_CTX *old = SSL_CTX_new(TLS_client_method());
	assert_non_null(sctx);
	assert_non_null(old);
	assert_int_equal(SSL_CTX_set_max_proto_version(old, TLS1_2_VERSION), 1);
	ld_tls *srv = ld_tls_new(sctx, 1, NULL), *cli = ld_tls_new(old, 0, NULL);
	SSL_CTX_free(sctx);
	SSL_CTX_free(old);
	assert_int_equal(ld_tls_handshake(cli), LD_TLS_WANT);
	shuttle(cli, srv);
	assert_int_equal(ld_tls_handshake(srv), LD_TLS_ERROR);
	assert_string_equal(ld_tls_error(srv), "TLS handshake failed: unsupported protocol");
	shuttle(srv, cli);
	assert_int_equal(ld_tls_handshake(cli), LD_TLS_ERROR);
	assert_string_equal(
		ld_tls_error(cli),
		"TLS handshake failed: the other side sent the alert \"protocol version\"");
	ld_tls_free(srv);
	ld_tls_free(cli);
}

/* SSL_CERT_FILE names the trusted certificates instead of the system's
 * (the client loads the store itself, not through OpenSSL 3's directory
 * store: bench_tls): leadd's own certificate listed there verifies. */
static void test_cert_file_env(void **state)
{
	(void)state;
	setenv("SSL_CERT_FILE", cert_path, 1);
	struct pair p;
	pair_open(&p, "leadd.test");
	handshake(p.cli, p.srv);
	assert_null(ld_tls_verify_error(p.cli));
	pair_close(&p);
	/* Trusted, but not for this name. */
	pair_open(&p, "another.test");
	unsetenv("SSL_CERT_FILE");
	handshake(p.cli, p.srv);
	assert_non_null(ld_tls_verify_error(p.cli));
	pair_close(&p);
}

/* The key and certificate: 0600, never overwritten, and a pair. */
static void test_cert_files(void **state)
{
	(void)state;
	struct stat st;
	assert_int_equal(stat(key_path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(cert_path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	char err[256];
	assert_int_equal(tls_cert_create(cert_path, key_path, "x", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "move it away"));
	/* A key of another pair is refused with both names. */
	char c2[160], k2[160];
	snprintf(c2, sizeof(c2), "%s/other.crt", dir);
	snprintf(k2, sizeof(k2), "%s/other.key", dir);
	assert_int_equal(tls_cert_create(c2, k2, NULL, err, sizeof(err)), 0);
	assert_null(ld_tls_server_ctx(cert_path, k2, err, sizeof(err)));
	assert_non_null(strstr(err, "does not belong"));
	assert_null(ld_tls_server_ctx("/nonexistent.crt", k2, err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent.crt"));
	unlink(c2);
	unlink(k2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),     cmocka_unit_test(test_byte_by_byte),
		cmocka_unit_test(test_fingerprint),    cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_cert_files),     cmocka_unit_test(test_error_stays),
		cmocka_unit_test(test_alert_in_words), cmocka_unit_test(test_cert_file_env),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
