/* Unit tests for client/lead_ics.h, the iCalendar writer of `lead agenda
 * --ics`. Every calendar made here goes through check_ics, a strict reading
 * of RFC 5545 written for this test: CRLF line ends, lines of at most 75
 * octets folded between UTF-8 sequences, the calendar's and each
 * component's required properties, UTC times, TEXT escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lead_ics.h"

/* 2026-12-01T09:30:00Z and friends. */
#define T0 1796117400000LL
#define MIN 60000LL
#define HOUR (60 * MIN)

/* ---- the strict checker ---- */

static char why_buf[512];

static const char *bad(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why_buf, sizeof(why_buf), fmt, ap);
	va_end(ap);
	return why_buf;
}

/* 1 when s[0..n) is valid UTF-8 (no overlongs, surrogates, or cut
 * sequences). */
static int valid_utf8(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		size_t len = c < 0x80                 ? 1
			     : c >= 0xc2 && c <= 0xdf ? 2
			     : c >= 0xe0 && c <= 0xef ? 3
			     : c >= 0xf0 && c <= 0xf4 ? 4
						      : 0;
		if (!len || i + len > n)
			return 0;
		for (size_t k = 1; k < len; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		if (len == 3 && c == 0xe0 && s[i + 1] < 0xa0)
			return 0;
		if (len == 3 && c == 0xed && s[i + 1] >= 0xa0)
			return 0;
		if (len == 4 && c == 0xf0 && s[i + 1] < 0x90)
			return 0;
		if (len == 4 && c == 0xf4 && s[i + 1] >= 0x90)
			return 0;
		i += len;
	}
	return 1;
}

/* The logical (unfolded) lines of a calendar. */
struct lines {
	char **v;
	size_t n;
};

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Physical lines: CRLF ends, 75 octets, UTF-8 whole on each line, folds
 * start with one space. Fills *out with the unfolded lines. */
static const char *unfold(const char *buf, size_t len, struct lines *out)
{
	memset(out, 0, sizeof(*out));
	if (len < 2 || buf[len - 2] != '\r' || buf[len - 1] != '\n')
		return bad("the calendar does not end with CRLF");
	size_t start = 0, lineno = 0;
	char *cur = NULL;
	size_t curlen = 0;
	while (start < len) {
		const char *cr = memchr(buf + start, '\r', len - start);
		const char *lf = memchr(buf + start, '\n', len - start);
		if (!cr || !lf || lf != cr + 1)
			return bad("line %zu: a bare CR or LF, not CRLF", lineno + 1);
		size_t n = (size_t)(cr - (buf + start));
		const unsigned char *p = (const unsigned char *)buf + start;
		lineno++;
		if (n > 75)
			return bad("line %zu: %zu octets (75 at most)", lineno, n);
		if (n == 0)
			return bad("line %zu: empty", lineno);
		if (!valid_utf8(p, n))
			return bad("line %zu: not whole UTF-8 (a fold split a character?)", lineno);
		for (size_t i = 0; i < n; i++)
			if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
				return bad("line %zu: control character 0x%02x", lineno, p[i]);
		if (p[0] == ' ' || p[0] == '\t') {
			if (!cur)
				return bad("line 1 is a continuation");
			if (n == 1)
				return bad("line %zu: a fold with nothing after it", lineno);
			cur = realloc(cur, curlen + n);
			memcpy(cur + curlen, p + 1, n - 1);
			curlen += n - 1;
			cur[curlen] = 0;
		} else {
			if (cur) {
				out->v = realloc(out->v, (out->n + 1) * sizeof(char *));
				out->v[out->n++] = cur;
			}
			cur = malloc(n + 1);
			memcpy(cur, p, n);
			cur[n] = 0;
			curlen = n;
		}
		start += n + 2;
	}
	out->v = realloc(out->v, (out->n + 1) * sizeof(char *));
	out->v[out->n++] = cur;
	return NULL;
}

static int is_utc_time(const char *v)
{
	if (strlen(v) != 16 || v[8] != 'T' || v[15] != 'Z')
		return 0;
	for (int i = 0; i < 15; i++)
		if (i != 8 && (v[i] < '0' || v[i] > '9'))
			return 0;
	return 1;
}

/* A TEXT value: only \\ \; \, \n \N escapes, no bare ; or , */
static int is_text(const char *v)
{
	for (const char *p = v; *p; p++) {
		if (*p == '\\') {
			if (!strchr("\\;,nN", p[1]) || !p[1])
				return 0;
			p++;
		} else if (*p == ';' || *p == ',') {
			return 0;
		}
	}
	return 1;
}

static int is_duration(const char *v)
{
	/* P[nD][T[nH][nM][nS]] or PnW, at least one part, digits before units. */
	const char *p = v;
	int parts = 0, t = 0;
	if (*p++ != 'P')
		return 0;
	while (*p) {
		if (*p == 'T') {
			if (t)
				return 0;
			t = 1;
			p++;
			if (!*p)
				return 0;
			continue;
		}
		if (*p < '0' || *p > '9')
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
		if (!*p || !strchr(t ? "HMS" : "DW", *p))
			return 0;
		p++;
		parts++;
	}
	return parts > 0;
}

#define MAX_UIDS 4096

/* The whole of RFC 5545 that this writer uses, checked strictly. */
static const char *check_ics(const char *buf, size_t len)
{
	struct lines l;
	const char *err = unfold(buf, len, &l);
	if (err) {
		lines_free(&l);
		return err;
	}
	static char *uids[MAX_UIDS];
	size_t nuids = 0;
	int version = 0, prodid = 0, calscale = 0, depth = 0;
	char comp[16] = "";
	/* Per component counts. */
	int uid = 0, dtstamp = 0, dtstart = 0, dtend = 0, duration = 0, due = 0, status = 0,
	    seq = 0, summary = 0, completed = 0, lastmod = 0;
	for (size_t i = 0; i < l.n && !err; i++) {
		char *line = l.v[i];
		char *colon = strchr(line, ':');
		if (!colon) {
			err = bad("'%s': no colon", line);
			break;
		}
		*colon = 0;
		const char *name = line, *v = colon + 1;
		for (const char *p = name; *p; p++)
			if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-'))
				err = bad("'%s': not a property name", name);
		if (err)
			break;
		if (i == 0 && (strcmp(name, "BEGIN") || strcmp(v, "VCALENDAR"))) {
			err = bad("the first line is not BEGIN:VCALENDAR");
		} else if (strcmp(name, "BEGIN") == 0) {
			if (depth == 0 && strcmp(v, "VCALENDAR") == 0 && i == 0) {
				depth = 1;
			} else if (depth == 1 &&
				   (strcmp(v, "VEVENT") == 0 || strcmp(v, "VTODO") == 0)) {
				depth = 2;
				snprintf(comp, sizeof(comp), "%s", v);
				uid = dtstamp = dtstart = dtend = duration = due = status = seq =
					summary = completed = lastmod = 0;
			} else {
				err = bad("BEGIN:%s where it cannot be", v);
			}
		} else if (strcmp(name, "END") == 0) {
			if (depth == 2 && strcmp(v, comp) == 0) {
				int ev = strcmp(comp, "VEVENT") == 0;
				if (uid != 1 || dtstamp != 1)
					err = bad("%s: UID %d and DTSTAMP %d times, once each",
						  comp, uid, dtstamp);
				else if (ev && dtstart != 1)
					err = bad("VEVENT without one DTSTART");
				else if (dtend + duration > 1 || due + duration > 1)
					err = bad("%s: DTEND or DUE and DURATION together", comp);
				else if (seq > 1 || status > 1 || summary > 1 || completed > 1 ||
					 lastmod > 1)
					err = bad("%s: a property more than once", comp);
				else if (!ev && dtstart)
					err = bad("VTODO with DTSTART (not written by lead)");
				depth = 1;
			} else if (depth == 1 && strcmp(v, "VCALENDAR") == 0) {
				depth = 0;
				if (i != l.n - 1)
					err = bad("lines after END:VCALENDAR");
			} else {
				err = bad("END:%s where it cannot be", v);
			}
		} else if (depth == 1) {
			if (strcmp(name, "VERSION") == 0)
				version += strcmp(v, "2.0") == 0 ? 1 : 100;
			else if (strcmp(name, "PRODID") == 0)
				prodid += is_text(v) && *v ? 1 : 100;
			else if (strcmp(name, "CALSCALE") == 0)
				calscale += strcmp(v, "GREGORIAN") == 0 ? 1 : 100;
			else if (strcmp(name, "X-WR-CALNAME") == 0) {
				if (!is_text(v))
					err = bad("X-WR-CALNAME: bad TEXT '%s'", v);
			} else
				err = bad("calendar property %s not expected", name);
		} else if (depth == 2) {
			int ev = strcmp(comp, "VEVENT") == 0;
			if (strcmp(name, "UID") == 0) {
				uid++;
				if (!*v || !is_text(v))
					err = bad("UID '%s'", v);
				for (size_t k = 0; k < nuids && !err; k++)
					if (strcmp(uids[k], v) == 0)
						err = bad("UID '%s' twice", v);
				if (!err && nuids < MAX_UIDS)
					uids[nuids++] = strdup(v);
			} else if (strcmp(name, "DTSTAMP") == 0 || strcmp(name, "DTSTART") == 0 ||
				   strcmp(name, "DTEND") == 0 || strcmp(name, "DUE") == 0 ||
				   strcmp(name, "COMPLETED") == 0 || strcmp(name, "CREATED") == 0 ||
				   strcmp(name, "LAST-MODIFIED") == 0) {
				if (!is_utc_time(v))
					err = bad("%s:%s is not a UTC date-time", name, v);
				dtstamp += strcmp(name, "DTSTAMP") == 0;
				dtstart += strcmp(name, "DTSTART") == 0;
				dtend += strcmp(name, "DTEND") == 0;
				due += strcmp(name, "DUE") == 0;
				completed += strcmp(name, "COMPLETED") == 0;
				lastmod += strcmp(name, "LAST-MODIFIED") == 0;
				if (ev &&
				    (strcmp(name, "DUE") == 0 || strcmp(name, "COMPLETED") == 0))
					err = bad("VEVENT with %s", name);
				if (!ev && strcmp(name, "DTEND") == 0)
					err = bad("VTODO with DTEND");
			} else if (strcmp(name, "DURATION") == 0) {
				duration++;
				if (!is_duration(v))
					err = bad("DURATION:%s", v);
			} else if (strcmp(name, "SEQUENCE") == 0) {
				seq++;
				char *end;
				long long n = strtoll(v, &end, 10);
				if (!*v || *end || n < 0 || n > 2147483647)
					err = bad("SEQUENCE:%s", v);
			} else if (strcmp(name, "STATUS") == 0) {
				status++;
				const char *ok =
					ev ? "|TENTATIVE|CONFIRMED|CANCELLED|"
					   : "|NEEDS-ACTION|COMPLETED|IN-PROCESS|CANCELLED|";
				char want[40];
				snprintf(want, sizeof(want), "|%s|", v);
				if (!strstr(ok, want))
					err = bad("%s STATUS:%s", comp, v);
			} else if (strcmp(name, "SUMMARY") == 0 ||
				   strcmp(name, "DESCRIPTION") == 0 ||
				   strcmp(name, "LOCATION") == 0) {
				summary += strcmp(name, "SUMMARY") == 0;
				if (!is_text(v))
					err = bad("%s: bad TEXT '%s'", name, v);
			} else {
				err = bad("%s: property %s not expected", comp, name);
			}
		} else {
			err = bad("'%s' outside the calendar", name);
		}
	}
	if (!err && depth != 0)
		err = bad("the calendar does not end with END:VCALENDAR");
	if (!err && (version != 1 || prodid != 1 || calscale != 1))
		err = bad("VERSION %d, PRODID %d, CALSCALE %d: once each, with the right value",
			  version, prodid, calscale);
	for (size_t k = 0; k < nuids; k++)
		free(uids[k]);
	lines_free(&l);
	return err;
}

/* ---- helpers ---- */

static void assert_ics_ok(const struct lead_ics *c)
{
	const char *err = check_ics(c->buf, c->len);
	if (err)
		fail_msg("strict check: %s\n%s", err, c->buf);
}

/* The unfolded value of the first property name in the calendar, TEXT
 * escapes undone; NULL when absent. Caller frees. */
static char *value_of(const struct lead_ics *c, const char *name)
{
	struct lines l;
	if (unfold(c->buf, c->len, &l)) {
		lines_free(&l);
		return NULL;
	}
	char *out = NULL;
	size_t nl = strlen(name);
	for (size_t i = 0; i < l.n && !out; i++) {
		if (strncmp(l.v[i], name, nl) || l.v[i][nl] != ':')
			continue;
		const char *v = l.v[i] + nl + 1;
		out = malloc(strlen(v) + 1);
		char *o = out;
		for (const char *p = v; *p; p++) {
			if (*p == '\\' && p[1]) {
				p++;
				*o++ = *p == 'n' || *p == 'N' ? '\n' : *p;
			} else {
				*o++ = *p;
			}
		}
		*o = 0;
	}
	lines_free(&l);
	return out;
}

static struct lead_ics_item event(const char *uid)
{
	struct lead_ics_item it = {.kind = LEAD_ICS_EVENT,
				   .state = LEAD_ICS_OPEN,
				   .uid = uid,
				   .summary = "Call Ana (Acme)",
				   .start_ms = T0,
				   .updated_ms = T0 - HOUR,
				   .sequence = 7};
	return it;
}

static struct lead_ics_item todo(const char *uid)
{
	struct lead_ics_item it = {.kind = LEAD_ICS_TODO,
				   .state = LEAD_ICS_OPEN,
				   .uid = uid,
				   .summary = "Send the quote",
				   .due_ms = T0,
				   .updated_ms = T0 - HOUR,
				   .sequence = 3};
	return it;
}

static void begin(struct lead_ics *c)
{
	const char *why = NULL;
	assert_int_equal(lead_ics_begin(c, NULL, NULL, &why), 0);
}

static void end(struct lead_ics *c)
{
	const char *why = NULL;
	assert_int_equal(lead_ics_end(c, &why), 0);
	assert_ics_ok(c);
}

static void add_ok(struct lead_ics *c, const struct lead_ics_item *it)
{
	const char *why = NULL;
	if (lead_ics_add(c, it, &why) != 0)
		fail_msg("refused: %s", why);
}

/* ---- tests ---- */

static void test_empty_calendar(void **state)
{
	(void)state;
	struct lead_ics c;
	const char *why = NULL;
	assert_int_equal(lead_ics_begin(&c, NULL, NULL, &why), 0);
	end(&c);
	assert_string_equal(c.buf, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//leadd//lead//EN\r\n"
				   "CALSCALE:GREGORIAN\r\nEND:VCALENDAR\r\n");
	assert_int_equal(c.len, strlen(c.buf));
	lead_ics_free(&c);
	/* A name and a PRODID of the caller's, escaped as TEXT. */
	assert_int_equal(lead_ics_begin(&c, "-//leadd//lead 0.1.0//EN", "ana, agenda", &why), 0);
	end(&c);
	assert_non_null(strstr(c.buf, "PRODID:-//leadd//lead 0.1.0//EN\r\n"));
	assert_non_null(strstr(c.buf, "X-WR-CALNAME:ana\\, agenda\r\n"));
	lead_ics_free(&c);
}

/* The exact bytes of one event and one to-do. */
static void test_exact_items(void **state)
{
	(void)state;
	struct lead_ics c;
	begin(&c);
	struct lead_ics_item ev = event("42.3@leadd");
	ev.duration_ms = 90 * MIN;
	ev.location = "Acme, 3 rue de la Paix";
	ev.created_ms = T0 - 2 * HOUR;
	add_ok(&c, &ev);
	struct lead_ics_item td = todo("42.4@leadd");
	td.state = LEAD_ICS_DONE;
	td.completed_ms = T0 + 5 * MIN;
	td.description = "with Ana";
	add_ok(&c, &td);
	end(&c);
	assert_string_equal(c.buf, "BEGIN:VCALENDAR\r\n"
				   "VERSION:2.0\r\n"
				   "PRODID:-//leadd//lead//EN\r\n"
				   "CALSCALE:GREGORIAN\r\n"
				   "BEGIN:VEVENT\r\n"
				   "UID:42.3@leadd\r\n"
				   "DTSTAMP:20261201T083000Z\r\n"
				   "SEQUENCE:7\r\n"
				   "CREATED:20261201T073000Z\r\n"
				   "LAST-MODIFIED:20261201T083000Z\r\n"
				   "DTSTART:20261201T093000Z\r\n"
				   "DURATION:PT1H30M\r\n"
				   "SUMMARY:Call Ana (Acme)\r\n"
				   "LOCATION:Acme\\, 3 rue de la Paix\r\n"
				   "STATUS:CONFIRMED\r\n"
				   "END:VEVENT\r\n"
				   "BEGIN:VTODO\r\n"
				   "UID:42.4@leadd\r\n"
				   "DTSTAMP:20261201T083000Z\r\n"
				   "SEQUENCE:3\r\n"
				   "LAST-MODIFIED:20261201T083000Z\r\n"
				   "DUE:20261201T093000Z\r\n"
				   "SUMMARY:Send the quote\r\n"
				   "DESCRIPTION:with Ana\r\n"
				   "STATUS:COMPLETED\r\n"
				   "COMPLETED:20261201T093500Z\r\n"
				   "END:VTODO\r\n"
				   "END:VCALENDAR\r\n");
	assert_int_equal(c.items, 2);
	lead_ics_free(&c);
}

static void test_event_forms(void **state)
{
	(void)state;
	struct {
		int64_t end, dur;
		const char *want; /* the line, or NULL for neither DTEND nor DURATION */
	} cases[] = {
		{T0 + HOUR, 0, "DTEND:20261201T103000Z\r\n"},
		{T0 + HOUR, 5 * MIN, "DTEND:20261201T103000Z\r\n"}, /* DTEND wins */
		{T0, 0, "DTEND:20261201T093000Z\r\n"},              /* an instant */
		{0, 15 * MIN, "DURATION:PT15M\r\n"},
		{0, 24 * HOUR, "DURATION:P1D\r\n"},
		{0, 26 * HOUR + 1000, "DURATION:P1DT2H1S\r\n"},
		{0, 45000, "DURATION:PT45S\r\n"},
		{0, 2 * HOUR, "DURATION:PT2H\r\n"},
		{0, 0, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lead_ics c;
		begin(&c);
		struct lead_ics_item ev = event("a@b");
		ev.end_ms = cases[i].end;
		ev.duration_ms = cases[i].dur;
		add_ok(&c, &ev);
		end(&c);
		if (cases[i].want) {
			if (!strstr(c.buf, cases[i].want))
				fail_msg("case %zu: no %s in\n%s", i, cases[i].want, c.buf);
		} else {
			assert_null(strstr(c.buf, "DTEND"));
			assert_null(strstr(c.buf, "DURATION"));
		}
		lead_ics_free(&c);
	}
}

static void test_status(void **state)
{
	(void)state;
	struct {
		enum lead_ics_kind kind;
		enum lead_ics_state st;
		const char *want;
		int completed;
	} cases[] = {
		{LEAD_ICS_EVENT, LEAD_ICS_OPEN, "STATUS:CONFIRMED", 0},
		{LEAD_ICS_EVENT, LEAD_ICS_DONE, "STATUS:CONFIRMED", 0},
		{LEAD_ICS_EVENT, LEAD_ICS_CANCELLED, "STATUS:CANCELLED", 0},
		{LEAD_ICS_TODO, LEAD_ICS_OPEN, "STATUS:NEEDS-ACTION", 0},
		{LEAD_ICS_TODO, LEAD_ICS_DONE, "STATUS:COMPLETED", 1},
		{LEAD_ICS_TODO, LEAD_ICS_CANCELLED, "STATUS:CANCELLED", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lead_ics c;
		begin(&c);
		struct lead_ics_item it = cases[i].kind == LEAD_ICS_EVENT ? event("u") : todo("u");
		it.state = cases[i].st;
		add_ok(&c, &it);
		end(&c);
		assert_non_null(strstr(c.buf, cases[i].want));
		/* A done task without its own completion time: its last change. */
		if (cases[i].completed)
			assert_non_null(strstr(c.buf, "COMPLETED:20261201T083000Z\r\n"));
		else
			assert_null(strstr(c.buf, "\r\nCOMPLETED:"));
		lead_ics_free(&c);
	}
	/* A task without a due time is a to-do without DUE. */
	struct lead_ics c;
	begin(&c);
	struct lead_ics_item td = todo("nodue");
	td.due_ms = 0;
	add_ok(&c, &td);
	end(&c);
	assert_null(strstr(c.buf, "DUE:"));
	lead_ics_free(&c);
}

static void test_text_escaping(void **state)
{
	(void)state;
	struct lead_ics c;
	begin(&c);
	struct lead_ics_item ev = event("esc");
	ev.summary = "a,b;c\\d";
	ev.description = "line 1\nline 2\r\nline 3\rline 4\ttab";
	ev.location = "caf\xc3\xa9 \xe2\x82\xac";
	add_ok(&c, &ev);
	end(&c);
	assert_non_null(strstr(c.buf, "SUMMARY:a\\,b\\;c\\\\d\r\n"));
	assert_non_null(strstr(c.buf, "DESCRIPTION:line 1\\nline 2\\nline 3\\nline 4\ttab\r\n"));
	assert_non_null(strstr(c.buf, "LOCATION:caf\xc3\xa9 \xe2\x82\xac\r\n"));
	char *v = value_of(&c, "SUMMARY");
	assert_string_equal(v, "a,b;c\\d");
	free(v);
	lead_ics_free(&c);

	/* Control characters and bytes that are not UTF-8 become U+FFFD:
	 * never a raw control in the file, never a silent gap. */
	begin(&c);
	ev = event("ctl");
	ev.summary = "bell\x07 esc\x1b del\x7f";
	ev.description = "bad \xff byte, cut \xe2\x82, overlong \xc0\xaf, surrogate "
			 "\xed\xa0\x80, high \xf4\x90\x80\x80";
	add_ok(&c, &ev);
	end(&c);
	v = value_of(&c, "SUMMARY");
	assert_string_equal(v, "bell\xef\xbf\xbd esc\xef\xbf\xbd del\xef\xbf\xbd");
	free(v);
	v = value_of(&c, "DESCRIPTION");
	assert_non_null(strstr(v, "bad \xef\xbf\xbd byte"));
	assert_non_null(strstr(v, "cut \xef\xbf\xbd\xef\xbf\xbd,"));
	assert_true(valid_utf8((const unsigned char *)v, strlen(v)));
	free(v);
	lead_ics_free(&c);
}

/* Long values of 1-, 2-, 3- and 4-octet characters, shifted by every offset
 * so a fold falls at every position within a sequence: every physical line
 * is whole UTF-8 of at most 75 octets, and unfolding gives the value back. */
static void test_folding(void **state)
{
	(void)state;
	static const char *chars[] = {"a", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"};
	for (size_t k = 0; k < 4; k++) {
		for (size_t shift = 0; shift < 80; shift++) {
			char value[2048];
			size_t n = 0;
			for (size_t i = 0; i < shift; i++)
				value[n++] = 'x';
			while (n + 4 < 600) {
				memcpy(value + n, chars[k], strlen(chars[k]));
				n += strlen(chars[k]);
			}
			value[n] = 0;
			struct lead_ics c;
			begin(&c);
			struct lead_ics_item td = todo("fold");
			td.summary = value;
			add_ok(&c, &td);
			end(&c);
			char *v = value_of(&c, "SUMMARY");
			if (!v || strcmp(v, value) != 0)
				fail_msg("char %zu shift %zu: the unfolded value differs", k,
					 shift);
			free(v);
			lead_ics_free(&c);
		}
	}
	/* ASCII fills each line to exactly 75 octets. */
	char value[301];
	memset(value, 'y', 300);
	value[300] = 0;
	struct lead_ics c;
	begin(&c);
	struct lead_ics_item td = todo("ascii");
	td.summary = value;
	add_ok(&c, &td);
	end(&c);
	const char *first = strstr(c.buf, "SUMMARY:");
	const char *crlf = strstr(first, "\r\n");
	assert_int_equal(crlf - first, 75);
	assert_int_equal(crlf[2], ' ');
	const char *second = strstr(crlf + 2, "\r\n");
	assert_int_equal(second - (crlf + 2), 75);
	lead_ics_free(&c);
	/* Folding is below escaping (RFC 5545 3.1): a fold may fall inside
	 * "\,", and unfolding gives the value back whatever the shift. */
	for (size_t shift = 0; shift < 4; shift++) {
		char v2[400];
		size_t n = 0;
		for (size_t i = 0; i < shift; i++)
			v2[n++] = 'z';
		while (n < 300)
			v2[n++] = ',';
		v2[n] = 0;
		begin(&c);
		td = todo("commas");
		td.summary = v2;
		add_ok(&c, &td);
		end(&c);
		char *v = value_of(&c, "SUMMARY");
		assert_string_equal(v, v2);
		free(v);
		lead_ics_free(&c);
	}
}

/* What cannot go into a calendar is refused, and the calendar stays as it
 * was. */
static void test_refused(void **state)
{
	(void)state;
	struct lead_ics c;
	begin(&c);
	struct lead_ics_item ok = event("first");
	add_ok(&c, &ok);
	size_t len = c.len;
	struct lead_ics_item it;
	const char *why;
#define REFUSE(setup, part)                                                                        \
	do {                                                                                       \
		it = event("x");                                                                   \
		setup;                                                                             \
		why = NULL;                                                                        \
		assert_int_equal(lead_ics_add(&c, &it, &why), -1);                                 \
		assert_non_null(why);                                                              \
		if (!strstr(why, part))                                                            \
			fail_msg("'%s' lacks '%s'", why, part);                                    \
		assert_int_equal(c.len, len);                                                      \
	} while (0)
	REFUSE(it.uid = NULL, "UID");
	REFUSE(it.uid = "", "UID");
	REFUSE(it.summary = NULL, "title");
	REFUSE(it.summary = "", "title");
	REFUSE(it.updated_ms = 0, "last change");
	REFUSE(it.updated_ms = 253402300800000LL, "last change");
	REFUSE(it.sequence = 2147483648LL, "2147483647");
	REFUSE(it.sequence = -1, "2147483647");
	REFUSE(it.start_ms = 0, "start");
	REFUSE(it.end_ms = T0 - 1000, "ends before");
	REFUSE(it.duration_ms = -1, "negative");
	REFUSE(it.created_ms = -5, "creation");
	REFUSE((it.kind = LEAD_ICS_TODO, it.due_ms = -1), "due");
	REFUSE((it.kind = LEAD_ICS_TODO, it.completed_ms = 253402300800000LL), "completion");
#undef REFUSE
	/* The largest values that fit. */
	it = event("max");
	it.sequence = 2147483647LL;
	it.start_ms = it.updated_ms = 253402300799999LL;
	add_ok(&c, &it);
	end(&c);
	assert_non_null(strstr(c.buf, "SEQUENCE:2147483647\r\n"));
	assert_non_null(strstr(c.buf, "DTSTART:99991231T235959Z\r\n"));
	/* Nothing goes in after the end. */
	why = NULL;
	assert_int_equal(lead_ics_add(&c, &ok, &why), -1);
	assert_non_null(why);
	lead_ics_free(&c);
}

static void test_time(void **state)
{
	(void)state;
	char buf[32];
	assert_int_equal(lead_ics_time(0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "19700101T000000Z");
	assert_int_equal(lead_ics_time(T0 + 999, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "20261201T093000Z");
	assert_int_equal(lead_ics_time(253402300799999LL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "99991231T235959Z");
	assert_int_equal(lead_ics_time(-1, buf, sizeof(buf)), -1);
	assert_int_equal(lead_ics_time(253402300800000LL, buf, sizeof(buf)), -1);
	assert_int_equal(lead_ics_time(T0, buf, 10), -1);
}

/* The same activities give the same bytes (a re-import finds nothing new),
 * and a change shows in SEQUENCE, DTSTAMP and LAST-MODIFIED only. */
static void test_stable(void **state)
{
	(void)state;
	struct lead_ics a, b;
	begin(&a);
	begin(&b);
	struct lead_ics_item it = event("42.3@leadd");
	add_ok(&a, &it);
	add_ok(&b, &it);
	end(&a);
	end(&b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.buf, b.buf, a.len);
	lead_ics_free(&b);
	begin(&b);
	it.sequence = 8;
	it.updated_ms += MIN;
	add_ok(&b, &it);
	end(&b);
	char *ua = value_of(&a, "UID"), *ub = value_of(&b, "UID");
	assert_string_equal(ua, ub);
	free(ua);
	free(ub);
	assert_non_null(strstr(b.buf, "SEQUENCE:8\r\n"));
	assert_non_null(strstr(b.buf, "DTSTAMP:20261201T083100Z\r\n"));
	assert_non_null(strstr(b.buf, "LAST-MODIFIED:20261201T083100Z\r\n"));
	lead_ics_free(&a);
	lead_ics_free(&b);
}

/* The size bound: past LEAD_ICS_MAX_BYTES an item is refused whole, with a
 * sentence, and the calendar still ends as a valid file. */
static void test_size_bound(void **state)
{
	(void)state;
	size_t big = 1u << 20;
	char *desc = malloc(big + 1);
	memset(desc, 'd', big);
	desc[big] = 0;
	struct lead_ics c;
	begin(&c);
	const char *why = NULL;
	int added = 0, rc = 0;
	char uid[32];
	while (added < 200) {
		snprintf(uid, sizeof(uid), "big-%d", added);
		struct lead_ics_item td = todo(uid);
		td.description = desc;
		size_t before = c.len;
		rc = lead_ics_add(&c, &td, &why);
		if (rc) {
			assert_int_equal(c.len, before);
			break;
		}
		added++;
	}
	free(desc);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(why, "too large"));
	assert_true(added > 50 && added < 64);
	assert_true(c.len <= LEAD_ICS_MAX_BYTES);
	/* The END line may not fit either; either way nothing overruns. */
	if (lead_ics_end(&c, &why) == 0)
		assert_ics_ok(&c);
	lead_ics_free(&c);
}

/* The checker itself refuses what it must (a test that cannot fail proves
 * nothing). */
static void test_checker(void **state)
{
	(void)state;
	static const char head[] = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n"
				   "CALSCALE:GREGORIAN\r\n";
	struct {
		const char *body, *part;
	} cases[] = {
		{"END:VCALENDAR\n", "CRLF"},
		{"END:VCALENDAR\r\nX", "CRLF"},
		{"BEGIN:VEVENT\r\nUID:a\r\nDTSTART:20261201T093000Z\r\nEND:VEVENT\r\n"
		 "END:VCALENDAR\r\n",
		 "DTSTAMP"},
		{"BEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20261201T093000Z\r\nEND:VEVENT\r\n"
		 "END:VCALENDAR\r\n",
		 "DTSTART"},
		{"BEGIN:VTODO\r\nUID:a\r\nDTSTAMP:20261201T093000\r\nEND:VTODO\r\n"
		 "END:VCALENDAR\r\n",
		 "UTC"},
		{"BEGIN:VTODO\r\nUID:a\r\nDTSTAMP:20261201T093000Z\r\nSUMMARY:a,b\r\n"
		 "END:VTODO\r\nEND:VCALENDAR\r\n",
		 "TEXT"},
		{"BEGIN:VTODO\r\nUID:a\r\nDTSTAMP:20261201T093000Z\r\nSTATUS:CONFIRMED\r\n"
		 "END:VTODO\r\nEND:VCALENDAR\r\n",
		 "STATUS"},
		{"BEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20261201T093000Z\r\nDTSTART:20261201T093000Z\r\n"
		 "DTEND:20261201T093000Z\r\nDURATION:PT1H\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		 "DURATION together"},
		{"SUMMARY:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		 "\r\nEND:VCALENDAR\r\n",
		 "octets"},
		{"X-WR-CALNAME:caf\xc3\r\n \xa9\r\nEND:VCALENDAR\r\n", "UTF-8"},
		{"BEGIN:VTODO\r\nUID:a\r\nDTSTAMP:20261201T093000Z\r\nEND:VTODO\r\n"
		 "BEGIN:VTODO\r\nUID:a\r\nDTSTAMP:20261201T093000Z\r\nEND:VTODO\r\n"
		 "END:VCALENDAR\r\n",
		 "twice"},
		{"BEGIN:VTODO\r\nUID:a\r\nDTSTAMP:20261201T093000Z\r\nEND:VTODO\r\n", "END:VCAL"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[1024];
		snprintf(buf, sizeof(buf), "%s%s", head, cases[i].body);
		const char *err = check_ics(buf, strlen(buf));
		if (!err || !strstr(err, cases[i].part))
			fail_msg("case %zu: '%s', wanted '%s'", i, err ? err : "(passed)",
				 cases[i].part);
	}
	const char *no_version = "BEGIN:VCALENDAR\r\nPRODID:x\r\nCALSCALE:GREGORIAN\r\n"
				 "END:VCALENDAR\r\n";
	assert_non_null(check_ics(no_version, strlen(no_version)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checker),     cmocka_unit_test(test_empty_calendar),
		cmocka_unit_test(test_exact_items), cmocka_unit_test(test_event_forms),
		cmocka_unit_test(test_status),      cmocka_unit_test(test_text_escaping),
		cmocka_unit_test(test_folding),     cmocka_unit_test(test_refused),
		cmocka_unit_test(test_time),        cmocka_unit_test(test_stable),
		cmocka_unit_test(test_size_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
