/* Unit tests for common/ld_norm.h: the one UTF-8 validator every string on
 * the wire passes through and the normalisations the indexes are keyed by.
 * Money lives in test_currency.c. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ld_norm.h"

static int utf8(const char *s)
{
	return ld_utf8_valid(s, strlen(s));
}

static void test_utf8_valid(void **state)
{
	(void)state;
	assert_true(ld_utf8_valid("", 0));
	assert_true(utf8("plain ascii"));
	assert_true(utf8("h\xC3\xA9llo"));     /* é, 2 bytes */
	assert_true(utf8("\xC2\x80"));         /* U+0080, smallest 2-byte */
	assert_true(utf8("\xDF\xBF"));         /* U+07FF */
	assert_true(utf8("\xE0\xA0\x80"));     /* U+0800, smallest 3-byte */
	assert_true(utf8("\xE2\x82\xAC"));     /* € */
	assert_true(utf8("\xED\x9F\xBF"));     /* U+D7FF, just below the surrogates */
	assert_true(utf8("\xEE\x80\x80"));     /* U+E000, just above them */
	assert_true(utf8("\xEF\xBF\xBF"));     /* U+FFFF */
	assert_true(utf8("\xF0\x90\x80\x80")); /* U+10000, smallest 4-byte */
	assert_true(utf8("\xF0\x9D\x84\x9E")); /* musical G clef */
	assert_true(utf8("\xF4\x8F\xBF\xBF")); /* U+10FFFF, the last code point */
	assert_true(utf8("Z\xC3\xBCrich \xE2\x82\xAC 5 \xF0\x9F\x98\x80 ok"));
	/* The length given is what counts, not a terminator. */
	assert_true(ld_utf8_valid("ab\xC3", 2));
}

static void test_utf8_overlong(void **state)
{
	(void)state;
	assert_false(utf8("\xC0\x80")); /* NUL in 2 bytes */
	assert_false(utf8("\xC0\xAF")); /* '/' in 2 bytes */
	assert_false(utf8("\xC1\xBF"));
	assert_false(utf8("\xE0\x80\x80"));
	assert_false(utf8("\xE0\x9F\xBF")); /* U+07FF in 3 bytes */
	assert_false(utf8("\xF0\x80\x80\x80"));
	assert_false(utf8("\xF0\x8F\xBF\xBF")); /* U+FFFF in 4 bytes */
	assert_false(utf8("ok\xC0\xAFok"));
}

static void test_utf8_surrogate(void **state)
{
	(void)state;
	assert_false(utf8("\xED\xA0\x80")); /* U+D800 */
	assert_false(utf8("\xED\xAF\xBF")); /* U+DBFF */
	assert_false(utf8("\xED\xB0\x80")); /* U+DC00 */
	assert_false(utf8("\xED\xBF\xBF")); /* U+DFFF */
	/* A CESU-8 pair is two surrogates, not one character. */
	assert_false(utf8("\xED\xA0\xBD\xED\xB8\x80"));
}

static void test_utf8_truncated(void **state)
{
	(void)state;
	assert_false(utf8("\xC3"));
	assert_false(utf8("abc\xC3"));
	assert_false(utf8("\xE2\x82"));
	assert_false(utf8("\xF0\x9D\x84"));
	/* A lead byte followed by something that is not a continuation byte. */
	assert_false(utf8("\xC3"
			  "A"));
	assert_false(utf8("\xE2\x82"
			  "A"));
	assert_false(utf8("\xF0\x9D"
			  "AB"));
	/* A continuation byte with no lead. */
	assert_false(utf8("\x80"));
	assert_false(utf8("a\xBF"
			  "b"));
	/* Cut by the length, not by the data. */
	assert_false(ld_utf8_valid("\xE2\x82\xAC", 2));
}

static void test_utf8_above_max(void **state)
{
	(void)state;
	assert_false(utf8("\xF4\x90\x80\x80")); /* U+110000 */
	assert_false(utf8("\xF5\x80\x80\x80"));
	assert_false(utf8("\xF7\xBF\xBF\xBF"));
	assert_false(utf8("\xF8\x88\x80\x80\x80")); /* old 5-byte form */
	assert_false(utf8("\xFC\x84\x80\x80\x80\x80"));
	assert_false(utf8("\xFE"));
	assert_false(utf8("\xFF"));
}

static void check_email(const char *in, const char *want)
{
	char out[256];
	memset(out, 'x', sizeof(out));
	if (!want) {
		assert_int_equal(ld_norm_email(in, out, sizeof(out)), -1);
		return;
	}
	assert_int_equal(ld_norm_email(in, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

static void test_norm_email(void **state)
{
	(void)state;
	check_email("john@example.com", "john@example.com");
	check_email("  John.Doe@Example.COM \t", "john.doe@example.com");
	check_email("A+tag@Sub.Example.Org", "a+tag@sub.example.org");
	check_email("nope", NULL);
	check_email("", NULL);
	check_email("   ", NULL);
	check_email("@example.com", NULL);
	check_email("john@", NULL);
	check_email("john@localhost", NULL);
	check_email("john@@example.com", NULL);
	check_email("a@b@example.com", NULL);
	check_email("jo hn@example.com", NULL);
	check_email("john@example.com.", NULL);
	check_email("john@.example.com", NULL);

	/* The documented contract: out holds strlen(in)+1 bytes. A smaller
	 * buffer is refused, never overrun. */
	const char *in = "john@example.com";
	char exact[17];
	assert_int_equal(ld_norm_email(in, exact, sizeof(exact)), 0);
	assert_string_equal(exact, in);
	char small[8];
	assert_int_equal(ld_norm_email(in, small, sizeof(small)), -1);
}

static void check_phone(const char *in, const char *want)
{
	char out[64];
	if (!want) {
		assert_int_equal(ld_norm_phone(in, out, sizeof(out)), -1);
		return;
	}
	assert_int_equal(ld_norm_phone(in, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

static void test_norm_phone(void **state)
{
	(void)state;
	check_phone("+33 (0)6 12-34.56/78", "+330612345678");
	check_phone("  +1 555 0100", "+15550100");
	check_phone("06 12 34 56 78", "0612345678");
	check_phone("123", "123");
	check_phone("12", NULL);
	check_phone("+", NULL);
	check_phone("", NULL);
	check_phone("abc", NULL);
	check_phone("555-CALL-NOW", NULL);
	check_phone("12+34", NULL);
	check_phone("++33612345678", NULL);

	char small[4];
	assert_int_equal(ld_norm_phone("0612345678", small, sizeof(small)), -1);
}

static void check_name(const char *in, const char *want)
{
	char out[128];
	assert_int_equal(ld_norm_name(in, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

static void test_norm_name(void **state)
{
	(void)state;
	check_name("acme", "acme");
	check_name("  ACME   Corp\t Ltd  ", "acme corp ltd");
	check_name("Hot\n\nLead", "hot lead");
	check_name("", "");
	check_name("   ", "");
	/* Letters above ASCII fold too. */
	check_name("\xC3\x9C"
		   "ber GmbH",
		   "\xC3\xBC"
		   "ber gmbh");

	char small[4];
	assert_int_equal(ld_norm_name("abcdef", small, sizeof(small)), -1);
	assert_int_equal(ld_norm_name("abc", small, sizeof(small)), 0);
	assert_string_equal(small, "abc");
}

/* Folder, user and team names are found by their folded form: Unicode case
 * folding and NFKC, not ASCII alone. */
static void test_norm_name_unicode(void **state)
{
	(void)state;
	char a[128], b[128];
	assert_int_equal(ld_norm_name("MAISON LEF\xC3\x88VRE SA", a, sizeof(a)), 0);
	assert_int_equal(ld_norm_name("Maison Lef\xC3\xA8vre SA", b, sizeof(b)), 0);
	assert_string_equal(a, b);
	assert_string_equal(a, "maison lef\xC3\xA8vre sa");
	/* A decomposed e + combining grave composes to the same letter. */
	check_name("Maison Lefe\xCC\x80vre SA", "maison lef\xC3\xA8vre sa");
	/* Full-width letters (U+FF21 ...) are NFKC-equal to ASCII ones. */
	check_name("\xEF\xBC\xA1\xEF\xBC\xA3\xEF\xBC\xAD\xEF\xBC\xA5", "acme");
	/* German sharp s folds to ss; Greek capital sigma to small sigma. */
	check_name("STRASSE", "strasse");
	check_name("Stra\xC3\x9F"
		   "e",
		   "strasse");
	check_name("\xCE\xA3", "\xCF\x83");
	/* A no-break space is a space; a soft hyphen is nothing. */
	check_name("Acme\xC2\xA0"
		   "Corp",
		   "acme corp");
	check_name("Ac\xC2\xADme", "acme");
	/* Not UTF-8: refused rather than guessed. */
	char out[16];
	assert_int_equal(ld_norm_name("\xC3", out, sizeof(out)), -1);
}

/* What the server refuses in text and the CLI escapes when printing. */
static long check_text(const char *s, size_t n, int multiline)
{
	uint32_t bad = 0;
	return ld_text_check(s, n, multiline, &bad);
}

static void test_text_controls(void **state)
{
	(void)state;
	const char *ok = "Acme \xE2\x80\x94 Lef\xC3\xA8vre \xE6\x97\xA5\xE6\x9C\xAC";
	assert_int_equal(check_text(ok, strlen(ok), 0), -1);
	/* ESC (a CSI sequence that clears the screen), OSC 52 (clipboard),
	 * DEL, BEL: refused everywhere. */
	assert_int_equal(check_text("a\x1b[2Jb", 7, 0), 1);
	assert_int_equal(check_text("a\x1b[2Jb", 7, 1), 1);
	const char *osc52 = "x\x1b]52;c;aGVsbG8=\x07";
	assert_int_equal(check_text(osc52, strlen(osc52), 1), 1);
	assert_int_equal(check_text("ab\x7f", 3, 1), 2);
	assert_int_equal(check_text("ab\x07", 3, 1), 2);
	/* C1 controls: U+009B is an 8-bit CSI. */
	uint32_t bad = 0;
	assert_int_equal(ld_text_check("a\xC2\x9B"
				       "2J",
				       5, 1, &bad),
			 1);
	assert_int_equal(bad, 0x9B);
	assert_int_equal(check_text("\xC2\x80", 2, 0), 0);
	assert_int_equal(check_text("\xC2\xA0", 2, 0), -1); /* U+00A0 is fine */
	/* Bidi overrides and isolates (Trojan Source), line separators. */
	assert_int_equal(ld_text_check("ab\xE2\x80\xAE"
				       "cd",
				       7, 1, &bad),
			 2);
	assert_int_equal(bad, 0x202E);
	assert_int_equal(check_text("\xE2\x80\xAA", 3, 1), 0);
	assert_int_equal(check_text("\xE2\x81\xA6", 3, 1), 0);
	assert_int_equal(check_text("\xE2\x81\xA9", 3, 1), 0);
	assert_int_equal(check_text("\xE2\x80\xA8", 3, 1), 0);
	assert_int_equal(check_text("\xE2\x80\x8F", 3, 1), -1); /* RLM alone is a mark */
	/* A NUL inside the length is refused. */
	assert_int_equal(ld_text_check("ab\0cd", 5, 1, &bad), 2);
	assert_int_equal(bad, 0);
	/* Newline and tab: multi-line text only. */
	assert_int_equal(check_text("line 1\nline 2\tx", 15, 1), -1);
	assert_int_equal(check_text("line 1\nline 2", 13, 0), 6);
	assert_int_equal(check_text("a\tb", 3, 0), 1);
	assert_int_equal(check_text("a\rb", 3, 1), 1);
	/* Not UTF-8. */
	assert_int_equal(check_text("a\xFF", 2, 1), 1);
}

static void check_escape(const char *in, int multiline, const char *want)
{
	char out[256];
	size_t n = ld_text_escape(in, multiline, out, sizeof(out));
	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
}

static void test_text_escape(void **state)
{
	(void)state;
	check_escape("plain Lef\xC3\xA8vre", 0, "plain Lef\xC3\xA8vre");
	check_escape("\x1b[2J\x1b]0;pwned\x07", 0, "\\x1b[2J\\x1b]0;pwned\\x07");
	check_escape("\x1b]52;c;aGVsbG8=\x07", 1, "\\x1b]52;c;aGVsbG8=\\x07");
	check_escape("a\xC2\x9B"
		     "2J",
		     0, "a\\u009b2J");
	check_escape("abc\xE2\x80\xAE"
		     "fdp.exe",
		     0, "abc\\u202efdp.exe");
	check_escape("del\x7f", 0, "del\\x7f");
	check_escape("bad \xFF byte", 0, "bad \\xff byte");
	check_escape("two\nlines\tok", 1, "two\nlines\tok");
	check_escape("two\nlines", 0, "two\\x0alines");
	/* A short buffer: cut before the first escape that does not fit whole,
	 * terminated, the full length returned. */
	char tiny[4];
	assert_int_equal(ld_text_escape("ab\x1b", 0, tiny, sizeof(tiny)), 6);
	assert_string_equal(tiny, "ab");
	assert_int_equal(ld_text_escape("\x1b", 0, NULL, 0), 4);
}

struct words {
	char w[16][LD_WORD_MAX + 1];
	int n;
};

static int collect(const char *word, size_t len, void *arg)
{
	struct words *ws = arg;
	assert_true(len > 0 && len <= LD_WORD_MAX);
	if (ws->n < 16) {
		memcpy(ws->w[ws->n], word, len);
		ws->w[ws->n][len] = 0;
		ws->n++;
	}
	return 0;
}

/* Search words: folded (case, accents, compatibility forms), split on
 * anything that is not a letter or a digit. */
static void test_norm_words(void **state)
{
	(void)state;
	struct words ws = {0};
	assert_int_equal(ld_norm_words("Maison LEFÈVRE, ana.ruiz@acme.io +33 6", collect, &ws), 0);
	assert_int_equal(ws.n, 8);
	const char *want[] = {"maison", "lefevre", "ana", "ruiz", "acme", "io", "33", "6"};
	for (int i = 0; i < 8; i++)
		assert_string_equal(ws.w[i], want[i]);
	memset(&ws, 0, sizeof(ws));
	/* Full-width letters and a ligature fold to plain ones; Greek and
	 * Cyrillic are letters too. */
	assert_int_equal(
		ld_norm_words(
			"\xef\xbc\xa1\xef\xbc\xa2 \xef\xac\x81ne \xce\x9a\xce\xb1\xce\xbb\xce\xac",
			collect, &ws),
		0);
	assert_int_equal(ws.n, 3);
	assert_string_equal(ws.w[0], "ab");
	assert_string_equal(ws.w[1], "fine");
	assert_string_equal(ws.w[2], "\xce\xba\xce\xb1\xce\xbb\xce\xb1");
	/* A word longer than the cap is cut at a character boundary. */
	char long_word[200];
	memset(long_word, 0, sizeof(long_word));
	for (int i = 0; i < 70; i++)
		memcpy(long_word + 2 * i, "\xc3\xa9", 2); /* é x 70 -> e x 70 */
	memset(&ws, 0, sizeof(ws));
	assert_int_equal(ld_norm_words(long_word, collect, &ws), 0);
	assert_int_equal(ws.n, 1);
	assert_int_equal(strlen(ws.w[0]), LD_WORD_MAX);
	memset(&ws, 0, sizeof(ws));
	assert_int_equal(ld_norm_words("\xc3\x28", collect, &ws), -1);
}

static void test_norm_sort_key(void **state)
{
	(void)state;
	char k[65];
	assert_int_equal(ld_norm_sort_key("  \xc3\x89"
					  "cole   Normale ",
					  k, sizeof(k)),
			 0);
	assert_string_equal(k, "ecole normale");
	char small[6];
	/* Cut at a character boundary: "ab" + two-byte letters. */
	assert_int_equal(ld_norm_sort_key("ab\xce\x9a\xce\x9a\xce\x9a", small, sizeof(small)), 0);
	assert_string_equal(small, "ab\xce\xba");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_valid),        cmocka_unit_test(test_utf8_overlong),
		cmocka_unit_test(test_utf8_surrogate),    cmocka_unit_test(test_utf8_truncated),
		cmocka_unit_test(test_utf8_above_max),    cmocka_unit_test(test_norm_email),
		cmocka_unit_test(test_norm_phone),        cmocka_unit_test(test_norm_name),
		cmocka_unit_test(test_norm_name_unicode), cmocka_unit_test(test_text_controls),
		cmocka_unit_test(test_text_escape),       cmocka_unit_test(test_norm_words),
		cmocka_unit_test(test_norm_sort_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
