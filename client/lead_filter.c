/* The one table of lead filter options, and everything read from it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ld_currency.h"
#include "lead_date.h"
#include "lead_filter.h"

enum {
	F_STATUS = 300,
	F_MINE,
	F_OWNER,
	F_TEAM,
	F_POOL,
	F_CLIENT,
	F_TAG,
	F_QUERY,
	F_VALUE_MIN,
	F_VALUE_MAX,
	F_CURRENCY,
	F_CREATED_SINCE,
	F_CREATED_BEFORE,
	F_UPDATED_SINCE,
	F_NEXT_BEFORE,
	F_NO_NEXT,
	F_IDLE,
	F_SOURCE,
	F_SORT,
	F_DESC,
	F_ARCHIVED, /* issue 12 */
	F_STANDBY,
	F_WAKING,
	F_END,
};

struct filter_opt {
	const char *name;
	int id;
	const char *arg; /* NULL: a flag */
	const char *help;
};

/* Options sharing an id are spellings of one (the first is the one printed
 * back in hints). */
static const struct filter_opt table[] = {
	{"status", F_STATUS, "STATUS",
	 "in this status: a name, a unique prefix or a KPI\n"
	 "class word (new, qualified, dead, prospect, won,\n"
	 "lost; or its start: qual); repeat for any of\n"
	 "several"},
	{"mine", F_MINE, NULL, "owned by you"},
	{"owner", F_OWNER, "USER", "owned by USER; repeat for any of several"},
	{"team", F_TEAM, "TEAM", "in TEAM (its members' leads and its pool)"},
	{"in-team", F_TEAM, "TEAM",
	 "the same as --team (in search save, --team shares\n"
	 "the search instead)"},
	{"pool", F_POOL, NULL, "unowned (in a team's pool)"},
	{"client", F_CLIENT, "NAME", "in that client's folder"},
	{"tag", F_TAG, "TAG", "tagged TAG; repeat: all of them"},
	{"query", F_QUERY, "TEXT",
	 "each word of TEXT starts a word of the title,\n"
	 "client, contact names, emails or phones (case and\n"
	 "accents ignored)"},
	{"value-min", F_VALUE_MIN, "AMOUNT", "value at least AMOUNT in --currency"},
	{"value-max", F_VALUE_MAX, "AMOUNT", "value at most AMOUNT in --currency"},
	{"currency", F_CURRENCY, "CODE",
	 "the currency of --value-min/--value-max (default\n"
	 "EUR)"},
	{"created-since", F_CREATED_SINCE, "DATE", "created at or after DATE"},
	{"created-before", F_CREATED_BEFORE, "DATE", "created before DATE"},
	{"updated-since", F_UPDATED_SINCE, "DATE", "changed at or after DATE"},
	{"next-before", F_NEXT_BEFORE, "DATE",
	 "next action due before DATE (--next-before now:\n"
	 "overdue)"},
	{"no-next", F_NO_NEXT, NULL, "no next action planned"},
	{"archived", F_ARCHIVED, NULL,
	 "archived leads only (without it, archived leads\n"
	 "are not listed)"},
	{"idle", F_IDLE, "DURATION",
	 "unchanged for at least DURATION (14d; units m, h,\n"
	 "d, w)"},
	{"source", F_SOURCE, "SOURCE", "from SOURCE (case and accents ignored)"},
	{"sort", F_SORT, "FIELD",
	 "order by created, updated, value, next or title\n"
	 "(default: id, the order leads were created in)"},
	{"desc", F_DESC, NULL, "newest, largest or latest first"},
	/* Stand-by (issue 12): without these, lists leave out leads on
	 * stand-by. */
	{"standby", F_STANDBY, NULL, "on stand-by (lists leave these out otherwise)"},
	{"waking", F_WAKING, "WHEN",
	 "on stand-by until before WHEN: a duration from\n"
	 "now (7d; units m, h, d, w) or a DATE"},
};
#define NTABLE (sizeof(table) / sizeof(table[0]))

static const char *const sort_names[] = {"id", "created", "updated", "value", "next", "title"};

const char *lead_sort_name(int sort)
{
	return sort >= 0 && sort < 6 ? sort_names[sort] : NULL;
}

static void oom(void)
{
	fputs("lead: out of memory\n", stderr);
	exit(LD_EXIT_ERROR);
}

int lead_filter_init(struct lead_ctx *ctx, struct lead_filter_args *a, int argc)
{
	memset(a, 0, sizeof(*a));
	leadd__lead_filter__init(&a->f);
	size_t n = (size_t)argc + 1;
	a->f.statuses = calloc(n, sizeof(char *));
	a->f.owners = calloc(n, sizeof(char *));
	a->f.tags = calloc(n, sizeof(char *));
	if (!a->f.statuses || !a->f.owners || !a->f.tags) {
		lead_filter_free(a);
		return lead_fail(ctx, LD_RESOURCE_EXHAUSTED, "out of memory");
	}
	a->now_ms = lead_now_ms();
	return 0;
}

void lead_filter_free(struct lead_filter_args *a)
{
	free(a->f.statuses);
	free(a->f.owners);
	free(a->f.tags);
	a->f.statuses = a->f.owners = a->f.tags = NULL;
	lead_words_free(&a->words);
}

struct option *lead_filter_getopt(const struct option *extra)
{
	static const struct option common[] = {LEAD_CMD_OPTIONS};
	size_t nextra = 0;
	while (extra && extra[nextra].name)
		nextra++;
	struct option *o = calloc(NTABLE + nextra + 3, sizeof(*o)), *p = o;
	if (!o)
		oom();
	for (size_t i = 0; i < NTABLE; i++) {
		int taken = 0;
		for (size_t k = 0; k < nextra; k++)
			taken |= strcmp(extra[k].name, table[i].name) == 0;
		if (!taken)
			*p++ = (struct option){table[i].name,
					       table[i].arg ? required_argument : no_argument, NULL,
					       table[i].id};
	}
	for (size_t k = 0; k < nextra; k++)
		*p++ = extra[k];
	for (size_t k = 0; k < 3; k++)
		*p++ = common[k];
	return o;
}

int lead_filter_nth(size_t i, const char **name, const char **arg)
{
	if (i >= NTABLE)
		return 0;
	*name = table[i].name;
	*arg = table[i].arg;
	return 1;
}

int lead_filter_is_option(int c)
{
	return c >= F_STATUS && c < F_END;
}

static const char *canonical(int id)
{
	for (size_t i = 0; i < NTABLE; i++)
		if (table[i].id == id)
			return table[i].name;
	return "?";
}

static int takes_arg(int id)
{
	for (size_t i = 0; i < NTABLE; i++)
		if (table[i].id == id)
			return table[i].arg != NULL;
	return 0;
}

static void record(struct lead_filter_args *a, int id, const char *value)
{
	char opt[40];
	snprintf(opt, sizeof(opt), "--%s", canonical(id));
	lead_words_add(&a->words, opt);
	if (value)
		lead_words_add(&a->words, value);
}

static int date_option(const struct cmd_entry *e, struct lead_ctx *ctx, struct lead_filter_args *a,
		       int id, const char *arg, protobuf_c_boolean *has, int64_t *out)
{
	char opt[40], msg[512];
	snprintf(opt, sizeof(opt), "--%s", canonical(id));
	/* "now" reads naturally with --next-before (overdue). */
	if (lead_date_option(opt, arg, a->now_ms, LEAD_DATE_NOW, out, msg, sizeof(msg)) < 0)
		return lead_usage_error(e, ctx, "%s", msg);
	*has = 1;
	if (strcmp(arg, "now") == 0 || lead_date_is_relative(arg)) {
		char abs[32];
		lead_date_format_utc(*out, abs, sizeof(abs));
		record(a, id, abs);
	} else {
		record(a, id, arg);
	}
	return 0;
}

/* --waking: "7d" counts forward from now (the leads coming back this
 * week), or a DATE; kept in the hint as the instant it meant. */
static int waking_option(const struct cmd_entry *e, struct lead_ctx *ctx,
			 struct lead_filter_args *a, const char *arg)
{
	Leadd__LeadFilter *f = &a->f;
	int64_t d;
	if (lead_duration_parse(arg, &d) == 0) {
		f->has_waking_before = 1;
		f->waking_before = a->now_ms + d;
		char abs[32];
		lead_date_format_utc(f->waking_before, abs, sizeof(abs));
		record(a, F_WAKING, abs);
		return 0;
	}
	return date_option(e, ctx, a, F_WAKING, arg, &f->has_waking_before, &f->waking_before);
}

int lead_filter_option(const struct cmd_entry *e, struct lead_ctx *ctx, struct lead_filter_args *a,
		       int c, const char *arg)
{
	Leadd__LeadFilter *f = &a->f;
	a->any |= c != F_SORT && c != F_DESC;
	switch (c) {
	case F_STATUS:
		f->statuses[f->n_statuses++] = (char *)arg;
		break;
	case F_MINE:
		f->has_mine = f->mine = 1;
		break;
	case F_OWNER:
		f->owners[f->n_owners++] = (char *)arg;
		break;
	case F_TEAM:
		f->team = (char *)arg;
		break;
	case F_POOL:
		f->has_pool = f->pool = 1;
		break;
	case F_CLIENT:
		f->client = (char *)arg;
		break;
	case F_TAG:
		f->tags[f->n_tags++] = (char *)arg;
		break;
	case F_QUERY:
		f->query = (char *)arg;
		break;
	case F_VALUE_MIN:
	case F_VALUE_MAX:
		if (lead_amount_arg(e, ctx, c == F_VALUE_MIN ? "--value-min" : "--value-max", arg))
			return LD_EXIT_USAGE;
		*(c == F_VALUE_MIN ? &a->value_min : &a->value_max) = arg;
		break;
	case F_CURRENCY:
		a->currency = arg;
		break;
	case F_CREATED_SINCE:
		return date_option(e, ctx, a, c, arg, &f->has_created_since, &f->created_since);
	case F_CREATED_BEFORE:
		return date_option(e, ctx, a, c, arg, &f->has_created_before, &f->created_before);
	case F_UPDATED_SINCE:
		return date_option(e, ctx, a, c, arg, &f->has_updated_since, &f->updated_since);
	case F_NEXT_BEFORE:
		return date_option(e, ctx, a, c, arg, &f->has_next_before, &f->next_before);
	case F_NO_NEXT:
		f->has_no_next = f->no_next = 1;
		break;
	case F_ARCHIVED:
		f->has_archived = f->archived = 1;
		break;
	case F_IDLE:
		if (lead_duration_parse(arg, &f->idle_ms) < 0)
			return lead_usage_error(e, ctx,
						"--idle wants a duration like 30m, 12h, 14d or 2w, "
						"not '%s'",
						arg);
		f->has_idle_ms = 1;
		break;
	case F_SOURCE:
		f->source = (char *)arg;
		break;
	case F_SORT: {
		int found = -1;
		for (int i = 0; i < 6; i++)
			if (strcmp(arg, sort_names[i]) == 0)
				found = i;
		if (found < 0)
			return lead_usage_error(e, ctx,
						"--sort wants id, created, updated, value, next or "
						"title, not '%s'",
						arg);
		a->has_sort = 1;
		a->sort = (Leadd__LeadSort)found;
		break;
	}
	case F_DESC:
		a->has_desc = a->desc = 1;
		break;
	case F_STANDBY:
		f->has_standby = f->standby = 1;
		break;
	case F_WAKING:
		return waking_option(e, ctx, a, arg);
	default:
		return lead_usage_error(e, ctx, "unknown option");
	}
	record(a, c, takes_arg(c) ? arg : NULL);
	return 0;
}

int lead_filter_finish(const struct cmd_entry *e, struct lead_ctx *ctx, struct lead_filter_args *a)
{
	Leadd__LeadFilter *f = &a->f;
	if (!a->value_min && !a->value_max) {
		if (a->currency)
			return lead_usage_error(e, ctx,
						"--currency goes with --value-min or "
						"--value-max");
		return 0;
	}
	const ld_currency *cur;
	const char *code = a->currency ? a->currency : "EUR";
	if (lead_parse_currency(code, a->code) < 0 || !(cur = ld_currency_find(a->code)))
		return lead_usage_error(e, ctx,
					"--currency wants an ISO 4217 code like EUR, USD or JPY, "
					"not '%s'",
					code);
	f->value_currency = a->code;
	int rc;
	if (a->value_min && (rc = lead_money_arg(e, ctx, "--value-min", a->value_min, cur->code,
						 cur->minor, 123450, &f->value_min)))
		return rc;
	if (a->value_max && (rc = lead_money_arg(e, ctx, "--value-max", a->value_max, cur->code,
						 cur->minor, 123450, &f->value_max)))
		return rc;
	f->has_value_min = a->value_min != NULL;
	f->has_value_max = a->value_max != NULL;
	if (f->has_value_min && f->has_value_max && f->value_min > f->value_max)
		return lead_usage_error(e, ctx, "--value-min %s is above --value-max %s",
					a->value_min, a->value_max);
	return 0;
}

void lead_filter_print_help(FILE *out, int own_team)
{
	fputs("\nFilters (a lead must match all that are given):\n", out);
	for (size_t i = 0; i < NTABLE; i++) {
		if (own_team && strcmp(table[i].name, "team") == 0)
			continue;
		char head[48];
		snprintf(head, sizeof(head), "--%s%s%s", table[i].name, table[i].arg ? " " : "",
			 table[i].arg ? table[i].arg : "");
		fprintf(out, "  %-24s ", head);
		for (const char *p = table[i].help; *p; p++) {
			fputc(*p, out);
			if (*p == '\n')
				fprintf(out, "  %-24s ", "");
		}
		fputc('\n', out);
	}
	fputs("A DATE is " LEAD_DATE_HELP ".\n", out);
}

/* ---- a saved filter for people and as JSON ---- */

struct text {
	char *s;
	size_t len;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *piece;
	if (vasprintf(&piece, fmt, ap) < 0)
		oom();
	va_end(ap);
	size_t pl = strlen(piece);
	t->s = realloc(t->s, t->len + pl + 3);
	if (!t->s)
		oom();
	if (t->len) {
		memcpy(t->s + t->len, ", ", 2);
		t->len += 2;
	}
	memcpy(t->s + t->len, piece, pl + 1);
	t->len += pl;
	free(piece);
}

static void add_list(struct text *t, const char *what, char **items, size_t n, const char *sep)
{
	if (!n)
		return;
	struct text list = {0};
	for (size_t i = 0; i < n; i++) {
		/* add() separates with ", ": build "a or b" by hand. */
		size_t il = strlen(items[i]), sl = i ? strlen(sep) : 0;
		list.s = realloc(list.s, list.len + sl + il + 1);
		if (!list.s)
			oom();
		memcpy(list.s + list.len, sep, sl);
		memcpy(list.s + list.len + sl, items[i], il + 1);
		list.len += sl + il;
	}
	add(t, "%s %s", what, list.s);
	free(list.s);
}

static void add_date(struct text *t, const char *what, int has, int64_t ms)
{
	if (!has)
		return;
	char buf[64];
	lead_date_format_local(ms, buf, sizeof(buf));
	add(t, "%s %s", what, buf);
}

char *lead_filter_summary(const Leadd__LeadFilter *f, int has_sort, int sort, int desc)
{
	struct text t = {0};
	if (f) {
		add_list(&t, "status", f->statuses, f->n_statuses, " or ");
		if (f->has_mine && f->mine)
			add(&t, "mine");
		add_list(&t, "owner", f->owners, f->n_owners, " or ");
		if (f->team && *f->team)
			add(&t, "team %s", f->team);
		if (f->has_pool && f->pool)
			add(&t, "in the pool");
		if (f->client && *f->client)
			add(&t, "client %s", f->client);
		add_list(&t, "tags", f->tags, f->n_tags, " and ");
		if (f->query && *f->query)
			add(&t, "text \"%s\"", f->query);
		char lo[64], hi[64];
		lead_format_money(f->value_min, f->value_currency, lo, sizeof(lo));
		lead_format_money(f->value_max, f->value_currency, hi, sizeof(hi));
		if (f->has_value_min && f->has_value_max)
			add(&t, "value %s to %s", lo, hi);
		else if (f->has_value_min)
			add(&t, "value at least %s", lo);
		else if (f->has_value_max)
			add(&t, "value at most %s", hi);
		add_date(&t, "created since", f->has_created_since, f->created_since);
		add_date(&t, "created before", f->has_created_before, f->created_before);
		add_date(&t, "updated since", f->has_updated_since, f->updated_since);
		add_date(&t, "next action before", f->has_next_before, f->next_before);
		if (f->has_no_next && f->no_next)
			add(&t, "no next action");
		if (f->has_archived && f->archived)
			add(&t, "archived");
		if (f->has_idle_ms) {
			char d[32];
			lead_duration_format(f->idle_ms, d, sizeof(d));
			add(&t, "idle %s", d);
		}
		if (f->source && *f->source)
			add(&t, "source %s", f->source);
		if (f->has_standby && f->standby && !f->has_waking_before)
			add(&t, "on stand-by");
		add_date(&t, "on stand-by until before", f->has_waking_before, f->waking_before);
	}
	if (!t.len)
		add(&t, "all leads");
	if (has_sort || desc) {
		const char *name = lead_sort_name(has_sort ? sort : 0);
		add(&t, "by %s%s", name ? name : "?", desc ? ", descending" : "");
	}
	return t.s;
}

static cJSON *strings(char **items, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(items[i]));
	return a;
}

cJSON *lead_filter_json(const Leadd__LeadFilter *f)
{
	cJSON *o = cJSON_CreateObject();
	if (f) {
		if (f->n_statuses)
			cJSON_AddItemToObject(o, "statuses", strings(f->statuses, f->n_statuses));
		if (f->has_mine)
			cJSON_AddBoolToObject(o, "mine", f->mine);
		if (f->n_owners)
			cJSON_AddItemToObject(o, "owners", strings(f->owners, f->n_owners));
		if (f->team)
			cJSON_AddStringToObject(o, "team", f->team);
		if (f->has_pool)
			cJSON_AddBoolToObject(o, "pool", f->pool);
		if (f->client)
			cJSON_AddStringToObject(o, "client", f->client);
		if (f->n_tags)
			cJSON_AddItemToObject(o, "tags", strings(f->tags, f->n_tags));
		if (f->query)
			cJSON_AddStringToObject(o, "query", f->query);
		if (f->value_currency)
			cJSON_AddStringToObject(o, "value_currency", f->value_currency);
		const struct {
			const char *key;
			int has;
			int64_t v;
		} nums[] = {
			{"value_min", f->has_value_min, f->value_min},
			{"value_max", f->has_value_max, f->value_max},
			{"created_since", f->has_created_since, f->created_since},
			{"created_before", f->has_created_before, f->created_before},
			{"updated_since", f->has_updated_since, f->updated_since},
			{"next_before", f->has_next_before, f->next_before},
			{"idle_ms", f->has_idle_ms, f->idle_ms},
			{"waking_before", f->has_waking_before, f->waking_before},
		};
		for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
			if (nums[i].has)
				cJSON_AddNumberToObject(o, nums[i].key, (double)nums[i].v);
		if (f->has_no_next)
			cJSON_AddBoolToObject(o, "no_next", f->no_next);
		if (f->has_archived)
			cJSON_AddBoolToObject(o, "archived", f->archived);
		if (f->source)
			cJSON_AddStringToObject(o, "source", f->source);
		if (f->has_standby)
			cJSON_AddBoolToObject(o, "standby", f->standby);
	}
	return o;
}
