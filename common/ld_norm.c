#include "ld_norm.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

int ld_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t len;
		uint32_t cp, min;
		if ((c & 0xE0) == 0xC0) {
			len = 2, cp = c & 0x1F, min = 0x80;
		} else if ((c & 0xF0) == 0xE0) {
			len = 3, cp = c & 0x0F, min = 0x800;
		} else if ((c & 0xF8) == 0xF0) {
			len = 4, cp = c & 0x07, min = 0x10000;
		} else {
			return 0;
		}
		if (n - i < len)
			return 0;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += len;
	}
	return 1;
}

/* Copy in without leading/trailing ASCII whitespace. */
static int trim_copy(const char *in, char *out, size_t outlen)
{
	while (*in && isspace((unsigned char)*in))
		in++;
	size_t n = strlen(in);
	while (n && isspace((unsigned char)in[n - 1]))
		n--;
	if (n + 1 > outlen)
		return -1;
	memcpy(out, in, n);
	out[n] = 0;
	return 0;
}

int ld_norm_email(const char *in, char *out, size_t outlen)
{
	if (trim_copy(in, out, outlen) < 0)
		return -1;
	for (char *p = out; *p; p++) {
		if (isspace((unsigned char)*p))
			return -1;
		*p = (char)tolower((unsigned char)*p);
	}
	const char *at = strchr(out, '@');
	if (!at || at == out || strchr(at + 1, '@') || !at[1] || !strchr(at + 1, '.'))
		return -1;
	const char *last = out + strlen(out) - 1;
	if (*last == '.' || at[1] == '.')
		return -1;
	return 0;
}

int ld_norm_phone(const char *in, char *out, size_t outlen)
{
	size_t o = 0, digits = 0;
	while (*in && isspace((unsigned char)*in))
		in++;
	if (*in == '+') {
		if (o + 1 >= outlen)
			return -1;
		out[o++] = '+';
		in++;
	}
	for (; *in; in++) {
		unsigned char c = (unsigned char)*in;
		if (isdigit(c)) {
			if (o + 1 >= outlen)
				return -1;
			out[o++] = (char)c;
			digits++;
		} else if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/') {
			continue;
		} else {
			return -1;
		}
	}
	if (outlen == 0)
		return -1;
	out[o] = 0;
	return digits >= 3 ? 0 : -1;
}

/* Fold one name: NFKC with Unicode case folding (full-width letters,
 * ligatures and compatibility forms become their plain letters, "È" and "è"
 * the same), default-ignorable characters (soft hyphens, zero-width joiners)
 * dropped, then trimmed with inner whitespace runs made one space. This is
 * Unicode's NFKC_Casefold in all but a few rare characters. */
int ld_norm_name(const char *in, char *out, size_t outlen)
{
	utf8proc_uint8_t *folded = NULL;
	utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)in, 0, &folded,
					  UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPAT |
						  UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD |
						  UTF8PROC_IGNORE);
	if (n < 0)
		return -1;
	size_t o = 0;
	int space = 0;
	for (const utf8proc_uint8_t *p = folded; *p; p++) {
		unsigned char c = *p;
		if (isspace(c)) {
			space = o > 0;
			continue;
		}
		if (space) {
			if (o + 1 >= outlen)
				goto too_long;
			out[o++] = ' ';
			space = 0;
		}
		if (o + 1 >= outlen)
			goto too_long;
		out[o++] = (char)c;
	}
	free(folded);
	if (outlen == 0)
		return -1;
	out[o] = 0;
	return 0;
too_long:
	free(folded);
	return -1;
}

/* Decode one code point of valid UTF-8 at s; its length in *len. */
static uint32_t utf8_next(const unsigned char *s, size_t n, size_t *len)
{
	utf8proc_int32_t cp;
	utf8proc_ssize_t k = utf8proc_iterate(s, (utf8proc_ssize_t)n, &cp);
	if (k <= 0) {
		*len = 1;
		return UINT32_MAX;
	}
	*len = (size_t)k;
	return (uint32_t)cp;
}

int ld_text_forbidden(uint32_t cp, int multiline)
{
	if (cp == '\n' || cp == '\t')
		return !multiline;
	return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) ||
	       (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 ||
	       cp == 0x2029;
}

long ld_text_check(const char *str, size_t n, int multiline, uint32_t *bad)
{
	const unsigned char *s = (const unsigned char *)str;
	for (size_t i = 0; i < n;) {
		size_t len;
		uint32_t cp = utf8_next(s + i, n - i, &len);
		if (cp == UINT32_MAX || ld_text_forbidden(cp, multiline)) {
			if (bad)
				*bad = cp == UINT32_MAX ? s[i] : cp;
			return (long)i;
		}
		i += len;
	}
	return -1;
}

size_t ld_text_escape(const char *str, int multiline, char *out, size_t outlen)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), o = 0, fit = 0;
	int cut = 0;
	char tmp[16];
	for (size_t i = 0; i < n;) {
		size_t len;
		uint32_t cp = utf8_next(s + i, n - i, &len);
		const char *piece = (const char *)s + i;
		size_t plen = len;
		if (cp == UINT32_MAX) {
			/* Not UTF-8: show the byte. */
			snprintf(tmp, sizeof(tmp), "\\x%02x", s[i]);
			piece = tmp, plen = strlen(tmp);
		} else if (ld_text_forbidden(cp, multiline)) {
			if (cp < 0x80)
				snprintf(tmp, sizeof(tmp), "\\x%02x", (unsigned)cp);
			else
				snprintf(tmp, sizeof(tmp), "\\u%04x", (unsigned)cp);
			piece = tmp, plen = strlen(tmp);
		}
		/* Whole pieces only: a cut escape could read as something else. */
		if (!cut && o + plen < outlen) {
			memcpy(out + o, piece, plen);
			fit = o + plen;
		} else {
			cut = 1;
		}
		o += plen;
		i += len;
	}
	if (outlen)
		out[fit] = 0;
	return o;
}

int ld_is_blank(const char *s)
{
	if (!s)
		return 1;
	while (*s && isspace((unsigned char)*s))
		s++;
	return *s == 0;
}
