#include "tls_cert.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#define CERT_DAYS 3650

static int add_ext(X509 *cert, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return -1;
	int ok = X509_add_ext(cert, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

static X509 *self_signed(EVP_PKEY *key, const char *host)
{
	X509 *cert = X509_new();
	BIGNUM *serial = BN_new();
	char san[300];
	/* A random serial: two certificates of one host never look alike to a
	 * browser-style cache. */
	int ok = cert && serial && X509_set_version(cert, 2) == 1 &&
		 BN_rand(serial, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
		 BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert)) &&
		 X509_gmtime_adj(X509_getm_notBefore(cert), -3600) &&
		 X509_time_adj_ex(X509_getm_notAfter(cert), CERT_DAYS, 0, NULL) &&
		 X509_set_pubkey(cert, key) == 1;
	X509_NAME *name = ok ? X509_get_subject_name(cert) : NULL;
	ok = ok && name &&
	     X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)host, -1,
					-1, 0) == 1 &&
	     X509_set_issuer_name(cert, name) == 1;
	snprintf(san, sizeof(san), "DNS:%s", host);
	ok = ok && add_ext(cert, NID_subject_alt_name, san) == 0 &&
	     add_ext(cert, NID_basic_constraints, "critical,CA:FALSE") == 0 &&
	     add_ext(cert, NID_key_usage, "critical,digitalSignature") == 0 &&
	     add_ext(cert, NID_ext_key_usage, "serverAuth") == 0 &&
	     X509_sign(cert, key, EVP_sha256()) > 0;
	BN_free(serial);
	if (!ok) {
		X509_free(cert);
		return NULL;
	}
	return cert;
}

/* A new file, 0600, never an existing one. */
static FILE *create_private(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s%s", path, strerror(errno),
			 errno == EEXIST ? " (move it away to make a new one)" : "");
		return NULL;
	}
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(path);
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	}
	return f;
}

/* Written, flushed to disk and closed; -1 (and the file removed) on any
 * failure, so a full disk never leaves half a key. */
static int finish_file(FILE *f, const char *path, int written, char *err, size_t errlen)
{
	int ok = written && fflush(f) == 0 && fsync(fileno(f)) == 0;
	int saved = errno;
	ok = (fclose(f) == 0) && ok;
	if (!ok) {
		unlink(path);
		snprintf(err, errlen, "cannot write %s: %s", path,
			 written ? strerror(saved ? saved : EIO) : "encoding failed");
		return -1;
	}
	return 0;
}

int tls_cert_create(const char *cert_path, const char *key_path, const char *host, char *err,
		    size_t errlen)
{
	char hostname[256];
	if (!host || !*host) {
		if (gethostname(hostname, sizeof(hostname)) != 0 || !hostname[0])
			snprintf(hostname, sizeof(hostname), "leadd");
		hostname[sizeof(hostname) - 1] = 0;
		host = hostname;
	}
	ERR_clear_error();
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *cert = key ? self_signed(key, host) : NULL;
	if (!cert) {
		unsigned long e = ERR_get_error();
		const char *why = e ? ERR_reason_error_string(e) : NULL;
		snprintf(err, errlen, "cannot make a TLS key and certificate: %s",
			 why ? why : "unknown error");
		ERR_clear_error();
		EVP_PKEY_free(key);
		return -1;
	}
	int rc = -1;
	FILE *kf = create_private(key_path, err, errlen);
	if (kf) {
		int written = PEM_write_PrivateKey(kf, key, NULL, NULL, 0, NULL, NULL) == 1;
		if (finish_file(kf, key_path, written, err, errlen) == 0) {
			FILE *cf = create_private(cert_path, err, errlen);
			written = cf && PEM_write_X509(cf, cert) == 1;
			if (cf && finish_file(cf, cert_path, written, err, errlen) == 0)
				rc = 0;
			else
				unlink(key_path);
		}
	}
	ERR_clear_error();
	X509_free(cert);
	EVP_PKEY_free(key);
	return rc;
}
