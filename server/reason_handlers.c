/* Dead and lost reasons per team (issue 12): reason_add, reason_list,
 * reason_rm. A manager keeps the lists of the teams they see; an admin
 * keeps any team's and the list for every team (a Reason without a team).
 * Everyone may read the lists of their own teams and the global one: a rep
 * picks from them when a lead dies. The store side is reasons.c. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ld_error.h"
#include "ld_norm.h"
#include "lifecycle_handlers.h"
#include "reasons.h"
#include "users.h"

/* Reasons one reason_list answers at most: 2000 of at most 200 bytes, with
 * a team name each, stay well under the 1 MiB frame. A rep or manager sees
 * at most 17 lists (PRINCIPAL_MAX_TEAMS and the global one) of 100; an
 * admin naming no team may pass it, and is asked to name one. */
#define REASON_LIST_MAX 2000

/* The team a request names: 0 (global) when absent. A team the caller does
 * not see is NOT_FOUND, as user and lead requests answer. */
static int named_team(request_ctx *rc, store_txn *t, const char *name, uint64_t *team_id)
{
	*team_id = 0;
	if (!name)
		return LD_OK;
	team_record *tm;
	int err = team_find(t, name, &rc->arena, &tm);
	if (err == MDB_NOTFOUND ||
	    (err == 0 && rc->who.role < ROLE_ADMIN && !principal_has_team(&rc->who, tm->id)))
		return dispatch_fail(rc, LD_NOT_FOUND, "no team '%s' among yours", name);
	if (err)
		return dispatch_store_error(rc, err);
	*team_id = tm->id;
	return LD_OK;
}

/* Changing a list: a team's by its managers (and admins), the global one
 * by admins only. */
static int may_change(request_ctx *rc, uint64_t team_id, const char *doing)
{
	if (team_id == 0 && rc->who.role < ROLE_ADMIN)
		return dispatch_fail(rc, LD_PERMISSION_DENIED,
				     "only an admin %s the reasons every team shares; name one of "
				     "your teams for a reason of that team alone",
				     doing);
	return LD_OK;
}

static Leadd__Reason *reason_to_wire(request_ctx *rc, store_txn *t, const reason_record *r)
{
	Leadd__Reason *w = ld_arena_alloc(&rc->arena, sizeof(*w));
	if (!w)
		return NULL;
	leadd__reason__init(w);
	w->text = r->text;
	if (r->team_id) {
		team_record *tm;
		int err = team_load(t, r->team_id, &rc->arena, &tm);
		if (err == 0)
			w->team = tm->name;
		else if (err == MDB_NOTFOUND)
			w->team = "(removed team)";
		else
			return NULL;
	}
	return w;
}

/* The answer: `n` reasons (reason_add and reason_rm: the one changed). */
static int reply(request_ctx *rc, store_txn *t, reason_record **rs, size_t n)
{
	Leadd__ReasonListReply *w = ld_arena_alloc(&rc->arena, sizeof(*w));
	Leadd__Reason **list = ld_arena_alloc(&rc->arena, (n + 1) * sizeof(*list));
	if (!w || !list)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__reason_list_reply__init(w);
	for (size_t i = 0; i < n; i++)
		if (!(list[i] = reason_to_wire(rc, t, rs[i])))
			return t->ret ? dispatch_store_error(rc, t->ret)
				      : dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	w->reasons = list;
	w->n_reasons = n;
	rc->resp.body_case = LEADD__RESPONSE__BODY_REASON_LIST;
	rc->resp.reason_list = w;
	return LD_OK;
}

int reason_add(request_ctx *rc, store_txn *t)
{
	const Leadd__ReasonAddRequest *q = rc->req->reason_add;
	const Leadd__Reason *in = q->reason;
	uint64_t team_id;
	int code;
	if (!in || ld_is_blank(in->text))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT, "say the reason's text");
	if ((code = named_team(rc, t, in->team, &team_id)) ||
	    (code = may_change(rc, team_id, "adds")))
		return code;
	uint8_t key[8 + REASON_KEY_TEXT_MAX + 1];
	size_t len;
	if (reason_key(team_id, in->text, key, &len) < 0)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "the reason '%s' has no letters or digits, or is too long "
				     "once its letters are normalised",
				     in->text);
	reason_record *have;
	int err = reason_find(t, team_id, in->text, &rc->arena, &have);
	if (err == 0)
		return dispatch_fail(rc, LD_ALREADY_EXISTS, "'%s' is already a reason of %s%s%s",
				     have->text, in->team ? "team '" : "every team",
				     in->team ? in->team : "", in->team ? "'" : "");
	if (err == MDB_NOTFOUND && team_id) {
		err = reason_find(t, 0, in->text, &rc->arena, &have);
		if (err == 0)
			return dispatch_fail(rc, LD_ALREADY_EXISTS,
					     "'%s' is already a reason of every team, team '%s' "
					     "included",
					     have->text, in->team);
	}
	/* A global reason a team's list already holds would be listed twice
	 * for that team (and counted under two spellings): refused, as a
	 * team's reason equal to a global one is above. */
	if (err == MDB_NOTFOUND && !team_id) {
		err = reason_find_in_teams(t, in->text, &rc->arena, &have);
		team_record *tm;
		if (err == 0 && team_load(t, have->team_id, &rc->arena, &tm) == 0)
			return dispatch_fail(
				rc, LD_ALREADY_EXISTS,
				"'%s' is already a reason of team '%s'; remove it there "
				"before adding it for every team",
				have->text, tm->name);
		if (err == 0)
			return dispatch_fail(rc, LD_ALREADY_EXISTS,
					     "'%s' is already a reason of a team; remove it there "
					     "before adding it for every team",
					     have->text);
	}
	if (err != MDB_NOTFOUND)
		return dispatch_store_error(rc, err);
	size_t count;
	if ((err = reason_team_count(t, team_id, &count)))
		return dispatch_store_error(rc, err);
	if (count >= REASONS_PER_TEAM_MAX)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED,
				     "%s%s%s already has %d reasons, the most a list may hold; "
				     "remove one first",
				     in->team ? "team '" : "the list for every team",
				     in->team ? in->team : "", in->team ? "'" : "",
				     REASONS_PER_TEAM_MAX);

	reason_record *r = ld_arena_alloc(&rc->arena, sizeof(*r));
	if (!r)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__store__reason_record__init(r);
	r->has_team_id = r->has_created_at = r->has_created_by = 1;
	r->team_id = team_id;
	r->text = in->text;
	r->created_at = rc->now;
	r->created_by = rc->who.user_id;
	reason_put(t, r);
	if (t->ret)
		return dispatch_store_error(rc, t->ret);
	return reply(rc, t, &r, 1);
}

int reason_rm(request_ctx *rc, store_txn *t)
{
	const Leadd__ReasonRemoveRequest *q = rc->req->reason_rm;
	const Leadd__Reason *in = q->reason;
	uint64_t team_id;
	int code;
	if (!in || ld_is_blank(in->text))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT, "say which reason to remove");
	if ((code = named_team(rc, t, in->team, &team_id)) ||
	    (code = may_change(rc, team_id, "removes")))
		return code;
	reason_record *r;
	int err = reason_find(t, team_id, in->text, &rc->arena, &r);
	if (err == MDB_NOTFOUND)
		return dispatch_fail(rc, LD_NOT_FOUND, "'%s' is not a reason of %s%s%s%s", in->text,
				     in->team ? "team '" : "every team", in->team ? in->team : "",
				     in->team ? "'" : "",
				     in->team ? "" : "; name its team if it is one team's");
	if (err)
		return dispatch_store_error(rc, err);
	/* Leads that died for it keep their reason: they hold its text. */
	reason_del(t, r);
	if (t->ret)
		return dispatch_store_error(rc, t->ret);
	return reply(rc, t, &r, 1);
}

/* The teams whose lists a caller reads when they name none: their own
 * (every team for an admin). */
static int caller_teams(request_ctx *rc, store_txn *t, uint64_t **ids, size_t *n)
{
	if (rc->who.role == ROLE_ADMIN) {
		team_record **all;
		size_t nt;
		int err = team_all(t, &rc->arena, &all, &nt);
		if (err)
			return dispatch_store_error(rc, err);
		*ids = ld_arena_alloc(&rc->arena, (nt + 1) * sizeof(**ids));
		if (!*ids)
			return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
		for (size_t i = 0; i < nt; i++)
			(*ids)[i] = all[i]->id;
		*n = nt;
		return LD_OK;
	}
	*ids = (uint64_t *)rc->who.teams;
	*n = rc->who.n_teams;
	return LD_OK;
}

int reason_list(request_ctx *rc, store_txn *t)
{
	const Leadd__ReasonListRequest *q = rc->req->reason_list;
	uint64_t one, *teams = NULL;
	size_t n_teams = 0;
	int code;
	if (q->team) {
		if ((code = named_team(rc, t, q->team, &one)))
			return code;
		teams = &one;
		n_teams = 1;
	} else if ((code = caller_teams(rc, t, &teams, &n_teams))) {
		return code;
	}
	/* Each list holds at most REASONS_PER_TEAM_MAX: the global one first,
	 * then each team's. */
	size_t total = 0;
	for (size_t i = 0; i <= n_teams; i++) {
		size_t count;
		int err = reason_team_count(t, i == 0 ? 0 : teams[i - 1], &count);
		if (err)
			return dispatch_store_error(rc, err);
		if (i == 0 || teams[i - 1] != 0)
			total += count;
	}
	if (total > REASON_LIST_MAX)
		return dispatch_fail(rc, LD_FAILED_PRECONDITION,
				     "the teams' lists hold %zu reasons, more than one answer "
				     "gives (%d): name a team",
				     total, REASON_LIST_MAX);
	size_t cap = total, n = 0;
	reason_record **all = ld_arena_alloc(&rc->arena, (cap + 1) * sizeof(*all));
	if (!all)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	for (size_t i = 0; i <= n_teams; i++) {
		uint64_t team = i == 0 ? 0 : teams[i - 1];
		if (i > 0 && team == 0)
			continue;
		size_t got;
		int more;
		int err = reason_team_list(t, team, &rc->arena, all + n, cap - n, &got, &more);
		if (err)
			return dispatch_store_error(rc, err);
		n += got;
	}
	return reply(rc, t, all, n);
}
