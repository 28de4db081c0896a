/* Normalisation shared by the server (indexes, duplicate checks) and the
 * clients (display), plus the one UTF-8 validator. */
#ifndef LD_NORM_H
#define LD_NORM_H

#include <stddef.h>
#include <stdint.h>

/* 1 if s[0..n) is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
int ld_utf8_valid(const char *s, size_t n);

/* Lower-case, trimmed email; -1 if it does not look like local@domain.
 * out must hold strlen(in)+1 bytes. */
int ld_norm_email(const char *in, char *out, size_t outlen);
/* Digits only, keeping one leading '+'; -1 if fewer than 3 digits. */
int ld_norm_phone(const char *in, char *out, size_t outlen);
/* The key a name is found by: NFKC, Unicode case folding, default-ignorable
 * characters dropped, trimmed, inner whitespace runs made one space. For
 * tags, client folders, user and team names: "MAISON LEFÈVRE SA" and
 * "Maison Lefèvre SA" fold the same. -1 if in is not UTF-8 or the folded
 * name does not fit outlen. */
int ld_norm_name(const char *in, char *out, size_t outlen);

/* Search words (ld_words.c). A word is a run of letters and digits of the
 * text after NFKC, Unicode case folding and stripping accents ("Lefèvre"
 * and "LEFEVRE" are both "lefevre"), cut to at most LD_WORD_MAX bytes at a
 * character boundary. fn is called once per word, in order (duplicates
 * included); a non-zero return stops the walk. -1 if text is not UTF-8. */
#define LD_WORD_MAX 64
typedef int (*ld_word_fn)(const char *word, size_t len, void *arg);
int ld_norm_words(const char *text, ld_word_fn fn, void *arg);
/* The key text sorts by: folded as a search word is, whitespace runs made
 * one space, trimmed, cut to fit outlen at a character boundary. -1 if text
 * is not UTF-8. */
int ld_norm_sort_key(const char *text, char *out, size_t outlen);

/* Text that must never reach a terminal raw: C0 controls and DEL (escape
 * sequences, OSC 52 clipboard writes), C1 controls U+0080-U+009F (8-bit CSI),
 * bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) and
 * the Unicode line and paragraph separators. Multi-line text (a description)
 * may hold newline and tab; one-line text may not. 1 if cp is forbidden. */
int ld_text_forbidden(uint32_t cp, int multiline);

/* The byte offset of the first forbidden code point (or byte that is not
 * UTF-8) in s[0..n), with the code point in *bad; -1 if there is none. A NUL
 * inside n counts as forbidden. */
long ld_text_check(const char *s, size_t n, int multiline, uint32_t *bad);

/* Copy s for a terminal with every forbidden code point escaped: ESC as
 * "\x1b", U+202E as "\u202e", a byte that is not UTF-8 as "\xNN". Returns
 * the length the escaped text needs (without the NUL), like snprintf: out
 * holds all of it when the result is below outlen. */
size_t ld_text_escape(const char *s, int multiline, char *out, size_t outlen);

/* 1 when s is NULL, empty or only ASCII white space: a field given but
 * saying nothing (a blank title, a contact with no name). */
int ld_is_blank(const char *s);

#endif
