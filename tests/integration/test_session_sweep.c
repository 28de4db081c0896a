/* The expired-session sweep deletes in chunks and keeps the sessions-by-user
 * index in step (issue 8). leadd is stopped, 1500 expired sessions of the
 * admin and 10 live ones are written into its data directory with LMDB
 * directly (more than one sweep step deletes), leadd starts again with
 * session_max_age=2 (a sweep every second), and within 20 s the sessions and
 * sessions_by_user databases hold the 10 live sessions alone; verify passes. */
#include <lmdb.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

/* cmocka.h needs the headers above it. */
#include <cmocka.h>

#include "leadd_store.pb-c.h"

#define EXPIRED 1500
#define LIVE 10

static const char *leadd;
static char dir[256], data[300];

static int run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static pid_t start(void)
{
	char port_file[400];
	snprintf(port_file, sizeof(port_file), "%s/port", dir);
	unlink(port_file);
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl(leadd, leadd, "--data-dir", data, "--listen", "127.0.0.1:0", "--port-file",
		      port_file, "--log-level", "warn", "--set", "session_max_age=2", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) {
		FILE *f = fopen(port_file, "r");
		int port = 0;
		if (f && fscanf(f, "%d", &port) == 1 && port > 0) {
			fclose(f);
			return pid;
		}
		if (f)
			fclose(f);
		usleep(50000);
	}
	kill(pid, SIGKILL);
	fail_msg("leadd did not start");
	return -1;
}

static void stop(pid_t pid)
{
	int st;
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

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

static void counts(size_t *sessions, size_t *by_user)
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

static void test_sweep_deletes_in_chunks(void **state)
{
	(void)state;
	assert_int_equal(run("echo admin-password | %s init --data-dir %s --admin admin "
			     "--password-stdin >/dev/null",
			     leadd, data),
			 0);
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
	assert_int_equal(run("%s verify --data-dir %s >/dev/null", leadd, data), 0);

	pid_t pid = start();
	size_t s = 0, u = 0;
	for (int i = 0; i < 200; i++) {
		counts(&s, &u);
		if (s == LIVE && u == LIVE)
			break;
		usleep(100000);
	}
	print_message("after the sweep: %zu sessions, %zu index entries\n", s, u);
	assert_int_equal(s, LIVE);
	assert_int_equal(u, LIVE);
	stop(pid);
	assert_int_equal(run("%s verify --data-dir %s >/dev/null", leadd, data), 0);
}

int main(void)
{
	leadd = getenv("LEADD");
	if (!leadd) {
		fprintf(stderr, "set LEADD to the leadd binary\n");
		return 1;
	}
	snprintf(dir, sizeof(dir), "/tmp/leadd-sweep-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(data, sizeof(data), "%s/data", dir);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sweep_deletes_in_chunks),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	run("rm -rf %s", dir);
	return failed;
}
