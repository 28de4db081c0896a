/* Renders the request table as the Markdown of docs/permissions.md, so the
 * document can be regenerated (`leadd permissions`) and a test can keep the
 * two equal. */
#ifndef LEADD_PERMISSIONS_H
#define LEADD_PERMISSIONS_H

#include <stdio.h>

void permissions_write_markdown(FILE *out);

#endif
