/* lead tag ID --add T --rm T, and lead tags. Tags match case-insensitively
 * and keep the case first written anywhere: leadd alone decides both, so
 * the CLI sends the words as typed. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"

enum {
	O_ADD = 256,
	O_RM,
	O_IF_VERSION,
};

static int print_tags(struct lead_ctx *ctx, const Leadd__Lead *l)
{
	if (ctx->json)
		return lead_show_lead(ctx, l);
	struct lead_kv *kv = lead_kv_new();
	size_t len = 1;
	for (size_t i = 0; i < l->n_tags; i++)
		len += strlen(l->tags[i]) + 2;
	char *all = calloc(1, len);
	if (!all)
		return lead_fail(ctx, LD_RESOURCE_EXHAUSTED, "out of memory");
	for (size_t i = 0; i < l->n_tags; i++) {
		if (i)
			strcat(all, ", ");
		strcat(all, l->tags[i]);
	}
	lead_kv_add(kv, "id", "%llu", (unsigned long long)l->id);
	lead_kv_add(kv, "tags", "%s", l->n_tags ? all : "-");
	lead_kv_print(kv);
	free(all);
	return 0;
}

static int cmd_tag_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"add", required_argument, NULL, O_ADD},
		{"rm", required_argument, NULL, O_RM},
		{"if-version", required_argument, NULL, O_IF_VERSION},
		LEAD_CMD_OPTIONS,
	};
	Leadd__LeadTagRequest lt = LEADD__LEAD_TAG_REQUEST__INIT;
	/* Every argument could be a tag: room for all of them. */
	lt.add = calloc((size_t)argc + 1, sizeof(char *));
	lt.rm = calloc((size_t)argc + 1, sizeof(char *));
	int opt, rc = 0;
	unsigned long long v;
	if (!lt.add || !lt.rm) {
		rc = lead_fail(ctx, LD_RESOURCE_EXHAUSTED, "out of memory");
		goto out;
	}
	lead_getopt_reset();
	while ((opt = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		switch (opt) {
		case O_ADD:
			lt.add[lt.n_add++] = optarg;
			break;
		case O_RM:
			lt.rm[lt.n_rm++] = optarg;
			break;
		case O_IF_VERSION:
			if (lead_parse_uint(optarg, UINT64_MAX, &v) < 0) {
				rc = lead_usage_error(
					self, ctx, "--if-version wants a version number, not '%s'",
					optarg);
				goto out;
			}
			lt.has_expected_version = 1;
			lt.expected_version = v;
			break;
		default:
			if ((rc = lead_cmd_option(self, ctx, argv, opt)) >= 0)
				goto out;
			rc = 0;
		}
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)) ||
	    (rc = lead_parse_lead_id(self, ctx, argv[optind], &lt.id)))
		goto out;
	if (!lt.n_add && !lt.n_rm) {
		rc = lead_usage_error(self, ctx, "say which tags: --add TAG or --rm TAG");
		goto out;
	}
	lt.has_id = 1;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_LEAD_TAG;
	req.lead_tag = &lt;
	Leadd__Response *resp;
	if ((rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_LEAD, &resp)))
		goto out;
	if (resp->lead->lead)
		rc = print_tags(ctx, resp->lead->lead);
	else
		rc = lead_fail(ctx, LD_UNKNOWN, "leadd sent a reply without the lead");
	leadd__response__free_unpacked(resp, NULL);
out:
	free(lt.add);
	free(lt.rm);
	return rc;
}

const struct cmd_entry cmd_tag_entry = {
	.name = "tag",
	.usage = "ID [--add TAG]... [--rm TAG]... [--if-version VERSION]",
	.help = "add or remove tags on a lead",
	.notes = "Tags match in any case and keep the case they were first written with on\n"
		 "any lead: after one lead is tagged Carat, --add carat adds Carat. Adding a\n"
		 "tag the lead has, or removing one it lacks, changes nothing. A lead has at\n"
		 "most 50 tags, each at most 64 bytes. Prints the lead's tags (--json: the\n"
		 "lead). See also `lead add --tag`, `lead ls --tag` and `lead tags`.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_tag_exec,
};

static int cmd_tags_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv)
{
	int rc = lead_plain_options(self, ctx, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	Leadd__TagListRequest tl = LEADD__TAG_LIST_REQUEST__INIT;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_TAG_LIST;
	req.tag_list = &tl;
	Leadd__Response *resp;
	if ((rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_TAG_LIST, &resp)))
		return rc;
	const Leadd__TagListReply *r = resp->tag_list;
	if (ctx->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON *tags = cJSON_AddArrayToObject(o, "tags");
		for (size_t i = 0; i < r->n_tags; i++) {
			cJSON *t = cJSON_CreateObject();
			cJSON_AddItemToObject(t, "name", lead_json_string(r->tags[i]->name));
			cJSON_AddNumberToObject(t, "leads", (double)r->tags[i]->count);
			cJSON_AddItemToArray(tags, t);
		}
		if (r->has_omitted)
			cJSON_AddNumberToObject(o, "omitted", (double)r->omitted);
		else
			cJSON_AddNullToObject(o, "omitted");
		rc = lead_json_out(o);
	} else if (r->n_tags) {
		static const char *const head[] = {"TAG", "LEADS"};
		struct lead_table *t = lead_table_new(2, head);
		lead_table_align_right(t, 1);
		for (size_t i = 0; i < r->n_tags; i++) {
			char n[24];
			snprintf(n, sizeof(n), "%llu", (unsigned long long)r->tags[i]->count);
			const char *cells[] = {r->tags[i]->name ? r->tags[i]->name : "?", n};
			lead_table_add(t, cells);
		}
		lead_table_print(t);
		if (r->has_omitted)
			lead_out("(and %llu more tags, past the first %zu)\n",
				 (unsigned long long)r->omitted, r->n_tags);
	} else {
		lead_out("no tags on the leads you can see\n");
	}
	leadd__response__free_unpacked(resp, NULL);
	return rc;
}

const struct cmd_entry cmd_tags_entry = {
	.name = "tags",
	.usage = "",
	.help = "the tags in use, with how many of your leads carry each",
	.notes = "Every tag on a lead you may see, with the number of those leads, by name\n"
		 "in any case. A rep counts their own leads (and their team's pool when it is\n"
		 "visible), a manager their teams' leads, an admin all leads. At most 10,000\n"
		 "tags are listed; a last line says how many more there are.",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_tags_exec,
};
