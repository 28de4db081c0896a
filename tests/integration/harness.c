#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ld_error.h"

static int run_with_stdin(char *const argv[], const char *input, char *err, size_t errlen,
			  int timeout_ms, long *elapsed_ms);

/* How long leadd has to write its port file, and to exit after SIGTERM. */
#define START_TIMEOUT_MS 10000
#define STOP_TIMEOUT_MS 30000
#define VERIFY_TIMEOUT_MS 60000

int64_t ld_test_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void describe_status(int status, char *out, size_t outlen)
{
	if (status < 0)
		snprintf(out, outlen, "did not finish in time (killed)");
	else if (WIFEXITED(status))
		snprintf(out, outlen, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(out, outlen, "was killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(out, outlen, "ended with wait status %#x", status);
}

/* Wait for pid until the deadline; 1 with *status set, 0 on timeout. */
static int wait_deadline(pid_t pid, int *status, int64_t deadline_us)
{
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 1;
		if (r < 0 && errno != EINTR) {
			fail_msg("waitpid(%d): %s", (int)pid, strerror(errno));
		}
		if (ld_test_now_us() >= deadline_us)
			return 0;
		sleep_ms(10);
	}
}

/* In the child: nothing from the test process (client sockets, pipes) should
 * leak into leadd, so a dead server's connections really die with it. */
static void child_close_fds(void)
{
	long max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (int fd = 3; fd < max; fd++)
		close(fd);
}

/* The port file is written once, when leadd listens; a newline marks it whole. */
static int read_port(const char *path)
{
	char buf[32];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	if (!strchr(buf, '\n'))
		return 0;
	char *end;
	long port = strtol(buf, &end, 10);
	if (end == buf || *end != '\n' || port <= 0 || port > 65535)
		fail_msg("port file %s holds \"%s\", not a port number", path, buf);
	return (int)port;
}

/* In the child: a test that crashes or is killed by ctest's timeout must not
 * leave a leadd behind holding the output pipe (ctest would wait on it). */
static void child_die_with_parent(pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
}

static const char *spawn(ld_test_server *s)
{
	pid_t parent = getpid();
	if (unlink(s->port_file) < 0 && errno != ENOENT)
		fail_msg("unlink %s: %s", s->port_file, strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		child_die_with_parent(parent);
		child_close_fds();
		char *argv[10 + LD_TEST_EXTRA_ARGS] = {
			(char *)s->leadd, "--data-dir", s->data_dir,   "--listen", "127.0.0.1:0",
			"--port-file",    s->port_file, "--log-level", "warn",     NULL};
		for (int i = 0; s->extra_args && i < LD_TEST_EXTRA_ARGS && s->extra_args[i]; i++)
			argv[9 + i] = (char *)s->extra_args[i];
		execv(s->leadd, argv);
		fprintf(stderr, "exec %s: %s\n", s->leadd, strerror(errno));
		_exit(127);
	}
	s->pid = pid;

	int64_t deadline = ld_test_now_us() + START_TIMEOUT_MS * 1000LL;
	for (;;) {
		int port = read_port(s->port_file);
		if (port > 0) {
			snprintf(s->addr, sizeof(s->addr), "127.0.0.1:%d", port);
			return s->addr;
		}
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			char why[128];
			s->pid = 0;
			describe_status(status, why, sizeof(why));
			fail_msg("leadd %s before writing its port file", why);
		}
		if (ld_test_now_us() >= deadline) {
			fail_msg("leadd wrote no port file to %s within %d ms", s->port_file,
				 START_TIMEOUT_MS);
		}
		sleep_ms(10);
	}
}

const char *ld_test_server_start(ld_test_server *s)
{
	memset(s, 0, sizeof(*s));
	s->leadd = getenv("LEADD");
	if (!s->leadd || !*s->leadd)
		fail_msg("set LEADD to the leadd binary (ctest does this)");
	const char *tmp = getenv("TMPDIR");
	snprintf(s->dir, sizeof(s->dir), "%s/leadd-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(s->dir)) {
		s->dir[0] = 0;
		fail_msg("mkdtemp: %s", strerror(errno));
	}
	snprintf(s->data_dir, sizeof(s->data_dir), "%s/data", s->dir);
	snprintf(s->port_file, sizeof(s->port_file), "%s/port", s->dir);
	char err[4096];
	int status = ld_test_server_init(s, LD_TEST_ADMIN, LD_TEST_ADMIN_PASSWORD, err,
					 sizeof(err));
	if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char why[128];
		describe_status(status, why, sizeof(why));
		fail_msg("leadd init %s; expected 0. stderr:\n%s", why, err);
	}
	return spawn(s);
}

int ld_test_server_init(ld_test_server *s, const char *admin, const char *password, char *err,
			size_t errlen)
{
	char input[PATH_MAX + 32];
	snprintf(input, sizeof(input), "%s/init-password", s->dir);
	int fd = open(input, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		fail_msg("create %s: %s", input, strerror(errno));
	size_t len = strlen(password);
	if (write(fd, password, len) != (ssize_t)len || write(fd, "\n", 1) != 1)
		fail_msg("write %s: %s", input, strerror(errno));
	close(fd);
	char *const argv[] = {(char *)s->leadd, "init",        "--data-dir",       s->data_dir,
			      "--admin",        (char *)admin, "--password-stdin", NULL};
	int status = run_with_stdin(argv, input, err, errlen, VERIFY_TIMEOUT_MS, NULL);
	unlink(input);
	return status;
}

const char *ld_test_server_restart(ld_test_server *s)
{
	assert_int_equal(s->pid, 0);
	return spawn(s);
}

void ld_test_server_stop(ld_test_server *s)
{
	assert_true(s->pid > 0);
	pid_t pid = s->pid;
	int status;
	if (kill(pid, SIGTERM) < 0)
		fail_msg("kill(%d, SIGTERM): %s", (int)pid, strerror(errno));
	if (!wait_deadline(pid, &status, ld_test_now_us() + STOP_TIMEOUT_MS * 1000LL)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		s->pid = 0;
		fail_msg("leadd did not exit within %d ms of SIGTERM", STOP_TIMEOUT_MS);
	}
	s->pid = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char why[128];
		describe_status(status, why, sizeof(why));
		fail_msg("leadd %s after SIGTERM; expected a clean exit 0", why);
	}
}

void ld_test_server_kill9(ld_test_server *s)
{
	assert_true(s->pid > 0);
	int status;
	assert_int_equal(kill(s->pid, SIGKILL), 0);
	while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
		;
	s->pid = 0;
}

void ld_test_server_verify(ld_test_server *s)
{
	char err[4096];
	char *const argv[] = {(char *)s->leadd, "verify", "--data-dir", s->data_dir, NULL};
	int status = ld_test_run(argv, err, sizeof(err), VERIFY_TIMEOUT_MS, NULL);
	if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char why[128];
		describe_status(status, why, sizeof(why));
		fail_msg("leadd verify %s; expected 0. stderr:\n%s", why, err);
	}
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void ld_test_server_cleanup(ld_test_server *s)
{
	if (s->pid > 0) {
		int status;
		kill(s->pid, SIGKILL);
		waitpid(s->pid, &status, 0);
		s->pid = 0;
	}
	if (!s->dir[0])
		return;
	if (getenv("LEADD_KEEP"))
		fprintf(stderr, "keeping %s\n", s->dir);
	else
		nftw(s->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	s->dir[0] = 0;
}

int ld_test_run(char *const argv[], char *err, size_t errlen, int timeout_ms, long *elapsed_ms)
{
	return run_with_stdin(argv, "/dev/null", err, errlen, timeout_ms, elapsed_ms);
}

static int run_with_stdin(char *const argv[], const char *input, char *err, size_t errlen,
			  int timeout_ms, long *elapsed_ms)
{
	int pfd[2];
	int64_t start = ld_test_now_us();
	int64_t deadline = start + (int64_t)timeout_ms * 1000;

	if (errlen)
		err[0] = 0;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		fail_msg("pipe2: %s", strerror(errno));
	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		child_die_with_parent(parent);
		int in = open(input, O_RDONLY);
		if (in >= 0)
			dup2(in, 0);
		dup2(pfd[1], 2);
		child_close_fds();
		execv(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);

	size_t used = 0;
	int eof = 0, status = 0, reaped = 0, timed_out = 0;
	while (!eof || !reaped) {
		int64_t left_us = deadline - ld_test_now_us();
		if (left_us <= 0) {
			timed_out = 1;
			break;
		}
		if (!eof) {
			struct pollfd p = {.fd = pfd[0], .events = POLLIN};
			int n = poll(&p, 1, left_us > 20000 ? 20 : (int)(left_us / 1000) + 1);
			if (n > 0) {
				char buf[1024];
				ssize_t r = read(pfd[0], buf, sizeof(buf));
				if (r <= 0 && !(r < 0 && errno == EINTR)) {
					eof = 1;
				} else if (r > 0 && errlen) {
					size_t k = (size_t)r;
					if (k > errlen - 1 - used)
						k = errlen - 1 - used;
					memcpy(err + used, buf, k);
					used += k;
					err[used] = 0;
				}
			}
		} else {
			sleep_ms(5);
		}
		if (!reaped && waitpid(pid, &status, WNOHANG) == pid)
			reaped = 1;
	}
	close(pfd[0]);
	if (timed_out && !reaped) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	if (elapsed_ms)
		*elapsed_ms = (long)((ld_test_now_us() - start) / 1000);
	if (timed_out && !reaped)
		return -1;
	return status;
}

ld_conn *ld_test_connect_anon(const char *addr)
{
	ld_conn *c = NULL;
	char err[256] = "";
	if (ld_conn_open(addr, "leadd-tests", 5000, &c, err, sizeof(err)) != 0)
		fail_msg("connect to leadd at %s: %s", addr, err);
	assert_non_null(c);
	return c;
}

ld_conn *ld_test_connect_as(const char *addr, const char *user, const char *password)
{
	ld_conn *c = ld_test_connect_anon(addr);
	uint8_t token[LD_TOKEN_BYTES];
	char err[256] = "";
	int rc = ld_login_password(c, user, password, token, err, sizeof(err));
	if (rc != 0)
		fail_msg("log in to leadd at %s as %s: %s (%s)", addr, user,
			 rc < 0 ? "transport error" : ld_code_name(rc), err);
	return c;
}

ld_conn *ld_test_connect(const char *addr)
{
	return ld_test_connect_as(addr, LD_TEST_ADMIN, LD_TEST_ADMIN_PASSWORD);
}

void ld_test_user_add(ld_conn *admin, const char *name, Leadd__Role role, const char *team,
		      const char *password)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__UserAddRequest ua = LEADD__USER_ADD_REQUEST__INIT;
	ua.name = (char *)name;
	ua.has_role = 1;
	ua.role = role;
	ua.team = (char *)team;
	ua.password = (char *)password;
	req.body_case = LEADD__REQUEST__BODY_USER_ADD;
	req.user_add = &ua;
	leadd__response__free_unpacked(ld_test_call_expect(admin, &req, 0), NULL);
}

void ld_test_team_add(ld_conn *admin, const char *name, const char *manager)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__TeamAddRequest ta = LEADD__TEAM_ADD_REQUEST__INIT;
	char *managers[] = {(char *)manager};
	ta.name = (char *)name;
	ta.n_managers = manager ? 1 : 0;
	ta.managers = managers;
	req.body_case = LEADD__REQUEST__BODY_TEAM_ADD;
	req.team_add = &ta;
	leadd__response__free_unpacked(ld_test_call_expect(admin, &req, 0), NULL);
}

Leadd__Response *ld_test_call(ld_conn *c, Leadd__Request *req)
{
	Leadd__Response *resp = NULL;
	if (ld_call(c, req, &resp, LD_TEST_CALL_MS) != 0)
		fail_msg("request (body %d) got no answer: %s", (int)req->body_case,
			 ld_conn_error(c));
	assert_non_null(resp);
	return resp;
}

Leadd__Response *ld_test_call_expect(ld_conn *c, Leadd__Request *req, int code)
{
	Leadd__Response *resp = ld_test_call(c, req);
	int got = ld_response_code(resp);
	if (got != code)
		fail_msg("request (body %d) answered %s (%s); expected %s", (int)req->body_case,
			 ld_code_name(got), ld_response_message(resp), ld_code_name(code));
	return resp;
}

const Leadd__Lead *ld_test_lead(const Leadd__Response *r)
{
	if (r->body_case != LEADD__RESPONSE__BODY_LEAD || !r->lead || !r->lead->lead)
		fail_msg("reply carries no lead (body %d)", (int)r->body_case);
	return r->lead->lead;
}

Leadd__Response *ld_test_get(ld_conn *c, uint64_t id)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__LeadGetRequest get = LEADD__LEAD_GET_REQUEST__INIT;
	get.has_id = 1;
	get.id = id;
	req.body_case = LEADD__REQUEST__BODY_LEAD_GET;
	req.lead_get = &get;
	return ld_test_call(c, &req);
}

Leadd__StatsReply *ld_test_stats(ld_conn *c, Leadd__Response **keep)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__StatsRequest st = LEADD__STATS_REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_STATS;
	req.stats = &st;
	Leadd__Response *r = ld_test_call_expect(c, &req, 0);
	if (r->body_case != LEADD__RESPONSE__BODY_STATS || !r->stats)
		fail_msg("StatsRequest answered without a StatsReply (body %d)", (int)r->body_case);
	*keep = r;
	return r->stats;
}

Leadd__Response *ld_test_create_title(ld_conn *c, const char *title)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__LeadCreateRequest lc = LEADD__LEAD_CREATE_REQUEST__INIT;
	lc.title = (char *)title;
	lc.owner = LD_TEST_ADMIN; /* an admin names an owner or a team */
	req.body_case = LEADD__REQUEST__BODY_LEAD_CREATE;
	req.lead_create = &lc;
	Leadd__Response *r = ld_test_call_expect(c, &req, 0);
	ld_test_lead(r);
	return r;
}

int ld_test_setup(void **state)
{
	*state = calloc(1, sizeof(ld_test_server));
	return *state ? 0 : -1;
}

int ld_test_teardown(void **state)
{
	ld_test_server_cleanup(*state);
	free(*state);
	return 0;
}
