#include "activity_rules.h"

#include <inttypes.h>
#include <stdio.h>

#include "activity_core.h"
#include "ld_error.h"
#include "ld_norm.h"
#include "lead_handlers.h"
#include "users.h"

const char *activity_kind_word(Leadd__ActivityKind kind)
{
	switch (kind) {
	case LEADD__ACTIVITY_KIND__ACTIVITY_NOTE:
		return "note";
	case LEADD__ACTIVITY_KIND__ACTIVITY_CALL:
		return "call";
	case LEADD__ACTIVITY_KIND__ACTIVITY_TASK:
		return "task";
	case LEADD__ACTIVITY_KIND__ACTIVITY_MEETING:
		return "meeting";
	default:
		return "activity";
	}
}

int activity_check_kind(request_ctx *rc, Leadd__ActivityKind kind)
{
	if (kind < LEADD__ACTIVITY_KIND__ACTIVITY_NOTE ||
	    kind > LEADD__ACTIVITY_KIND__ACTIVITY_MEETING)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "say what kind of activity it is: a note, a call, a task or "
				     "a meeting");
	return LD_OK;
}

/* The fields a kind has no use for: refused rather than stored unseen. */
static int check_unused(request_ctx *rc, const Leadd__Activity *a, const char *name)
{
	Leadd__ActivityKind k = a->kind;
	int note = k == LEADD__ACTIVITY_KIND__ACTIVITY_NOTE;
	int meeting = k == LEADD__ACTIVITY_KIND__ACTIVITY_MEETING;
	int call = k == LEADD__ACTIVITY_KIND__ACTIVITY_CALL;
	if (a->place && !meeting)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "%s has no place: only a meeting has one", name);
	if (a->has_duration_ms && a->duration_ms && !meeting && !call)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "%s has no duration: only calls and meetings have one", name);
	if (note && a->outcome)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "%s has no outcome: write it in the note's text", name);
	return LD_OK;
}

int activity_check(request_ctx *rc, const Leadd__Activity *a, const char *name)
{
	int open = a->state == LEADD__ACTIVITY_STATE__ACTIVITY_OPEN;
	int code = check_unused(rc, a, name);
	if (code)
		return code;
	switch (a->kind) {
	case LEADD__ACTIVITY_KIND__ACTIVITY_NOTE:
		if (ld_is_blank(a->text))
			return dispatch_fail(rc, LD_INVALID_ARGUMENT,
					     "%s needs its text: say what to note", name);
		if (open)
			return dispatch_fail(rc, LD_INVALID_ARGUMENT,
					     "%s cannot be open: a note is not something to do",
					     name);
		break;
	case LEADD__ACTIVITY_KIND__ACTIVITY_CALL:
		break;
	case LEADD__ACTIVITY_KIND__ACTIVITY_TASK:
	case LEADD__ACTIVITY_KIND__ACTIVITY_MEETING:
		if (ld_is_blank(a->title))
			return dispatch_fail(rc, LD_INVALID_ARGUMENT,
					     "%s needs a title: say what it is about", name);
		break;
	default:
		return activity_check_kind(rc, a->kind);
	}
	if (a->has_duration_ms && (a->duration_ms < 0 || a->duration_ms > ACTIVITY_DURATION_MAX_MS))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "%s cannot last %s: give a duration of at most 7 days", name,
				     a->duration_ms < 0 ? "less than nothing" : "that long");
	if (a->at < 0)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "%s's time is before 1970: give a real date", name);
	if (open && !a->at) {
		const char *when = a->kind == LEADD__ACTIVITY_KIND__ACTIVITY_TASK
					   ? "when it is due"
					   : "when it is (its date and time)";
		return dispatch_fail(rc, LD_INVALID_ARGUMENT, "%s needs a time: say %s", name,
				     when);
	}
	if (open && a->at > rc->now + ACTIVITY_AHEAD_MAX_MS)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "%s is more than 10 years ahead: check the date", name);
	if (!open && a->kind == LEADD__ACTIVITY_KIND__ACTIVITY_CALL &&
	    a->at > rc->now + ACTIVITY_CLOCK_SKEW_MS)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "%s is logged as done but its time is in the future: give "
				     "when it happened, or plan it without an outcome",
				     name);
	return LD_OK;
}

int activity_assignee(request_ctx *rc, store_txn *t, const Leadd__Lead *lead, const char *name,
		      uint64_t *id)
{
	if (ld_is_blank(name))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "say who the activity is for: a user name");
	user_record *u;
	int err = user_find(t, name, &rc->arena, &u);
	if (err == MDB_NOTFOUND)
		return dispatch_fail(rc, LD_NOT_FOUND, "there is no user '%s'", name);
	if (err)
		return dispatch_store_error(rc, err);
	if (u->disabled)
		return dispatch_fail(rc, LD_FAILED_PRECONDITION,
				     "user '%s' is disabled; give the activity to an active user",
				     name);
	/* On someone's agenda means they can open the lead from it. */
	principal_t who;
	if ((err = user_principal(t, u, &rc->arena, &who)))
		return dispatch_store_error(rc, err);
	if (!principal_may_see_lead(&who, t, &rc->arena, lead))
		return dispatch_fail(rc, LD_FAILED_PRECONDITION,
				     "user '%s' cannot see lead %" PRIu64
				     ", so it cannot be on their agenda; give it to someone who "
				     "can (its owner, or a manager of its team)",
				     name, lead->id);
	*id = u->id;
	return LD_OK;
}

int activity_room_open(request_ctx *rc, store_txn *t, uint64_t lead_id)
{
	size_t n = activity_open_count(t, lead_id);
	if (t->ret)
		return dispatch_store_error(rc, t->ret);
	if (n >= ACTIVITY_OPEN_MAX)
		return dispatch_fail(rc, LD_FAILED_PRECONDITION,
				     "lead %" PRIu64 " has %d open activities, the most a lead may "
				     "have; mark some done (lead done) or remove them (lead "
				     "activity rm) first",
				     lead_id, ACTIVITY_OPEN_MAX);
	return LD_OK;
}

int activity_load_for_edit(request_ctx *rc, store_txn *t, uint64_t lead_id, uint32_t number,
			   int has_expected, uint64_t expected, Leadd__Activity **out)
{
	Leadd__Lead *lead;
	int code = lead_load_visible(rc, t, lead_id, &lead);
	if (code)
		return code;
	int err = number ? activity_load(t, lead_id, number, &rc->arena, out) : MDB_NOTFOUND;
	if (err == MDB_NOTFOUND)
		return dispatch_fail(rc, LD_NOT_FOUND,
				     "lead %" PRIu64 " has no activity %" PRIu64 ".%" PRIu32
				     "; 'lead activity ls %" PRIu64 "' lists them",
				     lead_id, lead_id, number, lead_id);
	if (err)
		return dispatch_store_error(rc, err);
	if (has_expected && (*out)->version != expected)
		return dispatch_fail(rc, LD_ABORTED,
				     "activity %" PRIu64 ".%" PRIu32
				     " changed since version %" PRIu64
				     " (it is now at version %" PRIu64 "); read it again and retry",
				     lead_id, number, expected, (*out)->version);
	return LD_OK;
}

char *activity_user_name(request_ctx *rc, store_txn *t, uint64_t user_id)
{
	user_record *u;
	if (!user_id || user_load(t, user_id, &rc->arena, &u) != 0 || !u->name)
		return NULL;
	return u->name;
}
