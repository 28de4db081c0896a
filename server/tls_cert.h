/* leadd's own certificate: a P-256 key and a self-signed certificate,
 * made by `leadd init` (and at start when none is configured or present),
 * so a new server speaks TLS without a CA. Clients pin it by fingerprint. */
#ifndef LEADD_TLS_CERT_H
#define LEADD_TLS_CERT_H

#include <stddef.h>

/* Write a new key to key_path and a self-signed certificate for host (its
 * common name and subjectAltName; the machine's host name when NULL or
 * empty), valid ten years, both mode 0600. Refuses to overwrite either
 * file. 0, or -1 with a sentence in err (nothing left behind). */
int tls_cert_create(const char *cert_path, const char *key_path, const char *host, char *err,
		    size_t errlen);

#endif
