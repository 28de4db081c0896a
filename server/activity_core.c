#include "activity_core.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dispatch.h"
#include "migrate.h"
#include "request_limits.h"
#include "users.h"

void activity_key(uint8_t out[16], uint64_t lead_id, uint32_t number)
{
	store_key_u64_pair(out, lead_id, number);
}

int activity_load(store_txn *t, uint64_t lead_id, uint32_t number, ld_arena *arena,
		  Leadd__Activity **out)
{
	uint8_t key[16];
	activity_key(key, lead_id, number);
	return store_get_msg(t, DB_ACTIVITIES, key, 16, &leadd__activity__descriptor, arena,
			     (ProtobufCMessage **)out);
}

uint32_t activity_last_number(store_txn *t, uint64_t lead_id)
{
	uint8_t key[16];
	MDB_val v;
	activity_key(key, lead_id, 0);
	if (store_get(t, DB_ACTIVITIES, key, 16, &v) != 0 || v.mv_size != 8)
		return 0;
	return (uint32_t)store_key_get_u64(v.mv_data);
}

size_t activity_open_count(store_txn *t, uint64_t lead_id)
{
	MDB_cursor *cur;
	if (t->ret || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_IDX_ACT_OPEN], &cur)))
		return 0;
	uint8_t key[8];
	store_key_u64(key, lead_id);
	MDB_val k = {8, key}, v;
	size_t n = 0;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_SET);
	if (rc == 0)
		rc = mdb_cursor_count(cur, &n);
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		t->ret = rc;
	return rc ? 0 : (size_t)n;
}

static int is_open(const Leadd__Activity *a)
{
	return a && a->state == LEADD__ACTIVITY_STATE__ACTIVITY_OPEN;
}

/* Add (put 1) or delete (put 0) the index entries of an open activity. */
static void index_open(store_txn *t, const Leadd__Activity *a, int put)
{
	if (!is_open(a))
		return;
	uint8_t lead[8], due_num[16], who_due[16], lead_num[16], due[8];
	uint64_t at = a->at > 0 ? (uint64_t)a->at : 0;
	store_key_u64(lead, a->lead_id);
	store_key_u64_pair(due_num, at, a->number);
	store_key_u64_pair(who_due, a->assignee_id, at);
	store_key_u64_pair(lead_num, a->lead_id, a->number);
	store_key_u64(due, at);
	if (put) {
		store_put(t, DB_IDX_ACT_OPEN, lead, 8, due_num, 16, MDB_NODUPDATA);
		store_put(t, DB_IDX_AGENDA, who_due, 16, lead_num, 16, MDB_NODUPDATA);
		if (!a->alerted)
			store_put(t, DB_IDX_ACT_ALARM, due, 8, lead_num, 16, MDB_NODUPDATA);
	} else {
		store_del(t, DB_IDX_ACT_OPEN, lead, 8, due_num, 16);
		store_del(t, DB_IDX_AGENDA, who_due, 16, lead_num, 16);
		if (!a->alerted)
			store_del(t, DB_IDX_ACT_ALARM, due, 8, lead_num, 16);
	}
}

/* A done call or meeting may be the first touch since the owner got the
 * lead: speed to lead (lead_rollup.h) counts to it. A call logged as
 * having happened before the lead was assigned is not an answer to it. */
static void note_first_touch(Leadd__Lead *lead, const Leadd__Activity *a, int64_t now)
{
	if (a->state != LEADD__ACTIVITY_STATE__ACTIVITY_DONE ||
	    (a->kind != LEADD__ACTIVITY_KIND__ACTIVITY_CALL &&
	     a->kind != LEADD__ACTIVITY_KIND__ACTIVITY_MEETING))
		return;
	int64_t when = a->at && a->at < now ? a->at : now;
	if (!lead->owner_id || !lead->owner_since || lead->first_touch_at ||
	    when < lead->owner_since)
		return;
	lead->has_first_touch_at = 1;
	lead->first_touch_at = when;
}

int activity_apply(store_txn *t, const Leadd__Lead *lead_old, Leadd__Lead *lead,
		   const Leadd__Activity *old, Leadd__Activity *act, Leadd__Store__ActivityOp op,
		   const lead_change *ch)
{
	if (t->ret)
		return t->ret;
	/* lead_apply takes the next revision: the activity carries it too. */
	uint64_t revision = store_meta_get(t, META_LAST_REVISION) + 1;
	uint8_t key[16];
	if (op == LEADD__STORE__ACTIVITY_OP__ACTIVITY_ADDED) {
		uint32_t number = activity_last_number(t, lead->id) + 1;
		uint8_t counter[8];
		activity_key(key, lead->id, 0);
		store_key_u64(counter, number);
		store_put(t, DB_ACTIVITIES, key, 16, counter, 8, 0);
		act->has_lead_id = act->has_number = act->has_created_at = act->has_created_by = 1;
		act->lead_id = lead->id;
		act->number = number;
		act->created_at = ch->now;
		act->created_by = ch->author;
	}
	/* Never stored: filled in replies. */
	act->assignee = act->lead_title = act->client_name = NULL;
	act->has_overdue = act->overdue = 0;
	index_open(t, old, 0);
	activity_key(key, act->lead_id, act->number);
	if (op == LEADD__STORE__ACTIVITY_OP__ACTIVITY_REMOVED) {
		store_del(t, DB_ACTIVITIES, key, 16, NULL, 0);
	} else {
		act->has_updated_at = act->has_version = 1;
		if (op != LEADD__STORE__ACTIVITY_OP__ACTIVITY_DUE)
			act->updated_at = ch->now; /* falling due is no edit */
		act->version = revision;
		index_open(t, act, 1);
		store_put_msg(t, DB_ACTIVITIES, key, 16, &act->base);
		note_first_touch(lead, act, ch->now);
	}
	lead_change lc = *ch;
	lc.activity = act;
	lc.activity_op = op;
	lc.old_assignee = old ? old->assignee_id : 0;
	return lead_apply(t, lead_old, lead, &lc);
}

void activity_own_next_set(Leadd__Lead *lead, int has_at, int64_t at, const char *note)
{
	protobuf_c_boolean *has = lead->next_action_activity ? &lead->has_own_next_at
							     : &lead->has_next_action_at;
	int64_t *when = lead->next_action_activity ? &lead->own_next_at : &lead->next_action_at;
	char **what = lead->next_action_activity ? &lead->own_next_note : &lead->next_action_note;
	if (note)
		*what = note[0] ? (char *)note : NULL;
	if (has_at) {
		*has = at != 0;
		*when = at;
		if (!at)
			*what = NULL; /* no next action: nothing to note */
	}
}

/* What an activity as next action says, for people ("task: send the quote"). */
static char *describe(const Leadd__Activity *a, ld_arena *arena)
{
	const char *word = a->kind == LEADD__ACTIVITY_KIND__ACTIVITY_CALL      ? "call"
			   : a->kind == LEADD__ACTIVITY_KIND__ACTIVITY_MEETING ? "meeting"
									       : "task";
	char buf[LIMIT_NOTE + 1];
	const char *title = a->title && a->title[0] ? a->title : NULL;
	const char *who = a->contact && a->contact[0] ? a->contact : NULL;
	if (title && who)
		snprintf(buf, sizeof(buf), "%s with %s: %s", word, who, title);
	else if (title)
		snprintf(buf, sizeof(buf), "%s: %s", word, title);
	else if (who)
		snprintf(buf, sizeof(buf), "%s with %s", word, who);
	else
		snprintf(buf, sizeof(buf), "%s", word);
	/* Cut at a character boundary: the note is one line of UTF-8. */
	size_t len = strlen(buf);
	if (len == LIMIT_NOTE) {
		/* snprintf may have cut inside the last character: drop it
		 * unless all its bytes made it. */
		size_t start = len - 1;
		while (start && ((unsigned char)buf[start] & 0xC0) == 0x80)
			start--;
		unsigned char lead = (unsigned char)buf[start];
		size_t need = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
		if (start + need > len)
			buf[start] = 0;
	}
	return ld_arena_strdup(arena, buf);
}

void activity_next_action(store_txn *t, Leadd__Lead *lead, ld_arena *arena)
{
	/* Without an arena the activity cannot be read to describe it: the
	 * fields are left as they are rather than lose the activity (every
	 * caller of lead_apply passes one; verify names a stale one). */
	if (t->ret || !arena)
		return;
	int from_own = !lead->next_action_activity;
	int64_t own_at = from_own ? (lead->has_next_action_at ? lead->next_action_at : 0)
				  : (lead->has_own_next_at ? lead->own_next_at : 0);
	char *own_note = from_own ? lead->next_action_note : lead->own_next_note;

	MDB_cursor *cur;
	if ((t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_IDX_ACT_OPEN], &cur)))
		return;
	uint8_t key[8];
	store_key_u64(key, lead->id);
	MDB_val k = {8, key}, v;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_SET);
	uint64_t due = 0, number = 0;
	if (rc == 0 && v.mv_size == 16) {
		due = store_key_get_u64(v.mv_data);
		number = store_key_get_u64((const uint8_t *)v.mv_data + 8);
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND) {
		t->ret = rc;
		return;
	}
	Leadd__Activity *a = NULL;
	if (number && (!own_at || (int64_t)due < own_at)) {
		rc = activity_load(t, lead->id, (uint32_t)number, arena, &a);
		if (rc && rc != MDB_NOTFOUND)
			return; /* the sticky error says why */
	}
	if (a) {
		lead->has_own_next_at = own_at != 0;
		lead->own_next_at = own_at;
		lead->own_next_note = own_note;
		lead->has_next_action_at = lead->has_next_action_activity = 1;
		lead->next_action_at = (int64_t)due;
		lead->next_action_note = describe(a, arena);
		lead->next_action_activity = (uint32_t)number;
	} else {
		lead->has_next_action_at = own_at != 0;
		lead->next_action_at = own_at;
		lead->next_action_note = own_note;
		lead->has_next_action_activity = 0;
		lead->next_action_activity = 0;
		lead->has_own_next_at = 0;
		lead->own_next_at = 0;
		lead->own_next_note = NULL;
	}
}

/* Whether user `id` may keep an open activity of `lead` on their agenda:
 * they exist, are enabled and may see the lead (activity_assignee's rule
 * at add time). */
static int keeps_sight(store_txn *t, uint64_t id, const Leadd__Lead *lead, ld_arena *arena)
{
	user_record *u;
	principal_t who;
	int err = user_load(t, id, arena, &u);
	if (!err && !u->disabled)
		err = user_principal(t, u, arena, &who);
	if (err && err != MDB_NOTFOUND && !t->ret)
		t->ret = err; /* not read: the change fails rather than guess */
	if (err || u->disabled)
		return 0; /* gone or disabled: the owner takes it */
	return principal_may_see_lead(&who, t, arena, lead);
}

/* Who an open activity is for once the lead has its new owner and team. */
static uint64_t follows_to(store_txn *t, const Leadd__Activity *a, const Leadd__Lead *old,
			   const Leadd__Lead *lead, ld_arena *arena, uint64_t seen[][2],
			   size_t *n_seen)
{
	uint64_t who = a->assignee_id;
	if (!lead->owner_id || who == lead->owner_id)
		return who; /* a pool keeps them; the owner sees their lead */
	if (old->owner_id && who == old->owner_id)
		return lead->owner_id;
	/* Someone else's (a manager's, a pool rep's): theirs while they still
	 * see the lead, else the owner's, so it never drops off every agenda
	 * (the agenda passes over a lead its reader cannot see). Each user is
	 * judged once per change. */
	for (size_t i = 0; i < *n_seen; i++)
		if (seen[i][0] == who)
			return seen[i][1] ? who : lead->owner_id;
	int sees = keeps_sight(t, who, lead, arena);
	if (*n_seen < ACTIVITY_OPEN_MAX * 2) {
		seen[*n_seen][0] = who;
		seen[(*n_seen)++][1] = (uint64_t)sees;
	}
	return sees ? who : lead->owner_id;
}

void activity_follow_owner(store_txn *t, const Leadd__Lead *old, const Leadd__Lead *lead,
			   ld_arena *arena)
{
	if (t->ret || !arena || !lead->owner_id)
		return;
	uint32_t numbers[ACTIVITY_OPEN_MAX * 2];
	size_t n = 0;
	MDB_cursor *cur;
	if ((t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_IDX_ACT_OPEN], &cur)))
		return;
	uint8_t key[8];
	store_key_u64(key, lead->id);
	MDB_val k = {8, key}, v;
	int rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET); rc == 0 && n < ACTIVITY_OPEN_MAX * 2;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP))
		if (v.mv_size == 16)
			numbers[n++] = (uint32_t)store_key_get_u64((const uint8_t *)v.mv_data + 8);
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND) {
		t->ret = rc;
		return;
	}
	uint64_t seen[ACTIVITY_OPEN_MAX * 2][2]; /* one per assignee: a user is judged once */
	size_t n_seen = 0;
	for (size_t i = 0; i < n && !t->ret; i++) {
		Leadd__Activity *a;
		if (activity_load(t, lead->id, numbers[i], arena, &a) != 0) {
			if (!t->ret)
				continue; /* verify names an index entry without a record */
			return;
		}
		uint64_t to = follows_to(t, a, old, lead, arena, seen, &n_seen);
		if (t->ret || to == a->assignee_id)
			continue;
		index_open(t, a, 0);
		a->assignee_id = to;
		a->has_version = 1;
		a->version = lead->version;
		index_open(t, a, 1);
		uint8_t akey[16];
		activity_key(akey, lead->id, a->number);
		store_put_msg(t, DB_ACTIVITIES, akey, 16, &a->base);
	}
}

const char *activity_op_word(Leadd__Store__ActivityOp op)
{
	switch (op) {
	case LEADD__STORE__ACTIVITY_OP__ACTIVITY_ADDED:
		return "added";
	case LEADD__STORE__ACTIVITY_OP__ACTIVITY_DONE:
		return "done";
	case LEADD__STORE__ACTIVITY_OP__ACTIVITY_EDITED:
		return "edited";
	case LEADD__STORE__ACTIVITY_OP__ACTIVITY_REMOVED:
		return "removed";
	case LEADD__STORE__ACTIVITY_OP__ACTIVITY_CLOSED:
		return "closed";
	case LEADD__STORE__ACTIVITY_OP__ACTIVITY_DUE:
		return "due";
	default:
		return "changed";
	}
}

/* Migration 10: activities start empty; their databases open themselves. */
void migrate_activities(store_txn *t)
{
	(void)t;
}
