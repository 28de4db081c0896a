#include "lead_core.h"

#include <errno.h>
#include <string.h>

#include "activity_core.h"
#include "lead_counters.h"
#include "lead_index.h"
#include "opp_core.h"
#include "tag_names.h"

int lead_load(store_txn *t, uint64_t id, ld_arena *arena, Leadd__Lead **out)
{
	uint8_t key[8];
	store_key_u64(key, id);
	return store_get_msg(t, DB_LEADS, key, 8, &leadd__lead__descriptor, arena,
			     (ProtobufCMessage **)out);
}

int lead_load_copy(store_txn *t, uint64_t id, ld_arena *arena, Leadd__Lead **old,
		   Leadd__Lead **lead)
{
	uint8_t key[8];
	MDB_val v;
	store_key_u64(key, id);
	int rc = store_get(t, DB_LEADS, key, 8, &v);
	if (rc)
		return rc;
	*old = leadd__lead__unpack(&arena->pb, v.mv_size, v.mv_data);
	*lead = *old ? leadd__lead__unpack(&arena->pb, v.mv_size, v.mv_data) : NULL;
	if (!*lead)
		return t->ret = arena->exhausted ? ENOMEM : MDB_CORRUPTED;
	return 0;
}

size_t lead_owned_ids(store_txn *t, uint64_t owner, uint64_t after, uint64_t *ids, size_t max,
		      int *more)
{
	return lead_index_ids(t, DB_IDX_OWNER, owner, after, ids, max, more);
}

size_t lead_index_ids(store_txn *t, store_db db, uint64_t key, uint64_t after, uint64_t *ids,
		      size_t max, int *more)
{
	MDB_cursor *cur;
	size_t n = 0;
	*more = 0;
	if (t->ret || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[db], &cur)))
		return 0;
	uint8_t okey[8], ikey[8];
	store_key_u64(okey, key);
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

/* Bring every secondary index from old's keys to new's keys: delete what
 * went away, add what came. Unchanged keys are not touched. */
static void update_indexes(store_txn *t, const Leadd__Lead *old, const Leadd__Lead *lead)
{
	/* Static: the keysets are large and only the writer thread (or the
	 * single-threaded verify) runs this. */
	static _Thread_local lead_index_keyset before, after;
	uint8_t id[8];
	store_key_u64(id, lead->id);
	for (size_t i = 0; i < lead_index_count; i++) {
		store_db db = lead_index_dbs[i];
		if (lead_index_since(db) > t->schema)
			continue;
		before.n = 0;
		if (old)
			lead_index_keys(old, db, &before);
		lead_index_keys(lead, db, &after);
		for (size_t k = 0; k < before.n; k++)
			if (!lead_index_keyset_has(&after, before.keys[k].data, before.keys[k].len))
				store_del(t, db, before.keys[k].data, before.keys[k].len, id, 8);
		for (size_t k = 0; k < after.n; k++)
			if (!lead_index_keyset_has(&before, after.keys[k].data, after.keys[k].len))
				store_put(t, db, after.keys[k].data, after.keys[k].len, id, 8,
					  MDB_NODUPDATA);
	}
}

static void append_history(store_txn *t, const Leadd__Lead *lead, const lead_change *ch)
{
	Leadd__Store__HistoryEntry h = LEADD__STORE__HISTORY_ENTRY__INIT;
	h.has_revision = h.has_at = h.has_author = h.has_kind = 1;
	h.revision = lead->version;
	h.at = ch->now;
	h.author = ch->author;
	h.kind = ch->kind;
	h.lead = (Leadd__Lead *)lead;
	if (ch->activity) {
		h.activity = (Leadd__Activity *)ch->activity;
		h.has_activity_op = 1;
		h.activity_op = ch->activity_op;
	}
	if (ch->opportunity) {
		h.opportunity = (Leadd__Opportunity *)ch->opportunity;
		h.has_opp_op = 1;
		h.opp_op = ch->opp_op;
	}
	uint8_t key[16];
	store_key_u64_pair(key, lead->id, lead->version);
	store_put_msg(t, DB_HISTORY, key, 16, &h.base);
}

static void append_changelog(store_txn *t, const Leadd__Lead *old, const Leadd__Lead *lead,
			     const lead_change *ch)
{
	Leadd__Store__ChangeEntry e = LEADD__STORE__CHANGE_ENTRY__INIT;
	e.has_revision = e.has_lead_id = e.has_kind = e.has_at = e.has_author = 1;
	e.has_old_owner = e.has_new_owner = e.has_old_status = e.has_new_status = 1;
	e.revision = lead->version;
	e.lead_id = lead->id;
	e.kind = ch->kind;
	e.at = ch->now;
	e.author = ch->author;
	e.old_owner = old ? old->owner_id : 0;
	e.old_status = old ? old->status_id : 0;
	e.new_owner = lead->owner_id;
	e.new_status = lead->status_id;
	e.has_old_team = e.has_new_team = 1;
	e.old_team = old ? old->team_id : 0;
	e.new_team = lead->team_id;
	/* Written only when set, so entries of unarchived leads stay as small
	 * as before. */
	e.has_old_archived = e.old_archived = old && old->archived;
	e.has_new_archived = e.new_archived = lead->archived;
	if (ch->activity) {
		e.has_activity_number = e.has_activity_op = 1;
		e.has_old_assignee = e.has_new_assignee = 1;
		e.activity_number = ch->activity->number;
		e.activity_op = ch->activity_op;
		e.old_assignee = ch->old_assignee;
		e.new_assignee = ch->activity->assignee_id;
	}
	if (ch->opportunity) {
		e.has_opp_id = e.has_opp_op = 1;
		e.opp_id = ch->opportunity->id;
		e.opp_op = ch->opp_op;
	}
	/* Open-opportunity totals on both sides: a KPI watcher's forecast
	 * deltas come from them (empty, and so not written, without any). */
	if (old) {
		e.n_old_opps = old->n_open_opps;
		e.old_opps = old->open_opps;
	}
	e.n_new_opps = lead->n_open_opps;
	e.new_opps = lead->open_opps;
	if (old) {
		/* The sort keys before the change: a listing that began paging
		 * before it still finds the lead where it was (search). */
		e.has_old_updated_at = e.has_old_next_action_at = e.has_old_created_at = 1;
		e.old_updated_at = old->updated_at;
		e.old_next_action_at = old->next_action_at;
		e.old_created_at = old->created_at;
		e.old_value = old->value;
		e.old_title = old->title;
	}
	uint8_t key[8];
	store_key_u64(key, lead->version);
	store_put_msg(t, DB_CHANGELOG, key, 8, &e.base);
}

int lead_apply(store_txn *t, const Leadd__Lead *old, Leadd__Lead *lead, const lead_change *ch)
{
	if (t->ret)
		return t->ret;
	uint64_t revision = store_meta_next(t, META_LAST_REVISION);
	if (!old) {
		lead->has_id = lead->has_created_at = lead->has_created_by = 1;
		lead->id = store_meta_next(t, META_NEXT_LEAD_ID);
		lead->created_at = ch->now;
		lead->created_by = ch->author;
	}
	lead->has_version = lead->has_updated_at = lead->has_updated_by = 1;
	lead->has_status_id = lead->has_owner_id = 1;
	lead->version = revision;
	/* An activity falling due is leadd's bookkeeping, not work on the
	 * lead: it keeps the lead's last update, so a lead whose task went
	 * overdue still reads as idle (lead ls --idle) and sorts as before. */
	if (!old || ch->kind != LEADD__STORE__CHANGE_KIND__CHANGE_DUE) {
		lead->updated_at = ch->now;
		lead->updated_by = ch->author;
	}
	if (TAG_NAMES_SCHEMA <= t->schema)
		tag_names_apply(t, old, lead, ch->arena);
	/* Only an opportunity change moves the open totals (opp_apply): any
	 * other change keeps the stored ones, whatever the handler built. */
	if (ch->kind != LEADD__STORE__CHANGE_KIND__CHANGE_OPPORTUNITY) {
		lead->n_open_opps = old ? old->n_open_opps : 0;
		lead->open_opps = old ? old->open_opps : NULL;
	}
	if (!old || old->status_id != lead->status_id) {
		lead->has_status_changed_at = 1;
		lead->status_changed_at = ch->now;
	}
	if (ACTIVITY_SCHEMA <= t->schema) {
		if (!old || old->owner_id != lead->owner_id) {
			/* Speed to lead counts from here (lead_rollup.h). */
			lead->has_owner_since = lead->owner_id != 0;
			lead->owner_since = lead->owner_id ? ch->now : 0;
			lead->has_first_touch_at = 0;
			lead->first_touch_at = 0;
		}
		/* A new owner or team can take the lead out of an assignee's
		 * sight (a pool rep's, the old team's manager's): their open
		 * activities follow too. */
		if (old && (old->owner_id != lead->owner_id || old->team_id != lead->team_id))
			activity_follow_owner(t, old, lead, ch->arena);
		activity_next_action(t, lead, ch->arena);
	}
	if (t->ret)
		return t->ret;

	uint8_t key[8], summary[LEAD_SUMMARY_SIZE];
	lead_summary sum;
	store_key_u64(key, lead->id);
	store_put_msg(t, DB_LEADS, key, 8, &lead->base);
	if (lead_index_since(DB_LEAD_SUMMARY) <= t->schema) {
		lead_summary_of(lead, &sum);
		lead_summary_encode(&sum, summary);
		store_put(t, DB_LEAD_SUMMARY, key, 8, summary, sizeof(summary), 0);
	}
	update_indexes(t, old, lead);
	lead_counters_apply(t, old, lead, ch);
	if (OPP_SCHEMA <= t->schema)
		opp_follow_lead(t, old, lead);
	append_history(t, lead, ch);
	append_changelog(t, old, lead, ch);
	return t->ret;
}
