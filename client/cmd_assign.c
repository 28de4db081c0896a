/* lead claim and lead assign: who owns a lead. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"

enum {
	O_TO = 256,
	O_POOL,
	O_ROUND_ROBIN,
	O_FROM,
	O_STATUS,
};

static int parse_lead_id(const struct cmd_entry *self, struct lead_ctx *ctx, const char *s,
			 uint64_t *id)
{
	if (lead_parse_id(s, id) < 0)
		return lead_usage_error(self, ctx, "a lead id is a positive number, not '%s'", s);
	return 0;
}

/* ---- lead claim ---- */

static int cmd_claim_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv)
{
	int rc = lead_plain_options(self, ctx, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	Leadd__LeadClaimRequest cl = LEADD__LEAD_CLAIM_REQUEST__INIT;
	if ((rc = parse_lead_id(self, ctx, argv[optind], &cl.id)))
		return rc;
	cl.has_id = 1;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_LEAD_CLAIM;
	req.lead_claim = &cl;
	Leadd__Response *resp;
	if ((rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_LEAD, &resp)))
		return rc;
	if (ctx->json && resp->lead->lead)
		rc = lead_show_lead(ctx, resp->lead->lead);
	else
		lead_out("claimed lead %llu\n", (unsigned long long)cl.id);
	leadd__response__free_unpacked(resp, NULL);
	return rc;
}

const struct cmd_entry cmd_claim_entry = {
	.name = "claim",
	.usage = "ID",
	.help = "take an unowned lead from your team's pool",
	.notes = "Only one of several claims of the same lead wins. When someone else has it,\n"
		 "a rep gets 'not found' (exit 3), as for any lead they may not see; a manager\n"
		 "who may see it is told who has it (exit 5). The lead joins your team.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_claim_exec,
};

/* ---- lead assign ---- */

static int assign_one(struct lead_ctx *ctx, Leadd__LeadAssignRequest *as)
{
	Leadd__Response *cur, *resp;
	int rc = lead_get(ctx, as->id, &cur);
	if (rc)
		return rc;
	uint64_t old_owner = cur->lead->lead->owner_id;
	as->has_expected_version = 1;
	as->expected_version = cur->lead->lead->version;
	leadd__response__free_unpacked(cur, NULL);

	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_LEAD_ASSIGN;
	req.lead_assign = as;
	if ((rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_LEAD, &resp)))
		return rc;
	const Leadd__Lead *l = resp->lead->lead;
	const struct lead_names *names;
	if (!l)
		rc = lead_fail(ctx, LD_UNKNOWN, "leadd sent a reply without the lead");
	else if (ctx->json)
		rc = lead_show_lead(ctx, l);
	else if (!(rc = lead_names(ctx, 0, &names))) {
		char from[160], to[160];
		lead_format_owner(names, old_owner, "user ", from, sizeof(from));
		lead_format_owner(names, l->owner_id, "user ", to, sizeof(to));
		lead_out("lead %llu: owner %s -> %s\n", (unsigned long long)l->id, from, to);
	}
	leadd__response__free_unpacked(resp, NULL);
	return rc;
}

static int assign_bulk(struct lead_ctx *ctx, Leadd__LeadBulkAssignRequest *ba, const char *status)
{
	int rc;
	/* The word goes to the server as typed: it alone reads status words. */
	ba->status = (char *)status;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_LEAD_BULK_ASSIGN;
	req.lead_bulk_assign = ba;
	Leadd__Response *resp;
	if ((rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_LEAD_BULK_ASSIGN, &resp)))
		return rc;
	const Leadd__LeadBulkAssignReply *r = resp->lead_bulk_assign;
	const char *failure = r->failure && *r->failure ? r->failure : NULL;
	/* failed_ids lists the first 100; failed_count has them all (a server
	 * older than failed_count sends only the list). */
	uint64_t failed = r->has_failed_count ? r->failed_count : r->n_failed_ids;
	if (ctx->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "moved", lead_json_uint(r->moved));
		cJSON_AddItemToObject(o, "failed_count", lead_json_uint(failed));
		cJSON *ids = cJSON_AddArrayToObject(o, "failed_ids");
		for (size_t i = 0; i < r->n_failed_ids; i++)
			cJSON_AddItemToArray(ids, lead_json_uint(r->failed_ids[i]));
		if (failure)
			cJSON_AddStringToObject(o, "failure", failure);
		else
			cJSON_AddNullToObject(o, "failure");
		rc = lead_json_out(o);
		if (failed)
			rc = LD_EXIT_ERROR;
	} else {
		lead_out("moved %llu lead%s\n", (unsigned long long)r->moved,
			 r->moved == 1 ? "" : "s");
		if (failed) {
			char *ids = NULL;
			size_t len = 0;
			FILE *f = open_memstream(&ids, &len);
			for (size_t i = 0; f && i < r->n_failed_ids; i++)
				fprintf(f, "%s%llu", i ? " " : "",
					(unsigned long long)r->failed_ids[i]);
			if (f)
				fclose(f);
			lead_out("failed: %s%s\n", ids ? ids : "",
				 failed > r->n_failed_ids ? " ..." : "");
			rc = lead_fail(ctx, LD_UNKNOWN, "%llu lead%s not moved: %s",
				       (unsigned long long)failed, failed == 1 ? " was" : "s were",
				       failure ? failure : "see the ids above");
			free(ids);
		}
	}
	leadd__response__free_unpacked(resp, NULL);
	return rc;
}

static int cmd_assign_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			   char **argv)
{
	static const struct option opts[] = {
		{"to", required_argument, NULL, O_TO},
		{"pool", no_argument, NULL, O_POOL},
		{"round-robin", no_argument, NULL, O_ROUND_ROBIN},
		{"from", required_argument, NULL, O_FROM},
		{"status", required_argument, NULL, O_STATUS},
		LEAD_CMD_OPTIONS,
	};
	const char *to = NULL, *from = NULL, *status = NULL;
	int pool = 0, round_robin = 0, c, rc;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		switch (c) {
		case O_TO:
			to = optarg;
			break;
		case O_POOL:
			pool = 1;
			break;
		case O_ROUND_ROBIN:
			round_robin = 1;
			break;
		case O_FROM:
			from = optarg;
			break;
		case O_STATUS:
			status = optarg;
			break;
		default:
			if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
				return rc;
		}
	}
	int nargs = argc - optind;
	if (from) {
		/* Bulk: every lead of one user to another. */
		if (nargs)
			return lead_usage_error(self, ctx,
						"--from moves all the leads of a user; "
						"give no lead id");
		if (!to || pool || round_robin)
			return lead_usage_error(self, ctx, "--from USER goes with --to USER");
		Leadd__LeadBulkAssignRequest ba = LEADD__LEAD_BULK_ASSIGN_REQUEST__INIT;
		ba.from_user = (char *)from;
		ba.to_user = (char *)to;
		return assign_bulk(ctx, &ba, status);
	}
	if (nargs != 1)
		return lead_usage_error(self, ctx, "'assign' needs one lead id (or --from USER)");
	if (status)
		return lead_usage_error(self, ctx, "--status goes with --from");
	if ((to != NULL) + pool + round_robin != 1)
		return lead_usage_error(self, ctx,
					"say where to: --to USER, --pool or --round-robin");
	Leadd__LeadAssignRequest as = LEADD__LEAD_ASSIGN_REQUEST__INIT;
	if ((rc = parse_lead_id(self, ctx, argv[optind], &as.id)))
		return rc;
	as.has_id = 1;
	if (to) {
		as.target_case = LEADD__LEAD_ASSIGN_REQUEST__TARGET_TO_USER;
		as.to_user = (char *)to;
	} else if (pool) {
		as.target_case = LEADD__LEAD_ASSIGN_REQUEST__TARGET_TO_POOL;
		as.to_pool = 1;
	} else {
		as.target_case = LEADD__LEAD_ASSIGN_REQUEST__TARGET_ROUND_ROBIN;
		as.round_robin = 1;
	}
	return assign_one(ctx, &as);
}

const struct cmd_entry cmd_assign_entry = {
	.name = "assign",
	.usage = "ID (--to USER | --pool | --round-robin) | (--from USER --to USER [--status "
		 "STATUS])",
	.help = "give a lead, or all of a user's, to a user, the pool or next rep",
	.notes = "Managers (for the users of their teams) and admins. With an ID: --to USER gives\n"
		 "it to USER, --pool makes it unowned in its team's pool, --round-robin gives it\n"
		 "to the team's next rep. With --from USER --to USER: moves every lead of one\n"
		 "user (only those in STATUS with --status, a word as `lead status` takes) and\n"
		 "prints how many moved; exit 1 if some could not be moved. If the move stops\n"
		 "part way (an error, leadd shutting down), the message says how many moved;\n"
		 "the same command again moves the rest.",
	.min_args = 0,
	.max_args = 1,
	.exec = cmd_assign_exec,
};
