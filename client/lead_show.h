/* Reading one lead (lead show) and its history (lead history): the text and
 * JSON forms. lead_print_lead (lead.h) is here too. */
#ifndef LEAD_SHOW_H
#define LEAD_SHOW_H

#include "lead.h"

/* lead_print_lead, with names for created/updated by that lead_names could
 * not give (a rep may not list users; the history names them): NULL keeps
 * what lead_names knows, else "user N". */
void lead_print_lead_by(const Leadd__Lead *l, const Leadd__StatusListReply *sl,
			const struct lead_names *names, const char *created_by,
			const char *updated_by);

/* The history entries of one lead, fetched page by page. */
struct lead_history {
	Leadd__Response **pages; /* each a LeadHistoryReply */
	size_t n_pages;
	Leadd__HistoryItem **items; /* into pages, in the order asked */
	size_t n;
	int more; /* stopped at max with entries left */
};

/* Fetch up to max entries (0: all) of lead id, oldest first unless
 * newest_first, pages of at most 1000. 0 or an exit status (printed). */
int lead_history_fetch(struct lead_ctx *ctx, uint64_t id, int newest_first, size_t max,
		       struct lead_history *h);
void lead_history_free(struct lead_history *h);

/* "2026-12-05 10:30 CET  sofia  status  lead-New -> lead-Qualified": one
 * line per change, the author and field columns aligned, every value
 * escaped for the terminal. */
void lead_history_print(const struct lead_history *h);
/* [{revision, at, author, kind, activity, activity_op, opportunity,
 * opp_op, changes: [{field, old, new}]}]; a value's sides as money
 * objects. */
cJSON *lead_history_json(const struct lead_history *h);

#endif
