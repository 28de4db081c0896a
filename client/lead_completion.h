/* The bash completion of lead, generated from the command table: each
 * command's options, the values they take and its arguments are read from
 * its usage line (and the filter table), the one source `lead help` prints,
 * so the completion cannot offer an option lead does not take. */
#ifndef LEAD_COMPLETION_H
#define LEAD_COMPLETION_H

#include <stdio.h>

/* Writes the script (a _lead function and `complete -F _lead lead`) to out;
 * 0, or -1 when out of memory. */
int lead_completion_bash(FILE *out);

#endif
