/* Search words: text folded the way people expect a search box to match
 * ("Lefèvre", "LEFEVRE" and "lefevre" are one word), then cut into runs of
 * letters and digits. The server indexes a lead's words with it and folds
 * query words with it, so both sides always agree. */
#include "ld_norm.h"

#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

/* NFKC, case folded, accents stripped (decompose, drop the marks,
 * recompose), default-ignorable characters dropped. NULL if `in` is not
 * UTF-8 or out of memory. The caller frees. */
static utf8proc_uint8_t *fold(const char *in)
{
	utf8proc_uint8_t *folded = NULL;
	utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)in, 0, &folded,
					  UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPAT |
						  UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD |
						  UTF8PROC_IGNORE | UTF8PROC_STRIPMARK);
	return n < 0 ? NULL : folded;
}

static int is_word_char(utf8proc_int32_t cp)
{
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_ND:
	case UTF8PROC_CATEGORY_NL:
	case UTF8PROC_CATEGORY_NO:
		return 1;
	default:
		return 0;
	}
}

/* The length of s[0..n) cut to at most max bytes without splitting a
 * UTF-8 sequence. */
static size_t cut(const utf8proc_uint8_t *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	size_t k = max;
	while (k > 0 && (s[k] & 0xC0) == 0x80)
		k--;
	return k;
}

int ld_norm_words(const char *text, ld_word_fn fn, void *arg)
{
	utf8proc_uint8_t *f = fold(text);
	if (!f)
		return -1;
	size_t len = strlen((const char *)f), start = 0, i = 0;
	int in_word = 0, stop = 0;
	while (i <= len && !stop) {
		utf8proc_int32_t cp = 0;
		utf8proc_ssize_t k = 1;
		if (i < len) {
			k = utf8proc_iterate(f + i, (utf8proc_ssize_t)(len - i), &cp);
			if (k <= 0)
				k = 1, cp = -1;
		}
		int word = i < len && cp >= 0 && is_word_char(cp);
		if (word && !in_word) {
			start = i;
			in_word = 1;
		} else if (!word && in_word) {
			in_word = 0;
			stop = fn((const char *)f + start, cut(f + start, i - start, LD_WORD_MAX),
				  arg);
		}
		i += (size_t)k;
	}
	free(f);
	return 0;
}

int ld_norm_sort_key(const char *text, char *out, size_t outlen)
{
	utf8proc_uint8_t *f = fold(text);
	if (!f || outlen == 0) {
		free(f);
		return -1;
	}
	/* Whitespace runs become one space and the ends are trimmed, so
	 * "  Acme  deal" sorts with "Acme deal". */
	size_t o = 0;
	int space = 0;
	const utf8proc_uint8_t *p = f;
	for (; *p && o + 1 < outlen; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
			space = o > 0;
			continue;
		}
		if (space) {
			out[o++] = ' ';
			space = 0;
			if (o + 1 >= outlen)
				break;
		}
		out[o++] = (char)*p;
	}
	/* Stopped inside a character: drop its first bytes too. */
	if (*p && (*p & 0xC0) == 0x80) {
		while (o > 0 && ((unsigned char)out[o - 1] & 0xC0) == 0x80)
			o--;
		if (o > 0)
			o--;
	}
	out[o] = 0;
	free(f);
	return 0;
}
