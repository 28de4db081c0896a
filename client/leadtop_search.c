/* A search panel: one pinned saved search's leads, as `lead search run`
 * lists them (lead_list with saved_search), kept live by reading the list
 * again after a lead event it does not hold yet.
 *
 * Why read again rather than patch the list: only the server reads a
 * filter (no business rule in a client), so only it can say whether a
 * changed lead now matches, and where the search's order puts it. The one
 * watch of the dashboard (all leads I may see, leadtop_conn.c) tells every
 * search panel that something changed; a list whose revision already
 * holds the event's revision is not read again (docs/protocol.md section 6,
 * "skip lead events whose revision is not above LeadListReply.revision").
 * A burst of events costs one read per panel: reads wait for the end of
 * what the socket holds. */
#include <stdlib.h>
#include <string.h>

#include "leadtop.h"

#define SEARCH_LIMIT 200

struct search {
	char name[256];
	Leadd__Response *list;
	uint64_t revision;
	int *shown; /* indexes of the leads the filter lets through */
	int nshown;
	int status_w; /* the longest status name's width (at most STATUS_W_MAX) */
};

#define STATUS_W_MAX 20

static const Leadd__Lead *lead_at(const struct search *s, size_t i)
{
	return s->list->lead_list->leads[i];
}

static size_t nleads(const struct search *s)
{
	return s->list && s->list->lead_list ? s->list->lead_list->n_leads : 0;
}

static const Leadd__Contact *main_contact(const Leadd__Lead *l)
{
	return l->n_contacts ? l->contacts[0] : NULL;
}

/* The text of a lead the filter looks in: what its row shows. */
static void row_text(struct lt_app *a, const Leadd__Lead *l, char *buf, size_t len)
{
	char st[128], ow[128];
	const Leadd__Contact *c = main_contact(l);
	snprintf(buf, len, "%llu %s %s %s %s %s %s", (unsigned long long)l->id,
		 l->title ? l->title : "", l->client_name ? l->client_name : "",
		 lt_status_name(a, l->status_id, st, sizeof(st)),
		 lt_owner_name(a, l->owner_id, ow, sizeof(ow)), c && c->phone ? c->phone : "",
		 c && c->email ? c->email : "");
}

static void refilter(struct lt_panel *p, struct lt_app *a)
{
	struct search *s = p->state;
	free(s->shown);
	s->nshown = 0;
	s->shown = calloc(nleads(s) + 1, sizeof(*s->shown));
	if (!s->shown)
		return;
	char text[2048];
	for (size_t i = 0; i < nleads(s); i++) {
		row_text(a, lead_at(s, i), text, sizeof(text));
		if (lt_filter_match(p, text))
			s->shown[s->nshown++] = (int)i;
	}
}

static void search_reload(struct lt_panel *p, struct lt_app *a)
{
	struct search *s = p->state;
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__LeadListRequest lr = LEADD__LEAD_LIST_REQUEST__INIT;
	lr.has_limit = 1;
	lr.limit = SEARCH_LIMIT;
	lr.saved_search = s->name;
	req.body_case = LEADD__REQUEST__BODY_LEAD_LIST;
	req.lead_list = &lr;
	Leadd__Response *r = lt_call(a, &req);
	if (!r)
		return;
	if (lt_check(a, r, LEADD__RESPONSE__BODY_LEAD_LIST, p->error, sizeof(p->error))) {
		/* Removed or renamed meanwhile: read the pinned searches again. */
		if (ld_response_code(r) == LD_NOT_FOUND)
			a->resync = 1;
		leadd__response__free_unpacked(r, NULL);
		return;
	}
	p->error[0] = '\0';
	s->status_w = 6;
	const Leadd__StatusListReply *sl = a->statuses ? a->statuses->status_list : NULL;
	for (size_t i = 0; sl && i < sl->n_statuses; i++) {
		int w = sl->statuses[i]->name ? (int)lt_width(sl->statuses[i]->name) : 0;
		if (w > s->status_w)
			s->status_w = w < STATUS_W_MAX ? w : STATUS_W_MAX;
	}
	/* Keep the same lead selected when the list moves under it. */
	uint64_t sel_id = 0;
	if (p->sel >= 0 && p->sel < s->nshown)
		sel_id = lead_at(s, (size_t)s->shown[p->sel])->id;
	if (s->list)
		leadd__response__free_unpacked(s->list, NULL);
	s->list = r;
	s->revision = r->lead_list->revision;
	refilter(p, a);
	for (int i = 0; sel_id && i < s->nshown; i++)
		if (lead_at(s, (size_t)s->shown[i])->id == sel_id)
			p->sel = i;
	if (p->sel >= s->nshown)
		p->sel = s->nshown ? s->nshown - 1 : 0;
}

static void search_event(struct lt_panel *p, struct lt_app *a, const Leadd__Event *ev)
{
	(void)a;
	struct search *s = p->state;
	switch (ev->kind) {
	case LEADD__EVENT_KIND__EVENT_LEAD:
	case LEADD__EVENT_KIND__EVENT_ENTER:
	case LEADD__EVENT_KIND__EVENT_LEAVE:
		if (ev->revision > s->revision)
			p->wants_reload = 1;
		break;
	case LEADD__EVENT_KIND__EVENT_SNAPSHOT:
	case LEADD__EVENT_KIND__EVENT_PINS: /* its filter may have been edited */
		p->wants_reload = 1;
		break;
	default:
		break;
	}
}

static void search_title(struct lt_panel *p, char *buf, size_t len)
{
	struct search *s = p->state;
	const char *more = s->list && s->list->lead_list->cursor ? "+" : "";
	if (p->filter[0])
		snprintf(buf, len, "search %s (%d of %zu%s, filter \"%s\")", s->name, s->nshown,
			 nleads(s), more, p->filter);
	else
		snprintf(buf, len, "search %s (%zu%s)", s->name, nleads(s), more);
}

/* Column widths for a width: CLIENT only where there is room for it. */
struct cols {
	int id, title, client, status, owner, phone, email;
};

static void layout(const struct search *s, int width, struct cols *c)
{
	c->id = 5, c->status = s->status_w ? s->status_w : 14, c->owner = 9, c->phone = 17;
	int rest = width - c->id - c->status - c->owner - c->phone - 6;
	if (width >= 110) {
		rest -= 1;
		c->client = rest / 4;
		rest -= c->client;
	} else {
		c->client = 0;
	}
	c->title = rest * 55 / 100;
	c->email = rest - c->title;
	if (c->title < 3)
		c->title = 3;
	if (c->email < 3)
		c->email = 3;
}

static int search_nheader(struct lt_panel *p)
{
	(void)p;
	return 1;
}

static void search_header(struct lt_panel *p, int i, int width, struct lt_line *out)
{
	(void)p, (void)i;
	struct cols c;
	layout(p->state, width, &c);
	lt_line_clear(out, LT_A_HEAD);
	lt_line_add(out, "ID", c.id, 1, LT_A_NORMAL);
	lt_line_add(out, " ", 1, 0, LT_A_NORMAL);
	lt_line_add(out, "TITLE", c.title, 0, LT_A_NORMAL);
	if (c.client) {
		lt_line_add(out, " ", 1, 0, LT_A_NORMAL);
		lt_line_add(out, "CLIENT", c.client, 0, LT_A_NORMAL);
	}
	lt_line_add(out, " ", 1, 0, LT_A_NORMAL);
	lt_line_add(out, "STATUS", c.status, 0, LT_A_NORMAL);
	lt_line_add(out, " ", 1, 0, LT_A_NORMAL);
	lt_line_add(out, "OWNER", c.owner, 0, LT_A_NORMAL);
	lt_line_add(out, " ", 1, 0, LT_A_NORMAL);
	lt_line_add(out, "PHONE", c.phone, 0, LT_A_NORMAL);
	lt_line_add(out, " ", 1, 0, LT_A_NORMAL);
	lt_line_add(out, "EMAIL", c.email, 0, LT_A_NORMAL);
}

static int search_nrows(struct lt_panel *p)
{
	return ((struct search *)p->state)->nshown;
}

static const Leadd__Lead *search_lead(struct lt_panel *p, int i)
{
	struct search *s = p->state;
	return i >= 0 && i < s->nshown ? lead_at(s, (size_t)s->shown[i]) : NULL;
}

static void search_row(struct lt_panel *p, struct lt_app *a, int i, int width, struct lt_line *out)
{
	const Leadd__Lead *l = search_lead(p, i);
	lt_line_clear(out, LT_A_NORMAL);
	if (!l)
		return;
	struct cols c;
	layout(p->state, width, &c);
	char id[32], st[128], ow[128];
	const Leadd__Contact *mc = main_contact(l);
	snprintf(id, sizeof(id), "%llu", (unsigned long long)l->id);
	lt_line_add(out, id, c.id, 1, LT_A_NORMAL);
	lt_line_add(out, " ", 1, 0, LT_A_NORMAL);
	lt_line_add(out, l->title, c.title, 0, LT_A_NORMAL);
	if (c.client) {
		lt_line_add(out, " ", 1, 0, LT_A_NORMAL);
		lt_line_add(out, l->client_name && *l->client_name ? l->client_name : "-", c.client,
			    0, LT_A_NORMAL);
	}
	lt_line_add(out, " ", 1, 0, LT_A_NORMAL);
	lt_line_add(out, lt_status_name(a, l->status_id, st, sizeof(st)), c.status, 0, LT_A_NORMAL);
	lt_line_add(out, " ", 1, 0, LT_A_NORMAL);
	lt_line_add(out, lt_owner_name(a, l->owner_id, ow, sizeof(ow)), c.owner, 0, LT_A_NORMAL);
	lt_line_add(out, " ", 1, 0, LT_A_NORMAL);
	lt_line_add(out, mc && mc->phone && *mc->phone ? mc->phone : "-", c.phone, 0, LT_A_NORMAL);
	lt_line_add(out, " ", 1, 0, LT_A_NORMAL);
	lt_line_add(out, mc && mc->email && *mc->email ? mc->email : "-", c.email, 0, LT_A_NORMAL);
}

static cJSON *search_json(struct lt_panel *p, struct lt_app *a)
{
	struct search *s = p->state;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "name", lead_json_string(s->name));
	if (p->error[0]) {
		cJSON_AddItemToObject(o, "error", lead_json_string(p->error));
		return o;
	}
	cJSON_AddItemToObject(o, "revision", lead_json_uint(s->revision));
	cJSON *leads = cJSON_AddArrayToObject(o, "leads");
	for (int i = 0; i < s->nshown; i++)
		cJSON_AddItemToArray(leads,
				     lead_json_lead(lead_at(s, (size_t)s->shown[i]),
						    a->statuses ? a->statuses->status_list : NULL,
						    &a->names));
	cJSON_AddBoolToObject(o, "more", s->list && s->list->lead_list->cursor != NULL);
	return o;
}

static void search_destroy(struct lt_panel *p)
{
	struct search *s = p->state;
	if (s->list)
		leadd__response__free_unpacked(s->list, NULL);
	free(s->shown);
	free(s);
	free(p);
}

static const struct lt_panel_ops search_ops = {
	.kind = "search",
	.title = search_title,
	.nheader = search_nheader,
	.header = search_header,
	.nrows = search_nrows,
	.row = search_row,
	.reload = search_reload,
	.event = search_event,
	.lead = search_lead,
	.json = search_json,
	.destroy = search_destroy,
};

struct lt_panel *lt_search_panel(const char *name)
{
	struct lt_panel *p = calloc(1, sizeof(*p));
	struct search *s = calloc(1, sizeof(*s));
	if (!p || !s) {
		free(p);
		free(s);
		return NULL;
	}
	snprintf(s->name, sizeof(s->name), "%s", name);
	p->ops = &search_ops;
	p->state = s;
	p->wants_reload = 1;
	return p;
}

const char *lt_search_name(const struct lt_panel *p)
{
	return p->ops == &search_ops ? ((const struct search *)p->state)->name : NULL;
}

/* After `/` changed the filter. */
void lt_search_refilter(struct lt_panel *p, struct lt_app *a)
{
	if (p->ops == &search_ops)
		refilter(p, a);
}
