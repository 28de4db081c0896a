#include "verify_kmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KMAP_CHUNK (1u << 20)

static void oom(void)
{
	fprintf(stderr, "verify: out of memory\n");
	exit(1);
}

static uint64_t khash(const void *k, size_t len)
{
	const uint8_t *p = k;
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

static uint8_t *kmap_keep(kmap *m, const void *key, size_t len)
{
	if (m->chunk_left < len) {
		uint8_t **c = realloc(m->chunks, (m->n_chunks + 1) * sizeof(*c));
		if (!c || !(c[m->n_chunks] = malloc(KMAP_CHUNK)))
			oom();
		m->chunks = c;
		m->chunk_at = c[m->n_chunks++];
		m->chunk_left = KMAP_CHUNK;
	}
	uint8_t *p = m->chunk_at;
	memcpy(p, key, len);
	m->chunk_at += len;
	m->chunk_left -= len;
	return p;
}

static kentry *kmap_slot(kentry *e, size_t cap, const void *key, size_t len)
{
	for (size_t i = khash(key, len) & (cap - 1);; i = (i + 1) & (cap - 1))
		if (!e[i].key || (e[i].len == len && memcmp(e[i].key, key, len) == 0))
			return &e[i];
}

kentry *kmap_find(kmap *m, const void *key, size_t len, int add)
{
	if (add && (m->used + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 1024;
		kentry *e = calloc(cap, sizeof(*e));
		if (!e)
			oom();
		for (size_t i = 0; i < m->cap; i++)
			if (m->e[i].key)
				*kmap_slot(e, cap, m->e[i].key, m->e[i].len) = m->e[i];
		free(m->e);
		m->e = e;
		m->cap = cap;
	}
	if (!m->cap)
		return NULL;
	kentry *e = kmap_slot(m->e, m->cap, key, len);
	if (e->key || !add)
		return e->key ? e : NULL;
	e->key = kmap_keep(m, key, len);
	e->len = (uint32_t)len;
	m->used++;
	return e;
}

void kmap_free(kmap *m)
{
	for (size_t i = 0; i < m->n_chunks; i++)
		free(m->chunks[i]);
	free(m->chunks);
	free(m->e);
}

/* A 128-bit number as decimal. */
const char *i128_str(__int128 v, char buf[48])
{
	char tmp[48];
	size_t n = 0;
	int neg = v < 0;
	unsigned __int128 u = neg ? -(unsigned __int128)v : (unsigned __int128)v;
	do {
		tmp[n++] = (char)('0' + (int)(u % 10));
		u /= 10;
	} while (u);
	size_t o = 0;
	if (neg)
		buf[o++] = '-';
	while (n)
		buf[o++] = tmp[--n];
	buf[o] = 0;
	return buf;
}
