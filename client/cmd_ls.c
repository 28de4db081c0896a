/* lead ls: a filtered, sorted page of leads (or every page), and the paging
 * that `lead search run` shares. */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_filter.h"

/* The pages fetched so far, kept to print one table (or one JSON array). */
struct pages {
	Leadd__Response **r;
	size_t n, cap, leads;
};

static void pages_free(struct pages *p)
{
	for (size_t i = 0; i < p->n; i++)
		leadd__response__free_unpacked(p->r[i], NULL);
	free(p->r);
}

static int pages_add(struct lead_ctx *ctx, struct pages *p, Leadd__Response *r)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 8;
		Leadd__Response **nr = realloc(p->r, cap * sizeof(*nr));
		if (!nr) {
			leadd__response__free_unpacked(r, NULL);
			return lead_fail(ctx, LD_RESOURCE_EXHAUSTED, "out of memory");
		}
		p->r = nr;
		p->cap = cap;
	}
	p->r[p->n++] = r;
	p->leads += r->lead_list->n_leads;
	return 0;
}

void lead_hint_start(struct lead_ctx *ctx, struct lead_words *w)
{
	lead_words_add(w, "lead");
	/* The hint must reach the same server the page came from. */
	if (ctx->server_opt) {
		lead_words_add(w, "--server");
		lead_words_add(w, ctx->server_opt);
	}
}

int lead_list_print(struct lead_ctx *ctx, Leadd__LeadListRequest *lr, int all, int flags,
		    const struct lead_words *hint)
{
	const Leadd__StatusListReply *sl;
	const struct lead_names *names;
	int rc;
	/* The JSON names each lead's team; the table has no team column. */
	if ((rc = lead_statuses(ctx, &sl)) || (rc = lead_names(ctx, ctx->json, &names)))
		return rc;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_LEAD_LIST;
	req.lead_list = lr;
	struct pages pages = {0};
	const char *cursor = NULL;
	char *sent = NULL;
	for (;;) {
		Leadd__Response *resp;
		if ((rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_LEAD_LIST, &resp)))
			break;
		if ((rc = pages_add(ctx, &pages, resp)))
			break;
		const Leadd__LeadListReply *r = resp->lead_list;
		cursor = r->cursor && *r->cursor ? r->cursor : NULL;
		if (!all || !cursor)
			break;
		/* A server that hands back the cursor it was given would keep
		 * --all going for ever: stop and say so. */
		if (sent && strcmp(sent, cursor) == 0) {
			rc = lead_fail(ctx, LD_INTERNAL,
				       "leadd at %s returned the same page twice; stopped after "
				       "%zu leads",
				       ctx->server, pages.leads);
			break;
		}
		free(sent);
		if (!(sent = strdup(cursor))) {
			rc = lead_fail(ctx, LD_RESOURCE_EXHAUSTED, "out of memory");
			break;
		}
		lr->cursor = sent;
	}
	if (rc == 0) {
		Leadd__Lead **leads = calloc(pages.leads + 1, sizeof(*leads));
		if (!leads) {
			rc = lead_fail(ctx, LD_RESOURCE_EXHAUSTED, "out of memory");
			goto out;
		}
		size_t k = 0;
		for (size_t i = 0; i < pages.n; i++)
			for (size_t j = 0; j < pages.r[i]->lead_list->n_leads; j++)
				leads[k++] = pages.r[i]->lead_list->leads[j];
		if (ctx->json) {
			cJSON *o = cJSON_CreateObject();
			cJSON *arr = cJSON_AddArrayToObject(o, "leads");
			for (size_t i = 0; i < k; i++)
				cJSON_AddItemToArray(arr, lead_json_lead(leads[i], sl, names));
			if (cursor)
				cJSON_AddStringToObject(o, "cursor", cursor);
			else
				cJSON_AddNullToObject(o, "cursor");
			rc = lead_json_out(o);
		} else {
			if (k)
				lead_print_leads(leads, k, sl, names, flags);
			else if (!(flags & LEAD_LIST_NO_HEADERS))
				/* --no-headers is for scripts: no lead, no line. */
				lead_out("no leads\n");
			if (cursor) {
				struct lead_words w = {0};
				for (size_t i = 0; i < hint->n; i++)
					lead_words_add(&w, hint->w[i]);
				lead_words_add(&w, "--cursor");
				lead_words_add(&w, cursor);
				char *line = lead_words_join(&w);
				lead_out("more: %s\n", line);
				free(line);
				lead_words_free(&w);
			}
		}
		free(leads);
	}
out:
	pages_free(&pages);
	free(sent);
	return rc;
}

void lead_paging_init(struct lead_paging *p)
{
	Leadd__LeadListRequest init = LEADD__LEAD_LIST_REQUEST__INIT;
	p->lr = init;
	p->all = 0;
	p->flags = 0;
}

int lead_paging_option(const struct cmd_entry *e, struct lead_ctx *ctx, struct lead_paging *p,
		       int c, const char *arg, int *rc)
{
	unsigned long long limit;
	*rc = 0;
	switch (c) {
	case LEAD_O_LIMIT:
		if (lead_parse_uint(arg, UINT32_MAX, &limit) < 0 || limit == 0) {
			*rc = lead_usage_error(e, ctx, "--limit wants a positive number, not '%s'",
					       arg);
		} else {
			p->lr.has_limit = 1;
			p->lr.limit = (uint32_t)limit;
		}
		return 1;
	case LEAD_O_CURSOR:
		p->lr.cursor = (char *)arg;
		return 1;
	case LEAD_O_ALL:
		p->all = 1;
		return 1;
	case LEAD_O_NO_HEADERS:
		p->flags |= LEAD_LIST_NO_HEADERS;
		return 1;
	case LEAD_O_OUTPUT:
		if (strcmp(arg, "wide") == 0)
			p->flags |= LEAD_LIST_WIDE;
		else
			*rc = lead_usage_error(e, ctx,
					       "-o takes 'wide' (the UPDATED and VERSION columns "
					       "too), not '%s'",
					       arg);
		return 1;
	default:
		return 0;
	}
}

int lead_paging_print(const struct cmd_entry *e, struct lead_ctx *ctx, struct lead_paging *p,
		      struct lead_words *hint)
{
	if (p->all && p->lr.cursor)
		return lead_usage_error(e, ctx,
					"--all starts from the first page: leave out --cursor");
	/* The hint repeats every option but --cursor (and --all, which
	 * leaves no more). */
	if (p->lr.has_limit) {
		char n[16];
		snprintf(n, sizeof(n), "%u", p->lr.limit);
		lead_words_add(hint, "--limit");
		lead_words_add(hint, n);
	}
	if (p->flags & LEAD_LIST_WIDE) {
		lead_words_add(hint, "-o");
		lead_words_add(hint, "wide");
	}
	if (p->flags & LEAD_LIST_NO_HEADERS)
		lead_words_add(hint, "--no-headers");
	return lead_list_print(ctx, &p->lr, p->all, p->flags, hint);
}

static int cmd_ls_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv)
{
	static const struct option extra[] = {
		LEAD_PAGING_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	struct lead_paging pg;
	struct lead_filter_args fa;
	int c, rc;
	lead_paging_init(&pg);
	if ((rc = lead_filter_init(ctx, &fa, argc)))
		return rc;
	struct option *opts = lead_filter_getopt(extra);
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_PAGING_OPTSTRING, opts, NULL)) != -1) {
		if (lead_filter_is_option(c))
			rc = lead_filter_option(self, ctx, &fa, c, optarg);
		else if (lead_paging_option(self, ctx, &pg, c, optarg, &rc))
			;
		else if ((rc = lead_cmd_option(self, ctx, argv, c)) < 0)
			rc = 0;
		else
			rc = rc ? rc : -1; /* --help: done */
		if (rc)
			break;
	}
	if (!rc)
		rc = lead_cmd_check_args(self, ctx, argc - optind);
	if (!rc)
		rc = lead_filter_finish(self, ctx, &fa);
	if (!rc) {
		if (fa.any)
			pg.lr.filter = &fa.f;
		pg.lr.has_sort = fa.has_sort;
		pg.lr.sort = fa.sort;
		pg.lr.has_desc = fa.has_desc;
		pg.lr.desc = fa.desc;
		struct lead_words hint = {0};
		lead_hint_start(ctx, &hint);
		lead_words_add(&hint, "ls");
		for (size_t i = 0; i < fa.words.n; i++)
			lead_words_add(&hint, fa.words.w[i]);
		rc = lead_paging_print(self, ctx, &pg, &hint);
		lead_words_free(&hint);
	}
	free(opts);
	lead_filter_free(&fa);
	return rc < 0 ? 0 : rc;
}

const struct cmd_entry cmd_ls_entry = {
	.name = "ls",
	.alias = "list",
	.usage = "[FILTERS] [--sort FIELD] [--desc] [--limit N] [--cursor CURSOR] [--all] "
		 "[-o wide] [--no-headers]",
	.help = "list leads, a page at a time",
	.notes = "Columns: ID, TITLE, CLIENT, STATUS, VALUE, OWNER and NEXT (the next action,\n"
		 "in your time zone, or -); -o wide adds UPDATED and VERSION. --no-headers\n"
		 "leaves out the header line (and \"no leads\" when none match). On a terminal\n"
		 "the table fits its width ($COLUMNS, else the terminal's): titles are cut\n"
		 "first, then clients, with an ellipsis. Into a pipe or a file nothing is\n"
		 "ever cut. --json has every field whatever -o says.\n"
		 "Pages hold 50 leads unless --limit N says otherwise (the server's cap is\n"
		 "1000). When more remain, the last line is the command for the next page:\n"
		 "every filter, --sort, --desc, --limit, -o and --no-headers again with\n"
		 "--cursor; a date that counts from now (-7d, today) is repeated as the\n"
		 "instant it meant. --all fetches every page and prints them as one list.",
	.filters = LEAD_FILTERS,
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_ls_exec,
};
