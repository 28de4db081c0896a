/* The one place where strings and repeated fields are checked, before any
 * handler sees a request. protobuf-c 1.4.1 does not check UTF-8, and cuts a
 * string at an embedded NUL without a word, so a handler could otherwise
 * store bytes that other-language clients reject, or something other than
 * what was sent. Text that reaches a manager's terminal must not carry
 * escape sequences: one-line fields take no control characters at all,
 * multi-line ones (a description) only newline and tab. Every message names
 * the field as a person would, never by its protobuf name. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dispatch.h"
#include "ld_currency.h"
#include "ld_error.h"
#include "ld_norm.h"
#include "opp_core.h"
#include "request_limits.h"

typedef enum {
	TEXT_LINE,  /* one line: no control characters, no bidi overrides */
	TEXT_LINES, /* several lines: newline and tab allowed */
	TEXT_SECRET /* a password: any character but NUL, never echoed */
} text_kind;

typedef struct {
	const char *message; /* full protobuf name, or NULL: any message */
	const char *field;
	uint32_t max_len;   /* bytes per string, 0: LIMIT_STRING_DEFAULT */
	uint32_t max_count; /* items of a repeated field, 0: LIMIT_REPEATED_DEFAULT */
	const char *human;  /* "the title"; a repeated field: one item, "a tag" */
	const char *plural; /* a repeated field's items: "tags" */
	text_kind kind;
} field_cap;

/* Caps and human names by field name, first match wins; docs/protocol.md
 * lists the caps. */
// clang-format off
static const field_cap caps[] = {
	{"leadd.StringList", "items", LIMIT_TAG, LIMIT_TAGS, "a tag", "tags", TEXT_LINE},
	{"leadd.ContactList", "items", 0, LIMIT_CONTACTS, "a contact", "contacts", TEXT_LINE},
	{"leadd.HelloRequest", "client_name", LIMIT_CLIENT_NAME, 0, "the client program's name", NULL, TEXT_LINE},
	{"leadd.Contact", "name", LIMIT_NAME, 0, "the contact's name", NULL, TEXT_LINE},
	{"leadd.LoginRequest", "user", 0, 0, "the user name", NULL, TEXT_LINE},
	{"leadd.Client", "name", LIMIT_NAME, 0, "the client folder's name", NULL, TEXT_LINE},
	{"leadd.ClientRef", "name", LIMIT_NAME, 0, "the client folder's name", NULL, TEXT_LINE},
	{"leadd.UserAddRequest", "name", LIMIT_NAME, 0, "the user name", NULL, TEXT_LINE},
	{"leadd.UserEditRequest", "name", LIMIT_NAME, 0, "the user name", NULL, TEXT_LINE},
	{"leadd.UserPasswdRequest", "name", LIMIT_NAME, 0, "the user name", NULL, TEXT_LINE},
	{"leadd.UserDisableRequest", "name", LIMIT_NAME, 0, "the user name", NULL, TEXT_LINE},
	{"leadd.TeamAddRequest", "name", LIMIT_NAME, 0, "the team name", NULL, TEXT_LINE},
	{"leadd.TeamEditRequest", "name", LIMIT_NAME, 0, "the team name", NULL, TEXT_LINE},
	{"leadd.Contact", "note", LIMIT_NOTE, 0, "the contact's note", NULL, TEXT_LINES},
	{"leadd.LeadTagRequest", "add", LIMIT_TAG, LIMIT_TAGS, "an added tag", "tags to add", TEXT_LINE},
	{"leadd.LeadTagRequest", "rm", LIMIT_TAG, LIMIT_TAGS, "a removed tag", "tags to remove", TEXT_LINE},
	{"leadd.ClientListRequest", "query", LIMIT_NAME, 0, "the search text", NULL, TEXT_LINE},
	{"leadd.Client", "note", LIMIT_NOTE, 0, "the client folder's note", NULL, TEXT_LINES},
	/* The status list (issue 12): statuses are named by status words. */
	{"leadd.Status", "name", LIMIT_NAME, 0, "the status name", NULL, TEXT_LINE},
	{"leadd.StatusAddRequest", "after", LIMIT_NAME, 0, "the status it goes after", NULL, TEXT_LINE},
	{"leadd.StatusEditRequest", "name", LIMIT_NAME, 0, "the status name", NULL, TEXT_LINE},
	{"leadd.StatusEditRequest", "new_name", LIMIT_NAME, 0, "the new status name", NULL, TEXT_LINE},
	{"leadd.StatusEditRequest", "after", LIMIT_NAME, 0, "the status it goes after", NULL, TEXT_LINE},
	{"leadd.StatusRemoveRequest", "name", LIMIT_NAME, 0, "the status name", NULL, TEXT_LINE},
	{"leadd.StatusRemoveRequest", "move_to", LIMIT_NAME, 0, "the status its leads move to", NULL, TEXT_LINE},
	{"leadd.ClientEditRequest", "note", LIMIT_NOTE, 0, "the client folder's note", NULL, TEXT_LINES},
	{"leadd.LeadSetStatusRequest", "reason", LIMIT_REASON, 0, "the reason", NULL, TEXT_LINE},
	{"leadd.Reason", "text", LIMIT_REASON, 0, "the reason", NULL, TEXT_LINE},
	{"leadd.LeadStandbyRequest", "reason", LIMIT_STANDBY_REASON, 0, "the stand-by reason", NULL, TEXT_LINE},
	/* Activities (issue 13). */
	{"leadd.ActivityAddRequest", "text", LIMIT_ACTIVITY_TEXT, 0, "the note's text", NULL, TEXT_LINES},
	{"leadd.ActivityEditRequest", "text", LIMIT_ACTIVITY_TEXT, 0, "the note's text", NULL, TEXT_LINES},
	/* Opportunities (issue 15). */
	{"leadd.OppItem", "name", LIMIT_TITLE, 0, "an item's name", NULL, TEXT_LINE},
	{"leadd.OppCreateRequest", "items", 0, OPP_ITEMS_MAX, "an item", "items", TEXT_LINE},
	{"leadd.OppEditRequest", "items", 0, OPP_ITEMS_MAX, "an item", "items", TEXT_LINE},
	{"leadd.OppLostRequest", "reason", LIMIT_REASON, 0, "the reason", NULL, TEXT_LINE},
	{NULL, "outcome", LIMIT_ACTIVITY_TEXT, 0, "the outcome", NULL, TEXT_LINES},
	{NULL, "place", LIMIT_PLACE, 0, "where the meeting is", NULL, TEXT_LINE},
	{NULL, "contact", LIMIT_NAME, 0, "who at the client it is with", NULL, TEXT_LINE},
	{NULL, "assignee", 0, 0, "the user it is for", NULL, TEXT_LINE},
	{NULL, "title", LIMIT_TITLE, 0, "the title", NULL, TEXT_LINE},
	{NULL, "note", LIMIT_NOTE, 0, "the note", NULL, TEXT_LINES},
	{NULL, "next_action_note", LIMIT_NOTE, 0, "the next action's note", NULL, TEXT_LINE},
	{NULL, "web", LIMIT_WEB, 0, "the website", NULL, TEXT_LINE},
	{NULL, "address", LIMIT_ADDRESS, 0, "the address", NULL, TEXT_LINES},
	{NULL, "new_name", LIMIT_NAME, 0, "the new name", NULL, TEXT_LINE},
	{NULL, "who", LIMIT_EMAIL, 0, "the contact's email, name or position", NULL, TEXT_LINE},
	{NULL, "name", LIMIT_NAME, 0, "the name", NULL, TEXT_LINE},
	{NULL, "client_name", LIMIT_NAME, 0, "the client name", NULL, TEXT_LINE},
	{NULL, "description", LIMIT_DESCRIPTION, 0, "the description", NULL, TEXT_LINES},
	{NULL, "source", LIMIT_SOURCE, 0, "the source", NULL, TEXT_LINE},
	{NULL, "role", LIMIT_ROLE, 0, "the contact's role", NULL, TEXT_LINE},
	{NULL, "email", LIMIT_EMAIL, 0, "the email address", NULL, TEXT_LINE},
	{NULL, "main_email", LIMIT_EMAIL, 0, "the email address", NULL, TEXT_LINE},
	{NULL, "phone", LIMIT_PHONE, 0, "the phone number", NULL, TEXT_LINE},
	{NULL, "main_phone", LIMIT_PHONE, 0, "the phone number", NULL, TEXT_LINE},
	{NULL, "currency", LIMIT_CURRENCY, 0, "the currency", NULL, TEXT_LINE},
	{NULL, "cursor", LIMIT_CURSOR, 0, "the cursor", NULL, TEXT_LINE},
	{NULL, "tags", LIMIT_TAG, LIMIT_TAGS, "a tag", "tags", TEXT_LINE},
	{NULL, "contacts", 0, LIMIT_CONTACTS, "a contact", "contacts", TEXT_LINE},
	{NULL, "owner", 0, 0, "the owner's user name", NULL, TEXT_LINE},
	{NULL, "team", 0, 0, "the team name", NULL, TEXT_LINE},
	{NULL, "to_user", 0, 0, "the user the leads go to", NULL, TEXT_LINE},
	{NULL, "from_user", 0, 0, "the user the leads come from", NULL, TEXT_LINE},
	{NULL, "managers", 0, 0, "a manager's user name", "managers", TEXT_LINE},
	{NULL, "user", 0, 0, "the user name", NULL, TEXT_LINE},
};
// clang-format on

static const field_cap *cap_for(const ProtobufCMessageDescriptor *d, const char *field)
{
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		if (strcmp(caps[i].field, field) == 0 &&
		    (!caps[i].message || strcmp(caps[i].message, d->name) == 0))
			return &caps[i];
	return NULL;
}

/* What to check a field's text for, and what to call it. */
typedef struct {
	uint32_t max_len, max_count;
	text_kind kind;
	char human[96];  /* "the title", "tag 3" */
	char plural[64]; /* "tags" */
} field_rule;

static void rule_for(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f,
		     field_rule *r)
{
	const field_cap *cap = cap_for(d, f->name);
	size_t n = strlen(f->name);
	r->max_len = cap && cap->max_len ? cap->max_len : LIMIT_STRING_DEFAULT;
	r->max_count = cap && cap->max_count ? cap->max_count : LIMIT_REPEATED_DEFAULT;
	r->kind = cap ? cap->kind : TEXT_LINE;
	/* Passwords are secrets: any character but NUL, never shown. */
	if (n >= 8 && strcmp(f->name + n - 8, "password") == 0) {
		r->kind = TEXT_SECRET;
		snprintf(r->human, sizeof(r->human), "%s",
			 strcmp(f->name, "password") == 0           ? "the password"
			 : strcmp(f->name, "current_password") == 0 ? "the current password"
								    : "a password");
	} else if (cap) {
		snprintf(r->human, sizeof(r->human), "%s", cap->human);
	} else {
		/* A field added without a row here: its name with spaces, which
		 * still reads as words. */
		snprintf(r->human, sizeof(r->human), "the %s", f->name);
		for (char *p = r->human; *p; p++)
			if (*p == '_')
				*p = ' ';
	}
	snprintf(r->plural, sizeof(r->plural), "%s",
		 cap && cap->plural ? cap->plural
				    : r->human + (strncmp(r->human, "the ", 4) ? 0 : 4));
}

/* "tag 3" from "a tag" and index 2. */
static void item_name(char *out, size_t len, const char *human, size_t i)
{
	const char *noun = strncmp(human, "a ", 2) == 0    ? human + 2
			   : strncmp(human, "an ", 3) == 0 ? human + 3
							   : human;
	snprintf(out, len, "%s %zu", noun, i + 1);
}

static int is_present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
		uint32_t which;
		memcpy(&which, (const char *)m + f->quantifier_offset, sizeof(which));
		return which == f->id;
	}
	return 1; /* strings and messages: NULL when absent, checked by the caller */
}

static int check_string(request_ctx *rc, const char *where, const char *name, const char *s,
			const field_rule *r)
{
	if (!s)
		return 0;
	size_t n = strlen(s);
	if (!ld_utf8_valid(s, n))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT, "%s%s is not valid UTF-8 text", where,
				     name),
		       -1;
	if (n > r->max_len)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT, "%s%s is %zu bytes long (at most %u)",
				     where, name, n, r->max_len),
		       -1;
	if (r->kind == TEXT_SECRET)
		return 0;
	uint32_t bad;
	long at = ld_text_check(s, n, r->kind == TEXT_LINES, &bad);
	if (at < 0)
		return 0;
	const char *what = bad == '\n' || bad == '\r' || bad == 0x2028 || bad == 0x2029
				   ? "a line break; it must be one line"
			   : bad == '\t' ? "a tab; use spaces"
			   : (bad >= 0x202A && bad <= 0x202E) || (bad >= 0x2066 && bad <= 0x2069)
				   ? "a bidirectional override; remove it"
				   : "a control character; remove it";
	dispatch_fail(rc, LD_INVALID_ARGUMENT, "%s%s contains U+%04" PRIX32 " at byte %ld, %s",
		      where, name, bad, at, what);
	return -1;
}

/* Money: a known ISO 4217 code and an amount that is not negative. */
static int check_money(request_ctx *rc, const char *where, const Leadd__Money *m)
{
	if (m->currency && !ld_currency_find(m->currency))
		return dispatch_fail(
			       rc, LD_INVALID_ARGUMENT,
			       "%sthe currency '%s' is not an ISO 4217 code: use three capital "
			       "letters such as EUR, USD or JPY",
			       where, m->currency),
		       -1;
	if (m->has_amount_minor && m->amount_minor < 0)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "%sthe value is negative; a lead's value is 0 or more", where),
		       -1;
	return 0;
}

static int walk(request_ctx *rc, ProtobufCMessage *m, const char *where, int depth);

static int check_repeated(request_ctx *rc, const ProtobufCMessage *m,
			  const ProtobufCFieldDescriptor *f, const field_rule *r, const char *where,
			  int depth)
{
	size_t count;
	memcpy(&count, (const char *)m + f->quantifier_offset, sizeof(count));
	if (count > r->max_count)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT, "%stoo many %s: %zu (at most %u)",
				     where, r->plural, count, r->max_count),
		       -1;
	void *arr;
	memcpy(&arr, (const char *)m + f->offset, sizeof(arr));
	for (size_t i = 0; i < count; i++) {
		char item[192];
		item_name(item, sizeof(item), r->human, i);
		if (f->type == PROTOBUF_C_TYPE_STRING &&
		    check_string(rc, where, item, ((char **)arr)[i], r) < 0)
			return -1;
		if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
			char sub[448];
			snprintf(sub, sizeof(sub), "%s%s: ", where, item);
			if (walk(rc, ((ProtobufCMessage **)arr)[i], sub, depth + 1) < 0)
				return -1;
		}
	}
	return 0;
}

/* Every request walks every field of Request (each body of the oneof), so
 * absent fields are skipped before their rule is looked up: the lookup and
 * its human names cost more than the check of a present field. */
static int check_field(request_ctx *rc, const ProtobufCMessage *m,
		       const ProtobufCFieldDescriptor *f, const char *where, int depth)
{
	field_rule r;
	const char *base = (const char *)m + f->offset;
	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		size_t count;
		memcpy(&count, (const char *)m + f->quantifier_offset, sizeof(count));
		if (count == 0)
			return 0;
		rule_for(m->descriptor, f, &r);
		return check_repeated(rc, m, f, &r, where, depth);
	}
	if (!is_present(m, f))
		return 0;
	if (f->type == PROTOBUF_C_TYPE_STRING) {
		char *s;
		memcpy(&s, base, sizeof(s));
		if (!s)
			return 0;
		rule_for(m->descriptor, f, &r);
		return check_string(rc, where, r.human, s, &r);
	}
	if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
		ProtobufCMessage *sub;
		memcpy(&sub, base, sizeof(sub));
		return sub ? walk(rc, sub, where, depth + 1) : 0;
	}
	return 0;
}

static int walk(request_ctx *rc, ProtobufCMessage *m, const char *where, int depth)
{
	/* The schema has no recursive messages; this guards a future mistake. */
	if (depth > 8)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT, "%sthe request is nested too deeply",
				     where),
		       -1;
	/* Fields this leadd does not know are dropped (a newer client's are
	 * ignored, as protobuf does): handlers store messages of a request as
	 * they come (an opportunity's items), and protobuf-c would store and
	 * send to every reader and watcher the unknown bytes with them, past
	 * every cap checked here. */
	m->unknown_fields = NULL;
	m->n_unknown_fields = 0;
	const ProtobufCMessageDescriptor *d = m->descriptor;
	for (unsigned i = 0; i < d->n_fields; i++)
		if (check_field(rc, m, &d->fields[i], where, depth) < 0)
			return -1;
	if (d == &leadd__money__descriptor)
		return check_money(rc, where, (const Leadd__Money *)m);
	return 0;
}

/* ---- the raw bytes: a NUL inside a string ----
 *
 * protobuf-c copies a string's bytes and ends them with a NUL, so
 * "Acme\0<ESC>..." arrives as "Acme" and nothing after the NUL is ever
 * checked. The wire form is walked once more, by the same descriptors, to
 * refuse a NUL in any string field (bytes fields may hold anything). The
 * frame has already unpacked, so it is well formed; bounds are checked
 * anyway. */

static int read_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 64 && *p < end; shift += 7) {
		uint8_t b = *(*p)++;
		*v |= (uint64_t)(b & 0x7F) << shift;
		if (!(b & 0x80))
			return 0;
	}
	return -1;
}

static int scan_wire(request_ctx *rc, const ProtobufCMessageDescriptor *d, const uint8_t *p,
		     const uint8_t *end, int depth)
{
	if (depth > 8)
		return 0; /* walk() has refused it already */
	while (p < end) {
		uint64_t tag, len;
		if (read_varint(&p, end, &tag) < 0)
			return 0;
		switch (tag & 7) {
		case 0:
			if (read_varint(&p, end, &len) < 0)
				return 0;
			continue;
		case 1:
			p += (size_t)(end - p) < 8 ? (size_t)(end - p) : 8;
			continue;
		case 5:
			p += (size_t)(end - p) < 4 ? (size_t)(end - p) : 4;
			continue;
		case 2:
			break;
		default:
			return 0;
		}
		if (read_varint(&p, end, &len) < 0 || len > (uint64_t)(end - p))
			return 0;
		const ProtobufCFieldDescriptor *f =
			tag >> 3 <= UINT32_MAX
				? protobuf_c_message_descriptor_get_field(d, (unsigned)(tag >> 3))
				: NULL;
		if (f && f->type == PROTOBUF_C_TYPE_STRING && memchr(p, 0, (size_t)len)) {
			field_rule r;
			rule_for(d, f, &r);
			dispatch_fail(rc, LD_INVALID_ARGUMENT,
				      "%s contains a NUL byte (U+0000); text may not hold one",
				      r.human);
			return -1;
		}
		if (f && f->type == PROTOBUF_C_TYPE_MESSAGE &&
		    scan_wire(rc, f->descriptor, p, p + len, depth + 1) < 0)
			return -1;
		p += len;
	}
	return 0;
}

int validate_request(request_ctx *rc, ProtobufCMessage *msg, const uint8_t *frame, size_t len)
{
	if (frame && scan_wire(rc, msg->descriptor, frame, frame + len, 0) < 0)
		return -1;
	return walk(rc, msg, "", 0);
}
