#include "tls_files.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/x509.h>

/* What a path that is not a regular file is, for the sentence. */
static const char *kind_of(mode_t m)
{
	return S_ISDIR(m)    ? "a directory"
	       : S_ISFIFO(m) ? "a named pipe"
	       : S_ISSOCK(m) ? "a socket"
	       : S_ISCHR(m)  ? "a character device"
	       : S_ISBLK(m)  ? "a block device"
			     : "not a regular file";
}

static int plain_file(const char *path, const char *what, char *err, size_t errlen)
{
	struct stat st;
	/* A missing or unreadable file: loading it says so. */
	if (stat(path, &st) < 0)
		return 0;
	if (!S_ISREG(st.st_mode)) {
		/* Opening a named pipe waits for a writer, and a device may
		 * never end: leadd (at start, at SIGHUP on its loop) and
		 * verify would hang there. Refused before it is opened. */
		snprintf(err, errlen,
			 "the TLS %s %s is %s, not a file: put the PEM file there (leadd reads "
			 "it at start and at SIGHUP)",
			 what, path, kind_of(st.st_mode));
		return -1;
	}
	if (st.st_size > 0)
		return 0;
	snprintf(err, errlen,
		 "the TLS %s %s is empty: put the PEM file back (with neither tls_cert nor "
		 "tls_key configured, moving DATA_DIR/tls.crt and tls.key away makes leadd "
		 "create a new pair, and clients then see a new fingerprint)",
		 what, path);
	return -1;
}

int tls_files_check(const char *cert, const char *key, char *err, size_t errlen)
{
	if (plain_file(cert, "certificate", err, errlen) < 0 ||
	    plain_file(key, "private key", err, errlen) < 0)
		return -1;
	struct stat st;
	if (stat(key, &st) < 0 || !(st.st_mode & S_IRWXO))
		return 0;
	/* Whoever reads the key can pose as this leadd to every client that
	 * trusts it: refused, as ssh refuses such a host key. */
	snprintf(err, errlen,
		 "the TLS private key %s is open to every user of this machine (mode %04o): "
		 "run 'chmod 600 %s' (or 640 with a group only leadd's user is in), then "
		 "start leadd or send it SIGHUP again; if others may have read it, make a new "
		 "pair",
		 key, (unsigned)(st.st_mode & 07777), key);
	return -1;
}

/* An ASN.1 time as "2026-12-06 00:33 UTC"; 0, or -1. */
static int when_text(const ASN1_TIME *t, char *out, size_t len)
{
	struct tm tm;
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	strftime(out, len, "%Y-%m-%d %H:%M UTC", &tm);
	return 0;
}

int tls_files_expiry(SSL_CTX *ctx, const char *cert, char *msg, size_t len)
{
	X509 *x = SSL_CTX_get0_certificate(ctx);
	const ASN1_TIME *start = x ? X509_get0_notBefore(x) : NULL;
	const ASN1_TIME *end = x ? X509_get0_notAfter(x) : NULL;
	char when[64];
	int days = 0, secs = 0;
	if (start && when_text(start, when, sizeof(when)) == 0 &&
	    X509_cmp_current_time(start) > 0) {
		snprintf(msg, len,
			 "the TLS certificate %s is not valid before %s: clients that check it "
			 "against an authority refuse it until then; check this machine's clock, "
			 "or put a pair valid now in place and send leadd SIGHUP",
			 cert, when);
		return TLS_FILES_NOT_YET;
	}
	if (when_text(end, when, sizeof(when)) < 0 || ASN1_TIME_diff(&days, &secs, NULL, end) != 1)
		return 0;
	if (days > TLS_FILES_WARN_DAYS)
		return 0;
	if (days < 0 || (days == 0 && secs <= 0)) {
		snprintf(msg, len,
			 "the TLS certificate %s expired on %s: clients that check it against an "
			 "authority refuse it (lead trusting it by its fingerprint still "
			 "connects); put a renewed pair in place and send leadd SIGHUP",
			 cert, when);
		return TLS_FILES_EXPIRED;
	}
	snprintf(msg, len,
		 "the TLS certificate %s expires on %s (in %d days): clients that check it "
		 "against an authority will then refuse it; put a renewed pair in place "
		 "before, and send leadd SIGHUP",
		 cert, when, days);
	return TLS_FILES_EXPIRING;
}
