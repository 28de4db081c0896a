/* lead archive, lead restore and lead renew (issue 12). Who may, what
 * archiving hides, and what a renewal carries over are the server's rules
 * (docs/protocol.md "Archive, restore, renew"); this file sends the request
 * and says what happened. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"

/* ---- lead archive, lead restore ---- */

/* The lead is read first so the answer can tell a no-op: the server
 * answers an archive of an archived lead (a restore of a live one) with
 * the lead unchanged, at the version it had. */
static int set_archived(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv,
			int archive)
{
	uint64_t id;
	int rc = lead_plain_options(self, ctx, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	if ((rc = lead_parse_lead_id(self, ctx, argv[optind], &id)))
		return rc;
	Leadd__Response *cur, *resp;
	if ((rc = lead_get(ctx, id, &cur)))
		return rc;
	Leadd__LeadArchiveRequest ar = LEADD__LEAD_ARCHIVE_REQUEST__INIT;
	ar.has_id = ar.has_expected_version = 1;
	ar.id = id;
	ar.expected_version = cur->lead->lead->version;
	Leadd__Request req = LEADD__REQUEST__INIT;
	if (archive) {
		req.body_case = LEADD__REQUEST__BODY_LEAD_ARCHIVE;
		req.lead_archive = &ar;
	} else {
		req.body_case = LEADD__REQUEST__BODY_LEAD_RESTORE;
		req.lead_restore = &ar;
	}
	rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_LEAD, &resp);
	if (rc == 0) {
		const Leadd__Lead *l = resp->lead->lead;
		if (!l)
			rc = lead_fail(ctx, LD_UNKNOWN, "leadd sent a reply without the lead");
		else if (ctx->json)
			rc = lead_show_lead(ctx, l);
		else if (l->version == ar.expected_version)
			lead_out("lead %llu was %s; nothing changed\n", (unsigned long long)id,
				 archive ? "already archived" : "not archived");
		else
			lead_out("lead %llu %s\n", (unsigned long long)id,
				 archive ? "archived" : "restored");
		leadd__response__free_unpacked(resp, NULL);
	}
	leadd__response__free_unpacked(cur, NULL);
	return rc;
}

static int cmd_archive_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			    char **argv)
{
	return set_archived(self, ctx, argc, argv, 1);
}

static int cmd_restore_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			    char **argv)
{
	return set_archived(self, ctx, argc, argv, 0);
}

const struct cmd_entry cmd_archive_entry = {
	.name = "archive",
	.usage = "ID",
	.help = "take a lead out of lists and live counts (managers)",
	.notes = "An archived lead leaves `lead ls` (`lead ls --archived` lists them) and the\n"
		 "live counts of `lead kpi`, which shows archived leads apart, by class. Its\n"
		 "history keeps everything, and `lead show` still reads it. Managers of the\n"
		 "lead's team and admins may archive; a rep may not. Archiving an archived\n"
		 "lead changes nothing and says so. `lead restore ID` brings it back.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_archive_exec,
};

const struct cmd_entry cmd_restore_entry = {
	.name = "restore",
	.usage = "ID",
	.help = "bring an archived lead back (managers)",
	.notes = "Managers of the lead's team and admins may restore. Restoring a lead that\n"
		 "is not archived changes nothing and says so.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_restore_exec,
};

/* ---- lead renew ---- */

enum { O_TITLE = 256, O_OWNER, O_STATUS, O_CONTACTS };

static int contacts_word(const char *s, Leadd__RenewContacts *out)
{
	if (strcmp(s, "all") == 0)
		*out = LEADD__RENEW_CONTACTS__RENEW_CONTACTS_ALL;
	else if (strcmp(s, "main") == 0)
		*out = LEADD__RENEW_CONTACTS__RENEW_CONTACTS_MAIN;
	else if (strcmp(s, "none") == 0)
		*out = LEADD__RENEW_CONTACTS__RENEW_CONTACTS_NONE;
	else
		return -1;
	return 0;
}

static int renew_options(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv,
			 Leadd__LeadRenewRequest *rr)
{
	static const struct option opts[] = {
		{"title", required_argument, NULL, O_TITLE},
		{"owner", required_argument, NULL, O_OWNER},
		{"status", required_argument, NULL, O_STATUS},
		{"contacts", required_argument, NULL, O_CONTACTS},
		LEAD_CMD_OPTIONS,
	};
	int c, rc;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		switch (c) {
		case O_TITLE:
			rr->title = optarg;
			break;
		case O_OWNER:
			/* An empty name (an unset shell variable) is a slip, not a
			 * user leadd could look for. */
			if (!optarg[0])
				return lead_usage_error(self, ctx,
							"--owner needs a user name; leave it out "
							"to let the server choose");
			rr->owner = optarg;
			break;
		case O_STATUS:
			/* As typed: the server alone reads status words. */
			rr->status = optarg;
			break;
		case O_CONTACTS:
			if (contacts_word(optarg, &rr->contacts) < 0)
				return lead_usage_error(self, ctx,
							"--contacts takes all, main or none, not "
							"'%s'",
							optarg);
			rr->has_contacts = 1;
			break;
		default:
			if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
				return rc ? rc : -1;
		}
	}
	return lead_cmd_check_args(self, ctx, argc - optind);
}

static int cmd_renew_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv)
{
	Leadd__LeadRenewRequest rr = LEADD__LEAD_RENEW_REQUEST__INIT;
	int rc = renew_options(self, ctx, argc, argv, &rr);
	if (rc)
		return rc < 0 ? 0 : rc;
	if ((rc = lead_parse_lead_id(self, ctx, argv[optind], &rr.id)))
		return rc;
	rr.has_id = 1;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_LEAD_RENEW;
	req.lead_renew = &rr;
	Leadd__Response *resp;
	if ((rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_LEAD, &resp)))
		return rc;
	const Leadd__Lead *l = resp->lead->lead;
	if (!l)
		rc = lead_fail(ctx, LD_UNKNOWN, "leadd sent a reply without the new lead");
	else if (ctx->json)
		rc = lead_show_lead(ctx, l);
	else
		lead_out("lead %llu renews lead %llu\n", (unsigned long long)l->id,
			 (unsigned long long)rr.id);
	leadd__response__free_unpacked(resp, NULL);
	return rc;
}

const struct cmd_entry cmd_renew_entry = {
	.name = "renew",
	.usage = "ID [--title TITLE] [--owner USER] [--status STATUS] [--contacts all|main|none]",
	.help = "make a renewal or upsell: a new lead linked to this one",
	.notes = "The new lead is in the same client folder, with the value, description and\n"
		 "tags of lead ID, source `renewal`, and the contacts --contacts says (all by\n"
		 "default; main: the main contact only). Both leads' `show` and history name\n"
		 "the other. --title defaults to the lead's title; --status takes what `lead\n"
		 "status` takes (default: the first status of class new; dead and lost are\n"
		 "refused). Whoever may see the lead may renew it. A rep owns the renewal; a\n"
		 "manager or admin may give --owner USER, else the lead's owner keeps it if\n"
		 "they may (enabled, in the caller's teams), else it goes to the pool of the\n"
		 "lead's team. `lead kpi --since` counts renewals apart from new leads. A\n"
		 "lead keeps at most 500 renewals.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_renew_exec,
};
