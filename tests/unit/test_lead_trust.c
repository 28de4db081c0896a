/* Unit tests for client/lead_trust.c: the known_servers file (keys,
 * lookups, lines added, lines that vouch for nothing) and the trust rules
 * lead and leadtop apply to a server's certificate, without a server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lead.h"

static char dir[] = "/tmp/test_lead_trust.XXXXXX";
static char path[256];

#define FP_A "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define FP_B "SHA256:+Hn6Ht14vhazfcnKPz1AmMZYYkJcJebN1/kNvSZphyE"
#define FP_C "SHA256:Zz9/Zz9/Zz9/Zz9/Zz9/Zz9/Zz9/Zz9/Zz9/Zz9/Zz9"

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	/* The file sits in a directory lead makes on first use. */
	char cfg[200];
	snprintf(cfg, sizeof(cfg), "%s/cfg/lead", dir);
	setenv("LEAD_CONFIG_DIR", cfg, 1);
	snprintf(path, sizeof(path), "%s/known_servers", cfg);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *read_file(void)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_key(void **state)
{
	(void)state;
	char k[300];
	assert_int_equal(lead_trust_key("Leadd.Example.COM:7470", k, sizeof(k)), 0);
	assert_string_equal(k, "leadd.example.com:7470");
	assert_int_equal(lead_trust_key("leadd", k, sizeof(k)), 0);
	assert_string_equal(k, "leadd:7470"); /* the default port, said */
	assert_int_equal(lead_trust_key("[::1]:80", k, sizeof(k)), 0);
	assert_string_equal(k, "[::1]:80");
	assert_int_equal(lead_trust_key("FE80::1", k, sizeof(k)), 0);
	assert_string_equal(k, "[fe80::1]:7470");
	assert_int_equal(lead_trust_key("10.0.0.5:08", k, sizeof(k)), 0);
	assert_string_equal(k, "10.0.0.5:8");
	assert_int_equal(lead_trust_key("host:99999", k, sizeof(k)), -1);
	assert_int_equal(lead_trust_key(":7470", k, sizeof(k)), -1);
	/* Too long for the buffer: refused, never cut into another key. */
	char small[8];
	assert_int_equal(lead_trust_key("leadd.example.com:7470", small, sizeof(small)), -1);
}

static void test_fingerprint_form(void **state)
{
	(void)state;
	assert_true(lead_trust_fingerprint_valid(FP_A));
	assert_true(lead_trust_fingerprint_valid(FP_B));
	assert_false(lead_trust_fingerprint_valid("SHA256:"));
	assert_false(
		lead_trust_fingerprint_valid("sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
	assert_false(lead_trust_fingerprint_valid(FP_A "A"));      /* 44 characters */
	assert_false(lead_trust_fingerprint_valid(FP_A "="));      /* padding */
	assert_false(lead_trust_fingerprint_valid("SHA256:AAAA")); /* short */
	char bad[] = FP_A;
	bad[10] = '-';
	assert_false(lead_trust_fingerprint_valid(bad));
}

static void test_add_and_lookup(void **state)
{
	(void)state;
	char err[300], old[LD_TLS_FINGERPRINT_LEN] = "";
	int line = 0;
	unlink(path);
	/* No file: nothing is known, and that is no error. */
	assert_int_equal(lead_trust_lookup(path, "a:1", FP_A, &line, old, err, sizeof(err)),
			 LEAD_TRUST_UNKNOWN);
	assert_int_equal(lead_trust_add(path, "a:1", FP_A, err, sizeof(err)), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(lead_trust_add(path, "b:2", FP_B, err, sizeof(err)), 0);
	const char *text = read_file();
	assert_non_null(strstr(text, "# Servers lead trusts"));
	assert_non_null(strstr(text, "\na:1 " FP_A "\nb:2 " FP_B "\n"));

	assert_int_equal(lead_trust_lookup(path, "a:1", FP_A, &line, old, err, sizeof(err)),
			 LEAD_TRUST_MATCH);
	assert_int_equal(lead_trust_lookup(path, "b:2", FP_B, &line, old, err, sizeof(err)),
			 LEAD_TRUST_MATCH);
	assert_int_equal(lead_trust_lookup(path, "c:3", FP_A, &line, old, err, sizeof(err)),
			 LEAD_TRUST_UNKNOWN);
	/* Another fingerprint for a known server: changed, and where. */
	assert_int_equal(lead_trust_lookup(path, "b:2", FP_A, &line, old, err, sizeof(err)),
			 LEAD_TRUST_CHANGED);
	assert_int_equal(line, 4); /* two comment lines, then a:1 */
	assert_string_equal(old, FP_B);
}

static void test_hand_edits(void **state)
{
	(void)state;
	char err[300], old[LD_TLS_FINGERPRINT_LEN] = "";
	int line = 0;
	/* Any case, tabs, CRLF, comments; lines that are not a server and a
	 * fingerprint vouch for nothing. No final newline. */
	write_file("# mine\n"
		   "\n"
		   "LEADD.example.com:7470\t" FP_A "\r\n"
		   "x:1 SHA256:short\n"
		   "x:1\n"
		   "y:1 " FP_B " extra words\n"
		   "z:1 " FP_C);
	assert_int_equal(lead_trust_lookup(path, "leadd.example.com:7470", FP_A, &line, old, err,
					   sizeof(err)),
			 LEAD_TRUST_MATCH);
	assert_int_equal(lead_trust_lookup(path, "x:1", FP_A, &line, old, err, sizeof(err)),
			 LEAD_TRUST_UNKNOWN);
	assert_int_equal(lead_trust_lookup(path, "y:1", FP_B, &line, old, err, sizeof(err)),
			 LEAD_TRUST_MATCH);
	assert_int_equal(lead_trust_lookup(path, "z:1", FP_C, &line, old, err, sizeof(err)),
			 LEAD_TRUST_MATCH);
	/* Two lines for one server (a new certificate added beside the
	 * old): either matches; the changed case names the first. */
	assert_int_equal(lead_trust_add(path, "z:1", FP_A, err, sizeof(err)), 0);
	const char *text = read_file();
	assert_non_null(strstr(text, "z:1 " FP_C "\nz:1 " FP_A "\n")); /* newline added */
	assert_int_equal(lead_trust_lookup(path, "z:1", FP_A, &line, old, err, sizeof(err)),
			 LEAD_TRUST_MATCH);
	assert_int_equal(lead_trust_lookup(path, "z:1", FP_B, &line, old, err, sizeof(err)),
			 LEAD_TRUST_CHANGED);
	assert_int_equal(line, 7);
	assert_string_equal(old, FP_C);
}

static void test_unreadable(void **state)
{
	(void)state;
	char err[300], old[LD_TLS_FINGERPRINT_LEN];
	int line;
	char sub[300];
	/* A directory where the file should be. */
	snprintf(sub, sizeof(sub), "%s/dir_not_file", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	int rc = lead_trust_lookup(sub, "a:1", FP_A, &line, old, err, sizeof(err));
	/* fopen of a directory succeeds for reading on Linux; the read fails. */
	assert_int_equal(rc, -1);
	assert_non_null(strstr(err, "cannot read"));
	assert_int_equal(lead_trust_add(sub, "a:1", FP_A, err, sizeof(err)), -1);
}

/* Logins at once (terminals, scripts): every line lands. */
static void test_concurrent_adds(void **state)
{
	(void)state;
	unlink(path);
	enum { PROCS = 4, EACH = 25 };
	for (int p = 0; p < PROCS; p++) {
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			char key[64], err[300];
			for (int i = 0; i < EACH; i++) {
				snprintf(key, sizeof(key), "host-%d-%d:7470", p, i);
				if (lead_trust_add(path, key, FP_A, err, sizeof(err)) < 0)
					_exit(1);
			}
			_exit(0);
		}
	}
	for (int p = 0; p < PROCS; p++) {
		int st;
		assert_true(wait(&st) > 0);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	char err[300], old[LD_TLS_FINGERPRINT_LEN], key[64];
	int line;
	for (int p = 0; p < PROCS; p++)
		for (int i = 0; i < EACH; i++) {
			snprintf(key, sizeof(key), "host-%d-%d:7470", p, i);
			assert_int_equal(
				lead_trust_lookup(path, key, FP_A, &line, old, err, sizeof(err)),
				LEAD_TRUST_MATCH);
		}
}

/* A known_servers kept as a symbolic link stays one. */
static void test_symlink_kept(void **state)
{
	(void)state;
	char target[300], err[300], old[LD_TLS_FINGERPRINT_LEN];
	int line;
	snprintf(target, sizeof(target), "%s/dotfiles_known_servers", dir);
	FILE *f = fopen(target, "w");
	assert_non_null(f);
	fputs("a:1 " FP_A "\n", f);
	fclose(f);
	unlink(path);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(lead_trust_add(path, "b:2", FP_B, err, sizeof(err)), 0);
	struct stat st;
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(lead_trust_lookup(target, "a:1", FP_A, &line, old, err, sizeof(err)),
			 LEAD_TRUST_MATCH);
	assert_int_equal(lead_trust_lookup(target, "b:2", FP_B, &line, old, err, sizeof(err)),
			 LEAD_TRUST_MATCH);
	unlink(path);
}

/* The trust rules, as lead_conn_open applies them. */
static int check(struct lead_ctx *ctx, const char *server, const char *fp, const char *why,
		 char *err, size_t errlen)
{
	ld_peer_cert peer = {.server = server, .host = "x", .fingerprint = fp, .verify_error = why};
	err[0] = '\0';
	return lead_trust_check(ctx, &peer, err, errlen);
}

static void test_rules(void **state)
{
	(void)state;
	char err[1024];
	struct lead_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	unlink(path);
	/* Vouched for by the system store and the host name: trusted, not
	 * pinned. */
	assert_int_equal(check(&ctx, "ca.example:7470", FP_A, NULL, err, sizeof(err)), 0);
	assert_int_equal(access(path, F_OK), -1);

	/* Unknown and self-signed: any command but login refuses. */
	assert_int_equal(
		check(&ctx, "self.example:7470", FP_A, "self-signed certificate", err, sizeof(err)),
		LD_UNAUTHENTICATED);
	assert_non_null(strstr(err, "not a known server"));
	assert_non_null(strstr(err, "self-signed certificate"));
	assert_non_null(strstr(err, "run 'lead login'"));
	assert_int_equal(access(path, F_OK), -1);

	/* login --fingerprint: must match, then it is stored. */
	ctx.trust_ask = 1;
	ctx.fingerprint_opt = FP_B;
	assert_int_equal(check(&ctx, "Self.Example:7470", FP_A, "self-signed", err, sizeof(err)),
			 LD_UNAUTHENTICATED);
	assert_non_null(strstr(err, FP_A));
	assert_non_null(strstr(err, FP_B));
	assert_non_null(strstr(err, "nothing was stored"));
	assert_int_equal(access(path, F_OK), -1);
	/* ... also when an authority vouches: the script named another. */
	assert_int_equal(check(&ctx, "ca.example:7470", FP_A, NULL, err, sizeof(err)),
			 LD_UNAUTHENTICATED);
	ctx.fingerprint_opt = FP_A;
	assert_int_equal(check(&ctx, "Self.Example:7470", FP_A, "self-signed", err, sizeof(err)),
			 0);
	assert_true(ctx.trusted_now);
	assert_non_null(strstr(read_file(), "\nself.example:7470 " FP_A "\n"));

	/* Known now: every command goes on. */
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(check(&ctx, "self.example", FP_A, "self-signed", err, sizeof(err)), 0);
	assert_false(ctx.trusted_now);

	/* Changed: refused loudly, whoever asks, with both fingerprints and
	 * the line to remove. */
	for (int login = 0; login < 2; login++) {
		ctx.trust_ask = login;
		ctx.fingerprint_opt = login ? FP_C : NULL;
		assert_int_equal(
			check(&ctx, "self.example:7470", FP_C, "self-signed", err, sizeof(err)),
			LD_UNAUTHENTICATED);
		assert_non_null(strstr(err, "WARNING"));
		assert_non_null(strstr(err, "CHANGED"));
		assert_non_null(strstr(err, "intercepting"));
		assert_non_null(strstr(err, FP_A));
		assert_non_null(strstr(err, FP_C));
		assert_non_null(strstr(err, "remove line 3 of "));
		assert_non_null(strstr(err, path));
	}
	/* An authority vouching for the new certificate is enough (a
	 * self-signed server given a CA-issued pair). */
	ctx.trust_ask = 0;
	ctx.fingerprint_opt = NULL;
	assert_int_equal(check(&ctx, "self.example:7470", FP_C, NULL, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key),
		cmocka_unit_test(test_fingerprint_form),
		cmocka_unit_test(test_add_and_lookup),
		cmocka_unit_test(test_hand_edits),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_concurrent_adds),
		cmocka_unit_test(test_symlink_kept),
		cmocka_unit_test(test_rules),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
