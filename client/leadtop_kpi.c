/* The KPI panel: lead counts per rep and team by KPI class, as `lead kpi`
 * shows them, kept live by the watch's EVENT_KPI deltas, with the change
 * since the dashboard opened beside each count; a count that changed is
 * highlighted for a few seconds.
 *
 * The model is the reply's owner rows (a rep, or a team's pool); team rows
 * and the total are their sums, as the server derives them (docs/protocol.md
 * section 6: "Team totals are the sum of their rows"), so a delta touches
 * one row and every sum follows. */
#include <stdlib.h>
#include <string.h>

#include "leadtop.h"

#define NCLASS 6
#define HILITE_MS 3000
#define NAME_MAX_BYTES 128

static const int classes[NCLASS] = {
	LEADD__KPI_CLASS__KPI_NEW,      LEADD__KPI_CLASS__KPI_QUALIFIED, LEADD__KPI_CLASS__KPI_DEAD,
	LEADD__KPI_CLASS__KPI_PROSPECT, LEADD__KPI_CLASS__KPI_WON,       LEADD__KPI_CLASS__KPI_LOST,
};
static const char *const full_head[NCLASS] = {"NEW",      "QUALIFIED", "DEAD",
					      "PROSPECT", "WON",       "LOST"};
static const char *const short_head[NCLASS] = {"NEW", "QUAL", "DEAD", "PROSP", "WON", "LOST"};

struct kpi_row {
	uint64_t owner, team;
	char owner_name[NAME_MAX_BYTES], team_name[NAME_MAX_BYTES];
	int64_t n[NCLASS], base[NCLASS], changed_ms[NCLASS];
	int seen; /* in the last reply read */
};

/* What the panel shows, one line each: an owner row, a team's total, or
 * the total of everything. */
enum { V_OWNER, V_TEAM, V_TOTAL };
struct view {
	int kind;
	size_t row;    /* V_OWNER */
	uint64_t team; /* V_TEAM */
};

struct kpi {
	struct kpi_row *rows;
	size_t n, cap;
	int loaded;
	uint64_t revision;      /* of the counts: deltas at or below it are in them */
	Leadd__Response *reply; /* the last kpi read (--once --json prints it) */
	struct view *views;
	size_t nviews;
	int *shown; /* views the filter lets through (refresh_shown) */
	size_t nshown;
	char shown_filter[LT_FILTER_MAX];
};

static int class_index(int kpi_class)
{
	for (int i = 0; i < NCLASS; i++)
		if (classes[i] == kpi_class)
			return i;
	return -1;
}

static struct kpi_row *find_row(struct kpi *k, uint64_t team, uint64_t owner)
{
	for (size_t i = 0; i < k->n; i++)
		if (k->rows[i].team == team && k->rows[i].owner == owner)
			return &k->rows[i];
	return NULL;
}

static struct kpi_row *add_row(struct kpi *k, uint64_t team, uint64_t owner, const char *owner_name,
			       const char *team_name)
{
	struct kpi_row *r = find_row(k, team, owner);
	if (r)
		return r;
	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 16;
		struct kpi_row *nr = realloc(k->rows, cap * sizeof(*nr));
		if (!nr)
			return NULL;
		k->rows = nr;
		k->cap = cap;
	}
	/* A new row goes after the last row of its team, so teams stay together. */
	size_t at = k->n;
	for (size_t i = 0; i < k->n; i++)
		if (k->rows[i].team == team)
			at = i + 1;
	memmove(&k->rows[at + 1], &k->rows[at], (k->n - at) * sizeof(*k->rows));
	k->n++;
	r = &k->rows[at];
	memset(r, 0, sizeof(*r));
	r->team = team;
	r->owner = owner;
	snprintf(r->owner_name, sizeof(r->owner_name), "%s",
		 owner == 0                  ? "(pool)"
		 : owner_name && *owner_name ? owner_name
					     : "?");
	snprintf(r->team_name, sizeof(r->team_name), "%s",
		 team_name && *team_name ? team_name
		 : team                  ? "?"
					 : "(no team)");
	return r;
}

static uint64_t count_of(const Leadd__KpiCounts *c, int kpi_class)
{
	for (size_t i = 0; c && i < c->n_classes; i++)
		if ((int)c->classes[i]->kpi_class == kpi_class)
			return c->classes[i]->count;
	return 0;
}

static void rebuild_views(struct kpi *k)
{
	free(k->shown);
	k->shown = NULL;
	free(k->views);
	k->nviews = 0;
	k->views = calloc(2 * k->n + 1, sizeof(*k->views));
	if (!k->views)
		return;
	for (size_t i = 0; i < k->n; i++) {
		k->views[k->nviews++] = (struct view){V_OWNER, i, 0};
		if (i + 1 == k->n || k->rows[i + 1].team != k->rows[i].team)
			k->views[k->nviews++] = (struct view){V_TEAM, 0, k->rows[i].team};
	}
	k->views[k->nviews++] = (struct view){V_TOTAL, 0, 0};
}

/* Takes the counts of a KpiReply (a kpi read, or a snapshot's kpi_counts).
 * The change since opening is kept across re-reads: a row's base is its
 * first count; a count that moved is highlighted. */
static void take_reply(struct kpi *k, const Leadd__KpiReply *kr)
{
	int64_t now = lt_now_ms();
	for (size_t i = 0; i < k->n; i++)
		k->rows[i].seen = 0;
	for (size_t i = 0; i < kr->n_owners; i++) {
		const Leadd__KpiRow *o = kr->owners[i];
		int is_new = !find_row(k, o->team_id, o->id);
		struct kpi_row *r = add_row(k, o->team_id, o->id, o->name, o->team_name);
		if (!r)
			continue;
		r->seen = 1;
		for (int c = 0; c < NCLASS; c++) {
			int64_t v = (int64_t)count_of(o->counts, classes[c]);
			if (is_new && !k->loaded)
				r->base[c] = v;
			else if (r->n[c] != v)
				r->changed_ms[c] = now;
			r->n[c] = v;
		}
	}
	/* Rows the server no longer shows (a rep moved away) go. */
	size_t j = 0;
	for (size_t i = 0; i < k->n; i++)
		if (k->rows[i].seen)
			k->rows[j++] = k->rows[i];
	k->n = j;
	k->revision = kr->revision;
	k->loaded = 1;
	rebuild_views(k);
}

static void apply_delta(struct kpi *k, const Leadd__KpiDelta *d)
{
	int c = class_index(d->kpi_class);
	if (c < 0 || d->count == 0)
		return; /* a class the panel has no column for, or a value edit */
	size_t before = k->n;
	struct kpi_row *r = add_row(k, d->team_id, d->owner_id, d->owner_name, d->team_name);
	if (!r)
		return;
	r->n[c] += d->count;
	r->changed_ms[c] = lt_now_ms();
	if (k->n != before)
		rebuild_views(k);
}

static void kpi_reload(struct lt_panel *p, struct lt_app *a)
{
	struct kpi *k = p->state;
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
	take_reply(k, r->kpi);
	if (k->reply)
		leadd__response__free_unpacked(k->reply, NULL);
	k->reply = r;
}

static void kpi_event(struct lt_panel *p, struct lt_app *a, const Leadd__Event *ev)
{
	(void)a;
	struct kpi *k = p->state;
	if (ev->kind == LEADD__EVENT_KIND__EVENT_SNAPSHOT && ev->kpi_counts) {
		take_reply(k, ev->kpi_counts);
		k->revision = ev->revision;
		return;
	}
	/* A delta the counts already hold (the kpi read was at or after its
	 * revision) is not counted twice. */
	if (ev->kind != LEADD__EVENT_KIND__EVENT_KPI || ev->revision <= k->revision)
		return;
	for (size_t i = 0; i < ev->n_kpi; i++)
		apply_delta(k, ev->kpi[i]);
	k->revision = ev->revision;
}

/* The counts (and their bases) of one line of the panel. */
static const char *view_counts(struct kpi *k, const struct view *v, int64_t n[NCLASS],
			       int64_t base[NCLASS], int64_t changed[NCLASS], char *name,
			       size_t len)
{
	memset(n, 0, NCLASS * sizeof(*n));
	memset(base, 0, NCLASS * sizeof(*base));
	memset(changed, 0, NCLASS * sizeof(*changed));
	for (size_t i = 0; i < k->n; i++) {
		const struct kpi_row *r = &k->rows[i];
		if (v->kind == V_OWNER && i != v->row)
			continue;
		if (v->kind == V_TEAM && r->team != v->team)
			continue;
		for (int c = 0; c < NCLASS; c++) {
			n[c] += r->n[c];
			base[c] += r->base[c];
			if (r->changed_ms[c] > changed[c])
				changed[c] = r->changed_ms[c];
		}
		if (v->kind == V_TEAM)
			snprintf(name, len, "%s total", r->team_name);
	}
	if (v->kind == V_OWNER)
		snprintf(name, len, "%s", k->rows[v->row].owner_name);
	else if (v->kind == V_TOTAL)
		snprintf(name, len, "total");
	return name;
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

static void kpi_title(struct lt_panel *p, char *buf, size_t len)
{
	struct kpi *k = p->state;
	snprintf(buf, len, "KPI: leads per rep and team (change since opened)%s",
		 k->loaded ? "" : ", not read yet");
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

/* The name of a line of the panel. */
static void view_name(const struct kpi *k, const struct view *v, char *name, size_t len)
{
	if (v->kind == V_OWNER) {
		snprintf(name, len, "%s", k->rows[v->row].owner_name);
		return;
	}
	snprintf(name, len, "total");
	for (size_t i = 0; v->kind == V_TEAM && i < k->n; i++)
		if (k->rows[i].team == v->team) {
			snprintf(name, len, "%s total", k->rows[i].team_name);
			return;
		}
}

/* The lines the filter lets through, as indexes into views: worked out
 * again only when the rows or the filter change (names only, so a count
 * moving leaves it as it is), not for every line drawn. */
static void refresh_shown(struct lt_panel *p)
{
	struct kpi *k = p->state;
	if (k->shown && strcmp(k->shown_filter, p->filter) == 0)
		return;
	free(k->shown);
	k->nshown = 0;
	k->shown = calloc(k->nviews + 1, sizeof(*k->shown));
	if (!k->shown)
		return;
	snprintf(k->shown_filter, sizeof(k->shown_filter), "%s", p->filter);
	char name[2 * NAME_MAX_BYTES];
	for (size_t v = 0; v < k->nviews; v++) {
		view_name(k, &k->views[v], name, sizeof(name));
		if (lt_filter_match(p, name))
			k->shown[k->nshown++] = (int)v;
	}
}

static int visible(struct lt_panel *p, int i)
{
	struct kpi *k = p->state;
	refresh_shown(p);
	if (i < 0)
		return (int)k->nshown;
	return i < (int)k->nshown ? k->shown[i] : -1;
}

static int kpi_nrows(struct lt_panel *p)
{
	struct kpi *k = p->state;
	if (!k->loaded)
		return 0;
	return visible(p, -1);
}

static void kpi_row(struct lt_panel *p, struct lt_app *a, int i, int width, struct lt_line *out)
{
	(void)a;
	struct kpi *k = p->state;
	int v = visible(p, i);
	lt_line_clear(out, LT_A_NORMAL);
	if (v < 0)
		return;
	int name_w, num_w, chg_w;
	const char *const *head;
	layout(width, &name_w, &num_w, &chg_w, &head);
	char name[2 * NAME_MAX_BYTES], num[32], chg[32];
	int64_t n[NCLASS], base[NCLASS], changed[NCLASS], now = lt_now_ms();
	view_counts(k, &k->views[v], n, base, changed, name, sizeof(name));
	if (k->views[v].kind != V_OWNER)
		out->attr = LT_A_HEAD;
	lt_line_add(out, name, name_w, 0, LT_A_NORMAL);
	for (int c = 0; c < NCLASS; c++) {
		int hot = changed[c] && now - changed[c] < HILITE_MS;
		snprintf(num, sizeof(num), "%lld", (long long)n[c]);
		int64_t d = n[c] - base[c];
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
	struct kpi *k = p->state;
	/* The same object as `lead --json kpi`: one shape for scripts. */
	return k->reply ? lead_kpi_json(k->reply->kpi) : cJSON_CreateNull();
}

static void kpi_destroy(struct lt_panel *p)
{
	struct kpi *k = p->state;
	if (k->reply)
		leadd__response__free_unpacked(k->reply, NULL);
	free(k->rows);
	free(k->views);
	free(k->shown);
	free(k);
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
	struct kpi *k = calloc(1, sizeof(*k));
	if (!p || !k) {
		free(p);
		free(k);
		return NULL;
	}
	p->ops = &kpi_ops;
	p->state = k;
	return p;
}

/* The highest revision the counts hold (leadtop_conn.c resumes from the
 * smallest revision every panel has applied). */
uint64_t lt_kpi_revision(const struct lt_panel *p)
{
	return ((const struct kpi *)p->state)->revision;
}
