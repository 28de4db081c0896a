/* Listing cursors: opaque to clients, "c2." then base64url (no padding) of
 * a fixed header and the sort key of the last lead examined. The header
 * ties the cursor to its listing (a hash of filter, sort and direction)
 * and to the revision paging began at. */
#include "search_query.h"

#include <stdlib.h>
#include <string.h>

#define HDR (1 + 8 + 8 + 8 + 1 + 1 + 1 + 8 + 1) /* version .. klen */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

void sq_cursor_encode(const sq_cursor *c, char out[SQ_CURSOR_MAX])
{
	uint8_t raw[HDR + SEARCH_KEY_MAX];
	size_t n = 0;
	raw[n++] = 2;
	put64(raw + n, c->hash), n += 8;
	put64(raw + n, c->rev), n += 8;
	put64(raw + n, c->max_id), n += 8;
	raw[n++] = c->sort;
	raw[n++] = c->desc;
	raw[n++] = (uint8_t)((c->pos.started ? 1 : 0) | (c->pos.has_key ? 2 : 0));
	put64(raw + n, c->pos.id), n += 8;
	raw[n++] = (uint8_t)c->pos.klen;
	memcpy(raw + n, c->pos.key, c->pos.klen);
	n += c->pos.klen;
	char *o = out;
	memcpy(o, "c2.", 3);
	o += 3;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)raw[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)raw[i + 1] << 8;
		if (i + 2 < n)
			v |= raw[i + 2];
		*o++ = b64[(v >> 18) & 63];
		*o++ = b64[(v >> 12) & 63];
		if (i + 1 < n)
			*o++ = b64[(v >> 6) & 63];
		if (i + 2 < n)
			*o++ = b64[v & 63];
	}
	*o = 0;
}

static int b64val(char ch)
{
	const char *p = ch ? strchr(b64, ch) : NULL;
	return p ? (int)(p - b64) : -1;
}

int sq_cursor_decode(const char *s, sq_cursor *c)
{
	if (strncmp(s, "c2.", 3) != 0)
		return -1;
	s += 3;
	size_t len = strlen(s);
	if (len % 4 == 1 || len > SQ_CURSOR_MAX - 4)
		return -1;
	uint8_t raw[HDR + SEARCH_KEY_MAX + 3];
	size_t n = 0;
	for (size_t i = 0; i < len; i += 4) {
		uint32_t v = 0;
		size_t k = 0;
		for (; k < 4 && i + k < len; k++) {
			int d = b64val(s[i + k]);
			if (d < 0)
				return -1;
			v |= (uint32_t)d << (18 - 6 * k);
		}
		raw[n++] = (uint8_t)(v >> 16);
		if (k > 2)
			raw[n++] = (uint8_t)(v >> 8);
		if (k > 3)
			raw[n++] = (uint8_t)v;
	}
	if (n < HDR || raw[0] != 2)
		return -1;
	memset(c, 0, sizeof(*c));
	c->hash = get64(raw + 1);
	c->rev = get64(raw + 9);
	c->max_id = get64(raw + 17);
	c->sort = raw[25];
	c->desc = raw[26];
	c->pos.started = raw[27] & 1;
	c->pos.has_key = (raw[27] & 2) != 0;
	c->pos.id = get64(raw + 28);
	c->pos.klen = raw[36];
	if (c->desc > 1 || raw[27] > 3 || c->pos.klen > SEARCH_KEY_MAX || n != HDR + c->pos.klen ||
	    (!c->pos.has_key && c->pos.klen))
		return -1;
	memcpy(c->pos.key, raw + HDR, c->pos.klen);
	return 0;
}

/* FNV-1a over the packed filter (protobuf-c packs a decoded message the
 * same way every time), the sort and the direction. */
uint64_t sq_listing_hash(const Leadd__LeadFilter *f, int sort, int desc)
{
	uint8_t stack[4096], *buf = stack;
	size_t n = f ? leadd__lead_filter__get_packed_size(f) : 0;
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	if (n > sizeof(stack) && !(buf = malloc(n)))
		n = 0; /* out of memory: the hash covers sort and direction only */
	if (n)
		leadd__lead_filter__pack(f, buf);
	for (size_t i = 0; i < n; i++)
		h = (h ^ buf[i]) * UINT64_C(0x100000001b3);
	if (buf != stack)
		free(buf);
	h = (h ^ (uint8_t)sort) * UINT64_C(0x100000001b3);
	h = (h ^ (uint8_t)desc) * UINT64_C(0x100000001b3);
	return h;
}
