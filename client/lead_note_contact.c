/* A note that mentions an email or a phone the lead's contacts lack: the
 * `lead contact add` line that records it (issue 13). Only a suggestion,
 * printed for the user to run: the CLI changes nothing by itself. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ld_norm.h"
#include "lead_note_contact.h"
#include "lead_words.h"

/* Strips what sentences put around an address: "(ana@x.com)," */
static void trim_punct(char *s)
{
	size_t n = strlen(s);
	while (n && strchr(".,;:!?)]}>\"'", s[n - 1]))
		s[--n] = 0;
	size_t k = strspn(s, "([{<\"'");
	memmove(s, s + k, strlen(s + k) + 1);
}

static int known(const Leadd__Lead *l, const char *email, const char *phone);

/* The first word of text that is an email the lead lacks; 1 with it in
 * out. */
static int find_email(const char *text, const Leadd__Lead *lead, char *out, size_t len)
{
	const char *p = text;
	while (*p) {
		p += strspn(p, " \t\n");
		size_t n = strcspn(p, " \t\n");
		if (n && n < len && memchr(p, '@', n)) {
			char word[256], norm[256];
			if (n < sizeof(word)) {
				memcpy(word, p, n);
				word[n] = 0;
				trim_punct(word);
				if (ld_norm_email(word, norm, sizeof(norm)) == 0 &&
				    strchr(norm, '.') && !known(lead, word, NULL)) {
					snprintf(out, len, "%s", word);
					return 1;
				}
			}
		}
		p += n;
	}
	return 0;
}

/* "192.168.100.200": four numbers of at most 255 joined by dots is an IPv4
 * address in a note about a server, not a phone (a dotted phone number has
 * 3 or 5 groups, or a group past 255: 06.12.34.56.78, 212.555.0100). */
static int ipv4_shaped(const char *run)
{
	int groups = 0;
	for (const char *p = run;; p++) {
		int v = 0, d = 0;
		while (isdigit((unsigned char)*p) && d < 4)
			v = v * 10 + (*p++ - '0'), d++;
		if (d < 1 || d > 3 || v > 255)
			return 0;
		groups++;
		if (*p != '.')
			return *p == 0 && groups == 4;
	}
}

/* A run like "+33 6 12 34 56 78", "06.12.34.56.78" or "(555) 123-4567":
 * digits and the separators people put in numbers; from 9 to 15 digits (a
 * date, 2026-12-01, has 8), never a date's shape inside, nor followed by a
 * colon (2026-12-01 10:30). The first one the lead lacks. */
static int find_phone(const char *text, const Leadd__Lead *lead, char *out, size_t len)
{
	for (const char *p = text; *p; p++) {
		if (!(*p == '+' || *p == '(' || isdigit((unsigned char)*p)))
			continue;
		if (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '-' || p[-1] == '.'))
			continue;
		size_t n = 0, digits = 0;
		while (p[n] && (isdigit((unsigned char)p[n]) || strchr(" .-()+", p[n])) &&
		       !(p[n] == '+' && n)) {
			digits += isdigit((unsigned char)p[n]) != 0;
			n++;
		}
		while (n && !isdigit((unsigned char)p[n - 1]))
			n--;
		if (digits >= 9 && digits <= 15 && n < len && !isalnum((unsigned char)p[n]) &&
		    p[n] != ':') {
			char run[64];
			if (n >= sizeof(run))
				continue;
			memcpy(run, p, n);
			run[n] = 0;
			int dateish = 0;
			for (size_t i = 0; i + 10 <= n && !dateish; i++)
				dateish = isdigit((unsigned char)run[i]) &&
					  isdigit((unsigned char)run[i + 3]) && run[i + 4] == '-' &&
					  isdigit((unsigned char)run[i + 5]) && run[i + 7] == '-';
			if (!dateish && !ipv4_shaped(run) && !known(lead, NULL, run)) {
				snprintf(out, len, "%s", run);
				return 1;
			}
		}
		p += n ? n - 1 : 0;
	}
	return 0;
}

/* "ana.lopez" -> "Ana Lopez"; 0 when the local part is not plain words. */
static int name_from_email(const char *email, char *out, size_t len)
{
	size_t n = 0;
	int start = 1;
	for (const char *p = email; *p && *p != '@'; p++) {
		if (n + 2 >= len)
			return 0;
		if (*p == '.' || *p == '_' || *p == '-') {
			if (start)
				return 0;
			out[n++] = ' ';
			start = 1;
		} else if (isalpha((unsigned char)*p)) {
			out[n++] = (char)(start ? toupper((unsigned char)*p) : *p);
			start = 0;
		} else {
			return 0;
		}
	}
	out[n] = 0;
	return n > 1 && !start;
}

static int known(const Leadd__Lead *l, const char *email, const char *phone)
{
	char a[512], b[512];
	for (size_t i = 0; l && i < l->n_contacts; i++) {
		const Leadd__Contact *c = l->contacts[i];
		if (email && c->email && ld_norm_email(email, a, sizeof(a)) == 0 &&
		    ld_norm_email(c->email, b, sizeof(b)) == 0 && strcmp(a, b) == 0)
			return 1;
		if (phone && c->phone && ld_norm_phone(phone, a, sizeof(a)) == 0 &&
		    ld_norm_phone(c->phone, b, sizeof(b)) == 0 && strcmp(a, b) == 0)
			return 1;
	}
	return 0;
}

char *lead_note_contact_line(const char *text, const Leadd__Lead *lead, uint64_t lead_id,
			     const char *server_opt)
{
	char email[256] = "", phone[64] = "", name[128];
	int has_email = find_email(text, lead, email, sizeof(email));
	int has_phone = find_phone(text, lead, phone, sizeof(phone));
	if (!has_email && !has_phone)
		return NULL;
	struct lead_words w = {0};
	char id[32];
	snprintf(id, sizeof(id), "%llu", (unsigned long long)lead_id);
	lead_words_add(&w, "lead");
	if (server_opt) {
		lead_words_add(&w, "--server");
		lead_words_add(&w, server_opt);
	}
	lead_words_add(&w, "contact");
	lead_words_add(&w, "add");
	lead_words_add(&w, id);
	lead_words_add(&w, "--name");
	int guessed = has_email && name_from_email(email, name, sizeof(name));
	lead_words_add(&w, guessed ? name : "NAME");
	if (has_email) {
		lead_words_add(&w, "--email");
		lead_words_add(&w, email);
	}
	if (has_phone) {
		lead_words_add(&w, "--phone");
		lead_words_add(&w, phone);
	}
	char *line = lead_words_join(&w);
	lead_words_free(&w);
	if (!guessed) {
		/* NAME is a placeholder the user must replace: say so. */
		char *with;
		if (asprintf(&with, "%s   (put their name for NAME)", line) < 0)
			with = NULL;
		if (with) {
			free(line);
			line = with;
		}
	}
	return line;
}
