/* The feed panel: the latest changes, newest first, one line each
 * ("14:02 sofia: lead 81 -> lead-Qualified"), in the reader's time zone.
 * One line per change: a change may come as several events (one per
 * topic), all with its revision, so a revision already shown is skipped. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "leadtop.h"

#define FEED_MAX 200

struct entry {
	uint64_t revision, lead_id;
	int64_t at;
	char text[320];
};

struct feed {
	struct entry e[FEED_MAX]; /* a ring: newest at (head - 1) */
	int head, n;
	uint64_t last;
};

static const struct entry *nth_newest(const struct feed *f, int i)
{
	return &f->e[((f->head - 1 - i) % FEED_MAX + FEED_MAX) % FEED_MAX];
}

static void describe(struct lt_app *a, const Leadd__Event *ev, char *buf, size_t len)
{
	char hhmm[16] = "--:--";
	time_t t = ev->at ? (time_t)(ev->at / 1000) : time(NULL);
	struct tm tm;
	if (localtime_r(&t, &tm))
		strftime(hhmm, sizeof(hhmm), "%H:%M", &tm);
	const char *who = ev->author && *ev->author ? ev->author : "leadd";
	unsigned long long id = (unsigned long long)ev->lead_id;
	if (ev->kind == LEADD__EVENT_KIND__EVENT_LEAVE) {
		/* Nothing of where it went: it is no longer mine to see. */
		snprintf(buf, len, "%s %s: lead %llu left your view", hhmm, who, id);
		return;
	}
	switch (ev->change) {
	case LEADD__LEAD_CHANGE_KIND__LEAD_CHANGE_STATUS:
		snprintf(buf, len, "%s %s: lead %llu -> %s", hhmm, who, id,
			 ev->new_status && *ev->new_status ? ev->new_status : "?");
		break;
	case LEADD__LEAD_CHANGE_KIND__LEAD_CHANGE_ASSIGN: {
		/* The new owner from the lead itself (owner 0: its team's pool).
		 * An empty old owner is a pool or someone you may not see: the
		 * event cannot tell which, so nothing is said of it. */
		char ow[128], was[200] = "";
		const char *to;
		if (ev->lead && ev->lead->owner_id == 0)
			to = "the pool";
		else if (ev->new_owner && *ev->new_owner)
			to = ev->new_owner;
		else if (ev->lead)
			to = lt_owner_name(a, ev->lead->owner_id, ow, sizeof(ow));
		else
			to = "someone";
		if (ev->old_owner && *ev->old_owner)
			snprintf(was, sizeof(was), " (was %s)", ev->old_owner);
		snprintf(buf, len, "%s %s: lead %llu to %s%s", hhmm, who, id, to, was);
		break;
	}
	case LEADD__LEAD_CHANGE_KIND__LEAD_CHANGE_CREATE:
		if (ev->lead && ev->lead->renewed_from) {
			/* A renewal says which lead it renews. */
			snprintf(buf, len, "%s %s: lead %llu renews lead %llu%s%s%s", hhmm, who, id,
				 (unsigned long long)ev->lead->renewed_from,
				 ev->lead->title ? ": \"" : "",
				 ev->lead->title ? ev->lead->title : "",
				 ev->lead->title ? "\"" : "");
			break;
		}
		snprintf(buf, len, "%s %s: lead %llu added%s%s%s", hhmm, who, id,
			 ev->lead && ev->lead->title ? ": \"" : "",
			 ev->lead && ev->lead->title ? ev->lead->title : "",
			 ev->lead && ev->lead->title ? "\"" : "");
		break;
	case LEADD__LEAD_CHANGE_KIND__LEAD_CHANGE_WAKE:
		snprintf(buf, len, "%s %s: lead %llu is back from stand-by", hhmm, who, id);
		break;
	case LEADD__LEAD_CHANGE_KIND__LEAD_CHANGE_STANDBY:
		snprintf(buf, len, "%s %s: lead %llu %s", hhmm, who, id,
			 ev->lead && ev->lead->standby_until > 0 ? "on stand-by" : "off stand-by");
		break;
	case LEADD__LEAD_CHANGE_KIND__LEAD_CHANGE_ARCHIVE:
		snprintf(buf, len, "%s %s: lead %llu archived", hhmm, who, id);
		break;
	case LEADD__LEAD_CHANGE_KIND__LEAD_CHANGE_RESTORE:
		snprintf(buf, len, "%s %s: lead %llu restored", hhmm, who, id);
		break;
	case LEADD__LEAD_CHANGE_KIND__LEAD_CHANGE_ACTIVITY:
	case LEADD__LEAD_CHANGE_KIND__LEAD_CHANGE_DUE: {
		/* "task 81.3 'send the quote' done", "... is due". */
		char act[256];
		lead_watch_activity_name(ev->activity, act, sizeof(act));
		if (ev->change == LEADD__LEAD_CHANGE_KIND__LEAD_CHANGE_DUE)
			snprintf(buf, len, "%s %s: %s is due", hhmm, who, act);
		else
			snprintf(buf, len, "%s %s: %s %s", hhmm, who, act,
				 ev->activity_op && *ev->activity_op ? ev->activity_op : "changed");
		break;
	}
	case LEADD__LEAD_CHANGE_KIND__LEAD_CHANGE_OPPORTUNITY: {
		/* "opportunity 3 added on lead 2, 1500.00 EUR; lead -> prospect-Qualified":
		 * the lead's move, when it moved with it. */
		char amount[64] = "", moved[160] = "";
		const Leadd__Opportunity *o = ev->opportunity;
		if (o && o->amount)
			lead_format_value(o->amount, amount, sizeof(amount));
		if (ev->new_status && *ev->new_status &&
		    !(ev->old_status && strcmp(ev->old_status, ev->new_status) == 0))
			snprintf(moved, sizeof(moved), "; lead -> %s", ev->new_status);
		snprintf(buf, len, "%s %s: opportunity %llu %s on lead %llu%s%s%s", hhmm, who,
			 (unsigned long long)(o ? o->id : 0),
			 ev->opp_op && *ev->opp_op ? ev->opp_op : "changed", id,
			 *amount ? ", " : "", amount, moved);
		break;
	}
	default:
		snprintf(buf, len, "%s %s: lead %llu edited", hhmm, who, id);
		break;
	}
}

static void feed_event(struct lt_panel *p, struct lt_app *a, const Leadd__Event *ev)
{
	struct feed *f = p->state;
	switch (ev->kind) {
	case LEADD__EVENT_KIND__EVENT_SNAPSHOT:
		/* Starting over at its revision (perhaps below the last one seen,
		 * after a restore): changes above it are new. */
		f->last = ev->revision;
		return;
	/* The lead topic's events only: every change to a lead I see (before
	 * or after it) comes as one, and a KPI event of the same revision adds
	 * nothing to say. */
	case LEADD__EVENT_KIND__EVENT_LEAD:
	case LEADD__EVENT_KIND__EVENT_ENTER:
	case LEADD__EVENT_KIND__EVENT_LEAVE:
		break;
	default:
		return;
	}
	if (ev->revision <= f->last || !ev->lead_id)
		return;
	f->last = ev->revision;
	struct entry *e = &f->e[f->head];
	e->revision = ev->revision;
	e->lead_id = ev->lead_id;
	e->at = ev->at;
	describe(a, ev, e->text, sizeof(e->text));
	f->head = (f->head + 1) % FEED_MAX;
	if (f->n < FEED_MAX)
		f->n++;
	/* The selection stays on the line it was on as new lines come on top. */
	if (p->sel > 0 && p->sel + 1 < f->n)
		p->sel++;
}

/* A fresh read of everything (the start, a start over): the watch goes on
 * from a new revision, and every change after it is new to the feed. */
static void feed_reload(struct lt_panel *p, struct lt_app *a)
{
	(void)a;
	((struct feed *)p->state)->last = 0;
}

static void feed_title(struct lt_panel *p, char *buf, size_t len)
{
	struct feed *f = p->state;
	if (f->n)
		snprintf(buf, len, "latest changes (%d)", f->n);
	else
		snprintf(buf, len, "latest changes (none since the dashboard opened)");
}

static int feed_nheader(struct lt_panel *p)
{
	(void)p;
	return 0;
}

static int visible(struct lt_panel *p, int i)
{
	struct feed *f = p->state;
	int seen = 0;
	for (int k = 0; k < f->n; k++) {
		if (!lt_filter_match(p, nth_newest(f, k)->text))
			continue;
		if (seen++ == i)
			return k;
	}
	return i < 0 ? seen : -1;
}

static int feed_nrows(struct lt_panel *p)
{
	return visible(p, -1);
}

static void feed_row(struct lt_panel *p, struct lt_app *a, int i, int width, struct lt_line *out)
{
	(void)a;
	lt_line_clear(out, LT_A_NORMAL);
	int k = visible(p, i);
	if (k >= 0)
		lt_line_add(out, nth_newest(p->state, k)->text, width, 0, LT_A_NORMAL);
}

static cJSON *feed_json(struct lt_panel *p, struct lt_app *a)
{
	(void)a;
	struct feed *f = p->state;
	cJSON *arr = cJSON_CreateArray();
	for (int k = 0; k < f->n; k++) {
		const struct entry *e = nth_newest(f, k);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "revision", lead_json_uint(e->revision));
		cJSON_AddItemToObject(o, "lead", lead_json_id(e->lead_id));
		cJSON_AddItemToObject(o, "at", lead_json_time(e->at));
		cJSON_AddItemToObject(o, "text", lead_json_string(e->text));
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

static void feed_destroy(struct lt_panel *p)
{
	free(p->state);
	free(p);
}

static const struct lt_panel_ops feed_ops = {
	.kind = "feed",
	.title = feed_title,
	.nheader = feed_nheader,
	.nrows = feed_nrows,
	.row = feed_row,
	.reload = feed_reload,
	.event = feed_event,
	.json = feed_json,
	.destroy = feed_destroy,
};

struct lt_panel *lt_feed_panel(void)
{
	struct lt_panel *p = calloc(1, sizeof(*p));
	struct feed *f = calloc(1, sizeof(*f));
	if (!p || !f) {
		free(p);
		free(f);
		return NULL;
	}
	p->ops = &feed_ops;
	p->state = f;
	return p;
}
