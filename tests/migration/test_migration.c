/* Storage migrations: a data directory of the previous schema version opens,
 * is migrated, keeps its leads, and passes verify.
 *
 * Schema 1 had no session key (users came with schema 2). The test makes a
 * schema-1 directory the only way an old leadd left it — leads written, no
 * session key, schema_version 1 — by taking a current one and undoing
 * migration 2 with LMDB directly; then starts leadd on it. */
#include <lmdb.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* cmocka.h needs the headers above it. */
#include <cmocka.h>

#include "ld_client.h"

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

static pid_t start(char *addr, size_t len)
{
	char port_file[400];
	snprintf(port_file, sizeof(port_file), "%s/port", dir);
	unlink(port_file);
	pid_t pid = fork();
	if (pid == 0) {
		/* Die with the test, so a failed assertion leaves no leadd behind. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl(leadd, leadd, "--data-dir", data, "--listen", "127.0.0.1:0", "--port-file",
		      port_file, "--log-level", "warn", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) {
		FILE *f = fopen(port_file, "r");
		int port = 0;
		if (f && fscanf(f, "%d", &port) == 1 && port > 0) {
			fclose(f);
			snprintf(addr, len, "127.0.0.1:%d", port);
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

static ld_conn *login(const char *addr)
{
	ld_conn *c;
	char err[256];
	uint8_t token[LD_TOKEN_BYTES];
	assert_int_equal(ld_conn_open(addr, "migration-test", 5000, &c, err, sizeof(err)), 0);
	assert_int_equal(ld_login_password(c, "admin", "admin-password", token, err, sizeof(err)),
			 0);
	return c;
}

static uint64_t create_lead(ld_conn *c, const char *title)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__LeadCreateRequest q = LEADD__LEAD_CREATE_REQUEST__INIT;
	q.title = (char *)title;
	q.owner = "admin"; /* an admin has no team pool: name the owner */
	req.body_case = LEADD__REQUEST__BODY_LEAD_CREATE;
	req.lead_create = &q;
	Leadd__Response *r;
	assert_int_equal(ld_call(c, &req, &r, 5000), 0);
	assert_int_equal(ld_response_code(r), 0);
	uint64_t id = r->lead->lead->id;
	leadd__response__free_unpacked(r, NULL);
	return id;
}

/* Undo migration 2: schema_version 1, no session key. */
static void downgrade_to_schema_1(void)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta;
	assert_int_equal(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 64);
	mdb_env_set_mapsize(env, 256u << 20);
	assert_int_equal(mdb_env_open(env, data, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
	MDB_val k = {strlen("session_key"), "session_key"};
	assert_int_equal(mdb_del(txn, meta, &k, NULL), 0);
	uint8_t one[8] = {0, 0, 0, 0, 0, 0, 0, 1};
	MDB_val sk = {strlen("schema_version"), "schema_version"}, sv = {8, one};
	assert_int_equal(mdb_put(txn, meta, &sk, &sv, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

static uint64_t read_schema(void)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta;
	mdb_env_create(&env);
	mdb_env_set_maxdbs(env, 64);
	assert_int_equal(mdb_env_open(env, data, MDB_RDONLY, 0600), 0);
	mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
	mdb_dbi_open(txn, "meta", 0, &meta);
	MDB_val k = {strlen("schema_version"), "schema_version"}, v;
	uint64_t version = 0;
	if (mdb_get(txn, meta, &k, &v) == 0 && v.mv_size == 8)
		for (int i = 0; i < 8; i++)
			version = version << 8 | ((uint8_t *)v.mv_data)[i];
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return version;
}

static void test_schema_1_directory_migrates(void **state)
{
	(void)state;
	char addr[64];
	assert_int_equal(run("echo admin-password | %s init --data-dir %s --admin admin "
			     "--password-stdin >/dev/null",
			     leadd, data),
			 0);
	pid_t pid = start(addr, sizeof(addr));
	ld_conn *c = login(addr);
	uint64_t id = create_lead(c, "written under schema 1");
	ld_conn_close(c);
	stop(pid);

	downgrade_to_schema_1();
	assert_int_equal(read_schema(), 1);

	pid = start(addr, sizeof(addr));
	assert_int_equal(read_schema(), 3);
	c = login(addr); /* needs the session key migration 2 made */
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__LeadGetRequest g = LEADD__LEAD_GET_REQUEST__INIT;
	g.has_id = 1;
	g.id = id;
	req.body_case = LEADD__REQUEST__BODY_LEAD_GET;
	req.lead_get = &g;
	Leadd__Response *r;
	assert_int_equal(ld_call(c, &req, &r, 5000), 0);
	assert_int_equal(ld_response_code(r), 0);
	assert_string_equal(r->lead->lead->title, "written under schema 1");
	leadd__response__free_unpacked(r, NULL);
	ld_conn_close(c);
	stop(pid);
	assert_int_equal(run("%s verify --data-dir %s >/dev/null", leadd, data), 0);
}

static void test_newer_schema_is_refused(void **state)
{
	(void)state;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta;
	mdb_env_create(&env);
	mdb_env_set_maxdbs(env, 64);
	assert_int_equal(mdb_env_open(env, data, 0, 0600), 0);
	mdb_txn_begin(env, NULL, 0, &txn);
	mdb_dbi_open(txn, "meta", 0, &meta);
	uint8_t v99[8] = {0, 0, 0, 0, 0, 0, 0, 99};
	MDB_val k = {strlen("schema_version"), "schema_version"}, v = {8, v99};
	assert_int_equal(mdb_put(txn, meta, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	/* A newer data directory is refused with a sentence, not touched. */
	assert_int_equal(run("%s --data-dir %s --listen 127.0.0.1:0 2>%s/err", leadd, data, dir),
			 1);
	assert_int_equal(run("grep -q 'newer than this leadd' %s/err", dir), 0);
	assert_int_equal(read_schema(), 99);
}

int main(void)
{
	leadd = getenv("LEADD");
	if (!leadd) {
		fprintf(stderr, "set LEADD to the leadd binary\n");
		return 1;
	}
	snprintf(dir, sizeof(dir), "/tmp/leadd-migration-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(data, sizeof(data), "%s/data", dir);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schema_1_directory_migrates),
		cmocka_unit_test(test_newer_schema_is_refused),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	run("rm -rf %s", dir);
	return failed;
}
