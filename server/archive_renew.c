/* Archive, restore, renew (issue 12; docs/protocol.md "Archive, restore,
 * renew"). Archiving only flips Lead.archived: the write core moves the
 * lead's counts to the archived ones (lead_counters.h), the summary's bit
 * takes it out of lists, and the history keeps everything. A renewal is a
 * new lead made from its origin, and the origin's list of renewals gains
 * it: two changes through the write core in the request's transaction, so
 * neither link is ever seen without the other. */
#include <inttypes.h>
#include <string.h>

#include "ld_error.h"
#include "ld_norm.h"
#include "lead_core.h"
#include "lead_handlers.h"
#include "lifecycle_handlers.h"
#include "search_query.h"
#include "status.h"
#include "users.h"

/* The most renewals one lead keeps links to: Lead.renewals is stored in
 * the lead, which must stay small (docs/protocol.md). Renew the latest
 * renewal instead. */
#define LEAD_RENEWALS_MAX 500

/* ---- archive and restore ---- */

static int set_archived(request_ctx *rc, store_txn *t, const Leadd__LeadArchiveRequest *q,
			int archive)
{
	Leadd__Lead *old, *lead;
	int code = lead_load_for_edit(rc, t, q->id, q->has_expected_version, q->expected_version,
				      &old, &lead);
	if (code)
		return code;
	/* The table lets managers in; a manager may see a lead of another team
	 * that they own, yet only the lead's team's managers decide what
	 * leaves its counts. */
	if (rc->who.role < ROLE_ADMIN && !principal_has_team(&rc->who, old->team_id))
		return dispatch_fail(rc, LD_PERMISSION_DENIED,
				     "only a manager of the lead's team (or an admin) may %s lead "
				     "%" PRIu64,
				     archive ? "archive" : "restore", old->id);
	/* Already so: nothing to record. The reply's version is the one the
	 * lead had, which is how a client tells a no-op. */
	if (!old->archived == !archive)
		return lead_reply(rc, old);
	lead->has_archived = archive ? 1 : 0;
	lead->archived = archive ? 1 : 0;
	lead_change ch = lead_change_of(rc, archive ? LEADD__STORE__CHANGE_KIND__CHANGE_ARCHIVE
						    : LEADD__STORE__CHANGE_KIND__CHANGE_RESTORE);
	if (lead_apply(t, old, lead, &ch) != 0)
		return dispatch_store_error(rc, t->ret);
	return lead_reply(rc, lead);
}

int lead_archive(request_ctx *rc, store_txn *t)
{
	return set_archived(rc, t, rc->req->lead_archive, 1);
}

int lead_restore(request_ctx *rc, store_txn *t)
{
	return set_archived(rc, t, rc->req->lead_restore, 0);
}

/* ---- renew ---- */

/* Who owns the renewal: lead_create's rules for a named owner (a rep only
 * themselves; a manager a user of their teams; an admin anyone; never a
 * disabled user). Without one, a rep owns it; for a manager or an admin
 * the origin's owner keeps it if they still may (enabled, and in the
 * manager's teams), else it goes to the pool of the origin's team. */
static int renew_owner(request_ctx *rc, store_txn *t, const Leadd__Lead *origin, const char *name,
		       uint64_t *owner, uint64_t *team, team_record **round_robin)
{
	const principal_t *who = &rc->who;
	user_record *u;
	int err;
	*round_robin = NULL;
	if (who->role == ROLE_REP) {
		if ((err = user_load(t, who->user_id, &rc->arena, &u)))
			return dispatch_store_error(rc, err == MDB_NOTFOUND ? MDB_CORRUPTED : err);
		if (name && !user_name_equal(name, u->name))
			return dispatch_fail(rc, LD_PERMISSION_DENIED,
					     "a rep renews leads for themselves; ask a manager to "
					     "give the renewal to '%s'",
					     name);
		*owner = u->id;
		*team = u->team_id;
		return LD_OK;
	}
	if (name) {
		err = user_find(t, name, &rc->arena, &u);
		if (err == MDB_NOTFOUND ||
		    (err == 0 && who->role < ROLE_ADMIN && !principal_has_team(who, u->team_id)))
			return dispatch_fail(rc, LD_NOT_FOUND, "no user '%s' in your teams", name);
		if (err)
			return dispatch_store_error(rc, err);
		if (u->disabled)
			return dispatch_fail(rc, LD_FAILED_PRECONDITION, "user '%s' is disabled",
					     u->name);
		*owner = u->id;
		*team = u->team_id;
		return LD_OK;
	}
	if (origin->owner_id) {
		err = user_load(t, origin->owner_id, &rc->arena, &u);
		if (err && err != MDB_NOTFOUND)
			return dispatch_store_error(rc, err);
		if (!err && !u->disabled &&
		    (who->role >= ROLE_ADMIN || principal_has_team(who, u->team_id))) {
			*owner = u->id;
			*team = u->team_id;
			return LD_OK;
		}
	}
	if (!origin->team_id) {
		/* No pool to fall back on: the caller keeps it. */
		if ((err = user_load(t, who->user_id, &rc->arena, &u)))
			return dispatch_store_error(rc, err == MDB_NOTFOUND ? MDB_CORRUPTED : err);
		*owner = u->id;
		*team = u->team_id;
		return LD_OK;
	}
	team_record *tm;
	if ((err = team_load(t, origin->team_id, &rc->arena, &tm)))
		return dispatch_store_error(rc, err == MDB_NOTFOUND ? MDB_CORRUPTED : err);
	*owner = 0;
	*team = tm->id;
	*round_robin = tm->round_robin ? tm : NULL;
	return LD_OK;
}

/* The renewal's status: a status word as lead_set_status reads it, or the
 * first status of class new. Dead and lost are refused: a renewal is a
 * new chance, and those classes need a reason that a renewal cannot have. */
static int renew_status(request_ctx *rc, store_txn *t, const char *word, uint64_t *status_id)
{
	int code;
	if (!word) {
		int err = status_default_new(t, &rc->arena, status_id);
		if (err == MDB_NOTFOUND)
			return dispatch_fail(rc, LD_FAILED_PRECONDITION,
					     "no status of class 'new' exists for new leads; name "
					     "the renewal's status");
		return err ? dispatch_store_error(rc, err) : LD_OK;
	}
	if ((code = search_status_resolve_one(rc, t, word, status_id)))
		return code;
	Leadd__Status *s;
	int err = status_load(t, *status_id, &rc->arena, &s);
	if (err)
		return dispatch_store_error(rc, err == MDB_NOTFOUND ? MDB_CORRUPTED : err);
	if (s->kpi_class == LEADD__KPI_CLASS__KPI_DEAD ||
	    s->kpi_class == LEADD__KPI_CLASS__KPI_LOST)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "a renewal cannot start in '%s', a status of class %s; give "
				     "a status it is still being worked in",
				     s->name ? s->name : "?",
				     s->kpi_class == LEADD__KPI_CLASS__KPI_DEAD ? "dead" : "lost");
	return LD_OK;
}

static int renew_contacts(request_ctx *rc, const Leadd__Lead *origin, Leadd__RenewContacts which,
			  Leadd__Lead *lead)
{
	switch (which) {
	case LEADD__RENEW_CONTACTS__RENEW_CONTACTS_ALL:
		lead->n_contacts = origin->n_contacts;
		lead->contacts = origin->contacts;
		return LD_OK;
	case LEADD__RENEW_CONTACTS__RENEW_CONTACTS_MAIN:
		/* The main contact is the first (contact_handlers.c). */
		lead->n_contacts = origin->n_contacts ? 1 : 0;
		lead->contacts = origin->contacts;
		return LD_OK;
	case LEADD__RENEW_CONTACTS__RENEW_CONTACTS_NONE:
		lead->n_contacts = 0;
		lead->contacts = NULL;
		return LD_OK;
	default:
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "say which contacts the renewal keeps: all, main or none");
	}
}

int lead_renew(request_ctx *rc, store_txn *t)
{
	const Leadd__LeadRenewRequest *q = rc->req->lead_renew;
	Leadd__Lead *old, *origin;
	int code;
	if ((code = lead_load_for_edit(rc, t, q->id, 0, 0, &old, &origin)))
		return code;
	if (q->title && ld_is_blank(q->title))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "a lead needs a title; leave it out to keep the origin's");
	if (old->n_renewals >= LEAD_RENEWALS_MAX)
		return dispatch_fail(rc, LD_FAILED_PRECONDITION,
				     "lead %" PRIu64 " has been renewed %zu times, the most one "
				     "lead keeps; renew its latest renewal instead",
				     old->id, old->n_renewals);
	uint64_t owner = 0, team = 0, status = 0;
	team_record *round_robin = NULL;
	if ((code = renew_owner(rc, t, old, q->owner, &owner, &team, &round_robin)) ||
	    (code = renew_status(rc, t, q->status, &status)))
		return code;

	Leadd__Lead *lead = ld_arena_alloc(&rc->arena, sizeof(*lead));
	uint64_t *renewals = ld_arena_alloc(&rc->arena, (old->n_renewals + 1) * sizeof(*renewals));
	/* The write core may put a tag's first-written case in the array:
	 * the renewal's own, so the origin's record stays as read. */
	char **tags = ld_arena_alloc(&rc->arena, (old->n_tags + 1) * sizeof(*tags));
	if (!lead || !renewals || !tags)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__lead__init(lead);
	if ((code = renew_contacts(rc, old,
				   q->has_contacts ? q->contacts
						   : LEADD__RENEW_CONTACTS__RENEW_CONTACTS_ALL,
				   lead)))
		return code;
	/* Checks done: from here on only writes. */
	lead->title = q->title ? q->title : old->title;
	lead->description = old->description;
	lead->value = old->value;
	lead->source = "renewal";
	if (old->n_tags)
		memcpy(tags, old->tags, old->n_tags * sizeof(*tags));
	lead->n_tags = old->n_tags;
	lead->tags = tags;
	lead->has_client_id = old->has_client_id;
	lead->client_id = old->client_id;
	lead->client_name = old->client_name;
	lead->has_status_id = lead->has_owner_id = lead->has_team_id = 1;
	lead->status_id = status;
	lead->owner_id = owner;
	lead->team_id = team;
	lead->has_renewed_from = 1;
	lead->renewed_from = old->id;
	if (round_robin && lead_round_robin(rc, t, lead, round_robin))
		return dispatch_store_error(rc, t->ret);
	lead_change ch = lead_change_of(rc, LEADD__STORE__CHANGE_KIND__CHANGE_CREATE);
	if (lead_apply(t, NULL, lead, &ch) != 0)
		return dispatch_store_error(rc, t->ret);

	if (old->n_renewals)
		memcpy(renewals, old->renewals, old->n_renewals * sizeof(*renewals));
	renewals[old->n_renewals] = lead->id;
	origin->renewals = renewals;
	origin->n_renewals = old->n_renewals + 1;
	ch = lead_change_of(rc, LEADD__STORE__CHANGE_KIND__CHANGE_UPDATE);
	if (lead_apply(t, old, origin, &ch) != 0)
		return dispatch_store_error(rc, t->ret);
	return lead_reply(rc, lead);
}
