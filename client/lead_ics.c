/* iCalendar writer (RFC 5545): each content line is built whole, escaped,
 * then folded into the calendar, so folding sees final octets and can break
 * between UTF-8 sequences only. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lead_ics.h"

/* 9999-12-31T23:59:59Z: the last instant a DATE-TIME can write. */
#define MAX_MS 253402300799999LL
/* RFC 5545 3.1: at most 75 octets a line, not counting CRLF. */
#define FOLD 75
#define DEFAULT_PRODID "-//leadd//lead//EN"

/* A growing byte buffer, bounded by LEAD_ICS_MAX_BYTES. */
struct bytes {
	char *buf;
	size_t len, cap;
};

static int put(struct bytes *b, const void *s, size_t n)
{
	size_t need = b->len + n + 1; /* and a NUL */
	if (n > LEAD_ICS_MAX_BYTES || need > (size_t)LEAD_ICS_MAX_BYTES + 1)
		return -1;
	if (need > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < need)
			cap *= 2;
		if (cap > (size_t)LEAD_ICS_MAX_BYTES + 1)
			cap = (size_t)LEAD_ICS_MAX_BYTES + 1;
		char *nb = realloc(b->buf, cap);
		if (!nb)
			return -1;
		b->buf = nb;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = 0;
	return 0;
}

static int puts_(struct bytes *b, const char *s)
{
	return put(b, s, strlen(s));
}

/* The length of the well-formed UTF-8 sequence at s (n bytes left), or 0
 * (a stray continuation byte, an overlong form, a surrogate, past
 * U+10FFFF, or cut short). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

static const char REPLACEMENT[] = "\xef\xbf\xbd"; /* U+FFFD */

/* A TEXT value (RFC 5545 3.3.11): backslash, semicolon and comma escaped,
 * a line break (LF, CRLF or CR) as \n; a tab kept; anything else that is
 * not printable UTF-8 as U+FFFD. */
static int put_text(struct bytes *b, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t n = strlen(text);
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		int rc;
		if (c == '\\' || c == ';' || c == ',') {
			char esc[2] = {'\\', (char)c};
			rc = put(b, esc, 2);
			i++;
		} else if (c == '\r' || c == '\n') {
			rc = put(b, "\\n", 2);
			i += c == '\r' && i + 1 < n && s[i + 1] == '\n' ? 2 : 1;
		} else if ((c < 0x20 && c != '\t') || c == 0x7f) {
			rc = puts_(b, REPLACEMENT);
			i++;
		} else {
			size_t len = utf8_seq(s + i, n - i);
			rc = len ? put(b, s + i, len) : puts_(b, REPLACEMENT);
			i += len ? len : 1;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Writes the unfolded line (valid UTF-8, no CR or LF) folded: a CRLF and a
 * space before the octet that would make a line longer than FOLD, moved
 * back to the start of its UTF-8 sequence. */
static int put_folded(struct bytes *out, const struct bytes *line)
{
	const unsigned char *s = (const unsigned char *)line->buf;
	size_t col = 0;
	for (size_t i = 0; i < line->len;) {
		size_t len = utf8_seq(s + i, line->len - i);
		if (!len)
			len = 1; /* cannot happen: every byte came through put_text */
		if (col + len > FOLD) {
			if (put(out, "\r\n ", 3) < 0)
				return -1;
			col = 1;
		}
		if (put(out, s + i, len) < 0)
			return -1;
		col += len;
		i += len;
	}
	return put(out, "\r\n", 2);
}

/* One content line NAME:VALUE; value is TEXT (escaped) when text is 1. */
static int prop(struct bytes *out, const char *name, const char *value, int text)
{
	struct bytes line = {0};
	int rc = puts_(&line, name) || put(&line, ":", 1) ||
		 (text ? put_text(&line, value) : puts_(&line, value));
	if (rc == 0)
		rc = put_folded(out, &line);
	free(line.buf);
	return rc ? -1 : 0;
}

int lead_ics_time(int64_t ms, char *buf, size_t len)
{
	if (ms < 0 || ms > MAX_MS)
		return -1;
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y%m%dT%H%M%SZ", &tm))
		return -1;
	return 0;
}

static int prop_time(struct bytes *out, const char *name, int64_t ms)
{
	char t[32];
	if (lead_ics_time(ms, t, sizeof(t)) < 0)
		return -1;
	return prop(out, name, t, 0);
}

/* DURATION (RFC 5545 3.3.6): P1DT2H30M, PT45M, PT0S. */
static void duration_value(int64_t ms, char *buf, size_t len)
{
	long long s = (long long)(ms / 1000);
	long long d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60, sec = s % 60;
	int n = snprintf(buf, len, "P");
	if (d)
		n += snprintf(buf + n, len - (size_t)n, "%lldD", d);
	if (h || m || sec || !d) {
		n += snprintf(buf + n, len - (size_t)n, "T");
		if (h)
			n += snprintf(buf + n, len - (size_t)n, "%lldH", h);
		if (m)
			n += snprintf(buf + n, len - (size_t)n, "%lldM", m);
		if (sec || (!h && !m))
			snprintf(buf + n, len - (size_t)n, "%lldS", sec);
	}
}

static struct bytes *as_bytes(struct lead_ics *c, struct bytes *b)
{
	b->buf = c->buf;
	b->len = c->len;
	b->cap = c->cap;
	return b;
}

static void from_bytes(struct lead_ics *c, const struct bytes *b)
{
	c->buf = b->buf;
	c->len = b->len;
	c->cap = b->cap;
}

int lead_ics_begin(struct lead_ics *c, const char *prodid, const char *name, const char **why)
{
	struct bytes b = {0};
	memset(c, 0, sizeof(*c));
	int rc = prop(&b, "BEGIN", "VCALENDAR", 0) || prop(&b, "VERSION", "2.0", 0) ||
		 prop(&b, "PRODID", prodid ? prodid : DEFAULT_PRODID, 1) ||
		 prop(&b, "CALSCALE", "GREGORIAN", 0) ||
		 (name && prop(&b, "X-WR-CALNAME", name, 1));
	from_bytes(c, &b);
	if (rc) {
		*why = "out of memory";
		return -1;
	}
	return 0;
}

static int in_range(int64_t ms)
{
	return ms > 0 && ms <= MAX_MS;
}

/* What is wrong with it, or NULL. */
static const char *check_item(const struct lead_ics_item *it)
{
	if (!it->uid || !*it->uid)
		return "an activity without a UID cannot go into a calendar";
	if (!it->summary || !*it->summary)
		return "an activity without a title cannot go into a calendar";
	if (!in_range(it->updated_ms))
		return "an activity's last change is not a time from 1970 to 9999";
	if (it->sequence < 0 || it->sequence > INT32_MAX)
		return "an activity's version is beyond what a calendar can hold (2147483647)";
	if (it->created_ms && !in_range(it->created_ms))
		return "an activity's creation is not a time from 1970 to 9999";
	if (it->kind == LEAD_ICS_EVENT) {
		if (!in_range(it->start_ms))
			return "a call or meeting needs a start from 1970 to 9999";
		if (it->end_ms && (!in_range(it->end_ms) || it->end_ms < it->start_ms))
			return "a call or meeting ends before it starts";
		if (it->duration_ms < 0 || it->duration_ms > MAX_MS)
			return "a call or meeting has a negative duration";
	} else {
		if (it->due_ms && !in_range(it->due_ms))
			return "a task's due time is not a time from 1970 to 9999";
		if (it->completed_ms && !in_range(it->completed_ms))
			return "a task's completion is not a time from 1970 to 9999";
	}
	return NULL;
}

static const char *status_value(const struct lead_ics_item *it)
{
	if (it->state == LEAD_ICS_CANCELLED)
		return "CANCELLED";
	if (it->kind == LEAD_ICS_EVENT)
		return "CONFIRMED"; /* a call held is still one that took place */
	return it->state == LEAD_ICS_DONE ? "COMPLETED" : "NEEDS-ACTION";
}

static int put_item(struct bytes *b, const struct lead_ics_item *it)
{
	int ev = it->kind == LEAD_ICS_EVENT;
	const char *comp = ev ? "VEVENT" : "VTODO";
	char seq[24], dur[48];
	snprintf(seq, sizeof(seq), "%" PRId64, it->sequence);
	/* Without METHOD, DTSTAMP is when the item was last revised (RFC 5545
	 * 3.8.7.2): the same instant as LAST-MODIFIED, so an unchanged
	 * activity exports byte for byte the same. */
	if (prop(b, "BEGIN", comp, 0) || prop(b, "UID", it->uid, 1) ||
	    prop_time(b, "DTSTAMP", it->updated_ms) || prop(b, "SEQUENCE", seq, 0) ||
	    (it->created_ms && prop_time(b, "CREATED", it->created_ms)) ||
	    prop_time(b, "LAST-MODIFIED", it->updated_ms))
		return -1;
	if (ev) {
		if (prop_time(b, "DTSTART", it->start_ms))
			return -1;
		if (it->end_ms) {
			if (prop_time(b, "DTEND", it->end_ms))
				return -1;
		} else if (it->duration_ms > 0) {
			duration_value(it->duration_ms, dur, sizeof(dur));
			if (prop(b, "DURATION", dur, 0))
				return -1;
		}
	} else if (it->due_ms && prop_time(b, "DUE", it->due_ms)) {
		return -1;
	}
	if (prop(b, "SUMMARY", it->summary, 1) ||
	    (it->location && *it->location && prop(b, "LOCATION", it->location, 1)) ||
	    (it->description && *it->description && prop(b, "DESCRIPTION", it->description, 1)) ||
	    prop(b, "STATUS", status_value(it), 0))
		return -1;
	if (!ev && it->state == LEAD_ICS_DONE &&
	    prop_time(b, "COMPLETED", it->completed_ms ? it->completed_ms : it->updated_ms))
		return -1;
	return prop(b, "END", comp, 0);
}

int lead_ics_add(struct lead_ics *c, const struct lead_ics_item *it, const char **why)
{
	if (c->ended) {
		*why = "the calendar is already ended";
		return -1;
	}
	const char *bad = check_item(it);
	if (bad) {
		*why = bad;
		return -1;
	}
	struct bytes b;
	size_t before = c->len;
	int rc = put_item(as_bytes(c, &b), it);
	from_bytes(c, &b);
	if (rc) {
		/* Out of memory or past LEAD_ICS_MAX_BYTES: the item goes whole
		 * or not at all. */
		c->len = before;
		if (c->buf)
			c->buf[before] = 0;
		*why = "the calendar is too large (64 MiB at most): ask for a shorter period";
		return -1;
	}
	c->items++;
	return 0;
}

int lead_ics_end(struct lead_ics *c, const char **why)
{
	struct bytes b;
	if (c->ended)
		return 0;
	int rc = prop(as_bytes(c, &b), "END", "VCALENDAR", 0);
	from_bytes(c, &b);
	if (rc) {
		*why = "the calendar is too large (64 MiB at most): ask for a shorter period";
		return -1;
	}
	c->ended = 1;
	return 0;
}

void lead_ics_free(struct lead_ics *c)
{
	free(c->buf);
	memset(c, 0, sizeof(*c));
}
