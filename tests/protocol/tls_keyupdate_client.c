/* A TLS 1.3 client that asks leadd for key updates and never reads
 * (tests/protocol/tls_keyupdate.py). Each KeyUpdate with update_requested
 * obliges the server to send one of its own: output the server makes by
 * itself, not as an answer, that must still count against the client's
 * output limits and push back instead of piling up in leadd.
 *
 * Usage: tls_keyupdate_client HOST PORT COUNT HOLD_S [HEX]
 * HEX: plaintext sent first (Hello and Login frames). Prints how many key
 * updates went out and whether leadd then closed the connection ("closed")
 * or not ("open" after HOLD_S s of silence); exit 0 (a refused or closed connection is an outcome,
 * not an error of the helper), 1 when it could not connect at all. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

static int unhex(const char *s, unsigned char *out, size_t cap)
{
	size_t n = strlen(s) / 2;
	if (n > cap)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (unsigned char)v;
	}
	return (int)n;
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: %s HOST PORT COUNT HOLD_S [HEX]\n", argv[0]);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	/* A small window: the server's updates stop at the kernel soon. */
	int sz = 4096;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	/* leadd pushing back (it stops reading) ends the flood, not the test. */
	struct timeval tv = {.tv_sec = 3};
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
	if (inet_pton(AF_INET, argv[1], &a.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("connect");
		return 1;
	}
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	SSL *s = SSL_new(ctx);
	SSL_set_fd(s, fd);
	if (SSL_connect(s) != 1) {
		ERR_print_errors_fp(stderr);
		SSL_free(s);
		SSL_CTX_free(ctx);
		return 1;
	}
	if (argc > 5) {
		static unsigned char buf[65536];
		int n = unhex(argv[5], buf, sizeof(buf));
		if (n <= 0 || SSL_write(s, buf, n) != n) {
			fprintf(stderr, "cannot send the first frames\n");
			SSL_free(s);
			SSL_CTX_free(ctx);
			return 1;
		}
	}
	long count = atol(argv[3]), i;
	for (i = 0; i < count; i++)
		if (SSL_key_update(s, SSL_KEY_UPDATE_REQUESTED) != 1 || SSL_do_handshake(s) != 1)
			break;
	/* Then read at last: what leadd sent, up to its close (or HOLD_S of
	 * silence: the connection is still open). */
	ERR_clear_error();
	struct timeval rt = {.tv_sec = atoi(argv[4])};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &rt, sizeof(rt));
	char buf[4096];
	const char *state = "open";
	for (;;) {
		int n = SSL_read(s, buf, sizeof(buf));
		if (n > 0)
			continue;
		int e = SSL_get_error(s, n);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			break; /* the timeout: still open */
		state = "closed";
		break;
	}
	printf("%ld %s\n", i, state);
	/* Freed, so that the ASan build's leak check has nothing to say. */
	SSL_free(s);
	SSL_CTX_free(ctx);
	close(fd);
	return 0;
}
