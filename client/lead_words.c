/* Words of a command line and their shell quoting. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lead_words.h"

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);
	if (!q) {
		fputs("lead: out of memory\n", stderr);
		exit(1);
	}
	return q;
}

void lead_words_add(struct lead_words *ws, const char *s)
{
	if (ws->n == ws->cap) {
		ws->cap = ws->cap ? ws->cap * 2 : 16;
		ws->w = xrealloc(ws->w, ws->cap * sizeof(*ws->w));
	}
	size_t len = strlen(s);
	ws->w[ws->n] = xrealloc(NULL, len + 1);
	memcpy(ws->w[ws->n], s, len + 1);
	ws->n++;
}

void lead_words_free(struct lead_words *ws)
{
	for (size_t i = 0; i < ws->n; i++)
		free(ws->w[i]);
	free(ws->w);
	ws->w = NULL;
	ws->n = ws->cap = 0;
}

/* Characters that mean nothing to sh, bash or zsh anywhere in a word (a
 * leading '~' or '=' would, hence not at the start: see below). */
static int plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("-_./:,+@%", c);
}

char *lead_shell_quote(const char *s)
{
	size_t len = strlen(s), quotes = 0;
	int bare = len > 0;
	for (size_t i = 0; i < len; i++) {
		if (!plain((unsigned char)s[i]))
			bare = 0;
		if (s[i] == '\'')
			quotes++;
	}
	if (bare) {
		char *out = xrealloc(NULL, len + 1);
		memcpy(out, s, len + 1);
		return out;
	}
	/* 'it'\''s': each quote closes the string, adds an escaped quote,
	 * and opens it again. */
	char *out = xrealloc(NULL, len + 3 * quotes + 3), *p = out;
	*p++ = '\'';
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else {
			*p++ = s[i];
		}
	}
	*p++ = '\'';
	*p = '\0';
	return out;
}

char *lead_words_join(const struct lead_words *ws)
{
	char *out = xrealloc(NULL, 1);
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < ws->n; i++) {
		char *q = lead_shell_quote(ws->w[i]);
		size_t ql = strlen(q);
		out = xrealloc(out, len + ql + 2);
		if (i)
			out[len++] = ' ';
		memcpy(out + len, q, ql + 1);
		len += ql;
		free(q);
	}
	return out;
}
