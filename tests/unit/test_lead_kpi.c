/* Unit tests for how `lead kpi` shows a KpiReply (client/cmd_kpi.c): the
 * table's rows and columns, open value per currency with its own lines,
 * thousands grouping, wide and accented names aligned, the flow block with
 * rates and human durations, and the JSON the issue specifies; and how
 * lead_kpi_apply keeps archived deltas apart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "lead.h"

#define MAXC 4

/* One KpiCounts: the six classes' counts and up to MAXC open values. */
struct counts {
	Leadd__KpiCounts kc;
	Leadd__ClassCount cc[6], *ccp[6];
	Leadd__Money m[MAXC], *mp[MAXC];
};

static void counts(struct counts *c, const unsigned n[6], const char *const *cur,
		   const int64_t *amount)
{
	static const int order[6] = {LEADD__KPI_CLASS__KPI_NEW,  LEADD__KPI_CLASS__KPI_QUALIFIED,
				     LEADD__KPI_CLASS__KPI_DEAD, LEADD__KPI_CLASS__KPI_PROSPECT,
				     LEADD__KPI_CLASS__KPI_WON,  LEADD__KPI_CLASS__KPI_LOST};
	leadd__kpi_counts__init(&c->kc);
	for (int i = 0; i < 6; i++) {
		leadd__class_count__init(&c->cc[i]);
		c->cc[i].has_kpi_class = c->cc[i].has_count = 1;
		c->cc[i].kpi_class = order[i];
		c->cc[i].count = n[i];
		c->ccp[i] = &c->cc[i];
	}
	/* Values split over new and qualified, the way a server may send them;
	 * a lost lead's value must not count as open. */
	size_t k = 0;
	for (; cur && cur[k]; k++) {
		leadd__money__init(&c->m[k]);
		c->m[k].currency = (char *)cur[k];
		c->m[k].has_amount_minor = 1;
		c->m[k].amount_minor = amount[k];
		c->mp[k] = &c->m[k];
	}
	size_t half = k / 2;
	c->cc[0].n_value = half;
	c->cc[0].value = c->mp;
	c->cc[1].n_value = k - half;
	c->cc[1].value = c->mp + half;
	c->kc.n_classes = 6;
	c->kc.classes = c->ccp;
}

static void row(Leadd__KpiRow *r, uint64_t id, const char *name, uint64_t team, struct counts *c)
{
	leadd__kpi_row__init(r);
	r->has_id = r->has_team_id = 1;
	r->id = id;
	r->name = (char *)name;
	r->team_id = team;
	r->counts = &c->kc;
}

/* Runs fn with stdout going to a buffer; returns it (malloc'd). */
static char *captured(void (*fn)(void *), void *arg)
{
	fflush(stdout);
	int saved = dup(1);
	FILE *tmp = tmpfile();
	assert_non_null(tmp);
	dup2(fileno(tmp), 1);
	fn(arg);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	long len = ftell(tmp);
	char *buf = calloc(1, (size_t)len + 1);
	rewind(tmp);
	assert_int_equal(fread(buf, 1, (size_t)len, tmp), (size_t)len);
	fclose(tmp);
	return buf;
}

struct fixture {
	Leadd__KpiReply k;
	struct counts c[8];
	Leadd__KpiRow rows[8], *owners[5], *teams[2];
	Leadd__KpiFlow flow;
	Leadd__StatusTime st[2], *stp[2];
	Leadd__SourceFlow sf[2], *sfp[2];
	Leadd__ReasonCount rs[2], *rsp[2];
};

static struct fixture fx;

static void build(int with_flow)
{
	memset(&fx, 0, sizeof(fx));
	static const char *const eur[] = {"EUR", NULL}, *const jpy[] = {"JPY", NULL},
				 *const jpy_eur[] = {"JPY", "EUR", NULL};
	static const int64_t tom_v[] = {4850000}, total_v[] = {100000, 4850000}, ops_v[] = {100000};
	counts(&fx.c[0], (const unsigned[6]){0, 1, 0, 1, 0, 0}, eur, tom_v);        /* tom */
	counts(&fx.c[1], (const unsigned[6]){0, 0, 1, 0, 0, 0}, NULL, NULL);        /* Zoë */
	counts(&fx.c[2], (const unsigned[6]){1, 0, 0, 0, 0, 0}, NULL, NULL);        /* pool */
	counts(&fx.c[3], (const unsigned[6]){1, 1, 1, 1, 0, 0}, eur, tom_v);        /* sales */
	counts(&fx.c[4], (const unsigned[6]){12, 0, 0, 0, 3, 0}, jpy, ops_v);       /* 山田 */
	counts(&fx.c[5], (const unsigned[6]){12, 0, 0, 0, 3, 0}, jpy, ops_v);       /* ops */
	counts(&fx.c[6], (const unsigned[6]){13, 1, 1, 1, 3, 0}, jpy_eur, total_v); /* total */
	/* A lost lead's value is not open: it must show nowhere. */
	static Leadd__Money lost = LEADD__MONEY__INIT, *lostp[] = {&lost};
	lost.currency = "USD";
	lost.has_amount_minor = 1;
	lost.amount_minor = 6200000;
	fx.c[6].cc[5].n_value = 1;
	fx.c[6].cc[5].value = lostp;
	row(&fx.rows[0], 2, "tom", 1, &fx.c[0]);
	row(&fx.rows[1], 3, "Zoë", 1, &fx.c[1]);
	row(&fx.rows[2], 0, "(pool)", 1, &fx.c[2]);
	row(&fx.rows[3], 4, "山田", 2, &fx.c[4]);
	row(&fx.rows[4], 1, "sales", 0, &fx.c[3]);
	row(&fx.rows[5], 2, "ops", 0, &fx.c[5]);
	fx.rows[2].team_name = "sales";
	for (int i = 0; i < 4; i++)
		fx.owners[i] = &fx.rows[i];
	fx.teams[0] = &fx.rows[4];
	fx.teams[1] = &fx.rows[5];
	leadd__kpi_reply__init(&fx.k);
	fx.k.has_revision = 1;
	fx.k.revision = 42;
	fx.k.total = &fx.c[6].kc;
	fx.k.n_owners = 4;
	fx.k.owners = fx.owners;
	fx.k.n_teams = 2;
	fx.k.teams = fx.teams;
	if (!with_flow)
		return;
	leadd__kpi_flow__init(&fx.flow);
	fx.flow.since = 1796083200000LL; /* 2026-12-01T00:00Z */
	fx.flow.until = fx.flow.since + 7 * 86400000LL;
	fx.flow.created = 8;
	fx.flow.qualified = 3;
	fx.flow.dead = 1;
	fx.flow.converted = 1;
	const char *names[] = {"lead-New", "商談中"};
	int64_t med[] = {3 * 86400000LL + 4 * 3600000LL, 90 * 60000LL};
	for (int i = 0; i < 2; i++) {
		leadd__status_time__init(&fx.st[i]);
		fx.st[i].name = (char *)names[i];
		fx.st[i].median_ms = med[i];
		fx.st[i].samples = (uint64_t)(5 - i * 3);
		fx.stp[i] = &fx.st[i];
	}
	const char *src[] = {"Salon Lefèvre", ""};
	for (int i = 0; i < 2; i++) {
		leadd__source_flow__init(&fx.sf[i]);
		fx.sf[i].source = (char *)src[i];
		fx.sf[i].created = (uint64_t)(6 - i * 4);
		fx.sf[i].qualified = (uint64_t)(2 - i);
		fx.sf[i].converted = (uint64_t)(1 - i);
		fx.sfp[i] = &fx.sf[i];
	}
	fx.flow.n_time_in_status = 2;
	fx.flow.time_in_status = fx.stp;
	fx.flow.n_by_source = 2;
	fx.flow.by_source = fx.sfp;
	/* Dead by reason (issue 12): two reasons, most first; none lost. */
	const char *why[] = {"Too expensive", "Chose a rival"};
	for (int i = 0; i < 2; i++) {
		leadd__reason_count__init(&fx.rs[i]);
		fx.rs[i].reason = (char *)why[i];
		fx.rs[i].count = (uint64_t)(2 - i);
		fx.rsp[i] = &fx.rs[i];
	}
	fx.flow.n_dead_reasons = 2;
	fx.flow.dead_reasons = fx.rsp;
	fx.k.flow = &fx.flow;
}

static void print_by_owner(void *arg)
{
	(void)arg;
	lead_kpi_print(&fx.k, 0);
}

static void print_by_team(void *arg)
{
	(void)arg;
	lead_kpi_print(&fx.k, 1);
}

static void test_table_by_owner(void **state)
{
	(void)state;
	build(0);
	char *out = captured(print_by_owner, NULL);
	assert_string_equal(
		out, "             NEW  QUALIFIED  DEAD  PROSPECT  WON  LOST    OPEN VALUE\n"
		     "tom            0          1     0         1    0     0  48500.00 EUR\n"
		     "Zoë            0          0     1         0    0     0             -\n"
		     "(pool)         1          0     0         0    0     0             -\n"
		     "sales total    1          1     1         1    0     0  48500.00 EUR\n"
		     "山田          12          0     0         0    3     0    100000 JPY\n"
		     "ops total     12          0     0         0    3     0    100000 JPY\n"
		     "total         13          1     1         1    3     0  48500.00 EUR\n"
		     "                                                          100000 JPY\n");
	free(out);
}

static void test_table_by_team(void **state)
{
	(void)state;
	build(0);
	char *out = captured(print_by_team, NULL);
	assert_string_equal(out,
			    "       NEW  QUALIFIED  DEAD  PROSPECT  WON  LOST    OPEN VALUE\n"
			    "sales    1          1     1         1    0     0  48500.00 EUR\n"
			    "ops     12          0     0         0    3     0    100000 JPY\n"
			    "total   13          1     1         1    3     0  48500.00 EUR\n"
			    "                                                    100000 JPY\n");
	free(out);
}

static void test_flow(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	build(1);
	char *out = captured(print_by_team, NULL);
	const char *flow = strstr(out, "\nFrom ");
	assert_non_null(flow);
	assert_string_equal(flow, "\n"
				  "From 2026-12-01 00:00 UTC to 2026-12-08 00:00 UTC:\n"
				  "created:               8\n"
				  "qualified:             3\n"
				  "dead:                  1\n"
				  "converted:             1\n"
				  "renewals:              0\n"
				  "renewals converted:    0\n"
				  "new -> qualified:      37.5%\n"
				  "qualified -> prospect: 33.3%\n"
				  "\n"
				  "STATUS    MEDIAN TIME  LEADS\n"
				  "lead-New        3d 4h      5\n"
				  "商談中         1h 30m      2\n"
				  "\n"
				  "SOURCE         CREATED  QUALIFIED  CONVERTED   RATE\n"
				  "Salon Lefèvre        6          2          1  16.7%\n"
				  "(none)               2          1          0   0.0%\n"
				  "\n"
				  "DEAD BY REASON  LEADS\n"
				  "Too expensive       2\n"
				  "Chose a rival       1\n");
	free(out);
}

static void test_json(void **state)
{
	(void)state;
	build(1);
	cJSON *j = lead_kpi_json(&fx.k);
	char *s = cJSON_PrintUnformatted(j);
	assert_string_equal(
		s, "{\"revision\":42,\"total\":{\"new\":13,\"qualified\":1,\"dead\":1,\"pr"
		   "ospect\":1,\"won\":3,\"lost\":0,\"open_value\":{\"EUR\":{\"amount\":\""
		   "48500.00\",\"minor\":4850000,\"currency\":\"EUR\"},\"JPY\":{\"amount\""
		   ":\"100000\",\"minor\":100000,\"currency\":\"JPY\"}},\"opps\":{},\"fore"
		   "cast\":{}},\"owners\":{\"tom\":{\"new\":0,\"qualified\":1,\"dead\":0,\""
		   "prospect\":1,\"won\":0,\"lost\":0,\"open_value\":{\"EUR\":{\"amount\":"
		   "\"48500.00\",\"minor\":4850000,\"currency\":\"EUR\"}},\"opps\":{},\"fo"
		   "recast\":{}},\"Zoë\":{\"new\":0,\"qualified\":0,\"dead\":1,\"prospect"
		   "\":0,\"won\":0,\"lost\":0,\"open_value\":{},\"opps\":{},\"forecast\":{"
		   "}},\"山田\":{\"new\":12,\"qualified\":0,\"dead\":0,\"prospect\":0,\""
		   "won\":3,\"lost\":0,\"open_value\":{\"JPY\":{\"amount\":\"100000\",\"mi"
		   "nor\":100000,\"currency\":\"JPY\"}},\"opps\":{},\"forecast\":{}}},\"te"
		   "ams\":{\"sales\":{\"new\":1,\"qualified\":1,\"dead\":1,\"prospect\":1,"
		   "\"won\":0,\"lost\":0,\"open_value\":{\"EUR\":{\"amount\":\"48500.00\","
		   "\"minor\":4850000,\"currency\":\"EUR\"}},\"opps\":{},\"forecast\":{}},"
		   "\"ops\":{\"new\":12,\"qualified\":0,\"dead\":0,\"prospect\":0,\"won\":"
		   "3,\"lost\":0,\"open_value\":{\"JPY\":{\"amount\":\"100000\",\"minor\":"
		   "100000,\"currency\":\"JPY\"}},\"opps\":{},\"forecast\":{}}},\"pools\":"
		   "{\"sales\":{\"new\":1,\"qualified\":0,\"dead\":0,\"prospect\":0,\"won\""
		   ":0,\"lost\":0,\"open_value\":{},\"opps\":{},\"forecast\":{}}},\"flow\""
		   ":{\"since\":\"2026-12-01T00:00:00Z\",\"until\":\"2026-12-08T00:00:00Z\""
		   ",\"created\":8,\"qualified\":3,\"dead\":1,\"converted\":1,\"renewals\""
		   ":0,\"renewals_converted\":0,\"rates\":{\"new_to_qualified\":0.375,\"qu"
		   "alified_to_prospect\":0.3333},\"time_in_status\":{\"lead-New\":{\"medi"
		   "an_ms\":273600000,\"samples\":5},\"商談中\":{\"median_ms\":5400000,"
		   "\"samples\":2}},\"by_source\":{\"Salon Lefèvre\":{\"created\":6,\"qua"
		   "lified\":2,\"converted\":1},\"\":{\"created\":2,\"qualified\":1,\"conv"
		   "erted\":0}},\"dead_reasons\":{\"Too expensive\":2,\"Chose a rival\":1}"
		   ",\"lost_reasons\":{}}}");
	free(s);
	cJSON_Delete(j);
}

/* lead_kpi_apply (client/lead_kpi_apply.c): a delta marked archived
 * moves KpiCounts.archived only, so `lead kpi --watch` and leadtop never
 * count an archived lead as live; archiving and restoring round-trip. */
static Leadd__KpiDelta delta(int64_t count, int archived, int64_t value)
{
	static Leadd__Money m;
	static Leadd__Money *mp[1] = {&m};
	Leadd__KpiDelta d = LEADD__KPI_DELTA__INIT;
	d.has_owner_id = d.has_team_id = d.has_status_id = d.has_kpi_class = d.has_count = 1;
	d.owner_id = 7;
	d.owner_name = "tom";
	d.team_id = 1;
	d.team_name = "sales";
	d.status_id = 3;
	d.status_name = "lead-Dead";
	d.kpi_class = LEADD__KPI_CLASS__KPI_DEAD;
	d.count = count;
	d.has_archived = d.archived = archived;
	if (value) {
		leadd__money__init(&m);
		m.has_amount_minor = 1;
		m.amount_minor = value;
		m.currency = "EUR";
		d.n_value = 1;
		d.value = mp;
	}
	return d;
}

static uint64_t class_n(const Leadd__ClassCount *const *c, size_t n, int kpi)
{
	for (size_t i = 0; i < n; i++)
		if ((int)c[i]->kpi_class == kpi)
			return c[i]->count;
	return 0;
}

static void test_apply_archived(void **state)
{
	(void)state;
	Leadd__KpiReply *k = leadd__kpi_reply__unpack(NULL, 0, (const uint8_t *)"");
	assert_non_null(k);
	int under = 0;
	Leadd__KpiDelta d = delta(1, 0, 30000);
	assert_int_equal(lead_kpi_apply(k, &d, &under), 1);
	/* Archive: -1 live with the value, +1 archived. */
	d = delta(-1, 0, -30000);
	assert_int_equal(lead_kpi_apply(k, &d, &under), 1);
	d = delta(1, 1, 0);
	assert_int_equal(lead_kpi_apply(k, &d, &under), 1);
	const Leadd__KpiCounts *t = k->total;
	assert_int_equal(class_n((const Leadd__ClassCount *const *)t->classes, t->n_classes,
				 LEADD__KPI_CLASS__KPI_DEAD),
			 0);
	assert_int_equal(class_n((const Leadd__ClassCount *const *)t->archived, t->n_archived,
				 LEADD__KPI_CLASS__KPI_DEAD),
			 1);
	assert_int_equal(t->n_statuses, 1);
	assert_int_equal(t->statuses[0]->count, 0); /* archived: not in statuses */
	for (size_t i = 0; i < t->n_classes; i++)
		assert_int_equal(t->classes[i]->n_value, 0);
	assert_int_equal(k->n_owners, 1);
	assert_int_equal(k->owners[0]->counts->n_archived, 1);
	assert_int_equal(k->teams[0]->counts->archived[0]->count, 1);
	/* Restore: the reverse. */
	d = delta(-1, 1, 0);
	assert_int_equal(lead_kpi_apply(k, &d, &under), 1);
	d = delta(1, 0, 30000);
	assert_int_equal(lead_kpi_apply(k, &d, &under), 1);
	assert_int_equal(class_n((const Leadd__ClassCount *const *)t->archived, t->n_archived,
				 LEADD__KPI_CLASS__KPI_DEAD),
			 0);
	assert_int_equal(class_n((const Leadd__ClassCount *const *)t->classes, t->n_classes,
				 LEADD__KPI_CLASS__KPI_DEAD),
			 1);
	assert_int_equal(under, 0);
	/* An archived -1 with nothing archived is caught, not wrapped. */
	d = delta(-1, 1, 0);
	lead_kpi_apply(k, &d, &under);
	assert_int_equal(under, 1);
	leadd__kpi_reply__free_unpacked(k, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apply_archived), cmocka_unit_test(test_table_by_owner),
		cmocka_unit_test(test_table_by_team),  cmocka_unit_test(test_flow),
		cmocka_unit_test(test_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
