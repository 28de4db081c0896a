/* lead show and lead history as people read them: every field of a lead
 * with names, not ids, and times in the reader's zone (TZ); its contacts
 * in order; its changes one per line. Everything from the server is
 * escaped before it reaches the terminal (ld_text_escape): a record older
 * than leadd's input checks cannot carry control characters out. */
#include "lead_show.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ld_currency.h"
#include "ld_norm.h"
#include "lead_activity.h"
#include "lead_date.h"
#include "lead_opp.h"

static void out_of_memory(void)
{
	fputs("lead: out of memory\n", stderr);
	exit(LD_EXIT_ERROR);
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		out_of_memory();
	return p;
}

/* One-line text for the terminal: newlines shown as "\n", every other
 * forbidden code point escaped ("\x1b"). malloc'd. */
static char *one_line(const char *s)
{
	size_t extra = 0;
	for (const char *p = s; *p; p++)
		extra += *p == '\n';
	char *flat = malloc(strlen(s) + extra + 1), *q = flat;
	if (!flat)
		out_of_memory();
	for (const char *p = s; *p; p++) {
		if (*p == '\n') {
			*q++ = '\\';
			*q++ = 'n';
		} else {
			*q++ = *p;
		}
	}
	*q = 0;
	size_t need = ld_text_escape(flat, 0, NULL, 0);
	char *out = malloc(need + 1);
	if (!out)
		out_of_memory();
	ld_text_escape(flat, 0, out, need + 1);
	free(flat);
	return out;
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

/* ---- one lead ---- */

static char *tags_text(const Leadd__Lead *l)
{
	size_t len = 1;
	for (size_t i = 0; i < l->n_tags; i++)
		len += strlen(l->tags[i]) + 2;
	char *s = calloc(1, len);
	if (!s)
		out_of_memory();
	for (size_t i = 0; i < l->n_tags; i++) {
		if (i)
			strcat(s, ", ");
		strcat(s, l->tags[i]);
	}
	return s;
}

/* "Ana Lopez (main), CFO, ana@x.com, +34 600 000 001" and its note on the
 * next line; a contact who left the company is marked "(left)". */
static char *contacts_text(const Leadd__Lead *l)
{
	char *all = xstrdup("");
	for (size_t i = 0; i < l->n_contacts; i++) {
		const Leadd__Contact *c = l->contacts[i];
		const char *parts[] = {c->role, c->email, c->phone};
		char *line;
		if (asprintf(&line, "%s%s%s%s", i ? "\n" : "",
			     c->name && *c->name ? c->name : "(no name)", i == 0 ? " (main)" : "",
			     c->left ? " (left)" : "") < 0)
			out_of_memory();
		for (size_t k = 0; k < 3; k++) {
			if (!parts[k] || !*parts[k])
				continue;
			char *more;
			if (asprintf(&more, "%s, %s", line, parts[k]) < 0)
				out_of_memory();
			free(line);
			line = more;
		}
		if (c->note && *c->note) {
			char *more;
			if (asprintf(&more, "%s\n  note: %s", line, c->note) < 0)
				out_of_memory();
			free(line);
			line = more;
		}
		char *joined;
		if (asprintf(&joined, "%s%s", all, line) < 0)
			out_of_memory();
		free(all);
		free(line);
		all = joined;
	}
	return all;
}

/* "until 2026-12-12 09:00 CET: after the fair", only while on stand-by. */
static void add_standby(struct lead_kv *kv, const Leadd__Lead *l)
{
	if (l->standby_until <= 0)
		return;
	char until[64];
	lead_format_time(l->standby_until, until, sizeof(until));
	if (l->standby_reason && *l->standby_reason)
		lead_kv_add(kv, "stand-by", "until %s: %s", until, l->standby_reason);
	else
		lead_kv_add(kv, "stand-by", "until %s", until);
}

/* "2026-12-05 10:30 CET by sofia". */
static void add_change(struct lead_kv *kv, const char *key, int64_t at, uint64_t by,
		       const struct lead_names *names, const char *fallback)
{
	char when[64];
	lead_format_time(at, when, sizeof(when));
	const char *name = lead_user_name(names, by);
	if (!name)
		name = fallback;
	if (!by)
		lead_kv_add(kv, key, "%s", when);
	else if (name)
		lead_kv_add(kv, key, "%s by %s", when, name);
	else
		lead_kv_add(kv, key, "%s by user %llu", when, (unsigned long long)by);
}

/* Archive and renew (issue 12): "archived: yes" and the links both ways,
 * only on leads that have them. A long list of renewals is cut, saying
 * how many there are. */
static void add_archive_renew(struct lead_kv *kv, const Leadd__Lead *l)
{
	if (l->archived)
		lead_kv_add(kv, "archived", "yes (lead restore %llu brings it back)",
			    (unsigned long long)l->id);
	if (l->renewed_from)
		lead_kv_add(kv, "renews", "lead %llu", (unsigned long long)l->renewed_from);
	if (!l->n_renewals)
		return;
	enum { SHOWN = 10 };
	char list[SHOWN * 26 + 64];
	size_t o = 0;
	/* Ten ids of at most 20 digits and the count fit: o stays inside. */
	for (size_t i = 0; i < l->n_renewals && i < SHOWN && o < sizeof(list); i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%slead %llu", i ? ", " : "",
				      (unsigned long long)l->renewals[i]);
	if (l->n_renewals > SHOWN && o < sizeof(list))
		snprintf(list + o, sizeof(list) - o, ", ... (%zu in all)", l->n_renewals);
	lead_kv_add(kv, "renewals", "%s", list);
}

void lead_print_lead_by(const Leadd__Lead *l, const Leadd__StatusListReply *sl,
			const struct lead_names *names, const char *created_by,
			const char *updated_by)
{
	struct lead_kv *kv = lead_kv_new();
	char value[64], next[64], owner[160];
	lead_format_value(l->value, value, sizeof(value));
	lead_format_time(l->next_action_at, next, sizeof(next));
	char *tags = tags_text(l);
	char *contacts = contacts_text(l);

	lead_kv_add(kv, "id", "%llu", (unsigned long long)l->id);
	lead_kv_add(kv, "title", "%s", or_dash(l->title));
	lead_kv_add(kv, "client", "%s", or_dash(l->client_name));
	const Leadd__Status *st = lead_status_by_id(sl, l->status_id);
	if (st && st->name) {
		lead_kv_add(kv, "status", "%s", st->name);
		char since[96] = "";
		if (l->has_status_changed_at && l->status_changed_at > 0) {
			char when[48];
			lead_format_time(l->status_changed_at, when, sizeof(when));
			snprintf(since, sizeof(since), "; in this status since %s", when);
		}
		lead_kv_add(kv, "stage", "%s, %u%% probability%s", lead_stage_name(st->stage),
			    st->probability, since);
	} else {
		lead_kv_add(kv, "status", "status %llu", (unsigned long long)l->status_id);
	}
	if (l->status_reason && l->status_reason[0]) /* why it is dead or lost */
		lead_kv_add(kv, "reason", "%s", l->status_reason);
	lead_kv_add(kv, "value", "%s", value);
	lead_format_owner(names, l->owner_id, "user ", owner, sizeof(owner));
	lead_kv_add(kv, "owner", "%s", owner);
	if (l->team_id) {
		const char *team = lead_team_name(names, l->team_id);
		if (team)
			lead_kv_add(kv, "team", "%s", team);
		else
			lead_kv_add(kv, "team", "team %llu", (unsigned long long)l->team_id);
	}
	lead_kv_add(kv, "source", "%s", or_dash(l->source));
	lead_kv_add(kv, "tags", "%s", or_dash(tags));
	lead_kv_add(kv, "description", "%s", or_dash(l->description));
	if (l->next_action_activity) /* issue 13: an open activity is the next action */
		lead_kv_add(kv, "next action", "%s: %s (activity %llu.%u)", next,
			    or_dash(l->next_action_note), (unsigned long long)l->id,
			    l->next_action_activity);
	else if (l->next_action_note && *l->next_action_note)
		lead_kv_add(kv, "next action", "%s: %s", next, l->next_action_note);
	else
		lead_kv_add(kv, "next action", "%s", next);
	add_standby(kv, l);
	add_archive_renew(kv, l);
	add_change(kv, "created", l->created_at, l->created_by, names, created_by);
	add_change(kv, "updated", l->updated_at, l->updated_by, names, updated_by);
	lead_kv_add(kv, "version", "%llu", (unsigned long long)l->version);
	lead_kv_add(kv, "contacts", "%s", or_dash(contacts));
	lead_kv_print(kv);
	free(tags);
	free(contacts);
}

void lead_print_lead(const Leadd__Lead *l, const Leadd__StatusListReply *sl,
		     const struct lead_names *names)
{
	lead_print_lead_by(l, sl, names, NULL, NULL);
}

/* ---- history ---- */

int lead_history_fetch(struct lead_ctx *ctx, uint64_t id, int newest_first, size_t max,
		       struct lead_history *h)
{
	memset(h, 0, sizeof(*h));
	uint64_t cursor = 0;
	for (;;) {
		size_t want = 1000;
		if (max && max - h->n < want)
			want = max - h->n;
		Leadd__Request req = LEADD__REQUEST__INIT;
		Leadd__LeadHistoryRequest q = LEADD__LEAD_HISTORY_REQUEST__INIT;
		q.has_id = q.has_limit = 1;
		q.id = id;
		q.limit = (uint32_t)want;
		q.has_newest_first = newest_first;
		q.newest_first = newest_first;
		q.has_cursor = cursor != 0;
		q.cursor = cursor;
		req.body_case = LEADD__REQUEST__BODY_LEAD_HISTORY;
		req.lead_history = &q;
		Leadd__Response *r;
		int rc = lead_request(ctx, &req, LEADD__RESPONSE__BODY_LEAD_HISTORY, &r);
		if (rc)
			return rc;
		Leadd__LeadHistoryReply *page = r->lead_history;
		Leadd__Response **pages = realloc(h->pages, (h->n_pages + 1) * sizeof(*pages));
		Leadd__HistoryItem **items = realloc(h->items,
						     (h->n + page->n_items + 1) * sizeof(*items));
		if (!pages || !items)
			out_of_memory();
		h->pages = pages;
		h->items = items;
		h->pages[h->n_pages++] = r;
		for (size_t i = 0; i < page->n_items; i++)
			h->items[h->n++] = page->items[i];
		/* A page that returned nothing cannot move the cursor on. */
		if (!page->has_cursor || !page->n_items)
			return 0;
		if (max && h->n >= max) {
			h->more = 1;
			return 0;
		}
		cursor = page->cursor;
	}
}

void lead_history_free(struct lead_history *h)
{
	for (size_t i = 0; i < h->n_pages; i++)
		leadd__response__free_unpacked(h->pages[i], NULL);
	free(h->pages);
	free(h->items);
	memset(h, 0, sizeof(*h));
}

static int is_time(const Leadd__FieldChange *c)
{
	return c->has_old_at || c->has_new_at || (c->field && strcmp(c->field, "next_action") == 0);
}

/* A field's wire name as people say it: "next_action" is "next action";
 * the activity standing as the next action is the next action too. */
static char *field_label(const char *field)
{
	if (field && strcmp(field, "next_action_activity") == 0)
		return xstrdup("next action");
	char *s = one_line(field ? field : "?");
	for (char *p = s; *p; p++)
		if (*p == '_')
			*p = ' ';
	return s;
}

/* The activity standing as the next action (issue 13): the server sends
 * "42.3 task: send the quote" and its time; people read "2026-12-06 10:00
 * CET: task: send the quote (activity 42.3)". */
static char *next_activity_side(const Leadd__FieldChange *c, int new_side)
{
	const char *v = new_side ? c->new_value : c->old_value;
	int has_at = new_side ? c->has_new_at : c->has_old_at;
	if (!v)
		return xstrdup("none");
	size_t idlen = strcspn(v, " ");
	const char *what = v[idlen] ? v + idlen + 1 : "";
	char when[64] = "";
	if (has_at)
		lead_format_time(new_side ? c->new_at : c->old_at, when, sizeof(when));
	char *text;
	if (asprintf(&text, "%s%s%s (activity %.*s)", when, *when && *what ? ": " : "", what,
		     (int)idlen, v) < 0)
		out_of_memory();
	char *flat = one_line(text);
	free(text);
	return flat;
}

/* One side of a change as text; "none" when absent. */
static char *side_text(const Leadd__FieldChange *c, int new_side)
{
	if (c->field && strcmp(c->field, "next_action_activity") == 0)
		return next_activity_side(c, new_side);
	if (is_time(c)) {
		int has = new_side ? c->has_new_at : c->has_old_at;
		char buf[64];
		if (!has)
			return xstrdup("none");
		lead_format_time(new_side ? c->new_at : c->old_at, buf, sizeof(buf));
		return xstrdup(buf);
	}
	const char *v = new_side ? c->new_value : c->old_value;
	return v ? one_line(v) : xstrdup("none");
}

/* A renewal made from the lead: its list of renewals gained one at the end
 * ("lead 5, lead 6" -> "lead 5, lead 6, lead 7"). The two whole lists grow
 * with every renewal (a lead keeps up to 500: lines of thousands of
 * characters, each repeating the one before), so say what was added and how
 * many there are: "added lead 7 (3 in all)". NULL for any other change. */
static char *renewal_added(const Leadd__FieldChange *c)
{
	if (!c->field || strcmp(c->field, "renewals") || !c->new_value)
		return NULL;
	const char *old = c->old_value ? c->old_value : "", *nv = c->new_value;
	size_t lo = strlen(old);
	const char *added = nv;
	if (lo) {
		if (strncmp(nv, old, lo) || strncmp(nv + lo, ", ", 2))
			return NULL;
		added = nv + lo + 2;
	}
	if (strchr(added, ','))
		return NULL;
	size_t count = 1;
	for (const char *p = nv; (p = strstr(p, ", ")); p += 2)
		count++;
	char *one = one_line(added), *text;
	if (asprintf(&text, "added %s (%zu in all)", one, count) < 0)
		out_of_memory();
	free(one);
	return text;
}

struct hline {
	char *when, *who, *field, *text;
};

static void add_line(struct hline **lines, size_t *n, size_t *cap, struct hline l)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*lines = realloc(*lines, *cap * sizeof(**lines));
		if (!*lines)
			out_of_memory();
	}
	(*lines)[(*n)++] = l;
}

/* An activity's entry (issue 13): "added task 42.3, due ...: send the
 * quote", "fell due: ...". malloc'd, one line. */
static char *activity_text(const Leadd__HistoryItem *it)
{
	static const struct {
		const char *op, *say;
	} says[] = {{"added", "added"},     {"done", "done:"},     {"edited", "now:"},
		    {"removed", "removed"}, {"closed", "closed:"}, {"due", "fell due:"}};
	const char *say = it->activity_op ? it->activity_op : "changed";
	for (size_t i = 0; i < sizeof(says) / sizeof(says[0]); i++)
		if (it->activity_op && strcmp(it->activity_op, says[i].op) == 0)
			say = says[i].say;
	char s[LEAD_ACTIVITY_TEXT_MAX + 256], *text;
	lead_activity_sentence(it->activity, s, sizeof(s));
	char *flat = one_line(s), *word = one_line(say);
	if (asprintf(&text, "%s %s", word, flat) < 0)
		out_of_memory();
	free(flat);
	free(word);
	return text;
}

/* An opportunity's entry (issue 15): "added opportunity 7 'Roof repair',
 * 12000.00 EUR, closing 2027-01-31", "won: ...", "lost: ...: Too
 * expensive", "now: ..." for an edit. A move of the lead's status in the
 * same change is its own line, as any status change. malloc'd, one line. */
static char *opportunity_text(const Leadd__HistoryItem *it)
{
	static const struct {
		const char *op, *say;
	} says[] = {{"added", "added"}, {"edited", "now:"}, {"won", "won:"}, {"lost", "lost:"}};
	const char *say = it->opp_op ? it->opp_op : "changed";
	for (size_t i = 0; i < sizeof(says) / sizeof(says[0]); i++)
		if (it->opp_op && strcmp(it->opp_op, says[i].op) == 0)
			say = says[i].say;
	char s[1024], *text;
	lead_opp_sentence(it->opportunity, s, sizeof(s));
	char *flat = one_line(s), *word = one_line(say);
	if (asprintf(&text, "%s %s", word, flat) < 0)
		out_of_memory();
	free(flat);
	free(word);
	return text;
}

void lead_history_print(const struct lead_history *h)
{
	struct hline *lines = NULL;
	size_t n = 0, cap = 0;
	for (size_t i = 0; i < h->n; i++) {
		const Leadd__HistoryItem *it = h->items[i];
		char when[64], who[32];
		lead_format_time(it->at, when, sizeof(when));
		snprintf(who, sizeof(who), "user %llu", (unsigned long long)it->author_id);
		const char *author = it->author ? it->author : it->author_id ? who : "leadd";
		int create = it->kind && strcmp(it->kind, "create") == 0;
		if (it->activity)
			add_line(&lines, &n, &cap,
				 (struct hline){xstrdup(when), one_line(author),
						xstrdup("activity"), activity_text(it)});
		else if (it->opportunity)
			add_line(&lines, &n, &cap,
				 (struct hline){xstrdup(when), one_line(author),
						xstrdup("opportunity"), opportunity_text(it)});
		else if (create || !it->n_changes)
			add_line(&lines, &n, &cap,
				 (struct hline){xstrdup(when), one_line(author),
						xstrdup(create ? "created" : "(no change shown)"),
						xstrdup("")});
		for (size_t k = 0; k < it->n_changes; k++) {
			const Leadd__FieldChange *c = it->changes[k];
			char *text;
			if ((text = renewal_added(c))) {
				/* "added lead 49 (40 in all)": said once, not as lists. */
			} else if (!c->old_value && !c->has_old_at &&
				   (create || !strcmp(c->field, "contacts"))) {
				/* A field set at creation, or a sentence ("added Ana"). */
				text = side_text(c, 1);
			} else {
				char *a = side_text(c, 0), *b = side_text(c, 1);
				if (asprintf(&text, "%s -> %s", a, b) < 0)
					out_of_memory();
				free(a);
				free(b);
			}
			add_line(&lines, &n, &cap,
				 (struct hline){xstrdup(when), one_line(author),
						field_label(c->field), text});
		}
	}
	size_t wwho = 0, wfield = 0;
	for (size_t i = 0; i < n; i++) {
		size_t a = strlen(lines[i].who), b = strlen(lines[i].field);
		wwho = a > wwho ? a : wwho;
		wfield = b > wfield ? b : wfield;
	}
	for (size_t i = 0; i < n; i++) {
		struct hline *l = &lines[i];
		if (*l->text)
			lead_out("%s  %-*s  %-*s  %s\n", l->when, (int)wwho, l->who, (int)wfield,
				 l->field, l->text);
		else
			lead_out("%s  %-*s  %s\n", l->when, (int)wwho, l->who, l->field);
		free(l->when);
		free(l->who);
		free(l->field);
		free(l->text);
	}
	free(lines);
}

/* A value as the server writes it in history ("48000.00 EUR": the
 * currency's own decimals) as the money object every --json document uses,
 * exact up to INT64_MAX minor units. Text in another form (a code leadd
 * does not know: "4800000 XXX (minor units)") stays a string. */
static cJSON *value_json(const char *text)
{
	char amount[32], code[4], digits[32], *end;
	int n = 0;
	const ld_currency *cur;
	if (!text || sscanf(text, "%31[0-9.] %3[A-Z]%n", amount, code, &n) != 2 || text[n] ||
	    !(cur = ld_currency_find(code)))
		return lead_json_string(text);
	const char *dot = strchr(amount, '.');
	size_t whole = dot ? (size_t)(dot - amount) : strlen(amount);
	if (whole == 0 || (dot ? strlen(dot + 1) : 0) != cur->minor ||
	    (dot && strchr(dot + 1, '.')))
		return lead_json_string(text);
	memcpy(digits, amount, whole);
	strcpy(digits + whole, dot ? dot + 1 : "");
	errno = 0;
	long long minor = strtoll(digits, &end, 10);
	if (errno || *end)
		return lead_json_string(text);
	Leadd__Money m = LEADD__MONEY__INIT;
	m.has_amount_minor = 1;
	m.amount_minor = minor;
	m.currency = code;
	return lead_json_money(&m);
}

static cJSON *side_json(const Leadd__FieldChange *c, int new_side)
{
	if (c->field && strcmp(c->field, "value") == 0)
		return value_json(new_side ? c->new_value : c->old_value);
	/* "42.3 task: send the quote": the activity by name, not only when. */
	if (c->field && strcmp(c->field, "next_action_activity") == 0)
		return lead_json_string(new_side ? c->new_value : c->old_value);
	if (is_time(c)) {
		int has = new_side ? c->has_new_at : c->has_old_at;
		return has ? lead_json_time(new_side ? c->new_at : c->old_at) : cJSON_CreateNull();
	}
	return lead_json_string(new_side ? c->new_value : c->old_value);
}

cJSON *lead_history_json(const struct lead_history *h)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < h->n; i++) {
		const Leadd__HistoryItem *it = h->items[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "revision", lead_json_uint(it->revision));
		cJSON_AddItemToObject(o, "at", lead_json_time(it->at));
		cJSON_AddItemToObject(o, "author", lead_json_string(it->author));
		cJSON_AddItemToObject(o, "kind", lead_json_string(it->kind));
		/* Issue 13: the activity an entry of kind "activity" or "due"
		 * is about, and what happened to it; null for the others. */
		cJSON_AddItemToObject(o, "activity",
				      it->activity ? lead_activity_json(it->activity)
						   : cJSON_CreateNull());
		cJSON_AddItemToObject(o, "activity_op", lead_json_string(it->activity_op));
		/* Issue 15: the opportunity an entry of kind "opportunity" is
		 * about, and what happened to it; null for the others. */
		cJSON_AddItemToObject(o, "opportunity",
				      it->opportunity ? lead_opp_json(it->opportunity)
						      : cJSON_CreateNull());
		cJSON_AddItemToObject(o, "opp_op", lead_json_string(it->opp_op));
		cJSON *changes = cJSON_AddArrayToObject(o, "changes");
		for (size_t k = 0; k < it->n_changes; k++) {
			const Leadd__FieldChange *c = it->changes[k];
			cJSON *ch = cJSON_CreateObject();
			cJSON_AddItemToObject(ch, "field", lead_json_string(c->field));
			cJSON_AddItemToObject(ch, "old", side_json(c, 0));
			cJSON_AddItemToObject(ch, "new", side_json(c, 1));
			cJSON_AddItemToArray(changes, ch);
		}
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}
