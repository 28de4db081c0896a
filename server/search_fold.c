/* Word and title folding for search: the index module's own rules
 * (common/ld_norm.h ld_norm_words, ld_norm_sort_key), so a query word and
 * an indexed word always fold alike. */
#include "search_fold.h"

#include <stdio.h>
#include <string.h>

#include "ld_norm.h"

int search_words(const char *text, search_word_fn fn, void *arg)
{
	return ld_norm_words(text, fn, arg);
}

void search_fold_title(const char *in, size_t n, uint8_t out[SEARCH_KEY_MAX], size_t *len)
{
	char text[1024], key[SEARCH_KEY_MAX + 1];
	snprintf(text, sizeof(text), "%.*s", (int)(n < sizeof(text) ? n : sizeof(text) - 1), in);
	*len = 0;
	if (ld_norm_sort_key(text, key, sizeof(key)) == 0) {
		*len = strlen(key);
		memcpy(out, key, *len);
	}
}
