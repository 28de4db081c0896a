/* leadd verify: activities (issue 13). Every record decodes and sits under
 * its own key, on a lead that exists, numbered at most the lead's counter
 * (numbers are never reused); the three indexes of open activities
 * (idx_act_open, idx_agenda, idx_act_alarm) hold exactly the entries the
 * records call for, both ways; a lead has at most ACTIVITY_MAX_PER_LEAD
 * numbers and ACTIVITY_OPEN_MAX open; and every lead's next action
 * (next_action_*, next_action_activity, own_next_*) is what the write core
 * would compute from its activities (activity_next_action). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "activity_core.h"
#include "verify_record.h"

static uint64_t problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static uint64_t problem(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("verify: ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	return 1;
}

/* Is (key, val) in the dup-sorted db? An LMDB error is left in t->ret. */
static int has_entry(store_txn *t, store_db db, const void *key, size_t klen, const void *val,
		     size_t vlen)
{
	MDB_cursor *cur;
	if (t->ret || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[db], &cur)))
		return 0;
	MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
	int rc = mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH);
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		t->ret = rc;
	return rc == 0;
}

static int lead_exists(store_txn *t, uint64_t id)
{
	uint8_t key[8];
	MDB_val v;
	store_key_u64(key, id);
	return store_get(t, DB_LEADS, key, 8, &v) == 0;
}

static int is_open(const Leadd__Activity *a)
{
	return a->state == LEADD__ACTIVITY_STATE__ACTIVITY_OPEN;
}

/* The index entries an open activity calls for are there. */
static uint64_t check_entries(store_txn *t, const Leadd__Activity *a, uint64_t lead, uint32_t n)
{
	uint64_t problems = 0;
	uint8_t k_lead[8], due_num[16], who_due[16], lead_num[16], due[8];
	uint64_t at = a->at > 0 ? (uint64_t)a->at : 0;
	store_key_u64(k_lead, lead);
	store_key_u64_pair(due_num, at, n);
	store_key_u64_pair(who_due, a->assignee_id, at);
	store_key_u64_pair(lead_num, lead, n);
	store_key_u64(due, at);
	if (!has_entry(t, DB_IDX_ACT_OPEN, k_lead, 8, due_num, 16))
		problems += problem("activity %" PRIu64 ".%" PRIu32
				    " is open but missing from idx_act_open",
				    lead, n);
	if (!has_entry(t, DB_IDX_AGENDA, who_due, 16, lead_num, 16))
		problems += problem("activity %" PRIu64 ".%" PRIu32
				    " is open but missing from idx_agenda (user %" PRIu64
				    "'s agenda)",
				    lead, n, a->assignee_id);
	if (!a->alerted && !has_entry(t, DB_IDX_ACT_ALARM, due, 8, lead_num, 16))
		problems += problem("activity %" PRIu64 ".%" PRIu32
				    " is open and not yet due-alerted but missing from "
				    "idx_act_alarm",
				    lead, n);
	return problems;
}

/* One record: where it sits, what it holds. */
static uint64_t check_record(store_txn *t, const Leadd__Activity *a, uint64_t lead, uint32_t n)
{
	uint64_t problems = 0;
	if (a->lead_id != lead || a->number != n)
		problems += problem("activity %" PRIu64 ".%" PRIu32 " is stored under %" PRIu64
				    ".%" PRIu32,
				    a->lead_id, a->number, lead, n);
	if (a->kind < LEADD__ACTIVITY_KIND__ACTIVITY_NOTE ||
	    a->kind > LEADD__ACTIVITY_KIND__ACTIVITY_MEETING)
		problems += problem("activity %" PRIu64 ".%" PRIu32 " has no known kind (%d)", lead,
				    n, (int)a->kind);
	if (a->state < LEADD__ACTIVITY_STATE__ACTIVITY_OPEN ||
	    a->state > LEADD__ACTIVITY_STATE__ACTIVITY_CLOSED)
		problems += problem("activity %" PRIu64 ".%" PRIu32 " has no known state (%d)",
				    lead, n, (int)a->state);
	if (is_open(a)) {
		if (a->kind == LEADD__ACTIVITY_KIND__ACTIVITY_NOTE)
			problems += problem("activity %" PRIu64 ".%" PRIu32 " is an open note",
					    lead, n);
		if (a->at <= 0)
			problems += problem(
				"activity %" PRIu64 ".%" PRIu32 " is open without a time", lead, n);
		if (!a->assignee_id)
			problems += problem("activity %" PRIu64 ".%" PRIu32
					    " is open on no one's agenda",
					    lead, n);
		problems += check_entries(t, a, lead, n);
	}
	return problems;
}

typedef struct {
	uint64_t lead;    /* the lead being walked (0: none yet) */
	uint64_t counter; /* its last number, as stored */
	int has_counter;
	uint64_t open;
} walk_state;

static uint64_t end_lead(const walk_state *w)
{
	if (w->lead && w->open > ACTIVITY_OPEN_MAX)
		return problem("lead %" PRIu64 " has %" PRIu64 " open activities, more than %d",
			       w->lead, w->open, ACTIVITY_OPEN_MAX);
	return 0;
}

/* The records, lead by lead (the counter, number 0, comes first). */
static uint64_t check_records(store_txn *t, ld_arena *arena)
{
	uint64_t problems = 0;
	MDB_cursor *cur;
	MDB_val k, v;
	walk_state w = {0};
	if (t->ret || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_ACTIVITIES], &cur)))
		return 0;
	int rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && !t->ret;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 16) {
			problems += problem("activities: a key of %zu bytes (not lead|number)",
					    k.mv_size);
			continue;
		}
		uint64_t lead = store_key_get_u64(k.mv_data);
		uint64_t n = store_key_get_u64((const uint8_t *)k.mv_data + 8);
		if (lead != w.lead) {
			problems += end_lead(&w);
			w = (walk_state){.lead = lead};
			if (!lead_exists(t, lead))
				problems += problem("activities of lead %" PRIu64
						    ", which does not exist",
						    lead);
		}
		if (n == 0) {
			w.has_counter = v.mv_size == 8;
			w.counter = w.has_counter ? store_key_get_u64(v.mv_data) : 0;
			if (!w.has_counter)
				problems += problem("lead %" PRIu64 ": the activity counter is %zu "
						    "bytes, not 8",
						    lead, v.mv_size);
			else if (w.counter > ACTIVITY_MAX_PER_LEAD)
				problems += problem("lead %" PRIu64
						    ": the activity counter is %" PRIu64
						    ", more than %d",
						    lead, w.counter, ACTIVITY_MAX_PER_LEAD);
			continue;
		}
		if (n > UINT32_MAX || !w.has_counter || n > w.counter)
			problems += problem("activity %" PRIu64 ".%" PRIu64
					    " is numbered past the lead's counter (%" PRIu64
					    "): a number could be given twice",
					    lead, n, w.counter);
		ld_arena_reset(arena);
		Leadd__Activity *a = leadd__activity__unpack(&arena->pb, v.mv_size, v.mv_data);
		if (!a) {
			problems += problem("activity %" PRIu64 ".%" PRIu64 " does not decode",
					    lead, n);
			continue;
		}
		if (is_open(a))
			w.open++;
		problems += check_record(t, a, lead, (uint32_t)n);
	}
	problems += end_lead(&w);
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND && !t->ret)
		t->ret = rc;
	return problems;
}

/* The open record an index entry names, or NULL (said as a problem). */
static const Leadd__Activity *entry_record(store_txn *t, ld_arena *arena, const char *db,
					   uint64_t lead, uint64_t n, uint64_t *problems)
{
	Leadd__Activity *a = NULL;
	ld_arena_reset(arena);
	int err = n && n <= UINT32_MAX ? activity_load(t, lead, (uint32_t)n, arena, &a)
				       : MDB_NOTFOUND;
	if (err == MDB_CORRUPTED) {
		t->ret = 0; /* the record walk names it */
		return NULL;
	}
	if (err) {
		if (err == MDB_NOTFOUND)
			*problems += problem("%s names activity %" PRIu64 ".%" PRIu64
					     ", which does not exist",
					     db, lead, n);
		return NULL;
	}
	if (!is_open(a)) {
		*problems += problem("%s names activity %" PRIu64 ".%" PRIu64 ", which is not open",
				     db, lead, n);
		return NULL;
	}
	return a;
}

/* Each index entry against its record: the reverse way. */
static uint64_t check_index(store_txn *t, ld_arena *arena, store_db db)
{
	static const char *const names[] = {[DB_IDX_ACT_OPEN] = "idx_act_open",
					    [DB_IDX_AGENDA] = "idx_agenda",
					    [DB_IDX_ACT_ALARM] = "idx_act_alarm"};
	const char *name = names[db];
	uint64_t problems = 0;
	MDB_cursor *cur;
	MDB_val k, v;
	if (t->ret || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[db], &cur)))
		return 0;
	int rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && !t->ret;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		size_t klen = db == DB_IDX_AGENDA ? 16 : 8;
		if (k.mv_size != klen || v.mv_size != 16) {
			problems += problem("%s: an entry of %zu+%zu bytes (not %zu+16)", name,
					    k.mv_size, v.mv_size, klen);
			continue;
		}
		const uint8_t *kb = k.mv_data, *vb = v.mv_data;
		uint64_t lead, n, due, who = 0;
		if (db == DB_IDX_ACT_OPEN) {
			lead = store_key_get_u64(kb);
			due = store_key_get_u64(vb);
			n = store_key_get_u64(vb + 8);
		} else {
			lead = store_key_get_u64(vb);
			n = store_key_get_u64(vb + 8);
			who = db == DB_IDX_AGENDA ? store_key_get_u64(kb) : 0;
			due = store_key_get_u64(db == DB_IDX_AGENDA ? kb + 8 : kb);
		}
		const Leadd__Activity *a = entry_record(t, arena, name, lead, n, &problems);
		if (!a)
			continue;
		if ((uint64_t)(a->at > 0 ? a->at : 0) != due)
			problems += problem("%s files activity %" PRIu64 ".%" PRIu64 " at %" PRIu64
					    ", but it is due at %" PRId64,
					    name, lead, n, due, a->at);
		if (db == DB_IDX_AGENDA && a->assignee_id != who)
			problems += problem("idx_agenda puts activity %" PRIu64 ".%" PRIu64
					    " on user %" PRIu64 "'s agenda, but it is for user "
					    "%" PRIu64,
					    lead, n, who, a->assignee_id);
		if (db == DB_IDX_ACT_ALARM && a->alerted)
			problems += problem("idx_act_alarm still holds activity %" PRIu64
					    ".%" PRIu64 ", which already fell due (alerted)",
					    lead, n);
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND && !t->ret)
		t->ret = rc;
	return problems;
}

static int same_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* "activity 42.3" or "its own" (no activity). */
static void what_next(const Leadd__Lead *l, char *out, size_t len)
{
	if (l->next_action_activity)
		snprintf(out, len, "activity %" PRIu64 ".%" PRIu32, l->id, l->next_action_activity);
	else
		snprintf(out, len, "its own");
}

/* Every lead's next action, recomputed by the write core's own rule. */
static uint64_t check_next_actions(store_txn *t, ld_arena *arena)
{
	uint64_t problems = 0;
	MDB_cursor *cur;
	MDB_val k, v;
	if (t->ret || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_LEADS], &cur)))
		return 0;
	int rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && !t->ret;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		ld_arena_reset(arena);
		Leadd__Lead *l = leadd__lead__unpack(&arena->pb, v.mv_size, v.mv_data);
		Leadd__Lead *want = leadd__lead__unpack(&arena->pb, v.mv_size, v.mv_data);
		if (!l || !want)
			continue; /* the lead check reports one that does not decode */
		activity_next_action(t, want, arena);
		if (t->ret == MDB_CORRUPTED) {
			t->ret = 0; /* the activity that does not decode is named above */
			continue;
		}
		if (l->next_action_activity != want->next_action_activity) {
			char is[48], should[48];
			what_next(l, is, sizeof(is));
			what_next(want, should, sizeof(should));
			problems += problem("lead %" PRIu64 ": its next action is %s, but its open "
					    "activities make it %s",
					    l->id, is, should);
		} else if (l->next_action_at != want->next_action_at ||
			   !same_str(l->next_action_note, want->next_action_note))
			problems += problem("lead %" PRIu64 ": its next action is at %" PRId64
					    " (\"%s\"), but its activities make it %" PRId64
					    " (\"%s\")",
					    l->id, l->next_action_at,
					    l->next_action_note ? l->next_action_note : "",
					    want->next_action_at,
					    want->next_action_note ? want->next_action_note : "");
		else if (l->own_next_at != want->own_next_at ||
			 !same_str(l->own_next_note, want->own_next_note))
			problems += problem("lead %" PRIu64 ": its own next action (behind an "
					    "activity) is %" PRId64 ", but should be %" PRId64,
					    l->id, l->own_next_at, want->own_next_at);
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND && !t->ret)
		t->ret = rc;
	return problems;
}

uint64_t verify_activities(store_txn *t, ld_arena *arena)
{
	uint64_t problems = check_records(t, arena);
	problems += check_index(t, arena, DB_IDX_ACT_OPEN);
	problems += check_index(t, arena, DB_IDX_AGENDA);
	problems += check_index(t, arena, DB_IDX_ACT_ALARM);
	problems += check_next_actions(t, arena);
	return problems;
}
