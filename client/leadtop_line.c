/* Lines of text fitted to columns: what panels hand the screen and --once.
 *
 * Widths are counted with wcwidth(), as ncursesw counts them when it puts
 * a character on the screen, so a name with wide characters (CJK) or
 * combining marks lines up with the ASCII rows around it. Outside a UTF-8
 * locale (--once in the C locale) utf8proc's width is used instead. */
#include <langinfo.h>
#include <string.h>
#include <strings.h>

#include <utf8proc.h>

#include "ld_norm.h"
#include "leadtop.h"

int lt_ascii_screen;

static int utf8_locale(void)
{
	static int known = -1;
	if (known < 0) {
		const char *cs = nl_langinfo(CODESET);
		known = cs && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
	}
	return known;
}

static size_t char_width(int32_t cp)
{
	int w = utf8_locale() ? wcwidth((wchar_t)cp) : -1;
	if (w < 0)
		w = utf8proc_charwidth(cp);
	return w < 0 ? 0 : (size_t)w;
}

/* Decodes one character of s (len bytes left): its byte count (1 for a
 * byte that is not UTF-8, shown as one column) and its width. */
static size_t next_char(const char *s, size_t len, size_t *width)
{
	utf8proc_int32_t cp;
	utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len,
					      &cp);
	if (n <= 0) {
		*width = 1;
		return 1;
	}
	*width = char_width(cp);
	return (size_t)n;
}

size_t lt_width(const char *s)
{
	size_t w = 0, len = strlen(s), cw;
	while (len) {
		size_t n = next_char(s, len, &cw);
		w += cw;
		s += n;
		len -= n;
	}
	return w;
}

int lt_utf8_locale(void)
{
	return utf8_locale();
}

/* For a screen outside a UTF-8 locale: ncurses would show each byte of a
 * UTF-8 character as M-x notation (several columns, lines cut wrong), so
 * each character that is not ASCII becomes one '?' per column it takes. */
static void to_ascii(char *s)
{
	char *out = s;
	size_t len = strlen(s), cw;
	while (len) {
		size_t n = next_char(s, len, &cw);
		if (n == 1 && !((unsigned char)*s & 0x80))
			*out++ = *s;
		else
			for (size_t i = 0; i < cw; i++)
				*out++ = '?';
		s += n;
		len -= n;
	}
	*out = '\0';
}

void lt_line_clear(struct lt_line *l, int attr)
{
	l->text[0] = '\0';
	l->len = 0;
	l->attr = attr;
	l->nspan = 0;
}

static void append(struct lt_line *l, const char *s, size_t n)
{
	if (l->len + n >= sizeof(l->text))
		n = sizeof(l->text) - 1 - l->len;
	memcpy(l->text + l->len, s, n);
	l->len += n;
	l->text[l->len] = '\0';
}

static void pad(struct lt_line *l, size_t cols)
{
	while (cols--)
		append(l, " ", 1);
}

void lt_line_add(struct lt_line *l, const char *s, int width, int right, int attr)
{
	char safe[LT_LINE_MAX];
	/* Text from the server reaches the terminal escaped (a title cannot
	 * move the cursor or set the window title). */
	ld_text_escape(s ? s : "", 0, safe, sizeof(safe));
	if (lt_ascii_screen)
		to_ascii(safe);
	const char *ellipsis = lt_ascii_screen ? "~" : "…";
	size_t start = l->len;
	size_t w = lt_width(safe);
	if (width < 0) {
		append(l, safe, strlen(safe));
	} else if (w <= (size_t)width) {
		if (right)
			pad(l, (size_t)width - w);
		append(l, safe, strlen(safe));
		if (!right)
			pad(l, (size_t)width - w);
	} else if (width > 0) {
		/* Cut to width - 1 columns and an ellipsis; a wide character that
		 * would cross the edge goes, and a space takes its place. */
		size_t used = 0, len = strlen(safe), cw;
		const char *p = safe;
		while (len) {
			size_t n = next_char(p, len, &cw);
			if (used + cw > (size_t)width - 1)
				break;
			used += cw;
			p += n;
			len -= n;
		}
		append(l, safe, (size_t)(p - safe));
		append(l, ellipsis, strlen(ellipsis));
		pad(l, (size_t)width - 1 - used);
	}
	if (attr != LT_A_NORMAL && l->nspan < LT_SPANS_MAX && l->len > start) {
		l->span[l->nspan].start = start;
		l->span[l->nspan].len = l->len - start;
		l->span[l->nspan].attr = attr;
		l->nspan++;
	}
}

int lt_filter_match(const struct lt_panel *p, const char *text)
{
	if (!p->filter[0])
		return 1;
	/* Case-insensitive for what a filter is typed in: ASCII letters;
	 * other text must match as it is written. */
	size_t n = strlen(p->filter);
	for (const char *s = text; *s; s++)
		if (strncasecmp(s, p->filter, n) == 0)
			return 1;
	return 0;
}
