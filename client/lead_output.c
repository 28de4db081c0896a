/* Everything lead prints goes through here: errors (text or JSON, on stderr,
 * with the exit status from ld_error.h), help from the command table, and the
 * text and JSON forms of leads, statuses and tables. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <utf8proc.h>

#include "ld_currency.h"
#include "ld_norm.h"
#include "lead.h"
#include "lead_date.h"
#include "lead_filter.h"

/* ---- small helpers ---- */

/* The name messages start with: leadtop shares this library and sets its own. */
const char *lead_program = "lead";

static void out_of_memory(void)
{
	fprintf(stderr, "%s: out of memory\n", lead_program);
	exit(LD_EXIT_ERROR);
}

static char *xvasprintf(const char *fmt, va_list ap)
{
	char *s;
	if (vasprintf(&s, fmt, ap) < 0)
		out_of_memory();
	return s;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);
	if (!p)
		out_of_memory();
	return p;
}

/* Terminal columns taken by a UTF-8 string: two for East Asian wide
 * characters, none for combining marks (utf8proc's widths); text is
 * escaped before it is measured, so it is valid UTF-8. */
static size_t text_width_n(const char *s, size_t len)
{
	size_t w = 0;
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	while (len) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n = utf8proc_iterate(p, (utf8proc_ssize_t)len, &cp);
		if (n <= 0) { /* not UTF-8: one column a byte */
			w++;
			n = 1;
		} else {
			w += (size_t)utf8proc_charwidth(cp);
		}
		p += n;
		len -= (size_t)n;
	}
	return w;
}

static size_t text_width(const char *s)
{
	return text_width_n(s, strlen(s));
}

/* A copy of s cut to `width` columns, the last one an ellipsis when cut
 * (a wide character that would cross the edge goes too). */
static char *text_truncate(const char *s, size_t width)
{
	if (text_width(s) <= width)
		return xasprintf("%s", s);
	if (width == 0) /* a column squeezed to nothing (a 1-column terminal) */
		return xasprintf("%s", "");
	size_t w = 0, len = strlen(s);
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	while (len) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n = utf8proc_iterate(p, (utf8proc_ssize_t)len, &cp);
		size_t cw = 1;
		if (n <= 0)
			n = 1;
		else
			cw = (size_t)utf8proc_charwidth(cp);
		if (w + cw > width - 1)
			break;
		w += cw;
		p += n;
		len -= (size_t)n;
	}
	return xasprintf("%.*s…", (int)((const char *)p - s), s);
}

/* A copy of text from the server that is safe for a terminal: control
 * characters, bidi overrides and bytes that are not UTF-8 come out escaped
 * ("\x1b"), so a lead title cannot clear the screen, set the window title
 * or write the clipboard. The server refuses them already; this is the
 * client's own guard, for an older or hostile server. */
static char *escaped(const char *s, int multiline)
{
	size_t need = ld_text_escape(s, multiline, NULL, 0);
	char *out = xcalloc(1, need + 1);
	ld_text_escape(s, multiline, out, need + 1);
	return out;
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

/* ---- errors ---- */

static void print_error(struct lead_ctx *ctx, int code, const char *msg)
{
	if (ctx && ctx->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "code", ld_code_name(code));
		cJSON_AddStringToObject(o, "message", msg);
		char *s = cJSON_PrintUnformatted(o);
		if (s)
			fprintf(stderr, "%s\n", s);
		free(s);
		cJSON_Delete(o);
	} else {
		char *safe = escaped(msg, 1);
		fprintf(stderr, "%s: %s\n", lead_program, safe);
		free(safe);
	}
}

int lead_usage_error(const struct cmd_entry *e, struct lead_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	print_error(ctx, LD_INVALID_ARGUMENT, msg);
	free(msg);
	if (!ctx || !ctx->json) {
		if (e)
			lead_print_cmd_usage(stderr, e);
		else
			fputs("usage: lead [OPTIONS] COMMAND [ARGS...]; run 'lead help'\n", stderr);
	}
	return LD_EXIT_USAGE;
}

int lead_fail(struct lead_ctx *ctx, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	print_error(ctx, code, msg);
	free(msg);
	return ld_code_exit_status(code);
}

int lead_fail_response(struct lead_ctx *ctx, const Leadd__Response *resp)
{
	int code = ld_response_code(resp);
	print_error(ctx, code, ld_response_message(resp));
	return ld_code_exit_status(code);
}

int lead_fail_unreachable(struct lead_ctx *ctx, const char *reason)
{
	return lead_fail(ctx, LD_UNAVAILABLE,
			 "cannot reach leadd at %s: %s (is leadd running? see --server)",
			 ctx->server, reason);
}

void lead_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: warning: ", lead_program);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ---- plain and JSON output ---- */

void lead_out(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *text = xvasprintf(fmt, ap);
	va_end(ap);
	char *safe = escaped(text, 1);
	fputs(safe, stdout);
	free(safe);
	free(text);
}

int lead_json_out(cJSON *v)
{
	if (!v)
		out_of_memory();
	char *s = cJSON_Print(v);
	cJSON_Delete(v);
	if (!s)
		out_of_memory();
	printf("%s\n", s);
	free(s);
	return 0;
}

/* ---- help ---- */

/* Prints the usage wrapped at 80 columns, never breaking inside [...] or (...). */
void lead_print_cmd_usage(FILE *f, const struct cmd_entry *e)
{
	int indent = fprintf(f, "usage: lead %s", e->name);
	int col = indent;
	const char *p = e->usage;
	while (*p) {
		while (*p == ' ')
			p++;
		const char *start = p;
		int depth = 0;
		for (; *p && (depth > 0 || *p != ' '); p++) {
			if (*p == '[' || *p == '(')
				depth++;
			else if (*p == ']' || *p == ')')
				depth--;
		}
		int len = (int)(p - start);
		if (len == 0)
			break;
		if (col + 1 + len > 80 && col > indent) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		}
		col += fprintf(f, " %.*s", len, start);
	}
	fputc('\n', f);
}

/* text after a column `indent` wide, its words wrapped at 80 columns. */
static void print_wrapped(FILE *f, const char *text, size_t indent)
{
	size_t col = indent;
	for (const char *p = text; *p;) {
		while (*p == ' ')
			p++;
		size_t len = strcspn(p, " ");
		if (!len)
			break;
		if (col > indent && col + 1 + text_width_n(p, len) > 80) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
		}
		fprintf(f, " %.*s", (int)len, p);
		col += 1 + text_width_n(p, len);
		p += len;
	}
	fputc('\n', f);
}

void lead_print_cmd_help(FILE *f, const struct cmd_entry *e)
{
	lead_print_cmd_usage(f, e);
	fprintf(f, "\n%s.\n", e->help);
	if (e->notes)
		fprintf(f, "\n%s\n", e->notes);
	if (e->filters)
		lead_filter_print_help(f, e->filters == LEAD_FILTERS_OWN_TEAM);
	if (e->sub) {
		fputs("\nCommands:\n", f);
		for (const struct cmd_entry *const *s = e->sub; *s; s++) {
			fprintf(f, "  %-12s", strrchr((*s)->name, ' ') + 1);
			print_wrapped(f, (*s)->help, 14);
		}
		fputs("\n", f);
		for (const struct cmd_entry *const *s = e->sub; *s; s++)
			lead_print_cmd_usage(f, *s);
		fprintf(f, "\nRun 'lead help %s COMMAND' for one command's options.\n", e->name);
	}
	if (e->alias) {
		/* A subcommand's alias is a word after its family's name: "lead
		 * client list", not "lead list" (which is another command). */
		const char *last = strrchr(e->name, ' ');
		fprintf(f, "Also: lead %.*s%s.\n", last ? (int)(last - e->name + 1) : 0, e->name,
			e->alias);
	}
	fputs("Global options (--server, --json, --timeout) go before the command;\n"
	      "see 'lead --help'.\n",
	      f);
}

/* ---- formatting ---- */

/* A time stamp in a lead or a reply; 0 (never) prints as "-". */
void lead_format_time(int64_t unix_ms, char *buf, size_t len)
{
	if (unix_ms <= 0)
		snprintf(buf, len, "-");
	else
		lead_date_format_local(unix_ms, buf, len);
}

/* The one money format of every command (ls, show, kpi, filter
 * summaries): the currency's own decimals and no thousands separator, so a
 * printed amount is one --value takes back (the decimal comma it accepts
 * would make "48,500" ambiguous): 5000 JPY, 1234.50 EUR, 12.345 BHD. A code
 * this client does not know is shown as raw minor units, never guessed. */
void lead_format_money(int64_t minor, const char *code, char *buf, size_t len)
{
	const ld_currency *cur = code ? ld_currency_find(code) : NULL;
	char amount[32];
	ld_amount_format(minor, cur ? cur->minor : 0, amount, sizeof(amount));
	snprintf(buf, len, "%s %s%s", amount, code ? code : "", cur ? "" : " (minor units)");
}

void lead_format_sum(int64_t minor, const char *code, char *buf, size_t len)
{
	char amount[64];
	lead_format_money(minor, code, amount, sizeof(amount));
	snprintf(buf, len, "%s%s", minor == INT64_MAX ? "at least " : "", amount);
}

void lead_format_value(const Leadd__Money *m, char *buf, size_t len)
{
	if (!m || !m->has_amount_minor)
		snprintf(buf, len, "-");
	else
		lead_format_money(m->amount_minor, m->currency, buf, len);
}

static const char *const stage_names[] = {"-", "lead", "prospect", "customer"};
static const char *const kpi_names[] = {"none",     "new",  "qualified", "dead",
					"prospect", "lost", "won"};

const char *lead_stage_name(int stage)
{
	return stage >= 0 && stage < 4 ? stage_names[stage] : "?";
}

const char *lead_kpi_name(int kpi)
{
	return kpi >= 0 && kpi < 7 ? kpi_names[kpi] : "?";
}

const char *lead_role_name(int role)
{
	static const char *const names[] = {"-", "rep", "manager", "admin"};
	return role >= 0 && role < 4 ? names[role] : "?";
}

const char *lead_user_name(const struct lead_names *n, uint64_t id)
{
	if (!n || !id)
		return NULL;
	for (size_t i = 0; n->users && i < n->users->n_users; i++)
		if (n->users->users[i]->id == id)
			return n->users->users[i]->name;
	if (n->self && n->self->id == id)
		return n->self->name;
	return NULL;
}

void lead_format_owner(const struct lead_names *n, uint64_t id, const char *prefix, char *buf,
		       size_t len)
{
	const char *name = lead_user_name(n, id);
	if (!id)
		snprintf(buf, len, "pool");
	else if (name && !n->users)
		/* Refused the user list (a rep): the caller's own id is "you". */
		snprintf(buf, len, "you");
	else if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%s%llu", prefix, (unsigned long long)id);
}

const char *lead_team_name(const struct lead_names *n, uint64_t id)
{
	for (size_t i = 0; n && n->teams && i < n->teams->n_teams; i++)
		if (n->teams->teams[i]->id == id)
			return n->teams->teams[i]->name;
	if (n && n->self && n->self->team_id == id && n->self->team_name)
		return n->self->team_name;
	return NULL;
}

static const char *status_name(const Leadd__StatusListReply *sl, uint64_t id, char *buf, size_t len)
{
	const Leadd__Status *s = lead_status_by_id(sl, id);
	if (s && s->name)
		return s->name;
	snprintf(buf, len, "#%llu", (unsigned long long)id);
	return buf;
}

/* ---- JSON forms ---- */

/* An optional string: absent or empty is null (the server keeps "" as
 * absent: `--source ""` clears the source). */
static void add_str(cJSON *o, const char *key, const char *s)
{
	if (s && *s)
		cJSON_AddStringToObject(o, key, s);
	else
		cJSON_AddNullToObject(o, key);
}

cJSON *lead_json_string(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

/* Most JSON readers (JavaScript, jq, Python's float paths) hold a number in
 * a double, which has every integer only up to 2^53 - 1: past that,
 * 9007199254740993 would be read back as ...992. Such integers are written
 * as strings of their digits instead, so no reader gets a wrong amount.
 * Those below are written as their digits too (cJSON_CreateRaw): cJSON
 * prints a double with 15 significant digits when that reads back within
 * its tolerance, so 9007199254740991 would come out 9.00719925474099e+15. */
#define JSON_SAFE_INT 9007199254740991LL

cJSON *lead_json_int(int64_t v)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	if (v >= -JSON_SAFE_INT && v <= JSON_SAFE_INT)
		return cJSON_CreateRaw(buf);
	return cJSON_CreateString(buf);
}

cJSON *lead_json_uint(uint64_t v)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	if (v <= (uint64_t)JSON_SAFE_INT)
		return cJSON_CreateRaw(buf);
	return cJSON_CreateString(buf);
}

cJSON *lead_json_id(uint64_t id)
{
	return id ? lead_json_uint(id) : cJSON_CreateNull();
}

/* RFC 3339 in UTC, with milliseconds only when there are some (both forms
 * are RFC 3339; the milliseconds keep the time exact). Before 1970 is
 * written as such ("1969-12-31T23:59:59.999Z"). A year past 9999 cannot be
 * written in RFC 3339: it gets ISO 8601's expanded form, a sign and more
 * digits ("+292278994-08-17T07:12:55.807Z"), which no reader takes for
 * another time. */
static int json_time_format(int64_t unix_ms, char *buf, size_t len)
{
	int64_t sec = unix_ms / 1000, ms = unix_ms % 1000;
	if (ms < 0) { /* floor, so -1 ms is 23:59:59.999 the day before */
		ms += 1000;
		sec -= 1;
	}
	time_t t = (time_t)sec;
	struct tm tm;
	if (!gmtime_r(&t, &tm))
		return -1;
	long long year = tm.tm_year + 1900LL;
	char frac[8] = "";
	if (ms)
		snprintf(frac, sizeof(frac), ".%03d", (int)ms);
	snprintf(buf, len,
		 year >= 0 && year <= 9999 ? "%04lld-%02d-%02dT%02d:%02d:%02d%sZ"
					   : "%+lld-%02d-%02dT%02d:%02d:%02d%sZ",
		 year, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
	return 0;
}

cJSON *lead_json_time(int64_t unix_ms)
{
	char buf[64];
	/* 0 is the wire's "none" (no next action, never). */
	if (unix_ms == 0 || json_time_format(unix_ms, buf, sizeof(buf)) < 0)
		return cJSON_CreateNull();
	return cJSON_CreateString(buf);
}

cJSON *lead_json_money(const Leadd__Money *m)
{
	if (!m || !m->has_amount_minor)
		return cJSON_CreateNull();
	const ld_currency *cur = m->currency ? ld_currency_find(m->currency) : NULL;
	cJSON *o = cJSON_CreateObject();
	if (cur) {
		char amount[32];
		ld_amount_format(m->amount_minor, cur->minor, amount, sizeof(amount));
		cJSON_AddStringToObject(o, "amount", amount);
	} else {
		/* A code this client does not know: its decimals are unknown, so
		 * no amount is guessed; minor stays exact. */
		cJSON_AddNullToObject(o, "amount");
	}
	cJSON_AddItemToObject(o, "minor", lead_json_int(m->amount_minor));
	add_str(o, "currency", m->currency);
	return o;
}

cJSON *lead_json_minor(int64_t minor, const char *code)
{
	if (!code)
		return cJSON_CreateNull();
	Leadd__Money m = LEADD__MONEY__INIT;
	m.has_amount_minor = 1;
	m.amount_minor = minor;
	m.currency = (char *)code;
	return lead_json_money(&m);
}

cJSON *lead_json_sum(int64_t minor, const char *code)
{
	cJSON *o = lead_json_minor(minor, code);
	if (o && code && minor == INT64_MAX)
		cJSON_AddTrueToObject(o, "at_least");
	return o;
}

/* A stage's name; none (0, "-" in tables) is null. */
static const char *json_stage(int stage)
{
	return stage > 0 ? lead_stage_name(stage) : NULL;
}

/* A name the caller may know for a user id; null for 0 or unknown. */
static cJSON *json_user_name(const struct lead_names *names, uint64_t id)
{
	return lead_json_string(lead_user_name(names, id));
}

static cJSON *json_contact(const Leadd__Contact *c, int main)
{
	cJSON *o = cJSON_CreateObject();
	add_str(o, "name", c->name);
	add_str(o, "role", c->role);
	add_str(o, "email", c->email);
	add_str(o, "phone", c->phone);
	add_str(o, "note", c->note);
	cJSON_AddBoolToObject(o, "left", c->has_left && c->left);
	cJSON_AddBoolToObject(o, "main", main);
	return o;
}

/* Stand-by (issue 12): null when the lead is not on stand-by. */
static void json_standby(cJSON *o, const Leadd__Lead *l)
{
	cJSON_AddItemToObject(o, "standby_until", lead_json_time(l->standby_until));
	add_str(o, "standby_reason", l->standby_reason);
}

/* Activities (issue 13): which open activity is the next action ("42.3";
 * null: the lead's own), the lead's own next action while an activity is
 * earlier, and what speed to lead counts from and to. */
static void json_activity_fields(cJSON *o, const Leadd__Lead *l)
{
	if (l->next_action_activity) {
		char id[48];
		snprintf(id, sizeof(id), "%llu.%u", (unsigned long long)l->id,
			 (unsigned)l->next_action_activity);
		cJSON_AddStringToObject(o, "next_action_activity", id);
	} else {
		cJSON_AddNullToObject(o, "next_action_activity");
	}
	cJSON_AddItemToObject(o, "own_next_action", lead_json_time(l->own_next_at));
	add_str(o, "own_next_action_note", l->own_next_note);
	cJSON_AddItemToObject(o, "owner_since", lead_json_time(l->owner_since));
	cJSON_AddItemToObject(o, "first_touch_at", lead_json_time(l->first_touch_at));
}

cJSON *lead_json_lead(const Leadd__Lead *l, const Leadd__StatusListReply *sl,
		      const struct lead_names *names)
{
	cJSON *o = cJSON_CreateObject();
	const Leadd__Status *s = lead_status_by_id(sl, l->status_id);
	cJSON_AddItemToObject(o, "id", lead_json_uint(l->id));
	add_str(o, "title", l->title);
	add_str(o, "client", l->client_name);
	cJSON_AddItemToObject(o, "client_id", lead_json_id(l->client_id));
	add_str(o, "description", l->description);
	cJSON_AddItemToObject(o, "value", lead_json_money(l->value));
	add_str(o, "source", l->source);
	cJSON *tags = cJSON_AddArrayToObject(o, "tags");
	for (size_t i = 0; i < l->n_tags; i++)
		cJSON_AddItemToArray(tags, lead_json_string(l->tags[i]));
	cJSON *contacts = cJSON_AddArrayToObject(o, "contacts");
	for (size_t i = 0; i < l->n_contacts; i++)
		cJSON_AddItemToArray(contacts, json_contact(l->contacts[i], i == 0));
	add_str(o, "status", s ? s->name : NULL);
	cJSON_AddItemToObject(o, "status_id", lead_json_id(l->status_id));
	add_str(o, "stage", s ? json_stage(s->stage) : NULL);
	if (s)
		cJSON_AddNumberToObject(o, "probability", s->probability);
	else
		cJSON_AddNullToObject(o, "probability");
	add_str(o, "kpi", s ? lead_kpi_name(s->kpi_class) : NULL);
	cJSON_AddItemToObject(o, "status_changed_at",
			      lead_json_time(l->has_status_changed_at ? l->status_changed_at : 0));
	add_str(o, "status_reason", l->status_reason); /* why it is dead or lost */
	cJSON_AddItemToObject(o, "owner", json_user_name(names, l->owner_id));
	cJSON_AddItemToObject(o, "owner_id", lead_json_id(l->owner_id));
	add_str(o, "team", l->team_id ? lead_team_name(names, l->team_id) : NULL);
	cJSON_AddItemToObject(o, "team_id", lead_json_id(l->team_id));
	cJSON_AddItemToObject(o, "next_action", lead_json_time(l->next_action_at));
	add_str(o, "next_action_note", l->next_action_note);
	json_activity_fields(o, l);
	json_standby(o, l);
	/* Archive and renew (issue 12): the links both ways, by id. */
	cJSON_AddBoolToObject(o, "archived", l->archived);
	cJSON_AddItemToObject(o, "renewed_from", lead_json_id(l->renewed_from));
	cJSON *renewals = cJSON_AddArrayToObject(o, "renewals");
	for (size_t i = 0; i < l->n_renewals; i++)
		cJSON_AddItemToArray(renewals, lead_json_uint(l->renewals[i]));
	cJSON_AddItemToObject(o, "created_at", lead_json_time(l->created_at));
	/* Beside the names, the ids: a rep may not list users, and gets null
	 * for a name they may not see, but the id still says who. */
	cJSON_AddItemToObject(o, "created_by", json_user_name(names, l->created_by));
	cJSON_AddItemToObject(o, "created_by_id", lead_json_id(l->created_by));
	cJSON_AddItemToObject(o, "updated_at", lead_json_time(l->updated_at));
	cJSON_AddItemToObject(o, "updated_by", json_user_name(names, l->updated_by));
	cJSON_AddItemToObject(o, "updated_by_id", lead_json_id(l->updated_by));
	cJSON_AddItemToObject(o, "version", lead_json_uint(l->version));
	return o;
}

cJSON *lead_json_status(const Leadd__Status *s)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "id", lead_json_uint(s->id));
	add_str(o, "name", s->name);
	add_str(o, "stage", json_stage(s->stage));
	cJSON_AddNumberToObject(o, "probability", s->probability);
	cJSON_AddStringToObject(o, "kpi", lead_kpi_name(s->kpi_class));
	cJSON_AddNumberToObject(o, "position", s->position);
	/* Only admins are told how many leads a status holds. */
	cJSON_AddItemToObject(o, "leads",
			      s->has_leads ? lead_json_uint(s->leads) : cJSON_CreateNull());
	cJSON_AddBoolToObject(o, "conversion_target", s->conversion_target);
	return o;
}

/* ---- key: value blocks ---- */

struct lead_kv {
	size_t n, cap;
	const char **keys;
	char **values;
};

struct lead_kv *lead_kv_new(void)
{
	return xcalloc(1, sizeof(struct lead_kv));
}

void lead_kv_add(struct lead_kv *kv, const char *key, const char *fmt, ...)
{
	if (kv->n == kv->cap) {
		kv->cap = kv->cap ? kv->cap * 2 : 16;
		kv->keys = realloc(kv->keys, kv->cap * sizeof(*kv->keys));
		kv->values = realloc(kv->values, kv->cap * sizeof(*kv->values));
		if (!kv->keys || !kv->values)
			out_of_memory();
	}
	va_list ap;
	va_start(ap, fmt);
	kv->keys[kv->n] = key;
	char *text = xvasprintf(fmt, ap);
	va_end(ap);
	kv->values[kv->n] = escaped(text, 1);
	free(text);
	kv->n++;
}

/* Values spanning several lines (descriptions, contacts) keep their column. */
void lead_kv_print(struct lead_kv *kv)
{
	int width = 0;
	for (size_t i = 0; i < kv->n; i++)
		if ((int)strlen(kv->keys[i]) + 1 > width)
			width = (int)strlen(kv->keys[i]) + 1;
	for (size_t i = 0; i < kv->n; i++) {
		printf("%s:%*s", kv->keys[i], width - (int)strlen(kv->keys[i]), "");
		for (const char *p = kv->values[i]; *p; p++) {
			putchar(*p);
			if (*p == '\n' && p[1])
				printf("%*s", width + 1, "");
		}
		putchar('\n');
		free(kv->values[i]);
	}
	free(kv->keys);
	free(kv->values);
	free(kv);
}

/* ---- tables ---- */

struct lead_table {
	int ncols;
	size_t nrows, cap;
	char **cells; /* nrows * ncols, row 0 is the header */
	int right[16];
	int shrink[16]; /* the narrowest a cut column may get; 0: never cut */
	/* Which cut columns go first: the lowest rank is cut down to its
	 * minimum before a higher one is touched (lead ls: title, then client);
	 * columns of one rank are cut evenly. */
	int rank[16];
	int wrap_last; /* the last column wraps at spaces instead of being cut */
	int no_header; /* row 0 sizes nothing and is not printed */
};

struct lead_table *lead_table_new(int ncols, const char *const *head)
{
	struct lead_table *t = xcalloc(1, sizeof(*t));
	t->ncols = ncols < 16 ? ncols : 16;
	lead_table_add(t, head);
	return t;
}

void lead_table_align_right(struct lead_table *t, int col)
{
	if (col >= 0 && col < t->ncols)
		t->right[col] = 1;
}

void lead_table_shrink(struct lead_table *t, int col, int min_width)
{
	if (col >= 0 && col < t->ncols && min_width > 1)
		t->shrink[col] = min_width;
}

void lead_table_wrap_last(struct lead_table *t, int min_width)
{
	lead_table_shrink(t, t->ncols - 1, min_width);
	t->wrap_last = 1;
}

/* Bytes of the longest start of s (len bytes) that fits `width` columns,
 * never less than one character (a column narrower than a wide character
 * still moves on) and never leaving a combining mark behind its letter. */
static size_t text_fit_n(const char *s, size_t len, size_t width)
{
	size_t w = 0, used = 0;
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	while (used < len) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n = utf8proc_iterate(p + used, (utf8proc_ssize_t)(len - used),
						      &cp);
		size_t cw = 1;
		if (n <= 0)
			n = 1;
		else
			cw = (size_t)utf8proc_charwidth(cp);
		if (used && w + cw > width)
			break;
		w += cw;
		used += (size_t)n;
	}
	return used;
}

/* The last cell, wrapped at spaces to `width` columns, continuation lines
 * indented to its column. A word wider than the column (a long URL, or
 * Japanese, written without spaces) is broken between characters: the
 * table fits the terminal, as docs/cli.md says, and no text is lost. */
static void print_wrapped_cell(const char *cell, size_t width, size_t indent)
{
	size_t col = 0;
	for (const char *p = cell; *p;) {
		while (*p == ' ')
			p++;
		size_t len = strcspn(p, " ");
		if (!len)
			break;
		size_t w = text_width_n(p, len);
		if (col && col + 1 + w > width) {
			printf("\n%*s", (int)indent, "");
			col = 0;
		}
		while (!col && w > width) {
			size_t part = text_fit_n(p, len, width);
			if (part == len)
				break;
			printf("%.*s\n%*s", (int)part, p, (int)indent, "");
			p += part;
			len -= part;
			w = text_width_n(p, len);
		}
		printf("%s%.*s", col ? " " : "", (int)len, p);
		col += (col ? 1 : 0) + w;
		p += len;
	}
	putchar('\n');
}

/* Columns a table may fill when stdout is a terminal: $COLUMNS when set
 * (the reader's own say), else the terminal's width, else 80. 0 when stdout
 * is not a terminal: a pipe or a file gets every cell whole (a script must
 * not get "Payroll outs…" for a title). */
static size_t table_columns(void)
{
	if (!isatty(STDOUT_FILENO))
		return 0;
	const char *env = getenv("COLUMNS");
	if (env && *env) {
		char *end;
		long v = strtol(env, &end, 10);
		if (!*end && v > 0 && v <= 100000)
			return (size_t)v;
	}
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

/* Narrows the cut columns until the rows fit: within the lowest rank still
 * above its minimum, each time the column furthest above its minimum. On a
 * terminal too narrow for every minimum the lines stay too long. */
static void table_fit(const struct lead_table *t, size_t *width)
{
	size_t total = 0, max = table_columns();
	if (max == 0)
		return;
	for (int c = 0; c < t->ncols; c++)
		total += width[c] + (c ? 2 : 0);
	while (total > max) {
		int pick = -1;
		for (int c = 0; c < t->ncols; c++) {
			if (!t->shrink[c] || width[c] <= (size_t)t->shrink[c])
				continue;
			if (pick < 0 || t->rank[c] < t->rank[pick] ||
			    (t->rank[c] == t->rank[pick] &&
			     width[c] - (size_t)t->shrink[c] >
				     width[pick] - (size_t)t->shrink[pick]))
				pick = c;
		}
		if (pick < 0)
			break;
		width[pick]--;
		total--;
	}
}

void lead_table_add(struct lead_table *t, const char *const *cells)
{
	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->cells = realloc(t->cells, t->cap * (size_t)t->ncols * sizeof(*t->cells));
		if (!t->cells)
			out_of_memory();
	}
	for (int c = 0; c < t->ncols; c++)
		t->cells[t->nrows * (size_t)t->ncols + (size_t)c] = escaped(
			cells[c] ? cells[c] : "", 0);
	t->nrows++;
}

void lead_table_print(struct lead_table *t)
{
	size_t width[16] = {0}, first = t->no_header ? 1 : 0;
	for (size_t r = first; r < t->nrows; r++)
		for (int c = 0; c < t->ncols; c++) {
			size_t w = text_width(t->cells[r * (size_t)t->ncols + (size_t)c]);
			if (w > width[c])
				width[c] = w;
		}
	table_fit(t, width);
	size_t indent = 0;
	for (int c = 0; c + 1 < t->ncols; c++)
		indent += width[c] + 2;
	for (size_t c = 0; first && c < (size_t)t->ncols; c++)
		free(t->cells[c]);
	for (size_t r = first; r < t->nrows; r++) {
		for (int c = 0; c < t->ncols; c++) {
			char **slot = &t->cells[r * (size_t)t->ncols + (size_t)c];
			if (t->wrap_last && c == t->ncols - 1) {
				print_wrapped_cell(*slot, width[c], indent);
				free(*slot);
				continue;
			}
			if (text_width(*slot) > width[c]) {
				char *cut = text_truncate(*slot, width[c]);
				free(*slot);
				*slot = cut;
			}
			char *cell = *slot;
			int pad = (int)(width[c] - text_width(cell));
			int last = c == t->ncols - 1;
			if (t->right[c])
				printf("%*s%s", pad, "", cell);
			else
				printf("%s%*s", cell, last ? 0 : pad, "");
			fputs(last ? "\n" : "  ", stdout);
			free(cell);
		}
	}
	free(t->cells);
	free(t);
}

/* ---- leads and statuses as text ---- */

/* lead_print_lead is in lead_show.c. */

/* ID TITLE CLIENT STATUS VALUE OWNER NEXT [UPDATED VERSION]. On a terminal
 * the title is cut first (down to 10 columns), then the client (6), then
 * status and owner (8 and 6): what a reader scans by comes last. */
void lead_print_leads(Leadd__Lead *const *leads, size_t n, const Leadd__StatusListReply *sl,
		      const struct lead_names *names, int flags)
{
	static const char *const head[] = {"ID",    "TITLE", "CLIENT",  "STATUS", "VALUE",
					   "OWNER", "NEXT",  "UPDATED", "VERSION"};
	int wide = flags & LEAD_LIST_WIDE;
	struct lead_table *t = lead_table_new(wide ? 9 : 7, head);
	t->no_header = !!(flags & LEAD_LIST_NO_HEADERS);
	lead_table_align_right(t, 0);
	lead_table_align_right(t, 4);
	lead_table_align_right(t, 8);
	lead_table_shrink(t, 1, 10);
	lead_table_shrink(t, 2, 6);
	lead_table_shrink(t, 3, 8);
	lead_table_shrink(t, 5, 6);
	t->rank[2] = 1;
	t->rank[3] = t->rank[5] = 2;
	for (size_t i = 0; i < n; i++) {
		const Leadd__Lead *l = leads[i];
		char id[24], status[64], value[64], owner[160], next[64], updated[64], version[24];
		snprintf(id, sizeof(id), "%llu", (unsigned long long)l->id);
		lead_format_value(l->value, value, sizeof(value));
		lead_format_owner(names, l->owner_id, "", owner, sizeof(owner));
		lead_format_time(l->next_action_at, next, sizeof(next));
		lead_format_time(l->updated_at, updated, sizeof(updated));
		snprintf(version, sizeof(version), "%llu", (unsigned long long)l->version);
		const char *row[] = {
			id,
			or_dash(l->title),
			or_dash(l->client_name),
			status_name(sl, l->status_id, status, sizeof(status)),
			value,
			owner,
			next,
			updated,
			version,
		};
		lead_table_add(t, row);
	}
	lead_table_print(t);
}

/* lead statuses: in display order. LEADS is "-" when the server gave no
 * count (only admins get one); TARGET marks each stage's conversion
 * target. The name column gives way first on a narrow terminal. */
void lead_print_status_table(const Leadd__StatusListReply *sl)
{
	static const char *const head[] = {"ID",  "NAME",  "STAGE", "PROBABILITY",
					   "KPI", "ORDER", "LEADS", "TARGET"};
	struct lead_table *t = lead_table_new(8, head);
	lead_table_align_right(t, 0);
	lead_table_align_right(t, 3);
	lead_table_align_right(t, 5);
	lead_table_align_right(t, 6);
	lead_table_shrink(t, 1, 8);
	for (size_t i = 0; i < sl->n_statuses; i++) {
		const Leadd__Status *s = sl->statuses[i];
		char id[24], prob[16], pos[16], leads[24];
		snprintf(id, sizeof(id), "%llu", (unsigned long long)s->id);
		snprintf(prob, sizeof(prob), "%u%%", s->probability);
		snprintf(pos, sizeof(pos), "%u", s->position);
		if (s->has_leads)
			snprintf(leads, sizeof(leads), "%llu", (unsigned long long)s->leads);
		else
			snprintf(leads, sizeof(leads), "-");
		const char *row[] = {id,
				     or_dash(s->name),
				     lead_stage_name(s->stage),
				     prob,
				     lead_kpi_name(s->kpi_class),
				     pos,
				     leads,
				     s->conversion_target ? "yes" : "no"};
		lead_table_add(t, row);
	}
	lead_table_print(t);
}

/* ---- users and teams ---- */

cJSON *lead_json_user(const Leadd__User *u)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "id", lead_json_uint(u->id));
	add_str(o, "name", u->name);
	cJSON_AddStringToObject(o, "role", lead_role_name(u->role));
	cJSON_AddItemToObject(o, "team_id", lead_json_id(u->team_id));
	add_str(o, "team", u->team_id && u->team_name && *u->team_name ? u->team_name : NULL);
	cJSON_AddBoolToObject(o, "disabled", u->disabled);
	cJSON_AddItemToObject(o, "created_at", lead_json_time(u->created_at));
	return o;
}

static cJSON *string_array(char **items, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(items[i] ? items[i] : ""));
	return a;
}

cJSON *lead_json_team(const Leadd__Team *t)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "id", lead_json_uint(t->id));
	add_str(o, "name", t->name);
	cJSON_AddItemToObject(o, "managers", string_array(t->manager_names, t->n_manager_names));
	cJSON_AddBoolToObject(o, "round_robin", t->round_robin);
	cJSON_AddBoolToObject(o, "pool_visible", t->pool_visible);
	cJSON_AddItemToObject(o, "members", string_array(t->member_names, t->n_member_names));
	return o;
}

static char *join(char **items, size_t n)
{
	char *all = xasprintf("%s", "");
	for (size_t i = 0; i < n; i++) {
		char *joined = xasprintf("%s%s%s", all, i ? ", " : "", items[i] ? items[i] : "");
		free(all);
		all = joined;
	}
	return all;
}

void lead_print_user_table(const Leadd__UserListReply *ul)
{
	static const char *const head[] = {"ID", "NAME", "ROLE", "TEAM", "DISABLED"};
	struct lead_table *t = lead_table_new(5, head);
	lead_table_align_right(t, 0);
	for (size_t i = 0; i < ul->n_users; i++) {
		const Leadd__User *u = ul->users[i];
		char id[24];
		snprintf(id, sizeof(id), "%llu", (unsigned long long)u->id);
		const char *row[] = {id, or_dash(u->name), lead_role_name(u->role),
				     u->team_id ? or_dash(u->team_name) : "-",
				     u->disabled ? "yes" : "no"};
		lead_table_add(t, row);
	}
	lead_table_print(t);
}

void lead_print_team(const Leadd__Team *t)
{
	struct lead_kv *kv = lead_kv_new();
	char *managers = join(t->manager_names, t->n_manager_names);
	char *members = join(t->member_names, t->n_member_names);
	lead_kv_add(kv, "id", "%llu", (unsigned long long)t->id);
	lead_kv_add(kv, "name", "%s", or_dash(t->name));
	lead_kv_add(kv, "managers", "%s", or_dash(managers));
	lead_kv_add(kv, "round-robin", "%s", t->round_robin ? "on" : "off");
	lead_kv_add(kv, "pool visible", "%s", t->pool_visible ? "on" : "off");
	lead_kv_add(kv, "members", "%s", or_dash(members));
	lead_kv_print(kv);
	free(managers);
	free(members);
}

void lead_print_team_table(const Leadd__TeamListReply *tl)
{
	static const char *const head[] = {"ID",          "NAME",         "MANAGERS",
					   "ROUND-ROBIN", "POOL-VISIBLE", "MEMBERS"};
	struct lead_table *t = lead_table_new(6, head);
	lead_table_align_right(t, 0);
	for (size_t i = 0; i < tl->n_teams; i++) {
		const Leadd__Team *tm = tl->teams[i];
		char id[24];
		snprintf(id, sizeof(id), "%llu", (unsigned long long)tm->id);
		char *managers = join(tm->manager_names, tm->n_manager_names);
		char *members = join(tm->member_names, tm->n_member_names);
		const char *row[] = {id,
				     or_dash(tm->name),
				     or_dash(managers),
				     tm->round_robin ? "on" : "off",
				     tm->pool_visible ? "on" : "off",
				     or_dash(members)};
		lead_table_add(t, row);
		free(managers);
		free(members);
	}
	lead_table_print(t);
}
