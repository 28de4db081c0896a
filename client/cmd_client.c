/* lead client add|ls|show|edit|merge: client folders, the company several
 * leads belong to. The server folds names, finds near matches and keeps
 * the totals; the CLI only names the folder: a bare number (or #N) is an
 * id, anything else a name, and "=NAME" a name even when it is a number. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_date.h"

enum {
	O_PHONE = 256,
	O_WEB,
	O_ADDRESS,
	O_NOTE,
	O_NEW_CLIENT,
	O_NAME,
	O_QUERY,
	O_INTO,
	O_LIMIT,
	O_CURSOR,
	O_ALL,
};

/* A folder argument: "12" or "#12" is id 12; "=1664" the folder named
 * "1664"; anything else a name. */
static int parse_ref(const struct cmd_entry *self, struct lead_ctx *ctx, const char *arg,
		     Leadd__ClientRef *ref)
{
	const char *digits = arg[0] == '#' ? arg + 1 : arg;
	size_t n = strspn(digits, "0123456789");
	if (arg[0] == '=') {
		ref->name = (char *)arg + 1;
	} else if (digits[0] && !digits[n]) {
		uint64_t id;
		if (lead_parse_id(digits, &id) < 0 || !id)
			return lead_usage_error(self, ctx,
						"'%s' is not a client folder id (ids start at 1); "
						"to name a folder that is a number, write =%s",
						arg, digits);
		ref->has_id = 1;
		ref->id = id;
	} else {
		ref->name = (char *)arg;
	}
	if (ref->name && !ref->name[0])
		return lead_usage_error(self, ctx, "the client folder's name is empty");
	return 0;
}

static cJSON *client_json(const Leadd__Client *c)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)c->id);
	cJSON_AddItemToObject(o, "name", lead_json_string(c->name));
	cJSON_AddItemToObject(o, "phone", lead_json_string(c->phone));
	cJSON_AddItemToObject(o, "web", lead_json_string(c->web));
	cJSON_AddItemToObject(o, "address", lead_json_string(c->address));
	cJSON_AddItemToObject(o, "note", lead_json_string(c->note));
	cJSON_AddItemToObject(o, "created_at", lead_json_time(c->created_at));
	cJSON_AddItemToObject(o, "updated_at", lead_json_time(c->updated_at));
	return o;
}

static void client_print(const Leadd__Client *c)
{
	char created[64], updated[64];
	lead_format_time(c->created_at, created, sizeof(created));
	lead_format_time(c->updated_at, updated, sizeof(updated));
	struct lead_kv *kv = lead_kv_new();
	lead_kv_add(kv, "client", "%s", c->name ? c->name : "-");
	lead_kv_add(kv, "id", "%llu", (unsigned long long)c->id);
	lead_kv_add(kv, "phone", "%s", c->phone ? c->phone : "-");
	lead_kv_add(kv, "web", "%s", c->web ? c->web : "-");
	lead_kv_add(kv, "address", "%s", c->address ? c->address : "-");
	lead_kv_add(kv, "note", "%s", c->note ? c->note : "-");
	lead_kv_add(kv, "created", "%s", created);
	lead_kv_add(kv, "updated", "%s", updated);
	lead_kv_print(kv);
}

/* Sends req, expects a ClientReply, prints "VERB client folder NAME (id N)". */
static int client_reply(struct lead_ctx *ctx, Leadd__Request *req, const char *verb)
{
	Leadd__Response *resp;
	int rc = lead_request(ctx, req, LEADD__RESPONSE__BODY_CLIENT, &resp);
	if (rc)
		return rc;
	const Leadd__ClientReply *r = resp->client;
	if (!r->client) {
		rc = lead_fail(ctx, LD_UNKNOWN, "leadd at %s sent a reply without the folder",
			       ctx->server);
	} else if (ctx->json) {
		cJSON *o = client_json(r->client);
		if (r->has_moved)
			cJSON_AddNumberToObject(o, "moved", (double)r->moved);
		rc = lead_json_out(o);
	} else if (r->has_unchanged && r->unchanged) {
		lead_out("client folder %s (id %llu): nothing to change\n",
			 r->client->name ? r->client->name : "?",
			 (unsigned long long)r->client->id);
	} else if (r->has_moved) {
		lead_out("%s into client folder %s (id %llu): %llu lead(s) moved\n", verb,
			 r->client->name ? r->client->name : "?", (unsigned long long)r->client->id,
			 (unsigned long long)r->moved);
	} else {
		lead_out("%s client folder %s (id %llu)\n", verb,
			 r->client->name ? r->client->name : "?",
			 (unsigned long long)r->client->id);
	}
	leadd__response__free_unpacked(resp, NULL);
	return rc;
}

/* The detail options add and edit share: 1 when c was one of them. */
static int detail_option(int c, const char *arg, char **phone, char **web, char **address,
			 char **note, int *new_client)
{
	switch (c) {
	case O_PHONE:
		*phone = (char *)arg;
		return 1;
	case O_WEB:
		*web = (char *)arg;
		return 1;
	case O_ADDRESS:
		*address = (char *)arg;
		return 1;
	case O_NOTE:
		*note = (char *)arg;
		return 1;
	case O_NEW_CLIENT:
		*new_client = 1;
		return 1;
	}
	return 0;
}

#define DETAIL_OPTIONS                                                                             \
	{"phone", required_argument, NULL, O_PHONE}, {"web", required_argument, NULL, O_WEB},      \
		{"address", required_argument, NULL, O_ADDRESS},                                   \
		{"note", required_argument, NULL, O_NOTE},                                         \
	{                                                                                          \
		"new-client", no_argument, NULL, O_NEW_CLIENT                                      \
	}

/* ---- lead client add ---- */

static int cmd_client_add_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			       char **argv)
{
	static const struct option opts[] = {DETAIL_OPTIONS, LEAD_CMD_OPTIONS};
	Leadd__ClientAddRequest ca = LEADD__CLIENT_ADD_REQUEST__INIT;
	Leadd__Client cl = LEADD__CLIENT__INIT;
	int c, rc, new_client = 0;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		if (detail_option(c, optarg, &cl.phone, &cl.web, &cl.address, &cl.note,
				  &new_client))
			continue;
		if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
			return rc;
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)))
		return rc;
	cl.name = argv[optind];
	ca.client = &cl;
	ca.has_new_client = new_client;
	ca.new_client = new_client;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_CLIENT_ADD;
	req.client_add = &ca;
	return client_reply(ctx, &req, "added");
}

static const struct cmd_entry cmd_client_add_entry = {
	.name = "client add",
	.usage = "NAME [--phone P] [--web URL] [--address A] [--note TEXT] [--new-client]",
	.help = "add a client folder",
	.notes = "Names that differ only in case, accents, spaces or punctuation are one folder\n"
		 "(\"Coca Cola\", \"coca-cola\", \"CocaCola\"). A name close to an existing\n"
		 "folder's (a letter or two apart, or sharing a word such as \"Acme\") is\n"
		 "refused with \"did you mean ...?\"; --new-client makes the folder anyway.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_client_add_exec,
};

/* ---- lead client ls ---- */

static int cmd_client_ls_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
			      char **argv)
{
	static const struct option opts[] = {
		{"query", required_argument, NULL, O_QUERY},
		{"limit", required_argument, NULL, O_LIMIT},
		{"cursor", required_argument, NULL, O_CURSOR},
		{"all", no_argument, NULL, O_ALL},
		LEAD_CMD_OPTIONS,
	};
	Leadd__ClientListRequest cl = LEADD__CLIENT_LIST_REQUEST__INIT;
	int c, rc, all = 0;
	unsigned long long limit;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		switch (c) {
		case O_QUERY:
			cl.query = optarg;
			break;
		case O_LIMIT:
			if (lead_parse_uint(optarg, 1000, &limit) < 0 || !limit)
				return lead_usage_error(self, ctx,
							"--limit is a number from 1 to 1000, not "
							"'%s'",
							optarg);
			cl.has_limit = 1;
			cl.limit = (uint32_t)limit;
			break;
		case O_CURSOR:
			cl.cursor = optarg;
			break;
		case O_ALL:
			all = 1;
			break;
		default:
			if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
				return rc;
		}
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)))
		return rc;
	if (all && cl.cursor)
		return lead_usage_error(self, ctx, "--all lists from the start: drop --cursor");
	if (all && !cl.has_limit) {
		cl.has_limit = 1;
		cl.limit = 1000;
	}
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_CLIENT_LIST;
	req.client_list = &cl;
	cJSON *arr = ctx->json ? cJSON_CreateArray() : NULL;
	static const char *const head[] = {"ID", "NAME", "PHONE", "WEB"};
	struct lead_table *t = NULL; /* made with the first row */
	size_t shown = 0;
	char *next = NULL;
	for (;;) {
		Leadd__Response *resp;
		if ((rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_CLIENT_LIST, &resp)))
			break;
		const Leadd__ClientListReply *r = resp->client_list;
		for (size_t i = 0; i < r->n_clients; i++, shown++) {
			const Leadd__Client *x = r->clients[i];
			if (arr) {
				cJSON_AddItemToArray(arr, client_json(x));
				continue;
			}
			if (!t) {
				t = lead_table_new(4, head);
				lead_table_align_right(t, 0);
				lead_table_shrink(t, 1, 12);
				lead_table_shrink(t, 3, 10);
			}
			char id[24];
			snprintf(id, sizeof(id), "%llu", (unsigned long long)x->id);
			const char *row[] = {id, x->name ? x->name : "-", x->phone ? x->phone : "-",
					     x->web ? x->web : "-"};
			lead_table_add(t, row);
		}
		free(next);
		next = r->cursor ? strdup(r->cursor) : NULL;
		leadd__response__free_unpacked(resp, NULL);
		if (!next || !all)
			break;
		cl.cursor = next;
	}
	if (rc) {
		free(next);
		cJSON_Delete(arr);
		if (t)
			lead_table_print(t); /* what came before the error */
		return rc;
	}
	if (arr) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "clients", arr);
		cJSON_AddItemToObject(o, "cursor", lead_json_string(next));
		rc = lead_json_out(o);
	} else {
		if (t)
			lead_table_print(t);
		else
			lead_out("no client folders\n");
		if (next) {
			struct lead_words w = {0};
			lead_hint_start(ctx, &w);
			lead_words_add(&w, "client");
			lead_words_add(&w, "ls");
			if (cl.query) {
				lead_words_add(&w, "--query");
				lead_words_add(&w, cl.query);
			}
			if (cl.has_limit) {
				char n[16];
				snprintf(n, sizeof(n), "%u", cl.limit);
				lead_words_add(&w, "--limit");
				lead_words_add(&w, n);
			}
			lead_words_add(&w, "--cursor");
			lead_words_add(&w, next);
			char *line = lead_words_join(&w);
			lead_out("more: %s\n", line);
			free(line);
			lead_words_free(&w);
		}
	}
	free(next);
	return rc;
}

static const struct cmd_entry cmd_client_ls_entry = {
	.name = "client ls",
	.alias = "list",
	.usage = "[--query WORDS] [--limit N] [--cursor C] [--all]",
	.help = "list client folders, by name",
	.notes = "Every user lists every folder (folders are company-wide; the leads in them\n"
		 "are not). --query keeps folders with a word starting with each query word.\n"
		 "A page holds --limit folders (default 50, at most 1000); the \"more:\" line\n"
		 "gives the next page, --all every page.",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_client_ls_exec,
};

/* ---- lead client show ---- */

#define SHOW_LEADS_DEFAULT 50

static int cmd_client_show_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
				char **argv)
{
	static const struct option opts[] = {
		{"limit", required_argument, NULL, O_LIMIT},
		LEAD_CMD_OPTIONS,
	};
	Leadd__ClientGetRequest cg = LEADD__CLIENT_GET_REQUEST__INIT;
	Leadd__ClientRef ref = LEADD__CLIENT_REF__INIT;
	unsigned long long limit = SHOW_LEADS_DEFAULT;
	int c, rc;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		if (c == O_LIMIT) {
			if (lead_parse_uint(optarg, 1000, &limit) < 0 || !limit)
				return lead_usage_error(self, ctx,
							"--limit is a number from 1 to 1000, not "
							"'%s'",
							optarg);
			continue;
		}
		if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
			return rc;
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)) ||
	    (rc = parse_ref(self, ctx, argv[optind], &ref)))
		return rc;
	cg.client = &ref;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_CLIENT_GET;
	req.client_get = &cg;
	Leadd__Response *resp, *lresp = NULL, *sresp = NULL;
	if ((rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_CLIENT, &resp)))
		return rc;
	const Leadd__ClientReply *r = resp->client;
	const Leadd__StatusListReply *sl;
	const struct lead_names *names;
	if (!r->client) {
		rc = lead_fail(ctx, LD_UNKNOWN, "leadd at %s sent a reply without the folder",
			       ctx->server);
		goto out;
	}
	/* The leads in it the caller may see: lead_list by the folder's id,
	 * so a rename in between cannot lose it. */
	Leadd__LeadListRequest lr = LEADD__LEAD_LIST_REQUEST__INIT;
	Leadd__LeadFilter f = LEADD__LEAD_FILTER__INIT;
	f.has_client_id = 1;
	f.client_id = r->client->id;
	lr.filter = &f;
	lr.has_limit = 1;
	lr.limit = (uint32_t)limit;
	Leadd__Request lreq = LEADD__REQUEST__INIT;
	lreq.body_case = LEADD__REQUEST__BODY_LEAD_LIST;
	lreq.lead_list = &lr;
	/* A plain list hides leads on stand-by, but they are the folder's
	 * (the totals count them): a second list asks for them. */
	Leadd__LeadListRequest sr = LEADD__LEAD_LIST_REQUEST__INIT;
	Leadd__LeadFilter sf = LEADD__LEAD_FILTER__INIT;
	sf.has_client_id = 1;
	sf.client_id = r->client->id;
	sf.has_standby = 1;
	sf.standby = 1;
	sr.filter = &sf;
	sr.has_limit = 1;
	sr.limit = (uint32_t)limit;
	Leadd__Request sreq = LEADD__REQUEST__INIT;
	sreq.body_case = LEADD__REQUEST__BODY_LEAD_LIST;
	sreq.lead_list = &sr;
	if ((rc = lead_request(ctx, &lreq, LEADD__RESPONSE__BODY_LEAD_LIST, &lresp)) ||
	    (rc = lead_request(ctx, &sreq, LEADD__RESPONSE__BODY_LEAD_LIST, &sresp)) ||
	    (rc = lead_statuses(ctx, &sl)) || (rc = lead_names(ctx, 0, &names)))
		goto out;
	const Leadd__LeadListReply *ll = lresp->lead_list, *sl_ = sresp->lead_list;
	size_t shown = ll->n_leads + sl_->n_leads;
	if (ctx->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "client", client_json(r->client));
		cJSON *leads = cJSON_AddArrayToObject(o, "leads");
		for (size_t i = 0; i < ll->n_leads; i++)
			cJSON_AddItemToArray(leads, lead_json_lead(ll->leads[i], sl, names));
		for (size_t i = 0; i < sl_->n_leads; i++)
			cJSON_AddItemToArray(leads, lead_json_lead(sl_->leads[i], sl, names));
		cJSON_AddItemToObject(o, "more",
				      cJSON_CreateBool(ll->cursor != NULL || sl_->cursor != NULL));
		cJSON_AddNumberToObject(o, "lead_count", (double)r->leads);
		cJSON *tot = cJSON_AddArrayToObject(o, "totals");
		for (size_t i = 0; i < r->n_totals; i++) {
			const Leadd__ClientStatusTotal *st = r->totals[i];
			cJSON *x = cJSON_CreateObject();
			cJSON_AddNumberToObject(x, "status_id", (double)st->status_id);
			cJSON_AddItemToObject(x, "status", lead_json_string(st->name));
			cJSON_AddNumberToObject(x, "count", (double)st->count);
			cJSON *vals = cJSON_AddArrayToObject(x, "value");
			for (size_t m = 0; m < st->n_value; m++)
				cJSON_AddItemToArray(vals, lead_json_money(st->value[m]));
			cJSON_AddItemToArray(tot, x);
		}
		rc = lead_json_out(o);
		goto out;
	}
	client_print(r->client);
	lead_out("\n");
	if (!shown) {
		lead_out("no leads you may see in this folder\n");
		goto out;
	}
	static const char *const head[] = {"ID", "TITLE", "STATUS", "VALUE", "OWNER"};
	struct lead_table *t = lead_table_new(5, head);
	lead_table_align_right(t, 0);
	lead_table_align_right(t, 3);
	lead_table_shrink(t, 1, 14);
	for (size_t i = 0; i < shown; i++) {
		const Leadd__Lead *l = i < ll->n_leads ? ll->leads[i] : sl_->leads[i - ll->n_leads];
		const Leadd__Status *s = lead_status_by_id(sl, l->status_id);
		char id[24], value[64], owner[160], status[320], until[64];
		snprintf(id, sizeof(id), "%llu", (unsigned long long)l->id);
		snprintf(status, sizeof(status), "%llu", (unsigned long long)l->status_id);
		if (l->standby_until > 0) {
			/* Marked, in the reader's time zone. */
			lead_date_format_local(l->standby_until, until, sizeof(until));
			snprintf(status, sizeof(status), "%s, on stand-by until %s",
				 s && s->name ? s->name : "?", until);
			s = NULL;
		}
		lead_format_value(l->value, value, sizeof(value));
		lead_format_owner(names, l->owner_id, "", owner, sizeof(owner));
		const char *row[] = {id, l->title ? l->title : "-", s && s->name ? s->name : status,
				     value, owner};
		lead_table_add(t, row);
	}
	lead_table_print(t);
	if (ll->cursor || sl_->cursor) {
		/* The rest, as `lead ls` lists them (by the folder's name; those
		 * on stand-by with --standby). The count is the folder's less
		 * both lists. */
		struct lead_words w = {0};
		lead_hint_start(ctx, &w);
		lead_words_add(&w, "ls");
		lead_words_add(&w, "--client");
		lead_words_add(&w, r->client->name);
		if (!ll->cursor)
			lead_words_add(&w, "--standby");
		char *line = lead_words_join(&w);
		lead_out("%llu more: %s%s\n",
			 (unsigned long long)(r->leads > shown ? r->leads - shown : 0), line,
			 ll->cursor && sl_->cursor ? " (and with --standby)" : "");
		free(line);
		lead_words_free(&w);
	}
	lead_out("\n");
	static const char *const thead[] = {"STATUS", "LEADS", "VALUE"};
	t = lead_table_new(3, thead);
	lead_table_align_right(t, 1);
	lead_table_align_right(t, 2);
	for (size_t i = 0; i < r->n_totals; i++) {
		const Leadd__ClientStatusTotal *st = r->totals[i];
		char count[24], value[64] = "-", status[32];
		snprintf(count, sizeof(count), "%llu", (unsigned long long)st->count);
		snprintf(status, sizeof(status), "%llu", (unsigned long long)st->status_id);
		/* One row per currency; the first carries the status. */
		for (size_t m = 0; m < (st->n_value ? st->n_value : 1); m++) {
			if (st->n_value)
				lead_format_value(st->value[m], value, sizeof(value));
			const char *row[] = {m          ? ""
					     : st->name ? st->name
							: status,
					     m ? "" : count, value};
			lead_table_add(t, row);
		}
	}
	/* The folder's total: its lead count, and one value row per currency
	 * (never added across currencies). */
	struct {
		const char *code;
		int64_t sum; /* INT64_MAX: at least (lead_format_sum) */
	} cur[16];
	size_t ncur = 0;
	for (size_t i = 0; i < r->n_totals; i++)
		for (size_t m = 0; m < r->totals[i]->n_value; m++) {
			const Leadd__Money *v = r->totals[i]->value[m];
			if (!v->currency)
				continue;
			size_t k = 0;
			while (k < ncur && strcmp(cur[k].code, v->currency) != 0)
				k++;
			if (k == ncur) {
				if (ncur == sizeof(cur) / sizeof(cur[0]))
					continue;
				cur[ncur].code = v->currency;
				cur[ncur++].sum = 0;
			}
			int past = 0;
			cur[k].sum = lead_sum_add(cur[k].sum, v->amount_minor, &past);
		}
	char all[24];
	snprintf(all, sizeof(all), "%llu", (unsigned long long)r->leads);
	for (size_t k = 0; k < (ncur ? ncur : 1); k++) {
		char value[64] = "-";
		if (ncur)
			lead_format_sum(cur[k].sum, cur[k].code, value, sizeof(value));
		const char *last[] = {k ? "" : "total", k ? "" : all, value};
		lead_table_add(t, last);
	}
	lead_table_print(t);
out:
	if (lresp)
		leadd__response__free_unpacked(lresp, NULL);
	if (sresp)
		leadd__response__free_unpacked(sresp, NULL);
	leadd__response__free_unpacked(resp, NULL);
	return rc;
}

static const struct cmd_entry cmd_client_show_entry = {
	.name = "client show",
	.usage = "NAME|ID [--limit N]",
	.help = "a client folder: details, the leads in it you may see, totals per status",
	.notes = "A bare number (or #N) is a folder id; to name a folder that is a number,\n"
		 "write =NAME (lead client show =1664). The leads listed, and the totals per\n"
		 "status and currency, are those you may see (lead ls lists the same, and\n"
		 "lead ls --standby those on stand-by, listed here too and marked).\n"
		 "At most --limit leads are listed (default 50); the totals count them all.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_client_show_exec,
};

/* ---- lead client edit ---- */

static int cmd_client_edit_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
				char **argv)
{
	static const struct option opts[] = {
		DETAIL_OPTIONS,
		{"name", required_argument, NULL, O_NAME},
		LEAD_CMD_OPTIONS,
	};
	Leadd__ClientEditRequest ce = LEADD__CLIENT_EDIT_REQUEST__INIT;
	Leadd__ClientRef ref = LEADD__CLIENT_REF__INIT;
	int c, rc, new_client = 0;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		if (detail_option(c, optarg, &ce.phone, &ce.web, &ce.address, &ce.note,
				  &new_client))
			continue;
		if (c == O_NAME) {
			ce.new_name = optarg;
			continue;
		}
		if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
			return rc;
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)) ||
	    (rc = parse_ref(self, ctx, argv[optind], &ref)))
		return rc;
	if (!ce.new_name && !ce.phone && !ce.web && !ce.address && !ce.note)
		return lead_usage_error(self, ctx,
					"say what to change: --name, --phone, --web, --address or "
					"--note");
	if (new_client && !ce.new_name)
		return lead_usage_error(self, ctx,
					"--new-client confirms a new --name; give the name too");
	ce.client = &ref;
	ce.has_new_client = new_client;
	ce.new_client = new_client;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_CLIENT_EDIT;
	req.client_edit = &ce;
	return client_reply(ctx, &req, "changed");
}

static const struct cmd_entry cmd_client_edit_entry = {
	.name = "client edit",
	.usage = "NAME|ID [--name NEW] [--phone P] [--web URL] [--address A] [--note TEXT] "
		 "[--new-client]",
	.help = "change a client folder's name or details",
	.notes = "An empty value clears a detail (--note ''). A new name renames every lead\n"
		 "in the folder too (each change is in the lead's history); a name another\n"
		 "folder has is refused (merge them instead), and one close to another\n"
		 "folder's asks \"did you mean ...?\" unless --new-client confirms it. An\n"
		 "edit that changes nothing writes nothing (\"nothing to change\").",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_client_edit_exec,
};

/* ---- lead client merge ---- */

static int cmd_client_merge_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc,
				 char **argv)
{
	static const struct option opts[] = {
		{"into", required_argument, NULL, O_INTO},
		LEAD_CMD_OPTIONS,
	};
	Leadd__ClientMergeRequest cm = LEADD__CLIENT_MERGE_REQUEST__INIT;
	Leadd__ClientRef from = LEADD__CLIENT_REF__INIT, into = LEADD__CLIENT_REF__INIT;
	const char *into_arg = NULL;
	int c, rc;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		if (c == O_INTO) {
			into_arg = optarg;
			continue;
		}
		if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
			return rc;
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)))
		return rc;
	if (!into_arg)
		return lead_usage_error(self, ctx,
					"say which folder to keep: --into KEEP (the other one's "
					"leads move into it)");
	if ((rc = parse_ref(self, ctx, argv[optind], &from)) ||
	    (rc = parse_ref(self, ctx, into_arg, &into)))
		return rc;
	cm.from = &from;
	cm.into = &into;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_CLIENT_MERGE;
	req.client_merge = &cm;
	return client_reply(ctx, &req, "merged");
}

static const struct cmd_entry cmd_client_merge_entry = {
	.name = "client merge",
	.usage = "OTHER --into KEEP",
	.help = "move every lead of folder OTHER into KEEP and remove OTHER (manager)",
	.notes = "Each lead's move is a change in its history. KEEP keeps its details and\n"
		 "takes those it lacks (phone, web, address, note) from OTHER.",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_client_merge_exec,
};

static const struct cmd_entry *const client_cmds[] = {
	&cmd_client_add_entry,  &cmd_client_ls_entry,    &cmd_client_show_entry,
	&cmd_client_edit_entry, &cmd_client_merge_entry, NULL,
};

const struct cmd_entry cmd_client_entry = {
	.name = "client",
	.usage = "add|ls|show|edit|merge [ARGS...]",
	.help = "client folders: add, ls, show, edit, merge",
	.notes = "A client folder is the company several leads belong to; `lead add TITLE\n"
		 "--client NAME` files a lead in it (making it when no folder matches).\n"
		 "Folders are company-wide: everyone lists and reads them, and sees in them\n"
		 "only the leads they may see.",
	.min_args = 1,
	.max_args = -1,
	.exec = lead_family_exec,
	.sub = client_cmds,
};
