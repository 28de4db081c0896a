#include "bench_tls_engine.h"

#include <stdio.h>
#include <stdlib.h>

#include "bench_common.h"
#include "ld_tls.h"

#define HANDSHAKES 300
#define RECORD_BYTES 16384
#define STREAM_BYTES (64u << 20)
#define SMALL_TRIPS 100000
#define SMALL_REQUEST 30 /* a packed lead_get */
#define SMALL_ANSWER 400 /* a lead */

static int shuttle(ld_tls *from, ld_tls *to)
{
	size_t len;
	uint8_t *buf = ld_tls_take_output_all(from, &len);
	int rc = buf ? ld_tls_feed(to, buf, len) : 0;
	free(buf);
	return rc;
}

/* One handshake; the time each side spent in its calls. */
static int handshake(SSL_CTX *sctx, SSL_CTX *cctx, int64_t *srv_ns, int64_t *cli_ns,
		     ld_tls **cli_out, ld_tls **srv_out)
{
	ld_tls *cli = ld_tls_new(cctx, 0, "leadd.bench"), *srv = ld_tls_new(sctx, 1, NULL);
	if (!cli || !srv)
		return -1;
	for (int round = 0; round < 4; round++) {
		int64_t t0 = bench_now_ns();
		int rc = ld_tls_handshake(cli);
		*cli_ns += bench_now_ns() - t0;
		if (rc == LD_TLS_ERROR || shuttle(cli, srv) != 0)
			break;
		t0 = bench_now_ns();
		rc = ld_tls_handshake(srv);
		*srv_ns += bench_now_ns() - t0;
		if (rc == LD_TLS_ERROR || shuttle(srv, cli) != 0)
			break;
		if (ld_tls_handshake_done(cli) && ld_tls_handshake_done(srv)) {
			if (cli_out) {
				*cli_out = cli;
				*srv_out = srv;
			} else {
				ld_tls_free(cli);
				ld_tls_free(srv);
			}
			return 0;
		}
	}
	fprintf(stderr, "bench_tls: engine handshake: %s / %s\n", ld_tls_error(cli),
		ld_tls_error(srv));
	ld_tls_free(cli);
	ld_tls_free(srv);
	return -1;
}

int bench_tls_engine(const char *cert_path, const char *key_path)
{
	char err[512];
	SSL_CTX *sctx = ld_tls_server_ctx(cert_path, key_path, err, sizeof(err));
	SSL_CTX *cctx = sctx ? ld_tls_client_ctx(err, sizeof(err)) : NULL;
	if (!sctx || !cctx) {
		fprintf(stderr, "bench_tls: %s\n", err);
		SSL_CTX_free(sctx);
		return -1;
	}
	int64_t srv_ns = 0, cli_ns = 0;
	int rc = 0;
	for (int i = 0; i < HANDSHAKES && rc == 0; i++)
		rc = handshake(sctx, cctx, &srv_ns, &cli_ns, NULL, NULL);
	if (rc == 0)
		printf("tls_engine_handshake n=%d server_us=%.1f client_us=%.1f "
		       "per_sec_one_core=%.0f\n",
		       HANDSHAKES, (double)srv_ns / HANDSHAKES / 1e3,
		       (double)cli_ns / HANDSHAKES / 1e3, HANDSHAKES / ((double)srv_ns / 1e9));

	/* A stream of full records one way: the writer encrypts, the reader
	 * decrypts; both on this core. */
	ld_tls *cli = NULL, *srv = NULL;
	int64_t unused = 0;
	if (rc == 0)
		rc = handshake(sctx, cctx, &unused, &unused, &cli, &srv);
	uint8_t *buf = malloc(RECORD_BYTES);
	if (rc == 0 && buf) {
		for (size_t i = 0; i < RECORD_BYTES; i++)
			buf[i] = (uint8_t)(i * 13);
		int64_t enc = 0, dec = 0;
		for (size_t sent = 0; sent < STREAM_BYTES && rc == 0; sent += RECORD_BYTES) {
			int64_t t0 = bench_now_ns();
			rc = ld_tls_write(srv, buf, RECORD_BYTES);
			enc += bench_now_ns() - t0;
			if (rc == 0)
				rc = shuttle(srv, cli);
			t0 = bench_now_ns();
			for (size_t have = 0, got = 0; rc == 0 && have < RECORD_BYTES; have += got)
				rc = ld_tls_read(cli, buf, RECORD_BYTES, &got) == LD_TLS_OK ? 0
											    : -1;
			dec += bench_now_ns() - t0;
		}
		if (rc == 0)
			printf("tls_engine_records mb=%u record_kb=%d encrypt_mb_per_sec=%.0f "
			       "decrypt_mb_per_sec=%.0f\n",
			       STREAM_BYTES >> 20, RECORD_BYTES / 1024,
			       STREAM_BYTES / 1e6 / ((double)enc / 1e9),
			       STREAM_BYTES / 1e6 / ((double)dec / 1e9));
		else
			fprintf(stderr, "bench_tls: engine records: %s\n", ld_tls_error(cli));
	}
	/* A small request and its answer, as lead_get: what the engine adds
	 * to one round trip, both ends together. */
	if (rc == 0 && buf) {
		int64_t t0 = bench_now_ns();
		for (int i = 0; i < SMALL_TRIPS && rc == 0; i++) {
			size_t got = 0;
			rc = ld_tls_write(cli, buf, SMALL_REQUEST) == 0 && shuttle(cli, srv) == 0 &&
					     ld_tls_read(srv, buf, RECORD_BYTES, &got) ==
						     LD_TLS_OK &&
					     ld_tls_write(srv, buf, SMALL_ANSWER) == 0 &&
					     shuttle(srv, cli) == 0 &&
					     ld_tls_read(cli, buf, RECORD_BYTES, &got) == LD_TLS_OK
				     ? 0
				     : -1;
		}
		if (rc == 0)
			printf("tls_engine_small request_bytes=%d answer_bytes=%d "
			       "round_trip_us=%.2f\n",
			       SMALL_REQUEST, SMALL_ANSWER,
			       (double)(bench_now_ns() - t0) / SMALL_TRIPS / 1e3);
		else
			fprintf(stderr, "bench_tls: engine small records: %s\n", ld_tls_error(cli));
	}
	free(buf);
	ld_tls_free(cli);
	ld_tls_free(srv);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	return rc == 0 ? 0 : -1;
}
