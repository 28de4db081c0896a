/* One change-log entry as the events of each watcher (docs/protocol.md
 * section 6): decoded once per commit and shared by every watcher; each
 * watcher's rights, saved search and KPI team decide what it gets. An
 * event is packed once per view of the change (view_key) and the bytes
 * reused for every other watcher of that view. */
#include <string.h>

#include "activity_core.h"
#include "lead_counters.h"
#include "lead_index.h"
#include "log.h"
#include "opp_amounts.h"
#include "opp_core.h"
#include "status.h"
#include "users.h"
#include "watch_int.h"

typedef struct {
	uint64_t team, owner, status;
	int64_t count;
	Leadd__Money *value[2];
	size_t n_value;
	int archived; /* of the archived counts (no values) */
	/* Open opportunities under the key (issue 15), per currency. */
	Leadd__ForecastAmount **opps;
	size_t n_opps;
	int in_forecast;
} raw_delta;

struct watch_entry {
	store_txn *t;
	ld_arena *a;
	Leadd__Store__ChangeEntry *e;
	Leadd__Lead *after; /* the history's lead at this revision */
	/* CHANGE_ACTIVITY, CHANGE_DUE: the history's activity at this
	 * revision and what happened to it (NULL: none). */
	Leadd__Activity *activity;
	Leadd__Store__ActivityOp activity_op;
	/* CHANGE_OPPORTUNITY: the history's opportunity and what happened. */
	Leadd__Opportunity *opportunity;
	Leadd__Store__OppOp opp_op;
	Leadd__Lead *before; /* the lead's previous history entry */
	int before_done;
	const char *names[5]; /* author, old/new status, old/new owner */
	int names_done;
	raw_delta d[2];
	Leadd__KpiDelta *wire[2]; /* made once, shared by the watchers that see it */
	size_t n_d;
	int deltas_done;
	lead_summary sa, sb;
	int sa_done, sb_done;
	/* The events as packed for the first watcher of each view (NULL until
	 * one is): a hundred dashboards cost one packing of the lead, not a
	 * hundred. See view_key. */
	watch_packed *packed;
};

/* What an event of the entry holds besides its kind depends only on
 * whether the watcher sees the lead before and after the change (the
 * names and the activity it is given, event_base) and, for EVENT_KPI,
 * which of the change's deltas it sees: the key of its packed bytes. */
enum { SLOT_LEAD, SLOT_ENTER, SLOT_LEAVE, SLOT_ASSIGNED, SLOT_KPI, SLOTS };
#define VIEW_KEYS (SLOTS * 4 * 4)
static int view_key(int slot, int before, int after, unsigned deltas)
{
	return (slot * 4 + (int)(deltas & 3)) * 4 + before * 2 + after;
}

/* ev to w, through the packed copy of its view when there is one. */
static void send_shared(watch_entry *x, watcher *w, const Leadd__Event *ev, int key)
{
	if (!x->packed && (x->packed = ld_arena_alloc(x->a, VIEW_KEYS * sizeof(*x->packed))))
		memset(x->packed, 0, VIEW_KEYS * sizeof(*x->packed));
	if (x->packed && key >= 0 && key < VIEW_KEYS)
		watch_out_shared(w, ev, &x->packed[key], x->a);
	else
		watch_out_event(w, ev);
}

static Leadd__Store__HistoryEntry *history_at(store_txn *t, ld_arena *a, uint64_t id, uint64_t rev)
{
	uint8_t key[16];
	store_key_u64_pair(key, id, rev);
	Leadd__Store__HistoryEntry *h;
	if (store_get_msg(t, DB_HISTORY, key, 16, &leadd__store__history_entry__descriptor, a,
			  (ProtobufCMessage **)&h))
		return NULL;
	return h;
}

/* The lead's history entry before revision rev (NULL: none, a create). */
static Leadd__Lead *history_before(store_txn *t, ld_arena *a, uint64_t id, uint64_t rev)
{
	MDB_cursor *cur;
	if (mdb_cursor_open(t->txn, t->st->dbi[DB_HISTORY], &cur))
		return NULL;
	uint8_t key[16];
	store_key_u64_pair(key, id, rev);
	MDB_val k = {16, key}, v;
	Leadd__Lead *out = NULL;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	rc = rc == 0 ? mdb_cursor_get(cur, &k, &v, MDB_PREV)
		     : mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (rc == 0 && k.mv_size == 16 && store_key_get_u64(k.mv_data) == id) {
		Leadd__Store__HistoryEntry *h = leadd__store__history_entry__unpack(
			&a->pb, v.mv_size, v.mv_data);
		out = h ? h->lead : NULL;
	}
	mdb_cursor_close(cur);
	return out;
}

watch_entry *watch_entry_new(store_txn *t, ld_arena *a, uint64_t rev, Leadd__Store__ChangeEntry *e)
{
	watch_entry *x = ld_arena_alloc(a, sizeof(*x));
	if (!x)
		return NULL;
	memset(x, 0, sizeof(*x));
	x->t = t;
	x->a = a;
	x->e = e;
	Leadd__Store__HistoryEntry *h = history_at(t, a, e->lead_id, e->revision);
	x->after = h ? h->lead : NULL;
	if (h && h->activity && h->has_activity_op) {
		x->activity = h->activity;
		x->activity_op = h->activity_op;
	}
	if (h && h->opportunity && h->has_opp_op) {
		x->opportunity = h->opportunity;
		x->opp_op = h->opp_op;
	}
	if (!x->after) {
		log_error("watch: the history has no entry for lead %llu at revision %llu; run "
			  "leadd verify",
			  (unsigned long long)e->lead_id, (unsigned long long)e->revision);
		return NULL;
	}
	/* Who may see the change is read from the entry, its content from the
	 * history: an entry that disagrees with the history (damage) would
	 * show a lead to whom the entry names, or repeat an older revision. */
	if (e->revision != rev || x->after->owner_id != e->new_owner ||
	    x->after->team_id != e->new_team || x->after->status_id != e->new_status) {
		log_error("watch: the change-log entry of revision %llu disagrees with the "
			  "history of lead %llu; run leadd verify",
			  (unsigned long long)rev, (unsigned long long)e->lead_id);
		return NULL;
	}
	/* The agenda's watchers are chosen by the entry's assignee, the
	 * activity read from the history: they must agree too. */
	if (e->has_activity_number && (!x->activity || x->activity->number != e->activity_number ||
				       x->activity->assignee_id != e->new_assignee)) {
		log_error("watch: the change-log entry of revision %llu disagrees with the "
			  "history of lead %llu about its activity; run leadd verify",
			  (unsigned long long)rev, (unsigned long long)e->lead_id);
		return NULL;
	}
	return x;
}

static const char *user_name_of(watch_entry *x, uint64_t id)
{
	if (!id)
		return "";
	user_record *u;
	return user_load(x->t, id, x->a, &u) == 0 && u->name ? u->name : "(unknown user)";
}

static const Leadd__Status *status_of(store_txn *t, ld_arena *a, uint64_t id)
{
	Leadd__Status *s;
	return id && status_load(t, id, a, &s) == 0 ? s : NULL;
}

static const char *status_name_of(watch_entry *x, uint64_t id)
{
	const Leadd__Status *s = status_of(x->t, x->a, id);
	return s && s->name ? s->name : "";
}

/* Names are read when the event is built (at send time), as a read would
 * give them now. */
static void names(watch_entry *x)
{
	if (x->names_done)
		return;
	x->names_done = 1;
	const Leadd__Store__ChangeEntry *e = x->e;
	x->names[0] = user_name_of(x, e->author);
	x->names[1] = e->kind == LEADD__STORE__CHANGE_KIND__CHANGE_CREATE
			      ? ""
			      : status_name_of(x, e->old_status);
	x->names[2] = status_name_of(x, e->new_status);
	x->names[3] = user_name_of(x, e->old_owner);
	x->names[4] = user_name_of(x, e->new_owner);
}

static int is_create(const watch_entry *x)
{
	return x->e->kind == LEADD__STORE__CHANGE_KIND__CHANGE_CREATE;
}

/* May w see a lead of (owner, team)? docs/protocol.md 2.1 with w's rights. */
static int sees(const watcher *w, uint64_t owner, uint64_t team)
{
	const principal_t *p = &w->who;
	if (p->role >= ROLE_ADMIN || (owner && owner == p->user_id))
		return 1;
	if (p->role >= ROLE_MANAGER) {
		for (uint32_t i = 0; i < p->n_teams; i++)
			if (p->teams[i] == team)
				return 1;
		return 0;
	}
	return !owner && w->rep_pool && p->n_teams && team == p->teams[0];
}

/* The conditions only the lead itself can answer: tags, source, words. */
static int lead_match_text(const sq_filter *f, const Leadd__Lead *l)
{
	static lead_index_keyset ks;
	if (f->n_tags) {
		lead_index_keys(l, DB_IDX_TAG, &ks);
		for (size_t i = 0; i < f->n_tags; i++)
			if (!lead_index_keyset_has(&ks, f->tags[i], strlen(f->tags[i])))
				return 0;
	}
	if (f->source) {
		lead_index_keys(l, DB_IDX_SOURCE, &ks);
		if (!lead_index_keyset_has(&ks, f->source, strlen(f->source)))
			return 0;
	}
	if (f->n_words) {
		lead_index_keys(l, DB_IDX_WORD, &ks);
		for (size_t i = 0; i < f->n_words; i++) {
			size_t n = strlen(f->words[i]), k;
			for (k = 0; k < ks.n; k++)
				if (ks.keys[k].len >= n &&
				    memcmp(ks.keys[k].data, f->words[i], n) == 0)
					break;
			if (k == ks.n)
				return 0;
		}
	}
	return 1;
}

static int matches(const watcher *w, const Leadd__Lead *l, lead_summary *s, int *done)
{
	if (!*done) {
		lead_summary_of(l, s);
		*done = 1;
	}
	return sq_sum_match(&w->f, s) && lead_match_text(&w->f, l);
}

/* In w's view before and after the change (TOPIC_LEADS). */
static void in_view(watch_entry *x, const watcher *w, int *before, int *after)
{
	const Leadd__Store__ChangeEntry *e = x->e;
	*before = !is_create(x) && sees(w, e->old_owner, e->old_team);
	*after = sees(w, e->new_owner, e->new_team);
	if (!w->search)
		return;
	if (*before) {
		if (!x->before_done) {
			x->before = history_before(x->t, x->a, e->lead_id, e->revision);
			x->before_done = 1;
		}
		*before = x->before && matches(w, x->before, &x->sb, &x->sb_done);
	}
	if (*after)
		*after = matches(w, x->after, &x->sa, &x->sa_done);
}

/* The activity as events carry it: with its assignee's name and its
 * lead's title and client, as an agenda reply has them. */
static void activity_names(watch_entry *x)
{
	Leadd__Activity *a = x->activity;
	if (a->lead_title || a->assignee)
		return;
	a->assignee = (char *)user_name_of(x, a->assignee_id);
	a->lead_title = x->after->title;
	a->client_name = x->after->client_name;
}

/* The fields every event of a change carries. What the lead was before
 * (old status and owner) only to a watcher who could see it before, and
 * what it is after (new status and owner) only to one who can see it
 * after: a LEAVE for a lead given to someone you may not see names
 * neither its new owner nor its new status. */
/* Does w see the lead before the change, and after it (section 2.1)? */
static void sees_sides(const watch_entry *x, const watcher *w, int *before, int *after)
{
	const Leadd__Store__ChangeEntry *e = x->e;
	*before = !is_create(x) && sees(w, e->old_owner, e->old_team);
	*after = sees(w, e->new_owner, e->new_team);
}

static void event_base(watch_entry *x, const watcher *w, Leadd__Event *ev, Leadd__EventKind kind)
{
	names(x);
	const Leadd__Store__ChangeEntry *e = x->e;
	ev->has_revision = ev->has_kind = ev->has_lead_id = ev->has_change = ev->has_at = 1;
	ev->revision = e->revision;
	ev->kind = kind;
	ev->lead_id = e->lead_id;
	ev->change = (Leadd__LeadChangeKind)e->kind;
	ev->at = e->at;
	ev->author = (char *)x->names[0];
	int before, after;
	sees_sides(x, w, &before, &after);
	ev->old_status = (char *)(before ? x->names[1] : "");
	ev->new_status = (char *)(after ? x->names[2] : "");
	ev->old_owner = (char *)(before ? x->names[3] : "");
	ev->new_owner = (char *)(after ? x->names[4] : "");
	/* An activity change says which activity and what happened to it, to
	 * those who may see the lead after it. */
	if (after && x->activity) {
		activity_names(x);
		ev->activity = x->activity;
		ev->activity_op = (char *)activity_op_word(x->activity_op);
	}
	if (after && x->opportunity) {
		ev->opportunity = x->opportunity;
		ev->opp_op = (char *)opp_op_word(x->opp_op);
	}
}

/* ---- KPI deltas ---- */

static Leadd__Money *money(ld_arena *a, const char *cur, int64_t amount)
{
	Leadd__Money *m = ld_arena_alloc(a, sizeof(*m));
	if (!m)
		return NULL;
	leadd__money__init(m);
	m->has_amount_minor = 1;
	m->amount_minor = amount;
	m->currency = (char *)cur;
	return m;
}

static void add_value(watch_entry *x, raw_delta *d, const char *cur, int64_t amount)
{
	if (!amount || d->n_value == 2)
		return;
	Leadd__Money *m = money(x->a, cur, amount);
	if (m)
		d->value[d->n_value++] = m;
}

/* The open-opportunity change under d's key: new_opps less old_opps
 * (either side NULL: none), weighted by the key's status now. */
static void add_opps(watch_entry *x, raw_delta *d, Leadd__OppTotal **old, size_t n_old,
		     Leadd__OppTotal **now, size_t n_now)
{
	const Leadd__Status *s = status_of(x->t, x->a, d->status);
	opp_amounts sum = {0};
	opp_amounts_totals(&sum, old, n_old, -1, s ? s->probability : 0);
	opp_amounts_totals(&sum, now, n_now, +1, s ? s->probability : 0);
	if (sum.failed || opp_amounts_to_wire(&sum, x->a, 1, &d->opps, &d->n_opps))
		d->n_opps = 0;
	d->in_forecast = s && opp_status_in_forecast(s);
	opp_amounts_free(&sum);
}

/* The count and value changes of the entry, keyed (team, owner, status)
 * and whether archived: what lead_counters_apply did to the counters. An
 * archived lead is in the archived counts, which keep no value. */
static void deltas(watch_entry *x)
{
	if (x->deltas_done)
		return;
	x->deltas_done = 1;
	const Leadd__Store__ChangeEntry *e = x->e;
	const char *ncur = NULL, *ocur = NULL;
	int64_t namt = 0, oamt = 0;
	int has_new = lead_counter_value_of(x->after, &ncur, &namt);
	int has_old = !is_create(x) && e->old_value && e->old_value->currency &&
		      e->old_value->has_amount_minor;
	if (has_old) {
		ocur = e->old_value->currency;
		oamt = e->old_value->amount_minor;
	}
	int oarch = !is_create(x) && e->old_archived, narch = e->new_archived;
	has_old = has_old && !oarch;
	has_new = has_new && !narch;
	raw_delta *n = &x->d[0];
	if (is_create(x)) {
		*n = (raw_delta){.team = e->new_team,
				 .owner = e->new_owner,
				 .status = e->new_status,
				 .count = 1,
				 .archived = narch};
		if (has_new)
			add_value(x, n, ncur, namt);
		if (!narch)
			add_opps(x, n, NULL, 0, e->new_opps, e->n_new_opps);
		x->n_d = 1;
		return;
	}
	if (e->old_team == e->new_team && e->old_owner == e->new_owner &&
	    e->old_status == e->new_status && oarch == narch) {
		*n = (raw_delta){.team = e->new_team,
				 .owner = e->new_owner,
				 .status = e->new_status,
				 .count = 0,
				 .archived = narch};
		if (has_old && has_new && strncmp(ocur, ncur, 3) == 0) {
			add_value(x, n, ncur, namt - oamt);
		} else {
			if (has_old)
				add_value(x, n, ocur, -oamt);
			if (has_new)
				add_value(x, n, ncur, namt);
		}
		if (!narch)
			add_opps(x, n, e->old_opps, e->n_old_opps, e->new_opps, e->n_new_opps);
		x->n_d = n->n_value || n->n_opps ? 1 : 0;
		return;
	}
	raw_delta *o = &x->d[0];
	*o = (raw_delta){.team = e->old_team,
			 .owner = e->old_owner,
			 .status = e->old_status,
			 .count = -1,
			 .archived = oarch};
	if (has_old)
		add_value(x, o, ocur, -oamt);
	if (!oarch)
		add_opps(x, o, e->old_opps, e->n_old_opps, NULL, 0);
	n = &x->d[1];
	*n = (raw_delta){.team = e->new_team,
			 .owner = e->new_owner,
			 .status = e->new_status,
			 .count = 1,
			 .archived = narch};
	if (has_new)
		add_value(x, n, ncur, namt);
	if (!narch)
		add_opps(x, n, NULL, 0, e->new_opps, e->n_new_opps);
	x->n_d = 2;
}

/* May w see the KPI row (team, owner)? As kpi's rows (kpi_handlers.c). */
static int sees_row(const watcher *w, uint64_t team, uint64_t owner)
{
	if (w->kpi_team && team != w->kpi_team_id)
		return 0;
	return sees(w, owner, team);
}

static Leadd__KpiDelta *delta_to_wire(watch_entry *x, const raw_delta *d)
{
	Leadd__KpiDelta *k = ld_arena_alloc(x->a, sizeof(*k));
	if (!k)
		return NULL;
	leadd__kpi_delta__init(k);
	k->has_owner_id = k->has_team_id = k->has_status_id = k->has_kpi_class = k->has_count = 1;
	k->owner_id = d->owner;
	k->owner_name = d->owner ? (char *)user_name_of(x, d->owner) : "(pool)";
	k->team_id = d->team;
	team_record *tm;
	k->team_name = !d->team                                               ? "(no team)"
		       : team_load(x->t, d->team, x->a, &tm) == 0 && tm->name ? tm->name
									      : "(unknown team)";
	k->status_id = d->status;
	const Leadd__Status *s = status_of(x->t, x->a, d->status);
	k->status_name = s && s->name ? s->name : "";
	k->kpi_class = s ? s->kpi_class : LEADD__KPI_CLASS__KPI_NONE;
	k->count = d->count;
	/* Said only when set: a live delta is as it was before archives. */
	k->has_archived = k->archived = d->archived ? 1 : 0;
	k->n_value = d->n_value;
	k->value = (Leadd__Money **)d->value;
	k->n_opps = d->n_opps;
	k->opps = d->opps;
	k->has_in_forecast = d->n_opps ? 1 : 0;
	k->in_forecast = d->n_opps && d->in_forecast;
	return k;
}

static void emit_kpi(watch_entry *x, watcher *w)
{
	deltas(x);
	Leadd__KpiDelta *out[2];
	size_t n = 0;
	unsigned seen = 0;
	for (size_t i = 0; i < x->n_d; i++) {
		if (!sees_row(w, x->d[i].team, x->d[i].owner))
			continue;
		if (!x->wire[i])
			x->wire[i] = delta_to_wire(x, &x->d[i]);
		if (x->wire[i]) {
			out[n++] = x->wire[i];
			seen |= 1u << i;
		}
	}
	if (!n)
		return;
	Leadd__Event ev = LEADD__EVENT__INIT;
	event_base(x, w, &ev, LEADD__EVENT_KIND__EVENT_KPI);
	ev.n_kpi = n;
	ev.kpi = out;
	int before, after;
	sees_sides(x, w, &before, &after);
	send_shared(x, w, &ev, view_key(SLOT_KPI, before, after, seen));
}

/* TOPIC_AGENDA: is the change an open activity put on w's agenda (added
 * with w as its assignee, or edited to w from someone else), or one of
 * w's falling due, on a lead w may see? Whoever made the change: an
 * activity you add for yourself is on your agenda too. */
static int on_agenda(const watch_entry *x, const watcher *w)
{
	const Leadd__Store__ChangeEntry *e = x->e;
	const Leadd__Activity *a = x->activity;
	uint64_t me = w->who.user_id;
	if (!a || !me || e->new_assignee != me ||
	    a->state != LEADD__ACTIVITY_STATE__ACTIVITY_OPEN || !sees(w, e->new_owner, e->new_team))
		return 0;
	switch (x->activity_op) {
	case LEADD__STORE__ACTIVITY_OP__ACTIVITY_ADDED:
	case LEADD__STORE__ACTIVITY_OP__ACTIVITY_DUE:
		return 1;
	case LEADD__STORE__ACTIVITY_OP__ACTIVITY_EDITED:
		return e->old_assignee != me;
	default:
		return 0;
	}
}

void watch_entry_emit(watch_entry *x, watcher *w)
{
	const Leadd__Store__ChangeEntry *e = x->e;
	if (w->topics & WATCH_TOPIC_BIT(LEADD__WATCH_TOPIC__TOPIC_LEADS)) {
		int before, after;
		in_view(x, w, &before, &after);
		if (before || after) {
			Leadd__Event ev = LEADD__EVENT__INIT;
			int slot = !after ? SLOT_LEAVE : !before ? SLOT_ENTER : SLOT_LEAD;
			event_base(x, w, &ev,
				   !after    ? LEADD__EVENT_KIND__EVENT_LEAVE
				   : !before ? LEADD__EVENT_KIND__EVENT_ENTER
					     : LEADD__EVENT_KIND__EVENT_LEAD);
			if (after)
				ev.lead = x->after;
			int vb, va;
			sees_sides(x, w, &vb, &va);
			send_shared(x, w, &ev, view_key(slot, vb, va, 0));
		}
	}
	if ((w->topics & WATCH_TOPIC_BIT(LEADD__WATCH_TOPIC__TOPIC_ASSIGNED)) &&
	    e->new_owner == w->who.user_id && e->author != w->who.user_id &&
	    (is_create(x) || e->old_owner != w->who.user_id)) {
		Leadd__Event ev = LEADD__EVENT__INIT;
		event_base(x, w, &ev, LEADD__EVENT_KIND__EVENT_ASSIGNED);
		ev.lead = x->after;
		int vb, va;
		sees_sides(x, w, &vb, &va);
		send_shared(x, w, &ev, view_key(SLOT_ASSIGNED, vb, va, 0));
	}
	if (w->topics & WATCH_TOPIC_BIT(LEADD__WATCH_TOPIC__TOPIC_KPI))
		emit_kpi(x, w);
	if ((w->topics & WATCH_TOPIC_BIT(LEADD__WATCH_TOPIC__TOPIC_AGENDA)) && on_agenda(x, w)) {
		Leadd__Event ev = LEADD__EVENT__INIT;
		event_base(x, w, &ev, LEADD__EVENT_KIND__EVENT_ACTIVITY);
		watch_out_event(w, &ev);
	}
}
