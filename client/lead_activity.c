/* Activities for people and scripts: names, sentences, tables, JSON and
 * calendar items. Texts from the server are escaped where they are
 * printed (lead_out, lead_table_add), so everything here builds plain
 * strings. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lead_activity.h"
#include "lead_date.h"

int lead_activity_id_parse(const char *s, uint64_t *lead, uint32_t *number)
{
	const char *dot = s ? strchr(s, '.') : NULL;
	if (!dot || dot == s || dot[1] < '0' || dot[1] > '9')
		return -1;
	char head[32];
	size_t n = (size_t)(dot - s);
	if (n >= sizeof(head))
		return -1;
	memcpy(head, s, n);
	head[n] = 0;
	char *end;
	errno = 0;
	unsigned long long num = strtoull(dot + 1, &end, 10);
	if (lead_parse_id(head, lead) < 0 || errno || *end || num == 0 || num > UINT32_MAX)
		return -1;
	*number = (uint32_t)num;
	return 0;
}

int lead_activity_arg(const struct cmd_entry *self, struct lead_ctx *ctx, const char *s,
		      uint64_t *lead, uint32_t *number)
{
	if (lead_activity_id_parse(s, lead, number) < 0)
		return lead_usage_error(self, ctx,
					"an activity is named LEAD.N, as `lead activity ls LEAD` "
					"prints it (42.3: the third of lead 42), not '%s'",
					s);
	return 0;
}

/* 9:00, 10:30, 10:30:15: what a clock time looks like alone. */
static int clock_word(const char *s)
{
	int d = 0;
	while (*s >= '0' && *s <= '9' && d < 3)
		s++, d++;
	if (d < 1 || d > 2 || *s != ':')
		return 0;
	for (int part = 0; part < 2 && *s == ':'; part++) {
		s++;
		if (!(s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9'))
			return 0;
		s += 2;
	}
	return *s == 0;
}

int lead_activity_split_time(const struct cmd_entry *self, struct lead_ctx *ctx, const char *opt,
			     const char *value, int argc, char **argv, int first)
{
	if (!value || strchr(value, ':'))
		return 0;
	for (int i = first; i < argc; i++)
		if (clock_word(argv[i]))
			return lead_usage_error(self, ctx,
						"%s '%s' and '%s' are two arguments; a date with "
						"its time is one, in quotes: %s '%s %s'",
						opt, value, argv[i], opt, value, argv[i]);
	return 0;
}

int lead_activity_time_arg(const struct cmd_entry *self, struct lead_ctx *ctx, const char *opt,
			   const char *arg, int64_t *out)
{
	char msg[1024];
	if (lead_date_option(opt, arg, lead_now_ms(), LEAD_DATE_NOW, out, msg, sizeof(msg)) < 0)
		return lead_usage_error(self, ctx, "%s", msg);
	return 0;
}

int lead_activity_duration_arg(const struct cmd_entry *self, struct lead_ctx *ctx, const char *arg,
			       int64_t *out)
{
	if (lead_duration_parse(arg, out) < 0)
		return lead_usage_error(self, ctx,
					"--duration: '%s' is not a duration; say 15m, 1h or 1h30m "
					"(units m, h, d, w)",
					arg);
	return 0;
}

const char *lead_activity_kind_name(int kind)
{
	static const char *const names[] = {"?", "note", "call", "task", "meeting"};
	return kind > 0 && kind < 5 ? names[kind] : "?";
}

const char *lead_activity_state_name(int state)
{
	static const char *const names[] = {"?", "open", "done", "closed"};
	return state > 0 && state < 4 ? names[state] : "?";
}

static int has(const char *s)
{
	return s && *s;
}

/* Appends pre, s and post to buf (always NUL-terminated, cut when full). */
static void cat(char *buf, size_t len, const char *pre, const char *s, const char *post)
{
	size_t used = strlen(buf);
	if (used + 1 < len)
		snprintf(buf + used, len - used, "%s%s%s", pre, s, post);
}

void lead_activity_what(const Leadd__Activity *a, char *buf, size_t len)
{
	buf[0] = 0;
	if (a->kind == LEADD__ACTIVITY_KIND__ACTIVITY_NOTE) {
		cat(buf, len, "", has(a->text) ? a->text : "", "");
		return;
	}
	if (has(a->title))
		cat(buf, len, "", a->title, "");
	if (has(a->contact))
		cat(buf, len, buf[0] ? " with " : "with ", a->contact, "");
	if (has(a->place))
		cat(buf, len, buf[0] ? " at " : "at ", a->place, "");
	if (has(a->outcome))
		cat(buf, len, buf[0] ? ": " : "", a->outcome, "");
	if (has(a->text))
		cat(buf, len, buf[0] ? " (" : "", a->text, buf[0] ? ")" : "");
}

void lead_activity_sentence(const Leadd__Activity *a, char *buf, size_t len)
{
	char when[64], what[LEAD_ACTIVITY_TEXT_MAX];
	lead_format_time(a->at, when, sizeof(when));
	lead_activity_what(a, what, sizeof(what));
	const char *kind = lead_activity_kind_name(a->kind);
	int open = a->state == LEADD__ACTIVITY_STATE__ACTIVITY_OPEN;
	const char *at_word = a->kind == LEADD__ACTIVITY_KIND__ACTIVITY_TASK ? "due"
			      : open && a->kind == LEADD__ACTIVITY_KIND__ACTIVITY_CALL
				      ? "planned for"
				      : "at";
	if (a->kind == LEADD__ACTIVITY_KIND__ACTIVITY_NOTE)
		snprintf(buf, len, "note %llu.%u", (unsigned long long)a->lead_id, a->number);
	else
		snprintf(buf, len, "%s %llu.%u%s, %s %s", kind, (unsigned long long)a->lead_id,
			 a->number,
			 open                                               ? ""
			 : a->state == LEADD__ACTIVITY_STATE__ACTIVITY_DONE ? " (done)"
									    : " (closed)",
			 at_word, when);
	if (what[0]) {
		size_t used = strlen(buf);
		if (used + 1 < len)
			snprintf(buf + used, len - used, ": %s", what);
	}
}

void lead_activity_table(Leadd__Activity *const *v, size_t n)
{
	static const char *const head[] = {"ACT", "KIND", "STATE", "WHEN", "FOR", "WHAT"};
	struct lead_table *t = lead_table_new(6, head);
	lead_table_wrap_last(t, 20);
	int64_t now = lead_now_ms();
	for (size_t i = 0; i < n; i++) {
		const Leadd__Activity *a = v[i];
		char id[48], when[64], what[LEAD_ACTIVITY_TEXT_MAX];
		snprintf(id, sizeof(id), "%llu.%u", (unsigned long long)a->lead_id, a->number);
		lead_format_time(a->at, when, sizeof(when));
		lead_activity_what(a, what, sizeof(what));
		/* The agenda's items carry the server's verdict; a lead's list
		 * does not, so the reader's clock says what is past due. */
		int late = a->state == LEADD__ACTIVITY_STATE__ACTIVITY_OPEN &&
			   a->kind != LEADD__ACTIVITY_KIND__ACTIVITY_NOTE &&
			   (a->overdue || (a->at > 0 && a->at < now));
		/* A note is never open: it has no state worth a word. */
		const char *state = a->kind == LEADD__ACTIVITY_KIND__ACTIVITY_NOTE ? "-"
				    : late                                         ? "overdue"
					   : lead_activity_state_name(a->state);
		const char *cells[] = {
			id,   lead_activity_kind_name(a->kind),     state,
			when, has(a->assignee) ? a->assignee : "-", what[0] ? what : "-"};
		lead_table_add(t, cells);
	}
	lead_table_print(t);
}

/* One page; 0 with *resp (NULL: unsupported), or the exit status. */
static int fetch_page(struct lead_ctx *ctx, uint64_t lead_id, char *cursor, Leadd__Response **resp)
{
	Leadd__ActivityListRequest q = LEADD__ACTIVITY_LIST_REQUEST__INIT;
	q.has_lead_id = 1;
	q.lead_id = lead_id;
	q.cursor = cursor;
	Leadd__Request req = LEADD__REQUEST__INIT;
	req.body_case = LEADD__REQUEST__BODY_ACTIVITY_LIST;
	req.activity_list = &q;
	*resp = NULL;
	Leadd__Response *r;
	int rc = lead_call(ctx, &req, &r);
	if (rc)
		return rc;
	if (ld_response_code(r) == LD_UNIMPLEMENTED && !cursor) {
		leadd__response__free_unpacked(r, NULL);
		return 0;
	}
	if (ld_response_code(r) != LD_OK) {
		rc = lead_fail_response(ctx, r);
		leadd__response__free_unpacked(r, NULL);
		return rc;
	}
	if (r->body_case != LEADD__RESPONSE__BODY_ACTIVITY_LIST) {
		leadd__response__free_unpacked(r, NULL);
		return lead_fail(ctx, LD_UNKNOWN, "leadd at %s sent an unexpected reply",
				 ctx->server);
	}
	*resp = r;
	return 0;
}

int lead_activity_fetch(struct lead_ctx *ctx, uint64_t lead_id, struct lead_activities *out)
{
	memset(out, 0, sizeof(*out));
	char *cursor = NULL;
	for (;;) {
		Leadd__Response *r;
		int rc = fetch_page(ctx, lead_id, cursor, &r);
		if (rc || !r)
			return rc;
		out->supported = 1;
		const Leadd__ActivityListReply *page = r->activity_list;
		Leadd__Response **pages = realloc(out->pages, (out->n_pages + 1) * sizeof(*pages));
		if (pages)
			out->pages = pages;
		Leadd__Activity **v = realloc(out->v,
					      (out->n + page->n_activities + 1) * sizeof(*v));
		if (v)
			out->v = v;
		if (!pages || !v) {
			leadd__response__free_unpacked(r, NULL);
			return lead_fail(ctx, LD_UNKNOWN, "out of memory");
		}
		out->pages[out->n_pages++] = r;
		for (size_t i = 0; i < page->n_activities; i++)
			out->v[out->n++] = page->activities[i];
		/* A page that brought nothing cannot move the cursor on. */
		if (!page->cursor || !*page->cursor || !page->n_activities)
			return 0;
		cursor = page->cursor;
	}
}

void lead_activities_free(struct lead_activities *a)
{
	for (size_t i = 0; i < a->n_pages; i++)
		leadd__response__free_unpacked(a->pages[i], NULL);
	free(a->pages);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

/* Done and closed activities `lead show` prints after the open ones. */
#define SHOW_DONE 5

void lead_activity_show_block(const struct lead_activities *l, uint64_t lead_id)
{
	size_t open = 0;
	while (open < l->n && l->v[open]->state == LEADD__ACTIVITY_STATE__ACTIVITY_OPEN)
		open++;
	size_t shown = open + (l->n - open < SHOW_DONE ? l->n - open : SHOW_DONE);
	if (!l->n) {
		lead_out("\nno activities\n");
		return;
	}
	lead_out("\nactivities, open first (%zu open):\n", open);
	lead_activity_table(l->v, shown);
	if (shown < l->n)
		lead_out("older activities: lead activity ls %llu\n", (unsigned long long)lead_id);
}

cJSON *lead_activity_json(const Leadd__Activity *a)
{
	cJSON *o = cJSON_CreateObject();
	char id[48];
	snprintf(id, sizeof(id), "%llu.%u", (unsigned long long)a->lead_id, a->number);
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddItemToObject(o, "lead", lead_json_id(a->lead_id));
	cJSON_AddItemToObject(o, "number", lead_json_uint(a->number));
	cJSON_AddStringToObject(o, "kind", lead_activity_kind_name(a->kind));
	cJSON_AddStringToObject(o, "state", lead_activity_state_name(a->state));
	cJSON_AddItemToObject(o, "overdue", cJSON_CreateBool(a->overdue));
	cJSON_AddItemToObject(o, "title", lead_json_string(has(a->title) ? a->title : NULL));
	cJSON_AddItemToObject(o, "text", lead_json_string(has(a->text) ? a->text : NULL));
	cJSON_AddItemToObject(o, "outcome", lead_json_string(has(a->outcome) ? a->outcome : NULL));
	cJSON_AddItemToObject(o, "at", lead_json_time(a->at));
	cJSON_AddItemToObject(o, "duration_ms",
			      a->duration_ms > 0 ? lead_json_int(a->duration_ms)
						 : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "place", lead_json_string(has(a->place) ? a->place : NULL));
	cJSON_AddItemToObject(o, "with", lead_json_string(has(a->contact) ? a->contact : NULL));
	cJSON_AddItemToObject(o, "assignee",
			      lead_json_string(has(a->assignee) ? a->assignee : NULL));
	cJSON_AddItemToObject(o, "assignee_id", lead_json_id(a->assignee_id));
	cJSON_AddItemToObject(o, "lead_title",
			      lead_json_string(has(a->lead_title) ? a->lead_title : NULL));
	cJSON_AddItemToObject(o, "client",
			      lead_json_string(has(a->client_name) ? a->client_name : NULL));
	cJSON_AddItemToObject(o, "created_at", lead_json_time(a->created_at));
	cJSON_AddItemToObject(o, "updated_at", lead_json_time(a->updated_at));
	cJSON_AddItemToObject(o, "done_at", lead_json_time(a->done_at));
	cJSON_AddItemToObject(o, "version", lead_json_uint(a->version));
	return o;
}

void lead_activity_ics_item(const Leadd__Activity *a, struct lead_ics_item *it, char *uid_buf,
			    size_t uid_len, char *summary_buf, size_t summary_len, char *desc_buf,
			    size_t desc_len)
{
	memset(it, 0, sizeof(*it));
	/* The UID names the activity, never its position or time: a moved or
	 * renamed activity re-imports as the same calendar entry. */
	snprintf(uid_buf, uid_len, "activity-%llu.%u@leadd", (unsigned long long)a->lead_id,
		 a->number);
	int task = a->kind == LEADD__ACTIVITY_KIND__ACTIVITY_TASK;
	const char *kind = a->kind == LEADD__ACTIVITY_KIND__ACTIVITY_CALL ? "Call"
			   : task                                         ? "Task"
									  : "Meeting";
	char what[LEAD_ACTIVITY_TEXT_MAX];
	summary_buf[0] = 0;
	snprintf(summary_buf, summary_len, "%s", kind);
	if (has(a->title))
		cat(summary_buf, summary_len, ": ", a->title, "");
	if (has(a->contact))
		cat(summary_buf, summary_len, " with ", a->contact, "");
	if (has(a->client_name) || has(a->lead_title))
		cat(summary_buf, summary_len, " (",
		    has(a->client_name) ? a->client_name : a->lead_title, ")");
	lead_activity_what(a, what, sizeof(what));
	snprintf(desc_buf, desc_len, "Lead %llu%s%s, activity %llu.%u%s%s",
		 (unsigned long long)a->lead_id, has(a->lead_title) ? ": " : "",
		 has(a->lead_title) ? a->lead_title : "", (unsigned long long)a->lead_id, a->number,
		 what[0] ? "\n" : "", what);
	it->kind = task ? LEAD_ICS_TODO : LEAD_ICS_EVENT;
	it->state = a->state == LEADD__ACTIVITY_STATE__ACTIVITY_DONE     ? LEAD_ICS_DONE
		    : a->state == LEADD__ACTIVITY_STATE__ACTIVITY_CLOSED ? LEAD_ICS_CANCELLED
									 : LEAD_ICS_OPEN;
	it->uid = uid_buf;
	it->summary = summary_buf;
	it->description = desc_buf;
	it->location = has(a->place) ? a->place : NULL;
	if (task) {
		it->due_ms = a->at;
		it->completed_ms = a->done_at;
	} else {
		it->start_ms = a->at;
		it->duration_ms = a->duration_ms > 0 ? a->duration_ms : 0;
	}
	it->created_ms = a->created_at > 0 ? a->created_at : 0;
	it->updated_ms = a->updated_at > 0 ? a->updated_at : a->created_at;
	/* The activity's version is the store's revision of its last change:
	 * it only grows, which is all SEQUENCE asks. */
	it->sequence = (int64_t)a->version;
}

void lead_activity_print_closed(Leadd__Activity *const *v, size_t n)
{
	if (!n)
		return;
	lead_out("closed %zu open activit%s:\n", n, n == 1 ? "y" : "ies");
	for (size_t i = 0; i < n; i++) {
		char s[LEAD_ACTIVITY_TEXT_MAX + 256];
		lead_activity_sentence(v[i], s, sizeof(s));
		lead_out("  %s\n", s);
	}
}

void lead_activity_json_closed(cJSON *o, Leadd__Activity *const *v, size_t n)
{
	if (!n)
		return;
	cJSON *arr = cJSON_AddArrayToObject(o, "closed_activities");
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, lead_activity_json(v[i]));
}
