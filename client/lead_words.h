/* A command line as words, printed back for a shell: the "more:" hint that
 * repeats a listing's options must paste back as exactly the same argv. No
 * lead headers: the unit tests link this file alone. */
#ifndef LEAD_WORDS_H
#define LEAD_WORDS_H

#include <stddef.h>

struct lead_words {
	char **w;
	size_t n, cap;
};

/* Appends a copy of s; exits on out of memory (as lead's output does). */
void lead_words_add(struct lead_words *ws, const char *s);
void lead_words_free(struct lead_words *ws);

/* s as one POSIX shell word: bare when it holds only characters no shell
 * treats specially, else in single quotes ('\'' for a quote). malloc'd. */
char *lead_shell_quote(const char *s);
/* The words quoted and joined by spaces; malloc'd. */
char *lead_words_join(const struct lead_words *ws);

#endif
