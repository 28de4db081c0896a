/* lead add, show, ls, edit, status: one lead at a time, or a page of them. */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ld_currency.h"
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
		rc = lead_names(ctx, !ctx->json, &names);
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
	long long minor;
	const ld_currency *cur;
	if (lead_parse_currency(currency, code) < 0 || !(cur = ld_currency_find(code)))
		return lead_usage_error(self, ctx,
					"--currency wants an ISO 4217 code like EUR, USD or JPY, "
					"not '%s'",
					currency);
	if (ld_amount_parse(value, cur->minor, &minor) < 0) {
		char example[32];
		ld_amount_format(123450, cur->minor, example, sizeof(example));
		return lead_usage_error(self, ctx,
					"--value wants an amount of 0 or more like %s (%s has %u "
					"decimal%s), not '%s'",
					example, code, cur->minor, cur->minor == 1 ? "" : "s",
					value);
	}
	m->has_amount_minor = 1;
	m->amount_minor = minor;
	m->currency = code;
	return 0;
}

/* ---- status words ---- */

static void list_names(char *buf, size_t len, const Leadd__Status *const *s, size_t n)
{
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && off < len; i++) {
		int w = snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
				 s[i]->name ? s[i]->name : "?");
		if (w < 0)
			break;
		off += (size_t)w;
	}
}

/* Keeps the statuses of `stage` among cand; returns how many are left. */
static size_t keep_stage(const Leadd__Status **cand, size_t n, Leadd__Stage stage)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (cand[i]->stage == stage)
			cand[k++] = cand[i];
	return k;
}

int lead_status_resolve(const struct cmd_entry *e, struct lead_ctx *ctx,
			const Leadd__StatusListReply *sl, const char *word, Leadd__Stage stage,
			const Leadd__Status **out)
{
	size_t n = sl->n_statuses, len = strlen(word), ncand = 0, nclass = 0;
	const Leadd__Status *by_class = NULL;
	for (size_t i = 0; i < n; i++) {
		if (sl->statuses[i]->name && strcasecmp(sl->statuses[i]->name, word) == 0) {
			*out = sl->statuses[i];
			return 0;
		}
	}
	const Leadd__Status **cand = calloc(n + 1, sizeof(*cand));
	if (!cand)
		return lead_fail(ctx, LD_RESOURCE_EXHAUSTED, "out of memory");
	int kpi = lead_kpi_from_word(word);
	for (size_t i = 0; i < n; i++) {
		const Leadd__Status *s = sl->statuses[i];
		int is_class = kpi > 0 && (int)s->kpi_class == kpi;
		if (is_class) {
			by_class = s;
			nclass++;
		}
		if (is_class || (len && s->name && strncasecmp(s->name, word, len) == 0))
			cand[ncand++] = s;
	}
	/* No name starts so: the start of one class word ("qual") is that class,
	 * as lead ls --status reads it (the server's rule). */
	if (ncand == 0 && len && (kpi = lead_kpi_from_prefix(word)) > 0)
		for (size_t i = 0; i < n; i++)
			if ((int)sl->statuses[i]->kpi_class == kpi) {
				by_class = cand[ncand++] = sl->statuses[i];
				nclass++;
			}
	char names[1024];
	int rc = 0;
	if (ncand == 1) {
		*out = cand[0];
	} else if (ncand == 0) {
		list_names(names, sizeof(names), (const Leadd__Status *const *)sl->statuses, n);
		rc = lead_usage_error(e, ctx, "no status matches '%s'; the statuses are: %s", word,
				      names);
	} else {
		list_names(names, sizeof(names), cand, ncand);
		/* Several match: the lead's own stage decides, then the KPI class. */
		size_t nstage = keep_stage(cand, ncand, stage);
		if (nstage == 1)
			*out = cand[0];
		else if (nclass == 1)
			*out = by_class;
		else
			rc = lead_usage_error(e, ctx, "'%s' could be any of: %s; say which", word,
					      names);
	}
	free(cand);
	return rc;
}

/* Resolve a status word for a lead at `stage`; 0 with *id or an exit status. */
static int resolve_status_id(const struct cmd_entry *self, struct lead_ctx *ctx, const char *word,
			     Leadd__Stage stage, uint64_t *id)
{
	const Leadd__StatusListReply *sl;
	const Leadd__Status *s;
	int rc = lead_statuses(ctx, &sl);
	if (!rc)
		rc = lead_status_resolve(self, ctx, sl, word, stage, &s);
	if (!rc)
		*id = s->id;
	return rc;
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
		LEAD_CMD_OPTIONS,
	};
	Leadd__LeadCreateRequest *cr = &a->cr;
	int c, rc;
	lead_getopt_reset();
	while ((c = getopt_long(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		switch (c) {
		case O_CLIENT:
			cr->client_name = optarg;
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
	if (rc == 0 && a.status) {
		rc = resolve_status_id(self, ctx, a.status, LEADD__STAGE__STAGE_LEAD,
				       &a.cr.status_id);
		a.cr.has_status_id = 1;
	}
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
	.usage = "TITLE [--client NAME] [--contact NAME] [--role ROLE] [--email EMAIL] "
		 "[--phone PHONE] [--value AMOUNT] [--currency CODE] [--tag TAG]... "
		 "[--description TEXT] [--source SOURCE] [--status STATUS] [--next DATE] "
		 "[--owner USER] [--team TEAM]",
	.help = "create a lead and print its id",
	.notes = "--contact NAME, with --role, --email and --phone, is the lead's main contact\n"
		 "(one; add more with `lead contact add`). --value is an amount in\n"
		 "--currency (an ISO 4217 code, default EUR), with that currency's decimals:\n"
		 "1234.50 EUR, 5000 JPY, 12.345 BHD. --status takes what `lead status` takes.\n"
		 "--next DATE plans the next action (a DATE as in `lead help ls`; now works).\n"
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
		{"value", required_argument, NULL, O_VALUE},
		{"currency", required_argument, NULL, O_CURRENCY},
		{"description", required_argument, NULL, O_DESCRIPTION},
		{"source", required_argument, NULL, O_SOURCE},
		{"phone", required_argument, NULL, O_PHONE},
		{"email", required_argument, NULL, O_EMAIL},
		{"tag", required_argument, NULL, O_TAG},
		{"if-version", required_argument, NULL, O_IF_VERSION},
		{"next", required_argument, NULL, O_NEXT},
		LEAD_CMD_OPTIONS,
	};
	Leadd__LeadUpdateRequest *up = &a->up;
	int c, rc;
	lead_getopt_reset();
	while ((c = getopt_long(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		switch (c) {
		case O_TITLE:
			up->title = optarg;
			break;
		case O_CLIENT:
			up->client_name = optarg;
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
		default:
			if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
				return rc ? rc : -1;
		}
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)))
		return rc;
	if (a->currency && !a->value)
		return lead_usage_error(self, ctx, "--currency goes with --value");
	if (a->value && strcmp(a->value, "none") == 0) {
		if (a->currency)
			return lead_usage_error(self, ctx,
						"--value none clears the value: "
						"leave out --currency");
		a->value = NULL;
		up->has_clear_value = up->clear_value = 1;
	}
	if (!up->title && !up->client_name && !a->value && !up->has_clear_value &&
	    !up->description && !up->source && !up->main_phone && !up->main_email && !up->tags &&
	    !up->has_next_action_at)
		return lead_usage_error(self, ctx, "say what to change, e.g. --title TITLE");
	unsigned long long v = 0;
	if (a->if_version && lead_parse_uint(a->if_version, UINT64_MAX, &v) < 0)
		return lead_usage_error(self, ctx, "--if-version wants a version number, not '%s'",
					a->if_version);
	up->has_expected_version = 1;
	up->expected_version = a->if_version ? v : 0;
	return lead_parse_lead_id(self, ctx, argv[optind], &up->id);
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
	if (rc == 0 && a.value) {
		const Leadd__Money *m = cur->lead->lead->value;
		const char *currency = a.currency                         ? a.currency
				       : m && m->currency && *m->currency ? m->currency
									  : "EUR";
		rc = parse_value(self, ctx, a.value, currency, &a.money, a.code);
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
		if (resp->lead->lead)
			rc = lead_show_lead(ctx, resp->lead->lead);
		else
			rc = lead_fail(ctx, LD_UNKNOWN, "leadd sent a reply without the lead");
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
	.usage = "ID [--title TITLE] [--client NAME] [--value AMOUNT] [--currency CODE] "
		 "[--description TEXT] [--source SOURCE] [--phone PHONE] [--email EMAIL] "
		 "[--tag TAG]... [--next DATE|none] [--if-version VERSION]",
	.help = "change a lead's fields",
	.notes = "Only the fields given change. --tag (repeatable) replaces all the tags;\n"
		 "--phone and --email change the main contact. --value is an amount in the\n"
		 "lead's currency (or --currency); --value none clears it. --next DATE plans\n"
		 "the next action (a DATE as in `lead help ls`; now works), --next none\n"
		 "clears it. The edit is refused (exit 5) if the lead changed since it was\n"
		 "read: by lead itself just before, or at --if-version VERSION.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_edit_exec,
};

/* ---- lead status ---- */

/* The word goes to the server as typed: it alone reads status words
 * (the same rule as lead ls --status), so every client agrees. */
static int set_status(struct lead_ctx *ctx, const Leadd__Lead *l, const char *word,
		      Leadd__Response **resp)
{
	Leadd__LeadSetStatusRequest ss = LEADD__LEAD_SET_STATUS_REQUEST__INIT;
	ss.has_id = 1;
	ss.id = l->id;
	ss.status = (char *)word;
	ss.has_expected_version = 1;
	ss.expected_version = l->version;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_LEAD_SET_STATUS;
	req.lead_set_status = &ss;
	return lead_request(ctx, &req, LEADD__RESPONSE__BODY_LEAD, resp);
}

static int cmd_status_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			   char **argv)
{
	uint64_t id;
	int rc = lead_plain_options(self, ctx, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	if ((rc = lead_parse_lead_id(self, ctx, argv[optind], &id)))
		return rc;
	const char *word = argv[optind + 1];
	Leadd__Response *cur, *resp;
	if ((rc = lead_get(ctx, id, &cur)))
		return rc;
	const Leadd__Lead *l = cur->lead->lead;
	uint64_t old_id = l->status_id;
	rc = set_status(ctx, l, word, &resp);
	if (rc == 0) {
		const Leadd__Lead *nl = resp->lead->lead;
		const Leadd__StatusListReply *sl = NULL;
		if (ctx->json && nl) {
			rc = lead_show_lead(ctx, nl);
		} else if (nl && (rc = lead_statuses(ctx, &sl)) == 0) {
			/* Names for people ("?" if a status went away meanwhile). */
			const Leadd__Status *o = lead_status_by_id(sl, old_id),
					    *n = lead_status_by_id(sl, nl->status_id);
			lead_out("lead %llu: %s -> %s\n", (unsigned long long)id,
				 o && o->name ? o->name : "?", n && n->name ? n->name : "?");
		}
		leadd__response__free_unpacked(resp, NULL);
	}
	leadd__response__free_unpacked(cur, NULL);
	return rc;
}

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.alias = NULL,
	.usage = "ID STATUS",
	.help = "move a lead to another status",
	.notes = "STATUS is a status name (any case), a unique prefix of one, or a KPI class:\n"
		 "new, qualified, dead, prospect, lost, won (or the start of one: qual), read\n"
		 "by the server as `lead ls --status` reads it. A word several statuses\n"
		 "answer to is refused with their names. See `lead statuses`.",
	.min_args = 2,
	.max_args = 2,
	.exec = cmd_status_exec,
};
