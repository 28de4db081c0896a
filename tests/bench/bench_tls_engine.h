/* The ld_tls engine alone, no network, one process (bench_tls's last
 * part): what a handshake costs each side in CPU, and how fast records
 * are encrypted and decrypted. */
#ifndef BENCH_TLS_ENGINE_H
#define BENCH_TLS_ENGINE_H

/* Prints tls_engine_handshake and tls_engine_records lines. 0, or -1
 * with a sentence on stderr. */
int bench_tls_engine(const char *cert_path, const char *key_path);

#endif
