/* Lead creates against a running leadd.
 *
 * Usage: bench_create HOST:PORT CLIENTS CREATES_PER_CLIENT
 * Each client is its own connection on its own thread, doing ld_call in a
 * closed loop (one create in flight per client). With one client this is the
 * latency of a durable create; with many it is the throughput group commit
 * buys. StatsRequest before and after gives the commits the server made for
 * them, hence the writes per commit achieved. Every connection logs in as
 * $LEADD_BENCH_USER (default admin) with $LEADD_BENCH_PASSWORD; the leads
 * are owned by that user. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "bench_conn.h"
#include "ld_client.h"
#include "ld_error.h"

#define CALL_MS 30000

typedef struct {
	int index;
	long n;
	const char *addr;
	pthread_barrier_t *start;
	ld_conn *conn;
	int64_t *lat; /* ns per create */
	long errors;
	char err[256];
} client;

static int stats(const char *addr, uint64_t *commits, uint64_t *writes, uint32_t *max_batch)
{
	ld_conn *c;
	char err[256];
	if (bench_connect(addr, "bench_create", &c, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_create: %s\n", err);
		return -1;
	}
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__StatsRequest st = LEADD__STATS_REQUEST__INIT;
	Leadd__Response *r = NULL;
	req.body_case = LEADD__REQUEST__BODY_STATS;
	req.stats = &st;
	int rc = -1;
	if (ld_call(c, &req, &r, CALL_MS) != 0) {
		fprintf(stderr, "bench_create: stats: %s\n", ld_conn_error(c));
	} else if (ld_response_code(r) != 0 || r->body_case != LEADD__RESPONSE__BODY_STATS) {
		fprintf(stderr, "bench_create: stats: %s\n", ld_response_message(r));
	} else {
		*commits = r->stats->commits;
		*writes = r->stats->writes_committed;
		*max_batch = r->stats->max_batch;
		rc = 0;
	}
	if (r)
		leadd__response__free_unpacked(r, NULL);
	ld_conn_close(c);
	return rc;
}

static void *run_client(void *arg)
{
	client *cl = arg;
	char title[64];
	pthread_barrier_wait(cl->start);
	for (long i = 0; i < cl->n; i++) {
		Leadd__Request req = LEADD__REQUEST__INIT;
		Leadd__LeadCreateRequest lc = LEADD__LEAD_CREATE_REQUEST__INIT;
		Leadd__Response *r = NULL;
		char *tags[] = {"bench", "hot"};
		snprintf(title, sizeof(title), "bench lead %d.%ld", cl->index, i);
		lc.title = title;
		lc.source = "bench";
		lc.owner = (char *)bench_user();
		lc.n_tags = 2;
		lc.tags = tags;
		req.body_case = LEADD__REQUEST__BODY_LEAD_CREATE;
		req.lead_create = &lc;

		int64_t t0 = bench_now_ns();
		if (ld_call(cl->conn, &req, &r, CALL_MS) != 0) {
			snprintf(cl->err, sizeof(cl->err), "%s", ld_conn_error(cl->conn));
			cl->errors += cl->n - i;
			break;
		}
		cl->lat[i] = bench_now_ns() - t0;
		if (ld_response_code(r) != 0) {
			snprintf(cl->err, sizeof(cl->err), "%s: %s",
				 ld_code_name(ld_response_code(r)), ld_response_message(r));
			cl->errors++;
		}
		leadd__response__free_unpacked(r, NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: bench_create HOST:PORT CLIENTS CREATES_PER_CLIENT\n");
		return 2;
	}
	const char *addr = argv[1];
	int nclients = atoi(argv[2]);
	long per = atol(argv[3]);
	if (nclients <= 0 || per <= 0) {
		fprintf(stderr, "bench_create: CLIENTS and CREATES_PER_CLIENT must be positive\n");
		return 2;
	}

	client *cl = calloc((size_t)nclients, sizeof(*cl));
	pthread_t *th = calloc((size_t)nclients, sizeof(*th));
	int64_t *all = calloc((size_t)nclients * (size_t)per, sizeof(*all));
	pthread_barrier_t start;
	if (!cl || !th || !all) {
		fprintf(stderr, "bench_create: out of memory\n");
		return 1;
	}
	/* Connect everyone first: connection setup is not what is measured. */
	for (int i = 0; i < nclients; i++) {
		char err[256];
		cl[i].index = i;
		cl[i].n = per;
		cl[i].addr = addr;
		cl[i].start = &start;
		cl[i].lat = all + (size_t)i * (size_t)per;
		if (bench_connect(addr, "bench_create", &cl[i].conn, err, sizeof(err)) != 0) {
			fprintf(stderr, "bench_create: client %d: %s\n", i, err);
			return 1;
		}
	}

	uint64_t commits0, writes0, commits1, writes1;
	uint32_t max_batch;
	if (stats(addr, &commits0, &writes0, &max_batch) < 0)
		return 1;

	pthread_barrier_init(&start, NULL, (unsigned)nclients + 1);
	for (int i = 0; i < nclients; i++) {
		if (pthread_create(&th[i], NULL, run_client, &cl[i]) != 0) {
			fprintf(stderr, "bench_create: cannot start thread %d\n", i);
			return 1;
		}
	}
	pthread_barrier_wait(&start);
	int64_t t0 = bench_now_ns();
	for (int i = 0; i < nclients; i++)
		pthread_join(th[i], NULL);
	double secs = (double)(bench_now_ns() - t0) / 1e9;

	if (stats(addr, &commits1, &writes1, &max_batch) < 0)
		return 1;

	long errors = 0;
	for (int i = 0; i < nclients; i++) {
		if (cl[i].errors) {
			errors += cl[i].errors;
			fprintf(stderr, "bench_create: client %d: %ld errors, last: %s\n", i,
				cl[i].errors, cl[i].err);
		}
		ld_conn_close(cl[i].conn);
	}

	size_t n = (size_t)nclients * (size_t)per;
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += (double)all[i];
	qsort(all, n, sizeof(*all), bench_cmp_i64);
	uint64_t commits = commits1 - commits0, writes = writes1 - writes0;
	double wpc = commits ? (double)writes / (double)commits : 0;

	printf("create_latency_%dclient%s p50_us=%.1f p99_us=%.1f mean_us=%.1f\n", nclients,
	       nclients == 1 ? "" : "s", (double)bench_pct(all, n, 50) / 1e3,
	       (double)bench_pct(all, n, 99) / 1e3, sum / (double)n / 1e3);
	printf("creates_per_sec clients=%d value=%.0f writes_per_commit=%.2f commits=%" PRIu64
	       " writes_committed=%" PRIu64 " max_batch=%u errors=%ld\n",
	       nclients, (double)n / secs, wpc, commits, writes, max_batch, errors);

	pthread_barrier_destroy(&start);
	free(all);
	free(th);
	free(cl);
	return errors ? 1 : 0;
}
