#include "net_tls.h"

#include <stdlib.h>

#include "tls_server.h"

/* Bytes asked of the kernel per read (as net.c's READ_CHUNK). */
#define TLS_READ_CHUNK (64u << 10)
/* Plaintext taken out of the engine at a time: one TLS record's worth. */
#define TLS_PLAIN_CHUNK (16u << 10)

static char read_buffer[TLS_READ_CHUNK];

char *net_tls_read_buffer(size_t *len)
{
	*len = sizeof(read_buffer);
	return read_buffer;
}

int net_tls_sniff(const uint8_t *data, size_t len, int plain_allowed)
{
	if (len > 0 && data[0] == LD_TLS_RECORD_HANDSHAKE)
		return NET_TLS;
	return plain_allowed ? NET_PLAIN : NET_REFUSE;
}

const char *net_tls_refusal(void)
{
	return "this leadd address takes TLS connections only: lead speaks TLS to any "
	       "address that is not loopback (or set tls = yes in its config), and other "
	       "clients must connect with TLS 1.3";
}

ld_tls *net_tls_begin(const uint8_t *data, size_t len, const char **why)
{
	SSL_CTX *ctx = tls_server_ctx();
	if (!ctx) {
		*why = "TLS is not set up in this leadd";
		return NULL;
	}
	ld_tls *t = ld_tls_new(ctx, 1, NULL);
	if (!t || ld_tls_feed(t, data, len) < 0) {
		ld_tls_free(t);
		*why = "out of memory starting TLS";
		return NULL;
	}
	return t;
}

int net_tls_decrypt(ld_tls *t, ld_frame_decoder *d, size_t cap)
{
	while (ld_frame_pending(d) < cap) {
		size_t want = cap - ld_frame_pending(d), avail = 0, got = 0;
		if (want > TLS_PLAIN_CHUNK)
			want = TLS_PLAIN_CHUNK;
		uint8_t *p = ld_frame_decoder_space(d, want, &avail);
		if (!p)
			return LD_TLS_ERROR;
		int rc = ld_tls_read(t, p, avail < want ? avail : want, &got);
		if (rc != LD_TLS_OK)
			return rc;
		ld_frame_decoder_commit(d, got);
	}
	return LD_TLS_WANT;
}

int net_tls_has_input(const ld_tls *t)
{
	return ld_tls_input_pending(t) > 0 || ld_tls_plain_pending(t) > 0;
}

int net_tls_encrypt(ld_tls *t, uint8_t *frame, size_t len)
{
	int rc = ld_tls_handshake_done(t) ? ld_tls_write(t, frame, len) : -1;
	free(frame);
	return rc;
}
