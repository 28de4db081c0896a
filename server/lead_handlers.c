/* Lead requests: create, get, update, list (set status: lead_status_move.c). Each write handler
 * runs every business check before its first put, so one request's error
 * fails that request alone in a group commit; the writes themselves go
 * through the write core (lead_core.c). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "activity_core.h"
#include "client_folder.h"
#include "dispatch.h"
#include "ld_error.h"
#include "ld_frame.h"
#include "ld_norm.h"
#include "lead_core.h"
#include "lead_handlers.h"
#include "lead_moves.h"
#include "opp_view.h"
#include "request_limits.h"
#include "search_query.h"
#include "status.h"
#include "tag_names.h"
#include "users.h"

static int check_money(request_ctx *rc, const Leadd__Money *m)
{
	if (!m)
		return LD_OK;
	if (!m->has_amount_minor)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "the value needs an amount (in the currency's minor units)");
	/* A currency that is there was checked against ISO 4217 by
	 * validate_request, before the handler runs. */
	if (!m->currency)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "the value needs an ISO 4217 currency such as EUR (three "
				     "capital letters), and has none");
	return LD_OK;
}

static int check_email(request_ctx *rc, const char *email)
{
	char norm[LIMIT_EMAIL + 1];
	if (email && email[0] && ld_norm_email(email, norm, sizeof(norm)) < 0)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "'%s' is not an email address (expected name@domain.tld)",
				     email);
	return LD_OK;
}

static int check_phone(request_ctx *rc, const char *phone)
{
	char norm[LIMIT_PHONE + 1];
	if (phone && phone[0] && ld_norm_phone(phone, norm, sizeof(norm)) < 0)
		return dispatch_fail(
			rc, LD_INVALID_ARGUMENT,
			"'%s' is not a phone number: give at least 3 digits, with only "
			"spaces and + - . ( ) / between them",
			phone);
	return LD_OK;
}

int lead_check_contact(request_ctx *rc, const Leadd__Contact *c, const char *which)
{
	if (ld_is_blank(c->name) && ld_is_blank(c->email) && ld_is_blank(c->phone))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "%s needs a name, an email or a phone", which);
	int code = check_email(rc, c->email);
	if (code == LD_OK)
		code = check_phone(rc, c->phone);
	return code;
}

/* Each contact checked. Two with one email are let through here (a whole
 * list as a client sends it); contact_add and contact_edit keep each email
 * once, and WHO asks for the position when an email is shared. */
static int check_contacts(request_ctx *rc, Leadd__Contact **contacts, size_t n)
{
	char which[32];
	for (size_t i = 0; i < n; i++) {
		snprintf(which, sizeof(which), "contact %zu", i + 1);
		int code = lead_check_contact(rc, contacts[i], which);
		if (code != LD_OK)
			return code;
	}
	return LD_OK;
}

static int check_tags(request_ctx *rc, char **tags, size_t n)
{
	char key[TAG_KEY_MAX + 1];
	for (size_t i = 0; i < n; i++)
		if (tag_name_key(tags[i], key) < 0)
			return dispatch_fail(rc, LD_INVALID_ARGUMENT, "tag %zu %s", i + 1,
					     tag_name_problem(tags[i]));
	return LD_OK;
}

static int check_status(request_ctx *rc, store_txn *t, uint64_t id)
{
	Leadd__Status *s;
	int err = status_load(t, id, &rc->arena, &s);
	if (err == MDB_NOTFOUND)
		return dispatch_fail(
			rc, LD_INVALID_ARGUMENT,
			"status %" PRIu64 " does not exist; 'lead statuses' lists them", id);
	return err ? dispatch_store_error(rc, err) : LD_OK;
}

/* Load a lead the principal may see; otherwise NOT_FOUND, exactly as if it
 * did not exist, so ids leak nothing. */
int lead_missing_id(request_ctx *rc)
{
	return dispatch_fail(rc, LD_INVALID_ARGUMENT,
			     "the lead id is missing: say which lead (lead ids start at 1)");
}

int lead_load_visible(request_ctx *rc, store_txn *t, uint64_t id, Leadd__Lead **out)
{
	/* Id 0 is never given out: an absent id is a client's mistake, not a
	 * lead that was not found. */
	if (!id)
		return lead_missing_id(rc);
	int err = lead_load(t, id, &rc->arena, out);
	if (err == MDB_NOTFOUND || (err == 0 && !dispatch_may_see_lead(rc, t, *out)))
		return dispatch_fail(rc, LD_NOT_FOUND, "lead %" PRIu64 " not found", id);
	return err ? dispatch_store_error(rc, err) : LD_OK;
}

int lead_reply(request_ctx *rc, Leadd__Lead *lead)
{
	Leadd__LeadReply *reply = ld_arena_alloc(&rc->arena, sizeof(*reply));
	if (!reply)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__lead_reply__init(reply);
	reply->lead = lead;
	rc->resp.body_case = LEADD__RESPONSE__BODY_LEAD;
	rc->resp.lead = reply;
	return LD_OK;
}

/* Attach the lead to the client folder named `name` ("" detaches). A name
 * close to an existing folder's is refused unless new_client confirms it. */
static int set_client(request_ctx *rc, store_txn *t, Leadd__Lead *lead, const char *name,
		      int new_client)
{
	if (ld_is_blank(name)) {
		lead->has_client_id = 0;
		lead->client_id = 0;
		lead->client_name = NULL;
		return LD_OK;
	}
	uint64_t id;
	char *display, *near;
	int err = client_resolve(t, name, new_client, rc->now, &rc->arena, &id, &display, &near);
	if (err == CLIENT_BAD_NAME)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT, "the client name '%s' %s", name,
				     client_name_problem(name));
	if (err == CLIENT_NEAR)
		return dispatch_fail(rc, LD_FAILED_PRECONDITION,
				     "no client folder is named '%s'; did you mean '%s'? If it is "
				     "another company, confirm a new folder with --new-client",
				     name, near);
	if (err != 0)
		return dispatch_store_error(rc, t->ret);
	lead->has_client_id = 1;
	lead->client_id = id;
	lead->client_name = display;
	return LD_OK;
}

lead_change lead_change_of(const request_ctx *rc, Leadd__Store__ChangeKind kind)
{
	lead_change ch = {.now = rc->now,
			  .author = rc->who.user_id,
			  .kind = kind,
			  .arena = (ld_arena *)&rc->arena};
	return ch;
}

static Leadd__Money *copy_money(request_ctx *rc, const Leadd__Money *m)
{
	Leadd__Money *c = ld_arena_alloc(&rc->arena, sizeof(*c));
	if (c) {
		*c = *m;
		c->currency = ld_arena_strdup(&rc->arena, m->currency);
	}
	return c;
}

/* Who owns a new lead. A rep owns what they create. A manager or admin
 * names an owner, or a team whose pool gets it (a manager's first team by
 * default); a pool with round-robin on hands it straight to the next rep. */
static int create_owner(request_ctx *rc, store_txn *t, const Leadd__LeadCreateRequest *q,
			uint64_t *owner_id, uint64_t *team_id, team_record **round_robin)
{
	const principal_t *who = &rc->who;
	user_record *self;
	int err = user_load(t, who->user_id, &rc->arena, &self);
	if (err)
		return dispatch_store_error(rc, err == MDB_NOTFOUND ? MDB_CORRUPTED : err);
	if (who->role == ROLE_REP) {
		if ((q->owner && !user_name_equal(q->owner, self->name)) || q->team)
			return dispatch_fail(rc, LD_PERMISSION_DENIED,
					     "a rep creates leads for themselves; ask a manager to "
					     "assign it");
		*owner_id = who->user_id;
		*team_id = self->team_id;
		return LD_OK;
	}
	if (q->owner) {
		user_record *u;
		err = user_find(t, q->owner, &rc->arena, &u);
		if (err == MDB_NOTFOUND ||
		    (err == 0 && who->role < ROLE_ADMIN && !principal_has_team(who, u->team_id)))
			return dispatch_fail(rc, LD_NOT_FOUND, "no user '%s' in your teams",
					     q->owner);
		if (err)
			return dispatch_store_error(rc, err);
		if (u->disabled)
			return dispatch_fail(rc, LD_FAILED_PRECONDITION, "user '%s' is disabled",
					     u->name);
		*owner_id = u->id;
		*team_id = u->team_id;
		return LD_OK;
	}
	team_record *tm = NULL;
	if (q->team) {
		err = team_find(t, q->team, &rc->arena, &tm);
		if (err == MDB_NOTFOUND ||
		    (err == 0 && who->role < ROLE_ADMIN && !principal_has_team(who, tm->id)))
			return dispatch_fail(rc, LD_NOT_FOUND, "no team '%s' among yours", q->team);
		if (err)
			return dispatch_store_error(rc, err);
	} else if (who->n_teams) {
		if ((err = team_load(t, who->teams[0], &rc->arena, &tm)))
			return dispatch_store_error(rc, err == MDB_NOTFOUND ? MDB_CORRUPTED : err);
	} else {
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "say who owns the lead: give an owner or a team");
	}
	*owner_id = 0;
	*team_id = tm->id;
	*round_robin = tm->round_robin ? tm : NULL;
	return LD_OK;
}

int lead_create(request_ctx *rc, store_txn *t)
{
	const Leadd__LeadCreateRequest *q = rc->req->lead_create;
	int code;
	if (ld_is_blank(q->title))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT, "a lead needs a title");
	if (q->has_next_action_at && q->next_action_at < 0)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "the next action time cannot be before 1970");
	if ((code = check_money(rc, q->value)) || (code = check_tags(rc, q->tags, q->n_tags)) ||
	    (code = check_contacts(rc, q->contacts, q->n_contacts)))
		return code;
	uint64_t status_id, owner_id = 0, team_id = 0;
	team_record *round_robin_team = NULL;
	if ((code = create_owner(rc, t, q, &owner_id, &team_id, &round_robin_team)))
		return code;
	if (q->has_status_id && q->status)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "name the status or give its id, not both");
	if (q->status) {
		/* The server's one reading of status words (lead_set_status's). */
		if ((code = search_status_resolve_one(rc, t, q->status, &status_id)))
			return code;
	} else if (q->has_status_id) {
		if ((code = check_status(rc, t, q->status_id)))
			return code;
		status_id = q->status_id;
	} else {
		int err = status_default_new(t, &rc->arena, &status_id);
		if (err == MDB_NOTFOUND)
			return dispatch_fail(rc, LD_FAILED_PRECONDITION,
					     "no status of class 'new' exists for new leads");
		if (err)
			return dispatch_store_error(rc, err);
	}

	if ((code = lead_status_check_new(rc, t, status_id)))
		return code;

	/* Checks done: from here on only writes. */
	Leadd__Lead *lead = ld_arena_alloc(&rc->arena, sizeof(*lead));
	if (!lead)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__lead__init(lead);
	lead->title = q->title;
	lead->description = q->description;
	lead->value = q->value;
	lead->source = q->source;
	lead->n_tags = q->n_tags;
	lead->tags = q->tags;
	lead->n_contacts = q->n_contacts;
	lead->contacts = q->contacts;
	lead->has_status_id = 1;
	lead->status_id = status_id;
	lead->has_owner_id = lead->has_team_id = 1;
	lead->owner_id = owner_id;
	lead->team_id = team_id;
	if (q->has_next_action_at && q->next_action_at) {
		lead->has_next_action_at = 1;
		lead->next_action_at = q->next_action_at;
	}
	if (q->next_action_note && q->next_action_note[0])
		lead->next_action_note = q->next_action_note;
	if ((code = set_client(rc, t, lead, q->client_name, q->has_new_client && q->new_client)))
		return code;
	if (round_robin_team && lead_round_robin(rc, t, lead, round_robin_team))
		return dispatch_store_error(rc, t->ret);
	lead_change ch = lead_change_of(rc, LEADD__STORE__CHANGE_KIND__CHANGE_CREATE);
	if (lead_apply(t, NULL, lead, &ch) != 0)
		return dispatch_store_error(rc, t->ret);
	return lead_reply(rc, lead);
}

int lead_get(request_ctx *rc, store_txn *t)
{
	Leadd__Lead *lead;
	int code = lead_load_visible(rc, t, rc->req->lead_get->id, &lead);
	if (code || (code = lead_reply(rc, lead)))
		return code;
	/* Its opportunities, newest first, without their items (opp_view.h). */
	return opp_view_of_lead(rc, t, lead, &rc->resp.lead->opps, &rc->resp.lead->n_opps);
}

static int check_version(request_ctx *rc, const Leadd__Lead *lead, uint64_t expected)
{
	if (lead->version != expected)
		return dispatch_fail(rc, LD_ABORTED,
				     "lead %" PRIu64 " changed since version %" PRIu64
				     " (it is now at version %" PRIu64 "); read it again and retry",
				     lead->id, expected, lead->version);
	return LD_OK;
}

/* Point the main contact's email or phone at a new value, creating the main
 * contact when the lead has none. */
static int set_main_contact(request_ctx *rc, Leadd__Lead *lead, const char *email,
			    const char *phone)
{
	if (!email && !phone)
		return LD_OK;
	Leadd__Contact *main;
	if (lead->n_contacts == 0) {
		Leadd__Contact **list = ld_arena_alloc(&rc->arena, sizeof(*list));
		main = ld_arena_alloc(&rc->arena, sizeof(*main));
		if (!list || !main)
			return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
		leadd__contact__init(main);
		list[0] = main;
		lead->contacts = list;
		lead->n_contacts = 1;
	} else {
		main = lead->contacts[0];
	}
	if (email)
		main->email = email[0] ? (char *)email : NULL;
	if (phone)
		main->phone = phone[0] ? (char *)phone : NULL;
	return LD_OK;
}

/* Do two leads hold the same fields? protobuf-c packs fields in a fixed
 * order, so equal records pack to equal bytes. */
static int lead_same(request_ctx *rc, const Leadd__Lead *a, const Leadd__Lead *b)
{
	size_t n = leadd__lead__get_packed_size(a);
	if (n != leadd__lead__get_packed_size(b))
		return 0;
	uint8_t *pa = ld_arena_alloc(&rc->arena, n + 1), *pb = ld_arena_alloc(&rc->arena, n + 1);
	if (!pa || !pb)
		return 0; /* cannot tell: record the change */
	leadd__lead__pack(a, pa);
	leadd__lead__pack(b, pb);
	return memcmp(pa, pb, n) == 0;
}

static int any_update_field(const Leadd__LeadUpdateRequest *q)
{
	return q->title || q->client_name || q->description || q->value || q->source || q->tags ||
	       q->contacts || q->has_next_action_at || q->main_email || q->main_phone ||
	       q->next_action_note || (q->has_clear_value && q->clear_value);
}

int lead_update(request_ctx *rc, store_txn *t)
{
	const Leadd__LeadUpdateRequest *q = rc->req->lead_update;
	Leadd__Lead *lead, *old;
	int code;
	if (!q->has_expected_version)
		return dispatch_fail(
			rc, LD_INVALID_ARGUMENT,
			"an edit needs the version of the lead it is based on: read the "
			"lead and send its version");
	if (!any_update_field(q))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT, "the update changes no field");
	if ((code = lead_load_visible(rc, t, q->id, &old)) ||
	    (code = check_version(rc, old, q->expected_version)))
		return code;
	if (q->title && ld_is_blank(q->title))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT, "a lead needs a title");
	if (q->has_next_action_at && q->next_action_at < 0)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "the next action time cannot be before 1970");
	if (q->value && q->has_clear_value && q->clear_value)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "the update both sets and clears the value; send one");
	if ((code = check_money(rc, q->value)) ||
	    (q->tags && (code = check_tags(rc, q->tags->items, q->tags->n_items))) ||
	    (q->contacts &&
	     (code = check_contacts(rc, q->contacts->items, q->contacts->n_items))) ||
	    (code = check_email(rc, q->main_email)) || (code = check_phone(rc, q->main_phone)))
		return code;

	/* A second copy to edit: the write core needs the old one intact. The
	 * caller may see it: it is the lead just checked, in this transaction. */
	if ((code = lead_load(t, q->id, &rc->arena, &lead)))
		return dispatch_store_error(rc, code);
	if (q->title)
		lead->title = q->title;
	if (q->description)
		lead->description = q->description[0] ? q->description : NULL;
	if (q->value)
		lead->value = copy_money(rc, q->value);
	if (q->has_clear_value && q->clear_value)
		lead->value = NULL;
	if (q->source)
		lead->source = q->source[0] ? q->source : NULL;
	if (q->tags) {
		lead->n_tags = q->tags->n_items;
		lead->tags = q->tags->items;
	}
	if (q->contacts) {
		lead->n_contacts = q->contacts->n_items;
		lead->contacts = q->contacts->items;
	}
	/* The lead's own next action: an open activity earlier than it stays
	 * the next action (activity_core.h). */
	activity_own_next_set(lead, q->has_next_action_at, q->next_action_at, q->next_action_note);
	/* A note says what the next action is: without a time there is none
	 * (every client gets this rule, not only lead's own check). */
	if (q->next_action_note && q->next_action_note[0] &&
	    !(lead->next_action_activity ? lead->own_next_at : lead->next_action_at))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "lead %" PRIu64
				     " has no next action for the note to describe: "
				     "give its time with the note",
				     lead->id);
	if ((code = set_main_contact(rc, lead, q->main_email, q->main_phone)))
		return code;
	if (lead->n_contacts && ld_is_blank(lead->contacts[0]->name) &&
	    ld_is_blank(lead->contacts[0]->email) && ld_is_blank(lead->contacts[0]->phone))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "the main contact would have no name, email or phone "
				     "left; keep one, or remove the contact (lead contact rm)");
	if (q->client_name &&
	    (code = set_client(rc, t, lead, q->client_name, q->has_new_client && q->new_client)))
		return code;
	if (lead_same(rc, old, lead))
		return lead_reply(rc, old); /* nothing changes: nothing to record */
	lead_change ch = lead_change_of(rc, LEADD__STORE__CHANGE_KIND__CHANGE_UPDATE);
	if (lead_apply(t, old, lead, &ch) != 0)
		return dispatch_store_error(rc, t->ret);
	return lead_reply(rc, lead);
}
