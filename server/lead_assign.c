/* Who owns a lead: claim from the pool, assign, round-robin, bulk moves.
 * Every ownership change goes through the write core as CHANGE_ASSIGN, so
 * the lead's history says who moved it, from whom, to whom and when. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ld_error.h"
#include "lead_handlers.h"
#include "status.h"

/* Leads moved per transaction by a bulk assign: keeps each commit short. */
#define BULK_CHUNK 500

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
	Leadd__Lead *lead;
	int err = lead_load(t, id, &rc->arena, &lead);
	if (err && err != MDB_NOTFOUND)
		return dispatch_store_error(rc, err);
	if (err || !sees_pool(rc, t, lead->team_id)) {
		if (!err && lead->owner_id == rc->who.user_id)
			return lead_reply(rc, lead);
		return dispatch_fail(rc, LD_NOT_FOUND, "lead %" PRIu64 " not found", id);
	}
	if (lead->owner_id == rc->who.user_id)
		return lead_reply(rc, lead); /* already yours: claiming again is harmless */
	if (lead->owner_id) {
		/* It was in the caller's pool and someone was faster. */
		user_record *owner;
		const char *name = user_load(t, lead->owner_id, &rc->arena, &owner) == 0
					   ? owner->name
					   : "another user";
		return dispatch_fail(rc, LD_FAILED_PRECONDITION,
				     "lead %" PRIu64 " was already claimed by %s", id, name);
	}
	return apply_owner(rc, t, lead, rc->who.user_id, lead->team_id, NULL);
}

/* An active user the caller may give leads to. */
static int find_assignee(request_ctx *rc, store_txn *t, const char *name, user_record **out)
{
	int err = user_find(t, name, &rc->arena, out);
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
		if ((code = find_assignee(rc, t, q->to_user, &u)))
			return code;
		return apply_owner(rc, t, lead, u->id, u->team_id, NULL);
	}
	case LEADD__LEAD_ASSIGN_REQUEST__TARGET_TO_POOL:
	case LEADD__LEAD_ASSIGN_REQUEST__TARGET_ROUND_ROBIN: {
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

static void bulk_chunk_commit(request_ctx *rc)
{
	rc->chunk_after = rc->chunk_after_pending;
	rc->chunk_moved = rc->chunk_moved_pending;
}

/* Lead ids owned by `owner` after `after`, at most `max`. */
static size_t owned_ids(store_txn *t, uint64_t owner, uint64_t after, uint64_t *ids, size_t max,
			int *more)
{
	MDB_cursor *cur;
	size_t n = 0;
	*more = 0;
	if ((t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_IDX_OWNER], &cur)))
		return 0;
	uint8_t okey[8], ikey[8];
	store_key_u64(okey, owner);
	store_key_u64(ikey, after + 1);
	MDB_val k = {8, okey}, v = {8, ikey};
	int rc = mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH_RANGE);
	while (rc == 0) {
		if (n == max) {
			*more = 1;
			break;
		}
		ids[n++] = store_key_get_u64(v.mv_data);
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP);
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		t->ret = rc;
	return n;
}

int lead_bulk_assign(request_ctx *rc, store_txn *t)
{
	const Leadd__LeadBulkAssignRequest *q = rc->req->lead_bulk_assign;
	user_record *from, *to;
	int code;
	rc->chunk_commit = bulk_chunk_commit;
	int err = q->from_user ? user_find(t, q->from_user, &rc->arena, &from) : MDB_NOTFOUND;
	if (err == MDB_NOTFOUND ||
	    (err == 0 && rc->who.role < ROLE_ADMIN && !principal_has_team(&rc->who, from->team_id)))
		return dispatch_fail(rc, LD_NOT_FOUND, "no user '%s' in your teams",
				     q->from_user ? q->from_user : "");
	if (err)
		return dispatch_store_error(rc, err);
	if (!q->to_user)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT, "say which user the leads go to");
	if ((code = find_assignee(rc, t, q->to_user, &to)))
		return code;
	if (q->has_status_id) {
		Leadd__Status *s;
		if (status_load(t, q->status_id, &rc->arena, &s) != 0)
			return dispatch_fail(rc, LD_INVALID_ARGUMENT,
					     "status %" PRIu64 " does not exist", q->status_id);
	}
	uint64_t *ids = ld_arena_alloc(&rc->arena, BULK_CHUNK * sizeof(*ids));
	if (!ids)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	int more;
	size_t n = owned_ids(t, from->id, rc->chunk_after, ids, BULK_CHUNK, &more);
	uint64_t moved = 0, last = rc->chunk_after;
	for (size_t i = 0; i < n && !t->ret; i++) {
		Leadd__Lead *old, *lead;
		last = ids[i];
		if (lead_load(t, ids[i], &rc->arena, &old) ||
		    lead_load(t, ids[i], &rc->arena, &lead))
			return dispatch_store_error(rc, t->ret ? t->ret : MDB_CORRUPTED);
		if (q->has_status_id && old->status_id != q->status_id)
			continue;
		lead->owner_id = to->id;
		lead->has_team_id = 1;
		lead->team_id = to->team_id;
		lead_change ch = lead_change_of(rc, LEADD__STORE__CHANGE_KIND__CHANGE_ASSIGN);
		if (from->id != to->id && lead_apply(t, old, lead, &ch) != 0)
			return dispatch_store_error(rc, t->ret);
		moved++;
	}
	if (t->ret)
		return dispatch_store_error(rc, t->ret);
	rc->chunk_after_pending = last;
	rc->chunk_moved_pending = rc->chunk_moved + moved;
	rc->again = more;
	Leadd__LeadBulkAssignReply *r = ld_arena_alloc(&rc->arena, sizeof(*r));
	if (!r)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__lead_bulk_assign_reply__init(r);
	r->has_moved = 1;
	r->moved = rc->chunk_moved_pending;
	rc->resp.body_case = LEADD__RESPONSE__BODY_LEAD_BULK_ASSIGN;
	rc->resp.lead_bulk_assign = r;
	return LD_OK;
}
