/* Checks on leadd's certificate and key files that loading them does not
 * make: a private key other users can read, an empty file, a certificate
 * past (or near) its end date. */
#ifndef LEADD_TLS_FILES_H
#define LEADD_TLS_FILES_H

#include <stddef.h>

#include <openssl/ssl.h>

/* Before loading: 0, or -1 with a sentence naming the file and what to do
 * (an empty file; a key that every user may read or write -- as ssh
 * refuses such a key; a group may read it: the ssl-cert convention). */
int tls_files_check(const char *cert, const char *key, char *err, size_t errlen);

/* After loading: 1 with a sentence in msg when the certificate has expired
 * or expires within TLS_FILES_WARN_DAYS, else 0. */
#define TLS_FILES_WARN_DAYS 30
int tls_files_expiry(SSL_CTX *ctx, const char *cert, char *msg, size_t len);

#endif
