/* lead add, show, ls, edit, status: one lead at a time, or a page of them. */
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ld_currency.h"
#include "ld_distance.h"
#include "ld_norm.h"
#include "lead.h"
#include "lead_date.h"

enum {
	O_CLIENT = 256,
	O_CONTACT,
	O_ROLE,
	O_EMAIL,
	O_PHONE,
	O_VALUE,
	O_CURRENCY,
	O_TAG,
	O_DESCRIPTION,
	O_SOURCE,
	O_STATUS,
	O_TITLE,
	O_IF_VERSION,
	O_OWNER,
	O_TEAM,
	O_NEXT,
	O_NEXT_NOTE,
	O_NEW_CLIENT, /* --new-client: a folder near another's is meant */
};

/* --next DATE: when the next action is due (the forms of lead_date_parse,
 * "now" too); with allow_none, "none" clears it (0). */
static int parse_next(const struct cmd_entry *self, struct lead_ctx *ctx, const char *arg,
		      int allow_none, int64_t *out)
{
	char msg[512];
	unsigned flags = LEAD_DATE_NOW | (allow_none ? LEAD_DATE_NONE : 0);
	if (lead_date_option("--next", arg, lead_now_ms(), flags, out, msg, sizeof(msg)))
		return lead_usage_error(self, ctx, "%s", msg);
	return 0;
}

int lead_show_lead(struct lead_ctx *ctx, const Leadd__Lead *l)
{
	const Leadd__StatusListReply *sl;
	const struct lead_names *names;
	int rc = lead_statuses(ctx, &sl);
	if (!rc)
		rc = lead_names(ctx, 1, &names); /* team names: text and JSON show them */
	if (rc)
		return rc;
	if (ctx->json)
		return lead_json_out(lead_json_lead(l, sl, names));
	lead_print_lead(l, sl, names);
	return 0;
}

/* --value and --currency into a Money, in the currency's own minor unit
 * (5000 JPY, 1234.50 EUR, 12.345 BHD); 0 or a usage error. */
static int parse_value(const struct cmd_entry *self, struct lead_ctx *ctx, const char *value,
		       const char *currency, Leadd__Money *m, char code[4])
{
	const ld_currency *cur;
	if (lead_parse_currency(currency, code) < 0 || !(cur = ld_currency_find(code)))
		return lead_usage_error(self, ctx,
					"--currency wants an ISO 4217 code like EUR, USD or JPY, "
					"not '%s'",
					currency);
	int64_t minor;
	int rc = lead_money_arg(self, ctx, "--value", value, code, cur->minor, 123450, &minor);
	if (rc)
		return rc;
	m->has_amount_minor = 1;
	m->amount_minor = minor;
	m->currency = code;
	return 0;
}

/* ---- lead add ---- */

struct add_args {
	Leadd__LeadCreateRequest cr;
	Leadd__Contact contact;
	Leadd__Contact *contacts[1];
	Leadd__Money money;
	const char *value, *currency, *status;
	char code[4];
};

/* --contact, --role, --email, --phone: the one main contact `lead add`
 * takes; a second of any is a usage error, not a silent overwrite. */
static int add_contact_option(const struct cmd_entry *self, struct lead_ctx *ctx, Leadd__Contact *m,
			      int c, const char *arg)
{
	char **field = c == O_CONTACT ? &m->name
		       : c == O_ROLE  ? &m->role
		       : c == O_EMAIL ? &m->email
				      : &m->phone;
	if (*field)
		return lead_usage_error(self, ctx,
					"lead add takes one contact (the main one); add more "
					"afterwards with 'lead contact add ID --name NAME ...'");
	*field = (char *)arg;
	return 0;
}

/* 0 to go on, -1 to stop with success (--help), else the exit status. */
static int add_options(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv,
		       struct add_args *a)
{
	static const struct option opts[] = {
		{"client", required_argument, NULL, O_CLIENT},
		{"new-client", no_argument, NULL, O_NEW_CLIENT},
		{"contact", required_argument, NULL, O_CONTACT},
		{"role", required_argument, NULL, O_ROLE},
		{"email", required_argument, NULL, O_EMAIL},
		{"phone", required_argument, NULL, O_PHONE},
		{"value", required_argument, NULL, O_VALUE},
		{"currency", required_argument, NULL, O_CURRENCY},
		{"tag", required_argument, NULL, O_TAG},
		{"description", required_argument, NULL, O_DESCRIPTION},
		{"source", required_argument, NULL, O_SOURCE},
		{"status", required_argument, NULL, O_STATUS},
		{"owner", required_argument, NULL, O_OWNER},
		{"team", required_argument, NULL, O_TEAM},
		{"next", required_argument, NULL, O_NEXT},
		{"next-note", required_argument, NULL, O_NEXT_NOTE},
		LEAD_CMD_OPTIONS,
	};
	Leadd__LeadCreateRequest *cr = &a->cr;
	int c, rc;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		switch (c) {
		case O_CLIENT:
			cr->client_name = optarg;
			break;
		case O_NEW_CLIENT:
			cr->has_new_client = cr->new_client = 1;
			break;
		case O_CONTACT:
		case O_ROLE:
		case O_EMAIL:
		case O_PHONE:
			if ((rc = add_contact_option(self, ctx, &a->contact, c, optarg)))
				return rc;
			break;
		case O_VALUE:
			if ((rc = lead_amount_arg(self, ctx, "--value", optarg)))
				return rc;
			a->value = optarg;
			break;
		case O_CURRENCY:
			a->currency = optarg;
			break;
		case O_TAG:
			cr->tags[cr->n_tags++] = optarg;
			break;
		case O_DESCRIPTION:
			cr->description = optarg;
			break;
		case O_SOURCE:
			cr->source = optarg;
			break;
		case O_STATUS:
			a->status = optarg;
			break;
		case O_OWNER:
			cr->owner = optarg;
			break;
		case O_TEAM:
			cr->team = optarg;
			break;
		case O_NEXT:
			if ((rc = parse_next(self, ctx, optarg, 0, &cr->next_action_at)))
				return rc;
			cr->has_next_action_at = 1;
			break;
		case O_NEXT_NOTE:
			cr->next_action_note = optarg;
			break;
		default:
			if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
				return rc ? rc : -1;
		}
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)))
		return rc;
	cr->title = argv[optind];
	if (!a->contact.name && (a->contact.role || a->contact.email || a->contact.phone))
		return lead_usage_error(self, ctx,
					"--%s describes the main contact: name it with --contact "
					"NAME (more contacts: lead contact add)",
					a->contact.email   ? "email"
					: a->contact.phone ? "phone"
							   : "role");
	if (a->contact.name) {
		a->contacts[0] = &a->contact;
		cr->contacts = a->contacts;
		cr->n_contacts = 1;
	}
	if (cr->next_action_note && !cr->has_next_action_at)
		return lead_usage_error(self, ctx,
					"--next-note says what the next action is: give its time "
					"too, e.g. --next +1d --next-note \"call back\"");
	if (a->currency && !a->value)
		return lead_usage_error(self, ctx, "--currency goes with --value");
	if (a->value) {
		const char *currency = a->currency ? a->currency : "EUR";
		if ((rc = parse_value(self, ctx, a->value, currency, &a->money, a->code)))
			return rc;
		cr->value = &a->money;
	}
	return 0;
}

static int cmd_add_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv)
{
	struct add_args a = {
		.cr = LEADD__LEAD_CREATE_REQUEST__INIT,
		.contact = LEADD__CONTACT__INIT,
		.money = LEADD__MONEY__INIT,
	};
	a.cr.tags = calloc((size_t)argc + 1, sizeof(char *));
	if (!a.cr.tags)
		return lead_fail(ctx, LD_RESOURCE_EXHAUSTED, "out of memory");
	Leadd__Response *resp = NULL;
	int rc = add_options(self, ctx, argc, argv, &a);
	/* The word goes to the server as typed: it alone reads status words. */
	a.cr.status = (char *)a.status;
	if (rc == 0) {
		Leadd__Request req = LEADD__REQUEST__INIT;
		req.body_case = LEADD__REQUEST__BODY_LEAD_CREATE;
		req.lead_create = &a.cr;
		rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_LEAD, &resp);
	}
	if (rc == 0) {
		const Leadd__Lead *l = resp->lead->lead;
		if (!l)
			rc = lead_fail(ctx, LD_UNKNOWN, "leadd sent a reply without the new lead");
		else if (ctx->json)
			rc = lead_show_lead(ctx, l);
		else
			lead_out("%llu\n", (unsigned long long)l->id);
	}
	if (resp)
		leadd__response__free_unpacked(resp, NULL);
	free(a.cr.tags);
	return rc < 0 ? 0 : rc;
}

const struct cmd_entry cmd_add_entry = {
	.name = "add",
	.alias = "new",
	.usage =
		"TITLE [--client NAME [--new-client]] [--contact NAME] [--role ROLE] "
		"[--email EMAIL] [--phone PHONE] [--value AMOUNT] [--currency CODE] [--tag TAG]... "
		"[--description TEXT] [--source SOURCE] [--status STATUS] [--next DATE "
		"[--next-note TEXT]] [--owner USER] [--team TEAM]",
	.help = "create a lead and print its id",
	.notes = "--contact NAME, with --role, --email and --phone, is the lead's main contact\n"
		 "(one; add more with `lead contact add`). --value is an amount in\n"
		 "--currency (an ISO 4217 code, default EUR), with that currency's decimals:\n"
		 "1234.50 EUR, 5000 JPY, 12.345 BHD. --status takes what `lead status` takes.\n"
		 "--next DATE plans the next action (a DATE as in `lead help ls`; now works);\n"
		 "--next-note TEXT says what it is (\"call back about the quote\").\n"
		 "A --client name close to another folder's asks \"did you mean ...?\"; add\n"
		 "--new-client to make the new folder (see `lead help client add`).\n"
		 "A rep owns the leads they add. A manager or admin gives --owner USER, or\n"
		 "--team TEAM for an unowned lead in that team's pool (a manager's lead goes to\n"
		 "their first team's pool without either; an admin must say which).",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_add_exec,
};

/* ---- lead show ---- */

int lead_parse_lead_id(const struct cmd_entry *self, struct lead_ctx *ctx, const char *s,
		       uint64_t *id)
{
	if (lead_parse_id(s, id) < 0)
		return lead_usage_error(self, ctx, "a lead id is a positive number, not '%s'", s);
	return 0;
}

/* ---- lead edit ---- */

struct edit_args {
	Leadd__LeadUpdateRequest up;
	Leadd__StringList tag_list;
	Leadd__Money money;
	const char *value, *currency, *if_version;
	char code[4];
};

static int edit_options(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv,
			struct edit_args *a)
{
	static const struct option opts[] = {
		{"title", required_argument, NULL, O_TITLE},
		{"client", required_argument, NULL, O_CLIENT},
		{"new-client", no_argument, NULL, O_NEW_CLIENT},
		{"value", required_argument, NULL, O_VALUE},
		{"currency", required_argument, NULL, O_CURRENCY},
		{"description", required_argument, NULL, O_DESCRIPTION},
		{"source", required_argument, NULL, O_SOURCE},
		{"phone", required_argument, NULL, O_PHONE},
		{"email", required_argument, NULL, O_EMAIL},
		{"tag", required_argument, NULL, O_TAG},
		{"if-version", required_argument, NULL, O_IF_VERSION},
		{"next", required_argument, NULL, O_NEXT},
		{"next-note", required_argument, NULL, O_NEXT_NOTE},
		LEAD_CMD_OPTIONS,
	};
	Leadd__LeadUpdateRequest *up = &a->up;
	int c, rc;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		switch (c) {
		case O_TITLE:
			up->title = optarg;
			break;
		case O_CLIENT:
			up->client_name = optarg;
			break;
		case O_NEW_CLIENT:
			up->has_new_client = up->new_client = 1;
			break;
		case O_VALUE:
			if ((rc = lead_amount_arg(self, ctx, "--value", optarg)))
				return rc;
			a->value = optarg;
			break;
		case O_CURRENCY:
			a->currency = optarg;
			break;
		case O_DESCRIPTION:
			up->description = optarg;
			break;
		case O_SOURCE:
			up->source = optarg;
			break;
		case O_PHONE:
			up->main_phone = optarg;
			break;
		case O_EMAIL:
			up->main_email = optarg;
			break;
		case O_TAG:
			up->tags = &a->tag_list;
			a->tag_list.items[a->tag_list.n_items++] = optarg;
			break;
		case O_IF_VERSION:
			a->if_version = optarg;
			break;
		case O_NEXT:
			if ((rc = parse_next(self, ctx, optarg, 1, &up->next_action_at)))
				return rc;
			up->has_next_action_at = 1;
			break;
		case O_NEXT_NOTE:
			up->next_action_note = optarg;
			break;
		default:
			if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
				return rc ? rc : -1;
		}
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)))
		return rc;
	if (up->has_next_action_at && up->next_action_at == 0 && up->next_action_note &&
	    *up->next_action_note)
		return lead_usage_error(self, ctx,
					"--next none clears the next action and its note: leave "
					"out --next-note");
	if (a->currency &&
	    (lead_parse_currency(a->currency, a->code) < 0 || !ld_currency_find(a->code)))
		return lead_usage_error(self, ctx,
					"--currency wants an ISO 4217 code like EUR, USD or JPY, "
					"not '%s'",
					a->currency);
	if (a->value && strcmp(a->value, "none") == 0) {
		if (a->currency)
			return lead_usage_error(self, ctx,
						"--value none clears the value: "
						"leave out --currency");
		a->value = NULL;
		up->has_clear_value = up->clear_value = 1;
	}
	if (!up->title && !up->client_name && !a->value && !a->currency && !up->has_clear_value &&
	    !up->description && !up->source && !up->main_phone && !up->main_email && !up->tags &&
	    !up->has_next_action_at && !up->next_action_note)
		return lead_usage_error(self, ctx, "say what to change, e.g. --title TITLE");
	unsigned long long v = 0;
	if (a->if_version && lead_parse_uint(a->if_version, UINT64_MAX, &v) < 0)
		return lead_usage_error(self, ctx, "--if-version wants a version number, not '%s'",
					a->if_version);
	up->has_expected_version = 1;
	up->expected_version = a->if_version ? v : 0;
	return lead_parse_lead_id(self, ctx, argv[optind], &up->id);
}

/* --currency alone: the lead's value, its amount unchanged, in another
 * currency's minor units (1234.50 EUR is 123450 cents, 1234.50 USD the same;
 * 1234.500 BHD is 1234500 fils). Refused when the amount cannot be written
 * in the new currency (12.34 EUR has no JPY form) or the lead has no value. */
static int convert_currency(const struct cmd_entry *self, struct lead_ctx *ctx,
			    const Leadd__Lead *l, const char *code, Leadd__Money *out)
{
	const Leadd__Money *m = l->value;
	unsigned long long id = (unsigned long long)l->id;
	if (!m || !m->has_amount_minor)
		return lead_usage_error(self, ctx,
					"lead %llu has no value to put in %s: give the amount too, "
					"e.g. --value 5000 --currency %s",
					id, code, code);
	const ld_currency *from = m->currency ? ld_currency_find(m->currency) : NULL,
			  *to = ld_currency_find(code);
	char was[64];
	lead_format_value(m, was, sizeof(was));
	if (!from)
		return lead_usage_error(
			self, ctx,
			"lead %llu's value is %s, in a currency lead does not know: "
			"give the amount too, --value AMOUNT --currency %s",
			id, was, code);
	int64_t v = m->amount_minor;
	unsigned shift = from->minor > to->minor ? from->minor - to->minor
						 : to->minor - from->minor;
	int64_t scale = 1;
	for (unsigned i = 0; i < shift; i++)
		scale *= 10;
	if (from->minor > to->minor && v % scale != 0)
		return lead_usage_error(
			self, ctx,
			"lead %llu's value %s cannot be written in %s, which has %u "
			"decimal%s: give the amount too, --value AMOUNT --currency %s",
			id, was, code, to->minor, to->minor == 1 ? "" : "s", code);
	if (from->minor < to->minor && (v > INT64_MAX / scale || v < INT64_MIN / scale))
		return lead_usage_error(self, ctx,
					"lead %llu's value %s is too large to write in %s", id, was,
					code);
	out->has_amount_minor = 1;
	out->amount_minor = from->minor > to->minor ? v / scale : v * scale;
	out->currency = (char *)code;
	return 0;
}

/* --next-note alone changes the note of the lead's own next action: refused
 * when the lead has none (as lead add refuses it without --next), since a
 * note with no time is a next action no one can plan or list. */
static int check_next_note(const struct cmd_entry *self, struct lead_ctx *ctx,
			   const Leadd__LeadUpdateRequest *up, const Leadd__Lead *l)
{
	if (!up->next_action_note || !*up->next_action_note || up->has_next_action_at)
		return 0;
	unsigned long long id = (unsigned long long)l->id;
	if (!l->next_action_activity && !l->next_action_at)
		return lead_usage_error(self, ctx,
					"lead %llu has no next action: give its time too, e.g. "
					"--next +1d --next-note \"call back\"",
					id);
	if (l->next_action_activity && !l->own_next_at)
		return lead_usage_error(self, ctx,
					"lead %llu has no next action of its own (its next action "
					"is activity %llu.%u): give its time too, e.g. --next +1d "
					"--next-note \"call back\"",
					id, id, l->next_action_activity);
	return 0;
}

/* --phone and --email change the main contact; on a lead with no contact
 * they would make one with no name (the "(no name)" contact lead add no
 * longer makes): refused with the command that adds a person. */
static int check_main_contact(const struct cmd_entry *self, struct lead_ctx *ctx,
			      const Leadd__LeadUpdateRequest *up, const Leadd__Lead *l)
{
	int phone = up->main_phone && *up->main_phone, email = up->main_email && *up->main_email;
	if (l->n_contacts || (!phone && !email))
		return 0;
	unsigned long long id = (unsigned long long)l->id;
	return lead_usage_error(self, ctx,
				"lead %llu has no contact for %s to change: add one with 'lead "
				"contact add %llu --name NAME%s%s'",
				id,
				phone && email ? "--email and --phone"
				: phone        ? "--phone"
					       : "--email",
				id, email ? " --email EMAIL" : "", phone ? " --phone PHONE" : "");
}

static int cmd_edit_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv)
{
	struct edit_args a = {
		.up = LEADD__LEAD_UPDATE_REQUEST__INIT,
		.tag_list = LEADD__STRING_LIST__INIT,
		.money = LEADD__MONEY__INIT,
	};
	a.tag_list.items = calloc((size_t)argc + 1, sizeof(char *));
	if (!a.tag_list.items)
		return lead_fail(ctx, LD_RESOURCE_EXHAUSTED, "out of memory");
	int rc = edit_options(self, ctx, argc, argv, &a);
	a.up.has_id = 1;
	Leadd__Response *cur = NULL, *resp = NULL;
	/* Read the lead first: its version guards the update unless --if-version
	 * names one, and its currency is kept when only --value is given. */
	if (rc == 0)
		rc = lead_get(ctx, a.up.id, &cur);
	if (rc == 0)
		rc = check_next_note(self, ctx, &a.up, cur->lead->lead);
	if (rc == 0)
		rc = check_main_contact(self, ctx, &a.up, cur->lead->lead);
	if (rc == 0 && a.value) {
		const Leadd__Money *m = cur->lead->lead->value;
		const char *currency = a.currency                         ? a.currency
				       : m && m->currency && *m->currency ? m->currency
									  : "EUR";
		rc = parse_value(self, ctx, a.value, currency, &a.money, a.code);
		a.up.value = &a.money;
	} else if (rc == 0 && a.currency && !a.up.has_clear_value) {
		rc = convert_currency(self, ctx, cur->lead->lead, a.code, &a.money);
		a.up.value = &a.money;
	}
	if (rc == 0) {
		if (!a.if_version)
			a.up.expected_version = cur->lead->lead->version;
		Leadd__Request req = LEADD__REQUEST__INIT;
		req.body_case = LEADD__REQUEST__BODY_LEAD_UPDATE;
		req.lead_update = &a.up;
		rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_LEAD, &resp);
	}
	if (rc == 0) {
		const Leadd__Lead *l = resp->lead->lead;
		if (!l)
			rc = lead_fail(ctx, LD_UNKNOWN, "leadd sent a reply without the lead");
		else if (!ctx->json && l->version == cur->lead->lead->version)
			/* The server records nothing for an edit that changes
			 * nothing: same version, no history entry. */
			lead_out("lead %llu: nothing to change (still version %llu)\n",
				 (unsigned long long)l->id, (unsigned long long)l->version);
		else
			rc = lead_show_lead(ctx, l);
	}
	if (cur)
		leadd__response__free_unpacked(cur, NULL);
	if (resp)
		leadd__response__free_unpacked(resp, NULL);
	free(a.tag_list.items);
	return rc < 0 ? 0 : rc;
}

const struct cmd_entry cmd_edit_entry = {
	.name = "edit",
	.alias = "update",
	.usage = "ID [--title TITLE] [--client NAME [--new-client]] [--value AMOUNT|none] "
		 "[--currency CODE] [--description TEXT] [--source SOURCE] [--phone PHONE] "
		 "[--email EMAIL] [--tag TAG]... [--next DATE|none] [--next-note TEXT] "
		 "[--if-version VERSION]",
	.help = "change a lead's fields",
	.notes = "Only the fields given change; \"\" clears --description, --source and\n"
		 "--next-note. --tag (repeatable) replaces all the tags; --phone and --email\n"
		 "change the main contact (on a lead with none they are refused: add one with\n"
		 "`lead contact add`). --value is an amount in the lead's currency (or\n"
		 "--currency); --value none clears it. --currency alone keeps the amount and\n"
		 "changes the currency (1234.50 EUR becomes 1234.50 USD); it is refused when\n"
		 "the amount cannot be written in the new one (12.34 EUR in JPY) or the lead\n"
		 "has no value. --next DATE plans the next action (a DATE as in `lead help\n"
		 "ls`; now works), --next-note TEXT says what it is (alone, it changes the\n"
		 "note of the lead's own next action; refused when it has none), --next none\n"
		 "clears both.\n"
		 "An edit that changes nothing records nothing and keeps the version (\"lead\n"
		 "42: nothing to change\"). The edit is refused (exit 5) if the lead changed\n"
		 "since it was read: by lead itself just before, or at --if-version VERSION.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_edit_exec,
};
