/* Word and title folding for search. Until the index module exports its
 * own folding, this one follows the index layout's rule (NFKC, case folded,
 * accents stripped, 64 bytes). */
#include "search_fold.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* Fold s[0..n) into out (at most max bytes, cut at a character start). */
static size_t fold(const char *s, size_t n, uint8_t *out, size_t max, int keep_space)
{
	utf8proc_uint8_t *folded = NULL;
	utf8proc_ssize_t m = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &folded,
					  UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE |
						  UTF8PROC_CASEFOLD | UTF8PROC_IGNORE |
						  UTF8PROC_STRIPMARK);
	if (m < 0)
		return 0;
	size_t o = 0;
	int space = 0;
	for (utf8proc_ssize_t i = 0; i < m; i++) {
		unsigned char c = folded[i];
		if (isspace(c)) {
			space = keep_space && o > 0;
			continue;
		}
		/* Cut before a character that would not fit whole. */
		size_t clen = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
		if (clen && o + clen + (space ? 1 : 0) > max)
			break;
		if (space) {
			out[o++] = ' ';
			space = 0;
		}
		out[o++] = c;
	}
	free(folded);
	return o;
}

int search_fold_word(const char *in, size_t n, char out[SEARCH_KEY_MAX + 1])
{
	size_t len = fold(in, n, (uint8_t *)out, SEARCH_KEY_MAX, 0);
	out[len] = 0;
	return len ? 0 : -1;
}

void search_fold_title(const char *in, size_t n, uint8_t out[SEARCH_KEY_MAX], size_t *len)
{
	*len = fold(in, n, out, SEARCH_KEY_MAX, 1);
}
