#include "ld_frame.h"

#include <stdlib.h>
#include <string.h>

void ld_frame_decoder_init(ld_frame_decoder *d, uint32_t limit)
{
	memset(d, 0, sizeof(*d));
	d->limit = limit;
}

void ld_frame_decoder_free(ld_frame_decoder *d)
{
	free(d->buf);
	memset(d, 0, sizeof(*d));
}

void ld_frame_decoder_set_limit(ld_frame_decoder *d, uint32_t limit)
{
	d->limit = limit;
}

void ld_frame_put_header(uint8_t out[LD_FRAME_HEADER], uint32_t len)
{
	out[0] = (uint8_t)(len >> 24);
	out[1] = (uint8_t)(len >> 16);
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
}

uint32_t ld_frame_get_header(const uint8_t in[LD_FRAME_HEADER])
{
	return ((uint32_t)in[0] << 24) | ((uint32_t)in[1] << 16) | ((uint32_t)in[2] << 8) |
	       (uint32_t)in[3];
}

size_t ld_frame_pending(const ld_frame_decoder *d)
{
	return d->len - d->off;
}

int ld_frame_ready(const ld_frame_decoder *d)
{
	size_t rest = d->len - d->off;
	if (rest < LD_FRAME_HEADER)
		return 0;
	uint32_t n = ld_frame_get_header(d->buf + d->off);
	return n == 0 || n > d->limit || rest - LD_FRAME_HEADER >= n;
}

/* Move unconsumed bytes to the front so the buffer never creeps forward. */
static void compact(ld_frame_decoder *d)
{
	if (d->off == 0)
		return;
	size_t rest = d->len - d->off;
	if (rest)
		memmove(d->buf, d->buf + d->off, rest);
	d->len = rest;
	d->off = 0;
}

uint8_t *ld_frame_decoder_space(ld_frame_decoder *d, size_t want, size_t *avail)
{
	compact(d);
	if (d->cap - d->len < want) {
		size_t cap = d->cap ? d->cap : 4096;
		while (cap - d->len < want)
			cap *= 2;
		uint8_t *nb = realloc(d->buf, cap);
		if (!nb)
			return NULL;
		d->buf = nb;
		d->cap = cap;
	}
	*avail = d->cap - d->len;
	return d->buf + d->len;
}

void ld_frame_decoder_commit(ld_frame_decoder *d, size_t n)
{
	d->len += n;
}

int ld_frame_decoder_feed(ld_frame_decoder *d, const void *data, size_t n)
{
	size_t avail;
	uint8_t *p = ld_frame_decoder_space(d, n, &avail);
	if (!p)
		return -1;
	memcpy(p, data, n);
	ld_frame_decoder_commit(d, n);
	return 0;
}

ld_frame_status ld_frame_next(ld_frame_decoder *d, const uint8_t **frame, uint32_t *len)
{
	size_t rest = d->len - d->off;
	if (rest < LD_FRAME_HEADER)
		return LD_FRAME_NEED_MORE;
	uint32_t n = ld_frame_get_header(d->buf + d->off);
	if (n == 0)
		return LD_FRAME_EMPTY;
	if (n > d->limit)
		return LD_FRAME_TOO_BIG;
	if (rest - LD_FRAME_HEADER < n)
		return LD_FRAME_NEED_MORE;
	*frame = d->buf + d->off + LD_FRAME_HEADER;
	*len = n;
	d->off += LD_FRAME_HEADER + n;
	return LD_FRAME_OK;
}

size_t ld_varint_put(uint8_t *p, uint64_t v)
{
	size_t n = 0;
	do {
		p[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	return n;
}
