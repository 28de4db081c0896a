/* leadd's side of TLS: which certificate and key, the server's SSL_CTX
 * (made at start, swapped on SIGHUP), and which listeners take plain TCP.
 * One per process, like the log. */
#ifndef LEADD_TLS_SERVER_H
#define LEADD_TLS_SERVER_H

#include <stddef.h>
#include <sys/socket.h>

#include <openssl/ssl.h>

#include "config.h"

/* The certificate and key leadd uses: tls_cert/tls_key, or DATA_DIR/tls.crt
 * and DATA_DIR/tls.key. 0, or -1 when a path does not fit. */
int tls_server_paths(const config_t *cfg, char *cert, size_t certlen, char *key, size_t keylen);

/* With neither tls_cert nor tls_key configured and both default files
 * missing, make the self-signed pair. 1 made, 0 nothing to do, -1 with a
 * sentence in err (one of the two files is missing, or the pair cannot be
 * written). */
int tls_server_make_default_pair(const config_t *cfg, char *err, size_t errlen);

/* At start (after the data directory exists): make the default pair if
 * missing, load it and log its fingerprint. 0, or -1 with a sentence. */
int tls_server_start(const config_t *cfg, char *err, size_t errlen);
/* The context new connections use, or NULL before tls_server_start. A
 * connection's engine holds its own reference (ld_tls_new). */
SSL_CTX *tls_server_ctx(void);
/* SIGHUP: load the files again. New connections get the new pair; open
 * ones keep theirs. A pair that does not load is logged and the old one
 * kept. 0 reloaded, -1 kept the old one. */
int tls_server_reload(void);
void tls_server_stop(void);

/* Does a listener on addr take plain TCP as well as TLS? A loopback one
 * does unless require_tls_on_loopback; any other only with allow_plaintext,
 * and then leadd warns (once, here). */
int tls_server_plain_allowed(const config_t *cfg, const struct sockaddr *addr);

/* `leadd fingerprint`: print the certificate's fingerprint. Exit status. */
int tls_server_print_fingerprint(const config_t *cfg);
/* `leadd verify`: the pair leadd would load, judged as leadd judges it at
 * start (the default pair missing altogether is no problem: leadd makes
 * it), and its dates. report gets each line: a problem (a sentence saying
 * what is wrong and what to do), a warning (expiring within
 * TLS_FILES_WARN_DAYS) or a note (no pair yet; the pair is usable).
 * Returns the number of problems. Makes and changes no file. */
enum { TLS_REPORT_NOTE, TLS_REPORT_WARNING, TLS_REPORT_PROBLEM };
typedef void (*tls_server_report)(void *arg, int kind, const char *sentence);
int tls_server_verify_pair(const config_t *cfg, tls_server_report report, void *arg);

/* `leadd init`: make the default pair when missing and print its
 * fingerprint. Exit status (0, or 1 with a sentence on stderr). */
int tls_server_init_pair(const config_t *cfg);

#endif
