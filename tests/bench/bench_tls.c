/* TLS against plaintext, on one leadd, in one run.
 *
 * Usage: bench_tls HOST:PORT DATA_DIR [PART...]
 * HOST:PORT is a loopback listener of leadd (it takes plaintext and TLS
 * connections alike); DATA_DIR is leadd's, whose tls.crt is pinned by its
 * fingerprint (and whose pair the engine-only part loads). Every
 * connection logs in as $LEADD_BENCH_USER with $LEADD_BENCH_PASSWORD.
 *
 * Each part runs plaintext and TLS in alternating blocks, so both see the
 * same disk, the same store and the same load:
 * - create: one connection, lead_create in a closed loop: the latency of
 *   a durable create (one commit each), p50/p99.
 * - get: lead_get of one lead in a closed loop, on one connection and on
 *   eight (one thread each): gets per second and latency; and of a lead
 *   with the longest description (16 KiB), whose answer fills a record.
 * - list: pages of 1000 leads (hundreds of KB each): answer MB per second,
 *   where the cost of encrypting records grows with the bytes.
 * - connect: a new connection, Hello, close, one after another:
 *   connections per second with a TLS handshake and without.
 * - engine: no network, one process, the ld_tls engine alone: the CPU a
 *   handshake costs the server and the client, and record encryption plus
 *   decryption in MB per second.
 * PARTs (create, get, list, connect, engine) pick some; all by default
 * (get without create reads lead 1). Prints key=value lines
 * (tests/bench/run.sh turns them into a table). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "bench_conn.h"
#include "bench_tls_engine.h"
#include "ld_client.h"
#include "ld_error.h"
#include "ld_tls.h"

#define CALL_MS 30000
#define GET_THREADS 8

static const char *addr;
static char fingerprint[LD_TLS_FINGERPRINT_LEN]; /* of DATA_DIR/tls.crt */
static const char *const names[2] = {"plain", "tls"};

static ld_conn *open_conn(int tls)
{
	ld_conn *c = NULL;
	char err[512];
	int rc = tls ? bench_connect_tls(addr, "bench_tls", fingerprint, 1, &c, err, sizeof(err))
		     : bench_connect(addr, "bench_tls", &c, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "bench_tls: %s connection: %s\n", names[tls], err);
		exit(1);
	}
	return c;
}

/* One round trip; the answer's code must be OK. Its packed size in
 * *bytes when asked. */
static Leadd__Response *call(ld_conn *c, Leadd__Request *req, const char *what)
{
	Leadd__Response *r = NULL;
	if (ld_call(c, req, &r, CALL_MS) != 0) {
		fprintf(stderr, "bench_tls: %s: %s\n", what, ld_conn_error(c));
		exit(1);
	}
	if (ld_response_code(r) != 0) {
		fprintf(stderr, "bench_tls: %s: %s\n", what, ld_response_message(r));
		exit(1);
	}
	return r;
}

static uint64_t create_with(ld_conn *c, long i, const char *description)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__LeadCreateRequest lc = LEADD__LEAD_CREATE_REQUEST__INIT;
	char title[64], *tags[] = {"bench", "tls"};
	snprintf(title, sizeof(title), "bench_tls lead %ld", i);
	lc.title = title;
	lc.client_name = "Quayside Shipping";
	lc.description = (char *)description;
	lc.source = "bench";
	lc.owner = (char *)bench_user();
	lc.n_tags = 2;
	lc.tags = tags;
	req.body_case = LEADD__REQUEST__BODY_LEAD_CREATE;
	req.lead_create = &lc;
	Leadd__Response *r = call(c, &req, "lead_create");
	uint64_t id = r->lead && r->lead->lead ? r->lead->lead->id : 0;
	leadd__response__free_unpacked(r, NULL);
	return id;
}

static uint64_t create(ld_conn *c, long i)
{
	return create_with(c, i,
			   "A lead of ordinary size: a title, a client, two tags and a line "
			   "of description, as a rep would type it.");
}

static void get(ld_conn *c, uint64_t id)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__LeadGetRequest g = LEADD__LEAD_GET_REQUEST__INIT;
	g.has_id = 1;
	g.id = id;
	req.body_case = LEADD__REQUEST__BODY_LEAD_GET;
	req.lead_get = &g;
	leadd__response__free_unpacked(call(c, &req, "lead_get"), NULL);
}

static size_t list_page(ld_conn *c)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__LeadListRequest l = LEADD__LEAD_LIST_REQUEST__INIT;
	l.has_limit = 1;
	l.limit = 1000;
	req.body_case = LEADD__REQUEST__BODY_LEAD_LIST;
	req.lead_list = &l;
	Leadd__Response *r = call(c, &req, "lead_list");
	size_t bytes = leadd__response__get_packed_size(r);
	leadd__response__free_unpacked(r, NULL);
	return bytes;
}

/* Samples of one transport: latencies, and the time spent in its blocks. */
typedef struct {
	int64_t *lat;
	size_t n, cap;
	int64_t busy_ns;
} samples;

static void add(samples *s, int64_t ns)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 4096;
		s->lat = realloc(s->lat, s->cap * sizeof(*s->lat));
		if (!s->lat) {
			fprintf(stderr, "bench_tls: out of memory\n");
			exit(1);
		}
	}
	s->lat[s->n++] = ns;
}

static void report(const char *key, samples *s, const char *extra)
{
	qsort(s->lat, s->n, sizeof(*s->lat), bench_cmp_i64);
	double sum = 0;
	for (size_t i = 0; i < s->n; i++)
		sum += (double)s->lat[i];
	printf("%s n=%zu per_sec=%.0f p50_us=%.1f p99_us=%.1f mean_us=%.1f%s\n", key, s->n,
	       s->busy_ns ? (double)s->n / ((double)s->busy_ns / 1e9) : 0,
	       (double)bench_pct(s->lat, s->n, 50) / 1e3, (double)bench_pct(s->lat, s->n, 99) / 1e3,
	       s->n ? sum / (double)s->n / 1e3 : 0, extra ? extra : "");
	free(s->lat);
	memset(s, 0, sizeof(*s));
}

/* ---- create and get on one connection each ---- */

static uint64_t part_create(long per, long block)
{
	ld_conn *c[2] = {open_conn(0), open_conn(1)};
	samples s[2] = {{0}};
	uint64_t id = 0;
	for (long done = 0; done < 2 * per; done += block) {
		int tls = (int)((done / block) % 2);
		int64_t t_block = bench_now_ns();
		for (long i = 0; i < block; i++) {
			int64_t t0 = bench_now_ns();
			id = create(c[tls], done + i);
			add(&s[tls], bench_now_ns() - t0);
		}
		s[tls].busy_ns += bench_now_ns() - t_block;
	}
	report("tls_create_plain", &s[0], NULL);
	report("tls_create_tls", &s[1], NULL);
	ld_conn_close(c[0]);
	ld_conn_close(c[1]);
	return id;
}

static void part_get_one(uint64_t id, long per, long block, const char *key_plain,
			 const char *key_tls)
{
	ld_conn *c[2] = {open_conn(0), open_conn(1)};
	samples s[2] = {{0}};
	for (long done = 0; done < 2 * per; done += block) {
		int tls = (int)((done / block) % 2);
		int64_t t_block = bench_now_ns();
		for (long i = 0; i < block; i++) {
			int64_t t0 = bench_now_ns();
			get(c[tls], id);
			add(&s[tls], bench_now_ns() - t0);
		}
		s[tls].busy_ns += bench_now_ns() - t_block;
	}
	report(key_plain, &s[0], NULL);
	report(key_tls, &s[1], NULL);
	ld_conn_close(c[0]);
	ld_conn_close(c[1]);
}

/* ---- get on eight connections, one thread each ---- */

typedef struct {
	ld_conn *c[2];
	uint64_t id;
	long n;
	int tls;
	pthread_barrier_t *start, *done;
	samples s[2];
	int stop;
} getter;

static void *getter_run(void *arg)
{
	getter *g = arg;
	for (;;) {
		pthread_barrier_wait(g->start);
		if (g->stop)
			return NULL;
		for (long i = 0; i < g->n; i++) {
			int64_t t0 = bench_now_ns();
			get(g->c[g->tls], g->id);
			add(&g->s[g->tls], bench_now_ns() - t0);
		}
		pthread_barrier_wait(g->done);
	}
}

static void part_get_many(uint64_t id, long per_thread, int rounds)
{
	getter g[GET_THREADS];
	pthread_t th[GET_THREADS];
	pthread_barrier_t start, done;
	pthread_barrier_init(&start, NULL, GET_THREADS + 1);
	pthread_barrier_init(&done, NULL, GET_THREADS + 1);
	memset(g, 0, sizeof(g));
	for (int i = 0; i < GET_THREADS; i++) {
		g[i].c[0] = open_conn(0);
		g[i].c[1] = open_conn(1);
		g[i].id = id;
		g[i].n = per_thread / rounds;
		g[i].start = &start;
		g[i].done = &done;
		if (pthread_create(&th[i], NULL, getter_run, &g[i]) != 0) {
			fprintf(stderr, "bench_tls: cannot start a thread\n");
			exit(1);
		}
	}
	int64_t busy[2] = {0, 0};
	for (int r = 0; r < 2 * rounds; r++) {
		int tls = r % 2;
		for (int i = 0; i < GET_THREADS; i++)
			g[i].tls = tls;
		int64_t t0 = bench_now_ns();
		pthread_barrier_wait(&start);
		pthread_barrier_wait(&done);
		busy[tls] += bench_now_ns() - t0;
	}
	for (int i = 0; i < GET_THREADS; i++)
		g[i].stop = 1;
	pthread_barrier_wait(&start);
	samples all[2] = {{0}};
	for (int i = 0; i < GET_THREADS; i++) {
		pthread_join(th[i], NULL);
		for (int t = 0; t < 2; t++) {
			for (size_t k = 0; k < g[i].s[t].n; k++)
				add(&all[t], g[i].s[t].lat[k]);
			free(g[i].s[t].lat);
			ld_conn_close(g[i].c[t]);
		}
	}
	all[0].busy_ns = busy[0];
	all[1].busy_ns = busy[1];
	report("tls_get8_plain", &all[0], NULL);
	report("tls_get8_tls", &all[1], NULL);
	pthread_barrier_destroy(&start);
	pthread_barrier_destroy(&done);
}

/* ---- big answers ---- */

static void part_list(long per, long block)
{
	ld_conn *c[2] = {open_conn(0), open_conn(1)};
	samples s[2] = {{0}};
	size_t bytes[2] = {0, 0};
	for (long done = 0; done < 2 * per; done += block) {
		int tls = (int)((done / block) % 2);
		int64_t t_block = bench_now_ns();
		for (long i = 0; i < block; i++) {
			int64_t t0 = bench_now_ns();
			bytes[tls] += list_page(c[tls]);
			add(&s[tls], bench_now_ns() - t0);
		}
		s[tls].busy_ns += bench_now_ns() - t_block;
	}
	for (int t = 0; t < 2; t++) {
		char extra[128];
		snprintf(extra, sizeof(extra), " page_kb=%.0f mb_per_sec=%.1f",
			 (double)bytes[t] / (double)s[t].n / 1024,
			 (double)bytes[t] / 1e6 / ((double)s[t].busy_ns / 1e9));
		report(t ? "tls_list_tls" : "tls_list_plain", &s[t], extra);
	}
	ld_conn_close(c[0]);
	ld_conn_close(c[1]);
}

/* ---- connection set-up ---- */

static void part_connect(long per, long block)
{
	samples s[2] = {{0}};
	for (long done = 0; done < 2 * per; done += block) {
		int tls = (int)((done / block) % 2);
		int64_t t_block = bench_now_ns();
		for (long i = 0; i < block; i++) {
			ld_conn *c = NULL;
			char err[512];
			int64_t t0 = bench_now_ns();
			int rc = tls ? bench_connect_tls(addr, "bench_tls", fingerprint, 0, &c, err,
							 sizeof(err))
				     : ld_conn_open(addr, "bench_tls", 5000, &c, err, sizeof(err));
			if (rc != 0) {
				fprintf(stderr, "bench_tls: %s connect: %s\n", names[tls], err);
				exit(1);
			}
			add(&s[tls], bench_now_ns() - t0);
			ld_conn_close(c);
		}
		s[tls].busy_ns += bench_now_ns() - t_block;
	}
	report("tls_connect_plain", &s[0], NULL);
	report("tls_connect_tls", &s[1], NULL);
}

static int wanted(int argc, char **argv, const char *part)
{
	if (argc == 3)
		return 1;
	for (int i = 3; i < argc; i++)
		if (strcmp(argv[i], part) == 0)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench_tls HOST:PORT DATA_DIR "
				"[create|get|list|connect|engine...]\n");
		return 2;
	}
	addr = argv[1];
	char cert[1024], key[1024], err[1024];
	snprintf(cert, sizeof(cert), "%s/tls.crt", argv[2]);
	snprintf(key, sizeof(key), "%s/tls.key", argv[2]);
	if (ld_tls_fingerprint_file(cert, fingerprint, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_tls: %s\n", err);
		return 1;
	}

	uint64_t id = 1;
	if (wanted(argc, argv, "create"))
		id = part_create(1000, 50);
	if (wanted(argc, argv, "get")) {
		part_get_one(id, 10000, 500, "tls_get1_plain", "tls_get1_tls");
		part_get_many(id, 2000, 4);
		/* The longest description leadd takes (LIMIT_DESCRIPTION). */
		static char big[16385];
		for (size_t i = 0; i < sizeof(big) - 1; i++)
			big[i] = (char)('a' + i % 26);
		ld_conn *c = open_conn(0);
		uint64_t big_id = create_with(c, 0, big);
		ld_conn_close(c);
		part_get_one(big_id, 5000, 250, "tls_getbig_plain", "tls_getbig_tls");
	}
	if (wanted(argc, argv, "list"))
		part_list(40, 5);
	if (wanted(argc, argv, "connect"))
		part_connect(500, 25);
	if (wanted(argc, argv, "engine"))
		return bench_tls_engine(cert, key) == 0 ? 0 : 1;
	return 0;
}
