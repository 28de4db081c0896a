/* Unit tests for common/ld_arena.h: the byte budget that bounds what a
 * hostile frame can make protobuf-c allocate while unpacking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ld_arena.h"
#include "leadd.pb-c.h"

enum { NTAGS = 1000 };

static void test_alloc_alignment(void **state)
{
	(void)state;
	ld_arena a;
	ld_arena_init(&a, 0);
	for (size_t n = 1; n < 300; n += 7) {
		void *p = ld_arena_alloc(&a, n);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
		memset(p, 0xAB, n);
	}
	/* Larger than a block: still served, still aligned. */
	void *big = ld_arena_alloc(&a, 100000);
	assert_non_null(big);
	assert_int_equal((uintptr_t)big % _Alignof(max_align_t), 0);
	memset(big, 0, 100000);
	char *s = ld_arena_strdup(&a, "hello arena");
	assert_non_null(s);
	assert_string_equal(s, "hello arena");
	assert_false(a.exhausted);
	ld_arena_free(&a);
}

static void test_budget_refusal(void **state)
{
	(void)state;
	ld_arena a;
	ld_arena_init(&a, 1024);
	assert_non_null(ld_arena_alloc(&a, 512));
	assert_false(a.exhausted);
	assert_true(a.used <= a.budget);

	/* 512 + 600 is over 1024: refused, and the refusal is remembered. */
	assert_null(ld_arena_alloc(&a, 600));
	assert_true(a.exhausted);
	assert_true(a.used <= a.budget);

	/* What still fits is still served; the flag stays set for the caller. */
	assert_non_null(ld_arena_alloc(&a, 256));
	assert_true(a.exhausted);
	assert_true(a.used <= a.budget);

	/* One request over the whole budget, and a size that would wrap. */
	ld_arena_reset(&a);
	assert_false(a.exhausted);
	assert_int_equal(a.used, 0);
	assert_null(ld_arena_alloc(&a, 4096));
	assert_true(a.exhausted);
	/* Rounding SIZE_MAX - 4 up to the alignment must not wrap to a tiny
	 * size that then "fits". */
	ld_arena_reset(&a);
	assert_null(ld_arena_alloc(&a, SIZE_MAX - 4));
	assert_true(a.exhausted);
	ld_arena_free(&a);

	/* Without a budget too: a wrapped size would hand out 16 bytes for a
	 * request of 2^64 - 5. */
	ld_arena_init(&a, 0);
	assert_null(ld_arena_alloc(&a, SIZE_MAX - 4));
	ld_arena_free(&a);

	/* Budget exactly reached is allowed; one byte more is not. */
	ld_arena_init(&a, 1024);
	assert_non_null(ld_arena_alloc(&a, 1024));
	assert_false(a.exhausted);
	assert_null(ld_arena_alloc(&a, 1));
	assert_true(a.exhausted);
	ld_arena_free(&a);
}

/* A Request carrying a LeadCreateRequest with NTAGS tags, packed. */
static uint8_t *pack_big_create(size_t *len)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__LeadCreateRequest lc = LEADD__LEAD_CREATE_REQUEST__INIT;
	char **tags = calloc(NTAGS, sizeof(*tags));
	assert_non_null(tags);
	for (size_t i = 0; i < NTAGS; i++) {
		tags[i] = malloc(16);
		assert_non_null(tags[i]);
		snprintf(tags[i], 16, "tag-%04zu", i);
	}
	lc.title = "a lead with many tags";
	lc.n_tags = NTAGS;
	lc.tags = tags;
	req.has_id = 1;
	req.id = 42;
	req.body_case = LEADD__REQUEST__BODY_LEAD_CREATE;
	req.lead_create = &lc;

	*len = leadd__request__get_packed_size(&req);
	uint8_t *buf = malloc(*len);
	assert_non_null(buf);
	assert_int_equal(leadd__request__pack(&req, buf), *len);
	for (size_t i = 0; i < NTAGS; i++)
		free(tags[i]);
	free(tags);
	return buf;
}

static void test_unpack_within_budget(void **state)
{
	(void)state;
	size_t len = 0;
	uint8_t *buf = pack_big_create(&len);
	ld_arena a;
	ld_arena_init(&a, 1u << 20);

	Leadd__Request *req = leadd__request__unpack(&a.pb, len, buf);
	assert_non_null(req);
	assert_false(a.exhausted);
	assert_true(a.used > 0);
	assert_true(a.used <= a.budget);
	assert_int_equal(req->id, 42);
	assert_int_equal(req->body_case, LEADD__REQUEST__BODY_LEAD_CREATE);
	assert_string_equal(req->lead_create->title, "a lead with many tags");
	assert_int_equal(req->lead_create->n_tags, NTAGS);
	assert_string_equal(req->lead_create->tags[0], "tag-0000");
	assert_string_equal(req->lead_create->tags[NTAGS - 1], "tag-0999");
	/* Freed with the arena, not message by message. */
	ld_arena_free(&a);
	free(buf);
}

static void test_unpack_over_budget(void **state)
{
	(void)state;
	size_t len = 0;
	uint8_t *buf = pack_big_create(&len);
	ld_arena a;

	/* Measure what the unpack really costs, then allow less than that. */
	ld_arena_init(&a, 0);
	assert_non_null(leadd__request__unpack(&a.pb, len, buf));
	size_t cost = a.used;
	ld_arena_free(&a);
	/* 1000 tags cannot fit in 4 KiB however the arena rounds. */
	assert_true(cost > 4096);

	static const size_t budgets[] = {64, 4096, 0};
	for (size_t i = 0; i < sizeof(budgets) / sizeof(budgets[0]); i++) {
		size_t budget = budgets[i] ? budgets[i] : cost - 1;
		ld_arena_init(&a, budget);
		assert_null(leadd__request__unpack(&a.pb, len, buf));
		assert_true(a.exhausted);
		assert_true(a.used <= budget);
		ld_arena_free(&a);
	}

	/* Exactly the cost is enough, and the arena is reusable after a reset. */
	ld_arena_init(&a, cost);
	assert_non_null(leadd__request__unpack(&a.pb, len, buf));
	assert_false(a.exhausted);
	ld_arena_reset(&a);
	assert_non_null(leadd__request__unpack(&a.pb, len, buf));
	ld_arena_free(&a);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_alignment),
		cmocka_unit_test(test_budget_refusal),
		cmocka_unit_test(test_unpack_within_budget),
		cmocka_unit_test(test_unpack_over_budget),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
