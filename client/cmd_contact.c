/* lead contact add|ls|edit|rm|main: a lead's contacts, in order, the main
 * one first. WHO is read by leadd alone (a position as `lead contact ls`
 * prints it, an email or a name), so every client agrees on it. Each change
 * prints the contacts as they are after it. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "ld_norm.h"
#include "lead.h"

enum {
	O_NAME = 256,
	O_ROLE,
	O_EMAIL,
	O_PHONE,
	O_NOTE,
	O_MAIN,
	O_LEFT,
	O_BACK,
	O_IF_VERSION,
};

/* ---- printing ---- */

static cJSON *contacts_json(const Leadd__Lead *l)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "lead_id", (double)l->id);
	cJSON_AddNumberToObject(o, "version", (double)l->version);
	cJSON *list = cJSON_AddArrayToObject(o, "contacts");
	for (size_t i = 0; i < l->n_contacts; i++) {
		const Leadd__Contact *c = l->contacts[i];
		cJSON *co = cJSON_CreateObject();
		cJSON_AddNumberToObject(co, "position", (double)(i + 1));
		cJSON_AddBoolToObject(co, "main", i == 0);
		cJSON_AddItemToObject(co, "name", lead_json_string(c->name));
		cJSON_AddItemToObject(co, "role", lead_json_string(c->role));
		cJSON_AddItemToObject(co, "email", lead_json_string(c->email));
		cJSON_AddItemToObject(co, "phone", lead_json_string(c->phone));
		cJSON_AddItemToObject(co, "note", lead_json_string(c->note));
		cJSON_AddBoolToObject(co, "left", c->has_left && c->left);
		cJSON_AddItemToArray(list, co);
	}
	return o;
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

/* The contacts as a table: # (the position WHO takes, with "main" for the
 * first and "left" for one no longer at the company), name, role, email,
 * phone, and the note, wrapped. */
static int print_contacts(struct lead_ctx *ctx, const Leadd__Lead *l)
{
	if (ctx->json)
		return lead_json_out(contacts_json(l));
	if (!l->n_contacts) {
		lead_out("lead %llu has no contacts; add one with 'lead contact add %llu --name "
			 "NAME'\n",
			 (unsigned long long)l->id, (unsigned long long)l->id);
		return 0;
	}
	static const char *const head[] = {"#", "NAME", "ROLE", "EMAIL", "PHONE", "NOTE"};
	struct lead_table *t = lead_table_new(6, head);
	lead_table_shrink(t, 1, 16);
	lead_table_shrink(t, 2, 8);
	lead_table_shrink(t, 3, 12);
	lead_table_wrap_last(t, 12);
	for (size_t i = 0; i < l->n_contacts; i++) {
		const Leadd__Contact *c = l->contacts[i];
		char pos[40];
		int left = c->has_left && c->left;
		snprintf(pos, sizeof(pos), "%zu%s%s", i + 1, i == 0 ? " main" : "",
			 left ? (i == 0 ? ", left" : " left") : "");
		const char *cells[] = {pos,
				       c->name && *c->name ? c->name : "(no name)",
				       or_dash(c->role),
				       or_dash(c->email),
				       or_dash(c->phone),
				       or_dash(c->note)};
		lead_table_add(t, cells);
	}
	lead_table_print(t);
	return 0;
}

/* Send a request whose answer is a lead, and print its contacts. */
static int send_and_print(struct lead_ctx *ctx, Leadd__Request *req)
{
	Leadd__Response *resp;
	int rc = lead_request(ctx, req, LEADD__RESPONSE__BODY_LEAD, &resp);
	if (rc)
		return rc;
	if (resp->lead->lead)
		rc = print_contacts(ctx, resp->lead->lead);
	else
		rc = lead_fail(ctx, LD_UNKNOWN, "leadd sent a reply without the lead");
	leadd__response__free_unpacked(resp, NULL);
	return rc;
}

static int parse_version(const struct cmd_entry *self, struct lead_ctx *ctx, const char *arg,
			 protobuf_c_boolean *has, uint64_t *v)
{
	unsigned long long n;
	if (lead_parse_uint(arg, UINT64_MAX, &n) < 0)
		return lead_usage_error(self, ctx, "--if-version wants a version number, not '%s'",
					arg);
	*has = 1;
	*v = n;
	return 0;
}

/* ---- lead contact add ---- */

static int cmd_contact_add_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
				char **argv)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, O_NAME},
		{"role", required_argument, NULL, O_ROLE},
		{"email", required_argument, NULL, O_EMAIL},
		{"phone", required_argument, NULL, O_PHONE},
		{"note", required_argument, NULL, O_NOTE},
		{"main", no_argument, NULL, O_MAIN},
		{"if-version", required_argument, NULL, O_IF_VERSION},
		LEAD_CMD_OPTIONS,
	};
	Leadd__ContactAddRequest ca = LEADD__CONTACT_ADD_REQUEST__INIT;
	Leadd__Contact c = LEADD__CONTACT__INIT;
	int opt, rc;
	lead_getopt_reset();
	while ((opt = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		switch (opt) {
		case O_NAME:
			c.name = optarg;
			break;
		case O_ROLE:
			c.role = optarg;
			break;
		case O_EMAIL:
			c.email = optarg;
			break;
		case O_PHONE:
			c.phone = optarg;
			break;
		case O_NOTE:
			c.note = optarg;
			break;
		case O_MAIN:
			ca.has_main = ca.main = 1;
			break;
		case O_IF_VERSION:
			if ((rc = parse_version(self, ctx, optarg, &ca.has_expected_version,
						&ca.expected_version)))
				return rc;
			break;
		default:
			if ((rc = lead_cmd_option(self, ctx, argv, opt)) >= 0)
				return rc;
		}
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)) ||
	    (rc = lead_parse_lead_id(self, ctx, argv[optind], &ca.lead_id)))
		return rc;
	if (!c.name || ld_is_blank(c.name))
		return lead_usage_error(self, ctx,
					"say who the contact is: --name NAME (a person's name; "
					"their email and phone go with --email and --phone)");
	ca.has_lead_id = 1;
	ca.contact = &c;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_CONTACT_ADD;
	req.contact_add = &ca;
	return send_and_print(ctx, &req);
}

static const struct cmd_entry cmd_contact_add_entry = {
	.name = "contact add",
	.usage = "ID --name NAME [--role ROLE] [--email EMAIL] [--phone PHONE] [--note TEXT] "
		 "[--main] [--if-version VERSION]",
	.help = "add a contact to a lead (last, or first with --main)",
	.notes = "A contact is a person: --name is required. An email the lead already has is\n"
		 "refused. A lead has at most 50 contacts.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_contact_add_exec,
};

/* ---- lead contact ls ---- */

static int cmd_contact_ls_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			       char **argv)
{
	uint64_t id;
	Leadd__Response *resp;
	int rc = lead_plain_options(self, ctx, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	if ((rc = lead_parse_lead_id(self, ctx, argv[optind], &id)) ||
	    (rc = lead_get(ctx, id, &resp)))
		return rc;
	rc = print_contacts(ctx, resp->lead->lead);
	leadd__response__free_unpacked(resp, NULL);
	return rc;
}

static const struct cmd_entry cmd_contact_ls_entry = {
	.name = "contact ls",
	.alias = "list",
	.usage = "ID",
	.help = "list a lead's contacts, the main one first",
	.notes = "# is the position WHO takes in the other contact commands.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_contact_ls_exec,
};

/* ---- lead contact edit ---- */

static int cmd_contact_edit_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
				 char **argv)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, O_NAME},
		{"role", required_argument, NULL, O_ROLE},
		{"email", required_argument, NULL, O_EMAIL},
		{"phone", required_argument, NULL, O_PHONE},
		{"note", required_argument, NULL, O_NOTE},
		{"left", no_argument, NULL, O_LEFT},
		{"back", no_argument, NULL, O_BACK},
		{"if-version", required_argument, NULL, O_IF_VERSION},
		LEAD_CMD_OPTIONS,
	};
	Leadd__ContactEditRequest ce = LEADD__CONTACT_EDIT_REQUEST__INIT;
	int opt, rc;
	lead_getopt_reset();
	while ((opt = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		switch (opt) {
		case O_NAME:
			ce.name = optarg;
			break;
		case O_ROLE:
			ce.role = optarg;
			break;
		case O_EMAIL:
			ce.email = optarg;
			break;
		case O_PHONE:
			ce.phone = optarg;
			break;
		case O_NOTE:
			ce.note = optarg;
			break;
		case O_LEFT:
		case O_BACK:
			if (ce.has_left && ce.left != (opt == O_LEFT))
				return lead_usage_error(self, ctx,
							"--left and --back say opposite "
							"things; give one");
			ce.has_left = 1;
			ce.left = opt == O_LEFT;
			break;
		case O_IF_VERSION:
			if ((rc = parse_version(self, ctx, optarg, &ce.has_expected_version,
						&ce.expected_version)))
				return rc;
			break;
		default:
			if ((rc = lead_cmd_option(self, ctx, argv, opt)) >= 0)
				return rc;
		}
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)) ||
	    (rc = lead_parse_lead_id(self, ctx, argv[optind], &ce.lead_id)))
		return rc;
	if (!ce.name && !ce.role && !ce.email && !ce.phone && !ce.note && !ce.has_left)
		return lead_usage_error(self, ctx,
					"say what to change, e.g. --email EMAIL or --left");
	ce.has_lead_id = 1;
	ce.who = argv[optind + 1];
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_CONTACT_EDIT;
	req.contact_edit = &ce;
	return send_and_print(ctx, &req);
}

static const struct cmd_entry cmd_contact_edit_entry = {
	.name = "contact edit",
	.usage = "ID WHO [--name NAME] [--role ROLE] [--email EMAIL] [--phone PHONE] "
		 "[--note TEXT] [--left|--back] [--if-version VERSION]",
	.help = "change a contact's fields",
	.notes = "WHO is the contact's position as `lead contact ls` prints it (a number 1-50\n"
		 "is always a position), its email, or its name (any case). Only the options\n"
		 "given change; \"\" clears one (a contact keeps a name, an email or a phone).\n"
		 "--left marks it as no longer at the company (kept and listed as left);\n"
		 "--back undoes that.",
	.min_args = 2,
	.max_args = 2,
	.exec = cmd_contact_edit_exec,
};

/* ---- lead contact rm and main: ID WHO ---- */

static int who_options(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv,
		       uint64_t *id, protobuf_c_boolean *has_version, uint64_t *version)
{
	static const struct option opts[] = {
		{"if-version", required_argument, NULL, O_IF_VERSION},
		LEAD_CMD_OPTIONS,
	};
	int opt, rc;
	lead_getopt_reset();
	while ((opt = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		if (opt == O_IF_VERSION) {
			if ((rc = parse_version(self, ctx, optarg, has_version, version)))
				return rc;
		} else if ((rc = lead_cmd_option(self, ctx, argv, opt)) >= 0) {
			return rc ? rc : -1;
		}
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)))
		return rc;
	return lead_parse_lead_id(self, ctx, argv[optind], id);
}

static int cmd_contact_rm_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			       char **argv)
{
	Leadd__ContactRemoveRequest cr = LEADD__CONTACT_REMOVE_REQUEST__INIT;
	int rc = who_options(self, ctx, argc, argv, &cr.lead_id, &cr.has_expected_version,
			     &cr.expected_version);
	if (rc)
		return rc < 0 ? 0 : rc;
	cr.has_lead_id = 1;
	cr.who = argv[optind + 1];
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_CONTACT_RM;
	req.contact_rm = &cr;
	return send_and_print(ctx, &req);
}

static const struct cmd_entry cmd_contact_rm_entry = {
	.name = "contact rm",
	.alias = "remove",
	.usage = "ID WHO [--if-version VERSION]",
	.help = "remove a contact from a lead",
	.notes = "WHO as in `lead help contact edit`. To keep someone who moved on, use\n"
		 "`lead contact edit ID WHO --left` instead.",
	.min_args = 2,
	.max_args = 2,
	.exec = cmd_contact_rm_exec,
};

static int cmd_contact_main_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
				 char **argv)
{
	Leadd__ContactMainRequest cm = LEADD__CONTACT_MAIN_REQUEST__INIT;
	int rc = who_options(self, ctx, argc, argv, &cm.lead_id, &cm.has_expected_version,
			     &cm.expected_version);
	if (rc)
		return rc < 0 ? 0 : rc;
	cm.has_lead_id = 1;
	cm.who = argv[optind + 1];
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_CONTACT_MAIN;
	req.contact_main = &cm;
	return send_and_print(ctx, &req);
}

static const struct cmd_entry cmd_contact_main_entry = {
	.name = "contact main",
	.usage = "ID WHO [--if-version VERSION]",
	.help = "make a contact the main one (first); the others keep their order",
	.notes = "WHO as in `lead help contact edit`.",
	.min_args = 2,
	.max_args = 2,
	.exec = cmd_contact_main_exec,
};

static const struct cmd_entry *const contact_cmds[] = {
	&cmd_contact_add_entry, &cmd_contact_ls_entry,   &cmd_contact_edit_entry,
	&cmd_contact_rm_entry,  &cmd_contact_main_entry, NULL,
};

const struct cmd_entry cmd_contact_entry = {
	.name = "contact",
	.usage = "add|ls|edit|rm|main ID [ARGS...]",
	.help = "a lead's contacts: add, ls, edit, rm, main",
	.notes = "A lead's contacts are in order, the main one first; at most 50. WHO (edit,\n"
		 "rm, main) is a position as `lead contact ls ID` prints it, an email, or a\n"
		 "name. Changes take the lead as it is, or refuse (exit 5) if it changed since\n"
		 "--if-version VERSION.",
	.min_args = 1,
	.max_args = -1,
	.exec = lead_family_exec,
	.sub = contact_cmds,
};
