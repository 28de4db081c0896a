/* The expired-session sweep deletes in chunks and keeps the sessions-by-user
 * index in step (issue 8). leadd is stopped, 1500 expired sessions of the
 * admin and 10 live ones are written into its data directory with LMDB
 * directly (more than one sweep step deletes), leadd starts again with
 * session_max_age=2 (a sweep every second), and within 20 s the sessions and
 * sessions_by_user databases hold the 10 live sessions alone; verify passes. */
#include <fcntl.h>
#include <lmdb.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

/* cmocka.h needs the headers above it. */
#include <cmocka.h>

#include "harness.h"
#include "leadd_store.pb-c.h"

#define EXPIRED 1500
#define LIVE 10

static int64_t now_ms(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void put_session(MDB_txn *txn, MDB_dbi sessions, MDB_dbi by_user, int i, int64_t at)
{
	uint8_t sid[32] = {0}, uid[8] = {0, 0, 0, 0, 0, 0, 0, 1}; /* the admin is user 1 */
	/* Spread the ids over the key space, as hashes are. */
	for (int b = 0; b < 32; b++)
		sid[b] = (uint8_t)((i * 2654435761u) >> (b % 4 * 8)) ^ (uint8_t)b;
	sid[31] = (uint8_t)i;
	sid[30] = (uint8_t)(i >> 8);
	Leadd__Store__SessionRecord s = LEADD__STORE__SESSION_RECORD__INIT;
	s.has_user_id = s.has_created_at = s.has_last_used_at = 1;
	s.user_id = 1;
	s.created_at = s.last_used_at = at;
	uint8_t buf[64];
	size_t n = leadd__store__session_record__pack(&s, buf);
	MDB_val k = {32, sid}, v = {n, buf}, uk = {8, uid}, uv = {32, sid};
	assert_int_equal(mdb_put(txn, sessions, &k, &v, 0), 0);
	assert_int_equal(mdb_put(txn, by_user, &uk, &uv, 0), 0);
}

static void counts(const char *data, size_t *sessions, size_t *by_user)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi s, u;
	MDB_stat st;
	assert_int_equal(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 64);
	assert_int_equal(mdb_env_open(env, data, MDB_RDONLY, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "sessions", 0, &s), 0);
	assert_int_equal(mdb_dbi_open(txn, "sessions_by_user", 0, &u), 0);
	mdb_stat(txn, s, &st);
	*sessions = st.ms_entries;
	mdb_stat(txn, u, &st);
	*by_user = st.ms_entries;
	mdb_txn_abort(txn);
	mdb_env_close(env);
}

/* This test has always printed only its own sweep figures: leadd init's and
 * verify's report lines go to /dev/null while they run. */
static int stdout_to_null(void)
{
	fflush(stdout);
	int keep = dup(STDOUT_FILENO);
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	assert_true(keep >= 0 && null >= 0);
	assert_true(dup2(null, STDOUT_FILENO) >= 0);
	close(null);
	return keep;
}

static void stdout_back(int keep)
{
	assert_true(dup2(keep, STDOUT_FILENO) >= 0);
	close(keep);
}

static void verify_quietly(ld_test_server *srv)
{
	int keep = stdout_to_null();
	ld_test_server_verify(srv);
	stdout_back(keep);
}

static void test_sweep_deletes_in_chunks(void **state)
{
	ld_test_server *srv = *state;
	/* leadd init made the admin (user 1); leadd is stopped while the
	 * sessions are written behind its back. */
	int keep = stdout_to_null();
	ld_test_server_start(srv);
	ld_test_server_stop(srv);
	stdout_back(keep);
	const char *data = srv->data_dir;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi sessions, by_user;
	assert_int_equal(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 64);
	mdb_env_set_mapsize(env, 256u << 20);
	assert_int_equal(mdb_env_open(env, data, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "sessions", 0, &sessions), 0);
	assert_int_equal(mdb_dbi_open(txn, "sessions_by_user", 0, &by_user), 0);
	int64_t now = now_ms();
	for (int i = 0; i < EXPIRED; i++)
		put_session(txn, sessions, by_user, i, now - 3600 * 1000);
	/* Made "in the future": alive for the hour the test could take. */
	for (int i = EXPIRED; i < EXPIRED + LIVE; i++)
		put_session(txn, sessions, by_user, i, now + 3600 * 1000);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	verify_quietly(srv);

	static const char *const sweep_every_second[] = {"--set", "session_max_age=2", NULL};
	srv->extra_args = sweep_every_second;
	ld_test_server_restart(srv);
	size_t s = 0, u = 0;
	for (int i = 0; i < 200; i++) {
		counts(data, &s, &u);
		if (s == LIVE && u == LIVE)
			break;
		usleep(100000);
	}
	print_message("after the sweep: %zu sessions, %zu index entries\n", s, u);
	assert_int_equal(s, LIVE);
	assert_int_equal(u, LIVE);
	ld_test_server_stop(srv);
	verify_quietly(srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sweep_deletes_in_chunks, ld_test_setup,
						ld_test_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
