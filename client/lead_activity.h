/* Activities as people and scripts read them (issue 13): the LEAD.N names,
 * one line or one table row per activity, the JSON object, and the
 * iCalendar item of `lead agenda --ics`. Shared by the activity commands
 * (cmd_activity*.c), the agenda (cmd_agenda.c), `lead show`, `lead history`
 * and the moves that close activities (cmd_move.c). */
#ifndef LEAD_ACTIVITY_H
#define LEAD_ACTIVITY_H

#include "lead.h"
#include "lead_ics.h"

/* "42.3": a lead id, a dot, the activity's number. 0, or -1 (not that). */
int lead_activity_id_parse(const char *s, uint64_t *lead, uint32_t *number);
/* An ACT argument; 0, or a usage error's exit status. */
int lead_activity_arg(const struct cmd_entry *self, struct lead_ctx *ctx, const char *s,
		      uint64_t *lead, uint32_t *number);

/* A time option (--at, --due, --plan, --from): the forms of
 * lead_date_parse, or "now"; 0, or a usage error's exit status. */
/* A time given unquoted (`--plan tomorrow 10:00`): the shell splits it and
 * the clock time lands among the arguments, where it became a call's
 * subject (a call planned at midnight, said nowhere) or "takes at most 2
 * arguments". When an argument from argv[first] on is a clock time (9:00,
 * 10:30:15) and opt's value (NULL: not given) has none, the usage error
 * that shows the quoted form; else 0. Call before lead_cmd_check_args. */
int lead_activity_split_time(const struct cmd_entry *self, struct lead_ctx *ctx, const char *opt,
			     const char *value, int argc, char **argv, int first);
int lead_activity_time_arg(const struct cmd_entry *self, struct lead_ctx *ctx, const char *opt,
			   const char *arg, int64_t *out);
/* --duration: 15m, 1h, 1h30m; 0, or a usage error's exit status. */
int lead_activity_duration_arg(const struct cmd_entry *self, struct lead_ctx *ctx, const char *arg,
			       int64_t *out);

/* "note", "call", "task", "meeting" ("?" for another). */
const char *lead_activity_kind_name(int kind);
/* "open", "done", "closed" ("?"). */
const char *lead_activity_state_name(int state);

/* Room for what an activity says, whole: the server's caps (a title and a
 * name of 200 bytes, a place of 500, a text and an outcome of 4000 each)
 * add up to under 9000 bytes; a smaller buffer cut long notes and outcomes
 * silently, even into a pipe, and could end them inside a UTF-8 character.
 * Buffers given to lead_activity_what/sentence are this big. */
#define LEAD_ACTIVITY_TEXT_MAX 12288

/* What it is about, for people, one line: "send the quote", "call with Ana:
 * no answer", "demo at Acme". Not escaped (lead_out and tables escape). */
void lead_activity_what(const Leadd__Activity *a, char *buf, size_t len);
/* "task 42.3 'send the quote', due 2026-12-01 10:00 CET": one activity in a
 * sentence, for the lines that say what a command did. */
void lead_activity_sentence(const Leadd__Activity *a, char *buf, size_t len);

/* Activities as a table: ACT, KIND, STATE, WHEN, FOR (assignee) and WHAT. */
void lead_activity_table(Leadd__Activity *const *v, size_t n);
/* A lead's activities, every page of ActivityListRequest (a reply holds
 * what fits in a frame, then a cursor). */
struct lead_activities {
	Leadd__Response **pages;
	size_t n_pages;
	Leadd__Activity **v; /* into pages, in the server's order */
	size_t n;
	int supported; /* 0: the server predates activities (none fetched) */
};
/* 0 with *out filled, or the exit status (printed). */
int lead_activity_fetch(struct lead_ctx *ctx, uint64_t lead_id, struct lead_activities *out);
void lead_activities_free(struct lead_activities *a);
/* What `lead show` prints of them: every open one, then the last
 * SHOW_DONE others, and where the rest are. */
void lead_activity_show_block(const struct lead_activities *l, uint64_t lead_id);
/* The JSON object of one activity (docs/cli.md). */
cJSON *lead_activity_json(const Leadd__Activity *a);
/* What a move into dead or lost closed (lead status, lead opp lost): "closed
 * 1 open activity:" and a line each, so nobody waits on a call that will
 * not be made; nothing when it closed none. */
void lead_activity_print_closed(Leadd__Activity *const *v, size_t n);
/* The same in JSON: "closed_activities": [ACTIVITY] added to o when some. */
void lead_activity_json_closed(cJSON *o, Leadd__Activity *const *v, size_t n);

/* The iCalendar item of an open (or done) activity: uid_buf, summary_buf
 * and desc_buf hold the texts it points to. */
void lead_activity_ics_item(const Leadd__Activity *a, struct lead_ics_item *it, char *uid_buf,
			    size_t uid_len, char *summary_buf, size_t summary_len, char *desc_buf,
			    size_t desc_len);

#endif
