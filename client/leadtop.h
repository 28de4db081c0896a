/* leadtop: the managers' live dashboard (ncursesw), beside lead.
 *
 * One connection (leadtop_conn.c) reads the starting state (kpi, pinned
 * searches, their leads) and then watches TOPIC_LEADS and TOPIC_KPI from
 * the revision it read at (docs/protocol.md section 6). Panels
 * (leadtop_kpi.c, leadtop_search.c, leadtop_feed.c) sit behind one
 * interface, struct lt_panel_ops, and render themselves as lines of text
 * with attributes (struct lt_line), which the screen (leadtop_draw.c)
 * paints with ncurses and `--once` prints as text. Keys and prompts are in
 * leadtop_keys.c and leadtop_prompt.c. Every edit is the request `lead`
 * sends for it, with the version the screen shows. */
#ifndef LEADTOP_H
#define LEADTOP_H

#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include <cjson/cJSON.h>

#include "lead.h"

/* ---- lines: what a panel draws ---- */

enum lt_attr {
	LT_A_NORMAL = 0,
	LT_A_HEAD,   /* a column header or a panel's title */
	LT_A_TITLE,  /* the focused panel's title */
	LT_A_SEL,    /* the selected row */
	LT_A_HILITE, /* a count that just changed */
	LT_A_DIM,    /* a zero change, a hint */
	LT_A_ERROR,  /* a refusal, a lost connection */
	LT_A_OK,     /* live */
};

#define LT_LINE_MAX 1024
#define LT_SPANS_MAX 24
/* One line of a panel: UTF-8 text already fitted to the width (see
 * lt_fit), and spans giving parts of it an attribute. */
struct lt_line {
	char text[LT_LINE_MAX];
	size_t len;
	int attr; /* of the whole line */
	struct {
		size_t start, len;
		int attr;
	} span[LT_SPANS_MAX];
	int nspan;
};

void lt_line_clear(struct lt_line *l, int attr);
/* Appends s fitted to exactly width columns (cut with an ellipsis, or
 * padded; right: padded on the left), with attr when not LT_A_NORMAL.
 * width < 0: as it is. s is text from the server: escaped here first. */
void lt_line_add(struct lt_line *l, const char *s, int width, int right, int attr);
/* Columns taken by a UTF-8 string (wcwidth, as ncurses counts them). */
size_t lt_width(const char *s);
/* Set by the screen outside a UTF-8 locale: lines are made ASCII. */
extern int lt_ascii_screen;
int lt_utf8_locale(void);

/* ---- panels ---- */

struct lt_app;
struct lt_panel;

struct lt_panel_ops {
	const char *kind; /* "kpi", "search", "feed" (the --json key) */
	/* Its title ("KPI", "search mine-q (12)"). */
	void (*title)(struct lt_panel *p, char *buf, size_t len);
	/* Header lines above the rows (column names); may be 0. */
	int (*nheader)(struct lt_panel *p);
	void (*header)(struct lt_panel *p, int i, int width, struct lt_line *out);
	/* Rows, after the panel's filter. */
	int (*nrows)(struct lt_panel *p);
	void (*row)(struct lt_panel *p, struct lt_app *a, int i, int width, struct lt_line *out);
	/* Re-read what it shows from the server (start, reconnect, dirty). */
	void (*reload)(struct lt_panel *p, struct lt_app *a);
	/* One event of the watch, in revision order. */
	void (*event)(struct lt_panel *p, struct lt_app *a, const Leadd__Event *ev);
	/* The lead of row i, or NULL (panels that list leads). */
	const Leadd__Lead *(*lead)(struct lt_panel *p, int i);
	/* For --once --json. */
	cJSON *(*json)(struct lt_panel *p, struct lt_app *a);
	void (*destroy)(struct lt_panel *p);
};

#define LT_FILTER_MAX 128
struct lt_panel {
	const struct lt_panel_ops *ops;
	void *state;
	int sel, top;               /* selected row, first row shown */
	char filter[LT_FILTER_MAX]; /* `/`: rows holding this text (any case) */
	int wants_reload;           /* reload at the next turn of the loop */
	int64_t reloaded_ms;        /* when it last was */
	char error[256];            /* shown instead of rows when set */
};

struct lt_panel *lt_kpi_panel(void);
struct lt_panel *lt_search_panel(const char *name);
struct lt_panel *lt_feed_panel(void);
/* leadtop_agenda.c: today's open activities of the user, overdue marked. */
struct lt_panel *lt_agenda_panel(void);
/* The lead of the agenda panel's shown row i (0: none, or not the agenda). */
uint64_t lt_agenda_lead_id(struct lt_panel *p, int i);
/* Does the line hold the panel's filter text (case-insensitive)? */
int lt_filter_match(const struct lt_panel *p, const char *text);
/* The revision the KPI counts hold. */
uint64_t lt_kpi_revision(const struct lt_panel *p);
/* A search panel's saved search (NULL for another panel); after `/`. */
const char *lt_search_name(const struct lt_panel *p);
void lt_search_refilter(struct lt_panel *p, struct lt_app *a);

/* ---- the application ---- */

enum lt_state {
	LT_CONNECTING,
	LT_LIVE,      /* watching */
	LT_REPLAYING, /* watching, catching up from the log */
	LT_NOT_LIVE,  /* connected, but the server does not watch (UNIMPLEMENTED) */
	LT_LOST,      /* waiting to reconnect */
};

#define LT_PANELS_MAX 32
struct lt_app {
	struct lead_ctx ctx; /* server and session as `lead` finds them */
	struct lead_session sess;
	ld_conn *conn;
	char user[128];
	enum lt_state state;
	char state_msg[1100];
	int fail_code; /* why the last connect failed (--once exits with it) */
	int json, once;
	/* The last revision applied: what a watch resumes from. */
	uint64_t revision;
	int watching;
	int watch_ended; /* an EVENT_ENDED came since the last watch was sent */
	int resumable;   /* a watch ran: a new connection resumes it */
	int backoff_ms;
	int64_t retry_at_ms;

	/* Read once per connection. */
	Leadd__Response *statuses, *users, *whoami, *teams;
	struct lead_names names;

	struct lt_panel *panel[LT_PANELS_MAX];
	int npanels, focus;
	char searches_sig[1024]; /* the pinned searches' names, to see them change */
	/* Read the pinned searches again (one was not found, EVENT_PINS). */
	int resync;
	int no_pins_topic; /* leadd refused TOPIC_PINS: pins show at reconnects */
	/* Read the statuses and names again (a snapshot while live: a status
	 * renamed or removed, a user added, may be why). */
	int names_stale;
	int64_t names_read_ms; /* when they were last read again so */

	char msg[512]; /* the bottom line: a result, a refusal */
	int msg_attr;
	int64_t msg_ms;
	int help, quit;
	/* Enter: a lead's details over the panels. */
	Leadd__Response *detail;
};

#define LT_CALL_TIMEOUT_MS 5000

int64_t lt_now_ms(void);
/* One round trip on the connection. Returns the response (the caller
 * frees it) or NULL after marking the connection lost. */
Leadd__Response *lt_call(struct lt_app *a, Leadd__Request *req);
/* A response's failure as a sentence into buf (its code's sentence, or
 * the transport's); 0 when it is OK and carries body `want`. */
int lt_check(struct lt_app *a, const Leadd__Response *r, Leadd__Response__BodyCase want, char *buf,
	     size_t len);
void lt_message(struct lt_app *a, int attr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* leadtop_conn.c: connect, read the start, watch, reconnect. */
int lt_connect(struct lt_app *a); /* 0, or -1 with state_msg set */
void lt_lost(struct lt_app *a, const char *why);
void lt_poll_conn(struct lt_app *a, short revents);
void lt_tick(struct lt_app *a); /* reconnects, reloads panels */
void lt_disconnect(struct lt_app *a);
const char *lt_status_name(struct lt_app *a, uint64_t id, char *buf, size_t len);
const char *lt_owner_name(struct lt_app *a, uint64_t id, char *buf, size_t len);
/* The pinned searches as panels (between the KPI and the feed panels). */
void lt_sync_searches(struct lt_app *a);

/* leadtop_draw.c: the screen. */
/* 0, or -1 with why set (no terminal to draw on: nothing was drawn). */
int lt_screen_start(char *why, size_t len);
/* 1 when TERM names a terminal leadtop can draw on, else 0 with why set. */
int lt_term_usable(char *why, size_t len);
void lt_screen_stop(void);
void lt_draw(struct lt_app *a);
/* --once: every panel as text (width columns) or JSON on stdout. */
int lt_print_once(struct lt_app *a);

/* leadtop_main.c: serve the connection until something comes in (a key,
 * an event) or timeout_ms pass. */
int lt_wait(struct lt_app *a, int timeout_ms);

/* leadtop_keys.c */
void lt_key(struct lt_app *a, wint_t ch, int is_key);

/* leadtop_prompt.c: a line typed at the bottom; 1 accepted, 0 cancelled.
 * initial may be NULL. */
int lt_prompt(struct lt_app *a, const char *label, const char *initial, char *out, size_t len);
/* Columns the prompt keeps for the answer: a longer label is cut. */
int lt_prompt_room(void);

/* leadtop_actions.c: what the keys do through the server. */
void lt_edit_contact(struct lt_app *a, const Leadd__Lead *l);
void lt_change_status(struct lt_app *a, const Leadd__Lead *l);
void lt_quick_add(struct lt_app *a);
/* `t`: a task on lead `id` (title, then a due time as lead_date_parse
 * reads it). */
void lt_add_task(struct lt_app *a, uint64_t id);
void lt_show_details(struct lt_app *a, const Leadd__Lead *l);

#endif
