/* Which leadd servers lead and leadtop trust, as ssh trusts hosts.
 *
 * A certificate that verifies against the system store and the server's
 * host name (or address) is trusted as it is. Any other (leadd's own
 * self-signed one) must have the fingerprint remembered for that server
 * in $LEAD_CONFIG_DIR/known_servers, one line a server:
 *
 *   leadd.example.com:7470 SHA256:3q2+7w...
 *
 * Only `lead login` adds a line: with --fingerprint (which must match),
 * or after asking on the terminal. Every other command refuses a server
 * it does not know, and a known server whose fingerprint changed is
 * refused loudly: that is what an interception looks like. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lead.h"

int lead_trust_warn = 1;

const char *lead_known_servers_path(void)
{
	static char path[PATH_MAX];
	const char *dir = lead_config_dir();
	if (!dir)
		return NULL;
	int n = snprintf(path, sizeof(path), "%s/known_servers", dir);
	return n > 0 && (size_t)n < sizeof(path) ? path : NULL;
}

int lead_trust_key(const char *server, char *out, size_t len)
{
	char host[256], port[16], err[300];
	if (ld_parse_hostport(server, host, sizeof(host), port, sizeof(port), err, sizeof(err)) < 0)
		return -1;
	/* Host names are case-insensitive; addresses have no letters but
	 * IPv6's hex digits, which are too. */
	for (char *p = host; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	int n = strchr(host, ':') ? snprintf(out, len, "[%s]:%s", host, port)
				  : snprintf(out, len, "%s:%s", host, port);
	return n > 0 && (size_t)n < len ? 0 : -1;
}

int lead_trust_fingerprint_valid(const char *s)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	if (strncmp(s, "SHA256:", 7) != 0 || strlen(s) != LD_TLS_FINGERPRINT_LEN - 1)
		return 0;
	for (s += 7; *s; s++)
		if (!strchr(b64, *s))
			return 0;
	return 1;
}

int lead_trust_lookup(const char *path, const char *key, const char *fp, int *line,
		      char old[LD_TLS_FINGERPRINT_LEN], char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return LEAD_TRUST_UNKNOWN;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	char *buf = NULL;
	size_t cap = 0;
	int result = LEAD_TRUST_UNKNOWN, n = 0;
	while (getline(&buf, &cap, f) >= 0) {
		n++;
		char *save = NULL, *name = strtok_r(buf, " \t\r\n", &save);
		if (!name || name[0] == '#')
			continue;
		char *finger = strtok_r(NULL, " \t\r\n", &save);
		char k[300];
		/* A line that is not "HOST:PORT FINGERPRINT" vouches for
		 * nothing; said once, so that a typo in a hand edit shows. */
		if (!finger || !lead_trust_fingerprint_valid(finger) ||
		    lead_trust_key(name, k, sizeof(k)) < 0) {
			if (lead_trust_warn)
				lead_warn("%s:%d: not a 'HOST:PORT SHA256:...' line; ignored", path,
					  n);
			continue;
		}
		if (strcmp(k, key) != 0)
			continue;
		if (strcmp(finger, fp) == 0) {
			result = LEAD_TRUST_MATCH;
			break;
		}
		if (result == LEAD_TRUST_UNKNOWN) {
			result = LEAD_TRUST_CHANGED;
			*line = n;
			snprintf(old, LD_TLS_FINGERPRINT_LEN, "%s", finger);
		}
	}
	int bad = ferror(f);
	free(buf);
	fclose(f);
	if (bad) {
		snprintf(err, errlen, "cannot read %s", path);
		return -1;
	}
	return result;
}

/* The file as it is (NULL and *len 0 when there is none); -1 on error. */
static int read_all(const char *path, char **data, size_t *len)
{
	*data = NULL;
	*len = 0;
	FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -1;
	FILE *m = open_memstream(data, len);
	char buf[4096];
	size_t n;
	int bad = !m;
	while (!bad && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		bad = fwrite(buf, 1, n, m) != n;
	bad |= ferror(f);
	fclose(f);
	if (m && fclose(m) != 0)
		bad = 1;
	if (bad) {
		free(*data);
		*data = NULL;
		return -1;
	}
	return 0;
}

/* The file read, the line added, written beside it and renamed over it;
 * the caller holds the directory's lock. */
static int add_line(const char *path, const char *dir, const char *key, const char *fp, char *err,
		    size_t errlen)
{
	char *data;
	size_t len;
	if (read_all(path, &data, &len) < 0) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	char tmp[PATH_MAX];
	FILE *f = lead_file_begin(dir, "known_servers", tmp, err, errlen);
	if (!f) {
		free(data);
		return -1;
	}
	if (!data)
		fputs("# Servers lead trusts: HOST:PORT and the SHA-256 fingerprint of its TLS\n"
		      "# certificate. Added by 'lead login'; remove a line to forget a server.\n",
		      f);
	else if (len > 0) {
		fwrite(data, 1, len, f);
		if (data[len - 1] != '\n')
			fputc('\n', f);
	}
	free(data);
	fprintf(f, "%s %s\n", key, fp);
	return lead_file_commit(f, tmp, path, err, errlen);
}

int lead_trust_add(const char *path, const char *key, const char *fp, char *err, size_t errlen)
{
	/* A file kept as a symbolic link (dotfiles in a repository): the
	 * line goes into the file it names, and the link stays. */
	char real[PATH_MAX];
	struct stat st;
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && realpath(path, real))
		path = real;
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (lead_make_dirs(dir) < 0) {
			snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
			return -1;
		}
	} else {
		snprintf(dir, sizeof(dir), "%s", slash ? "/" : ".");
	}
	/* Two logins at once (two terminals, a script) take turns: each
	 * reads the file the other wrote, so neither line is lost. */
	int lock = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock >= 0)
		while (flock(lock, LOCK_EX) < 0 && errno == EINTR)
			;
	int rc = add_line(path, dir, key, fp, err, errlen);
	if (lock >= 0)
		close(lock);
	return rc;
}

int lead_conn_exposed(const ld_conn *c)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	if (ld_conn_tls(c) || getpeername(ld_conn_fd(c), (struct sockaddr *)&ss, &sl) < 0)
		return 0;
	return !ld_addr_is_loopback((const struct sockaddr *)&ss);
}

/* Asks on the terminal whether to trust peer; 1 yes, 0 no, -1 when there
 * is no terminal. Never stdin: it may carry a password
 * (--password-stdin). */
static int ask_trust(const ld_peer_cert *peer, const char *path)
{
	FILE *tty = fopen("/dev/tty", "r+");
	if (!tty)
		return -1;
	fprintf(tty,
		"The certificate of leadd at %s is not signed by an authority this\n"
		"machine trusts (%s).\n"
		"Its fingerprint is %s\n"
		"Check it with the server's administrator ('leadd fingerprint' on the server\n"
		"prints it). Trust this server and remember it in %s? [y/N] ",
		peer->server, peer->verify_error, peer->fingerprint, path);
	fflush(tty);
	char line[64];
	int yes = 0;
	if (fgets(line, sizeof(line), tty)) {
		line[strcspn(line, "\r\n")] = '\0';
		yes = strcasecmp(line, "y") == 0 || strcasecmp(line, "yes") == 0;
	} else {
		fputc('\n', tty);
	}
	fclose(tty);
	return yes;
}

int lead_trust_check(void *arg, const ld_peer_cert *peer, char *err, size_t errlen)
{
	struct lead_ctx *ctx = arg;
	const char *given = ctx->fingerprint_opt;
	/* A script that names the fingerprint means that server and no
	 * other, whoever vouches for it. */
	if (given && strcmp(given, peer->fingerprint) != 0) {
		snprintf(err, errlen,
			 "the certificate of leadd at %s has the fingerprint %s, not %s as "
			 "--fingerprint says: check the address, and the fingerprint with the "
			 "server's administrator ('leadd fingerprint' on the server); nothing "
			 "was stored",
			 peer->server, peer->fingerprint, given);
		return LD_UNAUTHENTICATED;
	}
	if (!peer->verify_error)
		return 0;
	char key[300], old[LD_TLS_FINGERPRINT_LEN];
	const char *path = lead_known_servers_path();
	if (lead_trust_key(peer->server, key, sizeof(key)) < 0) {
		snprintf(err, errlen, "the server address '%s' is not HOST:PORT", peer->server);
		return LD_INVALID_ARGUMENT;
	}
	if (!path) {
		snprintf(err, errlen,
			 "no directory for the known servers file: set $LEAD_CONFIG_DIR or "
			 "$HOME");
		return LD_UNKNOWN;
	}
	int line = 0;
	int known = lead_trust_lookup(path, key, peer->fingerprint, &line, old, err, errlen);
	if (known < 0)
		return LD_UNKNOWN;
	if (known == LEAD_TRUST_MATCH)
		return 0;
	if (known == LEAD_TRUST_CHANGED) {
		snprintf(err, errlen,
			 "WARNING: the certificate of leadd at %s has CHANGED since you trusted "
			 "it.\n"
			 "Someone may be intercepting the connection (a man-in-the-middle), or "
			 "the server was given a new certificate.\n"
			 "  known: %s (%s, line %d)\n"
			 "  now:   %s\n"
			 "No request was sent. Ask the server's administrator for its fingerprint "
			 "('leadd fingerprint' on the server); only if it is the new one, remove "
			 "line %d of %s and run 'lead login' again.",
			 peer->server, old, path, line, peer->fingerprint, line, path);
		return LD_UNAUTHENTICATED;
	}
	int yes = 0;
	if (given)
		yes = 1;
	else if (ctx->trust_ask)
		yes = ask_trust(peer, path);
	else {
		/* What to do first: leadtop's bottom line cuts the rest. */
		snprintf(err, errlen,
			 "leadd at %s is not a known server: run 'lead login' to check its "
			 "certificate's fingerprint and trust it (no authority this machine "
			 "trusts vouches for it: %s)",
			 peer->server, peer->verify_error);
		return LD_UNAUTHENTICATED;
	}
	if (yes < 0) {
		snprintf(err, errlen,
			 "leadd at %s is not a known server, and there is no terminal to ask on: "
			 "its certificate's fingerprint is %s; check it with the server's "
			 "administrator ('leadd fingerprint' on the server), then run 'lead login "
			 "--fingerprint %s'",
			 peer->server, peer->fingerprint, peer->fingerprint);
		return LD_UNAUTHENTICATED;
	}
	if (!yes) {
		snprintf(err, errlen, "leadd at %s was not trusted; nothing was stored",
			 peer->server);
		return LD_UNAUTHENTICATED;
	}
	if (lead_trust_add(path, key, peer->fingerprint, err, errlen) < 0)
		return LD_UNKNOWN;
	ctx->trusted_now = 1;
	return 0;
}

int lead_conn_open(struct lead_ctx *ctx, const char *client_name, int timeout_ms, ld_conn **out,
		   char *err, size_t errlen)
{
	ld_conn_opts o = {
		.client_name = client_name,
		.timeout_ms = timeout_ms,
		.trust = lead_trust_check,
		.trust_arg = ctx,
	};
	if (lead_config_tls(&o.tls, err, errlen) < 0)
		return LD_INVALID_ARGUMENT;
	return ld_conn_open_tls(ctx->server, &o, out, err, errlen);
}

void lead_warn_plaintext(const struct lead_ctx *ctx)
{
	/* The user chose tls = no (leadd must allow_plaintext): the command
	 * runs, but never without saying what it exposes. (lead login says
	 * it before the password: cmd_session.c.) */
	if (!ctx->conn || !lead_conn_exposed(ctx->conn))
		return;
	lead_warn("the connection to leadd at %s is not encrypted (tls = no): the session token "
		  "goes over the network in the clear; set tls = auto (or unset LEAD_TLS) to use "
		  "TLS",
		  ctx->server);
}

void lead_tls_describe(const ld_conn *c, char *buf, size_t len)
{
	if (!ld_conn_tls(c))
		snprintf(buf, len, "plain TCP, not encrypted");
	else if (ld_conn_tls_authority(c))
		snprintf(buf, len, "TLS, certificate %s verified by an authority",
			 ld_conn_fingerprint(c));
	else
		snprintf(buf, len, "TLS, certificate %s (a known server)", ld_conn_fingerprint(c));
}

cJSON *lead_json_tls(const ld_conn *c)
{
	if (!ld_conn_tls(c))
		return cJSON_CreateNull();
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "fingerprint", ld_conn_fingerprint(c));
	cJSON_AddStringToObject(o, "trusted_by",
				ld_conn_tls_authority(c) ? "authority" : "known_servers");
	return o;
}
