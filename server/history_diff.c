/* The changes between two versions of a lead, as lead_history sends them
 * (history_diff.h). Field names and value formats are docs/protocol.md's
 * (lead_history): change one, change the other. */
#include "history_diff.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ld_currency.h"
#include "ld_norm.h"

/* Per change: the FieldChange and its pointer, beside its strings. */
#define CHANGE_OVERHEAD 64

char *history_text(history_diff *d, const char *s, int multiline)
{
	size_t need = ld_text_escape(s, multiline, NULL, 0);
	char *out = ld_arena_alloc(d->arena, need + 1);
	if (!out) {
		d->failed = 1;
		return NULL;
	}
	ld_text_escape(s, multiline, out, need + 1);
	d->bytes += need + 1;
	return out;
}

/* printf into the arena, escaped. */
static char *textf(history_diff *d, int multiline, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static char *textf(history_diff *d, int multiline, const char *fmt, ...)
{
	va_list ap;
	char *raw;
	va_start(ap, fmt);
	int n = vasprintf(&raw, fmt, ap);
	va_end(ap);
	if (n < 0) {
		d->failed = 1;
		return NULL;
	}
	char *out = history_text(d, raw, multiline);
	free(raw);
	return out;
}

const char *history_name(history_diff *d, history_name_kind kind, uint64_t id)
{
	static const char *const what[] = {"user", "team", "status"};
	if (kind == HISTORY_NAME_USER && id == 0)
		return "pool";
	const char *name = id ? d->name(d->name_arg, kind, id) : NULL;
	if (name && *name)
		return history_text(d, name, 0);
	return textf(d, 0, "%s %" PRIu64, what[kind], id);
}

static int has(const char *s)
{
	return s && *s;
}

static int same_text(const char *a, const char *b)
{
	return strcmp(has(a) ? a : "", has(b) ? b : "") == 0;
}

/* Append one change. old/new are already escaped arena strings, or NULL
 * (absent: no value). */
static int push(history_diff *d, Leadd__FieldChange ***changes, size_t *n, const char *field,
		const char *old, const char *new)
{
	if (d->failed)
		return -1;
	/* The array doubles inside the arena: at most twice its final size. */
	if (*n == 0 || (*n >= 8 && (*n & (*n - 1)) == 0)) {
		size_t cap = *n ? *n * 2 : 8;
		Leadd__FieldChange **grown = ld_arena_alloc(d->arena, cap * sizeof(*grown));
		if (!grown) {
			d->failed = 1;
			return -1;
		}
		if (*n)
			memcpy(grown, *changes, *n * sizeof(*grown));
		*changes = grown;
	}
	Leadd__FieldChange *c = ld_arena_alloc(d->arena, sizeof(*c));
	if (!c) {
		d->failed = 1;
		return -1;
	}
	leadd__field_change__init(c);
	c->field = (char *)field;
	c->old_value = (char *)old;
	c->new_value = (char *)new;
	(*changes)[(*n)++] = c;
	d->bytes += CHANGE_OVERHEAD;
	return 0;
}

/* A text field: absent or empty is no value. */
static int text_field(history_diff *d, Leadd__FieldChange ***ch, size_t *n, const char *field,
		      const char *old, const char *new, int multiline)
{
	if (same_text(old, new))
		return 0;
	return push(d, ch, n, field, has(old) ? history_text(d, old, multiline) : NULL,
		    has(new) ? history_text(d, new, multiline) : NULL);
}

static char *client_text(history_diff *d, const Leadd__Lead *l)
{
	if (has(l->client_name))
		return history_text(d, l->client_name, 0);
	return l->client_id ? textf(d, 0, "client %" PRIu64, l->client_id) : NULL;
}

/* "48000.00 EUR"; a code leadd does not know is shown in minor units. */
static char *value_text(history_diff *d, const Leadd__Money *m)
{
	if (!m || !m->has_amount_minor)
		return NULL;
	const ld_currency *cur = m->currency ? ld_currency_find(m->currency) : NULL;
	char amount[32];
	ld_amount_format(m->amount_minor, cur ? cur->minor : 0, amount, sizeof(amount));
	return textf(d, 0, "%s %s%s", amount, has(m->currency) ? m->currency : "",
		     cur ? "" : " (minor units)");
}

static int same_value(const Leadd__Money *a, const Leadd__Money *b)
{
	int ha = a && a->has_amount_minor, hb = b && b->has_amount_minor;
	if (ha != hb)
		return 0;
	return !ha || (a->amount_minor == b->amount_minor && same_text(a->currency, b->currency));
}

/* "a, b": the tags in their order; NULL for none. */
static char *tags_text(history_diff *d, char **tags, size_t n)
{
	if (!n)
		return NULL;
	size_t len = 1;
	for (size_t i = 0; i < n; i++)
		len += strlen(tags[i] ? tags[i] : "") + 2;
	char *raw = malloc(len);
	if (!raw) {
		d->failed = 1;
		return NULL;
	}
	raw[0] = 0;
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(raw, ", ");
		strcat(raw, tags[i] ? tags[i] : "");
	}
	char *out = history_text(d, raw, 0);
	free(raw);
	return out;
}

static int same_tags(char **a, size_t na, char **b, size_t nb)
{
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (!same_text(a[i], b[i]))
			return 0;
	return 1;
}

/* ---- contacts ---- */

/* "Ana Lopez <ana@x.com>, +34 600 000 000": who a contact is. */
static char *contact_text(history_diff *d, const Leadd__Contact *c)
{
	return textf(d, 0, "%s%s%s%s%s%s", has(c->name) ? c->name : "(no name)",
		     has(c->email) ? " <" : "", has(c->email) ? c->email : "",
		     has(c->email) ? ">" : "", has(c->phone) ? ", " : "",
		     has(c->phone) ? c->phone : "");
}

static const char *contact_label(const Leadd__Contact *c)
{
	if (has(c->name))
		return c->name;
	if (has(c->email))
		return c->email;
	return has(c->phone) ? c->phone : "(no name)";
}

/* Contacts have no ids: the same person in both versions is found by
 * email, then by name, then by phone (each compared without case), so an
 * edited phone reads as a changed phone, not as one contact removed and
 * another added. match[j] is the old index of new contact j, or -1. */
static void match_contacts(const Leadd__Lead *old, const Leadd__Lead *lead, int *match, char *used)
{
	for (size_t j = 0; j < lead->n_contacts; j++)
		match[j] = -1;
	for (int pass = 0; pass < 3; pass++)
		for (size_t j = 0; j < lead->n_contacts; j++) {
			if (match[j] >= 0)
				continue;
			const Leadd__Contact *c = lead->contacts[j];
			const char *key = pass == 0 ? c->email : pass == 1 ? c->name : c->phone;
			if (!has(key))
				continue;
			for (size_t i = 0; i < old->n_contacts; i++) {
				const Leadd__Contact *o = old->contacts[i];
				const char *ok = pass == 0   ? o->email
						 : pass == 1 ? o->name
							     : o->phone;
				if (!used[i] && has(ok) && strcasecmp(ok, key) == 0) {
					match[j] = (int)i;
					used[i] = 1;
					break;
				}
			}
		}
}

static int contact_line(history_diff *d, Leadd__FieldChange ***ch, size_t *n, char *text)
{
	return text ? push(d, ch, n, "contacts", NULL, text) : -1;
}

/* One attribute of a contact in both versions: "Ana Lopez: phone A -> B". */
static int contact_attr(history_diff *d, Leadd__FieldChange ***ch, size_t *n, const char *label,
			const char *what, const char *a, const char *b, int multiline)
{
	if (same_text(a, b))
		return 0;
	return contact_line(d, ch, n,
			    textf(d, multiline, "%s: %s %s -> %s", label, what, has(a) ? a : "none",
				  has(b) ? b : "none"));
}

static int contacts_diff(history_diff *d, const Leadd__Lead *old, const Leadd__Lead *lead,
			 Leadd__FieldChange ***ch, size_t *n)
{
	static const Leadd__Lead none = LEADD__LEAD__INIT;
	if (!old)
		old = &none;
	size_t nn = lead->n_contacts, no = old->n_contacts;
	/* Stored contacts are capped (LIMIT_CONTACTS), but an old record is not
	 * trusted to be: heap, not stack. */
	int *match = calloc(nn + 1, sizeof(*match));
	char *used = calloc(no + 1, 1);
	int rc = 0;
	if (!match || !used) {
		d->failed = 1;
		rc = -1;
		goto out;
	}
	size_t before = *n;
	match_contacts(old, lead, match, used);
	for (size_t i = 0; i < no && rc == 0; i++) {
		if (used[i])
			continue;
		char *who = contact_text(d, old->contacts[i]);
		rc = contact_line(d, ch, n, who ? textf(d, 0, "removed %s", who) : NULL);
	}
	for (size_t j = 0; j < nn && rc == 0; j++) {
		const Leadd__Contact *c = lead->contacts[j];
		if (match[j] < 0) {
			char *who = contact_text(d, c);
			rc = contact_line(d, ch, n, who ? textf(d, 0, "added %s", who) : NULL);
			continue;
		}
		const Leadd__Contact *o = old->contacts[match[j]];
		const char *label = contact_label(o);
		if (!rc)
			rc = contact_attr(d, ch, n, label, "name", o->name, c->name, 0);
		if (!rc)
			rc = contact_attr(d, ch, n, label, "role", o->role, c->role, 0);
		if (!rc)
			rc = contact_attr(d, ch, n, label, "email", o->email, c->email, 0);
		if (!rc)
			rc = contact_attr(d, ch, n, label, "phone", o->phone, c->phone, 0);
		if (!rc)
			rc = contact_attr(d, ch, n, label, "note", o->note, c->note, 1);
		if (!rc && o->left != c->left)
			rc = contact_line(d, ch, n,
					  textf(d, 0,
						c->left ? "%s: left" : "%s: back, no longer left",
						label));
	}
	/* A new main contact (the first): said when the lead had contacts
	 * before, as the first one added needs no such line. */
	if (rc == 0 && nn && no && match[0] != 0) {
		/* Named as the lines above name it: as it was, when it was there. */
		const Leadd__Contact *m = match[0] >= 0 ? old->contacts[match[0]]
							: lead->contacts[0];
		rc = contact_line(d, ch, n, textf(d, 0, "main: %s", contact_label(m)));
	}
	/* Nothing said yet, yet the list differs: only the order changed. */
	int reordered = 0;
	for (size_t j = 0; j < nn; j++)
		if (match[j] != (int)j)
			reordered = 1;
	if (rc == 0 && *n == before && nn == no && reordered) {
		size_t len = 8;
		for (size_t j = 0; j < nn; j++)
			len += strlen(contact_label(lead->contacts[j])) + 2;
		char *raw = malloc(len);
		if (!raw) {
			d->failed = 1;
			rc = -1;
			goto out;
		}
		strcpy(raw, "order: ");
		for (size_t j = 0; j < nn; j++) {
			if (j)
				strcat(raw, ", ");
			strcat(raw, contact_label(lead->contacts[j]));
		}
		rc = contact_line(d, ch, n, history_text(d, raw, 0));
		free(raw);
	}
out:
	free(match);
	free(used);
	return d->failed ? -1 : rc;
}

/* ---- the whole lead ---- */

static int id_field(history_diff *d, Leadd__FieldChange ***ch, size_t *n, const char *field,
		    history_name_kind kind, const Leadd__Lead *old, uint64_t a, uint64_t b,
		    int zero_is_none)
{
	if (old && a == b)
		return 0;
	const char *from = old && !(zero_is_none && !a) ? history_name(d, kind, a) : NULL;
	const char *to = !(zero_is_none && !b) ? history_name(d, kind, b) : NULL;
	if (!from && !to)
		return 0;
	return push(d, ch, n, field, from, to);
}

static int time_field(history_diff *d, Leadd__FieldChange ***ch, size_t *n, const char *field,
		      int64_t a, int64_t b)
{
	if (a == b)
		return 0;
	if (push(d, ch, n, field, NULL, NULL))
		return -1;
	Leadd__FieldChange *c = (*ch)[*n - 1];
	c->has_old_at = a > 0;
	c->old_at = a > 0 ? a : 0;
	c->has_new_at = b > 0;
	c->new_at = b > 0 ? b : 0;
	return 0;
}

/* Stand-by (issue 12): its end and its reason. */
static int standby_diff(history_diff *d, Leadd__FieldChange ***ch, size_t *n, const Leadd__Lead *o,
			const Leadd__Lead *lead)
{
	int rc = time_field(d, ch, n, "standby_until", o->standby_until, lead->standby_until);
	return rc ? rc
		  : text_field(d, ch, n, "standby_reason", o->standby_reason, lead->standby_reason,
			       0);
}

/* "lead 12, lead 15": a lead's renewals; NULL for none. */
static char *renewals_text(history_diff *d, const uint64_t *ids, size_t n)
{
	if (!n)
		return NULL;
	char *raw = malloc(n * 28 + 1);
	if (!raw) {
		d->failed = 1;
		return NULL;
	}
	size_t o = 0;
	for (size_t i = 0; i < n; i++)
		o += (size_t)sprintf(raw + o, "%slead %" PRIu64, i ? ", " : "", ids[i]);
	char *out = history_text(d, raw, 0);
	free(raw);
	return out;
}

/* Archive and renew (issue 12): "archived" yes/none, "renewed_from" (set
 * once, at the renewal's creation) and "renewals" (the list, as tags). */
static int archive_renew_fields(history_diff *d, const Leadd__Lead *o, const Leadd__Lead *lead,
				Leadd__FieldChange ***ch, size_t *n)
{
	int rc = 0;
	if (!o->archived != !lead->archived)
		rc = push(d, ch, n, "archived", o->archived ? "yes" : NULL,
			  lead->archived ? "yes" : NULL);
	if (!rc && o->renewed_from != lead->renewed_from)
		rc = push(d, ch, n, "renewed_from",
			  o->renewed_from ? textf(d, 0, "lead %" PRIu64, o->renewed_from) : NULL,
			  lead->renewed_from ? textf(d, 0, "lead %" PRIu64, lead->renewed_from)
					     : NULL);
	if (!rc && (o->n_renewals != lead->n_renewals ||
		    (o->n_renewals &&
		     memcmp(o->renewals, lead->renewals, o->n_renewals * sizeof(uint64_t)))))
		rc = push(d, ch, n, "renewals", renewals_text(d, o->renewals, o->n_renewals),
			  renewals_text(d, lead->renewals, lead->n_renewals));
	return rc;
}

/* The lead's own next action (what lead_update sets): next_action_* when
 * no activity is the next action, else own_next_*. */
static int64_t own_at(const Leadd__Lead *l)
{
	return l->next_action_activity ? l->own_next_at : l->next_action_at;
}

static const char *own_note(const Leadd__Lead *l)
{
	return l->next_action_activity ? l->own_next_note : l->next_action_note;
}

/* "42.3 task: send the quote": the open activity that is the next action;
 * NULL for none. */
static char *next_activity_text(history_diff *d, const Leadd__Lead *l)
{
	if (!l->next_action_activity)
		return NULL;
	return textf(d, 0, "%" PRIu64 ".%" PRIu32 " %s", l->id, l->next_action_activity,
		     has(l->next_action_note) ? l->next_action_note : "");
}

/* Issue 13: "next_action"/"next_action_note" are the lead's own next
 * action, which only a person changes (lead_update); the earliest open
 * activity standing as the next action is "next_action_activity", which
 * moves with the activities: an activity added, done or moved never reads
 * as an edit of the lead's own plan. */
static int next_action_diff(history_diff *d, const Leadd__Lead *o, const Leadd__Lead *lead,
			    Leadd__FieldChange ***ch, size_t *n)
{
	int rc = time_field(d, ch, n, "next_action", own_at(o), own_at(lead));
	if (!rc)
		rc = text_field(d, ch, n, "next_action_note", own_note(o), own_note(lead), 0);
	if (rc || (o->next_action_activity == lead->next_action_activity &&
		   (!lead->next_action_activity ||
		    (o->next_action_at == lead->next_action_at &&
		     same_text(o->next_action_note, lead->next_action_note)))))
		return rc;
	char *from = next_activity_text(d, o), *to = next_activity_text(d, lead);
	if ((o->next_action_activity && !from) || (lead->next_action_activity && !to) ||
	    push(d, ch, n, "next_action_activity", from, to))
		return -1;
	Leadd__FieldChange *c = (*ch)[*n - 1];
	c->has_old_at = o->next_action_activity && o->next_action_at > 0;
	c->old_at = c->has_old_at ? o->next_action_at : 0;
	c->has_new_at = lead->next_action_activity && lead->next_action_at > 0;
	c->new_at = c->has_new_at ? lead->next_action_at : 0;
	return 0;
}

int history_diff_leads(history_diff *d, const Leadd__Lead *old, const Leadd__Lead *lead,
		       Leadd__FieldChange ***changes, size_t *n)
{
	static const Leadd__Lead none = LEADD__LEAD__INIT;
	const Leadd__Lead *o = old ? old : &none;
	*changes = NULL;
	*n = 0;
	int rc = text_field(d, changes, n, "title", o->title, lead->title, 0);
	if (!rc &&
	    (o->client_id != lead->client_id || !same_text(o->client_name, lead->client_name)))
		rc = push(d, changes, n, "client", client_text(d, o), client_text(d, lead));
	if (!rc)
		rc = text_field(d, changes, n, "description", o->description, lead->description, 1);
	if (!rc && !same_value(o->value, lead->value))
		rc = push(d, changes, n, "value", value_text(d, o->value),
			  value_text(d, lead->value));
	if (!rc)
		rc = text_field(d, changes, n, "source", o->source, lead->source, 0);
	if (!rc && !same_tags(o->tags, o->n_tags, lead->tags, lead->n_tags))
		rc = push(d, changes, n, "tags", tags_text(d, o->tags, o->n_tags),
			  tags_text(d, lead->tags, lead->n_tags));
	if (!rc)
		rc = contacts_diff(d, old, lead, changes, n);
	if (!rc)
		rc = id_field(d, changes, n, "status", HISTORY_NAME_STATUS, old, o->status_id,
			      lead->status_id, 0);
	if (!rc)
		rc = text_field(d, changes, n, "status_reason", o->status_reason,
				lead->status_reason, 0);
	if (!rc)
		rc = id_field(d, changes, n, "owner", HISTORY_NAME_USER, old, o->owner_id,
			      lead->owner_id, 0);
	if (!rc)
		rc = id_field(d, changes, n, "team", HISTORY_NAME_TEAM, old, o->team_id,
			      lead->team_id, 1);
	if (!rc)
		rc = next_action_diff(d, o, lead, changes, n);
	if (!rc)
		rc = standby_diff(d, changes, n, o, lead);
	if (!rc)
		rc = archive_renew_fields(d, o, lead, changes, n);
	return d->failed ? -1 : rc;
}
