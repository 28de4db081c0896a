/* Can the dashboard draw on this terminal? Asked of terminfo before
 * ncurses starts: newterm() on an unknown TERM leaves memory it cannot
 * free (a sanitizer reports it), and initscr() exits with its own words. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <term.h>
#include <unistd.h>

#include "leadtop.h"

int lt_term_usable(char *why, size_t len)
{
	const char *term = getenv("TERM");
	if (!term || !*term) {
		snprintf(why, len,
			 "TERM is not set, so the dashboard cannot draw; set TERM (for a script "
			 "use leadtop --once)");
		return 0;
	}
	int err = 0;
	if (setupterm(NULL, STDOUT_FILENO, &err) != OK) {
		snprintf(why, len,
			 "the terminal type '%s' (TERM) is not known here; set TERM to one that "
			 "is (for a script use leadtop --once)",
			 term);
		return 0;
	}
	/* Without cursor motion (TERM=dumb) every redraw would scroll. */
	const char *cup = tigetstr("cup");
	int ok = cup && cup != (const char *)-1;
	del_curterm(cur_term);
	if (!ok)
		snprintf(why, len,
			 "the terminal type '%s' (TERM) cannot move the cursor, so the dashboard "
			 "cannot draw; use leadtop --once",
			 term);
	return ok;
}
