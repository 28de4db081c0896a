/* The agenda panel: the user's open calls, tasks and meetings up to the end
 * of today (in the reader's time zone), overdue ones first and marked,
 * read with the `agenda` request (docs/protocol.md, "agenda").
 *
 * Live: the watch's TOPIC_AGENDA tells of an activity put on the agenda or
 * falling due, and the lead topic of every other activity change (done,
 * removed, a lead handed over); the panel then reads the agenda again (the
 * server orders and filters it; the panel keeps no copy to patch). The
 * end of "today" moves at midnight: the panel reads again when the day
 * it read for is over. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "leadtop.h"

#define AGENDA_PANEL_LIMIT 200

struct agenda {
	Leadd__Response *r; /* the last agenda read (NULL: none yet) */
	int64_t until;      /* the end of the day it was read for (unix ms) */
	int64_t now;        /* the server's time `overdue` was judged at */
	int noverdue;
};

/* The end of today in the reader's time zone, as unix ms. */
static int64_t end_of_today(void)
{
	time_t t = time(NULL);
	struct tm tm;
	if (!localtime_r(&t, &tm))
		return ((int64_t)t / 86400 + 1) * 86400 * 1000;
	tm.tm_mday++;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1; /* mktime finds whether midnight is in summer time */
	return (int64_t)mktime(&tm) * 1000;
}

static const char *kind_word(Leadd__ActivityKind k)
{
	switch (k) {
	case LEADD__ACTIVITY_KIND__ACTIVITY_CALL:
		return "call";
	case LEADD__ACTIVITY_KIND__ACTIVITY_TASK:
		return "task";
	case LEADD__ACTIVITY_KIND__ACTIVITY_MEETING:
		return "meeting";
	case LEADD__ACTIVITY_KIND__ACTIVITY_NOTE:
		return "note";
	default:
		return "activity";
	}
}

static size_t nitems(const struct agenda *g)
{
	return g->r && g->r->agenda ? g->r->agenda->n_items : 0;
}

static const Leadd__Activity *item(const struct agenda *g, int i)
{
	return g->r->agenda->items[i];
}

/* "09:00" today, "12-04 09:00" another day: the reader's time zone. */
static void when(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000), now = time(NULL);
	struct tm tm, today;
	if (!localtime_r(&t, &tm) || !localtime_r(&now, &today) ||
	    !strftime(buf, len,
		      tm.tm_year == today.tm_year && tm.tm_yday == today.tm_yday ? "%H:%M"
										 : "%m-%d %H:%M",
		      &tm))
		snprintf(buf, len, "--:--");
}

/* What the row says after its time: "task 81.3 Acme roof: send the quote",
 * "call 81.4 Acme roof: with Ana". */
static void what(const Leadd__Activity *a, char *buf, size_t len)
{
	const char *title = a->title && *a->title ? a->title : NULL;
	const char *who = a->contact && *a->contact ? a->contact : NULL;
	int n = snprintf(buf, len, "%s %llu.%u %s", kind_word(a->kind),
			 (unsigned long long)a->lead_id, a->number,
			 a->lead_title ? a->lead_title : "");
	size_t used = n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
	if (title)
		used += (size_t)snprintf(buf + used, len - used, ": %s", title);
	if (who && used < len)
		snprintf(buf + used, len - used, "%s with %s", title ? "" : ":", who);
}

/* The item index of shown row i after the panel's filter; i < 0: how many
 * rows are shown. */
static int visible(struct lt_panel *p, int i)
{
	struct agenda *g = p->state;
	char text[LT_LINE_MAX];
	int seen = 0;
	for (size_t k = 0; k < nitems(g); k++) {
		what(item(g, (int)k), text, sizeof(text));
		if (!lt_filter_match(p, text))
			continue;
		if (seen++ == i)
			return (int)k;
	}
	return i < 0 ? seen : -1;
}

static void agenda_reload(struct lt_panel *p, struct lt_app *a)
{
	struct agenda *g = p->state;
	Leadd__AgendaRequest ar = LEADD__AGENDA_REQUEST__INIT;
	int64_t until = end_of_today();
	ar.has_to = 1;
	ar.to = until;
	ar.has_limit = 1;
	ar.limit = AGENDA_PANEL_LIMIT;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_AGENDA;
	req.agenda = &ar;
	Leadd__Response *r = lt_call(a, &req);
	if (!r)
		return;
	if (lt_check(a, r, LEADD__RESPONSE__BODY_AGENDA, p->error, sizeof(p->error))) {
		leadd__response__free_unpacked(r, NULL);
		return;
	}
	p->error[0] = '\0';
	/* Keep the same item selected when the list moves under it. */
	uint64_t sel_lead = 0;
	uint32_t sel_num = 0;
	int k = g->r ? visible(p, p->sel) : -1;
	if (k >= 0) {
		sel_lead = item(g, k)->lead_id;
		sel_num = item(g, k)->number;
	}
	if (g->r)
		leadd__response__free_unpacked(g->r, NULL);
	g->r = r;
	g->until = until;
	g->now = r->agenda->now;
	g->noverdue = 0;
	for (size_t i = 0; i < nitems(g); i++)
		g->noverdue += item(g, (int)i)->overdue;
	int n = visible(p, -1);
	for (int i = 0; sel_lead && i < n; i++) {
		const Leadd__Activity *it = item(g, visible(p, i));
		if (it->lead_id == sel_lead && it->number == sel_num)
			p->sel = i;
	}
	if (p->sel >= n)
		p->sel = n ? n - 1 : 0;
}

static void agenda_event(struct lt_panel *p, struct lt_app *a, const Leadd__Event *ev)
{
	(void)a;
	switch (ev->kind) {
	case LEADD__EVENT_KIND__EVENT_ACTIVITY:
	case LEADD__EVENT_KIND__EVENT_SNAPSHOT:
		p->wants_reload = 1;
		break;
	case LEADD__EVENT_KIND__EVENT_LEAD:
	case LEADD__EVENT_KIND__EVENT_ENTER:
	case LEADD__EVENT_KIND__EVENT_LEAVE:
		/* Done, removed, closed, handed over with its lead, or a lead
		 * retitled: the agenda topic says only what comes onto it. */
		if (ev->change == LEADD__LEAD_CHANGE_KIND__LEAD_CHANGE_ACTIVITY ||
		    ev->change == LEADD__LEAD_CHANGE_KIND__LEAD_CHANGE_DUE ||
		    ev->change == LEADD__LEAD_CHANGE_KIND__LEAD_CHANGE_ASSIGN ||
		    ev->change == LEADD__LEAD_CHANGE_KIND__LEAD_CHANGE_STATUS ||
		    ev->change == LEADD__LEAD_CHANGE_KIND__LEAD_CHANGE_UPDATE)
			p->wants_reload = 1;
		break;
	default:
		break;
	}
}

static void agenda_title(struct lt_panel *p, char *buf, size_t len)
{
	struct agenda *g = p->state;
	/* Past midnight: today is another day (read at the next turn). */
	if (g->r && time(NULL) * (int64_t)1000 >= g->until)
		p->wants_reload = 1;
	if (!g->r)
		snprintf(buf, len, "agenda");
	else if (g->noverdue)
		snprintf(buf, len, "agenda today (%zu, %d overdue)", nitems(g), g->noverdue);
	else
		snprintf(buf, len, "agenda today (%zu)", nitems(g));
}

static int agenda_nheader(struct lt_panel *p)
{
	(void)p;
	return 0;
}

static int agenda_nrows(struct lt_panel *p)
{
	return visible(p, -1);
}

static void agenda_row(struct lt_panel *p, struct lt_app *a, int i, int width, struct lt_line *out)
{
	(void)a;
	struct agenda *g = p->state;
	lt_line_clear(out, LT_A_NORMAL);
	int k = visible(p, i);
	if (k < 0)
		return;
	const Leadd__Activity *it = item(g, k);
	char t[32], text[LT_LINE_MAX];
	when(it->at, t, sizeof(t));
	what(it, text, sizeof(text));
	/* Overdue: a mark that reads without colour too. */
	lt_line_add(out, it->overdue ? "! " : "  ", 2, 0, it->overdue ? LT_A_ERROR : LT_A_NORMAL);
	lt_line_add(out, t, 11, 0, it->overdue ? LT_A_ERROR : LT_A_NORMAL);
	lt_line_add(out, " ", 1, 0, LT_A_NORMAL);
	lt_line_add(out, text, width > 14 ? width - 14 : 0, 0, LT_A_NORMAL);
}

static cJSON *agenda_json(struct lt_panel *p, struct lt_app *a)
{
	(void)a;
	struct agenda *g = p->state;
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < nitems(g); i++) {
		const Leadd__Activity *it = item(g, (int)i);
		char id[48];
		snprintf(id, sizeof(id), "%llu.%u", (unsigned long long)it->lead_id, it->number);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", id);
		cJSON_AddItemToObject(o, "lead", lead_json_id(it->lead_id));
		cJSON_AddStringToObject(o, "kind", kind_word(it->kind));
		cJSON_AddItemToObject(o, "title", lead_json_string(it->title));
		cJSON_AddItemToObject(o, "contact", lead_json_string(it->contact));
		cJSON_AddItemToObject(o, "at", lead_json_time(it->at));
		cJSON_AddBoolToObject(o, "overdue", it->overdue);
		cJSON_AddItemToObject(o, "lead_title", lead_json_string(it->lead_title));
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

static void agenda_destroy(struct lt_panel *p)
{
	struct agenda *g = p->state;
	if (g->r)
		leadd__response__free_unpacked(g->r, NULL);
	free(g);
	free(p);
}

static const struct lt_panel_ops agenda_ops = {
	.kind = "agenda",
	.title = agenda_title,
	.nheader = agenda_nheader,
	.nrows = agenda_nrows,
	.row = agenda_row,
	.reload = agenda_reload,
	.event = agenda_event,
	.json = agenda_json,
	.destroy = agenda_destroy,
};

struct lt_panel *lt_agenda_panel(void)
{
	struct lt_panel *p = calloc(1, sizeof(*p));
	struct agenda *g = calloc(1, sizeof(*g));
	if (!p || !g) {
		free(p);
		free(g);
		return NULL;
	}
	p->ops = &agenda_ops;
	p->state = g;
	return p;
}

uint64_t lt_agenda_lead_id(struct lt_panel *p, int i)
{
	if (p->ops != &agenda_ops || !((struct agenda *)p->state)->r)
		return 0;
	int k = visible(p, i);
	return k >= 0 ? item(p->state, k)->lead_id : 0;
}
