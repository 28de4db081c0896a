/* lead search: saved searches (a name for a filter and an order), shared
 * with a team by a manager, pinned by each user in the order they choose. */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_filter.h"

enum { O_TEAM = 256, O_NAME, O_POSITION, O_ASC, O_CLEAR };

/* The saved filter as lead_filter_json gives it, with its times as RFC
 * 3339 strings and its value bounds as money (docs/cli.md); idle_ms is a
 * duration and stays milliseconds. */
static cJSON *filter_json(const Leadd__LeadFilter *f)
{
	cJSON *o = lead_filter_json(f);
	if (!f || !o)
		return o;
	const struct {
		const char *key;
		int has;
		int64_t v;
	} times[] = {
		{"created_since", f->has_created_since, f->created_since},
		{"created_before", f->has_created_before, f->created_before},
		{"updated_since", f->has_updated_since, f->updated_since},
		{"next_before", f->has_next_before, f->next_before},
	};
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++)
		if (times[i].has)
			cJSON_ReplaceItemInObject(o, times[i].key, lead_json_time(times[i].v));
	const struct {
		const char *key;
		int has;
		int64_t v;
	} values[] = {
		{"value_min", f->has_value_min, f->value_min},
		{"value_max", f->has_value_max, f->value_max},
	};
	for (size_t i = 0; i < 2; i++) {
		if (!values[i].has)
			continue;
		Leadd__Money m = LEADD__MONEY__INIT;
		m.has_amount_minor = 1;
		m.amount_minor = values[i].v;
		m.currency = f->value_currency;
		cJSON_ReplaceItemInObject(o, values[i].key, lead_json_money(&m));
	}
	return o;
}

static cJSON *search_json(const Leadd__SavedSearch *s)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", s->name ? s->name : "");
	if (s->owner)
		cJSON_AddStringToObject(o, "owner", s->owner);
	else
		cJSON_AddNullToObject(o, "owner");
	if (s->team && *s->team)
		cJSON_AddStringToObject(o, "team", s->team);
	else
		cJSON_AddNullToObject(o, "team");
	cJSON_AddBoolToObject(o, "pinned", s->has_pinned && s->pinned);
	if (s->has_pinned && s->pinned && s->has_pin_position)
		cJSON_AddNumberToObject(o, "pin_position", s->pin_position);
	else
		cJSON_AddNullToObject(o, "pin_position");
	cJSON_AddItemToObject(o, "filter", filter_json(s->filter));
	const char *sort = lead_sort_name(s->has_sort ? s->sort : 0);
	cJSON_AddStringToObject(o, "sort", sort ? sort : "?");
	cJSON_AddBoolToObject(o, "desc", s->has_desc && s->desc);
	return o;
}

/* One round trip for a request answered with SearchReply; prints the search
 * as JSON or `text` then its name. */
static int search_call(struct lead_ctx *ctx, Leadd__Request *req, const char *text)
{
	Leadd__Response *resp;
	int rc = lead_request(ctx, req, LEADD__RESPONSE__BODY_SEARCH, &resp);
	if (rc)
		return rc;
	const Leadd__SavedSearch *s = resp->search->search;
	if (!s)
		rc = lead_fail(ctx, LD_UNKNOWN, "leadd at %s sent a reply without the search",
			       ctx->server);
	else if (ctx->json)
		rc = lead_json_out(search_json(s));
	else if (s->has_pinned && s->pinned && s->has_pin_position)
		lead_out("%s %s (pinned at %u)\n", text, s->name ? s->name : "?", s->pin_position);
	else
		lead_out("%s %s\n", text, s->name ? s->name : "?");
	leadd__response__free_unpacked(resp, NULL);
	return rc;
}

/* The option loop of save and edit: filters plus `extra`; handle(c, arg)
 * takes the extra ones. */
struct filter_cmd {
	struct lead_filter_args fa;
	const char *team, *new_name;
	int asc, clear;
};

static int filter_cmd_parse(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			    char **argv, const struct option *extra, struct filter_cmd *fc)
{
	int c, rc;
	if ((rc = lead_filter_init(ctx, &fc->fa, argc)))
		return rc;
	struct option *opts = lead_filter_getopt(extra);
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		rc = 0;
		if (lead_filter_is_option(c))
			rc = lead_filter_option(self, ctx, &fc->fa, c, optarg);
		else if (c == O_TEAM)
			fc->team = optarg;
		else if (c == O_NAME)
			fc->new_name = optarg;
		else if (c == O_ASC)
			fc->asc = 1;
		else if (c == O_CLEAR)
			fc->clear = 1;
		else if ((rc = lead_cmd_option(self, ctx, argv, c)) < 0)
			rc = 0;
		else
			rc = rc ? rc : -1;
		if (rc)
			break;
	}
	free(opts);
	if (!rc)
		rc = lead_cmd_check_args(self, ctx, argc - optind);
	if (!rc)
		rc = lead_filter_finish(self, ctx, &fc->fa);
	return rc;
}

/* ---- save ---- */

static int cmd_search_save_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
				char **argv)
{
	static const struct option extra[] = {
		{"team", required_argument, NULL, O_TEAM},
		{NULL, 0, NULL, 0},
	};
	struct filter_cmd fc = {0};
	int rc = filter_cmd_parse(self, ctx, argc, argv, extra, &fc);
	if (!rc) {
		Leadd__SavedSearch s = LEADD__SAVED_SEARCH__INIT;
		Leadd__SearchSaveRequest sv = LEADD__SEARCH_SAVE_REQUEST__INIT;
		s.name = argv[optind];
		s.filter = &fc.fa.f;
		s.has_sort = fc.fa.has_sort;
		s.sort = fc.fa.sort;
		s.has_desc = fc.fa.has_desc;
		s.desc = fc.fa.desc;
		s.team = (char *)fc.team;
		sv.search = &s;
		Leadd__Request req = LEADD__REQUEST__INIT;
		req.body_case = LEADD__REQUEST__BODY_SEARCH_SAVE;
		req.search_save = &sv;
		rc = search_call(ctx, &req, "saved search");
	}
	lead_filter_free(&fc.fa);
	return rc < 0 ? 0 : rc;
}

static const struct cmd_entry cmd_search_save_entry = {
	.name = "search save",
	.usage = "NAME [FILTERS] [--sort FIELD] [--desc] [--team TEAM]",
	.help = "save a filter and an order under a name",
	.notes = "The filters are those of `lead ls`; names (statuses, users, teams, the\n"
		 "client) are looked up each time the search runs, and dates are kept as the\n"
		 "instants they meant when saved. --team TEAM (managers) shares the search\n"
		 "with the team's members; here --in-team TEAM filters by team.\n"
		 "Without --team the search is yours alone.",
	.filters = LEAD_FILTERS_OWN_TEAM,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_search_save_exec,
};

/* ---- edit ---- */

static int cmd_search_edit_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
				char **argv)
{
	static const struct option extra[] = {
		{"name", required_argument, NULL, O_NAME},
		{"asc", no_argument, NULL, O_ASC},
		{"clear", no_argument, NULL, O_CLEAR},
		{"team", required_argument, NULL, O_TEAM},
		{NULL, 0, NULL, 0},
	};
	struct filter_cmd fc = {0};
	int rc = filter_cmd_parse(self, ctx, argc, argv, extra, &fc);
	if (!rc && fc.team)
		rc = lead_usage_error(self, ctx,
				      "a search's team cannot be changed: remove it and save it "
				      "again with --team (to filter by team, say --in-team %s)",
				      fc.team);
	if (!rc && fc.asc && fc.fa.has_desc)
		rc = lead_usage_error(self, ctx, "--asc and --desc contradict each other");
	if (!rc && !fc.fa.any && !fc.clear && !fc.fa.has_sort && !fc.fa.has_desc && !fc.asc &&
	    !fc.new_name)
		rc = lead_usage_error(self, ctx,
				      "say what to change: filters (they replace the saved ones), "
				      "--clear, --sort, --desc, --asc or --name NEW");
	if (!rc) {
		Leadd__SearchEditRequest ed = LEADD__SEARCH_EDIT_REQUEST__INIT;
		ed.name = argv[optind];
		if (fc.fa.any || fc.clear)
			ed.filter = &fc.fa.f;
		ed.has_sort = fc.fa.has_sort;
		ed.sort = fc.fa.sort;
		ed.has_desc = fc.fa.has_desc || fc.asc;
		ed.desc = fc.fa.desc;
		ed.new_name = (char *)fc.new_name;
		Leadd__Request req = LEADD__REQUEST__INIT;
		req.body_case = LEADD__REQUEST__BODY_SEARCH_EDIT;
		req.search_edit = &ed;
		rc = search_call(ctx, &req, "changed search");
	}
	lead_filter_free(&fc.fa);
	return rc < 0 ? 0 : rc;
}

static const struct cmd_entry cmd_search_edit_entry = {
	.name = "search edit",
	.usage = "NAME [FILTERS] [--clear] [--sort FIELD] [--desc|--asc] [--name NEW]",
	.help = "change a saved search",
	.notes = "Filters given replace all the saved ones; --clear alone leaves none (every\n"
		 "lead). --sort, --desc and --asc change the order alone; --name renames it.",
	.filters = LEAD_FILTERS_OWN_TEAM,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_search_edit_exec,
};

/* ---- ls ---- */

static int cmd_search_ls_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			      char **argv)
{
	int rc = lead_plain_options(self, ctx, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	Leadd__SearchListRequest sl = LEADD__SEARCH_LIST_REQUEST__INIT;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_SEARCH_LIST;
	req.search_list = &sl;
	Leadd__Response *resp;
	if ((rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_SEARCH_LIST, &resp)))
		return rc;
	const Leadd__SearchListReply *r = resp->search_list;
	if (ctx->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON *arr = cJSON_AddArrayToObject(o, "searches");
		for (size_t i = 0; i < r->n_searches; i++)
			cJSON_AddItemToArray(arr, search_json(r->searches[i]));
		rc = lead_json_out(o);
	} else if (!r->n_searches) {
		lead_out("no saved searches\n");
	} else {
		static const char *const head[] = {"PIN", "NAME", "OWNER", "TEAM", "FILTER"};
		struct lead_table *t = lead_table_new(5, head);
		lead_table_align_right(t, 0);
		lead_table_shrink(t, 1, 16);
		lead_table_wrap_last(t, 24);
		for (size_t i = 0; i < r->n_searches; i++) {
			const Leadd__SavedSearch *s = r->searches[i];
			char pin[16] = "-";
			if (s->has_pinned && s->pinned)
				snprintf(pin, sizeof(pin), "%u", s->pin_position);
			char *summary = lead_filter_summary(s->filter, s->has_sort, s->sort,
							    s->has_desc && s->desc);
			const char *row[] = {pin, s->name ? s->name : "?",
					     s->owner && *s->owner ? s->owner : "-",
					     s->team && *s->team ? s->team : "-", summary};
			lead_table_add(t, row);
			free(summary);
		}
		lead_table_print(t);
	}
	leadd__response__free_unpacked(resp, NULL);
	return rc;
}

static const struct cmd_entry cmd_search_ls_entry = {
	.name = "search ls",
	.usage = "",
	.help = "list your saved searches and your teams'",
	.notes = "Pinned ones first, in their order (PIN), then the others by name; OWNER is\n"
		 "who saved it, TEAM the team it is shared with. --json: {\"searches\": "
		 "[{\"name\",\n"
		 "\"owner\", \"team\", \"pinned\", \"pin_position\", \"filter\", \"sort\", "
		 "\"desc\"}]}, the\n"
		 "filter by its wire field names: dates as RFC 3339 UTC times, value_min and\n"
		 "value_max as money objects, idle_ms in milliseconds (docs/cli.md).",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_search_ls_exec,
};

/* ---- run ---- */

static int cmd_search_run_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			       char **argv)
{
	static const struct option opts[] = {
		LEAD_PAGING_OPTIONS,
		LEAD_CMD_OPTIONS,
	};
	struct lead_paging pg;
	int c, rc = 0;
	lead_paging_init(&pg);
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_PAGING_OPTSTRING, opts, NULL)) != -1) {
		if (lead_paging_option(self, ctx, &pg, c, optarg, &rc))
			;
		else if ((rc = lead_cmd_option(self, ctx, argv, c)) < 0)
			rc = 0;
		else
			return rc;
		if (rc)
			return rc;
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)))
		return rc;
	pg.lr.saved_search = argv[optind];
	struct lead_words hint = {0};
	lead_hint_start(ctx, &hint);
	lead_words_add(&hint, "search");
	lead_words_add(&hint, "run");
	lead_words_add(&hint, argv[optind]);
	rc = lead_paging_print(self, ctx, &pg, &hint);
	lead_words_free(&hint);
	return rc;
}

static const struct cmd_entry cmd_search_run_entry = {
	.name = "search run",
	.usage = "NAME [--limit N] [--cursor CURSOR] [--all] [-o wide] [--no-headers]",
	.help = "list the leads a saved search finds",
	.notes = "Pages and prints as `lead ls` does, in its columns (see `lead help ls`).",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_search_run_exec,
};

/* ---- rm, pin, unpin ---- */

static int cmd_search_rm_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			      char **argv)
{
	int rc = lead_plain_options(self, ctx, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	Leadd__SearchRemoveRequest rm = LEADD__SEARCH_REMOVE_REQUEST__INIT;
	rm.name = argv[optind];
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_SEARCH_RM;
	req.search_rm = &rm;
	Leadd__Response *resp;
	/* The answer's body says nothing more than its code. */
	if ((rc = lead_call(ctx, &req, &resp)))
		return rc;
	if (ld_response_code(resp) != LD_OK)
		rc = lead_fail_response(ctx, resp);
	else if (ctx->json)
		rc = lead_json_out(cJSON_CreateObject());
	else
		lead_out("removed search %s\n", rm.name);
	leadd__response__free_unpacked(resp, NULL);
	return rc;
}

static const struct cmd_entry cmd_search_rm_entry = {
	.name = "search rm",
	.usage = "NAME",
	.help = "remove a saved search",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_search_rm_exec,
};

static int pin_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv,
		    int pin)
{
	static const struct option opts[] = {
		{"position", required_argument, NULL, O_POSITION},
		LEAD_CMD_OPTIONS,
	};
	static const struct option unpin_opts[] = {LEAD_CMD_OPTIONS};
	Leadd__SearchPinRequest p = LEADD__SEARCH_PIN_REQUEST__INIT;
	unsigned long long pos;
	int c, rc;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, pin ? opts : unpin_opts, NULL)) !=
	       -1) {
		if (c == O_POSITION) {
			if (lead_parse_uint(optarg, UINT32_MAX, &pos) < 0 || pos == 0)
				return lead_usage_error(self, ctx,
							"--position wants a number from 1, not "
							"'%s'",
							optarg);
			p.has_position = 1;
			p.position = (uint32_t)pos;
		} else if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0) {
			return rc;
		}
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)))
		return rc;
	p.name = argv[optind];
	p.has_pin = 1;
	p.pin = pin;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_SEARCH_PIN;
	req.search_pin = &p;
	return search_call(ctx, &req, pin ? "pinned" : "unpinned");
}

static int cmd_search_pin_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			       char **argv)
{
	return pin_exec(self, ctx, argc, argv, 1);
}

static int cmd_search_unpin_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
				 char **argv)
{
	return pin_exec(self, ctx, argc, argv, 0);
}

static const struct cmd_entry cmd_search_pin_entry = {
	.name = "search pin",
	.usage = "NAME [--position N]",
	.help = "pin a search (listed first, in order)",
	.notes = "Pinned searches come first in 'lead search ls', in order (the panels of\n"
		 "leadtop, the dashboard): --position N puts it Nth, else it goes last.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_search_pin_exec,
};

static const struct cmd_entry cmd_search_unpin_entry = {
	.name = "search unpin",
	.usage = "NAME",
	.help = "unpin a search",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_search_unpin_exec,
};

static const struct cmd_entry *const search_cmds[] = {
	&cmd_search_save_entry,  &cmd_search_ls_entry,
	&cmd_search_run_entry,   &cmd_search_edit_entry,
	&cmd_search_rm_entry,    &cmd_search_pin_entry,
	&cmd_search_unpin_entry, NULL,
};

const struct cmd_entry cmd_search_entry = {
	.name = "search",
	.usage = "save|ls|run|edit|rm|pin|unpin [ARGS...]",
	.help = "saved searches: save, ls, run, edit, rm, pin, unpin",
	.notes = "A saved search is a name for `lead ls` filters and an order. Yours are\n"
		 "yours alone; a manager may share one with a team (save --team TEAM), and\n"
		 "its members see and run it. Where two teams you see have a search of one\n"
		 "name, say which: TEAM/NAME. Pinned searches are listed first, in order:\n"
		 "\"my qualified leads\" pinned is two commands:\n"
		 "  lead search save mine-q --mine --status qualified\n"
		 "  lead search pin mine-q",
	.min_args = 1,
	.max_args = -1,
	.exec = lead_family_exec,
	.sub = search_cmds,
};
