/* Search and KPI queries against a leadd filled by bench_search_load.
 *
 * Usage: bench_search HOST:PORT [--seed S] [--queries N] [--clients C]
 *                     [--seconds D] [--kinds K,K,...] [--pages FILE]
 *
 * Five kinds of question, each asked as the user who would ask it:
 *   status_owner  a rep's first page (50) of their leads in one status
 *                 (filter.statuses + filter.mine)
 *   tag           a manager's first page of the leads with one tag
 *   text          a rep's first page for a two-word text query
 *   team_page     a manager's first page with no filter (their teams' leads)
 *   kpi           a manager's KPI counts (KpiRequest, by owner)
 * Owners, statuses (uniform over the six), tags and words are drawn from a
 * seeded generator (bench_search_gen.h), so every run asks the same
 * questions. For each kind: N queries in a row on one client (after 100
 * not measured, to warm caches), giving p50/p99 latency; then C clients,
 * each a thread with its own connections, asking in a closed loop for D
 * seconds, giving pages (answers) per second. Every answer's code is
 * checked; failures are counted and the first is printed. client_cpu is
 * this program's CPU time over the wall time (100% = one core): the clients
 * share the machine with leadd, as pgbench shares it with PostgreSQL. --kinds runs
 * only the kinds named (all five by default).
 *
 * --pages FILE keeps the first 20 measured status_owner answers, one line
 * each: "OWNER_ID STATUS_ID ID,ID,..." (the page's lead ids, "-" when
 * empty), so the run script can check that PostgreSQL's page for the same
 * owner and status holds the same leads. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench_common.h"
#include "bench_search_gen.h"
#include "ld_client.h"
#include "ld_error.h"

#define CALL_MS 30000
#define WARMUP 100

enum { Q_STATUS_OWNER, Q_TAG, Q_TEXT, Q_TEAM, Q_KPI, NKINDS };
static const char *const kind_name[NKINDS] = {"status_owner", "tag", "text", "team_page", "kpi"};

static char g_status[6][64]; /* the six statuses' names, uniform draw */
static uint64_t g_status_id[6];
static uint64_t g_user_id[GEN_USERS];
#define PAGES_KEPT 20
static int g_nstatus;
static uint8_t g_token[GEN_USERS][LD_TOKEN_BYTES];
static int g_have_token[GEN_USERS];

typedef struct {
	int index;
	ld_conn *conn[GEN_USERS]; /* NULL: this client does not ask as that user */
	int reps[GEN_REPS], nreps;
	int managers[GEN_TEAMS], nmanagers;
	gen_rng rng;
	/* One measurement. */
	int kind;
	long limit; /* queries, or 0: until deadline */
	int64_t deadline;
	pthread_barrier_t *start;
	int64_t *lat;
	size_t nlat, cap;
	FILE *pages; /* status_owner answers to keep, or NULL */
	int pages_left;
	long rows, errors;
	char err[256];
} client;

/* A connection logged in as user u: the first by password, later ones by
 * resuming that session, so setup costs one password hash per user. */
static ld_conn *connect_as(const char *addr, int u)
{
	char name[32], err[256] = "", why[256] = "";
	ld_conn *c = NULL;
	gen_user_name(u, name, sizeof(name));
	if (ld_conn_open(addr, "bench_search", 5000, &c, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_search: connect: %s\n", err);
		return NULL;
	}
	int rc = g_have_token[u] ? ld_login_token(c, g_token[u], LD_TOKEN_BYTES, why, sizeof(why))
				 : ld_login_password(c, name, GEN_USER_PASSWORD, g_token[u], why,
						     sizeof(why));
	if (rc != 0) {
		fprintf(stderr,
			"bench_search: log in as %s: %s (was the data loaded by "
			"bench_search_load?)\n",
			name, why);
		ld_conn_close(c);
		return NULL;
	}
	g_have_token[u] = 1;
	return c;
}

/* The user id behind a connection (for the pages kept with --pages). */
static int whoami(ld_conn *c, uint64_t *id)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__WhoamiRequest w = LEADD__WHOAMI_REQUEST__INIT;
	Leadd__Response *r = NULL;
	req.body_case = LEADD__REQUEST__BODY_WHOAMI;
	req.whoami = &w;
	if (ld_call(c, &req, &r, CALL_MS) != 0 || ld_response_code(r) != 0) {
		fprintf(stderr, "bench_search: whoami: %s\n",
			r ? ld_response_message(r) : ld_conn_error(c));
		if (r)
			leadd__response__free_unpacked(r, NULL);
		return -1;
	}
	*id = r->whoami->user->id;
	leadd__response__free_unpacked(r, NULL);
	return 0;
}

static int load_statuses(ld_conn *c)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__StatusListRequest sl = LEADD__STATUS_LIST_REQUEST__INIT;
	Leadd__Response *r = NULL;
	req.body_case = LEADD__REQUEST__BODY_STATUS_LIST;
	req.status_list = &sl;
	if (ld_call(c, &req, &r, CALL_MS) != 0 || ld_response_code(r) != 0) {
		fprintf(stderr, "bench_search: list the statuses: %s\n",
			r ? ld_response_message(r) : ld_conn_error(c));
		return -1;
	}
	for (size_t i = 0; i < r->status_list->n_statuses && g_nstatus < 6; i++) {
		g_status_id[g_nstatus] = r->status_list->statuses[i]->id;
		snprintf(g_status[g_nstatus++], sizeof(g_status[0]), "%s",
			 r->status_list->statuses[i]->name);
	}
	leadd__response__free_unpacked(r, NULL);
	return g_nstatus ? 0 : -1;
}

/* The measured questions are sent and read on the connection's socket
 * directly, and each answer is checked from the wire (its code, and how many
 * leads or rows it holds) without decoding the leads into objects: the
 * client shares the two cores with leadd, as pgbench shares them with
 * PostgreSQL, and decoding 50 leads per answer cost it most of a core at 16
 * clients. ld_call would do the same exchange: every connection is idle
 * (nothing in flight) when a question starts. */
static int io_all(int fd, uint8_t *p, size_t n, int writing)
{
	while (n) {
		ssize_t k = writing ? write(fd, p, n) : read(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* ld_conn's sockets are non-blocking: wait for them. */
			struct pollfd pfd = {.fd = fd, .events = writing ? POLLOUT : POLLIN};
			if (poll(&pfd, 1, CALL_MS) <= 0)
				return -1;
			continue;
		}
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* One varint at *p (below end); -1 when it runs past end. */
static int wire_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; *p < end && shift < 64; shift += 7) {
		uint8_t b = *(*p)++;
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return 0;
	}
	return -1;
}

/* Walk one message's fields: calls fn for each (field, wire type, value or
 * length-delimited bytes). -1 on a malformed message. */
typedef int (*wire_fn)(void *arg, uint32_t field, const uint8_t *p, size_t n, uint64_t v);
static int wire_walk(const uint8_t *p, size_t n, wire_fn fn, void *arg)
{
	const uint8_t *end = p + n;
	while (p < end) {
		uint64_t tag, v = 0;
		if (wire_varint(&p, end, &tag) < 0)
			return -1;
		const uint8_t *data = NULL;
		size_t len = 0;
		switch (tag & 7) {
		case 0:
			if (wire_varint(&p, end, &v) < 0)
				return -1;
			break;
		case 1:
		case 5:
			len = (tag & 7) == 1 ? 8 : 4;
			if ((size_t)(end - p) < len)
				return -1;
			p += len;
			len = 0;
			break;
		case 2:
			if (wire_varint(&p, end, &v) < 0 || v > (uint64_t)(end - p))
				return -1;
			data = p;
			len = (size_t)v;
			p += len;
			break;
		default:
			return -1;
		}
		if (fn(arg, (uint32_t)(tag >> 3), data, len, v) < 0)
			return -1;
	}
	return 0;
}

typedef struct {
	uint64_t code;
	long rows;
	int body; /* the reply's body field: 23 lead_list, 100 kpi */
} wire_answer;

/* LeadListReply.leads (1) / KpiReply.owners (3): one row each. */
static int count_rows(void *arg, uint32_t field, const uint8_t *p, size_t n, uint64_t v)
{
	(void)p, (void)n, (void)v;
	wire_answer *a = arg;
	if ((a->body == 23 && field == 1) || (a->body == 100 && field == 3))
		a->rows++;
	return 0;
}

/* Response: code (2), and the reply body (23 or 100). */
static int read_response(void *arg, uint32_t field, const uint8_t *p, size_t n, uint64_t v)
{
	wire_answer *a = arg;
	if (field == 2)
		a->code = v;
	else if ((field == 23 || field == 100) && p) {
		a->body = (int)field;
		return wire_walk(p, n, count_rows, a);
	}
	return 0;
}

/* ServerMessage: the response (1); an event (2) is not expected here. */
static int read_server_message(void *arg, uint32_t field, const uint8_t *p, size_t n, uint64_t v)
{
	(void)v;
	return field == 1 && p ? wire_walk(p, n, read_response, arg) : 0;
}

static _Thread_local uint8_t *t_buf;
static _Thread_local size_t t_cap;

static int raw_call(ld_conn *c, Leadd__Request *req, wire_answer *a)
{
	static _Atomic uint64_t next_id = UINT64_C(1) << 40;
	req->has_id = 1;
	req->id = next_id++;
	size_t n = leadd__request__get_packed_size(req);
	uint8_t out[4096];
	if (n + 4 > sizeof(out))
		return -1;
	out[0] = (uint8_t)(n >> 24), out[1] = (uint8_t)(n >> 16), out[2] = (uint8_t)(n >> 8),
	out[3] = (uint8_t)n;
	leadd__request__pack(req, out + 4);
	int fd = ld_conn_fd(c);
	uint8_t hdr[4];
	if (io_all(fd, out, n + 4, 1) < 0 || io_all(fd, hdr, 4, 0) < 0)
		return -1;
	size_t len = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
	if (len > t_cap) {
		uint8_t *b = realloc(t_buf, len);
		if (!b)
			return -1;
		t_buf = b;
		t_cap = len;
	}
	if (io_all(fd, t_buf, len, 0) < 0)
		return -1;
	memset(a, 0, sizeof(*a));
	return wire_walk(t_buf, len, read_server_message, a);
}

/* Ask one question of the current kind; 0, -1 with cl->err set when the
 * answer was an error, -2 when the connection failed. */
static int ask(client *cl, int64_t *ns)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__LeadListRequest ll = LEADD__LEAD_LIST_REQUEST__INIT;
	Leadd__LeadFilter f = LEADD__LEAD_FILTER__INIT;
	Leadd__KpiRequest kq = LEADD__KPI_REQUEST__INIT;
	char text[96], tag[32], *one[1];
	int rep = cl->reps[gen_below(&cl->rng, (uint32_t)cl->nreps)];
	int mgr = cl->managers[gen_below(&cl->rng, (uint32_t)cl->nmanagers)];
	int as = rep, status = -1;
	ll.has_limit = 1;
	ll.limit = 50;
	req.body_case = LEADD__REQUEST__BODY_LEAD_LIST;
	req.lead_list = &ll;
	switch (cl->kind) {
	case Q_STATUS_OWNER:
		status = (int)gen_below(&cl->rng, (uint32_t)g_nstatus);
		one[0] = g_status[status];
		f.n_statuses = 1;
		f.statuses = one;
		f.has_mine = 1;
		f.mine = 1;
		ll.filter = &f;
		break;
	case Q_TAG:
		as = mgr;
		gen_tag_name((int)gen_below(&cl->rng, GEN_TAGS), tag, sizeof(tag));
		one[0] = tag;
		f.n_tags = 1;
		f.tags = one;
		ll.filter = &f;
		break;
	case Q_TEXT:
		gen_text_query(&cl->rng, text, sizeof(text));
		f.query = text;
		ll.filter = &f;
		break;
	case Q_TEAM:
		as = mgr;
		break;
	case Q_KPI:
		as = mgr;
		req.body_case = LEADD__REQUEST__BODY_KPI;
		req.kpi = &kq;
		break;
	}
	ld_conn *c = cl->conn[as];
	Leadd__Response *r = NULL;
	if (!(status >= 0 && cl->pages && cl->pages_left > 0)) {
		wire_answer a;
		int64_t t0 = bench_now_ns();
		if (raw_call(c, &req, &a) != 0) {
			snprintf(cl->err, sizeof(cl->err),
				 "the connection failed or the answer "
				 "did not decode");
			return -2;
		}
		*ns = bench_now_ns() - t0;
		if (a.code != 0) {
			snprintf(cl->err, sizeof(cl->err), "%s", ld_code_name((int)a.code));
			return -1;
		}
		if (a.body != (req.body_case == LEADD__REQUEST__BODY_KPI ? 100 : 23)) {
			snprintf(cl->err, sizeof(cl->err), "an answer of the wrong kind");
			return -1;
		}
		cl->rows += a.rows;
		return 0;
	}
	int64_t t0 = bench_now_ns();
	if (ld_call(c, &req, &r, CALL_MS) != 0) {
		snprintf(cl->err, sizeof(cl->err), "%s", ld_conn_error(c));
		return -2;
	}
	*ns = bench_now_ns() - t0;
	int rc = 0;
	if (ld_response_code(r) != 0) {
		snprintf(cl->err, sizeof(cl->err), "%s: %s", ld_code_name(ld_response_code(r)),
			 ld_response_message(r));
		rc = -1;
	} else if (r->body_case == LEADD__RESPONSE__BODY_LEAD_LIST) {
		cl->rows += (long)r->lead_list->n_leads;
		if (status >= 0 && cl->pages && cl->pages_left > 0) {
			cl->pages_left--;
			fprintf(cl->pages, "%" PRIu64 " %" PRIu64 " ", g_user_id[as],
				g_status_id[status]);
			for (size_t i = 0; i < r->lead_list->n_leads; i++)
				fprintf(cl->pages, "%s%" PRIu64, i ? "," : "",
					r->lead_list->leads[i]->id);
			fputs(r->lead_list->n_leads ? "\n" : "-\n", cl->pages);
		}
	} else if (r->body_case == LEADD__RESPONSE__BODY_KPI) {
		cl->rows += (long)r->kpi->n_owners;
	} else {
		snprintf(cl->err, sizeof(cl->err), "an answer of the wrong kind");
		rc = -1;
	}
	leadd__response__free_unpacked(r, NULL);
	return rc;
}

static void *run(void *arg)
{
	client *cl = arg;
	pthread_barrier_wait(cl->start);
	for (long i = 0; cl->limit ? i < cl->limit : bench_now_ns() < cl->deadline; i++) {
		int64_t ns = 0;
		int rc = ask(cl, &ns);
		if (rc != 0) {
			cl->errors++;
			if (rc == -2) /* a lost connection stays lost */
				break;
			continue;
		}
		if (cl->nlat == cl->cap) {
			size_t cap = cl->cap ? cl->cap * 2 : 4096;
			int64_t *nl = realloc(cl->lat, cap * sizeof(*nl));
			if (!nl) {
				snprintf(cl->err, sizeof(cl->err), "out of memory");
				cl->errors++;
				break;
			}
			cl->lat = nl;
			cl->cap = cap;
		}
		cl->lat[cl->nlat++] = ns;
	}
	return NULL;
}

/* CPU seconds this process has used: the client's share of the machine. */
static double cpu_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Run kind on nclients clients: `queries` each, or for `seconds`; print
 * the result line unless this was the warm-up. */
static long measure(client *cls, int nclients, int kind, long queries, int seconds, int print)
{
	pthread_t th[64];
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, (unsigned)nclients + 1);
	for (int i = 0; i < nclients; i++) {
		client *cl = &cls[i];
		cl->kind = kind;
		cl->limit = queries;
		cl->start = &start;
		cl->nlat = 0;
		cl->rows = cl->errors = 0;
		cl->err[0] = 0;
	}
	int64_t t0 = bench_now_ns();
	for (int i = 0; i < nclients; i++)
		cls[i].deadline = t0 + (int64_t)seconds * 1000000000ll;
	for (int i = 0; i < nclients; i++)
		if (pthread_create(&th[i], NULL, run, &cls[i]) != 0) {
			fprintf(stderr, "bench_search: cannot start a thread\n");
			exit(1);
		}
	pthread_barrier_wait(&start);
	t0 = bench_now_ns();
	double cpu0 = cpu_seconds();
	for (int i = 0; i < nclients; i++)
		pthread_join(th[i], NULL);
	double secs = (double)(bench_now_ns() - t0) / 1e9;
	double cpu = cpu_seconds() - cpu0;
	pthread_barrier_destroy(&start);

	size_t n = 0;
	long rows = 0, errors = 0;
	const char *why = NULL;
	for (int i = 0; i < nclients; i++) {
		n += cls[i].nlat;
		rows += cls[i].rows;
		errors += cls[i].errors;
		if (cls[i].errors && !why)
			why = cls[i].err;
	}
	if (why && print)
		fprintf(stderr, "bench_search: %s on %d client%s: %ld failed, e.g. %s\n",
			kind_name[kind], nclients, nclients == 1 ? "" : "s", errors, why);
	int64_t *all = malloc((n ? n : 1) * sizeof(*all));
	if (!all) {
		fprintf(stderr, "bench_search: out of memory\n");
		exit(1);
	}
	size_t k = 0;
	double sum = 0;
	for (int i = 0; i < nclients; i++)
		for (size_t j = 0; j < cls[i].nlat; j++) {
			all[k++] = cls[i].lat[j];
			sum += (double)cls[i].lat[j];
		}
	qsort(all, n, sizeof(*all), bench_cmp_i64);
	if (print)
		printf("search_%dclient%s kind=%s queries=%zu seconds=%.2f per_sec=%.0f "
		       "p50_us=%.1f "
		       "p99_us=%.1f mean_us=%.1f rows_per_answer=%.1f client_cpu=%.0f%% "
		       "errors=%ld\n",
		       nclients, nclients == 1 ? "" : "s", kind_name[kind], n, secs,
		       (double)n / secs, (double)bench_pct(all, n, 50) / 1e3,
		       (double)bench_pct(all, n, 99) / 1e3, n ? sum / (double)n / 1e3 : 0,
		       n ? (double)rows / (double)n : 0, 100 * cpu / secs, errors);
	fflush(stdout);
	free(all);
	return errors;
}

/* "tag,text" -> want[]; -1 after naming a kind it does not know. */
static int parse_kinds(const char *list, int want[NKINDS])
{
	memset(want, 0, NKINDS * sizeof(*want));
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");
		int k = 0;
		while (k < NKINDS &&
		       !(strlen(kind_name[k]) == n && strncmp(p, kind_name[k], n) == 0))
			k++;
		if (k == NKINDS) {
			fprintf(stderr,
				"bench_search: no query kind '%.*s'; the kinds are "
				"status_owner, tag, text, team_page and kpi\n",
				(int)n, p);
			return -1;
		}
		want[k] = 1;
		p += n + (p[n] == ',');
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: bench_search HOST:PORT [--seed S] [--queries N] [--clients C] "
			"[--seconds D] [--kinds K,K,...] [--pages FILE]\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	const char *addr = argv[1], *pages_path = NULL;
	uint64_t seed = 1;
	long queries = 1000;
	int nclients = 16, seconds = 10;
	int want[NKINDS] = {1, 1, 1, 1, 1};
	for (int i = 2; i < argc; i++) {
		if (i + 1 >= argc)
			return usage();
		if (strcmp(argv[i], "--seed") == 0)
			seed = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--queries") == 0)
			queries = atol(argv[++i]);
		else if (strcmp(argv[i], "--clients") == 0)
			nclients = atoi(argv[++i]);
		else if (strcmp(argv[i], "--seconds") == 0)
			seconds = atoi(argv[++i]);
		else if (strcmp(argv[i], "--pages") == 0)
			pages_path = argv[++i];
		else if (strcmp(argv[i], "--kinds") == 0) {
			if (parse_kinds(argv[++i], want) < 0)
				return 2;
		} else
			return usage();
	}
	if (queries <= WARMUP || nclients < 1 || nclients > 64 || seconds < 1) {
		fprintf(stderr,
			"bench_search: --queries must be over %d, --clients 1..64, "
			"--seconds at least 1\n",
			WARMUP);
		return 2;
	}

	/* Client 0 asks alone, as every user; clients 1..C share the users out:
	 * client i asks as the reps r with r % C == i - 1 and one manager. */
	client *cls = calloc((size_t)nclients + 1, sizeof(*cls));
	if (!cls)
		return 1;
	for (int u = 0; u < GEN_USERS; u++)
		if (!(cls[0].conn[u] = connect_as(addr, u)) ||
		    whoami(cls[0].conn[u], &g_user_id[u]) < 0)
			return 1;
	for (int r = 0; r < GEN_REPS; r++)
		cls[0].reps[cls[0].nreps++] = r;
	for (int t = 0; t < GEN_TEAMS; t++)
		cls[0].managers[cls[0].nmanagers++] = GEN_REPS + t;
	for (int i = 1; i <= nclients; i++) {
		client *cl = &cls[i];
		for (int r = (i - 1) % GEN_REPS; r < GEN_REPS; r += nclients)
			cl->reps[cl->nreps++] = r;
		cl->managers[cl->nmanagers++] = GEN_REPS + (i - 1) % GEN_TEAMS;
		for (int j = 0; j < cl->nreps; j++)
			if (!(cl->conn[cl->reps[j]] = connect_as(addr, cl->reps[j])))
				return 1;
		if (!(cl->conn[cl->managers[0]] = connect_as(addr, cl->managers[0])))
			return 1;
	}
	if (load_statuses(cls[0].conn[0]) < 0)
		return 1;
	for (int i = 0; i <= nclients; i++) {
		cls[i].index = i;
		cls[i].rng = gen_seeded(seed, 2, (uint64_t)i);
	}

	if (pages_path && !(cls[0].pages = fopen(pages_path, "w"))) {
		fprintf(stderr, "bench_search: %s: cannot write it\n", pages_path);
		return 1;
	}
	long errors = 0;
	for (int k = 0; k < NKINDS; k++) {
		if (!want[k])
			continue;
		measure(cls, 1, k, WARMUP, 0, 0);
		cls[0].pages_left = PAGES_KEPT;
		errors += measure(cls, 1, k, queries, 0, 1);
		cls[0].pages_left = 0;
	}
	for (int k = 0; k < NKINDS; k++)
		if (want[k])
			errors += measure(cls + 1, nclients, k, 0, seconds, 1);

	for (int i = 0; i <= nclients; i++) {
		for (int u = 0; u < GEN_USERS; u++)
			if (cls[i].conn[u])
				ld_conn_close(cls[i].conn[u]);
		free(cls[i].lat);
	}
	if (cls[0].pages && fclose(cls[0].pages) != 0) {
		fprintf(stderr, "bench_search: %s: cannot write it\n", pages_path);
		errors++;
	}
	free(cls);
	return errors ? 1 : 0;
}
