/* The screen: a status line (who, where, live or not), the panels stacked
 * (the focused one first served when lines are short), and a message line.
 * Panels give lines (struct lt_line); this file alone speaks ncurses, and
 * --once prints the same lines as text. Colours only when the terminal has
 * them and NO_COLOR is not set (https://no-color.org): without colour a
 * changed count is bold and underlined, the selection reverse video. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "lead_opp.h"
#include "leadtop.h"

static int use_color;

enum { PAIR_HILITE = 1, PAIR_ERROR, PAIR_OK, PAIR_TITLE };

int lt_screen_start(char *why, size_t len)
{
	/* Not initscr(): on an unknown terminal it prints its own words and
	 * exits 1; and a terminal that cannot move the cursor (TERM=dumb)
	 * would get a scroll of garbage. Both are told what to do instead. */
	if (!lt_term_usable(why, len))
		return -1;
	if (!newterm(NULL, stdout, stdin)) {
		snprintf(why, len, "cannot start the screen on this terminal (TERM=%s)",
			 getenv("TERM"));
		return -1;
	}
	lt_ascii_screen = !lt_utf8_locale();
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	/* Esc is a key here (it cancels a prompt): no long wait for a sequence. */
	set_escdelay(25);
	const char *nc = getenv("NO_COLOR");
	use_color = has_colors() && !(nc && *nc);
	if (use_color) {
		start_color();
		use_default_colors();
		init_pair(PAIR_HILITE, COLOR_BLACK, COLOR_YELLOW);
		init_pair(PAIR_ERROR, COLOR_RED, -1);
		init_pair(PAIR_OK, COLOR_GREEN, -1);
		init_pair(PAIR_TITLE, COLOR_WHITE, COLOR_BLUE);
	}
	return 0;
}

void lt_screen_stop(void)
{
	endwin();
}

static attr_t curses_attr(int a)
{
	switch (a) {
	case LT_A_HEAD:
		return A_BOLD;
	case LT_A_TITLE:
		return use_color ? (attr_t)(COLOR_PAIR(PAIR_TITLE) | A_BOLD) : A_REVERSE | A_BOLD;
	case LT_A_SEL:
		return A_REVERSE;
	case LT_A_HILITE:
		return use_color ? (attr_t)(COLOR_PAIR(PAIR_HILITE) | A_BOLD)
				 : A_BOLD | A_UNDERLINE;
	case LT_A_DIM:
		return A_DIM;
	case LT_A_ERROR:
		return use_color ? (attr_t)(COLOR_PAIR(PAIR_ERROR) | A_BOLD) : A_BOLD;
	case LT_A_OK:
		return use_color ? (attr_t)COLOR_PAIR(PAIR_OK) : A_NORMAL;
	default:
		return A_NORMAL;
	}
}

/* Columns of the first n bytes of s. */
static int cols_of(const char *s, size_t n)
{
	char buf[LT_LINE_MAX];
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return (int)lt_width(buf);
}

static void put_line(int y, const struct lt_line *l, int extra)
{
	attr_t base = curses_attr(l->attr) | curses_attr(extra);
	move(y, 0);
	attrset(base);
	addstr(l->text);
	clrtoeol();
	/* The rest of a selected or title line keeps its look to the edge. */
	if (base != A_NORMAL) {
		int w = cols_of(l->text, l->len);
		for (int x = w; x < COLS; x++)
			mvaddch(y, x, ' ');
	}
	for (int i = 0; i < l->nspan; i++) {
		attrset(base | curses_attr(l->span[i].attr));
		mvaddnstr(y, cols_of(l->text, l->span[i].start), l->text + l->span[i].start,
			  (int)l->span[i].len);
	}
	attrset(A_NORMAL);
}

static void state_words(struct lt_app *a, const char **word, int *attr)
{
	switch (a->state) {
	case LT_LIVE:
		*word = "live", *attr = LT_A_OK;
		break;
	case LT_REPLAYING:
		*word = "catching up", *attr = LT_A_OK;
		break;
	case LT_NOT_LIVE:
		*word = "not live", *attr = LT_A_ERROR;
		break;
	case LT_LOST:
		*word = "disconnected", *attr = LT_A_ERROR;
		break;
	default:
		*word = "connecting", *attr = LT_A_DIM;
		break;
	}
}

static void status_line(struct lt_app *a, int width, struct lt_line *l)
{
	char left[512], clock[16] = "";
	const char *word;
	int attr;
	state_words(a, &word, &attr);
	time_t t = time(NULL);
	struct tm tm;
	if (localtime_r(&t, &tm))
		strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	snprintf(left, sizeof(left), "leadtop  %s@%s  ", a->user[0] ? a->user : a->sess.user,
		 a->ctx.server ? a->ctx.server : "?");
	lt_line_clear(l, LT_A_NORMAL);
	int used = (int)lt_width(left);
	/* Narrow screens: whether it is live matters more than the clock and
	 * the server; they go first, and nothing is cut in the middle. */
	enum { STATE_MIN = 14 };
	int show_clock = a->once || width - used - 9 >= STATE_MIN;
	if (!show_clock && width - used < STATE_MIN) {
		snprintf(left, sizeof(left), "%s  ", a->user[0] ? a->user : a->sess.user);
		used = (int)lt_width(left);
	}
	if (used > width - 1)
		used = width > 1 ? width - 1 : 1;
	lt_line_add(l, left, used, 0, LT_A_HEAD);
	char st[1200];
	if (a->once) {
		snprintf(st, sizeof(st), "snapshot at revision %llu",
			 (unsigned long long)a->revision);
		attr = LT_A_NORMAL;
	} else if (a->state == LT_LOST) {
		int64_t in = a->retry_at_ms - lt_now_ms();
		/* The retry first: the reason may be cut at the edge. */
		snprintf(st, sizeof(st), "%s, retrying in %llds: %s", word,
			 (long long)(in > 0 ? (in + 999) / 1000 : 0), a->state_msg);
	} else if (a->state == LT_NOT_LIVE) {
		snprintf(st, sizeof(st), "%s", a->state_msg);
	} else {
		snprintf(st, sizeof(st), "%s, revision %llu", word,
			 (unsigned long long)a->revision);
	}
	int room = width - used - (show_clock ? 9 : 0);
	if (room < 1)
		room = 1;
	lt_line_add(l, st, room, 0, attr);
	if (show_clock)
		lt_line_add(l, clock, 9, 1, LT_A_NORMAL);
}

/* Lines for each panel: a title, then as many as it wants, shared out one
 * at a time starting with the focused panel, so all show their title and
 * the one you work in grows first. */
static void share_lines(struct lt_app *a, int avail, int *h)
{
	int want[LT_PANELS_MAX];
	for (int i = 0; i < a->npanels; i++) {
		struct lt_panel *p = a->panel[i];
		int n = p->ops->nrows(p);
		want[i] = 1 + p->ops->nheader(p) + (n ? n : 1);
		h[i] = 0;
	}
	for (int i = 0; i < a->npanels && avail > 0; i++) {
		int k = (a->focus + i) % a->npanels;
		h[k] = 1;
		avail--;
	}
	/* With many panels the titles take most lines, and one line each in
	 * turn would leave the focused panel a title and its column names but
	 * no row to select: it gets half of what is left first (at least its
	 * column names and one row), the others share the rest. */
	int f = a->focus;
	if (f < a->npanels && h[f]) {
		int room = avail / 2, need = a->panel[f]->ops->nheader(a->panel[f]) + 1;
		if (room < need)
			room = need;
		if (room > want[f] - h[f])
			room = want[f] - h[f];
		if (room > avail)
			room = avail;
		if (room > 0) {
			h[f] += room;
			avail -= room;
		}
	}
	int more = 1;
	while (avail > 0 && more) {
		more = 0;
		for (int i = 0; i < a->npanels && avail > 0; i++) {
			int k = (a->focus + i) % a->npanels;
			if (h[k] && h[k] < want[k]) {
				h[k]++;
				avail--;
				more = 1;
			}
		}
	}
	/* Lines nobody wants go to the feed (the last panel): room to grow. */
	if (avail > 0 && a->npanels && h[a->npanels - 1])
		h[a->npanels - 1] += avail;
}

static void panel_title(struct lt_app *a, struct lt_panel *p, int focused, int width,
			struct lt_line *l)
{
	char t[512];
	p->ops->title(p, t, sizeof(t));
	lt_line_clear(l, focused ? LT_A_TITLE : LT_A_HEAD);
	char full[600];
	snprintf(full, sizeof(full), "%s %s", focused ? ">" : " ", t);
	lt_line_add(l, full, width, 0, LT_A_NORMAL);
	(void)a;
}

static void draw_panel(struct lt_app *a, int idx, int y, int h, int width)
{
	struct lt_panel *p = a->panel[idx];
	struct lt_line l;
	int focused = idx == a->focus;
	panel_title(a, p, focused, width, &l);
	put_line(y++, &l, 0);
	h--;
	int nh = p->ops->nheader(p);
	if (p->error[0] && h > 0) {
		lt_line_clear(&l, LT_A_ERROR);
		lt_line_add(&l, p->error, width, 0, LT_A_NORMAL);
		put_line(y++, &l, 0);
		h--;
	}
	for (int i = 0; i < nh && h > 0; i++, h--) {
		p->ops->header(p, i, width, &l);
		put_line(y++, &l, 0);
	}
	int n = p->ops->nrows(p);
	if (p->sel >= n)
		p->sel = n ? n - 1 : 0;
	if (p->sel < 0)
		p->sel = 0;
	if (p->sel < p->top)
		p->top = p->sel;
	if (h > 0 && p->sel >= p->top + h)
		p->top = p->sel - h + 1;
	if (p->top > 0 && p->top + h > n)
		p->top = n > h ? n - h : 0;
	if (n == 0 && h > 0 && !p->error[0]) {
		lt_line_clear(&l, LT_A_DIM);
		lt_line_add(&l, p->filter[0] ? "  (nothing matches the filter)" : "  (empty)",
			    width, 0, LT_A_NORMAL);
		put_line(y++, &l, 0);
		h--;
	}
	for (int i = p->top; i < n && h > 0; i++, h--) {
		p->ops->row(p, a, i, width, &l);
		put_line(y++, &l, focused && i == p->sel ? LT_A_SEL : 0);
	}
	for (; h > 0; h--) {
		move(y++, 0);
		clrtoeol();
	}
}

static void draw_box(const char *const *lines, int n)
{
	int w = 0;
	for (int i = 0; i < n; i++)
		if ((int)lt_width(lines[i]) > w)
			w = (int)lt_width(lines[i]);
	w += 4;
	if (w > COLS)
		w = COLS;
	int h = n + 2 > LINES ? LINES : n + 2;
	int y0 = (LINES - h) / 2, x0 = (COLS - w) / 2;
	for (int y = 0; y < h; y++) {
		struct lt_line l;
		lt_line_clear(&l, LT_A_NORMAL);
		const char *s = y == 0 || y == h - 1 || y - 1 >= n ? "" : lines[y - 1];
		lt_line_add(&l, " ", 2, 0, LT_A_NORMAL);
		lt_line_add(&l, s, w - 4, 0, LT_A_NORMAL);
		lt_line_add(&l, " ", 2, 0, LT_A_NORMAL);
		attrset(A_REVERSE);
		mvaddstr(y0 + y, x0, l.text);
		attrset(A_NORMAL);
	}
}

static const char *const help_lines[] = {
	"leadtop keys",
	"",
	"Up/Down, j/k   move in the panel",
	"PgUp/PgDn      a page up or down",
	"Tab, Shift-Tab next / previous panel",
	"Enter          the selected lead's details",
	"e              edit its main contact's phone and email",
	"s              change its status",
	"a              add a lead (title, client, contact, phone, email)",
	"t              add a task to the selected lead (title, due time)",
	"/              filter the panel (empty: show all)",
	"?              this help (any key closes it)",
	"q              quit",
};

/* Contacts and opportunities each get at most this many lines in the
 * details box (then "N more"), so it fits 80x24 whatever the lead holds. */
#define DETAIL_LIST_MAX 4

static void draw_detail(struct lt_app *a)
{
	const Leadd__LeadReply *lr = a->detail->lead;
	const Leadd__Lead *l = lr->lead;
	char lines[24][400], st[128], ow[128], v[64], t1[64], t2[64];
	int n = 0;
	const char *p[24];
	snprintf(lines[n++], 400, "lead %llu, version %llu", (unsigned long long)l->id,
		 (unsigned long long)l->version);
	snprintf(lines[n++], 400, "title:   %s", l->title ? l->title : "");
	snprintf(lines[n++], 400, "client:  %s",
		 l->client_name && *l->client_name ? l->client_name : "-");
	snprintf(lines[n++], 400, "status:  %s", lt_status_name(a, l->status_id, st, sizeof(st)));
	snprintf(lines[n++], 400, "owner:   %s", lt_owner_name(a, l->owner_id, ow, sizeof(ow)));
	if (l->value)
		lead_format_value(l->value, v, sizeof(v));
	snprintf(lines[n++], 400, "value:   %s", l->value ? v : "-");
	snprintf(lines[n++], 400, "source:  %s", l->source && *l->source ? l->source : "-");
	lead_format_time(l->next_action_at, t1, sizeof(t1));
	snprintf(lines[n++], 400, "next:    %s%s%s", t1, l->next_action_note ? "  " : "",
		 l->next_action_note ? l->next_action_note : "");
	if (l->standby_until > 0) {
		char t3[64];
		lead_format_time(l->standby_until, t3, sizeof(t3));
		snprintf(lines[n++], 400, "standby: until %s%s%s", t3,
			 l->standby_reason ? "  " : "", l->standby_reason ? l->standby_reason : "");
	}
	lead_format_time(l->updated_at, t2, sizeof(t2));
	snprintf(lines[n++], 400, "updated: %s", t2);
	for (size_t i = 0; i < l->n_contacts && i < DETAIL_LIST_MAX; i++) {
		const Leadd__Contact *c = l->contacts[i];
		snprintf(lines[n++], 400, "%s %s  %s  %s", i == 0 ? "contact:" : "        ",
			 c->name ? c->name : "-", c->phone && *c->phone ? c->phone : "-",
			 c->email && *c->email ? c->email : "-");
	}
	if (l->n_contacts > DETAIL_LIST_MAX)
		snprintf(lines[n++], 400, "         and %zu more contact%s",
			 l->n_contacts - DETAIL_LIST_MAX,
			 l->n_contacts - DETAIL_LIST_MAX == 1 ? "" : "s");
	/* Newest first, as lead show lists them. */
	for (size_t i = 0; i < lr->n_opps && i < DETAIL_LIST_MAX; i++) {
		char o[360];
		lead_opp_sentence(lr->opps[i], o, sizeof(o));
		snprintf(lines[n++], 400, "%s %s", i == 0 ? "opps:   " : "        ", o);
	}
	if (lr->n_opps > DETAIL_LIST_MAX)
		snprintf(lines[n++], 400, "         and %zu more opportunit%s",
			 lr->n_opps - DETAIL_LIST_MAX,
			 lr->n_opps - DETAIL_LIST_MAX == 1 ? "y" : "ies");
	snprintf(lines[n++], 400, "(any key closes; all of it: lead show %llu)",
		 (unsigned long long)l->id);
	for (int i = 0; i < n; i++)
		p[i] = lines[i];
	draw_box(p, n);
}

void lt_draw(struct lt_app *a)
{
	struct lt_line l;
	int width = COLS;
	erase();
	status_line(a, width, &l);
	put_line(0, &l, 0);
	int h[LT_PANELS_MAX];
	share_lines(a, LINES - 2, h);
	int y = 1;
	for (int i = 0; i < a->npanels; i++) {
		if (!h[i])
			continue;
		draw_panel(a, i, y, h[i], width);
		y += h[i];
	}
	/* The last line: a message for a few seconds, else the key hint. Never
	 * the last column: writing there would scroll the screen. */
	lt_line_clear(&l, a->msg[0] ? a->msg_attr : LT_A_DIM);
	if (a->msg[0] && lt_now_ms() - a->msg_ms < 8000)
		lt_line_add(&l, a->msg, width - 1, 0, LT_A_NORMAL);
	else
		lt_line_add(&l,
			    "? keys  Tab panel  Enter details  e edit  s status  a add  / filter  "
			    "q quit",
			    width - 1, 0, LT_A_NORMAL);
	put_line(LINES - 1, &l, 0);
	if (a->help)
		draw_box(help_lines, (int)(sizeof(help_lines) / sizeof(help_lines[0])));
	else if (a->detail)
		draw_detail(a);
	refresh();
}

/* ---- --once ---- */

static int out_width(void)
{
	struct winsize ws;
	const char *c = getenv("COLUMNS");
	if (c && atoi(c) > 20)
		return atoi(c);
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
		return ws.ws_col;
	return 80;
}

static void print_line(const struct lt_line *l)
{
	/* No trailing blanks: a script compares the lines. */
	size_t n = l->len;
	while (n && l->text[n - 1] == ' ')
		n--;
	lead_out("%.*s\n", (int)n, l->text);
}

int lt_print_once(struct lt_app *a)
{
	if (a->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "user", lead_json_string(a->user));
		cJSON_AddItemToObject(o, "server", lead_json_string(a->ctx.server));
		cJSON_AddItemToObject(o, "revision", lead_json_uint(a->revision));
		cJSON *searches = cJSON_CreateArray();
		for (int i = 0; i < a->npanels; i++) {
			struct lt_panel *p = a->panel[i];
			if (strcmp(p->ops->kind, "search") == 0)
				cJSON_AddItemToArray(searches, p->ops->json(p, a));
			else
				cJSON_AddItemToObject(o, p->ops->kind, p->ops->json(p, a));
		}
		cJSON_AddItemToObject(o, "searches", searches);
		return lead_json_out(o);
	}
	int width = out_width();
	struct lt_line l;
	status_line(a, width, &l);
	print_line(&l);
	for (int i = 0; i < a->npanels; i++) {
		struct lt_panel *p = a->panel[i];
		lead_out("\n");
		panel_title(a, p, 0, width, &l);
		print_line(&l);
		if (p->error[0]) {
			lt_line_clear(&l, LT_A_NORMAL);
			lt_line_add(&l, p->error, width, 0, LT_A_NORMAL);
			print_line(&l);
			continue;
		}
		for (int k = 0; k < p->ops->nheader(p); k++) {
			p->ops->header(p, k, width, &l);
			print_line(&l);
		}
		int n = p->ops->nrows(p);
		for (int k = 0; k < n; k++) {
			p->ops->row(p, a, k, width, &l);
			print_line(&l);
		}
		if (!n) {
			lt_line_clear(&l, LT_A_NORMAL);
			lt_line_add(&l, "  (empty)", width, 0, LT_A_NORMAL);
			print_line(&l);
		}
	}
	return 0;
}
