/* A line typed on the bottom line of the screen (a phone, a status word, a
 * filter). The dashboard stays live while you type: the connection is
 * served and the panels redrawn between keys. Enter accepts, Esc or Ctrl-C
 * cancels; Backspace, Left/Right, Home/End and Ctrl-U edit. */
#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "leadtop.h"

#define PROMPT_MAX 256

static void draw_prompt(const char *label, const wchar_t *buf, int n, int cur)
{
	int y = LINES - 1;
	move(y, 0);
	clrtoeol();
	attrset(A_BOLD);
	/* A label wider than the screen would leave no column to type in
	 * (what is typed goes unseen): cut it with an ellipsis, keeping a
	 * fifth of the line (at least 8 columns; 2 below 40) for the answer. */
	int keep = lt_prompt_room(), most = COLS - 1 - keep;
	struct lt_line fit;
	lt_line_clear(&fit, LT_A_NORMAL);
	lt_line_add(&fit, label, (int)lt_width(label) > most ? (most > 1 ? most : 1) : -1, 0,
		    LT_A_NORMAL);
	addstr(fit.text);
	attrset(A_NORMAL);
	int x0 = getcurx(stdscr);
	int room = COLS - 1 - x0;
	/* Long input: show the part around the cursor. */
	int from = 0;
	while (from < cur && wcswidth(buf + from, (size_t)(cur - from)) >= room)
		from++;
	int len = n - from;
	while (len > 0 && wcswidth(buf + from, (size_t)len) > room)
		len--;
	if (len > 0)
		addnwstr(buf + from, len);
	int cx = x0 + (cur > from ? wcswidth(buf + from, (size_t)(cur - from)) : 0);
	move(y, cx < COLS ? cx : COLS - 1);
	curs_set(1);
	refresh();
}

int lt_prompt_room(void)
{
	/* Below 40 columns every column counts: a short label stays whole
	 * ("new lead, title: " at 20), the answer scrolls in what is left. */
	if (COLS < 40)
		return 2;
	return COLS / 5 > 8 ? COLS / 5 : 8;
}

int lt_prompt(struct lt_app *a, const char *label, const char *initial, char *out, size_t len)
{
	wchar_t buf[PROMPT_MAX + 1];
	int n = 0;
	if (initial && *initial) {
		size_t k = mbstowcs(buf, initial, PROMPT_MAX);
		if (k == (size_t)-1) {
			/* Outside a UTF-8 locale a value beyond ASCII cannot be
			 * shown or kept: an empty prompt accepted would erase it. */
			lt_message(a, LT_A_ERROR,
				   "%scannot edit a value this locale cannot show; use a UTF-8 "
				   "locale (LANG=C.UTF-8) or lead edit",
				   label);
			return 0;
		}
		n = (int)k;
	}
	buf[n] = L'\0';
	int cur = n, done = -1;
	/* Ctrl-C in a prompt cancels it, as in a shell: raw mode makes it a
	 * key here instead of a SIGINT that ends the whole dashboard. */
	raw();
	while (done < 0 && !a->quit) {
		lt_tick(a);
		lt_draw(a);
		draw_prompt(label, buf, n, cur);
		lt_wait(a, 250);
		wint_t ch;
		int r;
		while (done < 0 && (r = get_wch(&ch)) != ERR) {
			if (r == KEY_CODE_YES) {
				switch (ch) {
				case KEY_BACKSPACE:
					if (cur > 0) {
						memmove(buf + cur - 1, buf + cur,
							(size_t)(n - cur + 1) * sizeof(*buf));
						cur--, n--;
					}
					break;
				case KEY_DC:
					if (cur < n) {
						memmove(buf + cur, buf + cur + 1,
							(size_t)(n - cur) * sizeof(*buf));
						n--;
					}
					break;
				case KEY_LEFT:
					cur -= cur > 0;
					break;
				case KEY_RIGHT:
					cur += cur < n;
					break;
				case KEY_HOME:
					cur = 0;
					break;
				case KEY_END:
					cur = n;
					break;
				case KEY_ENTER:
					done = 1;
					break;
				default: /* KEY_RESIZE: the next turn redraws */
					break;
				}
				continue;
			}
			if (ch == L'\r' || ch == L'\n') {
				done = 1;
			} else if (ch == 27 || ch == 3) { /* Esc, Ctrl-C */
				done = 0;
			} else if (ch == 127 || ch == 8) {
				if (cur > 0) {
					memmove(buf + cur - 1, buf + cur,
						(size_t)(n - cur + 1) * sizeof(*buf));
					cur--, n--;
				}
			} else if (ch == 21) { /* Ctrl-U */
				n = cur = 0;
				buf[0] = L'\0';
			} else if (iswprint(ch) && n < PROMPT_MAX) {
				memmove(buf + cur + 1, buf + cur,
					(size_t)(n - cur + 1) * sizeof(*buf));
				buf[cur++] = (wchar_t)ch;
				n++;
			}
		}
	}
	cbreak();
	curs_set(0);
	if (done != 1)
		return 0;
	size_t k = wcstombs(out, buf, len - 1);
	if (k == (size_t)-1)
		return 0;
	out[k] = '\0';
	return 1;
}
