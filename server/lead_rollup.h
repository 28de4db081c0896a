/* The per-day KPI rollup (DB_ROLLUP), kept by the write core beside the
 * counters so `lead kpi --since` reads the flow over a period from a few
 * records per day instead of replaying history.
 *
 * Key: day (u32, days since 1970-01-01 UTC) | team (u64) | owner (u64) |
 * metric (1 byte) | metric fields; value: u64 count. All big-endian, so
 * one day's records are contiguous and a period is one key range.
 *
 *   'm' | from status | to status            a lead entered `to` from `from`
 *                                            (from 0: it was created there)
 *   's' | from status | to status | source   the same, by the lead's source
 *                                            (ld_norm_name, at most
 *                                            LEAD_ROLLUP_SOURCE_MAX bytes;
 *                                            empty when none)
 *   't' | status | bucket (1 byte)           a lead left `status` after a
 *                                            time in the bucket's range
 *   'r' | from status | to status            a renewal (Lead.renewed_from
 *                                            set) entered `to` from `from`:
 *                                            the 'm' record's twin, so the
 *                                            flow counts renewals apart
 *                                            from new leads (schema 9)
 *   'w' | to status | reason                 a lead entered `to` with this
 *                                            reason (Lead.status_reason as
 *                                            written, at most
 *                                            LEAD_ROLLUP_REASON_MAX bytes):
 *                                            moves into dead or lost, "why"
 *   'a' | kind (1 byte)                      an activity of this kind
 *                                            (ActivityKind: call, task or
 *                                            meeting) was done: logged as
 *                                            done, or marked done (schema 10)
 *   'f' | bucket (1 byte)                    speed to lead: the lead's first
 *                                            call or meeting since its owner
 *                                            got it, after a time in the
 *                                            bucket's range (first_touch_at
 *                                            - owner_since; schema 10)
 *
 * Each event is filed under the UTC day of the change and the team and
 * owner the lead has after it, except 'a', filed under the activity's
 * assignee (who did it) in the lead's team. Both activity metrics come
 * from what the change's history entry holds (the lead before and after,
 * the activity and what happened to it), so a replay of the history gives
 * them back: an activity done and later removed stays counted (its "done"
 * entry is still in the history), and one reopened and done again counts
 * twice. What counts as created, qualified, dead or
 * converted is decided at read time from the status records (a move into a
 * status of class qualified, a move from a lead-stage into a
 * prospect-stage status, ...), like the counters' classes.
 *
 * Time buckets are log-spaced, two per doubling: bucket 0 holds times under
 * one second; bucket b (1..63) holds [1 s * 2^((b-1)/2), 1 s * 2^(b/2)),
 * the last one also everything longer. A median read from the buckets is
 * the geometric midpoint of its bucket, so it is within a factor 2^(1/4)
 * (about 19%) of the bucket's bounds. */
#ifndef LEADD_LEAD_ROLLUP_H
#define LEADD_LEAD_ROLLUP_H

#include <stddef.h>
#include <stdint.h>

#include "leadd.pb-c.h"
#include "leadd_store.pb-c.h"
#include "store.h"

#define LEAD_ROLLUP_MOVE 'm'
#define LEAD_ROLLUP_SOURCE 's'
#define LEAD_ROLLUP_TIME 't'
#define LEAD_ROLLUP_RENEWAL 'r'
#define LEAD_ROLLUP_REASON 'w'
#define LEAD_ROLLUP_DONE 'a'
#define LEAD_ROLLUP_SPEED 'f'
#define LEAD_ROLLUP_REASON_MAX 128
#define LEAD_ROLLUP_SOURCE_MAX 128
#define LEAD_ROLLUP_BUCKETS 64
#define LEAD_ROLLUP_HEAD 21 /* day | team | owner | metric */
#define LEAD_ROLLUP_KEY_MAX (LEAD_ROLLUP_HEAD + 16 + LEAD_ROLLUP_SOURCE_MAX)
#define DAY_MS 86400000LL

typedef struct {
	uint8_t data[LEAD_ROLLUP_KEY_MAX];
	size_t len;
} lead_rollup_key;

/* What one change is, as its history entry keeps it: the lead before (NULL
 * on a create) and after, when (unix ms), and for an activity change the
 * activity after it and what happened to it (act NULL otherwise). */
typedef struct {
	const Leadd__Lead *old, *lead;
	int64_t at;
	const Leadd__Activity *act;
	Leadd__Store__ActivityOp op;
} lead_rollup_change;

/* The rollup keys one change adds 1 to (at most LEAD_ROLLUP_EVENTS_MAX). */
#define LEAD_ROLLUP_EVENTS_MAX 7 /* m, s, t, r (a renewal), w (a reason), a, f */
size_t lead_rollup_events(const lead_rollup_change *c, lead_rollup_key out[LEAD_ROLLUP_EVENTS_MAX]);

/* Add one change's events to DB_ROLLUP. Errors stay in t->ret. */
void lead_rollup_record(store_txn *t, const lead_rollup_change *c);

/* Days since the epoch of a unix-ms time (0 before it). */
uint32_t lead_rollup_day(int64_t ms);

/* The bucket of a duration, and the lower bound of a bucket (ms). */
unsigned lead_rollup_bucket(int64_t ms);
int64_t lead_rollup_bucket_low(unsigned b);
/* What a median in bucket b is reported as: the geometric midpoint of its
 * bounds (500 ms for bucket 0; the lower bound for the last, open one). */
int64_t lead_rollup_bucket_mid(unsigned b);

/* When `lead` entered its current status: status_changed_at, or created_at
 * for a lead written before the write core stamped it. */
int64_t lead_rollup_entered(const Leadd__Lead *lead);

/* Decoded key (fields not in the metric are 0). 0, or -1 for a key of no
 * known shape. */
typedef struct {
	uint32_t day;
	uint64_t team, owner;
	uint8_t metric;
	uint64_t from, to, status;
	unsigned bucket;
	const uint8_t *source;
	size_t source_len;
	const uint8_t *reason; /* LEAD_ROLLUP_REASON: the reason's bytes */
	size_t reason_len;
	unsigned kind; /* LEAD_ROLLUP_DONE: the ActivityKind */
} lead_rollup_parsed;
int lead_rollup_parse(const void *key, size_t len, lead_rollup_parsed *out);

#endif
