/* leadtop's connection: connect with the session of `lead login`, read the
 * starting state, watch, and come back after a lost connection.
 *
 * One connection watches TOPIC_LEADS (every lead I may see), TOPIC_KPI and
 * TOPIC_AGENDA (my agenda, for its panel) together. Why one and not one per pinned search
 * (WatchRequest.search): one revision to resume from, one reconnect, one place events come in
 * order; a search panel reads its list again after a lead event it does not
 * hold (leadtop_search.c), which the server answers with the search's own
 * filter and order.
 *
 * Start: kpi (its revision K), the pinned searches and their lists, then
 * watch since K: deltas after the counts come from the log, none twice
 * (docs/protocol.md section 6, "Starting, resuming, snapshots"). After a
 * lost connection: reconnect with backoff (0.5 s doubling to 8 s) and
 * watch since the last revision applied; the replay brings exactly what
 * was missed, and each panel skips a revision it already holds. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "leadtop.h"

#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 8000
#define RELOAD_GAP_MS 200

int64_t lt_now_ms(void)
{
	struct timespec ts;
	/* Durations only (retries, highlights): a clock set back must not
	 * put the next retry an hour away. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void lt_message(struct lt_app *a, int attr, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->msg, sizeof(a->msg), fmt, ap);
	va_end(ap);
	a->msg_attr = attr;
	a->msg_ms = lt_now_ms();
}

static void free_reads(struct lt_app *a)
{
	Leadd__Response **r[] = {&a->statuses, &a->users, &a->whoami, &a->teams};
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		if (*r[i])
			leadd__response__free_unpacked(*r[i], NULL);
		*r[i] = NULL;
	}
	memset(&a->names, 0, sizeof(a->names));
}

void lt_disconnect(struct lt_app *a)
{
	if (a->conn)
		ld_conn_close(a->conn);
	a->conn = NULL;
	a->watching = 0;
}

/* Not live: say why, and try again after the backoff (0.5 s doubling to
 * 8 s; back to 0.5 s once a watch works: its first event). */
static void retry_later(struct lt_app *a, const char *why)
{
	a->state = LT_LOST;
	snprintf(a->state_msg, sizeof(a->state_msg), "%s", why && *why ? why : "connection lost");
	a->backoff_ms = a->backoff_ms ? a->backoff_ms * 2 : BACKOFF_MIN_MS;
	if (a->backoff_ms > BACKOFF_MAX_MS)
		a->backoff_ms = BACKOFF_MAX_MS;
	a->retry_at_ms = lt_now_ms() + a->backoff_ms;
}

void lt_lost(struct lt_app *a, const char *why)
{
	lt_disconnect(a);
	retry_later(a, why);
}

Leadd__Response *lt_call(struct lt_app *a, Leadd__Request *req)
{
	if (!a->conn)
		return NULL;
	Leadd__Response *r = NULL;
	if (ld_call(a->conn, req, &r, LT_CALL_TIMEOUT_MS) < 0) {
		char why[300];
		snprintf(why, sizeof(why), "leadd at %s: %s", a->ctx.server,
			 ld_conn_error(a->conn));
		lt_lost(a, why);
		return NULL;
	}
	return r;
}

int lt_check(struct lt_app *a, const Leadd__Response *r, Leadd__Response__BodyCase want, char *buf,
	     size_t len)
{
	if (ld_response_code(r) != LD_OK) {
		snprintf(buf, len, "%s", ld_response_message(r));
		return -1;
	}
	if (r->body_case != want) {
		snprintf(buf, len, "leadd at %s sent an unexpected reply", a->ctx.server);
		return -1;
	}
	return 0;
}

const char *lt_status_name(struct lt_app *a, uint64_t id, char *buf, size_t len)
{
	const Leadd__Status *s = a->statuses ? lead_status_by_id(a->statuses->status_list, id)
					     : NULL;
	if (s && s->name)
		return s->name;
	snprintf(buf, len, "status %llu", (unsigned long long)id);
	return buf;
}

const char *lt_owner_name(struct lt_app *a, uint64_t id, char *buf, size_t len)
{
	if (id == 0)
		return "pool";
	const char *n = lead_user_name(&a->names, id);
	if (n)
		return n;
	snprintf(buf, len, "user %llu", (unsigned long long)id);
	return buf;
}

/* A read every panel needs, once per connection: who I am, the statuses,
 * the users' and teams' names (a rep is refused the user list: their own
 * name is known). */
static Leadd__Response *read_one(struct lt_app *a, Leadd__Request__BodyCase body, void *msg,
				 Leadd__Response__BodyCase want, int optional)
{
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = body;
	/* Every request message sits at the same place in the union. */
	req.ping = msg;
	Leadd__Response *r = lt_call(a, &req);
	if (!r)
		return NULL;
	char why[300];
	if (lt_check(a, r, want, why, sizeof(why))) {
		if (!optional)
			lt_lost(a, why);
		leadd__response__free_unpacked(r, NULL);
		return NULL;
	}
	return r;
}

static int read_names(struct lt_app *a)
{
	free_reads(a);
	Leadd__WhoamiRequest w = LEADD__WHOAMI_REQUEST__INIT;
	Leadd__StatusListRequest sl = LEADD__STATUS_LIST_REQUEST__INIT;
	Leadd__UserListRequest ul = LEADD__USER_LIST_REQUEST__INIT;
	Leadd__TeamListRequest tl = LEADD__TEAM_LIST_REQUEST__INIT;
	a->whoami = read_one(a, LEADD__REQUEST__BODY_WHOAMI, &w, LEADD__RESPONSE__BODY_WHOAMI, 0);
	if (a->whoami)
		a->statuses = read_one(a, LEADD__REQUEST__BODY_STATUS_LIST, &sl,
				       LEADD__RESPONSE__BODY_STATUS_LIST, 0);
	if (a->statuses)
		a->users = read_one(a, LEADD__REQUEST__BODY_USER_LIST, &ul,
				    LEADD__RESPONSE__BODY_USER_LIST, 1);
	/* Team names, for a lead's team in --once --json (as lead prints it). */
	if (a->statuses)
		a->teams = read_one(a, LEADD__REQUEST__BODY_TEAM_LIST, &tl,
				    LEADD__RESPONSE__BODY_TEAM_LIST, 1);
	if (!a->conn)
		return -1;
	a->names.self = a->whoami->whoami->user;
	a->names.users = a->users ? a->users->user_list : NULL;
	a->names.teams = a->teams ? a->teams->team_list : NULL;
	if (a->names.self && a->names.self->name)
		snprintf(a->user, sizeof(a->user), "%s", a->names.self->name);
	return 0;
}

void lt_sync_searches(struct lt_app *a)
{
	Leadd__SearchListRequest sl = LEADD__SEARCH_LIST_REQUEST__INIT;
	Leadd__Response *r = read_one(a, LEADD__REQUEST__BODY_SEARCH_LIST, &sl,
				      LEADD__RESPONSE__BODY_SEARCH_LIST, 1);
	if (!r)
		return;
	char sig[sizeof(a->searches_sig)] = "";
	size_t used = 0;
	const Leadd__SearchListReply *s = r->search_list;
	/* (Cut at its size: more pinned names than that compare as equal.) */
	for (size_t i = 0; i < s->n_searches && used < sizeof(sig); i++)
		if (s->searches[i]->pinned && s->searches[i]->name)
			used += (size_t)snprintf(sig + used, sizeof(sig) - used, "%s\n",
						 s->searches[i]->name);
	if (strcmp(sig, a->searches_sig) != 0) {
		/* The panels: the others first (KPI, and any later one), the
		 * pinned searches in pin order (a panel that stays keeps its list
		 * and selection), the feed last. */
		struct lt_panel *keep[LT_PANELS_MAX], *feed = a->panel[a->npanels - 1],
						      *focused = a->panel[a->focus];
		int n = 0;
		for (int j = 0; j < a->npanels - 1; j++)
			if (!lt_search_name(a->panel[j])) {
				keep[n++] = a->panel[j];
				a->panel[j] = NULL;
			}
		for (size_t i = 0; i < s->n_searches && n < LT_PANELS_MAX - 1; i++) {
			const Leadd__SavedSearch *ss = s->searches[i];
			if (!ss->pinned || !ss->name)
				continue;
			struct lt_panel *p = NULL;
			for (int j = 0; j < a->npanels - 1 && !p; j++) {
				const char *name = a->panel[j] ? lt_search_name(a->panel[j]) : NULL;
				if (name && strcmp(name, ss->name) == 0) {
					p = a->panel[j];
					a->panel[j] = NULL;
				}
			}
			if (!p)
				p = lt_search_panel(ss->name);
			if (p)
				keep[n++] = p;
		}
		keep[n++] = feed;
		/* The focus stays on its panel; if that goes, on the first. */
		int focus = 0;
		for (int j = 0; j < n; j++)
			if (keep[j] == focused)
				focus = j;
		/* Searches no longer pinned go. */
		for (int j = 0; j < a->npanels - 1; j++)
			if (a->panel[j])
				a->panel[j]->ops->destroy(a->panel[j]);
		memcpy(a->panel, keep, (size_t)n * sizeof(*keep));
		a->npanels = n;
		a->focus = focus;
		snprintf(a->searches_sig, sizeof(a->searches_sig), "%s", sig);
	}
	leadd__response__free_unpacked(r, NULL);
}

static void on_event(void *arg, Leadd__Event *ev)
{
	struct lt_app *a = arg;
	if (ev->kind == LEADD__EVENT_KIND__EVENT_ENDED) {
		char why[300];
		snprintf(why, sizeof(why), "the watch ended: %s",
			 ev->reason && *ev->reason ? ev->reason : "no reason given");
		a->watching = 0;
		a->watch_ended = 1;
		/* Watch again on a new connection (lt_tick; not closed here,
		 * inside its own read), from the last revision, after the
		 * backoff: this watch names no search and no team, so leadd ends
		 * it only for a snapshot too large to send, which a retry at
		 * once would meet again. */
		retry_later(a, why);
		/* The first line cuts it at the edge: whole at the bottom. */
		lt_message(a, LT_A_ERROR, "%s", why);
		leadd__event__free_unpacked(ev, NULL);
		return;
	}
	a->backoff_ms = 0; /* the watch works */
	for (int i = 0; i < a->npanels; i++)
		if (a->panel[i]->ops->event)
			a->panel[i]->ops->event(a->panel[i], a, ev);
	/* Pinned, unpinned, moved, renamed or edited elsewhere: the panels
	 * follow the pins (a search panel read its list again above). */
	if (ev->kind == LEADD__EVENT_KIND__EVENT_PINS)
		a->resync = 1;
	if (ev->kind == LEADD__EVENT_KIND__EVENT_CAUGHT_UP)
		a->state = LT_LIVE;
	if (ev->kind == LEADD__EVENT_KIND__EVENT_SNAPSHOT) {
		/* Start over at its revision: the counts came with it, the lists
		 * are read again (the panels marked themselves), and so are the
		 * names they show and the pinned searches (lt_tick), once live:
		 * the first snapshot of a connection follows a fresh read of
		 * them. */
		a->revision = ev->revision;
		if (a->state == LT_LIVE)
			a->names_stale = 1;
		/* No message: a snapshot may come at any time (a user added), and
		 * the screen is right after it as before. */
	} else if (ev->revision > a->revision) {
		a->revision = ev->revision;
	}
	leadd__event__free_unpacked(ev, NULL);
}

/* The watch request: TOPIC_PINS last, so that without it (a leadd that
 * does not know it) it is one topic shorter. */
static Leadd__Response *watch_call(struct lt_app *a, int pins)
{
	Leadd__WatchRequest w = LEADD__WATCH_REQUEST__INIT;
	Leadd__WatchTopic topics[] = {
		LEADD__WATCH_TOPIC__TOPIC_LEADS, LEADD__WATCH_TOPIC__TOPIC_KPI,
		LEADD__WATCH_TOPIC__TOPIC_AGENDA, LEADD__WATCH_TOPIC__TOPIC_PINS};
	w.topics = topics;
	w.n_topics = pins ? 4 : 3;
	w.has_since_revision = 1;
	w.since_revision = a->revision;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_WATCH;
	req.watch = &w;
	return lt_call(a, &req);
}

static int watch(struct lt_app *a)
{
	a->watch_ended = 0;
	Leadd__Response *r = watch_call(a, !a->no_pins_topic);
	if (r && !a->no_pins_topic && ld_response_code(r) == LD_INVALID_ARGUMENT) {
		/* A leadd from before TOPIC_PINS refuses the topic: watch the
		 * rest (pins then show at the next connection). Refused again,
		 * the refusal was not about it. */
		Leadd__Response *r2 = watch_call(a, 0);
		if (r2 && ld_response_code(r2) == LD_OK)
			a->no_pins_topic = 1;
		leadd__response__free_unpacked(r, NULL);
		r = r2;
	}
	if (!r)
		return -1;
	char why[300];
	if (a->resumable && ld_response_code(r) == LD_INVALID_ARGUMENT) {
		/* The revision resumed from is ahead of leadd's (its data was
		 * restored from a backup): start over from a fresh read. */
		leadd__response__free_unpacked(r, NULL);
		return 1;
	}
	if (lt_check(a, r, LEADD__RESPONSE__BODY_WATCH, why, sizeof(why))) {
		/* Connected, but no live updates: say so and what the screen is. */
		char hhmm[16] = "";
		time_t t = time(NULL);
		struct tm tm;
		if (localtime_r(&t, &tm))
			strftime(hhmm, sizeof(hhmm), "%H:%M", &tm);
		a->state = LT_NOT_LIVE;
		a->resumable = 0;
		snprintf(a->state_msg, sizeof(a->state_msg),
			 "not live (leadd answered: %s); counts as of %s", why, hhmm);
		leadd__response__free_unpacked(r, NULL);
		return 0;
	}
	if (a->watch_ended) {
		/* Its EVENT_ENDED came in the same read as the reply (handled
		 * first, on_event): not live, as it said. */
		leadd__response__free_unpacked(r, NULL);
		return 0;
	}
	const Leadd__WatchReply *wr = r->watch;
	a->watching = 1;
	a->resumable = 1;
	a->state = wr->replaying && wr->replay_to > a->revision ? LT_REPLAYING : LT_LIVE;
	a->state_msg[0] = '\0';
	leadd__response__free_unpacked(r, NULL);
	return 0;
}

/* Every panel read afresh; the watch then starts at the counts' revision
 * so nothing after them is missed. 0, or -1 when the connection was lost. */
static int read_all(struct lt_app *a)
{
	for (int i = 0; i < a->npanels && a->conn; i++)
		if (a->panel[i]->ops->reload) {
			a->panel[i]->wants_reload = 0;
			a->panel[i]->ops->reload(a->panel[i], a);
		}
	if (!a->conn)
		return -1;
	/* The counts' revision; without counts (the read was refused), the
	 * revision leadd said Hello at, which is no later than the lists'
	 * (their panels skip what they hold). */
	a->revision = lt_kpi_revision(a->panel[0]);
	if (!a->revision)
		a->revision = ld_conn_hello_revision(a->conn);
	return 0;
}

int lt_connect(struct lt_app *a)
{
	char err[1024];
	a->state = LT_CONNECTING;
	/* After a watch: resume it. Else (the start, or a leadd that did not
	 * watch) read everything again. */
	int resume = a->resumable;
	/* As lead does: TLS, and a server not trusted yet is refused (the
	 * sentence says to run lead login). */
	int rc = lead_conn_open(&a->ctx, "leadtop", LT_CALL_TIMEOUT_MS, &a->conn, err, sizeof(err));
	if (rc != 0) {
		char why[1100];
		a->conn = NULL;
		/* rc > 0: reached, and err names the server already (one line:
		 * a refused certificate's warning has several). */
		if (rc > 0) {
			for (char *p = err; !a->once && (p = strchr(p, '\n')) != NULL;)
				*p = ' ';
			snprintf(why, sizeof(why), "%s", err);
		} else {
			snprintf(why, sizeof(why), "cannot reach leadd at %s: %s", a->ctx.server,
				 err);
		}
		a->fail_code = rc > 0 ? rc : LD_UNAVAILABLE;
		lt_lost(a, why);
		/* A server not trusted: what to do goes whole on the bottom line,
		 * as for a session refused below. */
		if (rc == LD_UNAUTHENTICATED && !a->once)
			lt_message(a, LT_A_ERROR, "%s", why);
		return -1;
	}
	rc = ld_login_token(a->conn, a->sess.token, sizeof(a->sess.token), err, sizeof(err));
	if (rc != 0) {
		char why[1100];
		snprintf(why, sizeof(why), "%s%s", err,
			 rc > 0 ? "; log in again with 'lead login' and restart leadtop" : "");
		a->fail_code = rc > 0 ? rc : LD_UNAVAILABLE;
		lt_lost(a, why);
		/* The status line cuts it at the edge: what to do goes whole on
		 * the bottom line (set again at each retry). */
		if (rc > 0 && !a->once)
			lt_message(a, LT_A_ERROR, "%s", why);
		return -1;
	}
	ld_conn_set_event_cb(a->conn, on_event, a);
	ld_conn_keepalive(a->conn);
	if (read_names(a) < 0)
		return -1;
	lt_sync_searches(a);
	if (!a->conn)
		return -1;
	if (!resume && read_all(a) < 0)
		return -1;
	if (a->once)
		return 0;
	int rc2 = watch(a);
	if (rc2 == 1) {
		a->resumable = 0;
		if (read_all(a) < 0)
			return -1;
		rc2 = watch(a);
	}
	if (rc2 != 0)
		return -1;
	return 0;
}

void lt_poll_conn(struct lt_app *a, short revents)
{
	if (!a->conn)
		return;
	if (ld_conn_process(a->conn, revents) < 0) {
		char why[300];
		snprintf(why, sizeof(why), "leadd at %s: %s", a->ctx.server,
			 ld_conn_error(a->conn));
		lt_lost(a, why);
	}
}

void lt_tick(struct lt_app *a)
{
	if (a->state == LT_LOST && lt_now_ms() >= a->retry_at_ms) {
		lt_disconnect(a);
		lt_connect(a);
		return;
	}
	/* A panel is read again at most every RELOAD_GAP_MS: under a steady
	 * stream of changes the lists cost a bounded number of reads, and the
	 * last change is never more than that late. */
	if (a->resync && a->conn) {
		a->resync = 0;
		lt_sync_searches(a);
	}
	int64_t now = lt_now_ms();
	/* At most every RELOAD_GAP_MS too: a flood of snapshots (a slow
	 * dashboard) costs a bounded number of reads. */
	if (a->names_stale && a->conn && now - a->names_read_ms >= RELOAD_GAP_MS) {
		a->names_stale = 0;
		a->names_read_ms = now;
		if (read_names(a) < 0)
			return; /* the connection was lost: lt_lost said why */
		/* A snapshot tells no change of the pins before it. */
		lt_sync_searches(a);
	}
	for (int i = 0; i < a->npanels && a->conn; i++) {
		struct lt_panel *p = a->panel[i];
		if (p->wants_reload && p->ops->reload && now - p->reloaded_ms >= RELOAD_GAP_MS) {
			p->wants_reload = 0;
			p->reloaded_ms = now;
			p->ops->reload(p, a);
		}
	}
}
