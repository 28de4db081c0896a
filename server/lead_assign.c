/* Who owns a lead: claim from the pool, assign, round-robin, bulk moves.
 * Every ownership change goes through the write core as CHANGE_ASSIGN, so
 * the lead's history says who moved it, from whom, to whom and when. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "activity_core.h"
#include "ld_error.h"
#include "lead_handlers.h"
#include "log.h"
#include "search_query.h"
#include "session_check.h"
#include "status.h"

/* In meta (store_meta_mark): a user whose leads are still following them
 * to their new team. */
#define TEAM_MOVE_KEY "team_move/"

/* Leads moved per transaction by a bulk assign or a team change: keeps
 * each commit short, so other connections' writes interleave. */
#define BULK_CHUNK 500
/* A chunk also ends once the leads it loaded take this much memory, with
 * those of every other chunk in the same transaction (each moves at least
 * one lead), and that memory is freed once the chunk is done (writer.c):
 * moves of any size and number cost about this much, whatever the leads
 * hold. */
#define BULK_CHUNK_BYTES (16u << 20)
/* Hard cap of one chunk's arena: the byte mark above plus one largest lead
 * loaded twice fits well under it. */
#define BULK_CHUNK_ARENA (64u << 20)
/* A chunk also ends once its leads' open activities, which follow their
 * owner, pass this many: a commit rewrites about this many activity
 * records at most (a lead has at most ACTIVITY_OPEN_MAX open). */
#define BULK_CHUNK_ACTIVITIES 5000
/* Failed lead ids listed in a bulk reply; failed_count has them all. */
#define BULK_FAILED_IDS_MAX 100

int lead_round_robin(request_ctx *rc, store_txn *t, Leadd__Lead *lead, team_record *tm)
{
	uint64_t next;
	if (team_next_rep(t, tm, &rc->arena, &next) != 0 || !next)
		return t->ret;
	lead->owner_id = next;
	tm->has_round_robin_last = 1;
	tm->round_robin_last = next;
	team_put(t, tm, 0);
	return t->ret;
}

/* May the caller see (and so claim from) this team's pool? */
static int sees_pool(request_ctx *rc, store_txn *t, uint64_t team_id)
{
	if (rc->who.role >= ROLE_ADMIN)
		return 1;
	if (!team_id || !principal_has_team(&rc->who, team_id))
		return 0;
	team_record *tm;
	return rc->who.role >= ROLE_MANAGER ||
	       (team_load(t, team_id, &rc->arena, &tm) == 0 && tm->pool_visible);
}

static int apply_owner(request_ctx *rc, store_txn *t, const Leadd__Lead *old, uint64_t owner,
		       uint64_t team, team_record *round_robin)
{
	Leadd__Lead *lead;
	int err = lead_load(t, old->id, &rc->arena, &lead);
	if (err)
		return dispatch_store_error(rc, err);
	lead->owner_id = owner;
	lead->has_team_id = 1;
	lead->team_id = team;
	if (round_robin && lead_round_robin(rc, t, lead, round_robin))
		return dispatch_store_error(rc, t->ret);
	if (lead->owner_id == old->owner_id && lead->team_id == old->team_id)
		return lead_reply(rc, (Leadd__Lead *)old); /* nothing changes */
	lead_change ch = lead_change_of(rc, LEADD__STORE__CHANGE_KIND__CHANGE_ASSIGN);
	if (lead_apply(t, old, lead, &ch) != 0)
		return dispatch_store_error(rc, t->ret);
	return lead_reply(rc, lead);
}

int lead_claim(request_ctx *rc, store_txn *t)
{
	uint64_t id = rc->req->lead_claim->id;
	if (!id)
		return lead_missing_id(rc);
	Leadd__Lead *lead;
	int err = lead_load(t, id, &rc->arena, &lead);
	if (err && err != MDB_NOTFOUND)
		return dispatch_store_error(rc, err);
	if (!err && lead->owner_id && lead->owner_id == rc->who.user_id)
		return lead_reply(rc, lead); /* already yours: claiming again is harmless */
	/* Someone else's lead is NOT_FOUND unless the caller may see it anyway
	 * (a manager of the owner's team), exactly as in every other request:
	 * saying who has it would reveal the lead. */
	if (err || (lead->owner_id ? !dispatch_may_see_lead(rc, t, lead)
				   : !sees_pool(rc, t, lead->team_id)))
		return dispatch_fail(rc, LD_NOT_FOUND, "lead %" PRIu64 " not found", id);
	if (lead->owner_id) {
		user_record *owner;
		const char *name = user_load(t, lead->owner_id, &rc->arena, &owner) == 0
					   ? owner->name
					   : "another user";
		return dispatch_fail(rc, LD_FAILED_PRECONDITION,
				     "lead %" PRIu64 " was already claimed by %s", id, name);
	}
	/* The lead's team follows its new owner (a manager claiming from a
	 * team they manage takes it into their own team). */
	user_record *self;
	if ((err = user_load(t, rc->who.user_id, &rc->arena, &self)))
		return dispatch_store_error(rc, err == MDB_NOTFOUND ? MDB_CORRUPTED : err);
	return apply_owner(rc, t, lead, rc->who.user_id, self->team_id, NULL);
}

/* An active user the caller may give leads to. */
static int find_assignee(request_ctx *rc, store_txn *t, const char *name, ld_arena *ar,
			 user_record **out)
{
	int err = user_find(t, name, ar, out);
	if (err == MDB_NOTFOUND || (err == 0 && rc->who.role < ROLE_ADMIN &&
				    !principal_has_team(&rc->who, (*out)->team_id)))
		return dispatch_fail(rc, LD_NOT_FOUND, "no user '%s' in your teams", name);
	if (err)
		return dispatch_store_error(rc, err);
	if ((*out)->disabled)
		return dispatch_fail(rc, LD_FAILED_PRECONDITION,
				     "user '%s' is disabled; assign to an active user", name);
	return LD_OK;
}

int lead_assign(request_ctx *rc, store_txn *t)
{
	const Leadd__LeadAssignRequest *q = rc->req->lead_assign;
	Leadd__Lead *lead;
	int code;
	if ((code = lead_load_visible(rc, t, q->id, &lead)))
		return code;
	if (q->has_expected_version && lead->version != q->expected_version)
		return dispatch_fail(rc, LD_ABORTED,
				     "lead %" PRIu64 " changed since version %" PRIu64
				     " (it is now at version %" PRIu64 "); read it again and retry",
				     lead->id, q->expected_version, lead->version);
	switch (q->target_case) {
	case LEADD__LEAD_ASSIGN_REQUEST__TARGET_TO_USER: {
		user_record *u;
		if ((code = find_assignee(rc, t, q->to_user, &rc->arena, &u)))
			return code;
		return apply_owner(rc, t, lead, u->id, u->team_id, NULL);
	}
	case LEADD__LEAD_ASSIGN_REQUEST__TARGET_TO_POOL:
	case LEADD__LEAD_ASSIGN_REQUEST__TARGET_ROUND_ROBIN: {
		/* A oneof member set to false says nothing: refuse it rather than
		 * guess what the client meant. */
		if (q->target_case == LEADD__LEAD_ASSIGN_REQUEST__TARGET_TO_POOL && !q->to_pool)
			return dispatch_fail(rc, LD_INVALID_ARGUMENT,
					     "the request asks to put the lead back in the pool "
					     "with 'no'; ask for the pool, the next rep or a user");
		if (q->target_case == LEADD__LEAD_ASSIGN_REQUEST__TARGET_ROUND_ROBIN &&
		    !q->round_robin)
			return dispatch_fail(
				rc, LD_INVALID_ARGUMENT,
				"the request asks to give the lead to the team's next rep "
				"with 'no'; ask for the pool, the next rep or a user");
		team_record *tm;
		if (!lead->team_id || team_load(t, lead->team_id, &rc->arena, &tm) != 0)
			return dispatch_fail(rc, LD_FAILED_PRECONDITION,
					     "lead %" PRIu64
					     " belongs to no team; assign it to a user",
					     lead->id);
		if (q->target_case == LEADD__LEAD_ASSIGN_REQUEST__TARGET_TO_POOL)
			return apply_owner(rc, t, lead, 0, lead->team_id, NULL);
		uint64_t next;
		if (team_next_rep(t, tm, &rc->arena, &next) != 0 || !next)
			return dispatch_fail(rc, LD_FAILED_PRECONDITION,
					     "team %s has no active rep to take the lead",
					     tm->name);
		return apply_owner(rc, t, lead, 0, lead->team_id, tm);
	}
	default:
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "say where the lead goes: to a user, to its team's pool, "
				     "or round-robin");
	}
}

/* ---- work split over several commits ---- */

static void chunk_commit(request_ctx *rc)
{
	rc->chunks_done++;
	rc->chunk_after = rc->chunk_after_pending;
	rc->chunk_moved = rc->chunk_moved_pending;
	rc->n_chunk_failed = rc->n_chunk_failed_pending;
	rc->chunk_failed_total = rc->chunk_failed_total_pending;
}

/* Start a chunk: the first sets the request up, every one (a replay too)
 * starts from what the committed chunks did, with an empty chunk arena. */
static void chunk_begin(request_ctx *rc, void (*finish)(request_ctx *rc), int stoppable)
{
	if (!rc->chunk_commit) {
		rc->chunk_commit = chunk_commit;
		rc->chunk_finish = finish;
		rc->chunk_stoppable = stoppable;
		ld_arena_init(&rc->chunk_arena, BULK_CHUNK_ARENA);
	}
	ld_arena_reset(&rc->chunk_arena);
	rc->chunk_after_pending = rc->chunk_after;
	rc->chunk_moved_pending = rc->chunk_moved;
	rc->n_chunk_failed_pending = rc->n_chunk_failed;
	rc->chunk_failed_total_pending = rc->chunk_failed_total;
}

/* Two copies of a lead of `owner` to move (the write core needs the old one
 * intact). 0; 1 when the lead cannot be read or is not the owner's after
 * all (a missing or damaged record, a stale index entry: it is reported,
 * not moved, and the move goes on); or t->ret. */
static int load_for_move(store_txn *t, uint64_t id, uint64_t owner, ld_arena *ar, Leadd__Lead **old,
			 Leadd__Lead **lead)
{
	uint8_t key[8];
	MDB_val v;
	store_key_u64(key, id);
	int err = store_get(t, DB_LEADS, key, 8, &v);
	if (err == MDB_NOTFOUND)
		return 1;
	if (err)
		return err;
	*old = leadd__lead__unpack(&ar->pb, v.mv_size, v.mv_data);
	*lead = *old ? leadd__lead__unpack(&ar->pb, v.mv_size, v.mv_data) : NULL;
	if (!*lead)
		return ar->exhausted ? (t->ret = ENOMEM) : 1;
	return (*old)->id == id && (*old)->owner_id == owner ? 0 : 1;
}

static void note_failed(request_ctx *rc, uint64_t id)
{
	if (rc->chunk_failed && rc->n_chunk_failed_pending < BULK_FAILED_IDS_MAX)
		rc->chunk_failed[rc->n_chunk_failed_pending++] = id;
	rc->chunk_failed_total_pending++;
}

/* Move one chunk of `owner`'s leads (only those in `status` when not 0):
 * each gets owner `to` and team `team`, through the write core. Sets
 * rc->again when leads are left. Returns t->ret. */
static int move_chunk(request_ctx *rc, store_txn *t, uint64_t owner, uint64_t status, uint64_t to,
		      uint64_t team)
{
	ld_arena *ar = &rc->chunk_arena;
	uint64_t *ids = ld_arena_alloc(ar, BULK_CHUNK * sizeof(*ids));
	if (!ids)
		return t->ret = ENOMEM;
	int more;
	size_t n = lead_owned_ids(t, owner, rc->chunk_after, ids, BULK_CHUNK, &more);
	size_t acts = 0; /* open activities the chunk's leads hand over */
	for (size_t i = 0; i < n && !t->ret; i++) {
		if (i > 0 && t->chunk_bytes + ar->used > BULK_CHUNK_BYTES) {
			more = 1; /* this chunk's memory is spent: the rest next time */
			break;
		}
		/* Each lead's open activities follow it (activity_follow_owner):
		 * up to ACTIVITY_OPEN_MAX record writes more per lead. */
		acts += activity_open_count(t, ids[i]);
		if (i > 0 && acts > BULK_CHUNK_ACTIVITIES) {
			more = 1;
			break;
		}
		Leadd__Lead *old, *lead;
		rc->chunk_after_pending = ids[i];
		int err = load_for_move(t, ids[i], owner, ar, &old, &lead);
		if (err == 1) {
			note_failed(rc, ids[i]);
			continue;
		}
		if (err)
			break;
		if (status && old->status_id != status)
			continue;
		if (old->owner_id == to && old->team_id == team)
			continue; /* already where it should be */
		lead->owner_id = to;
		lead->has_team_id = 1;
		lead->team_id = team;
		lead_change ch = lead_change_of(rc, LEADD__STORE__CHANGE_KIND__CHANGE_ASSIGN);
		ch.arena = ar; /* the activities it loads count in the chunk's memory */
		if (lead_apply(t, old, lead, &ch) != 0)
			break;
		rc->chunk_moved_pending++;
	}
	t->chunk_bytes += ar->used;
	rc->again = more && !t->ret;
	return t->ret;
}

static void bulk_reply(request_ctx *rc)
{
	Leadd__LeadBulkAssignReply *r = ld_arena_alloc(&rc->arena, sizeof(*r));
	if (!r)
		return; /* the answer goes out without its body; the message says it */
	leadd__lead_bulk_assign_reply__init(r);
	r->has_moved = r->has_failed_count = 1;
	r->moved = rc->chunk_moved;
	r->failed_count = rc->chunk_failed_total;
	r->n_failed_ids = rc->n_chunk_failed;
	r->failed_ids = rc->chunk_failed;
	if (rc->code != LD_OK)
		r->failure = rc->message;
	else if (rc->chunk_failed_total)
		r->failure = "these leads could not be read, or the owner index was wrong "
			     "about them, so they were not moved; run 'leadd verify' on the "
			     "server";
	rc->resp.body_case = LEADD__RESPONSE__BODY_LEAD_BULK_ASSIGN;
	rc->resp.lead_bulk_assign = r;
}

/* The bulk assign leaves the writer: say what moved, however it ended. */
static void bulk_finish(request_ctx *rc)
{
	if (rc->chunk_stopped) {
		dispatch_fail(rc, LD_UNAVAILABLE,
			      "leadd is shutting down: %" PRIu64 " of the leads were moved, the "
			      "others were not; run the command again when leadd is back to "
			      "move the rest",
			      rc->chunk_moved);
	} else if (rc->code != LD_OK) {
		if (!rc->chunks_done)
			return; /* nothing changed: a plain error answer */
		char why[sizeof(rc->message)];
		snprintf(why, sizeof(why), "%s", rc->message);
		dispatch_fail(rc, rc->code,
			      "%s; %" PRIu64 " of the leads were moved before that, the others "
			      "were not; run the command again to move the rest",
			      why, rc->chunk_moved);
	}
	rc->body_on_error = 1;
	bulk_reply(rc);
}

int lead_bulk_assign(request_ctx *rc, store_txn *t)
{
	const Leadd__LeadBulkAssignRequest *q = rc->req->lead_bulk_assign;
	user_record *from, *to;
	int code;
	chunk_begin(rc, bulk_finish, 1);
	if (!rc->chunk_failed &&
	    !(rc->chunk_failed = ld_arena_alloc(&rc->arena,
						BULK_FAILED_IDS_MAX * sizeof(*rc->chunk_failed))))
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	/* Checked again before every chunk: a user disabled or moved between
	 * chunks stops the move there, and so does the caller's session
	 * ending or their rights shrinking (a demotion, a team taken away). */
	ld_arena *ar = &rc->chunk_arena;
	if ((code = session_recheck(rc, t, ar)))
		return code;
	int err = q->from_user ? user_find(t, q->from_user, ar, &from) : MDB_NOTFOUND;
	if (err == MDB_NOTFOUND ||
	    (err == 0 && rc->who.role < ROLE_ADMIN && !principal_has_team(&rc->who, from->team_id)))
		return dispatch_fail(rc, LD_NOT_FOUND, "no user '%s' in your teams",
				     q->from_user ? q->from_user : "");
	if (err)
		return dispatch_store_error(rc, err);
	if (!q->to_user)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT, "say which user the leads go to");
	if ((code = find_assignee(rc, t, q->to_user, ar, &to)))
		return code;
	uint64_t status_id = q->has_status_id ? q->status_id : 0;
	if (q->has_status_id && q->status)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "name the status or give its id, not both");
	if (q->status) {
		/* The server's one reading of status words (lead_set_status's). */
		if ((code = search_status_resolve_one(rc, t, q->status, &status_id)))
			return code;
	} else if (q->has_status_id) {
		Leadd__Status *s;
		if (status_load(t, q->status_id, ar, &s) != 0)
			return dispatch_fail(rc, LD_INVALID_ARGUMENT,
					     "status %" PRIu64 " does not exist", q->status_id);
	}
	if (from->id == to->id)
		return LD_OK; /* nothing moves; the reply says moved 0 */
	if (move_chunk(rc, t, from->id, status_id, to->id, to->team_id))
		return dispatch_store_error(rc, t->ret);
	return LD_OK;
}

/* ---- a user's leads follow them to a new team ---- */

static void follow_finish(request_ctx *rc)
{
	if (rc->code != LD_OK && rc->chunks_done) {
		char why[sizeof(rc->message)];
		snprintf(why, sizeof(why), "%s", rc->message);
		dispatch_fail(rc, rc->code,
			      "%s; the user is in the new team and %" PRIu64
			      " of their leads followed, the others did not; run the same "
			      "command again to move the rest",
			      why, rc->chunk_moved);
	}
}

int lead_follow_owner_team(request_ctx *rc, store_txn *t, uint64_t user_id, uint64_t team_id)
{
	/* Not stoppable: leadd finishes the move before it stops, so a lead's
	 * team is its owner's whenever leadd is down. */
	chunk_begin(rc, follow_finish, 0);
	if (move_chunk(rc, t, user_id, 0, user_id, team_id))
		return dispatch_store_error(rc, t->ret);
	store_meta_mark(t, TEAM_MOVE_KEY, user_id, rc->again);
	return t->ret ? dispatch_store_error(rc, t->ret) : LD_OK;
}

/* ---- a team change interrupted by a crash ---- */

/* In meta, "team_move/" and a user id (u64 BE): that user's leads are still
 * following them to their team. Written by every chunk that leaves leads
 * behind, deleted by the last, so after a crash (SIGKILL, power loss) the
 * next start finishes the move. */

/* One chunk of user_id's leads into their team, in t; the mark goes with
 * the last. *after: the last lead looked at. Returns how many moved. */
static uint64_t finish_chunk(store_txn *t, uint64_t user_id, uint64_t *after, ld_arena *ar)
{
	static uint64_t ids[BULK_CHUNK];
	user_record *u;
	int more = 0;
	uint64_t moved = 0;
	ld_arena_reset(ar);
	int err = user_load(t, user_id, ar, &u);
	if (err && err != MDB_NOTFOUND)
		return 0;
	uint64_t team = err ? 0 : u->team_id;
	size_t n = err ? 0 : lead_owned_ids(t, user_id, *after, ids, BULK_CHUNK, &more);
	/* The arena: the write core loads a lead's next activity there. */
	lead_change ch = {.now = server_now_ms(),
			  .author = 0,
			  .kind = LEADD__STORE__CHANGE_KIND__CHANGE_ASSIGN,
			  .arena = ar};
	for (size_t i = 0; i < n && !t->ret; i++) {
		Leadd__Lead *old, *lead;
		ld_arena_reset(ar);
		*after = ids[i];
		int r = load_for_move(t, ids[i], user_id, ar, &old, &lead);
		if (r)
			continue; /* 1: not this user's after all, left for verify */
		if (old->team_id == team)
			continue;
		lead->has_team_id = 1;
		lead->team_id = team;
		if (lead_apply(t, old, lead, &ch) == 0)
			moved++;
	}
	if (!more)
		store_meta_mark(t, TEAM_MOVE_KEY, user_id, 0);
	return moved;
}

int lead_finish_team_moves(store *st)
{
	uint64_t total = 0;
	int err = store_finish_marked(st, TEAM_MOVE_KEY, finish_chunk, BULK_CHUNK_ARENA, &total);
	if (err)
		log_error("finishing a team change that a crash interrupted failed: %s; some "
			  "leads are not in their owner's team (leadd verify lists them): run the "
			  "same 'lead user edit NAME --team TEAM' again",
			  store_strerror(err));
	else if (total)
		log_warn("a team change was interrupted by a crash: %" PRIu64
			 " lead(s) joined their owner's new team now",
			 total);
	return err;
}
