/* Folding of search words and titles, as the word and title indexes fold
 * them (lead_index.c builds those keys with the same rules). */
#ifndef LEADD_SEARCH_FOLD_H
#define LEADD_SEARCH_FOLD_H

#include <stddef.h>
#include <stdint.h>

/* Keys of the word and title indexes are at most this long. */
#define SEARCH_KEY_MAX 64

/* One query word folded like an index word: NFKC, case folded, accents
 * stripped, at most SEARCH_KEY_MAX bytes (cut at a character boundary).
 * 0, or -1 when nothing is left of it. */
int search_fold_word(const char *in, size_t n, char out[SEARCH_KEY_MAX + 1]);
/* A title as the title index sorts it: folded like a word, spaces kept,
 * the first SEARCH_KEY_MAX bytes. Sets *len (0 for an empty title). */
void search_fold_title(const char *in, size_t n, uint8_t out[SEARCH_KEY_MAX], size_t *len);

#endif
