/* The floor under every leadd write: one durable LMDB commit.
 *
 * Usage: bench_mdb_commit DIR [N]
 * Opens an LMDB environment in DIR (created if missing) with the default,
 * fully durable flags and commits N (default 1000) transactions of one
 * ~300-byte put each. No server can acknowledge unbatched writes faster than
 * this; group commit is how leadd beats it. */
#include <errno.h>
#include <inttypes.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench_common.h"

#define VALUE_BYTES 300

static void check(int rc, const char *what)
{
	if (rc != 0) {
		fprintf(stderr, "bench_mdb_commit: %s: %s\n", what, mdb_strerror(rc));
		exit(1);
	}
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: bench_mdb_commit DIR [N]\n");
		return 2;
	}
	const char *dir = argv[1];
	long n = argc > 2 ? strtol(argv[2], NULL, 10) : 1000;
	if (n <= 0) {
		fprintf(stderr, "bench_mdb_commit: N must be a positive number\n");
		return 2;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "bench_mdb_commit: mkdir %s: %s\n", dir, strerror(errno));
		return 1;
	}

	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	check(mdb_env_create(&env), "mdb_env_create");
	check(mdb_env_set_mapsize(env, 256u << 20), "mdb_env_set_mapsize");
	/* Flags 0: the durable default, an fsync per commit, as leadd runs. */
	check(mdb_env_open(env, dir, 0, 0600), "mdb_env_open");
	check(mdb_txn_begin(env, NULL, 0, &txn), "mdb_txn_begin");
	check(mdb_dbi_open(txn, NULL, 0, &dbi), "mdb_dbi_open");
	check(mdb_txn_commit(txn), "mdb_txn_commit");

	int64_t *lat = malloc((size_t)n * sizeof(*lat));
	if (!lat) {
		fprintf(stderr, "bench_mdb_commit: out of memory\n");
		return 1;
	}
	unsigned char value[VALUE_BYTES];
	for (size_t i = 0; i < sizeof(value); i++)
		value[i] = (unsigned char)(i * 13);

	int64_t start = bench_now_ns();
	for (long i = 0; i < n; i++) {
		/* Big-endian keys, appended in order, as leadd's ids are. */
		unsigned char key[8];
		uint64_t k = (uint64_t)i + 1;
		for (int b = 0; b < 8; b++)
			key[b] = (unsigned char)(k >> (56 - 8 * b));
		memcpy(value, key, sizeof(key));
		MDB_val kv = {sizeof(key), key}, vv = {sizeof(value), value};

		int64_t t0 = bench_now_ns();
		check(mdb_txn_begin(env, NULL, 0, &txn), "mdb_txn_begin");
		check(mdb_put(txn, dbi, &kv, &vv, 0), "mdb_put");
		check(mdb_txn_commit(txn), "mdb_txn_commit");
		lat[i] = bench_now_ns() - t0;
	}
	double secs = (double)(bench_now_ns() - start) / 1e9;
	mdb_env_close(env);

	qsort(lat, (size_t)n, sizeof(*lat), bench_cmp_i64);
	printf("mdb_commit n=%ld commits_per_sec=%.0f p50_us=%.1f p99_us=%.1f\n", n,
	       (double)n / secs, (double)bench_pct(lat, (size_t)n, 50) / 1e3,
	       (double)bench_pct(lat, (size_t)n, 99) / 1e3);
	free(lat);
	return 0;
}
