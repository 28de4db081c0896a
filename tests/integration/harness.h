/* Integration test harness: a real leadd on 127.0.0.1, an ephemeral port and
 * a temporary data directory, driven through the client library.
 *
 * Every test ends with ld_test_server_stop() (SIGTERM, exit status 0) and
 * ld_test_server_verify() (`leadd verify` exits 0): verify recounts indexes,
 * counters and history from the records, so it is every test's oracle. */
#ifndef LD_TEST_HARNESS_H
#define LD_TEST_HARNESS_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ld_client.h"
#include "ld_error.h"
#include "leadd.pb-c.h"

/* How long a test waits for one answer before calling the server hung. */
#define LD_TEST_CALL_MS 20000

/* How many extra_args (below) a start passes on to leadd at most. */
#define LD_TEST_EXTRA_ARGS 8

/* The first admin, created by `leadd init` before the first start. */
#define LD_TEST_ADMIN "admin"
#define LD_TEST_ADMIN_PASSWORD "harness-admin-pw-1"

typedef struct {
	char dir[PATH_MAX - 16];  /* mkdtemp root, removed by cleanup */
	char data_dir[PATH_MAX];  /* DIR/data */
	char port_file[PATH_MAX]; /* DIR/port */
	char addr[64];            /* "127.0.0.1:PORT" once started */
	const char *leadd;        /* path of the leadd binary, from $LEADD */
	pid_t pid;                /* 0 when not running */
	/* Extra leadd arguments for the next start or restart (NULL-terminated,
	 * at most LD_TEST_EXTRA_ARGS), e.g. {"--set", "session_max_age=2", NULL}.
	 * ld_test_server_start clears it; set it before ld_test_server_restart. */
	const char *const *extra_args;
} ld_test_server;

/* mkdtemp a directory, run `leadd init` (admin LD_TEST_ADMIN with
 * LD_TEST_ADMIN_PASSWORD) and start leadd in it; fails the test if leadd does
 * not write its port file within 10 s. Returns s->addr. */
const char *ld_test_server_start(ld_test_server *s);
/* Start leadd again on the same data directory (after stop or kill9). */
const char *ld_test_server_restart(ld_test_server *s);
/* SIGTERM, wait, and assert a clean exit with status 0. */
void ld_test_server_stop(ld_test_server *s);
/* SIGKILL and reap: a crash at the worst moment. */
void ld_test_server_kill9(ld_test_server *s);
/* Run `leadd verify --data-dir DIR/data` and assert exit status 0. */
void ld_test_server_verify(ld_test_server *s);
/* Kill leadd if still running and remove the directory (kept when the
 * environment has LEADD_KEEP set, for a post-mortem). */
void ld_test_server_cleanup(ld_test_server *s);

/* Run argv with stdin from /dev/null, stdout to ours and stderr captured into
 * err (NUL-terminated, truncated to errlen). Waits at most timeout_ms, then
 * kills it. Returns the raw wait status, or -1 on timeout. *elapsed_ms gets
 * the run time when not NULL. */
int ld_test_run(char *const argv[], char *err, size_t errlen, int timeout_ms, long *elapsed_ms);

/* Run `leadd init --data-dir DIR/data --admin NAME --password-stdin` with
 * password on its stdin; returns the raw wait status (-1 on timeout), stderr
 * in err. ld_test_server_start does this for the harness admin. */
int ld_test_server_init(ld_test_server *s, const char *admin, const char *password, char *err,
			size_t errlen);

/* cmocka-friendly helpers: they fail the test on a transport error. */
/* Hello, then log in as the harness admin. */
ld_conn *ld_test_connect(const char *addr);
/* Hello, then log in as user with password (fails the test if refused). */
ld_conn *ld_test_connect_as(const char *addr, const char *user, const char *password);
/* Hello only, not logged in (tests of the login itself). */
ld_conn *ld_test_connect_anon(const char *addr);
Leadd__Response *ld_test_call(ld_conn *c, Leadd__Request *req);
/* Call and assert the answer carries `code`; returns the response. */
Leadd__Response *ld_test_call_expect(ld_conn *c, Leadd__Request *req, int code);

/* Request builders for the common cases (the caller's structs, no heap). */
Leadd__Response *ld_test_get(ld_conn *c, uint64_t id);
Leadd__StatsReply *ld_test_stats(ld_conn *c, Leadd__Response **keep);
Leadd__Response *ld_test_create_title(ld_conn *c, const char *title);

/* As an admin: add a user (team NULL: none) / a team; assert OK. */
void ld_test_user_add(ld_conn *admin, const char *name, Leadd__Role role, const char *team,
		      const char *password);
void ld_test_team_add(ld_conn *admin, const char *name, const char *manager);

/* The lead in a reply carrying one (LeadReply), asserting it is there. */
const Leadd__Lead *ld_test_lead(const Leadd__Response *r);

/* Wall clock in microseconds, for timing. */
int64_t ld_test_now_us(void);

/* cmocka fixtures: a fresh ld_test_server per test, cleaned up after. */
int ld_test_setup(void **state);
int ld_test_teardown(void **state);

#endif
