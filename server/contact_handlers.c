/* Contact requests: add, edit, remove, make main. A lead's contacts are
 * ordered, the main one first, at most LIMIT_CONTACTS of them. Each change
 * is a change of the lead through the write core (CHANGE_UPDATE), so its
 * history and the email, phone and word indexes follow; a change that
 * changes nothing is not recorded and keeps the version. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ld_error.h"
#include "ld_norm.h"
#include "lead_core.h"
#include "lead_handlers.h"
#include "record_handlers.h"
#include "request_limits.h"

int lead_load_for_edit(request_ctx *rc, store_txn *t, uint64_t id, int has_expected,
		       uint64_t expected, Leadd__Lead **old, Leadd__Lead **lead)
{
	int code = lead_load_visible(rc, t, id, old);
	if (code)
		return code;
	if (has_expected && (*old)->version != expected)
		return dispatch_fail(rc, LD_ABORTED,
				     "lead %" PRIu64 " changed since version %" PRIu64
				     " (it is now at version %" PRIu64 "); read it again and retry",
				     id, expected, (*old)->version);
	/* A second copy to change: the write core needs the old one intact. */
	int err = lead_load(t, id, &rc->arena, lead);
	return err ? dispatch_store_error(rc, err) : LD_OK;
}

static int is_position(const char *s, unsigned long *pos)
{
	unsigned long v = 0;
	size_t n = 0;
	for (; s[n] >= '0' && s[n] <= '9'; n++)
		if (n < 3)
			v = v * 10 + (unsigned long)(s[n] - '0');
	if (n == 0 || s[n] || n > 2 || v < 1 || v > LIMIT_CONTACTS)
		return 0;
	*pos = v;
	return 1;
}

static int same_email(const char *a_norm, const char *email)
{
	char b[LIMIT_EMAIL + 1];
	return email && strlen(email) <= LIMIT_EMAIL && ld_norm_email(email, b, sizeof(b)) == 0 &&
	       strcmp(a_norm, b) == 0;
}

static int not_found(request_ctx *rc, uint64_t id, const char *who)
{
	return dispatch_fail(rc, LD_NOT_FOUND,
			     "lead %" PRIu64 " has no contact '%s'; 'lead contact ls %" PRIu64
			     "' lists them",
			     id, who, id);
}

/* Which contact `who` names: a position 1..50 as `lead contact ls` prints
 * it (a number always is a position, even where a contact is named so),
 * else an email, else a name (folded: "ana ruiz" is "Ana Ruiz"). A name two
 * contacts share is refused, naming both. LD_OK with *at, or the code. */
static int contact_find(request_ctx *rc, const Leadd__Lead *l, const char *who, size_t *at)
{
	char key[LIMIT_EMAIL * 4 + 1], other[LIMIT_NAME * 4 + 1];
	unsigned long pos;
	if (!who || !who[0])
		return dispatch_fail(
			rc, LD_INVALID_ARGUMENT,
			"say which contact: its position, email or name ('lead contact "
			"ls %" PRIu64 "' lists them)",
			l->id);
	if (is_position(who, &pos)) {
		if (pos > l->n_contacts)
			return not_found(rc, l->id, who);
		*at = pos - 1;
		return LD_OK;
	}
	size_t found[2], n = 0;
	if (strchr(who, '@') && ld_norm_email(who, key, sizeof(key)) == 0)
		for (size_t i = 0; i < l->n_contacts && n < 2; i++)
			if (same_email(key, l->contacts[i]->email))
				found[n++] = i;
	int by_email = n > 0;
	if (n == 0 && ld_norm_name(who, key, sizeof(key)) == 0 && key[0])
		for (size_t i = 0; i < l->n_contacts && n < 2; i++)
			if (l->contacts[i]->name &&
			    ld_norm_name(l->contacts[i]->name, other, sizeof(other)) == 0 &&
			    strcmp(key, other) == 0)
				found[n++] = i;
	if (n == 0)
		return not_found(rc, l->id, who);
	/* Two with one email: written before each email was kept once on a
	 * lead (or by lead_update's main_email); the position tells them
	 * apart. */
	if (n > 1)
		return dispatch_fail(
			rc, LD_INVALID_ARGUMENT,
			"'%s' could be contact %zu or %zu of lead %" PRIu64 "; give the position%s",
			who, found[0] + 1, found[1] + 1, l->id, by_email ? "" : " or the email");
	*at = found[0];
	return LD_OK;
}

/* ALREADY_EXISTS when a contact other than `skip` has `email`. */
static int check_email_free(request_ctx *rc, const Leadd__Lead *l, const char *email, size_t skip)
{
	char key[LIMIT_EMAIL + 1];
	if (!email || !email[0] || ld_norm_email(email, key, sizeof(key)) < 0)
		return LD_OK;
	for (size_t i = 0; i < l->n_contacts; i++)
		if (i != skip && same_email(key, l->contacts[i]->email))
			return dispatch_fail(rc, LD_ALREADY_EXISTS,
					     "lead %" PRIu64 " already has %s: contact %zu (%s)",
					     l->id, email, i + 1,
					     l->contacts[i]->name ? l->contacts[i]->name
								  : l->contacts[i]->email);
	return LD_OK;
}

static char *or_null(char *s)
{
	return s && s[0] ? s : NULL;
}

static int apply_and_reply(request_ctx *rc, store_txn *t, const Leadd__Lead *old, Leadd__Lead *lead)
{
	lead_change ch = lead_change_of(rc, LEADD__STORE__CHANGE_KIND__CHANGE_UPDATE);
	if (lead_apply(t, old, lead, &ch) != 0)
		return dispatch_store_error(rc, t->ret);
	return lead_reply(rc, lead);
}

/* The lead's contacts with room for one more, in the request's arena. */
static Leadd__Contact **contacts_copy(request_ctx *rc, const Leadd__Lead *l)
{
	Leadd__Contact **list = ld_arena_alloc(&rc->arena, (l->n_contacts + 1) * sizeof(*list));
	if (list && l->n_contacts)
		memcpy(list, l->contacts, l->n_contacts * sizeof(*list));
	return list;
}

int contact_add(request_ctx *rc, store_txn *t)
{
	const Leadd__ContactAddRequest *q = rc->req->contact_add;
	Leadd__Lead *old, *lead;
	int code;
	if (!q->contact)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "say who the contact is: a name, an email or a phone");
	if ((code = lead_check_contact(rc, q->contact, "the contact")) ||
	    (code = lead_load_for_edit(rc, t, q->lead_id, q->has_expected_version,
				       q->expected_version, &old, &lead)))
		return code;
	if (old->n_contacts >= LIMIT_CONTACTS)
		return dispatch_fail(rc, LD_FAILED_PRECONDITION,
				     "lead %" PRIu64 " has %zu contacts, the most a lead may have; "
				     "remove one first (lead contact rm)",
				     old->id, old->n_contacts);
	if ((code = check_email_free(rc, old, q->contact->email, (size_t)-1)))
		return code;
	Leadd__Contact *c = ld_arena_alloc(&rc->arena, sizeof(*c));
	Leadd__Contact **list = contacts_copy(rc, old);
	if (!c || !list)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__contact__init(c);
	c->name = or_null(q->contact->name);
	c->role = or_null(q->contact->role);
	c->email = or_null(q->contact->email);
	c->phone = or_null(q->contact->phone);
	c->note = or_null(q->contact->note);
	c->has_left = c->left = q->contact->has_left && q->contact->left;
	if (q->has_main && q->main) {
		memmove(list + 1, list, old->n_contacts * sizeof(*list));
		list[0] = c;
	} else {
		list[old->n_contacts] = c;
	}
	lead->contacts = list;
	lead->n_contacts = old->n_contacts + 1;
	return apply_and_reply(rc, t, old, lead);
}

static int any_edit_field(const Leadd__ContactEditRequest *q)
{
	return q->name || q->role || q->email || q->phone || q->note || q->has_left;
}

static int same_contact(request_ctx *rc, const Leadd__Contact *a, const Leadd__Contact *b)
{
	size_t n = leadd__contact__get_packed_size(a);
	if (n != leadd__contact__get_packed_size(b))
		return 0;
	uint8_t *pa = ld_arena_alloc(&rc->arena, n + 1), *pb = ld_arena_alloc(&rc->arena, n + 1);
	if (!pa || !pb)
		return 0; /* cannot tell: record the change */
	leadd__contact__pack(a, pa);
	leadd__contact__pack(b, pb);
	return memcmp(pa, pb, n) == 0;
}

int contact_edit(request_ctx *rc, store_txn *t)
{
	const Leadd__ContactEditRequest *q = rc->req->contact_edit;
	Leadd__Lead *old, *lead;
	size_t at;
	int code;
	if (!any_edit_field(q))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "the edit changes nothing: give the name, role, email, phone, "
				     "note or left to change");
	if ((code = lead_load_for_edit(rc, t, q->lead_id, q->has_expected_version,
				       q->expected_version, &old, &lead)) ||
	    (code = contact_find(rc, old, q->who, &at)))
		return code;
	Leadd__Contact *c = ld_arena_alloc(&rc->arena, sizeof(*c));
	Leadd__Contact **list = contacts_copy(rc, old);
	if (!c || !list)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	*c = *old->contacts[at];
	if (q->name)
		c->name = or_null(q->name);
	if (q->role)
		c->role = or_null(q->role);
	if (q->email)
		c->email = or_null(q->email);
	if (q->phone)
		c->phone = or_null(q->phone);
	if (q->note)
		c->note = or_null(q->note);
	if (q->has_left) /* false is stored as absent: the contact as before */
		c->has_left = c->left = q->left;
	char which[32];
	snprintf(which, sizeof(which), "contact %zu", at + 1);
	/* The email is checked against the others only when it changes: an
	 * older duplicate must not block editing the contact's other fields. */
	if ((code = lead_check_contact(rc, c, which)) ||
	    (q->email && (code = check_email_free(rc, old, c->email, at))))
		return code;
	if (same_contact(rc, c, old->contacts[at]))
		return lead_reply(rc, old); /* nothing changes: nothing to record */
	list[at] = c;
	lead->contacts = list;
	return apply_and_reply(rc, t, old, lead);
}

int contact_rm(request_ctx *rc, store_txn *t)
{
	const Leadd__ContactRemoveRequest *q = rc->req->contact_rm;
	Leadd__Lead *old, *lead;
	size_t at;
	int code;
	if ((code = lead_load_for_edit(rc, t, q->lead_id, q->has_expected_version,
				       q->expected_version, &old, &lead)) ||
	    (code = contact_find(rc, old, q->who, &at)))
		return code;
	Leadd__Contact **list = contacts_copy(rc, old);
	if (!list)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	memmove(list + at, list + at + 1, (old->n_contacts - at - 1) * sizeof(*list));
	lead->contacts = list;
	lead->n_contacts = old->n_contacts - 1;
	return apply_and_reply(rc, t, old, lead);
}

int contact_main(request_ctx *rc, store_txn *t)
{
	const Leadd__ContactMainRequest *q = rc->req->contact_main;
	Leadd__Lead *old, *lead;
	size_t at;
	int code;
	if ((code = lead_load_for_edit(rc, t, q->lead_id, q->has_expected_version,
				       q->expected_version, &old, &lead)) ||
	    (code = contact_find(rc, old, q->who, &at)))
		return code;
	if (at == 0)
		return lead_reply(rc, old); /* the main one already: nothing to record */
	Leadd__Contact **list = contacts_copy(rc, old);
	if (!list)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	/* It goes first; the others keep their order. */
	Leadd__Contact *c = list[at];
	memmove(list + 1, list, at * sizeof(*list));
	list[0] = c;
	lead->contacts = list;
	return apply_and_reply(rc, t, old, lead);
}
