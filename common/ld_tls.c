#include "ld_tls.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

struct ld_tls {
	SSL *ssl;
	BIO *in, *out; /* owned by ssl */
	int handshake_done;
	int failed; /* an error ended it: every later call fails the same way */
	char error[256];
};

/* OpenSSL's reason strings are words, some behind its own prefixes: an
 * alert the peer sent ("tlsv1 alert protocol version") or a record-layer
 * name ("ssl3 session id too long"). Say the first in words, drop the
 * second. */
static void readable_reason(const char *reason, char *out, size_t outlen)
{
	static const char *const alerts[] = {"sslv3 alert ", "tlsv1 alert ", "tlsv13 alert "};
	static const char *const prefixes[] = {"sslv3 ", "ssl3 ", "tlsv13 ", "tlsv1 ",
					       "tls13 ", "ssl ",  "tls "};
	for (size_t i = 0; i < sizeof(alerts) / sizeof(alerts[0]); i++) {
		size_t n = strlen(alerts[i]);
		if (strncmp(reason, alerts[i], n) == 0) {
			snprintf(out, outlen, "the other side sent the alert \"%s\"", reason + n);
			return;
		}
	}
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t n = strlen(prefixes[i]);
		if (strncmp(reason, prefixes[i], n) == 0) {
			reason += n;
			break;
		}
	}
	snprintf(out, outlen, "%s", reason);
}

/* OpenSSL's error queue, as one sentence. */
static void take_error(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();
	const char *reason = e ? ERR_reason_error_string(e) : NULL;
	if (reason) {
		char words[160];
		readable_reason(reason, words, sizeof(words));
		snprintf(err, errlen, "%s: %s", what, words);
	} else if (e && ERR_GET_LIB(e) == ERR_LIB_SSL &&
		   ERR_GET_REASON(e) >= SSL_AD_REASON_OFFSET) {
		/* An alert OpenSSL has no name for (a hostile or newer peer). */
		snprintf(err, errlen, "%s: the other side sent the alert number %d", what,
			 ERR_GET_REASON(e) - SSL_AD_REASON_OFFSET);
	} else if (e) {
		snprintf(err, errlen, "%s: an error OpenSSL has no words for (reason %d)", what,
			 ERR_GET_REASON(e));
	} else {
		snprintf(err, errlen, "%s", what);
	}
	ERR_clear_error();
}

static int tls13_only(SSL_CTX *ctx)
{
	return SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) == 1 &&
	       SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) == 1;
}

SSL_CTX *ld_tls_server_ctx(const char *cert_path, const char *key_path, char *err, size_t errlen)
{
	ERR_clear_error();
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx || !tls13_only(ctx)) {
		take_error(err, errlen, "cannot set up TLS");
		SSL_CTX_free(ctx);
		return NULL;
	}
	/* Each connection is one long session: no tickets to resume, no
	 * cache to hold them (bytes and memory for nothing). */
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	/* An idle connection gives its record buffers back. */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_path) != 1) {
		char what[600];
		snprintf(what, sizeof(what), "cannot read the TLS certificate %s", cert_path);
		take_error(err, errlen, what);
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key_path, SSL_FILETYPE_PEM) != 1) {
		char what[1200];
		if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH)
			snprintf(what, sizeof(what),
				 "the TLS key %s does not belong to the certificate %s", key_path,
				 cert_path);
		else
			snprintf(what, sizeof(what), "cannot read the TLS private key %s",
				 key_path);
		take_error(err, errlen, what);
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		char what[1200];
		snprintf(what, sizeof(what), "the TLS key %s does not belong to the certificate %s",
			 key_path, cert_path);
		take_error(err, errlen, what);
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* The system's CA certificates: the bundle file and the hashed directory,
 * or what SSL_CERT_FILE and SSL_CERT_DIR name instead, as
 * SSL_CTX_set_default_verify_paths does -- without the directory "store"
 * it also adds in OpenSSL 3, which reads every file of /etc/ssl/certs on
 * each handshake whose issuer is not known (a self-signed leadd: always),
 * about a millisecond of client CPU per connection (bench_tls). Nothing to
 * load is no error: only pinned certificates pass then. */
static void load_system_store(SSL_CTX *ctx)
{
	const char *file = getenv(X509_get_default_cert_file_env());
	const char *dir = getenv(X509_get_default_cert_dir_env());
	if (SSL_CTX_load_verify_file(ctx, file ? file : X509_get_default_cert_file()) != 1)
		ERR_clear_error();
	if (SSL_CTX_load_verify_dir(ctx, dir ? dir : X509_get_default_cert_dir()) != 1)
		ERR_clear_error();
}

SSL_CTX *ld_tls_client_ctx(char *err, size_t errlen)
{
	ERR_clear_error();
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx || !tls13_only(ctx)) {
		take_error(err, errlen, "cannot set up TLS");
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	/* The chain is checked during the handshake and the result kept; the
	 * caller decides (a pinned fingerprint may vouch for a self-signed
	 * certificate the store does not know). */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	load_system_store(ctx);
	return ctx;
}

/* A memory BIO keeps the largest buffer it ever held: after one 1 MiB
 * answer, 1 MiB for the rest of the connection, on each of thousands of
 * idle connections. Once drained, a BIO grown past this is swapped for a
 * new, empty one. */
#define BIO_KEEP (64u << 10)

static BIO *new_mem_bio(void)
{
	BIO *b = BIO_new(BIO_s_mem());
	/* An empty input is "come back later", not end of file. */
	if (b)
		BIO_set_mem_eof_return(b, -1);
	return b;
}

static void renew_if_big(ld_tls *t, int out)
{
	BIO *b = out ? t->out : t->in;
	BUF_MEM *bm = NULL;
	if (BIO_ctrl_pending(b) != 0)
		return;
	BIO_get_mem_ptr(b, &bm);
	if (!bm || bm->max <= BIO_KEEP)
		return;
	BIO *fresh = new_mem_bio();
	if (!fresh) {
		ERR_clear_error();
		return; /* keep the big one: it works */
	}
	/* Each call frees the BIO it replaces. */
	if (out) {
		SSL_set0_wbio(t->ssl, fresh);
		t->out = fresh;
	} else {
		SSL_set0_rbio(t->ssl, fresh);
		t->in = fresh;
	}
}

static int is_ip(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];
	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

ld_tls *ld_tls_new(SSL_CTX *ctx, int is_server, const char *host)
{
	ld_tls *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	ERR_clear_error();
	t->ssl = SSL_new(ctx);
	t->in = new_mem_bio();
	t->out = new_mem_bio();
	if (!t->ssl || !t->in || !t->out) {
		SSL_free(t->ssl);
		BIO_free(t->in);
		BIO_free(t->out);
		free(t);
		ERR_clear_error();
		return NULL;
	}
	SSL_set_bio(t->ssl, t->in, t->out);
	if (is_server) {
		SSL_set_accept_state(t->ssl);
	} else {
		SSL_set_connect_state(t->ssl);
		if (host && *host) {
			int ok;
			if (is_ip(host)) {
				ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), host);
			} else {
				ok = SSL_set_tlsext_host_name(t->ssl, host) == 1 &&
				     SSL_set1_host(t->ssl, host) == 1;
			}
			if (!ok) {
				ld_tls_free(t);
				ERR_clear_error();
				return NULL;
			}
		}
	}
	return t;
}

void ld_tls_free(ld_tls *t)
{
	if (!t)
		return;
	SSL_free(t->ssl); /* and both BIOs */
	free(t);
}

int ld_tls_feed(ld_tls *t, const void *data, size_t len)
{
	while (len > 0) {
		int chunk = len > (1u << 30) ? (1 << 30) : (int)len;
		int n = BIO_write(t->in, data, chunk);
		if (n <= 0) {
			snprintf(t->error, sizeof(t->error), "out of memory");
			t->failed = 1;
			ERR_clear_error();
			return -1;
		}
		data = (const uint8_t *)data + n;
		len -= (size_t)n;
	}
	return 0;
}

size_t ld_tls_input_pending(const ld_tls *t)
{
	return BIO_ctrl_pending(t->in);
}

size_t ld_tls_plain_pending(const ld_tls *t)
{
	int n = SSL_pending(t->ssl);
	return n > 0 ? (size_t)n : 0;
}

/* What an SSL_* call's result means for the caller. */
static int outcome(ld_tls *t, int ret, const char *what)
{
	switch (SSL_get_error(t->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		ERR_clear_error();
		return LD_TLS_WANT;
	case SSL_ERROR_ZERO_RETURN:
		ERR_clear_error();
		return LD_TLS_CLOSED;
	default:
		take_error(t->error, sizeof(t->error), what);
		t->failed = 1;
		return LD_TLS_ERROR;
	}
}

int ld_tls_handshake(ld_tls *t)
{
	if (t->failed)
		return LD_TLS_ERROR;
	if (t->handshake_done)
		return LD_TLS_OK;
	ERR_clear_error();
	int ret = SSL_do_handshake(t->ssl);
	if (ret == 1) {
		t->handshake_done = 1;
		return LD_TLS_OK;
	}
	int rc = outcome(t, ret, "TLS handshake failed");
	if (rc == LD_TLS_CLOSED) {
		snprintf(t->error, sizeof(t->error),
			 "TLS handshake failed: the other side closed the connection");
		t->failed = 1;
		return LD_TLS_ERROR;
	}
	return rc;
}

int ld_tls_handshake_done(const ld_tls *t)
{
	return t->handshake_done;
}

int ld_tls_read(ld_tls *t, void *buf, size_t cap, size_t *got)
{
	*got = 0;
	int rc = ld_tls_handshake(t);
	if (rc != LD_TLS_OK)
		return rc;
	if (cap == 0)
		return LD_TLS_WANT;
	ERR_clear_error();
	size_t n = 0;
	int ret = SSL_read_ex(t->ssl, buf, cap, &n);
	rc = LD_TLS_OK;
	if (ret == 1)
		*got = n;
	else
		rc = outcome(t, ret, "TLS read failed");
	/* Only now: SSL_get_error (outcome) asks the input BIO whether the
	 * read should be retried. */
	renew_if_big(t, 0);
	return rc;
}

int ld_tls_write(ld_tls *t, const void *buf, size_t len)
{
	ERR_clear_error();
	size_t n = 0;
	if (t->failed)
		return -1;
	/* A memory BIO takes everything: one call writes it all. */
	if (len == 0)
		return 0;
	if (SSL_write_ex(t->ssl, buf, len, &n) != 1 || n != len) {
		take_error(t->error, sizeof(t->error), "TLS write failed");
		t->failed = 1;
		return -1;
	}
	return 0;
}

void ld_tls_close(ld_tls *t)
{
	ERR_clear_error();
	if (t->handshake_done)
		(void)SSL_shutdown(t->ssl);
	ERR_clear_error();
}

size_t ld_tls_output_pending(const ld_tls *t)
{
	return BIO_ctrl_pending(t->out);
}

size_t ld_tls_take_output(ld_tls *t, void *buf, size_t cap)
{
	size_t pending = BIO_ctrl_pending(t->out);
	if (cap > pending)
		cap = pending;
	if (cap == 0)
		return 0;
	int n = BIO_read(t->out, buf, cap > (1u << 30) ? (1 << 30) : (int)cap);
	renew_if_big(t, 1);
	return n > 0 ? (size_t)n : 0;
}

uint8_t *ld_tls_take_output_all(ld_tls *t, size_t *len)
{
	*len = 0;
	size_t pending = BIO_ctrl_pending(t->out);
	if (pending == 0)
		return NULL;
	uint8_t *buf = malloc(pending);
	if (!buf)
		return NULL;
	*len = ld_tls_take_output(t, buf, pending);
	return buf;
}

const char *ld_tls_error(const ld_tls *t)
{
	return t->error[0] ? t->error : "TLS failed";
}

int ld_tls_peer_fingerprint(ld_tls *t, char out[LD_TLS_FINGERPRINT_LEN])
{
	X509 *cert = SSL_get0_peer_certificate(t->ssl);
	return cert ? ld_tls_fingerprint(cert, out) : -1;
}

const char *ld_tls_verify_error(ld_tls *t)
{
	if (!SSL_get0_peer_certificate(t->ssl))
		return "the server sent no certificate";
	long res = SSL_get_verify_result(t->ssl);
	return res == X509_V_OK ? NULL : X509_verify_cert_error_string(res);
}

int ld_tls_fingerprint(X509 *cert, char out[LD_TLS_FINGERPRINT_LEN])
{
	unsigned char *der = NULL;
	int len = i2d_X509(cert, &der);
	if (len <= 0) {
		ERR_clear_error();
		return -1;
	}
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int ok = EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(), NULL) == 1;
	OPENSSL_free(der);
	if (!ok || mdlen != 32) {
		ERR_clear_error();
		return -1;
	}
	unsigned char b64[48];
	int n = EVP_EncodeBlock(b64, md, (int)mdlen); /* 44 with one '=' */
	while (n > 0 && b64[n - 1] == '=')
		n--;
	snprintf(out, LD_TLS_FINGERPRINT_LEN, "SHA256:%.*s", n, (const char *)b64);
	return 0;
}

int ld_tls_fingerprint_file(const char *path, char out[LD_TLS_FINGERPRINT_LEN], char *err,
			    size_t errlen)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "cannot open the certificate %s: %m", path);
		return -1;
	}
	X509 *cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!cert) {
		char what[600];
		snprintf(what, sizeof(what), "%s holds no PEM certificate", path);
		take_error(err, errlen, what);
		return -1;
	}
	int rc = ld_tls_fingerprint(cert, out);
	X509_free(cert);
	if (rc < 0)
		snprintf(err, errlen, "cannot compute the fingerprint of %s", path);
	return rc;
}
