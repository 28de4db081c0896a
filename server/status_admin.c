/* The status list, edited by admins (issue 12): status_add, status_edit,
 * status_rm. Statuses are named as every status word is read
 * (search_status_resolve_one: a name, a unique start of one, or a class
 * word that only one status has). Positions stay 1..n with no gaps, and a
 * stage has at most one conversion target; verify checks both.
 *
 * Renaming a status or changing its class changes no lead: counters, the
 * rollup and the indexes key on the status id, and classes are read from
 * the status record at read time (design.md). Removing a status moves its
 * leads first, through the write core, in chunks (as lead_bulk_assign
 * does), and deletes the record in the commit that finds it empty. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ld_error.h"
#include "ld_norm.h"
#include "lead_handlers.h"
#include "lead_moves.h"
#include "lifecycle_handlers.h"
#include "search_query.h"
#include "session_check.h"
#include "status.h"

#define NAME_FOLDED_MAX 512
/* Leads moved per commit by status_rm, and the memory one chunk may load:
 * as lead_bulk_assign's chunks (lead_assign.c). */
#define RM_CHUNK 500
#define RM_CHUNK_BYTES (16u << 20)
#define RM_CHUNK_ARENA (64u << 20)

static int oom(request_ctx *rc)
{
	return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
}

/* The list in display order, with the index of `id` in it (n when absent). */
typedef struct {
	Leadd__Status **s;
	size_t n;
} status_set;

static int load_set(request_ctx *rc, store_txn *t, ld_arena *ar, status_set *set)
{
	int err = status_all_sorted(t, ar, &set->s, &set->n);
	return err ? dispatch_store_error(rc, err) : LD_OK;
}

static size_t index_of(const status_set *set, uint64_t id)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->s[i]->id == id)
			return i;
	return set->n;
}

/* A status named by a status word, as lead_set_status reads one. */
static int find_named(request_ctx *rc, store_txn *t, const status_set *set, const char *word,
		      const char *what, size_t *at)
{
	char folded[NAME_FOLDED_MAX];
	if (!word || ld_norm_name(word, folded, sizeof(folded)) < 0 || !folded[0])
		return dispatch_fail(rc, LD_INVALID_ARGUMENT, "say which status %s", what);
	uint64_t id;
	int code = search_status_resolve_one(rc, t, word, &id);
	if (code)
		return code;
	*at = index_of(set, id);
	if (*at == set->n)
		return dispatch_fail(rc, LD_NOT_FOUND, "no status '%s'", word);
	return LD_OK;
}

/* A name a status may take: not empty, not a class word (status words
 * read those as classes), and no other status's name when folded. */
static int check_name(request_ctx *rc, const status_set *set, const char *name, uint64_t self)
{
	char want[NAME_FOLDED_MAX], have[NAME_FOLDED_MAX];
	if (!name || ld_norm_name(name, want, sizeof(want)) < 0 || !want[0])
		return dispatch_fail(rc, LD_INVALID_ARGUMENT, "a status needs a name");
	if (status_is_class_word(want))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "'%s' is a KPI class word, which status words read as every "
				     "status of that class; choose another name (such as "
				     "'lead-%s')",
				     name, name);
	for (size_t i = 0; i < set->n; i++) {
		if (set->s[i]->id == self || !set->s[i]->name ||
		    ld_norm_name(set->s[i]->name, have, sizeof(have)) < 0)
			continue;
		if (strcmp(want, have) == 0)
			return dispatch_fail(rc, LD_ALREADY_EXISTS, "a status named '%s' exists",
					     set->s[i]->name);
	}
	return LD_OK;
}

static int check_stage(request_ctx *rc, int has, Leadd__Stage stage)
{
	if (!has)
		return dispatch_fail(
			rc, LD_INVALID_ARGUMENT,
			"say which stage the status is in: lead, prospect or customer");
	if (stage != LEADD__STAGE__STAGE_LEAD && stage != LEADD__STAGE__STAGE_PROSPECT &&
	    stage != LEADD__STAGE__STAGE_CUSTOMER)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "the stage is lead, prospect or customer");
	return LD_OK;
}

static int check_class(request_ctx *rc, Leadd__KpiClass c)
{
	if (c < LEADD__KPI_CLASS__KPI_NONE || c > LEADD__KPI_CLASS__KPI_WON)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "the KPI class is new, qualified, dead, prospect, won, lost "
				     "or none");
	return LD_OK;
}

static int check_probability(request_ctx *rc, uint32_t p)
{
	if (p > 100)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "the probability is a percentage, 0 to 100 (not %" PRIu32 ")",
				     p);
	return LD_OK;
}

/* The list keeps one status of class new (new leads and renewals go to the
 * first of them), one of class dead and one of class lost (a lead is given
 * up or lost by moving it into one: without, no lead could be). Refuse to
 * take `without` out of its class (to `to`; -1 when it is removed) if it is
 * the last of one of those. */
static int keeps_its_class(request_ctx *rc, const status_set *set, size_t without, int to)
{
	int c = (int)set->s[without]->kpi_class;
	const char *what = c == LEADD__KPI_CLASS__KPI_NEW    ? "which new leads get"
			   : c == LEADD__KPI_CLASS__KPI_DEAD ? "which a lead is given up into"
			   : c == LEADD__KPI_CLASS__KPI_LOST ? "which a lost lead is moved to"
							     : NULL;
	if (!what || c == to)
		return LD_OK;
	for (size_t i = 0; i < set->n; i++)
		if (i != without && (int)set->s[i]->kpi_class == c)
			return LD_OK;
	const char *word = status_class_word((Leadd__KpiClass)c);
	return dispatch_fail(rc, LD_FAILED_PRECONDITION,
			     "'%s' is the last status of class %s, %s; add another status of "
			     "class %s first",
			     set->s[without]->name, word, what, word);
}

/* Where `after` puts a status: "" first, a status word after that status,
 * absent (NULL) at `dflt`. The index in the list without `moving` (n when
 * the status is new), or an error. */
static int place_after(request_ctx *rc, store_txn *t, const status_set *set, const char *after,
		       size_t moving, size_t dflt, size_t *slot)
{
	if (!after) {
		*slot = dflt;
		return LD_OK;
	}
	if (!after[0]) {
		*slot = 0;
		return LD_OK;
	}
	size_t at;
	int code = find_named(rc, t, set, after, "it goes after", &at);
	if (code)
		return code;
	if (at == moving)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "a status cannot go after itself; name another status");
	*slot = at < moving ? at + 1 : at;
	return LD_OK;
}

/* Write back every status whose position or flag changed: list order is
 * the positions, 1..n. `changed` forces one record to be written. */
static int write_order(store_txn *t, Leadd__Status **list, size_t n, const Leadd__Status *changed)
{
	for (size_t i = 0; i < n; i++) {
		Leadd__Status *s = list[i];
		int dirty = s == changed || !s->has_position || s->position != i + 1;
		s->has_position = 1;
		s->position = (uint32_t)(i + 1);
		s->has_leads = 0; /* a count is never stored */
		if (dirty) {
			uint8_t key[8];
			store_key_u64(key, s->id);
			store_put_msg(t, DB_STATUSES, key, 8, &s->base);
		}
	}
	return t->ret;
}

/* Flag `target` as its stage's conversion target (flag: 1) and unflag the
 * others of the stage; or unflag it (flag: 0). Records changed are written
 * by write_order, which is told of them through has_conversion_target. */
static void set_target(status_set *set, Leadd__Status *target, int flag, Leadd__Status **extra,
		       size_t *n_extra)
{
	for (size_t i = 0; flag && i < set->n; i++) {
		Leadd__Status *s = set->s[i];
		if (s != target && s->stage == target->stage && s->conversion_target) {
			s->conversion_target = 0;
			s->has_conversion_target = 1;
			extra[(*n_extra)++] = s;
		}
	}
	target->has_conversion_target = 1;
	target->conversion_target = flag ? 1 : 0;
}

static void put_status(store_txn *t, const Leadd__Status *s)
{
	uint8_t key[8];
	store_key_u64(key, s->id);
	store_put_msg(t, DB_STATUSES, key, 8, &s->base);
}

static int reply_status(request_ctx *rc, store_txn *t, Leadd__Status *s, int has_moved,
			uint64_t moved, Leadd__Status *moved_to)
{
	Leadd__StatusReply *r = ld_arena_alloc(&rc->arena, sizeof(*r));
	if (!r)
		return oom(rc);
	leadd__status_reply__init(r);
	r->status = s;
	if (t && !s->has_leads) {
		int err = status_lead_count(t, s->id, &s->leads);
		if (err)
			return dispatch_store_error(rc, err);
		s->has_leads = 1;
	}
	r->has_moved = has_moved;
	r->moved = moved;
	r->moved_to = moved_to;
	rc->resp.body_case = LEADD__RESPONSE__BODY_STATUS;
	rc->resp.status = r;
	return LD_OK;
}

int status_add(request_ctx *rc, store_txn *t)
{
	const Leadd__StatusAddRequest *q = rc->req->status_add;
	const Leadd__Status *in = q->status;
	if (!in)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "say which status to add: its name, stage, probability and "
				     "KPI class");
	if (in->has_id || in->has_position || in->has_leads)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "leadd numbers and places statuses itself: leave out the "
				     "id, position and lead count, and say which status the new "
				     "one goes after");
	status_set set;
	int code;
	if ((code = load_set(rc, t, &rc->arena, &set)) ||
	    (code = check_name(rc, &set, in->name, 0)) ||
	    (code = check_stage(rc, in->has_stage, in->stage)) ||
	    (code = check_probability(rc, in->probability)))
		return code;
	if (!in->has_kpi_class)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "say which KPI class the status counts as: new, qualified, "
				     "dead, prospect, won, lost or none");
	if ((code = check_class(rc, in->kpi_class)))
		return code;
	if (set.n >= STATUS_MAX)
		return dispatch_fail(rc, LD_FAILED_PRECONDITION,
				     "there are %zu statuses, the most leadd keeps; remove one "
				     "first",
				     set.n);
	size_t slot;
	if ((code = place_after(rc, t, &set, q->after, set.n, set.n, &slot)))
		return code;

	Leadd__Status *s = ld_arena_alloc(&rc->arena, sizeof(*s));
	Leadd__Status **list = ld_arena_alloc(&rc->arena, (set.n + 1) * sizeof(*list));
	Leadd__Status **extra = ld_arena_alloc(&rc->arena, (set.n + 1) * sizeof(*extra));
	if (!s || !list || !extra)
		return oom(rc);
	leadd__status__init(s);
	s->name = ld_arena_strdup(&rc->arena, in->name);
	if (!s->name)
		return oom(rc);
	s->has_stage = s->has_probability = s->has_kpi_class = 1;
	s->stage = in->stage;
	s->probability = in->probability;
	s->kpi_class = in->kpi_class;
	size_t n_extra = 0;
	if (in->has_conversion_target && in->conversion_target)
		set_target(&set, s, 1, extra, &n_extra);
	/* Checks done: from here on only writes. */
	s->has_id = 1;
	s->id = store_meta_next(t, META_NEXT_STATUS_ID);
	memcpy(list, set.s, slot * sizeof(*list));
	list[slot] = s;
	memcpy(list + slot + 1, set.s + slot, (set.n - slot) * sizeof(*list));
	for (size_t i = 0; i < n_extra; i++)
		put_status(t, extra[i]);
	if (write_order(t, list, set.n + 1, s))
		return dispatch_store_error(rc, t->ret);
	s->has_leads = 1;
	s->leads = 0;
	return reply_status(rc, NULL, s, 0, 0, NULL);
}

int status_edit(request_ctx *rc, store_txn *t)
{
	const Leadd__StatusEditRequest *q = rc->req->status_edit;
	status_set set;
	size_t at;
	int code;
	if ((code = load_set(rc, t, &rc->arena, &set)) ||
	    (code = find_named(rc, t, &set, q->name, "to change", &at)))
		return code;
	if (!q->new_name && !q->has_probability && !q->has_kpi_class && !q->after &&
	    !q->has_conversion_target)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "say what to change: the name, probability, KPI class, "
				     "place or conversion target");
	Leadd__Status *s = set.s[at];
	if (q->new_name && (code = check_name(rc, &set, q->new_name, s->id)))
		return code;
	if (q->has_probability && (code = check_probability(rc, q->probability)))
		return code;
	if (q->has_kpi_class && ((code = check_class(rc, q->kpi_class)) ||
				 (code = keeps_its_class(rc, &set, at, (int)q->kpi_class))))
		return code;
	size_t slot;
	if ((code = place_after(rc, t, &set, q->after, at, at, &slot)))
		return code;
	Leadd__Status **list = ld_arena_alloc(&rc->arena, set.n * sizeof(*list));
	Leadd__Status **extra = ld_arena_alloc(&rc->arena, set.n * sizeof(*extra));
	if (!list || !extra)
		return oom(rc);
	if (q->new_name && !(s->name = ld_arena_strdup(&rc->arena, q->new_name)))
		return oom(rc);
	if (q->has_probability) {
		s->has_probability = 1;
		s->probability = q->probability;
	}
	if (q->has_kpi_class) {
		s->has_kpi_class = 1;
		s->kpi_class = q->kpi_class;
	}
	size_t n_extra = 0;
	if (q->has_conversion_target)
		set_target(&set, s, q->conversion_target, extra, &n_extra);
	/* Checks done: from here on only writes. The list without s, then s
	 * put back at its slot. */
	size_t k = 0;
	for (size_t i = 0; i < set.n; i++)
		if (i != at)
			list[k++] = set.s[i];
	memmove(list + slot + 1, list + slot, (set.n - 1 - slot) * sizeof(*list));
	list[slot] = s;
	for (size_t i = 0; i < n_extra; i++)
		put_status(t, extra[i]);
	store_meta_put(t, STATUS_META_REVISION, store_meta_get(t, META_LAST_REVISION));
	if (write_order(t, list, set.n, s))
		return dispatch_store_error(rc, t->ret);
	return reply_status(rc, t, s, 0, 0, NULL);
}

/* ---- status_rm: its leads move first, a chunk per commit ---- */

/* rc->chunk_after holds the id of the status being removed once a chunk
 * committed (later chunks check the name still names it), chunk_moved the
 * leads moved by committed chunks. */
static void rm_commit(request_ctx *rc)
{
	rc->chunks_done++;
	rc->chunk_after = rc->chunk_after_pending;
	rc->chunk_moved = rc->chunk_moved_pending;
}

static void rm_finish(request_ctx *rc)
{
	char why[sizeof(rc->message)];
	if (rc->chunk_stopped) {
		dispatch_fail(rc, LD_UNAVAILABLE,
			      "leadd is shutting down: %" PRIu64
			      " of the status's leads were moved "
			      "and the status is still there; run the command again when leadd is "
			      "back to move the rest and remove it",
			      rc->chunk_moved);
	} else if (rc->code != LD_OK && rc->chunks_done) {
		snprintf(why, sizeof(why), "%s", rc->message);
		dispatch_fail(rc, rc->code,
			      "%s; %" PRIu64 " of the status's leads were moved before that and "
			      "the status is still there; run the command again to move the rest "
			      "and remove it",
			      why, rc->chunk_moved);
	}
}

/* Load a chunk of the leads in `from` (two copies each: the write core
 * needs the old one intact), all before any write, so a lead the index is
 * wrong about fails the request with nothing written. */
static int load_chunk(request_ctx *rc, store_txn *t, uint64_t from, Leadd__Lead ***old,
		      Leadd__Lead ***lead, size_t *n, int *more)
{
	ld_arena *ar = &rc->chunk_arena;
	uint64_t *ids = ld_arena_alloc(ar, RM_CHUNK * sizeof(*ids));
	*old = ld_arena_alloc(ar, RM_CHUNK * sizeof(**old));
	*lead = ld_arena_alloc(ar, RM_CHUNK * sizeof(**lead));
	if (!ids || !*old || !*lead)
		return oom(rc);
	size_t got = lead_index_ids(t, DB_IDX_STATUS, from, 0, ids, RM_CHUNK, more);
	if (t->ret)
		return dispatch_store_error(rc, t->ret);
	*n = 0;
	for (size_t i = 0; i < got; i++) {
		if (i > 0 && t->chunk_bytes + ar->used > RM_CHUNK_BYTES) {
			*more = 1; /* this chunk's memory is spent: the rest next time */
			break;
		}
		int err = lead_load_copy(t, ids[i], ar, &(*old)[i], &(*lead)[i]);
		if (err == MDB_NOTFOUND || (!err && (*old)[i]->status_id != from))
			return dispatch_fail(
				rc, LD_INTERNAL,
				"the status index lists lead %" PRIu64
				" in this status but the lead is %s; nothing was moved "
				"in this step: run 'leadd verify' on the server",
				ids[i], err ? "missing" : "in another");
		if (err)
			return dispatch_store_error(rc, err);
		(*n)++;
	}
	return LD_OK;
}

int status_rm(request_ctx *rc, store_txn *t)
{
	const Leadd__StatusRemoveRequest *q = rc->req->status_rm;
	if (!rc->chunk_commit) {
		rc->chunk_commit = rm_commit;
		rc->chunk_finish = rm_finish;
		rc->chunk_stoppable = 1;
		ld_arena_init(&rc->chunk_arena, RM_CHUNK_ARENA);
	}
	ld_arena_reset(&rc->chunk_arena);
	rc->chunk_after_pending = rc->chunk_after;
	rc->chunk_moved_pending = rc->chunk_moved;
	ld_arena *ar = &rc->chunk_arena;
	int code;
	/* Checked again before every chunk: an admin demoted or logged out
	 * between chunks stops the move there. */
	if (rc->chunks_done && (code = session_recheck(rc, t, ar)))
		return code;
	status_set set;
	size_t at, to = 0;
	if ((code = load_set(rc, t, ar, &set)) ||
	    (code = find_named(rc, t, &set, q->name, "to remove", &at)))
		return code;
	Leadd__Status *s = set.s[at];
	if (rc->chunks_done && s->id != rc->chunk_after)
		return dispatch_fail(rc, LD_ABORTED,
				     "'%s' names another status than when the removal began (it "
				     "was renamed meanwhile)",
				     q->name);
	rc->chunk_after_pending = s->id;
	if ((code = keeps_its_class(rc, &set, at, -1)))
		return code;
	uint64_t in_it;
	int err = status_lead_count(t, s->id, &in_it);
	if (err)
		return dispatch_store_error(rc, err);
	if (q->move_to) {
		if ((code = find_named(rc, t, &set, q->move_to, "the leads move to", &to)))
			return code;
		const Leadd__Status *d = set.s[to];
		if (to == at)
			return dispatch_fail(rc, LD_INVALID_ARGUMENT,
					     "the leads of '%s' cannot move to the status being "
					     "removed; name another status",
					     s->name);
		/* The moving rule (lead_moves.h): a reason per lead. */
		if (lead_class_needs_reason(d->kpi_class))
			return dispatch_fail(rc, LD_FAILED_PRECONDITION,
					     "'%s' is of class %s, and a lead moves there only "
					     "with a reason of its own; move the leads to a status "
					     "of another class, or move each with its reason first",
					     d->name, status_class_word(d->kpi_class));
	} else if (in_it) {
		return dispatch_fail(rc, LD_FAILED_PRECONDITION,
				     "'%s' still holds %" PRIu64 " lead%s; say which status %s to, "
				     "and the removal moves %s there first",
				     s->name, in_it, in_it == 1 ? "" : "s",
				     in_it == 1 ? "it moves" : "they move",
				     in_it == 1 ? "it" : "them");
	}

	Leadd__Lead **old = NULL, **lead = NULL;
	size_t n = 0;
	int more = 0;
	if (in_it && (code = load_chunk(rc, t, s->id, &old, &lead, &n, &more)))
		return code;
	/* What the last chunk needs, had before anything is written: the list
	 * without the status, and the reply (it outlives the chunk arena). */
	Leadd__Status **rest = ld_arena_alloc(ar, set.n * sizeof(*rest));
	Leadd__Status *gone = ld_arena_alloc(&rc->arena, sizeof(*gone));
	Leadd__Status *dest = q->move_to ? ld_arena_alloc(&rc->arena, sizeof(*dest)) : NULL;
	if (!rest || !gone || (q->move_to && !dest))
		return oom(rc);
	*gone = *s;
	if (!(gone->name = ld_arena_strdup(&rc->arena, s->name)))
		return oom(rc);
	if (dest) {
		*dest = *set.s[to];
		if (!(dest->name = ld_arena_strdup(&rc->arena, set.s[to]->name)))
			return oom(rc);
	}
	gone->has_position = 0;
	gone->has_leads = 1;
	gone->leads = 0;
	/* Checks done: from here on only writes. */
	lead_change ch = lead_change_of(rc, LEADD__STORE__CHANGE_KIND__CHANGE_STATUS);
	ch.arena = ar;
	for (size_t i = 0; i < n; i++) {
		lead[i]->status_id = set.s[to]->id;
		/* A reason says why a lead is dead or lost; the status it goes
		 * to is neither (refused above). */
		lead[i]->status_reason = NULL;
		if (lead_apply(t, old[i], lead[i], &ch) != 0)
			return dispatch_store_error(rc, t->ret);
		rc->chunk_moved_pending++;
	}
	t->chunk_bytes += ar->used;
	if (more) {
		rc->again = 1;
		return LD_OK;
	}
	/* The last chunk: the status is empty in this transaction. */
	uint8_t key[8];
	store_key_u64(key, s->id);
	store_del(t, DB_STATUSES, key, 8, NULL, 0);
	store_meta_put(t, STATUS_META_REVISION, store_meta_get(t, META_LAST_REVISION));
	size_t k = 0;
	for (size_t i = 0; i < set.n; i++)
		if (i != at)
			rest[k++] = set.s[i];
	if (write_order(t, rest, k, NULL))
		return dispatch_store_error(rc, t->ret);
	if (dest && dest->position > gone->position)
		dest->position--; /* it moved up as the removed status went */
	return reply_status(rc, NULL, gone, 1, rc->chunk_moved_pending, dest);
}
