/* The KPI panel: lead counts per rep and team by KPI class, as `lead kpi`
 * shows them, kept live by the watch's EVENT_KPI deltas, with the change
 * since the dashboard opened beside each count; a count that changed is
 * highlighted for a few seconds. Under a row whose leads have open
 * opportunities in the forecast (KpiCounts.forecast), a forecast line per
 * currency: how many, their amount and the weighted amount (never added
 * across currencies), highlighted like a count when it changed.
 *
 * The counts are a KpiReply: the kpi read's (or a snapshot's kpi_counts),
 * changed in place by each delta with lead_kpi_apply, the one rule `lead
 * kpi --watch` applies too (the owner's row, its team's row and the total).
 * So the screen and `--once --json` (lead_kpi_json) read the same reply,
 * and a delta that does not fit the counts makes the panel read them again. */
#include <stdlib.h>
#include <string.h>

#include "lead_opp.h"
#include "leadtop.h"

#define NCLASS 6
#define HILITE_MS 3000
#define ANY UINT64_MAX /* the key of a team row's owner, and the total's */

static const int classes[NCLASS] = {
	LEADD__KPI_CLASS__KPI_NEW,      LEADD__KPI_CLASS__KPI_QUALIFIED, LEADD__KPI_CLASS__KPI_DEAD,
	LEADD__KPI_CLASS__KPI_PROSPECT, LEADD__KPI_CLASS__KPI_WON,       LEADD__KPI_CLASS__KPI_LOST,
};
static const char *const full_head[NCLASS] = {"NEW",      "QUALIFIED", "DEAD",
					      "PROSPECT", "WON",       "LOST"};
static const char *const short_head[NCLASS] = {"NEW", "QUAL", "DEAD", "PROSP", "WON", "LOST"};

/* What a line of the panel has seen: its first counts (the change since
 * opening is measured from them), its last, and when each last moved. */
struct seen {
	uint64_t team, owner; /* owner ANY: the team's row; both ANY: the total */
	int64_t base[NCLASS], last[NCLASS], changed_ms[NCLASS];
	uint64_t forecast;     /* a hash of the forecast, to see it move */
	int64_t fc_changed_ms; /* when it last did */
};

/* A line of the panel: an owner row, a team row or the total, or one
 * currency of its forecast under it. */
struct view {
	const Leadd__KpiRow *row;        /* NULL: the total */
	int team;                        /* row is a team's */
	const Leadd__ForecastAmount *fc; /* set: the row's forecast line in it */
};

struct kpi {
	Leadd__KpiReply *k; /* the counts, owned */
	uint64_t revision;  /* of the counts: deltas at or below it are in them */
	struct seen *seen;
	size_t nseen, capseen;
	struct view *views;
	size_t nviews;
	int *shown; /* views the filter lets through */
	size_t nshown;
	char shown_filter[LT_FILTER_MAX];
};

static uint64_t count_of(const Leadd__KpiCounts *c, int kpi_class)
{
	for (size_t i = 0; c && i < c->n_classes; i++)
		if ((int)c->classes[i]->kpi_class == kpi_class)
			return c->classes[i]->count;
	return 0;
}

/* FNV-1a over the forecast's entries (in the order held: a delta that
 * moves nothing keeps it). */
static uint64_t forecast_hash(const Leadd__KpiCounts *c)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; c && i < c->n_forecast; i++) {
		const Leadd__ForecastAmount *a = c->forecast[i];
		int64_t v[3] = {a->opps, a->amount_minor, lead_forecast_weighted(a)};
		const unsigned char *p = (const unsigned char *)v;
		for (size_t b = 0; b < sizeof(v); b++)
			h = (h ^ p[b]) * 1099511628211ULL;
		for (const char *q = a->currency ? a->currency : ""; *q; q++)
			h = (h ^ (unsigned char)*q) * 1099511628211ULL;
	}
	return h;
}

static struct seen *find_seen(const struct kpi *s, uint64_t team, uint64_t owner)
{
	for (size_t i = 0; i < s->nseen; i++)
		if (s->seen[i].team == team && s->seen[i].owner == owner)
			return &s->seen[i];
	return NULL;
}

static struct seen *add_seen(struct kpi *s, uint64_t team, uint64_t owner)
{
	if (s->nseen == s->capseen) {
		size_t cap = s->capseen ? 2 * s->capseen : 32;
		struct seen *ns = realloc(s->seen, cap * sizeof(*ns));
		if (!ns)
			return NULL;
		s->seen = ns;
		s->capseen = cap;
	}
	struct seen *e = &s->seen[s->nseen++];
	memset(e, 0, sizeof(*e));
	e->team = team;
	e->owner = owner;
	return e;
}

/* Notes which counts of a line moved since last seen. At the first read
 * (first) a line's base is its counts; a line that appears later starts
 * from 0, so all it has counts as change. */
static void note(struct kpi *s, uint64_t team, uint64_t owner, const Leadd__KpiCounts *c, int first,
		 int64_t now)
{
	struct seen *e = find_seen(s, team, owner);
	int is_new = !e;
	if (!e && !(e = add_seen(s, team, owner)))
		return;
	for (int i = 0; i < NCLASS; i++) {
		int64_t v = (int64_t)count_of(c, classes[i]);
		if (is_new && first)
			e->base[i] = v;
		else if (v != e->last[i])
			e->changed_ms[i] = now;
		e->last[i] = v;
	}
	uint64_t h = forecast_hash(c);
	if (!(is_new && first) && h != e->forecast)
		e->fc_changed_ms = now;
	e->forecast = h;
}

/* A row's line, then its forecast's, one per currency by code. */
static void add_view(struct kpi *s, const Leadd__KpiRow *row, int team, const Leadd__KpiCounts *c)
{
	s->views[s->nviews++] = (struct view){row, team, NULL};
	if (!c || !c->n_forecast)
		return;
	const Leadd__ForecastAmount **fc = lead_forecast_sorted(c->forecast, c->n_forecast);
	for (size_t i = 0; i < c->n_forecast; i++)
		s->views[s->nviews++] = (struct view){row, team, fc[i]};
	free(fc);
}

/* How many forecast lines the counts give. */
static size_t forecast_lines(const Leadd__KpiCounts *c)
{
	return c ? c->n_forecast : 0;
}

/* After the counts changed: what moved, and the lines in lead kpi's order
 * (each team's rows, then its total; owners of no listed team; the total). */
static void refresh(struct kpi *s, int first)
{
	const Leadd__KpiReply *k = s->k;
	int64_t now = lt_now_ms();
	for (size_t i = 0; i < k->n_owners; i++)
		note(s, k->owners[i]->team_id, k->owners[i]->id, k->owners[i]->counts, first, now);
	for (size_t i = 0; i < k->n_teams; i++)
		note(s, k->teams[i]->id, ANY, k->teams[i]->counts, first, now);
	note(s, ANY, ANY, k->total, first, now);

	free(s->views);
	free(s->shown);
	s->shown = NULL;
	s->nviews = 0;
	size_t n = k->n_owners + k->n_teams + 1 + forecast_lines(k->total);
	for (size_t i = 0; i < k->n_owners; i++)
		n += forecast_lines(k->owners[i]->counts);
	for (size_t t = 0; t < k->n_teams; t++)
		n += forecast_lines(k->teams[t]->counts);
	s->views = calloc(n, sizeof(*s->views));
	if (!s->views)
		return;
	for (size_t t = 0; t < k->n_teams; t++) {
		for (size_t i = 0; i < k->n_owners; i++)
			if (k->owners[i]->team_id == k->teams[t]->id)
				add_view(s, k->owners[i], 0, k->owners[i]->counts);
		add_view(s, k->teams[t], 1, k->teams[t]->counts);
	}
	for (size_t i = 0; i < k->n_owners; i++) {
		int listed = 0;
		for (size_t t = 0; t < k->n_teams; t++)
			listed |= k->teams[t]->id == k->owners[i]->team_id;
		if (!listed)
			add_view(s, k->owners[i], 0, k->owners[i]->counts);
	}
	add_view(s, NULL, 0, k->total);
}

static void take(struct kpi *s, Leadd__KpiReply *k)
{
	int first = s->k == NULL;
	if (s->k)
		leadd__kpi_reply__free_unpacked(s->k, NULL);
	s->k = k;
	s->revision = k->revision;
	refresh(s, first);
}

static void kpi_reload(struct lt_panel *p, struct lt_app *a)
{
	struct kpi *s = p->state;
	Leadd__Request req = LEADD__REQUEST__INIT;
	Leadd__KpiRequest kr = LEADD__KPI_REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_KPI;
	req.kpi = &kr;
	Leadd__Response *r = lt_call(a, &req);
	if (!r)
		return;
	if (lt_check(a, r, LEADD__RESPONSE__BODY_KPI, p->error, sizeof(p->error))) {
		leadd__response__free_unpacked(r, NULL);
		return;
	}
	p->error[0] = '\0';
	/* The reply is the panel's from now on: taken out of the response. */
	Leadd__KpiReply *k = r->kpi;
	r->kpi = NULL;
	r->body_case = LEADD__RESPONSE__BODY__NOT_SET;
	leadd__response__free_unpacked(r, NULL);
	take(s, k);
}

/* A snapshot's counts, copied (the event is the connection's). */
static Leadd__KpiReply *copy_reply(const Leadd__KpiReply *k)
{
	size_t n = leadd__kpi_reply__get_packed_size(k);
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf)
		return NULL;
	leadd__kpi_reply__pack(k, buf);
	Leadd__KpiReply *c = leadd__kpi_reply__unpack(NULL, n, buf);
	free(buf);
	return c;
}

static void kpi_event(struct lt_panel *p, struct lt_app *a, const Leadd__Event *ev)
{
	(void)a;
	struct kpi *s = p->state;
	if (ev->kind == LEADD__EVENT_KIND__EVENT_SNAPSHOT && ev->kpi_counts) {
		Leadd__KpiReply *k = copy_reply(ev->kpi_counts);
		if (!k) {
			p->wants_reload = 1;
			return;
		}
		take(s, k);
		s->revision = ev->revision;
		return;
	}
	/* A delta the counts already hold (the kpi read was at or after its
	 * revision) is not counted twice. */
	if (ev->kind != LEADD__EVENT_KIND__EVENT_KPI || !s->k || ev->revision <= s->revision)
		return;
	int under = 0, failed = 0;
	for (size_t i = 0; i < ev->n_kpi; i++)
		failed |= lead_kpi_apply(s->k, ev->kpi[i], &under) < 0;
	s->revision = ev->revision;
	/* Deltas that do not fit the counts, a change to a sum past int64
	 * (its exact amount unknown here), or no memory for a new row: read
	 * the counts again rather than show wrong ones. */
	if (under || failed)
		p->wants_reload = 1;
	refresh(s, 0);
}

/* Column widths: the full class names when there is room, else short. */
static void layout(int width, int *name_w, int *num_w, int *chg_w, const char *const **head)
{
	if (width >= 16 + NCLASS * 14) {
		*num_w = 9, *chg_w = 4, *head = full_head;
	} else {
		*num_w = 5, *chg_w = 4, *head = short_head;
	}
	*name_w = width - NCLASS * (*num_w + 1 + *chg_w);
	if (*name_w < 4)
		*name_w = 4;
}

static void view_name(const struct view *v, char *buf, size_t len)
{
	if (!v->row)
		snprintf(buf, len, "total");
	else if (v->team)
		snprintf(buf, len, "%s total", v->row->name ? v->row->name : "?");
	else if (v->row->id == 0)
		snprintf(buf, len, "(pool)");
	else if (v->row->name && *v->row->name)
		snprintf(buf, len, "%s", v->row->name);
	else
		snprintf(buf, len, "user %llu", (unsigned long long)v->row->id);
}

/* The lines the filter lets through: worked out again when the rows or
 * the filter change, not for every line drawn. */
static int visible(struct lt_panel *p, int i)
{
	struct kpi *s = p->state;
	if (!s->shown || strcmp(s->shown_filter, p->filter) != 0) {
		free(s->shown);
		s->nshown = 0;
		s->shown = calloc(s->nviews + 1, sizeof(*s->shown));
		if (!s->shown)
			return -1;
		snprintf(s->shown_filter, sizeof(s->shown_filter), "%s", p->filter);
		/* A forecast line goes with its row's name. */
		char name[512];
		for (size_t v = 0; v < s->nviews; v++) {
			view_name(&s->views[v], name, sizeof(name));
			if (lt_filter_match(p, name))
				s->shown[s->nshown++] = (int)v;
		}
	}
	if (i < 0)
		return (int)s->nshown;
	return i < (int)s->nshown ? s->shown[i] : -1;
}

static void kpi_title(struct lt_panel *p, char *buf, size_t len)
{
	struct kpi *s = p->state;
	snprintf(buf, len, "KPI: leads per rep and team (change since opened)%s",
		 s->k ? "" : ", not read yet");
}

static int kpi_nheader(struct lt_panel *p)
{
	(void)p;
	return 1;
}

static void kpi_header(struct lt_panel *p, int i, int width, struct lt_line *out)
{
	(void)p, (void)i;
	int name_w, num_w, chg_w;
	const char *const *head;
	layout(width, &name_w, &num_w, &chg_w, &head);
	lt_line_clear(out, LT_A_HEAD);
	lt_line_add(out, "", name_w, 0, LT_A_NORMAL);
	for (int c = 0; c < NCLASS; c++) {
		lt_line_add(out, head[c], num_w, 1, LT_A_NORMAL);
		lt_line_add(out, "", 1 + chg_w, 0, LT_A_NORMAL);
	}
}

static int kpi_nrows(struct lt_panel *p)
{
	return ((struct kpi *)p->state)->k ? visible(p, -1) : 0;
}

/* "   forecast  2 open  15000.00 EUR  weighted 1500.00 EUR": the amounts
 * where the counts start, so a line fits 80 columns. */
static void forecast_row(const struct view *vw, const struct seen *e, int name_w, int width,
			 struct lt_line *out)
{
	char text[256];
	int hot = e && e->fc_changed_ms && lt_now_ms() - e->fc_changed_ms < HILITE_MS;
	/* Narrow: the names' column is cut, the word "forecast" is not. */
	if (name_w < 12)
		name_w = 12;
	if (name_w > width)
		name_w = width;
	lt_line_add(out, "   forecast", name_w, 0, LT_A_DIM);
	lead_forecast_format(vw->fc, text, sizeof(text));
	lt_line_add(out, text, width - name_w, 0, hot ? LT_A_HILITE : LT_A_NORMAL);
}

static void kpi_row(struct lt_panel *p, struct lt_app *a, int i, int width, struct lt_line *out)
{
	(void)a;
	struct kpi *s = p->state;
	int v = visible(p, i);
	lt_line_clear(out, LT_A_NORMAL);
	if (v < 0)
		return;
	const struct view *vw = &s->views[v];
	const Leadd__KpiCounts *c = vw->row ? vw->row->counts : s->k->total;
	const struct seen *e = !vw->row   ? find_seen(s, ANY, ANY)
			       : vw->team ? find_seen(s, vw->row->id, ANY)
					  : find_seen(s, vw->row->team_id, vw->row->id);
	int name_w, num_w, chg_w;
	const char *const *head;
	layout(width, &name_w, &num_w, &chg_w, &head);
	if (vw->fc) {
		forecast_row(vw, e, name_w, width, out);
		return;
	}
	char name[512], num[32], chg[32];
	int64_t now = lt_now_ms();
	view_name(vw, name, sizeof(name));
	if (!vw->row || vw->team)
		out->attr = LT_A_HEAD;
	lt_line_add(out, name, name_w, 0, LT_A_NORMAL);
	for (int k = 0; k < NCLASS; k++) {
		int64_t n = (int64_t)count_of(c, classes[k]);
		int hot = e && e->changed_ms[k] && now - e->changed_ms[k] < HILITE_MS;
		int64_t d = e ? n - e->base[k] : 0;
		snprintf(num, sizeof(num), "%lld", (long long)n);
		if (d)
			snprintf(chg, sizeof(chg), "%+lld", (long long)d);
		else
			chg[0] = '\0';
		lt_line_add(out, num, num_w, 1, hot ? LT_A_HILITE : LT_A_NORMAL);
		lt_line_add(out, " ", 1, 0, LT_A_NORMAL);
		lt_line_add(out, chg, chg_w, 0, hot ? LT_A_HILITE : LT_A_DIM);
	}
}

static cJSON *kpi_json(struct lt_panel *p, struct lt_app *a)
{
	(void)a;
	struct kpi *s = p->state;
	/* The same object as `lead --json kpi`: one shape for scripts. */
	return s->k ? lead_kpi_json(s->k) : cJSON_CreateNull();
}

static void kpi_destroy(struct lt_panel *p)
{
	struct kpi *s = p->state;
	if (s->k)
		leadd__kpi_reply__free_unpacked(s->k, NULL);
	free(s->seen);
	free(s->views);
	free(s->shown);
	free(s);
	free(p);
}

static const struct lt_panel_ops kpi_ops = {
	.kind = "kpi",
	.title = kpi_title,
	.nheader = kpi_nheader,
	.header = kpi_header,
	.nrows = kpi_nrows,
	.row = kpi_row,
	.reload = kpi_reload,
	.event = kpi_event,
	.json = kpi_json,
	.destroy = kpi_destroy,
};

struct lt_panel *lt_kpi_panel(void)
{
	struct lt_panel *p = calloc(1, sizeof(*p));
	struct kpi *s = calloc(1, sizeof(*s));
	if (!p || !s) {
		free(p);
		free(s);
		return NULL;
	}
	p->ops = &kpi_ops;
	p->state = s;
	return p;
}

uint64_t lt_kpi_revision(const struct lt_panel *p)
{
	return ((const struct kpi *)p->state)->revision;
}
