/* The watch loop `lead watch` and `lead kpi --watch` share: send a
 * WatchRequest, then hand each pushed Event to the command, in order, until
 * SIGINT/SIGTERM (exit 0), the watch ends, or the connection is lost.
 *
 * Events are queued by the connection's callback and handled from the loop,
 * never from inside the callback: a handler may then make requests of its
 * own on the same connection (lead_statuses after a status it does not
 * know) while further events wait in the queue. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lead.h"
#include "lead_opp.h"

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

struct queued {
	Leadd__Event *ev;
	struct queued *next;
};

struct event_queue {
	struct queued *head, *tail;
	int out_of_memory;
};

static void queue_event(void *arg, Leadd__Event *ev)
{
	struct event_queue *q = arg;
	struct queued *e = malloc(sizeof(*e));
	if (!e) {
		/* Dropping one event silently would break the promise of
		 * exactly the changes: stop the watch instead. */
		q->out_of_memory = 1;
		leadd__event__free_unpacked(ev, NULL);
		return;
	}
	e->ev = ev;
	e->next = NULL;
	if (q->tail)
		q->tail->next = e;
	else
		q->head = e;
	q->tail = e;
}

static void queue_free(struct event_queue *q)
{
	while (q->head) {
		struct queued *e = q->head;
		q->head = e->next;
		leadd__event__free_unpacked(e->ev, NULL);
		free(e);
	}
	q->tail = NULL;
}

/* Each queued event to the handler; 0, or the handler's exit status. */
static int deliver(struct lead_watch *w, struct lead_ctx *ctx, struct event_queue *q)
{
	while (q->head) {
		struct queued *e = q->head;
		q->head = e->next;
		if (!q->head)
			q->tail = NULL;
		int rc = w->on_event(w, ctx, e->ev);
		if (e->ev->has_revision && e->ev->revision > w->last_revision)
			w->last_revision = e->ev->revision;
		leadd__event__free_unpacked(e->ev, NULL);
		free(e);
		/* Line-buffered, but a table is many lines: the reader gets
		 * each event's output whole and at once. */
		if (fflush(stdout) != 0 || ferror(stdout))
			return lead_fail(ctx, LD_UNKNOWN, "cannot write the output: %s",
					 strerror(errno));
		if (rc)
			return rc;
	}
	if (q->out_of_memory)
		return lead_fail(ctx, LD_UNKNOWN,
				 "out of memory: the watch stopped after revision %llu",
				 (unsigned long long)w->last_revision);
	return 0;
}

int lead_watch_run(struct lead_ctx *ctx, struct lead_watch *w)
{
	/* A pipe sees each line as it is printed. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	int rc = lead_connect(ctx);
	if (rc)
		return rc;

	/* SIGINT and SIGTERM stay blocked but while the loop waits in ppoll:
	 * a signal arriving between the flag's check and the wait is not
	 * lost, and output is never cut half-way through a line. */
	sigset_t stop_set, wait_mask;
	sigemptyset(&stop_set);
	sigaddset(&stop_set, SIGINT);
	sigaddset(&stop_set, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop_set, &wait_mask);
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGTERM);
	struct sigaction sa = {.sa_handler = on_stop};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	struct event_queue q = {0};
	ld_conn_set_event_cb(ctx->conn, queue_event, &q);

	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_WATCH;
	req.watch = &w->req;
	Leadd__Response *resp = NULL;
	if ((rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_WATCH, &resp)))
		goto out;
	w->revision = resp->watch->revision;
	w->replaying = resp->watch->has_replaying && resp->watch->replaying;
	w->replay_to = resp->watch->replay_to;
	leadd__response__free_unpacked(resp, NULL);
	if (w->on_started && (rc = w->on_started(w, ctx)))
		goto out;
	/* A line-buffered write that failed leaves only the error flag. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		rc = lead_fail(ctx, LD_UNKNOWN, "cannot write the output: %s", strerror(errno));
		goto out;
	}

	int fd = ld_conn_fd(ctx->conn);
	ld_conn_keepalive(ctx->conn);
	for (;;) {
		if ((rc = deliver(w, ctx, &q)))
			goto out;
		if (stop_signal)
			break;
		/* Our own stdout too (no events asked: only its error and
		 * hangup): a pipe whose reader went away (`lead watch | head
		 * -n 1`) would otherwise be noticed only at the next event's
		 * write, which on a quiet server never comes. */
		struct pollfd pfds[2] = {{.fd = fd, .events = POLLIN},
					 {.fd = STDOUT_FILENO, .events = 0}};
		struct pollfd *pfd = &pfds[0];
		if (ld_conn_want_write(ctx->conn))
			pfd->events |= POLLOUT;
		int n = ppoll(pfds, 2, NULL, &wait_mask);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = lead_fail(ctx, LD_UNKNOWN, "cannot wait for events: %s",
				       strerror(errno));
			goto out;
		}
		if (pfds[1].revents & (POLLERR | POLLHUP)) {
			/* As a write to it would end us: by SIGPIPE, the way
			 * every command in a pipeline ends when its reader has
			 * gone. */
			signal(SIGPIPE, SIG_DFL);
			raise(SIGPIPE);
			rc = lead_fail(ctx, LD_UNKNOWN, "the output was closed");
			goto out;
		}
		if (ld_conn_process(ctx->conn, pfd->revents) < 0) {
			/* What arrived before the close was sent: print it first. */
			if ((rc = deliver(w, ctx, &q)))
				goto out;
			rc = w->on_lost(w, ctx, ld_conn_error(ctx->conn));
			goto out;
		}
	}
	rc = 0;
out:
	ld_conn_set_event_cb(ctx->conn, NULL, NULL);
	queue_free(&q);
	return rc;
}

uint64_t lead_watch_resume_from(const struct lead_watch *w)
{
	if (w->last_revision)
		return w->last_revision;
	/* No event yet: nothing after where the watch was asked to start. */
	if (w->req.has_since_revision)
		return w->req.since_revision;
	return w->revision;
}

void lead_watch_time(int64_t unix_ms, char *buf, size_t len)
{
	time_t t = (time_t)(unix_ms / 1000), now = time(NULL);
	struct tm tm, today;
	if (unix_ms <= 0 || !localtime_r(&t, &tm) || !localtime_r(&now, &today)) {
		snprintf(buf, len, "--:--");
		return;
	}
	/* A replayed change of another day carries its date. */
	int same_day = tm.tm_year == today.tm_year && tm.tm_yday == today.tm_yday;
	if (!strftime(buf, len, same_day ? "%H:%M" : "%Y-%m-%d %H:%M", &tm))
		snprintf(buf, len, "--:--");
}

void lead_watch_zone(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;
	if (!localtime_r(&now, &tm) || !strftime(buf, len, "%Z", &tm))
		snprintf(buf, len, "local time");
}

/* A name from an event: "" (a pool, or leadd itself) reads as `none`. */
static const char *name_or(const char *s, const char *none)
{
	return s && *s ? s : none;
}

/* "on stand-by until 2026-12-12 09:00", or "off stand-by" (by hand). A
 * leave carries no lead: which way it went is not known here. */
static void standby_text(const Leadd__Event *ev, char *what, size_t len)
{
	if (!ev->lead) {
		snprintf(what, len, "stand-by changed");
		return;
	}
	if (ev->lead->standby_until <= 0) {
		snprintf(what, len, "off stand-by");
		return;
	}
	char until[32];
	lead_watch_time(ev->lead->standby_until, until, sizeof(until));
	snprintf(what, len, "on stand-by until %s", until);
}

/* A renewal is two changes in one transaction: the new lead's creation,
 * then, at the next revision, the origin's list of renewals gaining it,
 * which alone would read "edited". The last renewal created is kept so
 * that the origin's change says "renewed as lead N". */
static struct {
	uint64_t origin, renewal, revision;
} last_renewal;

static void renewal_seen(const Leadd__Event *ev)
{
	last_renewal.origin = ev->lead->renewed_from;
	last_renewal.renewal = ev->lead_id;
	last_renewal.revision = ev->revision;
}

/* The renewal whose creation just came before this change of its origin
 * (0 for any other change). */
static uint64_t renewal_of(const Leadd__Event *ev)
{
	if (!last_renewal.origin || ev->lead_id != last_renewal.origin ||
	    ev->revision != last_renewal.revision + 1 || !ev->lead || !ev->lead->n_renewals ||
	    ev->lead->renewals[ev->lead->n_renewals - 1] != last_renewal.renewal)
		return 0;
	return last_renewal.renewal;
}

void lead_watch_describe(const Leadd__Event *ev, const char *search, char *buf, size_t len)
{
	char when[32], what[512] = "";
	lead_watch_time(ev->has_at ? ev->at : 0, when, sizeof(when));
	const char *author = name_or(ev->author, "leadd");
	const char *old_st = name_or(ev->old_status, "?"), *new_st = name_or(ev->new_status, "?");
	const char *old_ow = name_or(ev->old_owner, "pool"),
		   *new_ow = name_or(ev->new_owner, "pool");
	/* The server names the state before a change only to who could see
	 * it then, and the state after only to who can see it now (a status
	 * name is never empty otherwise): an empty side is unknown, not a pool. */
	int before_hidden = !(ev->old_status && *ev->old_status) &&
			    ev->change != LEADD__LEAD_CHANGE_KIND__LEAD_CHANGE_CREATE;
	int after_hidden = !(ev->new_status && *ev->new_status);
	char view[320] = "";
	if (ev->kind == LEADD__EVENT_KIND__EVENT_ENTER &&
	    ev->change != LEADD__LEAD_CHANGE_KIND__LEAD_CHANGE_CREATE) {
		if (search)
			snprintf(view, sizeof(view), ", now matches '%s'", search);
		else
			snprintf(view, sizeof(view), ", now in view");
	} else if (ev->kind == LEADD__EVENT_KIND__EVENT_LEAVE && !after_hidden) {
		if (search)
			snprintf(view, sizeof(view), ", no longer matches '%s'", search);
		else
			snprintf(view, sizeof(view), ", out of view");
	} else if (ev->kind == LEADD__EVENT_KIND__EVENT_ENTER && search) {
		snprintf(view, sizeof(view), ", matches '%s'", search);
	}
	switch (before_hidden || after_hidden ? -1 : (int)ev->change) {
	case -1:
		if (after_hidden)
			snprintf(what, sizeof(what), "moved out of your view");
		else if (ev->change == LEADD__LEAD_CHANGE_KIND__LEAD_CHANGE_ASSIGN)
			snprintf(what, sizeof(what), "owner now %s", new_ow);
		else
			snprintf(what, sizeof(what), "now %s", new_st);
		break;
	case LEADD__LEAD_CHANGE_KIND__LEAD_CHANGE_CREATE: {
		/* A renewal says so, and which lead it renews. */
		char as[64] = "";
		if (ev->lead && ev->lead->renewed_from) {
			snprintf(as, sizeof(as), " as a renewal of lead %llu",
				 (unsigned long long)ev->lead->renewed_from);
			renewal_seen(ev);
		}
		if (ev->new_owner && *ev->new_owner)
			snprintf(what, sizeof(what), "created%s: %s, owner %s", as, new_st, new_ow);
		else
			snprintf(what, sizeof(what), "created%s: %s, in the pool", as, new_st);
		break;
	}
	case LEADD__LEAD_CHANGE_KIND__LEAD_CHANGE_STATUS:
		snprintf(what, sizeof(what), "%s -> %s", old_st, new_st);
		break;
	case LEADD__LEAD_CHANGE_KIND__LEAD_CHANGE_ASSIGN:
		snprintf(what, sizeof(what), "owner %s -> %s", old_ow, new_ow);
		break;
	case LEADD__LEAD_CHANGE_KIND__LEAD_CHANGE_STANDBY:
		standby_text(ev, what, sizeof(what));
		break;
	case LEADD__LEAD_CHANGE_KIND__LEAD_CHANGE_WAKE:
		/* The words: "lead 42 is back from stand-by"; with a
		 * search, that it matches it again. */
		snprintf(buf, len, "%s %s: lead %llu is back from stand-by%s%s%s%s (rev %llu)",
			 when, author, (unsigned long long)ev->lead_id,
			 ev->lead && ev->lead->title ? ": '" : "",
			 ev->lead && ev->lead->title ? ev->lead->title : "",
			 ev->lead && ev->lead->title ? "'" : "", search ? view : "",
			 (unsigned long long)ev->revision);
		return;
	case LEADD__LEAD_CHANGE_KIND__LEAD_CHANGE_ARCHIVE:
		snprintf(what, sizeof(what), "archived");
		break;
	case LEADD__LEAD_CHANGE_KIND__LEAD_CHANGE_RESTORE:
		snprintf(what, sizeof(what), "restored");
		break;
	case LEADD__LEAD_CHANGE_KIND__LEAD_CHANGE_ACTIVITY:
	case LEADD__LEAD_CHANGE_KIND__LEAD_CHANGE_DUE: {
		char act[400];
		lead_watch_activity_name(ev->activity, act, sizeof(act));
		if (ev->change == LEADD__LEAD_CHANGE_KIND__LEAD_CHANGE_DUE)
			snprintf(what, sizeof(what), "%s is due", act);
		else
			snprintf(what, sizeof(what), "%s %s", act,
				 name_or(ev->activity_op, "changed"));
		break;
	}
	case LEADD__LEAD_CHANGE_KIND__LEAD_CHANGE_OPPORTUNITY: {
		/* "opportunity 7 'Roof', 12000.00 EUR added", and the lead's
		 * move when it moved with it (a conversion, won, lost). */
		char opp[400] = "an opportunity";
		const char *op = name_or(ev->opp_op, "changed");
		if (ev->opportunity) {
			lead_opp_sentence(ev->opportunity, opp, sizeof(opp));
			/* A won or lost one's sentence says so ("won 2026-12-05"):
			 * the operation is not said twice. */
			if (strcmp(op, lead_opp_state_name(ev->opportunity->state)) == 0)
				op = "";
		}
		int moved = strcmp(old_st, new_st) != 0;
		snprintf(what, sizeof(what), "%s%s%s%s%s%s%s", opp, *op ? " " : "", op,
			 moved ? "; " : "", moved ? old_st : "", moved ? " -> " : "",
			 moved ? new_st : "");
		break;
	}
	default:
		if (renewal_of(ev))
			snprintf(what, sizeof(what), "renewed as lead %llu",
				 (unsigned long long)renewal_of(ev));
		else
			snprintf(what, sizeof(what), "edited");
		break;
	}
	char title[320] = "";
	if (ev->lead && ev->lead->title && *ev->lead->title)
		snprintf(title, sizeof(title), " '%s'", ev->lead->title);
	snprintf(buf, len, "%s %s: lead %llu%s %s%s (rev %llu)", when, author,
		 (unsigned long long)ev->lead_id, title, what, view,
		 (unsigned long long)ev->revision);
}

/* What an activity is called in a line: its kind, LEAD.N and title (or
 * who a call is with): "task 81.3 'send the quote'". */
void lead_watch_activity_name(const Leadd__Activity *a, char *buf, size_t len)
{
	if (!a) {
		snprintf(buf, len, "an activity");
		return;
	}
	const char *kind = a->kind == LEADD__ACTIVITY_KIND__ACTIVITY_NOTE      ? "note"
			   : a->kind == LEADD__ACTIVITY_KIND__ACTIVITY_CALL    ? "call"
			   : a->kind == LEADD__ACTIVITY_KIND__ACTIVITY_MEETING ? "meeting"
			   : a->kind == LEADD__ACTIVITY_KIND__ACTIVITY_TASK    ? "task"
									       : "activity";
	if (a->title && *a->title)
		snprintf(buf, len, "%s %llu.%u '%s'", kind, (unsigned long long)a->lead_id,
			 a->number, a->title);
	else if (a->contact && *a->contact)
		snprintf(buf, len, "%s %llu.%u with %s", kind, (unsigned long long)a->lead_id,
			 a->number, a->contact);
	else
		snprintf(buf, len, "%s %llu.%u", kind, (unsigned long long)a->lead_id, a->number);
}

void lead_watch_describe_agenda(const Leadd__Event *ev, char *buf, size_t len)
{
	char when[32], due[32], act[400], lead[320];
	lead_watch_time(ev->has_at ? ev->at : 0, when, sizeof(when));
	const Leadd__Activity *a = ev->activity;
	lead_watch_time(a && a->has_at ? a->at : 0, due, sizeof(due));
	lead_watch_activity_name(a, act, sizeof(act));
	if (a && a->lead_title && *a->lead_title)
		snprintf(lead, sizeof(lead), "lead %llu '%s'", (unsigned long long)ev->lead_id,
			 a->lead_title);
	else
		snprintf(lead, sizeof(lead), "lead %llu", (unsigned long long)ev->lead_id);
	const char *at_word = a && a->kind == LEADD__ACTIVITY_KIND__ACTIVITY_TASK ? "due" : "at";
	const char *op = name_or(ev->activity_op, "");
	if (ev->change == LEADD__LEAD_CHANGE_KIND__LEAD_CHANGE_DUE || strcmp(op, "due") == 0)
		snprintf(buf, len, "%s %s: due now: %s on %s (%s %s) (rev %llu)", when,
			 name_or(ev->author, "leadd"), act, lead, at_word, due,
			 (unsigned long long)ev->revision);
	else
		snprintf(buf, len, "%s %s: %s: %s on %s, %s %s (rev %llu)", when,
			 name_or(ev->author, "leadd"),
			 strcmp(op, "added") == 0 ? "on your agenda" : "given to you", act, lead,
			 at_word, due, (unsigned long long)ev->revision);
}

const char *lead_watch_kind_name(int kind)
{
	static const char *const names[] = {"unknown", "lead",     "enter",    "leave",
					    "kpi",     "assigned", "snapshot", "caught_up",
					    "ended",   "activity"};
	return kind >= 0 && kind < (int)(sizeof(names) / sizeof(names[0])) ? names[kind]
									   : "unknown";
}

const char *lead_watch_change_name(int change)
{
	static const char *const names[] = {NULL,      "create",   "update", "status",
					    "assign",  "standby",  "wake",   "archive",
					    "restore", "activity", "due",    "opportunity"};
	return change > 0 && change < (int)(sizeof(names) / sizeof(names[0])) ? names[change]
									      : NULL;
}
