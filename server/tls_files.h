/* Checks on leadd's certificate and key files that loading them does not
 * make: a private key other users can read, an empty file, a path that is
 * no regular file (a named pipe would block the reader), a certificate
 * past (or near) its end date or before its start date. */
#ifndef LEADD_TLS_FILES_H
#define LEADD_TLS_FILES_H

#include <stddef.h>

#include <openssl/ssl.h>

/* Before loading: 0, or -1 with a sentence naming the file and what to do
 * (an empty file; a path that is no regular file; a key that every user
 * may read or write -- as ssh
 * refuses such a key; a group may read it: the ssl-cert convention). */
int tls_files_check(const char *cert, const char *key, char *err, size_t errlen);

/* After loading: with a sentence in msg, TLS_FILES_EXPIRING when the
 * certificate expires within TLS_FILES_WARN_DAYS, TLS_FILES_EXPIRED when it
 * has expired, TLS_FILES_NOT_YET when it is not valid yet (its start date
 * is ahead: a clock or a certificate wrong); else 0. */
#define TLS_FILES_WARN_DAYS 30
enum { TLS_FILES_EXPIRING = 1, TLS_FILES_EXPIRED, TLS_FILES_NOT_YET };
int tls_files_expiry(SSL_CTX *ctx, const char *cert, char *msg, size_t len);

#endif
