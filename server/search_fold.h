/* Folding of search words and titles, exactly as the word and title
 * indexes fold them (lead_index.c builds those keys with the same
 * functions of common/ld_norm.h). */
#ifndef LEADD_SEARCH_FOLD_H
#define LEADD_SEARCH_FOLD_H

#include <stddef.h>
#include <stdint.h>

/* Keys of the word and title indexes are at most this long. */
#define SEARCH_KEY_MAX 64

/* The words of text (runs of letters and digits, folded: NFKC, case
 * folded, accents stripped, at most SEARCH_KEY_MAX bytes each), in order;
 * fn returns non-zero to stop. -1 if text is not UTF-8. */
typedef int (*search_word_fn)(const char *word, size_t len, void *arg);
int search_words(const char *text, search_word_fn fn, void *arg);
/* A title as the title index sorts it: folded like a word, spaces kept,
 * the first SEARCH_KEY_MAX bytes. Sets *len (0: the title has no key). */
void search_fold_title(const char *in, size_t n, uint8_t out[SEARCH_KEY_MAX], size_t *len);

#endif
