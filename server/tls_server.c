#include "tls_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ld_client.h"
#include "ld_tls.h"
#include "log.h"
#include "tls_cert.h"
#include "tls_files.h"

static SSL_CTX *current;
/* What was loaded, for the reload and its log lines. */
static char cur_cert[4096], cur_key[4096];

int tls_server_paths(const config_t *cfg, char *cert, size_t certlen, char *key, size_t keylen)
{
	int n = cfg->tls_cert[0] ? snprintf(cert, certlen, "%s", cfg->tls_cert)
				 : snprintf(cert, certlen, "%s/tls.crt", cfg->data_dir);
	int m = cfg->tls_key[0] ? snprintf(key, keylen, "%s", cfg->tls_key)
				: snprintf(key, keylen, "%s/tls.key", cfg->data_dir);
	return n < 0 || (size_t)n >= certlen || m < 0 || (size_t)m >= keylen ? -1 : 0;
}

static int exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 || errno != ENOENT;
}

/* With the default paths, the state of the pair before leadd starts: 1
 * both files missing (leadd makes them), 0 nothing to make (configured, or
 * both there), -1 with a sentence when only one of the two is there. */
static int default_pair_state(const config_t *cfg, const char *cert, const char *key, char *err,
			      size_t errlen)
{
	/* A configured pair is the operator's: leadd never makes one there. */
	if (cfg->tls_cert[0] || cfg->tls_key[0])
		return 0;
	int have_cert = exists(cert), have_key = exists(key);
	if (have_cert && have_key)
		return 0;
	if (have_cert || have_key) {
		snprintf(err, errlen,
			 "%s exists but %s does not: put the missing file back, or move %s away "
			 "so that leadd makes a new pair (clients will then see a new "
			 "fingerprint)",
			 have_cert ? cert : key, have_cert ? key : cert, have_cert ? cert : key);
		return -1;
	}
	return 1;
}

int tls_server_make_default_pair(const config_t *cfg, char *err, size_t errlen)
{
	char cert[4200], key[4200];
	if (tls_server_paths(cfg, cert, sizeof(cert), key, sizeof(key)) < 0) {
		snprintf(err, errlen, "the data directory's path is too long");
		return -1;
	}
	int state = default_pair_state(cfg, cert, key, err, errlen);
	if (state <= 0)
		return state;
	if (tls_cert_create(cert, key, NULL, err, errlen) < 0)
		return -1;
	return 1;
}

static int ctx_fingerprint(SSL_CTX *ctx, char fp[LD_TLS_FINGERPRINT_LEN])
{
	X509 *cert = SSL_CTX_get0_certificate(ctx);
	return cert ? ld_tls_fingerprint(cert, fp) : -1;
}

/* The pair, checked (tls_files.c) and loaded: start, SIGHUP and `leadd
 * fingerprint` all judge the files the same way. */
static SSL_CTX *load_pair(const char *cert, const char *key, char *err, size_t errlen)
{
	if (tls_files_check(cert, key, err, errlen) < 0)
		return NULL;
	return ld_tls_server_ctx(cert, key, err, errlen);
}

static void warn_expiry(SSL_CTX *ctx, const char *cert)
{
	char msg[1400];
	if (tls_files_expiry(ctx, cert, msg, sizeof(msg)))
		log_warn("%s", msg);
}

int tls_server_start(const config_t *cfg, char *err, size_t errlen)
{
	if (tls_server_paths(cfg, cur_cert, sizeof(cur_cert), cur_key, sizeof(cur_key)) < 0) {
		snprintf(err, errlen, "the TLS certificate or key path is too long");
		return -1;
	}
	int made = tls_server_make_default_pair(cfg, err, errlen);
	if (made < 0)
		return -1;
	SSL_CTX *ctx = load_pair(cur_cert, cur_key, err, errlen);
	if (!ctx)
		return -1;
	warn_expiry(ctx, cur_cert);
	char fp[LD_TLS_FINGERPRINT_LEN] = "?";
	(void)ctx_fingerprint(ctx, fp);
	if (made)
		log_info("made a self-signed TLS certificate %s (key %s); fingerprint %s", cur_cert,
			 cur_key, fp);
	else
		log_info("TLS certificate %s, fingerprint %s", cur_cert, fp);
	SSL_CTX_free(current);
	current = ctx;
	return 0;
}

SSL_CTX *tls_server_ctx(void)
{
	return current;
}

int tls_server_reload(void)
{
	char err[1600], fp[LD_TLS_FINGERPRINT_LEN] = "?";
	SSL_CTX *ctx = load_pair(cur_cert, cur_key, err, sizeof(err));
	if (!ctx) {
		if (current)
			(void)ctx_fingerprint(current, fp);
		log_error("SIGHUP: %s; still using the certificate loaded before (%s)", err, fp);
		return -1;
	}
	(void)ctx_fingerprint(ctx, fp);
	warn_expiry(ctx, cur_cert);
	/* Open connections hold their own reference: they keep the old pair. */
	SSL_CTX_free(current);
	current = ctx;
	log_info("SIGHUP: reloaded the TLS certificate %s; fingerprint %s (new connections)",
		 cur_cert, fp);
	return 0;
}

void tls_server_stop(void)
{
	SSL_CTX_free(current);
	current = NULL;
}

int tls_server_plain_allowed(const config_t *cfg, const struct sockaddr *addr)
{
	/* The same test as the clients' tls = auto (ld_client_tls.c). */
	if (ld_addr_is_loopback(addr) && !cfg->require_tls_on_loopback)
		return 1;
	if (!cfg->allow_plaintext)
		return 0;
	log_warn("%s takes plain TCP as well as TLS (allow_plaintext = yes): passwords and "
		 "session tokens from clients that do not use TLS cross the network readable "
		 "by anyone on the way",
		 cfg->listen);
	return 1;
}

int tls_server_print_fingerprint(const config_t *cfg)
{
	char cert[4200], key[4200], err[2000], fp[LD_TLS_FINGERPRINT_LEN];
	if (tls_server_paths(cfg, cert, sizeof(cert), key, sizeof(key)) < 0) {
		fprintf(stderr, "leadd fingerprint: the certificate path is too long\n");
		return 1;
	}
	if (!cfg->tls_cert[0] && !exists(cert)) {
		fprintf(stderr,
			"leadd fingerprint: there is no certificate yet (%s): 'leadd init' or "
			"the first start of leadd makes one\n",
			cert);
		return 1;
	}
	/* The pair leadd would load, judged as leadd judges it: never a
	 * fingerprint and exit 0 for files leadd refuses to start with. */
	SSL_CTX *ctx = load_pair(cert, key, err, sizeof(err));
	if (!ctx || ctx_fingerprint(ctx, fp) < 0) {
		if (ctx)
			snprintf(err, sizeof(err), "cannot compute the fingerprint of %.1900s",
				 cert);
		fprintf(stderr, "leadd fingerprint: %s\n", err);
		SSL_CTX_free(ctx);
		return 1;
	}
	char msg[1400];
	if (tls_files_expiry(ctx, cert, msg, sizeof(msg)))
		fprintf(stderr, "leadd fingerprint: warning: %s\n", msg);
	SSL_CTX_free(ctx);
	printf("%s\n", fp);
	return 0;
}

int tls_server_init_pair(const config_t *cfg)
{
	char cert[4200], key[4200], err[1600] = "", fp[LD_TLS_FINGERPRINT_LEN];
	/* The admin exists by now: say so, or the operator runs init again
	 * and is told the directory has users. leadd will not start until the
	 * certificate is sorted out, hence the exit status 1. */
	int made = tls_server_make_default_pair(cfg, err, sizeof(err));
	SSL_CTX *ctx = NULL;
	/* The pair judged as leadd will judge it at start. */
	if (made >= 0 && tls_server_paths(cfg, cert, sizeof(cert), key, sizeof(key)) == 0) {
		ctx = load_pair(cert, key, err, sizeof(err));
		if (ctx && ctx_fingerprint(ctx, fp) < 0) {
			snprintf(err, sizeof(err), "cannot compute the fingerprint of %.1500s",
				 cert);
			SSL_CTX_free(ctx);
			ctx = NULL;
		}
	}
	if (!ctx) {
		fprintf(stderr,
			"leadd init: the admin was created, but leadd has no TLS certificate it "
			"can use: %s\n",
			err);
		return 1;
	}
	SSL_CTX_free(ctx);
	if (made)
		printf("leadd init: made a self-signed TLS certificate %s (key %s)\n", cert, key);
	printf("TLS certificate fingerprint: %s\n", fp);
	return 0;
}

/* What an operator does about a pair that does not load (the sentences of
 * tls_files_check say it themselves). */
static const char *pair_remedy(const config_t *cfg)
{
	if (cfg->tls_cert[0] || cfg->tls_key[0])
		return "leadd will not start with it: put a PEM certificate and its unencrypted "
		       "key at the configured tls_cert and tls_key (docs/operations.md, TLS)";
	return "leadd will not start with it: put back the pair that was there, or move "
	       "tls.crt and tls.key both out of the data directory so that leadd makes a new "
	       "self-signed pair at its next start (clients will then see a new fingerprint)";
}

int tls_server_verify_pair(const config_t *cfg, tls_server_report report, void *arg)
{
	char cert[4200], key[4200], err[4600], msg[9400], fp[LD_TLS_FINGERPRINT_LEN];
	if (tls_server_paths(cfg, cert, sizeof(cert), key, sizeof(key)) < 0) {
		report(arg, TLS_REPORT_PROBLEM,
		       "the TLS certificate or key path is too long: leadd will not start; "
		       "name shorter paths in tls_cert and tls_key or the data directory");
		return 1;
	}
	int state = default_pair_state(cfg, cert, key, err, sizeof(err));
	if (state < 0) {
		report(arg, TLS_REPORT_PROBLEM, err);
		return 1;
	}
	if (state > 0) {
		snprintf(msg, sizeof(msg),
			 "TLS: no certificate yet (%s and %s): leadd makes a self-signed pair "
			 "at its next start",
			 cert, key);
		report(arg, TLS_REPORT_NOTE, msg);
		return 0;
	}
	/* Judged as leadd judges it at start (load_pair), in two steps so that
	 * a file that does not load gets what to do. */
	if (tls_files_check(cert, key, err, sizeof(err)) < 0) {
		report(arg, TLS_REPORT_PROBLEM, err);
		return 1;
	}
	SSL_CTX *ctx = ld_tls_server_ctx(cert, key, err, sizeof(err));
	if (!ctx || ctx_fingerprint(ctx, fp) < 0) {
		if (ctx)
			snprintf(err, sizeof(err), "cannot compute the fingerprint of %.1900s",
				 cert);
		snprintf(msg, sizeof(msg), "%s; %s", err, pair_remedy(cfg));
		report(arg, TLS_REPORT_PROBLEM, msg);
		SSL_CTX_free(ctx);
		return 1;
	}
	int when = tls_files_expiry(ctx, cert, err, sizeof(err));
	SSL_CTX_free(ctx);
	if (when == TLS_FILES_EXPIRED || when == TLS_FILES_NOT_YET) {
		report(arg, TLS_REPORT_PROBLEM, err);
		return 1;
	}
	if (when == TLS_FILES_EXPIRING) {
		snprintf(msg, sizeof(msg), "warning: %s", err);
		report(arg, TLS_REPORT_WARNING, msg);
	}
	snprintf(msg, sizeof(msg), "TLS: %s and %s are a pair leadd can use; fingerprint %s", cert,
		 key, fp);
	report(arg, TLS_REPORT_NOTE, msg);
	return 0;
}
