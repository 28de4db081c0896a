/* Fill a fresh leadd with the search benchmark's leads (bench_search_gen.h).
 *
 * Usage: bench_search_load HOST:PORT [--leads N] [--seed S] [--window W]
 *                          [--csv FILE] [--meta FILE]
 *
 * As the admin ($LEADD_BENCH_USER / $LEADD_BENCH_PASSWORD, bench_conn.h) it
 * adds 5 managers, their 5 teams and 50 reps (10 a team). Then every rep
 * logs in on a connection of its own and creates its leads (a rep owns what
 * it creates); each manager creates its team's pool leads. All 55
 * connections are driven from one poll loop with up to W creates in flight
 * each, so the server's group commit sees many writes at once. Leads are
 * created directly in their final status (LeadCreateRequest.status_id),
 * but for dead and lost: a lead cannot start there (issue 12), so those are
 * created in lead-New and moved with a reason of their own words, the CSV
 * row written from the move's answer.
 *
 * --csv writes every created lead as the server answered it (its id,
 * owner, team, status, timestamps) for PostgreSQL's COPY, so both systems
 * hold the same rows. --meta writes shell assignments the run script reads:
 * the reps' user ids and the six statuses' ids, both contiguous ranges
 * (checked here), which is what lets pgbench draw owners and statuses from
 * the same distribution as bench_search. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "bench_conn.h"
#include "bench_search_gen.h"
#include "ld_client.h"
#include "ld_error.h"

#define CALL_MS 30000

typedef struct {
	int u;
	ld_conn *conn;
	uint32_t *ids; /* indexes of the leads this user creates */
	size_t n, next;
	size_t in_flight;
} loader;

static uint64_t g_seed = 1;
static long g_done, g_errors;
static char g_last_error[512];
static FILE *g_csv;
static uint64_t g_class_status[7]; /* KPI class -> status id */

/* One admin request that must succeed; the reply, or NULL after saying why. */
static Leadd__Response *must(ld_conn *c, Leadd__Request *req, const char *what)
{
	Leadd__Response *r = NULL;
	if (ld_call(c, req, &r, CALL_MS) != 0) {
		fprintf(stderr, "bench_search_load: %s: %s\n", what, ld_conn_error(c));
		return NULL;
	}
	if (ld_response_code(r) != 0) {
		fprintf(stderr, "bench_search_load: %s: %s: %s\n", what,
			ld_code_name(ld_response_code(r)), ld_response_message(r));
		leadd__response__free_unpacked(r, NULL);
		return NULL;
	}
	return r;
}

static int load_statuses(ld_conn *admin, uint64_t *min, uint64_t *max)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__StatusListRequest sl = LEADD__STATUS_LIST_REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_STATUS_LIST;
	req.status_list = &sl;
	Leadd__Response *r = must(admin, &req, "list the statuses");
	if (!r)
		return -1;
	*min = UINT64_MAX;
	*max = 0;
	for (size_t i = 0; i < r->status_list->n_statuses; i++) {
		Leadd__Status *s = r->status_list->statuses[i];
		if (s->kpi_class >= 1 && s->kpi_class <= 6 && !g_class_status[s->kpi_class])
			g_class_status[s->kpi_class] = s->id;
		*min = s->id < *min ? s->id : *min;
		*max = s->id > *max ? s->id : *max;
	}
	size_t n = r->status_list->n_statuses;
	leadd__response__free_unpacked(r, NULL);
	for (int k = 1; k <= 6; k++)
		if (!g_class_status[k]) {
			fprintf(stderr,
				"bench_search_load: no status of KPI class %d; the benchmark "
				"needs the six default statuses (a fresh data directory)\n",
				k);
			return -1;
		}
	if (n != 6 || *max - *min != 5) {
		fprintf(stderr,
			"bench_search_load: expected the six default statuses with ids in "
			"one range, found %zu in %" PRIu64 "..%" PRIu64 "\n",
			n, *min, *max);
		return -1;
	}
	return 0;
}

static int add_user(ld_conn *admin, int u, uint64_t *id)
{
	char name[32], team[32];
	gen_user_name(u, name, sizeof(name));
	gen_team_name(gen_user_team(u), team, sizeof(team));
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__UserAddRequest ua = LEADD__USER_ADD_REQUEST__INIT;
	ua.name = name;
	ua.has_role = 1;
	ua.role = u < GEN_REPS ? LEADD__ROLE__ROLE_REP : LEADD__ROLE__ROLE_MANAGER;
	ua.password = GEN_USER_PASSWORD;
	if (u < GEN_REPS)
		ua.team = team; /* a manager belongs to the team it manages, set by team_add */
	req.body_case = LEADD__REQUEST__BODY_USER_ADD;
	req.user_add = &ua;
	Leadd__Response *r = must(admin, &req, "add a user");
	if (!r)
		return -1;
	*id = r->user->user->id;
	leadd__response__free_unpacked(r, NULL);
	return 0;
}

static int add_team(ld_conn *admin, int t)
{
	char name[32], mgr[32];
	gen_team_name(t, name, sizeof(name));
	gen_user_name(GEN_REPS + t, mgr, sizeof(mgr));
	char *managers[] = {mgr};
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__TeamAddRequest ta = LEADD__TEAM_ADD_REQUEST__INIT;
	ta.name = name;
	ta.n_managers = 1;
	ta.managers = managers;
	req.body_case = LEADD__REQUEST__BODY_TEAM_ADD;
	req.team_add = &ta;
	Leadd__Response *r = must(admin, &req, "add a team");
	if (!r)
		return -1;
	leadd__response__free_unpacked(r, NULL);
	return 0;
}

/* ---- CSV for PostgreSQL's COPY (FORMAT csv): empty unquoted = NULL ---- */

static void csv_str(FILE *f, const char *s)
{
	putc('"', f);
	for (; s && *s; s++) {
		if (*s == '"')
			putc('"', f);
		putc(*s, f);
	}
	putc('"', f);
}

static void json_str(char **p, char *end, const char *s)
{
	char *o = *p;
	if (o < end)
		*o++ = '"';
	for (; s && *s && o + 2 < end; s++) {
		if (*s == '"' || *s == '\\')
			*o++ = '\\';
		*o++ = *s;
	}
	if (o < end)
		*o++ = '"';
	*p = o;
}

static void csv_row(FILE *f, const Leadd__Lead *l)
{
	fprintf(f, "%" PRIu64 ",", l->id);
	csv_str(f, l->title);
	putc(',', f);
	if (l->client_id)
		fprintf(f, "%" PRIu64, l->client_id);
	putc(',', f);
	if (l->client_name)
		csv_str(f, l->client_name);
	putc(',', f);
	if (l->value && l->value->currency)
		fprintf(f, "%" PRId64 ",%s", l->value->amount_minor, l->value->currency);
	else
		putc(',', f);
	putc(',', f);
	if (l->source)
		csv_str(f, l->source);
	putc(',', f);
	/* A text[] literal, quoted for CSV: the generated tags are [a-z0-9-]. */
	char arr[256], *a = arr;
	*a++ = '{';
	for (size_t i = 0; i < l->n_tags && a < arr + sizeof(arr) - 40; i++)
		a += snprintf(a, 40, "%s%.32s", i ? "," : "", l->tags[i]);
	*a++ = '}';
	*a = 0;
	csv_str(f, arr);
	putc(',', f);
	char json[2048], *p = json, *end = json + sizeof(json) - 8;
	*p++ = '[';
	for (size_t i = 0; i < l->n_contacts && p < end - 256; i++) {
		const Leadd__Contact *c = l->contacts[i];
		p += snprintf(p, (size_t)(end - p), "%s{\"name\":", i ? "," : "");
		json_str(&p, end, c->name);
		p += snprintf(p, (size_t)(end - p), ",\"role\":");
		json_str(&p, end, c->role);
		p += snprintf(p, (size_t)(end - p), ",\"email\":");
		json_str(&p, end, c->email);
		p += snprintf(p, (size_t)(end - p), ",\"phone\":");
		json_str(&p, end, c->phone);
		*p++ = '}';
	}
	*p++ = ']';
	*p = 0;
	csv_str(f, json);
	fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",", l->status_id, l->owner_id, l->team_id);
	if (l->next_action_at)
		fprintf(f, "%" PRId64, l->next_action_at);
	fprintf(f, ",%" PRId64 ",%" PRIu64 ",%" PRId64 ",%" PRIu64 ",%" PRIu64 ",%" PRId64 "\n",
		l->created_at, l->created_by, l->updated_at, l->updated_by, l->version,
		l->status_changed_at);
}

/* One create in flight, and the status it ends in when that needs a move
 * after it (dead, lost: 0 otherwise). */
typedef struct {
	loader *ld;
	uint64_t move_to;
} pending;

static void on_created(void *arg, Leadd__Response *r);

/* Move a lead just created in lead-New into dead or lost, with a reason;
 * 0, or -1 (the error noted). */
static int send_move(pending *p, const Leadd__Lead *l)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__LeadSetStatusRequest ss = LEADD__LEAD_SET_STATUS_REQUEST__INIT;
	ss.has_id = ss.has_status_id = ss.has_other = ss.other = 1;
	ss.id = l->id;
	ss.status_id = p->move_to;
	ss.reason = "closed by the bench";
	req.body_case = LEADD__REQUEST__BODY_LEAD_SET_STATUS;
	req.lead_set_status = &ss;
	p->move_to = 0;
	if (ld_conn_send(p->ld->conn, &req, on_created, p) == 0) {
		snprintf(g_last_error, sizeof(g_last_error), "%s", ld_conn_error(p->ld->conn));
		return -1;
	}
	return 0;
}

static void on_created(void *arg, Leadd__Response *r)
{
	pending *p = arg;
	loader *ld = p->ld;
	if (r && ld_response_code(r) == 0 && r->body_case == LEADD__RESPONSE__BODY_LEAD &&
	    p->move_to && send_move(p, r->lead->lead) == 0) {
		leadd__response__free_unpacked(r, NULL); /* still in flight: its move */
		return;
	}
	free(p);
	ld->in_flight--;
	if (!r) {
		g_errors++;
		snprintf(g_last_error, sizeof(g_last_error), "connection lost");
		return;
	}
	if (ld_response_code(r) != 0 || r->body_case != LEADD__RESPONSE__BODY_LEAD) {
		g_errors++;
		snprintf(g_last_error, sizeof(g_last_error), "%s: %s",
			 ld_code_name(ld_response_code(r)), ld_response_message(r));
	} else {
		g_done++;
		if (g_csv)
			csv_row(g_csv, r->lead->lead);
	}
	leadd__response__free_unpacked(r, NULL);
}

static int send_one(loader *ld)
{
	gen_lead l;
	gen_make_lead(g_seed, ld->ids[ld->next++], &l);
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__LeadCreateRequest lc = LEADD__LEAD_CREATE_REQUEST__INIT;
	Leadd__Money money = LEADD__MONEY__INIT;
	Leadd__Contact cs[GEN_MAX_CONTACTS], *cp[GEN_MAX_CONTACTS];
	char *tags[GEN_MAX_TAGS];
	lc.title = l.title;
	lc.client_name = l.client;
	/* Generated company names are near one another ("Pioneer Metall SARL",
	 * "Nimbus Metall AB"): each is meant as its own folder. */
	lc.has_new_client = lc.new_client = 1;
	lc.source = l.source;
	for (int k = 0; k < l.n_tags; k++)
		tags[k] = l.tags[k];
	lc.n_tags = (size_t)l.n_tags;
	lc.tags = tags;
	for (int k = 0; k < l.n_contacts; k++) {
		leadd__contact__init(&cs[k]);
		cs[k].name = l.contacts[k].name;
		cs[k].role = l.contacts[k].role;
		cs[k].email = l.contacts[k].email;
		cs[k].phone = l.contacts[k].phone;
		cp[k] = &cs[k];
	}
	lc.n_contacts = (size_t)l.n_contacts;
	lc.contacts = cp;
	if (l.has_value) {
		money.has_amount_minor = 1;
		money.amount_minor = l.amount_minor;
		money.currency = l.currency;
		lc.value = &money;
	}
	pending *p = malloc(sizeof(*p));
	if (!p) {
		snprintf(g_last_error, sizeof(g_last_error), "out of memory");
		return -1;
	}
	p->ld = ld;
	p->move_to = 0;
	lc.has_status_id = 1;
	lc.status_id = g_class_status[l.kpi_class];
	if (l.kpi_class == LEADD__KPI_CLASS__KPI_DEAD ||
	    l.kpi_class == LEADD__KPI_CLASS__KPI_LOST) {
		p->move_to = lc.status_id; /* no lead starts dead or lost */
		lc.status_id = g_class_status[LEADD__KPI_CLASS__KPI_NEW];
	}
	if (l.next_action_at) {
		lc.has_next_action_at = 1;
		lc.next_action_at = l.next_action_at;
	}
	/* A rep owns what it creates; a manager's lead goes to its team's pool. */
	req.body_case = LEADD__REQUEST__BODY_LEAD_CREATE;
	req.lead_create = &lc;
	if (ld_conn_send(ld->conn, &req, on_created, p) == 0) {
		free(p);
		snprintf(g_last_error, sizeof(g_last_error), "%s", ld_conn_error(ld->conn));
		return -1;
	}
	ld->in_flight++;
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: bench_search_load HOST:PORT [--leads N] [--seed S] [--window W] "
			"[--csv FILE] [--meta FILE]\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	const char *addr = argv[1], *csv_path = NULL, *meta_path = NULL;
	long nleads = 1000000, window = 32;
	for (int i = 2; i < argc; i++) {
		if (i + 1 >= argc)
			return usage();
		if (strcmp(argv[i], "--leads") == 0)
			nleads = atol(argv[++i]);
		else if (strcmp(argv[i], "--seed") == 0)
			g_seed = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--window") == 0)
			window = atol(argv[++i]);
		else if (strcmp(argv[i], "--csv") == 0)
			csv_path = argv[++i];
		else if (strcmp(argv[i], "--meta") == 0)
			meta_path = argv[++i];
		else
			return usage();
	}
	if (nleads <= 0 || nleads > UINT32_MAX || window <= 0) {
		fprintf(stderr, "bench_search_load: --leads and --window must be positive\n");
		return 2;
	}

	ld_conn *admin;
	char err[256];
	if (bench_connect(addr, "bench_search_load", &admin, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_search_load: %s\n", err);
		return 1;
	}
	uint64_t smin, smax, ids[GEN_USERS];
	if (load_statuses(admin, &smin, &smax) < 0)
		return 1;
	/* Managers first: a team is made with its manager. */
	for (int t = 0; t < GEN_TEAMS; t++)
		if (add_user(admin, GEN_REPS + t, &ids[GEN_REPS + t]) < 0 || add_team(admin, t) < 0)
			return 1;
	for (int u = 0; u < GEN_REPS; u++)
		if (add_user(admin, u, &ids[u]) < 0)
			return 1;
	for (int u = 1; u < GEN_REPS; u++)
		if (ids[u] != ids[0] + (uint64_t)u) {
			fprintf(stderr, "bench_search_load: the reps' user ids are not one range "
					"(another client adding users?)\n");
			return 1;
		}
	ld_conn_close(admin);

	if (meta_path) {
		FILE *m = fopen(meta_path, "w");
		if (!m) {
			fprintf(stderr, "bench_search_load: %s: %s\n", meta_path, strerror(errno));
			return 1;
		}
		fprintf(m, "REP_ID_MIN=%" PRIu64 "\nREP_ID_MAX=%" PRIu64 "\n", ids[0],
			ids[GEN_REPS - 1]);
		fprintf(m, "STATUS_ID_MIN=%" PRIu64 "\nSTATUS_ID_MAX=%" PRIu64 "\n", smin, smax);
		fclose(m);
	}
	if (csv_path && !(g_csv = fopen(csv_path, "w"))) {
		fprintf(stderr, "bench_search_load: %s: %s\n", csv_path, strerror(errno));
		return 1;
	}

	/* Deal the leads to their creators once, in index order. */
	loader ld[GEN_USERS];
	memset(ld, 0, sizeof(ld));
	size_t per_cap = (size_t)nleads / GEN_REPS * 2 + 1024;
	for (int u = 0; u < GEN_USERS; u++) {
		ld[u].u = u;
		ld[u].ids = malloc(per_cap * sizeof(uint32_t));
		if (!ld[u].ids) {
			fprintf(stderr, "bench_search_load: out of memory\n");
			return 1;
		}
	}
	for (long i = 0; i < nleads; i++) {
		gen_rng r;
		loader *x = &ld[gen_lead_user(g_seed, (uint64_t)i, &r)];
		if (x->n == per_cap) {
			fprintf(stderr, "bench_search_load: lead spread is far off uniform\n");
			return 1;
		}
		x->ids[x->n++] = (uint32_t)i;
	}

	/* Each user logs in with its password once (55 password hashes). */
	for (int u = 0; u < GEN_USERS; u++) {
		char name[32], why[256] = "";
		uint8_t token[LD_TOKEN_BYTES];
		gen_user_name(u, name, sizeof(name));
		err[0] = 0;
		if (ld_conn_open(addr, "bench_search_load", 5000, &ld[u].conn, err, sizeof(err)) !=
			    0 ||
		    ld_login_password(ld[u].conn, name, GEN_USER_PASSWORD, token, why,
				      sizeof(why)) != 0) {
			fprintf(stderr, "bench_search_load: log in as %s: %s%s\n", name, err, why);
			return 1;
		}
	}

	struct pollfd pf[GEN_USERS];
	int64_t t0 = bench_now_ns(), last_report = t0;
	long reported = 0;
	for (;;) {
		int active = 0;
		for (int u = 0; u < GEN_USERS; u++) {
			while (!g_errors && ld[u].in_flight < (size_t)window &&
			       ld[u].next < ld[u].n)
				if (send_one(&ld[u]) < 0) {
					fprintf(stderr, "bench_search_load: %s: %s\n", "send",
						g_last_error);
					return 1;
				}
			pf[u].fd = ld_conn_fd(ld[u].conn);
			pf[u].events = (short)(POLLIN |
					       (ld_conn_want_write(ld[u].conn) ? POLLOUT : 0));
			pf[u].revents = 0;
			active += ld[u].in_flight > 0;
		}
		if (!active)
			break;
		if (poll(pf, GEN_USERS, CALL_MS) <= 0) {
			fprintf(stderr, "bench_search_load: no answer from leadd for %d s\n",
				CALL_MS / 1000);
			return 1;
		}
		for (int u = 0; u < GEN_USERS; u++)
			if (pf[u].revents && ld_conn_process(ld[u].conn, pf[u].revents) < 0) {
				fprintf(stderr, "bench_search_load: %s\n",
					ld_conn_error(ld[u].conn));
				return 1;
			}
		int64_t now = bench_now_ns();
		if (now - last_report > 10 * 1000000000ll) {
			fprintf(stderr, "bench_search_load: %ld leads, %.0f/s lately\n", g_done,
				(double)(g_done - reported) / ((double)(now - last_report) / 1e9));
			last_report = now;
			reported = g_done;
		}
	}
	double secs = (double)(bench_now_ns() - t0) / 1e9;
	for (int u = 0; u < GEN_USERS; u++) {
		ld_conn_close(ld[u].conn);
		free(ld[u].ids);
	}
	if (g_csv && fclose(g_csv) != 0) {
		fprintf(stderr, "bench_search_load: %s: %s\n", csv_path, strerror(errno));
		return 1;
	}
	if (g_errors)
		fprintf(stderr, "bench_search_load: %ld creates failed, last: %s\n", g_errors,
			g_last_error);
	printf("search_load leads=%ld seconds=%.1f leads_per_sec=%.0f errors=%ld\n", g_done, secs,
	       (double)g_done / secs, g_errors);
	return g_errors ? 1 : 0;
}
