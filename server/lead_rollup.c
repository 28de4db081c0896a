#include "lead_rollup.h"

#include <string.h>

#include "ld_norm.h"
#include "request_limits.h"

uint32_t lead_rollup_day(int64_t ms)
{
	return ms <= 0 ? 0 : (uint32_t)(ms / DAY_MS);
}

/* Lower bound of bucket b >= 1: 1 s * 2^((b-1)/2), in whole ms. Odd powers
 * of sqrt(2) use its value to nine digits, so every build agrees. */
int64_t lead_rollup_bucket_low(unsigned b)
{
	if (b == 0)
		return 0;
	unsigned e = b - 1;
	if (e % 2 == 0)
		return 1000LL << (e / 2);
	return (int64_t)((1414213562LL << (e / 2)) / 1000000);
}

unsigned lead_rollup_bucket(int64_t ms)
{
	unsigned b = 0;
	while (b + 1 < LEAD_ROLLUP_BUCKETS && ms >= lead_rollup_bucket_low(b + 1))
		b++;
	return b;
}

int64_t lead_rollup_bucket_mid(unsigned b)
{
	if (b == 0)
		return 500;
	if (b + 1 >= LEAD_ROLLUP_BUCKETS)
		return lead_rollup_bucket_low(b);
	/* sqrt(low * high) = low * 2^(1/4) */
	return (int64_t)((double)lead_rollup_bucket_low(b) * 1.189207115);
}

int64_t lead_rollup_entered(const Leadd__Lead *lead)
{
	if (lead->has_status_changed_at && lead->status_changed_at > 0)
		return lead->status_changed_at;
	return lead->created_at;
}

static size_t head(uint8_t *k, uint32_t day, const Leadd__Lead *lead, uint8_t metric)
{
	k[0] = (uint8_t)(day >> 24);
	k[1] = (uint8_t)(day >> 16);
	k[2] = (uint8_t)(day >> 8);
	k[3] = (uint8_t)day;
	store_key_u64(k + 4, lead->team_id);
	store_key_u64(k + 12, lead->owner_id);
	k[20] = metric;
	return LEAD_ROLLUP_HEAD;
}

/* The folded source, cut to LEAD_ROLLUP_SOURCE_MAX bytes at a character
 * boundary; "" when the lead has none (or it does not fold). */
static size_t folded_source(const Leadd__Lead *lead, uint8_t *out)
{
	char norm[LIMIT_SOURCE * 18 + 1];
	if (!lead->source || !*lead->source || ld_norm_name(lead->source, norm, sizeof(norm)) < 0)
		return 0;
	size_t n = strlen(norm);
	if (n > LEAD_ROLLUP_SOURCE_MAX) {
		n = LEAD_ROLLUP_SOURCE_MAX;
		while (n > 0 && ((uint8_t)norm[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(out, norm, n);
	return n;
}

/* The reason a move into dead or lost recorded, cut to
 * LEAD_ROLLUP_REASON_MAX bytes at a character boundary; 0 when none. */
static size_t reason_bytes(const Leadd__Lead *lead, uint8_t *out)
{
	if (!lead->status_reason || !*lead->status_reason)
		return 0;
	size_t n = strlen(lead->status_reason);
	if (n > LEAD_ROLLUP_REASON_MAX) {
		n = LEAD_ROLLUP_REASON_MAX;
		while (n > 0 && ((uint8_t)lead->status_reason[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(out, lead->status_reason, n);
	return n;
}

/* A renewal's move, apart (LEAD_ROLLUP_RENEWAL): 0 or 1 key. */
static size_t renewal_event(const Leadd__Lead *lead, uint32_t day, uint64_t from,
			    lead_rollup_key *out)
{
	if (!lead->renewed_from)
		return 0;
	size_t len = head(out->data, day, lead, LEAD_ROLLUP_RENEWAL);
	store_key_u64(out->data + len, from);
	store_key_u64(out->data + len + 8, lead->status_id);
	out->len = len + 16;
	return 1;
}

/* A status move's events: m, s, t (not on a create), r, w. */
static size_t move_events(const Leadd__Lead *old, const Leadd__Lead *lead, int64_t at,
			  lead_rollup_key *out)
{
	if (old && old->status_id == lead->status_id)
		return 0;
	uint32_t day = lead_rollup_day(at);
	uint64_t from = old ? old->status_id : 0;
	size_t n = 0;
	uint8_t *k = out[n].data;
	size_t len = head(k, day, lead, LEAD_ROLLUP_MOVE);
	store_key_u64(k + len, from);
	store_key_u64(k + len + 8, lead->status_id);
	out[n++].len = len + 16;

	k = out[n].data;
	len = head(k, day, lead, LEAD_ROLLUP_SOURCE);
	store_key_u64(k + len, from);
	store_key_u64(k + len + 8, lead->status_id);
	len += 16;
	len += folded_source(lead, k + len);
	out[n++].len = len;

	if (old) {
		k = out[n].data;
		len = head(k, day, lead, LEAD_ROLLUP_TIME);
		store_key_u64(k + len, old->status_id);
		int64_t spent = at - lead_rollup_entered(old);
		k[len + 8] = (uint8_t)lead_rollup_bucket(spent < 0 ? 0 : spent);
		out[n++].len = len + 9;
	}
	n += renewal_event(lead, day, from, &out[n]);

	/* Dead and lost by reason: only those moves carry one (lead_moves.h). */
	k = out[n].data;
	len = head(k, day, lead, LEAD_ROLLUP_REASON);
	store_key_u64(k + len, lead->status_id);
	size_t r = reason_bytes(lead, k + len + 8);
	if (r)
		out[n++].len = len + 8 + r;
	return n;
}

static int counted_kind(unsigned kind)
{
	return kind == LEADD__ACTIVITY_KIND__ACTIVITY_CALL ||
	       kind == LEADD__ACTIVITY_KIND__ACTIVITY_MEETING ||
	       kind == LEADD__ACTIVITY_KIND__ACTIVITY_TASK;
}

/* A call, meeting or task done by this change (logged as done, or marked
 * done), filed under its assignee: 0 or 1 key. Notes are not counted;
 * closing an activity (the lead went dead or lost) is not doing it. */
static size_t done_event(const lead_rollup_change *c, uint32_t day, lead_rollup_key *out)
{
	const Leadd__Activity *a = c->act;
	if (!a || a->state != LEADD__ACTIVITY_STATE__ACTIVITY_DONE || !counted_kind(a->kind) ||
	    (c->op != LEADD__STORE__ACTIVITY_OP__ACTIVITY_ADDED &&
	     c->op != LEADD__STORE__ACTIVITY_OP__ACTIVITY_DONE))
		return 0;
	uint8_t *k = out->data;
	head(k, day, c->lead, LEAD_ROLLUP_DONE);
	store_key_u64(k + 12, a->assignee_id);
	k[LEAD_ROLLUP_HEAD] = (uint8_t)a->kind;
	out->len = LEAD_ROLLUP_HEAD + 1;
	return 1;
}

/* Speed to lead: the change set the lead's first touch (activity_core.c
 * stamps it on the first call or meeting done since owner_since, and the
 * write core clears it when the owner changes): 0 or 1 key, under the
 * owner. A lead in a pool, or owned since before leadd kept owner_since,
 * gives no sample. */
static size_t speed_event(const lead_rollup_change *c, uint32_t day, lead_rollup_key *out)
{
	const Leadd__Lead *l = c->lead;
	if (!l->first_touch_at || !l->owner_since || !l->owner_id ||
	    (c->old && c->old->first_touch_at))
		return 0;
	uint8_t *k = out->data;
	head(k, day, l, LEAD_ROLLUP_SPEED);
	int64_t took = l->first_touch_at - l->owner_since;
	k[LEAD_ROLLUP_HEAD] = (uint8_t)lead_rollup_bucket(took < 0 ? 0 : took);
	out->len = LEAD_ROLLUP_HEAD + 1;
	return 1;
}

size_t lead_rollup_events(const lead_rollup_change *c, lead_rollup_key out[LEAD_ROLLUP_EVENTS_MAX])
{
	uint32_t day = lead_rollup_day(c->at);
	size_t n = move_events(c->old, c->lead, c->at, out);
	n += done_event(c, day, &out[n]);
	n += speed_event(c, day, &out[n]);
	return n;
}

void lead_rollup_record(store_txn *t, const lead_rollup_change *c)
{
	lead_rollup_key keys[LEAD_ROLLUP_EVENTS_MAX];
	size_t n = lead_rollup_events(c, keys);
	for (size_t i = 0; i < n && !t->ret; i++) {
		MDB_val v;
		uint64_t cnt = 0;
		int rc = store_get(t, DB_ROLLUP, keys[i].data, keys[i].len, &v);
		if (rc == 0 && v.mv_size == 8)
			cnt = store_key_get_u64(v.mv_data);
		else if (rc == 0) {
			t->ret = MDB_CORRUPTED;
			return;
		} else if (rc != MDB_NOTFOUND)
			return;
		uint8_t val[8];
		store_key_u64(val, cnt + 1);
		store_put(t, DB_ROLLUP, keys[i].data, keys[i].len, val, 8, 0);
	}
}

int lead_rollup_parse(const void *key, size_t len, lead_rollup_parsed *p)
{
	const uint8_t *k = key;
	memset(p, 0, sizeof(*p));
	if (len < LEAD_ROLLUP_HEAD)
		return -1;
	p->day = ((uint32_t)k[0] << 24) | ((uint32_t)k[1] << 16) | ((uint32_t)k[2] << 8) | k[3];
	p->team = store_key_get_u64(k + 4);
	p->owner = store_key_get_u64(k + 12);
	p->metric = k[20];
	const uint8_t *f = k + LEAD_ROLLUP_HEAD;
	size_t rest = len - LEAD_ROLLUP_HEAD;
	switch (p->metric) {
	case LEAD_ROLLUP_RENEWAL:
	case LEAD_ROLLUP_MOVE:
		if (rest != 16)
			return -1;
		p->from = store_key_get_u64(f);
		p->to = store_key_get_u64(f + 8);
		return 0;
	case LEAD_ROLLUP_SOURCE:
		if (rest < 16 || rest > 16 + LEAD_ROLLUP_SOURCE_MAX)
			return -1;
		p->from = store_key_get_u64(f);
		p->to = store_key_get_u64(f + 8);
		p->source = f + 16;
		p->source_len = rest - 16;
		return 0;
	case LEAD_ROLLUP_TIME:
		if (rest != 9 || f[8] >= LEAD_ROLLUP_BUCKETS)
			return -1;
		p->status = store_key_get_u64(f);
		p->bucket = f[8];
		return 0;
	case LEAD_ROLLUP_DONE:
		if (rest != 1 || !counted_kind(f[0]))
			return -1;
		p->kind = f[0];
		return 0;
	case LEAD_ROLLUP_SPEED:
		if (rest != 1 || f[0] >= LEAD_ROLLUP_BUCKETS)
			return -1;
		p->bucket = f[0];
		return 0;
	case LEAD_ROLLUP_REASON:
		if (rest <= 8 || rest > 8 + LEAD_ROLLUP_REASON_MAX)
			return -1;
		p->to = store_key_get_u64(f);
		p->reason = f + 8;
		p->reason_len = rest - 8;
		return 0;
	}
	return -1;
}
