/* iCalendar (RFC 5545) for `lead agenda --ics`: a calendar that calendar
 * applications import, and re-import to update rather than duplicate (each
 * item's UID is stable, its SEQUENCE and LAST-MODIFIED grow with every
 * change). Plain C structs in, no protobuf and no lead headers: the unit
 * test links this file alone.
 *
 * What is written: CRLF line ends; lines folded at 75 octets, never inside a
 * UTF-8 sequence; every time in UTC (20261201T093000Z), so no VTIMEZONE is
 * needed; TEXT values escaped (\\ \; \, and \n for a line break). A
 * control character other than a tab or a line break, or a byte that is not
 * UTF-8 (the server lets neither through), is written as U+FFFD so the file
 * stays valid and the mark stays visible. */
#ifndef LEAD_ICS_H
#define LEAD_ICS_H

#include <stddef.h>
#include <stdint.h>

/* Calls and meetings are events (they take time at a time); tasks are
 * to-dos (they are due). */
enum lead_ics_kind { LEAD_ICS_EVENT, LEAD_ICS_TODO };
enum lead_ics_state { LEAD_ICS_OPEN, LEAD_ICS_DONE, LEAD_ICS_CANCELLED };

/* The largest calendar lead_ics builds (bytes); past it lead_ics_add fails
 * and says so rather than eat memory. */
#define LEAD_ICS_MAX_BYTES (64u << 20)

/* One activity. Times are UTC unix ms, 1970 to 9999; 0 means "none" where
 * a field is optional. */
struct lead_ics_item {
	enum lead_ics_kind kind;
	enum lead_ics_state state;
	const char *uid;         /* required: stable per activity, unique */
	const char *summary;     /* required: the title people see */
	const char *description; /* NULL: none; line breaks kept */
	const char *location;    /* NULL: none */
	int64_t start_ms;        /* events: DTSTART, required */
	int64_t end_ms;          /* events: DTEND after start_ms, or 0 */
	int64_t duration_ms;     /* events without end_ms: DURATION if > 0 */
	int64_t due_ms;          /* to-dos: DUE, or 0 */
	int64_t completed_ms;    /* done to-dos: COMPLETED (0: updated_ms) */
	int64_t created_ms;      /* CREATED, or 0 */
	int64_t updated_ms;      /* required: DTSTAMP and LAST-MODIFIED */
	int64_t sequence;        /* SEQUENCE, 0 to 2147483647, grows per change */
};

/* A calendar being written, in memory so that nothing is printed when an
 * item is refused. */
struct lead_ics {
	char *buf;
	size_t len, cap;
	int items;
	int ended;
};

/* Starts a calendar: VERSION:2.0, PRODID (prodid, or "-//leadd//lead//EN"
 * when NULL), CALSCALE:GREGORIAN, and X-WR-CALNAME when name is not NULL
 * (the name calendar applications show). 0, or -1 with *why. */
int lead_ics_begin(struct lead_ics *c, const char *prodid, const char *name, const char **why);
/* Adds one VEVENT or VTODO. 0, or -1 with *why saying what is wrong with it
 * (the calendar is left as it was, without the item). */
int lead_ics_add(struct lead_ics *c, const struct lead_ics_item *it, const char **why);
/* Ends the calendar; c->buf holds c->len bytes (and a NUL after them). 0, or
 * -1 with *why. */
int lead_ics_end(struct lead_ics *c, const char **why);
void lead_ics_free(struct lead_ics *c);

/* "20261201T093000Z", the UTC form used for every time; -1 when ms is
 * outside 1970 to 9999. */
int lead_ics_time(int64_t ms, char *buf, size_t len);

#endif
