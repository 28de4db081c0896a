/* fuzz_tls records: mutated TLS records fed to an engine.
 *
 * Each iteration takes one flight of a real exchange between a fresh
 * client and server engine, mutates it and feeds it to the other side in
 * random chunks, driving that engine after each chunk:
 * - the ClientHello to the server (its extensions edited with the lengths
 *   fixed up, so the mutations reach the extension parsers; or its records
 *   or bytes mutated), then the rest of the exchange run cleanly;
 * - the server's flight to the client;
 * - the client's Finished (and the first frame behind it) to the server;
 * - application data records, either way, after the handshake.
 * Whatever happened, an engine that did not fail may go on: a handshake
 * both sides finish must show the server's fingerprint to the client and
 * carry data intact both ways; plaintext that comes out must be what the
 * peer wrote; after an error no plaintext comes out at all. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "fuzz_tls.h"

#define MAX_FLIGHT FUZZ_TLS_MAX_FLIGHT
#define MAX_RECORDS 64

/* The kind of iteration running, for failure messages. */
static const char *kind = "";

/* Flights of real exchanges, for the mutator's splices. */
static fuzz_corpus flights;

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Where each record starts (the last one may be cut short). */
static size_t record_starts(const uint8_t *b, size_t len, size_t *at)
{
	size_t n = 0;
	for (size_t off = 0; off < len && n < MAX_RECORDS; n++) {
		at[n] = off;
		if (off + 5 > len)
			return n + 1;
		off += 5 + get16(b + off + 3);
	}
	return n;
}

static size_t record_end(const uint8_t *b, size_t len, size_t start)
{
	if (start + 5 > len)
		return len;
	size_t end = start + 5 + get16(b + start + 3);
	return end < len ? end : len;
}

/* Move bytes [from, len) to `to`, growing or shrinking the buffer. */
static size_t shift(uint8_t *b, size_t len, size_t from, size_t to, size_t max)
{
	if (to > from && len + (to - from) > max)
		return len;
	memmove(b + to, b + from, len - from);
	return to > from ? len + (to - from) : len - (from - to);
}

/* Record-level edits: lengths, types and versions changed, whole records
 * dropped, duplicated, swapped, cut, or forged ones inserted. */
static size_t mutate_records(uint8_t *b, size_t len, size_t max)
{
	size_t at[MAX_RECORDS];
	size_t n = record_starts(b, len, at);
	if (n == 0)
		return len;
	size_t i = fuzz_below(n), r = at[i], end = record_end(b, len, r);
	int whole = r + 5 <= len;
	switch (fuzz_below(8)) {
	case 0: /* a length that lies */
		if (whole) {
			static const size_t lens[] = {0,           1,           2,     16384,
						      16384 + 256, 16384 + 257, 0xffff};
			size_t v = fuzz_below(3)   ? lens[fuzz_below(7)]
				   : fuzz_below(2) ? get16(b + r + 3) + fuzz_below(3) - 1
						   : fuzz_below(0x10000);
			put16(b + r + 3, v);
		}
		break;
	case 1: /* another content type */
	{
		static const uint8_t types[] = {20, 21, 22, 23, 24, 0, 0xff};
		b[r] = fuzz_below(4) ? types[fuzz_below(7)] : (uint8_t)fuzz_rnd();
		break;
	}
	case 2: /* another legacy version */
		if (whole) {
			static const uint16_t versions[] = {0x0301, 0x0303, 0x0304,
							    0x0300, 0x0200, 0xfeff};
			put16(b + r + 1, fuzz_below(4) ? versions[fuzz_below(6)] : fuzz_rnd());
		}
		break;
	case 3: /* drop a record */
		len = shift(b, len, end, r, max);
		break;
	case 4: /* duplicate a record (a replay) */
		if (len + (end - r) <= max) {
			memmove(b + end + (end - r), b + end, len - end);
			memcpy(b + end, b + r, end - r);
			len += end - r;
		}
		break;
	case 5: /* swap a record with the next */
		if (i + 1 < n) {
			size_t end2 = record_end(b, len, at[i + 1]);
			size_t a = end - r, c = end2 - end;
			uint8_t *tmp = malloc(a + c);
			if (!tmp)
				abort();
			memcpy(tmp, b + end, c);
			memcpy(tmp + c, b + r, a);
			memcpy(b + r, tmp, a + c);
			free(tmp);
		}
		break;
	case 6: /* cut inside a record's header or body */
		len = r + fuzz_below(end - r + 1);
		break;
	default: /* a forged record: change cipher spec, an alert, or noise */
	{
		uint8_t rec[5 + 600];
		size_t body;
		switch (fuzz_below(4)) {
		case 0:
			rec[0] = 20, body = 1, rec[5] = 1;
			break;
		case 1:
			rec[0] = 21, body = 2, rec[5] = (uint8_t)(1 + fuzz_below(2)),
			rec[6] = (uint8_t)fuzz_rnd();
			break;
		default:
			rec[0] = (uint8_t)(20 + fuzz_below(5));
			body = fuzz_below(600);
			for (size_t k = 0; k < body; k++)
				rec[5 + k] = (uint8_t)fuzz_rnd();
			break;
		}
		put16(rec + 1, 0x0303);
		put16(rec + 3, body);
		size_t pos = fuzz_below(2) ? r : end;
		if (len + 5 + body <= max) {
			memmove(b + pos + 5 + body, b + pos, len - pos);
			memcpy(b + pos, rec, 5 + body);
			len += 5 + body;
		}
		break;
	}
	}
	return len;
}

/* A ClientHello taken apart: what precedes the session id (legacy version
 * and random), session id, cipher suites, compression methods, and the
 * extensions (type and data). */
typedef struct {
	uint8_t head[34];
	fuzz_bytes sid, suites, comp;
	size_t n_ext;
	uint16_t type[64];
	fuzz_bytes data[64];
} hello;

static void hello_free(hello *h)
{
	free(h->sid.data);
	free(h->suites.data);
	free(h->comp.data);
	for (size_t i = 0; i < h->n_ext; i++)
		free(h->data[i].data);
}

/* A whole ClientHello in one record; 0, or -1 when b is not one. */
static int hello_parse(const uint8_t *b, size_t len, hello *h)
{
	memset(h, 0, sizeof(*h));
	if (len < 9 + 34 + 1 || b[0] != 22 || b[5] != 1)
		return -1;
	size_t p = 9;
	memcpy(h->head, b + p, 34);
	p += 34;
	size_t n = b[p++];
	if (p + n + 2 > len)
		return -1;
	fuzz_bytes_append(&h->sid, b + p, n);
	p += n;
	n = get16(b + p);
	p += 2;
	if (p + n + 1 > len)
		return -1;
	fuzz_bytes_append(&h->suites, b + p, n);
	p += n;
	n = b[p++];
	if (p + n + 2 > len)
		return -1;
	fuzz_bytes_append(&h->comp, b + p, n);
	p += n;
	size_t end = p + 2 + get16(b + p);
	p += 2;
	if (end > len)
		return -1;
	while (p + 4 <= end && h->n_ext < 64) {
		n = get16(b + p + 2);
		if (p + 4 + n > end)
			return -1;
		h->type[h->n_ext] = get16(b + p);
		fuzz_bytes_append(&h->data[h->n_ext], b + p + 4, n);
		h->n_ext++;
		p += 4 + n;
	}
	return 0;
}

/* Copy a part in (an empty part may have no buffer at all). */
static void put_part(uint8_t *at, const fuzz_bytes *part)
{
	if (part->len)
		memcpy(at, part->data, part->len);
}

/* Put it back together with every length right, then (one time in
 * eight) make one of them lie. The length, or 0 when it does not fit. */
static size_t hello_build(const hello *h, uint8_t *b, size_t max)
{
	size_t size = 9 + 34 + 1 + h->sid.len + 2 + h->suites.len + 1 + h->comp.len + 2;
	for (size_t i = 0; i < h->n_ext; i++)
		size += 4 + h->data[i].len;
	if (size > max || size - 5 > 0xffff || h->sid.len > 255 || h->comp.len > 255)
		return 0;
	size_t lens[8], nl = 0; /* offsets of the 16-bit length fields */
	b[0] = 22;
	put16(b + 1, 0x0301);
	put16(b + 3, size - 5);
	lens[nl++] = 3;
	b[5] = 1;
	b[6] = 0;
	put16(b + 7, size - 9);
	lens[nl++] = 7;
	size_t p = 9;
	memcpy(b + p, h->head, 34);
	p += 34;
	b[p++] = (uint8_t)h->sid.len;
	put_part(b + p, &h->sid);
	p += h->sid.len;
	put16(b + p, h->suites.len);
	lens[nl++] = p;
	p += 2;
	put_part(b + p, &h->suites);
	p += h->suites.len;
	b[p++] = (uint8_t)h->comp.len;
	put_part(b + p, &h->comp);
	p += h->comp.len;
	size_t ext_len_at = p;
	lens[nl++] = p;
	p += 2;
	for (size_t i = 0; i < h->n_ext; i++) {
		put16(b + p, h->type[i]);
		put16(b + p + 2, h->data[i].len);
		if (nl < 8 && fuzz_below(2))
			lens[nl++] = p + 2;
		put_part(b + p + 4, &h->data[i]);
		p += 4 + h->data[i].len;
	}
	put16(b + ext_len_at, p - ext_len_at - 2);
	if (fuzz_below(8) == 0) {
		size_t at = lens[fuzz_below(nl)];
		put16(b + at, get16(b + at) + fuzz_below(5) - 2);
	}
	return p;
}

/* Extensions a TLS 1.3 server parses, for retyping and forging. */
static const uint16_t ext_types[] = {0,  10, 11, 13, 16, 21, 35, 41,     42,
				     43, 44, 45, 47, 49, 50, 51, 0xff01, 0x1a1a};

static void mutate_bytes(fuzz_bytes *b, size_t max)
{
	uint8_t buf[1024];
	size_t n = b->len < sizeof(buf) ? b->len : sizeof(buf);
	if (n)
		memcpy(buf, b->data, n);
	n = fuzz_mutate(&flights, buf, n, max < sizeof(buf) ? max : sizeof(buf));
	b->len = 0;
	fuzz_bytes_append(b, buf, n);
}

/* Extension-level edits of a ClientHello, lengths fixed up. */
static size_t mutate_hello(uint8_t *b, size_t len, size_t max)
{
	hello h;
	if (hello_parse(b, len, &h) < 0) {
		hello_free(&h);
		return mutate_records(b, len, max);
	}
	int rounds = 1 + (int)fuzz_below(3);
	for (int k = 0; k < rounds; k++) {
		size_t i = fuzz_below(h.n_ext);
		switch (fuzz_below(9)) {
		case 0: /* drop an extension */
			if (h.n_ext) {
				free(h.data[i].data);
				memmove(&h.type[i], &h.type[i + 1], (h.n_ext - i - 1) * 2);
				memmove(&h.data[i], &h.data[i + 1],
					(h.n_ext - i - 1) * sizeof(fuzz_bytes));
				h.n_ext--;
			}
			break;
		case 1: /* the same extension twice */
			if (h.n_ext && h.n_ext < 64) {
				h.type[h.n_ext] = h.type[i];
				memset(&h.data[h.n_ext], 0, sizeof(fuzz_bytes));
				fuzz_bytes_append(&h.data[h.n_ext], h.data[i].data, h.data[i].len);
				h.n_ext++;
			}
			break;
		case 2: /* swap two (pre_shared_key must be last) */
			if (h.n_ext > 1) {
				size_t j = fuzz_below(h.n_ext);
				uint16_t t = h.type[i];
				fuzz_bytes d = h.data[i];
				h.type[i] = h.type[j], h.data[i] = h.data[j];
				h.type[j] = t, h.data[j] = d;
			}
			break;
		case 3: /* another type */
			if (h.n_ext)
				h.type[i] = fuzz_below(4) ? ext_types[fuzz_below(18)]
							  : (uint16_t)fuzz_rnd();
			break;
		case 4: /* mutate its data */
		case 5:
			if (h.n_ext)
				mutate_bytes(&h.data[i], 1024);
			break;
		case 6: /* a forged extension of a parsed type, with noise */
			if (h.n_ext < 64) {
				size_t n = fuzz_below(3) ? fuzz_below(40) : fuzz_below(1024);
				h.type[h.n_ext] = ext_types[fuzz_below(18)];
				memset(&h.data[h.n_ext], 0, sizeof(fuzz_bytes));
				for (size_t q = 0; q < n; q++) {
					uint8_t c = (uint8_t)fuzz_rnd();
					fuzz_bytes_append(&h.data[h.n_ext], &c, 1);
				}
				h.n_ext++;
			}
			break;
		case 7: /* the cipher suites or the session id */
			mutate_bytes(fuzz_below(2) ? &h.suites : &h.sid, 255);
			break;
		default: /* compression methods */
			mutate_bytes(&h.comp, 255);
			break;
		}
	}
	size_t out = hello_build(&h, b, max);
	hello_free(&h);
	return out ? out : len;
}

size_t fuzz_tls_mutate_flight(uint8_t *b, size_t len, int is_hello, int *changed)
{
	static uint8_t before[MAX_FLIGHT];
	size_t before_len = len;
	memcpy(before, b, len);
	do {
		switch (fuzz_below(is_hello ? 4 : 3)) {
		case 0:
			len = mutate_records(b, len, MAX_FLIGHT);
			break;
		case 1:
			len = fuzz_mutate(&flights, b, len, MAX_FLIGHT);
			break;
		case 2: /* a single flipped bit: the authentication must catch it */
			if (len)
				b[fuzz_below(len)] ^= (uint8_t)(1u << fuzz_below(8));
			break;
		default:
			len = mutate_hello(b, len, MAX_FLIGHT);
			break;
		}
	} while (fuzz_below(4) == 0);
	*changed = len != before_len || memcmp(before, b, len) != 0;
	return len;
}

/* Drive t on what it has: the handshake, then reads (in random sizes)
 * into plain, until it wants more, fails or sees close_notify. */
static int drive(ld_tls *t, const char *side, fuzz_bytes *plain)
{
	if (!ld_tls_handshake_done(t)) {
		int rc = fuzz_tls_outcome(t, ld_tls_handshake(t), side);
		if (rc != LD_TLS_OK)
			return rc;
	}
	for (int calls = 0; calls < 100000; calls++) {
		uint8_t buf[20000];
		size_t cap = fuzz_below(4) == 0 ? 1 + fuzz_below(64) : sizeof(buf), got = 0;
		int rc = fuzz_tls_outcome(t, ld_tls_read(t, buf, cap, &got), side);
		if (rc != LD_TLS_OK)
			return rc;
		if (got == 0 || got > cap) {
			fuzz_fail("the %s read %zu bytes into room for %zu", side, got, cap);
			return LD_TLS_ERROR;
		}
		fuzz_bytes_append(plain, buf, got);
	}
	fuzz_fail("the %s's reads make no progress", side);
	return LD_TLS_ERROR;
}

/* Feed b to t in random chunks, driving it after each. After an error no
 * more bytes may bring plaintext out. */
static int feed(ld_tls *t, const char *side, const uint8_t *b, size_t len, fuzz_bytes *plain)
{
	int rc = LD_TLS_WANT;
	for (size_t off = 0; off < len;) {
		size_t k = fuzz_below(3) == 0 ? len - off : 1 + fuzz_below(len - off);
		if (ld_tls_feed(t, b + off, k) != 0)
			abort();
		off += k;
		rc = drive(t, side, plain);
		if (rc == LD_TLS_ERROR) {
			/* Whatever comes next, the engine keeps failing with the
			 * same sentence and gives no plaintext. */
			char why[256];
			snprintf(why, sizeof(why), "%s", ld_tls_error(t));
			if (off < len && ld_tls_feed(t, b + off, len - off) != 0)
				abort();
			uint8_t buf[64];
			size_t got = 0;
			int again = ld_tls_read(t, buf, sizeof(buf), &got);
			if (again != LD_TLS_ERROR || got != 0 || strcmp(why, ld_tls_error(t)) != 0)
				fuzz_fail("after \"%s\" the %s's engine answered %d with %zu "
					  "bytes: %s",
					  why, side, again, got, ld_tls_error(t));
			return rc;
		}
		if (rc == LD_TLS_CLOSED)
			return rc;
	}
	return rc;
}

/* What came out must be what the peer wrote (a prefix of it). */
static void check_plain(const fuzz_bytes *plain, const fuzz_bytes *written, const char *side)
{
	FUZZ_CHECK(plain->len <= written->len &&
			   (plain->len == 0 || memcmp(plain->data, written->data, plain->len) == 0),
		   "the %s read %zu bytes the peer did not write", side, plain->len);
}

/* Random application data, written in one to four writes of up to max
 * bytes each (over 16 KiB: more than one record). */
static void write_data(ld_tls *t, fuzz_bytes *written, size_t max)
{
	int writes = 1 + (int)fuzz_below(4);
	for (int w = 0; w < writes; w++) {
		size_t n = fuzz_below(3) ? 1 + fuzz_below(200) : 1 + fuzz_below(max);
		uint8_t *p = malloc(n);
		if (!p)
			abort();
		for (size_t k = 0; k < n; k++)
			p[k] = (uint8_t)fuzz_rnd();
		if (ld_tls_write(t, p, n) != 0)
			fuzz_fail("a write after the handshake failed: %s", ld_tls_error(t));
		fuzz_bytes_append(written, p, n);
		free(p);
	}
}

/* Both ends alive after what was fed: run the rest of the exchange
 * cleanly; if both finish, the client must see the server's own
 * fingerprint, and data must cross intact both ways -- unless the flight
 * was changed: bytes a mutation left behind it (a cut record the engine
 * holds, a forged one) come before the data and may fail the read, but
 * never bring out plaintext the peer did not write. */
static void finish(ld_tls *cli, ld_tls *srv, int changed)
{
	fuzz_bytes junk = {0};
	for (int round = 0; round < 4; round++) {
		if (ld_tls_handshake_done(cli) && ld_tls_handshake_done(srv))
			break;
		fuzz_bytes b = {0};
		fuzz_tls_take(cli, &b);
		int rc = b.len ? feed(srv, "server", b.data, b.len, &junk) : LD_TLS_WANT;
		free(b.data);
		if (rc == LD_TLS_ERROR || rc == LD_TLS_CLOSED)
			goto out;
		b = (fuzz_bytes){0};
		fuzz_tls_take(srv, &b);
		rc = b.len ? feed(cli, "client", b.data, b.len, &junk) : LD_TLS_WANT;
		free(b.data);
		if (rc == LD_TLS_ERROR || rc == LD_TLS_CLOSED)
			goto out;
	}
	if (!ld_tls_handshake_done(cli) || !ld_tls_handshake_done(srv))
		goto out;
	fuzz_tls_seen.completed++;
	char fp[LD_TLS_FINGERPRINT_LEN];
	if (ld_tls_peer_fingerprint(cli, fp) != 0 || strcmp(fp, fuzz_tls.fingerprint) != 0) {
		fuzz_fail("the client finished a handshake and sees another certificate");
		goto out;
	}
	for (int dir = 0; dir < 2; dir++) {
		ld_tls *from = dir ? srv : cli, *to = dir ? cli : srv;
		fuzz_bytes written = {0}, plain = {0}, b = {0};
		write_data(from, &written, 40000);
		fuzz_tls_take(from, &b);
		int rc = feed(to, dir ? "client" : "server", b.data, b.len, &plain);
		int same = plain.len == written.len &&
			   memcmp(plain.data, written.data, plain.len) == 0;
		int cut = changed && rc == LD_TLS_ERROR;
		if (cut)
			check_plain(&plain, &written, dir ? "client" : "server");
		else if (!same)
			fuzz_fail("after a finished handshake (%s), %zu bytes of %zu crossed to "
				  "the %s (%d: %s)",
				  kind, plain.len, written.len, dir ? "client" : "server", rc,
				  rc == LD_TLS_ERROR ? ld_tls_error(to) : "no error");
		free(written.data);
		free(plain.data);
		free(b.data);
		if (cut || !same)
			goto out;
	}
	fuzz_tls_seen.round_trips++;
out:
	free(junk.data);
}

static void new_pair(ld_tls **cli, ld_tls **srv)
{
	static const char *const hosts[] = {NULL, "leadd.test", "127.0.0.2", "::1",
					    "a-rather-long-host-name.of.some.example.org"};
	*cli = ld_tls_new(fuzz_tls.cli, 0, hosts[fuzz_below(5)]);
	*srv = ld_tls_new(fuzz_tls.srv, 1, NULL);
	if (!*cli || !*srv)
		abort();
}

static void count_end(int rc)
{
	if (rc == LD_TLS_WANT)
		fuzz_tls_seen.wants++;
}

/* The ClientHello, mutated, to a fresh server; the rest clean. */
static void hostile_hello(void)
{
	kind = "a mutated ClientHello";
	ld_tls *cli, *srv;
	new_pair(&cli, &srv);
	(void)ld_tls_handshake(cli);
	static uint8_t b[MAX_FLIGHT];
	size_t len = ld_tls_take_output(cli, b, sizeof(b));
	int changed;
	len = fuzz_tls_mutate_flight(b, len, 1, &changed);
	fuzz_bytes plain = {0};
	int rc = feed(srv, "server", b, len, &plain);
	count_end(rc);
	if (ld_tls_output_pending(srv) > 16384)
		fuzz_fail("the server answered one ClientHello with %zu bytes",
			  ld_tls_output_pending(srv));
	if (rc != LD_TLS_ERROR && rc != LD_TLS_CLOSED)
		finish(cli, srv, changed);
	if (plain.len)
		fuzz_fail("the server gave plaintext before any was sent");
	free(plain.data);
	ld_tls_free(cli);
	ld_tls_free(srv);
}

/* The server's flight, mutated, to the client. */
static void hostile_server_flight(void)
{
	kind = "a mutated server flight";
	ld_tls *cli, *srv;
	new_pair(&cli, &srv);
	(void)ld_tls_handshake(cli);
	fuzz_tls_shuttle(cli, srv);
	(void)ld_tls_handshake(srv);
	static uint8_t b[MAX_FLIGHT];
	size_t len = ld_tls_take_output(srv, b, sizeof(b));
	int changed;
	len = fuzz_tls_mutate_flight(b, len, 0, &changed);
	fuzz_bytes plain = {0};
	int rc = feed(cli, "client", b, len, &plain);
	count_end(rc);
	if (ld_tls_handshake_done(cli)) {
		char fp[LD_TLS_FINGERPRINT_LEN];
		if (ld_tls_peer_fingerprint(cli, fp) != 0 || strcmp(fp, fuzz_tls.fingerprint) != 0)
			fuzz_fail("a mutated server flight passed with another certificate");
	}
	if (rc != LD_TLS_ERROR && rc != LD_TLS_CLOSED)
		finish(cli, srv, changed);
	if (plain.len)
		fuzz_fail("the client gave plaintext before any was sent");
	free(plain.data);
	ld_tls_free(cli);
	ld_tls_free(srv);
}

/* The client's Finished and the first frame behind it, mutated. */
static void hostile_finished(void)
{
	kind = "a mutated client Finished";
	ld_tls *cli, *srv;
	new_pair(&cli, &srv);
	(void)ld_tls_handshake(cli);
	fuzz_tls_shuttle(cli, srv);
	(void)ld_tls_handshake(srv);
	fuzz_tls_shuttle(srv, cli);
	fuzz_bytes written = {0}, plain = {0};
	if (ld_tls_handshake(cli) != LD_TLS_OK) {
		fuzz_fail("a clean handshake failed: %s", ld_tls_error(cli));
	} else {
		if (fuzz_below(2))
			write_data(cli, &written, 12000);
		static uint8_t b[MAX_FLIGHT];
		size_t len = ld_tls_take_output(cli, b, MAX_FLIGHT);
		int changed = 1;
		if (ld_tls_output_pending(cli) == 0)
			len = fuzz_tls_mutate_flight(b, len, 0, &changed);
		int rc = feed(srv, "server", b, len, &plain);
		count_end(rc);
		check_plain(&plain, &written, "server");
		if (!changed && (!ld_tls_handshake_done(srv) || plain.len != written.len))
			fuzz_fail("an unchanged client Finished, split, did not go through: %s",
				  rc == LD_TLS_ERROR ? ld_tls_error(srv) : "no error");
	}
	free(written.data);
	free(plain.data);
	ld_tls_free(cli);
	ld_tls_free(srv);
}

/* Application data records, mutated, one way or the other. */
static void hostile_data(void)
{
	kind = "mutated application data";
	ld_tls *cli, *srv;
	if (fuzz_tls_pair(&cli, &srv) < 0)
		return;
	int to_client = (int)fuzz_below(2);
	ld_tls *from = to_client ? srv : cli, *to = to_client ? cli : srv;
	const char *side = to_client ? "client" : "server";
	fuzz_bytes written = {0}, plain = {0}, b = {0};
	write_data(from, &written, 12000);
	if (fuzz_below(8) == 0)
		ld_tls_close(from);
	fuzz_tls_take(from, &b);
	if (b.len <= MAX_FLIGHT) {
		uint8_t *m = malloc(MAX_FLIGHT);
		if (!m)
			abort();
		memcpy(m, b.data, b.len);
		int changed;
		size_t len = fuzz_tls_mutate_flight(m, b.len, 0, &changed);
		int rc = feed(to, side, m, len, &plain);
		count_end(rc);
		if (!changed && plain.len != written.len)
			fuzz_fail("unchanged application data, split, did not go through: %s",
				  rc == LD_TLS_ERROR ? ld_tls_error(to) : "no error");
		free(m);
	}
	check_plain(&plain, &written, side);
	free(written.data);
	free(plain.data);
	free(b.data);
	ld_tls_free(cli);
	ld_tls_free(srv);
}

void fuzz_tls_records_init(void)
{
	fuzz_corpus_init(&flights, MAX_FLIGHT);
	/* A few real flights of each kind, so splices bring in real records. */
	for (int i = 0; i < 4; i++) {
		ld_tls *cli, *srv;
		new_pair(&cli, &srv);
		uint8_t b[MAX_FLIGHT];
		for (int k = 0; k < 3; k++) {
			(void)ld_tls_handshake(cli);
			size_t n = ld_tls_take_output(cli, b, sizeof(b));
			fuzz_corpus_add(&flights, b, n);
			if (ld_tls_feed(srv, b, n) != 0)
				abort();
			(void)ld_tls_handshake(srv);
			n = ld_tls_take_output(srv, b, sizeof(b));
			fuzz_corpus_add(&flights, b, n);
			if (ld_tls_feed(cli, b, n) != 0)
				abort();
		}
		ld_tls_free(cli);
		ld_tls_free(srv);
	}
}

void fuzz_tls_records_iteration(void)
{
	switch (fuzz_below(10)) {
	case 0:
	case 1:
	case 2:
	case 3:
		hostile_hello();
		break;
	case 4:
	case 5:
		hostile_server_flight();
		break;
	case 6:
	case 7:
		hostile_finished();
		break;
	default:
		hostile_data();
		break;
	}
}

void fuzz_tls_records_end(void)
{
	fuzz_corpus_free(&flights);
}
