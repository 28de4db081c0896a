/* Watch latency: how long after a change is acknowledged do 100 dashboards
 * have it? And the same for Redis pub/sub, measured the same way.
 *
 * Usage:
 *   bench_watch leadd HOST:PORT [--dashboards N] [--changes N] [--warmup N]
 *                    [--rate PER_SEC] [--leads N] [--lead-bytes B] [--stalled]
 *                    [--topics both|leads|kpi]
 *   bench_watch redis HOST:PORT [--dashboards N] [--changes N] [--warmup N]
 *                    [--rate PER_SEC] [--payload B]
 *
 * leadd: sets up a team "bench" with a manager and a rep (password
 * $LEADD_BENCH_PASSWORD, the admin's), --leads leads of the rep whose
 * description holds --lead-bytes bytes, then opens --dashboards watching
 * connections (TOPIC_LEADS and TOPIC_KPI, or one of them with --topics;
 * every other one the admin, the others the team's manager: both see every
 * lead of the team) and one writer connection. The writer flips a lead
 * between lead-New and lead-Qualified, one change in flight, at most
 * --rate changes a second. Each change is one revision: its
 * acknowledgement carries it (the lead's version), and each dashboard gets
 * an EVENT_LEAD and an EVENT_KPI of it. With --stalled, two more watchers:
 * one never reads (leadd must close it at watch_hard_limit while the
 * others go on; printed: whether it met EOF after what the kernel had
 * buffered, and the server's connection count before and after), and one
 * stops reading for the first 55 % of the changes, then reads again
 * (printed: whether its waiting events became one snapshot, and why).
 *
 * redis: --dashboards connections SUBSCRIBE to one channel, a publisher
 * PUBLISHes --changes messages of --payload bytes (give it leadd's
 * event_bytes) at the same rate, one in flight.
 *
 * Both: one thread polls every connection (so the client costs one core,
 * the server the other). The time of a wakeup is read once, when poll
 * returns, and stamped on everything that wakeup reads, so the order in
 * which connections are read does not bias the figures. The latency of a
 * (change, dashboard) pair is the wakeup that read the dashboard's first
 * event of that change minus the wakeup that read the acknowledgement (an
 * event read in the same wakeup as, or before, the acknowledgement counts
 * 0 and is counted in before_ack). Per change, also: first (ack to the
 * first dashboard's event) and spread (first dashboard's event to the
 * last's): what the server takes before fanning out, and the fan-out
 * itself. The first --warmup changes are not measured. Prints one "watch_latency system=..." line
 * of key=value pairs (and, with --stalled, a "stalled_watcher ..." line); exit 1 when pairs are
 * missing or a request failed. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* ppoll */
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h> /* TCP_NODELAY */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_common.h"
#include "bench_conn.h"
#include "ld_client.h"
#include "ld_error.h"

#define CALL_MS 30000
#define DRAIN_NS (5 * 1000000000LL) /* how long stragglers may take after the last ack */
#define MANAGER "bench-manager"
#define REP "bench-rep"
#define TEAM "bench"
#define PAUSED_PCT 55 /* see run_leadd */

typedef struct {
	const char *system, *addr;
	int dashboards, leads, lead_bytes, payload, stalled;
	long changes, warmup;
	double rate;
} options;

/* What the run measures, indexed by change (0 .. changes-1). */
typedef struct {
	long changes;
	int n;           /* dashboards */
	int64_t *sent;   /* when the change was sent */
	int64_t *ack;    /* the wakeup that read its acknowledgement; 0: not yet */
	int64_t *arrive; /* [change * n + dashboard]: first event's wakeup; 0: not yet */
	long received;   /* pairs with an arrival */
	long stray;      /* events of no change of the run */
	long failed;     /* changes refused or lost */
	uint64_t bytes;  /* event bytes of measured changes, all dashboards */
	int64_t now;     /* the current wakeup */
	int64_t t0, t1;  /* first send, last ack */
} run_state;

static int run_init(run_state *rs, long changes, int n)
{
	memset(rs, 0, sizeof(*rs));
	rs->changes = changes;
	rs->n = n;
	rs->sent = calloc((size_t)changes, sizeof(int64_t));
	rs->ack = calloc((size_t)changes, sizeof(int64_t));
	rs->arrive = calloc((size_t)changes * (size_t)n, sizeof(int64_t));
	return rs->sent && rs->ack && rs->arrive ? 0 : -1;
}

static void run_free(run_state *rs)
{
	free(rs->sent);
	free(rs->ack);
	free(rs->arrive);
}

/* Change k reached dashboard d in this wakeup (its first event only). */
static void arrived(run_state *rs, long k, int d, size_t bytes, long warmup)
{
	if (k < 0 || k >= rs->changes) {
		rs->stray++;
		return;
	}
	int64_t *slot = &rs->arrive[(size_t)k * (size_t)rs->n + (size_t)d];
	if (!*slot) {
		*slot = rs->now;
		rs->received++;
	}
	if (k >= warmup)
		rs->bytes += bytes;
}

static void report(const char *system, const options *o, int stalled, run_state *rs)
{
	long from = o->warmup < rs->changes ? o->warmup : 0;
	size_t cap = (size_t)(rs->changes - from) * (size_t)rs->n;
	int64_t *lat = malloc(cap * sizeof(*lat) + 1);
	int64_t *acks = malloc((size_t)(rs->changes - from) * sizeof(*acks) + 1);
	/* Per change: when the first dashboard had it, and how long the last
	 * one waited after the first (the fan-out's spread). */
	int64_t *first = malloc((size_t)(rs->changes - from) * sizeof(*first) + 1);
	int64_t *spread = malloc((size_t)(rs->changes - from) * sizeof(*spread) + 1);
	size_t m = 0, na = 0, nf = 0;
	long missing = 0, before = 0;
	for (long k = from; k < rs->changes; k++) {
		if (rs->ack[k] && rs->sent[k])
			acks[na++] = rs->ack[k] - rs->sent[k];
		int64_t lo = INT64_MAX, hi = 0;
		for (int d = 0; d < rs->n; d++) {
			int64_t a = rs->arrive[(size_t)k * (size_t)rs->n + (size_t)d];
			if (!a || !rs->ack[k]) {
				missing++;
				continue;
			}
			lo = a < lo ? a : lo;
			hi = a > hi ? a : hi;
			int64_t l = a - rs->ack[k];
			if (l <= 0) {
				before++;
				l = 0;
			}
			lat[m++] = l;
		}
		if (hi) {
			first[nf] = lo > rs->ack[k] ? lo - rs->ack[k] : 0;
			spread[nf++] = hi - lo;
		}
	}
	qsort(lat, m, sizeof(*lat), bench_cmp_i64);
	qsort(acks, na, sizeof(*acks), bench_cmp_i64);
	qsort(first, nf, sizeof(*first), bench_cmp_i64);
	qsort(spread, nf, sizeof(*spread), bench_cmp_i64);
	double secs = (double)(rs->t1 - rs->t0) / 1e9;
	long measured = rs->changes - from;
	printf("watch_latency system=%s dashboards=%d stalled=%d changes=%ld measured=%ld "
	       "rate=%.0f achieved_per_sec=%.0f pairs=%zu missing=%ld before_ack=%ld stray=%ld "
	       "failed=%ld p50_us=%.1f p90_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f "
	       "event_bytes=%.0f ack_p50_us=%.1f ack_p99_us=%.1f first_p50_us=%.1f "
	       "first_p99_us=%.1f spread_p50_us=%.1f spread_p99_us=%.1f\n",
	       system, rs->n, stalled, rs->changes, measured, o->rate,
	       secs > 0 ? (double)rs->changes / secs : 0, m, missing, before, rs->stray, rs->failed,
	       (double)bench_pct(lat, m, 50) / 1e3, (double)bench_pct(lat, m, 90) / 1e3,
	       (double)bench_pct(lat, m, 99) / 1e3, (double)bench_pct(lat, m, 99.9) / 1e3,
	       m ? (double)lat[m - 1] / 1e3 : 0,
	       measured && rs->n ? (double)rs->bytes / (double)measured / rs->n : 0,
	       (double)bench_pct(acks, na, 50) / 1e3, (double)bench_pct(acks, na, 99) / 1e3,
	       (double)bench_pct(first, nf, 50) / 1e3, (double)bench_pct(first, nf, 99) / 1e3,
	       (double)bench_pct(spread, nf, 50) / 1e3, (double)bench_pct(spread, nf, 99) / 1e3);
	fflush(stdout);
	free(lat);
	free(acks);
	free(first);
	free(spread);
}

/* When to send the next change: on schedule, never in a burst to catch up. */
static int64_t next_slot(int64_t next, int64_t period, int64_t now)
{
	next += period;
	return next < now ? now : next;
}

/* ppoll until `deadline_ns` at the latest; sets rs->now on return. */
static int wait_io(struct pollfd *fds, nfds_t n, int64_t deadline_ns, run_state *rs)
{
	int64_t left = deadline_ns - bench_now_ns();
	if (left < 0)
		left = 0;
	struct timespec ts = {.tv_sec = left / 1000000000, .tv_nsec = left % 1000000000};
	int r = ppoll(fds, n, &ts, NULL);
	rs->now = bench_now_ns();
	if (r < 0 && errno != EINTR) {
		perror("bench_watch: poll");
		return -1;
	}
	return r < 0 ? 0 : r;
}

/* ---------------- leadd ---------------- */

typedef struct {
	const char *user, *password;
	uint8_t token[LD_TOKEN_BYTES];
	int have;
} login;

static int open_as(const char *addr, login *lg, ld_conn **out)
{
	char err[256] = "";
	ld_conn *c = NULL;
	if (ld_conn_open(addr, "bench_watch", 5000, &c, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_watch: %s\n", err);
		return -1;
	}
	int rc = lg->have ? ld_login_token(c, lg->token, sizeof(lg->token), err, sizeof(err))
			  : ld_login_password(c, lg->user, lg->password, lg->token, err,
					      sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "bench_watch: log in as %s: %s (set LEADD_BENCH_PASSWORD)\n",
			lg->user, err);
		ld_conn_close(c);
		return -1;
	}
	lg->have = 1;
	*out = c;
	return 0;
}

/* One blocking request that must succeed (or, with may_exist, already have). */
static int must(ld_conn *c, Leadd__Request *req, const char *what, int may_exist,
		Leadd__Response **keep)
{
	Leadd__Response *r = NULL;
	if (ld_call(c, req, &r, CALL_MS) != 0) {
		fprintf(stderr, "bench_watch: %s: %s\n", what, ld_conn_error(c));
		return -1;
	}
	int code = ld_response_code(r);
	if (code != 0 && !(may_exist && code == LD_ALREADY_EXISTS)) {
		fprintf(stderr, "bench_watch: %s: %s: %s\n", what, ld_code_name(code),
			ld_response_message(r));
		leadd__response__free_unpacked(r, NULL);
		return -1;
	}
	if (keep)
		*keep = r;
	else
		leadd__response__free_unpacked(r, NULL);
	return 0;
}

/* The team, its manager and rep, and the leads the writer changes. */
static int leadd_setup(ld_conn *c, const options *o, uint64_t *ids)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__TeamAddRequest ta = LEADD__TEAM_ADD_REQUEST__INIT;
	ta.name = TEAM;
	req.body_case = LEADD__REQUEST__BODY_TEAM_ADD;
	req.team_add = &ta;
	if (must(c, &req, "team_add", 1, NULL))
		return -1;
	const char *names[] = {MANAGER, REP};
	Leadd__Role roles[] = {LEADD__ROLE__ROLE_MANAGER, LEADD__ROLE__ROLE_REP};
	for (int i = 0; i < 2; i++) {
		Leadd__UserAddRequest ua = LEADD__USER_ADD_REQUEST__INIT;
		ua.name = (char *)names[i];
		ua.has_role = 1;
		ua.role = roles[i];
		ua.team = TEAM;
		ua.password = (char *)bench_password();
		req = (Leadd__Request)LEADD__REQUEST__INIT;
		req.body_case = LEADD__REQUEST__BODY_USER_ADD;
		req.user_add = &ua;
		if (must(c, &req, "user_add", 1, NULL))
			return -1;
	}
	Leadd__TeamEditRequest te = LEADD__TEAM_EDIT_REQUEST__INIT;
	Leadd__StringList mgrs = LEADD__STRING_LIST__INIT;
	char *mgr = MANAGER;
	mgrs.n_items = 1;
	mgrs.items = &mgr;
	te.name = TEAM;
	te.managers = &mgrs;
	req = (Leadd__Request)LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_TEAM_EDIT;
	req.team_edit = &te;
	if (must(c, &req, "team_edit", 0, NULL))
		return -1;

	char *desc = malloc((size_t)o->lead_bytes + 1);
	if (!desc)
		return -1;
	for (int i = 0; i < o->lead_bytes; i++)
		desc[i] = "a quote for forty desks, call back on Monday "[i % 45];
	desc[o->lead_bytes] = 0;
	for (int i = 0; i < o->leads; i++) {
		char title[64];
		snprintf(title, sizeof(title), "watch bench lead %d", i);
		Leadd__LeadCreateRequest lc = LEADD__LEAD_CREATE_REQUEST__INIT;
		Leadd__Money value = LEADD__MONEY__INIT;
		value.has_amount_minor = 1;
		value.amount_minor = 250000 + i;
		value.currency = "EUR";
		lc.title = title;
		lc.description = desc;
		lc.owner = REP;
		lc.value = &value;
		lc.has_status_id = 1;
		lc.status_id = 1;
		req = (Leadd__Request)LEADD__REQUEST__INIT;
		req.body_case = LEADD__REQUEST__BODY_LEAD_CREATE;
		req.lead_create = &lc;
		Leadd__Response *r = NULL;
		if (must(c, &req, "lead_create", 0, &r)) {
			free(desc);
			return -1;
		}
		ids[i] = r->lead->lead->id;
		leadd__response__free_unpacked(r, NULL);
	}
	free(desc);
	return 0;
}

static int leadd_stats(ld_conn *c, uint64_t *revision, uint32_t *connections)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__StatsRequest st = LEADD__STATS_REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_STATS;
	req.stats = &st;
	Leadd__Response *r = NULL;
	if (must(c, &req, "stats", 0, &r))
		return -1;
	*revision = r->stats->revision;
	*connections = r->stats->connections;
	leadd__response__free_unpacked(r, NULL);
	return 0;
}

typedef struct {
	run_state *rs;
	int index;
	long warmup;
	uint64_t base; /* the revision before the first change */
	int replied, failed;
	long snapshots, events;
	uint64_t bytes;
	/* The paused watcher: what came just before and with its last snapshot. */
	uint64_t last_rev, before_snap_rev, snap_rev;
	char reason[160];
} dash;

static void dash_event(void *arg, Leadd__Event *ev)
{
	dash *d = arg;
	size_t bytes = leadd__event__get_packed_size(ev) + 7; /* + length, envelope */
	d->events++;
	d->bytes += bytes;
	if (ev->kind == LEADD__EVENT_KIND__EVENT_SNAPSHOT) {
		d->snapshots++;
		d->before_snap_rev = d->last_rev;
		d->snap_rev = ev->revision;
		snprintf(d->reason, sizeof(d->reason), "%s", ev->reason ? ev->reason : "");
	} else if (d->rs) {
		arrived(d->rs, (long)(ev->revision - d->base) - 1, d->index, bytes, d->warmup);
	}
	d->last_rev = ev->revision;
	leadd__event__free_unpacked(ev, NULL);
}

static void dash_reply(void *arg, Leadd__Response *r)
{
	dash *d = arg;
	d->replied = 1;
	if (!r || ld_response_code(r) != 0 || r->body_case != LEADD__RESPONSE__BODY_WATCH) {
		d->failed = 1;
		fprintf(stderr, "bench_watch: watch: %s\n",
			r ? ld_response_message(r) : "the connection was lost");
	}
	if (r)
		leadd__response__free_unpacked(r, NULL);
}

/* The dashboards' topics (--topics): both, or one of them. */
static Leadd__WatchTopic g_topics[2] = {LEADD__WATCH_TOPIC__TOPIC_LEADS,
					LEADD__WATCH_TOPIC__TOPIC_KPI};
static size_t g_n_topics = 2;

static uint64_t send_watch(ld_conn *c, dash *d)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__WatchRequest w = LEADD__WATCH_REQUEST__INIT;
	w.n_topics = g_n_topics;
	w.topics = g_topics;
	req.body_case = LEADD__REQUEST__BODY_WATCH;
	req.watch = &w;
	return ld_conn_send(c, &req, d ? dash_reply : NULL, d);
}

typedef struct {
	run_state *rs;
	long index; /* the change in flight */
	int in_flight;
	uint64_t base;
} writer;

static void writer_ack(void *arg, Leadd__Response *r)
{
	writer *w = arg;
	run_state *rs = w->rs;
	w->in_flight = 0;
	if (!r || ld_response_code(r) != 0 || r->body_case != LEADD__RESPONSE__BODY_LEAD) {
		rs->failed++;
		fprintf(stderr, "bench_watch: status change %ld: %s\n", w->index,
			r ? ld_response_message(r) : "the connection was lost");
	} else {
		long k = (long)(r->lead->lead->version - w->base) - 1;
		if (k != w->index) {
			/* Someone else wrote: revisions no longer name our changes. */
			fprintf(stderr,
				"bench_watch: change %ld got revision %" PRIu64
				", not the next one; is another client writing?\n",
				w->index, r->lead->lead->version);
			rs->failed++;
		} else {
			rs->ack[k] = rs->now;
			rs->t1 = rs->now;
		}
	}
	if (r)
		leadd__response__free_unpacked(r, NULL);
}

/* The stalled watcher's end: did the server close it, and what had it been
 * sent? Reads what the kernel's buffers still hold (leadd's socket takes up
 * to tcp_wmem's maximum, 4 MB by default, before its own backlog grows),
 * then must meet EOF: at most 10 s. */
static void stalled_report(ld_conn *c, dash *d, uint32_t conns_before, uint32_t conns_after)
{
	int64_t deadline = bench_now_ns() + 10000000000LL;
	int eof = 0;
	while (!eof && bench_now_ns() < deadline) {
		struct pollfd p = {.fd = ld_conn_fd(c), .events = POLLIN};
		if (poll(&p, 1, 200) > 0 && ld_conn_process(c, p.revents) < 0)
			eof = 1;
	}
	printf("stalled_watcher closed_by_server=%d events_read=%ld snapshots_read=%ld "
	       "bytes_read=%" PRIu64 " server_connections_before=%u server_connections_after=%u\n",
	       eof, d->events, d->snapshots, d->bytes, conns_before, conns_after);
	fflush(stdout);
}

/* The paused watcher's story: it read again after `paused` changes; the
 * changes it skipped are those between its last event before its snapshot
 * and the snapshot's revision. */
static void paused_report(ld_conn *c, dash *d, long paused, uint64_t base)
{
	int64_t deadline = bench_now_ns() + 2000000000LL;
	while (c && bench_now_ns() < deadline) {
		struct pollfd p = {.fd = ld_conn_fd(c), .events = POLLIN};
		if (poll(&p, 1, 200) > 0 && ld_conn_process(c, p.revents) < 0)
			break;
	}
	int coalesced = d->snapshots > 1;
	printf("paused_watcher paused_for_changes=%ld closed=%d coalesced=%d snapshots=%ld "
	       "events=%ld last_change_before_snapshot=%" PRId64 " snapshot_at_change=%" PRId64
	       " reason=\"%s\"\n",
	       paused, c == NULL, coalesced, d->snapshots, d->events,
	       coalesced ? (int64_t)(d->before_snap_rev - base) : -1,
	       coalesced ? (int64_t)(d->snap_rev - base) : -1, coalesced ? d->reason : "");
	fflush(stdout);
}

static int run_leadd(const options *o)
{
	login admin = {.user = bench_user(), .password = bench_password()};
	login manager = {.user = MANAGER, .password = bench_password()};
	ld_conn *wc;
	if (open_as(o->addr, &admin, &wc))
		return 1;
	uint64_t *ids = calloc((size_t)o->leads, sizeof(*ids));
	int *status = calloc((size_t)o->leads, sizeof(*status));
	if (!ids || !status || leadd_setup(wc, o, ids))
		return 1;

	int n = o->dashboards;
	ld_conn **dc = calloc((size_t)n, sizeof(*dc));
	dash *ds = calloc((size_t)n + 1, sizeof(*ds));
	struct pollfd *fds = calloc((size_t)n + 2, sizeof(*fds));
	run_state rs;
	if (!dc || !ds || !fds || run_init(&rs, o->changes, n)) {
		fprintf(stderr, "bench_watch: out of memory\n");
		return 1;
	}
	for (int i = 0; i < n; i++) {
		if (open_as(o->addr, i % 2 ? &manager : &admin, &dc[i]))
			return 1;
		ds[i].index = i;
		ds[i].warmup = o->warmup;
		ld_conn_set_event_cb(dc[i], dash_event, &ds[i]);
		if (!send_watch(dc[i], &ds[i])) {
			fprintf(stderr, "bench_watch: watch: %s\n", ld_conn_error(dc[i]));
			return 1;
		}
	}
	/* Every dashboard answered and holds its snapshot before the run. */
	for (int i = 0; i < n; i++) {
		int64_t deadline = bench_now_ns() + 10000000000LL;
		while ((!ds[i].replied || !ds[i].snapshots) && bench_now_ns() < deadline &&
		       !ds[i].failed) {
			struct pollfd p = {.fd = ld_conn_fd(dc[i]), .events = POLLIN};
			if (ld_conn_want_write(dc[i]))
				p.events |= POLLOUT;
			if (poll(&p, 1, 100) > 0 && ld_conn_process(dc[i], p.revents) < 0)
				break;
		}
		if (!ds[i].replied || ds[i].failed || !ds[i].snapshots) {
			fprintf(stderr, "bench_watch: dashboard %d: %s\n", i,
				ds[i].failed ? "watch refused"
					     : "no watch reply and snapshot within 10 s");
			return 1;
		}
	}

	ld_conn *sc = NULL;
	dash sd = {.index = -1};
	if (o->stalled) {
		if (open_as(o->addr, &admin, &sc))
			return 1;
		ld_conn_set_event_cb(sc, dash_event, &sd);
		if (!send_watch(sc, NULL))
			return 1;
		/* The request is written; from here on this connection is never read. */
		for (int i = 0; i < 50 && ld_conn_want_write(sc); i++) {
			struct pollfd p = {.fd = ld_conn_fd(sc), .events = POLLOUT};
			if (poll(&p, 1, 100) > 0)
				ld_conn_process(sc, POLLOUT);
		}
	}

	/* With --stalled, also a watcher that stops reading for the first
	 * PAUSED_PCT % of the changes, then reads again: past
	 * watch_soft_limit (not the hard one) its waiting events must have
	 * become one snapshot. */
	ld_conn *pc = NULL;
	dash pd = {.index = -1};
	long pause_until = o->changes * PAUSED_PCT / 100;
	if (o->stalled) {
		if (open_as(o->addr, &admin, &pc))
			return 1;
		ld_conn_set_event_cb(pc, dash_event, &pd);
		if (!send_watch(pc, &pd))
			return 1;
		while (!pd.replied || !pd.snapshots) {
			struct pollfd p = {.fd = ld_conn_fd(pc), .events = POLLIN};
			if (ld_conn_want_write(pc))
				p.events |= POLLOUT;
			if (poll(&p, 1, 10000) <= 0 || ld_conn_process(pc, p.revents) < 0 ||
			    pd.failed) {
				fprintf(stderr, "bench_watch: the paused watcher did not start\n");
				return 1;
			}
		}
	}

	uint64_t base;
	uint32_t conns_before, conns_after;
	if (leadd_stats(wc, &base, &conns_before))
		return 1;
	writer w = {.rs = &rs, .base = base};
	for (int i = 0; i < n; i++) {
		ds[i].rs = &rs;
		ds[i].base = base;
	}
	int64_t period = (int64_t)(1e9 / o->rate);
	int64_t next = bench_now_ns(), drain_until = 0;
	long sent = 0, lost = 0;
	rs.now = next;
	for (;;) {
		int64_t now = bench_now_ns();
		if (!w.in_flight && sent < o->changes && now >= next) {
			int i = (int)(sent % o->leads);
			status[i] = status[i] == 2 ? 1 : 2; /* a real change every time */
			Leadd__Request req = LEADD__REQUEST__INIT;
			Leadd__LeadSetStatusRequest ss = LEADD__LEAD_SET_STATUS_REQUEST__INIT;
			ss.has_id = ss.has_status_id = 1;
			ss.id = ids[i];
			ss.status_id = (uint64_t)status[i];
			req.body_case = LEADD__REQUEST__BODY_LEAD_SET_STATUS;
			req.lead_set_status = &ss;
			w.index = sent;
			w.in_flight = 1;
			rs.sent[sent] = now;
			if (!sent)
				rs.t0 = now;
			if (!ld_conn_send(wc, &req, writer_ack, &w)) {
				fprintf(stderr, "bench_watch: writer: %s\n", ld_conn_error(wc));
				return 1;
			}
			sent++;
			next = next_slot(next, period, now);
		}
		if (sent == o->changes && !w.in_flight) {
			if (!drain_until)
				drain_until = now + DRAIN_NS;
			if (rs.received + lost * o->changes >= (long)o->changes * n ||
			    now > drain_until)
				break;
		}
		fds[0] = (struct pollfd){.fd = ld_conn_fd(wc), .events = POLLIN};
		if (ld_conn_want_write(wc))
			fds[0].events |= POLLOUT;
		for (int i = 0; i < n; i++)
			fds[i + 1] = (struct pollfd){.fd = dc[i] ? ld_conn_fd(dc[i]) : -1,
						     .events = POLLIN};
		fds[n + 1] = (struct pollfd){.fd = pc && sent >= pause_until ? ld_conn_fd(pc) : -1,
					     .events = POLLIN};
		int64_t until = w.in_flight || sent == o->changes ? now + 100000000 : next;
		if (drain_until && until > drain_until)
			until = drain_until;
		if (wait_io(fds, (nfds_t)n + 2, until, &rs) < 0)
			return 1;
		if (fds[n + 1].revents && ld_conn_process(pc, fds[n + 1].revents) < 0) {
			fprintf(stderr, "bench_watch: the paused watcher was closed: %s\n",
				ld_conn_error(pc));
			ld_conn_close(pc);
			pc = NULL;
		}
		if (fds[0].revents && ld_conn_process(wc, fds[0].revents) < 0) {
			fprintf(stderr, "bench_watch: writer lost: %s\n", ld_conn_error(wc));
			return 1;
		}
		for (int i = 0; i < n; i++) {
			if (fds[i + 1].revents && ld_conn_process(dc[i], fds[i + 1].revents) < 0) {
				fprintf(stderr, "bench_watch: dashboard %d lost: %s\n", i,
					ld_conn_error(dc[i]));
				ld_conn_close(dc[i]);
				dc[i] = NULL;
				lost++;
			}
		}
	}
	uint64_t end_rev;
	if (leadd_stats(wc, &end_rev, &conns_after))
		return 1;
	report("leadd", o, o->stalled, &rs);
	long snaps = 0;
	for (int i = 0; i < n; i++)
		snaps += ds[i].snapshots - 1;
	if (snaps || lost)
		printf("dashboards_note snapshots_after_the_first=%ld lost=%ld\n", snaps, lost);
	if (sc)
		stalled_report(sc, &sd, conns_before, conns_after);
	if (o->stalled)
		paused_report(pc, &pd, pause_until, base);
	long missing = (long)o->changes * n - rs.received;
	int rc = rs.failed || missing || lost ? 1 : 0;
	for (int i = 0; i < n; i++)
		if (dc[i])
			ld_conn_close(dc[i]);
	if (sc)
		ld_conn_close(sc);
	if (pc)
		ld_conn_close(pc);
	ld_conn_close(wc);
	run_free(&rs);
	free(fds);
	free(ds);
	free(dc);
	free(ids);
	free(status);
	return rc;
}

/* ---------------- Redis (RESP over plain sockets) ---------------- */

typedef struct {
	int fd;
	char *buf;
	size_t len, cap;
} rconn;

static int tcp_connect(const char *addr)
{
	char host[256], port[32], err[256];
	if (ld_parse_hostport(addr, host, sizeof(host), port, sizeof(port), err, sizeof(err))) {
		fprintf(stderr, "bench_watch: %s\n", err);
		return -1;
	}
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
	if (getaddrinfo(host, port, &hints, &ai) != 0) {
		fprintf(stderr, "bench_watch: cannot resolve %s\n", addr);
		return -1;
	}
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		fprintf(stderr, "bench_watch: connect %s: %s\n", addr, strerror(errno));
		freeaddrinfo(ai);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	freeaddrinfo(ai);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && (errno == EINTR || errno == EAGAIN)) {
			struct pollfd pf = {.fd = fd, .events = POLLOUT};
			poll(&pf, 1, 1000);
			continue;
		}
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One "\r\n"-ended line at b[*pos]: its number after the type byte. 0, or
 * 1 when incomplete. */
static int resp_line(const char *b, size_t len, size_t *pos, char *type, long long *num)
{
	const char *end = memchr(b + *pos, '\r', len - *pos);
	if (!end || (size_t)(end - b) + 1 >= len)
		return 1;
	*type = b[*pos];
	*num = strtoll(b + *pos + 1, NULL, 10);
	*pos = (size_t)(end - b) + 2;
	return 0;
}

/* One whole reply at the start of b: an integer (*num), or an array of bulk
 * strings and integers whose first is its kind ("message", "subscribe")
 * and third (for a message) the payload. Returns the bytes it takes, 0 when
 * incomplete, -1 when it is not RESP this parser knows. */
static long resp_next(const char *b, size_t len, char *kind, size_t kindlen, const char **payload,
		      size_t *plen, long long *num)
{
	size_t pos = 0;
	char t;
	long long v;
	if (resp_line(b, len, &pos, &t, &v))
		return 0;
	if (t == ':') {
		*num = v;
		kind[0] = 0;
		return (long)pos;
	}
	if (t != '*')
		return -1;
	*payload = NULL;
	for (long long i = 0; i < v; i++) {
		char et;
		long long ev;
		if (resp_line(b, len, &pos, &et, &ev))
			return 0;
		if (et == ':') {
			*num = ev;
			continue;
		}
		if (et != '$' || ev < 0)
			return -1;
		if (pos + (size_t)ev + 2 > len)
			return 0;
		if (i == 0)
			snprintf(kind, kindlen, "%.*s", (int)(ev < (long long)kindlen ? ev : 0),
				 b + pos);
		if (i == 2) {
			*payload = b + pos;
			*plen = (size_t)ev;
		}
		pos += (size_t)ev + 2;
	}
	return (long)pos;
}

/* Read what is there; 0, or -1 at EOF or error. */
static int rconn_read(rconn *c)
{
	for (;;) {
		if (c->cap - c->len < 65536) {
			size_t cap = c->cap ? c->cap * 2 : 262144;
			char *nb = realloc(c->buf, cap);
			if (!nb)
				return -1;
			c->buf = nb;
			c->cap = cap;
		}
		ssize_t r = recv(c->fd, c->buf + c->len, c->cap - c->len, MSG_DONTWAIT);
		if (r > 0) {
			c->len += (size_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		return -1;
	}
}

static void rconn_consume(rconn *c, size_t n)
{
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
}

static int run_redis(const options *o)
{
	int n = o->dashboards;
	rconn *subs = calloc((size_t)n, sizeof(*subs));
	rconn pub = {0};
	struct pollfd *fds = calloc((size_t)n + 1, sizeof(*fds));
	run_state rs;
	if (!subs || !fds || run_init(&rs, o->changes, n)) {
		fprintf(stderr, "bench_watch: out of memory\n");
		return 1;
	}
	static const char sub_cmd[] = "*2\r\n$9\r\nSUBSCRIBE\r\n$5\r\nbench\r\n";
	for (int i = 0; i < n; i++) {
		subs[i].fd = tcp_connect(o->addr);
		if (subs[i].fd < 0 || write_all(subs[i].fd, sub_cmd, sizeof(sub_cmd) - 1))
			return 1;
		/* Wait for the confirmation: after it, every PUBLISH reaches us. */
		for (;;) {
			struct pollfd p = {.fd = subs[i].fd, .events = POLLIN};
			if (poll(&p, 1, 5000) <= 0 || rconn_read(&subs[i]) < 0) {
				fprintf(stderr, "bench_watch: redis SUBSCRIBE not confirmed\n");
				return 1;
			}
			char kind[16];
			const char *pl;
			size_t plen;
			long long num;
			long used = resp_next(subs[i].buf, subs[i].len, kind, sizeof(kind), &pl,
					      &plen, &num);
			if (used < 0) {
				fprintf(stderr,
					"bench_watch: redis: a reply this bench cannot read\n");
				return 1;
			}
			if (used > 0) {
				rconn_consume(&subs[i], (size_t)used);
				break;
			}
		}
	}
	pub.fd = tcp_connect(o->addr);
	if (pub.fd < 0)
		return 1;

	size_t psize = o->payload < 16 ? 16 : (size_t)o->payload;
	char *msg = malloc(psize + 128);
	if (!msg)
		return 1;
	int64_t period = (int64_t)(1e9 / o->rate);
	int64_t next = bench_now_ns(), drain_until = 0;
	long sent = 0, acked = 0, lost = 0;
	int in_flight = 0;
	rs.now = next;
	for (;;) {
		int64_t now = bench_now_ns();
		if (!in_flight && sent < o->changes && now >= next) {
			int h = snprintf(msg, 128,
					 "*3\r\n$7\r\nPUBLISH\r\n$5\r\nbench\r\n$%zu\r\n%010ld",
					 psize, sent);
			memset(msg + h, 'x', psize - 10);
			memcpy(msg + h + psize - 10, "\r\n", 2);
			rs.sent[sent] = now;
			if (!sent)
				rs.t0 = now;
			if (write_all(pub.fd, msg, (size_t)h + psize - 10 + 2)) {
				fprintf(stderr, "bench_watch: redis PUBLISH: %s\n",
					strerror(errno));
				return 1;
			}
			in_flight = 1;
			sent++;
			next = next_slot(next, period, now);
		}
		if (sent == o->changes && !in_flight) {
			if (!drain_until)
				drain_until = now + DRAIN_NS;
			if (rs.received + lost * o->changes >= (long)o->changes * n ||
			    now > drain_until)
				break;
		}
		fds[0] = (struct pollfd){.fd = pub.fd, .events = POLLIN};
		for (int i = 0; i < n; i++)
			fds[i + 1] = (struct pollfd){.fd = subs[i].fd, .events = POLLIN};
		int64_t until = in_flight || sent == o->changes ? now + 100000000 : next;
		if (drain_until && until > drain_until)
			until = drain_until;
		if (wait_io(fds, (nfds_t)n + 1, until, &rs) < 0)
			return 1;
		if (fds[0].revents) {
			if (rconn_read(&pub) < 0) {
				fprintf(stderr, "bench_watch: redis closed the publisher\n");
				return 1;
			}
			char kind[16];
			const char *pl;
			size_t plen;
			long long num = -1;
			long used;
			while ((used = resp_next(pub.buf, pub.len, kind, sizeof(kind), &pl, &plen,
						 &num)) > 0) {
				rconn_consume(&pub, (size_t)used);
				if (num != n) {
					fprintf(stderr,
						"bench_watch: PUBLISH reached %lld subscribers, "
						"not %d\n",
						num, n);
					rs.failed++;
				}
				rs.ack[acked] = rs.now;
				rs.t1 = rs.now;
				acked++;
				in_flight = 0;
			}
			if (used < 0)
				return 1;
		}
		for (int i = 0; i < n; i++) {
			if (!fds[i + 1].revents || subs[i].fd < 0)
				continue;
			int gone = rconn_read(&subs[i]) < 0;
			char kind[16];
			const char *pl = NULL;
			size_t plen = 0;
			long long num;
			long used;
			while ((used = resp_next(subs[i].buf, subs[i].len, kind, sizeof(kind), &pl,
						 &plen, &num)) > 0) {
				if (!strcmp(kind, "message") && pl && plen >= 10)
					arrived(&rs, strtol(pl, NULL, 10) /* the first 10 digits */,
						i, (size_t)used, o->warmup);
				rconn_consume(&subs[i], (size_t)used);
			}
			if (gone || used < 0) {
				fprintf(stderr, "bench_watch: subscriber %d lost\n", i);
				close(subs[i].fd);
				subs[i].fd = -1;
				lost++;
			}
		}
	}
	report("redis", o, 0, &rs);
	long missing = (long)o->changes * n - rs.received;
	for (int i = 0; i < n; i++) {
		if (subs[i].fd >= 0)
			close(subs[i].fd);
		free(subs[i].buf);
	}
	close(pub.fd);
	free(pub.buf);
	free(msg);
	free(subs);
	free(fds);
	int rc = rs.failed || missing || lost ? 1 : 0;
	run_free(&rs);
	return rc;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_watch leadd|redis HOST:PORT [--dashboards N] [--changes N] "
			"[--warmup N] [--rate PER_SEC] [--leads N] [--lead-bytes B] [--stalled] "
			"[--payload B]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc < 3)
		usage();
	options o = {.system = argv[1],
		     .addr = argv[2],
		     .dashboards = 100,
		     .changes = 3000,
		     .warmup = 200,
		     .rate = 200,
		     .leads = 50,
		     .lead_bytes = 2000,
		     .payload = 2300};
	for (int i = 3; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--stalled")) {
			o.stalled = 1;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		const char *v = argv[++i];
		if (!strcmp(a, "--dashboards"))
			o.dashboards = atoi(v);
		else if (!strcmp(a, "--changes"))
			o.changes = atol(v);
		else if (!strcmp(a, "--warmup"))
			o.warmup = atol(v);
		else if (!strcmp(a, "--rate"))
			o.rate = atof(v);
		else if (!strcmp(a, "--leads"))
			o.leads = atoi(v);
		else if (!strcmp(a, "--lead-bytes"))
			o.lead_bytes = atoi(v);
		else if (!strcmp(a, "--payload"))
			o.payload = atoi(v);
		else if (!strcmp(a, "--topics") && !strcmp(v, "leads"))
			g_n_topics = 1;
		else if (!strcmp(a, "--topics") && !strcmp(v, "kpi"))
			g_topics[0] = LEADD__WATCH_TOPIC__TOPIC_KPI, g_n_topics = 1;
		else if (!strcmp(a, "--topics") && !strcmp(v, "both"))
			g_n_topics = 2;
		else
			usage();
	}
	if (o.dashboards <= 0 || o.changes <= 0 || o.warmup < 0 || o.rate <= 0 || o.leads <= 0 ||
	    o.lead_bytes < 0 || o.payload < 0) {
		fprintf(stderr, "bench_watch: counts and the rate must be positive\n");
		return 2;
	}
	/* A peer that goes away must be an error we report, not a SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(o.system, "leadd"))
		return run_leadd(&o);
	if (!strcmp(o.system, "redis"))
		return run_redis(&o);
	usage();
	return 2;
}
