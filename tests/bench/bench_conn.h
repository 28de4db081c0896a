/* Open a logged-in connection for the benchmarks: Hello, then Login with
 * the user in $LEADD_BENCH_USER (default "admin") and the password in
 * $LEADD_BENCH_PASSWORD (run.sh creates that admin with `leadd init`).
 * The first connection logs in with the password; later ones resume its
 * session with the token, so setup is not one password hash per client.
 * Not thread-safe: open connections from one thread. */
#ifndef LD_BENCH_CONN_H
#define LD_BENCH_CONN_H

#include <stdio.h>
#include <stdlib.h>

#include "ld_client.h"
#include "ld_error.h"

static inline const char *bench_user(void)
{
	const char *u = getenv("LEADD_BENCH_USER");
	return u && *u ? u : "admin";
}

static inline const char *bench_password(void)
{
	const char *p = getenv("LEADD_BENCH_PASSWORD");
	return p ? p : "";
}

/* Log in on an open connection: the password the first time, then the
 * session token. 0, or -1 with a sentence in err (c is closed). */
static inline int bench_conn_login(ld_conn *c, char *err, size_t errlen)
{
	static uint8_t token[LD_TOKEN_BYTES];
	static int have_token;
	char why[256] = "";
	int rc = have_token ? ld_login_token(c, token, sizeof(token), why, sizeof(why))
			    : ld_login_password(c, bench_user(), bench_password(), token, why,
						sizeof(why));
	if (rc == 0)
		have_token = 1;
	if (rc != 0) {
		snprintf(err, errlen, "log in as %s: %s (set LEADD_BENCH_PASSWORD)", bench_user(),
			 why);
		ld_conn_close(c);
		return -1;
	}
	return 0;
}

/* 0, or -1 with a sentence in err. */
static inline int bench_connect(const char *addr, const char *client_name, ld_conn **out, char *err,
				size_t errlen)
{
	ld_conn *c = NULL;
	if (ld_conn_open(addr, client_name, 5000, &c, err, errlen) != 0 ||
	    bench_conn_login(c, err, errlen) != 0)
		return -1;
	*out = c;
	return 0;
}

/* The same over TLS, trusting the one certificate whose fingerprint is
 * given ("SHA256:...", as `leadd fingerprint` prints it), logged in when
 * login is set. */
static inline int bench_connect_tls(const char *addr, const char *client_name,
				    const char *fingerprint, int login, ld_conn **out, char *err,
				    size_t errlen)
{
	ld_conn *c = NULL;
	ld_conn_opts o = {.client_name = client_name,
			  .timeout_ms = 5000,
			  .tls = LD_CONN_TLS_YES,
			  .trust = ld_trust_fingerprint,
			  .trust_arg = (void *)fingerprint};
	if (ld_conn_open_tls(addr, &o, &c, err, errlen) != 0 ||
	    (login && bench_conn_login(c, err, errlen) != 0))
		return -1;
	*out = c;
	return 0;
}

#endif
