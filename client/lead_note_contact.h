/* The contact a note mentions (lead note): an email or phone that the
 * lead's contacts do not hold yet, as the `lead contact add` line to run. */
#ifndef LEAD_NOTE_CONTACT_H
#define LEAD_NOTE_CONTACT_H

#include <stdint.h>

#include "leadd.pb-c.h"

/* The command line (malloc'd, shell-quoted) that adds the first email and
 * the first phone number in text that the lead's contacts (when lead is not
 * NULL) lack to lead_id's contacts; NULL when there
 * is nothing to add. The name comes from the email ("ana.lopez@x.com":
 * Ana Lopez) or is the placeholder NAME, said so after the line. */
char *lead_note_contact_line(const char *text, const Leadd__Lead *lead, uint64_t lead_id,
			     const char *server_opt);

#endif
