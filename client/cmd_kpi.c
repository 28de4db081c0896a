/* lead kpi: lead counts per KPI class for reps and teams, with open value,
 * and with --since the flow over a period (from the server's rollups). */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ld_currency.h"
#include "lead.h"
#include "lead_date.h"
#include "lead_opp.h"

enum { O_BY = 256, O_TEAM, O_SINCE, O_WATCH };

/* The table's class columns, in the order. */
static const int classes[] = {
	LEADD__KPI_CLASS__KPI_NEW,      LEADD__KPI_CLASS__KPI_QUALIFIED, LEADD__KPI_CLASS__KPI_DEAD,
	LEADD__KPI_CLASS__KPI_PROSPECT, LEADD__KPI_CLASS__KPI_WON,       LEADD__KPI_CLASS__KPI_LOST,
};
#define NCLASSES 6

static uint64_t class_count(const Leadd__KpiCounts *c, int kpi)
{
	for (size_t i = 0; c && i < c->n_classes; i++)
		if ((int)c->classes[i]->kpi_class == kpi)
			return c->classes[i]->count;
	return 0;
}

/* Archived leads of a class (KpiCounts.archived), and of every class. */
static uint64_t archived_count(const Leadd__KpiCounts *c, int kpi)
{
	for (size_t i = 0; c && i < c->n_archived; i++)
		if ((int)c->archived[i]->kpi_class == kpi)
			return c->archived[i]->count;
	return 0;
}

static uint64_t archived_total(const Leadd__KpiCounts *c)
{
	uint64_t n = 0;
	for (size_t i = 0; c && i < c->n_archived; i++)
		n += c->archived[i]->count;
	return n;
}

/* Open value: the value of leads still in play (new, qualified, prospect),
 * per currency, sorted by code. */
struct amount {
	char code[4];
	int64_t minor;
};
struct open_value {
	struct amount *a;
	size_t n;
};

static int by_code(const void *x, const void *y)
{
	return strcmp(((const struct amount *)x)->code, ((const struct amount *)y)->code);
}

static void open_value(const Leadd__KpiCounts *c, struct open_value *ov)
{
	ov->a = NULL;
	ov->n = 0;
	size_t cap = 0;
	for (size_t i = 0; c && i < c->n_classes; i++) {
		int k = c->classes[i]->kpi_class;
		if (k != LEADD__KPI_CLASS__KPI_NEW && k != LEADD__KPI_CLASS__KPI_QUALIFIED &&
		    k != LEADD__KPI_CLASS__KPI_PROSPECT)
			continue;
		for (size_t v = 0; v < c->classes[i]->n_value; v++) {
			const Leadd__Money *m = c->classes[i]->value[v];
			if (!m->currency || strlen(m->currency) != 3)
				continue;
			size_t j = 0;
			while (j < ov->n && strcmp(ov->a[j].code, m->currency) != 0)
				j++;
			if (j == ov->n) {
				if (ov->n == cap) {
					cap = cap ? 2 * cap : 4;
					struct amount *na = realloc(ov->a, cap * sizeof(*na));
					if (!na) {
						fputs("lead: out of memory\n", stderr);
						exit(LD_EXIT_ERROR);
					}
					ov->a = na;
				}
				memcpy(ov->a[ov->n].code, m->currency, 4);
				ov->a[ov->n++].minor = 0;
			}
			/* Past int64: "at least" (lead_format_sum). */
			int past = 0;
			ov->a[j].minor = lead_sum_add(ov->a[j].minor, m->amount_minor, &past);
		}
	}
	if (ov->n > 1)
		qsort(ov->a, ov->n, sizeof(*ov->a), by_code);
}

static void add_counts_row(struct lead_table *t, const char *name, const Leadd__KpiCounts *c)
{
	char num[NCLASSES][24], value[64];
	struct open_value ov;
	open_value(c, &ov);
	for (int i = 0; i < NCLASSES; i++)
		snprintf(num[i], sizeof(num[i]), "%llu",
			 (unsigned long long)class_count(c, classes[i]));
	if (ov.n)
		lead_format_sum(ov.a[0].minor, ov.a[0].code, value, sizeof(value));
	else
		snprintf(value, sizeof(value), "-");
	const char *row[] = {name, num[0], num[1], num[2], num[3], num[4], num[5], value};
	lead_table_add(t, row);
	/* One line per further currency, under the first. */
	for (size_t k = 1; k < ov.n; k++) {
		lead_format_sum(ov.a[k].minor, ov.a[k].code, value, sizeof(value));
		const char *more[] = {"", "", "", "", "", "", "", value};
		lead_table_add(t, more);
	}
	free(ov.a);
}

static const char *row_name(const Leadd__KpiRow *r, char *buf, size_t len)
{
	if (r->name && *r->name)
		return r->name;
	snprintf(buf, len, "%s %llu", r->id ? "user" : "pool", (unsigned long long)r->id);
	return buf;
}

typedef void (*add_row_fn)(struct lead_table *t, const char *name, const Leadd__KpiCounts *c);

/* The rows of the table, in order, each given to add: with by_team one
 * per team; else each team's reps (and its pool), the team's total, the
 * owners of no team listed; then the total. */
static void add_rows(struct lead_table *t, const Leadd__KpiReply *k, int by_team, add_row_fn add)
{
	char buf[64], total[160];
	if (by_team) {
		for (size_t i = 0; i < k->n_teams; i++)
			add(t, row_name(k->teams[i], buf, sizeof(buf)), k->teams[i]->counts);
	} else {
		/* Each team's reps (and its pool), then the team's total. */
		for (size_t i = 0; i < k->n_teams; i++) {
			const Leadd__KpiRow *tm = k->teams[i];
			for (size_t j = 0; j < k->n_owners; j++) {
				const Leadd__KpiRow *o = k->owners[j];
				if (o->team_id != tm->id)
					continue;
				if (o->id == 0)
					add(t, "(pool)", o->counts);
				else
					add(t, row_name(o, buf, sizeof(buf)), o->counts);
			}
			snprintf(total, sizeof(total), "%s total", row_name(tm, buf, sizeof(buf)));
			add(t, total, tm->counts);
		}
		/* Owners of no team the reply lists (no team at all, or one the
		 * caller sees only through them). */
		for (size_t j = 0; j < k->n_owners; j++) {
			const Leadd__KpiRow *o = k->owners[j];
			int listed = 0;
			for (size_t i = 0; i < k->n_teams; i++)
				listed |= k->teams[i]->id == o->team_id;
			if (!listed)
				add(t, row_name(o, buf, sizeof(buf)), o->counts);
		}
	}
	add(t, "total", k->total);
}

static void print_counts(const Leadd__KpiReply *k, int by_team)
{
	static const char *const head[] = {"",         "NEW", "QUALIFIED", "DEAD",
					   "PROSPECT", "WON", "LOST",      "OPEN VALUE"};
	struct lead_table *t = lead_table_new(8, head);
	lead_table_shrink(t, 0, 12); /* long user, status or source names */
	for (int c = 1; c < 8; c++)
		lead_table_align_right(t, c);
	add_rows(t, k, by_team, add_counts_row);
	lead_table_print(t);
}

/* ---- open opportunities per class (issue 15) ---- */

static int has_opps(const Leadd__KpiCounts *c)
{
	for (size_t i = 0; c && i < c->n_classes; i++)
		if (c->classes[i]->n_opps)
			return 1;
	return 0;
}

/* Lines of one class (or "in forecast"): a line per currency. */
static void add_opp_lines(struct lead_table *t, const char **name, const char *class,
			  Leadd__ForecastAmount *const *v, size_t n)
{
	const Leadd__ForecastAmount **s = lead_forecast_sorted(v, n);
	for (size_t i = 0; i < n; i++) {
		char opps[24], amount[64], weighted[64];
		snprintf(opps, sizeof(opps), "%lld", (long long)s[i]->opps);
		lead_format_sum(s[i]->amount_minor, s[i]->currency, amount, sizeof(amount));
		lead_format_sum(lead_forecast_weighted(s[i]), s[i]->currency, weighted,
				sizeof(weighted));
		const char *row[] = {*name, i ? "" : class, opps, amount, weighted};
		lead_table_add(t, row);
		*name = "";
	}
	free(s);
}

/* A row's open opportunities, class by class in the table's order, then
 * those of its forecast; nothing for a row without any. */
static void add_opps_row(struct lead_table *t, const char *name, const Leadd__KpiCounts *c)
{
	if (!has_opps(c))
		return;
	for (int k = 0; k < NCLASSES; k++)
		for (size_t i = 0; i < c->n_classes; i++)
			if ((int)c->classes[i]->kpi_class == classes[k])
				add_opp_lines(t, &name, lead_kpi_name(classes[k]),
					      c->classes[i]->opps, c->classes[i]->n_opps);
	add_opp_lines(t, &name, "in forecast", c->forecast, c->n_forecast);
}

static void print_opps(const Leadd__KpiReply *k, int by_team)
{
	if (!has_opps(k->total))
		return;
	static const char *const head[] = {"OPEN OPPORTUNITIES", "CLASS", "OPPS", "AMOUNT",
					   "WEIGHTED"};
	struct lead_table *t = lead_table_new(5, head);
	lead_table_shrink(t, 0, 12);
	for (int c = 2; c < 5; c++)
		lead_table_align_right(t, c);
	add_rows(t, k, by_team, add_opps_row);
	lead_out("\n");
	lead_table_print(t);
}

static void add_archived_row(struct lead_table *t, const char *name, const Leadd__KpiCounts *c)
{
	char num[NCLASSES][24];
	for (int i = 0; i < NCLASSES; i++)
		snprintf(num[i], sizeof(num[i]), "%llu",
			 (unsigned long long)archived_count(c, classes[i]));
	const char *row[] = {name, num[0], num[1], num[2], num[3], num[4], num[5]};
	lead_table_add(t, row);
}

/* Archived leads, apart from the live counts above (lead archive): the
 * rows that have some, and the total. Nothing when there are none. */
static void print_archived(const Leadd__KpiReply *k, int by_team)
{
	if (!archived_total(k->total))
		return;
	static const char *const head[] = {"ARCHIVED", "NEW", "QUALIFIED", "DEAD",
					   "PROSPECT", "WON", "LOST"};
	struct lead_table *t = lead_table_new(7, head);
	lead_table_shrink(t, 0, 12);
	for (int c = 1; c < 7; c++)
		lead_table_align_right(t, c);
	char buf[64];
	const Leadd__KpiRow *const *rows = by_team ? (const Leadd__KpiRow *const *)k->teams
						   : (const Leadd__KpiRow *const *)k->owners;
	size_t n = by_team ? k->n_teams : k->n_owners;
	for (size_t i = 0; i < n; i++) {
		const Leadd__KpiRow *r = rows[i];
		if (!archived_total(r->counts))
			continue;
		if (!by_team && r->id == 0) {
			char pool[160];
			snprintf(pool, sizeof(pool), "(pool) %s",
				 r->team_name && *r->team_name ? r->team_name : "");
			add_archived_row(t, pool, r->counts);
		} else {
			add_archived_row(t, row_name(r, buf, sizeof(buf)), r->counts);
		}
	}
	add_archived_row(t, "total", k->total);
	lead_out("\n");
	lead_table_print(t);
}

static void rate(uint64_t num, uint64_t den, char *buf, size_t len)
{
	if (den)
		snprintf(buf, len, "%.1f%%", 100.0 * (double)num / (double)den);
	else
		snprintf(buf, len, "-");
}

/* "DEAD BY REASON  LEADS": moves into dead (or lost) in the period by the
 * reason given, most first (issue 12); nothing when there were none. */
static void print_reasons(const char *head0, Leadd__ReasonCount *const *rs, size_t n)
{
	if (!n)
		return;
	lead_out("\n");
	const char *const head[] = {head0, "LEADS"};
	struct lead_table *t = lead_table_new(2, head);
	lead_table_shrink(t, 0, 12); /* a reason may be long free text */
	lead_table_align_right(t, 1);
	for (size_t i = 0; i < n; i++) {
		char c[24];
		snprintf(c, sizeof(c), "%llu", (unsigned long long)rs[i]->count);
		const char *row[] = {rs[i]->reason ? rs[i]->reason : "?", c};
		lead_table_add(t, row);
	}
	lead_table_print(t);
}

static void print_flow(const Leadd__KpiFlow *f)
{
	char since[64], until[64], r1[16], r2[16];
	lead_date_format_local(f->since, since, sizeof(since));
	lead_date_format_local(f->until, until, sizeof(until));
	lead_out("\nFrom %s to %s:\n", since, until);
	struct lead_kv *kv = lead_kv_new();
	lead_kv_add(kv, "created", "%llu", (unsigned long long)f->created);
	lead_kv_add(kv, "qualified", "%llu", (unsigned long long)f->qualified);
	lead_kv_add(kv, "dead", "%llu", (unsigned long long)f->dead);
	lead_kv_add(kv, "converted", "%llu", (unsigned long long)f->converted);
	/* Renewals are apart from created and converted (lead renew). */
	lead_kv_add(kv, "renewals", "%llu", (unsigned long long)f->renewals);
	lead_kv_add(kv, "renewals converted", "%llu", (unsigned long long)f->renewals_converted);
	rate(f->qualified, f->created, r1, sizeof(r1));
	rate(f->converted, f->qualified, r2, sizeof(r2));
	lead_kv_add(kv, "new -> qualified", "%s", r1);
	lead_kv_add(kv, "qualified -> prospect", "%s", r2);
	lead_kv_print(kv);
	if (f->n_time_in_status) {
		lead_out("\n");
		static const char *const head[] = {"STATUS", "MEDIAN TIME", "LEADS"};
		struct lead_table *t = lead_table_new(3, head);
		lead_table_shrink(t, 0, 12); /* long user, status or source names */
		lead_table_align_right(t, 1);
		lead_table_align_right(t, 2);
		for (size_t i = 0; i < f->n_time_in_status; i++) {
			const Leadd__StatusTime *s = f->time_in_status[i];
			char med[32], n[24];
			lead_duration_format(s->median_ms, med, sizeof(med));
			snprintf(n, sizeof(n), "%llu", (unsigned long long)s->samples);
			const char *row[] = {s->name ? s->name : "?", s->samples ? med : "-", n};
			lead_table_add(t, row);
		}
		lead_table_print(t);
	}
	if (f->n_by_source) {
		lead_out("\n");
		static const char *const head[] = {"SOURCE", "CREATED", "QUALIFIED", "CONVERTED",
						   "RATE"};
		struct lead_table *t = lead_table_new(5, head);
		lead_table_shrink(t, 0, 12); /* long user, status or source names */
		for (int c = 1; c < 5; c++)
			lead_table_align_right(t, c);
		for (size_t i = 0; i < f->n_by_source; i++) {
			const Leadd__SourceFlow *s = f->by_source[i];
			char c1[24], c2[24], c3[24], r[16];
			snprintf(c1, sizeof(c1), "%llu", (unsigned long long)s->created);
			snprintf(c2, sizeof(c2), "%llu", (unsigned long long)s->qualified);
			snprintf(c3, sizeof(c3), "%llu", (unsigned long long)s->converted);
			rate(s->converted, s->created, r, sizeof(r));
			const char *row[] = {s->source && *s->source ? s->source : "(none)", c1, c2,
					     c3, r};
			lead_table_add(t, row);
		}
		lead_table_print(t);
	}
	print_reasons("DEAD BY REASON", f->dead_reasons, f->n_dead_reasons);
	print_reasons("LOST BY REASON", f->lost_reasons, f->n_lost_reasons);
	lead_kpi_activity_print(f);
}

void lead_kpi_print(const Leadd__KpiReply *k, int by_team)
{
	print_counts(k, by_team);
	print_archived(k, by_team);
	print_opps(k, by_team);
	if (k->flow)
		print_flow(k->flow);
}

/* ---- JSON ---- */

static cJSON *counts_json(const Leadd__KpiCounts *c)
{
	cJSON *o = cJSON_CreateObject();
	for (int i = 0; i < NCLASSES; i++)
		cJSON_AddItemToObject(o, lead_kpi_name(classes[i]),
				      lead_json_uint(class_count(c, classes[i])));
	struct open_value ov;
	open_value(c, &ov);
	cJSON *v = cJSON_AddObjectToObject(o, "open_value");
	for (size_t k = 0; k < ov.n; k++)
		cJSON_AddItemToObject(v, ov.a[k].code, lead_json_sum(ov.a[k].minor, ov.a[k].code));
	free(ov.a);
	/* Issue 15: open opportunities by class (the classes that have
	 * some), and those in the forecast, per currency. */
	cJSON *opps = cJSON_AddObjectToObject(o, "opps");
	for (int i = 0; i < NCLASSES; i++)
		for (size_t j = 0; c && j < c->n_classes; j++)
			if ((int)c->classes[j]->kpi_class == classes[i] && c->classes[j]->n_opps)
				cJSON_AddItemToObject(
					opps, lead_kpi_name(classes[i]),
					lead_forecast_amounts_json(c->classes[j]->opps,
								   c->classes[j]->n_opps));
	cJSON_AddItemToObject(
		o, "forecast",
		lead_forecast_amounts_json(c ? c->forecast : NULL, c ? c->n_forecast : 0));
	/* Archived leads by class, apart from the live counts above; only
	 * when there are some (as "pools"). */
	if (!archived_total(c))
		return o;
	cJSON *a = cJSON_AddObjectToObject(o, "archived");
	for (int i = 0; i < NCLASSES; i++)
		cJSON_AddItemToObject(a, lead_kpi_name(classes[i]),
				      lead_json_uint(archived_count(c, classes[i])));
	return o;
}

static cJSON *rate_json(uint64_t num, uint64_t den)
{
	/* Four decimals: 0.3333, not 0.33333333333333331. */
	return den ? cJSON_CreateNumber(round(10000.0 * (double)num / (double)den) / 10000.0)
		   : cJSON_CreateNull();
}

/* {"Too expensive": 3, ...}: moves into dead (or lost) by reason, most first. */
static void reasons_json(cJSON *o, const char *key, Leadd__ReasonCount *const *rs, size_t n)
{
	cJSON *r = cJSON_AddObjectToObject(o, key);
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToObject(r, rs[i]->reason ? rs[i]->reason : "",
				      lead_json_uint(rs[i]->count));
}

static cJSON *flow_json(const Leadd__KpiFlow *f)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "since", lead_json_time(f->since));
	cJSON_AddItemToObject(o, "until", lead_json_time(f->until));
	cJSON_AddItemToObject(o, "created", lead_json_uint(f->created));
	cJSON_AddItemToObject(o, "qualified", lead_json_uint(f->qualified));
	cJSON_AddItemToObject(o, "dead", lead_json_uint(f->dead));
	cJSON_AddItemToObject(o, "converted", lead_json_uint(f->converted));
	cJSON_AddItemToObject(o, "renewals", lead_json_uint(f->renewals));
	cJSON_AddItemToObject(o, "renewals_converted", lead_json_uint(f->renewals_converted));
	cJSON *r = cJSON_AddObjectToObject(o, "rates");
	cJSON_AddItemToObject(r, "new_to_qualified", rate_json(f->qualified, f->created));
	cJSON_AddItemToObject(r, "qualified_to_prospect", rate_json(f->converted, f->qualified));
	cJSON *t = cJSON_AddObjectToObject(o, "time_in_status");
	for (size_t i = 0; i < f->n_time_in_status; i++) {
		const Leadd__StatusTime *s = f->time_in_status[i];
		cJSON *e = cJSON_CreateObject();
		if (s->samples)
			cJSON_AddItemToObject(e, "median_ms", lead_json_int(s->median_ms));
		else
			cJSON_AddNullToObject(e, "median_ms");
		cJSON_AddItemToObject(e, "samples", lead_json_uint(s->samples));
		cJSON_AddItemToObject(t, s->name ? s->name : "?", e);
	}
	cJSON *b = cJSON_AddObjectToObject(o, "by_source");
	for (size_t i = 0; i < f->n_by_source; i++) {
		const Leadd__SourceFlow *s = f->by_source[i];
		cJSON *e = cJSON_CreateObject();
		cJSON_AddItemToObject(e, "created", lead_json_uint(s->created));
		cJSON_AddItemToObject(e, "qualified", lead_json_uint(s->qualified));
		cJSON_AddItemToObject(e, "converted", lead_json_uint(s->converted));
		cJSON_AddItemToObject(b, s->source ? s->source : "", e);
	}
	reasons_json(o, "dead_reasons", f->dead_reasons, f->n_dead_reasons);
	reasons_json(o, "lost_reasons", f->lost_reasons, f->n_lost_reasons);
	lead_kpi_activity_json(o, f);
	return o;
}

cJSON *lead_kpi_json(const Leadd__KpiReply *k)
{
	char buf[64];
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "revision", lead_json_uint(k->revision));
	cJSON_AddItemToObject(o, "total", counts_json(k->total));
	cJSON *owners = cJSON_AddObjectToObject(o, "owners");
	cJSON *pools = NULL;
	for (size_t i = 0; i < k->n_owners; i++) {
		const Leadd__KpiRow *r = k->owners[i];
		if (r->id == 0) {
			/* A team's pool is no user: its own object, by team name. */
			if (!pools)
				pools = cJSON_CreateObject();
			const char *team = r->team_name && *r->team_name ? r->team_name : NULL;
			if (!team) {
				snprintf(buf, sizeof(buf), "team %llu",
					 (unsigned long long)r->team_id);
				team = buf;
			}
			cJSON_AddItemToObject(pools, team, counts_json(r->counts));
			continue;
		}
		cJSON_AddItemToObject(owners, row_name(r, buf, sizeof(buf)),
				      counts_json(r->counts));
	}
	cJSON *teams = cJSON_AddObjectToObject(o, "teams");
	for (size_t i = 0; i < k->n_teams; i++)
		cJSON_AddItemToObject(teams, row_name(k->teams[i], buf, sizeof(buf)),
				      counts_json(k->teams[i]->counts));
	if (pools)
		cJSON_AddItemToObject(o, "pools", pools);
	if (k->flow)
		cJSON_AddItemToObject(o, "flow", flow_json(k->flow));
	return o;
}

/* ---- --watch: the table again at each change, from the watch's deltas ---- */

struct kpi_watch {
	Leadd__KpiReply *k; /* the snapshot's counts, the deltas applied */
	int by_team;
	int warned;  /* LEAD_KPI_* bits already told */
	char *shown; /* the counts last printed, as JSON without the revision */
};

/* The counts as `lead --json kpi` prints them (with --by team, as it does
 * then: no owner rows), on one line; without the revision when
 * with_revision is 0. */
static char *kpi_watch_json(const struct kpi_watch *kw, int with_revision)
{
	Leadd__KpiReply view = *kw->k;
	if (kw->by_team) {
		view.n_owners = 0;
		view.owners = NULL;
	}
	cJSON *o = lead_kpi_json(&view);
	if (o && !with_revision)
		cJSON_DeleteItemFromObject(o, "revision");
	char *s = o ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	if (!s) {
		fputs("lead: out of memory\n", stderr);
		exit(LD_EXIT_ERROR);
	}
	return s;
}

/* What a reader sees, to compare: a change that moves nothing shown (the
 * value of a dead lead, a status count the table does not have, with --by
 * team a lead moved between two reps of a team) prints no new table. */
static char *kpi_watch_shown(const struct kpi_watch *kw)
{
	return kpi_watch_json(kw, 0);
}

static void kpi_watch_print(struct lead_ctx *ctx, const struct kpi_watch *kw)
{
	if (ctx->json) {
		char *s = kpi_watch_json(kw, 1);
		printf("%s\n", s);
		free(s);
	} else {
		lead_kpi_print(kw->k, kw->by_team);
	}
}

static int kpi_watch_snapshot(struct lead_watch *w, struct lead_ctx *ctx, Leadd__Event *ev)
{
	struct kpi_watch *kw = w->arg;
	if (!ev->kpi_counts)
		return lead_fail(ctx, LD_UNKNOWN,
				 "leadd at %s sent a snapshot without the counts; run 'lead kpi "
				 "--watch' again",
				 ctx->server);
	if (!ctx->json) {
		if (!kw->k)
			lead_out("-- counts at revision %llu\n", (unsigned long long)ev->revision);
		else
			lead_out("\n-- snapshot at revision %llu: %s; the counts start over from "
				 "here\n",
				 (unsigned long long)ev->revision,
				 ev->reason && *ev->reason ? ev->reason
							   : "the server started over");
	}
	if (kw->k)
		leadd__kpi_reply__free_unpacked(kw->k, NULL);
	/* Keep the counts: detached, the event's free leaves them. */
	kw->k = ev->kpi_counts;
	ev->kpi_counts = NULL;
	kw->k->has_revision = 1;
	kw->k->revision = ev->revision;
	free(kw->shown);
	kw->shown = kpi_watch_shown(kw);
	kpi_watch_print(ctx, kw);
	return 0;
}

static int kpi_watch_event(struct lead_watch *w, struct lead_ctx *ctx, Leadd__Event *ev)
{
	struct kpi_watch *kw = w->arg;
	switch (ev->kind) {
	case LEADD__EVENT_KIND__EVENT_SNAPSHOT:
		return kpi_watch_snapshot(w, ctx, ev);
	case LEADD__EVENT_KIND__EVENT_ENDED:
		return lead_fail(ctx, LD_UNKNOWN, "the watch ended after revision %llu: %s",
				 (unsigned long long)w->last_revision,
				 ev->reason && *ev->reason ? ev->reason
							   : "the server gave no reason");
	case LEADD__EVENT_KIND__EVENT_KPI:
		break;
	default:
		return 0;
	}
	if (!kw->k)
		return lead_fail(ctx, LD_UNKNOWN,
				 "leadd at %s sent count changes before the counts; run 'lead kpi "
				 "--watch' again",
				 ctx->server);
	int changed = 0, under = 0;
	for (size_t i = 0; i < ev->n_kpi; i++) {
		int r = lead_kpi_apply(kw->k, ev->kpi[i], &under);
		if (r < 0)
			return lead_fail(ctx, LD_UNKNOWN, "out of memory at revision %llu",
					 (unsigned long long)ev->revision);
		changed |= r;
	}
	kw->k->revision = ev->revision;
	/* Each once: a reader is told, not flooded. */
	if ((under & LEAD_KPI_DISAGREE) && !(kw->warned & LEAD_KPI_DISAGREE))
		lead_warn("at revision %llu a count went below zero (shown as 0): the changes "
			  "leadd sent do not add up; compare with 'lead kpi'",
			  (unsigned long long)ev->revision);
	if ((under & LEAD_KPI_PAST_INT64) && !(kw->warned & LEAD_KPI_PAST_INT64))
		lead_warn("at revision %llu a change touched a sum past what an int64 holds: "
			  "from here an 'at least' sum or a weighted amount may be off; 'lead "
			  "kpi' reads them exactly",
			  (unsigned long long)ev->revision);
	kw->warned |= under;
	if (!changed)
		return 0;
	char *shown = kpi_watch_shown(kw);
	if (kw->shown && strcmp(shown, kw->shown) == 0) {
		free(shown);
		return 0;
	}
	free(kw->shown);
	kw->shown = shown;
	if (!ctx->json) {
		char line[2048];
		lead_watch_describe(ev, NULL, line, sizeof(line));
		lead_out("\n%s\n", line);
	}
	kpi_watch_print(ctx, kw);
	return 0;
}

static int kpi_watch_lost(struct lead_watch *w, struct lead_ctx *ctx, const char *why)
{
	return lead_fail(ctx, LD_UNAVAILABLE,
			 "lost the connection to leadd at %s after revision %llu: %s; run 'lead "
			 "kpi --watch' again",
			 ctx->server, (unsigned long long)w->last_revision, why);
}

/* The counts once, then again at each change, until Ctrl-C or SIGTERM. */
static int kpi_watch(struct lead_ctx *ctx, const Leadd__KpiRequest *kr)
{
	struct kpi_watch kw = {
		.by_team = kr->has_by && kr->by == LEADD__KPI_GROUP__KPI_BY_TEAM,
	};
	Leadd__WatchTopic topics[] = {LEADD__WATCH_TOPIC__TOPIC_KPI};
	struct lead_watch w = {.req = LEADD__WATCH_REQUEST__INIT};
	w.req.n_topics = 1;
	w.req.topics = topics;
	w.req.kpi_team = kr->team;
	w.arg = &kw;
	w.on_event = kpi_watch_event;
	w.on_lost = kpi_watch_lost;
	int rc = lead_watch_run(ctx, &w);
	if (kw.k)
		leadd__kpi_reply__free_unpacked(kw.k, NULL);
	free(kw.shown);
	return rc;
}

/* --since: a duration back from now (7d) or a date. */
static int parse_since(const struct cmd_entry *e, struct lead_ctx *ctx, const char *arg,
		       int64_t *out)
{
	char msg[512];
	if (lead_date_option("--since", arg, lead_now_ms(), LEAD_DATE_BACK, out, msg, sizeof(msg)))
		return lead_usage_error(e, ctx, "%s", msg);
	return 0;
}

static int cmd_kpi_exec(const struct cmd_entry *self, struct lead_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"by", required_argument, NULL, O_BY},
		{"team", required_argument, NULL, O_TEAM},
		{"since", required_argument, NULL, O_SINCE},
		{"watch", no_argument, NULL, O_WATCH},
		LEAD_CMD_OPTIONS,
	};
	Leadd__KpiRequest kr = LEADD__KPI_REQUEST__INIT;
	int c, rc, watch = 0;
	lead_getopt_reset();
	while ((c = lead_getopt(argc, argv, LEAD_CMD_OPTSTRING, opts, NULL)) != -1) {
		switch (c) {
		case O_BY:
			if (strcmp(optarg, "owner") == 0)
				kr.by = LEADD__KPI_GROUP__KPI_BY_OWNER;
			else if (strcmp(optarg, "team") == 0)
				kr.by = LEADD__KPI_GROUP__KPI_BY_TEAM;
			else
				return lead_usage_error(
					self, ctx, "--by wants owner or team, not '%s'", optarg);
			kr.has_by = 1;
			break;
		case O_TEAM:
			kr.team = optarg;
			break;
		case O_SINCE:
			if ((rc = parse_since(self, ctx, optarg, &kr.since)))
				return rc;
			kr.has_since = 1;
			break;
		case O_WATCH:
			watch = 1;
			break;
		default:
			if ((rc = lead_cmd_option(self, ctx, argv, c)) >= 0)
				return rc;
		}
	}
	if ((rc = lead_cmd_check_args(self, ctx, argc - optind)))
		return rc;
	if (watch && kr.has_since)
		return lead_usage_error(
			self, ctx,
			"--since and --watch do not go together: the flow is over a "
			"past period, --watch follows the counts; run 'lead kpi "
			"--since ...' on its own");
	if (watch)
		return kpi_watch(ctx, &kr);
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_KPI;
	req.kpi = &kr;
	Leadd__Response *resp;
	if ((rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_KPI, &resp)))
		return rc;
	const Leadd__KpiReply *k = resp->kpi;
	if (ctx->json) {
		rc = lead_json_out(lead_kpi_json(k));
	} else {
		lead_kpi_print(k, kr.has_by && kr.by == LEADD__KPI_GROUP__KPI_BY_TEAM);
	}
	leadd__response__free_unpacked(resp, NULL);
	return rc;
}

const struct cmd_entry cmd_kpi_entry = {
	.name = "kpi",
	.usage = "[--by owner|team] [--team TEAM] [--since 7d|DATE] [--watch]",
	.help = "count leads per KPI class, for reps and teams",
	.notes = "One row per rep, then their team's total (its pool included, as \"(pool)\"),\n"
		 "and the total of everything you see; --by team: one row per team. A rep sees\n"
		 "their own row, and their team's pool when the team shows its pool to reps.\n"
		 "OPEN VALUE is the value of the leads in play (new, qualified and prospect),\n"
		 "one line per currency. --team TEAM: that team only. Archived leads (lead\n"
		 "archive) are not in these counts: a second table, ARCHIVED, counts them by\n"
		 "class for each row that has some.\n"
		 "A third table, OPEN OPPORTUNITIES (when there are some), gives each row's open\n"
		 "opportunities by the class of their lead's status, one line per currency:\n"
		 "how many, their amount and their weighted amount (amount x probability); its\n"
		 "\"in forecast\" lines are those `lead forecast` counts (leads past the lead\n"
		 "stage, not dead or lost).\n"
		 "--since adds the flow over a period: leads created, qualified, dead and\n"
		 "converted (moved from the lead stage to a prospect-stage status not dead or\n"
		 "lost), renewals (lead renew) created and converted, counted apart from the\n"
		 "others, the rates new -> qualified (qualified / created) and qualified ->\n"
		 "prospect (converted / qualified), the median time leads spent in each status\n"
		 "they left, the same counts by source with their rate (converted / created),\n"
		 "and the moves into dead and into lost by the reason given (lead dead\n"
		 "--reason). A lead that skips a step still counts, so a rate can pass 100%.\n"
		 "Last, a table of activities done in the period, per rep (a rep sees their\n"
		 "own row) and in total: CALLS, MEETINGS and TASKS done, counted for whoever\n"
		 "the activity was assigned to (a call logged as done counts; removing a done\n"
		 "activity later does not uncount it), and SPEED TO LEAD, the median time from\n"
		 "a lead reaching its owner to the first call or meeting done on it, over the\n"
		 "LEADS first called or met in the period, counted for their owner (an estimate\n"
		 "within about 19%; pool leads give none).\n"
		 "The period is whole UTC days: from 00:00 UTC of the day --since falls in,\n"
		 "until now; its first line says which. --since takes a duration back from\n"
		 "now (7d, 12h, 2w) or a date: " LEAD_DATE_HELP ".\n"
		 "With --json: {\"revision\": R, \"total\": {\"new\": N, \"qualified\": N, "
		 "\"dead\": N,\n"
		 "\"prospect\": N, \"won\": N, \"lost\": N, \"open_value\": {\"EUR\": "
		 "MONEY},\n"
		 "\"opps\": {CLASS: AMOUNTS} (the classes with some), \"forecast\": AMOUNTS,\n"
		 "\"archived\": {\"new\": N, ...} when it has archived leads},\n"
		 "\"owners\": {USER: {...}}, \"teams\": {TEAM: {...}}, \"pools\": {TEAM: {...}}},\n"
		 "and with --since \"flow\": {\"since\": T, \"until\": T, \"created\": N,\n"
		 "\"qualified\": N, \"dead\": N, \"converted\": N, \"renewals\": N,\n"
		 "\"renewals_converted\": N, \"rates\": {\"new_to_qualified\": R,\n"
		 "\"qualified_to_prospect\": R}, \"time_in_status\": {STATUS: {\"median_ms\": N,\n"
		 "\"samples\": N}}, \"by_source\": {SOURCE: {\"created\": N, \"qualified\": N,\n"
		 "\"converted\": N}}, \"dead_reasons\": {REASON: N}, \"lost_reasons\": {REASON:\n"
		 "N}, \"calls_done\": N, \"meetings_done\": N, \"tasks_done\": N,\n"
		 "\"speed_to_lead\": {\"median_ms\": N or null, \"samples\": N}, \"reps\":\n"
		 "[{\"user\", \"user_id\", \"team\", \"team_id\", \"calls_done\",\n"
		 "\"meetings_done\", \"tasks_done\", \"speed_to_lead\"}]}\n"
		 "(T an RFC 3339 UTC time, R a fraction or null, reasons most first); MONEY\n"
		 "is {\"amount\": \"48500.00\", \"minor\": 4850000, \"currency\": \"EUR\"} and\n"
		 "AMOUNTS {\"EUR\": {\"opps\": N, \"amount\": MONEY, \"weighted\": MONEY}} (see\n"
		 "docs/cli.md).\n"
		 "--watch (not with --since): the tables, then, each time a count, an open\n"
		 "value or open opportunities shown change, the change and the tables again,\n"
		 "until Ctrl-C (or SIGTERM; exit 0). The counts and opportunities are kept up\n"
		 "to date from the changes leadd pushes, not asked for again. A line starting\n"
		 "with \"--\" says when leadd starts the counts over (your rights changed, a user\n"
		 "or team was added or changed, or lead fell behind) and why; it exits 1 when\n"
		 "leadd ends the watch (--team is no longer a team you may read).\n"
		 "With --json: one document per line, as above, each with the revision it\n"
		 "counts up to. When the connection is lost, lead exits 6.",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_kpi_exec,
};
