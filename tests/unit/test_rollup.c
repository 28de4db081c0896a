/* The KPI rollup's pieces that need no store (server/lead_rollup.c): the
 * duration buckets docs/protocol.md documents, the events one change
 * files, and the keys read back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* cmocka.h needs the headers above it. */
#include <cmocka.h>

#include "kpi_activity.h"
#include "lead_rollup.h"

/* A change with no activity, as the tests before issue 13 wrote them. */
static size_t events(const Leadd__Lead *old, const Leadd__Lead *lead, int64_t at,
		     lead_rollup_key k[LEAD_ROLLUP_EVENTS_MAX])
{
	lead_rollup_change c = {old, lead, at, NULL, 0};
	return lead_rollup_events(&c, k);
}

static void test_bucket_bounds(void **state)
{
	(void)state;
	assert_int_equal(lead_rollup_bucket(0), 0);
	assert_int_equal(lead_rollup_bucket(999), 0);
	assert_int_equal(lead_rollup_bucket(1000), 1);
	assert_int_equal(lead_rollup_bucket(1413), 1);
	assert_int_equal(lead_rollup_bucket(1414), 2);
	assert_int_equal(lead_rollup_bucket(1999), 2);
	assert_int_equal(lead_rollup_bucket(2000), 3);
	/* One hour is 2^11.81 s: bucket floor(2 * 11.81) + 1. */
	assert_int_equal(lead_rollup_bucket(3600000), 24);
	assert_int_equal(lead_rollup_bucket(INT64_MAX), LEAD_ROLLUP_BUCKETS - 1);
	/* Bounds rise, and each midpoint lies inside its bucket within 2^(1/4). */
	for (unsigned b = 1; b + 1 < LEAD_ROLLUP_BUCKETS; b++) {
		int64_t lo = lead_rollup_bucket_low(b), hi = lead_rollup_bucket_low(b + 1);
		int64_t mid = lead_rollup_bucket_mid(b);
		assert_true(lo < hi);
		assert_true(lo <= mid && mid < hi);
		assert_int_equal(lead_rollup_bucket(lo), b);
		assert_int_equal(lead_rollup_bucket(hi - 1), b);
		assert_true((double)mid / (double)lo < 1.19 && (double)hi / (double)mid < 1.19);
	}
	assert_int_equal(lead_rollup_bucket_mid(0), 500);
}

static void test_events_of_a_change(void **state)
{
	(void)state;
	Leadd__Lead old = LEADD__LEAD__INIT, now = LEADD__LEAD__INIT;
	now.team_id = old.team_id = 7;
	now.owner_id = old.owner_id = 9;
	old.status_id = 1;
	old.created_at = 1000;
	now.status_id = 2;
	now.source = "Salon Lyon";
	lead_rollup_key k[LEAD_ROLLUP_EVENTS_MAX];
	int64_t at = 3 * DAY_MS + 3600000 + 1000;
	/* A create: one move from 0 and its source twin, no time. */
	assert_int_equal(events(NULL, &old, 1000, k), 2);
	/* A status change: move, source and time (from created_at: no stamp). */
	assert_int_equal(events(&old, &now, at, k), 3);
	lead_rollup_parsed p;
	assert_int_equal(lead_rollup_parse(k[0].data, k[0].len, &p), 0);
	assert_int_equal(p.day, 3);
	assert_int_equal(p.team, 7);
	assert_int_equal(p.owner, 9);
	assert_int_equal(p.metric, LEAD_ROLLUP_MOVE);
	assert_int_equal(p.from, 1);
	assert_int_equal(p.to, 2);
	assert_int_equal(lead_rollup_parse(k[1].data, k[1].len, &p), 0);
	assert_int_equal(p.metric, LEAD_ROLLUP_SOURCE);
	assert_int_equal(p.source_len, strlen("salon lyon"));
	assert_memory_equal(p.source, "salon lyon", p.source_len);
	assert_int_equal(lead_rollup_parse(k[2].data, k[2].len, &p), 0);
	assert_int_equal(p.metric, LEAD_ROLLUP_TIME);
	assert_int_equal(p.status, 1);
	assert_int_equal(p.bucket, lead_rollup_bucket(at - 1000));
	/* status_changed_at, when stamped, is when the lead entered. */
	old.has_status_changed_at = 1;
	old.status_changed_at = at - 2000;
	events(&old, &now, at, k);
	assert_int_equal(lead_rollup_parse(k[2].data, k[2].len, &p), 0);
	assert_int_equal(p.bucket, lead_rollup_bucket(2000));
	/* No status change: nothing for the rollup. */
	assert_int_equal(events(&now, &now, at, k), 0);
	/* A renewal's moves have a twin of their own, last. */
	old.renewed_from = now.renewed_from = 5;
	assert_int_equal(events(NULL, &old, 1000, k), 3);
	assert_int_equal(lead_rollup_parse(k[2].data, k[2].len, &p), 0);
	assert_int_equal(p.metric, LEAD_ROLLUP_RENEWAL);
	assert_int_equal(p.from, 0);
	assert_int_equal(p.to, 1);
	assert_int_equal(events(&old, &now, at, k), 4);
	assert_int_equal(lead_rollup_parse(k[3].data, k[3].len, &p), 0);
	assert_int_equal(p.metric, LEAD_ROLLUP_RENEWAL);
	assert_int_equal(p.from, 1);
	assert_int_equal(p.to, 2);
	events(&old, &now, at, k); /* k[0..2] as before, for the checks below */
	old.renewed_from = now.renewed_from = 0;
	/* A damaged key does not parse. */
	assert_int_equal(lead_rollup_parse(k[0].data, 20, &p), -1);
	k[2].data[LEAD_ROLLUP_HEAD + 8] = LEAD_ROLLUP_BUCKETS;
	assert_int_equal(lead_rollup_parse(k[2].data, k[2].len, &p), -1);
}

/* A move into dead or lost carries its reason (issue 12): a fourth key,
 * the reason as written, cut at LEAD_ROLLUP_REASON_MAX bytes on a
 * character boundary. */
static void test_reason_event(void **state)
{
	(void)state;
	Leadd__Lead old = LEADD__LEAD__INIT, now = LEADD__LEAD__INIT;
	old.status_id = 1;
	old.created_at = 1000;
	now.status_id = 3;
	now.status_reason = "Too expensive";
	lead_rollup_key k[LEAD_ROLLUP_EVENTS_MAX];
	assert_int_equal(events(&old, &now, 2000, k), 4);
	lead_rollup_parsed p;
	assert_int_equal(lead_rollup_parse(k[3].data, k[3].len, &p), 0);
	assert_int_equal(p.metric, LEAD_ROLLUP_REASON);
	assert_int_equal(p.to, 3);
	assert_int_equal(p.reason_len, strlen("Too expensive"));
	assert_memory_equal(p.reason, "Too expensive", p.reason_len);
	/* The same reason, the status unchanged: nothing. */
	assert_int_equal(events(&now, &now, 3000, k), 0);
	/* 127 ASCII bytes then a 2-byte letter: cut before the letter. */
	char longer[200];
	memset(longer, 'a', 127);
	strcpy(longer + 127, "\xc3\xa9tail");
	now.status_reason = longer;
	assert_int_equal(events(&old, &now, 2000, k), 4);
	assert_int_equal(lead_rollup_parse(k[3].data, k[3].len, &p), 0);
	assert_int_equal(p.reason_len, 127);
	/* A reason key with no reason bytes does not parse. */
	assert_int_equal(lead_rollup_parse(k[3].data, LEAD_ROLLUP_HEAD + 8, &p), -1);
}

/* Activities done (issue 13): a call, meeting or task logged as done or
 * marked done files one 'a' key under its assignee in the lead's team;
 * nothing else an activity goes through does. */
static void test_done_event(void **state)
{
	(void)state;
	Leadd__Lead old = LEADD__LEAD__INIT, now = LEADD__LEAD__INIT;
	old.team_id = now.team_id = 7;
	old.owner_id = now.owner_id = 9;
	old.status_id = now.status_id = 1;
	old.created_at = 1000;
	Leadd__Activity a = LEADD__ACTIVITY__INIT;
	a.kind = LEADD__ACTIVITY_KIND__ACTIVITY_CALL;
	a.state = LEADD__ACTIVITY_STATE__ACTIVITY_DONE;
	a.assignee_id = 11;
	int64_t at = 5 * DAY_MS + 10;
	lead_rollup_change c = {&old, &now, at, &a, LEADD__STORE__ACTIVITY_OP__ACTIVITY_ADDED};
	lead_rollup_key k[LEAD_ROLLUP_EVENTS_MAX];
	lead_rollup_parsed p;
	/* A logged call: under the assignee (11), not the owner (9). */
	assert_int_equal(lead_rollup_events(&c, k), 1);
	assert_int_equal(lead_rollup_parse(k[0].data, k[0].len, &p), 0);
	assert_int_equal(p.metric, LEAD_ROLLUP_DONE);
	assert_int_equal(p.day, 5);
	assert_int_equal(p.team, 7);
	assert_int_equal(p.owner, 11);
	assert_int_equal(p.kind, LEADD__ACTIVITY_KIND__ACTIVITY_CALL);
	/* A task marked done; a meeting marked done. */
	a.kind = LEADD__ACTIVITY_KIND__ACTIVITY_TASK;
	c.op = LEADD__STORE__ACTIVITY_OP__ACTIVITY_DONE;
	assert_int_equal(lead_rollup_events(&c, k), 1);
	assert_int_equal(lead_rollup_parse(k[0].data, k[0].len, &p), 0);
	assert_int_equal(p.kind, LEADD__ACTIVITY_KIND__ACTIVITY_TASK);
	a.kind = LEADD__ACTIVITY_KIND__ACTIVITY_MEETING;
	assert_int_equal(lead_rollup_events(&c, k), 1);
	assert_int_equal(lead_rollup_parse(k[0].data, k[0].len, &p), 0);
	assert_int_equal(p.kind, LEADD__ACTIVITY_KIND__ACTIVITY_MEETING);
	/* Editing a done one, removing it, or it falling due: nothing. */
	c.op = LEADD__STORE__ACTIVITY_OP__ACTIVITY_EDITED;
	assert_int_equal(lead_rollup_events(&c, k), 0);
	c.op = LEADD__STORE__ACTIVITY_OP__ACTIVITY_REMOVED;
	assert_int_equal(lead_rollup_events(&c, k), 0);
	c.op = LEADD__STORE__ACTIVITY_OP__ACTIVITY_DUE;
	assert_int_equal(lead_rollup_events(&c, k), 0);
	/* Planned (open), closed with the lead, or a note: nothing. */
	c.op = LEADD__STORE__ACTIVITY_OP__ACTIVITY_ADDED;
	a.state = LEADD__ACTIVITY_STATE__ACTIVITY_OPEN;
	assert_int_equal(lead_rollup_events(&c, k), 0);
	a.state = LEADD__ACTIVITY_STATE__ACTIVITY_CLOSED;
	c.op = LEADD__STORE__ACTIVITY_OP__ACTIVITY_CLOSED;
	assert_int_equal(lead_rollup_events(&c, k), 0);
	a.state = LEADD__ACTIVITY_STATE__ACTIVITY_DONE;
	a.kind = LEADD__ACTIVITY_KIND__ACTIVITY_NOTE;
	c.op = LEADD__STORE__ACTIVITY_OP__ACTIVITY_ADDED;
	assert_int_equal(lead_rollup_events(&c, k), 0);
	/* With a status move in the same change: the move's keys, then it. */
	a.kind = LEADD__ACTIVITY_KIND__ACTIVITY_CALL;
	now.status_id = 2;
	assert_int_equal(lead_rollup_events(&c, k), 4);
	assert_int_equal(lead_rollup_parse(k[3].data, k[3].len, &p), 0);
	assert_int_equal(p.metric, LEAD_ROLLUP_DONE);
	/* Damaged keys: a note's kind, an unknown kind, a longer key. */
	uint8_t bad[LEAD_ROLLUP_HEAD + 2];
	memcpy(bad, k[3].data, k[3].len);
	bad[LEAD_ROLLUP_HEAD] = LEADD__ACTIVITY_KIND__ACTIVITY_NOTE;
	assert_int_equal(lead_rollup_parse(bad, LEAD_ROLLUP_HEAD + 1, &p), -1);
	bad[LEAD_ROLLUP_HEAD] = 9;
	assert_int_equal(lead_rollup_parse(bad, LEAD_ROLLUP_HEAD + 1, &p), -1);
	bad[LEAD_ROLLUP_HEAD] = LEADD__ACTIVITY_KIND__ACTIVITY_CALL;
	assert_int_equal(lead_rollup_parse(bad, LEAD_ROLLUP_HEAD + 2, &p), -1);
	assert_int_equal(lead_rollup_parse(bad, LEAD_ROLLUP_HEAD, &p), -1);
}

/* Speed to lead: the change that sets first_touch_at files one 'f' key,
 * the bucket of first_touch_at - owner_since, under the owner. */
static void test_speed_event(void **state)
{
	(void)state;
	Leadd__Lead old = LEADD__LEAD__INIT, now = LEADD__LEAD__INIT;
	old.team_id = now.team_id = 7;
	old.owner_id = now.owner_id = 9;
	old.status_id = now.status_id = 1;
	old.owner_since = now.owner_since = 2 * DAY_MS;
	now.first_touch_at = 2 * DAY_MS + 3600000;
	Leadd__Activity a = LEADD__ACTIVITY__INIT;
	a.kind = LEADD__ACTIVITY_KIND__ACTIVITY_CALL;
	a.state = LEADD__ACTIVITY_STATE__ACTIVITY_DONE;
	a.assignee_id = 11;
	int64_t at = 3 * DAY_MS;
	lead_rollup_change c = {&old, &now, at, &a, LEADD__STORE__ACTIVITY_OP__ACTIVITY_DONE};
	lead_rollup_key k[LEAD_ROLLUP_EVENTS_MAX];
	lead_rollup_parsed p;
	assert_int_equal(lead_rollup_events(&c, k), 2);
	assert_int_equal(lead_rollup_parse(k[1].data, k[1].len, &p), 0);
	assert_int_equal(p.metric, LEAD_ROLLUP_SPEED);
	assert_int_equal(p.day, 3); /* the change's day, not the assignment's */
	assert_int_equal(p.team, 7);
	assert_int_equal(p.owner, 9); /* the owner, not the assignee */
	assert_int_equal(p.bucket, lead_rollup_bucket(3600000));
	/* Already touched before this change: no second sample. */
	old.first_touch_at = now.first_touch_at;
	assert_int_equal(lead_rollup_events(&c, k), 1);
	old.first_touch_at = 0;
	/* A pool lead, or one owned since before owner_since was kept: none. */
	now.owner_id = 0;
	assert_int_equal(lead_rollup_events(&c, k), 1);
	now.owner_id = 9;
	now.owner_since = 0;
	assert_int_equal(lead_rollup_events(&c, k), 1);
	/* A touch stamped before owner_since (never written so) is bucket 0. */
	now.owner_since = now.first_touch_at + 5;
	assert_int_equal(lead_rollup_events(&c, k), 2);
	assert_int_equal(lead_rollup_parse(k[1].data, k[1].len, &p), 0);
	assert_int_equal(p.bucket, 0);
	/* The speed comes from the leads alone: no activity needed. */
	lead_rollup_change bare = {&old, &now, at, NULL, 0};
	assert_int_equal(lead_rollup_events(&bare, k), 1);
	assert_int_equal(lead_rollup_parse(k[0].data, k[0].len, &p), 0);
	assert_int_equal(p.metric, LEAD_ROLLUP_SPEED);
	/* Every event at once stays within LEAD_ROLLUP_EVENTS_MAX. */
	old.created_at = 1;
	now.status_id = 3;
	now.renewed_from = 5;
	now.status_reason = "Too expensive";
	assert_int_equal(lead_rollup_events(&c, k), LEAD_ROLLUP_EVENTS_MAX);
	/* A damaged bucket does not parse. */
	k[LEAD_ROLLUP_EVENTS_MAX - 1].data[LEAD_ROLLUP_HEAD] = LEAD_ROLLUP_BUCKETS;
	assert_int_equal(lead_rollup_parse(k[LEAD_ROLLUP_EVENTS_MAX - 1].data,
					   k[LEAD_ROLLUP_EVENTS_MAX - 1].len, &p),
			 -1);
}

/* The flow's activity rows (server/kpi_activity.c): the lower median of
 * bucket counts, and rows per (team, user) through many users. */
static void test_bucket_median(void **state)
{
	(void)state;
	uint64_t b[LEAD_ROLLUP_BUCKETS] = {0}, total = 99;
	assert_int_equal(kpi_bucket_median(b, &total), 0);
	assert_int_equal(total, 0);
	b[lead_rollup_bucket(3600000)] = 1;
	assert_int_equal(kpi_bucket_median(b, &total), lead_rollup_bucket_mid(24));
	assert_int_equal(total, 1);
	/* Two samples: the lower one (1 h, below 1 d). */
	b[lead_rollup_bucket(86400000)] = 1;
	assert_int_equal(kpi_bucket_median(b, &total),
			 lead_rollup_bucket_mid(lead_rollup_bucket(3600000)));
	/* Three: the middle one. */
	b[0] = 2;
	assert_int_equal(kpi_bucket_median(b, &total), 500);
	assert_int_equal(total, 4);
	memset(b, 0, sizeof(b));
	b[LEAD_ROLLUP_BUCKETS - 1] = 5;
	assert_int_equal(kpi_bucket_median(b, &total),
			 lead_rollup_bucket_low(LEAD_ROLLUP_BUCKETS - 1));
}

static void test_activity_rows(void **state)
{
	(void)state;
	kpi_activity_acc a;
	memset(&a, 0, sizeof(a));
	/* 3000 users in 3 teams: the table grows many times over. */
	for (uint64_t u = 1; u <= 3000; u++)
		assert_int_equal(kpi_activity_row(&a, u % 3, u), 0);
	assert_int_equal(kpi_activity_row(&a, 1, 1), 0); /* already there */
	assert_int_equal(a.n, 3000);
	lead_rollup_parsed p;
	memset(&p, 0, sizeof(p));
	for (uint64_t u = 1; u <= 3000; u++) {
		p.team = u % 3;
		p.owner = u;
		p.metric = LEAD_ROLLUP_DONE;
		p.kind = LEADD__ACTIVITY_KIND__ACTIVITY_CALL;
		assert_int_equal(kpi_activity_add(&a, &p, u), 0);
		p.kind = LEADD__ACTIVITY_KIND__ACTIVITY_TASK;
		assert_int_equal(kpi_activity_add(&a, &p, 1), 0);
		if (u % 2 == 0) {
			p.metric = LEAD_ROLLUP_SPEED;
			p.bucket = 10;
			assert_int_equal(kpi_activity_add(&a, &p, 1), 0);
		}
	}
	/* Other metrics are not the accumulator's. */
	p.metric = LEAD_ROLLUP_MOVE;
	assert_int_equal(kpi_activity_add(&a, &p, 7), 0);
	/* The same user in another team is another row. */
	p.metric = LEAD_ROLLUP_DONE;
	p.kind = LEADD__ACTIVITY_KIND__ACTIVITY_MEETING;
	p.team = 9;
	p.owner = 1;
	assert_int_equal(kpi_activity_add(&a, &p, 2), 0);
	assert_int_equal(a.n, 3001);
	assert_int_equal(a.calls, 3000ULL * 3001 / 2);
	assert_int_equal(a.tasks, 3000);
	assert_int_equal(a.meetings, 2);

	ld_arena ar;
	ld_arena_init(&ar, 0);
	Leadd__KpiFlow w = LEADD__KPI_FLOW__INIT;
	assert_int_equal(kpi_activity_to_wire(&a, &ar, &w), 0);
	assert_int_equal(w.n_reps, 3001);
	assert_true(w.has_calls_done && w.has_speed_median_ms);
	assert_int_equal(w.speed_samples, 1500);
	assert_int_equal(w.speed_median_ms, lead_rollup_bucket_mid(10));
	uint64_t calls = 0, samples = 0;
	for (size_t i = 0; i < w.n_reps; i++) {
		const Leadd__RepActivity *r = w.reps[i];
		calls += r->calls_done;
		samples += r->speed_samples;
		if (r->team_id == 9) {
			assert_int_equal(r->meetings_done, 2);
			assert_int_equal(r->calls_done, 0);
			continue;
		}
		assert_int_equal(r->team_id, r->user_id % 3);
		assert_int_equal(r->calls_done, r->user_id);
		assert_int_equal(r->tasks_done, 1);
		/* No sample, no median: absent, not 0. */
		assert_int_equal(r->has_speed_median_ms, r->user_id % 2 == 0);
		assert_int_equal(r->speed_samples, r->user_id % 2 == 0);
	}
	assert_int_equal(calls, a.calls);
	assert_int_equal(samples, 1500);
	ld_arena_free(&ar);
	kpi_activity_free(&a);
	assert_int_equal(a.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_bounds), cmocka_unit_test(test_events_of_a_change),
		cmocka_unit_test(test_reason_event),  cmocka_unit_test(test_done_event),
		cmocka_unit_test(test_speed_event),   cmocka_unit_test(test_bucket_median),
		cmocka_unit_test(test_activity_rows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
