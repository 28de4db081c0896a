/* The session `lead login` keeps, and how passwords are read.
 *
 * The session file sits beside the config file ($LEAD_CONFIG_DIR/session):
 *
 *   server = HOST:PORT
 *   user = NAME
 *   token = <64 hex digits>
 *
 * It holds the token, never the password; it is written 0600 to a temporary
 * file in the same directory and renamed over the old one, so that a reader
 * sees the old session or the new, never half of one. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <ini.h>

#include "lead.h"

const char *lead_session_path(void)
{
	static char path[PATH_MAX];
	const char *dir = lead_config_dir();
	if (!dir)
		return NULL;
	int n = snprintf(path, sizeof(path), "%s/session", dir);
	return n > 0 && (size_t)n < sizeof(path) ? path : NULL;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct lead_session *s = user;
	if (section[0] != '\0')
		return 1;
	if (strcmp(name, "server") == 0) {
		snprintf(s->server, sizeof(s->server), "%s", value);
		s->has_server = 1;
	} else if (strcmp(name, "user") == 0) {
		snprintf(s->user, sizeof(s->user), "%s", value);
		s->has_user = 1;
	} else if (strcmp(name, "token") == 0) {
		snprintf(s->token_hex, sizeof(s->token_hex), "%s", value);
		s->has_token = ld_token_from_hex(value, s->token) == 0;
		if (!s->has_token)
			return 0;
	}
	return 1;
}

int lead_session_load(struct lead_ctx *ctx, struct lead_session *s, int *rc)
{
	memset(s, 0, sizeof(*s));
	const char *path = lead_session_path();
	if (!path)
		return 0;
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		*rc = lead_fail(ctx, LD_UNKNOWN, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	int r = ini_parse_file(f, on_key, s);
	fclose(f);
	if (r != 0 || !s->has_token) {
		if (r > 0)
			*rc = lead_fail(ctx, LD_UNAUTHENTICATED,
					"%s:%d: not a session line; run 'lead login' to replace "
					"the file",
					path, r);
		else
			*rc = lead_fail(ctx, LD_UNAUTHENTICATED,
					"%s holds no token; run 'lead login' to replace it", path);
		return -1;
	}
	return 1;
}

int lead_session_check_server(struct lead_ctx *ctx, const struct lead_session *s,
			      const char *server)
{
	if (!s->has_server || !s->server[0])
		return 0;
	char a[300], b[300];
	int same = lead_trust_key(s->server, a, sizeof(a)) == 0 &&
				   lead_trust_key(server, b, sizeof(b)) == 0
			   ? strcmp(a, b) == 0
			   : strcmp(s->server, server) == 0;
	if (same)
		return 0;
	/* Another server would get this one's token: a credential it may
	 * keep and use. */
	return lead_fail(ctx, LD_UNAUTHENTICATED,
			 "your session is for leadd at %s, not %s: a session is sent only to "
			 "the server that issued it; run 'lead login' with --server %s to log in "
			 "there (or name %s)",
			 s->server, server, server, s->server);
}

int lead_make_dirs(const char *dir)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

int lead_session_save(struct lead_ctx *ctx, const struct lead_session *s)
{
	const char *dir = lead_config_dir();
	const char *path = lead_session_path();
	if (!dir || !path)
		return lead_fail(
			ctx, LD_UNKNOWN,
			"no directory for the session file: set $LEAD_CONFIG_DIR or $HOME");
	if (lead_make_dirs(dir) < 0)
		return lead_fail(ctx, LD_UNKNOWN, "cannot create %s: %s", dir, strerror(errno));
	char tmp[PATH_MAX], err[PATH_MAX + 100];
	FILE *f = lead_file_begin(dir, "session", tmp, err, sizeof(err));
	if (!f)
		return lead_fail(ctx, LD_UNKNOWN, "%s", err);
	fprintf(f, "# lead session: written by 'lead login', removed by 'lead logout'.\n");
	fprintf(f, "server = %s\nuser = %s\ntoken = %s\n", s->server, s->user, s->token_hex);
	if (lead_file_commit(f, tmp, path, err, sizeof(err)) < 0)
		return lead_fail(ctx, LD_UNKNOWN, "%s", err);
	return 0;
}

int lead_session_remove(void)
{
	const char *path = lead_session_path();
	if (!path)
		return 0;
	if (unlink(path) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	lead_warn("cannot remove %s: %s", path, strerror(errno));
	return -1;
}

void lead_password_free(char *pw)
{
	if (pw) {
		explicit_bzero(pw, strlen(pw));
		free(pw);
	}
}

/* One line from f without its line end; NULL at EOF or on error. */
static char *read_line(FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, f);
	if (n < 0) {
		if (line)
			explicit_bzero(line, cap);
		free(line);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

/* Asks on the terminal with echo off; NULL on EOF or error. */
static char *ask(FILE *tty, const char *prompt)
{
	struct termios old, quiet;
	int fd = fileno(tty);
	int have_termios = tcgetattr(fd, &old) == 0;
	fprintf(tty, "%s", prompt);
	fflush(tty);
	if (have_termios) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	char *line = read_line(tty);
	if (have_termios)
		tcsetattr(fd, TCSAFLUSH, &old);
	return line;
}

char *lead_password_read(struct lead_ctx *ctx, int from_stdin, const char *prompt, int confirm,
			 int *rc)
{
	if (from_stdin) {
		char *pw = read_line(stdin);
		if (!pw || !*pw) {
			lead_password_free(pw);
			*rc = lead_fail(ctx, LD_INVALID_ARGUMENT,
					"--password-stdin: no password on standard input");
			return NULL;
		}
		return pw;
	}
	FILE *tty = fopen("/dev/tty", "r+");
	if (!tty) {
		*rc = lead_fail(ctx, LD_INVALID_ARGUMENT,
				"no terminal to ask for the password on; use --password-stdin");
		return NULL;
	}
	char *pw = ask(tty, prompt);
	char *again = NULL;
	if (pw && confirm)
		again = ask(tty, "Again: ");
	fclose(tty);
	if (!pw || !*pw || (confirm && !again)) {
		lead_password_free(pw);
		lead_password_free(again);
		*rc = lead_fail(ctx, LD_INVALID_ARGUMENT, "no password given");
		return NULL;
	}
	if (confirm && strcmp(pw, again) != 0) {
		lead_password_free(pw);
		lead_password_free(again);
		*rc = lead_fail(ctx, LD_INVALID_ARGUMENT, "the passwords do not match");
		return NULL;
	}
	lead_password_free(again);
	return pw;
}
