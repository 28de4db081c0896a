#include "ld_norm.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int ld_norm_name(const char *in, char *out, size_t outlen)
{
	char *tmp = malloc(strlen(in) + 1);
	if (!tmp)
		return -1;
	if (trim_copy(in, tmp, strlen(in) + 1) < 0) {
		free(tmp);
		return -1;
	}
	size_t o = 0;
	int space = 0;
	for (const char *p = tmp; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (isspace(c)) {
			space = 1;
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
		out[o++] = (char)(c < 0x80 ? tolower(c) : c);
	}
	free(tmp);
	if (outlen == 0)
		return -1;
	out[o] = 0;
	return 0;
too_long:
	free(tmp);
	return -1;
}

int ld_parse_money(const char *s, long long *minor)
{
	while (isspace((unsigned char)*s))
		s++;
	int neg = 0;
	if (*s == '-') {
		neg = 1;
		s++;
	}
	if (!isdigit((unsigned char)*s))
		return -1;
	long long whole = 0;
	for (; isdigit((unsigned char)*s); s++) {
		if (whole > (INT64_MAX / 100 - 9) / 10)
			return -1;
		whole = whole * 10 + (*s - '0');
	}
	long long frac = 0;
	if (*s == '.' || *s == ',') {
		s++;
		int nd = 0;
		for (; isdigit((unsigned char)*s); s++, nd++) {
			if (nd >= 2)
				return -1;
			frac = frac * 10 + (*s - '0');
		}
		if (nd == 0)
			return -1;
		if (nd == 1)
			frac *= 10;
	}
	if (*s)
		return -1;
	*minor = (whole * 100 + frac) * (neg ? -1 : 1);
	return 0;
}

void ld_format_money(long long minor, char *out, size_t outlen)
{
	unsigned long long a = minor < 0 ? (unsigned long long)(-(minor + 1)) + 1
					 : (unsigned long long)minor;
	snprintf(out, outlen, "%s%llu.%02llu", minor < 0 ? "-" : "", a / 100, a % 100);
}
