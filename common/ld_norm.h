/* Normalisation shared by the server (indexes, duplicate checks) and the
 * clients (display), plus the one UTF-8 validator. */
#ifndef LD_NORM_H
#define LD_NORM_H

#include <stddef.h>

/* 1 if s[0..n) is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
int ld_utf8_valid(const char *s, size_t n);

/* Lower-case, trimmed email; -1 if it does not look like local@domain.
 * out must hold strlen(in)+1 bytes. */
int ld_norm_email(const char *in, char *out, size_t outlen);
/* Digits only, keeping one leading '+'; -1 if fewer than 3 digits. */
int ld_norm_phone(const char *in, char *out, size_t outlen);
/* Trimmed, ASCII lower-cased, inner whitespace runs folded to one space:
 * for tags and client names. */
int ld_norm_name(const char *in, char *out, size_t outlen);

/* Parse "1234.50" / "1234,5" / "1234" into minor units (2 decimals).
 * 0 or -1. */
int ld_parse_money(const char *s, long long *minor);
/* Format minor units as "1234.50". */
void ld_format_money(long long minor, char *out, size_t outlen);

#endif
