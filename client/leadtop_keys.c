/* The keys (`?` lists them on the screen; docs/leadtop.md and leadtop(1)
 * too). Moving is the focused panel's; e, s and Enter act on its selected
 * lead, t on it or on the lead of the agenda's selected item. */
#include <curses.h>
#include <string.h>

#include "leadtop.h"

#define PAGE 10

static const Leadd__Lead *selected(struct lt_app *a, const char *what)
{
	struct lt_panel *p = a->panel[a->focus];
	const Leadd__Lead *l = p->ops->lead ? p->ops->lead(p, p->sel) : NULL;
	if (!l)
		lt_message(a, LT_A_ERROR, "%s: select a lead in a search panel first (Tab moves)",
			   what);
	return l;
}

static void filter_prompt(struct lt_app *a)
{
	char f[LT_FILTER_MAX];
	if (!lt_prompt(a, "filter (empty: show all): ", a->panel[a->focus]->filter, f, sizeof(f)))
		return;
	/* The panels may have changed while the prompt was open (a pinned
	 * search removed): the focused one now. */
	struct lt_panel *p = a->panel[a->focus];
	snprintf(p->filter, sizeof(p->filter), "%s", f);
	p->sel = p->top = 0;
	lt_search_refilter(p, a);
}

void lt_key(struct lt_app *a, wint_t ch, int is_key)
{
	struct lt_panel *p = a->panel[a->focus];
	if (is_key && ch == KEY_RESIZE)
		return; /* the loop redraws for the new size */
	if (a->help || a->detail) {
		/* Any key closes the help or the details. */
		a->help = 0;
		if (a->detail)
			leadd__response__free_unpacked(a->detail, NULL);
		a->detail = NULL;
		return;
	}
	if (is_key) {
		switch (ch) {
		case KEY_UP:
			p->sel--;
			break;
		case KEY_DOWN:
			p->sel++;
			break;
		case KEY_PPAGE:
			p->sel -= PAGE;
			break;
		case KEY_NPAGE:
			p->sel += PAGE;
			break;
		case KEY_HOME:
			p->sel = 0;
			break;
		case KEY_END:
			p->sel = p->ops->nrows(p) - 1;
			break;
		case KEY_BTAB:
			a->focus = (a->focus + a->npanels - 1) % a->npanels;
			break;
		case KEY_ENTER: {
			const Leadd__Lead *l = selected(a, "details");
			if (l)
				lt_show_details(a, l);
			break;
		}
		default:
			break;
		}
	} else {
		const Leadd__Lead *l;
		switch (ch) {
		case 'k':
			p->sel--;
			break;
		case 'j':
			p->sel++;
			break;
		case '\t':
			a->focus = (a->focus + 1) % a->npanels;
			break;
		case '\r':
		case '\n':
			if ((l = selected(a, "details")))
				lt_show_details(a, l);
			break;
		case 'e':
			if ((l = selected(a, "edit")))
				lt_edit_contact(a, l);
			break;
		case 's':
			if ((l = selected(a, "status")))
				lt_change_status(a, l);
			break;
		case 'a':
			lt_quick_add(a);
			break;
		case 't': {
			/* A lead of a search panel, or of the agenda's item. */
			uint64_t id = lt_agenda_lead_id(p, p->sel);
			if (!id && (l = selected(a, "task")))
				id = l->id;
			if (id)
				lt_add_task(a, id);
			break;
		}
		case '/':
			filter_prompt(a);
			break;
		case '?':
			a->help = 1;
			break;
		case 'q':
		case 'Q':
			a->quit = 1;
			break;
		case 12: /* Ctrl-L: paint everything again */
			clearok(curscr, TRUE);
			break;
		default:
			break;
		}
	}
	p = a->panel[a->focus]; /* a prompt may have changed the panels */
	int n = p->ops->nrows(p);
	if (p->sel >= n)
		p->sel = n - 1;
	if (p->sel < 0)
		p->sel = 0;
}
