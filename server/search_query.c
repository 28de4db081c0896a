/* Resolving a LeadFilter as the caller: names become ids, text is folded,
 * bounds are checked, and the caller's visibility becomes one more
 * condition. lead_list and saved searches share it. */
#include "search_query.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "client_folder.h"
#include "ld_currency.h"
#include "ld_distance.h"
#include "ld_error.h"
#include "ld_norm.h"
#include "users.h"

#define NAME_MAX_FOLDED 512

static const struct {
	const char *word;
	Leadd__KpiClass cls;
} class_words[] = {
	{"new", LEADD__KPI_CLASS__KPI_NEW},   {"qualified", LEADD__KPI_CLASS__KPI_QUALIFIED},
	{"dead", LEADD__KPI_CLASS__KPI_DEAD}, {"prospect", LEADD__KPI_CLASS__KPI_PROSPECT},
	{"won", LEADD__KPI_CLASS__KPI_WON},   {"lost", LEADD__KPI_CLASS__KPI_LOST},
};

static int add_id(request_ctx *rc, uint64_t **ids, size_t *n, size_t *cap, uint64_t id)
{
	for (size_t i = 0; i < *n; i++)
		if ((*ids)[i] == id)
			return 0;
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		uint64_t *p = ld_arena_alloc(&rc->arena, nc * sizeof(*p));
		if (!p)
			return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
		if (*n)
			memcpy(p, *ids, *n * sizeof(*p));
		*ids = p;
		*cap = nc;
	}
	(*ids)[(*n)++] = id;
	return 0;
}

/* Every status, decoded into the arena. */
static int all_statuses(request_ctx *rc, store_txn *t, Leadd__Status ***out, size_t *n)
{
	MDB_cursor *c;
	int err = mdb_cursor_open(t->txn, t->st->dbi[DB_STATUSES], &c);
	if (err)
		return dispatch_store_error(rc, err);
	size_t cap = 0;
	*n = 0;
	*out = NULL;
	MDB_val k, v;
	for (err = mdb_cursor_get(c, &k, &v, MDB_FIRST); err == 0;
	     err = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		Leadd__Status *s = leadd__status__unpack(&rc->arena.pb, v.mv_size, v.mv_data);
		if (!s) {
			err = MDB_CORRUPTED;
			break;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			Leadd__Status **p = ld_arena_alloc(&rc->arena, cap * sizeof(*p));
			if (!p) {
				mdb_cursor_close(c);
				return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
			}
			if (*n)
				memcpy(p, *out, *n * sizeof(*p));
			*out = p;
		}
		(*out)[(*n)++] = s;
	}
	mdb_cursor_close(c);
	return err == MDB_NOTFOUND ? LD_OK : dispatch_store_error(rc, err);
}

/* The status name (or class word) a word that matched nothing is closest
 * to, within ld_distance_max of its length; NULL when none is. Ties go to
 * the name nearer as a whole ("lead-Qualified" before "prospect-Qualified"
 * for "qualifed"), then to the first status. */
static const char *suggest_status(Leadd__Status **all, size_t n_all, const char *want)
{
	size_t max = ld_distance_max(strlen(want)), best = SIZE_MAX, best_whole = SIZE_MAX;
	const char *found = NULL;
	char name[NAME_MAX_FOLDED];
	for (size_t j = 0; j < n_all; j++) {
		if (!all[j]->name || ld_norm_name(all[j]->name, name, sizeof(name)) < 0)
			continue;
		size_t d = ld_distance_parts(want, name), whole = ld_distance(want, name);
		if (d <= max && (d < best || (d == best && whole < best_whole))) {
			best = d;
			best_whole = whole;
			found = all[j]->name;
		}
	}
	for (size_t i = 0; i < sizeof(class_words) / sizeof(class_words[0]); i++) {
		size_t d = ld_distance(want, class_words[i].word);
		if (d <= max && d < best) {
			best = d;
			found = class_words[i].word;
		}
	}
	return found;
}

/* One --status item: a KPI class word, a status name, or a unique prefix
 * of one, all compared folded ("QUAL" finds "Qualified"). */
static int resolve_status(request_ctx *rc, Leadd__Status **all, size_t n_all, const char *item,
			  sq_filter *out, size_t *cap)
{
	char want[NAME_MAX_FOLDED], name[NAME_MAX_FOLDED];
	if (ld_norm_name(item, want, sizeof(want)) < 0 || !want[0])
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "a status to filter by cannot be empty");
	for (size_t i = 0; i < sizeof(class_words) / sizeof(class_words[0]); i++) {
		if (strcmp(want, class_words[i].word) != 0)
			continue;
		for (size_t j = 0; j < n_all; j++)
			if (all[j]->kpi_class == class_words[i].cls &&
			    add_id(rc, &out->statuses, &out->n_statuses, cap, all[j]->id))
				return rc->code;
		return LD_OK;
	}
	size_t hits = 0, hit = 0;
	char candidates[300] = "";
	for (size_t j = 0; j < n_all; j++) {
		if (!all[j]->name || ld_norm_name(all[j]->name, name, sizeof(name)) < 0)
			continue;
		if (strcmp(name, want) == 0)
			return add_id(rc, &out->statuses, &out->n_statuses, cap, all[j]->id);
		if (strncmp(name, want, strlen(want)) == 0) {
			size_t used = strlen(candidates);
			snprintf(candidates + used, sizeof(candidates) - used, "%s'%s'",
				 hits ? ", " : "", all[j]->name);
			hits++;
			hit = j;
		}
	}
	if (hits == 1)
		return add_id(rc, &out->statuses, &out->n_statuses, cap, all[hit]->id);
	if (hits > 1)
		return dispatch_fail(
			rc, LD_INVALID_ARGUMENT,
			"status '%s' is ambiguous: it could be %s; type more of the name", item,
			candidates);
	/* No name starts so: the start of one class word ("qual") is that class. */
	size_t cls_hits = 0, cls = 0;
	for (size_t i = 0; i < sizeof(class_words) / sizeof(class_words[0]); i++)
		if (strncmp(class_words[i].word, want, strlen(want)) == 0) {
			cls_hits++;
			cls = i;
		}
	if (cls_hits == 1) {
		for (size_t j = 0; j < n_all; j++)
			if (all[j]->kpi_class == class_words[cls].cls &&
			    add_id(rc, &out->statuses, &out->n_statuses, cap, all[j]->id))
				return rc->code;
		return LD_OK;
	}
	/* A typo of one name: say which, as git does ("qualifed"). */
	const char *near = suggest_status(all, n_all, want);
	if (near)
		return dispatch_fail(rc, LD_NOT_FOUND, "no status '%s'; did you mean '%s'?", item,
				     near);
	/* Name them: a typo is easier to fix beside the names it missed. */
	char names[300] = "";
	for (size_t j = 0; j < n_all; j++) {
		size_t used = strlen(names);
		if (all[j]->name)
			snprintf(names + used, sizeof(names) - used, "%s%s", used ? ", " : "",
				 all[j]->name);
	}
	return dispatch_fail(rc, LD_NOT_FOUND,
			     "no status '%s'; use a status name (%s), a unique start of one, or "
			     "one of new, qualified, dead, prospect, won, lost",
			     item, names);
}

static int resolve_statuses(request_ctx *rc, store_txn *t, const Leadd__LeadFilter *f,
			    sq_filter *out)
{
	if (!f->n_statuses)
		return LD_OK;
	Leadd__Status **all = NULL;
	size_t n_all = 0, cap = 0;
	int code = all_statuses(rc, t, &all, &n_all);
	for (size_t i = 0; code == LD_OK && i < f->n_statuses; i++)
		code = resolve_status(rc, all, n_all, f->statuses[i], out, &cap);
	out->by_status = 1;
	if (code == LD_OK && !out->n_statuses)
		out->empty = 1; /* a class no status belongs to */
	return code;
}

/* One status to move a lead to, read as a --status item is (lead_set_status):
 * it must come to exactly one status. */
int search_status_resolve_one(request_ctx *rc, store_txn *t, const char *word, uint64_t *status_id)
{
	char want[NAME_MAX_FOLDED];
	if (ld_norm_name(word, want, sizeof(want)) < 0)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "the status to set is longer than any status name");
	if (!want[0])
		return dispatch_fail(rc, LD_INVALID_ARGUMENT, "the status to set cannot be empty");
	Leadd__Status **all = NULL;
	size_t n_all = 0, cap = 0;
	sq_filter one;
	memset(&one, 0, sizeof(one));
	int code = all_statuses(rc, t, &all, &n_all);
	if (code == LD_OK)
		code = resolve_status(rc, all, n_all, word, &one, &cap);
	if (code != LD_OK)
		return code;
	if (one.n_statuses == 1) {
		*status_id = one.statuses[0];
		return LD_OK;
	}
	if (!one.n_statuses)
		return dispatch_fail(
			rc, LD_NOT_FOUND,
			"no status is of class '%s'; name a status (see the status list)", word);
	char names[300] = ""; /* a class of several statuses: name them */
	for (size_t i = 0; i < one.n_statuses; i++)
		for (size_t j = 0; j < n_all; j++)
			if (all[j]->id == one.statuses[i] && all[j]->name) {
				size_t used = strlen(names);
				snprintf(names + used, sizeof(names) - used, "%s'%s'",
					 used ? ", " : "", all[j]->name);
			}
	return dispatch_fail(rc, LD_INVALID_ARGUMENT,
			     "status '%s' is ambiguous: it could be %s; type more of the name",
			     word, names);
}

/* mine and owners: the lead's owner must be among the owners named, and
 * be the caller when mine is set too. */
static int resolve_owners(request_ctx *rc, store_txn *t, const Leadd__LeadFilter *f, sq_filter *out)
{
	size_t cap = 0;
	for (size_t i = 0; i < f->n_owners; i++) {
		user_record *u;
		int err = user_find(t, f->owners[i], &rc->arena, &u);
		if (err == MDB_NOTFOUND ||
		    (err == 0 && rc->who.role < ROLE_ADMIN && u->id != rc->who.user_id &&
		     !principal_has_team(&rc->who, u->team_id)))
			return dispatch_fail(rc, LD_NOT_FOUND, "no user '%s' in your teams",
					     f->owners[i]);
		if (err)
			return dispatch_store_error(rc, err);
		if (add_id(rc, &out->owners, &out->n_owners, &cap, u->id))
			return rc->code;
	}
	if (f->has_mine && f->mine) {
		int named = 0;
		for (size_t i = 0; i < out->n_owners; i++)
			named |= out->owners[i] == rc->who.user_id;
		if (out->n_owners && !named)
			out->empty = 1; /* yours, and someone else's */
		out->n_owners = 0;
		if (add_id(rc, &out->owners, &out->n_owners, &cap, rc->who.user_id))
			return rc->code;
	}
	out->by_owner = out->n_owners > 0;
	return LD_OK;
}

static int resolve_team(request_ctx *rc, store_txn *t, const Leadd__LeadFilter *f, sq_filter *out)
{
	if (!f->team)
		return LD_OK;
	team_record *tm;
	int err = team_find(t, f->team, &rc->arena, &tm);
	if (err == MDB_NOTFOUND ||
	    (err == 0 && rc->who.role < ROLE_ADMIN && !principal_has_team(&rc->who, tm->id)))
		return dispatch_fail(rc, LD_NOT_FOUND, "no team '%s' among yours", f->team);
	if (err)
		return dispatch_store_error(rc, err);
	out->by_team = 1;
	out->team = tm->id;
	return LD_OK;
}

static int fold_name(request_ctx *rc, const char *in, const char *what, char **out)
{
	char buf[NAME_MAX_FOLDED];
	if (ld_norm_name(in, buf, sizeof(buf)) < 0 || !buf[0] || strlen(buf) >= SQ_KEY_MAX)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT, "the %s to filter by is %s", what,
				     buf[0] ? "too long" : "empty");
	*out = ld_arena_strdup(&rc->arena, buf);
	return *out ? LD_OK : dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
}

/* The folder filter: by name (its key, client_name_key, as folders are
 * found: "coca cola" finds "Coca-Cola") or by id. An unknown name matches
 * no lead; an unknown id is NOT_FOUND, since ids come from a reply. */
static int resolve_client(request_ctx *rc, store_txn *t, const Leadd__LeadFilter *f, sq_filter *out)
{
	if (!f->client && !f->has_client_id)
		return LD_OK;
	if (f->client && f->has_client_id)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "filter by the client folder's name or by its id, not both");
	out->by_client = 1;
	if (f->has_client_id) {
		Leadd__Store__ClientRecord *rec;
		int err = client_load(t, f->client_id, &rc->arena, &rec);
		if (err == MDB_NOTFOUND)
			return dispatch_fail(rc, LD_NOT_FOUND,
					     "client folder %" PRIu64
					     " not found; 'lead client ls' lists them",
					     f->client_id);
		if (err)
			return dispatch_store_error(rc, err);
		out->client = f->client_id;
		return LD_OK;
	}
	char key[CLIENT_NAME_KEY_MAX + 1];
	if (client_name_key(f->client, key, sizeof(key)) < 0)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT, "the client to filter by %s",
				     client_name_problem(f->client));
	int err = client_find_key(t, key, &out->client);
	if (err == MDB_NOTFOUND) {
		out->empty = 1; /* no such folder: no lead is in it */
		return LD_OK;
	}
	return err ? dispatch_store_error(rc, err) : LD_OK;
}

/* The query's words, cut and folded as the word index cuts a lead's text
 * ("ana.ruiz@acme" is ana, ruiz, acme): each must prefix a word of the lead. */
typedef struct {
	request_ctx *rc;
	sq_filter *out;
} words_arg;

static int add_word(const char *w, size_t len, void *arg)
{
	request_ctx *rc = ((words_arg *)arg)->rc;
	sq_filter *out = ((words_arg *)arg)->out;
	for (size_t i = 0; i < out->n_words; i++)
		if (strlen(out->words[i]) == len && memcmp(out->words[i], w, len) == 0)
			return 0;
	if (out->n_words == SQ_MAX_WORDS) {
		dispatch_fail(rc, LD_INVALID_ARGUMENT, "a search query has at most %d words",
			      SQ_MAX_WORDS);
		return 1;
	}
	char *c = ld_arena_alloc(&rc->arena, len + 1);
	if (!c) {
		dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
		return 1;
	}
	memcpy(c, w, len);
	c[len] = 0;
	out->words[out->n_words++] = c;
	return 0;
}

static int resolve_words(request_ctx *rc, const char *q, sq_filter *out)
{
	if (!q)
		return LD_OK;
	out->words = ld_arena_alloc(&rc->arena, SQ_MAX_WORDS * sizeof(char *));
	if (!out->words)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	rc->code = LD_OK;
	words_arg a = {rc, out};
	int err = search_words(q, add_word, &a);
	if (rc->code)
		return rc->code;
	if (err < 0 || !out->n_words)
		return dispatch_fail(
			rc, LD_INVALID_ARGUMENT,
			"the search query has no words to look for (letters or digits)");
	return LD_OK;
}

static int resolve_value(request_ctx *rc, const Leadd__LeadFilter *f, sq_filter *out)
{
	if ((f->has_value_min || f->has_value_max) && !f->value_currency)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "say which currency a value bound is in (for example EUR)");
	if (!f->value_currency)
		return LD_OK;
	if (!ld_currency_find(f->value_currency))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "'%s' is not an ISO 4217 currency code (write it like EUR)",
				     f->value_currency);
	if (f->has_value_min && f->has_value_max && f->value_min > f->value_max)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "the smallest value asked for is above the largest");
	out->by_currency = 1;
	memcpy(out->currency, f->value_currency, 4);
	out->has_vmin = f->has_value_min;
	out->vmin = f->value_min;
	out->has_vmax = f->has_value_max;
	out->vmax = f->value_max;
	return LD_OK;
}

static int resolve_times(request_ctx *rc, const Leadd__LeadFilter *f, sq_filter *out)
{
	if (f->has_no_next && f->no_next && f->has_next_before)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "a lead cannot have no next action and one before a date; "
				     "ask for one of the two");
	if (f->has_idle_ms && f->idle_ms < 0)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "how long a lead has been idle cannot be negative");
	out->has_created_since = f->has_created_since;
	out->created_since = f->created_since;
	out->has_created_before = f->has_created_before;
	out->created_before = f->created_before;
	out->has_updated_since = f->has_updated_since;
	out->updated_since = f->updated_since;
	out->has_next_before = f->has_next_before;
	out->next_before = f->next_before;
	out->no_next = f->has_no_next && f->no_next;
	out->has_idle = f->has_idle_ms;
	out->idle_before = rc->now - f->idle_ms;
	return LD_OK;
}

/* Stand-by and archive: what a listing shows of each (LeadFilter.standby,
 * .waking_before, .archived). A lead due to wake that the timer has not
 * woken yet is still on stand-by: the summary is the one truth. */
static int resolve_state(request_ctx *rc, const Leadd__LeadFilter *f, sq_filter *out)
{
	if (f->has_standby && !f->standby && f->has_waking_before)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "a lead waking from stand-by before a date is on stand-by; "
				     "do not ask for leads off stand-by with it");
	if (f->has_waking_before && f->waking_before <= 0)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "the date stand-by ends before must be after 1970");
	out->want_standby = (f->has_standby && f->standby) || f->has_waking_before;
	out->has_waking = f->has_waking_before;
	out->waking_before = f->waking_before;
	out->want_archived = f->has_archived && f->archived;
	return LD_OK;
}

static int resolve_visibility(request_ctx *rc, store_txn *t, sq_filter *out)
{
	const principal_t *who = &rc->who;
	out->role = who->role;
	out->self = who->user_id;
	out->vis_all = who->role >= ROLE_ADMIN;
	out->n_teams = who->n_teams;
	memcpy(out->teams, who->teams, who->n_teams * sizeof(uint64_t));
	if (who->role == ROLE_REP && who->n_teams) {
		team_record *tm;
		int err = team_load(t, who->teams[0], &rc->arena, &tm);
		if (err && err != MDB_NOTFOUND)
			return dispatch_store_error(rc, err);
		out->rep_pool = err == 0 && tm->pool_visible;
	}
	return LD_OK;
}

int search_filter_resolve(request_ctx *rc, store_txn *t, const Leadd__LeadFilter *f, sq_filter *out)
{
	memset(out, 0, sizeof(*out));
	int code = resolve_visibility(rc, t, out);
	if (code || !f)
		return code;
	if ((code = resolve_statuses(rc, t, f, out)) || (code = resolve_owners(rc, t, f, out)) ||
	    (code = resolve_team(rc, t, f, out)) || (code = resolve_client(rc, t, f, out)) ||
	    (code = resolve_words(rc, f->query, out)) || (code = resolve_value(rc, f, out)) ||
	    (code = resolve_times(rc, f, out)) || (code = resolve_state(rc, f, out)))
		return code;
	out->pool = f->has_pool && f->pool;
	if (f->n_tags) {
		out->tags = ld_arena_alloc(&rc->arena, f->n_tags * sizeof(char *));
		if (!out->tags)
			return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
		for (size_t i = 0; i < f->n_tags; i++)
			if ((code = fold_name(rc, f->tags[i], "tag", &out->tags[out->n_tags++])))
				return code;
	}
	if (f->source && (code = fold_name(rc, f->source, "source", &out->source)))
		return code;
	return LD_OK;
}

int search_filter_check(request_ctx *rc, store_txn *t, const Leadd__LeadFilter *f)
{
	sq_filter out;
	return search_filter_resolve(rc, t, f, &out);
}

static int has_id(const uint64_t *ids, size_t n, uint64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

int sq_visible(const sq_filter *f, const search_sum *s)
{
	if (f->vis_all || (s->owner_id && s->owner_id == f->self))
		return 1;
	if (f->role >= ROLE_MANAGER)
		return has_id(f->teams, f->n_teams, s->team_id);
	return !s->owner_id && f->rep_pool && f->n_teams && s->team_id == f->teams[0];
}

int sq_state_match(const sq_filter *f, const search_sum *s)
{
	int standby = s->standby_until > 0;
	if ((s->archived ? 1 : 0) != f->want_archived)
		return 0;
	/* Archived leads are listed on stand-by or not, unless stand-by is asked. */
	if (f->want_standby ? !standby : (standby && !f->want_archived))
		return 0;
	return !f->has_waking || (standby && s->standby_until < f->waking_before);
}

int sq_sum_match(const sq_filter *f, const search_sum *s)
{
	if (f->empty || !sq_state_match(f, s))
		return 0;
	if ((f->by_status && !has_id(f->statuses, f->n_statuses, s->status_id)) ||
	    (f->by_owner && !has_id(f->owners, f->n_owners, s->owner_id)) ||
	    (f->by_team && s->team_id != f->team) || (f->pool && s->owner_id) ||
	    (f->by_client && s->client_id != f->client))
		return 0;
	if (f->by_currency && (!s->has_value || memcmp(s->currency, f->currency, 3) != 0 ||
			       (f->has_vmin && s->value_amount < f->vmin) ||
			       (f->has_vmax && s->value_amount > f->vmax)))
		return 0;
	if ((f->has_created_since && s->created_at < f->created_since) ||
	    (f->has_created_before && s->created_at >= f->created_before) ||
	    (f->has_updated_since && s->updated_at < f->updated_since) ||
	    (f->has_next_before &&
	     !(s->next_action_at > 0 && s->next_action_at < f->next_before)) ||
	    (f->no_next && s->next_action_at > 0) ||
	    (f->has_idle && s->updated_at > f->idle_before))
		return 0;
	return sq_visible(f, s);
}
