/* Activity writes (issue 13): add, done, edit, remove. Each checks what
 * it can before the one write, which goes through activity_apply() (the
 * activity write core): the record, its indexes and the lead's change
 * (history, change log, next action, version) in one transaction. The
 * caller's rights are those on the lead: a lead they may not see answers
 * NOT_FOUND, as everywhere. */
#include "activity_handlers.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "activity_core.h"
#include "activity_rules.h"
#include "ld_error.h"
#include "ld_norm.h"
#include "lead_handlers.h"

static char *or_null(char *s)
{
	return ld_is_blank(s) ? NULL : s;
}

static Leadd__Activity *new_activity(request_ctx *rc)
{
	Leadd__Activity *a = ld_arena_alloc(&rc->arena, sizeof(*a));
	if (a)
		leadd__activity__init(a);
	return a;
}

/* A second decoded copy of a record, to change while the first stays as
 * it was (the write core takes both). */
static Leadd__Activity *copy_activity(request_ctx *rc, const Leadd__Activity *a)
{
	size_t n = leadd__activity__get_packed_size(a);
	uint8_t *buf = ld_arena_alloc(&rc->arena, n + 1);
	if (!buf)
		return NULL;
	leadd__activity__pack(a, buf);
	return leadd__activity__unpack(&rc->arena.pb, n, buf);
}

static int same_activity(request_ctx *rc, const Leadd__Activity *a, const Leadd__Activity *b)
{
	size_t n = leadd__activity__get_packed_size(a);
	if (n != leadd__activity__get_packed_size(b))
		return 0;
	uint8_t *pa = ld_arena_alloc(&rc->arena, n + 1), *pb = ld_arena_alloc(&rc->arena, n + 1);
	if (!pa || !pb)
		return 0; /* cannot tell: record the change */
	leadd__activity__pack(a, pa);
	leadd__activity__pack(b, pb);
	return memcmp(pa, pb, n) == 0;
}

static int out_of_memory(request_ctx *rc)
{
	return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
}

/* The reply: the activity (with its assignee's name) and the lead. */
static int activity_reply(request_ctx *rc, store_txn *t, Leadd__Activity *a, Leadd__Lead *lead)
{
	Leadd__ActivityReply *reply = ld_arena_alloc(&rc->arena, sizeof(*reply));
	if (!reply)
		return out_of_memory(rc);
	leadd__activity_reply__init(reply);
	a->assignee = activity_user_name(rc, t, a->assignee_id);
	reply->activity = a;
	reply->lead = lead;
	rc->resp.body_case = LEADD__RESPONSE__BODY_ACTIVITY;
	rc->resp.activity = reply;
	return LD_OK;
}

/* Write one change of activity `old` -> `a` and answer with both. */
static int apply_and_reply(request_ctx *rc, store_txn *t, uint64_t lead_id,
			   const Leadd__Activity *old, Leadd__Activity *a,
			   Leadd__Store__ActivityOp op)
{
	Leadd__Lead *lead_old, *lead;
	int code = lead_load_for_edit(rc, t, lead_id, 0, 0, &lead_old, &lead);
	if (code)
		return code;
	lead_change ch = lead_change_of(rc, LEADD__STORE__CHANGE_KIND__CHANGE_ACTIVITY);
	if (activity_apply(t, lead_old, lead, old, a, op, &ch) != 0)
		return dispatch_store_error(rc, t->ret);
	return activity_reply(rc, t, a, lead);
}

/* Fields of a new activity that its kind decides: its state, time and
 * who it is for. */
static int add_state(request_ctx *rc, const Leadd__ActivityAddRequest *q, Leadd__Activity *a,
		     const char *name)
{
	switch (q->kind) {
	case LEADD__ACTIVITY_KIND__ACTIVITY_NOTE:
		if (q->has_at && q->at)
			return dispatch_fail(rc, LD_INVALID_ARGUMENT,
					     "%s is written now: leave out its time", name);
		if (q->assignee)
			return dispatch_fail(rc, LD_INVALID_ARGUMENT,
					     "%s goes on no one's agenda: leave out who it is for",
					     name);
		a->state = LEADD__ACTIVITY_STATE__ACTIVITY_DONE;
		a->at = rc->now;
		break;
	case LEADD__ACTIVITY_KIND__ACTIVITY_CALL:
		/* With an outcome it happened (at: when, absent: now); without
		 * one it is planned for `at`. */
		a->state = a->outcome ? LEADD__ACTIVITY_STATE__ACTIVITY_DONE
				      : LEADD__ACTIVITY_STATE__ACTIVITY_OPEN;
		if (a->outcome && !a->at)
			a->at = rc->now;
		break;
	default:
		if (a->outcome)
			return dispatch_fail(rc, LD_INVALID_ARGUMENT,
					     "%s is still to do: it gets its outcome when it is "
					     "done (lead done)",
					     name);
		a->state = LEADD__ACTIVITY_STATE__ACTIVITY_OPEN;
	}
	a->has_state = a->has_at = 1;
	if (a->state == LEADD__ACTIVITY_STATE__ACTIVITY_DONE) {
		a->has_done_at = a->has_done_by = 1;
		a->done_at = rc->now;
		a->done_by = rc->who.user_id;
	}
	return LD_OK;
}

int activity_add(request_ctx *rc, store_txn *t)
{
	const Leadd__ActivityAddRequest *q = rc->req->activity_add;
	Leadd__Lead *lead;
	Leadd__Activity *a = new_activity(rc);
	char name[32];
	int code;
	if (!a)
		return out_of_memory(rc);
	if ((code = lead_load_visible(rc, t, q->lead_id, &lead)))
		return code;
	snprintf(name, sizeof(name), "the %s", activity_kind_word(q->kind));
	a->has_kind = 1;
	a->kind = q->kind;
	a->title = or_null(q->title);
	a->text = or_null(q->text);
	a->outcome = or_null(q->outcome);
	a->place = or_null(q->place);
	a->contact = or_null(q->contact);
	a->at = q->has_at ? q->at : 0;
	a->has_duration_ms = q->has_duration_ms && q->duration_ms;
	a->duration_ms = a->has_duration_ms ? q->duration_ms : 0;
	if ((code = activity_check_kind(rc, a->kind)) || (code = add_state(rc, q, a, name)) ||
	    (code = activity_check(rc, a, name)))
		return code;
	a->has_assignee_id = 1;
	a->assignee_id = rc->who.user_id;
	if (q->assignee && (code = activity_assignee(rc, t, lead, q->assignee, &a->assignee_id)))
		return code;
	uint32_t last = activity_last_number(t, lead->id);
	if (last >= ACTIVITY_MAX_PER_LEAD)
		return dispatch_fail(rc, LD_FAILED_PRECONDITION,
				     "lead %" PRIu64
				     " has had %d activities, the most one lead may "
				     "have (numbers are not reused); carry on in a renewal of it "
				     "(lead renew %" PRIu64 ")",
				     lead->id, ACTIVITY_MAX_PER_LEAD, lead->id);
	if (a->state == LEADD__ACTIVITY_STATE__ACTIVITY_OPEN &&
	    (code = activity_room_open(rc, t, lead->id)))
		return code;
	return apply_and_reply(rc, t, lead->id, NULL, a, LEADD__STORE__ACTIVITY_OP__ACTIVITY_ADDED);
}

/* Why an activity that is not open cannot be done. */
static int not_open(request_ctx *rc, const Leadd__Activity *a)
{
	if (a->kind == LEADD__ACTIVITY_KIND__ACTIVITY_NOTE)
		return dispatch_fail(rc, LD_FAILED_PRECONDITION,
				     "activity %" PRIu64 ".%" PRIu32
				     " is a note: there is nothing to mark done",
				     a->lead_id, a->number);
	if (a->state == LEADD__ACTIVITY_STATE__ACTIVITY_CLOSED)
		return dispatch_fail(rc, LD_FAILED_PRECONDITION,
				     "activity %" PRIu64 ".%" PRIu32
				     " was closed when its lead went dead or lost; reopen it "
				     "first (lead activity edit)",
				     a->lead_id, a->number);
	return dispatch_fail(rc, LD_FAILED_PRECONDITION,
			     "activity %" PRIu64 ".%" PRIu32 " is already done", a->lead_id,
			     a->number);
}

int activity_done(request_ctx *rc, store_txn *t)
{
	const Leadd__ActivityDoneRequest *q = rc->req->activity_done;
	Leadd__Activity *old, *a;
	char name[64];
	int code = activity_load_for_edit(rc, t, q->lead_id, q->number, q->has_expected_version,
					  q->expected_version, &old);
	if (code)
		return code;
	if (old->state != LEADD__ACTIVITY_STATE__ACTIVITY_OPEN)
		return not_open(rc, old);
	if (!(a = copy_activity(rc, old)))
		return out_of_memory(rc);
	a->state = LEADD__ACTIVITY_STATE__ACTIVITY_DONE;
	a->has_done_at = a->has_done_by = 1;
	a->done_at = rc->now;
	a->done_by = rc->who.user_id;
	if (!ld_is_blank(q->outcome))
		a->outcome = q->outcome;
	/* A call's time, once done, is when it happened: a planned call
	 * made early happened now. */
	if (a->kind == LEADD__ACTIVITY_KIND__ACTIVITY_CALL && a->at > rc->now)
		a->at = rc->now;
	snprintf(name, sizeof(name), "activity %" PRIu64 ".%" PRIu32, a->lead_id, a->number);
	if ((code = activity_check(rc, a, name)))
		return code;
	return apply_and_reply(rc, t, old->lead_id, old, a,
			       LEADD__STORE__ACTIVITY_OP__ACTIVITY_DONE);
}

int activity_rm(request_ctx *rc, store_txn *t)
{
	const Leadd__ActivityRemoveRequest *q = rc->req->activity_rm;
	Leadd__Activity *old;
	int code = activity_load_for_edit(rc, t, q->lead_id, q->number, q->has_expected_version,
					  q->expected_version, &old);
	if (code)
		return code;
	/* The record as it was is both the old one (its index entries go)
	 * and the one the history keeps. */
	return apply_and_reply(rc, t, old->lead_id, old, old,
			       LEADD__STORE__ACTIVITY_OP__ACTIVITY_REMOVED);
}

static int any_edit_field(const Leadd__ActivityEditRequest *q)
{
	return q->title || q->text || q->outcome || q->has_at || q->has_duration_ms || q->place ||
	       q->contact || q->assignee || (q->has_reopen && q->reopen);
}

/* Put the request's fields on `a`: a string present replaces (blank
 * clears), a time present moves it. */
static int edit_fields(request_ctx *rc, store_txn *t, const Leadd__ActivityEditRequest *q,
		       Leadd__Activity *a)
{
	if (q->title)
		a->title = or_null(q->title);
	if (q->text)
		a->text = or_null(q->text);
	if (q->outcome)
		a->outcome = or_null(q->outcome);
	if (q->place)
		a->place = or_null(q->place);
	if (q->contact)
		a->contact = or_null(q->contact);
	if (q->has_duration_ms) {
		a->has_duration_ms = q->duration_ms != 0;
		a->duration_ms = q->duration_ms;
	}
	if (q->has_at && q->at == 0)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "an activity's time cannot be cleared: give another one");
	if (q->has_at && q->at != a->at) {
		a->has_at = 1;
		a->at = q->at;
		/* Moved: it falls due again at its new time. */
		a->has_alerted = a->alerted = 0;
	}
	if (q->has_reopen && q->reopen && a->state != LEADD__ACTIVITY_STATE__ACTIVITY_OPEN) {
		/* Back on the agenda, it falls due again too. */
		a->state = LEADD__ACTIVITY_STATE__ACTIVITY_OPEN;
		a->has_done_at = a->has_done_by = 0;
		a->done_at = 0;
		a->done_by = 0;
		a->has_alerted = a->alerted = 0;
	}
	if (q->assignee) {
		Leadd__Lead *lead;
		int code = lead_load_visible(rc, t, a->lead_id, &lead);
		if (code || (code = activity_assignee(rc, t, lead, q->assignee, &a->assignee_id)))
			return code;
		a->has_assignee_id = 1;
	}
	return LD_OK;
}

int activity_edit(request_ctx *rc, store_txn *t)
{
	const Leadd__ActivityEditRequest *q = rc->req->activity_edit;
	Leadd__Activity *old, *a;
	char name[64];
	int code;
	if (!any_edit_field(q))
		return dispatch_fail(
			rc, LD_INVALID_ARGUMENT,
			"say what to change: the title, text, outcome, time, duration, "
			"place, contact or who it is for, or reopen it");
	if ((code = activity_load_for_edit(rc, t, q->lead_id, q->number, q->has_expected_version,
					   q->expected_version, &old)))
		return code;
	if (!(a = copy_activity(rc, old)))
		return out_of_memory(rc);
	snprintf(name, sizeof(name), "activity %" PRIu64 ".%" PRIu32, a->lead_id, a->number);
	if ((code = edit_fields(rc, t, q, a)) || (code = activity_check(rc, a, name)))
		return code;
	if (old->state != LEADD__ACTIVITY_STATE__ACTIVITY_OPEN &&
	    a->state == LEADD__ACTIVITY_STATE__ACTIVITY_OPEN &&
	    (code = activity_room_open(rc, t, a->lead_id)))
		return code;
	if (same_activity(rc, old, a)) {
		/* Nothing changes: nothing recorded, the version stays. */
		Leadd__Lead *lead;
		if ((code = lead_load_visible(rc, t, a->lead_id, &lead)))
			return code;
		return activity_reply(rc, t, old, lead);
	}
	return apply_and_reply(rc, t, old->lead_id, old, a,
			       LEADD__STORE__ACTIVITY_OP__ACTIVITY_EDITED);
}
