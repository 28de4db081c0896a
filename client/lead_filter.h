/* The lead filter options shared by `lead ls`, `lead search save` and
 * `lead search edit`: one table gives their getopt entries, their parsing,
 * their help, the "more:" hint's words and a saved search's summary. */
#ifndef LEAD_FILTER_H
#define LEAD_FILTER_H

#include <getopt.h>
#include <stdint.h>

#include "lead.h"
#include "lead_words.h"

struct lead_filter_args {
	Leadd__LeadFilter f;
	int any; /* some filter option was given */
	Leadd__LeadSort sort;
	int has_sort, has_desc, desc;
	const char *value_min, *value_max, *currency;
	char code[4];
	int64_t now_ms;
	/* The options as given, dates that count from now made absolute, so a
	 * later page filters on the same instants. */
	struct lead_words words;
};

/* Ready to parse; `argc` bounds the repeated options. 0 or an exit status. */
int lead_filter_init(struct lead_ctx *ctx, struct lead_filter_args *a, int argc);
void lead_filter_free(struct lead_filter_args *a);

/* The getopt_long table: the filter options (leaving out any whose name
 * `extra` also has, `extra` winning), then `extra` (NULL-terminated, may be
 * NULL), then LEAD_CMD_OPTIONS. malloc'd; exits on out of memory. */
struct option *lead_filter_getopt(const struct option *extra);
/* The i-th filter option's name (no dashes) and value name (NULL: a
 * flag), as help prints them, for the bash completion; 0 past the last. */
int lead_filter_nth(size_t i, const char **name, const char **arg);
/* 1 when getopt's c is a filter option. */
int lead_filter_is_option(int c);
/* Takes one filter option; 0 or the exit status of a usage error. */
int lead_filter_option(const struct cmd_entry *e, struct lead_ctx *ctx, struct lead_filter_args *a,
		       int c, const char *arg);
/* After the last option: reads --value-min/--value-max in --currency; 0 or
 * an exit status. */
int lead_filter_finish(const struct cmd_entry *e, struct lead_ctx *ctx, struct lead_filter_args *a);

/* The filter options' help, for `lead help ls|search save|search edit`;
 * own_team: the command's --team is its own (leaves the filter's out). */
void lead_filter_print_help(FILE *f, int own_team);

/* "id", "created", ...; NULL for an unknown value. */
const char *lead_sort_name(int sort);
/* A saved search's filter and order for people ("status qualified, mine,
 * sorted by value, descending"); malloc'd. */
char *lead_filter_summary(const Leadd__LeadFilter *f, int has_sort, int sort, int desc);
/* The filter as JSON: the fields present, by their wire names. */
cJSON *lead_filter_json(const Leadd__LeadFilter *f);

#endif
