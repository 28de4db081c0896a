/* `lead completion bash`: the table's part of the script (_lead_spec and
 * _lead_alias, one case per command) and then the part that is the same
 * for every table (lead_completion.bash, embedded at build time). */
#include <ctype.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "lead.h"
#include "lead_completion.h"
#include "lead_completion_body.h"
#include "lead_filter.h"

/* A growing string of words, each followed by a space. */
struct words {
	char *s;
	size_t len, cap;
	int oom;
};

static void words_add(struct words *w, const char *word, size_t n)
{
	if (w->oom)
		return;
	if (w->len + n + 2 > w->cap) {
		size_t cap = (w->cap ? w->cap * 2 : 256) + n;
		char *s = realloc(w->s, cap);
		if (!s) {
			w->oom = 1;
			return;
		}
		w->s = s;
		w->cap = cap;
	}
	memcpy(w->s + w->len, word, n);
	w->len += n;
	w->s[w->len++] = ' ';
	w->s[w->len] = '\0';
}

static const char *words_str(const struct words *w)
{
	return w->len ? w->s : "";
}

/* 1 when " word " is already among the words. */
static int words_has(const struct words *w, const char *word, size_t n)
{
	for (const char *p = w->s; p && *p;) {
		const char *end = strchr(p, ' ');
		if ((size_t)(end - p) == n && memcmp(p, word, n) == 0)
			return 1;
		p = end + 1;
	}
	return 0;
}

/* What the script is told about one command. opts: "--role --team";
 * vals: "--role=rep|manager|admin --team=TEAM"; args: "NAME". */
struct spec {
	struct words opts, vals, args;
};

/* An option word: -o or --name, lowercase letters, digits and dashes. */
static int is_option(const char *s, size_t n)
{
	if (n < 2 || s[0] != '-')
		return 0;
	size_t i = s[1] == '-' ? 2 : 1;
	if (i >= n || !islower((unsigned char)s[i]))
		return 0;
	if (i == 1 && n != 2)
		return 0;
	for (; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

/* A value or argument name the script may hold in single quotes and split
 * at spaces: letters, digits and |:-. */
static int is_name(const char *s, size_t n)
{
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("|:-", s[i]))
			return 0;
	return 1;
}

static void add_option(struct spec *sp, const char *opt, size_t n, const char *val, size_t vn)
{
	if (words_has(&sp->opts, opt, n))
		return;
	words_add(&sp->opts, opt, n);
	if (val && is_name(val, vn)) {
		char pair[256];
		int len = snprintf(pair, sizeof(pair), "%.*s=%.*s", (int)n, opt, (int)vn, val);
		if (len > 0 && (size_t)len < sizeof(pair))
			words_add(&sp->vals, pair, (size_t)len);
	}
}

/* The next word of a usage line at *p (moved past it): its start and
 * length, brackets and all; 0 at the end. */
static size_t next_word(const char **p, const char **start)
{
	while (**p == ' ')
		(*p)++;
	*start = *p;
	while (**p && **p != ' ')
		(*p)++;
	return (size_t)(*p - *start);
}

/* A usage word without its brackets, parentheses and "...": "[--tag"
 * "TAG]..." give "--tag" and "TAG"; *closed is set when something was cut
 * from its end (the option's group ends there: it takes no value). */
static size_t strip(const char **s, size_t n, int *closed)
{
	while (n && strchr("[(", **s)) {
		(*s)++;
		n--;
	}
	size_t was = n;
	while (n && strchr("]).", (*s)[n - 1]))
		n--;
	*closed = n != was;
	return n;
}

/* A command's options, their values and its arguments, from its usage
 * line: "ID STATUS [--reason TEXT [--other]] [--keep-tasks]". An option
 * followed by a word that is not another option or group takes that word
 * as its value ("--role rep|manager|admin", "-o wide"). */
static void parse_usage(struct spec *sp, const char *usage)
{
	const char *p = usage, *w;
	size_t n;
	while ((n = next_word(&p, &w)) > 0) {
		int closed;
		n = strip(&w, n, &closed);
		if (!n || w[0] == '|')
			continue;
		if (w[0] == '-') {
			/* "--left|--back": options, no value. */
			const char *bar = memchr(w, '|', n);
			if (bar) {
				for (const char *q = w, *end = w + n; q < end;) {
					const char *e = memchr(q, '|', (size_t)(end - q));
					e = e ? e : end;
					if (is_option(q, (size_t)(e - q)))
						add_option(sp, q, (size_t)(e - q), NULL, 0);
					q = e + 1;
				}
				continue;
			}
			if (!is_option(w, n))
				continue;
			const char *val = NULL, *after = p, *v;
			size_t vn = 0;
			if (!closed && (vn = next_word(&after, &v)) > 0 && !strchr("-[(|", v[0])) {
				int c2;
				vn = strip(&v, vn, &c2);
				val = v;
				p = after;
			}
			add_option(sp, w, n, val, vn);
		} else if (isupper((unsigned char)w[0]) && is_name(w, n)) {
			/* An argument; FILTERS and ARGS stand for options and
			 * subcommands' words, not for one argument. */
			if ((n == 7 && memcmp(w, "FILTERS", 7) == 0) ||
			    (n == 4 && memcmp(w, "ARGS", 4) == 0))
				continue;
			words_add(&sp->args, w, n);
		}
	}
}

static void add_filters(struct spec *sp)
{
	const char *name, *arg;
	for (size_t i = 0; lead_filter_nth(i, &name, &arg); i++) {
		char opt[64];
		int n = snprintf(opt, sizeof(opt), "--%s", name);
		if (n > 0 && (size_t)n < sizeof(opt))
			add_option(sp, opt, (size_t)n, arg, arg ? strlen(arg) : 0);
	}
}

static void spec_free(struct spec *sp)
{
	free(sp->opts.s);
	free(sp->vals.s);
	free(sp->args.s);
}

/* The last word of a command's name: "add" of "user add". */
static const char *last_word(const char *name)
{
	const char *sp = strrchr(name, ' ');
	return sp ? sp + 1 : name;
}

/* One case of _lead_spec, then those of its subcommands. */
static int write_spec(FILE *out, const struct cmd_entry *e)
{
	struct spec sp = {0};
	struct words subs = {0};
	for (const struct cmd_entry *const *s = e->sub; s && *s; s++) {
		const char *last = last_word((*s)->name);
		words_add(&subs, last, strlen(last));
	}
	if (!e->sub)
		parse_usage(&sp, e->usage);
	if (e->filters)
		add_filters(&sp);
	/* Every command takes these (LEAD_CMD_OPTIONS). */
	add_option(&sp, "--help", 6, NULL, 0);
	add_option(&sp, "--json", 6, NULL, 0);
	int oom = sp.opts.oom || sp.vals.oom || sp.args.oom || subs.oom;
	if (!oom)
		fprintf(out,
			"\t'%s')\n\t\t_lead_subs='%s'\n\t\t_lead_opts='%s'\n\t\t_lead_vals='%s'\n"
			"\t\t_lead_args='%s'\n\t\t;;\n",
			e->name, words_str(&subs), words_str(&sp.opts), words_str(&sp.vals),
			words_str(&sp.args));
	spec_free(&sp);
	free(subs.s);
	for (const struct cmd_entry *const *s = e->sub; !oom && s && *s; s++)
		oom = write_spec(out, *s) < 0;
	return oom ? -1 : 0;
}

/* The cases of _lead_alias: "PARENT/ALIAS" to the command's path. */
static void write_aliases(FILE *out, const char *parent, const struct cmd_entry *const *list)
{
	for (const struct cmd_entry *const *e = list; e && *e; e++) {
		if ((*e)->alias)
			fprintf(out, "\t'%s/%s') _lead_path='%s' ;;\n", parent, (*e)->alias,
				(*e)->name);
		write_aliases(out, (*e)->name, (*e)->sub);
	}
}

int lead_completion_bash(FILE *out)
{
	const struct cmd_entry *const *table = lead_cmd_table();
	struct spec top = {0};
	struct words cmds = {0};
	for (const struct cmd_entry *const *e = table; *e; e++)
		words_add(&cmds, (*e)->name, strlen((*e)->name));
	for (const struct option *o = lead_global_options(); o->name; o++) {
		char opt[64];
		int n = snprintf(opt, sizeof(opt), "--%s", o->name);
		/* The value's name only tells the script that one follows. */
		if (n > 0 && (size_t)n < sizeof(opt))
			add_option(&top, opt, (size_t)n, o->has_arg ? "VALUE" : NULL,
				   o->has_arg ? 5 : 0);
	}
	int oom = top.opts.oom || top.vals.oom || cmds.oom;
	if (!oom) {
		fprintf(out,
			"# bash completion for lead(1), version %s: generated by `lead completion\n"
			"# bash` from lead's command table. Source it, or install it as\n"
			"# /usr/share/bash-completion/completions/lead.\n\n"
			"# The words of the command path $1 (\"\" for lead itself):\n"
			"# subcommands, options, options' value names, arguments' names.\n"
			"_lead_spec()\n{\n\tcase $1 in\n"
			"\t'')\n\t\t_lead_subs='%s'\n\t\t_lead_opts='%s'\n\t\t_lead_vals='%s'\n"
			"\t\t_lead_args=''\n\t\t;;\n",
			LEADD_VERSION, words_str(&cmds), words_str(&top.opts),
			words_str(&top.vals));
	}
	spec_free(&top);
	free(cmds.s);
	for (const struct cmd_entry *const *e = table; !oom && *e; e++)
		oom = write_spec(out, *e) < 0;
	if (oom)
		return -1;
	fputs("\t*) return 1 ;;\n\tesac\n}\n\n"
	      "# The command an alias names below the path $1, in _lead_path.\n"
	      "_lead_alias()\n{\n\tcase $1/$2 in\n",
	      out);
	write_aliases(out, "", table);
	fputs("\t*) return 1 ;;\n\tesac\n}\n", out);
	fwrite(lead_completion_body, 1, sizeof(lead_completion_body), out);
	return 0;
}
