/* lead_set_status: move one lead to a status named by id, by word, or back
 * to the first status of its stage (reopen), with a reason when the status
 * is of class dead or lost (lead_moves.h). Every check runs before the one
 * write, which goes through the write core. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "activity_core.h"
#include "activity_rules.h"
#include "ld_error.h"
#include "ld_norm.h"
#include "lead_core.h"
#include "lead_handlers.h"
#include "lead_moves.h"
#include "reasons.h"
#include "search_query.h"
#include "status.h"

/* Reasons a refusal names at most, and the room it gives them. */
#define NAMED_REASONS_MAX 12

int lead_class_needs_reason(Leadd__KpiClass c)
{
	return c == LEADD__KPI_CLASS__KPI_DEAD || c == LEADD__KPI_CLASS__KPI_LOST;
}

static const char *class_word(Leadd__KpiClass c)
{
	return c == LEADD__KPI_CLASS__KPI_LOST ? "lost" : "dead";
}

int lead_status_check_new(request_ctx *rc, store_txn *t, uint64_t status_id)
{
	Leadd__Status *s;
	int err = status_load(t, status_id, &rc->arena, &s);
	if (err == MDB_NOTFOUND)
		return dispatch_fail(
			rc, LD_INVALID_ARGUMENT,
			"status %" PRIu64 " does not exist; 'lead statuses' lists them", status_id);
	if (err)
		return dispatch_store_error(rc, err);
	if (lead_class_needs_reason(s->kpi_class))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "a new lead cannot start in '%s': a %s lead needs a reason. "
				     "Create it in another status, then move it there with a "
				     "reason",
				     s->name ? s->name : "that status", class_word(s->kpi_class));
	return LD_OK;
}

/* The first status (by position) of `stage` not of class dead or lost:
 * what reopen moves back to; *id 0 when the stage has none. */
static int first_of_stage(request_ctx *rc, store_txn *t, Leadd__Stage stage, uint64_t *id)
{
	MDB_cursor *cur;
	int rc_ = mdb_cursor_open(t->txn, t->st->dbi[DB_STATUSES], &cur);
	if (rc_)
		return dispatch_store_error(rc, rc_);
	MDB_val k, v;
	uint32_t best_pos = 0;
	*id = 0;
	for (rc_ = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc_ == 0;
	     rc_ = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		Leadd__Status *s = leadd__status__unpack(&rc->arena.pb, v.mv_size, v.mv_data);
		if (!s) {
			rc_ = MDB_CORRUPTED;
			break;
		}
		/* Reopening is back to work: a dead or lost status an admin
		 * placed first in the stage is passed over (else reopen left a
		 * dead lead dead, answering OK). */
		if (s->stage == stage && !lead_class_needs_reason(s->kpi_class) &&
		    (!*id || s->position < best_pos)) {
			*id = s->id;
			best_pos = s->position;
		}
	}
	mdb_cursor_close(cur);
	if (rc_ != MDB_NOTFOUND)
		return dispatch_store_error(rc, rc_);
	return LD_OK;
}

/* "'A', 'B' or 'C'" from the lead's team's reasons and the global ones,
 * into out, at most `budget` bytes (out holds budget + 1); "" when there
 * are none. Only whole names go in: the refusal that carries them must fit
 * rc->message (512 bytes) whole, as a cut there would lose the sentence's
 * end (what to do) and could split a UTF-8 character. Names that do not
 * fit become "and others". */
static void reason_names(request_ctx *rc, store_txn *t, uint64_t team_id, char *out, size_t budget)
{
	static const char others[] = " and others (the team's list has them all)";
	static const char fallback[] = "the reasons of its team's list";
	reason_record *rs[2 * NAMED_REASONS_MAX];
	size_t n = 0, got;
	int more = 0, more_team = 0;
	out[0] = 0;
	if (reason_team_list(t, 0, &rc->arena, rs, NAMED_REASONS_MAX, &got, &more))
		return;
	n = got;
	if (team_id &&
	    reason_team_list(t, team_id, &rc->arena, rs + n, NAMED_REASONS_MAX, &got, &more_team))
		return;
	if (team_id)
		n += got;
	size_t all = 0; /* the bytes of every name with its separator */
	for (size_t i = 0; i < n; i++)
		all += strlen(rs[i]->text) + 4;
	int cut = more || more_team || all > budget;
	size_t room = cut ? (budget > sizeof(others) - 1 ? budget - (sizeof(others) - 1) : 0)
			  : budget;
	size_t used = 0, named = 0;
	for (size_t i = 0; i < n; i++) {
		const char *sep = i == 0 ? "" : (i + 1 == n && !cut ? " or " : ", ");
		size_t piece = strlen(sep) + strlen(rs[i]->text) + 2;
		if (used + piece > room)
			break;
		snprintf(out + used, budget + 1 - used, "%s'%s'", sep, rs[i]->text);
		used += piece;
		named++;
	}
	if (n && !named && budget >= sizeof(fallback) - 1)
		snprintf(out, budget + 1, "%s", fallback);
	else if (named < n || more || more_team)
		snprintf(out + used, budget + 1 - used, "%s", others);
}

/* The bytes rc->message leaves for the names once `rest` bytes of the
 * refusal's other words are in. */
static size_t names_budget(const request_ctx *rc, int rest)
{
	size_t cap = sizeof(rc->message) - 1;
	return rest < 0 || (size_t)rest >= cap ? 0 : cap - (size_t)rest;
}

int lead_move_reason(request_ctx *rc, store_txn *t, const char *given, int other,
		     const Leadd__Lead *lead, const char *needs, const char **text)
{
	char names[sizeof(rc->message)];
	/* The names get what the refusal's other words leave of rc->message. */
	static const char needs_fmt[] = "%s: %s, or another reason in your own words";
	if (ld_is_blank(given)) {
		reason_names(rc, t, lead->team_id, names,
			     names_budget(rc, snprintf(NULL, 0, needs_fmt, needs, "")));
		if (names[0])
			return dispatch_fail(rc, LD_FAILED_PRECONDITION, needs_fmt, needs, names);
		return dispatch_fail(rc, LD_FAILED_PRECONDITION,
				     "%s, and its team has no list of reasons: give one in your "
				     "own words, or ask a manager to set up the team's reasons",
				     needs);
	}
	/* A list's reason, even when given as another: the KPI counts it
	 * with the others given for it. */
	reason_record *r;
	int err = MDB_NOTFOUND;
	if (lead->team_id)
		err = reason_find(t, lead->team_id, given, &rc->arena, &r);
	if (err == MDB_NOTFOUND)
		err = reason_find(t, 0, given, &rc->arena, &r);
	if (err == 0) {
		*text = r->text;
		return LD_OK;
	}
	if (err != MDB_NOTFOUND)
		return dispatch_store_error(rc, err);
	if (other) {
		*text = given;
		return LD_OK;
	}
	static const char not_fmt[] = "'%s' is not one of the reasons lead %" PRIu64
				      "'s team takes (%s); to record it as it is, give it as a "
				      "reason in your own words";
	reason_names(rc, t, lead->team_id, names,
		     names_budget(rc, snprintf(NULL, 0, not_fmt, given, lead->id, "")));
	return dispatch_fail(rc, LD_FAILED_PRECONDITION, not_fmt, given, lead->id,
			     names[0] ? names : "it has none");
}

static int resolve_target(request_ctx *rc, store_txn *t, const Leadd__LeadSetStatusRequest *q,
			  const Leadd__Lead *old, uint64_t *id)
{
	if (q->status)
		return search_status_resolve_one(rc, t, q->status, id);
	if (q->has_status_id) {
		*id = q->status_id;
		return LD_OK;
	}
	Leadd__Status *now;
	int err = status_load(t, old->status_id, &rc->arena, &now);
	if (err)
		return dispatch_store_error(rc, err == MDB_NOTFOUND ? MDB_CORRUPTED : err);
	int code = first_of_stage(rc, t, now->stage, id);
	if (code == LD_OK && !*id)
		/* Not FAILED_PRECONDITION: from lead_set_status that means "give
		 * a reason" (lead and leadtop ask for one). */
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "lead %" PRIu64 " cannot be reopened: every status of its "
				     "stage is dead or lost; name the status to move it to",
				     old->id);
	return code;
}

/* A dead or lost lead has nothing left to do: its open activities close,
 * in this transaction, each a change of the lead after the move, and the
 * reply lists them. */
static int close_activities(request_ctx *rc, store_txn *t, Leadd__Lead *lead)
{
	Leadd__Activity **closed;
	size_t n;
	lead_change ch = lead_change_of(rc, LEADD__STORE__CHANGE_KIND__CHANGE_ACTIVITY);
	if (activity_close_open(t, &ch, &rc->arena, &lead, &closed, &n) != 0)
		return dispatch_store_error(rc, t->ret);
	int code = lead_reply(rc, lead);
	if (code == LD_OK) {
		for (size_t i = 0; i < n; i++)
			closed[i]->assignee = activity_user_name(rc, t, closed[i]->assignee_id);
		rc->resp.lead->closed_activities = closed;
		rc->resp.lead->n_closed_activities = n;
	}
	return code;
}

int lead_set_status(request_ctx *rc, store_txn *t)
{
	const Leadd__LeadSetStatusRequest *q = rc->req->lead_set_status;
	int reopen = q->has_reopen && q->reopen;
	Leadd__Lead *lead, *old;
	uint64_t status_id = 0;
	int code;
	if (q->has_status_id && q->status)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "name the status or give its id, not both");
	if (reopen && (q->has_status_id || q->status))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "reopening moves the lead back to the first status of its "
				     "stage: name no status with it");
	if (!q->has_status_id && !q->status && !reopen)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT, "say which status to set");
	if (q->has_other && q->other && ld_is_blank(q->reason))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "another reason needs its text: say why, in your own words");
	if ((code = lead_load_visible(rc, t, q->id, &old)))
		return code;
	if (q->has_expected_version && old->version != q->expected_version)
		return dispatch_fail(rc, LD_ABORTED,
				     "lead %" PRIu64 " changed since version %" PRIu64
				     " (it is now at version %" PRIu64 "); read it again and retry",
				     old->id, q->expected_version, old->version);
	/* A word is read by the server's one resolver, as lead_list's filter
	 * reads it, so every client agrees on what "qual" means. */
	if ((code = resolve_target(rc, t, q, old, &status_id)))
		return code;
	Leadd__Status *to;
	int err = status_load(t, status_id, &rc->arena, &to);
	if (err == MDB_NOTFOUND)
		return dispatch_fail(
			rc, LD_INVALID_ARGUMENT,
			"status %" PRIu64 " does not exist; 'lead statuses' lists them", status_id);
	if (err)
		return dispatch_store_error(rc, err);
	int needs = lead_class_needs_reason(to->kpi_class);
	if (!needs && !ld_is_blank(q->reason))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "only a move to a dead or lost status takes a reason; '%s' is "
				     "neither",
				     to->name);
	/* Already there, and no new reason: nothing to record. */
	if (old->status_id == status_id && (!needs || ld_is_blank(q->reason)))
		return lead_reply(rc, old);
	const char *reason = NULL;
	char needs_what[300];
	snprintf(needs_what, sizeof(needs_what), "lead %" PRIu64 " needs a reason to move to '%s'",
		 old->id, to->name);
	if (needs && (code = lead_move_reason(rc, t, q->reason, q->has_other && q->other, old,
					      needs_what, &reason)))
		return code;
	if (old->status_id == status_id && old->status_reason &&
	    strcmp(old->status_reason, reason) == 0)
		return lead_reply(rc, old);
	if ((code = lead_load(t, q->id, &rc->arena, &lead))) /* a copy to change */
		return dispatch_store_error(rc, code);
	lead->status_id = status_id;
	lead->status_reason = (char *)reason; /* NULL: leaving dead or lost clears it */
	lead_change ch = lead_change_of(rc, LEADD__STORE__CHANGE_KIND__CHANGE_STATUS);
	if (lead_apply(t, old, lead, &ch) != 0)
		return dispatch_store_error(rc, t->ret);
	if (needs && !(q->has_keep_activities && q->keep_activities))
		return close_activities(rc, t, lead);
	return lead_reply(rc, lead);
}
