/* leadd init: create the first admin of a data directory, offline. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "auth.h"
#include "init_cmd.h"
#include "server.h"
#include "tls_server.h"
#include "users.h"

/* One line from f, without its newline. -1 at EOF or when too long. */
static int read_line(FILE *f, char *buf, size_t len)
{
	if (!fgets(buf, (int)len, f))
		return -1;
	size_t n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[--n] = 0;
	else if (n == len - 1)
		return -1;
	if (n && buf[n - 1] == '\r')
		buf[--n] = 0;
	return 0;
}

/* Ask on the terminal without echo. */
static int ask(const char *prompt, char *buf, size_t len)
{
	FILE *tty = fopen("/dev/tty", "r+e");
	if (!tty)
		return -1;
	struct termios old, quiet;
	int fd = fileno(tty);
	tcgetattr(fd, &old);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	fputs(prompt, tty);
	fflush(tty);
	tcsetattr(fd, TCSAFLUSH, &quiet);
	int rc = read_line(tty, buf, len);
	tcsetattr(fd, TCSAFLUSH, &old);
	fputc('\n', tty);
	fclose(tty);
	return rc;
}

static int get_password(int from_stdin, char *pw, size_t len)
{
	if (from_stdin) {
		if (read_line(stdin, pw, len) < 0) {
			fprintf(stderr, "leadd init: no password line on standard input\n");
			return -1;
		}
		return 0;
	}
	char again[AUTH_PASSWORD_MAX + 2];
	if (ask("Password for the admin: ", pw, len) < 0 ||
	    ask("Same password again: ", again, sizeof(again)) < 0) {
		fprintf(stderr, "leadd init: cannot read a password from the terminal; use "
				"--password-stdin\n");
		return -1;
	}
	int same = strcmp(pw, again) == 0;
	sodium_memzero(again, sizeof(again));
	if (!same) {
		fprintf(stderr, "leadd init: the passwords differ\n");
		return -1;
	}
	return 0;
}

int init_data_dir(const config_t *cfg, const char *admin, int password_stdin)
{
	if (!auth_name_valid(admin)) {
		fprintf(stderr,
			"leadd init: '%s' is not a valid user name (1-64 letters, digits, "
			"'.', '_', '-')\n",
			admin);
		return 2;
	}
	char pw[AUTH_PASSWORD_MAX + 2];
	if (get_password(password_stdin, pw, sizeof(pw)) < 0)
		return 1;
	if (strlen(pw) < AUTH_PASSWORD_MIN) {
		fprintf(stderr, "leadd init: a password needs at least %d bytes\n",
			AUTH_PASSWORD_MIN);
		return 1;
	}
	char hash[crypto_pwhash_STRBYTES];
	if (sodium_init() < 0 || auth_hash_password(pw, hash) < 0) {
		fprintf(stderr, "leadd init: cannot hash the password (out of memory?)\n");
		return 1;
	}
	sodium_memzero(pw, sizeof(pw));

	store st;
	char err[1024];
	if (store_open(&st, cfg->data_dir, cfg->map_size, cfg->map_size_max, 8, err, sizeof(err)) <
	    0) {
		fprintf(stderr, "leadd init: %s\n", err);
		return 1;
	}
	store_txn t;
	int rc = 1;
	if (store_txn_begin(&st, &t, 1) != 0) {
		fprintf(stderr, "leadd init: %s\n", store_strerror(t.ret));
	} else if (user_count(&t) > 0) {
		store_txn_abort(&t);
		fprintf(stderr, "leadd init: %s already has users; add more with 'lead user add'\n",
			cfg->data_dir);
	} else {
		user_record u = LEADD__STORE__USER_RECORD__INIT;
		u.name = (char *)admin;
		u.has_role = u.has_created_at = 1;
		u.role = LEADD__ROLE__ROLE_ADMIN;
		u.password_hash = hash;
		u.created_at = server_now_ms();
		user_put(&t, &u, 1);
		if (store_txn_commit(&t) != 0) {
			fprintf(stderr, "leadd init: %s\n", store_strerror(t.ret));
		} else {
			printf("leadd init: created admin '%s' (user %llu) in %s\n", admin,
			       (unsigned long long)u.id, cfg->data_dir);
			rc = 0;
		}
	}
	store_close(&st);
	/* The data directory exists now: leadd's TLS pair goes beside it. */
	if (rc == 0)
		rc = tls_server_init_pair(cfg);
	return rc;
}
