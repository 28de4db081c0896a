/* Unit tests for the frame codec (common/ld_frame.h).
 *
 * The decoder is fed the way read() really delivers bytes: torn headers,
 * torn bodies, several frames at once, one byte at a time. The limit tests
 * check that a hostile length prefix is refused before the decoder grows its
 * buffer to match it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ld_frame.h"

/* A decoder that took only a header must not have reserved room for the body
 * it announced: one initial block is the most it may hold. */
#define SMALL_CAP (64u << 10)

/* Write header + body of `n` bytes filled with a pattern derived from `seed`. */
static size_t make_frame(uint8_t *out, uint32_t n, unsigned seed)
{
	ld_frame_put_header(out, n);
	for (uint32_t i = 0; i < n; i++)
		out[LD_FRAME_HEADER + i] = (uint8_t)(seed * 31u + i * 7u);
	return LD_FRAME_HEADER + n;
}

static void check_body(const uint8_t *body, uint32_t n, unsigned seed)
{
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(body[i], (uint8_t)(seed * 31u + i * 7u));
}

static void test_partial_header(void **state)
{
	(void)state;
	uint8_t buf[LD_FRAME_HEADER + 100];
	size_t total = make_frame(buf, 100, 1);
	ld_frame_decoder d;
	const uint8_t *f = NULL;
	uint32_t len = 0;

	ld_frame_decoder_init(&d, LD_FRAME_MAX);
	assert_int_equal(ld_frame_next(&d, &f, &len), LD_FRAME_NEED_MORE);
	assert_int_equal(ld_frame_decoder_feed(&d, buf, 2), 0);
	assert_int_equal(ld_frame_next(&d, &f, &len), LD_FRAME_NEED_MORE);
	assert_int_equal(ld_frame_pending(&d), 2);
	assert_int_equal(ld_frame_decoder_feed(&d, buf + 2, total - 2), 0);
	assert_int_equal(ld_frame_next(&d, &f, &len), LD_FRAME_OK);
	assert_int_equal(len, 100);
	check_body(f, len, 1);
	assert_int_equal(ld_frame_next(&d, &f, &len), LD_FRAME_NEED_MORE);
	assert_int_equal(ld_frame_pending(&d), 0);
	ld_frame_decoder_free(&d);
}

static void test_partial_body(void **state)
{
	(void)state;
	uint8_t buf[LD_FRAME_HEADER + 1000];
	size_t total = make_frame(buf, 1000, 2);
	ld_frame_decoder d;
	const uint8_t *f = NULL;
	uint32_t len = 0;

	ld_frame_decoder_init(&d, LD_FRAME_MAX);
	assert_int_equal(ld_frame_decoder_feed(&d, buf, LD_FRAME_HEADER + 500), 0);
	assert_int_equal(ld_frame_next(&d, &f, &len), LD_FRAME_NEED_MORE);
	/* A frame not yet complete must not be consumed. */
	assert_int_equal(ld_frame_pending(&d), LD_FRAME_HEADER + 500);
	assert_int_equal(ld_frame_decoder_feed(&d, buf + LD_FRAME_HEADER + 500,
					       total - LD_FRAME_HEADER - 500 - 1),
			 0);
	assert_int_equal(ld_frame_next(&d, &f, &len), LD_FRAME_NEED_MORE);
	assert_int_equal(ld_frame_decoder_feed(&d, buf + total - 1, 1), 0);
	assert_int_equal(ld_frame_next(&d, &f, &len), LD_FRAME_OK);
	assert_int_equal(len, 1000);
	check_body(f, len, 2);
	ld_frame_decoder_free(&d);
}

static void test_several_frames_one_feed(void **state)
{
	(void)state;
	static const uint32_t sizes[] = {1, 17, 4096, 3, 70000};
	const size_t nframes = sizeof(sizes) / sizeof(sizes[0]);
	size_t cap = 0;
	for (size_t i = 0; i < nframes; i++)
		cap += LD_FRAME_HEADER + sizes[i];
	/* Plus half of a trailing frame, which must stay buffered. */
	cap += LD_FRAME_HEADER + 5;
	uint8_t *buf = malloc(cap + 10);
	assert_non_null(buf);
	size_t off = 0;
	for (size_t i = 0; i < nframes; i++)
		off += make_frame(buf + off, sizes[i], (unsigned)i);
	uint8_t tail[LD_FRAME_HEADER + 10];
	make_frame(tail, 10, 99);
	memcpy(buf + off, tail, LD_FRAME_HEADER + 5);
	off += LD_FRAME_HEADER + 5;

	ld_frame_decoder d;
	const uint8_t *f = NULL;
	uint32_t len = 0;
	ld_frame_decoder_init(&d, LD_FRAME_MAX);
	assert_int_equal(ld_frame_decoder_feed(&d, buf, off), 0);
	for (size_t i = 0; i < nframes; i++) {
		assert_int_equal(ld_frame_next(&d, &f, &len), LD_FRAME_OK);
		assert_int_equal(len, sizes[i]);
		check_body(f, len, (unsigned)i);
	}
	assert_int_equal(ld_frame_next(&d, &f, &len), LD_FRAME_NEED_MORE);
	assert_int_equal(ld_frame_pending(&d), LD_FRAME_HEADER + 5);

	/* The rest arrives through the zero-copy space/commit path. */
	size_t avail = 0;
	uint8_t *p = ld_frame_decoder_space(&d, 5, &avail);
	assert_non_null(p);
	assert_true(avail >= 5);
	memcpy(p, tail + LD_FRAME_HEADER + 5, 5);
	ld_frame_decoder_commit(&d, 5);
	assert_int_equal(ld_frame_next(&d, &f, &len), LD_FRAME_OK);
	assert_int_equal(len, 10);
	check_body(f, len, 99);
	assert_int_equal(ld_frame_pending(&d), 0);
	ld_frame_decoder_free(&d);
	free(buf);
}

static void test_byte_by_byte(void **state)
{
	(void)state;
	enum { N = 777 };
	uint8_t buf[2 * (LD_FRAME_HEADER + N)];
	size_t one = make_frame(buf, N, 5);
	make_frame(buf + one, N, 6);
	ld_frame_decoder d;
	const uint8_t *f = NULL;
	uint32_t len = 0;
	int got = 0;

	ld_frame_decoder_init(&d, LD_FRAME_MAX);
	for (size_t i = 0; i < 2 * one; i++) {
		assert_int_equal(ld_frame_decoder_feed(&d, buf + i, 1), 0);
		ld_frame_status st = ld_frame_next(&d, &f, &len);
		if (i == one - 1 || i == 2 * one - 1) {
			assert_int_equal(st, LD_FRAME_OK);
			assert_int_equal(len, N);
			check_body(f, len, (unsigned)(5 + got));
			got++;
		} else {
			assert_int_equal(st, LD_FRAME_NEED_MORE);
		}
	}
	assert_int_equal(got, 2);
	assert_int_equal(ld_frame_pending(&d), 0);
	ld_frame_decoder_free(&d);
}

static void test_exactly_at_limit(void **state)
{
	(void)state;
	enum { LIMIT = 5000 };
	uint8_t *buf = malloc(LD_FRAME_HEADER + LIMIT);
	assert_non_null(buf);
	size_t total = make_frame(buf, LIMIT, 7);
	ld_frame_decoder d;
	const uint8_t *f = NULL;
	uint32_t len = 0;

	ld_frame_decoder_init(&d, LIMIT);
	assert_int_equal(ld_frame_decoder_feed(&d, buf, LD_FRAME_HEADER), 0);
	assert_int_equal(ld_frame_next(&d, &f, &len), LD_FRAME_NEED_MORE);
	assert_int_equal(ld_frame_decoder_feed(&d, buf + LD_FRAME_HEADER, total - LD_FRAME_HEADER),
			 0);
	assert_int_equal(ld_frame_next(&d, &f, &len), LD_FRAME_OK);
	assert_int_equal(len, LIMIT);
	check_body(f, len, 7);
	ld_frame_decoder_free(&d);

	/* The real post-login limit: a header announcing exactly 1 MiB waits. */
	uint8_t hdr[LD_FRAME_HEADER];
	ld_frame_decoder_init(&d, LD_FRAME_MAX);
	ld_frame_put_header(hdr, LD_FRAME_MAX);
	assert_int_equal(ld_frame_decoder_feed(&d, hdr, sizeof(hdr)), 0);
	assert_int_equal(ld_frame_next(&d, &f, &len), LD_FRAME_NEED_MORE);
	ld_frame_decoder_free(&d);
	free(buf);
}

static void test_limit_plus_one(void **state)
{
	(void)state;
	static const uint32_t limits[] = {5000, LD_FRAME_MAX_PRELOGIN, LD_FRAME_MAX};
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		ld_frame_decoder d;
		const uint8_t *f = NULL;
		uint32_t len = 0;
		uint8_t hdr[LD_FRAME_HEADER];

		ld_frame_decoder_init(&d, limits[i]);
		ld_frame_put_header(hdr, limits[i] + 1);
		assert_int_equal(ld_frame_decoder_feed(&d, hdr, sizeof(hdr)), 0);
		/* Refused on the header alone, before any body byte arrives. */
		assert_int_equal(ld_frame_next(&d, &f, &len), LD_FRAME_TOO_BIG);
		assert_true(d.cap <= SMALL_CAP);
		/* And it stays refused: the caller closes, the decoder never resyncs. */
		assert_int_equal(ld_frame_next(&d, &f, &len), LD_FRAME_TOO_BIG);
		ld_frame_decoder_free(&d);
	}
}

static void test_limit_after_login_change(void **state)
{
	(void)state;
	ld_frame_decoder d;
	const uint8_t *f = NULL;
	uint32_t len = 0;
	uint8_t hdr[LD_FRAME_HEADER];

	/* Before login a 100 KiB frame is too big; after the limit is raised it waits. */
	ld_frame_decoder_init(&d, LD_FRAME_MAX_PRELOGIN);
	ld_frame_put_header(hdr, 100u << 10);
	assert_int_equal(ld_frame_decoder_feed(&d, hdr, sizeof(hdr)), 0);
	assert_int_equal(ld_frame_next(&d, &f, &len), LD_FRAME_TOO_BIG);
	ld_frame_decoder_set_limit(&d, LD_FRAME_MAX);
	assert_int_equal(ld_frame_next(&d, &f, &len), LD_FRAME_NEED_MORE);
	ld_frame_decoder_free(&d);
}

static void test_ffffffff_prefix(void **state)
{
	(void)state;
	static const uint8_t hostile[] = {0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x02};
	ld_frame_decoder d;
	const uint8_t *f = NULL;
	uint32_t len = 0;

	ld_frame_decoder_init(&d, LD_FRAME_MAX);
	assert_int_equal(ld_frame_decoder_feed(&d, hostile, sizeof(hostile)), 0);
	assert_int_equal(ld_frame_next(&d, &f, &len), LD_FRAME_TOO_BIG);
	assert_true(d.cap <= SMALL_CAP);
	ld_frame_decoder_free(&d);

	/* The same prefix arriving one byte at a time. */
	ld_frame_decoder_init(&d, LD_FRAME_MAX);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(ld_frame_decoder_feed(&d, hostile + i, 1), 0);
		assert_int_equal(ld_frame_next(&d, &f, &len), LD_FRAME_NEED_MORE);
	}
	assert_int_equal(ld_frame_decoder_feed(&d, hostile + 3, 1), 0);
	assert_int_equal(ld_frame_next(&d, &f, &len), LD_FRAME_TOO_BIG);
	assert_true(d.cap <= SMALL_CAP);
	ld_frame_decoder_free(&d);
}

static void test_zero_length(void **state)
{
	(void)state;
	uint8_t buf[LD_FRAME_HEADER + LD_FRAME_HEADER + 3];
	ld_frame_decoder d;
	const uint8_t *f = NULL;
	uint32_t len = 0;

	/* A good frame, then an empty one: the good one still comes out first. */
	size_t off = make_frame(buf, 3, 8);
	ld_frame_put_header(buf + off, 0);
	ld_frame_decoder_init(&d, LD_FRAME_MAX);
	assert_int_equal(ld_frame_decoder_feed(&d, buf, sizeof(buf)), 0);
	assert_int_equal(ld_frame_next(&d, &f, &len), LD_FRAME_OK);
	assert_int_equal(len, 3);
	check_body(f, len, 8);
	assert_int_equal(ld_frame_next(&d, &f, &len), LD_FRAME_EMPTY);
	ld_frame_decoder_free(&d);
}

static void test_header_round_trip(void **state)
{
	(void)state;
	static const uint32_t values[] = {0,          1,          0xFF,       0x100,
					  0x01020304, 0x7FFFFFFF, 0x80000000, LD_FRAME_MAX,
					  0xFFFFFFFE, 0xFFFFFFFF};
	uint8_t h[LD_FRAME_HEADER];

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		ld_frame_put_header(h, values[i]);
		assert_int_equal(ld_frame_get_header(h), values[i]);
	}
	/* Big-endian on the wire, whatever the host order. */
	ld_frame_put_header(h, 0x01020304);
	assert_int_equal(h[0], 0x01);
	assert_int_equal(h[1], 0x02);
	assert_int_equal(h[2], 0x03);
	assert_int_equal(h[3], 0x04);

	uint32_t x = 0x12345678;
	for (int i = 0; i < 10000; i++) {
		x = x * 1664525u + 1013904223u;
		ld_frame_put_header(h, x);
		assert_int_equal(ld_frame_get_header(h), x);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_partial_header),
		cmocka_unit_test(test_partial_body),
		cmocka_unit_test(test_several_frames_one_feed),
		cmocka_unit_test(test_byte_by_byte),
		cmocka_unit_test(test_exactly_at_limit),
		cmocka_unit_test(test_limit_plus_one),
		cmocka_unit_test(test_limit_after_login_change),
		cmocka_unit_test(test_ffffffff_prefix),
		cmocka_unit_test(test_zero_length),
		cmocka_unit_test(test_header_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
